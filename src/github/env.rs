//! The GitHub Actions environment, read once into plain data.
//!
//! Everything the integration needs comes from the standard `GITHUB_*` variables
//! (CHECKS.md); reading them through a lookup function keeps the rest testable
//! without touching the process environment.

use std::path::PathBuf;

/// What the runner told the job about itself.
#[derive(Debug, Clone, Default)]
pub struct ActionsEnv {
    /// `GITHUB_ACTIONS=true`: workflow commands, summary and outputs are understood.
    pub in_actions: bool,
    pub token: Option<String>,
    pub event_name: Option<String>,
    pub event_path: Option<PathBuf>,
    /// `owner/name`.
    pub repository: Option<String>,
    /// REST API root, `https://api.github.com` or `https://HOST/api/v3`; no trailing slash.
    pub api_url: String,
    /// Web root, `https://github.com`; no trailing slash.
    pub server_url: String,
    pub sha: Option<String>,
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub workflow: Option<String>,
    pub job: Option<String>,
    pub run_id: Option<String>,
    /// The checkout; evidence paths are made repository-relative against it.
    pub workspace: Option<PathBuf>,
}

impl ActionsEnv {
    pub fn from_process() -> ActionsEnv {
        ActionsEnv::from_lookup(|k| std::env::var(k).ok())
    }

    /// Empty values count as unset: a workflow that forwards an empty secret sets "".
    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> ActionsEnv {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let url = |k: &str, default: &str| {
            get(k)
                .unwrap_or_else(|| default.to_string())
                .trim_end_matches('/')
                .to_string()
        };
        ActionsEnv {
            in_actions: get("GITHUB_ACTIONS").as_deref() == Some("true"),
            token: get("GITHUB_TOKEN"),
            event_name: get("GITHUB_EVENT_NAME"),
            event_path: get("GITHUB_EVENT_PATH").map(PathBuf::from),
            repository: get("GITHUB_REPOSITORY"),
            api_url: url("GITHUB_API_URL", "https://api.github.com"),
            server_url: url("GITHUB_SERVER_URL", "https://github.com"),
            sha: get("GITHUB_SHA"),
            step_summary: get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: get("GITHUB_OUTPUT").map(PathBuf::from),
            workflow: get("GITHUB_WORKFLOW"),
            job: get("GITHUB_JOB"),
            run_id: get("GITHUB_RUN_ID"),
            workspace: get("GITHUB_WORKSPACE").map(PathBuf::from),
        }
    }

    /// The run's page, where the job summary (the full report) is.
    pub fn run_url(&self) -> Option<String> {
        Some(format!(
            "{}/{}/actions/runs/{}",
            self.server_url,
            self.repository.as_ref()?,
            self.run_id.as_ref()?
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_empty_values() {
        let env = ActionsEnv::from_lookup(|k| match k {
            "GITHUB_ACTIONS" => Some("true".into()),
            "GITHUB_TOKEN" => Some("".into()),
            "GITHUB_API_URL" => Some("https://ghe.example/api/v3/".into()),
            _ => None,
        });
        assert!(env.in_actions);
        assert_eq!(env.token, None);
        assert_eq!(env.api_url, "https://ghe.example/api/v3");
        assert_eq!(env.server_url, "https://github.com");
    }
}
