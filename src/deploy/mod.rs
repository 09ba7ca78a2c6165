//! `verify` and `rollout`: the checklist's deploy-time steps 4 to 6, executed.
//!
//! The same pipeline shape as `check`, with the running service and its cluster as the
//! input instead of a repository: [`watch`] drives the probes ([`probe`]), the metric
//! queries ([`prometheus`]) and the Kubernetes calls ([`kube`]) and records what it saw
//! as [`Observations`]; [`checks`] turns them into the eleven results of CHECKS.md
//! ("After the deploy"), purely; the command feeds those to the shared report and
//! renderers. [`signals`] lets Ctrl-C or SIGTERM stop a watch with the Deployment left
//! in a stated condition; [`redact`] keeps keys out of every body shown.

pub mod checks;
pub mod kube;
pub mod probe;
pub mod prometheus;
pub mod redact;
pub mod signals;
pub mod watch;

use std::time::Duration;

/// Which command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `verify`: watch the running service; roll back on failure when asked.
    Verify { rollback: bool },
    /// `rollout`: set the image, canary, watch, resume or roll back.
    Rollout {
        image: String,
        container: Option<String>,
    },
}

/// Where the Deployment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub namespace: Option<String>,
    pub context: Option<String>,
}

/// Everything a run needs, validated by the command.
#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: Mode,
    pub probes: probe::ProbeSpec,
    pub metrics: Option<prometheus::MetricsSpec>,
    pub deployment: Option<Target>,
    pub window: Duration,
    pub interval: Duration,
    pub rollout_timeout: Duration,
    /// The checks whose failure ends the watch and calls for a rollback: those that
    /// would fail the run under its policy.
    pub rollback_on: Vec<crate::report::CheckId>,
}

/// One health probe as the gate saw it (messages already redacted).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthProbe {
    /// Seconds from the start of the phase it belongs to.
    pub at: f64,
    pub outcome: HealthOutcome,
    /// The round trip of the answer judged (the last attempt), in ms.
    pub latency_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HealthOutcome {
    /// 2xx, and `status` is `healthy` (or absent).
    Healthy,
    /// 2xx with `status: degraded` (or a status the gate does not know), said why.
    Degraded(String),
    /// Non-2xx, no answer, or `status: unhealthy`, said why.
    Failed(String),
}

/// The smoke request's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum SmokeOutcome {
    /// 2xx and the pointer holds a value (a redacted preview of it).
    Answered {
        preview: String,
        latency_ms: u64,
    },
    Failed(String),
}

/// One alert-table condition read from Prometheus over the watch.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricReading {
    pub condition: &'static prometheus::Condition,
    pub query: String,
    pub max: f64,
    /// The worst value seen (instant queries each round, and the window's range).
    pub worst: Option<f64>,
    /// How many queries answered with data.
    pub samples: usize,
    /// The last query error, when no query answered.
    pub error: Option<String>,
}

impl MetricReading {
    pub fn over(&self) -> bool {
        self.worst.is_some_and(|v| v > self.max)
    }
}

/// What happened to the Deployment.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum DeploymentOutcome {
    /// No `--deployment`.
    #[default]
    NotAsked,
    /// The new revision (or, for `verify`, the current one) is fully rolled out.
    Complete { state: String },
    /// Not complete, with why and the Deployment's state.
    Incomplete { why: String, state: String },
    /// Rolled back because verification failed.
    RolledBack { why: String, state: String },
    /// Stopped by a signal; the Deployment is left as `state` says.
    Interrupted { state: String },
}

/// The rollback (step 6).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum RollbackOutcome {
    /// Nothing failed, or no rollback was possible or asked (`why`).
    #[default]
    NotNeeded,
    NotRequested(String),
    /// Performed; `health` holds the verification after it.
    Done {
        revision: String,
        state: String,
        health: Vec<HealthProbe>,
        smoke: Option<SmokeOutcome>,
    },
    /// The undo or its rollout failed: the Deployment is in `state`.
    Failed {
        why: String,
        state: String,
    },
}

/// Everything a run observed: the input of [`checks::judge`].
#[derive(Debug, Clone, Default)]
pub struct Observations {
    pub health_url: String,
    pub max_latency_ms: u64,
    pub health: Vec<HealthProbe>,
    /// `None`: no `--smoke-path`.
    pub smoke: Option<SmokeOutcome>,
    /// `None`: no `--prometheus`.
    pub metrics: Option<Vec<MetricReading>>,
    pub deployment: DeploymentOutcome,
    pub rollback: RollbackOutcome,
    /// Whether a failure was seen (and so a rollback was called for).
    pub failure: Option<String>,
}

/// What the run leaves behind for the reader, printed last.
pub fn final_statement(obs: &Observations) -> Option<String> {
    match (&obs.deployment, &obs.rollback) {
        (_, RollbackOutcome::Failed { state, .. }) => {
            Some(format!("rollback failed; the Deployment is now: {state}"))
        }
        (_, RollbackOutcome::Done { state, .. }) => {
            Some(format!("rolled back; the Deployment is now: {state}"))
        }
        (DeploymentOutcome::Interrupted { state }, _) => Some(format!(
            "stopped by a signal; the Deployment is left: {state}"
        )),
        (DeploymentOutcome::Complete { state }, _)
        | (DeploymentOutcome::Incomplete { state, .. }, _)
        | (DeploymentOutcome::RolledBack { state, .. }, _) => {
            Some(format!("the Deployment is now: {state}"))
        }
        (DeploymentOutcome::NotAsked, _) => None,
    }
}
