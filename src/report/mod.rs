//! The one Report model every renderer prints.
//!
//! Checks produce [`CheckResult`]s; the gate verdict is computed here, once, so that
//! text, JSON, JUnit, Markdown, SARIF and the exit code can never disagree.

pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use serde::{Deserialize, Serialize};

/// What a check found, whatever its severity (see CHECKS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fail,
    Error,
    Warn,
    Pass,
    Skip,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Pass, Status::Fail, Status::Warn, Status::Skip, Status::Error];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

/// How much a `fail` matters. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The level at or above which a failed check fails the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "error" => Some(FailOn::Error),
            "warning" => Some(FailOn::Warning),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }
    fn blocks(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Never => false,
        }
    }
}

/// A place in the repository that decided a check, for a pass too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Relative to the scanned PATH, `/`-separated.
    pub path: String,
    /// 1-based; 0 when the evidence is about a whole file.
    pub line: u32,
    pub message: String,
}

impl Evidence {
    pub fn new(path: impl Into<String>, line: u32, message: impl Into<String>) -> Self {
        Evidence { path: path.into(), line, message: message.into() }
    }
    /// `path:line`, or just `path` for whole-file evidence.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.path.clone()
        } else {
            format!("{}:{}", self.path, self.line)
        }
    }
}

/// Which checklist step a check belongs to (CHECKS.md `step`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Credentials,
    CodeQuality,
    ModelConfiguration,
    HealthCheck,
    CircuitBreaker,
    Rollout,
    Alerts,
    Documentation,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Credentials,
        Step::CodeQuality,
        Step::ModelConfiguration,
        Step::HealthCheck,
        Step::CircuitBreaker,
        Step::Rollout,
        Step::Alerts,
        Step::Documentation,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Credentials => "credentials",
            Step::CodeQuality => "code-quality",
            Step::ModelConfiguration => "model-configuration",
            Step::HealthCheck => "health-check",
            Step::CircuitBreaker => "circuit-breaker",
            Step::Rollout => "rollout",
            Step::Alerts => "alerts",
            Step::Documentation => "documentation",
        }
    }
    /// Human heading, in the checklist's words.
    pub fn heading(self) -> &'static str {
        match self {
            Step::Credentials => "Credentials",
            Step::CodeQuality => "Code quality",
            Step::ModelConfiguration => "Model configuration",
            Step::HealthCheck => "Health check endpoint",
            Step::CircuitBreaker => "Circuit breaker",
            Step::Rollout => "Rollout, verification, rollback",
            Step::Alerts => "Alerts",
            Step::Documentation => "Documentation",
        }
    }
}

/// One check's outcome, as in the JSON report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub step: Step,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    pub message: String,
    pub remediation: String,
    pub evidence: Vec<Evidence>,
}

impl CheckResult {
    /// True when this result, on its own, makes the gate fail.
    pub fn blocks(&self, gate: &GatePolicy) -> bool {
        match self.status {
            Status::Fail => gate.fail_on.blocks(self.severity),
            // `--strict`: warn and error statuses fail the gate too.
            Status::Warn | Status::Error => gate.strict,
            Status::Pass | Status::Skip => false,
        }
    }
}

/// How the gate turns results into a verdict.
#[derive(Debug, Clone, Copy)]
pub struct GatePolicy {
    pub fail_on: FailOn,
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub skip: usize,
    pub error: usize,
}

impl Counts {
    pub fn get(&self, s: Status) -> usize {
        match s {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Warn => self.warn,
            Status::Skip => self.skip,
            Status::Error => self.error,
        }
    }
}

/// A file the walk could not scan, said out loud rather than dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
    /// True when the file may hold text the checks never saw (too large, unreadable),
    /// as opposed to binaries, loops and special files.
    #[serde(skip)]
    pub unscanned_text: bool,
}

/// Something in force for this run that weakens the gate: shown to the reviewer in
/// every output (CHECKS.md, "The scanned repository is untrusted input"), never hidden.
/// Serialized as one entry of the JSON report's `suppressed` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Suppression {
    /// The config file in force and who chose it.
    Config { path: String, source: ConfigSource },
    /// A check switched off by `[checks.<id>] enabled = false`.
    CheckDisabled { check: String },
    /// A check whose severity the config lowered below its default.
    SeverityLowered { check: String, from: Severity, to: Severity },
    /// An `ignore-paths` pattern (global, or for one check) and how many files it excluded.
    IgnoredPath {
        #[serde(skip_serializing_if = "Option::is_none")]
        check: Option<String>,
        pattern: String,
        files: usize,
    },
    /// A `mistral-gate: ignore <id>` comment that silenced a finding.
    InlineIgnore { check: String, path: String, line: u32 },
    /// A baseline entry that accepted a finding.
    Baseline { check: String, path: String, baseline: String },
    /// `max-file-size` lowered below the default, with how many files it left unscanned.
    MaxFileSize { bytes: u64, files: usize },
}

/// Where the config file in force came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigSource {
    /// Found in the scanned repository (the pull request can change it).
    Repository,
    /// Named on the command line (`--config`): the caller's choice.
    CommandLine,
    /// Read from the pull request's base commit (`config-from: base`).
    BaseCommit,
}

/// The whole outcome of one run.
#[derive(Debug, Clone)]
pub struct Report {
    pub tool_version: &'static str,
    pub checks: Vec<CheckResult>,
    pub verdict: Verdict,
    pub counts: Counts,
    /// Files the walk passed over (too large, unreadable, loops), with why.
    pub skipped_files: Vec<SkippedFile>,
    /// How many files were read.
    pub files_scanned: usize,
    pub policy: GatePolicy,
    /// What weakened the gate in this run (empty when nothing did).
    pub suppressed: Vec<Suppression>,
}

impl Report {
    pub fn new(checks: Vec<CheckResult>, skipped_files: Vec<SkippedFile>, files_scanned: usize, policy: GatePolicy) -> Report {
        let mut counts = Counts::default();
        for c in &checks {
            match c.status {
                Status::Pass => counts.pass += 1,
                Status::Fail => counts.fail += 1,
                Status::Warn => counts.warn += 1,
                Status::Skip => counts.skip += 1,
                Status::Error => counts.error += 1,
            }
        }
        let verdict = if checks.iter().any(|c| c.blocks(&policy)) { Verdict::Fail } else { Verdict::Pass };
        Report {
            tool_version: env!("CARGO_PKG_VERSION"),
            checks,
            verdict,
            counts,
            skipped_files,
            files_scanned,
            policy,
            suppressed: Vec::new(),
        }
    }

    /// The checks that make the gate fail, worst first.
    pub fn blocking(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(move |c| c.blocks(&self.policy))
    }

    pub fn by_step(&self, step: Step) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(move |c| c.step == step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: Status, severity: Severity) -> CheckResult {
        CheckResult {
            id: "x".into(),
            step: Step::Credentials,
            title: "t".into(),
            status,
            severity,
            message: String::new(),
            remediation: String::new(),
            evidence: vec![],
        }
    }

    #[test]
    fn fail_blocks_at_or_above_fail_on() {
        let p = |fail_on| GatePolicy { fail_on, strict: false };
        assert!(result(Status::Fail, Severity::Error).blocks(&p(FailOn::Error)));
        assert!(!result(Status::Fail, Severity::Warning).blocks(&p(FailOn::Error)));
        assert!(result(Status::Fail, Severity::Warning).blocks(&p(FailOn::Warning)));
        assert!(!result(Status::Fail, Severity::Info).blocks(&p(FailOn::Warning)));
        assert!(!result(Status::Fail, Severity::Error).blocks(&p(FailOn::Never)));
    }

    #[test]
    fn warn_and_error_block_only_in_strict_mode() {
        let lax = GatePolicy { fail_on: FailOn::Error, strict: false };
        let strict = GatePolicy { fail_on: FailOn::Error, strict: true };
        for s in [Status::Warn, Status::Error] {
            assert!(!result(s, Severity::Error).blocks(&lax));
            assert!(result(s, Severity::Info).blocks(&strict));
        }
        assert!(!result(Status::Skip, Severity::Error).blocks(&strict));
        assert!(!result(Status::Pass, Severity::Error).blocks(&strict));
    }
}
