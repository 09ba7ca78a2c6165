//! Checks judge typed facts, never the wording of a front-end (issue 10): no check body
//! compares a string from the facts against a sentence or a sentinel
//! (`how.contains("not visible statically")`, `name.contains("TEMPLATE")`). A
//! front-end that rewords a description must not be able to change a verdict.
//!
//! This reads every `src/checks/*.rs` (test modules left out) and fails on string
//! comparisons against literals; the few that compare data the user wrote are
//! allow-listed below, each with why.

use std::path::Path;

/// (file, text of the line, why this compare is legitimate).
const ALLOWED: &[(&str, &str, &str)] = &[(
    "model_config.rs",
    "id.ends_with(\"-latest\")",
    "a model id as written in the user's code: the contract calls every `*-latest` id a floating alias",
)];

/// Comparisons against a string literal, or reads of evidence text to decide.
const FORBIDDEN: &[&str] = &[
    ".contains(\"",
    ".starts_with(\"",
    ".ends_with(\"",
    ".replace(\"",
    ".find(\"",
    ".strip_prefix(\"",
    ".strip_suffix(\"",
    ".split(\"",
    ".matches(\"",
    "== \"",
    "!= \"",
    "message.contains(",
    "message.starts_with(",
    "message ==",
    "\"TEMPLATE\"",
];

/// The source without `#[cfg(test)]` items (a test may well look at messages).
fn without_tests(src: &str) -> String {
    let mut out = String::new();
    let mut lines = src.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        // Skip the item that follows, up to its matching closing brace.
        let mut depth = 0i32;
        let mut opened = false;
        for l in lines.by_ref() {
            for ch in l.chars() {
                match ch {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            out.push('\n'); // keep line numbers
            if opened && depth <= 0 {
                break;
            }
        }
        out.push('\n');
    }
    out
}

/// Every line of `src` (named `file`) that compares against wording, as `file:line: text`.
fn violations(file: &str, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, line) in without_tests(src).lines().enumerate() {
        let code = line.split("//").next().unwrap_or("").trim();
        if code.is_empty() {
            continue;
        }
        // A `match` arm on a string literal is a comparison too.
        let literal_arm = code.starts_with('"') && code.contains("=>");
        let hit = literal_arm || FORBIDDEN.iter().any(|p| code.contains(p));
        if hit
            && !ALLOWED
                .iter()
                .any(|(f, text, _)| *f == file && code.contains(text))
        {
            out.push(format!("{file}:{}: {code}", i + 1));
        }
    }
    out
}

#[test]
fn no_check_body_compares_against_front_end_wording() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/checks");
    let mut found = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("src/checks") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        files += 1;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        found.extend(violations(
            &name,
            &std::fs::read_to_string(&path).expect("read"),
        ));
    }
    assert!(
        files >= 5,
        "only {files} check files read from {}",
        dir.display()
    );
    assert!(
        found.is_empty(),
        "check bodies compare against wording; match on a typed fact instead:\n{}",
        found.join("\n")
    );
    // Every allow-listed line still exists: a stale entry would hide nothing but mislead.
    for (file, text, why) in ALLOWED {
        let src = std::fs::read_to_string(dir.join(file)).expect("allow-listed file");
        assert!(
            src.contains(text),
            "allow-list entry {file} `{text}` ({why}) no longer matches any line"
        );
    }
}

#[test]
fn the_detector_finds_each_old_pattern() {
    // The comparisons issue 10 removed, as they were written: each must be caught.
    let old = [
        r#"        if how.contains("not visible statically") {"#,
        r#"        .filter(|i| !i.what.starts_with("syntax errors"))"#,
        r#"            let missing = o.evidence.iter().filter(|e| e.message.contains("does not go through")).count();"#,
        r#"        let templated = w.name.contains("TEMPLATE");"#,
        r#"    canaries.extend(ops.progressive.iter().filter(|(k, ..)| k == "Canary"));"#,
        r#"            "not visible statically" => Status::Warn,"#,
        r#"    let n = o.evidence.iter().filter(|e| e.message.contains(&needle)).count();"#,
    ];
    for line in old {
        assert_eq!(violations("x.rs", line).len(), 1, "not caught: {line}");
    }
    // Allowed data compares, comments and test modules are not violations.
    assert!(violations("model_config.rs", "    id.ends_with(\"-latest\")").is_empty());
    assert!(violations("x.rs", "    // how.contains(\"x\") was the old way").is_empty());
    let with_test = "fn a() {}\n#[cfg(test)]\nmod tests {\n    fn b() { assert!(m.contains(\"x\")); }\n}\nfn c() { if s == \"y\" {} }\n";
    assert_eq!(
        violations("x.rs", with_test),
        vec!["x.rs:6: fn c() { if s == \"y\" {} }".to_string()]
    );
}
