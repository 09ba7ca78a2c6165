//! Following names: bindings, parameters and their callers, imports across the
//! repository's files, options objects with spreads, literal values.

use std::collections::{HashMap, HashSet};

use super::{Lk, Repo, MAX_DEPTH, R};
use crate::lang::ir::{Arg, Entry, Expr, FileIr, Lang, ParamKind};
use crate::lang::model::{Lit, Setting};

/// What a caller's argument list holds in one parameter's slot.
enum Slot {
    Arg(Expr),
    /// Not passed: the parameter's default applies.
    Omitted,
    /// Not visible statically: behind a spread, or a rest parameter.
    Hidden,
}

/// What a caller gives one parameter, after destructuring.
enum Given {
    /// An expression, read in this file and scope.
    Value(usize, Option<usize>, Expr),
    /// Nothing: the parameter's default applies.
    Omitted,
    /// Not visible statically, and why.
    Hidden(String),
}

impl Repo<'_> {
    pub(super) fn deref(&self, fi: usize, scope: Option<usize>, e: &Expr, depth: usize) -> R {
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
                        // Read for a subclass: its own fields win over the base's.
                        let view = self.view.borrow().clone();
                        if let Some(v) = view.filter(|v| class.as_deref() == Some(v.base.as_str()))
                        {
                            let key = (Some(v.class.as_str()), field.as_str());
                            if let Some(&b) = self.index[v.file].fields.get(&key) {
                                let b = &self.files[v.file].bindings[b];
                                return self.deref_value(v.file, b.func, &b.value, depth + 1);
                            }
                        }
                        let ix = &self.index[fi];
                        if let Some(&b) = ix.fields.get(&(class.as_deref(), field.as_str())) {
                            let b = &file.bindings[b];
                            return self.deref_value(fi, b.func, &b.value, depth + 1);
                        }
                        if let Some(&m) = class
                            .as_deref()
                            .and_then(|c| ix.methods.get(&(c, p.as_str())))
                        {
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
                    // `environments[CURRENT].API_BASE`: the key is a constant (followed) or
                    // not visible; then the first entry that has the member is what a
                    // reviewer reads (per-environment tables repeat the same URL).
                    R::E(fj, sj, Expr::Index(base, idx)) => {
                        let member = |k: &str| {
                            Expr::Member(
                                Box::new(Expr::Member(base.clone(), k.to_string())),
                                p.clone(),
                            )
                        };
                        if let R::E(_, _, Expr::Str(k)) = self.deref(fj, sj, &idx, depth + 1) {
                            return self.deref(fj, sj, &member(&k), depth + 1);
                        }
                        if let R::E(fk, sk, Expr::Obj(entries)) =
                            self.deref(fj, sj, &base, depth + 1)
                        {
                            for en in &entries {
                                if let Entry::Pair(_, v) = en {
                                    match self.deref(
                                        fk,
                                        sk,
                                        &Expr::Member(Box::new(v.clone()), p.clone()),
                                        depth + 1,
                                    ) {
                                        R::E(_, _, Expr::Member(..)) | R::Unknown(_) => {}
                                        found => return found,
                                    }
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

    pub(super) fn deref_value(&self, fi: usize, scope: Option<usize>, v: &Expr, depth: usize) -> R {
        match v {
            Expr::Func(f) => R::Func(fi, *f),
            Expr::Name(_) | Expr::Member(..) => self.deref(fi, scope, v, depth),
            other => R::E(fi, scope, other.clone()),
        }
    }

    pub(super) fn module_member(&self, fj: usize, name: &str, depth: usize) -> R {
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

    pub(super) fn resolve_import(
        &self,
        fi: usize,
        module: &str,
        name: Option<&str>,
        depth: usize,
    ) -> R {
        if depth > MAX_DEPTH {
            return R::Unknown(module.to_string());
        }
        match self.local_module(fi, module) {
            Some(fj) => match name {
                None => R::Module(fj),
                Some(n) => self.module_member(fj, n, depth),
            },
            None => R::Ext(
                module.to_string(),
                name.map(|n| vec![n.to_string()]).unwrap_or_default(),
            ),
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
        let found = wanted.first_in(&self.by_path, &self.by_name, |i| {
            self.files[i].path.as_str()
        });
        self.modules.borrow_mut().insert(key, found);
        found
    }

    /// Calls of a named function (through its name or as a method of the same name).
    pub(super) fn callers_of(&self, fi: usize, f: usize) -> Vec<(usize, usize)> {
        let mut out = self.direct_callers(fi, f);
        // Callers in test code stand in for production ones only when there are none.
        if out.iter().any(|&(ck, _)| !self.test_file[ck]) {
            out.retain(|&(ck, _)| !self.test_file[ck]);
        }
        out
    }

    fn direct_callers(&self, fi: usize, f: usize) -> Vec<(usize, usize)> {
        let func = &self.files[fi].funcs[f];
        let mut out = Vec::new();
        // A constructor (`__init__`, `constructor`) is called by constructing its class
        // (`Conversation(model=...)`, `new Client({...})`), not by every `__init__` call:
        // `super().__init__(...)` in an unrelated class passes nothing to this one.
        if let (Some("__init__" | "constructor"), Some(class)) =
            (func.name.as_deref(), func.class.as_deref())
        {
            for &(ck, cc) in self.callers.get(class).map(|v| v.as_slice()).unwrap_or(&[]) {
                if out.len() >= 16 {
                    break;
                }
                let call = &self.files[ck].calls[cc];
                let defines_other =
                    |n: &str| self.files[ck].classes.iter().any(|k| k.name == n) && ck != fi;
                if matches!(&call.callee, Expr::Name(n) if !defines_other(n))
                    || matches!(&call.callee, Expr::Member(_, n) if n == class)
                {
                    out.push((ck, cc));
                }
            }
            return out;
        }
        if let Some(name) = func.name.as_deref() {
            for &(ck, cc) in self.callers.get(name).map(|v| v.as_slice()).unwrap_or(&[]) {
                if out.len() >= 16 {
                    break;
                }
                let call = &self.files[ck].calls[cc];
                let ok = match &call.callee {
                    Expr::Name(_) => {
                        matches!(self.deref(ck, call.func, &call.callee, 0), R::Func(a, b) if a == fi && b == f)
                    }
                    Expr::Member(..) => {
                        func.class.is_some()
                            || matches!(self.deref(ck, call.func, &call.callee, 0), R::Func(a, b) if a == fi && b == f)
                    }
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
    pub(super) fn inside(&self, fi: usize, scope: Option<usize>, f: usize) -> bool {
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

    /// The argument a caller passes for parameter `pi` of `f`, as an expression of the
    /// caller's scope: `Expr::Null` when omitted, `None` when not visible.
    pub(super) fn arg_for(
        &self,
        fi: usize,
        f: usize,
        pi: usize,
        call: &crate::lang::ir::Call,
    ) -> Option<Expr> {
        let param = &self.files[fi].funcs[f].params[pi];
        Some(match (&param.field, self.slot_arg(fi, f, pi, call)) {
            (_, Slot::Hidden) => return None,
            (_, Slot::Omitted) => Expr::Null,
            (Some(field), Slot::Arg(a)) => Expr::Member(Box::new(a), field.clone()),
            (None, Slot::Arg(a)) => a,
        })
    }

    /// What a caller (in file `ck`) gives parameter `pi` of `f`.
    fn passed(
        &self,
        fi: usize,
        f: usize,
        pi: usize,
        ck: usize,
        call: &crate::lang::ir::Call,
    ) -> Given {
        let param = &self.files[fi].funcs[f].params[pi];
        let arg = match self.slot_arg(fi, f, pi, call) {
            Slot::Arg(arg) => arg,
            Slot::Omitted => return Given::Omitted,
            Slot::Hidden => return Given::Hidden("forwarded through a rest parameter".into()),
        };
        let Some(field) = &param.field else {
            return Given::Value(ck, call.func, arg);
        };
        match self.lookup(ck, call.func, &arg, &[field.as_str()], 0) {
            Lk::Found(fj, sj, v, _) => Given::Value(fj, sj, v),
            Lk::Missing => Given::Omitted,
            Lk::Unknown(why) => Given::Hidden(format!("destructured from {why}")),
        }
    }

    /// The argument in parameter `pi`'s slot of `call`.
    fn slot_arg(&self, fi: usize, f: usize, pi: usize, call: &crate::lang::ir::Call) -> Slot {
        let func = &self.files[fi].funcs[f];
        let param = &func.params[pi];
        let skip_self = func.class.is_some()
            && func
                .params
                .first()
                .is_some_and(|p| p.name == "self" || p.name == "cls");
        let pos_index = match (skip_self, param.slot.checked_sub(1)) {
            (false, _) => param.slot,
            (true, Some(i)) => i,
            (true, None) => return Slot::Hidden,
        };
        match param.kind {
            ParamKind::KwRest => {
                let named: HashSet<&str> = func.params.iter().map(|p| p.name.as_str()).collect();
                let mut entries = Vec::new();
                for a in &call.args {
                    match a {
                        Arg::Kw(k, v) if !named.contains(k.as_str()) => {
                            entries.push(Entry::Pair(k.clone(), v.clone()))
                        }
                        Arg::KwSpread(e) => entries.push(Entry::Spread(e.clone())),
                        _ => {}
                    }
                }
                Slot::Arg(Expr::Obj(entries))
            }
            ParamKind::Rest => Slot::Hidden,
            ParamKind::Normal => {
                if param.field.is_none() {
                    if let Some(v) = call.args.iter().find_map(|a| match a {
                        Arg::Kw(k, v) if *k == param.name => Some(v.clone()),
                        _ => None,
                    }) {
                        return Slot::Arg(v);
                    }
                }
                let mut i = 0;
                for a in &call.args {
                    match a {
                        Arg::Pos(e) => {
                            if i == pos_index {
                                return Slot::Arg(e.clone());
                            }
                            i += 1;
                        }
                        Arg::Spread(_) => return Slot::Hidden,
                        _ => {}
                    }
                }
                Slot::Omitted
            }
        }
    }

    /// Looks up the first of `keys` in an options object, following spreads and callers.
    pub(super) fn lookup(
        &self,
        fi: usize,
        scope: Option<usize>,
        obj: &Expr,
        keys: &[&str],
        depth: usize,
    ) -> Lk {
        if depth > MAX_DEPTH {
            return Lk::Unknown("options nested too deep to follow".into());
        }
        // Nested keys (`generation_kwargs.max_tokens`): the outer object, then the key.
        if keys.iter().any(|k| k.contains('.')) {
            let (dotted, plain): (Vec<&str>, Vec<&str>) =
                keys.iter().partition(|k| k.contains('.'));
            for k in dotted {
                let (head, rest) = k.split_once('.').unwrap_or((k, ""));
                match self.lookup(fi, scope, obj, &[head], depth + 1) {
                    Lk::Found(fj, sj, v, _) => match self.lookup(fj, sj, &v, &[rest], depth + 1) {
                        Lk::Missing => {}
                        other => return other,
                    },
                    Lk::Missing => {}
                    other => return other,
                }
            }
            if plain.is_empty() {
                return Lk::Missing;
            }
            return self.lookup(fi, scope, obj, &plain, depth);
        }
        match self.deref(fi, scope, obj, depth + 1) {
            R::E(fj, sj, Expr::Obj(entries)) => {
                for en in entries.iter().rev() {
                    match en {
                        Entry::Pair(k, v) if keys.contains(&k.as_str()) => {
                            return Lk::Found(fj, sj, v.clone(), k.clone())
                        }
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
            // `dict(max_tokens=300, **base)` and `Object.assign({}, defaults, overrides)`
            // build an options object as surely as a literal does.
            R::E(fj, sj, Expr::Call(c)) if self.is_object_builder(fj, c) => {
                let call = &self.files[fj].calls[c];
                let spread_all: Vec<Arg> = call
                    .args
                    .iter()
                    .map(|a| match a {
                        Arg::Pos(e) => Arg::Spread(e.clone()),
                        other => other.clone(),
                    })
                    .collect();
                self.lookup(
                    fj,
                    sj,
                    &params_obj(&spread_all, &[], false),
                    keys,
                    depth + 1,
                )
            }
            R::Param(fj, f, pi) => {
                let callers = self.callers_of(fj, f);
                let fname = self.files[fj].funcs[f]
                    .name
                    .clone()
                    .unwrap_or_else(|| "an anonymous function".into());
                let pname = self.files[fj].funcs[f].params[pi].name.clone();
                if callers.is_empty() {
                    return Lk::Unknown(format!(
                        "parameter `{pname}` of {fname}() has no caller in the repository"
                    ));
                }
                // Every caller must set it: the worst caller decides (missing, then
                // `None`/`undefined`, then not visible), and is named in the message.
                let mut found = None;
                let mut unknown = None;
                for (ck, cc) in callers {
                    let call = &self.files[ck].calls[cc];
                    let Some(arg) = self.arg_for(fj, f, pi, call) else {
                        return Lk::Unknown(format!(
                            "`{pname}` of {fname}() is forwarded through a rest parameter"
                        ));
                    };
                    let at = format!(
                        "{}() called at {}:{}",
                        fname, self.files[ck].path, call.line
                    );
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

    /// `dict(...)` (Python's builtin, not shadowed) or `Object.assign(...)`.
    pub(super) fn is_object_builder(&self, fi: usize, c: usize) -> bool {
        let call = &self.files[fi].calls[c];
        match &call.callee {
            Expr::Name(n) if n == "dict" => {
                matches!(self.deref(fi, call.func, &call.callee, 0), R::Unknown(_))
            }
            Expr::Member(o, m) if m == "assign" => matches!(&**o, Expr::Name(n) if n == "Object"),
            _ => false,
        }
    }

    /// The literal value of an expression, following names, imports and callers.
    pub(super) fn value(
        &self,
        fi: usize,
        scope: Option<usize>,
        e: &Expr,
        depth: usize,
    ) -> Result<Option<Lit>, String> {
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
                let fname = self.files[fj].funcs[f]
                    .name
                    .clone()
                    .unwrap_or_else(|| "an anonymous function".into());
                let default = self.files[fj].funcs[f].params[pi].default.clone();
                let outer = self.files[fj].funcs[f].parent;
                if callers.is_empty() {
                    // A library entry point: its default is what runs unless a caller
                    // outside the repository says otherwise.
                    if let Some(d) = &default {
                        if let Ok(v) = self.value(fj, outer, d, depth + 1) {
                            return Ok(v);
                        }
                    }
                    return Err(format!(
                        "parameter `{pname}` of {fname}() has no caller in the repository"
                    ));
                }
                // Every caller's value reaches the wrapper: the worst decides (`None` /
                // omitted with a `None` default, then not visible), and is named.
                let mut first = None;
                let mut unknown = None;
                for (ck, cc) in callers {
                    let call = &self.files[ck].calls[cc];
                    let found = match (self.passed(fj, f, pi, ck, call), &default) {
                        (Given::Value(fa, sa, arg), _) => self.value(fa, sa, &arg, depth + 1),
                        (Given::Omitted, Some(d)) => self.value(fj, outer, d, depth + 1),
                        (Given::Omitted, None) => Ok(None),
                        (Given::Hidden(why), _) => {
                            return Err(format!("`{pname}` of {fname}() is {why}"));
                        }
                    };
                    match found {
                        Ok(None) => {
                            let at = format!(
                                "{}() called at {}:{}",
                                fname, self.files[ck].path, call.line
                            );
                            self.via.borrow_mut().get_or_insert(at);
                            return Ok(None);
                        }
                        Ok(v) => first = first.or(Some(v)),
                        Err(w) => unknown = unknown.or(Some(w)),
                    }
                }
                match unknown {
                    Some(w) => Err(w),
                    None => Ok(first.flatten()),
                }
            }
            // `options?.maxTokens ?? 1024`, `os.getenv("M") or "mistral-small-2506"`: the
            // first operand when it is set, else the next; a value not visible statically
            // (an optional parameter, the environment) leaves the fallback a reviewer reads.
            R::E(fj, sj, Expr::Fallback(_, parts)) => {
                let mut why = None;
                for p in &parts {
                    match self.value(fj, sj, p, depth + 1) {
                        Ok(Some(v)) => return Ok(Some(v)),
                        Ok(None) => {}
                        Err(w) => why = why.or(Some(w)),
                    }
                }
                match why {
                    Some(w) => Err(w),
                    None => Ok(None),
                }
            }
            R::E(fj, _, e) => Err(format!("`{}`", show(&self.files[fj], &e))),
            R::Ext(m, p) => Err(format!("`{}` from {m}", p.join("."))),
            R::Unknown(n) => Err(format!("`{n}`")),
            R::Func(..) | R::Module(_) => Err("a function".into()),
        }
    }

    /// A string with unknown parts shown as `{…}` (for URLs).
    pub(super) fn loose_string(
        &self,
        fi: usize,
        scope: Option<usize>,
        e: &Expr,
        depth: usize,
    ) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.deref(fi, scope, e, depth + 1) {
            R::E(_, _, Expr::Str(s)) => Some(s),
            R::E(fj, sj, Expr::Template(parts)) => Some(
                parts
                    .iter()
                    .map(|p| {
                        self.loose_string(fj, sj, p, depth + 1)
                            .unwrap_or_else(|| "{…}".into())
                    })
                    .collect(),
            ),
            R::Param(fj, f, pi) => {
                let (ck, cc) = *self.callers_of(fj, f).first()?;
                let call = &self.files[ck].calls[cc];
                let arg = self.arg_for(fj, f, pi, call)?;
                self.loose_string(ck, call.func, &arg, depth + 1)
            }
            // `process.env.URL ?? "https://api.mistral.ai"`: the default a reviewer reads.
            R::E(fj, sj, Expr::Other(_, parts) | Expr::Fallback(_, parts)) => parts
                .iter()
                .rev()
                .find_map(|p| self.loose_string(fj, sj, p, depth + 1)),
            // `os.environ.get("URL", "https://api.mistral.ai")`, `os.getenv(..., default)`
            R::E(fj, _, Expr::Call(c)) => {
                let call = &self.files[fj].calls[c];
                let callee = show(&self.files[fj], &call.callee);
                if !(callee.ends_with("getenv")
                    || callee.ends_with("environ.get")
                    || callee.ends_with(".get"))
                {
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

    pub(super) fn setting(
        &self,
        fi: usize,
        scope: Option<usize>,
        params: &Expr,
        keys: &[&str],
        wrong: &[(&str, &str)],
        site: (&str, u32),
    ) -> Setting {
        let s = self.setting_inner(fi, scope, params, keys, wrong, site);
        match (s, self.via.borrow_mut().take()) {
            (Setting::Missing, Some(via)) => Setting::NotSetVia { via },
            (Setting::Null { key }, Some(via)) => Setting::Null {
                key: format!("{key} (via {via})"),
            },
            (s, _) => s,
        }
    }

    pub(super) fn setting_inner(
        &self,
        fi: usize,
        scope: Option<usize>,
        params: &Expr,
        keys: &[&str],
        wrong: &[(&str, &str)],
        site: (&str, u32),
    ) -> Setting {
        self.via.borrow_mut().take();
        match self.lookup(fi, scope, params, keys, 0) {
            Lk::Found(fj, sj, v, key) => match self.value(fj, sj, &v, 0) {
                Ok(Some(value)) => Setting::Set {
                    value,
                    key,
                    path: site.0.to_string(),
                    line: site.1,
                },
                Ok(None) => Setting::Null { key },
                Err(why) => Setting::NotVisible {
                    why: format!("{key} is {why}"),
                },
            },
            Lk::Unknown(why) => Setting::NotVisible {
                why: format!("options come from {why}"),
            },
            Lk::Missing => {
                for (w, hint) in wrong {
                    if let Lk::Found(..) = self.lookup(fi, scope, params, &[w], 0) {
                        return Setting::WrongName {
                            key: w.to_string(),
                            hint: hint.to_string(),
                        };
                    }
                }
                Setting::Missing
            }
        }
    }
}

/// Options of a call as one object: TypeScript's first argument spread in, Python's
/// keyword arguments as pairs, positional parameters named.
pub(super) fn params_obj(args: &[Arg], positional: &[&str], spread_first: bool) -> Expr {
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

/// An expression as short source-like text, for messages.
pub fn show(file: &FileIr, e: &Expr) -> String {
    pub(super) fn go(file: &FileIr, e: &Expr, depth: usize) -> String {
        if depth > 6 {
            return "…".into();
        }
        match e {
            // A long run of letters and digits may be a key: never shown.
            Expr::Str(s)
                if s.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 24
                    && !s.contains([' ', '-', '/', '.']) =>
            {
                "\"…\"".into()
            }
            Expr::Str(s) => format!("\"{}\"", crate::lang::ir::snippet(s)),
            Expr::Num(n) => Lit::Num(*n).show(),
            Expr::Bool(b) => b.to_string(),
            Expr::Null => "null".into(),
            Expr::Name(n) => n.clone(),
            Expr::Member(o, p) => format!("{}.{p}", go(file, o, depth + 1)),
            Expr::Index(o, i) => format!("{}[{}]", go(file, o, depth + 1), go(file, i, depth + 1)),
            Expr::Call(c) => format!(
                "{}(…)",
                file.calls.get(*c).map(|c| c.text.as_str()).unwrap_or("")
            ),
            Expr::Obj(_) => "{…}".into(),
            Expr::List(_) => "[…]".into(),
            Expr::Template(_) => "`…`".into(),
            Expr::Func(_) => "function".into(),
            Expr::Other(s, _) | Expr::Fallback(s, _) => s.clone(),
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
        self.exact.iter().any(|e| e == path)
            || self
                .suffixes
                .iter()
                .any(|s| path == s || path.ends_with(&format!("/{s}")))
    }

    /// The first matching file, looked up by exact path, then by file name for suffixes.
    fn first_in<'p>(
        &self,
        by_path: &HashMap<&str, usize>,
        by_name: &HashMap<&str, Vec<usize>>,
        path_of: impl Fn(usize) -> &'p str,
    ) -> Option<usize> {
        if let Some(i) = self
            .exact
            .iter()
            .find_map(|e| by_path.get(e.as_str()).copied())
        {
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
        self.exact
            .iter()
            .chain(&self.suffixes)
            .map(|p| p.rsplit('/').next().unwrap_or(p))
    }
}

/// Where `module`, imported from the file at `from`, can be in the repository. Package
/// imports (`@mistralai/mistralai`, `requests`) name no repository path in TypeScript.
pub(crate) fn module_paths(
    lang: Lang,
    from: &str,
    module: &str,
    name: Option<&str>,
) -> ModulePaths {
    let dir = from.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut out = ModulePaths {
        exact: Vec::new(),
        suffixes: Vec::new(),
    };
    if lang == Lang::Python {
        let dots = module.chars().take_while(|c| *c == '.').count();
        let rest = module[dots..].replace('.', "/");
        if dots == 0 {
            out.suffixes = vec![format!("{rest}.py"), format!("{rest}/__init__.py")];
            return out;
        }
        let mut base: Vec<&str> = if dir.is_empty() {
            Vec::new()
        } else {
            dir.split('/').collect()
        };
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
    let stem = ["js", "mjs", "cjs", "jsx"]
        .iter()
        .find_map(|e| joined.strip_suffix(&format!(".{e}")))
        .unwrap_or(&joined)
        .to_string();
    out.exact.push(joined.clone());
    for ext in ["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"] {
        out.exact.push(format!("{stem}.{ext}"));
    }
    for ext in ["ts", "tsx", "js"] {
        out.exact.push(format!("{joined}/index.{ext}"));
    }
    out
}

pub(super) fn normalize(path: &str) -> String {
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
