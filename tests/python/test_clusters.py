"""Clustering with predict (AffinityPropagation, MeanShift, Birch) and FeatureAgglomeration's
transform scored in SQL against scikit-learn, every row. Cluster numbers are identical; Birch's
transform (Euclidean distances by scikit-learn's dot-product formula) is compared squared, within
1e-12 of ||x||^2 + ||c||^2: a row lying on a subcluster centre has distance 0 in exact
arithmetic and the square root of rounding noise in scikit-learn's (up to ~1e-7)."""
import warnings

import numpy as np
import pytest
from sklearn import cluster, datasets

from conftest import sql_error
from modelcheck import FORMS, dumps, load_table, score_and_compare, sql_scores

warnings.filterwarnings("ignore")


def sets():
    Xi, _ = datasets.load_iris(return_X_y=True)
    Xb, _ = datasets.make_blobs(200, 3, centers=5, random_state=3)
    Xw, _ = datasets.load_wine(return_X_y=True)
    return {"iris": Xi, "blobs": Xb, "wine": Xw[:, :5]}


PREDICTORS = [
    cluster.AffinityPropagation(random_state=0),
    cluster.AffinityPropagation(damping=0.8, random_state=1),
    cluster.MeanShift(),
    cluster.MeanShift(bandwidth=2.0, cluster_all=True),
]


@pytest.mark.parametrize("est", PREDICTORS, ids=repr)
@pytest.mark.parametrize("name", ["iris", "blobs", "wine"])
def test_predict(db, est, name):
    X = sets()[name]
    est.fit(X)
    assert score_and_compare(db, est, X) == ["predict"]


@pytest.mark.parametrize("est", [cluster.Birch(), cluster.Birch(n_clusters=None, threshold=1.0),
                                 cluster.Birch(n_clusters=4, branching_factor=10, threshold=0.3)],
                         ids=repr)
@pytest.mark.parametrize("name", ["iris", "blobs", "wine"])
def test_birch(db, est, name):
    X = sets()[name]
    est.fit(X)
    blob = dumps(est)
    cols = load_table(db, X)
    assert sql_scores(db, "model_predict", blob, cols) == est.predict(X).tolist()
    import json
    ours = np.array([json.loads(v) for v in sql_scores(db, "model_transform", blob, cols)])
    ref = est.transform(X)
    scale = (X * X).sum(1)[:, None] + (est.subcluster_centers_ ** 2).sum(1)[None, :]
    assert np.all(np.abs(ours ** 2 - ref ** 2) <= 1e-12 * scale)


@pytest.mark.parametrize("kw", [{}, {"n_clusters": 3}, {"n_clusters": 2, "linkage": "average"},
                                {"n_clusters": 3, "linkage": "single"}], ids=repr)
def test_feature_agglomeration(db, kw):
    X = np.c_[sets()["wine"], datasets.load_wine().data[:, 5:]]
    est = cluster.FeatureAgglomeration(**kw).fit(X)
    assert score_and_compare(db, est, X) == ["transform"]


@pytest.mark.parametrize("form", FORMS)
def test_forms(db, form):
    X = sets()["iris"]
    score_and_compare(db, cluster.MeanShift().fit(X), X, form=form)
    score_and_compare(db, cluster.FeatureAgglomeration(2).fit(X), X, form=form)


def test_affinity_propagation_without_centres(db):
    X = sets()["iris"]
    est = cluster.AffinityPropagation(random_state=0).fit(X)
    est.cluster_centers_ = np.empty((0, 4))  # what a fit that did not converge leaves
    assert score_and_compare(db, est, X) == ["predict"]


def test_precomputed_affinity_has_no_predict(db):
    X = sets()["iris"]
    est = cluster.AffinityPropagation(affinity="precomputed", random_state=0).fit(-X @ X.T)
    err = sql_error(db, "model_predict", dumps(est), "[" + ", ".join(["1.0"] * 150) + "]")
    assert "no predict in scikit-learn" in err, err


def test_other_pooling_refused(db):
    X = sets()["iris"]
    est = cluster.FeatureAgglomeration(2).fit(X)
    est.pooling_func = np.max
    err = sql_error(db, "model_transform", dumps(est), 1.0, 2.0, 3.0, 4.0)
    assert "numpy.amax" in err or "only pooling_func=numpy.mean" in err, err
