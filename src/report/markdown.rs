//! The Markdown report: the body of the sticky pull-request comment and the job summary.
//!
//! Verdict first, then a table of steps, then what blocks with evidence and the fix, and
//! the rest collapsed in `<details>`. Paths become links when a blob base is given
//! (`{server}/{repo}/blob/{head sha}`).
//!
//! A PR comment has a hard size limit (GitHub rejects bodies over 65,536 characters), so
//! a render can be given a budget: when the full report does not fit, detail is dropped
//! in a fixed order (passing rows, then evidence, then lower-severity findings, then the
//! blocking checks' evidence) until it does. The verdict and the blocking checks are the
//! last things to go. A render that still does not fit is cut at a line, with every open
//! `<details>` and code fence closed, and says how much it left out and where the full
//! report is.
//!
//! Text from the repository or an API is shown as literal text, never as markup: paths
//! and locations as code spans ([`safe::md_code`]), messages as escaped prose
//! ([`safe::md_text`]), both on one line, so no HTML, comment, link, image, autolink or
//! @-mention reaches the body unless this file built it.

use std::fmt::Write;

use super::{safe, CheckResult, Evidence, Report, Severity, Status, Step, Verdict};

#[derive(Debug, Clone, Default)]
pub struct MarkdownOptions {
    /// `https://github.com/owner/repo/blob/<sha>`: evidence paths link there.
    pub blob_base: Option<String>,
    /// Largest body, in bytes (a byte count is never below GitHub's character count).
    /// `None`: the whole report, as `--markdown FILE` writes it.
    pub budget: Option<usize>,
    /// Where the full report is (a sentence fragment such as "the job summary of
    /// [run 42](...)"), said when something had to be left out.
    pub full_report: Option<String>,
}

/// How many evidence lines a check shows in the full report.
const EVIDENCE_SHOWN: usize = 10;

/// One level of detail. Levels only ever remove, so each is shorter than the last.
#[derive(Debug, Clone, Copy)]
struct Detail {
    /// The table of passed and skipped checks.
    passing_rows: bool,
    /// Evidence lines per blocking check.
    evidence_blocking: usize,
    /// Evidence lines per non-blocking check.
    evidence_other: usize,
    /// The fix of non-blocking checks.
    remediation_other: bool,
    /// Non-blocking checks below this severity are left out; `None` leaves all out.
    other_min_severity: Option<Severity>,
}

const FULL: Detail = Detail {
    passing_rows: true,
    evidence_blocking: EVIDENCE_SHOWN,
    evidence_other: EVIDENCE_SHOWN,
    remediation_other: true,
    other_min_severity: Some(Severity::Info),
};

/// The degradation order: passing rows, then snippets and evidence, then lower
/// severities, then the blocking checks' own evidence.
const LEVELS: [Detail; 9] = [
    FULL,
    Detail {
        passing_rows: false,
        ..FULL
    },
    Detail {
        passing_rows: false,
        evidence_blocking: 3,
        evidence_other: 3,
        ..FULL
    },
    Detail {
        passing_rows: false,
        evidence_blocking: 3,
        evidence_other: 0,
        remediation_other: false,
        ..FULL
    },
    Detail {
        passing_rows: false,
        evidence_blocking: 3,
        evidence_other: 0,
        remediation_other: false,
        other_min_severity: Some(Severity::Warning),
    },
    Detail {
        passing_rows: false,
        evidence_blocking: 3,
        evidence_other: 0,
        remediation_other: false,
        other_min_severity: Some(Severity::Error),
    },
    Detail {
        passing_rows: false,
        evidence_blocking: 3,
        evidence_other: 0,
        remediation_other: false,
        other_min_severity: None,
    },
    Detail {
        passing_rows: false,
        evidence_blocking: 1,
        evidence_other: 0,
        remediation_other: false,
        other_min_severity: None,
    },
    Detail {
        passing_rows: false,
        evidence_blocking: 0,
        evidence_other: 0,
        remediation_other: false,
        other_min_severity: None,
    },
];

/// Room kept for the closing tags and the note of a cut render.
const CUT_RESERVE: usize = 1024;

pub fn render(report: &Report, opts: &MarkdownOptions) -> String {
    let Some(budget) = opts.budget else {
        return render_at(report, opts, &FULL).text;
    };
    let mut last = None;
    for (level, detail) in LEVELS.iter().enumerate() {
        let mut r = render_at(report, opts, detail);
        if level > 0 {
            r.text.push_str(&left_out_note(r.left_out, opts));
        }
        if r.text.len() <= budget {
            return r.text;
        }
        last = Some(r);
    }
    cut(last.expect("at least one level"), budget, opts)
}

/// A render and how many findings it did not show.
struct Rendered {
    text: String,
    left_out: usize,
}

fn render_at(report: &Report, opts: &MarkdownOptions, detail: &Detail) -> Rendered {
    let mut out = String::new();
    let mut left_out = 0;
    let blocking = report.blocking().count();
    let c = &report.counts;
    match report.verdict {
        Verdict::Pass => out.push_str("## ✅ mistral-gate passed\n\n"),
        Verdict::Fail => {
            let _ = writeln!(
                out,
                "## ❌ mistral-gate failed: {blocking} blocking check{}\n",
                plural(blocking)
            );
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
        let worst = checks
            .iter()
            .map(|c| icon(c, report))
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, i)| i)
            .unwrap_or("");
        let ids: Vec<String> = checks
            .iter()
            .map(|c| format!("{} {}", icon(c, report).1, safe::md_cell_code(&c.id)))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            step.heading(),
            worst,
            ids.join(" ")
        );
    }
    out.push('\n');

    let (blockers, others): (Vec<&CheckResult>, Vec<&CheckResult>) = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error | Status::Warn))
        .partition(|c| c.blocks(&report.policy));
    if !blockers.is_empty() {
        out.push_str("### Blocking\n\n");
        for c in &blockers {
            left_out += check_section(&mut out, c, report, opts, detail.evidence_blocking, true);
        }
    }
    let (shown, hidden): (Vec<&CheckResult>, Vec<&CheckResult>) = others.iter().partition(|c| {
        detail
            .other_min_severity
            .is_some_and(|min| c.severity >= min)
    });
    left_out += hidden.iter().map(|c| findings(c)).sum::<usize>();
    if !shown.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Not blocking: {} failed, warning or errored check{}</summary>\n",
            shown.len(),
            plural(shown.len())
        );
        for c in &shown {
            left_out += check_section(
                &mut out,
                c,
                report,
                opts,
                detail.evidence_other,
                detail.remediation_other,
            );
        }
        out.push_str("</details>\n\n");
    }
    if !hidden.is_empty() {
        let ids: Vec<String> = hidden.iter().map(|c| safe::md_code(&c.id)).collect();
        let _ = writeln!(out, "Not blocking, not shown: {}\n", ids.join(" "));
    }
    if !report.suppressed.is_empty() {
        // Whatever weakened the gate is shown to the reviewer, never cut by the budget.
        let _ = writeln!(
            out,
            "### Suppressed\n\nWhat weakened the gate in this run (review it like code):\n"
        );
        for s in &report.suppressed {
            let _ = writeln!(out, "- {}", safe::md_text(&s.describe()));
        }
        out.push('\n');
    }
    let passed: Vec<&CheckResult> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Pass | Status::Skip))
        .collect();
    if !passed.is_empty() {
        if detail.passing_rows {
            let _ = writeln!(
                out,
                "<details><summary>Passed and skipped: {} check{}</summary>\n",
                passed.len(),
                plural(passed.len())
            );
            out.push_str("| Check | Status | Message |\n|---|---|---|\n");
            for c in passed {
                let _ = writeln!(
                    out,
                    "| {} | {} {} | {} |",
                    safe::md_cell_code(&c.id),
                    icon(c, report).1,
                    c.status.as_str(),
                    safe::md_text(&c.message)
                );
            }
            out.push_str("\n</details>\n");
        } else {
            let _ = writeln!(out, "{} pass, {} skip: not listed here.", c.pass, c.skip);
        }
    }
    Rendered {
        text: out,
        left_out,
    }
}

/// Writes one check; returns how many of its findings it left out.
fn check_section(
    out: &mut String,
    c: &CheckResult,
    report: &Report,
    opts: &MarkdownOptions,
    evidence: usize,
    remediation: bool,
) -> usize {
    let _ = writeln!(
        out,
        "#### {} {} ({}, {})\n{}\n",
        icon(c, report).1,
        safe::md_code(&c.id),
        c.status.as_str(),
        c.severity.as_str(),
        safe::md_text(&c.message)
    );
    // What to fix: only the `fail` and `warn` items, `fail` first; passing sites of a
    // failing check are in the JSON report.
    for e in c.findings().take(evidence) {
        let _ = writeln!(out, "- {} {}", link(e, opts), safe::md_text(&e.message));
    }
    let more = c.findings().count().saturating_sub(evidence);
    if more > 0 && evidence > 0 {
        let _ = writeln!(out, "- … and {more} more in the full report");
    } else if more > 0 {
        let _ = writeln!(out, "{more} location{} in the full report.", plural(more));
    }
    if c.status != Status::Error && remediation {
        let _ = writeln!(out, "\n**Fix:** {}\n", safe::md_text(&c.remediation));
    } else {
        out.push('\n');
    }
    more
}

/// A check's findings: its `fail` and `warn` items, or the check itself when it has none.
fn findings(c: &CheckResult) -> usize {
    c.findings().count().max(1)
}

fn left_out_note(left_out: usize, opts: &MarkdownOptions) -> String {
    let whole = match &opts.full_report {
        Some(place) => format!("the full report is in {place}"),
        None => "run with `--json FILE` for the full report".to_string(),
    };
    format!(
        "\n> [!NOTE]\n> Shortened to fit GitHub's size limit (65,536 characters for a comment): {left_out} finding{} left out; {whole}.\n",
        plural(left_out)
    )
}

/// The last resort: cuts at a line boundary within the budget, closes what the cut left
/// open, and says so.
fn cut(r: Rendered, budget: usize, opts: &MarkdownOptions) -> String {
    let note_room = CUT_RESERVE.min(budget / 2);
    let mut end = budget.saturating_sub(note_room).min(r.text.len());
    while !r.text.is_char_boundary(end) {
        end -= 1;
    }
    let end = r.text[..end].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let (kept, dropped) = r.text.split_at(end);
    let mut out = kept.to_string();
    let dropped_findings = dropped
        .lines()
        .filter(|l| l.starts_with("- ") || l.starts_with("#### "))
        .count();
    out.push_str(&close_open_blocks(kept));
    out.push_str(&left_out_note(r.left_out + dropped_findings, opts));
    if out.len() > budget {
        // Only a budget smaller than the note itself gets here.
        let mut end = budget;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

/// The closing text for every code fence and `<details>` that `text` leaves open.
fn close_open_blocks(text: &str) -> String {
    let mut fence_open = false;
    let mut details = 0usize;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence_open = !fence_open;
        } else if !fence_open {
            details += line.matches("<details>").count();
            details = details.saturating_sub(line.matches("</details>").count());
        }
    }
    let mut out = String::new();
    if fence_open {
        out.push_str("```\n");
    }
    for _ in 0..details {
        out.push_str("\n</details>\n");
    }
    out
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
    let loc = safe::md_code(&e.location());
    match &opts.blob_base {
        Some(base) if e.line.is_some() => format!(
            "[{loc}]({base}/{}#L{})",
            safe::uri_path(&e.path),
            e.line.unwrap_or(0)
        ),
        Some(base) => format!("[{loc}]({base}/{})", safe::uri_path(&e.path)),
        None => loc,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FailOn, GatePolicy};

    fn check(
        id: &str,
        status: Status,
        severity: Severity,
        evidence: usize,
        long: usize,
    ) -> CheckResult {
        CheckResult {
            id: id.into(),
            step: Step::CodeQuality,
            title: "t".into(),
            status,
            severity,
            blocking: false,
            evidence_omitted: 0,
            message: format!("{id} message"),
            remediation: format!("fix {id}"),
            evidence: (0..evidence)
                .map(|i| {
                    Evidence::new(
                        format!("src/{}/f{i}.ts", "d".repeat(long)),
                        i as u32 + 1,
                        "m".repeat(long),
                    )
                })
                .collect(),
        }
    }

    fn big_report() -> Report {
        let mut checks = vec![
            check("worst-blocker", Status::Fail, Severity::Error, 5000, 200),
            check("second-blocker", Status::Fail, Severity::Error, 3000, 200),
            check("a-warning", Status::Fail, Severity::Warning, 4000, 200),
            check("an-info", Status::Warn, Severity::Info, 4000, 200),
        ];
        for i in 0..40 {
            checks.push(check(
                &format!("passing-{i}"),
                Status::Pass,
                Severity::Warning,
                0,
                0,
            ));
        }
        Report::new(
            checks,
            vec![],
            12000,
            GatePolicy {
                fail_on: FailOn::Error,
                strict: false,
            },
        )
    }

    fn opts(budget: usize) -> MarkdownOptions {
        MarkdownOptions {
            blob_base: Some("https://github.com/o/r/blob/abc".into()),
            budget: Some(budget),
            full_report: Some("the job summary".into()),
        }
    }

    #[test]
    fn without_a_budget_nothing_is_dropped() {
        let text = render(&big_report(), &MarkdownOptions::default());
        assert!(text.contains("Passed and skipped: 40 checks"));
        assert!(!text.contains("Shortened"));
    }

    #[test]
    fn each_level_fits_a_smaller_budget_and_keeps_the_verdict_and_blockers() {
        let report = big_report();
        let full = render(&report, &MarkdownOptions::default()).len();
        for budget in [full - 1, full / 2, 8000, 4000, 2500] {
            let text = render(&report, &opts(budget));
            assert!(text.len() <= budget, "{} > {budget}", text.len());
            assert!(
                text.starts_with("## ❌ mistral-gate failed: 2 blocking checks"),
                "{text}"
            );
            assert!(
                text.contains("`worst-blocker`") && text.contains("`second-blocker`"),
                "{text}"
            );
            assert!(
                text.contains("left out; the full report is in the job summary."),
                "{text}"
            );
            assert_eq!(
                text.matches("<details>").count(),
                text.matches("</details>").count(),
                "{text}"
            );
        }
    }

    #[test]
    fn passing_rows_go_first_then_lower_severities() {
        let report = big_report();
        let full = render(&report, &MarkdownOptions::default()).len();
        let text = render(&report, &opts(full - 1));
        assert!(
            !text.contains("Passed and skipped"),
            "passing rows dropped first"
        );
        assert!(
            text.contains("`an-info`"),
            "info still there at the first level"
        );
        let text = render(&report, &opts(4000));
        assert!(text.contains("Not blocking, not shown:"), "{text}");
    }

    /// What a reviewer sees when the report is far over the limit.
    #[test]
    fn degraded_body_snapshot() {
        insta::assert_snapshot!("degraded_to_4000_bytes", render(&big_report(), &opts(4000)));
    }

    #[test]
    fn link_targets_are_percent_encoded() {
        let e = Evidence::new("docs/my file (1)#x.md", 3, "m");
        let o = MarkdownOptions {
            blob_base: Some("https://github.com/o/r/blob/abc".into()),
            ..Default::default()
        };
        assert_eq!(link(&e, &o), "[`docs/my file (1)#x.md:3`](https://github.com/o/r/blob/abc/docs/my%20file%20%281%29%23x.md#L3)");
    }

    #[test]
    fn a_cut_closes_open_details_and_fences() {
        assert_eq!(
            close_open_blocks("<details><summary>x</summary>\n- a\n"),
            "\n</details>\n"
        );
        assert_eq!(close_open_blocks("```\ncode <details>\n"), "```\n");
        assert_eq!(close_open_blocks("<details>\n</details>\n"), "");
        let r = Rendered {
            text: format!("## v\n<details>\n{}", "- line\n".repeat(1000)),
            left_out: 0,
        };
        let text = cut(r, 3000, &opts(3000));
        assert!(text.len() <= 3000);
        assert!(text.contains("</details>"));
        assert!(text.contains("finding"), "{text}");
    }
}
