"""KernelRidge, PLSRegression/PLSCanonical/CCA/PLSSVD, BernoulliRBM and BayesianGaussianMixture
scored in SQL against scikit-learn, every row, several hyperparameters, every pickle form.

Labels (BayesianGaussianMixture.predict) are identical; floats agree within 1e-12 relative
(modelcheck.RTOL): the dots are summed in numpy's order, the remaining differences are libm's
exp/log versus numpy's SIMD ones (an ulp) and, for BayesianGaussianMixture, digamma computed by
the same series as scipy's but not the same code (a few ulps).
"""
import json

import numpy as np
import pytest
from sklearn import datasets
from sklearn.cross_decomposition import CCA, PLSSVD, PLSCanonical, PLSRegression
from sklearn.kernel_ridge import KernelRidge
from sklearn.mixture import BayesianGaussianMixture
from sklearn.neural_network import BernoulliRBM

from famcheck import float_rows, json_scores
def json_rows(db, fn, blob, X):
    return [db.execute("SELECT %s(?, ?)" % fn, (blob, json.dumps(r.tolist()))).fetchone()
            for r in np.asarray(X, dtype=float)]


from modelcheck import FORMS, compare_floats, dumps, score_and_compare


def _reg():
    X, y = datasets.make_regression(80, 5, noise=2.0, random_state=0)
    Y = np.c_[y, X[:, 0] * 3 - X[:, 2]]
    return X, y, Y


@pytest.mark.parametrize("kernel,params", [
    ("linear", {}), ("rbf", {}), ("rbf", {"gamma": 0.3}), ("poly", {"degree": 2, "coef0": 0.5}),
    ("sigmoid", {"gamma": 0.01}), ("laplacian", {}), ("cosine", {}),
])
def test_kernel_ridge(db, kernel, params):
    X, y, Y = _reg()
    for k, target in enumerate([y, Y]):
        e = KernelRidge(alpha=0.5, kernel=kernel, **params).fit(X, target)
        score_and_compare(db, e, X, FORMS[k % len(FORMS)])
        score_and_compare(db, e, np.vstack([X[:5] * 3, -X[:5]]), "p4")


def test_kernel_ridge_chi2_and_precomputed(db):
    X, y, _ = _reg()
    Xp = np.abs(X)
    for kernel, g in [("chi2", 0.5), ("additive_chi2", None)]:
        e = KernelRidge(kernel=kernel, gamma=g).fit(Xp, y)
        score_and_compare(db, e, Xp, "joblib")
    K = X @ X[:30].T
    e = KernelRidge(kernel="precomputed").fit(X[:30] @ X[:30].T, y[:30])
    score_and_compare(db, e, K, "p5")
    blob = dumps(KernelRidge(kernel="chi2", gamma=1.0).fit(Xp, y))
    err = None
    try:
        db.execute("SELECT model_predict(?, -1, 1, 1, 1, 1)", (blob,)).fetchone()
    except Exception as ex:  # noqa: BLE001 - the message is checked
        err = str(ex)
    assert err and "negative" in err


@pytest.mark.parametrize("cls", [PLSRegression, PLSCanonical, CCA, PLSSVD])
@pytest.mark.parametrize("n", [1, 2])
def test_pls(db, cls, n):
    X, y, Y = _reg()
    X = X.copy()
    X[:, 3] = X[:, 3] * 100 + 7
    for k, target in enumerate([Y, y] if cls in (PLSRegression,) else [Y]):
        e = cls(n_components=n, scale=(k == 0)).fit(X, target)
        score_and_compare(db, e, X, FORMS[(k + n) % len(FORMS)])


@pytest.mark.parametrize("n", [2, 7])
def test_rbm(db, n):
    X, _ = datasets.load_digits(return_X_y=True)
    X = X[:200] / 16.0
    e = BernoulliRBM(n_components=n, n_iter=3, random_state=0).fit(X)
    blob = dumps(e, "p4")
    ours = float_rows(json_scores(db, "model_transform", blob, X))
    compare_floats(ours, e.transform(X), X, "BernoulliRBM.transform")
    info = db.execute("SELECT model_info(?)", (blob,)).fetchone()[0]
    assert '"methods":["transform"]' in info


@pytest.mark.parametrize("cov", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("prior", ["dirichlet_process", "dirichlet_distribution"])
def test_bayesian_gmm(db, cov, prior):
    X, _ = datasets.load_iris(return_X_y=True)
    Xb, _ = datasets.make_blobs(200, 3, centers=3, random_state=2)
    for k, data in enumerate([X, np.vstack([Xb, Xb[:4]])]):
        e = BayesianGaussianMixture(n_components=4, covariance_type=cov,
                                    weight_concentration_prior_type=prior,
                                    random_state=k, max_iter=200).fit(data)
        form = FORMS[k * 3 % len(FORMS)]
        blob = dumps(e, form)
        labels = [r[0] for r in json_rows(db, "model_predict", blob, data)]
        assert all(type(v) is int for v in labels)
        assert labels == e.predict(data).tolist()
        score_and_compare(db, e, data, form, methods=["predict_proba"])
        ss = float_rows(json_scores(db, "model_score_samples", blob, data))
        compare_floats(ss, e.score_samples(data), data, "score_samples")
