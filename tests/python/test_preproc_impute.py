"""KNNImputer and IterativeImputer scored in SQL against scikit-learn 1.2, every row: alone
(model_transform) and in Pipelines ending in a classifier or regressor, pickle and joblib forms.

Exactness (docs/scoring.md): KNNImputer bit-identical, both weightings: its distances repeat
numpy's einsum order and the reference BLAS's dot order, and the neighbours chosen among equal
distances (forced ties below) follow numpy's introselect. IterativeImputer: its estimators' exactness (BayesianRidge:
a dot product), checked within 1e-12 relative.
"""
import warnings

import numpy as np
import pytest
from sklearn import ensemble, linear_model as L, pipeline, tree
from sklearn import preprocessing as P
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer

from conftest import sql_error
from modelcheck import FORMS, dumps, score_and_compare
from preproc_util import assert_bits, assert_close, numeric_sets, sql_rows, with_nans

warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", category=RuntimeWarning)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

KNN = [dict(), dict(n_neighbors=1), dict(n_neighbors=3, weights="distance"),
       dict(n_neighbors=8), dict(n_neighbors=12, weights="distance", add_indicator=True),
       dict(n_neighbors=2, keep_empty_features=True), dict(n_neighbors=5, add_indicator=True),
       dict(n_neighbors=400)]


def _kid(o):
    return ",".join("%s=%s" % kv for kv in sorted(o.items())) or "default"


def _check(ours, ref, opts, what):
    assert_bits(ours, ref, what)


@pytest.mark.parametrize("opts", KNN, ids=_kid)
def test_knn_imputer(db, opts):
    for k, (name, (X, y)) in enumerate(sorted(numeric_sets().items())):
        Xf = with_nans(X, k, 0.15)
        Xf[:, -1] = np.nan if opts.get("keep_empty_features") else Xf[:, -1]
        Xf[3] = np.nan  # a training row without any value
        e = KNNImputer(**opts).fit(Xf)
        Xt = with_nans(X, k + 10, 0.3)
        Xt[0] = np.nan  # every distance NaN: the column means
        Xt[1, :] = X[1]
        Xt[1, 0] = np.nan
        ours = sql_rows(db, e, Xt, form=FORMS[k % len(FORMS)])
        _check(ours, e.transform(Xt), opts, name)


@pytest.mark.parametrize("opts", KNN, ids=_kid)
def test_knn_imputer_ties(db, opts):
    """Rounded data with many duplicate rows: equal distances everywhere, so which donors
    argpartition keeps (and in what order they are summed) decides the value."""
    rng = np.random.RandomState(5)
    n = 300
    X = np.column_stack([rng.randint(0, 3, n), rng.randint(0, 2, n), rng.randint(0, 4, n),
                         rng.standard_normal(n), rng.randint(0, 3, n) * 0.1]).astype(float)
    X[:, 3] = np.round(X[:, 3], 1) + 0.0  # no -0.0: SQLite stores it as the integer 0
    Xf = with_nans(X, 1, 0.1)
    Xf[:, 4] = np.where(rng.rand(n) < 0.05, np.nan, X[:, 3] * 1.37 + rng.rand(n))
    e = KNNImputer(**opts).fit(Xf)
    Xt = with_nans(X, 2, 0.35)
    ours = sql_rows(db, e, Xt)
    _check(ours, e.transform(Xt), opts, "ties")


def test_knn_imputer_missing_marker(db):
    X, y = numeric_sets()["iris"]
    X = np.round(X, 0)
    X[::7, 1] = -1
    e = KNNImputer(missing_values=-1, n_neighbors=4).fit(X)
    Xt = X.copy()
    Xt[::5, 2] = -1
    assert_bits(sql_rows(db, e, Xt), e.transform(Xt), "missing_values=-1")
    msg = sql_error(db, "model_transform", dumps(e), None, 1.0, 1.0, 1.0)
    assert msg == "model_transform: KNNImputer cannot take missing values: feature 1 is NULL"


def test_knn_imputer_in_pipelines(db):
    X, y = numeric_sets()["wine"]
    Xn = with_nans(X, 3, 0.2)
    p = pipeline.make_pipeline(KNNImputer(n_neighbors=4), P.StandardScaler(),
                               L.LogisticRegression(max_iter=3000)).fit(Xn, y)
    score_and_compare(db, p, with_nans(X, 4, 0.2), "joblib")
    X, y = numeric_sets()["diabetes"]
    Xn = with_nans(X, 5, 0.2)
    p = pipeline.make_pipeline(KNNImputer(weights="distance", add_indicator=True),
                               L.Ridge()).fit(Xn, y)
    score_and_compare(db, p, with_nans(X, 6, 0.2), "p2")


def test_knn_imputer_refused(db):
    X, _ = numeric_sets()["iris"]
    e = KNNImputer(weights=lambda d: d).fit(X)
    e.weights = "custom"
    msg = sql_error(db, "model_transform", dumps(e), 1.0, None, 1.0, 1.0)
    assert msg == "model_transform: KNNImputer: weights 'custom' is not supported"
    e = KNNImputer().fit(X.astype(np.float32))
    msg = sql_error(db, "model_transform", dumps(e), 1.0, None, 1.0, 1.0)
    assert msg == ("model_transform: KNNImputer was fitted on float32 data; only float64 is "
                   "supported")


def _iters():
    from sklearn import neighbors
    return [
        IterativeImputer(random_state=0),
        IterativeImputer(max_iter=3, initial_strategy="median", imputation_order="descending",
                         random_state=0),
        IterativeImputer(L.Ridge(alpha=2.0), max_iter=4, skip_complete=True,
                         initial_strategy="most_frequent", imputation_order="roman",
                         random_state=1),
        IterativeImputer(tree.DecisionTreeRegressor(max_depth=4, random_state=0), max_iter=3,
                         imputation_order="random", random_state=2, add_indicator=True),
        IterativeImputer(min_value=-0.05, max_value=0.05, imputation_order="arabic",
                         random_state=0),
        IterativeImputer(n_nearest_features=3, initial_strategy="constant", random_state=3,
                         min_value=[-0.1, -1, -1, -1, -1, -1, -1, -1, -1, 0.0],
                         max_value=np.inf),
        IterativeImputer(neighbors.KNeighborsRegressor(3), max_iter=2, random_state=0),
        IterativeImputer(ensemble.RandomForestRegressor(5, max_depth=5, random_state=0),
                         max_iter=2, random_state=0, skip_complete=True, add_indicator=True),
        IterativeImputer(max_iter=1, tol=1e9, random_state=0),
    ]


@pytest.mark.parametrize("k", range(len(_iters())))
def test_iterative_imputer(db, k):
    """Every step's estimator as its family computes it, chained: checked bit-identical."""
    X, y = numeric_sets()["diabetes"]
    Xf = with_nans(X, k, 0.15)
    Xf[:, 2] = X[:, 2]  # a complete column: skip_complete leaves it to the initial fill
    Xf[7] = np.nan
    e = _iters()[k].fit(Xf)
    Xt = with_nans(X, k + 20, 0.3)
    Xt[0] = np.nan
    Xt[1, 2] = np.nan
    ours = sql_rows(db, e, Xt, form=FORMS[k % len(FORMS)])
    assert_bits(ours, e.transform(Xt), repr(e))


def test_iterative_imputer_empty_column_and_marker(db):
    X, y = numeric_sets()["wine"]
    Xf = with_nans(X, 1, 0.2)
    Xf[:, 4] = np.nan  # empty in training: dropped
    e = IterativeImputer(random_state=0, add_indicator=True).fit(Xf)
    Xt = with_nans(X, 2, 0.2)
    assert_bits(sql_rows(db, e, Xt), e.transform(Xt), "empty column")
    Xr = np.round(X, 0)
    Xr[::4, 3] = -1
    e = IterativeImputer(missing_values=-1, random_state=0).fit(Xr)
    assert_bits(sql_rows(db, e, Xr, form="joblib"), e.transform(Xr), "missing_values=-1")


def test_iterative_imputer_in_pipelines(db):
    X, y = numeric_sets()["wine"]
    p = pipeline.make_pipeline(IterativeImputer(random_state=0), P.StandardScaler(),
                               L.LogisticRegression(max_iter=3000)).fit(with_nans(X, 1, 0.2), y)
    score_and_compare(db, p, with_nans(X, 2, 0.2), "joblib")
    X, y = numeric_sets()["diabetes"]
    p = pipeline.make_pipeline(IterativeImputer(L.Ridge(), random_state=0, add_indicator=True),
                               ensemble.GradientBoostingRegressor(n_estimators=20, random_state=0)
                               ).fit(with_nans(X, 3, 0.2), y)
    score_and_compare(db, p, with_nans(X, 4, 0.2), "p4")


def test_iterative_imputer_refused(db):
    X, y = numeric_sets()["iris"]
    Xn = with_nans(X, 1, 0.2)
    e = IterativeImputer(sample_posterior=True, random_state=0).fit(Xn)
    msg = sql_error(db, "model_transform", dumps(e), 1.0, None, 1.0, 1.0)
    assert msg == ("model_transform: IterativeImputer with sample_posterior=True draws random "
                   "values at each transform; only sample_posterior=False can be scored")
    e = IterativeImputer(keep_empty_features=True, random_state=0).fit(Xn)
    msg = sql_error(db, "model_transform", dumps(e), 1.0, None, 1.0, 1.0)
    assert msg.startswith("model_transform: IterativeImputer with keep_empty_features=True is "
                          "not supported")
