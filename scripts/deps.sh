#!/bin/sh
# Installs what lcpatch needs to build and test, or says exactly how.
# Debian/Ubuntu: apt-get (as root). macOS: Homebrew.
set -eu
missing=""
pkg-config --exists capstone 2>/dev/null || missing="$missing capstone"
pkg-config --exists cmocka 2>/dev/null || missing="$missing cmocka"
pkg-config --exists libcrypto 2>/dev/null || missing="$missing libcrypto"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
# Optional: the SARIF schema check (tests/audit-sarif) skips without it.
has_jsonschema() {
    for py in python3 /usr/bin/python3; do
        "$py" -c 'import jsonschema' 2>/dev/null && return 0
    done
    return 1
}
if [ -z "$missing" ] && ! has_jsonschema && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing python3-jsonschema with apt-get (for the SARIF schema check)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jsonschema >/dev/null ||
        echo "deps: could not install python3-jsonschema; the SARIF schema check will be skipped" >&2
fi
[ -z "$missing" ] && exit 0

if [ "$(uname -s)" = Darwin ]; then
    echo "lcpatch needs:$missing. Install them with:" >&2
    echo "  brew install capstone cmocka openssl@3 pkg-config python3" >&2
    echo "  export PKG_CONFIG_PATH=\"\$(brew --prefix openssl@3)/lib/pkgconfig\"  # openssl@3 is keg-only" >&2
    exit 1
fi
pkgs="pkg-config libcapstone-dev libcmocka-dev libssl-dev python3 python3-jsonschema"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing$missing with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
    exit 0
fi
echo "lcpatch needs:$missing. Install them with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y $pkgs" >&2
exit 1
