//! Circuit breaker around Mistral calls.

use super::util::verdict;
use super::{CheckDecl, Ctx, Outcome, Scope};
use crate::vocab::{CheckId, Evidence, EvidenceStatus, Severity, Status, Step};

/// Mistral calls go through a circuit breaker (a library, or a class with open and
/// half-open states): during an outage the app degrades at once instead of piling up
/// requests that time out.
pub static CIRCUIT_BREAKER: CheckDecl = CheckDecl {
    id: CheckId::CircuitBreaker,
    step: Step::CircuitBreaker,
    title: "Circuit breaker for graceful degradation",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Route Mistral calls through a circuit breaker (opossum, cockatiel, pybreaker, or a class with closed/open/half-open states)",
    run: circuit_breaker,
};

fn circuit_breaker(ctx: &Ctx) -> Outcome {
    let code = &ctx.facts.code;
    // A health probe must see Mistral's real state, so it is not expected behind the breaker.
    let is_probe = |c: &&crate::lang::CallSite| {
        code.routes.iter().any(|r| {
            r.probe
                .as_ref()
                .is_some_and(|(p, l, _)| *p == c.path && *l == c.line)
        })
    };
    let through: Vec<Evidence> = code
        .calls
        .iter()
        .filter(|c| !is_probe(c))
        .map(|c| {
            let e = match &c.breaker {
                Some((p, l, what)) => {
                    Evidence::pass(&c.path, c.line, format!("{} goes through {what}", c.api))
                        .related(p.as_str(), *l)
                }
                None => Evidence::fail(
                    &c.path,
                    c.line,
                    format!("{} does not go through a circuit breaker", c.api),
                ),
            };
            e.about(ctx.call_subject(c))
        })
        .collect();
    let any_through = through.iter().any(|f| f.status == EvidenceStatus::Pass);
    if any_through {
        // Some calls protected: the unprotected ones are reported, as a partial pass.
        let mut o = verdict(
            ctx,
            through,
            "Mistral call sites",
            "no Mistral call site found",
        );
        if o.status == Status::Fail {
            let missing = o
                .evidence
                .iter()
                .filter(|e| e.status == EvidenceStatus::Fail)
                .count();
            o.status = Status::Warn;
            o.message = format!(
                "{missing} of {} Mistral call sites do not go through a circuit breaker",
                o.evidence.len()
            );
            for e in o
                .evidence
                .iter_mut()
                .filter(|e| e.status == EvidenceStatus::Fail)
            {
                e.status = EvidenceStatus::Warn;
            }
        }
        return o;
    }
    if let Some(b) = code.breakers.first() {
        let mut evidence = vec![Evidence::warn(
            &b.path,
            b.line,
            format!(
                "{} found, but no Mistral call is seen going through it",
                b.what
            ),
        )
        .about(b.what.as_str())];
        evidence.extend(
            through
                .into_iter()
                .take(10)
                .map(|e| e.status(EvidenceStatus::Warn)),
        );
        return Outcome::warn(format!(
            "a circuit breaker exists ({}) but no Mistral call is seen going through it",
            b.what
        ))
        .with_evidence(evidence);
    }
    verdict(
        ctx,
        through,
        "Mistral call sites",
        "no Mistral call site found",
    )
}
