//! Credentials: the key is not committed, not hardcoded, valid, has model access, and has
//! a fallback.
//!
//! The three live checks read what the live phase (`crate::live`) found; they never
//! see a key, only its last four characters.

use super::util::{numbered, plural, EVIDENCE_LIMIT};
use super::{CheckDecl, Ctx, Outcome, Scope};
use crate::live::{Fallback, KeyCheck, KeyReport, LiveModel, LiveState};
use crate::secrets::{Provider, SecretFinding};
use crate::vocab::{CheckId, Evidence, Severity, Step};

fn visible<'a>(
    ctx: &'a Ctx,
    keep: impl Fn(&SecretFinding) -> bool + 'a,
) -> impl Iterator<Item = &'a SecretFinding> + 'a {
    ctx.facts
        .secrets
        .iter()
        .filter(move |f| keep(f) && !ctx.suppressed(&f.path, f.line))
}

/// `fail` items, one per secret, about the provider and the key's last 4 characters.
fn secret_evidence(found: Vec<&SecretFinding>) -> Vec<Evidence> {
    let subjects = numbered(found.iter().map(|f| {
        (
            f.path.as_str(),
            format!("{} {}", f.provider.name(), f.redacted),
        )
    }));
    found
        .into_iter()
        .zip(subjects)
        .map(|(f, subject)| {
            let message = match &f.confirmed_at {
                Some(_) => format!(
                    "{} {} in {}: another occurrence of a key found in a Mistral context",
                    f.provider.name(),
                    f.redacted,
                    f.kind.describe()
                ),
                None => format!(
                    "{} {} in {}",
                    f.provider.name(),
                    f.redacted,
                    f.kind.describe()
                ),
            };
            let evidence = Evidence::fail(&f.path, f.line, message).about(subject);
            match &f.confirmed_at {
                Some((path, line)) => evidence.related(path, *line),
                None => evidence,
            }
        })
        .collect()
}

/// No Mistral key in committed env files, compose or container files, Kubernetes
/// manifests or CI workflows: a key there is readable by everyone with the repository
/// and ends up in images and logs. Secret stores (secretKeyRef, `${{ secrets.X }}`) pass.
pub static KEY_NOT_COMMITTED: CheckDecl = CheckDecl {
    id: CheckId::KeyNotCommitted,
    step: Step::Credentials,
    title: "Production API key stored in a secret manager, not in env files or manifests",
    severity: Severity::Error,
    scope: Scope::Always,
    remediation: "Remove the key from the file, rotate it in La Plateforme, and load it from a secret store (Kubernetes secretKeyRef, ${{ secrets.MISTRAL_API_KEY }}, a vault)",
    run: key_not_committed,
};

/// The key given to the gate answers `GET /v1/models` with 200 and a model list: a
/// deploy with a revoked key or a plan without API access fails on its first request.
pub static KEY_VALID: CheckDecl = CheckDecl {
    id: CheckId::KeyValid,
    step: Step::Credentials,
    title: "Key tested against /v1/models",
    severity: Severity::Error,
    scope: Scope::Always,
    remediation: "Give the gate the production key (MISTRAL_API_KEY) and make sure GET /v1/models answers 200 with it",
    run: key_valid,
};

/// Every model id the code uses is listed for the key (aliases count): a typo or a
/// model the workspace cannot use fails only in production otherwise.
pub static KEY_MODEL_ACCESS: CheckDecl = CheckDecl {
    id: CheckId::KeyModelAccess,
    step: Step::Credentials,
    title: "Key has access to every model the code uses",
    severity: Severity::Error,
    scope: Scope::Always,
    remediation: "Use a model id listed by /v1/models for this key, or enable the model for the key's workspace",
    run: key_model_access,
};

/// A second, different, valid key exists: rotating the only key is an outage.
pub static FALLBACK_KEY: CheckDecl = CheckDecl {
    id: CheckId::FallbackKey,
    step: Step::Credentials,
    title: "Fallback key available for rotation",
    severity: Severity::Warning,
    scope: Scope::Always,
    remediation:
        "Create a second production key and give it to the gate as MISTRAL_FALLBACK_API_KEY",
    run: fallback_key,
};

/// No key-shaped secret (Mistral keys near a `mistral` context, and other common API
/// keys) in any scanned text file: source is copied, forked and logged.
pub static NO_HARDCODED_SECRETS: CheckDecl = CheckDecl {
    id: CheckId::NoHardcodedSecrets,
    step: Step::CodeQuality,
    title: "No hardcoded keys",
    severity: Severity::Error,
    scope: Scope::Always,
    remediation: "Delete the key from the source, rotate it, and read it from the environment (process.env.MISTRAL_API_KEY, os.environ[\"MISTRAL_API_KEY\"])",
    run: no_hardcoded_secrets,
};

fn key_not_committed(ctx: &Ctx) -> Outcome {
    let found: Vec<_> = visible(ctx, |f| {
        f.provider == Provider::MISTRAL && f.kind.is_deployment_config()
    })
    .collect();
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
        .with_evidence(secret_evidence(found));
    }
    if let Some(outcome) = unscanned_warning(ctx, "deployment files") {
        return outcome;
    }
    let configs = &ctx.facts.deployment_configs;
    let evidence = configs
        .iter()
        .take(EVIDENCE_LIMIT)
        .map(|(p, k)| {
            Evidence::pass(p, None, format!("{} holds no Mistral key", k.describe()))
                .about("no Mistral key")
        })
        .collect();
    let message = if configs.is_empty() {
        "no env, compose, container, Kubernetes or CI files in the repository".to_string()
    } else {
        format!(
            "no Mistral key in {} env, compose, container, Kubernetes or CI file{}",
            configs.len(),
            plural(configs.len())
        )
    };
    Outcome::pass(message).with_evidence(evidence)
}

fn no_hardcoded_secrets(ctx: &Ctx) -> Outcome {
    let found: Vec<_> = visible(ctx, |_| true).collect();
    if found.is_empty() {
        return unscanned_warning(ctx, "text files")
            .unwrap_or_else(|| Outcome::pass("no key-shaped secret in any scanned text file"));
    }
    let mut kinds: Vec<&str> = found.iter().map(|f| f.provider.name()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    Outcome::fail(format!(
        "{} hardcoded secret{} ({})",
        found.len(),
        plural(found.len()),
        kinds.join(", ")
    ))
    .with_evidence(secret_evidence(found))
}

/// No key found, but some files could not be read: that is not a pass.
fn unscanned_warning(ctx: &Ctx, what: &str) -> Option<Outcome> {
    let unscanned = &ctx.facts.unscanned;
    if unscanned.is_empty() {
        return None;
    }
    Some(
        Outcome::warn(format!("no key found, but {} file{} could not be scanned", unscanned.len(), plural(unscanned.len())))
            .with_evidence(unscanned.iter().map(|s| Evidence::warn(&s.path, None, format!("not scanned: {}", s.reason)).about("not scanned")).collect())
            .with_remediation(format!(
                "Make the files readable, raise max-file-size in .mistral-gate.toml, or list generated files under ignore-paths, so that all {what} are scanned"
            )),
    )
}

/// The live phase's results, or the `skip` that explains why there are none.
fn live_results<'a>(ctx: &'a Ctx) -> Result<(&'a KeyReport, &'a Fallback, &'a str), Outcome> {
    match ctx.facts.live.state() {
        LiveState::Checked { primary, fallback, endpoint } => Ok((primary, fallback, endpoint)),
        LiveState::Offline => Err(Outcome::skip("--offline: no Mistral API calls")),
        // The forks note only where it applies: a laptop run just has no key set.
        LiveState::NoKey if ctx.facts.live.is_github_actions() => Err(Outcome::skip(
            "no key given: MISTRAL_API_KEY is unset or empty (pull requests from forks receive no secrets)",
        )),
        LiveState::NoKey => Err(Outcome::skip("no key given: MISTRAL_API_KEY is unset or empty")),
        LiveState::NotRun => Err(Outcome::skip("live key validation did not run")),
    }
}

/// The verdict on one key (primary or fallback): pass, fail, or error with the cause.
fn judge(
    report: &KeyReport,
    which: &str,
    endpoint: &str,
    pass: impl FnOnce(&[LiveModel]) -> String,
) -> Outcome {
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
        KeyCheck::Unknown { cause } => could_not_verify(&format!("{which} {key}"), cause),
    }
}

/// An answer that stayed unknown: `error`, never pass or fail (CHECKS.md).
fn could_not_verify(what: &str, cause: &str) -> Outcome {
    Outcome::error(format!("could not verify {what}: {cause}"))
        .with_remediation("Check --api-url and the network path to the API, then run again; the key itself was not judged")
}

fn models_count(models: &[LiveModel]) -> String {
    format!("{} model{}", models.len(), plural(models.len()))
}

fn key_valid(ctx: &Ctx) -> Outcome {
    let (primary, _, endpoint) = match live_results(ctx) {
        Ok(r) => r,
        Err(skip) => return skip,
    };
    judge(primary, "key", endpoint, |models| {
        format!(
            "key {} is valid: {endpoint} answered 200 with {}",
            primary.key,
            models_count(models)
        )
    })
}

fn fallback_key(ctx: &Ctx) -> Outcome {
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
    let from_code: Vec<_> = ctx
        .facts
        .code
        .used_models()
        .into_iter()
        .filter(|(_, ev)| !ctx.suppressed(&ev.path, ev.line.unwrap_or(0)))
        .collect();
    if !from_code.is_empty() {
        return (from_code, "used in the code");
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
        .map(|m| {
            (
                m.clone(),
                Evidence::pass(
                    &config_path,
                    None,
                    format!("{m} listed under [models] expected"),
                ),
            )
        })
        .collect();
    (from_config, "in [models] expected")
}

fn key_model_access(ctx: &Ctx) -> Outcome {
    let (primary, _, _) = match live_results(ctx) {
        Ok(r) => r,
        Err(skip) => return skip,
    };
    let key = &primary.key;
    let models = match &primary.check {
        KeyCheck::Valid { models } => models,
        KeyCheck::Rejected { .. } | KeyCheck::NoApiAccess => {
            return Outcome::skip(format!(
                "no model list to compare with: key {key} was refused (see key-valid)"
            ))
            .with_remediation("Fix the key first (see key-valid)");
        }
        KeyCheck::Unknown { cause } => {
            return could_not_verify(&format!("the models of key {key}"), cause)
        }
    };
    let (used, source) = used_models(ctx);
    if used.is_empty() {
        return Outcome::skip(
            "no model id found in the code, and none under [models] expected in .mistral-gate.toml",
        )
        .with_remediation(
            "List the model ids the app uses under [models] expected in .mistral-gate.toml",
        );
    }
    let mut ids: Vec<&str> = used.iter().map(|(m, _)| m.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let listed = |id: &str| models.iter().find(|m| m.answers_to(id));
    let missing: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| listed(id).is_none())
        .collect();

    if missing.is_empty() {
        let evidence = used
            .iter()
            .take(EVIDENCE_LIMIT)
            .map(|(id, ev)| {
                let how = match listed(id) {
                    Some(m) if m.id != *id => {
                        format!("{id} is listed for key {key} (alias of {})", m.id)
                    }
                    _ => format!("{id} is listed for key {key}"),
                };
                Evidence::pass(&ev.path, ev.line, how).about(id.as_str())
            })
            .collect();
        let message = match ids.len() {
            1 => format!("the model id {source} is listed for key {key}"),
            n => format!("all {n} model ids {source} are listed for key {key}"),
        };
        return Outcome::pass(message).with_evidence(evidence);
    }

    let suggestion = |id: &str| match closest(id, models) {
        Some(near) => format!("closest available: {near}"),
        None => "the key lists no models".to_string(),
    };
    let evidence = used
        .iter()
        .filter(|(id, _)| missing.contains(&id.as_str()))
        .map(|(id, ev)| {
            Evidence::fail(
                &ev.path,
                ev.line,
                format!("{id} is not listed for key {key} ({})", suggestion(id)),
            )
            .about(id.as_str())
        })
        .collect();
    Outcome::fail(format!(
        "{} of {} model id{} {source} {} not listed for key {key}: {}",
        missing.len(),
        ids.len(),
        plural(ids.len()),
        if missing.len() == 1 { "is" } else { "are" },
        missing
            .iter()
            .map(|id| format!("{id} ({})", suggestion(id)))
            .collect::<Vec<_>>()
            .join(", ")
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
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::facts::Facts;
    use crate::live::LiveFacts;
    use crate::report::Status;

    fn model(id: &str, aliases: &[&str]) -> LiveModel {
        LiveModel {
            id: id.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            deprecation: None,
            deprecation_replacement_model: None,
        }
    }

    fn run(check: fn(&Ctx) -> Outcome, state: LiveState, expected: &[&str]) -> Outcome {
        let facts = Facts {
            live: LiveFacts::new(state),
            ..Facts::default()
        };
        let mut config = Config::default();
        config.expected_models = expected.iter().map(|m| m.to_string()).collect();
        check(&Ctx::new(
            CheckId::KeyValid,
            &facts,
            &config,
            time::OffsetDateTime::UNIX_EPOCH,
        ))
    }

    fn checked(check: KeyCheck, fallback: Fallback) -> LiveState {
        LiveState::Checked {
            primary: KeyReport {
                key: "****a1Ue".into(),
                check,
                attempts: 1,
            },
            fallback,
            endpoint: "https://api.mistral.ai/v1/models".into(),
        }
    }

    #[test]
    fn edit_distance_and_closest() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("mistral-large-2411", "mistral-large-2512"), 2);
        let models = [
            model("mistral-large-2512", &["mistral-large-latest"]),
            model("mistral-small-2506", &["mistral-small-latest"]),
        ];
        assert_eq!(
            closest("mistral-smal-latest", &models),
            Some("mistral-small-latest")
        );
        assert_eq!(
            closest("mistral-large-2411", &models),
            Some("mistral-large-2512")
        );
        assert_eq!(closest("anything", &[]), None);
    }

    #[test]
    fn the_forks_note_is_given_only_in_github_actions() {
        let message = |actions: bool| {
            let facts = Facts {
                live: LiveFacts::new(LiveState::NoKey).in_github_actions(actions),
                ..Facts::default()
            };
            let config = Config::default();
            key_valid(&Ctx::new(
                CheckId::KeyValid,
                &facts,
                &config,
                time::OffsetDateTime::UNIX_EPOCH,
            ))
            .message
        };
        assert!(message(true).contains("forks"), "{}", message(true));
        assert!(!message(false).contains("forks"), "{}", message(false));
    }

    #[test]
    fn without_a_live_phase_all_three_skip() {
        for check in [key_valid, key_model_access, fallback_key] {
            for state in [LiveState::NotRun, LiveState::Offline, LiveState::NoKey] {
                assert_eq!(run(check, state, &["m"]).status, Status::Skip);
            }
        }
    }

    #[test]
    fn model_access_by_id_or_alias() {
        let valid = || {
            checked(
                KeyCheck::Valid {
                    models: vec![model("mistral-small-2506", &["mistral-small-latest"])],
                },
                Fallback::Missing,
            )
        };
        let pass = run(
            key_model_access,
            valid(),
            &["mistral-small-latest", "mistral-small-2506"],
        );
        assert_eq!(pass.status, Status::Pass, "{}", pass.message);
        assert_eq!(
            pass.message,
            "all 2 model ids in [models] expected are listed for key ****a1Ue"
        );
        let fail = run(key_model_access, valid(), &["mistral-small-2503"]);
        assert_eq!(fail.status, Status::Fail);
        assert_eq!(fail.evidence[0].message, "mistral-small-2503 is not listed for key ****a1Ue (closest available: mistral-small-2506)");
        assert_eq!(run(key_model_access, valid(), &[]).status, Status::Skip);
        let unknown = checked(
            KeyCheck::Unknown {
                cause: "timed out".into(),
            },
            Fallback::Missing,
        );
        assert_eq!(run(key_model_access, unknown, &["m"]).status, Status::Error);
        assert_eq!(
            run(
                key_model_access,
                checked(KeyCheck::NoApiAccess, Fallback::Missing),
                &["m"]
            )
            .status,
            Status::Skip
        );
    }

    #[test]
    fn fallback_outcomes() {
        let ok = || KeyCheck::Valid { models: vec![] };
        let report = |check| {
            Fallback::Checked(KeyReport {
                key: "****a6Ek".into(),
                check,
                attempts: 1,
            })
        };
        assert_eq!(
            run(fallback_key, checked(ok(), Fallback::Missing), &[]).status,
            Status::Fail
        );
        assert_eq!(
            run(fallback_key, checked(ok(), Fallback::SameAsPrimary), &[]).status,
            Status::Fail
        );
        assert_eq!(
            run(fallback_key, checked(ok(), report(ok())), &[]).status,
            Status::Pass
        );
        let refused = report(KeyCheck::Rejected {
            status: 403,
            detail: None,
        });
        assert_eq!(
            run(fallback_key, checked(ok(), refused), &[]).status,
            Status::Fail
        );
        let unknown = report(KeyCheck::Unknown { cause: "x".into() });
        assert_eq!(
            run(fallback_key, checked(ok(), unknown), &[]).status,
            Status::Error
        );
    }
}
