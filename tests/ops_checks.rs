//! Issue #6 check by check, on small repositories written by each test: what counts as
//! a type check or a test run in CI, a gradual rollout, a verification after the deploy,
//! a rollback path, an alert, and a written-down procedure, and what does not.
mod common;
mod ops_support;

use common::check;
use ops_support::{assert_status, evidence, json, repo};

/// A repository that has tests (Python and TypeScript test files, also in the `web`
/// package), so that a test runner found in CI has something to run;
/// `tests/ops_ci_following.rs` covers repositories without (issue 12: `warn`).
fn report(files: &[(&str, &str)]) -> serde_json::Value {
    let repo = repo(files);
    repo.write("tests/test_app.py", "def test_app():\n    assert True\n");
    for dir in ["src", "web/src"] {
        repo.write(
            &format!("{dir}/app.test.ts"),
            "import { test } from \"vitest\";\ntest(\"app\", () => {});\n",
        );
    }
    json(&repo)
}

fn workflow(steps: &str) -> String {
    format!("name: ci\non: push\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n{steps}")
}

// ---- typecheck-in-ci, tests-in-ci ----

#[test]
fn npm_run_typecheck_counts_only_when_the_script_runs_a_type_checker() {
    let wf = workflow("      - run: npm run typecheck\n");
    let r = report(&[
        (".github/workflows/ci.yml", &wf),
        (
            "package.json",
            r#"{"scripts": {"typecheck": "tsc --noEmit -p ."}}"#,
        ),
    ]);
    assert_status(&r, "typecheck-in-ci", "pass");
    assert!(evidence(&r, "typecheck-in-ci").contains(".github/workflows/ci.yml:8 runs tsc via `npm run typecheck` → `tsc --noEmit -p .` in package.json [related: package.json:1]"));

    let r = report(&[
        (".github/workflows/ci.yml", &wf),
        (
            "package.json",
            r#"{"scripts": {"typecheck": "eslint src"}}"#,
        ),
    ]);
    assert_status(&r, "typecheck-in-ci", "fail");
    assert!(
        evidence(&r, "typecheck-in-ci").contains("which runs `eslint src`, not a type check"),
        "{}",
        evidence(&r, "typecheck-in-ci")
    );

    // The script is nowhere in the repository: not visible statically.
    let r = report(&[(".github/workflows/ci.yml", &wf)]);
    assert_status(&r, "typecheck-in-ci", "warn");
    assert!(evidence(&r, "typecheck-in-ci").contains("value not visible statically"));
}

#[test]
fn npm_runs_pre_scripts_and_yarn_pnpm_call_scripts() {
    let r = report(&[
        (
            ".github/workflows/ci.yml",
            &workflow("      - run: yarn test\n"),
        ),
        (
            "package.json",
            r#"{"scripts": {"pretest": "tsc --noEmit", "test": "jest --ci"}}"#,
        ),
    ]);
    assert_status(&r, "typecheck-in-ci", "pass");
    assert_status(&r, "tests-in-ci", "pass");
    assert!(evidence(&r, "typecheck-in-ci").contains("runs tsc via `yarn test`"));
}

#[test]
fn working_directory_picks_the_package_json_of_a_monorepo_package() {
    let root = r#"{"scripts": {"test": "echo \"no tests at the root\""}}"#;
    let web = r#"{"scripts": {"test": "vitest run"}}"#;
    let with_dir = workflow("      - run: npm test\n        working-directory: web\n");
    let r = report(&[
        (".github/workflows/ci.yml", &with_dir),
        ("package.json", root),
        ("web/package.json", web),
    ]);
    assert_status(&r, "tests-in-ci", "pass");
    assert!(evidence(&r, "tests-in-ci").contains("web/package.json"));
    let at_root = workflow("      - run: npm test\n");
    let r = report(&[
        (".github/workflows/ci.yml", &at_root),
        ("package.json", root),
        ("web/package.json", web),
    ]);
    assert_status(&r, "tests-in-ci", "fail");
}

#[test]
fn makefile_prerequisites_nox_poe_and_shell_scripts_are_followed() {
    let r = report(&[
        (".github/workflows/ci.yml", &workflow("      - run: make check\n")),
        ("Makefile", ".PHONY: check lint test\ncheck: lint test\n\nlint:\n\truff check .\n\tmypy --strict src\n\ntest:\n\tpytest -q\n"),
    ]);
    assert_status(&r, "typecheck-in-ci", "pass");
    assert_status(&r, "tests-in-ci", "pass");
    assert!(evidence(&r, "typecheck-in-ci")
        .contains("`mypy --strict src` in Makefile [related: Makefile:6]"));

    let r = report(&[
        (".gitlab-ci.yml", "checks:\n  script:\n    - nox -s tests\n    - poe types\n"),
        ("noxfile.py", "import nox\n\n\n@nox.session\ndef tests(session):\n    session.install(\"pytest\")\n    session.run(\"pytest\", \"-x\")\n"),
        ("pyproject.toml", "[project]\nname = \"bot\"\nversion = \"0.1.0\"\n\n[tool.poe.tasks]\ntypes = \"pyright src\"\n"),
    ]);
    assert_status(&r, "tests-in-ci", "pass");
    assert_status(&r, "typecheck-in-ci", "pass");
    assert!(evidence(&r, "typecheck-in-ci").contains("pyproject.toml:6"));

    let r = report(&[
        (
            ".github/workflows/ci.yml",
            &workflow("      - run: bash scripts/ci.sh\n"),
        ),
        (
            "scripts/ci.sh",
            "#!/bin/sh\nset -e\nnpx tsc -p .\nnpx vitest run\n",
        ),
    ]);
    assert_status(&r, "typecheck-in-ci", "pass");
    assert!(evidence(&r, "typecheck-in-ci").contains("in scripts/ci.sh [related: scripts/ci.sh:3]"));
}

#[test]
fn an_invalid_package_json_without_ci_is_still_no_ci() {
    let r = report(&[("package.json", "{ \"scripts\": ")]);
    assert_status(&r, "tests-in-ci", "fail");
    assert!(check(&r, "tests-in-ci")["message"]
        .as_str()
        .unwrap()
        .starts_with("no CI configuration found"));
}

#[test]
fn pre_commit_hooks_run_by_ci_are_followed() {
    let config = "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.7.2\n    hooks:\n      - id: ruff\n  - repo: https://github.com/pre-commit/mirrors-mypy\n    rev: v1.13.0\n    hooks:\n      - id: mypy\n        args: [--strict]\n";
    let wf =
        workflow("      - uses: actions/setup-python@v5\n      - uses: pre-commit/action@v3.0.1\n");
    let r = report(&[
        (".github/workflows/ci.yml", &wf),
        (".pre-commit-config.yaml", config),
    ]);
    assert_status(&r, "typecheck-in-ci", "pass");
    assert!(
        evidence(&r, "typecheck-in-ci").contains(
            "`mypy --strict` in .pre-commit-config.yaml [related: .pre-commit-config.yaml:9]"
        ),
        "{}",
        evidence(&r, "typecheck-in-ci")
    );
    let only_ruff = workflow("      - run: pre-commit run ruff --all-files\n");
    let r = report(&[
        (".github/workflows/ci.yml", &only_ruff),
        (".pre-commit-config.yaml", config),
    ]);
    assert_status(&r, "typecheck-in-ci", "fail");
}

#[test]
fn gitlab_included_job_files_are_workflows() {
    let main = "include:\n  - local: ci/test.yml\nstages: [test]\n";
    let included = "unit:\n  stage: test\n  image: python:3.12\n  script:\n    - pip install -e .[test]\n    - pytest\n";
    let r = report(&[(".gitlab-ci.yml", main), ("ci/test.yml", included)]);
    assert_status(&r, "tests-in-ci", "pass");
    assert!(evidence(&r, "tests-in-ci").contains("ci/test.yml:6 runs pytest"));
    // A compose file has services with `image`, but no `script`: not a workflow.
    let r = report(&[(
        "compose.yaml",
        "services:\n  api:\n    image: api:1\n    command: pytest\n",
    )]);
    // Not a workflow: the repository has no CI configuration at all, which the checklist
    // counts as a failure (issue 12).
    assert_status(&r, "tests-in-ci", "fail");
    assert!(check(&r, "tests-in-ci")["message"]
        .as_str()
        .unwrap()
        .starts_with("no CI configuration found"));
}

#[test]
fn jenkinsfile_sh_steps_count() {
    let r = report(&[("Jenkinsfile", "pipeline {\n  agent any\n  stages {\n    stage('Test') {\n      steps {\n        sh 'npx vitest run'\n      }\n    }\n  }\n}\n")]);
    assert_status(&r, "tests-in-ci", "pass");
    assert_status(&r, "typecheck-in-ci", "fail");
}

// ---- gradual-rollout, post-deploy-verification, rollback-ready ----

fn deployment(name: &str, extra_spec: &str, probe_path: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n{extra_spec}  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: app\n          image: app:1\n          readinessProbe:\n            httpGet: {{path: {probe_path}, port: 8080}}\n"
    )
}

const KEEPS_CAPACITY: &str = "  strategy:\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}\n";

#[test]
fn a_deployment_needs_both_the_health_probe_and_a_strategy_that_keeps_capacity() {
    let r = report(&[(
        "k8s/app.yaml",
        &deployment("app", KEEPS_CAPACITY, "/healthz"),
    )]);
    assert_status(&r, "gradual-rollout", "pass");
    let r = report(&[(
        "k8s/app.yaml",
        &deployment("app", KEEPS_CAPACITY, "/metrics"),
    )]);
    assert_status(&r, "gradual-rollout", "fail");
    assert!(evidence(&r, "gradual-rollout")
        .contains("readiness probe uses httpGet /metrics, not the health path"));
    let r = report(&[("k8s/app.yaml", &deployment("app", "", "/health"))]);
    assert_status(&r, "gradual-rollout", "fail");
    assert!(evidence(&r, "gradual-rollout")
        .contains("default RollingUpdate with maxUnavailable 25% drops capacity"));
    // One good workload beside a bad one: met in part.
    let two = format!(
        "{}---\n{}",
        deployment("api", KEEPS_CAPACITY, "/health"),
        deployment("worker", "", "/health")
    );
    let r = report(&[("k8s/app.yaml", &two)]);
    assert_status(&r, "gradual-rollout", "warn");
    assert_eq!(
        check(&r, "gradual-rollout")["message"],
        "1 of 2 workloads do not roll out gradually"
    );
}

#[test]
fn a_workload_can_be_left_out_by_config_or_inline_comment() {
    let good = deployment("api", KEEPS_CAPACITY, "/health");
    let redis = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: redis\nspec:\n  strategy:\n    type: Recreate\n  selector:\n    matchLabels: {app: redis}\n  template:\n    metadata:\n      labels: {app: redis}\n    spec:\n      containers:\n        - name: redis\n          image: redis:7\n";
    let r = report(&[("k8s/api.yaml", &good), ("k8s/redis.yaml", redis)]);
    assert_status(&r, "gradual-rollout", "warn");
    let config = "[checks.gradual-rollout]\nignore-paths = [\"k8s/redis.yaml\"]\n";
    let r = report(&[
        ("k8s/api.yaml", &good),
        ("k8s/redis.yaml", redis),
        (".mistral-gate.toml", config),
    ]);
    assert_status(&r, "gradual-rollout", "pass");
    let commented = format!(
        "# Single replica cache, restarted in place. mistral-gate: ignore gradual-rollout\n{redis}"
    );
    let r = report(&[("k8s/api.yaml", &good), ("k8s/redis.yaml", &commented)]);
    assert_status(&r, "gradual-rollout", "pass");
    assert!(!evidence(&r, "gradual-rollout").contains("redis"));
}

#[test]
fn kustomize_overlay_settings_win_over_the_base() {
    let patch = |mu: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  strategy:\n    rollingUpdate:\n      maxUnavailable: {mu}\n")
    };
    let kustomization = "resources:\n  - ../../base\npatches:\n  - path: strategy.yaml\n";
    let base_good = deployment("app", KEEPS_CAPACITY, "/health");
    let r = report(&[
        ("k8s/base/deployment.yaml", &base_good),
        ("k8s/overlays/prod/kustomization.yaml", kustomization),
        ("k8s/overlays/prod/strategy.yaml", &patch("25%")),
    ]);
    assert_status(&r, "gradual-rollout", "fail");
    assert!(evidence(&r, "gradual-rollout").contains("k8s/overlays/prod/strategy.yaml:6 Deployment app: RollingUpdate with maxUnavailable: 25% drops capacity"));
    let base_default = deployment("app", "", "/health");
    let r = report(&[
        ("k8s/base/deployment.yaml", &base_default),
        ("k8s/overlays/prod/kustomization.yaml", kustomization),
        ("k8s/overlays/prod/strategy.yaml", &patch("0")),
    ]);
    assert_status(&r, "gradual-rollout", "pass");
}

#[test]
fn statefulsets_need_a_partitioned_rollout() {
    let sts = |update: &str| {
        format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n{update}  selector:\n    matchLabels: {{app: db}}\n  template:\n    metadata:\n      labels: {{app: db}}\n    spec:\n      containers:\n        - name: db\n          image: db:1\n          readinessProbe:\n            httpGet: {{path: /ready, port: 8080}}\n")
    };
    let r = report(&[(
        "k8s/db.yaml",
        &sts(
            "  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      partition: 2\n",
        ),
    )]);
    assert_status(&r, "gradual-rollout", "pass");
    let r = report(&[("k8s/db.yaml", &sts(""))]);
    assert_status(&r, "gradual-rollout", "fail");
}

#[test]
fn a_deploy_workflow_without_manifests_is_judged_by_its_steps() {
    let deploy = "name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: flyctl deploy --strategy canary\n      - run: curl -sf https://bot.example.com/healthz\n";
    let r = report(&[(".github/workflows/deploy.yml", deploy)]);
    assert_status(&r, "gradual-rollout", "pass");
    assert_status(&r, "post-deploy-verification", "warn");
    assert_eq!(
        check(&r, "post-deploy-verification")["message"],
        "the deploy is followed by a health check but no smoke request"
    );
    assert_status(&r, "rollback-ready", "fail");
}

#[test]
fn checks_before_the_deploy_do_not_verify_it() {
    let deploy = "name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: curl -sf https://bot.example.com/health\n      - run: curl -sf -X POST https://bot.example.com/api/chat -d '{}'\n      - run: kubectl apply -f k8s/\n";
    let r = report(&[
        (".github/workflows/deploy.yml", deploy),
        (
            "k8s/app.yaml",
            &deployment("app", KEEPS_CAPACITY, "/health"),
        ),
    ]);
    assert_status(&r, "post-deploy-verification", "fail");
    assert!(evidence(&r, "post-deploy-verification")
        .contains(".github/workflows/deploy.yml:9 deploys: `kubectl apply -f k8s/`"));
}

#[test]
fn a_deploy_script_called_by_the_workflow_is_followed() {
    let deploy = "name: deploy\non: workflow_dispatch\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./scripts/deploy.sh\n";
    let script = "#!/usr/bin/env bash\nset -euo pipefail\nkubectl set image deployment/app app=app:$1\nkubectl rollout status deployment/app\ncurl -sf https://bot.example.com/health | jq .\ncurl -X POST https://bot.example.com/api/chat \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}'\n";
    let r = report(&[
        (".github/workflows/deploy.yml", deploy),
        ("scripts/deploy.sh", script),
        (
            "k8s/app.yaml",
            &deployment("app", KEEPS_CAPACITY, "/health"),
        ),
    ]);
    assert_status(&r, "post-deploy-verification", "pass");
    let ev = evidence(&r, "post-deploy-verification");
    assert!(
        ev.contains("scripts/deploy.sh:5") && ev.contains("scripts/deploy.sh:6"),
        "{ev}"
    );
    assert!(ev.contains(".github/workflows/deploy.yml:8 smoke request after the deploy via `./scripts/deploy.sh`"), "{ev}");
}

#[test]
fn an_argo_analysis_alone_checks_health_but_sends_no_smoke_request() {
    let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: app\nspec:\n  strategy:\n    canary:\n      steps:\n        - setWeight: 20\n        - analysis:\n            templates:\n              - templateName: success-rate\n";
    let analysis = "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: success-rate\nspec:\n  metrics:\n    - name: success-rate\n      provider:\n        prometheus:\n          query: sum(rate(http_requests_total{code!~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))\n";
    let r = report(&[
        ("deploy/rollout.yaml", rollout),
        ("deploy/analysis.yaml", analysis),
    ]);
    assert_status(&r, "post-deploy-verification", "warn");
    assert!(evidence(&r, "post-deploy-verification")
        .contains("deploy/analysis.yaml:2 AnalysisTemplate success-rate analyses the rollout"));
}

#[test]
fn rollback_needs_history_and_a_written_procedure() {
    let app = deployment("app", KEEPS_CAPACITY, "/health");
    let r = report(&[("k8s/app.yaml", &app)]);
    assert_status(&r, "rollback-ready", "fail");
    assert_eq!(
        check(&r, "rollback-ready")["message"],
        "no rollback procedure: no `kubectl rollout undo`, rollback job or runbook section"
    );
    let runbook = "# Runbook\n\n## Rollback\n\nRun `kubectl rollout undo deployment/app` and wait for `kubectl rollout status` to report success before you close the incident.\n";
    let r = report(&[("k8s/app.yaml", &app), ("docs/runbook.md", runbook)]);
    assert_status(&r, "rollback-ready", "pass");
    assert!(evidence(&r, "rollback-ready")
        .contains("docs/runbook.md:3 rollback written down under § Runbook › Rollback: rollback command `kubectl rollout undo deployment/app` (line 5)"), "{}", evidence(&r, "rollback-ready"));
    assert!(
        evidence(&r, "rollback-ready").contains("revision history kept (Kubernetes default of 10)")
    );
    let no_history = deployment("app", "  revisionHistoryLimit: 0\n", "/health");
    let r = report(&[("k8s/app.yaml", &no_history), ("docs/runbook.md", runbook)]);
    assert_status(&r, "rollback-ready", "fail");
}

#[test]
fn templated_workload_names_are_not_merged_into_one() {
    let template = |probe: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ include \"app.fullname\" . }}}}\nspec:\n  strategy:\n    rollingUpdate: {{maxUnavailable: 0}}\n  template:\n    spec:\n      containers:\n        - name: app\n          readinessProbe:\n            httpGet: {{path: {probe}, port: http}}\n")
    };
    let r = report(&[
        ("chart/templates/api.yaml", &template("/health")),
        ("chart/templates/worker.yaml", &template("/metrics")),
    ]);
    assert_status(&r, "gradual-rollout", "warn");
    assert_eq!(
        check(&r, "gradual-rollout")["message"],
        "1 of 2 workloads do not roll out gradually"
    );
}

#[test]
fn helm_values_that_decide_are_not_visible_statically() {
    let template = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  revisionHistoryLimit: {{ .Values.history }}\n  strategy:\n    rollingUpdate:\n      maxUnavailable: {{ .Values.maxUnavailable }}\n  template:\n    spec:\n      containers:\n        - name: app\n          readinessProbe:\n            httpGet:\n              path: /health\n              port: http\n";
    let r = report(&[
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\n",
        ),
        ("chart/templates/deployment.yaml", template),
        ("Makefile", "rollback:\n\thelm rollback app\n"),
    ]);
    assert_status(&r, "gradual-rollout", "warn");
    assert_status(&r, "rollback-ready", "warn");
    assert!(evidence(&r, "rollback-ready").contains("chart/templates/deployment.yaml:6 Deployment {{…}}: revisionHistoryLimit set by a template"));
}

// ---- alert-rules, budget-alerts ----

#[test]
fn datadog_json_monitors_are_read_and_names_alone_do_not_count() {
    let monitors = r#"[
  {"name": "Mistral 5xx", "type": "query alert", "query": "sum(last_5m):sum:mistral.requests{status_code:5xx}.as_count() > 10"},
  {"name": "Mistral p95 latency", "type": "metric alert", "query": "avg(last_5m):p95:mistral.request.duration{*} > 5"},
  {"name": "Mistral cost spike", "type": "query alert", "query": "avg(last_5m):avg:system.load.1{*} > 10"}
]"#;
    let r = report(&[("monitoring/datadog/monitors.json", monitors)]);
    assert_status(&r, "alert-rules", "fail");
    assert_eq!(
        check(&r, "alert-rules")["message"],
        "4 of 6 alerts missing: rate limited (429), auth failure (401), circuit open, cost spike (spend or tokens)"
    );
    assert!(evidence(&r, "alert-rules").contains(
        "alert Mistral cost spike is named for cost spike (spend or tokens) but its expression"
    ));
    assert_status(&r, "budget-alerts", "fail");
    assert_eq!(
        check(&r, "budget-alerts")["message"],
        "none of the 3 alert rules measures token usage or spend"
    );
}

#[test]
fn a_token_rate_alert_is_a_budget_alert() {
    let rules = "groups:\n  - name: budget\n    rules:\n      - alert: TokenBurn\n        expr: sum(rate(mistral_tokens_total[1h])) * 3600 > 2e6\n";
    let r = report(&[("prometheus/budget.rules.yml", rules)]);
    assert_status(&r, "budget-alerts", "pass");
    assert!(evidence(&r, "budget-alerts")
        .contains("prometheus/budget.rules.yml:4 alert TokenBurn measures spend or token usage"));
    assert_status(&r, "alert-rules", "fail");
}

#[test]
fn median_latency_is_not_p95() {
    let rules = "groups:\n  - name: latency\n    rules:\n      - alert: MistralHighLatency\n        expr: histogram_quantile(0.5, sum by (le) (rate(mistral_request_duration_seconds_bucket[5m]))) > 5\n";
    let r = report(&[("alerts.yaml", rules)]);
    assert!(check(&r, "alert-rules")["message"]
        .as_str()
        .unwrap()
        .contains("high latency (p95)"));
}

// ---- documentation ----

#[test]
fn placeholder_headings_warn_and_text_without_heading_counts() {
    let readme = "# bot\n\n## Escalation\n\nTODO\n\n## Deploying\n\nIf a release misbehaves, run `kubectl rollout undo deployment/bot` and tell the team.\n";
    let r = report(&[("README.md", readme)]);
    assert_status(&r, "escalation-doc", "warn");
    assert!(
        evidence(&r, "escalation-doc")
            .contains("README.md:3 § bot › Escalation: empty or placeholder section"),
        "{}",
        evidence(&r, "escalation-doc")
    );
    assert_status(&r, "rollback-doc", "pass");
    assert!(evidence(&r, "rollback-doc")
        .contains("README.md:7 § bot › Deploying: rollback command `kubectl rollout undo deployment/bot` (line 9)"), "{}", evidence(&r, "rollback-doc"));
    assert_status(&r, "key-rotation-doc", "fail");
}

#[test]
fn an_incident_runbook_must_be_about_mistral() {
    let generic = "# Incident response\n\nDeclare the incident in #ops, assign an incident lead, open the status page and write a timeline as you go.\n";
    let r = report(&[("docs/incidents.md", generic)]);
    assert_status(&r, "incident-runbook", "warn");
    let mistral = "# Incident response\n\nWhen Mistral API calls fail, check status.mistral.ai, open the dashboard and switch to the fallback model.\n";
    let r = report(&[("docs/incidents.md", mistral)]);
    assert_status(&r, "incident-runbook", "pass");
    assert!(
        evidence(&r, "incident-runbook")
            .contains("docs/incidents.md:1 § Incident response: first steps for Mistral incidents"),
        "{}",
        evidence(&r, "incident-runbook")
    );
}

#[test]
fn headings_inside_code_fences_are_not_sections() {
    let doc = "# Setup\n\n```sh\n# Key rotation\nexport MISTRAL_API_KEY=...\n```\n";
    let r = report(&[("README.md", doc)]);
    assert_status(&r, "key-rotation-doc", "fail");
}
