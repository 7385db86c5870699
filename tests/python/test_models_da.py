"""Discriminant analysis scored in SQL against scikit-learn: every row, every method.

LinearDiscriminantAnalysis (solvers svd, lsqr, eigen; priors, shrinkage 'auto' and fixed,
n_components) and QuadraticDiscriminantAnalysis (priors, reg_param) on binary and multiclass
data with duplicated rows, label types int/str/bool/float, every pickle form. predict must give
identical labels; predict_proba, decision_function and transform agree within 1e-12 relative
(modelcheck.RTOL): scikit-learn's matrix products go through BLAS, exp/log through numpy's SIMD
versions, so bit-identity is not guaranteed, but most values are.
"""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.discriminant_analysis import (LinearDiscriminantAnalysis as LDA,
                                           QuadraticDiscriminantAnalysis as QDA)

from conftest import sql_error
from modelcheck import FORMS, dumps, load_table, score_and_compare, sql_scores


def _dup(X, y, reps=3):
    return np.vstack([X, X[:reps]]), np.concatenate([y, y[:reps]])


def data_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    Xc, yc = datasets.make_classification(300, 12, n_informative=6, n_redundant=0, n_classes=4,
                                          random_state=4)
    Xw, yw = datasets.load_wine(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])
    return {
        "iris": _dup(Xi, yi),
        "iris_str": (Xi, names[yi]),
        "bc_bool": (Xb[:, :10], yb.astype(bool)),
        "clf12x4": _dup(Xc, yc),
        "wine_float": (Xw, yw * 2.0 + 1.0),
    }


def _fit_all(est, sets):
    for k, (name, (X, y)) in enumerate(sorted(sets.items())):
        yield k, name, X, type(est)(**est.get_params()).fit(X, y)


LDAS = [
    LDA(), LDA(solver="svd", n_components=1), LDA(solver="svd", store_covariance=True),
    LDA(solver="lsqr"), LDA(solver="lsqr", shrinkage="auto"), LDA(solver="lsqr", shrinkage=0.3),
    LDA(solver="eigen"), LDA(solver="eigen", shrinkage="auto"), LDA(solver="eigen", shrinkage=0.1),
    LDA(solver="eigen", n_components=1), LDA(tol=1e-2),
]


def _id(e):
    p = e.get_params()
    d = type(e)().get_params()
    return type(e).__name__ + "(" + ",".join("%s=%s" % (k, p[k]) for k in sorted(p)
                                             if p[k] != d[k]) + ")"


@pytest.mark.parametrize("est", LDAS, ids=_id)
def test_lda(db, est):
    want = ["predict", "predict_proba", "decision_function"]
    if est.solver != "lsqr":
        want.append("transform")
    for k, name, X, e in _fit_all(est, data_sets()):
        checked = score_and_compare(db, e, X, FORMS[(k + len(name)) % len(FORMS)], methods=want)
        assert checked == want, (name, checked)
        # rows far from the data: probabilities saturate as scikit-learn's
        far = np.vstack([X[:4] * 30.0, -X[:4] * 5.0])
        score_and_compare(db, e, far, "p4", methods=want)


def test_lda_priors(db):
    X, y = datasets.load_iris(return_X_y=True)
    e = LDA(priors=[0.6, 0.3, 0.1]).fit(X, y)
    score_and_compare(db, e, X, "joblib")
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    e = LDA(solver="eigen", priors=[0.9, 0.1]).fit(Xb[:, :8], yb)
    score_and_compare(db, e, Xb[:, :8], "p5")


def test_lda_lsqr_has_no_transform(db):
    X, y = datasets.load_iris(return_X_y=True)
    e = LDA(solver="lsqr").fit(X, y)
    with pytest.raises(NotImplementedError):
        e.transform(X)
    msg = sql_error(db, "model_transform", dumps(e), *X[0])
    assert msg == ("model_transform: LinearDiscriminantAnalysis has no transform: solver 'lsqr' "
                   "has no transform (scikit-learn raises NotImplementedError)")


def test_lda_bit_identical_share(db):
    """Most values are bit-identical: the tolerance covers the rest, it does not hide a drift."""
    X, y = datasets.load_iris(return_X_y=True)
    e = LDA().fit(X, y)
    cols = load_table(db, X)
    ours = np.array([float(v) for v in sql_scores(db, "model_decision_function", dumps(e), cols)
                     for v in __import__("json").loads(v)]).reshape(-1, 3)
    same = np.mean(ours == e.decision_function(X))
    assert same > 0.9, same


QDAS = [QDA(), QDA(reg_param=0.1), QDA(reg_param=0.5), QDA(priors=None, tol=1e-6)]


@pytest.mark.parametrize("est", QDAS, ids=_id)
def test_qda(db, est):
    for k, name, X, e in _fit_all(est, data_sets()):
        checked = score_and_compare(db, e, X, FORMS[(k + len(name)) % len(FORMS)])
        assert checked == ["predict", "predict_proba", "decision_function"], (name, checked)


def test_qda_priors_and_rank_deficient(db):
    X, y = datasets.load_iris(return_X_y=True)
    e = QDA(priors=[0.2, 0.2, 0.6]).fit(X, y)
    score_and_compare(db, e, X, "p3")
    # a class with fewer rows than features: rotations_ has fewer columns than features
    rng = np.random.RandomState(2)
    X2 = rng.normal(size=(30, 6))
    y2 = np.array([0] * 4 + [1] * 26)
    e = QDA(reg_param=0.2).fit(X2, y2)
    assert e.rotations_[0].shape == (6, 4)
    score_and_compare(db, e, X2, "joblib-zlib")


def test_da_safe_and_info(db):
    X, y = datasets.load_iris(return_X_y=True)
    for e in (LDA().fit(X, y), QDA().fit(X, y)):
        info = db.execute("SELECT json_extract(pickle_info(?), '$.safe')", (dumps(e),)).fetchone()
        assert info[0] == 1, type(e).__name__
