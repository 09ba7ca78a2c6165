//! What both front-ends share while lowering a syntax tree into [`FileIr`]: parsing with a
//! time budget, the explicit-stack walk context, and placeholders for calls and functions
//! met inside an expression before the walk reaches them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tree_sitter::{Language, Node, Parser, Tree};

use super::ir::{Call, Delay, Expr, FileIr, Func, Statuses, Try};

/// Parsing gives up past this much CPU time of the parsing thread: a pathological file is
/// skipped, the gate goes on. CPU time, not wall time, so that a busy machine (a CI runner
/// sharing its cores) never makes the gate give up on a file it could parse.
const PARSE_BUDGET: Duration = Duration::from_secs(3);

/// Source files over this size leave a syntax tree worth returning to the system.
const LARGE_TREE_BYTES: usize = 256 * 1024;

/// CPU time the calling thread has used so far (wall time where no such clock exists).
fn thread_cpu_time() -> Duration {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the call only writes to it.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Parses `text`, or `None` when the parser gave up (time budget) or could not start.
pub fn parse(language: &Language, text: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    parser.set_language(language).ok()?;
    let start = thread_cpu_time();
    let bytes = text.as_bytes();
    let mut progress = |_: &tree_sitter::ParseState| thread_cpu_time() - start > PARSE_BUDGET;
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
    parser.parse_with_options(
        &mut |i, _| if i < bytes.len() { &bytes[i..] } else { &[] },
        None,
        Some(options),
    )
}

/// Parses `text` with `language` and lowers it with a front-end's `walk`.
pub fn lower_with(
    language: &Language,
    path: &str,
    text: &str,
    lang: super::ir::Lang,
    walk: fn(&mut Builder, Node),
) -> Option<FileIr> {
    let tree = parse(language, text)?;
    let mut b = Builder::new(FileIr::new(path, lang), text.as_bytes());
    b.ir.syntax_errors = tree.root_node().has_error();
    walk(&mut b, tree.root_node());
    drop(tree);
    // A large tree's pages would stay with the allocator (crate::heap).
    if text.len() > LARGE_TREE_BYTES {
        crate::heap::return_freed();
    }
    Some(b.finish())
}

/// Where the walk is: enough to place a call or a status in its scopes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ctx {
    pub func: Option<usize>,
    /// Chain of enclosing try bodies (index in `Builder::try_chain`).
    pub tries: Option<usize>,
    /// The try whose handler (catch/except) we are in.
    pub catch: Option<usize>,
    pub class: Option<usize>,
    pub in_loop: bool,
    /// Inside the app's own outbound response (`HTTPException(status_code=502)`,
    /// `res.status(429)`): its statuses answer the app's client, they do not inspect
    /// the Mistral error.
    pub outbound: bool,
    /// This node stands where a status is compared (see [`compared_children`]).
    pub compared: bool,
}

/// Calls that build or send the application's own HTTP response, by the last part of
/// the callee: a status in their arguments is the app's answer, not a status check.
const OUTBOUND_RESPONSES: &[&str] = &[
    "HTTPException",
    "JSONResponse",
    "PlainTextResponse",
    "Response",
    "make_response",
    "abort",
    "status",
    "sendStatus",
    "code",
    "json",
];

/// Bare functions that answer the app's client (SvelteKit `error(500, ...)`); as a
/// method (`console.error`, `logger.error`) they log.
const OUTBOUND_FUNCTIONS: &[&str] = &["error"];

/// True when a call whose callee text is `callee` answers the app's own client.
pub fn is_outbound(callee: &str) -> bool {
    let last = callee.rsplit(['.', ' ']).next().unwrap_or(callee);
    OUTBOUND_RESPONSES.contains(&last) || OUTBOUND_FUNCTIONS.contains(&callee)
}

pub struct Builder<'t> {
    pub ir: FileIr,
    pub src: &'t [u8],
    calls_by_node: HashMap<usize, usize>,
    funcs_by_node: HashMap<usize, usize>,
    /// (try index, parent chain link)
    try_chain: Vec<(usize, Option<usize>)>,
    /// Class flags: saw an "open" state, saw a "half-open" state.
    class_states: Vec<(bool, bool)>,
}

impl<'t> Builder<'t> {
    pub fn new(ir: FileIr, src: &'t [u8]) -> Builder<'t> {
        Builder {
            ir,
            src,
            calls_by_node: HashMap::new(),
            funcs_by_node: HashMap::new(),
            try_chain: Vec::new(),
            class_states: Vec::new(),
        }
    }

    pub fn text(&self, node: Node) -> &'t str {
        node.utf8_text(self.src).unwrap_or("")
    }

    /// The call index for a call node, creating a placeholder the walk fills later.
    pub fn call_id(&mut self, node: Node) -> usize {
        if let Some(&i) = self.calls_by_node.get(&node.id()) {
            return i;
        }
        let i = self.ir.calls.len();
        self.ir.calls.push(Call {
            callee: Expr::Null,
            args: Vec::new(),
            new: false,
            line: line(node),
            func: None,
            tries: Vec::new(),
            chained_catch: None,
            in_loop: false,
            in_catch: None,
            text: String::new(),
        });
        self.calls_by_node.insert(node.id(), i);
        i
    }

    /// The function index for a function node, creating it on first sight.
    pub fn func_id(&mut self, node: Node) -> usize {
        if let Some(&i) = self.funcs_by_node.get(&node.id()) {
            return i;
        }
        let i = self.ir.funcs.len();
        self.ir.funcs.push(Func {
            line: line(node),
            ..Func::default()
        });
        self.funcs_by_node.insert(node.id(), i);
        i
    }

    pub fn enter_try(&mut self, ctx: Ctx, node: Node, has_handler: bool) -> (usize, Ctx) {
        let t = self.ir.tries.len();
        self.ir.tries.push(Try {
            line: line(node),
            func: ctx.func,
            has_handler,
            statuses: Statuses::default(),
            answers_5xx: false,
        });
        if let Some(f) = ctx.func {
            self.ir.funcs[f].has_try |= has_handler;
        }
        self.try_chain.push((t, ctx.tries));
        (
            t,
            Ctx {
                tries: Some(self.try_chain.len() - 1),
                ..ctx
            },
        )
    }

    fn tries_of(&self, ctx: Ctx) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = ctx.tries;
        while let Some(link) = at {
            out.push(self.try_chain[link].0);
            at = self.try_chain[link].1;
        }
        out
    }

    pub fn new_class(&mut self, name: String, bases: Vec<String>, node: Node) -> usize {
        self.ir.classes.push(super::ir::Class {
            name,
            line: line(node),
            bases,
            breaker_states: false,
            methods: Vec::new(),
        });
        self.class_states.push((false, false));
        self.ir.classes.len() - 1
    }

    /// Records a number seen in `ctx`: a 5xx answered, and a status told apart when the
    /// number stands where a status is compared (`ctx.compared`).
    pub fn note_number(&mut self, ctx: Ctx, n: f64) {
        let is_5xx = (500.0..=599.0).contains(&n);
        if ctx.outbound {
            // The app answers 5xx (health routes read this), but looks at no status.
            if let Some(f) = ctx.func {
                self.ir.funcs[f].answers_5xx |= is_5xx;
            }
            if let Some(t) = ctx.catch {
                self.ir.tries[t].answers_5xx |= is_5xx;
            }
            return;
        }
        let compared = ctx.compared;
        if let Some(f) = ctx.func {
            if compared {
                self.ir.funcs[f].statuses.note_number(n);
            }
            self.ir.funcs[f].answers_5xx |= is_5xx;
        }
        if let Some(t) = ctx.catch {
            if compared {
                self.ir.tries[t].statuses.note_number(n);
            }
            self.ir.tries[t].answers_5xx |= is_5xx;
        }
    }

    /// Records a short string literal. Compared with the error's text, a status in words
    /// or digits tells it apart: `"429" in str(e)`, `"rate limit" in msg`,
    /// `message.includes("Too Many Requests")`, `str(e).startswith("401")`.
    pub fn note_string(&mut self, ctx: Ctx, w: &str) {
        self.note_word(ctx, w);
        if !ctx.compared || ctx.outbound {
            return;
        }
        let t = w.trim();
        if t.len() == 3 && t.bytes().all(|c| c.is_ascii_digit()) {
            if let Ok(n) = t.parse::<f64>() {
                self.note_number(ctx, n);
            }
        }
        for joined in [t.replace([' ', '-'], "_"), t.replace([' ', '-'], "")] {
            self.note_word(ctx, &joined);
        }
    }

    /// Records an identifier or string seen in `ctx`: status names and breaker states.
    pub fn note_word(&mut self, ctx: Ctx, word: &str) {
        if let Some(f) = ctx.func.filter(|_| !ctx.outbound) {
            self.ir.funcs[f].statuses.note_name(word);
        }
        if let Some(t) = ctx.catch.filter(|_| !ctx.outbound) {
            self.ir.tries[t].statuses.note_name(word);
        }
        if let Some(c) = ctx.class {
            let w = word.to_ascii_lowercase().replace(['-', '_'], "");
            let st = &mut self.class_states[c];
            if w == "open" {
                st.0 = true;
            } else if w == "halfopen" {
                st.1 = true;
            }
        }
    }

    /// Records `name = value` in the current scope.
    pub fn bind(&mut self, ctx: Ctx, name: String, value: Expr, node: Node) {
        let class = ctx.class.map(|c| self.ir.classes[c].name.clone());
        self.ir.bindings.push(super::ir::Binding {
            name,
            value,
            func: ctx.func,
            class,
            line: line(node),
        });
    }

    /// The context of a function's body: a callback given to a call keeps the tries
    /// around that call (it runs inside them); a declaration starts afresh.
    pub fn func_ctx(&self, ctx: Ctx, f: usize) -> Ctx {
        let keeps_tries = self.ir.funcs[f].passed_to.is_some();
        Ctx {
            func: Some(f),
            in_loop: false,
            catch: None,
            compared: false,
            tries: if keeps_tries { ctx.tries } else { None },
            ..ctx
        }
    }

    pub fn note_sleep(&mut self, ctx: Ctx, delay: Delay) {
        let mut f = ctx.func;
        let mut hops = 0;
        while let Some(i) = f {
            self.ir.funcs[i].sleeps = true;
            let d = &mut self.ir.funcs[i].delay;
            *d = Some(d.map_or(delay, |old| old.and(delay)));
            f = self.ir.funcs[i].parent;
            hops += 1;
            if hops > 3 {
                break;
            }
        }
    }

    /// Fills a call placeholder once the walk reaches the call.
    pub fn fill_call(
        &mut self,
        id: usize,
        ctx: Ctx,
        callee: Expr,
        args: Vec<super::ir::Arg>,
        new: bool,
        text: &str,
    ) {
        let tries = self.tries_of(ctx);
        let c = &mut self.ir.calls[id];
        c.callee = callee;
        c.args = args;
        c.new = new;
        c.func = ctx.func;
        c.tries = tries;
        c.in_loop = ctx.in_loop;
        c.in_catch = ctx.catch;
        c.text = super::ir::snippet(text);
    }

    /// Ends the walk: marks `.catch` chains and breaker classes.
    pub fn finish(mut self) -> FileIr {
        // x.then(...).catch(handler): every call in the chain's receivers is handled.
        for i in 0..self.ir.calls.len() {
            let call = &self.ir.calls[i];
            let Expr::Member(obj, prop) = &call.callee else {
                continue;
            };
            let handler = match (prop.as_str(), call.args.as_slice()) {
                ("catch", [super::ir::Arg::Pos(h), ..]) => Some(h.clone()),
                ("then", [_, super::ir::Arg::Pos(h), ..]) => Some(h.clone()),
                _ => None,
            };
            let Some(handler) = handler else { continue };
            let statuses = match handler {
                Expr::Func(f) => self.ir.funcs[f].statuses,
                _ => Statuses::default(),
            };
            let mut at = (**obj).clone();
            let mut hops = 0;
            while let Expr::Call(inner) = at {
                self.ir.calls[inner].chained_catch = Some(statuses);
                hops += 1;
                if hops > 16 {
                    break;
                }
                at = match &self.ir.calls[inner].callee {
                    Expr::Member(o, _) => (**o).clone(),
                    _ => break,
                };
            }
        }
        for (c, (open, half)) in self.class_states.iter().enumerate() {
            self.ir.classes[c].breaker_states = *open && *half;
        }
        self.ir
    }
}

/// Pushes a node's named children so that they pop in source order.
pub fn push_children<'t>(stack: &mut Vec<(Node<'t>, Ctx)>, src: &[u8], node: Node<'t>, ctx: Ctx) {
    let compared = compared_children(src, node, ctx.compared);
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    for child in children.into_iter().rev() {
        let compared = match compared {
            Compared::All(c) => c,
            Compared::Only(id) => child.id() == id,
        };
        stack.push((child, Ctx { compared, ..ctx }));
    }
}

/// Which children of a node stand where a status is compared (see [`compared_children`]).
enum Compared {
    All(bool),
    /// Only the child with this node id.
    Only(usize),
}

/// `a + b` of two lowered operands: folded when both are literals.
pub fn concat(l: Expr, r: Expr) -> Expr {
    match (l, r) {
        (Expr::Str(a), Expr::Str(c)) => Expr::Str(a + &c),
        (Expr::Num(a), Expr::Num(c)) => Expr::Num(a + c),
        (l, r) => Expr::Template(vec![l, r]),
    }
}

/// String parts: one string when none is interpolated.
pub fn joined(parts: Vec<Expr>) -> Expr {
    if parts.iter().all(|p| matches!(p, Expr::Str(_))) {
        Expr::Str(
            parts
                .iter()
                .map(|p| if let Expr::Str(s) = p { s.as_str() } else { "" })
                .collect(),
        )
    } else {
        Expr::Template(parts)
    }
}

/// A front-end's expression lowering, for the helpers below.
pub type LowerFn = fn(&mut Builder, Node, usize) -> Expr;

/// The first `limit` named children, lowered.
pub fn children(
    b: &mut Builder,
    node: Node,
    limit: usize,
    depth: usize,
    expr: LowerFn,
) -> Vec<Expr> {
    let mut c = node.walk();
    let items: Vec<Node> = node.named_children(&mut c).take(limit).collect();
    items.into_iter().map(|x| expr(b, x, depth)).collect()
}

/// `left + right` (string concatenation or a sum).
pub fn plus(b: &mut Builder, node: Node, depth: usize, expr: LowerFn) -> Expr {
    let l = node
        .child_by_field_name("left")
        .map(|x| expr(b, x, depth))
        .unwrap_or(Expr::Null);
    let r = node
        .child_by_field_name("right")
        .map(|x| expr(b, x, depth))
        .unwrap_or(Expr::Null);
    concat(l, r)
}

/// `-1`, `void 0`, `not x`.
pub fn unary_node(b: &mut Builder, node: Node, depth: usize, expr: LowerFn) -> Expr {
    let op = node.child_by_field_name("operator").map(|o| b.text(o));
    let arg = node
        .child_by_field_name("argument")
        .map(|x| expr(b, x, depth));
    unary(op, arg, b.text(node))
}

/// `obj.prop` / `obj[index]`, the grammar's field names given: a literal index is a member.
pub fn access(
    b: &mut Builder,
    node: Node,
    fields: (&str, &str),
    depth: usize,
    expr: LowerFn,
) -> Expr {
    let obj = node
        .child_by_field_name(fields.0)
        .map(|o| expr(b, o, depth))
        .unwrap_or(Expr::Null);
    let Some(key) = node.child_by_field_name(fields.1) else {
        return obj;
    };
    match key.kind() {
        "property_identifier" | "private_property_identifier" | "identifier"
            if fields.1 != "index" && fields.1 != "subscript" =>
        {
            Expr::Member(Box::new(obj), b.text(key).to_string())
        }
        _ => match expr(b, key, depth) {
            Expr::Str(s) => Expr::Member(Box::new(obj), s),
            other => Expr::Index(Box::new(obj), Box::new(other)),
        },
    }
}

/// The first named child, lowered (`await x`, `(x)`, `...x`, `**x`).
pub fn inner(b: &mut Builder, node: Node, depth: usize, expr: LowerFn) -> Expr {
    node.named_child(0)
        .map(|x| expr(b, x, depth))
        .unwrap_or(Expr::Null)
}

/// `key: value` of an object or dict; `None` when the key is not a plain name or string.
pub fn pair(b: &mut Builder, node: Node, depth: usize, expr: LowerFn) -> Option<super::ir::Entry> {
    let (k, v) = (
        node.child_by_field_name("key")?,
        node.child_by_field_name("value")?,
    );
    let key = match k.kind() {
        "property_identifier" | "identifier" | "number" => b.text(k).to_string(),
        _ => match expr(b, k, depth) {
            Expr::Str(s) => s,
            _ => return None,
        },
    };
    Some(super::ir::Entry::Pair(key, expr(b, v, depth)))
}

/// An object or dict literal: its first entries, each lowered by the grammar's `entry`.
pub fn object(
    b: &mut Builder,
    node: Node,
    depth: usize,
    entry: fn(&mut Builder, Node, usize) -> Option<super::ir::Entry>,
) -> Expr {
    let mut c = node.walk();
    let items: Vec<Node> = node
        .named_children(&mut c)
        .take(super::ir::MAX_ENTRIES)
        .collect();
    Expr::Obj(
        items
            .into_iter()
            .filter_map(|e| entry(b, e, depth))
            .collect(),
    )
}

/// Anything else: a snippet, with the names it mentions.
pub fn other(b: &mut Builder, node: Node, depth: usize, expr: LowerFn) -> Expr {
    let parts = children(b, node, 8, depth, expr);
    Expr::Other(super::ir::snippet(b.text(node)), parts)
}

/// `a ?? b`, `a || b`, `a or b`: the operands, first to last.
pub fn fallback(b: &mut Builder, node: Node, depth: usize, expr: LowerFn) -> Expr {
    let parts = ["left", "right"]
        .iter()
        .filter_map(|f| node.child_by_field_name(f))
        .map(|n| expr(b, n, depth))
        .collect();
    Expr::Fallback(super::ir::snippet(b.text(node)), parts)
}

/// A unary operator applied to a lowered operand.
fn unary(op: Option<&str>, arg: Option<Expr>, text: &str) -> Expr {
    match (op, arg) {
        (Some("-"), Some(Expr::Num(n))) => Expr::Num(-n),
        (Some("void"), _) => Expr::Null,
        (_, a) => Expr::Other(super::ir::snippet(text), a.into_iter().collect()),
    }
}

pub fn line(node: Node) -> u32 {
    node.start_position().row as u32 + 1
}

/// A string literal's value without quotes and prefixes (`'a'`, `"a"`, `r"a"`, `b'a'`).
pub fn unquote(raw: &str) -> String {
    // String prefixes (`r`, `b`, `f`, `rb`) only when a quote follows.
    let prefix = raw.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let s = if prefix <= 3 && raw[prefix..].starts_with(['"', '\'']) {
        &raw[prefix..]
    } else {
        raw
    };
    for q in ["\"\"\"", "'''", "\"", "'", "`"] {
        if s.len() >= 2 * q.len() && s.starts_with(q) && s.ends_with(q) {
            return s[q.len()..s.len() - q.len()].to_string();
        }
    }
    s.to_string()
}

pub fn parse_number(raw: &str) -> Option<f64> {
    let clean: String = raw.chars().filter(|c| *c != '_').collect();
    let clean = clean.trim_end_matches(['n', 'j', 'J', 'l', 'L']);
    if let Some(hex) = clean
        .strip_prefix("0x")
        .or_else(|| clean.strip_prefix("0X"))
    {
        return i64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    clean.parse::<f64>().ok()
}

/// Function node kinds of both grammars: the scope a sleep's variables live in.
const FUNCTION_KINDS: &[&str] = &[
    "function_definition",
    "function_declaration",
    "method_definition",
    "arrow_function",
    "function_expression",
    "function",
    "generator_function_declaration",
];

/// How far up a sleep looks for its function: each step asks tree-sitter for a parent,
/// which walks down from the root, so a sleep nested 20,000 levels deep stays cheap.
const MAX_SCOPE_HOPS: usize = 64;

/// How the wait of a sleep changes between attempts: `arg` is the sleep's delay
/// argument, read with the text of the function around `call` (the file at top level).
pub fn sleep_delay(b: &Builder, call: Node, arg: Option<Node>) -> Delay {
    let Some(arg) = arg else {
        return Delay::Unknown;
    };
    let text = b.text(arg);
    if text.contains("**") || text.contains("<<") || text.contains("pow(") {
        return Delay::Grows;
    }
    // The function the sleep's variables live in: past callbacks, so that
    // `new Promise((r) => setTimeout(r, delay))` reads `delay` in the retry loop's function.
    let mut scope = call;
    let mut hops = 0;
    while let Some(p) = scope.parent().filter(|_| hops < MAX_SCOPE_HOPS) {
        hops += 1;
        scope = p;
        let callback = scope
            .parent()
            .is_some_and(|a| matches!(a.kind(), "arguments" | "argument_list"));
        if FUNCTION_KINDS.contains(&scope.kind()) && !callback {
            break;
        }
    }
    let body = b.text(scope);
    let names = names_in(text);
    let grows = |v: &str| {
        let v = regex::escape(v);
        // A loop counter (`for attempt in range`, `for (let i = 0; ...; i++)`, `n += 1`)
        // or a variable grown in place (`delay *= 2`, `delay = delay * 2`,
        // `delay = min(delay * 2, cap)`, `wait += step`).
        let patterns = [
            format!(r"\bfor\s*\(?\s*(?:let|var|const)?\s*{v}\b\s*(?:in\b|of\b|=)"),
            format!(r"\b{v}\s*(?:\*|\+|<<)="),
            format!(r"\b{v}\+\+|\+\+{v}\b"),
            format!(r"\b{v}\s*=\s*(?:[\w.]*min\(\s*)?{v}\s*[*+]"),
            format!(r"\bfor\s+{v}\s*,"),
        ];
        patterns
            .iter()
            .any(|p| regex::Regex::new(p).is_ok_and(|r| r.is_match(body)))
    };
    if names.iter().any(|v| grows(v)) {
        return Delay::Grows;
    }
    // `wait = base * 2 ** (attempt - 1) + jitter` then `sleep(wait)`: the value a name
    // is given in the function grows the same ways (one assignment deep).
    let assigned_growth = |v: &str| {
        let pattern = format!(r"\b{}\s*=\s*([^=\n;][^\n;]*)", regex::escape(v));
        regex::Regex::new(&pattern).is_ok_and(|r| {
            r.captures_iter(body).any(|c| {
                let rhs = c.get(1).map_or("", |m| m.as_str());
                rhs.contains("**")
                    || rhs.contains("<<")
                    || rhs.contains("pow(")
                    || names_in(rhs).iter().any(|n| *n != v && grows(n))
            })
        })
    };
    if names.iter().any(|v| assigned_growth(v)) {
        return Delay::Grows;
    }
    if text.contains('(') {
        return Delay::Unknown;
    }
    Delay::Fixed
}

/// The identifiers of an expression's text (not the members after a dot).
fn names_in(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if start == 0 || bytes[start - 1] != b'.' {
                out.push(&text[start..i]);
            }
        } else if c.is_ascii_digit() {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Methods that compare their argument with the receiver's text: `msg.includes("429")`,
/// `str(e).startswith("429")`.
const TEXT_MATCHES: &[&str] = &[
    "includes",
    "startsWith",
    "endsWith",
    "startswith",
    "endswith",
];

/// Comparison operators of both grammars (TypeScript's `binary_expression` carries its
/// operator as a child token).
const COMPARISONS: &[&str] = &[
    "==", "===", "!=", "!==", "<", "<=", ">", ">=", "in", "not in",
];

/// Which children of `parent` stand where a status is told apart, read top-down while
/// walking (asking a tree-sitter node for its parent costs a walk from the root):
/// compared (`status === 429`, `e.status_code >= 500`), in a list of statuses
/// (`in (429, 503)`, `[429, 500].includes(s)`, `status_forcelist=[429, 503]`), a
/// `case 429:` arm, a key of a table by status (`{429: "slow down"}`), a bound of
/// `range(500, 600)`, or text matched against the error's (`"429" in str(e)`,
/// `msg.includes("429")`); parentheses and signs pass it on. Not a status: `max_tokens=500`,
/// `let delay = 500`, `sleep(500)`, `HTTPException(status_code=503)`: those say nothing
/// of the status an error carries.
fn compared_children(src: &[u8], parent: Node, parent_compared: bool) -> Compared {
    let only = |n: Option<Node>| n.map_or(Compared::All(false), |n| Compared::Only(n.id()));
    match parent.kind() {
        "parenthesized_expression"
        | "unary_operator"
        | "unary_expression"
        | "arguments"
        | "argument_list" => Compared::All(parent_compared),
        "comparison_operator"
        | "tuple"
        | "list"
        | "set"
        | "array"
        | "switch_case"
        | "case_pattern"
        | "case_clause" => Compared::All(true),
        "binary_expression" => Compared::All(
            parent
                .child_by_field_name("operator")
                .is_some_and(|op| COMPARISONS.contains(&op.kind())),
        ),
        "pair" => only(parent.child_by_field_name("key")),
        "call" | "call_expression"
            if parent.child_by_field_name("function").is_some_and(|f| {
                f.utf8_text(src).is_ok_and(|t| {
                    t == "range" || TEXT_MATCHES.contains(&t.rsplit('.').next().unwrap_or(t))
                })
            }) =>
        {
            only(parent.child_by_field_name("arguments"))
        }
        _ => Compared::All(false),
    }
}
