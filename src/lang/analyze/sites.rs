//! Mistral clients and call sites: which constructors make a client, which methods
//! are API calls, and the settings each call passes.

use std::collections::HashSet;

use super::resolve::{params_obj, show};
use super::{Client, Lk, ParamSdk, Repo, R};
use crate::lang::ir::{Arg, Entry, Expr, FileIr, Lang, Statuses};
use crate::lang::model::{
    CallKind, CallSite, Handler, HandlerKind, Handling, Lit, Retry, Sdk, Setting,
};
use crate::lang::sdks::{self, CallRetries, Endpoint, Makes, RetryDefault, Style};

impl Repo<'_> {
    pub(super) fn client_of(
        &self,
        fi: usize,
        scope: Option<usize>,
        e: &Expr,
        depth: usize,
    ) -> Option<Client> {
        if depth > 4 {
            return None;
        }
        match self.deref(fi, scope, e, 0) {
            R::E(fj, _, Expr::Call(c)) => {
                let call = &self.files[fj].calls[c];
                // `client.with_options(timeout=...)`: the same client, derived.
                if let Expr::Member(recv, m) = &call.callee {
                    if sdks::CLIENT_DERIVE.contains(&m.as_str()) {
                        if let Some(client) = self.client_of(fj, call.func, recv, depth + 1) {
                            return Some(client);
                        }
                    }
                }
                // `new Proxy(client, handler)`: calls through the proxy reach the client.
                if call.new && matches!(&call.callee, Expr::Name(n) if n == sdks::PROXY) {
                    let Some(Arg::Pos(target)) = call.args.first() else {
                        return None;
                    };
                    return self.client_of(fj, call.func, target, depth + 1);
                }
                match self.deref(fj, call.func, &call.callee, 0) {
                    R::Ext(m, path) => self.classify_client(fj, c, &m, &path),
                    // `make_client = functools.partial(Mistral, api_key=...)`, then `make_client()`.
                    R::E(fk, _, Expr::Call(p)) => self.partial_client(fj, c, fk, p),
                    // `Mistral(...).__enter__` style or a factory function returning a client
                    R::Func(fk, f) => self
                        .made_in(fk, f)
                        .or_else(|| self.proxied_param(fj, call, fk, f, depth)),
                    // `RetryingChat(...)` of `class RetryingChat(ChatMistralAI)`.
                    _ => self.subclass_client(fj, c),
                }
            }
            // `self.client.chat.complete(...)` with `client` a property that makes one.
            R::Func(fk, f) if self.files[fk].funcs[f].accessor => self.made_in(fk, f),
            // `None if DEMO else Mistral(...)`, `key ? new Mistral(...) : null`,
            // `client or Mistral()`: a client when one branch makes one.
            R::E(fj, sj, Expr::Other(_, parts) | Expr::Fallback(_, parts)) => {
                parts.iter().find_map(|p| {
                    self.client_of(fj, sj, p, depth + 1).or_else(|| {
                        // An annotated type (`client: Mistral = ...`) of a Mistral package.
                        let R::Ext(m, path) = self.deref(fj, sj, p, 0) else {
                            return None;
                        };
                        let (family, makes) = sdks::constructor(self.files[fj].lang, &m, &path)?;
                        (family.endpoint == Endpoint::Mistral).then(|| Client {
                            sdk: family.sdk,
                            makes,
                            file: fj,
                            scope: sj,
                            opts: Expr::Obj(Vec::new()),
                            line: sj.map_or(0, |f| self.files[fj].funcs[f].line),
                            call: None,
                            base_url: None,
                            class: None,
                        })
                    })
                })
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
                let Some(ty) = self.files[fj].funcs[f].params[pi].ty.clone() else {
                    return self.untyped_param_client(fj, f, pi);
                };
                match self.deref(fj, None, &ty, 0) {
                    R::Ext(m, path) => {
                        let (family, makes) = sdks::constructor(self.files[fj].lang, &m, &path)?;
                        // `client: OpenAI` or `session: requests.Session` says nothing of
                        // where the client points: only a Mistral package's type does.
                        if family.endpoint != Endpoint::Mistral {
                            return None;
                        }
                        Some(Client {
                            sdk: family.sdk,
                            makes,
                            file: fj,
                            scope: Some(f),
                            opts: Expr::Obj(Vec::new()),
                            line: self.files[fj].funcs[f].line,
                            call: None,
                            base_url: None,
                            class: None,
                        })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `def ask(client, prompt): client.chat.complete(...)` where no caller in the
    /// repository says what `client` is: in a file that imports the client class of
    /// exactly one Mistral SDK, it is that SDK's client (a method call still has to be
    /// one of that SDK's methods to be a call site). Its options are those of the one
    /// client the file makes, when it makes exactly one; else not visible statically.
    fn untyped_param_client(&self, fj: usize, f: usize, pi: usize) -> Option<Client> {
        let cached = self.param_sdk.borrow().get(&fj).cloned();
        let known = match cached {
            Some(known) => known,
            None => {
                let known = self.param_sdk_of(fj);
                self.param_sdk.borrow_mut().insert(fj, known.clone());
                known
            }
        };
        let ParamSdk { sdk, makes, made } = known?;
        if made.is_some() {
            return made;
        }
        let file = &self.files[fj];
        Some(Client {
            sdk,
            makes,
            file: fj,
            scope: Some(f),
            // Options looked up through the parameter itself: "not visible statically",
            // naming the parameter and its function.
            opts: Expr::Name(file.funcs[f].params[pi].name.clone()),
            line: file.funcs[f].line,
            call: None,
            base_url: None,
            class: None,
        })
    }

    fn param_sdk_of(&self, fj: usize) -> Option<ParamSdk> {
        let file = &self.files[fj];
        let mut families = file.imports.iter().filter_map(|imp| {
            let R::Ext(m, path) = self.resolve_import(fj, &imp.module, imp.name.as_deref(), 0)
            else {
                return None;
            };
            let (family, makes) = sdks::constructor(file.lang, &m, &path)?;
            // Only an SDK client's namespaced methods (`chat.complete`) say which client
            // it is: a LangChain model's `invoke` is every runnable's (a retriever's too).
            (family.endpoint == Endpoint::Mistral && makes == sdks::Makes::Client)
                .then_some((family.sdk, makes))
        });
        let (sdk, makes) = families.next()?;
        if families.any(|other| other != (sdk, makes)) {
            return None;
        }
        let mut made = file
            .calls
            .iter()
            .enumerate()
            .filter(|(_, k)| self.is_constructor(fj, k))
            .filter_map(|(ki, k)| match self.deref(fj, k.func, &k.callee, 0) {
                R::Ext(m, path) => self.classify_client(fj, ki, &m, &path),
                _ => None,
            })
            .filter(|c| c.sdk == sdk && c.makes == makes);
        let made = match (made.next(), made.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        };
        Some(ParamSdk { sdk, makes, made })
    }

    /// The client a function makes: the first client constructor called in its body (a
    /// factory, a property that builds the client on first use).
    fn made_in(&self, fk: usize, f: usize) -> Option<Client> {
        let (ki, k) = self.files[fk]
            .calls
            .iter()
            .enumerate()
            .find(|(_, k)| k.func == Some(f) && self.is_constructor(fk, k))?;
        match self.deref(fk, k.func, &k.callee, 0) {
            R::Ext(m, path) => self.classify_client(fk, ki, &m, &path),
            _ => None,
        }
    }

    /// Call `c` constructs a repository class that extends a client class of an SDK
    /// (`class RetryingChat(ChatMistralAI)`, `class Client extends Mistral`): a client of
    /// the base's SDK made with the call's arguments, which remembers the subclass for
    /// what its methods add (a retry around `_generate`). One level of inheritance; the
    /// class is looked up by name, in the calling file first.
    fn subclass_client(&self, fi: usize, c: usize) -> Option<Client> {
        let name = match &self.files[fi].calls[c].callee {
            Expr::Name(n) | Expr::Member(_, n) => n.as_str(),
            _ => return None,
        };
        // The calling file's class of that name first, then the others.
        let mut found = self.classes.get(name).cloned().unwrap_or_default();
        found.sort_by_key(|&(fj, _)| fj != fi);
        for (fj, k) in found.into_iter().take(4) {
            for base in &self.files[fj].classes[k].bases {
                if let R::Ext(m, path) = self.deref(fj, None, &Expr::Name(base.clone()), 0) {
                    if let Some(mut client) = self.classify_client(fi, c, &m, &path) {
                        client.class = Some((fj, k));
                        return Some(client);
                    }
                }
            }
        }
        None
    }

    /// The default a configuration schema gives the key `v` is read with
    /// (`entry.data[CONF_BASE_URL]` and `vol.Required(CONF_BASE_URL, default=URL)`
    /// elsewhere in the repository): what the app uses unless its user changes it.
    fn config_default(&self, fi: usize, scope: Option<usize>, v: &Expr) -> Option<String> {
        let key_expr = match self.deref(fi, scope, v, 0) {
            R::E(_, _, Expr::Index(_, k)) => *k,
            R::E(fj, _, Expr::Call(c)) => match self.files[fj].calls[c].args.first() {
                Some(Arg::Pos(k)) => k.clone(),
                _ => return None,
            },
            _ => return None,
        };
        let key = self.loose_string(fi, scope, &key_expr, 0)?;
        for (fk, file) in self.files.iter().enumerate() {
            for call in &file.calls {
                let Some(Arg::Pos(first)) = call.args.first() else {
                    continue;
                };
                let default = call.args.iter().find_map(|a| match a {
                    Arg::Kw(k, d) if k == "default" => Some(d),
                    _ => None,
                });
                if let Some(d) = default {
                    if self.loose_string(fk, call.func, first, 0).as_deref() == Some(key.as_str()) {
                        if let Some(url) = self.loose_string(fk, call.func, d, 0) {
                            return Some(url);
                        }
                    }
                }
            }
        }
        None
    }

    /// `make()` where `make = functools.partial(Mistral, api_key=...)`: the client the
    /// partial's constructor makes, with the partial's keywords and (in the same file)
    /// the call's own. Across files only the partial's are read: an expression is only
    /// meaningful in the file it was lowered from.
    fn partial_client(&self, fj: usize, c: usize, fk: usize, p: usize) -> Option<Client> {
        let partial = &self.files[fk].calls[p];
        if !matches!(self.deref(fk, partial.func, &partial.callee, 0), R::Ext(m, path) if m == sdks::PARTIAL.0 && path == [sdks::PARTIAL.1])
        {
            return None;
        }
        let Some(Arg::Pos(target)) = partial.args.first() else {
            return None;
        };
        let R::Ext(m, path) = self.deref(fk, partial.func, target, 0) else {
            return None;
        };
        let own = &self.files[fj].calls[c].args;
        if fj == fk && !own.is_empty() {
            let args: Vec<Arg> = partial.args[1..].iter().chain(own).cloned().collect();
            self.classify_client_args(fj, c, &m, &path, &args)
        } else {
            self.classify_client_args(fk, p, &m, &path, &partial.args[1..])
        }
    }

    /// A factory that wraps its parameter in a `Proxy` (`traced(new Mistral(...))`, with
    /// `function traced(target) { return new Proxy(target, handler) }`): the client is
    /// the argument given for that parameter.
    fn proxied_param(
        &self,
        fj: usize,
        call: &crate::lang::ir::Call,
        fk: usize,
        f: usize,
        depth: usize,
    ) -> Option<Client> {
        let proxy = self.files[fk].calls.iter().find(|k| {
            k.func == Some(f) && k.new && matches!(&k.callee, Expr::Name(n) if n == sdks::PROXY)
        })?;
        let Some(Arg::Pos(target)) = proxy.args.first() else {
            return None;
        };
        let R::Param(_, pf, pi) = self.deref(fk, proxy.func, target, 0) else {
            return None;
        };
        if pf != f {
            return None;
        }
        let arg = self.arg_for(fk, f, pi, call)?;
        self.client_of(fj, call.func, &arg, depth + 1)
    }

    /// A call in a base class's method that is Mistral's for one of its subclasses: the
    /// base posts to `self.base_url` and the subclass sets it on api.mistral.ai. Read
    /// with the subclass's fields (by class name, one level of inheritance).
    fn subclass_call_site(&self, fi: usize, ci: usize) -> Option<(CallSite, Option<Client>)> {
        let call = &self.files[fi].calls[ci];
        let class = call
            .func
            .and_then(|f| self.files[fi].funcs[f].class.as_deref())?;
        let subs = self.subclasses.get(class)?;
        for &(sf, sc) in subs.iter().take(8) {
            let sub = &self.files[sf].classes[sc];
            *self.view.borrow_mut() = Some(super::View {
                base: class.to_string(),
                file: sf,
                class: sub.name.clone(),
            });
            let found = self.call_site(fi, ci);
            *self.view.borrow_mut() = None;
            if let Some((mut site, client)) = found {
                site.via = Some(format!(
                    "as {} at {}:{}",
                    sub.name, self.files[sf].path, sub.line
                ));
                return Some((site, client));
            }
        }
        None
    }

    pub(super) fn is_constructor(&self, fi: usize, k: &crate::lang::ir::Call) -> bool {
        matches!(self.deref(fi, k.func, &k.callee, 0), R::Ext(m, p) if sdks::constructor(self.files[fi].lang, &m, &p).is_some())
    }

    pub(super) fn classify_client(
        &self,
        fi: usize,
        c: usize,
        module: &str,
        path: &[String],
    ) -> Option<Client> {
        self.classify_client_args(fi, c, module, path, &self.files[fi].calls[c].args)
    }

    /// A client made by call `c` with `args` (its own, or those a `functools.partial`
    /// gave it first).
    fn classify_client_args(
        &self,
        fi: usize,
        c: usize,
        module: &str,
        path: &[String],
        args: &[Arg],
    ) -> Option<Client> {
        let call = &self.files[fi].calls[c];
        let py = self.files[fi].lang == Lang::Python;
        let (family, makes) = sdks::constructor(self.files[fi].lang, module, path)?;
        let sdk = family.sdk;
        let positional = family.params.positional;
        // `new ChatMistralAI("mistral-large-2512", {...})`: the model comes first.
        let model_first =
            family.params.model_first && matches!(args.first(), Some(Arg::Pos(Expr::Str(_))));
        let opts = if model_first {
            let mut entries = vec![Entry::Pair(
                "model".into(),
                match &args[0] {
                    Arg::Pos(e) => e.clone(),
                    _ => Expr::Null,
                },
            )];
            if let Some(Arg::Pos(rest)) = args.get(1) {
                entries.push(Entry::Spread(rest.clone()));
            }
            Expr::Obj(entries)
        } else {
            params_obj(args, positional, !py)
        };
        let mut client = Client {
            sdk,
            makes,
            file: fi,
            scope: call.func,
            opts,
            line: call.line,
            call: Some(c),
            base_url: None,
            class: None,
        };
        if let Lk::Found(fj, sj, v, _) =
            self.lookup(fi, call.func, &client.opts, family.params.base_url, 0)
        {
            client.base_url = self
                .loose_string(fj, sj, &v, 0)
                .or_else(|| self.config_default(fj, sj, &v));
        }
        let mistral_url = client.base_url.as_deref().is_some_and(sdks::names_api_host);
        match family.endpoint {
            Endpoint::Mistral => Some(client),
            _ if mistral_url => Some(client),
            // An HTTP session without a base URL is checked per request.
            Endpoint::PerRequest if client.base_url.is_none() => Some(client),
            // An OpenAI or HTTP client is Mistral's only when pointed at api.mistral.ai.
            Endpoint::BaseUrl | Endpoint::PerRequest => None,
        }
    }

    pub(super) fn client_retry(&self, c: &Client, path: &str) -> Retry {
        if let Some(r) = c.class.and_then(|k| self.class_retry(k)) {
            return r;
        }
        let family = sdks::family(c.sdk);
        let look = || self.lookup(c.file, c.scope, &c.opts, family.params.client_retries, 0);
        match family.retry {
            RetryDefault::OnlyWithConfig => match look() {
                Lk::Found(fj, sj, v, key) => self.retry_config(fj, sj, &v, &key, path, c.line),
                Lk::Unknown(why) => Retry::NotVisible {
                    how: format!("retry config not visible statically ({why})"),
                    path: path.into(),
                    line: c.line,
                },
                Lk::Missing => Retry::None,
            },
            RetryDefault::BackoffByDefault { given, default } => self.max_retries(
                look(),
                |key| given.replace("{key}", key).replace("{label}", family.label),
                default.replace("{label}", family.label),
                path,
                c.line,
            ),
            RetryDefault::ConnectionOnly { how } => Retry::ConnectionOnly {
                how: how.into(),
                path: path.into(),
                line: c.line,
            },
            RetryDefault::Ignored { how } => Retry::Disabled {
                how: how.into(),
                path: path.into(),
                line: c.line,
            },
            RetryDefault::Never => Retry::None,
        }
    }

    /// A retry library decorating a method of a client subclass, or a function nested in
    /// one (`_generate` running `super()._generate` inside a tenacity-decorated `_call`):
    /// every request of the client goes through it.
    fn class_retry(&self, (fk, k): (usize, usize)) -> Option<Retry> {
        let file = &self.files[fk];
        let methods = &file.classes[k].methods;
        let in_class = |mut f: usize| loop {
            if methods.contains(&f) {
                return true;
            }
            match file.funcs[f].parent {
                Some(p) => f = p,
                None => return false,
            }
        };
        file.funcs
            .iter()
            .enumerate()
            .filter(|&(f, _)| in_class(f))
            .find_map(|(_, func)| {
                func.decorators.iter().find_map(|d| {
                    let how = super::context::retry_library(&self.decorator(fk, d))?;
                    let how = format!(
                        "{how} in {}.{}",
                        file.classes[k].name,
                        func.name.as_deref().unwrap_or("?")
                    );
                    Some(self.decorator_retry(fk, d, how, func.line))
                })
            })
    }

    /// A `maxRetries`-style count whose default already retries 429/5xx with backoff:
    /// zero or less disables it.
    pub(super) fn max_retries(
        &self,
        found: Lk,
        given: impl Fn(&str) -> String,
        default: String,
        path: &str,
        line: u32,
    ) -> Retry {
        match found {
            Lk::Found(fj, sj, v, key) => match self.value(fj, sj, &v, 0) {
                Ok(Some(Lit::Num(n))) if n <= 0.0 => Retry::Disabled {
                    how: format!("{key}: {n} disables retries"),
                    path: path.into(),
                    line,
                },
                _ => Retry::Backoff {
                    how: given(&key),
                    path: path.into(),
                    line,
                },
            },
            _ => Retry::Backoff {
                how: default,
                path: path.into(),
                line,
            },
        }
    }

    /// `{strategy: "backoff", ...}` or `RetryConfig("backoff", BackoffStrategy(...), True)`.
    pub(super) fn retry_config(
        &self,
        fi: usize,
        scope: Option<usize>,
        v: &Expr,
        key: &str,
        path: &str,
        line: u32,
    ) -> Retry {
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
            Some(Lit::Str(s)) if s == "backoff" => Retry::Backoff {
                how: format!("{key} with strategy \"backoff\""),
                path: path.into(),
                line,
            },
            Some(Lit::Str(s)) => Retry::Disabled {
                how: format!("{key} with strategy \"{s}\""),
                path: path.into(),
                line,
            },
            _ => Retry::NotVisible {
                how: format!("{key} strategy not visible statically"),
                path: path.into(),
                line,
            },
        }
    }

    pub fn call_sites(&self) -> Vec<CallSite> {
        let mut out = Vec::new();
        let mut used_clients: HashSet<(usize, usize)> = HashSet::new();
        let mut chain_clients = Vec::new();
        for (fi, f) in self.files.iter().enumerate() {
            for (ci, _) in f.calls.iter().enumerate() {
                let found = self
                    .call_site(fi, ci)
                    .or_else(|| self.subclass_call_site(fi, ci));
                if let Some((mut site, client)) = found {
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
            let kind = if c.makes == Makes::Embeddings {
                CallKind::Embeddings
            } else {
                CallKind::Chat
            };
            let mut site = self.sdk_site(
                &c,
                kind,
                &c.opts.clone(),
                c.file,
                c.scope,
                &path,
                c.line,
                "model object used by a chain",
            );
            site.handling = Handling {
                at: Some(Handler {
                    path: path.clone(),
                    line: c.line,
                    kind: HandlerKind::Chain,
                }),
                statuses: Statuses::default(),
            };
            site.func = c.scope;
            site.file = c.file;
            site.call = c.call.unwrap_or(0);
            out.push(site);
        }
        out.sort_by(|a, b| (a.path.as_str(), a.line).cmp(&(b.path.as_str(), b.line)));
        out.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.api == b.api);
        out
    }

    /// A client method handed to a runner without being called. The runner's arguments
    /// after it are the request when they are keywords, a spread, or (one) object; with
    /// none, or positional values the runner passes on unseen, a generation call's
    /// settings are not visible statically.
    fn method_ref_site(&self, fi: usize, ci: usize) -> Option<(CallSite, Option<Client>)> {
        let file = &self.files[fi];
        let call = &file.calls[ci];
        let py = file.lang == Lang::Python;
        let (at, first, client, members) =
            call.args
                .iter()
                .enumerate()
                .take(3)
                .find_map(|(i, a)| match a {
                    Arg::Pos(e @ Expr::Member(..)) => self
                        .client_method(fi, call.func, e)
                        .map(|(c, m)| (i, e, c, m)),
                    _ => None,
                })?;
        let family = sdks::family(client.sdk);
        let kind = family.method_kind(client.makes, &members)?;
        if family.style != Style::Client {
            return None;
        }
        let rest = &call.args[at + 1..];
        let keyed = rest
            .iter()
            .any(|a| matches!(a, Arg::Kw(..) | Arg::KwSpread(_) | Arg::Spread(_)));
        let positional = rest.iter().filter(|a| matches!(a, Arg::Pos(_))).count();
        let params = if py && !keyed && positional == 1 {
            // `run(fn, req)`: the one value handed on is the request.
            params_obj(rest, &[], true)
        } else {
            params_obj(rest, &[], !py)
        };
        let api = format!("{} via {}", show(file, first), call.text);
        let mut site = self.sdk_site(
            &client, kind, &params, fi, call.func, &file.path, call.line, &api,
        );
        if !keyed && (positional == 0 || (py && positional > 1)) {
            let why = format!(
                "{} is called by {}() with arguments not visible statically",
                show(file, first),
                call.text
            );
            if kind.is_generation() {
                site.max_tokens = Setting::NotVisible { why: why.clone() };
                site.temperature = Setting::NotVisible { why: why.clone() };
            }
            if kind != CallKind::ModelsList && !matches!(site.model, Setting::Set { .. }) {
                site.model = Setting::NotVisible { why };
            }
        }
        Some((site, Some(client)))
    }

    /// The LangChain chat model inside a runnable expression, and a `with_retry` on the way.
    pub(super) fn runnable_model(
        &self,
        fi: usize,
        scope: Option<usize>,
        e: &Expr,
        retry: &mut Option<Retry>,
        depth: usize,
    ) -> Option<Client> {
        if depth > 6 {
            return None;
        }
        if let Some(c) = self.client_of(fi, scope, e, 0) {
            return (sdks::family(c.sdk).runnables && c.makes == Makes::ChatModel).then_some(c);
        }
        match self.deref(fi, scope, e, 0) {
            R::E(fj, sj, Expr::Other(_, parts) | Expr::Fallback(_, parts)) => parts
                .iter()
                .find_map(|p| self.runnable_model(fj, sj, p, retry, depth + 1)),
            R::E(fj, _, Expr::Call(k)) => {
                let call = &self.files[fj].calls[k];
                let Expr::Member(recv, m) = &call.callee else {
                    return None;
                };
                if !sdks::RUNNABLE_WRAP.contains(&m.as_str()) {
                    return None;
                }
                if sdks::RUNNABLE_RETRY.contains(&m.as_str()) {
                    *retry = Some(Retry::Backoff {
                        how: format!("LangChain {m}() retries with exponential backoff"),
                        path: self.files[fj].path.clone(),
                        line: call.line,
                    });
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

    pub(super) fn chain_model(&self, fi: usize, ci: usize) -> Option<Client> {
        let call = &self.files[fi].calls[ci];
        match self.deref(fi, call.func, &call.callee, 0) {
            R::Ext(m, p) => {
                let c = self.classify_client(fi, ci, &m, &p)?;
                (sdks::family(c.sdk).style == Style::ModelObject).then_some(c)
            }
            _ => None,
        }
    }

    pub(super) fn call_site(&self, fi: usize, ci: usize) -> Option<(CallSite, Option<Client>)> {
        let file = &self.files[fi];
        let call = &file.calls[ci];
        let scope = call.func;
        // 1. A method on a client: peel `a.b.c` down to the receiver.
        if let Some((client, members)) = self.client_method(fi, scope, &call.callee) {
            let kind = sdks::family(client.sdk).method_kind(client.makes, &members)?;
            // An HTTP call is Mistral's by its request target: the session's base URL
            // when it is on api.mistral.ai, else the URL of the request itself.
            let family = sdks::family(client.sdk);
            if family.style == Style::Http
                && !client.base_url.as_deref().is_some_and(sdks::names_api_host)
            {
                let name = members.last().copied().unwrap_or("");
                return self
                    .http_call(fi, ci, name, Some(&client))
                    .map(|s| (s, Some(client)));
            }
            let site = self.client_call(fi, ci, &client, kind, &members);
            return Some((site, Some(client)));
        }
        // A LangChain runnable built around the model: `(prompt | model).invoke(...)`,
        // `prompt.pipe(model).invoke(...)`, `model.with_retry().invoke(...)`.
        if let Expr::Member(recv, m) = &call.callee {
            if sdks::RUNNABLE_RUN.contains(&m.as_str()) {
                let mut retry = None;
                if let Some(client) = self.runnable_model(fi, scope, recv, &mut retry, 0) {
                    let mut site = self.client_call(
                        fi,
                        ci,
                        &client,
                        if m.contains("stream") {
                            CallKind::ChatStream
                        } else {
                            CallKind::Chat
                        },
                        &[m.as_str()],
                    );
                    if let Some(r) = retry {
                        site.retry = r;
                    }
                    return Some((site, Some(client)));
                }
            }
        }
        // 2. A client method handed to a runner uncalled, the request beside it:
        //    `breaker.call(client.chat.complete, model=..., ...)`,
        //    `run(self.client.chat.complete, req)`, `asyncio.to_thread(client.models.list)`,
        //    `loop.run_in_executor(None, client.with_options(...).models.list)`.
        if let Some(site) = self.method_ref_site(fi, ci) {
            return Some(site);
        }
        // 3. The AI SDK and raw HTTP: a function from a package.
        match self.deref(fi, scope, &call.callee, 0) {
            R::Ext(m, p) => {
                let name = p
                    .iter()
                    .filter(|s| *s != "default")
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(".");
                if let Some((family, kind)) = sdks::function(file.lang, &m, &name) {
                    return self
                        .ai_sdk_call(fi, ci, family, kind, &name)
                        .map(|s| (s, None));
                }
                if sdks::is_http_package(file.lang, &m) {
                    return self.http_call(fi, ci, &name, None).map(|s| (s, None));
                }
                None
            }
            R::Unknown(n) if sdks::HTTP_GLOBALS.contains(&n.as_str()) => {
                self.http_call(fi, ci, &n, None).map(|s| (s, None))
            }
            // Any client's `post/get/request(url, ...)` whose URL is on a Mistral host
            // (`get_async_client(hass).post("https://api.mistral.ai/v1/agents", json=...)`):
            // the request target decides, whatever made the client.
            _ if matches!(&call.callee, Expr::Member(..))
                && self.client_of(fi, scope, &call.callee, 0).is_none() =>
            {
                let Expr::Member(_, m) = &call.callee else {
                    return None;
                };
                self.http_call(fi, ci, m, None).map(|s| (s, None))
            }
            // An HTTP client instance called as a function: `api(url, config)` of an
            // `axios.create({ baseURL })` instance.
            _ => match self.client_of(fi, scope, &call.callee, 0) {
                Some(client) if sdks::family(client.sdk).style == Style::Http => self
                    .http_call(fi, ci, "request", Some(&client))
                    .map(|s| (s, Some(client))),
                _ => None,
            },
        }
    }

    /// `client.chat.complete` → the client and `["chat", "complete"]`, peeling members
    /// off until the receiver is a Mistral client.
    pub(super) fn client_method<'e>(
        &self,
        fi: usize,
        scope: Option<usize>,
        callee: &'e Expr,
    ) -> Option<(Client, Vec<&'e str>)> {
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

    pub(super) fn client_call(
        &self,
        fi: usize,
        ci: usize,
        client: &Client,
        kind: CallKind,
        members: &[&str],
    ) -> CallSite {
        let file = &self.files[fi];
        let call = &file.calls[ci];
        let api = call.text.clone();
        let family = sdks::family(client.sdk);
        match family.style {
            Style::Http => self
                .http_call(fi, ci, members.last().copied().unwrap_or(""), Some(client))
                .unwrap_or_else(|| {
                    let mut s = self.sdk_site(
                        client,
                        kind,
                        &Expr::Obj(Vec::new()),
                        fi,
                        call.func,
                        &file.path,
                        call.line,
                        &api,
                    );
                    s.kind = CallKind::Other;
                    s
                }),
            Style::ModelObject => {
                // The model object carries the settings; a call may add a config.
                self.sdk_site(
                    client,
                    kind,
                    &client.opts.clone(),
                    client.file,
                    client.scope,
                    &file.path,
                    call.line,
                    &api,
                )
                .placed(fi, ci, self)
            }
            _ => {
                let params = params_obj(&call.args, &[], file.lang != Lang::Python);
                let mut s = self.sdk_site(
                    client, kind, &params, fi, call.func, &file.path, call.line, &api,
                );
                // Per-call retries override the client's.
                let per_call = match family.params.call_retries {
                    Some(CallRetries::Kwarg(key)) => call.args.iter().find_map(|a| match a {
                        Arg::Kw(k, v) if k == key => Some(v.clone()),
                        _ => None,
                    }),
                    Some(CallRetries::Options { index, key }) => match call.args.get(index) {
                        Some(Arg::Pos(o)) => match self.lookup(fi, call.func, o, &[key], 0) {
                            Lk::Found(_, _, v, _) => Some(v),
                            _ => None,
                        },
                        _ => None,
                    },
                    None => None,
                };
                if let Some(v) = per_call {
                    s.retry =
                        self.retry_config(fi, call.func, &v, "retries", &file.path, call.line);
                }
                s
            }
        }
    }

    /// Builds a call site of an SDK client, reading settings from `params`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sdk_site(
        &self,
        client: &Client,
        kind: CallKind,
        params: &Expr,
        pfile: usize,
        pscope: Option<usize>,
        path: &str,
        line: u32,
        api: &str,
    ) -> CallSite {
        let family = sdks::family(client.sdk);
        let model_keys = family.params.model;
        let (max_keys, wrong) = family.max_tokens(None);
        let site = (path, line);
        let (max_tokens, temperature) = if kind.is_generation() {
            (
                self.setting(pfile, pscope, params, &max_keys, wrong, site),
                self.setting(pfile, pscope, params, family.params.temperature, &[], site),
            )
        } else {
            (Setting::Missing, Setting::Missing)
        };
        let model = if kind == CallKind::ModelsList {
            Setting::Missing
        } else {
            self.setting(pfile, pscope, params, model_keys, &[], site)
        };
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

    pub(super) fn ai_sdk_call(
        &self,
        fi: usize,
        ci: usize,
        family: &sdks::Family,
        kind: CallKind,
        name: &str,
    ) -> Option<CallSite> {
        let file = &self.files[fi];
        let call = &file.calls[ci];
        let Some(Arg::Pos(params)) = call.args.first() else {
            return None;
        };
        // Only a model from @ai-sdk/mistral makes this a Mistral call.
        let Lk::Found(mf, ms, model_expr, _) =
            self.lookup(fi, call.func, params, family.params.model, 0)
        else {
            return None;
        };
        let R::E(pf, _, Expr::Call(pc)) = self.deref(mf, ms, &model_expr, 0) else {
            return None;
        };
        let provider_call = &self.files[pf].calls[pc];
        let is_mistral = self.is_ai_provider(pf, provider_call.func, &provider_call.callee, 0);
        if !is_mistral {
            return None;
        }
        let site = (file.path.as_str(), call.line);
        let model = match provider_call.args.first() {
            Some(Arg::Pos(id)) => match self.value(pf, provider_call.func, id, 0) {
                Ok(Some(v)) => Setting::Set {
                    value: v,
                    key: "model".into(),
                    path: file.path.clone(),
                    line: call.line,
                },
                Ok(None) => Setting::Null {
                    key: "model".into(),
                },
                Err(why) => Setting::NotVisible {
                    why: format!("model id is {why}"),
                },
            },
            _ => Setting::Missing,
        };
        let (max_keys, wrong) = family.max_tokens(self.ai_major);
        let (max_tokens, temperature) = if kind.is_generation() {
            (
                self.setting(fi, call.func, params, &max_keys, wrong, site),
                self.setting(fi, call.func, params, family.params.temperature, &[], site),
            )
        } else {
            (Setting::Missing, Setting::Missing)
        };
        let retry = match family.retry {
            RetryDefault::BackoffByDefault { given, default } => self.max_retries(
                self.lookup(fi, call.func, params, family.params.client_retries, 0),
                |key| given.replace("{key}", key).replace("{label}", family.label),
                default.replace("{label}", family.label),
                &file.path,
                call.line,
            ),
            _ => Retry::None,
        };
        let mut handling = Handling::default();
        if let Lk::Found(..) = self.lookup(fi, call.func, params, &["onError"], 0) {
            handling.at = Some(Handler {
                path: file.path.clone(),
                line: call.line,
                kind: HandlerKind::OnError,
            });
        }
        Some(CallSite {
            path: file.path.clone(),
            line: call.line,
            sdk: family.sdk,
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
    pub(super) fn is_ai_provider(
        &self,
        fi: usize,
        scope: Option<usize>,
        e: &Expr,
        depth: usize,
    ) -> bool {
        if depth > 4 {
            return false;
        }
        match self.deref(fi, scope, e, 0) {
            R::Ext(m, _) => sdks::family(Sdk::AiSdk).imports(self.files[fi].lang, &m),
            R::E(qf, _, Expr::Call(q)) => {
                let qc = &self.files[qf].calls[q];
                self.is_ai_provider(qf, qc.func, &qc.callee, depth + 1)
            }
            R::E(qf, qs, Expr::Member(o, _)) => self.is_ai_provider(qf, qs, &o, depth + 1),
            _ => false,
        }
    }

    pub(super) fn http_call(
        &self,
        fi: usize,
        ci: usize,
        name: &str,
        client: Option<&Client>,
    ) -> Option<CallSite> {
        let file = &self.files[fi];
        let call = &file.calls[ci];
        let method = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
        if !["fetch", "post", "get", "put", "request", "stream", "send"].contains(&method.as_str())
        {
            return None;
        }
        let py = file.lang == Lang::Python;
        // Where the URL is: `requests.request("POST", url)` takes the method first;
        // `axios(config)` / `axios.request(config)` take a config object with `url`.
        let url_at = usize::from(py && method == "request");
        let positional: Vec<&Expr> = call
            .args
            .iter()
            .filter_map(|a| match a {
                Arg::Pos(e) => Some(e),
                _ => None,
            })
            .collect();
        let config_first =
            !py && method == "request" && matches!(positional.first(), Some(Expr::Obj(_)));
        let url_expr = if config_first {
            match self.lookup(fi, call.func, positional[0], &["url"], 0) {
                Lk::Found(_, _, u, _) => u,
                _ => Expr::Str(String::new()),
            }
        } else {
            call.args
                .iter()
                .find_map(|a| match a {
                    Arg::Kw(k, e) if k == "url" => Some(e.clone()),
                    _ => None,
                })
                .or_else(|| positional.get(url_at).map(|e| (*e).clone()))?
        };
        let mut url = self
            .loose_string(fi, call.func, &url_expr, 0)
            .unwrap_or_default();
        if let Some(base) = client.and_then(|c| c.base_url.clone()) {
            if !url.contains("://") {
                url = format!(
                    "{}/{}",
                    base.trim_end_matches('/'),
                    url.trim_start_matches('/')
                );
            }
        }
        let path_part = sdks::api_path(&url)?.to_string();
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
        } else if method == "request" {
            // axios request config: the body is its `data` (`api(url, { data })`,
            // `axios({ url, data })`).
            match positional.get(usize::from(!config_first)) {
                Some(cfg) => match self.lookup(fi, call.func, cfg, &["data", "json", "body"], 0) {
                    Lk::Found(bf, _, b, _) => Some(unwrap_json(&self.files[bf], &b)),
                    _ => None,
                },
                None => None,
            }
        } else {
            // `axios.post(url, body)`; got and ky take `{ json: body }`.
            match call.args.get(1) {
                Some(Arg::Pos(b)) => match self.lookup(fi, call.func, b, &["json"], 0) {
                    Lk::Found(bf, _, j, _) if matches!(b, Expr::Obj(_)) => {
                        Some(unwrap_json(&self.files[bf], &j))
                    }
                    _ => Some(b.clone()),
                },
                _ => None,
            }
        }
        .unwrap_or(Expr::Obj(Vec::new()));

        let stream = matches!(self.lookup(fi, call.func, &body, &["stream"], 0), Lk::Found(sf, ss, v, _) if self.value(sf, ss, &v, 0) == Ok(Some(Lit::Bool(true))));
        let kind = sdks::API_ROUTES
            .iter()
            .find(|(route, ..)| path_part.contains(route))
            .map_or(
                CallKind::Other,
                |&(_, plain, streaming)| if stream { streaming } else { plain },
            );
        let http_client = Client {
            sdk: Sdk::Http,
            makes: Makes::Client,
            file: fi,
            scope: call.func,
            opts: Expr::Obj(Vec::new()),
            line: call.line,
            call: None,
            base_url: None,
            class: None,
        };
        let api = format!(
            "{} {}",
            method.to_ascii_uppercase().replace("FETCH", "fetch"),
            path_part.split('?').next().unwrap_or("")
        );
        let mut s = self.sdk_site(
            &http_client,
            kind,
            &body,
            fi,
            call.func,
            &file.path,
            call.line,
            &api,
        );
        s.file = fi;
        s.call = ci;
        Some(s)
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

/// `JSON.stringify(body)` / `json.dumps(body)` → `body`.
pub(super) fn unwrap_json(file: &FileIr, e: &Expr) -> Expr {
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
