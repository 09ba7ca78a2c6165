//! Live key validation against the Mistral API.
//!
//! The only part of the gate that talks to the network: one `GET {api}/v1/models` per key
//! (primary and fallback, concurrently), with short timeouts and bounded retries, so that
//! `key-valid`, `key-model-access` and `fallback-key` can be decided, and
//! `model-lifecycle` can read the key's own model list (`deprecation` dates).
//!
//! The outcome is tri-state on purpose: a key the API accepted, a key it refused, or an
//! answer that stayed unknown (network, 5xx, garbage). The last one is never turned into
//! a pass or a fail. Keys are held in [`ApiKey`], whose `Debug` shows only the last four
//! characters, and every text that came back from the server is scrubbed of every key
//! before it is kept ([`Scrubber`]). A key with a control character or whitespace inside
//! is refused before anything is printed or sent ([`KeyError`]): the runner's
//! `::add-mask::` masks one line, so such a key would be half-masked.
//!
//! The API base comes from the command line or the run's environment ([`ApiUrl`]),
//! never from the scanned repository: a pull request must not be able to choose the host
//! that receives the key.

mod api_url;
mod fetch;
mod scrub;

pub use api_url::{ApiUrl, ApiUrlError, DEFAULT_API_URL};
pub use fetch::{Timing, TimingError, TIMING_ENV};
pub use scrub::{Scrubber, MIN_RUN};

use crate::secrets::redact;

/// One entry of `GET /v1/models` as the key sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveModel {
    pub id: String,
    pub aliases: Vec<String>,
    /// RFC 3339 timestamp: deprecated until then, retired after.
    pub deprecation: Option<String>,
    pub deprecation_replacement_model: Option<String>,
}

impl LiveModel {
    /// True when `id` names this model, by its id or one of its aliases.
    pub fn answers_to(&self, id: &str) -> bool {
        self.id == id || self.aliases.iter().any(|a| a == id)
    }
}

/// A Mistral API key. Never printed: `Debug` shows `****` and the last four characters.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// A key that cannot be used as given (exit 2). Never holds the key's text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable} holds {what} inside the key (character {position} of {length}); a key is one line with no spaces: check the secret's value (the key is not shown)")]
pub struct KeyError {
    pub variable: String,
    /// In words: "a newline", "a tab", "a space", "the control character U+001B".
    pub what: String,
    pub position: usize,
    pub length: usize,
}

impl ApiKey {
    /// A key from the environment variable `variable`: surrounding whitespace (a trailing
    /// newline from a secret store) is dropped; an empty value is no key, which is what
    /// GitHub gives a fork's pull request for `${{ secrets.X }}`. A control character or
    /// whitespace left inside is an error: no real key holds one, and `::add-mask::`
    /// would mask only the first line of it.
    pub fn from_env(variable: &str, value: Option<String>) -> Result<Option<ApiKey>, KeyError> {
        let Some(value) = value else { return Ok(None) };
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if let Some((i, c)) = trimmed
            .chars()
            .enumerate()
            .find(|(_, c)| c.is_control() || c.is_whitespace())
        {
            let what = match c {
                '\n' => "a newline".to_string(),
                '\r' => "a carriage return".to_string(),
                '\t' => "a tab".to_string(),
                ' ' => "a space".to_string(),
                c if c.is_whitespace() => format!("the space character U+{:04X}", c as u32),
                c => format!("the control character U+{:04X}", c as u32),
            };
            return Err(KeyError {
                variable: variable.to_string(),
                what,
                position: i + 1,
                length: trimmed.chars().count(),
            });
        }
        Ok(Some(ApiKey(trimmed.to_string())))
    }

    /// [`ApiKey::from_env`] for a value known to be a valid key (tests, examples).
    pub fn from_env_value(value: Option<String>) -> Result<Option<ApiKey>, KeyError> {
        ApiKey::from_env("the key", value)
    }

    /// `****` and the last four characters.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// The full key, for the Authorization header and `::add-mask::` only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({})", self.redacted())
    }
}

/// What the API said about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// 200 with a parseable model list.
    Valid { models: Vec<LiveModel> },
    /// 401 or 403: the API refused the key. `detail` is the server's message, if any.
    Rejected { status: u16, detail: Option<String> },
    /// 429 with a request limit of 0 per minute: the plan has no API access.
    NoApiAccess,
    /// The answer stayed unknown after the retries; `cause` says why in plain words.
    Unknown { cause: String },
}

/// One key's validation: which key (redacted), what came of it, after how many requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyReport {
    /// `****` and the key's last four characters.
    pub key: String,
    pub check: KeyCheck,
    pub attempts: u32,
}

/// The fallback key's side of the live phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// `MISTRAL_FALLBACK_API_KEY` unset or empty.
    Missing,
    /// The same text as the primary key (not sent a second time).
    SameAsPrimary,
    Checked(KeyReport),
}

/// Whether and how the live phase ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LiveState {
    /// The live phase was not part of this run (facts assembled without it).
    #[default]
    NotRun,
    /// `--offline`: no Mistral API calls.
    Offline,
    /// No primary key given.
    NoKey,
    Checked {
        primary: KeyReport,
        fallback: Fallback,
        endpoint: String,
    },
}

/// What the live phase found, for the checks.
#[derive(Debug, Clone, Default)]
pub struct LiveFacts {
    state: LiveState,
    /// The run is a GitHub Actions job, where a pull request from a fork gets no
    /// secrets: a missing key is explained that way only there.
    in_github_actions: bool,
}

impl LiveFacts {
    pub fn new(state: LiveState) -> LiveFacts {
        LiveFacts {
            state,
            in_github_actions: false,
        }
    }

    /// Says whether the run is a GitHub Actions job.
    pub fn in_github_actions(mut self, yes: bool) -> LiveFacts {
        self.in_github_actions = yes;
        self
    }

    /// True in a GitHub Actions job.
    pub fn is_github_actions(&self) -> bool {
        self.in_github_actions
    }

    pub fn state(&self) -> &LiveState {
        &self.state
    }

    /// The primary key's model list, when it was fetched.
    pub fn models(&self) -> Option<&[LiveModel]> {
        match &self.state {
            LiveState::Checked {
                primary:
                    KeyReport {
                        check: KeyCheck::Valid { models },
                        ..
                    },
                ..
            } => Some(models),
            _ => None,
        }
    }
}

/// Everything the live phase needs from the command line and the environment.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub api_url: ApiUrl,
    pub primary: Option<ApiKey>,
    pub fallback: Option<ApiKey>,
    pub timing: Timing,
}

impl Default for LiveOptions {
    /// The default API base, no keys, the default time limits.
    fn default() -> LiveOptions {
        LiveOptions {
            api_url: ApiUrl::default(),
            primary: None,
            fallback: None,
            timing: Timing::DEFAULT,
        }
    }
}

/// Runs the live phase: validates the primary and the fallback key concurrently.
/// Blocks for at most [`Timing::budget`] (plus the time to start a runtime).
pub fn validate(opts: &LiveOptions) -> LiveFacts {
    let endpoint = opts.api_url.models_endpoint();
    let Some(primary) = &opts.primary else {
        return LiveFacts::new(LiveState::NoKey);
    };
    let fallback = match &opts.fallback {
        None => None,
        Some(f) if f == primary => None,
        Some(f) => Some(f),
    };
    let (primary_report, fallback_report) =
        fetch::check_keys(&opts.api_url, &opts.timing, primary, fallback);
    let fallback = match (&opts.fallback, fallback_report) {
        (None, _) => Fallback::Missing,
        (Some(_), Some(report)) => Fallback::Checked(report),
        (Some(_), None) => Fallback::SameAsPrimary,
    };
    LiveFacts::new(LiveState::Checked {
        primary: primary_report,
        fallback,
        endpoint: endpoint.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // A fake key for this module's unit tests. mistral-gate: ignore no-hardcoded-secrets
    const KEY: &str = "Zq4Rk9TbW2mXv7LcP3sNd8HfJ6gYa1Ue";

    #[test]
    fn keys_from_the_environment() {
        assert_eq!(ApiKey::from_env_value(None), Ok(None));
        assert_eq!(ApiKey::from_env_value(Some(String::new())), Ok(None));
        assert_eq!(ApiKey::from_env_value(Some("  \n".into())), Ok(None));
        let key = ApiKey::from_env_value(Some(format!("  {KEY}\r\n")))
            .unwrap()
            .unwrap();
        assert_eq!(key.expose(), KEY);
    }

    #[test]
    fn a_key_with_a_control_character_or_space_inside_is_refused_without_being_shown() {
        for (sep, what) in [
            ("\n", "a newline"),
            ("\r", "a carriage return"),
            ("\t", "a tab"),
            (" ", "a space"),
            ("\u{1b}", "U+001B"),
            ("\0", "U+0000"),
            ("\u{a0}", "U+00A0"),
        ] {
            let value = format!("{}{sep}{}", &KEY[..16], &KEY[16..]);
            let err = ApiKey::from_env("MISTRAL_API_KEY", Some(value)).unwrap_err();
            assert_eq!(err.position, 17);
            let text = err.to_string();
            assert!(
                text.starts_with("MISTRAL_API_KEY holds ") && text.contains(what),
                "{text}"
            );
            for w in KEY.as_bytes().windows(MIN_RUN) {
                assert!(!text.contains(std::str::from_utf8(w).unwrap()), "{text}");
            }
        }
    }

    #[test]
    fn a_key_never_prints_in_full() {
        let key = ApiKey::from_env_value(Some(KEY.into())).unwrap().unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(****a1Ue)");
        assert_eq!(
            Scrubber::new([&key]).text(&format!("bad key {KEY}!")),
            "bad key ****a1Ue!"
        );
    }

    #[test]
    fn no_primary_key_sends_nothing() {
        let opts = LiveOptions {
            api_url: ApiUrl::parse("https://api.mistral.ai").unwrap(),
            primary: None,
            fallback: ApiKey::from_env_value(Some(KEY.into())).unwrap(),
            timing: Timing::DEFAULT,
        };
        assert_eq!(validate(&opts).state(), &LiveState::NoKey);
    }

    #[test]
    fn models_come_from_a_valid_primary_only() {
        let model = LiveModel {
            id: "m".into(),
            aliases: vec!["m-latest".into()],
            deprecation: None,
            deprecation_replacement_model: None,
        };
        assert!(model.answers_to("m") && model.answers_to("m-latest") && !model.answers_to("n"));
        let checked = |check| {
            LiveFacts::new(LiveState::Checked {
                primary: KeyReport {
                    key: "****a1Ue".into(),
                    check,
                    attempts: 1,
                },
                fallback: Fallback::Missing,
                endpoint: "https://api.mistral.ai/v1/models".into(),
            })
        };
        assert_eq!(
            checked(KeyCheck::Valid {
                models: vec![model.clone()]
            })
            .models(),
            Some(&[model][..])
        );
        assert_eq!(checked(KeyCheck::NoApiAccess).models(), None);
        assert_eq!(LiveFacts::default().models(), None);
    }
}
