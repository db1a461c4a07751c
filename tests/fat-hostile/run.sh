#!/bin/sh
# Hostile fat headers generated from tests/binaries fixtures: see check.py.
# $LCPATCH is the binary under test (make check: the ASan+UBSan build).
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${LCPATCH:=$repo/lcpatch}"
if ! command -v python3 >/dev/null 2>&1; then
    echo "fat-hostile: skipped: python3 not found"
    echo "fat-hostile: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
exec python3 "$here/check.py" --lcpatch "$LCPATCH" --binaries "$repo/tests/binaries" "$@"
