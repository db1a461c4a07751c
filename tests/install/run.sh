#!/bin/sh
# Install check: `make install DESTDIR=... PREFIX=...` into a temporary
# folder installs the binary, the library, the headers, the pkg-config file
# and the man pages; pkg-config points at them; a small program compiles
# and links against the installed library and reads a fixture.
cd "$(dirname "$0")/../.." || exit 3
pass=0
fail=0
skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL install: $*"; fail=$((fail + 1)); }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT INT TERM
P=/opt/lcpatch-test
if ! ${MAKE:-make} -s install DESTDIR="$D/root" PREFIX="$P" >"$D/log" 2>&1; then
    bad "make install failed:"
    sed 's/^/    /' "$D/log" | head -20
    echo "install: $pass passed, $fail failed, $skip skipped"
    exit 1
fi
R=$D/root$P
[ -x "$R/bin/lcpatch" ] && "$R/bin/lcpatch" --version | grep -q '^lcpatch [0-9]' && ok || bad "bin/lcpatch missing or --version fails"
[ -f "$R/lib/liblcpatch.a" ] && ok || bad "lib/liblcpatch.a missing"
# Apple's tools: relative links in libexec/lcpatch/bin (they resolve inside
# the staging root), each answering as lcpatch does under that command.
L=$R/libexec/lcpatch/bin
F=tests/binaries/legacy-fat.dylib
for t in vtool lipo codesign_allocate install_name_tool; do
    case $t in
    vtool) args="-show-build $F" ;;
    lipo) args="-info $F" ;;
    *) args="" ;; # a usage message, exit 1
    esac
    if [ ! -L "$L/$t" ] || [ "$(cd "$L" && cd "$(dirname "$(readlink "$t")")" && pwd -P)" != "$(cd "$R/bin" && pwd -P)" ]; then
        bad "libexec/lcpatch/bin/$t is not a relative link to bin/lcpatch ($(ls -l "$L/$t" 2>&1))"
        continue
    fi
    got=$(PATH="$L:$PATH" "$t" $args 2>&1)
    got="$got (exit $?)"
    want=$("$R/bin/lcpatch" "$t" $args 2>&1)
    want="$want (exit $?)"
    [ "$got" = "$want" ] && [ "$(PATH="$L:$PATH" command -v "$t")" = "$L/$t" ] && ok ||
        bad "PATH=libexec/lcpatch/bin:\$PATH $t $args printed '$got', want '$want'"
done
missing=""
for h in include/lcpatch/*.h; do
    [ -f "$R/$h" ] || missing="$missing $h"
done
[ -z "$missing" ] && ok || bad "headers missing:$missing"
missing=""
for m in docs/*.1; do
    [ -f "$R/share/man/man1/${m#docs/}" ] || missing="$missing ${m#docs/}"
done
[ -f "$R/share/man/man1/lcpatch.1" ] && [ -z "$missing" ] && ok || bad "man pages missing: lcpatch.1?$missing"
if command -v mandoc >/dev/null 2>&1; then
    lint=$(mandoc -Tlint "$R"/share/man/man1/*.1 2>&1)
    [ -z "$lint" ] && ok || bad "mandoc -Tlint: $lint"
else
    echo "install: skipped: mandoc not found: man page lint (apt-get install mandoc)"
    skip=$((skip + 1))
fi
PC=$R/lib/pkgconfig/lcpatch.pc
if [ ! -f "$PC" ]; then
    bad "lib/pkgconfig/lcpatch.pc missing"
elif ! command -v pkg-config >/dev/null 2>&1; then
    echo "install: skipped: pkg-config not found: the pkg-config and link checks"
    skip=$((skip + 3))
else
    # As installed (DESTDIR is only a staging root), the flags name PREFIX.
    flags=$(PKG_CONFIG_PATH="$R/lib/pkgconfig" pkg-config --cflags --libs lcpatch)
    flags=$(echo $flags)
    [ "$flags" = "-I$P/include -L$P/lib -llcpatch" ] && ok || bad "pkg-config --cflags --libs gave '$flags'"
    # Through the staging root: compile, link and run a program.
    cat >"$D/prog.c" <<'PROG'
#include <lcpatch/lcpatch.h>
#include <stdio.h>
int main(int argc, char **argv) {
    lcp_file *f;
    lcp_error err;
    if (argc < 2 || lcp_file_open(argv[1], &f, &err) != LCP_OK)
        return 3;
    printf("%s %zu slices\n", LCPATCH_VERSION, f->nslices);
    lcp_file_free(f);
    return 0;
}
PROG
    cflags=$(PKG_CONFIG_PATH="$R/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D/root" pkg-config --cflags lcpatch)
    libs=$(PKG_CONFIG_PATH="$R/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D/root" pkg-config --static --libs lcpatch)
    if ${CC:-cc} -std=c11 $cflags -o "$D/prog" "$D/prog.c" $libs >"$D/cc.log" 2>&1; then
        ok
        out=$("$D/prog" tests/binaries/legacy-fat.dylib)
        want="$(sed -n 's/^#define LCPATCH_VERSION "\(.*\)"/\1/p' include/lcpatch/lcpatch.h) 3 slices"
        [ "$out" = "$want" ] && ok || bad "program printed '$out', want '$want'"
    else
        bad "a program does not build against the installed library:"
        sed 's/^/    /' "$D/cc.log" | head -10
    fi
fi
echo "install: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
