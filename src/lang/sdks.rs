//! What the gate knows about each SDK and client family, as data: one [`Family`] entry
//! per family in [`FAMILIES`]. The analyser (`analyze/`) looks things up here instead of
//! spelling package names, constructors, method names and parameter names in code, so
//! that SDK knowledge lives in one place and a new SDK version is a table entry.
//!
//! # Adding a family or an SDK version
//!
//! 1. Add an [`Sdk`] variant (the family id, `model.rs`) and one [`Family`] entry below:
//!    its languages, the packages it is imported from, the constructors that make a
//!    client (or model object), the methods that call the API and their [`CallKind`],
//!    the parameter names for model, max tokens (per major version when they changed),
//!    temperature and retries, and what it retries when nothing is configured
//!    ([`RetryDefault`], read in the SDK sources: say where in `docs/code-checks.md`).
//! 2. Add a fixture under `tests/fixtures/code/` with its `expected.json`, and, when the
//!    SDK can be installed, a type-check or run in `tests/code_sdks.rs`.
//!
//! `tests` below walk the table: every family has a package for each language it claims,
//! a label, methods of known kinds, and no two families claim the same constructor.
//! HTTP clients (fetch, axios, requests, httpx, aiohttp) are one family today whose
//! request details (body argument, URL) are read by `analyze/sites.rs::http_call`;
//! issue 11 splits them into per-client entries of this same shape.

use super::ir::Lang;
use super::model::{CallKind, Sdk};

/// The languages a family exists in (TypeScript and JavaScript share their packages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    JavaScript,
    Python,
}

impl Language {
    pub fn of(lang: Lang) -> Language {
        match lang {
            Lang::TypeScript | Lang::JavaScript => Language::JavaScript,
            Lang::Python => Language::Python,
        }
    }
}

/// How an import specifier names a package.
#[derive(Debug, Clone, Copy)]
pub enum Match {
    /// The package or one of its submodules (`pkg/sub` in JavaScript, `pkg.sub` in Python).
    Package(&'static str),
    /// A Python module under `prefix` whose last part is `suffix`
    /// (`llama_index.llms.mistralai`).
    Under {
        prefix: &'static str,
        suffix: &'static str,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Package {
    pub language: Language,
    pub name: Match,
}

/// What a constructor makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Makes {
    /// A client whose methods call the API (`new Mistral`, `OpenAI()`, `axios.create`).
    Client,
    /// A chat model object (LangChain, LlamaIndex): generation methods.
    ChatModel,
    /// An embeddings model object: embedding methods.
    Embeddings,
}

/// A constructor exported by one of the family's packages. `name` is the exported name;
/// `"default"` is the package's default export (`import MistralClient from "..."`).
#[derive(Debug, Clone, Copy)]
pub struct Constructor {
    /// Only from this package of the family (HTTP clients: `axios.create` but not `ky.create`).
    pub package: Option<&'static str>,
    pub name: &'static str,
    pub makes: Makes,
}

/// A method path on a client (`chat.complete`) and the kind of API call it makes.
#[derive(Debug, Clone, Copy)]
pub struct Method {
    pub path: &'static str,
    pub kind: CallKind,
    /// Which objects have it: `None` any client of the family, else the object made.
    pub on: Option<Makes>,
}

/// A function of a package that makes an API call with a params object
/// (the AI SDK's `generateText({ model: mistral(...) })`).
#[derive(Debug, Clone, Copy)]
pub struct Function {
    pub package: &'static str,
    pub name: &'static str,
    pub kind: CallKind,
}

/// The names of the max-tokens parameter from one major version of the package on.
#[derive(Debug, Clone, Copy)]
pub struct MaxTokens {
    pub from_major: u32,
    pub keys: &'static [&'static str],
    /// Names users write that this version does not read, with the hint to show.
    pub wrong: &'static [(&'static str, &'static str)],
}

/// Where a call takes its per-call retry options.
#[derive(Debug, Clone, Copy)]
pub enum CallRetries {
    /// A keyword argument (`retries=RetryConfig(...)`).
    Kwarg(&'static str),
    /// A key of the positional options argument at `index` (`{ retries: {...} }`).
    Options { index: usize, key: &'static str },
}

/// Parameter names, as the SDK reads them.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub model: &'static [&'static str],
    /// By major version, ascending; an unknown version accepts every name, newest first.
    pub max_tokens: &'static [MaxTokens],
    pub temperature: &'static [&'static str],
    /// Client option that configures retries (`retryConfig`, `maxRetries`).
    pub client_retries: &'static [&'static str],
    pub call_retries: Option<CallRetries>,
    /// Client option that sets the API's base URL.
    pub base_url: &'static [&'static str],
    /// Positional constructor arguments, by name.
    pub positional: &'static [&'static str],
    /// The constructor takes the model id first (`new ChatMistralAI("id", {...})`).
    pub model_first: bool,
    /// Client option that logs every request, headers included.
    pub debug_logger: &'static [&'static str],
}

/// What the family retries when the code configures nothing, and what a setting means.
#[derive(Debug, Clone, Copy)]
pub enum RetryDefault {
    /// Nothing is retried without a retry config whose strategy is `"backoff"`
    /// (official SDKs v1+).
    OnlyWithConfig,
    /// 429/5xx are retried with backoff unless the count in `client_retries` is ≤ 0.
    /// `given` / `default` describe it; `{key}` and `{label}` are filled in.
    BackoffByDefault {
        given: &'static str,
        default: &'static str,
    },
    /// Retries connection errors only, whatever is configured.
    ConnectionOnly { how: &'static str },
    /// The retry setting is passed on in a shape the SDK ignores: nothing is retried.
    Ignored { how: &'static str },
    /// Nothing retries (raw HTTP).
    Never,
}

/// Where the API calls of a family go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Mistral's own package: importing it is Mistral usage.
    Mistral,
    /// A generic client that is Mistral's only with a base URL on api.mistral.ai.
    BaseUrl,
    /// An HTTP client: its base URL when set, else the URL of each request.
    PerRequest,
}

/// How settings reach the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Settings are passed on each method call.
    Client,
    /// Settings live on a model object (LangChain, LlamaIndex), which may be handed to
    /// chains; invocations take the content positionally.
    ModelObject,
    /// Package functions take a params object (AI SDK).
    Function,
    /// Raw HTTP requests with a JSON body.
    Http,
}

/// One SDK or client family.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    pub sdk: Sdk,
    /// The family in the user's words, for messages.
    pub label: &'static str,
    pub languages: &'static [Language],
    pub endpoint: Endpoint,
    pub style: Style,
    pub packages: &'static [Package],
    pub constructors: &'static [Constructor],
    pub methods: &'static [Method],
    /// Namespaces whose other methods (`ocr.process`, `files.upload`) are API calls with
    /// no generation settings ([`CallKind::Other`]).
    pub other_namespaces: &'static [&'static str],
    pub functions: &'static [Function],
    /// LangChain runnables: `prompt | model`, `model.with_retry()`.
    pub runnables: bool,
    pub params: Params,
    pub retry: RetryDefault,
}

const JS: &[Language] = &[Language::JavaScript];
const PY: &[Language] = &[Language::Python];
const BOTH: &[Language] = &[Language::JavaScript, Language::Python];

const fn m(path: &'static str, kind: CallKind) -> Method {
    Method {
        path,
        kind,
        on: None,
    }
}
const fn chat(path: &'static str, kind: CallKind) -> Method {
    Method {
        path,
        kind,
        on: Some(Makes::ChatModel),
    }
}
const fn emb(path: &'static str) -> Method {
    Method {
        path,
        kind: CallKind::Embeddings,
        on: Some(Makes::Embeddings),
    }
}
const fn ctor(name: &'static str, makes: Makes) -> Constructor {
    Constructor {
        package: None,
        name,
        makes,
    }
}

const TEMPERATURE: &[&str] = &["temperature"];

/// `@mistralai/mistralai` v1+ and Python `mistralai` v1+ share their method names
/// (Python adds `*_async`).
const MISTRAL_V1_METHODS: &[Method] = {
    use CallKind::*;
    &[
        m("chat.complete", Chat),
        m("chat.complete_async", Chat),
        m("chat.parse", Chat),
        m("chat.parse_async", Chat),
        m("chat.parseAsync", Chat),
        m("chat.stream", ChatStream),
        m("chat.stream_async", ChatStream),
        m("chat.parse_stream", ChatStream),
        m("chat.parse_stream_async", ChatStream),
        m("fim.complete", Fim),
        m("fim.complete_async", Fim),
        m("fim.stream", FimStream),
        m("fim.stream_async", FimStream),
        m("agents.complete", Agents),
        m("agents.complete_async", Agents),
        m("agents.stream", AgentsStream),
        m("agents.stream_async", AgentsStream),
        m("embeddings.create", Embeddings),
        m("embeddings.create_async", Embeddings),
        m("models.list", ModelsList),
        m("models.list_async", ModelsList),
    ]
};
const MISTRAL_V1_NAMESPACES: &[&str] = &[
    "ocr",
    "classifiers",
    "files",
    "batch",
    "fineTuning",
    "fine_tuning",
    "beta",
    "audio",
    "models",
    "embeddings",
];

/// The v0 clients of both languages (`chatStream` in JavaScript, `chat_stream` in Python).
const MISTRAL_V0_METHODS: &[Method] = {
    use CallKind::*;
    &[
        m("chat", Chat),
        m("chatStream", ChatStream),
        m("chat_stream", ChatStream),
        m("completion", Fim),
        m("completionStream", FimStream),
        m("completion_stream", FimStream),
        m("embeddings", Embeddings),
        m("listModels", ModelsList),
        m("list_models", ModelsList),
    ]
};

/// Chat and embeddings model objects of LangChain and LlamaIndex.
const MODEL_OBJECT_METHODS: &[Method] = {
    use CallKind::*;
    &[
        chat("invoke", Chat),
        chat("ainvoke", Chat),
        chat("stream", ChatStream),
        chat("astream", ChatStream),
        chat("batch", Chat),
        chat("abatch", Chat),
        chat("generate", Chat),
        chat("agenerate", Chat),
        chat("call", Chat),
        chat("predict", Chat),
        chat("chat", Chat),
        chat("achat", Chat),
        chat("complete", Chat),
        chat("acomplete", Chat),
        chat("stream_chat", ChatStream),
        chat("astream_chat", ChatStream),
        chat("stream_complete", ChatStream),
        chat("astream_complete", ChatStream),
        chat("streamEvents", ChatStream),
        chat("astream_events", ChatStream),
        emb("embedQuery"),
        emb("embedDocuments"),
        emb("embed_query"),
        emb("embed_documents"),
        emb("aembed_query"),
        emb("aembed_documents"),
        emb("get_text_embedding"),
        emb("get_query_embedding"),
        emb("aget_text_embedding"),
        emb("aget_query_embedding"),
    ]
};

const TS_MAX_TOKENS: &[MaxTokens] = &[MaxTokens {
    from_major: 0,
    keys: &["maxTokens"],
    wrong: &[
        ("max_tokens", "the TypeScript SDK reads maxTokens"),
        (
            "max_completion_tokens",
            "Mistral rejects max_completion_tokens; use maxTokens",
        ),
    ],
}];
const PY_MAX_TOKENS: &[MaxTokens] = &[MaxTokens {
    from_major: 0,
    keys: &["max_tokens"],
    wrong: &[
        ("maxTokens", "the Python SDK reads max_tokens"),
        (
            "max_completion_tokens",
            "Mistral rejects max_completion_tokens; use max_tokens",
        ),
    ],
}];
const WIRE_MAX_TOKENS: &[MaxTokens] = &[MaxTokens {
    from_major: 0,
    keys: &["max_tokens"],
    wrong: &[(
        "max_completion_tokens",
        "Mistral rejects max_completion_tokens; use max_tokens",
    )],
}];

const NO_PARAMS: Params = Params {
    model: &["model"],
    max_tokens: WIRE_MAX_TOKENS,
    temperature: TEMPERATURE,
    client_retries: &[],
    call_retries: None,
    base_url: &[],
    positional: &[],
    model_first: false,
    debug_logger: &[],
};

const V0_RETRIES: RetryDefault = RetryDefault::BackoffByDefault {
    given: "v0 client retries 429/5xx with backoff ({key} given)",
    default: "v0 client retries 429/5xx with backoff by default (5 retries)",
};
const COUNTED_RETRIES: RetryDefault = RetryDefault::BackoffByDefault {
    given: "{key} set: {label} retries 429/5xx with backoff",
    default: "{label} retries 429/5xx with backoff by default",
};

/// Every family the gate recognises. See the module documentation for how to add one.
const FAMILIES: &[Family] = &[
    Family {
        sdk: Sdk::MistralTs,
        label: "@mistralai/mistralai",
        languages: JS,
        endpoint: Endpoint::Mistral,
        style: Style::Client,
        packages: &[Package { language: Language::JavaScript, name: Match::Package("@mistralai/mistralai") }],
        constructors: &[ctor("Mistral", Makes::Client)],
        methods: MISTRAL_V1_METHODS,
        other_namespaces: MISTRAL_V1_NAMESPACES,
        functions: &[],
        runnables: false,
        params: Params {
            max_tokens: TS_MAX_TOKENS,
            client_retries: &["retryConfig", "retry_config"],
            call_retries: Some(CallRetries::Options { index: 1, key: "retries" }),
            base_url: &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"],
            debug_logger: &["debugLogger", "debug_logger"],
            ..NO_PARAMS
        },
        retry: RetryDefault::OnlyWithConfig,
    },
    Family {
        sdk: Sdk::MistralTsV0,
        label: "@mistralai/mistralai v0",
        languages: JS,
        endpoint: Endpoint::Mistral,
        style: Style::Client,
        packages: &[Package { language: Language::JavaScript, name: Match::Package("@mistralai/mistralai") }],
        constructors: &[ctor("MistralClient", Makes::Client), ctor("default", Makes::Client)],
        methods: MISTRAL_V0_METHODS,
        other_namespaces: &[],
        functions: &[],
        runnables: false,
        params: Params {
            max_tokens: TS_MAX_TOKENS,
            client_retries: &["maxRetries", "max_retries"],
            call_retries: Some(CallRetries::Options { index: 1, key: "retries" }),
            base_url: &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"],
            positional: &["apiKey", "endpoint", "maxRetries", "timeout"],
            ..NO_PARAMS
        },
        retry: V0_RETRIES,
    },
    Family {
        sdk: Sdk::MistralPy,
        label: "mistralai",
        languages: PY,
        endpoint: Endpoint::Mistral,
        style: Style::Client,
        packages: &[Package { language: Language::Python, name: Match::Package("mistralai") }],
        constructors: &[ctor("Mistral", Makes::Client)],
        methods: MISTRAL_V1_METHODS,
        other_namespaces: MISTRAL_V1_NAMESPACES,
        functions: &[],
        runnables: false,
        params: Params {
            max_tokens: PY_MAX_TOKENS,
            client_retries: &["retryConfig", "retry_config"],
            call_retries: Some(CallRetries::Kwarg("retries")),
            base_url: &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"],
            positional: &["api_key", "server"],
            debug_logger: &["debugLogger", "debug_logger"],
            ..NO_PARAMS
        },
        retry: RetryDefault::OnlyWithConfig,
    },
    Family {
        sdk: Sdk::MistralPyV0,
        label: "mistralai v0",
        languages: PY,
        endpoint: Endpoint::Mistral,
        style: Style::Client,
        packages: &[Package { language: Language::Python, name: Match::Package("mistralai") }],
        constructors: &[ctor("MistralClient", Makes::Client), ctor("MistralAsyncClient", Makes::Client)],
        methods: MISTRAL_V0_METHODS,
        other_namespaces: &[],
        functions: &[],
        runnables: false,
        params: Params {
            max_tokens: PY_MAX_TOKENS,
            client_retries: &["maxRetries", "max_retries"],
            call_retries: Some(CallRetries::Kwarg("retries")),
            base_url: &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"],
            positional: &["api_key", "endpoint", "max_retries", "timeout"],
            ..NO_PARAMS
        },
        retry: V0_RETRIES,
    },
    Family {
        sdk: Sdk::LangChainPy,
        label: "langchain_mistralai",
        languages: PY,
        endpoint: Endpoint::Mistral,
        style: Style::ModelObject,
        packages: &[Package { language: Language::Python, name: Match::Package("langchain_mistralai") }],
        constructors: &[ctor("ChatMistralAI", Makes::ChatModel), ctor("MistralAIEmbeddings", Makes::Embeddings)],
        methods: MODEL_OBJECT_METHODS,
        other_namespaces: &[],
        functions: &[],
        runnables: true,
        params: Params {
            model: &["model", "model_name"],
            max_tokens: &[MaxTokens { from_major: 0, keys: &["max_tokens"], wrong: &[("maxTokens", "ChatMistralAI reads max_tokens")] }],
            base_url: &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"],
            ..NO_PARAMS
        },
        retry: RetryDefault::ConnectionOnly { how: "langchain_mistralai max_retries retries connection errors only (httpx.RequestError), not 429/5xx" },
    },
    Family {
        sdk: Sdk::LangChainJs,
        label: "@langchain/mistralai",
        languages: JS,
        endpoint: Endpoint::Mistral,
        style: Style::ModelObject,
        packages: &[Package { language: Language::JavaScript, name: Match::Package("@langchain/mistralai") }],
        constructors: &[ctor("ChatMistralAI", Makes::ChatModel), ctor("MistralAIEmbeddings", Makes::Embeddings)],
        methods: MODEL_OBJECT_METHODS,
        other_namespaces: &[],
        functions: &[],
        runnables: true,
        params: Params {
            model: &["model", "modelName"],
            max_tokens: &[MaxTokens { from_major: 0, keys: &["maxTokens"], wrong: &[("max_tokens", "@langchain/mistralai reads maxTokens")] }],
            client_retries: &["maxRetries", "max_retries"],
            base_url: &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"],
            model_first: true,
            ..NO_PARAMS
        },
        retry: COUNTED_RETRIES,
    },
    Family {
        sdk: Sdk::LlamaIndex,
        label: "llama_index MistralAI",
        languages: PY,
        endpoint: Endpoint::Mistral,
        style: Style::ModelObject,
        packages: &[Package { language: Language::Python, name: Match::Under { prefix: "llama_index.", suffix: "mistralai" } }],
        constructors: &[ctor("MistralAI", Makes::ChatModel), ctor("MistralAIEmbedding", Makes::Embeddings)],
        methods: MODEL_OBJECT_METHODS,
        other_namespaces: &[],
        functions: &[],
        runnables: false,
        params: Params {
            max_tokens: PY_MAX_TOKENS,
            base_url: &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"],
            ..NO_PARAMS
        },
        // llama_index passes max_retries as `retries=<int>` to chat.complete; the SDK only
        // retries when `retries` is a RetryConfig.
        retry: RetryDefault::Ignored {
            how: "llama_index MistralAI passes max_retries as an int `retries`, which the mistralai SDK ignores (not a RetryConfig)",
        },
    },
    // Haystack's Mistral integration (`mistral-haystack`, read in 3.0.0:
    // `MistralChatGenerator(OpenAIChatGenerator)`, settings in `generation_kwargs`,
    // `max_retries` defaulting to OPENAI_MAX_RETRIES or 5, handed to the OpenAI client,
    // which retries 429/5xx with backoff).
    Family {
        sdk: Sdk::Haystack,
        label: "Haystack Mistral components",
        languages: PY,
        endpoint: Endpoint::Mistral,
        style: Style::ModelObject,
        packages: &[Package {
            language: Language::Python,
            name: Match::Under {
                prefix: "haystack_integrations.",
                suffix: "mistral",
            },
        }],
        constructors: &[
            ctor("MistralChatGenerator", Makes::ChatModel),
            ctor("MistralTextEmbedder", Makes::Embeddings),
            ctor("MistralDocumentEmbedder", Makes::Embeddings),
        ],
        methods: &[
            chat("run", CallKind::Chat),
            chat("run_async", CallKind::Chat),
            emb("run"),
            emb("run_async"),
        ],
        other_namespaces: &[],
        functions: &[],
        runnables: false,
        params: Params {
            max_tokens: &[MaxTokens {
                from_major: 0,
                keys: &["generation_kwargs.max_tokens"],
                wrong: &[(
                    "generation_kwargs.max_completion_tokens",
                    "Mistral rejects max_completion_tokens; use max_tokens in generation_kwargs",
                )],
            }],
            temperature: &["generation_kwargs.temperature"],
            client_retries: &["max_retries"],
            base_url: &["api_base_url"],
            ..NO_PARAMS
        },
        retry: RetryDefault::BackoffByDefault {
            given: "{key} set: {label} retry 429/5xx with backoff (OpenAI client)",
            default: "{label} retry 429/5xx with backoff by default (OpenAI client, max_retries 5)",
        },
    },
    Family {
        sdk: Sdk::AiSdk,
        label: "AI SDK (@ai-sdk/mistral)",
        languages: JS,
        endpoint: Endpoint::Mistral,
        style: Style::Function,
        packages: &[Package { language: Language::JavaScript, name: Match::Package("@ai-sdk/mistral") }],
        constructors: &[],
        methods: &[],
        other_namespaces: &[],
        functions: &[
            Function { package: "ai", name: "generateText", kind: CallKind::Chat },
            Function { package: "ai", name: "generateObject", kind: CallKind::Chat },
            Function { package: "ai", name: "streamText", kind: CallKind::ChatStream },
            Function { package: "ai", name: "streamObject", kind: CallKind::ChatStream },
            Function { package: "ai", name: "embed", kind: CallKind::Embeddings },
            Function { package: "ai", name: "embedMany", kind: CallKind::Embeddings },
        ],
        runnables: false,
        params: Params {
            max_tokens: &[
                MaxTokens { from_major: 0, keys: &["maxTokens"], wrong: &[("maxOutputTokens", "AI SDK v4 reads maxTokens")] },
                MaxTokens { from_major: 5, keys: &["maxOutputTokens"], wrong: &[("maxTokens", "AI SDK v5+ reads maxOutputTokens")] },
            ],
            client_retries: &["maxRetries"],
            ..NO_PARAMS
        },
        retry: RetryDefault::BackoffByDefault { given: "AI SDK maxRetries retries 429/5xx with backoff", default: "AI SDK retries 429/5xx with backoff by default (maxRetries 2)" },
    },
    Family {
        sdk: Sdk::OpenAiCompat,
        label: "OpenAI client on api.mistral.ai",
        languages: BOTH,
        endpoint: Endpoint::BaseUrl,
        style: Style::Client,
        packages: &[Package { language: Language::JavaScript, name: Match::Package("openai") }, Package { language: Language::Python, name: Match::Package("openai") }],
        constructors: &[ctor("OpenAI", Makes::Client), ctor("AsyncOpenAI", Makes::Client), ctor("default", Makes::Client)],
        methods: &[m("chat.completions.create", CallKind::Chat), m("embeddings.create", CallKind::Embeddings), m("models.list", CallKind::ModelsList)],
        other_namespaces: &[],
        functions: &[],
        runnables: false,
        params: Params {
            client_retries: &["maxRetries", "max_retries"],
            call_retries: None,
            base_url: &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"],
            ..NO_PARAMS
        },
        retry: COUNTED_RETRIES,
    },
    Family {
        sdk: Sdk::Http,
        label: "HTTP",
        languages: BOTH,
        endpoint: Endpoint::PerRequest,
        style: Style::Http,
        packages: &[
            Package { language: Language::JavaScript, name: Match::Package("axios") },
            Package { language: Language::JavaScript, name: Match::Package("node-fetch") },
            Package { language: Language::JavaScript, name: Match::Package("undici") },
            Package { language: Language::JavaScript, name: Match::Package("cross-fetch") },
            Package { language: Language::JavaScript, name: Match::Package("got") },
            Package { language: Language::JavaScript, name: Match::Package("ky") },
            Package { language: Language::Python, name: Match::Package("requests") },
            Package { language: Language::Python, name: Match::Package("httpx") },
            Package { language: Language::Python, name: Match::Package("aiohttp") },
        ],
        constructors: &[
            Constructor { package: Some("axios"), name: "create", makes: Makes::Client },
            Constructor { package: Some("httpx"), name: "Client", makes: Makes::Client },
            Constructor { package: Some("httpx"), name: "AsyncClient", makes: Makes::Client },
            Constructor { package: Some("requests"), name: "Session", makes: Makes::Client },
            // `requests.session()`, the lowercase factory, makes the same Session.
            Constructor { package: Some("requests"), name: "session", makes: Makes::Client },
            Constructor { package: Some("aiohttp"), name: "ClientSession", makes: Makes::Client },
        ],
        methods: &[
            m("post", CallKind::Other),
            m("get", CallKind::Other),
            m("put", CallKind::Other),
            m("request", CallKind::Other),
            m("stream", CallKind::Other),
            m("send", CallKind::Other),
        ],
        other_namespaces: &[],
        functions: &[],
        runnables: false,
        params: Params { base_url: &["serverURL", "server_url", "baseURL", "baseUrl", "base_url", "endpoint", "prefixUrl"], ..NO_PARAMS },
        retry: RetryDefault::Never,
    },
];

/// Methods of a client that give the same client with other request options
/// (the OpenAI clients' `with_options` / `withOptions`): calls through the copy are
/// calls of the client.
pub const CLIENT_DERIVE: &[&str] = &["with_options", "withOptions"];

/// The global constructor of a transparent wrapper: `new Proxy(client, handler)` is the
/// client for the calls made through it.
pub const PROXY: &str = "Proxy";

/// Module and name of the function that pre-binds a constructor's arguments:
/// `functools.partial(Mistral, api_key=...)` makes clients.
pub const PARTIAL: (&str, &str) = ("functools", "partial");

/// Python decorators, as written, that make a method read as an attribute: a client
/// returned by such a method is the client of `self.client.chat.complete(...)`.
pub const PROPERTY_DECORATORS: &[&str] =
    &["property", "cached_property", "functools.cached_property"];

/// HTTP packages whose errors carry the whole request configuration, headers included:
/// logging such an error object (`console.error(err)` of an `AxiosError`) prints the
/// `Authorization: Bearer <key>` header.
pub const ERRORS_CARRY_REQUEST: &[&str] = &["axios"];

/// The global function that makes raw HTTP requests without an import.
pub const HTTP_GLOBALS: &[&str] = &["fetch"];

/// Methods that run a LangChain runnable.
pub const RUNNABLE_RUN: &[&str] = &[
    "invoke",
    "ainvoke",
    "stream",
    "astream",
    "batch",
    "abatch",
    "streamEvents",
    "astream_events",
];
/// Methods that build a runnable around a model (`prompt.pipe(model)`, `model.bind_tools`).
pub const RUNNABLE_WRAP: &[&str] = &[
    "pipe",
    "bind",
    "bind_tools",
    "bindTools",
    "with_retry",
    "withRetry",
    "with_structured_output",
    "withStructuredOutput",
    "with_config",
    "withConfig",
];
/// Of those, the ones that retry with exponential backoff.
pub const RUNNABLE_RETRY: &[&str] = &["with_retry", "withRetry"];

/// Mistral API routes (after the host) and the kind of call, plain and streaming.
pub const API_ROUTES: &[(&str, CallKind, CallKind)] = &[
    ("/chat/completions", CallKind::Chat, CallKind::ChatStream),
    ("/fim/completions", CallKind::Fim, CallKind::FimStream),
    (
        "/agents/completions",
        CallKind::Agents,
        CallKind::AgentsStream,
    ),
    ("/embeddings", CallKind::Embeddings, CallKind::Embeddings),
    ("/models", CallKind::ModelsList, CallKind::ModelsList),
];

/// The hosts that make a URL Mistral's: the API, and Codestral's own endpoint
/// (`codestral.mistral.ai`, same routes, its own key).
const API_HOSTS: &[&str] = &["api.mistral.ai", "codestral.mistral.ai"];

/// The part of `url` after a Mistral API host (`/v1/chat/completions`), or `None` when
/// the URL is not on one.
pub fn api_path(url: &str) -> Option<&str> {
    API_HOSTS
        .iter()
        .find_map(|h| url.split_once(h).map(|(_, rest)| rest))
}

/// True when a URL or text names a Mistral API host.
pub fn names_api_host(text: &str) -> bool {
    API_HOSTS.iter().any(|h| text.contains(h))
}

impl Match {
    fn matches(self, language: Language, module: &str) -> bool {
        match self {
            Match::Package(name) => {
                let sep = match language {
                    Language::JavaScript => '/',
                    Language::Python => '.',
                };
                module == name
                    || module
                        .strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with(sep))
            }
            Match::Under { prefix, suffix } => {
                language == Language::Python
                    && module.starts_with(prefix)
                    && module.ends_with(suffix)
            }
        }
    }
}

impl Family {
    /// True when `module` (imported from a file in `lang`) is one of the family's packages.
    pub fn imports(&self, lang: Lang, module: &str) -> bool {
        let language = Language::of(lang);
        self.packages
            .iter()
            .any(|p| p.language == language && p.name.matches(language, module))
    }

    /// The kind of API call a method path makes on an object this family's constructor
    /// made, or `None` when it is not an API call.
    pub fn method_kind(&self, makes: Makes, members: &[&str]) -> Option<CallKind> {
        let path = members.join(".");
        let found = self
            .methods
            .iter()
            .find(|m| m.path == path && m.on.is_none_or(|on| on == makes));
        if let Some(m) = found {
            return Some(m.kind);
        }
        let first = members.first().copied().unwrap_or("");
        (members.len() >= 2 && self.other_namespaces.contains(&first)).then_some(CallKind::Other)
    }

    /// The max-tokens names and the wrongly named ones for a major version of the package
    /// (`None`: unknown, every name counts and none is wrong).
    pub fn max_tokens(
        &self,
        major: Option<u32>,
    ) -> (Vec<&'static str>, &'static [(&'static str, &'static str)]) {
        match major {
            Some(v) => {
                let by = self
                    .params
                    .max_tokens
                    .iter()
                    .rev()
                    .find(|m| m.from_major <= v)
                    .or(self.params.max_tokens.first());
                by.map_or((Vec::new(), &[][..]), |m| (m.keys.to_vec(), m.wrong))
            }
            None if self.params.max_tokens.len() == 1 => (
                self.params.max_tokens[0].keys.to_vec(),
                self.params.max_tokens[0].wrong,
            ),
            None => (
                self.params
                    .max_tokens
                    .iter()
                    .rev()
                    .flat_map(|m| m.keys.iter().copied())
                    .collect(),
                &[],
            ),
        }
    }
}

/// The family of an SDK id.
pub fn family(sdk: Sdk) -> &'static Family {
    FAMILIES
        .iter()
        .find(|f| f.sdk == sdk)
        .expect("every Sdk has a family entry (tested)")
}

/// The family and object a constructor makes: `module` and the member path of the
/// constructor (`["default"]` for a default import), from a file in `lang`.
pub fn constructor(lang: Lang, module: &str, path: &[String]) -> Option<(&'static Family, Makes)> {
    let last = path
        .iter()
        .rev()
        .find(|p| *p != "default")
        .map(|s| s.as_str());
    let default_export = path.len() == 1 && path[0] == "default";
    FAMILIES
        .iter()
        .filter(|f| f.imports(lang, module))
        .find_map(|f| {
            f.constructors
                .iter()
                .find(|c| {
                    c.package
                        .is_none_or(|p| Match::Package(p).matches(Language::of(lang), module))
                        && if c.name == "default" {
                            default_export
                        } else {
                            last == Some(c.name)
                        }
                })
                .map(|c| (f, c.makes))
        })
}

/// True when importing `module` from a file in `lang` is Mistral usage.
pub fn is_mistral_module(lang: Lang, module: &str) -> bool {
    FAMILIES
        .iter()
        .any(|f| f.endpoint == Endpoint::Mistral && f.imports(lang, module))
}

/// The family whose package function `module.name` makes an API call.
pub fn function(lang: Lang, module: &str, name: &str) -> Option<(&'static Family, CallKind)> {
    FAMILIES.iter().find_map(|f| {
        let hit = f.functions.iter().find(|x| {
            x.name == name && Match::Package(x.package).matches(Language::of(lang), module)
        })?;
        Some((f, hit.kind))
    })
}

/// True when `module` is an HTTP client package (its functions may call the API).
pub fn is_http_package(lang: Lang, module: &str) -> bool {
    FAMILIES
        .iter()
        .any(|f| f.style == Style::Http && f.imports(lang, module))
}

/// True when a line of source text names a Mistral package or the API host: the usage
/// marker for files that cannot be parsed.
pub fn line_mentions_mistral(line: &str) -> bool {
    names_api_host(line)
        || FAMILIES
            .iter()
            .filter(|f| f.endpoint == Endpoint::Mistral)
            .flat_map(|f| f.packages)
            .any(|p| match (p.language, p.name) {
                (Language::JavaScript, Match::Package(name)) => line.contains(name),
                (Language::Python, Match::Package(name)) => {
                    line.contains(&format!("from {name}"))
                        || line.contains(&format!("import {name}"))
                }
                (_, Match::Under { prefix, suffix }) => {
                    line.contains(prefix) && line.contains(suffix)
                }
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_SDKS: &[Sdk] = &[
        Sdk::MistralTs,
        Sdk::MistralTsV0,
        Sdk::MistralPy,
        Sdk::MistralPyV0,
        Sdk::LangChainPy,
        Sdk::LangChainJs,
        Sdk::LlamaIndex,
        Sdk::Haystack,
        Sdk::AiSdk,
        Sdk::OpenAiCompat,
        Sdk::Http,
    ];

    #[test]
    fn every_sdk_has_exactly_one_family() {
        for sdk in ALL_SDKS {
            assert_eq!(
                FAMILIES.iter().filter(|f| f.sdk == *sdk).count(),
                1,
                "{sdk:?}"
            );
        }
        assert_eq!(FAMILIES.len(), ALL_SDKS.len());
    }

    #[test]
    fn every_family_has_a_package_per_language_it_claims() {
        for f in FAMILIES {
            assert!(!f.label.is_empty(), "{:?}", f.sdk);
            assert!(!f.languages.is_empty(), "{:?}", f.sdk);
            for l in f.languages {
                assert!(
                    f.packages.iter().any(|p| p.language == *l),
                    "{:?} claims {l:?} but has no package for it",
                    f.sdk
                );
            }
            for p in f.packages {
                assert!(
                    f.languages.contains(&p.language),
                    "{:?} has a {:?} package it does not claim",
                    f.sdk,
                    p.language
                );
            }
        }
    }

    #[test]
    fn every_family_can_make_a_call() {
        for f in FAMILIES {
            let callable = !f.methods.is_empty() || !f.functions.is_empty();
            assert!(callable, "{:?} has no method or function", f.sdk);
            if !f.methods.is_empty() {
                assert!(
                    !f.constructors.is_empty(),
                    "{:?} has methods but no constructor",
                    f.sdk
                );
            }
            for m in f.methods {
                assert!(
                    !m.path.is_empty() && !m.path.starts_with('.') && !m.path.ends_with('.'),
                    "{:?}: {}",
                    f.sdk,
                    m.path
                );
                // A method only some objects have names an object a constructor makes.
                if let Some(on) = m.on {
                    assert!(
                        f.constructors.iter().any(|c| c.makes == on),
                        "{:?}: {} is on {on:?}, which no constructor makes",
                        f.sdk,
                        m.path
                    );
                }
            }
            assert!(
                !f.params.max_tokens.is_empty(),
                "{:?} has no max-tokens name",
                f.sdk
            );
            assert!(
                f.params
                    .max_tokens
                    .windows(2)
                    .all(|w| w[0].from_major < w[1].from_major),
                "{:?}: versions not ascending",
                f.sdk
            );
            assert!(
                !f.params.model.is_empty() && !f.params.temperature.is_empty(),
                "{:?}",
                f.sdk
            );
            if let RetryDefault::BackoffByDefault { .. } = f.retry {
                assert!(
                    !f.params.client_retries.is_empty(),
                    "{:?} retries by default but has no setting to turn it off",
                    f.sdk
                );
            }
        }
    }

    #[test]
    fn no_two_families_claim_the_same_constructor() {
        for (i, a) in FAMILIES.iter().enumerate() {
            for b in &FAMILIES[i + 1..] {
                for ca in a.constructors {
                    for cb in b.constructors {
                        let same_pkg = a.packages.iter().any(|pa| {
                            b.packages.iter().any(|pb| {
                                pa.language == pb.language
                                    && format!("{:?}", pa.name) == format!("{:?}", pb.name)
                            })
                        });
                        assert!(
                            !(same_pkg && ca.name == cb.name && ca.package == cb.package),
                            "{:?} and {:?} both make {}",
                            a.sdk,
                            b.sdk,
                            ca.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn lookups_answer_as_the_sdks_behave() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let f = |lang, m: &str, p: &[&str]| constructor(lang, m, &s(p)).map(|(f, k)| (f.sdk, k));
        assert_eq!(
            f(Lang::TypeScript, "@mistralai/mistralai", &["Mistral"]),
            Some((Sdk::MistralTs, Makes::Client))
        );
        assert_eq!(
            f(Lang::TypeScript, "@mistralai/mistralai", &["default"]),
            Some((Sdk::MistralTsV0, Makes::Client))
        );
        assert_eq!(
            f(Lang::Python, "mistralai.client", &["Mistral"]),
            Some((Sdk::MistralPy, Makes::Client))
        );
        assert_eq!(
            f(Lang::Python, "mistralai", &["MistralAsyncClient"]),
            Some((Sdk::MistralPyV0, Makes::Client))
        );
        assert_eq!(
            f(
                Lang::Python,
                "llama_index.embeddings.mistralai",
                &["MistralAIEmbedding"]
            ),
            Some((Sdk::LlamaIndex, Makes::Embeddings))
        );
        assert_eq!(
            f(Lang::Python, "httpx", &["AsyncClient"]),
            Some((Sdk::Http, Makes::Client))
        );
        // A package of the other language, a look-alike name, a constructor of another package.
        assert_eq!(f(Lang::TypeScript, "mistralai", &["Mistral"]), None);
        assert_eq!(f(Lang::Python, "mistralaix", &["Mistral"]), None);
        assert_eq!(f(Lang::TypeScript, "ky", &["create"]), None);
        assert!(is_mistral_module(
            Lang::Python,
            "langchain_mistralai.chat_models"
        ));
        assert!(!is_mistral_module(Lang::Python, "openai"));
        let ai = family(Sdk::AiSdk);
        assert_eq!(ai.max_tokens(Some(5)).0, vec!["maxOutputTokens"]);
        assert_eq!(ai.max_tokens(Some(4)).0, vec!["maxTokens"]);
        assert_eq!(
            ai.max_tokens(None),
            (vec!["maxOutputTokens", "maxTokens"], &[][..])
        );
        let lc = family(Sdk::LangChainJs);
        assert_eq!(
            lc.method_kind(Makes::ChatModel, &["stream"]),
            Some(CallKind::ChatStream)
        );
        assert_eq!(lc.method_kind(Makes::Embeddings, &["invoke"]), None);
        assert_eq!(
            family(Sdk::MistralTs).method_kind(Makes::Client, &["ocr", "process"]),
            Some(CallKind::Other)
        );
        assert_eq!(
            family(Sdk::MistralTs).method_kind(Makes::Client, &["toString"]),
            None
        );
        assert!(line_mentions_mistral(
            "from llama_index.llms.mistralai import MistralAI"
        ));
        assert!(line_mentions_mistral(
            "import { Mistral } from \"@mistralai/mistralai\";"
        ));
        assert!(!line_mentions_mistral("import OpenAI from \"openai\";"));
    }
}
