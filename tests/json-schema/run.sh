#!/bin/sh
# json-schema: every --json output of the CLI checked against its schema,
# docs/schema/COMMAND.schema.json, with python3-jsonschema (check.py).
#   1. every command whose --help offers --json has a schema file;
#   2. every tests/cli case whose cmd uses --json runs with $LCPATCH a
#      wrapper that captures the standard output of each `lcpatch ... --json`
#      run (whatever the case pipes it into) for validation;
#   3. this suite's own runs of every such command on tests/binaries: a good
#      file, a missing file, a malformed one, --dry-run, with the exit status
#      and the number of "failures" they must give;
#   4. the documents in tests/json-schema/reject (old or lying outputs) must
#      be refused by their schemas, so that a loosened schema is caught.
# `sh tests/json-schema/run.sh -v` lists every check.
# Without a python3 that imports jsonschema (Debian: python3-jsonschema,
# which scripts/deps.sh installs) the suite says so and counts itself
# skipped, never passed.
cd "$(dirname "$0")/../.." || exit 3
ROOT=$(pwd)
: "${LCPATCH:=./lcpatch}"
case $LCPATCH in /*) ;; *) LCPATCH=$ROOT/$LCPATCH ;; esac
PY=
for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import jsonschema' 2>/dev/null; then
        PY=$py
        break
    fi
done
if [ -z "$PY" ]; then
    echo "json-schema: skipped: no python3 with jsonschema (apt-get install python3-jsonschema)"
    echo "json-schema: 0 passed, 0 failed, 1 skipped"
    exit 0
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
JSON_CAPTURE=$W/capture
JSON_REAL=$LCPATCH
mkdir "$JSON_CAPTURE"
export JSON_CAPTURE JSON_REAL
# The wrapper: runs lcpatch, keeps a copy of what a --json run printed and a
# .meta line (case, command, exit status[, wanted status, wanted failures]).
cat >"$W/lcpatch" <<'WRAP'
#!/bin/sh
case " $* " in
*" --json "*)
    n=$(ls "$JSON_CAPTURE" | wc -l)
    f=$JSON_CAPTURE/$(printf '%05d' "$n")
    "$JSON_REAL" "$@" >"$f"
    st=$?
    if [ -n "$JSON_WANT" ]; then
        printf '%s\t%s\t%s\t%s\n' "$JSON_CASE" "$1" "$st" "$JSON_WANT" >"$f.meta"
    else
        printf '%s\t%s\t%s\n' "$JSON_CASE" "$1" "$st" >"$f.meta"
    fi
    cat "$f"
    exit $st
    ;;
esac
exec "$JSON_REAL" "$@"
WRAP
chmod +x "$W/lcpatch"

pass=0
fail=0
# 1. A schema for every command that has --json.
for c in $("$LCPATCH" --help | sed -n 's/^  \([a-z_-]*\) .*/\1/p'); do
    "$LCPATCH" "$c" --help 2>/dev/null | grep -q -- '--json' || continue
    if [ -f "docs/schema/$c.schema.json" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL lcpatch $c has --json but no docs/schema/$c.schema.json"
        fail=$((fail + 1))
    fi
done

# 2. The CLI cases, as tests/cli/run.sh runs them (it checks their output).
BIN=tests/binaries
export BIN
ncases=0
for c in tests/cli/*/; do
    grep -q -- '--json' "$c/cmd" 2>/dev/null || continue
    T=$(mktemp -d)
    JSON_CASE=${c%/}
    export T JSON_CASE
    LCPATCH=$W/lcpatch sh "$c/cmd" >/dev/null 2>&1
    rm -rf "$T"
    ncases=$((ncases + 1))
done
if [ "$ncases" = 0 ]; then
    echo "FAIL no tests/cli case uses --json"
    fail=$((fail + 1))
fi

# 3. Our own runs: own NAME WANT_STATUS WANT_FAILURES ARGS... (in a fresh
# copy of the fixtures, $F, so that editors can write in place).
F=$W/f
own() {
    JSON_CASE="own:$1"
    JSON_WANT="$2	$3"
    export JSON_CASE JSON_WANT
    shift 3
    rm -rf "$F"
    mkdir "$F"
    cp -R "$ROOT/tests/binaries/." "$F/"
    (cd "$F" && "$W/lcpatch" "$@" >/dev/null 2>&1)
    unset JSON_WANT
}
own show-ok 0 0 show --json fat64.dylib libdemo-arm64.dylib hello-ppc fat-archive.a signed-arm64
own show-missing 3 1 show --json hello-x86_64 missing.dylib
own show-malformed 3 2 show --json truncated.dylib not-macho.class hello-x86_64
own space-ok 0 0 space --json fat64.dylib legacy-fat.dylib fat-archive.a signed-arm64
own space-missing 3 1 space --json missing.dylib
own space-malformed 3 1 space --json hello-x86_64 truncated.dylib
own audit-ok 1 0 audit --json audit/Demo.app
own audit-malformed 3 1 audit --json --jobs 1 "$ROOT/tests/binaries"
own rescue-dry-run 0 0 rescue --json --dry-run libold-x86_64.dylib legacy-fat.dylib
own rescue-ok 0 0 rescue --json --in-place libold-x86_64.dylib legacy-fat.dylib signed-arm64
own rescue-o 0 0 rescue --json -o out.dylib legacy-fat.dylib
own rescue-missing 3 1 rescue --json --dry-run libold-x86_64.dylib missing.dylib
own rescue-missing-write 3 1 rescue --json --in-place libold-x86_64.dylib missing.dylib
own rescue-malformed 3 1 rescue --json --in-place truncated.dylib libold-x86_64.dylib
own rescue-fix-paths 1 0 rescue --json --dry-run --fix-paths audit/Demo.app
own rescue-blocked 3 0 rescue --json --in-place nospace.dylib libdemo-arm64.dylib
own set-sdk-ok 0 0 set-sdk --json --in-place libold-x86_64.dylib legacy-fat.dylib fat64.dylib
own set-sdk-failures 3 2 set-sdk --json --in-place libold-x86_64.dylib truncated.dylib missing.dylib
own set-sdk-dry 0 0 set-sdk --json -o out legacy-fat.dylib
own change-dylib-ok 0 0 change-dylib --json /usr/lib/libz.1.dylib @rpath/libz.1.dylib --in-place fat64.dylib
own change-dylib-malformed 3 1 change-dylib --json /usr/lib/libz.1.dylib /x --in-place truncated.dylib hello-x86_64
own set-id-ok 0 0 set-id --json @rpath/libDodo.dylib -o out legacy-fat.dylib
own set-id-missing 3 1 set-id --json @rpath/x.dylib --in-place missing.dylib
own add-rpath-ok 0 0 add-rpath --json @loader_path/../lib --in-place hello-x86_64 libdemo-arm64.dylib
own add-rpath-nospace 3 1 add-rpath --json @loader_path/../lib --in-place hello-x86_64 fat64.dylib
own delete-rpath-ok 0 0 delete-rpath --json /nothing --in-place hello-x86_64
own strip-arch-ok 0 0 strip-arch --json --legacy --in-place legacy-fat.dylib hello-x86_64
own strip-arch-missing 3 1 strip-arch --json --legacy --in-place legacy-fat.dylib missing.dylib
own strip-legacy-ok 0 0 strip-legacy --json -o out legacy-fat.dylib
own strip-legacy-malformed 3 1 strip-legacy --json --in-place truncated.dylib
own thin-ok 0 0 thin x86_64 --json -o out fat64.dylib
own thin-missing 3 1 thin x86_64 --json --in-place missing.dylib
own extract-ok 0 0 extract x86_64 --json -o out legacy-fat.dylib
own extract-malformed 3 1 extract x86_64 --json --in-place not-macho.class
own remove-arch-ok 0 0 remove-arch ppc7400 --json -o out legacy-fat.dylib
own remove-arch-missing 3 1 remove-arch ppc7400 --json --in-place missing.dylib
own unsign-ok 0 0 unsign --json --in-place signed-arm64 hello-x86_64
own unsign-missing 3 1 unsign --json --in-place signed-arm64 missing.dylib
own unsign-malformed 3 1 unsign --json -o out truncated.dylib
own verify-ok 0 0 verify --json signed-arm64
own verify-unsigned 1 0 verify --json hello-x86_64 fat64.dylib
own verify-missing 3 1 verify --json signed-arm64 missing.dylib
own verify-malformed 3 2 verify --json truncated.dylib not-macho.class signed-arm64
own verify-bundle 1 0 verify --json audit/Demo.app
own verify-not-bundle 3 1 verify --json src

"$PY" tests/json-schema/check.py docs/schema "$JSON_CAPTURE" tests/json-schema/reject "$@" >"$W/check.out"
cstatus=$?
grep -v '^json-schema: [0-9]* passed' "$W/check.out"
line=$(sed -n 's/^json-schema: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$W/check.out")
if [ -z "$line" ]; then
    echo "FAIL check.py ended without its summary (exit $cstatus)"
    fail=$((fail + 1))
else
    set -- $line
    pass=$((pass + $1))
    fail=$((fail + $2))
fi
echo "json-schema: $pass passed, $fail failed"
[ $fail = 0 ]
