"""One-vs-rest, one-vs-one, output codes, multi-output and chains scored in SQL against
scikit-learn, every row.

OneVsRestClassifier: multiclass (ties between member scores: the last equal member wins),
binary, multilabel (with a constant column, which scikit-learn fits as a _ConstantPredictor);
members with decision_function, with predict_proba only, and pipelines. OneVsOneClassifier:
votes plus normalized confidences (ties in votes are broken by confidences: duplicated points and
4+ classes make them frequent). OutputCodeClassifier. MultiOutputClassifier/Regressor and
ClassifierChain/RegressorChain (random order_). Labels identical, floats within modelcheck.RTOL.
"""
import json

import numpy as np
import pytest
from sklearn import datasets
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier, OutputCodeClassifier
from sklearn.multioutput import (ClassifierChain, MultiOutputClassifier, MultiOutputRegressor,
                                 RegressorChain)
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from conftest import sql_error
from famcheck import float_rows, json_scores, score_wide
from modelcheck import FORMS, compare_floats, compare_labels, dumps

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning",
                                        "ignore:Label not 2 is present")


def _dup(X, y, reps=12):
    return np.vstack([X, X[:reps], X[:reps]]), np.concatenate([y, y[:reps], y[:reps]])


def clf_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    Xc, yc = datasets.make_classification(300, 6, n_informative=4, n_redundant=0, n_classes=5,
                                          n_clusters_per_class=1, random_state=7)
    names = np.array(["setosa", "versicolor", "virginica"])
    return {
        "iris": _dup(Xi, yi),
        "iris_str": (Xi, names[yi]),
        "bc": (Xb[:, :8], yb),
        "c5_float": _dup(np.round(Xc, 1), yc * 2.0 + 1.0),
    }


def check_all(db, e, X, form, methods=("predict", "predict_proba", "decision_function")):
    """Every available method; 2-D predictions (multilabel, multi-output) compared as numbers."""
    blob = dumps(e, form)
    done = []
    for meth, fn in [("predict", "model_predict"), ("predict_proba", "model_predict_proba"),
                     ("decision_function", "model_decision_function")]:
        if meth not in methods or not hasattr(e, meth):
            continue
        ref = getattr(e, meth)(X)
        ours = json_scores(db, fn, blob, X)
        what = "%s.%s (%s)" % (type(e).__name__, meth, form)
        if meth == "predict" and np.ndim(ref) == 1 and ref.dtype.kind in "iObUf" and \
                hasattr(e, "classes_") and not isinstance(e.classes_, list):
            compare_labels(ours, ref, what)
        else:
            compare_floats(float_rows(ours), np.asarray(ref, dtype=float), X, what)
        done.append(meth)
    assert done
    return done


MEMBERS = [
    lambda: LogisticRegression(max_iter=1000),
    lambda: make_pipeline(StandardScaler(), LinearSVC(random_state=0, max_iter=5000)),
    lambda: GaussianNB(),  # predict_proba only: scores are probabilities, threshold 0.5
    lambda: DecisionTreeClassifier(max_depth=2, random_state=0),  # many tied scores
    lambda: SVC(probability=True, random_state=0),
    lambda: KNeighborsClassifier(3),
]


@pytest.mark.parametrize("b", range(len(MEMBERS)))
def test_ovr(db, b):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = OneVsRestClassifier(MEMBERS[b]()).fit(X, y)
        got = check_all(db, e, X, FORMS[(b + k) % len(FORMS)])
        assert "predict" in got


def test_ovr_ties_last_member_wins(db):
    X, y = clf_sets()["c5_float"]
    e = OneVsRestClassifier(KNeighborsClassifier(2)).fit(X, y)
    s = np.array([m.predict_proba(X)[:, 1] for m in e.estimators_]).T
    mx = s.max(axis=1, keepdims=True)
    assert ((s == mx).sum(axis=1) > 1).any()  # ties exist
    check_all(db, e, X, "p4")


@pytest.mark.parametrize("b", [0, 2, 3, 5])
def test_ovr_multilabel(db, b):
    X, Y = datasets.make_multilabel_classification(200, 6, n_classes=4, random_state=1)
    Y[:, 2] = 0  # a constant column: a _ConstantPredictor member
    e = OneVsRestClassifier(MEMBERS[b]()).fit(X, Y)
    assert type(e.estimators_[2]).__name__ == "_ConstantPredictor"
    check_all(db, e, X, FORMS[b % len(FORMS)])


@pytest.mark.parametrize("b", range(len(MEMBERS)))
def test_ovo(db, b):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = OneVsOneClassifier(MEMBERS[b]()).fit(X, y)
        got = check_all(db, e, X, FORMS[(b + k) % len(FORMS)])
        assert got == ["predict", "decision_function"]


@pytest.mark.parametrize("b", [0, 1, 2, 3])
@pytest.mark.parametrize("code_size", [1.0, 2.5])
def test_output_code(db, b, code_size):
    for k, (name, (X, y)) in enumerate(sorted(clf_sets().items())):
        e = OutputCodeClassifier(MEMBERS[b](), code_size=code_size, random_state=k).fit(X, y)
        assert check_all(db, e, X, FORMS[(b + k) % len(FORMS)]) == ["predict"]


def _multi_y():
    X, Y = datasets.make_multilabel_classification(200, 5, n_classes=3, random_state=2)
    Y = Y * np.array([1, 3, 5])  # distinct numeric labels per output
    return X, Y


@pytest.mark.parametrize("b", [0, 2, 3, 4, 5])
def test_multioutput_classifier(db, b):
    X, Y = _multi_y()
    e = MultiOutputClassifier(MEMBERS[b]()).fit(X, Y)
    assert check_all(db, e, X, FORMS[b], methods=("predict",)) == ["predict"]
    check_multioutput_proba(db, e, X, FORMS[b])


def check_multioutput_proba(db, e, X, form):
    """scikit-learn's list of (n_samples, n_classes_i) arrays, one per output: each row in SQL is
    the JSON array of that row's arrays; the blob form is the same values end to end; model_proba
    refuses (a class label does not say which output)."""
    blob = dumps(e, form)
    ref = e.predict_proba(X)
    ours = [json.loads(v) for v in json_scores(db, "model_predict_proba", blob, X)]
    assert all(len(r) == len(ref) and [len(a) for a in r] == [a.shape[1] for a in ref]
               for r in ours), ours[0]
    for i, a in enumerate(ref):
        compare_floats(np.array([r[i] for r in ours]), a, X, "%r output %d" % (e, i))
    flat = np.hstack(ref)
    for r in range(0, len(X), 37):
        blob_row = db.execute("SELECT model_predict_proba_blob(?, ?)",
                              (blob, json.dumps(X[r].tolist()))).fetchone()[0]
        assert np.array_equal(np.frombuffer(blob_row), np.array(sum(ours[r], [])))
        assert np.allclose(np.frombuffer(blob_row), flat[r], rtol=1e-12, atol=0)
    msg = sql_error(db, "model_proba", blob, 1, *X[0])
    assert "several outputs' probabilities" in msg, msg


def test_multioutput_proba_shapes(db):
    """Outputs with 2, 3 and 4 classes; in a pipeline; members without predict_proba."""
    rng = np.random.RandomState(4)
    X = rng.normal(size=(120, 4))
    Y = np.c_[X[:, 0] > 0, np.digitize(X[:, 1], [-0.5, 0.5]), np.digitize(X[:, 2], [-1, 0, 1])]
    for e in [MultiOutputClassifier(LogisticRegression(max_iter=1000)),
              make_pipeline(StandardScaler(), MultiOutputClassifier(GaussianNB()))]:
        e.fit(X, Y)
        check_multioutput_proba(db, e, X, "p4")
        first = json.loads(db.execute("SELECT model_predict_proba(?, ?)",
                                      (dumps(e), json.dumps(X[0].tolist()))).fetchone()[0])
        assert [len(a) for a in first] == [2, 3, 4]
    e = MultiOutputClassifier(LinearSVC(random_state=0, max_iter=5000)).fit(X, Y)
    assert not hasattr(e, "predict_proba")
    assert sql_error(db, "model_predict_proba", dumps(e), *X[0]) == (
        "model_predict_proba: MultiOutputClassifier has no predict_proba: its estimators_ have "
        "no predict_proba")


def test_multioutput_text_classes_refused(db):
    X, Y = _multi_y()
    e = MultiOutputClassifier(GaussianNB()).fit(X, np.where(Y > 0, "yes", "no"))
    msg = sql_error(db, "model_predict", dumps(e), *X[0])
    assert "text classes" in msg, msg


REGS = [lambda: Ridge(1.0), lambda: DecisionTreeRegressor(max_depth=3, random_state=0),
        lambda: KNeighborsRegressor(4), lambda: make_pipeline(StandardScaler(), LinearRegression())]


@pytest.mark.parametrize("b", range(len(REGS)))
def test_multioutput_regressor_and_chain(db, b):
    X, Y = datasets.make_regression(150, 6, n_targets=3, noise=2.0, random_state=b)
    e = MultiOutputRegressor(REGS[b]()).fit(X, Y)
    check_all(db, e, X, FORMS[b])
    for order in (None, "random", [2, 0, 1]):
        e = RegressorChain(REGS[b](), order=order, random_state=3).fit(X, Y)
        check_all(db, e, X, FORMS[(b + 1) % len(FORMS)])


@pytest.mark.parametrize("b", [0, 1, 2, 3, 4])
def test_classifier_chain(db, b):
    X, Y = datasets.make_multilabel_classification(200, 6, n_classes=4, random_state=3)
    for order in (None, "random"):
        e = ClassifierChain(MEMBERS[b](), order=order, random_state=1).fit(X, Y)
        got = check_all(db, e, X, FORMS[b])
        assert "predict" in got
        if hasattr(e, "predict_proba"):
            assert "predict_proba" in got


def test_ovo_precomputed_refused(db):
    X, y = clf_sets()["iris"]
    K = X @ X.T
    e = OneVsOneClassifier(SVC(kernel="precomputed")).fit(K, y)
    msg = sql_error(db, "model_predict", dumps(e), *K[0][:5])
    assert msg and ("precomputed" in msg or "kernel" in msg), msg
