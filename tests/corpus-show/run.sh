#!/bin/sh
# Corpus check: `lcpatch show --json` over every file of ../shared/corpus/files,
# compared with ../shared/corpus/MANIFEST.tsv by check.py (see there).
# $LCPATCH is the binary under test (make check: the ASan+UBSan build).
here=$(cd "$(dirname "$0")" && pwd)
shared="$(cd "$here/../../.." && pwd)/shared"
# In a git worktree the shared folder sits beside the main checkout.
if [ ! -d "$shared" ] && common=$(git -C "$here" rev-parse --git-common-dir 2>/dev/null); then
    alt="$(cd "$here" && cd "$common/../.." && pwd)/shared"
    [ -d "$alt" ] && shared=$alt
fi
if [ ! -f "$shared/corpus/MANIFEST.tsv" ] || [ ! -d "$shared/corpus/files" ]; then
    echo "corpus-show: skipped: no corpus at $shared/corpus (the shared folder is not beside the repository)"
    echo "corpus-show: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "corpus-show: skipped: python3 not found"
    echo "corpus-show: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
: "${LCPATCH:=$here/../../lcpatch}"
golden=""
[ -d "$shared/golden" ] && golden="--golden=$shared/golden"
exec python3 "$here/check.py" --lcpatch "$LCPATCH" --corpus "$shared/corpus" $golden "$@"
