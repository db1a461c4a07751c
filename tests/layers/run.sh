#!/bin/sh
# Layers (docs/layers.md): a layer includes the private headers of its own
# folder and of the layers below it only, and src/edit (models in, models
# and plans out) makes no file-system call. Public headers (lcpatch/*.h)
# are the library's API and may be included anywhere. One walker: only
# src/util/walk.c lists folders (lcp_walk); no other file opens or reads a
# directory stream or walks a tree on its own.
cd "$(dirname "$0")/../.." || exit 3
pass=0
fail=0

# The private header folders each layer may include besides its own.
allowed() {
    case $1 in
    util) echo "" ;;
    lazy) echo "util" ;;
    format | layout | audit | disasm | check) echo "util" ;;
    edit) echo "format util" ;;
    job) echo "edit format util" ;;
    cli) echo "util" ;;
    compat) echo "cli util" ;;
    *) echo "?" ;;
    esac
}

# check_tree ROOT: prints one line per violation under ROOT/src.
check_tree() {
    for dir in "$1"/src/*/; do
        layer=$(basename "$dir")
        ok=$(allowed "$layer")
        if [ "$ok" = "?" ]; then
            echo "src/$layer: a folder docs/layers.md does not place (add it to the table there and here)"
            continue
        fi
        for f in "$dir"*.c "$dir"*.h; do
            [ -f "$f" ] || continue
            grep -oE '^#include "[a-z_]+/' "$f" | sed 's/^#include "//; s|/$||' | sort -u | while read -r inc; do
                [ "$inc" = lcpatch ] || [ "$inc" = "$layer" ] && continue
                case " $ok " in
                *" $inc "*) ;;
                *) echo "${f#"$1"/}: includes $inc/ (src/$layer may include: ${ok:-none})" ;;
                esac
            done
        done
    done
    # edit is pure: no file is opened, listed, stat'ed, read or written there
    grep -nE '\b(open|openat|fopen|opendir|fdopendir|readdir|stat|lstat|fstatat|realpath|rename|unlink|read|write|pread|pwrite|lcp_file_open[a-z_]*|lcp_plan_write_file[a-z_]*|lcp_walk)\(' \
        "$1"/src/edit/*.c "$1"/src/edit/*.h 2>/dev/null | sed "s|^$1/||; s|$| (file-system call in src/edit)|"
    # one walker: folders are listed by src/util/walk.c only
    grep -nE '\b(opendir|fdopendir|readdir|readdir_r|scandir|scandirat|getdents|getdents64|nftw|ftw|fts_open)\(' \
        "$1"/src/*/*.c "$1"/src/*/*.h 2>/dev/null | grep -v "^$1/src/util/walk\.c:" |
        sed "s|^$1/||; s|$| (lists a folder: use lcp_walk, src/util/walk.h)|"
}

v=$(check_tree .)
if [ -z "$v" ]; then
    pass=$((pass + 1))
else
    echo "FAIL layers:"
    echo "$v" | sed 's/^/    /'
    fail=$((fail + 1))
fi

# The rule itself: planted violations must be caught, a clean tree not.
T=$(mktemp -d) || exit 3
trap 'rm -rf "$T"' EXIT INT TERM
mkdir -p "$T/src/edit" "$T/src/job" "$T/src/util" "$T/src/check"
printf '#include "util/walk.h"\n#include "lcpatch/image.h"\n#include "edit/x.h"\n' >"$T/src/edit/ok.c"
printf '#include "edit/x.h"\n#include "util/walk.h"\n' >"$T/src/job/ok.c"
printf 'static void f(DIR *d) { while (readdir(d)) {} d = fdopendir(3); }\n' >"$T/src/util/walk.c"
if [ -n "$(check_tree "$T")" ]; then
    echo "FAIL layers: a clean tree is reported: $(check_tree "$T")"
    fail=$((fail + 1))
else
    pass=$((pass + 1))
fi
printf '#include "job/rescue.h"\n' >"$T/src/edit/up.c"
printf '#include "cli/cli.h"\n' >"$T/src/util/up.c"
printf 'static int f(const char *p) { return open(p, 0); }\n' >"$T/src/edit/io.c"
printf 'static void *f(const char *p) { return opendir(p); }\n' >"$T/src/job/ls.c"
printf 'static int f(const char *p) {\n    return nftw(p, g, 8, 0);\n}\n' >"$T/src/check/tree.c"
n=$(check_tree "$T" | wc -l)
if [ "$n" = 5 ]; then
    pass=$((pass + 1))
else
    echo "FAIL layers: the rule caught $n of 5 planted violations:"
    check_tree "$T" | sed 's/^/    /'
    fail=$((fail + 1))
fi
echo "layers: $pass passed, $fail failed"
[ $fail = 0 ]
