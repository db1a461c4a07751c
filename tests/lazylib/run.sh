#!/bin/sh
# The optional libraries (Capstone, libarchive, libcrypto) are opened on
# first use, not at start-up (src/lazy/, src/util/dynlib.h):
#   (a) --version, show and set-sdk of an unsigned file, and the other header
#       edits, load none of them (the dynamic loader's own log, LD_DEBUG=libs,
#       names every object it opens), and give the same output and status
#       when none can be loaded;
#   (b) the commands that need one load it and work (disasm, show and verify
#       of a signature, check of a .zip, audit --dlopen), and when it cannot
#       be loaded (the LD_PRELOAD shim tests/lazylib/nolib.c makes its dlopen
#       fail as on a machine without it) they exit 3 with a message naming
#       the library and what installs it, and write nothing; a library of
#       that name lacking a function lcpatch calls is refused by name.
# A CMS-signed file comes from ../shared/corpus when it is there (else that
# check is skipped). Linux only (LD_DEBUG, LD_PRELOAD).
# Prints "lazylib: N passed, N failed, N skipped".
cd "$(dirname "$0")/../.." || exit 3
root=$(pwd)
: "${LCPATCH:=$root/lcpatch}"
SHIM=$root/build/lazylib/libnolib.so
BIN=$root/tests/binaries
pass=0
fail=0
skip=0
ok() { pass=$((pass + 1)); }
ko() {
    fail=$((fail + 1))
    echo "FAIL lazylib: $*"
}
skipped() {
    skip=$((skip + 1))
    echo "lazylib: skipped: $*"
}
finish() {
    echo "lazylib: $pass passed, $fail failed, $skip skipped"
    [ "$fail" = 0 ]
    exit
}
if [ "$(uname -s)" != Linux ]; then
    skipped "LD_DEBUG and LD_PRELOAD are the Linux loader's"
    finish
fi
if [ ! -f "$SHIM" ]; then
    skipped "no $SHIM (make build/lazylib/libnolib.so)"
    finish
fi
# Under `make check-valgrind` LCPATCH is a wrapper around valgrind, whose
# launcher would log its own loads and take the preload: run the non-ASan
# binary natively, as tests/faults does.
[ -n "${LCPATCH_VALGRIND:-}" ] && LCPATCH=${LCPATCH_REAL:?}
# The shim sits in front of ASan's interceptors.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT INT TERM

# loaded NAME CMD...: runs CMD with the loader's log, then prints which of
# capstone / archive / crypto it opened (one word each, sorted; none: empty).
# CMD's stdout goes to $T/out, its stderr to $T/err, its status to $T/rc.
loaded() {
    rm -f "$T"/ld.*
    LD_DEBUG=libs LD_DEBUG_OUTPUT=$T/ld "$@" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
    cat "$T"/ld.* 2>/dev/null | sed -n 's/.*calling init: .*\/lib\(capstone\|archive\|crypto\)\.so.*/\1/p' | sort -u |
        tr '\n' ' ' | sed 's/ $//'
}
# nolib WORDS CMD...: runs CMD with the dlopen of every library named in
# WORDS failing; stdout to $T/out, stderr to $T/err, status to $T/rc.
nolib() {
    words=$1
    shift
    LD_PRELOAD=$SHIM LCP_NOLIB=$words "$@" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}
ALL="libcapstone libarchive libcrypto"

# The loader's log must be there to be believed: a command that opens a
# library shows it (else every "loads none" below would pass unseen).
got=$(loaded "$LCPATCH" disasm "$BIN/hello-x86_64")
if [ "$got" = capstone ] && [ "$(cat "$T/rc")" = 0 ] && grep -q '^_main:' "$T/out"; then ok; else
    ko "disasm: opened '$got' (want capstone), exit $(cat "$T/rc"): $(head -3 "$T/out" "$T/err")"
fi
# the file name it opened (libcapstone.so.4 for Capstone 4 headers)
capso=$(cat "$T"/ld.* 2>/dev/null | sed -n 's/.*calling init: .*\/\(libcapstone\.so[.0-9]*\)$/\1/p' | head -1)

# (a) commands that need none of them (in.dylib: a legacy unsigned dylib)
cp "$BIN/libold-x86_64.dylib" "$T/in.dylib"
while IFS='|' read -r desc cmd; do
    [ -n "$desc" ] || continue
    rm -f "$T/o.dylib"
    eval "set -- $cmd"
    got=$(loaded "$LCPATCH" "$@")
    rc=$(cat "$T/rc")
    if [ -z "$got" ] && [ "$rc" = 0 ]; then ok; else ko "$desc: opened '$got' (want none), exit $rc: $(cat "$T/err")"; fi
    cp "$T/out" "$T/want"
    [ -f "$T/o.dylib" ] && mv "$T/o.dylib" "$T/want.dylib"
    # and the same without any of them
    nolib "$ALL" "$LCPATCH" "$@"
    rc=$(cat "$T/rc")
    if [ "$rc" = 0 ] && cmp -s "$T/out" "$T/want" && { [ ! -f "$T/want.dylib" ] || cmp -s "$T/o.dylib" "$T/want.dylib"; }; then
        ok
    else
        ko "$desc without the libraries: exit $rc, or other output: $(cat "$T/err")"
    fi
    rm -f "$T/want.dylib"
done <<'CMDS'
--version|--version
show of an unsigned file|show "$T/in.dylib"
show --json of an unsigned file|show --json "$T/in.dylib"
set-sdk|set-sdk --sdk 10.14 -o "$T/o.dylib" "$T/in.dylib"
set-sdk --no-fsync|set-sdk --no-fsync --sdk 10.14 -o "$T/o.dylib" "$T/in.dylib"
change-dylib|change-dylib /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib -o "$T/o.dylib" "$T/in.dylib"
add-rpath|add-rpath @loader_path/../lib -o "$T/o.dylib" "$BIN/hello-x86_64"
vtool -show-build|vtool -show-build "$T/in.dylib"
lipo -info|lipo -info "$BIN/legacy-fat.dylib"
CMDS

# (b) commands that need one: it is opened (and only it), the command
# works; without it, exit 3 and a message naming it and its package.
# needs DESC LIB PACKAGE-WORD WANT-RC WANT-GREP CMD...
needs() {
    desc=$1 lib=$2 pkg=$3 want=$4 pattern=$5
    shift 5
    got=$(loaded "$@")
    rc=$(cat "$T/rc")
    if [ "$got" = "$lib" ] && [ "$rc" = "$want" ] && grep -q -- "$pattern" "$T/out"; then ok; else
        ko "$desc: opened '$got' (want $lib), exit $rc (want $want): $(head -5 "$T/out" "$T/err")"
    fi
    nolib "lib$lib" "$@"
    rc=$(cat "$T/rc")
    if [ "$rc" = 3 ] && grep -q "$lib is not installed: .*install $pkg" "$T/err" && ! grep -q -- "$pattern" "$T/out" &&
        ! grep -qi 'sanitizer\|segmentation' "$T/err"; then
        ok
    else
        ko "$desc without lib$lib: exit $rc (want 3), stderr: $(cat "$T/err")"
    fi
}
needs "disasm" capstone libcapstone 0 '^_main:' "$LCPATCH" disasm "$BIN/hello-x86_64"
needs "audit --dlopen" capstone libcapstone 0 'dlopen' "$LCPATCH" audit --dlopen "$BIN/audit/dlopen-arm64"
needs "show of a signed file" crypto libssl 0 'cdhash' "$LCPATCH" show "$BIN/signed-arm64"
needs "show --json of a signed file" crypto libssl 0 '"cdhash' "$LCPATCH" show --json "$BIN/signed-arm64"
# --json prints one document whatever happened: the file is a failure there
if command -v python3 >/dev/null 2>&1; then
    if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
f = d["failures"]
assert len(f) == 1 and f[0]["status"] == "unsupported" and "libcrypto is not installed" in f[0]["message"], f' "$T/out" 2>"$T/py"; then
        ok
    else
        ko "show --json without libcrypto: not one document naming the failure: $(cat "$T/py" "$T/out")"
    fi
else
    skipped "show --json without libcrypto: python3 not found to read the document"
fi
needs "verify" crypto libssl 0 'valid (linker-signed' "$LCPATCH" verify "$BIN/signed-arm64"

# A library of that name that lacks a function lcpatch calls (another
# major version than the headers): found first on LD_LIBRARY_PATH, it is
# refused with the function's name, not called.
if [ -n "$capso" ] && command -v "${CC:-cc}" >/dev/null 2>&1; then
    mkdir -p "$T/fake"
    printf 'unsigned cs_version(int *a, int *b) { *a = *b = 0; return 0; }\n' >"$T/fake/cs.c"
    if "${CC:-cc}" -shared -fPIC -o "$T/fake/$capso" "$T/fake/cs.c" 2>"$T/cc"; then
        LD_LIBRARY_PATH=$T/fake "$LCPATCH" disasm "$BIN/hello-x86_64" >"$T/out" 2>"$T/err"
        rc=$?
        if [ "$rc" = 3 ] && grep -q 'capstone cannot be used: it has no cs_' "$T/err" && [ ! -s "$T/out" ]; then ok; else
            ko "disasm with a $capso lacking cs_open: exit $rc (want 3): $(cat "$T/err")"
        fi
    else
        skipped "a $capso lacking cs_open: ${CC:-cc} failed: $(cat "$T/cc")"
    fi
else
    skipped "a libcapstone lacking cs_open: no C compiler, or the loader's log named no libcapstone"
fi

# set-sdk of a signed file re-signs it (SHA-256): without libcrypto it
# fails before anything is written.
rm -f "$T/s.out"
needs "set-sdk of a signed file" crypto libssl 0 'sdk 11.0 -> 14.0' "$LCPATCH" set-sdk --sdk 14.0 -o "$T/s.out" "$BIN/signed-arm64"
rm -f "$T/s.out"
nolib libcrypto "$LCPATCH" set-sdk --sdk 14.0 -o "$T/s.out" "$BIN/signed-arm64"
if [ "$(cat "$T/rc")" = 3 ] && [ -z "$(ls -A "$T" | grep -e '^s\.out' -e '^\.s\.out')" ]; then ok; else
    ko "set-sdk of a signed file without libcrypto: exit $(cat "$T/rc"), left: $(ls -A "$T")"
fi

# check of a .zip (libarchive); python3 writes the zip
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z: z.write(sys.argv[2], "App/hello")' "$T/a.zip" "$BIN/hello-x86_64"
    needs "check of a .zip" archive libarchive 1 'a.zip/App/hello' "$LCPATCH" check "$T/a.zip"
else
    skipped "check of a .zip: python3 not found to write one"
fi

# a CMS signature: signer and certificates (show), the CMS check (verify)
here=$root
shared="$(cd "$here/.." && pwd)/shared"
if [ ! -d "$shared/corpus" ] && common=$(git -C "$here" rev-parse --git-common-dir 2>/dev/null); then
    alt="$(cd "$here" && cd "$common/../.." && pwd)/shared"
    [ -d "$alt" ] && shared=$alt
fi
cms=$shared/corpus/files/x86_64-thin-execute-ls-signed-vmin10.7.binarysamples
if [ -f "$cms" ]; then
    needs "show of a CMS signature" crypto libssl 0 'signer *"Software Signing"' "$LCPATCH" show "$cms"
    needs "verify of a CMS signature" crypto libssl 0 'CMS signs the CodeDirectory' "$LCPATCH" verify "$cms"
else
    skipped "CMS signature: no corpus at $shared/corpus"
fi
finish
