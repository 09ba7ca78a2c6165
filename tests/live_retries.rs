//! Retries of the live phase, observed at the mock server: what is retried, how far
//! apart (backoff, `Retry-After`), when it stops (the attempt bound, the time budget).
//! Time limits are shortened with `MISTRAL_GATE_LIVE_TIMING` (see `live_support::FAST`);
//! the assertions are on the server's recorded arrival times.
mod common;
mod live_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::http::{MockServer, Reply, Request};
use common::{Repo, FAKE_MISTRAL_KEY};
use live_support::{Call, MODEL_LIST};

/// Answers the first `n` requests with `first`, then the model list.
fn fails_then_ok(n: usize, first: Reply) -> MockServer {
    let seen = AtomicUsize::new(0);
    MockServer::start(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) < n {
            first.clone()
        } else {
            Reply::json(200, MODEL_LIST)
        }
    })
}

fn gaps(reqs: &[Request]) -> Vec<Duration> {
    reqs.windows(2).map(|w| w[1].at - w[0].at).collect()
}

fn run(server: &MockServer) -> live_support::Live {
    let repo = Repo::new();
    Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run()
}

#[test]
fn rate_limited_with_retry_after_waits_as_asked_then_passes() {
    let server = fails_then_ok(
        1,
        Reply::json(429, r#"{"message":"Requests rate limit exceeded"}"#)
            .with_header("retry-after", "1"),
    );
    let live = run(&server);
    assert_eq!(
        live.status("key-valid"),
        "pass",
        "{}",
        live.message("key-valid")
    );
    let gaps = gaps(&server.requests());
    assert_eq!(gaps.len(), 1);
    assert!(
        gaps[0] >= Duration::from_millis(950) && gaps[0] < Duration::from_millis(1800),
        "{gaps:?}"
    );
}

#[test]
fn rate_limited_without_retry_after_backs_off_then_passes() {
    let server = fails_then_ok(
        2,
        Reply::json(429, r#"{"message":"Requests rate limit exceeded"}"#),
    );
    let live = run(&server);
    assert_eq!(live.status("key-valid"), "pass");
    let gaps = gaps(&server.requests());
    // Backoff 60 ms then 120 ms, each half fixed and half jitter.
    assert_eq!(gaps.len(), 2);
    assert!(gaps[0] >= Duration::from_millis(30), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(60), "{gaps:?}");
    assert!(
        gaps.iter().all(|g| *g < Duration::from_millis(800)),
        "{gaps:?}"
    );
}

#[test]
fn server_error_then_success_passes() {
    let server = fails_then_ok(
        1,
        Reply::json(500, r#"{"message":"Internal server error"}"#),
    );
    let live = run(&server);
    assert_eq!(live.status("key-valid"), "pass");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn persistent_503_with_an_html_page_stops_at_the_bound() {
    let server = MockServer::start(|_| {
        Reply::html(
            503,
            "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
        )
    });
    let live = run(&server);
    assert_eq!(live.status("key-valid"), "error");
    let message = live.message("key-valid");
    assert!(message.starts_with("could not verify key ****a1Ue: the API answered 503 Service Unavailable (an HTML error page)"), "{message}");
    assert!(message.contains("gave up after 4 attempts"), "{message}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4, "the default bound is 4 attempts");
    // Backoff doubles (60, 120, 240 ms, capped at 240, jitter halves at most).
    let gaps = gaps(&reqs);
    assert!(
        gaps[0] >= Duration::from_millis(30) && gaps[2] >= Duration::from_millis(120),
        "{gaps:?}"
    );
    assert!(reqs[3].at - reqs[0].at < Duration::from_secs(2), "{gaps:?}");
    assert_eq!(live.run.code(), 0, "an unknown answer is not a failed key");
}

#[test]
fn retry_after_beyond_the_cap_is_not_waited_for() {
    let server = MockServer::start(|_| Reply::json(429, "{}").with_header("retry-after", "120"));
    let live = run(&server);
    assert_eq!(live.status("key-valid"), "error");
    let message = live.message("key-valid");
    assert!(
        message.contains("asks to retry after 120 s, longer than the gate waits (10 s)"),
        "{message}"
    );
    assert_eq!(server.requests().len(), 1);
    assert!(live.took < Duration::from_secs(5), "{:?}", live.took);
}

#[test]
fn the_budget_bounds_the_whole_phase_when_the_api_hangs() {
    let server = MockServer::start(|_| Reply::Hang);
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url())
        .key(FAKE_MISTRAL_KEY)
        .fallback(common::FAKE_FALLBACK_KEY)
        .timing("attempt=500,budget=1300,backoff=50,backoff-cap=50")
        .run();
    assert_eq!(live.status("key-valid"), "error");
    assert!(
        live.message("key-valid").contains("timed out"),
        "{}",
        live.message("key-valid")
    );
    let reqs = server.requests();
    // Per key: 0.5 s + 0.5 s, and a third attempt would not fit in the 1.3 s budget.
    assert_eq!(reqs.len(), 4, "{reqs:?}");
    // The two keys are checked concurrently: requests are listed in the order their
    // handlers recorded them, which need not be the order they arrived in.
    let first = reqs.iter().map(|r| r.at).min().unwrap();
    assert!(
        reqs.iter()
            .all(|r| r.at - first < Duration::from_millis(1300)),
        "{reqs:?}"
    );
    assert!(live.took < Duration::from_secs(4), "took {:?}", live.took);
}
