//! The language-neutral facts about Mistral usage that the checks read: clients, call
//! sites with their settings, error handling, retries, log leaks, health routes and
//! circuit breakers. Front-ends describe; checks decide.

use super::ir::Statuses;

/// Which SDK (or raw HTTP) a call goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sdk {
    /// `@mistralai/mistralai` v1+ (`new Mistral`).
    MistralTs,
    /// `@mistralai/mistralai` v0 (`new MistralClient`).
    MistralTsV0,
    /// Python `mistralai` v1+ (`Mistral`).
    MistralPy,
    /// Python `mistralai` v0 (`MistralClient`, `MistralAsyncClient`).
    MistralPyV0,
    LangChainPy,
    LangChainJs,
    LlamaIndex,
    /// Haystack's Mistral components (`MistralChatGenerator`, `Mistral*Embedder`).
    Haystack,
    /// Vercel AI SDK with `@ai-sdk/mistral`.
    AiSdk,
    /// An OpenAI client pointed at api.mistral.ai.
    OpenAiCompat,
    /// fetch, axios, requests, httpx, aiohttp to api.mistral.ai.
    Http,
}

impl Sdk {
    /// The family in the user's words (from the SDK table, `sdks.rs`).
    pub fn label(self) -> &'static str {
        super::sdks::family(self).label
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Chat,
    ChatStream,
    Fim,
    FimStream,
    Agents,
    AgentsStream,
    Embeddings,
    ModelsList,
    /// OCR, moderation, files, batch: Mistral calls with no generation settings.
    Other,
}

impl CallKind {
    /// Generation calls are the ones with max-tokens and temperature (CHECKS.md).
    pub fn is_generation(self) -> bool {
        matches!(
            self,
            CallKind::Chat
                | CallKind::ChatStream
                | CallKind::Fim
                | CallKind::FimStream
                | CallKind::Agents
                | CallKind::AgentsStream
        )
    }
}

/// A literal value seen in the code.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Num(f64),
    Str(String),
    Bool(bool),
}

impl Lit {
    pub fn show(&self) -> String {
        match self {
            Lit::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Lit::Num(n) => format!("{n}"),
            Lit::Str(s) => format!("\"{s}\""),
            Lit::Bool(b) => b.to_string(),
        }
    }
}

/// What the code says about one setting (model, max tokens, temperature) of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    /// Set to a value seen statically, at `path:line` (where the value is written).
    Set {
        value: Lit,
        key: String,
        path: String,
        line: u32,
    },
    /// Not passed at all.
    Missing,
    /// Not passed by a caller of the wrapper that forwards the settings.
    NotSetVia { via: String },
    /// Passed as `undefined` / `None`: not set.
    Null { key: String },
    /// Passed under a name the SDK does not read (`max_tokens` on the TypeScript SDK,
    /// `max_completion_tokens` that Mistral rejects).
    WrongName { key: String, hint: String },
    /// Passed, but its value cannot be seen statically (environment, parameter without caller).
    NotVisible { why: String },
}

/// What catches the errors of a call site: the front-end names the construct, the
/// `error-handling` check words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerKind {
    /// A `try` block with a `catch` clause (TypeScript/JavaScript).
    TryCatch,
    /// A `try` block with an `except` clause (Python).
    TryExcept,
    /// `.catch(...)` or `.then(ok, err)` chained on the call.
    CatchChain,
    /// The AI SDK's `onError` option.
    OnError,
    /// A class method the call runs through that catches (`breaker.execute(fn)`).
    MethodCatches { method: String },
    /// Raw HTTP: the response status is checked in the calling function.
    ResponseStatusChecks,
    /// A model only handed to a chain: its errors surface in the chain's caller, which
    /// is not visible statically.
    Chain,
}

/// Where and how errors of a call are caught.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub path: String,
    pub line: u32,
    pub kind: HandlerKind,
}

/// How errors of a call site are handled: `at: None` is no handling at all; the
/// statuses say which of 401, 429 and 5xx the handling path tells apart.
#[derive(Debug, Clone, Default)]
pub struct Handling {
    pub at: Option<Handler>,
    pub statuses: Statuses,
}

/// How a call is retried on 429/5xx. `how` describes the mechanism for people; the
/// variant is the verdict-relevant fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Retry {
    Backoff {
        how: String,
        path: String,
        line: u32,
    },
    /// Retries, but not on 429/5xx (LangChain Python `max_retries`).
    ConnectionOnly {
        how: String,
        path: String,
        line: u32,
    },
    /// A hand-written retry loop that waits the same time before every attempt: retries,
    /// but without backoff.
    FixedDelay {
        how: String,
        path: String,
        line: u32,
    },
    /// Explicitly disabled (`strategy: "none"`, `maxRetries: 0`).
    Disabled {
        how: String,
        path: String,
        line: u32,
    },
    /// A retry configuration is passed but its value (or strategy) cannot be seen
    /// statically.
    NotVisible {
        how: String,
        path: String,
        line: u32,
    },
    None,
}

/// One call of the Mistral API.
#[derive(Debug, Clone)]
pub struct CallSite {
    pub path: String,
    pub line: u32,
    pub sdk: Sdk,
    pub kind: CallKind,
    /// What was called, for messages: `client.chat.complete`, `POST /v1/chat/completions`.
    pub api: String,
    /// Settings came through a wrapper: "via ask() at src/app.py:30".
    pub via: Option<String>,
    pub model: Setting,
    pub max_tokens: Setting,
    pub temperature: Setting,
    pub handling: Handling,
    pub retry: Retry,
    /// The breaker it goes through: (path, line, what).
    pub breaker: Option<(String, u32, String)>,
    /// Index of the enclosing function in its file, for health routes.
    pub(crate) func: Option<usize>,
    pub(crate) file: usize,
    /// Index of the call in its file's lowered calls.
    pub(crate) call: usize,
}

/// Where a log call receives message content or the key.
#[derive(Debug, Clone)]
pub struct LogLeak {
    pub path: String,
    pub line: u32,
    pub what: String,
}

/// An HTTP route that looks like a health check.
#[derive(Debug, Clone)]
pub struct Route {
    pub path: String,
    pub line: u32,
    pub route: String,
    /// The Mistral call it makes: (path, line, api).
    pub probe: Option<(String, u32, String)>,
    /// Answers a 5xx when the probe fails.
    pub answers_5xx: bool,
}

/// A circuit breaker in the code (library import or a class with open/half-open states).
#[derive(Debug, Clone)]
pub struct Breaker {
    pub path: String,
    pub line: u32,
    pub what: String,
}

/// Why a file mentioning Mistral was not (fully) read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseFailure {
    /// Over the parse size limit (`max_bytes`): likely generated or minified.
    TooLarge { max_bytes: usize },
    /// The parser gave up within its time budget.
    TimedOut,
    /// Parsed with tree-sitter's error recovery: facts of the readable parts only.
    SyntaxErrors,
}

/// A file the front-ends could not read fully.
#[derive(Debug, Clone)]
pub struct ParseIssue {
    pub path: String,
    pub why: ParseFailure,
}
