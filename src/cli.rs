//! The command line (clap definitions only). The contract is CHECKS.md's
//! "command-line and report contract"; flags beyond it are documented in the README.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "mistral-gate", version, about = "Executes the Mistral AI production checklist on a repository", long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Shown under `--help`: what a first-time user looks for and cannot guess.
const AFTER_HELP: &str = "\
Environment:
  MISTRAL_API_KEY           the key the live checks validate (never printed beyond its last 4 characters)
  MISTRAL_FALLBACK_API_KEY  the fallback key (fallback-key check)
  MISTRAL_API_URL           Mistral API base (same as --api-url)
  NO_COLOR, FORCE_COLOR, CLICOLOR  colour of the text report (--color auto)

Exit codes:
  0  the gate passed (also: nothing to check, no Mistral API usage found)
  1  the gate failed: a blocking finding
  2  usage or configuration error (bad flag, invalid config or baseline, nothing to scan)

Reference of every check: docs/checks.md";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a repository against the production checklist.
    #[command(after_help = AFTER_HELP)]
    Check(CheckArgs),
    /// Verify a running deployment: health, smoke request, alert-table metrics
    /// (checklist step 5; step 6, the rollback, with --rollback). See docs/deploy.md.
    Verify(VerifyArgs),
    /// Roll a new image out gradually: set it, pause on the canary, watch, resume or
    /// roll back (checklist step 4, with 5 and 6). See docs/deploy.md.
    Rollout(RolloutArgs),
}

/// Options of `verify`, shared by `rollout` (CHECKS.md "After the deploy").
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// Base URL of the running service (http or https).
    #[arg(long, value_name = "BASE_URL")]
    pub url: String,

    /// Health endpoint, relative to --url.
    #[arg(long, value_name = "PATH", default_value = "/health")]
    pub health_path: String,

    /// Smoke route (POST), relative to --url; no smoke request when absent.
    #[arg(long, value_name = "PATH")]
    pub smoke_path: Option<String>,

    /// JSON body of the smoke request.
    #[arg(
        long,
        value_name = "JSON",
        default_value = r#"{"messages":[{"role":"user","content":"ping"}]}"#
    )]
    pub smoke_body: String,

    /// JSON pointer that must hold a non-empty value in the smoke answer.
    #[arg(
        long,
        value_name = "POINTER",
        default_value = "/choices/0/message/content"
    )]
    pub smoke_expect: String,

    /// How long to watch (`90s`, `10m`, `1h`; a bare number is seconds). 0: one round.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub window: Option<std::time::Duration>,

    /// Time between health probes while watching.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "60s")]
    pub interval: std::time::Duration,

    /// Health latency above this is `warn`.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub max_latency_ms: u64,

    /// Time limit of one probe attempt (extension).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    pub probe_timeout: std::time::Duration,

    /// Prometheus HTTP API base URL for the alert-table conditions.
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,

    /// The Kubernetes Deployment.
    #[arg(long, value_name = "NAME")]
    pub deployment: Option<String>,

    /// Its namespace [default: the context's, else `default`].
    #[arg(long, value_name = "NS", requires = "deployment")]
    pub namespace: Option<String>,

    /// The kubeconfig context [default: the current context].
    #[arg(long, value_name = "CTX", requires = "deployment")]
    pub context: Option<String>,

    /// How long a rollout or a rollback may take to complete (extension).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10m")]
    pub rollout_timeout: std::time::Duration,

    /// On failure, roll the Deployment back (`kubectl rollout undo`) and verify again.
    #[arg(long, requires = "deployment")]
    pub rollback: bool,

    /// Configuration file ([verify.metrics], [checks.<id>] severities, fail-on).
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

    /// Also write the Markdown report to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// `warn` statuses also fail the run.
    #[arg(long)]
    pub strict: bool,

    /// Lowest severity of a failed check that fails the run [default: config's fail-on, else error].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOnArg>,

    /// In GitHub Actions: create or update the one sticky pull-request comment.
    #[arg(long)]
    pub pr_comment: bool,

    /// When --pr-comment writes: `on-failure` or `off`.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = CommentModeArg::Always)]
    pub comment_mode: CommentModeArg,

    /// Tells apart runs that would share a comment.
    #[arg(long, value_name = "KEY")]
    pub comment_key: Option<String>,

    /// Colour in the text report.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// Options of `rollout`: the new image, then everything `verify` takes.
#[derive(Debug, Clone, clap::Args)]
pub struct RolloutArgs {
    /// The image to roll out.
    #[arg(long, value_name = "IMAGE")]
    pub image: String,

    /// The container to set it on [default: the pod's only container].
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,

    #[command(flatten)]
    pub verify: VerifyArgs,
}

/// A duration as the docs write it: `500ms`, `90s`, `10m`, `1h`, or a bare number of
/// seconds. At most 24 hours: a longer watch is a typo, not a plan.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (like 90s, 10m, 1h)"))?;
    let seconds = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{text:?}: the unit must be ms, s, m or h")),
    };
    if !seconds.is_finite() || seconds > 86_400.0 {
        return Err(format!("{text:?} is longer than 24h"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
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

    /// Mark each finding new or existing against commit, branch or tag REF of PATH's git
    /// repository [default in GitHub Actions on a pull request: its base commit]. A REF
    /// that cannot be read is reported, not an error: the reports say why.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,

    /// Only new blocking findings fail the gate (existing ones are still reported).
    #[arg(long)]
    pub fail_on_new: bool,

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
    fn durations_parse_in_the_docs_units() {
        use std::time::Duration;
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "m", "10x", "-1s", "25h", "1e9", "NaN"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

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
