//! Issue 9: an API answer that quotes the key back leaks none of it, in any output.
//!
//! A loopback Mistral stand-in echoes both keys in 401 and 500 bodies (long bodies with
//! the key after 150 characters, the key split by control characters, the key straddling
//! the 160-character cut) and inside the model list (ids, aliases, replacement ids of a
//! 200-model list with `deprecation` set so the replacement is printed). Each answer is
//! run through every output the gate has: the text report on stdout, `--format json`, the
//! JSON, JUnit, Markdown and SARIF files, and, with `GITHUB_ACTIONS=true`, annotations,
//! the job summary and `$GITHUB_OUTPUT`. The rule checked: no output holds any
//! five-character window of either key, the `::add-mask::` lines being the one
//! sanctioned exception. Also here: keys with control characters (exit 2), two report
//! flags naming one file (exit 2), atomic report writes, and `--config-ref` on a real git
//! repository built by the test.

mod common;
mod live_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::http::{MockServer, Reply, Request};
use common::{Repo, FAKE_FALLBACK_KEY, FAKE_MISTRAL_KEY};
use live_support::bearer;
use mistral_gate::report::Suppression;

const KEYS: [&str; 2] = [FAKE_MISTRAL_KEY, FAKE_FALLBACK_KEY];

/// One retry at most, short limits: a 500 costs milliseconds.
const TIMING: &str = "connect=1000,attempt=2000,budget=6000,backoff=20,backoff-cap=40,attempts=2";

/// Every window of `MIN` characters of either key found in `text`.
fn leaks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for key in KEYS {
        let chars: Vec<char> = key.chars().collect();
        for w in chars.windows(5) {
            let w: String = w.iter().collect();
            if text.contains(&w) {
                found.push(w);
            }
        }
    }
    found
}

/// A repository that calls the SDK with the models the stand-in's list describes.
fn app_repo() -> Repo {
    let repo = Repo::new();
    repo.write(
        "src/chat.ts",
        "import { Mistral } from \"@mistralai/mistralai\";\n\
         const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY });\n\
         export async function ask() {\n\
         \x20 const a = await client.chat.complete({ model: \"open-mistral-7b\", maxTokens: 5, temperature: 0, messages: [] });\n\
         \x20 const b = await client.chat.complete({ model: \"mistral-medium-2505\", maxTokens: 5, temperature: 0, messages: [] });\n\
         \x20 const c = await client.chat.complete({ model: \"ft:mistral-small:zz\", maxTokens: 5, temperature: 0, messages: [] });\n\
         \x20 return [a, b, c];\n}\n",
    );
    repo.write(".mistral-gate.toml", "[models]\nexpected = [\"open-mistral-7b\", \"mistral-medium-2505\", \"ft:mistral-small:zz\"]\n");
    repo
}

/// Everything one run wrote, by name.
struct Outputs {
    code: i32,
    texts: Vec<(String, String)>,
}

impl Outputs {
    fn assert_no_leak(&self, what: &str) {
        for (name, text) in &self.texts {
            let found = leaks(text);
            assert!(
                found.is_empty(),
                "{what}: {name} holds pieces of a key {found:?}:\n{text}"
            );
        }
    }
    fn get(&self, name: &str) -> &str {
        &self
            .texts
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no output {name}"))
            .1
    }
}

/// Runs the gate twice (text and JSON stdout), each time with every report file and as
/// a GitHub Actions step (annotations, summary, outputs), both keys given.
fn run_everywhere(repo: &Repo, server: &MockServer) -> Outputs {
    let mut texts = Vec::new();
    let mut code = 0;
    for format in ["text", "json"] {
        let out = tempfile::tempdir().unwrap();
        let files = [
            "report.json",
            "report.xml",
            "report.md",
            "report.sarif",
            "summary.md",
            "output.txt",
        ]
        .map(|f| out.path().join(f));
        let mut args: Vec<String> = [
            "--api-url",
            &server.url(),
            "--format",
            format,
            "--color",
            "always",
        ]
        .map(String::from)
        .to_vec();
        for (flag, file) in ["--json", "--junit", "--markdown", "--sarif"]
            .iter()
            .zip(&files)
        {
            args.extend([flag.to_string(), file.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = repo
            .gate(&args)
            .env("MISTRAL_API_KEY", FAKE_MISTRAL_KEY)
            .env("MISTRAL_FALLBACK_API_KEY", FAKE_FALLBACK_KEY)
            .env("MISTRAL_GATE_LIVE_TIMING", TIMING)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &files[4])
            .env("GITHUB_OUTPUT", &files[5])
            .run();
        code = run.code();
        assert!(
            code == 0 || code == 1,
            "{format}: exit {code}\n{}",
            run.stderr()
        );
        // The sanctioned exception: the runner consumes these lines and shows none.
        let masks: Vec<String> = KEYS.iter().map(|k| format!("::add-mask::{k}")).collect();
        let unmasked = |s: String| {
            s.lines()
                .filter(|l| !masks.iter().any(|m| m == l))
                .collect::<Vec<_>>()
                .join("\n")
        };
        texts.push((format!("{format} stdout"), unmasked(run.stdout())));
        texts.push((format!("{format} stderr"), unmasked(run.stderr())));
        for f in &files {
            let text = std::fs::read(f)
                .unwrap_or_else(|e| panic!("{format}: {} not written: {e}", f.display()));
            texts.push((
                format!("{format} {}", f.file_name().unwrap().to_string_lossy()),
                String::from_utf8_lossy(&text).into_owned(),
            ));
        }
    }
    Outputs { code, texts }
}

/// `text` as a JSON string literal (control characters escaped as the server would).
fn js(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// Both keys, as a gateway that quotes every credential it saw would put them.
fn both(req: &Request, f: impl Fn(&str) -> String) -> String {
    let own = bearer(req).unwrap_or_default().to_string();
    let other = KEYS.into_iter().find(|k| *k != own).unwrap();
    format!("{} / {}", f(&own), f(other))
}

/// The key split into pieces by `sep` at several places.
fn split(key: &str, sep: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        if i > 0 && i % 7 == 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

const SEPARATORS: [&str; 6] = ["\n", "\r", "\t", "\0", "\x1b", "\x1b[2J"];

const HOSTILE_MESSAGES: usize = 1 + 8 + 2 * SEPARATORS.len();

/// Error bodies that quote the key: after 150 characters, straddling the 160-character
/// cut at several offsets, and split by control characters.
fn hostile_messages(req: &Request) -> Vec<String> {
    let mut out = vec![both(req, |k| {
        format!("{}Invalid API key {k}", "x".repeat(150))
    })];
    for offset in [140, 150, 155, 156, 157, 158, 159, 160] {
        out.push(both(req, |k| format!("{}{k}", "y".repeat(offset))));
    }
    for sep in SEPARATORS {
        out.push(both(req, |k| {
            format!("{}key {}", "z".repeat(120), split(k, sep))
        }));
        out.push(both(req, |k| format!("key {}", split(k, sep))));
    }
    assert_eq!(out.len(), HOSTILE_MESSAGES);
    out
}

#[test]
fn error_bodies_that_echo_the_key_leak_none_of_it() {
    let repo = app_repo();
    for status in [401u16, 500] {
        for n in 0..HOSTILE_MESSAGES {
            let server = MockServer::start(move |req| {
                let message = &hostile_messages(req)[n];
                let body = match n % 3 {
                    0 => format!("{{\"message\":{}}}", js(message)),
                    1 => format!("{{\"detail\":{}}}", js(message)),
                    _ => format!("{{\"error\":{{\"message\":{}}}}}", js(message)),
                };
                Reply::json(status, body)
            });
            let outputs = run_everywhere(&repo, &server);
            outputs.assert_no_leak(&format!("{status} body {n}"));
            // The answer was understood, and said so with what is left of the message.
            let report: serde_json::Value =
                serde_json::from_str(outputs.get("json stdout")).unwrap();
            let key_valid = common::check(&report, "key-valid");
            let expected = if status == 500 { "error" } else { "fail" };
            assert_eq!(
                key_valid["status"], expected,
                "{status} body {n}: {key_valid}"
            );
            assert!(!server.requests().is_empty());
        }
    }
}

#[test]
fn a_redirect_that_names_the_key_leaks_none_of_it() {
    let repo = app_repo();
    let server = MockServer::start(|req| {
        let target = both(req, |k| format!("https://evil.example/{k}"));
        Reply::Respond {
            status: 302,
            headers: vec![("location".into(), target)],
            body: String::new(),
        }
    });
    let outputs = run_everywhere(&repo, &server);
    outputs.assert_no_leak("302 Location");
    assert!(
        outputs.get("json stdout").contains("a redirect"),
        "{}",
        outputs.get("json stdout")
    );
}

/// A 200-model list whose ids, aliases and replacement ids quote both keys, whole, cut,
/// and split by control characters; the models the app uses are deprecated (future date:
/// warn) or retired (past date: fail), each naming a replacement that holds a key.
fn hostile_model_list(req: &Request) -> String {
    let own = bearer(req).unwrap_or_default().to_string();
    let mut cards = Vec::new();
    let mut pieces: Vec<String> = Vec::new();
    for key in KEYS {
        pieces.push(key.to_string());
        pieces.push(key[..20].to_string());
        pieces.push(key[9..].to_string());
        pieces.extend(SEPARATORS.iter().map(|s| split(key, s)));
    }
    pieces.push(own);
    let piece = |i: usize| pieces[i % pieces.len()].clone();
    let card = |id: String,
                aliases: Vec<String>,
                deprecation: Option<&str>,
                replacement: Option<String>| {
        serde_json::json!({"id": id, "object": "model", "capabilities": {"completion_chat": true}, "aliases": aliases,
            "deprecation": deprecation, "deprecation_replacement_model": replacement, "type": "base"})
    };
    cards.push(card(
        "open-mistral-7b".into(),
        vec![format!("tiny-{}", piece(0))],
        Some("2020-03-30T12:00:00Z"),
        Some(format!("ministral-{}", piece(1))),
    ));
    cards.push(card(
        "mistral-medium-2505".into(),
        vec![],
        Some("2999-01-01T00:00:00Z"),
        Some(piece(3)),
    ));
    for i in 0..198 {
        // Near the missing `ft:mistral-small:zz`, so the closest-id hint may name one.
        cards.push(card(
            format!("ft:mistral-small:{}", piece(i)),
            vec![piece(i + 1)],
            Some("2999-01-01T00:00:00Z"),
            Some(format!("{}-latest", piece(i + 2))),
        ));
    }
    serde_json::json!({"object": "list", "data": cards}).to_string()
}

#[test]
fn a_model_list_that_holds_the_key_leaks_none_of_it() {
    let repo = app_repo();
    let server = MockServer::start(|req| Reply::json(200, hostile_model_list(req)));
    let outputs = run_everywhere(&repo, &server);
    outputs.assert_no_leak("model list");
    let report: serde_json::Value = serde_json::from_str(outputs.get("json stdout")).unwrap();
    assert_eq!(common::status(&report, "key-valid"), "pass");
    // The replacement is printed (scrubbed): the lifecycle check did read the list.
    let lifecycle = common::check(&report, "model-lifecycle").to_string();
    assert!(lifecycle.contains("move to ministral-****"), "{lifecycle}");
    assert!(lifecycle.contains("mistral-medium-2505"), "{lifecycle}");
    assert_eq!(outputs.code, 1, "a retired model fails the gate");
}

#[test]
fn a_key_with_a_control_character_or_inner_space_is_exit_2_and_never_printed() {
    let repo = app_repo();
    let server = MockServer::start(|_| Reply::json(200, live_support::MODEL_LIST));
    for (var, sep) in [
        ("MISTRAL_API_KEY", "\n"),
        ("MISTRAL_API_KEY", "\r"),
        ("MISTRAL_FALLBACK_API_KEY", "\t"),
        ("MISTRAL_API_KEY", " "),
        ("MISTRAL_FALLBACK_API_KEY", "\x1b"),
    ] {
        let bad = format!("{}{sep}{}", &KEYS[0][..12], &KEYS[0][12..]);
        let run = repo
            .gate(&["--api-url", &server.url()])
            .env(
                "MISTRAL_API_KEY",
                if var == "MISTRAL_API_KEY" {
                    bad.as_str()
                } else {
                    FAKE_MISTRAL_KEY
                },
            )
            .env(
                "MISTRAL_FALLBACK_API_KEY",
                if var == "MISTRAL_API_KEY" {
                    FAKE_FALLBACK_KEY
                } else {
                    bad.as_str()
                },
            )
            .env("GITHUB_ACTIONS", "true")
            .run()
            .expect_code(2);
        let (stdout, stderr) = (run.stdout(), run.stderr());
        assert!(
            stderr.contains(&format!("{var} holds ")) && stderr.contains("inside the key"),
            "{stderr}"
        );
        assert!(
            !stdout.contains("::add-mask::"),
            "nothing half-masked: {stdout}"
        );
        assert!(
            leaks(&stdout).is_empty() && leaks(&stderr).is_empty(),
            "{stdout}\n{stderr}"
        );
    }
    assert!(
        server.requests().is_empty(),
        "no request with a malformed key"
    );
    // Surrounding whitespace from a secret file is trimmed, not an error.
    let run = repo
        .gate(&["--api-url", &server.url(), "--format", "json"])
        .env("MISTRAL_API_KEY", format!("  {FAKE_MISTRAL_KEY}\r\n"))
        .run();
    assert_eq!(common::status(&run.json(), "key-valid"), "pass");
}

#[test]
fn two_report_flags_naming_one_file_are_exit_2() {
    let repo = app_repo();
    let out = tempfile::tempdir().unwrap();
    let d = out.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::os::unix::fs::symlink(d.join("a.json"), d.join("link.json")).unwrap();
    let cases: [(&str, PathBuf, &str, PathBuf); 4] = [
        ("--json", d.join("a.json"), "--sarif", d.join("a.json")),
        ("--json", d.join("a.json"), "--junit", d.join("./a.json")),
        (
            "--markdown",
            d.join("sub/../a.json"),
            "--json",
            d.join("a.json"),
        ),
        ("--json", d.join("a.json"), "--sarif", d.join("link.json")),
    ];
    for (f1, p1, f2, p2) in cases {
        let run = repo
            .gate(&[
                "--offline",
                f1,
                p1.to_str().unwrap(),
                f2,
                p2.to_str().unwrap(),
            ])
            .run()
            .expect_code(2);
        let stderr = run.stderr();
        assert!(
            stderr.contains("both name the report file")
                && stderr.contains(f1)
                && stderr.contains(f2),
            "{stderr}"
        );
        assert!(
            !d.join("a.json").exists(),
            "nothing written before the check"
        );
    }
    // Relative spellings, from the working directory.
    let mut cmd = repo
        .gate(&["--offline", "--json", "r.json", "--sarif", "./r.json"])
        .cmd;
    let run = cmd.current_dir(d).output().unwrap();
    assert_eq!(
        run.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // A folder or a FIFO as the target: a clear error before the run.
    let fifo = d.join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (target, what) in [(d.join("sub"), "it is a folder"), (fifo, "it is a FIFO")] {
        let run = repo
            .gate(&["--offline", "--json", target.to_str().unwrap()])
            .run()
            .expect_code(2);
        assert!(run.stderr().contains(what), "{}", run.stderr());
    }
}

/// Runs the gate as an unprivileged user when the tests run as root (a read-only folder
/// does not stop root), so that the folder's permissions are what the gate meets.
fn as_unprivileged(repo: &Repo, args: &[&str]) -> std::process::Output {
    let mut gate = repo.gate(args).cmd;
    if unsafe_is_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(gate.get_program())
            .args(gate.get_args());
        for (k, v) in gate.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        gate = cmd;
    }
    gate.output().unwrap()
}

fn unsafe_is_root() -> bool {
    String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout)
        .unwrap()
        .trim()
        == "0"
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_report_in_a_read_only_folder_is_exit_2_and_leaves_nothing() {
    let repo = app_repo();
    chmod(repo.path(), 0o755);
    let out = tempfile::tempdir().unwrap();
    chmod(out.path(), 0o755);
    let ro = out.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::write(ro.join("old.json"), "previous report").unwrap();
    chmod(&ro, 0o555);
    let new = ro.join("gate.json");
    let old = ro.join("old.json");
    for target in [&new, &old] {
        let run = as_unprivileged(&repo, &["--offline", "--json", target.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("cannot write report {}", target.display())),
            "{stderr}"
        );
    }
    let names: Vec<String> = std::fs::read_dir(&ro)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["old.json"], "no partial or temporary file");
    assert_eq!(
        std::fs::read_to_string(&old).unwrap(),
        "previous report",
        "the old report untouched"
    );
    chmod(&ro, 0o755);
}

#[test]
fn reports_are_replaced_whole_and_readable() {
    let repo = app_repo();
    let out = tempfile::tempdir().unwrap();
    let p = out.path().join("gate.json");
    std::fs::write(&p, "x".repeat(1 << 20)).unwrap();
    repo.gate(&["--offline", "--json", p.to_str().unwrap()])
        .run();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
        "one whole JSON document, no old bytes after it"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o644,
        "readable by later steps"
    );
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file left");
}

// --- --config-ref / --config-from base -------------------------------------------------

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git is installed for the test fixtures");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

const LEAKED: &str = "import mistralai\nMISTRAL_API_KEY = \"Zq4Rk9TbW2mXv7LcP3sNd8HfJ6gYa1Ue\"\n";

/// A repository whose base commit has a strict config (or none), and whose pull request
/// commits a key and a config that switches the key check off. `sub` puts the scanned
/// folder below the repository's top.
fn pr_repo(base_config: Option<&str>, sub: &str) -> (Repo, PathBuf, String) {
    let repo = Repo::new();
    let root = repo.path().join(sub);
    std::fs::create_dir_all(&root).unwrap();
    git(repo.path(), &["init", "-q"]);
    std::fs::write(root.join("app.py"), "import mistralai\n").unwrap();
    if let Some(c) = base_config {
        std::fs::write(root.join(".mistral-gate.toml"), c).unwrap();
    }
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "base"]);
    let base = git(repo.path(), &["rev-parse", "HEAD"]);
    std::fs::write(root.join("config.py"), LEAKED).unwrap();
    std::fs::write(
        root.join(".mistral-gate.toml"),
        "[checks.no-hardcoded-secrets]\nenabled = false\n",
    )
    .unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "pr"]);
    (repo, root, base)
}

fn gate_at(root: &Path, args: &[&str]) -> common::Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mistral-gate"));
    cmd.arg("check")
        .arg(root)
        .args(["--offline", "--format", "json"])
        .args(args);
    for var in [
        "MISTRAL_API_KEY",
        "MISTRAL_FALLBACK_API_KEY",
        "GITHUB_ACTIONS",
        "GITHUB_EVENT_PATH",
        "GITHUB_EVENT_NAME",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
    ] {
        cmd.env_remove(var);
    }
    common::Run {
        output: cmd.output().unwrap(),
    }
}

/// The report's `config` entry of what weakened the gate, from the library's own run
/// (the same `gate::run` the binary calls, so that the test does not depend on how each
/// renderer shows the entry).
fn config_entry(root: &Path, reference: &str) -> serde_json::Value {
    let at = mistral_gate::git_tree::config_at(root, reference).unwrap();
    let opts = mistral_gate::gate::Options {
        root: root.to_path_buf(),
        config: None,
        fail_on: None,
        strict: false,
        offline: true,
        baseline: None,
        ignore_baseline: false,
        live: Default::default(),
        config_at_ref: Some(at),
        base: Default::default(),
        fail_on_new: false,
        in_github_actions: false,
    };
    let report = mistral_gate::gate::run(&opts).unwrap();
    let entries: Vec<_> = report
        .suppressed
        .iter()
        .filter(|s| matches!(s, Suppression::Config { .. }))
        .collect();
    assert_eq!(entries.len(), 1, "{:?}", report.suppressed);
    serde_json::to_value(entries[0]).unwrap()
}

#[test]
fn config_ref_reads_the_base_commits_config_not_the_pull_requests() {
    for sub in ["", "services/api"] {
        let (_repo, root, base) = pr_repo(Some("fail-on = \"error\"\n"), sub);
        // The pull request's own config switches the check off: the key passes.
        let head = gate_at(&root, &[]);
        assert_eq!(
            common::status(&head.json(), "no-hardcoded-secrets"),
            "skip",
            "{}",
            head.stdout()
        );
        // From the base commit, the check runs and fails the gate.
        {
            let run = gate_at(&root, &["--config-ref", &base]).expect_code(1);
            let report = run.json();
            assert_eq!(common::status(&report, "no-hardcoded-secrets"), "fail");
            let entry = config_entry(&root, &base);
            assert_eq!(entry["source"], "base-commit", "{report}");
            let path = if sub.is_empty() {
                ".mistral-gate.toml".to_string()
            } else {
                format!("{sub}/.mistral-gate.toml")
            };
            assert_eq!(entry["path"], format!("{}:{path}", &base[..12]), "{entry}");
        }
        // A branch name resolves too.
        git(_repo.path(), &["branch", "base-branch", &base]);
        let run = gate_at(&root, &["--config-ref", "base-branch"]).expect_code(1);
        assert_eq!(common::status(&run.json(), "no-hardcoded-secrets"), "fail");
    }
}

#[test]
fn no_config_at_the_base_commit_means_no_repository_config_and_the_report_says_so() {
    let (_repo, root, base) = pr_repo(None, "");
    let run = gate_at(&root, &["--config-ref", &base]).expect_code(1);
    let report = run.json();
    assert_eq!(common::status(&report, "no-hardcoded-secrets"), "fail");
    let entry = config_entry(&root, &base);
    assert_eq!(entry["source"], "base-commit");
    assert!(
        entry["path"]
            .as_str()
            .unwrap()
            .contains("absent at the base commit: no repository config used"),
        "{entry}"
    );
}

#[test]
fn config_from_base_takes_the_commit_from_the_pull_request_event() {
    let (_repo, root, base) = pr_repo(Some(""), "");
    let events = tempfile::tempdir().unwrap();
    let event = events.path().join("event.json");
    std::fs::write(&event, format!("{{\"pull_request\":{{\"number\":1,\"base\":{{\"sha\":\"{base}\"}},\"head\":{{\"sha\":\"x\"}}}}}}")).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mistral-gate"));
    cmd.arg("check")
        .arg(&root)
        .args(["--offline", "--format", "json", "--config-from", "base"]);
    cmd.env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env_remove("GITHUB_ACTIONS");
    // The base config is empty: the pull request's switch-off is not in force.
    let run = common::Run {
        output: cmd.output().unwrap(),
    }
    .expect_code(1);
    assert_eq!(common::status(&run.json(), "no-hardcoded-secrets"), "fail");
    // A pull-request event that names no base: an error, never the pull request's config.
    std::fs::write(&event, "{\"pull_request\":{\"number\":1}}").unwrap();
    let run = common::Run {
        output: cmd.output().unwrap(),
    }
    .expect_code(2);
    assert!(
        run.stderr().contains("names no base commit"),
        "{}",
        run.stderr()
    );
    // A push: the branch's own config, said on stderr.
    cmd.env("GITHUB_EVENT_NAME", "push");
    std::fs::write(&event, "{\"ref\":\"refs/heads/main\"}").unwrap();
    let run = common::Run {
        output: cmd.output().unwrap(),
    };
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().contains("not for a pull request"),
        "{}",
        run.stderr()
    );
}

#[test]
fn config_ref_errors_are_exit_2_with_the_reason() {
    let (repo, root, base) = pr_repo(Some("fail-on = \"error\"\n"), "");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--config-ref".into(), "no-such-branch".into()],
            "names no commit",
        ),
        (
            vec!["--config-ref".into(), "0".repeat(40)],
            "names no commit",
        ),
        (
            vec![
                "--config-ref".into(),
                base.clone(),
                "--config".into(),
                "x.toml".into(),
            ],
            "cannot be used with",
        ),
    ];
    for (args, message) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = gate_at(&root, &args).expect_code(2);
        assert!(run.stderr().contains(message), "{args:?}: {}", run.stderr());
    }
    // Not a git repository.
    let plain = Repo::new();
    plain.write("app.py", "import mistralai\n");
    let run = gate_at(plain.path(), &["--config-ref", &base]).expect_code(2);
    assert!(
        run.stderr().contains("is not inside a git repository"),
        "{}",
        run.stderr()
    );
    // An invalid config at the base commit names the commit and the line.
    std::fs::write(
        root.join(".mistral-gate.toml"),
        "fail-on = \"error\"\n\nbogus = 1\n",
    )
    .unwrap();
    git(repo.path(), &["commit", "-qam", "bad config"]);
    let run = gate_at(&root, &["--config-ref", "HEAD"]).expect_code(2);
    assert!(
        run.stderr().contains(":.mistral-gate.toml line 3"),
        "{}",
        run.stderr()
    );
    // A symlink or an oversized blob at the base commit is refused, not followed or read.
    std::fs::remove_file(root.join(".mistral-gate.toml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join(".mistral-gate.toml")).unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "link"]);
    let run = gate_at(&root, &["--config-ref", "HEAD"]).expect_code(2);
    assert!(
        run.stderr().contains("is a symlink, not a config file"),
        "{}",
        run.stderr()
    );
    std::fs::remove_file(root.join(".mistral-gate.toml")).unwrap();
    std::fs::write(
        root.join(".mistral-gate.toml"),
        format!("# {}\n", "x".repeat(2 << 20)),
    )
    .unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "big"]);
    let run = gate_at(&root, &["--config-ref", "HEAD"]).expect_code(2);
    assert!(
        run.stderr().contains("larger than the 1048576"),
        "{}",
        run.stderr()
    );
}
