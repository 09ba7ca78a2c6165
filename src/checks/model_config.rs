//! Model configuration: pinned, live models with max-tokens and temperature set.
//!
//! Every verdict is built from per-call findings (see [`verdict`]): a call site passes,
//! warns (value not visible statically) or fails, with evidence at the line where the call
//! expression starts; inline suppressions drop a finding.

use std::sync::OnceLock;

use serde::Deserialize;
use time::OffsetDateTime;

use super::util::verdict;
use super::{CheckDecl, Ctx, Outcome, Scope};
use crate::lang::{CallKind, CallSite, Lit, Setting};
use crate::live::LiveModel;
use crate::vocab::{CheckId, Evidence, EvidenceStatus, Fix, Severity, Status, Step};

/// Every model id is dated or versioned, or a floating alias the config allows: a
/// floating alias changes the model, and its behaviour, under a running app.
pub static MODEL_PINNED: CheckDecl = CheckDecl {
    id: CheckId::ModelPinned,
    step: Step::ModelConfiguration,
    title: "Versioned model ids, or -latest aliases intentionally",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Pin a dated model id (mistral-large-2512) or list the alias under [models] allow-floating in .mistral-gate.toml",
    run: model_pinned,
};

/// No used model is deprecated or retired (bundled catalogue, and `/v1/models` when a
/// key is given): a retired model fails every request on its retirement day.
pub static MODEL_LIFECYCLE: CheckDecl = CheckDecl {
    id: CheckId::ModelLifecycle,
    step: Step::ModelConfiguration,
    title: "No deprecated or retired models",
    severity: Severity::Error,
    scope: Scope::MistralUsage,
    remediation: "Move to the replacement model before the retirement date",
    run: model_lifecycle,
};

/// Every generation call sets a max-tokens limit (at most the configured cap): without
/// one a single runaway completion costs the model's whole context window.
pub static MAX_TOKENS_SET: CheckDecl = CheckDecl {
    id: CheckId::MaxTokensSet,
    step: Step::ModelConfiguration,
    title: "maxTokens set to prevent runaway costs",
    severity: Severity::Error,
    scope: Scope::MistralUsage,
    remediation: "Pass maxTokens (TypeScript) or max_tokens (Python) on every generation call",
    run: max_tokens_set,
};

/// Every generation call sets temperature explicitly: the default differs per model
/// and changes with it.
pub static TEMPERATURE_SET: CheckDecl = CheckDecl {
    id: CheckId::TemperatureSet,
    step: Step::ModelConfiguration,
    title: "temperature set appropriately",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Pass temperature explicitly on every generation call (0 for deterministic, 0.7 for creative)",
    run: temperature_set,
};

fn generation_calls<'a>(ctx: &'a Ctx) -> impl Iterator<Item = &'a CallSite> {
    ctx.facts
        .code
        .calls
        .iter()
        .filter(|c| c.kind.is_generation())
}

fn via(c: &CallSite) -> String {
    c.via
        .as_ref()
        .map(|v| format!(" ({v})"))
        .unwrap_or_default()
}

/// What a call's setting means for a "must be set" check.
fn setting_finding(c: &CallSite, s: &Setting, concept: &str, cap: Option<u64>) -> Evidence {
    let (path, line) = (c.path.as_str(), c.line);
    match s {
        Setting::Set {
            value: Lit::Num(n),
            key,
            ..
        } => match cap {
            Some(cap) if *n > cap as f64 => Evidence::fail(
                path,
                line,
                format!(
                    "{} sets {key}: {} above the configured cap {cap}{}",
                    c.api,
                    Lit::Num(*n).show(),
                    via(c)
                ),
            ),
            _ => Evidence::pass(
                path,
                line,
                format!("{} sets {key}: {}{}", c.api, Lit::Num(*n).show(), via(c)),
            ),
        },
        Setting::Set { value, key, .. } => Evidence::warn(
            path,
            line,
            format!("{} sets {key} to {}, not a number", c.api, value.show()),
        ),
        Setting::Missing => {
            Evidence::fail(path, line, format!("{} without {concept}{}", c.api, via(c)))
        }
        Setting::NotSetVia { via } => Evidence::fail(
            path,
            line,
            format!("{} without {concept} when reached through {via}", c.api),
        ),
        Setting::Null { key } => Evidence::fail(
            path,
            line,
            format!("{} passes {key} as undefined/None: not set", c.api),
        ),
        Setting::WrongName { key, hint } => Evidence::fail(
            path,
            line,
            format!(
                "{} passes {key}, which does not set {concept} ({hint})",
                c.api
            ),
        ),
        Setting::NotVisible { why } => Evidence::warn(
            path,
            line,
            format!("{} {concept}: value not visible statically ({why})", c.api),
        ),
    }
}

fn max_tokens_set(ctx: &Ctx) -> Outcome {
    let cap = ctx.config.max_tokens_cap;
    let findings = generation_calls(ctx)
        .map(|c| {
            let e = setting_finding(c, &c.max_tokens, "a max-tokens limit", cap)
                .about(ctx.call_subject(c));
            match (&c.max_tokens, e.status) {
                // Not set at all: the fix names the parameter this call's SDK reads.
                (
                    Setting::Missing
                    | Setting::NotSetVia { .. }
                    | Setting::Null { .. }
                    | Setting::WrongName { .. },
                    EvidenceStatus::Fail,
                ) => {
                    let (names, _) = crate::lang::sdks::family(c.sdk).max_tokens(None);
                    e.with_fix(Fix::SetParameter { names })
                }
                _ => e,
            }
        })
        .collect();
    verdict(
        ctx,
        findings,
        "generation calls",
        "no Mistral generation call found",
    )
}

fn is_agents(c: &CallSite) -> bool {
    matches!(c.kind, CallKind::Agents | CallKind::AgentsStream)
}

fn temperature_set(ctx: &Ctx) -> Outcome {
    let findings = generation_calls(ctx)
        .map(|c| {
            // The agents completion request has no temperature: the agent's configuration holds it.
            let e = if is_agents(c) && !matches!(c.temperature, Setting::Set { .. }) {
                Evidence::pass(
                    &c.path,
                    c.line,
                    format!(
                        "{} takes its temperature from the agent's configuration",
                        c.api
                    ),
                )
            } else {
                setting_finding(c, &c.temperature, "temperature", None)
            };
            e.about(ctx.call_subject(c))
        })
        .collect();
    verdict(
        ctx,
        findings,
        "generation calls",
        "no Mistral generation call found",
    )
}

// ------------------------------------------------------------------ model catalogue

/// The bundled model catalogue (`data/models.json`).
#[derive(Debug, Deserialize)]
pub(crate) struct Catalogue {
    /// Where the data comes from, for humans reading the file (and the tests).
    #[allow(dead_code)]
    pub source: String,
    pub date: String,
    pub models: Vec<CatalogueModel>,
    /// Floating aliases (`*-latest`, bare major aliases) that move to newer models.
    pub floating: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CatalogueModel {
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `YYYY-MM-DD`: deprecated from this day.
    pub deprecation: Option<String>,
    /// `YYYY-MM-DD`: requests fail from this day.
    pub retirement: Option<String>,
    pub replacement: Option<String>,
}

pub(crate) fn catalogue() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        serde_json::from_str(include_str!("../../data/models.json"))
            .expect("data/models.json is valid")
    })
}

fn parse_day(s: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

/// The verdict of the catalogue for one model id at `now`.
pub(crate) fn catalogue_verdict(
    cat: &Catalogue,
    id: &str,
    now: OffsetDateTime,
) -> (Status, String) {
    let Some(m) = cat
        .models
        .iter()
        .find(|m| m.id == id || m.aliases.iter().any(|a| a == id))
    else {
        return (
            Status::Pass,
            format!(
                "{id} is not listed as deprecated in the bundled catalogue ({})",
                cat.date
            ),
        );
    };
    let replacement = m
        .replacement
        .as_deref()
        .map(|r| format!("; move to {r}"))
        .unwrap_or_default();
    if let Some(r) = m
        .retirement
        .as_deref()
        .and_then(|r| parse_day(r).map(|d| (r, d)))
    {
        if now >= r.1 {
            return (
                Status::Fail,
                format!("{id} was retired on {}{replacement}", r.0),
            );
        }
    }
    if let Some(d) = m
        .deprecation
        .as_deref()
        .and_then(|d| parse_day(d).map(|x| (d, x)))
    {
        if now >= d.1 {
            let until = m
                .retirement
                .as_deref()
                .map(|r| format!(", retired on {r}"))
                .unwrap_or_default();
            return (
                Status::Warn,
                format!("{id} is deprecated since {}{until}{replacement}", d.0),
            );
        }
    }
    (
        Status::Pass,
        format!("{id} is current per the bundled catalogue ({})", cat.date),
    )
}

/// The verdict of the live `/v1/models` entry: a `deprecation` timestamp means deprecated
/// until then and retired after it (CHECKS.md).
pub(crate) fn live_verdict(
    models: &[LiveModel],
    id: &str,
    now: OffsetDateTime,
) -> Option<(Status, String)> {
    let m = models
        .iter()
        .find(|m| m.id == id || m.aliases.iter().any(|a| a == id))?;
    let Some(dep) = m.deprecation.as_deref() else {
        return Some((
            Status::Pass,
            format!("{id} is served by /v1/models with no deprecation"),
        ));
    };
    let replacement = m
        .deprecation_replacement_model
        .as_deref()
        .map(|r| format!("; move to {r}"))
        .unwrap_or_default();
    let when = OffsetDateTime::parse(dep, &time::format_description::well_known::Rfc3339).ok();
    Some(match when {
        Some(t) if now >= t => (
            Status::Fail,
            format!("{id} was retired on {dep} per /v1/models{replacement}"),
        ),
        Some(_) => (
            Status::Warn,
            format!("{id} is deprecated per /v1/models and retires on {dep}{replacement}"),
        ),
        None => (
            Status::Warn,
            format!("{id} is deprecated per /v1/models (unreadable date {dep}){replacement}"),
        ),
    })
}

fn model_lifecycle(ctx: &Ctx) -> Outcome {
    let cat = catalogue();
    let live = ctx.facts.live.models();
    let mut findings = Vec::new();
    for c in &ctx.facts.code.calls {
        match &c.model {
            Setting::Set {
                value: Lit::Str(id),
                ..
            } => {
                let (status, msg) = live
                    .and_then(|l| live_verdict(l, id, ctx.now))
                    .unwrap_or_else(|| catalogue_verdict(cat, id, ctx.now));
                findings.push(
                    Evidence::with_status(
                        site_status(status),
                        &c.path,
                        c.line,
                        format!("{}: {msg}", c.api),
                    )
                    .about(ctx.call_subject(c)),
                );
            }
            Setting::NotVisible { why } => findings.push(
                Evidence::warn(
                    &c.path,
                    c.line,
                    format!("{} model: value not visible statically ({why})", c.api),
                )
                .about(ctx.call_subject(c)),
            ),
            _ => {}
        }
    }
    verdict(
        ctx,
        findings,
        "model uses",
        "no model id found in the Mistral calls",
    )
}

/// A catalogue or live verdict (pass, warn or fail) as the verdict on one site.
fn site_status(s: Status) -> EvidenceStatus {
    match s {
        Status::Pass => EvidenceStatus::Pass,
        Status::Warn => EvidenceStatus::Warn,
        _ => EvidenceStatus::Fail,
    }
}

/// The dated id a floating alias stands for, or else the newest dated id of the same
/// family: the live model list first (it knows the key's models), then the catalogue's
/// aliases, then the catalogue's ids that extend the alias's stem (`mistral-small` for
/// `mistral-small-latest`) with a date.
pub(crate) fn pinned_for(
    cat: &Catalogue,
    live: Option<&[LiveModel]>,
    alias: &str,
) -> Option<String> {
    let dated = |id: &str| {
        id.rsplit('-')
            .next()
            .is_some_and(|v| v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()))
    };
    if let Some(m) = live.and_then(|l| {
        l.iter()
            .find(|m| m.id != alias && dated(&m.id) && m.aliases.iter().any(|a| a == alias))
    }) {
        return Some(m.id.clone());
    }
    if let Some(m) = cat
        .models
        .iter()
        .find(|m| m.id != alias && dated(&m.id) && m.aliases.iter().any(|a| a == alias))
    {
        return Some(m.id.clone());
    }
    // The alias itself as a stem (`mistral-large`), else without its last part
    // (`mistral-small` of `mistral-small-latest`).
    let stems = std::iter::once(alias).chain(alias.rsplit_once('-').map(|(stem, _)| stem));
    for stem in stems {
        let newest = cat
            .models
            .iter()
            .filter(|m| {
                m.id.strip_prefix(stem)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|v| v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(|m| m.id.clone())
            .max();
        if newest.is_some() {
            return newest;
        }
    }
    None
}

/// True when `id` moves to newer models over time.
pub(crate) fn is_floating(cat: &Catalogue, live: Option<&[LiveModel]>, id: &str) -> bool {
    id.ends_with("-latest")
        || cat.floating.iter().any(|f| f == id)
        || cat
            .models
            .iter()
            .any(|m| m.aliases.iter().any(|a| a == id) && m.id != id)
        || live.is_some_and(|l| {
            l.iter()
                .any(|m| m.id != id && m.aliases.iter().any(|a| a == id))
        })
}

fn model_pinned(ctx: &Ctx) -> Outcome {
    let cat = catalogue();
    let live = ctx.facts.live.models();
    let mut findings = Vec::new();
    for c in &ctx.facts.code.calls {
        let (path, line) = (c.path.as_str(), c.line);
        let finding = match &c.model {
            Setting::Set {
                value: Lit::Str(id),
                ..
            } => {
                if !is_floating(cat, live, id) {
                    Evidence::pass(path, line, format!("{} uses pinned model {id}", c.api))
                } else if ctx.config.allow_floating.iter().any(|a| a == id) {
                    Evidence::pass(
                        path,
                        line,
                        format!("{} uses floating alias {id}, allowed in the config", c.api),
                    )
                } else {
                    Evidence::fail(
                        path,
                        line,
                        format!(
                            "{} uses floating alias {id} (not in [models] allow-floating)",
                            c.api
                        ),
                    )
                    .with_fix(Fix::PinModel {
                        alias: id.clone(),
                        pinned: pinned_for(cat, live, id),
                    })
                }
            }
            Setting::Set { value, .. } => Evidence::warn(
                path,
                line,
                format!("{} model is {}, not a model id", c.api, value.show()),
            ),
            Setting::NotVisible { why } => Evidence::warn(
                path,
                line,
                format!("{} model: value not visible statically ({why})", c.api),
            ),
            Setting::Missing | Setting::NotSetVia { .. } | Setting::Null { .. }
                if !is_agents(c) && !matches!(c.kind, CallKind::ModelsList | CallKind::Other) =>
            {
                Evidence::warn(
                    path,
                    line,
                    format!("{} sets no model: the SDK's default model is used", c.api),
                )
            }
            _ => continue,
        };
        findings.push(finding.about(ctx.call_subject(c)));
    }
    verdict(
        ctx,
        findings,
        "model uses",
        "no model id found in the Mistral calls",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn live(dep: Option<&str>) -> Vec<LiveModel> {
        vec![LiveModel {
            id: "mistral-large-2411".into(),
            aliases: vec!["mistral-large-latest".into()],
            deprecation: dep.map(String::from),
            deprecation_replacement_model: Some("mistral-large-2512".into()),
        }]
    }

    #[test]
    fn live_deprecation_in_the_future_warns_with_replacement_and_date() {
        let (s, m) = live_verdict(
            &live(Some("2027-03-01T00:00:00Z")),
            "mistral-large-2411",
            datetime!(2026-11-27 0:00 UTC),
        )
        .unwrap();
        assert_eq!(s, Status::Warn);
        assert!(
            m.contains("2027-03-01") && m.contains("mistral-large-2512"),
            "{m}"
        );
    }

    #[test]
    fn live_deprecation_in_the_past_fails() {
        let (s, m) = live_verdict(
            &live(Some("2026-01-01T00:00:00Z")),
            "mistral-large-latest",
            datetime!(2026-11-27 0:00 UTC),
        )
        .unwrap();
        assert_eq!(s, Status::Fail, "{m}");
    }

    #[test]
    fn live_without_deprecation_passes_and_unknown_ids_defer_to_the_catalogue() {
        assert_eq!(
            live_verdict(
                &live(None),
                "mistral-large-2411",
                datetime!(2026-11-27 0:00 UTC)
            )
            .unwrap()
            .0,
            Status::Pass
        );
        assert!(live_verdict(
            &live(None),
            "codestral-2508",
            datetime!(2026-11-27 0:00 UTC)
        )
        .is_none());
    }

    #[test]
    fn catalogue_dates_decide() {
        let cat = catalogue();
        assert!(!cat.source.is_empty() && !cat.date.is_empty());
        let retired = cat
            .models
            .iter()
            .find(|m| m.retirement.is_some())
            .expect("a retired model in the catalogue");
        let r = parse_day(retired.retirement.as_deref().unwrap()).unwrap();
        assert_eq!(catalogue_verdict(cat, &retired.id, r).0, Status::Fail);
        assert_eq!(
            catalogue_verdict(cat, &retired.id, r - time::Duration::days(1)).0,
            if retired
                .deprecation
                .as_deref()
                .and_then(parse_day)
                .is_some_and(|d| d < r)
            {
                Status::Warn
            } else {
                Status::Pass
            }
        );
        assert_eq!(
            catalogue_verdict(cat, "mistral-large-2512", datetime!(2026-11-27 0:00 UTC)).0,
            Status::Pass
        );
    }

    #[test]
    fn floating_aliases() {
        let cat = catalogue();
        assert!(is_floating(cat, None, "mistral-small-latest"));
        assert!(is_floating(cat, None, "mistral-medium-3"));
        assert!(!is_floating(cat, None, "mistral-large-2512"));
        assert!(is_floating(cat, Some(&live(None)), "mistral-large-latest"));
    }

    #[test]
    fn a_floating_alias_is_pinned_to_a_dated_id_of_its_own_family() {
        let cat = catalogue();
        assert_eq!(
            pinned_for(cat, None, "mistral-large-latest").as_deref(),
            Some("mistral-large-2512")
        );
        assert_eq!(
            pinned_for(cat, None, "mistral-medium-latest").as_deref(),
            Some("mistral-medium-2508")
        );
        assert_eq!(pinned_for(cat, None, "no-such-model-latest"), None);
        // Never another family's model: no dated small model is known, so none is named.
        assert_eq!(pinned_for(cat, None, "mistral-small-latest"), None);
        let l = live(None);
        assert_eq!(
            pinned_for(cat, Some(&l), "mistral-large-latest").as_deref(),
            Some("mistral-large-2411"),
            "the key's own model list wins"
        );
    }
}
