//! `.mistral-gate.toml`: parsed strictly in two steps, as cargo-deny does.
//!
//! [`RawConfig`] mirrors the file with `deny_unknown_fields`, so a typo is an error that
//! names the file and line (exit 2) instead of a setting silently ignored. [`Config`] is
//! the validated result, with nothing left to resolve: check ids exist, severities and
//! globs parse.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::repo_fs::{self, Refusal, RepoRoot};
use crate::vocab::{CheckId, FailOn, Severity};

/// A config file is a few hundred bytes; anything past this is not a config file.
const CONFIG_CAP: u64 = 1024 * 1024;

/// The config file's name in the scanned repository.
const CONFIG_FILE: &str = ".mistral-gate.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: PathBuf, reason: Refusal },
    #[error("invalid config file {path}{location}: {message}")]
    Invalid {
        path: PathBuf,
        location: String,
        message: String,
    },
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<String>,
    #[serde(default)]
    ignore_paths: Vec<String>,
    max_file_size: Option<u64>,
    baseline: Option<String>,
    /// `"report"` (default): test code's Mistral calls are kept apart, never judged;
    /// `"judge"`: checked like production code.
    test_code: Option<String>,
    #[serde(default)]
    models: RawModels,
    #[serde(default)]
    checks: BTreeMap<String, RawCheck>,
    #[serde(default)]
    verify: RawVerify,
}

/// `[verify]`: settings of `verify` and `rollout` (docs/deploy.md). Only `metrics`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawVerify {
    #[serde(default)]
    metrics: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawModels {
    #[serde(default)]
    allow_floating: Vec<String>,
    max_tokens_cap: Option<u64>,
    #[serde(default)]
    expected: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCheck {
    severity: Option<String>,
    enabled: Option<bool>,
    #[serde(default)]
    ignore_paths: Vec<String>,
}

/// Per-check tuning.
#[derive(Debug, Clone)]
pub struct CheckTuning {
    pub enabled: bool,
    pub severity: Option<Severity>,
    ignore_paths: Option<PathPatterns>,
}

impl CheckTuning {
    const DEFAULT: CheckTuning = CheckTuning {
        enabled: true,
        severity: None,
        ignore_paths: None,
    };

    pub fn ignores_path(&self, path: &str) -> bool {
        self.ignore_paths.as_ref().is_some_and(|g| g.is_match(path))
    }

    /// This check's own `ignore-paths`, if it has any.
    pub fn ignore_paths(&self) -> Option<&PathPatterns> {
        self.ignore_paths.as_ref()
    }
}

/// A list of `ignore-paths` globs that can say which of its patterns matched, so that
/// the report can count the files each pattern excluded.
#[derive(Debug, Clone)]
pub struct PathPatterns {
    patterns: Vec<String>,
    set: GlobSet,
    /// For each glob of `set`, the index of the pattern it was built from.
    owner: Vec<usize>,
}

impl Default for PathPatterns {
    fn default() -> Self {
        PathPatterns {
            patterns: Vec::new(),
            set: GlobSet::empty(),
            owner: Vec::new(),
        }
    }
}

impl PathPatterns {
    pub fn new(patterns: &[String]) -> Result<PathPatterns, String> {
        let mut b = GlobSetBuilder::new();
        let mut owner = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let p = p.trim_start_matches("./");
            b.add(Glob::new(p).map_err(|e| format!("bad glob {p:?}: {e}"))?);
            owner.push(i);
            // `dir` or `dir/` also covers everything below it, as in .gitignore.
            let dir = p.trim_end_matches('/');
            if !dir.contains('*') {
                b.add(Glob::new(&format!("{dir}/**")).map_err(|e| format!("bad glob {p:?}: {e}"))?);
                owner.push(i);
            }
        }
        Ok(PathPatterns {
            patterns: patterns.to_vec(),
            set: b.build().map_err(|e| e.to_string())?,
            owner,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns as written in the config file.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }

    /// Indexes (into [`Self::patterns`]) of every pattern that matches `path`.
    pub fn matching(&self, path: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .set
            .matches(path)
            .into_iter()
            .map(|g| self.owner[g])
            .collect();
        found.dedup();
        found
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from, for messages; `None` when defaults are used.
    pub source: Option<PathBuf>,
    pub fail_on: Option<FailOn>,
    /// Paths the walk never reads (globs relative to the scanned root).
    pub ignore_paths: PathPatterns,
    /// Files above this many bytes are reported as skipped, not scanned.
    pub max_file_size: u64,
    /// Baseline of accepted findings, relative to the scanned root.
    pub baseline: Option<PathBuf>,
    /// Floating aliases (`mistral-small-latest`) the team uses on purpose.
    pub allow_floating: Vec<String>,
    /// Upper bound for max-tokens on a generation call, if any.
    pub max_tokens_cap: Option<u64>,
    /// Model ids the app uses, for key-model-access when the code does not show them.
    pub expected_models: Vec<String>,
    /// `test-code = "judge"`: Mistral calls in test code are checked like the app's.
    pub judge_test_code: bool,
    /// `[verify.metrics]`: a PromQL query (`NAME = "..."`) or a threshold
    /// (`NAME-max = N`) per alert condition. Names are checked against
    /// [`METRIC_CONDITIONS`]; the defaults live with the conditions in `deploy`.
    pub verify_metrics: VerifyMetrics,
    checks: BTreeMap<String, CheckTuning>,
}

/// The alert-table conditions `[verify.metrics]` may tune (the names a user writes).
pub const METRIC_CONDITIONS: [&str; 6] = [
    "error-rate",
    "p95-latency",
    "rate-limited",
    "auth",
    "circuit",
    "cost",
];

/// What `[verify.metrics]` overrides, by condition name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerifyMetrics {
    pub queries: BTreeMap<String, String>,
    pub thresholds: BTreeMap<String, f64>,
}

pub use crate::vocab::DEFAULT_MAX_FILE_SIZE;

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            fail_on: None,
            ignore_paths: PathPatterns::default(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            baseline: None,
            allow_floating: Vec::new(),
            max_tokens_cap: None,
            expected_models: Vec::new(),
            judge_test_code: false,
            verify_metrics: VerifyMetrics::default(),
            checks: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Tuning for one check id (defaults when the file says nothing about it).
    pub fn check(&self, id: &str) -> &CheckTuning {
        self.checks.get(id).unwrap_or(&CheckTuning::DEFAULT)
    }

    /// Every check the file tunes, by id.
    pub fn tunings(&self) -> impl Iterator<Item = (&str, &CheckTuning)> {
        self.checks.iter().map(|(id, t)| (id.as_str(), t))
    }

    /// Loads `explicit` if given (it must exist; the caller's choice, read with a bound),
    /// else `root/.mistral-gate.toml` if present. The repository's file obeys the
    /// repository rules ([`RepoRoot::read`]): a symlink out of the repository, a FIFO or
    /// a device there is an error, not a default config and not a hang.
    pub fn load(root: &RepoRoot, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, read) = match explicit {
            Some(p) => (p.to_path_buf(), repo_fs::read_bounded(p, CONFIG_CAP)),
            None => {
                let p = root.path().join(CONFIG_FILE);
                // lstat: a dangling symlink or a FIFO named like the config is not "absent".
                if std::fs::symlink_metadata(&p).is_err() {
                    return Ok(Config::default());
                }
                (PathBuf::from(CONFIG_FILE), root.read(&p, CONFIG_CAP))
            }
        };
        let bytes = read.map_err(|reason| ConfigError::Read {
            path: path.clone(),
            reason,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfigError::Invalid {
            path: path.clone(),
            location: String::new(),
            message: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })?;
        Config::parse(&text, &path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid =
            |span: Option<std::ops::Range<usize>>, message: String| ConfigError::Invalid {
                path: path.to_path_buf(),
                location: span
                    .map(|s| format!(" line {}", line_of(text, s.start)))
                    .unwrap_or_default(),
                message,
            };
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| invalid(e.span(), e.message().to_string()))?;
        // Spans for validation errors: the line of the offending text, never one in a
        // comment.
        let at = |needle: &str| find_outside_comments(text, needle, 0);
        // The line of `key` within the table whose header holds `table`.
        let at_in = |table: &str, key: &str| {
            let start = find_outside_comments(text, table, 0)?.end;
            find_outside_comments(text, key, start).or(Some(start - table.len()..start))
        };

        let fail_on = match raw.fail_on.as_deref() {
            None => None,
            Some(s) => Some(FailOn::parse(s).ok_or_else(|| {
                invalid(
                    at("fail-on"),
                    format!("fail-on must be error, warning or never, not {s:?}"),
                )
            })?),
        };
        let ignore_paths =
            PathPatterns::new(&raw.ignore_paths).map_err(|m| invalid(at("ignore-paths"), m))?;
        let mut checks = BTreeMap::new();
        for (id, raw_check) in raw.checks {
            if CheckId::parse(&id).is_none() {
                let hint = closest_check_id(&id)
                    .map(|c| format!("; did you mean {c:?}?"))
                    .unwrap_or_else(|| {
                        "; the reference of every check is docs/checks.md".to_string()
                    });
                return Err(invalid(
                    at(&format!("checks.{id}")).or(at(&id)),
                    format!("unknown check id {id:?}{hint}"),
                ));
            }
            let severity = match raw_check.severity.as_deref() {
                None => None,
                Some("error") => Some(Severity::Error),
                Some("warning") => Some(Severity::Warning),
                Some("info") => Some(Severity::Info),
                Some(s) => {
                    return Err(invalid(
                        at_in(&format!("checks.{id}"), "severity"),
                        format!("severity of {id} must be error, warning or info, not {s:?}"),
                    ))
                }
            };
            let ignore = if raw_check.ignore_paths.is_empty() {
                None
            } else {
                Some(
                    PathPatterns::new(&raw_check.ignore_paths)
                        .map_err(|m| invalid(at(&format!("checks.{id}")), m))?,
                )
            };
            checks.insert(
                id,
                CheckTuning {
                    enabled: raw_check.enabled.unwrap_or(true),
                    severity,
                    ignore_paths: ignore,
                },
            );
        }
        let judge_test_code = match raw.test_code.as_deref() {
            None | Some("report") => false,
            Some("judge") => true,
            Some(other) => {
                return Err(invalid(
                    at("test-code"),
                    format!("test-code must be \"report\" or \"judge\", not {other:?}"),
                ))
            }
        };
        if raw.max_file_size == Some(0) {
            return Err(invalid(
                at("max-file-size"),
                "max-file-size must be above 0".into(),
            ));
        }
        let mut verify_metrics = VerifyMetrics::default();
        for (key, value) in raw.verify.metrics {
            let (name, is_max) = match key.strip_suffix("-max") {
                Some(name) => (name, true),
                None => (key.as_str(), false),
            };
            if !METRIC_CONDITIONS.contains(&name) {
                return Err(invalid(
                    at(&key),
                    format!(
                        "unknown key {key:?} in [verify.metrics]; the conditions are {} (a PromQL query), each with NAME-max (a threshold)",
                        METRIC_CONDITIONS.join(", ")
                    ),
                ));
            }
            match (is_max, value) {
                (false, toml::Value::String(q)) if !q.trim().is_empty() => {
                    verify_metrics.queries.insert(name.to_string(), q);
                }
                (true, toml::Value::Integer(n)) if n >= 0 => {
                    verify_metrics.thresholds.insert(name.to_string(), n as f64);
                }
                (true, toml::Value::Float(n)) if n.is_finite() && n >= 0.0 => {
                    verify_metrics.thresholds.insert(name.to_string(), n);
                }
                (false, _) => {
                    return Err(invalid(
                        at(&key),
                        format!("{key} in [verify.metrics] must be a non-empty PromQL string"),
                    ))
                }
                (true, _) => {
                    return Err(invalid(
                        at(&key),
                        format!("{key} in [verify.metrics] must be a number at or above 0"),
                    ))
                }
            }
        }
        Ok(Config {
            verify_metrics,
            source: Some(path.to_path_buf()),
            fail_on,
            ignore_paths,
            max_file_size: raw.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            baseline: raw.baseline.map(PathBuf::from),
            allow_floating: raw.models.allow_floating,
            max_tokens_cap: raw.models.max_tokens_cap,
            expected_models: raw.models.expected,
            judge_test_code,
            checks,
        })
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Where `needle` first occurs at or after `from`, skipping occurrences on comment lines
/// and after a `#` on their line (a value quoted with a `#` inside is rare in this file).
fn find_outside_comments(text: &str, needle: &str, from: usize) -> Option<std::ops::Range<usize>> {
    let mut pos = from;
    while let Some(i) = text.get(pos..)?.find(needle) {
        let at = pos + i;
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        if !text[line_start..at].contains('#') {
            return Some(at..at + needle.len());
        }
        pos = at + needle.len();
    }
    None
}

/// The check id closest to `given` by edit distance, when close enough to be a typo.
fn closest_check_id(given: &str) -> Option<&'static str> {
    CheckId::ALL
        .iter()
        .map(|id| (edit_distance(given, id.as_str()), id.as_str()))
        .filter(|(d, id)| *d <= (id.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, id)| id)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config, ConfigError> {
        Config::parse(s, Path::new(".mistral-gate.toml"))
    }

    #[test]
    fn verify_metrics_are_strict() {
        let c =
            parse("[verify.metrics]\nerror-rate = 'sum(x)'\nerror-rate-max = 3\ncost-max = 2.5\n")
                .unwrap();
        assert_eq!(c.verify_metrics.queries["error-rate"], "sum(x)");
        assert_eq!(c.verify_metrics.thresholds["error-rate"], 3.0);
        assert_eq!(c.verify_metrics.thresholds["cost"], 2.5);
        for bad in [
            "[verify.metrics]\nerrors = 'x'\n",
            "[verify.metrics]\nerror-rate = 3\n",
            "[verify.metrics]\nerror-rate = ' '\n",
            "[verify.metrics]\nauth-max = -1\n",
            "[verify.metrics]\nauth-max = 'x'\n",
            "[verify]\nwindow = '10m'\n",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_key_names_the_line() {
        let err = parse("fail-on = \"error\"\n\n[models]\nallow-flaoting = []\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("allow-flaoting"), "{err}");
    }

    #[test]
    fn unknown_check_id_is_an_error() {
        let err = parse("[checks.no-such-check]\nenabled = false\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown check id") && err.contains("line 1"),
            "{err}"
        );
    }

    #[test]
    fn a_typo_in_a_check_id_suggests_the_closest_one() {
        let err = parse("# [checks.max-tokens-sett] in a comment\n\n[checks.max-tokens-sett]\nenabled = false\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("did you mean \"max-tokens-set\"?"), "{err}");
        let err = parse("[checks.zzz]\n").unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
        assert_eq!(
            closest_check_id("retry-backof"),
            Some(crate::vocab::CheckId::RetryBackoff.as_str())
        );
        assert_eq!(
            closest_check_id("circuitbreaker"),
            Some(crate::vocab::CheckId::CircuitBreaker.as_str())
        );
    }

    #[test]
    fn a_bad_severity_points_at_its_own_line() {
        let err = parse("[checks.circuit-breaker]\nenabled = true\nseverity = \"fatal\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn bad_severity_and_fail_on_rejected() {
        assert!(parse("fail-on = \"sometimes\"").is_err());
        assert!(parse("[checks.circuit-breaker]\nseverity = \"fatal\"").is_err());
        assert!(parse("ignore-paths = [\"a[\"]").is_err());
    }

    #[test]
    fn full_config_validates() {
        let c = parse(
            "fail-on = \"warning\"\nignore-paths = [\"tests/fixtures\"]\nmax-file-size = 1000\n\
             [models]\nallow-floating = [\"mistral-small-latest\"]\nmax-tokens-cap = 4096\nexpected = [\"mistral-large-2512\"]\n\
             [checks.circuit-breaker]\nseverity = \"error\"\n[checks.escalation-doc]\nenabled = false\n\
             [checks.no-hardcoded-secrets]\nignore-paths = [\"docs/**\"]\n",
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(FailOn::Warning));
        assert!(c.ignore_paths.is_match("tests/fixtures/a/b.ts"));
        assert_eq!(c.max_file_size, 1000);
        assert_eq!(c.max_tokens_cap, Some(4096));
        assert_eq!(
            c.check(crate::vocab::CheckId::CircuitBreaker.as_str())
                .severity,
            Some(Severity::Error)
        );
        assert!(
            !c.check(crate::vocab::CheckId::EscalationDoc.as_str())
                .enabled
        );
        assert!(c
            .check(crate::vocab::CheckId::NoHardcodedSecrets.as_str())
            .ignores_path("docs/setup.md"));
        assert!(!c
            .check(crate::vocab::CheckId::KeyValid.as_str())
            .ignores_path("docs/setup.md"));
    }
}
