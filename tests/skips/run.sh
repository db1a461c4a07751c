#!/bin/sh
# A skip is never a pass. tests/run-suites.sh sums the suites' closing
# lines ("N passed, N failed, N skipped") and fails on a suite that failed,
# exited non-zero without counting a failure, or printed no closing line;
# suites that cannot run (a tool missing) say why and count a skip.
cd "$(dirname "$0")/../.." || exit 3
# run-suites.sh below must run only the suites it is given, not this one
if [ -n "${LCP_SKIPS_NESTED:-}" ]; then
    echo "skips: 0 passed, 1 failed (run-suites.sh ran every suite, not those given)"
    exit 1
fi
export LCP_SKIPS_NESTED=1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL skips: $*"; fail=$((fail + 1)); }
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT INT TERM

# run-suites.sh over made-up suites.
suite() { # suite NAME BODY
    mkdir -p "$T/s/$1"
    printf '%s\n' "$2" >"$T/s/$1/run.sh"
}
suite a 'echo "a: 3 passed, 0 failed"'
suite b 'echo "b: skipped: no tool"; echo "b: 0 passed, 0 failed, 1 skipped"'
suite c 'echo "c: 2 passed, 0 failed, 2 skipped"'
sh tests/run-suites.sh "$T/s/a/run.sh" "$T/s/b/run.sh" "$T/s/c/run.sh" >"$T/out" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(tail -1 "$T/out")" = "suites: 5 passed, 0 failed, 3 skipped" ] && ok ||
    bad "sum of passing suites: exit $rc, '$(tail -1 "$T/out")'"
suite d 'echo "d: all good"'
suite e 'echo "e: 1 passed, 0 failed"; exit 1'
suite f 'echo "f: 1 passed, 2 failed"; exit 1'
for s in d e f; do
    sh tests/run-suites.sh "$T/s/a/run.sh" "$T/s/$s/run.sh" >"$T/out" 2>&1
    rc=$?
    last=$(tail -1 "$T/out")
    case $s in
    d) want="suites: 3 passed, 1 failed, 0 skipped" ;;
    e) want="suites: 4 passed, 1 failed, 0 skipped" ;;
    f) want="suites: 4 passed, 2 failed, 0 skipped" ;;
    esac
    [ $rc = 1 ] && [ "$last" = "$want" ] && grep -q "^suites failed: $s\$" "$T/out" && ok ||
        bad "run-suites over a and $s: exit $rc, '$last', want exit 1, '$want'"
done

# Suites whose tool is missing: a PATH that holds every command but those.
without() { # without CMD...: a folder of links to PATH's commands less CMD...
    rm -rf "$T/bin"
    mkdir "$T/bin"
    old_ifs=$IFS
    IFS=:
    for d in $PATH; do
        # the first of a name wins, as in PATH; ln goes on past the others
        [ -d "$d" ] && ln -s "$d"/* "$T/bin/" 2>/dev/null
    done
    IFS=$old_ifs
    for c in "$@"; do
        rm -f "$T/bin/$c"
    done
}
skipcase() { # skipcase SUITE CMD...: SUITE without CMD... counts one skip
    s=$1
    shift
    without "$@"
    out=$(PATH="$T/bin" sh "tests/$s/run.sh" 2>&1)
    rc=$?
    last=$(printf '%s\n' "$out" | tail -1)
    [ $rc = 0 ] && [ "$last" = "$s: 0 passed, 0 failed, 1 skipped" ] &&
        printf '%s\n' "$out" | grep -q "^$s: skipped: .*$1" && ok ||
        bad "$s without $*: exit $rc, '$last', want a reason and '$s: 0 passed, 0 failed, 1 skipped'"
}
skipcase corpus-set-sdk llvm-objdump-19
skipcase corpus-show python3
skipcase otool-parity python3

echo "skips: $pass passed, $fail failed, 0 skipped"
[ $fail = 0 ]
