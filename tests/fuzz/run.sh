#!/bin/sh
# Fuzzing. Two modes:
#
#   run.sh            (what `make check` runs) replays the seeds and every
#                     past finding through every harness (tests/fuzz/fuzz_*.c),
#                     built
#                     with a plain main: ASan+UBSan (build/asan/tests/*_replay),
#                     or under valgrind for `make check-valgrind`. One case per
#                     harness and input; a case fails on any crash/report.
#   run.sh --fuzz N   (what `make fuzz FUZZ_SECONDS=N` runs) builds the
#                     libFuzzer harnesses with clang-19 and runs each for N
#                     seconds (one job: the machine is shared), with the
#                     dictionary macho.dict, inputs capped at 64 KiB. It prints
#                     the executions done and saves any crash to
#                     build/fuzz/findings/. Skipped with a message when
#                     clang-19 (or its libFuzzer) is missing.
#   FUZZ_ONLY="fuzz_a fuzz_b" limits either mode to those harnesses (two
#                     runs over halves of the list fuzz on two cores).
cd "$(dirname "$0")/../.." || exit 3
root=$(pwd)
harnesses=${FUZZ_ONLY:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)}

# The inputs of a harness: its own seeds (tests/fuzz/seeds/HARNESS/) and
# findings (tests/fuzz/regressions/HARNESS/) when it reads something other
# than Mach-O files; else the fixtures of tests/binaries and the Mach-O
# findings at the top of tests/fuzz/regressions/.
inputs() {
    if [ -d "tests/fuzz/seeds/$1" ]; then
        set -- "tests/fuzz/seeds/$1"/* "tests/fuzz/regressions/$1"/*
    else
        set -- tests/binaries/* tests/binaries/audit/* tests/fuzz/regressions/*
    fi
    for f in "$@"; do
        [ -f "$f" ] || continue
        case $f in *.md | *.sh | *.gitignore) continue ;; esac
        echo "$f"
    done
}

if [ "${1:-}" = --fuzz ]; then
    secs=${2:-60}
    if ! command -v "${FUZZ_CC:-clang-19}" >/dev/null 2>&1; then
        echo "fuzz: skipped: ${FUZZ_CC:-clang-19} is not installed (apt-get install clang-19)"
        exit 0
    fi
    make --no-print-directory fuzz-build >/dev/null || { echo "fuzz: building the harnesses failed"; exit 1; }
    mkdir -p build/fuzz/findings
    status=0
    for h in $harnesses; do
        corpus=build/fuzz/corpus-$h
        mkdir -p "$corpus"
        inputs "$h" | while read -r f; do cp "$f" "$corpus/seed-$(basename "$f")"; done
        # fuzz_codesign also starts from signature blobs: those of the
        # fixtures and, when ../shared is there, of the signed corpus files
        # (Apple, Developer ID, Apple Development, iPhone Developer, ad hoc,
        # linker-signed)
        if [ "$h" = fuzz_codesign ]; then
            shared=$root/../shared/corpus/files
            python3 tests/fuzz/cs_seeds.py "$corpus" tests/binaries/* $([ -d "$shared" ] && ls "$shared"/*) || true
        fi
        # fuzz_compat_lipo (lipo's argv + file) also starts from the corpus
        # files of ../shared (fat, fat64, hidden arm64, archives, malformed
        # ones) that fit in -max_len, read where they are
        if [ "$h" = fuzz_compat_lipo ] && [ -d "$root/../shared/corpus/files" ]; then
            find "$root/../shared/corpus/files" -type f -size -64k ! -name '*.tsv' |
                while read -r f; do cp "$f" "$corpus/shared-$(basename "$f")"; done
        fi
        log=build/fuzz/$h.log
        build/fuzz/bin/$h -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
            -dict=tests/fuzz/macho.dict -artifact_prefix=build/fuzz/findings/$h- -print_final_stats=1 \
            "$corpus" >"$log" 2>&1
        rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
        if [ $rc = 0 ]; then
            echo "fuzz: $h: ${execs:-?} executions in ${secs} s, $cov, no crash"
        else
            status=1
            echo "fuzz: $h: FAILED (exit $rc) after ${execs:-?} executions; see $log"
            grep -E 'ERROR|SUMMARY|artifact' "$log" | head -5
        fi
    done
    exit $status
fi

# Replay mode.
bindir=$(dirname "${LCPATCH_REAL:-${LCPATCH:-$root/build/asan/lcpatch}}")
wrap=""
if [ -n "${LCPATCH_VALGRIND:-}" ]; then
    wrap="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
fi
pass=0
fail=0
for h in $harnesses; do
    bin=$bindir/tests/${h}_replay
    if [ ! -x "$bin" ]; then
        echo "fuzz: $h: replay program $bin not built (make check builds it)"
        fail=$((fail + 1))
        continue
    fi
    for f in $(inputs "$h"); do
        if timeout 60 $wrap "$bin" "$f" >/dev/null 2>build/fuzz-replay.err; then
            pass=$((pass + 1))
        else
            echo "FAIL fuzz: $h $f"
            head -20 build/fuzz-replay.err
            fail=$((fail + 1))
        fi
    done
done
rm -f build/fuzz-replay.err
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
