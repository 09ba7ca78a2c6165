#!/usr/bin/env bash
# PyPI readers the report-consumer tests call (tests/report_consumers.rs): junitparser,
# the JUnit reader many CI plug-ins and scripts use, to count the red tests a JUnit
# consumer sees. Pinned; a user install when the distribution's Python refuses a
# system-wide one (PEP 668). Idempotent: does nothing when it imports.
set -euo pipefail
py=$(command -v python3 || command -v python)
if ! "$py" -c 'import junitparser' 2>/dev/null; then
  "$py" -m pip install --quiet --disable-pip-version-check "junitparser==5.0.3" 2>/dev/null \
    || "$py" -m pip install --quiet --disable-pip-version-check --user --break-system-packages "junitparser==5.0.3"
fi
