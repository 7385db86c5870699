#!/bin/sh
# Installs the Debian packages pickle_ext needs, when they are missing. Safe to run repeatedly:
# it only calls apt-get when something is absent.
#
#   sh scripts/install-deps.sh demo   build the extension and run the demo (make demo)
#   sh scripts/install-deps.sh test   the above + the test toolchain (make test)
#   sh scripts/install-deps.sh cluster the build + Go, go-dqlite and dqlite (make test-cluster, pkdq)
#   sh scripts/install-deps.sh all    demo + test + cluster + sanitizer, fuzzing and lint tools
#                                     (.ci/run; default)
#   sh scripts/install-deps.sh bench  test + what make bench's optional onnx section needs:
#                                     python3-onnx, and onnxruntime-node (npm, its prebuilt
#                                     library is in the package; install scripts skipped) in
#                                     build/ort/node_modules when npm is present
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# Build: a C compiler, SQLite's headers and the compression libraries the extension links;
# the sqlite3 shell runs the demo.
DEMO="build-essential libsqlite3-dev sqlite3 libzstd-dev zlib1g-dev liblzma-dev libbz2-dev \
liblz4-dev"
# Tests: cmocka (unit), Python with scikit-learn/numpy/joblib/pandas as the oracle, pytest,
# lz4 and the zstd command (fixtures), CPython's pickle test vectors, XGBoost (the oracle of the
# XGBoost models); the packaging tests:
# venv, pip, setuptools and wheel (offline `pip install ./bindings/python`), chromium (the report
# page). Node.js and npm (the npm package's test) are not installed here: Debian's npm, node-gyp
# and libnode-dev conflict with the NodeSource nodejs, which also carries the Node headers in
# /usr/include/node; tests/packaging/test_node_pkg.sh says when node or npm is missing.
TEST="libcmocka-dev zstd python3 python3-sklearn python3-joblib python3-pandas python3-pytest \
python3-lz4 libpython3.11-testsuite python3-xgboost python3-venv python3-pip python3-setuptools \
python3-wheel chromium"
# The dqlite cluster (cluster/pkdq, tests/cluster/run.sh): Go, go-dqlite's packages (its app and
# driver, built from Debian's /usr/share/gocode: no network at build time), libdqlite, and the
# stock `dqlite` shell the test talks to the cluster with.
CLUSTER="golang-go golang-github-canonical-go-dqlite-dev libdqlite-dev go-dqlite"
# CI only: clang + libFuzzer runtime (make fuzz), valgrind (make memcheck), cppcheck (make lint),
# clang-format (make format-check), gcc-multilib (make check-m32), emscripten and bzip2 (make
# wasm: npm fetches the C sources, see docs/wasm.md; bzip2 unpacks liblzma's sources).
CI="clang libclang-rt-14-dev valgrind cppcheck clang-format gcc-multilib emscripten bzip2"

# make bench's onnx section: ONNX graphs of the fitted models (python3-onnx)
BENCH="python3-onnx"

# onnxruntime-node for make bench's onnx section, into build/ort (build output, never committed).
ort() {
    [ -d "$ROOT/build/ort/node_modules/onnxruntime-node" ] && return 0
    if ! command -v npm >/dev/null 2>&1; then
        echo "install-deps: npm not found: make bench skips its onnx section" >&2
        return 0
    fi
    mkdir -p "$ROOT/build/ort"
    npm install --prefix "$ROOT/build/ort" --ignore-scripts --no-audit --no-fund \
        --no-save onnxruntime-node@1
}

case "${1:-all}" in
demo) PKGS="$DEMO" ;;
test) PKGS="$DEMO $TEST" ;;
cluster) PKGS="$DEMO $CLUSTER" ;;
all) PKGS="$DEMO $TEST $CLUSTER $CI" ;;
bench) PKGS="$DEMO $TEST $BENCH" ;;
*)
    echo "usage: $0 [demo|test|cluster|all|bench]" >&2
    exit 2
    ;;
esac

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    echo "install-deps: installing:$missing"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [ "${1:-all}" = bench ]; then ort; fi
