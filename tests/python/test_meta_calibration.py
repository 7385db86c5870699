"""CalibratedClassifierCV and IsotonicRegression scored in SQL against scikit-learn, every row.

CalibratedClassifierCV: sigmoid and isotonic, ensemble True and False, cv='prefit', over bases
with decision_function (LogisticRegression, LinearSVC, SVC, a pipeline) and without (GaussianNB,
random forest, kNN), binary and multiclass, label types int/str/float; a case where every
isotonic calibrator gives 0 (the uniform 1/n_classes fallback) and values just above 1.0.
IsotonicRegression: out_of_bounds nan/clip/raise, increasing True/False/'auto', rows outside
the fitted range, on the thresholds, between them, one-threshold fits. Probabilities within
modelcheck.RTOL (1e-12 relative); exp() is libm's where scipy's expit uses its own.
"""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from conftest import sql_error
from famcheck import score_wide
from modelcheck import FORMS, dumps, score_and_compare

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _dup(X, y, reps=10):
    return np.vstack([X, X[:reps]]), np.concatenate([y, y[:reps]])


def clf_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    Xc, yc = datasets.make_classification(300, 6, n_informative=4, n_redundant=0, n_classes=4,
                                          random_state=5)
    names = np.array(["setosa", "versicolor", "virginica"])
    return {
        "iris": _dup(Xi, yi),
        "iris_str": (Xi, names[yi]),
        "bc": (Xb[:, :8], yb),
        "bc_str": (Xb[:, :6], np.array(["no", "yes"])[yb]),
        "c4_float": _dup(Xc, yc * 2.0 + 1.0),
    }


BASES = [
    lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    lambda: make_pipeline(StandardScaler(), LinearSVC(random_state=0, max_iter=5000)),
    lambda: SVC(random_state=0),
    lambda: GaussianNB(),
    lambda: RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0),
    lambda: KNeighborsClassifier(5),
]


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
@pytest.mark.parametrize("ensemble", [True, False])
@pytest.mark.parametrize("b", range(len(BASES)))
def test_calibrated(db, method, ensemble, b):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = CalibratedClassifierCV(BASES[b](), method=method, ensemble=ensemble, cv=3).fit(X, y)
        got = score_wide(db, e, X, FORMS[(b + k) % len(FORMS)])
        assert got == ["predict", "predict_proba"], got
        far = np.vstack([X[:5] * 20, -X[:5] * 3])
        score_wide(db, e, far, "p4")


def test_calibrated_prefit(db):
    X, y = clf_sets()["iris"]
    base = GaussianNB().fit(X[::2], y[::2])
    for method in ("sigmoid", "isotonic"):
        e = CalibratedClassifierCV(base, cv="prefit", method=method).fit(X[1::2], y[1::2])
        score_wide(db, e, X, "joblib")


def test_calibrated_zero_sum_uses_uniform(db):
    """Isotonic calibrators that give 0 for every class: scikit-learn falls back to 1/K."""
    X, y = clf_sets()["c4_float"]
    e = CalibratedClassifierCV(GaussianNB(), method="isotonic", cv=2).fit(X, y)
    for cc in e.calibrated_classifiers_:
        for cal in cc.calibrators:
            cal.y_thresholds_ = np.zeros_like(cal.y_thresholds_)
            cal.f_ = None
    import pickle
    e = pickle.loads(pickle.dumps(e))
    ref = e.predict_proba(X)
    assert np.all(ref == 0.25)
    score_wide(db, e, X, "p4")


def test_calibrated_above_one_clipped(db):
    """Values in (1, 1 + 1e-5] are set to 1.0: a sigmoid pushed just above 1 by a negative b_."""
    X, y = clf_sets()["bc"]
    e = CalibratedClassifierCV(GaussianNB(), cv=2).fit(X, y)
    import pickle
    for cc in e.calibrated_classifiers_:
        cc.calibrators[0] = type(cc.calibrators[0])()
        cc.calibrators[0].a_, cc.calibrators[0].b_ = 0.0, -40.0
    e = pickle.loads(pickle.dumps(e))
    score_wide(db, e, X, "p4")


ISOS = [
    dict(), dict(out_of_bounds="clip"), dict(increasing=False), dict(increasing="auto"),
    dict(y_min=0.0, y_max=100.0, out_of_bounds="clip"),
]


@pytest.mark.parametrize("kw", ISOS, ids=lambda kw: ",".join("%s=%s" % i for i in kw.items()))
def test_isotonic(db, kw):
    rng = np.random.RandomState(0)
    x = np.sort(rng.uniform(-5, 5, 80))
    x = np.concatenate([x, x[:5]])  # duplicated x: averaged thresholds
    y = np.concatenate([3 * x[:80] + rng.normal(0, 4, 80), 3 * x[:5]])
    e = IsotonicRegression(**kw).fit(x, y)
    T = np.concatenate([x, e.X_thresholds_, np.linspace(-7, 7, 57),
                        (e.X_thresholds_[:-1] + e.X_thresholds_[1:]) / 2])[:, None]
    for form in ("p2", "p5", "joblib"):
        assert score_and_compare(db, e, T, form) == ["predict", "transform"]


def test_isotonic_one_threshold_and_raise(db):
    e = IsotonicRegression().fit([2.0], [5.0])
    assert len(e.X_thresholds_) == 1  # f_ is a constant
    score_and_compare(db, e, np.array([[0.0], [2.0], [9.0]]), "p4")
    e = IsotonicRegression(out_of_bounds="raise").fit([1.0, 2.0, 3.0], [1.0, 3.0, 2.0])
    score_and_compare(db, e, np.array([[1.0], [2.5], [3.0]]), "p4")
    msg = sql_error(db, "model_predict", dumps(e), 3.5)
    assert "out_of_bounds='raise'" in msg and "outside the fitted range" in msg, msg
