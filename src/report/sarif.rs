//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! One rule per check; one result per `fail` or `warn` evidence item of a check that
//! failed or warned (never for a passing site), fingerprinted by the item's fingerprint.
//! Code scanning needs a location on every result, so a failure without evidence is
//! carried as a tool notification instead.

use serde_json::{json, Value};

use super::{Report, Severity, Status};

pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = report
        .checks
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.id,
                "shortDescription": {"text": c.title},
                "help": {"text": c.remediation},
                "properties": {"step": c.step.as_str()},
                "defaultConfiguration": {"level": level(c.severity)},
            })
        })
        .collect();
    let mut results = Vec::new();
    let mut notes = Vec::new();
    for (index, c) in report.checks.iter().enumerate() {
        let lvl = match c.status {
            Status::Fail => level(c.severity),
            Status::Warn | Status::Error => "note",
            Status::Pass | Status::Skip => continue,
        };
        // Only what the gate judged wrong: a passing site is never a result.
        if c.findings().next().is_none() {
            notes.push(json!({"level": lvl, "message": {"text": format!("{}: {}", c.id, c.message)}, "associatedRule": {"id": c.id}}));
            continue;
        }
        for e in c.findings() {
            let mut physical =
                json!({"artifactLocation": {"uri": e.path, "uriBaseId": "%SRCROOT%"}});
            if let Some(line) = e.line {
                physical["region"] = json!({"startLine": line});
            }
            results.push(json!({
                "ruleId": c.id,
                "ruleIndex": index,
                "level": lvl,
                "message": {"text": format!("{} ({})", e.message, c.message)},
                "locations": [{"physicalLocation": physical}],
                "partialFingerprints": {"mistralGate/v1": e.fingerprint},
            }));
        }
    }
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mistral-gate",
                "version": report.tool_version,
                "informationUri": "https://github.com/mistral-gate/mistral-gate",
                "rules": rules,
            }},
            "invocations": [{"executionSuccessful": true, "toolExecutionNotifications": notes}],
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&sarif).expect("SARIF serialises");
    s.push('\n');
    s
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}
