#!/bin/sh
# Every native command that reads a malformed file refuses it with exit 3
# and a message that names the file offset of what is broken (issue 12,
# item 2.7). The files: each one MANIFEST.tsv marks malformed in
# ../shared/corpus (used by path, never copied), and tests/binaries/
# truncated.dylib, which is checked even when the corpus is absent.
# $LCPATCH is the binary under test (make check: the ASan+UBSan build).
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${LCPATCH:=$repo/lcpatch}"
shared="$(cd "$repo/.." && pwd)/shared"
# In a git worktree the shared folder sits beside the main checkout.
if [ ! -d "$shared" ] && common=$(git -C "$here" rev-parse --git-common-dir 2>/dev/null); then
    alt="$(cd "$here" && cd "$common/../.." && pwd)/shared"
    [ -d "$alt" ] && shared=$alt
fi
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT
pass=0 fail=0 skip=0

files="$repo/tests/binaries/truncated.dylib"
if [ -f "$shared/corpus/MANIFEST.tsv" ] && [ -d "$shared/corpus/files" ]; then
    # Column 12 is "malformed" (yes / no / llvm-rejects).
    for f in $(awk -F'\t' 'NR > 1 && $12 == "yes" { print $1 }' "$shared/corpus/MANIFEST.tsv"); do
        files="$files $shared/corpus/$f"
    done
else
    echo "corpus-malformed: skipping the corpus files: no corpus at $shared/corpus (the shared folder is not beside the repository)"
    skip=$((skip + 1))
fi

# Every native command that opens its input, as a user would run it; OUT is
# the output path each writer is given, which must not appear.
commands='show
space
show --json
rescue --dry-run
rescue -o OUT
audit
audit --json
set-sdk -o OUT
set-build-version macos 10.13 14.0 -o OUT
set-version-min macos 10.13 14.0 -o OUT
remove-build-version macos -o OUT
strip-arch --legacy -o OUT
strip-legacy -o OUT
remove-arch ppc -o OUT
thin x86_64 -o OUT
extract x86_64,arm64 -o OUT
unsign -o OUT
add-rpath -o OUT @loader_path/x
delete-rpath -o OUT @loader_path/x
change-dylib -o OUT /a /b
set-id -o OUT @rpath/x
disasm --entry'

for f in $files; do
    [ -f "$f" ] || { echo "FAIL $f: missing"; fail=$((fail + 1)); continue; }
    name=$(basename "$f")
    echo "$commands" | while IFS= read -r c; do
        rm -f "$T/OUT"
        # shellcheck disable=SC2086 # the command line is split on purpose
        set -- $(echo "$c" | sed "s|OUT|$T/OUT|")
        "$LCPATCH" "$@" "$f" >"$T/stdout" 2>"$T/stderr"
        rc=$?
        why=""
        if [ $rc -ne 3 ]; then
            why="exit $rc, not 3"
        elif [ -e "$T/OUT" ]; then
            why="wrote its output"
        elif ! cat "$T/stderr" "$T/stdout" | grep -q 'offset 0x[0-9a-f][0-9a-f]*'; then
            why="no offset named: $(head -c 300 "$T/stderr")"
        fi
        if [ -n "$why" ]; then
            echo "FAIL $name: lcpatch $c: $why"
            echo F >>"$T/results"
        else
            echo P >>"$T/results"
        fi
    done
done
pass=$(grep -c P "$T/results" 2>/dev/null)
fail=$((fail + $(grep -c F "$T/results" 2>/dev/null)))
echo "corpus-malformed: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
