//! Circuit breaker around Mistral calls.

use super::model_config::{verdict, Finding};
use super::{Ctx, Outcome};
use crate::report::{Evidence, Status};

pub(crate) fn circuit_breaker(ctx: &Ctx) -> Outcome {
    let code = &ctx.facts.code;
    // A health probe must see Mistral's real state, so it is not expected behind the breaker.
    let is_probe = |c: &&crate::lang::CallSite| code.routes.iter().any(|r| r.probe.as_ref().is_some_and(|(p, l, _)| *p == c.path && *l == c.line));
    let through: Vec<Finding> = code
        .calls
        .iter()
        .filter(|c| !is_probe(c))
        .map(|c| match &c.breaker {
            Some((p, l, what)) => Finding::new(Status::Pass, &c.path, c.line, format!("{} goes through {what} ({p}:{l})", c.api)),
            None => Finding::new(Status::Fail, &c.path, c.line, format!("{} does not go through a circuit breaker", c.api)),
        })
        .collect();
    let any_through = through.iter().any(|f| f.status == Status::Pass);
    if any_through {
        // Some calls protected: the unprotected ones are reported, as a partial pass.
        // The unprotected calls still reported (not suppressed inline).
        let missing = through.iter().filter(|f| f.status == Status::Fail && !ctx.suppressed("circuit-breaker", &f.evidence.path, f.evidence.line)).count();
        let mut o = verdict(ctx, "circuit-breaker", through, "Mistral call sites", "no Mistral call site found");
        if o.status == Status::Fail {
            o.status = Status::Warn;
            o.message = format!("{missing} of {} Mistral call sites do not go through a circuit breaker", o.evidence.len());
        }
        return o;
    }
    if let Some(b) = code.breakers.first() {
        let mut evidence = vec![Evidence::new(&b.path, b.line, format!("{} found, but no Mistral call is seen going through it", b.what))];
        evidence.extend(through.into_iter().map(|f| f.evidence).take(10));
        return Outcome::warn(format!("a circuit breaker exists ({}) but no Mistral call is seen going through it", b.what)).with_evidence(evidence);
    }
    verdict(ctx, "circuit-breaker", through, "Mistral call sites", "no Mistral call site found")
}
