"""Feature selectors and FeatureUnion scored in SQL against scikit-learn, every row.

Selectors copy the columns of the support mask, computed at compile time exactly as
_get_support_mask does (ties included), so their transform is bit-identical; RFE/RFECV predict
through estimator_ on the selected columns with that estimator's own exactness. FeatureUnion
concatenates its transformers' outputs (times their weights): bit-identical when they are.
"""
import warnings

import numpy as np
import pytest
from sklearn import datasets, decomposition, ensemble, feature_selection as FS, impute
from sklearn import linear_model as L, pipeline, svm, tree
from sklearn import preprocessing as P
from sklearn.exceptions import ConvergenceWarning

from conftest import sql_error
from modelcheck import FORMS, dumps, score_and_compare
from preproc_util import assert_bits, numeric_sets, sql_rows, with_nans

warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=RuntimeWarning)


def tied_data(seed=0):
    """A classification set whose scores tie: duplicated and constant columns."""
    X, y = datasets.make_classification(300, 8, n_informative=4, random_state=seed)
    X = np.column_stack([X, X[:, 0], X[:, 2], X[:, 0], np.ones(300), np.ones(300), X[:, 5] * 2])
    return X, y


SELECTORS = [
    lambda: FS.VarianceThreshold(),
    lambda: FS.VarianceThreshold(0.8),
    lambda: FS.SelectKBest(k=3),
    lambda: FS.SelectKBest(k=5),
    lambda: FS.SelectKBest(FS.mutual_info_classif, k=4),
    lambda: FS.SelectKBest(k="all"),
    lambda: FS.SelectPercentile(percentile=25),
    lambda: FS.SelectPercentile(percentile=50),
    lambda: FS.SelectPercentile(FS.chi2, percentile=33),
    lambda: FS.SelectFpr(alpha=0.01),
    lambda: FS.SelectFdr(alpha=0.05),
    lambda: FS.SelectFwe(alpha=0.05),
    lambda: FS.GenericUnivariateSelect(mode="k_best", param=4),
    lambda: FS.GenericUnivariateSelect(mode="percentile", param=40),
    lambda: FS.GenericUnivariateSelect(mode="fdr", param=0.1),
    lambda: FS.GenericUnivariateSelect(mode="fwe", param=0.1),
    lambda: FS.SelectFromModel(L.LogisticRegression(max_iter=3000)),
    lambda: FS.SelectFromModel(L.LogisticRegression(max_iter=3000), threshold="median"),
    lambda: FS.SelectFromModel(L.LogisticRegression(max_iter=3000), threshold="1.25*mean"),
    lambda: FS.SelectFromModel(L.LogisticRegression(max_iter=3000), threshold="0.5*median",
                               norm_order=2),
    lambda: FS.SelectFromModel(L.LogisticRegression(max_iter=3000), norm_order=np.inf),
    lambda: FS.SelectFromModel(L.LogisticRegression(max_iter=3000), max_features=3,
                               threshold=-np.inf),
    lambda: FS.SelectFromModel(L.LogisticRegression(max_iter=3000), max_features=4),
    lambda: FS.SelectFromModel(L.Lasso(alpha=0.05)),
    lambda: FS.SelectFromModel(L.LogisticRegression(penalty="l1", solver="liblinear", C=0.1)),
    lambda: FS.SelectFromModel(svm.LinearSVC(C=0.05, penalty="l1", dual=False)),
    lambda: FS.SelectFromModel(L.Ridge(), threshold=0.05),
    lambda: FS.RFE(L.LogisticRegression(max_iter=3000), n_features_to_select=3),
    lambda: FS.RFE(svm.LinearSVC(max_iter=20000), n_features_to_select=0.5, step=2),
    lambda: FS.RFE(tree.DecisionTreeClassifier(random_state=0), n_features_to_select=4),
    lambda: FS.RFECV(L.LogisticRegression(max_iter=3000), cv=3),
    lambda: FS.SequentialFeatureSelector(L.LogisticRegression(max_iter=1000),
                                         n_features_to_select=3, cv=3),
    lambda: FS.SequentialFeatureSelector(L.LinearRegression(), n_features_to_select=2,
                                         direction="backward", cv=3),
]


def _sid(k):
    return "%d-%r" % (k, SELECTORS[k]())


@pytest.mark.parametrize("k", range(len(SELECTORS)), ids=_sid)
def test_selectors(db, k):
    sets = [("tied", tied_data(0)), ("tied2", tied_data(3))] + [
        (n, numeric_sets()[n]) for n in ("wine", "iris")]
    for j, (name, (X, y)) in enumerate(sets):
        e = SELECTORS[k]()
        if isinstance(e, (FS.SelectKBest,)) and e.k != "all" and e.k > X.shape[1]:
            continue
        Xf = np.abs(X) if "chi2" in repr(e) else X
        e.fit(Xf, y)
        if not e.get_support().any():
            msg = sql_error(db, "model_transform", dumps(e), *map(float, Xf[0]))
            assert msg.endswith("selects no features"), msg
            continue
        form = FORMS[(k + j) % len(FORMS)]
        assert_bits(sql_rows(db, e, Xf, form=form), e.transform(Xf), "%s %s" % (name, e))
        if isinstance(e, FS.RFE):
            score_and_compare(db, e, Xf, form)


def test_select_kbest_ties_pick_later_indices(db):
    X = np.array([[1.0, 1.0, 1.0, 0.0], [2.0, 2.0, 2.0, 1.0]])
    e = FS.SelectKBest(k=2)
    e.scores_ = np.array([5.0, 5.0, 5.0, np.nan])
    e.pvalues_ = np.zeros(4)
    e.n_features_in_ = 4
    assert e.get_support().tolist() == [False, True, True, False]
    assert_bits(sql_rows(db, e, X), e.transform(X), "ties")
    e.scores_ = np.array([np.nan, 1.0, np.nan, np.nan])
    e.k = 3  # NaN scores are the lowest: the later NaN indices win the ties
    assert_bits(sql_rows(db, e, X), e.transform(X), "NaN ties")


def test_select_percentile_ties(db):
    X = np.arange(20.0).reshape(2, 10)
    e = FS.SelectPercentile(percentile=30)
    e.scores_ = np.array([1.0, 3.0, 3.0, 3.0, 3.0, 0.5, 3.0, 2.0, 1.0, 3.0])
    e.pvalues_ = np.zeros(10)
    e.n_features_in_ = 10
    assert_bits(sql_rows(db, e, X), e.transform(X), "percentile ties")
    for pct in (10, 45, 55, 70, 99):
        e.percentile = pct
        assert_bits(sql_rows(db, e, X), e.transform(X), "percentile %d" % pct)


def test_variance_threshold_passes_missing_values(db):
    X = with_nans(tied_data(1)[0], 5)
    e = FS.VarianceThreshold(0.5).fit(X)
    assert_bits(sql_rows(db, e, X), e.transform(X), "nan")
    e = FS.SelectKBest(k=3).fit(tied_data(1)[0], tied_data(1)[1])
    msg = sql_error(db, "model_transform", dumps(e), *([None] + [1.0] * 13))
    assert msg == "model_transform: SelectKBest cannot take missing values: feature 1 is NULL"


def test_select_from_model_hgb_takes_missing_values(db):
    X, y = tied_data(2)
    Xn = with_nans(X, 4)
    hgb = ensemble.HistGradientBoostingClassifier(max_iter=5, random_state=0).fit(Xn, y)
    hgb.feature_importances_ = np.linspace(0, 1, X.shape[1])  # a stored importance vector
    e = FS.SelectFromModel(hgb, prefit=True).fit(Xn, y)
    assert 0 < e.get_support().sum() < X.shape[1]
    assert_bits(sql_rows(db, e, Xn), e.transform(Xn), "hgb")


def test_select_from_model_tree_refused(db):
    X, y = tied_data(0)
    e = FS.SelectFromModel(ensemble.RandomForestClassifier(5, random_state=0)).fit(X, y)
    msg = sql_error(db, "model_transform", dumps(e), *map(float, X[0]))
    assert "stores neither coef_ nor feature_importances_" in msg


def test_selectors_in_pipelines(db):
    X, y = datasets.load_breast_cancer(return_X_y=True)
    pipes = [
        pipeline.make_pipeline(P.StandardScaler(), FS.SelectKBest(k=8),
                               L.LogisticRegression(max_iter=2000)),
        pipeline.make_pipeline(FS.VarianceThreshold(0.01), P.StandardScaler(),
                               FS.SelectFromModel(L.LogisticRegression(max_iter=3000)),
                               svm.SVC(probability=True, random_state=0)),
        pipeline.make_pipeline(P.StandardScaler(), FS.RFE(L.LogisticRegression(max_iter=2000),
                                                          n_features_to_select=6)),
        pipeline.make_pipeline(P.MinMaxScaler(), FS.SelectPercentile(FS.chi2, percentile=20),
                               ensemble.RandomForestClassifier(10, random_state=0)),
    ]
    for k, p in enumerate(pipes):
        p.fit(X, y)
        score_and_compare(db, p, X, FORMS[k % len(FORMS)])
    Xr, yr = datasets.load_diabetes(return_X_y=True)
    p = pipeline.make_pipeline(FS.SelectKBest(FS.f_regression, k=5), L.Ridge()).fit(Xr, yr)
    score_and_compare(db, p, Xr, "joblib")


UNIONS = [
    lambda: pipeline.FeatureUnion([("sc", P.StandardScaler()), ("pca", decomposition.PCA(2))]),
    lambda: pipeline.FeatureUnion([("mm", P.MinMaxScaler()), ("drop", "drop"),
                                   ("raw", "passthrough")]),
    lambda: pipeline.FeatureUnion([("raw", "passthrough"), ("kb", P.KBinsDiscretizer(3)),
                                   ("sel", FS.SelectKBest(k=2))],
                                  transformer_weights={"kb": 0.5, "raw": 3.0}),
    lambda: pipeline.FeatureUnion([("a", pipeline.make_pipeline(P.StandardScaler(),
                                                                P.PolynomialFeatures(2))),
                                   ("b", P.FunctionTransformer(np.sqrt))],
                                  transformer_weights={"b": -2.0}),
]


@pytest.mark.parametrize("k", range(len(UNIONS)))
def test_feature_union(db, k):
    for j, name in enumerate(["iris", "wine"]):
        X, y = numeric_sets()[name]
        u = UNIONS[k]().fit(X, y)
        assert_bits(sql_rows(db, u, X, form=FORMS[(k + j) % len(FORMS)]), u.transform(X), name) \
            if k != 0 else score_and_compare(db, u, X, FORMS[j])
        p = pipeline.make_pipeline(UNIONS[k](), L.LogisticRegression(max_iter=3000)).fit(X, y)
        score_and_compare(db, p, X, FORMS[(k + j + 1) % len(FORMS)])


def test_feature_union_missing_values(db):
    X, y = numeric_sets()["wine"]
    Xn = with_nans(X, 9)
    u = pipeline.FeatureUnion([("imp", impute.SimpleImputer()), ("sc", P.StandardScaler()),
                               ("raw", "passthrough")]).fit(Xn)
    assert_bits(sql_rows(db, u, Xn), u.transform(Xn), "union nan")
    u = pipeline.FeatureUnion([("sc", P.StandardScaler()), ("pca", decomposition.PCA(2))]).fit(X)
    msg = sql_error(db, "model_transform", dumps(u), *([None] + [1.0] * 12))
    assert msg == "model_transform: PCA cannot take missing values: feature 1 is NULL"
