#!/bin/sh
# Benchmark: slice edits on large files against `cp` of the same input, in
# the same run, and against llvm-lipo-19 where it does the same job.
#   1. remove i386 from an ~840 MB fat file (i386 + arm64)   lcpatch strip-arch --remove, lipo -remove
#   2. unsign a ~420 MB signed arm64 executable              lcpatch unsign
#   3. thin arm64 out of the fat file                        lcpatch thin, lipo -thin
# Each native command runs twice: durable (fsync of the output and its
# folder, the default) and with --no-fsync (no fsync, as cp). Each is held
# to the goal against its like: a durable row against cp followed by `sync
# FILE`, a *-no-fsync row against plain cp (the last column).
# Inputs are generated into bench/out/ (gitignored) with clang-19, ld64.lld-19
# (-sectcreate for size, ad hoc signature) and llvm-lipo-19 -create.
# Each command runs RUNS times (default 3), each after a read of its input;
# the best wall time and the largest peak RSS (GNU time) are reported, and
# the wall ratios against cp and cp+fsync. Goal: <= 1.05x its like, peak RSS
# < 8 MiB. On a file system that clones (BENCH_FS=xfs|btrfs, see lib.sh) cp
# is `cp --reflink=always`, and the goal is <= 10x it durable, <= 3x with
# --no-fsync (issue 16), with medians. Env: RUNS (default 3), MB (default 420: the size of each slice),
# LCPATCH, CLANG, LD64, LIPO.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
MB=${MB:-420}
CLANG=${CLANG:-clang-19}
LD64=${LD64:-ld64.lld-19}
LIPO=${LIPO:-llvm-lipo-19}
bench_init slices 3 "$CLANG" "$LD64" "$LIPO"
bench_reuse fat-i386-arm64 signed-arm64-big

# ---- inputs (kept between runs; delete bench/out to rebuild) ----
FAT=$OUT/fat-i386-arm64
SIGNED=$OUT/signed-arm64-big
if [ ! -f "$FAT" ] || [ ! -f "$SIGNED" ]; then
    echo "slices: generating ${MB} MB inputs in $OUT" >&2
    bench_blob "$OUT/blob" "$MB"
    printf 'int main(void) { return 0; }\n' >"$OUT/main.c"
    $CLANG -target arm64-apple-macos11.0 -c "$OUT/main.c" -o "$OUT/main-arm64.o"
    $LD64 -arch arm64 -platform_version macos 11.0 11.0 -o "$SIGNED" "$OUT/main-arm64.o" \
        tests/binaries/src/libSystem.tbd -sectcreate __DATA __blob "$OUT/blob"
    # ld64.lld does not link i386: an i386 object holding the same bulk
    printf '.section __DATA,__blob\n.space %s, 0x5a\n' "$((MB * 1048576))" >"$OUT/big-i386.s"
    $CLANG -target i386-apple-macos10.6 -c "$OUT/big-i386.s" -o "$OUT/big-i386.o"
    $LIPO -create "$OUT/big-i386.o" "$SIGNED" -output "$FAT"
    rm -f "$OUT/blob" "$OUT/big-i386.s"
fi

# report LABEL CP_LINE CPSYNC_LINE LINE...: from measure lines, the best
# wall time and peak RSS of each, its ratios against cp and against cp
# followed by an fsync of its output (lcpatch's writer fsyncs before it
# renames; cp does not), and for lcpatch rows the goal against its like:
# cp+fsync for a durable row, cp for a *-no-fsync row.
report() {
    # best wall (field 3) on a plain file system; the median (field 2) on
    # one that clones (issue 16's rule: medians of >= 5 runs)
    col=3
    [ "$BENCH_FS" = plain ] || col=2
    label=$1 cpw=$(field $col "$2") cpsw=$(field $col "$3")
    printf '%s\n' "$label"
    for l in "$@"; do
        [ "$l" = "$label" ] && continue
        echo "$l" | awk -v cp="$cpw" -v cps="$cpsw" -v col=$col -v plain=$([ "$BENCH_FS" = plain ] && echo 1 || echo 0) \
            -v gd="$GOAL_DURABLE" -v gf="$GOAL_FAST" '{ r = (cp > 0) ? $col / cp : 0; q = (cps > 0) ? $col / cps : 0;
            printf "  %-28s %7.3fs  %7.1f MiB  %6.2fx cp  %6.2fx cp+fsync", $1, $col, $4 / 1024, r, q
            if ($1 ~ /^lcpatch/) {
                fast = $1 ~ /-no-fsync$/; g = (fast || !plain) ? r : q
                printf "  goal <= %sx %s: %s", fast ? gf : gd, (fast || !plain) ? "cp" : "cp+fsync", g <= (fast ? gf : gd) ? "met" : "missed"
            }
            printf "\n" }'
    done
}

O=$OUT/result
echo "inputs on $BENCH_FS ($(df -T "$OUT" | awk 'NR == 2 { print $2 }')): $(wc -c <"$FAT") bytes fat (i386+arm64), $(wc -c <"$SIGNED") bytes signed arm64; $([ "$BENCH_FS" = plain ] && echo best || echo median) of $RUNS; cp is $CP"

WARM=$FAT
l1=$(measure_cp cp "$FAT" "$O") || exit 3
l2=$(measure_cp_sync cp+fsync "$FAT" "$O") || exit 3
l3=$(measure lcpatch-strip-arch "$O" "$LCPATCH" strip-arch --remove i386 -o "$O" "$FAT") || exit 3
l4=$(measure lcpatch-strip-arch-no-fsync "$O" "$LCPATCH" strip-arch --remove i386 --no-fsync -o "$O" "$FAT") || exit 3
l5=$(measure lcpatch-lipo-remove "$O" "$LCPATCH" lipo "$FAT" -remove i386 -output "$O") || exit 3
l6=$(measure llvm-lipo-19-extract "$O" "$LIPO" "$FAT" -extract arm64 -output "$O") || exit 3
report "1. remove i386 from the fat file (llvm-lipo-19 has no -remove: -extract arm64)" "$l1" "$l2" "$l3" "$l4" "$l5" "$l6"

WARM=$SIGNED
l1=$(measure_cp cp "$SIGNED" "$O") || exit 3
l2=$(measure_cp_sync cp+fsync "$SIGNED" "$O") || exit 3
l3=$(measure lcpatch-unsign "$O" "$LCPATCH" unsign -o "$O" "$SIGNED") || exit 3
l4=$(measure lcpatch-unsign-no-fsync "$O" "$LCPATCH" unsign --no-fsync -o "$O" "$SIGNED") || exit 3
report "2. unsign the signed arm64 file (no peer on Linux)" "$l1" "$l2" "$l3" "$l4"

WARM=$FAT
l1=$(measure_cp cp "$FAT" "$O") || exit 3
l2=$(measure_cp_sync cp+fsync "$FAT" "$O") || exit 3
l3=$(measure lcpatch-thin "$O" "$LCPATCH" thin arm64 -o "$O" "$FAT") || exit 3
l4=$(measure lcpatch-thin-no-fsync "$O" "$LCPATCH" thin arm64 --no-fsync -o "$O" "$FAT") || exit 3
l5=$(measure lcpatch-lipo-thin "$O" "$LCPATCH" lipo "$FAT" -thin arm64 -output "$O") || exit 3
l6=$(measure llvm-lipo-19-thin "$O" "$LIPO" "$FAT" -thin arm64 -output "$O") || exit 3
report "3. thin arm64 out of the fat file (cp copies the whole fat input)" "$l1" "$l2" "$l3" "$l4" "$l5" "$l6"
rm -f "$O"
