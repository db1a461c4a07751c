#!/bin/sh
# rescue over every valid file of the shared corpus that has an x86_64 or
# arm64 slice, each output checked by an independent reader (check.py).
# Needs ../shared; skips with a message when it is absent.
here=$(cd "$(dirname "$0")" && pwd)
shared=${LCP_SHARED:-$(cd "$here/../../.." && pwd)/shared}
# In a git worktree the shared folder sits beside the main checkout.
if [ ! -d "$shared" ] && common=$(git -C "$here" rev-parse --git-common-dir 2>/dev/null); then
    alt="$(cd "$here" && cd "$common/../.." && pwd)/shared"
    [ -d "$alt" ] && shared=$alt
fi
: "${LCPATCH:=$here/../../lcpatch}"
if [ ! -f "$shared/corpus/MANIFEST.tsv" ]; then
    echo "corpus-rescue: skipped: no shared corpus at $shared (set LCP_SHARED)"
    echo "corpus-rescue: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "corpus-rescue: skipped: python3 not installed"
    echo "corpus-rescue: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 "$here/check.py" "$(cd "$(dirname "$LCPATCH")" && pwd)/$(basename "$LCPATCH")" "$shared" "$T"
