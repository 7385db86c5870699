"""DummyClassifier, DummyRegressor and NearestCentroid scored in SQL against scikit-learn.

Dummy estimators answer the same for every row: every deterministic strategy is checked with
its labels (identical) and probabilities/values (bit-identical: stored numbers are copied);
the random strategies are refused with the reason. NearestCentroid: labels identical for every
metric it supports, with duplicated rows and rows exactly between two centroids (ties).
"""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.neighbors import NearestCentroid

from conftest import sql_error
from modelcheck import FORMS, dumps, load_table, score_and_compare, sql_scores


def clf_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    rng = np.random.RandomState(0)
    X2 = rng.normal(size=(50, 3))
    y2 = np.array(["b", "a", "c", "a", "b"] * 10)
    y3 = np.array([True] * 20 + [False] * 30)
    yf = np.array([2.0] * 30 + [-1.0] * 20)  # float labels (integral: not continuous)
    return {"iris": (Xi, yi), "str": (X2, y2), "bool": (X2, y3), "float": (X2, yf)}


@pytest.mark.parametrize("strategy", ["most_frequent", "prior", "uniform"])
def test_dummy_classifier(db, strategy):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = DummyClassifier(strategy=strategy).fit(X, y)
        methods = None if strategy != "uniform" else ["predict_proba"]
        # no n_features_in_ on dummies: the model takes one (ignored) feature
        checked = score_and_compare(db, e, X[:, :1], FORMS[k % len(FORMS)], methods=methods)
        assert checked == (["predict", "predict_proba"] if methods is None
                           else ["predict_proba"])


def test_dummy_classifier_priors_tie(db):
    X = np.zeros((6, 2))
    e = DummyClassifier(strategy="most_frequent").fit(X, [3, 1, 1, 3, 2, 2])
    score_and_compare(db, e, X[:, :1], "p2")  # three classes tie: the first (smallest) wins
    assert e.predict(X[:1])[0] == 1


@pytest.mark.parametrize("y,const", [([1, 2, 3, 2], 3), (["x", "y", "y"], "x"),
                                     ([0.5, 1.5, 1.5], [0.5]), ([True, False, False], True)])
def test_dummy_classifier_constant(db, y, const):
    X = np.arange(len(y), dtype=float).reshape(len(y), 1)
    e = DummyClassifier(strategy="constant", constant=const).fit(X, y)
    score_and_compare(db, e, X, "p4")


def test_dummy_random_strategies_refused(db):
    X, y = datasets.load_iris(return_X_y=True)
    e = DummyClassifier(strategy="stratified").fit(X, y)
    msg = sql_error(db, "model_predict", dumps(e), 0.0)
    assert msg.startswith("model_predict: DummyClassifier(strategy='stratified') draws its "
                          "answers at random"), msg
    e = DummyClassifier(strategy="uniform").fit(X, y)
    msg = sql_error(db, "model_predict", dumps(e), 0.0)
    assert msg == ("model_predict: DummyClassifier has no predict: strategy 'uniform' draws each "
                   "predicted class at random (numpy's random_state); only predict_proba is "
                   "deterministic")


def test_dummy_multioutput_refused(db):
    X = np.zeros((4, 1))
    e = DummyClassifier().fit(X, np.array([[0, 1], [1, 1], [0, 0], [0, 1]]))
    msg = sql_error(db, "model_predict", dumps(e), 0.0)
    assert "several outputs" in msg, msg


@pytest.mark.parametrize("params", [{}, {"strategy": "median"},
                                    {"strategy": "quantile", "quantile": 0.3},
                                    {"strategy": "constant", "constant": 4.25}])
def test_dummy_regressor(db, params):
    X, y = datasets.load_diabetes(return_X_y=True)
    X = X[:, :1]
    e = DummyRegressor(**params).fit(X, y)
    score_and_compare(db, e, X[:40], "p4")
    # several targets: a JSON array per row
    Y = np.c_[y, y * 0.5 - 3]
    if params.get("strategy") == "constant":
        params = dict(params, constant=[4.25, -1.0])
    e = DummyRegressor(**params).fit(X, Y)
    score_and_compare(db, e, X[:40], "joblib")


def test_dummy_regressor_weighted(db):
    X, y = datasets.load_diabetes(return_X_y=True)
    X = X[:, :1]
    w = np.linspace(0.1, 2, len(y))
    for s in ("mean", "median"):
        e = DummyRegressor(strategy=s).fit(X, y, sample_weight=w)
        score_and_compare(db, e, X[:10], "p5")


METRICS = ["euclidean", "manhattan", "l2", "l1", "cityblock", "chebyshev", "sqeuclidean"]


def _ties(e, X):
    """Rows exactly between two centroids (midpoints) plus the centroids themselves."""
    c = e.centroids_
    mids = [(c[i] + c[j]) / 2 for i in range(len(c)) for j in range(i + 1, len(c))]
    return np.vstack([X, c, np.array(mids), np.round(X, 0)])


@pytest.mark.parametrize("metric", METRICS)
def test_nearest_centroid(db, metric):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = NearestCentroid(metric=metric).fit(X, y)
        score_and_compare(db, e, _ties(e, X), FORMS[k % len(FORMS)])


@pytest.mark.parametrize("shrink", [0.1, 0.5, 2.0])
def test_nearest_centroid_shrink(db, shrink):
    X, y = datasets.make_classification(200, 10, n_informative=5, n_classes=3, random_state=1)
    X = np.vstack([X, X[:5]])
    y = np.concatenate([y, y[:5]])
    e = NearestCentroid(shrink_threshold=shrink).fit(X, y)
    score_and_compare(db, e, _ties(e, X), "p4")


def test_nearest_centroid_tie_order(db):
    """Two centroids equally far: the first wins, as in scikit-learn's ArgKmin."""
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 0.0], [2.0, 0.0]])
    e = NearestCentroid().fit(X, [5, 7, 5, 7])
    Q = np.array([[1.0, 0.0], [1.0, 3.0], [1.0, -2.0]])
    cols = load_table(db, Q)
    ours = sql_scores(db, "model_predict", dumps(e), cols)
    assert ours == e.predict(Q).tolist() == [5, 5, 5]


def test_nearest_centroid_metric_refused(db):
    X, y = datasets.load_iris(return_X_y=True)
    e = NearestCentroid(metric="cosine").fit(X, y)
    msg = sql_error(db, "model_predict", dumps(e), *X[0])
    assert "metric 'cosine' is not supported" in msg, msg


def test_dummy_takes_one_ignored_feature(db):
    X, y = datasets.load_iris(return_X_y=True)
    e = DummyClassifier().fit(X, y)
    assert not hasattr(e, "n_features_in_")
    blob = dumps(e)
    assert db.execute("SELECT model_predict(?, NULL), model_predict(?, 1e300)",
                      (blob, blob)).fetchone() == (0, 0)
    # scikit-learn's predict never reads X: any number of columns of anything is taken
    assert e.predict([[1.0, 2.0, 3.0]]).tolist() == [0]
    assert db.execute("SELECT model_predict(?, 1.0, 2.0, 3.0), model_predict(?), "
                      "model_predict(?, 'x', X'00'), model_predict(?, '[1, 2]'), "
                      "model_predict_proba(?, 9e999, NULL)",
                      (blob,) * 5).fetchone() == (0, 0, 0, 0, "[0.3333333333333333,"
                                                          "0.3333333333333333,0.3333333333333333]")
    r = DummyRegressor(strategy="constant", constant=2.5).fit(X, y)
    assert db.execute("SELECT model_predict(?, 1, 2, 3, 4, 5, 6)", (dumps(r),)).fetchone() == (2.5,)


def test_dummy_in_pipeline(db):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, y = datasets.load_iris(return_X_y=True)
    e = make_pipeline(StandardScaler(), DummyClassifier(strategy="prior")).fit(X, y)
    assert score_and_compare(db, e, X, "p4") == ["predict", "predict_proba"]
    r = make_pipeline(StandardScaler(), DummyRegressor(strategy="median")).fit(X, y * 1.5)
    assert score_and_compare(db, r, X, "joblib") == ["predict"]
