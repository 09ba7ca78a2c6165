//! Reading one file as it is in a commit, without a git binary: the config from the base
//! branch (`--config-ref REF`, the action's `config-from: base`).
//!
//! A pull request can change `.mistral-gate.toml` along with the code it gates. Reading
//! the config from the pull request's base commit instead takes that lever away: the
//! config in force is the one already reviewed and merged. The repository is opened with
//! gitoxide (`gix`, pure Rust: the action's image has no git), discovered from PATH; the
//! file is looked up at PATH's place within the repository, and read only when it is a
//! regular blob no larger than [`MAX_CONFIG_BYTES`] (the size is asked of the object
//! database before the blob is inflated). A symlink, folder or submodule at that path is
//! an error, never followed.

use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigError};
use crate::report::{ConfigSource, Suppression};

/// The largest config blob read from a commit (a real one is well under 10 KB).
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The config file's name, at the root of the scanned PATH.
const CONFIG_NAME: &str = ".mistral-gate.toml";

/// Why the config could not be read from the commit (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum GitTreeError {
    #[error("--config-ref: {path} is not inside a git repository with a working tree ({reason})")]
    NoRepository { path: String, reason: String },
    #[error("--config-ref: {reference:?} names no commit in {repo} ({reason}); with actions/checkout, fetch the base commit too (fetch-depth: 2, or 0)")]
    Resolve {
        reference: String,
        repo: String,
        reason: String,
    },
    #[error("--config-ref: cannot read {shown} ({reason})")]
    Read { shown: String, reason: String },
    #[error("--config-ref: {shown} is {what}, not a config file; it is not followed")]
    NotAFile { shown: String, what: &'static str },
    #[error("--config-ref: {shown} is {size} bytes, larger than the {max} a config file may be")]
    TooLarge { shown: String, size: u64, max: u64 },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// The repository's config as it is in a commit.
#[derive(Debug, Clone)]
pub struct ConfigAtRef {
    /// The reference as given (`main`, a commit id).
    pub reference: String,
    /// The commit it resolved to (full id).
    pub commit: String,
    /// The config file's path within the repository (`/`-separated).
    pub path: String,
    /// `None` when the commit has no config file there: no repository config is used.
    pub config: Option<Config>,
}

impl ConfigAtRef {
    /// `<short commit>:<path>`, git's notation for a file in a commit.
    pub fn shown(&self) -> String {
        format!(
            "{}:{}",
            &self.commit[..self.commit.len().min(12)],
            self.path
        )
    }

    /// The config in force: the commit's, else the defaults.
    pub fn config(&self) -> Config {
        self.config.clone().unwrap_or_default()
    }

    /// What the report says about it (every output shows it to the reviewer). A commit
    /// without the file is said too, since the working tree may have one that was not used.
    pub fn suppression(&self) -> Suppression {
        let path = match self.config {
            Some(_) => self.shown(),
            None => format!(
                "{} (absent at the base commit: no repository config used)",
                self.shown()
            ),
        };
        Suppression::Config {
            path,
            source: ConfigSource::BaseCommit,
        }
    }
}

/// True for a full commit id (40 hex digits for SHA-1, 64 for SHA-256).
pub fn is_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads `root/.mistral-gate.toml` as it is in commit `reference` of the git repository
/// that holds `root`.
pub fn config_at(root: &Path, reference: &str) -> Result<ConfigAtRef, GitTreeError> {
    let (repo, rel) = open(root)?;
    let rel_path = if rel.is_empty() {
        CONFIG_NAME.to_string()
    } else {
        format!("{rel}/{CONFIG_NAME}")
    };
    let repo_name = repo
        .workdir()
        .unwrap_or(repo.git_dir())
        .display()
        .to_string();
    let resolve_err = |reason: String| GitTreeError::Resolve {
        reference: reference.to_string(),
        repo: repo_name.clone(),
        reason,
    };
    let commit = resolve(&repo, reference).map_err(resolve_err)?;
    let commit_id = commit.id.to_string();
    let mut at = ConfigAtRef {
        reference: reference.to_string(),
        commit: commit_id,
        path: rel_path.clone(),
        config: None,
    };
    let shown = at.shown();
    let read = |reason: String| GitTreeError::Read {
        shown: shown.clone(),
        reason,
    };
    let tree = commit.tree().map_err(|e| read(e.to_string()))?;
    let Some(entry) = tree
        .lookup_entry_by_path(&rel_path)
        .map_err(|e| read(e.to_string()))?
    else {
        return Ok(at);
    };
    let mode = entry.mode();
    let what = if mode.is_link() {
        Some("a symlink")
    } else if mode.is_tree() {
        Some("a folder")
    } else if mode.is_commit() {
        Some("a submodule")
    } else {
        None
    };
    if let Some(what) = what {
        return Err(GitTreeError::NotAFile { shown, what });
    }
    let size = repo
        .find_header(entry.object_id())
        .map_err(|e| read(e.to_string()))?
        .size();
    if size > MAX_CONFIG_BYTES {
        return Err(GitTreeError::TooLarge {
            shown,
            size,
            max: MAX_CONFIG_BYTES,
        });
    }
    let blob = repo
        .find_object(entry.object_id())
        .map_err(|e| read(e.to_string()))?;
    let text = std::str::from_utf8(&blob.data).map_err(|e| ConfigError::Invalid {
        path: PathBuf::from(&shown),
        location: String::new(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ),
    })?;
    at.config = Some(Config::parse(text, Path::new(&shown))?);
    Ok(at)
}

/// The commit `reference` names in `repo`: a full commit id, or a branch, tag or other
/// reference (peeled to its commit). The error is the reason, in words.
pub(crate) fn resolve<'r>(
    repo: &'r gix::Repository,
    reference: &str,
) -> Result<gix::Commit<'r>, String> {
    let id = if is_object_id(reference) {
        gix::ObjectId::from_hex(reference.as_bytes()).map_err(|e| e.to_string())?
    } else {
        let found = repo
            .try_find_reference(reference)
            .map_err(|e| e.to_string())?;
        let mut found = found.ok_or_else(|| {
            "no branch, tag or other reference of that name; give a full commit id or a ref name"
                .to_string()
        })?;
        found.peel_to_id().map_err(|e| e.to_string())?.detach()
    };
    repo.find_object(id)
        .map_err(|e| e.to_string())?
        .peel_to_commit()
        .map_err(|e| e.to_string())
}

/// The repository holding `root`, and `root`'s path within its working tree
/// (`/`-separated, empty at the top).
pub(crate) fn open(root: &Path) -> Result<(gix::Repository, String), GitTreeError> {
    let no_repo = |reason: String| GitTreeError::NoRepository {
        path: root.display().to_string(),
        reason,
    };
    let canonical = std::fs::canonicalize(root).map_err(|e| no_repo(e.to_string()))?;
    let repo = gix::discover(&canonical).map_err(|e| no_repo(e.to_string()))?;
    let top = repo
        .workdir()
        .ok_or_else(|| no_repo("a bare repository".into()))?;
    let top = std::fs::canonicalize(top).map_err(|e| no_repo(e.to_string()))?;
    let rel = canonical
        .strip_prefix(&top)
        .map_err(|_| no_repo(format!("it is outside the working tree {}", top.display())))?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok((repo, parts.join("/")))
}
