#!/usr/bin/env bash
# Debian packages the tests call: xmllint (JUnit XSD validation), GNU time (peak memory
# of a run, `/usr/bin/time -f %M`).
set -euo pipefail
. "$(dirname "$0")/../lib/setup-common.bash"
need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
[ -x /usr/bin/time ] || need+=(time)
apt_install "${need[@]}"
