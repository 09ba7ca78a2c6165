//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! One rule per check (short and full description, a help link to the check's section
//! of docs/checks.md, `security-severity` for the two secret checks); one result per
//! `fail` or `warn` evidence item of a check that failed or warned, never for a passing
//! site. Level: `error` for an item of a blocking check, `warning` for an advisory
//! `fail`, `note` for a `warn`. A check that fails with no file to point at (alerts,
//! docs, rollout) is one result on PATH's folder (the repository's root when PATH is).
//!
//! URIs are relative to the repository's root (`repo_root`: `GITHUB_WORKSPACE` in
//! Actions, else PATH's git top level) under `%SRCROOT%`, so code scanning finds the
//! files when PATH is a subfolder. `partialFingerprints` carry the evidence fingerprint,
//! which never holds a line number.
//!
//! Bounded whatever the repository holds: GitHub accepts at most 5,000 results per run,
//! so at most [`MAX_RESULTS`] are written, the most severe first (errors, then warnings,
//! then notes), and a notification says how many were left out. The document is built
//! from borrowed, typed values that are capped before they exist, never one
//! `serde_json::Value` per finding. Artifact URIs are relative and percent-encoded
//! ([`safe::uri_path`]); message texts are one line ([`safe::one_line`]).

use serde::Serialize;

use super::{safe, CheckId, CheckResult, Evidence, EvidenceStatus, Report, Severity, Status};

/// Where each check is documented: its anchor in docs/checks.md.
pub const DOCS_URL: &str = "https://github.com/mistral-gate/mistral-gate/blob/main/docs/checks.md";

/// `security-severity` (GitHub: 9.0 and above critical, 7.0 to 8.9 high) of the checks
/// that find secrets: a key in the repository is a leaked credential.
const SECURITY_SEVERITY: &[(CheckId, &str)] = &[
    (CheckId::KeyNotCommitted, "9.0"),
    (CheckId::NoHardcodedSecrets, "8.5"),
];

/// GitHub code scanning's limit on results per run.
const MAX_RESULTS: usize = 5_000;

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
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    invocations: [Invocation; 1],
    original_uri_base_ids: BaseIds,
    results: Vec<SarifResult<'a>>,
    tool: Tool<'a>,
}

#[derive(Serialize)]
struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    src_root: BaseId,
}

#[derive(Serialize)]
struct BaseId {
    description: Text,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
    rule_id: &'a str,
    rule_index: usize,
}

/// With `--base`: whether the finding is new.
#[derive(Serialize)]
struct ResultProperties {
    new: bool,
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
    full_description: Text,
    help: Text,
    help_uri: String,
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
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    step: &'static str,
    tags: Vec<&'static str>,
}

pub fn render(report: &Report) -> String {
    render_capped(report, MAX_RESULTS)
}

/// One result to write: a finding, or (`None`) the check as a whole.
type Item<'a> = (usize, &'a CheckResult, Option<&'a Evidence>, &'static str);

/// [`render`] with another cap (tests use small ones).
fn render_capped(report: &Report, max_results: usize) -> String {
    let rules = report
        .checks
        .iter()
        .map(|c| {
            let security_severity = CheckId::parse(c.id.as_str()).and_then(|id| {
                SECURITY_SEVERITY
                    .iter()
                    .find(|(s, _)| *s == id)
                    .map(|(_, v)| *v)
            });
            Rule {
                default_configuration: Configuration {
                    level: level(c.severity),
                },
                full_description: Text {
                    text: format!(
                        "{} ({} step of the Mistral production checklist; default severity {}). Fix: {}",
                        safe::one_line(&c.title),
                        c.step.heading(),
                        c.severity.as_str(),
                        safe::one_line(&c.remediation)
                    ),
                },
                help: Text {
                    text: safe::one_line(&c.remediation).into_owned(),
                },
                help_uri: format!("{DOCS_URL}#{}", c.id),
                id: c.id.as_str(),
                name: c.id.as_str(),
                properties: RuleProperties {
                    security_severity,
                    step: c.step.as_str(),
                    tags: if security_severity.is_some() {
                        vec!["security", "secret"]
                    } else {
                        vec!["mistral"]
                    },
                },
                short_description: Text {
                    text: safe::one_line(&c.title).into_owned(),
                },
            }
        })
        .collect();

    // How many results of each level the cap leaves room for, most severe first: counted
    // before any result is built, so memory follows the cap, not the findings.
    let mut wanted = [0usize; 3];
    for_each_item(report, |(_, _, _, lvl)| wanted[rank(lvl)] += 1);
    let mut room = [0usize; 3];
    let mut left = max_results;
    for (r, w) in room.iter_mut().zip(wanted) {
        *r = w.min(left);
        left -= *r;
    }
    let left_out = wanted.iter().sum::<usize>() - room.iter().sum::<usize>();

    let mut results = Vec::with_capacity(room.iter().sum());
    let scope = report.scope.as_str();
    for_each_item(report, |(index, c, e, lvl)| {
        if room[rank(lvl)] > 0 {
            room[rank(lvl)] -= 1;
            results.push(result(index, c, e, lvl, scope));
        }
    });
    let mut notes = Vec::new();
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
    for c in report.checks.iter().filter(|c| c.status == Status::Error) {
        // A check that could not run has no finding: said as a notification.
        notes.push(Notification {
            associated_rule: Some(RuleRef {
                id: c.id.to_string(),
            }),
            descriptor: None,
            level: if c.blocking { "error" } else { "note" },
            message: Text {
                text: format!("{} could not run: {}", c.id, safe::one_line(&c.message)),
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
            original_uri_base_ids: BaseIds {
                src_root: BaseId {
                    description: Text {
                        text: "The repository's root (GITHUB_WORKSPACE in GitHub Actions, else the git top level of the scanned folder)".into(),
                    },
                },
            },
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

/// Calls `f` on every result the report holds, in check order: each `fail`/`warn`
/// item, or the check itself when it failed or warned with nothing to point at. A
/// check in `error` has no result (it is a notification).
fn for_each_item<'a>(report: &'a Report, mut f: impl FnMut(Item<'a>)) {
    for (index, c) in report.checks.iter().enumerate() {
        if !matches!(c.status, Status::Fail | Status::Warn) {
            continue;
        }
        let mut any = false;
        for e in c.findings() {
            any = true;
            f((index, c, Some(e), item_level(c, Some(e.status))));
        }
        if !any {
            let status = match c.status {
                Status::Warn => EvidenceStatus::Warn,
                _ => EvidenceStatus::Fail,
            };
            f((index, c, None, item_level(c, Some(status))));
        }
    }
}

/// `error` for an item of a blocking check (a `fail` item, or any item of a check that
/// blocks because of its `warn` under `--strict`), `warning` for an advisory `fail`,
/// `note` for a `warn`.
fn item_level(c: &CheckResult, status: Option<EvidenceStatus>) -> &'static str {
    match status {
        Some(EvidenceStatus::Fail) if c.blocking => "error",
        Some(EvidenceStatus::Warn) if c.blocking && c.status == Status::Warn => "error",
        Some(EvidenceStatus::Fail) => "warning",
        _ => "note",
    }
}

fn result<'a>(
    index: usize,
    c: &'a CheckResult,
    e: Option<&Evidence>,
    lvl: &'static str,
    scope: &str,
) -> SarifResult<'a> {
    let in_repo = |path: &str| {
        if scope.is_empty() {
            path.to_string()
        } else {
            format!("{scope}/{path}")
        }
    };
    let (uri, region, message, fingerprint, new) = match e {
        Some(e) => (
            safe::uri_path(&in_repo(&e.path)),
            e.line.map(|start_line| Region { start_line }),
            format!(
                "{} ({})",
                safe::one_line(&e.message),
                safe::one_line(&c.message)
            ),
            e.fingerprint.clone(),
            e.new,
        ),
        // The check as a whole: a result on PATH's folder.
        None => (
            if scope.is_empty() {
                "./".to_string()
            } else {
                format!("{}/", safe::uri_path(scope))
            },
            None,
            safe::one_line(&c.message).into_owned(),
            format!("{}:{}", c.id, scope),
            c.new,
        ),
    };
    SarifResult {
        level: lvl,
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri,
                    uri_base_id: "%SRCROOT%",
                },
                region,
            },
        }],
        message: Text { text: message },
        partial_fingerprints: Fingerprints { v1: fingerprint },
        properties: new.map(|new| ResultProperties { new }),
        rule_id: c.id.as_str(),
        rule_index: index,
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
            id: crate::vocab::CheckId::parse(id).expect("a check id"),
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
            new: None,
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
            check(
                crate::vocab::CheckId::UsageLimitsDoc.as_str(),
                Status::Warn,
                Severity::Info,
                30,
            ),
            check(
                crate::vocab::CheckId::TypecheckInCi.as_str(),
                Status::Fail,
                Severity::Warning,
                30,
            ),
            check(
                crate::vocab::CheckId::CircuitBreaker.as_str(),
                Status::Fail,
                Severity::Error,
                30,
            ),
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
        let r = report(vec![check(
            crate::vocab::CheckId::CircuitBreaker.as_str(),
            Status::Fail,
            Severity::Error,
            3,
        )]);
        let sarif = parse(&render(&r));
        assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 3);
        assert!(!sarif.to_string().contains("results-capped"));
    }

    #[test]
    fn uris_are_percent_encoded_and_texts_one_line() {
        let mut c = check(
            crate::vocab::CheckId::CircuitBreaker.as_str(),
            Status::Fail,
            Severity::Error,
            0,
        );
        c.evidence
            .push(Evidence::new("dir/a b#\n\u{1b}[2J.ts", 1, "line\nbreak"));
        let sarif = parse(&render(&report(vec![c])));
        let result = &sarif["runs"][0]["results"][0];
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "dir/a%20b%23%0A%1B%5B2J.ts"
        );
        assert_eq!(
            result["message"]["text"],
            "line�break (circuit-breaker message)"
        );
    }

    #[test]
    fn no_result_sits_on_a_passing_site_and_levels_follow_blocking() {
        let mut blocking = check(
            crate::vocab::CheckId::ErrorHandling.as_str(),
            Status::Fail,
            Severity::Error,
            0,
        );
        blocking.evidence = vec![
            Evidence::pass("src/ok.ts", 1, "fine"),
            Evidence::fail("src/bad.ts", 2, "bad"),
            Evidence::warn("src/maybe.ts", 3, "unclear"),
        ];
        let mut advisory = check(
            crate::vocab::CheckId::ModelLifecycle.as_str(),
            Status::Fail,
            Severity::Warning,
            0,
        );
        advisory.evidence = vec![Evidence::fail("src/adv.ts", 4, "m")];
        let repo_level = check(
            crate::vocab::CheckId::RollbackDoc.as_str(),
            Status::Fail,
            Severity::Warning,
            0,
        );
        let passing = check(
            crate::vocab::CheckId::HealthEndpoint.as_str(),
            Status::Pass,
            Severity::Error,
            0,
        );
        let sarif = parse(&render(&report(vec![
            blocking, advisory, repo_level, passing,
        ])));
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        let got: Vec<(String, String)> = results
            .iter()
            .map(|r| {
                (
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["level"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want = [
            ("src/bad.ts", "error"),
            ("src/maybe.ts", "note"),
            ("src/adv.ts", "warning"),
            ("./", "warning"),
        ];
        assert_eq!(
            got,
            want.map(|(a, b)| (a.to_string(), b.to_string())),
            "{sarif}"
        );
        assert!(!sarif.to_string().contains("src/ok.ts"));
    }

    #[test]
    fn a_subfolder_scan_gives_repository_relative_uris_and_rules_link_their_docs() {
        let mut c = check(
            crate::vocab::CheckId::KeyNotCommitted.as_str(),
            Status::Fail,
            Severity::Error,
            0,
        );
        c.evidence = vec![Evidence::fail(".env", 1, "key")];
        let mut r = report(vec![
            c,
            check(
                crate::vocab::CheckId::RollbackDoc.as_str(),
                Status::Fail,
                Severity::Warning,
                0,
            ),
        ]);
        r.scope = "services/my api".into();
        let sarif = parse(&render(&r));
        let run = &sarif["runs"][0];
        let uri = |i: usize| {
            run["results"][i]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone()
        };
        assert_eq!(uri(0), "services/my%20api/.env");
        assert_eq!(uri(1), "services/my%20api/");
        assert!(run["originalUriBaseIds"]["%SRCROOT%"].is_object());
        let rule = &run["tool"]["driver"]["rules"][0];
        assert_eq!(
            rule["helpUri"],
            format!("{DOCS_URL}#key-not-committed").as_str()
        );
        assert_eq!(rule["properties"]["security-severity"], "9.0");
        assert!(rule["fullDescription"]["text"].is_string());
        assert!(run["tool"]["driver"]["rules"][1]["properties"]
            .get("security-severity")
            .is_none());
    }
}
