//! What the user reads and what the binary does agree: every flag a `mistral-gate
//! check` command in README.md, docs/*.md or action.yml uses exists in
//! `mistral-gate check --help`, and every flag of --help is documented. The user docs
//! are self-contained (no "contract" or CHECKS.md, which users do not have) and never
//! suggest `--quiet` for the first build (it hides the only progress there is).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Flags the docs and action.yml may already use before a branch adds them to the binary
/// (empty when nothing is in flight). Remove each one when it lands: the test fails
/// while a flag listed here is already in --help, so this list cannot go stale.
const PENDING: &[&str] = &[];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The long flags `mistral-gate check --help` defines (not ones its prose mentions).
fn help_flags() -> BTreeSet<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .args(["check", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let re = regex::Regex::new(r"(?m)^\s+(?:-[a-zA-Z], )?(--[a-z][a-z0-9-]*)").unwrap();
    let flags: BTreeSet<String> = re.captures_iter(&text).map(|c| c[1].to_string()).collect();
    assert!(
        flags.contains("--json") && flags.contains("--help"),
        "{text}"
    );
    flags
}

/// README.md and every docs/*.md, with their names.
fn user_docs() -> Vec<(String, String)> {
    let mut docs = vec![(
        "README.md".to_string(),
        std::fs::read_to_string(root().join("README.md")).unwrap(),
    )];
    let mut names: Vec<_> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    names.sort();
    for p in names {
        docs.push((
            format!("docs/{}", p.file_name().unwrap().to_string_lossy()),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    docs
}

fn flags_in(text: &str) -> Vec<String> {
    regex::Regex::new(r"(?:^|[\s`'\[(])(--[a-z][a-z0-9-]*)")
        .unwrap()
        .captures_iter(text)
        .map(|c| c[1].to_string())
        .collect()
}

/// Flags used on `check` command lines: what follows `mistral-gate check` (or `cargo
/// run -- check`) up to the end of the inline code or line; and the README's usage block
/// for `check`.
fn documented_check_flags() -> Vec<(String, String)> {
    let mut used = Vec::new();
    let command = regex::Regex::new(
        r"(?:mistral-gate(?:\.exe)?|cargo run(?: [^`\n]*?)? --) check\b([^`\n]*)",
    )
    .unwrap();
    for (name, text) in user_docs() {
        for cap in command.captures_iter(&text) {
            for flag in flags_in(&cap[1]) {
                used.push((name.clone(), flag));
            }
        }
    }
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let usage = readme
        .split("mistral-gate check [PATH]")
        .nth(1)
        .expect("README has the usage block of `mistral-gate check [PATH]`")
        .split("```")
        .next()
        .unwrap();
    for flag in flags_in(usage) {
        used.push(("README.md usage".to_string(), flag));
    }
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action: serde_yaml::Value = serde_yaml::from_str(&action).unwrap();
    for arg in action["runs"]["args"].as_sequence().unwrap() {
        for flag in flags_in(&format!(" {}", arg.as_str().unwrap())) {
            used.push(("action.yml".to_string(), flag));
        }
    }
    used
}

#[test]
fn every_documented_check_flag_exists() {
    let help = help_flags();
    let used = documented_check_flags();
    assert!(used.len() > 30, "found the commands: {used:?}");
    let missing: Vec<_> = used
        .iter()
        .filter(|(_, f)| !help.contains(f) && !PENDING.contains(&f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "documented but not in `mistral-gate check --help`: {missing:?}"
    );
}

#[test]
fn every_help_flag_is_documented() {
    let docs: String = user_docs().into_iter().map(|(_, t)| t).collect();
    let documented: BTreeSet<String> = flags_in(&docs).into_iter().collect();
    let undocumented: Vec<_> = help_flags()
        .into_iter()
        .filter(|f| !documented.contains(f))
        .collect();
    assert!(
        undocumented.is_empty(),
        "in --help but in no user doc: {undocumented:?}"
    );
}

#[test]
fn pending_flags_are_not_in_help_yet() {
    let help = help_flags();
    for flag in PENDING {
        assert!(
            !help.contains(*flag),
            "{flag} is in --help now: remove it from PENDING in tests/docs_flags.rs"
        );
    }
    // And each pending flag is used somewhere, or it should not be listed.
    let used = documented_check_flags();
    for flag in PENDING {
        assert!(
            used.iter().any(|(_, f)| f == flag),
            "{flag} is pending but nothing uses it"
        );
    }
}

/// The user has docs/checks.md, not the project's internal check list.
#[test]
fn user_docs_are_self_contained() {
    let word = regex::Regex::new(r"(?i)\bcontract\b").unwrap();
    for (name, text) in user_docs() {
        assert!(!text.contains("CHECKS.md"), "{name} refers to CHECKS.md");
        assert!(!text.contains("shared/"), "{name} refers to shared/");
        if let Some(m) = word.find(&text) {
            let line = text[..m.start()].lines().count();
            panic!("{name}:{line} refers to a contract the user does not have");
        }
    }
}

/// `--quiet` hides cargo's progress, and the first build takes minutes.
#[test]
fn readme_commands_show_build_progress() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for line in readme.lines().filter(|l| l.contains("cargo ")) {
        assert!(
            !line.contains("--quiet") && !line.contains(" -q "),
            "{line}"
        );
    }
    assert!(readme.contains("cargo run -- check examples/chat-app"));
    assert!(readme.contains("scripts/test"));
}
