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

    /// Read PATH/.mistral-gate.toml as it is in commit REF of PATH's git repository
    /// instead of the working tree (extension): a pull request cannot loosen the gate
    /// through its own config. No config at REF means no repository config is used.
    #[arg(long, value_name = "REF", conflicts_with = "config")]
    pub config_ref: Option<String>,

    /// Where the repository's config comes from (extension, for the GitHub Action):
    /// `head` the working tree; `base` the pull request's base commit
    /// (`pull_request.base.sha` of GITHUB_EVENT_PATH, or --config-ref when given).
    #[arg(long, value_enum, value_name = "FROM", default_value_t = ConfigFrom::Head)]
    pub config_from: ConfigFrom,

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

    /// In GitHub Actions: create or update the one sticky pull-request comment.
    #[arg(long)]
    pub pr_comment: bool,

    /// When --pr-comment writes (extension): `on-failure` creates the comment only for a
    /// failing run and still updates an existing one; `off` writes none.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = CommentModeArg::Always)]
    pub comment_mode: CommentModeArg,

    /// Tells apart runs of one job that would share a comment, such as matrix legs
    /// (extension): each key gets its own comment.
    #[arg(long, value_name = "KEY")]
    pub comment_key: Option<String>,

    /// Colour in the text report.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFrom {
    Head,
    Base,
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
pub enum CommentModeArg {
    Always,
    OnFailure,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Drops `--name=` arguments whose value is empty, so that a caller forwarding an unset
/// input (the GitHub Action's `--config=${{ inputs.config }}`) gets the default instead
/// of a usage error. Only the `=` form: `--config ""` is still an error.
pub fn without_empty_options<I: IntoIterator<Item = std::ffi::OsString>>(
    args: I,
) -> Vec<std::ffi::OsString> {
    let mut past_separator = false;
    args.into_iter()
        .filter(|a| {
            if a == "--" {
                past_separator = true;
            }
            let s = a.to_string_lossy();
            past_separator
                || !(s.starts_with("--")
                    && s.len() > 3
                    && s.ends_with('=')
                    && s.matches('=').count() == 1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_equals_options_are_dropped() {
        let args = [
            "mistral-gate",
            "check",
            "--config=",
            "--fail-on=warning",
            ".",
            "--",
            "--junit=",
        ]
        .map(std::ffi::OsString::from);
        let kept: Vec<_> = without_empty_options(args)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect();
        assert_eq!(
            kept,
            [
                "mistral-gate",
                "check",
                "--fail-on=warning",
                ".",
                "--",
                "--junit="
            ]
        );
    }
}
