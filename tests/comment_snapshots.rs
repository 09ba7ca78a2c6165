//! The pull-request comment as a reviewer reads it (issue 13), one snapshot per
//! situation: many blocking findings, advisory only, nothing to check, one secret found
//! by two checks, a body over GitHub's size limit, new and existing findings. Each is
//! also rendered by GitHub's own Markdown engine (cmark-gfm, through the cmarkgfm
//! bindings that scripts/setup.d/50-report-validators.sh installs) and must hold no raw
//! HTML, mention or link the gate did not build.
mod common;

use common::{Repo, FAKE_MISTRAL_KEY as KEY};
use mistral_gate::report::markdown::{self, MarkdownOptions};
use mistral_gate::report::{
    CheckResult, Comparison, Evidence, FailOn, GatePolicy, Report, Severity, Status, Step,
};

const DOCS: &str = "https://github.com/mistral-gate/mistral-gate/blob/main/docs/checks.md#";
const BLOB: &str = "https://github.com/o/r/blob/0123456789abcdef0123456789abcdef01234567";

/// The comment of a gate run on `repo`, as `--markdown` writes it.
fn comment_of(repo: &Repo, extra: &[&str]) -> String {
    let out = tempfile::tempdir().unwrap();
    let md = out.path().join("comment.md");
    let mut args = vec!["--offline", "--markdown", md.to_str().unwrap()];
    args.extend_from_slice(extra);
    let run = repo.gate(&args).run();
    assert!(
        matches!(run.code(), 0 | 1),
        "exit {}: {}",
        run.code(),
        run.stderr()
    );
    std::fs::read_to_string(&md).unwrap()
}

/// Rendered as GitHub would: only the tags the gate writes, only links it builds (check
/// docs, the blob base of the head commit), no comment, image or mention.
fn assert_only_what_the_gate_built(markdown: &str, name: &str) {
    common::assert_only_gate_markup(markdown, name, |url| {
        url.starts_with(DOCS)
            || url == DOCS.trim_end_matches('#')
            || url.starts_with(&format!("{BLOB}/"))
    });
}

/// A TypeScript app with the seed's usual gaps: several blocking checks at once.
fn many_blocking_repo() -> Repo {
    let repo = Repo::new();
    repo.write(
        "src/client.ts",
        "import { Mistral } from \"@mistralai/mistralai\";\n\nexport const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n",
    );
    let mut chat = String::from("import { client } from \"./client\";\n");
    for i in 0..14 {
        chat.push_str(&format!(
            "\nexport async function ask{i}(q: string) {{\n  const res = await client.chat.complete({{ model: \"mistral-large-latest\", messages: [{{ role: \"user\", content: q }}] }});\n  console.log(\"answer\", res, q);\n  return res.choices?.[0]?.message?.content;\n}}\n"
        ));
    }
    repo.write("src/chat.ts", chat);
    // Hostile names: the comment shows them as text.
    repo.write(
        "src/@mistralai <img src=x onerror=alert(1)>.ts",
        "import { client } from \"./client\";\nexport const h = () => client.chat.complete({ model: \"mistral-large-2512\", messages: [] });\n",
    );
    repo
}

#[test]
fn many_blocking_findings() {
    let text = comment_of(&many_blocking_repo(), &[]);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("## ❌ ") && first.contains(" blocking · "),
        "{first}"
    );
    // Each location is one row in the blocking list and at most one in the advisory
    // list, however many checks hit it.
    let (blocking, advisory) = text.split_once("<details><summary>Advisory").unwrap();
    for section in [blocking, advisory] {
        let mut seen = std::collections::HashSet::new();
        for r in section.lines().filter(|l| l.starts_with("- [`src/")) {
            let loc = r.split('`').nth(1).unwrap();
            assert!(seen.insert(loc.to_string()), "{loc} twice:\n{text}");
        }
    }
    assert!(
        blocking.contains("- [`src/chat.ts:4`]") || blocking.contains("- `src/chat.ts:4`"),
        "{text}"
    );
    assert!(text.contains(&format!("]({DOCS}max-tokens-set)")), "{text}");
    assert!(
        text.contains("How to accept or silence a finding"),
        "{text}"
    );
    assert_only_what_the_gate_built(&text, "many blocking");
    insta::assert_snapshot!("many_blocking", text);
}

#[test]
fn advisory_only() {
    let repo = Repo::fixture("code/py-flask-good");
    let text = comment_of(&repo, &[]);
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("## ✅ passed: 0 blocking · "), "{first}");
    assert!(!first.ends_with("· 0 advisory"), "some advisory: {first}");
    assert!(text.contains("<details><summary>Advisory: "), "{text}");
    assert!(!text.contains("### Blocking"), "{text}");
    assert_only_what_the_gate_built(&text, "advisory only");
    insta::assert_snapshot!("advisory_only", text);
}

#[test]
fn nothing_to_check() {
    let repo = Repo::new();
    repo.write("README.md", "# A static site\n\nNo AI here.\n");
    repo.write("index.html", "<h1>hello</h1>\n");
    let text = comment_of(&repo, &[]);
    assert_eq!(
        text.lines().next().unwrap(),
        "## ⚪ nothing to check: no Mistral API usage found in 2 files"
    );
    assert!(!text.contains("passed"), "{text}");
    assert_only_what_the_gate_built(&text, "nothing to check");
    insta::assert_snapshot!("nothing_to_check", text);
    // The JSON says so too, and the exit code is 0.
    let json = repo
        .gate(&["--offline", "--format", "json"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(json["mistral_usage"], false);
    assert_eq!(json["counts"]["blocking"], 0);
}

#[test]
fn a_secret_found_by_two_checks_is_one_row() {
    let repo = Repo::new();
    repo.write(
        "src/app.ts",
        "import { Mistral } from \"@mistralai/mistralai\";\nexport const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n",
    );
    repo.write(".env.production", format!("MISTRAL_API_KEY={KEY}\n"));
    let text = comment_of(&repo, &[]);
    assert!(!text.contains(KEY), "the key is never shown");
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("- ") && l.contains("`.env.production:1`"))
        .collect();
    assert_eq!(rows.len(), 1, "one key, one row:\n{text}");
    assert!(
        rows[0].contains("key-not-committed") && rows[0].contains("no-hardcoded-secrets"),
        "{}",
        rows[0]
    );
    assert_only_what_the_gate_built(&text, "secret");
    insta::assert_snapshot!("secret_two_checks", text);
}

fn check(id: &str, status: Status, severity: Severity, evidence: Vec<Evidence>) -> CheckResult {
    CheckResult {
        id: mistral_gate::vocab::CheckId::parse(id).expect("a check id"),
        step: Step::ModelConfiguration,
        title: format!("{id} title"),
        status,
        severity,
        blocking: false,
        new: None,
        message: format!("{id}: what it found"),
        remediation: format!("what to change for {id}"),
        evidence,
        evidence_omitted: 0,
    }
}

fn report(checks: Vec<CheckResult>) -> Report {
    Report::new(
        checks,
        vec![],
        812,
        GatePolicy {
            fail_on: FailOn::Error,
            strict: false,
        },
    )
}

#[test]
fn a_body_over_the_size_limit_says_where_the_full_report_is() {
    let many = |n: usize, tag: &str| -> Vec<Evidence> {
        (0..n)
            .map(|i| {
                Evidence::fail(
                    format!("src/{tag}/{}/file{i}.ts", "deep".repeat(20)),
                    i as u32 + 1,
                    format!("chat.complete without maxTokens {}", "x".repeat(4000)),
                )
            })
            .collect()
    };
    let r = report(vec![
        check(
            "max-tokens-set",
            Status::Fail,
            Severity::Error,
            many(3000, "a"),
        ),
        check(
            "temperature-set",
            Status::Fail,
            Severity::Warning,
            many(3000, "b"),
        ),
    ]);
    let opts = MarkdownOptions {
        blob_base: Some(BLOB.into()),
        budget: Some(60_000),
        full_report: Some(
            "the job summary of [this run](https://github.com/o/r/actions/runs/42)".into(),
        ),
        head: Some("0123456789abcdef".into()),
    };
    let text = markdown::render(&r, &opts);
    assert!(text.len() <= 60_000);
    assert!(
        text.starts_with("## ❌ 1 blocking · 1 advisory\n"),
        "{text}"
    );
    assert!(
        text.contains("the full report is in the job summary of [this run](https://github.com/o/r/actions/runs/42)"),
        "{text}"
    );
    assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count()
    );
    // The run link is the caller's; everything else must be the gate's own.
    assert_only_what_the_gate_built(
        &text.replace(
            "(https://github.com/o/r/actions/runs/42)",
            "(https://github.com/o/r/blob/0123456789abcdef0123456789abcdef01234567/x)",
        ),
        "over the limit",
    );
    insta::assert_snapshot!("over_the_size_limit", text);
}

#[test]
fn new_findings_come_first_and_are_counted() {
    let mut old = Evidence::fail("src/old.ts", 10, "chat.complete without maxTokens");
    old.new = Some(false);
    let mut new = Evidence::fail("src/new.ts", 3, "chat.complete without maxTokens");
    new.new = Some(true);
    let mut also_new = Evidence::fail("src/new.ts", 3, "chat.complete outside error handling");
    also_new.new = Some(true);
    let mut max = check(
        "max-tokens-set",
        Status::Fail,
        Severity::Error,
        vec![old, new],
    );
    max.new = Some(true);
    let mut eh = check(
        "error-handling",
        Status::Fail,
        Severity::Error,
        vec![also_new],
    );
    eh.new = Some(true);
    let mut doc = check("rollback-doc", Status::Fail, Severity::Warning, vec![]);
    doc.new = Some(false);
    let mut r = report(vec![max, eh, doc]);
    r.comparison = Comparison::Compared {
        reference: "main".into(),
        commit: "fedcba9876543210fedcba9876543210fedcba98".into(),
    };
    r.tally();
    let text = markdown::render(
        &r,
        &MarkdownOptions {
            blob_base: Some(BLOB.into()),
            head: Some("0123456789abcdef".into()),
            ..Default::default()
        },
    );
    assert!(
        text.starts_with("## ❌ 2 blocking · 1 advisory · 2 new\n"),
        "{text}"
    );
    assert!(
        text.contains("Results for `0123456` against `fedcba9` (`main`)"),
        "{text}"
    );
    let new_at = text.find("### 🆕 New blocking findings").unwrap();
    let old_at = text.find("### Other blocking findings").unwrap();
    assert!(new_at < old_at);
    let new_rows: Vec<&str> = text[new_at..old_at]
        .lines()
        .filter(|l| l.starts_with("- "))
        .collect();
    assert_eq!(new_rows.len(), 1, "one location, one row: {new_rows:?}");
    assert!(new_rows[0].contains("max-tokens-set") && new_rows[0].contains("error-handling"));
    assert_only_what_the_gate_built(&text, "new vs existing");
    insta::assert_snapshot!("new_vs_existing", text);
}
