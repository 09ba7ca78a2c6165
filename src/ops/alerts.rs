//! Alert rules: Prometheus rule files, `PrometheusRule` resources, and Datadog monitors
//! as JSON or Terraform (`resource "datadog_monitor"`), each with what its expression
//! measures.
//!
//! An alert is recognised by its expression, never by its name: `alert: MistralDown`
//! over `up == 0` measures no 5xx rate. The patterns read PromQL label matchers and
//! Datadog query tags (`status=~"5.."`, `code="429"`, `http.status_code:401`),
//! quantiles (`histogram_quantile(0.95, ...)`, `p95:`), and metric names that say what
//! they count (`..._circuit_breaker_state`, `..._tokens_total`, `..._cost_usd`).

use std::sync::LazyLock;

use regex::Regex;
use serde_yaml::Value;

use super::yaml::{dig, get, scalar, Doc, LineFinder};

/// The checklist's alert table, one variant a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    ServerErrors,
    Latency,
    RateLimited,
    AuthFailure,
    CircuitOpen,
    Cost,
}

impl Signal {
    pub const ALL: [Signal; 6] = [
        Signal::ServerErrors,
        Signal::Latency,
        Signal::RateLimited,
        Signal::AuthFailure,
        Signal::CircuitOpen,
        Signal::Cost,
    ];

    /// The row of the checklist's alert table.
    pub fn row(self) -> &'static str {
        match self {
            Signal::ServerErrors => "API down (5xx)",
            Signal::Latency => "high latency (p95)",
            Signal::RateLimited => "rate limited (429)",
            Signal::AuthFailure => "auth failure (401)",
            Signal::CircuitOpen => "circuit open",
            Signal::Cost => "cost spike (spend or tokens)",
        }
    }

    /// What an expression that matches measures, for evidence.
    pub fn measures(self) -> &'static str {
        match self {
            Signal::ServerErrors => "a 5xx error rate",
            Signal::Latency => "a p95 latency",
            Signal::RateLimited => "429 responses",
            Signal::AuthFailure => "401 responses",
            Signal::CircuitOpen => "the circuit breaker state",
            Signal::Cost => "spend or token usage",
        }
    }
}

static PATTERNS: LazyLock<Vec<(Signal, Regex)>> = LazyLock::new(|| {
    let status =
        r#"(status|code|status_code|http_status|response_code)[\w.]*\s*(=~|!~|==|=|:)\s*["'`]?"#;
    vec![
        (Signal::ServerErrors, format!(r#"(?i)\b5xx\b|_5xx|{status}(5(\.\.|\.\*|\d\d|\[0-9\]|xx|\*)|\(?5)|(status|code)\w*\s*>=?\s*(499|500)\b"#)),
        (Signal::Latency, r#"(?i)histogram_quantile\s*\(\s*0?\.9[0-9]*\b|quantile\s*=~?\s*["']0?\.9[0-9]*["']|\bp(9[0-9]|95)\b|\.9[0-9]?percentile|percentile\s*\(\s*9[0-9]"#.to_string()),
        (Signal::RateLimited, format!(r#"(?i){status}(429|4\(29\))|rate_?limit(ed)?|too_?many_?requests|\b429\b"#)),
        (Signal::AuthFailure, format!(r#"(?i){status}(401|40\[13\]|4\(01|403\))|unauthori[sz]ed|auth(entication)?_?(fail|error)|\b401\b"#)),
        (Signal::CircuitOpen, r"(?i)circuit|breaker".to_string()),
        (Signal::Cost, r"(?i)token|cost|spend|usd|dollar|billing|budget".to_string()),
    ]
    .into_iter()
    .map(|(s, p)| (s, Regex::new(&p).expect("alert pattern")))
    .collect()
});

/// What an alert expression measures.
pub fn signals(expr: &str) -> Vec<Signal> {
    PATTERNS
        .iter()
        .filter(|(_, re)| re.is_match(expr))
        .map(|(s, _)| *s)
        .collect()
}

/// Where an alert rule was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertSource {
    PrometheusRules,
    PrometheusRule,
    DatadogJson,
    DatadogTerraform,
}

#[derive(Debug, Clone)]
pub struct AlertRule {
    pub path: String,
    pub line: u32,
    pub name: String,
    pub expr: String,
    pub source: AlertSource,
    pub signals: Vec<Signal>,
}

fn rule(path: &str, line: u32, name: String, expr: String, source: AlertSource) -> AlertRule {
    let signals = signals(&expr);
    AlertRule {
        path: path.to_string(),
        line,
        name,
        expr,
        source,
        signals,
    }
}

/// Alerting rules of Prometheus rule files (`groups:`) and PrometheusRule resources.
pub fn prometheus(path: &str, text: &str, docs: &[Doc]) -> Vec<AlertRule> {
    let mut finder = LineFinder::new(text);
    let mut out = Vec::new();
    for doc in docs {
        let (groups, source) = match get(&doc.value, "kind").and_then(scalar).as_deref() {
            Some("PrometheusRule") => (
                dig(&doc.value, &["spec", "groups"]),
                AlertSource::PrometheusRule,
            ),
            _ => (get(&doc.value, "groups"), AlertSource::PrometheusRules),
        };
        finder.seek(doc.line);
        for group in groups.and_then(Value::as_sequence).into_iter().flatten() {
            for r in get(group, "rules")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let (Some(name), Some(expr)) = (
                    get(r, "alert").and_then(scalar),
                    get(r, "expr").and_then(scalar),
                ) else {
                    continue;
                };
                let line = match finder.find(&format!("alert: {name}"), 0) {
                    0 => finder.find(&name, doc.line), // a quoted name
                    l => l,
                };
                out.push(rule(path, line, name, expr, source));
            }
        }
    }
    out
}

/// Datadog monitors in JSON: one monitor object, an array of them, or `{"monitors": [...]}`.
pub fn datadog_json(path: &str, text: &str) -> Vec<AlertRule> {
    if !text.contains("\"query\"") {
        return Vec::new();
    }
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let monitors: Vec<&serde_json::Value> = match &json {
        serde_json::Value::Array(a) => a.iter().collect(),
        serde_json::Value::Object(o) => match o.get("monitors").and_then(|m| m.as_array()) {
            Some(a) => a.iter().collect(),
            None => vec![&json],
        },
        _ => Vec::new(),
    };
    let mut finder = LineFinder::new(text);
    let mut out = Vec::new();
    for m in monitors {
        let (Some(query), Some(kind)) = (
            m.get("query").and_then(|q| q.as_str()),
            m.get("type").and_then(|t| t.as_str()),
        ) else {
            continue;
        };
        if !kind.contains("alert") && !kind.contains("monitor") {
            continue;
        }
        let name = m
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string();
        let line = if name.is_empty() {
            finder.find("\"query\"", 1)
        } else {
            finder.find(&name, 1)
        };
        out.push(rule(
            path,
            line,
            name,
            query.to_string(),
            AlertSource::DatadogJson,
        ));
    }
    out
}

static TF_MONITOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*resource\s+"datadog_monitor"\s+"([^"]+)""#).unwrap());
static TF_ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*(name|query)\s*=\s*(.*)$"#).unwrap());

/// `resource "datadog_monitor"` blocks of Terraform files: `name` and `query`
/// (a quoted string or a heredoc).
pub fn datadog_terraform(path: &str, text: &str) -> Vec<AlertRule> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(cap) = TF_MONITOR.captures(lines[i]) else {
            i += 1;
            continue;
        };
        let start = i;
        let mut name = cap[1].to_string();
        let mut query = String::new();
        let mut depth = 0i32;
        loop {
            let l = lines[i];
            if let Some(attr) = TF_ATTR.captures(l) {
                let value = attr[2].trim();
                let value = if let Some(tag) = value
                    .strip_prefix("<<-")
                    .or_else(|| value.strip_prefix("<<"))
                {
                    let mut body = String::new();
                    while i + 1 < lines.len() && lines[i + 1].trim() != tag.trim() {
                        i += 1;
                        body.push_str(lines[i]);
                        body.push('\n');
                    }
                    i += 1;
                    body
                } else {
                    value.trim_matches('"').to_string()
                };
                if &attr[1] == "name" {
                    name = value;
                } else {
                    query = value;
                }
            } else {
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
            }
            if i != start && depth <= 0 || i + 1 >= lines.len() {
                break;
            }
            i += 1;
        }
        if !query.is_empty() {
            out.push(rule(
                path,
                start as u32 + 1,
                name,
                query,
                AlertSource::DatadogTerraform,
            ));
        }
        i += 1;
    }
    out
}

/// True when a YAML document looks like Prometheus rules or a PrometheusRule.
pub fn is_rule_doc(doc: &Value) -> bool {
    get(doc, "kind").and_then(scalar).as_deref() == Some("PrometheusRule")
        || get(doc, "groups")
            .and_then(Value::as_sequence)
            .is_some_and(|g| g.iter().any(|x| get(x, "rules").is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_by_what_they_measure() {
        let cases = [
            (
                r#"sum(rate(mistral_requests_total{status=~"5.."}[1m])) * 60 > 10"#,
                Signal::ServerErrors,
            ),
            (
                r#"histogram_quantile(0.95, sum by (le) (rate(mistral_request_duration_seconds_bucket[5m]))) > 5"#,
                Signal::Latency,
            ),
            (
                r#"sum(rate(mistral_requests_total{code="429"}[1m])) * 60 > 5"#,
                Signal::RateLimited,
            ),
            (
                r#"increase(mistral_requests_total{status="401"}[5m]) > 0"#,
                Signal::AuthFailure,
            ),
            (
                r#"max(mistral_circuit_breaker_state) == 1"#,
                Signal::CircuitOpen,
            ),
            (
                r#"sum(increase(mistral_cost_usd_total[1h])) > 10"#,
                Signal::Cost,
            ),
            (
                r#"sum:mistral.requests{http.status_code:5xx}.as_count() > 10"#,
                Signal::ServerErrors,
            ),
            (
                r#"avg(last_5m):p95:trace.http.request{service:chat} > 5"#,
                Signal::Latency,
            ),
        ];
        for (expr, want) in cases {
            assert_eq!(signals(expr), vec![want], "{expr}");
        }
        assert!(signals("up{job=\"mistral\"} == 0").is_empty());
        assert!(signals("histogram_quantile(0.5, rate(x_bucket[5m])) > 500").is_empty());
    }

    #[test]
    fn rule_lines_with_quoted_names_and_repeated_groups() {
        let text = "groups:\n  - name: a\n    rules:\n      - alert: \"Mistral 5xx\"\n        expr: sum(rate(x{code=~\"5..\"}[1m])) > 1\n  - name: b\n    rules:\n      - alert: Tokens\n        expr: sum(rate(mistral_tokens_total[1h])) > 1\n";
        let docs = super::super::yaml::load_all(text).unwrap();
        let rules = prometheus("rules.yaml", text, &docs);
        let lines: Vec<(u32, &str)> = rules.iter().map(|r| (r.line, r.name.as_str())).collect();
        assert_eq!(lines, vec![(4, "Mistral 5xx"), (8, "Tokens")]);
    }

    #[test]
    fn terraform_monitor_with_heredoc() {
        let text = "resource \"datadog_monitor\" \"spend\" {\n  name    = \"Mistral spend\"\n  type    = \"query alert\"\n  query   = <<-EOT\n    sum(last_1h):sum:mistral.cost.usd{*}.as_count() > 10\n  EOT\n  message = \"@pagerduty\"\n}\n\nresource \"datadog_monitor\" \"auth\" {\n  name  = \"Mistral 401\"\n  type  = \"query alert\"\n  query = \"sum(last_5m):sum:mistral.requests{status_code:401}.as_count() > 0\"\n}\n";
        let rules = datadog_terraform("monitors.tf", text);
        assert_eq!(rules.len(), 2);
        assert_eq!(
            (rules[0].line, rules[0].signals.clone()),
            (1, vec![Signal::Cost])
        );
        assert_eq!(
            (
                rules[1].line,
                rules[1].name.as_str(),
                rules[1].signals.clone()
            ),
            (10, "Mistral 401", vec![Signal::AuthFailure])
        );
    }
}
