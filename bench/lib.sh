# Shared by the bench/*.sh scripts, sourced after they `cd` to the top
# folder: the defaults, the skip rule and the timing helpers.
#   ROOT     the top folder          OUT      bench/out (git-ignored)
#   LCPATCH  the binary measured (env, default ./lcpatch)
#   RUNS     timed runs of each command (env, default $1 of bench_init)
# Every benchmark times lcpatch and its peers in the same run, so that the
# ratios it prints compare like with like on whatever machine runs it.
ROOT=$(pwd)
OUT=$ROOT/bench/out
LCPATCH=${LCPATCH:-$ROOT/lcpatch}
TIME=/usr/bin/time

# bench_init NAME RUNS TOOL...: names the benchmark in its messages, sets
# RUNS, and exits 0 with the reason (a skip, not a failure) when a tool or
# GNU time is missing; exits 2 when there is no lcpatch to measure.
bench_init() {
    BENCH=$1
    RUNS=${RUNS:-$2}
    shift 2
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "$BENCH: skipped: $t not installed" >&2; exit 0; }
    done
    [ -x "$TIME" ] || { echo "$BENCH: skipped: $TIME missing (apt-get install time)" >&2; exit 0; }
    [ -x "$LCPATCH" ] || { echo "$BENCH: no lcpatch at $LCPATCH (run make)" >&2; exit 2; }
    mkdir -p "$OUT"
}

# bench_blob FILE MB: MB MiB of text (not zeros: cp turns runs of zeros into
# holes, which real binaries do not have).
bench_blob() {
    yes "lcpatch bench blob" | head -c "$(($2 * 1024 * 1024))" >"$1"
}

# timed CMD...: one run of CMD after a `sync` (not timed, so that no run
# pays for the writeback of the one before); prints "seconds peak_rss_kib".
# A failing command ends the benchmark with its message (exit 3).
timed() {
    sync
    "$TIME" -f "%e %M" -o "$OUT/.time" "$@" >/dev/null 2>"$OUT/.stderr" || {
        echo "$BENCH: failed: $*" >&2
        cat "$OUT/.stderr" >&2
        exit 3
    }
    cat "$OUT/.time"
}

# measure NAME OUTPUT CMD...: RUNS timed runs of CMD, OUTPUT removed before
# each; prints "NAME median_s best_s peak_rss_kib run_s...". Call it as
# `line=$(measure ...) || exit 3`: a failure inside $(...) ends only it.
measure() {
    name=$1 output=$2
    shift 2
    walls="" rss=0 i=0
    while [ "$i" -lt "$RUNS" ]; do
        rm -f "$output"
        r=$(timed "$@") || exit 3
        wall=${r% *} kb=${r#* }
        walls="$walls $wall"
        [ "$kb" -gt "$rss" ] && rss=$kb
        i=$((i + 1))
    done
    echo "$name $(printf '%s\n' $walls | median) $(printf '%s\n' $walls | sort -n | head -n 1) $rss$walls"
}

# The same measure of cp, and of cp followed by an fsync of the copy
# (coreutils `sync FILE`): what lcpatch's durable writer does before its
# rename. measure_cp NAME IN OUT.
measure_cp() { measure "$1" "$3" cp "$2" "$3"; }
measure_cp_sync() { measure "$1" "$3" sh -c 'cp "$1" "$2" && sync "$2"' sh "$2" "$3"; }

# field N LINE: the Nth word of a measure line (2 median, 3 best, 4 RSS).
field() { echo "$2" | cut -d' ' -f"$1"; }

# median: of the numbers on standard input, one per line.
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# ratio A B: "A / B" as "0.875x" ("n/a" when B is 0: too fast to time).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3fx", a / b; else printf "n/a" }'; }
