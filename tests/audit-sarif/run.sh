#!/bin/sh
# audit-sarif: SARIF output checked against the OASIS JSON schema and the
# --json report (check.py). Needs a python3 with jsonschema (Debian:
# python3-jsonschema, which scripts/deps.sh installs); without one it says
# so and counts one skip.
cd "$(dirname "$0")/../.." || exit 3
LCPATCH=${LCPATCH:-./lcpatch}
for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import jsonschema' 2>/dev/null; then
        exec "$py" tests/audit-sarif/check.py "$LCPATCH"
    fi
done
echo "audit-sarif: skipped: no python3 with jsonschema (apt-get install python3-jsonschema)"
echo "audit-sarif: 0 passed, 0 failed, 1 skipped"
