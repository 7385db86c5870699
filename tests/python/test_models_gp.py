"""GaussianProcessRegressor.predict and GaussianProcessClassifier predict/predict_proba scored in
SQL against scikit-learn, every row, for every supported kernel and their sums, products and
powers, normalize_y, several targets, binary and multi-class (one_vs_rest, one_vs_one).

Bounds (documented in ext/model/pk_gp.c): the regressor's mean within 1e-12 relative
(modelcheck.RTOL, with its absolute term for values cancelling towards 0); the classifier's
probabilities within 1e-9 relative or 1e-12 absolute (scikit-learn solves the triangular system
with a general LU solver, and its five-term erf sum cancels terms of size ~3500); labels
identical.
"""
import json

import numpy as np
import pytest
from sklearn import datasets
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process.kernels import (RBF, ConstantKernel, DotProduct, ExpSineSquared,
                                              Matern, RationalQuadratic, WhiteKernel)

from famcheck import float_rows, json_scores
from modelcheck import FORMS, compare_labels, dumps, score_and_compare


def _reg_data():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(40, 3))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - X[:, 2] + rng.normal(0, 0.05, 40)
    return X, y


KERNELS = [
    lambda: RBF(1.0),
    lambda: RBF([1.0, 2.0, 0.5]),
    lambda: Matern(1.0, nu=0.5),
    lambda: Matern([1.0, 1.5, 0.7], nu=1.5),
    lambda: Matern(1.0, nu=2.5),
    lambda: Matern(1.0, nu=np.inf),
    lambda: RationalQuadratic(1.0, 1.5),
    lambda: ExpSineSquared(1.0, 3.0),
    lambda: DotProduct(1.0),
    lambda: ConstantKernel(2.0) * RBF(1.0) + WhiteKernel(0.1),
    lambda: ConstantKernel(1.0) + DotProduct(0.5) ** 2,
    lambda: RBF(1.0) * ExpSineSquared(1.0, 2.0) + Matern(1.0, nu=1.5) * ConstantKernel(0.5),
]


@pytest.mark.parametrize("k", range(len(KERNELS)))
def test_gpr(db, k):
    X, y = _reg_data()
    if k == 7:  # ExpSineSquared is positive definite on one feature only
        X = X[:, :1]
    for j, norm in enumerate([False, True]):
        e = GaussianProcessRegressor(KERNELS[k](), alpha=0.1, normalize_y=norm,
                                     random_state=0).fit(X, y)
        score_and_compare(db, e, X, FORMS[(k + j) % len(FORMS)])
        score_and_compare(db, e, np.vstack([X[:5] * 1.7, -X[:4] + 0.3]), "p4")


def test_gpr_multi_target(db):
    X, y = _reg_data()
    Y = np.c_[y, X[:, 0] * 2 + 1, -y]
    for norm in [False, True]:
        e = GaussianProcessRegressor(RBF(1.0) + WhiteKernel(0.1), normalize_y=norm).fit(X, Y)
        score_and_compare(db, e, X, "joblib")


def test_gpr_refusals(db):
    X, y = _reg_data()
    e = GaussianProcessRegressor(Matern(1.0, nu=1.2)).fit(X, y)
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(e),)).fetchone()[0])
    assert not info["supported"] and "kv" in info["reason"]


def _proba_close(ours, ref, what):
    ours = np.asarray(ours, dtype=float).reshape(ref.shape)
    assert np.allclose(ours, ref, rtol=1e-9, atol=1e-12), (what, np.max(np.abs(ours - ref)))


def _check_gpc(db, e, X, form):
    blob = dumps(e, form)
    labels = [db.execute("SELECT model_predict(?, ?)", (blob, json.dumps(r.tolist())))
              .fetchone()[0] for r in X]
    compare_labels(labels, e.predict(X), "GPC.predict")
    if e.multi_class == "one_vs_rest" or len(e.classes_) == 2:
        _proba_close(float_rows(json_scores(db, "model_predict_proba", blob, X)),
                     e.predict_proba(X), "GPC.predict_proba")
    else:
        with pytest.raises(Exception, match="one_vs_one"):
            db.execute("SELECT model_predict_proba(?, ?)",
                       (blob, json.dumps(X[0].tolist()))).fetchone()


@pytest.mark.parametrize("kernel", [
    lambda: 1.0 * RBF(1.0), lambda: Matern(1.0, nu=2.5), lambda: DotProduct(1.0) + WhiteKernel(),
    lambda: RationalQuadratic(1.0, 1.0),
])
def test_gpc(db, kernel):
    X, y = datasets.load_iris(return_X_y=True)
    X = X[:, :3]
    yb = np.where(y == 2, "virginica", "other")
    e = GaussianProcessClassifier(kernel(), random_state=0).fit(X, yb)
    _check_gpc(db, e, X, "p4")
    for j, mc in enumerate(["one_vs_rest", "one_vs_one"]):
        e = GaussianProcessClassifier(kernel(), multi_class=mc, random_state=0).fit(X, y)
        _check_gpc(db, e, X, FORMS[j * 2 + 1])
