//! The secret rules, as data: `data/secret-rules.toml`, one entry per provider with its
//! pattern, prefilter keywords, shape rule, context rule and samples (the tests run them).
//!
//! The table is compiled once. One Aho-Corasick pass per file finds every keyword of every
//! rule (as written, in lower case, Capitalised or in upper case), so that a provider's
//! pattern only runs on the few files that can hold its key.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Deserialize;

const RULES_TOML: &str = include_str!("../../data/secret-rules.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    label: String,
    keywords: Vec<String>,
    pattern: String,
    shape: Shape,
    context: Option<Context>,
    #[serde(default)]
    true_samples: Vec<String>,
    #[serde(default)]
    false_samples: Vec<String>,
}

/// The entropy/shape rule on a key's random part.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shape {
    /// At least this many distinct characters.
    pub min_distinct: usize,
    /// Holds upper- and lower-case letters.
    #[serde(default)]
    pub mixed_case: bool,
    /// Holds a digit.
    #[serde(default)]
    pub digit: bool,
}

/// One of `words` within `above` lines above or `below` lines below the key (or on its
/// line). `credential_*`: the wider window of a key in a credential position (a name
/// saying key/token/secret, a Bearer header).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub words: Vec<String>,
    pub above: usize,
    pub below: usize,
    #[serde(default)]
    pub credential_above: Option<usize>,
    #[serde(default)]
    pub credential_below: Option<usize>,
}

/// One compiled rule.
pub struct Rule {
    pub id: String,
    pub label: String,
    pub keywords: Vec<String>,
    pub pattern: Regex,
    pub shape: Shape,
    pub context: Option<Context>,
    pub true_samples: Vec<String>,
    pub false_samples: Vec<String>,
}

/// Every rule (the Mistral rule first), and the keyword automaton over all of them.
pub struct Rules {
    pub rules: Vec<Rule>,
    keywords: AhoCorasick,
    /// For each pattern of the automaton, its keyword.
    variant_of: Vec<usize>,
    /// For each keyword, the rules it triggers.
    keyword_rules: Vec<Vec<usize>>,
    /// The automaton's index of the keyword `mistral`.
    mistral_keyword: usize,
}

/// Index of the Mistral rule in [`Rules::rules`].
pub const MISTRAL: usize = 0;

pub static RULES: LazyLock<Rules> =
    LazyLock::new(|| Rules::parse(RULES_TOML).expect("data/secret-rules.toml is valid"));

/// What the keyword pass found in one file.
pub struct KeywordHits {
    /// Rules whose pattern must run.
    pub rules: Vec<bool>,
    /// Byte offsets of `mistral` (any case), at most [`MAX_MISTRAL_HITS`].
    pub mistral: Vec<usize>,
}

/// Enough to place every context window of a hostile file full of the word.
const MAX_MISTRAL_HITS: usize = 100_000;

impl Rules {
    fn parse(text: &str) -> Result<Rules, String> {
        let raw: RawTable = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut rules = Vec::new();
        for r in raw.rule {
            let pattern = Regex::new(&r.pattern).map_err(|e| format!("{}: {e}", r.id))?;
            rules.push(Rule {
                id: r.id,
                label: r.label,
                keywords: r.keywords,
                pattern,
                shape: r.shape,
                context: r.context,
                true_samples: r.true_samples,
                false_samples: r.false_samples,
            });
        }
        if rules.first().map(|r| r.id.as_str()) != Some("mistral") {
            return Err("the first rule must be `mistral`".into());
        }
        let mut words: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for k in &r.keywords {
                match words.iter().position(|w| w == k) {
                    Some(at) => keyword_rules[at].push(i),
                    None => {
                        words.push(k.clone());
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let mistral_keyword = words
            .iter()
            .position(|w| w == "mistral")
            .ok_or("the mistral rule needs the keyword `mistral`")?;
        // Each keyword as written, in lower case, Capitalised and in upper case: a
        // case-sensitive automaton keeps the literal prefilter (SIMD), which an ASCII
        // case-insensitive one loses (measured: 6x slower over the benchmark tree).
        let mut variants: Vec<String> = Vec::new();
        let mut variant_of: Vec<usize> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let lower = w.to_ascii_lowercase();
            let mut capital = lower.clone();
            if let Some(first) = capital.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            for v in [w.clone(), lower, capital, w.to_ascii_uppercase()] {
                if !variants.contains(&v) {
                    variants.push(v);
                    variant_of.push(i);
                }
            }
        }
        let keywords = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&variants)
            .map_err(|e| e.to_string())?;
        Ok(Rules {
            rules,
            keywords,
            variant_of,
            keyword_rules,
            mistral_keyword,
        })
    }

    /// One pass over the text for every keyword.
    pub fn keyword_hits(&self, text: &str) -> KeywordHits {
        let mut hits = KeywordHits {
            rules: vec![false; self.rules.len()],
            mistral: Vec::new(),
        };
        for m in self.keywords.find_iter(text) {
            let k = self.variant_of[m.pattern().as_usize()];
            if k == self.mistral_keyword && hits.mistral.len() < MAX_MISTRAL_HITS {
                hits.mistral.push(m.start());
            }
            for &r in &self.keyword_rules[k] {
                hits.rules[r] = true;
            }
        }
        hits
    }

    /// The label of rule `i`.
    pub fn label(&self, i: usize) -> &str {
        &self.rules[i].label
    }
}

/// A sample with its `%%` split markers removed.
pub fn joined(sample: &str) -> String {
    sample.replace("%%", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_keywords_do_not_shadow_each_other() {
        let rules = &RULES.rules;
        assert!(rules.len() >= 14, "{} rules", rules.len());
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "rule ids are unique");
        let words: Vec<String> = rules
            .iter()
            .flat_map(|r| &r.keywords)
            .map(|k| k.to_ascii_lowercase())
            .collect();
        for a in &words {
            for b in &words {
                assert!(a == b || !a.contains(b.as_str()), "{a} contains {b}");
            }
        }
        for r in rules {
            assert!(!r.true_samples.is_empty(), "{} has no true sample", r.id);
            assert!(!r.false_samples.is_empty(), "{} has no false sample", r.id);
        }
    }

    #[test]
    fn keyword_pass_finds_the_usual_spellings_and_places_mistral() {
        let hits = RULES.keyword_hits("x MISTRAL y Gsk_ z");
        assert_eq!(RULES.keyword_hits("Mistral mistral").mistral, vec![0, 8]);
        assert_eq!(hits.mistral, vec![2]);
        let groq = RULES.rules.iter().position(|r| r.id == "groq").unwrap();
        assert!(hits.rules[groq] && hits.rules[MISTRAL]);
        assert!(!RULES.keyword_hits("nothing here").rules.iter().any(|&b| b));
    }
}
