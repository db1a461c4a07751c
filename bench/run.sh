#!/bin/sh
# `make bench`: runs every bench/*.sh (one benchmark each) with LCPATCH set
# to the binary given (default ./lcpatch). Each prints its own ratios
# against cp and peers, measured in the same run.
#
# Then the same benchmarks again on file systems that clone (issue 16): an
# XFS with reflink and a btrfs, each made in a sparse file
# (bench/out/KIND.img, BENCH_LOOP_SIZE, default 4G) and loop-mounted on
# bench/out/mnt-KIND, where cp is `cp --reflink=always`. Where the machine
# does not allow it (not root, no mkfs, no kernel support, no loop device)
# the table is skipped, saying why. Each mount is unmounted and its image
# deleted afterwards. BENCH_REFLINK=0 skips these tables; BENCH_ONLY="NAME..."
# runs only those benchmarks (bench/NAME.sh).
cd "$(dirname "$0")/.." || exit 3
LCPATCH=$(cd "$(dirname "${1:-./lcpatch}")" && pwd)/$(basename "${1:-./lcpatch}")
export LCPATCH
. bench/lib.sh
status=0
benches() {
    for b in bench/*.sh; do
        case $b in bench/run.sh | bench/lib.sh) continue ;; esac
        if [ -n "${BENCH_ONLY:-}" ]; then
            case " $BENCH_ONLY " in *" $(basename "$b" .sh) "*) ;; *) continue ;; esac
        fi
        echo "== $b ($BENCH_FS)"
        sh "$b" || status=1
    done
}
mkdir -p "$OUT"
echo "==== on $(df -T "$OUT" 2>/dev/null | awk 'NR == 2 { print $2 }' || echo "this file system") (bench/out)"
benches
[ "${BENCH_REFLINK:-1}" = 0 ] && exit $status
mkdir -p "$OUT"
for kind in xfs btrfs; do
    img=$OUT/$kind.img mnt=$OUT/mnt-$kind
    if ! why=$(bench_loopfs "$kind" "$img" "$mnt"); then
        echo "==== $kind: skipped: $why"
        continue
    fi
    echo "==== on $kind (loop-mounted at $mnt; cp is cp --reflink=always)"
    BENCH_FS=$kind BENCH_OUT=$mnt/out
    export BENCH_FS BENCH_OUT
    benches
    unset BENCH_OUT
    BENCH_FS=plain
    umount "$mnt" || umount -l "$mnt"
    rm -f "$img"
    rmdir "$mnt" 2>/dev/null
done
exit $status
