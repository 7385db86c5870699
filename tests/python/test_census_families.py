"""The long-tail families scored in SQL against scikit-learn, every row: EllipticEnvelope
(score_samples through model_score_samples) and the covariance estimators (mahalanobis through
model_transform), SparsePCA/MiniBatchSparsePCA,
NeighborhoodComponentsAnalysis, LabelPropagation/LabelSpreading, RandomTreesEmbedding,
BisectingKMeans, DictionaryLearning/MiniBatchDictionaryLearning/SparseCoder, and Dummy* models
pickled without n_features_in_ taking rows of any width."""
import functools
import json
import warnings

import numpy as np
import pytest
from sklearn import (cluster as C, covariance as V, datasets, decomposition as D, dummy,
                     ensemble as E, neighbors as N, semi_supervised as S)

from conftest import sql_error
from famcheck import json_scores, score_wide
from test_clusters import check_centres
from modelcheck import FORMS, compare_floats, dumps, load_table, score_and_compare, sql_scores

warnings.filterwarnings("ignore")


def sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xw, yw = datasets.load_wine(return_X_y=True)
    Xw = (Xw - Xw.mean(0)) / Xw.std(0)  # dictionary learning converges slowly on raw wine
    Xb, yb = datasets.make_blobs(150, 4, centers=5, random_state=3)
    return {"iris": (Xi, yi), "wine": (Xw, yw), "blobs": (Xb, yb)}


def check_score_samples(db, est, X):
    """mahalanobis through model_transform and (EllipticEnvelope) score_samples through
    model_score_samples, every row within 1e-12."""
    cols = load_table(db, X)
    ours = sql_scores(db, "model_transform", dumps(est), cols)
    compare_floats(np.array(ours, dtype=float), est.mahalanobis(X), X, type(est).__name__)
    if hasattr(est, "score_samples"):
        ours = sql_scores(db, "model_score_samples", dumps(est), cols)
        compare_floats(np.array(ours, dtype=float), est.score_samples(X), X,
                       type(est).__name__ + ".score_samples")


COVARIANCES = [V.EmpiricalCovariance(), V.MinCovDet(random_state=0), V.ShrunkCovariance(),
               V.LedoitWolf(), V.OAS(), V.GraphicalLasso(alpha=0.05), V.GraphicalLassoCV()]


@pytest.mark.parametrize("est", COVARIANCES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("name", ["iris", "blobs"])
def test_covariance_mahalanobis(db, est, name):
    X, _ = sets()[name]
    check_score_samples(db, est.fit(X), X)


@pytest.mark.parametrize("est", [V.EllipticEnvelope(random_state=0),
                                 V.EllipticEnvelope(contamination=0.25, random_state=1)], ids=repr)
@pytest.mark.parametrize("name", ["iris", "wine", "blobs"])
def test_elliptic_envelope(db, est, name):
    X, _ = sets()[name]
    est.fit(X)
    assert score_and_compare(db, est, X, methods=["decision_function"])
    assert sorted(set(est.predict(X))) == [-1, 1]
    assert sql_scores(db, "model_predict", dumps(est), load_table(db, X)) == est.predict(X).tolist()
    check_score_samples(db, est, X)


def test_covariance_without_precision(db):
    X, _ = sets()["iris"]
    err = sql_error(db, "model_transform", dumps(V.EmpiricalCovariance(store_precision=False)
                                                 .fit(X)), *X[0])
    assert "store_precision=False" in err, err


TRANSFORMERS = [
    D.SparsePCA(n_components=3, random_state=0),
    D.SparsePCA(random_state=0, ridge_alpha=0.5),
    D.MiniBatchSparsePCA(n_components=2, random_state=0),
    N.NeighborhoodComponentsAnalysis(random_state=0),
    N.NeighborhoodComponentsAnalysis(n_components=2, random_state=0),
    D.DictionaryLearning(n_components=6, max_iter=50, random_state=0),
    D.DictionaryLearning(n_components=6, transform_n_nonzero_coefs=3, max_iter=50,
                         random_state=0),
    D.DictionaryLearning(n_components=4, transform_algorithm="threshold", transform_alpha=0.5,
                         split_sign=True, max_iter=50, random_state=0),
    D.MiniBatchDictionaryLearning(n_components=5, transform_n_nonzero_coefs=2, random_state=0),
]


@pytest.mark.parametrize("est", TRANSFORMERS, ids=lambda e: repr(e)[:70])
@pytest.mark.parametrize("name", ["iris", "wine", "blobs"])
def test_transformers(db, est, name):
    X, y = sets()[name]
    est.fit(X, y)
    assert score_and_compare(db, est, X) == ["transform"]


@pytest.mark.parametrize("est", [E.RandomTreesEmbedding(n_estimators=7, max_depth=4,
                                                        random_state=0),
                                 E.RandomTreesEmbedding(n_estimators=3, random_state=1)],
                         ids=repr)
@pytest.mark.parametrize("name", ["iris", "wine", "blobs"])
def test_random_trees_embedding(db, est, name, form="p4"):
    X, _ = sets()[name]
    est.fit(X)
    ours = [json.loads(v) for v in sql_scores(db, "model_transform", dumps(est, form),
                                               load_table(db, X))]
    assert ours == est.transform(X).toarray().tolist()


def test_sparse_pca_dual(db):
    # more components than features: scikit-learn solves the ridge in its dual form
    X, _ = sets()["iris"]
    est = D.SparsePCA(n_components=6, random_state=0).fit(X)
    assert est.components_.shape == (6, 4)
    assert score_and_compare(db, est, X) == ["transform"]


@pytest.mark.parametrize("alg,kw", [("omp", {"transform_n_nonzero_coefs": 1}),
                                    ("omp", {"transform_n_nonzero_coefs": 4}),
                                    ("threshold", {"transform_alpha": 0.3}),
                                    ("threshold", {"positive_code": True, "split_sign": True})])
def test_sparse_coder(db, alg, kw):
    X, _ = sets()["wine"]
    rng = np.random.RandomState(4)
    dic = rng.normal(size=(8, X.shape[1]))
    dic /= np.linalg.norm(dic, axis=1, keepdims=True)
    est = D.SparseCoder(dic, transform_algorithm=alg, **kw).fit(X)
    assert score_wide(db, est, X) == ["transform"]


def test_sparse_coder_refuses_lasso(db):
    X, _ = sets()["iris"]
    est = D.SparseCoder(np.eye(4), transform_algorithm="lasso_lars").fit(X)
    err = sql_error(db, "model_transform", dumps(est), *X[0])
    assert "transform_algorithm 'lasso_lars' is not scored" in err, err


@pytest.mark.parametrize("est", [S.LabelPropagation(), S.LabelPropagation(gamma=2.0),
                                 S.LabelSpreading(), S.LabelSpreading(gamma=5.0, alpha=0.5)],
                         ids=repr)
@pytest.mark.parametrize("name", ["iris", "blobs"])
def test_label_propagation(db, est, name):
    X, y = sets()[name]
    y = y.copy()
    y[np.random.RandomState(0).rand(len(y)) < 0.4] = -1
    est.fit(X, y)
    assert score_and_compare(db, est, X) == ["predict", "predict_proba"]


def test_label_propagation_knn_refused(db):
    X, y = sets()["iris"]
    est = S.LabelSpreading(kernel="knn").fit(X, y)
    err = sql_error(db, "model_predict", dumps(est), *X[0])
    assert "kernel knn is not scored" in err, err


@pytest.mark.parametrize("est", [C.BisectingKMeans(n_clusters=3, random_state=0),
                                 C.BisectingKMeans(n_clusters=7, random_state=1),
                                 C.BisectingKMeans(n_clusters=5, random_state=2,
                                                   bisecting_strategy="largest_cluster")],
                         ids=repr)
@pytest.mark.parametrize("name", ["iris", "wine", "blobs"])
def test_bisecting_kmeans(db, est, name):
    X, _ = sets()[name]
    check_centres(db, est.fit(X), X, est.cluster_centers_)


@pytest.mark.parametrize("est", [dummy.DummyClassifier(), dummy.DummyRegressor()], ids=repr)
def test_dummy_any_width(db, est):
    X, y = sets()["iris"]
    est.fit(X, y)
    assert not hasattr(est, "n_features_in_")  # scikit-learn 1.2 does not record it
    ours = json_scores(db, "model_predict", dumps(est), X)
    assert ours == est.predict(X).tolist()
    ours = sql_scores(db, "model_predict", dumps(est), load_table(db, X))  # positional
    assert ours == est.predict(X).tolist()


@functools.lru_cache(maxsize=None)
def form_models():
    X, y = sets()["wine"]
    yy = y.copy()
    yy[::3] = -1
    return X, [(V.EllipticEnvelope(random_state=0).fit(X), ["decision_function"]),
               (D.SparsePCA(3, random_state=0).fit(X), None),
               (C.BisectingKMeans(4, random_state=0).fit(X), ["predict"]),
               (D.DictionaryLearning(5, transform_n_nonzero_coefs=2, max_iter=50,
                                     random_state=0).fit(X), None),
               (S.LabelSpreading().fit(X, yy), None)]


@pytest.mark.parametrize("form", FORMS)
def test_forms(db, form):
    X, models = form_models()
    for est, methods in models:
        score_and_compare(db, est, X, form=form, methods=methods)
    test_random_trees_embedding(db, E.RandomTreesEmbedding(3, random_state=0), "wine", form)
