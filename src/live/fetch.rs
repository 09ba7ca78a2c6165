//! The HTTP side of the live phase: one `GET /v1/models` per key, each attempt bounded in
//! time, retried with exponential backoff and jitter on 429, 5xx and network errors, and
//! the whole phase held within one budget whatever the server does.
//!
//! Why these numbers ([`Timing::DEFAULT`]): a CI gate must not hang a pipeline. A connect
//! takes well under a second when the API is up, so 5 s means it is not; a model list
//! comes back in about a second, so 10 s per attempt leaves room for a slow day. Four
//! attempts with backoff from 0.5 s ride out a short 5xx or rate-limit blip, and the
//! 28 s budget (checked before every attempt and every wait) keeps the worst case, every
//! attempt timing out, under the contract's 30 s.

use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Client, StatusCode, Url};
use serde::Deserialize;
use tokio::time::Instant;

use super::{ApiKey, ApiUrl, KeyCheck, KeyReport, LiveModel, Scrubber};

/// Test-only override of [`Timing`] (see [`Timing::with_override`]); not for users.
pub const TIMING_ENV: &str = "MISTRAL_GATE_LIVE_TIMING";

/// A model list larger than this is not read (today's list is about 100 KB).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// How much of a server's own message a result quotes.
const MAX_DETAIL: usize = 160;

/// Time limits and retry bounds of the live phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// To open the TCP (and TLS) connection.
    pub connect: Duration,
    /// For one attempt: connect, send, and read the whole answer.
    pub attempt: Duration,
    /// For the whole live phase, both keys together (they run concurrently).
    pub budget: Duration,
    /// Requests per key, the first included.
    pub max_attempts: u32,
    /// First backoff; doubles per retry up to `backoff_cap`, with jitter.
    pub backoff: Duration,
    pub backoff_cap: Duration,
    /// The longest `Retry-After` the gate honours; a longer one ends the retries.
    pub retry_after_cap: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {TIMING_ENV} {spec:?}: {reason}")]
pub struct TimingError {
    spec: String,
    reason: String,
}

impl Timing {
    pub const DEFAULT: Timing = Timing {
        connect: Duration::from_secs(5),
        attempt: Duration::from_secs(10),
        budget: Duration::from_secs(28),
        max_attempts: 4,
        backoff: Duration::from_millis(500),
        backoff_cap: Duration::from_secs(4),
        retry_after_cap: Duration::from_secs(10),
    };

    /// The defaults with some values shortened, from `name=value` pairs separated by
    /// commas: `connect`, `attempt`, `budget`, `backoff`, `backoff-cap`, `retry-after-cap`
    /// in milliseconds, `attempts` as a count. It exists so the tests need not wait 10 s
    /// for a timeout; a value may only shorten a default, so the 30 s promise holds
    /// whatever the environment says.
    pub fn with_override(spec: &str) -> Result<Timing, TimingError> {
        let err = |reason: String| TimingError {
            spec: spec.to_string(),
            reason,
        };
        let mut t = Timing::DEFAULT;
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| err(format!("{pair:?} is not name=value")))?;
            let n: u64 = value
                .trim()
                .parse()
                .map_err(|_| err(format!("{value:?} is not a whole number")))?;
            let ms = Duration::from_millis(n);
            let (slot, default) = match name.trim() {
                "attempts" => {
                    if n == 0 || n > u64::from(Timing::DEFAULT.max_attempts) {
                        return Err(err(format!(
                            "attempts must be 1 to {}",
                            Timing::DEFAULT.max_attempts
                        )));
                    }
                    t.max_attempts = n as u32;
                    continue;
                }
                "connect" => (&mut t.connect, Timing::DEFAULT.connect),
                "attempt" => (&mut t.attempt, Timing::DEFAULT.attempt),
                "budget" => (&mut t.budget, Timing::DEFAULT.budget),
                "backoff" => (&mut t.backoff, Timing::DEFAULT.backoff),
                "backoff-cap" => (&mut t.backoff_cap, Timing::DEFAULT.backoff_cap),
                "retry-after-cap" => (&mut t.retry_after_cap, Timing::DEFAULT.retry_after_cap),
                other => return Err(err(format!("unknown name {other:?}"))),
            };
            if ms > default {
                return Err(err(format!(
                    "{name} may only shorten its default of {} ms",
                    default.as_millis()
                )));
            }
            *slot = ms;
        }
        Ok(t)
    }

    /// An attempt is only started when at least this much of the budget is left.
    fn min_attempt(&self) -> Duration {
        self.attempt / 2
    }

    /// After `attempts` attempts left the answer unknown, with `left` of the budget:
    /// how long to wait before the next attempt, or why to stop. The next attempt then
    /// gets at most what is left, so the phase never outlasts the budget.
    fn plan_retry(
        &self,
        retry_after: Option<Duration>,
        attempts: u32,
        left: Duration,
    ) -> Result<Duration, String> {
        if attempts >= self.max_attempts {
            return Err(format!("gave up after {attempts} attempts"));
        }
        let wait = match retry_after {
            Some(asked) if asked > self.retry_after_cap => {
                return Err(format!(
                    "the API asks to retry after {} s, longer than the gate waits ({} s)",
                    asked.as_secs_f64().ceil(),
                    self.retry_after_cap.as_secs()
                ));
            }
            Some(asked) => asked,
            None => self.backoff_before(attempts),
        };
        if wait + self.min_attempt() > left {
            return Err(format!(
                "gave up after {attempts} attempts to stay within the live phase's {} s",
                self.budget.as_secs()
            ));
        }
        Ok(wait)
    }

    /// The wait before retry number `retry` (1 for the first retry): exponential, capped,
    /// with "equal jitter" (half fixed, half random) so that many gates started together
    /// do not retry in step.
    fn backoff_before(&self, retry: u32) -> Duration {
        let exp = self
            .backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.backoff_cap);
        let half = exp / 2;
        half + Duration::from_millis(fastrand::u64(0..=half.as_millis() as u64))
    }
}

/// Validates the primary key and, if given, the fallback key, concurrently, within
/// `timing.budget`. Builds its own small runtime: the rest of the gate is synchronous.
pub(super) fn check_keys(
    api: &ApiUrl,
    timing: &Timing,
    primary: &ApiKey,
    fallback: Option<&ApiKey>,
) -> (KeyReport, Option<KeyReport>) {
    let unknown = |cause: String| {
        move |key: &ApiKey| KeyReport {
            key: key.redacted(),
            check: KeyCheck::Unknown {
                cause: cause.clone(),
            },
            attempts: 0,
        }
    };
    let client = match build_client(api, timing) {
        Ok(c) => c,
        Err(e) => {
            let r = unknown(format!(
                "could not set up the HTTP client: {}",
                root_cause(&e)
            ));
            return (r(primary), fallback.map(r));
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let r = unknown(format!("could not start the async runtime: {e}"));
            return (r(primary), fallback.map(r));
        }
    };
    let endpoint = api.models_endpoint();
    // Both keys scrub every answer: a gateway could quote the other key back.
    let scrubber = Scrubber::new(std::iter::once(primary).chain(fallback));
    let result = runtime.block_on(async {
        let deadline = Instant::now() + timing.budget;
        let primary = check_key(
            &client,
            &endpoint,
            api.host(),
            primary,
            &scrubber,
            timing,
            deadline,
        );
        let fallback = async {
            match fallback {
                Some(key) => Some(
                    check_key(
                        &client,
                        &endpoint,
                        api.host(),
                        key,
                        &scrubber,
                        timing,
                        deadline,
                    )
                    .await,
                ),
                None => None,
            }
        };
        tokio::join!(primary, fallback)
    });
    // A DNS lookup runs on a blocking thread and cannot be cancelled: do not wait for it.
    runtime.shutdown_background();
    result
}

fn build_client(api: &ApiUrl, timing: &Timing) -> reqwest::Result<Client> {
    let mut builder = Client::builder()
        .connect_timeout(timing.connect)
        // A redirect could carry the key elsewhere; the API never redirects /v1/models.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("mistral-gate/", env!("CARGO_PKG_VERSION")))
        // One request per connection: a retry never reuses a connection that just failed.
        .pool_max_idle_per_host(0);
    if api.is_loopback() {
        // A loopback address is this machine; a proxy from the environment would not reach it.
        builder = builder.no_proxy();
    } else {
        builder = builder.https_only(true);
    }
    builder.build()
}

/// Why an attempt left the answer unknown, and whether the server said when to retry.
struct Retry {
    cause: String,
    retry_after: Option<Duration>,
}

enum Attempt {
    Done(KeyCheck),
    Retry(Retry),
}

async fn check_key(
    client: &Client,
    endpoint: &Url,
    host: &str,
    key: &ApiKey,
    scrubber: &Scrubber,
    timing: &Timing,
    deadline: Instant,
) -> KeyReport {
    let left = || deadline.saturating_duration_since(Instant::now());
    let mut attempts = 0;
    let check = loop {
        attempts += 1;
        let retry = match attempt(
            client,
            endpoint,
            host,
            key,
            scrubber,
            timing.attempt.min(left()),
        )
        .await
        {
            Attempt::Done(check) => break check,
            Attempt::Retry(retry) => retry,
        };
        match timing.plan_retry(retry.retry_after, attempts, left()) {
            Ok(wait) => tokio::time::sleep(wait).await,
            Err(why) => {
                break KeyCheck::Unknown {
                    cause: format!("{}; {why}", retry.cause),
                }
            }
        }
    };
    KeyReport {
        key: key.redacted(),
        check: scrub(check, scrubber),
        attempts,
    }
}

/// Pass 2 of the scrubbing ([`Scrubber::text`]) on every text of the outcome, after
/// all trimming and truncation: error details, causes, and every field of the model
/// list (ids, aliases, deprecation dates, replacement ids).
fn scrub(check: KeyCheck, scrubber: &Scrubber) -> KeyCheck {
    let s = |t: String| scrubber.text(&t);
    match check {
        KeyCheck::Rejected { status, detail } => KeyCheck::Rejected {
            status,
            detail: detail.map(s),
        },
        KeyCheck::Unknown { cause } => KeyCheck::Unknown { cause: s(cause) },
        KeyCheck::Valid { models } => KeyCheck::Valid {
            models: models
                .into_iter()
                .map(|m| LiveModel {
                    id: s(m.id),
                    aliases: m.aliases.into_iter().map(s).collect(),
                    deprecation: m.deprecation.map(s),
                    deprecation_replacement_model: m.deprecation_replacement_model.map(s),
                })
                .collect(),
        },
        KeyCheck::NoApiAccess => KeyCheck::NoApiAccess,
    }
}

/// One answer from the server, read to the end (or to [`MAX_BODY`]).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    too_large: bool,
}

async fn attempt(
    client: &Client,
    endpoint: &Url,
    host: &str,
    key: &ApiKey,
    scrubber: &Scrubber,
    limit: Duration,
) -> Attempt {
    let retry = |cause: String| {
        Attempt::Retry(Retry {
            cause,
            retry_after: None,
        })
    };
    match tokio::time::timeout(limit, exchange(client, endpoint, key)).await {
        Err(_) => retry(format!("no complete answer from {host} within {} (timed out)", seconds(limit))),
        // The request could not even be built: the key holds characters a header cannot carry.
        Ok(Err(e)) if e.is_builder() => Attempt::Done(KeyCheck::Unknown {
            cause: "the key holds characters that an HTTP header cannot carry (is it the whole key, on one line?)".into(),
        }),
        Ok(Err(e)) => retry(network_cause(&e, host)),
        Ok(Ok(mut answer)) => {
            // Pass 1 of the scrubbing, on the raw answer, before any of it is parsed,
            // trimmed or cut: every whole key (either one) replaced.
            answer.body = scrubber.raw(&answer.body);
            classify(&answer, endpoint)
        }
    }
}

async fn exchange(client: &Client, endpoint: &Url, key: &ApiKey) -> reqwest::Result<Answer> {
    let mut response = client
        .get(endpoint.clone())
        .bearer_auth(key.expose())
        .header(ACCEPT, "application/json")
        .send()
        .await?;
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    let mut too_large = false;
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY {
            too_large = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        headers,
        body,
        too_large,
    })
}

/// Turns an answer into a decision, or into a reason to retry.
fn classify(answer: &Answer, endpoint: &Url) -> Attempt {
    let status = answer.status;
    let done_unknown = |cause: String| Attempt::Done(KeyCheck::Unknown { cause });
    match status.as_u16() {
        200 if answer.too_large => done_unknown(format!("{endpoint} answered 200 with more than {} MiB, not a model list", MAX_BODY >> 20)),
        200 => match parse_model_list(&answer.headers, &answer.body) {
            Ok(models) => Attempt::Done(KeyCheck::Valid { models }),
            Err(why) => done_unknown(format!("{endpoint} answered 200 but {why}")),
        },
        401 | 403 => Attempt::Done(KeyCheck::Rejected { status: status.as_u16(), detail: server_message(&answer.body) }),
        429 if request_limit_is_zero(&answer.headers) => Attempt::Done(KeyCheck::NoApiAccess),
        429 => Attempt::Retry(Retry { cause: "rate limited (429 Too Many Requests)".into(), retry_after: retry_after(&answer.headers) }),
        500..=599 => Attempt::Retry(Retry {
            cause: format!("the API answered {}{}", status_text(status), body_summary(answer)),
            retry_after: retry_after(&answer.headers),
        }),
        404 => done_unknown(format!(
            "{endpoint} answered 404 Not Found: --api-url must be the API base, such as {}, without /v1",
            super::api_url::DEFAULT_API_URL
        )),
        300..=399 => {
            let to = answer.headers.get(LOCATION).and_then(|v| v.to_str().ok()).map(|l| format!(" to {}", one_line(l))).unwrap_or_default();
            done_unknown(format!(
                "{endpoint} answered {} (a redirect{to}); redirects are not followed so that the key goes only to the API base given: check --api-url",
                status_text(status)
            ))
        }
        _ => done_unknown(format!("{endpoint} answered {}{}", status_text(status), body_summary(answer))),
    }
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// `x-ratelimit-limit-req-minute: 0` on a 429: the workspace's plan allows no requests,
/// so waiting would not help.
fn request_limit_is_zero(headers: &HeaderMap) -> bool {
    headers
        .get("x-ratelimit-limit-req-minute")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .is_some_and(|limit| limit == 0.0)
}

/// `Retry-After` as seconds (`7`, `1.5`) or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, &format)
        .ok()?
        .assume_utc();
    let wait = at - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

fn looks_like_html(headers: &HeaderMap, body: &[u8]) -> bool {
    let html_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().contains("html"));
    html_type || String::from_utf8_lossy(body).trim_start().starts_with('<')
}

/// What an error answer's body adds to its status, in a few words.
fn body_summary(answer: &Answer) -> String {
    if looks_like_html(&answer.headers, &answer.body) {
        " (an HTML error page)".into()
    } else if let Some(message) = server_message(&answer.body) {
        format!(": {message}")
    } else {
        String::new()
    }
}

/// The server's own message in a JSON error body: `message`, `detail` or `error`.
fn server_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = ["message", "detail", "error"]
        .iter()
        .find_map(|k| match &value[*k] {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => o
                .get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string),
            _ => None,
        })?;
    let text = one_line(&text);
    (!text.is_empty()).then_some(text)
}

/// A server-provided text made fit for a one-line message: no control characters, short.
fn one_line(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() > MAX_DETAIL {
        format!("{}…", clean.chars().take(MAX_DETAIL).collect::<String>())
    } else {
        clean.to_string()
    }
}

/// One card of `GET /v1/models` (BaseModelCard or FTModelCard): only what the checks read.
#[derive(Deserialize)]
struct ModelCard {
    id: String,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    deprecation: Option<String>,
    #[serde(default)]
    deprecation_replacement_model: Option<String>,
}

/// Parses a ModelList (`{"object":"list","data":[...]}`). A bare array of cards, as in
/// the OpenAPI document's own example, is accepted too.
fn parse_model_list(headers: &HeaderMap, body: &[u8]) -> Result<Vec<LiveModel>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("with an empty body, not a model list".into());
    }
    if looks_like_html(headers, body) {
        return Err("with an HTML page, not a model list".into());
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("with malformed JSON ({e})"))?;
    let cards = match value {
        serde_json::Value::Object(mut o) => match o.remove("data") {
            Some(serde_json::Value::Array(cards)) => cards,
            _ => return Err("the JSON has no \"data\" array of models".into()),
        },
        serde_json::Value::Array(cards) => cards,
        _ => return Err("the JSON is not a model list".into()),
    };
    cards
        .into_iter()
        .enumerate()
        .map(|(i, card)| {
            let card: ModelCard = serde_json::from_value(card)
                .map_err(|e| format!("model {} of the list is not a model card ({e})", i + 1))?;
            Ok(LiveModel {
                id: card.id,
                aliases: card.aliases.unwrap_or_default(),
                deprecation: card.deprecation,
                deprecation_replacement_model: card.deprecation_replacement_model,
            })
        })
        .collect()
}

/// A network failure in plain words.
fn network_cause(e: &reqwest::Error, host: &str) -> String {
    let root = root_cause(e);
    let chain = error_chain(e);
    let io_kind = chain
        .iter()
        .find_map(|err| err.downcast_ref::<std::io::Error>().map(|io| io.kind()));
    let text = chain
        .iter()
        .map(|err| err.to_string().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" / ");
    if e.is_connect() {
        if e.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
            format!("could not connect to {host} (connect timed out)")
        } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused) {
            format!("{host} refused the connection (nothing listens there)")
        } else if text.contains("dns error") || text.contains("failed to lookup address") {
            format!("could not resolve the host name {host} (DNS)")
        } else if text.contains("certificate") || text.contains("tls") {
            format!("the TLS handshake with {host} failed ({root})")
        } else {
            format!("could not connect to {host} ({root})")
        }
    } else if e.is_timeout() {
        format!("no complete answer from {host} (timed out)")
    } else if e.is_body() || e.is_decode() || io_kind == Some(std::io::ErrorKind::UnexpectedEof) {
        format!("the connection to {host} closed before the whole answer arrived ({root})")
    } else {
        format!("the request to {host} failed ({root})")
    }
}

fn error_chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Vec<&'a (dyn std::error::Error + 'static)> {
    let mut chain = vec![e];
    while let Some(next) = chain.last().and_then(|e| e.source()) {
        chain.push(next);
    }
    chain
}

/// The innermost error's text: the one that says what actually happened.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    error_chain(e)
        .last()
        .map(|e| one_line(&e.to_string()))
        .unwrap_or_default()
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    /// The contract's numbers: connect ~5 s, ~10 s per attempt, the whole phase within 30 s.
    #[test]
    fn default_timing_keeps_the_contract() {
        let t = Timing::DEFAULT;
        assert_eq!(t.connect, Duration::from_secs(5));
        assert_eq!(t.attempt, Duration::from_secs(10));
        assert!(t.budget < Duration::from_secs(30));
        assert!(t.max_attempts >= 2, "bounded retries, but some");
        assert!(t.retry_after_cap < t.budget);
    }

    /// Worst case, every attempt running to its time limit, driven through the same
    /// `plan_retry` as `check_key` with simulated time: never past the budget.
    #[test]
    fn worst_case_stays_within_the_budget() {
        let t = Timing::DEFAULT;
        for retry_after in [None, Some(Duration::from_secs(1)), Some(t.retry_after_cap)] {
            for _ in 0..20 {
                let (mut elapsed, mut attempts) = (Duration::ZERO, 0);
                loop {
                    attempts += 1;
                    elapsed += t.attempt.min(t.budget - elapsed);
                    match t.plan_retry(retry_after, attempts, t.budget - elapsed) {
                        Ok(wait) => elapsed += wait,
                        Err(_) => break,
                    }
                }
                assert!(
                    elapsed <= t.budget,
                    "{elapsed:?} with Retry-After {retry_after:?}"
                );
                assert!(attempts >= 2, "the budget leaves room for a retry");
            }
        }
    }

    #[test]
    fn retries_stop_at_the_bound_and_at_a_long_retry_after() {
        let t = Timing::DEFAULT;
        assert!(t.plan_retry(None, 1, t.budget).is_ok());
        assert_eq!(
            t.plan_retry(Some(Duration::from_secs(3)), 1, t.budget),
            Ok(Duration::from_secs(3))
        );
        assert_eq!(
            t.plan_retry(None, t.max_attempts, t.budget),
            Err("gave up after 4 attempts".into())
        );
        assert!(t
            .plan_retry(Some(Duration::from_secs(60)), 1, t.budget)
            .unwrap_err()
            .contains("retry after 60 s"));
        assert!(t
            .plan_retry(None, 1, Duration::from_secs(2))
            .unwrap_err()
            .contains("within the live phase's 28 s"));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let t = Timing::DEFAULT;
        for _ in 0..50 {
            let first = t.backoff_before(1);
            assert!(first >= t.backoff / 2 && first <= t.backoff, "{first:?}");
            let third = t.backoff_before(3);
            assert!(
                third >= t.backoff * 2 && third <= t.backoff * 4,
                "{third:?}"
            );
            assert!(t.backoff_before(30) <= t.backoff_cap);
        }
        let draws: std::collections::HashSet<_> = (0..20).map(|_| t.backoff_before(3)).collect();
        assert!(draws.len() > 1, "no jitter");
    }

    #[test]
    fn timing_override_only_shortens() {
        let t = Timing::with_override("attempt=300, budget=2000,backoff=20,attempts=3").unwrap();
        assert_eq!(t.attempt, Duration::from_millis(300));
        assert_eq!(t.budget, Duration::from_secs(2));
        assert_eq!(t.max_attempts, 3);
        assert_eq!(t.connect, Timing::DEFAULT.connect);
        assert!(Timing::with_override("budget=60000").is_err());
        assert!(Timing::with_override("attempts=9").is_err());
        assert!(Timing::with_override("speed=1").is_err());
        assert!(Timing::with_override("attempt").is_err());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "2")])),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "0.5")])),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            Some(Duration::ZERO)
        );
        let future = (time::OffsetDateTime::now_utc() + time::Duration::seconds(30))
            .format(time::macros::format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"))
            .unwrap();
        let d = retry_after(&headers(&[("retry-after", &future)])).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&headers(&[])), None);
    }

    #[test]
    fn zero_request_limit() {
        assert!(request_limit_is_zero(&headers(&[(
            "x-ratelimit-limit-req-minute",
            "0"
        )])));
        assert!(!request_limit_is_zero(&headers(&[(
            "x-ratelimit-limit-req-minute",
            "60"
        )])));
        assert!(!request_limit_is_zero(&headers(&[])));
    }

    #[test]
    fn model_list_shapes() {
        let h = headers(&[("content-type", "application/json")]);
        let list = br#"{"object":"list","data":[
            {"id":"mistral-small-2506","object":"model","capabilities":{"completion_chat":true},"aliases":["mistral-small-latest"],"deprecation":null,"type":"base"},
            {"id":"ft:open-mistral-7b:587a6b29:20240514:7e773925","capabilities":{},"job":"j","root":"open-mistral-7b","archived":false,"type":"fine-tuned"},
            {"id":"open-mistral-7b","capabilities":{},"aliases":null,"deprecation":"2025-11-30T12:00:00Z","deprecation_replacement_model":"ministral-8b-latest"}
        ]}"#;
        let models = parse_model_list(&h, list).unwrap();
        assert_eq!(models.len(), 3);
        assert_eq!(models[0].aliases, ["mistral-small-latest"]);
        assert!(models[1].aliases.is_empty());
        assert_eq!(
            models[2].deprecation.as_deref(),
            Some("2025-11-30T12:00:00Z")
        );
        assert_eq!(
            models[2].deprecation_replacement_model.as_deref(),
            Some("ministral-8b-latest")
        );
        assert_eq!(
            parse_model_list(&h, br#"[{"id":"m","capabilities":{}}]"#).unwrap()[0].id,
            "m"
        );

        assert!(parse_model_list(&h, b"").unwrap_err().contains("empty"));
        assert!(parse_model_list(&h, b"{\"data\": [")
            .unwrap_err()
            .contains("malformed JSON"));
        assert!(parse_model_list(&h, b"{\"models\": []}")
            .unwrap_err()
            .contains("\"data\""));
        assert!(parse_model_list(&h, b"{\"data\": [{\"name\": \"x\"}]}")
            .unwrap_err()
            .contains("model 1"));
        assert!(
            parse_model_list(&headers(&[("content-type", "text/html")]), b"<html>")
                .unwrap_err()
                .contains("HTML")
        );
    }

    #[test]
    fn server_messages_of_each_shape() {
        assert_eq!(
            server_message(br#"{"message":"Unauthorized","request_id":"x"}"#).as_deref(),
            Some("Unauthorized")
        );
        assert_eq!(
            server_message(br#"{"detail":"Unauthorized"}"#).as_deref(),
            Some("Unauthorized")
        );
        assert_eq!(
            server_message(br#"{"error":{"message":"bad\nthing"}}"#).as_deref(),
            Some("bad thing")
        );
        assert_eq!(server_message(b""), None);
        assert_eq!(server_message(br#"{"detail":[{"loc":["q"]}]}"#), None);
        assert_eq!(server_message("x".repeat(500).as_bytes()), None);
        assert!(one_line(&"y".repeat(500)).chars().count() <= MAX_DETAIL + 1);
    }
}
