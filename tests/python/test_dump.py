"""pickle_dump / pickle_dump_agg: SQL values and JSON documents -> pickles every Python loads.

Random SQL values and JSON documents (fixed seeds) are written with pickle_dump at protocols 0-5
and loaded back:
  - by Debian's /usr/bin/python3 in process: equal values, and for single SQL values the exact
    bytes CPython's pickle.dumps writes;
  - by every pyenv Python present, in one subprocess per Python (pkwrite_helper.py canon):
    Python 2.7 for protocols <= 2, 3.6/3.7 for <= 4, the others for all six.
"""
import binascii
import glob
import json
import math
import os
import pickle
import random
import sqlite3
import subprocess
import sys

import pytest

from conftest import load_ext

HERE = os.path.dirname(os.path.abspath(__file__))
HELPER = os.path.join(HERE, "pkwrite_helper.py")
sys.path.insert(0, HERE)
from pkwrite_helper import canon  # noqa: E402

N_VALUES = 2000
N_DOCS = 800


def pythons():
    """(path, highest protocol it can load) for every pyenv Python present."""
    out = []
    for py in sorted(glob.glob("/root/.pyenv/versions/*/bin/python")):
        ver = py.split("/")[-3]
        major, minor = (int(x) for x in ver.split(".")[:2])
        if major == 2:
            out.append((py, 2))
        elif (major, minor) < (3, 8):
            out.append((py, 4))
        else:
            out.append((py, 5))
    return out


def rand_text(rng):
    pools = [u"abcxyz ", u"\n\r\t\\\x00\x1a\"'", u"\u00e9\u00ff\u0100", u"\u4e2d\u20ac\ufeff",
             u"\U0001F600\U00010348"]
    n = rng.choice([0, 1, 2, 5, 20, 300])
    return u"".join(rng.choice(rng.choice(pools)) for _ in range(n))


def rand_sql_value(rng):
    k = rng.randrange(9)
    if k == 0:
        return None
    if k == 1:
        return rng.randrange(-300, 70000)
    if k == 2:
        return rng.choice([-2**63, 2**63 - 1, -2**31 - 1, -2**31, 2**31 - 1, 2**31, 2**40,
                           rng.randrange(-2**63, 2**63)])
    if k == 3:
        while True:
            f = rng.choice([rng.uniform(-1e6, 1e6), rng.random(), float("inf"), float("-inf"),
                            -0.0, 1e300 * rng.random(), 5e-324])
            if not math.isnan(f):
                return f
    if k in (4, 5):
        return rand_text(rng)
    if k == 6:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 3, 255, 256, 1000])))
    if k == 7:
        if rng.random() < 0.05:  # large payloads are written outside frames
            return bytes(rng.randrange(256) for _ in range(70000))
        return rand_text(rng) * 30  # longer str: BINUNICODE, frame commits
    return rng.uniform(-1, 1)


def rand_json(rng, depth=0):
    k = rng.randrange(10 if depth < 4 else 6)
    if k == 0:
        return None
    if k == 1:
        return rng.choice([True, False])
    if k == 2:
        return rng.choice([rng.randrange(-1000, 1000), rng.randrange(-2**70, 2**70),
                           rng.randrange(-2**200, 2**200), 2**63, -2**63 - 1])
    if k == 3:
        return rng.uniform(-1e5, 1e5)
    if k in (4, 5):
        return rand_text(rng)
    if k in (6, 7):
        return [rand_json(rng, depth + 1) for _ in range(rng.choice([0, 1, 3, 7]))]
    return dict((rand_text(rng) + str(i), rand_json(rng, depth + 1))
                for i in range(rng.choice([0, 1, 2, 6])))


def same_value(a, b):
    return json.dumps(canon(a)) == json.dumps(canon(b))


def dump_all(db, sql, params):
    return [db.execute(sql, p).fetchone()[0] for p in params]


def load_elsewhere(py, pickles):
    """Loads hex pickles in another Python: its canonical forms."""
    proc = subprocess.run([py, HELPER, "canon"], input=json.dumps(pickles).encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout.decode())


@pytest.fixture(scope="module")
def mdb(so_path):
    conn = sqlite3.connect(":memory:")
    load_ext(conn, so_path)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def sql_values():
    rng = random.Random(20261128)
    return [rand_sql_value(rng) for _ in range(N_VALUES)]


@pytest.fixture(scope="module")
def json_docs():
    rng = random.Random(7)
    docs = [rand_json(rng) for _ in range(N_DOCS)]
    return [json.dumps(d, ensure_ascii=rng.random() < 0.5) for d in docs]


@pytest.fixture(scope="module")
def dumped(mdb, sql_values, json_docs):
    """{proto: (value pickles, doc pickles)}"""
    out = {}
    for p in range(6):
        vals = dump_all(mdb, "SELECT pickle_dump(?, ?)", [(v, p) for v in sql_values])
        docs = dump_all(mdb, "SELECT pickle_dump(json(?), ?)", [(d, p) for d in json_docs])
        out[p] = (vals, docs)
    return out


@pytest.mark.parametrize("proto", range(6))
def test_sql_values_match_cpython_bytes(proto, sql_values, dumped):
    vals, _ = dumped[proto]
    for v, got in zip(sql_values, vals):
        assert same_value(pickle.loads(got), v)
        assert got == pickle.dumps(v, proto), (v if not isinstance(v, bytes) else len(v), proto)


@pytest.mark.parametrize("proto", range(6))
def test_json_docs_load_equal(proto, json_docs, dumped):
    _, docs = dumped[proto]
    for d, got in zip(json_docs, docs):
        assert same_value(pickle.loads(got), json.loads(d)), d


def test_every_python_loads_them(sql_values, json_docs, dumped):
    pys = pythons()
    assert pys, "no pyenv Python found"
    expected_vals = [json.loads(json.dumps(canon(v))) for v in sql_values]
    expected_docs = [json.loads(json.dumps(canon(json.loads(d)))) for d in json_docs]
    loads = 0
    for py, highest in pys:
        batch, expect = [], []
        for p in range(highest + 1):
            vals, docs = dumped[p]
            batch += [binascii.hexlify(b).decode() for b in vals + docs]
            expect += expected_vals + expected_docs
        got = load_elsewhere(py, batch)
        assert len(got) == len(expect)
        for i, (g, e) in enumerate(zip(got, expect)):
            assert g == e, (py, i, g, e)
        loads += len(got)
    # counts for the report: values * protocols per Python
    print("round trips loaded by %d pyenv Pythons: %d" % (len(pys), loads))
    assert loads >= len(pys) * 3 * (N_VALUES + N_DOCS)


def test_sharing_and_memo(db):
    # repeated strings are memoized once: 100 copies of one key/value cost one BINUNICODE each
    doc = json.dumps([{"name": "same value"} for _ in range(100)])
    p = db.execute("SELECT pickle_dump(json(?), 2)", (doc,)).fetchone()[0]
    assert p.count(b"same value") == 1 and p.count(b"name") == 1
    assert pickle.loads(p) == json.loads(doc)


def test_json_sources(db):
    # every producer of JSON-subtyped text: json(), json_object(), json_array(), pickle_json()
    assert pickle.loads(db.execute(
        "SELECT pickle_dump(json_object('a', 1, 'b', json_array(1.5, 'x', NULL)))").fetchone()[0]) \
        == {"a": 1, "b": [1.5, "x", None]}
    src = pickle.dumps({"k": [1, 2.5, None, True, "s", 2**70]}, 2)
    back = db.execute("SELECT pickle_dump(pickle_json(?))", (src,)).fetchone()[0]
    assert pickle.loads(back) == {"k": [1, 2.5, None, True, "s", 2**70]}
    big = "[123456789012345678901234567890123, -98765432109876543210987654321]"
    assert pickle.loads(db.execute("SELECT pickle_dump(json(?))", (big,)).fetchone()[0]) == \
        json.loads(big)
    # plain TEXT stays a str even when it looks like JSON
    assert pickle.loads(db.execute("SELECT pickle_dump('[1, 2]')").fetchone()[0]) == "[1, 2]"
    # non-finite floats: the strict form (the default) gives NaN back as None (JSON null) and
    # the infinities as floats (+-9e999); the lossless form ('nan') gives all of them back
    src = pickle.dumps([float("nan"), float("-inf"), float("inf"), 1.5])
    got = pickle.loads(db.execute("SELECT pickle_dump(pickle_json(?))", (src,)).fetchone()[0])
    assert got[0] is None and got[1:] == [float("-inf"), float("inf"), 1.5]
    got = pickle.loads(db.execute("SELECT pickle_dump(pickle_json(?, '$', 'nan'))",
                                  (src,)).fetchone()[0])
    assert math.isnan(got[0]) and got[1:] == [float("-inf"), float("inf"), 1.5]
    # pickle_set takes either form as the new value
    for mode, first in (("strict", None), ("nan", "nan")):
        out = db.execute("SELECT pickle_set(?, '$.k', pickle_json(?, '$', ?))",
                         (pickle.dumps({"k": 0}, 2), src, mode)).fetchone()[0]
        k = pickle.loads(out)["k"]
        assert (k[0] is None if first is None else math.isnan(k[0])) and k[1] == float("-inf")


def test_default_and_highest_protocol(db):
    assert db.execute("SELECT pickle_dump(1)").fetchone()[0] == pickle.dumps(1, 4)
    assert db.execute("SELECT pickle_dump(1, NULL)").fetchone()[0] == pickle.dumps(1, 4)
    assert db.execute("SELECT pickle_dump('x', -1)").fetchone()[0] == pickle.dumps("x", 5)


def test_dump_agg(db):
    db.execute("CREATE TABLE t(g, v)")
    rows = [(i % 3, v) for i, v in enumerate([1, "two", 3.5, None, b"\x00", 2**62, "x" * 10])]
    db.executemany("INSERT INTO t VALUES (?, ?)", rows)
    got = db.execute("SELECT g, pickle_dump_agg(v) FROM t GROUP BY g ORDER BY g").fetchall()
    for g, p in got:
        assert pickle.loads(p) == [v for gg, v in rows if gg == g]
    # JSON values inside the aggregate, and no rows at all
    p = db.execute("SELECT pickle_dump_agg(json(value)) FROM json_each('[[1], {\"a\": 2}]')"
                   ).fetchone()[0]
    assert pickle.loads(p) == [[1], {"a": 2}]
    assert pickle.loads(db.execute("SELECT pickle_dump_agg(v) FROM t WHERE 0").fetchone()[0]) == []
    # 5000 rows (several APPENDS batches, more than one frame)
    p = db.execute("WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 4999)"
                   " SELECT pickle_dump_agg(printf('row %d', i)) FROM c").fetchone()[0]
    assert pickle.loads(p) == ["row %d" % i for i in range(5000)]
    assert p == pickle.dumps(["row %d" % i for i in range(5000)], 4)


def test_errors(db):
    def err(sql, *args):
        with pytest.raises(sqlite3.Error) as e:
            db.execute(sql, args).fetchone()
        return str(e.value)
    assert err("SELECT pickle_dump(1, 6)") == \
        "pickle_dump: protocol must be an integer from 0 to 5 (negative: the highest)"
    assert err("SELECT pickle_dump(1, 'x')").startswith("pickle_dump: protocol must be")
    assert err("SELECT pickle_dump(CAST(x'61ff62' AS TEXT))") == \
        "pickle_dump: TEXT is not valid UTF-8 at byte 1"
    # output over SQLITE_LIMIT_LENGTH
    conn = sqlite3.connect(":memory:")
    load_ext(conn)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1000)
    with pytest.raises(sqlite3.DataError) as e:
        conn.execute("SELECT pickle_dump(?)", (b"x" * 1000,)).fetchone()
    assert str(e.value) == "pickle_dump: the pickle would exceed the output limit of 1000 bytes"
    conn.close()
