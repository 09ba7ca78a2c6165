//! Loading YAML that nobody vetted: bounded in size and alias expansion, Helm template
//! syntax blanked out, every failure a message instead of a panic.
//!
//! serde_yaml stops alias expansion after 100 jumps per parser event and nesting at 128
//! levels, which defeats the classic "billion laughs"; but a large anchored payload
//! replayed through a few nested aliases still stays under that limit and takes
//! minutes and gigabytes. So before parsing we estimate, from the text, how large the
//! document becomes once every alias is expanded, and refuse past a budget.

use serde_yaml::Value;

/// Files larger than this are not parsed as YAML (the walk's own cap is far higher).
const PARSE_CAP: usize = 2 * 1024 * 1024;
/// Refuse documents whose aliases would expand past this many bytes.
const EXPANSION_BUDGET: u64 = 16 * 1024 * 1024;
/// libyaml's scanner is quadratic in flow nesting (50,000 `[` take half a minute), and
/// serde_yaml refuses more than 128 levels anyway.
const MAX_FLOW_DEPTH: usize = 200;
/// Texts with more anchors and aliases than this are refused rather than measured.
const MAX_ANCHORS_AND_ALIASES: usize = 1000;
/// At most this many documents of one multi-document file are read.
const MAX_DOCUMENTS: usize = 2000;

/// A YAML document, with the line its first key sits on.
pub struct Doc {
    pub value: Value,
    pub line: u32,
}

/// Why a YAML file could not be read: its 1-based line (0 when unknown) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: u32,
    pub message: String,
}

/// Every document of `text`, or why not. Empty documents are dropped.
pub fn load_all(text: &str) -> Result<Vec<Doc>, YamlError> {
    if text.len() > PARSE_CAP {
        return Err(YamlError {
            line: 0,
            message: format!(
                "not parsed: {} bytes is above the {} byte cap for YAML files",
                text.len(),
                PARSE_CAP
            ),
        });
    }
    let expanded = alias_expansion(text);
    if expanded > EXPANSION_BUDGET {
        return Err(YamlError {
            line: 0,
            message: format!("not parsed: its aliases expand to more than {EXPANSION_BUDGET} bytes (an alias bomb?)"),
        });
    }
    if flow_depth(text) > MAX_FLOW_DEPTH {
        return Err(YamlError {
            line: 0,
            message: format!("not parsed: nested more than {MAX_FLOW_DEPTH} levels deep"),
        });
    }
    let starts = document_starts(text);
    let mut docs = Vec::new();
    for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        if i >= MAX_DOCUMENTS {
            break;
        }
        let value =
            serde::Deserialize::deserialize(de).map_err(|e: serde_yaml::Error| YamlError {
                line: e.location().map_or(0, |l| l.line() as u32),
                message: e.to_string(),
            })?;
        if !matches!(value, Value::Null) {
            docs.push(Doc {
                value,
                line: starts.get(i).copied().unwrap_or(1),
            });
        }
    }
    Ok(docs)
}

/// The deepest nesting of `[` and `{`: an upper bound, since brackets inside quoted
/// and plain scalars count too (quotes are not tracked, so no quote can hide a bomb).
fn flow_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for &b in text.as_bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The first line holding content of each `---`-separated document (1-based).
fn document_starts(text: &str) -> Vec<u32> {
    let mut starts = Vec::new();
    let mut pending = true;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_end();
        if t == "---" || t.starts_with("--- ") {
            if !pending {
                starts.push(0); // placeholder replaced below when the document has content
            }
            pending = true;
            if let Some(rest) = t.strip_prefix("--- ") {
                if !rest.trim().is_empty() && !rest.trim_start().starts_with('#') {
                    starts.push(i as u32 + 1);
                    pending = false;
                }
            }
            continue;
        }
        if pending
            && !t.trim_start().is_empty()
            && !t.trim_start().starts_with('#')
            && !t.starts_with('%')
        {
            starts.push(i as u32 + 1);
            pending = false;
        }
    }
    // A document boundary right after another one leaves a placeholder for an empty
    // document, which serde_yaml also yields; keep indexes aligned but never report line 0.
    starts.into_iter().map(|l| l.max(1)).collect()
}

/// What a template action inside a value becomes once blanked: ops front-ends turn it
/// into typed facts ([`super::k8s::Text::Templated`], [`super::k8s::Setting::Template`]);
/// checks never see it.
pub(crate) const TEMPLATE_MARK: &str = "TEMPLATE";

/// Replaces Helm/Go template actions so that a chart template parses as YAML: a line
/// holding only actions (`{{- if .Values.x }}`, `{{ include "..." . | nindent 4 }}`)
/// becomes blank, and an action inside a value becomes the scalar `TEMPLATE`. Line
/// numbers are kept.
pub fn blank_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_comment = false;
    for line in text.lines() {
        let mut kept = String::new();
        let mut rest = line;
        let mut had_action = false;
        loop {
            if in_comment {
                match rest.find("*/}}") {
                    Some(end) => {
                        rest = &rest[end + 4..];
                        in_comment = false;
                    }
                    None => {
                        rest = "";
                        break;
                    }
                }
            }
            let Some(start) = rest.find("{{") else { break };
            kept.push_str(&rest[..start]);
            had_action = true;
            let after = &rest[start + 2..];
            if after.trim_start_matches('-').trim_start().starts_with("/*") && !after.contains("*/")
            {
                in_comment = true;
                rest = "";
                break;
            }
            match after.find("}}") {
                Some(end) => {
                    kept.push_str(TEMPLATE_MARK);
                    rest = &after[end + 2..];
                }
                None => {
                    rest = "";
                    break;
                }
            }
        }
        kept.push_str(rest);
        if had_action && kept.replace(TEMPLATE_MARK, "").trim().is_empty() {
            kept.clear();
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// An upper estimate of the bytes a YAML text stands for once its aliases are expanded.
///
/// An anchor (`&name`) stands for the rest of its line and every following line indented
/// deeper than the line it is on; its weight is that many bytes plus the weight of every
/// alias inside that span. Every alias adds its anchor's weight to the total (aliases
/// nested in anchors are counted twice, which only makes the estimate safer).
fn alias_expansion(text: &str) -> u64 {
    if !text.contains('*') || !text.contains('&') {
        return text.len() as u64;
    }
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    struct Anchor<'t> {
        name: &'t str,
        at: (usize, usize),
        end: (usize, usize),
        span: u64,
    }
    let mut anchors: Vec<Anchor> = Vec::new();
    let mut aliases: Vec<((usize, usize), &str)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for (pos, sigil, name) in anchor_tokens(line) {
            if anchors.len() + aliases.len() >= MAX_ANCHORS_AND_ALIASES {
                return u64::MAX; // no real configuration needs this many
            }
            if sigil == '*' {
                aliases.push(((i, pos), name));
                continue;
            }
            let mut end = i + 1;
            while end < lines.len()
                && (lines[end].trim().is_empty() || indent(lines[end]) > indent(line))
            {
                end += 1;
            }
            let span = line[pos..].len() as u64
                + lines[i + 1..end]
                    .iter()
                    .map(|l| l.len() as u64 + 1)
                    .sum::<u64>();
            anchors.push(Anchor {
                name,
                at: (i, pos),
                end: (end, 0),
                span,
            });
        }
    }
    // The anchor an alias at `at` refers to: the last one of that name defined before it.
    let target =
        |name: &str, at: (usize, usize)| anchors.iter().rposition(|a| a.name == name && a.at < at);
    let deps = |idx: usize| -> Vec<usize> {
        let a = &anchors[idx];
        let from = aliases.partition_point(|(at, _)| *at < a.at);
        let to = aliases.partition_point(|(at, _)| *at < a.end);
        aliases[from..to]
            .iter()
            .filter_map(|(at, name)| target(name, *at))
            .filter(|&t| t != idx)
            .collect()
    };
    // Depth-first with an explicit stack (no recursion on hostile input); an anchor met
    // again while in progress (a cycle, which YAML forbids) counts its span only.
    let mut weight: Vec<Option<u64>> = vec![None; anchors.len()];
    let mut in_progress = vec![false; anchors.len()];
    for root in 0..anchors.len() {
        let mut stack = vec![root];
        while let Some(&idx) = stack.last() {
            if weight[idx].is_some() {
                stack.pop();
                continue;
            }
            let pending: Vec<usize> = deps(idx)
                .into_iter()
                .filter(|&t| weight[t].is_none() && !in_progress[t])
                .collect();
            if !in_progress[idx] && !pending.is_empty() {
                in_progress[idx] = true;
                stack.extend(pending);
                continue;
            }
            let w = deps(idx).iter().fold(anchors[idx].span, |w, &t| {
                w.saturating_add(weight[t].unwrap_or(anchors[t].span))
            });
            weight[idx] = Some(w);
            in_progress[idx] = false;
            stack.pop();
        }
    }
    let weight: Vec<u64> = weight.into_iter().map(|w| w.unwrap_or(0)).collect();
    aliases.iter().fold(text.len() as u64, |total, (at, name)| {
        match target(name, *at) {
            Some(t) => total.saturating_add(weight[t]),
            None => total,
        }
    })
}

/// `&name` and `*name` tokens at the start of a YAML node: (byte offset, sigil, name).
fn anchor_tokens(line: &str) -> Vec<(usize, char, &str)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'#' && (i == 0 || bytes[i - 1] == b' ') {
            break; // a comment
        }
        if (c == b'&' || c == b'*')
            && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'[' | b'{' | b','))
        {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len()
                && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'_' | b'-' | b'.'))
            {
                end += 1;
            }
            if end > start && bytes[start].is_ascii_alphanumeric() {
                out.push((i, c as char, &line[start..end]));
            }
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// Finds the lines of values in the text a [`Value`] was parsed from. Searches forward
/// from the last hit so that repeated values map to successive occurrences.
pub struct LineFinder<'a> {
    lines: Vec<&'a str>,
    cursor: usize,
}

impl<'a> LineFinder<'a> {
    pub fn new(text: &'a str) -> LineFinder<'a> {
        LineFinder {
            lines: text.lines().collect(),
            cursor: 0,
        }
    }

    /// The 1-based line of the next line containing `needle` (trimmed), or `fallback`.
    pub fn find(&mut self, needle: &str, fallback: u32) -> u32 {
        let needle = needle.trim();
        if needle.is_empty() {
            return fallback;
        }
        let hit = (self.cursor..self.lines.len())
            .chain(0..self.cursor)
            .find(|&i| self.lines[i].contains(needle));
        match hit {
            Some(i) => {
                self.cursor = (i + 1).min(self.lines.len().saturating_sub(1));
                i as u32 + 1
            }
            None => fallback,
        }
    }

    /// Moves the cursor to `line` (1-based), so that the next search starts there.
    pub fn seek(&mut self, line: u32) {
        self.cursor = (line as usize).saturating_sub(1).min(self.lines.len());
    }
}

/// `value[key]` for a mapping, by string key.
pub fn get<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    value.as_mapping()?.get(key)
}

/// Follows a path of mapping keys.
pub fn dig<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, k| get(v, k))
}

/// A scalar as text (strings, numbers, booleans).
pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar(&t.value),
        _ => None,
    }
}

/// A string, or each string of a sequence (GitLab `script:` takes either).
pub fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(seq) => seq.iter().flat_map(strings).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_lines() {
        let docs = load_all("# c\napiVersion: v1\nkind: A\n---\n---\nkind: B\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].line, 2);
        assert_eq!(
            get(&docs[1].value, "kind").and_then(scalar).as_deref(),
            Some("B")
        );
    }

    #[test]
    fn malformed_yaml_is_an_error_with_a_line() {
        let err = load_all("a: 1\nb: [1, 2\nc: 3\n").err().unwrap();
        assert!(err.line >= 2, "{err:?}");
        assert!(!err.message.is_empty());
    }

    #[test]
    fn billion_laughs_is_refused_quickly() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], refs));
        }
        let started = std::time::Instant::now();
        assert!(load_all(&text).is_err());
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn big_payload_through_nested_aliases_is_refused_before_parsing() {
        let payload: String = (0..20_000).map(|i| format!("  k{i}: v\n")).collect();
        let mut text = format!("p: &p\n{payload}");
        let mut prev = "p".to_string();
        for level in 0..6 {
            let name = format!("l{level}");
            let refs = vec![format!("*{prev}"); 10].join(", ");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
            prev = name;
        }
        let err = load_all(&text).err().expect("refused");
        assert!(err.message.contains("alias"), "{err:?}");
    }

    #[test]
    fn ordinary_anchors_still_parse() {
        let text =
            "defaults: &d\n  image: node:20\n  retries: 2\njob:\n  <<: *d\n  script: [npm test]\n";
        let docs = load_all(text).unwrap();
        assert_eq!(
            dig(&docs[0].value, &["job", "script"]).map(strings),
            Some(vec!["npm test".to_string()])
        );
    }

    #[test]
    fn helm_actions_are_blanked_keeping_lines() {
        let t = "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicas }}\n{{- end }}\n";
        let out = blank_templates(t);
        assert_eq!(out.lines().count(), t.lines().count());
        let docs = load_all(&out).unwrap();
        assert_eq!(
            dig(&docs[0].value, &["metadata", "name"])
                .and_then(scalar)
                .as_deref(),
            Some("TEMPLATE")
        );
        assert_eq!(
            dig(&docs[0].value, &["spec", "replicas"])
                .and_then(scalar)
                .as_deref(),
            Some("TEMPLATE")
        );
    }
}
