//! Report files: checked before the run, written whole or not at all.
//!
//! CHECKS.md ("The scanned repository is untrusted input"): two report flags naming the
//! same file are a usage error, and a report is either whole or absent. So the targets
//! are compared by what they resolve to (`./a` and `a`, a symlink and its target, a
//! dangling symlink and the file it would create), refused when they are a folder, a
//! FIFO or another non-regular file (which a write would block on or fail half-way),
//! and each report goes to a temporary file in the same folder that is renamed over the
//! target only once it is fully written and flushed.
//!
//! Renaming replaces a symlink at the target path with the report instead of writing
//! through it: a link committed by a pull request (`gate.json -> ~/.bashrc`) cannot make
//! the gate overwrite a file elsewhere.
//!
//! Ownership: GitHub runs container actions as root, so a report written into the
//! mounted workspace would belong to root and a self-hosted runner's cleanup (running as
//! the runner's user) could not delete it. In GitHub Actions each report is therefore
//! handed to the owner of `GITHUB_WORKSPACE` before it is renamed into place (`fchown`
//! on the open temporary file, so no path can be swapped in between). Anywhere else, or
//! when the process may not change owners (not root), files keep the writer's owner.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Why a report file cannot be written (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ReportFileError {
    #[error(
        "{first} and {second} both name the report file {path}: give each report its own file"
    )]
    SameFile {
        first: String,
        second: String,
        path: String,
    },
    #[error("cannot write report {path}: it is {what}, not a file")]
    NotAFile { path: String, what: &'static str },
    #[error("cannot write report {path}: {reason}")]
    Write { path: String, reason: String },
}

/// One report the run will write: the flag that asked for it and its path as given.
#[derive(Debug, Clone)]
pub struct Target {
    pub flag: &'static str,
    pub path: PathBuf,
}

/// Checks the targets before any work: none names the same file as another, and none is
/// a folder or special file.
pub fn check_targets(targets: &[Target]) -> Result<(), ReportFileError> {
    let mut seen: Vec<(&Target, PathBuf)> = Vec::new();
    for t in targets {
        refuse_special(&t.path)?;
        let id = identity(&t.path);
        if let Some((first, _)) = seen.iter().find(|(_, other)| *other == id) {
            return Err(ReportFileError::SameFile {
                first: first.flag.to_string(),
                second: t.flag.to_string(),
                path: t.path.display().to_string(),
            });
        }
        seen.push((t, id));
    }
    Ok(())
}

/// Writes `contents` to `path` atomically: a temporary file in the same folder, flushed
/// to disk, then renamed over `path`. On any error the temporary file is removed and
/// `path` is left as it was.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), ReportFileError> {
    refuse_special(path)?;
    let err = |reason: String| ReportFileError::Write {
        path: path.display().to_string(),
        reason,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| err("the path names no file".into()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| {
            err(format!(
                "cannot create a temporary file in {}: {e}",
                dir.display()
            ))
        })?;
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| err(e.to_string()))?;
    // The temporary file is created 0600; a report is read by later steps, which in a
    // Docker action run as another user than the container.
    set_readable(tmp.as_file()).map_err(|e| err(format!("cannot set its permissions: {e}")))?;
    if let Some(owner) = workspace_owner() {
        give_to(tmp.as_file(), owner);
    }
    tmp.persist(path).map_err(|e| err(e.error.to_string()))?;
    Ok(())
}

/// Who report files should belong to: the owner of the workspace, in GitHub Actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// The owner of `GITHUB_WORKSPACE` when running in GitHub Actions (`GITHUB_ACTIONS=true`),
/// read once per process.
fn workspace_owner() -> Option<Owner> {
    static OWNER: std::sync::OnceLock<Option<Owner>> = std::sync::OnceLock::new();
    *OWNER.get_or_init(|| owner_from_env(|name| std::env::var_os(name).filter(|v| !v.is_empty())))
}

/// The workspace owner from the runner's variables (through `get`, so tests need not
/// change the process environment).
fn owner_from_env(get: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<Owner> {
    if get("GITHUB_ACTIONS")? != "true" {
        return None;
    }
    let meta = std::fs::metadata(get("GITHUB_WORKSPACE")?).ok()?;
    meta.is_dir().then(|| owner_of(&meta))?
}

#[cfg(unix)]
fn owner_of(meta: &std::fs::Metadata) -> Option<Owner> {
    use std::os::unix::fs::MetadataExt;
    Some(Owner {
        uid: meta.uid(),
        gid: meta.gid(),
    })
}

#[cfg(not(unix))]
fn owner_of(_: &std::fs::Metadata) -> Option<Owner> {
    None
}

/// Hands an open file to `owner`. Only root may give a file away; for anyone else the
/// file already belongs to the runner's user, so a refusal is not an error.
#[cfg(unix)]
fn give_to(file: &std::fs::File, owner: Owner) {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = file.metadata() else { return };
    if meta.uid() != owner.uid || meta.gid() != owner.gid {
        let _ = std::os::unix::fs::fchown(file, Some(owner.uid), Some(owner.gid));
    }
}

#[cfg(not(unix))]
fn give_to(_: &std::fs::File, _: Owner) {}

#[cfg(unix)]
fn set_readable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_readable(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

/// A folder, FIFO, socket or device at the target (after following links) is refused.
fn refuse_special(path: &Path) -> Result<(), ReportFileError> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let ft = meta.file_type();
    let what = if ft.is_file() {
        return Ok(());
    } else if ft.is_dir() {
        "a folder"
    } else {
        special_kind(&ft)
    };
    Err(ReportFileError::NotAFile {
        path: path.display().to_string(),
        what,
    })
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a FIFO (named pipe)"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

/// What a path resolves to, for comparing targets: the canonical path when it exists;
/// else the canonical folder joined with the name, following a dangling symlink to
/// where the write would land; else the lexically normalized absolute path.
fn identity(path: &Path) -> PathBuf {
    let mut path = absolute(path);
    for _ in 0..40 {
        if let Ok(canonical) = std::fs::canonicalize(&path) {
            return canonical;
        }
        match std::fs::read_link(&path) {
            // A dangling link: the file it would create.
            Ok(target) => path = absolute(&path.parent().unwrap_or(Path::new("/")).join(target)),
            Err(_) => break,
        }
    }
    match (
        path.parent().and_then(|p| std::fs::canonicalize(p).ok()),
        path.file_name(),
    ) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => path,
    }
}

/// An absolute path with `.` and `..` resolved lexically (the path need not exist).
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(flag: &'static str, path: PathBuf) -> Target {
        Target { flag, path }
    }

    #[test]
    fn spellings_of_one_file_are_the_same_target() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        let same =
            |a: PathBuf, b: PathBuf| check_targets(&[t("--json", a), t("--sarif", b)]).is_err();
        assert!(same(d.join("a"), d.join("a")));
        assert!(same(d.join("a"), d.join("sub/../a")));
        assert!(same(d.join("a"), d.join("./a")));
        assert!(!same(d.join("a"), d.join("b")));
        #[cfg(unix)]
        {
            std::fs::write(d.join("real"), "x").unwrap();
            std::os::unix::fs::symlink(d.join("real"), d.join("link")).unwrap();
            assert!(
                same(d.join("real"), d.join("link")),
                "a symlink and its target"
            );
            std::os::unix::fs::symlink("missing", d.join("dangling")).unwrap();
            assert!(
                same(d.join("missing"), d.join("dangling")),
                "a dangling link and the file it would create"
            );
        }
        let err = check_targets(&[t("--json", d.join("a")), t("--sarif", d.join("./a"))])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--json and --sarif both name the report file"),
            "{err}"
        );
    }

    #[test]
    fn a_folder_or_fifo_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_targets(&[t("--json", dir.path().to_path_buf())])
            .unwrap_err()
            .to_string();
        assert!(err.contains("it is a folder, not a file"), "{err}");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo");
            assert!(std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success());
            let err = write_atomic(&fifo, b"{}").unwrap_err().to_string();
            assert!(err.contains("a FIFO"), "{err}");
        }
    }

    #[test]
    fn a_write_is_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("r.json")]);
        let missing = dir.path().join("no/such/dir/r.json");
        assert!(write_atomic(&missing, b"x")
            .unwrap_err()
            .to_string()
            .contains("cannot create a temporary file"));
    }

    #[test]
    fn the_owner_is_the_workspace_owner_only_in_github_actions() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().as_os_str().to_owned();
        let env = |actions: &'static str, ws: std::ffi::OsString| {
            move |name: &str| match name {
                "GITHUB_ACTIONS" => Some(actions.into()),
                "GITHUB_WORKSPACE" => Some(ws.clone()),
                _ => None,
            }
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = std::fs::metadata(dir.path()).unwrap();
            assert_eq!(
                owner_from_env(env("true", ws.clone())),
                Some(Owner {
                    uid: meta.uid(),
                    gid: meta.gid()
                })
            );
        }
        assert_eq!(owner_from_env(env("false", ws.clone())), None);
        assert_eq!(
            owner_from_env(env("true", "/no/such/workspace".into())),
            None
        );
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(
            owner_from_env(env("true", file.into_os_string())),
            None,
            "a workspace that is not a folder"
        );
        assert_eq!(owner_from_env(|_| None), None);
    }

    /// As root (GitHub's container actions, and this project's CI), a report is handed
    /// to the given owner; as anyone else the write still succeeds.
    #[cfg(unix)]
    #[test]
    fn give_to_changes_the_owner_when_allowed() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(&p, "{}").unwrap();
        let file = std::fs::File::open(&p).unwrap();
        let before = file.metadata().unwrap();
        let owner = Owner {
            uid: 65534,
            gid: 65534,
        };
        give_to(&file, owner);
        let after = std::fs::metadata(&p).unwrap();
        if before.uid() == 0 {
            assert_eq!((after.uid(), after.gid()), (65534, 65534));
        } else {
            assert_eq!(after.uid(), before.uid(), "not root: unchanged, no error");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_target_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::write(&outside, "precious").unwrap();
        let link = dir.path().join("gate.json");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        write_atomic(&link, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "{}");
        assert!(!std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }
}
