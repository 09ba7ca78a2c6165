//! The small, language-neutral syntax the front-ends lower TypeScript, JavaScript and
//! Python into, so that one analyser (see `analyze.rs`) finds Mistral clients, call sites
//! and their arguments in every language.
//!
//! Only what the checks need survives lowering: imports, bindings (name = expression),
//! every call with its arguments and its context (enclosing function, try blocks, loops,
//! `.catch` chains), functions with their parameters and decorators, and the HTTP status
//! codes a scope tells apart. Expressions stop at function boundaries and at a depth cap,
//! so lowering stays linear even on minified or deeply nested code.

/// An expression, as far as the checks care.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String),
    Num(f64),
    Bool(bool),
    /// `null`, `undefined`, `None`: a key present with this value is not set.
    Null,
    Name(String),
    Member(Box<Expr>, String),
    /// `a[i]`; the index is kept only when it is a literal.
    Index(Box<Expr>, Box<Expr>),
    /// A call or `new`, by its index in [`FileIr::calls`].
    Call(usize),
    Obj(Vec<Entry>),
    List(Vec<Expr>),
    /// A string with interpolations (template literal, f-string, concatenation).
    Template(Vec<Expr>),
    /// A function literal (arrow, lambda, function expression) by its index in [`FileIr::funcs`].
    Func(usize),
    /// Anything else, with a short snippet for messages. The names it mentions are kept
    /// for taint tracking (a log call of `"x" + prompt` mentions `prompt`).
    Other(String, Vec<Expr>),
    /// The first of its values that is set: `a ?? b`, `a || b`, Python `a or b` (with a
    /// snippet for messages). `options?.model ?? DEFAULT_MODEL` is `DEFAULT_MODEL` unless
    /// a caller says otherwise.
    Fallback(String, Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Pair(String, Expr),
    /// `...defaults` in an object literal, `**defaults` in a dict.
    Spread(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Pos(Expr),
    Kw(String, Expr),
    /// `...args` / `*args`.
    Spread(Expr),
    /// `**kwargs`.
    KwSpread(Expr),
}

/// The HTTP statuses a scope tells apart (compares, matches, names).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Statuses {
    pub s401: bool,
    pub s429: bool,
    pub s5xx: bool,
}

impl Statuses {
    pub fn union(self, o: Statuses) -> Statuses {
        Statuses {
            s401: self.s401 || o.s401,
            s429: self.s429 || o.s429,
            s5xx: self.s5xx || o.s5xx,
        }
    }
    pub fn all(self) -> bool {
        self.s401 && self.s429 && self.s5xx
    }
    pub fn any(self) -> bool {
        self.s401 || self.s429 || self.s5xx
    }
    /// The statuses not told apart, as words for a message.
    pub fn missing(self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.s401 {
            out.push("401");
        }
        if !self.s429 {
            out.push("429");
        }
        if !self.s5xx {
            out.push("5xx");
        }
        out
    }
    /// Marks the status a number or a name stands for.
    pub fn note_number(&mut self, n: f64) {
        if n == 401.0 {
            self.s401 = true;
        } else if n == 429.0 {
            self.s429 = true;
        } else if (499.0..=599.0).contains(&n) {
            self.s5xx = true;
        }
    }
    pub fn note_name(&mut self, name: &str) {
        let upper = name.to_ascii_uppercase();
        if upper.contains("UNAUTHORIZED")
            || upper.contains("AUTHENTICATIONERROR")
            || upper.contains("_401")
        {
            self.s401 = true;
        }
        if upper.contains("TOO_MANY_REQUESTS")
            || upper.contains("RATELIMIT")
            || upper.contains("_429")
        {
            self.s429 = true;
        }
        if upper.contains("INTERNAL_SERVER_ERROR")
            || upper.contains("INTERNALSERVERERROR")
            || upper.contains("SERVICE_UNAVAILABLE")
            || upper.contains("BAD_GATEWAY")
            || upper.contains("_503")
            || upper.contains("_500")
        {
            self.s5xx = true;
        }
    }
}

/// One call expression (or `new`) and where it sits.
#[derive(Debug, Clone)]
pub struct Call {
    pub callee: Expr,
    pub args: Vec<Arg>,
    pub new: bool,
    /// 1-based line where the call expression starts.
    pub line: u32,
    /// Innermost enclosing function (index in `funcs`), `None` at module level.
    pub func: Option<usize>,
    /// Enclosing `try` blocks whose body holds the call, innermost first (indexes in `tries`).
    pub tries: Vec<usize>,
    /// The call's promise has a `.catch(...)` (or a `.then(ok, err)`): the handler's statuses.
    pub chained_catch: Option<Statuses>,
    /// Inside a `for`/`while` loop of its function.
    pub in_loop: bool,
    /// Inside the handler (catch/except) of this try: a helper called there handles for it.
    pub in_catch: Option<usize>,
    /// The short source text of the callee, for messages.
    pub text: String,
}

/// How a sleep's wait changes from one attempt to the next, read from its argument and
/// the function around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    /// Grows: a power or shift (`2 ** attempt`, `Math.pow(2, n)`, `1 << n`), the loop's
    /// counter (`base * attempt`), or a variable grown in the function (`delay *= 2`).
    Grows,
    /// The same every time: literals and names that never change, no call.
    Fixed,
    /// Computed some other way (`wait_for(err)`): not decided.
    Unknown,
}

impl Delay {
    /// Several sleeps in one function: any growing wait makes a backoff; all fixed stays fixed.
    pub fn and(self, other: Delay) -> Delay {
        match (self, other) {
            (Delay::Grows, _) | (_, Delay::Grows) => Delay::Grows,
            (Delay::Fixed, Delay::Fixed) => Delay::Fixed,
            _ => Delay::Unknown,
        }
    }
}

/// One function (declaration, method, arrow, lambda).
#[derive(Debug, Clone, Default)]
pub struct Func {
    pub name: Option<String>,
    pub params: Vec<Param>,
    pub parent: Option<usize>,
    /// Enclosing class name, for `this.x` / `self.x` bindings.
    pub class: Option<String>,
    pub decorators: Vec<Expr>,
    /// The call this function literal is an argument of (`breaker.fire(() => ...)`).
    pub passed_to: Option<usize>,
    pub line: u32,
    /// Statuses told apart anywhere in its body (nested functions excluded).
    pub statuses: Statuses,
    pub has_try: bool,
    /// Calls a sleep (`time.sleep`, `asyncio.sleep`, `setTimeout`): a hand-written backoff loop.
    pub sleeps: bool,
    /// How the waits of those sleeps change between attempts (all of them together).
    pub delay: Option<Delay>,
    /// Mentions a 5xx status as a value (`res.status(503)`, `return body, 503`).
    pub answers_5xx: bool,
    /// Read as an attribute, not called: Python `@property` / `@cached_property`, a
    /// TypeScript `get` accessor. `self.client.chat.complete(...)` runs its body.
    pub accessor: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    /// Type annotation, lowered (`client: Mistral` gives `Name("Mistral")`).
    pub ty: Option<Expr>,
    /// Its default (`max_tokens=300`, `maxTokens = 2048`): the value when a caller
    /// omits it, read in the function's enclosing scope.
    pub default: Option<Expr>,
    /// The positional argument it reads (parameters destructured from one argument
    /// share it; `self` counts).
    pub slot: usize,
    /// Destructured from that argument: the property it is (`{ model = "x" }: Opts`
    /// gives a parameter `model` with field `model`).
    pub field: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Normal,
    /// `...rest`, `*args`
    Rest,
    /// `**kwargs`
    KwRest,
}

#[derive(Debug, Clone)]
pub struct Try {
    pub line: u32,
    pub func: Option<usize>,
    /// Has a `catch`/`except` clause (a `try/finally` alone handles nothing).
    pub has_handler: bool,
    /// Statuses told apart in the handler.
    pub statuses: Statuses,
    /// The handler re-raises / returns a non-2xx (a health route turning failure into 503).
    pub answers_5xx: bool,
}

#[derive(Debug, Clone)]
pub struct Import {
    pub local: String,
    /// As written: `@mistralai/mistralai`, `./config`, `mistralai.client`, `.settings`.
    pub module: String,
    /// The imported name; `None` for a namespace/module import (`import * as m`, `import m`).
    pub name: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Binding {
    /// `x`, or `this.x` / `self.x` for attributes of the enclosing class.
    pub name: String,
    pub value: Expr,
    pub func: Option<usize>,
    pub class: Option<String>,
    pub line: u32,
}

/// A class and what its body says.
#[derive(Debug, Clone)]
pub struct Class {
    pub name: String,
    pub line: u32,
    /// The classes it extends, by their last name (`class A(base.B)` gives `B`).
    pub bases: Vec<String>,
    /// Has the states of a circuit breaker (`open` and `half-open` / `HALF_OPEN`).
    pub breaker_states: bool,
    /// Methods, by function index.
    pub methods: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    TypeScript,
    JavaScript,
    Python,
}

/// One source file, lowered.
#[derive(Debug, Clone)]
pub struct FileIr {
    pub path: String,
    pub lang: Lang,
    pub imports: Vec<Import>,
    pub bindings: Vec<Binding>,
    pub calls: Vec<Call>,
    pub funcs: Vec<Func>,
    pub tries: Vec<Try>,
    pub classes: Vec<Class>,
    /// The parser recovered from syntax errors (facts may be partial).
    pub syntax_errors: bool,
    /// Imports a Mistral package or names api.mistral.ai: its importers are parsed too.
    pub mistral_source: bool,
}

impl FileIr {
    pub fn new(path: &str, lang: Lang) -> FileIr {
        FileIr {
            path: path.to_string(),
            lang,
            imports: Vec::new(),
            bindings: Vec::new(),
            calls: Vec::new(),
            funcs: Vec::new(),
            tries: Vec::new(),
            classes: Vec::new(),
            syntax_errors: false,
            mistral_source: false,
        }
    }
}

/// Caps that keep lowering linear and the stack shallow on hostile input.
pub const MAX_EXPR_DEPTH: usize = 24;
pub const MAX_ENTRIES: usize = 64;
const MAX_SNIPPET: usize = 60;

/// A one-line snippet of source text for messages.
pub fn snippet(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > MAX_SNIPPET {
        let cut: String = one.chars().take(MAX_SNIPPET).collect();
        format!("{cut}…")
    } else {
        one
    }
}
