"""NearestNeighbors, KNeighborsTransformer, RadiusNeighborsTransformer,
RadiusNeighborsClassifier/Regressor and LocalOutlierFactor(novelty=True) scored in SQL against
scikit-learn: every row, brute force and both pickled trees, several metrics, weights and
radii, data with duplicated rows (distance ties), every pickle form.

Labels, neighbour indices and graph rows are identical; floats agree within 1e-12 relative
(modelcheck.RTOL). NearestNeighbors' model_transform is kneighbors() as one array: the
distances, then the indices.
"""
import json

import numpy as np
import pytest
from sklearn import datasets
from sklearn.neighbors import (KNeighborsTransformer, LocalOutlierFactor, NearestNeighbors,
                               RadiusNeighborsClassifier, RadiusNeighborsRegressor,
                               RadiusNeighborsTransformer)

from famcheck import float_rows, json_scores
from modelcheck import FORMS, compare_floats, compare_labels, dumps

ALGOS = ["brute", "kd_tree", "ball_tree"]
METRICS = [("euclidean", None), ("manhattan", None), ("chebyshev", None), ("minkowski", 3)]


def _data():
    X, y = datasets.load_iris(return_X_y=True)
    X = np.vstack([X, X[:10], X[50:55]])  # duplicated rows: distance ties
    y = np.r_[y, y[:10], y[50:55]]
    return X, y


def _query(X):
    rng = np.random.RandomState(1)
    return np.vstack([X[::3], X[::7] + rng.normal(0, 0.3, X[::7].shape)])


def _sql(db, fn, e, Q, form="p4"):
    return json_scores(db, fn, dumps(e, form), Q)


def _params(metric, p):
    return dict(metric=metric) if p is None else dict(metric=metric, p=p)


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("metric,p", METRICS)
def test_nearest_neighbors(db, algo, metric, p):
    X, _ = _data()
    Q = _query(X)
    e = NearestNeighbors(n_neighbors=4, algorithm=algo, **_params(metric, p)).fit(X)
    d, i = e.kneighbors(Q)
    ours = float_rows(_sql(db, "model_transform", e, Q, FORMS[ALGOS.index(algo)]))
    compare_floats(ours[:, :4], d, Q, "distances")
    assert (ours[:, 4:] == i).all()


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("mode", ["distance", "connectivity"])
def test_graph_transformers(db, algo, mode):
    X, _ = _data()
    Q = _query(X)
    for e in [KNeighborsTransformer(n_neighbors=3, mode=mode, algorithm=algo).fit(X),
              RadiusNeighborsTransformer(radius=0.6, mode=mode, algorithm=algo).fit(X)]:
        ref = e.transform(Q).toarray()
        ours = float_rows(_sql(db, "model_transform", e, Q))
        assert ((ours != 0) == (ref != 0)).all(), type(e).__name__
        compare_floats(ours, ref, Q, type(e).__name__)


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("metric,p", METRICS[:2])
def test_radius_classifier(db, algo, weights, metric, p):
    X, y = _data()
    Q = _query(X)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    for k, (ol, radius) in enumerate([("most_frequent", 0.5), ("versicolor", 0.3),
                                      (None, 3.0)]):
        e = RadiusNeighborsClassifier(radius=radius, weights=weights, algorithm=algo,
                                      outlier_label=ol, **_params(metric, p)).fit(X, labels)
        form = FORMS[k % len(FORMS)]
        compare_labels(_sql(db, "model_predict", e, Q, form), e.predict(Q), "predict")
        compare_floats(float_rows(_sql(db, "model_predict_proba", e, Q, form)),
                       e.predict_proba(Q), Q, "predict_proba")


def test_radius_classifier_refusals(db):
    X, y = _data()
    e = RadiusNeighborsClassifier(radius=0.1).fit(X, y)
    far = json.dumps([50.0, 50.0, 50.0, 50.0])
    with pytest.raises(Exception, match="no neighbours within radius"):
        db.execute("SELECT model_predict(?, ?)", (dumps(e), far)).fetchone()
    e = RadiusNeighborsClassifier(radius=0.1, outlier_label=-1).fit(X, y)
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(e),)).fetchone()[0])
    assert not info["supported"] and "outlier_label" in info["reason"]


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_radius_regressor(db, algo, weights):
    X, y = _data()
    t = X[:, 0] * 2 - X[:, 3] + y
    Q = np.vstack([_query(X), [[40.0, 40.0, 40.0, 40.0]]])
    for k, target in enumerate([t, np.c_[t, -t * 0.5]]):
        e = RadiusNeighborsRegressor(radius=0.7, weights=weights, algorithm=algo).fit(X, target)
        with np.errstate(all="ignore"), pytest.warns(UserWarning):
            ref = e.predict(Q)
        ours = _sql(db, "model_predict", e, Q, FORMS[k + 2])
        if target.ndim == 1:
            assert ours[-1] is None
            compare_floats(float_rows(ours[:-1]), ref[:-1], Q[:-1], "predict")
        else:
            assert json.loads(ours[-1]) == [None, None]
            compare_floats(float_rows(ours[:-1]), ref[:-1], Q[:-1], "predict")


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("metric,p", METRICS)
def test_lof(db, algo, metric, p):
    X, _ = _data()
    Q = np.vstack([_query(X), X[:5] * 3])
    for k, nn in enumerate([5, 20]):
        e = LocalOutlierFactor(n_neighbors=nn, novelty=True, algorithm=algo,
                               **_params(metric, p)).fit(X)
        form = FORMS[(k + ALGOS.index(algo)) % len(FORMS)]
        ours = _sql(db, "model_predict", e, Q, form)
        assert all(type(v) is int for v in ours)
        assert ours == e.predict(Q).tolist()
        compare_floats(float_rows(_sql(db, "model_decision_function", e, Q, form)),
                       e.decision_function(Q), Q, "decision_function")
        compare_floats(float_rows(_sql(db, "model_score_samples", e, Q, form)),
                       e.score_samples(Q), Q, "score_samples")


def test_lof_without_novelty(db):
    X, _ = _data()
    e = LocalOutlierFactor().fit(X)
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(e),)).fetchone()[0])
    assert not info["supported"] and "novelty" in info["reason"]
