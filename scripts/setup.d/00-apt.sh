#!/usr/bin/env bash
# Debian packages the tests call: xmllint (JUnit XSD validation), /usr/bin/time (peak
# memory of the hostile-repository runs in tests/hostile_fs.rs).
set -euo pipefail
need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
