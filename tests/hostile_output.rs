//! Issue 9: text a pull request writes (file and folder names, model ids, headings)
//! never becomes markup, workflow commands or broken XML in any output, and output stays
//! bounded however many sites fail.
//!
//! The hostile repository is built here: names hold `::error ...::`, `::stop-commands::`,
//! `##[`, line breaks, backticks, `<!--`, `@x`, `]]>`, control characters, a terminal
//! escape and invalid UTF-8. The gate runs as in GitHub Actions with every report, and
//! each output is read the way its consumer reads it: stdout and stderr by a parser of
//! workflow commands that behaves like the runner's, JUnit by xmllint against the XSD,
//! SARIF by check-jsonschema against the SARIF 2.1.0 schema, Markdown by GitHub's own
//! cmark-gfm, `$GITHUB_OUTPUT` by the runner's file-command rules.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Repo, FAKE_MISTRAL_KEY as KEY};

const IMPORT: &str = "import { Mistral } from \"@mistralai/mistralai\";\nconst client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n";

/// A model id that is, as Markdown, an image, a mention and an unclosed comment, and as
/// a log line a workflow command.
const HOSTILE_MODEL: &str = "![x](https://evil.example/a.png) @team <!-- [l](http://evil.example) www.evil.example ]]> ::error title=MODEL::m ##[error]m-latest";

/// File names (in `src/`), as bytes: Linux allows any byte but `/` and NUL.
fn hostile_names() -> Vec<Vec<u8>> {
    [
        &b"::error title=FORGED::x.ts"[..],
        b"::stop-commands::pwned.ts",
        b"##[error]legacy.ts",
        b"new\nline.ts",
        b"new\n::warning title=NL::x.ts",
        b"carriage\r::error::cr.ts",
        b"!tick`<img src=https:__evil.example_t.png>`.ts",
        b"@x and @team.ts",
        b"]]><injected_element a='1'>.ts",
        b"ctl\x01.ts",
        b"esc\x1b[2J\x1b]0;title\x07.ts",
        b"bad\xff\xfeutf8.ts",
        b"<!-- mistral-gate:sticky id=0123456789abcdef digest=0 -->.ts",
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect()
}

fn source(model: &str) -> String {
    format!("{IMPORT}export async function ask(messages: any[]) {{\n  return client.chat.complete({{ model: \"{model}\", messages }});\n}}\n")
}

/// The hostile repository: every hostile name is a TypeScript file with a failing call.
fn hostile_repo() -> Repo {
    let repo = Repo::new();
    // Names that sort first, so that their evidence is among the ten lines the Markdown
    // shows per check.
    repo.write("src/!model.ts", source(HOSTILE_MODEL));
    for name in hostile_names() {
        let path = repo.path().join("src").join(OsStr::from_bytes(&name));
        std::fs::write(path, source("mistral-small-latest")).unwrap();
    }
    // A folder named with an unclosed comment hides everything after it in a comment.
    repo.write("<!-- hidden/a.ts", source("mistral-small-latest"));
    repo.write(
        "README.md",
        "# ::error title=HEADING::h\n\n## <!-- heading\n\n### @team `x` ]]>\n",
    );
    repo
}

/// One workflow command as the runner parses it.
#[derive(Debug, Clone, PartialEq)]
struct WorkflowCommand {
    name: String,
    properties: BTreeMap<String, String>,
    data: String,
}

/// The runner's registered commands (ActionCommandManager and its extensions).
const REGISTERED: [&str; 15] = [
    "stop-commands",
    "add-mask",
    "error",
    "warning",
    "notice",
    "debug",
    "group",
    "endgroup",
    "echo",
    "set-output",
    "set-env",
    "save-state",
    "add-path",
    "add-matcher",
    "remove-matcher",
];

fn unescape(s: &str, property: bool) -> String {
    let mut s = s.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        s = s.replace("%3A", ":").replace("%2C", ",");
    }
    s.replace("%25", "%")
}

/// Lines as the runner reads them (.NET `ReadLine`: LF, CR, or CR LF end a line).
fn runner_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\r', '\n']) {
            Some(i) => {
                lines.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
            }
            None => {
                lines.push(rest);
                rest = "";
            }
        }
    }
    lines
}

/// ActionCommand.TryParseV2 (`::name props::data` at the trimmed start), then TryParse
/// (`##[name props]data` anywhere), for the names in `registered`.
fn parse_command(line: &str, registered: &BTreeSet<String>) -> Option<WorkflowCommand> {
    let trimmed = line.trim_start();
    if let Some(body) = trimmed.strip_prefix("::") {
        if let Some(end) = body.find("::") {
            let info = &body[..end];
            let (name, props) = info.split_once(' ').unwrap_or((info, ""));
            if registered.contains(&name.to_ascii_lowercase()) {
                let properties = props
                    .trim()
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| (k.to_string(), unescape(v, true)))
                    .collect();
                return Some(WorkflowCommand {
                    name: name.to_ascii_lowercase(),
                    properties,
                    data: unescape(&body[end + 2..], false),
                });
            }
        }
    }
    let start = line.find("##[")?;
    let end = start + line[start..].find(']')?;
    let info = &line[start + 3..end];
    let name = info.split(' ').next().unwrap_or("");
    registered
        .contains(&name.to_ascii_lowercase())
        .then(|| WorkflowCommand {
            name: name.to_ascii_lowercase(),
            properties: BTreeMap::new(),
            data: line[end + 1..].to_string(),
        })
}

/// Every command the runner would act on in `text`, honouring `::stop-commands::TOKEN`
/// until `::TOKEN::`. A stop and its resume are returned as commands too.
fn runner_commands(text: &str) -> Vec<WorkflowCommand> {
    let mut registered: BTreeSet<String> = REGISTERED.iter().map(|s| s.to_string()).collect();
    let mut stopped: Option<String> = None;
    let mut out = Vec::new();
    for line in runner_lines(text) {
        let Some(cmd) = parse_command(line, &registered) else {
            continue;
        };
        match &stopped {
            Some(token) if cmd.name == *token => {
                registered.remove(token);
                stopped = None;
                out.push(cmd);
            }
            Some(_) => {}
            None if cmd.name == "stop-commands" => {
                let token = cmd.data.to_ascii_lowercase();
                registered.insert(token.clone());
                stopped = Some(token);
                out.push(cmd);
            }
            None => out.push(cmd),
        }
    }
    out
}

#[test]
fn the_runner_parser_behaves_like_the_runner() {
    let cmds = runner_commands("x\n  ::error file=a%2Cb%3A1.ts,line=3::m%0Ab\r::stop-commands::tok\n::error::hidden\n::tok::\nx ##[warning]legacy\n::unknown::x\n");
    let names: Vec<&str> = cmds.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["error", "stop-commands", "tok", "warning"]);
    assert_eq!(cmds[0].properties["file"], "a,b:1.ts");
    assert_eq!(cmds[0].data, "m\nb");
}

/// The paths of every evidence item in a JSON report.
fn evidence_paths(json: &serde_json::Value) -> BTreeSet<String> {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["evidence"].as_array().unwrap())
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts that the only commands in a stream are the gate's: masks of the key, and
/// annotations titled `mistral-gate ...` whose file, when given, is a real evidence path.
fn assert_only_the_gates_commands(stream: &str, name: &str, paths: &BTreeSet<String>) -> usize {
    let mut annotations = 0;
    for cmd in runner_commands(stream) {
        match cmd.name.as_str() {
            "add-mask" => assert_eq!(cmd.data, KEY, "{name}: a mask of something else: {cmd:?}"),
            "error" | "warning" | "notice" => {
                annotations += 1;
                assert!(
                    cmd.properties
                        .get("title")
                        .is_some_and(|t| t.starts_with("mistral-gate")),
                    "{name}: forged annotation {cmd:?}"
                );
                assert_eq!(
                    cmd.properties
                        .keys()
                        .filter(|k| !["file", "line", "title"].contains(&k.as_str()))
                        .count(),
                    0,
                    "{name}: {cmd:?}"
                );
                if let Some(file) = cmd.properties.get("file") {
                    assert!(
                        paths.contains(file),
                        "{name}: annotation file {file:?} is not a real path ({paths:?})"
                    );
                }
            }
            _ => panic!("{name}: the runner would act on {cmd:?}\n{stream}"),
        }
    }
    annotations
}

/// `$GITHUB_OUTPUT` as the runner reads it: `name=value`, or `name<<DELIM` up to a line
/// equal to DELIM. Panics on a line that is neither.
fn parse_outputs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delim)) = line.split_once("<<").filter(|(n, _)| !n.contains('=')) {
            let mut value = Vec::new();
            loop {
                let l = lines
                    .next()
                    .unwrap_or_else(|| panic!("unterminated {name}<<{delim}"));
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.push((name.to_string(), value.join("\n")));
        } else {
            let (name, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("not an output line: {line:?}"));
            out.push((name.to_string(), value.to_string()));
        }
    }
    out
}

/// The HTML GitHub would show holds only the tags the gate writes, no link, image,
/// comment, autolink or mention.
fn assert_literal_markdown(markdown: &str, name: &str) {
    // The only links are the ones the gate builds: each check id to its section of
    // docs/checks.md (no blob base outside GitHub Actions).
    let own_link = regex::Regex::new(
        r"^https://github\.com/mistral-gate/mistral-gate/blob/main/docs/checks\.md(#[a-z0-9-]+)?$",
    )
    .unwrap();
    let html = common::assert_only_gate_markup(markdown, name, |url| own_link.is_match(url));
    // The hostile texts are still there, as text.
    assert!(
        html.contains("&lt;!-- hidden"),
        "{name}: the folder name is shown:\n{html}"
    );
    assert!(
        html.contains("!tick`&lt;img"),
        "{name}: the backticked name is shown:\n{html}"
    );
    assert!(
        html.contains("@\u{2060}team &lt;!--"),
        "{name}: the model id is shown:\n{html}"
    );
}

struct Outputs {
    stdout: String,
    stderr: String,
    files: BTreeMap<&'static str, PathBuf>,
    step_summary: PathBuf,
    github_output: PathBuf,
    json: serde_json::Value,
}

fn run_hostile(repo: &Repo, out_dir: &Path, format: &str) -> Outputs {
    // The reports' folder name is hostile too: it holds a line break and an output line.
    let reports = out_dir.join("r\nverdict=pass");
    std::fs::create_dir_all(&reports).unwrap();
    let files: BTreeMap<&str, PathBuf> = [
        ("json", "r.json"),
        ("junit", "r.xml"),
        ("markdown", "r.md"),
        ("sarif", "r.sarif"),
    ]
    .into_iter()
    .map(|(k, f)| (k, reports.join(f)))
    .collect();
    let step_summary = out_dir.join("summary.md");
    let github_output = out_dir.join("output");
    let mut args = vec![
        "--offline".to_string(),
        "--format".into(),
        format.into(),
        "--color".into(),
        "never".into(),
    ];
    for (flag, path) in &files {
        args.push(format!("--{flag}"));
        args.push(path.to_str().unwrap().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = repo
        .gate(&args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .env("GITHUB_OUTPUT", &github_output)
        .env("GITHUB_WORKSPACE", repo.path())
        .env("MISTRAL_API_KEY", KEY)
        .run()
        .expect_code(1);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files["json"]).unwrap()).unwrap();
    Outputs {
        stdout: run.stdout(),
        stderr: run.stderr(),
        files,
        step_summary,
        github_output,
        json,
    }
}

#[test]
fn hostile_names_and_model_ids_stay_data_in_every_output() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let repo = hostile_repo();
    for format in ["text", "json"] {
        let dir = tempfile::tempdir().unwrap();
        let out = run_hostile(&repo, dir.path(), format);
        let paths = evidence_paths(&out.json);
        for name in [
            "::error title=FORGED::x.ts",
            "##[error]legacy.ts",
            "new\nline.ts",
            "ctl\u{1}.ts",
            "bad\u{fffd}\u{fffd}utf8.ts",
        ] {
            assert!(
                paths.contains(&format!("src/{name}")),
                "{name:?} is a finding of the run: {paths:?}"
            );
        }
        assert!(
            out.json.to_string().contains("@team <!--"),
            "the model id is in the JSON as it is"
        );

        // stdout and stderr: the runner finds only the gate's own commands.
        let mut annotations = 0;
        for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            annotations += assert_only_the_gates_commands(stream, name, &paths);
            assert!(
                !stream.contains(['\u{1}', '\u{1b}', '\u{7}']),
                "{name} holds a control character:\n{stream:?}"
            );
        }
        assert!(
            annotations > 0,
            "the gate's own annotations are still there:\n{}",
            out.stderr
        );
        let filed: Vec<String> = runner_commands(&out.stderr)
            .into_iter()
            .filter_map(|c| c.properties.get("file").cloned())
            .collect();
        assert!(!filed.is_empty(), "annotations name their files");
        if format == "text" {
            assert!(
                out.stdout
                    .contains("src/:\u{2060}:error title=FORGED::x.ts")
                    || out.stdout.contains("src/::error title=FORGED::x.ts"),
                "the name is shown, inert:\n{}",
                out.stdout
            );
        }

        // JUnit: valid against the schema, and no element the repository wrote.
        let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/junit.xsd");
        let lint = Command::new("xmllint")
            .args(["--noout", "--schema", xsd])
            .arg(&out.files["junit"])
            .output()
            .expect("xmllint (scripts/setup.d/00-apt.sh)");
        assert!(
            lint.status.success(),
            "xmllint: {}",
            String::from_utf8_lossy(&lint.stderr)
        );
        let count = Command::new("xmllint")
            .args(["--xpath", "count(//injected_element)"])
            .arg(&out.files["junit"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&count.stdout).trim(), "0");
        let xml = std::fs::read_to_string(&out.files["junit"]).unwrap();
        assert!(
            xml.contains("]]]]><![CDATA[><injected_element a='1'>.ts"),
            "the name is kept, split across CDATA sections"
        );

        // SARIF: valid against the 2.1.0 schema; URIs percent-encoded, relative.
        let schema = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/schema/registry/sarif-2.1.0-rtm.5.json"
        );
        assert!(
            Path::new(schema).exists(),
            "scripts/setup.d/50-report-validators.sh fetches the SARIF schema"
        );
        let check = Command::new("check-jsonschema")
            .args(["--regex-variant", "python", "--schemafile", schema])
            .arg(&out.files["sarif"])
            .output()
            .expect("check-jsonschema (scripts/setup.d/40-action-tools.sh)");
        assert!(
            check.status.success(),
            "SARIF schema: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let sarif: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out.files["sarif"]).unwrap()).unwrap();
        let uris: Vec<&str> = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert!(
            uris.contains(&"src/%3A%3Aerror%20title%3DFORGED%3A%3Ax.ts"),
            "{uris:?}"
        );
        assert!(uris.contains(&"src/new%0Aline.ts"), "{uris:?}");
        for uri in &uris {
            assert!(
                uri.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b))
                    && !uri.starts_with('/'),
                "{uri}"
            );
        }

        // Markdown, in the file and in the job summary, as GitHub renders it.
        assert_literal_markdown(
            &std::fs::read_to_string(&out.files["markdown"]).unwrap(),
            "--markdown",
        );
        assert_literal_markdown(
            &std::fs::read_to_string(&out.step_summary).unwrap(),
            "job summary",
        );

        // $GITHUB_OUTPUT: each name once, values exactly as meant.
        let outputs = parse_outputs(&std::fs::read_to_string(&out.github_output).unwrap());
        let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
        let unique: BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(names.len(), unique.len(), "a name twice: {names:?}");
        let get = |n: &str| {
            outputs
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("verdict"), Some("fail"));
        assert_eq!(get("json-report"), out.files["json"].to_str());

        // The key is masked, never shown.
        for (name, text) in [
            ("stdout", &out.stdout),
            ("stderr", &out.stderr),
            (
                "summary",
                &std::fs::read_to_string(&out.step_summary).unwrap(),
            ),
        ] {
            let shown = text.replace(&format!("::add-mask::{KEY}"), "");
            assert!(!shown.contains(KEY), "{name} shows the key");
        }
    }
}

/// The 20,000-sites-per-file volume of issue 9: four such files and every report.
fn volume_repo() -> Repo {
    let repo = Repo::new();
    let call = "  await client.chat.complete({ model: \"mistral-small-latest\", messages });\n";
    for f in 1..=4 {
        let mut text = format!("{IMPORT}export async function run(messages: any[]) {{\n");
        text.push_str(&call.repeat(20_000));
        text.push_str("}\n");
        repo.write(&format!("src/f{f}.ts"), text);
    }
    repo
}

/// The heavy runs of this file take turns: the parser has a time budget per file
/// (src/lang/lower.rs), and two 1.5 MB parses of a debug build racing on a small machine
/// can exceed it, which would measure a run that checked nothing.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Peak resident memory of a gate run, in KiB, from GNU time.
fn peak_kib(repo: &Repo, args: &[&str]) -> u64 {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "peak-kib=%M"])
        .arg(env!("CARGO_BIN_EXE_mistral-gate"))
        .arg("check")
        .arg(repo.path())
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("MISTRAL_API_KEY")
        // No MALLOC_ARENA_MAX here: the binary limits glibc's arenas itself (src/main.rs),
        // and that is part of what is measured.
        .env_remove("MALLOC_ARENA_MAX")
        .output()
        .expect("/usr/bin/time (scripts/setup.d/00-apt.sh installs `time`)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("the parser gave up"),
        "the machine was too busy to parse within the budget: nothing was measured\n{stdout}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak-kib="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak in {stderr}"))
}

/// What the renderers this module's files own add to a run's peak memory is flat in the
/// number of findings, and SARIF stays within GitHub's limits. (The JSON report holds
/// every finding by contract; the pipeline's own peak is measured in
/// `twenty_thousand_failing_sites_times_four_fit_in_300_mb`.)
#[test]
fn reports_stay_bounded_with_twenty_thousand_failing_sites_per_file() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let repo = volume_repo();
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let bare = peak_kib(&repo, &["--offline", "--color", "never"]);
    let with_reports = peak_kib(
        &repo,
        &[
            "--offline",
            "--color",
            "never",
            "--junit",
            &p("r.xml"),
            "--markdown",
            &p("r.md"),
            "--sarif",
            &p("r.sarif"),
        ],
    );
    eprintln!(
        "peak without reports: {bare} KiB; with JUnit, Markdown and SARIF: {with_reports} KiB"
    );
    assert!(
        with_reports < bare + 40 * 1024,
        "renderers added {} KiB",
        with_reports.saturating_sub(bare)
    );

    let sarif_size = std::fs::metadata(p("r.sarif")).unwrap().len();
    assert!(sarif_size < 10 * 1024 * 1024, "SARIF is {sarif_size} bytes");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 5_000);
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let capped = notes
        .iter()
        .find(|n| n["descriptor"]["id"] == "results-capped")
        .expect("the cap is said");
    assert!(
        capped["message"]["text"]
            .as_str()
            .unwrap()
            .contains(" results left out"),
        "{capped}"
    );
    assert!(std::fs::metadata(p("r.xml")).unwrap().len() < 5 * 1024 * 1024);
}

/// The whole run stays under 300 MB: 4 x 20,000 failing sites with every report. What
/// keeps it bounded: each check result carries at most EVIDENCE_KEPT items (fail first)
/// and counts the rest, so no report grows with the number of sites; the syntax trees'
/// pages go back to the system after each large parse (src/heap.rs); and the analysis
/// frees the lowered files before it sorts the call sites, without copying them.
/// (Measured on the debug binary on 2026-12-02: 218-220 MB; 302-316 MB before the last
/// two, 515 MB before the caps.)
#[test]
fn twenty_thousand_failing_sites_times_four_fit_in_300_mb() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let repo = volume_repo();
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let peak = peak_kib(
        &repo,
        &[
            "--offline",
            "--json",
            &p("r.json"),
            "--junit",
            &p("r.xml"),
            "--markdown",
            &p("r.md"),
            "--sarif",
            &p("r.sarif"),
        ],
    );
    eprintln!("peak {peak} KiB");
    assert!(peak < 300 * 1024, "peak {peak} KiB");
}
