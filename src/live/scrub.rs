//! Keys out of API answers: the one place that decides what of a server's text may be kept.
//!
//! A server (or a gateway in front of it) can quote the key back in an error body, a model
//! id or a replacement model id. Replacing the whole key is not enough: the gate trims,
//! splits, cleans and truncates those texts, and each of those steps can turn a whole key
//! into pieces that a plain `replace` no longer finds (a key cut at 160 characters, a key
//! split by a newline that then became a space). So [`Scrubber`] works in two passes:
//!
//! 1. [`Scrubber::raw`] replaces every whole key in the raw text, before anything else
//!    touches it (it then shows as `****` and its last four characters);
//! 2. [`Scrubber::text`] runs on every string the gate keeps, after its trimming and
//!    truncation, and masks any run of the text that spells at least [`MIN_RUN`]
//!    consecutive characters of a key, *skipping over* whitespace, control and invisible
//!    format characters between them. A key split by `\n`, `\r`, `\t`, `\0` or `\x1b`, or
//!    cut short at either end, is still a run of a key, and is masked.
//!
//! After pass 2 no window of [`MIN_RUN`] characters of the text is a piece of a key, and
//! removing the separators it skipped (as an output's own cleaning may do) cannot make
//! one either. Every key the run was given (primary and fallback) scrubs every text.

use super::ApiKey;

/// The shortest piece of a key that is masked. The redacted form shows the last four
/// characters on purpose; any five consecutive characters are treated as a leak.
pub const MIN_RUN: usize = 5;

/// What a masked piece of a key becomes. `*` is never part of a run: a masked piece can
/// never join its neighbours into a new one.
const MASK: &str = "****";

/// Scrubs the keys of one run out of server texts.
#[derive(Clone, Default)]
pub struct Scrubber {
    keys: Vec<Key>,
}

#[derive(Clone)]
struct Key {
    full: String,
    redacted: String,
    chars: Vec<char>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|k| &k.redacted))
            .finish()
    }
}

impl Scrubber {
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a ApiKey>) -> Scrubber {
        let mut keys: Vec<Key> = keys
            .into_iter()
            .filter(|k| !k.expose().is_empty())
            .map(|k| Key {
                full: k.expose().to_string(),
                redacted: k.redacted(),
                chars: k.expose().chars().collect(),
            })
            .collect();
        // A longer key first, so that a key holding another is replaced whole.
        keys.sort_by_key(|k| (std::cmp::Reverse(k.full.len()), k.full.clone()));
        keys.dedup_by(|a, b| a.full == b.full);
        Scrubber { keys }
    }

    /// Pass 1, on the raw bytes of an answer: every whole key replaced by its redacted form.
    pub fn raw(&self, body: &[u8]) -> Vec<u8> {
        let mut out = body.to_vec();
        for key in &self.keys {
            out = replace_bytes(&out, key.full.as_bytes(), key.redacted.as_bytes());
        }
        out
    }

    /// Pass 1 and 2 on a text the gate keeps: whole keys replaced, terminal escape
    /// sequences turned into spaces (an output that removed one whole could join the
    /// pieces around it), then every run of [`MIN_RUN`] or more characters of a key
    /// (separators skipped) masked.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for key in &self.keys {
            if out.contains(&key.full) {
                out = out.replace(&key.full, &key.redacted);
            }
        }
        self.mask_runs(&without_escape_sequences(&out))
    }

    fn mask_runs(&self, text: &str) -> String {
        if self.keys.iter().all(|k| k.chars.len() < MIN_RUN) {
            return text.to_string();
        }
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            match self.run_at(&chars, i) {
                Some(end) => {
                    out.push_str(MASK);
                    i = end;
                }
                None => {
                    out.push(chars[i]);
                    i += 1;
                }
            }
        }
        out
    }

    /// The end (exclusive) of the longest run of a key starting at `at`, when that run
    /// holds at least [`MIN_RUN`] of the key's characters. Separators may sit between the
    /// characters of a run, never at its start or end.
    fn run_at(&self, text: &[char], at: usize) -> Option<usize> {
        let mut best: Option<usize> = None;
        for key in self.keys.iter().filter(|k| k.chars.len() >= MIN_RUN) {
            for start in (0..key.chars.len()).filter(|&s| key.chars[s] == text[at]) {
                let (mut k, mut j, mut end) = (start, at, at);
                while j < text.len() && k < key.chars.len() {
                    if text[j] == key.chars[k] {
                        k += 1;
                        j += 1;
                        end = j;
                    } else if is_separator(text[j]) {
                        j += 1;
                    } else {
                        break;
                    }
                }
                if k - start >= MIN_RUN && best.is_none_or(|b| end > b) {
                    best = Some(end);
                }
            }
        }
        best
    }
}

/// Characters that can split a key in a server text and that an output may later drop
/// or turn into a space: whitespace, control characters, and the invisible format
/// characters (zero-width spaces and joiners, word joiner, byte-order mark, soft hyphen).
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// Each terminal escape sequence (`ESC [ ... final`, `ESC ] ... BEL`, `ESC x`, and the C1
/// CSI) becomes one space.
fn without_escape_sequences(text: &str) -> String {
    if !text.contains(['\x1b', '\u{9b}']) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let csi = match c {
            '\u{9b}' => true,
            '\x1b' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    true
                }
                Some(']') => {
                    // OSC: up to BEL or ST (ESC \\).
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                    out.push(' ');
                    continue;
                }
                Some(_) => {
                    chars.next();
                    out.push(' ');
                    continue;
                }
                None => false,
            },
            other => {
                out.push(other);
                continue;
            }
        };
        if csi {
            // Parameters and intermediates, then one final byte in @..~.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        out.push(' ');
    }
    out
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // A fake key for this module's unit tests. mistral-gate: ignore no-hardcoded-secrets
    const KEY: &str = "Zq4Rk9TbW2mXv7LcP3sNd8HfJ6gYa1Ue";
    // A fake key for this module's unit tests. mistral-gate: ignore no-hardcoded-secrets
    const FALLBACK: &str = "Hn5Wc8PzQ2tLk7RmX4vBd9GsJ3yFa6Ek";

    fn scrubber() -> Scrubber {
        let keys =
            [KEY, FALLBACK].map(|k| ApiKey::from_env_value(Some(k.into())).unwrap().unwrap());
        Scrubber::new(keys.iter())
    }

    /// The acceptance rule: no window of five characters of either key.
    fn assert_clean(text: &str) {
        for key in [KEY, FALLBACK] {
            let key: Vec<char> = key.chars().collect();
            for w in key.windows(MIN_RUN) {
                let w: String = w.iter().collect();
                assert!(!text.contains(&w), "{text:?} holds {w:?}");
            }
        }
    }

    #[test]
    fn whole_keys_keep_their_last_four_characters() {
        let s = scrubber();
        assert_eq!(s.text(&format!("bad key {KEY}!")), "bad key ****a1Ue!");
        assert_eq!(s.text(&format!("{FALLBACK}/{KEY}")), "****a6Ek/****a1Ue");
        assert_eq!(
            String::from_utf8(s.raw(format!("x{KEY}y").as_bytes())).unwrap(),
            "x****a1Uey"
        );
        assert_eq!(s.text("Unauthorized"), "Unauthorized");
        assert_eq!(s.text(""), "");
    }

    #[test]
    fn pieces_of_a_key_are_masked() {
        let s = scrubber();
        // Cut at either end, as a truncation would.
        assert_eq!(s.text(&format!("key {}… cut", &KEY[..20])), "key ****… cut");
        assert_eq!(s.text(&format!("…{} end", &KEY[7..])), "…**** end");
        // Five characters are a leak; four are what the redacted form shows anyway.
        assert_eq!(s.text(&format!("x {} y", &KEY[3..8])), "x **** y");
        assert_eq!(
            s.text(&format!("x {} y", &KEY[3..7])),
            format!("x {} y", &KEY[3..7])
        );
        assert_clean(&s.text(&format!("{}{}", &KEY[..10], &FALLBACK[10..])));
    }

    #[test]
    fn a_key_split_by_separators_is_one_run() {
        let s = scrubber();
        for sep in [
            "\n", "\r\n", "\t", "\0", "\x1b", "\x1b[2J", " ", "\u{200b}", "\u{feff}",
        ] {
            let split: String = KEY
                .chars()
                .flat_map(|c| [c.to_string(), sep.to_string()])
                .collect();
            let out = s.text(&split);
            assert_clean(&out);
            // And with the separators removed afterwards (an output's own cleaning).
            let dropped: String = out.chars().filter(|c| !is_separator(*c)).collect();
            assert_clean(&dropped);
            assert!(
                !out.contains(KEY.chars().nth(5).unwrap()),
                "{sep:?}: {out:?}"
            );
        }
        // Pieces of two characters between separators.
        let pairs: String = KEY
            .as_bytes()
            .chunks(2)
            .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
            .collect();
        assert_clean(&s.text(&pairs).replace('\n', ""));
    }

    #[test]
    fn every_window_of_both_keys_anywhere() {
        let s = scrubber();
        for key in [KEY, FALLBACK] {
            for len in MIN_RUN..=key.len() {
                for start in 0..=key.len() - len {
                    let text = format!("model-{}-x", &key[start..start + len]);
                    assert_clean(&s.text(&text));
                }
            }
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let s = scrubber();
        let text = "401 Unauthorized: the key is not valid (request id 7f3a)";
        assert_eq!(s.text(text), text);
        assert_eq!(
            Scrubber::default().text(KEY),
            KEY,
            "no keys, nothing to scrub"
        );
    }
}
