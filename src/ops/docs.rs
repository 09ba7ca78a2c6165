//! Markdown documentation: sections (a heading and the text up to the next heading)
//! and the checklist topics each covers: incident runbook, key rotation, rollback,
//! escalation, usage limits.
//!
//! A heading that names a topic covers it when its section has some text (a heading
//! over "TODO" covers nothing). Without such a heading, the section's text must say
//! more than the word: a command (`kubectl rollout undo`), a procedure ("rotate the
//! key"), a number with a unit ("60 requests per minute").

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Topic {
    IncidentRunbook,
    KeyRotation,
    Rollback,
    Escalation,
    UsageLimits,
}

impl Topic {
    pub fn describe(self) -> &'static str {
        match self {
            Topic::IncidentRunbook => "incident runbook",
            Topic::KeyRotation => "key rotation procedure",
            Topic::Rollback => "rollback procedure",
            Topic::Escalation => "on-call escalation path",
            Topic::UsageLimits => "API usage limits",
        }
    }
}

/// How a section covers a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Its heading names the topic and it has text.
    Heading,
    /// Its text describes the topic.
    Text,
    /// Its heading names the topic but the section is empty or a placeholder.
    Placeholder,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub path: String,
    /// The heading's line (1 for the text before the first heading).
    pub line: u32,
    /// The heading's text ("" for the text before the first heading).
    pub heading: String,
    pub topics: Vec<(Topic, Coverage)>,
    /// The section, or its file's path or title, mentions Mistral.
    pub mentions_mistral: bool,
}

/// Fewer words than this under a heading is a placeholder.
const MIN_WORDS: usize = 12;

struct TopicRule {
    topic: Topic,
    heading: Regex,
    text: Regex,
}

static RULES: LazyLock<Vec<TopicRule>> = LazyLock::new(|| {
    let r = |p: &str| Regex::new(p).expect("doc topic pattern");
    vec![
        TopicRule {
            topic: Topic::IncidentRunbook,
            heading: r(
                r"(?i)\b(incident|runbook|run book|playbook|outage|troubleshoot\w*|when .* (fails|is down))\b",
            ),
            text: r(
                r"(?i)\b(incident (response|runbook|procedure)|if (the )?mistral (api )?is (down|unavailable|degraded)|status\.mistral\.ai)",
            ),
        },
        TopicRule {
            topic: Topic::KeyRotation,
            heading: r(
                r"(?i)\b(rotat\w*|renew\w*|revok\w*)\b.*\b(key|secret|credential|token)s?\b|\b(key|secret|credential)s?\b.*\brotat\w*",
            ),
            text: r(
                r"(?i)\brotat(e|ing) (the |an |your )?(mistral )?(api )?(key|secret|credential)s?\b",
            ),
        },
        TopicRule {
            topic: Topic::Rollback,
            heading: r(
                r"(?i)\broll[- ]?back\b|\brolling back\b|\brevert(ing)? (a |the )?(deploy|release)",
            ),
            text: r(
                r"(?i)kubectl\s+(argo\s+rollouts\s+)?(rollout\s+)?undo|helm\s+rollback|argocd\s+app\s+rollback|\broll back (to )?the (previous|last)",
            ),
        },
        TopicRule {
            topic: Topic::Escalation,
            heading: r(r"(?i)\b(escalat\w*|on-?call|on call|paging|who to (call|page))\b"),
            text: r(
                r"(?i)\bescalate (to|the)\b|\b(page|paging) (the )?on-?call\b|\bpagerduty\b|\bopsgenie\b|\bescalation (path|policy)\b",
            ),
        },
        TopicRule {
            topic: Topic::UsageLimits,
            heading: r(r"(?i)\b(rate[- ]limits?|usage limits?|quotas?|budgets?|limits)\b"),
            text: r(
                r"(?i)\b\d[\d,._]*\s*(k\s*)?(requests?|req|tokens?|rps|rpm|tpm)\s*(/|per|a)\s*(s\b|sec\w*|min\w*|hour|day|month)|\b(rpm|tpm|rps)\b\s*(limit|of|:)|\$\s*\d+\s*(/|per|a)\s*(hour|day|month)|monthly (budget|spend(ing)? limit)",
            ),
        },
    ]
});

/// Every rule's text pattern and `mistral`, as one set: a section's text is searched once
/// for all of them (six separate searches were a fifth of the gate's time on a
/// documentation-heavy tree).
static TEXT_SET: LazyLock<RegexSet> = LazyLock::new(|| {
    let mut patterns: Vec<&str> = RULES.iter().map(|r| r.text.as_str()).collect();
    patterns.push(MISTRAL.as_str());
    RegexSet::new(patterns).expect("doc text patterns")
});

/// Every rule's heading and text pattern: a file where none matches anywhere covers no
/// topic, and most Markdown in a repository (READMEs, changelogs, API docs) is such a
/// file. One early-exit pass over it replaces splitting it into sections.
static ANY_TOPIC: LazyLock<RegexSet> = LazyLock::new(|| {
    let patterns = RULES
        .iter()
        .flat_map(|r| [r.heading.as_str(), r.text.as_str()]);
    RegexSet::new(patterns).expect("doc topic patterns")
});

static RUNBOOK_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)runbook|incident|playbook").unwrap());
static MISTRAL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)mistral").unwrap());

/// Markdown sections of a file, with their topics. Fenced code blocks are text, not
/// headings.
pub fn sections(path: &str, text: &str) -> Vec<Section> {
    let path_mentions = MISTRAL.is_match(path);
    // A file kept as a runbook (docs/runbooks/..., INCIDENTS.md): its title names the topic.
    let runbook_file = RUNBOOK_PATH.is_match(path);
    if !runbook_file && !ANY_TOPIC.is_match(text) {
        // No topic anywhere: one section stands for the file (the checks count files).
        if text.trim().is_empty() {
            return Vec::new();
        }
        let mentions_mistral = path_mentions || MISTRAL.is_match(text);
        return vec![Section {
            path: path.to_string(),
            line: 1,
            heading: String::new(),
            topics: Vec::new(),
            mentions_mistral,
        }];
    }
    // (line, level, heading, own text)
    let mut raw: Vec<(u32, usize, String, String)> = vec![(1, 0, String::new(), String::new())];
    let mut fence: Option<&str> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
        } else if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(&t[..3]);
        } else if let Some((level, h)) = heading(line) {
            raw.push((i as u32 + 1, level, h.to_string(), String::new()));
            continue;
        }
        let body = &mut raw.last_mut().expect("a section").3;
        body.push_str(line);
        body.push('\n');
    }
    let title_mentions = raw
        .iter()
        .find(|s| !s.2.is_empty())
        .is_some_and(|s| MISTRAL.is_match(&s.2));
    let words: Vec<usize> = raw
        .iter()
        .map(|s| {
            s.3.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count()
        })
        .collect();
    // A heading's section holds its subsections too: a title over a runbook is no placeholder.
    let full_words = |i: usize| -> usize {
        let level = raw[i].1;
        words[i]
            + (i + 1..raw.len())
                .take_while(|&j| level > 0 && raw[j].1 > level)
                .map(|j| words[j])
                .sum::<usize>()
    };
    let first_heading = raw.iter().position(|s| !s.2.is_empty());
    let mut out = Vec::new();
    for (i, (line, _, heading, body)) in raw.iter().enumerate() {
        if heading.is_empty() && body.trim().is_empty() {
            continue;
        }
        let total = full_words(i);
        let text_hits = TEXT_SET.matches(body);
        let placeholder = total < MIN_WORDS
            || (body.to_ascii_lowercase().contains("todo") && total < 2 * MIN_WORDS);
        let topics = RULES
            .iter()
            .enumerate()
            .filter_map(|(r, rule)| {
                let by_heading = !heading.is_empty()
                    && (rule.heading.is_match(heading)
                        || (rule.topic == Topic::IncidentRunbook
                            && runbook_file
                            && first_heading == Some(i)));
                if by_heading && !placeholder {
                    Some((rule.topic, Coverage::Heading))
                } else if text_hits.matched(r) {
                    Some((rule.topic, Coverage::Text))
                } else if by_heading {
                    Some((rule.topic, Coverage::Placeholder))
                } else {
                    None
                }
            })
            .collect();
        let mentions_mistral = path_mentions
            || title_mentions
            || MISTRAL.is_match(heading)
            || text_hits.matched(RULES.len());
        out.push(Section {
            path: path.to_string(),
            line: *line,
            heading: heading.clone(),
            topics,
            mentions_mistral,
        });
    }
    out
}

/// The level and text of an ATX heading (`## Rollback`), or `None`.
fn heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    if line.len() - t.len() > 3 {
        return None; // indented code
    }
    let hashes = t.chars().take_while(|&c| c == '#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = &t[hashes..];
    if !rest.is_empty() && !rest.starts_with(' ') && !rest.starts_with('\t') {
        return None;
    }
    Some((hashes, rest.trim().trim_end_matches('#').trim()))
}

/// True for the files read as documentation.
pub fn is_markdown(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    (lower.ends_with(".md") || lower.ends_with(".markdown") || lower.ends_with(".mdx"))
        && !name.starts_with("changelog")
        && !name.starts_with("license")
        && !name.starts_with("code_of_conduct")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics_of(text: &str) -> Vec<(String, Vec<(Topic, Coverage)>)> {
        sections("docs/guide.md", text)
            .into_iter()
            .map(|s| (s.heading, s.topics))
            .collect()
    }

    #[test]
    fn headings_with_text_cover_their_topic() {
        let text = "# Mistral runbook\n\n## Rolling back\n\nRun `kubectl rollout undo deployment/mistral-app`, then watch `kubectl rollout status` until every pod is ready and /health answers 200.\n\n## Escalation\n\nTODO\n\n```\n# not a heading\n```\n";
        let t = topics_of(text);
        assert_eq!(t[1].0, "Rolling back");
        assert!(t[1].1.contains(&(Topic::Rollback, Coverage::Heading)));
        assert_eq!(t[2].1, vec![(Topic::Escalation, Coverage::Placeholder)]);
        assert_eq!(t.len(), 3);
        assert!(
            t[0].1
                .contains(&(Topic::IncidentRunbook, Coverage::Heading)),
            "a title over sections is not empty: {t:?}"
        );
    }

    #[test]
    fn text_must_say_more_than_the_word() {
        let t =
            topics_of("## Notes\n\nWe may need a rollback someday; limits apply. Keys exist.\n");
        assert!(t[0].1.is_empty(), "{t:?}");
        let t = topics_of("## Notes\n\nOur workspace allows 60 requests per minute and 500,000 tokens per minute.\n");
        assert_eq!(t[0].1, vec![(Topic::UsageLimits, Coverage::Text)]);
    }
}

#[cfg(test)]
mod prefilter_tests {
    use super::*;

    #[test]
    fn a_file_without_any_topic_is_one_section_without_topics() {
        let s = sections(
            "docs/api.md",
            "# API\n\nEndpoints and payloads for Mistral chat.\n\n## Errors\n\nCodes and bodies.\n",
        );
        assert_eq!(s.len(), 1);
        assert!(s[0].topics.is_empty());
        assert!(s[0].mentions_mistral);
        assert!(sections("docs/empty.md", "  \n\n").is_empty());
        // A topic word sends the file through the full analysis.
        let s = sections("docs/ops.md", "# Ops\n\n## Rollback\n\nRun kubectl rollout undo deployment/chat, then check /health and the error rate dashboards.\n");
        assert!(
            s.iter()
                .any(|s| s.topics.iter().any(|(t, _)| *t == Topic::Rollback)),
            "{s:?}"
        );
    }
}
