//! Credentials: the key is not committed, not hardcoded, valid, has model access, and has
//! a fallback.
//!
//! The three live checks read what the live phase (`crate::live`) found; they never
//! see a key, only its last four characters.

use super::{Ctx, Outcome};
use crate::live::{Fallback, KeyCheck, KeyReport, LiveModel, LiveState};
use crate::report::Evidence;
use crate::secrets::{Provider, SecretFinding};

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

/// The live phase's results, or the `skip` that explains why there are none.
fn live_results<'a>(ctx: &'a Ctx) -> Result<(&'a KeyReport, &'a Fallback, &'a str), Outcome> {
    match ctx.facts.live.state() {
        LiveState::Checked { primary, fallback, endpoint } => Ok((primary, fallback, endpoint)),
        LiveState::Offline => Err(Outcome::skip("--offline: no Mistral API calls")),
        LiveState::NoKey => Err(Outcome::skip(
            "no key given: MISTRAL_API_KEY is unset or empty (pull requests from forks receive no secrets)",
        )),
        LiveState::NotRun => Err(Outcome::skip("live key validation did not run")),
    }
}

/// The verdict on one key (primary or fallback): pass, fail, or error with the cause.
fn judge(report: &KeyReport, which: &str, endpoint: &str, pass: impl FnOnce(&[LiveModel]) -> String) -> Outcome {
    let key = &report.key;
    match &report.check {
        KeyCheck::Valid { models } => Outcome::pass(pass(models)),
        KeyCheck::Rejected { status, detail } => {
            let said = detail.as_deref().map(|d| format!(" ({d:?})")).unwrap_or_default();
            let (reason, remediation) = if *status == 401 {
                ("401 Unauthorized", "The key is unknown or revoked: create a key in La Plateforme (console.mistral.ai, API keys) and store it in the CI secret")
            } else {
                ("403 Forbidden", "The key may not list models: check the key's workspace and its permissions in La Plateforme")
            };
            Outcome::fail(format!("{which} {key} was refused: {endpoint} answered {reason}{said}")).with_remediation(remediation)
        }
        KeyCheck::NoApiAccess => Outcome::fail(format!(
            "{which} {key}: the plan has no API access ({endpoint} answered 429 with a request limit of 0 per minute)"
        ))
        .with_remediation("Enable API access for the key's workspace in La Plateforme (a plan with API access, or activated billing); waiting will not help"),
        KeyCheck::Unknown { cause } => Outcome::error(format!("could not verify {which} {key}: {cause}"))
            .with_remediation("Check --api-url and the network path to the API, then run again; the key itself was not judged"),
    }
}

fn models_count(models: &[LiveModel]) -> String {
    format!("{} model{}", models.len(), plural(models.len()))
}

pub fn key_valid(ctx: &Ctx) -> Outcome {
    let (primary, _, endpoint) = match live_results(ctx) {
        Ok(r) => r,
        Err(skip) => return skip,
    };
    judge(primary, "key", endpoint, |models| {
        format!("key {} is valid: {endpoint} answered 200 with {}", primary.key, models_count(models))
    })
}

pub fn fallback_key(ctx: &Ctx) -> Outcome {
    let (primary, fallback, endpoint) = match live_results(ctx) {
        Ok(r) => r,
        Err(skip) => return skip,
    };
    match fallback {
        Fallback::Missing => Outcome::fail(format!(
            "key {} has no fallback: MISTRAL_FALLBACK_API_KEY is unset or empty",
            primary.key
        )),
        Fallback::SameAsPrimary => Outcome::fail(format!(
            "the fallback key is the primary key ({}): revoking it during a rotation leaves no working key",
            primary.key
        ))
        .with_remediation("Create a second, different production key and give it to the gate as MISTRAL_FALLBACK_API_KEY"),
        Fallback::Checked(report) => judge(report, "fallback key", endpoint, |models| {
            format!("fallback key {} differs from the primary and is valid: {endpoint} answered 200 with {}", report.key, models_count(models))
        }),
    }
}

/// Where the used model ids come from: the code when it shows any, else the config.
fn used_models(ctx: &Ctx) -> (Vec<(String, Evidence)>, &'static str) {
    let id = "key-model-access";
    let from_code: Vec<_> = ctx.facts.code.used_models().into_iter().filter(|(_, ev)| !ctx.suppressed(id, &ev.path, ev.line)).collect();
    if !from_code.is_empty() {
        return (from_code, "the code uses");
    }
    let config_path = ctx
        .config
        .source
        .as_deref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".mistral-gate.toml".into());
    let from_config = ctx
        .config
        .expected_models
        .iter()
        .map(|m| (m.clone(), Evidence::new(&config_path, 0, format!("{m} listed under [models] expected"))))
        .collect();
    (from_config, "[models] expected lists")
}

pub fn key_model_access(ctx: &Ctx) -> Outcome {
    let (primary, _, _) = match live_results(ctx) {
        Ok(r) => r,
        Err(skip) => return skip,
    };
    let key = &primary.key;
    let models = match &primary.check {
        KeyCheck::Valid { models } => models,
        KeyCheck::Rejected { .. } | KeyCheck::NoApiAccess => {
            return Outcome::skip(format!("no model list to compare with: key {key} was refused (see key-valid)"));
        }
        KeyCheck::Unknown { cause } => return Outcome::error(format!("could not verify: {cause}")),
    };
    let (used, source) = used_models(ctx);
    if used.is_empty() {
        return Outcome::skip("no model id found in the code, and none under [models] expected in .mistral-gate.toml")
            .with_remediation("List the model ids the app uses under [models] expected in .mistral-gate.toml");
    }
    let mut ids: Vec<&str> = used.iter().map(|(m, _)| m.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let listed = |id: &str| models.iter().find(|m| m.answers_to(id));
    let missing: Vec<&str> = ids.iter().copied().filter(|id| listed(id).is_none()).collect();

    if missing.is_empty() {
        let evidence = used
            .iter()
            .take(PASS_EVIDENCE_LIMIT)
            .map(|(id, ev)| {
                let how = match listed(id) {
                    Some(m) if m.id != *id => format!("{id} is listed for key {key} (alias of {})", m.id),
                    _ => format!("{id} is listed for key {key}"),
                };
                Evidence::new(&ev.path, ev.line, how)
            })
            .collect();
        return Outcome::pass(format!("all {} model id{} {source} {} listed for key {key}", ids.len(), plural(ids.len()), if ids.len() == 1 { "is" } else { "are" }))
            .with_evidence(evidence);
    }

    let named = |id: &str| match closest(id, models) {
        Some(near) => format!("{id} (closest available: {near})"),
        None => format!("{id} (the key lists no models)"),
    };
    let evidence = used
        .iter()
        .filter(|(id, _)| missing.contains(&id.as_str()))
        .map(|(id, ev)| Evidence::new(&ev.path, ev.line, format!("{} is not listed for key {key}", named(id))))
        .collect();
    Outcome::fail(format!(
        "{} of {} model id{} {source} {} not listed for key {key}: {}",
        missing.len(),
        ids.len(),
        plural(ids.len()),
        if missing.len() == 1 { "is" } else { "are" },
        missing.iter().map(|id| named(id)).collect::<Vec<_>>().join(", ")
    ))
    .with_evidence(evidence)
}

/// The available id or alias nearest to `wanted` by edit distance (ties: the first listed).
fn closest<'a>(wanted: &str, models: &'a [LiveModel]) -> Option<&'a str> {
    models
        .iter()
        .flat_map(|m| std::iter::once(m.id.as_str()).chain(m.aliases.iter().map(String::as_str)))
        .min_by_key(|candidate| edit_distance(wanted, candidate))
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
