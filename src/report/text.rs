//! The terminal report: grouped by checklist step, failures first with evidence and
//! remediation. Colour only when stdout is a terminal (and `NO_COLOR` is unset).
//!
//! Every piece of text from the repository or an API goes through [`safe::runner`]
//! (one line, no terminal escapes, no workflow command), and the finished text through
//! [`safe::runner_lines`] (no line of it can start one), since in GitHub Actions the
//! runner reads stdout for commands.

use std::fmt::Write;

use super::{safe, CheckResult, Report, SkipReason, Status, Step, Verdict};

/// How many evidence lines a check shows before "and N more".
const EVIDENCE_SHOWN: usize = 10;

pub fn render(report: &Report, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for step in Step::ALL {
        let checks: Vec<&CheckResult> = report.by_step(step).collect();
        if checks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", paint("1", step.heading()));
        for c in checks {
            let (tag, code) = match c.status {
                Status::Pass => ("PASS ", "32"),
                Status::Fail if c.blocks(&report.policy) => ("FAIL ", "31;1"),
                Status::Fail => ("FAIL ", "33"),
                Status::Warn => ("WARN ", "33"),
                Status::Skip => ("SKIP ", "2"),
                Status::Error => ("ERROR", "35;1"),
            };
            let _ = writeln!(
                out,
                "  {} {:<26} {}",
                paint(code, tag),
                c.id,
                safe::runner(&c.message)
            );
            if matches!(c.status, Status::Fail | Status::Warn | Status::Error) {
                // What to fix: the `fail` and `warn` items only, `fail` first.
                for e in c.findings().take(EVIDENCE_SHOWN) {
                    let _ = writeln!(
                        out,
                        "          {}  {}",
                        paint("36", &safe::runner(&e.location())),
                        safe::runner(&e.message)
                    );
                }
                let findings = c.findings().count();
                if findings > EVIDENCE_SHOWN {
                    let _ = writeln!(
                        out,
                        "          ... and {} more (see --json)",
                        findings - EVIDENCE_SHOWN
                    );
                }
                if c.status != Status::Error {
                    let _ = writeln!(
                        out,
                        "          fix ({}): {}",
                        c.severity.as_str(),
                        safe::runner(&c.remediation)
                    );
                }
            }
        }
        out.push('\n');
    }
    if !report.skipped_files.is_empty() {
        let binary = report
            .skipped_files
            .iter()
            .filter(|s| s.kind == SkipReason::Binary)
            .count();
        let _ = writeln!(out, "{}", paint("1", "Not scanned"));
        if binary > 0 {
            let _ = writeln!(
                out,
                "  {binary} binary file{}",
                if binary == 1 { "" } else { "s" }
            );
        }
        for s in report
            .skipped_files
            .iter()
            .filter(|s| s.kind != SkipReason::Binary)
        {
            let _ = writeln!(
                out,
                "  {}  {}",
                safe::runner(&s.path),
                safe::runner(&s.reason)
            );
        }
        out.push('\n');
    }
    if !report.suppressed.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            paint("1", "Suppressed (what weakened the gate in this run)")
        );
        for s in &report.suppressed {
            let _ = writeln!(out, "  {}", safe::runner(&s.describe()));
        }
        out.push('\n');
    }
    let c = &report.counts;
    let verdict = match report.verdict {
        Verdict::Pass => paint("32;1", "PASSED"),
        Verdict::Fail => paint("31;1", "FAILED"),
    };
    let _ = writeln!(
        out,
        "mistral-gate {verdict}: {} pass, {} fail, {} warn, {} error, {} skip ({} files scanned)",
        c.pass, c.fail, c.warn, c.error, c.skip, report.files_scanned
    );
    safe::runner_lines(&out).into_owned()
}
