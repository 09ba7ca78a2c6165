//! GitHub Actions: the sticky pull-request comment, annotations, the job summary and
//! step outputs.
//!
//! This is a renderer's neighbour, not part of the pipeline: it reads the finished
//! [`Report`] and the runner's environment, and whatever goes wrong here (a read-only
//! fork token, a 5xx, an unwritable summary) is printed as a warning and never changes
//! the verdict or the exit code.
//!
//! Everything printed to stderr that quotes the environment, the repository or an API
//! answer goes through `report::safe` first: the runner reads stderr for workflow
//! commands, and the only ones the gate writes are the annotations it built.

pub mod commands;
pub mod comment;
pub mod env;
pub mod event;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::report::markdown::{self, MarkdownOptions};
use crate::report::{safe, Report, Verdict};

pub use env::ActionsEnv;

/// GitHub rejects comment bodies over 65,536 characters; the budget is in bytes, which
/// are never fewer than characters.
const COMMENT_LIMIT: usize = 65_536;
/// A step summary may hold up to 1 MiB.
const SUMMARY_LIMIT: usize = 1024 * 1024;

/// When the pull-request comment is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentMode {
    /// Every run creates or updates it.
    Always,
    /// Only a failing run creates it; a passing run still updates an existing one, so a
    /// fixed failure does not stay on the pull request.
    OnFailure,
    /// Never.
    Off,
}

/// What the command line asked of the integration.
#[derive(Debug, Clone)]
pub struct Publish {
    /// `--pr-comment`.
    pub pr_comment: bool,
    pub comment_mode: CommentMode,
    /// `--comment-key`: tells matrix legs of one job apart.
    pub comment_key: Option<String>,
    /// The scanned PATH.
    pub root: PathBuf,
    /// Reports written, as (output name, path as given).
    pub reports: Vec<(&'static str, PathBuf)>,
}

/// Runs the whole integration with the process environment, writing to stderr.
pub fn publish(report: &Report, request: &Publish) {
    let env = ActionsEnv::from_process();
    let extra = Extra {
        pr_number: std::env::var("MISTRAL_GATE_PR_NUMBER")
            .ok()
            .and_then(|n| n.trim().parse().ok()),
        comment_author: std::env::var("MISTRAL_GATE_COMMENT_AUTHOR")
            .ok()
            .filter(|s| !s.trim().is_empty()),
    };
    let mut err = std::io::stderr().lock();
    publish_with(report, request, &env, &extra, &mut err);
}

/// Variables of our own (documented in docs/github-action.md), beside the runner's.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// `MISTRAL_GATE_PR_NUMBER`, for the `workflow_run` recipe.
    pub pr_number: Option<u64>,
    /// `MISTRAL_GATE_COMMENT_AUTHOR`, for GitHub App tokens.
    pub comment_author: Option<String>,
}

fn publish_with(
    report: &Report,
    request: &Publish,
    env: &ActionsEnv,
    extra: &Extra,
    err: &mut dyn Write,
) {
    if !env.in_actions {
        if request.pr_comment && request.comment_mode != CommentMode::Off {
            let _ = writeln!(err, "mistral-gate: --pr-comment: not running in GitHub Actions (GITHUB_ACTIONS is not \"true\"): no comment written");
        }
        return;
    }
    let prefix = repo_prefix(&request.root, env.workspace.as_deref());
    let trigger = match &env.event_path {
        Some(path) => {
            event::read(env.event_name.as_deref(), path, extra.pr_number).map_err(|e| e.to_string())
        }
        None => Err("GITHUB_EVENT_PATH is not set".to_string()),
    };
    let head_sha = match &trigger {
        Ok(event::Trigger::PullRequest { head_sha, .. }) => Some(head_sha.clone()),
        _ => env.sha.clone(),
    };
    let blob_base = match (&env.repository, &head_sha) {
        (Some(repo), Some(sha)) => Some(
            format!(
                "{}/{repo}/blob/{sha}/{}",
                env.server_url,
                safe::uri_path(prefix.trim_end_matches('/'))
            )
            .trim_end_matches('/')
            .to_string(),
        ),
        _ => None,
    };
    let full_report = match env.run_url() {
        Some(url) => format!("the job summary of [this run]({url})"),
        None => "the job summary".to_string(),
    };

    let annotations = commands::annotations(report, &prefix);
    let _ = err.write_all(
        annotations
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .as_bytes(),
    );

    if let Some(path) = &env.step_summary {
        let text = markdown::render(
            report,
            &MarkdownOptions {
                blob_base: blob_base.clone(),
                budget: Some(SUMMARY_LIMIT - 2),
                full_report: Some("the JSON report (`--json FILE`)".into()),
                head: head_sha.clone(),
            },
        );
        if let Err(e) = commands::append(path, &format!("{text}\n")) {
            warn(
                err,
                &format!("cannot write the job summary {}: {e}", path.display()),
            );
        }
    }

    let mut comment_outputs: Vec<(&str, String)> = Vec::new();
    if request.pr_comment && request.comment_mode != CommentMode::Off {
        let status = match trigger {
            Err(e) => {
                warn(err, &format!("PR comment skipped: {e}"));
                "skipped"
            }
            Ok(event::Trigger::Other { event }) => {
                let _ = writeln!(err, "mistral-gate: not a pull request event ({}): no PR comment; the report is in the job summary", safe::runner(&event));
                "skipped"
            }
            Ok(event::Trigger::PullRequest {
                number,
                head_sha,
                unverified,
            }) => {
                let ctx = CommentContext {
                    report,
                    request,
                    env,
                    extra,
                    prefix: &prefix,
                    blob_base,
                    full_report: &full_report,
                };
                match ctx.post(number, &head_sha, unverified) {
                    Ok(outcome) => {
                        let (status, url) = match outcome {
                            comment::Outcome::Created { url } => ("created", Some(url)),
                            comment::Outcome::Updated { url } => ("updated", Some(url)),
                            comment::Outcome::Unchanged { url } => ("unchanged", Some(url)),
                            comment::Outcome::NotNeeded => ("skipped", None),
                        };
                        let _ = writeln!(
                            err,
                            "mistral-gate: PR comment {status}{}",
                            url.as_deref()
                                .map(|u| format!(": {}", safe::runner(u)))
                                .unwrap_or_default()
                        );
                        if let Some(url) = url.filter(|u| !u.is_empty()) {
                            comment_outputs.push(("comment-url", url));
                        }
                        status
                    }
                    Err(e) => {
                        let hint = e.hint().map(|h| format!(" ({h})")).unwrap_or_default();
                        warn(
                            err,
                            &format!(
                                "PR comment not written (the verdict is unchanged): {e}{hint}"
                            ),
                        );
                        "failed"
                    }
                }
            }
        };
        comment_outputs.push(("comment", status.to_string()));
    }

    if let Some(path) = &env.output {
        let c = &report.counts;
        let mut outputs: Vec<(&str, String)> = vec![
            ("verdict", report.verdict.as_str().to_string()),
            ("blocking", report.blocking().count().to_string()),
            ("failed", c.fail.to_string()),
            ("warnings", c.warn.to_string()),
            ("errors", c.error.to_string()),
            ("passed", c.pass.to_string()),
            ("skipped", c.skip.to_string()),
        ];
        // With a base to compare with: how many findings are new (absent otherwise, so
        // that a workflow can tell "0 new" from "not compared").
        if let crate::report::Comparison::Compared { .. } = report.comparison {
            outputs.push(("new", report.new_findings().to_string()));
        }
        outputs.extend(
            request
                .reports
                .iter()
                .map(|(name, p)| (*name, p.display().to_string())),
        );
        outputs.extend(comment_outputs);
        if let Err(e) = commands::write_outputs(path, &outputs) {
            warn(
                err,
                &format!("cannot write the step outputs {}: {e}", path.display()),
            );
        }
    }
}

fn warn(err: &mut dyn Write, message: &str) {
    let _ = writeln!(err, "{}", commands::warning(message));
}

struct CommentContext<'a> {
    report: &'a Report,
    request: &'a Publish,
    env: &'a ActionsEnv,
    extra: &'a Extra,
    prefix: &'a str,
    blob_base: Option<String>,
    full_report: &'a str,
}

impl CommentContext<'_> {
    fn post(
        &self,
        number: u64,
        head_sha: &str,
        unverified: bool,
    ) -> Result<comment::Outcome, comment::CommentError> {
        use comment::CommentError::Setup;
        let env = self.env;
        let token = env.token.clone().ok_or(Setup(
            "GITHUB_TOKEN is not set (the action passes `github-token`)",
        ))?;
        let (owner, repo) = env
            .repository
            .as_deref()
            .and_then(|r| r.split_once('/'))
            .ok_or(Setup("GITHUB_REPOSITORY is not set as owner/name"))?;
        let identity = self.identity();
        let (body, prefix) = comment_body(
            self.report,
            &identity,
            self.blob_base.clone(),
            self.full_report,
            &self.footer(head_sha),
            env.run_url().as_deref(),
            head_sha,
        );
        let target = comment::Target {
            api_url: env.api_url.clone(),
            token,
            owner: owner.to_string(),
            repo: repo.to_string(),
            number,
            head_sha: head_sha.to_string(),
            verify_head: unverified,
            author_override: self.extra.comment_author.clone(),
        };
        let create = match (self.request.comment_mode, self.report.verdict) {
            (CommentMode::OnFailure, Verdict::Pass) => comment::Create::OnlyUpdate,
            _ => comment::Create::Yes,
        };
        comment::sync(&target, &prefix, &body, create)
    }

    /// One comment per workflow, job, scanned directory and `--comment-key`.
    fn identity(&self) -> String {
        let env = self.env;
        format!(
            "{}\n{}\n{}\n{}",
            env.workflow.as_deref().unwrap_or(""),
            env.job.as_deref().unwrap_or(""),
            self.prefix,
            self.request.comment_key.as_deref().unwrap_or("")
        )
    }

    fn footer(&self, head_sha: &str) -> String {
        let mut parts = vec![format!("mistral-gate {}", self.report.tool_version)];
        if let Some(job) = &self.env.job {
            parts.push(format!("job {}", safe::md_code(job)));
        }
        if let Some(key) = self
            .request
            .comment_key
            .as_deref()
            .filter(|k| !k.is_empty())
        {
            parts.push(safe::md_code(key));
        }
        if !self.prefix.is_empty() {
            parts.push(safe::md_code(self.prefix.trim_end_matches('/')));
        }
        parts.push(format!(
            "commit {}",
            safe::md_text(&head_sha.chars().take(7).collect::<String>())
        ));
        parts.join(" · ")
    }
}

/// The comment body and its marker prefix: marker line, the budgeted report, and a
/// footer. The run link is the only part outside the digest, so a re-run that finds
/// the same on the same commit writes nothing.
fn comment_body(
    report: &Report,
    identity: &str,
    blob_base: Option<String>,
    full_report: &str,
    footer: &str,
    run_url: Option<&str>,
    head_sha: &str,
) -> (String, String) {
    let prefix = comment::marker_prefix(identity);
    let run_link = run_url
        .map(|u| format!(" · [run]({u})"))
        .unwrap_or_default();
    let reserved = comment::marker(identity, "").len()
        + footer.len()
        + run_link.len()
        + "\n\n<sub></sub>\n".len()
        + 16;
    let text = markdown::render(
        report,
        &MarkdownOptions {
            blob_base,
            budget: Some(COMMENT_LIMIT - reserved),
            full_report: Some(full_report.to_string()),
            head: Some(head_sha.to_string()),
        },
    );
    let digested = format!("{text}\n<sub>{footer}");
    let body = format!(
        "{}\n{digested}{run_link}</sub>\n",
        comment::marker(identity, &digested)
    );
    (body, prefix)
}

/// `services/api/` when PATH is that directory of the checkout; empty when PATH is the
/// checkout itself or lies outside it.
fn repo_prefix(root: &Path, workspace: Option<&Path>) -> String {
    let Some(ws) = workspace else {
        return String::new();
    };
    match crate::repo_root::scope_within(root, Some(ws)) {
        scope if scope.is_empty() => scope,
        scope => format!("{scope}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_the_path_within_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("services/api")).unwrap();
        assert_eq!(
            repo_prefix(&dir.path().join("services/api"), Some(dir.path())),
            "services/api/"
        );
        assert_eq!(repo_prefix(dir.path(), Some(dir.path())), "");
        assert_eq!(repo_prefix(dir.path(), None), "");
        assert_eq!(repo_prefix(Path::new("/"), Some(dir.path())), "");
    }
}
