#!/bin/sh
# One reader (issue 13): only src/format decodes fat headers, archive
# headers and Mach-O magics. Anywhere else, a magic compared against bytes
# (== / != / memcmp / a private #define) is a second parser that the
# fuzzers never see. Encoding a header (src/layout writes fat headers) and
# printing a constant (otool's "fat_magic 0x...") are not decoding and do
# not match the patterns below.
#
# KNOWN lists the files that still decode on their own while issue 13 is
# open; the test fails when a file not listed decodes, and when a listed
# file no longer does (so the list only shrinks).
cd "$(dirname "$0")/../.." || exit 3
KNOWN="
"
pass=0
fail=0
pattern='(==|!=) *(LCP_)?(FAT|MH)_(MAGIC|CIGAM)|(FAT|MH)_(MAGIC|CIGAM)(_64)? *(==|!=)|#define +(FAT|MH)_(MAGIC|CIGAM)|0x(cafebab[ef]|bebafeca|feedfac[ef]|cefaedfe|cffaedfe)|"!<arch>|ar_hdr|ARMAG'
found=$(grep -rlE "$pattern" src --include='*.c' --include='*.h' | grep -v '^src/format/' | sort)
for f in $found; do
    case " $(echo $KNOWN) " in
    *" $f "*) pass=$((pass + 1)) ;;
    *)
        echo "FAIL one-reader: $f decodes a magic outside src/format:"
        grep -nE "$pattern" "$f" | sed 's/^/    /'
        fail=$((fail + 1))
        ;;
    esac
done
for f in $KNOWN; do
    case " $(echo $found) " in
    *" $f "*) ;;
    *)
        echo "FAIL one-reader: $f no longer decodes magics: remove it from KNOWN in $0"
        fail=$((fail + 1))
        ;;
    esac
done
# The rule itself: a private decoder must be caught.
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT INT TERM
printf 'if (magic == LCP_FAT_MAGIC) x();\n' >"$T/a.c"
printf '#define MH_MAGIC 0xfeedfaceu\n' >"$T/b.c"
printf 'if (memcmp(h, "!<arch>\\n", 8) == 0) y();\n' >"$T/c.c"
printf 'lcp_put_u32(b, 8, 0, true, fat64 ? LCP_FAT_MAGIC_64 : LCP_FAT_MAGIC);\n' >"$T/d.c"
n=$(grep -lE "$pattern" "$T"/*.c | wc -l)
if [ "$n" = 3 ] && ! grep -qE "$pattern" "$T/d.c"; then
    pass=$((pass + 1))
else
    echo "FAIL one-reader: the pattern caught $n of 3 decoders or matched an encoder"
    fail=$((fail + 1))
fi
echo "one-reader: $pass passed, $fail failed"
[ $fail = 0 ]
