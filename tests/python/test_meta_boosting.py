"""BaggingClassifier/Regressor and AdaBoostClassifier/Regressor over bases that are not trees
(tree bases are tested in test_trees.py), scored in SQL against scikit-learn, every row.

Bagging: feature and sample subsets, bootstrap features, n_jobs chunks, members with
predict_proba (placed through the encoded classes they saw), members without (votes), members
with decision_function. AdaBoost: SAMME.R (predict_proba members) and SAMME (any classifier),
binary and multiclass, text labels; the regressor's weighted median. Labels identical, floats
within modelcheck.RTOL (log/exp are libm's where numpy has its own).
"""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import (AdaBoostClassifier, AdaBoostRegressor, BaggingClassifier,
                              BaggingRegressor)
from sklearn.linear_model import LinearRegression, LogisticRegression, Perceptron, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

from famcheck import score_wide
from modelcheck import FORMS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _dup(X, y, reps=12):
    return np.vstack([X, X[:reps], X[:reps]]), np.concatenate([y, y[:reps], y[:reps]])


def clf_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    Xc, yc = datasets.make_classification(250, 6, n_informative=4, n_redundant=0, n_classes=4,
                                          random_state=9)
    names = np.array(["setosa", "versicolor", "virginica"])
    return {
        "iris": _dup(Xi, yi),
        "iris_str": (Xi, names[yi]),
        "bc": (Xb[:, :8], yb),
        "c4": _dup(Xc, yc),
    }


def reg_sets():
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    Xr, yr = datasets.make_regression(200, 5, noise=3.0, random_state=4)
    return {"diabetes": (Xd, yd), "reg5": _dup(Xr, yr)}


BAGS = [
    dict(estimator=GaussianNB(), n_estimators=7, random_state=0),
    dict(estimator=KNeighborsClassifier(3), n_estimators=5, max_samples=0.5, max_features=0.6,
         random_state=1),
    dict(estimator=make_pipeline(StandardScaler(), LogisticRegression()), n_estimators=6,
         bootstrap_features=True, max_features=4, random_state=2, n_jobs=4),
    dict(estimator=Perceptron(random_state=0), n_estimators=5, random_state=3),  # votes
    dict(estimator=SVC(random_state=0), n_estimators=4, max_samples=0.3, random_state=4),
]


@pytest.mark.parametrize("i", range(len(BAGS)))
def test_bagging_classifier(db, i):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = BaggingClassifier(**BAGS[i]).fit(X, y)
        got = score_wide(db, e, X, FORMS[(i + k) % len(FORMS)])
        assert got[:2] == ["predict", "predict_proba"], got
        if hasattr(e, "decision_function"):
            assert "decision_function" in got


@pytest.mark.parametrize("kw", [
    dict(estimator=Ridge(), n_estimators=6, random_state=0),
    dict(estimator=KNeighborsRegressor(4), n_estimators=5, max_features=3, random_state=1,
         n_jobs=3),
    dict(estimator=make_pipeline(StandardScaler(), SVR()), n_estimators=4, random_state=2),
])
def test_bagging_regressor(db, kw):
    for k, (name, (X, y)) in enumerate(sorted(reg_sets().items())):
        e = BaggingRegressor(**kw).fit(X, y)
        assert score_wide(db, e, X, FORMS[k]) == ["predict"]


ADAS = [
    dict(estimator=GaussianNB(), n_estimators=8, random_state=0),  # SAMME.R
    dict(estimator=LogisticRegression(max_iter=500), n_estimators=5, algorithm="SAMME",
         random_state=0),
    dict(estimator=SVC(random_state=0), n_estimators=4, algorithm="SAMME", random_state=0),
    dict(estimator=SVC(probability=True, random_state=0), n_estimators=4, learning_rate=0.5,
         random_state=0),
]


@pytest.mark.parametrize("i", range(len(ADAS)))
def test_adaboost_classifier(db, i):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = AdaBoostClassifier(**ADAS[i]).fit(X, y)
        got = score_wide(db, e, X, FORMS[(i + k) % len(FORMS)])
        assert got == ["predict", "predict_proba", "decision_function"], got


@pytest.mark.parametrize("kw", [
    dict(estimator=LinearRegression(), n_estimators=10, random_state=0),
    dict(estimator=SVR(C=5.0), n_estimators=7, loss="square", random_state=1),
    dict(estimator=Ridge(0.5), n_estimators=9, loss="exponential", random_state=2),
])
def test_adaboost_regressor(db, kw):
    for k, (name, (X, y)) in enumerate(sorted(reg_sets().items())):
        e = AdaBoostRegressor(**kw).fit(X, y)
        assert score_wide(db, e, X, FORMS[k + 2]) == ["predict"]
