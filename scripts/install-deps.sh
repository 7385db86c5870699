#!/bin/sh
# Installs the Debian packages pickle_ext needs to build, test, fuzz and run its demo, when they
# are missing. Safe to run repeatedly: it only calls apt-get when something is absent.
set -eu

PKGS="build-essential libsqlite3-dev sqlite3 libzstd-dev zstd libcmocka-dev zlib1g-dev \
liblzma-dev libbz2-dev liblz4-dev python3 python3-sklearn python3-joblib python3-pandas \
python3-pytest python3-lz4 python3-xgboost libpython3.11-testsuite clang libclang-rt-14-dev valgrind cppcheck"

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
