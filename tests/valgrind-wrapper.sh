#!/bin/sh
# `make check-valgrind` sets LCPATCH to this script: it runs the non-ASan
# lcpatch ($LCPATCH_REAL) under valgrind. A valgrind error (invalid access,
# use of uninitialised memory, a definite leak) makes it exit 99, which no
# suite expects. Multi-call names are kept: invoked through a link named
# `vtool` (or any other name), the binary is run under that name.
real=${LCPATCH_REAL:?LCPATCH_REAL must name the lcpatch binary}
name=$(basename "$0")
if [ "$name" != valgrind-wrapper.sh ] && [ "$name" != lcpatch ]; then
    d=$(mktemp -d) || exit 3
    ln -s "$real" "$d/$name"
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$d/$name" "$@"
    rc=$?
    rm -rf "$d"
    exit $rc
fi
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$real" "$@"
