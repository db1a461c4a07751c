#!/bin/sh
# Seeds a fuzz corpus folder (tests/fuzz/corpus-<harness>/, not committed)
# with every fixture of tests/binaries and every past finding of
# tests/fuzz/regressions/. Usage: seed.sh CORPUS_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: seed.sh CORPUS_DIR}
mkdir -p "$out"
for f in "$here"/../binaries/* "$here"/../binaries/audit/* "$here"/regressions/*; do
    [ -f "$f" ] || continue
    case $f in *.md | *.sh | *.gitignore) continue ;; esac
    cp "$f" "$out/seed-$(basename "$f")"
done
# fuzz_codesign also starts from signature blobs: those of the fixtures and,
# when ../shared is there, of the signed corpus files (Apple, Developer ID,
# Apple Development, iPhone Developer, ad hoc, linker-signed).
case $out in
*codesign*)
    shared=$here/../../../shared/corpus/files
    python3 "$here/cs_seeds.py" "$out" "$here"/../binaries/* $( [ -d "$shared" ] && ls "$shared"/* ) || true
    ;;
esac
