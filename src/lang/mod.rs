//! Source-code front-ends: TypeScript/JavaScript and Python into language-neutral facts.
//!
//! This first version only recognises that a file uses Mistral (an import of one of the
//! SDKs, or the API host), which decides the "no Mistral API usage found" rule. The
//! parser-based front-ends that find call sites and their arguments replace it.

use crate::report::Evidence;
use crate::walk::SourceFile;

/// Markers of Mistral usage in source code, with what each means.
const USAGE_MARKERS: &[(&str, &str)] = &[
    ("@mistralai/mistralai", "imports @mistralai/mistralai"),
    ("from mistralai", "imports mistralai"),
    ("import mistralai", "imports mistralai"),
    ("langchain_mistralai", "imports langchain_mistralai"),
    ("@langchain/mistralai", "imports @langchain/mistralai"),
    ("@ai-sdk/mistral", "imports @ai-sdk/mistral"),
    ("llama_index.llms.mistralai", "imports llama_index.llms.mistralai"),
    ("api.mistral.ai", "calls api.mistral.ai"),
];

const SOURCE_EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "py"];

/// What one source file tells about Mistral usage.
#[derive(Debug, Clone)]
pub struct FileCode {
    pub usage: Vec<Evidence>,
}

pub fn analyze_file(file: &SourceFile) -> Option<FileCode> {
    let ext = file.path.rsplit_once('.').map(|(_, e)| e)?;
    if !SOURCE_EXTENSIONS.contains(&ext) {
        return None;
    }
    let mut usage = Vec::new();
    for (i, line) in file.text.lines().enumerate() {
        if let Some((_, what)) = USAGE_MARKERS.iter().find(|(m, _)| line.contains(m)) {
            usage.push(Evidence::new(file.path, i as u32 + 1, *what));
            break;
        }
    }
    (!usage.is_empty()).then_some(FileCode { usage })
}

/// Code facts of the whole repository.
#[derive(Debug, Clone, Default)]
pub struct CodeFacts {
    pub usage: Vec<Evidence>,
}

impl CodeFacts {
    pub fn assemble(files: Vec<FileCode>) -> CodeFacts {
        CodeFacts { usage: files.into_iter().flat_map(|f| f.usage).collect() }
    }

    /// Every model id the code passes to Mistral, with where (for key-model-access).
    /// This first version sees no call sites, so it knows of none.
    pub fn used_models(&self) -> Vec<(String, Evidence)> {
        Vec::new()
    }

    /// True when any file uses the Mistral API.
    pub fn uses_mistral(&self) -> bool {
        !self.usage.is_empty()
    }
}
