//! Regression test for issue 10: a baseline written today keeps accepting the same
//! findings after unrelated lines move (a package.json script and a call site moved
//! down several lines), and SARIF `partialFingerprints` stay the same, so that a
//! baselined finding does not come back and code-scanning alerts do not reopen.
mod common;

use std::collections::BTreeSet;

use common::Repo;
use serde_json::Value;

const WORKFLOW: &str = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci\n      - run: npm test\n      - run: npm run typecheck\n";

fn package(padding: usize) -> String {
    // Extra keys above "scripts" move the scripts down without changing them.
    let pad: String = (0..padding)
        .map(|i| format!("  \"x-field-{i}\": \"{i}\",\n"))
        .collect();
    format!(
        "{{\n  \"name\": \"bot\",\n{pad}  \"scripts\": {{\n    \"test\": \"echo \\\"Error: no test specified\\\" && exit 1\",\n    \"typecheck\": \"tsc --noEmit\"\n  }},\n  \"dependencies\": {{\"@mistralai/mistralai\": \"^1.5.0\"}}\n}}\n"
    )
}

fn app(padding: usize) -> String {
    let pad: String = (0..padding)
        .map(|i| format!("// unrelated comment {i}\n"))
        .collect();
    format!(
        "import {{ Mistral }} from \"@mistralai/mistralai\";\n{pad}const client = new Mistral({{ apiKey: process.env.MISTRAL_API_KEY ?? \"\" }});\n\nexport async function ask(q: string) {{\n  return client.chat.complete({{ model: \"mistral-large-latest\", messages: [{{ role: \"user\", content: q }}] }});\n}}\n\nexport async function summarise(q: string) {{\n  return client.chat.complete({{ model: \"mistral-small-latest\", messages: [{{ role: \"user\", content: q }}], maxTokens: 100 }});\n}}\n"
    )
}

fn repo(padding: usize) -> Repo {
    let repo = Repo::new();
    repo.write(".github/workflows/ci.yml", WORKFLOW);
    repo.write("package.json", package(padding));
    repo.write("src/app.ts", app(padding));
    repo
}

fn findings(report: &Value) -> Vec<(String, String, Option<u64>)> {
    let mut out = Vec::new();
    for c in report["checks"].as_array().unwrap() {
        for e in c["evidence"].as_array().unwrap() {
            let status = e["status"]
                .as_str()
                .unwrap_or_else(|| panic!("evidence without status: {e}"));
            if status != "pass" {
                out.push((
                    c["id"].as_str().unwrap().to_string(),
                    e["fingerprint"].as_str().unwrap().to_string(),
                    e.get("line").and_then(Value::as_u64),
                ));
            }
        }
    }
    out
}

fn sarif_results(repo: &Repo) -> Vec<(String, Option<u64>)> {
    let path = repo.path().join("report.sarif");
    repo.gate(&["--offline", "--sarif", path.to_str().unwrap()])
        .run();
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let fp = r["partialFingerprints"]["mistralGate/v1"]
                .as_str()
                .expect("every result has a fingerprint")
                .to_string();
            (
                fp,
                r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn issue_10_baseline_and_sarif_fingerprints_survive_lines_moving() {
    let before = repo(0);
    let report = before
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(1)
        .json();
    let found = findings(&report);
    let ids: BTreeSet<&str> = found.iter().map(|(id, _, _)| id.as_str()).collect();
    for id in [
        "tests-in-ci",
        "max-tokens-set",
        "error-handling",
        "retry-backoff",
    ] {
        assert!(
            ids.contains(id),
            "{id} has a finding to baseline: {found:?}"
        );
    }
    // The one call that sets maxTokens is a `pass` item, not a finding.
    let max_tokens = common::check(&report, "max-tokens-set");
    let statuses: Vec<&str> = max_tokens["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["fail", "pass"], "{max_tokens}");

    let baseline = before.path().join("baseline.json");
    before
        .gate(&["--offline", "--write-baseline", baseline.to_str().unwrap()])
        .run()
        .expect_code(0);
    let sarif_before = sarif_results(&before);
    assert!(!sarif_before.is_empty());

    // The same repository with the script and the call sites moved down.
    let after = repo(7);
    std::fs::copy(&baseline, after.path().join("baseline.json")).unwrap();
    let moved = after.gate(&["--offline", "--format", "json"]).run().json();
    let moved_findings = findings(&moved);
    let fingerprints = |f: &[(String, String, Option<u64>)]| {
        f.iter()
            .map(|(_, fp, _)| fp.clone())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        fingerprints(&found),
        fingerprints(&moved_findings),
        "fingerprints moved with the lines"
    );
    let lines =
        |f: &[(String, String, Option<u64>)]| f.iter().map(|(_, _, l)| *l).collect::<Vec<_>>();
    assert_ne!(
        lines(&found),
        lines(&moved_findings),
        "the test must really move the findings"
    );

    // The baseline still accepts every finding: nothing fails or warns, the gate passes.
    let baselined = after
        .gate(&[
            "--offline",
            "--format",
            "json",
            "--baseline",
            after.path().join("baseline.json").to_str().unwrap(),
        ])
        .run();
    let json = baselined.json();
    assert_eq!(
        findings(&json),
        vec![],
        "{}",
        serde_json::to_string_pretty(&json).unwrap()
    );
    for c in json["checks"].as_array().unwrap() {
        assert!(
            !matches!(c["status"].as_str(), Some("fail" | "warn")),
            "{c}"
        );
    }
    assert_eq!(baselined.code(), 0);

    // SARIF: the same results, by fingerprint, at the new lines.
    let sarif_after = sarif_results(&after);
    let fps =
        |r: &[(String, Option<u64>)]| r.iter().map(|(f, _)| f.clone()).collect::<BTreeSet<_>>();
    assert_eq!(fps(&sarif_before), fps(&sarif_after));
    assert_ne!(
        sarif_before.iter().map(|(_, l)| *l).collect::<Vec<_>>(),
        sarif_after.iter().map(|(_, l)| *l).collect::<Vec<_>>()
    );
}

#[test]
fn a_version_1_baseline_is_still_read_with_a_note_to_rewrite_it() {
    let repo = repo(0);
    let old = "{\"version\": 1, \"findings\": [{\"check\": \"max-tokens-set\", \"path\": \"src/app.ts\", \"fingerprint\": \"0000000000000000\", \"message\": \"m\"}]}";
    let path = repo.write("old-baseline.json", old);
    let run = repo
        .gate(&[
            "--offline",
            "--format",
            "json",
            "--baseline",
            path.to_str().unwrap(),
        ])
        .run()
        .expect_code(1);
    assert!(
        run.stderr().contains("version 1 format") && run.stderr().contains("--write-baseline"),
        "{}",
        run.stderr()
    );
}
