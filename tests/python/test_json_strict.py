"""pickle_json is strict JSON by default: SQLite's JSON functions (and json.loads with
parse_constant refusing NaN/Infinity) accept it for any pickle. NaN is written null and
+-Infinity +-9e999 (how SQLite itself writes an infinite REAL as JSON, read back as +-inf);
pickle_json(p, path, 'nan') writes Python's NaN / Infinity / -Infinity tokens instead (lossless,
what Python's json module writes), and pickle_dump / pickle_set read both forms back.

Fitted models that carry non-finite values: a SimpleImputer (missing_values=nan), a
HistGradientBoosting fit on data with missing values (inf split thresholds), LogisticRegression
with C=inf, a StandardScaler on a constant column, numpy arrays of every float width. Every
strict pickle_json text in the rest of the suite is also checked (conftest.sql_call).
"""
import json
import math
import pickle

import joblib
import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression


def strict_loads(text):
    """json.loads that refuses NaN / Infinity / -Infinity, as a strict parser does."""
    def refuse(name):
        raise ValueError("non-standard JSON token %s" % name)
    return json.loads(text, parse_constant=refuse)


def models():
    rng = np.random.RandomState(0)
    X = rng.rand(200, 3)
    X[rng.rand(200) < 0.3, 0] = np.nan
    y = np.nan_to_num(X[:, 0], nan=5.0) + X[:, 1]
    imp = SimpleImputer(missing_values=np.nan, strategy="mean").fit(X)
    hgb = HistGradientBoostingRegressor(max_iter=5, random_state=0).fit(X, y)
    assert any(np.isinf(p.nodes["num_threshold"]).any() for it in hgb._predictors for p in it)
    Xf = np.nan_to_num(X)
    logreg = LogisticRegression(C=np.inf, max_iter=1000).fit(Xf, (y > 1).astype(int))
    arrays = {"f%d" % w: np.array([np.nan, np.inf, -np.inf, 1.5, -0.0], dtype="f%d" % w)
              for w in (2, 4, 8)}
    arrays["c16"] = np.array([complex(np.nan, -np.inf)])
    plain = {"nan": float("nan"), "inf": [float("inf"), -float("inf")],
             float("nan"): "key", "z": complex(float("inf"), 0)}
    return {"imputer": imp, "hgb": hgb, "logreg": logreg, "arrays": arrays, "plain": plain}


MODELS = models()


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("how", ["pickle2", "pickle4", "pickle5", "joblib"])
def test_strict_json_is_valid_for_sqlite(db, name, how, tmp_path):
    obj = MODELS[name]
    if how == "joblib":
        path = tmp_path / "m.joblib"
        joblib.dump(obj, str(path))
        blob = path.read_bytes()
    else:
        blob = pickle.dumps(obj, protocol=int(how[-1]))
    text = db.execute("SELECT pickle_json(?)", (blob,)).fetchone()[0]
    assert db.execute("SELECT json_valid(?)", (text,)).fetchone()[0] == 1
    strict_loads(text)
    assert "NaN" not in text.replace('"NaN"', "") and "Infinity" not in text.replace(
        '"Infinity"', "").replace('"-Infinity"', "")
    # SQLite's JSON functions read it (what the README's ->> examples do)
    assert db.execute("SELECT json_type(pickle_json(?))", (blob,)).fetchone()[0] == "object"
    # the lossless form is what Python's json module writes: it reads back the same values
    lossless = db.execute("SELECT pickle_json(?, '$', 'nan')", (blob,)).fetchone()[0]
    assert json.loads(lossless) is not None
    if name != "plain":
        assert "NaN" in lossless or "Infinity" in lossless


def test_imputer_statistics_and_thresholds(db):
    imp = pickle.dumps(MODELS["imputer"], protocol=4)
    assert db.execute("SELECT pickle_json(?, '$.missing_values')", (imp,)).fetchone()[0] == "null"
    assert db.execute("SELECT pickle_json(?, '$.missing_values', 'nan')",
                      (imp,)).fetchone()[0] == "NaN"
    assert db.execute("SELECT pickle_json(?) ->> '$.statistics_[1]'", (imp,)).fetchone()[0] == \
        MODELS["imputer"].statistics_[1]
    hgb = pickle.dumps(MODELS["hgb"], protocol=4)
    thr = [t for it in MODELS["hgb"]._predictors for p in it for t in p.nodes["num_threshold"]]
    got = db.execute("SELECT json_extract(value, '$.num_threshold') FROM pickle_each(?, "
                     "'$._predictors[0][0].nodes')", (hgb,)).fetchall()
    first = [t for t in MODELS["hgb"]._predictors[0][0].nodes["num_threshold"]]
    assert [r[0] for r in got] == first  # +inf read back by SQLite as inf
    assert any(math.isinf(t) for t in thr)
    logreg = pickle.dumps(MODELS["logreg"], protocol=4)
    assert db.execute("SELECT pickle_json(?) ->> '$.C'", (logreg,)).fetchone()[0] == math.inf


def test_text_of_each_non_finite_value(db):
    src = pickle.dumps([float("nan"), float("inf"), -float("inf"), complex(float("nan"), 1.0)])
    assert db.execute("SELECT pickle_json(?)", (src,)).fetchone()[0] == \
        '[null,9e999,-9e999,{"py/complex":[null,1.0]}]'
    assert db.execute("SELECT pickle_json(?, '$', 'nan')", (src,)).fetchone()[0] == \
        '[NaN,Infinity,-Infinity,{"py/complex":[NaN,1.0]}]'
    assert db.execute("SELECT pickle_json(?, '$', 'strict')", (src,)).fetchone()[0] == \
        '[null,9e999,-9e999,{"py/complex":[null,1.0]}]'
    # SQLite reads 9e999 back as inf (SQLite >= 3.42 also writes an infinite REAL as 9.0e+999)
    assert db.execute("SELECT json_valid('[9e999,-9e999]'), '[9e999]' ->> '$[0]'").fetchone() == \
        (1, math.inf)
    assert db.execute("SELECT pickle_json(?) ->> '$[1]'", (src,)).fetchone()[0] == math.inf
    assert db.execute("SELECT pickle_json(?) ->> '$[2]'", (src,)).fetchone()[0] == -math.inf
    for bad in ("python", "NaN", 1):
        with pytest.raises(Exception) as e:
            db.execute("SELECT pickle_json(?, '$', ?)", (src, bad)).fetchone()
        assert "pickle_json: argument 3 must be 'strict' or 'nan'" in str(e.value)


def test_both_forms_round_trip_through_pickle_dump_and_set(db):
    src = pickle.dumps({"v": [float("nan"), float("inf"), -float("inf"), 0.5]}, protocol=4)
    strict = pickle.loads(db.execute("SELECT pickle_dump(pickle_json(?))",
                                     (src,)).fetchone()[0])
    assert strict == {"v": [None, float("inf"), -float("inf"), 0.5]}
    lossless = pickle.loads(db.execute("SELECT pickle_dump(pickle_json(?, '$', 'nan'))",
                                       (src,)).fetchone()[0])
    assert math.isnan(lossless["v"][0]) and lossless["v"][1:] == [float("inf"), -float("inf"),
                                                                   0.5]
    target = pickle.dumps({"v": 0, "w": 1}, protocol=4)
    for mode in ("strict", "nan"):
        out = db.execute("SELECT pickle_set(?, '$.v', pickle_json(?, '$.v', ?))",
                         (target, src, mode)).fetchone()[0]
        v = pickle.loads(out)["v"]
        assert (v[0] is None) if mode == "strict" else math.isnan(v[0])
        assert v[1:] == [float("inf"), -float("inf"), 0.5]
