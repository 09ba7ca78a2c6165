//! Credentials: the key is not committed, not hardcoded, valid, has model access, and has
//! a fallback.

use super::{Ctx, Outcome};
use crate::report::Evidence;
use crate::secrets::{Provider, SecretFinding};

pub(crate) use super::not_implemented as key_valid;
pub(crate) use super::not_implemented as key_model_access;
pub(crate) use super::not_implemented as fallback_key;

/// How many files a passing check names in its evidence before summarising.
const PASS_EVIDENCE_LIMIT: usize = 10;

fn visible<'a>(ctx: &'a Ctx, id: &'a str, keep: impl Fn(&SecretFinding) -> bool + 'a) -> impl Iterator<Item = &'a SecretFinding> + 'a {
    ctx.facts.secrets.iter().filter(move |f| keep(f) && !ctx.suppressed(id, &f.path, f.line))
}

fn secret_evidence(f: &SecretFinding) -> Evidence {
    Evidence::new(&f.path, f.line, format!("{} {} in {}", f.provider.name(), f.redacted, f.kind.describe()))
}

pub fn key_not_committed(ctx: &Ctx) -> Outcome {
    let id = "key-not-committed";
    let found: Vec<_> = visible(ctx, id, |f| f.provider == Provider::Mistral && f.kind.is_deployment_config()).collect();
    if !found.is_empty() {
        let files = {
            let mut p: Vec<_> = found.iter().map(|f| f.path.as_str()).collect();
            p.dedup();
            p.len()
        };
        return Outcome::fail(format!(
            "{} Mistral key{} committed in {} deployment file{}",
            found.len(),
            plural(found.len()),
            files,
            plural(files)
        ))
        .with_evidence(found.into_iter().map(secret_evidence).collect());
    }
    if let Some(outcome) = unscanned_warning(ctx, "deployment files") {
        return outcome;
    }
    let configs = &ctx.facts.deployment_configs;
    let evidence = configs
        .iter()
        .take(PASS_EVIDENCE_LIMIT)
        .map(|(p, k)| Evidence::new(p, 0, format!("{} holds no Mistral key", k.describe())))
        .collect();
    let message = if configs.is_empty() {
        "no env, compose, container, Kubernetes or CI files in the repository".to_string()
    } else {
        format!("no Mistral key in {} env, compose, container, Kubernetes or CI file{}", configs.len(), plural(configs.len()))
    };
    Outcome::pass(message).with_evidence(evidence)
}

pub fn no_hardcoded_secrets(ctx: &Ctx) -> Outcome {
    let id = "no-hardcoded-secrets";
    let found: Vec<_> = visible(ctx, id, |_| true).collect();
    if found.is_empty() {
        return unscanned_warning(ctx, "text files").unwrap_or_else(|| Outcome::pass("no key-shaped secret in any scanned text file"));
    }
    let mut kinds: Vec<&str> = found.iter().map(|f| f.provider.name()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    Outcome::fail(format!("{} hardcoded secret{} ({})", found.len(), plural(found.len()), kinds.join(", ")))
        .with_evidence(found.into_iter().map(secret_evidence).collect())
}

/// No key found, but some files could not be read: that is not a pass.
fn unscanned_warning(ctx: &Ctx, what: &str) -> Option<Outcome> {
    let unscanned = &ctx.facts.unscanned;
    if unscanned.is_empty() {
        return None;
    }
    Some(
        Outcome::warn(format!("no key found, but {} file{} could not be scanned", unscanned.len(), plural(unscanned.len())))
            .with_evidence(unscanned.iter().map(|s| Evidence::new(&s.path, 0, format!("not scanned: {}", s.reason))).collect())
            .with_remediation(format!(
                "Make the files readable, raise max-file-size in .mistral-gate.toml, or list generated files under ignore-paths, so that all {what} are scanned"
            )),
    )
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
