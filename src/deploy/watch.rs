//! The run itself: the steps of `rollout` and `verify`, the watch window, and the
//! progress shown while watching.
//!
//! `rollout`: set the image, wait for the first new pod (the canary), pause, watch for
//! the window, resume, wait until rolled out, verify once more. `verify`: the watch
//! alone. A failure whose check would fail the run (the command passes that set in
//! [`crate::deploy::Plan`]'s `rollback_on`) ends the watch at once; then, for `rollout`
//! and `verify --rollback`, the Deployment is rolled back, waited for, and verified
//! again. A signal ends the watch; the Deployment is left paused when the canary phase
//! had begun (paused now if it was not yet), and as it is otherwise. Every step is
//! recorded in [`Observations`]; nothing here decides a status.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::report::CheckId;

use super::kube::{Cluster, ClusterError, RolloutStatus};
use super::probe::Prober;
use super::prometheus::Prometheus;
use super::signals::Cancel;
use super::{
    DeploymentOutcome, HealthOutcome, HealthProbe, MetricReading, Mode, Observations, Plan,
    RollbackOutcome, SmokeOutcome,
};

/// How many health probes verify the rolled-back revision.
const ROLLBACK_PROBES: usize = 2;

/// Progress on stderr: one line redrawn on a terminal, plain lines otherwise.
pub struct Progress {
    tty: bool,
    out: Box<dyn Write + Send>,
    drawn: bool,
}

impl Progress {
    pub fn new(out: Box<dyn Write + Send>, tty: bool) -> Progress {
        Progress {
            tty,
            out,
            drawn: false,
        }
    }

    /// The watch's state (redrawn in place on a terminal).
    pub fn status(&mut self, text: &str) {
        if self.tty {
            let _ = write!(self.out, "\r\x1b[2K{text}");
            self.drawn = true;
        } else {
            let _ = writeln!(self.out, "{text}");
        }
        let _ = self.out.flush();
    }

    /// A step: always its own line.
    pub fn note(&mut self, text: &str) {
        self.end_line();
        let _ = writeln!(self.out, "mistral-gate: {text}");
        let _ = self.out.flush();
    }

    fn end_line(&mut self) {
        if self.drawn {
            let _ = writeln!(self.out);
            self.drawn = false;
        }
    }
}

enum WatchEnd {
    Ok,
    Failed(String),
    Cancelled,
}

/// Runs the plan. Never fails: what went wrong is in the observations.
pub async fn run(
    plan: &Plan,
    prober: &Prober,
    prometheus: Option<&Prometheus>,
    cancel: &Cancel,
    progress: &mut Progress,
) -> Observations {
    let mut r = Runner {
        plan,
        prober,
        prometheus,
        cancel,
        progress,
        obs: Observations {
            health_url: prober.health_url(),
            max_latency_ms: plan.probes.max_latency_ms,
            metrics: plan.metrics.as_ref().map(|m| {
                m.queries
                    .iter()
                    .map(|(c, q, max)| MetricReading {
                        condition: c,
                        query: q.clone(),
                        max: *max,
                        worst: None,
                        samples: 0,
                        error: None,
                    })
                    .collect()
            }),
            ..Default::default()
        },
        cluster: None,
    };
    r.run().await;
    r.progress.end_line();
    r.obs
}

struct Runner<'a> {
    plan: &'a Plan,
    prober: &'a Prober,
    prometheus: Option<&'a Prometheus>,
    cancel: &'a Cancel,
    progress: &'a mut Progress,
    obs: Observations,
    cluster: Option<Cluster>,
}

impl Runner<'_> {
    async fn run(&mut self) {
        if let Some(t) = &self.plan.deployment {
            match Cluster::connect(&t.name, t.namespace.as_deref(), t.context.as_deref()).await {
                Ok(c) => self.cluster = Some(c),
                Err(e) => {
                    self.obs.deployment = DeploymentOutcome::Incomplete {
                        why: e.to_string(),
                        state: format!(
                            "deployment/{}: unknown (the cluster could not be reached)",
                            t.name
                        ),
                    };
                    self.obs.rollback =
                        RollbackOutcome::NotRequested("the cluster could not be reached".into());
                    if matches!(self.plan.mode, Mode::Rollout { .. }) {
                        self.obs.failure = Some(e.to_string());
                        return;
                    }
                }
            }
        }
        match self.plan.mode.clone() {
            Mode::Rollout { image, container } => self.rollout(&image, container.as_deref()).await,
            Mode::Verify { rollback } => self.verify(rollback).await,
        }
    }

    async fn state(&self) -> String {
        match &self.cluster {
            Some(c) => c.describe().await,
            None => "unknown".into(),
        }
    }

    async fn rollout(&mut self, image: &str, container: Option<&str>) {
        let Some(cluster) = self.cluster.as_ref() else {
            return;
        };
        self.progress.note(&format!(
            "setting image {image} on deployment/{} in {}",
            cluster.name, cluster.namespace
        ));
        match cluster.set_image(container, image).await {
            Ok((name, before)) => self.progress.note(&format!(
                "container {name}: {before} -> {image}; waiting for the canary"
            )),
            Err(e) => {
                let state = self.state().await;
                self.obs.failure = Some(format!("set image failed: {e}"));
                self.obs.deployment = DeploymentOutcome::Incomplete {
                    why: format!("set image failed: {e}"),
                    state,
                };
                self.obs.rollback = RollbackOutcome::NotRequested(
                    "the image was not changed: nothing to roll back".into(),
                );
                return;
            }
        }
        let canary = cluster
            .wait_canary(self.plan.rollout_timeout, self.cancel)
            .await;
        let canary = match canary {
            Ok(()) => cluster.pause().await.map(|()| {
                self.progress.note("canary ready: rollout paused; watching");
            }),
            Err(e) => Err(e),
        };
        match canary {
            Err(ClusterError::Cancelled) => return self.interrupted(true).await,
            Err(e) => {
                return self
                    .roll_back(format!("the canary did not come up: {e}"))
                    .await
            }
            Ok(()) => {}
        }
        match self.watch(true).await {
            WatchEnd::Cancelled => return self.interrupted(true).await,
            WatchEnd::Failed(why) => return self.roll_back(why).await,
            WatchEnd::Ok => {}
        }
        let cluster = self.cluster.as_ref().expect("connected");
        self.progress.note("canary healthy: resuming the rollout");
        let done = match cluster.resume().await {
            Ok(()) => {
                cluster
                    .wait_complete(self.plan.rollout_timeout, self.cancel)
                    .await
            }
            Err(e) => Err(e),
        };
        match done {
            Err(ClusterError::Cancelled) => return self.interrupted(false).await,
            Err(e) => {
                return self
                    .roll_back(format!("the rollout did not complete: {e}"))
                    .await
            }
            Ok(()) => {}
        }
        // Step 5 once more, on the whole new revision.
        self.progress.note("rolled out; verifying the new revision");
        match self.round(0.0, false).await {
            Some(why) => self.roll_back(why).await,
            None => {
                self.obs.deployment = DeploymentOutcome::Complete {
                    state: self.state().await,
                };
            }
        }
    }

    async fn verify(&mut self, rollback: bool) {
        match self.watch(true).await {
            WatchEnd::Cancelled => {
                if self.cluster.is_some() {
                    self.interrupted(false).await;
                }
                return;
            }
            WatchEnd::Failed(why) if rollback && self.cluster.is_some() => {
                return self.roll_back(why).await
            }
            WatchEnd::Failed(why) => {
                self.obs.failure = Some(why);
                self.obs.rollback =
                    RollbackOutcome::NotRequested(if self.plan.deployment.is_none() {
                        "no --deployment: roll back by hand (`kubectl rollout undo`)".into()
                    } else if self.cluster.is_none() {
                        "the cluster could not be reached".into()
                    } else {
                        "no --rollback: roll back by hand (`kubectl rollout undo`)".into()
                    });
            }
            WatchEnd::Ok => {}
        }
        if let Some(c) = &self.cluster {
            self.obs.deployment = match c.get().await {
                Ok(d) => match super::kube::rollout_status(&d) {
                    RolloutStatus::Done(_) => DeploymentOutcome::Complete {
                        state: super::kube::describe(&d),
                    },
                    RolloutStatus::Waiting(m) | RolloutStatus::Stuck(m) => {
                        DeploymentOutcome::Incomplete {
                            why: m,
                            state: super::kube::describe(&d),
                        }
                    }
                },
                Err(e) => DeploymentOutcome::Incomplete {
                    why: e.to_string(),
                    state: "unknown".into(),
                },
            };
        }
    }

    /// Leaves the Deployment paused (when `paused_phase`) and says so.
    async fn interrupted(&mut self, paused_phase: bool) {
        if let (true, Some(c)) = (paused_phase, &self.cluster) {
            if let Err(e) = c.pause().await {
                self.progress
                    .note(&format!("could not pause the rollout: {e}"));
            }
        }
        self.obs.deployment = DeploymentOutcome::Interrupted {
            state: self.state().await,
        };
        self.obs.rollback =
            RollbackOutcome::NotRequested("stopped by a signal: no rollback was attempted".into());
    }

    /// Step 6: undo, wait, verify.
    async fn roll_back(&mut self, why: String) {
        self.progress
            .note(&format!("verification failed ({why}); rolling back"));
        self.obs.failure = Some(why.clone());
        let Some(cluster) = self.cluster.as_ref() else {
            return;
        };
        let cancel_free = Cancel::never();
        let revision = match cluster.undo().await {
            Ok(rev) => rev,
            Err(e) => {
                self.obs.rollback = RollbackOutcome::Failed {
                    why: e.to_string(),
                    state: cluster.describe().await,
                };
                self.obs.deployment = DeploymentOutcome::Incomplete {
                    why,
                    state: cluster.describe().await,
                };
                return;
            }
        };
        self.progress.note(&format!(
            "rolled back to revision {revision}; waiting for it"
        ));
        // A rollback is not interrupted by the first signal: it is the safe state.
        if let Err(e) = cluster
            .wait_complete(self.plan.rollout_timeout, &cancel_free)
            .await
        {
            let state = cluster.describe().await;
            self.obs.rollback = RollbackOutcome::Failed {
                why: format!("the rollback to revision {revision} did not complete: {e}"),
                state: state.clone(),
            };
            self.obs.deployment = DeploymentOutcome::Incomplete { why, state };
            return;
        }
        let mut health = Vec::new();
        let started = Instant::now();
        for i in 0..ROLLBACK_PROBES {
            if i > 0 {
                tokio::time::sleep(self.plan.interval.min(Duration::from_secs(5))).await;
            }
            let (outcome, latency_ms) = self.prober.health().await;
            health.push(HealthProbe {
                at: started.elapsed().as_secs_f64(),
                outcome,
                latency_ms,
            });
        }
        let smoke = self.prober.smoke().await;
        let state = cluster.describe().await;
        self.obs.deployment = DeploymentOutcome::RolledBack {
            why,
            state: state.clone(),
        };
        self.obs.rollback = RollbackOutcome::Done {
            revision,
            state,
            health,
            smoke,
        };
    }

    /// Probes every interval for the window; `Failed` at the first failure that blocks.
    async fn watch(&mut self, with_smoke: bool) -> WatchEnd {
        let started = Instant::now();
        let wall = unix_now();
        let window = self.plan.window;
        let mut first = true;
        loop {
            if let Some(why) = self
                .round(started.elapsed().as_secs_f64(), first && with_smoke)
                .await
            {
                return WatchEnd::Failed(why);
            }
            first = false;
            let elapsed = started.elapsed();
            if elapsed >= window {
                break;
            }
            if self
                .cancel
                .sleep(self.plan.interval.min(window - elapsed))
                .await
            {
                return WatchEnd::Cancelled;
            }
        }
        if let (Some(p), false) = (self.prometheus, window.is_zero()) {
            let end = unix_now();
            for i in 0..self.obs.metrics.as_ref().map_or(0, Vec::len) {
                let q = self.obs.metrics.as_ref().expect("metrics")[i].query.clone();
                let answer = p.range(&q, wall, end, self.plan.interval).await;
                record(&mut self.obs.metrics.as_mut().expect("metrics")[i], answer);
            }
            if let Some(why) = self.metric_failure() {
                return WatchEnd::Failed(why);
            }
        }
        WatchEnd::Ok
    }

    /// One round: a health probe, the smoke request when asked, each metric. Returns
    /// the failure that blocks, if any.
    async fn round(&mut self, at: f64, smoke: bool) -> Option<String> {
        let (outcome, latency_ms) = self.prober.health().await;
        let health_failure = match &outcome {
            HealthOutcome::Failed(m) if self.blocks(CheckId::DeployHealth) => {
                Some(format!("health probe failed: {m}"))
            }
            _ => None,
        };
        self.obs.health.push(HealthProbe {
            at,
            outcome,
            latency_ms,
        });
        if smoke && self.prober.has_smoke() {
            let s = self.prober.smoke().await;
            if let Some(SmokeOutcome::Failed(m)) = &s {
                if self.blocks(CheckId::DeploySmoke) && health_failure.is_none() {
                    self.obs.smoke = s.clone();
                    return Some(format!("smoke request failed: {m}"));
                }
            }
            self.obs.smoke = s;
        }
        if let Some(p) = self.prometheus {
            for i in 0..self.obs.metrics.as_ref().map_or(0, Vec::len) {
                let q = self.obs.metrics.as_ref().expect("metrics")[i].query.clone();
                let answer = p.instant(&q).await;
                record(&mut self.obs.metrics.as_mut().expect("metrics")[i], answer);
            }
        }
        self.show_round(at);
        health_failure.or_else(|| self.metric_failure())
    }

    fn blocks(&self, id: CheckId) -> bool {
        self.plan.rollback_on.contains(&id)
    }

    fn metric_failure(&self) -> Option<String> {
        self.obs.metrics.iter().flatten().find_map(|r| {
            (r.over() && self.blocks(r.condition.check)).then(|| {
                format!(
                    "{} at {} {} (alert above {})",
                    r.condition.name,
                    r.worst.unwrap_or(0.0),
                    r.condition.unit,
                    r.max
                )
            })
        })
    }

    fn show_round(&mut self, at: f64) {
        let probes = &self.obs.health;
        let healthy = probes
            .iter()
            .filter(|p| p.outcome == HealthOutcome::Healthy)
            .count();
        let mut text = format!(
            "watch {:.0}s/{}s: {healthy}/{} probes healthy, last {} ms",
            at,
            self.plan.window.as_secs(),
            probes.len(),
            probes.last().map_or(0, |p| p.latency_ms)
        );
        for r in self.obs.metrics.iter().flatten() {
            text.push_str(&format!(
                ", {} {}",
                r.condition.name,
                r.worst.map_or("-".to_string(), |v| format!("{v:.1}"))
            ));
        }
        self.progress.status(&text);
    }
}

fn record(r: &mut MetricReading, answer: Result<Option<f64>, String>) {
    match answer {
        Ok(v) => {
            r.samples += 1;
            if let Some(v) = v {
                r.worst = Some(r.worst.map_or(v, |w| w.max(v)));
            }
        }
        Err(e) => r.error = Some(e),
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
