//! Workflow commands and files: `::error`/`::warning` annotations, `$GITHUB_OUTPUT`,
//! `$GITHUB_STEP_SUMMARY`.
//!
//! GitHub shows at most 10 error and 10 warning annotations per step (and drops the
//! rest silently), so the gate chooses which: blocking checks as errors, everything else
//! that failed, warned or errored as warnings, worst first, one location per check
//! before a second one of any check. Commands go to stderr, which the runner reads like
//! stdout, so `--format json` keeps a clean stdout.
//!
//! Each annotation is one line the gate built: its untrusted parts are made one line by
//! [`safe::one_line`] and escaped as the runner expects ([`safe::command_property`],
//! [`safe::command_data`]). A `file=` is the evidence path exactly (so GitHub finds the
//! file); a path the runner's escapes cannot carry (a control character other than CR
//! and LF) is named in the message instead.

use std::io::Write;
use std::path::Path;

use crate::report::{safe, CheckResult, Evidence, Report, Status};

/// GitHub's per-step display limit for each annotation level.
const ANNOTATIONS_PER_LEVEL: usize = 10;

/// The annotation lines for a report. `prefix` turns a PATH-relative evidence path into
/// a repository-relative one (`services/api/`), empty when PATH is the checkout.
pub fn annotations(report: &Report, prefix: &str) -> Vec<String> {
    let (mut blocking, mut others): (Vec<&CheckResult>, Vec<&CheckResult>) = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Error))
        .partition(|c| c.blocking);
    // New first (with `--base`), then worst first: higher severity, then a failure before
    // an error before a warning.
    let rank = |c: &&CheckResult| (!c.is_new(), std::cmp::Reverse(c.severity), c.status);
    blocking.sort_by_key(rank);
    others.sort_by_key(rank);
    let mut lines = Vec::new();
    let mut left = 0;
    for (level, checks) in [("error", blocking), ("warning", others)] {
        let picked = pick(&checks, ANNOTATIONS_PER_LEVEL);
        left += checks
            .iter()
            .map(|c| c.findings().count().max(1))
            .sum::<usize>()
            - picked.len();
        for (c, e) in picked {
            lines.push(annotation(level, c, e, prefix));
        }
    }
    if left > 0 {
        lines.push(format!(
            "::notice title=mistral-gate::{}",
            escape_data(&format!(
                "{left} more finding{} not annotated: see the job summary",
                if left == 1 { "" } else { "s" }
            ))
        ));
    }
    lines
}

/// Up to `limit` (check, location) pairs, taking each check's first location before
/// anyone's second.
fn pick<'a>(
    checks: &[&'a CheckResult],
    limit: usize,
) -> Vec<(&'a CheckResult, Option<&'a Evidence>)> {
    let mut out = Vec::new();
    // Only the `fail` and `warn` items of a check are annotated: new first, then `fail`
    // before `warn`.
    let findings: Vec<Vec<&'a Evidence>> = checks
        .iter()
        .map(|c| {
            let mut f: Vec<&Evidence> = c.findings().collect();
            f.sort_by_key(|e| e.new != Some(true));
            f
        })
        .collect();
    let depth = findings.iter().map(|f| f.len().max(1)).max().unwrap_or(0);
    for round in 0..depth {
        for (c, f) in checks.iter().zip(&findings) {
            if out.len() == limit {
                return out;
            }
            if f.is_empty() && round == 0 {
                out.push((*c, None));
            } else if let Some(e) = f.get(round) {
                out.push((*c, Some(*e)));
            }
        }
    }
    out
}

fn annotation(level: &str, c: &CheckResult, e: Option<&Evidence>, prefix: &str) -> String {
    let mut props = Vec::new();
    let mut message = safe::one_line(&c.message).into_owned();
    if let Some(e) = e {
        let path = format!("{prefix}{}", e.path);
        if safe::annotation_file_ok(&path) {
            props.push(format!("file={}", escape_property(&path)));
            if let Some(line) = e.line {
                props.push(format!("line={line}"));
            }
            message.push_str(&format!("\n{}", safe::one_line(&e.message)));
        } else {
            message.push_str(&format!(
                "\n{}: {}",
                safe::one_line(&e.location()),
                safe::one_line(&e.message)
            ));
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!(
            "mistral-gate {} ({} · {}{})",
            c.id,
            c.severity.as_str(),
            if c.blocking { "blocking" } else { "advisory" },
            if e.map_or(c.is_new(), |e| e.new == Some(true)) {
                " · new"
            } else {
                ""
            }
        ))
    ));
    if c.status != Status::Error {
        message.push_str(&format!("\nFix: {}", safe::one_line(&c.remediation)));
    }
    format!("::{level} {}::{}", props.join(","), escape_data(&message))
}

/// A workflow command's message: `%`, CR and LF are encoded.
fn escape_data(s: &str) -> String {
    safe::command_data(s)
}

/// A workflow command's property value: also `:` and `,`, which end a property.
fn escape_property(s: &str) -> String {
    safe::command_property(s)
}

/// A warning annotation about the integration itself (never about the repository).
/// Its text may quote the environment or an API answer, so it is made one line first.
pub fn warning(message: &str) -> String {
    format!(
        "::warning title=mistral-gate::{}",
        escape_data(&safe::one_line(message))
    )
}

/// Appends `name=value` pairs to the `$GITHUB_OUTPUT` file. Each value is read back as
/// exactly that value: a value holding a line break (a path can) uses the multiline
/// form with a random delimiter that the value does not contain ([`safe::output_value`]).
pub fn write_outputs(path: &Path, outputs: &[(&str, String)]) -> std::io::Result<()> {
    let text: String = outputs
        .iter()
        .map(|(name, value)| safe::output_value(name, value))
        .collect();
    append(path, &text)
}

/// Appends to a file the runner gave (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`).
pub fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FailOn, GatePolicy, Severity, Step};

    fn check(id: &str, status: Status, severity: Severity, evidence: usize) -> CheckResult {
        CheckResult {
            id: crate::vocab::CheckId::parse(id).expect("a check id"),
            step: Step::Credentials,
            title: "t".into(),
            status,
            severity,
            blocking: false,
            new: None,
            evidence_omitted: 0,
            message: format!("{id}: 50% bad, a,b"),
            remediation: "do x".into(),
            evidence: (0..evidence)
                .map(|i| Evidence::new(format!("src/a,b:{i}.ts"), i as u32 + 1, "line\r\nbreak"))
                .collect(),
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\r\nx:y,z"), "50%25%0D%0Ax:y,z");
        assert_eq!(escape_property("50%\r\nx:y,z"), "50%25%0D%0Ax%3Ay%2Cz");
    }

    #[test]
    fn at_most_ten_per_level_worst_first_and_a_notice_for_the_rest() {
        let report = Report::new(
            vec![
                check(
                    crate::vocab::CheckId::FallbackKey.as_str(),
                    Status::Fail,
                    Severity::Warning,
                    30,
                ),
                check(
                    crate::vocab::CheckId::ErrorHandling.as_str(),
                    Status::Fail,
                    Severity::Error,
                    30,
                ),
                check(
                    crate::vocab::CheckId::IncidentRunbook.as_str(),
                    Status::Fail,
                    Severity::Error,
                    0,
                ),
            ],
            vec![],
            1,
            GatePolicy {
                fail_on: FailOn::Error,
                strict: false,
            },
        );
        let lines = annotations(&report, "svc/");
        let errors: Vec<_> = lines.iter().filter(|l| l.starts_with("::error ")).collect();
        let warnings: Vec<_> = lines
            .iter()
            .filter(|l| l.starts_with("::warning "))
            .collect();
        assert_eq!(errors.len(), 10);
        assert_eq!(warnings.len(), 10);
        // The gate's own line breaks are %0A; the evidence's CR LF is repository text
        // and becomes one line (safe::one_line), so it cannot forge a line of the message.
        assert!(errors[0].starts_with("::error file=svc/src/a%2Cb%3A0.ts,line=1,title=mistral-gate error-handling (error · blocking)::error-handling: 50%25 bad, a,b%0Aline\u{fffd}\u{fffd}break%0AFix: do x"), "{}", errors[0]);
        assert!(
            errors[1].starts_with("::error title=mistral-gate incident-runbook"),
            "first location of every check first: {}",
            errors[1]
        );
        assert_eq!(
            lines.last().unwrap(),
            "::notice title=mistral-gate::41 more findings not annotated: see the job summary"
        );
    }

    #[test]
    fn a_path_the_runner_cannot_carry_is_named_in_the_message() {
        let mut c = check(
            crate::vocab::CheckId::ErrorHandling.as_str(),
            Status::Fail,
            Severity::Error,
            0,
        );
        c.evidence
            .push(Evidence::new("a\u{1b}[2J::error::x.ts", 3, "m"));
        c.evidence.push(Evidence::new("new\nline.ts", 4, "m"));
        let report = Report::new(
            vec![c],
            vec![],
            1,
            GatePolicy {
                fail_on: FailOn::Error,
                strict: false,
            },
        );
        let lines = annotations(&report, "");
        assert_eq!(lines[0], "::error title=mistral-gate error-handling (error · blocking)::error-handling: 50%25 bad, a,b%0Aa\u{fffd}::error::x.ts:3: m%0AFix: do x");
        assert!(
            lines[1].starts_with("::error file=new%0Aline.ts,line=4,"),
            "{}",
            lines[1]
        );
        assert!(lines.iter().all(|l| !l.contains(['\n', '\r', '\u{1b}'])));
    }

    #[test]
    fn new_findings_are_annotated_first_and_say_so() {
        let mut old = check(
            crate::vocab::CheckId::LogHygiene.as_str(),
            Status::Fail,
            Severity::Error,
            12,
        );
        old.new = Some(false);
        for e in old.evidence.iter_mut() {
            e.new = Some(false);
        }
        let mut new = check(
            crate::vocab::CheckId::RetryBackoff.as_str(),
            Status::Fail,
            Severity::Error,
            3,
        );
        new.new = Some(true);
        new.evidence[2].new = Some(true);
        let report = Report::new(
            vec![old, new],
            vec![],
            1,
            GatePolicy {
                fail_on: FailOn::Error,
                strict: false,
            },
        );
        let lines = annotations(&report, "");
        let errors: Vec<&String> = lines.iter().filter(|l| l.starts_with("::error ")).collect();
        assert_eq!(errors.len(), ANNOTATIONS_PER_LEVEL);
        assert!(
            errors[0].contains("line=3,title=mistral-gate retry-backoff (error · blocking · new)"),
            "{}",
            errors[0]
        );
        assert!(errors[1].contains("title=mistral-gate log-hygiene (error · blocking)::"));
    }

    #[test]
    fn outputs_use_the_multiline_form_when_needed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out");
        write_outputs(
            &p,
            &[
                ("verdict", "pass".into()),
                ("json-report", "a\nb/r.json".into()),
            ],
        )
        .unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("verdict=pass"));
        let head = lines.next().unwrap();
        let delim = head.strip_prefix("json-report<<").unwrap();
        assert_eq!(lines.next(), Some("a"));
        assert_eq!(lines.next(), Some("b/r.json"));
        assert_eq!(lines.next(), Some(delim));
    }
}
