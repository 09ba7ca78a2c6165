//! New and existing findings (`--base REF`, `--fail-on-new`).
//!
//! A pull request that adds one call without a token limit to a repository with forty
//! looks, in a plain report, the same as yesterday. So the gate runs the same analysis
//! on the repository as it was at REF and marks every finding new or existing by its
//! fingerprint (built from the check id, the path and what the item is about, never a
//! line number, so findings that only moved are not new).
//!
//! REF is read with gitoxide (`gix`, pure Rust: the action's image has no git binary)
//! from PATH's git object database. Its tree, at PATH's place within the repository, is
//! written to a private temporary folder and walked there by the very same walk,
//! front-ends and checks as the working tree, with the same config and the same limits:
//! a blob larger than `max-file-size` is not even inflated (its size is asked of the
//! object database first), and symlinks and submodules are not written at all, so nothing
//! outside the tree is ever read. Writing the tree out is the small, honest way to reuse
//! the walk unchanged; the folder is removed when the comparison is done.
//!
//! The key checks' results come from the head run (the keys are the environment's, not
//! the repository's), so the comparison never calls the API twice.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::git_tree;
use crate::report::{CheckResult, EvidenceStatus, Status};

/// Why REF could not be compared with. Never a usage error: the reports say it instead
/// (a shallow clone in CI is the common cause), and `--fail-on-new` then blocks on every
/// blocking finding, so an unreadable base cannot turn the gate green.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The scanned folder is not in a git working tree (a tarball, a container copy).
    #[error(
        "the scanned folder is not inside a git repository, so there is no base commit to read"
    )]
    NoRepository,
    #[error("the base commit {reference} is not in this clone ({reason}); with actions/checkout, set fetch-depth: 0")]
    Missing { reference: String, reason: String },
    #[error("cannot read the base commit {reference} ({reason})")]
    Read { reference: String, reason: String },
    #[error("cannot analyse the base commit {reference} ({reason})")]
    Analyse { reference: String, reason: String },
}

/// The checks' results at `reference`, with the commit it resolved to: the tree is
/// written out (blobs up to `max_file_size`) and `analyse` runs the pipeline on it (the
/// caller's, so that this module does not depend on the pipeline that calls it).
pub fn results_at(
    root: &Path,
    reference: &str,
    max_file_size: u64,
    analyse: impl FnOnce(&Path) -> Result<Vec<CheckResult>, String>,
) -> Result<(String, Vec<CheckResult>), DiffError> {
    let (repo, rel) = git_tree::open(root).map_err(|_| DiffError::NoRepository)?;
    let commit = git_tree::resolve(&repo, reference).map_err(|reason| DiffError::Missing {
        reference: reference.to_string(),
        reason,
    })?;
    let commit_id = commit.id.to_string();
    let read = |reason: String| DiffError::Read {
        reference: reference.to_string(),
        reason,
    };
    let dir = tempfile::Builder::new()
        .prefix("mistral-gate-base-")
        .tempdir()
        .map_err(|e| read(e.to_string()))?;
    let tree = commit.tree().map_err(|e| read(e.to_string()))?;
    // PATH's folder at REF; a PATH that did not exist yet holds nothing to compare with.
    let start = if rel.is_empty() {
        Some(tree.id)
    } else {
        match tree
            .lookup_entry_by_path(&rel)
            .map_err(|e| read(e.to_string()))?
        {
            Some(e) if e.mode().is_tree() => Some(e.object_id()),
            _ => None,
        }
    };
    if let Some(start) = start {
        write_tree(&repo, start, dir.path(), max_file_size).map_err(read)?;
    }
    let results = analyse(dir.path()).map_err(|reason| DiffError::Analyse {
        reference: reference.to_string(),
        reason,
    })?;
    Ok((commit_id, results))
}

/// Writes the tree `id` into `dest`: folders and regular blobs up to `cap` bytes; no
/// symlink, submodule, or name that could leave `dest`.
fn write_tree(
    repo: &gix::Repository,
    id: gix::ObjectId,
    dest: &Path,
    cap: u64,
) -> Result<(), String> {
    let mut stack: Vec<(gix::ObjectId, PathBuf)> = vec![(id, dest.to_path_buf())];
    while let Some((id, dir)) = stack.pop() {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let tree = repo
            .find_object(id)
            .map_err(|e| e.to_string())?
            .try_into_tree()
            .map_err(|e| e.to_string())?;
        for entry in tree.iter() {
            let entry = entry.map_err(|e| e.to_string())?;
            let Some(name) = safe_name(entry.filename()) else {
                continue;
            };
            let mode = entry.mode();
            let path = dir.join(name);
            if mode.is_tree() {
                stack.push((entry.object_id(), path));
            } else if mode.is_blob() {
                let size = repo
                    .find_header(entry.object_id())
                    .map_err(|e| e.to_string())?
                    .size();
                if size > cap {
                    continue;
                }
                let blob = repo
                    .find_object(entry.object_id())
                    .map_err(|e| e.to_string())?;
                std::fs::write(&path, &blob.data).map_err(|e| e.to_string())?;
            }
            // Symlinks and submodules: not written (the walk would not follow a link
            // outside the tree either, and a submodule's content is not in this clone).
        }
    }
    Ok(())
}

/// A tree entry's name as one path component, or `None` when it could not be one
/// (empty, `.`, `..`, `.git`, a separator or NUL inside, not UTF-8).
fn safe_name(name: &gix::bstr::BStr) -> Option<&str> {
    let name = std::str::from_utf8(name).ok()?;
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.eq_ignore_ascii_case(".git")
        || name.contains(['/', '\\', '\0']);
    (!bad).then_some(name)
}

/// Marks `head` against `base`: every evidence item gets `new` (its fingerprint was not
/// a `fail`/`warn` item at the base: a site that passed there and fails now is new), and
/// every check gets `new` (one of its findings is new or, for a check with no file to
/// point at, its status is worse than at the base).
pub fn mark(head: &mut [CheckResult], base: &[CheckResult]) {
    let by_id: HashMap<&str, &CheckResult> = base.iter().map(|c| (c.id.as_str(), c)).collect();
    for c in head.iter_mut() {
        let before = by_id.get(c.id.as_str()).copied();
        let known: HashSet<&str> = before
            .map(|b| b.findings().map(|e| e.fingerprint.as_str()).collect())
            .unwrap_or_default();
        for e in c.evidence.iter_mut() {
            e.new = Some(match e.status {
                EvidenceStatus::Pass => false,
                _ => !known.contains(e.fingerprint.as_str()),
            });
        }
        let worse = rank(c.status) > before.map_or(0, |b| rank(b.status));
        let new_item = c.findings().any(|e| e.new == Some(true));
        c.new = Some(if c.findings().next().is_some() {
            new_item
        } else {
            worse
        });
    }
}

/// How bad a status is, for "worse than at the base".
fn rank(s: Status) -> u8 {
    match s {
        Status::Pass | Status::Skip => 0,
        Status::Error | Status::Warn => 1,
        Status::Fail => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Evidence, Severity, Step};

    fn check(id: &str, status: Status, items: &[(&str, EvidenceStatus)]) -> CheckResult {
        CheckResult {
            id: crate::vocab::CheckId::parse(id).expect("a check id"),
            step: Step::CodeQuality,
            title: "t".into(),
            status,
            severity: Severity::Error,
            blocking: false,
            new: None,
            message: String::new(),
            remediation: String::new(),
            evidence: items
                .iter()
                .map(|(fp, s)| {
                    let mut e = Evidence::with_status(
                        *s,
                        "a.ts",
                        1,
                        crate::vocab::CheckId::MaxTokensSet.as_str(),
                    );
                    e.fingerprint = fp.to_string();
                    e
                })
                .collect(),
            evidence_omitted: 0,
        }
    }

    #[test]
    fn a_finding_is_new_when_its_fingerprint_was_no_finding_at_the_base() {
        use EvidenceStatus::{Fail, Pass};
        let base = [
            check(
                crate::vocab::CheckId::MaxTokensSet.as_str(),
                Status::Fail,
                &[("old", Fail), ("fixed", Pass)],
            ),
            check(
                crate::vocab::CheckId::RollbackDoc.as_str(),
                Status::Fail,
                &[],
            ),
            check(
                crate::vocab::CheckId::AlertRules.as_str(),
                Status::Pass,
                &[],
            ),
        ];
        let mut head = [
            check(
                crate::vocab::CheckId::MaxTokensSet.as_str(),
                Status::Fail,
                &[("old", Fail), ("fixed", Fail), ("x", Pass)],
            ),
            check(
                crate::vocab::CheckId::RollbackDoc.as_str(),
                Status::Fail,
                &[],
            ),
            check(
                crate::vocab::CheckId::AlertRules.as_str(),
                Status::Fail,
                &[],
            ),
        ];
        mark(&mut head, &base);
        let news: Vec<Option<bool>> = head[0].evidence.iter().map(|e| e.new).collect();
        assert_eq!(news, [Some(false), Some(true), Some(false)]);
        assert_eq!(head[0].new, Some(true));
        assert_eq!(head[1].new, Some(false), "still failing: not new");
        assert_eq!(head[2].new, Some(true), "worse than at the base");
    }

    #[test]
    fn names_that_could_leave_the_folder_are_not_written() {
        for bad in ["", ".", "..", ".git", ".GIT", "a/b", "a\\b", "a\0b"] {
            assert_eq!(safe_name(bad.into()), None, "{bad:?}");
        }
        assert_eq!(safe_name("src".into()), Some("src"));
    }
}
