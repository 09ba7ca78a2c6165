//! A loopback stand-in for the Kubernetes API: one Deployment, its ReplicaSets, and a
//! small deployment controller, enough for `kubectl set image`, `rollout
//! pause/resume/status/undo` and for mistral-gate. No API server can be installed
//! here; deploy_kube.rs proves this stand-in against the real kubectl.
//!
//! The controller runs on its own clock (every [`TICK`], as the real one runs apart
//! from the API server) and before every answer: a template no ReplicaSet has gets a new
//! ReplicaSet with the next revision (not while paused); a template an old
//! ReplicaSet has (a rollback) gives that ReplicaSet the next revision; every
//! [`STEP`] one pod moves from the old ReplicaSets to the new one (not while paused);
//! pods are ready at once unless their image is in `never_ready`.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::server::{Req, Resp, Server};

pub const STEP: Duration = Duration::from_millis(150);
/// How often the controller runs by itself, so a test that reads the state directly
/// (not through a request) sees the rollout progress.
const TICK: Duration = Duration::from_millis(30);
const REV: &str = "deployment.kubernetes.io/revision";

pub struct State {
    pub deployment: Value,
    pub replicasets: Vec<Value>,
    rv: u64,
    last_step: Instant,
    /// Images whose pods never become ready.
    pub never_ready: Vec<String>,
    /// Refuse JSON patches (an RBAC rule that forbids the rollback).
    pub refuse_json_patch: bool,
    /// Every write: (method, content type, body).
    pub writes: Vec<(String, String, Value)>,
}

pub struct StandIn {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
    pub kubeconfig: tempfile::NamedTempFile,
    /// kubectl's HOME: its discovery cache belongs to this stand-in alone.
    pub home: tempfile::TempDir,
}

fn template(image: &str) -> Value {
    json!({"metadata": {"labels": {"app": "app"}}, "spec": {"containers": [{"name": "app", "image": image}]}})
}

impl StandIn {
    /// `deployment/app` in `default`, 3 replicas of `image`, at revision 1, rolled out.
    pub fn start(image: &str) -> StandIn {
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "app", "namespace": "default", "uid": "uid-deploy", "generation": 1,
                         "resourceVersion": "1", "annotations": {REV: "1"}, "labels": {"app": "app"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "app"}}, "template": template(image)},
            "status": {}
        });
        let mut deployment = deployment;
        normalize(&mut deployment);
        let state = Arc::new(Mutex::new(State {
            deployment,
            replicasets: Vec::new(),
            rv: 1,
            last_step: Instant::now(),
            never_ready: Vec::new(),
            refuse_json_patch: false,
            writes: Vec::new(),
        }));
        {
            let mut s = state.lock().unwrap();
            reconcile(&mut s);
            // Start fully rolled out.
            for _ in 0..3 {
                s.last_step = Instant::now() - STEP;
                reconcile(&mut s);
            }
        }
        let weak = Arc::downgrade(&state);
        std::thread::spawn(move || {
            while let Some(state) = weak.upgrade() {
                reconcile(&mut state.lock().unwrap());
                drop(state);
                std::thread::sleep(TICK);
            }
        });
        let st = state.clone();
        let server = Server::start(move |req| handle(&st, req));
        let kubeconfig = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            kubeconfig.path(),
            format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: standin\nclusters:\n- name: standin\n  cluster:\n    server: {}\ncontexts:\n- name: standin\n  context:\n    cluster: standin\n    user: tester\n    namespace: default\nusers:\n- name: tester\n  user:\n    token: kube-token-Sx9Lm2Qw7Er4Ty6Ui8Op0As\n",
                server.url()
            ),
        )
        .unwrap();
        StandIn {
            server,
            state,
            kubeconfig,
            home: tempfile::tempdir().unwrap(),
        }
    }

    pub fn deployment(&self) -> Value {
        self.state.lock().unwrap().deployment.clone()
    }

    pub fn image(&self) -> String {
        self.deployment()["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The objects kubectl and mistral-gate must leave alike: the Deployment's spec
    /// (paused `false` and absent are the same) and annotations, and each ReplicaSet's
    /// image, revision and replicas.
    pub fn outcome(&self) -> Value {
        let s = self.state.lock().unwrap();
        let mut spec = s.deployment["spec"].clone();
        if spec["paused"] == json!(false) || spec["paused"].is_null() {
            spec.as_object_mut().unwrap().remove("paused");
        }
        let mut rs: Vec<Value> = s
            .replicasets
            .iter()
            .map(|r| {
                json!({
                    "image": r["spec"]["template"]["spec"]["containers"][0]["image"],
                    "revision": r["metadata"]["annotations"][REV],
                    "replicas": r["spec"]["replicas"],
                })
            })
            .collect();
        rs.sort_by_key(|r| {
            r["revision"]
                .as_str()
                .unwrap_or("")
                .parse::<i64>()
                .unwrap_or(0)
        });
        json!({"spec": spec, "annotations": s.deployment["metadata"]["annotations"], "replicasets": rs})
    }
}

fn strip_hash(t: &Value) -> Value {
    let mut t = t.clone();
    if let Some(l) = t
        .pointer_mut("/metadata/labels")
        .and_then(|l| l.as_object_mut())
    {
        l.remove("pod-template-hash");
    }
    t
}

fn revision(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REV]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn bump(s: &mut State) -> String {
    s.rv += 1;
    s.rv.to_string()
}

/// The deployment controller, one step.
fn reconcile(s: &mut State) {
    let d = s.deployment.clone();
    let tmpl = d["spec"]["template"].clone();
    let paused = d["spec"]["paused"] == json!(true);
    let want = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let max_rev = s.replicasets.iter().map(revision).max().unwrap_or(0);
    let idx = s
        .replicasets
        .iter()
        .position(|r| strip_hash(&r["spec"]["template"]) == strip_hash(&tmpl));
    let new_idx = match idx {
        Some(i) => {
            if revision(&s.replicasets[i]) < max_rev && !paused {
                let rv = bump(s);
                s.replicasets[i]["metadata"]["annotations"][REV] = json!((max_rev + 1).to_string());
                s.replicasets[i]["metadata"]["resourceVersion"] = json!(rv);
            }
            Some(i)
        }
        None if !paused => {
            let n = s.replicasets.len() + 1;
            let hash = format!("h{n}");
            let mut t = tmpl.clone();
            t["metadata"]["labels"]["pod-template-hash"] = json!(hash);
            let rv = bump(s);
            s.replicasets.push(json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": format!("app-{hash}"), "namespace": "default", "uid": format!("uid-rs-{n}"),
                    "resourceVersion": rv, "labels": {"app": "app", "pod-template-hash": hash},
                    "annotations": {REV: (max_rev + 1).to_string()},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "app", "uid": "uid-deploy", "controller": true}]},
                "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "app", "pod-template-hash": hash}}, "template": t},
                "status": {"replicas": 0}
            }));
            Some(n - 1)
        }
        None => None,
    };
    // One pod per step from old to new.
    if let Some(ni) = new_idx {
        if !paused && s.last_step.elapsed() >= STEP {
            let cur = s.replicasets[ni]["spec"]["replicas"].as_i64().unwrap_or(0);
            let old_total: i64 = s
                .replicasets
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != ni)
                .map(|(_, r)| r["spec"]["replicas"].as_i64().unwrap_or(0))
                .sum();
            let mut changed = false;
            if old_total > 0 {
                if let Some(oi) = (0..s.replicasets.len()).find(|i| {
                    *i != ni && s.replicasets[*i]["spec"]["replicas"].as_i64().unwrap_or(0) > 0
                }) {
                    let r = s.replicasets[oi]["spec"]["replicas"].as_i64().unwrap();
                    s.replicasets[oi]["spec"]["replicas"] = json!(r - 1);
                    changed = true;
                }
            }
            if cur < want && cur + old_total <= want {
                s.replicasets[ni]["spec"]["replicas"] = json!(cur + 1);
                changed = true;
            }
            if changed {
                s.last_step = Instant::now();
            }
        }
    }
    // RS statuses.
    let never = s.never_ready.clone();
    for r in s.replicasets.iter_mut() {
        let n = r["spec"]["replicas"].as_i64().unwrap_or(0);
        let image = r["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let ready = if never.contains(&image) { 0 } else { n };
        r["status"] = json!({"replicas": n, "readyReplicas": ready, "availableReplicas": ready, "observedGeneration": 1});
    }
    // Deployment status.
    let total: i64 = s
        .replicasets
        .iter()
        .map(|r| r["status"]["replicas"].as_i64().unwrap_or(0))
        .sum();
    let avail: i64 = s
        .replicasets
        .iter()
        .map(|r| r["status"]["availableReplicas"].as_i64().unwrap_or(0))
        .sum();
    let updated = new_idx
        .map(|i| s.replicasets[i]["status"]["replicas"].as_i64().unwrap_or(0))
        .unwrap_or(0);
    let status = json!({
        "observedGeneration": d["metadata"]["generation"], "replicas": total, "updatedReplicas": updated,
        "readyReplicas": avail, "availableReplicas": avail,
        "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}]
    });
    let mut nd = d.clone();
    nd["status"] = status;
    if let Some(i) = new_idx {
        nd["metadata"]["annotations"][REV] = json!(revision(&s.replicasets[i]).to_string());
    }
    if nd != d {
        nd["metadata"]["resourceVersion"] = json!(bump(s));
        s.deployment = nd;
    }
}

/// What the API server's decoding and defaulting do to a written object, as far as the
/// tests see it: `null` fields vanish (`creationTimestamp: null` from kubectl) and each
/// container has `resources` (`{}` when none).
pub fn normalize(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            if m.contains_key("image") && m.contains_key("name") && !m.contains_key("resources") {
                m.insert("resources".into(), json!({}));
            }
            m.values_mut().for_each(normalize);
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        _ => {}
    }
}

/// Strategic merge patch, as far as a Deployment needs it: maps merge, `null` deletes,
/// `containers` merge by name, `$setElementOrder/...` and `$retainKeys` ignored.
fn strategic(target: &mut Value, patch: &Value) {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let t = target.as_object_mut().unwrap();
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            t.remove(k);
        } else if k == "containers" {
            let list = t.entry(k.clone()).or_insert(json!([]));
            for item in v.as_array().unwrap() {
                let arr = list.as_array_mut().unwrap();
                match arr.iter_mut().find(|c| c["name"] == item["name"]) {
                    Some(c) => strategic(c, item),
                    None => arr.push(item.clone()),
                }
            }
        } else if v.is_object() {
            strategic(t.entry(k.clone()).or_insert(json!({})), v);
        } else {
            t.insert(k.clone(), v.clone());
        }
    }
}

fn not_found(what: &str) -> Resp {
    Resp::json(404, json!({"kind":"Status","apiVersion":"v1","status":"Failure","message":format!("{what} not found"),"reason":"NotFound","code":404}).to_string())
}

fn handle(state: &Arc<Mutex<State>>, req: Req) -> Resp {
    const BASE: &str = "/apis/apps/v1/namespaces/default/";
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api") => Resp::json(200, json!({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}).to_string()),
        ("GET", "/apis") => Resp::json(200, json!({"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}]}).to_string()),
        ("GET", "/api/v1") => Resp::json(200, json!({"kind":"APIResourceList","groupVersion":"v1","resources":[]}).to_string()),
        ("GET", "/apis/apps/v1") => Resp::json(200, json!({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[
            {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["get","list","watch","patch","update"],"shortNames":["deploy"]},
            {"name":"replicasets","singularName":"replicaset","namespaced":true,"kind":"ReplicaSet","verbs":["get","list","watch"],"shortNames":["rs"]}]}).to_string()),
        ("GET", p) if p == format!("{BASE}deployments/app") => {
            let mut s = state.lock().unwrap();
            reconcile(&mut s);
            Resp::json(200, s.deployment.to_string())
        }
        ("GET", p) if p == format!("{BASE}deployments") => {
            let watch = req.param("watch").is_some_and(|w| w == "true" || w == "1");
            if !watch {
                let mut s = state.lock().unwrap();
                reconcile(&mut s);
                return Resp::json(200, json!({"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion": s.rv.to_string()},"items":[s.deployment]}).to_string());
            }
            let st = state.clone();
            let mut last = String::new();
            let started = Instant::now();
            Resp::Stream(Box::new(move || {
                if started.elapsed() > Duration::from_secs(30) {
                    return None;
                }
                let mut s = st.lock().unwrap();
                reconcile(&mut s);
                let rv = s.deployment["metadata"]["resourceVersion"].as_str().unwrap_or("").to_string();
                if rv == last {
                    return Some(String::new());
                }
                let kind = if last.is_empty() { "ADDED" } else { "MODIFIED" };
                last = rv;
                Some(format!("{}\n", json!({"type": kind, "object": s.deployment})))
            }))
        }
        ("GET", p) if p == format!("{BASE}replicasets") => {
            let mut s = state.lock().unwrap();
            reconcile(&mut s);
            let selector = req.param("labelSelector").unwrap_or_default();
            let items: Vec<Value> = s.replicasets.iter().filter(|r| {
                selector.split(',').filter(|p| !p.is_empty()).all(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    r["metadata"]["labels"][k] == json!(v)
                })
            }).cloned().collect();
            Resp::json(200, json!({"kind":"ReplicaSetList","apiVersion":"apps/v1","metadata":{"resourceVersion": s.rv.to_string()},"items":items}).to_string())
        }
        ("PATCH", p) if p == format!("{BASE}deployments/app") => {
            let mut s = state.lock().unwrap();
            let ct = req.header("content-type").unwrap_or("").to_string();
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            s.writes.push(("PATCH".into(), ct.clone(), body.clone()));
            let before = s.deployment.clone();
            let mut d = before.clone();
            if ct.starts_with("application/json-patch+json") {
                if s.refuse_json_patch {
                    return Resp::json(403, json!({"kind":"Status","apiVersion":"v1","status":"Failure","message":"deployments.apps \"app\" is forbidden: User cannot patch resource","reason":"Forbidden","code":403}).to_string());
                }
                let patch: json_patch::Patch = match serde_json::from_value(body) {
                    Ok(p) => p,
                    Err(e) => return Resp::json(400, json!({"kind":"Status","message":e.to_string(),"code":400}).to_string()),
                };
                if let Err(e) = json_patch::patch(&mut d, &patch) {
                    return Resp::json(422, json!({"kind":"Status","message":e.to_string(),"code":422}).to_string());
                }
            } else if ct.starts_with("application/merge-patch+json") {
                json_patch::merge(&mut d, &body);
            } else if ct.starts_with("application/strategic-merge-patch+json") {
                strategic(&mut d, &body);
            } else {
                return Resp::json(415, json!({"kind":"Status","message":"unsupported patch","code":415}).to_string());
            }
            normalize(&mut d);
            if d["spec"] != before["spec"] {
                let g = d["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
                d["metadata"]["generation"] = json!(g);
            }
            d["metadata"]["resourceVersion"] = json!(bump(&mut s));
            s.deployment = d;
            reconcile(&mut s);
            Resp::json(200, s.deployment.to_string())
        }
        _ => not_found(&req.path),
    }
}
