//! Reports in every format, exit codes, config handling, and the promise that a key's
//! full text appears in no output.
mod common;

use std::process::Command;

use common::{assert_no_secret, check, status, Repo, FAKE_MISTRAL_KEY as KEY};

const APP: &str = "import { Mistral } from \"@mistralai/mistralai\";\nexport const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n";

/// A repository with one committed key in an env file and one in source.
fn leaky_repo() -> Repo {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    repo.write(".env.production", format!("MISTRAL_API_KEY={KEY}\n"));
    repo.write("src/config.py", format!("MISTRAL_API_KEY = \"{KEY}\"\n"));
    repo
}

const CONTRACT_IDS: [&str; 26] = [
    "key-not-committed",
    "key-valid",
    "key-model-access",
    "fallback-key",
    "typecheck-in-ci",
    "tests-in-ci",
    "no-hardcoded-secrets",
    "error-handling",
    "retry-backoff",
    "log-hygiene",
    "model-pinned",
    "model-lifecycle",
    "max-tokens-set",
    "temperature-set",
    "budget-alerts",
    "health-endpoint",
    "circuit-breaker",
    "gradual-rollout",
    "post-deploy-verification",
    "rollback-ready",
    "alert-rules",
    "incident-runbook",
    "key-rotation-doc",
    "rollback-doc",
    "escalation-doc",
    "usage-limits-doc",
];

#[test]
fn json_report_follows_schema_1() {
    let repo = leaky_repo();
    let json = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(1)
        .json();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["tool"]["name"], "mistral-gate");
    assert_eq!(json["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["verdict"], "fail");
    let checks = json["checks"].as_array().unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, CONTRACT_IDS, "every check, in contract order");
    let steps = [
        "credentials",
        "code-quality",
        "model-configuration",
        "health-check",
        "circuit-breaker",
        "rollout",
        "alerts",
        "documentation",
    ];
    for c in checks {
        for field in [
            "id",
            "step",
            "title",
            "status",
            "severity",
            "message",
            "remediation",
        ] {
            assert!(c[field].is_string(), "{field} missing in {c}");
        }
        assert!(steps.contains(&c["step"].as_str().unwrap()));
        assert!(["pass", "fail", "warn", "skip", "error"].contains(&c["status"].as_str().unwrap()));
        assert!(["error", "warning", "info"].contains(&c["severity"].as_str().unwrap()));
        assert!(c["evidence"].is_array());
        if c["status"] == "skip" {
            assert!(
                !c["message"].as_str().unwrap().is_empty(),
                "a skip says why: {c}"
            );
        }
    }
    let counts = &json["counts"];
    let total: u64 = ["pass", "fail", "warn", "skip", "error"]
        .iter()
        .map(|k| counts[k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, checks.len());
    assert_eq!(
        counts["fail"],
        checks.iter().filter(|c| c["status"] == "fail").count()
    );
}

#[test]
fn junit_validates_against_the_jenkins_schema_with_one_suite_per_step() {
    let repo = leaky_repo();
    let out = repo.path().join("junit.xml");
    repo.gate(&["--offline", "--junit", out.to_str().unwrap()])
        .run()
        .expect_code(1);
    let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/junit.xsd");
    let lint = Command::new("xmllint")
        .args(["--noout", "--schema", xsd])
        .arg(&out)
        .output()
        .expect("xmllint (scripts/setup.d installs libxml2-utils)");
    assert!(
        lint.status.success(),
        "xmllint: {}",
        String::from_utf8_lossy(&lint.stderr)
    );

    let xml = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        xml.matches("<testsuite ").count(),
        8,
        "one testsuite per step"
    );
    assert_eq!(xml.matches("<testcase ").count(), CONTRACT_IDS.len());
    // GitLab keeps only the first of two same-named testcases: names are unique.
    for id in CONTRACT_IDS {
        assert_eq!(xml.matches(&format!("name=\"{id}\"")).count(), 1, "{id}");
    }
    assert!(xml.contains("classname=\"mistral-gate.credentials\""));
    // A failure carries its evidence as path:line, a skip its reason.
    let failure = xml.split("name=\"no-hardcoded-secrets\"").nth(1).unwrap();
    let failure = &failure[..failure.find("</testcase>").unwrap()];
    assert!(failure.contains("<failure"), "{failure}");
    assert!(
        failure.contains(".env.production:1") && failure.contains("src/config.py:1"),
        "{failure}"
    );
    let skipped = xml.split("name=\"key-valid\"").nth(1).unwrap();
    let skipped = &skipped[..skipped.find("</testcase>").unwrap()];
    assert!(
        skipped.contains("<skipped type=\"skip\" message=\"--offline: no Mistral API calls\""),
        "{skipped}"
    );
}

/// Strips what changes from run to run (the temp path, the timestamp) from a report.
fn normalise(text: &str, repo: &Repo) -> String {
    let ts = regex::Regex::new(r#"timestamp="[^"]+""#).unwrap();
    ts.replace_all(
        &text.replace(repo.path().to_str().unwrap(), "[REPO]"),
        "timestamp=\"[TS]\"",
    )
    .into_owned()
}

#[test]
fn every_format_snapshot() {
    let repo = leaky_repo();
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let r = repo
        .gate(&[
            "--offline",
            "--color",
            "never",
            "--json",
            &path("r.json"),
            "--junit",
            &path("r.xml"),
            "--markdown",
            &path("r.md"),
            "--sarif",
            &path("r.sarif"),
        ])
        .run()
        .expect_code(1);
    insta::assert_snapshot!("text", normalise(&r.stdout(), &repo));
    for (name, file) in [
        ("json", "r.json"),
        ("junit", "r.xml"),
        ("markdown", "r.md"),
        ("sarif", "r.sarif"),
    ] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        insta::assert_snapshot!(name, normalise(&text, &repo));
    }
}

#[test]
fn sarif_has_rules_and_located_results() {
    let repo = leaky_repo();
    let out = repo.path().join("r.sarif");
    repo.gate(&["--offline", "--sarif", out.to_str().unwrap()])
        .run()
        .expect_code(1);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len(),
        CONTRACT_IDS.len()
    );
    let results = run["results"].as_array().unwrap();
    let located: Vec<String> = results
        .iter()
        .filter(|r| r["ruleId"] == "no-hardcoded-secrets")
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            format!(
                "{}:{}",
                loc["artifactLocation"]["uri"].as_str().unwrap(),
                loc["region"]["startLine"]
            )
        })
        .collect();
    assert_eq!(located, [".env.production:1", "src/config.py:1"]);
    // An item of a blocking check is an error; an advisory failure a warning.
    let blocking: Vec<&str> = CONTRACT_IDS
        .iter()
        .copied()
        .filter(|id| ["no-hardcoded-secrets", "key-not-committed"].contains(id))
        .collect();
    for r in results {
        let want = if blocking.contains(&r["ruleId"].as_str().unwrap()) {
            "error"
        } else {
            "warning"
        };
        assert_eq!(r["level"], want, "{r}");
    }
}

#[test]
fn text_output_is_plain_off_a_terminal_and_coloured_on_request() {
    let repo = leaky_repo();
    let plain = repo.gate(&["--offline"]).run().expect_code(1).stdout();
    assert!(
        !plain.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert!(plain.contains("FAIL  no-hardcoded-secrets"));
    assert!(plain.contains("mistral-gate FAILED"));
    let coloured = repo
        .gate(&["--offline", "--color", "always"])
        .run()
        .expect_code(1)
        .stdout();
    assert!(coloured.contains("\x1b[31;1mFAIL "));
}

#[test]
fn exit_codes() {
    // 0: nothing blocks.
    let clean = Repo::new();
    clean.write("src/app.ts", APP);
    clean.gate(&["--offline"]).run().expect_code(0);
    // 1: a failed check at or above fail-on.
    let repo = leaky_repo();
    repo.gate(&["--offline"]).run().expect_code(1);
    // fail-on never reports only.
    repo.gate(&["--offline", "--fail-on", "never"])
        .run()
        .expect_code(0);
    // 2: usage and configuration errors.
    let r = repo.gate(&["--fail-on", "sometimes"]).run().expect_code(2);
    assert!(r.stderr().contains("sometimes"));
    repo.gate(&["--no-such-flag"]).run().expect_code(2);
    let missing = Repo::new();
    let r = Repo {
        dir: tempfile::tempdir().unwrap(),
    };
    drop(missing);
    let gone = r.path().join("nope");
    let out = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .arg("check")
        .arg(&gone)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    let r = repo
        .gate(&["--offline", "--json", "/nonexistent-dir/r.json"])
        .run()
        .expect_code(2);
    assert!(r.stderr().contains("cannot write report"), "{}", r.stderr());
    // --help and --version are not errors.
    let help = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .args(["check", "--help"])
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(0));
}

#[test]
fn fail_on_warning_from_config_and_flag() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    // A warning-severity failure: make key-not-committed warning-level via config.
    repo.write(".mistral-gate.toml", "[checks.key-not-committed]\nseverity = \"warning\"\n[checks.no-hardcoded-secrets]\nenabled = false\n");
    repo.write(".env", format!("MISTRAL_API_KEY={KEY}\n"));
    let r = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0);
    let json = r.json();
    assert_eq!(status(&json, "key-not-committed"), "fail");
    assert_eq!(check(&json, "key-not-committed")["severity"], "warning");
    assert_eq!(status(&json, "no-hardcoded-secrets"), "skip");
    assert_eq!(
        check(&json, "no-hardcoded-secrets")["message"],
        "disabled in the configuration file"
    );
    repo.gate(&["--offline", "--fail-on", "warning"])
        .run()
        .expect_code(1);
    repo.write(
        ".mistral-gate.toml",
        "fail-on = \"warning\"\n[checks.key-not-committed]\nseverity = \"warning\"\n",
    );
    repo.gate(&["--offline"]).run().expect_code(1);
    repo.gate(&[
        "--offline",
        "--fail-on",
        "error",
        "--config",
        repo.path().join("none.toml").to_str().unwrap(),
    ])
    .run()
    .expect_code(2);
}

#[test]
fn config_errors_name_the_file_and_line() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    repo.write(
        ".mistral-gate.toml",
        "fail-on = \"error\"\n\n[models]\nallow-flaoting = [\"mistral-small-latest\"]\n",
    );
    let r = repo.gate(&["--offline"]).run().expect_code(2);
    assert!(
        r.stderr().contains(".mistral-gate.toml") && r.stderr().contains("line 4"),
        "{}",
        r.stderr()
    );
    repo.write(".mistral-gate.toml", "fail-on = [unclosed\n");
    let r = repo.gate(&["--offline"]).run().expect_code(2);
    assert!(r.stderr().contains("line 1"), "{}", r.stderr());
    repo.write(".mistral-gate.toml", b"fail-on = \"\xff\"\n");
    let r = repo.gate(&["--offline"]).run().expect_code(2);
    assert!(r.stderr().contains("not UTF-8"), "{}", r.stderr());
}

#[test]
fn config_ignore_paths_globally_and_per_check() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    repo.write(
        "tests/fixtures/leak.py",
        format!("MISTRAL_API_KEY = \"{KEY}\"\n"),
    );
    repo.write("docs/setup.md", format!("Set MISTRAL_API_KEY={KEY}\n"));
    repo.write(".mistral-gate.toml", "ignore-paths = [\"tests/fixtures\"]\n[checks.no-hardcoded-secrets]\nignore-paths = [\"docs/**\"]\n");
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(status(&json, "no-hardcoded-secrets"), "pass");
    // The per-check ignore is only for that check; the global one removes the file.
    repo.write(
        ".mistral-gate.toml",
        "ignore-paths = [\"tests/fixtures\"]\n",
    );
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(1)
        .json();
    let ev = &check(&json, "no-hardcoded-secrets")["evidence"];
    assert_eq!(ev.as_array().unwrap().len(), 1);
    assert_eq!(ev[0]["path"], "docs/setup.md");
}

#[test]
fn no_mistral_usage_skips_all_but_secret_and_live_checks() {
    let repo = Repo::new();
    repo.write("README.md", "# a service with no LLM\n");
    repo.write("src/index.js", "console.log('hello');\n");
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    for c in json["checks"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        match id {
            "no-hardcoded-secrets" | "key-not-committed" => assert_eq!(c["status"], "pass", "{id}"),
            "key-valid" | "key-model-access" | "fallback-key" => {}
            _ => {
                assert_eq!(c["status"], "skip", "{id}");
                assert_eq!(c["message"], "no Mistral API usage found", "{id}");
            }
        }
    }
    // ... but a secret still fails the gate.
    repo.write("src/config.js", format!("const mistral = \"{KEY}\";\n"));
    repo.gate(&["--offline"]).run().expect_code(1);
}

#[test]
fn the_key_appears_in_no_output() {
    let repo = leaky_repo();
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    for format in ["text", "json"] {
        let r = repo
            .gate(&[
                "--offline",
                "--format",
                format,
                "--json",
                &path("r.json"),
                "--junit",
                &path("r.xml"),
                "--markdown",
                &path("r.md"),
                "--sarif",
                &path("r.sarif"),
            ])
            .run()
            .expect_code(1);
        let files: Vec<String> = ["r.json", "r.xml", "r.md", "r.sarif"]
            .iter()
            .map(|f| std::fs::read_to_string(dir.path().join(f)).unwrap())
            .collect();
        assert!(
            r.stdout().contains("****a1Ue"),
            "the redacted form is shown"
        );
        assert_no_secret(
            KEY,
            &[
                ("stdout", &r.stdout()),
                ("stderr", &r.stderr()),
                ("json", &files[0]),
                ("junit", &files[1]),
                ("markdown", &files[2]),
                ("sarif", &files[3]),
            ],
        );
    }
}

#[test]
fn baseline_accepts_known_findings_even_after_they_move() {
    let repo = leaky_repo();
    let baseline = repo.path().join(".mistral-gate-baseline.json");
    let r = repo
        .gate(&["--offline", "--write-baseline", baseline.to_str().unwrap()])
        .run()
        .expect_code(0);
    assert!(r.stderr().contains("wrote a baseline"));
    let written = std::fs::read_to_string(&baseline).unwrap();
    assert_no_secret(KEY, &[("baseline", &written)]);
    // Via the flag and via the config file.
    repo.gate(&["--offline", "--baseline", baseline.to_str().unwrap()])
        .run()
        .expect_code(0);
    repo.write(
        ".mistral-gate.toml",
        "baseline = \".mistral-gate-baseline.json\"\n",
    );
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(status(&json, "no-hardcoded-secrets"), "pass");
    assert!(check(&json, "no-hardcoded-secrets")["message"]
        .as_str()
        .unwrap()
        .starts_with("all 2 findings accepted in the baseline"));
    // The code moves: still accepted.
    repo.write(
        "src/config.py",
        format!("import os\n\n\nMISTRAL_API_KEY = \"{KEY}\"\n"),
    );
    repo.gate(&["--offline"]).run().expect_code(0);
    // A new finding is not.
    repo.write(
        "src/other.py",
        format!("MISTRAL_API_KEY = \"{}\"\n", common::FAKE_FALLBACK_KEY),
    );
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(1)
        .json();
    let ev = check(&json, "no-hardcoded-secrets")["evidence"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["path"], "src/other.py");
    // Rewriting the baseline sees every finding, the accepted ones too.
    repo.gate(&["--offline", "--write-baseline", baseline.to_str().unwrap()])
        .run()
        .expect_code(0);
    assert_eq!(
        std::fs::read_to_string(&baseline)
            .unwrap()
            .matches("\"check\": \"no-hardcoded-secrets\"")
            .count(),
        3
    );
    // A broken baseline is a configuration error.
    std::fs::write(&baseline, "{").unwrap();
    let r = repo.gate(&["--offline"]).run().expect_code(2);
    assert!(r.stderr().contains("invalid baseline"), "{}", r.stderr());
}

/// A check that found nothing to examine says so (`skip`), never `pass`.
#[test]
fn code_checks_with_nothing_to_examine_skip() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP); // a client, and no call
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    for id in [
        "error-handling",
        "retry-backoff",
        "log-hygiene",
        "model-pinned",
        "model-lifecycle",
        "max-tokens-set",
        "temperature-set",
        "circuit-breaker",
    ] {
        assert_eq!(status(&json, id), "skip", "{id}: {}", check(&json, id));
    }
    // A client whose debug logger prints the Authorization header is a leak even so.
    repo.write("src/app.ts", "import { Mistral } from \"@mistralai/mistralai\";\nexport const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\", debugLogger: console });\n");
    let json = repo.gate(&["--offline", "--format", "json"]).run().json();
    assert_eq!(
        status(&json, "log-hygiene"),
        "fail",
        "{}",
        check(&json, "log-hygiene")
    );
}
