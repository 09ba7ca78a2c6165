#!/usr/bin/env bash
# Debian packages the tests call: xmllint (JUnit XSD validation).
set -euo pipefail
need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
