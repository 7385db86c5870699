"""Linear projections and the remaining linear regressors scored in SQL against scikit-learn,
every row: IncrementalPCA, FastICA, FactorAnalysis, Gaussian and sparse random projections
(components_ a scipy csr_matrix), LarsCV, LassoLarsCV, LassoLarsIC, OrthogonalMatchingPursuit(CV)
and the MultiTask* models (one JSON array per row)."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import datasets, decomposition as D, linear_model as L, random_projection as R

from conftest import sql_error
from modelcheck import FORMS, dumps, score_and_compare

warnings.filterwarnings("ignore")


def sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xw, yw = datasets.load_wine(return_X_y=True)
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    Xr, yr = datasets.make_regression(120, 9, n_targets=1, noise=3.0, random_state=8)
    return {"iris": (Xi, yi.astype(float)), "wine": (Xw, yw.astype(float)),
            "diabetes": (Xd, yd), "reg9": (Xr, yr)}


TRANSFORMERS = [
    D.IncrementalPCA(),
    D.IncrementalPCA(n_components=2, whiten=True, batch_size=40),
    D.FastICA(random_state=0, whiten="unit-variance", max_iter=400),
    D.FastICA(n_components=2, random_state=1, whiten="arbitrary-variance"),
    D.FastICA(random_state=2, whiten=False),
    D.FactorAnalysis(),
    D.FactorAnalysis(n_components=2, rotation="varimax", random_state=0),
    D.FactorAnalysis(n_components=3, svd_method="lapack"),
    R.GaussianRandomProjection(n_components=3, random_state=0),
    R.SparseRandomProjection(n_components=3, random_state=0),
    R.SparseRandomProjection(n_components=5, density=0.5, random_state=1, dense_output=True),
    R.SparseRandomProjection(n_components=4, density=1.0, random_state=2),
]

REGRESSORS = [
    L.LarsCV(), L.LassoLarsCV(), L.LassoLarsIC(), L.LassoLarsIC(criterion="bic"),
    L.OrthogonalMatchingPursuit(), L.OrthogonalMatchingPursuit(n_nonzero_coefs=2),
    L.OrthogonalMatchingPursuitCV(),
]

MULTITASK = [L.MultiTaskLasso(alpha=0.1), L.MultiTaskLassoCV(), L.MultiTaskElasticNet(alpha=0.1),
             L.MultiTaskElasticNetCV()]


@pytest.mark.parametrize("est", TRANSFORMERS, ids=lambda e: repr(e)[:70])
@pytest.mark.parametrize("name", ["iris", "wine", "diabetes", "reg9"])
def test_transformers(db, est, name):
    X, _ = sets()[name]
    est.fit(X)
    assert score_and_compare(db, est, X) == ["transform"]


@pytest.mark.parametrize("est", REGRESSORS, ids=lambda e: repr(e)[:60])
@pytest.mark.parametrize("name", ["diabetes", "reg9", "wine"])
def test_regressors(db, est, name):
    X, y = sets()[name]
    est.fit(X, y)
    assert score_and_compare(db, est, X) == ["predict"]


@pytest.mark.parametrize("est", MULTITASK, ids=lambda e: repr(e)[:60])
def test_multitask(db, est):
    X, Y = datasets.make_regression(100, 6, n_targets=3, noise=2.0, random_state=3)
    est.fit(X, Y)
    assert score_and_compare(db, est, X) == ["predict"]


@pytest.mark.parametrize("form", FORMS)
def test_forms(db, form):
    X, _ = sets()["wine"]
    score_and_compare(db, R.SparseRandomProjection(4, random_state=0).fit(X), X, form=form)
    score_and_compare(db, D.FactorAnalysis(3).fit(X), X, form=form)


def broken_srp(**state):
    X, _ = sets()["iris"]
    est = R.SparseRandomProjection(3, random_state=0).fit(X)
    c = est.components_
    for k, v in state.items():
        setattr(c, k, v)
    return dumps(est)


@pytest.mark.parametrize("state, msg", [
    (dict(indptr=np.array([0, 1, 9, 2], dtype=np.int32)),
     "components_.indptr is not a valid row pointer array"),
    (dict(indices=np.array([7, 0, 1, 2, 3, 1, 2, 0, 3, 1, 2, 3][:0], dtype=np.int32)),
     "do not make a 3 x 4 matrix"),
    (dict(_shape=(3,)), "components_ has no valid _shape"),
])
def test_sparse_projection_refuses_broken_matrices(db, state, msg):
    blob = broken_srp(**state)
    err = sql_error(db, "model_transform", blob, 1.0, 2.0, 3.0, 4.0)
    assert err and msg in err, err


def test_sparse_projection_out_of_range_index(db):
    X, _ = sets()["iris"]
    est = R.SparseRandomProjection(3, density=0.9, random_state=0).fit(X)
    last = est.components_.nnz - 1
    est.components_.indices = est.components_.indices.copy()
    est.components_.indices[last] = 4
    err = sql_error(db, "model_transform", dumps(est), 1.0, 2.0, 3.0, 4.0)
    assert "components_.indices[%d] is outside the 4 columns" % last in err, err


def test_sparse_projection_needs_csr(db):
    X, _ = sets()["iris"]
    est = R.SparseRandomProjection(3, random_state=0).fit(X)
    est.components_ = sp.csc_matrix(est.components_)
    err = sql_error(db, "model_transform", dumps(est), 1.0, 2.0, 3.0, 4.0)
    assert "components_ is a csc_matrix, not a csr_matrix" in err, err
