#!/bin/sh
# The ld64.lld oracle for `lcpatch sign --linker-signed`: fixtures linked
# here with clang-19 + ld64.lld-19 (arm64, signed by default; x86_64 with
# -adhoc_codesign), dylibs, executables and bundles of several sizes, with
# and without -headerpad:
#   1. unsign, then sign --linker-signed under the link's output name, gives
#      ld64.lld's file back byte for byte;
#   2. an edit (set-id, change-dylib, set-sdk) then sign --linker-signed
#      equals ld64.lld's link of the edited result (same objects, the
#      changed install name / dependency / sdk, same output name; -no_uuid,
#      since ld64.lld's UUID hashes the whole output);
#   3. the same edits without `sign`: the editors re-sign a linker-signed
#      slice by default (equal to ld64.lld's link again), --no-resign keeps
#      the stale signature (verify.py says so);
#   4. vtool -set-build-version (the Apple dialect) re-signs too: ld64.lld's
#      link but for the load commands' order (Apple's) and the hashes of the
#      pages that holds (same_but_commands.py);
#   5. add-rpath appends LC_RPATH where ld64.lld would not put it, so there
#      the re-signed file is checked by verify.py (hashlib) instead;
#   6. the install_name_tool dialect re-signs as Xcode's does: -id and
#      -change equal ld64.lld's link of the edited inputs, -add_rpath is
#      valid (verify.py) and -delete_rpath of it gives the link back.
# Prints "N passed, N failed[, N skipped]".
cd "$(dirname "$0")/../.." || exit 3
: "${LCPATCH:=./lcpatch}"
LCPATCH=$(cd "$(dirname "$LCPATCH")" && pwd)/$(basename "$LCPATCH")
S=tests/sign-oracle
pass=0 fail=0 skip=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL sign-oracle: $*"; fail=$((fail + 1)); }

# The committed fat64.dylib: set-sdk re-signs its linker-signed arm64 slice.
if command -v python3 >/dev/null 2>&1; then
    "$LCPATCH" set-sdk --sdk 12.0 --no-fsync -o "$T/fat" tests/binaries/fat64.dylib >/dev/null 2>"$T/err" &&
        "$LCPATCH" thin arm64 --no-fsync -o "$T/fat-arm64" "$T/fat" >/dev/null
    if python3 $S/verify.py "$T/fat-arm64" && ! [ -s "$T/err" ]; then ok; else bad "fat64.dylib: set-sdk left the arm64 slice's signature invalid"; fi
fi

# ld64's layout: the arm64 files of the shared corpus that ld64 signed
# come back byte for byte from sign --linker-signed=ld64 (their identifier
# given: it is their link name, not the corpus file's).
corpus=${LCP_SHARED:-$(pwd)/../shared}/corpus/files
if [ -d "$corpus" ] && command -v python3 >/dev/null 2>&1; then
    for f in arm64-thin-bundle-imports-signed.objecttestfiles arm64-thin-dylib-libexports-signed.objecttestfiles \
        arm64-thin-execute-base-signed.objecttestfiles arm64-thin-execute-go-signed.rizin \
        arm64-thin-dylib-libvips-cpp-rpathid-signed-large.npm arm64e-thin-execute-hello-macos-signed.rizin \
        arm64-thin-bundle-sharp-rpath-signed.npm arm64e-thin-dylib-fixup-chains-signed.objecttestfiles; do
        [ -f "$corpus/$f" ] || continue
        id=$(python3 $S/verify.py --identifier "$corpus/$f") || { bad "$f: not a valid signature to start with"; continue; }
        if "$LCPATCH" sign --linker-signed=ld64 --identifier "$id" --no-fsync -o "$T/ld64" "$corpus/$f" >/dev/null &&
            cmp -s "$T/ld64" "$corpus/$f"; then ok; else bad "$f: sign --linker-signed=ld64 differs from ld64's"; fi
        # an edit (in place: some have no header room left) re-signs in
        # ld64's layout, valid, and changes the file
        if "$LCPATCH" set-sdk --sdk 99.0 --no-fsync -o "$T/ld64e" "$corpus/$f" >/dev/null 2>&1 &&
            ! cmp -s "$T/ld64e" "$corpus/$f" && python3 $S/verify.py "$T/ld64e"; then ok; else bad "$f: set-sdk left an invalid signature"; fi
    done
else
    echo "sign-oracle: no shared corpus (or no python3): ld64 cases skipped"
    skip=$((skip + 1))
fi

for tool in clang-19 ld64.lld-19; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "sign-oracle: $tool not installed: every case skipped (apt-get install clang-19 lld-19)"
        echo "sign-oracle: $pass passed, $fail failed, 1 skipped"
        [ $fail = 0 ]
        exit
    fi
done

# cmp_resign NAME FILE: unsign FILE, sign it again as NAME, compare.
cmp_resign() {
    mkdir -p "$T/re"
    rm -f "$T/u" "$T/re/$1"
    if "$LCPATCH" unsign --no-fsync -o "$T/u" "$2" >/dev/null &&
        "$LCPATCH" sign --linker-signed --no-fsync -o "$T/re/$1" "$T/u" >/dev/null &&
        cmp -s "$T/re/$1" "$2"; then ok; else bad "$3: unsign + sign differs from ld64.lld's $1"; fi
}

for arch in arm64 x86_64; do
    sign=
    [ $arch = x86_64 ] && sign=-adhoc_codesign
    LD="ld64.lld-19 -arch $arch -platform_version macos 11.0 11.0 $sign"
    CC="clang-19 -target $arch-apple-macos11 -O1"
    $CC -c $S/src/main.c -o "$T/main-$arch.o" || { bad "$arch: compile"; continue; }
    $CC -c $S/src/sys.c -o "$T/sys-$arch.o" || { bad "$arch: compile"; continue; }
    $LD -dylib -install_name /usr/lib/libSystem.B.dylib "$T/sys-$arch.o" -o "$T/libSystem-$arch.dylib" ||
        { bad "$arch: link libSystem"; continue; }
    for pad in 1 5000 70000; do
        $CC -DPAD=$pad -c $S/src/lib.c -o "$T/lib.o" || { bad "$arch: compile lib.c"; continue; }
        for hp in "" "-headerpad 0x400"; do
            d="$T/$arch-$pad-${hp:+hp}"
            mkdir -p "$d"
            c="$arch pad $pad${hp:+ $hp}"
            $LD $hp -dylib -install_name @rpath/libfoo.dylib "$T/lib.o" -o "$d/libfoo.dylib" && cmp_resign libfoo.dylib "$d/libfoo.dylib" "$c dylib"
            $LD $hp -dylib "$T/lib.o" -o "$d/libnoid.dylib" && cmp_resign libnoid.dylib "$d/libnoid.dylib" "$c dylib without install name"
            $LD $hp -bundle "$T/lib.o" -o "$d/plugin.bundle" && cmp_resign plugin.bundle "$d/plugin.bundle" "$c bundle"
            $LD $hp "$T/main-$arch.o" "$d/libfoo.dylib" "$T/libSystem-$arch.dylib" -o "$d/app" && cmp_resign app "$d/app" "$c executable"
        done
    done

    # edit + re-sign = ld64.lld's link of the edited result
    E="$T/edit-$arch"
    mkdir -p "$E/a" "$E/b" "$E/got"
    L2="$LD -no_uuid -headerpad 0x100"
    $CC -c $S/src/lib.c -o "$T/lib.o"
    # set-id
    $L2 -dylib -install_name /old/libfoo.dylib "$T/lib.o" -o "$E/a/libfoo.dylib"
    $L2 -dylib -install_name @rpath/libbar.dylib "$T/lib.o" -o "$E/b/libfoo.dylib"
    cp "$E/a/libfoo.dylib" "$E/x"
    if "$LCPATCH" set-id @rpath/libbar.dylib --in-place "$E/x" >/dev/null 2>&1 &&
        "$LCPATCH" sign --linker-signed --no-fsync -o "$E/got/libfoo.dylib" "$E/x" >/dev/null &&
        cmp -s "$E/got/libfoo.dylib" "$E/b/libfoo.dylib"; then ok; else bad "$arch set-id + sign differs from ld64.lld's link"; fi
    # change-dylib (the executable's dependency)
    $L2 -dylib -install_name /old/libdep.dylib "$T/lib.o" -o "$E/dep-old.dylib"
    $L2 -dylib -install_name @rpath/libdep.dylib "$T/lib.o" -o "$E/dep-new.dylib"
    $L2 "$T/main-$arch.o" "$E/dep-old.dylib" "$T/libSystem-$arch.dylib" -o "$E/a/app"
    $L2 "$T/main-$arch.o" "$E/dep-new.dylib" "$T/libSystem-$arch.dylib" -o "$E/b/app"
    cp "$E/a/app" "$E/x"
    if "$LCPATCH" change-dylib /old/libdep.dylib @rpath/libdep.dylib --in-place "$E/x" >/dev/null 2>&1 &&
        "$LCPATCH" sign --linker-signed --no-fsync -o "$E/got/app" "$E/x" >/dev/null &&
        cmp -s "$E/got/app" "$E/b/app"; then ok; else bad "$arch change-dylib + sign differs from ld64.lld's link"; fi
    # the editors re-sign by default: the same files without `sign`
    mkdir -p "$E/auto"
    if "$LCPATCH" set-id @rpath/libbar.dylib --no-fsync -o "$E/auto/libfoo.dylib" "$E/a/libfoo.dylib" >/dev/null 2>"$T/err" &&
        cmp -s "$E/auto/libfoo.dylib" "$E/b/libfoo.dylib" && ! [ -s "$T/err" ]; then ok; else bad "$arch set-id does not re-sign as ld64.lld links"; fi
    if "$LCPATCH" change-dylib /old/libdep.dylib @rpath/libdep.dylib --no-fsync -o "$E/auto/app" "$E/a/app" >/dev/null 2>&1 &&
        cmp -s "$E/auto/app" "$E/b/app"; then ok; else bad "$arch change-dylib does not re-sign as ld64.lld links"; fi
    if command -v python3 >/dev/null 2>&1; then
        "$LCPATCH" set-id @rpath/libbar.dylib --no-resign --no-fsync -o "$E/stale.dylib" "$E/a/libfoo.dylib" >/dev/null 2>"$T/err"
        if grep -q "re-sign it" "$T/err" && ! python3 $S/verify.py "$E/stale.dylib" 2>/dev/null; then ok; else bad "$arch set-id --no-resign: no warning, or a valid signature"; fi
    fi
    # set-sdk
    $L2 -dylib -install_name @rpath/libsdk.dylib "$T/lib.o" -o "$E/a/libsdk.dylib"
    ld64.lld-19 -arch $arch -platform_version macos 11.0 12.0 $sign -no_uuid -headerpad 0x100 -dylib \
        -install_name @rpath/libsdk.dylib "$T/lib.o" -o "$E/b/libsdk.dylib"
    cp "$E/a/libsdk.dylib" "$E/x"
    if "$LCPATCH" set-sdk --sdk 12.0 --in-place "$E/x" >/dev/null 2>&1 &&
        "$LCPATCH" sign --linker-signed --no-fsync -o "$E/got/libsdk.dylib" "$E/x" >/dev/null &&
        cmp -s "$E/got/libsdk.dylib" "$E/b/libsdk.dylib"; then ok; else bad "$arch set-sdk + sign differs from ld64.lld's link"; fi
    if "$LCPATCH" set-sdk --sdk 12.0 --no-fsync -o "$E/auto/libsdk.dylib" "$E/a/libsdk.dylib" >/dev/null 2>&1 &&
        cmp -s "$E/auto/libsdk.dylib" "$E/b/libsdk.dylib"; then ok; else bad "$arch set-sdk does not re-sign as ld64.lld links"; fi
    # vtool -set-build-version (Apple's dialect): it re-signs the linker's
    # signature as Xcode's vtool does, and keeps Apple's command order (the
    # new LC_BUILD_VERSION after the LC_CODE_SIGNATURE, where ld64.lld puts
    # it among the others), so the oracle is ld64.lld's link with the same
    # commands in vtool's order and the hashes of the pages they lie in
    # (same_but_commands.py, hashlib); the tool version is ld64.lld's own
    if command -v python3 >/dev/null 2>&1; then
        tv=$("$LCPATCH" vtool -show-build "$E/a/libsdk.dylib" | awk '$1 == "version" {print $2}')
        if "$LCPATCH" vtool -set-build-version macos 11.0 12.0 -tool lld "$tv" -output "$E/auto/vt.dylib" \
            "$E/a/libsdk.dylib" >/dev/null 2>"$T/err" && ! [ -s "$T/err" ] &&
            python3 $S/same_but_commands.py "$E/auto/vt.dylib" "$E/b/libsdk.dylib" &&
            python3 $S/verify.py "$E/auto/vt.dylib"; then ok; else bad "$arch vtool -set-build-version is not ld64.lld's link in vtool's order"; fi
    fi
    # The Apple dialect re-signs as Xcode's install_name_tool does (a
    # linker-signed slice is signed again, silently): -id and -change equal
    # ld64.lld's link of the edited inputs.
    cp "$E/a/libfoo.dylib" "$E/itool-id.dylib"
    if "$LCPATCH" install_name_tool -id @rpath/libbar.dylib "$E/itool-id.dylib" 2>"$T/err" &&
        cmp -s "$E/itool-id.dylib" "$E/b/libfoo.dylib" && ! [ -s "$T/err" ]; then ok; else bad "$arch install_name_tool -id does not re-sign as ld64.lld links"; fi
    cp "$E/a/app" "$E/itool-app"
    if "$LCPATCH" install_name_tool -change /old/libdep.dylib @rpath/libdep.dylib "$E/itool-app" 2>"$T/err" &&
        cmp -s "$E/itool-app" "$E/b/app" && ! [ -s "$T/err" ]; then ok; else bad "$arch install_name_tool -change does not re-sign as ld64.lld links"; fi
    # -add_rpath appends LC_RPATH after LC_CODE_SIGNATURE (Apple's order,
    # not ld64.lld's): its signature is checked by verify.py, and
    # -delete_rpath of it gives ld64.lld's file back byte for byte
    cp "$E/a/libfoo.dylib" "$E/itool-rp.dylib"
    if ! command -v python3 >/dev/null 2>&1; then
        echo "sign-oracle: python3 not installed: $arch install_name_tool -add_rpath check skipped"
        skip=$((skip + 1))
    elif "$LCPATCH" install_name_tool -add_rpath @loader_path/../lib "$E/itool-rp.dylib" 2>"$T/err" &&
        ! cmp -s "$E/itool-rp.dylib" "$E/a/libfoo.dylib" && python3 $S/verify.py "$E/itool-rp.dylib" && ! [ -s "$T/err" ] &&
        "$LCPATCH" install_name_tool -delete_rpath @loader_path/../lib "$E/itool-rp.dylib" &&
        cmp -s "$E/itool-rp.dylib" "$E/a/libfoo.dylib"; then
        ok
    else
        bad "$arch install_name_tool -add_rpath/-delete_rpath: not re-signed as ld64.lld signs"
    fi
    # add-rpath: LC_RPATH goes last, not where ld64.lld puts it: hashlib checks
    cp "$E/a/libfoo.dylib" "$E/x"
    if ! command -v python3 >/dev/null 2>&1; then
        echo "sign-oracle: python3 not installed: $arch add-rpath check skipped"
        skip=$((skip + 1))
    elif "$LCPATCH" add-rpath @loader_path/../lib --in-place "$E/x" >/dev/null 2>&1 && python3 $S/verify.py "$E/x"; then
        ok
    else
        bad "$arch add-rpath: the re-signed file's signature is not valid"
    fi
done

# the verifier itself must fail on a stale signature (an edit without re-signing)
if command -v python3 >/dev/null 2>&1; then
    cp "$T/edit-arm64/a/libfoo.dylib" "$T/stale"
    "$LCPATCH" set-id /somewhere/else.dylib --no-resign --in-place "$T/stale" >/dev/null 2>&1
    if python3 $S/verify.py "$T/stale" 2>/dev/null; then bad "verify.py accepts a stale signature"; else ok; fi
fi
echo "sign-oracle: $pass passed, $fail failed${skip:+, $skip skipped}"
[ $fail = 0 ]
