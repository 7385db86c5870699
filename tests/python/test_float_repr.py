"""Float text of pickle_json is exactly Python's repr (ext/core/base/pk_dtoa.c + pk_float_repr).

200,000 random doubles (fixed seed) in a list and as a numpy float64 array, plus edge values:
random bit patterns (any exponent, subnormals), short decimals and integers (the digit searches
that end on exact bounds and ties), powers of two and ten and their neighbours. The raw text is
compared, not the parsed value: every element must be repr() of the double, character for
character.
"""
import math
import pickle
import random
import struct

import numpy as np

from conftest import sql_call


def _from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def _finite(values):
    return [v for v in values if math.isfinite(v)]


def _random_doubles(n):
    r = random.Random(20261206)
    out = []
    for _ in range(n // 2):
        out.append(_from_bits(r.getrandbits(64)))  # uniform bit patterns
    for _ in range(n // 4):  # short decimals, ties between shortest candidates live here
        out.append(float("%de%d" % (r.randrange(10 ** r.randint(1, 17)), r.randint(-330, 310))))
    for _ in range(n - len(out)):  # integers with few significant bits, up to 2^64
        out.append(float(r.getrandbits(64) >> r.randint(0, 40)))
    return _finite(out)


def _edges():
    out = [5e-324, -5e-324, 1e-323, 2.2250738585072014e-308, 2.225073858507201e-308,
           1.7976931348623157e308, -1.7976931348623157e308, 0.1, 0.3, 1e23, 9007199254740993.0,
           1e16, 1e-5, 1e-4, 0.0, -0.0, _from_bits(0x000FFFFFFFFFFFFF)]
    for k in range(-1074, 1024):
        x = math.ldexp(1.0, k)
        out += [x, math.nextafter(x, math.inf), math.nextafter(x, 0.0)]
    for k in range(-323, 309):
        x = float("1e%d" % k)
        out += [x, math.nextafter(x, math.inf), math.nextafter(x, 0.0)]
    return _finite(out)


def _expected(values):
    return "[" + ",".join(repr(v) for v in values) + "]"


def test_edge_doubles_as_list(db):
    values = _edges()
    assert sql_call(db, "pickle_json", pickle.dumps(values, 4)) == _expected(values)


def test_random_doubles_as_list(db):
    values = _random_doubles(200000)
    assert len(values) > 190000
    text = sql_call(db, "pickle_json", pickle.dumps(values, 4))
    want = _expected(values)
    if text != want:  # name the first differing double
        got = text[1:-1].split(",")
        for g, v in zip(got, values):
            assert g == repr(v), "%r (%s) written as %s" % (v, v.hex(), g)
    assert text == want


def test_random_doubles_as_numpy_array(db):
    values = _random_doubles(50000) + _edges()
    arr = np.array(values, dtype=np.float64)
    text = sql_call(db, "pickle_json", pickle.dumps(arr, 4))
    # numpy arrays are written through the same float writer; find the element list in the text
    want = ",".join(repr(v) for v in values)
    assert want in text
