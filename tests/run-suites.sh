#!/bin/sh
# Runs every tests/<suite>/run.sh (or the run.sh files given) with LCPATCH
# set to the binary under test.
# A suite's last "N passed, N failed[, N skipped]" line is its count (a
# skip is counted as skipped, never as passed: a suite that cannot run says
# why and closes with "0 passed, 0 failed, 1 skipped"). A suite fails when
# it exits non-zero, counts a failure, or prints no such line. Closes with
# the sum over the suites; exits 1 when any suite failed.
cd "$(dirname "$0")/.." || exit 3
[ $# -gt 0 ] || set -- tests/*/run.sh
out=$(mktemp) || exit 3
rcf=$(mktemp) || exit 3
trap 'rm -f "$out" "$rcf"' EXIT INT TERM
status=0
tp=0
tf=0
ts=0
bad=""
for s in "$@"; do
    [ -f "$s" ] || continue
    name=${s%/run.sh}
    name=${name##*/}
    echo "== ${s%/run.sh}"
    { sh "$s" 2>&1; echo $? >"$rcf"; } | tee "$out"
    rc=$(cat "$rcf")
    # the last closing line, e.g. "cli: 12 passed, 0 failed, 1 skipped"
    counts=$(sed -n 's/^\([A-Za-z0-9_.-]*: *\)\{0,1\}\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed\(, \([0-9][0-9]*\) skipped\)\{0,1\}$/\2 \3 \5/p' "$out" | tail -1)
    if [ -z "$counts" ]; then
        echo "FAIL $name: no 'N passed, N failed' line (exit $rc)"
        tf=$((tf + 1))
        bad="$bad $name"
        status=1
        continue
    fi
    p=${counts%% *}
    k=${counts#* }
    f=${k%% *}
    k=${k#* }
    k=${k:-0}
    tp=$((tp + p))
    tf=$((tf + f))
    ts=$((ts + k))
    if [ "$rc" != 0 ] || [ "$f" != 0 ]; then
        if [ "$f" = 0 ]; then
            echo "FAIL $name: exit $rc with no failure counted"
            tf=$((tf + 1))
        fi
        bad="$bad $name"
        status=1
    fi
done
[ -n "$bad" ] && echo "suites failed:$bad"
echo "suites: $tp passed, $tf failed, $ts skipped"
exit $status
