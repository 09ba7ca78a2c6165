//! Code embedded in other files: the `<script>` blocks of single-file components (`.vue`,
//! `.svelte`, `.astro`, whose frontmatter is TypeScript too) and the code cells of Jupyter
//! notebooks (`.ipynb`). Real applications call Mistral from there, and a gate that only
//! reads `.ts`/`.py` files says "no Mistral API usage found" for them.
//!
//! The extracted code keeps the line numbers of the original file: everything that is not
//! code is blanked (newlines kept), and a notebook cell's lines are put back on the lines
//! of the JSON file where they are written, so evidence points at `Page.svelte:12` or
//! `analysis.ipynb:31` (the line of the cell's source in the notebook file). A notebook
//! written on one line (not the nbformat layout) gets its cells one after the other:
//! the lines then count from the first cell, a limit said in `docs/code-checks.md`.

use super::ir::Lang;

/// Extensions of files that hold code in `<script>` blocks.
pub const COMPONENT_EXTENSIONS: &[&str] = &["vue", "svelte", "astro"];

/// The code of a component file, blanked around its script blocks, and its language
/// (`None` when it has no script block).
pub fn component_code(ext: &str, text: &str) -> Option<(String, Lang, bool)> {
    let mut out: Vec<u8> = blank(text.as_bytes());
    let mut found = false;
    let mut ts = false;
    let mut tsx = false;
    let bytes = text.as_bytes();
    if ext == "astro" {
        // Frontmatter: `---` on the first line, code until the next `---` line.
        if let Some((start, end)) = frontmatter(text) {
            out[start..end].copy_from_slice(&bytes[start..end]);
            found = true;
            ts = true;
        }
    }
    let lower = text.to_ascii_lowercase();
    let mut at = 0;
    while let Some(rel) = lower[at..].find("<script") {
        let open = at + rel;
        let Some(gt) = lower[open..].find('>') else {
            break;
        };
        let attrs = &lower[open + 7..open + gt];
        let body = open + gt + 1;
        let close = lower[body..]
            .find("</script")
            .map_or(text.len(), |r| body + r);
        // `<script src=...>` and JSON/template blocks hold no code of this file.
        let external = attrs.contains("src=");
        let other_type = attrs.contains("type=")
            && !["module", "text/javascript", "text/typescript", "ts"]
                .iter()
                .any(|t| attrs.contains(t));
        if !external && !other_type && !attrs.ends_with('/') {
            out[body..close].copy_from_slice(&bytes[body..close]);
            found = true;
            if attrs.contains("lang=\"tsx\"") || attrs.contains("lang='tsx'") {
                tsx = true;
            } else if [
                "lang=\"ts\"",
                "lang='ts'",
                "lang=\"typescript\"",
                "lang='typescript'",
            ]
            .iter()
            .any(|l| attrs.contains(l))
            {
                ts = true;
            }
        }
        at = close.max(body);
        if at >= text.len() {
            break;
        }
    }
    if !found {
        return None;
    }
    let code = String::from_utf8(out).unwrap_or_default();
    let lang = if ts || tsx {
        Lang::TypeScript
    } else {
        Lang::JavaScript
    };
    Some((code, lang, tsx))
}

/// Every byte blanked to a space except line breaks: same lines, same columns.
fn blank(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b } else { b' ' })
        .collect()
}

fn frontmatter(text: &str) -> Option<(usize, usize)> {
    let first = text.lines().next()?;
    if first.trim() != "---" {
        return None;
    }
    let start = first.len() + 1;
    let mut pos = start;
    for l in text.get(start..)?.split_inclusive('\n') {
        if l.trim() == "---" {
            return Some((start, pos));
        }
        pos += l.len();
    }
    None
}

/// The Python code of a notebook's code cells, each line on the line of the notebook
/// file where it is written (blank lines elsewhere). Magics (`%pip`, `!ls`) are blanked.
/// `None` when the file is not a notebook or has no code cell.
pub fn notebook_code(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let cells = v.get("cells")?.as_array()?;
    let file_lines: Vec<&str> = text.lines().collect();
    let mut placed: Vec<Option<String>> = vec![None; file_lines.len()];
    let mut sequential: Vec<String> = Vec::new();
    let mut mapped = true;
    let mut cursor = 0usize;
    let mut any = false;
    for cell in cells {
        if cell.get("cell_type").and_then(|t| t.as_str()) != Some("code") {
            continue;
        }
        let lines: Vec<String> = match cell.get("source") {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|s| s.as_str())
                .map(str::to_string)
                .collect(),
            Some(serde_json::Value::String(s)) => {
                s.split_inclusive('\n').map(str::to_string).collect()
            }
            _ => continue,
        };
        for raw in lines {
            any = true;
            let code = raw.trim_end_matches(['\n', '\r']).to_string();
            let code = if code.trim_start().starts_with(['%', '!']) {
                String::new()
            } else {
                code
            };
            sequential.push(code.clone());
            if !mapped {
                continue;
            }
            let encoded = serde_json::to_string(&raw).unwrap_or_default();
            let hit = (cursor..file_lines.len()).find(|&i| {
                let l = file_lines[i].trim();
                l.strip_suffix(',').unwrap_or(l) == encoded
            });
            match hit {
                Some(i) => {
                    placed[i] = Some(code);
                    cursor = i + 1;
                }
                None => mapped = false,
            }
        }
    }
    if !any {
        return None;
    }
    let out: Vec<String> = if mapped {
        placed.into_iter().map(Option::unwrap_or_default).collect()
    } else {
        sequential
    };
    Some(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_script_keeps_lines_and_language() {
        let src = "<template>\n  <p>{{ a }}</p>\n</template>\n<script setup lang=\"ts\">\nconst a: number = 1\n</script>\n<style>p{}</style>\n";
        let (code, lang, tsx) = component_code("vue", src).unwrap();
        assert_eq!(lang, Lang::TypeScript);
        assert!(!tsx);
        assert_eq!(code.lines().count(), src.lines().count());
        assert_eq!(code.lines().nth(4).unwrap(), "const a: number = 1");
        assert!(!code.contains("template") && !code.contains("style"));
    }

    #[test]
    fn astro_frontmatter_and_external_scripts() {
        let src = "---\nimport x from 'y'\n---\n<script src=\"/a.js\"></script>\n<script>\nlet b = 2\n</script>\n";
        let (code, lang, _) = component_code("astro", src).unwrap();
        assert_eq!(lang, Lang::TypeScript);
        assert_eq!(code.lines().nth(1).unwrap(), "import x from 'y'");
        assert_eq!(code.lines().nth(5).unwrap(), "let b = 2");
        assert!(!code.contains("a.js"));
    }

    #[test]
    fn no_script_and_unterminated_script() {
        assert!(component_code("vue", "<template><p/></template>").is_none());
        let (code, _, _) = component_code("svelte", "<script>\nlet a = 1\n").unwrap();
        assert!(code.contains("let a = 1"));
        // Never panics on odd input.
        for s in [
            "<script",
            "<script>",
            "<SCRIPT LANG='ts'>x</SCRIPT>",
            "<script>é</script>",
            "---\n---",
            "---",
        ] {
            let _ = component_code("astro", s);
        }
    }

    #[test]
    fn notebook_cells_land_on_their_file_lines() {
        let nb = "{\n \"cells\": [\n  {\n   \"cell_type\": \"markdown\",\n   \"source\": [\"# t\\n\"]\n  },\n  {\n   \"cell_type\": \"code\",\n   \"source\": [\n    \"%pip install x\\n\",\n    \"import os\\n\",\n    \"print(os.sep)\"\n   ]\n  }\n ]\n}\n";
        let code = notebook_code(nb).unwrap();
        let lines: Vec<&str> = code.lines().collect();
        assert_eq!(lines[10], "import os");
        assert_eq!(lines[11], "print(os.sep)");
        assert_eq!(lines[9], "");
        assert!(!code.contains("# t"));
    }

    #[test]
    fn one_line_notebook_falls_back_to_cell_order() {
        let nb = r#"{"cells":[{"cell_type":"code","source":"a = 1\nb = 2"},{"cell_type":"code","source":["c = 3"]}]}"#;
        assert_eq!(notebook_code(nb).unwrap(), "a = 1\nb = 2\nc = 3\n");
        assert!(notebook_code("{\"cells\": []}").is_none());
        assert!(notebook_code("not json").is_none());
    }
}
