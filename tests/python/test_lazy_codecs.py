"""The rarely used joblib decompressors (bz2, xz/lzma, lz4) are loaded on first use.

The extension links only zlib and zstd; a joblib file compressed with bz2, xz, lzma or lz4 opens
its library with dlopen when it is first read. Checked here: the linked libraries, that every
such file still decodes to numpy's values, and -- in a private mount namespace where the bz2 and
lz4 libraries are hidden behind /dev/null -- that the extension still loads, reads zlib, xz and
plain pickles, and refuses bz2 and lz4 files with a message naming the missing library.
"""
import os
import shutil
import subprocess

import joblib
import numpy as np
import pytest

LIBDIR = "/lib/x86_64-linux-gnu"
COMPRESSORS = ["zlib", "bz2", "xz", "lzma", "lz4"]


def dump(tmp_path, compressor):
    path = tmp_path / ("m." + compressor)
    joblib.dump({"w": np.arange(3.0), "n": 7}, path, compress=(compressor, 3))
    return path


def test_linked_libraries(so_path):
    out = subprocess.run(["ldd", so_path], stdout=subprocess.PIPE, text=True, check=True).stdout
    linked = {ln.split()[0] for ln in out.splitlines() if "=>" in ln}
    assert "libzstd.so.1" in linked and "libz.so.1" in linked
    assert not linked & {"libbz2.so.1.0", "liblzma.so.5", "liblz4.so.1"}, out


@pytest.mark.parametrize("compressor", COMPRESSORS)
def test_every_compressor_decodes(db, tmp_path, compressor):
    blob = dump(tmp_path, compressor).read_bytes()
    assert db.execute("SELECT pickle_json(?)", (blob,)).fetchone()[0] == '{"w":[0.0,1.0,2.0],"n":7}'
    info = db.execute("SELECT pickle_info(?) ->> '$.compression'", (blob,)).fetchone()[0]
    assert info == compressor


def namespaces_available():
    unshare = shutil.which("unshare")
    if not unshare:
        return False
    return subprocess.run([unshare, "-rm", "true"], stderr=subprocess.DEVNULL).returncode == 0


def test_missing_library_is_a_clear_error(so_path, tmp_path):
    if not namespaces_available():
        pytest.skip("user and mount namespaces are not available (unshare -rm)")
    files = {c: dump(tmp_path, c) for c in COMPRESSORS}
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(bytes.fromhex("80044b2a2e"))
    hidden = [os.path.join(LIBDIR, "libbz2.so.1.0"), os.path.join(LIBDIR, "liblz4.so.1")]
    for lib in hidden:
        assert os.path.exists(lib), lib
    sql = "".join(
        "SELECT '%s', coalesce(pickle_json(readfile('%s')), 'NULL');\n" % (c, p)
        for c, p in [("plain", plain)] + sorted(files.items()))
    script = ("for lib in %s; do mount --bind /dev/null \"$lib\" || exit 9; done\n"
              "exec sqlite3 -batch -cmd '.load %s' :memory:\n"
              % (" ".join(hidden), so_path[:-3]))
    r = subprocess.run(["unshare", "-rm", "sh", "-c", script], input=sql, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    lines = r.stdout.strip().splitlines()
    good = '{"w":[0.0,1.0,2.0],"n":7}'
    assert "plain|42" in lines, r.stdout
    for c in ["zlib", "xz", "lzma"]:
        assert "%s|%s" % (c, good) in lines, r.stdout
    for c, lib in [("bz2", "libbz2.so.1.0"), ("lz4", "liblz4.so.1")]:
        msg = ("pickle_json: unsupported pickle feature: %s data needs the library %s, which "
               "cannot be loaded (install it to read such files)" % (c, lib))
        assert any(ln.endswith(msg) for ln in lines), r.stdout
        assert not any(ln.startswith(c + "|") for ln in lines), r.stdout
