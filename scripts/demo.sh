#!/bin/sh
# make demo: what lcpatch sees in a 2009-style vendor library (fat
# ppc7400/i386/x86_64, 10.5 SDK, signed), and how much header space each
# slice has for the edits a rescue needs.
set -eu
LCPATCH=${1:-./lcpatch}
cd "$(dirname "$0")/.."
FIXTURE=tests/binaries/legacy-fat.dylib
run() {
    printf '\n$ %s\n' "$*"
    "$@"
}
echo "lcpatch demo on $FIXTURE"
run "$LCPATCH" show "$FIXTURE"
run "$LCPATCH" space "$FIXTURE"
