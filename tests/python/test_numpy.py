"""numpy arrays, dtypes and scalars decoded by the extension, compared with numpy's own values.

Matrix: every dtype (bool, int8..int64, uint8..uint64, float16/32/64, complex64/128,
S, U, O, structured V with nested and subarray fields, datetime64/timedelta64 with units, and
big-endian variants) x shapes (0-d, empty, 1-d, 3-d, Fortran 2-d and 3-d, a transposed view)
x protocols 0-5 via pickle.dumps, plus numpy's own ndarray.dumps(), plus numpy-2 forms built by
scripts/numpy2_pickles.py (numpy._core names, _frombuffer with orders C/F/K).

Floats are compared bit for bit (struct.pack of the double; NaN must decode as NaN), integers
exactly (uint64 and int64 extremes included), strings by value.
"""
import base64
import json
import math
import os
import pickle
import struct
import sys

import numpy as np
import pytest

from conftest import sql_call, sql_error

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import numpy2_pickles as n2  # noqa: E402

RNG = np.random.default_rng(20261128)

SPECIAL_F = [0.0, -0.0, 1.0, -1.5, float("nan"), float("inf"), float("-inf"), 1e-300, 5e-324,
             1.7976931348623157e308, 0.1, 2.0 ** 60 + 1]


def values_for(dt, n):
    """n deterministic values of dtype dt, specials first."""
    dt = np.dtype(dt)
    k = dt.kind
    if k == "b":
        return np.array([True, False] * n, dtype=dt)[:n]
    if k in "iu":
        info = np.iinfo(dt)
        base = [info.min, info.max, 0, 1, info.max - 1]
        rest = RNG.integers(info.min, info.max, size=max(n, 1), dtype=dt.newbyteorder("="))
        return np.array((base + list(rest))[:n], dtype=dt)
    if k == "f":
        with np.errstate(over="ignore"):
            base = np.array(SPECIAL_F, dtype=np.float64).astype(dt)
        rest = RNG.standard_normal(max(n, 1)).astype(dt)
        return np.concatenate([base, rest])[:n].astype(dt)
    if k == "c":
        re = values_for(np.float64, n)
        im = values_for(np.float64, n + 3)[3:]
        with np.errstate(over="ignore", invalid="ignore"):
            return (re + 1j * im).astype(dt)
    if k == "S":
        pool = [b"", b"a", b"a\x00b", b"\xff\xfe", b"hello", b"xyz"]
        return np.array([pool[i % len(pool)] for i in range(n)], dtype=dt)
    if k == "U":
        pool = ["", "a", "\u00e9t\u00e9", "\U0001F600", "z\u0000y", "\u4e2d\u6587"]
        return np.array([pool[i % len(pool)] for i in range(n)], dtype=dt)
    if k in "Mm":
        ints = [0, 1, -1, 1577836800, np.iinfo(np.int64).min]  # the last one is NaT
        ints += list(RNG.integers(-10**9, 10**9, size=max(n, 1)))
        return np.array(ints[:n], dtype=np.int64).view(dt.newbyteorder("=")).astype(dt)
    if k == "O":
        pool = [1, "x", None, 2.5, [1, 2], {"k": "v"}, -(2**70), (1, "t"), True, b"by"]
        out = np.empty(n, dtype=object)
        for i in range(n):
            out[i] = pool[i % len(pool)]
        return out
    if k == "V" and dt.names:
        out = np.zeros(n, dtype=dt)
        for name in dt.names:
            fdt = dt.fields[name][0]
            base, shape = (fdt.subdtype if fdt.subdtype else (fdt, ()))
            count = int(np.prod(shape)) if shape else 1
            vals = values_for(base, n * count)
            out[name] = vals.reshape((n,) + tuple(shape)) if shape else vals
        return out
    raise AssertionError(dt)


REC_INNER = np.dtype([("d", "<u8"), ("e", ">f2", (2,))])
DTYPES = [
    "?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16",
    ">i2", ">i8", ">u4", ">f2", ">f4", ">f8", ">c16",
    "S5", "U4", ">U3", "O",
    "M8[ns]", "M8[D]", ">M8[s]", "m8[us]", "m8[h]",
    np.dtype([("a", "<f4"), ("b", "S3"), ("c", REC_INNER), ("g", "<i4", (2, 3))]),
    np.dtype({"names": ["x", "y"], "formats": ["u1", "<f8"], "offsets": [0, 8], "itemsize": 24}),
    np.dtype([("p", "<i2"), ("q", "U2")], align=True),
]
DTYPE_IDS = [np.dtype(d).str if not np.dtype(d).names else "rec%d" % i for i, d in enumerate(DTYPES)]


def arrays_for(dt):
    """(label, array) for every shape of the matrix."""
    dt = np.dtype(dt)
    v24 = values_for(dt, 24)
    return [
        ("0d", v24[:1].reshape(())),
        ("empty", v24[:0]),
        ("empty2d", v24[:0].reshape(0, 3)),
        ("1d", v24[:7].copy()),
        ("3d", v24.reshape(2, 3, 4).copy()),
        ("F2d", np.asfortranarray(v24[:12].reshape(3, 4))),
        ("F3d", np.asfortranarray(v24.reshape(2, 3, 4))),
        ("view", v24.reshape(4, 6)[::2, 1::2]),
    ]


# ---- expected values ------------------------------------------------------------------------

def expect_elem(x, dt):
    """Python value of one element as the extension's JSON should give it."""
    if dt.names:
        out = {}
        for name in dt.names:
            fdt = dt.fields[name][0]
            v = x[name]
            out[name] = expect(np.asarray(v)) if fdt.subdtype else expect_elem(v, fdt)
        return out
    k = dt.kind
    if k == "b":
        return bool(x)
    if k in "iu":
        return int(x)
    if k in "Mm":
        return int(np.asarray(x).view(np.int64))
    if k == "f":
        return float(x)
    if k == "c":
        return {"py/complex": [float(x.real), float(x.imag)]}
    if k == "S":
        return {"py/bytes": base64.b64encode(bytes(x)).decode()}
    if k == "U":
        return str(x)
    if k == "O":
        return to_json_like(x)
    raise AssertionError(dt)


def to_json_like(v):
    if isinstance(v, bytes):
        return {"py/bytes": base64.b64encode(v).decode()}
    if isinstance(v, (list, tuple)):
        return [to_json_like(x) for x in v]
    if isinstance(v, dict):
        return {k: to_json_like(x) for k, x in v.items()}
    return v


def expect(a):
    if a.ndim == 0:
        return expect_elem(a[()], a.dtype)
    return [expect(a[i, ...]) for i in range(a.shape[0])]


def same(got, want, where="$", lossless=False):
    """Exact comparison: floats bit for bit, ints exactly, bools as bools. NaN is null in
    pickle_json's default (strict) JSON, NaN in its lossless 'nan' form (lossless=True)."""
    if isinstance(want, float):
        if math.isnan(want) and not lossless:
            assert got is None, (where, got, want)
            return
        assert isinstance(got, float), (where, got, want)
        if math.isnan(want):
            assert math.isnan(got), (where, got, want)
        else:
            assert struct.pack("<d", got) == struct.pack("<d", want), (where, got, want)
    elif isinstance(want, bool):
        assert got is want, (where, got, want)
    elif isinstance(want, int):
        assert isinstance(got, int) and not isinstance(got, bool) and got == want, (where, got, want)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (where, got, want)
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, "%s[%d]" % (where, i), lossless)
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), (where, got, want)
        for k in want:
            same(got[k], want[k], "%s.%s" % (where, k), lossless)
    else:
        assert got == want, (where, got, want)


def decoded(db, blob):
    return json.loads(sql_call(db, "pickle_json", blob))


# ---- the matrix -----------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
def test_pickle_dumps_matrix(db, dt, protocol):
    for label, a in arrays_for(dt):
        blob = pickle.dumps(a, protocol=protocol)
        same(expect(pickle.loads(blob)), expect(a), lossless=True)  # Python's round trip agrees
        same(decoded(db, blob), expect(a), "%s/p%d/%s" % (dt, protocol, label))
        # the lossless form keeps NaN (and every other value) as Python's json module writes it
        lossless = json.loads(sql_call(db, "pickle_json", blob, "$", "nan"))
        same(lossless, expect(a), "%s/p%d/%s nan" % (dt, protocol, label), lossless=True)
        assert sql_call(db, "pickle_type", blob) == "numpy.ndarray"


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
def test_numpy_own_dumps(db, dt):
    for label, a in arrays_for(dt):
        same(decoded(db, a.dumps()), expect(a), "%s/dumps/%s" % (dt, label))


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
def test_numpy2_forms(db, dt, protocol):
    for label, a in arrays_for(dt):
        for spelling in ("numpy2", "umath1", "umath2"):
            blob = n2.dumps(a, protocol, spelling=spelling)
            back = n2.python_loads(blob)
            assert back.shape == a.shape
            same(expect(back), expect(a), lossless=True)  # the bytes mean what numpy means
            same(decoded(db, blob), expect(a), "%s/np2-p%d/%s/%s" % (dt, protocol, label, spelling))


@pytest.mark.parametrize("dt", ["f8", ">i4", "u1", "c8", "U3", "M8[ms]",
                                np.dtype([("a", "<f4"), ("b", "S2")])], ids=str)
def test_numpy23_order_k(db, dt):
    v = values_for(dt, 120)
    cases = [v.reshape(2, 3, 4, 5).transpose(p) for p in [(2, 0, 1, 3), (3, 1, 0, 2), (1, 0, 2, 3)]]
    cases.append(v[:12].reshape(3, 4).T)
    for a in cases:
        assert not a.flags.c_contiguous
        blob = n2.dumps(a, 5)
        assert (b"\x8c\x01K" in blob) == (not a.flags.f_contiguous)
        same(expect(n2.python_loads(blob)), expect(a), lossless=True)
        same(decoded(db, blob), expect(a))
    # forced F and C orders of the same data
    a = v.reshape(4, 30)
    same(decoded(db, n2.dumps(np.asfortranarray(a), 5, order="F")), expect(a))
    same(decoded(db, n2.dumps(a, 5, order="C")), expect(a))


# ---- elements through pickle_get ------------------------------------------------------------

NUMERIC = ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", ">f8", ">i8"]


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("dt", NUMERIC)
def test_pickle_get_element(db, dt, protocol):
    a = values_for(dt, 12).reshape(3, 4)
    blob = pickle.dumps(a, protocol=protocol)
    for i in range(3):
        for j in range(4):
            got = sql_call(db, "pickle_get", blob, "$[%d][%d]" % (i, j))
            want = a[i, j]
            if a.dtype.kind == "f":
                w = float(want)
                if math.isnan(w):
                    assert got is None  # SQLite has no NaN
                else:
                    assert isinstance(got, float) and struct.pack("<d", got) == struct.pack("<d", w)
            elif a.dtype.kind == "u" and int(want) >= 2**63:
                assert str(got) == str(int(want))  # beyond int64: the exact digits
            else:
                assert isinstance(got, int) and got == int(want), (i, j, got, want)
            assert sql_call(db, "pickle_type", blob, "$[%d][%d]" % (i, j)) == "numpy." + type(want).__name__
    # negative indexes, rows, out of range
    assert json.loads(sql_call(db, "pickle_json", blob, "$[-1]")) is not None
    same(json.loads(sql_call(db, "pickle_json", blob, "$[-1]")), expect(a[-1]))
    assert "pickle_get" in (sql_error(db, "pickle_get", blob, "$[3][0]") or "")


def test_element_of_fortran_and_view(db):
    a = np.asfortranarray(np.arange(24, dtype=">f8").reshape(2, 3, 4))
    for p in range(6):
        blob = pickle.dumps(a, protocol=p)
        assert sql_call(db, "pickle_get", blob, "$[1][2][3]") == 23.0
        assert sql_call(db, "pickle_get", blob, "$[0][1][2]") == 6.0
        same(json.loads(sql_call(db, "pickle_json", blob, "$[1][2]")), [20.0, 21.0, 22.0, 23.0])


def test_scalars(db):
    cases = [np.float64(1.5), np.float32(0.1), np.float16(-2.5), np.int8(-128),
             np.uint64(2**64 - 1), np.int64(-2**63), np.bool_(True), np.complex64(1 - 2j),
             np.bytes_(b"ab"), np.str_("h\u00e9"), np.datetime64(5, "D"), np.timedelta64(-3, "s"),
             np.array([(3, b"xy", [1.5, -2.0])], dtype=[("a", ">i4"), ("b", "S2"), ("c", "<f8", (2,))])[0]]
    for x in cases:
        for p in range(6):
            for blob in (pickle.dumps(x, protocol=p),) + ((n2.scalar_dumps(x, p),) if p >= 2 else ()):
                assert sql_call(db, "pickle_type", blob) == "numpy." + type(x).__name__
                same(decoded(db, blob), expect_elem(x, x.dtype))
    assert sql_call(db, "pickle_get", pickle.dumps(np.float64(1.5))) == 1.5
    assert sql_call(db, "pickle_get", pickle.dumps(np.int16(-7))) == -7


def test_arrays_inside_containers(db):
    obj = {"coef_": np.arange(6.0).reshape(2, 3), "n": np.int64(3), "names": np.array(["a", "b"], dtype=object)}
    for p in range(6):
        blob = pickle.dumps(obj, protocol=p)
        assert sql_call(db, "pickle_get", blob, "$.coef_[1][2]") == 5.0
        assert sql_call(db, "pickle_get", blob, "$.n") == 3
        assert json.loads(sql_call(db, "pickle_json", blob, "$.names")) == ["a", "b"]
        assert sql_call(db, "pickle_type", blob, "$.coef_") == "numpy.ndarray"
        assert sql_call(db, "pickle_type", blob, "$.coef_[0][0]") == "numpy.float64"


# ---- bad inputs -----------------------------------------------------------------------------

def test_size_mismatch(db):
    a = np.arange(3, dtype="f8")
    for p in (2, 3, 4):
        err = sql_error(db, "pickle_json", n2.dumps(a, p, raw=b"\0" * 23))
        assert err and "does not match" in err and "23" in err, err
    err = sql_error(db, "pickle_json", n2.dumps(a, 5, raw=b"\0" * 25))
    assert err and "25" in err and "24" in err, err
    # a shape whose byte count overflows
    blob = pickle.dumps(np.zeros(1, "f8"), protocol=2).replace(b"K\x01\x85", b"\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x1f\x85")
    err = sql_error(db, "pickle_json", blob)
    assert err and "too big" in err, err


def test_bad_dtype_state(db):
    blob = pickle.dumps(np.arange(3, dtype="<i4"), protocol=3)
    assert b"\x8c" not in blob  # protocol 3 writes BINUNICODE 'X'
    bad = blob.replace(b"X\x01\x00\x00\x00<", b"X\x01\x00\x00\x00?")
    assert bad != blob
    err = sql_error(db, "pickle_json", bad)
    assert err and "byte order" in err, err
    bad = blob.replace(b"X\x02\x00\x00\x00i4", b"X\x02\x00\x00\x00q3")
    assert bad != blob
    err = sql_error(db, "pickle_json", bad)
    assert err and "dtype" in err, err


def test_longdouble_and_object_records(db):
    a = np.array([1.5, 0.0, -1e300, 7.0], dtype=np.longdouble)
    a[1] = np.longdouble(1) / 3  # not representable as a double: rounds like float(x)
    for arr in (a, a.astype(">g"), a.reshape(2, 2).T):
        for p in (2, 4, 5):
            same(decoded(db, pickle.dumps(arr, protocol=p)), [float(x) for x in arr.ravel()]
                 if arr.ndim == 1 else [[float(x) for x in row] for row in arr])
    assert sql_call(db, "pickle_type", pickle.dumps(a), "$[0]") == "numpy." + type(a[0]).__name__
    # records holding Python objects are refused with a clear message
    rec = np.array([(1, "x")], dtype=[("a", "i4"), ("b", "O")])
    err = sql_error(db, "pickle_json", pickle.dumps(rec, protocol=2))
    assert err and "object fields" in err, err
