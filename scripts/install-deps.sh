#!/bin/sh
# Installs the Debian packages pickle_ext needs to build, test, fuzz and run its demo, when they
# are missing (the packaging tests: python3-venv, pip, setuptools and wheel for the offline
# `pip install`, chromium for the report page). Node.js and npm, for the npm package's test, are
# not installed here: Debian's npm conflicts with the NodeSource nodejs (which also carries the
# Node headers in /usr/include/node); tests/packaging/test_node_pkg.sh says when they are missing. Safe to run repeatedly: it only calls apt-get when something is absent.
set -eu

PKGS="build-essential libsqlite3-dev sqlite3 libzstd-dev zstd libcmocka-dev zlib1g-dev \
liblzma-dev libbz2-dev liblz4-dev python3 python3-sklearn python3-joblib python3-pandas \
python3-pytest python3-lz4 libpython3.11-testsuite clang libclang-rt-14-dev valgrind cppcheck \
python3-venv python3-pip python3-setuptools python3-wheel chromium"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
