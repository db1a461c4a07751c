#!/bin/sh
# Installs what lcpatch needs to build and test, or says exactly how.
# Debian/Ubuntu: apt-get (as root). macOS: Homebrew.
set -eu
missing=""
pkg-config --exists capstone 2>/dev/null || missing="$missing capstone"
pkg-config --exists cmocka 2>/dev/null || missing="$missing cmocka"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
[ -z "$missing" ] && exit 0

if [ "$(uname -s)" = Darwin ]; then
    echo "lcpatch needs:$missing. Install them with:" >&2
    echo "  brew install capstone cmocka pkg-config python3" >&2
    exit 1
fi
pkgs="pkg-config libcapstone-dev libcmocka-dev python3"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing$missing with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
    exit 0
fi
echo "lcpatch needs:$missing. Install them with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y $pkgs" >&2
exit 1
