#!/usr/bin/env bash
# Validators the hostile-output tests call (tests/hostile_output.rs):
# - the SARIF 2.1.0 JSON schema (OASIS final, rtm.5) as the npm package
#   @microsoft/jest-sarif ships it, unpacked to tests/schema/registry/ (not committed),
#   checked against a pinned SHA-256; check-jsonschema (40-action-tools.sh) validates;
# - cmarkgfm (PyPI): bindings to GitHub's own cmark-gfm, to render the Markdown the gate
#   writes as GitHub would.
# Idempotent: does nothing when both are there.
set -euo pipefail
. "$(dirname "$0")/../lib/setup-common.bash"
cd "$(dirname "$0")/../.."

schema=tests/schema/registry/sarif-2.1.0-rtm.5.json
sha=2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8
if ! echo "$sha  $schema" | sha256sum --check --status 2>/dev/null; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "@microsoft/jest-sarif@1.0.0-beta.0" >/dev/null \
    && tar xzf microsoft-jest-sarif-1.0.0-beta.0.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json)
  echo "$sha  $tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" | sha256sum --check --status
  mkdir -p "$(dirname "$schema")"
  mv "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$schema"
fi

PY=python3
if ! "$PY" -c 'import cmarkgfm' 2>/dev/null; then
  pip_install "$PY" "cmarkgfm==2025.10.22"
fi
