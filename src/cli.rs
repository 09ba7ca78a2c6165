//! The command line (clap definitions only). The contract is CHECKS.md's
//! "command-line and report contract"; flags beyond it are documented in the README.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "mistral-gate", version, about = "Executes the Mistral AI production checklist on a repository", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a repository against the production checklist.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Repository to check.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Configuration file [default: PATH/.mistral-gate.toml when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// What goes to stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Also write the JSON report (schema 1) to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Also write the Markdown report (the PR comment body) to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Also write a SARIF 2.1.0 report (for code scanning) to FILE.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,

    /// `warn` and `error` statuses also fail the gate.
    #[arg(long)]
    pub strict: bool,

    /// Lowest severity of a failed check that fails the gate [default: config's fail-on, else error].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOnArg>,

    /// Make no Mistral API calls: the live key checks report skip.
    #[arg(long)]
    pub offline: bool,

    /// Accept the findings listed in FILE (overrides the config's `baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write a baseline accepting every current finding to FILE, then exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Mistral API base for the live key checks. Only https, except loopback addresses
    /// (tests). Never read from the scanned repository.
    #[arg(long, value_name = "URL", env = "MISTRAL_API_URL", default_value = crate::live::DEFAULT_API_URL)]
    pub api_url: String,

    /// Colour in the text report.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}
