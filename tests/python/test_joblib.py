"""joblib files decoded by the extension: NumpyArrayWrapper + raw array bytes, every compressor
joblib 1.2 writes (zlib, gzip, bz2, xz, lzma, lz4) and none, the legacy "ZF" container, object
arrays (nested pickles), several arrays and other objects in one file, and bad inputs (wrong pad
bytes, size mismatches, truncated and over-limit compressed data).

Values are compared exactly with what joblib.load gives (floats bit for bit).
"""
import io
import json
import os
import sys
import zlib

import joblib
import numpy as np
import pytest

from conftest import load_ext, sql_call, sql_error

sys.path.insert(0, os.path.dirname(__file__))
from test_numpy import expect, same, to_json_like, values_for  # noqa: E402

COMPRESSORS = [None, "zlib", "gzip", "bz2", "xz", "lzma", "lz4"]
INFO_NAME = {None: "none", "zlib": "zlib", "gzip": "gzip", "bz2": "bz2", "xz": "xz",
             "lzma": "lzma", "lz4": "lz4"}


def dump(obj, compress=None, protocol=None):
    bio = io.BytesIO()
    joblib.dump(obj, bio, compress=(compress, 3) if compress else 0, protocol=protocol)
    return bio.getvalue()


def expect_value(v):
    """What pickle_json should give for a Python/numpy value."""
    if isinstance(v, np.ndarray):
        return expect(v)
    if isinstance(v, np.generic):
        return expect(np.asarray(v))
    if isinstance(v, dict):
        return {k: expect_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [expect_value(x) for x in v]
    return to_json_like(v)


def payload():
    return {
        "w3d": values_for("f8", 24).reshape(2, 3, 4),
        "fortran": np.asfortranarray(values_for(">i4", 12).reshape(3, 4)),
        "half": values_for("f2", 5),
        "u64": values_for("u8", 6),
        "cplx": values_for("c16", 4),
        "text": values_for("U4", 5),
        "raw": values_for("S5", 4),
        "when": values_for("M8[us]", 3),
        "rec": values_for(np.dtype([("a", "<f4"), ("b", "S3"), ("g", "<i2", (2,))]), 3),
        "objs": np.array([1, "x", None, [2, 3]], dtype=object),
        "zero_d": np.array(7.25),
        "empty": np.zeros((0, 3)),
        "scalar": np.float32(0.5),
        "plain": [1, "two", {"three": 3.0}],
    }


@pytest.mark.parametrize("compress", COMPRESSORS, ids=lambda c: c or "none")
def test_joblib_compressors(db, compress):
    obj = payload()
    blob = dump(obj, compress)
    back = joblib.load(io.BytesIO(blob))
    same(expect_value(back), expect_value(obj), lossless=True)  # joblib agrees with itself
    got = json.loads(sql_call(db, "pickle_json", blob))
    same(got, expect_value(back))
    info = json.loads(sql_call(db, "pickle_info", blob))
    assert info["format"] == "joblib"
    assert info["compression"] == INFO_NAME[compress]
    assert sql_call(db, "pickle_get", blob, "$.w3d[1][2][3]") == float(obj["w3d"][1, 2, 3])
    assert sql_call(db, "pickle_get", blob, "$.fortran[2][1]") == int(obj["fortran"][2, 1])
    assert sql_call(db, "pickle_type", blob, "$.fortran") == "numpy.ndarray"
    assert sql_call(db, "pickle_type", blob, "$.w3d[0][0][0]") == "numpy.float64"
    assert sql_call(db, "pickle_get", blob, "$.objs[1]") == "x"
    assert sql_call(db, "pickle_get", blob, "$.plain[1]") == "two"


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_joblib_protocols_and_stream_continues(db, protocol):
    a = values_for("f8", 10)
    b = np.asfortranarray(values_for("i2", 6).reshape(2, 3))
    obj = [a, "between", b, {"after": (1, 2)}, np.array(["o", 1], dtype=object), "tail"]
    for compress in (None, "zlib"):
        blob = dump(obj, compress, protocol)
        got = json.loads(sql_call(db, "pickle_json", blob))
        same(got, expect_value(joblib.load(io.BytesIO(blob))))
        assert got[-1] == "tail"


def test_joblib_file_on_disk(db, tmp_path):
    obj = {"x": np.arange(100, dtype="<f4").reshape(10, 10), "y": np.arange(5)}
    for compress in COMPRESSORS:
        path = tmp_path / ("m.joblib" + ("." + compress if compress else ""))
        joblib.dump(obj, path, compress=(compress, 3) if compress else 0)
        blob = path.read_bytes()
        same(json.loads(sql_call(db, "pickle_json", blob)), expect_value(joblib.load(path)))
        assert json.loads(sql_call(db, "pickle_info", blob))["compression"] == INFO_NAME[compress]


class NoTell:
    """A write-only file: joblib then writes no alignment padding (docs/formats.md, joblib)."""

    def __init__(self):
        self.buf = io.BytesIO()

    def write(self, b):
        return self.buf.write(b)

    def tell(self):
        raise io.UnsupportedOperation("tell")


def test_joblib_without_alignment(db):
    obj = {"a": values_for("f8", 7), "b": values_for("u1", 3)}
    f = NoTell()
    joblib.dump(obj, f)
    blob = f.buf.getvalue()
    assert b"alignment_bytes\x94N" in blob
    same(json.loads(sql_call(db, "pickle_json", blob)), expect_value(obj))


def zfile(data):
    """joblib < 0.9.3 ZF container: 'ZF' + hex length padded to 19 characters + zlib."""
    return b"ZF" + ("0x%x" % len(data)).ljust(19).encode() + zlib.compress(data, 3)


def test_legacy_zfile(db):
    import pickle
    obj = {"coef": values_for("f8", 6).reshape(2, 3), "name": "old"}
    for p in (0, 2):
        blob = zfile(pickle.dumps(obj, protocol=p))
        same(json.loads(sql_call(db, "pickle_json", blob)), expect_value(obj))
        info = json.loads(sql_call(db, "pickle_info", blob))
        assert info["compression"] != "none"
    # a ZF header that lies about the length
    data = pickle.dumps(obj, protocol=2)
    bad = b"ZF" + ("0x%x" % (len(data) + 1)).ljust(19).encode() + zlib.compress(data)
    err = sql_error(db, "pickle_json", bad)
    assert err and "length" in err, err


# ---- bad inputs -----------------------------------------------------------------------------

def plain_dump():
    blob = dump({"w": np.arange(3, dtype="<f8")})
    i = blob.index(b"alignment_bytes\x94K\x10ub") + len(b"alignment_bytes\x94K\x10ub")
    return blob, i  # blob[i] is the pad length


def test_wrong_pad_bytes(db):
    blob, i = plain_dump()
    pad = blob[i]
    assert 1 <= pad <= 16 and blob[i + 1:i + 1 + pad] == b"\xff" * pad
    same(json.loads(sql_call(db, "pickle_json", blob)), {"w": [0.0, 1.0, 2.0]})
    if pad >= 2:
        bad = blob[:i + 2] + b"\x00" + blob[i + 3:]
        err = sql_error(db, "pickle_json", bad)
        assert err and "padding byte" in err and "offset" in err, err
    bad = blob[:i] + b"\x40" + blob[i + 1:]
    err = sql_error(db, "pickle_json", bad)
    assert err and "padding length 64" in err, err


def test_truncated_array_data(db):
    blob, i = plain_dump()
    cut = blob[:i + 1 + blob[i] + 20]
    err = sql_error(db, "pickle_json", cut)
    assert err and "needs 24 bytes" in err, err


def test_shape_mismatch(db):
    # the wrapper says 4 elements but 3 were written: the stream no longer parses after the data
    blob, i = plain_dump()
    bad = blob.replace(b"K\x03\x85", b"K\x04\x85", 1)
    assert bad != blob
    assert sql_error(db, "pickle_json", bad) is not None


@pytest.mark.parametrize("compress", COMPRESSORS[1:])
def test_truncated_compressed(db, compress):
    blob = dump({"w": values_for("f8", 2000)}, compress)
    for cut in (len(blob) // 2, len(blob) - 9):
        err = sql_error(db, "pickle_json", blob[:cut])
        assert err and ("compressed" in err or "truncated" in err), (compress, cut, err)


@pytest.mark.parametrize("compress", COMPRESSORS[1:])
def test_inflate_past_limit(so_path, compress):
    import sqlite3
    conn = sqlite3.connect(":memory:")
    load_ext(conn, so_path)
    try:
        blob = dump({"z": np.zeros(1 << 20)}, compress)  # 8 MiB of zeros, a few KiB compressed
        assert len(blob) < 1_000_000
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000)  # inflate cap: 4 x this
        with pytest.raises(sqlite3.Error) as exc:
            conn.execute("SELECT pickle_json(?)", (blob,)).fetchone()
        assert "limit" in str(exc.value), str(exc.value)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000_000)
        assert conn.execute("SELECT pickle_get(?, '$.z[5]')", (blob,)).fetchone()[0] == 0.0
    finally:
        conn.close()
