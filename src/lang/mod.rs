//! Source-code front-ends: TypeScript/JavaScript and Python into language-neutral facts.
//!
//! Per file (in the walk's worker threads): a cheap prefilter picks the files that can
//! involve Mistral (they mention it), which are parsed with tree-sitter and lowered into
//! a small IR (`ir.rs`, by `typescript.rs` and `python.rs`). Other source files that may
//! hold shared constants or wrappers are kept unparsed and only parsed in `assemble` when
//! a Mistral file imports them. `assemble` then runs the analyser (`analyze.rs`) over the
//! whole repository, which follows values across files and produces the facts of
//! `model.rs` that the checks read.

mod aliases;
mod analyze;
pub mod embedded;
pub mod ir;
mod lower;
pub mod model;
mod python;
pub mod sdks;
mod typescript;

use std::collections::{HashMap, HashSet};

use crate::vocab::Evidence;
use crate::walk::SourceFile;

pub use model::{
    Breaker, CallKind, CallSite, Handler, HandlerKind, Handling, Lit, LogLeak, ParseFailure,
    ParseIssue, Retry, Route, Sdk, Setting,
};

const SOURCE_EXTENSIONS: &[&str] = &[
    "ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "py", "vue", "svelte", "astro", "ipynb",
];

/// Above this a file is not parsed (minified bundles, generated code): reported, not read.
const MAX_PARSE_BYTES: usize = 2 * 1024 * 1024;

/// Words that make an unparsed source file worth keeping in case a Mistral file imports it.
const SHARED_HINTS: &[&str] = &[
    "max_tokens",
    "maxTokens",
    "maxOutputTokens",
    "MAX_TOKENS",
    "temperature",
    "TEMPERATURE",
    "MODEL",
    "model",
    "retry",
    "Retry",
    "reaker",
    "ircuit",
    "health",
    // Route and base-URL constants of raw HTTP calls (`ROUTE_CHAT = "/chat/completions"`).
    "completions",
    "BASE_URL",
    "base_url",
    "baseURL",
    "baseUrl",
    "API_URL",
    // A helper that wraps a client in an ES Proxy (`traced(new Mistral(...))`).
    "Proxy(",
];

/// What one file tells about Mistral usage.
#[derive(Debug, Clone)]
pub enum FileCode {
    /// Parsed and lowered.
    Parsed(ir::FileIr),
    /// A source file that does not mention Mistral, kept for `assemble` in case a Mistral
    /// file imports it.
    Deferred { path: String, text: String },
    /// Could not be parsed: what the marker scan saw, and why.
    Unparsed {
        usage: Vec<Evidence>,
        issue: ParseIssue,
    },
    /// A package.json: the `ai` package's major version (v4 `maxTokens`, v5 `maxOutputTokens`).
    Package { ai_major: Option<u32> },
    /// A tsconfig/jsconfig's import aliases (`"@/*": ["./*"]`).
    Aliases(Vec<aliases::Alias>),
}

pub fn analyze_file(file: &SourceFile) -> Option<FileCode> {
    let name = file.path.rsplit('/').next().unwrap_or(file.path);
    if aliases::is_config(file.path) {
        let found = aliases::parse_config(file.path, file.text);
        return (!found.is_empty()).then_some(FileCode::Aliases(found));
    }
    if name == "package.json" {
        return package(file.text).map(|ai_major| FileCode::Package {
            ai_major: Some(ai_major),
        });
    }
    let ext = file.path.rsplit_once('.').map(|(_, e)| e)?;
    if !SOURCE_EXTENSIONS.contains(&ext) {
        return None;
    }
    if !mentions_mistral(file.text) {
        if ext == "ipynb" || embedded::COMPONENT_EXTENSIONS.contains(&ext) {
            return None;
        }
        let keep = file.text.len() <= 256 * 1024 && shared_hints().is_match(file.text);
        return keep.then(|| FileCode::Deferred {
            path: file.path.to_string(),
            text: file.text.to_string(),
        });
    }
    // Notebooks and single-file components: only their code is parsed, on its own lines.
    match ext {
        "ipynb" => Some(parse_file(
            file.path,
            &embedded::notebook_code(file.text)?,
            None,
        )),
        "vue" | "svelte" | "astro" => {
            let (code, lang, tsx) = embedded::component_code(ext, file.text)?;
            Some(parse_file(file.path, &code, Some((lang, tsx))))
        }
        _ => Some(parse_file(file.path, file.text, None)),
    }
}

/// The prefilter: two substring searches (memchr-fast), no parsing.
fn mentions_mistral(text: &str) -> bool {
    text.contains("istral") || text.contains("ISTRAL")
}

/// One pass over the text for all the hint words (the regex crate's literal search).
fn shared_hints() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            &SHARED_HINTS
                .iter()
                .map(|h| regex::escape(h))
                .collect::<Vec<_>>()
                .join("|"),
        )
        .expect("hint words")
    })
}

/// `script`: the language of a component's script blocks (their code is `text`).
fn parse_file(path: &str, text: &str, script: Option<(ir::Lang, bool)>) -> FileCode {
    let unparsed = |why: ParseFailure| {
        let usage = marker_usage(path, text);
        FileCode::Unparsed {
            usage,
            issue: ParseIssue {
                path: path.to_string(),
                why,
            },
        }
    };
    if text.len() > MAX_PARSE_BYTES {
        return unparsed(ParseFailure::TooLarge {
            max_bytes: MAX_PARSE_BYTES,
        });
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let lowered = match ext {
        _ if script.is_some() => {
            let (lang, tsx) = script.unwrap_or((ir::Lang::JavaScript, false));
            typescript::lower_file(path, text, tsx, lang)
        }
        "py" | "ipynb" => python::lower_file(path, text),
        "ts" | "mts" | "cts" => typescript::lower_file(path, text, false, ir::Lang::TypeScript),
        "tsx" => typescript::lower_file(path, text, true, ir::Lang::TypeScript),
        _ => typescript::lower_file(path, text, false, ir::Lang::JavaScript),
    };
    match lowered {
        Some(mut ir) => {
            ir.mistral_source = sdks::names_api_host(text)
                || ir
                    .imports
                    .iter()
                    .any(|i| sdks::is_mistral_module(ir.lang, &i.module));
            FileCode::Parsed(ir)
        }
        None => unparsed(ParseFailure::TimedOut),
    }
}

/// Fallback for files that cannot be parsed: import lines that name a Mistral package.
fn marker_usage(path: &str, text: &str) -> Vec<Evidence> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.len() < 400 && sdks::line_mentions_mistral(l))
        .take(1)
        .map(|(i, _)| {
            Evidence::new(
                path,
                i as u32 + 1,
                "mentions a Mistral package (file not parsed)",
            )
        })
        .collect()
}

fn package(text: &str) -> Option<u32> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    ["dependencies", "devDependencies", "peerDependencies"]
        .iter()
        .find_map(|k| {
            let spec = v.get(k)?.get("ai")?.as_str()?;
            let digits: String = spec
                .trim_start_matches(|c: char| !c.is_ascii_digit())
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            digits.parse().ok()
        })
}

/// Code facts of the whole repository.
#[derive(Debug, Clone, Default)]
pub struct CodeFacts {
    /// Where Mistral is used (imports of its packages, call sites).
    pub usage: Vec<Evidence>,
    pub calls: Vec<CallSite>,
    pub leaks: Vec<LogLeak>,
    pub routes: Vec<Route>,
    pub breakers: Vec<Breaker>,
    /// Files that could not be parsed, with why.
    pub issues: Vec<ParseIssue>,
    /// Call sites and log leaks in test code (`tests/`, `*.test.ts`, `test_*.py`, e2e
    /// suites): kept apart and not judged unless the config says `test-code = "judge"`.
    pub test_calls: Vec<CallSite>,
    pub test_leaks: Vec<LogLeak>,
    /// Files that use Mistral (import its package, name its API host, or hold a call
    /// site), sorted: the whole file is a Mistral context for the secret scan.
    pub mistral_files: Vec<String>,
    /// The repository imports of those files, for constants they import (a key in
    /// `config.py` imported by the module that builds the client).
    pub mistral_file_imports: Vec<FileImport>,
}

/// One import statement of a file that uses Mistral.
#[derive(Debug, Clone)]
pub struct FileImport {
    lang: ir::Lang,
    from: String,
    module: String,
    name: Option<String>,
}

/// Directories whose files are test code.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "e2e",
    "spec",
    "specs",
    "cypress",
    "playwright",
    "testing",
];

/// True when `path` is test code: under a test directory, or named as a test
/// (`test_x.py`, `x_test.py`, `conftest.py`, `x.test.ts`, `x.spec.js`, `x.e2e.ts`).
pub fn is_test_path(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    let name = parts.pop().unwrap_or("");
    if parts
        .iter()
        .any(|d| TEST_DIRS.contains(&d.to_ascii_lowercase().as_str()))
    {
        return true;
    }
    let stem = name.split('.').next().unwrap_or(name);
    let inner: Vec<&str> = name.split('.').skip(1).collect();
    (name.ends_with(".py")
        && (stem.starts_with("test_") || stem.ends_with("_test") || stem == "conftest"))
        || (inner.len() >= 2 && ["test", "spec", "e2e"].contains(&inner[inner.len() - 2]))
}

/// Takes the items in test code out of `items`, in place: production items keep their
/// order and only the test items are copied, sorted by where they are.
fn split_off_tests<T>(items: &mut Vec<T>, at: impl Fn(&T) -> (&str, u32)) -> Vec<T> {
    let mut kept = 0;
    for i in 0..items.len() {
        if !is_test_path(at(&items[i]).0) {
            items.swap(kept, i);
            kept += 1;
        }
    }
    let mut tests = items.split_off(kept);
    tests.sort_by(|a, b| at(a).cmp(&at(b)));
    tests
}

impl CodeFacts {
    pub fn assemble(files: Vec<FileCode>) -> CodeFacts {
        let mut facts = CodeFacts::default();
        let mut parsed = Vec::new();
        let mut deferred: HashMap<String, String> = HashMap::new();
        let mut ai_major = None;
        let mut alias_list = Vec::new();
        for f in files {
            match f {
                FileCode::Parsed(ir) => parsed.push(ir),
                FileCode::Deferred { path, text } => {
                    deferred.insert(path, text);
                }
                FileCode::Unparsed { usage, issue } => {
                    facts.usage.extend(usage);
                    facts.issues.push(issue);
                }
                FileCode::Package { ai_major: v } => ai_major = ai_major.max(v),
                FileCode::Aliases(a) => alias_list.extend(a),
            }
        }
        alias_list.extend(aliases::builtin());
        // Aliased imports (`@/lib/ai/mistral`) become relative ones, resolved as usual.
        let stems: HashSet<String> = parsed
            .iter()
            .map(|f| f.path.as_str())
            .chain(deferred.keys().map(|k| k.as_str()))
            .map(|p| p.rsplit_once('.').map_or(p, |(s, _)| s).to_string())
            .collect();
        let exists = |c: &str| stems.contains(c) || stems.contains(&format!("{c}/index"));
        let expand = |from: &str, module: &str| aliases::expand(&alias_list, from, module, exists);
        let rewrite = |ir: &mut ir::FileIr| {
            if ir.lang != ir::Lang::Python {
                for imp in ir.imports.iter_mut() {
                    if let Some(m) = expand(&ir.path, &imp.module) {
                        imp.module = m;
                    }
                }
            }
        };
        parsed.iter_mut().for_each(rewrite);
        // Parse the files the Mistral files import (two levels), and only those.
        let mut parsed_paths: HashSet<String> = parsed.iter().map(|f| f.path.clone()).collect();
        for _ in 0..2 {
            let wanted = imported_paths(&parsed, &deferred);
            if wanted.is_empty() {
                break;
            }
            for path in wanted {
                if let Some(text) = deferred.remove(&path) {
                    if parsed_paths.insert(path.clone()) {
                        if let FileCode::Parsed(mut ir) = parse_file(&path, &text, None) {
                            rewrite(&mut ir);
                            parsed.push(ir);
                        }
                    }
                }
            }
        }
        // And the files that import them (callers of wrappers, routes calling them): a
        // deferred file naming a parsed file's module is parsed too.
        let sources: HashSet<&str> = parsed
            .iter()
            .filter(|f| f.mistral_source)
            .map(|f| f.path.as_str())
            .collect();
        let imports_a_source = |path: &str, text: &str| {
            let lang = if path.ends_with(".py") {
                ir::Lang::Python
            } else {
                ir::Lang::TypeScript
            };
            imported_specifiers(text, lang == ir::Lang::Python)
                .into_iter()
                .any(|(module, name)| {
                    let expanded = (lang != ir::Lang::Python)
                        .then(|| expand(path, module))
                        .flatten();
                    let module = expanded.as_deref().unwrap_or(module);
                    let wanted = analyze::module_paths(lang, path, module, name);
                    sources.iter().any(|s| wanted.matches(s))
                })
        };
        let importers: Vec<String> = deferred
            .iter()
            .filter(|(p, t)| imports_a_source(p, t))
            .map(|(p, _)| p.clone())
            .collect();
        for path in importers {
            if let Some(text) = deferred.remove(&path) {
                if let FileCode::Parsed(mut ir) = parse_file(&path, &text, None) {
                    rewrite(&mut ir);
                    parsed.push(ir);
                }
            }
        }
        parsed.sort_by(|a, b| a.path.cmp(&b.path));
        for f in &parsed {
            if f.syntax_errors {
                facts.issues.push(ParseIssue {
                    path: f.path.clone(),
                    why: ParseFailure::SyntaxErrors,
                });
            }
        }
        let repo = analyze::Repo::new(&parsed, ai_major);
        let mut calls = repo.call_sites();
        for site in calls.iter_mut() {
            let (fi, ci) = (site.file, site.call);
            repo.fill_context(site, fi, ci);
        }
        facts.leaks = repo.log_leaks(&calls);
        facts.leaks.extend(repo.debug_logger_leaks());
        facts
            .leaks
            .sort_by(|a, b| (a.path.as_str(), a.line).cmp(&(b.path.as_str(), b.line)));
        facts
            .leaks
            .dedup_by(|a, b| a.path == b.path && a.line == b.line);
        facts.routes = repo.routes(&calls);
        facts.breakers = repo.breakers();
        for (path, line, what) in repo.mistral_imports() {
            facts.usage.push(Evidence::new(path, line, what));
        }
        // One usage item per file with call sites: `usage` says *that* and where Mistral is
        // used; the call sites themselves are `calls` (80,000 sites must not cost 80,000
        // more items).
        for c in &calls {
            if facts.usage.last().is_none_or(|u| u.path != c.path) {
                facts
                    .usage
                    .push(Evidence::new(&c.path, c.line, format!("calls {}", c.api)));
            }
        }
        calls.retain(|c| !c.path.is_empty());
        let call_paths: HashSet<&str> = calls.iter().map(|c| c.path.as_str()).collect();
        for f in &parsed {
            if f.mistral_source || call_paths.contains(f.path.as_str()) {
                facts.mistral_files.push(f.path.clone());
                facts
                    .mistral_file_imports
                    .extend(f.imports.iter().map(|i| FileImport {
                        lang: f.lang,
                        from: f.path.clone(),
                        module: i.module.clone(),
                        name: i.name.clone(),
                    }));
            }
        }
        // The syntax-derived files are done with: free them before the split, and split
        // in place, so the peak holds one copy of the call sites, not two plus the IR
        // (the 4 x 20,000-site run of tests/hostile_output.rs).
        drop(call_paths);
        drop(repo);
        drop(parsed);
        facts.test_calls = split_off_tests(&mut calls, |c| (c.path.as_str(), c.line));
        facts.calls = calls;
        facts.test_leaks = split_off_tests(&mut facts.leaks, |l| (l.path.as_str(), l.line));
        facts
    }

    /// Judges test code like production code (`test-code = "judge"` in the config).
    pub fn judge_test_code(&mut self) {
        self.calls.append(&mut self.test_calls);
        self.leaks.append(&mut self.test_leaks);
        self.calls
            .sort_by(|a, b| (a.path.as_str(), a.line).cmp(&(b.path.as_str(), b.line)));
        self.leaks
            .sort_by(|a, b| (a.path.as_str(), a.line).cmp(&(b.path.as_str(), b.line)));
    }

    /// Every model id the code passes to Mistral, with where (for key-model-access).
    pub fn used_models(&self) -> Vec<(String, Evidence)> {
        let mut out: Vec<(String, Evidence)> = Vec::new();
        for c in &self.calls {
            if let Setting::Set {
                value: Lit::Str(id),
                ..
            } = &c.model
            {
                if !out
                    .iter()
                    .any(|(m, e)| m == id && e.path == c.path && e.line == Some(c.line))
                {
                    out.push((
                        id.clone(),
                        Evidence::new(&c.path, c.line, format!("{} uses model {id}", c.api)),
                    ));
                }
            }
        }
        out
    }

    /// True when any file uses the Mistral API.
    pub fn uses_mistral(&self) -> bool {
        !self.usage.is_empty()
    }
}

impl crate::secrets::MistralCode for CodeFacts {
    fn uses_mistral(&self, path: &str) -> bool {
        self.mistral_files
            .binary_search_by(|p| p.as_str().cmp(path))
            .is_ok()
    }

    fn imported_by_mistral_file(&self, path: &str, name: Option<&str>) -> bool {
        self.mistral_file_imports.iter().any(|i| {
            // `name: None` asks about the module itself: a namespace import, or a
            // Python `from app import config` naming the file.
            let stem = path.rsplit('/').next().unwrap_or(path).split('.').next();
            let names_it = match (name, i.name.as_deref()) {
                (Some(want), Some(n)) => want == n,
                (None, None) => true,
                (None, Some(n)) => stem == Some(n),
                (Some(_), None) => false,
            };
            names_it
                && analyze::module_paths(i.lang, &i.from, &i.module, i.name.as_deref())
                    .matches(path)
        })
    }
}

/// Repository paths of deferred files that parsed files import.
fn imported_paths(parsed: &[ir::FileIr], deferred: &HashMap<String, String>) -> Vec<String> {
    let mut by_name: HashMap<&str, Vec<&String>> = HashMap::new();
    for path in deferred.keys() {
        by_name
            .entry(path.rsplit('/').next().unwrap_or(path))
            .or_default()
            .push(path);
    }
    let mut out = Vec::new();
    for f in parsed {
        for imp in &f.imports {
            let wanted = analyze::module_paths(f.lang, &f.path, &imp.module, imp.name.as_deref());
            for name in wanted.names() {
                for path in by_name.get(name).map(|v| v.as_slice()).unwrap_or(&[]) {
                    if wanted.matches(path) {
                        out.push((*path).clone());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The modules a file imports (with the imported name, for Python's `from . import x`),
/// from a cheap scan of its import lines: a prefilter only, the parser decides.
fn imported_specifiers(text: &str, python: bool) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    for line in text.lines().take(20_000) {
        let l = line.trim_start();
        if python {
            if let Some(rest) = l.strip_prefix("from ") {
                let mut parts = rest.splitn(2, " import ");
                let module = parts.next().unwrap_or("").trim();
                let names = parts.next().unwrap_or("");
                out.push((module, None));
                for n in names
                    .split(|c: char| c == ',' || c == '(' || c == ')' || c.is_whitespace())
                    .filter(|n| !n.is_empty() && *n != "as")
                {
                    out.push((module, Some(n)));
                }
            } else if let Some(rest) = l.strip_prefix("import ") {
                out.extend(
                    rest.split(',')
                        .map(|m| (m.split_whitespace().next().unwrap_or(""), None)),
                );
            }
        } else if l.starts_with("import ")
            || l.starts_with("export ")
            || l.contains("require(")
            || l.starts_with("} from")
            || l.starts_with("from ")
        {
            out.extend(
                l.split(['"', '\''])
                    .skip(1)
                    .step_by(2)
                    .filter(|q| q.starts_with('.'))
                    .map(|q| (q, None)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
