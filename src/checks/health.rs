//! Health check endpoint that probes Mistral.

use super::{CheckDecl, Ctx, Outcome, Scope};
use crate::vocab::{CheckId, Evidence, Severity, Step};

/// An HTTP route such as `/health` calls the Mistral API and answers non-2xx when the
/// call fails: load balancers and the rollout's readiness gate can only act on what
/// the route reports.
pub static HEALTH_ENDPOINT: CheckDecl = CheckDecl {
    id: CheckId::HealthEndpoint,
    step: Step::HealthCheck,
    title: "Health check endpoint probes Mistral",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Add a /health route that calls models.list() and answers 503 when it fails",
    run: health_endpoint,
};

fn health_endpoint(ctx: &Ctx) -> Outcome {
    let routes = &ctx.facts.code.routes;
    let mut evidence = Vec::new();
    if let Some(r) = routes.iter().find(|r| r.probe.is_some() && r.answers_5xx) {
        let (pp, pl, api) = r.probe.as_ref().expect("probe");
        evidence.push(
            Evidence::pass(
                &r.path,
                r.line,
                format!("route {} answers 5xx when the probe fails", r.route),
            )
            .about(format!("route {}", r.route))
            .related(pp.as_str(), *pl),
        );
        evidence
            .push(Evidence::pass(pp, *pl, format!("probe: {api}")).about(format!("probe {api}")));
        return Outcome::pass(format!(
            "health route {} at {}:{} probes Mistral and reports failure with a 5xx",
            r.route, r.path, r.line
        ))
        .with_evidence(evidence);
    }
    if let Some(r) = routes.iter().find(|r| r.probe.is_some()) {
        let (pp, pl, api) = r.probe.as_ref().expect("probe");
        evidence.push(
            Evidence::warn(
                &r.path,
                r.line,
                format!("route {} never answers a non-2xx status", r.route),
            )
            .about(format!("route {}", r.route))
            .related(pp.as_str(), *pl),
        );
        evidence
            .push(Evidence::pass(pp, *pl, format!("probe: {api}")).about(format!("probe {api}")));
        return Outcome::warn(format!(
            "health route {} probes Mistral but never reports unhealthy with a non-2xx status",
            r.route
        ))
        .with_evidence(evidence)
        .with_remediation("Answer 503 from the health route when the Mistral probe fails");
    }
    if routes.is_empty() {
        return Outcome::fail("no health route (/health, /healthz, /ready) found");
    }
    let evidence = routes
        .iter()
        .map(|r| {
            Evidence::fail(
                &r.path,
                r.line,
                format!("route {} never calls the Mistral API", r.route),
            )
            .about(format!("route {}", r.route))
        })
        .collect();
    Outcome::fail("health routes exist but none calls the Mistral API").with_evidence(evidence)
}
