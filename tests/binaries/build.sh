#!/bin/sh
# build.sh: regenerate every fixture in tests/binaries/ from tests/binaries/src/.
#
# The outputs are committed, so tests never need a toolchain; rerun this only
# when a source or a recipe changes, then check that a second run gives the
# same bytes (the script is deterministic: no timestamps, no paths, fixed
# UUIDs in the hand-written YAML, content-derived UUIDs from ld64.lld).
#
# Needs LLVM 19 (clang, ld64.lld, yaml2obj, llvm-lipo, llvm-ar), POSIX sh,
# awk, od, dd and sha1sum. No SDK: src/*.tbd are hand-written text stubs.
# Override a tool with e.g. `CLANG=clang-19 ./build.sh`.
set -eu

CLANG=${CLANG:-clang-19}
LD64=${LD64:-ld64.lld-19}
YAML2OBJ=${YAML2OBJ:-yaml2obj-19}
LIPO=${LIPO:-llvm-lipo-19}
AR=${AR:-llvm-ar-19}

for tool in "$CLANG" "$LD64" "$YAML2OBJ" "$LIPO" "$AR" awk od dd sha1sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "build.sh: $tool not found" >&2; exit 1; }
done

cd "$(dirname "$0")"
SRC=src
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# No unwind tables and no debug info: smaller, and no build paths inside.
CFLAGS="-std=c11 -Os -Wall -Wextra -Werror -fno-asynchronous-unwind-tables -fno-unwind-tables"

die() { echo "build.sh: $*" >&2; exit 1; }

# hex2bin HEX: write the bytes spelled by a lowercase hex string. POSIX printf
# understands \ooo in its format, so awk turns each hex pair into one.
hex2bin() {
    printf "$(printf '%s' "$1" | awk -v h=0123456789abcdef '{
        for (i = 1; i <= length($0); i += 2)
            printf "\\%03o", (index(h, substr($0, i, 1)) - 1) * 16 + index(h, substr($0, i + 1, 1)) - 1
    }')"
}

be32() { printf '%08x' "$1"; }

# sha1hex FILE OFF LEN: SHA-1 of LEN bytes at OFF (both multiples of 16).
sha1hex() {
    dd if="$1" bs=16 skip=$(($2 / 16)) count=$(($3 / 16)) 2>/dev/null |
        sha1sum | cut -c1-40
}

# size_of FILE: its length in bytes.
size_of() { wc -c < "$1" | tr -d ' '; }

# sign_slice FILE DATAOFF DATASIZE IDENT: write an embedded-signature
# SuperBlob (magic 0xfade0cc0) at DATAOFF, the place the slice's
# LC_CODE_SIGNATURE already points to. It holds a version 0x20001 SHA-1
# CodeDirectory (ad hoc, identifier IDENT, 2 special slots, one code slot per
# 4096-byte page up to DATAOFF, with the real page hashes), an empty
# Requirements set and an empty CMS wrapper, like `codesign -s -` wrote in
# the 10.5 days. The hashes are real, but nothing here is meant to verify.
sign_slice() {
    f=$1 limit=$2 size=$3 ident=$4
    [ $((limit % 16)) -eq 0 ] || die "$f: dataoff $limit not 16-aligned"
    [ $((limit + size)) -eq "$(size_of "$f")" ] ||
        die "$f: the signature must be the last bytes of the slice"
    nslots=$(((limit + 4095) / 4096))
    identhex=$(printf '%s' "$ident" | od -An -v -tx1 | tr -d ' \n')00
    identlen=$((${#ident} + 1))
    req=fade0c01$(be32 12)$(be32 0)
    hex2bin "$req" > "$TMP/req"
    reqhash=$(sha1hex "$TMP/req" 0 16)  # 12 bytes: dd reads a short block
    codehashes= off=0
    while [ "$off" -lt "$limit" ]; do
        n=$((limit - off)); [ "$n" -le 4096 ] || n=4096
        codehashes=$codehashes$(sha1hex "$f" "$off" "$n")
        off=$((off + 4096))
    done
    cdlen=$((44 + identlen + 2 * 20 + nslots * 20))
    cdir=fade0c02$(be32 $cdlen)$(be32 0x20001)$(be32 2)  # magic length version flags=adhoc
    cdir=$cdir$(be32 $((44 + identlen + 40)))$(be32 44)    # hashOffset identOffset
    cdir=$cdir$(be32 2)$(be32 $nslots)$(be32 "$limit")    # nSpecialSlots nCodeSlots codeLimit
    cdir=$cdir'1401000c'$(be32 0)                          # hashSize=20 SHA-1 platform=0 2^12, spare2
    cdir=$cdir$identhex$reqhash$(printf '%040d' 0)$codehashes  # slot -2 (requirements), -1 (Info.plist: none), code
    total=$((12 + 3 * 8 + cdlen + 12 + 8))
    [ "$total" -le "$size" ] || die "$f: signature ($total bytes) exceeds datasize $size"
    sb=fade0cc0$(be32 $total)$(be32 3)
    sb=$sb$(be32 0)$(be32 36)                          # CSSLOT_CODEDIRECTORY
    sb=$sb$(be32 2)$(be32 $((36 + cdlen)))             # CSSLOT_REQUIREMENTS
    sb=$sb$(be32 0x10000)$(be32 $((36 + cdlen + 12)))  # CSSLOT_SIGNATURESLOT
    sb=$sb$cdir$req'fade0b01'$(be32 8)
    hex2bin "$sb" > "$TMP/sig"
    dd if="$TMP/sig" of="$f" bs=16 seek=$((limit / 16)) conv=notrunc 2>/dev/null
}

compile() { # compile TARGET SRC OUT
    $CLANG -target "$1" $CFLAGS -c "$2" -o "$3"
}

# --- libdemo-arm64.dylib -----------------------------------------------------
# Modern arm64 dylib: LC_ID_DYLIB @rpath/libdemo.dylib, LC_BUILD_VERSION macos
# 11.0/11.0, a weak load (LC_LOAD_WEAK_DYLIB @rpath/libweak.dylib) and a
# re-export (LC_REEXPORT_DYLIB /usr/lib/libz.1.dylib; ld64.lld 19 also writes
# a plain LC_LOAD_DYLIB for it, a known lld quirk kept on purpose). ld64.lld
# signs arm64 ad hoc (identifier = output file name). The x86_64 build of the
# same library (macos 10.14/11.0) is not a fixture by itself: it is a slice
# of fat64.dylib and the library that hello-x86_64 links against.
for t in x86_64:10.14 arm64:11.0; do
    arch=${t%%:*} min=${t#*:}
    compile $arch-apple-macos$min $SRC/demo.c "$TMP/demo-$arch.o"
    $LD64 -arch $arch -dylib -platform_version macos "$min" 11.0 \
        -install_name @rpath/libdemo.dylib \
        -current_version 1.2.3 -compatibility_version 1.0.0 \
        -o "$TMP/libdemo-$arch.dylib" "$TMP/demo-$arch.o" $SRC/libSystem.tbd \
        -weak_library $SRC/libweak.tbd -reexport_library $SRC/libz.tbd
done
cp "$TMP/libdemo-arm64.dylib" libdemo-arm64.dylib

# --- fat64.dylib ---------------------------------------------------------------
# FAT_MAGIC_64 (0xcafebabf) container with the x86_64 and arm64 libdemo
# slices: fat_arch_64 entries with 64-bit offsets and sizes.
$LIPO -create -fat64 "$TMP/libdemo-x86_64.dylib" "$TMP/libdemo-arm64.dylib" \
    -output fat64.dylib

# --- hello-x86_64 ----------------------------------------------------------------
# Thin x86_64 executable with LC_BUILD_VERSION macos 10.14/10.15, an LC_RPATH
# @executable_path/../lib and an LC_LOAD_DYLIB @rpath/libdemo.dylib, resolved
# only where a lib/libdemo.dylib sits next to the executable's folder (audit
# tests: dangling on its own). 0x100 bytes of -headerpad so edits that grow
# the load commands fit. (ld64.lld writes LC_VERSION_MIN_MACOSX instead of
# LC_BUILD_VERSION below 10.14, hence 10.14 and not 10.13.)
# Linking against the real libdemo needs its re-export found: a tiny
# syslibroot with usr/lib/libz.1.tbd.
mkdir -p "$TMP/sdk/usr/lib"
cp $SRC/libz.tbd "$TMP/sdk/usr/lib/libz.1.tbd"
compile x86_64-apple-macos10.14 $SRC/hello.c "$TMP/hello.o"
$LD64 -arch x86_64 -platform_version macos 10.14 10.15 -headerpad 0x100 \
    -syslibroot "$TMP/sdk" \
    -rpath @executable_path/../lib \
    -o hello-x86_64 "$TMP/hello.o" $SRC/libSystem.tbd "$TMP/libdemo-x86_64.dylib"

# --- libold-x86_64.dylib -----------------------------------------------------------
# x86_64 dylib with the legacy LC_VERSION_MIN_MACOSX 10.6 (sdk 10.6) that
# ld64.lld writes for deployment targets below 10.14.
compile x86_64-apple-macos10.6 $SRC/old.c "$TMP/old.o"
$LD64 -arch x86_64 -dylib -platform_version macos 10.6 10.6 \
    -install_name /usr/local/lib/libold.1.dylib \
    -current_version 1.0.0 -compatibility_version 1.0.0 \
    -o libold-x86_64.dylib "$TMP/old.o" $SRC/libSystem.tbd

# --- truncated.dylib -----------------------------------------------------------------
# libold-x86_64.dylib cut to its first 200 bytes: the header promises more
# load commands than the file holds, and the cut falls inside load command 1
# (the __LINKEDIT LC_SEGMENT_64, bytes 184..255). Parsers must refuse it.
dd if=libold-x86_64.dylib of=truncated.dylib bs=200 count=1 2>/dev/null

# --- signed-arm64 --------------------------------------------------------------------
# Thin arm64 executable with ld64.lld's ad hoc signature: LC_CODE_SIGNATURE
# whose data are the last bytes of __LINKEDIT and of the file (unsign tests).
compile arm64-apple-macos11.0 $SRC/signed.c "$TMP/signed.o"
$LD64 -arch arm64 -platform_version macos 11.0 11.0 \
    -o signed-arm64 "$TMP/signed.o" $SRC/libSystem.tbd

# --- libstatic.a, fat-archive.a ----------------------------------------------------------
# A BSD (darwin) archive with a __.SYMDEF symbol table and two x86_64 object
# members; llvm-ar stores every darwin member name as "#1/<len>", one of the
# names is longer than 16 characters. fat-archive.a is a fat file whose
# slices are archives (x86_64 + arm64), as lipo makes for static libraries.
for t in x86_64:x86_64-apple-macos10.13 arm64:arm64-apple-macos11.0; do
    arch=${t%%:*}
    mkdir "$TMP/ar-$arch"
    compile "${t#*:}" $SRC/short.c "$TMP/ar-$arch/short.o"
    compile "${t#*:}" $SRC/member_with_a_long_name.c "$TMP/ar-$arch/member_with_a_long_name.o"
    (cd "$TMP/ar-$arch" && $AR --format=darwin -rcsD lib.a short.o member_with_a_long_name.o)
done
cp "$TMP/ar-x86_64/lib.a" libstatic.a
$LIPO -create "$TMP/ar-x86_64/lib.a" "$TMP/ar-arm64/lib.a" -output fat-archive.a

# --- hello-i386, hello-ppc, hello-ppc64 ----------------------------------------------------
# 10.4-era thin executables (no linker for these any more, so hand-written
# YAML): LC_VERSION_MIN_MACOSX 10.4 sdk 10.5, __text at 0xf00 (known header
# padding), LC_UNIXTHREAD, LC_LOAD_DYLIB /usr/lib/libSystem.B.dylib,
# __LINKEDIT. i386 is little-endian; ppc (ppc7400) and ppc64 are big-endian.
for arch in i386 ppc ppc64; do
    $YAML2OBJ $SRC/hello-$arch.yaml -o hello-$arch
done

# --- thumb-armv7, thumb-armv7-unixthread (disasm --entry on Thumb code) ---------------------
# iOS 9 armv7 executables whose entry is Thumb code (low bit of LC_MAIN's
# entryoff, or of LC_UNIXTHREAD's pc, set), hand-written YAML because clang-19
# and ld64.lld-19 here have no 32-bit ARM target. The second has no symbols.
for t in thumb-armv7 thumb-armv7-unixthread; do
    $YAML2OBJ $SRC/$t.yaml -o $t
done

# --- legacy-fat.dylib ------------------------------------------------------------------------
# THE demo fixture: the 2009 vendor library. FAT_MAGIC ppc7400 + i386 +
# x86_64 dylib, slices aligned to 2^12, each with LC_ID_DYLIB
# /usr/local/lib/libDodo.1.dylib, LC_VERSION_MIN_MACOSX 10.5 sdk 10.5 and an
# LC_CODE_SIGNATURE whose blob (dataoff 0x1020, 16-aligned) ends __LINKEDIT
# and the slice. yaml2obj writes each slice with zeros where the signature
# goes; sign_slice fills it in; llvm-lipo joins the slices in this order.
for arch in ppc i386 x86_64; do
    $YAML2OBJ $SRC/dodo-$arch.yaml -o "$TMP/dodo-$arch"
    sign_slice "$TMP/dodo-$arch" 4128 192 libDodo.1
done
$LIPO -create "$TMP/dodo-ppc" "$TMP/dodo-i386" "$TMP/dodo-x86_64" \
    -output legacy-fat.dylib

# --- nospace.dylib -----------------------------------------------------------------------------
# x86_64 dylib whose __text starts right after the load commands (0 bytes of
# header padding): every edit that grows the load commands must fail.
$YAML2OBJ $SRC/nospace.yaml -o nospace.dylib

# --- not-macho.class -----------------------------------------------------------------------------
# A complete, minimal Java class file (public class Dodo extends Object, no
# members). It starts with 0xCAFEBABE like FAT_MAGIC, and the class file
# version (minor 0, major 0x34 = 52, Java 8) sits where nfat_arch would be:
# "52 architectures" that cannot fit in 56 bytes. Parsers must say "not
# Mach-O" (Apple's tools treat nfat_arch >= 43 under 0xCAFEBABE as Java).
cls=cafebabe00000034                     # magic, minor 0, major 52
cls=${cls}0005                            # constant_pool_count (4 entries)
cls=${cls}070002                          # #1 Class name=#2
cls=${cls}010004$(printf Dodo | od -An -v -tx1 | tr -d ' \n')             # #2 Utf8
cls=${cls}070004                          # #3 Class name=#4
cls=${cls}010010$(printf java/lang/Object | od -An -v -tx1 | tr -d ' \n') # #4 Utf8
cls=${cls}0021                            # ACC_PUBLIC | ACC_SUPER
cls=${cls}00010003                        # this_class #1, super_class #3
cls=${cls}0000000000000000                # no interfaces, fields, methods, attributes
hex2bin "$cls" > not-macho.class

# --- calls-x86_64, calls-arm64 (disasm and symbols tests) ---------------------------
# Thin executables with known calls: _dlopen and _puts through __stubs (and
# their __la_symbol_ptr / __got slots in the indirect symbol table), a local
# call to _twice, a read of _counter, literal C strings. libSystem-calls.tbd
# exports the two imports. x86_64 targets 10.13 (LC_VERSION_MIN_MACOSX).
for t in x86_64:10.13 arm64:11.0; do
    arch=${t%%:*} min=${t#*:}
    compile $arch-apple-macos$min $SRC/calls.c "$TMP/calls-$arch.o"
    $LD64 -arch $arch -platform_version macos "$min" "$min" \
        -o calls-$arch "$TMP/calls-$arch.o" $SRC/libSystem-calls.tbd
    chmod 755 calls-$arch
done

chmod 644 libstatic.a fat-archive.a not-macho.class truncated.dylib nospace.dylib
chmod 755 hello-x86_64 hello-i386 hello-ppc hello-ppc64 signed-arm64 thumb-armv7 thumb-armv7-unixthread \
    libdemo-arm64.dylib libold-x86_64.dylib fat64.dylib legacy-fat.dylib
# --- audit/ ---------------------------------------------------------------------------------------
# The bundles and dlopen fixtures of `lcpatch audit` (their own recipe and sources).
sh audit/build.sh

echo "build.sh: fixtures rebuilt in $(pwd)"
