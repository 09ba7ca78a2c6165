//! Shared harness for integration tests (after ripgrep's tests/util.rs): each test gets
//! its own temporary repository and runs the real binary on it.
#![allow(dead_code)]

pub mod http;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Fake keys for tests: they have the shape of real keys and belong to nobody.
pub const FAKE_MISTRAL_KEY: &str = "Zq4Rk9TbW2mXv7LcP3sNd8HfJ6gYa1Ue";
pub const FAKE_FALLBACK_KEY: &str = "Hn5Wc8PzQ2tLk7RmX4vBd9GsJ3yFa6Ek";

/// A temporary repository.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    pub fn new() -> Repo {
        Repo {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A copy of a fixture directory under tests/fixtures/.
    pub fn fixture(name: &str) -> Repo {
        let repo = Repo::new();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
            repo.path(),
        );
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating parent directories) and returns its path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// `mistral-gate check <repo> <args>` with a clean environment (no keys, not in Actions).
    pub fn gate(&self, args: &[&str]) -> Gate {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mistral-gate"));
        cmd.arg("check").arg(self.path()).args(args);
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
        Gate { cmd }
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

pub struct Gate {
    pub cmd: Command,
}

impl Gate {
    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Gate {
        self.cmd.env(k, v);
        self
    }
    pub fn run(mut self) -> Run {
        let output = self.cmd.output().expect("run mistral-gate");
        Run { output }
    }
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().expect("exit code")
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    /// stdout parsed as the JSON report (run with `--format json`).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout(),
                self.stderr()
            )
        })
    }
    /// Asserts the exit code, showing the output when it differs.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code(),
            code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// The result object of check `id` in a JSON report.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in report"))
}

pub fn status<'a>(report: &'a serde_json::Value, id: &str) -> &'a str {
    check(report, id)["status"].as_str().unwrap()
}

/// Asserts that none of `texts` contains `secret`.
pub fn assert_no_secret(secret: &str, texts: &[(&str, &str)]) {
    for (name, text) in texts {
        assert!(
            !text.contains(secret),
            "{name} contains the full secret:\n{text}"
        );
    }
}

/// GitHub's renderer (cmark-gfm with its extensions, raw HTML kept so that any that gets
/// through shows); scripts/setup.d/50-report-validators.sh installs it.
pub fn render_gfm(markdown: &str) -> String {
    let script = "import sys, cmarkgfm\nfrom cmarkgfm.cmark import Options\nsys.stdout.write(cmarkgfm.github_flavored_markdown_to_html(sys.stdin.read(), options=Options.CMARK_OPT_UNSAFE))";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(markdown.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "cmarkgfm (scripts/setup.d/50-report-validators.sh installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Renders `markdown` as GitHub would and asserts it holds only what the gate builds:
/// its own tags, no raw comment or image, no @-mention outside code, and links only where
/// `ours(url)` says so. Returns the HTML for further assertions.
pub fn assert_only_gate_markup(markdown: &str, name: &str, ours: impl Fn(&str) -> bool) -> String {
    let html = render_gfm(markdown);
    let allowed = [
        "p",
        "h2",
        "h3",
        "h4",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "code",
        "ul",
        "li",
        "details",
        "summary",
        "strong",
        "blockquote",
        "sub",
        "a",
        "br",
    ];
    let tag = regex::Regex::new(r"</?([A-Za-z][A-Za-z0-9_-]*)").unwrap();
    for m in tag.captures_iter(&html) {
        assert!(
            allowed.contains(&&m[1]),
            "{name}: the HTML holds a <{}> the gate did not build:\n{html}",
            &m[1]
        );
    }
    assert!(!html.contains("<!--"), "{name}: a raw comment:\n{html}");
    assert!(!html.contains("<img"), "{name}: an image:\n{html}");
    let href = regex::Regex::new(r#"<a href="([^"]*)""#).unwrap();
    assert_eq!(
        html.matches("<a ").count(),
        href.find_iter(&html).count(),
        "{name}: an anchor without a plain href:\n{html}"
    );
    for h in href.captures_iter(&html) {
        assert!(
            ours(&h[1]),
            "{name}: a link the gate did not build: {}",
            &h[1]
        );
    }
    // GitHub links a mention when `@` is followed by a login character, outside code.
    let code = regex::Regex::new(r"(?s)<code>.*?</code>").unwrap();
    let prose = code.replace_all(&html, "");
    let mention = regex::Regex::new(r"(^|[^A-Za-z0-9_])@[A-Za-z0-9]").unwrap();
    assert!(!mention.is_match(&prose), "{name}: a mention:\n{prose}");
    html
}
