//! The Markdown report: the body of the sticky pull-request comment and the job summary.
//!
//! Verdict first, then a table of steps, then what blocks with evidence and the fix, and
//! the rest collapsed in `<details>`. Paths become links when a blob base is given
//! (`{server}/{repo}/blob/{head sha}`).

use std::fmt::Write;

use super::{CheckResult, Evidence, Report, Status, Step, Verdict};

#[derive(Debug, Clone, Default)]
pub struct MarkdownOptions {
    /// `https://github.com/owner/repo/blob/<sha>`: evidence paths link there.
    pub blob_base: Option<String>,
}

/// How many evidence lines a check shows in the comment.
const EVIDENCE_SHOWN: usize = 10;

pub fn render(report: &Report, opts: &MarkdownOptions) -> String {
    let mut out = String::new();
    let blocking = report.blocking().count();
    let c = &report.counts;
    match report.verdict {
        Verdict::Pass => out.push_str("## ✅ mistral-gate passed\n\n"),
        Verdict::Fail => {
            let _ = writeln!(out, "## ❌ mistral-gate failed: {blocking} blocking check{}\n", if blocking == 1 { "" } else { "s" });
        }
    }
    let _ = writeln!(
        out,
        "{} pass · {} fail · {} warn · {} error · {} skip — Mistral production checklist, {} files scanned\n",
        c.pass, c.fail, c.warn, c.error, c.skip, report.files_scanned
    );
    out.push_str("| Step | Result | Checks |\n|---|---|---|\n");
    for step in Step::ALL {
        let checks: Vec<&CheckResult> = report.by_step(step).collect();
        let worst = checks.iter().map(|c| icon(c, report)).min_by_key(|(rank, _)| *rank).map(|(_, i)| i).unwrap_or("");
        let ids: Vec<String> = checks.iter().map(|c| format!("{} `{}`", icon(c, report).1, c.id)).collect();
        let _ = writeln!(out, "| {} | {} | {} |", step.heading(), worst, ids.join(" "));
    }
    out.push('\n');

    let (blockers, others): (Vec<&CheckResult>, Vec<&CheckResult>) =
        report.checks.iter().filter(|c| matches!(c.status, Status::Fail | Status::Error | Status::Warn)).partition(|c| c.blocks(&report.policy));
    if !blockers.is_empty() {
        out.push_str("### Blocking\n\n");
        for c in &blockers {
            check_section(&mut out, c, report, opts);
        }
    }
    if !others.is_empty() {
        let _ = writeln!(out, "<details><summary>Not blocking: {} failed, warning or errored check{}</summary>\n", others.len(), if others.len() == 1 { "" } else { "s" });
        for c in &others {
            check_section(&mut out, c, report, opts);
        }
        out.push_str("</details>\n\n");
    }
    let passed: Vec<&CheckResult> = report.checks.iter().filter(|c| matches!(c.status, Status::Pass | Status::Skip)).collect();
    if !passed.is_empty() {
        let _ = writeln!(out, "<details><summary>Passed and skipped: {} check{}</summary>\n", passed.len(), if passed.len() == 1 { "" } else { "s" });
        out.push_str("| Check | Status | Message |\n|---|---|---|\n");
        for c in passed {
            let _ = writeln!(out, "| `{}` | {} {} | {} |", c.id, icon(c, report).1, c.status.as_str(), cell(&c.message));
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn check_section(out: &mut String, c: &CheckResult, report: &Report, opts: &MarkdownOptions) {
    let _ = writeln!(out, "#### {} `{}` ({}, {})\n{}\n", icon(c, report).1, c.id, c.status.as_str(), c.severity.as_str(), escape(&c.message));
    for e in c.evidence.iter().take(EVIDENCE_SHOWN) {
        let _ = writeln!(out, "- {} {}", link(e, opts), escape(&e.message));
    }
    if c.evidence.len() > EVIDENCE_SHOWN {
        let _ = writeln!(out, "- … and {} more in the full report", c.evidence.len() - EVIDENCE_SHOWN);
    }
    if c.status != Status::Error {
        let _ = writeln!(out, "\n**Fix:** {}\n", escape(&c.remediation));
    } else {
        out.push('\n');
    }
}

/// Ranked icon: lower rank is worse.
fn icon(c: &CheckResult, report: &Report) -> (u8, &'static str) {
    match c.status {
        Status::Fail if c.blocks(&report.policy) => (0, "❌"),
        Status::Error => (1, "💥"),
        Status::Fail => (2, "🟠"),
        Status::Warn => (3, "⚠️"),
        Status::Pass => (4, "✅"),
        Status::Skip => (5, "⏭️"),
    }
}

fn link(e: &Evidence, opts: &MarkdownOptions) -> String {
    let loc = e.location();
    match &opts.blob_base {
        Some(base) if e.line > 0 => format!("[`{loc}`]({base}/{}#L{})", e.path, e.line),
        Some(base) => format!("[`{loc}`]({base}/{})", e.path),
        None => format!("`{loc}`"),
    }
}

/// Keeps user-controlled text (messages quote code) from opening HTML or breaking tables.
fn escape(s: &str) -> String {
    s.replace('<', "&lt;").replace('>', "&gt;")
}

fn cell(s: &str) -> String {
    escape(s).replace('|', "\\|").replace('\n', " ")
}
