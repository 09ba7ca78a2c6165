//! The check registry: every id of CHECKS.md, in contract order, each a pure function
//! from [`Facts`] and [`Config`] to an [`Outcome`].
//!
//! The registry, not the checks, applies what is common to all of them: per-check
//! severity overrides and disabling from the config, the "no Mistral usage" rule, and
//! turning an outcome into a [`CheckResult`]. Checks never touch the file system or the
//! network; suppressions (inline comments, per-check ignored paths) are data in [`Ctx`].

mod alerts;
mod ci;
mod circuit_breaker;
mod code_quality;
mod credentials;
mod documentation;
mod health;
mod model_config;
mod rollout;

use crate::config::Config;
use crate::facts::Facts;
use crate::report::{CheckResult, Evidence, Severity, Status, Step};

/// What a check decided, before the registry dresses it as a [`CheckResult`].
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    pub evidence: Vec<Evidence>,
    /// Overrides the registry's generic remediation when the check knows better.
    pub remediation: Option<String>,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>) -> Outcome {
        Outcome { status, message: message.into(), evidence: Vec::new(), remediation: None }
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

/// Everything a check may read.
pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub config: &'a Config,
    /// The time of the run, for dates such as model retirement (checks never read a clock).
    pub now: time::OffsetDateTime,
}

impl Ctx<'_> {
    /// True when a finding of `id` at `path:line` is silenced by an inline
    /// `mistral-gate: ignore <id>` comment (on the line or the line above) or by the
    /// check's `ignore-paths` in the config.
    pub fn suppressed(&self, id: &str, path: &str, line: u32) -> bool {
        self.facts.suppressions.covers(id, path, line) || self.config.check(id).ignores_path(path)
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

/// A checklist item: stable id, step, and the default for everything a user can tune.
pub struct CheckDef {
    pub id: &'static str,
    pub step: Step,
    pub title: &'static str,
    pub severity: Severity,
    pub remediation: &'static str,
    pub scope: Scope,
    pub run: CheckFn,
}

use Scope::{Always, MistralUsage};
use Severity::{Error as E, Info as I, Warning as W};

/// Every check of CHECKS.md, in contract order. Never rename or reuse an id.
pub static CHECKS: &[CheckDef] = &[
    CheckDef { id: "key-not-committed", step: Step::Credentials, title: "Production API key stored in a secret manager, not in env files or manifests", severity: E, scope: Always, run: credentials::key_not_committed,
        remediation: "Remove the key from the file, rotate it in La Plateforme, and load it from a secret store (Kubernetes secretKeyRef, ${{ secrets.MISTRAL_API_KEY }}, a vault)" },
    CheckDef { id: "key-valid", step: Step::Credentials, title: "Key tested against /v1/models", severity: E, scope: Always, run: credentials::key_valid,
        remediation: "Give the gate the production key (MISTRAL_API_KEY) and make sure GET /v1/models answers 200 with it" },
    CheckDef { id: "key-model-access", step: Step::Credentials, title: "Key has access to every model the code uses", severity: E, scope: Always, run: credentials::key_model_access,
        remediation: "Use a model id listed by /v1/models for this key, or enable the model for the key's workspace" },
    CheckDef { id: "fallback-key", step: Step::Credentials, title: "Fallback key available for rotation", severity: W, scope: Always, run: credentials::fallback_key,
        remediation: "Create a second production key and give it to the gate as MISTRAL_FALLBACK_API_KEY" },
    CheckDef { id: "typecheck-in-ci", step: Step::CodeQuality, title: "Type check passes in CI", severity: W, scope: MistralUsage, run: ci::typecheck_in_ci,
        remediation: "Add a CI step that runs the type checker (tsc --noEmit, npm run typecheck, mypy or pyright)" },
    CheckDef { id: "tests-in-ci", step: Step::CodeQuality, title: "Tests pass in CI (unit + integration)", severity: W, scope: MistralUsage, run: ci::tests_in_ci,
        remediation: "Add a CI step that runs the test suite (npm test, pytest, ...)" },
    CheckDef { id: "no-hardcoded-secrets", step: Step::CodeQuality, title: "No hardcoded keys", severity: E, scope: Always, run: credentials::no_hardcoded_secrets,
        remediation: "Delete the key from the source, rotate it, and read it from the environment (process.env.MISTRAL_API_KEY, os.environ[\"MISTRAL_API_KEY\"])" },
    CheckDef { id: "error-handling", step: Step::CodeQuality, title: "Error handling covers 401, 429 and 5xx", severity: E, scope: MistralUsage, run: code_quality::error_handling,
        remediation: "Wrap Mistral calls in try/catch (except) and tell 401, 429 and 5xx apart by the error's status code" },
    CheckDef { id: "retry-backoff", step: Step::CodeQuality, title: "Rate limiting / backoff implemented", severity: E, scope: MistralUsage, run: code_quality::retry_backoff,
        remediation: "Give the client a retry config with backoff (retryConfig / retry_config with strategy \"backoff\") or wrap calls in a retry library that retries 429 and 5xx" },
    CheckDef { id: "log-hygiene", step: Step::CodeQuality, title: "Logging excludes message content and API keys", severity: E, scope: MistralUsage, run: code_quality::log_hygiene,
        remediation: "Log ids, model, token counts and latency; never messages, completion text or the key" },
    CheckDef { id: "model-pinned", step: Step::ModelConfiguration, title: "Versioned model ids, or -latest aliases intentionally", severity: W, scope: MistralUsage, run: model_config::model_pinned,
        remediation: "Pin a dated model id (mistral-large-2512) or list the alias under [models] allow-floating in .mistral-gate.toml" },
    CheckDef { id: "model-lifecycle", step: Step::ModelConfiguration, title: "No deprecated or retired models", severity: E, scope: MistralUsage, run: model_config::model_lifecycle,
        remediation: "Move to the replacement model before the retirement date" },
    CheckDef { id: "max-tokens-set", step: Step::ModelConfiguration, title: "maxTokens set to prevent runaway costs", severity: E, scope: MistralUsage, run: model_config::max_tokens_set,
        remediation: "Pass maxTokens (TypeScript) or max_tokens (Python) on every generation call" },
    CheckDef { id: "temperature-set", step: Step::ModelConfiguration, title: "temperature set appropriately", severity: W, scope: MistralUsage, run: model_config::temperature_set,
        remediation: "Pass temperature explicitly on every generation call (0 for deterministic, 0.7 for creative)" },
    CheckDef { id: "budget-alerts", step: Step::ModelConfiguration, title: "Token budget alerts configured", severity: W, scope: MistralUsage, run: alerts::budget_alerts,
        remediation: "Add an alert rule on token usage or spend (e.g. rate of mistral_tokens_total or cost per hour above budget)" },
    CheckDef { id: "health-endpoint", step: Step::HealthCheck, title: "Health check endpoint probes Mistral", severity: W, scope: MistralUsage, run: health::health_endpoint,
        remediation: "Add a /health route that calls models.list() and answers 503 when it fails" },
    CheckDef { id: "circuit-breaker", step: Step::CircuitBreaker, title: "Circuit breaker for graceful degradation", severity: W, scope: MistralUsage, run: circuit_breaker::circuit_breaker,
        remediation: "Route Mistral calls through a circuit breaker (opossum, cockatiel, pybreaker, or a class with closed/open/half-open states)" },
    CheckDef { id: "gradual-rollout", step: Step::Rollout, title: "Gradual rollout", severity: W, scope: MistralUsage, run: rollout::gradual_rollout,
        remediation: "Give the Deployment a readiness probe on /health and a RollingUpdate with maxUnavailable: 0, or use a canary (Argo Rollouts, a paused deploy stage)" },
    CheckDef { id: "post-deploy-verification", step: Step::Rollout, title: "Post-deployment verification", severity: W, scope: MistralUsage, run: rollout::post_deploy_verification,
        remediation: "After the deploy step, curl the /health endpoint and send one smoke request" },
    CheckDef { id: "rollback-ready", step: Step::Rollout, title: "Emergency rollback ready", severity: W, scope: MistralUsage, run: rollout::rollback_ready,
        remediation: "Keep revisionHistoryLimit above 0 and write down the rollback (kubectl rollout undo) in a runbook or a workflow job" },
    CheckDef { id: "alert-rules", step: Step::Alerts, title: "Alert rules for API down, latency, 429, 401, circuit open, cost spike", severity: W, scope: MistralUsage, run: alerts::alert_rules,
        remediation: "Add Prometheus (or Datadog) alerts for each missing condition of the checklist's alert table" },
    CheckDef { id: "incident-runbook", step: Step::Documentation, title: "Incident runbook created", severity: W, scope: MistralUsage, run: documentation::incident_runbook,
        remediation: "Write docs/runbooks/mistral-incident.md: symptoms, dashboards, first steps, who to call" },
    CheckDef { id: "key-rotation-doc", step: Step::Documentation, title: "Key rotation procedure documented", severity: W, scope: MistralUsage, run: documentation::key_rotation_doc,
        remediation: "Write down how to rotate the Mistral API key (create, deploy, verify, revoke)" },
    CheckDef { id: "rollback-doc", step: Step::Documentation, title: "Rollback procedure documented", severity: W, scope: MistralUsage, run: documentation::rollback_doc,
        remediation: "Write down the rollback procedure (kubectl rollout undo, then verify /health)" },
    CheckDef { id: "escalation-doc", step: Step::Documentation, title: "On-call escalation path defined", severity: I, scope: MistralUsage, run: documentation::escalation_doc,
        remediation: "Write down who is on call and how to escalate a Mistral incident" },
    CheckDef { id: "usage-limits-doc", step: Step::Documentation, title: "API usage limits documented", severity: I, scope: MistralUsage, run: documentation::usage_limits_doc,
        remediation: "Write down the workspace's rate limits (requests/min, tokens/min) and monthly budget" },
];

/// Looks a check up by id.
pub fn find(id: &str) -> Option<&'static CheckDef> {
    CHECKS.iter().find(|c| c.id == id)
}

/// Runs every check and applies the config. Returns results in contract order.
pub fn run_all(facts: &Facts, config: &Config, now: time::OffsetDateTime) -> Vec<CheckResult> {
    let ctx = Ctx { facts, config, now };
    let uses_mistral = facts.code.uses_mistral();
    CHECKS
        .iter()
        .map(|def| {
            let tuning = config.check(def.id);
            let outcome = if !tuning.enabled {
                Outcome::skip("disabled in the configuration file")
            } else if def.scope == MistralUsage && !uses_mistral {
                Outcome::skip("no Mistral API usage found")
            } else {
                (def.run)(&ctx)
            };
            CheckResult {
                id: def.id.to_string(),
                step: def.step,
                title: def.title.to_string(),
                status: outcome.status,
                severity: tuning.severity.unwrap_or(def.severity),
                message: outcome.message,
                remediation: outcome.remediation.unwrap_or_else(|| def.remediation.to_string()),
                evidence: outcome.evidence,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = HashSet::new();
        for c in CHECKS {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            assert!(c.id.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'), "{} is not kebab-case", c.id);
        }
    }

    /// The contract's ids, copied from CHECKS.md: a rename here is a broken promise.
    #[test]
    fn every_contract_id_is_registered() {
        let contract = [
            "key-not-committed", "key-valid", "key-model-access", "fallback-key", "typecheck-in-ci",
            "tests-in-ci", "no-hardcoded-secrets", "error-handling", "retry-backoff", "log-hygiene",
            "model-pinned", "model-lifecycle", "max-tokens-set", "temperature-set", "budget-alerts",
            "health-endpoint", "circuit-breaker", "gradual-rollout", "post-deploy-verification",
            "rollback-ready", "alert-rules", "incident-runbook", "key-rotation-doc", "rollback-doc",
            "escalation-doc", "usage-limits-doc",
        ];
        for id in contract {
            assert!(find(id).is_some(), "{id} missing from the registry");
        }
        assert_eq!(CHECKS.len(), contract.len());
    }
}

#[cfg(test)]
mod docs_tests {
    /// docs/checks.md is what users read: every registered check is described there.
    #[test]
    fn every_check_is_documented() {
        let doc = include_str!("../../docs/checks.md");
        for c in super::CHECKS {
            assert!(doc.contains(&format!("| `{}` |", c.id)), "{} missing from docs/checks.md", c.id);
        }
    }
}
