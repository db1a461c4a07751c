#!/bin/sh
# What lcpatch needs to build and test, installed or named.
#
#   sh scripts/deps.sh                 (make deps, make demo, make check)
#       installs everything the build and `make check` use: with apt-get
#       when run as root on Debian/Ubuntu; otherwise prints the exact
#       command and exits 1.
#   sh scripts/deps.sh --check build   (plain make, before the first compile)
#   sh scripts/deps.sh --check test    (the unit tests, before their compile)
#       only checks: what is missing for that step, and the command that
#       installs it, instead of a compiler error. Never installs.
#   sh scripts/deps.sh --packages      the Debian packages, one line
#
# Debian 12 needs make and a C compiler to get here (apt-get install make
# gcc, or build-essential); this script installs the rest, listed in
# $debian below. $PKG_CONFIG (the Makefile passes its own) is the
# pkg-config to ask.
set -eu
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

# Debian packages, and what each gives the build or the tests:
#   pkg-config libcapstone-dev libssl-dev libarchive-dev   the build
#   libcmocka-dev                     the unit tests
#   python3 python3-jsonschema        the suites' checkers, the JSON Schema tests
#   llvm-19 (yaml2obj-19, llvm-objdump-19), lld-19 (ld64.lld-19), clang-19
#                                     tests that make or read Mach-O files
#   libclang-rt-19-dev                make fuzz (libFuzzer)
#   mandoc                            the man page lint of tests/install
#   openssl                           tests/corpus-verify reads each CMS with it too
debian="make gcc libc6-dev pkg-config libcapstone-dev libssl-dev libarchive-dev libcmocka-dev
python3 python3-jsonschema llvm-19 lld-19 clang-19 libclang-rt-19-dev mandoc openssl"
brew="capstone cmocka pkg-config openssl@3 libarchive llvm python"

# pkg-config modules per step (libcrypto: OpenSSL).
build_pc="capstone libcrypto libarchive"
test_pc="cmocka"
# Commands `make check` runs (Homebrew's LLVM has no -19 names: those
# tests are for Linux).
test_cmds="python3 yaml2obj-19 llvm-objdump-19 ld64.lld-19 clang-19 mandoc openssl"
[ "$(uname -s)" = Darwin ] && test_cmds="python3"

missing=""
need_pc() {
    if ! command -v "$PKG_CONFIG" >/dev/null 2>&1; then
        case " $missing " in *" pkg-config "*) ;; *) missing="$missing pkg-config" ;; esac
        return
    fi
    for m in "$@"; do
        "$PKG_CONFIG" --exists "$m" 2>/dev/null || missing="$missing $m"
    done
}
need_cmd() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
    done
}
# The suites run python3 from PATH, or /usr/bin/python3 (Debian's module).
need_jsonschema() {
    for py in python3 /usr/bin/python3; do
        "$py" -c 'import jsonschema' 2>/dev/null && return 0
    done
    missing="$missing python3-jsonschema"
}

say_how() { # say_how STEP: what is missing and how to install it; exit 1
    echo "lcpatch: $1 needs:$missing" >&2
    if [ "$(uname -s)" = Darwin ]; then
        echo "  brew install $brew" >&2
        echo "  python3 -m pip install jsonschema" >&2
        echo "  (openssl@3 and libarchive are keg-only: PKG_CONFIG_PATH=\$(brew --prefix openssl@3)/lib/pkgconfig:\$(brew --prefix libarchive)/lib/pkgconfig)" >&2
    else
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends" $debian >&2
        echo "  (or, as root: make deps)" >&2
    fi
    exit 1
}

if [ "${1:-}" = --packages ]; then
    echo $debian
    exit 0
fi
if [ "${1:-}" = --check ]; then
    case ${2:-} in
    build) need_pc $build_pc ;;
    test) need_pc $build_pc $test_pc ;;
    *)
        echo "usage: deps.sh [--check build|test]" >&2
        exit 2
        ;;
    esac
    [ -z "$missing" ] && exit 0
    say_how "${2}"
fi

need_all() {
    need_cmd make cc
    need_pc $build_pc $test_pc
    need_cmd $test_cmds
    need_jsonschema
}
need_all
[ -z "$missing" ] && exit 0

if [ "$(uname -s)" != Darwin ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing:$missing; installing with apt-get:" $debian >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086 # a list of package names
    apt-get install -y -qq --no-install-recommends $debian >/dev/null
    missing=""
    need_all
    [ -z "$missing" ] && exit 0
    echo "deps: still missing after apt-get:$missing" >&2
    exit 1
fi
say_how "the build and its tests"
