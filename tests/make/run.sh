#!/bin/sh
# The Makefile on a machine that lacks a dependency (the whole story, a
# fresh Debian 12 running `make demo` and `make check`, is .ci/run's chroot
# check; these are the parts that show without one):
#  - reading the Makefile asks pkg-config nothing (flags asked at parse
#    time, before `deps` installed capstone, broke the first `make demo`);
#  - plain `make` without capstone says what to install, compiles nothing;
#  - the unit tests' step without cmocka says so;
#  - every source includes Capstone's header the same way.
cd "$(dirname "$0")/../.." || exit 3
pass=0
fail=0
skip=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL make: $*"; fail=$((fail + 1)); }
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT INT TERM
# A make of our own, not a job of the `make check` that runs this suite.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} "$@"; }

# A pkg-config that logs its calls and knows no module named in $HIDE.
cat >"$T/pc" <<EOF
#!/bin/sh
echo "\$*" >>"$T/pc.log"
for m in \$HIDE; do
    case " \$* " in *" \$m "*) exit 1 ;; esac
done
exec pkg-config "\$@"
EOF
chmod +x "$T/pc"

: >"$T/pc.log"
mk -n clean PKG_CONFIG="$T/pc" >/dev/null 2>&1
[ ! -s "$T/pc.log" ] && ok || bad "reading the Makefile ran pkg-config: $(tr '\n' ';' <"$T/pc.log")"

# A copy of the sources, so that nothing here touches build/.
mkdir "$T/tree"
cp -R Makefile lcpatch.pc.in include src scripts "$T/tree/"
HIDE=capstone mk -C "$T/tree" PKG_CONFIG="$T/pc" >"$T/out" 2>&1
rc=$?
if [ $rc = 0 ]; then
    bad "make without capstone succeeded"
elif ! grep -q 'needs:.*capstone' "$T/out" || ! grep -q 'apt-get install.*libcapstone-dev' "$T/out"; then
    bad "make without capstone does not say what to install:"
    head -5 "$T/out" | sed 's/^/    /'
elif [ -d "$T/tree/build/dev/src" ]; then
    bad "make without capstone compiled before saying so"
else
    ok
fi

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists capstone; then
    HIDE=cmocka PKG_CONFIG="$T/pc" sh scripts/deps.sh --check test >"$T/out" 2>&1
    rc=$?
    [ $rc = 1 ] && grep -q 'needs:.*cmocka' "$T/out" && grep -q 'libcmocka-dev' "$T/out" && ok ||
        bad "deps.sh --check test without cmocka: exit $rc: $(head -3 "$T/out")"
else
    echo "make: skipped: the cmocka check (capstone not installed here)"
    skip=$((skip + 1))
fi

others=$(grep -rn '#include [<"]capstone' src tests include | grep -v '#include <capstone/capstone.h>')
[ -z "$others" ] && ok || bad "sources include Capstone otherwise than <capstone/capstone.h>: $others"

echo "make: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
