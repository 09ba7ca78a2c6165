//! Baselines: findings a team has accepted, so that the gate blocks only on new ones.
//!
//! A finding's fingerprint is made of the check id, the path and the evidence message,
//! never the line number, so it survives the code moving to other lines. Identical
//! findings in one file are counted: a baseline that accepted two accepts two, and a
//! third one is new.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::repo_fs::{self, Refusal, RepoRoot};
use crate::report::{CheckResult, Evidence, Status};

/// A baseline entry is about 200 bytes: 64 MiB is hundreds of thousands of findings, and
/// a bound on what a baseline named by the repository can make the gate read.
pub const BASELINE_CAP: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {reason}")]
    Read { path: PathBuf, reason: Refusal },
    #[error("invalid baseline {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    check: String,
    path: String,
    fingerprint: String,
    /// For people reading the file; not part of the match.
    message: String,
}

/// Accepted findings, by fingerprint, with how many of each.
#[derive(Debug, Default, Clone)]
pub struct Baseline {
    accepted: HashMap<String, usize>,
}

/// FNV-1a, 64 bits: stable across versions and platforms (unlike std's hasher).
fn fingerprint(check: &str, e: &Evidence) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [check, "\0", &e.path, "\0", &e.message] {
        for b in part.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Findings are the evidence of checks that did not pass.
fn findings(results: &[CheckResult]) -> impl Iterator<Item = (&CheckResult, &Evidence)> {
    results.iter().filter(|c| matches!(c.status, Status::Fail | Status::Warn)).flat_map(|c| c.evidence.iter().map(move |e| (c, e)))
}

impl Baseline {
    /// Loads a baseline given on the command line: the caller's choice of file, read
    /// with a bound (a FIFO or a device is an error, never a hang).
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let bytes = repo_fs::read_bounded(path, BASELINE_CAP).map_err(|reason| BaselineError::Read { path: path.to_path_buf(), reason })?;
        Baseline::parse(&bytes, path)
    }

    /// Loads the baseline the config names, `rel` to the scanned root: it obeys the
    /// repository rules (inside PATH, a regular file, a bounded read).
    pub fn load_in_repo(repo: &RepoRoot, rel: &Path) -> Result<Baseline, BaselineError> {
        let bytes = repo.read(&repo.path().join(rel), BASELINE_CAP).map_err(|reason| BaselineError::Read { path: rel.to_path_buf(), reason })?;
        Baseline::parse(&bytes, rel)
    }

    fn parse(bytes: &[u8], path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::str::from_utf8(bytes).map_err(|e| BaselineError::Invalid { path: path.to_path_buf(), message: format!("not UTF-8 text: {e}") })?;
        let file: File = serde_json::from_str(text).map_err(|e| BaselineError::Invalid { path: path.to_path_buf(), message: e.to_string() })?;
        if file.version != 1 {
            return Err(BaselineError::Invalid { path: path.to_path_buf(), message: format!("version {} is not supported (expected 1)", file.version) });
        }
        let mut accepted = HashMap::new();
        for f in file.findings {
            *accepted.entry(f.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline { accepted })
    }

    /// The baseline file that accepts every current finding.
    pub fn render(results: &[CheckResult]) -> String {
        let findings = findings(results)
            .map(|(c, e)| Entry { check: c.id.clone(), path: e.path.clone(), fingerprint: fingerprint(&c.id, e), message: e.message.clone() })
            .collect();
        let mut s = serde_json::to_string_pretty(&File { version: 1, findings }).expect("baseline serialises");
        s.push('\n');
        s
    }

    /// Removes accepted findings. A check left with none passes, and says so; a check
    /// with some left keeps its status and counts the accepted ones.
    pub fn apply(&self, results: &mut [CheckResult]) {
        if self.accepted.is_empty() {
            return;
        }
        let mut left = self.accepted.clone();
        for c in results.iter_mut().filter(|c| matches!(c.status, Status::Fail | Status::Warn) && !c.evidence.is_empty()) {
            let before = c.evidence.len();
            let id = c.id.clone();
            c.evidence.retain(|e| match left.get_mut(&fingerprint(&id, e)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            });
            let accepted = before - c.evidence.len();
            if accepted == 0 {
                continue;
            }
            if c.evidence.is_empty() {
                c.message = format!("all {accepted} finding{} accepted in the baseline (was: {})", if accepted == 1 { "" } else { "s" }, c.message);
                c.status = Status::Pass;
            } else {
                c.message = format!("{} ({accepted} more accepted in the baseline)", c.message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Severity, Step};

    fn result(status: Status, evidence: &[(&str, u32, &str)]) -> CheckResult {
        CheckResult {
            id: "no-hardcoded-secrets".into(),
            step: Step::CodeQuality,
            title: String::new(),
            status,
            severity: Severity::Error,
            message: "2 hardcoded secrets".into(),
            remediation: String::new(),
            evidence: evidence.iter().map(|(p, l, m)| Evidence::new(*p, *l, *m)).collect(),
        }
    }

    fn roundtrip(results: &[CheckResult]) -> Baseline {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        std::fs::write(&p, Baseline::render(results)).unwrap();
        Baseline::load(&p).unwrap()
    }

    #[test]
    fn accepted_findings_survive_line_moves_and_new_ones_stay() {
        let old = [result(Status::Fail, &[("a.ts", 3, "key ****abcd"), ("a.ts", 9, "key ****abcd")])];
        let baseline = roundtrip(&old);
        // Same findings, moved down by 10 lines: accepted, the check passes.
        let mut moved = [result(Status::Fail, &[("a.ts", 13, "key ****abcd"), ("a.ts", 19, "key ****abcd")])];
        baseline.apply(&mut moved);
        assert_eq!(moved[0].status, Status::Pass);
        assert!(moved[0].message.starts_with("all 2 findings accepted"));
        // A third identical finding is new.
        let mut more = [result(Status::Fail, &[("a.ts", 1, "key ****abcd"), ("a.ts", 2, "key ****abcd"), ("a.ts", 3, "key ****abcd")])];
        baseline.apply(&mut more);
        assert_eq!(more[0].status, Status::Fail);
        assert_eq!(more[0].evidence.len(), 1);
        assert!(more[0].message.ends_with("(2 more accepted in the baseline)"));
        // Another file is not covered.
        let mut other = [result(Status::Fail, &[("b.ts", 3, "key ****abcd")])];
        baseline.apply(&mut other);
        assert_eq!(other[0].status, Status::Fail);
    }

    #[test]
    fn invalid_baselines_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        std::fs::write(&p, "{\"version\": 2, \"findings\": []}").unwrap();
        assert!(Baseline::load(&p).unwrap_err().to_string().contains("version 2"));
        std::fs::write(&p, "not json").unwrap();
        assert!(Baseline::load(&p).is_err());
        assert!(Baseline::load(&dir.path().join("missing.json")).is_err());
    }
}
