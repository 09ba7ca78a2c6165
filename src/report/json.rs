//! The JSON report, schema version 1 (CHECKS.md), plus the documented `scan` extension.

use serde::Serialize;

use super::{CheckResult, Comparison, Counts, Report, SkippedFile, Suppression};

#[derive(Serialize)]
struct Json<'a> {
    schema: u32,
    tool: Tool,
    verdict: &'static str,
    /// False when no Mistral API usage was found ("nothing to check").
    mistral_usage: bool,
    counts: &'a Counts,
    checks: &'a [CheckResult],
    /// Extension to schema 1 (documented in README): what the walk read and passed over.
    scan: Scan<'a>,
    /// Extension to schema 1 (docs/security.md): what weakened the gate in this run.
    suppressed: &'a [Suppression],
    /// Extension to schema 1 (docs/checks.md, "New and existing findings"): what
    /// `--base` compared with, or why new and existing could not be told apart.
    #[serde(skip_serializing_if = "is_not_asked")]
    base: &'a Comparison,
}

fn is_not_asked(c: &&Comparison) -> bool {
    **c == Comparison::NotAsked
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Scan<'a> {
    files: usize,
    skipped: &'a [SkippedFile],
}

pub fn render(report: &Report) -> String {
    let json = Json {
        schema: 1,
        tool: Tool {
            name: "mistral-gate",
            version: report.tool_version,
        },
        verdict: report.verdict.as_str(),
        mistral_usage: report.mistral_usage,
        counts: &report.counts,
        checks: &report.checks,
        scan: Scan {
            files: report.files_scanned,
            skipped: &report.skipped_files,
        },
        suppressed: &report.suppressed,
        base: &report.comparison,
    };
    let mut s = serde_json::to_string_pretty(&json).expect("report serialises");
    s.push('\n');
    // `--format json` goes to stdout, which the GitHub runner reads for commands.
    super::safe::json_for_runner(s)
}
