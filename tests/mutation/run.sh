#!/bin/sh
# Hostile input: every fixture of tests/binaries that lcpatch accepts is
# mutated by gen.py (truncations at every structural boundary; cmdsize,
# ncmds, sizeofcmds, nfat_arch, offsets and sizes set to 0, max, misaligned
# and overlapping values; lc_str outside its command or unterminated; fat
# slices overlapping or past EOF; bad archive headers: see gen.py). Every
# case must be refused:
#   - `lcpatch show CASE`: exit 3 and a message that names the case and a
#     file offset (0x...), no sanitizer report, no hang. Cases run 100 per
#     process (the ASan start-up dominates otherwise) under a 60 s bound per
#     batch: a hang in any case fails its batch;
#   - every writer (the table below; a command missing from `lcpatch
#     --help` is a failure): `unsign --in-place` over every case (batched): exit 3,
#     every case byte-identical, no temporary file; the single-file writers
#     over every 50th case: the compat exit status, no output file, no
#     temporary file.
# Under `make check-valgrind` (LCPATCH_VALGRIND) every 20th case only.
cd "$(dirname "$0")/../.." || exit 3
root=$(pwd)
: "${LCPATCH:=$root/build/asan/lcpatch}"
wrap=""
step=1
wstep=50
if [ -n "${LCPATCH_VALGRIND:-}" ]; then
    step=20
    wstep=100
fi
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
copied=0
lenient=0

fixtures=""
for f in tests/binaries/*; do
    [ -f "$f" ] || continue
    case $f in *.md | *.sh | */.gitignore) continue ;; esac
    if $LCPATCH show "$f" >/dev/null 2>&1; then fixtures="$fixtures $f"; fi
done
python3 tests/mutation/gen.py "$T/c" $fixtures >/dev/null || { echo "mutation: gen.py failed"; exit 1; }
awk -F'\t' -v s=$step 'NR % s == 0 || s == 1 { print $1 }' "$T/c/MANIFEST" >"$T/list"
total=$(wc -l <"$T/list")

what() { grep -F "$1	" "$T/c/MANIFEST" | cut -f2; }

# 1. show, 100 cases per run.
split -l 100 "$T/list" "$T/batch."
for b in "$T"/batch.*; do
    files=$(sed "s|^|$T/c/|" "$b")
    timeout 60 $LCPATCH show $files >/dev/null 2>"$T/err"
    rc=$?
    if [ $rc = 124 ]; then
        echo "FAIL mutation: a case of $(head -1 "$b")..$(tail -1 "$b") hangs (batch over 60 s)"
        fail=$((fail + $(wc -l <"$b")))
        continue
    fi
    if grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer|^==[0-9]+==' "$T/err"; then
        echo "FAIL mutation: sanitizer report in batch $(head -1 "$b")..:"
        grep -E 'ERROR|SUMMARY|runtime error' "$T/err" | head -5
    fi
    [ $rc = 3 ] || echo "FAIL mutation: batch $(head -1 "$b").. exit $rc, want 3"
    while read -r c; do
        line=$(grep -F "lcpatch: $T/c/$c: " "$T/err" | head -1)
        case $line in
        *0x[0-9a-f]*) pass=$((pass + 1)) ;;
        "") echo "FAIL mutation: $c ($(what "$c")): accepted or no message"; fail=$((fail + 1)) ;;
        *) echo "FAIL mutation: $c ($(what "$c")): message names no offset: $line"; fail=$((fail + 1)) ;;
        esac
    done <"$b"
done

commands=$($LCPATCH --help 2>/dev/null | sed -n 's/^  \([a-z_-]*\) .*/\1/p')
has() { printf '%s\n' "$commands" | grep -qx -- "$1"; }

# 2. unsign --in-place over every case, batched: nothing may change.
if has unsign; then
    for b in "$T"/batch.*; do
        rm -rf "$T/w"
        mkdir "$T/w"
        sed "s|^|$T/c/|" "$b" | xargs cp -t "$T/w"
        timeout 60 $LCPATCH unsign --in-place "$T"/w/* >/dev/null 2>"$T/err"
        rc=$?
        bad=0
        [ $rc = 3 ] || { echo "FAIL mutation: unsign --in-place batch $(head -1 "$b").. exit $rc, want 3"; bad=1; }
        grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$T/err" &&
            { echo "FAIL mutation: unsign: sanitizer report"; grep -E 'ERROR|SUMMARY|runtime error' "$T/err" | head -3; bad=1; }
        while read -r c; do
            if ! cmp -s "$T/c/$c" "$T/w/$c"; then
                echo "FAIL mutation: unsign --in-place changed $c ($(what "$c"))"
                bad=1
            fi
        done <"$b"
        ls -A "$T/w" | grep -q lcpatch- && { echo "FAIL mutation: unsign left a temporary file"; bad=1; }
        if [ $bad = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
else
    echo "FAIL mutation: no 'unsign' command in \`lcpatch --help\`"
    fail=$((fail + 1))
fi

# 3. Single-file writers over a sample: label|command|failure exit|scope|line.
# Scope "all": every sampled case; "container": only the cases that break
# the container (fat header, fat_arch entries, thin images), not the inside
# of a fat slice: Apple's lipo, which lcpatch lipo matches, copies slices
# as opaque bytes, so removing a slice from a fat file whose other slice
# has a broken load command succeeds (and keeps that slice as it was).
# Scope "copy-ok": as "all", but exit 0 is accepted when the output is a
# byte-identical copy of the input (codesign_allocate -r writes an unsigned
# file back unchanged when its only fault is an lc_str offset inside its
# command's fixed part, which Apple's checkout accepts; nothing is damaged).
# Scope "lcstr-lenient": as "all", but exit 0 is accepted for an lc_str
# offset that points inside its command's fixed part (0 or 4): Apple's
# install_name_tool accepts such a command and edits the others (golden case
# malformed-x86_64-invalid-lcstr-offset), and so does lcpatch's compat mode
# (LCP_PARSE_APPLE_LC_STR); the broken command is carried as it was.
WRITERS='
unsign -o|unsign|3|all|$LCPATCH unsign -o @OUT@ @IN@
vtool -set-build-version|vtool|1|all|$LCPATCH vtool -set-build-version macos 11.0 11.0 -replace -output @OUT@ @IN@
codesign_allocate -r|codesign_allocate|1|copy-ok|$LCPATCH codesign_allocate -i @IN@ -r -o @OUT@
lipo -remove|lipo|1|container|$LCPATCH lipo @IN@ -remove ppc7400 -output @OUT@
set-sdk|set-sdk|3|all|$LCPATCH set-sdk --sdk 10.9 -o @OUT@ @IN@
strip-arch|strip-arch|3|all|$LCPATCH strip-arch --remove ppc -o @OUT@ @IN@
add-rpath|add-rpath|3|all|$LCPATCH add-rpath -o @OUT@ @loader_path/x @IN@
change-dylib|change-dylib|3|all|$LCPATCH change-dylib -o @OUT@ /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib @IN@
install_name_tool|install_name_tool|1|lcstr-lenient|$LCPATCH install_name_tool -add_rpath @loader_path/x @IN@
rescue|rescue|3|all|$LCPATCH rescue -o @OUT@ @IN@
'
awk -v s=$wstep 'NR % s == 1 || s == 1' "$T/list" >"$T/sample"
grep -vE '	.*fat_arch [0-9]+: ' "$T/c/MANIFEST" | cut -f1 | grep -Fxf "$T/sample" >"$T/sample.container"
echo "$WRITERS" | grep -v '^$' >"$T/table"
while IFS='|' read -r label need code scope line; do
    if ! has "$need"; then
        echo "FAIL mutation: $label: no '$need' command in \`lcpatch --help\`"
        fail=$((fail + 1))
        continue
    fi
    sample=$T/sample
    [ "$scope" = container ] && sample=$T/sample.container
    while read -r c; do
        rm -rf "$T/w"
        mkdir "$T/w"
        cp "$T/c/$c" "$T/w/in"
        cmd=$(printf '%s' "$line" | sed -e "s|@OUT@|$T/w/out|g" -e "s|@IN@|$T/w/in|g")
        eval "timeout 20 $cmd" >/dev/null 2>"$T/err"
        rc=$?
        bad=""
        edited=0
        if [ "$scope" = copy-ok ] && [ $rc = 0 ] && cmp -s "$T/c/$c" "$T/w/out"; then
            rm -f "$T/w/out"
            copied=$((copied + 1))
        elif [ "$scope" = lcstr-lenient ] && [ $rc = 0 ] && what "$c" | grep -qE 'lc_str offset [04]( |$)'; then
            edited=1 # in place, as Apple's tool does
            lenient=$((lenient + 1))
        else
            [ $rc = "$code" ] || bad="exit $rc, want $code"
        fi
        [ -e "$T/w/out" ] && bad="$bad; an output file was written"
        ls -A "$T/w" | grep -q lcpatch- && bad="$bad; temporary file left"
        [ $edited = 1 ] || cmp -s "$T/c/$c" "$T/w/in" || bad="$bad; the input changed"
        grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$T/err" && bad="$bad; sanitizer report"
        if [ -n "$bad" ]; then
            echo "FAIL mutation: $label on $c ($(what "$c")): $bad"
            head -3 "$T/err"
            fail=$((fail + 1))
        else
            pass=$((pass + 1))
        fi
    done <"$sample"
done <"$T/table"

echo "mutation: $total cases from $(echo "$fixtures" | wc -w | tr -d ' ') fixtures; $copied copied unchanged (copy-ok); $lenient edited like Apple's (lcstr-lenient)"
echo "mutation: $pass passed, $fail failed"
[ $fail = 0 ]
