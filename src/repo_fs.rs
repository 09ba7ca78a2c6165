//! The one place that decides what may be read, and how much of it.
//!
//! In CI the scanned repository is a pull request: anyone can write it, symlinks and
//! special files included. So every file the gate reads on the repository's say-so (each
//! file of the walk, `.gitignore`/`.ignore` files, `.mistral-gate.toml`, the baseline the
//! config names) comes through [`RepoRoot::read`]: the path is resolved (canonicalized)
//! and must stay inside the scanned root, the resolved file must be a regular file, it is
//! opened non-blocking and re-checked through the opened descriptor (closing the race
//! between the check and the open), and the read stops at `cap + 1` bytes whatever the
//! metadata claims (procfs reports size 0 for files that never end).
//!
//! Files named on the command line (`--config`, `--baseline`) are the caller's choice:
//! they may live anywhere, but go through [`read_bounded`] so that a FIFO or `/dev/zero`
//! is a clear error, never a hang or an exhausted memory.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The path resolves (through a symlink or `..`) to somewhere outside the scanned root.
    #[error("symlink outside the repository")]
    OutsideRepository,
    /// A FIFO, socket or device: opening or reading it could block or never end.
    #[error("not a regular file (FIFO, socket or device)")]
    NotRegular,
    /// More than `cap` bytes (found by reading, not by trusting the metadata).
    #[error("larger than {cap} bytes")]
    TooLarge { cap: u64 },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The scanned root, resolved once.
#[derive(Debug, Clone)]
pub struct RepoRoot {
    canonical: PathBuf,
}

impl RepoRoot {
    pub fn new(root: &Path) -> std::io::Result<RepoRoot> {
        Ok(RepoRoot {
            canonical: root.canonicalize()?,
        })
    }

    /// The resolved root (no symlinks left in it).
    pub fn path(&self) -> &Path {
        &self.canonical
    }

    /// Resolves `path` and returns where it really is, if that is inside the root.
    pub fn contain(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let resolved = path.canonicalize()?;
        if resolved.starts_with(&self.canonical) {
            Ok(resolved)
        } else {
            Err(Refusal::OutsideRepository)
        }
    }

    /// Reads a file of the repository: inside the root, regular, at most `cap` bytes.
    pub fn read(&self, path: &Path, cap: u64) -> Result<Vec<u8>, Refusal> {
        let resolved = self.contain(path)?;
        read_bounded(&resolved, cap)
    }
}

/// Reads a regular file, at most `cap` bytes, without ever blocking on a FIFO or device.
pub fn read_bounded(path: &Path, cap: u64) -> Result<Vec<u8>, Refusal> {
    // Checked before opening: opening a FIFO without O_NONBLOCK blocks until a writer
    // comes, and opening some devices has side effects.
    if !std::fs::metadata(path)?.file_type().is_file() {
        return Err(Refusal::NotRegular);
    }
    let file = open_nonblocking(path)?;
    // Checked again on what was actually opened: the path may have been swapped between
    // the two calls.
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(Refusal::NotRegular);
    }
    let mut bytes = Vec::with_capacity(meta.len().min(cap.saturating_add(1)).min(1 << 20) as usize);
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(Refusal::TooLarge { cap });
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_cap_whatever_the_metadata_says() {
        // /dev/zero is a device: refused before any read.
        assert!(matches!(
            read_bounded(Path::new("/dev/zero"), 10),
            Err(Refusal::NotRegular)
        ));
        // procfs reports size 0 for files far larger than that.
        if Path::new("/proc/self/maps").exists() {
            match read_bounded(Path::new("/proc/self/maps"), 8) {
                Err(Refusal::TooLarge { cap: 8 }) => {}
                other => panic!("expected TooLarge, got {other:?}"),
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"12345").unwrap();
        assert_eq!(read_bounded(&p, 5).unwrap(), b"12345");
        assert!(matches!(
            read_bounded(&p, 4),
            Err(Refusal::TooLarge { cap: 4 })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_are_refused_and_links_inside_work() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("prod.env"), b"KEY=x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.txt"), b"inside").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("prod.env"),
            dir.path().join("leaked.env"),
        )
        .unwrap();
        std::os::unix::fs::symlink("real.txt", dir.path().join("alias.txt")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("up")).unwrap();
        let root = RepoRoot::new(dir.path()).unwrap();
        assert!(matches!(
            root.read(&dir.path().join("leaked.env"), 100),
            Err(Refusal::OutsideRepository)
        ));
        assert!(matches!(
            root.read(&dir.path().join("up"), 100),
            Err(Refusal::OutsideRepository)
        ));
        assert_eq!(
            root.read(&dir.path().join("alias.txt"), 100).unwrap(),
            b"inside"
        );
    }
}
