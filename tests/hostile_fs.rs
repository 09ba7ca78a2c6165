//! Issue 9, reading side: a hostile pull request cannot make the gate read outside the
//! repository, hang on a special file, eat memory, or switch the gate off silently.
//!
//! Each test builds the hostile repository itself (symlinks to /proc, /etc, /dev/zero,
//! `..`, FIFOs), runs the real binary under `/usr/bin/time` with a deadline, and asserts
//! the exact outcome, the wall time and the peak memory.
#![cfg(unix)]
mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{check, status, FAKE_FALLBACK_KEY, FAKE_MISTRAL_KEY as KEY};

/// A run that takes longer than this is a hang.
const DEADLINE: Duration = Duration::from_secs(20);

/// A folder holding the repository (`repo/`) and a neighbour the repository must not
/// reach (`outside/`).
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        let site = Site {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(site.repo()).unwrap();
        std::fs::create_dir_all(site.outside()).unwrap();
        std::fs::create_dir_all(site.dir.path().join("out")).unwrap();
        site
    }
    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }
    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.repo().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }
    fn link(&self, rel: &str, target: impl AsRef<Path>) {
        let p = self.repo().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        symlink(target, p).unwrap();
    }
    fn fifo(&self, rel: &str) -> PathBuf {
        let p = self.repo().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        assert!(Command::new("mkfifo").arg(&p).status().unwrap().success());
        p
    }

    /// `mistral-gate check repo/ args` under `/usr/bin/time`, killed after [`DEADLINE`].
    /// stdout is a pipe, as in CI.
    fn gate(&self, args: &[&str]) -> Bounded {
        let out = self.dir.path().join("out");
        let time_file = out.join("time");
        let mut cmd = Command::new("/usr/bin/time");
        cmd.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&time_file)
            .arg(env!("CARGO_BIN_EXE_mistral-gate"));
        cmd.arg("check").arg(self.repo()).args(args);
        for var in [
            "MISTRAL_API_KEY",
            "MISTRAL_FALLBACK_API_KEY",
            "GITHUB_ACTIONS",
            "GITHUB_EVENT_PATH",
            "GITHUB_OUTPUT",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_TOKEN",
            "NO_COLOR",
        ] {
            cmd.env_remove(var);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd.spawn().expect("run /usr/bin/time mistral-gate");
        // Drain both pipes on threads, so a large report cannot block the child.
        let mut so = child.stdout.take().unwrap();
        let mut se = child.stderr.take().unwrap();
        let so = std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut so, &mut v).ok();
            v
        });
        let se = std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut se, &mut v).ok();
            v
        });
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!("mistral-gate check {args:?} still running after {DEADLINE:?}: a hang");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let elapsed = started.elapsed();
        let stdout = String::from_utf8_lossy(&so.join().unwrap()).into_owned();
        let stderr = String::from_utf8_lossy(&se.join().unwrap()).into_owned();
        // `time` writes "Command exited with non-zero status N" before the number.
        let peak_kb = std::fs::read_to_string(&time_file)
            .ok()
            .and_then(|t| t.lines().rev().find_map(|l| l.trim().parse::<u64>().ok()))
            .unwrap_or_else(|| panic!("no peak RSS from /usr/bin/time; stderr:\n{stderr}"));
        Bounded {
            code: status.code().expect("exit code"),
            stdout,
            stderr,
            elapsed,
            peak_kb,
        }
    }
}

struct Bounded {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_kb: u64,
}

impl Bounded {
    fn expect_code(self, code: i32) -> Bounded {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
    /// Quick and flat: a few seconds, under `mb` of peak memory.
    fn within(self, mb: u64) -> Bounded {
        assert!(
            self.elapsed < Duration::from_secs(10),
            "took {:?}",
            self.elapsed
        );
        assert!(
            self.peak_kb < mb * 1024,
            "peak RSS {} KiB over {mb} MB",
            self.peak_kb
        );
        self
    }
}

fn skipped(json: &serde_json::Value) -> Vec<(String, String)> {
    json["scan"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const APP: &str = "import { Mistral } from \"@mistralai/mistralai\";\nconst client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY });\n";
const OUTSIDE: &str = "symlink outside the repository";

#[test]
fn links_out_of_the_repository_are_listed_never_followed() {
    let site = Site::new();
    site.write("src/app.ts", APP);
    std::fs::write(
        site.outside().join("prod.env"),
        format!("MISTRAL_API_KEY={KEY}\n"),
    )
    .unwrap();
    std::fs::write(
        site.outside().join("notes.txt"),
        format!("mistral key {FAKE_FALLBACK_KEY}\n"),
    )
    .unwrap();
    site.link("etc", "/etc");
    site.link("proc", "/proc");
    site.link("zero", "/dev/zero");
    site.link("pagemap", "/proc/self/pagemap");
    site.link("stdout", "/proc/self/fd/1");
    site.link("up", "..");
    site.link("deep/notes.txt", "../../outside/notes.txt");
    site.link("leaked.env", "../outside/prod.env");
    site.link("outside-dir", site.outside());
    let r = site
        .gate(&["--offline", "--format", "json"])
        .expect_code(0)
        .within(100);
    let json = r.json();
    let s = skipped(&json);
    for path in [
        "etc",
        "proc",
        "zero",
        "pagemap",
        "up",
        "deep/notes.txt",
        "leaked.env",
        "outside-dir",
    ] {
        assert!(
            s.contains(&(path.to_string(), OUTSIDE.to_string())),
            "{path} not listed as outside: {s:?}"
        );
    }
    // /proc/self/fd/1 is the gate's own stdout, a pipe here: outside, or not a regular
    // file if the kernel cannot name it; never read.
    let stdout_link = s
        .iter()
        .find(|(p, _)| p == "stdout")
        .expect("stdout link listed");
    assert!(
        stdout_link.1 == OUTSIDE
            || stdout_link.1.starts_with("not a regular file")
            || stdout_link.1.starts_with("broken symlink"),
        "{stdout_link:?}"
    );
    // Only the real file was read: nothing under /etc or /proc, not the outside key.
    assert_eq!(json["scan"]["files"], 1, "{s:?}");
    assert_eq!(s.len(), 9, "{s:?}");
    assert_eq!(status(&json, "key-not-committed"), "pass");
    assert_eq!(status(&json, "no-hardcoded-secrets"), "pass");
    common::assert_no_secret(KEY, &[("stdout", &r.stdout), ("stderr", &r.stderr)]);
    common::assert_no_secret(
        FAKE_FALLBACK_KEY,
        &[("stdout", &r.stdout), ("stderr", &r.stderr)],
    );
    // The text report lists them too.
    let text = site.gate(&["--offline"]).expect_code(0).within(100);
    assert!(
        text.stdout.contains(&format!("leaked.env  {OUTSIDE}")),
        "{}",
        text.stdout
    );
}

#[test]
fn links_that_stay_inside_the_repository_still_work() {
    let site = Site::new();
    site.write("src/app.ts", APP);
    site.write("settings/real.py", format!("MISTRAL_API_KEY = \"{KEY}\"\n"));
    site.link("config.py", "settings/real.py");
    site.link("lib", "src");
    site.link("abs.py", site.repo().join("settings/real.py"));
    let json = site
        .gate(&["--offline", "--format", "json"])
        .expect_code(1)
        .within(100)
        .json();
    let ev: Vec<String> = check(&json, "no-hardcoded-secrets")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    for path in ["config.py", "abs.py", "settings/real.py"] {
        assert!(ev.contains(&path.to_string()), "{path} not scanned: {ev:?}");
    }
    assert!(skipped(&json).is_empty(), "{:?}", skipped(&json));
    // The linked folder is walked: its file is scanned under the link's path too.
    assert_eq!(json["scan"]["files"], 5);
}

#[test]
fn special_files_and_hostile_ignore_files_never_hang() {
    let site = Site::new();
    site.write("src/app.ts", APP);
    site.write("src/.env", format!("MISTRAL_API_KEY={KEY}\n"));
    site.fifo("pipe");
    // The walk reads ignore files itself: a FIFO .gitignore and a .ignore that never
    // ends must not hang it nor hide anything.
    site.fifo(".gitignore");
    site.link("src/.ignore", "/dev/zero");
    let json = site
        .gate(&["--offline", "--format", "json"])
        .expect_code(1)
        .within(100)
        .json();
    let s = skipped(&json);
    assert!(
        s.contains(&(
            "pipe".into(),
            "not a regular file (FIFO, socket or device)".into()
        )),
        "{s:?}"
    );
    assert!(
        s.contains(&(
            ".gitignore".into(),
            "not a regular file (FIFO, socket or device)".into()
        )),
        "{s:?}"
    );
    assert!(s.contains(&("src/.ignore".into(), OUTSIDE.into())), "{s:?}");
    assert_eq!(status(&json, "key-not-committed"), "fail");
}

#[test]
fn a_baseline_named_by_the_repository_obeys_the_repository_rules() {
    let site = Site::new();
    site.write("src/app.ts", APP);
    site.write(".mistral-gate.toml", "baseline = \"accepted.json\"\n");
    // The CI attack: the job's own stdout, a pipe that never ends.
    site.link("accepted.json", "/proc/self/fd/1");
    let r = site.gate(&["--offline"]).expect_code(2).within(100);
    assert!(
        r.stderr.contains("cannot read baseline accepted.json: "),
        "{}",
        r.stderr
    );
    std::fs::remove_file(site.repo().join("accepted.json")).unwrap();
    site.fifo("accepted.json");
    let r = site.gate(&["--offline"]).expect_code(2).within(100);
    assert!(
        r.stderr.contains(
            "cannot read baseline accepted.json: not a regular file (FIFO, socket or device)"
        ),
        "{}",
        r.stderr
    );
    std::fs::remove_file(site.repo().join("accepted.json")).unwrap();
    std::fs::write(
        site.outside().join("accepted.json"),
        "{\"version\": 1, \"findings\": []}",
    )
    .unwrap();
    site.link("accepted.json", "../outside/accepted.json");
    let r = site.gate(&["--offline"]).expect_code(2).within(100);
    assert!(
        r.stderr
            .contains(&format!("cannot read baseline accepted.json: {OUTSIDE}")),
        "{}",
        r.stderr
    );
}

#[test]
fn a_baseline_or_config_on_the_command_line_is_bounded() {
    let site = Site::new();
    site.write("src/app.ts", APP);
    let fifo = site.dir.path().join("out/baseline.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let r = site
        .gate(&["--offline", "--baseline", fifo.to_str().unwrap()])
        .expect_code(2)
        .within(100);
    assert!(
        r.stderr
            .contains("not a regular file (FIFO, socket or device)"),
        "{}",
        r.stderr
    );
    let r = site
        .gate(&["--offline", "--config", fifo.to_str().unwrap()])
        .expect_code(2)
        .within(100);
    assert!(
        r.stderr
            .contains("not a regular file (FIFO, socket or device)"),
        "{}",
        r.stderr
    );
    // procfs says size 0 and the file never ends: a quick, clear error (the kernel
    // refuses reads that are not 8-byte multiples), with flat memory.
    let r = site
        .gate(&["--offline", "--config", "/proc/self/pagemap"])
        .expect_code(2)
        .within(100);
    assert!(
        r.stderr
            .contains("mistral-gate: error: cannot read config file /proc/self/pagemap: "),
        "{}",
        r.stderr
    );
    // A config far over the cap is refused after reading cap + 1 bytes.
    let big = site.dir.path().join("out/big.toml");
    std::fs::write(&big, vec![b'#'; 5 * 1024 * 1024]).unwrap();
    let r = site
        .gate(&["--offline", "--config", big.to_str().unwrap()])
        .expect_code(2)
        .within(100);
    assert!(
        r.stderr.contains("/big.toml: larger than 1048576 bytes\n"),
        "{}",
        r.stderr
    );
    let r = site
        .gate(&["--offline", "--config", "/dev/zero"])
        .expect_code(2)
        .within(100);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
}

#[test]
fn a_config_linked_out_of_the_repository_is_refused() {
    let site = Site::new();
    site.write("src/app.ts", APP);
    site.link(".mistral-gate.toml", "/proc/self/pagemap");
    let r = site.gate(&["--offline"]).expect_code(2).within(100);
    assert!(
        r.stderr.contains(&format!(
            "cannot read config file .mistral-gate.toml: {OUTSIDE}"
        )),
        "{}",
        r.stderr
    );
    std::fs::remove_file(site.repo().join(".mistral-gate.toml")).unwrap();
    site.fifo(".mistral-gate.toml");
    let r = site.gate(&["--offline"]).expect_code(2).within(100);
    assert!(
        r.stderr
            .contains("cannot read config file .mistral-gate.toml: not a regular file"),
        "{}",
        r.stderr
    );
}

#[test]
fn nothing_to_scan_is_a_usage_error() {
    let site = Site::new();
    let r = site.gate(&["--offline"]).expect_code(2);
    assert!(
        r.stderr.contains("nothing to scan: ") && r.stderr.contains("holds no file"),
        "{}",
        r.stderr
    );
    // Everything git-ignored (the .gitignore included) or vendored: the same.
    site.write(".gitignore", "*\n");
    site.write("node_modules/x/index.js", "x\n");
    let r = site.gate(&["--offline"]).expect_code(2);
    assert!(r.stderr.contains("nothing to scan: "), "{}", r.stderr);
    // A config that excludes every file, a key included, is named in the message.
    std::fs::remove_file(site.repo().join(".gitignore")).unwrap();
    site.write("prod.env", format!("MISTRAL_API_KEY={KEY}\n"));
    site.write(".mistral-gate.toml", "ignore-paths = [\"**\"]\n");
    let r = site.gate(&["--offline"]).expect_code(2);
    assert!(
        r.stderr.contains("nothing to scan: all 2 files of ")
            && r.stderr
                .contains("are excluded by ignore-paths [\"**\"] in .mistral-gate.toml"),
        "{}",
        r.stderr
    );
    common::assert_no_secret(KEY, &[("stderr", &r.stderr)]);
}

/// `suppressed` entries of the JSON report, compactly.
fn suppressed(json: &serde_json::Value) -> Vec<serde_json::Value> {
    json["suppressed"]
        .as_array()
        .expect("suppressed array")
        .clone()
}

/// A pull request that commits a key and switches the gate off: each way is shown.
fn key_pr() -> Site {
    let site = Site::new();
    site.write("src/app.ts", APP);
    site.write("deploy/prod.env", format!("MISTRAL_API_KEY={KEY}\n"));
    site
}

#[test]
fn a_config_that_disables_or_lowers_checks_is_shown() {
    let site = key_pr();
    site.write(
        ".mistral-gate.toml",
        "[checks.key-not-committed]\nenabled = false\n[checks.no-hardcoded-secrets]\nseverity = \"info\"\n[checks.model-pinned]\nseverity = \"error\"\n",
    );
    let r = site.gate(&["--offline", "--format", "json"]).expect_code(0);
    let json = r.json();
    assert_eq!(
        suppressed(&json),
        vec![
            serde_json::json!({"kind": "config", "path": ".mistral-gate.toml", "source": "repository"}),
            serde_json::json!({"kind": "check-disabled", "check": "key-not-committed"}),
            serde_json::json!({"kind": "severity-lowered", "check": "no-hardcoded-secrets", "from": "error", "to": "info"}),
        ]
    );
    let text = site.gate(&["--offline"]).expect_code(0).stdout;
    assert!(
        text.contains("Suppressed (what weakened the gate in this run)\n"),
        "{text}"
    );
    assert!(text.contains("  config file .mistral-gate.toml (from the repository: the pull request can change it)\n"), "{text}");
    assert!(
        text.contains("  check key-not-committed disabled\n"),
        "{text}"
    );
    assert!(
        text.contains("  check no-hardcoded-secrets severity lowered from error to info\n"),
        "{text}"
    );
    common::assert_no_secret(KEY, &[("json", &r.stdout), ("text", &text)]);
    // The same file given on the command line says so.
    let cfg = site.repo().join(".mistral-gate.toml");
    let json = site
        .gate(&[
            "--offline",
            "--format",
            "json",
            "--config",
            cfg.to_str().unwrap(),
        ])
        .expect_code(0)
        .json();
    assert_eq!(suppressed(&json)[0]["source"], "command-line");
}

#[test]
fn ignored_paths_are_shown_with_the_files_they_excluded() {
    let site = key_pr();
    site.write("deploy/staging.env", "LOG_LEVEL=debug\n");
    site.write("docs/setup.md", format!("Set MISTRAL_API_KEY={KEY}\n"));
    site.write(".mistral-gate.toml", "ignore-paths = [\"deploy\", \"nothing/**\"]\n[checks.no-hardcoded-secrets]\nignore-paths = [\"docs/**\"]\n");
    let json = site
        .gate(&["--offline", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(
        suppressed(&json)[1..],
        [
            serde_json::json!({"kind": "ignored-path", "pattern": "deploy", "files": 2}),
            serde_json::json!({"kind": "ignored-path", "pattern": "nothing/**", "files": 0}),
            serde_json::json!({"kind": "ignored-path", "check": "no-hardcoded-secrets", "pattern": "docs/**", "files": 1}),
        ]
    );
    let text = site.gate(&["--offline"]).expect_code(0).stdout;
    assert!(
        text.contains("  ignore-paths \"deploy\" excluded 2 files\n"),
        "{text}"
    );
    assert!(
        text.contains("  ignore-paths \"docs/**\" of no-hardcoded-secrets ignores 1 file\n"),
        "{text}"
    );
}

#[test]
fn a_tiny_max_file_size_is_shown_with_the_files_it_left_unscanned() {
    let site = key_pr();
    site.write(".mistral-gate.toml", "max-file-size = 1\n");
    let json = site
        .gate(&["--offline", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(
        suppressed(&json)[1],
        serde_json::json!({"kind": "max-file-size", "bytes": 1, "files": 3})
    );
    // A key in a file left unscanned is not a pass either.
    assert_eq!(status(&json, "key-not-committed"), "warn");
    let text = site.gate(&["--offline"]).expect_code(0).stdout;
    assert!(
        text.contains("  max-file-size 1 B (default 10.0 MiB) left 3 files unscanned\n"),
        "{text}"
    );
}

#[test]
fn inline_ignores_and_baseline_entries_are_shown_with_their_place() {
    let site = Site::new();
    site.write("src/app.ts", APP);
    site.write(
        "src/keys.py",
        format!("# mistral-gate: ignore no-hardcoded-secrets\nMISTRAL_DEMO = \"{KEY}\"\n"),
    );
    let json = site
        .gate(&["--offline", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(
        suppressed(&json),
        vec![
            serde_json::json!({"kind": "inline-ignore", "check": "no-hardcoded-secrets", "path": "src/keys.py", "line": 1})
        ]
    );
    let text = site.gate(&["--offline"]).expect_code(0).stdout;
    assert!(
        text.contains("  inline ignore of no-hardcoded-secrets at src/keys.py:1\n"),
        "{text}"
    );

    // A baseline written now, then named by the repository's config.
    site.write("src/keys.py", format!("MISTRAL_DEMO = \"{KEY}\"\n"));
    let baseline = site.repo().join("accepted.json");
    site.gate(&["--offline", "--write-baseline", baseline.to_str().unwrap()])
        .expect_code(0);
    site.write(".mistral-gate.toml", "baseline = \"accepted.json\"\n");
    let r = site.gate(&["--offline", "--format", "json"]).expect_code(0);
    let json = r.json();
    // Every entry applied is listed: the key at its path, and each check accepted as a
    // whole (no file to point at: the docs, alerts and CI checks) with an empty path.
    let entries = &suppressed(&json)[1..];
    assert!(
        entries.contains(
            &serde_json::json!({"kind": "baseline", "check": "no-hardcoded-secrets", "path": "src/keys.py", "baseline": "accepted.json"})
        ),
        "{entries:?}"
    );
    assert!(entries
        .iter()
        .all(|e| e["kind"] == "baseline" && e["baseline"] == "accepted.json"));
    assert!(
        entries
            .iter()
            .any(|e| e["check"] == "rollback-doc" && e["path"] == ""),
        "{entries:?}"
    );
    let text = site.gate(&["--offline"]).expect_code(0).stdout;
    assert!(
        text.contains(
            "  finding of no-hardcoded-secrets in src/keys.py accepted by baseline accepted.json\n"
        ),
        "{text}"
    );
    common::assert_no_secret(
        KEY,
        &[
            ("json", &r.stdout),
            ("text", &text),
            ("baseline", &std::fs::read_to_string(&baseline).unwrap()),
        ],
    );
}

#[test]
fn nothing_weakened_means_no_suppressed_section() {
    let site = Site::new();
    site.write("src/app.ts", APP);
    let json = site
        .gate(&["--offline", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["suppressed"], serde_json::json!([]));
    let text = site.gate(&["--offline"]).expect_code(0).stdout;
    assert!(!text.contains("Suppressed"), "{text}");
}
