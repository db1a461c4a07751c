#!/bin/sh
# Runs every tests/<suite>/run.sh with LCPATCH set to the binary under test.
# A suite prints its own "N passed, N failed" line and exits non-zero on failure.
cd "$(dirname "$0")/.." || exit 3
status=0
for s in tests/*/run.sh; do
    [ -f "$s" ] || continue
    echo "== ${s%/run.sh}"
    sh "$s" || status=1
done
exit $status
