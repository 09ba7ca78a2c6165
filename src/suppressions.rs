//! Inline suppressions: `mistral-gate: ignore <id>[, <id>...]` in a comment silences the
//! named checks' findings on that line and on the line below it.
//!
//! The repository writes these comments, so each one that silences a finding is
//! remembered and shown in the report's "Suppressed" section (CHECKS.md: whatever
//! weakens the gate from inside the repository is reported, not hidden).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// Every inline suppression in the repository, by path, and those that silenced a finding.
#[derive(Debug, Default)]
pub struct Suppressions {
    by_path: HashMap<String, Vec<(u32, String)>>,
    /// (check id, path, line of the comment) of every comment that answered yes.
    used: Mutex<BTreeSet<(String, String, u32)>>,
}

impl Clone for Suppressions {
    fn clone(&self) -> Self {
        Suppressions {
            by_path: self.by_path.clone(),
            used: Mutex::new(self.used.lock().expect("suppressions lock").clone()),
        }
    }
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
            self.by_path
                .entry(path.to_string())
                .or_default()
                .extend(found);
        }
    }

    /// True when a comment on `line` or the line above names `id`. Checks ask this only
    /// about a finding they are about to drop, so a yes is remembered as a comment that
    /// silenced a finding (see [`Self::silenced`]).
    pub fn covers(&self, id: &str, path: &str, line: u32) -> bool {
        let found = self.by_path.get(path).and_then(|v| {
            v.iter()
                .find(|(l, i)| i == id && (*l == line || *l + 1 == line))
        });
        let Some((comment_line, _)) = found else {
            return false;
        };
        self.used.lock().expect("suppressions lock").insert((
            id.to_string(),
            path.to_string(),
            *comment_line,
        ));
        true
    }

    /// Every comment that silenced a finding: (check id, path, line of the comment),
    /// sorted by check, path and line.
    pub fn silenced(&self) -> Vec<(String, String, u32)> {
        self.used
            .lock()
            .expect("suppressions lock")
            .iter()
            .cloned()
            .collect()
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
        assert!(s.covers(crate::vocab::CheckId::NoHardcodedSecrets.as_str(), "f", 2));
        assert!(s.covers(crate::vocab::CheckId::NoHardcodedSecrets.as_str(), "f", 3));
        assert!(!s.covers(crate::vocab::CheckId::NoHardcodedSecrets.as_str(), "f", 4));
        assert!(s.covers(crate::vocab::CheckId::LogHygiene.as_str(), "f", 4));
        assert!(s.covers(crate::vocab::CheckId::KeyNotCommitted.as_str(), "f", 3));
        assert!(!s.covers(crate::vocab::CheckId::KeyNotCommitted.as_str(), "g", 3));
        assert!(!s.covers(crate::vocab::CheckId::LogHygiene.as_str(), "f", 1));
        let silenced = s.silenced();
        assert!(
            silenced.contains(&(
                crate::vocab::CheckId::NoHardcodedSecrets
                    .as_str()
                    .to_string(),
                "f".to_string(),
                2
            )),
            "{silenced:?}"
        );
        assert!(
            silenced.contains(&(
                crate::vocab::CheckId::LogHygiene.as_str().to_string(),
                "f".to_string(),
                3
            )),
            "{silenced:?}"
        );
        assert!(!silenced.iter().any(|(_, p, _)| p == "g"));
    }
}
