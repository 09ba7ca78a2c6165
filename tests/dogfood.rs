//! The project passes its own gate, and the sample repository fails it the way the
//! README says: the same assertions as the "dogfood" job of .github/workflows/ci.yml.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn gate(path: &Path) -> (Output, serde_json::Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mistral-gate"));
    cmd.arg("check")
        .arg(path)
        .args(["--offline", "--format", "json"])
        .current_dir(root());
    for var in [
        "MISTRAL_API_KEY",
        "MISTRAL_FALLBACK_API_KEY",
        "MISTRAL_API_URL",
        "GITHUB_ACTIONS",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd.output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}

fn ids_with(
    report: &serde_json::Value,
    keep: impl Fn(&serde_json::Value) -> bool,
) -> BTreeSet<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| keep(c))
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

/// The repository with its .mistral-gate.toml: nothing of it uses Mistral, so every
/// usage-scoped check skips, the two secret checks pass, and the gate passes.
#[test]
fn the_project_passes_its_own_gate() {
    let (out, report) = gate(root());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report["verdict"], "pass");
    assert_eq!(
        ids_with(&report, |c| c["status"] == "pass"),
        BTreeSet::from(["key-not-committed".into(), "no-hardcoded-secrets".into()]),
        "the secret checks examine every file and pass"
    );
    assert!(
        ids_with(&report, |c| c["status"] != "pass" && c["status"] != "skip").is_empty(),
        "nothing fails, warns or errs: {report:#}"
    );
    // The config is what made it pass, and it says so.
    let suppressed = report["suppressed"].to_string();
    for path in ["tests", "examples", "bench"] {
        assert!(suppressed.contains(&format!("\"{path}\"")), "{suppressed}");
    }
}

/// Without the config the fixtures' planted keys fail the gate: the ignore is needed,
/// and a key committed outside the ignored paths would still be found.
#[test]
fn without_its_config_the_project_fails_on_its_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mistral-gate"));
    cmd.arg("check")
        .arg(root())
        .arg("--config")
        .arg(&empty)
        .args(["--offline", "--format", "json"])
        .env_remove("MISTRAL_API_KEY")
        .env_remove("MISTRAL_FALLBACK_API_KEY")
        .env_remove("GITHUB_ACTIONS");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(ids_with(&report, |c| c["status"] == "fail").contains("no-hardcoded-secrets"));
}

/// README: "exits 1: the sample commits a (fake) key and misses other items".
#[test]
fn the_sample_repository_fails_as_the_readme_says() {
    let (out, report) = gate(&root().join("examples/chat-app"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report["verdict"], "fail");
    let blocking = ids_with(&report, |c| c["blocking"] == true);
    for id in ["key-not-committed", "no-hardcoded-secrets"] {
        assert!(blocking.contains(id), "{id} blocks: {blocking:?}");
    }
    assert!(blocking.len() >= 4, "and other items: {blocking:?}");
    assert_eq!(
        ids_with(&report, |c| c["status"] == "skip"),
        BTreeSet::from([
            "key-valid".into(),
            "key-model-access".into(),
            "fallback-key".into()
        ]),
        "offline: only the live checks skip"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("exits 1"), "the README promises exit 1");
}
