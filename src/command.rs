//! The `check` command: from parsed arguments to a written report and a verdict.
//!
//! Everything between the command line and the pipeline lives here: keys from the
//! environment (refused when malformed, masked first in GitHub Actions), live options,
//! the config from a commit (`--config-ref`, `--config-from base`), the reports to write
//! (checked before the run, written atomically), stdout, and the GitHub publishing step.
//! `main` only maps the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::cli::{CheckArgs, Color, CommentModeArg, ConfigFrom, FailOnArg, Format};
use crate::gate::{self, BaseRequest, Options};
use crate::git_tree::{self, ConfigAtRef};
use crate::github::{self, CommentMode, Publish};
use crate::live::{ApiKey, ApiUrl, LiveOptions, Timing, TIMING_ENV};
use crate::report::{self, FailOn, Verdict};
use crate::report_file::{self, Target};

/// Runs `mistral-gate check`. An `Err` is a usage or configuration error (exit 2).
pub fn check(args: &CheckArgs) -> anyhow::Result<Verdict> {
    // A malformed key stops the run before anything could print (or half-mask) it.
    let primary = ApiKey::from_env("MISTRAL_API_KEY", std::env::var("MISTRAL_API_KEY").ok())?;
    let fallback = ApiKey::from_env(
        "MISTRAL_FALLBACK_API_KEY",
        std::env::var("MISTRAL_FALLBACK_API_KEY").ok(),
    )?;
    // Before any work: a report that could not be written must not cost a run.
    report_file::check_targets(&report_targets(args))?;
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
        config_at_ref: config_at_ref(args)?,
        base: base_request(args),
        fail_on_new: args.fail_on_new,
        in_github_actions: std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true"),
    };
    let mut report = gate::run(&opts)?;
    report.scope = crate::repo_root::scope(&args.path);
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
                Color::Auto => report::text::color_from_env(
                    |v| std::env::var(v).ok(),
                    std::io::stdout().is_terminal(),
                ),
            };
            report::text::render(
                &report,
                &report::text::TextOptions {
                    color,
                    path_prefix: shown_prefix(&args.path),
                },
            )
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

/// PATH as the user can reuse it from the current directory (`services/api/`), so that
/// the text report's paths open from where the user stands; empty for `.`. An absolute
/// PATH inside the current directory is made relative; one outside it stays absolute.
fn shown_prefix(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = match cwd.as_deref() {
        Some(cwd) if path.is_absolute() => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    let mut out = String::new();
    for c in rel.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::RootDir => out.push('/'),
            other => {
                out.push_str(&other.as_os_str().to_string_lossy());
                out.push('/');
            }
        }
    }
    out
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
    Ok(report_file::write_atomic(path, contents.as_bytes())?)
}

/// Every file the run writes, with the flag that names it.
fn report_targets(args: &CheckArgs) -> Vec<Target> {
    [
        ("--json", &args.json),
        ("--junit", &args.junit),
        ("--markdown", &args.markdown),
        ("--sarif", &args.sarif),
        ("--write-baseline", &args.write_baseline),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.clone().map(|path| Target { flag, path }))
    .collect()
}

/// The config read from a commit instead of the working tree, when asked for:
/// `--config-ref REF`, or `--config-from base` with the pull request's base commit.
fn config_at_ref(args: &CheckArgs) -> anyhow::Result<Option<ConfigAtRef>> {
    let reference = match (&args.config_ref, args.config_from) {
        (Some(r), _) => r.clone(),
        (None, ConfigFrom::Head) => return Ok(None),
        (None, ConfigFrom::Base) => match pull_request_base()? {
            Some(sha) => sha,
            None => {
                eprintln!("mistral-gate: config-from base: this run is not for a pull request, so the working tree's config is used (it is the branch's own)");
                return Ok(None);
            }
        },
    };
    if args.config.is_some() {
        anyhow::bail!("--config names the config file; it cannot be combined with --config-ref or --config-from base");
    }
    Ok(Some(git_tree::config_at(&args.path, &reference)?))
}

/// What to mark findings new or existing against: `--base REF`; else, in GitHub Actions
/// on a pull request, its base commit (or why there is none to compare with).
fn base_request(args: &CheckArgs) -> BaseRequest {
    if let Some(r) = args.base.as_deref().filter(|r| !r.trim().is_empty()) {
        return BaseRequest::Ref(r.to_string());
    }
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
        return BaseRequest::None;
    }
    match pull_request_base() {
        Ok(Some(sha)) => BaseRequest::Ref(sha),
        Ok(None) => BaseRequest::None,
        Err(_) => BaseRequest::Unknown(
            "the event payload names no pull-request base commit (a fork's workflow_run lists no pull request); pass --base REF".to_string(),
        ),
    }
}

/// `pull_request.base.sha` of the event payload (`GITHUB_EVENT_PATH`), for pull-request
/// events. `None` for other events (push, schedule); an error for a pull-request event
/// whose payload does not name its base, so that `config-from: base` never silently
/// falls back to the pull request's own config.
fn pull_request_base() -> anyhow::Result<Option<String>> {
    let event = std::env::var("GITHUB_EVENT_NAME").unwrap_or_default();
    let pr_event = matches!(
        event.as_str(),
        "pull_request" | "pull_request_target" | "workflow_run"
    );
    let payload = std::env::var_os("GITHUB_EVENT_PATH").and_then(|p| {
        let text = std::fs::read(&p).ok()?;
        serde_json::from_slice::<serde_json::Value>(&text).ok()
    });
    let base = payload.as_ref().and_then(|v| {
        v.pointer("/pull_request/base/sha")
            .or_else(|| v.pointer("/workflow_run/pull_requests/0/base/sha"))
            .and_then(|s| s.as_str())
            .map(str::to_string)
    });
    match base {
        Some(sha) if git_tree::is_object_id(&sha) => Ok(Some(sha)),
        Some(other) => anyhow::bail!("config-from base: the event payload's base commit {other:?} is not a commit id"),
        None if pr_event || payload.as_ref().is_some_and(|v| v.get("pull_request").is_some()) => anyhow::bail!(
            "config-from base: the {event} event payload names no base commit (a fork's workflow_run lists no pull request); pass --config-ref REF"
        ),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::shown_prefix;
    use std::path::Path;

    #[test]
    fn paths_are_shown_from_where_the_user_stands() {
        assert_eq!(shown_prefix(Path::new(".")), "");
        assert_eq!(shown_prefix(Path::new("./services/api")), "services/api/");
        assert_eq!(shown_prefix(Path::new("services/api/")), "services/api/");
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(shown_prefix(&cwd.join("sub")), "sub/");
        assert_eq!(shown_prefix(&cwd), "");
        assert_eq!(
            shown_prefix(Path::new("/elsewhere/repo")),
            "/elsewhere/repo/"
        );
    }
}
