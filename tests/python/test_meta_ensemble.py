"""Voting, stacking and search meta-estimators scored in SQL against scikit-learn, every row.

VotingClassifier (hard and soft, weights, a dropped member, flatten_transform), VotingRegressor
(weights, 9+ members so the summation order shows), StackingClassifier/Regressor (stack_method
auto/predict_proba/decision_function/predict, passthrough, binary column drop, an XGBoost member
whose output margin is not a scikit-learn decision_function), and Grid/Randomized/Halving searches
(through best_estimator_; refit=False refused). Members are of several families (linear, trees,
naive Bayes, kNN, SVM, pipelines). Labels identical; floats within modelcheck.RTOL (1e-12
relative): the meta-estimators add in scikit-learn's order, and what a member computes is
checked to that bound by its own family's tests.
"""
import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import (RandomForestClassifier, StackingClassifier, StackingRegressor,
                              VotingClassifier, VotingRegressor, GradientBoostingRegressor)
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import (GridSearchCV, HalvingGridSearchCV, HalvingRandomSearchCV,
                                     RandomizedSearchCV)
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from conftest import sql_error
from famcheck import score_wide
from modelcheck import FORMS, dumps

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning",
                                        "ignore:The total space of parameters")


def _dup(X, y, reps=10):
    return np.vstack([X, X[:reps], X[:reps]]), np.concatenate([y, y[:reps], y[:reps]])


def clf_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    Xc, yc = datasets.make_classification(240, 6, n_informative=4, n_redundant=0, n_classes=4,
                                          random_state=3)
    names = np.array(["setosa", "versicolor", "virginica"])
    return {
        "iris": _dup(Xi, yi),
        "iris_str": (Xi, names[yi]),
        "bc": (Xb[:, :8], yb),
        "c4_float": _dup(Xc, yc * 2.0 - 2.0),
    }


def reg_sets():
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    Xr, yr = datasets.make_regression(200, 5, noise=3.0, random_state=2)
    return {"diabetes": (Xd, yd), "reg5": _dup(Xr, yr)}


def members():
    return [
        ("lr", make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))),
        ("dt", DecisionTreeClassifier(max_depth=3, random_state=0)),
        ("nb", GaussianNB()),
        ("knn", KNeighborsClassifier(4)),
    ]


VOTERS = [
    VotingClassifier(members(), voting="hard"),
    VotingClassifier(members()[:2], voting="hard"),  # two members: ties at every disagreement
    VotingClassifier(members(), voting="hard", weights=[1, 2, 1, 2]),
    VotingClassifier(members(), voting="hard", weights=[0.5, 0.25, 0.125, 0.125]),
    VotingClassifier(members(), voting="soft"),
    VotingClassifier(members(), voting="soft", weights=[0.3, 1.7, 2, 0.1]),
    VotingClassifier(members(), voting="soft", flatten_transform=False),
    VotingClassifier(members()[:2] + [("svc", SVC(probability=True, random_state=0))],
                     voting="soft"),
]


def _id(e):
    return "%s(%s)" % (type(e).__name__, ",".join(
        "%s=%s" % (k, v) for k, v in sorted(e.get_params(deep=False).items())
        if k in ("voting", "weights", "flatten_transform", "stack_method", "passthrough")))


@pytest.mark.parametrize("i", range(len(VOTERS)))
def test_voting_classifier(db, i):
    est = VOTERS[i]
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = VotingClassifier(**est.get_params(deep=False)).fit(X, y)
        want = ["predict", "transform"] + (["predict_proba"] if e.voting == "soft" else [])
        if e.voting == "soft" and not e.flatten_transform:
            want.remove("transform")
            assert "flatten_transform=False" in sql_error(db, "model_transform", dumps(e),
                                                          *X[0])
        got = score_wide(db, e, X, FORMS[(i + k) % len(FORMS)], methods=want)
        assert sorted(got) == sorted(want), (name, got)
        if e.voting == "hard":
            assert "voting='hard'" in sql_error(db, "model_predict_proba", dumps(e), *X[0])


def test_voting_hard_ties_happen(db):
    """Two members that disagree: np.argmax(np.bincount) takes the smaller encoded class."""
    X, y = clf_sets()["iris"]
    e = VotingClassifier(members()[1:3], voting="hard").fit(X, y)
    preds = np.array([m.predict(X) for m in e.estimators_])
    assert (preds[0] != preds[1]).sum() > 0
    score_wide(db, e, X, "p5", methods=["predict"])


def test_voting_dropped_member(db):
    X, y = clf_sets()["iris"]
    e = VotingClassifier(members(), voting="soft", weights=[1, 5, 2, 3])
    e.set_params(dt="drop").fit(X, y)
    assert len(e.estimators_) == 3
    score_wide(db, e, X, "joblib")
    e = VotingRegressor([("a", Ridge()), ("b", "drop"), ("c", LinearRegression())],
                        weights=[2.0, 7.0, 0.5])
    Xd, yd = reg_sets()["diabetes"]
    score_wide(db, e.fit(Xd, yd), Xd, "p4")


def _regressors(n):
    base = [Ridge(alpha=a) for a in (0.01, 0.1, 1.0, 10.0)] + [
        DecisionTreeRegressor(max_depth=4, random_state=0), KNeighborsRegressor(3),
        make_pipeline(StandardScaler(), SVR()), LinearRegression(),
        GradientBoostingRegressor(n_estimators=10, random_state=0)]
    return [("r%d" % i, base[i % len(base)]) for i in range(n)]


@pytest.mark.parametrize("n,weights", [(2, None), (9, None), (3, [1, 2, 3]),
                                       (11, list(np.linspace(0.1, 3.3, 11) ** 3))])
def test_voting_regressor(db, n, weights):
    for k, (name, (X, y)) in enumerate(sorted(reg_sets().items())):
        e = VotingRegressor(_regressors(n), weights=weights).fit(X, y)
        got = score_wide(db, e, X, FORMS[(n + k) % len(FORMS)])
        assert got == ["predict", "transform"]


def _stack_members():
    return [
        ("lr", make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))),
        ("rf", RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0)),
        ("svc", make_pipeline(StandardScaler(), SVC(random_state=0))),  # decision_function
    ]


STACKERS = [
    dict(),
    dict(passthrough=True),
    dict(stack_method="predict_proba", estimators=[("nb", GaussianNB()),
                                                   ("knn", KNeighborsClassifier(3))]),
    dict(stack_method="predict"),
    dict(final_estimator=RandomForestClassifier(n_estimators=4, random_state=1)),
    dict(final_estimator=SVC(probability=True, random_state=0), passthrough=True),
]


@pytest.mark.parametrize("i", range(len(STACKERS)))
def test_stacking_classifier(db, i):
    kw = dict(estimators=_stack_members(), cv=3)
    kw.update(STACKERS[i])
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = StackingClassifier(**kw).fit(X, y)
        got = score_wide(db, e, X, FORMS[(i + k) % len(FORMS)])
        assert "predict" in got and "transform" in got, got
        if len(e.classes_) == 2 and "predict_proba" in e.stack_method_:
            j = e.stack_method_.index("predict_proba")
            assert e._n_feature_outs[j] == 1  # the binary column drop happened


def test_stacking_xgboost_member(db):
    """XGBClassifier has no decision_function in Python: 'auto' stacks its predict_proba."""
    xgb = pytest.importorskip("xgboost")
    X, y = clf_sets()["iris"]
    e = StackingClassifier([("x", xgb.XGBClassifier(n_estimators=5, max_depth=2)),
                            ("nb", GaussianNB())], cv=3).fit(X, y)
    assert e.stack_method_[0] == "predict_proba"
    score_wide(db, e, X, "p4")


@pytest.mark.parametrize("kw", [dict(), dict(passthrough=True),
                                dict(final_estimator=DecisionTreeRegressor(max_depth=3))])
def test_stacking_regressor(db, kw):
    for k, (name, (X, y)) in enumerate(sorted(reg_sets().items())):
        e = StackingRegressor(_regressors(4), cv=3, **kw).fit(X, y)
        assert score_wide(db, e, X, FORMS[k]) == ["predict", "transform"]


SEARCHES = [
    lambda: GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.1, 1.0]}, cv=3),
    lambda: GridSearchCV(make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)),
                         {"svc__C": [0.5, 2.0]}, cv=3),
    lambda: RandomizedSearchCV(DecisionTreeClassifier(random_state=0),
                               {"max_depth": [2, 3, 4, 5]}, n_iter=3, cv=3, random_state=0),
    lambda: HalvingGridSearchCV(KNeighborsClassifier(), {"n_neighbors": [3, 5, 7]}, cv=3,
                                random_state=0),
    lambda: HalvingRandomSearchCV(GaussianNB(), {"var_smoothing": [1e-9, 1e-6, 1e-3]}, cv=3,
                                  random_state=0),
]


@pytest.mark.parametrize("i", range(len(SEARCHES)))
def test_search(db, i):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = SEARCHES[i]().fit(X, y)
        got = score_wide(db, e, X, FORMS[(i + k) % len(FORMS)])
        assert "predict" in got


def test_search_regressor_and_refit_false(db):
    X, y = reg_sets()["diabetes"]
    e = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, cv=3).fit(X, y)
    assert score_wide(db, e, X, "p3") == ["predict"]
    e = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=3, refit=False).fit(X, y)
    msg = sql_error(db, "model_predict", dumps(e), *X[0])
    assert "refit=False" in msg and "best_estimator_" in msg, msg


def test_errors_name_the_member(db):
    from sklearn.semi_supervised import LabelSpreading
    X, y = clf_sets()["iris"]
    e = VotingClassifier([("a", GaussianNB()), ("b", LabelSpreading())]).fit(X, y)
    msg = sql_error(db, "model_predict", dumps(e), *X[0])
    assert msg and "VotingClassifier.estimators_[1]" in msg and "LabelSpreading" in msg, msg
