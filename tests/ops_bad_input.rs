//! Bad input for the operations front-end: malformed YAML, anchors and aliases (an
//! alias bomb among them), huge and deeply nested files, Helm templates. None may crash
//! or hang the gate; a file that cannot be read is a finding with its path and the
//! parser's message, and turns a would-be `fail` into `warn` (the file may hold what is
//! missing).
mod common;
mod ops_support;

use std::time::{Duration, Instant};

use common::{check, status, Repo};

fn repo() -> Repo {
    ops_support::repo(&[])
}

/// Runs the gate, asserting it finishes in time with a JSON report (exit 0 or 1).
fn report(repo: &Repo) -> serde_json::Value {
    let started = Instant::now();
    let run = repo.gate(&["--format", "json", "--offline"]).run();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "the gate took {took:?}");
    assert!(
        matches!(run.code(), 0 | 1),
        "exit {}: {}",
        run.code(),
        run.stderr()
    );
    run.json()
}

fn evidence_text(r: &serde_json::Value, id: &str) -> String {
    serde_json::to_string(&check(r, id)["evidence"]).unwrap()
}

#[test]
fn malformed_workflow_is_a_finding_with_path_and_parser_message() {
    let repo = repo();
    repo.write(".github/workflows/ci.yml", "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n     - run: npx tsc --noEmit\n");
    let r = report(&repo);
    for id in ["typecheck-in-ci", "tests-in-ci"] {
        assert_eq!(status(&r, id), "warn", "{id}: {}", check(&r, id));
        let ev = &check(&r, id)["evidence"][0];
        assert_eq!(ev["path"], ".github/workflows/ci.yml");
        assert_eq!(ev["line"], 8);
        assert!(
            ev["message"]
                .as_str()
                .unwrap()
                .starts_with("YAML not parsed: "),
            "{ev}"
        );
    }
    assert!(check(&r, "typecheck-in-ci")["message"]
        .as_str()
        .unwrap()
        .contains("1 file could not be read"));
}

#[test]
fn a_readable_workflow_still_passes_beside_a_malformed_one() {
    let repo = repo();
    repo.write(".github/workflows/broken.yml", "on: [push\njobs: {}\n");
    repo.write(".github/workflows/ci.yml", "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npx tsc --noEmit\n");
    let r = report(&repo);
    assert_eq!(status(&r, "typecheck-in-ci"), "pass");
    assert!(
        evidence_text(&r, "typecheck-in-ci").contains(".github/workflows/broken.yml"),
        "the unreadable file is named on a pass too"
    );
}

#[test]
fn malformed_manifest_and_rule_file_are_findings_not_skips() {
    let repo = repo();
    repo.write(
        "k8s/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n spec: {}\n",
    );
    repo.write("monitoring/rules.yaml", "groups:\n  - name: mistral\n    rules:\n      - alert: Down\n        expr: \"unterminated\n");
    let r = report(&repo);
    for id in [
        "gradual-rollout",
        "rollback-ready",
        "post-deploy-verification",
    ] {
        assert_eq!(status(&r, id), "warn", "{id}: {}", check(&r, id));
        assert!(
            evidence_text(&r, id).contains("k8s/deployment.yaml"),
            "{id}"
        );
    }
    assert_eq!(status(&r, "alert-rules"), "warn");
    assert!(evidence_text(&r, "alert-rules").contains("monitoring/rules.yaml"));
    assert!(evidence_text(&r, "alert-rules").contains("YAML not parsed"));
}

#[test]
fn unrelated_malformed_yaml_is_not_our_finding() {
    let repo = repo();
    repo.write("mkdocs.yml", "site_name: [docs\n");
    let r = report(&repo);
    assert_eq!(status(&r, "gradual-rollout"), "skip");
    assert_eq!(status(&r, "alert-rules"), "fail");
    assert!(!evidence_text(&r, "alert-rules").contains("mkdocs"));
}

#[test]
fn anchors_and_merge_keys_are_followed() {
    let repo = repo();
    repo.write(
        ".gitlab-ci.yml",
        ".node: &node\n  image: node:20\n  before_script:\n    - npm ci\n.checks: &checks\n  - npx tsc --noEmit\n  - npx vitest run\ntest:\n  <<: *node\n  script: *checks\n",
    );
    // vitest needs a test file to run (issue 12: a runner with nothing to run is `warn`).
    repo.write(
        "src/chat.test.ts",
        "import { test } from \"vitest\";\ntest(\"ok\", () => {});\n",
    );
    let r = report(&repo);
    assert_eq!(
        status(&r, "typecheck-in-ci"),
        "pass",
        "{}",
        check(&r, "typecheck-in-ci")
    );
    assert_eq!(status(&r, "tests-in-ci"), "pass");
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let repo = repo();
    let mut bomb = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for w in names.windows(2) {
        bomb.push_str(&format!(
            "  {}: &{} [{}]\n",
            w[1],
            w[1],
            vec![format!("*{}", w[0]); 10].join(",")
        ));
    }
    repo.write("k8s/bomb.yaml", &bomb);
    let r = report(&repo);
    assert_eq!(status(&r, "gradual-rollout"), "warn");
    let ev = evidence_text(&r, "gradual-rollout");
    assert!(ev.contains("k8s/bomb.yaml") && ev.contains("alias"), "{ev}");
}

#[test]
fn huge_yaml_is_not_parsed_and_says_so() {
    let repo = repo();
    let mut big = String::new();
    let mut i = 0;
    while big.len() < 3 * 1024 * 1024 {
        big.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: \"{}\"\n",
            "x".repeat(200)
        ));
        i += 1;
    }
    repo.write("k8s/generated.yaml", &big);
    repo.write(
        "k8s/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  selector:\n    matchLabels: {app: app}\n  template:\n    metadata:\n      labels: {app: app}\n    spec:\n      containers:\n        - name: app\n          image: app:1\n",
    );
    let r = report(&repo);
    let ev = evidence_text(&r, "rollback-ready");
    assert!(
        ev.contains("k8s/generated.yaml") && ev.contains("cap"),
        "{ev}"
    );
    // The readable Deployment is still judged.
    assert!(evidence_text(&r, "gradual-rollout").contains("Deployment app"));
}

#[test]
fn many_documents_under_the_cap_parse_in_time() {
    let repo = repo();
    let doc = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-NAME\nspec:\n  revisionHistoryLimit: 3\n  strategy:\n    rollingUpdate: {maxUnavailable: 0}\n  selector:\n    matchLabels: {app: a}\n  template:\n    metadata:\n      labels: {app: a}\n    spec:\n      containers:\n        - name: app\n          image: app:1\n          readinessProbe:\n            httpGet: {path: /healthz, port: 8080}\n";
    let text: String = (0..1500)
        .map(|i| doc.replace("NAME", &i.to_string()))
        .collect();
    repo.write("k8s/all.yaml", &text);
    let r = report(&repo);
    assert_eq!(
        status(&r, "gradual-rollout"),
        "pass",
        "{}",
        check(&r, "gradual-rollout")["message"]
    );
    assert_eq!(
        check(&r, "gradual-rollout")["message"],
        "1500 workloads roll out gradually behind a readiness probe on the health path"
    );
}

#[test]
fn deeply_nested_yaml_is_an_error_not_a_stack_overflow() {
    let repo = repo();
    let depth = 50_000;
    repo.write(
        "k8s/deep.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\ndata: {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
    );
    let r = report(&repo);
    assert!(evidence_text(&r, "gradual-rollout").contains("k8s/deep.yaml"));
}

#[test]
fn helm_templates_do_not_break_parsing() {
    let repo = repo();
    repo.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    );
    repo.write(
        "chart/templates/_helpers.tpl",
        "{{- define \"app.fullname\" -}}\n{{ .Release.Name }}-app\n{{- end }}\n",
    );
    repo.write(
        "chart/templates/deployment.yaml",
        r#"{{/* The app's Deployment. */}}
{{- if .Values.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas | default 2 }}
  revisionHistoryLimit: {{ .Values.revisionHistoryLimit }}
  strategy:
    {{- toYaml .Values.strategy | nindent 4 }}
  template:
    spec:
      containers:
        {{- range .Values.containers }}
        - name: {{ .name }}
          image: "{{ .image }}:{{ .tag | default $.Chart.AppVersion }}"
          readinessProbe:
            httpGet:
              path: {{ $.Values.probePath | quote }}
              port: http
        {{- end }}
{{- end }}
"#,
    );
    // Template syntax that does not become YAML even with its actions blanked out.
    repo.write(
        "chart/templates/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata:\n{{ .Files.Glob \"files/*\" }}: [\n",
    );
    let r = report(&repo);
    // Every value that decides the rollout comes from a template: not visible statically.
    assert_eq!(
        status(&r, "gradual-rollout"),
        "warn",
        "{}",
        check(&r, "gradual-rollout")
    );
    assert!(check(&r, "gradual-rollout")["message"]
        .as_str()
        .unwrap()
        .contains("not visible statically"));
    assert_eq!(status(&r, "post-deploy-verification"), "fail");
    // The unreadable template is best effort, not a malformed-YAML finding.
    assert!(!serde_json::to_string(&r)
        .unwrap()
        .contains("YAML not parsed"));
}

#[test]
fn invalid_package_json_and_pyproject_are_findings() {
    let repo = repo();
    repo.write("package.json", "{ \"scripts\": { \"test\": \"vitest\", } }");
    repo.write("pyproject.toml", "[tool.poe.tasks\ntest = \"pytest\"\n");
    repo.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n",
    );
    let r = report(&repo);
    assert_eq!(
        status(&r, "tests-in-ci"),
        "warn",
        "{}",
        check(&r, "tests-in-ci")
    );
    let ev = evidence_text(&r, "tests-in-ci");
    assert!(
        ev.contains("invalid JSON") && ev.contains("invalid TOML"),
        "{ev}"
    );
    assert!(ev.contains("value not visible statically"), "{ev}");
}
