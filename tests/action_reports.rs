//! Report files written in GitHub Actions belong to the workspace's owner: the
//! container action runs as root, and a root-owned report in the mounted workspace
//! breaks a self-hosted runner's cleanup.
#![cfg(unix)]

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

const NOBODY: u32 = 65534;

fn run_in_actions(workspace: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .arg("check")
        .arg(workspace)
        .args([
            "--offline",
            "--json=reports/gate.json",
            "--junit=reports/gate.xml",
            "--markdown=reports/gate.md",
            "--sarif=reports/gate.sarif",
        ])
        .current_dir(workspace)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", workspace)
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("MISTRAL_API_KEY")
        .env_remove("MISTRAL_FALLBACK_API_KEY")
        .output()
        .unwrap()
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::create_dir_all(dir.path().join("reports")).unwrap();
    std::fs::write(
        dir.path().join("src/app.py"),
        "from mistralai import Mistral\nclient = Mistral(api_key=os.environ['MISTRAL_API_KEY'])\n",
    )
    .unwrap();
    dir
}

#[test]
fn reports_belong_to_the_workspace_owner_in_actions() {
    let ws = repo();
    let me = std::fs::metadata(ws.path()).unwrap().uid();
    if me != 0 {
        // Only root can hand a folder to another user; as anyone else the reports are
        // the runner user's already, which the next test covers.
        eprintln!("not root: the ownership hand-over is checked only as root (as in CI)");
        return;
    }
    std::os::unix::fs::chown(ws.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let out = run_in_actions(ws.path());
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for report in ["gate.json", "gate.xml", "gate.md", "gate.sarif"] {
        let meta = std::fs::metadata(ws.path().join("reports").join(report)).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (NOBODY, NOBODY), "{report}");
        assert_eq!(
            meta.mode() & 0o777,
            0o644,
            "{report} readable by later steps"
        );
    }
}

#[test]
fn outside_actions_reports_keep_the_writers_owner() {
    let ws = repo();
    let me = std::fs::metadata(ws.path()).unwrap().uid();
    if me == 0 {
        std::os::unix::fs::chown(ws.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_mistral-gate"))
        .arg("check")
        .arg(ws.path())
        .args(["--offline", "--json=reports/gate.json"])
        .current_dir(ws.path())
        .env_remove("GITHUB_ACTIONS")
        .env("GITHUB_WORKSPACE", ws.path())
        .env_remove("MISTRAL_API_KEY")
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c < 2));
    let meta = std::fs::metadata(ws.path().join("reports/gate.json")).unwrap();
    assert_eq!(
        meta.uid(),
        me,
        "not in GitHub Actions: nothing is handed over"
    );
}
