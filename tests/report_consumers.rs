//! The reports as their consumers read them (issue 13): a JUnit consumer's red count
//! equals the gate's blocking count, for every fixture of the repository; SARIF results
//! never sit on a passing site and carry fingerprints without line numbers.
//!
//! JUnit files are read by junitparser (PyPI, installed by
//! scripts/setup.d/55-report-consumers.sh), the reader CI plug-ins use, not by our own
//! parser.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every fixture folder: examples/*, tests/fixtures/code/*, tests/fixtures/ops/* and the
/// blind sets below them.
fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures/code", "tests/fixtures/ops"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = entry.unwrap().path();
            if !p.is_dir() {
                continue;
            }
            if p.file_name().is_some_and(|n| n == "blind") {
                for b in std::fs::read_dir(&p).unwrap() {
                    let b = b.unwrap().path();
                    if b.is_dir() {
                        out.push(b);
                    }
                }
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Red testcases (`<failure>` or `<error>`) per file, as junitparser counts them.
fn junitparser_red(files: &[PathBuf]) -> Vec<usize> {
    let script = r#"
import sys
from junitparser import JUnitXml, Failure, Error
for path in sys.argv[1:]:
    red = 0
    for suite in JUnitXml.fromfile(path):
        for case in suite:
            if any(isinstance(r, (Failure, Error)) for r in case.result):
                red += 1
    print(red)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(files)
        .output()
        .expect("python3 runs (scripts/setup.d/55-report-consumers.sh installs junitparser)");
    assert!(
        out.status.success(),
        "junitparser: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

#[test]
fn junit_red_count_equals_the_gates_blocking_count_for_every_fixture() {
    let out = tempfile::tempdir().unwrap();
    let mut junits = Vec::new();
    let mut blocking = Vec::new();
    let mut exit_fails = 0;
    for (i, fixture) in fixtures().iter().enumerate() {
        let junit = out.path().join(format!("{i}.xml"));
        let json = out.path().join(format!("{i}.json"));
        let run = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
            .arg("check")
            .arg(fixture)
            .args(["--offline", "--junit"])
            .arg(&junit)
            .arg("--json")
            .arg(&json)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("MISTRAL_API_KEY")
            .output()
            .unwrap();
        let code = run.status.code().unwrap();
        assert!(
            code == 0 || code == 1,
            "{}: exit {code}: {}",
            fixture.display(),
            String::from_utf8_lossy(&run.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let n = report["counts"]["blocking"].as_u64().unwrap() as usize;
        assert_eq!(
            n > 0,
            code == 1,
            "{}: exit {code}, {n} blocking",
            fixture.display()
        );
        exit_fails += usize::from(code == 1);
        junits.push((fixture.clone(), junit));
        blocking.push(n);
    }
    assert!(junits.len() > 30, "fixtures found: {}", junits.len());
    assert!(
        exit_fails > 0 && exit_fails < junits.len(),
        "both verdicts are exercised"
    );
    let files: Vec<PathBuf> = junits.iter().map(|(_, j)| j.clone()).collect();
    let red = junitparser_red(&files);
    for (((fixture, _), red), blocking) in junits.iter().zip(red).zip(blocking) {
        assert_eq!(red, blocking, "{}", fixture.display());
    }
}

#[test]
fn an_advisory_only_run_is_green_in_junit_and_says_advisory() {
    // A pinned, capped, handled call: what is left (docs, alerts, rollout) is advisory.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/code/py-flask-good");
    let out = tempfile::tempdir().unwrap();
    let junit = out.path().join("j.xml");
    let run = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .arg("check")
        .arg(&fixture)
        .args(["--offline", "--junit"])
        .arg(&junit)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert_eq!(junitparser_red(&[junit]), [0]);
    assert!(xml.contains("<![CDATA[advisory: "), "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
}

#[test]
fn sarif_has_no_result_on_a_passing_site_and_no_line_in_a_fingerprint() {
    let repo = common::Repo::new();
    repo.write(
        "app/chat.py",
        "import os\n\nfrom mistralai import Mistral\n\nclient = Mistral(api_key=os.environ.get(\"MISTRAL_API_KEY\", \"\"))\n\n\ndef capped(q: str) -> str:\n    return client.chat.complete(model=\"mistral-large-2512\", max_tokens=256, temperature=0.2, messages=[{\"role\": \"user\", \"content\": q}]).choices[0].message.content\n\n\ndef uncapped(q: str) -> str:\n    return client.chat.complete(model=\"mistral-large-2512\", temperature=0.2, messages=[{\"role\": \"user\", \"content\": q}]).choices[0].message.content\n",
    );
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("r.sarif");
    let json = repo
        .gate(&[
            "--offline",
            "--format",
            "json",
            "--sarif",
            sarif.to_str().unwrap(),
        ])
        .run()
        .json();
    let max = common::check(&json, "max-tokens-set");
    let passing: Vec<(String, u64)> = max["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "pass")
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(passing, [("app/chat.py".to_string(), 9)], "{max}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let max_results: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "max-tokens-set")
        .collect();
    assert_eq!(max_results.len(), 1, "{doc}");
    assert_eq!(
        max_results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        13
    );
    assert_eq!(max_results[0]["level"], "error");
    for r in results {
        let fp = r["partialFingerprints"]["mistralGate/v1"].as_str().unwrap();
        let line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .map(|l| format!(":{l}"));
        if let Some(line) = line {
            assert!(!fp.contains(&line), "{fp} holds its line");
        }
    }
}

#[test]
fn sarif_uris_are_relative_to_the_repository_when_path_is_a_subfolder() {
    let repo = common::Repo::new();
    let key = common::FAKE_MISTRAL_KEY;
    repo.write(
        "services/api/.env.production",
        format!("MISTRAL_API_KEY={key}\n"),
    );
    gix_init(repo.path());
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("r.sarif");
    let run = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .arg("check")
        .arg(repo.path().join("services/api"))
        .args(["--offline", "--sarif"])
        .arg(&sarif)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let uris: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "key-not-committed")
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris, ["services/api/.env.production"], "{doc}");
    assert!(doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"].is_object());

    // In Actions the workspace is the root, whatever git says.
    let run = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .arg("check")
        .arg(repo.path().join("services/api"))
        .args(["--offline", "--sarif"])
        .arg(&sarif)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", repo.path().join("services"))
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let text = std::fs::read_to_string(&sarif).unwrap();
    assert!(text.contains("\"uri\": \"api/.env.production\""), "{text}");
}

/// An empty git repository at `dir` (the git binary only builds test repositories).
fn gix_init(dir: &Path) {
    let ok = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .unwrap()
        .success();
    assert!(ok);
}
