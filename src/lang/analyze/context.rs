//! What surrounds a call site: the calls it runs on behalf of, and from them its
//! error handling, retries and circuit breaker.

use std::collections::HashSet;

use super::resolve::show;
use super::{Repo, R};
use crate::lang::ir::{Arg, Delay, Expr, Lang, Statuses};
use crate::lang::model::{CallSite, Handler, HandlerKind, Handling, Retry};

impl Repo<'_> {
    /// The call and the calls it runs on behalf of (wrappers given a callback, callers of
    /// its function), nearest first.
    pub(super) fn frames(&self, fi: usize, ci: usize) -> Vec<(usize, usize)> {
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
            for b in self.files[f]
                .bindings
                .iter()
                .filter(|b| b.value == Expr::Call(c))
            {
                for (k, kc) in self.files[f].calls.iter().enumerate() {
                    if let Expr::Member(recv, m) = &kc.callee {
                        let runs = ["fire", "execute", "call", "call_async", "run", "exec"]
                            .contains(&m.as_str());
                        if runs
                            && matches!(&**recv, Expr::Name(n) if *n == b.name)
                            && matches!(self.deref(f, kc.func, recv, 0), R::E(_, _, Expr::Call(x)) if x == c)
                        {
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
    pub(super) fn enclosing(&self, fi: usize, ci: usize) -> Vec<usize> {
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
    pub(super) fn method_called(&self, fi: usize, ci: usize) -> Option<(usize, usize)> {
        let call = &self.files[fi].calls[ci];
        let Expr::Member(recv, m) = &call.callee else {
            return None;
        };
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
                self.files[fk]
                    .classes
                    .iter()
                    .any(|c| Some(&c.name) == imp.name.as_ref())
                    .then_some(fk)
            })?;
        let real_name = self.files[fj]
            .imports
            .iter()
            .find(|i| i.local == cname)
            .and_then(|i| i.name.clone())
            .unwrap_or(cname);
        let class = self.files[target]
            .classes
            .iter()
            .find(|c| c.name == real_name)?;
        class
            .methods
            .iter()
            .find(|&&f| self.files[target].funcs[f].name.as_deref() == Some(m.as_str()))
            .map(|&f| (target, f))
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
                        let kind = if file.lang == Lang::Python {
                            HandlerKind::TryExcept
                        } else {
                            HandlerKind::TryCatch
                        };
                        handled = Some(Handler {
                            path: file.path.clone(),
                            line: tr.line,
                            kind,
                        });
                    }
                }
            }
            if let Some(s) = call.chained_catch {
                statuses = statuses.union(s);
                handled.get_or_insert(Handler {
                    path: file.path.clone(),
                    line: call.line,
                    kind: HandlerKind::CatchChain,
                });
            }
            for &fu in &self.enclosing(f, c) {
                statuses = statuses.union(file.funcs[fu].statuses);
                for d in &file.funcs[fu].decorators {
                    let resolved = self.decorator(f, d);
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
                if call.in_loop && file.funcs[fu].sleeps && retry_lib.is_none() {
                    retry_lib = self.retry_loop(f, c, fu);
                }
            }
            if n == 0 {
                // `breaker.call(client.chat.complete, ...)`: the call itself is the runner.
                if let Expr::Member(recv, m) = &call.callee {
                    if ["fire", "execute", "call", "call_async", "run", "exec"]
                        .contains(&m.as_str())
                        && breaker.is_none()
                    {
                        if let Some(what) = self.policy_instance(f, call.func, recv, breaker_kind) {
                            breaker = Some((file.path.clone(), call.line, what));
                        }
                    }
                }
            }
            if n > 0 {
                // A wrapper call this one runs inside.
                let resolved = self.deref(f, call.func, &call.callee, 0);
                if retry_lib.is_none() {
                    let via_policy = match &call.callee {
                        Expr::Member(recv, m)
                            if ["execute", "call", "run"].contains(&m.as_str()) =>
                        {
                            self.policy_instance(f, call.func, recv, retry_library)
                        }
                        _ => None,
                    };
                    if let Some(how) = retry_library(&resolved).or(via_policy) {
                        retry_lib = Some(Retry::Backoff {
                            how: format!("wrapped in {how}"),
                            path: file.path.clone(),
                            line: call.line,
                        });
                    }
                }
                if breaker.is_none() {
                    if let Some(what) = self.breaker_of(&resolved) {
                        breaker = Some((file.path.clone(), call.line, what));
                    } else if let Expr::Member(recv, m) = &call.callee {
                        if ["fire", "execute", "call", "call_async", "run", "exec"]
                            .contains(&m.as_str())
                        {
                            if let Some(what) =
                                self.policy_instance(f, call.func, recv, breaker_kind)
                            {
                                breaker = Some((file.path.clone(), call.line, what));
                            }
                        }
                    }
                }
                if let Some((mf, mfu)) = self.method_called(f, c) {
                    let method = &self.files[mf].funcs[mfu];
                    if method.has_try {
                        statuses = statuses.union(method.statuses);
                        handled.get_or_insert(Handler {
                            path: self.files[mf].path.clone(),
                            line: method.line,
                            kind: HandlerKind::MethodCatches {
                                method: method.name.clone().unwrap_or_default(),
                            },
                        });
                    }
                    let class_has_states = self.files[mf]
                        .classes
                        .iter()
                        .any(|k| k.breaker_states && k.methods.contains(&mfu));
                    if class_has_states && breaker.is_none() {
                        breaker = Some((
                            file.path.clone(),
                            call.line,
                            format!(
                                "{} (class with open/half-open states)",
                                method.class.clone().unwrap_or_default()
                            ),
                        ));
                    }
                }
            }
        }
        // fetch does not throw on 4xx/5xx: status checks on the response are its handling.
        if crate::lang::sdks::family(site.sdk).style == crate::lang::sdks::Style::Http
            && statuses.any()
        {
            handled.get_or_insert(Handler {
                path: site.path.clone(),
                line: site.line,
                kind: HandlerKind::ResponseStatusChecks,
            });
        }
        // The client's own backoff wins; a fixed-delay loop says no more than a client
        // whose retry config is not visible.
        let retry = match (&site.retry, &retry_lib) {
            (Retry::Backoff { .. }, _)
            | (Retry::NotVisible { .. }, Some(Retry::FixedDelay { .. }))
            | (_, None) => site.retry.clone(),
            (_, Some(r)) => r.clone(),
        };
        if let Retry::Backoff { .. } = retry {
            // A retry with backoff on 429/5xx tells those apart.
            statuses.s429 = true;
            statuses.s5xx = true;
        }
        if breaker.is_some() && statuses.s5xx {
            statuses.s5xx = true;
        }
        site.handling = Handling {
            at: handled,
            statuses,
        };
        site.retry = retry;
        site.breaker = breaker;
        site.func = self.files[fi].calls[ci].func;
        site.file = fi;
    }

    /// Call `c` in a loop of function `fu`, which sleeps: a hand-written retry when the
    /// loop retries on 429/5xx (it tells them apart) or on every error (the call is
    /// inside a try whose handler is in the loop's function). Backoff when the wait grows
    /// between attempts; a fixed wait retries without backoff; a wait computed some
    /// other way counts as backoff only with 429/5xx told apart.
    fn retry_loop(&self, f: usize, c: usize, fu: usize) -> Option<Retry> {
        let file = &self.files[f];
        let func = &file.funcs[fu];
        let call = &file.calls[c];
        let told = func.statuses.s429 || func.statuses.s5xx;
        let caught = call
            .tries
            .iter()
            .any(|&t| file.tries[t].has_handler && file.tries[t].func == Some(fu));
        let at = |how: &str| (how.to_string(), file.path.clone(), call.line);
        match func.delay {
            Some(Delay::Grows) if told => {
                let (how, path, line) = at("hand-written retry loop with sleep on 429/5xx");
                Some(Retry::Backoff { how, path, line })
            }
            Some(Delay::Grows) if caught => {
                let (how, path, line) =
                    at("hand-written retry loop: every error is retried, waiting longer each time");
                Some(Retry::Backoff { how, path, line })
            }
            Some(Delay::Fixed) if told || caught => {
                let (how, path, line) = at("a hand-written retry loop");
                Some(Retry::FixedDelay { how, path, line })
            }
            _ if told => {
                let (how, path, line) = at("hand-written retry loop with sleep on 429/5xx");
                Some(Retry::Backoff { how, path, line })
            }
            _ => None,
        }
    }

    /// What a decorator is: `@retry(...)` and `@retry` both resolve `retry`.
    pub(super) fn decorator(&self, fi: usize, d: &Expr) -> R {
        let target = match d {
            Expr::Call(k) => &self.files[fi].calls[*k].callee,
            other => other,
        };
        self.deref(fi, None, target, 0)
    }

    pub(super) fn decorator_retry(&self, fi: usize, d: &Expr, how: String, line: u32) -> Retry {
        let path = self.files[fi].path.clone();
        // tenacity `retry=retry_if_exception_type(ConnectError)`, backoff's exception tuple
        let text = show(&self.files[fi], d);
        let args_text = match d {
            Expr::Call(k) => self.files[fi].calls[*k]
                .args
                .iter()
                .map(|a| match a {
                    Arg::Pos(e) | Arg::Kw(_, e) => show(&self.files[fi], e),
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
                .join(" "),
            _ => String::new(),
        };
        let connection_only = (args_text.contains("Connect")
            || args_text.contains("Timeout")
            || args_text.contains("Network"))
            && ![
                "Status",
                "SDKError",
                "HTTPError",
                "Exception",
                "429",
                "RateLimit",
                "APIError",
            ]
            .iter()
            .any(|w| args_text.contains(w));
        if connection_only {
            Retry::ConnectionOnly {
                how: format!("{how} ({text}) retries connection errors only"),
                path,
                line,
            }
        } else {
            Retry::Backoff {
                how: format!("{how} decorator"),
                path,
                line,
            }
        }
    }

    pub(super) fn breaker_of(&self, r: &R) -> Option<String> {
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

    /// A policy object a call runs through (`breaker.fire`, `policy.execute`), looked up
    /// in the object's constructor and, for `wrap(retry(...), circuitBreaker(...))`, in
    /// the policies it combines. `kind` says what is looked for.
    pub(super) fn policy_instance(
        &self,
        fi: usize,
        scope: Option<usize>,
        recv: &Expr,
        kind: fn(&R) -> Option<String>,
    ) -> Option<String> {
        let r = self.deref(fi, scope, recv, 0);
        let of_call = |r: &R| -> Option<String> {
            kind(r).or_else(|| match r {
                R::E(fj, _, Expr::Call(k)) => {
                    let c = &self.files[*fj].calls[*k];
                    kind(&self.deref(*fj, c.func, &c.callee, 0))
                }
                _ => None,
            })
        };
        if let Some(w) = of_call(&r) {
            return Some(w);
        }
        if let R::E(fj, _, Expr::Call(k)) = r {
            for a in &self.files[fj].calls[k].args {
                if let Arg::Pos(e) = a {
                    if let Some(w) = of_call(&self.deref(fj, None, e, 0)) {
                        return Some(w);
                    }
                }
            }
        }
        None
    }
}

fn breaker_kind(r: &R) -> Option<String> {
    match r {
        R::Ext(m, p) => breaker_library(m, p),
        _ => None,
    }
}

pub(super) fn retry_library(r: &R) -> Option<String> {
    let R::Ext(m, p) = r else { return None };
    let name = p
        .iter()
        .filter(|s| *s != "default")
        .cloned()
        .collect::<Vec<_>>()
        .join(".");
    match m.as_str() {
        "tenacity" if name.contains("retry") || name == "Retrying" || name == "AsyncRetrying" => {
            Some("tenacity".into())
        }
        "backoff" if name.starts_with("on_exception") || name.starts_with("on_predicate") => {
            Some("backoff".into())
        }
        "stamina" if name.contains("retry") => Some("stamina".into()),
        "p-retry" | "async-retry" | "promise-retry" | "exponential-backoff" | "retry" => {
            Some(m.clone())
        }
        "cockatiel" if name.contains("retry") => Some("cockatiel retry".into()),
        _ => None,
    }
}

pub(super) fn breaker_library(m: &str, p: &[String]) -> Option<String> {
    let name = p
        .iter()
        .filter(|s| *s != "default")
        .cloned()
        .collect::<Vec<_>>()
        .join(".");
    match m {
        "opossum" => Some("opossum".into()),
        "cockatiel" if name.is_empty() || name.to_ascii_lowercase().contains("circuit") => {
            Some("cockatiel circuit breaker".into())
        }
        "brakes" | "pybreaker" | "aiobreaker" | "purgatory" => Some(m.into()),
        "circuitbreaker" => Some("circuitbreaker".into()),
        _ => None,
    }
}
