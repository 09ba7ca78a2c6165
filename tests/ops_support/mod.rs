//! Helpers shared by the ops tests (issue #6): a repository that uses Mistral, the JSON
//! report, and a check's evidence as `path:line message` lines.
#![allow(dead_code)]

use crate::common::{check, status, Repo};

/// The smallest source file that makes a repository "use Mistral".
pub const MISTRAL_TS: &str = "import { Mistral } from \"@mistralai/mistralai\";\nexport const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n";

/// A repository using Mistral, with the given files.
pub fn repo(files: &[(&str, &str)]) -> Repo {
    let repo = Repo::new();
    repo.write("src/mistral.ts", MISTRAL_TS);
    for (path, text) in files {
        repo.write(path, text);
    }
    repo
}

/// The JSON report of an offline run.
pub fn json(repo: &Repo) -> serde_json::Value {
    repo.gate(&["--format", "json", "--offline"]).run().json()
}

/// A check's evidence, one `path:line message` line each.
pub fn evidence(r: &serde_json::Value, id: &str) -> String {
    check(r, id)["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(
                matches!(e["status"].as_str(), Some("pass" | "fail" | "warn")),
                "evidence without a status: {e}"
            );
            assert!(
                e["fingerprint"].as_str().is_some_and(|f| !f.is_empty()),
                "evidence without a fingerprint: {e}"
            );
            // `path:line message`, then the related locations, which are data, not message text.
            let at = |l: &serde_json::Value| match l.get("line") {
                Some(line) => format!("{}:{line}", l["path"].as_str().unwrap()),
                None => l["path"].as_str().unwrap().to_string(),
            };
            let related: Vec<String> = e["related"].as_array().unwrap().iter().map(at).collect();
            let related = if related.is_empty() {
                String::new()
            } else {
                format!(" [related: {}]", related.join(", "))
            };
            format!("{} {}{related}\n", at(e), e["message"].as_str().unwrap())
        })
        .collect()
}

pub fn assert_status(r: &serde_json::Value, id: &str, want: &str) {
    assert_eq!(
        status(r, id),
        want,
        "{id}: {}",
        serde_json::to_string_pretty(check(r, id)).unwrap()
    );
}
