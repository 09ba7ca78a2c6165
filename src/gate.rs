//! The pipeline, end to end: config → walk → facts → checks → report.
//!
//! Everything here is ordinary data flow; `main` only parses arguments, calls [`run`],
//! writes the outputs and maps the outcome to an exit code.

use std::path::PathBuf;

use crate::checks;
use crate::config::{Config, ConfigError};
use crate::facts::{self, Facts};
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
}

/// Why the gate could not run at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Walk(#[from] WalkError),
}

pub fn run(opts: &Options) -> Result<Report, GateError> {
    let config = Config::load(&opts.root, opts.config.as_deref())?;
    let (files, skipped, scanned) = walk::walk(&opts.root, &config, facts::analyze_file)?;
    let facts = Facts::assemble(files, &skipped);
    let results = checks::run_all(&facts, &config, time::OffsetDateTime::now_utc());
    let policy = GatePolicy { fail_on: opts.fail_on.or(config.fail_on).unwrap_or(FailOn::Error), strict: opts.strict };
    Ok(Report::new(results, skipped, scanned, policy))
}
