//! `--pr-comment` in GitHub Actions, against a fake GitHub REST API on loopback: one
//! sticky comment per pull request and job, found among all comments, edited in place,
//! never written twice for the same result; failures to post never change the verdict.
mod common;
mod fake_github;

use std::path::{Path, PathBuf};

use common::{assert_no_secret, Repo, Run, FAKE_MISTRAL_KEY as KEY};
use fake_github::{FakeGitHub, ACTIONS_TOKEN, BOT, HEAD_SHA, MERGE_SHA, OWNER_REPO, PR};

/// A repository that fails the gate: a key committed in an env file.
fn failing_repo() -> Repo {
    let repo = Repo::new();
    repo.write("src/app.ts", "import { Mistral } from \"@mistralai/mistralai\";\nexport const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n");
    repo.write(".env.production", format!("MISTRAL_API_KEY={KEY}\n"));
    repo
}

fn event(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/github")
        .join(format!("{name}.json"))
}

/// The files the runner hands a step.
struct Step {
    dir: tempfile::TempDir,
}

impl Step {
    fn new() -> Step {
        Step {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn summary(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("summary.md")).unwrap_or_default()
    }
    fn outputs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("outputs")).unwrap_or_default()
    }
    /// `name=value` or the multiline form, as a map.
    fn output(&self, name: &str) -> Option<String> {
        let text = self.outputs();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if let Some(v) = line.strip_prefix(&format!("{name}=")) {
                return Some(v.to_string());
            }
            if let Some(delim) = line.strip_prefix(&format!("{name}<<")) {
                let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
                return Some(value.join("\n"));
            }
        }
        None
    }
}

/// Runs the gate as the action does, for event `name`, against `gh`.
fn run_in_actions(
    repo: &Repo,
    gh: &FakeGitHub,
    step: &Step,
    name: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let mut all = vec!["--offline", "--pr-comment"];
    all.extend_from_slice(args);
    let mut gate = repo
        .gate(&all)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", name)
        .env("GITHUB_EVENT_PATH", event(name))
        .env("GITHUB_REPOSITORY", OWNER_REPO)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_SHA", MERGE_SHA)
        .env("GITHUB_TOKEN", ACTIONS_TOKEN)
        .env("GITHUB_WORKFLOW", "CI")
        .env("GITHUB_JOB", "gate")
        .env("GITHUB_RUN_ID", "1658821493")
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_STEP_SUMMARY", step.dir.path().join("summary.md"))
        .env("GITHUB_OUTPUT", step.dir.path().join("outputs"));
    for (k, v) in env {
        gate = gate.env(k, v);
    }
    gate.run()
}

/// A body of ours from an earlier result: same marker id, another digest.
fn stale(body: &str) -> String {
    regex::Regex::new("digest=[0-9a-f]{16}")
        .unwrap()
        .replace(body, "digest=0123456789abcdef")
        .into_owned()
}

fn writes(gh: &FakeGitHub) -> Vec<(String, String)> {
    gh.writes()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect()
}

#[test]
fn first_run_creates_a_changed_result_edits_an_unchanged_one_writes_nothing() {
    let repo = failing_repo();
    let gh = FakeGitHub::start();
    let step = Step::new();

    let first = run_in_actions(&repo, &gh, &step, "pull_request", &[], &[]).expect_code(1);
    assert_eq!(
        writes(&gh),
        [(
            "POST".to_string(),
            format!("/repos/{OWNER_REPO}/issues/{PR}/comments")
        )],
        "{}",
        first.stderr()
    );
    let comments = gh.comments();
    assert_eq!(comments.len(), 1);
    let body = &comments[0].body;
    assert!(
        body.contains(&format!(
            "https://github.com/{OWNER_REPO}/blob/{HEAD_SHA}/.env.production#L1"
        )),
        "links use the head sha:\n{body}"
    );
    assert!(!body.contains(MERGE_SHA), "never the merge commit:\n{body}");
    let digest = regex::Regex::new("digest=[0-9a-f]{16}").unwrap();
    insta::assert_snapshot!(
        "sticky_comment_body",
        digest.replace(body, "digest=[DIGEST]")
    );
    assert!(
        first.stderr().contains("mistral-gate: PR comment created"),
        "{}",
        first.stderr()
    );
    assert_eq!(step.output("comment").as_deref(), Some("created"));

    // A second key: the result changes, the same comment is edited.
    repo.write("config/prod.env", format!("MISTRAL_API_KEY={KEY}\n"));
    run_in_actions(&repo, &gh, &step, "pull_request", &[], &[]).expect_code(1);
    let w = writes(&gh);
    assert_eq!(w.len(), 2);
    assert_eq!(
        w[1],
        (
            "PATCH".to_string(),
            format!("/repos/{OWNER_REPO}/issues/comments/{}", comments[0].id)
        )
    );
    let after = gh.comments();
    assert_eq!(after.len(), 1, "still one comment");
    assert!(
        after[0].body.contains("config/prod.env"),
        "{}",
        after[0].body
    );

    // Same commit, same result, another run: nothing written.
    let third = run_in_actions(
        &repo,
        &gh,
        &step,
        "pull_request",
        &[],
        &[("GITHUB_RUN_ID", "1658821999")],
    )
    .expect_code(1);
    assert_eq!(writes(&gh).len(), 2, "an unchanged result writes nothing");
    assert!(
        third.stderr().contains("PR comment unchanged"),
        "{}",
        third.stderr()
    );
    assert!(
        gh.server.requests().iter().all(|r| r.path != "/user"),
        "the Actions token is not asked who it is"
    );
}

#[test]
fn own_comment_is_found_on_page_3_of_75_and_impostors_are_ignored() {
    let repo = failing_repo();
    let gh = FakeGitHub::start();
    let step = Step::new();
    // Learn our marker from a first run on another fake, then seed this one.
    let probe = FakeGitHub::start();
    run_in_actions(&repo, &probe, &Step::new(), "pull_request", &[], &[]).expect_code(1);
    let ours_body = stale(&probe.comments()[0].body);
    for i in 0..75 {
        match i {
            // Someone pasted our marker: same text, wrong author.
            3 => gh.add_comment("mallory", &ours_body),
            // Another tool's bot comment.
            10 => gh.add_comment("codecov[bot]", "<!-- codecov -->\ncoverage 81%"),
            60 => gh.add_comment(BOT, &ours_body),
            _ => gh.add_comment("reviewer", &format!("comment {i}")),
        };
    }
    let ours = gh.comments()[60].id;
    run_in_actions(&repo, &gh, &step, "pull_request", &[], &[]).expect_code(1);
    let pages: Vec<String> = gh
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path)
        .collect();
    assert_eq!(pages.len(), 3, "three pages listed: {pages:?}");
    assert!(pages[2].ends_with("page=3"), "{pages:?}");
    assert_eq!(
        writes(&gh),
        [(
            "PATCH".to_string(),
            format!("/repos/{OWNER_REPO}/issues/comments/{ours}")
        )]
    );
    assert_eq!(
        gh.comments()[3].body,
        ours_body,
        "the impostor's comment is untouched"
    );
    assert_eq!(gh.comments().len(), 75);
}

#[test]
fn a_personal_token_asks_who_it_is_and_ignores_the_bots_comment() {
    let repo = failing_repo();
    let probe = FakeGitHub::start();
    run_in_actions(&repo, &probe, &Step::new(), "pull_request", &[], &[]).expect_code(1);
    let gh = FakeGitHub::start();
    gh.add_comment(BOT, &probe.comments()[0].body);
    gh.add_comment("octo-dev", &stale(&probe.comments()[0].body));
    // A fake personal access token. mistral-gate: ignore no-hardcoded-secrets
    run_in_actions(
        &repo,
        &gh,
        &Step::new(),
        "pull_request",
        &[],
        &[("GITHUB_TOKEN", "ghp_R8xTQw3LmZ9vK2pN5sY7bC4dF6gH1jA0eW3u")],
    )
    .expect_code(1);
    assert!(gh.server.requests().iter().any(|r| r.path == "/user"));
    let id = gh.comments()[1].id;
    assert_eq!(
        writes(&gh),
        [(
            "PATCH".to_string(),
            format!("/repos/{OWNER_REPO}/issues/comments/{id}")
        )]
    );
}

#[test]
fn matrix_legs_and_directories_get_their_own_comment() {
    let repo = failing_repo();
    let gh = FakeGitHub::start();
    run_in_actions(
        &repo,
        &gh,
        &Step::new(),
        "pull_request",
        &["--comment-key", "node-20"],
        &[],
    )
    .expect_code(1);
    run_in_actions(
        &repo,
        &gh,
        &Step::new(),
        "pull_request",
        &["--comment-key", "node-22"],
        &[],
    )
    .expect_code(1);
    run_in_actions(
        &repo,
        &gh,
        &Step::new(),
        "pull_request",
        &["--comment-key", "node-22"],
        &[],
    )
    .expect_code(1);
    assert_eq!(gh.comments().len(), 2);
    assert!(gh.comments()[1].body.contains("`node-22`"));
}

#[test]
fn pull_request_target_links_the_forks_head_commit() {
    let repo = failing_repo();
    let gh = FakeGitHub::start();
    run_in_actions(
        &repo,
        &gh,
        &Step::new(),
        "pull_request_target",
        &[],
        &[("GITHUB_SHA", "f95f852bd8fca8fcc58a9a2d6c842781e32a215e")],
    )
    .expect_code(1);
    let body = &gh.comments()[0].body;
    assert!(body.contains(&format!("/blob/{HEAD_SHA}/")), "{body}");
    assert!(
        !body.contains("f95f852bd8fca8fcc58a9a2d6c842781e32a215e"),
        "{body}"
    );
}

#[test]
fn links_and_annotations_are_repository_relative_when_path_is_a_subdirectory() {
    let checkout = Repo::new();
    checkout.write("services/api/.env", format!("MISTRAL_API_KEY={KEY}\n"));
    let gh = FakeGitHub::start();
    let step = Step::new();
    let sub = Repo {
        dir: tempfile::tempdir().unwrap(),
    };
    // Run on PATH = services/api with the workspace at the checkout.
    let mut gate = sub.gate(&["--offline", "--pr-comment"]);
    gate.cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mistral-gate"));
    gate.cmd
        .arg("check")
        .arg(checkout.path().join("services/api"))
        .args(["--offline", "--pr-comment"]);
    for var in [
        "MISTRAL_API_KEY",
        "MISTRAL_FALLBACK_API_KEY",
        "GITHUB_OUTPUT",
    ] {
        gate.cmd.env_remove(var);
    }
    let run = gate
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", event("pull_request"))
        .env("GITHUB_REPOSITORY", OWNER_REPO)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", ACTIONS_TOKEN)
        .env("GITHUB_WORKSPACE", checkout.path())
        .env("GITHUB_STEP_SUMMARY", step.dir.path().join("summary.md"))
        .run()
        .expect_code(1);
    assert!(
        gh.comments()[0]
            .body
            .contains(&format!("/blob/{HEAD_SHA}/services/api/.env#L1")),
        "{}",
        gh.comments()[0].body
    );
    assert!(
        run.stderr().contains(
            "::error file=services/api/.env,line=1,title=mistral-gate key-not-committed (error · blocking)::"
        ),
        "{}",
        run.stderr()
    );
    assert!(step
        .summary()
        .contains(&format!("/blob/{HEAD_SHA}/services/api/.env#L1")));
}

/// 403 (a fork's read-only token), 422 (rejected body), 502 (after one retry): the exit
/// code is the gate's, a warning says why, the summary and outputs are still written.
#[test]
fn a_comment_that_cannot_be_posted_never_changes_the_exit_code() {
    for (method, status, says) in [
        ("POST", 403, "403"),
        ("POST", 422, "422"),
        ("GET", 502, "502"),
    ] {
        let repo = failing_repo();
        let gh = FakeGitHub::start();
        gh.fail(method, status);
        let step = Step::new();
        let run = run_in_actions(&repo, &gh, &step, "pull_request", &[], &[]).expect_code(1);
        let err = run.stderr();
        assert!(err.contains("::warning title=mistral-gate::PR comment not written (the verdict is unchanged): GitHub answered"), "{status}: {err}");
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("<html>"), "no HTML page in the log: {err}");
        assert!(
            step.summary().starts_with("## ❌ 2 blocking · "),
            "{status}: summary written"
        );
        assert_eq!(step.output("comment").as_deref(), Some("failed"));
        assert_eq!(step.output("verdict").as_deref(), Some("fail"));
        if status == 403 {
            assert!(err.contains("workflow_run recipe"), "{err}");
        }
        if status == 502 {
            let lists = gh
                .server
                .requests()
                .iter()
                .filter(|r| r.path.contains("/comments"))
                .count();
            assert_eq!(lists, 2, "one retry after a 5xx");
        }
    }
    // A passing repository stays passing.
    let repo = Repo::new();
    repo.write("README.md", "nothing here\n");
    let gh = FakeGitHub::start();
    gh.fail("GET", 403);
    run_in_actions(&repo, &gh, &Step::new(), "pull_request", &[], &[]).expect_code(0);
}

#[test]
fn unreachable_github_is_a_warning_too() {
    let repo = failing_repo();
    let gh = FakeGitHub::start();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let run = run_in_actions(
        &repo,
        &gh,
        &Step::new(),
        "pull_request",
        &[],
        &[("GITHUB_API_URL", &dead)],
    )
    .expect_code(1);
    assert!(
        run.stderr().contains("cannot reach GitHub"),
        "{}",
        run.stderr()
    );
}

#[test]
fn push_schedule_and_workflow_dispatch_skip_the_comment_and_write_the_summary() {
    for name in ["push", "workflow_dispatch"] {
        let repo = failing_repo();
        let gh = FakeGitHub::start();
        let step = Step::new();
        let run = run_in_actions(&repo, &gh, &step, name, &[], &[("GITHUB_SHA", HEAD_SHA)])
            .expect_code(1);
        assert!(
            gh.server.requests().is_empty(),
            "{name}: no request to GitHub"
        );
        assert!(
            run.stderr()
                .contains(&format!("not a pull request event ({name})")),
            "{}",
            run.stderr()
        );
        assert!(
            step.summary()
                .contains(&format!("/blob/{HEAD_SHA}/.env.production#L1")),
            "{}",
            step.summary()
        );
        assert_eq!(step.output("comment").as_deref(), Some("skipped"));
    }
}

#[test]
fn workflow_run_for_a_fork_checks_the_given_number_against_the_head() {
    let repo = failing_repo();
    let gh = FakeGitHub::start();
    run_in_actions(
        &repo,
        &gh,
        &Step::new(),
        "workflow_run_fork",
        &[],
        &[
            ("GITHUB_EVENT_NAME", "workflow_run"),
            ("MISTRAL_GATE_PR_NUMBER", "42"),
        ],
    )
    .expect_code(1);
    assert!(gh
        .server
        .requests()
        .iter()
        .any(|r| r.path == format!("/repos/{OWNER_REPO}/pulls/{PR}")));
    assert_eq!(gh.comments().len(), 1);
    // Without the number, a fork's workflow_run names no pull request: no comment.
    let gh = FakeGitHub::start();
    run_in_actions(
        &repo,
        &gh,
        &Step::new(),
        "workflow_run_fork",
        &[],
        &[("GITHUB_EVENT_NAME", "workflow_run")],
    )
    .expect_code(1);
    assert!(gh.comments().is_empty());
}

#[test]
fn on_failure_mode_creates_only_for_a_failing_run_and_off_writes_nothing() {
    let passing = Repo::new();
    passing.write("README.md", "nothing here\n");
    let gh = FakeGitHub::start();
    run_in_actions(
        &passing,
        &gh,
        &Step::new(),
        "pull_request",
        &["--comment-mode", "on-failure"],
        &[],
    )
    .expect_code(0);
    assert!(gh.writes().is_empty());
    run_in_actions(
        &passing,
        &gh,
        &Step::new(),
        "pull_request",
        &["--comment-mode", "off"],
        &[],
    )
    .expect_code(0);
    assert!(gh.server.requests().iter().all(|r| r.method == "GET"));
    run_in_actions(
        &passing,
        &gh,
        &Step::new(),
        "pull_request",
        &["--comment-mode", "always"],
        &[],
    )
    .expect_code(0);
    assert_eq!(gh.comments().len(), 1);
    assert!(gh.comments()[0]
        .body
        .contains("## ⚪ nothing to check: no Mistral API usage found in 1 file"));

    // on-failure: a failure creates the comment, and the fix updates it to passed.
    let repo = failing_repo();
    let gh = FakeGitHub::start();
    run_in_actions(
        &repo,
        &gh,
        &Step::new(),
        "pull_request",
        &["--comment-mode=on-failure"],
        &[],
    )
    .expect_code(1);
    assert_eq!(gh.comments().len(), 1);
    std::fs::remove_file(repo.path().join(".env.production")).unwrap();
    let step = Step::new();
    run_in_actions(
        &repo,
        &gh,
        &step,
        "pull_request",
        &["--comment-mode=on-failure"],
        &[],
    )
    .expect_code(0);
    assert_eq!(gh.comments().len(), 1);
    assert!(
        gh.comments()[0]
            .body
            .contains("## ✅ passed: 0 blocking · "),
        "a fixed failure does not linger"
    );
    assert_eq!(step.output("comment").as_deref(), Some("updated"));
}

#[test]
fn thousands_of_findings_fit_in_one_comment_with_the_verdict_and_worst_failures() {
    let repo = Repo::new();
    let deep = "very-long-directory-name-for-a-generated-module-".repeat(4);
    for i in 0..3000 {
        repo.write(
            &format!("{deep}/m{i}/{deep}/config.py"),
            format!("MISTRAL_API_KEY = \"{KEY}\"\n"),
        );
    }
    repo.write(".env", format!("MISTRAL_API_KEY={KEY}\n"));
    let gh = FakeGitHub::start();
    let step = Step::new();
    run_in_actions(&repo, &gh, &step, "pull_request", &[], &[]).expect_code(1);
    let body = &gh.comments()[0].body;
    assert!(
        body.chars().count() <= 65_536 && body.len() <= 65_536,
        "{} chars",
        body.chars().count()
    );
    assert!(body.contains("## ❌ 2 blocking · "), "verdict shown");
    assert!(
        body.contains("`no-hardcoded-secrets`") && body.contains("`key-not-committed`"),
        "worst failures shown"
    );
    assert!(
        body.contains("more locations in the job summary of [this run]("),
        "says what was left out and where the rest is"
    );
}

#[test]
fn outputs_and_summary_and_no_secret_anywhere() {
    let repo = failing_repo();
    let gh = FakeGitHub::start();
    let step = Step::new();
    let junit = step.dir.path().join("reports dir/junit.xml");
    std::fs::create_dir_all(junit.parent().unwrap()).unwrap();
    let json = step.dir.path().join("r.json");
    let run = run_in_actions(
        &repo,
        &gh,
        &step,
        "pull_request",
        &[
            "--junit",
            junit.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[("MISTRAL_API_KEY", KEY)],
    )
    .expect_code(1);
    assert_eq!(step.output("verdict").as_deref(), Some("fail"));
    // The outputs agree with the report they summarise.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        step.output("failed"),
        Some(report["counts"]["fail"].to_string())
    );
    assert_eq!(
        step.output("warnings"),
        Some(report["counts"]["warn"].to_string())
    );
    assert!(report["counts"]["fail"].as_u64().unwrap() >= 2);
    assert_eq!(step.output("blocking").as_deref(), Some("2"));
    assert_eq!(step.output("junit-report").as_deref(), junit.to_str());
    assert_eq!(step.output("json-report").as_deref(), json.to_str());
    assert_eq!(step.output("markdown-report"), None, "only reports written");
    assert_eq!(
        step.output("comment-url"),
        Some(format!(
            "https://github.com/{OWNER_REPO}/pull/{PR}#issuecomment-{}",
            gh.comments()[0].id
        ))
    );
    let summary = step.summary();
    assert!(summary.starts_with("## ❌ 2 blocking · "), "{summary}");
    assert!(
        summary.contains("All 26 checks by step"),
        "the summary is the whole report"
    );
    let errors = run
        .stderr()
        .lines()
        .filter(|l| l.starts_with("::error "))
        .count();
    assert_eq!(errors, 2, "{}", run.stderr());
    let requests: String = gh
        .server
        .requests()
        .iter()
        .map(|r| format!("{} {}\n{}\n", r.method, r.path, r.body))
        .collect();
    let body = gh.comments()[0].body.clone();
    // The one sanctioned appearance of the key: the `::add-mask::` command, first thing
    // on stdout, which the runner consumes (never shows) and which makes it mask the key
    // everywhere after. Nothing else may hold it.
    let stdout = run.stdout();
    let mask = format!("::add-mask::{KEY}\n");
    assert!(
        stdout.starts_with(&mask),
        "the key is masked before anything else is printed:\n{stdout}"
    );
    let stdout = stdout.replacen(&mask, "", 1);
    assert_no_secret(
        KEY,
        &[
            ("stdout", &stdout),
            ("stderr", &run.stderr()),
            ("summary", &summary),
            ("outputs", &step.outputs()),
            ("comment", &body),
            ("requests", &requests),
        ],
    );
    assert_no_secret(
        ACTIONS_TOKEN,
        &[
            ("stdout", &run.stdout()),
            ("stderr", &run.stderr()),
            ("summary", &summary),
            ("outputs", &step.outputs()),
            ("comment", &body),
        ],
    );
}

#[test]
fn outside_actions_pr_comment_says_so_and_changes_nothing() {
    let repo = failing_repo();
    let run = repo
        .gate(&["--offline", "--pr-comment"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr().contains("not running in GitHub Actions"),
        "{}",
        run.stderr()
    );
    assert!(
        !run.stderr().contains("::"),
        "no workflow commands outside Actions"
    );
}
