//! Import aliases of JavaScript/TypeScript projects: `compilerOptions.paths` of
//! `tsconfig.json` / `jsconfig.json` (`"@/*": ["./*"]`), and SvelteKit's built-in `$lib`.
//! Next.js, Vue and SvelteKit apps import their Mistral wrapper as `@/lib/ai/mistral` or
//! `$lib/server/mistral`; without the alias the wrapper's provider or client is not seen
//! and the app is told "no Mistral API usage found".
//!
//! Aliased specifiers are rewritten into relative ones (`../../lib/ai/mistral`) before
//! the analyser resolves modules, so everything downstream stays unchanged.

/// One alias: the specifier prefix (before `*`, or the whole key without one) and its
/// targets as repository-relative prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub prefix: String,
    /// `"@/*"`: a prefix; `"config"`: the whole specifier.
    pub wildcard: bool,
    pub targets: Vec<String>,
}

/// True when `path` names a TypeScript/JavaScript project configuration.
pub fn is_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "jsconfig.json"
        || (name.starts_with("tsconfig")
            && name.ends_with(".json")
            && !path.contains("node_modules/"))
}

/// The aliases a tsconfig/jsconfig declares (JSON with comments and trailing commas).
pub fn parse_config(path: &str, text: &str) -> Vec<Alias> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&strip_jsonc(text)) else {
        return Vec::new();
    };
    let Some(opts) = v.get("compilerOptions") else {
        return Vec::new();
    };
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let base = opts.get("baseUrl").and_then(|b| b.as_str()).unwrap_or(".");
    let Some(paths) = opts.get("paths").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, targets) in paths.iter().take(256) {
        let wildcard = key.ends_with('*');
        let prefix = key.trim_end_matches('*').to_string();
        let targets: Vec<String> = targets
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str())
                    .take(8)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .into_iter()
            .map(|t| join(&[dir, base, t.trim_end_matches('*')]))
            .collect();
        if !prefix.is_empty() && !targets.is_empty() {
            out.push(Alias {
                prefix,
                wildcard,
                targets,
            });
        }
    }
    out
}

/// Aliases every project of that kind has without declaring them: SvelteKit's `$lib`.
pub fn builtin() -> Vec<Alias> {
    vec![Alias {
        prefix: "$lib/".into(),
        wildcard: true,
        targets: vec!["src/lib/".into()],
    }]
}

/// The relative specifier an aliased `module` imported from `from` stands for, choosing
/// the first target under which `exists` finds a file (else the first target).
pub fn expand(
    aliases: &[Alias],
    from: &str,
    module: &str,
    exists: impl Fn(&str) -> bool,
) -> Option<String> {
    if module.starts_with('.') || module.starts_with('/') {
        return None;
    }
    // The longest matching prefix wins, as in TypeScript.
    let alias = aliases
        .iter()
        .filter(|a| {
            if a.wildcard {
                module.starts_with(&a.prefix)
            } else {
                module == a.prefix
            }
        })
        .max_by_key(|a| a.prefix.len())?;
    let rest = if alias.wildcard {
        &module[alias.prefix.len()..]
    } else {
        ""
    };
    let candidates: Vec<String> = alias.targets.iter().map(|t| join(&[t, rest])).collect();
    let target = candidates
        .iter()
        .find(|c| exists(c))
        .or(candidates.first())?
        .clone();
    let depth = from.matches('/').count();
    Some(format!("./{}{}", "../".repeat(depth), target))
}

/// Joins path parts, resolving `.` and `..` (never above the repository root).
fn join(parts: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in parts.iter().flat_map(|p| p.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

/// JSON with comments (`//`, `/* */`) and trailing commas, as tsconfig files are, into
/// plain JSON.
fn strip_jsonc(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            out.push(c);
            if c == b'\\' && i + 1 < b.len() {
                out.push(b[i + 1]);
                i += 2;
                continue;
            }
            in_str = c != b'"';
            i += 1;
            continue;
        }
        match (c, b.get(i + 1)) {
            (b'"', _) => {
                in_str = true;
                out.push(c);
                i += 1;
            }
            (b'/', Some(b'/')) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            (b',', _) => {
                let next = b[i + 1..].iter().find(|x| !x.is_ascii_whitespace());
                if !matches!(next, Some(b'}') | Some(b']')) {
                    out.push(c);
                }
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_comments_and_trailing_commas() {
        let cfg = "{\n  // Next.js\n  \"compilerOptions\": {\n    /* base */ \"baseUrl\": \".\",\n    \"paths\": { \"@/*\": [\"./src/*\",], \"cfg\": [\"./config/index.ts\"] },\n  },\n}\n";
        let a = parse_config("web/tsconfig.json", cfg);
        assert_eq!(a.len(), 2, "{a:?}");
        let e = expand(&a, "web/app/api/chat/route.ts", "@/lib/ai/mistral", |_| {
            true
        })
        .unwrap();
        assert_eq!(e, "./../../../../web/src/lib/ai/mistral");
        assert_eq!(
            expand(&a, "web/x.ts", "cfg", |_| true).unwrap(),
            "./../web/config/index.ts"
        );
        assert!(expand(&a, "web/x.ts", "./local", |_| true).is_none());
        assert!(expand(&a, "web/x.ts", "@mistralai/mistralai", |_| true).is_none());
    }

    #[test]
    fn odd_configs_give_no_alias_and_never_panic() {
        for t in [
            "",
            "{",
            "[]",
            "{\"compilerOptions\": 3}",
            "{\"compilerOptions\": {\"paths\": {\"*\": 1}}}",
            "/* unterminated",
            "\"a\\",
        ] {
            let _ = parse_config("tsconfig.json", t);
        }
        assert!(is_config("tsconfig.app.json") && is_config("a/jsconfig.json"));
        assert!(!is_config("node_modules/x/tsconfig.json") && !is_config("package.json"));
    }

    #[test]
    fn sveltekit_lib_alias_is_builtin() {
        let e = expand(
            &builtin(),
            "src/routes/+page.svelte",
            "$lib/server/mistral",
            |_| true,
        )
        .unwrap();
        assert_eq!(e, "./../../src/lib/server/mistral");
    }
}
