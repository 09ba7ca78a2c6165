//! The eleven deploy checks: [`Observations`] in, [`CheckResult`]s out, nothing else.
//!
//! Pure, like `check`'s checks: everything the network said is already in the
//! observations. The table [`DECLS`] is the one place each check's step, title, default
//! severity and remediation are written. Steps: the probes, the rollout and the rollback
//! are the checklist's "Rollout, verification, rollback" step (4 to 6, [`Step::Rollout`]);
//! the six metric conditions are rows of its alert table ([`Step::Alerts`]), so a deploy
//! report groups like a `check` report and no renderer needs a new step.

use crate::config::Config;
use crate::report::{CheckId, CheckResult, Severity, Status, Step};

use super::{
    DeploymentOutcome, HealthOutcome, HealthProbe, MetricReading, Observations, RollbackOutcome,
    SmokeOutcome,
};

/// One deploy check's fixed text.
pub struct Decl {
    pub id: CheckId,
    pub step: Step,
    pub title: &'static str,
    pub severity: Severity,
    pub remediation: &'static str,
}

/// Contract order (CHECKS.md, "After the deploy").
pub const DECLS: [Decl; 11] = [
    Decl { id: CheckId::DeployHealth, step: Step::Rollout, title: "Health endpoint answers healthy", severity: Severity::Error, remediation: "Check the service's logs and the Mistral status page; verify the key (step 6 of the checklist: roll back if the new version is at fault)." },
    Decl { id: CheckId::DeployLatency, step: Step::Rollout, title: "Health latency under the limit", severity: Severity::Warning, remediation: "Look at the upstream latency of the Mistral calls and the pod's resources; raise --max-latency-ms only if the limit is wrong." },
    Decl { id: CheckId::DeploySmoke, step: Step::Rollout, title: "Smoke request answers", severity: Severity::Error, remediation: "Send the smoke request by hand and read the service's logs; check the key and the model id the new version uses." },
    Decl { id: CheckId::DeployErrorRate, step: Step::Alerts, title: "5xx from Mistral calls under the alert threshold", severity: Severity::Error, remediation: "API Down (P1): check status.mistral.ai and the service's error logs; consider rolling back." },
    Decl { id: CheckId::DeployP95Latency, step: Step::Alerts, title: "p95 Mistral latency under the alert threshold", severity: Severity::Warning, remediation: "High Latency (P2): check the model and max-tokens the new version sends, and Mistral's status." },
    Decl { id: CheckId::DeployRateLimited, step: Step::Alerts, title: "429 responses under the alert threshold", severity: Severity::Warning, remediation: "Rate Limited (P2): check the workspace's rate limits and the retry backoff; spread the traffic." },
    Decl { id: CheckId::DeployAuth, step: Step::Alerts, title: "No 401 from Mistral", severity: Severity::Error, remediation: "Auth Failure (P1): the key in this deployment is wrong, revoked or missing; fix the secret (see the key rotation procedure)." },
    Decl { id: CheckId::DeployCircuit, step: Step::Alerts, title: "Circuit breaker stayed closed", severity: Severity::Warning, remediation: "Circuit Open (P2): investigate Mistral's availability; the breaker resets on its own when calls succeed." },
    Decl { id: CheckId::DeployCost, step: Step::Alerts, title: "Spend under the alert threshold", severity: Severity::Info, remediation: "Cost Spike (P3): look for a loop or a missing max-tokens in the new version; check the budget alerts." },
    Decl { id: CheckId::RolloutComplete, step: Step::Rollout, title: "New revision fully rolled out", severity: Severity::Error, remediation: "Read `kubectl rollout status` and the new pods' events; the report says what state the Deployment is in." },
    Decl { id: CheckId::Rollback, step: Step::Rollout, title: "Rollback not needed, or done and healthy", severity: Severity::Error, remediation: "Roll back by hand now (`kubectl rollout undo deployment/NAME`), then verify; the report says what state the Deployment is in." },
];

/// A result before the config's tuning: status and message.
type Outcome = (Status, String);

/// The eleven results, in contract order, with the config's severities and
/// `enabled = false` applied.
pub fn judge(obs: &Observations, config: &Config) -> Vec<CheckResult> {
    DECLS
        .iter()
        .map(|d| {
            let tuning = config.check(d.id.as_str());
            let (status, message) = if tuning.enabled {
                outcome(d.id, obs)
            } else {
                (
                    Status::Skip,
                    "disabled in the configuration file".to_string(),
                )
            };
            CheckResult {
                id: d.id,
                step: d.step,
                title: d.title.to_string(),
                status,
                severity: tuning.severity.unwrap_or(d.severity),
                blocking: false,
                new: None,
                message,
                remediation: d.remediation.to_string(),
                evidence: Vec::new(),
                evidence_omitted: 0,
            }
        })
        .collect()
}

fn outcome(id: CheckId, obs: &Observations) -> Outcome {
    match id {
        CheckId::DeployHealth => health(obs),
        CheckId::DeployLatency => latency(obs),
        CheckId::DeploySmoke => smoke(obs),
        CheckId::RolloutComplete => rollout(obs),
        CheckId::Rollback => rollback(obs),
        metric => metric_check(metric, obs),
    }
}

fn health(obs: &Observations) -> Outcome {
    let probes = &obs.health;
    if probes.is_empty() {
        return (
            Status::Skip,
            match &obs.failure {
                Some(why) => format!("no health probe ran: {why}"),
                None => "no health probe ran".into(),
            },
        );
    }
    let failed: Vec<&HealthProbe> = probes
        .iter()
        .filter(|p| matches!(p.outcome, HealthOutcome::Failed(_)))
        .collect();
    let degraded: Vec<&HealthProbe> = probes
        .iter()
        .filter(|p| matches!(p.outcome, HealthOutcome::Degraded(_)))
        .collect();
    let summary = format!(
        "{} of {} probes of {} healthy",
        probes.len() - failed.len() - degraded.len(),
        probes.len(),
        obs.health_url
    );
    let first = |ps: &[&HealthProbe]| match &ps[0].outcome {
        HealthOutcome::Failed(m) | HealthOutcome::Degraded(m) => {
            format!("at {:.0}s: {m}", ps[0].at)
        }
        HealthOutcome::Healthy => String::new(),
    };
    if !failed.is_empty() {
        (
            Status::Fail,
            format!(
                "{summary}; {} failed, first {}",
                failed.len(),
                first(&failed)
            ),
        )
    } else if !degraded.is_empty() {
        (
            Status::Warn,
            format!(
                "{summary}; {} degraded, first {}",
                degraded.len(),
                first(&degraded)
            ),
        )
    } else {
        (Status::Pass, summary)
    }
}

fn latency(obs: &Observations) -> Outcome {
    let answered: Vec<u64> = obs
        .health
        .iter()
        .filter(|p| !matches!(p.outcome, HealthOutcome::Failed(_)))
        .map(|p| p.latency_ms)
        .collect();
    let Some(worst) = answered.iter().copied().max() else {
        return (Status::Skip, "no health probe answered".into());
    };
    let over = answered.iter().filter(|l| **l > obs.max_latency_ms).count();
    if over > 0 {
        (
            Status::Warn,
            format!(
                "{over} of {} answers took longer than {} ms (worst {worst} ms)",
                answered.len(),
                obs.max_latency_ms
            ),
        )
    } else {
        (
            Status::Pass,
            format!(
                "worst health latency {worst} ms of {} answers (limit {} ms)",
                answered.len(),
                obs.max_latency_ms
            ),
        )
    }
}

fn smoke(obs: &Observations) -> Outcome {
    match &obs.smoke {
        None => (
            Status::Skip,
            "no --smoke-path: no smoke request sent".into(),
        ),
        Some(SmokeOutcome::Answered {
            preview,
            latency_ms,
        }) => (
            Status::Pass,
            format!("answered in {latency_ms} ms: {preview}"),
        ),
        Some(SmokeOutcome::Failed(why)) => (Status::Fail, why.clone()),
    }
}

fn metric_check(id: CheckId, obs: &Observations) -> Outcome {
    let Some(readings) = &obs.metrics else {
        return (
            Status::Skip,
            "no --prometheus: the alert-table conditions were not read".into(),
        );
    };
    let Some(r) = readings.iter().find(|r| r.condition.check == id) else {
        return (Status::Skip, "not read (the watch stopped before)".into());
    };
    metric(r)
}

fn metric(r: &MetricReading) -> Outcome {
    let c = r.condition;
    match (r.worst, &r.error) {
        (None, Some(e)) if r.samples == 0 => (
            Status::Error,
            format!("Prometheus did not answer the {} query: {e}", c.name),
        ),
        (None, _) => (
            Status::Pass,
            format!(
                "no data for `{}` over the watch (no series matched: 0 {}; check the metric names if this is unexpected)",
                r.query, c.unit
            ),
        ),
        (Some(v), _) => {
            let text = format!(
                "worst {} {} (alert above {} {}) from `{}`",
                fmt_value(v),
                c.unit,
                fmt_value(r.max),
                c.unit,
                r.query
            );
            if r.over() {
                (Status::Fail, text)
            } else {
                (Status::Pass, text)
            }
        }
    }
}

fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn rollout(obs: &Observations) -> Outcome {
    match &obs.deployment {
        DeploymentOutcome::NotAsked => (
            Status::Skip,
            "no --deployment: the Kubernetes rollout was not checked".into(),
        ),
        DeploymentOutcome::Complete { state } => (Status::Pass, format!("complete: {state}")),
        DeploymentOutcome::Incomplete { why, state } => {
            (Status::Fail, format!("{why}; the Deployment is: {state}"))
        }
        DeploymentOutcome::RolledBack { why, state } => (
            Status::Fail,
            format!("rolled back ({why}); the Deployment is: {state}"),
        ),
        DeploymentOutcome::Interrupted { state } => (
            Status::Error,
            format!(
                "stopped by a signal before the rollout finished; the Deployment is left: {state}"
            ),
        ),
    }
}

fn rollback(obs: &Observations) -> Outcome {
    match &obs.rollback {
        RollbackOutcome::NotNeeded => (Status::Pass, "not needed: nothing failed".into()),
        RollbackOutcome::NotRequested(why) => (Status::Skip, why.clone()),
        RollbackOutcome::Failed { why, state } => (
            Status::Error,
            format!("rollback failed: {why}; the Deployment is: {state}"),
        ),
        RollbackOutcome::Done {
            revision,
            state,
            health,
            smoke,
        } => {
            let bad_health = health
                .iter()
                .find(|p| matches!(p.outcome, HealthOutcome::Failed(_)));
            let bad_smoke = match smoke {
                Some(SmokeOutcome::Failed(why)) => Some(why),
                _ => None,
            };
            match (bad_health, bad_smoke, health.is_empty()) {
                (Some(p), _, _) => (
                    Status::Fail,
                    format!(
                        "rolled back to revision {revision}, but it is unhealthy: {}; the Deployment is: {state}",
                        match &p.outcome {
                            HealthOutcome::Failed(m) => m.as_str(),
                            _ => "",
                        }
                    ),
                ),
                (None, Some(why), _) => (
                    Status::Fail,
                    format!("rolled back to revision {revision}, but the smoke request fails: {why}; the Deployment is: {state}"),
                ),
                (None, None, true) => (
                    Status::Fail,
                    format!("rolled back to revision {revision}, but not verified; the Deployment is: {state}"),
                ),
                (None, None, false) => (
                    Status::Pass,
                    format!("rolled back to revision {revision} and verified healthy; the Deployment is: {state}"),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::prometheus::CONDITIONS;

    fn probe(outcome: HealthOutcome, latency_ms: u64) -> HealthProbe {
        HealthProbe {
            at: 1.0,
            outcome,
            latency_ms,
        }
    }

    fn obs() -> Observations {
        Observations {
            health_url: "http://svc/health".into(),
            max_latency_ms: 100,
            ..Default::default()
        }
    }

    fn status(results: &[CheckResult], id: &str) -> Status {
        results.iter().find(|r| r.id.as_str() == id).unwrap().status
    }

    #[test]
    fn the_table_is_the_contract_order_of_deploy_ids() {
        let ids: Vec<CheckId> = DECLS.iter().map(|d| d.id).collect();
        assert_eq!(ids, CheckId::DEPLOY);
    }

    #[test]
    fn health_and_latency_statuses() {
        let mut o = obs();
        o.health = vec![probe(HealthOutcome::Healthy, 10)];
        let r = judge(&o, &Config::default());
        assert_eq!(
            status(&r, crate::vocab::CheckId::DeployHealth.as_str()),
            Status::Pass
        );
        assert_eq!(
            status(&r, crate::vocab::CheckId::DeployLatency.as_str()),
            Status::Pass
        );
        assert_eq!(
            status(&r, crate::vocab::CheckId::DeploySmoke.as_str()),
            Status::Skip
        );
        assert_eq!(
            status(&r, crate::vocab::CheckId::DeployErrorRate.as_str()),
            Status::Skip
        );
        assert_eq!(
            status(&r, crate::vocab::CheckId::RolloutComplete.as_str()),
            Status::Skip
        );
        assert_eq!(
            status(&r, crate::vocab::CheckId::Rollback.as_str()),
            Status::Pass
        );
        o.health
            .push(probe(HealthOutcome::Degraded("degraded".into()), 150));
        let r = judge(&o, &Config::default());
        assert_eq!(
            status(&r, crate::vocab::CheckId::DeployHealth.as_str()),
            Status::Warn
        );
        assert_eq!(
            status(&r, crate::vocab::CheckId::DeployLatency.as_str()),
            Status::Warn
        );
        o.health.push(probe(HealthOutcome::Failed("503".into()), 0));
        let r = judge(&o, &Config::default());
        assert_eq!(
            status(&r, crate::vocab::CheckId::DeployHealth.as_str()),
            Status::Fail
        );
    }

    #[test]
    fn metrics_fail_only_above_their_threshold() {
        let mut o = obs();
        let reading = |worst: Option<f64>, error: Option<&str>| MetricReading {
            condition: &CONDITIONS[0],
            query: "q".into(),
            max: 10.0,
            worst,
            samples: usize::from(worst.is_some()),
            error: error.map(String::from),
        };
        for (worst, error, want) in [
            (Some(10.0), None, Status::Pass),
            (Some(10.5), None, Status::Fail),
            (None, None, Status::Pass),
            (None, Some("refused"), Status::Error),
        ] {
            o.metrics = Some(vec![reading(worst, error)]);
            let r = judge(&o, &Config::default());
            assert_eq!(
                status(&r, crate::vocab::CheckId::DeployErrorRate.as_str()),
                want,
                "{worst:?}"
            );
        }
    }

    #[test]
    fn a_failed_rollback_is_an_error_that_states_the_deployment() {
        let mut o = obs();
        o.rollback = RollbackOutcome::Failed {
            why: "no rollout history".into(),
            state: "paused at revision 2".into(),
        };
        let r = judge(&o, &Config::default());
        let rb = r
            .iter()
            .find(|r| r.id.as_str() == crate::vocab::CheckId::Rollback.as_str())
            .unwrap();
        assert_eq!(rb.status, Status::Error);
        assert!(rb.message.contains("paused at revision 2"));
    }
}
