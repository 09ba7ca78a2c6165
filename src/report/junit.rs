//! JUnit XML for any CI: one `<testsuite>` per checklist step, one `<testcase>` per check
//! (`name` = id, `classname` = `mistral-gate.<step>`, or `mistral-gate[<PATH>].<step>`
//! when PATH is a folder of the repository, so that two scans in one job do not collide).
//! Written with the junit-report crate; the output validates against the Jenkins JUnit
//! schema (tests/schema/junit.xsd).
//!
//! A JUnit consumer's red count equals the gate's: only a blocking check is a
//! `<failure>` (its message, then its `fail`/`warn` evidence as `path:line` lines), an
//! `error` is an `<error>` only under `--strict`, and every advisory finding is a plain
//! testcase whose `<system-out>` begins `advisory:`. A gate that exits 0 never shows a
//! red test in Jenkins or GitLab.
//!
//! The document is well-formed whatever the scanned files hold: attribute values go
//! through [`safe::xml_attr`] (the crate escapes markup characters in attributes, not
//! characters XML 1.0 forbids) and element text through [`safe::xml_cdata`] (the crate
//! writes it as one CDATA section without looking inside, so `]]>` is split there).

use junit_report::{Duration, OffsetDateTime, ReportBuilder, TestCaseBuilder, TestSuiteBuilder};

use super::{safe, CheckResult, Report, Status, Step};

/// Evidence lines per testcase. A CI page shows a failure's text whole; beyond this many
/// lines it is unreadable and only costs memory, so the rest is counted ("... and N
/// more"), and the JSON report lists them all.
pub const EVIDENCE_SHOWN: usize = 1_000;

/// What one testcase is, for a JUnit consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// Blocking: red.
    Failure,
    /// Could not run, under `--strict`: red.
    Error,
    Skipped,
    /// A plain testcase with `advisory:` output (an advisory `fail`/`warn`).
    Advisory,
    /// A plain testcase that says the check could not run (`error`, not strict).
    CouldNotRun,
    Passed,
}

fn case_of(c: &CheckResult, report: &Report) -> Case {
    match c.status {
        Status::Error if report.policy.strict => Case::Error,
        Status::Error => Case::CouldNotRun,
        _ if c.blocking => Case::Failure,
        Status::Fail | Status::Warn => Case::Advisory,
        Status::Skip => Case::Skipped,
        Status::Pass => Case::Passed,
    }
}

pub fn render(report: &Report, timestamp: OffsetDateTime) -> String {
    let mut builder = ReportBuilder::new();
    let prefix = if report.scope.is_empty() {
        "mistral-gate".to_string()
    } else {
        format!("mistral-gate[{}]", report.scope)
    };
    for step in Step::ALL {
        let class = safe::xml_attr(&format!("{prefix}.{}", step.as_str()));
        let mut suite = TestSuiteBuilder::new(&class);
        suite.set_timestamp(timestamp);
        for c in report.by_step(step) {
            // One line per piece of untrusted text, so none can forge an evidence line.
            let line = |s: &str| safe::one_line(s).into_owned();
            let evidence = evidence_lines(c);
            let (message, remediation) = (line(&c.message), line(&c.remediation));
            let attr = safe::xml_attr(&c.message);
            let mut case = match case_of(c, report) {
                Case::Passed => TestCaseBuilder::success(c.id.as_str(), Duration::ZERO),
                Case::Advisory => {
                    let mut t = TestCaseBuilder::success(c.id.as_str(), Duration::ZERO);
                    t.set_system_out(&safe::xml_cdata(&format!(
                        "advisory: {} {} (severity {}, not blocking): {message}\n{evidence}fix: {remediation}\n",
                        c.id,
                        c.status.as_str(),
                        c.severity.as_str()
                    )));
                    t
                }
                Case::CouldNotRun => {
                    let mut t = TestCaseBuilder::success(c.id.as_str(), Duration::ZERO);
                    t.set_system_out(&safe::xml_cdata(&format!(
                        "could not run (not a failure without --strict): {message}\n{evidence}"
                    )));
                    t
                }
                Case::Failure => {
                    let mut t = TestCaseBuilder::failure(
                        c.id.as_str(),
                        Duration::ZERO,
                        c.severity.as_str(),
                        &attr,
                    );
                    // The message is in the attribute: the body holds what to fix.
                    t.set_trace(&safe::xml_cdata(&format!("{evidence}fix: {remediation}\n")));
                    t
                }
                Case::Error => {
                    let mut t =
                        TestCaseBuilder::error(c.id.as_str(), Duration::ZERO, "check-error", &attr);
                    if !evidence.is_empty() {
                        t.set_trace(&safe::xml_cdata(&evidence));
                    }
                    t
                }
                Case::Skipped => TestCaseBuilder::skipped_with_cause(c.id.as_str(), "skip", &attr),
            };
            case.set_classname(&class);
            if let Some(first) = c.findings().next() {
                case.set_filepath(&safe::xml_attr(&join(&report.scope, &first.path)));
            }
            suite.add_testcase(case.build());
        }
        builder.add_testsuite(suite.build());
    }
    let mut out = Vec::new();
    builder
        .build()
        .write_xml(&mut out)
        .expect("writing XML to memory cannot fail");
    out.push(b'\n');
    String::from_utf8(out).expect("junit-report writes UTF-8")
}

/// The `fail` and `warn` items, `fail` first, one `path:line  message` line each (new
/// ones marked), at most [`EVIDENCE_SHOWN`].
fn evidence_lines(c: &CheckResult) -> String {
    let line = |s: &str| safe::one_line(s).into_owned();
    let findings = c.findings().count();
    let mut out: String = c
        .findings()
        .take(EVIDENCE_SHOWN)
        .map(|e| {
            let new = if e.new == Some(true) { " (new)" } else { "" };
            format!("{}  {}{new}\n", line(&e.location()), line(&e.message))
        })
        .collect();
    if findings > EVIDENCE_SHOWN {
        out.push_str(&format!(
            "... and {} more (see --json)\n",
            findings - EVIDENCE_SHOWN
        ));
    }
    out
}

/// A path relative to PATH, made relative to the repository root.
fn join(scope: &str, path: &str) -> String {
    if scope.is_empty() {
        path.to_string()
    } else {
        format!("{scope}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, Evidence, FailOn, GatePolicy, Severity};

    fn one(status: Status, severity: Severity, evidence: Vec<Evidence>, strict: bool) -> Report {
        let c = CheckResult {
            id: crate::vocab::CheckId::parse(crate::vocab::CheckId::MaxTokensSet.as_str())
                .expect("a check id"),
            step: Step::ModelConfiguration,
            title: "t".into(),
            status,
            severity,
            message: "m <b>\u{1}".into(),
            remediation: "fix".into(),
            evidence,
            blocking: false,
            new: None,
            evidence_omitted: 0,
        };
        Report::new(
            vec![c],
            vec![],
            1,
            GatePolicy {
                fail_on: FailOn::Error,
                strict,
            },
        )
    }

    fn render_one(evidence: Vec<Evidence>) -> String {
        render(
            &one(Status::Fail, Severity::Error, evidence, false),
            OffsetDateTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn evidence_beyond_the_limit_is_counted_not_listed() {
        let xml = render_one(
            (0..EVIDENCE_SHOWN + 7)
                .map(|i| Evidence::new("src/a.ts", i as u32 + 1, "m"))
                .collect(),
        );
        assert_eq!(xml.matches("src/a.ts:").count(), EVIDENCE_SHOWN);
        assert!(xml.contains("... and 7 more (see --json)"), "{xml}");
    }

    #[test]
    fn hostile_text_cannot_end_the_cdata_or_break_the_document() {
        let xml = render_one(vec![Evidence::new(
            "x]]><injected/>.ts",
            1,
            "\u{1b}[2J\u{1}]]>",
        )]);
        // The only `<injected/>` is inside the second half of a split CDATA section.
        assert_eq!(xml.matches("<injected/>").count(), 1);
        assert!(
            xml.contains("<![CDATA[x]]]]><![CDATA[><injected/>.ts:1"),
            "{xml}"
        );
        assert!(!xml.contains(['\u{1}', '\u{1b}']));
        assert!(xml.contains("message=\"m &lt;b&gt;\u{fffd}\""), "{xml}");
    }

    #[test]
    fn only_blocking_checks_are_red_and_the_body_does_not_repeat_the_message() {
        let ev = || {
            vec![
                Evidence::pass("src/ok.ts", 2, "fine"),
                Evidence::fail("src/a.ts", 9, "no cap"),
            ]
        };
        let red = render(
            &one(Status::Fail, Severity::Error, ev(), false),
            OffsetDateTime::UNIX_EPOCH,
        );
        assert!(red.contains("<failure type=\"error\""), "{red}");
        assert!(red.contains("file=\"src/a.ts\""), "{red}");
        assert!(
            red.contains("<![CDATA[src/a.ts:9  no cap\nfix: fix\n]]>"),
            "{red}"
        );
        assert!(!red.contains("src/ok.ts"), "passing sites are not listed");
        let advisory = render(
            &one(Status::Fail, Severity::Warning, ev(), false),
            OffsetDateTime::UNIX_EPOCH,
        );
        assert!(!advisory.contains("<failure"), "{advisory}");
        assert!(advisory.contains("<system-out><![CDATA[advisory: max-tokens-set fail"));
        let error = |strict| {
            render(
                &one(Status::Error, Severity::Error, vec![], strict),
                OffsetDateTime::UNIX_EPOCH,
            )
        };
        assert!(error(true).contains("<error type=\"check-error\""));
        assert!(!error(false).contains("<error"));
        assert!(error(false).contains("could not run"));
    }

    #[test]
    fn a_subfolder_scan_names_its_path_in_the_class() {
        let mut r = one(
            Status::Fail,
            Severity::Error,
            vec![Evidence::fail("a.ts", 1, "m")],
            false,
        );
        r.scope = "services/api".into();
        let xml = render(&r, OffsetDateTime::UNIX_EPOCH);
        assert!(
            xml.contains("classname=\"mistral-gate[services/api].model-configuration\""),
            "{xml}"
        );
        assert!(xml.contains("file=\"services/api/a.ts\""), "{xml}");
    }
}
