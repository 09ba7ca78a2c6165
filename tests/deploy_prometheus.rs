//! `verify` against a real Prometheus (the Debian package) scraping a test service on
//! loopback every second: each alert-table condition passes below its threshold and
//! fails above it; probes, smoke and redaction with it.
mod deploy_support;

use deploy_support::{gate, run, service, Prometheus};

fn verify(svc: &str, prom: &str, extra: &[&str]) -> deploy_support::Done {
    let mut args = vec![
        "verify",
        "--url",
        svc,
        "--smoke-path",
        "/api/chat",
        "--prometheus",
        prom,
        "--format",
        "json",
        "--probe-timeout",
        "2s",
    ];
    args.extend_from_slice(extra);
    run(gate(&args, &[]))
}

#[test]
fn each_metric_condition_passes_below_and_fails_above_its_threshold() {
    let svc = service(|| false);
    {
        let mut k = svc.knobs.lock().unwrap();
        k.ok = 100;
        k.fast = 100;
    }
    let prom = Prometheus::start(&svc.server.url());
    // Below every threshold, but not zero: 3 5xx (max 10/min), 2 429 (max 5/min),
    // $2 (max $10/hour), fast requests only (p95 well under 5000 ms).
    {
        let mut k = svc.knobs.lock().unwrap();
        k.e5xx += 3;
        k.e429 += 2;
        k.cost += 2.0;
        k.fast += 50;
    }
    prom.wait_for("sum(mistral_cost_dollars_total)", |v| v >= 2.0);
    prom.wait_for("count_over_time(mistral_cost_dollars_total[1m])", |v| {
        v >= 4.0
    });
    let ok = verify(&svc.server.url(), &prom.url, &[]);
    assert_eq!(ok.code, 0, "{}", ok.describe());
    for id in [
        "deploy-health",
        "deploy-latency",
        "deploy-smoke",
        "deploy-error-rate",
        "deploy-p95-latency",
        "deploy-rate-limited",
        "deploy-auth",
        "deploy-circuit",
        "deploy-cost",
    ] {
        assert_eq!(ok.status(id), "pass", "{id}: {}", ok.check(id));
    }
    assert!(ok.check("deploy-error-rate")["message"]
        .as_str()
        .unwrap()
        .contains("alert above 10"));
    assert_eq!(ok.status("rollout-complete"), "skip");
    ok.assert_no_key();
    assert!(ok.check("deploy-smoke")["message"]
        .as_str()
        .unwrap()
        .contains("pong"));

    // Above every threshold: a 5xx burst, a 429 burst, one 401, the breaker open, slow
    // calls, a cost spike.
    {
        let mut k = svc.knobs.lock().unwrap();
        k.e5xx += 40;
        k.e429 += 20;
        k.e401 += 1;
        k.breaker_open = true;
        k.slow += 2000;
        k.cost += 30.0;
    }
    prom.wait_for("sum(mistral_cost_dollars_total)", |v| v >= 32.0);
    prom.wait_for("max(mistral_circuit_breaker_open)", |v| v == 1.0);
    // --fail-on never: nothing ends the watch early, so the window's query_range runs too.
    let bad = verify(
        &svc.server.url(),
        &prom.url,
        &["--window", "2s", "--interval", "1s", "--fail-on", "never"],
    );
    assert_eq!(bad.code, 0, "fail-on never: {}", bad.describe());
    for id in [
        "deploy-error-rate",
        "deploy-p95-latency",
        "deploy-rate-limited",
        "deploy-auth",
        "deploy-circuit",
        "deploy-cost",
    ] {
        assert_eq!(bad.status(id), "fail", "{id}: {}", bad.check(id));
    }
    assert_eq!(bad.status("deploy-health"), "pass");
    // The default policy: error-rate and auth are errors, so the run fails (exit 1).
    let failed = verify(&svc.server.url(), &prom.url, &[]);
    assert_eq!(failed.code, 1, "{}", failed.describe());
    assert_eq!(failed.report()["verdict"], "fail");
    failed.assert_no_key();

    // A threshold and a query from [verify.metrics].
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("gate.toml");
    std::fs::write(&cfg, "[verify.metrics]\nerror-rate-max = 1000\nauth = 'sum(mistral_requests_total{status=\"418\"})'\n").unwrap();
    let tuned = verify(
        &svc.server.url(),
        &prom.url,
        &["--config", cfg.to_str().unwrap(), "--fail-on", "never"],
    );
    assert_eq!(
        tuned.status("deploy-error-rate"),
        "pass",
        "{}",
        tuned.check("deploy-error-rate")
    );
    assert_eq!(
        tuned.status("deploy-auth"),
        "pass",
        "{}",
        tuned.check("deploy-auth")
    );
    assert!(tuned.check("deploy-auth")["message"]
        .as_str()
        .unwrap()
        .contains("no data"));
}

#[test]
fn probes_judge_health_latency_and_reachability_without_showing_the_key() {
    let svc = service(|| false);
    let url = svc.server.url();
    let plain = |extra: &[&str]| {
        let mut a = vec![
            "verify",
            "--url",
            url.as_str(),
            "--format",
            "json",
            "--probe-timeout",
            "1s",
        ];
        a.extend_from_slice(extra);
        run(gate(&a, &[]))
    };
    let ok = plain(&[]);
    assert_eq!(ok.code, 0, "{}", ok.describe());
    assert_eq!(ok.status("deploy-error-rate"), "skip");
    assert!(ok.check("deploy-error-rate")["message"]
        .as_str()
        .unwrap()
        .contains("--prometheus"));

    svc.knobs.lock().unwrap().degraded = true;
    let degraded = plain(&[]);
    assert_eq!(
        (degraded.code, degraded.status("deploy-health").as_str()),
        (0, "warn"),
        "{}",
        degraded.describe()
    );

    svc.knobs.lock().unwrap().degraded = false;
    svc.knobs.lock().unwrap().slow_ms = 300;
    let slow = plain(&["--max-latency-ms", "100"]);
    assert_eq!(slow.status("deploy-latency"), "warn", "{}", slow.describe());
    assert_eq!(slow.code, 0);

    svc.knobs.lock().unwrap().slow_ms = 0;
    svc.knobs.lock().unwrap().unhealthy = true;
    let down = plain(&["--smoke-path", "/api/chat"]);
    assert_eq!(
        (down.code, down.status("deploy-health").as_str()),
        (1, "fail"),
        "{}",
        down.describe()
    );
    let msg = down.check("deploy-health")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("503") && msg.contains("****"), "{msg}");
    down.assert_no_key();
    assert_eq!(down.status("rollback"), "skip");

    // Nothing listening: fail, quickly, not a hang.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let t = std::time::Instant::now();
    let refused = run(gate(
        &[
            "verify",
            "--url",
            &dead,
            "--format",
            "json",
            "--prometheus",
            &dead,
        ],
        &[],
    ));
    assert_eq!(
        (refused.code, refused.status("deploy-health").as_str()),
        (1, "fail"),
        "{}",
        refused.describe()
    );
    assert_eq!(refused.status("deploy-error-rate"), "error");
    assert!(t.elapsed() < std::time::Duration::from_secs(10));

    // Usage errors: exit 2.
    for bad in [
        vec!["verify", "--url", "ftp://x"],
        vec![
            "verify",
            "--url",
            url.as_str(),
            "--smoke-path",
            "/x",
            "--smoke-body",
            "{",
        ],
        vec!["verify", "--url", url.as_str(), "--window", "10x"],
        vec!["verify", "--url", url.as_str(), "--rollback"],
        vec!["rollout", "--url", url.as_str(), "--image", "x"],
    ] {
        let r = run(gate(&bad, &[]));
        assert_eq!(r.code, 2, "{bad:?}: {}", r.describe());
    }
}
