#!/bin/sh
# Re-signing after an edit, for codesign's ad-hoc signatures (`codesign -s
# -`: flag adhoc without linker-signed): fixtures linked here with clang-19
# + ld64.lld-19 (arm64 and x86_64, an executable and a dylib, an old
# deployment target, a fat file) signed by `lcpatch sign --adhoc
# --identifier com.example.x --options runtime --entitlements E.plist`,
# then for each of set-id, change-dylib, add-rpath, set-sdk,
# set-build-version:
#   a. the edit (re-signing by default): `verify` valid, no warning, and the
#      signature's identifier, flags, runtime version, hash types,
#      requirements, entitlements (XML, DER keys) and Info.plist / seal
#      slots are the original's (facts.py);
#   b. the edit with --no-resign (warned about, invalid), then `sign
#      --adhoc` with the same identifier, options and entitlements: the
#      same bytes as (a). set-sdk and set-build-version change the sdk,
#      which `sign --options runtime` takes as the runtime version while
#      the re-signer keeps the old one: there the files differ in exactly
#      the CodeDirectories' runtime fields (facts.py diff), and (a) keeps
#      the original's runtime version.
# Then the corpus's codesign-signed app (with Info.plist and resource-seal
# slots): re-signed valid, its slots copied as they were; the same edit
# then `sign --adhoc` differs in exactly those two slot hashes (lcpatch
# has no bundle to hash them from). A certificate-signed corpus file still
# warns "re-sign it"; the install_name_tool dialect leaves codesign's
# ad-hoc signature stale with Apple's warning, as Apple's tool does.
# Prints "N passed, N failed[, N skipped]".
cd "$(dirname "$0")/../.." || exit 3
: "${LCPATCH:=./lcpatch}"
LCPATCH=$(cd "$(dirname "$LCPATCH")" && pwd)/$(basename "$LCPATCH")
S=tests/resign-adhoc
pass=0 fail=0 skip=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL resign-adhoc: $*"; fail=$((fail + 1)); }
facts() { python3 $S/facts.py facts "$LCPATCH" "$1"; }
valid() { "$LCPATCH" verify "$1" >"$T/v.out" 2>&1; }

if ! command -v python3 >/dev/null 2>&1; then
    echo "resign-adhoc: python3 not installed: every case skipped"
    echo "resign-adhoc: 0 passed, 0 failed, 1 skipped"
    exit 0
fi

# edit NAME IN SIGN_OPTS... -- EDIT ARGS...: cases a and b for one edit
# (EDIT ARGS name the command and its operands, without -o and the file)
edit() {
    name=$1 in=$2
    shift 2
    opts=""
    while [ "$1" != -- ]; do
        opts="$opts $1"
        shift
    done
    shift
    a=$T/$name.a n=$T/$name.n b=$T/$name.b
    "$@" --no-fsync -o "$a" "$in" >/dev/null 2>"$T/err" || { bad "$name: the edit failed: $(cat "$T/err")"; return; }
    ! grep -q "re-sign it" "$T/err" && ok || bad "$name: warned although re-signed: $(cat "$T/err")"
    valid "$a" && ok || bad "$name: the re-signed file is not valid: $(cat "$T/v.out")"
    facts "$in" >"$T/f.in" && facts "$a" >"$T/f.a" && grep -q "^kind=adhoc$" "$T/f.a" && cmp -s "$T/f.in" "$T/f.a" && ok ||
        bad "$name: the signature's facts changed: $(diff "$T/f.in" "$T/f.a" | head -6)"
    "$@" --no-resign --no-fsync -o "$n" "$in" >/dev/null 2>"$T/err"
    grep -q "re-sign it" "$T/err" && ! valid "$n" && ok || bad "$name --no-resign: no warning, or still valid"
    # shellcheck disable=SC2086
    "$LCPATCH" sign --adhoc $opts --no-fsync -o "$b" "$n" >/dev/null 2>"$T/err" || { bad "$name: sign --adhoc: $(cat "$T/err")"; return; }
    case $name in
    *set-sdk* | *set-build-version*)
        python3 $S/facts.py diff "$LCPATCH" "$b" "$a" >"$T/d.out" && ! grep -q "^0 bytes" "$T/d.out" && ok ||
            bad "$name: not sign --adhoc's bytes but for the runtime version: $(cat "$T/d.out")"
        [ "$(python3 $S/facts.py runtime "$LCPATCH" "$a")" = "$(python3 $S/facts.py runtime "$LCPATCH" "$in")" ] &&
            [ "$(python3 $S/facts.py runtime "$LCPATCH" "$b")" != "$(python3 $S/facts.py runtime "$LCPATCH" "$in")" ] && ok ||
            bad "$name: the runtime version was not kept (or sign --adhoc kept it too)"
        ;;
    *) cmp -s "$a" "$b" && ok || bad "$name: differs from --no-resign then sign --adhoc: $(cmp "$a" "$b" | head -1)" ;;
    esac
}

for tool in clang-19 ld64.lld-19; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "resign-adhoc: $tool not installed: fixture cases skipped (apt-get install clang-19 lld-19)"
        skip=$((skip + 1))
        NOFIX=1
    fi
done

O=tests/sign-oracle/src
cat >"$T/E.plist" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>get-task-allow</key>
	<true/>
	<key>com.apple.security.cs.allow-jit</key>
	<true/>
	<key>keychain-access-groups</key>
	<array><string>a</string><string>b</string></array>
</dict>
</plist>
XML
SIGN="--identifier com.example.x --options runtime --entitlements $T/E.plist"
for arch in arm64 x86_64; do
    [ -z "$NOFIX" ] || break
    CC="clang-19 -target $arch-apple-macos11 -O1"
    LD="ld64.lld-19 -arch $arch -headerpad 0x400 -platform_version macos 11.0 12.0"
    D=$T/$arch
    mkdir -p "$D"
    $CC -c $O/main.c -o "$D/main.o" && $CC -c $O/sys.c -o "$D/sys.o" && $CC -DPAD=9000 -c $O/lib.c -o "$D/lib.o" &&
        $LD -dylib -install_name /usr/lib/libSystem.B.dylib "$D/sys.o" -o "$D/libSystem.dylib" &&
        $LD -dylib -install_name @rpath/libfoo.1.2.dylib "$D/lib.o" -o "$D/libfoo.dylib" &&
        $LD "$D/main.o" "$D/libfoo.dylib" "$D/libSystem.dylib" -o "$D/app" &&
        ld64.lld-19 -arch $arch -headerpad 0x400 -platform_version macos 10.9 10.9 "$D/main.o" "$D/libfoo.dylib" \
            "$D/libSystem.dylib" -o "$D/oldapp" 2>/dev/null || { bad "$arch: compile or link"; continue; }
    for f in app oldapp libfoo.dylib; do
        # shellcheck disable=SC2086
        "$LCPATCH" sign --adhoc $SIGN --no-fsync -o "$D/$f.s" "$D/$f" >/dev/null || bad "$arch $f: sign --adhoc"
    done
    # shellcheck disable=SC2086
    {
        edit $arch-set-id "$D/libfoo.dylib.s" $SIGN -- "$LCPATCH" set-id @rpath/libbar.dylib
        edit $arch-change-dylib "$D/app.s" $SIGN -- "$LCPATCH" change-dylib @rpath/libfoo.1.2.dylib @rpath/libbaz.dylib
        edit $arch-add-rpath "$D/app.s" $SIGN -- "$LCPATCH" add-rpath /opt/x
        edit $arch-add-rpath-dylib "$D/libfoo.dylib.s" $SIGN -- "$LCPATCH" add-rpath /opt/x
        edit $arch-set-sdk "$D/app.s" $SIGN -- "$LCPATCH" set-sdk --sdk 13.0
        edit $arch-set-build-version "$D/libfoo.dylib.s" $SIGN -- "$LCPATCH" set-build-version macos 11.0 14.0
        # SHA-1 + SHA-256 CodeDirectories are kept as two
        edit $arch-old-add-rpath "$D/oldapp.s" $SIGN -- "$LCPATCH" add-rpath /opt/x
    }
    grep -c "^cd=sha1 " "$T/f.a" | grep -qx 1 && ok || bad "$arch oldapp: the SHA-1 CodeDirectory was not kept: $(cat "$T/f.a")"
done

# a fat file: both slices re-signed, one identifier
if [ -z "$NOFIX" ] && "$LCPATCH" lipo -create "$T/arm64/app.s" "$T/x86_64/app.s" -output "$T/fat" >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    edit fat-add-rpath "$T/fat" $SIGN -- "$LCPATCH" add-rpath /opt/x
    valid "$T/fat-add-rpath.a" && [ "$(grep -c 'valid (adhoc, identifier "com.example.x"' "$T/v.out")" = 2 ] && ok ||
        bad "fat: not both slices valid: $(cat "$T/v.out")"
fi

# the Apple dialect keeps Apple's behaviour: codesign's signature is left
# stale, with install_name_tool's warning
if [ -z "$NOFIX" ] && [ -f "$T/arm64/app.s" ]; then
    cp "$T/arm64/app.s" "$T/itool"
    "$LCPATCH" install_name_tool -add_rpath /opt/z "$T/itool" >/dev/null 2>"$T/err"
    grep -q "will invalidate the code signature" "$T/err" && ! valid "$T/itool" && ok ||
        bad "install_name_tool re-signed codesign's signature or did not warn: $(cat "$T/err")"
fi

corpus=${LCP_SHARED:-$(pwd)/../shared}/corpus/files
f=$corpus/arm64-thin-execute-iossim-signed-rpath.radare2
c=$corpus/arm64-fat1-dylib-libswiftCoreFoundation-rpath-signed.rizin
if [ -f "$f" ] && [ -f "$c" ]; then
    # codesign's own ad-hoc signature, Info.plist and seal slots included
    "$LCPATCH" add-rpath /opt/y --no-fsync -o "$T/r.a" "$f" >/dev/null 2>"$T/err" && ! grep -q "re-sign it" "$T/err" &&
        valid "$T/r.a" && grep -q "valid (adhoc" "$T/v.out" && ok || bad "corpus app: not re-signed valid: $(cat "$T/err" "$T/v.out")"
    facts "$f" >"$T/f.in" && facts "$T/r.a" >"$T/f.a" && cmp -s "$T/f.in" "$T/f.a" && grep -q "slot1=0*[1-9a-f]" "$T/f.a" && ok ||
        bad "corpus app: the signature's facts changed: $(diff "$T/f.in" "$T/f.a" | head -6)"
    python3 tests/sign-adhoc/summary.py entitlements "$f" >"$T/ent.plist"
    "$LCPATCH" add-rpath /opt/y --no-resign --no-fsync -o "$T/r.n" "$f" >/dev/null 2>&1 &&
        "$LCPATCH" sign --adhoc --identifier com.pancake.PasswordCheck --entitlements "$T/ent.plist" --no-fsync \
            -o "$T/r.b" "$T/r.n" >/dev/null && python3 tests/sign-adhoc/summary.py oracle "$T/r.b" "$T/r.a" >"$T/o.out" &&
        grep -q "^64 bytes differ, 0 outside" "$T/o.out" && ok ||
        bad "corpus app: not sign --adhoc's bytes but for the two bundle slots: $(cat "$T/o.out" 2>/dev/null)"
    # a certificate's signature cannot be made again: the warning stays
    "$LCPATCH" add-rpath /opt/x --no-fsync -o "$T/c.a" "$c" >/dev/null 2>"$T/err"
    grep -q "the code signature is now invalid: re-sign it" "$T/err" && ! valid "$T/c.a" && ok ||
        bad "certificate-signed corpus file: no warning, or valid: $(cat "$T/err")"
else
    echo "resign-adhoc: no shared corpus: corpus cases skipped"
    skip=$((skip + 1))
fi
echo "resign-adhoc: $pass passed, $fail failed${skip:+, $skip skipped}"
[ $fail = 0 ]
