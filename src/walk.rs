//! The repository walk: which files are "the repository", read once each.
//!
//! Built on the `ignore` crate (ripgrep's walker, itself on walkdir) for a parallel walk.
//! A file is either handed to the front-ends as text or listed as skipped with the
//! reason: too large, binary, unreadable, a symlink loop, a symlink out of the
//! repository. Nothing is dropped silently, and nothing can hang the walk.
//!
//! The repository is untrusted input (CHECKS.md): every byte is read through
//! [`RepoRoot`] (inside PATH, regular files only, bounded reads). That includes the
//! `.gitignore` and `.ignore` files, which is why the crate's own ignore-file loading is
//! switched off and [`IgnoreFiles`] below reads them instead: the crate opens them with a
//! plain unbounded read, so a `.gitignore` that is a FIFO or a link to `/dev/zero` would
//! hang it or exhaust memory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::config::{Config, PathPatterns};
use crate::repo_fs::{Refusal, RepoRoot};
use crate::vocab::SkippedFile;

/// Directories that hold other people's code or build output, never the app's own.
const VENDORED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    "build",
    "target",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".next",
    ".nuxt",
    ".svelte-kit",
    "bower_components",
    "site-packages",
    ".terraform",
];

/// The ignore files honoured in every directory, lowest precedence first (as ripgrep).
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore"];

/// One text file of the repository, as the front-ends see it.
pub struct SourceFile<'a> {
    /// Relative to the scanned root, `/`-separated.
    pub path: &'a str,
    pub text: &'a str,
}

pub use crate::vocab::SkipReason;

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
}

/// What the walk produced, and what it passed over.
pub struct Walked<T> {
    /// What `per_file` returned for each text file, sorted by path.
    pub files: Vec<T>,
    /// Files not scanned, with why, sorted by path.
    pub skipped: Vec<SkippedFile>,
    /// How many files were read and handed to `per_file`.
    pub scanned: usize,
    /// How many files the config's global `ignore-paths` excluded (each file once).
    pub excluded: usize,
    /// For each global `ignore-paths` pattern (same order), the files it matched.
    pub excluded_by_pattern: Vec<usize>,
    /// For each check with its own `ignore-paths`: per pattern, the files of the
    /// repository it matched (those files are read, but that check ignores them).
    pub ignored_by_check: Vec<(String, Vec<usize>)>,
    /// Files skipped as larger than `max-file-size`.
    pub too_large: usize,
}

impl<T> Walked<T> {
    /// True when the walk met no file at all (not even one it skipped or the config
    /// excluded): the PATH is empty, or everything in it is git-ignored or vendored.
    pub fn met_nothing(&self) -> bool {
        self.scanned == 0 && self.skipped.is_empty() && self.excluded == 0
    }
}

/// Checks that PATH is a directory and resolves it once.
pub fn open_root(root: &Path) -> Result<RepoRoot, WalkError> {
    if !root.exists() {
        return Err(WalkError::Missing(root.to_path_buf()));
    }
    if !root.is_dir() {
        return Err(WalkError::NotADirectory(root.to_path_buf()));
    }
    RepoRoot::new(root).map_err(|_| WalkError::Missing(root.to_path_buf()))
}

/// Per-pattern counters for one [`PathPatterns`].
struct PatternCounts {
    patterns: PathPatterns,
    counts: Vec<AtomicUsize>,
}

impl PatternCounts {
    fn new(patterns: &PathPatterns) -> PatternCounts {
        PatternCounts {
            patterns: patterns.clone(),
            counts: patterns
                .patterns()
                .iter()
                .map(|_| AtomicUsize::new(0))
                .collect(),
        }
    }

    /// Counts `rel` (a file) under every pattern that matches it or one of its folders.
    /// Returns whether any did.
    fn count(&self, rel: &str) -> bool {
        let mut hit: Vec<usize> = Vec::new();
        for end in prefix_ends(rel) {
            hit.extend(self.patterns.matching(&rel[..end]));
        }
        hit.sort_unstable();
        hit.dedup();
        for &i in &hit {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        !hit.is_empty()
    }

    /// True when `rel` (a folder) or one of its parent folders matches.
    fn covers_dir(&self, rel: &str) -> bool {
        prefix_ends(rel).any(|end| self.patterns.is_match(&rel[..end]))
    }

    fn into_counts(self) -> Vec<usize> {
        self.counts
            .into_iter()
            .map(AtomicUsize::into_inner)
            .collect()
    }
}

/// Where each folder prefix of a `/`-separated path ends, then the whole path.
fn prefix_ends(rel: &str) -> impl Iterator<Item = usize> + '_ {
    rel.match_indices('/')
        .map(|(i, _)| i)
        .chain(std::iter::once(rel.len()))
}

/// Walks `root` in parallel and calls `per_file` on every text file, collecting what it
/// returns. Results come back sorted by path so that every report is deterministic.
pub fn walk<T, F>(repo: &RepoRoot, config: &Config, per_file: F) -> Walked<T>
where
    T: Send,
    F: Fn(&SourceFile) -> T + Sync,
{
    let root = repo.path();
    let results: Mutex<Vec<(String, T)>> = Mutex::new(Vec::new());
    let skipped: Arc<Mutex<Vec<SkippedFile>>> = Arc::new(Mutex::new(Vec::new()));
    let cap = config.max_file_size;
    let excluded = Arc::new(PatternCounts::new(&config.ignore_paths));
    let excluded_files = Arc::new(AtomicUsize::new(0));
    let by_check: Vec<(String, PatternCounts)> = config
        .tunings()
        .filter_map(|(id, t)| {
            t.ignore_paths()
                .map(|p| (id.to_string(), PatternCounts::new(p)))
        })
        .collect();
    let too_large = AtomicUsize::new(0);

    let mut builder = WalkBuilder::new(root);
    builder
        // Off: hidden files (.env files and .github/ are exactly what we look for), and
        // the crate's own reading of ignore files (see the module doc: IgnoreFiles).
        .standard_filters(false)
        .follow_links(true) // symlinked sources count; loops are detected and reported
        .threads(
            std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(8),
        );
    let ignore_files = Arc::new(IgnoreFiles::new(repo.clone(), cap));
    {
        let root = root.to_path_buf();
        let repo = repo.clone();
        let skipped = Arc::clone(&skipped);
        let excluded = Arc::clone(&excluded);
        let excluded_files = Arc::clone(&excluded_files);
        builder.filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir {
                let name = entry.file_name().to_string_lossy();
                if VENDORED_DIRS.contains(&name.as_ref()) || is_virtualenv(&repo, entry.path()) {
                    return false;
                }
            }
            if ignore_files.is_ignored(entry.path(), is_dir) {
                return false;
            }
            let Some(rel) = relative(&root, entry.path()) else {
                return false;
            };
            // The config's exclusions: a file is counted under each pattern that covers
            // it; a folder is still walked so that its files can be counted (nothing is
            // read there).
            let by_config = if is_dir {
                excluded.covers_dir(&rel)
            } else {
                !excluded.patterns.is_empty() && excluded.count(&rel)
            };
            if by_config && !is_dir {
                excluded_files.fetch_add(1, Ordering::Relaxed);
                return false;
            }
            if entry.path_is_symlink() {
                if let Err(Refusal::OutsideRepository) = repo.contain(entry.path()) {
                    if !by_config {
                        skipped
                            .lock()
                            .expect("skip list lock")
                            .push(SkippedFile::new(
                                rel,
                                SkipReason::OutsideRepository,
                                reason_text(SkipReason::OutsideRepository, 0),
                            ));
                    }
                    return false;
                }
            }
            true
        });
    }

    let files_scanned = AtomicUsize::new(0);
    builder.build_parallel().run(|| {
        let results = &results;
        let skipped = &skipped;
        let per_file = &per_file;
        let files_scanned = &files_scanned;
        let by_check = &by_check;
        let too_large = &too_large;
        Box::new(move |entry| {
            let skip = |path: String, kind: SkipReason, reason: String| {
                skipped
                    .lock()
                    .expect("skip list lock")
                    .push(SkippedFile::new(path, kind, reason));
            };
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let (path, kind, reason) = describe_walk_error(repo, &err);
                    skip(path, kind, reason);
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            if ft.is_dir() {
                return WalkState::Continue;
            }
            let Some(rel) = relative(root, entry.path()) else {
                return WalkState::Continue;
            };
            if !ft.is_file() {
                skip(
                    rel,
                    SkipReason::NotRegular,
                    reason_text(SkipReason::NotRegular, 0),
                );
                return WalkState::Continue;
            }
            // Metadata first, to give the real size of an ordinary large file; the read
            // below is bounded anyway, for the files whose metadata lies.
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            if size > cap {
                too_large.fetch_add(1, Ordering::Relaxed);
                skip(
                    rel,
                    SkipReason::TooLarge,
                    format!(
                        "{} (cap {}; raise max-file-size to scan it)",
                        reason_text(SkipReason::TooLarge, size),
                        human(cap)
                    ),
                );
                return WalkState::Continue;
            }
            let bytes = match repo.read(entry.path(), cap) {
                Ok(b) => b,
                Err(Refusal::TooLarge { .. }) => {
                    too_large.fetch_add(1, Ordering::Relaxed);
                    skip(
                        rel,
                        SkipReason::TooLarge,
                        format!(
                            "too large: more than {} (raise max-file-size to scan it)",
                            human(cap)
                        ),
                    );
                    return WalkState::Continue;
                }
                Err(Refusal::OutsideRepository) => {
                    skip(
                        rel,
                        SkipReason::OutsideRepository,
                        reason_text(SkipReason::OutsideRepository, 0),
                    );
                    return WalkState::Continue;
                }
                Err(Refusal::NotRegular) => {
                    skip(
                        rel,
                        SkipReason::NotRegular,
                        reason_text(SkipReason::NotRegular, 0),
                    );
                    return WalkState::Continue;
                }
                Err(Refusal::Io(e)) => {
                    skip(
                        rel,
                        SkipReason::Unreadable,
                        format!("{}: {e}", reason_text(SkipReason::Unreadable, 0)),
                    );
                    return WalkState::Continue;
                }
            };
            let Some(text) = decode(&bytes) else {
                skip(rel, SkipReason::Binary, reason_text(SkipReason::Binary, 0));
                return WalkState::Continue;
            };
            for (_, counts) in by_check {
                counts.count(&rel);
            }
            files_scanned.fetch_add(1, Ordering::Relaxed);
            let out = per_file(&SourceFile {
                path: &rel,
                text: &text,
            });
            results.lock().expect("results lock").push((rel, out));
            WalkState::Continue
        })
    });

    // The filter (and its handles on the counters) lives in the builder.
    drop(builder);
    let mut results = results.into_inner().expect("results lock");
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut skipped = std::mem::take(&mut *skipped.lock().expect("skip list lock"));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Walked {
        files: results.into_iter().map(|(_, t)| t).collect(),
        skipped,
        scanned: files_scanned.into_inner(),
        excluded: excluded_files.load(Ordering::Relaxed),
        excluded_by_pattern: Arc::into_inner(excluded)
            .expect("the walk is over")
            .into_counts(),
        ignored_by_check: by_check
            .into_iter()
            .map(|(id, c)| (id, c.into_counts()))
            .collect(),
        too_large: too_large.into_inner(),
    }
}

/// A Python virtualenv (a `pyvenv.cfg` file inside), whatever the folder is called.
fn is_virtualenv(repo: &RepoRoot, dir: &Path) -> bool {
    let cfg = dir.join("pyvenv.cfg");
    // lstat only: deciding this must not follow a link out of the repository.
    std::fs::symlink_metadata(&cfg).is_ok_and(|m| m.is_file()) && repo.contain(&cfg).is_ok()
}

/// The repository's `.gitignore` and `.ignore` files (and `.git/info/exclude`), read
/// through [`RepoRoot`] and cached per folder.
///
/// A path is matched against the ignore files of its folders, deepest first; the first
/// folder whose file says something about it decides (a `!pattern` re-includes). Files
/// below an ignored folder are never reached, since the walk does not enter it. An ignore
/// file the gate refuses to read (a link out of the repository, a FIFO, too large) is
/// treated as empty, which scans more, never less; the walk lists it as skipped itself.
struct IgnoreFiles {
    repo: RepoRoot,
    cap: u64,
    by_dir: RwLock<HashMap<PathBuf, Option<Arc<Gitignore>>>>,
    exclude: Option<Gitignore>,
}

impl IgnoreFiles {
    fn new(repo: RepoRoot, cap: u64) -> IgnoreFiles {
        let exclude = load_ignore(
            &repo,
            cap,
            repo.path(),
            &[repo.path().join(".git/info/exclude")],
        );
        IgnoreFiles {
            repo,
            cap,
            by_dir: RwLock::new(HashMap::new()),
            exclude,
        }
    }

    fn in_dir(&self, dir: &Path) -> Option<Arc<Gitignore>> {
        if let Some(found) = self.by_dir.read().expect("ignore cache lock").get(dir) {
            return found.clone();
        }
        let files: Vec<PathBuf> = IGNORE_FILES.iter().map(|n| dir.join(n)).collect();
        let loaded = load_ignore(&self.repo, self.cap, dir, &files).map(Arc::new);
        self.by_dir
            .write()
            .expect("ignore cache lock")
            .insert(dir.to_path_buf(), loaded.clone());
        loaded
    }

    fn is_ignored(&self, path: &Path, is_dir: bool) -> bool {
        let root = self.repo.path();
        for dir in path.ancestors().skip(1) {
            if !dir.starts_with(root) {
                break;
            }
            if let Some(gi) = self.in_dir(dir) {
                let rel = path.strip_prefix(dir).unwrap_or(path);
                let m = gi.matched(rel, is_dir);
                if m.is_ignore() {
                    return true;
                }
                if m.is_whitelist() {
                    return false;
                }
            }
        }
        let rel = path.strip_prefix(root).unwrap_or(path);
        self.exclude
            .as_ref()
            .is_some_and(|gi| gi.matched(rel, is_dir).is_ignore())
    }
}

/// One matcher from the ignore files of `dir` that exist and may be read.
fn load_ignore(repo: &RepoRoot, cap: u64, dir: &Path, files: &[PathBuf]) -> Option<Gitignore> {
    let mut builder = GitignoreBuilder::new(dir);
    let mut any = false;
    for file in files {
        // lstat: most folders have no ignore file; a missing one costs one syscall.
        if std::fs::symlink_metadata(file).is_err() {
            continue;
        }
        let Ok(bytes) = repo.read(file, cap) else {
            continue;
        };
        for line in String::from_utf8_lossy(&bytes).lines() {
            // A line that is not a valid glob is ignored, as git does.
            if builder.add_line(Some(file.clone()), line).is_ok() {
                any = true;
            }
        }
    }
    if any {
        builder.build().ok()
    } else {
        None
    }
}

/// Text of a file, or `None` when it is binary. Invalid UTF-8 is replaced, not fatal:
/// keys and code are ASCII, and one bad byte must not hide a whole file. UTF-16 with a
/// byte-order mark is decoded.
pub fn decode(bytes: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Some(utf16(rest, u16::from_le_bytes).into());
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return Some(utf16(rest, u16::from_be_bytes).into());
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return None;
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    // Valid UTF-8 is the common case, and std's validator is much faster on it than the
    // lossy decoder's chunk iterator.
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(std::borrow::Cow::Borrowed(text)),
        Err(_) => Some(String::from_utf8_lossy(bytes)),
    }
}

fn utf16(bytes: &[u8], f: fn([u8; 2]) -> u16) -> String {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| f([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

fn reason_text(reason: SkipReason, size: u64) -> String {
    match reason {
        SkipReason::TooLarge => format!("too large: {}", human(size)),
        SkipReason::Binary => "binary file".to_string(),
        SkipReason::Unreadable => "unreadable".to_string(),
        SkipReason::SymlinkLoop => "symlink loop".to_string(),
        SkipReason::NotRegular => "not a regular file (FIFO, socket or device)".to_string(),
        SkipReason::OutsideRepository => "symlink outside the repository".to_string(),
        SkipReason::BrokenLink => "broken symlink".to_string(),
    }
}

/// Where a walk error happened, why, and whether text may have been missed.
fn describe_walk_error(repo: &RepoRoot, err: &ignore::Error) -> (String, SkipReason, String) {
    let root = repo.path();
    // The ignore crate wraps errors with the path and depth they happened at.
    fn inner(err: &ignore::Error) -> (Option<&Path>, &ignore::Error) {
        match err {
            ignore::Error::WithPath { path, err } => (Some(path.as_path()), inner(err).1),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                inner(err)
            }
            other => (None, other),
        }
    }
    let (path, cause) = inner(err);
    let (path, kind, reason) = match cause {
        // A link to a folder above PATH (`up -> ..`) is seen as a loop by the walker, but
        // what matters to the reader is that it leads out of the repository.
        ignore::Error::Loop { child, .. }
            if matches!(repo.contain(child), Err(Refusal::OutsideRepository)) =>
        {
            (
                Some(child.as_path()),
                SkipReason::OutsideRepository,
                reason_text(SkipReason::OutsideRepository, 0),
            )
        }
        // The loop's target is walked under its real path: nothing is missed.
        ignore::Error::Loop { child, .. } => (
            Some(child.as_path()),
            SkipReason::SymlinkLoop,
            reason_text(SkipReason::SymlinkLoop, 0),
        ),
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => (
            path,
            SkipReason::BrokenLink,
            reason_text(SkipReason::BrokenLink, 0),
        ),
        ignore::Error::Io(io) => (
            path,
            SkipReason::Unreadable,
            format!("{}: {io}", reason_text(SkipReason::Unreadable, 0)),
        ),
        other => (
            path,
            SkipReason::Unreadable,
            format!("{}: {other}", reason_text(SkipReason::Unreadable, 0)),
        ),
    };
    let shown = path
        .and_then(|p| relative(root, p))
        .unwrap_or_else(|| ".".to_string());
    (shown, kind, reason)
}

/// `path` relative to `root`, `/`-separated.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

pub use crate::vocab::human_bytes as human;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_detects_binary_and_survives_bad_utf8() {
        assert!(decode(b"abc\0def").is_none());
        assert_eq!(decode(b"ok \xff here").unwrap(), "ok \u{fffd} here");
        assert_eq!(decode(b"\xEF\xBB\xBFbom").unwrap(), "bom");
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("hi".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(&utf16le).unwrap(), "hi");
    }
}
