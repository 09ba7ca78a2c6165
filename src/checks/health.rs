//! Health check endpoint that probes Mistral.

use super::{Ctx, Outcome};
use crate::report::Evidence;

pub(crate) fn health_endpoint(ctx: &Ctx) -> Outcome {
    let routes = &ctx.facts.code.routes;
    let mut evidence = Vec::new();
    if let Some(r) = routes.iter().find(|r| r.probe.is_some() && r.answers_5xx) {
        let (pp, pl, api) = r.probe.as_ref().expect("probe");
        evidence.push(Evidence::new(&r.path, r.line, format!("route {} answers 5xx when the probe fails", r.route)));
        evidence.push(Evidence::new(pp, *pl, format!("probe: {api}")));
        return Outcome::pass(format!("health route {} at {}:{} probes Mistral and reports failure with a 5xx", r.route, r.path, r.line)).with_evidence(evidence);
    }
    if let Some(r) = routes.iter().find(|r| r.probe.is_some()) {
        let (pp, pl, api) = r.probe.as_ref().expect("probe");
        evidence.push(Evidence::new(&r.path, r.line, format!("route {} never answers a non-2xx status", r.route)));
        evidence.push(Evidence::new(pp, *pl, format!("probe: {api}")));
        return Outcome::warn(format!("health route {} probes Mistral but never reports unhealthy with a non-2xx status", r.route))
            .with_evidence(evidence)
            .with_remediation("Answer 503 from the health route when the Mistral probe fails");
    }
    if routes.is_empty() {
        return Outcome::fail("no health route (/health, /healthz, /ready) found");
    }
    let evidence = routes.iter().map(|r| Evidence::new(&r.path, r.line, format!("route {} never calls the Mistral API", r.route))).collect();
    Outcome::fail("health routes exist but none calls the Mistral API").with_evidence(evidence)
}
