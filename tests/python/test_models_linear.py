"""Linear regressors and classifiers scored in SQL against scikit-learn, every row, every method.

Each estimator is fitted with fixed seeds on several datasets; the pickle form rotates through
protocols 2-5, joblib and compressed joblib (test_models_forms.py checks one model in every
form).
"""
import warnings

import numpy as np
import pytest
from sklearn import datasets, linear_model as L, svm
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from modelcheck import FORMS, score_and_compare

warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", category=FutureWarning)


def _std(X):
    return StandardScaler().fit_transform(X)


def regression_sets():
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    X1, y1 = datasets.make_regression(200, 5, noise=10.0, random_state=1)
    X2, y2 = datasets.make_regression(150, 12, n_informative=6, noise=1.0, bias=3.0,
                                      random_state=2)
    return {"diabetes": (Xd, yd), "reg5": (X1, y1), "reg12": (X2, y2)}


def classification_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xw, yw = datasets.load_wine(return_X_y=True)
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    Xc1, yc1 = datasets.make_classification(300, 8, n_informative=4, random_state=3)
    Xc2, yc2 = datasets.make_classification(300, 20, n_informative=8, n_classes=4,
                                            random_state=4)
    names = np.array(["setosa", "versicolor", "virginica"])
    return {
        "iris": (Xi, yi),
        "wine": (_std(Xw), yw),
        "breast_cancer": (_std(Xb), yb),
        "clf8x2": (Xc1, yc1),
        "clf20x4": (Xc2, yc2),
        "iris_str": (Xi, names[yi]),
        "bc_bool": (_std(Xb), yb.astype(bool)),
        "iris_float": (Xi, yi * 2.0 + 1.0),
    }


REGRESSORS = [
    L.LinearRegression(),
    L.LinearRegression(fit_intercept=False),
    L.Ridge(alpha=0.7),
    L.RidgeCV(),
    L.Lasso(alpha=0.05, random_state=0),
    L.LassoCV(cv=3, random_state=0),
    L.ElasticNet(alpha=0.05, l1_ratio=0.3, random_state=0),
    L.ElasticNetCV(cv=3, random_state=0),
    L.Lars(),
    L.LassoLars(alpha=0.01),
    L.BayesianRidge(),
    L.ARDRegression(),
    L.HuberRegressor(max_iter=500),
    L.QuantileRegressor(alpha=0.0, quantile=0.3, solver="highs"),
    L.TheilSenRegressor(random_state=0, max_subpopulation=500),
    L.SGDRegressor(random_state=0),
    L.PassiveAggressiveRegressor(random_state=0),
    svm.LinearSVR(random_state=0, max_iter=20000),
]

GLMS = [
    L.PoissonRegressor(alpha=0.01, max_iter=1000),
    L.GammaRegressor(alpha=0.01, max_iter=1000),
    L.TweedieRegressor(power=0.0),
    L.TweedieRegressor(power=1.5, max_iter=1000),
    L.TweedieRegressor(power=1.5, link="log", max_iter=1000),
    L.TweedieRegressor(power=0.0, link="identity"),
]

CLASSIFIERS = [
    L.LogisticRegression(max_iter=2000),
    L.LogisticRegression(multi_class="ovr", max_iter=2000),
    L.LogisticRegression(solver="liblinear"),
    L.LogisticRegression(multi_class="multinomial", max_iter=2000),
    L.LogisticRegressionCV(cv=3, max_iter=2000),
    L.RidgeClassifier(),
    L.RidgeClassifierCV(),
    L.SGDClassifier(random_state=0),
    L.SGDClassifier(loss="log_loss", random_state=0),
    L.SGDClassifier(loss="modified_huber", random_state=0),
    L.Perceptron(random_state=0),
    L.PassiveAggressiveClassifier(random_state=0),
    svm.LinearSVC(random_state=0, max_iter=20000),
]

MULTI_OUTPUT = [L.LinearRegression(), L.Ridge(), L.Lasso(alpha=0.1), L.ElasticNet(alpha=0.1),
                L.Lars(), L.LassoLars(alpha=0.1), L.RidgeCV()]


def _id(est):
    p = est.get_params()
    extra = [k + "=" + str(p[k]) for k in ("multi_class", "solver", "loss", "power", "link",
                                            "fit_intercept") if k in p and
             p[k] != type(est)().get_params().get(k)]
    return type(est).__name__ + ("(" + ",".join(extra) + ")" if extra else "")


COUNT = {"pairs": 0}


@pytest.mark.parametrize("est", REGRESSORS, ids=_id)
def test_regressors(db, est):
    for k, (name, (X, y)) in enumerate(sorted(regression_sets().items())):
        e = type(est)(**est.get_params()).fit(X, y)
        checked = score_and_compare(db, e, X, FORMS[(k + len(name)) % len(FORMS)])
        assert checked == ["predict"]


@pytest.mark.parametrize("est", GLMS, ids=_id)
def test_glms(db, est):
    for k, (name, (X, y)) in enumerate(sorted(regression_sets().items())):
        Xs = _std(X)
        ypos = np.exp((y - y.mean()) / (2 * y.std()))  # positive targets for log links
        e = type(est)(**est.get_params()).fit(Xs, ypos)
        score_and_compare(db, e, Xs, FORMS[k % len(FORMS)])


@pytest.mark.parametrize("est", MULTI_OUTPUT, ids=_id)
def test_multi_output_regressors(db, est):
    X, Y = datasets.make_regression(120, 6, n_targets=3, noise=2.0, random_state=5)
    e = type(est)(**est.get_params()).fit(X, Y)
    score_and_compare(db, e, X, "p5")
    # a 2-D target with one column gives a one-element array, as predict's shape does
    e1 = type(est)(**est.get_params()).fit(X, Y[:, :1])
    score_and_compare(db, e1, X, "p4")


@pytest.mark.parametrize("est", CLASSIFIERS, ids=_id)
def test_classifiers(db, est):
    for k, (name, (X, y)) in enumerate(sorted(classification_sets().items())):
        if isinstance(est, L.LogisticRegression) and est.solver == "liblinear" and \
                est.multi_class == "multinomial":
            continue
        e = type(est)(**est.get_params()).fit(X, y)
        checked = score_and_compare(db, e, X, FORMS[(k + len(name)) % len(FORMS)])
        assert "predict" in checked and "decision_function" in checked
        if isinstance(est, L.LogisticRegression) or getattr(est, "loss", "") in (
                "log_loss", "modified_huber"):
            assert "predict_proba" in checked


def test_sgd_hinge_has_no_proba(db):
    X, y = datasets.load_iris(return_X_y=True)
    from modelcheck import dumps
    from conftest import sql_error
    e = L.SGDClassifier(random_state=0).fit(X, y)
    msg = sql_error(db, "model_predict_proba", dumps(e), *map(float, X[0]))
    assert msg == ("model_predict_proba: SGDClassifier has no predict_proba: probability "
                   "estimates are only available for loss='log_loss' and "
                   "loss='modified_huber'")


def test_label_types(db):
    """Labels come back as INTEGER, REAL, TEXT (and bool as INTEGER 0/1)."""
    from modelcheck import dumps
    X, y = datasets.load_iris(return_X_y=True)
    cases = [(y, int), (np.array(["a", "b", "c"])[y], str), (y * 2.0 - 1.0, float),
             (np.array(["x", "yy", "zzz"], dtype=object)[y], str), ((y > 0), int)]
    for labels, typ in cases:
        e = L.LogisticRegression(max_iter=1000).fit(X, labels)
        got = db.execute("SELECT model_predict(?, ?, ?, ?, ?)",
                         (dumps(e), *map(float, X[60]))).fetchone()[0]
        assert type(got) is typ
        ref = e.predict(X[60:61])[0]
        assert got == (int(ref) if typ is int else ref)
