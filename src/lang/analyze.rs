//! The analyser: lowered files of the whole repository in, Mistral facts out.
//!
//! This is where values are followed the way a reviewer would: through variables, spreads
//! of defaults, constants imported from other files of the repository, wrapper functions
//! forwarding `**kwargs`/params (by looking at their callers), `this.client`/`self.client`
//! fields and clients passed as parameters. Where a value cannot be seen, the fact says
//! so ([`Setting::NotVisible`]); it is never guessed.

use std::collections::{HashMap, HashSet};

use super::ir::{Arg, Entry, Expr, FileIr, Lang, ParamKind, Statuses};
use super::model::{Breaker, CallKind, CallSite, Handling, Lit, LogLeak, Retry, Route, Sdk, Setting};

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
    /// LangChain/LlamaIndex class: chat model or embeddings.
    embeddings: bool,
    file: usize,
    scope: Option<usize>,
    /// Constructor options as one object expression.
    opts: Expr,
    line: u32,
    /// The construction call, when seen.
    call: Option<usize>,
    base_url: Option<String>,
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

impl<'a> FileIndex<'a> {
    fn new(f: &'a FileIr) -> FileIndex<'a> {
        let mut ix = FileIndex::default();
        for (i, b) in f.bindings.iter().enumerate() {
            ix.bindings.insert((b.func, b.name.as_str()), i);
            if b.name.starts_with("this.") || b.name.starts_with("self.") {
                ix.fields.insert((b.class.as_deref(), b.name.as_str()), i);
            }
        }
        for (i, x) in f.funcs.iter().enumerate() {
            let Some(name) = x.name.as_deref() else { continue };
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
}

impl<'a> Repo<'a> {
    pub fn new(files: &'a [FileIr], ai_major: Option<u32>) -> Repo<'a> {
        let by_path = files.iter().enumerate().map(|(i, f)| (f.path.as_str(), i)).collect();
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
            by_name.entry(f.path.rsplit('/').next().unwrap_or(&f.path)).or_default().push(i);
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

    // ---------------------------------------------------------------- resolution

    fn deref(&self, fi: usize, scope: Option<usize>, e: &Expr, depth: usize) -> R {
        if depth > MAX_DEPTH {
            return R::Unknown(show(&self.files[fi], e));
        }
        let file = &self.files[fi];
        match e {
            Expr::Func(f) => R::Func(fi, *f),
            Expr::Name(n) if n == "this" || n == "self" => R::E(fi, scope, e.clone()),
            Expr::Name(n) => {
                let ix = &self.index[fi];
                let mut s = scope;
                loop {
                    if let Some(&b) = ix.bindings.get(&(s, n.as_str())) {
                        return self.deref_value(fi, s, &file.bindings[b].value, depth + 1);
                    }
                    let Some(f) = s else { break };
                    if let Some(pi) = file.funcs[f].params.iter().position(|p| &p.name == n) {
                        return R::Param(fi, f, pi);
                    }
                    if let Some(&d) = ix.funcs.get(&(Some(f), n.as_str())) {
                        return R::Func(fi, d);
                    }
                    s = file.funcs[f].parent;
                }
                if let Some(&d) = ix.funcs.get(&(None, n.as_str())) {
                    return R::Func(fi, d);
                }
                if let Some(&i) = ix.imports.get(n.as_str()) {
                    let imp = &file.imports[i];
                    return self.resolve_import(fi, &imp.module, imp.name.as_deref(), depth + 1);
                }
                R::Unknown(n.clone())
            }
            Expr::Member(o, p) => {
                if let Expr::Name(root) = &**o {
                    if root == "this" || root == "self" {
                        let class = scope.and_then(|f| file.funcs[f].class.clone());
                        let field = format!("{root}.{p}");
                        let ix = &self.index[fi];
                        if let Some(&b) = ix.fields.get(&(class.as_deref(), field.as_str())) {
                            let b = &file.bindings[b];
                            return self.deref_value(fi, b.func, &b.value, depth + 1);
                        }
                        if let Some(&m) = class.as_deref().and_then(|c| ix.methods.get(&(c, p.as_str()))) {
                            return R::Func(fi, m);
                        }
                        return R::E(fi, scope, e.clone());
                    }
                }
                match self.deref(fi, scope, o, depth + 1) {
                    R::Ext(m, mut path) => {
                        path.push(p.clone());
                        R::Ext(m, path)
                    }
                    R::Module(fj) => self.module_member(fj, p, depth + 1),
                    R::E(fj, sj, Expr::Obj(entries)) => {
                        for en in entries.iter().rev() {
                            if let Entry::Pair(k, v) = en {
                                if k == p {
                                    return self.deref_value(fj, sj, v, depth + 1);
                                }
                            }
                        }
                        R::E(fi, scope, e.clone())
                    }
                    _ => R::E(fi, scope, e.clone()),
                }
            }
            _ => R::E(fi, scope, e.clone()),
        }
    }

    fn deref_value(&self, fi: usize, scope: Option<usize>, v: &Expr, depth: usize) -> R {
        match v {
            Expr::Func(f) => R::Func(fi, *f),
            Expr::Name(_) | Expr::Member(..) => self.deref(fi, scope, v, depth),
            other => R::E(fi, scope, other.clone()),
        }
    }

    fn module_member(&self, fj: usize, name: &str, depth: usize) -> R {
        let f = &self.files[fj];
        let ix = &self.index[fj];
        if let Some(&b) = ix.bindings.get(&(None, name)) {
            return self.deref_value(fj, None, &f.bindings[b].value, depth);
        }
        if let Some(&d) = ix.funcs.get(&(None, name)) {
            return R::Func(fj, d);
        }
        if let Some(&i) = ix.imports.get(name) {
            let imp = &f.imports[i];
            return self.resolve_import(fj, &imp.module, imp.name.as_deref(), depth + 1);
        }
        R::Unknown(name.to_string())
    }

    fn resolve_import(&self, fi: usize, module: &str, name: Option<&str>, depth: usize) -> R {
        if depth > MAX_DEPTH {
            return R::Unknown(module.to_string());
        }
        match self.local_module(fi, module) {
            Some(fj) => match name {
                None => R::Module(fj),
                Some(n) => self.module_member(fj, n, depth),
            },
            None => R::Ext(module.to_string(), name.map(|n| vec![n.to_string()]).unwrap_or_default()),
        }
    }

    /// The repository file a module specifier points at, if any.
    pub fn local_module(&self, fi: usize, module: &str) -> Option<usize> {
        let key = (fi, module.to_string());
        if let Some(hit) = self.modules.borrow().get(&key) {
            return *hit;
        }
        let file = &self.files[fi];
        let wanted = module_paths(file.lang, &file.path, module, None);
        let found = wanted.first_in(&self.by_path, &self.by_name, |i| self.files[i].path.as_str());
        self.modules.borrow_mut().insert(key, found);
        found
    }

    /// Calls of a named function (through its name or as a method of the same name).
    fn callers_of(&self, fi: usize, f: usize) -> Vec<(usize, usize)> {
        let func = &self.files[fi].funcs[f];
        let mut out = Vec::new();
        if let Some(name) = func.name.as_deref() {
            for &(ck, cc) in self.callers.get(name).map(|v| v.as_slice()).unwrap_or(&[]) {
                if out.len() >= 16 {
                    break;
                }
                let call = &self.files[ck].calls[cc];
                let ok = match &call.callee {
                    Expr::Name(_) => matches!(self.deref(ck, call.func, &call.callee, 0), R::Func(a, b) if a == fi && b == f),
                    Expr::Member(..) => func.class.is_some() || matches!(self.deref(ck, call.func, &call.callee, 0), R::Func(a, b) if a == fi && b == f),
                    _ => false,
                };
                if ok && !(ck == fi && self.inside(fi, call.func, f)) {
                    out.push((ck, cc));
                }
            }
        }
        if let Some(p) = self.passed.get(&(fi, f)) {
            out.extend(p.iter().copied());
        }
        out.truncate(16);
        out
    }

    /// True when `scope` is `f` or nested in it.
    fn inside(&self, fi: usize, scope: Option<usize>, f: usize) -> bool {
        let mut s = scope;
        let mut hops = 0;
        while let Some(x) = s {
            if x == f {
                return true;
            }
            s = self.files[fi].funcs[x].parent;
            hops += 1;
            if hops > 64 {
                break;
            }
        }
        false
    }

    /// The argument a caller passes for parameter `pi` of `f`.
    fn arg_for(&self, fi: usize, f: usize, pi: usize, call: &super::ir::Call) -> Option<Expr> {
        let func = &self.files[fi].funcs[f];
        let param = &func.params[pi];
        let skip_self = func.class.is_some() && func.params.first().is_some_and(|p| p.name == "self" || p.name == "cls");
        let pos_index = if skip_self { pi.checked_sub(1)? } else { pi };
        match param.kind {
            ParamKind::KwRest => {
                let named: HashSet<&str> = func.params.iter().map(|p| p.name.as_str()).collect();
                let mut entries = Vec::new();
                for a in &call.args {
                    match a {
                        Arg::Kw(k, v) if !named.contains(k.as_str()) => entries.push(Entry::Pair(k.clone(), v.clone())),
                        Arg::KwSpread(e) => entries.push(Entry::Spread(e.clone())),
                        _ => {}
                    }
                }
                Some(Expr::Obj(entries))
            }
            ParamKind::Rest => None,
            ParamKind::Normal => {
                if let Some(v) = call.args.iter().find_map(|a| match a {
                    Arg::Kw(k, v) if *k == param.name => Some(v.clone()),
                    _ => None,
                }) {
                    return Some(v);
                }
                let mut i = 0;
                for a in &call.args {
                    match a {
                        Arg::Pos(e) => {
                            if i == pos_index {
                                return Some(e.clone());
                            }
                            i += 1;
                        }
                        Arg::Spread(_) => return None,
                        _ => {}
                    }
                }
                Some(Expr::Null)
            }
        }
    }

    /// Looks up the first of `keys` in an options object, following spreads and callers.
    fn lookup(&self, fi: usize, scope: Option<usize>, obj: &Expr, keys: &[&str], depth: usize) -> Lk {
        if depth > MAX_DEPTH {
            return Lk::Unknown("options nested too deep to follow".into());
        }
        match self.deref(fi, scope, obj, depth + 1) {
            R::E(fj, sj, Expr::Obj(entries)) => {
                for en in entries.iter().rev() {
                    match en {
                        Entry::Pair(k, v) if keys.contains(&k.as_str()) => return Lk::Found(fj, sj, v.clone(), k.clone()),
                        Entry::Spread(s) => match self.lookup(fj, sj, s, keys, depth + 1) {
                            Lk::Missing => {}
                            other => return other,
                        },
                        _ => {}
                    }
                }
                Lk::Missing
            }
            R::E(_, _, Expr::Null) => Lk::Missing,
            R::Param(fj, f, pi) => {
                let callers = self.callers_of(fj, f);
                let fname = self.files[fj].funcs[f].name.clone().unwrap_or_else(|| "an anonymous function".into());
                let pname = self.files[fj].funcs[f].params[pi].name.clone();
                if callers.is_empty() {
                    return Lk::Unknown(format!("parameter `{pname}` of {fname}() has no caller in the repository"));
                }
                // Every caller must set it: the worst caller decides (missing, then
                // `None`/`undefined`, then not visible), and is named in the message.
                let mut found = None;
                let mut unknown = None;
                for (ck, cc) in callers {
                    let call = &self.files[ck].calls[cc];
                    let Some(arg) = self.arg_for(fj, f, pi, call) else {
                        return Lk::Unknown(format!("`{pname}` of {fname}() is forwarded through a rest parameter"));
                    };
                    let at = format!("{}() called at {}:{}", fname, self.files[ck].path, call.line);
                    match self.lookup(ck, call.func, &arg, keys, depth + 1) {
                        Lk::Missing => {
                            self.via.borrow_mut().get_or_insert(at);
                            return Lk::Missing;
                        }
                        Lk::Found(a, b, v, k) => {
                            if matches!(self.deref(a, b, &v, 0), R::E(_, _, Expr::Null)) {
                                self.via.borrow_mut().get_or_insert(at);
                                return Lk::Found(a, b, v, k);
                            }
                            found = found.or(Some(Lk::Found(a, b, v, k)));
                        }
                        Lk::Unknown(w) => unknown = unknown.or(Some(Lk::Unknown(w))),
                    }
                }
                unknown.or(found).unwrap_or(Lk::Missing)
            }
            R::E(fj, _, e) => Lk::Unknown(format!("`{}`", show(&self.files[fj], &e))),
            R::Ext(m, p) => Lk::Unknown(format!("`{}` from {m}", p.join("."))),
            R::Unknown(n) => Lk::Unknown(format!("`{n}`")),
            R::Func(..) | R::Module(_) => Lk::Missing,
        }
    }

    /// The literal value of an expression, following names, imports and callers.
    fn value(&self, fi: usize, scope: Option<usize>, e: &Expr, depth: usize) -> Result<Option<Lit>, String> {
        if depth > MAX_DEPTH {
            return Err("value nested too deep to follow".into());
        }
        match self.deref(fi, scope, e, depth + 1) {
            R::E(_, _, Expr::Str(s)) => Ok(Some(Lit::Str(s))),
            R::E(_, _, Expr::Num(n)) => Ok(Some(Lit::Num(n))),
            R::E(_, _, Expr::Bool(b)) => Ok(Some(Lit::Bool(b))),
            R::E(_, _, Expr::Null) => Ok(None),
            R::E(fj, sj, Expr::Template(parts)) => {
                let mut out = String::new();
                for p in &parts {
                    match self.value(fj, sj, p, depth + 1)? {
                        Some(Lit::Str(s)) => out.push_str(&s),
                        Some(l) => out.push_str(&l.show()),
                        None => return Err("part of the string is empty".into()),
                    }
                }
                Ok(Some(Lit::Str(out)))
            }
            R::Param(fj, f, pi) => {
                let callers = self.callers_of(fj, f);
                let pname = &self.files[fj].funcs[f].params[pi].name;
                let fname = self.files[fj].funcs[f].name.clone().unwrap_or_else(|| "an anonymous function".into());
                let Some(&(ck, cc)) = callers.first() else {
                    return Err(format!("parameter `{pname}` of {fname}() has no caller in the repository"));
                };
                let call = &self.files[ck].calls[cc];
                match self.arg_for(fj, f, pi, call) {
                    Some(arg) => self.value(ck, call.func, &arg, depth + 1),
                    None => Err(format!("`{pname}` of {fname}() is forwarded through a rest parameter")),
                }
            }
            R::E(fj, _, e) => Err(format!("`{}`", show(&self.files[fj], &e))),
            R::Ext(m, p) => Err(format!("`{}` from {m}", p.join("."))),
            R::Unknown(n) => Err(format!("`{n}`")),
            R::Func(..) | R::Module(_) => Err("a function".into()),
        }
    }

    /// A string with unknown parts shown as `{…}` (for URLs).
    fn loose_string(&self, fi: usize, scope: Option<usize>, e: &Expr, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.deref(fi, scope, e, depth + 1) {
            R::E(_, _, Expr::Str(s)) => Some(s),
            R::E(fj, sj, Expr::Template(parts)) => {
                Some(parts.iter().map(|p| self.loose_string(fj, sj, p, depth + 1).unwrap_or_else(|| "{…}".into())).collect())
            }
            R::Param(fj, f, pi) => {
                let (ck, cc) = *self.callers_of(fj, f).first()?;
                let call = &self.files[ck].calls[cc];
                let arg = self.arg_for(fj, f, pi, call)?;
                self.loose_string(ck, call.func, &arg, depth + 1)
            }
            // `process.env.URL ?? "https://api.mistral.ai"`: the default a reviewer reads.
            R::E(fj, sj, Expr::Other(_, parts)) => parts.iter().rev().find_map(|p| self.loose_string(fj, sj, p, depth + 1)),
            // `os.environ.get("URL", "https://api.mistral.ai")`, `os.getenv(..., default)`
            R::E(fj, _, Expr::Call(c)) => {
                let call = &self.files[fj].calls[c];
                let callee = show(&self.files[fj], &call.callee);
                if !(callee.ends_with("getenv") || callee.ends_with("environ.get") || callee.ends_with(".get")) {
                    return None;
                }
                match call.args.get(1) {
                    Some(Arg::Pos(d)) => self.loose_string(fj, call.func, d, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn setting(&self, fi: usize, scope: Option<usize>, params: &Expr, keys: &[&str], wrong: &[(&str, &str)], site: (&str, u32)) -> Setting {
        let s = self.setting_inner(fi, scope, params, keys, wrong, site);
        match (s, self.via.borrow_mut().take()) {
            (Setting::Missing, Some(via)) => Setting::NotSetVia { via },
            (Setting::Null { key }, Some(via)) => Setting::Null { key: format!("{key} (via {via})") },
            (s, _) => s,
        }
    }

    fn setting_inner(&self, fi: usize, scope: Option<usize>, params: &Expr, keys: &[&str], wrong: &[(&str, &str)], site: (&str, u32)) -> Setting {
        self.via.borrow_mut().take();
        match self.lookup(fi, scope, params, keys, 0) {
            Lk::Found(fj, sj, v, key) => match self.value(fj, sj, &v, 0) {
                Ok(Some(value)) => Setting::Set { value, key, path: site.0.to_string(), line: site.1 },
                Ok(None) => Setting::Null { key },
                Err(why) => Setting::NotVisible { why: format!("{key} is {why}") },
            },
            Lk::Unknown(why) => Setting::NotVisible { why: format!("options come from {why}") },
            Lk::Missing => {
                for (w, hint) in wrong {
                    if let Lk::Found(..) = self.lookup(fi, scope, params, &[w], 0) {
                        return Setting::WrongName { key: w.to_string(), hint: hint.to_string() };
                    }
                }
                Setting::Missing
            }
        }
    }

    // ---------------------------------------------------------------- clients

    fn client_of(&self, fi: usize, scope: Option<usize>, e: &Expr, depth: usize) -> Option<Client> {
        if depth > 4 {
            return None;
        }
        match self.deref(fi, scope, e, 0) {
            R::E(fj, _, Expr::Call(c)) => {
                let call = &self.files[fj].calls[c];
                match self.deref(fj, call.func, &call.callee, 0) {
                    R::Ext(m, path) => self.classify_client(fj, c, &m, &path),
                    // `Mistral(...).__enter__` style or a factory function returning a client
                    R::Func(fk, f) => {
                        let ret = self.files[fk].calls.iter().enumerate().find(|(_, k)| k.func == Some(f) && self.is_constructor(fk, k));
                        ret.and_then(|(ki, k)| match self.deref(fk, k.func, &k.callee, 0) {
                            R::Ext(m, path) => self.classify_client(fk, ki, &m, &path),
                            _ => None,
                        })
                    }
                    _ => None,
                }
            }
            R::Param(fj, f, pi) => {
                for (ck, cc) in self.callers_of(fj, f) {
                    let call = &self.files[ck].calls[cc];
                    if let Some(arg) = self.arg_for(fj, f, pi, call) {
                        if let Some(c) = self.client_of(ck, call.func, &arg, depth + 1) {
                            return Some(c);
                        }
                    }
                }
                let ty = self.files[fj].funcs[f].params[pi].ty.clone()?;
                match self.deref(fj, None, &ty, 0) {
                    R::Ext(m, path) => {
                        let (sdk, embeddings) = client_kind(&m, &path)?;
                        Some(Client { sdk, embeddings, file: fj, scope: Some(f), opts: Expr::Obj(Vec::new()), line: self.files[fj].funcs[f].line, call: None, base_url: None })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn is_constructor(&self, fi: usize, k: &super::ir::Call) -> bool {
        matches!(self.deref(fi, k.func, &k.callee, 0), R::Ext(m, p) if client_kind(&m, &p).is_some())
    }

    fn classify_client(&self, fi: usize, c: usize, module: &str, path: &[String]) -> Option<Client> {
        let call = &self.files[fi].calls[c];
        let py = self.files[fi].lang == Lang::Python;
        let (sdk, embeddings) = client_kind(module, path)?;
        let positional: &[&str] = match sdk {
            Sdk::MistralTsV0 => &["apiKey", "endpoint", "maxRetries", "timeout"],
            Sdk::MistralPyV0 => &["api_key", "endpoint", "max_retries", "timeout"],
            Sdk::MistralPy => &["api_key", "server"],
            _ => &[],
        };
        // `new ChatMistralAI("mistral-large-2512", {...})`: the model comes first.
        let model_first = sdk == Sdk::LangChainJs && matches!(call.args.first(), Some(Arg::Pos(Expr::Str(_))));
        let opts = if model_first {
            let mut entries = vec![Entry::Pair("model".into(), match &call.args[0] { Arg::Pos(e) => e.clone(), _ => Expr::Null })];
            if let Some(Arg::Pos(rest)) = call.args.get(1) {
                entries.push(Entry::Spread(rest.clone()));
            }
            Expr::Obj(entries)
        } else {
            params_obj(&call.args, positional, !py)
        };
        let mut client = Client { sdk, embeddings, file: fi, scope: call.func, opts, line: call.line, call: Some(c), base_url: None };
        let url_keys: &[&str] = &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"];
        if let Lk::Found(fj, sj, v, _) = self.lookup(fi, call.func, &client.opts, url_keys, 0) {
            client.base_url = self.loose_string(fj, sj, &v, 0);
        }
        let mistral_url = client.base_url.as_deref().is_some_and(|u| u.contains("api.mistral.ai"));
        match sdk {
            Sdk::OpenAiCompat | Sdk::Http if !mistral_url => {
                // An OpenAI or HTTP client is Mistral's only when pointed at api.mistral.ai;
                // a session without a base URL is checked per request.
                if sdk == Sdk::Http && client.base_url.is_none() {
                    return Some(client);
                }
                None
            }
            _ => Some(client),
        }
    }

    fn client_retry(&self, c: &Client, path: &str) -> Retry {
        let look = |keys: &[&str]| self.lookup(c.file, c.scope, &c.opts, keys, 0);
        let at = |how: String| (how, path.to_string(), c.line);
        match c.sdk {
            Sdk::MistralTs | Sdk::MistralPy => match look(&["retryConfig", "retry_config"]) {
                Lk::Found(fj, sj, v, key) => self.retry_config(fj, sj, &v, &key, path, c.line),
                Lk::Unknown(why) => Retry::Disabled { how: format!("retry config not visible statically ({why})"), path: path.into(), line: c.line },
                Lk::Missing => Retry::None,
            },
            Sdk::MistralTsV0 | Sdk::MistralPyV0 => match look(&["maxRetries", "max_retries"]) {
                Lk::Found(fj, sj, v, key) => match self.value(fj, sj, &v, 0) {
                    Ok(Some(Lit::Num(n))) if n <= 0.0 => {
                        let (how, p, l) = at(format!("{key}: {n} disables the v0 client's retries"));
                        Retry::Disabled { how, path: p, line: l }
                    }
                    _ => {
                        let (how, p, l) = at(format!("v0 client retries 429/5xx with backoff ({key} given)"));
                        Retry::Backoff { how, path: p, line: l }
                    }
                },
                _ => {
                    let (how, p, l) = at("v0 client retries 429/5xx with backoff by default (5 retries)".into());
                    Retry::Backoff { how, path: p, line: l }
                }
            },
            Sdk::LangChainPy => {
                let (how, p, l) = at("langchain_mistralai max_retries retries connection errors only (httpx.RequestError), not 429/5xx".into());
                Retry::ConnectionOnly { how, path: p, line: l }
            }
            Sdk::LangChainJs | Sdk::OpenAiCompat => match look(&["maxRetries", "max_retries"]) {
                Lk::Found(fj, sj, v, key) => match self.value(fj, sj, &v, 0) {
                    Ok(Some(Lit::Num(n))) if n <= 0.0 => {
                        let (how, p, l) = at(format!("{key}: {n} disables retries"));
                        Retry::Disabled { how, path: p, line: l }
                    }
                    _ => {
                        let (how, p, l) = at(format!("{key} set: {} retries 429/5xx with backoff", c.sdk.label()));
                        Retry::Backoff { how, path: p, line: l }
                    }
                },
                _ => {
                    let (how, p, l) = at(format!("{} retries 429/5xx with backoff by default", c.sdk.label()));
                    Retry::Backoff { how, path: p, line: l }
                }
            },
            Sdk::LlamaIndex => {
                // llama_index passes max_retries as `retries=<int>` to chat.complete; the SDK
                // only retries when `retries` is a RetryConfig, so nothing is retried.
                let (how, p, l) = at("llama_index MistralAI passes max_retries as an int `retries`, which the mistralai SDK ignores (not a RetryConfig)".into());
                Retry::Disabled { how, path: p, line: l }
            }
            _ => Retry::None,
        }
    }

    /// `{strategy: "backoff", ...}` or `RetryConfig("backoff", BackoffStrategy(...), True)`.
    fn retry_config(&self, fi: usize, scope: Option<usize>, v: &Expr, key: &str, path: &str, line: u32) -> Retry {
        let strategy = match self.deref(fi, scope, v, 0) {
            R::E(fj, sj, obj @ Expr::Obj(_)) => match self.lookup(fj, sj, &obj, &["strategy"], 0) {
                Lk::Found(fk, sk, s, _) => self.value(fk, sk, &s, 0).ok().flatten(),
                _ => None,
            },
            R::E(fj, _, Expr::Call(c)) => {
                let call = &self.files[fj].calls[c];
                let first = call.args.iter().find_map(|a| match a {
                    Arg::Pos(e) => Some(e.clone()),
                    Arg::Kw(k, e) if k == "strategy" => Some(e.clone()),
                    _ => None,
                });
                first.and_then(|e| self.value(fj, call.func, &e, 0).ok().flatten())
            }
            R::E(_, _, Expr::Null) => Some(Lit::Str("none".into())),
            _ => None,
        };
        match strategy {
            Some(Lit::Str(s)) if s == "backoff" => Retry::Backoff { how: format!("{key} with strategy \"backoff\""), path: path.into(), line },
            Some(Lit::Str(s)) => Retry::Disabled { how: format!("{key} with strategy \"{s}\""), path: path.into(), line },
            _ => Retry::Disabled { how: format!("{key} strategy not visible statically"), path: path.into(), line },
        }
    }

    // ---------------------------------------------------------------- call sites

    pub fn call_sites(&self) -> Vec<CallSite> {
        let mut out = Vec::new();
        let mut used_clients: HashSet<(usize, usize)> = HashSet::new();
        let mut chain_clients = Vec::new();
        for (fi, f) in self.files.iter().enumerate() {
            for (ci, _) in f.calls.iter().enumerate() {
                if let Some((mut site, client)) = self.call_site(fi, ci) {
                    site.file = fi;
                    site.call = ci;
                    if let Some(c) = client.as_ref().and_then(|c| c.call.map(|k| (c.file, k))) {
                        used_clients.insert(c);
                    }
                    out.push(site);
                } else if let Some(c) = self.chain_model(fi, ci) {
                    chain_clients.push(c);
                }
            }
        }
        // A LangChain/LlamaIndex model that is built but only handed to a chain: its
        // settings are still the generation settings; its errors are not visible here.
        for c in chain_clients {
            if used_clients.contains(&(c.file, c.call.unwrap_or(usize::MAX))) {
                continue;
            }
            let path = self.files[c.file].path.clone();
            let kind = if c.embeddings { CallKind::Embeddings } else { CallKind::Chat };
            let mut site = self.sdk_site(&c, kind, &c.opts.clone(), c.file, c.scope, &path, c.line, "model object used by a chain");
            site.handling = Handling { at: Some((path.clone(), c.line, "used through a chain (errors handled by its caller, not visible statically)".into())), statuses: Statuses::default() };
            site.func = c.scope;
            site.file = c.file;
            site.call = c.call.unwrap_or(0);
            out.push(site);
        }
        out.sort_by(|a, b| (a.path.as_str(), a.line).cmp(&(b.path.as_str(), b.line)));
        out.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.api == b.api);
        out
    }

    /// The LangChain chat model inside a runnable expression, and a `with_retry` on the way.
    fn runnable_model(&self, fi: usize, scope: Option<usize>, e: &Expr, retry: &mut Option<Retry>, depth: usize) -> Option<Client> {
        if depth > 6 {
            return None;
        }
        if let Some(c) = self.client_of(fi, scope, e, 0) {
            return matches!(c.sdk, Sdk::LangChainJs | Sdk::LangChainPy).then_some(c).filter(|c| !c.embeddings);
        }
        match self.deref(fi, scope, e, 0) {
            R::E(fj, sj, Expr::Other(_, parts)) => parts.iter().find_map(|p| self.runnable_model(fj, sj, p, retry, depth + 1)),
            R::E(fj, _, Expr::Call(k)) => {
                let call = &self.files[fj].calls[k];
                let Expr::Member(recv, m) = &call.callee else { return None };
                if !["pipe", "bind", "bind_tools", "bindTools", "with_retry", "withRetry", "with_structured_output", "withStructuredOutput", "with_config", "withConfig"].contains(&m.as_str()) {
                    return None;
                }
                if m == "with_retry" || m == "withRetry" {
                    *retry = Some(Retry::Backoff { how: format!("LangChain {m}() retries with exponential backoff"), path: self.files[fj].path.clone(), line: call.line });
                }
                let from_recv = self.runnable_model(fj, call.func, recv, retry, depth + 1);
                from_recv.or_else(|| {
                    call.args.iter().find_map(|a| match a {
                        Arg::Pos(x) => self.runnable_model(fj, call.func, x, retry, depth + 1),
                        _ => None,
                    })
                })
            }
            _ => None,
        }
    }

    fn chain_model(&self, fi: usize, ci: usize) -> Option<Client> {
        let call = &self.files[fi].calls[ci];
        match self.deref(fi, call.func, &call.callee, 0) {
            R::Ext(m, p) => {
                let c = self.classify_client(fi, ci, &m, &p)?;
                matches!(c.sdk, Sdk::LangChainJs | Sdk::LangChainPy | Sdk::LlamaIndex).then_some(c)
            }
            _ => None,
        }
    }

    fn call_site(&self, fi: usize, ci: usize) -> Option<(CallSite, Option<Client>)> {
        let file = &self.files[fi];
        let call = &file.calls[ci];
        let scope = call.func;
        // 1. A method on a client: peel `a.b.c` down to the receiver.
        if let Some((client, members)) = self.client_method(fi, scope, &call.callee) {
            let kind = method_kind(client.sdk, client.embeddings, &members)?;
            let site = self.client_call(fi, ci, &client, kind, &members);
            return Some((site, Some(client)));
        }
        // A LangChain runnable built around the model: `(prompt | model).invoke(...)`,
        // `prompt.pipe(model).invoke(...)`, `model.with_retry().invoke(...)`.
        if let Expr::Member(recv, m) = &call.callee {
            if LANGCHAIN_RUN.contains(&m.as_str()) {
                let mut retry = None;
                if let Some(client) = self.runnable_model(fi, scope, recv, &mut retry, 0) {
                    let mut site = self.client_call(fi, ci, &client, if m.contains("stream") { CallKind::ChatStream } else { CallKind::Chat }, &[m.as_str()]);
                    if let Some(r) = retry {
                        site.retry = r;
                    }
                    return Some((site, Some(client)));
                }
            }
        }
        // 2. A client method handed to a runner with its arguments:
        //    `breaker.call(client.chat.complete, model=..., ...)`.
        if let Some(Arg::Pos(first @ Expr::Member(..))) = call.args.first() {
            if let Some((client, members)) = self.client_method(fi, scope, first) {
                let kind = method_kind(client.sdk, client.embeddings, &members)?;
                if matches!(client.sdk, Sdk::Http | Sdk::LangChainJs | Sdk::LangChainPy | Sdk::LlamaIndex) {
                    return None;
                }
                let params = params_obj(&call.args[1..], &[], file.lang != Lang::Python);
                let api = format!("{} via {}", show(file, first), call.text);
                let site = self.sdk_site(&client, kind, &params, fi, call.func, &file.path, call.line, &api);
                return Some((site, Some(client)));
            }
        }
        // 3. The AI SDK and raw HTTP: a function from a package.
        match self.deref(fi, scope, &call.callee, 0) {
            R::Ext(m, p) => {
                let name = p.iter().filter(|s| *s != "default").cloned().collect::<Vec<_>>().join(".");
                if m == "ai" {
                    return self.ai_sdk_call(fi, ci, &name).map(|s| (s, None));
                }
                if ["axios", "requests", "httpx", "node-fetch", "undici", "cross-fetch", "got", "ky"].contains(&m.as_str()) {
                    return self.http_call(fi, ci, &name, None).map(|s| (s, None));
                }
                None
            }
            R::Unknown(n) if n == "fetch" => self.http_call(fi, ci, "fetch", None).map(|s| (s, None)),
            _ => None,
        }
    }

    /// `client.chat.complete` → the client and `["chat", "complete"]`, peeling members
    /// off until the receiver is a Mistral client.
    fn client_method<'e>(&self, fi: usize, scope: Option<usize>, callee: &'e Expr) -> Option<(Client, Vec<&'e str>)> {
        let mut members = Vec::new();
        let mut recv = callee;
        while let Expr::Member(o, m) = recv {
            members.insert(0, m.as_str());
            recv = o;
            if members.len() > 4 {
                return None;
            }
            if let Some(client) = self.client_of(fi, scope, recv, 0) {
                return Some((client, members));
            }
        }
        None
    }

    fn client_call(&self, fi: usize, ci: usize, client: &Client, kind: CallKind, members: &[&str]) -> CallSite {
        let file = &self.files[fi];
        let call = &file.calls[ci];
        let api = call.text.clone();
        match client.sdk {
            Sdk::Http => self.http_call(fi, ci, members.last().copied().unwrap_or(""), Some(client)).unwrap_or_else(|| {
                let mut s = self.sdk_site(client, kind, &Expr::Obj(Vec::new()), fi, call.func, &file.path, call.line, &api);
                s.kind = CallKind::Other;
                s
            }),
            Sdk::LangChainJs | Sdk::LangChainPy | Sdk::LlamaIndex => {
                // The model object carries the settings; a call may add a config.
                self.sdk_site(client, kind, &client.opts.clone(), client.file, client.scope, &file.path, call.line, &api)
                    .placed(fi, ci, self)
            }
            _ => {
                let params = params_obj(&call.args, &[], file.lang != Lang::Python);
                let mut s = self.sdk_site(client, kind, &params, fi, call.func, &file.path, call.line, &api);
                // Per-call retries override the client's.
                let per_call = if file.lang == Lang::Python {
                    call.args.iter().find_map(|a| match a {
                        Arg::Kw(k, v) if k == "retries" => Some(v.clone()),
                        _ => None,
                    })
                } else {
                    match call.args.get(1) {
                        Some(Arg::Pos(o)) => match self.lookup(fi, call.func, o, &["retries"], 0) {
                            Lk::Found(_, _, v, _) => Some(v),
                            _ => None,
                        },
                        _ => None,
                    }
                };
                if let Some(v) = per_call {
                    s.retry = self.retry_config(fi, call.func, &v, "retries", &file.path, call.line);
                }
                s
            }
        }
    }

    /// Builds a call site of an SDK client, reading settings from `params`.
    #[allow(clippy::too_many_arguments)]
    fn sdk_site(&self, client: &Client, kind: CallKind, params: &Expr, pfile: usize, pscope: Option<usize>, path: &str, line: u32, api: &str) -> CallSite {
        let py = client.sdk.python();
        let (model_keys, max_keys, wrong): (&[&str], &[&str], &[(&str, &str)]) = match client.sdk {
            Sdk::LangChainJs => (&["model", "modelName"], &["maxTokens"], &[("max_tokens", "@langchain/mistralai reads maxTokens")]),
            Sdk::LangChainPy => (&["model", "model_name"], &["max_tokens"], &[("maxTokens", "ChatMistralAI reads max_tokens")]),
            Sdk::OpenAiCompat | Sdk::Http => (&["model"], &["max_tokens"], &[("max_completion_tokens", "Mistral rejects max_completion_tokens; use max_tokens")]),
            _ if py => (&["model"], &["max_tokens"], &[("maxTokens", "the Python SDK reads max_tokens"), ("max_completion_tokens", "Mistral rejects max_completion_tokens; use max_tokens")]),
            _ => (&["model"], &["maxTokens"], &[("max_tokens", "the TypeScript SDK reads maxTokens"), ("max_completion_tokens", "Mistral rejects max_completion_tokens; use maxTokens")]),
        };
        let site = (path, line);
        let (max_tokens, temperature) = if kind.is_generation() {
            (self.setting(pfile, pscope, params, max_keys, wrong, site), self.setting(pfile, pscope, params, &["temperature"], &[], site))
        } else {
            (Setting::Missing, Setting::Missing)
        };
        let model = if kind == CallKind::ModelsList { Setting::Missing } else { self.setting(pfile, pscope, params, model_keys, &[], site) };
        let retry = self.client_retry(client, &self.files[client.file].path);
        CallSite {
            path: path.to_string(),
            line,
            sdk: client.sdk,
            kind,
            api: api.to_string(),
            via: None,
            model,
            max_tokens,
            temperature,
            handling: Handling::default(),
            retry,
            breaker: None,
            func: None,
            file: client.file,
            call: 0,
        }
    }

    fn ai_sdk_call(&self, fi: usize, ci: usize, name: &str) -> Option<CallSite> {
        let kind = match name {
            "generateText" | "generateObject" => CallKind::Chat,
            "streamText" | "streamObject" => CallKind::ChatStream,
            "embed" | "embedMany" => CallKind::Embeddings,
            _ => return None,
        };
        let file = &self.files[fi];
        let call = &file.calls[ci];
        let Some(Arg::Pos(params)) = call.args.first() else { return None };
        // Only a model from @ai-sdk/mistral makes this a Mistral call.
        let Lk::Found(mf, ms, model_expr, _) = self.lookup(fi, call.func, params, &["model"], 0) else { return None };
        let R::E(pf, _, Expr::Call(pc)) = self.deref(mf, ms, &model_expr, 0) else { return None };
        let provider_call = &self.files[pf].calls[pc];
        let is_mistral = self.is_ai_provider(pf, provider_call.func, &provider_call.callee, 0);
        if !is_mistral {
            return None;
        }
        let site = (file.path.as_str(), call.line);
        let model = match provider_call.args.first() {
            Some(Arg::Pos(id)) => match self.value(pf, provider_call.func, id, 0) {
                Ok(Some(v)) => Setting::Set { value: v, key: "model".into(), path: file.path.clone(), line: call.line },
                Ok(None) => Setting::Null { key: "model".into() },
                Err(why) => Setting::NotVisible { why: format!("model id is {why}") },
            },
            _ => Setting::Missing,
        };
        let max_keys: &[&str] = match self.ai_major {
            Some(v) if v >= 5 => &["maxOutputTokens"],
            Some(_) => &["maxTokens"],
            None => &["maxOutputTokens", "maxTokens"],
        };
        let wrong: &[(&str, &str)] = match self.ai_major {
            Some(v) if v >= 5 => &[("maxTokens", "AI SDK v5+ reads maxOutputTokens")],
            Some(_) => &[("maxOutputTokens", "AI SDK v4 reads maxTokens")],
            None => &[],
        };
        let (max_tokens, temperature) = if kind.is_generation() {
            (self.setting(fi, call.func, params, max_keys, wrong, site), self.setting(fi, call.func, params, &["temperature"], &[], site))
        } else {
            (Setting::Missing, Setting::Missing)
        };
        let retry = match self.lookup(fi, call.func, params, &["maxRetries"], 0) {
            Lk::Found(vf, vs, v, _) => match self.value(vf, vs, &v, 0) {
                Ok(Some(Lit::Num(n))) if n <= 0.0 => Retry::Disabled { how: format!("maxRetries: {n}"), path: file.path.clone(), line: call.line },
                _ => Retry::Backoff { how: "AI SDK maxRetries retries 429/5xx with backoff".into(), path: file.path.clone(), line: call.line },
            },
            _ => Retry::Backoff { how: "AI SDK retries 429/5xx with backoff by default (maxRetries 2)".into(), path: file.path.clone(), line: call.line },
        };
        let mut handling = Handling::default();
        if let Lk::Found(..) = self.lookup(fi, call.func, params, &["onError"], 0) {
            handling.at = Some((file.path.clone(), call.line, "onError callback".into()));
        }
        Some(CallSite {
            path: file.path.clone(),
            line: call.line,
            sdk: Sdk::AiSdk,
            kind,
            api: format!("{name}()"),
            via: None,
            model,
            max_tokens,
            temperature,
            handling,
            retry,
            breaker: None,
            func: call.func,
            file: fi,
            call: ci,
        })
    }

    /// `mistral`, `mistral.chat`, `createMistral({...})`, `provider.chat`: a provider of
    /// `@ai-sdk/mistral`.
    fn is_ai_provider(&self, fi: usize, scope: Option<usize>, e: &Expr, depth: usize) -> bool {
        if depth > 4 {
            return false;
        }
        match self.deref(fi, scope, e, 0) {
            R::Ext(m, _) => m == "@ai-sdk/mistral",
            R::E(qf, _, Expr::Call(q)) => {
                let qc = &self.files[qf].calls[q];
                self.is_ai_provider(qf, qc.func, &qc.callee, depth + 1)
            }
            R::E(qf, qs, Expr::Member(o, _)) => self.is_ai_provider(qf, qs, &o, depth + 1),
            _ => false,
        }
    }

    fn http_call(&self, fi: usize, ci: usize, name: &str, client: Option<&Client>) -> Option<CallSite> {
        let file = &self.files[fi];
        let call = &file.calls[ci];
        let method = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
        if !["fetch", "post", "get", "put", "request", "stream", "send"].contains(&method.as_str()) {
            return None;
        }
        let url_expr = call.args.iter().find_map(|a| match a {
            Arg::Pos(e) => Some(e.clone()),
            Arg::Kw(k, e) if k == "url" => Some(e.clone()),
            _ => None,
        })?;
        let mut url = self.loose_string(fi, call.func, &url_expr, 0).unwrap_or_default();
        if let Some(base) = client.and_then(|c| c.base_url.clone()) {
            if !url.contains("://") {
                url = format!("{}/{}", base.trim_end_matches('/'), url.trim_start_matches('/'));
            }
        }
        if !url.contains("api.mistral.ai") {
            return None;
        }
        let py = file.lang == Lang::Python;
        let body = if py {
            call.args.iter().find_map(|a| match a {
                Arg::Kw(k, e) if k == "json" => Some(e.clone()),
                Arg::Kw(k, e) if k == "data" || k == "content" => Some(unwrap_json(file, e)),
                _ => None,
            })
        } else if method == "fetch" {
            match call.args.get(1) {
                Some(Arg::Pos(init)) => match self.lookup(fi, call.func, init, &["body"], 0) {
                    Lk::Found(bf, _, b, _) => Some(unwrap_json(&self.files[bf], &b)),
                    _ => None,
                },
                _ => None,
            }
        } else {
            match call.args.get(1) {
                Some(Arg::Pos(b)) => Some(b.clone()),
                _ => None,
            }
        }
        .unwrap_or(Expr::Obj(Vec::new()));
        let path_part = url.split("api.mistral.ai").nth(1).unwrap_or("");
        let stream = matches!(self.lookup(fi, call.func, &body, &["stream"], 0), Lk::Found(sf, ss, v, _) if self.value(sf, ss, &v, 0) == Ok(Some(Lit::Bool(true))));
        let kind = if path_part.contains("/chat/completions") {
            if stream { CallKind::ChatStream } else { CallKind::Chat }
        } else if path_part.contains("/fim/completions") {
            if stream { CallKind::FimStream } else { CallKind::Fim }
        } else if path_part.contains("/agents/completions") {
            if stream { CallKind::AgentsStream } else { CallKind::Agents }
        } else if path_part.contains("/embeddings") {
            CallKind::Embeddings
        } else if path_part.contains("/models") {
            CallKind::ModelsList
        } else {
            CallKind::Other
        };
        let http_client = Client { sdk: Sdk::Http, embeddings: false, file: fi, scope: call.func, opts: Expr::Obj(Vec::new()), line: call.line, call: None, base_url: None };
        let api = format!("{} {}", method.to_ascii_uppercase().replace("FETCH", "fetch"), path_part.split('?').next().unwrap_or(""));
        let mut s = self.sdk_site(&http_client, kind, &body, fi, call.func, &file.path, call.line, &api);
        s.file = fi;
        s.call = ci;
        Some(s)
    }

    // ---------------------------------------------------------------- context

    /// The call and the calls it runs on behalf of (wrappers given a callback, callers of
    /// its function), nearest first.
    fn frames(&self, fi: usize, ci: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut queue = std::collections::VecDeque::from([(fi, ci, 0usize)]);
        while let Some((f, c, d)) = queue.pop_front() {
            if !seen.insert((f, c)) || out.len() >= 32 {
                continue;
            }
            out.push((f, c));
            if d >= 4 {
                continue;
            }
            // `breaker = new CircuitBreaker(fn)` then `breaker.fire(...)`: the function runs
            // inside each `fire`.
            for b in self.files[f].bindings.iter().filter(|b| b.value == Expr::Call(c)) {
                for (k, kc) in self.files[f].calls.iter().enumerate() {
                    if let Expr::Member(recv, m) = &kc.callee {
                        let runs = ["fire", "execute", "call", "call_async", "run", "exec"].contains(&m.as_str());
                        if runs && matches!(&**recv, Expr::Name(n) if *n == b.name) && matches!(self.deref(f, kc.func, recv, 0), R::E(_, _, Expr::Call(x)) if x == c) {
                            queue.push_back((f, k, d + 1));
                        }
                    }
                }
            }
            let mut func = self.files[f].calls[c].func;
            let mut hops = 0;
            while let Some(fu) = func {
                let fd = &self.files[f].funcs[fu];
                if let Some(p) = fd.passed_to {
                    queue.push_back((f, p, d + 1));
                }
                for caller in self.callers_of(f, fu) {
                    queue.push_back((caller.0, caller.1, d + 1));
                }
                // A nested function literal not passed anywhere runs in its parent's frame.
                if fd.passed_to.is_some() || fd.name.is_some() {
                    break;
                }
                func = fd.parent;
                hops += 1;
                if hops > 8 {
                    break;
                }
            }
        }
        out
    }

    /// Funcs enclosing a call, innermost first, up to its named function.
    fn enclosing(&self, fi: usize, ci: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut func = self.files[fi].calls[ci].func;
        while let Some(f) = func {
            out.push(f);
            if out.len() > 8 {
                break;
            }
            func = self.files[fi].funcs[f].parent;
        }
        out
    }

    /// The class method a call like `breaker.execute(fn)` runs, when it is in the repository.
    fn method_called(&self, fi: usize, ci: usize) -> Option<(usize, usize)> {
        let call = &self.files[fi].calls[ci];
        let Expr::Member(recv, m) = &call.callee else { return None };
        let class_name = match self.deref(fi, call.func, recv, 0) {
            R::E(fj, _, Expr::Call(k)) => match &self.files[fj].calls[k].callee {
                Expr::Name(n) => Some((fj, n.clone())),
                _ => None,
            },
            R::Param(fj, f, pi) => match &self.files[fj].funcs[f].params[pi].ty {
                Some(Expr::Name(n)) => Some((fj, n.clone())),
                _ => None,
            },
            _ => None,
        }?;
        let (fj, cname) = class_name;
        let target = self.files[fj]
            .classes
            .iter()
            .any(|c| c.name == cname)
            .then_some(fj)
            .or_else(|| {
                let imp = self.files[fj].imports.iter().find(|i| i.local == cname)?;
                let fk = self.local_module(fj, &imp.module)?;
                self.files[fk].classes.iter().any(|c| Some(&c.name) == imp.name.as_ref()).then_some(fk)
            })?;
        let real_name = self.files[fj].imports.iter().find(|i| i.local == cname).and_then(|i| i.name.clone()).unwrap_or(cname);
        let class = self.files[target].classes.iter().find(|c| c.name == real_name)?;
        class.methods.iter().find(|&&f| self.files[target].funcs[f].name.as_deref() == Some(m.as_str())).map(|&f| (target, f))
    }

    pub fn fill_context(&self, site: &mut CallSite, fi: usize, ci: usize) {
        let frames = self.frames(fi, ci);
        let mut statuses = Statuses::default();
        let mut handled = site.handling.at.clone();
        let mut retry_lib = None;
        let mut breaker = None;
        for (n, &(f, c)) in frames.iter().enumerate() {
            let file = &self.files[f];
            let call = &file.calls[c];
            for &t in &call.tries {
                let tr = &file.tries[t];
                if tr.has_handler {
                    statuses = statuses.union(tr.statuses);
                    // A helper called in the handler (`throw describe(err)`) tells statuses apart for it.
                    for k in file.calls.iter().filter(|k| k.in_catch == Some(t)) {
                        if let R::Func(hf, hu) = self.deref(f, k.func, &k.callee, 0) {
                            statuses = statuses.union(self.files[hf].funcs[hu].statuses);
                        }
                    }
                    if handled.is_none() {
                        let how = if file.lang == Lang::Python { "try/except" } else { "try/catch" };
                        handled = Some((file.path.clone(), tr.line, how.to_string()));
                    }
                }
            }
            if let Some(s) = call.chained_catch {
                statuses = statuses.union(s);
                handled.get_or_insert((file.path.clone(), call.line, ".catch() handler".into()));
            }
            for &fu in &self.enclosing(f, c) {
                statuses = statuses.union(file.funcs[fu].statuses);
                for d in &file.funcs[fu].decorators {
                    let target = match d {
                        Expr::Call(k) => file.calls[*k].callee.clone(),
                        other => other.clone(),
                    };
                    let resolved = self.deref(f, None, &target, 0);
                    if retry_lib.is_none() {
                        if let Some(how) = retry_library(&resolved) {
                            retry_lib = Some(self.decorator_retry(f, d, how, file.funcs[fu].line));
                        }
                    }
                    if breaker.is_none() {
                        if let Some(what) = self.breaker_of(&resolved) {
                            breaker = Some((file.path.clone(), file.funcs[fu].line, what));
                        }
                    }
                }
                if call.in_loop && file.funcs[fu].sleeps && (file.funcs[fu].statuses.s429 || file.funcs[fu].statuses.s5xx) && retry_lib.is_none() {
                    retry_lib = Some(Retry::Backoff { how: "hand-written retry loop with sleep on 429/5xx".into(), path: file.path.clone(), line: call.line });
                }
            }
            if n == 0 {
                // `breaker.call(client.chat.complete, ...)`: the call itself is the runner.
                if let Expr::Member(recv, m) = &call.callee {
                    if ["fire", "execute", "call", "call_async", "run", "exec"].contains(&m.as_str()) && breaker.is_none() {
                        if let Some(what) = self.breaker_instance(f, call.func, recv) {
                            breaker = Some((file.path.clone(), call.line, what));
                        }
                    }
                }
            }
            if n > 0 {
                // A wrapper call this one runs inside.
                let resolved = self.deref(f, call.func, &call.callee, 0);
                if retry_lib.is_none() {
                    if let Some(how) = retry_library(&resolved) {
                        retry_lib = Some(Retry::Backoff { how: format!("wrapped in {how}"), path: file.path.clone(), line: call.line });
                    }
                }
                if breaker.is_none() {
                    if let Some(what) = self.breaker_of(&resolved) {
                        breaker = Some((file.path.clone(), call.line, what));
                    } else if let Expr::Member(recv, m) = &call.callee {
                        if ["fire", "execute", "call", "call_async", "run", "exec"].contains(&m.as_str()) {
                            if let Some(what) = self.breaker_instance(f, call.func, recv) {
                                breaker = Some((file.path.clone(), call.line, what));
                            }
                        }
                    }
                }
                if let Some((mf, mfu)) = self.method_called(f, c) {
                    let method = &self.files[mf].funcs[mfu];
                    if method.has_try {
                        statuses = statuses.union(method.statuses);
                        handled.get_or_insert((self.files[mf].path.clone(), method.line, format!("{}() catches", method.name.clone().unwrap_or_default())));
                    }
                    let class_has_states = self.files[mf].classes.iter().any(|k| k.breaker_states && k.methods.contains(&mfu));
                    if class_has_states && breaker.is_none() {
                        breaker = Some((file.path.clone(), call.line, format!("{} (class with open/half-open states)", method.class.clone().unwrap_or_default())));
                    }
                }
            }
        }
        if site.sdk == Sdk::Http && statuses.any() {
            handled.get_or_insert((site.path.clone(), site.line, "response status checks".into()));
        }
        let retry = if matches!(site.retry, Retry::Backoff { .. }) { site.retry.clone() } else { retry_lib.clone().unwrap_or(site.retry.clone()) };
        if let Retry::Backoff { .. } = retry {
            // A retry with backoff on 429/5xx tells those apart.
            statuses.s429 = true;
            statuses.s5xx = true;
        }
        if breaker.is_some() && statuses.s5xx {
            statuses.s5xx = true;
        }
        site.handling = Handling { at: handled, statuses };
        site.retry = retry;
        site.breaker = breaker;
        site.func = self.files[fi].calls[ci].func;
        site.file = fi;
    }

    fn decorator_retry(&self, fi: usize, d: &Expr, how: String, line: u32) -> Retry {
        let path = self.files[fi].path.clone();
        // tenacity `retry=retry_if_exception_type(ConnectError)`, backoff's exception tuple
        let text = show(&self.files[fi], d);
        let args_text = match d {
            Expr::Call(k) => self.files[fi].calls[*k].args.iter().map(|a| match a {
                Arg::Pos(e) | Arg::Kw(_, e) => show(&self.files[fi], e),
                _ => String::new(),
            }).collect::<Vec<_>>().join(" "),
            _ => String::new(),
        };
        let connection_only = (args_text.contains("Connect") || args_text.contains("Timeout") || args_text.contains("Network"))
            && !["Status", "SDKError", "HTTPError", "Exception", "429", "RateLimit", "APIError"].iter().any(|w| args_text.contains(w));
        if connection_only {
            Retry::ConnectionOnly { how: format!("{how} ({text}) retries connection errors only"), path, line }
        } else {
            Retry::Backoff { how: format!("{how} decorator"), path, line }
        }
    }

    fn breaker_of(&self, r: &R) -> Option<String> {
        match r {
            R::Ext(m, p) => breaker_library(m, p),
            R::E(fj, _, Expr::Call(k)) => {
                let c = &self.files[*fj].calls[*k];
                match self.deref(*fj, c.func, &c.callee, 0) {
                    R::Ext(m, p) => breaker_library(&m, &p),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn breaker_instance(&self, fi: usize, scope: Option<usize>, recv: &Expr) -> Option<String> {
        let r = self.deref(fi, scope, recv, 0);
        if let Some(w) = self.breaker_of(&r) {
            return Some(w);
        }
        if let R::E(fj, _, Expr::Call(k)) = r {
            // `policy = wrap(retry(...), circuitBreaker(...))`
            for a in &self.files[fj].calls[k].args {
                if let Arg::Pos(e) = a {
                    if let Some(w) = self.breaker_of(&self.deref(fj, None, e, 0)) {
                        return Some(w);
                    }
                }
            }
        }
        None
    }

    // ---------------------------------------------------------------- logs, routes, breakers

    /// Names sent to Mistral as message content, per (file, scope): `prefix` in
    /// `fim.complete({prompt: prefix})` is content wherever it is logged in that scope.
    fn content_names(&self, sites: &[CallSite]) -> HashSet<(usize, Option<usize>, String)> {
        let mut set = HashSet::new();
        for s in sites {
            let call = &self.files[s.file].calls[s.call];
            let params = params_obj(&call.args, &[], true);
            let mut found = Vec::new();
            self.content_in(s.file, &params, &mut found, 0);
            // LangChain/LlamaIndex invocations take the content positionally.
            if matches!(s.sdk, Sdk::LangChainJs | Sdk::LangChainPy | Sdk::LlamaIndex) {
                for a in &call.args {
                    if let Arg::Pos(e) = a {
                        names_in(e, &mut found, 0);
                    }
                }
            }
            for n in found {
                set.insert((s.file, call.func, n));
            }
        }
        set
    }

    /// Names under content keys anywhere in a request (`json={"messages": [...]}`,
    /// `body: JSON.stringify({...})`).
    fn content_in(&self, fi: usize, e: &Expr, out: &mut Vec<String>, depth: usize) {
        const KEYS: &[&str] = &["messages", "prompt", "suffix", "content", "input", "inputs"];
        if depth > 6 {
            return;
        }
        match e {
            Expr::Obj(entries) => {
                for en in entries {
                    match en {
                        Entry::Pair(k, v) if KEYS.contains(&k.as_str()) => names_in(v, out, 0),
                        Entry::Pair(_, v) | Entry::Spread(v) => self.content_in(fi, v, out, depth + 1),
                    }
                }
            }
            Expr::Call(c) => {
                for a in &self.files[fi].calls[*c].args {
                    if let Arg::Pos(x) | Arg::Kw(_, x) = a {
                        self.content_in(fi, x, out, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    pub fn log_leaks(&self, sites: &[CallSite]) -> Vec<LogLeak> {
        let content = self.content_names(sites);
        let mut out = Vec::new();
        for (fi, file) in self.files.iter().enumerate() {
            for call in &file.calls {
                if !is_log_call(&call.callee) {
                    continue;
                }
                for a in &call.args {
                    let (Arg::Pos(e) | Arg::Kw(_, e) | Arg::Spread(e) | Arg::KwSpread(e)) = a;
                    let sent = match e {
                        Expr::Name(n) if content.contains(&(fi, call.func, n.clone())) => Some(format!("message content ({n} is sent to Mistral)")),
                        _ => None,
                    };
                    if let Some(what) = sent.or_else(|| self.leak(fi, call.func, e, sites, 0)) {
                        out.push(LogLeak { path: file.path.clone(), line: call.line, what: format!("{} logs {what}", call.text) });
                        break;
                    }
                }
            }
        }
        out
    }

    fn leak(&self, fi: usize, scope: Option<usize>, e: &Expr, sites: &[CallSite], depth: usize) -> Option<String> {
        if depth > 6 {
            return None;
        }
        let file = &self.files[fi];
        match e {
            Expr::Member(o, p) => {
                if is_key_name(p) {
                    return Some(format!("the API key ({})", show(file, e)));
                }
                if CONTENT_WORDS.contains(&p.as_str()) {
                    return Some(format!("message content ({})", show(file, e)));
                }
                if let Expr::Name(n) = &**o {
                    if n == "this" || n == "self" {
                        return None;
                    }
                }
                if let Expr::Index(..) = **o {
                    return self.leak(fi, scope, o, sites, depth + 1);
                }
                None
            }
            Expr::Index(o, _) => self.leak(fi, scope, o, sites, depth + 1),
            Expr::Name(n) => {
                if is_key_name(n) {
                    return Some(format!("the API key ({n})"));
                }
                if CONTENT_WORDS.contains(&n.as_str()) {
                    return Some(format!("message content ({n})"));
                }
                match self.deref(fi, scope, e, 0) {
                    R::E(fj, sj, Expr::Call(c)) => {
                        if sites.iter().any(|s| s.file == fj && s.call == c && s.kind.is_generation()) {
                            return Some(format!("the whole completion response ({n})"));
                        }
                        self.leak_call_args(fj, sj, c, sites, depth)
                    }
                    R::E(fj, sj, v) if !matches!(v, Expr::Name(_)) => self.leak(fj, sj, &v, sites, depth + 1),
                    _ => None,
                }
            }
            Expr::Template(parts) | Expr::List(parts) | Expr::Other(_, parts) => parts.iter().find_map(|p| self.leak(fi, scope, p, sites, depth + 1)),
            Expr::Obj(entries) => entries.iter().find_map(|en| match en {
                Entry::Pair(_, v) | Entry::Spread(v) => self.leak(fi, scope, v, sites, depth + 1),
            }),
            Expr::Call(c) => {
                if sites.iter().any(|s| s.file == fi && s.call == *c && s.kind.is_generation()) {
                    return Some("the completion response".into());
                }
                self.leak_call_args(fi, scope, *c, sites, depth)
            }
            _ => None,
        }
    }

    /// `JSON.stringify(x)`, `str(x)`, `os.getenv("MISTRAL_API_KEY")`: what the arguments leak.
    fn leak_call_args(&self, fi: usize, scope: Option<usize>, c: usize, sites: &[CallSite], depth: usize) -> Option<String> {
        let k = &self.files[fi].calls[c];
        let callee = show(&self.files[fi], &k.callee);
        if callee.ends_with("getenv") || callee.ends_with("environ.get") {
            if let Some(Arg::Pos(Expr::Str(s))) = k.args.first() {
                if is_key_name(s) {
                    return Some(format!("the API key ({callee}(\"{s}\"))"));
                }
            }
            return None;
        }
        let passthrough = ["JSON.stringify", "str", "repr", "json.dumps", "String", "format", "util.inspect", "inspect"];
        if passthrough.iter().any(|p| callee == *p || callee.ends_with(&format!(".{p}"))) {
            return k.args.iter().find_map(|a| match a {
                Arg::Pos(e) => self.leak(fi, scope, e, sites, depth + 1),
                _ => None,
            });
        }
        None
    }

    /// TypeScript `debugLogger` / Python `debug_logger` print request headers (Authorization).
    pub fn debug_logger_leaks(&self) -> Vec<LogLeak> {
        let mut out = Vec::new();
        for (fi, file) in self.files.iter().enumerate() {
            for (ci, call) in file.calls.iter().enumerate() {
                let R::Ext(m, p) = self.deref(fi, call.func, &call.callee, 0) else { continue };
                let Some((sdk, _)) = client_kind(&m, &p) else { continue };
                if !matches!(sdk, Sdk::MistralTs | Sdk::MistralPy) {
                    continue;
                }
                let Some(c) = self.classify_client(fi, ci, &m, &p) else { continue };
                if let Lk::Found(vf, vs, v, key) = self.lookup(fi, call.func, &c.opts, &["debugLogger", "debug_logger"], 0) {
                    if matches!(self.deref(vf, vs, &v, 0), R::E(_, _, Expr::Null)) {
                        continue;
                    }
                    out.push(LogLeak {
                        path: file.path.clone(),
                        line: call.line,
                        what: format!("{key}: {} makes the SDK log every request's headers, including Authorization (the API key)", show(&self.files[vf], &v)),
                    });
                }
            }
        }
        out
    }

    pub fn routes(&self, sites: &[CallSite]) -> Vec<Route> {
        let mut out = Vec::new();
        for (fi, file) in self.files.iter().enumerate() {
            // Express, Fastify, Hono, Koa router: app.get("/health", handler)
            for call in &file.calls {
                let Expr::Member(_, m) = &call.callee else { continue };
                if !["get", "post", "all", "route", "head", "use"].contains(&m.as_str()) {
                    continue;
                }
                let Some(Arg::Pos(Expr::Str(route))) = call.args.first() else { continue };
                if !is_health_path(route) {
                    continue;
                }
                let handler = call.args.iter().rev().find_map(|a| match a {
                    Arg::Pos(e @ (Expr::Func(_) | Expr::Name(_) | Expr::Member(..))) => Some(e.clone()),
                    _ => None,
                });
                // `@app.get("/health")` is a decorator, read with its function below.
                if call.args.len() < 2 {
                    continue;
                }
                let handler = handler.and_then(|h| match self.deref(fi, call.func, &h, 0) {
                    R::Func(a, b) => Some((a, b)),
                    _ => None,
                });
                out.push(self.route(file, call.line, route, handler, sites));
            }
            // FastAPI / Flask decorators and Next.js route files
            for (f, func) in file.funcs.iter().enumerate() {
                for d in &func.decorators {
                    let Expr::Call(k) = d else { continue };
                    let dc = &file.calls[*k];
                    let Expr::Member(_, m) = &dc.callee else { continue };
                    if !["get", "route", "api_route", "head"].contains(&m.as_str()) {
                        continue;
                    }
                    if let Some(Arg::Pos(Expr::Str(route))) = dc.args.first() {
                        if is_health_path(route) {
                            out.push(self.route(file, dc.line, route, Some((fi, f)), sites));
                        }
                    }
                }
                let next_route = func.parent.is_none() && func.name.as_deref() == Some("GET") && file.path.contains("/route.") && is_health_path(&file.path);
                if next_route {
                    let route = file.path.rsplit_once("/route.").map(|(d, _)| d).unwrap_or("").rsplit('/').next().unwrap_or("").to_string();
                    out.push(self.route(file, func.line, &format!("/{route}"), Some((fi, f)), sites));
                }
            }
        }
        out
    }

    fn route(&self, file: &FileIr, line: u32, route: &str, handler: Option<(usize, usize)>, sites: &[CallSite]) -> Route {
        let mut r = Route { path: file.path.clone(), line, route: route.to_string(), probe: None, answers_5xx: false };
        let Some(h) = handler else { return r };
        // The handler and what it calls (three levels), for a Mistral call and a 5xx answer.
        let mut todo = vec![(h, 0)];
        let mut seen = HashSet::new();
        while let Some(((fi, f), d)) = todo.pop() {
            if !seen.insert((fi, f)) {
                continue;
            }
            let fl = &self.files[fi];
            if fl.funcs[f].answers_5xx || fl.tries.iter().any(|t| t.func == Some(f) && t.answers_5xx) {
                r.answers_5xx = true;
            }
            if r.probe.is_none() {
                if let Some(s) = sites.iter().find(|s| s.file == fi && s.func.is_some_and(|sf| self.inside(fi, Some(sf), f))) {
                    r.probe = Some((s.path.clone(), s.line, s.api.clone()));
                }
            }
            if d >= 3 {
                continue;
            }
            for c in fl.calls.iter().filter(|c| c.func.is_some_and(|cf| self.inside(fi, Some(cf), f))) {
                if let R::Func(a, b) = self.deref(fi, c.func, &c.callee, 0) {
                    todo.push(((a, b), d + 1));
                }
            }
            for (g, func) in fl.funcs.iter().enumerate() {
                if func.parent == Some(f) {
                    todo.push(((fi, g), d + 1));
                }
            }
        }
        r
    }

    pub fn breakers(&self) -> Vec<Breaker> {
        let mut out = Vec::new();
        for file in self.files {
            for imp in &file.imports {
                let path = imp.name.clone().map(|n| vec![n]).unwrap_or_default();
                if let Some(what) = breaker_library(&imp.module, &path).or_else(|| breaker_library(&imp.module, &[])) {
                    out.push(Breaker { path: file.path.clone(), line: imp.line, what });
                }
            }
            for c in &file.classes {
                if c.breaker_states {
                    out.push(Breaker { path: file.path.clone(), line: c.line, what: format!("class {} with open/half-open states", c.name) });
                }
            }
        }
        out
    }

    pub fn mistral_imports(&self) -> Vec<(String, u32, String)> {
        let mut out = Vec::new();
        for file in self.files {
            for imp in &file.imports {
                if is_mistral_module(&imp.module) {
                    out.push((file.path.clone(), imp.line, format!("imports {}", imp.module)));
                }
            }
        }
        out
    }
}

impl CallSite {
    /// Places a call site built from a model object at the invocation.
    fn placed(mut self, fi: usize, ci: usize, repo: &Repo) -> CallSite {
        let call = &repo.files[fi].calls[ci];
        self.path = repo.files[fi].path.clone();
        self.line = call.line;
        self.file = fi;
        for s in [&mut self.model, &mut self.max_tokens, &mut self.temperature] {
            if let Setting::Set { path, line, .. } = s {
                *path = self.path.clone();
                *line = call.line;
            }
        }
        self
    }
}


/// Methods that run a LangChain runnable.
const LANGCHAIN_RUN: &[&str] = &["invoke", "ainvoke", "stream", "astream", "batch", "abatch", "streamEvents", "astream_events"];

const CONTENT_WORDS: &[&str] = &["messages", "prompt", "prompts", "content", "choices", "completion", "user_prompt", "userPrompt", "user_message", "userMessage", "delta"];

fn is_key_name(n: &str) -> bool {
    let l = n.to_ascii_lowercase().replace(['_', '-'], "");
    l == "apikey" || l.ends_with("apikey") || l == "authorization"
}

fn is_log_call(callee: &Expr) -> bool {
    match callee {
        Expr::Name(n) => n == "print" || n == "pprint",
        Expr::Member(o, m) => {
            const METHODS: &[&str] = &["log", "info", "warn", "warning", "error", "debug", "trace", "exception", "critical", "fatal"];
            if !METHODS.contains(&m.as_str()) {
                return false;
            }
            let root = match &**o {
                Expr::Name(n) => n.to_ascii_lowercase(),
                Expr::Member(_, n) => n.to_ascii_lowercase(),
                Expr::Call(_) => "logger".into(),
                _ => return false,
            };
            root == "console" || root.contains("log") || root == "pino" || root == "winston" || root == "structlog"
        }
        _ => false,
    }
}

fn is_health_path(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    ["health", "healthz", "ready", "readyz", "readiness", "live", "livez", "liveness"].iter().any(|w| l.split(['/', '.', '-', '_']).any(|seg| seg == *w))
}

pub fn is_mistral_module(m: &str) -> bool {
    m == "@mistralai/mistralai"
        || m.starts_with("@mistralai/mistralai/")
        || m == "mistralai"
        || m.starts_with("mistralai.")
        || m == "@langchain/mistralai"
        || m == "langchain_mistralai"
        || m.starts_with("langchain_mistralai.")
        || m == "@ai-sdk/mistral"
        || (m.starts_with("llama_index.") && m.ends_with("mistralai"))
}

/// What a constructor from a package makes: (sdk, embeddings?).
fn client_kind(module: &str, path: &[String]) -> Option<(Sdk, bool)> {
    let last = path.iter().rev().find(|p| *p != "default").map(|s| s.as_str()).unwrap_or(if path.is_empty() { "" } else { "default" });
    let ts_mistral = module == "@mistralai/mistralai" || module.starts_with("@mistralai/mistralai/");
    let py_mistral = module == "mistralai" || module.starts_with("mistralai.");
    match () {
        _ if ts_mistral && last == "Mistral" => Some((Sdk::MistralTs, false)),
        _ if ts_mistral && (last == "MistralClient" || (last == "default" && path.len() == 1)) => Some((Sdk::MistralTsV0, false)),
        _ if py_mistral && (last == "MistralClient" || last == "MistralAsyncClient") => Some((Sdk::MistralPyV0, false)),
        _ if py_mistral && last == "Mistral" => Some((Sdk::MistralPy, false)),
        _ if module == "@langchain/mistralai" && last == "ChatMistralAI" => Some((Sdk::LangChainJs, false)),
        _ if module == "@langchain/mistralai" && last == "MistralAIEmbeddings" => Some((Sdk::LangChainJs, true)),
        _ if module.starts_with("langchain_mistralai") && last == "ChatMistralAI" => Some((Sdk::LangChainPy, false)),
        _ if module.starts_with("langchain_mistralai") && last == "MistralAIEmbeddings" => Some((Sdk::LangChainPy, true)),
        _ if module.starts_with("llama_index.") && module.ends_with("mistralai") && last == "MistralAI" => Some((Sdk::LlamaIndex, false)),
        _ if module.starts_with("llama_index.") && module.ends_with("mistralai") && last == "MistralAIEmbedding" => Some((Sdk::LlamaIndex, true)),
        _ if module == "openai" && ["OpenAI", "AsyncOpenAI", "default"].contains(&last) => Some((Sdk::OpenAiCompat, false)),
        _ if module == "axios" && last == "create" => Some((Sdk::Http, false)),
        _ if module == "httpx" && (last == "Client" || last == "AsyncClient") => Some((Sdk::Http, false)),
        _ if module == "requests" && last == "Session" => Some((Sdk::Http, false)),
        _ if module == "aiohttp" && last == "ClientSession" => Some((Sdk::Http, false)),
        _ => None,
    }
}

/// The kind of a method call on a client, or `None` when it is not an API call
/// (`client.toString()`, a helper of the SDK).
fn method_kind(sdk: Sdk, embeddings: bool, members: &[&str]) -> Option<CallKind> {
    use CallKind::*;
    let m = members.join(".");
    let m = m.as_str();
    match sdk {
        Sdk::MistralTs | Sdk::MistralPy => Some(match m {
            "chat.complete" | "chat.complete_async" | "chat.parse" | "chat.parse_async" | "chat.parseAsync" => Chat,
            "chat.stream" | "chat.stream_async" | "chat.parse_stream" | "chat.parse_stream_async" => ChatStream,
            "fim.complete" | "fim.complete_async" => Fim,
            "fim.stream" | "fim.stream_async" => FimStream,
            "agents.complete" | "agents.complete_async" => Agents,
            "agents.stream" | "agents.stream_async" => AgentsStream,
            "embeddings.create" | "embeddings.create_async" => Embeddings,
            "models.list" | "models.list_async" => ModelsList,
            _ if ["ocr", "classifiers", "files", "batch", "fineTuning", "fine_tuning", "beta", "audio", "models", "embeddings"]
                .contains(&members.first().copied().unwrap_or("")) && members.len() >= 2 => Other,
            _ => return None,
        }),
        Sdk::MistralTsV0 | Sdk::MistralPyV0 => Some(match m {
            "chat" => Chat,
            "chatStream" | "chat_stream" => ChatStream,
            "completion" => Fim,
            "completionStream" | "completion_stream" => FimStream,
            "embeddings" => Embeddings,
            "listModels" | "list_models" => ModelsList,
            _ => return None,
        }),
        Sdk::LangChainJs | Sdk::LangChainPy | Sdk::LlamaIndex => {
            let gen = ["invoke", "ainvoke", "stream", "astream", "batch", "abatch", "generate", "agenerate", "call", "predict", "chat", "achat", "complete", "acomplete", "stream_chat", "astream_chat", "stream_complete", "astream_complete", "streamEvents", "astream_events"];
            let emb = ["embedQuery", "embedDocuments", "embed_query", "embed_documents", "aembed_query", "aembed_documents", "get_text_embedding", "get_query_embedding", "aget_text_embedding", "aget_query_embedding"];
            if members.len() != 1 {
                return None;
            }
            if embeddings && emb.contains(&m) {
                Some(Embeddings)
            } else if !embeddings && gen.contains(&m) {
                Some(if m.contains("stream") { ChatStream } else { Chat })
            } else {
                None
            }
        }
        Sdk::OpenAiCompat => Some(match m {
            "chat.completions.create" => Chat,
            "embeddings.create" => Embeddings,
            "models.list" => ModelsList,
            _ => return None,
        }),
        Sdk::Http => ["post", "get", "put", "request", "stream", "send"].contains(&m).then_some(Other),
        Sdk::AiSdk => None,
    }
}

fn retry_library(r: &R) -> Option<String> {
    let R::Ext(m, p) = r else { return None };
    let name = p.iter().filter(|s| *s != "default").cloned().collect::<Vec<_>>().join(".");
    match m.as_str() {
        "tenacity" if name.contains("retry") || name == "Retrying" || name == "AsyncRetrying" => Some("tenacity".into()),
        "backoff" if name.starts_with("on_exception") || name.starts_with("on_predicate") => Some("backoff".into()),
        "stamina" if name.contains("retry") => Some("stamina".into()),
        "p-retry" | "async-retry" | "promise-retry" | "exponential-backoff" | "retry" => Some(m.clone()),
        "cockatiel" if name.contains("retry") => Some("cockatiel retry".into()),
        _ => None,
    }
}

fn breaker_library(m: &str, p: &[String]) -> Option<String> {
    let name = p.iter().filter(|s| *s != "default").cloned().collect::<Vec<_>>().join(".");
    match m {
        "opossum" => Some("opossum".into()),
        "cockatiel" if name.is_empty() || name.to_ascii_lowercase().contains("circuit") => Some("cockatiel circuit breaker".into()),
        "brakes" | "pybreaker" | "aiobreaker" | "purgatory" => Some(m.into()),
        "circuitbreaker" => Some("circuitbreaker".into()),
        _ => None,
    }
}

/// Options of a call as one object: TypeScript's first argument spread in, Python's
/// keyword arguments as pairs, positional parameters named.
fn params_obj(args: &[Arg], positional: &[&str], spread_first: bool) -> Expr {
    let mut entries = Vec::new();
    let mut pos = 0;
    for a in args {
        match a {
            Arg::Pos(e) => {
                if pos < positional.len() {
                    entries.push(Entry::Pair(positional[pos].to_string(), e.clone()));
                } else if pos == 0 && spread_first {
                    entries.push(Entry::Spread(e.clone()));
                }
                pos += 1;
            }
            Arg::Kw(k, v) => entries.push(Entry::Pair(k.clone(), v.clone())),
            Arg::Spread(e) | Arg::KwSpread(e) => entries.push(Entry::Spread(e.clone())),
        }
    }
    Expr::Obj(entries)
}

/// Every name an expression mentions (for content tracking).
fn names_in(e: &Expr, out: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    match e {
        Expr::Name(n) => out.push(n.clone()),
        Expr::List(v) | Expr::Template(v) | Expr::Other(_, v) => v.iter().for_each(|x| names_in(x, out, depth + 1)),
        Expr::Obj(entries) => entries.iter().for_each(|en| match en {
            Entry::Pair(_, v) | Entry::Spread(v) => names_in(v, out, depth + 1),
        }),
        _ => {}
    }
}

/// `JSON.stringify(body)` / `json.dumps(body)` → `body`.
fn unwrap_json(file: &FileIr, e: &Expr) -> Expr {
    if let Expr::Call(c) = e {
        let call = &file.calls[*c];
        let callee = show(file, &call.callee);
        if callee.ends_with("stringify") || callee.ends_with("dumps") {
            if let Some(Arg::Pos(b)) = call.args.first() {
                return b.clone();
            }
        }
    }
    e.clone()
}

/// An expression as short source-like text, for messages.
pub fn show(file: &FileIr, e: &Expr) -> String {
    fn go(file: &FileIr, e: &Expr, depth: usize) -> String {
        if depth > 6 {
            return "…".into();
        }
        match e {
            // A long run of letters and digits may be a key: never shown.
            Expr::Str(s) if s.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 24 && !s.contains([' ', '-', '/', '.']) => "\"…\"".into(),
            Expr::Str(s) => format!("\"{}\"", super::ir::snippet(s)),
            Expr::Num(n) => Lit::Num(*n).show(),
            Expr::Bool(b) => b.to_string(),
            Expr::Null => "null".into(),
            Expr::Name(n) => n.clone(),
            Expr::Member(o, p) => format!("{}.{p}", go(file, o, depth + 1)),
            Expr::Index(o, i) => format!("{}[{}]", go(file, o, depth + 1), go(file, i, depth + 1)),
            Expr::Call(c) => format!("{}(…)", file.calls.get(*c).map(|c| c.text.as_str()).unwrap_or("")),
            Expr::Obj(_) => "{…}".into(),
            Expr::List(_) => "[…]".into(),
            Expr::Template(_) => "`…`".into(),
            Expr::Func(_) => "function".into(),
            Expr::Other(s, _) => s.clone(),
        }
    }
    go(file, e, 0)
}

/// The repository paths a module specifier can name, in order of preference.
pub(crate) struct ModulePaths {
    exact: Vec<String>,
    /// Python absolute imports (`app.settings`) may live under any source root.
    suffixes: Vec<String>,
}

impl ModulePaths {
    pub fn matches(&self, path: &str) -> bool {
        self.exact.iter().any(|e| e == path) || self.suffixes.iter().any(|s| path == s || path.ends_with(&format!("/{s}")))
    }

    /// The first matching file, looked up by exact path, then by file name for suffixes.
    fn first_in<'p>(&self, by_path: &HashMap<&str, usize>, by_name: &HashMap<&str, Vec<usize>>, path_of: impl Fn(usize) -> &'p str) -> Option<usize> {
        if let Some(i) = self.exact.iter().find_map(|e| by_path.get(e.as_str()).copied()) {
            return Some(i);
        }
        let mut hits: Vec<(&str, usize)> = Vec::new();
        for suffix in &self.suffixes {
            let name = suffix.rsplit('/').next().unwrap_or(suffix);
            for &i in by_name.get(name).map(|v| v.as_slice()).unwrap_or(&[]) {
                if self.matches(path_of(i)) {
                    hits.push((path_of(i), i));
                }
            }
        }
        hits.sort();
        hits.first().map(|h| h.1)
    }

    /// The candidate file names, for indexes keyed by file name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.exact.iter().chain(&self.suffixes).map(|p| p.rsplit('/').next().unwrap_or(p))
    }
}

/// Where `module`, imported from the file at `from`, can be in the repository. Package
/// imports (`@mistralai/mistralai`, `requests`) name no repository path in TypeScript.
pub(crate) fn module_paths(lang: Lang, from: &str, module: &str, name: Option<&str>) -> ModulePaths {
    let dir = from.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut out = ModulePaths { exact: Vec::new(), suffixes: Vec::new() };
    if lang == Lang::Python {
        let dots = module.chars().take_while(|c| *c == '.').count();
        let rest = module[dots..].replace('.', "/");
        if dots == 0 {
            out.suffixes = vec![format!("{rest}.py"), format!("{rest}/__init__.py")];
            return out;
        }
        let mut base: Vec<&str> = if dir.is_empty() { Vec::new() } else { dir.split('/').collect() };
        for _ in 1..dots {
            base.pop();
        }
        let prefix = base.join("/");
        let p = match (prefix.is_empty(), rest.is_empty()) {
            (true, _) => rest.clone(),
            (false, true) => prefix,
            (false, false) => format!("{prefix}/{rest}"),
        };
        out.exact = vec![format!("{p}.py"), format!("{p}/__init__.py")];
        if let Some(n) = name {
            out.exact.push(format!("{p}/{n}.py"));
        }
        return out;
    }
    if !module.starts_with('.') {
        return out;
    }
    let joined = normalize(&format!("{dir}/{module}"));
    let stem = ["js", "mjs", "cjs", "jsx"].iter().find_map(|e| joined.strip_suffix(&format!(".{e}"))).unwrap_or(&joined).to_string();
    out.exact.push(joined.clone());
    for ext in ["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"] {
        out.exact.push(format!("{stem}.{ext}"));
    }
    for ext in ["ts", "tsx", "js"] {
        out.exact.push(format!("{joined}/index.{ext}"));
    }
    out
}

fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
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
