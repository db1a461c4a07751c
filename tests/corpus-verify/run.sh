#!/bin/sh
# Corpus check of `lcpatch verify` and of the signature part of `lcpatch
# show`, over the signed files of ../shared/corpus (check.py says what).
# $LCPATCH is the binary under test (make check: the ASan+UBSan build).
here=$(cd "$(dirname "$0")" && pwd)
shared="$(cd "$here/../../.." && pwd)/shared"
# In a git worktree the shared folder sits beside the main checkout.
if [ ! -d "$shared" ] && common=$(git -C "$here" rev-parse --git-common-dir 2>/dev/null); then
    alt="$(cd "$here" && cd "$common/../.." && pwd)/shared"
    [ -d "$alt" ] && shared=$alt
fi
if [ ! -f "$shared/corpus/MANIFEST.tsv" ] || [ ! -d "$shared/corpus/files" ]; then
    echo "corpus-verify: skipped: no corpus at $shared/corpus (the shared folder is not beside the repository)"
    echo "corpus-verify: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
for tool in python3 openssl; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "corpus-verify: skipped: $tool not found (the certificate cross-check needs it)"
        echo "corpus-verify: 0 passed, 0 failed, 1 skipped"
        exit 0
    fi
done
: "${LCPATCH:=$here/../../lcpatch}"
exec python3 "$here/check.py" --lcpatch "$LCPATCH" --corpus "$shared/corpus"
