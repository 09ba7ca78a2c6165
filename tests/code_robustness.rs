//! Hostile sources never crash or hang the code front-ends: syntax errors, huge minified
//! bundles, deeply nested code and non-UTF-8 bytes give a finding or a skip.
mod common;

use std::time::{Duration, Instant};

use common::Repo;

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

/// Runs the gate, asserting it ends in time with a report (exit 0 or 1, never a crash).
fn gate_within(repo: &Repo, limit: Duration) -> serde_json::Value {
    let start = Instant::now();
    let run = repo.gate(&["--format", "json"]).run();
    let took = start.elapsed();
    assert!(
        matches!(run.code(), 0 | 1),
        "exit {}:\n{}",
        run.code(),
        run.stderr()
    );
    assert!(took < limit, "took {took:?}");
    let report = run.json();
    for id in CODE_CHECKS {
        assert!(
            ["pass", "fail", "warn", "skip"].contains(&common::status(&report, id)),
            "{id}"
        );
    }
    report
}

#[test]
fn syntax_errors_still_give_findings() {
    let repo = Repo::new();
    repo.write(
        "src/broken.ts",
        "import { Mistral } from \"@mistralai/mistralai\";\nconst c = new Mistral({ apiKey: \"\" });\nexport async function f() {\n  const r = await c.chat.complete({ model: \"mistral-large-2512\", messages: [] });\n  if (r. {{{ ) ]]\n}\n",
    );
    repo.write("app.py", "from mistralai.client import Mistral\nc = Mistral(api_key='')\ndef f(:\n    c.chat.complete(model='mistral-large-2512', messages=[])\n");
    let report = gate_within(&repo, Duration::from_secs(20));
    let c = common::check(&report, "max-tokens-set");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "src/broken.ts" && e["line"] == 4),
        "{c}"
    );
}

#[test]
fn huge_minified_bundle_is_skipped_not_parsed_forever() {
    let repo = Repo::new();
    let mut big = String::from("import{Mistral}from\"@mistralai/mistralai\";");
    while big.len() < 3 * 1024 * 1024 {
        big.push_str("var a=function(b){return b.map(function(c){return c+1})};");
    }
    repo.write("public/bundle.min.js", &big);
    let mut medium = String::from(
        "import{Mistral}from\"@mistralai/mistralai\";const m=new Mistral({apiKey:\"\"});",
    );
    while medium.len() < 1536 * 1024 {
        medium.push_str("m.chat.complete({model:\"mistral-large-2512\",maxTokens:5,temperature:0,messages:[]});");
    }
    repo.write("public/app.min.js", &medium);
    let report = gate_within(&repo, Duration::from_secs(60));
    // The bundle counts as Mistral usage (marker) and is said to be unchecked: a warning,
    // next to the parsed file's passing calls.
    let c = common::check(&report, "max-tokens-set");
    assert_eq!(c["status"], "warn", "{c}");
    assert_eq!(c["evidence"][0]["path"], "public/bundle.min.js");
    assert!(
        c["evidence"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not parsed"),
        "{c}"
    );
    assert!(c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "public/app.min.js"
            && e["message"].as_str().unwrap().contains("sets maxTokens")));
    assert_eq!(common::status(&report, "log-hygiene"), "warn");
}

#[test]
fn deeply_nested_code_does_not_overflow_the_stack() {
    let repo = Repo::new();
    let depth = 20_000;
    let ts = format!(
        "import {{ Mistral }} from \"@mistralai/mistralai\";\nconst c = new Mistral({{}});\nconst x = {}1{};\nconst y = {}0{};\nc.chat.complete({{ model: \"mistral-large-2512\", messages: [], maxTokens: {}5{} }});\n",
        "[".repeat(depth),
        "]".repeat(depth),
        "f(".repeat(depth),
        ")".repeat(depth),
        "(".repeat(depth),
        ")".repeat(depth)
    );
    repo.write("src/deep.ts", ts);
    let py = format!("from mistralai.client import Mistral\nc = Mistral(api_key='')\nx = {}1{}\nc.chat.complete(model='mistral-large-2512', messages=[], max_tokens={}3{})\n", "(".repeat(depth), ")".repeat(depth), "[".repeat(depth), "]".repeat(depth));
    repo.write("deep.py", py);
    let mut blocks = String::from("import { Mistral } from \"@mistralai/mistralai\";\n");
    for _ in 0..3000 {
        blocks.push_str("if (a) { try { ");
    }
    blocks.push_str(
        "new Mistral({}).chat.complete({ model: \"mistral-large-2512\", messages: [] });",
    );
    for _ in 0..3000 {
        blocks.push_str(" } catch (e) {} }");
    }
    repo.write("src/blocks.ts", blocks);
    gate_within(&repo, Duration::from_secs(60));
}

#[test]
fn non_utf8_sources_are_read() {
    let repo = Repo::new();
    let mut bytes = b"from mistralai.client import Mistral\n# caf\xe9 \xff\xfe\nc = Mistral(api_key='')\nc.chat.complete(model='mistral-large-2512', messages=[], max_tokens=10, temperature=0)\n".to_vec();
    bytes.extend_from_slice(b"x = '\xc3\x28'\n");
    repo.write("latin1.py", bytes);
    let report = gate_within(&repo, Duration::from_secs(20));
    let c = common::check(&report, "max-tokens-set");
    assert_eq!(c["status"], "pass", "{c}");
    assert_eq!(c["evidence"][0]["line"], 4);
}
