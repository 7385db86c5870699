"""MLPClassifier / MLPRegressor scored in SQL against scikit-learn.

Activations relu/tanh/logistic/identity, one to three hidden layers, binary (logistic output),
multiclass (softmax), multilabel and regression (one and several targets), every pickle form.
Bound: labels identical; values within 1e-12 relative to max(|value|, sum |x| + 1) (modelcheck).
The matrix products sum in the reference BLAS's order (left to right) and relu/identity/
logistic(expit) use the same operations and libm as scikit-learn, so those networks are expected
bit-identical (asserted below on this machine); tanh and softmax use libm's tanh/exp where numpy
uses its own SIMD versions, an ulp apart, which the next layers can amplify by the size of the
weights: the 1e-12 bound covers it for the networks tested.
"""
import json
import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from modelcheck import FORMS, dumps, load_table, score_and_compare, sql_scores

warnings.filterwarnings("ignore", category=ConvergenceWarning)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _std(X):
    return StandardScaler().fit_transform(X)


def clf_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    Xc, yc = datasets.make_classification(200, 10, n_informative=6, n_classes=4, random_state=0)
    return {"iris": (_std(Xi), yi), "iris_str": (_std(Xi), np.array(["a", "b", "c"])[yi]),
            "bc": (_std(Xb)[:, :12], yb), "bc_bool": (_std(Xb)[:, :12], yb.astype(bool)),
            "c4": (Xc, yc)}


HIDDEN = [(8,), (16, 8), (12, 6, 4)]
ACTS = ["relu", "tanh", "logistic", "identity"]


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("hidden", HIDDEN, ids=str)
def test_classifier(db, act, hidden):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = MLPClassifier(hidden_layer_sizes=hidden, activation=act, max_iter=60,
                          random_state=k, solver="adam" if k % 2 else "lbfgs").fit(X, y)
        assert score_and_compare(db, e, X, FORMS[(k + len(act)) % len(FORMS)]) == [
            "predict", "predict_proba"]
        if act in ("relu", "identity", "logistic") and e.out_activation_ == "logistic":
            o = sql_scores(db, "model_predict_proba", dumps(e), load_table(db, X))
            assert np.array_equal(np.array([json.loads(v) for v in o]), e.predict_proba(X))


def test_multilabel(db):
    X, Y = datasets.make_multilabel_classification(150, 8, n_classes=4, random_state=1)
    e = MLPClassifier(hidden_layer_sizes=(10,), max_iter=100, random_state=0).fit(X, Y)
    blob = dumps(e)
    cols = load_table(db, X)
    got = np.array([json.loads(v) for v in sql_scores(db, "model_predict", blob, cols)])
    assert np.array_equal(got, e.predict(X))
    score_and_compare(db, e, X, "p4", methods=["predict_proba"])


@pytest.mark.parametrize("act", ACTS)
def test_regressor(db, act):
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    X2, Y2 = datasets.make_regression(120, 6, n_targets=3, random_state=3)
    for k, hidden in enumerate(HIDDEN):
        e = MLPRegressor(hidden_layer_sizes=hidden, activation=act, max_iter=80,
                         random_state=k).fit(Xd, yd / 100)
        assert score_and_compare(db, e, Xd, FORMS[k]) == ["predict"]
        if act != "tanh":
            o = sql_scores(db, "model_predict", dumps(e), load_table(db, Xd))
            assert np.array_equal(np.array(o), e.predict(Xd))
        e = MLPRegressor(hidden_layer_sizes=hidden, activation=act, max_iter=80,
                         solver="lbfgs", random_state=k).fit(X2, Y2 / 100)
        score_and_compare(db, e, X2, FORMS[k + 2])


def test_wide_network(db):
    """(64, 32) hidden units on 30 features: the bench network."""
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = _std(X)
    for act in ("relu", "tanh"):
        e = MLPClassifier(hidden_layer_sizes=(64, 32), activation=act, max_iter=50,
                          random_state=0).fit(X, y)
        from famcheck import score_wide
        score_wide(db, e, X, "joblib")


def test_layer_widths(db):
    """Each layer's outputs are summed eight at a time: widths below, at and around multiples of
    eight (1, 7, 8, 9, 17, 24) give the same outputs as scikit-learn, bit for bit for relu and
    identity (no libm function in the hidden layers)."""
    X, y = datasets.make_classification(300, 9, n_informative=6, n_classes=3, random_state=5)
    Q = np.vstack([X, np.random.RandomState(2).normal(size=(50, 9)) * 2])
    for hidden in [(1,), (7,), (8,), (9, 17), (24, 7, 9)]:
        for act in ("relu", "identity"):
            e = MLPClassifier(hidden_layer_sizes=hidden, activation=act, max_iter=40,
                              random_state=1).fit(X, y)
            assert score_and_compare(db, e, Q, "p4") == ["predict", "predict_proba"]
            r = MLPRegressor(hidden_layer_sizes=hidden, activation=act, max_iter=40,
                             random_state=1).fit(X, np.c_[y, -y * 0.5])
            o = sql_scores(db, "model_predict", dumps(r), load_table(db, Q))
            assert np.array_equal(np.array([json.loads(v) for v in o]), r.predict(Q)), hidden


def test_pickles_are_safe(db):
    X, y = clf_sets()["iris"]
    for solver in ("adam", "sgd", "lbfgs"):
        e = MLPClassifier(solver=solver, max_iter=20, random_state=0).fit(X, y)
        info = json.loads(db.execute("SELECT pickle_info(?)", (dumps(e),)).fetchone()[0])
        assert info["safe"] is True, info["unsafe_globals"]
