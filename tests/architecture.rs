//! The pipeline's import graph, read from the sources (issue 10): no import cycle among
//! the crate's top-level modules; the shared vocabulary imports nothing of the crate;
//! the report depends only on the vocabulary; facts and front-ends never depend on
//! checks or report; the config validates ids without the checks.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module of a source file (`src/lang/analyze/sites.rs` → `lang`).
fn module_of(rel: &str) -> String {
    let rel = rel.trim_end_matches(".rs");
    rel.split('/').next().unwrap().to_string()
}

/// Every `crate::<module>` a file names (in `use` lines and paths alike), outside tests.
fn crate_refs(text: &str) -> BTreeSet<String> {
    // Test modules may reach anywhere; they are not part of the build's graph.
    let code = text.split("#[cfg(test)]").next().unwrap();
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
        if rest.starts_with('{') {
            let group = &rest[1..rest.find('}').unwrap_or(rest.len())];
            for part in group.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "main.rs" || rel == "lib.rs" {
            continue;
        }
        let from = module_of(&rel);
        let refs = crate_refs(&std::fs::read_to_string(entry.path()).unwrap());
        g.entry(from.clone())
            .or_default()
            .extend(refs.into_iter().filter(|m| *m != from));
    }
    g
}

/// A cycle through `start`, if any (depth-first).
fn cycle(g: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        g: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in g.get(at).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(g, next, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    walk(g, start, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_parser_sees_grouped_and_inline_references() {
    let refs = crate_refs("use crate::{config::Config, facts};\nfn f() { crate::report::x(); }\n#[cfg(test)]\nuse crate::checks;");
    assert_eq!(
        refs,
        ["config", "facts", "report"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}

#[test]
fn no_import_cycle_and_each_stage_depends_only_downstream() {
    let g = graph();
    for m in g.keys() {
        assert_eq!(cycle(&g, m), None, "import cycle through {m}");
    }
    let deps = |m: &str| g.get(m).cloned().unwrap_or_default();
    assert!(
        deps("vocab").is_empty(),
        "the vocabulary imports nothing of the crate: {:?}",
        deps("vocab")
    );
    assert_eq!(
        deps("report"),
        ["vocab".to_string()].into(),
        "report depends only on the vocabulary"
    );
    for m in [
        "facts",
        "lang",
        "ops",
        "walk",
        "secrets",
        "suppressions",
        "live",
    ] {
        let d = deps(m);
        assert!(
            !d.contains("checks") && !d.contains("report"),
            "{m} depends on {d:?}"
        );
    }
    assert!(
        !deps("config").contains("checks"),
        "config validates ids against CheckId, not the registry"
    );
}

/// Check bodies never spell an id: the only string ids under src/checks are in tests.
#[test]
fn check_bodies_spell_no_id() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/checks");
    // Every id, as the vocabulary spells it (the registry's own test holds them to the
    // contract's list).
    let ids: Vec<&str> = mistral_gate::vocab::CheckId::ALL
        .iter()
        .map(|id| id.as_str())
        .collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for id in &ids {
            assert!(
                !code.contains(&format!("\"{id}\"")),
                "{} spells {id:?}",
                path.display()
            );
        }
    }
}
