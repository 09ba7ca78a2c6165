//! One classification of a repository's files by path (issue 12): CI configuration,
//! deployment configuration, documentation, env files, tests and source, as a table.
//!
//! Before, each stage had its own idea: `.gitlab/ci/*.yml` was CI for the ops checks but
//! not for the key checks. Every stage asks this module instead. Content-based
//! refinements (a YAML file with `apiVersion` and `kind` is a Kubernetes manifest) stay
//! with the front-end that reads the content; the path decides here.

use std::sync::LazyLock;

use regex::Regex;

/// What a file is, by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileClass {
    /// A CI pipeline definition: GitHub Actions workflows and composite actions, GitLab
    /// CI (also its included files under `.gitlab/ci/`), CircleCI, Bitbucket, Azure
    /// Pipelines, Jenkinsfiles.
    Ci,
    /// Deployment configuration by path: Helm charts, Kustomize, manifests folders,
    /// compose and container files, platform configs (fly.toml, vercel.json, ...).
    Deployment,
    /// Documentation read for the documentation checks: Markdown, reStructuredText,
    /// AsciiDoc.
    Docs,
    /// Every `.env*` name (`.env`, `.env.production`, direnv's `.envrc`) and `*.env`.
    Env,
    /// A test file (`*.test.ts`, `test_*.py`, `*_test.go`, files under `tests/`).
    Test,
    /// Anything else.
    Source,
}

impl FileClass {
    pub fn describe(self) -> &'static str {
        match self {
            FileClass::Ci => "CI configuration",
            FileClass::Deployment => "deployment configuration",
            FileClass::Docs => "documentation",
            FileClass::Env => "env file",
            FileClass::Test => "test file",
            FileClass::Source => "source file",
        }
    }
}

/// The table: the first rule whose pattern matches the path (lower-cased) decides.
/// Each entry holds samples that must (and must not) match: see the tests.
const RULES: &[(FileClass, &str)] = &[
    (
        FileClass::Ci,
        r"(^|/)\.github/workflows/[^/]+\.ya?ml$|(^|/)\.github/actions/.+/action\.ya?ml$|(^|/)action\.ya?ml$|(^|/)\.gitlab-ci\.ya?ml$|\.gitlab-ci\.ya?ml$|(^|/)\.gitlab/ci/.+\.ya?ml$|(^|/)\.circleci/config\.ya?ml$|(^|/)bitbucket-pipelines\.ya?ml$|(^|/)azure-pipelines\.ya?ml$|(^|/)jenkinsfile$|(^|/)\.drone\.ya?ml$|(^|/)\.woodpecker\.ya?ml$|(^|/)\.buildkite/.+\.ya?ml$",
    ),
    (FileClass::Env, r"(^|/)\.env[^/]*$|\.env$"),
    (FileClass::Docs, r"\.(md|markdown|mdx|rst|adoc|asciidoc)$"),
    (
        FileClass::Test,
        r"(^|/)(tests?|__tests__|spec|specs|e2e|integration_tests)/.+\.(py|[cm]?[jt]sx?|go|rs|rb|java|kt|php)$|\.(test|spec|cy)\.[cm]?[jt]sx?$|(^|/)test_[^/]+\.py$|_test\.(py|go)$|_spec\.rb$|(^|/)conftest\.py$",
    ),
    (
        FileClass::Deployment,
        r"(^|/)(chart|values[^/]*)\.ya?ml$|(^|/)kustomization\.ya?ml$|(^|/)(k8s|kubernetes|manifests|deploy|deployment|helm|charts)/.+\.(ya?ml|json)$|(^|/)(docker-)?compose[^/]*\.ya?ml$|(^|/)(dockerfile|containerfile)(\.[^/]+)?$|\.dockerfile$|(^|/)(fly\.toml|vercel\.json|railway\.(json|toml)|render\.ya?ml|app\.ya?ml|serverless\.ya?ml|template\.ya?ml|samconfig\.toml|cdk\.json|skaffold\.ya?ml|helmfile\.ya?ml|netlify\.toml|wrangler\.toml|procfile|appspec\.ya?ml)$",
    ),
];

static COMPILED: LazyLock<Vec<(FileClass, Regex)>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|(c, p)| (*c, Regex::new(p).expect("file class pattern")))
        .collect()
});

/// The class of a path (relative to the repository root, `/`-separated).
pub fn classify(path: &str) -> FileClass {
    let lower = path.to_ascii_lowercase();
    COMPILED
        .iter()
        .find(|(_, re)| re.is_match(&lower))
        .map_or(FileClass::Source, |(c, _)| *c)
}

pub fn is_ci(path: &str) -> bool {
    classify(path) == FileClass::Ci
}

pub fn is_test(path: &str) -> bool {
    classify(path) == FileClass::Test
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_of_each_class() {
        let cases = [
            (".github/workflows/ci.yml", FileClass::Ci),
            ("svc/.github/workflows/deploy.yaml", FileClass::Ci),
            (".github/actions/setup/action.yml", FileClass::Ci),
            (".gitlab-ci.yml", FileClass::Ci),
            ("ci/test.gitlab-ci.yml", FileClass::Ci),
            (".gitlab/ci/test.yml", FileClass::Ci),
            (".circleci/config.yml", FileClass::Ci),
            ("Jenkinsfile", FileClass::Ci),
            ("bitbucket-pipelines.yml", FileClass::Ci),
            (".env", FileClass::Env),
            (".env.production", FileClass::Env),
            (".envrc", FileClass::Env),
            ("svc/.env.local", FileClass::Env),
            ("config/prod.env", FileClass::Env),
            ("README.md", FileClass::Docs),
            ("docs/ops.rst", FileClass::Docs),
            ("docs/runbook.adoc", FileClass::Docs),
            ("src/chat.test.ts", FileClass::Test),
            ("tests/test_chat.py", FileClass::Test),
            ("pkg/chat_test.go", FileClass::Test),
            ("src/__tests__/chat.tsx", FileClass::Test),
            ("k8s/deployment.yaml", FileClass::Deployment),
            ("chart/Chart.yaml", FileClass::Deployment),
            ("docker-compose.yml", FileClass::Deployment),
            ("Dockerfile", FileClass::Deployment),
            ("fly.toml", FileClass::Deployment),
            ("src/chat.ts", FileClass::Source),
            ("src/testing.py", FileClass::Source),
            ("src/latest.ts", FileClass::Source),
            ("docs/workflows/ci.yml", FileClass::Source),
        ];
        for (path, want) in cases {
            assert_eq!(classify(path), want, "{path}");
        }
    }
}
