//! The analyser: lowered files of the whole repository in, Mistral facts out.
//!
//! This is where values are followed the way a reviewer would: through variables, spreads
//! of defaults, constants imported from other files of the repository, wrapper functions
//! forwarding `**kwargs`/params (by looking at their callers), `this.client`/`self.client`
//! fields and clients passed as parameters. Where a value cannot be seen, the fact says
//! so (`Setting::NotVisible`); it is never guessed.
//!
//! `resolve.rs` follows names and values, `sites.rs` finds clients and call sites,
//! `context.rs` reads what surrounds a call (handling, retries, breaker), `signals.rs`
//! finds log leaks, health routes and breakers.

use std::collections::HashMap;

mod context;
mod resolve;
mod signals;
mod sites;

pub(crate) use resolve::module_paths;

use super::model::Sdk;
use crate::lang::ir::{Arg, Expr, FileIr};

const MAX_DEPTH: usize = 10;

/// A resolved expression.
#[derive(Debug, Clone)]
enum R {
    E(usize, Option<usize>, Expr),
    /// Something from an external package: module and member path.
    Ext(String, Vec<String>),
    /// A parameter: file, function, parameter index.
    Param(usize, usize, usize),
    Func(usize, usize),
    Module(usize),
    Unknown(String),
}

/// A Mistral client (or HTTP client pointed at api.mistral.ai) and where it was made.
#[derive(Debug, Clone)]
struct Client {
    sdk: Sdk,
    /// What the constructor made: a client, or a LangChain/LlamaIndex chat or embeddings model.
    makes: crate::lang::sdks::Makes,
    file: usize,
    scope: Option<usize>,
    /// Constructor options as one object expression.
    opts: Expr,
    line: u32,
    /// The construction call, when seen.
    call: Option<usize>,
    base_url: Option<String>,
    /// The repository subclass of the SDK's class that was constructed (file, class).
    class: Option<(usize, usize)>,
}

/// What an untyped parameter's client is in one file: the SDK and kind of the one
/// Mistral client class the file imports, and the one such client it makes, if exactly one.
#[derive(Debug, Clone)]
struct ParamSdk {
    sdk: Sdk,
    makes: crate::lang::sdks::Makes,
    made: Option<Client>,
}

/// A base class's method read as one of its subclasses runs it: `self.x` / `this.x`
/// in the base looks at the subclass's fields first (`base_url` set by the subclass).
#[derive(Debug, Clone)]
struct View {
    base: String,
    file: usize,
    class: String,
}

enum Lk {
    Found(usize, Option<usize>, Expr, String),
    Missing,
    Unknown(String),
}

/// Lookups by name in one file, so that following a name costs a hash lookup, not a scan.
#[derive(Default)]
struct FileIndex<'a> {
    /// (scope, name) → last binding.
    bindings: HashMap<(Option<usize>, &'a str), usize>,
    /// (class, `this.x`/`self.x`) → last binding.
    fields: HashMap<(Option<&'a str>, &'a str), usize>,
    /// (parent, name) → first named function declared there (not a callback).
    funcs: HashMap<(Option<usize>, &'a str), usize>,
    /// (class, name) → method.
    methods: HashMap<(&'a str, &'a str), usize>,
    /// local name → last import.
    imports: HashMap<&'a str, usize>,
}

/// How telling a field assignment is: a call naming Mistral, any value, `None`/`null`.
fn field_rank(f: &FileIr, value: &Expr) -> u8 {
    match value {
        Expr::Null => 0,
        Expr::Call(c) if f.calls.get(*c).is_some_and(|k| k.text.contains("istral")) => 2,
        _ => 1,
    }
}

impl<'a> FileIndex<'a> {
    fn new(f: &'a FileIr) -> FileIndex<'a> {
        let mut ix = FileIndex::default();
        for (i, b) in f.bindings.iter().enumerate() {
            ix.bindings.insert((b.func, b.name.as_str()), i);
            if b.name.starts_with("this.") || b.name.starts_with("self.") {
                // A field set in several places (`self.client = None` then a client, or a
                // provider chosen in an if/else) is read as the assignment that makes a
                // Mistral object when there is one, else the last non-null one.
                let key = (b.class.as_deref(), b.name.as_str());
                let keep_old = ix.fields.get(&key).is_some_and(|&old| {
                    field_rank(f, &f.bindings[old].value) > field_rank(f, &b.value)
                });
                if !keep_old {
                    ix.fields.insert(key, i);
                }
            }
        }
        for (i, x) in f.funcs.iter().enumerate() {
            let Some(name) = x.name.as_deref() else {
                continue;
            };
            if let Some(class) = x.class.as_deref() {
                ix.methods.entry((class, name)).or_insert(i);
            }
            if x.passed_to.is_none() && (x.parent.is_some() || x.class.is_none()) {
                ix.funcs.entry((x.parent, name)).or_insert(i);
            }
        }
        for (i, imp) in f.imports.iter().enumerate() {
            ix.imports.insert(imp.local.as_str(), i);
        }
        ix
    }
}

pub struct Repo<'a> {
    files: &'a [FileIr],
    index: Vec<FileIndex<'a>>,
    by_path: HashMap<&'a str, usize>,
    callers: HashMap<&'a str, Vec<(usize, usize)>>,
    /// Function references passed as arguments: (file, func) → calls.
    passed: HashMap<(usize, usize), Vec<(usize, usize)>>,
    /// Major version of the `ai` package, when a package.json says.
    ai_major: Option<u32>,
    /// The caller that decided the last lookup through a wrapper, for messages.
    via: std::cell::RefCell<Option<String>>,
    /// File name → files, for Python absolute imports that may sit under any source root.
    by_name: HashMap<&'a str, Vec<usize>>,
    /// Resolved module specifiers, per importing file.
    modules: std::cell::RefCell<HashMap<(usize, String), Option<usize>>>,
    /// Base class name → its subclasses (file, class index), by name across the repository.
    subclasses: HashMap<&'a str, Vec<(usize, usize)>>,
    /// Class name → the classes of that name (file, class index), across the repository.
    classes: HashMap<&'a str, Vec<(usize, usize)>>,
    /// Per file: it is test code (`is_test_path`), decided once.
    test_file: Vec<bool>,
    /// Per file: the one Mistral SDK whose client class it imports, and the one client of
    /// that SDK it makes (for untyped client parameters; computed once per file).
    param_sdk: std::cell::RefCell<HashMap<usize, Option<ParamSdk>>>,
    /// The subclass a base class's call is being read for (see [`View`]).
    view: std::cell::RefCell<Option<View>>,
}

impl<'a> Repo<'a> {
    pub fn new(files: &'a [FileIr], ai_major: Option<u32>) -> Repo<'a> {
        let by_path = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.as_str(), i))
            .collect();
        let mut callers: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (fi, f) in files.iter().enumerate() {
            for (ci, c) in f.calls.iter().enumerate() {
                let name = match &c.callee {
                    Expr::Name(n) | Expr::Member(_, n) => n.as_str(),
                    _ => continue,
                };
                callers.entry(name).or_default().push((fi, ci));
            }
        }
        let index = files.iter().map(FileIndex::new).collect();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            by_name
                .entry(f.path.rsplit('/').next().unwrap_or(&f.path))
                .or_default()
                .push(i);
        }
        let mut subclasses: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        let mut classes: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (fi, f) in files.iter().enumerate() {
            for (ci, c) in f.classes.iter().enumerate() {
                classes.entry(c.name.as_str()).or_default().push((fi, ci));
                for b in &c.bases {
                    subclasses.entry(b.as_str()).or_default().push((fi, ci));
                }
            }
        }
        let mut repo = Repo {
            files,
            index,
            by_path,
            callers,
            passed: HashMap::new(),
            ai_major,
            via: std::cell::RefCell::new(None),
            by_name,
            modules: std::cell::RefCell::new(HashMap::new()),
            subclasses,
            classes,
            test_file: files
                .iter()
                .map(|f| crate::lang::is_test_path(&f.path))
                .collect(),
            param_sdk: std::cell::RefCell::new(HashMap::new()),
            view: std::cell::RefCell::new(None),
        };
        let mut passed: HashMap<(usize, usize), Vec<(usize, usize)>> = HashMap::new();
        for (fi, f) in files.iter().enumerate() {
            for (ci, c) in f.calls.iter().enumerate() {
                for a in &c.args {
                    if let Arg::Pos(e @ (Expr::Name(_) | Expr::Member(..))) = a {
                        if let R::Func(fj, fu) = repo.deref(fi, c.func, e, 0) {
                            passed.entry((fj, fu)).or_default().push((fi, ci));
                        }
                    }
                }
            }
        }
        repo.passed = passed;
        repo
    }
}
