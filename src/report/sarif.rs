//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! One rule per check; one result per `fail` or `warn` evidence item of a check that
//! failed or warned (never for a passing site), fingerprinted by the item's fingerprint.
//! Code scanning needs a location on every result, so a failure without evidence is
//! carried as a tool notification instead.
//!
//! Bounded whatever the repository holds: GitHub accepts at most 5,000 results per run,
//! so at most [`MAX_RESULTS`] are written, the most severe first (errors, then warnings,
//! then notes), and a notification says how many were left out. The document is built
//! from borrowed, typed values that are capped before they exist, never one
//! `serde_json::Value` per finding. Artifact URIs are relative and percent-encoded
//! ([`safe::uri_path`]); message texts are one line ([`safe::one_line`]).

use serde::Serialize;

use super::{safe, CheckResult, Evidence, Report, Severity, Status};

/// GitHub code scanning's limit on results per run.
pub const MAX_RESULTS: usize = 5_000;

// Fields are declared in alphabetical order: the order the file has always had (it was
// written from sorted maps before), so a diff between two runs shows only what changed.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
struct Run<'a> {
    invocations: [Invocation; 1],
    results: Vec<SarifResult<'a>>,
    tool: Tool<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_rule: Option<RuleRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    descriptor: Option<RuleRef>,
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
struct RuleRef {
    id: String,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    level: &'static str,
    locations: [Location; 1],
    message: Text,
    partial_fingerprints: Fingerprints,
    rule_id: &'a str,
    rule_index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "mistralGate/v1")]
    v1: String,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<Rule<'a>>,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    default_configuration: Configuration,
    help: Text,
    id: &'a str,
    name: &'a str,
    properties: RuleProperties,
    short_description: Text,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    step: &'static str,
}

pub fn render(report: &Report) -> String {
    render_capped(report, MAX_RESULTS)
}

/// [`render`] with another cap (tests use small ones).
pub fn render_capped(report: &Report, max_results: usize) -> String {
    let rules = report
        .checks
        .iter()
        .map(|c| Rule {
            default_configuration: Configuration {
                level: level(c.severity),
            },
            help: Text {
                text: safe::one_line(&c.remediation).into_owned(),
            },
            id: &c.id,
            name: &c.id,
            properties: RuleProperties {
                step: c.step.as_str(),
            },
            short_description: Text {
                text: safe::one_line(&c.title).into_owned(),
            },
        })
        .collect();

    // How many results of each level the cap leaves room for, most severe first: counted
    // before any result is built, so memory follows the cap, not the findings.
    let mut wanted = [0usize; 3];
    for c in &report.checks {
        if let Some(lvl) = result_level(c) {
            wanted[rank(lvl)] += c.findings().count();
        }
    }
    let mut room = [0usize; 3];
    let mut left = max_results;
    for (r, w) in room.iter_mut().zip(wanted) {
        *r = w.min(left);
        left -= *r;
    }
    let left_out = wanted.iter().sum::<usize>() - room.iter().sum::<usize>();

    let mut results = Vec::with_capacity(room.iter().sum());
    let mut notes = Vec::new();
    for (index, c) in report.checks.iter().enumerate() {
        let Some(lvl) = result_level(c) else { continue };
        if c.findings().next().is_none() {
            notes.push(Notification {
                associated_rule: Some(RuleRef { id: c.id.clone() }),
                descriptor: None,
                level: lvl,
                message: Text {
                    text: format!("{}: {}", c.id, safe::one_line(&c.message)),
                },
            });
            continue;
        }
        for e in c.findings() {
            if room[rank(lvl)] == 0 {
                break;
            }
            room[rank(lvl)] -= 1;
            results.push(result(index, c, e, lvl));
        }
    }
    if left_out > 0 {
        notes.push(Notification {
            associated_rule: None,
            descriptor: Some(RuleRef { id: "results-capped".into() }),
            level: "warning",
            message: Text {
                text: format!(
                    "{left_out} result{} left out: GitHub code scanning accepts at most {max_results} per run, and the most severe are kept; the JSON report (--json FILE) lists every finding",
                    if left_out == 1 { "" } else { "s" }
                ),
            },
        });
    }

    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: notes,
            }],
            results,
            tool: Tool {
                driver: Driver {
                    information_uri: "https://github.com/mistral-gate/mistral-gate",
                    name: "mistral-gate",
                    rules,
                    version: report.tool_version,
                },
            },
        }],
        version: "2.1.0",
    };
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF serialises");
    s.push('\n');
    s
}

fn result<'a>(
    index: usize,
    c: &'a CheckResult,
    e: &Evidence,
    lvl: &'static str,
) -> SarifResult<'a> {
    SarifResult {
        level: lvl,
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: safe::uri_path(&e.path),
                    uri_base_id: "%SRCROOT%",
                },
                region: e.line.map(|start_line| Region { start_line }),
            },
        }],
        message: Text {
            text: format!(
                "{} ({})",
                safe::one_line(&e.message),
                safe::one_line(&c.message)
            ),
        },
        partial_fingerprints: Fingerprints {
            v1: e.fingerprint.clone(),
        },
        rule_id: &c.id,
        rule_index: index,
    }
}

/// The level of a check's results, or `None` when it has none (passed or skipped).
fn result_level(c: &CheckResult) -> Option<&'static str> {
    match c.status {
        Status::Fail => Some(level(c.severity)),
        Status::Warn | Status::Error => Some("note"),
        Status::Pass | Status::Skip => None,
    }
}

/// Keeping order under the cap: errors, then warnings, then notes.
fn rank(level: &str) -> usize {
    match level {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FailOn, GatePolicy, Step};

    fn check(id: &str, status: Status, severity: Severity, evidence: usize) -> CheckResult {
        CheckResult {
            id: id.into(),
            step: Step::CodeQuality,
            title: "t".into(),
            status,
            severity,
            message: format!("{id} message"),
            remediation: "fix".into(),
            evidence: (0..evidence)
                .map(|i| Evidence::new(format!("src/f{i}.ts"), i as u32 + 1, "m"))
                .collect(),
            blocking: false,
            evidence_omitted: 0,
        }
    }

    fn report(checks: Vec<CheckResult>) -> Report {
        Report::new(
            checks,
            vec![],
            1,
            GatePolicy {
                fail_on: FailOn::Error,
                strict: false,
            },
        )
    }

    fn parse(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_cap_keeps_the_most_severe_and_says_how_many_are_left_out() {
        let r = report(vec![
            check("a-note", Status::Warn, Severity::Info, 30),
            check("a-warning", Status::Fail, Severity::Warning, 30),
            check("an-error", Status::Fail, Severity::Error, 30),
        ]);
        let sarif = parse(&render_capped(&r, 40));
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 40);
        assert_eq!(results.iter().filter(|r| r["level"] == "error").count(), 30);
        assert_eq!(
            results.iter().filter(|r| r["level"] == "warning").count(),
            10
        );
        let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap();
        let capped = notes
            .iter()
            .find(|n| n["descriptor"]["id"] == "results-capped")
            .expect("a notification");
        assert!(
            capped["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("50 results left out"),
            "{capped}"
        );
    }

    #[test]
    fn under_the_cap_nothing_is_left_out() {
        let r = report(vec![check("an-error", Status::Fail, Severity::Error, 3)]);
        let sarif = parse(&render(&r));
        assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 3);
        assert!(!sarif.to_string().contains("results-capped"));
    }

    #[test]
    fn uris_are_percent_encoded_and_texts_one_line() {
        let mut c = check("an-error", Status::Fail, Severity::Error, 0);
        c.evidence
            .push(Evidence::new("dir/a b#\n\u{1b}[2J.ts", 1, "line\nbreak"));
        let sarif = parse(&render(&report(vec![c])));
        let result = &sarif["runs"][0]["results"][0];
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "dir/a%20b%23%0A%1B%5B2J.ts"
        );
        assert_eq!(result["message"]["text"], "line�break (an-error message)");
    }
}
