//! Documentation requirements: runbook, key rotation, rollback, escalation, usage limits.
//!
//! Each is a documentation section (Markdown, reStructuredText, AsciiDoc) about the
//! topic's subject that holds its procedure (see `ops::docs`: a topic word is not
//! enough). A pass names the section (path:line of its heading, its heading path) and
//! what in it decided. A heading over an empty, placeholder or incomplete section is
//! `warn`, not a pass.

use super::util::{plural, EVIDENCE_LIMIT};
use super::{CheckDecl, Ctx, Outcome, Scope};
use crate::ops::docs::{Coverage, Section, Topic, TopicMatch};
use crate::vocab::{CheckId, Evidence, EvidenceStatus, Severity, Step};

/// Declares a documentation check: each is "a section on `topic` exists".
macro_rules! doc_check {
    ($(#[$doc:meta])* $name:ident, $id:ident, $title:literal, $severity:ident, $remediation:literal, $run:ident) => {
        $(#[$doc])*
        pub static $name: CheckDecl = CheckDecl {
            id: CheckId::$id,
            step: Step::Documentation,
            title: $title,
            severity: Severity::$severity,
            scope: Scope::MistralUsage,
            remediation: $remediation,
            run: $run,
        };
    };
}

doc_check!(
    /// An incident runbook about Mistral exists (symptoms, dashboards, first steps): the
    /// person paged at night has not read the code.
    INCIDENT_RUNBOOK, IncidentRunbook, "Incident runbook created", Warning,
    "Write docs/runbooks/mistral-incident.md: symptoms, dashboards, first steps, who to call", incident_runbook
);
doc_check!(
    /// The key rotation procedure is written down: a leaked key is rotated under pressure.
    KEY_ROTATION_DOC, KeyRotationDoc, "Key rotation procedure documented", Warning,
    "Write down how to rotate the Mistral API key (create, deploy, verify, revoke)", key_rotation_doc
);
doc_check!(
    /// The rollback procedure is written down: the checklist's step 6 is executed by people.
    ROLLBACK_DOC, RollbackDoc, "Rollback procedure documented", Warning,
    "Write down the rollback procedure (kubectl rollout undo, then verify /health)", rollback_doc
);
doc_check!(
    /// An on-call escalation path is written down: who to call when Mistral is down.
    ESCALATION_DOC, EscalationDoc, "On-call escalation path defined", Info,
    "Write down who is on call and how to escalate a Mistral incident", escalation_doc
);
doc_check!(
    /// The workspace's API usage limits (rate limits, budgets) are written down: 429s
    /// and budget stops are expected, not incidents, when people know the limits.
    USAGE_LIMITS_DOC, UsageLimitsDoc, "API usage limits documented", Info,
    "Write down the workspace's rate limits (requests/min, tokens/min) and monthly budget", usage_limits_doc
);

/// `§ Runbook › Rollback: rollback command `helm rollback app 0` (line 12)`, at the
/// heading's line: the section and what in it decided.
fn evidence(s: &Section, m: &TopicMatch, status: EvidenceStatus) -> Evidence {
    let what = match m.coverage {
        Coverage::Written => m.decided.clone(),
        Coverage::Placeholder => "empty or placeholder section".to_string(),
        Coverage::Partial => format!("incomplete: {}", m.decided),
        Coverage::NotMistral => format!("{}, but never mentions Mistral", m.decided),
    };
    Evidence::with_status(
        status,
        &s.path,
        s.line,
        format!("§ {}: {what}", s.shown_path()),
    )
    .about(format!("§ {}", s.shown_path()))
}

fn documented(ctx: &Ctx, topic: Topic) -> Outcome {
    let sections: Vec<&Section> = ctx
        .facts
        .ops
        .sections
        .iter()
        .filter(|s| !ctx.suppressed(&s.path, s.line))
        .collect();
    let mut found = Vec::new();
    let mut partial = Vec::new();
    let mut elsewhere = Vec::new();
    let mut placeholders = Vec::new();
    for s in &sections {
        let Some(m) = s.covers(topic) else { continue };
        match m.coverage {
            Coverage::Written => found.push(evidence(s, m, EvidenceStatus::Pass)),
            Coverage::Partial => partial.push(evidence(s, m, EvidenceStatus::Warn)),
            Coverage::NotMistral => elsewhere.push(evidence(s, m, EvidenceStatus::Warn)),
            Coverage::Placeholder => placeholders.push(evidence(s, m, EvidenceStatus::Warn)),
        }
    }
    let what = topic.describe();
    if !found.is_empty() {
        let n = found.len();
        found.truncate(EVIDENCE_LIMIT);
        return Outcome::pass(format!("{what} written down ({n} section{})", plural(n)))
            .with_evidence(found);
    }
    if !elsewhere.is_empty() {
        elsewhere.truncate(EVIDENCE_LIMIT);
        return Outcome::warn(format!("an {what} exists but does not mention Mistral"))
            .with_evidence(elsewhere);
    }
    if !partial.is_empty() {
        partial.extend(placeholders);
        partial.truncate(EVIDENCE_LIMIT);
        return Outcome::warn(format!(
            "a section names the {what} but does not write it down"
        ))
        .with_evidence(partial);
    }
    if !placeholders.is_empty() {
        placeholders.truncate(EVIDENCE_LIMIT);
        return Outcome::warn(format!(
            "a heading names the {what} but its section is empty or a placeholder"
        ))
        .with_evidence(placeholders);
    }
    let files = {
        let mut p: Vec<&str> = sections.iter().map(|s| s.path.as_str()).collect();
        p.dedup();
        p.len()
    };
    if files == 0 {
        return Outcome::fail(format!(
            "no {what}: no documentation (Markdown, reStructuredText, AsciiDoc) in the repository"
        ));
    }
    Outcome::fail(format!(
        "no {what} in {files} documentation file{}",
        plural(files)
    ))
}

fn incident_runbook(ctx: &Ctx) -> Outcome {
    documented(ctx, Topic::IncidentRunbook)
}

fn key_rotation_doc(ctx: &Ctx) -> Outcome {
    documented(ctx, Topic::KeyRotation)
}

fn rollback_doc(ctx: &Ctx) -> Outcome {
    documented(ctx, Topic::Rollback)
}

fn escalation_doc(ctx: &Ctx) -> Outcome {
    documented(ctx, Topic::Escalation)
}

fn usage_limits_doc(ctx: &Ctx) -> Outcome {
    documented(ctx, Topic::UsageLimits)
}
