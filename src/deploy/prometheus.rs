//! The alert table's conditions, read from the Prometheus HTTP API.
//!
//! [`CONDITIONS`] is the one place the six conditions live: the check each decides,
//! its default PromQL on conventional metric names, and the checklist's threshold.
//! `[verify.metrics]` in the config file replaces a query (`NAME = "..."`) or a
//! threshold (`NAME-max = N`). A query's value is the largest sample of its answer
//! (vector, scalar or matrix); no series at all is "no data", and `NaN` (a quantile of
//! no traffic) is no data too. Each watch round sends `/api/v1/query`; the end of a
//! watch sends `/api/v1/query_range` over the whole window, so a spike between two
//! rounds is still seen. Every call has a time limit; none is retried.

use std::time::Duration;

use reqwest::Url;

use crate::config::VerifyMetrics;
use crate::report::CheckId;

use super::redact::Redactor;

/// One row of the checklist's alert table.
#[derive(Debug, PartialEq)]
pub struct Condition {
    /// The name a user writes in `[verify.metrics]`.
    pub name: &'static str,
    pub check: CheckId,
    pub query: &'static str,
    /// Above this fails.
    pub max: f64,
    pub unit: &'static str,
}

/// The alert table (seed "Alert Configuration"), with conventional metric names:
/// `mistral_requests_total{status}` (a counter of Mistral calls by HTTP status),
/// `mistral_request_duration_seconds` (a histogram), `mistral_circuit_breaker_open`
/// (a gauge, 1 while open) and `mistral_cost_dollars_total` (a counter of spend).
pub const CONDITIONS: [Condition; 6] = [
    Condition {
        name: "error-rate",
        check: CheckId::DeployErrorRate,
        query: r#"sum(increase(mistral_requests_total{status=~"5.."}[1m]))"#,
        max: 10.0,
        unit: "5xx/min",
    },
    Condition {
        name: "p95-latency",
        check: CheckId::DeployP95Latency,
        query: "histogram_quantile(0.95, sum by (le) (rate(mistral_request_duration_seconds_bucket[5m]))) * 1000",
        max: 5000.0,
        unit: "ms",
    },
    Condition {
        name: "rate-limited",
        check: CheckId::DeployRateLimited,
        query: r#"sum(increase(mistral_requests_total{status="429"}[1m]))"#,
        max: 5.0,
        unit: "429/min",
    },
    Condition {
        name: "auth",
        check: CheckId::DeployAuth,
        query: r#"sum(increase(mistral_requests_total{status="401"}[5m]))"#,
        max: 0.0,
        unit: "401s",
    },
    Condition {
        name: "circuit",
        check: CheckId::DeployCircuit,
        query: "max(max_over_time(mistral_circuit_breaker_open[1m]))",
        max: 0.0,
        unit: "(1 = open)",
    },
    Condition {
        name: "cost",
        check: CheckId::DeployCost,
        query: "sum(increase(mistral_cost_dollars_total[1h]))",
        max: 10.0,
        unit: "$/hour",
    },
];

/// The queries of one run: the table with the config's overrides.
#[derive(Debug, Clone)]
pub struct MetricsSpec {
    pub base: Url,
    pub timeout: Duration,
    pub queries: Vec<(&'static Condition, String, f64)>,
}

#[derive(Debug, thiserror::Error)]
#[error("--prometheus {0:?} is not an http or https URL")]
pub struct BadUrl(String);

impl MetricsSpec {
    pub fn new(
        base: &str,
        overrides: &VerifyMetrics,
        timeout: Duration,
    ) -> Result<MetricsSpec, BadUrl> {
        let mut url = Url::parse(base).map_err(|_| BadUrl(base.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(BadUrl(base.to_string()));
        }
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        let queries = CONDITIONS
            .iter()
            .map(|c| {
                (
                    c,
                    overrides
                        .queries
                        .get(c.name)
                        .cloned()
                        .unwrap_or_else(|| c.query.to_string()),
                    overrides.thresholds.get(c.name).copied().unwrap_or(c.max),
                )
            })
            .collect();
        Ok(MetricsSpec {
            base: url,
            timeout,
            queries,
        })
    }
}

/// A Prometheus HTTP API client.
pub struct Prometheus {
    client: reqwest::Client,
    base: Url,
    redact: Redactor,
}

impl Prometheus {
    pub fn new(spec: &MetricsSpec, redact: Redactor) -> Prometheus {
        Prometheus {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(spec.timeout)
                .timeout(spec.timeout)
                .build()
                .expect("HTTP client (rustls) builds"),
            base: spec.base.clone(),
            redact,
        }
    }

    /// `/api/v1/query` now: the largest sample, `None` for no data.
    pub async fn instant(&self, query: &str) -> Result<Option<f64>, String> {
        self.get("api/v1/query", &[("query", query.to_string())])
            .await
    }

    /// `/api/v1/query_range` from `start` to `end` (Unix seconds) every `step`.
    pub async fn range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        step: Duration,
    ) -> Result<Option<f64>, String> {
        self.get(
            "api/v1/query_range",
            &[
                ("query", query.to_string()),
                ("start", format!("{start:.3}")),
                ("end", format!("{end:.3}")),
                ("step", format!("{}s", step.as_secs().max(1))),
            ],
        )
        .await
    }

    async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<Option<f64>, String> {
        let url = self.base.join(path).map_err(|e| e.to_string())?;
        let response = self
            .client
            .post(url)
            .form(params)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "no answer in time".to_string()
                } else {
                    "cannot connect".to_string()
                }
            })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|_| "the answer was cut short".to_string())?;
        let body: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
            format!(
                "HTTP {}, not a Prometheus answer: {}",
                status.as_u16(),
                self.redact.show(&String::from_utf8_lossy(&bytes))
            )
        })?;
        parse_answer(&body).map_err(|e| self.redact.show(&e))
    }
}

/// The largest sample of an API answer; `Err` for `status: error`.
fn parse_answer(body: &serde_json::Value) -> Result<Option<f64>, String> {
    if body.get("status").and_then(|s| s.as_str()) != Some("success") {
        return Err(format!(
            "{}: {}",
            body.get("errorType")
                .and_then(|s| s.as_str())
                .unwrap_or("error"),
            body.get("error")
                .and_then(|s| s.as_str())
                .unwrap_or("(no message)")
        ));
    }
    let data = &body["data"];
    let sample = |pair: &serde_json::Value| -> Option<f64> {
        pair.get(1)?
            .as_str()?
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    };
    let values: Vec<f64> = match data["resultType"].as_str() {
        Some("scalar") => sample(&data["result"]).into_iter().collect(),
        Some("vector") => data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| sample(&s["value"]))
            .collect(),
        Some("matrix") => data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["values"].as_array().into_iter().flatten())
            .filter_map(sample)
            .collect(),
        other => return Err(format!("unexpected result type {other:?}")),
    };
    Ok(values.into_iter().reduce(f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_give_their_largest_finite_sample() {
        let v = json!({"status":"success","data":{"resultType":"vector","result":[
            {"metric":{},"value":[1,"3"]},{"metric":{},"value":[1,"7.5"]},{"metric":{},"value":[1,"NaN"]}]}});
        assert_eq!(parse_answer(&v), Ok(Some(7.5)));
        let m = json!({"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"values":[[1,"1"],[2,"12"]]}]}});
        assert_eq!(parse_answer(&m), Ok(Some(12.0)));
        let s = json!({"status":"success","data":{"resultType":"scalar","result":[1,"2"]}});
        assert_eq!(parse_answer(&s), Ok(Some(2.0)));
        let e = json!({"status":"success","data":{"resultType":"vector","result":[]}});
        assert_eq!(parse_answer(&e), Ok(None));
        let nan = json!({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}});
        assert_eq!(parse_answer(&nan), Ok(None));
        let err = json!({"status":"error","errorType":"bad_data","error":"parse error"});
        assert_eq!(parse_answer(&err), Err("bad_data: parse error".into()));
        assert!(parse_answer(&json!({"status":"success","data":{}})).is_err());
    }

    #[test]
    fn the_table_names_match_the_config_and_the_overrides_apply() {
        let names: Vec<&str> = CONDITIONS.iter().map(|c| c.name).collect();
        assert_eq!(names, crate::config::METRIC_CONDITIONS);
        let mut o = VerifyMetrics::default();
        o.queries.insert("auth".into(), "up".into());
        o.thresholds.insert("cost".into(), 2.0);
        let s = MetricsSpec::new("http://127.0.0.1:9090", &o, Duration::from_secs(1)).unwrap();
        assert_eq!(s.base.as_str(), "http://127.0.0.1:9090/");
        assert_eq!(s.queries[3].1, "up");
        assert_eq!(s.queries[5].2, 2.0);
        assert_eq!(s.queries[0].2, 10.0);
        assert!(MetricsSpec::new("file:///x", &o, Duration::from_secs(1)).is_err());
    }
}
