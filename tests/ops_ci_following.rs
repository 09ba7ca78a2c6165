//! Issue 12, CI and deploys: commands are followed through make, just, package scripts
//! (npm-run-all, concurrently, turbo, nx), tox, nox, pre-commit, reusable workflows with
//! their inputs, composite actions and shell scripts to the real tool; a runner with no
//! test file where it looks is `warn`; no CI at all fails; every kind of deploy workflow
//! is a deployment the rollout checks judge.
mod common;
mod ops_support;

use common::check;
use ops_support::{assert_status, evidence, json, repo};

const PY_TEST: (&str, &str) = ("tests/test_chat.py", "def test_chat():\n    assert True\n");
const TS_TEST: (&str, &str) = (
    "src/chat.test.ts",
    "import { test } from \"vitest\";\ntest(\"chat\", () => {});\n",
);

fn report(files: &[(&str, &str)]) -> serde_json::Value {
    json(&repo(files))
}

fn gha(steps: &str) -> String {
    format!("name: ci\non: push\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n{steps}")
}

/// (check, status, evidence that must appear)
fn expect(r: &serde_json::Value, id: &str, status: &str, has: &str) {
    assert_status(r, id, status);
    let e = evidence(r, id);
    assert!(e.contains(has), "{id}: no `{has}` in\n{e}");
}

#[test]
fn justfile_recipes_and_their_dependencies() {
    let just = "set shell := [\"bash\", \"-cu\"]\n\ndefault: check\n\n# all checks\ncheck: types test\n\ntypes:\n    uv run mypy src\n\ntest:\n    @uv run pytest -q\n";
    let r = report(&[
        (".github/workflows/ci.yml", &gha("      - run: just\n")),
        ("justfile", just),
        PY_TEST,
    ]);
    expect(
        &r,
        "typecheck-in-ci",
        "pass",
        "runs mypy via `just` → `uv run mypy src` in justfile",
    );
    expect(
        &r,
        "tests-in-ci",
        "pass",
        "runs pytest via `just` → `uv run pytest -q` in justfile",
    );
}

#[test]
fn npm_run_all_concurrently_turbo_and_nx() {
    let pkg = r#"{"scripts": {"ci": "npm-run-all -s lint typecheck:*", "lint": "eslint .", "typecheck:app": "tsc --noEmit", "test:all": "concurrently -n unit,e2e \"npm:test:unit\" \"playwright test\"", "test:unit": "vitest run"}}"#;
    let r = report(&[
        (
            ".github/workflows/ci.yml",
            &gha("      - run: npm run ci\n      - run: npm run test:all\n"),
        ),
        ("package.json", pkg),
        TS_TEST,
    ]);
    expect(
        &r,
        "typecheck-in-ci",
        "pass",
        "`npm run ci` → `npm-run-all -s lint typecheck:*` → `tsc --noEmit`",
    );
    expect(
        &r,
        "tests-in-ci",
        "pass",
        "runs vitest via `npm run test:all`",
    );

    // turbo and nx run the task in every workspace package.
    let web =
        r#"{"name": "web", "scripts": {"typecheck": "vue-tsc --noEmit", "test": "vitest run"}}"#;
    for cmd in [
        "npx turbo run typecheck test",
        "npx nx run-many -t typecheck test",
    ] {
        let r = report(&[
            (
                ".github/workflows/ci.yml",
                &gha(&format!("      - run: {cmd}\n")),
            ),
            (
                "package.json",
                r#"{"private": true, "workspaces": ["apps/*"]}"#,
            ),
            ("apps/web/package.json", web),
            ("apps/web/src/app.test.ts", TS_TEST.1),
        ]);
        expect(&r, "typecheck-in-ci", "pass", "runs vue-tsc");
        expect(&r, "tests-in-ci", "pass", "apps/web/package.json");
    }
}

#[test]
fn tox_nox_pre_commit_and_shell_scripts() {
    let tox = "[tox]\nenvlist = py312, type\n\n[testenv]\ndeps = pytest\ncommands = pytest {posargs}\n\n[testenv:type]\ncommands = mypy src\n";
    let r = report(&[
        (
            ".gitlab-ci.yml",
            "test:\n  image: python:3.12\n  script:\n    - pip install tox\n    - tox\n",
        ),
        ("tox.ini", tox),
        PY_TEST,
    ]);
    expect(
        &r,
        "typecheck-in-ci",
        "pass",
        "runs mypy via `tox` → `mypy src` in tox.ini",
    );
    expect(&r, "tests-in-ci", "pass", "runs pytest via `tox`");

    let nox = "import nox\n\n@nox.session\ndef tests(session):\n    session.install(\"pytest\")\n    session.run(\"pytest\", \"tests\")\n\n@nox.session\ndef types(session):\n    session.run(\"pyright\")\n";
    let r = report(&[
        (
            ".github/workflows/ci.yml",
            &gha("      - run: pipx run nox -s tests types\n"),
        ),
        ("noxfile.py", nox),
        PY_TEST,
    ]);
    expect(
        &r,
        "typecheck-in-ci",
        "pass",
        "runs pyright via `pipx run nox -s tests types`",
    );
    expect(&r, "tests-in-ci", "pass", "runs pytest");

    let hooks = "repos:\n  - repo: local\n    hooks:\n      - id: types\n        name: types\n        entry: npx tsc --noEmit\n        language: system\n        pass_filenames: false\n";
    let r = report(&[
        (
            ".github/workflows/ci.yml",
            &gha("      - run: pre-commit run --all-files\n      - run: bash scripts/ci.sh\n"),
        ),
        (".pre-commit-config.yaml", hooks),
        (
            "scripts/ci.sh",
            "#!/usr/bin/env bash\nset -euo pipefail\nnpm ci\nmake test\n",
        ),
        ("Makefile", "test:\n\tnpx vitest run\n"),
        TS_TEST,
    ]);
    expect(
        &r,
        "typecheck-in-ci",
        "pass",
        "runs tsc via `pre-commit run --all-files`",
    );
    expect(
        &r,
        "tests-in-ci",
        "pass",
        "runs vitest via `bash scripts/ci.sh` → `make test` → `npx vitest run` in Makefile",
    );
}

#[test]
fn reusable_workflows_with_inputs_and_composite_actions() {
    let caller = "name: ci\non: push\njobs:\n  python:\n    uses: ./.github/workflows/python.yml\n    with:\n      test-command: uv run pytest -q\n";
    let reusable = "name: python\non:\n  workflow_call:\n    inputs:\n      test-command:\n        type: string\n        required: true\n      type-command:\n        type: string\n        default: uv run mypy src\njobs:\n  run:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: ./.github/actions/setup\n      - run: ${{ inputs.test-command }}\n      - run: ${{ inputs.type-command }}\n";
    let action = "name: setup\ndescription: install\nruns:\n  using: composite\n  steps:\n    - run: pip install uv\n      shell: bash\n";
    let r = report(&[
        (".github/workflows/ci.yml", caller),
        (".github/workflows/python.yml", reusable),
        (".github/actions/setup/action.yml", action),
        PY_TEST,
    ]);
    expect(
        &r,
        "tests-in-ci",
        "pass",
        "runs pytest via `uses: ./.github/workflows/python.yml` → `uv run pytest -q`",
    );
    // The default of an input the caller does not set.
    expect(
        &r,
        "typecheck-in-ci",
        "pass",
        "runs mypy via `uses: ./.github/workflows/python.yml` → `uv run mypy src`",
    );

    let action = "name: check\ndescription: checks\ninputs:\n  dir:\n    default: .\nruns:\n  using: composite\n  steps:\n    - run: npx tsc --noEmit -p ${{ inputs.dir }}\n      shell: bash\n    - run: npx vitest run\n      shell: bash\n";
    let r = report(&[
        (
            ".github/workflows/ci.yml",
            &gha("      - uses: ./.github/actions/check\n        with:\n          dir: web\n"),
        ),
        (".github/actions/check/action.yml", action),
        TS_TEST,
    ]);
    expect(&r, "typecheck-in-ci", "pass", "`npx tsc --noEmit -p web`");
    expect(
        &r,
        "tests-in-ci",
        "pass",
        "runs vitest via `uses: ./.github/actions/check`",
    );
}

#[test]
fn a_test_runner_with_no_test_file_warns() {
    // The issue's case: `node --test dist/` in a repository with no test file at all.
    let pkg = r#"{"scripts": {"build": "tsc", "test": "node --test dist/"}}"#;
    let r = report(&[
        (
            ".github/workflows/ci.yml",
            &gha("      - run: npm run build\n      - run: npm test\n"),
        ),
        ("package.json", pkg),
    ]);
    expect(
        &r,
        "tests-in-ci",
        "warn",
        "runs node --test on `dist/`, where the repository holds no test file",
    );
    // With a test source, the compiled tests in dist/ count.
    let r = report(&[
        (
            ".github/workflows/ci.yml",
            &gha("      - run: npm run build\n      - run: npm test\n"),
        ),
        ("package.json", pkg),
        (
            "src/chat.test.ts",
            "import test from \"node:test\";\ntest(\"chat\", () => {});\n",
        ),
    ]);
    assert_status(&r, "tests-in-ci", "pass");
    // A named folder without tests, while tests live elsewhere.
    let r = report(&[
        (
            ".github/workflows/ci.yml",
            &gha("      - run: pytest tests/integration\n"),
        ),
        PY_TEST,
    ]);
    expect(&r, "tests-in-ci", "warn", "on `tests/integration`");
    let r = report(&[(".github/workflows/ci.yml", &gha("      - run: pytest\n"))]);
    expect(
        &r,
        "tests-in-ci",
        "warn",
        "runs pytest but the repository holds no test file",
    );
}

#[test]
fn no_ci_configuration_fails_both_ci_checks() {
    let r = report(&[
        ("package.json", r#"{"scripts": {"test": "vitest run"}}"#),
        TS_TEST,
    ]);
    for id in ["typecheck-in-ci", "tests-in-ci"] {
        assert_status(&r, id, "fail");
        assert!(check(&r, id)["message"]
            .as_str()
            .unwrap()
            .starts_with("no CI configuration found"));
    }
}

#[test]
fn gitlab_ci_folder_counts_as_ci() {
    let r = report(&[
        (
            ".gitlab-ci.yml",
            "include:\n  - local: .gitlab/ci/test.yml\n",
        ),
        (
            ".gitlab/ci/test.yml",
            "unit:\n  stage: test\n  script:\n    - npx tsc --noEmit\n    - npx vitest run\n",
        ),
        TS_TEST,
    ]);
    expect(
        &r,
        "typecheck-in-ci",
        "pass",
        ".gitlab/ci/test.yml:4 runs tsc",
    );
    expect(
        &r,
        "tests-in-ci",
        "pass",
        ".gitlab/ci/test.yml:5 runs vitest",
    );
}

/// A deploy workflow of each kind is a deployment: the rollout checks judge it instead
/// of skipping, and a health check plus a smoke request after it pass.
#[test]
fn every_kind_of_deploy_workflow_is_judged() {
    let deploys = [
        ("ssh + systemctl", "      - run: ssh deploy@app.example.com 'cd /srv/chat && git pull && sudo systemctl restart chat'\n"),
        ("ssh action", "      - uses: appleboy/ssh-action@v1.2.0\n        with:\n          host: app.example.com\n          username: deploy\n          key: ${{ secrets.SSH_KEY }}\n          script: cd /srv/chat && docker compose pull && docker compose up -d\n"),
        ("fly", "      - uses: superfly/flyctl-actions/setup-flyctl@master\n      - run: flyctl deploy --remote-only\n"),
        ("railway", "      - run: npm i -g @railway/cli\n      - run: railway up --service chat\n"),
        ("vercel", "      - run: npx vercel --prod --token=${{ secrets.VERCEL_TOKEN }}\n"),
        ("lambda", "      - run: aws lambda update-function-code --function-name chat --zip-file fileb://dist/chat.zip\n"),
        ("sam", "      - run: sam deploy --no-confirm-changeset --stack-name chat\n"),
        ("cdk", "      - run: npx cdk deploy --require-approval never\n"),
        ("cloud run", "      - run: gcloud run deploy chat --image gcr.io/p/chat:${{ github.sha }} --region europe-west1\n"),
    ];
    for (kind, step) in deploys {
        let bare = gha(step);
        let r = report(&[(".github/workflows/deploy.yml", &bare)]);
        for id in [
            "gradual-rollout",
            "post-deploy-verification",
            "rollback-ready",
        ] {
            assert_ne!(
                check(&r, id)["status"],
                "skip",
                "{kind}: {id} skipped: {}",
                check(&r, id)
            );
        }
        assert_status(&r, "post-deploy-verification", "fail");
        let verified = gha(&format!(
            "{step}      - run: curl -fsS --retry 5 https://chat.example.com/healthz\n      - run: \"curl -fsS -X POST https://chat.example.com/api/chat -d '{{\\\"q\\\":\\\"ping\\\"}}'\"\n"
        ));
        let r = report(&[(".github/workflows/deploy.yml", &verified)]);
        assert_eq!(
            check(&r, "post-deploy-verification")["status"],
            "pass",
            "{kind}: {}",
            check(&r, "post-deploy-verification")
        );
    }
    // Starting services for tests is not a deploy.
    let r = report(&[(
        ".github/workflows/ci.yml",
        &gha("      - run: docker compose up -d\n      - run: sudo systemctl start postgresql\n"),
    )]);
    assert_status(&r, "post-deploy-verification", "skip");
}

#[test]
fn a_database_rollback_is_not_a_rollback_procedure() {
    let k8s = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chat\nspec:\n  selector:\n    matchLabels: {app: chat}\n  template:\n    metadata:\n      labels: {app: chat}\n    spec:\n      containers:\n        - name: chat\n          image: chat:1\n";
    let pkg = r#"{"scripts": {"db:rollback": "knex migrate:rollback"}}"#;
    let doc = "# Database\n\n## Rollback\n\nEach migration defines `up()` and `rollback()`. Run `npx knex migrate:rollback` to undo the last batch, then check the schema.\n";
    let r = report(&[
        ("k8s/chat.yaml", k8s),
        ("package.json", pkg),
        ("docs/db.md", doc),
    ]);
    assert_status(&r, "rollback-ready", "fail");
    assert_status(&r, "rollback-doc", "fail");
}
