//! The language-neutral model the checks read.
//!
//! Each text file is analysed once, in parallel, into a [`FileFacts`]; the per-file facts
//! are then assembled into one [`Facts`] (this is where cross-file work such as following
//! an imported constant happens, in the front-ends' own `assemble`). Live key validation
//! adds [`crate::live::LiveFacts`] last.

use crate::lang::{self, CodeFacts, FileCode};
use crate::live::LiveFacts;
use crate::ops::{self, OpsFacts, OpsFile};
use std::collections::HashSet;

use crate::secrets::{self, FileKind, FileSecrets, SecretFinding};
use crate::suppressions::{self, Suppressions};
use crate::vocab::SkippedFile;
use crate::walk::SourceFile;

/// What one file contributes.
pub struct FileFacts {
    path: String,
    kind: FileKind,
    secrets: FileSecrets,
    suppressions: Vec<(u32, String)>,
    code: Option<FileCode>,
    ops: Option<OpsFile>,
}

/// Runs every front-end on one file. Called from the walk's worker threads.
pub fn analyze_file(file: &SourceFile) -> FileFacts {
    let kind = FileKind::of(file.path, file.text);
    FileFacts {
        path: file.path.to_string(),
        kind,
        secrets: secrets::scan(file.path, file.text, kind),
        suppressions: suppressions::scan(file.text),
        code: lang::analyze_file(file),
        ops: ops::analyze_file(file),
    }
}

/// Everything known about the repository.
#[derive(Default)]
pub struct Facts {
    pub secrets: Vec<SecretFinding>,
    /// Env, compose, container, Kubernetes and CI files scanned, with their kind.
    pub deployment_configs: Vec<(String, FileKind)>,
    pub suppressions: Suppressions,
    /// Files that may hold text no front-end saw (too large, unreadable): a check that
    /// would have read them cannot honestly pass.
    pub unscanned: Vec<SkippedFile>,
    pub code: CodeFacts,
    pub ops: OpsFacts,
    pub live: LiveFacts,
}

impl Facts {
    pub fn assemble(files: Vec<FileFacts>, skipped: &[SkippedFile]) -> Facts {
        let mut facts = Facts {
            unscanned: skipped
                .iter()
                .filter(|s| s.unscanned_text)
                .cloned()
                .collect(),
            ..Facts::default()
        };
        let mut code = Vec::new();
        let mut ops = Vec::new();
        let mut candidates = Vec::new();
        // Helm values files are deployment files under a chart only.
        let charts: HashSet<String> = files
            .iter()
            .filter_map(|f| {
                let (dir, name) = f.path.rsplit_once('/').unwrap_or(("", &f.path));
                matches!(name, "Chart.yaml" | "Chart.yml").then(|| dir.to_string())
            })
            .collect();
        for f in files {
            let kind = f.kind.settle(&f.path, &charts);
            if kind.is_deployment_config() {
                facts.deployment_configs.push((f.path.clone(), kind));
            }
            facts.secrets.extend(
                f.secrets
                    .findings
                    .into_iter()
                    .map(|s| SecretFinding { kind, ..s }),
            );
            candidates.extend(
                f.secrets
                    .candidates
                    .into_iter()
                    .map(|c| secrets::Candidate { kind, ..c }),
            );
            facts.suppressions.add(&f.path, f.suppressions);
            code.extend(f.code);
            ops.extend(f.ops);
        }
        facts.code = CodeFacts::assemble(code);
        // Mistral keys whose context is in the code (a constant imported by the module
        // that builds the client), and every occurrence of a confirmed key.
        secrets::confirm(&mut facts.secrets, candidates, &facts.code);
        facts.ops = OpsFacts::assemble(ops);
        facts
    }
}
