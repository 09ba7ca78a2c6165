//! JUnit XML for any CI: one `<testsuite>` per checklist step, one `<testcase>` per check
//! (`name` = id, `classname` = `mistral-gate.<step>`). Written with the junit-report
//! crate; the output validates against the Jenkins JUnit schema (tests/schema/junit.xsd).

use junit_report::{Duration, OffsetDateTime, ReportBuilder, TestCaseBuilder, TestSuiteBuilder};

use super::{Report, Status, Step};

pub fn render(report: &Report, timestamp: OffsetDateTime) -> String {
    let mut builder = ReportBuilder::new();
    for step in Step::ALL {
        let mut suite = TestSuiteBuilder::new(&format!("mistral-gate.{}", step.as_str()));
        suite.set_timestamp(timestamp);
        for c in report.by_step(step) {
            let evidence: String = c
                .evidence
                .iter()
                .map(|e| format!("{}  {}\n", e.location(), e.message))
                .collect();
            let mut case = match c.status {
                Status::Pass => TestCaseBuilder::success(&c.id, Duration::ZERO),
                Status::Warn => {
                    let mut t = TestCaseBuilder::success(&c.id, Duration::ZERO);
                    t.set_system_out(&format!("warn: {}\n{evidence}", c.message));
                    t
                }
                Status::Fail => {
                    let mut t = TestCaseBuilder::failure(
                        &c.id,
                        Duration::ZERO,
                        c.severity.as_str(),
                        &c.message,
                    );
                    t.set_trace(&format!(
                        "{}\n{evidence}fix: {}\n",
                        c.message, c.remediation
                    ));
                    t
                }
                Status::Error => {
                    let mut t =
                        TestCaseBuilder::error(&c.id, Duration::ZERO, "check-error", &c.message);
                    t.set_trace(&format!("{}\n{evidence}", c.message));
                    t
                }
                Status::Skip => TestCaseBuilder::skipped_with_cause(&c.id, "skip", &c.message),
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
    let mut s = String::from_utf8(out).expect("junit-report writes UTF-8");
    s.push('\n');
    s
}
