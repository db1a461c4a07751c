#!/bin/sh
# `lcpatch verify` on fresh ld64.lld-19 links (no ../shared needed):
# executables, dylibs and bundles, arm64 (ld64.lld signs them ad hoc) and
# x86_64 (-adhoc_codesign, and unsigned), small and several pages, with and
# without -headerpad: each verifies valid, and flipping a byte of any page
# or code slot names that page (flip.py). A fat file with an unsigned slice,
# tests/binaries/signed-arm64, and a .app bundle with a resource seal
# (seal.py) whose files are then modified, added and removed, and whose
# nested dylib is broken. Prints "verify: N passed, N failed[, N skipped]".
cd "$(dirname "$0")/../.." || exit 3
root=$(pwd)
: "${LCPATCH:=$root/lcpatch}"
CLANG=${CLANG:-clang-19}
LD64=${LD64:-ld64.lld-19}
SRC=$root/tests/binaries/src
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() {
    fail=$((fail + 1))
    echo "FAIL verify: $*"
}
expect() { # expect WANT_STATUS WANT_GREP DESCRIPTION -- ARGS...
    want=$1 pattern=$2 desc=$3
    shift 4
    got=$("$LCPATCH" verify "$@" 2>&1)
    st=$?
    if [ "$st" = "$want" ] && printf '%s\n' "$got" | grep -q -- "$pattern"; then ok; else ko "$desc: exit $st (want $want), output: $got"; fi
}

expect 0 "signed-arm64: valid (linker-signed" "tests/binaries/signed-arm64" -- "$root/tests/binaries/signed-arm64"

for tool in "$CLANG" "$LD64" python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "verify: $pass passed, $fail failed, 1 skipped (skipped the ld64.lld links: $tool not found)"
        [ $fail = 0 ]
        exit
    fi
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Sources: a tiny one, and one with 40 KiB of constant data (10+ pages).
cat >"$T/big.c" <<'C'
const unsigned char table[40000] = {1, 2, 3, [39999] = 9};
int get(int i) { return table[i]; }
int main(void) { return get(7); }
C
cat >"$T/lib.c" <<'C'
int lib_value(void) { return 42; }
C
n=0
for arch in arm64 x86_64; do
    for src in "$SRC/signed.c" "$T/big.c" "$T/lib.c"; do
        base=$(basename "$src" .c)
        min=11.0
        "$CLANG" -target $arch-apple-macos$min -O1 -c "$src" -o "$T/$base-$arch.o" || { ko "compile $src"; continue; }
        for kind in exe dylib bundle; do
            [ "$base" = lib ] && [ $kind = exe ] && continue
            for pad in "" "-headerpad 0x4000"; do
                n=$((n + 1))
                out="$T/fx$n-$kind-$arch"
                case $kind in exe) flags="" ;; dylib) flags="-dylib -install_name @rpath/fx$n.dylib" ;; bundle) flags="-bundle" ;; esac
                sign=""
                [ $arch = x86_64 ] && sign=-adhoc_codesign
                # shellcheck disable=SC2086
                if ! $LD64 -arch $arch -platform_version macos $min $min $flags $pad $sign \
                    -o "$out" "$T/$base-$arch.o" "$SRC/libSystem.tbd" 2>"$T/ld.err"; then
                    ko "link $out: $(cat "$T/ld.err")"
                    continue
                fi
                expect 0 ": valid (linker-signed" "$kind $arch $base $pad" -- "$out"
                list="$list $out"
                [ $kind = dylib ] && [ $arch = arm64 ] && dylib=$out
            done
        done
    done
done
# Every page and every code slot of every fixture.
mkdir -p "$T/flips"
# shellcheck disable=SC2086
res=$(python3 "$root/tests/verify/flip.py" "$LCPATCH" "$T/flips" --pages 100000 --slots 100000 $list)
printf '%s\n' "$res" | grep '^FAIL'
np=$(printf '%s\n' "$res" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
nf=$(printf '%s\n' "$res" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -n "$np" ] && [ "$np" -gt 0 ]; then pass=$((pass + np)); else ko "flip.py ran no case: $res"; fi
[ -n "$nf" ] && [ "$nf" -gt 0 ] && fail=$((fail + nf))

# Unsigned x86_64, and a fat file of a signed and an unsigned slice.
"$LD64" -arch x86_64 -platform_version macos 11.0 11.0 -o "$T/plain-x86_64" "$T/signed-x86_64.o" "$SRC/libSystem.tbd"
expect 1 "plain-x86_64: unsigned" "unsigned x86_64" -- "$T/plain-x86_64"
"$LCPATCH" lipo -create "$T/plain-x86_64" "$T/fx1-exe-arm64" -output "$T/fat" >/dev/null 2>&1
expect 1 "fat (x86_64): unsigned" "fat: x86_64 unsigned" -- "$T/fat"
expect 1 "fat (arm64): valid" "fat: arm64 valid" -- "$T/fat"
"$LCPATCH" verify --json "$T/fat" | python3 -c '
import json, sys
d = json.load(sys.stdin)["files"][0]
assert [i["verdict"] for i in d["images"]] == ["unsigned", "valid"], d
assert d["status"] == 1, d' && ok || ko "fat: --json verdicts"

# Unreadable and usage.
expect 3 "not a Mach-O file" "not Mach-O" -- "$root/tests/binaries/not-macho.class"
expect 2 "no file given" "no argument" --

# A bundle: App.app with a linker-signed executable, resources, an .lproj,
# a nested dylib, and a CodeResources made as codesign makes it.
app=$T/App.app/Contents
mkdir -p "$app/MacOS" "$app/Resources/en.lproj" "$app/Frameworks"
cat >"$app/Info.plist" <<'P'
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>CFBundleExecutable</key><string>App</string></dict></plist>
P
cp "$T/fx1-exe-arm64" "$app/MacOS/App"
cp "$dylib" "$app/Frameworks/libx.dylib"
echo hello >"$app/Resources/a.txt"
echo '"k" = "v";' >"$app/Resources/en.lproj/x.strings"
cdhash=$("$LCPATCH" show --json "$app/Frameworks/libx.dylib" | python3 -c '
import json, sys
print(json.load(sys.stdin)["files"][0]["images"][0]["signature"]["code_directories"][0]["cdhash"])')
python3 "$root/tests/verify/seal.py" "$app" MacOS/App "Frameworks/libx.dylib=$cdhash"
expect 0 "resources: valid (3 sealed entries)" "bundle valid" -- "$T/App.app"
expect 0 "libx.dylib: valid" "bundle: nested dylib verified" -- "$T/App.app"
"$LCPATCH" verify --json "$T/App.app" | python3 -c '
import json, sys
d = json.load(sys.stdin)["files"][0]
assert d["status"] == 0 and d["images"][0]["verdict"] == "valid", d
assert d["resources"]["sealed"] and d["resources"]["changes"] == [], d
assert len(d["nested"]) == 1 and d["nested"][0]["images"][0]["verdict"] == "valid", d' && ok || ko "bundle --json"
touch "$app/Resources/.DS_Store"
expect 0 "resources: valid" "bundle: .DS_Store is omitted" -- "$T/App.app"
echo changed >"$app/Resources/a.txt"
expect 1 "file modified: .*Resources/a.txt" "bundle: file modified" -- "$T/App.app"
echo hello >"$app/Resources/a.txt"
echo new >"$app/Resources/b.txt"
expect 1 "file added: .*Resources/b.txt" "bundle: file added" -- "$T/App.app"
rm "$app/Resources/b.txt"
# A file added deep down is found at any depth the other tree commands
# walk (LCP_WALK_MAX_DEPTH, 256); deeper, the seal cannot be checked and
# verify says so instead of passing the folder over.
deep=$(python3 -c 'print("/".join(["d"] * 100))')
mkdir -p "$app/Resources/$deep" && echo new >"$app/Resources/$deep/c.txt"
expect 1 "file added: .*Resources/d/.*/d/c.txt" "bundle: file added 100 folders deep" -- "$T/App.app"
rm -r "$app/Resources/d"
deep=$(python3 -c 'print("/".join(["d"] * 300))')
mkdir -p "$app/Resources/$deep"
expect 3 "folders nested deeper than 256 levels: the resource seal cannot be checked" "bundle: too deep to check" -- "$T/App.app"
rm -r "$app/Resources/d" "$app/Resources/a.txt"
expect 1 "file missing: .*Resources/a.txt" "bundle: file missing" -- "$T/App.app"
echo hello >"$app/Resources/a.txt"
rm "$app/Resources/en.lproj/x.strings"
expect 0 "resources: valid" "bundle: an optional .lproj entry may be missing" -- "$T/App.app"
# A page of the nested dylib: its own verdict is invalid (its cdhash, which
# the seal holds, is unchanged).
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[0x1000 + 5] ^= 1
open(p, "wb").write(b)' "$app/Frameworks/libx.dylib"
expect 1 "libx.dylib: invalid: CodeDirectory: page 1 " "bundle: nested dylib page" -- "$T/App.app"
# Another nested dylib in its place: the seal's cdhash no longer matches.
cp "$T/fx1-exe-arm64" "$app/Frameworks/libx.dylib"
expect 1 "file modified: .*Frameworks/libx.dylib" "bundle: nested cdhash" -- "$T/App.app"
# The main executable with a bad page.
cp "$dylib" "$app/Frameworks/libx.dylib"
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[0x2000 + 9] ^= 1
open(p, "wb").write(b)' "$app/MacOS/App"
expect 1 "MacOS/App: invalid: CodeDirectory: page 2 (offset 0x2000)" "bundle: main executable page" -- "$T/App.app"
# A seal that is not a property list: exit 3 naming it, after the main
# executable's verdict.
echo 'not xml' >"$app/_CodeSignature/CodeResources"
expect 3 "CodeResources: not an XML property list" "bundle: malformed seal" -- "$T/App.app"
expect 3 "MacOS/App: invalid" "bundle: malformed seal, executable still verified" -- "$T/App.app"
# No main executable: a finding (exit 1), and the seal is still reported.
mkdir -p "$T/NoExe.app/Contents"
sed 's/<string>App</<string>Missing</' "$app/Info.plist" >"$T/NoExe.app/Contents/Info.plist"
expect 1 "NoExe.app: invalid: no main executable" "bundle: no main executable" -- "$T/NoExe.app"
expect 1 "NoExe.app: resources: no _CodeSignature" "bundle: no main executable, no seal" -- "$T/NoExe.app"
# Nested bundles are verified as bundles, recursively, 16 levels deep at
# most: a nested framework that links back to its own bundle is followed
# until then, and the level past it is an error (exit 3).
loop=$T/Loop.bundle
mkdir -p "$loop/Frameworks"
sed 's/<string>App</<string>L</' "$app/Info.plist" >"$loop/Info.plist"
cp "$dylib" "$loop/L"
ln -s .. "$loop/Frameworks/Y.framework"
python3 "$root/tests/verify/seal.py" "$loop" L "Frameworks/Y.framework=$cdhash"
expect 3 "Loop.bundle/Frameworks/Y.framework/L: valid" "bundle: nested bundle verified" -- "$loop"
expect 3 "Y.framework: nested code deeper than 16 levels" "bundle: nesting bound" -- "$loop"
"$LCPATCH" verify --json "$loop" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
f = d["files"][0]
depth, n = 0, f
while n.get("nested"):
    n = n["nested"][0]
    depth += 1
assert depth == 17 and "executable" not in n and n["status"] == 3, (depth, n)
assert f["nested"][0]["images"][0]["verdict"] == "valid", f
assert len(d["failures"]) == 1 and "deeper than 16" in d["failures"][0]["message"], d["failures"]' && ok || ko "bundle: nesting --json"
echo "verify: $pass passed, $fail failed"
[ $fail = 0 ]
