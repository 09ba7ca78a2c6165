//! Secret detection: Mistral keys by context, other providers' keys by their shape.
//!
//! The rules are data (`data/secret-rules.toml`, see [`rules`]). Mistral keys have no
//! prefix: 32 characters of `[A-Za-z0-9]`. Such a run is a Mistral key when it looks
//! generated (see [`shape`]) and stands in a Mistral context:
//! - the whole file, when its name or its imports mention Mistral or it names
//!   `api.mistral.ai`;
//! - otherwise `mistral` within a few lines (wider for a credential position: a name
//!   saying key/token/secret, a Bearer header);
//! - across files, from the code facts: a run in a file the code analysis found calling
//!   Mistral, or a constant imported by such a file ([`confirm`], run in the facts stage).
//!
//! Runs that are not (yet) keys are kept as [`Candidate`]s, by a digest of their value:
//! once a key is confirmed anywhere, every other occurrence of it is a finding too.
//! Kubernetes `Secret` `data:` values are decoded first ([`kube`]). Findings and
//! candidates carry only the last four characters and a 64-bit digest: the full text
//! never leaves this module.

mod kube;
pub mod rules;
mod shape;

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use regex::Regex;

use rules::{Context, RULES};
pub use shape::is_placeholder;

/// Whose key it is: an index into the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Provider(usize);

impl Provider {
    pub const MISTRAL: Provider = Provider(rules::MISTRAL);

    /// The provider's key in the user's words ("Groq API key").
    pub fn name(self) -> &'static str {
        RULES.label(self.0)
    }

    /// The rule's id (`groq`).
    pub fn id(self) -> &'static str {
        &RULES.rules[self.0].id
    }
}

/// Where a file sits in the deployment, for `key-not-committed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    EnvFile,
    Compose,
    Container,
    Kubernetes,
    /// A Helm chart's values file (`values.yaml`, `values-prod.yaml`); it stays one only
    /// when a `Chart.yaml` is in its folder or above ([`FileKind::settle`]).
    HelmValues,
    CiWorkflow,
    Other,
}

impl FileKind {
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::EnvFile => "env file",
            FileKind::Compose => "compose file",
            FileKind::Container => "container file",
            FileKind::Kubernetes => "Kubernetes manifest",
            FileKind::HelmValues => "Helm values file",
            FileKind::CiWorkflow => "CI workflow",
            FileKind::Other => "source file",
        }
    }

    /// Classifies a file by its path (the one table, [`crate::file_kind`]), and by its
    /// content for Kubernetes manifests.
    pub fn of(path: &str, text: &str) -> FileKind {
        use crate::file_kind::{classify, FileClass};
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
        match classify(path) {
            FileClass::Ci => FileKind::CiWorkflow,
            FileClass::Env => FileKind::EnvFile,
            _ if yaml && (name.starts_with("docker-compose") || name.starts_with("compose")) => {
                FileKind::Compose
            }
            _ if name == "dockerfile"
                || name.starts_with("dockerfile.")
                || name.ends_with(".dockerfile")
                || name == "containerfile" =>
            {
                FileKind::Container
            }
            _ if yaml && text.contains("apiVersion:") && text.contains("kind:") => {
                FileKind::Kubernetes
            }
            _ if yaml && (name.starts_with("values.") || name.starts_with("values-")) => {
                FileKind::HelmValues
            }
            _ => FileKind::Other,
        }
    }

    /// A values file is Helm's only under a chart: `charts` holds the folders that have a
    /// `Chart.yaml`.
    pub fn settle(self, path: &str, charts: &HashSet<String>) -> FileKind {
        if self != FileKind::HelmValues {
            return self;
        }
        let mut dir = path;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            if charts.contains(parent) {
                return self;
            }
            dir = parent;
        }
        if charts.contains("") {
            return self;
        }
        FileKind::Other
    }

    /// The files `key-not-committed` is about.
    pub fn is_deployment_config(self) -> bool {
        self != FileKind::Other
    }
}

/// A key found in a file. Holds no more of the key than its last four characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFinding {
    pub path: String,
    pub line: u32,
    pub provider: Provider,
    pub kind: FileKind,
    /// `****` followed by the key's last four characters.
    pub redacted: String,
    /// A 64-bit digest of the key, to tell occurrences of one key apart from others.
    pub digest: u64,
    /// For another occurrence of a key confirmed elsewhere: where it was confirmed.
    pub confirmed_at: Option<(String, u32)>,
}

/// A 32-character run that looked generated but had no Mistral context in its file.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: String,
    pub line: u32,
    pub kind: FileKind,
    pub redacted: String,
    pub digest: u64,
    /// The name it is assigned to (`AI_TOKEN = '...'`), for imports of that name.
    pub name: Option<String>,
    /// Assigned to a credential-like name or sent as a Bearer token.
    pub credential: bool,
    /// Passes the shape rule where it stands: a key once its context is known. Other
    /// candidates only matter as occurrences of a key confirmed elsewhere.
    pub random: bool,
}

impl Candidate {
    fn into_finding(self, confirmed_at: Option<(String, u32)>) -> SecretFinding {
        SecretFinding {
            path: self.path,
            line: self.line,
            provider: Provider::MISTRAL,
            kind: self.kind,
            redacted: self.redacted,
            digest: self.digest,
            confirmed_at,
        }
    }
}

/// What one file holds.
#[derive(Debug, Default)]
pub struct FileSecrets {
    pub findings: Vec<SecretFinding>,
    pub candidates: Vec<Candidate>,
}

/// A file full of generated-looking runs (a data dump) keeps this many candidates.
const MAX_CANDIDATES: usize = 1000;

/// Shows only the last four characters of a secret.
pub fn redact(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("****{tail}")
}

fn digest(secret: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    secret.hash(&mut h);
    h.finish()
}

/// Scans one file's text; `kind` is the file's [`FileKind::of`], which the caller has
/// already computed for its own use.
pub fn scan(path: &str, text: &str, kind: FileKind) -> FileSecrets {
    let mut out = FileSecrets::default();
    scan_text(path, text, kind, false, &mut out);
    if kind == FileKind::Kubernetes && text.contains("Secret") {
        for entry in kube::secret_data(text) {
            let mut decoded = FileSecrets::default();
            let synthetic = format!("{}={}", entry.name, entry.value);
            scan_text(path, &synthetic, kind, entry.mentions_mistral, &mut decoded);
            let line = entry.line as u32;
            out.findings.extend(
                decoded
                    .findings
                    .into_iter()
                    .map(|f| SecretFinding { line, ..f }),
            );
            out.candidates.extend(
                decoded
                    .candidates
                    .into_iter()
                    .map(|c| Candidate { line, ..c }),
            );
        }
    }
    out.findings.sort_by_key(|f| (f.line, f.provider));
    out.findings
        .dedup_by(|a, b| a.line == b.line && a.redacted == b.redacted);
    out.candidates.truncate(MAX_CANDIDATES);
    out
}

/// `forced`: the text is in a Mistral context as a whole (a decoded Secret entry of a
/// Secret that mentions Mistral).
fn scan_text(path: &str, text: &str, kind: FileKind, forced: bool, out: &mut FileSecrets) {
    let hits = RULES.keyword_hits(text);
    let lines = LineIndex::new(text);
    mistral(path, text, kind, forced, &hits, &lines, out);
    for (i, rule) in RULES.rules.iter().enumerate().skip(1) {
        if !hits.rules[i] {
            continue;
        }
        for caps in rule.pattern.captures_iter(text) {
            let Some(whole) = caps.get(0) else { continue };
            let key = caps.name("key").unwrap_or(whole);
            let body = caps
                .name("body")
                .or_else(|| caps.name("body2"))
                .unwrap_or(key);
            if !bounded(text, key.start(), key.end()) || !shape::fits(body.as_str(), &rule.shape) {
                continue;
            }
            let line = lines.line_of(key.start());
            if let Some(ctx) = &rule.context {
                if !words_near(&lines, line, ctx, ctx.above, ctx.below) {
                    continue;
                }
            }
            out.findings
                .push(finding(path, line, Provider(i), kind, key.as_str()));
        }
    }
}

/// Mistral keys: every bounded 32-character run that looks generated.
fn mistral(
    path: &str,
    text: &str,
    kind: FileKind,
    forced: bool,
    hits: &rules::KeywordHits,
    lines: &LineIndex,
    out: &mut FileSecrets,
) {
    let rule = &RULES.rules[rules::MISTRAL];
    let Some(ctx) = rule.context.as_ref() else {
        return;
    };
    let mut file_wide: Option<bool> = None;
    let mut mistral_lines: Option<Vec<usize>> = None;
    for (s, e) in runs_of_32(text.as_bytes()) {
        let value = &text[s..e];
        if !bounded(text, s, e) || !shape::plausible_mistral(value, &rule.shape) || in_url(text, s)
        {
            continue;
        }
        let line = lines.line_of(s);
        let prefix = &text[lines.start_of(line)..s];
        let pos = Position::of(prefix, kind);
        let random =
            shape::random_anywhere(value) || (pos.bearer_or_env && shape::random_letters(value));
        let wide = *file_wide.get_or_insert_with(|| {
            forced || file_mentions_mistral(path, text, &hits.mistral, lines)
        });
        let (above, below) = if pos.credential {
            (
                ctx.credential_above.unwrap_or(ctx.above),
                ctx.credential_below.unwrap_or(ctx.below),
            )
        } else {
            (ctx.above, ctx.below)
        };
        // The hits are in text order, so their lines are sorted: the first one at or
        // after the window's top decides.
        let near = wide || {
            let sorted = mistral_lines
                .get_or_insert_with(|| hits.mistral.iter().map(|&o| lines.line_of(o)).collect());
            let top = line.saturating_sub(above);
            let i = sorted.partition_point(|&l| l < top);
            sorted.get(i).is_some_and(|&l| l <= line + below)
        };
        if random && near {
            out.findings
                .push(finding(path, line, Provider::MISTRAL, kind, value));
        } else if out.candidates.len() < MAX_CANDIDATES {
            out.candidates.push(Candidate {
                path: path.to_string(),
                line: line as u32,
                kind,
                redacted: redact(value),
                digest: digest(value),
                name: pos.name,
                credential: pos.credential,
                random,
            });
        }
    }
}

/// The whole file is Mistral's: its name says so, it names the API host, or it imports
/// a Mistral package.
fn file_mentions_mistral(path: &str, text: &str, hits: &[usize], lines: &LineIndex) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.to_ascii_lowercase().contains("mistral") {
        return true;
    }
    if hits.is_empty() {
        return false;
    }
    if text.contains("api.mistral.ai") {
        return true;
    }
    hits.iter().any(|&o| {
        let l = lines.text_of(lines.line_of(o));
        let t = l.trim_start().trim_start_matches(['"', '\'']);
        t.starts_with("import ")
            || t.starts_with("from ")
            || t.starts_with("use ")
            || l.contains("require(")
            || l.contains("import(")
    })
}

/// Where a candidate stands on its line, from the text before it.
struct Position {
    /// The name it is assigned to.
    name: Option<String>,
    /// A Bearer header or an env-var value: letters-only keys are trusted there.
    bearer_or_env: bool,
    /// A credential-like name or a Bearer header: the wider context window.
    credential: bool,
}

static ASSIGNED_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([A-Za-z_$][A-Za-z0-9_$-]*)['"]?\]?\s*(?::=|=>|:|=)\s*[`'"]?\s*$"#)
        .expect("name pattern")
});
static BEARER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:\bbearer|\bauthorization['"]?\s*[:=])\s*['"`]?\s*$"#)
        .expect("bearer pattern")
});
static ENV_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:export\s+|ENV\s+|ARG\s+|-\s+)?[A-Z][A-Z0-9_]*\s*[=:]\s*['"]?$|^\s*ENV\s+[A-Z][A-Z0-9_]*\s+['"]?$"#)
        .expect("env pattern")
});
static MANIFEST_VALUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^\s*-?\s*value:\s*['"]?$"#).expect("value pattern"));

const CREDENTIAL_WORDS: &[&str] = &[
    "key",
    "token",
    "secret",
    "auth",
    "bearer",
    "jwt",
    "passw",
    "credential",
];

impl Position {
    fn of(prefix: &str, kind: FileKind) -> Position {
        // Only the end of a long line matters.
        let cut = prefix.len().saturating_sub(200);
        let cut = (cut..=prefix.len())
            .find(|&i| prefix.is_char_boundary(i))
            .unwrap_or(prefix.len());
        let prefix = &prefix[cut..];
        let name = ASSIGNED_NAME
            .captures(prefix)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string());
        let bearer = BEARER.is_match(prefix);
        let env = ENV_VALUE.is_match(prefix)
            || (matches!(kind, FileKind::Kubernetes | FileKind::HelmValues)
                && MANIFEST_VALUE.is_match(prefix));
        let credential = bearer
            || name.as_deref().is_some_and(|n| {
                let n = n.to_ascii_lowercase().replace(['_', '-'], "");
                CREDENTIAL_WORDS.iter().any(|w| n.contains(w))
            });
        Position {
            name,
            bearer_or_env: bearer || env,
            credential,
        }
    }
}

/// One of the context's words on the line or within the window.
fn words_near(lines: &LineIndex, line: usize, ctx: &Context, above: usize, below: usize) -> bool {
    let first = line.saturating_sub(above).max(1);
    (first..=line + below).any(|l| {
        let t = lines.text_of(l).to_ascii_lowercase();
        ctx.words.iter().any(|w| t.contains(w.as_str()))
    })
}

/// The maximal runs of exactly 32 ASCII alphanumerics. A run of 32 or more covers two
/// probes 16 bytes apart, so only every 16th byte is probed first and the run around a
/// probe pair is measured.
fn runs_of_32(b: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    // A run of 32 or more holds two consecutive probes `p` and `p + 16` and every byte
    // between them: most probe pairs are rejected by one of the two probes or by the
    // first separator found walking back from `p + 16`.
    let mut p = 15;
    std::iter::from_fn(move || {
        while p + 16 < b.len() {
            let q = p + 16;
            if !b[q].is_ascii_alphanumeric() {
                p = q + 16;
                continue;
            }
            if !b[p].is_ascii_alphanumeric()
                || b[p + 1..q].iter().rev().any(|c| !c.is_ascii_alphanumeric())
            {
                p = q;
                continue;
            }
            let mut s = p;
            while s > 0 && b[s - 1].is_ascii_alphanumeric() {
                s -= 1;
            }
            let mut e = q + 1;
            while e < b.len() && b[e].is_ascii_alphanumeric() {
                e += 1;
            }
            p = e + 16;
            if e - s == 32 {
                return Some((s, e));
            }
        }
        None
    })
}

/// Inside a URL (`https://cdn/x?token=…`, an image path): a token of the URL, not a key.
fn in_url(text: &str, start: usize) -> bool {
    let b = text.as_bytes();
    let mut i = start;
    let floor = start.saturating_sub(2048);
    while i > floor {
        let c = b[i - 1];
        if c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'`' | b'(' | b'<' | b'>') {
            break;
        }
        i -= 1;
    }
    text[i..start].contains("://")
}

fn finding(
    path: &str,
    line: usize,
    provider: Provider,
    kind: FileKind,
    secret: &str,
) -> SecretFinding {
    SecretFinding {
        path: path.to_string(),
        line: line as u32,
        provider,
        kind,
        redacted: redact(secret),
        digest: digest(secret),
        confirmed_at: None,
    }
}

/// A key stands alone: not inside a longer identifier, a base64 blob, a hash, a URL path
/// segment or a member access.
fn bounded(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let glued = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '/' | '.');
    !before.is_some_and(|c| glued(c) || c == '-')
        && !after.is_some_and(|c| glued(c) || c == '=' || c == '(' || c == '-')
}

/// What the code facts say about the repository, for Mistral keys without a textual
/// context (see [`confirm`]).
pub trait MistralCode {
    /// The code analysis found Mistral usage in this file (a client, a call, an import).
    fn uses_mistral(&self, path: &str) -> bool;
    /// A file that uses Mistral imports `name` from `path` (`None`: the module itself).
    fn imported_by_mistral_file(&self, path: &str, name: Option<&str>) -> bool;
}

/// Repository-wide confirmation, after every file was scanned: candidates in files the
/// code facts tie to Mistral become keys, then every other occurrence of a confirmed
/// Mistral key does too, pointing at where it was confirmed.
pub fn confirm(
    findings: &mut Vec<SecretFinding>,
    candidates: Vec<Candidate>,
    code: &dyn MistralCode,
) {
    let mut rest = Vec::new();
    for c in candidates {
        let by_code = c.random
            && (code.uses_mistral(&c.path)
                || c.name
                    .as_deref()
                    .is_some_and(|n| code.imported_by_mistral_file(&c.path, Some(n)))
                || (c.credential && code.imported_by_mistral_file(&c.path, None)));
        if by_code {
            findings.push(c.into_finding(None));
        } else {
            rest.push(c);
        }
    }
    findings.sort_by(|a, b| (&a.path, a.line, a.provider).cmp(&(&b.path, b.line, b.provider)));
    let mut confirmed: HashMap<u64, (String, u32)> = HashMap::new();
    for f in findings.iter().filter(|f| f.provider == Provider::MISTRAL) {
        confirmed
            .entry(f.digest)
            .or_insert_with(|| (f.path.clone(), f.line));
    }
    for c in rest {
        if let Some(at) = confirmed.get(&c.digest) {
            let at = at.clone();
            findings.push(c.into_finding(Some(at)));
        }
    }
    findings.sort_by(|a, b| (&a.path, a.line, a.provider).cmp(&(&b.path, b.line, b.provider)));
    findings.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.redacted == b.redacted);
}

/// Byte offset to 1-based line number. Built on first use: most files have no finding,
/// and indexing their lines would be most of the scan's cost.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex {
            text,
            starts: std::cell::OnceCell::new(),
        }
    }
    fn starts(&self) -> &[usize] {
        self.starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            starts
        })
    }
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts().partition_point(|&s| s <= offset)
    }
    /// Byte offset where 1-based `line` starts.
    fn start_of(&self, line: usize) -> usize {
        self.starts()
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }
    /// The text of 1-based `line`, without its newline; empty past the end.
    fn text_of(&self, line: usize) -> &'a str {
        let starts = self.starts();
        let Some(&s) = starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let e = starts.get(line).map_or(self.text.len(), |&e| e - 1);
        &self.text[s..e.max(s)]
    }
}

#[cfg(test)]
mod tests;
