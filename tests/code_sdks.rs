//! The fixtures are real code: the TypeScript ones type-check against the real SDK
//! packages (tests/node, installed by scripts/setup.d/20-sdks.sh), and the Python ones
//! run against the real `mistralai` (v2+, and 0.4.2 in its own venv) and
//! `langchain-mistralai` packages, talking to a mock Mistral API on loopback.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::http::{MockServer, Reply};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn typescript_fixtures_typecheck_against_the_real_sdks() {
    let node = root().join("tests/node");
    assert!(
        node.join("node_modules/@mistralai/mistralai").is_dir(),
        "tests/node/node_modules is missing: run scripts/setup.d/20-sdks.sh (npm ci in tests/node)"
    );
    let tsc = node.join("node_modules/typescript/bin/tsc");
    for config in [
        "tsconfig.json",
        "tsconfig.v0.json",
        "tsconfig.v2.json",
        "tsconfig.ai4.json",
        "tsconfig.alias.json",
        "tsconfig.js.json",
    ] {
        let out = Command::new("node")
            .arg(&tsc)
            .args(["--noEmit", "-p", config])
            .current_dir(&node)
            .output()
            .expect("run node");
        assert!(
            out.status.success(),
            "tsc -p {config} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The script blocks of the component fixtures, as the gate reads them (everything else
/// blanked, lines kept), type-check against the real packages they import.
#[test]
fn component_scripts_typecheck_against_the_real_packages() {
    let node = root().join("tests/node");
    let out_dir = node.join(".components");
    let _ = std::fs::remove_dir_all(&out_dir);
    let mut written = 0;
    let mut stack = vec![root().join("tests/fixtures/code")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Some(ext) = p.extension().and_then(|x| x.to_str()) else {
                continue;
            };
            if !mistral_gate::lang::embedded::COMPONENT_EXTENSIONS.contains(&ext) {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let (code, lang, tsx) = mistral_gate::lang::embedded::component_code(ext, &text)
                .unwrap_or_else(|| panic!("{}: no script block read", p.display()));
            assert_eq!(
                lang,
                mistral_gate::lang::ir::Lang::TypeScript,
                "{}: the component fixtures are TypeScript",
                p.display()
            );
            let rel = p.strip_prefix(root().join("tests/fixtures/code")).unwrap();
            let target = out_dir
                .join(rel)
                .with_extension(format!("{ext}.{}", if tsx { "tsx" } else { "ts" }));
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, code).unwrap();
            written += 1;
        }
    }
    assert!(written >= 3, "only {written} component fixtures");
    let out = Command::new("node")
        .arg(node.join("node_modules/typescript/bin/tsc"))
        .args(["--noEmit", "-p", "tsconfig.components.json"])
        .current_dir(&node)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "tsc -p tsconfig.components.json failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const CHAT: &str = r#"{"id":"c1","object":"chat.completion","model":"mistral-large-2512","created":1,"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;
const MODELS: &str = r#"{"object":"list","data":[{"id":"mistral-large-2512","object":"model","created":1,"owned_by":"mistralai","type":"base","capabilities":{"completion_chat":true}}]}"#;
const CHUNK: &str = r#"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"mistral-large-2512","choices":[{"index":0,"delta":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}"#;
const EMBEDDINGS: &str = r#"{"id":"e1","object":"list","model":"mistral-embed","data":[{"object":"embedding","embedding":[0.5,0.25],"index":0}],"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1}}"#;
const MODERATION: &str = r#"{"id":"m1","model":"mistral-moderation-2411","results":[{"categories":{"sexual":false},"category_scores":{"sexual":0.0}}]}"#;

fn mock_mistral() -> MockServer {
    MockServer::start(|req| {
        let path = req.path.split('?').next().unwrap_or("");
        if path.ends_with("/models") {
            Reply::json(200, MODELS)
        } else if path.ends_with("/moderations") {
            Reply::json(200, MODERATION)
        } else if path.ends_with("/completions")
            && req.body.replace(' ', "").contains("\"stream\":true")
        {
            Reply::Respond {
                status: 200,
                headers: vec![("content-type".into(), "text/event-stream".into())],
                body: format!("data: {CHUNK}\n\ndata: [DONE]\n\n"),
            }
        } else if path.ends_with("/completions") {
            Reply::json(200, CHAT)
        } else if path.ends_with("/embeddings") {
            Reply::json(200, EMBEDDINGS)
        } else {
            Reply::json(404, r#"{"detail":"not found"}"#)
        }
    })
}

/// Run before every Python fixture: requests to a Mistral host (the fixtures are real
/// code and name `https://api.mistral.ai` as real code does) go to the loopback mock
/// instead, whatever client makes them (httpx, or openai's httpx2, under mistralai, openai
/// and haystack; requests; aiohttp). A fixture's calls to other services are not run.
const ROUTE_TO_MOCK: &str = r#"
import os as _os, urllib.parse as _up
_MOCK = _up.urlsplit(_os.environ["MISTRAL_SERVER_URL"]).netloc
def _to_mock(url):
    s = _up.urlsplit(str(url))
    if s.hostname in ("api.mistral.ai", "codestral.mistral.ai"):
        return _up.urlunsplit(("http", _MOCK, s.path, s.query, s.fragment))
    return None
import importlib as _il
def _route_httpx(_httpx):
    def _wrap_sync(send):
        def wrapped(self, request, *a, **k):
            new = _to_mock(request.url)
            if new:
                request.url = _httpx.URL(new)
            return send(self, request, *a, **k)
        return wrapped
    def _wrap_async(send):
        async def wrapped(self, request, *a, **k):
            new = _to_mock(request.url)
            if new:
                request.url = _httpx.URL(new)
            return await send(self, request, *a, **k)
        return wrapped
    _httpx.Client.send = _wrap_sync(_httpx.Client.send)
    _httpx.AsyncClient.send = _wrap_async(_httpx.AsyncClient.send)
# openai 3 ships its own copy of httpx as `httpx2`.
for _name in ("httpx", "httpx2"):
    try:
        _route_httpx(_il.import_module(_name))
    except ImportError:
        pass
try:
    import requests as _requests
    _request = _requests.Session.request
    def _routed(self, method, url, *a, **k):
        return _request(self, method, _to_mock(url) or url, *a, **k)
    _requests.Session.request = _routed
except ImportError:
    pass
try:
    import aiohttp as _aiohttp
    _aio = _aiohttp.ClientSession._request
    def _aio_routed(self, method, url, *a, **k):
        return _aio(self, method, _to_mock(url) or url, *a, **k)
    _aiohttp.ClientSession._request = _aio_routed
except ImportError:
    pass
"#;

fn python_for(spec: &Value) -> PathBuf {
    match spec["venv"].as_str() {
        Some(name) => {
            let p = root().join(format!("target/py-venv-{name}/bin/python"));
            assert!(
                p.is_file(),
                "{} is missing: run scripts/setup.d/20-sdks.sh",
                p.display()
            );
            p
        }
        None => PathBuf::from("python3"),
    }
}

#[test]
fn python_fixtures_run_against_the_real_sdks_on_a_mock_server() {
    let fixtures = root().join("tests/fixtures/code");
    let mut ran = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap().flatten() {
        let dir = entry.path();
        let Ok(text) = std::fs::read_to_string(dir.join("expected.json")) else {
            continue;
        };
        let expected: Value = serde_json::from_str(&text).unwrap();
        let spec = &expected["run"];
        if spec.is_null() {
            continue;
        }
        let server = mock_mistral();
        let url = format!(
            "{}{}",
            server.url(),
            spec["url_suffix"].as_str().unwrap_or("")
        );
        let repo = common::Repo::new();
        common::copy_dir(&dir, repo.path());
        let mut cmd = Command::new(python_for(spec));
        cmd.arg("-c")
            .arg(format!(
                "{ROUTE_TO_MOCK}\n{}",
                spec["python"].as_str().unwrap()
            ))
            .current_dir(repo.path());
        cmd.env("MISTRAL_API_KEY", common::FAKE_MISTRAL_KEY)
            .env("MISTRAL_SERVER_URL", &url)
            .env("PYTHONDONTWRITEBYTECODE", "1");
        for var in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "http_proxy",
            "https_proxy",
            "ALL_PROXY",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("NO_PROXY", "127.0.0.1,localhost");
        if let Some(env) = spec["env"].as_object() {
            for (k, v) in env {
                cmd.env(k, v.as_str().unwrap());
            }
        }
        let out = cmd.output().expect("run python");
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            out.status.success(),
            "{name}: the fixture failed against the real SDK:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let seen: Vec<String> = server
            .requests()
            .iter()
            .map(|r| format!("{} {} {}", r.method, r.path, r.body))
            .collect();
        for want in spec["sent"].as_array().unwrap() {
            let want = want.as_str().unwrap();
            assert!(
                seen.iter().any(|s| s.contains(want)),
                "{name}: no request with {want}:\n{}",
                seen.join("\n")
            );
        }
        for r in server.requests() {
            if r.method == "POST" {
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {}", common::FAKE_MISTRAL_KEY).as_str()),
                    "{name}"
                );
            }
        }
        ran += 1;
    }
    assert!(ran >= 30, "only {ran} Python fixtures ran");
}

/// The v0 SDK's retry defaults, read from its installed sources, are what the gate assumes.
#[test]
fn installed_sdk_sources_back_the_version_facts() {
    let v0 = root().join("target/py-venv-mistralai-v0/lib");
    let constants = walk_find(&v0, "mistralai/constants.py").expect("mistralai 0.4.2 in its venv");
    assert!(std::fs::read_to_string(constants)
        .unwrap()
        .contains("RETRY_STATUS_CODES = {429, 500, 502, 503, 504}"));
    let node = root().join("tests/node/node_modules");
    let chat = std::fs::read_to_string(node.join("@mistralai/mistralai/src/funcs/chatComplete.ts"))
        .unwrap();
    assert!(
        chat.contains("|| { strategy: \"none\" }"),
        "v1 TypeScript SDK no longer defaults to no retries"
    );
    let http = std::fs::read_to_string(node.join("@mistralai/mistralai/src/lib/sdks.ts")).unwrap();
    assert!(
        http.contains("for (const [k, v] of req.headers.entries())"),
        "debugLogger no longer logs every header"
    );
    let v0ts = std::fs::read_to_string(node.join("mistralai-v0/src/client.js")).unwrap();
    assert!(
        v0ts.contains("maxRetries = 5")
            && v0ts.contains("RETRY_STATUS_CODES = [429, 500, 502, 503, 504]")
    );
    let caller =
        std::fs::read_to_string(node.join("@langchain/core/dist/utils/async_caller.js")).unwrap();
    assert!(caller.contains("this.maxRetries = params.maxRetries ?? 6"));
    let out = Command::new("python3")
        .args(["-c", "import inspect, langchain_mistralai.chat_models as m, mistralai.client.chat as c; print(inspect.getsource(m._create_retry_decorator)); print(inspect.getsource(c.Chat.complete))"])
        .output()
        .expect("python3");
    let src = String::from_utf8_lossy(&out.stdout);
    assert!(
        src.contains("errors = [httpx.RequestError, httpx.StreamError]"),
        "langchain_mistralai retries more than connection errors now:\n{src}"
    );
    assert!(
        src.contains("retry_config = None")
            && src.contains("if isinstance(retries, utils.RetryConfig)"),
        "mistralai retries by default now"
    );
}

fn walk_find(dir: &Path, suffix: &str) -> Option<PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(suffix) {
                return Some(p);
            }
        }
    }
    None
}

/// The premise of log-hygiene's axios rule, checked against the real package: an
/// `AxiosError` logged whole (`console.error("failed:", error)`) prints the request's
/// `Authorization` header, key included. (The gate's side of the rule is the
/// `ts-axios-error-logged` fixture.)
#[test]
fn a_logged_axios_error_prints_the_key() {
    let node = root().join("tests/node");
    let axios = node.join("node_modules/axios/index.js");
    assert!(
        axios.is_file(),
        "run scripts/setup.d/20-sdks.sh (npm ci in tests/node)"
    );
    let server = MockServer::start(|_| Reply::json(401, r#"{"message":"Unauthorized"}"#));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("call.mjs");
    std::fs::write(
        &script,
        format!(
            "import axios from {axios:?};\ntry {{\n  await axios.post(process.argv[2], {{ model: \"m\" }}, {{ headers: {{ Authorization: `Bearer ${{process.env.MISTRAL_API_KEY}}` }} }});\n}} catch (error) {{\n  console.error(\"failed:\", error);\n  console.log(\"message only:\", error.message);\n}}\n",
            axios = axios.display().to_string()
        ),
    )
    .unwrap();
    let out = Command::new("node")
        .arg(&script)
        .arg(format!("{}/v1/chat/completions", server.url()))
        .env("MISTRAL_API_KEY", common::FAKE_MISTRAL_KEY)
        .output()
        .expect("run node");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stderr.contains(common::FAKE_MISTRAL_KEY),
        "the whole error holds the key:\n{stderr}"
    );
    assert!(stdout.contains("message only:"), "{stdout}");
    assert!(
        !stdout.contains(common::FAKE_MISTRAL_KEY),
        "its message does not:\n{stdout}"
    );
}
