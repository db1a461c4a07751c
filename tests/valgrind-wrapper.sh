#!/bin/sh
# `make check-valgrind` sets LCPATCH to this script: it runs the non-ASan
# lcpatch ($LCPATCH_REAL) under valgrind. A valgrind error (invalid access,
# use of uninitialised memory, a definite leak) makes it exit 99, which no
# suite expects. Multi-call names are kept: invoked through a link named
# `vtool` (or any other name), the binary is run under that name.
real=${LCPATCH_REAL:?LCPATCH_REAL must name the lcpatch binary}
name=$(basename "$0")
if [ "$name" != valgrind-wrapper.sh ] && [ "$name" != lcpatch ] && [ -L "$0" ]; then
    # Run the binary under the very path it was invoked by (messages print
    # argv[0]): the link to this script is swapped for a link to the binary
    # for the run, then put back. Suites run their cases one at a time.
    mv "$0" "$0.vgwrap" || exit 3
    ln -s "$real" "$0"
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$0" "$@"
    rc=$?
    rm -f "$0"
    mv "$0.vgwrap" "$0"
    exit $rc
fi
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$real" "$@"
