//! Documentation: Markdown (read with pulldown-cmark), reStructuredText and AsciiDoc
//! files as sections, each with its heading path, its prose, its lists and the
//! commands in its code blocks, and what each says about the checklist's topics
//! (incident runbook, key rotation, rollback, escalation, usage limits).
//!
//! A topic word is not enough (issue 12): "escalate to the fraud team" is product copy,
//! a kanban board's "Escalation Process" is about cards, `rollback()` rolls back a
//! database transaction, "sandbox quotas" limit CPUs. So each topic is decided from two
//! things a section must have: the *subject* (this service's deploy, its Mistral or LLM
//! provider, the provider's API key, its incidents) and the *procedure* (a command,
//! steps, contacts in order, numbers). The topic table ([`TOPICS`]) holds, per topic,
//! the heading words, the subject and the procedure; [`Section::topics`] says which the
//! section covers and with what ([`TopicMatch::decided`]). The checks turn that into a
//! status; this module decides nothing about pass or fail.
//!
//! Code blocks are never prose: a PagerDuty example inside a prompt is an example. A
//! section under a heading about prompts, examples or templates is not about this
//! service.

use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
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
    /// Subject and procedure: the topic is written down.
    Written,
    /// Its heading names the topic but the section is empty or a placeholder.
    Placeholder,
    /// Its heading names the topic and the subject, but the procedure is missing
    /// (`decided` says what is missing).
    Partial,
    /// A procedure for the topic, but not about Mistral (only the incident runbook asks).
    NotMistral,
}

/// One topic a section covers, and what in the section decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMatch {
    pub topic: Topic,
    pub coverage: Coverage,
    /// What decided, in the user's words: "command `helm rollback chatbot 0`",
    /// "contacts on-call, engineering manager in order".
    pub decided: String,
}

/// A command found in a code block or an inline code span of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocCommand {
    pub line: u32,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub path: String,
    /// The heading's line (1 for the text before the first heading).
    pub line: u32,
    /// The heading's text ("" for the text before the first heading).
    pub heading: String,
    /// The headings above this one and its own, outermost first.
    pub heading_path: Vec<String>,
    pub topics: Vec<TopicMatch>,
    /// Commands in the section's code blocks and inline code (its own, not its
    /// subsections').
    pub commands: Vec<DocCommand>,
    /// The section, or its file's path or title, mentions Mistral.
    pub mentions_mistral: bool,
}

impl Section {
    /// `Runbook › Rollback` (or the text-before-the-first-heading label).
    pub fn shown_path(&self) -> String {
        if self.heading_path.is_empty() {
            "(text before the first heading)".to_string()
        } else {
            self.heading_path.join(" › ")
        }
    }

    pub fn covers(&self, topic: Topic) -> Option<&TopicMatch> {
        self.topics.iter().find(|t| t.topic == topic)
    }
}

/// What a documentation file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Markdown,
    Rst,
    AsciiDoc,
}

/// The documentation format of a path, or `None` for files not read as documentation
/// (changelogs, licences and codes of conduct are documents, but never runbooks).
fn doc_format(path: &str) -> Option<DocFormat> {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if name.starts_with("changelog")
        || name.starts_with("license")
        || name.starts_with("licence")
        || name.starts_with("code_of_conduct")
        || name.starts_with("history")
    {
        return None;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "md" | "markdown" | "mdx" => Some(DocFormat::Markdown),
        "rst" => Some(DocFormat::Rst),
        "adoc" | "asciidoc" | "asc" => Some(DocFormat::AsciiDoc),
        _ => None,
    }
}

/// True for the files read as documentation.
pub fn is_markdown(path: &str) -> bool {
    doc_format(path).is_some()
}

// ---- the reader: one block model for the three formats ----

/// One piece of a document, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Heading {
        level: usize,
        text: String,
    },
    /// Paragraph or list-item text (inline code included as text).
    Prose {
        text: String,
        list: Option<bool>,
    },
    /// One line of a code block, or an inline code span.
    Code {
        text: String,
        shell: bool,
    },
}

type Blocks = Vec<(u32, Block)>;

/// Byte offset → 1-based line.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts)
    }
    fn of(&self, offset: usize) -> u32 {
        (self.0.partition_point(|&s| s <= offset)).max(1) as u32
    }
}

/// Languages of a fenced block whose lines are commands.
fn shell_lang(info: &str) -> bool {
    let lang = info.split([' ', ',', '{']).next().unwrap_or("");
    matches!(
        lang.to_ascii_lowercase().as_str(),
        "" | "sh"
            | "bash"
            | "shell"
            | "console"
            | "zsh"
            | "shell-session"
            | "shellsession"
            | "terminal"
            | "text"
            | "powershell"
            | "ps1"
            | "cmd"
    )
}

fn markdown_blocks(text: &str) -> Blocks {
    let lines = Lines::new(text);
    let mut out = Vec::new();
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let mut heading: Option<(usize, u32, String)> = None;
    let mut code: Option<(u32, String, bool)> = None;
    let mut prose: Option<(u32, String)> = None;
    // Ordered or not, for each open list.
    let mut lists: Vec<bool> = Vec::new();
    let mut in_metadata = false;
    let flush = |prose: &mut Option<(u32, String)>, lists: &[bool], out: &mut Blocks| {
        if let Some((line, text)) = prose.take() {
            if !text.trim().is_empty() {
                out.push((
                    line,
                    Block::Prose {
                        text,
                        list: lists.last().copied(),
                    },
                ));
            }
        }
    };
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::MetadataBlock(_)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            _ if in_metadata => {}
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut prose, &lists, &mut out);
                heading = Some((heading_level(level), lines.of(range.start), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, line, t)) = heading.take() {
                    out.push((
                        line,
                        Block::Heading {
                            level,
                            text: t.trim().to_string(),
                        },
                    ));
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                flush(&mut prose, &lists, &mut out);
                let shell = match &kind {
                    pulldown_cmark::CodeBlockKind::Fenced(info) => shell_lang(info),
                    pulldown_cmark::CodeBlockKind::Indented => true,
                };
                // The code starts on the line after the fence.
                let first = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(_) => lines.of(range.start) + 1,
                    pulldown_cmark::CodeBlockKind::Indented => lines.of(range.start),
                };
                code = Some((first, String::new(), shell));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((first, body, shell)) = code.take() {
                    for (i, l) in body.lines().enumerate() {
                        if !l.trim().is_empty() {
                            out.push((
                                first + i as u32,
                                Block::Code {
                                    text: l.to_string(),
                                    shell,
                                },
                            ));
                        }
                    }
                }
            }
            Event::Start(Tag::List(first)) => {
                flush(&mut prose, &lists, &mut out);
                lists.push(first.is_some());
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut prose, &lists, &mut out);
                lists.pop();
            }
            Event::Start(Tag::Item) | Event::Start(Tag::Paragraph) => {
                flush(&mut prose, &lists, &mut out);
            }
            Event::End(TagEnd::Item) | Event::End(TagEnd::Paragraph) => {
                flush(&mut prose, &lists, &mut out);
            }
            Event::Text(t) => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push_str(&t);
                } else if let Some((_, body, _)) = code.as_mut() {
                    body.push_str(&t);
                } else {
                    prose
                        .get_or_insert_with(|| (lines.of(range.start), String::new()))
                        .1
                        .push_str(&t);
                }
            }
            Event::Code(t) => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push_str(&t);
                } else {
                    let line = lines.of(range.start);
                    prose
                        .get_or_insert_with(|| (line, String::new()))
                        .1
                        .push_str(&t);
                    // An inline span is a command when it has arguments: `kubectl
                    // rollout undo deployment/app`, not `MistralServerErrors`.
                    out.push((
                        line,
                        Block::Code {
                            text: t.to_string(),
                            shell: t.trim().contains(' '),
                        },
                    ));
                }
            }
            // Table cells and rows are separate words and lines.
            Event::End(TagEnd::TableCell) => {
                if let Some(p) = prose.as_mut() {
                    p.1.push_str(" | ");
                }
            }
            Event::End(TagEnd::TableRow) | Event::End(TagEnd::TableHead) => {
                if let Some(p) = prose.as_mut() {
                    p.1.push('\n');
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push(' ');
                } else if let Some(p) = prose.as_mut() {
                    p.1.push(' ');
                }
            }
            _ => {}
        }
    }
    flush(&mut prose, &lists, &mut out);
    out
}

fn heading_level(level: HeadingLevel) -> usize {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// A list item's marker: `- `, `* `, `+ `, `1. `, `1) `, `#. `, AsciiDoc `. `.
/// Returns (ordered, rest).
fn list_marker(line: &str) -> Option<(bool, &str)> {
    let t = line.trim_start();
    for m in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(m) {
            return Some((false, rest));
        }
    }
    if let Some(rest) = t.strip_prefix("#. ").or_else(|| t.strip_prefix(". ")) {
        return Some((true, rest));
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 4 {
        let rest = &t[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, r));
        }
    }
    None
}

/// Prose lines into paragraphs and list items, shared by the RST and AsciiDoc readers.
struct LineProse {
    out: Blocks,
    current: Option<(u32, String, Option<bool>)>,
}

impl LineProse {
    fn new() -> LineProse {
        LineProse {
            out: Vec::new(),
            current: None,
        }
    }
    fn flush(&mut self) {
        if let Some((line, text, list)) = self.current.take() {
            if !text.trim().is_empty() {
                self.out.push((line, Block::Prose { text, list }));
            }
        }
    }
    fn line(&mut self, n: u32, l: &str) {
        if l.trim().is_empty() {
            self.flush();
            return;
        }
        if let Some((ordered, rest)) = list_marker(l) {
            self.flush();
            self.current = Some((n, rest.to_string(), Some(ordered)));
            return;
        }
        match self.current.as_mut() {
            Some((_, t, _)) => {
                t.push(' ');
                t.push_str(l.trim());
            }
            None => self.current = Some((n, l.trim().to_string(), None)),
        }
    }
    fn push(&mut self, n: u32, b: Block) {
        self.flush();
        self.out.push((n, b));
    }
    /// Inline literals (``cmd`` in RST, `cmd` or +cmd+ in AsciiDoc) as code too.
    fn inline_code(&mut self, n: u32, l: &str, re: &Regex) {
        for c in re.captures_iter(l) {
            if let Some(m) = c.get(1).or_else(|| c.get(2)) {
                self.out.push((
                    n,
                    Block::Code {
                        text: m.as_str().to_string(),
                        shell: m.as_str().trim().contains(' '),
                    },
                ));
            }
        }
    }
}

static RST_LITERAL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"``([^`]+)``").unwrap());
static ADOC_LITERAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`([^`]+)`|\+([^+]+)\+").unwrap());

/// reStructuredText: underlined (and overlined) titles, levels in order of first use;
/// `::` literal blocks and `.. code-block::` directives as code.
fn rst_blocks(text: &str) -> Blocks {
    let all: Vec<&str> = text.lines().collect();
    let mut styles: Vec<(char, bool)> = Vec::new();
    let mut prose = LineProse::new();
    let adornment = |l: &str| -> Option<char> {
        let t = l.trim_end();
        let c = t.chars().next()?;
        (t.len() >= 2 && "=-~^*#\"'`:.+_".contains(c) && t.chars().all(|x| x == c)).then_some(c)
    };
    let mut i = 0;
    // Set after a paragraph ending in `::` or a code directive: the indented block is code.
    let mut code_next = false;
    while i < all.len() {
        let l = all[i];
        let n = i as u32 + 1;
        if code_next && (l.starts_with(' ') || l.starts_with('\t') || l.trim().is_empty()) {
            if l.trim().is_empty() {
                // Blank lines inside or before the block.
                let more = all[i + 1..].iter().find(|x| !x.trim().is_empty());
                if more.is_none_or(|x| !(x.starts_with(' ') || x.starts_with('\t'))) {
                    code_next = false;
                }
            } else if !l.trim_start().starts_with(':') {
                prose.push(
                    n,
                    Block::Code {
                        text: l.trim().to_string(),
                        shell: true,
                    },
                );
            }
            i += 1;
            continue;
        }
        code_next = false;
        // Overline, title, underline.
        if let (Some(c), Some(title), Some(under)) = (
            adornment(l),
            all.get(i + 1),
            all.get(i + 2).and_then(|u| adornment(u)),
        ) {
            if under == c && !title.trim().is_empty() && adornment(title).is_none() {
                let level = rst_level(&mut styles, (c, true));
                prose.push(
                    n + 1,
                    Block::Heading {
                        level,
                        text: title.trim().to_string(),
                    },
                );
                i += 3;
                continue;
            }
        }
        if let (false, Some(c)) = (
            l.trim().is_empty(),
            all.get(i + 1).and_then(|u| adornment(u)),
        ) {
            if adornment(l).is_none()
                && !l.starts_with(' ')
                && all[i + 1].trim_end().chars().count() >= l.trim_end().chars().count()
            {
                let level = rst_level(&mut styles, (c, false));
                prose.push(
                    n,
                    Block::Heading {
                        level,
                        text: l.trim().to_string(),
                    },
                );
                i += 2;
                continue;
            }
        }
        let t = l.trim_start();
        if t.starts_with(".. code-block::")
            || t.starts_with(".. code::")
            || t.starts_with(".. sourcecode::")
            || t.starts_with(".. prompt::")
        {
            prose.flush();
            code_next = true;
            i += 1;
            continue;
        }
        if t.starts_with(".. ") {
            // Other directives and comments: not prose.
            prose.flush();
            i += 1;
            continue;
        }
        prose.inline_code(n, l, &RST_LITERAL);
        let shown = RST_LITERAL.replace_all(l, "$1");
        if let Some(head) = shown.trim_end().strip_suffix("::") {
            prose.line(n, head);
            prose.flush();
            code_next = true;
        } else {
            prose.line(n, &shown);
        }
        i += 1;
    }
    prose.flush();
    prose.out
}

fn rst_level(styles: &mut Vec<(char, bool)>, style: (char, bool)) -> usize {
    match styles.iter().position(|s| *s == style) {
        Some(p) => p + 1,
        None => {
            styles.push(style);
            styles.len()
        }
    }
}

/// AsciiDoc: `=` titles (`== Section`, also Markdown-style `##`), `----` / `....`
/// delimited blocks as code.
fn asciidoc_blocks(text: &str) -> Blocks {
    let mut prose = LineProse::new();
    let mut delimiter: Option<&str> = None;
    for (i, l) in text.lines().enumerate() {
        let n = i as u32 + 1;
        let t = l.trim_end();
        if let Some(d) = delimiter {
            if t == d {
                delimiter = None;
            } else if !t.trim().is_empty() {
                prose.push(
                    n,
                    Block::Code {
                        text: t.to_string(),
                        shell: true,
                    },
                );
            }
            continue;
        }
        if t.len() >= 4 && (t.chars().all(|c| c == '-') || t.chars().all(|c| c == '.')) {
            prose.flush();
            delimiter = Some(t);
            continue;
        }
        let marks = t.chars().take_while(|&c| c == '=' || c == '#').count();
        if (1..=6).contains(&marks) && t[marks..].starts_with(' ') {
            prose.push(
                n,
                Block::Heading {
                    level: marks,
                    text: t[marks..].trim().to_string(),
                },
            );
            continue;
        }
        if t.starts_with("[source") || t.starts_with("//") || t.starts_with(':') {
            prose.flush();
            continue;
        }
        prose.inline_code(n, l, &ADOC_LITERAL);
        prose.line(n, l);
    }
    prose.flush();
    prose.out
}

// ---- topics: heading, subject, procedure ----

/// A section's content as the topic rules see it.
struct Content<'a> {
    /// Heading path, one string (outermost first).
    headings: String,
    /// Prose of the section and its subsections.
    prose: String,
    /// Each paragraph or list item with the heading path above it.
    parts: Vec<(String, &'a str)>,
    commands: Vec<&'a DocCommand>,
    /// List items, and how many of them are in ordered lists.
    items: usize,
    ordered_items: usize,
    words: usize,
    /// The file is kept as a runbook (its path says runbook, incident, playbook) and
    /// this is its title.
    runbook_title: bool,
    /// Mistral is named by the section, its heading path, the file's path or title.
    mistral: bool,
}

fn re(p: &str) -> Regex {
    Regex::new(p).expect("doc topic pattern")
}

static MISTRAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)mistral|la plateforme|codestral|\bpixtral\b"));
static RUNBOOK_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)runbook|incident|playbook"));
/// Headings over examples, prompts and templates: what follows is quoted material, not
/// this service's procedure.
static QUOTED_MATERIAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(prompts?|system messages?|examples?|samples?|few[- ]shot|templates?|fixtures?|test data|demo)\b",
    )
});
static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(todo|tbd|tba|coming soon|to be written|fill (this|me) in)\b"));

/// Fewer words than this under a heading is a placeholder.
const MIN_WORDS: usize = 12;

// Rollback.
static ROLLBACK_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\broll[- ]?back|\brolling back\b|\brevert(ing)? (a |the )?(deploy\w*|release)|\bundo(ing)? (a |the )?(deploy\w*|release)",
    )
});
/// Commands that roll back a deployed release (not a database): each is a deploy tool's
/// own rollback, or a project's `rollback` target/script/task.
static DEPLOY_ROLLBACK: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)\bkubectl\b.*\brollout\s+undo\b|\bkubectl\s+argo\s+rollouts\s+(undo|abort)\b",
        r"|\bhelm\s+rollback\b|\bhelmfile\b.*\brollback\b|\bargocd\s+app\s+rollback\b",
        r"|\b(fly|flyctl)\s+(releases\s+rollback|deploy\s+--image)|\bvercel\s+(rollback|promote)\b",
        r"|\bheroku\s+(rollback|releases:rollback)\b|\bkamal\s+rollback\b|\brailway\s+(rollback|redeploy)\b",
        r"|\bgcloud\s+run\s+services\s+update-traffic\b.*--to-(revisions|latest)|\baws\s+lambda\s+update-alias\b",
        r"|\bcap\s+\S+\s+deploy:rollback\b|\bwrangler\s+rollback\b|\bnetlify\s+(rollback|deploy\s+--restore)",
        r"|\b(make|just|task|npm\s+run|yarn(\s+run)?|pnpm(\s+run)?|bun\s+run)\s+rollback\b|\brollback[\w.-]*\.sh\b",
    ))
});
/// A rollback of data, not of a deploy: migrations, transactions.
static DATA_ROLLBACK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)migrat|db:rollback|\bdatabase\b|\bschema\b|\btransactions?\b|\balembic\b|\bknex\b|\bsequelize\b|\bprisma\b|\bflyway\b|\bliquibase\b|\bdowngrade\b|rollback\(\)|\bsql\b",
    )
});
static DEPLOY_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(deploy\w*|releases?|rollouts?|revisions?|previous (version|image|build|tag)|image tags?|helm|kubectl|pods?|cluster|canary|traffic|production)\b",
    )
});

// Escalation.
static ESCALATION_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(escalat\w*|on-?call|on call|paging|who to (call|page|contact)|incident contacts?)\b",
    )
});
static ESCALATION_TEXT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)escalat|pagerduty|opsgenie|\bpage the\b|on-?call"));
static INCIDENT_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(incidents?|outages?|on-?call|paged?|paging|pager\w*|alerts?|alerting|sev-?\d|p[0-4]|downtime|emergenc\w*|status page|opsgenie|pagerduty|victorops|5xx|is down|goes down)\b|mistral",
    )
});
static CONTACT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(on-?call( engineer)?|pagerduty|opsgenie|victorops|incident\.io|slack|#[a-z][\w-]{2,}|[\w.+-]+@[\w-]+\.[\w.]+|phone|engineering manager|team lead|tech lead|incident (commander|lead|manager)|sre|platform (team|lead)|primary|secondary|mistral support|support@mistral\.ai|head of \w+|cto|duty manager)\b",
    )
});
static ORDER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(then|after \d+\s*(min\w*|hours?|h|m)\b|if (there is )?no (one |response|answer|ack\w*)|escalates? to|primary|secondary|level \d|tier \d|first|next|finally)\b",
    )
});

// Key rotation.
static ROTATION_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(rotat\w*|renew\w*|revok\w*|regenerat\w*|replac\w*|roll\w*)\b.*\b(keys?|secrets?|credentials?|tokens?)\b|\b(keys?|secrets?|credentials?|tokens?)\b.*\brotat\w*",
    )
});
static ROTATION_TEXT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\brotat(e|ing|ion)\b"));
static PROVIDER_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)mistral|la plateforme|\b(llm|model|ai) provider|\bprovider('s)? (api )?key|\bapi[ _-]?keys?\b|[A-Z_]*API_KEY\b",
    )
});
/// Keys that are not the provider's: an agent's own, signing, SSH, TLS.
static OTHER_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bagents?'?s? (own )?(\w+ )?keys?\b|\bits own (\w+ )?keys\b|\bsigning keys?\b|\bssh keys?\b|\bgpg\b|\bpgp\b|\bkey ?pairs?\b|\btls\b|\bcertificates?\b|\bdeploy keys?\b|\bwallet\b",
    )
});
/// The four stages of a key rotation.
static ROTATION_STAGES: LazyLock<[(&'static str, Regex); 4]> = LazyLock::new(|| {
    [
        (
            "create",
            re(r"(?i)\b(create|generate|issue|new (api )?key|mint)\w*"),
        ),
        (
            "deploy",
            re(
                r"(?i)\b(store|update|set|deploy|redeploy|restart|roll out|secret|vault|kubectl create secret|gh secret set|replace)\w*",
            ),
        ),
        (
            "verify",
            re(r"(?i)\b(verify|check|confirm|test|smoke|/health\w*|watch)\w*"),
        ),
        (
            "revoke",
            re(r"(?i)\b(revoke|delete|disable|deactivate|remove the old|expire)\w*"),
        ),
    ]
});

// Usage limits.
static LIMITS_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(rate[- ]?limits?|usage limits?|quotas?|budgets?|limits|spend(ing)?|cost controls?)\b",
    )
});
static PROVIDER_USAGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)mistral|la plateforme|\bworkspace\b|\bllm\b|\bmodels?\b|\bprovider\b|\btokens?\b|\btpm\b|\bcompletions?\b|\binference\b",
    )
});
static RATE_OR_BUDGET: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)\b\d[\d,._]*\s*(k|m|million|thousand)?\s*(requests?|reqs?|calls|tokens?)\s*(/|per|a|an|each)\s*(s|sec\w*|min\w*|h|hours?|days?|months?)\b",
        r"|\b\d[\d,._]*\s*(k|m)?\s*(rpm|tpm|rps|tps)\b|\b(rpm|tpm|rps)\s*(limit\s*)?(of|:|=|is)\s*\d",
        r"|(\$|€|£|\busd\s?|\beur\s?)\s*\d[\d,._]*\s*(k)?\s*(/|per|a|an|each)\s*(day|week|month|year)",
        r"|\b(monthly|daily|weekly|annual)\s+(budget|spend(ing)?\s+(limit|cap)|cap|limit)\b[^.\n]{0,30}?(\$|€|£|\d)",
        r"|\bbudget\s+(is|of|:)\s*(\$|€|£)?\s*\d",
    ))
});

// Incident runbook.
static RUNBOOK_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(incidents?|runbooks?|run book|playbooks?|outages?|when .{1,40} (fails|is down|is unavailable)|(api|provider|llm|mistral) (is )?(down|outage|errors|failures))\b",
    )
});
static TROUBLESHOOTING: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\btroubleshoot\w*"));
/// The provider failing in production, as a troubleshooting section has to say to be
/// an incident runbook.
static PROVIDER_FAILING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(mistral|provider|llm|model api)\W+(?:\w+\W+){0,6}?(down|outages?|unavailable|5\d\d|5xx|429|errors?|timeouts?|degraded|fail\w*)|status\.mistral\.ai",
    )
});
static RUNBOOK_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bincident (response|runbook|procedure)|\bif (the )?mistral (api )?is (down|unavailable|degraded)|status\.mistral\.ai",
    )
});
static RUNBOOK_STEP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(check|open|look at|restart|switch|fail ?over|fallback|dashboard|status page|status\.mistral\.ai|page|disable|scale)\b",
    )
});

/// Every heading and text pattern: a file where none matches covers no topic, and most
/// Markdown in a repository (READMEs, changelogs, API docs) is such a file. One early-exit
/// pass over it replaces parsing it.
static ANY_TOPIC: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        ROLLBACK_HEADING.as_str(),
        DEPLOY_ROLLBACK.as_str(),
        ESCALATION_HEADING.as_str(),
        r"(?i)escalat|pagerduty|opsgenie",
        ROTATION_HEADING.as_str(),
        LIMITS_HEADING.as_str(),
        RATE_OR_BUDGET.as_str(),
        RUNBOOK_HEADING.as_str(),
        TROUBLESHOOTING.as_str(),
        RUNBOOK_TEXT.as_str(),
    ])
    .expect("doc topic patterns")
});

fn words(s: &str) -> usize {
    s.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// The first match of `re` in `s`, trimmed to a few words, for "what decided".
fn first_match<'s>(re: &Regex, s: &'s str) -> Option<&'s str> {
    re.find(s).map(|m| m.as_str().trim())
}

fn shorten(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(79).collect::<String>())
    } else {
        s
    }
}

/// Whether the section's heading names the topic, then what it covers.
fn decide(topic: Topic, c: &Content, heading: &str) -> Option<TopicMatch> {
    let m = |coverage, decided: String| {
        Some(TopicMatch {
            topic,
            coverage,
            decided,
        })
    };
    let placeholder =
        c.words < MIN_WORDS || (PLACEHOLDER.is_match(&c.prose) && c.words < 2 * MIN_WORDS);
    let all = format!("{}\n{}", c.headings, c.prose);
    match topic {
        Topic::Rollback => {
            let named = ROLLBACK_HEADING.is_match(heading);
            let command = c
                .commands
                .iter()
                .find(|k| DEPLOY_ROLLBACK.is_match(&k.text) && !DATA_ROLLBACK.is_match(&k.text));
            let data = DATA_ROLLBACK.is_match(&c.headings)
                || (DATA_ROLLBACK.is_match(&c.prose) && !DEPLOY_SUBJECT.is_match(&c.prose));
            if let Some(k) = command {
                return m(
                    Coverage::Written,
                    format!("rollback command `{}` (line {})", shorten(&k.text), k.line),
                );
            }
            if !named || data {
                return None;
            }
            if placeholder {
                return m(Coverage::Placeholder, "empty or placeholder section".into());
            }
            if DEPLOY_SUBJECT.is_match(&all) && c.items >= 2 {
                return m(
                    Coverage::Written,
                    format!("{} rollback steps for the deploy", c.items),
                );
            }
            m(
                Coverage::Partial,
                "names the rollback but gives no command or steps for the deploy".into(),
            )
        }
        Topic::Escalation => {
            let named = ESCALATION_HEADING.is_match(heading);
            if !named && !ESCALATION_TEXT.is_match(&c.prose) {
                return None;
            }
            // A heading over nothing is a placeholder whatever it is about; with text,
            // the text must be about incidents (a kanban board's escalation is not).
            if named && placeholder {
                return m(Coverage::Placeholder, "empty or placeholder section".into());
            }
            if !INCIDENT_CONTEXT.is_match(&all) {
                return None;
            }
            let contacts: Vec<String> = {
                let mut v: Vec<String> = Vec::new();
                for x in CONTACT.find_iter(&c.prose) {
                    let s = x.as_str().to_ascii_lowercase();
                    if !v.contains(&s) {
                        v.push(s);
                    }
                }
                v
            };
            let ordered = c.ordered_items >= 2 || ORDER.is_match(&c.prose);
            if ordered && !contacts.is_empty() {
                return m(
                    Coverage::Written,
                    format!("who to contact, in order: {}", contacts.join(", ")),
                );
            }
            named.then(|| TopicMatch {
                topic,
                coverage: Coverage::Partial,
                decided: if contacts.is_empty() {
                    "names no one to contact".into()
                } else {
                    format!("names {} but no order", contacts.join(", "))
                },
            })
        }
        Topic::KeyRotation => {
            let named = ROTATION_HEADING.is_match(heading);
            let text_named = ROTATION_TEXT.is_match(&c.prose);
            if !named && !text_named {
                return None;
            }
            let provider = PROVIDER_KEY.is_match(&all)
                || c.commands.iter().any(|k| PROVIDER_KEY.is_match(&k.text));
            if !provider || (OTHER_KEY.is_match(&all) && !MISTRAL.is_match(&all)) {
                return None;
            }
            if named && placeholder {
                return m(Coverage::Placeholder, "empty or placeholder section".into());
            }
            let text = format!(
                "{}\n{}",
                c.prose,
                c.commands
                    .iter()
                    .map(|k| k.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            let stages: Vec<&str> = ROTATION_STAGES
                .iter()
                .filter(|(_, r)| r.is_match(&text))
                .map(|(n, _)| *n)
                .collect();
            if stages.len() >= 3 {
                return m(
                    Coverage::Written,
                    format!("the provider key's {} steps", stages.join("/")),
                );
            }
            named.then(|| TopicMatch {
                topic,
                coverage: Coverage::Partial,
                decided: format!(
                    "missing the {} steps",
                    ROTATION_STAGES
                        .iter()
                        .map(|(n, _)| *n)
                        .filter(|n| !stages.contains(n))
                        .collect::<Vec<_>>()
                        .join("/")
                ),
            })
        }
        Topic::UsageLimits => {
            let named = LIMITS_HEADING.is_match(heading);
            let provider = PROVIDER_USAGE.is_match(&all);
            // The number and the provider in one place: a paragraph, or a paragraph
            // under a heading path that names the provider (a gateway's own rate limit
            // under a title that mentions Mistral is not the provider's).
            let provider_limit = c.parts.iter().find_map(|(headings, text)| {
                let n = first_match(&RATE_OR_BUDGET, text)?;
                (PROVIDER_USAGE.is_match(text) || PROVIDER_USAGE.is_match(headings)).then_some(n)
            });
            if let Some(n) = provider_limit {
                return m(
                    Coverage::Written,
                    format!("the provider's limit \"{}\"", shorten(n)),
                );
            }
            if RATE_OR_BUDGET.is_match(&c.prose) {
                return None;
            }
            if !named || !provider {
                return None;
            }
            if placeholder {
                return m(Coverage::Placeholder, "empty or placeholder section".into());
            }
            m(
                Coverage::Partial,
                "names the limits but gives no request/token rate or budget".into(),
            )
        }
        Topic::IncidentRunbook => {
            let named = RUNBOOK_HEADING.is_match(heading)
                || c.runbook_title
                || (TROUBLESHOOTING.is_match(heading) && PROVIDER_FAILING.is_match(&c.prose));
            let text = RUNBOOK_TEXT.is_match(&c.prose);
            if !named && !text {
                return None;
            }
            if named && placeholder {
                return m(Coverage::Placeholder, "empty or placeholder section".into());
            }
            let steps = c.items >= 2
                || !c.commands.is_empty()
                || RUNBOOK_STEP.find_iter(&c.prose).count() >= 2;
            if !steps {
                return named.then(|| TopicMatch {
                    topic,
                    coverage: Coverage::Partial,
                    decided: "gives no steps (checks, dashboards, commands)".into(),
                });
            }
            let decided = if c.items >= 2 {
                format!("{} steps", c.items)
            } else if let Some(k) = c.commands.first() {
                format!("command `{}`", shorten(&k.text))
            } else {
                "first steps".to_string()
            };
            if !c.mistral {
                return m(Coverage::NotMistral, decided);
            }
            m(
                Coverage::Written,
                format!("{decided} for Mistral incidents"),
            )
        }
    }
}

const TOPICS: [Topic; 5] = [
    Topic::IncidentRunbook,
    Topic::KeyRotation,
    Topic::Rollback,
    Topic::Escalation,
    Topic::UsageLimits,
];

/// The sections of a documentation file, with their topics.
pub fn sections(path: &str, text: &str) -> Vec<Section> {
    let Some(format) = doc_format(path) else {
        return Vec::new();
    };
    let path_mentions = MISTRAL.is_match(path);
    let runbook_file = RUNBOOK_PATH.is_match(path);
    if !runbook_file && !ANY_TOPIC.is_match(text) {
        // No topic anywhere: one section stands for the file (the checks count files).
        if text.trim().is_empty() {
            return Vec::new();
        }
        return vec![Section {
            path: path.to_string(),
            line: 1,
            heading: String::new(),
            heading_path: Vec::new(),
            topics: Vec::new(),
            commands: Vec::new(),
            mentions_mistral: path_mentions || MISTRAL.is_match(text),
        }];
    }
    let blocks = match format {
        DocFormat::Markdown => markdown_blocks(text),
        DocFormat::Rst => rst_blocks(text),
        DocFormat::AsciiDoc => asciidoc_blocks(text),
    };
    build_sections(path, &blocks, path_mentions, runbook_file)
}

/// One heading's own content before the sections are linked.
struct Raw {
    line: u32,
    level: usize,
    heading: String,
    heading_path: Vec<String>,
    prose: String,
    commands: Vec<DocCommand>,
    items: usize,
    ordered_items: usize,
}

fn build_sections(
    path: &str,
    blocks: &Blocks,
    path_mentions: bool,
    runbook_file: bool,
) -> Vec<Section> {
    let mut raw: Vec<Raw> = vec![Raw {
        line: 1,
        level: 0,
        heading: String::new(),
        heading_path: Vec::new(),
        prose: String::new(),
        commands: Vec::new(),
        items: 0,
        ordered_items: 0,
    }];
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (line, b) in blocks {
        match b {
            Block::Heading { level, text } => {
                while stack.last().is_some_and(|(l, _)| *l >= *level) {
                    stack.pop();
                }
                stack.push((*level, text.clone()));
                raw.push(Raw {
                    line: *line,
                    level: *level,
                    heading: text.clone(),
                    heading_path: stack.iter().map(|(_, t)| t.clone()).collect(),
                    prose: String::new(),
                    commands: Vec::new(),
                    items: 0,
                    ordered_items: 0,
                });
            }
            Block::Prose { text, list } => {
                let r = raw.last_mut().expect("a section");
                r.prose.push_str(text);
                r.prose.push('\n');
                if let Some(ordered) = list {
                    r.items += 1;
                    r.ordered_items += usize::from(*ordered);
                }
            }
            Block::Code { text, shell } => {
                let r = raw.last_mut().expect("a section");
                let t = text.trim();
                let t = t
                    .strip_prefix("$ ")
                    .or_else(|| t.strip_prefix("> "))
                    .or_else(|| t.strip_prefix("PS> "))
                    .unwrap_or(t);
                if *shell && !t.starts_with('#') && !t.starts_with("//") {
                    r.commands.push(DocCommand {
                        line: *line,
                        text: t.chars().take(200).collect(),
                    });
                }
            }
        }
    }
    let first_heading = raw.iter().position(|s| !s.heading.is_empty());
    let title_mentions = first_heading.is_some_and(|i| MISTRAL.is_match(&raw[i].heading));
    let mut out = Vec::new();
    for i in 0..raw.len() {
        let r = &raw[i];
        if r.heading.is_empty() && r.prose.trim().is_empty() && r.commands.is_empty() {
            continue;
        }
        // A heading's section holds its subsections.
        let end = (i + 1..raw.len())
            .find(|&j| r.level == 0 || raw[j].level <= r.level)
            .unwrap_or(raw.len());
        // Quoted material (prompts, examples) under it is not its content.
        let scope: Vec<&Raw> = raw[i..end]
            .iter()
            .filter(|s| !s.heading_path.iter().any(|h| QUOTED_MATERIAL.is_match(h)))
            .collect();
        let prose: String = scope
            .iter()
            .map(|s| s.prose.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let sub_headings: String = scope
            .iter()
            .skip(1)
            .map(|s| s.heading.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let quoted = r.heading_path.iter().any(|h| QUOTED_MATERIAL.is_match(h));
        let parts: Vec<(String, &str)> = scope
            .iter()
            .flat_map(|s| {
                let h = s.heading_path.join("\n");
                s.prose.lines().map(move |l| (h.clone(), l))
            })
            .collect();
        let content = Content {
            parts,
            headings: r.heading_path.join("\n"),
            words: words(&prose) + scope.iter().map(|s| s.commands.len()).sum::<usize>(),
            commands: scope.iter().flat_map(|s| &s.commands).collect(),
            items: scope.iter().map(|s| s.items).sum(),
            ordered_items: scope.iter().map(|s| s.ordered_items).sum(),
            runbook_title: runbook_file && first_heading == Some(i),
            mistral: path_mentions
                || title_mentions
                || r.heading_path.iter().any(|h| MISTRAL.is_match(h))
                || MISTRAL.is_match(&prose)
                || MISTRAL.is_match(&sub_headings),
            prose,
        };
        let topics = if quoted {
            Vec::new()
        } else {
            TOPICS
                .iter()
                .filter_map(|t| decide(*t, &content, &r.heading))
                .collect()
        };
        out.push(Section {
            path: path.to_string(),
            line: r.line,
            heading: r.heading.clone(),
            heading_path: r.heading_path.clone(),
            topics,
            commands: r.commands.clone(),
            mentions_mistral: content.mistral,
        });
    }
    // A title section covers what a subsection covers too; keep the most specific one
    // (the subsection) as the place that decided, except a runbook file's title.
    let first_out_heading = out
        .iter()
        .position(|s| !s.heading.is_empty())
        .unwrap_or(usize::MAX);
    for i in 0..out.len() {
        let (head, tail) = out.split_at_mut(i + 1);
        let s = &mut head[i];
        let depth = s.heading_path.len();
        let subs: Vec<&Section> = tail
            .iter()
            .take_while(|t| depth > 0 && t.heading_path.len() > depth)
            .collect();
        let runbook_title = runbook_file && depth == 1 && i == first_out_heading;
        s.topics.retain(|m| {
            m.coverage != Coverage::Written
                || (m.topic == Topic::IncidentRunbook && runbook_title)
                || !subs.iter().any(|t| {
                    t.covers(m.topic)
                        .is_some_and(|x| x.coverage == Coverage::Written)
                })
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(path: &str, text: &str) -> Vec<(String, Topic, Coverage)> {
        sections(path, text)
            .into_iter()
            .flat_map(|s| {
                let p = s.shown_path();
                s.topics
                    .into_iter()
                    .map(move |t| (p.clone(), t.topic, t.coverage))
            })
            .collect()
    }

    #[test]
    fn markdown_sections_have_heading_paths_lines_and_commands() {
        let text = "---\ntitle: Ops\n---\n# Mistral runbook\n\nSee below.\n\n## Rolling back\n\n```bash\n$ kubectl rollout undo deployment/mistral-app\n```\n\n## Escalation\n\nTODO\n\n```\n# not a heading\n```\n";
        let s = sections("docs/guide.md", text);
        let rb = s.iter().find(|s| s.heading == "Rolling back").unwrap();
        assert_eq!(rb.line, 8);
        assert_eq!(rb.heading_path, vec!["Mistral runbook", "Rolling back"]);
        assert_eq!(rb.commands[0].line, 11);
        assert_eq!(
            rb.commands[0].text,
            "kubectl rollout undo deployment/mistral-app"
        );
        let t = rb.covers(Topic::Rollback).unwrap();
        assert_eq!(t.coverage, Coverage::Written);
        assert!(t.decided.contains("kubectl rollout undo"), "{t:?}");
        let esc = s.iter().find(|s| s.heading == "Escalation").unwrap();
        // Under a Mistral runbook, an Escalation heading is about incidents: a placeholder.
        assert_eq!(
            esc.covers(Topic::Escalation).map(|m| m.coverage),
            Some(Coverage::Placeholder)
        );
        assert!(!s.iter().any(|s| s.heading == "not a heading"));
    }

    #[test]
    fn rst_and_asciidoc_headings_are_sections() {
        let rst = "=========\nOperations\n=========\n\nRollback\n--------\n\nRoll the release back with::\n\n    helm rollback chatbot 0 --wait\n\nthen check the dashboards.\n";
        let s = sections("docs/ops.rst", rst);
        let rb = s.iter().find(|s| s.heading == "Rollback").unwrap();
        assert_eq!(rb.line, 5);
        assert_eq!(rb.heading_path, vec!["Operations", "Rollback"]);
        assert_eq!(rb.commands[0].text, "helm rollback chatbot 0 --wait");
        assert_eq!(rb.commands[0].line, 10);
        let adoc =
            "= Operations\n\n== Rollback\n\n----\nkubectl rollout undo deployment/app\n----\n";
        let s = sections("docs/ops.adoc", adoc);
        let rb = s.iter().find(|s| s.heading == "Rollback").unwrap();
        assert_eq!(rb.line, 3);
        assert_eq!(rb.commands[0].line, 6);
        assert_eq!(
            rb.covers(Topic::Rollback).unwrap().coverage,
            Coverage::Written
        );
    }

    #[test]
    fn baits_cover_nothing() {
        let cases = [
            ("README.md", "# Bank assistant\n\n## Features\n\n- Flags suspicious transfers; agents can escalate to the fraud team with one click.\n- Summarises cases with Mistral.\n", Topic::Escalation),
            ("docs/board.md", "# Team board\n\n## Escalation Process\n\nCards blocked for more than two days move to the Blocked column. The card owner escalates to the team lead in the stand-up, then to the product owner.\n", Topic::Escalation),
            ("docs/security.md", "# Security\n\nWe rotate keys regularly and never commit them.\n", Topic::KeyRotation),
            ("docs/agents.md", "# Agents\n\n## Key rotation\n\nEach agent rotates its own Ed25519 signing keys every day: it generates a new key pair, publishes the public key to the registry, verifies that peers accept it and revokes the old key.\n", Topic::KeyRotation),
            ("docs/db.md", "# Database\n\n## Rollback\n\nEach migration defines `up()` and `rollback()`. To undo the last migration run `npx knex migrate:rollback` and check the schema.\n", Topic::Rollback),
            ("docs/sandbox.md", "# Sandboxes\n\n## Quotas\n\nEach sandbox gets 2 vCPUs, 4 GB of memory and 10 GB of disk; at most 5 sandboxes per user.\n", Topic::UsageLimits),
            ("docs/extract.md", "# Extraction\n\n## Modify Extraction Limits\n\nSet `MAX_PAGES` to change how many pages are extracted from each document (default 50) and `MAX_FILE_MB` for the file size.\n", Topic::UsageLimits),
            ("docs/dev.md", "# Development\n\n## Troubleshooting\n\nIf `npm install` fails, delete node_modules and the lockfile, then run it again with a clean cache.\n", Topic::IncidentRunbook),
        ];
        for (path, text, topic) in cases {
            let t = topics(path, text);
            assert!(!t.iter().any(|(_, x, _)| *x == topic), "{path}: {t:?}");
        }
    }

    #[test]
    fn a_pagerduty_example_inside_a_prompt_is_not_an_escalation_path() {
        let text = "# Support bot\n\n## Prompt examples\n\n```python\nSYSTEM = \"\"\"If the user reports an outage, page the on-call through PagerDuty, then escalate to the incident commander.\"\"\"\n```\n\n> If the user reports an outage, page the on-call through PagerDuty, then escalate to the incident commander.\n";
        assert!(topics("README.md", text).is_empty());
    }

    #[test]
    fn real_procedures_are_written() {
        let text = "# Operating the chatbot on Mistral\n\n## Escalation\n\n1. The on-call engineer is paged by PagerDuty for P1 alerts.\n2. After 30 minutes, escalate to the engineering manager.\n\n## Rotating the Mistral API key\n\nCreate a new key in La Plateforme, store it in the `mistral` secret, restart the deployment, check /health, then revoke the old key.\n\n## Rate limits\n\nOur workspace allows 6 requests per second and 2,000,000 tokens per minute.\n";
        let t = topics("docs/ops.md", text);
        for topic in [Topic::Escalation, Topic::KeyRotation, Topic::UsageLimits] {
            assert!(
                t.iter()
                    .any(|(_, x, c)| *x == topic && *c == Coverage::Written),
                "{topic:?}: {t:?}"
            );
        }
    }

    #[test]
    fn text_must_say_more_than_the_word() {
        let t = topics(
            "docs/guide.md",
            "## Notes\n\nWe may need a rollback someday; limits apply. Keys exist.\n",
        );
        assert!(t.is_empty(), "{t:?}");
    }
}
