#!/bin/sh
# Runs each cmocka test program; fails when any fails.
status=0
for t in "$@"; do
    "$t" || status=1
done
exit $status
