#!/usr/bin/env bash
# What the deploy tests (tests/deploy_*.rs, issue 15) run, each installed only when
# missing: a real Prometheus server (Debian `prometheus`) that the tests start on a
# loopback port, and the real kubectl (Debian `kubernetes-client`) that proves the
# Kubernetes stand-in. The mistral-gate binary itself needs neither.
set -euo pipefail
. "$(dirname "$0")/../lib/setup-common.bash"

apt_need=()
[ -x /usr/bin/prometheus ] || command -v prometheus >/dev/null || apt_need+=(prometheus)
command -v kubectl >/dev/null || apt_need+=(kubernetes-client)
apt_install "${apt_need[@]}"
# The Debian package starts a system service on install; the tests run their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  as_root systemctl stop prometheus || true
fi
