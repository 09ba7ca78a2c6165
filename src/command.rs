//! The `check` command: from parsed arguments to a written report and a verdict.
//!
//! Everything between the command line and the pipeline lives here: keys from the
//! environment (masked first in GitHub Actions), live options, the reports to write,
//! stdout, and the GitHub publishing step. `main` only maps the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::cli::{CheckArgs, Color, CommentModeArg, FailOnArg, Format};
use crate::gate::{self, Options};
use crate::github::{self, CommentMode, Publish};
use crate::live::{ApiKey, ApiUrl, LiveOptions, Timing, TIMING_ENV};
use crate::report::{self, FailOn, Verdict};

/// Runs `mistral-gate check`. An `Err` is a usage or configuration error (exit 2).
pub fn check(args: &CheckArgs) -> anyhow::Result<Verdict> {
    let primary = ApiKey::from_env_value(std::env::var("MISTRAL_API_KEY").ok());
    let fallback = ApiKey::from_env_value(std::env::var("MISTRAL_FALLBACK_API_KEY").ok());
    if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
        register_masks([&primary, &fallback].into_iter().flatten(), args.format)?;
    }
    let live = LiveOptions {
        api_url: ApiUrl::parse(&args.api_url)?,
        primary,
        fallback,
        timing: match std::env::var(TIMING_ENV) {
            Ok(spec) => Timing::with_override(&spec)?,
            Err(_) => Timing::DEFAULT,
        },
    };
    let opts = Options {
        root: args.path.clone(),
        config: args.config.clone(),
        fail_on: args.fail_on.map(|f| match f {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Never => FailOn::Never,
        }),
        strict: args.strict,
        offline: args.offline,
        baseline: args.baseline.clone(),
        ignore_baseline: args.write_baseline.is_some(),
        live,
    };
    let report = gate::run(&opts)?;
    if let Some(p) = &args.write_baseline {
        write_file(p, &crate::baseline::Baseline::render(&report.checks))?;
        eprintln!(
            "mistral-gate: wrote a baseline of the current findings to {}",
            p.display()
        );
        return Ok(Verdict::Pass);
    }

    if let Some(p) = &args.json {
        write_file(p, &report::json::render(&report))?;
    }
    if let Some(p) = &args.junit {
        write_file(
            p,
            &report::junit::render(&report, time::OffsetDateTime::now_utc()),
        )?;
    }
    if let Some(p) = &args.markdown {
        write_file(p, &report::markdown::render(&report, &Default::default()))?;
    }
    if let Some(p) = &args.sarif {
        write_file(p, &report::sarif::render(&report))?;
    }
    let stdout = match args.format {
        Format::Json => report::json::render(&report),
        Format::Text => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            report::text::render(&report, color)
        }
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(stdout.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`| head`) is the reader's choice, not a gate failure.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(anyhow::anyhow!("cannot write to stdout: {e}"));
        }
    }
    // Last, so the summary and outputs name every report written. Never fails the run.
    github::publish(&report, &publish_request(args));
    Ok(report.verdict)
}

/// In GitHub Actions, registers each key as a secret with `::add-mask::` before anything
/// else is printed, so the runner masks it in every later log line (ours, and those of
/// any other step). This is the only place a full key is ever written, on purpose: the
/// runner consumes the command and does not show it. It goes to stdout, where workflow
/// commands are documented; with `--format json` it goes to stderr instead (the runner
/// reads commands there too), so stdout stays one JSON document and a report redirected
/// to a file never holds a key.
fn register_masks<'a>(
    keys: impl Iterator<Item = &'a ApiKey>,
    format: Format,
) -> anyhow::Result<()> {
    let commands: String = keys
        .map(|k| format!("::add-mask::{}\n", k.expose()))
        .collect();
    let written = if format == Format::Json {
        std::io::stderr().lock().write_all(commands.as_bytes())
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(commands.as_bytes()).and_then(|_| out.flush())
    };
    written.map_err(|e| anyhow::anyhow!("cannot register the keys with ::add-mask:: ({e}); stopping before anything could show them"))
}

fn publish_request(args: &CheckArgs) -> Publish {
    let reports = [
        ("json-report", &args.json),
        ("junit-report", &args.junit),
        ("markdown-report", &args.markdown),
        ("sarif-report", &args.sarif),
    ];
    Publish {
        pr_comment: args.pr_comment,
        comment_mode: match args.comment_mode {
            CommentModeArg::Always => CommentMode::Always,
            CommentModeArg::OnFailure => CommentMode::OnFailure,
            CommentModeArg::Off => CommentMode::Off,
        },
        comment_key: args.comment_key.clone(),
        root: args.path.clone(),
        reports: reports
            .into_iter()
            .filter_map(|(name, p)| p.clone().map(|p| (name, p)))
            .collect(),
    }
}

fn write_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents)
        .map_err(|e| anyhow::anyhow!("cannot write report {}: {e}", path.display()))
}
