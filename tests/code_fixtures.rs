//! The code checks on the fixture applications of tests/fixtures/code: each fixture's
//! `expected.json` holds the status and the evidence (path:line) of every code check;
//! the binary must produce exactly those. A second test computes precision and recall
//! per check over all fixtures and fails below 95%.
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::Repo;
use serde_json::Value;

const CODE_CHECKS: &[&str] = &[
    "error-handling",
    "retry-backoff",
    "log-hygiene",
    "model-pinned",
    "model-lifecycle",
    "max-tokens-set",
    "temperature-set",
    "health-endpoint",
    "circuit-breaker",
];

fn fixtures() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/code");
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("expected.json").is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    assert!(out.len() >= 10, "fixtures missing under {}", root.display());
    out
}

fn expected(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap()
}

fn run(name: &str) -> Value {
    Repo::fixture(&format!("code/{name}"))
        .gate(&["--format", "json"])
        .run()
        .json()
}

fn locations(check: &Value) -> Vec<String> {
    let mut v: Vec<String> = check["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            // Every item carries its own verdict and fingerprint; whole-file items have no line (never 0).
            assert!(
                matches!(e["status"].as_str(), Some("pass" | "fail" | "warn")),
                "evidence without a status: {e}"
            );
            assert!(
                e["fingerprint"].as_str().is_some_and(|f| !f.is_empty()),
                "evidence without a fingerprint: {e}"
            );
            let path = e["path"].as_str().unwrap();
            match e.get("line") {
                Some(line) => {
                    let line = line.as_u64().unwrap();
                    assert!(line > 0, "line 0 in {e}");
                    format!("{path}:{line}")
                }
                None => path.to_string(),
            }
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn every_fixture_gets_its_expected_status_and_evidence() {
    let mut problems = Vec::new();
    for (name, dir) in fixtures() {
        let want = expected(&dir);
        let got = run(&name);
        for id in CODE_CHECKS {
            let w = &want["checks"][id];
            let g = common::check(&got, id);
            if w["status"] != g["status"] {
                problems.push(format!(
                    "{name} {id}: expected {}, got {} ({})",
                    w["status"], g["status"], g["message"]
                ));
                continue;
            }
            let wl: Vec<String> = w["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect();
            let gl = locations(g);
            if wl != gl {
                problems.push(format!("{name} {id}: evidence {gl:?}, expected {wl:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// "Problem found" (fail or warn) is the positive class: a true positive is a fixture
/// where the check reports exactly the expected non-pass status.
#[test]
fn precision_and_recall_per_check_are_at_least_95_percent() {
    let mut tally: BTreeMap<&str, (u32, u32, u32, u32)> = BTreeMap::new(); // tp, fp, fn, agree
    let all = fixtures();
    for (name, dir) in &all {
        let want = expected(dir);
        let got = run(name);
        for id in CODE_CHECKS {
            let w = want["checks"][id]["status"].as_str().unwrap().to_string();
            let g = common::status(&got, id).to_string();
            let problem = |s: &str| s == "fail" || s == "warn";
            let t = tally.entry(id).or_default();
            match (problem(&w), problem(&g)) {
                (true, true) if w == g => t.0 += 1,
                (true, true) => {
                    t.1 += 1;
                    t.2 += 1;
                }
                (false, true) => t.1 += 1,
                (true, false) => t.2 += 1,
                (false, false) => {}
            }
            if w == g {
                t.3 += 1;
            }
        }
    }
    let mut report = String::new();
    let mut low = Vec::new();
    for (id, (tp, fp, fneg, agree)) in &tally {
        let precision = if tp + fp == 0 {
            1.0
        } else {
            *tp as f64 / (tp + fp) as f64
        };
        let recall = if tp + fneg == 0 {
            1.0
        } else {
            *tp as f64 / (tp + fneg) as f64
        };
        report.push_str(&format!(
            "{id:18} precision {:5.1}%  recall {:5.1}%  (tp {tp}, fp {fp}, fn {fneg}; status agrees on {agree}/{})\n",
            precision * 100.0,
            recall * 100.0,
            all.len()
        ));
        if precision < 0.95 || recall < 0.95 {
            low.push(*id);
        }
    }
    eprintln!("precision/recall over {} fixtures:\n{report}", all.len());
    assert!(low.is_empty(), "below 95%: {low:?}\n{report}");
}

/// Each code check is seen passing and failing (and warning where the contract has it)
/// on real fixture code.
#[test]
fn each_check_passes_and_fails_on_some_fixture() {
    let all: Vec<Value> = fixtures().iter().map(|(_, d)| expected(d)).collect();
    for id in CODE_CHECKS {
        for status in ["pass", "fail"] {
            assert!(
                all.iter().any(|e| e["checks"][id]["status"] == status),
                "no fixture where {id} is {status}"
            );
        }
    }
    for id in [
        "error-handling",
        "model-pinned",
        "model-lifecycle",
        "max-tokens-set",
        "temperature-set",
        "health-endpoint",
        "circuit-breaker",
    ] {
        assert!(
            all.iter().any(|e| e["checks"][id]["status"] == "warn"),
            "no fixture where {id} is warn"
        );
    }
}

#[test]
fn exclusions_report_nothing() {
    // No Mistral at all: an OpenAI client, a Hugging Face model name, code in comments
    // and in prompt strings.
    let got = run("neg-no-mistral");
    for id in CODE_CHECKS {
        assert_eq!(common::status(&got, id), "skip", "{id}");
        assert_eq!(
            common::check(&got, id)["message"],
            "no Mistral API usage found"
        );
    }
    // Next to a real call: never-called method references (lines 8-9), OpenAI embeddings
    // (line 13) and a prompt string (line 17) are not call sites.
    let got = run("neg-mixed");
    for id in CODE_CHECKS {
        for loc in locations(common::check(&got, id)) {
            assert!(
                loc == "src/app.ts" || loc == "src/app.ts:20",
                "{id} points at {loc}"
            );
        }
    }
}

#[test]
fn inline_suppression_drops_a_finding() {
    let repo = Repo::fixture("code/ts-express-bad");
    let path = repo.path().join("src/summarize.ts");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        "  const res = await mistral",
        "  // mistral-gate: ignore max-tokens-set\n  const res = await mistral",
    );
    std::fs::write(&path, text).unwrap();
    let got = repo.gate(&["--format", "json"]).run().json();
    let c = common::check(&got, "max-tokens-set");
    assert_eq!(c["status"], "pass", "{c}");
    assert_eq!(c["evidence"][0]["line"], 9);
    assert!(
        c["evidence"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("suppressed inline"),
        "{c}"
    );
    assert_eq!(common::status(&got, "temperature-set"), "fail");
}

#[test]
fn config_allows_floating_aliases_and_caps_max_tokens() {
    let repo = Repo::fixture("code/ts-express-bad");
    let got = repo.gate(&["--format", "json"]).run().json();
    assert_eq!(common::status(&got, "model-pinned"), "fail");
    repo.write(
        ".mistral-gate.toml",
        "[models]\nallow-floating = [\"mistral-small-latest\"]\n",
    );
    let got = repo.gate(&["--format", "json"]).run().json();
    assert_eq!(
        common::status(&got, "model-pinned"),
        "pass",
        "{}",
        common::check(&got, "model-pinned")
    );

    let repo = Repo::fixture("code/ts-express-good");
    repo.write(".mistral-gate.toml", "[models]\nmax-tokens-cap = 512\n");
    let got = repo.gate(&["--format", "json"]).run().json();
    let c = common::check(&got, "max-tokens-set");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["evidence"][0]["path"], "src/mistral.ts");
    assert_eq!(c["evidence"][0]["line"], 17);
    assert!(
        c["evidence"][0]["message"]
            .as_str()
            .unwrap()
            .contains("above the configured cap 512"),
        "{c}"
    );
}

#[test]
fn used_models_feed_key_model_access() {
    // The live check is another engineer's; here only that the models reach it offline.
    let got = run("ts-express-good");
    assert_eq!(common::status(&got, "key-model-access"), "skip");
    let pinned = common::check(&got, "model-pinned");
    assert!(pinned["evidence"][0]["message"]
        .as_str()
        .unwrap()
        .contains("mistral-large-2512"));
}

/// Test code is kept apart and never judged by default; `test-code = "judge"` checks it
/// like the app's code, and any other value is a configuration error.
#[test]
fn test_code_is_not_judged_unless_the_config_says_so() {
    let repo = Repo::fixture("code/py-test-script-not-prod");
    let got = repo.gate(&["--format", "json"]).run().json();
    assert_eq!(common::status(&got, "max-tokens-set"), "pass");
    let text = got.to_string();
    assert!(
        !text.contains("tests/test_live.py"),
        "test code judged: {text}"
    );
    repo.write(".mistral-gate.toml", "test-code = \"judge\"\n");
    let got = repo.gate(&["--format", "json"]).run().json();
    let c = common::check(&got, "max-tokens-set");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c.to_string().contains("tests/test_live.py"), "{c}");
    repo.write(".mistral-gate.toml", "test-code = \"yes\"\n");
    let out = repo.gate(&["--format", "json"]).run();
    assert_eq!(
        out.code(),
        2,
        "a bad test-code value is a configuration error"
    );
}

/// Issue 11: a triple-quoted f-string whose lines start at column 0, inside a call's
/// arguments, used to end the statement early and lose the call site. The ten-line
/// reproduction: the call is found at its line, and every code check decides from it.
#[test]
fn a_column_zero_triple_quoted_fstring_keeps_the_call_site_and_its_verdicts() {
    let src = "from mistralai import Mistral\n\nclient = Mistral(api_key=\"k\")\n\n\ndef write(topic):\n    res = client.chat.complete(model=\"mistral-large-2512\", messages=[{\"role\": \"user\", \"content\": f\"\"\"\nWrite about {topic}.\n\"\"\"}], max_tokens=64)\n    return res.choices[0].message.content\n";
    assert_eq!(src.lines().count(), 10);
    let repo = Repo::new();
    repo.write("gen.py", src);
    let got = repo.gate(&["--format", "json"]).run().json();
    let site = vec!["gen.py:7".to_string()];
    for (id, status, evidence) in [
        ("error-handling", "fail", site.clone()),
        ("retry-backoff", "fail", site.clone()),
        ("model-pinned", "pass", site.clone()),
        ("model-lifecycle", "pass", site.clone()),
        // Read after the string: the statement did not end early.
        ("max-tokens-set", "pass", site.clone()),
        ("temperature-set", "fail", site.clone()),
        ("circuit-breaker", "fail", site.clone()),
        ("log-hygiene", "pass", vec!["gen.py".to_string()]),
    ] {
        let c = common::check(&got, id);
        assert_eq!(c["status"], status, "{id}: {}", c["message"]);
        assert_eq!(locations(c), evidence, "{id}");
    }
}
