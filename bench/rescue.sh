#!/bin/sh
# Benchmark: `lcpatch rescue` on a ~400 MB fat file (a signed arm64
# executable whose __DATA,__blob is made with ld64.lld-19 -sectcreate, plus
# the legacy i386 slice of tests/binaries/hello-i386, joined with
# llvm-lipo-19): drop i386, remove the signature, write a thin arm64 file.
# Against `cp` and `cp` + `sync FILE` (lcpatch fsyncs its output) of the same
# input, in the same run, in rounds: median wall time over $RUNS runs, ratios, peak RSS.
# Durable and --no-fsync. On a file system that clones (BENCH_FS=xfs|btrfs,
# see lib.sh) cp is `cp --reflink=always` and the goals are issue 16's.
# Files go to bench/out/ (git-ignored). Env: LCPATCH, SIZE_MB (400), RUNS (5).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
SIZE_MB=${SIZE_MB:-400}
LD64=${LD64:-ld64.lld-19}
CLANG=${CLANG:-clang-19}
LIPO=${LIPO:-llvm-lipo-19}
bench_init rescue 5 "$LD64" "$CLANG" "$LIPO"
bench_reuse "rescue-fat-$SIZE_MB"

big=$OUT/rescue-fat-$SIZE_MB
if [ ! -f "$big" ]; then
    echo "rescue: making a $SIZE_MB MB fat file (arm64 -sectcreate + i386)..."
    bench_blob "$OUT/blob.bin" "$SIZE_MB"
    printf 'int main(void) { return 0; }\n' >"$OUT/main.c"
    $CLANG -target arm64-apple-macos11 -O2 -c "$OUT/main.c" -o "$OUT/main.o"
    $LD64 -arch arm64 -platform_version macos 11.0 11.0 -sectcreate __DATA __blob "$OUT/blob.bin" \
        -o "$OUT/big-arm64" "$OUT/main.o" "$ROOT/tests/binaries/src/libSystem.tbd"
    $LIPO -create "$OUT/big-arm64" "$ROOT/tests/binaries/hello-i386" -output "$big"
    rm -f "$OUT/blob.bin" "$OUT/big-arm64"
fi
size=$(wc -c <"$big")

WARM=$big
i=0
while [ "$i" -lt "$RUNS" ]; do
    sample_cp cp "$big" "$OUT/cp.out"
    sample_cp_sync cp+sync "$big" "$OUT/cp.out"
    sample rescue "$OUT/rescue.out" "$LCPATCH" rescue -o "$OUT/rescue.out" "$big"
    sample rescue-no-fsync "$OUT/rescue.out" "$LCPATCH" rescue --no-fsync -o "$OUT/rescue.out" "$big"
    i=$((i + 1))
done
cp=$(summary cp) cps=$(summary cp+sync) res=$(summary rescue) fast=$(summary rescue-no-fsync)
"$LCPATCH" rescue -o "$OUT/rescue.out" "$big" >/dev/null
"$LCPATCH" rescue --dry-run "$OUT/rescue.out" | grep -q "already rescued" || { echo "rescue: output not rescued"; exit 3; }
echo "rescue: on $BENCH_FS ($(df -T "$OUT" | awk 'NR == 2 { print $2 }')), cp is $CP; input $size bytes -> $(wc -c <"$OUT/rescue.out") bytes, $RUNS runs (median wall, peak RSS)"
rm -f "$OUT/cp.out" "$OUT/rescue.out"
echo "  cp             median $(field 2 "$cp") s, best $(field 3 "$cp") s   $(field 4 "$cp") KiB"
echo "  cp + sync      median $(field 2 "$cps") s, best $(field 3 "$cps") s"
echo "  lcpatch rescue median $(field 2 "$res") s, best $(field 3 "$res") s   $(field 4 "$res") KiB"
echo "  rescue --no-fsync median $(field 2 "$fast") s, best $(field 3 "$fast") s   $(field 4 "$fast") KiB"
echo "  rescue / cp        $(ratio "$(field 2 "$res")" "$(field 2 "$cp")") median, $(ratio "$(field 3 "$res")" "$(field 3 "$cp")") best"
echo "  rescue / cp + sync $(ratio "$(field 2 "$res")" "$(field 2 "$cps")") median, $(ratio "$(field 3 "$res")" "$(field 3 "$cps")") best"
r=$(ratio "$(field 2 "$res")" "$(field 2 "$cps")")
[ "$BENCH_FS" = plain ] || r=$(ratio "$(field 2 "$res")" "$(field 2 "$cp")")
rf=$(ratio "$(field 2 "$fast")" "$(field 2 "$cp")")
echo "  goal: durable $r $([ "$BENCH_FS" = plain ] && echo "cp + sync" || echo cp) median <= ${GOAL_DURABLE}x: $(goal_check "$r" DURABLE);" \
    "--no-fsync $rf cp median <= ${GOAL_FAST}x: $(goal_check "$rf" FAST)"
