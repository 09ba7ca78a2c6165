#!/usr/bin/env bash
# Debian packages the tests call: xmllint (JUnit XSD validation), GNU time (peak memory
# of a run, `/usr/bin/time -f %M`).
set -euo pipefail
need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
