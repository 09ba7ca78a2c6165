//! JUnit XML for any CI: one `<testsuite>` per checklist step, one `<testcase>` per check
//! (`name` = id, `classname` = `mistral-gate.<step>`). Written with the junit-report
//! crate; the output validates against the Jenkins JUnit schema (tests/schema/junit.xsd).
//!
//! The document is well-formed whatever the scanned files hold: attribute values go
//! through [`safe::xml_attr`] (the crate escapes markup characters in attributes, not
//! characters XML 1.0 forbids) and element text through [`safe::xml_cdata`] (the crate
//! writes it as one CDATA section without looking inside, so `]]>` is split there).

use junit_report::{Duration, OffsetDateTime, ReportBuilder, TestCaseBuilder, TestSuiteBuilder};

use super::{safe, Report, Status, Step};

/// Evidence lines per testcase. A CI page shows a failure's text whole; beyond this many
/// lines it is unreadable and only costs memory, so the rest is counted ("... and N
/// more"), and the JSON report lists them all.
pub const EVIDENCE_SHOWN: usize = 1_000;

pub fn render(report: &Report, timestamp: OffsetDateTime) -> String {
    let mut builder = ReportBuilder::new();
    for step in Step::ALL {
        let mut suite = TestSuiteBuilder::new(&format!("mistral-gate.{}", step.as_str()));
        suite.set_timestamp(timestamp);
        for c in report.by_step(step) {
            // One line per piece of untrusted text, so none can forge an evidence line.
            let line = |s: &str| safe::one_line(s).into_owned();
            // The `fail` and `warn` items only, `fail` first: what to fix.
            let findings = c.findings().count();
            let mut evidence: String = c
                .findings()
                .take(EVIDENCE_SHOWN)
                .map(|e| format!("{}  {}\n", line(&e.location()), line(&e.message)))
                .collect();
            if findings > EVIDENCE_SHOWN {
                evidence.push_str(&format!(
                    "... and {} more (see --json)\n",
                    findings - EVIDENCE_SHOWN
                ));
            }
            let (message, remediation) = (line(&c.message), line(&c.remediation));
            let attr = safe::xml_attr(&c.message);
            let mut case = match c.status {
                Status::Pass => TestCaseBuilder::success(&c.id, Duration::ZERO),
                Status::Warn => {
                    let mut t = TestCaseBuilder::success(&c.id, Duration::ZERO);
                    t.set_system_out(&safe::xml_cdata(&format!("warn: {message}\n{evidence}")));
                    t
                }
                Status::Fail => {
                    let mut t =
                        TestCaseBuilder::failure(&c.id, Duration::ZERO, c.severity.as_str(), &attr);
                    t.set_trace(&safe::xml_cdata(&format!(
                        "{message}\n{evidence}fix: {remediation}\n"
                    )));
                    t
                }
                Status::Error => {
                    let mut t = TestCaseBuilder::error(&c.id, Duration::ZERO, "check-error", &attr);
                    t.set_trace(&safe::xml_cdata(&format!("{message}\n{evidence}")));
                    t
                }
                Status::Skip => TestCaseBuilder::skipped_with_cause(&c.id, "skip", &attr),
            };
            case.set_classname(&format!("mistral-gate.{}", step.as_str()));
            let case = case.build();
            suite.add_testcase(case);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, Evidence, FailOn, GatePolicy, Severity};

    fn render_one(evidence: Vec<Evidence>) -> String {
        let c = CheckResult {
            id: "max-tokens-set".into(),
            step: Step::ModelConfiguration,
            title: "t".into(),
            status: Status::Fail,
            severity: Severity::Error,
            message: "m <b>\u{1}".into(),
            remediation: "fix".into(),
            evidence,
            blocking: false,
            evidence_omitted: 0,
        };
        render(
            &Report::new(
                vec![c],
                vec![],
                1,
                GatePolicy {
                    fail_on: FailOn::Error,
                    strict: false,
                },
            ),
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
            xml.contains("<![CDATA[m <b>\u{fffd}\nx]]]]><![CDATA[><injected/>.ts:1"),
            "{xml}"
        );
        assert!(!xml.contains(['\u{1}', '\u{1b}']));
        assert!(xml.contains("message=\"m &lt;b&gt;\u{fffd}\""), "{xml}");
    }
}
