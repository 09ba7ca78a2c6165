//! Thin entry point: parse arguments, run the gate, write outputs, own the exit code.
//!
//! Exit codes (CHECKS.md): 0 the gate passed, 1 the gate failed, 2 usage or
//! configuration error (including a report file that cannot be written).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use mistral_gate::cli::{self, CheckArgs, Cli, Color, Command, CommentModeArg, FailOnArg, Format};
use mistral_gate::gate::{self, Options};
use mistral_gate::github::{self, CommentMode, Publish};
use mistral_gate::report::{self, FailOn, Verdict};

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(cli::without_empty_options(std::env::args_os())) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Check(args) => match check(&args) {
            Ok(Verdict::Pass) => ExitCode::SUCCESS,
            Ok(Verdict::Fail) => ExitCode::from(1),
            Err(e) => {
                eprintln!("mistral-gate: error: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<Verdict> {
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
    };
    let report = gate::run(&opts)?;
    if let Some(p) = &args.write_baseline {
        write_file(p, &mistral_gate::baseline::Baseline::render(&report.checks))?;
        eprintln!("mistral-gate: wrote a baseline of the current findings to {}", p.display());
        return Ok(Verdict::Pass);
    }

    if let Some(p) = &args.json {
        write_file(p, &report::json::render(&report))?;
    }
    if let Some(p) = &args.junit {
        write_file(p, &report::junit::render(&report, time::OffsetDateTime::now_utc()))?;
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
                Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
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

fn publish_request(args: &CheckArgs) -> Publish {
    let reports = [("json-report", &args.json), ("junit-report", &args.junit), ("markdown-report", &args.markdown), ("sarif-report", &args.sarif)];
    Publish {
        pr_comment: args.pr_comment,
        comment_mode: match args.comment_mode {
            CommentModeArg::Always => CommentMode::Always,
            CommentModeArg::OnFailure => CommentMode::OnFailure,
            CommentModeArg::Off => CommentMode::Off,
        },
        comment_key: args.comment_key.clone(),
        root: args.path.clone(),
        reports: reports.into_iter().filter_map(|(name, p)| p.clone().map(|p| (name, p))).collect(),
    }
}

fn write_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).map_err(|e| anyhow::anyhow!("cannot write report {}: {e}", path.display()))
}
