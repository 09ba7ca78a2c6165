//! What a first-time user meets (issue 13, "small things"): `--help` names the key
//! variables and exit codes, a typo in a check id gets the closest id and the line, the
//! baseline file is not scanned, and a check with no file to point at can be baselined
//! (and is then listed under Suppressed).
mod common;

use std::process::Command;

use common::{Repo, FAKE_MISTRAL_KEY as KEY};

const APP: &str = "import { Mistral } from \"@mistralai/mistralai\";\nexport const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n";

#[test]
fn help_names_the_key_variables_and_the_exit_codes() {
    for args in [&["--help"][..], &["check", "--help"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let help = String::from_utf8_lossy(&out.stdout);
        for needle in [
            "MISTRAL_API_KEY",
            "MISTRAL_FALLBACK_API_KEY",
            "0  the gate passed",
            "1  the gate failed",
            "2  usage or configuration error",
        ] {
            assert!(help.contains(needle), "{args:?}: {needle} missing:\n{help}");
        }
    }
}

#[test]
fn a_typo_in_a_check_id_names_its_line_and_the_closest_id() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    repo.write(
        ".mistral-gate.toml",
        "# tuning\nfail-on = \"error\"\n\n[checks.circuit-braeker]\nseverity = \"info\"\n",
    );
    let run = repo.gate(&["--offline"]).run().expect_code(2);
    let err = run.stderr();
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("did you mean \"circuit-breaker\"?"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[test]
fn the_missing_config_error_names_the_os_error_once() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    let missing = repo.path().join("nope.toml");
    let err = repo
        .gate(&["--offline", "--config", missing.to_str().unwrap()])
        .run()
        .expect_code(2)
        .stderr();
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}

#[test]
fn the_baseline_file_is_not_scanned() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    // A hand-edited baseline whose note holds a key-shaped string.
    repo.write(
        "mistral-gate-baseline.json",
        format!(
            "{{\"version\": 2, \"findings\": [{{\"check\": \"rollback-doc\", \"path\": \"\", \"fingerprint\": \"rollback-doc\", \"message\": \"accepted; old key was MISTRAL_API_KEY={KEY}\"}}]}}\n"
        ),
    );
    repo.write(
        ".mistral-gate.toml",
        "baseline = \"mistral-gate-baseline.json\"\n",
    );
    let json = repo.gate(&["--offline", "--format", "json"]).run().json();
    for id in ["no-hardcoded-secrets", "key-not-committed"] {
        let c = common::check(&json, id);
        assert_eq!(c["status"], "pass", "{id}: {c}");
    }
    // Without the baseline in force, the same file is an ordinary file and is scanned.
    std::fs::remove_file(repo.path().join(".mistral-gate.toml")).unwrap();
    let json = repo.gate(&["--offline", "--format", "json"]).run().json();
    assert_eq!(
        common::check(&json, "no-hardcoded-secrets")["status"],
        "fail"
    );
}

#[test]
fn a_check_with_no_file_to_point_at_can_be_baselined_and_is_listed_as_suppressed() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    let out = tempfile::tempdir().unwrap();
    let baseline = out.path().join("baseline.json");
    repo.gate(&["--offline", "--write-baseline", baseline.to_str().unwrap()])
        .run()
        .expect_code(0);
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(text.contains("\"fingerprint\": \"rollback-doc\""), "{text}");
    let json = repo
        .gate(&[
            "--offline",
            "--format",
            "json",
            "--baseline",
            baseline.to_str().unwrap(),
        ])
        .run()
        .json();
    assert_eq!(common::check(&json, "rollback-doc")["status"], "pass");
    let suppressed = json["suppressed"].as_array().unwrap();
    assert!(
        suppressed
            .iter()
            .any(|s| s["kind"] == "baseline" && s["check"] == "rollback-doc" && s["path"] == ""),
        "{suppressed:?}"
    );
    let md = out.path().join("c.md");
    repo.gate(&[
        "--offline",
        "--baseline",
        baseline.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ])
    .run();
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(
        text.contains("finding of rollback-doc (the repository as a whole) accepted by baseline"),
        "{text}"
    );
}
