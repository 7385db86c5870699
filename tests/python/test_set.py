"""pickle_set(p, path, value): re-encoding decoded pickles with one value replaced.

  - every object of pyobjects.objects() (user classes, slots, reduce, cycles, sharing, subclasses of
    builtins, sets, OrderedDict, ...) pickled by every Python present at every protocol it has,
    wrapped as {"obj": o, "z": 0}: pickle_set '$.z' to 1 and to pickle_get's own value, then loaded
    by the same Python and compared by structure, sharing included (pkwrite_helper.same_graph);
  - random nested containers pickled by CPython, edited at random paths, compared with the same
    edit made in Python; pickle_set(p, '$', pickle_get(p, '$')) loads as the original;
  - numpy arrays of many dtypes and layouts, element edits of arrays;
  - scikit-learn models (plain pickles, joblib files, zstd-wrapped): n_jobs / verbose edited, the
    edited model predicts the same in Python and in SQL.
"""
import binascii
import copy
import io
import json
import math
import os
import pickle
import random
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from conftest import load_ext

HERE = os.path.dirname(os.path.abspath(__file__))
HELPER = os.path.join(HERE, "pkwrite_helper.py")
sys.path.insert(0, HERE)
from pkwrite_helper import same_graph  # noqa: E402
from test_dump import pythons, rand_json, rand_sql_value  # noqa: E402


def run_helper(py, args, payload=None):
    proc = subprocess.run([py, HELPER] + args, input=json.dumps(payload).encode() if payload
                          is not None else b"", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=600, cwd=HERE)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout.decode())


def pset(db, p, path, value, json_value=False):
    sql = "SELECT pickle_set(?, ?, json(?))" if json_value else "SELECT pickle_set(?, ?, ?)"
    return db.execute(sql, (p, path, value)).fetchone()[0]


# ---- user objects, every Python -----------------------------------------------------------------

def all_pythons():
    return [("/usr/bin/python3", 5)] + pythons()


@pytest.mark.parametrize("py,highest", all_pythons(), ids=lambda x: str(x).split("/")[-3]
                         if "/" in str(x) else str(x))
def test_objects_every_python(db, py, highest):
    made = run_helper(py, ["make"] + [str(p) for p in range(highest + 1)])
    assert len(made) > 80 * (highest + 1) * 0.8
    checks, failures = [], []
    for name, proto, h in made:
        p = binascii.unhexlify(h)
        try:
            one = pset(db, p, "$.z", 1)
            same = db.execute("SELECT pickle_set(?1, '$.z', pickle_get(?1, '$.z'))",
                              (p,)).fetchone()[0]
        except sqlite3.Error as e:
            failures.append((name, proto, str(e)))
            continue
        checks.append([name, h, binascii.hexlify(one).decode(), 1])
        checks.append([name, h, binascii.hexlify(same).decode(), 0])
    assert not failures, failures[:10]
    results = run_helper(py, ["check"], checks)
    bad = [r for r in results if not r[1]]
    assert not bad, bad[:10]
    print("%s: %d edited pickles loaded and compared" % (py, len(results)))


# ---- random containers ---------------------------------------------------------------------------

def quote_key(k):
    return '["' + k.replace("\\", "\\\\").replace('"', '\\"') + '"]'


def random_path(rng, v):
    """A random path to an existing node: (path text, list of python keys)."""
    path, keys = "$", []
    while rng.random() < 0.7:
        if isinstance(v, dict) and v:
            k = rng.choice(sorted(v))
            path += quote_key(k) if rng.random() < 0.5 or not k.isidentifier() else "." + k
        elif isinstance(v, (list, tuple)) and v:
            i = rng.randrange(len(v))
            k = i
            path += "[%d]" % (i if rng.random() < 0.5 else i - len(v))
        else:
            break
        keys.append(k)
        v = v[k]
    return path, keys


def with_tuples(rng, v):
    if isinstance(v, list):
        items = [with_tuples(rng, x) for x in v]
        return tuple(items) if rng.random() < 0.3 else items
    if isinstance(v, dict):
        return dict((k, with_tuples(rng, x)) for k, x in v.items())
    return v


def set_in(v, keys, new):
    if not keys:
        return new
    k = keys[0]
    if isinstance(v, tuple):
        lst = list(v)
        lst[k] = set_in(lst[k], keys[1:], new)
        return tuple(lst)
    v[k] = set_in(v[k], keys[1:], new)
    return v


def test_random_container_edits(db):
    rng = random.Random(99)
    n = 0
    for _ in range(300):
        doc = with_tuples(rng, rand_json(rng))
        for proto in range(6):
            p = pickle.dumps(doc, proto)
            path, keys = random_path(rng, doc)
            new = rand_sql_value(rng)
            got = pickle.loads(pset(db, p, path, new))
            expect = set_in(copy.deepcopy(doc), keys, new)
            assert same_graph(expect, got) is None, (doc, path, new, proto)
            n += 1
    assert n == 1800


def test_get_then_set_root_is_identity(db):
    rng = random.Random(5)
    n = 0
    while n < 300:
        doc = rand_json(rng)
        if not isinstance(doc, (list, dict)):
            continue  # SQL has no bool: pickle_get gives 0/1 for a bare True
        n += 1
        for proto in range(6):
            p = pickle.dumps(doc, proto)
            back = db.execute("SELECT pickle_set(?1, '$', pickle_get(?1, '$'))", (p,)).fetchone()[0]
            assert same_graph(doc, pickle.loads(back)) is None, (doc, proto)


def test_new_keys_and_attributes(db):
    p = pickle.dumps({"a": {"b": 1}}, 4)
    assert pickle.loads(pset(db, p, '$.a["new"]', "v")) == {"a": {"b": 1, "new": "v"}}
    assert pickle.loads(pset(db, p, "$.a", '{"x": [1, 2, {"y": null}]}', json_value=True)) == \
        {"a": {"x": [1, 2, {"y": None}]}}


def test_shared_node_edit_is_seen_everywhere(db):
    s = [1, 2]
    p = pickle.dumps({"a": s, "b": s}, 2)
    got = pickle.loads(pset(db, p, "$.a[0]", 9))
    assert got == {"a": [9, 2], "b": [9, 2]} and got["a"] is got["b"]


def test_errors(db):
    p = pickle.dumps({"a": [1, 2]}, 4)

    def err(*args):
        with pytest.raises(sqlite3.Error) as e:
            db.execute("SELECT pickle_set(?, ?, ?)", args).fetchone()
        return str(e.value)
    assert err(p, "$.a[5]", 1) == "pickle_set: no such path: index 5 out of range for list of length 2"
    assert err(p, "$.b.c", 1).startswith("pickle_set: no such path: key 'b' not found in dict")
    assert err(p, "a", 1).startswith("pickle_set: bad path: expected '$'")
    assert err(p, "$.a.x", 1) == "pickle_set: no such path: cannot set key 'x' on list"
    assert err(b"\x80\x04K", "$", 1).startswith("pickle_set: truncated pickle")
    assert err(7, "$", 1) == "pickle_set: argument 1 is an INTEGER, not a pickle BLOB"
    assert db.execute("SELECT pickle_set(NULL, '$', 1), pickle_set(?, NULL, 1)", (p,)).fetchone() \
        == (None, None)


# ---- numpy -----------------------------------------------------------------------------------------

def arrays():
    rng = np.random.RandomState(3)
    return {
        "f8": rng.randn(5, 3),
        "fortran": np.asfortranarray(rng.randn(4, 6)),
        "i4_be": np.arange(10, dtype=">i4"),
        "u1": np.arange(256, dtype=np.uint8),
        "bool": rng.rand(7) > 0.5,
        "c16": rng.randn(3) + 1j,
        "U": np.array(["a", "bc", "\u00e9\u4e2d"]),
        "S": np.array([b"x", b"yz"]),
        "obj": np.array([1, "two", None, [3]], dtype=object),
        "rec": np.array([(1, 2.5), (3, 4.5)], dtype=[("a", "<i4"), ("b", "<f8")]),
        "dt": np.array(["2020-01-01", "2021-06-01"], dtype="datetime64[ns]"),
        "zero_d": np.array(3.5),
        "empty": np.zeros((0, 3)),
        "big": rng.randn(20000),  # 160 KB: outside frames at protocols 4-5
        "scalars": [np.float64(1.5), np.int32(-7), np.bool_(True), np.float32(0.25)],
        "dtype": np.dtype("<f4"),
    }


def arrays_equal(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(arrays_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(arrays_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return (type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape and
                a.flags.f_contiguous == b.flags.f_contiguous and
                (a.tolist() == b.tolist() if a.dtype.kind == "O" else
                 np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("proto", range(6))
def test_numpy_round_trip(db, proto):
    src = arrays()
    src["z"] = 0
    p = pickle.dumps(src, proto)
    out = pset(db, p, "$.z", 1)
    got = pickle.loads(out)
    # compared with what Python loads from the original (numpy itself turns '>i4' into '<i4'
    # when loading protocols 0-4)
    expect = pickle.loads(p)
    expect["z"] = 1
    assert arrays_equal(expect, got)


@pytest.mark.parametrize("proto", range(6))
def test_numpy_element_edits(db, proto):
    src = {"v": np.arange(5, dtype="<f8"), "m": np.arange(12, dtype=">i2").reshape(3, 4),
           "f": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "o": np.array([1, "a"], dtype=object)}
    p = pickle.dumps(src, proto)
    src = pickle.loads(p)
    p = pset(db, p, "$.v[-1]", 2.5)
    p = pset(db, p, "$.m[1][2]", -300)
    p = pset(db, p, "$.f[1][0]", 9)
    p = pset(db, p, "$.o[1]", "b")
    got = pickle.loads(p)
    src["v"][-1] = 2.5
    src["m"][1, 2] = -300
    src["f"][1, 0] = 9
    src["o"][1] = "b"
    assert arrays_equal(src, got)
    with pytest.raises(sqlite3.Error) as e:
        pset(db, p, "$.m[0][0]", 70000)
    assert str(e.value) == "pickle_set: value out of range for a numpy array of i2"
    with pytest.raises(sqlite3.Error) as e:
        pset(db, p, "$.m[0]", 1)
    assert "cannot replace a sub-array" in str(e.value)


# ---- scikit-learn ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def models():
    from sklearn.cluster import KMeans
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeRegressor
    rng = np.random.RandomState(0)
    X = rng.randn(300, 4)
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    ms = [LogisticRegression(n_jobs=1).fit(X, y), Ridge().fit(X, X[:, 0]),
          RandomForestClassifier(n_estimators=7, random_state=0, n_jobs=1).fit(X, y),
          HistGradientBoostingClassifier(max_iter=15).fit(X, y),
          make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
          KMeans(3, n_init=2, random_state=0).fit(X), DecisionTreeRegressor().fit(X, X[:, 1])]
    return X, ms


def edit_param(model):
    return "$.n_jobs" if "n_jobs" in model.get_params(deep=False) else "$.verbose"


@pytest.mark.parametrize("proto", range(6))
def test_sklearn_models_predict_the_same(db, models, proto):
    X, ms = models
    for m in ms:
        p = pickle.dumps(m, proto)
        path = edit_param(m)
        m2 = pickle.loads(pset(db, p, path, 3))
        assert getattr(m2, path[2:]) == 3
        assert type(m2) is type(m)
        np.testing.assert_array_equal(m.predict(X), m2.predict(X))
        if hasattr(m, "predict_proba"):
            np.testing.assert_array_equal(m.predict_proba(X), m2.predict_proba(X))


def test_sklearn_predicts_the_same_in_sql(db, models):
    X, ms = models
    logreg = ms[0]
    p = pickle.dumps(logreg, 4)
    edited = pset(db, p, "$.n_jobs", 2)
    for row in X[:20]:
        args = [float(x) for x in row]
        a = db.execute("SELECT model_predict(?, ?, ?, ?, ?)", [p] + args).fetchone()[0]
        b = db.execute("SELECT model_predict(?, ?, ?, ?, ?)", [edited] + args).fetchone()[0]
        assert a == b == int(logreg.predict(row.reshape(1, -1))[0])


def test_joblib_and_zstd_inputs(db, models):
    import joblib
    X, ms = models
    rf = ms[2]
    for compress in (0, 3, ("xz", 3)):
        bio = io.BytesIO()
        joblib.dump(rf, bio, compress=compress)
        out = pset(db, bio.getvalue(), "$.n_jobs", 2)
        assert out[:2] == b"\x80\x04"  # a plain pickle: joblib arrays written as numpy pickles
        m2 = pickle.loads(out)
        assert m2.n_jobs == 2
        np.testing.assert_array_equal(rf.predict_proba(X), m2.predict_proba(X))
        m3 = joblib.load(io.BytesIO(out))
        np.testing.assert_array_equal(rf.predict(X), m3.predict(X))
    # a zstd-wrapped pickle comes back zstd-wrapped
    z = db.execute("SELECT pickle_compress(?)", (pickle.dumps(rf, 5),)).fetchone()[0]
    out = pset(db, z, "$.n_jobs", 4)
    assert out[:4] == b"\x28\xb5\x2f\xfd"
    raw = db.execute("SELECT pickle_decompress(?)", (out,)).fetchone()[0]
    m2 = pickle.loads(raw)
    assert m2.n_jobs == 4
    np.testing.assert_array_equal(rf.predict(X), m2.predict(X))


# ---- the numpy matrix (every dtype x shape x protocol, numpy 2 spellings) ----------------------

def _np_matrix():
    import test_numpy as tn
    return tn


@pytest.mark.parametrize("proto", range(6))
def test_numpy_matrix(db, proto):
    tn = _np_matrix()
    n = 0
    for dt in tn.DTYPES:
        for label, a in tn.arrays_for(dt):
            p = pickle.dumps({"a": a, "z": 0}, proto)
            got = pickle.loads(pset(db, p, "$.z", 1))
            expect = pickle.loads(p)
            assert got["z"] == 1
            tn.same(tn.expect(got["a"]), tn.expect(expect["a"]), "%s/%s/p%d" % (dt, label, proto),
                    lossless=True)
            assert got["a"].dtype == expect["a"].dtype and got["a"].shape == expect["a"].shape
            n += 1
    assert n >= 8 * len(tn.DTYPES)


@pytest.mark.parametrize("proto", [2, 3, 4, 5])
def test_numpy2_spelling_is_kept(db, proto):
    """numpy 2 pickles (numpy._core names) edited in place stay numpy 2 pickles."""
    tn = _np_matrix()
    for dt in ["f8", ">i4", "u1", "f4"]:
        a = tn.values_for(np.dtype(dt), 7).copy()
        a[np.isnan(a.astype("f8"))] = 0 if a.dtype.kind == "f" else a[0]
        blob = tn.n2.dumps(a, proto, spelling="numpy2")
        out = pset(db, blob, "$[2]", 5)
        assert b"numpy._core" in out and b"numpy.core" not in out
        back = tn.n2.python_loads(out)
        expect = tn.n2.python_loads(blob)  # (numpy makes '>i4' native when loading 0-4)
        expect[2] = 5
        assert back.dtype == expect.dtype and np.array_equal(back, expect)


@pytest.mark.parametrize("form", ["p2", "p3", "p4", "p5", "joblib", "joblib-zlib"])
def test_sklearn_sql_scores_unchanged(db, models, form):
    """Every model of the zoo, in every form the scoring tests use: after pickle_set the SQL
    scoring functions give exactly the answers (or the errors) they gave before."""
    import modelcheck as mc
    X, ms = models
    cols = mc.load_table(db, X[:60])
    compared = 0
    for m in ms:
        blob = mc.dumps(m, form)
        edited = pset(db, blob, edit_param(m), 3)
        for meth, fn in mc.METHODS:
            if not hasattr(m, meth):
                continue
            try:
                before = mc.sql_scores(db, fn, blob, cols)
            except sqlite3.Error as e:
                with pytest.raises(sqlite3.Error) as e2:
                    mc.sql_scores(db, fn, edited, cols)
                assert str(e2.value) == str(e)
                continue
            assert mc.sql_scores(db, fn, edited, cols) == before, (type(m).__name__, fn)
            compared += 1
    assert compared >= len(ms)


def test_inert_joblib_wrapper_is_not_written_back(db):
    # A joblib NumpyArrayWrapper that stays an object (here: called as a class, found by
    # fuzz_writer) has no array data after it. Written back, the bytes after it would be read by
    # joblib and by the decoder as its array, so the writer refuses instead of changing meaning.
    from conftest import sql_error
    path = os.path.join(HERE, "..", "fixtures", "writer", "joblib_wrapper_as_callable.pkl")
    with open(path, "rb") as f:
        data = f.read()
    assert db.execute("SELECT pickle_valid(?)", (data,)).fetchone()[0] == 1
    msg = sql_error(db, "pickle_set", data, "$.py/args[0]", "z")
    assert msg == ("pickle_set: a joblib array wrapper without its array data cannot be "
                   "written"), msg
