//! Issue 12, documentation: fixture repositories with each real form of an operations
//! document (README sections, a MkDocs tree, a runbooks folder, a Docusaurus site,
//! Sphinx reStructuredText) pass naming the section and what decided; the baits the
//! issue lists (product copy, a kanban board, a PagerDuty example in a prompt, "rotate
//! keys regularly", an agent's own keys, a database `rollback()`, sandbox quotas,
//! extraction limits, a "Troubleshooting" heading) pass nothing.
mod common;
mod ops_support;

use common::Repo;
use ops_support::{assert_status, evidence, json};

const DOC_CHECKS: [&str; 5] = [
    "incident-runbook",
    "key-rotation-doc",
    "rollback-doc",
    "escalation-doc",
    "usage-limits-doc",
];

/// Each check's expected status and, for a pass, the evidence line that must appear.
fn expect(fixture: &str, expected: [(&str, &str, &str); 5]) {
    let r = json(&Repo::fixture(fixture));
    for (id, status, has) in expected {
        assert!(DOC_CHECKS.contains(&id), "{id}");
        assert_status(&r, id, status);
        let e = evidence(&r, id);
        assert!(e.contains(has), "{fixture} {id}: no {has:?} in\n{e}");
    }
}

#[test]
fn readme_sections() {
    expect(
        "ops/docs-readme",
        [
            ("incident-runbook", "pass", "README.md:7 § chat-support › Operations › When Mistral is down: 3 steps for Mistral incidents"),
            ("key-rotation-doc", "pass", "README.md:20 § chat-support › Operations › Rotating the Mistral API key: the provider key's create/deploy/verify/revoke steps"),
            ("rollback-doc", "pass", "README.md:13 § chat-support › Operations › Rolling back: rollback command `helm rollback chat-support 0 --namespace support --wait` (line 16)"),
            ("escalation-doc", "pass", "README.md:27 § chat-support › Operations › Escalation: who to contact, in order: on-call, pagerduty, secondary, engineering manager"),
            ("usage-limits-doc", "pass", "README.md:32 § chat-support › Operations › Usage limits: the provider's limit \"300 requests per minute\""),
        ],
    );
}

#[test]
fn mkdocs_tree() {
    expect(
        "ops/docs-mkdocs",
        [
            ("incident-runbook", "pass", "docs/operations/incidents.md:3 § Incidents › Mistral API errors: 3 steps for Mistral incidents"),
            ("key-rotation-doc", "pass", "docs/operations/keys.md:3 § API keys › Rotating the provider key"),
            ("rollback-doc", "pass", "docs/operations/incidents.md:12 § Incidents › Rollback: rollback command `kubectl argo rollouts undo chat-support -n support` (line 16)"),
            ("escalation-doc", "pass", "docs/operations/incidents.md:18 § Incidents › Who to page: who to contact, in order: primary"),
            // A Markdown table: cells are words of their own.
            ("usage-limits-doc", "pass", "docs/operations/limits.md:3 § Limits › Rate limits: the provider's limit \"1,000,000 tokens per minute\""),
        ],
    );
}

#[test]
fn runbooks_folder() {
    expect(
        "ops/docs-runbooks",
        [
            ("incident-runbook", "pass", "runbooks/mistral-outage.md:1 § Mistral outage: 3 steps for Mistral incidents"),
            ("key-rotation-doc", "fail", ""),
            ("rollback-doc", "pass", "runbooks/rollback.md:1 § Rolling back a release: rollback command `fly deploy --image registry.fly.io/bot:deployment-01J0PREVIOUS --app bot` (line 5)"),
            ("escalation-doc", "pass", "runbooks/on-call.md:1 § On-call: who to contact, in order: primary, on-call, opsgenie, secondary, cto"),
            ("usage-limits-doc", "fail", ""),
        ],
    );
}

#[test]
fn docusaurus_site() {
    expect(
        "ops/docs-docusaurus",
        [
            ("incident-runbook", "pass", "website/docs/operations/runbook.mdx:11 § Runbook › If the Mistral API is degraded: 3 steps"),
            ("key-rotation-doc", "fail", ""),
            ("rollback-doc", "pass", "website/docs/operations/runbook.mdx:20 § Runbook › Rollback: rollback command `vercel rollback https://bot.example.com --yes` (line 23)"),
            ("escalation-doc", "fail", ""),
            ("usage-limits-doc", "pass", "website/docs/operations/runbook.mdx:26 § Runbook › Budget and rate limits: the provider's limit \"2,000,000 tokens per minute\""),
        ],
    );
}

#[test]
fn sphinx_rst() {
    expect(
        "ops/docs-rst",
        [
            ("incident-runbook", "fail", ""),
            ("key-rotation-doc", "pass", "docs/source/operations.rst:13 § Operations › Rotating the Mistral API key: the provider key's create/deploy/verify/revoke steps"),
            ("rollback-doc", "pass", "docs/source/operations.rst:5 § Operations › Rolling back: rollback command `helm rollback chatbot 0 --wait` (line 10)"),
            ("escalation-doc", "pass", "docs/source/operations.rst:20 § Operations › Escalation: who to contact, in order"),
            ("usage-limits-doc", "pass", "docs/source/operations.rst:26 § Operations › Usage limits: the provider's limit \"10 requests per second\""),
        ],
    );
}

#[test]
fn every_bait_of_the_issue_passes_nothing() {
    expect(
        "ops/docs-baits",
        [
            ("incident-runbook", "fail", ""),
            ("key-rotation-doc", "fail", ""),
            ("rollback-doc", "fail", ""),
            ("escalation-doc", "fail", ""),
            ("usage-limits-doc", "fail", ""),
        ],
    );
}

/// The blind fixtures: their expected statuses were written (EXPECTED.md) before the
/// gate first ran on them; 53 of 56 matched then (see docs/ops-checks.md). The three
/// misses were fixed, so every row must match now.
#[test]
fn blind_fixtures_match_their_expected_statuses() {
    const COLUMNS: [&str; 7] = [
        "typecheck-in-ci",
        "tests-in-ci",
        "incident-runbook",
        "key-rotation-doc",
        "rollback-doc",
        "escalation-doc",
        "usage-limits-doc",
    ];
    let table = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ops/blind/EXPECTED.md"),
    )
    .unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with("| b"))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), 8, "eight blind repositories");
    let mut misses = Vec::new();
    for row in rows {
        let r = json(&Repo::fixture(&format!("ops/blind/{}", row[0])));
        for (id, want) in COLUMNS.iter().zip(&row[1..]) {
            let got = common::status(&r, id);
            if got != *want {
                misses.push(format!("{} {id}: expected {want}, got {got}", row[0]));
            }
        }
    }
    assert!(misses.is_empty(), "{misses:#?}");
}
