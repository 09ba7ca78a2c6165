//! The rule table's samples, the Mistral context rules and the file kinds.

use super::rules::{joined, RULES};
use super::*;

fn scan(path: &str, text: &str) -> Vec<SecretFinding> {
    super::scan(path, text, FileKind::of(path, text)).findings
}

// Fake keys, generated for these tests; they fit the shape and nothing else.
const KEY: &str = "Zq4Rk9TbW2mXv7LcP3sNd8HfJ6gYa1Ue";
const LETTERS_ONLY: &str = "MxKeyQWrtYUopASdMxKeyQWrtYUopASd";

#[test]
fn every_rule_finds_its_true_samples_and_nothing_in_its_false_ones() {
    for (i, rule) in RULES.rules.iter().enumerate() {
        for sample in &rule.true_samples {
            let text = joined(sample);
            let found = scan("sample.txt", &text);
            assert_eq!(found.len(), 1, "{}: {sample:?} gave {found:?}", rule.id);
            assert_eq!(found[0].provider, Provider(i), "{}: {sample:?}", rule.id);
            assert!(!format!("{found:?}").contains(&text[text.len() - 12..]));
        }
        for sample in &rule.false_samples {
            let found = scan("sample.txt", &joined(sample));
            assert!(found.is_empty(), "{}: {sample:?} gave {found:?}", rule.id);
        }
    }
}

#[test]
fn runs_of_32_are_every_maximal_run_of_that_length() {
    let re = regex::Regex::new(r"[A-Za-z0-9]+").unwrap();
    let texts = [
        KEY.to_string(),
        format!("x{KEY}y"),
        format!("a-{KEY}-b {KEY}Q {KEY}"),
        format!("{}{KEY}.", " ".repeat(15)),
        format!("{}:{KEY}", "z".repeat(40)),
        "short words only, nothing long here at all".to_string(),
    ];
    for text in texts {
        let want: Vec<(usize, usize)> = re
            .find_iter(&text)
            .filter(|m| m.len() == 32)
            .map(|m| (m.start(), m.end()))
            .collect();
        let got: Vec<_> = runs_of_32(text.as_bytes()).collect();
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn mistral_key_needs_mistral_context() {
    assert_eq!(
        scan("a.ts", &format!("const MISTRAL_API_KEY = \"{KEY}\";\n")).len(),
        1
    );
    assert!(scan("a.ts", &format!("const OTHER = \"{KEY}\";\n")).is_empty());
    // Context above, within the window, and below.
    let above = format!("// mistral\n\n\nvalue: \"{KEY}\"\n");
    assert_eq!(scan("a.yaml", &above)[0].line, 4);
    let too_far = format!("// mistral\n\n\n\nvalue: \"{KEY}\"\n");
    assert!(scan("a.yaml", &too_far).is_empty());
    let below = format!("k = \"{KEY}\"\n\nclient = Mistral(api_key=k)\n");
    assert_eq!(scan("a.py", &below).len(), 1);
}

#[test]
fn a_credential_position_widens_the_window() {
    // A docstring eight lines up names Mistral; the value is assigned to a key name.
    let text = format!(
        "\"\"\"Summaries with Mistral.\"\"\"\n{}API_KEY = \"{KEY}\"\n",
        "x = 1\n".repeat(7)
    );
    assert_eq!(scan("app/summarize.py", &text)[0].line, 9);
    // The same distance without a credential name is too far.
    let plain = text.replace("API_KEY", "VALUE");
    assert!(scan("app/summarize.py", &plain).is_empty());
}

#[test]
fn the_file_name_its_imports_or_the_api_host_give_the_whole_file_context() {
    let far = format!("const token = \"{KEY}\";\n{}", "let a = 1;\n".repeat(30));
    assert_eq!(scan("src/fetchmistral.ts", &far).len(), 1);
    assert!(scan("src/fetch.ts", &far).is_empty());
    let host = format!("{far}fetch(\"https://api.mistral.ai/v1/chat/completions\");\n");
    assert_eq!(scan("src/fetch.ts", &host).len(), 1);
    let import = format!("{far}import {{ Mistral }} from \"@mistralai/mistralai\";\n");
    assert_eq!(scan("src/fetch.ts", &import).len(), 1);
    // A mention in prose far away is not an import.
    let prose = format!("{far}// we compared mistral and others\n");
    assert!(scan("src/fetch.ts", &prose).is_empty());
}

#[test]
fn letters_only_keys_count_in_bearer_and_env_positions_only() {
    for text in [
        format!("MISTRAL_API_KEY={LETTERS_ONLY}\n"),
        format!("export MISTRAL_API_KEY='{LETTERS_ONLY}'\n"),
        format!(
            "curl https://api.mistral.ai/v1/models -H \"Authorization: Bearer {LETTERS_ONLY}\"\n"
        ),
    ] {
        assert_eq!(scan("run.sh", &text).len(), 1, "{text}");
    }
    assert!(scan(
        "a.ts",
        &format!("const mistralName = \"{LETTERS_ONLY}\";\n")
    )
    .is_empty());
}

#[test]
fn findings_hold_only_last_four() {
    let f = &scan(".env", &format!("MISTRAL_API_KEY={KEY}\n"))[0];
    assert_eq!(f.redacted, "****a1Ue");
    assert_eq!(f.kind, FileKind::EnvFile);
    assert!(!format!("{f:?}").contains(KEY));
    let c = super::scan("a.txt", &format!("x {KEY}\n"), FileKind::Other);
    assert!(c.findings.is_empty());
    assert_eq!(c.candidates.len(), 1);
    assert!(!format!("{:?}", c.candidates).contains(KEY));
}

#[test]
fn kubernetes_secret_data_is_decoded_at_the_entry_line() {
    let encoded = "WnE0Ums5VGJXMm1YdjdMY1Azc05kOEhmSjZnWWExVWU="; // base64 of KEY
    let text = format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: chat\ntype: Opaque\ndata:\n  LOG: aW5mbw==\n  MISTRAL_API_KEY: {encoded}\n");
    let found = scan("k8s/secret.yaml", &text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].line, found[0].kind), (8, FileKind::Kubernetes));
    assert_eq!(found[0].redacted, "****a1Ue");
    // The same value in a ConfigMap is not decoded.
    let config_map = text.replace("kind: Secret", "kind: ConfigMap");
    assert!(scan("k8s/secret.yaml", &config_map).is_empty());
}

#[test]
fn file_kinds() {
    let cases = [
        (".env.production", FileKind::EnvFile),
        (".envrc", FileKind::EnvFile),
        ("deploy/docker-compose.prod.yml", FileKind::Compose),
        (".github/workflows/ci.yml", FileKind::CiWorkflow),
        (".gitlab/ci/deploy.yml", FileKind::CiWorkflow),
        ("Dockerfile", FileKind::Container),
        ("chart/values.yaml", FileKind::HelmValues),
        ("chart/values-prod.yaml", FileKind::HelmValues),
        ("src/app.ts", FileKind::Other),
        ("src/values.ts", FileKind::Other),
    ];
    for (path, want) in cases {
        assert_eq!(FileKind::of(path, ""), want, "{path}");
    }
    assert_eq!(
        FileKind::of("k8s/app.yaml", "apiVersion: v1\nkind: Secret\n"),
        FileKind::Kubernetes
    );
    let charts: HashSet<String> = ["chart".to_string()].into();
    assert_eq!(
        FileKind::HelmValues.settle("chart/envs/values-prod.yaml", &charts),
        FileKind::HelmValues
    );
    assert_eq!(
        FileKind::HelmValues.settle("config/values.yaml", &charts),
        FileKind::Other
    );
}

struct Code;
impl MistralCode for Code {
    fn uses_mistral(&self, path: &str) -> bool {
        path == "src/client.ts"
    }
    fn imported_by_mistral_file(&self, path: &str, name: Option<&str>) -> bool {
        path == "app/config.py" && name == Some("AI_TOKEN")
    }
}

#[test]
fn code_facts_confirm_candidates_and_every_occurrence_follows() {
    let mut findings = Vec::new();
    let mut candidates = Vec::new();
    for (path, text) in [
        ("app/config.py", format!("AI_TOKEN = '{KEY}'\n")),
        (
            "notes/replay.txt",
            format!("replayed with {KEY} yesterday\n"),
        ),
        (
            "src/client.ts",
            "const k = \"Hn5Wc8PzQ2tLk7RmX4vBd9GsJ3yFa6Ek\";\n".to_string(),
        ),
        (
            "src/other.ts",
            "const k = \"Pm3Xq8Rt5Vw2Yz7Bc4Df9Gh6Jk1Ln0Qs\";\n".to_string(),
        ),
    ] {
        let s = super::scan(path, &text, FileKind::of(path, &text));
        assert!(s.findings.is_empty(), "{path}");
        findings.extend(s.findings);
        candidates.extend(s.candidates);
    }
    confirm(&mut findings, candidates, &Code);
    let got: Vec<(&str, u32, Option<&str>)> = findings
        .iter()
        .map(|f| {
            (
                f.path.as_str(),
                f.line,
                f.confirmed_at.as_ref().map(|a| a.0.as_str()),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("app/config.py", 1, None),
            ("notes/replay.txt", 1, Some("app/config.py")),
            ("src/client.ts", 1, None),
        ]
    );
}
