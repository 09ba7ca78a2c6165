//! Gradual rollout, post-deploy verification, rollback readiness (checklist steps 4-6).
//!
//! All three need something deployed: Kubernetes workloads (plain, Kustomize, Helm,
//! Argo Rollouts) or a CI workflow that deploys. Without either they `skip`.
//!
//! Documents of the same kind and name (a Kustomize base and its overlays' patches)
//! are one workload: probes from any of them count, and a setting written in an
//! overlay wins over the base; among several overlays the weakest setting decides.

use std::collections::BTreeMap;

use super::util::{dedup, evidence_for, plural, with_problems, EVIDENCE_LIMIT};
use super::{CheckDecl, Ctx, Outcome, Scope};
use crate::health_path::is_health_path;
use crate::ops::commands::Action;
use crate::ops::docs::{Coverage, Topic};
use crate::ops::k8s::{ProgressiveKind, Setting, Strategy, Text, Workload, WorkloadKind};
use crate::ops::procedures::{Procedure, ProcedureKind};
use crate::ops::{Area, Problem, Step};
use crate::vocab::{CheckId, Evidence, EvidenceStatus, Severity, Status, Step as ChecklistStep};

/// The deployment rolls out gradually: a readiness probe on the health path and an
/// update that keeps capacity (`maxUnavailable: 0`, a canary, a paused stage), so that
/// a release broken against Mistral never replaces every healthy pod at once.
pub static GRADUAL_ROLLOUT: CheckDecl = CheckDecl {
    id: CheckId::GradualRollout,
    step: ChecklistStep::Rollout,
    title: "Gradual rollout",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Give the Deployment a readiness probe on /health and a RollingUpdate with maxUnavailable: 0, or use a canary (Argo Rollouts, a paused deploy stage)",
    run: gradual_rollout,
};

/// The deploy workflow checks health and sends a smoke request after deploying: a
/// deploy is done when it is seen working, not when the command returns.
pub static POST_DEPLOY_VERIFICATION: CheckDecl = CheckDecl {
    id: CheckId::PostDeployVerification,
    step: ChecklistStep::Rollout,
    title: "Post-deployment verification",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "After the deploy step, curl the /health endpoint and send one smoke request",
    run: post_deploy_verification,
};

/// Rollback is possible (revision history kept) and written down (`kubectl rollout
/// undo`, a rollback job, a runbook section): an emergency is no time to find out how.
pub static ROLLBACK_READY: CheckDecl = CheckDecl {
    id: CheckId::RollbackReady,
    step: ChecklistStep::Rollout,
    title: "Emergency rollback ready",
    severity: Severity::Warning,
    scope: Scope::MistralUsage,
    remediation: "Keep revisionHistoryLimit above 0 and write down the rollback (kubectl rollout undo) in a runbook or a workflow job",
    run: rollback_ready,
};

/// What is deployed, or `None` (the checks skip).
struct Deployment<'a> {
    workloads: Vec<Merged<'a>>,
    /// Workflows and scripts that deploy, with their expanded steps.
    deployers: Vec<(&'a Procedure, Vec<Step<'a>>)>,
    problems: Vec<&'a Problem>,
}

/// One workload, merged over the documents that describe it.
struct Merged<'a> {
    kind: WorkloadKind,
    /// The name, with `{{…}}` for a part a template fills in.
    name: String,
    docs: Vec<&'a Workload>,
}

impl<'a> Merged<'a> {
    fn first(&self) -> &'a Workload {
        self.docs[0]
    }
    fn label(&self) -> String {
        format!("{} {}", self.kind.name(), self.name)
    }
    /// The documents whose explicit settings count: overlays when any sets `pick`.
    fn settings<T>(&self, pick: impl Fn(&'a Workload) -> Option<T>) -> Vec<(T, &'a Workload)> {
        let overlay: Vec<_> = self
            .docs
            .iter()
            .filter(|w| w.overlay)
            .filter_map(|w| pick(w).map(|t| (t, *w)))
            .collect();
        if !overlay.is_empty() {
            return overlay;
        }
        self.docs
            .iter()
            .filter_map(|w| pick(w).map(|t| (t, *w)))
            .collect()
    }
}

const NO_DEPLOYMENT: &str =
    "no deployment files: no Kubernetes, Helm, Kustomize or Argo Rollouts manifests and no CI workflow that deploys";

/// What is deployed, leaving out the workloads a user silenced for the running check
/// (in the config's `ignore-paths`, or by a `mistral-gate: ignore <id>` comment at the
/// top of the document or on its `kind:` line).
fn deployment<'a>(ctx: &Ctx<'a>) -> Option<Deployment<'a>> {
    let ops = &ctx.facts.ops;
    // Templated names (`{{ include "app.fullname" . }}`) all read the same: those are
    // told apart by their template file.
    let mut groups: BTreeMap<(WorkloadKind, String, Option<&str>), Vec<&Workload>> =
        BTreeMap::new();
    for w in ops
        .workloads
        .iter()
        .filter(|w| !ctx.suppressed(&w.path, w.start) && !ctx.suppressed(&w.path, w.line))
    {
        let templated = matches!(w.name, Text::Templated { .. });
        let key = (
            w.kind,
            w.name.shown().to_string(),
            templated.then_some(w.path.as_str()),
        );
        groups.entry(key).or_default().push(w);
    }
    let workloads: Vec<Merged> = groups
        .into_iter()
        .map(|((kind, name, _), docs)| Merged { kind, name, docs })
        .collect();
    let deployers: Vec<_> = ops
        .procedures
        .iter()
        .map(|p| (p, ops.expand(p)))
        .filter(|(_, steps)| steps.iter().any(|s| *s.action == Action::Deploy))
        .collect();
    let problems: Vec<&Problem> = ops.problems_in(Area::Deploy).collect();
    let ci_deploys = deployers
        .iter()
        .any(|(p, _)| p.kind == ProcedureKind::CiWorkflow);
    let manifests = !workloads.is_empty()
        || !ops.markers.is_empty()
        || !ops.progressive.is_empty()
        || !ops.hooks.is_empty()
        || !problems.is_empty();
    (manifests || ci_deploys).then_some(Deployment {
        workloads,
        deployers,
        problems,
    })
}

/// How a workload stands on one requirement.
enum Verdict {
    Yes(Evidence),
    No(Evidence),
    Unknown(Evidence),
}

fn readiness(m: &Merged) -> Verdict {
    let probes: Vec<_> = m
        .docs
        .iter()
        .flat_map(|w| w.readiness.iter().map(move |p| (p, *w)))
        .collect();
    if let Some((p, w, x)) = probes.iter().find_map(|(p, w)| match &p.http_path {
        Some(Text::Literal(x)) if is_health_path(x) => Some((p, w, x)),
        _ => None,
    }) {
        return Verdict::Yes(
            Evidence::pass(
                &w.path,
                p.line,
                format!(
                    "{}: readiness probe GET {x} on container {}",
                    m.label(),
                    p.container
                ),
            )
            .about(format!("{} readiness", m.label())),
        );
    }
    if let Some((p, w)) = probes
        .iter()
        .find(|(p, _)| matches!(p.http_path, Some(Text::Templated { .. })))
    {
        return Verdict::Unknown(
            Evidence::warn(
                &w.path,
                p.line,
                format!(
                    "{}: readiness probe path set by a template: value not visible statically",
                    m.label()
                ),
            )
            .about(format!("{} readiness", m.label())),
        );
    }
    match probes.first() {
        Some((p, w)) => Verdict::No(
            Evidence::fail(
                &w.path,
                p.line,
                format!(
                    "{}: readiness probe uses {}, not the health path",
                    m.label(),
                    p.http_path.as_ref().map_or(p.handler.clone(), |x| format!(
                        "{} {}",
                        p.handler,
                        x.shown()
                    ))
                ),
            )
            .about(format!("{} readiness", m.label())),
        ),
        None => Verdict::No(
            Evidence::fail(
                &m.first().path,
                m.first().line,
                format!("{}: no readiness probe", m.label()),
            )
            .about(format!("{} readiness", m.label())),
        ),
    }
}

/// Whether an update keeps serving capacity (or is a canary).
fn keeps_capacity(m: &Merged) -> Verdict {
    let set = m.settings(|w| w.strategy.clone());
    let label = m.label();
    let mut verdicts: Vec<Verdict> = set
        .iter()
        .map(|((strategy, line), w)| {
            let at = |msg: String| {
                Evidence::pass(&w.path, *line, format!("{label}: {msg}"))
                    .about(format!("{label} strategy"))
            };
            match strategy {
                Strategy::Canary { steps } => Verdict::Yes(at(format!(
                    "Argo Rollouts canary strategy with {steps} step{}",
                    plural(*steps)
                ))),
                Strategy::BlueGreen => Verdict::Yes(at("Argo Rollouts blue-green strategy".into())),
                Strategy::Partitioned(Setting::Number(n)) if *n > 0 => {
                    Verdict::Yes(at(format!("staged RollingUpdate with partition {n}")))
                }
                Strategy::RollingUpdate {
                    max_unavailable: Some(mu),
                    ..
                } if mu.is_zero() && m.kind != WorkloadKind::StatefulSet => {
                    Verdict::Yes(at("RollingUpdate with maxUnavailable: 0".into()))
                }
                Strategy::RollingUpdate {
                    max_unavailable: Some(Setting::Template),
                    ..
                }
                | Strategy::Template
                | Strategy::Partitioned(Setting::Template) => Verdict::Unknown(at(
                    "update strategy set by a template: value not visible statically".into(),
                )),
                Strategy::RollingUpdate {
                    max_unavailable: Some(mu),
                    ..
                } => Verdict::No(at(format!(
                    "RollingUpdate with maxUnavailable: {} drops capacity",
                    mu.show()
                ))),
                Strategy::RollingUpdate {
                    max_unavailable: None,
                    ..
                } => Verdict::No(at(
                    "RollingUpdate without maxUnavailable: 0 (the default 25% drops capacity)"
                        .into(),
                )),
                Strategy::Recreate => Verdict::No(at(
                    "Recreate strategy stops every pod before starting the new ones".into(),
                )),
                Strategy::OnDelete => Verdict::No(at("OnDelete update strategy".into())),
                Strategy::Partitioned(s) => Verdict::No(at(format!(
                    "RollingUpdate with partition {}: no staged rollout",
                    s.show()
                ))),
            }
        })
        .collect();
    if verdicts.is_empty() {
        let w = m.first();
        let msg = match m.kind {
            WorkloadKind::Rollout => "Rollout without a canary or blue-green strategy",
            _ => "no update strategy (the default RollingUpdate with maxUnavailable 25% drops capacity)",
        };
        return Verdict::No(
            Evidence::fail(&w.path, w.line, format!("{label}: {msg}"))
                .about(format!("{label} strategy")),
        );
    }
    // The weakest setting decides.
    let worst = verdicts
        .iter()
        .position(|v| matches!(v, Verdict::No(_)))
        .or_else(|| {
            verdicts
                .iter()
                .position(|v| matches!(v, Verdict::Unknown(_)))
        })
        .unwrap_or(0);
    verdicts.swap_remove(worst).judged()
}

impl Verdict {
    /// The verdict written on its evidence item (`at` builds every item as `pass`).
    fn judged(self) -> Verdict {
        match self {
            Verdict::Yes(e) => Verdict::Yes(e.status(EvidenceStatus::Pass)),
            Verdict::No(e) => Verdict::No(e.status(EvidenceStatus::Fail)),
            Verdict::Unknown(e) => Verdict::Unknown(e.status(EvidenceStatus::Warn)),
        }
    }
}

fn gradual_rollout(ctx: &Ctx) -> Outcome {
    let ops = &ctx.facts.ops;
    let Some(dep) = deployment(ctx) else {
        return Outcome::skip(NO_DEPLOYMENT);
    };
    // A canary or pause stage in a deploy workflow or script, or a Flagger canary.
    let mut canaries: Vec<Evidence> = dep
        .deployers
        .iter()
        .flat_map(|(_, steps)| {
            steps
                .iter()
                .filter(|s| *s.action == Action::Canary)
                .map(|s| evidence_for(EvidenceStatus::Pass, s, "canary or pause stage"))
        })
        .collect();
    canaries.extend(
        ops.progressive
            .iter()
            .filter(|(k, ..)| *k == ProgressiveKind::FlaggerCanary)
            .map(|(_, n, p, l)| Evidence::pass(p, *l, format!("Flagger Canary {n}"))),
    );
    dedup(&mut canaries);
    let candidates: Vec<&Merged> = {
        let stateless: Vec<&Merged> = dep
            .workloads
            .iter()
            .filter(|m| m.kind != WorkloadKind::StatefulSet)
            .collect();
        if stateless.is_empty() {
            dep.workloads.iter().collect()
        } else {
            stateless
        }
    };
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut unknown = Vec::new();
    let (mut bad_workloads, mut unknown_workloads) = (0, 0);
    for m in &candidates {
        let capacity = keeps_capacity(m);
        // A canary strategy gates on its own analysis and steps; the probe still decides readiness.
        let probe = readiness(m);
        let verdicts = [probe, capacity];
        if verdicts.iter().any(|v| matches!(v, Verdict::No(_))) {
            bad_workloads += 1;
        } else if verdicts.iter().any(|v| matches!(v, Verdict::Unknown(_))) {
            unknown_workloads += 1;
        }
        for v in verdicts {
            match v {
                Verdict::Yes(e) => good.push(e),
                Verdict::No(e) => bad.push(e),
                Verdict::Unknown(e) => unknown.push(e),
            }
        }
    }
    if !canaries.is_empty() {
        let n = canaries.len();
        canaries.truncate(EVIDENCE_LIMIT);
        canaries.extend(good);
        return Outcome::pass(format!(
            "deploys go through a canary or pause stage ({n} found)"
        ))
        .with_evidence(canaries);
    }
    let outcome = if candidates.is_empty() {
        let mut evidence: Vec<Evidence> = ops
            .markers
            .iter()
            .map(|m| {
                Evidence::warn(
                    &m.path,
                    None,
                    format!("{} without a readable workload", m.what),
                )
            })
            .collect();
        evidence.extend(
            dep.deployers
                .iter()
                .filter(|(p, _)| p.kind == ProcedureKind::CiWorkflow)
                .flat_map(|(_, steps)| {
                    steps
                        .iter()
                        .filter(|s| *s.action == Action::Deploy)
                        .take(1)
                        .map(|s| {
                            evidence_for(
                                EvidenceStatus::Fail,
                                s,
                                "deploys without a canary or pause stage",
                            )
                        })
                }),
        );
        if dep
            .deployers
            .iter()
            .any(|(p, _)| p.kind == ProcedureKind::CiWorkflow)
        {
            Outcome::fail("the deploy workflow has no canary or pause stage and no Kubernetes workload was found").with_evidence(evidence)
        } else {
            Outcome::warn("deployment files found but no Deployment, StatefulSet or Rollout could be read: value not visible statically").with_evidence(evidence)
        }
    } else if bad_workloads == 0 && unknown_workloads == 0 {
        let n = candidates.len();
        Outcome::pass(format!(
            "{n} workload{} {} out gradually behind a readiness probe on the health path",
            plural(n),
            if n == 1 { "rolls" } else { "roll" }
        ))
        .with_evidence(good)
    } else if bad_workloads == 0 {
        Outcome::warn(format!("{unknown_workloads} workload{} depend on template values: value not visible statically", plural(unknown_workloads)))
            .with_evidence(unknown.into_iter().chain(good).collect())
    } else if bad_workloads < candidates.len() {
        Outcome::warn(format!(
            "{bad_workloads} of {} workloads do not roll out gradually",
            candidates.len()
        ))
        .with_evidence(bad.into_iter().chain(unknown).chain(good).collect())
    } else {
        Outcome::fail(format!(
            "no workload rolls out gradually ({} checked)",
            candidates.len()
        ))
        .with_evidence(bad.into_iter().chain(unknown).collect())
    };
    with_problems(outcome, &dep.problems)
}

fn post_deploy_verification(ctx: &Ctx) -> Outcome {
    let ops = &ctx.facts.ops;
    let Some(dep) = deployment(ctx) else {
        return Outcome::skip(NO_DEPLOYMENT);
    };
    // The best procedure: what deploys, and the health check and smoke request after it.
    #[derive(Default)]
    struct Verification {
        deploy: Option<Evidence>,
        health: Option<Evidence>,
        smoke: Option<Evidence>,
    }
    let score = |v: &Verification| v.health.is_some() as u8 + v.smoke.is_some() as u8;
    let mut best: Option<Verification> = None;
    let mut consider = |v: Verification| {
        if best.as_ref().is_none_or(|b| score(&v) > score(b)) {
            best = Some(v);
        }
    };
    for (_, steps) in &dep.deployers {
        let Some(at) = steps.iter().position(|s| *s.action == Action::Deploy) else {
            continue;
        };
        let after = &steps[at + 1..];
        consider(Verification {
            deploy: Some(evidence_for(EvidenceStatus::Pass, &steps[at], "deploys")),
            health: after
                .iter()
                .find(|s| *s.action == Action::HealthCheck)
                .map(|s| evidence_for(EvidenceStatus::Pass, s, "health check after the deploy")),
            smoke: after
                .iter()
                .find(|s| *s.action == Action::Smoke)
                .map(|s| evidence_for(EvidenceStatus::Pass, s, "smoke request after the deploy")),
        });
    }
    // Post-deploy hooks (Helm post-install/post-upgrade/test, Argo CD PostSync) and Argo
    // analysis templates run after the deploy by construction.
    let hook_steps: Vec<Step> = ops.hooks.iter().flat_map(|h| ops.expand(h)).collect();
    let hooks = Verification {
        deploy: ops
            .hooks
            .first()
            .map(|h| Evidence::pass(&h.path, h.line, format!("{} runs after the deploy", h.name))),
        health: hook_steps
            .iter()
            .find(|s| *s.action == Action::HealthCheck)
            .map(|s| evidence_for(EvidenceStatus::Pass, s, "post-deploy hook checks health"))
            .or_else(|| {
                ops.progressive.iter().find_map(|(k, n, p, l)| match k {
                    ProgressiveKind::AnalysisTemplate { kind } => Some(Evidence::pass(
                        p,
                        *l,
                        format!("{kind} {n} analyses the rollout"),
                    )),
                    ProgressiveKind::FlaggerCanary => None,
                })
            }),
        smoke: hook_steps
            .iter()
            .find(|s| *s.action == Action::Smoke)
            .map(|s| {
                evidence_for(
                    EvidenceStatus::Pass,
                    s,
                    "post-deploy hook sends a smoke request",
                )
            }),
    };
    if score(&hooks) > 0 {
        consider(hooks);
    }
    let outcome = match best {
        Some(v) => {
            let message = match (&v.health, &v.smoke) {
                (Some(_), Some(_)) => {
                    "the deploy is followed by a health check and a smoke request"
                }
                (Some(_), None) => "the deploy is followed by a health check but no smoke request",
                (None, Some(_)) => "the deploy is followed by a smoke request but no health check",
                (None, None) => "nothing checks health or sends a smoke request after the deploy",
            };
            let (status, judged) = match score(&v) {
                2 => (Status::Pass, EvidenceStatus::Pass),
                1 => (Status::Warn, EvidenceStatus::Warn),
                _ => (Status::Fail, EvidenceStatus::Fail),
            };
            // The deploy step is what lacks the missing verification: it carries the verdict.
            let deploy = v.deploy.map(|e| e.status(judged));
            Outcome::new(status, message)
                .with_evidence([deploy, v.health, v.smoke].into_iter().flatten().collect())
        }
        None => {
            let evidence = dep
                .workloads
                .iter()
                .take(EVIDENCE_LIMIT)
                .map(|m| {
                    Evidence::fail(
                        &m.first().path,
                        m.first().line,
                        format!(
                            "{} is deployed by no workflow or script of the repository",
                            m.label()
                        ),
                    )
                    .about(m.label())
                })
                .collect();
            Outcome::fail("manifests found but no deploy workflow, script or post-deploy hook verifies the deploy").with_evidence(evidence)
        }
    };
    let problems: Vec<&Problem> = dep
        .problems
        .iter()
        .copied()
        .chain(ops.problems_in(Area::Ci))
        .collect();
    with_problems(outcome, &problems)
}

fn rollback_ready(ctx: &Ctx) -> Outcome {
    let ops = &ctx.facts.ops;
    let Some(dep) = deployment(ctx) else {
        return Outcome::skip(NO_DEPLOYMENT);
    };
    let mut disabled = Vec::new();
    let mut hidden = Vec::new();
    let mut kept = Vec::new();
    for m in &dep.workloads {
        let set = m.settings(|w| w.revision_history_limit.clone());
        match set
            .iter()
            .find(|((s, _), _)| s.is_zero())
            .or_else(|| set.iter().find(|((s, _), _)| *s == Setting::Template))
        {
            Some(((s, line), w)) if s.is_zero() => disabled.push(
                Evidence::fail(
                    &w.path,
                    *line,
                    format!(
                        "{}: revisionHistoryLimit: 0 keeps no revision to roll back to",
                        m.label()
                    ),
                )
                .about(format!("{} revisionHistoryLimit", m.label())),
            ),
            Some(((_, line), w)) => hidden.push(
                Evidence::warn(
                    &w.path,
                    *line,
                    format!(
                        "{}: revisionHistoryLimit set by a template: value not visible statically",
                        m.label()
                    ),
                )
                .about(format!("{} revisionHistoryLimit", m.label())),
            ),
            None => {
                let msg = match set.first() {
                    Some(((s, _), _)) => {
                        format!("{}: revisionHistoryLimit: {}", m.label(), s.show())
                    }
                    None => format!(
                        "{}: revision history kept (Kubernetes default of 10)",
                        m.label()
                    ),
                };
                let (path, line) = set
                    .first()
                    .map_or((&m.first().path, m.first().line), |((_, l), w)| {
                        (&w.path, *l)
                    });
                kept.push(
                    Evidence::pass(path, line, msg)
                        .about(format!("{} revisionHistoryLimit", m.label())),
                );
            }
        }
    }
    let mut procedure: Vec<Evidence> = Vec::new();
    for p in ops.procedures.iter().chain(&ops.hooks) {
        for c in p
            .commands
            .iter()
            .filter(|c| c.actions.contains(&Action::Rollback))
        {
            procedure.push(Evidence::pass(
                &p.path,
                c.line,
                format!("rollback in {} {}: `{}`", p.kind.describe(), p.name, c.text),
            ));
        }
    }
    for s in &ops.sections {
        if let Some(m) = s
            .covers(Topic::Rollback)
            .filter(|m| m.coverage == Coverage::Written)
        {
            procedure.push(Evidence::pass(
                &s.path,
                s.line,
                format!(
                    "rollback written down under § {}: {}",
                    s.shown_path(),
                    m.decided
                ),
            ));
        }
    }
    dedup(&mut procedure);
    procedure.truncate(EVIDENCE_LIMIT);
    let outcome = if !disabled.is_empty() {
        let and = if procedure.is_empty() {
            " and no rollback procedure written down"
        } else {
            ""
        };
        Outcome::fail(format!(
            "revision history disabled on {} workload{}{and}",
            disabled.len(),
            plural(disabled.len())
        ))
        .with_evidence(disabled.into_iter().chain(procedure).collect())
    } else if procedure.is_empty() {
        Outcome::fail(
            "no rollback procedure: no `kubectl rollout undo`, rollback job or runbook section",
        )
        .with_evidence(
            kept.into_iter()
                .chain(hidden)
                .take(EVIDENCE_LIMIT)
                .collect(),
        )
    } else if !hidden.is_empty() {
        Outcome::warn(
            "a rollback procedure exists but the revision history limit is not visible statically",
        )
        .with_evidence(hidden.into_iter().chain(procedure).collect())
    } else {
        kept.truncate(EVIDENCE_LIMIT);
        Outcome::pass("revision history kept and a rollback procedure written down")
            .with_evidence(kept.into_iter().chain(procedure).collect())
    };
    with_problems(outcome, &dep.problems)
}
