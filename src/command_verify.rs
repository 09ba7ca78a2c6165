//! The `verify` and `rollout` commands: from parsed arguments to a written report, a
//! verdict, and the Deployment's state printed last.
//!
//! Shaped like `check` (src/command.rs): options validated before any network call
//! (a bad URL or pointer is exit 2), the config file read strictly, the run
//! ([`crate::deploy::watch`]), the eleven results ([`crate::deploy::checks`]), then the
//! shared report, renderers, report files and GitHub publishing. One rule differs from
//! `check`, on purpose: any `error` status (a rollback that failed, a run stopped by a
//! signal, a Prometheus that never answered) fails the run, because the deploy was not
//! verified (CHECKS.md: exit 0 only when verified).

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::cli::{Color, CommentModeArg, FailOnArg, Format, RolloutArgs, VerifyArgs};
use crate::config::Config;
use crate::deploy::probe::{ProbeSpec, Prober};
use crate::deploy::prometheus::{MetricsSpec, Prometheus};
use crate::deploy::redact::Redactor;
use crate::deploy::watch::Progress;
use crate::deploy::{self, checks, Mode, Plan, Target};
use crate::github::{self, CommentMode, Publish};
use crate::live::ApiKey;
use crate::repo_fs::RepoRoot;
use crate::report::{self, FailOn, GatePolicy, Report, Status, Verdict};
use crate::report_file::{self, Target as FileTarget};

/// `mistral-gate verify`.
pub fn verify(args: &VerifyArgs) -> anyhow::Result<Verdict> {
    run(
        args,
        Mode::Verify {
            rollback: args.rollback,
        },
    )
}

/// `mistral-gate rollout`.
pub fn rollout(args: &RolloutArgs) -> anyhow::Result<Verdict> {
    if args.verify.deployment.is_none() {
        anyhow::bail!("rollout needs --deployment NAME");
    }
    if args.image.trim().is_empty() {
        anyhow::bail!("--image is empty");
    }
    run(
        &args.verify,
        Mode::Rollout {
            image: args.image.clone(),
            container: args.container.clone(),
        },
    )
}

fn run(args: &VerifyArgs, mode: Mode) -> anyhow::Result<Verdict> {
    let keys: Vec<ApiKey> = ["MISTRAL_API_KEY", "MISTRAL_FALLBACK_API_KEY"]
        .into_iter()
        .filter_map(|v| ApiKey::from_env(v, std::env::var(v).ok()).ok().flatten())
        .collect();
    let redact = Redactor::new(&keys);
    report_file::check_targets(&targets(args))?;
    let config = match &args.config {
        Some(p) => Config::load(&RepoRoot::new(Path::new("."))?, Some(p))?,
        None => Config::load(&RepoRoot::new(Path::new("."))?, None)?,
    };
    let policy = GatePolicy {
        fail_on: match args.fail_on {
            Some(FailOnArg::Error) => FailOn::Error,
            Some(FailOnArg::Warning) => FailOn::Warning,
            Some(FailOnArg::Never) => FailOn::Never,
            None => config.fail_on.unwrap_or(FailOn::Error),
        },
        strict: args.strict,
    };
    let smoke = args
        .smoke_path
        .as_deref()
        .map(|p| (p, args.smoke_body.as_str(), args.smoke_expect.as_str()));
    let probes = ProbeSpec::new(
        &args.url,
        &args.health_path,
        smoke,
        args.probe_timeout,
        args.max_latency_ms,
    )?;
    let metrics = args
        .prometheus
        .as_deref()
        .map(|u| MetricsSpec::new(u, &config.verify_metrics, args.probe_timeout))
        .transpose()?;
    if args.interval.is_zero() {
        anyhow::bail!("--interval must be above 0");
    }
    let rollback_on = checks::DECLS
        .iter()
        .filter(|d| {
            let t = config.check(d.id.as_str());
            t.enabled && policy.fail_on.blocks(t.severity.unwrap_or(d.severity))
        })
        .map(|d| d.id)
        .collect();
    // The seed watches the canary for ten minutes; `verify` is one round unless asked.
    let window = args.window.unwrap_or(match mode {
        Mode::Rollout { .. } => std::time::Duration::from_secs(600),
        Mode::Verify { .. } => std::time::Duration::ZERO,
    });
    let plan = Plan {
        mode,
        probes: probes.clone(),
        metrics: metrics.clone(),
        deployment: args.deployment.as_ref().map(|name| Target {
            name: name.clone(),
            namespace: args.namespace.clone(),
            context: args.context.clone(),
        }),
        window,
        interval: args.interval,
        rollout_timeout: args.rollout_timeout,
        rollback_on,
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let tty = std::io::stderr().is_terminal();
    let obs = runtime.block_on(async {
        let cancel = deploy::signals::install()?;
        let prober = Prober::new(probes, redact.clone());
        let prometheus = metrics.as_ref().map(|m| Prometheus::new(m, redact.clone()));
        let mut progress = Progress::new(Box::new(std::io::stderr()), tty);
        anyhow::Ok(
            deploy::watch::run(&plan, &prober, prometheus.as_ref(), &cancel, &mut progress).await,
        )
    })?;

    let mut report = Report::new(checks::judge(&obs, &config), Vec::new(), 0, policy);
    // Not verified is not passed: an `error` fails the run whatever the policy.
    if report.checks.iter().any(|c| c.status == Status::Error) {
        for c in report.checks.iter_mut() {
            c.blocking |= c.status == Status::Error;
        }
        report.counts.blocking = report.checks.iter().filter(|c| c.blocking).count();
        report.verdict = Verdict::Fail;
    }
    write_reports(args, &report)?;
    let stdout = match args.format {
        Format::Json => report::json::render(&report),
        Format::Text => report::text::render(
            &report,
            &report::text::TextOptions {
                color: match args.color {
                    Color::Always => true,
                    Color::Never => false,
                    Color::Auto => report::text::color_from_env(
                        |v| std::env::var(v).ok(),
                        std::io::stdout().is_terminal(),
                    ),
                },
                path_prefix: String::new(),
            },
        ),
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(stdout.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(anyhow::anyhow!("cannot write to stdout: {e}"));
        }
    }
    drop(out);
    github::publish(&report, &publish_request(args));
    // Last: what the reader must know about the cluster.
    if let Some(line) = deploy::final_statement(&obs) {
        eprintln!("mistral-gate: {}", redact.show_long(&line));
    }
    Ok(report.verdict)
}

fn write_reports(args: &VerifyArgs, report: &Report) -> anyhow::Result<()> {
    let write = |p: &Path, s: String| report_file::write_atomic(p, s.as_bytes());
    if let Some(p) = &args.json {
        write(p, report::json::render(report))?;
    }
    if let Some(p) = &args.junit {
        write(
            p,
            report::junit::render(report, time::OffsetDateTime::now_utc()),
        )?;
    }
    if let Some(p) = &args.markdown {
        write(p, report::markdown::render(report, &Default::default()))?;
    }
    Ok(())
}

fn targets(args: &VerifyArgs) -> Vec<FileTarget> {
    [
        ("--json", &args.json),
        ("--junit", &args.junit),
        ("--markdown", &args.markdown),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.clone().map(|path| FileTarget { flag, path }))
    .collect()
}

fn publish_request(args: &VerifyArgs) -> Publish {
    Publish {
        pr_comment: args.pr_comment,
        comment_mode: match args.comment_mode {
            CommentModeArg::Always => CommentMode::Always,
            CommentModeArg::OnFailure => CommentMode::OnFailure,
            CommentModeArg::Off => CommentMode::Off,
        },
        comment_key: args.comment_key.clone(),
        root: std::path::PathBuf::from("."),
        reports: [
            ("json-report", &args.json),
            ("junit-report", &args.junit),
            ("markdown-report", &args.markdown),
        ]
        .into_iter()
        .filter_map(|(name, p)| p.clone().map(|p| (name, p)))
        .collect(),
    }
}
