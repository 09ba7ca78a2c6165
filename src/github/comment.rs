//! The one sticky pull-request comment, through octocrab.
//!
//! A comment is ours when its first line is our hidden marker for this job *and* it was
//! written by the token's own account. Only the first line counts: the rest of the body
//! quotes the repository (file names, model ids), and a file named after another job's
//! marker must not make this job edit that job's comment (issue 9). The marker is
//! built from the job's identity (workflow, job, scanned folder, `--comment-key`). The marker alone is not enough: anyone can paste it into a comment, and
//! we could neither edit theirs (403) nor trust its digest. The author is found as
//! follows, cheapest first:
//! - `MISTRAL_GATE_COMMENT_AUTHOR`, when set (a GitHub App's installation token writes
//!   as `<app-slug>[bot]`, which the token cannot look up);
//! - a `ghs_` token is an installation token; in Actions that is the `GITHUB_TOKEN`,
//!   which writes as `github-actions[bot]` and gets 403 from `GET /user`, so no request
//!   is spent on it;
//! - any other token (a PAT, an OAuth token) asks `GET /user`; if that is refused, the
//!   token is assumed to be an installation token too.
//!
//! All comments are listed, following `Link: rel="next"` past the first page, because
//! on a busy pull request ours is rarely on page one. The marker carries a digest of the
//! body (without its per-run footer): an unchanged result writes nothing.
//!
//! Failures never change the verdict: they come back as [`CommentError`] for the caller
//! to print as a warning. A 5xx or a network error is retried once, by running the
//! whole find-then-write again, so a create that did land before a 502 is found instead
//! of duplicated.

use std::time::Duration;

use octocrab::{Octocrab, Page};
use serde::Deserialize;

/// The login of the Actions `GITHUB_TOKEN`.
const ACTIONS_BOT: &str = "github-actions[bot]";

/// Pages of 100 comments; a pull request with more than 10,000 comments is not searched further.
const MAX_PAGES: usize = 100;

/// What to do when a run finds no comment of ours yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    Yes,
    /// `--comment-mode on-failure` on a passing run: update ours if it exists (so a stale
    /// failure does not linger), create nothing.
    OnlyUpdate,
}

/// Where the comment goes.
#[derive(Debug, Clone)]
pub struct Target {
    pub api_url: String,
    pub token: String,
    pub owner: String,
    pub repo: String,
    pub number: u64,
    /// The head commit the caller believes the pull request has (checked when
    /// `verify_head` is set: the number came from outside the event payload).
    pub head_sha: String,
    pub verify_head: bool,
    /// `MISTRAL_GATE_COMMENT_AUTHOR`.
    pub author_override: Option<String>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created {
        url: String,
    },
    Updated {
        url: String,
    },
    Unchanged {
        url: String,
    },
    /// `on-failure` mode, passing run, no earlier comment.
    NotNeeded,
}

#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    #[error("GitHub answered {status} to {action}: {message}")]
    Status {
        action: &'static str,
        status: u16,
        message: String,
    },
    #[error("cannot reach GitHub to {action}: {message}")]
    Network {
        action: &'static str,
        message: String,
    },
    #[error("pull request #{number} has head {actual}, not {expected}: no comment written")]
    HeadMismatch {
        number: u64,
        expected: String,
        actual: String,
    },
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
    #[error("{0}")]
    Setup(&'static str),
}

impl CommentError {
    /// Worth one more try: the server or the network failed, not the request.
    fn transient(&self) -> bool {
        match self {
            CommentError::Status { status, .. } => *status >= 500,
            CommentError::Network { .. } => true,
            _ => false,
        }
    }
    /// A hint for the warning, when the cause is a known one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            CommentError::Status { status: 403, .. } | CommentError::Status { status: 404, .. } => Some(
                "the token cannot write comments here: give the job `permissions: pull-requests: write`; a pull request from a fork gets a read-only token, see the workflow_run recipe in docs/github-action.md",
            ),
            CommentError::Status { status: 422, .. } => Some("GitHub rejected the comment body"),
            _ => None,
        }
    }
}

/// The marker's fixed part, which finds our comment for one job identity.
pub fn marker_prefix(identity: &str) -> String {
    format!("<!-- mistral-gate:sticky id={} ", short_hash(identity))
}

/// The whole marker line: the fixed part and the digest of the body it precedes.
pub fn marker(identity: &str, digested: &str) -> String {
    format!(
        "{}digest={} -->",
        marker_prefix(identity),
        short_hash(digested)
    )
}

/// FNV-1a, 64 bits, in hex: stable across Rust releases, unlike `DefaultHasher`.
fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[derive(Debug, Deserialize)]
struct IssueComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<Account>,
    #[serde(default)]
    html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Account {
    login: String,
}

#[derive(Debug, Deserialize)]
struct PullRequest {
    head: Head,
}

#[derive(Debug, Deserialize)]
struct Head {
    sha: String,
}

/// Creates or updates the comment whose marker starts with `prefix`; `body` starts with
/// the full marker line.
pub fn sync(
    target: &Target,
    prefix: &str,
    body: &str,
    create: Create,
) -> Result<Outcome, CommentError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CommentError::Client(e.to_string()))?;
    runtime.block_on(async {
        let crab = client(target)?;
        match sync_once(&crab, target, prefix, body, create).await {
            Err(e) if e.transient() => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                sync_once(&crab, target, prefix, body, create).await
            }
            other => other,
        }
    })
}

fn client(target: &Target) -> Result<Octocrab, CommentError> {
    Octocrab::builder()
        .base_uri(target.api_url.as_str())
        .map_err(|e| CommentError::Client(format!("GITHUB_API_URL {}: {e}", target.api_url)))?
        .personal_token(target.token.clone())
        // One retry, ours (see the module doc): octocrab's would repeat a POST blindly.
        .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
        .set_connect_timeout(Some(Duration::from_secs(5)))
        .set_read_timeout(Some(Duration::from_secs(15)))
        .build()
        .map_err(|e| CommentError::Client(e.to_string()))
}

async fn sync_once(
    crab: &Octocrab,
    t: &Target,
    prefix: &str,
    body: &str,
    create: Create,
) -> Result<Outcome, CommentError> {
    let repo = format!("/repos/{}/{}", t.owner, t.repo);
    if t.verify_head {
        let pr: PullRequest = crab
            .get(format!("{repo}/pulls/{}", t.number), None::<&()>)
            .await
            .map_err(|e| classify("read the pull request", e))?;
        if pr.head.sha != t.head_sha {
            return Err(CommentError::HeadMismatch {
                number: t.number,
                expected: t.head_sha.clone(),
                actual: pr.head.sha,
            });
        }
    }
    let author = own_login(crab, t).await;
    let ours = find(crab, &repo, t.number, prefix, &author).await?;
    let payload = serde_json::json!({ "body": body });
    match ours {
        Some(c) => {
            let url = c.html_url.clone().unwrap_or_default();
            if same_marker(c.body.as_deref().unwrap_or(""), body) {
                return Ok(Outcome::Unchanged { url });
            }
            let updated: IssueComment = crab
                .patch(format!("{repo}/issues/comments/{}", c.id), Some(&payload))
                .await
                .map_err(|e| classify("update the comment", e))?;
            Ok(Outcome::Updated {
                url: updated.html_url.unwrap_or(url),
            })
        }
        None if create == Create::OnlyUpdate => Ok(Outcome::NotNeeded),
        None => {
            let created: IssueComment = crab
                .post(
                    format!("{repo}/issues/{}/comments", t.number),
                    Some(&payload),
                )
                .await
                .map_err(|e| classify("create the comment", e))?;
            Ok(Outcome::Created {
                url: created.html_url.unwrap_or_default(),
            })
        }
    }
}

/// The login our comments are written as (see the module doc for the order).
async fn own_login(crab: &Octocrab, t: &Target) -> String {
    if let Some(login) = &t.author_override {
        return login.clone();
    }
    if t.token.starts_with("ghs_") {
        return ACTIONS_BOT.to_string();
    }
    match crab.get::<Account, _, ()>("/user", None).await {
        Ok(me) => me.login,
        Err(_) => ACTIONS_BOT.to_string(),
    }
}

async fn find(
    crab: &Octocrab,
    repo: &str,
    number: u64,
    prefix: &str,
    author: &str,
) -> Result<Option<IssueComment>, CommentError> {
    let action = "list the pull request's comments";
    let mut page: Page<IssueComment> = crab
        .get(
            format!("{repo}/issues/{number}/comments"),
            Some(&[("per_page", "100")]),
        )
        .await
        .map_err(|e| classify(action, e))?;
    for _ in 0..MAX_PAGES {
        let mine = page.items.drain(..).find(|c| {
            c.user
                .as_ref()
                .is_some_and(|u| u.login.eq_ignore_ascii_case(author))
                && c.body.as_deref().is_some_and(|b| is_marked(b, prefix))
        });
        if mine.is_some() {
            return Ok(mine);
        }
        match crab
            .get_page::<IssueComment>(&page.next)
            .await
            .map_err(|e| classify(action, e))?
        {
            Some(next) => page = next,
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// The body's first line, where the gate writes its marker (a body edited in the web
/// interface comes back with CR LF line ends).
fn first_line(body: &str) -> &str {
    body.lines().next().unwrap_or("")
}

/// True when `body` is marked for the job whose marker starts with `prefix`: on its
/// first line, nowhere else.
fn is_marked(body: &str, prefix: &str) -> bool {
    first_line(body).starts_with(prefix)
}

/// True when the existing comment's marker line (id and digest) equals the new one's.
fn same_marker(existing: &str, new: &str) -> bool {
    let line = first_line(existing);
    line.starts_with("<!-- mistral-gate:sticky ") && line == first_line(new)
}

fn classify(action: &'static str, e: octocrab::Error) -> CommentError {
    match e {
        octocrab::Error::GitHub { source, .. } => {
            let mut message: String = source
                .message
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            if message.trim_start().starts_with('<') {
                message = "(an HTML error page)".into();
            }
            CommentError::Status {
                action,
                status: source.status_code.as_u16(),
                message,
            }
        }
        other => CommentError::Network {
            action,
            message: other
                .to_string()
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let m = marker("CI/gate/.", "body");
        assert!(m.starts_with(&marker_prefix("CI/gate/.")));
        assert_ne!(
            marker_prefix("CI/gate/."),
            marker_prefix("CI/gate/services/a")
        );
        assert!(same_marker(
            &format!("{m}\nold footer"),
            &format!("{m}\nnew footer")
        ));
        assert!(!same_marker(
            &format!("{m}\n"),
            &format!("{}\n", marker("CI/gate/.", "other"))
        ));
        assert_eq!(short_hash(""), "cbf29ce484222325");
    }

    #[test]
    fn only_the_first_line_marks_a_comment() {
        let ours = marker_prefix("CI/gate/./");
        let other = marker("CI/other-job/./", "x");
        assert!(is_marked(
            &format!("{}\nbody", marker("CI/gate/./", "b")),
            &ours
        ));
        assert!(is_marked(
            &format!("{}\r\nbody", marker("CI/gate/./", "b")),
            &ours
        ));
        // A file named after our marker, quoted further down another comment.
        assert!(!is_marked(&format!("{other}\n- `{ours}x.ts`"), &ours));
        assert!(!is_marked(&format!("hello\n{ours}"), &ours));
        assert!(!is_marked(&format!(" {ours}"), &ours));
        assert!(!same_marker(
            &format!("text\n{other}"),
            &format!("text\n{other}")
        ));
    }
}
