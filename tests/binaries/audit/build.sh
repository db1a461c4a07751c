#!/bin/sh
# build.sh: regenerate the audit fixtures (tests/binaries/audit/) from src/.
# Called by ../build.sh; the outputs are committed. Deterministic: no
# timestamps, no build paths (ld64.lld derives UUIDs from the content).
#
# Needs clang-19, ld64.lld-19, llvm-lipo-19, python3 (plistlib, for the
# binary Info.plist), ln, POSIX sh. No SDK: src/*.tbd are hand-written stubs.
#
# Demo.app (every rule of `lcpatch audit`):
#   Contents/Info.plist            XML, CFBundleExecutable = Demo
#   Contents/MacOS/Demo            x86_64 executable:
#       LC_RPATH @executable_path/../Frameworks      used (good chain)
#       LC_RPATH @executable_path/../Frameworks      duplicate-rpath
#       LC_RPATH /Users/builder/build/lib            rpath-outside-bundle, unused-rpath
#       LC_RPATH @loader_path/../Unused              unused-rpath
#       /usr/lib/libSystem.B.dylib                   system library: fine
#       @rpath/Good.framework/Versions/A/Good        resolves through the rpath
#       /usr/local/lib/libabs.dylib                  dangling (ld64.lld copies libabs's absolute
#                                                    id; the hint names the bundled file with that id)
#       @rpath/libmissing.dylib (weak)               missing-weak
#       /usr/local/lib/libfoo.dylib                  dangling (outside-bundle with --sysroot sysroot)
#       dlopen/NSAddImage of three literal paths     (--dlopen)
#   Contents/Frameworks/Good.framework/{Good,Versions/Current} symlinks, Versions/A/Good:
#       @rpath/libhelper.dylib: only the executable's LC_RPATH finds it
#   Contents/Frameworks/libhelper.dylib: @rpath/libbroken.dylib: dangling,
#       once per failing chain (Demo -> Good -> libhelper, and tool -> libhelper;
#       the plugin's dlopen reuses the libhelper Demo already loaded)
#   Contents/Frameworks/libabs.dylib: LC_ID_DYLIB /usr/local/lib/libabs.dylib: absolute-id
#   Contents/Frameworks/Loop1 -> Loop2 -> Loop1: a symlink cycle
#   Contents/PlugIns/Plugin.bundle/Contents/MacOS/Plugin (MH_BUNDLE):
#       LC_RPATH /opt/homebrew/lib                   rpath-outside-bundle, unused-rpath
#       @rpath/libhelper.dylib                       resolves through Demo's rpath (dlopen chain)
#       @loader_path/../../../../Frameworks/Loop1/libloop.dylib   dangling (symlink loop)
#       libbare.dylib                                relative-path
#       @loader_path/../../../../../../libout.dylib  outside-bundle (../libout.dylib exists)
#   Contents/Resources/tool: an x86_64 executable with no extension (its own
#       main executable): @executable_path/libnothere.dylib: dangling;
#       @executable_path/../Frameworks/libhelper.dylib: resolves
#   Contents/Resources/fake.dylib: text named like a library: not Mach-O
# libout.dylib                     next to Demo.app, outside it
# sysroot/usr/local/lib/libfoo.dylib   for --sysroot
# Bin.app: binary Info.plist naming Contents/MacOS/Real among two executables;
#   its plugin's @rpath/libdep.dylib resolves only through Real's LC_RPATH.
# dlopen-x86_64, dlopen-arm64 (adr), dlopen-arm64-O0 (adrp+add): dlopen()-style
#   calls with literal paths (src/dlopen.c); dlopen-i386: the same, linked by
#   src/link-i386.py (PIC base + offset, stack arguments).
# cfbundle-x86_64, cfbundle-arm64 (macOS 13: chained fixups), cfbundle-i386:
#   CFBundleCreate/CFPlugInCreate of CFURLs made from constant CFStrings and
#   C strings (src/cfbundle.c, src/CoreFoundation.tbd);
#   sysroot/Library/Audio/Plug-Ins/Old.component is the one that exists.
# wrapper-x86_64, wrapper-arm64: dlopen through the program's own functions
#   (src/wrapper.c: load_plugin(mode, path) -> dlopen, load_named(path) ->
#   load_plugin, a tail call); wrapper-stripped-x86_64, wrapper-stripped-arm64:
#   the same stripped with llvm-strip-19 (no symbol names the wrappers: only
#   LC_FUNCTION_STARTS says where functions start).
set -eu

CLANG=${CLANG:-clang-19}
LD64=${LD64:-ld64.lld-19}
PYTHON=${PYTHON:-python3}
STRIP=${STRIP:-llvm-strip-19}
for tool in "$CLANG" "$LD64" "$PYTHON" "$STRIP"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "audit/build.sh: $tool not found" >&2; exit 1; }
done

cd "$(dirname "$0")"
SRC=src
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
CFLAGS="-std=c11 -Os -Wall -Wextra -Werror -fno-asynchronous-unwind-tables -fno-unwind-tables"
PV="-platform_version macos 10.15 11.0"

cc() { $CLANG -target x86_64-apple-macos10.15 $CFLAGS -c "$1" -o "$2"; }
dylib() { # dylib OUT INSTALL_NAME OBJ [more ld args]
    out=$1 name=$2 obj=$3
    shift 3
    $LD64 -arch x86_64 -dylib $PV -install_name "$name" -o "$out" "$obj" $SRC/libSystem.tbd "$@"
}

rm -rf Demo.app Bin.app sysroot libout.dylib dlopen-x86_64 dlopen-arm64 dlopen-arm64-O0 dlopen-i386 cfbundle-* wrapper-*
for s in demo good helper abs plugin out tool dep binplugin; do
    cc $SRC/$s.c "$TMP/$s.o"
done

A=Demo.app/Contents
mkdir -p $A/MacOS $A/Frameworks/Good.framework/Versions/A $A/PlugIns/Plugin.bundle/Contents/MacOS $A/Resources
cat > $A/Info.plist <<'PLIST'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleIdentifier</key>
	<string>org.lcpatch.demo</string>
	<key>CFBundleExecutable</key>
	<!-- the main executable, in Contents/MacOS -->
	<string>Demo</string>
</dict>
</plist>
PLIST

dylib $A/Frameworks/libhelper.dylib @rpath/libhelper.dylib "$TMP/helper.o" $SRC/broken.tbd
dylib $A/Frameworks/libabs.dylib /usr/local/lib/libabs.dylib "$TMP/abs.o"
dylib $A/Frameworks/Good.framework/Versions/A/Good @rpath/Good.framework/Versions/A/Good "$TMP/good.o" \
    $A/Frameworks/libhelper.dylib
ln -s A $A/Frameworks/Good.framework/Versions/Current
ln -s Versions/Current/Good $A/Frameworks/Good.framework/Good
ln -s Loop2 $A/Frameworks/Loop1
ln -s Loop1 $A/Frameworks/Loop2

dylib libout.dylib @loader_path/../../../../../../libout.dylib "$TMP/out.o"
$LD64 -arch x86_64 -bundle $PV -rpath /opt/homebrew/lib \
    -o $A/PlugIns/Plugin.bundle/Contents/MacOS/Plugin "$TMP/plugin.o" $SRC/libSystem.tbd \
    $A/Frameworks/libhelper.dylib $SRC/loop.tbd $SRC/bare.tbd libout.dylib

$LD64 -arch x86_64 $PV \
    -rpath @executable_path/../Frameworks -rpath @executable_path/../FrameworkX \
    -rpath /Users/builder/build/lib -rpath @loader_path/../Unused \
    -o $A/MacOS/Demo "$TMP/demo.o" $SRC/libSystem.tbd \
    $A/Frameworks/Good.framework/Versions/A/Good $A/Frameworks/libabs.dylib \
    -weak_library $SRC/missing.tbd $SRC/foo.tbd
# ld64.lld drops a repeated -rpath, so the duplicate is made by patching the
# placeholder's last byte (x86_64 output is not signed: nothing to redo).
off=$(grep -obUa '@executable_path/../FrameworkX' $A/MacOS/Demo | cut -d: -f1)
[ -n "$off" ] || { echo "audit/build.sh: rpath placeholder not found" >&2; exit 1; }
printf s | dd of=$A/MacOS/Demo bs=1 seek=$((off + 29)) conv=notrunc 2>/dev/null

$LD64 -arch x86_64 $PV -o $A/Resources/tool "$TMP/tool.o" $SRC/libSystem.tbd $SRC/nothere.tbd \
    $SRC/helperpath.tbd
printf 'not a library, whatever the name says\n' > $A/Resources/fake.dylib

mkdir -p sysroot/usr/local/lib
cp libout.dylib sysroot/usr/local/lib/libfoo.dylib
mkdir -p sysroot/Library/Audio/Plug-Ins/Old.component/Contents
cat > sysroot/Library/Audio/Plug-Ins/Old.component/Contents/Info.plist <<'PLIST'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleIdentifier</key>
	<string>org.lcpatch.old-component</string>
</dict>
</plist>
PLIST

# Bin.app: binary Info.plist; two executables, so only the plist can tell.
B=Bin.app/Contents
mkdir -p $B/MacOS $B/Frameworks $B/PlugIns/P.bundle/Contents/MacOS
$PYTHON -c 'import plistlib,sys; sys.stdout.buffer.write(plistlib.dumps({"CFBundleExecutable": "Real", "CFBundleIdentifier": "org.lcpatch.bin"}, fmt=plistlib.FMT_BINARY, sort_keys=True))' > $B/Info.plist
dylib $B/Frameworks/libdep.dylib @rpath/libdep.dylib "$TMP/dep.o"
$LD64 -arch x86_64 $PV -rpath @executable_path/../Frameworks -o $B/MacOS/Real "$TMP/tool.o" $SRC/libSystem.tbd
$LD64 -arch x86_64 $PV -o $B/MacOS/Decoy "$TMP/tool.o" $SRC/libSystem.tbd
$LD64 -arch x86_64 -bundle $PV -o $B/PlugIns/P.bundle/Contents/MacOS/P "$TMP/binplugin.o" $SRC/libSystem.tbd \
    $B/Frameworks/libdep.dylib

# dlopen fixtures
for t in x86_64:10.15 arm64:11.0; do
    arch=${t%%:*} min=${t#*:}
    $CLANG -target $arch-apple-macos$min $CFLAGS -c $SRC/dlopen.c -o "$TMP/dlopen-$arch.o"
    $LD64 -arch $arch -platform_version macos "$min" 11.0 -o dlopen-$arch "$TMP/dlopen-$arch.o" $SRC/libSystem.tbd
done
# -O0 keeps adrp+add (at -Os ld64.lld turns them into adr+nop through LOH hints)
$CLANG -target arm64-apple-macos11.0 ${CFLAGS%%-Os*} -O0 ${CFLAGS#*-Os} -c $SRC/dlopen.c -o "$TMP/dlopen-O0.o"
$LD64 -arch arm64 -platform_version macos 11.0 11.0 -o dlopen-arm64-O0 "$TMP/dlopen-O0.o" $SRC/libSystem.tbd
# i386: ld64.lld cannot link it, so src/link-i386.py lays the clang-19 object
# out as the 10.7-era ld64 did (__symbol_stub + __la_symbol_ptr, PIC base).
$CLANG -target i386-apple-macos10.7 $CFLAGS -c $SRC/dlopen.c -o "$TMP/dlopen-i386.o"
$PYTHON $SRC/link-i386.py "$TMP/dlopen-i386.o" dlopen-i386
chmod 755 dlopen-i386

# CFBundleCreate fixtures; arm64 for macOS 13, where ld64.lld writes chained
# fixups (the CFString's chars pointer is a DYLD_CHAINED_PTR_64 rebase).
for t in x86_64:10.15 arm64:13.0; do
    arch=${t%%:*} min=${t#*:}
    $CLANG -target $arch-apple-macos$min $CFLAGS -c $SRC/cfbundle.c -o "$TMP/cfbundle-$arch.o"
    $LD64 -arch $arch -platform_version macos "$min" "$min" -o cfbundle-$arch "$TMP/cfbundle-$arch.o" \
        $SRC/libSystem.tbd $SRC/CoreFoundation.tbd
done
for t in x86_64:10.15 arm64:11.0; do
    arch=${t%%:*} min=${t#*:}
    $CLANG -target $arch-apple-macos$min $CFLAGS -c $SRC/wrapper.c -o "$TMP/wrapper-$arch.o"
    $LD64 -arch $arch -platform_version macos "$min" 11.0 -o wrapper-$arch "$TMP/wrapper-$arch.o" $SRC/libSystem.tbd
    $STRIP -o wrapper-stripped-$arch wrapper-$arch
done
$CLANG -target i386-apple-macos10.7 $CFLAGS -c $SRC/cfbundle.c -o "$TMP/cfbundle-i386.o"
$PYTHON $SRC/link-i386.py "$TMP/cfbundle-i386.o" cfbundle-i386
chmod 755 cfbundle-i386
echo "audit/build.sh: fixtures rebuilt in $(pwd)"
