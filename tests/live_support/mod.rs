//! What the live-check tests share: a realistic `/v1/models` answer, and one way to run
//! the gate against the mock Mistral API that checks, on every run, that neither key
//! appears in stdout, stderr or any report file.
#![allow(dead_code)]

use std::time::Duration;

use crate::common::http::Request;
use crate::common::{assert_no_secret, Repo, Run, FAKE_FALLBACK_KEY, FAKE_MISTRAL_KEY};

/// Short time limits (the `MISTRAL_GATE_LIVE_TIMING` override) so that retries and
/// timeouts cost milliseconds; the default numbers are unit-tested in `src/live/fetch.rs`.
pub const FAST: &str = "connect=1000,attempt=2000,budget=8000,backoff=60,backoff-cap=240";

/// A `GET /v1/models` answer shaped like the API's (ModelList of BaseModelCard and
/// FTModelCard), with aliases and a deprecation.
pub const MODEL_LIST: &str = r#"{"object":"list","data":[
 {"id":"mistral-large-2512","object":"model","created":1765000000,"owned_by":"mistralai",
  "capabilities":{"completion_chat":true,"function_calling":true,"completion_fim":false,"fine_tuning":false,"vision":true,"classification":false},
  "name":"mistral-large-2512","description":"Our top-tier model","max_context_length":262144,
  "aliases":["mistral-large-latest"],"deprecation":null,"deprecation_replacement_model":null,"default_model_temperature":0.3,"type":"base"},
 {"id":"mistral-small-2506","object":"model","created":1750000000,"owned_by":"mistralai",
  "capabilities":{"completion_chat":true,"function_calling":true,"completion_fim":false,"fine_tuning":true,"vision":true,"classification":false},
  "name":"mistral-small-2506","description":null,"max_context_length":131072,
  "aliases":["mistral-small-latest"],"deprecation":null,"deprecation_replacement_model":null,"default_model_temperature":0.3,"type":"base"},
 {"id":"open-mistral-7b","object":"model","created":1700000000,"owned_by":"mistralai",
  "capabilities":{"completion_chat":true,"function_calling":false,"completion_fim":false,"fine_tuning":false,"vision":false,"classification":false},
  "name":"open-mistral-7b","description":"Retiring","max_context_length":32768,
  "aliases":["mistral-tiny"],"deprecation":"2025-03-30T12:00:00Z","deprecation_replacement_model":"ministral-8b-latest","default_model_temperature":0.7,"type":"base"},
 {"id":"ft:mistral-small-2506:587a6b29:20250601:7e773925","object":"model","created":1751000000,"owned_by":"587a6b29",
  "capabilities":{"completion_chat":true,"function_calling":false,"completion_fim":false,"fine_tuning":false,"vision":false,"classification":false},
  "name":null,"description":null,"max_context_length":131072,"aliases":[],"deprecation":null,"deprecation_replacement_model":null,
  "default_model_temperature":null,"type":"fine-tuned","job":"a7b3c1d2-0000-4000-8000-000000000000","root":"mistral-small-2506","archived":false}
]}"#;

/// Which key a request carried.
pub fn bearer(req: &Request) -> Option<&str> {
    req.header("authorization")?.strip_prefix("Bearer ")
}

/// One gate run against an API base, with `--format json` and every report file written.
pub struct Call<'a> {
    repo: &'a Repo,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

pub struct Live {
    pub run: Run,
    /// How long the whole process took.
    pub took: Duration,
}

impl Live {
    pub fn report(&self) -> serde_json::Value {
        self.run.json()
    }
    pub fn status(&self, id: &str) -> String {
        crate::common::status(&self.report(), id).to_string()
    }
    pub fn message(&self, id: &str) -> String {
        crate::common::check(&self.report(), id)["message"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

impl<'a> Call<'a> {
    /// An empty repository is "nothing to scan" (exit 2, CHECKS.md) before any API call,
    /// so one the test left empty gets a README: the live checks run on every repository.
    pub fn new(repo: &'a Repo, api_url: &str) -> Call<'a> {
        if std::fs::read_dir(repo.path()).map_or(true, |mut d| d.next().is_none()) {
            repo.write("README.md", "# app\n");
        }
        Call {
            repo,
            args: vec!["--api-url".into(), api_url.into()],
            env: vec![("MISTRAL_GATE_LIVE_TIMING".into(), FAST.into())],
        }
    }
    pub fn key(self, key: &str) -> Call<'a> {
        self.env("MISTRAL_API_KEY", key)
    }
    pub fn fallback(self, key: &str) -> Call<'a> {
        self.env("MISTRAL_FALLBACK_API_KEY", key)
    }
    pub fn timing(self, spec: &str) -> Call<'a> {
        self.env("MISTRAL_GATE_LIVE_TIMING", spec)
    }
    pub fn env(mut self, k: &str, v: &str) -> Call<'a> {
        self.env.retain(|(name, _)| name != k);
        self.env.push((k.into(), v.into()));
        self
    }
    pub fn arg(mut self, a: &str) -> Call<'a> {
        self.args.push(a.into());
        self
    }

    /// Runs the gate and asserts that neither test key shows anywhere.
    pub fn run(self) -> Live {
        let out = tempfile::tempdir().unwrap();
        let files =
            ["report.json", "report.xml", "report.md", "report.sarif"].map(|f| out.path().join(f));
        let mut args: Vec<String> = vec!["--format".into(), "json".into()];
        for (flag, file) in ["--json", "--junit", "--markdown", "--sarif"]
            .iter()
            .zip(&files)
        {
            args.push(flag.to_string());
            args.push(file.display().to_string());
        }
        args.extend(self.args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut gate = self.repo.gate(&args);
        for (k, v) in &self.env {
            gate = gate.env(k, v);
        }
        let started = std::time::Instant::now();
        let run = gate.run();
        let took = started.elapsed();

        let (stdout, stderr) = (run.stdout(), run.stderr());
        let reports: Vec<(String, String)> = files
            .iter()
            .filter(|f| f.exists())
            .map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap()))
            .collect();
        if run.code() != 2 {
            assert_eq!(
                reports.len(),
                4,
                "every report file written\nstderr:\n{stderr}"
            );
        }
        let mut texts = vec![("stdout", stdout.as_str()), ("stderr", stderr.as_str())];
        texts.extend(
            reports
                .iter()
                .map(|(name, text)| (name.as_str(), text.as_str())),
        );
        for key in [FAKE_MISTRAL_KEY, FAKE_FALLBACK_KEY] {
            assert_no_secret(key, &texts);
        }
        Live { run, took }
    }
}

/// A repository whose config lists the models the app uses (the code's own model ids
/// come from the source front-ends, which this suite does not depend on).
pub fn repo_expecting(models: &[&str]) -> Repo {
    let repo = Repo::new();
    let list = models
        .iter()
        .map(|m| format!("{m:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    repo.write(
        ".mistral-gate.toml",
        format!("[models]\nexpected = [{list}]\n"),
    );
    repo
}
