#!/bin/sh
# Output under faults. For every writer below that exists, and for every
# system call the write makes (write, copy_file_range, fsync, fchmod,
# rename, open, mkstemp, ioctl (the clones FICLONE and FICLONERANGE: they
# fall back to a copy, exit 0 with the same bytes), ftruncate: counted by a
# first run), the Nth call is made to
# fail with EIO and EINTR (and ENOSPC for write, copy_file_range and
# mkstemp; EACCES for mkstemp), and write/copy_file_range to do a short
# write (the LD_PRELOAD shim tests/faults/fault.c, build/faults/libfault.so).
# N runs over every call, except for calls made more than 16 times (the
# first 12 and the last 4).
# After every run:
#   - no temporary file (.NAME.lcpatch-XXXXXX) is left in the folder;
#   - the input is byte-identical (when it is not the output);
#   - exit 0: the output equals the fault-free output;
#     otherwise: exit 3, a message on stderr, and the output file that
#     existed before (or the input, for --in-place) is byte-identical;
#   - EINTR and short writes are retried: exit 0 and the full output;
#   - no sanitizer report.
# Then: --no-fsync (below), the read-only-folder error, and two concurrent
# --in-place writers on the same file (the result is one whole edit or both,
# never torn).
#
# Binary: $LCPATCH (the ASan+UBSan build under `make check`): the shim sits
# in front of ASan's interceptors (ASAN_OPTIONS=verify_asan_link_order=0), so
# the sanitizers stay on. Under `make check-valgrind` the non-ASan build runs
# under valgrind and only the first and last N of each call are tried.
cd "$(dirname "$0")/../.." || exit 3
root=$(pwd)
: "${LCPATCH:=$root/build/asan/lcpatch}"
bindir=$(dirname "${LCPATCH_REAL:-$LCPATCH}")
FW=$bindir/tests/fault_writer
SHIM=$root/build/faults/libfault.so
BIN=$root/tests/binaries
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=1"
wrap=""
vgwrap=""
if [ -n "${LCPATCH_VALGRIND:-}" ]; then
    # The shim cannot sit under valgrind's launcher (LD_PRELOAD would break
    # the launcher's own calls), so under `make check-valgrind` the
    # injection points run the non-ASan binary natively; the read-only and
    # concurrency checks below do run under valgrind.
    LCPATCH=${LCPATCH_REAL:?}
    vgwrap="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
    echo "faults: valgrind mode: injection points run natively (non-ASan build)"
fi

# The writers: label | command that must appear in `lcpatch --help` (- for
# none) | fixture | exit status on failure (3; Apple's compat modes exit 1)
# | command line (@IN@ = the input, @OUT@ = the output; no @OUT@ means the
# command edits @IN@ in place; a mktemp name cannot contain '@', so the
# substitution never touches the temporary folder's own name). A line whose
# command is not in `lcpatch --help`, or whose fault-free run fails, is a
# failure: every writer here exists, and a suite that skipped them would
# pass with all of them broken.
WRITERS='
fault_writer -o|-|hello-x86_64|3|$FW -o @OUT@ @IN@
fault_writer --in-place|-|hello-x86_64|3|$FW --in-place @IN@
unsign -o fat|unsign|legacy-fat.dylib|3|$LCPATCH unsign -o @OUT@ @IN@
unsign --in-place|unsign|signed-arm64|3|$LCPATCH unsign --in-place @IN@
codesign_allocate -r|codesign_allocate|signed-arm64|1|$LCPATCH codesign_allocate -i @IN@ -r -o @OUT@
vtool -set-build-version|vtool|hello-x86_64|1|$LCPATCH vtool -set-build-version macos 11.0 11.0 -replace -output @OUT@ @IN@
vtool fat|vtool|legacy-fat.dylib|1|$LCPATCH vtool -set-version-min macos 10.9 10.9 -output @OUT@ @IN@
set-sdk|set-sdk|libold-x86_64.dylib|3|$LCPATCH set-sdk --sdk 10.9 -o @OUT@ @IN@
set-sdk --in-place|set-sdk|legacy-fat.dylib|3|$LCPATCH set-sdk --sdk 10.9 --in-place @IN@
strip-arch --legacy|strip-arch|legacy-fat.dylib|3|$LCPATCH strip-arch --legacy -o @OUT@ @IN@
strip-arch --in-place|strip-arch|fat64.dylib|3|$LCPATCH strip-arch --remove arm64 --keep-fat --in-place @IN@
lipo -remove|lipo|legacy-fat.dylib|1|$LCPATCH lipo @IN@ -remove ppc7400 -output @OUT@
lipo -thin|lipo|fat64.dylib|1|$LCPATCH lipo @IN@ -thin arm64 -output @OUT@
add-rpath|add-rpath|hello-x86_64|3|$LCPATCH add-rpath -o @OUT@ @loader_path/x @IN@
add-rpath --in-place fat|add-rpath|legacy-fat.dylib|3|$LCPATCH add-rpath --in-place @loader_path/x @IN@
delete-rpath|delete-rpath|hello-x86_64|3|$LCPATCH delete-rpath -o @OUT@ @executable_path/../lib @IN@
change-dylib|change-dylib|hello-x86_64|3|$LCPATCH change-dylib -o @OUT@ /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib @IN@
set-id|set-id|libold-x86_64.dylib|3|$LCPATCH set-id -o @OUT@ /usr/local/lib/libnew.dylib @IN@
install_name_tool -add_rpath|install_name_tool|hello-x86_64|1|$LCPATCH install_name_tool -add_rpath @loader_path/x @IN@
rescue|rescue|legacy-fat.dylib|3|$LCPATCH rescue -o @OUT@ @IN@
rescue --in-place|rescue|legacy-fat.dylib|3|$LCPATCH rescue --in-place @IN@
'

pass=0
fail=0
skip=0
points=0
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT
commands=$($LCPATCH --help 2>/dev/null | sed -n 's/^  \([a-z_-]*\) .*/\1/p')

# run LINE: runs the command line with @IN@ and @OUT@ substituted (in $T/w),
# stdout discarded, stderr in $T/err; returns its exit status.
run() {
    cmd=$(printf '%s' "$1" | sed -e "s|@OUT@|$T/w/out|g" -e "s|@IN@|$T/w/in|g")
    eval "timeout 60 $wrap $cmd" >/dev/null 2>"$T/err"
}

failcase() {
    echo "FAIL faults: $label: $*"
    sed 's/^/    /' "$T/err" | head -5
    fail=$((fail + 1))
    ok=0
}

fresh() { # a fresh work folder: the input, and an existing output file
    rm -rf "$T/w"
    mkdir "$T/w"
    cp "$BIN/$fixture" "$T/w/in"
    chmod 0751 "$T/w/in"
    printf 'existing output\n' >"$T/w/out"
}

check_after() { # rc err-kind
    rc=$1
    ok=1
    left=$(ls -A "$T/w" | grep -c 'lcpatch-')
    [ "$left" = 0 ] || failcase "$point: temporary file left: $(ls -A "$T/w" | tr '\n' ' ')"
    grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$T/err" && failcase "$point: sanitizer report"
    [ "$rc" = 99 ] && failcase "$point: valgrind error"
    [ "$rc" = 124 ] && failcase "$point: timed out"
    if [ "$inplace" = 0 ]; then
        cmp -s "$BIN/$fixture" "$T/w/in" || failcase "$point: the input changed"
        dest=$T/w/out
    else
        dest=$T/w/in
    fi
    if [ "$rc" = 0 ]; then
        cmp -s "$T/ref" "$dest" || failcase "$point: exit 0 but the output differs from the fault-free output"
    else
        [ "$rc" = "$failcode" ] || failcase "$point: exit $rc, want 0 or $failcode"
        [ -s "$T/err" ] || failcase "$point: failed without a message"
        if [ "$inplace" = 0 ]; then
            printf 'existing output\n' | cmp -s - "$dest" || failcase "$point: the existing output changed"
        else
            cmp -s "$BIN/$fixture" "$dest" || failcase "$point: the input (edited in place) is damaged"
        fi
        case $2 in EINTR | SHORT) failcase "$point: $2 must be retried, got exit $rc" ;; esac
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); fi
}

echo "$WRITERS" | grep -v '^$' >"$T/table"

while IFS='|' read -r label need fixture failcode line; do
    if [ "$need" != - ] && ! printf '%s\n' "$commands" | grep -qx -- "$need"; then
        echo "FAIL faults: $label: no '$need' command in \`lcpatch --help\`"
        fail=$((fail + 1))
        continue
    fi
    case $line in *@OUT@*) inplace=0 ;; *) inplace=1 ;; esac
    # The fault-free output, and how many calls of each kind the write makes.
    fresh
    if ! LD_PRELOAD=$SHIM LCP_FAULT_COUNT=$T/count run "$line"; then
        echo "FAIL faults: $label: the fault-free run failed: $(head -c 300 "$T/err")"
        fail=$((fail + 1))
        rm -f "$T/count"
        continue
    fi
    if [ $inplace = 1 ]; then cp "$T/w/in" "$T/ref"; else cp "$T/w/out" "$T/ref"; fi
    if cmp -s "$T/ref" "$BIN/$fixture"; then
        echo "FAIL faults: $label: the fault-free run did not change anything"
        fail=$((fail + 1))
    fi
    # Sum the counts (the destructor of every process, wrapper included).
    for call in write copy_file_range fsync fchmod rename open mkstemp ioctl ftruncate; do
        n=$(awk -v c=$call '$1 == c { s += $2 } END { print s + 0 }' "$T/count")
        [ -n "$wrap" ] && n=$(awk -v c=$call '$1 == c { if ($2 > m) m = $2 } END { print m + 0 }' "$T/count")
        case $call in write | copy_file_range) errs="ENOSPC EIO EINTR SHORT" ;; mkstemp) errs="ENOSPC EIO EINTR EACCES" ;; *) errs="EIO EINTR" ;; esac  # ENOSPC takes the same path as EIO here
        i=1
        while [ "$i" -le "$n" ]; do
            # Valgrind: only the first and the last call. Otherwise the
            # first 12 and the last 4 (enough for every writer so far: the
            # calls past the 12th are more of the same copy loop).
            if { [ -n "$wrap" ] && [ "$i" != 1 ] && [ "$i" != "$n" ]; } ||
                { [ "$i" -gt 12 ] && [ "$i" -le $((n - 4)) ]; }; then
                i=$((i + 1))
                continue
            fi
            for e in $errs; do
                point="$call #$i $e"
                fresh
                LD_PRELOAD=$SHIM LCP_FAULT_CALL=$call LCP_FAULT_N=$i LCP_FAULT_ERR=$e run "$line"
                check_after $? "$e"
                points=$((points + 1))
            done
            i=$((i + 1))
        done
    done
    rm -f "$T/count"
done <"$T/table"

# --no-fsync, on every native writer (Apple's compat modes do not take it):
# the shim counts the calls, and without the option the write fsyncs (the
# file and its folder: at least 2 calls) while with it there is no fsync at
# all. Then fsync is made to fail (EIO, the first call): the durable write
# must fail with exit 3, leaving the input, the existing output and the
# folder as they were; the --no-fsync write must succeed with the same
# bytes as the durable one. @NOFSYNC@ marks where the option goes.
NOFSYNC_WRITERS='
set-sdk -o|libold-x86_64.dylib|$LCPATCH set-sdk --sdk 10.9 @NOFSYNC@ -o @OUT@ @IN@
set-sdk --in-place|legacy-fat.dylib|$LCPATCH set-sdk --sdk 10.9 @NOFSYNC@ --in-place @IN@
unsign -o|legacy-fat.dylib|$LCPATCH unsign @NOFSYNC@ -o @OUT@ @IN@
unsign --in-place|signed-arm64|$LCPATCH unsign @NOFSYNC@ --in-place @IN@
strip-arch -o|legacy-fat.dylib|$LCPATCH strip-arch --legacy @NOFSYNC@ -o @OUT@ @IN@
strip-arch --in-place|fat64.dylib|$LCPATCH strip-arch --remove arm64 --keep-fat @NOFSYNC@ --in-place @IN@
thin -o|fat64.dylib|$LCPATCH thin arm64 @NOFSYNC@ -o @OUT@ @IN@
strip-legacy --in-place|legacy-fat.dylib|$LCPATCH strip-legacy @NOFSYNC@ --in-place @IN@
set-build-version|hello-x86_64|$LCPATCH set-build-version macos 11.0 11.0 @NOFSYNC@ -o @OUT@ @IN@
set-version-min|legacy-fat.dylib|$LCPATCH set-version-min macos 10.9 10.9 @NOFSYNC@ --in-place @IN@
remove-build-version|hello-x86_64|$LCPATCH remove-build-version macos @NOFSYNC@ -o @OUT@ @IN@
add-rpath|hello-x86_64|$LCPATCH add-rpath @NOFSYNC@ -o @OUT@ @loader_path/x @IN@
delete-rpath|hello-x86_64|$LCPATCH delete-rpath @NOFSYNC@ --in-place @executable_path/../lib @IN@
change-dylib|hello-x86_64|$LCPATCH change-dylib @NOFSYNC@ -o @OUT@ /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib @IN@
set-id|libold-x86_64.dylib|$LCPATCH set-id @NOFSYNC@ -o @OUT@ /usr/local/lib/libnew.dylib @IN@
rescue -o|legacy-fat.dylib|$LCPATCH rescue @NOFSYNC@ -o @OUT@ @IN@
rescue --in-place|legacy-fat.dylib|$LCPATCH rescue @NOFSYNC@ --in-place @IN@
'
fsyncs() { awk '$1 == "fsync" { s += $2 } END { print s + 0 }' "$T/count"; }
echo "$NOFSYNC_WRITERS" | grep -v '^$' >"$T/table"
failcode=3
while IFS='|' read -r label fixture line; do
    label="$label --no-fsync"
    case $line in *@OUT@*) inplace=0 ;; *) inplace=1 ;; esac
    durable=$(printf '%s' "$line" | sed 's/ @NOFSYNC@//')
    fast=$(printf '%s' "$line" | sed 's/@NOFSYNC@/--no-fsync/')
    ok=1
    fresh
    rm -f "$T/count"
    LD_PRELOAD=$SHIM LCP_FAULT_COUNT=$T/count run "$durable" || failcase "the durable run failed (exit $?)"
    [ "$(fsyncs)" -ge 2 ] || failcase "the durable run made $(fsyncs) fsync calls, want 2 or more"
    if [ $inplace = 1 ]; then cp "$T/w/in" "$T/ref"; else cp "$T/w/out" "$T/ref"; fi
    cmp -s "$T/ref" "$BIN/$fixture" && failcase "the durable run did not change anything"
    fresh
    rm -f "$T/count"
    point="counted"
    LD_PRELOAD=$SHIM LCP_FAULT_COUNT=$T/count run "$fast"
    rc=$?
    [ $rc = 0 ] || failcase "exit $rc, want 0"
    [ "$(fsyncs)" = 0 ] || failcase "$(fsyncs) fsync calls, want none"
    [ $ok = 1 ] && check_after $rc ""
    ok=1
    point="fsync #1 EIO, durable"
    fresh
    LD_PRELOAD=$SHIM LCP_FAULT_CALL=fsync LCP_FAULT_N=1 LCP_FAULT_ERR=EIO run "$durable"
    rc=$?
    [ $rc = 3 ] || failcase "$point: exit $rc, want 3"
    [ $ok = 1 ] && check_after $rc EIO
    ok=1
    point="fsync #1 EIO, --no-fsync"
    fresh
    LD_PRELOAD=$SHIM LCP_FAULT_CALL=fsync LCP_FAULT_N=1 LCP_FAULT_ERR=EIO run "$fast"
    rc=$?
    [ $rc = 0 ] || failcase "$point: exit $rc, want 0"
    [ $ok = 1 ] && check_after $rc EIO
done <"$T/table"

# The report follows the write: when the rename that puts the output in
# place fails (EIO, EXDEV), no report, text or --json, says the file was
# written. Each line: label | fixture | what the text report says of a file
# written (an ERE, checked on the fault-free run so that the check can
# fail) | command line. The JSON report must then have an "error" and no
# "changed": true, "written": true or "rescued".
REPORT_WRITERS='
set-sdk|libold-x86_64.dylib|rewritten in place|$LCPATCH set-sdk --sdk 10.9 @JSON@ -o @OUT@ @IN@
set-sdk --in-place|legacy-fat.dylib|rewritten in place|$LCPATCH set-sdk --sdk 10.9 @JSON@ --in-place @IN@
unsign|signed-arm64|signature removed|$LCPATCH unsign @JSON@ -o @OUT@ @IN@
strip-arch|legacy-fat.dylib|: removed|$LCPATCH strip-arch --legacy @JSON@ --in-place @IN@
add-rpath|hello-x86_64|: changed$|$LCPATCH add-rpath @JSON@ -o @OUT@ @loader_path/x @IN@
delete-rpath|hello-x86_64|: changed$|$LCPATCH delete-rpath @JSON@ --in-place @executable_path/../lib @IN@
change-dylib|hello-x86_64|: changed$|$LCPATCH change-dylib @JSON@ -o @OUT@ /usr/lib/libSystem.B.dylib /usr/lib/libSystem.dylib @IN@
set-id|libold-x86_64.dylib|: changed$|$LCPATCH set-id @JSON@ -o @OUT@ /usr/local/lib/libnew.dylib @IN@
set-build-version|hello-x86_64|set-build-version|$LCPATCH set-build-version macos 11.0 11.0 -o @OUT@ @IN@
set-version-min|legacy-fat.dylib|set-version-min|$LCPATCH set-version-min macos 10.9 10.9 --in-place @IN@
remove-build-version|hello-x86_64|remove-build-version|$LCPATCH remove-build-version macos -o @OUT@ @IN@
rescue|legacy-fat.dylib|^[^ ]+ -> |$LCPATCH rescue @JSON@ -o @OUT@ @IN@
'
# runout LINE: as run, keeping stdout in $T/out.txt
runout() {
    cmd=$(printf '%s' "$1" | sed -e "s|@OUT@|$T/w/out|g" -e "s|@IN@|$T/w/in|g")
    eval "timeout 60 $wrap $cmd" >"$T/out.txt" 2>"$T/err"
}
echo "$REPORT_WRITERS" | grep -v '^$' >"$T/table"
failcode=3
while IFS='|' read -r label fixture said line; do
    case $line in *@OUT@*) inplace=0 ;; *) inplace=1 ;; esac
    text=$(printf '%s' "$line" | sed 's/ @JSON@//')
    ok=1
    fresh
    runout "$text" || failcase "the fault-free run failed (exit $?)"
    grep -qE -- "$said" "$T/out.txt" || failcase "the fault-free report does not say '$said': $(head -c 200 "$T/out.txt")"
    [ $ok = 1 ] && pass=$((pass + 1))
    for e in EIO EXDEV; do
        for form in text json; do
            ok=1
            point="rename #1 $e, $form report"
            cmd=$text
            if [ $form = json ]; then
                case $line in *@JSON@*) cmd=$(printf '%s' "$line" | sed 's/@JSON@/--json/') ;; *) continue ;; esac
            fi
            fresh
            LD_PRELOAD=$SHIM LCP_FAULT_CALL=rename LCP_FAULT_N=1 LCP_FAULT_ERR=$e runout "$cmd"
            rc=$?
            [ $rc = 3 ] || failcase "$point: exit $rc, want 3"
            if [ $form = text ]; then
                grep -qE -- "$said" "$T/out.txt" && failcase "$point: the report claims the write: $(grep -E -- "$said" "$T/out.txt" | head -2)"
            else
                grep -q '"error"' "$T/out.txt" || failcase "$point: no \"error\" in the JSON report"
                grep -qE '"changed":true|"written":true|"rescued"' "$T/out.txt" && failcase "$point: the JSON report claims the write"
            fi
            [ $ok = 1 ] && check_after $rc "$e"
            points=$((points + 1))
        done
    done
done <"$T/table"

# Two files in place, the second rename failing: the first is reported as
# written, the second as failed (text and JSON), exit 3.
label="set-sdk two files, rename #2 fails"
ok=1
rm -rf "$T/w2"
mkdir "$T/w2"
cp "$BIN/legacy-fat.dylib" "$T/w2/a"
cp "$BIN/legacy-fat.dylib" "$T/w2/b"
LD_PRELOAD=$SHIM LCP_FAULT_CALL=rename LCP_FAULT_N=2 LCP_FAULT_ERR=EIO $LCPATCH set-sdk --in-place "$T/w2/a" "$T/w2/b" >"$T/out.txt" 2>"$T/err"
rc=$?
[ $rc = 3 ] || failcase "text: exit $rc, want 3"
grep -q "^$T/w2/a .*rewritten in place" "$T/out.txt" || failcase "text: the written file is not reported"
grep -q "^$T/w2/b" "$T/out.txt" && failcase "text: the file whose rename failed is reported: $(grep "^$T/w2/b" "$T/out.txt" | head -1)"
cmp -s "$BIN/legacy-fat.dylib" "$T/w2/b" || failcase "text: b changed"
cmp -s "$BIN/legacy-fat.dylib" "$T/w2/a" && failcase "text: a was not written"
cp "$BIN/legacy-fat.dylib" "$T/w2/a"
LD_PRELOAD=$SHIM LCP_FAULT_CALL=rename LCP_FAULT_N=2 LCP_FAULT_ERR=EIO $LCPATCH set-sdk --json --in-place "$T/w2/a" "$T/w2/b" >"$T/out.txt" 2>"$T/err"
rc=$?
[ $rc = 3 ] || failcase "json: exit $rc, want 3"
python3 - "$T/out.txt" "$T/w2/a" "$T/w2/b" <<'PY' || failcase "json: the report does not match what was written"
import json, sys
r = json.load(open(sys.argv[1]))
a, b = r["files"]
assert a["changed"] is True and a["output"] == sys.argv[2] and "error" not in a, a
assert b["changed"] is False and b["output"] is None and "error" in b, b
assert [f["file"] for f in r["failures"]] == [sys.argv[3]], r["failures"]
PY
[ $ok = 1 ] && pass=$((pass + 1))

# rescue --fix-paths writes through its own path (lcp_fix_paths_apply): a
# bundle whose Fix loads /usr/local/lib/libold.1.dylib, bundled as
# Frameworks/libold.dylib, already rescued, so that only --fix-paths writes.
label="rescue --fix-paths --no-fsync"
ok=1
rm -rf "$T/b"
mkdir -p "$T/b/Fix.app/Contents/MacOS" "$T/b/Fix.app/Contents/Frameworks"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>CFBundleExecutable</key><string>Fix</string></dict></plist>\n' >"$T/b/Fix.app/Contents/Info.plist"
cp "$BIN/libold-x86_64.dylib" "$T/b/Fix.app/Contents/Frameworks/libold.dylib"
$LCPATCH change-dylib -o "$T/b/Fix.app/Contents/MacOS/Fix" /usr/lib/libSystem.B.dylib /usr/local/lib/libold.1.dylib \
    "$BIN/hello-x86_64" >/dev/null 2>"$T/err" || failcase "making the bundle failed"
$LCPATCH rescue --in-place "$T/b/Fix.app" >/dev/null 2>>"$T/err"
[ $? -le 1 ] || failcase "rescuing the bundle failed"
for v in durable fast; do
    rm -rf "$T/$v" "$T/count"
    cp -R "$T/b" "$T/$v"
    opt=""
    [ $v = fast ] && opt=--no-fsync
    LD_PRELOAD=$SHIM LCP_FAULT_COUNT=$T/count $LCPATCH rescue --fix-paths $opt --in-place "$T/$v/Fix.app" >"$T/out.txt" 2>"$T/err"
    rc=$?
    grep -q "already rescued" "$T/out.txt" || failcase "$v: rescue wrote before --fix-paths"
    [ $rc -le 1 ] || failcase "$v: exit $rc"
    n=$(fsyncs)
    if [ $v = durable ]; then
        [ "$n" -ge 2 ] || failcase "durable: $n fsync calls, want 2 or more"
    else
        [ "$n" = 0 ] || failcase "--no-fsync: $n fsync calls, want none"
    fi
    cmp -s "$T/b/Fix.app/Contents/MacOS/Fix" "$T/$v/Fix.app/Contents/MacOS/Fix" && failcase "$v: Fix was not fixed"
    [ -z "$(find "$T/$v" -name '*.lcpatch-*')" ] || failcase "$v: temporary file left"
done
for f in MacOS/Fix Frameworks/libold.dylib; do
    cmp -s "$T/durable/Fix.app/Contents/$f" "$T/fast/Fix.app/Contents/$f" || failcase "$f differs between the two runs"
done
[ $ok = 1 ] && pass=$((pass + 1))

# A folder we may not write: a clear error, exit 3, nothing created. Root
# ignores permissions, so as root the run is done as user nobody.
label="read-only folder"
mkdir -p "$T/ro"
cp "$BIN/hello-x86_64" "$T/ro/in"
chmod 0555 "$T/ro"
chmod 0755 "$T"
asuser=""
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv >/dev/null 2>&1; then
        asuser="setpriv --reuid=65534 --regid=65534 --clear-groups"
    else
        asuser=none
    fi
fi
if [ "$asuser" = none ]; then
    echo "faults: SKIP read-only folder: running as root without setpriv"
    skip=$((skip + 1))
elif [ -n "$asuser" ] && ! $asuser test -r "$T/ro/in"; then
    echo "faults: SKIP read-only folder: user nobody cannot reach $T (a folder above it is private; TMPDIR=${TMPDIR:-unset})"
    skip=$((skip + 1))
else
    chmod 0755 "$(dirname "$FW")" 2>/dev/null
    $asuser $vgwrap "$FW" --in-place "$T/ro/in" >/dev/null 2>"$T/err"
    rc=$?
    ok=1
    [ $rc = 3 ] || failcase "exit $rc, want 3"
    grep -q "folder $T/ro is not writable" "$T/err" || failcase "no clear message"
    cmp -s "$BIN/hello-x86_64" "$T/ro/in" || failcase "the input changed"
    [ "$(ls -A "$T/ro" | wc -l)" = 1 ] || failcase "something was created"
    [ $ok = 1 ] && pass=$((pass + 1))
fi
chmod 0755 "$T/ro"

# Two writers editing the same file at once, 20 times: afterwards the file
# is the original edited once (one rename won) or twice (they ran one after
# the other), never anything else, and no temporary file remains.
label="concurrent --in-place"
rm -rf "$T/w"
mkdir "$T/w"
cp "$BIN/hello-x86_64" "$T/w/in"
$FW -o "$T/once" "$T/w/in" 2>"$T/err" && $FW -o "$T/twice" "$T/once" 2>>"$T/err" || failcase "reference runs failed"
k=0
ok=1
while [ $k -lt 20 ]; do
    cp "$BIN/hello-x86_64" "$T/w/in"
    $vgwrap "$FW" --in-place "$T/w/in" 2>/dev/null &
    p1=$!
    $vgwrap "$FW" --in-place "$T/w/in" 2>/dev/null &
    p2=$!
    wait $p1
    wait $p2
    if ! cmp -s "$T/w/in" "$T/once" && ! cmp -s "$T/w/in" "$T/twice"; then
        failcase "round $k: the file is neither edited once nor twice (torn)"
        break
    fi
    [ "$(ls -A "$T/w" | wc -l)" = 1 ] || { failcase "round $k: temporary file left"; break; }
    k=$((k + 1))
done
[ $ok = 1 ] && pass=$((pass + 1))

echo "faults: $points injection points over the writers"
echo "faults: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
