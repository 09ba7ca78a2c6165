//! Bad input never crashes or hangs the gate: each file is scanned or listed as
//! skipped with the reason.
mod common;

use std::time::{Duration, Instant};

use common::{check, status, Repo, FAKE_MISTRAL_KEY as KEY};

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

#[test]
fn binary_files_are_listed_not_scanned() {
    let repo = Repo::new();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(format!("mistral {KEY}").as_bytes());
    repo.write("assets/logo.png", png);
    let r = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0);
    let json = r.json();
    assert_eq!(
        skipped(&json),
        vec![("assets/logo.png".to_string(), "binary file".to_string())]
    );
    let text = repo.gate(&["--offline"]).run().stdout();
    assert!(text.contains("1 binary file"), "{text}");
}

#[test]
fn invalid_utf8_is_scanned_with_replacement() {
    let repo = Repo::new();
    let mut bytes = b"# caf\xe9 latin-1 comment\n".to_vec();
    bytes.extend_from_slice(format!("MISTRAL_API_KEY = \"{KEY}\"\n").as_bytes());
    repo.write("settings.py", bytes);
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(1)
        .json();
    assert_eq!(
        check(&json, "no-hardcoded-secrets")["evidence"][0]["line"],
        2
    );
    assert!(skipped(&json).is_empty());
}

#[test]
fn a_50_mb_single_line_file_is_skipped_with_its_size() {
    let repo = Repo::new();
    let mut big = vec![b'a'; 50 * 1024 * 1024];
    big.extend_from_slice(b"\n");
    repo.write("dist-bundle.min.js", big);
    let started = Instant::now();
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert!(started.elapsed() < Duration::from_secs(60));
    let s = skipped(&json);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, "dist-bundle.min.js");
    assert!(s[0].1.starts_with("too large: 50.0 MiB"), "{}", s[0].1);
    assert_eq!(status(&json, "no-hardcoded-secrets"), "warn");
    assert!(
        check(&json, "no-hardcoded-secrets")["evidence"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too large")
    );
    // Raising the cap scans it.
    repo.write(".mistral-gate.toml", "max-file-size = 60000000\n");
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert!(skipped(&json).is_empty());
    assert_eq!(json["scan"]["files"], 2);
    assert_eq!(status(&json, "no-hardcoded-secrets"), "pass");
}

#[test]
fn minified_line_with_a_key_is_found() {
    let repo = Repo::new();
    let mut text = "var a=1;".repeat(200_000);
    text.push_str(&format!("var mistralKey=\"{KEY}\";"));
    text.push_str(&"var b=2;".repeat(200_000));
    repo.write("public/app.min.js", text);
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(1)
        .json();
    assert_eq!(
        check(&json, "no-hardcoded-secrets")["evidence"][0]["line"],
        1
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_and_do_not_hang() {
    let repo = Repo::new();
    repo.write("src/a.txt", "hello\n");
    std::os::unix::fs::symlink(repo.path().join("src"), repo.path().join("src/loop")).unwrap();
    std::os::unix::fs::symlink(
        repo.path().join("missing-target"),
        repo.path().join("dangling"),
    )
    .unwrap();
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    let s = skipped(&json);
    assert!(
        s.iter()
            .any(|(p, r)| p == "src/loop" && r == "symlink loop"),
        "{s:?}"
    );
    assert!(
        s.iter()
            .any(|(p, r)| p == "dangling" && r == "broken symlink"),
        "{s:?}"
    );
}

#[cfg(unix)]
#[test]
fn fifos_are_not_opened() {
    let repo = Repo::new();
    let fifo = repo.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    let s = skipped(&json);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, "pipe");
    assert!(s[0].1.starts_with("not a regular file"));
}

/// Runs the gate as an unprivileged user (a user namespace), so that a file with mode
/// 000 is really unreadable even when the tests run as root.
#[cfg(unix)]
#[test]
fn unreadable_files_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::new();
    repo.write("src/app.ts", "export {};\n");
    let secret = repo.write("secrets.env", format!("MISTRAL_API_KEY={KEY}\n"));
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    for dir in [repo.path().to_path_buf(), repo.path().join("src")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(
        repo.path().join("src/app.ts"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let am_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mut cmd = if am_root {
        let mut c = std::process::Command::new("unshare");
        c.arg("-U").arg(env!("CARGO_BIN_EXE_mistral-gate"));
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
    };
    let out = cmd
        .args(["check", "--offline", "--format", "json"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = skipped(&json);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].0, "secrets.env");
    assert!(s[0].1.starts_with("unreadable"), "{}", s[0].1);
    // A file the gate could not read is not a clean bill of health.
    for id in ["no-hardcoded-secrets", "key-not-committed"] {
        assert_eq!(status(&json, id), "warn", "{id}");
        assert_eq!(check(&json, id)["evidence"][0]["path"], "secrets.env");
    }
}
