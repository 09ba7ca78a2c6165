//! Secret detection: Mistral keys by context, other providers' keys by their shape.
//!
//! Mistral keys have no prefix: 32 characters of `[A-Za-z0-9]`. A run of exactly that
//! shape is a Mistral key when `mistral` appears near it (three lines above to two below:
//! an env name, a variable, `api.mistral.ai`, an SDK constructor), and it looks random
//! (mixed case, digits or high entropy, no placeholder words or sequences). Findings carry
//! only the last four characters: the full text never leaves this module.

use std::sync::LazyLock;

use regex::Regex;

/// Whose key it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provider {
    Mistral,
    OpenAi,
    Anthropic,
    HuggingFace,
    Aws,
    GitHub,
    Google,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::Mistral => "Mistral API key",
            Provider::OpenAi => "OpenAI API key",
            Provider::Anthropic => "Anthropic API key",
            Provider::HuggingFace => "Hugging Face token",
            Provider::Aws => "AWS access key id",
            Provider::GitHub => "GitHub token",
            Provider::Google => "Google API key",
        }
    }
}

/// Where a file sits in the deployment, for `key-not-committed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    EnvFile,
    Compose,
    Container,
    Kubernetes,
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
            FileKind::CiWorkflow => "CI workflow",
            FileKind::Other => "source file",
        }
    }

    /// Classifies a file by its path, and by its content for Kubernetes manifests.
    pub fn of(path: &str, text: &str) -> FileKind {
        let name = path.rsplit('/').next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
        if lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env") {
            FileKind::EnvFile
        } else if yaml && (lower.starts_with("docker-compose") || lower.starts_with("compose")) {
            FileKind::Compose
        } else if lower == "dockerfile"
            || lower.starts_with("dockerfile.")
            || lower.ends_with(".dockerfile")
            || lower == "containerfile"
        {
            FileKind::Container
        } else if (yaml
            && (path.starts_with(".github/workflows/") || path.contains("/.github/workflows/")))
            || lower == ".gitlab-ci.yml"
            || lower == "jenkinsfile"
            || lower == "bitbucket-pipelines.yml"
            || lower == "azure-pipelines.yml"
            || path.ends_with(".circleci/config.yml")
        {
            FileKind::CiWorkflow
        } else if yaml && text.contains("apiVersion:") && text.contains("kind:") {
            FileKind::Kubernetes
        } else {
            FileKind::Other
        }
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
}

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

/// Other providers' keys, as one alternation so that a file is searched once (the regex
/// engine's literal prefilter jumps between the fixed prefixes). Group order gives the
/// provider; Anthropic comes before OpenAI since both start with `sk-`.
static OTHER_KEYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,})",
        r"|(sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,})",
        r"|(hf_[A-Za-z0-9]{34})",
        r"|((?:AKIA|ASIA)[A-Z0-9]{16})",
        r"|(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})",
        r"|(AIza[0-9A-Za-z_-]{35})",
    ))
    .expect("secret pattern")
});
const OTHER_PROVIDERS: [Provider; 6] = [
    Provider::Anthropic,
    Provider::OpenAi,
    Provider::HuggingFace,
    Provider::Aws,
    Provider::GitHub,
    Provider::Google,
];

static ALNUM_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9]{32,}").expect("run pattern"));
static MISTRAL_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)mistral").expect("mistral pattern"));

/// How far from a candidate `mistral` may stand: lines above, lines below.
const CONTEXT_ABOVE: usize = 3;
const CONTEXT_BELOW: usize = 2;

/// Scans one file's text; `kind` is the file's [`FileKind::of`], which the caller has
/// already computed for its own use.
pub fn scan(path: &str, text: &str, kind: FileKind) -> Vec<SecretFinding> {
    let mut out = Vec::new();
    let lines = LineIndex::new(text);

    // Mistral keys: only worth looking for when the file mentions Mistral at all.
    let mistral_lines: Vec<usize> = MISTRAL_WORD
        .find_iter(text)
        .map(|m| lines.line_of(m.start()))
        .collect();
    if !mistral_lines.is_empty() {
        for m in ALNUM_RUN.find_iter(text) {
            if m.len() != 32 || !bounded(text, m.start(), m.end()) {
                continue;
            }
            let line = lines.line_of(m.start());
            let near = mistral_lines
                .iter()
                .any(|&l| l + CONTEXT_ABOVE >= line && l <= line + CONTEXT_BELOW);
            if near && looks_random(m.as_str()) {
                out.push(finding(path, line, Provider::Mistral, kind, m.as_str()));
            }
        }
    }

    for caps in OTHER_KEYS.captures_iter(text) {
        let Some((group, m)) = caps
            .iter()
            .skip(1)
            .enumerate()
            .find_map(|(i, g)| g.map(|g| (i, g)))
        else {
            continue;
        };
        let provider = OTHER_PROVIDERS[group];
        if !bounded(text, m.start(), m.end()) {
            continue;
        }
        // The part after the fixed prefix must look random too.
        let body = match provider {
            Provider::Aws | Provider::Google => &m.as_str()[4..],
            _ => m
                .as_str()
                .trim_start_matches(|c: char| c != '_' && c != '-')
                .trim_start_matches(['_', '-']),
        };
        if !is_placeholder(body) && distinct(body) >= 8 {
            out.push(finding(
                path,
                lines.line_of(m.start()),
                provider,
                kind,
                m.as_str(),
            ));
        }
    }
    out.sort_by_key(|f| (f.line, f.provider));
    out.dedup_by_key(|f| (f.line, f.redacted.clone()));
    out
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

/// A 32-character candidate looks like a generated key, not a word, hash or placeholder.
fn looks_random(s: &str) -> bool {
    let upper = s.chars().any(|c| c.is_ascii_uppercase());
    let lower = s.chars().any(|c| c.is_ascii_lowercase());
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    // Hex digests and UUIDs without dashes are single-case; identifiers have few digits
    // and low entropy. Real keys are mixed case with a near-uniform alphabet.
    upper && lower && (digits >= 2 || entropy(s) >= 4.3) && !is_placeholder(s)
}

const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "your",
    "xxxx",
    "dummy",
    "redacted",
    "sample",
    "insert",
    "replace",
    "test",
    "fake",
    "mock",
    "secret",
    "apikey",
    "token",
    "here",
];

/// Placeholders are not leaks: `your-key-here`, `xxxx…`, `changeme`, `test-api-key`,
/// repeated characters, alphabet runs, low entropy.
pub fn is_placeholder(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    let longest_repeat = chars
        .chunk_by(|a, b| a == b)
        .map(|g| g.len())
        .max()
        .unwrap_or(0);
    if longest_repeat >= 5 {
        return true;
    }
    let sequential = chars
        .windows(2)
        .filter(|w| w[1] as u32 == w[0] as u32 + 1)
        .count();
    if sequential * 3 >= chars.len() {
        return true;
    }
    chars.len() >= 16 && entropy(s) < 3.0
}

fn distinct(s: &str) -> usize {
    let mut seen: Vec<char> = s.chars().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 128];
    let mut n = 0u32;
    for b in s.bytes().filter(|b| b.is_ascii()) {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
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
    pub fn line_of(&self, offset: usize) -> usize {
        let starts = self.starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            starts
        });
        starts.partition_point(|&s| s <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(path: &str, text: &str) -> Vec<SecretFinding> {
        super::scan(path, text, FileKind::of(path, text))
    }

    // Fake keys, generated for these tests; they fit the shape and nothing else.
    const KEY: &str = "Zq4Rk9TbW2mXv7LcP3sNd8HfJ6gYa1Ue";

    #[test]
    fn mistral_key_needs_mistral_context() {
        assert_eq!(
            scan("a.ts", &format!("const MISTRAL_API_KEY = \"{KEY}\";\n")).len(),
            1
        );
        assert!(scan("a.ts", &format!("const OTHER = \"{KEY}\";\n")).is_empty());
        // Context above, within the window, and below.
        let above = format!("// mistral\n\n\nkey: \"{KEY}\"\n");
        assert_eq!(scan("a.yaml", &above)[0].line, 4);
        let too_far = format!("// mistral\n\n\n\nkey: \"{KEY}\"\n");
        assert!(scan("a.yaml", &too_far).is_empty());
        let below = format!("key = \"{KEY}\"\n\nclient = Mistral(api_key=key)\n");
        assert_eq!(scan("a.py", &below).len(), 1);
    }

    #[test]
    fn findings_hold_only_last_four() {
        let f = &scan(".env", &format!("MISTRAL_API_KEY={KEY}\n"))[0];
        assert_eq!(f.redacted, "****a1Ue");
        assert_eq!(f.kind, FileKind::EnvFile);
        assert!(!format!("{f:?}").contains(KEY));
    }

    #[test]
    fn placeholders_hashes_and_identifiers_are_not_keys() {
        for value in [
            "your-mistral-api-key-here",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "<MISTRAL_API_KEY>",
            "changeme",
            "test-api-key",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcdefghijklmnopqrstuvwxyzABCDEF",
            "d41d8cd98f00b204e9800998ecf8427e",
            "0123456789abcdef0123456789abcdef",
            "MistralExampleKeyAbCdEf123456789",
            "createMistralChatCompletionStrem",
        ] {
            let text = format!("MISTRAL_API_KEY=\"{value}\"\n");
            assert!(scan(".env", &text).is_empty(), "{value} reported");
        }
        // Inside a base64 blob or a longer run.
        assert!(scan("a.ts", &format!("mistral x = \"ab+{KEY}==\"")).is_empty());
        assert!(scan("a.ts", &format!("mistral x = \"{KEY}Q\"")).is_empty());
    }

    #[test]
    fn other_providers() {
        let cases = [
            ("sk-proj-4fG7hJ2kL9mN3pQ6rS8tU1vW5xY0zA2bC4dE6fG8hJ0kL2mN", Provider::OpenAi),
            ("sk-ant-api03-Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb5Nm7Qw9Er1Ty3Ui5Op7As9Df1Gh3Jk5Lz7Xc9Vb1Nm3Qw5Er7Ty9Ui1Op3As5Df", Provider::Anthropic),
            ("hf_Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3V", Provider::HuggingFace),
            ("AKIAQ3ER5TY7UI9OP1AS", Provider::Aws),
            ("ghp_Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb5", Provider::GitHub),
            ("AIzaSyQw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3", Provider::Google),
        ];
        for (key, provider) in cases {
            let found = scan("config.ts", &format!("const k = \"{key}\";"));
            assert_eq!(found.len(), 1, "{key}");
            assert_eq!(found[0].provider, provider);
        }
        assert!(scan("a.ts", "const k = \"sk-your-openai-key-goes-here-xxxx\";").is_empty());
        assert!(scan("a.ts", "const k = \"AKIAIOSFODNN7EXAMPLE\";").is_empty());
    }

    #[test]
    fn file_kinds() {
        assert_eq!(FileKind::of(".env.production", ""), FileKind::EnvFile);
        assert_eq!(
            FileKind::of("deploy/docker-compose.prod.yml", ""),
            FileKind::Compose
        );
        assert_eq!(
            FileKind::of(".github/workflows/ci.yml", ""),
            FileKind::CiWorkflow
        );
        assert_eq!(
            FileKind::of("k8s/app.yaml", "apiVersion: v1\nkind: Secret\n"),
            FileKind::Kubernetes
        );
        assert_eq!(FileKind::of("Dockerfile", ""), FileKind::Container);
        assert_eq!(FileKind::of("src/app.ts", ""), FileKind::Other);
    }
}
