//! Where PATH sits within its repository, for outputs that name files for a tool that
//! knows the repository, not the scan: SARIF URIs (code scanning maps them to files of
//! the repository) and JUnit class names and `file` attributes.
//!
//! The repository's root is `GITHUB_WORKSPACE` in GitHub Actions (the checkout code
//! scanning resolves against), else the git top level of PATH (found with gitoxide, no
//! git binary), else PATH itself.

use std::path::Path;

/// PATH's place within the repository root, `/`-separated, empty when PATH is the root
/// or lies outside it.
pub fn scope(root: &Path) -> String {
    let workspace = (std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true"))
        .then(|| std::env::var_os("GITHUB_WORKSPACE"))
        .flatten()
        .filter(|w| !w.is_empty());
    scope_within(root, workspace.as_deref().map(Path::new))
}

/// [`scope`] with the workspace given (the Actions publisher passes its own, and tests).
pub(crate) fn scope_within(root: &Path, workspace: Option<&Path>) -> String {
    let Ok(root) = root.canonicalize() else {
        return String::new();
    };
    let top = match workspace {
        Some(ws) => ws.canonicalize().ok(),
        None => gix::discover(&root)
            .ok()
            .and_then(|r| r.workdir().and_then(|w| w.canonicalize().ok())),
    };
    let Some(top) = top else {
        return String::new();
    };
    match root.strip_prefix(&top) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_decides_in_actions_and_outside_it_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("services/api")).unwrap();
        assert_eq!(
            scope_within(&dir.path().join("services/api"), Some(dir.path())),
            "services/api"
        );
        assert_eq!(scope_within(dir.path(), Some(dir.path())), "");
        assert_eq!(
            scope_within(dir.path(), Some(&dir.path().join("services"))),
            ""
        );
    }

    #[test]
    fn outside_actions_the_git_top_level_is_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub/dir")).unwrap();
        assert_eq!(scope_within(&dir.path().join("sub/dir"), None), "");
        gix::init(dir.path()).unwrap();
        assert_eq!(scope_within(&dir.path().join("sub/dir"), None), "sub/dir");
    }
}
