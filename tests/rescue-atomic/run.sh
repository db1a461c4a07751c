#!/bin/sh
# rescue over several files is all or nothing, even when the disk fills up
# halfway: every output is staged (written and synced beside its
# destination) before any file is replaced. For each write, copy_file_range,
# fsync and mkstemp call of a two-file `rescue --in-place`, the call is made
# to fail with ENOSPC (the LD_PRELOAD shim of tests/faults); afterwards both
# files are as before and no temporary file remains, or (exit 0) both are
# rescued.
cd "$(dirname "$0")/../.." || exit 3
root=$(pwd)
: "${LCPATCH:=$root/build/asan/lcpatch}"
SHIM=$root/build/faults/libfault.so
BIN=$root/tests/binaries
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=1"
if [ ! -f "$SHIM" ]; then
    echo "rescue-atomic: SKIP: no fault shim at $SHIM (built by make check)"
    echo "rescue-atomic: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

fresh() {
    rm -rf "$T/w"
    mkdir -p "$T/w/lib"
    cp "$BIN/legacy-fat.dylib" "$T/w/lib/a.dylib"
    cp "$BIN/legacy-fat.dylib" "$T/w/lib/b.dylib"
}

fresh
LD_PRELOAD=$SHIM LCP_FAULT_COUNT=$T/count "$LCPATCH" rescue --in-place "$T/w/lib" >/dev/null 2>"$T/err"
rc=$?
if [ $rc != 0 ] || cmp -s "$T/w/lib/a.dylib" "$BIN/legacy-fat.dylib"; then
    echo "FAIL rescue-atomic: the fault-free run (exit $rc) did not rescue: $(head -c 300 "$T/err")"
    echo "rescue-atomic: 0 passed, 1 failed"
    exit 1
fi
cp "$T/w/lib/a.dylib" "$T/ref"

for call in write copy_file_range fsync mkstemp; do
    n=$(awk -v c=$call '$1 == c { s += $2 } END { print s + 0 }' "$T/count")
    i=1
    while [ "$i" -le "$n" ]; do
        fresh
        LD_PRELOAD=$SHIM LCP_FAULT_CALL=$call LCP_FAULT_N=$i LCP_FAULT_ERR=ENOSPC \
            timeout 60 "$LCPATCH" rescue --in-place "$T/w/lib" >/dev/null 2>"$T/err"
        rc=$?
        ok=1
        if [ $rc = 0 ]; then
            for f in a b; do
                cmp -s "$T/ref" "$T/w/lib/$f.dylib" || { ok=0; why="exit 0 but $f.dylib is not the rescued file"; }
            done
        else
            for f in a b; do
                cmp -s "$BIN/legacy-fat.dylib" "$T/w/lib/$f.dylib" || { ok=0; why="exit $rc but $f.dylib changed"; }
            done
            [ $rc = 3 ] || { ok=0; why="exit $rc, want 0 or 3"; }
        fi
        [ "$(ls -A "$T/w/lib" | wc -l)" = 2 ] || { ok=0; why="left: $(ls -A "$T/w/lib" | tr '\n' ' ')"; }
        grep -qE 'ERROR: AddressSanitizer|runtime error:' "$T/err" && { ok=0; why="sanitizer report"; }
        if [ $ok = 1 ]; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL rescue-atomic: $call #$i ENOSPC: $why"
        fi
        i=$((i + 1))
    done
done
echo "rescue-atomic: $pass passed, $fail failed"
[ $fail = 0 ]
