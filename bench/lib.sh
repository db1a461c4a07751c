# Shared by the bench/*.sh scripts, sourced after they `cd` to the top
# folder: the defaults, the skip rule and the timing helpers.
#   ROOT     the top folder          OUT      bench/out (git-ignored)
#   LCPATCH  the binary measured (env, default ./lcpatch)
#   RUNS     timed runs of each command (env, default $1 of bench_init)
#   BENCH_OUT  where inputs and outputs go (env, default bench/out); run.sh
#            points it at a loop-mounted XFS or btrfs for the reflink tables
#   BENCH_FS   the kind of file system there (env, default "plain"; xfs or
#            btrfs: cp is `cp --reflink=always`, the peer a clone costs, and
#            the goals are the reflink ones of issue 16)
# Every benchmark times lcpatch and its peers in the same run, so that the
# ratios it prints compare like with like on whatever machine runs it.
ROOT=$(pwd)
OUT=${BENCH_OUT:-$ROOT/bench/out}
LCPATCH=${LCPATCH:-$ROOT/lcpatch}
TIME=/usr/bin/time
BENCH_FS=${BENCH_FS:-plain}
# cp as the peer: on a file system that clones, the clone (what a copy
# costs there); elsewhere a plain copy
if [ "$BENCH_FS" = plain ]; then CP="cp"; else CP="cp --reflink=always"; fi
# the goals against it: on a cloning file system issue 16's (durable <= 10x
# cp --reflink, --no-fsync <= 3x), elsewhere <= 1.05x cp+fsync and cp
if [ "$BENCH_FS" = plain ]; then GOAL_DURABLE=1.05 GOAL_FAST=1.05; else GOAL_DURABLE=10 GOAL_FAST=3; fi

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
    rm -f "$OUT"/.runs-*
}

# bench_blob FILE MB: MB MiB of text (not zeros: cp turns runs of zeros into
# holes, which real binaries do not have).
bench_blob() {
    yes "lcpatch bench blob" | head -c "$(($2 * 1024 * 1024))" >"$1"
}

# timed CMD...: one run of CMD after, untimed, a read of the file named by
# $WARM (the input: on this kind of machine the page cache is reclaimed
# between runs, and a run that reads its input from the disk measures the
# disk) and a `sync` (so that no run pays for the writeback of the one
# before); prints "seconds peak_rss_kib". A failing command ends the
# benchmark with its message (exit 3).
timed() {
    if [ -n "${WARM:-}" ]; then cat "$WARM" >/dev/null; fi
    sync
    t0=$(date +%s%N)
    "$TIME" -f "%M" -o "$OUT/.time" "$@" >/dev/null 2>"$OUT/.stderr" || {
        echo "$BENCH: failed: $*" >&2
        cat "$OUT/.stderr" >&2
        exit 3
    }
    t1=$(date +%s%N)
    # GNU time's %e has 10 ms steps, too coarse for runs of 150 ms: the
    # wall time is read from the clock around it (in ms, printed in s)
    echo "$(((t1 - t0) / 1000000))" "$(cat "$OUT/.time")" | awk '{ printf "%.3f %s\n", $1 / 1000, $2 }'
}

# sample NAME OUTPUT CMD...: one timed run of CMD, added to NAME's runs.
# OUTPUT is removed before and after: no run starts with hundreds of MB of
# earlier outputs in the page cache (the kernel's reclaim of those made
# one run in three 5x slower here). Scripts that compare commands call it
# in rounds (each command once per round), so that drift in the machine's
# state falls on every command alike; they check outputs in a run of their
# own.
sample() {
    name=$1 output=$2
    shift 2
    rm -f "$output"
    r=$(timed "$@") || exit 3
    rm -f "$output"
    echo "$r" >>"$OUT/.runs-$name"
}
sample_cp() { sample "$1" "$3" $CP "$2" "$3"; }
sample_cp_sync() { sample "$1" "$3" sh -c "$CP"' "$1" "$2" && sync "$2"' sh "$2" "$3"; }

# summary NAME: "NAME median_s best_s peak_rss_kib run_s..." over NAME's
# runs, which it then forgets.
summary() {
    f=$OUT/.runs-$1
    echo "$1 $(cut -d' ' -f1 "$f" | median) $(cut -d' ' -f1 "$f" | sort -n | head -n 1)" \
        "$(cut -d' ' -f2 "$f" | sort -n | tail -n 1) $(cut -d' ' -f1 "$f" | tr '\n' ' ')"
    rm -f "$f"
}

# measure NAME OUTPUT CMD...: RUNS samples of CMD in a row, then its
# summary (for a command timed on its own); measure_cp NAME IN OUT and
# measure_cp_sync NAME IN OUT: the same of $CP and of $CP + fsync.
measure() { repeat sample "$@"; }
measure_cp() { repeat sample_cp "$@"; }
measure_cp_sync() { repeat sample_cp_sync "$@"; }
repeat() {
    sampler=$1
    shift
    n=0
    while [ "$n" -lt "$RUNS" ]; do
        "$sampler" "$@"
        n=$((n + 1))
    done
    summary "$1"
}

# field N LINE: the Nth word of a measure line (2 median, 3 best, 4 RSS).
field() { echo "$2" | cut -d' ' -f"$1"; }

# median: of the numbers on standard input, one per line.
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# ratio A B: "A / B" as "0.875x" ("n/a" when B is 0: too fast to time).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3fx", a / b; else printf "n/a" }'; }

# goal_check VALUE DURABLE|FAST: "met" or "missed" against this file
# system's goal for a durable or a --no-fsync run.
goal_check() {
    g=$GOAL_DURABLE
    [ "$2" = FAST ] && g=$GOAL_FAST
    awk -v v="$1" -v g="$g" 'BEGIN { sub("x$", "", v); print (v + 0 <= g + 0) ? "met" : "missed" }'
}

# bench_loopfs KIND IMG MNT: makes (mkfs) and loop-mounts a KIND file system
# (xfs with reflink, or btrfs) in the sparse file IMG at MNT; prints why and
# returns 1 when the machine does not allow it (not root, no tool, no kernel
# support, no loop device).
bench_loopfs() {
    kind=$1 img=$2 mnt=$3
    [ "$(id -u)" = 0 ] || { echo "not root (loop mounts need root)"; return 1; }
    case $kind in xfs) mk="mkfs.xfs -q -f -m reflink=1" ;; btrfs) mk="mkfs.btrfs -q -f" ;; *) return 1 ;; esac
    command -v "${mk%% *}" >/dev/null 2>&1 || { echo "${mk%% *} is not installed"; return 1; }
    grep -qw "$kind" /proc/filesystems 2>/dev/null || { command -v modprobe >/dev/null 2>&1 && modprobe "$kind" 2>/dev/null; } ||
        { echo "the kernel has no $kind"; return 1; }
    truncate -s "${BENCH_LOOP_SIZE:-4G}" "$img" || { echo "cannot create $img"; return 1; }
    $mk "$img" >/dev/null 2>&1 || { rm -f "$img"; echo "$mk failed"; return 1; }
    mkdir -p "$mnt"
    mount -o loop "$img" "$mnt" 2>/dev/null || { rm -f "$img"; echo "mount -o loop failed (no loop device?)"; return 1; }
}

# bench_reuse FILE...: inputs already made in bench/out are copied to
# BENCH_OUT (a loop-mounted file system) instead of being made again.
bench_reuse() {
    [ "$OUT" = "$ROOT/bench/out" ] && return 0
    for f in "$@"; do
        [ -f "$OUT/$f" ] || [ ! -f "$ROOT/bench/out/$f" ] || cp "$ROOT/bench/out/$f" "$OUT/$f"
    done
}
