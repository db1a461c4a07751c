#!/bin/sh
# `lcpatch sign --adhoc` (what `codesign -s -` writes):
#   1. the corpus oracle: the shared corpus's file signed ad hoc by codesign
#      (an iOS-simulator app's main executable, with entitlements), unsigned
#      then signed --adhoc with its identifier and entitlements, equals the
#      original byte for byte but for the 64 bytes of its Info.plist and
#      resource-seal slot hashes (they hash files of its bundle, which the
#      corpus does not have; summary.py oracle checks exactly that);
#   2. fixtures linked here with clang-19 + ld64.lld-19 (arm64 and x86_64
#      executables and dylibs, an old deployment target): every output is
#      valid for `lcpatch verify`, with the CodeDirectories, flags, slots,
#      identifier and exec-segment flags codesign writes;
#   3. a flipped byte in a signed page makes verify fail;
#   4. --entitlements (XML + DER for executables, implied exec flags),
#      --options runtime, re-signing in place gives the same bytes, and a
#      failing --in-place leaves the input as it was and no temporary file.
# Prints "N passed, N failed[, N skipped]".
cd "$(dirname "$0")/../.." || exit 3
: "${LCPATCH:=./lcpatch}"
LCPATCH=$(cd "$(dirname "$LCPATCH")" && pwd)/$(basename "$LCPATCH")
S=tests/sign-adhoc
pass=0 fail=0 skip=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL sign-adhoc: $*"; fail=$((fail + 1)); }
sum() { python3 $S/summary.py summary "$LCPATCH" "$1"; }
valid() { "$LCPATCH" verify "$1" >"$T/v.out" 2>&1; }

if ! command -v python3 >/dev/null 2>&1; then
    echo "sign-adhoc: python3 not installed: every case skipped"
    echo "sign-adhoc: 0 passed, 0 failed, 1 skipped"
    exit 0
fi

# 1. the corpus oracle
corpus=${LCP_SHARED:-$(pwd)/../shared}/corpus/files
f=$corpus/arm64-thin-execute-iossim-signed-rpath.radare2
if [ -f "$f" ]; then
    python3 $S/summary.py entitlements "$f" >"$T/ent.plist"
    if "$LCPATCH" unsign --no-fsync -o "$T/u" "$f" >/dev/null &&
        "$LCPATCH" sign --adhoc --identifier com.pancake.PasswordCheck --entitlements "$T/ent.plist" \
            --no-fsync -o "$T/oracle" "$T/u" >/dev/null &&
        python3 $S/summary.py oracle "$T/oracle" "$f" >"$T/o.out"; then ok; else
        bad "corpus oracle: $(cat "$T/o.out" 2>/dev/null)"
    fi
    grep -q "^64 bytes differ, 0 outside" "$T/o.out" && ok || bad "corpus oracle: not exactly the two bundle slots differ: $(cat "$T/o.out")"
    valid "$T/oracle" && ok || bad "corpus oracle output is not valid: $(cat "$T/v.out")"
    # signing the signed original again (no unsign) gives the same bytes:
    # codesign_allocate replaces the signature where it is
    "$LCPATCH" sign --adhoc --identifier com.pancake.PasswordCheck --entitlements "$T/ent.plist" --no-fsync \
        -o "$T/oracle2" "$f" >/dev/null && cmp -s "$T/oracle" "$T/oracle2" && ok ||
        bad "corpus: signing the signed file differs from signing the unsigned one"
    # every corpus file (malformed ones included) is signed into a file
    # verify calls valid, or refused with exit 3 and a message
    for c in "$corpus"/*; do
        "$LCPATCH" sign --adhoc --no-fsync -o "$T/c.out" "$c" >/dev/null 2>"$T/c.err"
        rc=$?
        if [ $rc = 0 ]; then
            valid "$T/c.out" && ok || bad "corpus $(basename "$c"): signed but not valid: $(head -3 "$T/v.out")"
        else
            [ $rc = 3 ] && [ -s "$T/c.err" ] && ! grep -qE 'Sanitizer|runtime error' "$T/c.err" && ok ||
                bad "corpus $(basename "$c"): exit $rc: $(head -c 300 "$T/c.err")"
        fi
        rm -f "$T/c.out"
    done
else
    echo "sign-adhoc: no shared corpus: corpus oracle skipped"
    skip=$((skip + 1))
fi

# rescue --adhoc: the rescued file signed as codesign -s - would sign it
# (legacy-fat.dylib: x86_64 kept, deployment target 10.5: SHA-1 + SHA-256)
if "$LCPATCH" rescue --adhoc --no-fsync -o "$T/rescued.dylib" tests/binaries/legacy-fat.dylib >/dev/null &&
    valid "$T/rescued.dylib" && sum "$T/rescued.dylib" >"$T/s" && grep -qx "kind=adhoc" "$T/s" &&
    [ "$(grep -c '^cd=' "$T/s")" = 2 ] && grep -qE "^ident=rescued-[0-9a-f]{40}$" "$T/s"; then ok; else
    bad "rescue --adhoc: $(cat "$T/s" "$T/v.out" 2>/dev/null)"
fi
# the same rescue without --adhoc, then sign --adhoc: the same bytes
"$LCPATCH" rescue --no-fsync -o "$T/plain.dylib" tests/binaries/legacy-fat.dylib >/dev/null &&
    "$LCPATCH" sign --adhoc --identifier "$(sed -n 's/^ident=//p' "$T/s" | head -1)" --no-fsync -o "$T/signed.dylib" \
        "$T/plain.dylib" >/dev/null && cmp -s "$T/signed.dylib" "$T/rescued.dylib" && ok ||
    bad "rescue --adhoc differs from rescue then sign --adhoc"
"$LCPATCH" rescue --adhoc --dry-run tests/binaries/legacy-fat.dylib >/dev/null && ok || bad "rescue --adhoc --dry-run failed"
# a static archive is rescued and left unsigned (it is linked, not signed)
"$LCPATCH" rescue --no-fsync -o "$T/plain.a" tests/binaries/fat-archive.a >/dev/null 2>&1
"$LCPATCH" rescue --adhoc --no-fsync -o "$T/adhoc.a" tests/binaries/fat-archive.a >/dev/null 2>"$T/err"
[ $? -le 1 ] && cmp -s "$T/plain.a" "$T/adhoc.a" && ok || bad "rescue --adhoc on an archive: $(cat "$T/err")"

for tool in clang-19 ld64.lld-19; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "sign-adhoc: $tool not installed: fixture cases skipped (apt-get install clang-19 lld-19)"
        echo "sign-adhoc: $pass passed, $fail failed, $((skip + 1)) skipped"
        [ $fail = 0 ]
        exit
    fi
done

O=tests/sign-oracle/src
cat >"$T/ent.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>get-task-allow</key>
	<true/>
	<key>com.apple.security.cs.allow-jit</key>
	<true/>
	<key>com.apple.application-identifier</key>
	<string>TEAM.com.example.app</string>
	<key>keychain-access-groups</key>
	<array><string>a</string><string>b</string></array>
</dict>
</plist>
XML
for arch in arm64 x86_64; do
    CC="clang-19 -target $arch-apple-macos11 -O1"
    LD="ld64.lld-19 -arch $arch -platform_version macos 11.0 12.0"
    $CC -c $O/main.c -o "$T/main.o" && $CC -c $O/sys.c -o "$T/sys.o" && $CC -DPAD=9000 -c $O/lib.c -o "$T/lib.o" ||
        { bad "$arch: compile"; continue; }
    $LD -dylib -install_name /usr/lib/libSystem.B.dylib "$T/sys.o" -o "$T/libSystem.dylib" &&
        $LD -dylib -install_name @rpath/libfoo.1.2.dylib "$T/lib.o" -o "$T/libfoo.1.2.dylib" &&
        $LD "$T/main.o" "$T/libfoo.1.2.dylib" "$T/libSystem.dylib" -o "$T/app" &&
        ld64.lld-19 -arch $arch -platform_version macos 10.9 10.9 "$T/main.o" "$T/libfoo.1.2.dylib" \
            "$T/libSystem.dylib" -o "$T/oldapp" 2>/dev/null || { bad "$arch: link"; continue; }
    D="$T/$arch"
    mkdir -p "$D"
    # 2. a plain executable: one SHA-256 CodeDirectory 0x20400, adhoc,
    # requirements only, main-binary; identifier = name + -UUID hex
    if "$LCPATCH" sign --adhoc --no-fsync -o "$D/app" "$T/app" >/dev/null && valid "$D/app"; then ok; else
        bad "$arch app: not signed or not valid: $(cat "$T/v.out")"
    fi
    sum "$D/app" >"$T/s"
    grep -qx "cd=sha256:0x20400:0x2:2" "$T/s" && grep -qx "blobs=0,2,65536" "$T/s" && grep -qx "execflags=0x1" "$T/s" &&
        grep -qx "kind=adhoc" "$T/s" && ok || bad "$arch app: not codesign's plain ad-hoc signature: $(cat "$T/s")"
    grep -qE "^ident=app-55554944[0-9a-f]{32}$" "$T/s" && ok || bad "$arch app: default identifier: $(grep ident "$T/s")"
    # a dylib: canonical name (libfoo.1.2.dylib -> libfoo.1, has a dot: no suffix), exec flags 0
    "$LCPATCH" sign --adhoc --no-fsync -o "$D/libfoo.1.2.dylib" "$T/libfoo.1.2.dylib" >/dev/null && valid "$D/libfoo.1.2.dylib" &&
        sum "$D/libfoo.1.2.dylib" >"$T/s" && grep -qx "ident=libfoo.1" "$T/s" && grep -qx "execflags=0x0" "$T/s" && ok ||
        bad "$arch dylib: $(cat "$T/s" "$T/v.out")"
    # an old deployment target (macOS 10.9): SHA-1 CodeDirectory first, SHA-256 as the alternate
    "$LCPATCH" sign --adhoc --no-fsync -o "$D/oldapp" "$T/oldapp" >/dev/null && valid "$D/oldapp" &&
        sum "$D/oldapp" >"$T/s" && grep -qx "blobs=0,2,4096,65536" "$T/s" &&
        [ "$(grep '^cd=' "$T/s" | tr '\n' ' ')" = "cd=sha1:0x20400:0x2:2 cd=sha256:0x20400:0x2:2 " ] && ok ||
        bad "$arch old target: not SHA-1 + SHA-256: $(cat "$T/s" "$T/v.out")"
    # 3. a flipped byte in a signed page (page 1: the code) fails verify
    cp "$D/app" "$T/flip"
    python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[4100]^=1; open(sys.argv[1],'wb').write(b)" "$T/flip"
    if valid "$T/flip"; then bad "$arch: verify accepts a flipped page byte"; else ok; fi
    # 4. entitlements: XML + DER (sorted keys), get-task-allow -> allow-unsigned
    "$LCPATCH" sign --adhoc --entitlements "$T/ent.xml" --identifier com.example.app --no-fsync -o "$D/ent" "$T/app" >/dev/null &&
        valid "$D/ent" && sum "$D/ent" >"$T/s" && grep -qx "blobs=0,2,5,7,65536" "$T/s" &&
        grep -qx "cd=sha256:0x20400:0x2:7" "$T/s" && grep -qx "execflags=0x11" "$T/s" &&
        grep -qx "der=com.apple.application-identifier,com.apple.security.cs.allow-jit,get-task-allow,keychain-access-groups" "$T/s" &&
        ok || bad "$arch entitlements: $(cat "$T/s" "$T/v.out")"
    # a dylib gets the XML entitlements but no DER
    "$LCPATCH" sign --adhoc --entitlements "$T/ent.xml" --no-fsync -o "$D/entlib" "$T/libfoo.1.2.dylib" >/dev/null &&
        valid "$D/entlib" && sum "$D/entlib" >"$T/s" && grep -qx "blobs=0,2,5,65536" "$T/s" && ok ||
        bad "$arch dylib entitlements: $(cat "$T/s")"
    # --options runtime: flags 0x10002, version 0x20500, runtime = sdk 12.0
    "$LCPATCH" sign --adhoc --options runtime --no-fsync -o "$D/rt" "$T/app" >/dev/null && valid "$D/rt" &&
        sum "$D/rt" >"$T/s" && grep -qx "cd=sha256:0x20500:0x10002:2" "$T/s" && grep -qE "^runtime=(786432|12\.0(\.0)?)$" "$T/s" &&
        ok || bad "$arch runtime: $(cat "$T/s" "$T/v.out")"
    # re-signing in place what is signed gives the same bytes
    cp "$D/ent" "$T/again"
    "$LCPATCH" sign --adhoc --entitlements "$T/ent.xml" --identifier com.example.app --in-place "$T/again" >/dev/null &&
        cmp -s "$T/again" "$D/ent" && ok || bad "$arch: re-signing in place changed the bytes"
done

# a fat file: every slice signed, under one identifier
if "$LCPATCH" lipo -create "$T/arm64/rt" "$T/x86_64/rt" -output "$T/fat" >/dev/null 2>&1 &&
    "$LCPATCH" sign --adhoc --no-fsync -o "$T/fat.s" "$T/fat" >/dev/null && valid "$T/fat.s" &&
    [ "$(grep -c ': valid (adhoc, identifier "fat-55554944' "$T/v.out")" = 2 ] &&
    [ "$(sum "$T/fat.s" | grep '^ident=' | sort -u | wc -l)" = 1 ]; then ok; else
    bad "fat: $(cat "$T/v.out")"
fi

# 5. bundles: an app (Contents/) with a versioned framework, a dylib and a
# plug-in; sign --adhoc --in-place signs the nested code inside out and
# seals the resources; verify passes, then fails on any change
plist() {
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n\t<key>CFBundleExecutable</key>\n\t<string>%s</string>\n\t<key>CFBundleIdentifier</key>\n\t<string>%s</string>\n</dict>\n</plist>\n' "$1" "$2"
}
make_app() { # make_app DIR: an unsigned App.app in DIR
    A=$1/App.app/Contents
    F=$A/Frameworks/Foo.framework
    mkdir -p "$A/MacOS" "$A/Resources/en.lproj" "$F/Versions/A/Resources" "$A/PlugIns/P.bundle/Contents/MacOS"
    "$LCPATCH" unsign --no-fsync -o "$A/MacOS/App" "$T/b/App" >/dev/null
    plist App com.example.App >"$A/Info.plist"
    echo 'APPL????' >"$A/PkgInfo"
    echo hello >"$A/Resources/a.txt"
    echo '"x" = "y";' >"$A/Resources/en.lproj/x.strings"
    ln -s a.txt "$A/Resources/link.txt"
    "$LCPATCH" unsign --no-fsync -o "$F/Versions/A/Foo" "$T/b/Foo" >/dev/null
    plist Foo com.example.Foo >"$F/Versions/A/Resources/Info.plist"
    ln -s A "$F/Versions/Current"
    ln -s Versions/Current/Foo "$F/Foo"
    ln -s Versions/Current/Resources "$F/Resources"
    "$LCPATCH" unsign --no-fsync -o "$A/Frameworks/libbar.dylib" "$T/b/libbar.dylib" >/dev/null
    "$LCPATCH" unsign --no-fsync -o "$A/PlugIns/P.bundle/Contents/MacOS/P" "$T/b/P" >/dev/null
    plist P com.example.P >"$A/PlugIns/P.bundle/Contents/Info.plist"
}
mkdir -p "$T/b"
CC="clang-19 -target arm64-apple-macos11 -O1"
LD="ld64.lld-19 -arch arm64 -platform_version macos 11.0 12.0"
if $CC -c $O/main.c -o "$T/b/main.o" && $CC -c $O/sys.c -o "$T/b/sys.o" && $CC -c $O/lib.c -o "$T/b/lib.o" &&
    $LD -dylib -install_name /usr/lib/libSystem.B.dylib "$T/b/sys.o" -o "$T/b/libSystem.dylib" &&
    $LD -dylib -install_name @rpath/Foo.framework/Versions/A/Foo "$T/b/lib.o" -o "$T/b/Foo" &&
    $LD -dylib -install_name @rpath/libbar.dylib "$T/b/lib.o" -o "$T/b/libbar.dylib" &&
    $LD -bundle "$T/b/lib.o" -o "$T/b/P" && $LD "$T/b/main.o" "$T/b/Foo" "$T/b/libSystem.dylib" -o "$T/b/App"; then
    make_app "$T/b/u"
    cp -R "$T/b/u" "$T/b/s"
    app=$T/b/s/App.app
    if "$LCPATCH" sign --adhoc --in-place "$app" >/dev/null && "$LCPATCH" verify "$app" >"$T/v.out"; then ok; else
        bad "bundle: not signed or not valid: $(cat "$T/v.out")"
    fi
    # every piece signed: the main executable with Info.plist and seal slots
    [ "$(grep -c ': valid (adhoc' "$T/v.out")" = 4 ] && grep -q 'App: valid (adhoc, identifier "com.example.App", 1 code directory, [0-9]* pages, 3 slots)' "$T/v.out" &&
        ok || bad "bundle: not every piece verified: $(cat "$T/v.out")"
    R=$app/Contents/_CodeSignature/CodeResources
    for k in '<key>files</key>' '<key>files2</key>' '<key>rules</key>' '<key>rules2</key>' '<key>hash2</key>' \
        '<key>Frameworks/Foo.framework</key>' '<key>PlugIns/P.bundle</key>' '<key>Frameworks/libbar.dylib</key>' \
        '<string>cdhash H"' '<key>symlink</key>' '<key>Resources/a.txt</key>'; do
        grep -qF "$k" "$R" || { bad "bundle: CodeResources lacks $k"; break; }
    done && ok
    grep -qE '<key>(PkgInfo|Info.plist|MacOS/App)</key>$' "$R" && bad "bundle: the seal names an omitted file" || ok
    # signing again gives the same tree
    cp -R "$T/b/s" "$T/b/s2"
    "$LCPATCH" sign --adhoc --in-place "$T/b/s2/App.app" >/dev/null && diff -r "$T/b/s" "$T/b/s2" >/dev/null && ok ||
        bad "bundle: signing a signed bundle again changed it"
    # a changed resource, an added file, a flipped byte of nested code: invalid
    echo more >>"$T/b/s2/App.app/Contents/Resources/a.txt"
    "$LCPATCH" verify "$T/b/s2/App.app" >"$T/v.out" 2>&1 && bad "bundle: a modified resource verifies" ||
        { grep -q "file modified: .*Resources/a.txt" "$T/v.out" && ok || bad "bundle: modified resource not named: $(cat "$T/v.out")"; }
    rm -rf "$T/b/s2" && cp -R "$T/b/s" "$T/b/s2"
    echo new >"$T/b/s2/App.app/Contents/Resources/new.txt"
    "$LCPATCH" verify "$T/b/s2/App.app" >"$T/v.out" 2>&1 && bad "bundle: an added file verifies" ||
        { grep -q "file added: .*Resources/new.txt" "$T/v.out" && ok || bad "bundle: added file not named: $(cat "$T/v.out")"; }
    rm -rf "$T/b/s2" && cp -R "$T/b/s" "$T/b/s2"
    python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[100]^=1; open(sys.argv[1],'wb').write(b)" \
        "$T/b/s2/App.app/Contents/Frameworks/libbar.dylib"
    "$LCPATCH" verify "$T/b/s2/App.app" >"$T/v.out" 2>&1 && bad "bundle: a flipped byte of nested code verifies" || ok
    # a framework by itself
    cp -R "$T/b/u/App.app/Contents/Frameworks/Foo.framework" "$T/b/Foo.framework"
    "$LCPATCH" sign --adhoc --in-place "$T/b/Foo.framework" >/dev/null && "$LCPATCH" verify "$T/b/Foo.framework" >"$T/v.out" &&
        [ -f "$T/b/Foo.framework/Versions/A/_CodeSignature/CodeResources" ] && ok || bad "framework: $(cat "$T/v.out")"
    # -o with a bundle: usage
    "$LCPATCH" sign --adhoc --no-fsync -o "$T/b/x.app" "$T/b/u/App.app" >/dev/null 2>&1
    [ $? = 2 ] && ok || bad "sign -o on a bundle is not a usage error"
    # ENOSPC on any write, fsync or mkstemp: the bundle as it was, nothing left
    SHIM=$(pwd)/build/faults/libfault.so
    if [ -f "$SHIM" ]; then
        failed_runs=0
        for call in write fsync mkstemp; do
            for n in 1 3 6; do
                rm -rf "$T/b/f" && cp -R "$T/b/u" "$T/b/f"
                LD_PRELOAD=$SHIM LCP_FAULT_CALL=$call LCP_FAULT_N=$n LCP_FAULT_ERR=ENOSPC ASAN_OPTIONS=verify_asan_link_order=0 \
                    "$LCPATCH" sign --adhoc --in-place "$T/b/f/App.app" >/dev/null 2>&1
                rc=$?
                if [ $rc = 0 ]; then
                    "$LCPATCH" verify "$T/b/f/App.app" >/dev/null && ok || bad "bundle $call #$n: exit 0 but not valid"
                else
                    failed_runs=$((failed_runs + 1))
                    diff -r "$T/b/u" "$T/b/f" >/dev/null && ok || bad "bundle $call #$n ENOSPC: exit $rc and the bundle changed"
                fi
            done
        done
        [ $failed_runs -ge 3 ] && ok || bad "bundle: the fault shim made only $failed_runs runs fail"
    fi
else
    bad "bundle fixtures: compile or link failed"
fi

# --in-place atomicity: entitlements DER cannot carry (<data>) fail before
# anything is written: the input unchanged, no temporary file left
mkdir -p "$T/atom"
cp "$T/app" "$T/atom/app"
cat >"$T/bad.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>blob</key><data>AAEC</data></dict></plist>
XML
if "$LCPATCH" sign --adhoc --entitlements "$T/bad.xml" --in-place "$T/atom/app" >/dev/null 2>"$T/err"; then
    bad "entitlements with <data> were accepted"
else
    cmp -s "$T/atom/app" "$T/app" && [ "$(ls -A "$T/atom")" = app ] && grep -q "DER" "$T/err" && ok ||
        bad "a failed --in-place changed the input or left a file: $(ls -A "$T/atom") $(cat "$T/err")"
fi
# a folder that cannot be written: the input stays, nothing is left
if [ "$(id -u)" != 0 ]; then
    chmod a-w "$T/atom"
    if "$LCPATCH" sign --adhoc --in-place "$T/atom/app" >/dev/null 2>&1; then bad "signed into a read-only folder"; else
        cmp -s "$T/atom/app" "$T/app" && [ "$(ls -A "$T/atom")" = app ] && ok || bad "read-only folder: input changed"
    fi
    chmod u+w "$T/atom"
fi
# a write, fsync or mkstemp failing (ENOSPC, the LD_PRELOAD shim of
# tests/faults) during sign --adhoc --in-place: exit 3, the input as it
# was, nothing left beside it
SHIM=$(pwd)/build/faults/libfault.so
if [ -f "$SHIM" ]; then
    for call in write fsync mkstemp; do
        cp "$T/app" "$T/atom/app"
        LD_PRELOAD=$SHIM LCP_FAULT_CALL=$call LCP_FAULT_N=1 LCP_FAULT_ERR=ENOSPC ASAN_OPTIONS=verify_asan_link_order=0 \
            "$LCPATCH" sign --adhoc --in-place "$T/atom/app" >/dev/null 2>&1
        rc=$?
        [ $rc = 3 ] && cmp -s "$T/atom/app" "$T/app" && [ "$(ls -A "$T/atom")" = app ] && ok ||
            bad "$call ENOSPC during --in-place: exit $rc, input changed or left: $(ls -A "$T/atom" | tr '\n' ' ')"
    done
else
    echo "sign-adhoc: no fault shim at $SHIM (make build/faults/libfault.so): ENOSPC cases skipped"
    skip=$((skip + 1))
fi
# usage: one kind of signature, --options only with --adhoc
"$LCPATCH" sign --adhoc --linker-signed --no-fsync -o "$T/x" "$T/app" >/dev/null 2>&1
[ $? = 2 ] && ok || bad "--adhoc with --linker-signed is not a usage error"
"$LCPATCH" sign --linker-signed --options runtime --no-fsync -o "$T/x" "$T/app" >/dev/null 2>&1
[ $? = 2 ] && ok || bad "--linker-signed --options runtime is not a usage error"
echo "sign-adhoc: $pass passed, $fail failed${skip:+, $skip skipped}"
[ $fail = 0 ]
