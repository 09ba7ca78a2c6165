//! Code quality of the Mistral call sites: errors handled, retries with backoff, and
//! message content and keys kept out of the logs.

use super::model_config::{unparsed, verdict, Finding};
use super::{Ctx, Outcome};
use crate::lang::{CallSite, HandlerKind, Retry};
use crate::report::Status;

/// A call that is the probe of a health route answering 5xx on failure is handled.
fn health_probe(ctx: &Ctx, c: &CallSite) -> Option<String> {
    ctx.facts
        .code
        .routes
        .iter()
        .find(|r| r.answers_5xx && r.probe.as_ref().is_some_and(|(p, l, _)| *p == c.path && *l == c.line))
        .map(|r| format!("{}:{}", r.path, r.line))
}

pub(crate) fn error_handling(ctx: &Ctx) -> Outcome {
    let mut findings = Vec::new();
    for c in &ctx.facts.code.calls {
        let (path, line) = (c.path.as_str(), c.line);
        if let Some(route) = health_probe(ctx, c) {
            findings.push(Finding::new(Status::Pass, path, line, format!("{} is the probe of the health route at {route}, which answers 5xx when it fails", c.api)));
            continue;
        }
        let Some(handler) = &c.handling.at else {
            findings.push(Finding::new(Status::Fail, path, line, format!("{} has no error handling (no try/catch, .catch, except or handling wrapper)", c.api)));
            continue;
        };
        let how = match &handler.kind {
            HandlerKind::Chain => {
                findings.push(Finding::new(Status::Warn, path, line, format!("{}: used through a chain (errors handled by its caller, not visible statically)", c.api)));
                continue;
            }
            HandlerKind::TryCatch => "try/catch".to_string(),
            HandlerKind::TryExcept => "try/except".to_string(),
            HandlerKind::CatchChain => ".catch() handler".to_string(),
            HandlerKind::OnError => "onError callback".to_string(),
            HandlerKind::MethodCatches { method } => format!("{method}() catches"),
            HandlerKind::ResponseStatusChecks => "response status checks".to_string(),
        };
        let (hp, hl) = (&handler.path, handler.line);
        let s = c.handling.statuses;
        let retried = matches!(c.retry, Retry::Backoff { .. });
        if s.all() {
            findings.push(Finding::new(Status::Pass, path, line, format!("{} handled by {how} at {hp}:{hl}, telling 401, 429 and 5xx apart", c.api)));
        } else if !s.any() && !retried {
            findings.push(Finding::new(Status::Fail, path, line, format!("{} handled by {how} at {hp}:{hl}, which never looks at the status (401, 429, 5xx), and no retry config", c.api)));
        } else {
            findings.push(Finding::new(Status::Warn, path, line, format!("{} handled by {how} at {hp}:{hl}, but {} not told apart", c.api, s.missing().join(", "))));
        }
    }
    verdict(ctx, "error-handling", findings, "Mistral call sites", "no Mistral call site found")
}

pub(crate) fn retry_backoff(ctx: &Ctx) -> Outcome {
    let mut findings = Vec::new();
    for c in &ctx.facts.code.calls {
        let (path, line) = (c.path.as_str(), c.line);
        let f = match &c.retry {
            Retry::Backoff { how, path: p, line: l } => Finding::new(Status::Pass, path, line, format!("{} retried with backoff: {how} ({p}:{l})", c.api)),
            Retry::ConnectionOnly { how, path: p, line: l } => {
                Finding::new(Status::Fail, path, line, format!("{}: {how} ({p}:{l}); 429 and 5xx are not retried", c.api))
            }
            Retry::NotVisible { how, path: p, line: l } => Finding::new(Status::Warn, path, line, format!("{}: {how} ({p}:{l})", c.api)),
            Retry::Disabled { how, path: p, line: l } => Finding::new(Status::Fail, path, line, format!("{}: retries disabled by {how} ({p}:{l})", c.api)),
            Retry::None if c.sdk == crate::lang::Sdk::Http => {
                Finding::new(Status::Fail, path, line, format!("{} is not retried: no retry loop with backoff or retry library around this HTTP call", c.api))
            }
            Retry::None => Finding::new(
                Status::Fail,
                path,
                line,
                format!("{} is not retried: {} retries nothing without a retry config, and no retry library wraps it", c.api, c.sdk.label()),
            ),
        };
        findings.push(f);
    }
    verdict(ctx, "retry-backoff", findings, "Mistral call sites", "no Mistral call site found")
}

pub(crate) fn log_hygiene(ctx: &Ctx) -> Outcome {
    let code = &ctx.facts.code;
    let leaks: Vec<Finding> = code
        .leaks
        .iter()
        .filter(|l| !ctx.suppressed("log-hygiene", &l.path, l.line))
        .map(|l| Finding::new(Status::Fail, &l.path, l.line, l.what.clone()))
        .collect();
    if !leaks.is_empty() || !unparsed(ctx).is_empty() {
        return verdict(ctx, "log-hygiene", leaks, "log calls", "");
    }
    // Nothing examined is not a pass: without call sites there were no log calls near
    // Mistral to read (a client's debug logger is a leak of its own, reported above).
    if code.calls.is_empty() {
        return Outcome::skip("no Mistral call site found");
    }
    let mut files: Vec<&str> = code.calls.iter().map(|c| c.path.as_str()).collect();
    files.dedup();
    let evidence = files
        .iter()
        .map(|p| crate::report::Evidence::new(*p, 0, "no log call here receives message content or the key"))
        .collect();
    Outcome::pass(format!("no log call receives message content or the API key ({} files with Mistral calls checked)", files.len())).with_evidence(evidence)
}
