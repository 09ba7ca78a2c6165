//! Shape rules: what makes a string a generated key rather than a word, an identifier, a
//! hash or a placeholder.

use super::rules::Shape;

const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "your",
    "xxxx",
    "dummy",
    "redacted",
    "sample",
    "insert",
    "replace",
    "test",
    "fake",
    "mock",
    "secret",
    "apikey",
    "token",
    "here",
];

/// Placeholders are not leaks: `your-key-here`, `xxxx…`, `changeme`, `test-api-key`,
/// repeated characters, alphabet runs, low entropy.
pub fn is_placeholder(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    let longest_repeat = chars
        .chunk_by(|a, b| a == b)
        .map(|g| g.len())
        .max()
        .unwrap_or(0);
    if longest_repeat >= 5 {
        return true;
    }
    let sequential = chars
        .windows(2)
        .filter(|w| w[1] as u32 == w[0] as u32 + 1)
        .count();
    if sequential * 3 >= chars.len() {
        return true;
    }
    chars.len() >= 16 && entropy(s) < 3.0
}

/// A provider key's random part passes its rule's shape.
pub fn fits(body: &str, shape: &Shape) -> bool {
    let upper = body.bytes().any(|c| c.is_ascii_uppercase());
    let lower = body.bytes().any(|c| c.is_ascii_lowercase());
    let digit = body.bytes().any(|c| c.is_ascii_digit());
    !is_placeholder(body)
        && distinct(body) >= shape.min_distinct
        && (!shape.mixed_case || (upper && lower))
        && (!shape.digit || digit)
}

/// A 32-character Mistral candidate is worth remembering: mixed case, not a placeholder.
/// Hex digests and dashless UUIDs are single-case.
pub fn plausible_mistral(s: &str, shape: &Shape) -> bool {
    let upper = s.bytes().any(|c| c.is_ascii_uppercase());
    let lower = s.bytes().any(|c| c.is_ascii_lowercase());
    upper && lower && distinct(s) >= shape.min_distinct && !is_placeholder(s)
}

/// Looks generated wherever it stands: identifiers have few digits and low entropy; real
/// keys are mixed case with a near-uniform alphabet.
pub fn random_anywhere(s: &str) -> bool {
    let digits = s.bytes().filter(|c| c.is_ascii_digit()).count();
    digits >= 2 || entropy(s) >= 4.3
}

/// Random letters without digits (a real key can have none): many of both cases, and
/// upper-case letters next to each other, which an identifier's words do not have
/// (`createMistralChatCompletion` has one capital per word). Only trusted in a credential
/// position (a Bearer header, an env-var value).
pub fn random_letters(s: &str) -> bool {
    let upper = s.bytes().filter(|c| c.is_ascii_uppercase()).count();
    let lower = s.bytes().filter(|c| c.is_ascii_lowercase()).count();
    let pairs = s
        .as_bytes()
        .windows(2)
        .filter(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase())
        .count();
    upper >= 8 && lower >= 8 && pairs >= 3
}

pub fn distinct(s: &str) -> usize {
    let mut seen = [false; 256];
    s.bytes()
        .filter(|&b| !std::mem::replace(&mut seen[b as usize], true))
        .count()
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 128];
    let mut n = 0u32;
    for b in s.bytes().filter(|b| b.is_ascii()) {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_only_keys_and_identifiers() {
        assert!(random_letters("MxKeyQWrtYUopASdMxKeyQWrtYUopASd"));
        assert!(!random_anywhere("MxKeyQWrtYUopASdMxKeyQWrtYUopASd"));
        for ident in [
            "createMistralChatCompletionStrem",
            "GetAllUserChatMessagesFromCaches",
            "abcdefghijklmnopqrstuvwxyzABCDEF",
        ] {
            assert!(!random_letters(ident) || is_placeholder(ident), "{ident}");
        }
        assert!(random_anywhere("NotARealMistralKeyQz7Wp3Kv9Lm2Xb"));
        assert_eq!(distinct("aab"), 2);
    }
}
