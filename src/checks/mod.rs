//! The check registry: every id of CHECKS.md, in contract order, each declared once
//! beside its function (a [`CheckDecl`]: id, step, title, default severity, scope,
//! remediation, and a doc comment saying what it checks and why).
//!
//! The registry, not the checks, applies what is common to all of them: per-check
//! severity overrides and disabling from the config, the "no Mistral usage" rule,
//! evidence fingerprints, and turning an outcome into a [`CheckResult`]. Checks never
//! touch the file system or the network; suppressions (inline comments, per-check
//! ignored paths) are data in [`Ctx`], which also tells a check its own id.
//!
//! Adding a check: a [`CheckId`] variant (the one place ids are spelled), a
//! declaration beside the function, one line in [`CHECKS`], one row in docs/checks.md.

mod alerts;
mod ci;
mod circuit_breaker;
mod code_quality;
mod credentials;
mod documentation;
mod health;
mod model_config;
mod rollout;
mod util;

use std::collections::HashMap;

use crate::config::Config;
use crate::facts::Facts;
use crate::lang::CallSite;
use crate::report::{CheckResult, EVIDENCE_KEPT};
use crate::vocab::{CheckId, Evidence, EvidenceStatus, Severity, Status, Step};

/// What a check decided, before the registry dresses it as a [`CheckResult`].
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    /// Each item with its own verdict (a failing check lists its passing sites too).
    pub evidence: Vec<Evidence>,
    /// Overrides the declaration's remediation when the check knows better.
    pub remediation: Option<String>,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>) -> Outcome {
        Outcome {
            status,
            message: message.into(),
            evidence: Vec::new(),
            remediation: None,
        }
    }
    pub fn pass(message: impl Into<String>) -> Outcome {
        Outcome::new(Status::Pass, message)
    }
    pub fn fail(message: impl Into<String>) -> Outcome {
        Outcome::new(Status::Fail, message)
    }
    pub fn warn(message: impl Into<String>) -> Outcome {
        Outcome::new(Status::Warn, message)
    }
    pub fn skip(message: impl Into<String>) -> Outcome {
        Outcome::new(Status::Skip, message)
    }
    pub fn error(message: impl Into<String>) -> Outcome {
        Outcome::new(Status::Error, message)
    }
    pub fn with_evidence(mut self, evidence: Vec<Evidence>) -> Outcome {
        self.evidence = evidence;
        self
    }
    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Outcome {
        self.remediation = Some(remediation.into());
        self
    }
}

/// Everything a check may read, and which check is running.
pub struct Ctx<'a> {
    /// The running check's id (from its declaration): check bodies never spell it.
    pub id: CheckId,
    pub facts: &'a Facts,
    pub config: &'a Config,
    /// The time of the run, for dates such as model retirement (checks never read a clock).
    pub now: time::OffsetDateTime,
    /// `callee#n` for each call site (see [`Ctx::call_subject`]), by (path, line, callee).
    call_subjects: HashMap<(&'a str, u32, &'a str), String>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        id: CheckId,
        facts: &'a Facts,
        config: &'a Config,
        now: time::OffsetDateTime,
    ) -> Ctx<'a> {
        let mut ordinals: HashMap<(&str, &str), usize> = HashMap::new();
        let mut call_subjects = HashMap::new();
        for c in &facts.code.calls {
            call_subjects
                .entry((c.path.as_str(), c.line, c.api.as_str()))
                .or_insert_with(|| {
                    let n = ordinals
                        .entry((c.path.as_str(), c.api.as_str()))
                        .or_insert(0);
                    *n += 1;
                    format!("{}#{n}", c.api)
                });
        }
        Ctx {
            id,
            facts,
            config,
            now,
            call_subjects,
        }
    }

    /// The same context for another check (the registry reuses the call ordinals).
    fn for_check(mut self, id: CheckId) -> Ctx<'a> {
        self.id = id;
        self
    }

    /// True when a finding of this check at `path:line` is silenced by an inline
    /// `mistral-gate: ignore <id>` comment (on the line or the line above) or by the
    /// check's `ignore-paths` in the config.
    pub fn suppressed(&self, path: &str, line: u32) -> bool {
        let id = self.id.as_str();
        self.facts.suppressions.covers(id, path, line) || self.config.check(id).ignores_path(path)
    }

    /// What a call-site item is about, for its fingerprint: the callee as written and its
    /// ordinal among the calls of that callee in the file (`chat.complete#2`), so that it
    /// survives unrelated lines moving.
    pub fn call_subject(&self, c: &CallSite) -> String {
        self.call_subjects
            .get(&(c.path.as_str(), c.line, c.api.as_str()))
            .cloned()
            .unwrap_or_else(|| c.api.clone())
    }
}

type CheckFn = fn(&Ctx) -> Outcome;

/// How a check applies when the repository has no Mistral usage at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Skipped with "no Mistral API usage found" (most checks).
    MistralUsage,
    /// Runs on every repository (the secret checks and the live key checks).
    Always,
}

/// One checklist item, declared beside its function: stable id, step, and the default
/// for everything a user can tune.
pub struct CheckDecl {
    pub id: CheckId,
    pub step: Step,
    pub title: &'static str,
    pub severity: Severity,
    pub scope: Scope,
    pub remediation: &'static str,
    pub run: CheckFn,
}

/// Every check of CHECKS.md, in contract order. Never rename or reuse an id.
pub static CHECKS: &[&CheckDecl] = &[
    &credentials::KEY_NOT_COMMITTED,
    &credentials::KEY_VALID,
    &credentials::KEY_MODEL_ACCESS,
    &credentials::FALLBACK_KEY,
    &ci::TYPECHECK_IN_CI,
    &ci::TESTS_IN_CI,
    &credentials::NO_HARDCODED_SECRETS,
    &code_quality::ERROR_HANDLING,
    &code_quality::RETRY_BACKOFF,
    &code_quality::LOG_HYGIENE,
    &model_config::MODEL_PINNED,
    &model_config::MODEL_LIFECYCLE,
    &model_config::MAX_TOKENS_SET,
    &model_config::TEMPERATURE_SET,
    &alerts::BUDGET_ALERTS,
    &health::HEALTH_ENDPOINT,
    &circuit_breaker::CIRCUIT_BREAKER,
    &rollout::GRADUAL_ROLLOUT,
    &rollout::POST_DEPLOY_VERIFICATION,
    &rollout::ROLLBACK_READY,
    &alerts::ALERT_RULES,
    &documentation::INCIDENT_RUNBOOK,
    &documentation::KEY_ROTATION_DOC,
    &documentation::ROLLBACK_DOC,
    &documentation::ESCALATION_DOC,
    &documentation::USAGE_LIMITS_DOC,
];

/// Looks a check up by id.
pub fn find(id: CheckId) -> Option<&'static CheckDecl> {
    CHECKS.iter().copied().find(|c| c.id == id)
}

/// Runs every check and applies the config. Returns results in contract order.
pub fn run_all(facts: &Facts, config: &Config, now: time::OffsetDateTime) -> Vec<CheckResult> {
    run_registry(CHECKS, facts, config, now)
}

/// Runs the checks of `registry` (the real one, or a test's) and applies the config.
fn run_registry(
    registry: &[&CheckDecl],
    facts: &Facts,
    config: &Config,
    now: time::OffsetDateTime,
) -> Vec<CheckResult> {
    let uses_mistral = facts.code.uses_mistral();
    let mut ctx = Some(Ctx::new(CheckId::ALL[0], facts, config, now));
    let mut out = Vec::with_capacity(registry.len());
    for decl in registry {
        let c = ctx.take().expect("context").for_check(decl.id);
        let tuning = config.check(decl.id.as_str());
        let outcome = if !tuning.enabled {
            Outcome::skip("disabled in the configuration file")
        } else if decl.scope == Scope::MistralUsage && !uses_mistral {
            Outcome::skip("no Mistral API usage found")
        } else {
            (decl.run)(&c)
        };
        ctx = Some(c);
        let mut evidence = outcome.evidence;
        for e in evidence.iter_mut() {
            // An item is never judged worse than its check: a check that only warns
            // (some sites protected, files it could not read) has no `fail` item.
            if outcome.status == Status::Warn && e.status == EvidenceStatus::Fail {
                e.status = EvidenceStatus::Warn;
            }
            e.seal(decl.id);
        }
        let evidence_omitted = keep_bounded(&mut evidence);
        out.push(CheckResult {
            id: decl.id,
            step: decl.step,
            title: decl.title.to_string(),
            status: outcome.status,
            severity: tuning.severity.unwrap_or(decl.severity),
            blocking: false,
            new: None,
            message: outcome.message,
            remediation: outcome
                .remediation
                .unwrap_or_else(|| decl.remediation.to_string()),
            evidence,
            evidence_omitted,
        });
    }
    out
}

/// Keeps at most [`EVIDENCE_KEPT`] items, `fail` first, then `warn`, then `pass` (each in
/// the check's order), and returns how many were left out.
fn keep_bounded(evidence: &mut Vec<Evidence>) -> usize {
    if evidence.len() <= EVIDENCE_KEPT {
        return 0;
    }
    let rank = |s: EvidenceStatus| match s {
        EvidenceStatus::Fail => 0,
        EvidenceStatus::Warn => 1,
        EvidenceStatus::Pass => 2,
    };
    evidence.sort_by_key(|e| rank(e.status));
    let omitted = evidence.len() - EVIDENCE_KEPT;
    evidence.truncate(EVIDENCE_KEPT);
    evidence.shrink_to_fit();
    omitted
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_the_registry_declares_every_id_once_in_contract_order() {
        let mut seen = HashSet::new();
        for c in CHECKS {
            assert!(seen.insert(c.id), "{} declared twice", c.id);
        }
        let ids: Vec<CheckId> = CHECKS.iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            CheckId::ALL,
            "the registry lists every CheckId once, in contract order"
        );
        let mut titles = HashSet::new();
        for c in CHECKS {
            assert!(titles.insert(c.title), "{} reuses a title", c.id);
            assert!(!c.remediation.is_empty(), "{} has no remediation", c.id);
        }
    }

    // ---------------------------------------------------------------- a new check

    /// What adding a check takes: this declaration (beside its function), the
    /// `CheckId::Dummy` variant (test builds only), one entry in the registry list, and a
    /// row in docs/checks.md. Nothing else: the registry runs it, gives it its id,
    /// applies the config and fingerprints its evidence.
    static DUMMY: CheckDecl = CheckDecl {
        id: CheckId::Dummy,
        step: Step::Documentation,
        title: "A dummy check",
        severity: Severity::Info,
        scope: Scope::Always,
        remediation: "Nothing to do",
        run: dummy,
    };

    fn dummy(ctx: &Ctx) -> Outcome {
        // The body never spells its id: suppression goes through the context.
        let items = [("a.md", 3), ("a.md", 9), ("b.md", 0)];
        let evidence: Vec<Evidence> = items
            .iter()
            .filter(|(p, l)| !ctx.suppressed(p, *l))
            .map(|(p, l)| Evidence::fail(*p, *l, "dummy finding").about("dummy"))
            .collect();
        Outcome::fail(format!("{} dummy findings", evidence.len())).with_evidence(evidence)
    }

    #[test]
    fn a_new_check_is_one_declaration_and_one_registry_entry() {
        let registry: Vec<&CheckDecl> = CHECKS.iter().copied().chain([&DUMMY]).collect();
        let facts = Facts::default();
        let config = Config::default();
        let results = run_registry(&registry, &facts, &config, time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(results.len(), CHECKS.len() + 1);
        let r = results.last().unwrap();
        assert_eq!(
            (r.id.as_str(), r.step, r.severity),
            (
                crate::vocab::CheckId::Dummy.as_str(),
                Step::Documentation,
                Severity::Info
            )
        );
        assert_eq!(
            (r.status, r.title.as_str(), r.remediation.as_str()),
            (Status::Fail, "A dummy check", "Nothing to do")
        );
        assert_eq!(r.evidence.len(), 3);
        assert_eq!(r.evidence[0].fingerprint, "dummy-check:a.md:dummy");
        assert_eq!(r.evidence[2].line, None, "line 0 is the whole file");
        // The config validates it like any other id, and its tuning applies.
        let config = Config::parse(
            "[checks.dummy-check]\nseverity = \"error\"\n",
            std::path::Path::new("t.toml"),
        )
        .expect("dummy-check is a known id");
        let tuned = run_registry(&registry, &facts, &config, time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(tuned.last().unwrap().severity, Severity::Error);
        // Its documentation is the one thing left: docs/checks.md does not describe it.
        assert_eq!(
            super::docs_tests::undocumented(&registry),
            vec![crate::vocab::CheckId::Dummy.as_str()]
        );
    }
}

#[cfg(test)]
mod docs_tests {
    use super::CheckDecl;

    /// The ids of `registry` that docs/checks.md does not describe.
    pub(super) fn undocumented(registry: &[&CheckDecl]) -> Vec<&'static str> {
        let doc = include_str!("../../docs/checks.md");
        registry
            .iter()
            .map(|c| c.id.as_str())
            .filter(|id| !doc.contains(&format!("| `{id}` |")))
            .collect()
    }

    /// docs/checks.md is what users read: every registered check is described there.
    #[test]
    fn every_check_is_documented() {
        assert_eq!(undocumented(super::CHECKS), Vec::<&str>::new());
    }
}
