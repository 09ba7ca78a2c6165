//! Helpers every check family shares: per-site findings into one verdict, files that
//! could not be read, evidence at the CI line that starts a chain of commands, and the
//! small wording helpers. One place each, so that two checks never word or judge the
//! same thing differently.

use std::collections::HashSet;

use super::{Ctx, Outcome};
use crate::lang::ParseFailure;
use crate::ops::{Problem, Step};
use crate::vocab::{Evidence, EvidenceStatus, Status};

/// How many items a passing check names in its evidence before summarising.
pub(super) const EVIDENCE_LIMIT: usize = 10;

/// `""` for one, `"s"` for any other count.
pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Turns per-site evidence items (each with its verdict) into one outcome: the worst
/// status wins, suppressed findings are dropped, failures are listed first. `what`
/// names the things counted ("generation calls"); `none` is the skip reason when there
/// is nothing to judge.
pub(super) fn verdict(ctx: &Ctx, mut findings: Vec<Evidence>, what: &str, none: &str) -> Outcome {
    findings.extend(unparsed(ctx));
    let (mut kept, silenced): (Vec<Evidence>, Vec<Evidence>) =
        findings.into_iter().partition(|f| {
            f.status == EvidenceStatus::Pass || !ctx.suppressed(&f.path, f.line.unwrap_or(0))
        });
    if kept.iter().all(|f| f.status == EvidenceStatus::Pass) && !silenced.is_empty() {
        kept.extend(silenced.into_iter().map(|f| {
            let message = format!("suppressed inline: {}", f.message);
            Evidence { message, ..f }.status(EvidenceStatus::Pass)
        }));
    }
    if kept.is_empty() {
        return Outcome::skip(none);
    }
    kept.sort_by_key(|f| f.status);
    let total = kept.len();
    let fails = kept
        .iter()
        .filter(|f| f.status == EvidenceStatus::Fail)
        .count();
    let warns = kept
        .iter()
        .filter(|f| f.status == EvidenceStatus::Warn)
        .count();
    let first = |s: EvidenceStatus| {
        kept.iter()
            .find(|f| f.status == s)
            .map(|f| f.message.clone())
            .unwrap_or_default()
    };
    let outcome = if fails > 0 {
        Outcome::fail(format!(
            "{fails} of {total} {what} fail: {}",
            first(EvidenceStatus::Fail)
        ))
    } else if warns > 0 {
        Outcome::warn(format!(
            "{warns} of {total} {what} cannot be fully decided: {}",
            first(EvidenceStatus::Warn)
        ))
    } else {
        Outcome::pass(format!("all {total} {what} pass"))
    };
    outcome.with_evidence(kept)
}

/// Files that mention Mistral but could not be parsed: their calls cannot be judged.
pub(super) fn unparsed(ctx: &Ctx) -> Vec<Evidence> {
    ctx.facts
        .code
        .issues
        .iter()
        .filter_map(|i| {
            let why = match i.why {
                // Error recovery still gave the facts of the readable parts.
                ParseFailure::SyntaxErrors => return None,
                ParseFailure::TooLarge { max_bytes } => {
                    format!(
                        "too large to parse (over {} MiB): likely generated or minified",
                        max_bytes / (1024 * 1024)
                    )
                }
                ParseFailure::TimedOut => "the parser gave up (time budget)".to_string(),
            };
            Some(
                Evidence::warn(
                    &i.path,
                    None,
                    format!("not parsed ({why}): its Mistral calls are not checked"),
                )
                .about("not parsed"),
            )
        })
        .collect()
}

/// Files of the area that could not be read: a failing check may be wrong about them,
/// so `fail` becomes `warn` (the check and its failing items); every status names them.
pub(super) fn with_problems(outcome: Outcome, problems: &[&Problem]) -> Outcome {
    if problems.is_empty() {
        return outcome;
    }
    let mut outcome = outcome;
    if outcome.status == Status::Fail {
        outcome.status = Status::Warn;
        outcome.message = format!(
            "{} ({} file{} could not be read)",
            outcome.message,
            problems.len(),
            plural(problems.len())
        );
        for e in outcome
            .evidence
            .iter_mut()
            .filter(|e| e.status == EvidenceStatus::Fail)
        {
            e.status = EvidenceStatus::Warn;
        }
    }
    outcome.evidence.extend(
        problems
            .iter()
            .map(|p| Evidence::warn(&p.path, p.line, &p.message).about("could not be read")),
    );
    outcome
}

/// Evidence at the CI line that starts the chain, naming where the command really is
/// (as a related location). Its subject is the chain of commands, not their lines.
pub(super) fn evidence_for(status: EvidenceStatus, step: &Step, what: &str) -> Evidence {
    let (path, line) = step.origin();
    if step.via.is_empty() {
        Evidence::with_status(status, path, line, format!("{what}: `{}`", step.text))
            .about(format!("{what}: {}", step.text))
    } else {
        let chain: Vec<String> = step.via.iter().map(|(t, _, _)| format!("`{t}`")).collect();
        let chain = chain.join(" → ");
        Evidence::with_status(
            status,
            path,
            line,
            format!("{what} via {chain} → `{}` in {}", step.text, step.path),
        )
        .about(format!("{what}: {chain} → {}", step.text))
        .related(step.path, step.line)
    }
}

/// Drops repeated items (same place, same message).
pub(super) fn dedup(evidence: &mut Vec<Evidence>) {
    let mut seen = HashSet::new();
    evidence.retain(|e| seen.insert((e.path.clone(), e.line, e.message.clone())));
}

/// `subject#n`: each subject numbered by its order among equal subjects of the same
/// file, so that two identical findings in one file keep distinct, stable fingerprints.
pub(super) fn numbered<'a>(items: impl IntoIterator<Item = (&'a str, String)>) -> Vec<String> {
    let mut seen: std::collections::HashMap<(&str, String), usize> =
        std::collections::HashMap::new();
    items
        .into_iter()
        .map(|(path, subject)| {
            let n = seen.entry((path, subject.clone())).or_insert(0);
            *n += 1;
            format!("{subject}#{n}")
        })
        .collect()
}
