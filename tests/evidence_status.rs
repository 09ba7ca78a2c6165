//! Issue 10: every output that tells a reader what to fix shows only the `fail` and
//! `warn` items of a check, never a passing site under a failing check. One repository
//! with 40 generation calls, one of them without a max-tokens limit: text, Markdown, job
//! summary, annotations, JUnit and SARIF each show that one call and none of the others.

mod common;

use common::Repo;

const CALLS: usize = 40;
/// The call (1-based among the 40) that sets no max-tokens limit.
const BAD: usize = 23;

/// The repository, and the line of each call.
fn repo() -> (Repo, Vec<usize>) {
    let repo = Repo::new();
    let mut text = String::from(
        "import { Mistral } from \"@mistralai/mistralai\";\n\
         const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n\
         export async function run(messages: { role: \"user\"; content: string }[]) {\n",
    );
    let mut lines = Vec::new();
    for i in 1..=CALLS {
        lines.push(text.lines().count() + 1);
        let limit = if i == BAD { "" } else { " maxTokens: 64," };
        text.push_str(&format!(
            "  await client.chat.complete({{ model: \"mistral-small-2506\", messages, temperature: 0,{limit} }});\n"
        ));
    }
    text.push_str("}\n");
    repo.write("src/chat.ts", text);
    (repo, lines)
}

#[test]
fn one_failing_site_of_forty_is_the_only_one_shown_where_a_reader_fixes() {
    let (repo, lines) = repo();
    let out = tempfile::tempdir().unwrap();
    let p = |n: &str| out.path().join(n);
    let (summary, outputs) = (p("summary.md"), p("outputs"));
    let run = repo
        .gate(&[
            "--offline",
            "--markdown",
            p("r.md").to_str().unwrap(),
            "--sarif",
            p("r.sarif").to_str().unwrap(),
            "--junit",
            p("r.xml").to_str().unwrap(),
            "--json",
            p("r.json").to_str().unwrap(),
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .run();
    assert_eq!(run.code(), 1, "{}", run.stdout());
    let bad = format!("src/chat.ts:{}", lines[BAD - 1]);
    let good: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| i + 1 != BAD)
        .map(|(_, l)| format!("src/chat.ts:{l}"))
        .collect();

    // The JSON report holds every site with its own status: 1 fail, 39 pass.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.json")).unwrap()).unwrap();
    let check = common::check(&json, "max-tokens-set");
    assert_eq!(check["status"], "fail");
    let statuses: Vec<&str> = check["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "fail").count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == "pass").count(), CALLS - 1);

    // Each output's part about max-tokens-set names the bad call and no good one.
    let section = |text: &str, start: &str, end: &str| -> String {
        let from = text
            .find(start)
            .unwrap_or_else(|| panic!("{start:?} in:\n{text}"));
        let rest = &text[from..];
        let to = rest[start.len()..]
            .find(end)
            .map_or(rest.len(), |i| i + start.len());
        rest[..to].to_string()
    };
    let stdout = run.stdout();
    let text = section(&stdout, "max-tokens-set", "temperature-set");
    // The comment and the summary group findings by location: the rows that name
    // max-tokens-set.
    let rows_naming = |text: &str| -> String {
        text.lines()
            .filter(|l| l.starts_with("- ") && l.contains("`max-tokens-set`]"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let markdown_file = std::fs::read_to_string(p("r.md")).unwrap();
    let markdown = rows_naming(&markdown_file);
    let summary_file = std::fs::read_to_string(&summary).unwrap();
    let summary = rows_naming(&summary_file);
    let junit_file = std::fs::read_to_string(p("r.xml")).unwrap();
    let junit = section(&junit_file, "name=\"max-tokens-set\"", "</testcase>");
    // Workflow commands may go to either stream; the runner reads both.
    let streams = format!("{stdout}\n{}", run.stderr());
    let annotations: String = streams
        .lines()
        .filter(|l| l.starts_with("::") && l.contains("max-tokens-set"))
        .map(|l| format!("{l}\n"))
        .collect();
    for (name, shown) in [
        ("text", &text),
        ("markdown", &markdown),
        ("job summary", &summary),
        ("junit", &junit),
    ] {
        assert!(shown.contains(&bad), "{name} does not show {bad}:\n{shown}");
        for g in &good {
            assert!(
                !shown.contains(&format!("{g} "))
                    && !shown.contains(&format!("{g}`"))
                    && !shown.contains(&format!("{g}\n")),
                "{name} shows the passing site {g}:\n{shown}"
            );
        }
    }
    assert_eq!(annotations.lines().count(), 1, "{annotations}");
    assert!(
        annotations.contains(&format!("line={}", lines[BAD - 1])),
        "{annotations}"
    );

    // SARIF: one result for the check, on the failing call.
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.sarif")).unwrap()).unwrap();
    let results: Vec<&serde_json::Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "max-tokens-set")
        .collect();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        lines[BAD - 1]
    );
}
