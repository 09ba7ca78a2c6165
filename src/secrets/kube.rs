//! Kubernetes `Secret` objects keep `data:` values base64-encoded: a key committed there
//! is invisible to a text scan. This finds each `data:` entry of a `kind: Secret`
//! document (multi-document files too) and decodes it, so that the scan judges the
//! decoded value at the entry's line. `stringData:` is plain text and needs nothing.

/// One decoded `data:` entry.
pub struct DataEntry {
    /// 1-based line of the entry.
    pub line: usize,
    pub name: String,
    pub value: String,
    /// The Secret's document mentions Mistral (its name, a label, another entry's name).
    pub mentions_mistral: bool,
}

/// Decoded values are keys, not files: longer ones are not scanned.
const MAX_DECODED: usize = 4096;

pub fn secret_data(text: &str) -> Vec<DataEntry> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    while start < lines.len() {
        let end = (start..lines.len())
            .find(|&i| i > start && lines[i].trim_end() == "---")
            .unwrap_or(lines.len());
        document(&lines[start..end], start, &mut out);
        start = end;
    }
    out
}

fn document(lines: &[&str], first: usize, out: &mut Vec<DataEntry>) {
    let is_secret = lines.iter().any(|l| {
        let t = l.trim_end();
        t == "kind: Secret" || t == "kind: \"Secret\"" || t == "kind: 'Secret'"
    });
    if !is_secret {
        return;
    }
    let mentions_mistral = lines
        .iter()
        .any(|l| l.to_ascii_lowercase().contains("mistral"));
    let mut in_data = false;
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if indent == 0 {
            in_data = t == "data:";
            continue;
        }
        if !in_data {
            continue;
        }
        let Some((name, value)) = t.split_once(':') else {
            continue;
        };
        let value = value.trim().trim_matches(['"', '\'']);
        if value.is_empty() || value.len() > MAX_DECODED * 2 {
            continue;
        }
        if let Some(decoded) = decode_base64(value)
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|s| !s.chars().any(|c| c.is_control() && c != '\n'))
        {
            out.push(DataEntry {
                line: first + i + 1,
                name: name.trim().trim_matches(['"', '\'']).to_string(),
                value: decoded.trim_end_matches('\n').to_string(),
                mentions_mistral,
            });
        }
    }
}

/// Standard or URL-safe base64, padding optional; `None` on anything else.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (s.len() % 4 != 1).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base64() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert!(decode_base64("a$b").is_none());
        assert!(decode_base64("a").is_none());
    }

    #[test]
    fn entries_of_secret_documents_only() {
        let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  A: aGVsbG8=\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: mistral\ndata:\n  api-key: aGVsbG8=\n  bad: \"%%%\"\nstringData:\n  x: y\n";
        let found = secret_data(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 11);
        assert_eq!(found[0].name, "api-key");
        assert_eq!(found[0].value, "hello");
        assert!(found[0].mentions_mistral);
    }
}
