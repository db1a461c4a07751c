#!/bin/sh
# Man pages render what their source means: every docs/*.1 is rendered
# with mandoc and searched for quoting the roff got wrong, e.g. nested
# .Qq macros that rendered as ("rescued, "already rescued, ...) with no
# closing quotes. Skips (with the reason) when mandoc is not installed.
cd "$(dirname "$0")/../.." || exit 3
if ! command -v mandoc >/dev/null 2>&1; then
    echo "man: skipped: mandoc not installed (apt-get install mandoc)"
    echo "man: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
pass=0
fail=0
for m in docs/*.1; do
    # an opening quote whose text ends in ", " right before the next
    # opening quote: the closing quote is missing
    bad=$(mandoc -Tascii -O width=1000 "$m" | sed 's/.\x08//g' | grep -n '"[A-Za-z][^"]*, "[A-Za-z]')
    if [ -n "$bad" ]; then
        echo "FAIL $m: unclosed quotes in the rendered page:"
        echo "$bad" | head -5
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
done
echo "man: $pass passed, $fail failed, 0 skipped"
[ $fail = 0 ]
