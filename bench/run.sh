#!/bin/sh
# `make bench`: runs every bench/*.sh (one benchmark each) with LCPATCH set
# to the binary given (default ./lcpatch). Each prints its own ratios
# against cp and peers, measured in the same run.
cd "$(dirname "$0")/.." || exit 3
LCPATCH=$(cd "$(dirname "${1:-./lcpatch}")" && pwd)/$(basename "${1:-./lcpatch}")
export LCPATCH
status=0
for b in bench/*.sh; do
    case $b in bench/run.sh | bench/lib.sh) continue ;; esac
    echo "== $b"
    sh "$b" || status=1
done
exit $status
