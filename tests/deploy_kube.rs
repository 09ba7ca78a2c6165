//! The Kubernetes side of `rollout` and `verify --rollback`, against the loopback
//! stand-in (tests/deploy_support/standin.rs). The stand-in is proven against the real
//! kubectl: kubectl's set image, rollout pause/resume/status/undo and mistral-gate's
//! rollout leave the same objects behind. Then end to end: a healthy rollout, a canary
//! that fails mid-window and is rolled back, a rollback that fails, and SIGTERM.
mod deploy_support;

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deploy_support::standin::StandIn;
use deploy_support::{gate, kubectl_bin, run, service, Done};

fn kubectl(s: &StandIn, args: &[&str]) -> String {
    let out = Command::new(kubectl_bin())
        .env("KUBECONFIG", s.kubeconfig.path())
        .env("HOME", s.home.path())
        .args(args)
        .output()
        .expect("kubectl (scripts/setup.d/50-deploy-tools.sh installs it)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "kubectl {args:?}: {text}");
    text
}

/// Waits until the stand-in's canary is up (what mistral-gate waits for before pausing).
fn wait_canary(s: &StandIn) {
    let t = Instant::now();
    while s.deployment()["status"]["updatedReplicas"]
        .as_i64()
        .unwrap_or(0)
        < 1
    {
        assert!(t.elapsed() < Duration::from_secs(10), "no canary");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn rollout(s: &StandIn, svc: &str, image: &str, extra: &[&str]) -> Done {
    let kc = s.kubeconfig.path().to_str().unwrap().to_string();
    let mut args = vec![
        "rollout",
        "--deployment",
        "app",
        "--image",
        image,
        "--url",
        svc,
    ];
    for (flag, value) in [
        ("--format", "json"),
        ("--window", "1s"),
        ("--interval", "0.3s"),
        ("--rollout-timeout", "20s"),
        ("--probe-timeout", "2s"),
    ] {
        if !extra.contains(&flag) {
            args.extend([flag, value]);
        }
    }
    args.extend_from_slice(extra);
    run(gate(&args, &[("KUBECONFIG", &kc)]))
}

/// A service whose health fails while the stand-in runs `app:bad`.
fn service_for(s: &StandIn) -> deploy_support::Service {
    let state = s.state.clone();
    service(move || {
        state.lock().unwrap().deployment["spec"]["template"]["spec"]["containers"][0]["image"]
            == "app:bad"
    })
}

#[test]
fn kubectl_and_mistral_gate_leave_the_same_objects() {
    // A healthy rollout: kubectl's steps of the checklist's step 4 ...
    let by_kubectl = StandIn::start("app:v1");
    kubectl(
        &by_kubectl,
        &["set", "image", "deployment/app", "app=app:v2"],
    );
    wait_canary(&by_kubectl);
    kubectl(&by_kubectl, &["rollout", "pause", "deployment/app"]);
    assert_eq!(by_kubectl.deployment()["spec"]["paused"], true);
    kubectl(&by_kubectl, &["rollout", "resume", "deployment/app"]);
    let status = kubectl(
        &by_kubectl,
        &["rollout", "status", "deployment/app", "--timeout=20s"],
    );
    assert!(status.contains("successfully rolled out"), "{status}");
    // ... and mistral-gate's.
    let by_gate = StandIn::start("app:v1");
    let svc = service_for(&by_gate);
    let done = rollout(&by_gate, &svc.server.url(), "app:v2", &[]);
    assert_eq!(done.code, 0, "{}", done.describe());
    assert_eq!(by_gate.outcome(), by_kubectl.outcome());
    assert_eq!(
        by_gate.outcome()["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    let patches = |s: &StandIn| {
        s.state
            .lock()
            .unwrap()
            .writes
            .iter()
            .map(|w| w.1.clone())
            .collect::<Vec<_>>()
    };
    assert!(
        patches(&by_gate)
            .iter()
            .all(|ct| ct.starts_with("application/strategic-merge-patch+json")),
        "{:?}",
        patches(&by_gate)
    );

    // The emergency rollback (step 6): kubectl undo (after resume, which it requires) ...
    kubectl(
        &by_kubectl,
        &["set", "image", "deployment/app", "app=app:bad"],
    );
    wait_canary(&by_kubectl);
    kubectl(&by_kubectl, &["rollout", "pause", "deployment/app"]);
    kubectl(&by_kubectl, &["rollout", "resume", "deployment/app"]);
    kubectl(&by_kubectl, &["rollout", "undo", "deployment/app"]);
    kubectl(
        &by_kubectl,
        &["rollout", "status", "deployment/app", "--timeout=20s"],
    );
    // ... and mistral-gate's, when the canary is unhealthy.
    let done = rollout(&by_gate, &svc.server.url(), "app:bad", &[]);
    assert_eq!(done.code, 1, "{}", done.describe());
    let (g, k) = (by_gate.outcome(), by_kubectl.outcome());
    assert_eq!(g["spec"], k["spec"]);
    assert_eq!(g["annotations"], k["annotations"]);
    assert_eq!(g["annotations"]["deployment.kubernetes.io/revision"], "4");
    // Same ReplicaSets and revisions (the bad canary may have had another pod or two
    // when kubectl paused; both end at zero).
    assert_eq!(
        g["replicasets"], k["replicasets"],
        "gate {g:#}\nkubectl {k:#}"
    );
    assert_eq!(by_gate.image(), "app:v2");
    // The rollback patch is kubectl's kind: a JSON patch of the template and annotations.
    let mut k_undo = by_kubectl
        .state
        .lock()
        .unwrap()
        .writes
        .iter()
        .find(|w| w.1.starts_with("application/json-patch+json"))
        .cloned()
        .unwrap();
    let mut g_undo = by_gate
        .state
        .lock()
        .unwrap()
        .writes
        .iter()
        .find(|w| w.1.starts_with("application/json-patch+json"))
        .cloned()
        .unwrap();
    // Compared as the API server reads them (kubectl's Go encoding adds
    // `creationTimestamp: null`, which decodes to nothing).
    deploy_support::standin::normalize(&mut k_undo.2);
    deploy_support::standin::normalize(&mut g_undo.2);
    assert_eq!(k_undo.2[0], g_undo.2[0], "the same /spec/template");
    assert_eq!(k_undo.2[1], g_undo.2[1], "the same /metadata/annotations");
}

#[test]
fn a_canary_failing_mid_window_is_rolled_back_and_verified() {
    let s = StandIn::start("app:v1");
    let state = s.state.clone();
    // Healthy for the first probes of the canary, then failing while app:v2 runs.
    let probes = Arc::new(Mutex::new(0usize));
    let p = probes.clone();
    let svc = service(move || {
        let bad = state.lock().unwrap().deployment["spec"]["template"]["spec"]["containers"][0]
            ["image"]
            == "app:v2";
        let mut n = p.lock().unwrap();
        if bad {
            *n += 1;
        }
        bad && *n > 2
    });
    let done = rollout(
        &s,
        &svc.server.url(),
        "app:v2",
        &["--window", "5s", "--smoke-path", "/api/chat"],
    );
    assert_eq!(done.code, 1, "{}", done.describe());
    assert_eq!(done.status("deploy-health"), "fail");
    assert_eq!(done.status("rollout-complete"), "fail");
    let rc = done.check("rollout-complete")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(rc.contains("rolled back"), "{rc}");
    assert_eq!(
        done.status("rollback"),
        "pass",
        "{}",
        done.check("rollback")
    );
    let rb = done.check("rollback")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        rb.contains("rolled back to revision 1") && rb.contains("app=app:v1"),
        "{rb}"
    );
    assert_eq!(s.image(), "app:v1");
    assert!(s.deployment()["spec"].get("paused").is_none());
    let last = done.stderr.trim_end().lines().last().unwrap();
    assert!(
        last.contains("rolled back; the Deployment is now") && last.contains("app=app:v1"),
        "{last}"
    );
    done.assert_no_key();
}

#[test]
fn a_rollback_that_fails_is_an_error_that_states_the_deployment() {
    let s = StandIn::start("app:v1");
    s.state.lock().unwrap().refuse_json_patch = true;
    let svc = service_for(&s);
    let done = rollout(&s, &svc.server.url(), "app:bad", &[]);
    assert_eq!(done.code, 1, "{}", done.describe());
    assert_eq!(done.status("rollback"), "error");
    let msg = done.check("rollback")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("forbidden") && msg.contains("app=app:bad") && msg.contains("paused"),
        "{msg}"
    );
    assert_eq!(done.report()["verdict"], "fail");
    let last = done.stderr.trim_end().lines().last().unwrap();
    assert!(
        last.contains("rollback failed; the Deployment is now") && last.contains("paused"),
        "{last}"
    );
    done.assert_no_key();

    // No earlier revision at all: kubectl's "no rollout history found".
    let fresh = StandIn::start("app:v1");
    let svc = service(|| true);
    let kc = fresh.kubeconfig.path().to_str().unwrap().to_string();
    let v = run(gate(
        &[
            "verify",
            "--url",
            &svc.server.url(),
            "--deployment",
            "app",
            "--rollback",
            "--format",
            "json",
        ],
        &[("KUBECONFIG", &kc)],
    ));
    assert_eq!(
        (v.code, v.status("rollback").as_str()),
        (1, "error"),
        "{}",
        v.describe()
    );
    assert!(v.check("rollback")["message"]
        .as_str()
        .unwrap()
        .contains("no rollout history"));
}

#[test]
fn sigterm_mid_watch_leaves_the_deployment_paused_and_says_so() {
    let s = StandIn::start("app:v1");
    let svc = service_for(&s);
    let kc = s.kubeconfig.path().to_str().unwrap().to_string();
    let url = svc.server.url();
    let mut cmd = gate(
        &[
            "rollout",
            "--deployment",
            "app",
            "--image",
            "app:v2",
            "--url",
            &url,
            "--format",
            "json",
            "--window",
            "60s",
            "--interval",
            "0.5s",
        ],
        &[("KUBECONFIG", &kc)],
    );
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let t = Instant::now();
    while s.deployment()["spec"]["paused"] != true {
        assert!(t.elapsed() < Duration::from_secs(15), "never paused");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(400));
    let stopped = Instant::now();
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert!(stopped.elapsed() < Duration::from_secs(10));
    let done = Done {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(done.code, 1, "{}", done.describe());
    assert_eq!(done.status("rollout-complete"), "error");
    let last = done.stderr.trim_end().lines().last().unwrap();
    assert!(
        last.contains("stopped by a signal; the Deployment is left")
            && last.contains("paused")
            && last.contains("app=app:v2"),
        "{last}"
    );
    assert_eq!(s.deployment()["spec"]["paused"], true);
    done.assert_no_key();
}
