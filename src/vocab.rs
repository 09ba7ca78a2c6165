//! The vocabulary every stage shares: check ids, steps, severities, statuses, locations
//! and evidence.
//!
//! It sits at the bottom of the import graph and imports nothing of the crate, so that
//! the walk, the front-ends, the config, the checks and the report can all speak the
//! same typed words without depending on each other. Check ids are spelled here and
//! nowhere else: [`CheckId`] is the list the config validates against and the registry
//! declares checks for.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares [`CheckId`]: each variant with its stable kebab-case id (CHECKS.md), and,
/// in test builds only, one dummy id for the test that shows what a new check touches.
macro_rules! check_ids {
    ($($variant:ident = $name:literal,)* ; deploy: $($dvariant:ident = $dname:literal,)* ; test: $dummy:ident = $dummy_name:literal) => {
        /// A check's stable id. Never rename or reuse one (CHECKS.md): users' configs,
        /// inline ignores and baselines name them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId {
            $($variant,)*
            $($dvariant,)*
            /// Only in test builds: the check a test adds (see `checks::tests`).
            #[cfg(test)]
            $dummy,
        }

        impl CheckId {
            /// Every id `check` runs, in contract order.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant,)*];

            /// Every id `verify` and `rollout` report, in contract order (CHECKS.md,
            /// "After the deploy"). Not in [`CheckId::ALL`]: `check` never runs them.
            pub const DEPLOY: &'static [CheckId] = &[$(CheckId::$dvariant,)*];

            /// The kebab-case id, as written in CHECKS.md and every report.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $name,)*
                    $(CheckId::$dvariant => $dname,)*
                    #[cfg(test)]
                    CheckId::$dummy => $dummy_name,
                }
            }

            /// The id named `s`, if there is one (exact, case-sensitive).
            pub fn parse(s: &str) -> Option<CheckId> {
                match s {
                    $($name => Some(CheckId::$variant),)*
                    $($dname => Some(CheckId::$dvariant),)*
                    #[cfg(test)]
                    $dummy_name => Some(CheckId::$dummy),
                    _ => None,
                }
            }
        }
    };
}

check_ids! {
    KeyNotCommitted = "key-not-committed",
    KeyValid = "key-valid",
    KeyModelAccess = "key-model-access",
    FallbackKey = "fallback-key",
    TypecheckInCi = "typecheck-in-ci",
    TestsInCi = "tests-in-ci",
    NoHardcodedSecrets = "no-hardcoded-secrets",
    ErrorHandling = "error-handling",
    RetryBackoff = "retry-backoff",
    LogHygiene = "log-hygiene",
    ModelPinned = "model-pinned",
    ModelLifecycle = "model-lifecycle",
    MaxTokensSet = "max-tokens-set",
    TemperatureSet = "temperature-set",
    BudgetAlerts = "budget-alerts",
    HealthEndpoint = "health-endpoint",
    CircuitBreaker = "circuit-breaker",
    GradualRollout = "gradual-rollout",
    PostDeployVerification = "post-deploy-verification",
    RollbackReady = "rollback-ready",
    AlertRules = "alert-rules",
    IncidentRunbook = "incident-runbook",
    KeyRotationDoc = "key-rotation-doc",
    RollbackDoc = "rollback-doc",
    EscalationDoc = "escalation-doc",
    UsageLimitsDoc = "usage-limits-doc",
    ; deploy:
    DeployHealth = "deploy-health",
    DeployLatency = "deploy-latency",
    DeploySmoke = "deploy-smoke",
    DeployErrorRate = "deploy-error-rate",
    DeployP95Latency = "deploy-p95-latency",
    DeployRateLimited = "deploy-rate-limited",
    DeployAuth = "deploy-auth",
    DeployCircuit = "deploy-circuit",
    DeployCost = "deploy-cost",
    RolloutComplete = "rollout-complete",
    Rollback = "rollback",
    ; test: Dummy = "dummy-check"
}

impl fmt::Display for CheckId {
    /// The kebab-case name; honours width and alignment (`{:<26}` in the text report).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// `s` is not the id of any check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check id {0:?}")]
pub struct UnknownCheckId(pub String);

impl FromStr for CheckId {
    type Err = UnknownCheckId;
    fn from_str(s: &str) -> Result<CheckId, UnknownCheckId> {
        CheckId::parse(s).ok_or_else(|| UnknownCheckId(s.to_string()))
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CheckId, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

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
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::Warn,
        Status::Skip,
        Status::Error,
    ];
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

/// The verdict on one evidence item (one call site, one file, one manifest object).
/// Ordered worst first, so that sorting puts `fail` items before `warn` and `pass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceStatus {
    Fail,
    Warn,
    Pass,
}

impl EvidenceStatus {
    pub fn as_str(self) -> &'static str {
        Status::from(self).as_str()
    }
    /// `fail` and `warn` items are findings: what a reader has to fix.
    pub fn is_finding(self) -> bool {
        self != EvidenceStatus::Pass
    }
}

impl From<EvidenceStatus> for Status {
    fn from(s: EvidenceStatus) -> Status {
        match s {
            EvidenceStatus::Fail => Status::Fail,
            EvidenceStatus::Warn => Status::Warn,
            EvidenceStatus::Pass => Status::Pass,
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
    /// True when a `fail` of this severity fails the gate.
    pub fn blocks(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Never => false,
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
            // Step 3 holds one check and is named after it (CHECKS.md): one spelling.
            Step::CircuitBreaker => CheckId::CircuitBreaker.as_str(),
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

/// A place in the repository: a line of a file, or a whole file (`line: None`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Relative to the scanned PATH, `/`-separated.
    pub path: String,
    /// 1-based; absent for a whole file (never 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl Location {
    /// A line of a file; line 0 (how some front-ends say "the whole file") becomes `None`.
    pub fn new(path: impl Into<String>, line: impl Into<Option<u32>>) -> Location {
        Location {
            path: path.into(),
            line: line.into().filter(|l| *l > 0),
        }
    }
}

impl fmt::Display for Location {
    /// `path:line`, or just `path` for a whole file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// A place in the repository that decided a check, with its own verdict (a failing
/// check lists its passing sites too, as `pass` items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Relative to the scanned PATH, `/`-separated.
    pub path: String,
    /// 1-based; absent (never 0) when the evidence is about a whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub status: EvidenceStatus,
    /// With `--base`: true when no item of the same fingerprint exists at the base
    /// commit. Absent without `--base`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<bool>,
    pub message: String,
    /// Stable when unrelated lines move: the check id, the path and what the item is
    /// about (see [`Evidence::about`]), never a line number. Set by the check registry.
    #[serde(default)]
    pub fingerprint: String,
    /// Other places that explain this item (the client's retry config in another file).
    #[serde(default)]
    pub related: Vec<Location>,
    /// What the item is about, for the fingerprint (the call and its ordinal in the file,
    /// the key's last 4 characters, the manifest object, the section heading). Empty:
    /// the message is used.
    #[serde(skip)]
    pub subject: String,
    /// The concrete change this item needs, as data the renderers put in words (the
    /// parameter name of the call's SDK, the pinned id of the alias's model family).
    /// `None`: the check's remediation says it.
    #[serde(skip)]
    pub fix: Option<Fix>,
}

/// A concrete change one finding needs, built from what the finding is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Pass this parameter (the names the call's SDK reads, first the current one).
    SetParameter { names: Vec<&'static str> },
    /// Replace a floating alias by a dated id of the same model family, when known.
    PinModel {
        alias: String,
        pinned: Option<String>,
    },
}

impl Evidence {
    /// An item with the given verdict. Line 0 is taken as "the whole file" (`None`).
    pub fn with_status(
        status: EvidenceStatus,
        path: impl Into<String>,
        line: impl Into<Option<u32>>,
        message: impl Into<String>,
    ) -> Evidence {
        let at = Location::new(path, line);
        Evidence {
            path: at.path,
            line: at.line,
            status,
            new: None,
            message: message.into(),
            fingerprint: String::new(),
            related: Vec::new(),
            subject: String::new(),
            fix: None,
        }
    }
    /// A `fail` item. Checks say the verdict explicitly ([`Evidence::pass`], [`Evidence::warn`],
    /// [`Evidence::fail`]); an item made without one counts as a finding, never as a pass.
    pub fn new(
        path: impl Into<String>,
        line: impl Into<Option<u32>>,
        message: impl Into<String>,
    ) -> Evidence {
        Evidence::with_status(EvidenceStatus::Fail, path, line, message)
    }
    pub fn pass(
        path: impl Into<String>,
        line: impl Into<Option<u32>>,
        message: impl Into<String>,
    ) -> Evidence {
        Evidence::with_status(EvidenceStatus::Pass, path, line, message)
    }
    pub fn fail(
        path: impl Into<String>,
        line: impl Into<Option<u32>>,
        message: impl Into<String>,
    ) -> Evidence {
        Evidence::with_status(EvidenceStatus::Fail, path, line, message)
    }
    pub fn warn(
        path: impl Into<String>,
        line: impl Into<Option<u32>>,
        message: impl Into<String>,
    ) -> Evidence {
        Evidence::with_status(EvidenceStatus::Warn, path, line, message)
    }
    /// What the item is about, for its fingerprint: never a line number.
    pub fn about(mut self, subject: impl Into<String>) -> Evidence {
        self.subject = subject.into();
        self
    }
    /// The concrete change this item needs.
    pub fn with_fix(mut self, fix: Fix) -> Evidence {
        self.fix = Some(fix);
        self
    }
    /// Adds a related location (`line` 0: the whole file).
    pub fn related(mut self, path: impl Into<String>, line: impl Into<Option<u32>>) -> Evidence {
        let at = Location::new(path, line);
        if !self.related.contains(&at) {
            self.related.push(at);
        }
        self
    }
    /// Sets the verdict (a check that judges a site again, e.g. downgrading to `warn`).
    pub fn status(mut self, status: EvidenceStatus) -> Evidence {
        self.status = status;
        self
    }
    /// Where the item points.
    pub fn at(&self) -> Location {
        Location {
            path: self.path.clone(),
            line: self.line,
        }
    }
    /// `path:line`, or just `path` for whole-file evidence.
    pub fn location(&self) -> String {
        self.at().to_string()
    }
    /// The fingerprint of an item of check `id`: id, path and subject (or message).
    fn fingerprint_for(id: CheckId, path: &str, subject: &str) -> String {
        format!("{id}:{path}:{subject}")
    }
    /// Fills [`Evidence::fingerprint`] for check `id` (the registry does, for every item).
    pub fn seal(&mut self, id: CheckId) {
        let subject = if self.subject.is_empty() {
            &self.message
        } else {
            &self.subject
        };
        self.fingerprint = Evidence::fingerprint_for(id, &self.path, subject);
    }
}

/// A file the walk could not scan, said out loud rather than dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    pub path: String,
    /// The reason in words, as the reports print it.
    pub reason: String,
    /// The reason as data: what renderers and checks decide on.
    #[serde(skip, default = "SkipReason::unknown")]
    pub kind: SkipReason,
    /// True when the file may hold text the checks never saw (too large, unreadable),
    /// as opposed to binaries, loops and special files.
    #[serde(skip)]
    pub unscanned_text: bool,
}

impl SkippedFile {
    pub fn new(path: String, kind: SkipReason, reason: String) -> SkippedFile {
        SkippedFile {
            path,
            reason,
            kind,
            unscanned_text: kind.may_hide_text(),
        }
    }
}

/// Why the walk did not scan a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    TooLarge,
    /// Counted, not listed one by one in the text report.
    Binary,
    Unreadable,
    SymlinkLoop,
    BrokenLink,
    /// A FIFO, socket or device: never opened.
    NotRegular,
    /// A symlink whose target resolves outside the scanned PATH: never followed.
    OutsideRepository,
}

impl SkipReason {
    /// True when the file may hold text the checks never saw.
    fn may_hide_text(self) -> bool {
        matches!(self, SkipReason::TooLarge | SkipReason::Unreadable)
    }
    fn unknown() -> SkipReason {
        SkipReason::Unreadable
    }
}

/// The default cap on the size of a file the walk reads (`max-file-size`).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// A byte count as people read it (`1.5 MiB`).
pub fn human_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for id in CheckId::ALL.iter().chain(CheckId::DEPLOY) {
            let s = id.as_str();
            assert!(seen.insert(s), "duplicate id {s}");
            assert!(
                // Digits too: the contract spells `deploy-p95-latency`.
                s.starts_with(|c: char| c.is_ascii_lowercase())
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{s} is not kebab-case"
            );
            assert!(
                !s.starts_with('-') && !s.ends_with('-') && !s.contains("--"),
                "{s}"
            );
            assert_eq!(CheckId::parse(s), Some(*id));
            assert_eq!(s.parse::<CheckId>().unwrap(), *id);
            assert_eq!(id.to_string(), s);
            assert_eq!(serde_json::to_string(id).unwrap(), format!("\"{s}\""));
            assert_eq!(
                serde_json::from_str::<CheckId>(&format!("\"{s}\"")).unwrap(),
                *id
            );
        }
        for bad in ["", "KEY-VALID", "key_valid", "key-valid ", "no-such-check"] {
            assert_eq!(CheckId::parse(bad), None, "{bad:?}");
            assert!(serde_json::from_str::<CheckId>(&format!("{bad:?}")).is_err());
        }
    }

    #[test]
    fn whole_file_evidence_has_no_line_and_omits_it_in_json() {
        let e = Evidence::pass("a.env", 0, "holds no key");
        assert_eq!(e.line, None);
        assert_eq!(e.location(), "a.env");
        let json = serde_json::to_value(&e).unwrap();
        assert!(json.get("line").is_none(), "{json}");
        assert_eq!(json["status"], "pass");
        let e = Evidence::fail("a.ts", 3, "m")
            .related("b.ts", 9)
            .related("c.ts", 0)
            .related("b.ts", 9);
        assert_eq!(e.location(), "a.ts:3");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["line"], 3);
        assert_eq!(
            json["related"],
            serde_json::json!([{"path": "b.ts", "line": 9}, {"path": "c.ts"}])
        );
        assert!(json.get("subject").is_none());
    }

    #[test]
    fn fingerprint_is_id_path_and_subject_never_the_line() {
        let mut a = Evidence::fail("src/chat.ts", 14, "chat.complete without maxTokens")
            .about("chat.complete#1");
        let mut b = Evidence::fail("src/chat.ts", 40, "chat.complete without maxTokens")
            .about("chat.complete#1");
        a.seal(CheckId::MaxTokensSet);
        b.seal(CheckId::MaxTokensSet);
        assert_eq!(a.fingerprint, "max-tokens-set:src/chat.ts:chat.complete#1");
        assert_eq!(a.fingerprint, b.fingerprint);
        let mut c = Evidence::warn("x.md", None, "no section");
        c.seal(CheckId::RollbackDoc);
        assert_eq!(c.fingerprint, "rollback-doc:x.md:no section");
    }

    #[test]
    fn evidence_status_orders_worst_first() {
        let mut v = [
            EvidenceStatus::Pass,
            EvidenceStatus::Warn,
            EvidenceStatus::Fail,
        ];
        v.sort();
        assert_eq!(
            v,
            [
                EvidenceStatus::Fail,
                EvidenceStatus::Warn,
                EvidenceStatus::Pass
            ]
        );
        assert_eq!(Status::from(EvidenceStatus::Warn), Status::Warn);
        assert!(!EvidenceStatus::Pass.is_finding() && EvidenceStatus::Warn.is_finding());
    }
}
