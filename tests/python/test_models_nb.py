"""Naive Bayes classifiers scored in SQL against scikit-learn: every row, every method.

GaussianNB, MultinomialNB, ComplementNB, BernoulliNB and CategoricalNB, several hyperparameter
settings, binary/multiclass datasets with duplicated rows, label types int/str/bool/float, every
pickle form. predict must give identical labels; predict_proba agrees within 1e-12 relative
(exp/log come from libm where numpy uses its own SIMD versions: an ulp apart).
"""
import numpy as np
import pytest
from sklearn import datasets, naive_bayes as nb

from conftest import sql_error
from modelcheck import FORMS, dumps, score_and_compare


def _dup(X, y, reps=3):
    """X with its first rows repeated: duplicated points give identical scores (ties)."""
    return np.vstack([X, X[:reps]]), np.concatenate([y, y[:reps]])


def continuous_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xb, yb = datasets.load_breast_cancer(return_X_y=True)
    Xc, yc = datasets.make_classification(300, 20, n_informative=8, n_classes=4, random_state=4)
    names = np.array(["setosa", "versicolor", "virginica"])
    return {
        "iris": _dup(Xi, yi),
        "iris_str": (Xi, names[yi]),
        "bc_bool": (Xb, yb.astype(bool)),
        "clf20x4": _dup(Xc, yc),
        "iris_float": (Xi, yi * 2.0 + 1.0),
    }


def count_sets():
    rng = np.random.RandomState(0)
    X1 = rng.poisson(2.0, size=(200, 12)).astype(float)
    y1 = (X1[:, 0] + X1[:, 3] > X1[:, 5] + 2).astype(int) + (X1[:, 7] > 3)
    X2 = rng.poisson(0.7, size=(150, 40)).astype(float)
    y2 = rng.randint(0, 2, 150)
    X3, y3 = datasets.load_digits(return_X_y=True)
    return {"pois12x3": _dup(X1, y1), "pois40x2": _dup(X2, y2),
            "digits": (X3[:400], y3[:400])}


def categorical_sets():
    rng = np.random.RandomState(1)
    X1 = rng.randint(0, 5, size=(200, 6)).astype(float)
    y1 = (X1[:, 0] + X1[:, 1] > 4).astype(int) + (X1[:, 2] == 3)
    X2 = rng.randint(0, 3, size=(120, 4)).astype(float)
    y2 = np.array(["a", "b"])[(X2[:, 0] > X2[:, 1]).astype(int)]
    return {"cat6x3": _dup(X1, y1), "cat4_str": (X2, y2)}


def _fit_all(est, sets):
    for k, (name, (X, y)) in enumerate(sorted(sets.items())):
        yield k, name, X, type(est)(**est.get_params()).fit(X, y)


GAUSSIAN = [nb.GaussianNB(), nb.GaussianNB(var_smoothing=1e-3),
            nb.GaussianNB(var_smoothing=0.5)]


@pytest.mark.parametrize("est", GAUSSIAN, ids=lambda e: "GaussianNB(%g)" % e.var_smoothing)
def test_gaussian(db, est):
    for k, name, X, e in _fit_all(est, continuous_sets()):
        checked = score_and_compare(db, e, X, FORMS[(k + len(name)) % len(FORMS)])
        assert checked == ["predict", "predict_proba"]


def test_gaussian_priors(db):
    X, y = datasets.load_iris(return_X_y=True)
    e = nb.GaussianNB(priors=[0.2, 0.5, 0.3]).fit(X, y)
    score_and_compare(db, e, X, "joblib")
    # far-away points: probabilities saturate to exact 0/1 as in scikit-learn
    far = np.vstack([X, X[:5] * 40.0, -X[:5] * 3])
    score_and_compare(db, e, far, "p5")


DISCRETE = [
    nb.MultinomialNB(), nb.MultinomialNB(alpha=0.1), nb.MultinomialNB(fit_prior=False),
    nb.MultinomialNB(class_prior=[0.3, 0.7], alpha=2.0),
    nb.ComplementNB(), nb.ComplementNB(norm=True), nb.ComplementNB(alpha=0.3),
    nb.BernoulliNB(), nb.BernoulliNB(binarize=1.5), nb.BernoulliNB(binarize=None),
    nb.BernoulliNB(alpha=0.2, fit_prior=False),
]


def _did(e):
    p = e.get_params()
    d = type(e)().get_params()
    return type(e).__name__ + "(" + ",".join("%s=%s" % (k, p[k]) for k in sorted(p)
                                             if p[k] != d[k]) + ")"


@pytest.mark.parametrize("est", DISCRETE, ids=_did)
def test_discrete(db, est):
    sets = count_sets()
    if est.class_prior is not None:
        sets = {"pois40x2": sets["pois40x2"]}
    for k, name, X, e in _fit_all(est, sets):
        checked = score_and_compare(db, e, X, FORMS[(k + len(name)) % len(FORMS)])
        assert checked == ["predict", "predict_proba"]
        if isinstance(e, nb.BernoulliNB):  # unseen, non-count inputs go through binarize too
            Z = np.random.RandomState(k).uniform(-1, 4, size=(30, X.shape[1]))
            score_and_compare(db, e, Z, "p4")


def test_complement_single_class(db):
    X = np.random.RandomState(3).poisson(1.0, size=(20, 5)).astype(float)
    e = nb.ComplementNB().fit(X, np.zeros(20, dtype=int))
    score_and_compare(db, e, X, "p3")


CATEGORICAL = [nb.CategoricalNB(), nb.CategoricalNB(alpha=0.1),
               nb.CategoricalNB(min_categories=7), nb.CategoricalNB(min_categories=[5, 3, 4, 6],
                                                                    fit_prior=False)]


@pytest.mark.parametrize("est", CATEGORICAL, ids=_did)
def test_categorical(db, est):
    sets = categorical_sets()
    if isinstance(est.min_categories, list):
        sets = {"cat4_str": sets["cat4_str"]}
    for k, name, X, e in _fit_all(est, sets):
        score_and_compare(db, e, X, FORMS[(k + len(name)) % len(FORMS)])
        # non-integer inputs are truncated as numpy's astype(int) does
        score_and_compare(db, e, X + 0.75, "p2")


def test_categorical_unseen_category(db):
    X = np.array([[0, 1], [1, 2], [2, 0], [1, 1]], dtype=float)
    e = nb.CategoricalNB().fit(X, [0, 1, 0, 1])
    blob = dumps(e)
    msg = sql_error(db, "model_predict", blob, 3.0, 1.0)
    assert msg == ("model_predict: CategoricalNB: feature 1 is category 3, never seen in "
                   "fitting (0 .. 2)")
    with pytest.raises(IndexError):
        e.predict([[3.0, 1.0]])
    msg = sql_error(db, "model_predict_proba", blob, 1.0, -2.0)
    assert msg == "model_predict_proba: CategoricalNB: feature 2 is category -2, negative (0 .. 2)"
    with pytest.raises(ValueError):
        e.predict([[1.0, -2.0]])
    e7 = nb.CategoricalNB(min_categories=4).fit(X, [0, 1, 0, 1])
    assert sql_error(db, "model_predict", dumps(e7), 3.0, 3.0) is None


def test_nb_safe_and_info(db):
    X, y = datasets.load_iris(return_X_y=True)
    for e in (nb.GaussianNB().fit(X, y), nb.MultinomialNB().fit(X, y),
              nb.CategoricalNB().fit(X.astype(int), y)):
        info = db.execute("SELECT json_extract(pickle_info(?), '$.safe')", (dumps(e),)).fetchone()
        assert info[0] == 1, type(e).__name__
