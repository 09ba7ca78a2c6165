#!/usr/bin/env bash
# What the deploy tests (tests/deploy_*.rs, issue 15) run, each installed only when
# missing: a real Prometheus server (Debian `prometheus`) that the tests start on a
# loopback port, and the real kubectl (Debian `kubernetes-client`) that proves the
# Kubernetes stand-in. The mistral-gate binary itself needs neither.
set -euo pipefail

apt_need=()
[ -x /usr/bin/prometheus ] || command -v prometheus >/dev/null || apt_need+=(prometheus)
command -v kubectl >/dev/null || apt_need+=(kubernetes-client)
if [ ${#apt_need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_need[@]}" >/dev/null
fi
# The Debian package starts a system service on install; the tests run their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi
