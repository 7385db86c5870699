"""XGBoost models scored in SQL, checked bit for bit against XGBoost 1.7 (Debian's
python3-xgboost) on every row.

Every float the SQL functions return must be the float32 that XGBoost returns, widened exactly to
a double (compared as float32 bit patterns, and the double must be exactly that float32). Labels
must equal XGBClassifier.predict's. Covered: binary / multi-class / regression, every objective of
1.7 (survival:aft and multi-target models in test_xgb_targets.py), gbtree / dart / gblinear, depths 1-10, 1-200 trees, NaN inputs and a
custom `missing`, num_parallel_tree > 1 (XGBRF* and boosted forests), early stopping
(best_iteration), pickled (protocols 2-5) and joblib.dump'ed, the raw pickled Booster, and
XGBoost's own files (save_raw / save_model, JSON and UBJSON) as BLOBs and in the registry.
The one value that is not bit-exact is multi:softmax's predict_proba: XGBClassifier computes it
with scipy's softmax, whose float32 exp is numpy's SIMD one (CPU-dependent): checked within 4 ulps.
"""
import ctypes
import ctypes.util
import io
import json
import math
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from modelcheck import compare_labels, load_table, sql_scores
from conftest import init_registry

N = 300
NF = 6


def data(seed=0, nan_rate=0.1):
    rs = np.random.RandomState(seed)
    X = rs.randn(N, NF)
    if nan_rate:
        X[rs.rand(N, NF) < nan_rate] = np.nan
    z = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1])
    return X, z, rs


def labels(z, rs, k):
    if k == 2:
        return (z + 0.5 * rs.randn(len(z)) > 0).astype(int)
    cuts = np.quantile(z, np.linspace(0, 1, k + 1)[1:-1])
    return np.digitize(z + 0.3 * rs.randn(len(z)), cuts)


def f32_values(vals):
    """SQL results (REAL or JSON arrays) as an exact float64 array."""
    out = [json.loads(v) if isinstance(v, str) else v for v in vals]
    return np.asarray(out, dtype=np.float64)


def assert_f32_exact(ours, ref, what):
    ref = np.asarray(ref)
    assert ref.dtype == np.float32, (what, ref.dtype)
    ours = f32_values(ours).reshape(ref.shape)
    # each double is a float32 widened exactly...
    assert np.array_equal(ours.astype(np.float32).astype(np.float64), ours, equal_nan=True), what
    # ... and that float32 has XGBoost's bit pattern
    a = ours.astype(np.float32).view(np.uint32)
    b = ref.view(np.uint32)
    if not np.array_equal(a, b):
        i = tuple(np.argwhere(a != b)[0])
        raise AssertionError("%s: row %s: ours %r, xgboost %r" % (what, i, ours[i], ref[i]))


def check(db, model, X, form="p4", blob=None, exact_proba=True):
    """Compares predict, predict_proba (classifiers) and the margin on every row of X."""
    if blob is None:
        blob = dumps(model, form)
    cols = load_table(db, X)
    what = "%s (%s)" % (type(model).__name__, form)
    pred = model.predict(X)
    ours = sql_scores(db, "model_predict", blob, cols)
    if isinstance(model, xgb.XGBClassifier):
        compare_labels(ours, pred, what + " predict")
        proba = model.predict_proba(X)
        got = sql_scores(db, "model_predict_proba", blob, cols)
        if exact_proba:
            assert_f32_exact(got, proba, what + " predict_proba")
        else:
            got = f32_values(got).reshape(proba.shape).astype(np.float32)
            ulps = np.abs(got.view(np.int32).astype(np.int64) - proba.view(np.int32))
            assert ulps.max() <= 4, (what, ulps.max())
    else:
        assert_f32_exact(ours, pred, what + " predict")
    margin = model.predict(X, output_margin=True)
    assert_f32_exact(sql_scores(db, "model_decision_function", blob, cols), margin,
                     what + " margin")


def dumps(model, form="p4"):
    if form.startswith("p"):
        return pickle.dumps(model, protocol=int(form[1:]))
    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3 if form == "joblib-zlib" else 0)
    return buf.getvalue()


# ---- classifiers --------------------------------------------------------------------------------

@pytest.mark.parametrize("depth,trees", [(1, 1), (2, 7), (3, 50), (6, 200), (10, 20)])
def test_binary_depths_and_sizes(db, depth, trees):
    X, z, rs = data(depth)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=trees, max_depth=depth, learning_rate=0.3)
    check(db, m.fit(X, labels(z, rs, 2)), X)


@pytest.mark.parametrize("k", [3, 5, 10])
def test_multiclass_softprob(db, k):
    X, z, rs = data(k)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=15, max_depth=4).fit(X, labels(z, rs, k))
    assert m.get_booster().save_config().find("multi:softprob") > 0
    check(db, m, X)


def test_multiclass_softmax(db):
    X, z, rs = data(4)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=20, max_depth=4, objective="multi:softmax")
    check(db, m.fit(X, labels(z, rs, 4)), X, exact_proba=False)


@pytest.mark.parametrize("objective", ["binary:hinge", "binary:logitraw"])
def test_binary_objectives(db, objective):
    X, z, rs = data(5)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=20, objective=objective, base_score=0.3)
    check(db, m.fit(X, labels(z, rs, 2)), X)


@pytest.mark.parametrize("k", [2, 3])
def test_dart(db, k):
    X, z, rs = data(6)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=25, booster="dart", rate_drop=0.3, base_score=0.3,
                          max_depth=4, random_state=1)
    check(db, m.fit(X, labels(z, rs, k)), X)


@pytest.mark.parametrize("k", [2, 3])
def test_gblinear_classifier(db, k):
    X, z, rs = data(7)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=15, booster="gblinear")
    check(db, m.fit(X, labels(z, rs, k)), X)


def test_parallel_trees(db):
    X, z, rs = data(8)
    y = labels(z, rs, 3)
    check(db, xgb.XGBClassifier(n_jobs=1, n_estimators=5, num_parallel_tree=3, subsample=0.7,
                                colsample_bynode=0.7).fit(X, y), X)
    check(db, xgb.XGBRFClassifier(n_jobs=1, n_estimators=12, max_depth=5).fit(X, labels(z, rs, 2)), X)


def test_early_stopping_uses_best_iteration(db):
    X, z, rs = data(9)
    y = labels(z, rs, 2)
    Xv, zv, rsv = data(19)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=200, learning_rate=0.5, max_depth=6,
                          early_stopping_rounds=3)
    m.fit(X, y, eval_set=[(Xv, labels(zv, rsv, 2))], verbose=False)
    assert m.best_iteration + 1 < 200 and m.get_booster().num_boosted_rounds() > m.best_iteration
    rounds = m.get_booster().num_boosted_rounds()
    all_trees = m.predict(X, output_margin=True, iteration_range=(0, rounds))
    assert not np.array_equal(all_trees, m.predict(X, output_margin=True))
    check(db, m, X)


@pytest.mark.parametrize("form", ["p2", "p3", "p5", "joblib", "joblib-zlib"])
def test_pickle_forms(db, form):
    X, z, rs = data(10)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=10, max_depth=3).fit(X, labels(z, rs, 3))
    check(db, m, X, form)


# ---- regressors and other objectives ------------------------------------------------------------

@pytest.mark.parametrize("objective", [
    "reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror",
    "reg:logistic", "count:poisson", "reg:gamma", "reg:tweedie"])
def test_regression_objectives(db, objective):
    X, z, rs = data(11)
    if objective == "reg:logistic":
        y = 1 / (1 + np.exp(-z))
    elif objective in ("count:poisson",):
        y = rs.poisson(np.exp(0.5 * z))
    elif objective in ("reg:gamma", "reg:tweedie", "reg:squaredlogerror"):
        y = np.exp(0.3 * z) + rs.rand(N)
    else:
        y = 2 * z + rs.randn(N)
    m = xgb.XGBRegressor(n_jobs=1, n_estimators=30, max_depth=5, objective=objective)
    check(db, m.fit(X, y), X)


def test_regressor_dart_gblinear_rf(db):
    X, z, rs = data(12)
    y = 2 * z + rs.randn(N)
    check(db, xgb.XGBRegressor(n_jobs=1, n_estimators=20, booster="dart", rate_drop=0.2,
                               base_score=1.5).fit(X, y), X)
    check(db, xgb.XGBRegressor(n_jobs=1, n_estimators=20, booster="gblinear").fit(X, y), X)
    check(db, xgb.XGBRFRegressor(n_jobs=1, n_estimators=8).fit(X, y), X)


def test_ranker(db):
    X, z, rs = data(13)
    y = np.clip(np.round(z + 1), 0, 3).astype(int)
    m = xgb.XGBRanker(n_jobs=1, n_estimators=20, objective="rank:pairwise").fit(X, y, group=[100] * 3)
    check(db, m, X)


def test_survival_cox(db):
    X, z, rs = data(14)
    y = (np.exp(-0.5 * z) * rs.exponential(size=N)) * np.where(rs.rand(N) < 0.8, 1, -1)
    check(db, xgb.XGBRegressor(n_jobs=1, n_estimators=15, objective="survival:cox").fit(X, y), X)


def test_custom_missing(db):
    X, z, rs = data(15, nan_rate=0)
    X[rs.rand(N, NF) < 0.15] = -999.0
    y = 2 * z + rs.randn(N)
    for booster in ("gbtree", "gblinear"):
        m = xgb.XGBRegressor(n_jobs=1, n_estimators=20, missing=-999.0, booster=booster).fit(X, y)
        check(db, m, X)
    # the sentinel is a missing value, not a number below every split
    m = xgb.XGBRegressor(n_jobs=1, n_estimators=20, missing=-999.0).fit(X, y)
    assert not np.array_equal(m.predict(X), xgb.XGBRegressor(n_jobs=1, n_estimators=20).fit(X, y).predict(X))


# ---- the raw Booster and XGBoost's own files ----------------------------------------------------

def booster_check(db, bst, blob, X):
    cols = load_table(db, X)
    d = xgb.DMatrix(X)
    assert_f32_exact(sql_scores(db, "model_predict", blob, cols), bst.predict(d), "Booster value")
    assert_f32_exact(sql_scores(db, "model_decision_function", blob, cols),
                     bst.predict(d, output_margin=True), "Booster margin")


@pytest.mark.parametrize("params", [
    {"objective": "binary:logistic", "max_depth": 4},
    {"objective": "multi:softprob", "num_class": 3},
    {"objective": "multi:softmax", "num_class": 3},
    {"objective": "reg:squarederror", "booster": "dart", "rate_drop": 0.3, "base_score": 0.7},
    {"objective": "count:poisson", "booster": "gblinear"},
])
def test_booster_pickle_and_files(db, tmp_path, params):
    X, z, rs = data(16)
    obj = params["objective"]
    y = labels(z, rs, 3) if obj.startswith("multi") else (
        labels(z, rs, 2) if obj.startswith("binary") else np.abs(2 * z + rs.randn(N)))
    bst = xgb.train(dict(params, nthread=1), xgb.DMatrix(X, label=y), num_boost_round=15)
    booster_check(db, bst, pickle.dumps(bst), X)
    booster_check(db, bst, bytes(bst.save_raw("json")), X)
    booster_check(db, bst, bytes(bst.save_raw("ubj")), X)
    for ext in ("json", "ubj"):
        path = tmp_path / ("m." + ext)
        bst.save_model(str(path))
        booster_check(db, bst, path.read_bytes(), X)


def pickled_with_handle(bst, handle):
    """pickle.dumps(bst) with another `handle` in its state (as an older XGBoost wrote it)."""
    cls = type(bst)
    saved = cls.__getstate__
    cls.__getstate__ = lambda self: {"handle": bytearray(handle)}
    try:
        return pickle.dumps(bst)
    finally:
        cls.__getstate__ = saved


@pytest.mark.parametrize("params", [
    {"objective": "binary:logistic", "max_depth": 4, "base_score": 0.3},
    {"objective": "multi:softmax", "num_class": 3, "num_parallel_tree": 2},
    {"objective": "reg:squarederror", "booster": "dart", "rate_drop": 0.3, "base_score": 0.7},
    {"objective": "count:poisson", "booster": "gblinear"},
])
def test_legacy_binary(db, tmp_path, params):
    X, z, rs = data(25)
    obj = params["objective"]
    y = labels(z, rs, 3) if obj.startswith("multi") else (
        labels(z, rs, 2) if obj.startswith("binary") else np.abs(2 * z + rs.randn(N)))
    bst = xgb.train(dict(params, nthread=1), xgb.DMatrix(X, label=y), num_boost_round=10)
    raw = bytes(bst.save_raw())  # 1.7's default: the legacy binary format, "binf" first
    assert raw[:4] == b"binf"
    booster_check(db, bst, raw, X)
    path = tmp_path / "m.bin"
    bst.save_model(str(path))
    booster_check(db, bst, path.read_bytes(), X)
    # the pickled handle of XGBoost < 1.0: no magic, major version 0, base_score saved as the
    # margin it stands for (-logf(1/b - 1) for logistic, logf(b) for poisson)
    old = bytearray(raw[4:])
    b = np.frombuffer(old[0:4], dtype="<f4")[0]
    logf = ctypes.CDLL(ctypes.util.find_library("m")).logf
    logf.restype, logf.argtypes = ctypes.c_float, [ctypes.c_float]
    if obj == "binary:logistic":
        old[0:4] = np.float32(-logf(np.float32(1) / b - np.float32(1))).tobytes()
    elif obj == "count:poisson":
        old[0:4] = np.float32(logf(b)).tobytes()
    old[20:24] = b"\0\0\0\0"
    booster_check(db, bst, pickled_with_handle(bst, bytes(old)), X)


def test_native_files_in_registry_and_info(db):
    X, z, rs = data(17)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=10).fit(X, labels(z, rs, 2))
    ubj = bytes(m.get_booster().save_raw("ubj"))
    info = json.loads(db.execute("SELECT pickle_info(?)", (ubj,)).fetchone()[0])
    assert info["format"] == "xgboost" and info["safe"] is True
    assert info["root_type"] == "xgboost.core.Booster"
    minfo = json.loads(db.execute("SELECT model_info(?)", (ubj,)).fetchone()[0])
    assert minfo["supported"] is True and minfo["n_features_in_"] == NF
    assert minfo["methods"] == ["predict", "decision_function"]
    init_registry(db)
    db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('xgb', ?)", (ubj,))
    ref = m.get_booster().predict(xgb.DMatrix(X[:5]))
    for i in range(5):
        row = [None if math.isnan(v) else float(v) for v in X[i]]
        got = db.execute("SELECT model_predict('xgb', ?, ?, ?, ?, ?, ?)", row).fetchone()[0]
        assert got == float(ref[i])


def test_pickled_wrapper_is_safe_and_described(db):
    X, z, rs = data(18)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=3).fit(X, labels(z, rs, 2))
    blob = pickle.dumps(m)
    info = json.loads(db.execute("SELECT pickle_info(?)", (blob,)).fetchone()[0])
    assert info["safe"] is True, info["unsafe_globals"]
    minfo = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    assert minfo["class"] == "xgboost.sklearn.XGBClassifier"
    assert minfo["kind"] == "classifier" and minfo["classes_"] == [0, 1]
    assert minfo["methods"] == ["predict", "predict_proba", "decision_function"]


def test_pipeline_step(db):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, z, rs = data(20)
    p = make_pipeline(StandardScaler(), xgb.XGBClassifier(n_jobs=1, n_estimators=10, max_depth=3))
    p.fit(X, labels(z, rs, 3))
    cols = load_table(db, X)
    blob = pickle.dumps(p)
    compare_labels(sql_scores(db, "model_predict", blob, cols), p.predict(X), "pipeline")
    assert_f32_exact(sql_scores(db, "model_predict_proba", blob, cols), p.predict_proba(X),
                     "pipeline proba")


# ---- refusals -----------------------------------------------------------------------------------

def error_of(db, blob):
    try:
        db.execute("SELECT model_predict(?, 1, 2, 3, 4, 5, 6)", (blob,)).fetchone()
    except Exception as e:  # noqa: BLE001 - sqlite3.OperationalError
        return str(e)
    return None


def test_bad_documents_refused(db):
    X, z, rs = data(21)
    bst = xgb.train({"max_depth": 3, "nthread": 1}, xgb.DMatrix(X, label=z), num_boost_round=2)
    doc = json.loads(bytes(bst.save_raw("json")))
    tree = doc["learner"]["gradient_booster"]["model"]["trees"][0]

    def with_tree(**change):
        d = json.loads(json.dumps(doc))
        d["learner"]["gradient_booster"]["model"]["trees"][0].update(change)
        return json.dumps(d).encode()

    lc = list(tree["left_children"])
    bad = lc[:]
    bad[0] = 10 ** 6
    assert "child out of range" in error_of(db, with_tree(left_children=bad))
    # the root's left child made an inner node whose children are the root and itself
    loop, rc = lc[:], list(tree["right_children"])
    loop[lc[0]], rc[lc[0]] = 0, lc[0]
    msg = error_of(db, with_tree(left_children=loop, right_children=rc))
    assert "reached twice" in msg, msg
    feats = list(tree["split_indices"])
    feats[0] = NF + 3
    assert "split feature out of range" in error_of(db, with_tree(split_indices=feats))
    raw = bytes(bst.save_raw("deprecated"))
    for cut in (4, 100, 200, len(raw) // 2, len(raw) - 40):
        msg = error_of(db, raw[:cut])
        assert msg and msg.startswith("model_predict:") and "legacy binary" in msg, (cut, msg)
    ubj = bytes(bst.save_raw("ubj"))
    for cut in (1, 7, len(ubj) // 2, len(ubj) - 1):
        msg = error_of(db, ubj[:cut])
        assert msg and msg.startswith("model_predict:") and "UBJSON" in msg, (cut, msg)
    d = json.loads(json.dumps(doc))
    d["learner"]["objective"]["name"] = "reg:made_up"
    assert "objective 'reg:made_up' is not supported" in error_of(db, json.dumps(d).encode())


@pytest.mark.parametrize("onehot", [1, 64])
def test_categorical_splits(db, onehot):
    rs = np.random.RandomState(22)
    cat = pd.Categorical(rs.choice(list("abcdefghij"), N))
    cat[rs.rand(N) < 0.1] = np.nan
    df = pd.DataFrame({"c": cat, "x": rs.randn(N)})
    y = df["c"].isin(["a", "c", "f", "g"]).astype(int) + df["x"] + 0.1 * rs.randn(N)
    m = xgb.XGBRegressor(n_jobs=1, n_estimators=10, max_depth=4, tree_method="hist",
                         enable_categorical=True, max_cat_to_onehot=onehot).fit(df, y)
    doc = json.loads(bytes(m.get_booster().save_raw("json")))
    assert any(1 in t["split_type"] for t in doc["learner"]["gradient_booster"]["model"]["trees"])
    # in SQL a category is its code (pandas' codes, NULL when missing)
    codes = np.where(df["c"].cat.codes < 0, np.nan, df["c"].cat.codes).astype(float)
    X = np.column_stack([codes, df["x"]])
    cols = load_table(db, X)
    blob = pickle.dumps(m)
    assert_f32_exact(sql_scores(db, "model_predict", blob, cols), m.predict(df), "categorical")
    # a code no split lists (and a negative one) goes left, as XGBoost sends unknown categories
    ref = m.get_booster().predict(xgb.DMatrix(np.array([[12.0, 0.3], [-3.0, 0.3]]),
                                              feature_names=["c", "x"], feature_types=["c", "q"],
                                              enable_categorical=True))
    got = [db.execute("SELECT model_predict(?, ?, 0.3)", (blob, c)).fetchone()[0]
           for c in (12.0, -3.0)]
    assert np.array_equal(np.float32(got), ref), (got, ref)


# ---- layouts of later XGBoost versions (only 1.7 is installable here) ---------------------------

def as_3x_document(bst, per_group=1):
    """A 1.7 model rewritten the way XGBoost 3.x writes it: version [3, 2, 0], base_score as a
    list ("[5E-1]", one value per output group when per_group > 1), the 2.x iteration_indptr and
    the 3.x (empty) category encoder. The trees are the same, so the margins must be too."""
    d = json.loads(bytes(bst.save_raw("json")))
    lrn = d["learner"]
    bs = lrn["learner_model_param"]["base_score"]
    lrn["learner_model_param"]["base_score"] = "[" + ",".join([bs] * per_group) + "]"
    model = lrn["gradient_booster"]["model"]
    model["iteration_indptr"] = list(range(0, len(model["trees"]) + 1, per_group))
    model["cats"] = {"enc": [], "feature_segments": [], "sorted_idx": []}
    d["version"] = [3, 2, 0]
    return json.dumps(d).encode()


@pytest.mark.parametrize("params,k", [
    ({"objective": "reg:squarederror", "base_score": 0.3}, 1),
    ({"objective": "binary:logistic", "max_depth": 3}, 1),
    ({"objective": "multi:softprob", "num_class": 3}, 3),
])
def test_3x_layout(db, params, k):
    X, z, rs = data(23)
    obj = params["objective"]
    y = labels(z, rs, 3) if obj.startswith("multi") else (
        labels(z, rs, 2) if obj.startswith("binary") else 2 * z)
    bst = xgb.train(dict(params, nthread=1), xgb.DMatrix(X, label=y), num_boost_round=12)
    for per_group in sorted({1, k}):
        # 3.x's sigmoid clamps the exponent: the same as 1.7's for these margins
        booster_check(db, bst, as_3x_document(bst, per_group), X)


def test_3x_wrapper_without_classes(db):
    X, z, rs = data(24)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=8).fit(X, labels(z, rs, 3))
    del m.classes_  # 2.x and later pickle only n_classes_
    check(db, m, X)
