#!/usr/bin/env bash
# The real SDKs the code-check fixtures are verified against (tests/code_sdks.rs):
# - npm packages in tests/node (npm ci from the committed lock file), for tsc --noEmit;
# - Python packages mistralai (v2+), langchain-mistralai and what the fixtures import;
# - mistralai 0.4.2 (the v0 SDK) in its own venv, since it cannot sit beside v2.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f tests/node/node_modules/.package-lock.json ] || [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi

PY=python3
if ! "$PY" - <<'PYEOF' 2>/dev/null
import importlib.metadata as md
want = {"mistralai": "3.7.0", "langchain-mistralai": "1.1.6"}
for name, version in want.items():
    assert md.version(name) == version, name
import flask, pybreaker, tenacity, requests, httpx  # noqa: F401
PYEOF
then
  "$PY" -m pip install -q --disable-pip-version-check "mistralai==3.7.0" "langchain-mistralai==1.1.6" flask pybreaker tenacity requests httpx
fi

V0=target/py-venv-mistralai-v0
if ! "$V0/bin/python" -c "from mistralai.client import MistralClient" 2>/dev/null; then
  rm -rf "$V0"
  "$PY" -m venv "$V0"
  "$V0/bin/pip" install -q --disable-pip-version-check "mistralai==0.4.2"
fi
