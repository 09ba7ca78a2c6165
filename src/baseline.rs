//! Baselines: findings a team has accepted, so that the gate blocks only on new ones.
//!
//! A finding is a `fail` or `warn` evidence item; its fingerprint is the item's own
//! (check id, path, and what the item is about: never a line number, and no related
//! location), so it survives the code moving to other lines. A failing check with no
//! such item is a finding of its own, fingerprinted by its id. Identical findings in one
//! file are counted: a baseline that accepted two accepts two, and a third one is new.
//!
//! Version 1 files (fingerprints hashed from the message, which used to carry line
//! numbers of related code) are still read and matched the old way, with a note asking
//! to rewrite them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::repo_fs::{self, Refusal, RepoRoot};
use crate::report::{CheckResult, Evidence, EvidenceStatus, Status};

/// The version `render` writes.
const VERSION: u32 = 2;

/// A baseline entry is about 200 bytes: 64 MiB is hundreds of thousands of findings, and
/// a bound on what a baseline named by the repository can make the gate read.
const BASELINE_CAP: u64 = 64 * 1024 * 1024;

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
    /// A version 1 file: fingerprints are hashes of check, path and message.
    legacy: Option<PathBuf>,
}

/// The fingerprint of a version 1 baseline entry. FNV-1a, 64 bits: stable across
/// versions and platforms (unlike std's hasher).
fn legacy_fingerprint(check: &str, e: &Evidence) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [check, "\0", &e.path, "\0", &e.message] {
        for b in part.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// A check's findings: its `fail` and `warn` items, or, when it has none, the check
/// itself (`None`), for checks that did not pass.
fn findings(results: &[CheckResult]) -> impl Iterator<Item = (&CheckResult, Option<&Evidence>)> {
    results
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
        .flat_map(|c| {
            let items: Vec<Option<&Evidence>> = c.findings().map(Some).collect();
            if items.is_empty() {
                vec![(c, None)]
            } else {
                items.into_iter().map(|e| (c, e)).collect()
            }
        })
}

/// The fingerprint of a check that fails with no item to point at: its id.
fn check_fingerprint(c: &CheckResult) -> String {
    c.id.to_string()
}

impl Baseline {
    /// Loads a baseline given on the command line: the caller's choice of file, read
    /// with a bound (a FIFO or a device is an error, never a hang).
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let bytes =
            repo_fs::read_bounded(path, BASELINE_CAP).map_err(|reason| BaselineError::Read {
                path: path.to_path_buf(),
                reason,
            })?;
        Baseline::parse(&bytes, path)
    }

    /// Loads the baseline the config names, `rel` to the scanned root: it obeys the
    /// repository rules (inside PATH, a regular file, a bounded read).
    pub fn load_in_repo(repo: &RepoRoot, rel: &Path) -> Result<Baseline, BaselineError> {
        let bytes = repo
            .read(&repo.path().join(rel), BASELINE_CAP)
            .map_err(|reason| BaselineError::Read {
                path: rel.to_path_buf(),
                reason,
            })?;
        Baseline::parse(&bytes, rel)
    }

    fn parse(bytes: &[u8], path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::str::from_utf8(bytes).map_err(|e| BaselineError::Invalid {
            path: path.to_path_buf(),
            message: format!("not UTF-8 text: {e}"),
        })?;
        let file: File = serde_json::from_str(text).map_err(|e| BaselineError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Baseline::from_file(file, path)
    }

    fn from_file(file: File, path: &Path) -> Result<Baseline, BaselineError> {
        if !(1..=VERSION).contains(&file.version) {
            return Err(BaselineError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "version {} is not supported (expected 1 or {VERSION})",
                    file.version
                ),
            });
        }
        let mut accepted = HashMap::new();
        for f in file.findings {
            *accepted.entry(f.fingerprint).or_insert(0) += 1;
        }
        Ok(Baseline {
            accepted,
            legacy: (file.version == 1).then(|| path.to_path_buf()),
        })
    }

    /// What the reader of the run should know about this baseline (an old format).
    pub fn note(&self) -> Option<String> {
        self.legacy.as_ref().map(|p| {
            format!(
                "baseline {} uses the version 1 format, whose fingerprints change when a related line moves; rewrite it with --write-baseline",
                p.display()
            )
        })
    }

    /// The fingerprint this baseline knows an item of check `c` by.
    fn key(&self, c: &CheckResult, e: Option<&Evidence>) -> String {
        match (e, &self.legacy) {
            (Some(e), None) => e.fingerprint.clone(),
            (Some(e), Some(_)) => legacy_fingerprint(c.id.as_str(), e),
            (None, _) => check_fingerprint(c),
        }
    }

    /// The baseline file that accepts every current finding.
    pub fn render(results: &[CheckResult]) -> String {
        let findings = findings(results)
            .map(|(c, e)| match e {
                Some(e) => Entry {
                    check: c.id.to_string(),
                    path: e.path.clone(),
                    fingerprint: e.fingerprint.clone(),
                    message: e.message.clone(),
                },
                None => Entry {
                    check: c.id.to_string(),
                    path: String::new(),
                    fingerprint: check_fingerprint(c),
                    message: c.message.clone(),
                },
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&File {
            version: VERSION,
            findings,
        })
        .expect("baseline serialises");
        s.push('\n');
        s
    }

    /// Removes accepted findings (passing items stay). A check left with no finding
    /// passes, and says so; one left with only `warn` items warns; one with `fail` items
    /// left keeps its status and counts the accepted ones.
    pub fn apply(&self, results: &mut [CheckResult]) {
        if self.accepted.is_empty() {
            return;
        }
        let mut left = self.accepted.clone();
        let mut take = |key: String| match left.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        };
        for c in results
            .iter_mut()
            .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
        {
            let (accepted, remaining) = if c.findings().next().is_none() {
                // A check with nothing to point at is accepted by its id.
                (usize::from(take(self.key(c, None))), 0)
            } else {
                let keys: Vec<Option<String>> = c
                    .evidence
                    .iter()
                    .map(|e| e.status.is_finding().then(|| self.key(c, Some(e))))
                    .collect();
                let keep: Vec<bool> = keys
                    .into_iter()
                    .map(|k| k.is_none_or(|k| !take(k)))
                    .collect();
                let before = c.evidence.len();
                let mut i = 0;
                c.evidence.retain(|_| {
                    i += 1;
                    keep[i - 1]
                });
                (before - c.evidence.len(), c.findings().count())
            };
            if accepted == 0 {
                continue;
            }
            if remaining == 0 {
                c.message = format!(
                    "all {accepted} finding{} accepted in the baseline (was: {})",
                    if accepted == 1 { "" } else { "s" },
                    c.message
                );
                c.status = Status::Pass;
            } else {
                if c.status == Status::Fail
                    && !c.evidence.iter().any(|e| e.status == EvidenceStatus::Fail)
                {
                    c.status = Status::Warn;
                }
                c.message = format!("{} ({accepted} more accepted in the baseline)", c.message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckId, Severity, Step};

    /// A failing secrets check; each item (path, line, status, subject), sealed as the
    /// registry seals it.
    fn result(status: Status, evidence: &[(&str, u32, EvidenceStatus, &str)]) -> CheckResult {
        CheckResult {
            id: CheckId::NoHardcodedSecrets,
            step: Step::CodeQuality,
            title: String::new(),
            status,
            severity: Severity::Error,
            blocking: false,
            new: None,
            evidence_omitted: 0,
            message: "2 hardcoded secrets".into(),
            remediation: String::new(),
            evidence: evidence
                .iter()
                .map(|(p, l, st, about)| {
                    let mut e =
                        Evidence::with_status(*st, *p, *l, format!("key {about} (see line {l})"))
                            .about(*about);
                    e.seal(CheckId::NoHardcodedSecrets);
                    e
                })
                .collect(),
        }
    }

    use EvidenceStatus::{Fail as F, Pass as P, Warn as W};

    fn roundtrip(results: &[CheckResult]) -> Baseline {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        std::fs::write(&p, Baseline::render(results)).unwrap();
        let b = Baseline::load(&p).unwrap();
        assert_eq!(b.note(), None, "a baseline written today needs no rewrite");
        b
    }

    #[test]
    fn accepted_findings_survive_line_moves_and_new_ones_stay() {
        // The messages name a line, as messages may: only the fingerprint matters.
        let old = [result(
            Status::Fail,
            &[
                ("a.ts", 3, F, "****abcd#1"),
                ("a.ts", 9, F, "****abcd#2"),
                ("a.ts", 5, P, "ok"),
            ],
        )];
        let baseline = roundtrip(&old);
        // Same findings, moved down by 10 lines: accepted, the check passes; pass items stay.
        let mut moved = [result(
            Status::Fail,
            &[
                ("a.ts", 13, F, "****abcd#1"),
                ("a.ts", 19, F, "****abcd#2"),
                ("a.ts", 15, P, "ok"),
            ],
        )];
        baseline.apply(&mut moved);
        assert_eq!(moved[0].status, Status::Pass);
        assert!(
            moved[0].message.starts_with("all 2 findings accepted"),
            "{}",
            moved[0].message
        );
        assert_eq!(moved[0].evidence.len(), 1);
        assert_eq!(moved[0].evidence[0].status, P);
        // A third finding is new.
        let mut more = [result(
            Status::Fail,
            &[
                ("a.ts", 1, F, "****abcd#1"),
                ("a.ts", 2, F, "****abcd#2"),
                ("a.ts", 3, F, "****abcd#3"),
            ],
        )];
        baseline.apply(&mut more);
        assert_eq!(more[0].status, Status::Fail);
        assert_eq!(more[0].evidence.len(), 1);
        assert!(more[0]
            .message
            .ends_with("(2 more accepted in the baseline)"));
        // Another file is not covered.
        let mut other = [result(Status::Fail, &[("b.ts", 3, F, "****abcd#1")])];
        baseline.apply(&mut other);
        assert_eq!(other[0].status, Status::Fail);
    }

    #[test]
    fn a_check_left_with_only_warn_items_warns() {
        let baseline = roundtrip(&[result(Status::Fail, &[("a.ts", 3, F, "x#1")])]);
        let mut now = [result(
            Status::Fail,
            &[("a.ts", 4, F, "x#1"), ("a.ts", 8, W, "y#1")],
        )];
        baseline.apply(&mut now);
        assert_eq!(now[0].status, Status::Warn);
        assert_eq!(now[0].evidence.len(), 1);
    }

    #[test]
    fn a_failing_check_without_evidence_is_baselined_by_its_id() {
        let old = [result(Status::Fail, &[])];
        let text = Baseline::render(&old);
        assert!(
            text.contains("\"fingerprint\": \"no-hardcoded-secrets\""),
            "{text}"
        );
        let baseline = roundtrip(&old);
        let mut again = [result(Status::Fail, &[])];
        baseline.apply(&mut again);
        assert_eq!(again[0].status, Status::Pass, "{}", again[0].message);
        // Accepting the check does not accept the findings it may have later.
        let mut later = [result(Status::Fail, &[("a.ts", 1, F, "x#1")])];
        baseline.apply(&mut later);
        assert_eq!(later[0].status, Status::Fail);
    }

    #[test]
    fn version_1_files_are_read_matched_by_message_and_asked_to_be_rewritten() {
        let now = [result(
            Status::Fail,
            &[("a.ts", 3, F, "****abcd#1"), ("a.ts", 9, F, "****ffff#1")],
        )];
        let legacy = legacy_fingerprint(
            crate::vocab::CheckId::NoHardcodedSecrets.as_str(),
            &now[0].evidence[0],
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("old.json");
        let old = format!(
            "{{\"version\": 1, \"findings\": [{{\"check\": \"no-hardcoded-secrets\", \"path\": \"a.ts\", \"fingerprint\": \"{legacy}\", \"message\": \"m\"}}]}}"
        );
        std::fs::write(&p, old).unwrap();
        let baseline = Baseline::load(&p).unwrap();
        assert!(baseline
            .note()
            .is_some_and(|n| n.contains("version 1") && n.contains("--write-baseline")));
        let mut results = now.clone();
        baseline.apply(&mut results);
        assert_eq!(results[0].status, Status::Fail);
        assert_eq!(results[0].evidence.len(), 1);
        assert!(results[0].evidence[0].message.contains("****ffff"));
    }

    #[test]
    fn invalid_baselines_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        std::fs::write(&p, "{\"version\": 3, \"findings\": []}").unwrap();
        assert!(Baseline::load(&p)
            .unwrap_err()
            .to_string()
            .contains("version 3"));
        std::fs::write(&p, "{\"version\": 0, \"findings\": []}").unwrap();
        assert!(Baseline::load(&p).is_err());
        std::fs::write(&p, "not json").unwrap();
        assert!(Baseline::load(&p).is_err());
        assert!(Baseline::load(&dir.path().join("missing.json")).is_err());
    }
}
