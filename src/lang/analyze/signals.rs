//! Log calls that leak content or the key, health routes, and breakers in the code.

use std::collections::HashSet;

use super::context::breaker_library;
use super::resolve::{params_obj, show};
use super::{Lk, Repo, R};
use crate::lang::ir::{Arg, Entry, Expr, FileIr};
use crate::lang::model::{Breaker, CallSite, LogLeak, Route};
use crate::lang::sdks::{self, Style};

/// Calls that read a file from disk: a `content` holding their result is not a message.
const READS_FILE: &[&str] = &["read", "read_text", "readlines", "readFile", "readFileSync"];

impl Repo<'_> {
    /// Names sent to Mistral as message content, per (file, scope): `prefix` in
    /// `fim.complete({prompt: prefix})` is content wherever it is logged in that scope.
    pub(super) fn content_names(
        &self,
        sites: &[CallSite],
    ) -> HashSet<(usize, Option<usize>, String)> {
        let mut set = HashSet::new();
        for s in sites {
            let call = &self.files[s.file].calls[s.call];
            let params = params_obj(&call.args, &[], true);
            let mut found = Vec::new();
            self.content_in(s.file, &params, &mut found, 0);
            // LangChain/LlamaIndex invocations take the content positionally.
            if sdks::family(s.sdk).style == Style::ModelObject {
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
    pub(super) fn content_in(&self, fi: usize, e: &Expr, out: &mut Vec<String>, depth: usize) {
        const KEYS: &[&str] = &["messages", "prompt", "suffix", "content", "input", "inputs"];
        if depth > 6 {
            return;
        }
        match e {
            Expr::Obj(entries) => {
                for en in entries {
                    match en {
                        Entry::Pair(k, v) if KEYS.contains(&k.as_str()) => names_in(v, out, 0),
                        Entry::Pair(_, v) | Entry::Spread(v) => {
                            self.content_in(fi, v, out, depth + 1)
                        }
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
                        Expr::Name(n) if content.contains(&(fi, call.func, n.clone())) => {
                            Some(format!("message content ({n} is sent to Mistral)"))
                        }
                        _ => self.request_error(fi, call, e, sites),
                    };
                    if let Some(what) = sent.or_else(|| self.leak(fi, call.func, e, sites, 0)) {
                        out.push(LogLeak {
                            path: file.path.clone(),
                            line: call.line,
                            what: format!("{} logs {what}", call.text),
                        });
                        break;
                    }
                }
            }
        }
        out
    }

    /// A log call in a `catch` that is handed the caught error whole (`console.error(err)`,
    /// `{ err }`), when the `try` makes a Mistral request with a package whose errors
    /// carry the request (axios): the log holds the request's `Authorization` header.
    fn request_error(
        &self,
        fi: usize,
        call: &crate::lang::ir::Call,
        e: &Expr,
        sites: &[CallSite],
    ) -> Option<String> {
        let t = call.in_catch?;
        let name = match e {
            Expr::Name(n) => n,
            Expr::Obj(entries) => entries.iter().find_map(|en| match en {
                Entry::Pair(_, Expr::Name(n)) => Some(n),
                _ => None,
            })?,
            _ => return None,
        };
        // The caught error is no binding of the function: a local or parameter of that
        // name is something else.
        if !matches!(
            self.deref(fi, call.func, &Expr::Name(name.clone()), 0),
            R::Unknown(_)
        ) {
            return None;
        }
        let file = &self.files[fi];
        let package = sites.iter().find_map(|s| {
            if s.file != fi || !file.calls[s.call].tries.contains(&t) {
                return None;
            }
            let k = &file.calls[s.call];
            match self.deref(fi, k.func, &k.callee, 0) {
                R::Ext(m, _) if sdks::ERRORS_CARRY_REQUEST.contains(&m.as_str()) => Some(m),
                _ => None,
            }
        })?;
        Some(format!(
            "the whole {package} error ({name}), whose request config carries the Authorization header with the API key"
        ))
    }

    pub(super) fn leak(
        &self,
        fi: usize,
        scope: Option<usize>,
        e: &Expr,
        sites: &[CallSite],
        depth: usize,
    ) -> Option<String> {
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
                let bound = self.deref(fi, scope, e, 0);
                // `content = f.read()` / `readFileSync(...)`: a file from disk, not a message.
                let from_disk = matches!(&bound, R::E(fj, _, Expr::Call(c))
                    if READS_FILE.iter().any(|r| self.files[*fj].calls[*c].text.ends_with(r)));
                if CONTENT_WORDS.contains(&n.as_str()) && !from_disk {
                    return Some(format!("message content ({n})"));
                }
                match bound {
                    R::E(fj, sj, Expr::Call(c)) => {
                        if sites
                            .iter()
                            .any(|s| s.file == fj && s.call == c && s.kind.is_generation())
                        {
                            return Some(format!("the whole completion response ({n})"));
                        }
                        if let Some(f) = self.completion_wrapper(fj, sj, c, sites) {
                            return Some(format!("completion text returned by {f}() ({n})"));
                        }
                        self.leak_call_args(fj, sj, c, sites, depth)
                    }
                    R::E(fj, sj, v) if !matches!(v, Expr::Name(_)) => {
                        self.leak(fj, sj, &v, sites, depth + 1)
                    }
                    _ => None,
                }
            }
            Expr::Template(parts)
            | Expr::List(parts)
            | Expr::Other(_, parts)
            | Expr::Fallback(_, parts) => parts
                .iter()
                .find_map(|p| self.leak(fi, scope, p, sites, depth + 1)),
            Expr::Obj(entries) => entries.iter().find_map(|en| match en {
                Entry::Pair(_, v) | Entry::Spread(v) => self.leak(fi, scope, v, sites, depth + 1),
            }),
            Expr::Call(c) => {
                if sites
                    .iter()
                    .any(|s| s.file == fi && s.call == *c && s.kind.is_generation())
                {
                    return Some("the completion response".into());
                }
                if let Some(f) = self.completion_wrapper(fi, scope, *c, sites) {
                    return Some(format!("completion text returned by {f}()"));
                }
                self.leak_call_args(fi, scope, *c, sites, depth)
            }
            _ => None,
        }
    }

    /// The name of the app's function called by call `c` when that function makes a
    /// generation call itself (`answer = generate(q)` then `print(answer)`, in another
    /// file too): what it returns is taken as completion text.
    fn completion_wrapper(
        &self,
        fi: usize,
        scope: Option<usize>,
        c: usize,
        sites: &[CallSite],
    ) -> Option<String> {
        let call = &self.files[fi].calls[c];
        let R::Func(fk, f) = self.deref(fi, scope, &call.callee, 0) else {
            return None;
        };
        let func = &self.files[fk].funcs[f];
        sites
            .iter()
            .any(|s| {
                s.file == fk
                    && s.kind.is_generation()
                    && self.inside(fk, self.files[fk].calls[s.call].func, f)
            })
            .then(|| func.name.clone().unwrap_or_else(|| "a function".into()))
    }

    /// `JSON.stringify(x)`, `str(x)`, `os.getenv("MISTRAL_API_KEY")`: what the arguments leak.
    pub(super) fn leak_call_args(
        &self,
        fi: usize,
        scope: Option<usize>,
        c: usize,
        sites: &[CallSite],
        depth: usize,
    ) -> Option<String> {
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
        let passthrough = [
            "JSON.stringify",
            "str",
            "repr",
            "json.dumps",
            "String",
            "format",
            "util.inspect",
            "inspect",
        ];
        if passthrough
            .iter()
            .any(|p| callee == *p || callee.ends_with(&format!(".{p}")))
        {
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
                let R::Ext(m, p) = self.deref(fi, call.func, &call.callee, 0) else {
                    continue;
                };
                let Some((family, _)) = sdks::constructor(file.lang, &m, &p) else {
                    continue;
                };
                if family.params.debug_logger.is_empty() {
                    continue;
                }
                let Some(c) = self.classify_client(fi, ci, &m, &p) else {
                    continue;
                };
                if let Lk::Found(vf, vs, v, key) =
                    self.lookup(fi, call.func, &c.opts, family.params.debug_logger, 0)
                {
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
                let Expr::Member(_, m) = &call.callee else {
                    continue;
                };
                if !["get", "post", "all", "route", "head", "use"].contains(&m.as_str()) {
                    continue;
                }
                let Some(Arg::Pos(Expr::Str(route))) = call.args.first() else {
                    continue;
                };
                if !is_health_path(route) {
                    continue;
                }
                let handler = call.args.iter().rev().find_map(|a| match a {
                    Arg::Pos(e @ (Expr::Func(_) | Expr::Name(_) | Expr::Member(..))) => {
                        Some(e.clone())
                    }
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
                    let Expr::Member(_, m) = &dc.callee else {
                        continue;
                    };
                    if !["get", "route", "api_route", "head"].contains(&m.as_str()) {
                        continue;
                    }
                    if let Some(Arg::Pos(Expr::Str(route))) = dc.args.first() {
                        if is_health_path(route) {
                            out.push(self.route(file, dc.line, route, Some((fi, f)), sites));
                        }
                    }
                }
                let next_route = func.parent.is_none()
                    && func.name.as_deref() == Some("GET")
                    && file.path.contains("/route.")
                    && is_health_path(&file.path);
                if next_route {
                    let route = file
                        .path
                        .rsplit_once("/route.")
                        .map(|(d, _)| d)
                        .unwrap_or("")
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .to_string();
                    out.push(self.route(
                        file,
                        func.line,
                        &format!("/{route}"),
                        Some((fi, f)),
                        sites,
                    ));
                }
            }
        }
        out
    }

    pub(super) fn route(
        &self,
        file: &FileIr,
        line: u32,
        route: &str,
        handler: Option<(usize, usize)>,
        sites: &[CallSite],
    ) -> Route {
        let mut r = Route {
            path: file.path.clone(),
            line,
            route: route.to_string(),
            probe: None,
            answers_5xx: false,
        };
        let Some(h) = handler else { return r };
        // The handler and what it calls (three levels), for a Mistral call and a 5xx answer.
        let mut todo = vec![(h, 0)];
        let mut seen = HashSet::new();
        while let Some(((fi, f), d)) = todo.pop() {
            if !seen.insert((fi, f)) {
                continue;
            }
            let fl = &self.files[fi];
            if fl.funcs[f].answers_5xx
                || fl.tries.iter().any(|t| t.func == Some(f) && t.answers_5xx)
            {
                r.answers_5xx = true;
            }
            if r.probe.is_none() {
                if let Some(s) = sites
                    .iter()
                    .find(|s| s.file == fi && s.func.is_some_and(|sf| self.inside(fi, Some(sf), f)))
                {
                    r.probe = Some((s.path.clone(), s.line, s.api.clone()));
                }
            }
            if d >= 3 {
                continue;
            }
            for c in fl
                .calls
                .iter()
                .filter(|c| c.func.is_some_and(|cf| self.inside(fi, Some(cf), f)))
            {
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
                if let Some(what) = breaker_library(&imp.module, &path)
                    .or_else(|| breaker_library(&imp.module, &[]))
                {
                    out.push(Breaker {
                        path: file.path.clone(),
                        line: imp.line,
                        what,
                    });
                }
            }
            for c in &file.classes {
                if c.breaker_states {
                    out.push(Breaker {
                        path: file.path.clone(),
                        line: c.line,
                        what: format!("class {} with open/half-open states", c.name),
                    });
                }
            }
        }
        out
    }

    pub fn mistral_imports(&self) -> Vec<(String, u32, String)> {
        let mut out = Vec::new();
        for file in self.files {
            for imp in &file.imports {
                if sdks::is_mistral_module(file.lang, &imp.module) {
                    out.push((
                        file.path.clone(),
                        imp.line,
                        format!("imports {}", imp.module),
                    ));
                }
            }
        }
        out
    }
}

pub(super) const CONTENT_WORDS: &[&str] = &[
    "messages",
    "prompt",
    "prompts",
    "content",
    "choices",
    "completion",
    "user_prompt",
    "userPrompt",
    "user_message",
    "userMessage",
    "delta",
];

pub(super) fn is_key_name(n: &str) -> bool {
    let l = n.to_ascii_lowercase().replace(['_', '-'], "");
    l == "apikey" || l.ends_with("apikey") || l == "authorization"
}

pub(super) fn is_log_call(callee: &Expr) -> bool {
    match callee {
        Expr::Name(n) => n == "print" || n == "pprint",
        Expr::Member(o, m) => {
            const METHODS: &[&str] = &[
                "log",
                "info",
                "warn",
                "warning",
                "error",
                "debug",
                "trace",
                "exception",
                "critical",
                "fatal",
            ];
            if !METHODS.contains(&m.as_str()) {
                return false;
            }
            let root = match &**o {
                Expr::Name(n) => n.to_ascii_lowercase(),
                Expr::Member(_, n) => n.to_ascii_lowercase(),
                Expr::Call(_) => "logger".into(),
                _ => return false,
            };
            root == "console"
                || root.contains("log")
                || root == "pino"
                || root == "winston"
                || root == "structlog"
        }
        _ => false,
    }
}

pub(super) use crate::health_path::is_health_path;

/// Every name an expression mentions (for content tracking).
pub(super) fn names_in(e: &Expr, out: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    match e {
        Expr::Name(n) => out.push(n.clone()),
        Expr::List(v) | Expr::Template(v) | Expr::Other(_, v) | Expr::Fallback(_, v) => {
            v.iter().for_each(|x| names_in(x, out, depth + 1))
        }
        Expr::Obj(entries) => entries.iter().for_each(|en| match en {
            Entry::Pair(_, v) | Entry::Spread(v) => names_in(v, out, depth + 1),
        }),
        _ => {}
    }
}
