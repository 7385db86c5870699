"""GaussianMixture scored in SQL against scikit-learn: predict and predict_proba for every
covariance_type, several component counts and reg_covar values, every pickle form.

predict (the component number, an INTEGER) must be identical; predict_proba agrees within 1e-12
relative (modelcheck.RTOL): numpy 1.24 takes its logs from its own SIMD log, an ulp from libm's
on some inputs, and those logs enter every value through log(weights_) and the log-determinants.
"""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.mixture import GaussianMixture

from modelcheck import FORMS, dumps, load_table, score_and_compare, sql_scores


def data_sets():
    Xi, _ = datasets.load_iris(return_X_y=True)
    Xb, _ = datasets.make_blobs(300, 5, centers=4, cluster_std=[0.5, 1.0, 2.0, 0.8],
                                random_state=3)
    Xw, _ = datasets.load_wine(return_X_y=True)
    Xd = np.vstack([Xb, Xb[:5]])  # duplicated rows
    return {"iris": Xi, "blobs5": Xd, "wine": Xw[:, :6]}


def _check(db, e, X, form):
    blob = dumps(e, form)
    cols = load_table(db, X)
    ours = sql_scores(db, "model_predict", blob, cols)
    assert all(type(v) is int for v in ours)
    assert ours == e.predict(X).tolist(), (e, form)
    score_and_compare(db, e, X, form, methods=["predict_proba"])


@pytest.mark.parametrize("cov", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("n", [1, 2, 4])
def test_gmm(db, cov, n):
    for k, (name, X) in enumerate(sorted(data_sets().items())):
        e = GaussianMixture(n, covariance_type=cov, random_state=k).fit(X)
        _check(db, e, X, FORMS[(k + n) % len(FORMS)])
        # rows far from the data: responsibilities saturate to exact 0/1 as in scikit-learn
        far = np.vstack([X[:4] * 20.0, -X[:4] * 4.0 + 3])
        _check(db, e, far, "p4")


@pytest.mark.parametrize("cov", ["full", "tied", "diag", "spherical"])
def test_gmm_reg_covar_and_weights(db, cov):
    X, _ = datasets.load_iris(return_X_y=True)
    e = GaussianMixture(3, covariance_type=cov, reg_covar=0.5, random_state=0).fit(X)
    _check(db, e, X, "joblib")
    e = GaussianMixture(3, covariance_type=cov, weights_init=[0.1, 0.2, 0.7],
                        random_state=1, max_iter=3).fit(X)
    _check(db, e, X, "p2")


def test_gmm_safe(db):
    X, _ = datasets.load_iris(return_X_y=True)
    e = GaussianMixture(2, random_state=0).fit(X)
    info = db.execute("SELECT json_extract(pickle_info(?), '$.safe')", (dumps(e),)).fetchone()
    assert info[0] == 1
