//! Inline suppressions: `mistral-gate: ignore <id>[, <id>...]` in a comment silences the
//! named checks' findings on that line and on the line below it.

use std::collections::HashMap;

/// Every inline suppression in the repository, by path.
#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    by_path: HashMap<String, Vec<(u32, String)>>,
}

/// The suppressions written in one file: (line, check id).
pub fn scan(text: &str) -> Vec<(u32, String)> {
    const MARK: &str = "mistral-gate: ignore";
    let mut out = Vec::new();
    if !text.contains(MARK) {
        return out;
    }
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find(MARK) else { continue };
        let rest = &line[at + MARK.len()..];
        for id in rest.split(|c: char| c == ',' || c.is_whitespace()) {
            let id = id.trim();
            if id.is_empty() {
                continue;
            }
            if !id.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                break; // end of the id list (`*/`, `-->`, prose)
            }
            out.push((i as u32 + 1, id.to_string()));
        }
    }
    out
}

impl Suppressions {
    pub fn add(&mut self, path: &str, found: Vec<(u32, String)>) {
        if !found.is_empty() {
            self.by_path.entry(path.to_string()).or_default().extend(found);
        }
    }

    /// True when a comment on `line` or the line above names `id`.
    pub fn covers(&self, id: &str, path: &str, line: u32) -> bool {
        self.by_path
            .get(path)
            .is_some_and(|v| v.iter().any(|(l, i)| i == id && (*l == line || *l + 1 == line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_line_and_line_above() {
        let text = "a\nkey = 1 # mistral-gate: ignore no-hardcoded-secrets\n// mistral-gate: ignore key-not-committed, log-hygiene */\nx\n";
        let mut s = Suppressions::default();
        s.add("f", scan(text));
        assert!(s.covers("no-hardcoded-secrets", "f", 2));
        assert!(s.covers("no-hardcoded-secrets", "f", 3));
        assert!(!s.covers("no-hardcoded-secrets", "f", 4));
        assert!(s.covers("log-hygiene", "f", 4));
        assert!(s.covers("key-not-committed", "f", 3));
        assert!(!s.covers("key-not-committed", "g", 3));
        assert!(!s.covers("log-hygiene", "f", 1));
    }
}
