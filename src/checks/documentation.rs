//! Documentation requirements: runbook, key rotation, rollback, escalation, usage limits.
//!
//! Each is a Markdown section whose heading names the topic and has text under it, or
//! whose text describes it (see `ops::docs`). The evidence names the file and heading.
//! A heading over an empty or placeholder section is `warn`, not a pass.

use super::ci::EVIDENCE_LIMIT;
use super::credentials::plural;
use super::rollout::heading;
use super::{Ctx, Outcome};
use crate::ops::docs::{Coverage, Section, Topic};
use crate::report::Evidence;

fn evidence(s: &Section, c: Coverage) -> Evidence {
    let how = match c {
        Coverage::Heading => "section",
        Coverage::Text => "described in the text under",
        Coverage::Placeholder => "empty or placeholder section",
    };
    Evidence::new(&s.path, s.line, format!("{how} § {}", heading(&s.heading)))
}

fn documented(ctx: &Ctx, id: &str, topic: Topic, must_mention_mistral: bool) -> Outcome {
    let sections: Vec<&Section> = ctx.facts.ops.sections.iter().filter(|s| !ctx.suppressed(id, &s.path, s.line)).collect();
    let mut found = Vec::new();
    let mut placeholders = Vec::new();
    let mut elsewhere = Vec::new();
    for s in &sections {
        for (t, c) in &s.topics {
            if *t != topic {
                continue;
            }
            match c {
                Coverage::Placeholder => placeholders.push(evidence(s, *c)),
                _ if must_mention_mistral && !s.mentions_mistral => elsewhere.push(evidence(s, *c)),
                _ => found.push(evidence(s, *c)),
            }
        }
    }
    let what = topic.describe();
    if !found.is_empty() {
        let n = found.len();
        found.truncate(EVIDENCE_LIMIT);
        return Outcome::pass(format!("{what} written down ({n} section{})", plural(n))).with_evidence(found);
    }
    if !elsewhere.is_empty() {
        elsewhere.truncate(EVIDENCE_LIMIT);
        return Outcome::warn(format!("an {what} exists but does not mention Mistral")).with_evidence(elsewhere);
    }
    if !placeholders.is_empty() {
        placeholders.truncate(EVIDENCE_LIMIT);
        return Outcome::warn(format!("a heading names the {what} but its section is empty or a placeholder")).with_evidence(placeholders);
    }
    let files = {
        let mut p: Vec<&str> = sections.iter().map(|s| s.path.as_str()).collect();
        p.dedup();
        p.len()
    };
    if files == 0 {
        return Outcome::fail(format!("no {what}: no Markdown documentation in the repository"));
    }
    Outcome::fail(format!("no {what} in {files} Markdown file{}", plural(files)))
}

pub fn incident_runbook(ctx: &Ctx) -> Outcome {
    documented(ctx, "incident-runbook", Topic::IncidentRunbook, true)
}

pub fn key_rotation_doc(ctx: &Ctx) -> Outcome {
    documented(ctx, "key-rotation-doc", Topic::KeyRotation, false)
}

pub fn rollback_doc(ctx: &Ctx) -> Outcome {
    documented(ctx, "rollback-doc", Topic::Rollback, false)
}

pub fn escalation_doc(ctx: &Ctx) -> Outcome {
    documented(ctx, "escalation-doc", Topic::Escalation, false)
}

pub fn usage_limits_doc(ctx: &Ctx) -> Outcome {
    documented(ctx, "usage-limits-doc", Topic::UsageLimits, false)
}
