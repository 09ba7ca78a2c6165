//! The terminal report: grouped by checklist step, failures first with evidence and
//! remediation. Each FAIL says its severity and whether it blocks; new findings (with
//! `--base`) are marked and listed first; the last line names the blocking checks.
//! Paths are shown relative to where the user stands (PATH as given, then the file).
//! Colour: `--color auto` follows `FORCE_COLOR` (wins, so CI logs get colour), then
//! `NO_COLOR`, then `CLICOLOR=0`, then whether stdout is a terminal.
//!
//! Every piece of text from the repository or an API goes through [`safe::runner`]
//! (one line, no terminal escapes, no workflow command), and the finished text through
//! [`safe::runner_lines`] (no line of it can start one), since in GitHub Actions the
//! runner reads stdout for commands.

use std::fmt::Write;

use super::{safe, CheckResult, Comparison, Evidence, Report, SkipReason, Status, Step, Verdict};

/// How many evidence lines a check shows before "and N more".
const EVIDENCE_SHOWN: usize = 10;

/// How the text report is printed.
#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    pub color: bool,
    /// Put before each evidence path so that it is relative to the current directory
    /// (PATH as the user gave it, `/`-terminated; empty for `.`).
    pub path_prefix: String,
}

/// `--color auto`: `FORCE_COLOR` (set, not `0`/`false`) wins, so that CI logs, which are
/// no terminal, get colour when asked; then `NO_COLOR` (set, non-empty) and `CLICOLOR=0`
/// turn it off; otherwise colour when stdout is a terminal.
pub fn color_from_env(var: impl Fn(&str) -> Option<String>, tty: bool) -> bool {
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    if let Some(v) = set("FORCE_COLOR") {
        return !matches!(v.as_str(), "0" | "false");
    }
    if set("NO_COLOR").is_some() || set("CLICOLOR").as_deref() == Some("0") {
        return false;
    }
    tty
}

pub fn render(report: &Report, opts: &TextOptions) -> String {
    let color = opts.color;
    let shown = |e: &Evidence| format!("{}{}", opts.path_prefix, e.location());
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
                Status::Fail if c.blocking => ("FAIL ", "31;1"),
                Status::Fail => ("FAIL ", "33"),
                Status::Warn if c.blocking => ("WARN ", "31;1"),
                Status::Warn => ("WARN ", "33"),
                Status::Skip => ("SKIP ", "2"),
                Status::Error => ("ERROR", "35;1"),
            };
            // Beside each finding: its severity and whether it fails the gate.
            let weight = if c.is_finding() {
                let blocks = if c.blocking { "blocking" } else { "advisory" };
                let new = if c.is_new() { ", new" } else { "" };
                format!(
                    "{} ",
                    paint(code, &format!("[{}, {blocks}{new}]", c.severity.as_str()))
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {} {:<26} {weight}{}",
                paint(code, tag),
                c.id,
                safe::runner(&c.message)
            );
            if c.is_finding() {
                // What to fix: the `fail` and `warn` items only, new ones first, then
                // `fail` before `warn`.
                let mut items: Vec<&Evidence> = c.findings().collect();
                items.sort_by_key(|e| e.new != Some(true));
                for e in items.into_iter().take(EVIDENCE_SHOWN) {
                    let new = if e.new == Some(true) {
                        format!("{} ", paint("35;1", "NEW"))
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        out,
                        "          {new}{}  {}",
                        paint("36", &safe::runner(&shown(e))),
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
                    let mut fixes: Vec<String> = Vec::new();
                    for f in c.findings().filter_map(|e| e.fix.as_ref()) {
                        let w = fix_words(f);
                        if !fixes.contains(&w) && fixes.len() < 4 {
                            fixes.push(w);
                        }
                    }
                    if !fixes.is_empty() {
                        let _ = writeln!(out, "          fix: {}", fixes.join("; "));
                    }
                    // The check's own remediation when some finding has no concrete fix.
                    if fixes.is_empty() || c.findings().any(|e| e.fix.is_none()) {
                        let _ = writeln!(out, "          fix: {}", safe::runner(&c.remediation));
                    }
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
    match &report.comparison {
        Comparison::NotAsked => {}
        Comparison::Compared { reference, commit } => {
            let _ = writeln!(
                out,
                "Compared with {} ({}): {} new finding{}\n",
                safe::runner(reference),
                &commit[..commit.len().min(12)],
                report.new_findings(),
                if report.new_findings() == 1 { "" } else { "s" }
            );
        }
        Comparison::Unknown { reason } => {
            let _ = writeln!(
                out,
                "New and existing findings could not be told apart: {}\n",
                safe::runner(reason)
            );
        }
    }
    let c = &report.counts;
    let advisory = report.advisory().count();
    let blocking_ids: Vec<String> = report
        .blocking()
        .map(|c| {
            if c.is_new() {
                format!("{} (new)", c.id)
            } else {
                c.id.to_string()
            }
        })
        .collect();
    let verdict = if report.nothing_to_check() {
        paint(
            "1",
            &format!(
                "nothing to check: no Mistral API usage found in {} file{}",
                report.files_scanned,
                if report.files_scanned == 1 { "" } else { "s" }
            ),
        )
    } else {
        match report.verdict {
            Verdict::Pass => paint("32;1", "PASSED"),
            Verdict::Fail => paint("31;1", "FAILED"),
        }
    };
    let blocking = if blocking_ids.is_empty() {
        "0 blocking".to_string()
    } else {
        format!(
            "{} blocking ({})",
            blocking_ids.len(),
            blocking_ids.join(", ")
        )
    };
    let new = match report.comparison {
        Comparison::Compared { .. } => format!(", {} new", report.new_findings()),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "mistral-gate {verdict}: {blocking}, {advisory} advisory{new}; {} pass, {} fail, {} warn, {} error, {} skip ({} files scanned)",
        c.pass, c.fail, c.warn, c.error, c.skip, report.files_scanned
    );
    safe::runner_lines(&out).into_owned()
}

/// A concrete fix in words, for the terminal (names from the repository made safe).
fn fix_words(f: &crate::vocab::Fix) -> String {
    use crate::vocab::Fix;
    match f {
        Fix::SetParameter { names } => {
            let names: Vec<String> = names.iter().map(|n| safe::runner(n)).collect();
            format!("pass {}", names.join(" or "))
        }
        Fix::PinModel {
            alias,
            pinned: Some(p),
        } => format!("replace {} with {}", safe::runner(alias), safe::runner(p)),
        Fix::PinModel {
            alias,
            pinned: None,
        } => format!("pin {} to a dated model id", safe::runner(alias)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::report::{CheckResult, Evidence, FailOn, GatePolicy, Severity};

    fn report(mistral_usage: bool, checks: Vec<CheckResult>) -> Report {
        let mut r = Report::new(
            checks,
            vec![],
            812,
            GatePolicy {
                fail_on: FailOn::Error,
                strict: false,
            },
        );
        r.mistral_usage = mistral_usage;
        r
    }

    fn check(id: &str, status: Status, severity: Severity) -> CheckResult {
        CheckResult {
            id: crate::vocab::CheckId::parse(id).expect("a check id"),
            step: Step::ModelConfiguration,
            title: "t".into(),
            status,
            severity,
            blocking: false,
            new: None,
            message: "m".into(),
            remediation: "r".into(),
            evidence: vec![Evidence::fail("src/a.ts", 3, "x")],
            evidence_omitted: 0,
        }
    }

    #[test]
    fn the_last_line_names_the_blocking_ids_and_each_fail_its_weight() {
        let text = render(
            &report(
                true,
                vec![
                    check(
                        crate::vocab::CheckId::MaxTokensSet.as_str(),
                        Status::Fail,
                        Severity::Error,
                    ),
                    check(
                        crate::vocab::CheckId::TemperatureSet.as_str(),
                        Status::Fail,
                        Severity::Warning,
                    ),
                ],
            ),
            &TextOptions {
                color: false,
                path_prefix: "services/api/".into(),
            },
        );
        let last = text.lines().last().unwrap();
        assert!(
            last.starts_with("mistral-gate FAILED: 1 blocking (max-tokens-set), 1 advisory;"),
            "{last}"
        );
        assert!(text.contains("FAIL  max-tokens-set             [error, blocking] m"));
        assert!(text.contains("FAIL  temperature-set            [warning, advisory] m"));
        assert!(text.contains("services/api/src/a.ts:3  x"), "{text}");
        assert!(!text.contains("fix ("), "{text}");
    }

    #[test]
    fn no_mistral_usage_is_nothing_to_check_not_passed() {
        let mut c = check(
            crate::vocab::CheckId::KeyNotCommitted.as_str(),
            Status::Pass,
            Severity::Error,
        );
        c.evidence.clear();
        let text = render(&report(false, vec![c]), &TextOptions::default());
        let last = text.lines().last().unwrap();
        assert!(
            last.starts_with(
                "mistral-gate nothing to check: no Mistral API usage found in 812 files"
            ),
            "{last}"
        );
        assert!(!text.contains("PASSED"));
    }

    #[test]
    fn force_color_wins_then_no_color_and_clicolor_turn_it_off() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(color_from_env(
            env(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]),
            false
        ));
        assert!(!color_from_env(env(&[("FORCE_COLOR", "0")]), true));
        assert!(!color_from_env(env(&[("NO_COLOR", "1")]), true));
        assert!(color_from_env(env(&[("NO_COLOR", "")]), true));
        assert!(!color_from_env(env(&[("CLICOLOR", "0")]), true));
        assert!(color_from_env(env(&[]), true));
        assert!(!color_from_env(env(&[]), false));
    }
}
