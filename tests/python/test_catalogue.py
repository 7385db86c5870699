"""The catalogue of known classes (docs/scoring.md, "Catalogue and tiers"): pickles naming older
module spellings, scikit-learn >= 1.6 GradientBoosting globals and 32-bit tree records score like
scikit-learn; every pickle naming only known library classes can be registered, with
supported/reason; pickle_info reports each global's tier; model_supported() lists the scorable
classes.

Fixtures are pickles written here by scikit-learn 1.2.1 and then rewritten at the opcode level
the way older/newer releases name things (the rewrite changes names only, never fitted state):
  * scikit-learn <= 0.21 public module names (sklearn.linear_model.logistic, ...);
  * scikit-learn >= 1.6 GradientBoosting: `_loss` is a sklearn._loss.loss object whose Cython
    part is named under the bare module `_loss` (Meson build), and the random state is rebuilt
    from the bit generator class numpy.random._mt19937.MT19937 (numpy 2 pickles the class, not
    its name);
  * 32-bit Python: the Tree's node records have int32 left_child/right_child/feature/
    n_node_samples (SIZE_t is intp).
"""
import copyreg
import io
import json
import pickle
import pickletools
import sqlite3

import numpy as np
import pytest
from sklearn import datasets, svm
from sklearn import linear_model as L
from sklearn._loss import loss as sk_loss
from sklearn.cluster import KMeans
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from sklearn.ensemble import RandomForestClassifier
from sklearn.multiclass import _ConstantPredictor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.tree._tree import Tree

from conftest import sql_error, init_registry
from modelcheck import compare_floats, compare_labels, load_table, sql_scores

X_IRIS, Y_IRIS = datasets.load_iris(return_X_y=True)


def rename_modules(data, mapping):
    """The pickle with every module name in `mapping` replaced, opcode by opcode (GLOBAL/INST
    arguments and the strings STACK_GLOBAL takes); frames are dropped (they are optional)."""
    ops = list(pickletools.genops(data))
    out = bytearray()
    for i, (op, arg, pos) in enumerate(ops):
        end = ops[i + 1][2] if i + 1 < len(ops) else len(data)
        if op.name == "FRAME":
            continue
        if op.name in ("GLOBAL", "INST"):
            mod, name = arg.split(" ", 1)
            out += op.code.encode("latin-1") + mapping.get(mod, mod).encode() + b"\n"
            out += name.encode() + b"\n"
        elif op.name in ("SHORT_BINUNICODE", "BINUNICODE") and arg in mapping:
            s = mapping[arg].encode()
            out += b"\x8c" + bytes([len(s)]) + s
        else:
            out += data[pos:end]
    renamed = bytes(out)
    pickletools.dis(renamed, out=io.StringIO())  # still a well-formed pickle
    return renamed


def scores(db, blob, X, fns):
    cols = load_table(db, X)
    return {fn: sql_scores(db, fn, blob, cols) for fn in fns}


def reference(db, est, X, fns):
    """What the estimator's own pickle scores (checked against scikit-learn as the other model
    tests do: labels identical, floats through modelcheck.compare_floats) -- taken before a test
    swaps attributes."""
    ref = scores(db, pickle.dumps(est, protocol=4), X, fns)
    if hasattr(est, "classes_"):
        compare_labels(ref["model_predict"], est.predict(X), type(est).__name__)
    else:
        assert np.array_equal(np.asarray(ref["model_predict"], dtype=float), est.predict(X))
    if "model_predict_proba" in fns:
        got = np.array([json.loads(v) for v in ref["model_predict_proba"]])
        compare_floats(got, est.predict_proba(X), X, type(est).__name__ + ".predict_proba")
    return ref


def assert_same_scores(db, est, blob, X, fns=("model_predict",), ref=None):
    """blob (renamed) scores exactly like the estimator's own pickle, which scores like
    scikit-learn."""
    if ref is None:
        ref = reference(db, est, X, fns)
    assert scores(db, blob, X, fns) == ref


OLD_PATHS = [
    (lambda: L.LogisticRegression(max_iter=500).fit(X_IRIS, Y_IRIS),
     {"sklearn.linear_model._logistic": "sklearn.linear_model.logistic"}),
    (lambda: KMeans(n_clusters=3, n_init=3, random_state=0).fit(X_IRIS),
     {"sklearn.cluster._kmeans": "sklearn.cluster.k_means_"}),
    (lambda: DecisionTreeClassifier(random_state=0).fit(X_IRIS, Y_IRIS),
     {"sklearn.tree._classes": "sklearn.tree.tree"}),
    (lambda: RandomForestClassifier(n_estimators=5, random_state=0).fit(X_IRIS, Y_IRIS),
     {"sklearn.ensemble._forest": "sklearn.ensemble.forest",
      "sklearn.tree._classes": "sklearn.tree.tree"}),
    (lambda: GradientBoostingClassifier(n_estimators=5, random_state=0).fit(X_IRIS, Y_IRIS),
     {"sklearn.ensemble._gb": "sklearn.ensemble.gradient_boosting",
      "sklearn.tree._classes": "sklearn.tree.tree"}),
    (lambda: svm.LinearSVC(max_iter=5000, random_state=0).fit(X_IRIS, Y_IRIS),
     {"sklearn.svm._classes": "sklearn.svm.classes"}),
    (lambda: make_pipeline(StandardScaler(), L.LogisticRegression(max_iter=500))
     .fit(X_IRIS, Y_IRIS),
     {"sklearn.preprocessing._data": "sklearn.preprocessing.data",
      "sklearn.linear_model._logistic": "sklearn.linear_model.logistic"}),
]


@pytest.mark.parametrize("make,mapping", OLD_PATHS,
                         ids=[list(m.values())[0] for _, m in OLD_PATHS])
def test_old_module_paths_score(db, make, mapping):
    est = make()
    blob = rename_modules(pickle.dumps(est, protocol=2), mapping)
    info = json.loads(db.execute("SELECT pickle_info(?)", (blob,)).fetchone()[0])
    assert info["safe"] is True, info["unsafe_globals"]
    assert any(g.startswith(m + ".") for m in mapping.values() for g in info["globals"])
    assert_same_scores(db, est, blob, X_IRIS)


def test_sklearn_externals_joblib_wrapper(db):
    """joblib vendored in scikit-learn < 0.23 names its wrapper sklearn.externals.joblib.*"""
    import joblib
    est = L.LogisticRegression(max_iter=500).fit(X_IRIS, Y_IRIS)
    buf = io.BytesIO()
    joblib.dump(est, buf, protocol=2)  # GLOBAL opcodes: no length prefix to adjust
    data = buf.getvalue().replace(b"cjoblib.numpy_pickle\n",
                                  b"csklearn.externals.joblib.numpy_pickle\n")
    assert b"sklearn.externals.joblib.numpy_pickle" in data
    info = json.loads(db.execute("SELECT pickle_info(?)", (data,)).fetchone()[0])
    assert info["safe"] is True and info["format"] == "joblib"
    assert_same_scores(db, est, data, X_IRIS)


class _Pickler16(pickle.Pickler):
    """Writes RandomState the way numpy 2 does: the bit generator class, not its name."""

    def reducer_override(self, obj):
        if isinstance(obj, np.random.RandomState):
            ctor, args, state = obj.__reduce__()
            assert args[0] == "MT19937"
            return ctor, (np.random.MT19937,) + tuple(args[1:]), state
        return NotImplemented


def gb16_bytes(est):
    buf = io.BytesIO()
    _Pickler16(buf, protocol=4).dump(est)
    return rename_modules(buf.getvalue(), {"sklearn._loss._loss": "_loss"})


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regressor"])
def test_gradient_boosting_16_globals_score(db, kind):
    if kind == "regressor":
        est = GradientBoostingRegressor(n_estimators=8, random_state=0).fit(X_IRIS, Y_IRIS)
        fns = ("model_predict",)
        loss = sk_loss.HalfSquaredError()
    else:
        y = Y_IRIS == 1 if kind == "binary" else Y_IRIS
        est = GradientBoostingClassifier(n_estimators=8, random_state=0).fit(X_IRIS, y)
        fns = ("model_predict", "model_predict_proba")
        loss = (sk_loss.HalfBinomialLoss() if kind == "binary"
                else sk_loss.HalfMultinomialLoss(n_classes=3))
    ref = reference(db, est, X_IRIS, fns)
    est._loss = loss  # the loss object of scikit-learn >= 1.4 (1.2's predict cannot use it)
    blob = gb16_bytes(est)
    info = json.loads(db.execute("SELECT pickle_info(?)", (blob,)).fetchone()[0])
    tiers = dict(zip(info["globals"], info["tiers"]))
    assert info["safe"] is True, info["unsafe_globals"]
    cy = [g for g in tiers if g.startswith("_loss.")]
    assert cy and all(tiers[g] == "safe" for g in cy)
    assert tiers["numpy.random._mt19937.MT19937"] == "safe"
    assert tiers[type(est).__module__ + "." + type(est).__name__] == "scorable"
    assert_same_scores(db, est, blob, X_IRIS, fns, ref)


class _Pickler32(pickle.Pickler):
    """Writes every Tree with the node record of 32-bit Python (intp fields as int32)."""

    def reducer_override(self, obj):
        if isinstance(obj, Tree):
            cls, args, state = obj.__reduce__()
            nodes = state["nodes"]
            fields = [(n, "<i4" if n in ("left_child", "right_child", "feature",
                                         "n_node_samples") else nodes.dtype.fields[n][0])
                      for n in nodes.dtype.names]
            state = dict(state, nodes=nodes.astype(np.dtype(fields)))
            return cls, args, state
        return NotImplemented


@pytest.mark.parametrize("make", [
    lambda: DecisionTreeClassifier(random_state=0).fit(X_IRIS, Y_IRIS),
    lambda: DecisionTreeRegressor(random_state=0, max_depth=6).fit(X_IRIS, X_IRIS[:, 0]),
    lambda: RandomForestClassifier(n_estimators=4, random_state=0).fit(X_IRIS, Y_IRIS),
], ids=["dtc", "dtr", "forest"])
def test_int32_tree_records_score(db, make):
    est = make()
    buf = io.BytesIO()
    _Pickler32(buf, protocol=4).dump(est)
    blob = buf.getvalue()
    assert b"<i4" in blob or b"i4" in blob
    fns = ("model_predict", "model_predict_proba") if hasattr(est, "classes_") \
        else ("model_predict",)
    assert_same_scores(db, est, blob, X_IRIS, fns)


def test_int32_tree_records_checked(db):
    """A widened record is still checked: a child index out of range is an error, not a read."""
    est = DecisionTreeClassifier(random_state=0, max_depth=2).fit(X_IRIS, Y_IRIS)

    class Bad(_Pickler32):
        def reducer_override(self, obj):
            r = super().reducer_override(obj)
            if r is not NotImplemented:
                r[2]["nodes"]["left_child"][0] = 1000
            return r
    buf = io.BytesIO()
    Bad(buf, protocol=4).dump(est)
    msg = sql_error(db, "model_predict", buf.getvalue(), 1.0, 2.0, 3.0, 4.0)
    assert "child outside the" in msg and "left 1000" in msg, msg


def test_safe_unscorable_model_info_and_registry(db):
    import pandas as pd
    df = pd.DataFrame(X_IRIS, columns=["sl", "sw", "pl", "pw"])
    lp = _ConstantPredictor().fit(df, Y_IRIS)
    blob = pickle.dumps(lp)
    lp_cls = "sklearn.multiclass._ConstantPredictor"
    info = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    assert info["supported"] is False and info["kind"] == "estimator"
    assert info["n_features_in_"] == 4
    assert info["feature_names_in_"] == ["sl", "sw", "pl", "pw"]
    assert info["classes_"] is None
    assert info["reason"] == "%s cannot be scored yet (see model_supported())" % lp_cls
    init_registry(db)
    lr = L.LogisticRegression(max_iter=500).fit(X_IRIS, Y_IRIS)
    db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('lp', ?)", (blob,))
    db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('lr', ?)", (pickle.dumps(lr),))
    rows = db.execute("SELECT name, class, supported, reason, feature_names, classes "
                      "FROM ml_registry ORDER BY name").fetchall()
    assert rows == [
        ("lp", lp_cls, 0, "%s cannot be scored yet (see model_supported())" % lp_cls,
         '["sl","sw","pl","pw"]', None),
        ("lr", "sklearn.linear_model._logistic.LogisticRegression", 1,
         "LogisticRegression scores predict, predict_proba, decision_function, "
         "predict_log_proba", None,
         "[0,1,2]"),
    ]
    msg = sql_error(db, "model_predict", "lp", 1.0, 2.0, 3.0, 4.0)
    assert msg == "model_predict: %s cannot be scored yet (see model_supported())" % lp_cls
    assert db.execute("SELECT model_predict('lr', 5.1, 3.5, 1.4, 0.2)").fetchone()[0] == 0
    # unknown code is still refused, naming it
    with pytest.raises(sqlite3.Error) as e:
        db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('bad', ?)",
                   (pickle.dumps({"m": lp, "f": copyreg._reconstructor, "g": print}),))
    assert str(e.value) == ("ml_registry: cannot register model 'bad': the pickle names code "
                            "that could run in Python: builtins.print (not known library "
                            "classes)")


def test_pickle_info_tiers(db):
    est = make_pipeline(MinMaxScaler(), _ConstantPredictor()).fit(X_IRIS, Y_IRIS)
    info = json.loads(db.execute("SELECT pickle_info(?)", (pickle.dumps(est),)).fetchone()[0])
    tiers = dict(zip(info["globals"], info["tiers"]))
    assert len(info["tiers"]) == len(info["globals"])
    assert tiers["sklearn.pipeline.Pipeline"] == "scorable"
    assert tiers["sklearn.preprocessing._data.MinMaxScaler"] == "scorable"
    assert tiers["sklearn.multiclass._ConstantPredictor"] == "safe"
    assert tiers["numpy.core.multiarray._reconstruct"] == "safe"
    assert info["safe"] is True
    svc = json.loads(db.execute("SELECT pickle_info(?)", (pickle.dumps(
        svm.SVC().fit(X_IRIS, Y_IRIS)),)).fetchone()[0])
    assert dict(zip(svc["globals"], svc["tiers"]))["sklearn.svm._classes.SVC"] == "scorable"
    bad = pickle.dumps([est, print])
    info = json.loads(db.execute("SELECT pickle_info(?)", (bad,)).fetchone()[0])
    assert dict(zip(info["globals"], info["tiers"]))["builtins.print"] == "unknown"
    assert info["safe"] is False and info["unsafe_globals"] == ["builtins.print"]


def test_model_supported_lists_what_scores(db):
    rows = db.execute("SELECT class, module, spellings, kind, methods FROM model_supported")\
        .fetchall()
    by = {(r[1], r[0]): r for r in rows}
    assert len(by) == len(rows) >= 78
    assert by[("sklearn.linear_model._logistic", "LogisticRegression")][2:] == \
        ("sklearn.linear_model.logistic", "classifier",
         "predict, decision_function, predict_proba, predict_log_proba")
    assert ("sklearn.multiclass", "_ConstantPredictor") not in by
    assert by[("sklearn.neighbors._kde", "KernelDensity")][3:] == ("estimator", "score_samples")
    # the naive Bayes, SVM, nearest-neighbour, MLP and XGBoost families
    kinds = {("sklearn.naive_bayes", "GaussianNB"): "classifier",
             ("sklearn.svm._classes", "SVC"): "classifier",
             ("sklearn.svm._classes", "NuSVR"): "regressor",
             ("sklearn.svm._classes", "OneClassSVM"): "outlier detector",
             ("sklearn.neighbors._classification", "KNeighborsClassifier"): "classifier",
             ("sklearn.neighbors._regression", "KNeighborsRegressor"): "regressor",
             ("sklearn.neural_network._multilayer_perceptron", "MLPClassifier"): "classifier",
             ("sklearn.neural_network._multilayer_perceptron", "MLPRegressor"): "regressor",
             ("xgboost.core", "Booster"): "estimator",
             ("xgboost.sklearn", "XGBClassifier"): "classifier",
             ("xgboost.sklearn", "XGBRFClassifier"): "classifier",
             ("xgboost.sklearn", "XGBRegressor"): "regressor",
             ("xgboost.sklearn", "XGBRFRegressor"): "regressor",
             ("xgboost.sklearn", "XGBRanker"): "estimator"}
    for key, kind in kinds.items():
        assert by[key][3] == kind, (key, by.get(key))
    assert by[("sklearn.svm._classes", "SVC")][2] == "sklearn.svm.classes"
    # every listed class compiles from a fitted pickle of its own kind in this test's sample
    for est in (L.Ridge().fit(X_IRIS, X_IRIS[:, 0]), KMeans(2, n_init=2).fit(X_IRIS)):
        key = (type(est).__module__, type(est).__name__)
        assert key in by
        info = json.loads(db.execute("SELECT model_info(?)",
                                     (pickle.dumps(est),)).fetchone()[0])
        assert info["supported"] is True and info["kind"] == by[key][3]
