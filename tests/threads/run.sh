#!/bin/sh
# threads: the worker threads of audit and check under ThreadSanitizer (build/tsan/lcpatch,
# built by `make check`). Each case audits a tree with --jobs 4 (and once
# more with --dlopen, which loads symbol tables in every thread) and must
# end without a ThreadSanitizer report and print exactly what --jobs 1
# prints (the ASan+UBSan binary under test, $LCPATCH). A race shows only
# when threads meet at the wrong moment, so a pass is evidence, not proof;
# it caught the two races fixed so far (a global sort context in
# symtab_load.c, Capstone's unsynchronised first use).
cd "$(dirname "$0")/../.." || exit 3
TSAN_BIN=build/tsan/lcpatch
LCPATCH=${LCPATCH:-./lcpatch}
if [ ! -x "$TSAN_BIN" ]; then
    echo "threads: skipped: $TSAN_BIN not built (make check builds it)"
    echo "threads: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
# ThreadSanitizer cannot start on some kernels (address-space layouts it
# does not expect): then there is nothing to test with, say so.
if ! "$TSAN_BIN" --version >/dev/null 2>"${TMPDIR:-/tmp}/lcpatch-tsan-start.$$"; then
    echo "threads: skipped: the ThreadSanitizer build does not start here:"
    head -3 "${TMPDIR:-/tmp}/lcpatch-tsan-start.$$" | sed 's/^/    /'
    rm -f "${TMPDIR:-/tmp}/lcpatch-tsan-start.$$"
    echo "threads: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
rm -f "${TMPDIR:-/tmp}/lcpatch-tsan-start.$$"
SHARED=$(cd "$(dirname "$0")/../../.." && pwd)/shared
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0
skip=0
check() { # check [CMD] ARGS...: audit (or CMD: check) ARGS with 4 threads under TSan vs 1 thread
    cmd=audit
    if [ "$1" = check ]; then
        cmd=check
        shift
    fi
    q=--quiet
    [ $cmd = check ] && q=--json
    TSAN_OPTIONS="halt_on_error=1 exitcode=66 $TSAN_OPTIONS" "$TSAN_BIN" $cmd $q --json --jobs 4 "$@" \
        >"$T/4.json" 2>"$T/4.err"
    rc=$?
    "$LCPATCH" $cmd $q --json --jobs 1 "$@" >"$T/1.json" 2>/dev/null
    if [ $rc = 66 ] || grep -q ThreadSanitizer "$T/4.err"; then
        echo "FAIL threads: $cmd $*: ThreadSanitizer report"
        grep -A12 'WARNING: ThreadSanitizer' "$T/4.err" | head -30
        fail=$((fail + 1))
    elif ! cmp -s "$T/1.json" "$T/4.json"; then
        echo "FAIL threads: $cmd $*: --jobs 4 differs from --jobs 1"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}
check tests/binaries
# a race shows only when two threads meet at the wrong moment: several tries
for try in 1 2 3 4 5; do
    check --dlopen tests/binaries
done
# lcpatch check: its pool verifies signatures (libcrypto) in every thread
check check tests/binaries
if [ -d "$SHARED/corpus/files" ]; then
    check --dlopen "$SHARED/corpus/files"
    check check "$SHARED/corpus/files"
else
    echo "threads: corpus case skipped: $SHARED/corpus not found"
    skip=$((skip + 1))
fi
echo "threads: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
