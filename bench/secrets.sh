#!/usr/bin/env bash
# Secret scanners side by side on the planted tree (issue 14): mistral-gate, and the peers
# that install from a registry here: detect-secrets (PyPI) and Kingfisher (PyPI
# `kingfisher-bin`, the packaged binary). Prints, for each, recall against the manifest
# tests/fixtures/secrets/expected.txt, false findings (reported lines that are not planted
# keys, counted once per path:line) and the median wall time of three runs.
#
# usage: bench/secrets.sh        (GATE=path/to/mistral-gate to measure another binary)
# Needs: cargo, python3 with venv. Installs the peers into bench/work/secrets/venv.
# Nothing printed holds a key: only counts and paths.
set -euo pipefail
cd "$(dirname "$0")/.."
work=bench/work/secrets
mkdir -p "$work"
tree=$work/planted
rm -rf "$tree"
cp -r tests/fixtures/secrets/planted "$tree"
gate=${GATE:-target/release/mistral-gate}
if [ -z "${GATE:-}" ]; then cargo build --release --quiet; fi
venv=$work/venv
if [ ! -x "$venv/bin/detect-secrets" ] || [ ! -x "$venv/bin/kingfisher" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q detect-secrets kingfisher-bin
fi
echo "== machine: $(nproc) cores, $(uname -m); $($gate --version); detect-secrets $("$venv/bin/detect-secrets" --version); $("$venv/bin/kingfisher" --version)"
python3 - "$gate" "$venv/bin" "$tree" tests/fixtures/secrets/expected.txt <<'PY'
import json, os, statistics, subprocess, sys, time

gate, bindir, tree, manifest = sys.argv[1:]
bindir = os.path.abspath(bindir)
tree = os.path.abspath(tree)
expected = set()
for line in open(manifest):
    if line.startswith("#") or not line.strip():
        continue
    at = line.split()[0]
    path, n = at.rsplit(":", 1)
    expected.add((path, int(n)))

def rel(p):
    p = os.path.abspath(os.path.join(tree, p)) if not os.path.isabs(p) else p
    return os.path.relpath(p, tree)

def gate_found(out):
    report = json.loads(out)
    check = next(c for c in report["checks"] if c["id"] == "no-hardcoded-secrets")
    return {(e["path"], e["line"]) for e in check["evidence"] if e["status"] == "fail"}

def detect_secrets_found(out):
    return {(rel(f), r["line_number"]) for f, rs in json.loads(out)["results"].items() for r in rs}

def kingfisher_found(out):
    # A document listing the findings, followed by a summary (whose `findings` is a count).
    text, found, dec, i = out.decode(), set(), json.JSONDecoder(), 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = dec.raw_decode(text, i)
        listed = doc.get("findings") if isinstance(doc, dict) else None
        for f in listed if isinstance(listed, list) else []:
            found.add((rel(f["finding"]["path"]), int(f["finding"]["line"])))
    return found

tools = [
    ("mistral-gate", [gate, "check", tree, "--offline", "--format", "json", "--fail-on", "never"], None, gate_found),
    ("detect-secrets", [os.path.join(bindir, "detect-secrets"), "scan", "--all-files", "."], tree, detect_secrets_found),
    ("kingfisher", [os.path.join(bindir, "kingfisher"), "scan", tree, "--no-validate", "--no-update-check", "--format", "json"], None, kingfisher_found),
]
print(f"planted keys: {len(expected)}")
print("| scanner | recall | false findings | wall time (median of 3) |")
print("|---|---:|---:|---:|")
for name, cmd, cwd, parse in tools:
    times, out = [], b""
    for _ in range(3):
        t0 = time.perf_counter()
        res = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        out = res.stdout
    found = parse(out)
    hit = len(found & expected)
    print(f"| {name} | {hit}/{len(expected)} ({100 * hit / len(expected):.0f}%) | {len(found - expected)} | {statistics.median(times) * 1000:.0f} ms |")
PY
