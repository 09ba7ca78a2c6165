//! The health probe and the smoke request: bounded in time, retried a bounded number of
//! times, and every body shown redacted.
//!
//! A probe attempt has a time limit (`--probe-timeout`); a connection error, a timeout or
//! a 5xx is tried again up to [`RETRIES`] times after a short pause, so one dropped
//! packet does not roll a release back, and a service that stays down fails within
//! `(RETRIES + 1) × timeout + pauses`. Redirects are not followed (a health endpoint
//! that redirects is misconfigured, and a redirect could lead the smoke request
//! elsewhere). Bodies are read up to [`BODY_CAP`] bytes.

use std::time::{Duration, Instant};

use reqwest::{StatusCode, Url};

use super::redact::Redactor;
use super::{HealthOutcome, SmokeOutcome};

/// Attempts after the first, for a failure that may be transient.
const RETRIES: u32 = 2;
/// Pause before the first retry; doubled for each next one.
const RETRY_PAUSE: Duration = Duration::from_millis(250);
/// How much of a body is read.
const BODY_CAP: usize = 64 * 1024;

/// What to probe, validated.
#[derive(Debug, Clone)]
pub struct ProbeSpec {
    pub health: Url,
    pub smoke: Option<Smoke>,
    pub timeout: Duration,
    pub max_latency_ms: u64,
}

#[derive(Debug, Clone)]
pub struct Smoke {
    pub url: Url,
    pub body: serde_json::Value,
    /// A JSON pointer (`/choices/0/message/content`).
    pub expect: String,
}

/// Why a URL or a smoke option was refused (usage error).
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("--url {0:?} is not an http or https URL")]
    Url(String),
    #[error("{flag} {path:?} must start with /")]
    Path { flag: &'static str, path: String },
    #[error("--smoke-body is not JSON: {0}")]
    Body(String),
    #[error("--smoke-expect {0:?} is not a JSON pointer (it starts with /)")]
    Pointer(String),
}

impl ProbeSpec {
    pub fn new(
        base: &str,
        health_path: &str,
        smoke: Option<(&str, &str, &str)>,
        timeout: Duration,
        max_latency_ms: u64,
    ) -> Result<ProbeSpec, SpecError> {
        let base_url = Url::parse(base).map_err(|_| SpecError::Url(base.to_string()))?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.host_str().is_none() {
            return Err(SpecError::Url(base.to_string()));
        }
        let join = |flag: &'static str, path: &str| -> Result<Url, SpecError> {
            if !path.starts_with('/') {
                return Err(SpecError::Path {
                    flag,
                    path: path.to_string(),
                });
            }
            let mut u = base_url.clone();
            let prefix = u.path().trim_end_matches('/').to_string();
            let (p, q) = path.split_once('?').unwrap_or((path, ""));
            u.set_path(&format!("{prefix}{p}"));
            u.set_query((!q.is_empty()).then_some(q));
            Ok(u)
        };
        let smoke = match smoke {
            None => None,
            Some((path, body, expect)) => {
                if !(expect.is_empty() || expect.starts_with('/')) {
                    return Err(SpecError::Pointer(expect.to_string()));
                }
                Some(Smoke {
                    url: join("--smoke-path", path)?,
                    body: serde_json::from_str(body).map_err(|e| SpecError::Body(e.to_string()))?,
                    expect: expect.to_string(),
                })
            }
        };
        Ok(ProbeSpec {
            health: join("--health-path", health_path)?,
            smoke,
            timeout,
            max_latency_ms,
        })
    }
}

/// Sends the probes.
pub struct Prober {
    client: reqwest::Client,
    spec: ProbeSpec,
    redact: Redactor,
}

/// One answer: status, a bounded body, and the round trip.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
    latency_ms: u64,
}

impl Prober {
    pub fn new(spec: ProbeSpec, redact: Redactor) -> Prober {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(spec.timeout)
            .timeout(spec.timeout)
            .user_agent(concat!("mistral-gate/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("HTTP client (rustls) builds");
        Prober {
            client,
            spec,
            redact,
        }
    }

    pub fn health_url(&self) -> String {
        self.redact.url(&self.spec.health)
    }

    pub fn has_smoke(&self) -> bool {
        self.spec.smoke.is_some()
    }

    /// One health probe (with its retries): the outcome and the latency of the answer judged.
    pub async fn health(&self) -> (HealthOutcome, u64) {
        match self.send(|c| c.get(self.spec.health.clone())).await {
            Err(why) => (HealthOutcome::Failed(why), 0),
            Ok(a) => (judge_health(&a, &self.redact), a.latency_ms),
        }
    }

    /// The smoke request (with its retries), when one is configured.
    pub async fn smoke(&self) -> Option<SmokeOutcome> {
        let smoke = self.spec.smoke.as_ref()?;
        let answer = self
            .send(|c| c.post(smoke.url.clone()).json(&smoke.body))
            .await;
        Some(match answer {
            Err(why) => SmokeOutcome::Failed(why),
            Ok(a) if !a.status.is_success() => SmokeOutcome::Failed(format!(
                "HTTP {} from {}: {}",
                a.status.as_u16(),
                self.redact.url(&smoke.url),
                self.redact.show(&String::from_utf8_lossy(&a.body))
            )),
            Ok(a) => match serde_json::from_slice::<serde_json::Value>(&a.body) {
                Err(_) => SmokeOutcome::Failed(format!(
                    "the answer is not JSON: {}",
                    self.redact.show(&String::from_utf8_lossy(&a.body))
                )),
                Ok(v) => match v.pointer(&smoke.expect).filter(|v| !is_empty(v)) {
                    Some(found) => SmokeOutcome::Answered {
                        preview: self.redact.show(&match found {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        }),
                        latency_ms: a.latency_ms,
                    },
                    None => SmokeOutcome::Failed(format!(
                        "{} holds no value in the answer: {}",
                        smoke.expect,
                        self.redact.show(&v.to_string())
                    )),
                },
            },
        })
    }

    /// Sends a request with the bounded retries; `Err` says why no answer was judged.
    async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Answer, String> {
        let mut pause = RETRY_PAUSE;
        let mut attempt = 0;
        loop {
            let result = self.once(build(&self.client)).await;
            let transient = match &result {
                Err(_) => true,
                Ok(a) => a.status.is_server_error(),
            };
            if !transient || attempt == RETRIES {
                let tries = if attempt == 0 {
                    String::new()
                } else {
                    format!(" ({} attempts)", attempt + 1)
                };
                return result.map_err(|e| format!("{e}{tries}"));
            }
            attempt += 1;
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }

    async fn once(&self, request: reqwest::RequestBuilder) -> Result<Answer, String> {
        let started = Instant::now();
        let mut response = request.send().await.map_err(|e| self.describe(&e))?;
        let status = response.status();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = BODY_CAP.saturating_sub(body.len());
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if body.len() >= BODY_CAP {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(self.describe(&e)),
            }
        }
        Ok(Answer {
            status,
            body,
            latency_ms: started.elapsed().as_millis().min(u64::MAX as u128) as u64,
        })
    }

    fn describe(&self, e: &reqwest::Error) -> String {
        let what = if e.is_timeout() {
            format!("no answer within {} ms", self.spec.timeout.as_millis())
        } else if e.is_connect() {
            "cannot connect (connection refused or unreachable)".to_string()
        } else {
            "the connection failed before a complete answer".to_string()
        };
        match e.url() {
            Some(u) => format!("{what}: {}", self.redact.url(u)),
            None => what,
        }
    }
}

/// 2xx and `status` healthy is healthy; `degraded` warns; non-2xx or `unhealthy` fails.
fn judge_health(a: &Answer, redact: &Redactor) -> HealthOutcome {
    let body = || redact.show(&String::from_utf8_lossy(&a.body));
    if !a.status.is_success() {
        return HealthOutcome::Failed(format!("HTTP {}: {}", a.status.as_u16(), body()));
    }
    let status = serde_json::from_slice::<serde_json::Value>(&a.body)
        .ok()
        .and_then(|v| {
            v.get("status")
                .and_then(|s| s.as_str())
                .map(str::to_ascii_lowercase)
        });
    match status.as_deref() {
        None | Some("healthy" | "ok" | "up" | "pass") => HealthOutcome::Healthy,
        Some("unhealthy" | "down" | "fail") => {
            HealthOutcome::Failed(format!("status unhealthy: {}", body()))
        }
        Some("degraded" | "warn") => {
            HealthOutcome::Degraded(format!("status degraded: {}", body()))
        }
        Some(_) => HealthOutcome::Degraded(format!("unknown status: {}", body())),
    }
}

fn is_empty(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.trim().is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.as_bytes().to_vec(),
            latency_ms: 1,
        }
    }

    #[test]
    fn health_statuses() {
        let r = Redactor::default();
        assert_eq!(judge_health(&answer(200, "ok"), &r), HealthOutcome::Healthy);
        assert_eq!(
            judge_health(&answer(200, r#"{"status":"healthy"}"#), &r),
            HealthOutcome::Healthy
        );
        assert!(matches!(
            judge_health(&answer(200, r#"{"status":"degraded"}"#), &r),
            HealthOutcome::Degraded(_)
        ));
        assert!(matches!(
            judge_health(&answer(200, r#"{"status":"unhealthy"}"#), &r),
            HealthOutcome::Failed(_)
        ));
        assert!(matches!(
            judge_health(&answer(503, r#"{"status":"healthy"}"#), &r),
            HealthOutcome::Failed(_)
        ));
        assert!(matches!(
            judge_health(&answer(302, ""), &r),
            HealthOutcome::Failed(_)
        ));
    }

    #[test]
    fn paths_join_the_base_and_bad_input_is_refused() {
        let s = ProbeSpec::new(
            "http://127.0.0.1:1/app/",
            "/health",
            Some(("/api/chat", "{}", "/a")),
            Duration::from_secs(1),
            5,
        )
        .unwrap();
        assert_eq!(s.health.as_str(), "http://127.0.0.1:1/app/health");
        assert_eq!(
            s.smoke.unwrap().url.as_str(),
            "http://127.0.0.1:1/app/api/chat"
        );
        let t = Duration::from_secs(1);
        assert!(ProbeSpec::new("ftp://x", "/h", None, t, 5).is_err());
        assert!(ProbeSpec::new("not a url", "/h", None, t, 5).is_err());
        assert!(ProbeSpec::new("http://x", "h", None, t, 5).is_err());
        assert!(ProbeSpec::new("http://x", "/h", Some(("/s", "{", "/a")), t, 5).is_err());
        assert!(ProbeSpec::new("http://x", "/h", Some(("/s", "{}", "a")), t, 5).is_err());
    }
}
