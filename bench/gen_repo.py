#!/usr/bin/env python3
"""Generates the benchmark repository: deterministic, about 20,000 files and 300 MB of
tracked-looking source, plus a large node_modules that .gitignore excludes.

usage: gen_repo.py DIR [--files N] [--megabytes M] [--mistral-every N]
"""
import argparse
import os
import random

TS_LINES = [
    "import {{ helper{n} }} from './util/helper{n}';",
    "export function handler{n}(input: string): number {{ return input.length * {n}; }}",
    "const config{n} = {{ retries: {n}, timeoutMs: {n}000, name: 'service-{n}' }};",
    "// TODO(team): refactor module {n} once the API settles",
    "export class Service{n} {{ constructor(private readonly id = {n}) {{}} }}",
    "if (value{n} > threshold) {{ logger.info('value {n} above threshold'); }}",
]
PY_LINES = [
    "def handler_{n}(payload: dict) -> int:",
    "    return len(payload.get('items', [])) * {n}",
    "CONFIG_{n} = {{'retries': {n}, 'timeout': {n}.5, 'name': 'worker-{n}'}}",
    "# note: module {n} keeps backwards compatibility",
    "class Worker{n}:\n    pass",
]
MISTRAL_TS = """import {{ Mistral }} from "@mistralai/mistralai";

const client{n} = new Mistral({{ apiKey: process.env.MISTRAL_API_KEY ?? "" }});

export async function ask{n}(question: string) {{
  const res = await client{n}.chat.complete({{
    model: "mistral-small-2506",
    messages: [{{ role: "user", content: question }}],
    maxTokens: 256,
    temperature: 0.2,
  }});
  return res.choices?.[0]?.message?.content;
}}
"""
# Fake keys: the shape of a Mistral key, belonging to nobody.
PLANTED = "MISTRAL_API_KEY={key}\n"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def body(rng, lines, size):
    out, total, n = [], 0, 0
    while total < size:
        line = rng.choice(lines).format(n=n)
        out.append(line)
        total += len(line) + 1
        n += 1
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--megabytes", type=int, default=300)
    ap.add_argument("--node-modules-files", type=int, default=20_000)
    ap.add_argument("--mistral-every", type=int, default=100, help="one file in N calls Mistral (0: none)")
    args = ap.parse_args()
    rng = random.Random(42)
    root = args.dir
    os.makedirs(root, exist_ok=True)
    avg = args.megabytes * 1024 * 1024 // args.files
    total = 0
    for i in range(args.files):
        pkg = f"packages/pkg{i % 200:03d}/src/mod{i // 200 % 10}"
        kind = i % 10
        size = max(256, int(rng.expovariate(1 / avg)))
        if kind < 5:
            path, text = f"{pkg}/file{i}.ts", body(rng, TS_LINES, size)
        elif kind < 8:
            path, text = f"{pkg}/file{i}.py", body(rng, PY_LINES, size)
        elif kind == 8:
            path, text = f"{pkg}/data{i}.json", '{"items": [' + ",".join(str(rng.randint(0, 10**9)) for _ in range(size // 11)) + "]}\n"
        else:
            path, text = f"docs/section{i % 50}/page{i}.md", "# Page\n\n" + "Lorem ipsum dolor sit amet. " * (size // 28) + "\n"
        if args.mistral_every and i % args.mistral_every == 0:
            text = MISTRAL_TS.format(n=i) + text
        if i % 2000 == 0:
            key = "".join(rng.choice(ALPHABET) for _ in range(32))
            text += PLANTED.format(key=key)
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
        total += len(text)
    with open(os.path.join(root, ".gitignore"), "w") as f:
        f.write("node_modules/\n")
    nm_total = 0
    for i in range(args.node_modules_files):
        path = os.path.join(root, f"node_modules/dep{i % 500}/lib/index{i}.js")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        text = body(rng, TS_LINES, 5000)
        with open(path, "w") as f:
            f.write(text)
        nm_total += len(text)
    print(f"{args.files} files, {total / 2**20:.0f} MiB tracked; node_modules: {args.node_modules_files} files, {nm_total / 2**20:.0f} MiB (ignored)")


if __name__ == "__main__":
    main()
