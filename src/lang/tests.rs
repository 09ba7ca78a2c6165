//! Unit tests of the front-ends on small snippets.

use super::*;

fn facts_of(files: &[(&str, &str)]) -> CodeFacts {
    let codes = files
        .iter()
        .filter_map(|(p, t)| analyze_file(&SourceFile { path: p, text: t }))
        .collect();
    CodeFacts::assemble(codes)
}

fn one_call(files: &[(&str, &str)]) -> CallSite {
    let facts = facts_of(files);
    assert_eq!(facts.calls.len(), 1, "{:#?}", facts.calls);
    facts.calls.into_iter().next().unwrap()
}

#[test]
fn commonjs_require_and_namespace_imports_make_clients() {
    let c = one_call(&[("a.js", "const { Mistral } = require(\"@mistralai/mistralai\");\nconst m = new Mistral({});\nm.chat.complete({ model: \"mistral-large-2512\", maxTokens: 5 });\n")]);
    assert_eq!((c.sdk, c.kind, c.line), (Sdk::MistralTs, CallKind::Chat, 3));
    let c = one_call(&[("b.ts", "import * as sdk from \"@mistralai/mistralai\";\nconst m = new sdk.Mistral({});\nawait m.fim.stream({ model: \"codestral-2508\", prompt: \"x\" });\n")]);
    assert_eq!((c.kind, c.line), (CallKind::FimStream, 3));
    let c = one_call(&[("c.py", "import mistralai\nclient = mistralai.Mistral(api_key='k')\nclient.embeddings.create(model='mistral-embed', inputs=['a'])\n")]);
    assert_eq!((c.sdk, c.kind), (Sdk::MistralPy, CallKind::Embeddings));
}

#[test]
fn zero_is_set_and_undefined_or_none_is_not() {
    let c = one_call(&[("a.ts", "import { Mistral } from \"@mistralai/mistralai\";\nconst m = new Mistral({});\nm.chat.complete({ model: \"x\", temperature: 0, maxTokens: undefined });\n")]);
    assert!(
        matches!(c.temperature, Setting::Set { value: Lit::Num(n), .. } if n == 0.0),
        "{:?}",
        c.temperature
    );
    assert!(
        matches!(c.max_tokens, Setting::Null { .. }),
        "{:?}",
        c.max_tokens
    );
    let c = one_call(&[("a.py", "from mistralai.client import Mistral\nm = Mistral()\nm.chat.complete(model='x', temperature=None, max_tokens=0)\n")]);
    assert!(matches!(c.temperature, Setting::Null { .. }));
    assert!(matches!(c.max_tokens, Setting::Set { value: Lit::Num(n), .. } if n == 0.0));
}

#[test]
fn wrong_parameter_names_are_not_settings() {
    let c = one_call(&[("a.ts", "import { Mistral } from \"@mistralai/mistralai\";\nconst m = new Mistral({});\nm.chat.complete({ model: \"x\", max_tokens: 100 });\n")]);
    assert!(
        matches!(&c.max_tokens, Setting::WrongName { key, .. } if key == "max_tokens"),
        "{:?}",
        c.max_tokens
    );
}

#[test]
fn later_spread_overrides_and_unknown_spread_is_not_visible() {
    let src = "import { Mistral } from \"@mistralai/mistralai\";\nconst m = new Mistral({});\nconst D = { maxTokens: 10 };\nexport function f(opts: any) {\n  return m.chat.complete({ model: \"x\", maxTokens: 5, ...D });\n}\nexport function g(opts: any) {\n  return m.chat.complete({ model: \"x\", maxTokens: 5, ...opts });\n}\n";
    let facts = facts_of(&[("a.ts", src)]);
    assert!(
        matches!(facts.calls[0].max_tokens, Setting::Set { value: Lit::Num(n), .. } if n == 10.0),
        "{:?}",
        facts.calls[0].max_tokens
    );
    assert!(
        matches!(facts.calls[1].max_tokens, Setting::NotVisible { .. }),
        "{:?}",
        facts.calls[1].max_tokens
    );
}

#[test]
fn strings_and_comments_hold_no_calls() {
    let facts = facts_of(&[("a.py", "from mistralai.client import Mistral\n# client.chat.complete(model='x')\nDOC = \"\"\"client.chat.complete(model='x')\"\"\"\nc = Mistral()\n")]);
    assert!(facts.calls.is_empty(), "{:#?}", facts.calls);
    assert!(facts.uses_mistral());
}

#[test]
fn python_client_parameter_aiohttp_and_fastapi_health() {
    let src = r#"
import os
import aiohttp
from fastapi import FastAPI, HTTPException
from mistralai.client import Mistral

app = FastAPI()
URL = "https://api.mistral.ai/v1/chat/completions"

def ask(client: Mistral, q: str):
    return client.chat.complete(model="mistral-large-2512", messages=[{"role": "user", "content": q}], max_tokens=9, temperature=0)

async def raw(q: str):
    async with aiohttp.ClientSession() as session:
        async with session.post(URL, json={"model": "mistral-small-2603", "messages": [], "max_tokens": 5}) as resp:
            return await resp.json()

@app.get("/healthz")
async def health():
    try:
        Mistral(api_key=os.environ["MISTRAL_API_KEY"]).models.list()
    except Exception:
        raise HTTPException(status_code=503, detail="mistral down")
    return {"ok": True}
"#;
    let facts = facts_of(&[("svc.py", src)]);
    let kinds: Vec<(u32, Sdk, CallKind)> = facts
        .calls
        .iter()
        .map(|c| (c.line, c.sdk, c.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (11, Sdk::MistralPy, CallKind::Chat),
            (15, Sdk::Http, CallKind::Chat),
            (21, Sdk::MistralPy, CallKind::ModelsList)
        ],
        "{kinds:?}"
    );
    assert!(
        matches!(facts.calls[1].max_tokens, Setting::Set { value: Lit::Num(n), .. } if n == 5.0)
    );
    let route = &facts.routes[0];
    assert_eq!((route.line, route.answers_5xx), (18, true), "{route:?}");
    assert_eq!(route.probe.as_ref().map(|p| p.1), Some(21));
}

#[test]
fn then_with_error_callback_and_catch_chain_handle_the_call() {
    let src = "import { Mistral } from \"@mistralai/mistralai\";\nconst m = new Mistral({});\nexport const a = () => m.chat.complete({ model: \"x\" }).then((r) => r, (e) => { if (e.statusCode === 429) return null; throw e; });\nexport const b = () => m.models.list().catch(() => null);\n";
    let facts = facts_of(&[("a.ts", src)]);
    assert_eq!(facts.calls.len(), 2);
    assert!(
        facts.calls.iter().all(|c| c.handling.at.is_some()),
        "{:#?}",
        facts.calls
    );
    assert!(facts.calls[0].handling.statuses.s429);
}

#[test]
fn tsx_components_and_nextjs_health_route() {
    let page = "import { Mistral } from \"@mistralai/mistralai\";\nconst m = new Mistral({ apiKey: process.env.MISTRAL_API_KEY });\nexport default async function Page() {\n  const r = await m.chat.complete({ model: \"mistral-large-2512\", maxTokens: 50, temperature: 0.1, messages: [] });\n  return <main className=\"p-4\">{String(r.choices?.[0]?.message?.content)}</main>;\n}\n";
    let route = "import { Mistral } from \"@mistralai/mistralai\";\nexport async function GET() {\n  try {\n    await new Mistral({}).models.list();\n    return Response.json({ ok: true });\n  } catch {\n    return new Response(\"down\", { status: 503 });\n  }\n}\n";
    let facts = facts_of(&[("app/page.tsx", page), ("app/api/health/route.ts", route)]);
    let lines: Vec<(&str, u32, CallKind)> = facts
        .calls
        .iter()
        .map(|c| (c.path.as_str(), c.line, c.kind))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("app/api/health/route.ts", 4, CallKind::ModelsList),
            ("app/page.tsx", 4, CallKind::Chat)
        ]
    );
    let r = &facts.routes[0];
    assert_eq!(
        (
            r.route.as_str(),
            r.answers_5xx,
            r.probe.as_ref().map(|p| p.1)
        ),
        ("/health", true, Some(4)),
        "{r:?}"
    );
}
