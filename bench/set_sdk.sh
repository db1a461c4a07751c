#!/bin/sh
# Benchmark: header edits on a ~400 MB Mach-O (a dylib whose __DATA,__blob
# section is made with ld64.lld-19 -sectcreate, with 1 KiB of header
# padding): `lcpatch set-sdk`, `change-dylib` and `add-rpath` against `cp`
# of the same file, in the same run, in rounds (each command once per
# round). Reports the median wall time of each over $RUNS rounds, their
# ratio, and the peak RSS of each (/usr/bin/time). Goal: <= 1.05x cp, peak
# RSS < 8 MiB whatever the file size; on a file system that clones
# (BENCH_FS=xfs|btrfs, see lib.sh) cp is `cp --reflink=always` and the goal
# <= 10x durable, <= 3x --no-fsync.
#
# lcpatch fsyncs its output before the rename (DESIGN.md: output is sacred);
# plain cp does not. So each is compared with its like: durable set-sdk with
# cp followed by `sync FILE` (coreutils: fsync of that one file), and
# `set-sdk --no-fsync` (no fsync, as cp) with plain cp. Every timed run starts
# after a `sync` (not timed), so none pays for the previous one's writeback,
# and with its output removed, as cp's is.
#
# Files go to bench/out/ (git-ignored). Env: LCPATCH (default ./lcpatch),
# SIZE_MB (default 400), RUNS (default 5), LD64 / CLANG (the LLVM 19 tools).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
SIZE_MB=${SIZE_MB:-400}
LD64=${LD64:-ld64.lld-19}
CLANG=${CLANG:-clang-19}
bench_init set_sdk 5 "$LD64" "$CLANG"
bench_reuse "big-$SIZE_MB-pad.dylib"

big=$OUT/big-$SIZE_MB-pad.dylib
if [ ! -f "$big" ]; then
    echo "set_sdk: making a $SIZE_MB MB dylib with $LD64 -sectcreate..."
    bench_blob "$OUT/blob.bin" "$SIZE_MB"
    printf 'int old_answer(void) { return 42; }\n' >"$OUT/old.c"
    $CLANG -target x86_64-apple-macos10.6 -O2 -c "$OUT/old.c" -o "$OUT/old.o"
    $LD64 -arch x86_64 -dylib -platform_version macos 10.6 10.6 -headerpad 0x400 \
        -install_name /usr/local/lib/libbig.dylib \
        -sectcreate __DATA __blob "$OUT/blob.bin" \
        -o "$big" "$OUT/old.o" "$ROOT/tests/binaries/src/libSystem.tbd"
    rm -f "$OUT/blob.bin"
fi
size=$(wc -c <"$big")

WARM=$big
CHANGE="change-dylib /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib"
RPATH="add-rpath @loader_path/../lib"
i=0
while [ "$i" -lt "$RUNS" ]; do
    sample_cp cp "$big" "$OUT/cp.out"
    sample_cp_sync cp+sync "$big" "$OUT/cp.out"
    sample set-sdk "$OUT/sdk.out" "$LCPATCH" set-sdk -o "$OUT/sdk.out" "$big"
    sample set-sdk-no-fsync "$OUT/fast.out" "$LCPATCH" set-sdk --no-fsync -o "$OUT/fast.out" "$big"
    sample change-dylib "$OUT/sdk.out" "$LCPATCH" $CHANGE -o "$OUT/sdk.out" "$big"
    sample change-dylib-no-fsync "$OUT/fast.out" "$LCPATCH" $CHANGE --no-fsync -o "$OUT/fast.out" "$big"
    sample add-rpath "$OUT/sdk.out" "$LCPATCH" $RPATH -o "$OUT/sdk.out" "$big"
    sample add-rpath-no-fsync "$OUT/fast.out" "$LCPATCH" $RPATH --no-fsync -o "$OUT/fast.out" "$big"
    i=$((i + 1))
done
cp=$(summary cp) cps=$(summary cp+sync)
# the edits happened, and only there; --no-fsync writes the same bytes
for e in "set-sdk" "$CHANGE" "$RPATH"; do
    "$LCPATCH" $e -o "$OUT/sdk.out" "$big" >/dev/null
    "$LCPATCH" $e --no-fsync -o "$OUT/fast.out" "$big" >/dev/null
    cmp -s "$OUT/sdk.out" "$OUT/fast.out" || { echo "set_sdk: $e: --no-fsync wrote other bytes" >&2; exit 3; }
    cmp -s "$OUT/sdk.out" "$big" && { echo "set_sdk: $e: output not edited" >&2; exit 3; }
done
"$LCPATCH" set-sdk -o "$OUT/sdk.out" "$big" >/dev/null
"$LCPATCH" vtool -show-build "$OUT/sdk.out" | grep -q "sdk 10.9" || { echo "set_sdk: output not edited" >&2; exit 3; }
diffs=$(cmp -l "$big" "$OUT/sdk.out" | wc -l)
rm -f "$OUT/cp.out" "$OUT/sdk.out" "$OUT/fast.out"

echo "set_sdk: on $BENCH_FS ($(df -T "$OUT" | awk 'NR == 2 { print $2 }')), file $size bytes, $RUNS runs each, set-sdk changes $diffs bytes"
echo "$cp" | awk -v c="$CP" '{ printf "set_sdk: %-24s median %ss best %ss peak RSS %s KiB\n", c, $2, $3, $4 }'
echo "$cps" | awk -v c="$CP + sync" '{ printf "set_sdk: %-24s median %ss best %ss peak RSS %s KiB\n", c, $2, $3, $4 }'
# Both the median and the best run: on a machine whose disk is shared the
# runs of one command can differ by 5x, and the best run is the cost
# with the least interference. A durable run is compared with cp + fsync of
# its output on a plain file system, with the clone alone where cp clones
# (issue 16's goal, which allows for the fsync).
med() { ratio "$(field 2 "$1")" "$(field 2 "$2")"; }
best() { ratio "$(field 3 "$1")" "$(field 3 "$2")"; }
for name in set-sdk change-dylib add-rpath; do
    d=$(summary "$name") f=$(summary "$name-no-fsync")
    base=$cps
    [ "$BENCH_FS" = plain ] || base=$cp
    r=$(med "$d" "$base") rf=$(med "$f" "$cp")
    printf 'set_sdk: %-24s median %ss best %ss peak RSS %s KiB  %s %s median (goal <= %sx: %s)\n' "$name" \
        "$(field 2 "$d")" "$(field 3 "$d")" "$(field 4 "$d")" "$r" "$([ "$BENCH_FS" = plain ] && echo "cp+sync" || echo "cp")" \
        "$GOAL_DURABLE" "$(goal_check "$r" DURABLE)"
    printf 'set_sdk: %-24s median %ss best %ss peak RSS %s KiB  %s cp median (goal <= %sx: %s)\n' "$name --no-fsync" \
        "$(field 2 "$f")" "$(field 3 "$f")" "$(field 4 "$f")" "$rf" "$GOAL_FAST" "$(goal_check "$rf" FAST)"
done
