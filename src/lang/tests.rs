//! Unit tests of the front-ends on small snippets.

use super::*;

pub(crate) fn facts_of(files: &[(&str, &str)]) -> CodeFacts {
    let codes = files.iter().filter_map(|(p, t)| analyze_file(&SourceFile { path: p, text: t })).collect();
    CodeFacts::assemble(codes)
}

#[test]
fn debug_dump() {
    let Ok(dir) = std::env::var("DUMP_DIR") else { return };
    let mut files = Vec::new();
    for e in walkdir::WalkDir::new(&dir).into_iter().flatten().filter(|e| e.file_type().is_file()) {
        let rel = e.path().strip_prefix(&dir).unwrap().to_string_lossy().to_string();
        files.push((rel, std::fs::read_to_string(e.path()).unwrap_or_default()));
    }
    for (p, t) in &files {
        if let Some(FileCode::Parsed(ir)) = analyze_file(&SourceFile { path: p, text: t }) {
            eprintln!("== {p}\nimports {:?}\nbindings {:#?}", ir.imports, ir.bindings.iter().map(|b| (&b.name, &b.value, b.func)).collect::<Vec<_>>());
            for (i, c) in ir.calls.iter().enumerate() {
                eprintln!("call {i} line {} func {:?} tries {:?} callee {:?} args {:?}", c.line, c.func, c.tries, c.callee, c.args);
            }
        }
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    eprintln!("{:#?}", facts_of(&refs).calls);
}
