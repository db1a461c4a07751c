#!/bin/sh
# Benchmark: `lcpatch set-sdk` on a ~400 MB Mach-O (a dylib whose __DATA,__blob
# section is made with ld64.lld-19 -sectcreate) against `cp` of the same file,
# in the same run. Reports the median wall time of each over $RUNS runs, their
# ratio, and the peak RSS of each (/usr/bin/time). Goal: set-sdk <= 1.05x
# cp, peak RSS < 8 MiB whatever the file size.
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
root=$(pwd)
LCPATCH=${LCPATCH:-$root/lcpatch}
SIZE_MB=${SIZE_MB:-400}
RUNS=${RUNS:-5}
LD64=${LD64:-ld64.lld-19}
CLANG=${CLANG:-clang-19}
out=$root/bench/out
mkdir -p "$out"

for t in "$LD64" "$CLANG"; do
    command -v "$t" >/dev/null 2>&1 || { echo "set_sdk: skipped: $t not installed"; exit 0; }
done
if [ ! -x /usr/bin/time ]; then
    echo "set_sdk: skipped: /usr/bin/time missing (apt-get install time)"
    exit 0
fi
[ -x "$LCPATCH" ] || { echo "set_sdk: no lcpatch at $LCPATCH (run make)"; exit 2; }

big=$out/big-$SIZE_MB.dylib
if [ ! -f "$big" ]; then
    echo "set_sdk: making a $SIZE_MB MB dylib with $LD64 -sectcreate..."
    yes "lcpatch bench blob" | head -c "$((SIZE_MB * 1024 * 1024))" >"$out/blob.bin"
    printf 'int old_answer(void) { return 42; }\n' >"$out/old.c"
    $CLANG -target x86_64-apple-macos10.6 -O2 -c "$out/old.c" -o "$out/old.o"
    $LD64 -arch x86_64 -dylib -platform_version macos 10.6 10.6 \
        -install_name /usr/local/lib/libbig.dylib \
        -sectcreate __DATA __blob "$out/blob.bin" \
        -o "$big" "$out/old.o" "$root/tests/binaries/src/libSystem.tbd"
    rm -f "$out/blob.bin"
fi
size=$(wc -c <"$big")

# run CMD...: one timed run after a sync; prints "seconds maxrss_kb"
run() {
    sync
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" || {
        echo "set_sdk: failed: $*" >&2
        cat "$out/stderr.txt" >&2
        exit 3
    }
    cat "$out/time.txt"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# warm the page cache for both
cat "$big" >/dev/null
rm -f "$out/cp.out" "$out/sdk.out" "$out/fast.out"
cp_t=""
cps_t=""
sdk_t=""
fast_t=""
cp_rss=0
sdk_rss=0
i=0
while [ $i -lt "$RUNS" ]; do
    set -- $(run cp "$big" "$out/cp.out")
    cp_t="$cp_t $1"
    [ "$2" -gt "$cp_rss" ] && cp_rss=$2
    rm -f "$out/cp.out"
    set -- $(run sh -c 'cp "$1" "$2" && sync "$2"' sh "$big" "$out/cp.out")
    cps_t="$cps_t $1"
    rm -f "$out/cp.out"
    rm -f "$out/sdk.out"
    set -- $(run "$LCPATCH" set-sdk -o "$out/sdk.out" "$big")
    sdk_t="$sdk_t $1"
    [ "$2" -gt "$sdk_rss" ] && sdk_rss=$2
    rm -f "$out/fast.out"
    set -- $(run "$LCPATCH" set-sdk --no-fsync -o "$out/fast.out" "$big")
    fast_t="$fast_t $1"
    [ "$2" -gt "$sdk_rss" ] && sdk_rss=$2
    i=$((i + 1))
done
# the edit happened, and only there; --no-fsync wrote the same bytes
"$LCPATCH" vtool -show-build "$out/sdk.out" | grep -q "sdk 10.9" || { echo "set_sdk: output not edited" >&2; exit 3; }
cmp -s "$out/sdk.out" "$out/fast.out" || { echo "set_sdk: --no-fsync wrote other bytes" >&2; exit 3; }
diffs=$(cmp -l "$big" "$out/sdk.out" | wc -l)
rm -f "$out/sdk.out" "$out/fast.out"

cp_med=$(printf '%s\n' $cp_t | median)
cps_med=$(printf '%s\n' $cps_t | median)
sdk_med=$(printf '%s\n' $sdk_t | median)
fast_med=$(printf '%s\n' $fast_t | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
echo "set_sdk: file $size bytes, $RUNS runs each, $diffs bytes differ from the input"
echo "set_sdk: cp                 median ${cp_med}s (runs:$cp_t) peak RSS ${cp_rss} KiB"
echo "set_sdk: cp+sync            median ${cps_med}s (runs:$cps_t)"
echo "set_sdk: set-sdk            median ${sdk_med}s (runs:$sdk_t)"
echo "set_sdk: set-sdk --no-fsync median ${fast_med}s (runs:$fast_t)"
echo "set_sdk: durable:    set-sdk/(cp+sync) = $(ratio "$sdk_med" "$cps_med") (goal <= 1.05), set-sdk/cp = $(ratio "$sdk_med" "$cp_med")"
echo "set_sdk: --no-fsync: set-sdk --no-fsync/cp = $(ratio "$fast_med" "$cp_med") (goal <= 1.05)"
echo "set_sdk: peak RSS set-sdk ${sdk_rss} KiB, both ways (goal < 8192 KiB)"
