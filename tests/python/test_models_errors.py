"""model_* functions: error messages that need Python-made models, the compiled-model caches
(per statement, per connection LRU, registry names) and model_info.
"""
import json
import warnings

import numpy as np
from sklearn import cluster, datasets, linear_model as L
from sklearn.multiclass import _ConstantPredictor
from sklearn.exceptions import ConvergenceWarning

from conftest import sql_error, init_registry
from modelcheck import dumps, load_table

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def test_unscorable_safe_class_one_line(db):
    """A known library class without a scoring family: one short line pointing at
    model_supported(), never the list of supported classes."""
    X, y = datasets.load_iris(return_X_y=True)
    lp = _ConstantPredictor().fit(X, y)
    cls = "sklearn.multiclass._ConstantPredictor"
    msg = sql_error(db, "model_predict", dumps(lp), 1.0, 2.0, 3.0, 4.0)
    assert msg == "model_predict: %s cannot be scored yet (see model_supported())" % cls
    assert len(msg) < 200 and "\n" not in msg
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(lp),)).fetchone()[0])
    assert info == {"class": cls, "kind": "estimator",
                    "n_features_in_": 4, "feature_names_in_": None, "classes_": None,
                    "sklearn_version": "1.2.1", "supported": False,
                    "reason": "%s cannot be scored yet (see model_supported())" % cls}


def test_per_row_models_join(db):
    """A model per row (customers joined to per-segment models): each row scored by its own."""
    X, _ = datasets.make_blobs(300, 3, centers=5, random_state=0)
    models = [cluster.KMeans(k, n_init=3, random_state=k).fit(X) for k in range(2, 22)]
    db.execute("CREATE TABLE models(id INTEGER PRIMARY KEY, blob BLOB)")
    db.executemany("INSERT INTO models VALUES (?, ?)",
                   [(i, dumps(m, "p%d" % (2 + i % 4))) for i, m in enumerate(models)])
    cols = load_table(db, X)
    # rows cycle through 20 models: more than the 16-entry LRU holds, so entries are evicted
    q = ("SELECT model_predict(models.blob, %s) FROM t JOIN models ON models.id = t.rowid %% 20 "
         "ORDER BY t.rowid" % ", ".join("t." + c for c in cols))
    got = [r[0] for r in db.execute(q)]
    want = [int(models[(i + 1) % 20].predict(X[i:i + 1])[0]) for i in range(len(X))]
    assert got == want
    # the same again, model order reversed, with a second function in the same statement
    q2 = ("SELECT model_transform(models.blob, %s), model_predict(models.blob, %s) FROM t "
          "JOIN models ON models.id = 19 - t.rowid %% 20 ORDER BY t.rowid" %
          (", ".join("t." + c for c in cols), ", ".join("t." + c for c in cols)))
    for i, (tr, p) in enumerate(db.execute(q2)):
        m = models[19 - (i + 1) % 20]
        assert p == int(m.predict(X[i:i + 1])[0])
        np.testing.assert_allclose(json.loads(tr), m.transform(X[i:i + 1])[0], rtol=1e-12)


def _sampled(blob):
    """The bytes the connection cache's hash reads of a blob over 1 KiB (hash_bytes in
    ext/sql/sql_model.c): the first and last 512 and 64 words spread between."""
    n, edge = len(blob), 512
    step = (n - 2 * edge) // 64
    return (blob[:edge] + blob[-edge:] +
            b"".join(blob[edge + k * step:edge + k * step + 8] for k in range(64)))


def test_per_row_models_differing_only_in_the_middle(db):
    """Blobs that agree on every byte the cache's hash reads (a collision by construction) and
    differ elsewhere must still be told apart by the full comparison."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 600))
    y = (X[:, 0] > 0).astype(int)
    base = L.LinearRegression().fit(X, y)

    def variant(j, k):
        m = L.LinearRegression().fit(X, y)
        m.coef_ = base.coef_.copy()
        m.coef_[j] += k
        return m

    j = next(j for j in range(100, 500)
             if _sampled(dumps(variant(j, 1))) == _sampled(dumps(variant(j, 0))))
    coefs = [variant(j, k) for k in range(3)]
    blobs = [dumps(m) for m in coefs]
    assert len(set(blobs)) == 3 and len({_sampled(b) for b in blobs}) == 1
    db.execute("CREATE TABLE ms(id INTEGER PRIMARY KEY, blob BLOB)")
    db.executemany("INSERT INTO ms VALUES (?, ?)", list(enumerate(blobs)))
    db.execute("CREATE TABLE rows(id INTEGER PRIMARY KEY, x TEXT)")  # 600 features: JSON form
    db.executemany("INSERT INTO rows VALUES (?, ?)",
                   [(i + 1, json.dumps(list(map(float, X[i])))) for i in range(6)])
    q = ("SELECT model_predict(ms.blob, rows.x) FROM rows JOIN ms ON ms.id = rows.id % 3 "
         "ORDER BY rows.id")
    got = [r[0] for r in db.execute(q)]
    want = [float(coefs[(i + 1) % 3].predict(X[i:i + 1])[0]) for i in range(6)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert len(set(np.round(got, 6))) == 6


def test_bound_model_reused_and_results_stable(db):
    X, y = datasets.load_wine(return_X_y=True)
    m = L.LogisticRegression(max_iter=3000).fit(X, y)
    blob = dumps(m)
    cols = load_table(db, X)
    q = "SELECT model_predict_proba(?, %s) FROM t ORDER BY rowid" % ", ".join(cols)
    first = [r[0] for r in db.execute(q, (blob,))]
    second = [r[0] for r in db.execute(q, (blob,))]
    assert first == second
    np.testing.assert_allclose(np.array([json.loads(r) for r in first]), m.predict_proba(X),
                               rtol=1e-12)


def test_registry_names(db):
    X, y = datasets.load_iris(return_X_y=True)
    m1 = L.LogisticRegression(max_iter=1000).fit(X, y)
    m2 = cluster.KMeans(4, n_init=3, random_state=0).fit(X)
    msg = sql_error(db, "model_predict", "iris", 1.0, 2.0, 3.0, 4.0)
    assert msg == ("model_predict: the registry is not initialised: run the statements of "
                   "SELECT ml_registry_sql()")
    init_registry(db)
    db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('iris', ?)", (dumps(m1),))
    row = tuple(map(float, X[100]))
    q = "SELECT model_predict('iris', ?, ?, ?, ?)"
    assert db.execute(q, row).fetchone()[0] == int(m1.predict(X[100:101])[0])
    # a new version: the per-connection cache notices the registry changed
    db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('iris', ?)", (dumps(m2),))
    assert db.execute(q, row).fetchone()[0] == int(m2.predict(X[100:101])[0])
    assert db.execute("SELECT model_predict('iris/1', ?, ?, ?, ?)", row).fetchone()[0] == \
        int(m1.predict(X[100:101])[0])
    info = json.loads(db.execute("SELECT model_info('iris')").fetchone()[0])
    assert info["class"] == "sklearn.cluster._kmeans.KMeans" and info["supported"] is True
    assert sql_error(db, "model_predict", "nosuch", 1.0) == \
        "model_predict: no model named 'nosuch' in the registry"


def test_info_kinds(db):
    X, y = datasets.load_diabetes(return_X_y=True)
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(L.Ridge().fit(X, y)),))
                      .fetchone()[0])
    assert info["kind"] == "regressor" and info["n_features_in_"] == 10
    assert info["methods"] == ["predict"] and info["classes_"] is None
    assert db.execute("SELECT model_info(NULL)").fetchone()[0] is None


def test_comparison_helper_detects_differences():
    """The tolerance used by every test fails on a 1e-10 relative change."""
    from modelcheck import compare_floats
    ref = np.array([[0.25, 0.75], [0.5, 0.5]])
    compare_floats(ref.copy(), ref, np.zeros((2, 3)), "same")
    try:
        compare_floats(ref * (1 + 1e-10), ref, np.zeros((2, 3)), "changed")
    except AssertionError:
        return
    raise AssertionError("a 1e-10 relative change went unnoticed")


def test_unsafe_pickle_refused_naming_the_global(db):
    """A supported model carrying an object of a non-allowlisted class is refused (Python
    loading the same bytes would import and run that class's code)."""
    import collections
    X, y = datasets.load_iris(return_X_y=True)
    m = L.LogisticRegression(max_iter=1000).fit(X, y)
    m.extra = collections.Counter("abc")
    msg = sql_error(db, "model_predict", dumps(m), 1.0, 2.0, 3.0, 4.0)
    assert msg == ("model_predict: refusing the pickle: it names code that could run in Python: "
                   "collections.Counter (not known library classes)")
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(m),)).fetchone()[0])
    assert info["supported"] is False and "collections.Counter" in info["reason"]
    assert info["class"] == "sklearn.linear_model._logistic.LogisticRegression"
    del m.extra
    assert db.execute("SELECT model_predict(?, 1.0, 2.0, 3.0, 4.0)", (dumps(m),)).fetchone()[0] \
        == int(m.predict([[1.0, 2.0, 3.0, 4.0]])[0])


def test_absent_attribute_read_as_array_is_an_error(db):
    """An attribute a family reads as an array may be absent (a fuzzed pickle without
    IsotonicRegression.y_thresholds_ once reached a NULL dereference)."""
    from sklearn.isotonic import IsotonicRegression
    e = IsotonicRegression().fit([1.0, 2.0, 3.0], [1.0, 3.0, 2.0])
    del e.y_thresholds_
    msg = sql_error(db, "model_predict", dumps(e), 1.5)
    assert msg == ("model_predict: IsotonicRegression is not fitted (no "
                   "IsotonicRegression.y_thresholds_)")
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer
    X = np.array([[1.0, 2.0], [np.nan, 3.0], [2.0, np.nan], [4.0, 1.0]])
    e = IterativeImputer(max_iter=2, random_state=0).fit(X)
    del e.initial_imputer_.statistics_
    msg = sql_error(db, "model_transform", dumps(e), 1.0, None)
    assert msg == "model_transform: SimpleImputer is not fitted (no statistics_)"
