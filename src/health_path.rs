//! The one definition of a health path: what a readiness probe, a post-deploy
//! `curl` and a health route must point at. Before, three modules each had a list and
//! they differed (`/ping` counted for a curl but not for a route).
//!
//! A path is a health path when one of its segments (split on `/ . - _`) is one of
//! [`HEALTH_WORDS`]: `/health`, `/healthz`, `/api/v1/health-check`, `/_ready`,
//! `/livez`, `/ping`, `/status`. Query strings and hosts are not part of the path.

/// The words of a health path segment.
const HEALTH_WORDS: &[&str] = &[
    "health",
    "healthz",
    "healthcheck",
    "healthy",
    "ready",
    "readyz",
    "readiness",
    "live",
    "livez",
    "liveness",
    "alive",
    "ping",
    "status",
    "heartbeat",
];

/// True when `path` (a URL path, or a full URL) is a health path.
pub fn is_health_path(path: &str) -> bool {
    let path = url_path(path);
    path.to_ascii_lowercase()
        .split(['/', '.', '-', '_'])
        .any(|seg| HEALTH_WORDS.contains(&seg))
}

/// The path part of a URL (`https://app.example.com/health?x=1` → `/health`); a path
/// is returned as is, without its query.
fn url_path(s: &str) -> &str {
    let s = s.split(['?', '#']).next().unwrap_or(s);
    match s.find("://") {
        Some(i) => {
            let rest = &s[i + 3..];
            rest.find('/').map_or("", |j| &rest[j..])
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_paths_and_others() {
        for p in [
            "/health",
            "/healthz",
            "/api/v1/health-check",
            "/_ready",
            "/livez",
            "/ping",
            "https://app.example.com/health?full=1",
            "http://localhost:8080/readyz",
            "/status",
        ] {
            assert!(is_health_path(p), "{p}");
        }
        for p in [
            "/",
            "/api/chat",
            "https://health.example.com/api/chat",
            "/metrics",
            "/healthcare/records",
            "/readme",
        ] {
            assert!(!is_health_path(p), "{p}");
        }
    }
}
