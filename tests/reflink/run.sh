#!/bin/sh
# Writers on file systems that clone (issue 16). Where the machine lets us
# (root, loop devices, mkfs.xfs / mkfs.btrfs, the kernel's xfs / btrfs), an
# XFS with reflink and a btrfs are made on loop devices in a temporary
# folder; otherwise the reason is printed and those checks are counted as
# skipped. On each such file system and on the temporary folder's own file
# system (the plain path: copy_file_range or read/write), every native
# writer and every Apple compat writer runs on the same inputs, and:
#   - the output is byte-identical to the plain path's (the bytes never
#     depend on the way taken: clone, clone of ranges, copy);
#   - the input is unchanged (for -o) and no temporary file is left;
# and on XFS and btrfs:
#   - the clone happened: after set-sdk (-o and --in-place), thin, unsign
#     and rescue of generated 2 MiB inputs, filefrag -v (FIEMAP) shows all
#     but the edited blocks of the output as shared extents;
#   - with the clones made to fail (the LD_PRELOAD shim of tests/faults,
#     ioctl #N EIO), the output is the same and nothing is shared: the
#     fallback copies exactly.
cd "$(dirname "$0")/../.." || exit 3
root=$(pwd)
: "${LCPATCH:=$root/build/asan/lcpatch}"
BIN=$root/tests/binaries
SHIM=$root/build/faults/libfault.so
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
pass=0
fail=0
skip=0
T=$(mktemp -d) || exit 3
mounts=""
cleanup() {
    for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 3' INT TERM

failcase() {
    echo "FAIL reflink: $*"
    fail=$((fail + 1))
}

# ---- the file systems: plain (the temporary folder's), xfs, btrfs ----
mkdir -p "$T/plain"
fslist="plain"
# mountfs KIND MKFS...: a loop-mounted file system of KIND at $T/KIND, or
# a printed reason and a skip.
mountfs() {
    kind=$1
    shift
    why=""
    if [ "$(id -u)" != 0 ]; then
        why="not root (loop mounts need root)"
    elif ! command -v "$1" >/dev/null 2>&1; then
        why="$1 is not installed"
    elif ! grep -qw "$kind" /proc/filesystems 2>/dev/null && ! { command -v modprobe >/dev/null 2>&1 && modprobe "$kind" 2>/dev/null; }; then
        why="the kernel has no $kind (not in /proc/filesystems, modprobe $kind failed)"
    else
        truncate -s 512M "$T/$kind.img" && "$@" "$T/$kind.img" >"$T/mkfs.log" 2>&1 || why="$1 failed: $(head -c 200 "$T/mkfs.log")"
        if [ -z "$why" ]; then
            mkdir -p "$T/$kind"
            if mount -o loop "$T/$kind.img" "$T/$kind" 2>"$T/mount.log"; then
                mounts="$T/$kind $mounts"
            else
                why="mount -o loop failed: $(head -c 200 "$T/mount.log")"
            fi
        fi
    fi
    if [ -n "$why" ]; then
        echo "reflink: SKIP $kind: $why"
        return 1
    fi
    # a file system that mounts but does not clone would make the checks meaningless
    head -c 65536 /dev/urandom >"$T/$kind/probe"
    if ! cp --reflink=always "$T/$kind/probe" "$T/$kind/probe2" 2>/dev/null; then
        echo "reflink: SKIP $kind: mounted, but cp --reflink=always fails there"
        return 1
    fi
    rm -f "$T/$kind/probe" "$T/$kind/probe2"
    fslist="$fslist $kind"
}
nclonefs=0
mountfs xfs mkfs.xfs -q -f -m reflink=1 && nclonefs=$((nclonefs + 1))
mountfs btrfs mkfs.btrfs -q -f && nclonefs=$((nclonefs + 1))
if df -T "$T/plain" 2>/dev/null | grep -qwE 'xfs|btrfs'; then
    echo "reflink: note: the temporary folder is on $(df -T "$T/plain" | awk 'NR == 2 { print $2 }'): the plain path clones too"
fi

# ---- generated inputs: 2 MiB images (clang-19, ld64.lld-19, llvm-lipo-19) ----
G=$T/gen
mkdir -p "$G"
gen=1
for t in clang-19 ld64.lld-19 llvm-lipo-19; do
    command -v $t >/dev/null 2>&1 || { gen=0; why="$t is not installed"; }
done
if [ $gen = 1 ]; then
    yes "lcpatch reflink blob" | head -c 2097152 >"$G/blob"
    printf 'int old_answer(void) { return 42; }\n' >"$G/old.c"
    printf 'int main(void) { return 0; }\n' >"$G/main.c"
    { clang-19 -target x86_64-apple-macos10.6 -c "$G/old.c" -o "$G/old.o" &&
        ld64.lld-19 -arch x86_64 -dylib -platform_version macos 10.6 10.6 -headerpad 0x400 -install_name /usr/local/lib/libbig.dylib \
            -sectcreate __DATA __blob "$G/blob" -o "$G/big.dylib" "$G/old.o" "$BIN/src/libSystem.tbd" &&
        clang-19 -target arm64-apple-macos11 -c "$G/main.c" -o "$G/main.o" &&
        ld64.lld-19 -arch arm64 -platform_version macos 11.0 11.0 -sectcreate __DATA __blob "$G/blob" \
            -o "$G/big-signed-arm64" "$G/main.o" "$BIN/src/libSystem.tbd" &&
        llvm-lipo-19 -create "$BIN/hello-i386" "$G/big-signed-arm64" -output "$G/bigfat"; } >"$T/gen.log" 2>&1 ||
        { gen=0; why="making them failed: $(head -c 300 "$T/gen.log")"; }
fi
[ $gen = 1 ] || echo "reflink: SKIP the 2 MiB inputs (the clone checks): $why"

# ---- every writer, on every file system ----
# label | input | command (@IN@ the input, @OUT@ the output; no @OUT@: in place)
WRITERS='
set-sdk|libold-x86_64.dylib|$LCPATCH set-sdk --sdk 10.14 -o @OUT@ @IN@
set-sdk --in-place fat|legacy-fat.dylib|$LCPATCH set-sdk --sdk 10.9 --in-place @IN@
set-build-version|hello-x86_64|$LCPATCH set-build-version macos 11.0 11.0 -o @OUT@ @IN@
set-version-min|legacy-fat.dylib|$LCPATCH set-version-min macos 10.9 10.9 -o @OUT@ @IN@
remove-build-version|hello-x86_64|$LCPATCH remove-build-version macos -o @OUT@ @IN@
strip-arch --legacy|legacy-fat.dylib|$LCPATCH strip-arch --legacy -o @OUT@ @IN@
strip-arch --remove --keep-fat|fat64.dylib|$LCPATCH strip-arch --remove arm64 --keep-fat -o @OUT@ @IN@
strip-legacy --in-place|legacy-fat.dylib|$LCPATCH strip-legacy --in-place @IN@
remove-arch|legacy-fat.dylib|$LCPATCH remove-arch ppc7400 -o @OUT@ @IN@
thin|fat64.dylib|$LCPATCH thin arm64 -o @OUT@ @IN@
extract|legacy-fat.dylib|$LCPATCH extract x86_64,i386 -o @OUT@ @IN@
unsign|signed-arm64|$LCPATCH unsign -o @OUT@ @IN@
unsign fat|legacy-fat.dylib|$LCPATCH unsign -o @OUT@ @IN@
rescue|legacy-fat.dylib|$LCPATCH rescue -o @OUT@ @IN@
rescue --in-place|legacy-fat.dylib|$LCPATCH rescue --in-place @IN@
add-rpath|hello-x86_64|$LCPATCH add-rpath -o @OUT@ @loader_path/x @IN@
delete-rpath|hello-x86_64|$LCPATCH delete-rpath -o @OUT@ @executable_path/../lib @IN@
change-dylib|hello-x86_64|$LCPATCH change-dylib -o @OUT@ /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib @IN@
set-id|libold-x86_64.dylib|$LCPATCH set-id -o @OUT@ /usr/local/lib/libnew.dylib @IN@
vtool -set-build-version|hello-x86_64|$LCPATCH vtool -set-build-version macos 11.0 11.0 -replace -output @OUT@ @IN@
vtool -set-version-min fat|legacy-fat.dylib|$LCPATCH vtool -set-version-min macos 10.9 10.9 -output @OUT@ @IN@
vtool -remove-build-version|hello-x86_64|$LCPATCH vtool -remove-build-version macos -output @OUT@ @IN@
lipo -remove|legacy-fat.dylib|$LCPATCH lipo @IN@ -remove ppc7400 -output @OUT@
lipo -thin|fat64.dylib|$LCPATCH lipo @IN@ -thin arm64 -output @OUT@
lipo -extract|legacy-fat.dylib|$LCPATCH lipo @IN@ -extract x86_64 -extract i386 -output @OUT@
lipo -create|hello-x86_64|$LCPATCH lipo -create @IN@ $BIN/hello-i386 -output @OUT@
install_name_tool -add_rpath|hello-x86_64|$LCPATCH install_name_tool -add_rpath @loader_path/x @IN@
install_name_tool -change|hello-x86_64|$LCPATCH install_name_tool -change /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib @IN@
codesign_allocate -r|signed-arm64|$LCPATCH codesign_allocate -i @IN@ -r -o @OUT@
set-sdk big|@G@/big.dylib|$LCPATCH set-sdk --sdk 10.14 -o @OUT@ @IN@
set-sdk --in-place big|@G@/big.dylib|$LCPATCH set-sdk --sdk 10.14 --in-place @IN@
change-dylib big|@G@/big.dylib|$LCPATCH change-dylib -o @OUT@ /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib @IN@
add-rpath big|@G@/big.dylib|$LCPATCH add-rpath -o @OUT@ @loader_path/x @IN@
unsign big|@G@/big-signed-arm64|$LCPATCH unsign -o @OUT@ @IN@
codesign_allocate -r big|@G@/big-signed-arm64|$LCPATCH codesign_allocate -i @IN@ -r -o @OUT@
thin big|@G@/bigfat|$LCPATCH thin arm64 -o @OUT@ @IN@
strip-arch --remove big|@G@/bigfat|$LCPATCH strip-arch --remove i386 -o @OUT@ @IN@
lipo -remove big|@G@/bigfat|$LCPATCH lipo @IN@ -remove i386 -output @OUT@
lipo -thin big|@G@/bigfat|$LCPATCH lipo @IN@ -thin arm64 -output @OUT@
rescue big|@G@/bigfat|$LCPATCH rescue -o @OUT@ @IN@
'

# inpath FIXTURE: the path of a fixture (@G@/... a generated input)
inpath() { case $1 in @G@/*) echo "$G/${1#@G@/}" ;; *) echo "$BIN/$1" ;; esac; }

# run FS LINE [ENV...]: the command in $T/FS/w (fresh: the input as "in",
# an existing output as "out"); exit status, stderr in $T/err.
run() {
    fs=$1 line=$2
    shift 2
    w=$T/$fs/w
    rm -rf "$w"
    mkdir "$w"
    cp "$src" "$w/in"
    # in place, the input's inode goes away: a clone of it made before
    # keeps its blocks (and their FIEMAP shared flag) for the clone checks
    [ "${WITNESS:-0}" = 0 ] || cp --reflink=always "$w/in" "$w/witness"
    printf 'existing output\n' >"$w/out"
    cmd=$(printf '%s' "$line" | sed -e "s|@OUT@|$w/out|g" -e "s|@IN@|$w/in|g")
    eval "env $* timeout 120 $cmd" >/dev/null 2>"$T/err"
}
# result FS: the file the writer wrote
result() { case $line in *@OUT@*) echo "$T/$1/w/out" ;; *) echo "$T/$1/w/in" ;; esac; }

# shared_blocks FILE: blocks of FILE in extents FIEMAP flags shared;
# own_blocks FILE: allocated blocks not shared (holes count in neither)
extent_blocks() {
    filefrag -v "$1" 2>/dev/null | awk -v want="$2" '$1 ~ /^[0-9]+:$/ { sub(":", "", $6); if ((/shared/ ? 1 : 0) == want) n += $6 } END { print n + 0 }'
}
shared_blocks() { extent_blocks "$1" 1; }
own_blocks() { extent_blocks "$1" 0; }

echo "$WRITERS" | grep -v '^$' >"$T/table"
while IFS='|' read -r label fixture line; do
    case $fixture in @G@/*) [ $gen = 1 ] || { skip=$((skip + 1)); continue; } ;; esac
    src=$(inpath "$fixture")
    ok=1
    if ! run plain "$line"; then
        failcase "$label: failed on the plain file system: $(head -c 300 "$T/err")"
        continue
    fi
    cp "$(result plain)" "$T/ref"
    if cmp -s "$T/ref" "$src"; then
        failcase "$label: the output equals the input (no edit: a meaningless case)"
        continue
    fi
    for fs in $fslist; do
        [ $fs = plain ] && continue
        if ! run $fs "$line"; then
            failcase "$label on $fs: exit status not 0: $(head -c 300 "$T/err")"
            ok=0
            continue
        fi
        cmp -s "$T/ref" "$(result $fs)" || { failcase "$label on $fs: the output differs from the plain path's"; ok=0; }
        case $line in *@OUT@*) cmp -s "$src" "$T/$fs/w/in" || { failcase "$label on $fs: the input changed"; ok=0; } ;; esac
        [ -z "$(ls -A "$T/$fs/w" | grep 'lcpatch-')" ] || { failcase "$label on $fs: temporary file left"; ok=0; }
    done
    [ $ok = 1 ] && pass=$((pass + 1))
done <"$T/table"
[ "$nclonefs" = 0 ] && skip=$((skip + 1)) # the comparisons above had no cloning file system to compare with

# ---- the clone happened (FIEMAP shared extents), and its fallback is exact ----
# clone_case LABEL FIXTURE LINE EDITED: on each cloning file system, the
# output shares all its blocks but EDITED (at most) with the input (and at
# least 256 of its ~515: 2 MiB inputs); with
# every clone failing (ioctl EIO), the same bytes and no shared block.
clone_case() {
    label=$1 fixture=$2 line=$3 edited=$4
    src=$(inpath "$fixture")
    for fs in $fslist; do
        [ $fs = plain ] && continue
        ok=1
        if ! run $fs "$line"; then
            failcase "$label on $fs: exit status not 0: $(head -c 300 "$T/err")"
            continue
        fi
        out=$(result $fs)
        shared=$(shared_blocks "$out") own=$(own_blocks "$out")
        if [ "$own" -gt "$edited" ] || [ "$shared" -lt 256 ]; then
            failcase "$label on $fs: $shared blocks shared, $own not, want at most $edited not shared (no clone?)"
            filefrag -v "$out" | head -8 | sed 's/^/    /'
            ok=0
        fi
        cp "$out" "$T/clone-out"
        # a clone fails (the first, the second, all): the fallback must
        # give the same bytes. copy_file_range clones too on these file
        # systems (the kernel tries a remap first): when it fails as well
        # as every ioctl (read and write remain), nothing is shared.
        for n in 1 2 1+; do
            calls=ioctl
            [ $n = 1+ ] && calls=ioctl,copy_file_range
            run $fs "$line" LD_PRELOAD=$SHIM LCP_FAULT_CALL=$calls LCP_FAULT_N=$n LCP_FAULT_ERR=EIO ||
                { failcase "$label on $fs, ioctl #$n EIO: exit status not 0: $(head -c 300 "$T/err")"; ok=0; }
            cmp -s "$T/clone-out" "$(result $fs)" || { failcase "$label on $fs, ioctl #$n EIO: other bytes"; ok=0; }
            if [ $n = 1+ ] && [ "$(shared_blocks "$(result $fs)")" != 0 ]; then
                failcase "$label on $fs, every ioctl and copy_file_range EIO: blocks still shared"
                ok=0
            fi
        done
        [ $ok = 1 ] && pass=$((pass + 1))
    done
}
if [ "$nclonefs" = 0 ] || [ $gen = 0 ]; then
    echo "reflink: SKIP the clone checks: $([ "$nclonefs" = 0 ] && echo "no cloning file system could be mounted" || echo "no generated inputs")"
    skip=$((skip + 1))
elif ! command -v filefrag >/dev/null 2>&1 || [ ! -f "$SHIM" ]; then
    echo "reflink: SKIP the clone checks: filefrag (e2fsprogs) or $SHIM (make build/faults/libfault.so) missing"
    skip=$((skip + 1))
else
    # edited blocks: the header's, and the last partial block (copied, not cloned)
    clone_case "set-sdk -o" @G@/big.dylib '$LCPATCH set-sdk --sdk 10.14 -o @OUT@ @IN@' 2
    WITNESS=1
    clone_case "set-sdk --in-place" @G@/big.dylib '$LCPATCH set-sdk --sdk 10.14 --in-place @IN@' 2
    WITNESS=0
    clone_case "change-dylib" @G@/big.dylib '$LCPATCH change-dylib -o @OUT@ /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib @IN@' 2
    clone_case "unsign" @G@/big-signed-arm64 '$LCPATCH unsign -o @OUT@ @IN@' 3
    clone_case "thin (a slice moved to 0)" @G@/bigfat '$LCPATCH thin arm64 -o @OUT@ @IN@' 2
    clone_case "strip-arch --remove" @G@/bigfat '$LCPATCH strip-arch --remove i386 -o @OUT@ @IN@' 2
    clone_case "lipo -remove" @G@/bigfat '$LCPATCH lipo @IN@ -remove i386 -output @OUT@' 5 # the fat header and its padding to 16 KiB: 4 blocks
    clone_case "rescue" @G@/bigfat '$LCPATCH rescue -o @OUT@ @IN@' 3
fi

# the writer's calls one by one (tests/unit/test_steps.c, which writes in
# $TMPDIR) on each cloning file system
UNIT=$(dirname "$LCPATCH")/tests/test_steps
for fs in $fslist; do
    [ $fs = plain ] && continue
    if [ ! -x "$UNIT" ]; then
        echo "reflink: SKIP test_steps on $fs: no $UNIT (make $UNIT)"
        skip=$((skip + 1))
        continue
    fi
    if TMPDIR=$T/$fs "$UNIT" >"$T/unit.log" 2>&1; then
        pass=$((pass + 1))
    else
        failcase "test_steps on $fs: $(grep -E 'FAIL|ERROR' "$T/unit.log" | head -3)"
    fi
done

echo "reflink: file systems: $fslist"
echo "reflink: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
