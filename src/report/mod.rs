//! The one Report model every renderer prints.
//!
//! Checks produce [`CheckResult`]s; the gate verdict is computed here, once, so that
//! text, JSON, JUnit, Markdown, SARIF and the exit code can never disagree.

pub mod json;
pub mod junit;
pub mod markdown;
pub mod safe;
pub mod sarif;
pub mod text;

use serde::{Deserialize, Serialize};

/// The shared vocabulary, re-exported: the report is where most stages meet it.
pub use crate::vocab::{
    CheckId, Evidence, EvidenceStatus, FailOn, Location, Severity, SkipReason, SkippedFile, Status,
    Step,
};

/// One check's outcome, as in the JSON report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check's id (serialised and displayed as its kebab-case name).
    pub id: CheckId,
    pub step: Step,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    /// True when this result alone makes the gate fail (set by [`Report::new`] from the
    /// gate policy; see [`CheckResult::blocks`]).
    #[serde(default)]
    pub blocking: bool,
    /// With `--base`: true when this result is worse than at the base commit (a new
    /// `fail`/`warn` item, or, for a check without findings to point at, a worse status).
    /// Absent without `--base`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<bool>,
    pub message: String,
    pub remediation: String,
    pub evidence: Vec<Evidence>,
    /// Evidence items the check judged but the report does not carry: past
    /// [`EVIDENCE_KEPT`] items a check keeps its `fail` items first, then `warn`, then
    /// `pass`, and counts the rest, so memory and every report stay bounded however many
    /// sites a repository holds. The message counts every item.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub evidence_omitted: usize,
}

/// How many evidence items one check result carries at most.
pub const EVIDENCE_KEPT: usize = 1_000;

fn is_zero(n: &usize) -> bool {
    *n == 0
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

    /// The items that tell a reader what to fix: `fail` items first, then `warn`, each
    /// group in the check's order. Passing sites are never among them.
    pub fn findings(&self) -> impl Iterator<Item = &Evidence> {
        let of = |s: EvidenceStatus| self.evidence.iter().filter(move |e| e.status == s);
        of(EvidenceStatus::Fail).chain(of(EvidenceStatus::Warn))
    }

    /// True when the result is a finding a reader acts on: `fail`, `warn` or `error`.
    pub fn is_finding(&self) -> bool {
        matches!(self.status, Status::Fail | Status::Warn | Status::Error)
    }

    /// True when the check says so about the repository as a whole: it failed or warned
    /// with no file to point at (alerts, docs, rollout).
    fn is_repository_level(&self) -> bool {
        self.is_finding() && self.findings().next().is_none()
    }

    /// True when `--base` marked this result new (see [`CheckResult::new`]).
    pub fn is_new(&self) -> bool {
        self.new == Some(true)
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
    /// Checks that make the gate fail (see [`CheckResult::blocking`]).
    pub blocking: usize,
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
    SeverityLowered {
        check: String,
        from: Severity,
        to: Severity,
    },
    /// An `ignore-paths` pattern (global, or for one check) and how many files it excluded.
    IgnoredPath {
        #[serde(skip_serializing_if = "Option::is_none")]
        check: Option<String>,
        pattern: String,
        files: usize,
    },
    /// A `mistral-gate: ignore <id>` comment that silenced a finding.
    InlineIgnore {
        check: String,
        path: String,
        line: u32,
    },
    /// A baseline entry that accepted a finding.
    Baseline {
        check: String,
        path: String,
        baseline: String,
    },
    /// `max-file-size` lowered below the default, with how many files it left unscanned.
    MaxFileSize { bytes: u64, files: usize },
}

impl Suppression {
    /// One line of the "Suppressed" section, in the reviewer's words (every renderer
    /// prints this, each in its own safe form).
    pub fn describe(&self) -> String {
        let s = self;
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match s {
            Suppression::Config { path, source } => {
                let from = match source {
                    ConfigSource::Repository => {
                        "from the repository: the pull request can change it"
                    }
                    ConfigSource::CommandLine => "from the command line",
                    ConfigSource::BaseCommit => "from the pull request's base commit",
                };
                format!("config file {path} ({from})")
            }
            Suppression::CheckDisabled { check } => format!("check {check} disabled"),
            Suppression::SeverityLowered { check, from, to } => format!(
                "check {check} severity lowered from {} to {}",
                from.as_str(),
                to.as_str()
            ),
            Suppression::IgnoredPath {
                check: None,
                pattern,
                files,
            } => format!(
                "ignore-paths {pattern:?} excluded {files} file{}",
                plural(*files)
            ),
            Suppression::IgnoredPath {
                check: Some(check),
                pattern,
                files,
            } => {
                format!(
                    "ignore-paths {pattern:?} of {check} ignores {files} file{}",
                    plural(*files)
                )
            }
            Suppression::InlineIgnore { check, path, line } => {
                format!("inline ignore of {check} at {path}:{line}")
            }
            Suppression::Baseline {
                check,
                path,
                baseline,
            } if path.is_empty() => {
                format!("finding of {check} (the repository as a whole) accepted by baseline {baseline}")
            }
            Suppression::Baseline {
                check,
                path,
                baseline,
            } => format!("finding of {check} in {path} accepted by baseline {baseline}"),
            Suppression::MaxFileSize { bytes, files } => {
                let (cap, default) = (
                    crate::vocab::human_bytes(*bytes),
                    crate::vocab::human_bytes(crate::vocab::DEFAULT_MAX_FILE_SIZE),
                );
                format!(
                    "max-file-size {cap} (default {default}) left {files} file{} unscanned",
                    plural(*files)
                )
            }
        }
    }
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
    /// False when no Mistral API usage was found: most checks skipped, and every
    /// human-facing output says "nothing to check" rather than "passed".
    pub mistral_usage: bool,
    /// What `--base` compared with (or why it could not).
    pub comparison: Comparison,
    /// `--fail-on-new`: only results marked new block.
    pub fail_on_new: bool,
    /// PATH's place within the repository (`services/api`, `/`-separated), empty when
    /// PATH is the repository's root (see `repo_root`): SARIF URIs and JUnit class names
    /// are built from it.
    pub scope: String,
}

/// What the findings were compared with (`--base REF`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Comparison {
    /// No `--base` and no pull-request base: nothing is marked new or existing.
    #[default]
    NotAsked,
    /// Compared with the repository at `commit` (`reference` as given).
    Compared { reference: String, commit: String },
    /// Asked for (or expected, on a pull request), but not possible: `reason` says why.
    Unknown { reason: String },
}

impl Report {
    pub fn new(
        checks: Vec<CheckResult>,
        skipped_files: Vec<SkippedFile>,
        files_scanned: usize,
        policy: GatePolicy,
    ) -> Report {
        let mut report = Report {
            tool_version: env!("CARGO_PKG_VERSION"),
            checks,
            verdict: Verdict::Pass,
            counts: Counts::default(),
            skipped_files,
            files_scanned,
            policy,
            suppressed: Vec::new(),
            mistral_usage: true,
            comparison: Comparison::NotAsked,
            fail_on_new: false,
            scope: String::new(),
        };
        report.tally();
        report
    }

    /// Sets `blocking` on every result, the counts and the verdict, from the policy and
    /// (with `--fail-on-new`) the `new` marks. Called again after anything changes them.
    pub fn tally(&mut self) {
        let mut counts = Counts::default();
        for c in self.checks.iter_mut() {
            // `--fail-on-new`: a result not marked new (existing at the base) never blocks;
            // one the comparison could not judge (`None`) still does, so an unknown base
            // cannot turn the gate green.
            c.blocking = c.blocks(&self.policy) && !(self.fail_on_new && c.new == Some(false));
            match c.status {
                Status::Pass => counts.pass += 1,
                Status::Fail => counts.fail += 1,
                Status::Warn => counts.warn += 1,
                Status::Skip => counts.skip += 1,
                Status::Error => counts.error += 1,
            }
            counts.blocking += usize::from(c.blocking);
        }
        self.verdict = if counts.blocking > 0 {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        self.counts = counts;
    }

    /// The checks that make the gate fail, in contract order.
    pub fn blocking(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.blocking)
    }

    /// Failed, warned or errored checks that do not block.
    pub fn advisory(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.is_finding() && !c.blocking)
    }

    /// How many findings (evidence items, or whole-repository results) are marked new.
    pub fn new_findings(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.is_finding())
            .map(|c| {
                if c.is_repository_level() {
                    usize::from(c.is_new())
                } else {
                    c.findings().filter(|e| e.new == Some(true)).count()
                }
            })
            .sum()
    }

    /// True when there was nothing for most checks to look at (no Mistral API usage)
    /// and nothing blocks: every human-facing output says so instead of "passed".
    pub fn nothing_to_check(&self) -> bool {
        !self.mistral_usage && self.verdict == Verdict::Pass
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
            id: crate::vocab::CheckId::parse(crate::vocab::CheckId::MaxTokensSet.as_str())
                .expect("a check id"),
            step: Step::Credentials,
            title: "t".into(),
            status,
            severity,
            blocking: false,
            new: None,
            evidence_omitted: 0,
            message: String::new(),
            remediation: String::new(),
            evidence: vec![],
        }
    }

    #[test]
    fn fail_blocks_at_or_above_fail_on() {
        let p = |fail_on| GatePolicy {
            fail_on,
            strict: false,
        };
        assert!(result(Status::Fail, Severity::Error).blocks(&p(FailOn::Error)));
        assert!(!result(Status::Fail, Severity::Warning).blocks(&p(FailOn::Error)));
        assert!(result(Status::Fail, Severity::Warning).blocks(&p(FailOn::Warning)));
        assert!(!result(Status::Fail, Severity::Info).blocks(&p(FailOn::Warning)));
        assert!(!result(Status::Fail, Severity::Error).blocks(&p(FailOn::Never)));
    }

    #[test]
    fn warn_and_error_block_only_in_strict_mode() {
        let lax = GatePolicy {
            fail_on: FailOn::Error,
            strict: false,
        };
        let strict = GatePolicy {
            fail_on: FailOn::Error,
            strict: true,
        };
        for s in [Status::Warn, Status::Error] {
            assert!(!result(s, Severity::Error).blocks(&lax));
            assert!(result(s, Severity::Info).blocks(&strict));
        }
        assert!(!result(Status::Skip, Severity::Error).blocks(&strict));
        assert!(!result(Status::Pass, Severity::Error).blocks(&strict));
    }
}
