//! Alerts: the checklist's alert table, and the token budget alert.
//!
//! Each row of the table (API down, p95 latency, 429, 401, circuit open, cost spike)
//! is covered by an alert whose expression measures it (see `ops::alerts`); a rule
//! named `MistralAuthFailure` over `up == 0` covers nothing and is named as such.

use super::util::{plural, with_problems, EVIDENCE_LIMIT};
use super::{CheckDecl, Ctx, Outcome, Scope};
use crate::ops::alerts::{self, AlertRule, Signal};
use crate::ops::{Area, Problem};
use crate::vocab::{CheckId, Evidence, Severity, Step};

/// An alert on token usage or spend exists: a loop or an abusive client shows up on the
/// invoice first otherwise.
pub static BUDGET_ALERTS: CheckDecl = CheckDecl {
    id: CheckId::BudgetAlerts,
    step: Step::ModelConfiguration,
    title: "Token budget alerts configured",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Add an alert rule on token usage or spend (e.g. rate of mistral_tokens_total or cost per hour above budget)",
    run: budget_alerts,
};

/// Alert rules cover each row of the checklist's alert table (API down, p95 latency,
/// 429, 401, circuit open, cost spike), judged by what their expressions measure.
pub static ALERT_RULES: CheckDecl = CheckDecl {
    id: CheckId::AlertRules,
    step: Step::Alerts,
    title: "Alert rules for API down, latency, 429, 401, circuit open, cost spike",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Add Prometheus (or Datadog) alerts for each missing condition of the checklist's alert table",
    run: alert_rules,
};

const NO_RULES: &str = "no alert rules found (Prometheus rule files, PrometheusRule resources, Datadog monitors as JSON or Terraform)";

fn covers(rule: &AlertRule, signal: Signal) -> Evidence {
    Evidence::pass(
        &rule.path,
        rule.line,
        format!(
            "alert {} measures {}: {}",
            rule.name,
            signal.measures(),
            rule.expr.trim()
        ),
    )
    .about(format!("alert {} {}", rule.name, signal.measures()))
}

/// The rules the running check reads: not those in its ignored paths or under an inline ignore.
fn rules<'a>(ctx: &Ctx<'a>) -> Vec<&'a AlertRule> {
    ctx.facts
        .ops
        .alerts
        .iter()
        .filter(|r| !ctx.suppressed(&r.path, r.line))
        .collect()
}

fn alert_rules(ctx: &Ctx) -> Outcome {
    let ops = &ctx.facts.ops;
    let rules = rules(ctx);
    let problems: Vec<&Problem> = ops.problems_in(Area::Alerts).collect();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for signal in Signal::ALL {
        match rules.iter().find(|r| r.signals.contains(&signal)) {
            Some(rule) => found.push(covers(rule, signal)),
            None => missing.push(signal),
        }
    }
    if missing.is_empty() {
        return with_problems(
            Outcome::pass(format!(
                "all six alerts of the checklist are defined ({} rules read)",
                rules.len()
            ))
            .with_evidence(found),
            &problems,
        );
    }
    // Rules whose name promises a missing row but whose expression measures something else.
    let misnamed = rules.iter().filter_map(|r| {
        let promised: Vec<Signal> = alerts::signals(&r.name)
            .into_iter()
            .filter(|s| missing.contains(s) && !r.signals.contains(s))
            .collect();
        (!promised.is_empty()).then(|| {
            let rows: Vec<&str> = promised.iter().map(|s| s.row()).collect();
            Evidence::fail(
                &r.path,
                r.line,
                format!(
                    "alert {} is named for {} but its expression `{}` does not measure it",
                    r.name,
                    rows.join(", "),
                    r.expr.trim()
                ),
            )
            .about(format!("alert {} misnamed", r.name))
        })
    });
    let rows: Vec<&str> = missing.iter().map(|s| s.row()).collect();
    let message = if rules.is_empty() {
        format!("{NO_RULES}; missing: {}", rows.join(", "))
    } else {
        format!("{} of 6 alerts missing: {}", missing.len(), rows.join(", "))
    };
    let evidence = misnamed.chain(found).take(2 * EVIDENCE_LIMIT).collect();
    with_problems(Outcome::fail(message).with_evidence(evidence), &problems)
}

fn budget_alerts(ctx: &Ctx) -> Outcome {
    let rules = rules(ctx);
    let problems: Vec<&Problem> = ctx.facts.ops.problems_in(Area::Alerts).collect();
    let found: Vec<Evidence> = rules
        .iter()
        .filter(|r| r.signals.contains(&Signal::Cost))
        .map(|r| covers(r, Signal::Cost))
        .collect();
    let outcome = if found.is_empty() {
        let message = if rules.is_empty() {
            NO_RULES.to_string()
        } else {
            format!(
                "none of the {} alert rule{} measures token usage or spend",
                rules.len(),
                plural(rules.len())
            )
        };
        Outcome::fail(message)
    } else {
        Outcome::pass(format!(
            "{} alert{} on token usage or spend",
            found.len(),
            plural(found.len())
        ))
        .with_evidence(found.into_iter().take(EVIDENCE_LIMIT).collect())
    };
    with_problems(outcome, &problems)
}
