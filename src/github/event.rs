//! What triggered the workflow, from the event payload at `GITHUB_EVENT_PATH`.
//!
//! Only pull-request events get a comment. `pull_request_target` runs on the base
//! branch, so `GITHUB_SHA` is the base commit, and for `pull_request` it is the
//! temporary merge commit: links must use `pull_request.head.sha`, the commit the author
//! pushed. `workflow_run` (the fork-safe recipe in docs/github-action.md) names the
//! pull request in `workflow_run.pull_requests`, which GitHub leaves empty for forks, so
//! the recipe passes the number in `MISTRAL_GATE_PR_NUMBER` and the head commit comes
//! from `workflow_run.head_sha`.

use std::path::Path;

use serde_json::Value;

/// The part of the trigger the integration acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    PullRequest {
        number: u64,
        /// The pull request's head commit: what links point at.
        head_sha: String,
        /// True when the number came from outside the payload and must be checked
        /// against the head commit before anything is written.
        unverified: bool,
    },
    /// push, schedule, workflow_dispatch, ...: no comment.
    Other { event: String },
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("cannot read the event payload {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the event payload {path} is not JSON: {source}")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error("the {event} payload has no {field}")]
    Missing { event: String, field: &'static str },
}

/// Reads the payload. `event_name` is `GITHUB_EVENT_NAME`; `pr_number_override` is
/// `MISTRAL_GATE_PR_NUMBER`, used for `workflow_run` only.
pub fn read(
    event_name: Option<&str>,
    path: &Path,
    pr_number_override: Option<u64>,
) -> Result<Trigger, EventError> {
    let text = std::fs::read_to_string(path).map_err(|source| EventError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let payload: Value = serde_json::from_str(&text).map_err(|source| EventError::Parse {
        path: path.display().to_string(),
        source,
    })?;
    // GITHUB_EVENT_NAME is always set by the runner; the payload's shape is the fallback.
    let event = match event_name {
        Some(e) => e.to_string(),
        None if payload.get("pull_request").is_some() => "pull_request".to_string(),
        None => "unknown".to_string(),
    };
    let missing = |field| EventError::Missing {
        event: event.clone(),
        field,
    };
    match event.as_str() {
        "pull_request" | "pull_request_target" => {
            let pr = payload
                .get("pull_request")
                .ok_or_else(|| missing("pull_request"))?;
            let number = pr
                .get("number")
                .or_else(|| payload.get("number"))
                .and_then(Value::as_u64)
                .ok_or_else(|| missing("pull_request.number"))?;
            let head_sha = pr
                .pointer("/head/sha")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("pull_request.head.sha"))?;
            Ok(Trigger::PullRequest {
                number,
                head_sha: head_sha.to_string(),
                unverified: false,
            })
        }
        "workflow_run" => {
            let run = payload
                .get("workflow_run")
                .ok_or_else(|| missing("workflow_run"))?;
            let head_sha = run
                .get("head_sha")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("workflow_run.head_sha"))?
                .to_string();
            let listed = run
                .pointer("/pull_requests/0/number")
                .and_then(Value::as_u64);
            match (listed, pr_number_override) {
                (Some(number), _) => Ok(Trigger::PullRequest {
                    number,
                    head_sha,
                    unverified: false,
                }),
                (None, Some(number)) => Ok(Trigger::PullRequest {
                    number,
                    head_sha,
                    unverified: true,
                }),
                (None, None) => Ok(Trigger::Other { event }),
            }
        }
        _ => Ok(Trigger::Other { event }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(event: &str, json: &str, over: Option<u64>) -> Result<Trigger, EventError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("event.json");
        std::fs::write(&p, json).unwrap();
        read(Some(event), &p, over)
    }

    #[test]
    fn pull_request_uses_the_head_sha() {
        let t = read_str("pull_request_target", r#"{"number":7,"pull_request":{"number":7,"head":{"sha":"abc"},"merge_commit_sha":"zzz"}}"#, None).unwrap();
        assert_eq!(
            t,
            Trigger::PullRequest {
                number: 7,
                head_sha: "abc".into(),
                unverified: false
            }
        );
    }

    #[test]
    fn workflow_run_from_a_fork_needs_the_number_given() {
        let fork = r#"{"workflow_run":{"head_sha":"abc","pull_requests":[]}}"#;
        assert_eq!(
            read_str("workflow_run", fork, None).unwrap(),
            Trigger::Other {
                event: "workflow_run".into()
            }
        );
        assert_eq!(
            read_str("workflow_run", fork, Some(9)).unwrap(),
            Trigger::PullRequest {
                number: 9,
                head_sha: "abc".into(),
                unverified: true
            }
        );
    }

    #[test]
    fn other_events_and_broken_payloads() {
        assert_eq!(
            read_str("push", r#"{"after":"abc"}"#, None).unwrap(),
            Trigger::Other {
                event: "push".into()
            }
        );
        assert!(matches!(
            read_str("pull_request", "{", None),
            Err(EventError::Parse { .. })
        ));
        assert!(matches!(
            read_str("pull_request", r#"{"pull_request":{"number":1}}"#, None),
            Err(EventError::Missing { .. })
        ));
    }
}
