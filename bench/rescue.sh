#!/bin/sh
# Benchmark: `lcpatch rescue` on a ~400 MB fat file (a signed arm64
# executable whose __DATA,__blob is made with ld64.lld-19 -sectcreate, plus
# the legacy i386 slice of tests/binaries/hello-i386, joined with
# llvm-lipo-19): drop i386, remove the signature, write a thin arm64 file.
# Against `cp` and `cp` + `sync FILE` (lcpatch fsyncs its output) of the same
# input, in the same run: median wall time over $RUNS runs, ratios, peak RSS.
# Files go to bench/out/ (git-ignored). Env: LCPATCH, SIZE_MB (400), RUNS (5).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
LCPATCH=${LCPATCH:-$root/lcpatch}
SIZE_MB=${SIZE_MB:-400}
RUNS=${RUNS:-5}
LD64=${LD64:-ld64.lld-19}
CLANG=${CLANG:-clang-19}
LIPO=${LIPO:-llvm-lipo-19}
out=$root/bench/out
mkdir -p "$out"
for t in "$LD64" "$CLANG" "$LIPO"; do
    command -v "$t" >/dev/null 2>&1 || { echo "rescue: skipped: $t not installed"; exit 0; }
done
[ -x /usr/bin/time ] || { echo "rescue: skipped: /usr/bin/time missing (apt-get install time)"; exit 0; }
[ -x "$LCPATCH" ] || { echo "rescue: no lcpatch at $LCPATCH (run make)"; exit 2; }

big=$out/rescue-fat-$SIZE_MB
if [ ! -f "$big" ]; then
    echo "rescue: making a $SIZE_MB MB fat file (arm64 -sectcreate + i386)..."
    yes "lcpatch bench blob" | head -c "$((SIZE_MB * 1024 * 1024))" >"$out/blob.bin"
    printf 'int main(void) { return 0; }\n' >"$out/main.c"
    $CLANG -target arm64-apple-macos11 -O2 -c "$out/main.c" -o "$out/main.o"
    $LD64 -arch arm64 -platform_version macos 11.0 11.0 -sectcreate __DATA __blob "$out/blob.bin" \
        -o "$out/big-arm64" "$out/main.o" "$root/tests/binaries/src/libSystem.tbd"
    $LIPO -create "$out/big-arm64" "$root/tests/binaries/hello-i386" -output "$big"
    rm -f "$out/blob.bin" "$out/big-arm64"
fi
size=$(wc -c <"$big")

run() {
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" || {
        echo "rescue: failed: $*" >&2
        cat "$out/stderr.txt" >&2
        exit 3
    }
    cat "$out/time.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cat "$big" >/dev/null
cp_t="" cps_t="" r_t="" cp_rss=0 r_rss=0 i=0
while [ $i -lt "$RUNS" ]; do
    rm -f "$out/cp.out" "$out/rescue.out"
    set -- $(run cp "$big" "$out/cp.out")
    cp_t="$cp_t $1"
    [ "$2" -gt "$cp_rss" ] && cp_rss=$2
    rm -f "$out/cp.out"
    set -- $(run sh -c 'cp "$1" "$2" && sync "$2"' sh "$big" "$out/cp.out")
    cps_t="$cps_t $1"
    rm -f "$out/cp.out"
    set -- $(run "$LCPATCH" rescue -o "$out/rescue.out" "$big")
    r_t="$r_t $1"
    [ "$2" -gt "$r_rss" ] && r_rss=$2
    i=$((i + 1))
done
"$LCPATCH" rescue --dry-run "$out/rescue.out" | grep -q "already rescued" || { echo "rescue: output not rescued"; exit 3; }
cp_m=$(echo $cp_t | tr ' ' '\n' | median)
cps_m=$(echo $cps_t | tr ' ' '\n' | median)
r_m=$(echo $r_t | tr ' ' '\n' | median)
echo "rescue: input $size bytes -> $(wc -c <"$out/rescue.out") bytes, $RUNS runs (median wall, peak RSS)"
echo "  cp            ${cp_m} s   ${cp_rss} KiB"
echo "  cp + sync     ${cps_m} s"
echo "  lcpatch rescue ${r_m} s   ${r_rss} KiB"
awk -v r="$r_m" -v c="$cp_m" -v s="$cps_m" 'BEGIN {
    if (c > 0) printf "  ratio rescue / cp        %.2fx\n", r / c;
    if (s > 0) printf "  ratio rescue / cp + sync %.2fx\n", r / s }'
rm -f "$out/cp.out" "$out/rescue.out"
