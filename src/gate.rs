//! The pipeline, end to end: config → walk → facts (+ live key validation) → checks → report.
//!
//! Everything here is ordinary data flow; `main` only parses arguments, calls [`run`],
//! writes the outputs and maps the outcome to an exit code.

use std::path::{Path, PathBuf};

use crate::baseline::{Baseline, BaselineError};
use crate::checks;
use crate::config::{Config, ConfigError, DEFAULT_MAX_FILE_SIZE};
use crate::diff;
use crate::facts::{self, Facts};
use crate::live::{self, LiveFacts, LiveOptions, LiveState};
use crate::report::{
    CheckResult, Comparison, ConfigSource, FailOn, GatePolicy, Report, Suppression,
};
use crate::vocab::CheckId;
use crate::walk::{self, WalkError, Walked};

/// What the caller asks for.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub config: Option<PathBuf>,
    pub fail_on: Option<FailOn>,
    pub strict: bool,
    pub offline: bool,
    /// Baseline file given on the command line (overrides the config's `baseline`).
    pub baseline: Option<PathBuf>,
    /// Report every finding, baselined or not (to write a new baseline).
    pub ignore_baseline: bool,
    /// API base, keys and time limits for the live key checks (unused with `offline`).
    pub live: LiveOptions,
    /// The config as it is in a commit (`--config-ref`, `config-from: base`), read instead
    /// of the working tree's.
    pub config_at_ref: Option<crate::git_tree::ConfigAtRef>,
    /// What to compare with, to mark each finding new or existing (`--base`).
    pub base: BaseRequest,
    /// `--fail-on-new`: only new blocking findings fail the gate.
    pub fail_on_new: bool,
    /// The run is a GitHub Actions job (`GITHUB_ACTIONS=true`).
    pub in_github_actions: bool,
}

/// What `--base` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BaseRequest {
    /// No comparison.
    #[default]
    None,
    /// Compare with the repository at this commit, branch or tag.
    Ref(String),
    /// A comparison was expected (a pull request) but there is no base to read: the
    /// reports say why new and existing cannot be told apart.
    Unknown(String),
}

/// Why the gate could not run at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// PATH holds no file to scan: a gate pointed at the wrong folder must not go green.
    #[error("nothing to scan: {0}")]
    NothingToScan(String),
}

pub fn run(opts: &Options) -> Result<Report, GateError> {
    let repo = walk::open_root(&opts.root)?;
    let config = match &opts.config_at_ref {
        Some(at) => at.config(),
        None => Config::load(&repo, opts.config.as_deref())?,
    };
    // Read the baseline before the walk: a bad one is a configuration error (exit 2).
    let (baseline, baseline_name) = match (&opts.baseline, &config.baseline) {
        _ if opts.ignore_baseline => (Baseline::default(), None),
        (Some(path), _) => (Baseline::load(path)?, Some(path.display().to_string())),
        // Named by the config, relative to PATH: the repository's rules apply.
        (None, Some(rel)) => (
            Baseline::load_in_repo(&repo, rel)?,
            Some(rel.display().to_string()),
        ),
        (None, None) => (Baseline::default(), None),
    };
    if let Some(note) = baseline.note() {
        eprintln!("mistral-gate: {note}");
    }
    // The baseline file lists fingerprints (a key's last 4 characters among them): it is
    // the gate's own file, not the repository's code, so it is not scanned.
    let baseline_rel = baseline_path_in(&repo, &opts.root, opts.baseline.as_deref(), &config);
    let walked = walk::walk(&repo, &config, |file: &walk::SourceFile| {
        if baseline_rel.as_deref() == Some(file.path) {
            facts::analyze_file(&walk::SourceFile {
                path: file.path,
                text: "",
            })
        } else {
            facts::analyze_file(file)
        }
    });
    nothing_to_scan(&opts.root, &config, &walked)?;
    let mut facts = Facts::assemble(walked.files, &walked.skipped);
    if config.judge_test_code {
        facts.code.judge_test_code();
    }
    // After the walk, so that a repository that cannot be read costs no API call.
    facts.live = if opts.offline {
        LiveFacts::new(LiveState::Offline)
    } else {
        live::validate(&opts.live)
    }
    .in_github_actions(opts.in_github_actions);
    let now = time::OffsetDateTime::now_utc();
    let mut results = checks::run_all(&facts, &config, now);
    let mistral_usage = facts.code.uses_mistral();
    // The base is analysed with the same config, limits and key results (the keys are
    // the environment's, not the repository's), so only the code can differ.
    let comparison = match &opts.base {
        BaseRequest::None => Comparison::NotAsked,
        BaseRequest::Unknown(reason) => Comparison::Unknown {
            reason: reason.clone(),
        },
        BaseRequest::Ref(reference) => {
            let analyse = |dir: &Path| {
                results_for_tree(dir, &config, &facts.live, now).map_err(|e| e.to_string())
            };
            match diff::results_at(&opts.root, reference, config.max_file_size, analyse) {
                Ok((commit, base)) => {
                    diff::mark(&mut results, &base);
                    Comparison::Compared {
                        reference: reference.clone(),
                        commit,
                    }
                }
                Err(e) => Comparison::Unknown {
                    reason: e.to_string(),
                },
            }
        }
    };
    let before_baseline = baseline_name.as_ref().map(|_| results.clone());
    baseline.apply(&mut results);

    // The config in force: read from a commit (`--config-ref`/`--config-from base`, said
    // even when absent there), named on the command line, or found in the repository.
    let config_entry = match &opts.config_at_ref {
        Some(at) => Some(at.suppression()),
        None => config.source.as_ref().map(|path| Suppression::Config {
            path: path.display().to_string(),
            source: if opts.config.is_some() {
                ConfigSource::CommandLine
            } else {
                ConfigSource::Repository
            },
        }),
    };
    let mut suppressed = from_config(
        &config,
        config_entry,
        &walked.excluded_by_pattern,
        &walked.ignored_by_check,
        walked.too_large,
    );
    suppressed.extend(
        facts
            .suppressions
            .silenced()
            .into_iter()
            .map(|(check, path, line)| Suppression::InlineIgnore { check, path, line }),
    );
    if let (Some(before), Some(name)) = (before_baseline, baseline_name) {
        suppressed.extend(accepted_by_baseline(&before, &results, &name));
    }
    let policy = GatePolicy {
        fail_on: opts.fail_on.or(config.fail_on).unwrap_or(FailOn::Error),
        strict: opts.strict,
    };
    let mut report = Report::new(results, walked.skipped, walked.scanned, policy);
    report.suppressed = suppressed;
    report.mistral_usage = mistral_usage;
    report.comparison = comparison;
    report.fail_on_new = opts.fail_on_new;
    report.tally();
    Ok(report)
}

/// The checks' results for a tree on disk (the base commit, written out by
/// [`diff::results_at`]): the same walk, front-ends and checks as [`run`], with the
/// given config and key results, no baseline. `None` when the tree holds nothing to scan.
pub(crate) fn results_for_tree(
    root: &Path,
    config: &Config,
    live: &LiveFacts,
    now: time::OffsetDateTime,
) -> Result<Vec<CheckResult>, GateError> {
    let repo = walk::open_root(root)?;
    let walked = walk::walk(&repo, config, facts::analyze_file);
    let mut facts = Facts::assemble(walked.files, &walked.skipped);
    if config.judge_test_code {
        facts.code.judge_test_code();
    }
    facts.live = live.clone();
    Ok(checks::run_all(&facts, config, now))
}

/// The baseline file's path relative to PATH (`/`-separated), when it lies inside PATH.
fn baseline_path_in(
    repo: &crate::repo_fs::RepoRoot,
    root: &Path,
    given: Option<&Path>,
    config: &Config,
) -> Option<String> {
    let path = match (given, &config.baseline) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(rel)) => root.join(rel),
        (None, None) => return None,
    };
    let resolved = path.canonicalize().ok()?;
    walk::relative(repo.path(), &resolved)
}

/// Exit 2 when there is nothing to scan. Files excluded by the config still count as
/// something the repository holds, so that `ignore-paths = ["**"]` cannot turn a
/// repository into a silent pass nor into an unexplained usage error: when the config
/// excluded every file, the message names its patterns.
fn nothing_to_scan<T>(root: &Path, config: &Config, walked: &Walked<T>) -> Result<(), GateError> {
    if walked.met_nothing() {
        return Err(GateError::NothingToScan(format!(
            "{} holds no file (it is empty, or every file in it is git-ignored or in a vendored folder such as node_modules)",
            root.display()
        )));
    }
    if walked.scanned == 0 && walked.skipped.is_empty() {
        let patterns: Vec<String> = config
            .ignore_paths
            .patterns()
            .iter()
            .map(|p| format!("{p:?}"))
            .collect();
        let file = config
            .source
            .as_ref()
            .map_or_else(|| "the config".to_string(), |p| p.display().to_string());
        return Err(GateError::NothingToScan(format!(
            "all {} files of {} are excluded by ignore-paths [{}] in {file}",
            walked.excluded,
            root.display(),
            patterns.join(", ")
        )));
    }
    Ok(())
}

/// What the config in force does to weaken the gate, in the order a reviewer reads it.
fn from_config(
    config: &Config,
    config_entry: Option<Suppression>,
    excluded_by_pattern: &[usize],
    ignored_by_check: &[(String, Vec<usize>)],
    too_large: usize,
) -> Vec<Suppression> {
    let mut out: Vec<Suppression> = config_entry.into_iter().collect();
    for (id, tuning) in config.tunings() {
        if !tuning.enabled {
            out.push(Suppression::CheckDisabled {
                check: id.to_string(),
            });
        }
        if let (Some(to), Some(def)) = (tuning.severity, CheckId::parse(id).and_then(checks::find))
        {
            if to < def.severity {
                out.push(Suppression::SeverityLowered {
                    check: id.to_string(),
                    from: def.severity,
                    to,
                });
            }
        }
    }
    for (pattern, files) in config
        .ignore_paths
        .patterns()
        .iter()
        .zip(excluded_by_pattern)
    {
        out.push(Suppression::IgnoredPath {
            check: None,
            pattern: pattern.clone(),
            files: *files,
        });
    }
    for (id, counts) in ignored_by_check {
        let patterns = config
            .check(id)
            .ignore_paths()
            .map(|p| p.patterns())
            .unwrap_or_default();
        for (pattern, files) in patterns.iter().zip(counts) {
            out.push(Suppression::IgnoredPath {
                check: Some(id.clone()),
                pattern: pattern.clone(),
                files: *files,
            });
        }
    }
    if config.max_file_size < DEFAULT_MAX_FILE_SIZE {
        out.push(Suppression::MaxFileSize {
            bytes: config.max_file_size,
            files: too_large,
        });
    }
    out
}

/// The findings the baseline removed: `after` is `before` with some evidence taken out,
/// in order (the baseline only removes).
fn accepted_by_baseline(
    before: &[CheckResult],
    after: &[CheckResult],
    baseline: &str,
) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (b, a) in before.iter().zip(after) {
        if b.evidence.len() == a.evidence.len() {
            // A check with nothing to point at is accepted as a whole (its status
            // changed, its evidence did not): listed too, with no path.
            if b.status != a.status && b.findings().next().is_none() {
                out.push(Suppression::Baseline {
                    check: b.id.to_string(),
                    path: String::new(),
                    baseline: baseline.to_string(),
                });
            }
            continue;
        }
        let mut kept = a.evidence.iter().peekable();
        for e in &b.evidence {
            if kept.peek() == Some(&e) {
                kept.next();
            } else {
                out.push(Suppression::Baseline {
                    check: b.id.to_string(),
                    path: e.path.clone(),
                    baseline: baseline.to_string(),
                });
            }
        }
    }
    out
}
