#!/bin/sh
# Fetches the C sources of the WebAssembly build (SQLite and the compressors) from the npm
# registry, as pinned in wasm/sources.lock, and unpacks them under DIR (default build/wasm/src):
# DIR/<package>/ is the package's content. Each tarball's sha512 must equal the pinned one, else
# the tarball is deleted and the script fails. Tarballs are kept in DIR/tgz (and npm's cache), so
# a second run is offline. liblzma comes as a .tar.bz2 inside its package: unpacked to DIR/xz.
set -eu
DIR="${1:-build/wasm/src}"
LOCK="$(dirname "$0")/../wasm/sources.lock"
mkdir -p "$DIR/tgz"

sha512() { # the npm-style integrity string of a file
    node -e 'const c=require("crypto");process.stdout.write("sha512-"+c.createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$1"
}

grep -v '^#' "$LOCK" | while read -r spec integrity _rest; do
    [ -n "$spec" ] || continue
    name="${spec%@*}"
    version="${spec##*@}"
    tgz="$DIR/tgz/$name-$version.tgz"
    stamp="$DIR/$name/.integrity"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$integrity" ]; then continue; fi
    if [ ! -f "$tgz" ]; then
        echo "wasm-sources: npm pack $spec"
        (cd "$DIR/tgz" && npm pack --silent "$spec" >/dev/null)
    fi
    got="$(sha512 "$tgz")"
    if [ "$got" != "$integrity" ]; then
        echo "wasm-sources: $spec: integrity mismatch (got $got, pinned $integrity)" >&2
        rm -f "$tgz"
        exit 1
    fi
    rm -rf "${DIR:?}/$name"
    mkdir -p "$DIR/$name"
    tar xzf "$tgz" -C "$DIR/$name" --strip-components=1
    echo "$integrity" > "$stamp"
done

if [ ! -f "$DIR/xz/.unpacked" ]; then
    rm -rf "$DIR/xz"
    mkdir -p "$DIR/xz"
    bzip2 -dc "$DIR/lzma-native/deps/xz-5.2.3.tar.bz2" | tar xf - -C "$DIR/xz" --strip-components=1
    touch "$DIR/xz/.unpacked"
fi
