#!/bin/sh
# CLI cases: one folder per case under tests/cli/, holding
#   cmd              a shell snippet; $LCPATCH is the binary, $T a fresh temp
#                    folder, $BIN tests/binaries; it runs from the repo root
#   expected.stdout  (optional) exact standard output
#   expected.stderr  (optional) exact standard error
#   expected.status  (optional, default 0) exit status
# Prints "N passed, N failed"; exits 1 when any case fails.
cd "$(dirname "$0")/../.." || exit 3
: "${LCPATCH:=./lcpatch}"
BIN=tests/binaries
export LCPATCH BIN
pass=0
fail=0
for c in tests/cli/*/; do
    [ -f "$c/cmd" ] || continue
    T=$(mktemp -d)
    export T
    sh "$c/cmd" >"$T/.stdout" 2>"$T/.stderr"
    got=$?
    want=0
    [ -f "$c/expected.status" ] && want=$(cat "$c/expected.status")
    ok=1
    [ "$got" = "$want" ] || { echo "FAIL ${c%/}: exit $got, want $want"; ok=0; }
    for s in stdout stderr; do
        if [ -f "$c/expected.$s" ] && ! cmp -s "$c/expected.$s" "$T/.$s"; then
            echo "FAIL ${c%/}: $s differs"
            diff "$c/expected.$s" "$T/.$s" | head -20
            ok=0
        fi
    done
    rm -rf "$T"
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
