#!/bin/sh
# otool-parity: load paths as lcpatch reads them against Apple's otool -L
# (../shared/golden/*/otool-L.out); see check.py.
cd "$(dirname "$0")/../.." || exit 3
SHARED=$(cd "$(dirname "$0")/../../.." && pwd)/shared
if [ ! -d "$SHARED/golden" ] || [ ! -d "$SHARED/corpus/files" ]; then
    echo "otool-parity: skipped: $SHARED/golden or corpus not found"
    echo "otool-parity: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "otool-parity: skipped: python3 not found"
    echo "otool-parity: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
exec python3 tests/otool-parity/check.py "${LCPATCH:-./lcpatch}" "$SHARED"
