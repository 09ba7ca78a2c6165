//! The repository walk: which files are "the repository", read once each.
//!
//! Built on the `ignore` crate (ripgrep's walker, itself on walkdir) for `.gitignore`
//! semantics and a parallel walk. A file is either handed to the front-ends as text or
//! listed as skipped with the reason: too large, binary, unreadable, a symlink loop.
//! Nothing is dropped silently, and nothing can hang the walk (FIFOs and devices are
//! not opened).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use crate::config::Config;
use crate::vocab::SkippedFile;

/// Directories that hold other people's code or build output, never the app's own.
pub const VENDORED_DIRS: &[&str] = &[
    ".git", "node_modules", ".venv", "venv", "__pycache__", "dist", "build", "target", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".next", ".nuxt", ".svelte-kit", "bower_components",
    "site-packages", ".terraform",
];

/// One text file of the repository, as the front-ends see it.
pub struct SourceFile<'a> {
    /// Relative to the scanned root, `/`-separated.
    pub path: &'a str,
    pub text: &'a str,
}

/// Why a file was not scanned. `Binary` files are counted, not listed one by one in text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    TooLarge,
    Binary,
    Unreadable,
    SymlinkLoop,
    NotRegular,
}

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
}

/// Walks `root` in parallel and calls `per_file` on every text file, collecting what it
/// returns. Results come back sorted by path so that every report is deterministic.
pub fn walk<T, F>(root: &Path, config: &Config, per_file: F) -> Result<(Vec<T>, Vec<SkippedFile>, usize), WalkError>
where
    T: Send,
    F: Fn(&SourceFile) -> T + Sync,
{
    if !root.exists() {
        return Err(WalkError::Missing(root.to_path_buf()));
    }
    if !root.is_dir() {
        return Err(WalkError::NotADirectory(root.to_path_buf()));
    }
    let results: Mutex<Vec<(String, T)>> = Mutex::new(Vec::new());
    let skipped: Mutex<Vec<SkippedFile>> = Mutex::new(Vec::new());
    let cap = config.max_file_size;

    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false) // .env files and .github/ are exactly what we look for
        .follow_links(true) // symlinked sources count; loops are detected and reported
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false) // the repository's own rules, not this machine's
        .require_git(false) // honour .gitignore in a plain checkout or a tarball too
        .ignore(true)
        .parents(false)
        .threads(std::thread::available_parallelism().map_or(2, |n| n.get()).min(8));
    let root_owned = root.to_path_buf();
    let ignore_paths = config.ignore_paths.clone();
    builder.filter_entry(move |entry| {
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir && entry.depth() > 0 {
            let name = entry.file_name().to_string_lossy();
            if VENDORED_DIRS.contains(&name.as_ref()) || entry.path().join("pyvenv.cfg").is_file() {
                return false;
            }
        }
        if entry.depth() > 0 && !ignore_paths.is_empty() {
            if let Some(rel) = relative(&root_owned, entry.path()) {
                if ignore_paths.is_match(&rel) {
                    return false;
                }
            }
        }
        true
    });

    let files_scanned = std::sync::atomic::AtomicUsize::new(0);
    builder.build_parallel().run(|| {
        let results = &results;
        let skipped = &skipped;
        let per_file = &per_file;
        let files_scanned = &files_scanned;
        Box::new(move |entry| {
            let skip = |path: String, reason: String, unscanned_text: bool| {
                skipped.lock().expect("skip list lock").push(SkippedFile { path, reason, unscanned_text });
            };
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let (path, reason, unscanned_text) = describe_walk_error(root, &err);
                    skip(path, reason, unscanned_text);
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else { return WalkState::Continue };
            if ft.is_dir() {
                return WalkState::Continue;
            }
            let Some(rel) = relative(root, entry.path()) else { return WalkState::Continue };
            if !ft.is_file() {
                skip(rel, reason_text(SkipReason::NotRegular, 0), false);
                return WalkState::Continue;
            }
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            if size > cap {
                skip(rel, format!("{} (cap {}; raise max-file-size to scan it)", reason_text(SkipReason::TooLarge, size), human(cap)), true);
                return WalkState::Continue;
            }
            let bytes = match std::fs::read(entry.path()) {
                Ok(b) => b,
                Err(e) => {
                    skip(rel, format!("{}: {e}", reason_text(SkipReason::Unreadable, 0)), true);
                    return WalkState::Continue;
                }
            };
            let Some(text) = decode(&bytes) else {
                skip(rel, reason_text(SkipReason::Binary, 0), false);
                return WalkState::Continue;
            };
            files_scanned.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let out = per_file(&SourceFile { path: &rel, text: &text });
            results.lock().expect("results lock").push((rel, out));
            WalkState::Continue
        })
    });

    let mut results = results.into_inner().expect("results lock");
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut skipped = skipped.into_inner().expect("skip list lock");
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((results.into_iter().map(|(_, t)| t).collect(), skipped, files_scanned.into_inner()))
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

pub fn reason_text(reason: SkipReason, size: u64) -> String {
    match reason {
        SkipReason::TooLarge => format!("too large: {}", human(size)),
        SkipReason::Binary => "binary file".to_string(),
        SkipReason::Unreadable => "unreadable".to_string(),
        SkipReason::SymlinkLoop => "symlink loop".to_string(),
        SkipReason::NotRegular => "not a regular file (FIFO, socket or device)".to_string(),
    }
}

/// Where a walk error happened, why, and whether text may have been missed.
fn describe_walk_error(root: &Path, err: &ignore::Error) -> (String, String, bool) {
    // The ignore crate wraps errors with the path and depth they happened at.
    fn inner(err: &ignore::Error) -> (Option<&Path>, &ignore::Error) {
        match err {
            ignore::Error::WithPath { path, err } => (Some(path.as_path()), inner(err).1),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => inner(err),
            other => (None, other),
        }
    }
    let (path, cause) = inner(err);
    let (path, reason, missed) = match cause {
        // The loop's target is walked under its real path: nothing is missed.
        ignore::Error::Loop { child, .. } => (Some(child.as_path()), reason_text(SkipReason::SymlinkLoop, 0), false),
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => (path, "broken symlink".to_string(), false),
        ignore::Error::Io(io) => (path, format!("{}: {io}", reason_text(SkipReason::Unreadable, 0)), true),
        other => (path, format!("{}: {other}", reason_text(SkipReason::Unreadable, 0)), true),
    };
    let shown = path.and_then(|p| relative(root, p)).unwrap_or_else(|| ".".to_string());
    (shown, reason, missed)
}

/// `path` relative to `root`, `/`-separated.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

pub fn human(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_detects_binary_and_survives_bad_utf8() {
        assert!(decode(b"abc\0def").is_none());
        assert_eq!(decode(b"ok \xff here").unwrap(), "ok \u{fffd} here");
        assert_eq!(decode(b"\xEF\xBB\xBFbom").unwrap(), "bom");
        let utf16le: Vec<u8> = [0xFF, 0xFE].into_iter().chain("hi".encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
        assert_eq!(decode(&utf16le).unwrap(), "hi");
    }
}
