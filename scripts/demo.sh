#!/bin/sh
# make demo: rescue the 2009 vendor library of docs/rescuing-a-legacy-library.md
# (tests/binaries/legacy-fat.dylib: fat ppc7400 + i386 + x86_64, linked
# against the 10.5 SDK, signed) in a temporary folder. Shows the file, the
# plan (--dry-run), the rescue, and the file again. The fixture itself is
# never touched. Usage: sh scripts/demo.sh [path/to/lcpatch]
set -eu
cd "$(dirname "$0")/.."
LCPATCH=$(cd "$(dirname "${1:-./lcpatch}")" && pwd)/$(basename "${1:-./lcpatch}")
[ -x "$LCPATCH" ] || { echo "demo: $LCPATCH not built (run make)" >&2; exit 3; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
cp tests/binaries/legacy-fat.dylib "$T/libDodo.dylib"
cd "$T"

run() {
    printf '\n$ lcpatch %s\n' "$*"
    "$LCPATCH" "$@"
}

# `show` prints every slice; when this build lacks it, vtool -show and
# space say the same things (versions, signature, header space).
show() {
    if "$LCPATCH" show "$1" >/dev/null 2>&1; then
        run show "$1"
    else
        run vtool -show "$1"
        run space "$1"
    fi
}

echo "== a 2009 vendor library: fat ppc/i386/x86_64, 10.5 SDK, signed"
show libDodo.dylib
echo
echo "== what rescue would do (nothing is written)"
run rescue --dry-run libDodo.dylib
echo
echo "== the rescue"
run rescue -o libDodo-rescued.dylib libDodo.dylib
echo
echo "== the result"
show libDodo-rescued.dylib
echo
echo "== a second rescue changes nothing"
run rescue --in-place libDodo-rescued.dylib
printf '\nsizes: %s -> %s bytes\n' "$(wc -c < libDodo.dylib | tr -d ' ')" "$(wc -c < libDodo-rescued.dylib | tr -d ' ')"
