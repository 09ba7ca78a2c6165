//! `--base REF` and `--fail-on-new` in a real git repository (issue 13): a pull request
//! that adds one call without max_tokens on top of forty old ones is told apart from
//! yesterday. The git binary only BUILDS the repositories here; the gate reads them with
//! gitoxide.
mod common;

use std::path::Path;
use std::process::Command;

use common::Repo;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

const CLIENT: &str = r#"import os

from mistralai import Mistral

client = Mistral(api_key=os.environ.get("MISTRAL_API_KEY", ""))
"#;

/// `n` functions, each one chat call with no max_tokens.
fn calls(prefix: &str, n: usize) -> String {
    let mut s = String::from("from app.client import client\n");
    for i in 0..n {
        s.push_str(&format!(
            "\n\ndef {prefix}_{i}(question: str) -> str:\n    res = client.chat.complete(\n        model=\"mistral-large-2512\",\n        temperature=0.2,\n        messages=[{{\"role\": \"user\", \"content\": question}}],\n    )\n    return res.choices[0].message.content\n"
        ));
    }
    s
}

/// A repository whose first commit holds forty calls without max_tokens; returns it
/// with that commit's id.
fn forty_old_calls() -> (Repo, String) {
    let repo = Repo::new();
    git(repo.path(), &["init", "-q", "-b", "main"]);
    repo.write("app/__init__.py", "");
    repo.write("app/client.py", CLIENT);
    repo.write("app/old.py", calls("old", 40));
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "forty calls"]);
    let base = git(repo.path(), &["rev-parse", "HEAD"]);
    (repo, base)
}

fn commit_all(repo: &Repo, message: &str) {
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", message]);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_comment_leads_with_the_one_new_call_and_fail_on_new_fails_only_on_it() {
    let (repo, base) = forty_old_calls();
    repo.write("app/new.py", calls("new", 1));
    commit_all(&repo, "one more call");
    let out = tempfile::tempdir().unwrap();
    let md = out.path().join("comment.md");
    let md = md.to_str().unwrap();

    let run = repo
        .gate(&[
            "--offline",
            "--format",
            "json",
            "--base",
            &base,
            "--markdown",
            md,
        ])
        .run()
        .expect_code(1);
    let json = run.json();
    assert_eq!(json["base"]["state"], "compared", "{}", json["base"]);
    assert_eq!(json["base"]["commit"], base.as_str());
    let max = common::check(&json, "max-tokens-set");
    let fails: Vec<&serde_json::Value> = max["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "fail")
        .collect();
    assert_eq!(fails.len(), 41);
    let new: Vec<&str> = fails
        .iter()
        .filter(|e| e["new"] == true)
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(new, ["app/new.py"], "only the added call is new");
    assert_eq!(max["new"], true);

    // The comment: the verdict counts the new finding(s) and the first section is the
    // new call, one row for its one location.
    let text = read(Path::new(md));
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("## ❌ "), "{first}");
    assert!(first.contains(" new"), "{first}");
    let new_section = text
        .split("### 🆕 New blocking findings\n\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no new section:\n{text}"));
    let rows: Vec<&str> = new_section
        .lines()
        .take_while(|l| l.starts_with("- "))
        .collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(rows[0].contains("`app/new.py:5`"), "{}", rows[0]);
    assert!(rows[0].contains("max-tokens-set"), "{}", rows[0]);
    assert!(
        text.find("### 🆕 New blocking findings").unwrap()
            < text.find("### Other blocking findings").unwrap(),
        "{text}"
    );
    let head = git(repo.path(), &["rev-parse", "HEAD"]);
    assert!(
        text.contains(&format!("against `{}`", &base[..7])),
        "{text}"
    );
    assert!(!text.contains(&head[..7]), "no head given outside Actions");

    // --fail-on-new: fails, because of the one new call only.
    let json = repo
        .gate(&[
            "--offline",
            "--format",
            "json",
            "--base",
            &base,
            "--fail-on-new",
        ])
        .run()
        .expect_code(1)
        .json();
    let blocking: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["blocking"] == true)
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(blocking.contains(&"max-tokens-set"), "{blocking:?}");
    for id in &blocking {
        let c = common::check(&json, id);
        assert_eq!(c["new"], true, "{id} blocks without being new: {c}");
    }
    assert_eq!(json["counts"]["blocking"], blocking.len());
}

#[test]
fn fail_on_new_passes_when_the_pull_request_adds_no_finding() {
    let (repo, base) = forty_old_calls();
    repo.write("README.md", "# chat\n\nNothing new.\n");
    // The forty calls move down a line: their fingerprints do not change.
    repo.write("app/old.py", format!("# moved\n{}", calls("old", 40)));
    commit_all(&repo, "docs only");
    let text = repo
        .gate(&["--offline", "--base", &base, "--fail-on-new"])
        .run()
        .expect_code(0)
        .stdout();
    let last = text.lines().last().unwrap();
    assert!(last.contains("0 new"), "{last}");
    // Without --fail-on-new the old findings still fail the gate.
    repo.gate(&["--offline", "--base", &base])
        .run()
        .expect_code(1);
}

#[test]
fn without_the_base_commit_the_outputs_say_why_new_and_existing_are_unknown() {
    let (repo, base) = forty_old_calls();
    repo.write("app/new.py", calls("new", 1));
    commit_all(&repo, "one more call");
    // A shallow clone (actions/checkout's default depth 1) has no base commit.
    let parent = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git(
        parent.path(),
        &["clone", "-q", "--depth", "1", &url, "clone"],
    );
    let clone = parent.path().join("clone");
    let md = parent.path().join("comment.md");

    let run = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .arg("check")
        .arg(&clone)
        .args([
            "--offline",
            "--format",
            "json",
            "--base",
            &base,
            "--markdown",
        ])
        .arg(&md)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["base"]["state"], "unknown", "{}", json["base"]);
    let reason = json["base"]["reason"].as_str().unwrap();
    assert!(reason.contains("fetch-depth: 0"), "{reason}");
    assert!(
        common::check(&json, "max-tokens-set")["evidence"][0]
            .get("new")
            .is_none(),
        "nothing is marked when nothing was compared"
    );
    let text = read(&md);
    assert!(
        text.contains("New and existing findings could not be told apart")
            && text.contains("fetch-depth: 0"),
        "{text}"
    );
    assert!(!text.contains("🆕 New blocking"), "{text}");

    // --fail-on-new with an unknown base blocks on every blocking finding: an
    // unreadable base cannot turn the gate green.
    let code = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .arg("check")
        .arg(&clone)
        .args(["--offline", "--base", &base, "--fail-on-new"])
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap()
        .status
        .code();
    assert_eq!(code, Some(1));
}

#[test]
fn in_actions_the_pull_request_base_is_the_default() {
    let (repo, base) = forty_old_calls();
    repo.write("app/new.py", calls("new", 1));
    commit_all(&repo, "one more call");
    let out = tempfile::tempdir().unwrap();
    let event = out.path().join("event.json");
    let output = out.path().join("output");
    std::fs::write(
        &event,
        format!(r#"{{"pull_request": {{"number": 7, "base": {{"sha": "{base}"}}, "head": {{"sha": "x"}}}}}}"#),
    )
    .unwrap();
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_OUTPUT", &output)
        .run()
        .expect_code(1)
        .json();
    assert_eq!(json["base"]["state"], "compared", "{}", json["base"]);
    assert_eq!(json["base"]["commit"], base.as_str());
    let outputs = std::fs::read_to_string(&output).unwrap();
    // Every finding at the one new call (max-tokens-set, error-handling, ...), as the
    // JSON report marks them.
    let new: usize = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["evidence"].as_array().unwrap())
        .filter(|e| e["new"] == true && e["status"] != "pass")
        .count();
    assert!(new >= 1);
    assert!(
        outputs.lines().any(|l| l == format!("new={new}")),
        "{new}: {outputs}"
    );
}
