"""model_predict_log_proba and model_score_samples (and their pickle_* forms) against
scikit-learn's predict_log_proba and score_samples, every row, for every family that has them.

Values agree within 1e-12 relative (modelcheck.RTOL); -inf (log of a zero probability) must be
-inf in both. The naive Bayes family computes jll - logsumexp(jll) as scikit-learn does (not the
log of predict_proba: its values stay finite where the probability underflows to 0).
"""
import json

import numpy as np
import pytest
from sklearn import datasets
from sklearn.discriminant_analysis import (LinearDiscriminantAnalysis,
                                           QuadraticDiscriminantAnalysis)
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (AdaBoostClassifier, BaggingClassifier, ExtraTreesClassifier,
                              GradientBoostingClassifier, IsolationForest,
                              RandomForestClassifier)
from sklearn.linear_model import LogisticRegression, SGDClassifier, SGDOneClassSVM
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import (BernoulliNB, CategoricalNB, ComplementNB, GaussianNB,
                                 MultinomialNB)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, OneClassSVM
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

from modelcheck import RTOL, _scale, dumps


def _rows(db, fn, blob, X):
    out = []
    for r in np.asarray(X, dtype=float):
        v = db.execute("SELECT %s(?, ?)" % fn, (blob, json.dumps(r.tolist()))).fetchone()[0]
        out.append(json.loads(v) if isinstance(v, str) else v)
    return np.asarray(out, dtype=float)


def _close(ours, ref, X, what):
    ref = np.asarray(ref, dtype=float)
    ours = ours.reshape(ref.shape)
    inf = np.isinf(ref)
    assert np.array_equal(ours[inf], ref[inf]), what
    scale = _scale(X, np.where(inf, 0, ref)).reshape((-1,) + (1,) * (ref.ndim - 1))
    ok = inf | (np.abs(ours - ref) <= RTOL * np.maximum(np.abs(ref), scale))
    assert ok.all(), "%s: row %s: %r vs %r" % (what, np.argwhere(~ok)[0], ours[~ok][0],
                                               ref[~ok][0])


def _check(db, est, X, meth, form="p4", fn=None):
    blob = dumps(est, form)
    fn = fn or {"predict_log_proba": "model_predict_log_proba",
                "score_samples": "model_score_samples"}[meth]
    _close(_rows(db, fn, blob, X), getattr(est, meth)(X), X, "%s.%s" % (type(est).__name__, meth))


def _data():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    return [(Xi, yi), (Xb[:, :8], yb)]


CLASSIFIERS = [
    lambda: LogisticRegression(max_iter=2000),
    lambda: LogisticRegression(multi_class="ovr", max_iter=2000),
    lambda: SGDClassifier(loss="log_loss", random_state=0),
    lambda: SGDClassifier(loss="modified_huber", random_state=0),
    lambda: LinearDiscriminantAnalysis(),
    lambda: QuadraticDiscriminantAnalysis(reg_param=0.1),
    lambda: GaussianNB(),
    lambda: DecisionTreeClassifier(random_state=0, max_depth=4),
    lambda: RandomForestClassifier(10, random_state=0, max_depth=4),
    lambda: ExtraTreesClassifier(10, random_state=0, max_depth=4),
    lambda: GradientBoostingClassifier(n_estimators=10, random_state=0),
    lambda: AdaBoostClassifier(n_estimators=10, random_state=0),
    lambda: SVC(probability=True, random_state=0),
    lambda: MLPClassifier((8,), max_iter=300, random_state=0),
    lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    lambda: GridSearchCV(LogisticRegression(max_iter=2000), {"C": [0.1, 1.0]}, cv=3),
]


@pytest.mark.parametrize("k", range(len(CLASSIFIERS)))
def test_log_proba(db, k):
    for j, (X, y) in enumerate(_data()):
        e = CLASSIFIERS[k]().fit(X, y)
        _check(db, e, X, "predict_log_proba", ["p2", "p4", "joblib"][(j + k) % 3])
        # far rows: probabilities saturate, logs go to -inf where scikit-learn's do
        _check(db, e, np.vstack([X[:5] * 10, -X[:5] * 3]), "predict_log_proba")


BAGGING = [
    lambda: BaggingClassifier(n_estimators=8, random_state=0),  # trees: the compiled-tree path
    lambda: BaggingClassifier(ExtraTreeClassifier(random_state=0), n_estimators=7, n_jobs=3,
                              max_samples=0.4, max_features=2, bootstrap_features=True,
                              random_state=1),
    lambda: BaggingClassifier(LogisticRegression(max_iter=2000), n_estimators=5, n_jobs=2,
                              max_features=0.6, random_state=0),
    # GaussianNB's own jll - logsumexp(jll) is within an ulp of scikit-learn's, not bit-exact
    lambda: BaggingClassifier(GaussianNB(), n_estimators=6, max_samples=0.3, random_state=2),
    # bases without predict_log_proba: np.log(predict_proba) (KNN's proba, SVC's votes)
    lambda: BaggingClassifier(KNeighborsClassifier(3), n_estimators=5, random_state=0),
    lambda: BaggingClassifier(SVC(), n_estimators=4, n_jobs=2, random_state=0),
]


@pytest.mark.parametrize("k", range(len(BAGGING)))
def test_bagging_log_proba(db, k):
    """scikit-learn's own algorithm (np.logaddexp over the members' log-probabilities per
    joblib chunk, less log(n_estimators); or the log of predict_proba): it adds no rounding of
    its own, so the result is bit-identical where the members' values are (all but GaussianNB
    here), -inf included (a class no member of a small bootstrap saw), and within 1e-12
    otherwise."""
    for j, (X, y) in enumerate(_data()):
        e = BAGGING[k]().fit(X, y)
        Q = np.vstack([X, X[:5] * 10, -X[:5] * 3])
        for form in (["p2", "p4", "joblib"][(j + k) % 3], "p5"):
            ours = _rows(db, "model_predict_log_proba", dumps(e, form), Q)
            ref = e.predict_log_proba(Q)
            _close(ours, ref, Q, repr(e))
            if not isinstance(e.estimator_, GaussianNB):
                assert np.array_equal(ours, ref), "%r: %d of %d values differ" % (
                    e, np.sum(ours != ref), ref.size)


@pytest.mark.parametrize("strategy", ["prior", "most_frequent", "constant"])
def test_dummy_log_proba(db, strategy):
    X, y = datasets.load_iris(return_X_y=True)
    e = DummyClassifier(strategy=strategy, constant=1).fit(X[:, :1], y)
    _check(db, e, X[:, :1], "predict_log_proba")


@pytest.mark.parametrize("cls", [MultinomialNB, ComplementNB, BernoulliNB, CategoricalNB])
def test_nb_log_proba(db, cls):
    X, y = datasets.load_digits(return_X_y=True)
    X = X[:300]
    y = y[:300]
    e = cls().fit(X, y)
    _check(db, e, X, "predict_log_proba")
    _check(db, e, X, "predict_log_proba", fn="pickle_predict_log_proba")


def test_nb_log_proba_no_underflow(db):
    X, y = datasets.load_iris(return_X_y=True)
    e = GaussianNB().fit(X, y)
    far = X[:5] * 40
    assert (e.predict_proba(far) == 0).any()
    _check(db, e, far, "predict_log_proba")
    assert np.isfinite(_rows(db, "model_predict_log_proba", dumps(e), far)).all()


@pytest.mark.parametrize("make", [
    lambda: IsolationForest(n_estimators=20, random_state=0),
    lambda: OneClassSVM(gamma=0.1, nu=0.2),
    lambda: SGDOneClassSVM(random_state=0),
    lambda: GaussianMixture(3, random_state=0),
    lambda: GaussianMixture(2, covariance_type="diag", random_state=0),
    lambda: make_pipeline(StandardScaler(), IsolationForest(n_estimators=10, random_state=0)),
])
def test_score_samples(db, make):
    X, _ = datasets.load_iris(return_X_y=True)
    e = make().fit(X)
    _check(db, e, X, "score_samples", "p5")
    _check(db, e, X, "score_samples", "joblib", fn="pickle_score_samples")


def test_methods_missing(db):
    X, y = datasets.load_iris(return_X_y=True)
    blob = dumps(SVC().fit(X, y))
    with pytest.raises(Exception, match="predict_log_proba"):
        db.execute("SELECT model_predict_log_proba(?, 1, 2, 3, 4)", (blob,)).fetchone()
    with pytest.raises(Exception, match="score_samples"):
        db.execute("SELECT pickle_score_samples(?, 1, 2, 3, 4)", (blob,)).fetchone()
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(GaussianNB().fit(X, y)),))
                      .fetchone()[0])
    assert info["methods"] == ["predict", "predict_proba", "predict_log_proba"]


@pytest.mark.parametrize("contamination", [0.1, 0.25])
def test_elliptic_envelope(db, contamination):
    from sklearn.covariance import EllipticEnvelope

    X, _ = datasets.load_iris(return_X_y=True)
    Q = np.vstack([X, X[:10] * 2 - 1])
    e = EllipticEnvelope(contamination=contamination, random_state=0).fit(X)
    for meth, fn in [("score_samples", "model_score_samples"),
                     ("decision_function", "model_decision_function")]:
        _check(db, e, Q, meth, "p4", fn=fn)
    ours = [db.execute("SELECT model_predict(?, ?)", (dumps(e), json.dumps(r.tolist())))
            .fetchone()[0] for r in Q]
    assert ours == e.predict(Q).tolist()
