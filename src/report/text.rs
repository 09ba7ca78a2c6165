//! The terminal report: grouped by checklist step, failures first with evidence and
//! remediation. Colour only when stdout is a terminal (and `NO_COLOR` is unset).

use std::fmt::Write;

use super::{CheckResult, ConfigSource, Report, Status, Step, Suppression, Verdict};

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
            let _ = writeln!(out, "  {} {:<26} {}", paint(code, tag), c.id, c.message);
            if matches!(c.status, Status::Fail | Status::Warn | Status::Error) {
                for e in c.evidence.iter().take(EVIDENCE_SHOWN) {
                    let _ = writeln!(
                        out,
                        "          {}  {}",
                        paint("36", &e.location()),
                        e.message
                    );
                }
                if c.evidence.len() > EVIDENCE_SHOWN {
                    let _ = writeln!(
                        out,
                        "          ... and {} more (see --json)",
                        c.evidence.len() - EVIDENCE_SHOWN
                    );
                }
                if c.status != Status::Error {
                    let _ = writeln!(
                        out,
                        "          fix ({}): {}",
                        c.severity.as_str(),
                        c.remediation
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
            .filter(|s| s.reason == "binary file")
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
            .filter(|s| s.reason != "binary file")
        {
            let _ = writeln!(out, "  {}  {}", s.path, s.reason);
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
            let _ = writeln!(out, "  {}", suppression_line(s));
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
    out
}

/// One line of the "Suppressed" section, in the reviewer's words.
fn suppression_line(s: &Suppression) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match s {
        Suppression::Config { path, source } => {
            let from = match source {
                ConfigSource::Repository => "from the repository: the pull request can change it",
                ConfigSource::CommandLine => "from the command line",
                ConfigSource::BaseCommit => "from the pull request's base commit",
            };
            format!("config file {path} ({from})")
        }
        Suppression::CheckDisabled { check } => format!("check {check} disabled"),
        Suppression::SeverityLowered { check, from, to } => format!(
            "check {check} severity lowered from {} to {}",
            from.as_str(),
            to.as_str()
        ),
        Suppression::IgnoredPath {
            check: None,
            pattern,
            files,
        } => format!(
            "ignore-paths {pattern:?} excluded {files} file{}",
            plural(*files)
        ),
        Suppression::IgnoredPath {
            check: Some(check),
            pattern,
            files,
        } => {
            format!(
                "ignore-paths {pattern:?} of {check} ignores {files} file{}",
                plural(*files)
            )
        }
        Suppression::InlineIgnore { check, path, line } => {
            format!("inline ignore of {check} at {path}:{line}")
        }
        Suppression::Baseline {
            check,
            path,
            baseline,
        } => format!("finding of {check} in {path} accepted by baseline {baseline}"),
        Suppression::MaxFileSize { bytes, files } => {
            let (cap, default) = (
                crate::vocab::human_bytes(*bytes),
                crate::vocab::human_bytes(crate::vocab::DEFAULT_MAX_FILE_SIZE),
            );
            format!(
                "max-file-size {cap} (default {default}) left {files} file{} unscanned",
                plural(*files)
            )
        }
    }
}
