#!/bin/sh
# Benchmark: `lcpatch audit` over a generated tree of 10,000 files (half of
# them Mach-O copied from ../shared/corpus/files, half data), in the same
# run as:
#   floor    reading the first 32 KiB of every file (bench/floor32k.c: one
#            process, as many threads as lcpatch uses: the I/O floor)
#   otool    llvm-otool-19 -L over all files, run once (LLVM's otool front
#            end, Apple's `otool -L` options and output; Apple's own otool
#            does not run here). It only lists load paths, it does not
#            resolve them.
#   audit    lcpatch audit --quiet --json TREE (every check, default --jobs),
#            then with --jobs 1, then with --dlopen (Capstone, for reference)
#   hashfloor  bench/floorsha.c: SHA-1/SHA-256 of exactly the code pages
#            check must hash to verify every signature (libcrypto, one
#            process, as many threads as lcpatch uses, files mapped): what
#            verification cannot avoid and audit never does
#   check    lcpatch check --json TREE (the audit plus the notary rules of
#            every image: signatures read and verified): goal, the same
#            order as audit. Printed: check / audit, and check against
#            audit + hashfloor (the overhead is what check costs beyond the
#            audit and the hashing), in wall time and in CPU time (user +
#            system: less sensitive to other load on the machine)
# Each runs RUNS times (default 3) after one warm-up pass; best wall time,
# largest peak RSS, CPU share (GNU time: > 100% means both cores worked)
# and least CPU seconds.
# Goals: audit no slower than otool -L, peak RSS < 32 MiB, both cores used.
# The tree lives in bench/out/audit-tree (gitignored); delete it to rebuild.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
TREE=$OUT/audit-tree
OTOOL=${OTOOL:-llvm-otool-19}
CC=${CC:-cc}
bench_init audit 3 "$OTOOL" "$CC"
SHARED=$(cd "$ROOT/.." && pwd)/shared
# in a git worktree, ../shared is beside the main checkout
if [ ! -d "$SHARED" ] && common=$(git rev-parse --git-common-dir 2>/dev/null); then
    SHARED=$(cd "$common/../.." && pwd)/shared
fi
CORPUS=$SHARED/corpus/files
[ -d "$CORPUS" ] || { echo "audit: skipped: $CORPUS not found" >&2; exit 0; }
JOBS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

$CC -O2 -pthread -o "$OUT/floor32k" bench/floor32k.c
# the hashing floor needs libcrypto's headers (libssl-dev); without them
# its lines are skipped, saying why
if ! $CC -O2 -pthread -o "$OUT/floorsha" bench/floorsha.c -lcrypto 2>"$OUT/floorsha.err"; then
    echo "audit: hashing floor skipped: bench/floorsha.c does not build (libcrypto headers?), see $OUT/floorsha.err" >&2
    rm -f "$OUT/floorsha"
fi

if [ ! -f "$TREE.done" ]; then
    echo "audit: generating 10,000 files in $TREE" >&2
    rm -rf "$TREE"
    mkdir -p "$TREE"
    # the corpus files that are Mach-O and that llvm-objdump reads (MANIFEST
    # columns magic and llvm_objdump): llvm-otool (llvm-objdump underneath)
    # stops at the first file it cannot parse, and the comparison must cover
    # every file; cycled
    awk -F'\t' 'NR > 1 && $6 !~ /^other/ && $14 == "ok" { sub(/^files\//, "", $1); print $1 }' \
        "$SHARED/corpus/MANIFEST.tsv" >"$OUT/audit-macho.list"
    nmacho=$(wc -l <"$OUT/audit-macho.list")
    [ "$nmacho" -gt 0 ] || { echo "audit: no Mach-O in the corpus manifest" >&2; exit 1; }
    head -c 65536 /dev/urandom >"$OUT/audit-seed"
    i=0
    while [ $i -lt 10000 ]; do
        d=$TREE/d$((i / 100))
        [ $((i % 100)) -eq 0 ] && mkdir -p "$d"
        if [ $((i % 2)) -eq 0 ]; then
            n=$(((i / 2) % nmacho + 1))
            f=$(sed -n "${n}p" "$OUT/audit-macho.list")
            cp "$CORPUS/$f" "$d/m$i"
        else
            head -c $((1024 + (i * 7919) % 65536)) "$OUT/audit-seed" >"$d/f$i.dat"
        fi
        i=$((i + 1))
    done
    touch "$TREE.done"
fi
find "$TREE" -type f | sort >"$OUT/audit-files.list"
nfiles=$(wc -l <"$OUT/audit-files.list")

# measure_cpu NAME CMD...: best wall seconds, max RSS KiB, CPU share of the
# best run and least CPU seconds (user + system) of any run; a failing run is timed too
# (the corpus has malformed files on purpose, and audit then exits 3)
measure_cpu() {
    name=$1
    shift
    "$@" >/dev/null 2>&1 || true # warm-up (page cache)
    best="" rss=0 cpu="" cpus="" i=0
    while [ $i -lt "$RUNS" ]; do
        $TIME -f '%e %M %P %U %S' -o "$OUT/.time" "$@" >/dev/null 2>&1 || true
        # GNU time writes "Command exited with non-zero status N" first when it
        # is not 0 (the corpus has malformed files on purpose): the last line
        read -r wall kb pct us ss <<EOT
$(tail -n 1 "$OUT/.time")
EOT
        if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then
            best=$wall
            cpu=$pct
        fi
        # the least CPU seconds of any run (each run's own, not the best
        # wall run's: other load inflates both, independently)
        c=$(awk "BEGIN{print $us + $ss}")
        if [ -z "$cpus" ] || awk "BEGIN{exit !($c < $cpus)}"; then
            cpus=$c
        fi
        [ "$kb" -gt "$rss" ] && rss=$kb
        i=$((i + 1))
    done
    echo "$name $best $rss $cpu $cpus"
}

floor=$(measure_cpu floor "$OUT/floor32k" "$TREE" "$JOBS")
otool=$(measure_cpu otool-L sh -c "xargs -d '\n' $OTOOL -L <'$OUT/audit-files.list'")
aud=$(measure_cpu audit "$LCPATCH" audit --quiet --json "$TREE")
aud1=$(measure_cpu audit-jobs1 "$LCPATCH" audit --quiet --json --jobs 1 "$TREE")
audd=$(measure_cpu audit-dlopen "$LCPATCH" audit --quiet --json --dlopen "$TREE")
hfl=""
[ -x "$OUT/floorsha" ] && hfl=$(measure_cpu hashfloor "$OUT/floorsha" "$TREE" "$JOBS")
chk=$(measure_cpu check "$LCPATCH" check --json "$TREE")
"$LCPATCH" audit --quiet --json "$TREE" >"$OUT/audit.json" 2>/dev/null || true
summary=$(tr ',' '\n' <"$OUT/audit.json" | grep -E '^"(files|macho_files|errors|warnings)":' | tr '\n' ' ')

echo "audit: $nfiles files ($JOBS CPUs, load average $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo ?)), $summary"
fw=$(echo "$floor" | cut -d' ' -f2)
ow=$(echo "$otool" | cut -d' ' -f2)
for l in "$floor" "$otool" "$aud" "$aud1" "$audd" "$hfl" "$chk"; do
    [ -n "$l" ] || continue
    echo "$l" | awk -v f="$fw" -v o="$ow" '{ printf "  %-12s %7.2fs  %7.1f MiB  CPU %5s (%5.2fs)  %6.2fx floor  %5.2fx otool -L\n",
        $1, $2, $3 / 1024, $4, $5, (f > 0 ? $2 / f : 0), (o > 0 ? $2 / o : 0) }'
done
aw=$(echo "$aud" | cut -d' ' -f2)
cw=$(echo "$chk" | cut -d' ' -f2)
ac=$(echo "$aud" | cut -d' ' -f5)
cc=$(echo "$chk" | cut -d' ' -f5)
awk -v a="$aw" -v c="$cw" -v ac="$ac" -v cc="$cc" 'BEGIN { printf "  check / audit: %.2fx wall, %.2fx CPU (check runs the audit, then reads and verifies every signature)\n", (a > 0 ? c / a : 0), (ac > 0 ? cc / ac : 0) }'
if [ -n "$hfl" ]; then
    echo "  hashing floor: $("$OUT/floorsha" "$TREE" "$JOBS")"
    hw=$(echo "$hfl" | cut -d' ' -f2)
    hc=$(echo "$hfl" | cut -d' ' -f5)
    # check = audit + hashing floor + overhead; wall and CPU seconds
    awk -v a="$aw" -v h="$hw" -v c="$cw" -v ac="$ac" -v hc="$hc" -v cc="$cc" 'BEGIN {
        printf "  check vs audit + hashing floor, wall: %.2fs vs %.2fs + %.2fs = %.2fs: %.2fx, overhead %+.2fs (%+.0f%% of check)\n",
            c, a, h, a + h, (a + h > 0 ? c / (a + h) : 0), c - a - h, (c > 0 ? 100 * (c - a - h) / c : 0)
        printf "  check vs audit + hashing floor, CPU:  %.2fs vs %.2fs + %.2fs = %.2fs: %.2fx, overhead %+.2fs (%+.0f%% of check)\n",
            cc, ac, hc, ac + hc, (ac + hc > 0 ? cc / (ac + hc) : 0), cc - ac - hc, (cc > 0 ? 100 * (cc - ac - hc) / cc : 0) }'
fi
