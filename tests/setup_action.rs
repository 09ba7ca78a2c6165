//! The `setup` action (setup/action.yml + setup/install.sh) installs only a verified
//! binary: install.sh runs against a loopback file server laid out like GitHub's
//! releases/download, with a good archive, a tampered one, and a tampered one whose
//! published .sha256 was tampered with too (refused by the checksums the action pins).
#![cfg(unix)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

const VERSION: &str = "v0.1.0";
const TARGET: &str = "x86_64-unknown-linux-musl";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn archive_name() -> String {
    format!("mistral-gate-{VERSION}-{TARGET}.tar.gz")
}

/// Serves `files` (URL path → bytes) over HTTP/1.1 on a loopback port; anything else is
/// 404. One response per connection. Returns the base URL.
fn serve(files: HashMap<String, Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let files = Arc::new(files);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let files = Arc::clone(&files);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                // Drain the headers.
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let (status, body) = match files.get(&path) {
                    Some(b) => ("200 OK", b.clone()),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    format!("http://{addr}/releases/download")
}

/// A release archive holding a stand-in `mistral-gate` that prints `says` for --version.
fn archive(says: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("mistral-gate");
    std::fs::write(&exe, format!("#!/bin/sh\necho '{says}'\n")).unwrap();
    let status = Command::new("chmod").arg("755").arg(&exe).status().unwrap();
    assert!(status.success());
    let out = dir.path().join("a.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&out)
        .arg("-C")
        .arg(dir.path())
        .arg("mistral-gate")
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    std::fs::write(&p, bytes).unwrap();
    let out = Command::new("sha256sum").arg(&p).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

fn checksum_line(bytes: &[u8]) -> Vec<u8> {
    format!("{}  {}\n", sha256(bytes), archive_name()).into_bytes()
}

/// The release as the server holds it: the archive and its .sha256.
fn release(archive: Vec<u8>, sha_file: Vec<u8>) -> HashMap<String, Vec<u8>> {
    let base = format!("/releases/download/{VERSION}/{}", archive_name());
    HashMap::from([(format!("{base}.sha256"), sha_file), (base, archive)])
}

struct Run {
    out: Output,
    runner: tempfile::TempDir,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn github_path(&self) -> String {
        std::fs::read_to_string(self.runner.path().join("path")).unwrap_or_default()
    }
    fn install_dir(&self) -> PathBuf {
        self.runner.path().join("tools/mistral-gate")
    }
}

/// Runs install.sh as setup/action.yml does, on a GitHub-like runner (Linux, X64).
fn install(base: &str, extra_env: &[(&str, &str)]) -> Run {
    let runner = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("setup/install.sh"))
        .env("MG_VERSION", VERSION)
        .env("MG_DOWNLOAD_BASE", base)
        .env("MG_INSTALL_DIR", runner.path().join("tools/mistral-gate"))
        .env("MG_CHECKSUMS", runner.path().join("no-pinned-checksums"))
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("GITHUB_PATH", runner.path().join("path"))
        .env("GITHUB_OUTPUT", runner.path().join("output"));
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    Run {
        out: cmd.output().unwrap(),
        runner,
    }
}

#[test]
fn a_good_archive_is_installed_and_put_on_path() {
    let good = archive("mistral-gate 0.1.0");
    let base = serve(release(good.clone(), checksum_line(&good)));
    let run = install(&base, &[]);
    assert_eq!(run.out.status.code(), Some(0), "{}", run.stderr());
    let dir = run.install_dir();
    assert_eq!(run.github_path().trim(), dir.to_str().unwrap());
    let installed = Command::new(dir.join("mistral-gate"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&installed.stdout).trim(),
        "mistral-gate 0.1.0"
    );
    let outputs = std::fs::read_to_string(run.runner.path().join("output")).unwrap();
    assert!(
        outputs.contains(&format!("path={}/mistral-gate", dir.display())),
        "{outputs}"
    );
    assert!(outputs.contains(&format!("version={VERSION}")), "{outputs}");
    assert!(
        run.stderr().contains("checksum verified"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_tampered_archive_is_refused_and_nothing_is_installed() {
    let good = archive("mistral-gate 0.1.0");
    let evil = archive("owned");
    // The published checksum is the good archive's; the server hands out another one.
    let base = serve(release(evil, checksum_line(&good)));
    let run = install(&base, &[]);
    assert_eq!(run.out.status.code(), Some(1), "{}", run.stderr());
    let stderr = run.stderr();
    assert!(
        stderr.contains("checksum mismatch") && stderr.contains("refusing to install"),
        "a clear message: {stderr}"
    );
    assert_eq!(run.github_path(), "", "nothing on PATH");
    assert!(!run.install_dir().exists(), "nothing installed");
    assert!(!run.runner.path().join("output").exists(), "no outputs");
}

/// Someone who can replace release assets can replace the .sha256 too; the checksums a
/// release commit pins in setup/checksums.sha256 still refuse the archive.
#[test]
fn a_tampered_archive_with_a_matching_published_checksum_is_refused_by_the_pinned_one() {
    let good = archive("mistral-gate 0.1.0");
    let evil = archive("owned");
    let base = serve(release(evil.clone(), checksum_line(&evil)));
    let pinned = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pinned.path(), checksum_line(&good)).unwrap();
    let run = install(&base, &[("MG_CHECKSUMS", pinned.path().to_str().unwrap())]);
    assert_eq!(run.out.status.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr().contains("this action pins"),
        "{}",
        run.stderr()
    );
    assert_eq!(run.github_path(), "");
    assert!(!run.install_dir().exists());

    // The same pinned file accepts the good archive.
    let base = serve(release(good.clone(), checksum_line(&good)));
    let run = install(&base, &[("MG_CHECKSUMS", pinned.path().to_str().unwrap())]);
    assert_eq!(run.out.status.code(), Some(0), "{}", run.stderr());
    assert!(run.stderr().contains("pinned"), "{}", run.stderr());
}

#[test]
fn a_missing_or_malformed_checksum_file_is_refused() {
    let good = archive("mistral-gate 0.1.0");
    for sha_file in [
        b"".to_vec(),
        b"not a checksum\n".to_vec(),
        // Right hash, another file's name.
        format!("{}  other.tar.gz\n", sha256(&good)).into_bytes(),
    ] {
        let base = serve(release(good.clone(), sha_file.clone()));
        let run = install(&base, &[]);
        assert_eq!(run.out.status.code(), Some(1), "{}", run.stderr());
        assert!(
            run.stderr().contains("refusing to install"),
            "{:?}: {}",
            String::from_utf8_lossy(&sha_file),
            run.stderr()
        );
        assert_eq!(run.github_path(), "");
    }
    // No .sha256 at all (404).
    let base = format!("/releases/download/{VERSION}/{}", archive_name());
    let base = serve(HashMap::from([(base, good)]));
    let run = install(&base, &[]);
    assert_eq!(run.out.status.code(), Some(1), "{}", run.stderr());
    assert!(run.stderr().contains("cannot download"), "{}", run.stderr());
    assert_eq!(run.github_path(), "");
}

#[test]
fn bad_inputs_get_a_clear_refusal() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("MG_VERSION", "latest")], "release tag"),
        (&[("MG_VERSION", "v1; rm -rf /")], "release tag"),
        (
            &[("MG_DOWNLOAD_BASE", "http://example.com/releases/download")],
            "must be https",
        ),
        (&[("RUNNER_ARCH", "ARM")], "architecture 'ARM'"),
        (
            &[("RUNNER_OS", "Windows"), ("RUNNER_ARCH", "ARM64")],
            "no release binary for windows on aarch64",
        ),
    ];
    for (env, says) in cases {
        let run = install("http://127.0.0.1:9/releases/download", env);
        assert_eq!(run.out.status.code(), Some(1), "{env:?}");
        assert!(run.stderr().contains(says), "{env:?}: {}", run.stderr());
        assert_eq!(run.github_path(), "");
    }
}

/// The composite action runs install.sh with the variables it reads, and defaults to
/// this version's release.
#[test]
fn the_setup_action_runs_install_sh_for_this_version() {
    let text = std::fs::read_to_string(root().join("setup/action.yml")).unwrap();
    let action: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    assert_eq!(
        action["inputs"]["version"]["default"].as_str(),
        Some(format!("v{}", env!("CARGO_PKG_VERSION")).as_str()),
        "the release workflow refuses a release whose setup action installs another version"
    );
    let step = &action["runs"]["steps"][0];
    assert_eq!(step["shell"].as_str(), Some("bash"));
    assert!(step["run"]
        .as_str()
        .unwrap()
        .contains("$GITHUB_ACTION_PATH/install.sh"));
    let script = std::fs::read_to_string(root().join("setup/install.sh")).unwrap();
    for (var, input) in [
        ("MG_VERSION", "version"),
        ("MG_DOWNLOAD_BASE", "download-url"),
    ] {
        assert_eq!(
            step["env"][var].as_str(),
            Some(format!("${{{{ inputs.{input} }}}}").as_str())
        );
        assert!(script.contains(var), "install.sh reads {var}");
    }
    for output in ["path", "version"] {
        assert!(
            action["outputs"][output]["value"]
                .as_str()
                .unwrap()
                .contains(&format!("steps.install.outputs.{output}")),
            "{output}"
        );
    }
}
