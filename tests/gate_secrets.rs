//! no-hardcoded-secrets and key-not-committed, driven through the binary.
mod common;

use common::{check, status, Repo, FAKE_MISTRAL_KEY as KEY};

/// A file that makes the repository "use Mistral", so that nothing is skipped for lack of usage.
const APP: &str = "import { Mistral } from \"@mistralai/mistralai\";\nexport const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n";

fn evidence(report: &serde_json::Value, id: &str) -> Vec<(String, u64)> {
    check(report, id)["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_ne!(e["line"], 0, "whole-file evidence omits its line: {e}");
            (
                e["path"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn keys_are_found_in_every_supported_place_with_path_and_line() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    repo.write(
        ".env.production",
        format!("LOG_LEVEL=info\nMISTRAL_API_KEY={KEY}\n"),
    );
    repo.write("docker-compose.yml", format!("services:\n  app:\n    image: app\n    environment:\n      MISTRAL_API_KEY: \"{KEY}\"\n"));
    repo.write(
        "Dockerfile",
        format!("FROM node:20\nENV MISTRAL_API_KEY={KEY}\nCMD [\"node\", \"server.js\"]\n"),
    );
    repo.write(
        "k8s/deployment.yaml",
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chat\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: MISTRAL_API_KEY\n              value: \"{KEY}\"\n"),
    );
    repo.write(".github/workflows/deploy.yml", format!("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n      MISTRAL_API_KEY: {KEY}\n    steps:\n      - run: ./deploy.sh\n"));
    repo.write(
        "src/template.ts",
        format!("const mistralKey = `{KEY}`;\nexport default mistralKey;\n"),
    );
    repo.write(
        "scripts/probe.sh",
        format!("curl https://api.mistral.ai/v1/models \\\n  -H \"Authorization: Bearer {KEY}\"\n"),
    );
    repo.write(
        "config/settings.json",
        format!("{{\n  \"mistral\": {{\n    \"apiKey\": \"{KEY}\"\n  }}\n}}\n"),
    );
    repo.write(
        "app/settings.py",
        format!("import os\n\nMISTRAL_API_KEY = '{KEY}'\n"),
    );
    let r = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(1);
    let json = r.json();

    let mut hardcoded = evidence(&json, "no-hardcoded-secrets");
    hardcoded.sort();
    let expected: Vec<(String, u64)> = [
        (".env.production", 2),
        (".github/workflows/deploy.yml", 6),
        ("Dockerfile", 2),
        ("app/settings.py", 3),
        ("config/settings.json", 3),
        ("docker-compose.yml", 5),
        ("k8s/deployment.yaml", 12),
        ("scripts/probe.sh", 2),
        ("src/template.ts", 1),
    ]
    .iter()
    .map(|(p, l)| (p.to_string(), *l))
    .collect();
    assert_eq!(hardcoded, expected);

    // key-not-committed is about deployment files only: env, compose, container, Kubernetes, CI.
    let mut committed = evidence(&json, "key-not-committed");
    committed.sort();
    let deployment: Vec<_> = expected
        .iter()
        .filter(|(p, _)| {
            !p.starts_with("src/")
                && !p.starts_with("app/")
                && !p.starts_with("config/")
                && !p.starts_with("scripts/")
        })
        .cloned()
        .collect();
    assert_eq!(committed, deployment);
    assert_eq!(status(&json, "key-not-committed"), "fail");
    assert_eq!(status(&json, "no-hardcoded-secrets"), "fail");
    // Only the last four characters are shown.
    let msg = check(&json, "no-hardcoded-secrets")["evidence"][0]["message"]
        .as_str()
        .unwrap();
    assert!(msg.contains("****a1Ue"), "{msg}");
    assert!(!r.stdout().contains(KEY));
}

#[test]
fn placeholders_and_references_are_not_leaks() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    repo.write(
        ".env.example",
        "MISTRAL_API_KEY=your-mistral-api-key-here\nMISTRAL_FALLBACK_API_KEY=<fallback key>\nOPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nOTHER=changeme\n",
    );
    repo.write(
        ".env.sample",
        "MISTRAL_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    );
    repo.write("src/test-config.ts", "// mistral test setup\nexport const apiKey = \"test-api-key\";\nexport const fake = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";\n");
    repo.write(
        "k8s/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chat\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: MISTRAL_API_KEY\n              valueFrom:\n                secretKeyRef:\n                  name: mistral\n                  key: api-key\n",
    );
    repo.write(".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n      MISTRAL_API_KEY: ${{ secrets.MISTRAL_API_KEY }}\n    steps:\n      - run: npm test\n");
    // A hex digest and a UUID near the word mistral are not keys either.
    repo.write("package-lock.json", "{\n  \"name\": \"mistral-chat\",\n  \"md5\": \"d41d8cd98f00b204e9800998ecf8427e\",\n  \"id\": \"3f2504e04f8911d39a0c0305e82c3301\"\n}\n");
    let json = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(
        status(&json, "no-hardcoded-secrets"),
        "pass",
        "{:#}",
        check(&json, "no-hardcoded-secrets")
    );
    assert_eq!(status(&json, "key-not-committed"), "pass");
    // The pass names the deployment files it read.
    let ev = evidence(&json, "key-not-committed");
    for p in [
        ".env.example",
        ".env.sample",
        ".github/workflows/ci.yml",
        "k8s/deployment.yaml",
    ] {
        assert!(
            ev.iter().any(|(path, _)| path == p),
            "{p} not in pass evidence {ev:?}"
        );
    }
}

#[test]
fn other_providers_keys_fail_no_hardcoded_secrets_only() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    repo.write(
        "src/openai.ts",
        "export const openai = \"sk-proj-4fG7hJ2kL9mN3pQ6rS8tU1vW5xY0zA2bC4dE6fG8hJ0kL2mN\";\n",
    );
    repo.write(".env", "HF_TOKEN=hf_Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3V\n");
    let json = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(1)
        .json();
    assert_eq!(status(&json, "no-hardcoded-secrets"), "fail");
    assert_eq!(
        status(&json, "key-not-committed"),
        "pass",
        "key-not-committed is about Mistral keys"
    );
    let msg = check(&json, "no-hardcoded-secrets")["message"]
        .as_str()
        .unwrap();
    assert!(
        msg.contains("OpenAI") && msg.contains("Hugging Face"),
        "{msg}"
    );
}

#[test]
fn gitignored_env_file_is_not_committed() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    repo.write(".gitignore", ".env\n");
    repo.write(".env", format!("MISTRAL_API_KEY={KEY}\n"));
    let json = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(status(&json, "key-not-committed"), "pass");
    assert_eq!(status(&json, "no-hardcoded-secrets"), "pass");
}

#[test]
fn vendored_trees_are_not_the_repository() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    for dir in [
        "node_modules/pkg",
        ".venv/lib",
        "dist",
        "build",
        "target/debug",
    ] {
        repo.write(
            &format!("{dir}/leak.env"),
            format!("MISTRAL_API_KEY={KEY}\n"),
        );
    }
    // A virtualenv under any name is recognised by its pyvenv.cfg.
    repo.write("pyenv39/pyvenv.cfg", "home = /usr/bin\n");
    repo.write("pyenv39/lib/x.py", format!("MISTRAL_API_KEY = '{KEY}'\n"));
    let json = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(status(&json, "no-hardcoded-secrets"), "pass");
}

#[test]
fn inline_ignore_silences_one_finding() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    repo.write(
        "src/keys.ts",
        format!("// mistral-gate: ignore no-hardcoded-secrets\nexport const mistralDemo = \"{KEY}\";\nexport const mistralOther = \"Hn5Wc8PzQ2tLk7RmX4vBd9GsJ3yFa6Ek\";\n"),
    );
    let json = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(1)
        .json();
    assert_eq!(
        evidence(&json, "no-hardcoded-secrets"),
        vec![("src/keys.ts".to_string(), 3)]
    );

    repo.write(
        "src/keys.ts",
        format!("export const mistralDemo = \"{KEY}\"; // mistral-gate: ignore no-hardcoded-secrets\nexport const mistralOther = \"Hn5Wc8PzQ2tLk7RmX4vBd9GsJ3yFa6Ek\"; // mistral-gate: ignore no-hardcoded-secrets\n"),
    );
    let json = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(status(&json, "no-hardcoded-secrets"), "pass");
}
