//! Code quality of the Mistral call sites: errors handled, retries with backoff, and
//! message content and keys kept out of the logs.

use super::util::{numbered, verdict};
use super::{CheckDecl, Ctx, Outcome, Scope};
use crate::lang::{CallSite, HandlerKind, Retry};
use crate::vocab::{CheckId, Evidence, Severity, Step};

/// Every Mistral call site is inside error handling that tells 401, 429 and 5xx apart
/// (or a retry config covers 429 and 5xx): each needs a different reaction (rotate the
/// key, back off, fail over), and an unhandled rejection takes the request down.
pub static ERROR_HANDLING: CheckDecl = CheckDecl {
    id: CheckId::ErrorHandling,
    step: Step::CodeQuality,
    title: "Error handling covers 401, 429 and 5xx",
    severity: Severity::Error,
    scope: Scope::MistralUsage,
    remediation: "Wrap Mistral calls in try/catch (except) and tell 401, 429 and 5xx apart by the error's status code",
    run: error_handling,
};

/// 429 and 5xx are retried with backoff (SDK retry config, LangChain JS / AI SDK
/// `maxRetries`, a retry library): the official SDKs retry nothing by default, and
/// rate limits are routine under load.
pub static RETRY_BACKOFF: CheckDecl = CheckDecl {
    id: CheckId::RetryBackoff,
    step: Step::CodeQuality,
    title: "Rate limiting / backoff implemented",
    severity: Severity::Error,
    scope: Scope::MistralUsage,
    remediation: "Give the client a retry config with backoff (retryConfig / retry_config with strategy \"backoff\") or wrap calls in a retry library that retries 429 and 5xx",
    run: retry_backoff,
};

/// No log call receives message content (prompts, `messages`, completion text) or the
/// key: logs are kept longer and read by more people than the data deserves.
pub static LOG_HYGIENE: CheckDecl = CheckDecl {
    id: CheckId::LogHygiene,
    step: Step::CodeQuality,
    title: "Logging excludes message content and API keys",
    severity: Severity::Error,
    scope: Scope::MistralUsage,
    remediation:
        "Log ids, model, token counts and latency; never messages, completion text or the key",
    run: log_hygiene,
};

/// A call that is the probe of a health route answering 5xx on failure is handled:
/// the route's location.
fn health_probe<'a>(ctx: &'a Ctx, c: &CallSite) -> Option<(&'a str, u32)> {
    ctx.facts
        .code
        .routes
        .iter()
        .find(|r| {
            r.answers_5xx
                && r.probe
                    .as_ref()
                    .is_some_and(|(p, l, _)| *p == c.path && *l == c.line)
        })
        .map(|r| (r.path.as_str(), r.line))
}

fn error_handling(ctx: &Ctx) -> Outcome {
    let mut findings = Vec::new();
    for c in &ctx.facts.code.calls {
        let (path, line, about) = (c.path.as_str(), c.line, ctx.call_subject(c));
        if let Some((rp, rl)) = health_probe(ctx, c) {
            findings.push(
                Evidence::pass(
                    path,
                    line,
                    format!(
                        "{} is the probe of a health route that answers 5xx when it fails",
                        c.api
                    ),
                )
                .about(about)
                .related(rp, rl),
            );
            continue;
        }
        let Some(handler) = &c.handling.at else {
            findings.push(Evidence::fail(path, line, format!("{} has no error handling (no try/catch, .catch, except or handling wrapper)", c.api)).about(about));
            continue;
        };
        let (hp, hl) = (&handler.path, &handler.line);
        let how = match &handler.kind {
            HandlerKind::Chain => {
                findings.push(Evidence::warn(path, line, format!("{}: used through a chain (errors handled by its caller, not visible statically)", c.api)).about(about).related(hp.as_str(), *hl));
                continue;
            }
            HandlerKind::TryCatch => "try/catch".to_string(),
            HandlerKind::TryExcept => "try/except".to_string(),
            HandlerKind::CatchChain => ".catch() handler".to_string(),
            HandlerKind::OnError => "onError callback".to_string(),
            HandlerKind::MethodCatches { method } => format!("{method}() catches"),
            HandlerKind::ResponseStatusChecks => "response status checks".to_string(),
        };
        let s = c.handling.statuses;
        let retried = matches!(c.retry, Retry::Backoff { .. });
        let e = if s.all() {
            Evidence::pass(
                path,
                line,
                format!("{} handled by {how}, telling 401, 429 and 5xx apart", c.api),
            )
        } else if !s.any() && !retried {
            Evidence::fail(path, line, format!("{} handled by {how}, which never looks at the status (401, 429, 5xx), and no retry config", c.api))
        } else {
            Evidence::warn(
                path,
                line,
                format!(
                    "{} handled by {how}, but {} not told apart",
                    c.api,
                    s.missing().join(", ")
                ),
            )
        };
        findings.push(e.about(about).related(hp.as_str(), *hl));
    }
    verdict(
        ctx,
        findings,
        "Mistral call sites",
        "no Mistral call site found",
    )
}

fn retry_backoff(ctx: &Ctx) -> Outcome {
    let mut findings = Vec::new();
    for c in &ctx.facts.code.calls {
        let (path, line) = (c.path.as_str(), c.line);
        let f = match &c.retry {
            Retry::Backoff { how, path: p, line: l } => Evidence::pass(path, line, format!("{} retried with backoff: {how}", c.api)).related(p.as_str(), *l),
            Retry::ConnectionOnly { how, path: p, line: l } => {
                Evidence::fail(path, line, format!("{}: {how}; 429 and 5xx are not retried", c.api)).related(p.as_str(), *l)
            }
            Retry::NotVisible { how, path: p, line: l } => Evidence::warn(path, line, format!("{}: {how}", c.api)).related(p.as_str(), *l),
            Retry::Disabled { how, path: p, line: l } => Evidence::fail(path, line, format!("{}: retries disabled by {how}", c.api)).related(p.as_str(), *l),
            Retry::FixedDelay { how, path: p, line: l } => {
                Evidence::fail(path, line, format!("{} is retried by {how}, without backoff: the wait does not grow between attempts", c.api)).related(p.as_str(), *l)
            }
            Retry::None if c.sdk == crate::lang::Sdk::Http => {
                Evidence::fail(path, line, format!("{} is not retried: no retry loop with backoff or retry library around this HTTP call", c.api))
            }
            Retry::None => Evidence::fail(
                path,
                line,
                format!("{} is not retried: {} retries nothing without a retry config, and no retry library wraps it", c.api, c.sdk.label()),
            ),
        };
        findings.push(f.about(ctx.call_subject(c)));
    }
    verdict(
        ctx,
        findings,
        "Mistral call sites",
        "no Mistral call site found",
    )
}

fn log_hygiene(ctx: &Ctx) -> Outcome {
    let code = &ctx.facts.code;
    let visible: Vec<_> = code
        .leaks
        .iter()
        .filter(|l| !ctx.suppressed(&l.path, l.line))
        .collect();
    let subjects = numbered(visible.iter().map(|l| (l.path.as_str(), l.what.clone())));
    let leaks: Vec<Evidence> = visible
        .iter()
        .zip(subjects)
        .map(|(l, about)| Evidence::fail(&l.path, l.line, l.what.clone()).about(about))
        .collect();
    if !leaks.is_empty() || !super::util::unparsed(ctx).is_empty() {
        return verdict(ctx, leaks, "log calls", "");
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
        .map(|p| {
            Evidence::pass(
                *p,
                None,
                "no log call here receives message content or the key",
            )
        })
        .collect();
    Outcome::pass(format!(
        "no log call receives message content or the API key ({} files with Mistral calls checked)",
        files.len()
    ))
    .with_evidence(evidence)
}
