#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12, as a new user runs them:
# a minbase chroot (debootstrap) with only `make gcc` installed, a copy of
# the committed tree (git archive HEAD: nothing untracked leaks in) at
# /work/lcpatch and ../shared beside it (read-only bind mount), then
#   order A: make demo && make check
#   order B: make check && make demo
# each in its own fresh copy of the base tree, both at once (each make is
# serial, as the README runs it: two of them fill the two cores). The
# packages are downloaded once, into the base tree, before the copies.
#
#   bash .ci/fresh-debian.sh WORKDIR     (as root; .ci/run calls it)
#
# Needs root, debootstrap (installed with apt-get when missing) and the
# Debian mirror ($LCPATCH_CI_MIRROR, default http://deb.debian.org/debian).
# Says why and exits 1 when any of them is missing or a step fails. Prints
# the time of every step. Unmounts everything it mounted on exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
W=${1:?usage: fresh-debian.sh WORKDIR}
mirror=${LCPATCH_CI_MIRROR:-http://deb.debian.org/debian}
shared=$(cd "$repo/.." && pwd)/shared

fail() {
    echo "fresh-debian: FAILED: $*" >&2
    exit 1
}
[ "$(id -u)" = 0 ] || fail "not root: debootstrap and chroot need root (LCPATCH_CI_SKIP_CHROOT=1 turns this check off)"
[ -d "$shared" ] || fail "no shared folder at $shared (the tests expect ../shared beside the checkout)"
if ! command -v debootstrap >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || fail "debootstrap is not installed, and there is no apt-get to install it"
    echo "fresh-debian: installing debootstrap" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >/dev/null ||
        fail "debootstrap is not installed and apt-get could not install it (no network to the mirror?)"
fi

mkdir -p "$W"
W=$(cd "$W" && pwd)
times=$W/times
: >"$times"
t0=$SECONDS
took() { # took LABEL SECONDS
    printf '%-44s %5d s\n' "$1" "$2" | tee -a "$times"
}

# Everything mounted under $W, deepest first; lazily, so that nothing stays
# reachable under the folder that .ci/run removes afterwards.
unmount_all() {
    local m
    for m in $(awk -v w="$W/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    if awk -v w="$W/" 'index($2, w) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
        echo "fresh-debian: could not unmount under $W: not removing it" >&2
        return 1
    fi
    return 0
}
cleanup() {
    local rc=$?
    # the chroots' processes first (a make left running keeps mounts busy)
    for r in "$W"/root-*; do
        [ -d "$r" ] || continue
        for p in /proc/[0-9]*; do
            [ "$(readlink "$p/root" 2>/dev/null)" = "$r" ] && kill -9 "${p#/proc/}" 2>/dev/null
        done
    done
    unmount_all && rm -rf "$W"/root-* "$W/base" "$W/debs"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The base tree: Debian 12 minbase.
s=$SECONDS
if ! debootstrap --variant=minbase bookworm "$W/base" "$mirror" >"$W/debootstrap.log" 2>&1; then
    tail -5 "$W/debootstrap.log" >&2
    fail "debootstrap --variant=minbase bookworm $mirror failed (no network to the mirror? see above)"
fi
took "debootstrap --variant=minbase bookworm" $((SECONDS - s))

# 2. Download once what both runs will install (make gcc, and what deps.sh
#    installs), into the base tree's apt cache: downloaded, not installed.
s=$SECONDS
cp /etc/resolv.conf "$W/base/etc/resolv.conf"
# dpkg without an fsync per file: these trees live for one run
echo force-unsafe-io >"$W/base/etc/dpkg/dpkg.cfg.d/lcpatch-ci-unsafe-io"
# shellcheck disable=SC2046 # a list of package names
chroot "$W/base" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --download-only "$@"' sh make gcc \
    $(sh "$repo/scripts/deps.sh" --packages) >"$W/download.log" 2>&1 ||
    { tail -5 "$W/download.log" >&2; fail "apt-get could not download the packages"; }
mkdir "$W/debs"
mv "$W/base/var/cache/apt/archives/"*.deb "$W/debs/"
took "download the packages once ($(du -sm "$W/debs" | cut -f1) MB)" $((SECONDS - s))

# 3. The tree to test, and the script each chroot runs.
mkdir -p "$W/src"
git -C "$repo" archive --format=tar HEAD | tar -x -C "$W/src"
cat >"$W/steps.sh" <<'STEPS'
#!/bin/sh
# Runs in the chroot: the README's setup, then the two commands in the
# order given. Prints "ci-time: STEP N s" for each.
order=$1
shift
export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root
TMPDIR=$(mktemp -d /tmp/lcpatch-ci-IN-OUT-NOFSYNC.XXXXXX)
chmod 0755 "$TMPDIR"
export TMPDIR
step() {
    s=$(date +%s)
    echo "== [$order] $*"
    "$@"
    rc=$?
    echo "ci-time: [$order] $* $(($(date +%s) - s)) s (exit $rc)"
    [ $rc = 0 ] || exit $rc
}
step sh -c 'apt-get update -qq && apt-get install -y -qq make gcc >/dev/null'
cd /work/lcpatch || exit 3
for goal in "$@"; do
    step make "$goal"
done
echo "== [$order] done"
STEPS

# 4. One fresh copy of the base tree per order.
prepare() { # prepare ROOT
    local r=$1
    cp -a "$W/base" "$r"
    cp -al "$W/debs/." "$r/var/cache/apt/archives/"
    mkdir -p "$r/work/lcpatch" "$r/work/shared"
    cp -a "$W/src/." "$r/work/lcpatch/"
    cp "$W/steps.sh" "$r/root/steps.sh"
    mount -t proc proc "$r/proc"
    mount --bind /dev "$r/dev"
    mount --bind /dev/pts "$r/dev/pts"
    mount --bind "$shared" "$r/work/shared"
    mount -o remount,bind,ro "$r/work/shared"
    touch "$r/work/shared/.rw-test" 2>/dev/null && { rm -f "$r/work/shared/.rw-test"; fail "$r/work/shared is writable"; }
    return 0
}
s=$SECONDS
prepare "$W/root-A"
prepare "$W/root-B"
took "two copies of the base tree, mounts" $((SECONDS - s))

run() { # run ORDER GOAL...: the steps in chroot root-ORDER, logged
    local o=$1
    shift
    chroot "$W/root-$o" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/sh /root/steps.sh "$@" >"$W/$o.log" 2>&1
}
s=$SECONDS
echo "fresh-debian: order A (make demo && make check) and order B (make check && make demo), at once" >&2
run A A demo check &
pa=$!
run B B check demo &
pb=$!
ra=0
rb=0
wait $pa || ra=$?
wait $pb || rb=$?
took "both orders (at once)" $((SECONDS - s))
for o in A B; do
    echo "---- order $o: last lines of its log"
    grep -E '^(== |ci-time:|FAIL|suites:|[a-z-]+: [0-9]+ passed|.*[0-9]+ passed, [0-9]+ failed)' "$W/$o.log" | tail -60
done
for o in A B; do
    grep '^ci-time:' "$W/$o.log" | sed 's/^ci-time: //' | tee -a "$times"
done
took "fresh-debian in all" $((SECONDS - t0))
if [ $ra != 0 ] || [ $rb != 0 ]; then
    for o in A B; do
        echo "---- order $o: the last 80 lines"
        tail -80 "$W/$o.log"
    done
    fail "order A exit $ra, order B exit $rb"
fi
echo "fresh-debian: both orders passed"
