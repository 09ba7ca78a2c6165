#!/usr/bin/env bash
# The real SDKs the code-check fixtures are verified against (tests/code_sdks.rs):
# - npm packages in tests/node (npm ci from the committed lock file), for tsc --noEmit;
# - Python packages mistralai (v2+), langchain-mistralai, openai, mistral-haystack and
#   what the fixtures import;
# - mistralai 0.4.2 (v0) and 1.12.4 (v1, module path `mistralai`) in venvs of their own,
#   since neither can sit beside v2+ (module path `mistralai.client`).
# Idempotent and quick when everything is already there.
set -euo pipefail
. "$(dirname "$0")/../lib/setup-common.bash"
cd "$(dirname "$0")/../.."

command -v npm >/dev/null || apt_install nodejs npm
if [ ! -f tests/node/node_modules/.package-lock.json ] || [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi

PY=python3
if ! "$PY" - <<'PYEOF' 2>/dev/null
import importlib.metadata as md
want = {"mistralai": "3.7.0", "langchain-mistralai": "1.1.6", "openai": "3.57.0", "mistral-haystack": "3.0.0"}
for name, version in want.items():
    assert md.version(name) == version, name
import flask, pybreaker, tenacity, requests, httpx, aiohttp  # noqa: F401
PYEOF
then
  pip_install "$PY" "mistralai==3.7.0" "langchain-mistralai==1.1.6" "openai==3.57.0" "mistral-haystack==3.0.0" flask pybreaker tenacity requests httpx aiohttp
fi

# A distribution's Python makes venvs only with its venv package (ensurepip).
"$PY" -c 'import ensurepip' 2>/dev/null || apt_install python3-venv

# One venv per older SDK line, each checked by an import only it has.
venv() { # name, requirements (space-separated), import check
  local dir="target/py-venv-$1"
  if ! "$dir/bin/python" -c "$3" 2>/dev/null; then
    rm -rf "$dir"
    "$PY" -m venv "$dir"
    # shellcheck disable=SC2086 # one word per requirement
    "$dir/bin/pip" install -q --disable-pip-version-check $2
  fi
}
venv mistralai-v0 "mistralai==0.4.2" "from mistralai.client import MistralClient"
# fastapi: a v1 fixture is a FastAPI route (py-generic-except-http500).
venv mistralai-v1 "mistralai==1.12.4 fastapi" "from mistralai import Mistral; from mistralai.utils import RetryConfig; import fastapi"
