//! The Markdown report: the body of the sticky pull-request comment and the job summary.
//!
//! Written for a reviewer who has 30 seconds. The first line is the verdict with its
//! counts ("❌ 2 blocking · 5 advisory · 3 new", "⚪ nothing to check: no Mistral API
//! usage found in 812 files"); then the new blocking findings, then the other blocking
//! ones, both grouped by location: one row per `path:line` naming every check that hits
//! it, so one committed key found by two checks is one row. Advisory findings and the
//! step table are collapsed; a one-line legend explains the icons; every check id links
//! to its section of docs/checks.md; the reader is told how to accept or silence a
//! finding; whatever weakened the gate is listed under "Suppressed"; and, with `--base`,
//! which commits were compared (or why they could not be).
//!
//! A PR comment has a hard size limit (GitHub rejects bodies over 65,536 characters), so
//! a render can be given a budget: when the full report does not fit, detail is dropped
//! in a fixed order (the step table, then evidence, then lower-severity findings, then
//! the blocking rows) until it does. The verdict and the blocking checks are the last
//! things to go. A render that still does not fit is cut at a line, with every open
//! `<details>` and code fence closed, and says how much it left out and where the full
//! report is.
//!
//! Text from the repository or an API is shown as literal text, never as markup: paths
//! and locations as code spans ([`safe::md_code`]), messages as escaped prose
//! ([`safe::md_text`]), both on one line, so no HTML, comment, link, image, autolink or
//! @-mention reaches the body unless this file built it.

use crate::vocab::Fix;
use std::collections::BTreeMap;
use std::fmt::Write;

use super::{
    safe, CheckResult, Comparison, Evidence, EvidenceStatus, Report, Severity, Status, Step,
    Verdict,
};

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
    /// The commit the results are for (the pull request's head), shown beside the base.
    pub head: Option<String>,
}

/// Where each check is documented (an anchor per id).
pub const DOCS_URL: &str = super::sarif::DOCS_URL;

/// How many locations (or evidence lines) a section shows in the full report.
const EVIDENCE_SHOWN: usize = 10;

/// One level of detail. Levels only ever remove, so each is shorter than the last.
#[derive(Debug, Clone, Copy)]
struct Detail {
    /// The table of steps and the list of passed and skipped checks.
    passing_rows: bool,
    /// Location rows of the blocking findings.
    evidence_blocking: usize,
    /// Evidence lines per advisory check.
    evidence_other: usize,
    /// The fix of advisory checks.
    remediation_other: bool,
    /// Advisory checks below this severity are left out; `None` leaves all out.
    other_min_severity: Option<Severity>,
}

const FULL: Detail = Detail {
    passing_rows: true,
    evidence_blocking: EVIDENCE_SHOWN,
    evidence_other: EVIDENCE_SHOWN,
    remediation_other: true,
    other_min_severity: Some(Severity::Info),
};

/// The degradation order: passing rows, then evidence, then lower severities, then the
/// blocking rows themselves.
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

/// The icons, explained once under the verdict.
const LEGEND: &str = "❌ blocking · 🟠 advisory (does not fail the gate) · ⚠️ warning (could not be decided) · 💥 could not run · 🆕 new since the base · ✅ pass · ⏭️ skip";

pub fn render(report: &Report, opts: &MarkdownOptions) -> String {
    let Some(budget) = opts.budget else {
        return render_at(report, opts, &FULL).text;
    };
    let mut last = None;
    for (level, detail) in LEVELS.iter().enumerate() {
        let mut r = render_at(report, opts, detail);
        if level > 0 {
            r.text.push_str(&left_out_note(r.left_out, opts));
        } else if r.left_out > 0 {
            r.text.push_str(&more_note(r.left_out, opts));
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

/// The verdict line: what the reviewer reads first.
fn verdict_line(report: &Report) -> String {
    let blocking = report.counts.blocking;
    let advisory = report.advisory().count();
    let new = match report.comparison {
        Comparison::Compared { .. } => format!(" · {} new", report.new_findings()),
        _ => String::new(),
    };
    if report.nothing_to_check() {
        let extra = if advisory > 0 {
            format!(" · {advisory} advisory")
        } else {
            String::new()
        };
        return format!(
            "⚪ nothing to check: no Mistral API usage found in {} file{}{extra}",
            report.files_scanned,
            plural(report.files_scanned)
        );
    }
    match report.verdict {
        Verdict::Fail => format!("❌ {blocking} blocking · {advisory} advisory{new}"),
        Verdict::Pass => format!("✅ passed: 0 blocking · {advisory} advisory{new}"),
    }
}

fn render_at(report: &Report, opts: &MarkdownOptions, detail: &Detail) -> Rendered {
    let mut out = String::new();
    let mut left_out = 0;
    let c = &report.counts;
    let _ = writeln!(out, "## {}\n", verdict_line(report));
    let _ = writeln!(
        out,
        "mistral-gate, the Mistral production checklist: {} checks on {} file{} ({} pass, {} skip){}\n",
        report.checks.len(),
        report.files_scanned,
        plural(report.files_scanned),
        c.pass,
        c.skip,
        comparison_note(report, opts)
    );
    let _ = writeln!(out, "<sub>{LEGEND}</sub>\n");

    // Blocking findings, grouped by location; new ones first when compared.
    let blocking: Vec<&CheckResult> = report.blocking().collect();
    if !blocking.is_empty() {
        let rows = location_rows(&blocking);
        let compared = matches!(report.comparison, Comparison::Compared { .. });
        let (new_rows, old_rows): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.new);
        let mut room = detail.evidence_blocking;
        if compared && !new_rows.is_empty() {
            let _ = writeln!(out, "### 🆕 New blocking findings\n");
            left_out += write_rows(&mut out, &new_rows, opts, &mut room);
            out.push('\n');
        }
        let rest: Vec<&Row> = if compared {
            old_rows
        } else {
            rows.iter().collect()
        };
        if !rest.is_empty() {
            let heading = if compared && !new_rows.is_empty() {
                "### Other blocking findings (existing at the base)"
            } else if compared {
                "### Blocking findings (all existing at the base)"
            } else {
                "### Blocking findings"
            };
            let _ = writeln!(out, "{heading}\n");
            left_out += write_rows(&mut out, &rest, opts, &mut room);
            out.push('\n');
        }
        out.push_str("**How to fix**\n\n");
        for c in &blocking {
            let text = if c.status == Status::Error {
                format!("could not run: {}", safe::md_text(&c.message))
            } else {
                how_to_fix(c)
            };
            let _ = writeln!(out, "- {}: {text}", check_link(c.id.as_str()));
        }
        out.push('\n');
    }

    let advisory: Vec<&CheckResult> = report.advisory().collect();
    let (shown, hidden): (Vec<&CheckResult>, Vec<&CheckResult>) = advisory.iter().partition(|c| {
        detail
            .other_min_severity
            .is_some_and(|min| c.severity >= min)
    });
    left_out += hidden.iter().map(|c| findings(c)).sum::<usize>();
    if !shown.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Advisory: {} check{} to consider (not blocking)</summary>\n",
            shown.len(),
            plural(shown.len())
        );
        let rows = location_rows(&shown);
        let mut room = detail.evidence_other;
        let ordered: Vec<&Row> = rows
            .iter()
            .filter(|r| r.new)
            .chain(rows.iter().filter(|r| !r.new))
            .collect();
        left_out += write_rows(&mut out, &ordered, opts, &mut room);
        if detail.remediation_other {
            out.push_str("\n**How to fix**\n\n");
            for c in &shown {
                let _ = writeln!(out, "- {}: {}", check_link(c.id.as_str()), how_to_fix(c));
            }
        }
        out.push_str("\n</details>\n\n");
    }
    if !hidden.is_empty() {
        let ids: Vec<String> = hidden.iter().map(|c| check_link(c.id.as_str())).collect();
        let _ = writeln!(out, "Advisory, not shown: {}\n", ids.join(" "));
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
    if report.counts.blocking > 0 || !advisory.is_empty() {
        out.push_str("<details><summary>How to accept or silence a finding</summary>\n\n");
        out.push_str("- Fix it: each check's section in [docs/checks.md](");
        out.push_str(DOCS_URL);
        out.push_str(") says what passes.\n");
        out.push_str(
            "- Silence one line: a `mistral-gate: ignore <check-id>` comment on or above it.\n",
        );
        out.push_str("- Accept what is there today: `mistral-gate check --write-baseline .mistral-gate-baseline.json`, commit it and set `baseline = \".mistral-gate-baseline.json\"` in `.mistral-gate.toml`; later runs report only findings that are not in it.\n");
        out.push_str("- Let only new findings fail: `--base <ref> --fail-on-new`.\n\n");
        out.push_str("Every ignore and baseline entry in force is listed under Suppressed.\n\n</details>\n\n");
    }
    if detail.passing_rows {
        step_table(&mut out, report);
    } else {
        let _ = writeln!(
            out,
            "{} pass, {} skip: step table not shown.\n",
            c.pass, c.skip
        );
    }
    Rendered {
        text: out,
        left_out,
    }
}

/// "Results for `abc1234` against `def5678`", or why new and existing are unknown.
fn comparison_note(report: &Report, opts: &MarkdownOptions) -> String {
    let head = opts
        .head
        .as_deref()
        .map(|h| safe::md_code(&h.chars().take(7).collect::<String>()));
    match &report.comparison {
        Comparison::NotAsked => match head {
            Some(h) => format!(". Results for {h}."),
            None => String::new(),
        },
        Comparison::Compared { reference, commit } => {
            let base = safe::md_code(&commit.chars().take(7).collect::<String>());
            let named = if reference.starts_with(&commit[..commit.len().min(7)]) {
                String::new()
            } else {
                format!(" ({})", safe::md_code(reference))
            };
            format!(
                ". Results for {} against {base}{named}.",
                head.unwrap_or_else(|| "the working tree".to_string())
            )
        }
        Comparison::Unknown { reason } => format!(
            ".{} New and existing findings could not be told apart: {}.",
            head.map(|h| format!(" Results for {h}."))
                .unwrap_or_default(),
            safe::md_text(reason)
        ),
    }
}

/// One location and every blocking check that hits it.
struct Row<'a> {
    /// `None`: the repository as a whole (a check with no file to point at).
    at: Option<&'a Evidence>,
    hits: Vec<(&'a CheckResult, Option<&'a Evidence>)>,
    new: bool,
    /// The lowest place this location has among one of its checks' findings (0: it is
    /// some check's first): rows are picked by it when not all fit, so that every check
    /// shows its first location before any check shows a second.
    rank: usize,
}

/// Findings grouped by `path:line`, by file and line, then one row for the checks about
/// the repository as a whole.
fn location_rows<'a>(checks: &[&'a CheckResult]) -> Vec<Row<'a>> {
    let mut order: Vec<(String, Option<u32>)> = Vec::new();
    let mut rows: BTreeMap<(String, Option<u32>), Row<'a>> = BTreeMap::new();
    // The repository as a whole is one location too: one row for all such checks.
    let mut whole = Row {
        at: None,
        hits: Vec::new(),
        new: false,
        rank: 0,
    };
    for c in checks {
        let mut any = false;
        for (k, e) in c.findings().enumerate() {
            any = true;
            let key = (e.path.clone(), e.line);
            let row = rows.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                Row {
                    at: Some(e),
                    hits: Vec::new(),
                    new: false,
                    rank: k,
                }
            });
            row.rank = row.rank.min(k);
            if !row.hits.iter().any(|(h, _)| h.id == c.id) {
                row.hits.push((c, Some(e)));
            }
            row.new |= e.new == Some(true);
        }
        if !any {
            whole.hits.push((c, None));
            whole.new |= c.is_new();
        }
    }
    // By file and line, as a reviewer walks the diff.
    order.sort();
    let mut out: Vec<Row<'a>> = order.into_iter().filter_map(|k| rows.remove(&k)).collect();
    if !whole.hits.is_empty() {
        out.push(whole);
    }
    out
}

/// Writes as many rows as `room` allows, in their order, picking by rank when not all
/// fit; returns how many it left out.
fn write_rows(out: &mut String, rows: &[&Row], opts: &MarkdownOptions, room: &mut usize) -> usize {
    let mut by_rank: Vec<usize> = (0..rows.len()).collect();
    by_rank.sort_by_key(|&i| (rows[i].rank, i));
    let mut picked = vec![false; rows.len()];
    for &i in by_rank.iter().take(*room) {
        picked[i] = true;
    }
    let mut written = 0;
    for (row, _) in rows.iter().zip(&picked).filter(|(_, p)| **p) {
        written += 1;
        let place = match row.at {
            Some(e) => link(e, opts),
            None => "the repository".to_string(),
        };
        let new = if row.new { "🆕 " } else { "" };
        let hits: Vec<String> = row
            .hits
            .iter()
            .map(|(c, e)| {
                // A `warn` item of a check that does not block is a warning, whatever
                // the check's own status.
                let icon = match e {
                    Some(e) if !c.blocking && e.status == EvidenceStatus::Warn => "⚠️",
                    _ => icon(c),
                };
                let what = e.map_or(&c.message, |e| &e.message);
                let fix = e
                    .and_then(|e| e.fix.as_ref())
                    .map(|f| format!(" → {}", fix_words(f)))
                    .unwrap_or_default();
                format!(
                    "{icon} {}: {}{fix}",
                    check_link(c.id.as_str()),
                    safe::md_text(what)
                )
            })
            .collect();
        let _ = writeln!(out, "- {new}{place}: {}", hits.join(" · "));
    }
    *room -= written;
    let more = rows.len() - written;
    if more > 0 {
        let _ = writeln!(
            out,
            "- … and {more} more location{} in {}",
            plural(more),
            where_full(opts)
        );
    }
    more
}

/// How to fix a check: the concrete changes its findings need (distinct, at most
/// [`FIXES_SHOWN`]), then the check's remediation when some finding has none.
fn how_to_fix(c: &CheckResult) -> String {
    let mut fixes: Vec<String> = Vec::new();
    let mut without = false;
    for e in c.findings() {
        match &e.fix {
            Some(f) => {
                let w = fix_words(f);
                if !fixes.contains(&w) {
                    fixes.push(w);
                }
            }
            None => without = true,
        }
    }
    let generic = safe::md_text(&c.remediation);
    if fixes.is_empty() {
        return generic;
    }
    let more = fixes.len().saturating_sub(FIXES_SHOWN);
    fixes.truncate(FIXES_SHOWN);
    let mut text = fixes.join("; ");
    if more > 0 {
        text.push_str(&format!("; and {more} more"));
    }
    if without || c.findings().next().is_none() {
        text.push_str(&format!(". {generic}"));
    }
    text
}

/// How many distinct concrete fixes a check's line lists.
const FIXES_SHOWN: usize = 4;

/// A concrete fix in words; every name in it is a code span.
fn fix_words(f: &Fix) -> String {
    match f {
        Fix::SetParameter { names } => {
            let names: Vec<String> = names.iter().map(|n| safe::md_code(n)).collect();
            format!("pass {}", names.join(" or "))
        }
        Fix::PinModel {
            alias,
            pinned: Some(pinned),
        } => format!(
            "replace {} with {} (or allow the alias under `[models] allow-floating`)",
            safe::md_code(alias),
            safe::md_code(pinned)
        ),
        Fix::PinModel {
            alias,
            pinned: None,
        } => format!(
            "pin {} to a dated model id (or allow it under `[models] allow-floating`)",
            safe::md_code(alias)
        ),
    }
}

/// The steps, collapsed: one row per step, its checks as linked ids with icons.
fn step_table(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "<details><summary>All {} checks by step</summary>\n",
        report.checks.len()
    );
    out.push_str("| Step | Checks |\n|---|---|\n");
    for step in Step::ALL {
        let ids: Vec<String> = report
            .by_step(step)
            .map(|c| format!("{}&nbsp;{}", icon(c), check_link(c.id.as_str())))
            .collect();
        if ids.is_empty() {
            continue;
        }
        let _ = writeln!(out, "| {} | {} |", step.heading(), ids.join("<br>"));
    }
    out.push_str("\n</details>\n");
}

/// Where the full report is, for "… and N more in …".
fn where_full(opts: &MarkdownOptions) -> String {
    match &opts.full_report {
        Some(place) => place.clone(),
        None => "the JSON report (`--json FILE`)".to_string(),
    }
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
/// Said at full detail when sections list only their first locations.
fn more_note(left_out: usize, opts: &MarkdownOptions) -> String {
    format!(
        "\n> [!NOTE]\n> {left_out} more finding{} not listed here: the full report is in {}.\n",
        plural(left_out),
        where_full(opts)
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

/// A check's icon.
fn icon(c: &CheckResult) -> &'static str {
    match c.status {
        Status::Fail if c.blocking => "❌",
        Status::Warn if c.blocking => "❌",
        Status::Error => "💥",
        Status::Fail => "🟠",
        Status::Warn => "⚠️",
        Status::Pass => "✅",
        Status::Skip => "⏭️",
    }
}

/// A check id as a code span linked to its section of docs/checks.md. Ids are the
/// gate's own (kebab-case), and still go through the code-span guard.
fn check_link(id: &str) -> String {
    let anchor: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("[{}]({DOCS_URL}#{anchor})", safe::md_code(id))
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
            id: crate::vocab::CheckId::parse(id).expect("a check id"),
            step: Step::CodeQuality,
            title: "t".into(),
            status,
            severity,
            blocking: false,
            new: None,
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
            check(
                crate::vocab::CheckId::KeyNotCommitted.as_str(),
                Status::Fail,
                Severity::Error,
                5000,
                200,
            ),
            check(
                crate::vocab::CheckId::TemperatureSet.as_str(),
                Status::Fail,
                Severity::Error,
                3000,
                200,
            ),
            check(
                crate::vocab::CheckId::TypecheckInCi.as_str(),
                Status::Fail,
                Severity::Warning,
                4000,
                200,
            ),
            check(
                crate::vocab::CheckId::TestsInCi.as_str(),
                Status::Warn,
                Severity::Info,
                4000,
                200,
            ),
        ];
        for i in 0..40 {
            checks.push(check(
                crate::vocab::CheckId::ALL[i % crate::vocab::CheckId::ALL.len()].as_str(),
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
            head: None,
        }
    }

    #[test]
    fn without_a_budget_nothing_is_dropped() {
        let text = render(&big_report(), &MarkdownOptions::default());
        assert!(text.contains("All 44 checks by step"));
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
                text.starts_with("## ❌ 2 blocking · 2 advisory\n"),
                "{text}"
            );
            assert!(
                text.contains("`key-not-committed`") && text.contains("`temperature-set`"),
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
            !text.contains("checks by step"),
            "passing rows dropped first"
        );
        assert!(
            text.contains("`tests-in-ci`"),
            "info still there at the first level"
        );
        let text = render(&report, &opts(4000));
        assert!(text.contains("Advisory, not shown:"), "{text}");
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
