//! The pipeline, end to end: config → walk → facts (+ live key validation) → checks → report.
//!
//! Everything here is ordinary data flow; `main` only parses arguments, calls [`run`],
//! writes the outputs and maps the outcome to an exit code.

use std::path::PathBuf;

use crate::baseline::{Baseline, BaselineError};
use crate::checks;
use crate::config::{Config, ConfigError};
use crate::facts::{self, Facts};
use crate::live::{self, LiveFacts, LiveOptions, LiveState};
use crate::report::{FailOn, GatePolicy, Report};
use crate::walk::{self, WalkError};

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
}

pub fn run(opts: &Options) -> Result<Report, GateError> {
    let config = Config::load(&opts.root, opts.config.as_deref())?;
    // Read the baseline before the walk: a bad one is a configuration error (exit 2).
    let baseline = match opts.baseline.clone().or_else(|| config.baseline.as_ref().map(|b| opts.root.join(b))) {
        Some(_) if opts.ignore_baseline => Baseline::default(),
        Some(path) => Baseline::load(&path)?,
        None => Baseline::default(),
    };
    if let Some(note) = baseline.note() {
        eprintln!("mistral-gate: {note}");
    }
    let (files, skipped, scanned) = walk::walk(&opts.root, &config, facts::analyze_file)?;
    let mut facts = Facts::assemble(files, &skipped);
    // After the walk, so that a repository that cannot be read costs no API call.
    facts.live = if opts.offline { LiveFacts::new(LiveState::Offline) } else { live::validate(&opts.live) };
    let mut results = checks::run_all(&facts, &config, time::OffsetDateTime::now_utc());
    baseline.apply(&mut results);
    let policy = GatePolicy { fail_on: opts.fail_on.or(config.fail_on).unwrap_or(FailOn::Error), strict: opts.strict };
    Ok(Report::new(results, skipped, scanned, policy))
}
