//! key-valid, key-model-access and fallback-key against the mock Mistral API: every
//! answer the API gives (and some it should not), the https rule, `--offline`, no key,
//! and `::add-mask::` in GitHub Actions. Every run also asserts that neither key shows
//! in stdout, stderr or any report file (see `live_support::Call::run`).
mod common;
mod live_support;

use std::time::Duration;

use common::http::{MockServer, Reply};
use common::{Repo, FAKE_FALLBACK_KEY, FAKE_MISTRAL_KEY};
use live_support::{bearer, repo_expecting, Call, MODEL_LIST};

fn models_ok() -> MockServer {
    MockServer::start(|_| Reply::json(200, MODEL_LIST))
}

#[test]
fn valid_key_passes_with_one_authenticated_request() {
    let server = models_ok();
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run();
    assert_eq!(live.status("key-valid"), "pass");
    let message = live.message("key-valid");
    assert!(
        message.contains("****a1Ue") && message.contains("200") && message.contains("4 models"),
        "{message}"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("GET", "/v1/models")
    );
    assert_eq!(bearer(&reqs[0]), Some(FAKE_MISTRAL_KEY));
    // No fallback: fallback-key fails, with warning severity, which does not block by default.
    assert_eq!(live.status("fallback-key"), "fail");
    assert_eq!(
        common::check(&live.report(), "fallback-key")["severity"],
        "warning"
    );
    assert_eq!(live.run.code(), 0);
}

#[test]
fn unauthorized_fails_whatever_the_body() {
    for body in [
        r#"{"message":"Unauthorized","request_id":"0f3c"}"#,
        r#"{"detail":"Unauthorized"}"#,
        "",
    ] {
        let server = MockServer::start(move |_| Reply::json(401, body));
        let repo = Repo::new();
        let live = Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run();
        assert_eq!(live.status("key-valid"), "fail", "body {body:?}");
        let message = live.message("key-valid");
        assert!(
            message.contains("401") && message.contains("****a1Ue"),
            "{message}"
        );
        if !body.is_empty() {
            assert!(message.contains("Unauthorized\")"), "{message}");
        }
        assert_eq!(server.requests().len(), 1, "a refused key is not retried");
        assert_eq!(live.status("key-model-access"), "skip");
        assert_eq!(live.run.code(), 1);
    }
}

#[test]
fn forbidden_fails() {
    let server = MockServer::start(|_| Reply::json(403, r#"{"message":"Forbidden"}"#));
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run();
    assert_eq!(live.status("key-valid"), "fail");
    assert!(live.message("key-valid").contains("403 Forbidden"));
    assert_eq!(live.run.code(), 1);
}

#[test]
fn zero_request_limit_means_the_plan_has_no_api_access() {
    let server = MockServer::start(|_| {
        Reply::json(429, r#"{"message":"Requests rate limit exceeded"}"#)
            .with_header("x-ratelimit-limit-req-minute", "0")
            .with_header("retry-after", "1")
    });
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run();
    assert_eq!(live.status("key-valid"), "fail");
    assert!(
        live.message("key-valid")
            .contains("the plan has no API access"),
        "{}",
        live.message("key-valid")
    );
    assert_eq!(
        server.requests().len(),
        1,
        "waiting would not help: no retry"
    );
    assert_eq!(live.run.code(), 1);
}

/// The answers that leave the key's validity unknown: `error` with the cause, never
/// `fail` (the gate passes unless --strict) and never `pass`.
fn assert_unknown(server: &MockServer, timing: Option<&str>, cause: &str) -> live_support::Live {
    let repo = repo_expecting(&["mistral-large-2512"]);
    let mut call = Call::new(&repo, &server.url())
        .key(FAKE_MISTRAL_KEY)
        .fallback(FAKE_FALLBACK_KEY);
    if let Some(t) = timing {
        call = call.timing(t);
    }
    let live = call.run();
    for id in ["key-valid", "key-model-access", "fallback-key"] {
        assert_eq!(live.status(id), "error", "{id}: {}", live.message(id));
        assert!(
            live.message(id).contains("could not verify"),
            "{id}: {}",
            live.message(id)
        );
    }
    let message = live.message("key-valid");
    assert!(message.contains(cause), "expected {cause:?} in {message:?}");
    assert_eq!(
        live.run.code(),
        0,
        "error does not fail the gate without --strict"
    );
    live
}

#[test]
fn not_found_from_a_wrong_base_is_an_error() {
    let server = MockServer::start(|_| Reply::json(404, r#"{"detail":"Not Found"}"#));
    assert_unknown(&server, None, "404 Not Found");
    assert_eq!(server.requests().len(), 2, "one request per key, no retry");
}

#[test]
fn malformed_json_is_an_error() {
    let server = MockServer::start(|_| {
        Reply::json(
            200,
            r#"{"object":"list","data":[{"id":"mistral-large-2512","#,
        )
    });
    assert_unknown(&server, None, "malformed JSON");
}

#[test]
fn connection_closed_mid_body_is_an_error() {
    let server = MockServer::start(|_| Reply::CutBody {
        status: 200,
        body: MODEL_LIST.into(),
        sent: 100,
    });
    assert_unknown(&server, None, "closed before the whole answer arrived");
}

#[test]
fn answer_slower_than_the_timeout_is_an_error() {
    let server = MockServer::start(|_| {
        Reply::Delay(
            Duration::from_secs(5),
            Box::new(Reply::json(200, MODEL_LIST)),
        )
    });
    let live = assert_unknown(
        &server,
        Some("attempt=300,budget=1500,backoff=20,attempts=2"),
        "timed out",
    );
    assert!(live.took < Duration::from_secs(4), "took {:?}", live.took);
}

#[test]
fn refused_connection_is_an_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let repo = Repo::new();
    let live = Call::new(&repo, &format!("http://127.0.0.1:{port}"))
        .key(FAKE_MISTRAL_KEY)
        .run();
    assert_eq!(live.status("key-valid"), "error");
    assert!(
        live.message("key-valid").contains("refused the connection"),
        "{}",
        live.message("key-valid")
    );
}

#[test]
fn a_redirect_is_not_followed() {
    let server = MockServer::start(|_| {
        Reply::json(301, "").with_header("location", "https://elsewhere.example.com/v1/models")
    });
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run();
    assert_eq!(live.status("key-valid"), "error");
    assert!(live
        .message("key-valid")
        .contains("redirects are not followed"));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn strict_mode_turns_an_unknown_answer_into_a_failed_gate() {
    let server = MockServer::start(|_| Reply::json(404, ""));
    let repo = Repo::new();
    Call::new(&repo, &server.url())
        .key(FAKE_MISTRAL_KEY)
        .arg("--strict")
        .run()
        .run
        .expect_code(1);
}

#[test]
fn model_access_counts_aliases() {
    let server = models_ok();
    let repo = repo_expecting(&["mistral-large-2512", "mistral-small-latest", "mistral-tiny"]);
    let live = Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run();
    assert_eq!(
        live.status("key-model-access"),
        "pass",
        "{}",
        live.message("key-model-access")
    );
    let check = common::check(&live.report(), "key-model-access").clone();
    let evidence: Vec<&str> = check["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        evidence.contains(
            &"mistral-small-latest is listed for key ****a1Ue (alias of mistral-small-2506)"
        ),
        "{evidence:?}"
    );
    assert_eq!(check["evidence"][0]["path"], ".mistral-gate.toml");
}

#[test]
fn model_access_names_each_missing_model_with_the_closest_one() {
    let server = models_ok();
    let repo = repo_expecting(&[
        "mistral-large-2411",
        "mistral-small-latest",
        "codestral-2405",
    ]);
    let live = Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run();
    assert_eq!(live.status("key-model-access"), "fail");
    let message = live.message("key-model-access");
    assert!(message.starts_with("2 of 3 model ids"), "{message}");
    assert!(
        message.contains("mistral-large-2411 (closest available: mistral-large-2512)"),
        "{message}"
    );
    assert!(
        message.contains("codestral-2405 (closest available:"),
        "{message}"
    );
    assert!(
        !message.contains("mistral-small-latest ("),
        "a listed alias is not missing: {message}"
    );
    assert_eq!(
        common::check(&live.report(), "key-model-access")["evidence"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(live.run.code(), 1);
}

#[test]
fn model_access_without_known_models_skips() {
    let server = models_ok();
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run();
    assert_eq!(live.status("key-model-access"), "skip");
    assert!(live
        .message("key-model-access")
        .contains("[models] expected"));
}

/// Answers 200 to the primary key and `fallback` to anything else.
fn primary_ok_fallback(fallback: Reply) -> MockServer {
    MockServer::start(move |req| {
        if bearer(req) == Some(FAKE_MISTRAL_KEY) {
            Reply::json(200, MODEL_LIST)
        } else {
            fallback.clone()
        }
    })
}

#[test]
fn valid_fallback_passes_and_both_keys_are_checked_concurrently() {
    let server = MockServer::start(|_| {
        Reply::Delay(
            Duration::from_millis(600),
            Box::new(Reply::json(200, MODEL_LIST)),
        )
    });
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url())
        .key(FAKE_MISTRAL_KEY)
        .fallback(FAKE_FALLBACK_KEY)
        .run();
    assert_eq!(
        live.status("fallback-key"),
        "pass",
        "{}",
        live.message("fallback-key")
    );
    assert!(live.message("fallback-key").contains("****a6Ek"));
    let reqs = server.requests();
    let mut keys: Vec<_> = reqs.iter().map(|r| bearer(r).unwrap()).collect();
    keys.sort_unstable();
    assert_eq!(keys, [FAKE_FALLBACK_KEY, FAKE_MISTRAL_KEY]);
    let gap = reqs[0].at.abs_diff(reqs[1].at);
    assert!(
        gap < Duration::from_millis(400),
        "the second key waited for the first: {gap:?}"
    );
    assert_eq!(live.run.code(), 0);
}

#[test]
fn invalid_fallback_fails() {
    let server = primary_ok_fallback(Reply::json(401, r#"{"message":"Unauthorized"}"#));
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url())
        .key(FAKE_MISTRAL_KEY)
        .fallback(FAKE_FALLBACK_KEY)
        .run();
    assert_eq!(live.status("key-valid"), "pass");
    assert_eq!(live.status("fallback-key"), "fail");
    assert!(
        live.message("fallback-key")
            .contains("fallback key ****a6Ek was refused"),
        "{}",
        live.message("fallback-key")
    );
    assert_eq!(live.run.code(), 0, "fallback-key is a warning by default");
    Call::new(&repo, &server.url())
        .key(FAKE_MISTRAL_KEY)
        .fallback(FAKE_FALLBACK_KEY)
        .arg("--fail-on")
        .arg("warning")
        .run()
        .run
        .expect_code(1);
}

#[test]
fn fallback_identical_to_the_primary_fails_without_a_second_request() {
    let server = models_ok();
    let repo = Repo::new();
    // The same key with a trailing newline, as secret stores like to add.
    let live = Call::new(&repo, &server.url())
        .key(FAKE_MISTRAL_KEY)
        .fallback(&format!("{FAKE_MISTRAL_KEY}\n"))
        .run();
    assert_eq!(live.status("fallback-key"), "fail");
    assert!(
        live.message("fallback-key").contains("is the primary key"),
        "{}",
        live.message("fallback-key")
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn missing_fallback_fails() {
    let server = models_ok();
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url())
        .key(FAKE_MISTRAL_KEY)
        .fallback("")
        .run();
    assert_eq!(live.status("fallback-key"), "fail");
    assert!(live
        .message("fallback-key")
        .contains("MISTRAL_FALLBACK_API_KEY is unset or empty"));
}

#[test]
fn no_key_skips_all_three_and_sends_nothing() {
    let server = models_ok();
    let repo = repo_expecting(&["mistral-large-2512"]);
    for key in [None, Some(""), Some("  ")] {
        let mut call = Call::new(&repo, &server.url()).fallback(FAKE_FALLBACK_KEY);
        if let Some(k) = key {
            call = call.key(k);
        }
        let live = call.run();
        for id in ["key-valid", "key-model-access", "fallback-key"] {
            assert_eq!(live.status(id), "skip", "{id}");
            // The forks note is for GitHub Actions only (a laptop run has no forks).
            assert_eq!(
                live.message(id),
                "no key given: MISTRAL_API_KEY is unset or empty",
                "{id}"
            );
        }
        assert_eq!(live.run.code(), 0);
    }
    assert!(server.requests().is_empty());
}

#[test]
fn offline_skips_all_three_and_sends_nothing() {
    let server = models_ok();
    let repo = Repo::new();
    let live = Call::new(&repo, &server.url())
        .key(FAKE_MISTRAL_KEY)
        .fallback(FAKE_FALLBACK_KEY)
        .arg("--offline")
        .run();
    for id in ["key-valid", "key-model-access", "fallback-key"] {
        assert_eq!(live.status(id), "skip");
        assert_eq!(live.message(id), "--offline: no Mistral API calls");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn the_api_base_must_be_https_unless_loopback() {
    let repo = Repo::new();
    for url in [
        "http://api.mistral.ai",
        "http://192.168.1.10:8080",
        "ftp://127.0.0.1",
    ] {
        for offline in [false, true] {
            let mut call = Call::new(&repo, url).key(FAKE_MISTRAL_KEY);
            if offline {
                call = call.arg("--offline");
            }
            let live = call.run();
            assert_eq!(live.run.code(), 2, "{url}");
            assert!(
                live.run.stderr().contains("must use https"),
                "{}",
                live.run.stderr()
            );
        }
    }
    // The same rule for the environment variable.
    let live = Call::new(&repo, "https://api.mistral.ai")
        .arg("--offline")
        .run();
    assert_eq!(live.run.code(), 0);
    let mut gate = repo
        .gate(&["--offline"])
        .env("MISTRAL_API_URL", "http://evil.example.com");
    gate.cmd.env("MISTRAL_API_KEY", FAKE_MISTRAL_KEY);
    let run = gate.run().expect_code(2);
    assert!(!run.stderr().contains(FAKE_MISTRAL_KEY));
}

#[test]
fn the_api_base_is_never_read_from_the_repository() {
    let server = models_ok();
    let repo = Repo::new();
    repo.write(".env", "MISTRAL_API_URL=http://evil.example.com\n");
    repo.write(
        ".mistral-gate.toml",
        "[models]\nexpected = [\"mistral-large-2512\"]\n",
    );
    let live = Call::new(&repo, &server.url()).key(FAKE_MISTRAL_KEY).run();
    assert_eq!(live.status("key-valid"), "pass");
    assert_eq!(server.requests().len(), 1);
    // And the config file has no place for one.
    repo.write(
        ".mistral-gate.toml",
        "api-url = \"http://evil.example.com\"\n",
    );
    assert_eq!(
        Call::new(&repo, &server.url())
            .key(FAKE_MISTRAL_KEY)
            .run()
            .run
            .code(),
        2
    );
}

#[test]
fn keys_are_masked_first_in_github_actions() {
    let server = models_ok();
    let repo = Repo::new();
    repo.write("README.md", "# app\n"); // an empty PATH is "nothing to scan" (exit 2)
    let gate = |format: &str| {
        repo.gate(&["--api-url", &server.url(), "--format", format])
            .env("GITHUB_ACTIONS", "true")
            .env("MISTRAL_API_KEY", FAKE_MISTRAL_KEY)
            .env("MISTRAL_FALLBACK_API_KEY", FAKE_FALLBACK_KEY)
            .run()
    };
    let text = gate("text");
    let first: Vec<&str> = text
        .output
        .stdout
        .split(|b| *b == b'\n')
        .take(2)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    assert_eq!(
        first,
        [
            format!("::add-mask::{FAKE_MISTRAL_KEY}"),
            format!("::add-mask::{FAKE_FALLBACK_KEY}")
        ]
    );
    assert_eq!(
        text.stdout().matches(FAKE_MISTRAL_KEY).count(),
        1,
        "only in the mask command"
    );
    // With a JSON stdout the commands go to stderr (the runner reads both), keeping the JSON whole.
    let json = gate("json");
    assert_eq!(json.json()["schema"], 1);
    assert!(!json.stdout().contains(FAKE_MISTRAL_KEY));
    assert!(
        json.stderr().starts_with(&format!(
            "::add-mask::{FAKE_MISTRAL_KEY}\n::add-mask::{FAKE_FALLBACK_KEY}\n"
        )),
        "{}",
        json.stderr()
    );
}

#[test]
fn a_key_with_a_control_character_is_a_usage_error_without_a_request() {
    let server = models_ok();
    let repo = Repo::new();
    let broken = "Zq4Rk9TbW2mXv7Lc\u{7}P3sNd8HfJ6gYa1Ue";
    let live = Call::new(&repo, &server.url()).key(broken).run();
    assert_eq!(live.run.code(), 2, "{}", live.run.stderr());
    assert!(
        live.run
            .stderr()
            .contains("MISTRAL_API_KEY holds the control character U+0007 inside the key"),
        "{}",
        live.run.stderr()
    );
    assert!(
        !live.run.stderr().contains("Zq4Rk") && !live.run.stderr().contains("P3sNd"),
        "no piece of the key: {}",
        live.run.stderr()
    );
    assert!(server.requests().is_empty());
}
