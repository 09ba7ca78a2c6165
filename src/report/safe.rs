//! The one place that turns untrusted text into each output's safe form.
//!
//! File names, model ids, headings and API error bodies come from the scanned
//! repository or from the network: anyone who can open a pull request writes them
//! (CHECKS.md, "The scanned repository is untrusted input"). Every renderer passes such
//! text through exactly one function of this module for the output it writes, so the
//! rules live here and are tested here:
//!
//! - [`one_line`]: control characters (C0, DEL, C1), whole terminal escape sequences
//!   and Unicode line, paragraph and bidirectional controls become `�`; a tab becomes
//!   a space. The base of every other form: untrusted text never adds a line.
//! - [`runner`]: one line that can never start or stop a GitHub workflow command,
//!   wherever it is put on a line (`::` at its trimmed start, `##[` anywhere), and
//!   [`runner_lines`], the same guard over a whole printed text.
//! - [`command_data`] and [`command_property`]: the escapes the runner undoes in an
//!   annotation's message and properties.
//! - [`md_code`] and [`md_text`]: Markdown that GitHub shows as the
//!   literal text (no HTML, links, images, autolinks or @-mentions).
//! - [`xml_attr`] and [`xml_cdata`]: characters XML 1.0 forbids are replaced, and
//!   `]]>` never ends a CDATA section early.
//! - [`uri_path`]: a relative URI reference with RFC 3986 percent-encoding.
//! - [`output_value`]: a `$GITHUB_OUTPUT` entry that is exactly one name and value.

use std::borrow::Cow;
use std::fmt::Write;

/// What takes the place of a control character or a terminal escape sequence.
const REPLACEMENT: char = '\u{FFFD}';

/// U+2060 WORD JOINER: invisible, not whitespace for the runner's `TrimStart`, and not
/// a word character for GitHub's mention and autolink scanners.
const JOINER: char = '\u{2060}';

/// Characters that move or reorder text without being C0/C1 controls: line and
/// paragraph separators and the bidirectional overrides ("Trojan Source").
fn is_invisible_control(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn needs_one_line(s: &str) -> bool {
    s.chars().any(|c| c.is_control() || is_invisible_control(c))
}

/// The text on one line, with no control character and no terminal escape sequence:
/// each sequence (CSI, OSC, or ESC and one character) and each other control character
/// becomes one [`REPLACEMENT`]; a tab becomes a space.
pub fn one_line(s: &str) -> Cow<'_, str> {
    if !needs_one_line(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(' '),
            '\u{1b}' => {
                out.push(REPLACEMENT);
                match chars.peek() {
                    // CSI: parameters and intermediates, then one final byte.
                    Some('[') => {
                        chars.next();
                        while let Some(&n) = chars.peek() {
                            if ('\u{20}'..='\u{3f}').contains(&n) {
                                chars.next();
                                continue;
                            }
                            if ('\u{40}'..='\u{7e}').contains(&n) {
                                chars.next();
                            }
                            // Anything else is text again (or a control, replaced on its own).
                            break;
                        }
                    }
                    // OSC, DCS, SOS, PM, APC: a string up to BEL or ESC \.
                    Some(']' | 'P' | 'X' | '^' | '_') => {
                        chars.next();
                        while let Some(n) = chars.next() {
                            if n == '\u{7}' {
                                break;
                            }
                            if n == '\u{1b}' {
                                if chars.peek() == Some(&'\\') {
                                    chars.next();
                                }
                                break;
                            }
                        }
                    }
                    Some(&n) if !n.is_control() => {
                        chars.next();
                    }
                    _ => {}
                }
            }
            c if c.is_control() || is_invisible_control(c) => out.push(REPLACEMENT),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One line of untrusted text for a log the GitHub runner reads (stdout, stderr, the
/// text report): [`one_line`], and then no workflow command can start in it, wherever
/// the gate puts it on a line (see [`runner_lines`]).
pub fn runner(s: &str) -> String {
    let line = one_line(s);
    let mut out = break_legacy_commands(&line);
    neutralise_line_start(&mut out);
    out
}

/// The last guard over a whole text the gate prints: no line of it starts a workflow
/// command (`::` at its trimmed start) or holds a legacy one (`##[` anywhere). Lines
/// the gate meant as commands are never passed through this.
pub fn runner_lines(text: &str) -> Cow<'_, str> {
    let dangerous = text.contains("##[") || text.lines().any(|l| l.trim_start().starts_with("::"));
    if !dangerous {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for piece in text.split_inclusive('\n') {
        let mut line = break_legacy_commands(piece);
        neutralise_line_start(&mut line);
        out.push_str(&line);
    }
    Cow::Owned(out)
}

/// A serialized JSON document that the runner can read without finding a command in
/// it: `##[` can only occur inside a string there, where `#\u0023[` is the same text.
/// (`::` cannot start a line of JSON: strings are quoted.)
pub fn json_for_runner(json: String) -> String {
    if json.contains("##[") {
        json.replace("##[", "#\\u0023[")
    } else {
        json
    }
}

/// `##[` anywhere on a line is the runner's legacy command form.
fn break_legacy_commands(s: &str) -> String {
    s.replace("##[", &format!("#{JOINER}#["))
}

/// A line whose trimmed start is `::` is a command; a joiner between the two colons
/// keeps the text as it reads while the runner no longer sees `::`. The runner trims
/// with .NET's `char.IsWhiteSpace`, which is Rust's `char::is_whitespace` for every
/// character that matters here.
fn neutralise_line_start(s: &mut String) {
    let start = s.len() - s.trim_start().len();
    if s[start..].starts_with("::") {
        s.insert(start + 1, JOINER);
    }
}

/// An annotation's message (the text after `::level props::`): the runner turns
/// `%25`, `%0D` and `%0A` back into `%`, CR and LF. The gate's own line breaks stay
/// line breaks in the annotation; untrusted parts are passed through [`one_line`] first
/// by the caller.
pub fn command_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// An annotation property's value (`file=`, `title=`): also `:` and `,`, which would end
/// the properties.
pub fn command_property(s: &str) -> String {
    command_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// True when `path` can be an annotation's `file=` exactly: every character the runner
/// cannot get back from its escapes (a control character other than CR and LF) would
/// reach the log raw, so such a path is named in the message instead.
pub fn annotation_file_ok(path: &str) -> bool {
    !path
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\r') || is_invisible_control(c))
}

/// Markdown: `s` as an inline code span, shown exactly as [`one_line`] gives it. The
/// fence is longer than any backtick run inside, and padded with spaces when the text
/// starts or ends with a backtick or a space (CommonMark strips one space from each
/// side). Inside a code span nothing is HTML, a link, an autolink or a mention.
pub fn md_code(s: &str) -> String {
    let text = one_line(s);
    if text.is_empty() {
        return "` `".to_string();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']);
    let space = if pad { " " } else { "" };
    format!("{fence}{space}{text}{space}{fence}")
}

/// Characters that open Markdown or GitHub markup anywhere in a line: escapes, code,
/// emphasis, links and images (no `[`, no `(` after it matters), table cells,
/// strikethrough, math.
const MD_INLINE: &[u8] = b"\\`*_[]|~$";

/// Markdown prose that renders as the literal text: HTML's `<`, `>` and `&` as entities;
/// inline markup characters backslash-escaped (no emphasis, link, image, code span,
/// table cell, math or emoji); a line-start marker escaped (no heading, list, quote or
/// indented code); a joiner after `@`, inside `://` and `www.`, and after `#` before a
/// digit (no mention, autolink or issue link). Safe in a table cell too.
pub fn md_text(s: &str) -> String {
    let text = one_line(s);
    let text = text.trim_start();
    // `1.` or `1)` at the start would open an ordered list.
    let list_marker = text
        .find(|c: char| !c.is_ascii_digit())
        .filter(|&i| i > 0 && text[i..].starts_with(['.', ')']));
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, c) in text.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => {
                out.push('@');
                out.push(JOINER);
            }
            ':' if text[i..].starts_with("://") => {
                out.push(':');
                out.push(JOINER);
            }
            '.' if i >= 3 && text.as_bytes()[i - 3..i].eq_ignore_ascii_case(b"www") => {
                out.push(JOINER);
                out.push('.');
            }
            '#' if text[i + 1..].starts_with(|n: char| n.is_ascii_digit()) => {
                out.push_str("\\#");
                out.push(JOINER);
            }
            c if c.is_ascii() && MD_INLINE.contains(&(c as u8)) => {
                out.push('\\');
                out.push(c);
            }
            c if (i == 0 && c.is_ascii_punctuation()) || list_marker == Some(i) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// XML 1.0 allows tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD and U+10000.. only; C1
/// controls are allowed but discouraged, and are terminal controls too.
fn xml_forbidden(c: char) -> bool {
    let allowed = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
    !allowed
}

/// An XML attribute value (the writer escapes `<`, `&` and quotes): one line, and no
/// character XML 1.0 forbids.
pub fn xml_attr(s: &str) -> String {
    one_line(s)
        .chars()
        .map(|c| if xml_forbidden(c) { REPLACEMENT } else { c })
        .collect()
}

/// Text for a CDATA section that its writer wraps in `<![CDATA[` ... `]]>` without
/// looking inside: line breaks are kept, other controls and characters XML 1.0 forbids
/// are replaced (through [`one_line`] per line), and each `]]>` is split across two
/// sections (`]]` ends the first, `>` starts the next), so the text reads back exactly.
pub fn xml_cdata(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        out.extend(
            one_line(line)
                .chars()
                .map(|c| if xml_forbidden(c) { REPLACEMENT } else { c }),
        );
    }
    out.replace("]]>", "]]]]><![CDATA[>")
}

/// A relative URI reference for a repository path: every byte outside RFC 3986's
/// unreserved set and `/` is percent-encoded, so `#`, `?`, `%`, spaces and non-ASCII
/// names survive; a leading `/` is dropped so the reference stays relative, and a first
/// segment with a `:` is encoded so it cannot read as a scheme.
pub fn uri_path(path: &str) -> String {
    let path = path.trim_start_matches('/');
    let mut out = String::with_capacity(path.len() + 8);
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One `$GITHUB_OUTPUT` entry that the runner reads back as exactly this name and value:
/// `name=value` when the value is one line, otherwise `name<<DELIMITER` lines with a
/// random delimiter that does not occur in the value. `name` is the gate's own.
pub fn output_value(name: &str, value: &str) -> String {
    if !value.contains(['\n', '\r']) {
        return format!("{name}={value}\n");
    }
    let delimiter = loop {
        let d = format!(
            "ghadelimiter_{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        );
        if !value.contains(&d) {
            break d;
        }
    };
    // The runner reads the file line by line: a CR that ends no line is not kept
    // reliably, so it is replaced rather than left to the reader.
    let value = value
        .replace("\r\n", "\n")
        .replace('\r', &REPLACEMENT.to_string());
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_replaces_controls_and_whole_escape_sequences() {
        assert_eq!(one_line("plain"), Cow::Borrowed("plain"));
        assert_eq!(one_line("a\nb\rc\td"), "a�b�c d");
        assert_eq!(one_line("x\u{1b}[2Jy"), "x�y");
        assert_eq!(one_line("x\u{1b}[31;1mred\u{1b}[0m"), "x�red�");
        assert_eq!(
            one_line("\u{1b}]8;;http://e\u{7}link\u{1b}]8;;\u{1b}\\"),
            "�link�"
        );
        assert_eq!(one_line("\u{1}\u{7f}\u{85}\u{9b}2J"), "����2J");
        assert_eq!(one_line("a\u{2028}b\u{202e}c"), "a�b�c");
        assert_eq!(one_line("\u{1b}"), "�");
        assert_eq!(one_line("\u{1b}["), "�");
        assert_eq!(one_line("é ü 漢字"), "é ü 漢字");
    }

    /// The runner's view of a line (ActionCommand.TryParseV2 and TryParse): a command
    /// when the trimmed start is `::`, or when `##[` is anywhere.
    fn runner_sees_command(line: &str) -> bool {
        line.trim_start().starts_with("::") || line.contains("##[")
    }

    #[test]
    fn runner_text_never_starts_a_workflow_command() {
        for hostile in [
            "::error title=FORGED::x.ts",
            "  ::stop-commands::pwned",
            "\t::warning::x",
            "a\n::error::b",
            "x ##[error]y",
            "a\r::add-mask::b",
            "\u{1b}[0m::error::x",
        ] {
            let safe = runner(hostile);
            assert!(!safe.contains(['\n', '\r']), "{safe:?}");
            assert!(!runner_sees_command(&safe), "{hostile:?} -> {safe:?}");
            assert!(
                !runner_sees_command(&format!("    {safe}")),
                "{hostile:?} after indentation"
            );
        }
        assert_eq!(runner("src/app.ts"), "src/app.ts");
    }

    #[test]
    fn runner_lines_guards_every_line_and_keeps_the_rest() {
        let text = "ok\n  ::error::x\nfine ##[warning]y\n::stop-commands::t\n";
        let safe = runner_lines(text);
        assert_eq!(safe.lines().count(), 4);
        assert!(safe.lines().all(|l| !runner_sees_command(l)), "{safe}");
        assert!(safe.starts_with("ok\n  :"));
        assert_eq!(runner_lines("a\nb\n"), Cow::Borrowed("a\nb\n"));
    }

    #[test]
    fn json_reads_the_same_and_holds_no_legacy_command() {
        let value = serde_json::json!({"path": "src/##[error]x.ts", "m": "::error::y"});
        let text = json_for_runner(serde_json::to_string_pretty(&value).unwrap());
        assert!(!text.contains("##["));
        assert!(text.lines().all(|l| !l.trim_start().starts_with("::")));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }

    #[test]
    fn command_escapes_match_the_runner() {
        assert_eq!(command_data("50%\r\nx:y,z"), "50%25%0D%0Ax:y,z");
        assert_eq!(command_property("50%\r\nx:y,z"), "50%25%0D%0Ax%3Ay%2Cz");
        assert!(annotation_file_ok("a\nb.ts"));
        assert!(!annotation_file_ok("a\u{1b}[2J.ts"));
        assert!(!annotation_file_ok("a\u{1}.ts"));
    }

    #[test]
    fn code_spans_outlast_any_backtick_run() {
        assert_eq!(md_code("src/a.ts"), "`src/a.ts`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("x``` <img src=x>"), "````x``` <img src=x>````");
        assert_eq!(md_code("`start"), "`` `start ``");
        assert_eq!(md_code("end`"), "`` end` ``");
        assert_eq!(md_code(" both "), "`  both  `");
        assert_eq!(md_code(""), "` `");
        assert_eq!(md_code("a\nb"), "`a�b`");
    }

    #[test]
    fn prose_has_no_markup_left() {
        assert_eq!(md_text("<!-- x"), "&lt;!-- x");
        assert_eq!(
            md_text("![x](http://e/a.png)"),
            "\\!\\[x\\](http:\u{2060}//e/a.png)"
        );
        assert_eq!(md_text("@team"), "@\u{2060}team");
        assert_eq!(md_text("see www.evil.com"), "see www\u{2060}.evil.com");
        assert_eq!(md_text("a & b"), "a &amp; b");
        assert_eq!(md_text("    # heading"), "\\# heading");
        assert_eq!(md_text("- item"), "\\- item");
        assert_eq!(md_text("12. item"), "12\\. item");
        assert_eq!(md_text("fixes #12"), "fixes \\#\u{2060}12");
        assert_eq!(md_text("a|b *c* $x$ ~d~"), "a\\|b \\*c\\* \\$x\\$ \\~d\\~");
        assert_eq!(
            md_text("src/app.ts:12 uses model (mistral-large-2411)"),
            "src/app.ts:12 uses model (mistral-large-2411)"
        );
    }

    #[test]
    fn xml_forms_are_well_formed() {
        assert_eq!(xml_attr("a\u{1}b\nc\u{fffe}"), "a�b�c�");
        assert_eq!(
            xml_cdata("x]]><evil/>\ny\u{1b}[2J"),
            "x]]]]><![CDATA[><evil/>\ny�"
        );
        assert_eq!(xml_cdata("a\r\nb"), "a\nb");
        let wrapped = format!("<![CDATA[{}]]>", xml_cdata("]]>]]>"));
        assert_eq!(wrapped.matches("<![CDATA[").count(), 3);
    }

    #[test]
    fn uri_paths_are_percent_encoded_and_relative() {
        assert_eq!(uri_path("src/a b#1?.ts"), "src/a%20b%231%3F.ts");
        assert_eq!(uri_path("/etc/passwd"), "etc/passwd");
        assert_eq!(uri_path("::error::x.ts"), "%3A%3Aerror%3A%3Ax.ts");
        assert_eq!(uri_path("é%.ts"), "%C3%A9%25.ts");
        assert_eq!(uri_path("a-b_c.~/d"), "a-b_c.~/d");
    }

    #[test]
    fn output_values_stay_one_entry() {
        assert_eq!(output_value("verdict", "pass"), "verdict=pass\n");
        let v = output_value("report", "a\nb\rc");
        let lines: Vec<&str> = v.lines().collect();
        let delim = lines[0].strip_prefix("report<<").unwrap();
        assert_eq!(lines.len(), 4, "{v:?}");
        assert_eq!(lines[1], "a");
        assert_eq!(lines[2], "b�c");
        assert_eq!(lines[3], delim);
        assert_ne!(
            output_value("r", "x\ny"),
            output_value("r", "x\ny"),
            "the delimiter is random per value"
        );
    }
}
