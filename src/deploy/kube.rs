//! The Deployment, through the Kubernetes API (kube-rs with k8s-openapi; no kubectl).
//!
//! Credentials are found as kubectl finds them ([`kube::Config::infer`]: `KUBECONFIG`
//! or `~/.kube/config` with its current context, else the in-cluster service account;
//! `--context` picks a kubeconfig context). Each call sends what kubectl sends:
//! `set image` and `rollout pause`/`resume` are strategic merge patches, `rollout undo`
//! is the JSON patch of kubectl's `DeploymentRollbacker` (the pod template and the
//! annotations of the previous revision's ReplicaSet, chosen as kubectl chooses it:
//! the second-highest `deployment.kubernetes.io/revision` among the ReplicaSets the
//! Deployment controls). One difference, on purpose: kubectl refuses to undo a paused
//! Deployment, so a rollback during the canary removes `spec.paused` in the same patch
//! (the result is what `rollout resume` then `rollout undo` give, without a moment in
//! which the bad template rolls on). "Rolled out" is `kubectl rollout status`'s test.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use kube::api::{ListParams, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{json, Value};

use super::signals::Cancel;

/// The revision annotation the deployment controller writes.
const REVISION: &str = "deployment.kubernetes.io/revision";
/// The label the controller adds to each ReplicaSet's template.
const HASH_LABEL: &str = "pod-template-hash";
/// Annotations `rollout undo` keeps from the Deployment (kubectl's `annotationsToSkip`).
const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];
/// How often the Deployment is read while waiting.
const POLL: Duration = Duration::from_millis(500);
/// Time limit of one API call.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("no Kubernetes credentials: {0}")]
    Config(String),
    #[error("the Kubernetes API refused or failed: {0}")]
    Api(String),
    #[error("{0}")]
    Rollout(String),
    #[error("stopped by a signal")]
    Cancelled,
}

fn api_err(e: kube::Error) -> ClusterError {
    ClusterError::Api(match e {
        kube::Error::Api(s) => format!("{} ({})", s.message, s.code),
        other => other.to_string(),
    })
}

/// Where `rollout status` stands, with kubectl's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutStatus {
    Waiting(String),
    Done(String),
    /// The progress deadline passed (`ProgressDeadlineExceeded`).
    Stuck(String),
}

/// One Deployment.
pub struct Cluster {
    deployments: Api<Deployment>,
    replicasets: Api<ReplicaSet>,
    pub name: String,
    pub namespace: String,
}

impl Cluster {
    pub async fn connect(
        name: &str,
        namespace: Option<&str>,
        context: Option<&str>,
    ) -> Result<Cluster, ClusterError> {
        let mut config = match context {
            Some(ctx) => kube::Config::from_kubeconfig(&kube::config::KubeConfigOptions {
                context: Some(ctx.to_string()),
                ..Default::default()
            })
            .await
            .map_err(|e| ClusterError::Config(e.to_string()))?,
            None => kube::Config::infer()
                .await
                .map_err(|e| ClusterError::Config(e.to_string()))?,
        };
        config.connect_timeout = Some(Duration::from_secs(10));
        config.read_timeout = Some(CALL_TIMEOUT);
        config.write_timeout = Some(CALL_TIMEOUT);
        let namespace = namespace
            .map(str::to_string)
            .unwrap_or_else(|| config.default_namespace.clone());
        let client = Client::try_from(config).map_err(|e| ClusterError::Config(e.to_string()))?;
        Ok(Cluster {
            deployments: Api::namespaced(client.clone(), &namespace),
            replicasets: Api::namespaced(client, &namespace),
            name: name.to_string(),
            namespace,
        })
    }

    pub async fn get(&self) -> Result<Deployment, ClusterError> {
        bounded(self.deployments.get(&self.name)).await
    }

    async fn patch(&self, patch: &Patch<Value>) -> Result<Deployment, ClusterError> {
        let params = PatchParams {
            field_manager: Some("mistral-gate".into()),
            ..Default::default()
        };
        bounded(self.deployments.patch(&self.name, &params, patch)).await
    }

    /// `kubectl set image deployment/NAME CONTAINER=IMAGE`; returns the container's name
    /// and its image before.
    pub async fn set_image(
        &self,
        container: Option<&str>,
        image: &str,
    ) -> Result<(String, String), ClusterError> {
        let d = self.get().await?;
        let containers = d
            .spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .map(|s| s.containers.clone())
            .unwrap_or_default();
        let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
        let chosen = match container {
            Some(n) => containers.iter().find(|c| c.name == n).ok_or_else(|| {
                ClusterError::Rollout(format!(
                    "deployment/{} has no container {n:?} (it has {})",
                    self.name,
                    names.join(", ")
                ))
            })?,
            None if containers.len() == 1 => &containers[0],
            None => {
                return Err(ClusterError::Rollout(format!(
                    "deployment/{} has {} containers ({}): name one with --container",
                    self.name,
                    containers.len(),
                    names.join(", ")
                )))
            }
        };
        let before = chosen.image.clone().unwrap_or_default();
        self.patch(&Patch::Strategic(json!({"spec":{"template":{"spec":{"containers":[{"name": chosen.name, "image": image}]}}}})))
            .await?;
        Ok((chosen.name.clone(), before))
    }

    /// `kubectl rollout pause`.
    pub async fn pause(&self) -> Result<(), ClusterError> {
        self.patch(&Patch::Strategic(json!({"spec":{"paused":true}})))
            .await
            .map(drop)
    }

    /// `kubectl rollout resume`.
    pub async fn resume(&self) -> Result<(), ClusterError> {
        self.patch(&Patch::Strategic(json!({"spec":{"paused":null}})))
            .await
            .map(drop)
    }

    /// The ReplicaSets the Deployment controls (kubectl's `GetAllReplicaSets`): those its
    /// selector matches whose controller reference is the Deployment.
    async fn replica_sets(&self, d: &Deployment) -> Result<Vec<ReplicaSet>, ClusterError> {
        let selector = d
            .spec
            .as_ref()
            .map(|s| selector_string(&s.selector))
            .unwrap_or_default();
        let list = bounded(
            self.replicasets
                .list(&ListParams::default().labels(&selector)),
        )
        .await?;
        let uid = d.metadata.uid.clone().unwrap_or_default();
        Ok(list
            .items
            .into_iter()
            .filter(|rs| {
                rs.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.controller == Some(true) && o.uid == uid)
            })
            .collect())
    }

    /// True once a pod of the Deployment's current template is ready (the canary).
    async fn canary_ready(&self, d: &Deployment) -> Result<bool, ClusterError> {
        let Some(template) = d.spec.as_ref().map(|s| template_value(&s.template)) else {
            return Ok(false);
        };
        Ok(self.replica_sets(d).await?.iter().any(|rs| {
            rs.spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .map(template_value)
                == Some(template.clone())
                && rs
                    .status
                    .as_ref()
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0)
                    >= 1
        }))
    }

    /// Waits until the first pod of the new template is ready (or the whole rollout is
    /// done, for a one-replica Deployment).
    pub async fn wait_canary(
        &self,
        timeout: Duration,
        cancel: &Cancel,
    ) -> Result<(), ClusterError> {
        self.wait(timeout, cancel, "the first new pod to be ready", |c, d| {
            Box::pin(async move {
                if let RolloutStatus::Stuck(m) = rollout_status(&d) {
                    return Err(ClusterError::Rollout(m));
                }
                let observed = generation_observed(&d);
                Ok(observed && c.canary_ready(&d).await?)
            })
        })
        .await
    }

    /// Waits until `kubectl rollout status` would say "successfully rolled out".
    pub async fn wait_complete(
        &self,
        timeout: Duration,
        cancel: &Cancel,
    ) -> Result<(), ClusterError> {
        self.wait(timeout, cancel, "the rollout to complete", |_, d| {
            Box::pin(async move {
                match rollout_status(&d) {
                    RolloutStatus::Done(_) => Ok(true),
                    RolloutStatus::Waiting(_) => Ok(false),
                    RolloutStatus::Stuck(m) => Err(ClusterError::Rollout(m)),
                }
            })
        })
        .await
    }

    async fn wait<'a, F>(
        &'a self,
        timeout: Duration,
        cancel: &Cancel,
        what: &str,
        done: F,
    ) -> Result<(), ClusterError>
    where
        F: Fn(
            &'a Cluster,
            Deployment,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<bool, ClusterError>> + Send + 'a>,
        >,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let d = self.get().await?;
            let status = rollout_status(&d);
            if done(self, d).await? {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                let now = match status {
                    RolloutStatus::Waiting(m)
                    | RolloutStatus::Done(m)
                    | RolloutStatus::Stuck(m) => m,
                };
                return Err(ClusterError::Rollout(format!(
                    "timed out after {}s waiting for {what} ({now})",
                    timeout.as_secs()
                )));
            }
            if cancel.sleep(POLL).await {
                return Err(ClusterError::Cancelled);
            }
        }
    }

    /// `kubectl rollout undo deployment/NAME` (to the previous revision). Returns that
    /// revision's number.
    pub async fn undo(&self) -> Result<String, ClusterError> {
        let d = self.get().await?;
        let all = self.replica_sets(&d).await?;
        let (revision, rs) = previous_revision(&all).ok_or_else(|| {
            ClusterError::Rollout(format!(
                "no rollout history found for deployment {:?}",
                self.name
            ))
        })?;
        let rs_template = rs
            .spec
            .as_ref()
            .and_then(|s| s.template.clone())
            .unwrap_or_default();
        let current = d
            .spec
            .as_ref()
            .map(|s| s.template.clone())
            .unwrap_or_default();
        if template_value(&rs_template) == template_value(&current) {
            return Err(ClusterError::Rollout(format!(
                "skipped rollback (current template already matches revision {revision})"
            )));
        }
        let patch = undo_patch(&d, rs)?;
        self.patch(&Patch::Json(patch)).await?;
        Ok(revision.to_string())
    }

    /// The Deployment in words, for the report and the last line printed.
    pub async fn describe(&self) -> String {
        match self.get().await {
            Ok(d) => describe(&d),
            Err(e) => format!(
                "deployment/{} in {}: state unknown ({e})",
                self.name, self.namespace
            ),
        }
    }
}

async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, kube::Error>>,
) -> Result<T, ClusterError> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(r) => r.map_err(api_err),
        Err(_) => Err(ClusterError::Api(format!(
            "no answer within {}s",
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

/// A label selector as the API takes it (`a=b,c in (d,e),!f`).
fn selector_string(s: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector) -> String {
    let mut parts: Vec<String> = s
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in s.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            _ => format!("!{}", e.key),
        });
    }
    parts.join(",")
}

/// A pod template as JSON, without the controller's hash label (kubectl's
/// `EqualIgnoreHash`).
fn template_value(t: &k8s_openapi::api::core::v1::PodTemplateSpec) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    if let Some(labels) = v
        .pointer_mut("/metadata/labels")
        .and_then(|l| l.as_object_mut())
    {
        labels.remove(HASH_LABEL);
        if labels.is_empty() {
            v["metadata"].as_object_mut().map(|m| m.remove("labels"));
        }
    }
    v
}

fn revision_of(rs: &ReplicaSet) -> Option<i64> {
    rs.metadata
        .annotations
        .as_ref()?
        .get(REVISION)?
        .parse()
        .ok()
}

/// kubectl's `deploymentRevision(…, 0)`: the ReplicaSet with the second-highest
/// revision (ReplicaSets without a readable revision are passed over).
fn previous_revision(all: &[ReplicaSet]) -> Option<(i64, &ReplicaSet)> {
    let mut latest: Option<(i64, &ReplicaSet)> = None;
    let mut previous: Option<(i64, &ReplicaSet)> = None;
    for rs in all {
        let Some(v) = revision_of(rs) else { continue };
        if latest.is_none_or(|(l, _)| l < v) {
            previous = latest;
            latest = Some((v, rs));
        } else if previous.is_none_or(|(p, _)| p < v) {
            previous = Some((v, rs));
        }
    }
    previous
}

/// kubectl's rollback patch: replace `/spec/template` with the revision's template
/// (without the hash label) and `/metadata/annotations` with the Deployment's skipped
/// annotations plus the ReplicaSet's others; and, when paused, remove `/spec/paused`.
fn undo_patch(d: &Deployment, rs: &ReplicaSet) -> Result<json_patch::Patch, ClusterError> {
    let mut template = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.clone())
        .unwrap_or_default();
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(HASH_LABEL);
    }
    let mut annotations = std::collections::BTreeMap::new();
    for k in ANNOTATIONS_TO_SKIP {
        if let Some(v) = d.metadata.annotations.as_ref().and_then(|a| a.get(k)) {
            annotations.insert(k.to_string(), v.clone());
        }
    }
    for (k, v) in rs.metadata.annotations.iter().flatten() {
        if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    let mut ops = vec![
        json!({"op": "replace", "path": "/spec/template", "value": template}),
        json!({"op": "replace", "path": "/metadata/annotations", "value": annotations}),
    ];
    if d.spec.as_ref().and_then(|s| s.paused) == Some(true) {
        ops.push(json!({"op": "remove", "path": "/spec/paused"}));
    }
    serde_json::from_value(Value::Array(ops)).map_err(|e| ClusterError::Rollout(e.to_string()))
}

fn generation_observed(d: &Deployment) -> bool {
    d.metadata.generation.unwrap_or(0)
        <= d.status
            .as_ref()
            .and_then(|s| s.observed_generation)
            .unwrap_or(0)
}

/// kubectl's `DeploymentStatusViewer.Status`.
pub fn rollout_status(d: &Deployment) -> RolloutStatus {
    let name = d.metadata.name.clone().unwrap_or_default();
    if !generation_observed(d) {
        return RolloutStatus::Waiting("waiting for deployment spec update to be observed".into());
    }
    let st = d.status.clone().unwrap_or_default();
    if st.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    }) {
        return RolloutStatus::Stuck(format!(
            "deployment {name:?} exceeded its progress deadline"
        ));
    }
    let updated = st.updated_replicas.unwrap_or(0);
    let replicas = st.replicas.unwrap_or(0);
    let available = st.available_replicas.unwrap_or(0);
    if let Some(want) = d.spec.as_ref().and_then(|s| s.replicas) {
        if updated < want {
            return RolloutStatus::Waiting(format!(
                "{updated} out of {want} new replicas have been updated"
            ));
        }
    }
    if replicas > updated {
        return RolloutStatus::Waiting(format!(
            "{} old replicas are pending termination",
            replicas - updated
        ));
    }
    if available < updated {
        return RolloutStatus::Waiting(format!(
            "{available} of {updated} updated replicas are available"
        ));
    }
    RolloutStatus::Done(format!("deployment {name:?} successfully rolled out"))
}

/// `deployment/NAME in NS: revision R, image(s), paused or not, replicas`.
pub fn describe(d: &Deployment) -> String {
    let spec = d.spec.clone().unwrap_or_default();
    let images: Vec<String> = spec
        .template
        .spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .map(|c| format!("{}={}", c.name, c.image.clone().unwrap_or_default()))
        .collect();
    let st = d.status.clone().unwrap_or_default();
    format!(
        "deployment/{} in {}: revision {}, {}, {}, {} of {} replicas updated, {} available ({})",
        d.metadata.name.clone().unwrap_or_default(),
        d.metadata.namespace.clone().unwrap_or_default(),
        d.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION))
            .map_or("unknown", |s| s.as_str()),
        images.join(" "),
        if spec.paused == Some(true) {
            "paused"
        } else {
            "not paused"
        },
        st.updated_replicas.unwrap_or(0),
        spec.replicas.unwrap_or(1),
        st.available_replicas.unwrap_or(0),
        match rollout_status(d) {
            RolloutStatus::Done(_) => "rollout complete".to_string(),
            RolloutStatus::Waiting(m) => format!("rolling out: {m}"),
            RolloutStatus::Stuck(m) => m,
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(name: &str, revision: Option<&str>) -> ReplicaSet {
        serde_json::from_value(json!({
            "metadata": {"name": name, "annotations": revision.map(|r| json!({REVISION: r})).unwrap_or(json!({}))},
        }))
        .unwrap()
    }

    #[test]
    fn previous_revision_is_the_second_highest_as_kubectl_picks_it() {
        let all = [
            rs("a", Some("3")),
            rs("b", Some("10")),
            rs("c", None),
            rs("d", Some("7")),
            rs("e", Some("x")),
        ];
        assert_eq!(
            previous_revision(&all).map(|(v, r)| (v, r.metadata.name.clone().unwrap())),
            Some((7, "d".into()))
        );
        let order2 = [rs("d", Some("7")), rs("b", Some("10")), rs("a", Some("3"))];
        assert_eq!(previous_revision(&order2).map(|(v, _)| v), Some(7));
        assert!(previous_revision(&[rs("a", Some("1"))]).is_none());
        assert!(previous_revision(&[]).is_none());
    }

    #[test]
    fn rollout_status_follows_kubectl() {
        let d = |gen: i64,
                 obs: i64,
                 want: i32,
                 replicas: i32,
                 updated: i32,
                 available: i32|
         -> Deployment {
            serde_json::from_value(json!({
                "metadata": {"name": "app", "generation": gen},
                "spec": {"replicas": want, "selector": {}, "template": {}},
                "status": {"observedGeneration": obs, "replicas": replicas, "updatedReplicas": updated, "availableReplicas": available}
            }))
            .unwrap()
        };
        assert!(matches!(
            rollout_status(&d(2, 1, 3, 3, 3, 3)),
            RolloutStatus::Waiting(_)
        ));
        assert!(
            matches!(rollout_status(&d(2, 2, 3, 3, 1, 3)), RolloutStatus::Waiting(m) if m.contains("1 out of 3"))
        );
        assert!(
            matches!(rollout_status(&d(2, 2, 3, 4, 3, 3)), RolloutStatus::Waiting(m) if m.contains("1 old"))
        );
        assert!(
            matches!(rollout_status(&d(2, 2, 3, 3, 3, 2)), RolloutStatus::Waiting(m) if m.contains("2 of 3"))
        );
        assert!(matches!(
            rollout_status(&d(2, 2, 3, 3, 3, 3)),
            RolloutStatus::Done(_)
        ));
    }

    #[test]
    fn selectors_render_as_the_api_takes_them() {
        let s: k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector = serde_json::from_value(json!({
            "matchLabels": {"app": "x"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}, {"key": "old", "operator": "DoesNotExist"}]
        })).unwrap();
        assert_eq!(selector_string(&s), "app=x,tier in (a,b),!old");
    }
}
