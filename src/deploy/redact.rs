//! What of a server's text the deploy commands may show: keys and tokens masked.
//!
//! A health or smoke body can echo a request header, a config dump or an upstream error
//! that quotes a key. Bodies are shown only in failure messages, and only after this
//! pass: the run's own keys (`MISTRAL_API_KEY`, `MISTRAL_FALLBACK_API_KEY`) through the
//! live phase's [`Scrubber`] (whole keys and any five-character run of one), then
//! anything secret-shaped: `Bearer` tokens, `key=`/`"token": "..."` values, JWTs,
//! `sk-`/`ghp_`-style prefixed keys and 32-character random runs (the shape of a
//! Mistral key). Control characters become spaces and the text is cut to a bound.

use std::sync::LazyLock;

use regex::Regex;

use crate::live::{ApiKey, Scrubber};

/// How much of a body a message shows.
const SHOWN_CHARS: usize = 200;

const MASK: &str = "****";

/// Secret-shaped text, most specific first; each match is replaced by [`MASK`] (the
/// named group `keep`, a field's name, stays).
static SHAPES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // `Authorization: Bearer x`, `bearer x`, `Basic x`
        r"(?i)(?P<keep>\b(?:bearer|basic|token)\s+)[A-Za-z0-9._~+/=-]{6,}",
        // "api_key": "x", api-key=x, password: x, secret=x, token=x, authorization: x
        r#"(?i)(?P<keep>["']?[a-z0-9_-]*(?:api[_-]?key|apikey|token|secret|password|passwd|authorization|credential)[a-z0-9_-]*["']?\s*[:=]\s*["']?)[^"'\s,;&}\]]{3,}"#,
        // JWT
        r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
        // Prefixed provider keys: sk-..., sk-ant-..., ghp_..., hf_..., AKIA..., AIza...
        r"\b(?:sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|hf_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,})",
        // The shape of a Mistral key (32 alphanumerics) or any longer random run.
        r"\b[A-Za-z0-9]{32,}\b",
    ]
    .iter()
    .map(|r| Regex::new(r).expect("redaction pattern"))
    .collect()
});

/// Masks secrets in texts the deploy commands show.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    keys: Scrubber,
}

impl Redactor {
    /// Masks `keys` (the run's own) and every secret-shaped text.
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a ApiKey>) -> Redactor {
        Redactor {
            keys: Scrubber::new(keys),
        }
    }

    /// `text` safe to show: keys and secret-shaped runs masked, control characters as
    /// spaces, whitespace runs folded, at most [`SHOWN_CHARS`] characters (then `…`).
    pub fn show(&self, text: &str) -> String {
        self.show_at_most(text, SHOWN_CHARS)
    }

    /// [`Redactor::show`] for a longer text of the gate's own (a Deployment's state).
    pub fn show_long(&self, text: &str) -> String {
        self.show_at_most(text, 4 * SHOWN_CHARS)
    }

    fn show_at_most(&self, text: &str, limit: usize) -> String {
        // Whole keys first, before anything could split them.
        let raw = String::from_utf8_lossy(&self.keys.raw(text.as_bytes())).into_owned();
        let mut s: String = raw
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        for re in SHAPES.iter() {
            s = re
                .replace_all(&s, |c: &regex::Captures| {
                    format!("{}{MASK}", c.name("keep").map_or("", |m| m.as_str()))
                })
                .into_owned();
        }
        let folded = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let cut: String = folded.chars().take(limit).collect();
        let cut = if cut.len() < folded.len() {
            format!("{cut}…")
        } else {
            cut
        };
        // Pieces of the run's keys that survived the cut (pass 2 of the scrubber).
        self.keys.text(&cut)
    }

    /// A URL safe to show: user and password removed, query values masked.
    pub fn url(&self, url: &reqwest::Url) -> String {
        let mut u = url.clone();
        let _ = u.set_username("");
        let _ = u.set_password(None);
        if u.query().is_some() {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, _)| (k.into_owned(), MASK.to_string()))
                .collect();
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
        self.show(u.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A fake key for this module's unit tests. mistral-gate: ignore no-hardcoded-secrets
    const KEY: &str = "Zq4Rk9TbW2mXv7LcP3sNd8HfJ6gYa1Ue";

    fn r() -> Redactor {
        let key = ApiKey::from_env_value(Some(KEY.into())).unwrap().unwrap();
        Redactor::new([&key])
    }

    #[test]
    fn the_runs_keys_and_secret_shapes_are_masked() {
        let r = r();
        for body in [
            format!(r#"{{"error":"bad key {KEY}"}}"#),
            format!("Authorization: Bearer {KEY}"),
            format!("key split {}\n{}", &KEY[..16], &KEY[16..]),
            "token=abcdef123456&x=1".to_string(),
            r#"{"api_key": "not-the-runs-key-but-secret"}"#.to_string(),
            "sk-proj-abcdefghijklmnop".to_string(),
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc_def".to_string(),
            // A fake key for this module's unit tests. mistral-gate: ignore no-hardcoded-secrets
            "Hn5Wc8PzQ2tLk7RmX4vBd9GsJ3yFa6Ek".to_string(),
        ] {
            let shown = r.show(&body);
            assert!(!shown.contains(&KEY[..8]), "{shown}");
            assert!(!shown.contains("abcdef123456"), "{shown}");
            assert!(!shown.contains("not-the-runs"), "{shown}");
            assert!(!shown.contains("abcdefghijklmnop"), "{shown}");
            assert!(!shown.contains("eyJzdWIi"), "{shown}");
            assert!(!shown.contains("Hn5Wc8Pz"), "{shown}");
            assert!(shown.contains("****"), "{shown}");
        }
    }

    #[test]
    fn ordinary_text_is_kept_and_bounded() {
        let r = r();
        assert_eq!(
            r.show("{\"status\":\"unhealthy\",\n\"reason\":\"mistral down\"}"),
            "{\"status\":\"unhealthy\", \"reason\":\"mistral down\"}"
        );
        let long = "x ".repeat(1000);
        assert!(r.show(&long).chars().count() <= SHOWN_CHARS + 1);
        assert!(
            r.show("\u{1b}[31mred").starts_with(' ') || r.show("\u{1b}[31mred").starts_with('[')
        );
    }

    #[test]
    fn urls_lose_credentials_and_query_values() {
        let u = reqwest::Url::parse("https://user:pw@svc.example/health?token=abc123xyz").unwrap();
        let shown = r().url(&u);
        assert!(
            !shown.contains("pw@") && !shown.contains("user") && !shown.contains("abc123xyz"),
            "{shown}"
        );
        assert!(
            shown.starts_with("https://svc.example/health?token="),
            "{shown}"
        );
    }
}
