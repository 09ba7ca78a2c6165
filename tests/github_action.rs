//! action.yml and the binary agree, and the shipped metadata passes the linters GitHub
//! and Docker users rely on: every input reaches a flag or variable the binary knows,
//! every output is one the binary writes, the image is this version's.
mod common;
mod fake_github;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{Repo, FAKE_MISTRAL_KEY as KEY};
use fake_github::{FakeGitHub, ACTIONS_TOKEN, OWNER_REPO};
use serde_yaml::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap())
        .expect("action.yml is YAML")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| {
            s.iter()
                .map(|x| x.as_str().expect("string arg").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_mapping()
        .map(|m| m.keys().map(|k| k.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// `${{ inputs.NAME }}` and `${{ inputs.NAME == 'true' && 'A' || 'B' }}` (a boolean
/// input turned into a flag or an empty `--flag=`) → NAME, for every reference in `text`.
fn input_refs(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*(?:\}\}|==)").unwrap();
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

/// Substitutes input values into `text` as the runner would, for the two expression
/// forms action.yml uses. Comparisons are case-insensitive, as in GitHub's expressions.
fn substitute_inputs(text: &str, value: &dyn Fn(&str) -> String) -> String {
    let boolean = regex::Regex::new(
        r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*==\s*'([^']*)'\s*&&\s*'([^']*)'\s*\|\|\s*'([^']*)'\s*\}\}",
    )
    .unwrap();
    let text = boolean.replace_all(text, |c: &regex::Captures| {
        if value(&c[1]).eq_ignore_ascii_case(&c[2]) {
            c[3].to_string()
        } else {
            c[4].to_string()
        }
    });
    let plain = regex::Regex::new(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}").unwrap();
    plain
        .replace_all(&text, |c: &regex::Captures| value(&c[1]))
        .into_owned()
}

/// What `mistral-gate check --help` documents: long flags and `[env: NAME=]` variables.
fn help() -> (BTreeSet<String>, BTreeSet<String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .args(["check", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let flags = regex::Regex::new(r"--([a-z][a-z-]+)")
        .unwrap()
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .collect();
    let envs = regex::Regex::new(r"\[env: ([A-Z_]+)=")
        .unwrap()
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .collect();
    (flags, envs)
}

#[test]
fn every_input_reaches_a_flag_or_variable_the_binary_knows() {
    let action = action();
    let inputs = keys(&action["inputs"]);
    let runs = &action["runs"];
    let args = strings(&runs["args"]);
    let env = keys(&runs["env"]);
    let (flags, clap_envs) = help();

    assert_eq!(
        args[0], "check",
        "the image's entrypoint is the binary; the first argument is the subcommand"
    );
    // That each flag exists in --help is tests/docs_flags.rs's job (with the list of
    // flags another branch is adding).
    let _ = &flags;
    for arg in &args[1..] {
        if let Some(flag) = arg.strip_prefix("--") {
            let name = flag.split('=').next().unwrap();
            if flag.contains("${{") {
                assert!(flag.contains('='), "--{name}: an input that may be empty is passed as --{name}=VALUE (empty means not given)");
            }
        }
    }
    // The variables the binary reads: the contract's (CHECKS.md) and clap's documented ones.
    let contract = [
        "MISTRAL_API_KEY",
        "MISTRAL_FALLBACK_API_KEY",
        "GITHUB_TOKEN",
    ];
    for var in &env {
        assert!(
            contract.contains(&var.as_str()) || clap_envs.contains(var),
            "action.yml sets {var}, which the binary does not read"
        );
    }

    let mut referenced: Vec<String> = args.iter().flat_map(|a| input_refs(a)).collect();
    for var in &env {
        referenced.extend(input_refs(runs["env"][var.as_str()].as_str().unwrap()));
    }
    let referenced: BTreeSet<String> = referenced.into_iter().collect();
    assert_eq!(
        referenced, inputs,
        "every input is used, and only declared inputs are used"
    );

    // Inputs that take one of the binary's values default to one of them.
    for (input, flag) in [("comment-mode", "comment-mode"), ("fail-on", "fail-on")] {
        let default = action["inputs"][input]["default"].as_str().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
            .args(["check", "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains(&format!("--{flag}")), "{flag}");
        if !default.is_empty() {
            let run = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
                .args([
                    "check",
                    "--offline",
                    &format!("--{flag}={default}"),
                    "/nonexistent-dir",
                ])
                .output()
                .unwrap();
            assert!(
                !String::from_utf8_lossy(&run.stderr).contains("invalid value"),
                "{input} default {default:?} is not accepted"
            );
        }
    }
}

#[test]
fn the_action_runs_this_versions_published_image() {
    let image = action()["runs"]["image"].as_str().unwrap().to_string();
    assert_eq!(
        image,
        format!(
            "docker://ghcr.io/mistral-gate/mistral-gate:v{}",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(action()["runs"]["using"].as_str(), Some("docker"));
}

/// Runs the binary exactly as the runner would from action.yml: inputs substituted into
/// `runs.args` and `runs.env`, the image's working directory being the workspace.
#[test]
fn action_args_run_end_to_end_and_every_output_is_written() {
    let action = action();
    let repo = Repo::new();
    repo.write(
        "src/config.py",
        format!("import mistralai\nMISTRAL_API_KEY = \"{KEY}\"\n"),
    );
    let gh = FakeGitHub::start();
    let step = tempfile::tempdir().unwrap();
    let given = [
        ("junit", "reports/junit.xml"),
        ("json", "reports/gate.json"),
        ("sarif", "reports/gate.sarif"),
        ("markdown", "reports/gate.md"),
        ("strict", "true"),
        ("mistral-api-key", ""),
    ];
    std::fs::create_dir_all(repo.path().join("reports")).unwrap();
    let value = |name: &str| -> String {
        given
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(
                || match action["inputs"][name]["default"].as_str().unwrap() {
                    "${{ github.token }}" => ACTIONS_TOKEN.to_string(),
                    d => d.to_string(),
                },
            )
    };
    let substitute = |s: &str| -> String { substitute_inputs(s, &value) };
    let args: Vec<String> = strings(&action["runs"]["args"])
        .iter()
        .map(|a| substitute(a))
        .collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mistral-gate"));
    cmd.args(&args).current_dir(repo.path());
    for var in [
        "MISTRAL_API_KEY",
        "MISTRAL_FALLBACK_API_KEY",
        "MISTRAL_API_URL",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    for var in keys(&action["runs"]["env"]) {
        cmd.env(
            &var,
            substitute(action["runs"]["env"][var.as_str()].as_str().unwrap()),
        );
    }
    let event = root().join("tests/fixtures/github/pull_request.json");
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", OWNER_REPO)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_JOB", "gate")
        .env("GITHUB_STEP_SUMMARY", step.path().join("summary"))
        .env("GITHUB_OUTPUT", step.path().join("output"));
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a committed key fails the gate: {stderr}"
    );
    for report in [
        "reports/junit.xml",
        "reports/gate.json",
        "reports/gate.sarif",
        "reports/gate.md",
    ] {
        assert!(repo.path().join(report).is_file(), "{report} written");
    }
    assert_eq!(gh.comments().len(), 1, "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\x1b["),
        "--color=always: the Actions log shows colour although stdout is not a terminal"
    );

    let written = std::fs::read_to_string(step.path().join("output")).unwrap();
    let names: BTreeSet<String> = written
        .lines()
        .filter_map(|l| {
            l.split_once("<<")
                .map(|(k, _)| k)
                .or_else(|| l.split_once('=').map(|(k, _)| k))
        })
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .map(str::to_string)
        .collect();
    let mut declared = keys(&action["outputs"]);
    // `new` is written only when the run was compared with a base commit, which this
    // run (no git repository) cannot be.
    assert!(
        declared.remove("new"),
        "action.yml declares the `new` output"
    );
    assert!(
        !names.contains("new"),
        "no `new` without a comparison:\n{written}"
    );
    assert_eq!(
        declared, names,
        "action.yml outputs are exactly what the binary writes:\n{written}"
    );
    assert!(
        written.contains("junit-report=reports/junit.xml"),
        "paths as given, relative to the workspace:\n{written}"
    );
}

fn tool(name: &str) -> Command {
    let probe = Command::new(name).arg("--version").output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "{name} is not installed: run scripts/setup.d/40-action-tools.sh"
    );
    Command::new(name)
}

fn assert_ok(cmd: &mut Command, what: &str) {
    let out = cmd.current_dir(root()).output().unwrap();
    assert!(
        out.status.success(),
        "{what}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn action_yml_passes_the_github_actions_schema() {
    assert_ok(
        tool("check-jsonschema").args(["--builtin-schema", "vendor.github-actions", "action.yml"]),
        "check-jsonschema action.yml",
    );
}

#[test]
fn workflows_pass_the_github_workflows_schema() {
    let mut files: Vec<String> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .map(|p| {
            p.strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    assert!(files.len() >= 2, "CI and release workflows: {files:?}");
    assert_ok(
        tool("check-jsonschema")
            .args(["--builtin-schema", "vendor.github-workflows"])
            .args(&files),
        "check-jsonschema workflows",
    );
}

#[test]
fn dockerfile_passes_hadolint() {
    assert_ok(tool("hadolint").arg("Dockerfile"), "hadolint Dockerfile");
}

/// The YAML examples in docs/github-action.md are valid: GitHub workflows (whole ones,
/// with `on:` and `jobs:`) against the workflow schema, the GitLab job against GitLab's.
#[test]
fn documented_ci_examples_pass_their_schemas() {
    let doc = std::fs::read_to_string(root().join("docs/github-action.md")).unwrap();
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (mut github, mut gitlab) = (Vec::new(), Vec::new());
    for (i, block) in blocks.iter().enumerate() {
        let path = dir.path().join(format!("example{i}.yml"));
        std::fs::write(&path, block).unwrap();
        let starts = |key: &str| block.lines().any(|l| l.starts_with(key));
        if starts("on:") && starts("jobs:") {
            github.push(path);
        } else if block.contains("artifacts:") {
            gitlab.push(path);
        }
    }
    assert!(
        github.len() >= 3 && gitlab.len() == 1,
        "the doc's examples: {} workflows, {} GitLab jobs",
        github.len(),
        gitlab.len()
    );
    assert_ok(
        tool("check-jsonschema")
            .args(["--builtin-schema", "vendor.github-workflows"])
            .args(&github),
        "documented workflows",
    );
    assert_ok(
        tool("check-jsonschema")
            .args(["--builtin-schema", "vendor.gitlab-ci"])
            .args(&gitlab),
        "documented GitLab job",
    );
}

/// Every file the release binary embeds (`include_str!`/`include_bytes!` outside test
/// code) must be copied into the image's build stage, or `docker build` breaks.
#[test]
fn the_dockerfile_copies_every_embedded_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let dockerignore = std::fs::read_to_string(root.join(".dockerignore")).unwrap_or_default();
    let copied: Vec<String> = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("COPY "))
        .filter(|l| !l.starts_with("--from"))
        .flat_map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            parts[..parts.len() - 1]
                .iter()
                .map(|p| p.trim_end_matches('/').to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let embed = regex::Regex::new(r#"include_(?:str|bytes)!\("([^"]+)"\)"#).unwrap();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(root.join("src")) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        // Code after the first #[cfg(test)] is test code, not part of the binary.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for cap in embed.captures_iter(code) {
            let target = entry.path().parent().unwrap().join(&cap[1]);
            let target = std::fs::canonicalize(&target)
                .unwrap_or_else(|e| panic!("{}: {e}", target.display()));
            let rel = target
                .strip_prefix(std::fs::canonicalize(root).unwrap())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let top = rel.split('/').next().unwrap().to_string();
            assert!(
                copied.iter().any(|c| *c == top || *c == rel),
                "{rel} is embedded but the Dockerfile copies only {copied:?}"
            );
            let lines: Vec<&str> = dockerignore
                .lines()
                .map(|l| l.trim().trim_end_matches('/'))
                .collect();
            let excluded = if lines.contains(&"*") {
                !lines.contains(&format!("!{top}").as_str())
            } else {
                lines.contains(&top.as_str())
            };
            assert!(
                !excluded,
                "{top} is left out of the build context by .dockerignore"
            );
            checked += 1;
        }
    }
    assert!(checked >= 1, "the model catalogue is embedded");
}
