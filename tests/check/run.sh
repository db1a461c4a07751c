#!/bin/sh
# lcpatch check scenarios: bundles, trees and archives with known defects,
# each checked for exactly the expected problems in JSON, text and SARIF
# (tests/check/scenarios.py says how each is built and what is expected).
cd "$(dirname "$0")/../.." || exit 3
: "${LCPATCH:=./lcpatch}"
exec python3 tests/check/scenarios.py "$LCPATCH"
