//! The release commit pins the container action's image by digest: the release
//! workflow runs scripts/pin-action-image on action.yml, which must turn the image line
//! into `docker://IMAGE@sha256:<digest>` and change nothing else. Also the shape of the
//! release workflow that issue 16 asks for (multi-arch by digest, vX.Y.Z and vX, every
//! platform's archive with its .sha256, provenance and SBOM attestations).
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_yaml::Value;

const IMAGE: &str = "ghcr.io/mistral-gate/mistral-gate";
const DIGEST: &str = "sha256:3f1c9b0d5e2a4f6789abcdef0123456789abcdef0123456789abcdef01234567";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn copy_of_action_yml() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("action.yml");
    std::fs::copy(root().join("action.yml"), &path).unwrap();
    (dir, path)
}

fn pin(file: &Path, image: &str, digest: &str) -> Output {
    Command::new("bash")
        .arg(root().join("scripts/pin-action-image"))
        .arg(file)
        .arg(image)
        .arg(digest)
        .output()
        .unwrap()
}

#[test]
fn pinning_rewrites_the_image_to_the_digest_and_nothing_else() {
    let (_dir, path) = copy_of_action_yml();
    let before = std::fs::read_to_string(&path).unwrap();
    let out = pin(&path, IMAGE, DIGEST);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&path).unwrap();

    let pinned: Value = serde_yaml::from_str(&after).unwrap();
    assert_eq!(
        pinned["runs"]["image"].as_str(),
        Some(format!("docker://{IMAGE}@{DIGEST}").as_str())
    );

    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len(), "same number of lines");
    let changed: Vec<(&str, &str)> = b
        .iter()
        .zip(&a)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (*x, *y))
        .collect();
    assert_eq!(changed.len(), 1, "only the image line changes: {changed:?}");
    assert!(changed[0].0.starts_with("  image: docker://ghcr.io/"));
    assert_eq!(changed[0].1, format!("  image: docker://{IMAGE}@{DIGEST}"));
    assert_eq!(before.ends_with('\n'), after.ends_with('\n'));

    // Everything but the image is the same document.
    let mut original: Value = serde_yaml::from_str(&before).unwrap();
    let mut rewritten = pinned.clone();
    original["runs"]["image"] = Value::Null;
    rewritten["runs"]["image"] = Value::Null;
    assert_eq!(original, rewritten);

    // Pinning the pinned file again (a re-run) gives the same file.
    assert!(pin(&path, IMAGE, DIGEST).status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
}

#[test]
fn a_bad_digest_or_image_is_refused_and_the_file_is_left_as_it_was() {
    let (dir, path) = copy_of_action_yml();
    let before = std::fs::read(&path).unwrap();
    let short = "sha256:abc123";
    let upper = DIGEST.to_uppercase().replace("SHA256", "sha256");
    let two_lines = format!("{DIGEST}\n  extra: line");
    for (image, digest) in [
        (IMAGE, short),
        (IMAGE, "latest"),
        (IMAGE, "v0.1.0"),
        (IMAGE, upper.as_str()),
        (IMAGE, two_lines.as_str()),
        ("ghcr.io/mistral-gate/mistral-gate:v0.1.0", DIGEST),
        ("ghcr.io/Mistral-Gate/mistral-gate", DIGEST),
        ("mistral-gate", DIGEST),
        ("ghcr.io/x/y@sha256:00", DIGEST),
    ] {
        let out = pin(&path, image, digest);
        assert_eq!(out.status.code(), Some(2), "{image} {digest}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{image} {digest}");
    }
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn a_file_without_exactly_one_image_line_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for text in [
        "runs:\n  using: docker\n  image: Dockerfile\n",
        "runs:\n  using: docker\n  image: docker://a/b:1\n  image: docker://a/b:2\n",
    ] {
        let path = dir.path().join("action.yml");
        std::fs::write(&path, text).unwrap();
        let out = pin(&path, IMAGE, DIGEST);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("exactly one"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}

fn release() -> (String, Value) {
    let text = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let value = serde_yaml::from_str(&text).unwrap();
    (text, value)
}

/// Every `run:` of a job, joined.
fn runs(job: &Value) -> String {
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn uses<'a>(job: &'a Value, action: &str) -> Vec<&'a Value> {
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("{action}@")))
        })
        .collect()
}

#[test]
fn the_release_commit_pins_the_index_digest_and_is_tagged_vx_y_z_and_vx() {
    let (_, wf) = release();
    let publish = &wf["jobs"]["publish"];
    let script = runs(publish);
    let at = |needle: &str| {
        script
            .find(needle)
            .unwrap_or_else(|| panic!("publish runs {needle}"))
    };
    assert!(at("scripts/pin-action-image action.yml \"$IMAGE\" \"$DIGEST\"") < at("git commit"));
    assert!(at("setup/checksums.sha256") < at("git commit"));
    assert!(at("git commit") < at("git tag -a \"$VERSION\""));
    assert!(at("git tag -f -a \"$MAJOR\"") < at("git push --force origin \"refs/tags/$MAJOR\""));
    let step = publish["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("pin-action-image"))
        })
        .unwrap();
    assert_eq!(
        step["env"]["DIGEST"].as_str(),
        Some("${{ needs.image-index.outputs.digest }}"),
        "the digest of the multi-arch index, not of one platform"
    );
    // The release is created from the tag that points at the pinned commit.
    assert!(script.contains("gh release create \"$VERSION\" dist/*"));
    assert!(script.contains("--verify-tag"));
}

#[test]
fn the_image_is_multi_arch_pushed_by_digest_and_attested() {
    let (_, wf) = release();
    let image = &wf["jobs"]["image"];
    let platforms: Vec<&str> = image["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    let build = uses(image, "docker/build-push-action");
    assert_eq!(build.len(), 1);
    let outputs = build[0]["with"]["outputs"].as_str().unwrap();
    assert!(outputs.contains("push-by-digest=true") && outputs.contains("push=true"));
    assert!(
        build[0]["with"]["tags"].is_null(),
        "per-platform images have no tag"
    );

    let index = &wf["jobs"]["image-index"];
    let script = runs(index);
    assert!(script.contains("imagetools create -t \"$IMAGE:$VERSION\" -t \"$IMAGE:$MAJOR\""));
    for action in ["actions/attest-build-provenance", "actions/attest-sbom"] {
        let step = uses(index, action);
        assert_eq!(step.len(), 1, "{action} on the image");
        assert_eq!(
            step[0]["with"]["subject-digest"].as_str(),
            Some("${{ steps.index.outputs.digest }}")
        );
        assert_eq!(step[0]["with"]["push-to-registry"].as_bool(), Some(true));
    }
    assert_eq!(uses(index, "anchore/sbom-action").len(), 1);
    assert_eq!(
        index["permissions"]["id-token"].as_str(),
        Some("write"),
        "attestations are signed with the workflow's OIDC identity"
    );
}

#[test]
fn binaries_for_every_platform_with_checksums_provenance_and_sbom() {
    let (_, wf) = release();
    let bins = &wf["jobs"]["binaries"];
    let targets: Vec<&str> = bins["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc"
        ]
    );
    let script = runs(bins);
    assert!(
        script.contains("archive=\"$name.zip\""),
        "Windows gets a .zip"
    );
    assert!(
        script.contains("> \"$archive.sha256\""),
        "each archive gets its .sha256"
    );

    // Every target has a download in setup/install.sh, with the same archive name.
    let install = std::fs::read_to_string(root().join("setup/install.sh")).unwrap();
    for t in &targets {
        assert!(install.contains(&format!("target={t}")), "{t}");
    }
    assert!(install.contains("archive=\"mistral-gate-$version-$target.$ext\""));
    assert!(script.contains("name=\"mistral-gate-$VERSION-$TARGET\""));

    let publish = &wf["jobs"]["publish"];
    assert!(runs(publish).contains("sha256sum -c ./*.sha256"));
    for action in ["actions/attest-build-provenance", "actions/attest-sbom"] {
        let step = uses(publish, action);
        assert_eq!(step.len(), 1, "{action} on the archives");
        let subjects = step[0]["with"]["subject-path"].as_str().unwrap();
        assert!(subjects.contains("dist/*.tar.gz") && subjects.contains("dist/*.zip"));
    }
}

/// Actions are referenced by commit, like the rest of the project's workflows.
#[test]
fn workflows_pin_every_action_by_commit() {
    let re = regex::Regex::new(r"(?m)^\s*-?\s*uses:\s*([^\s#]+)").unwrap();
    for entry in std::fs::read_dir(root().join(".github/workflows")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for cap in re.captures_iter(&text) {
            let r = &cap[1];
            if r.starts_with("./") {
                continue;
            }
            let sha = r.rsplit_once('@').map(|(_, s)| s).unwrap_or("");
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{}: {r} is not pinned by commit",
                path.display()
            );
        }
    }
}
