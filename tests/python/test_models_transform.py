"""KMeans, transformers and pipelines scored in SQL against scikit-learn, every row.

Also: missing values (SQL NULL) through scalers and imputers, DataFrame models with JSON-object
features, and one model in every pickle form.
"""
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import cluster, datasets, decomposition, impute, linear_model as L, pipeline, svm
from sklearn import preprocessing as P
from sklearn.exceptions import ConvergenceWarning

from conftest import sql_error
from modelcheck import FORMS, dumps, load_table, score_and_compare, sql_scores

warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", category=FutureWarning)


def numeric_sets():
    Xi, _ = datasets.load_iris(return_X_y=True)
    Xw, _ = datasets.load_wine(return_X_y=True)
    Xd, _ = datasets.load_diabetes(return_X_y=True)
    Xb, _ = datasets.make_blobs(250, 5, centers=6, random_state=7)
    Xr, _ = datasets.make_regression(100, 7, random_state=8)
    return {"iris": Xi, "wine": Xw, "diabetes": Xd, "blobs": Xb, "reg7": Xr}


def with_nans(X, seed, frac=0.1):
    rng = np.random.RandomState(seed)
    X = X.copy()
    X[rng.rand(*X.shape) < frac] = np.nan
    return X


CLUSTERERS = [
    cluster.KMeans(3, n_init=10, random_state=0),
    cluster.KMeans(8, n_init=4, random_state=1),
    cluster.MiniBatchKMeans(4, n_init=3, random_state=2),
]

TRANSFORMERS = [
    P.StandardScaler(),
    P.StandardScaler(with_mean=False),
    P.StandardScaler(with_std=False),
    P.MinMaxScaler(),
    P.MinMaxScaler(feature_range=(-1, 2), clip=True),
    P.MaxAbsScaler(),
    P.RobustScaler(),
    P.RobustScaler(with_centering=False, quantile_range=(10, 90)),
    P.Normalizer(),
    P.Normalizer(norm="l1"),
    P.Normalizer(norm="max"),
    P.Binarizer(threshold=0.5),
    P.PolynomialFeatures(),
    P.PolynomialFeatures(degree=3),
    P.PolynomialFeatures(degree=3, interaction_only=True),
    P.PolynomialFeatures(degree=2, include_bias=False),
    P.PolynomialFeatures(degree=(2, 3)),
    P.PolynomialFeatures(degree=(2, 3), include_bias=False),
    P.PolynomialFeatures(degree=(0, 2), interaction_only=True),
    decomposition.PCA(n_components=3),
    decomposition.PCA(n_components=3, whiten=True),
    decomposition.PCA(whiten=True),
    decomposition.TruncatedSVD(n_components=2, random_state=0),
]


def _id(est):
    p = est.get_params()
    d = type(est)().get_params()
    extra = [k + "=" + str(p[k]) for k in sorted(p) if k in d and p[k] != d[k] and
             k not in ("n_init", "random_state")]
    return type(est).__name__ + ("(" + ",".join(extra) + ")" if extra else "")


@pytest.mark.parametrize("est", CLUSTERERS, ids=_id)
def test_clusterers(db, est):
    for k, (name, X) in enumerate(sorted(numeric_sets().items())):
        e = type(est)(**est.get_params()).fit(X)
        assert score_and_compare(db, e, X, FORMS[k % len(FORMS)]) == ["predict", "transform"]


@pytest.mark.parametrize("est", TRANSFORMERS, ids=_id)
def test_transformers(db, est):
    for k, (name, X) in enumerate(sorted(numeric_sets().items())):
        if isinstance(est, decomposition.TruncatedSVD) and X.shape[1] <= 2:
            continue
        e = type(est)(**est.get_params()).fit(X)
        assert score_and_compare(db, e, X, FORMS[k % len(FORMS)]) == ["transform"]


@pytest.mark.parametrize("est", [P.StandardScaler(), P.MinMaxScaler(), P.MaxAbsScaler(),
                                 P.RobustScaler()], ids=_id)
def test_scalers_pass_missing_values(db, est):
    X = with_nans(numeric_sets()["wine"], 11)
    e = type(est)(**est.get_params()).fit(X)
    score_and_compare(db, e, X, "p4")


IMPUTERS = [
    impute.SimpleImputer(),
    impute.SimpleImputer(strategy="median"),
    impute.SimpleImputer(strategy="most_frequent"),
    impute.SimpleImputer(strategy="constant", fill_value=-7.5),
    impute.SimpleImputer(add_indicator=True),
    impute.SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
]


@pytest.mark.parametrize("est", IMPUTERS, ids=_id)
def test_imputers(db, est):
    for k, (name, X) in enumerate(sorted(numeric_sets().items())):
        Xn = with_nans(np.round(X, 1), 20 + k)
        Xn[:, 1] = np.nan  # an all-missing column: dropped unless constant / keep_empty
        e = type(est)(**est.get_params()).fit(Xn)
        score_and_compare(db, e, Xn, FORMS[k % len(FORMS)])


def test_imputer_numeric_missing_value(db):
    X = np.round(numeric_sets()["iris"], 0)
    e = impute.SimpleImputer(missing_values=1.0, strategy="mean", add_indicator=True).fit(X)
    score_and_compare(db, e, X, "p5")
    # NaN is not a missing value for this imputer: scikit-learn refuses it, so do we
    msg = sql_error(db, "model_transform", dumps(e), None, 1.0, 2.0, 3.0)
    assert msg == ("model_transform: SimpleImputer cannot take missing values: feature 1 is "
                   "NULL")


def make_pipelines():
    return [
        pipeline.make_pipeline(P.StandardScaler(), L.LogisticRegression(max_iter=1000)),
        pipeline.make_pipeline(impute.SimpleImputer(), P.StandardScaler(),
                               L.LogisticRegression(max_iter=1000)),
        pipeline.make_pipeline(P.PolynomialFeatures(2), P.StandardScaler(), L.Ridge()),
        pipeline.make_pipeline(P.StandardScaler(), decomposition.PCA(3),
                               cluster.KMeans(3, n_init=5, random_state=0)),
        pipeline.Pipeline([("mm", P.MinMaxScaler()), ("skip", "passthrough"),
                           ("svc", svm.LinearSVC(random_state=0, max_iter=20000))]),
        pipeline.Pipeline([("sc", P.StandardScaler()), ("pca", decomposition.PCA(2))]),
        pipeline.Pipeline([("sc", P.RobustScaler()), ("end", "passthrough")]),
        pipeline.make_pipeline(P.StandardScaler(), L.SGDClassifier(loss="modified_huber",
                                                                   random_state=0)),
        pipeline.make_pipeline(P.StandardScaler(), pipeline.make_pipeline(
            P.Normalizer(), L.RidgeClassifier())),
    ]


@pytest.mark.parametrize("k", range(len(make_pipelines())))
def test_pipelines(db, k):
    for j, ds in enumerate(["iris", "wine", "breast_cancer"]):
        X, y = getattr(datasets, "load_" + ds)(return_X_y=True)
        pipe = make_pipelines()[k]
        if k == 1:
            X = with_nans(X, 30 + j)
        pipe.fit(X, y)
        score_and_compare(db, pipe, X, FORMS[(k + j) % len(FORMS)])


def test_pipeline_missing_values_refused_after_scaler(db):
    X, y = datasets.load_iris(return_X_y=True)
    pipe = pipeline.make_pipeline(P.StandardScaler(), L.LogisticRegression(max_iter=500))
    pipe.fit(X, y)
    msg = sql_error(db, "model_predict", dumps(pipe), 5.1, None, 1.4, 0.2)
    assert msg == ("model_predict: LogisticRegression cannot take missing values: feature 2 "
                   "is NULL")


def iris_frame():
    d = datasets.load_iris(as_frame=True)
    X = d.data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    return X, d.target


def test_dataframe_json_object_features(db):
    X, y = iris_frame()
    models = [L.LogisticRegression(max_iter=1000).fit(X, y),
              pipeline.make_pipeline(P.StandardScaler(), L.LogisticRegression()).fit(X, y),
              cluster.KMeans(3, n_init=5, random_state=0).fit(X)]
    for m in models:
        blob = dumps(m, "p5")
        ref = m.predict(X)
        rows = [json.dumps(dict(zip(X.columns, map(float, r)))) for r in X.values]
        # keys in another order than training: matched by name
        rows_rev = [json.dumps(dict(reversed(list(zip(X.columns, map(float, r))))))
                    for r in X.values]
        for rs in (rows, rows_rev):
            got = [db.execute("SELECT model_predict(?, ?)", (blob, r)).fetchone()[0] for r in rs]
            assert got == ref.tolist()
        # a JSON array and positional values give the same
        arr = [db.execute("SELECT model_predict(?, ?)", (blob, json.dumps(list(map(float, r)))))
               .fetchone()[0] for r in X.values]
        assert arr == ref.tolist()
        if hasattr(m, "predict_proba"):
            proba = np.array([json.loads(db.execute("SELECT model_predict_proba(?, ?)",
                                                    (blob, r)).fetchone()[0]) for r in rows])
            np.testing.assert_allclose(proba, m.predict_proba(X), rtol=1e-12, atol=1e-15)
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(models[1]),)).fetchone()[0])
    assert info["feature_names_in_"] == list(X.columns)
    assert info["classes_"] == [0, 1, 2]
    assert info["class"] == "sklearn.pipeline.Pipeline"
    assert info["kind"] == "classifier"


def test_json_features_errors(db):
    X, y = iris_frame()
    blob = dumps(L.LogisticRegression(max_iter=1000).fit(X, y))
    e = lambda arg: sql_error(db, "model_predict", blob, arg)  # noqa: E731
    names = "'sepal_length', 'sepal_width', 'petal_length', 'petal_width'"
    assert e('{"sepal_length": 1, "sepal_width": 2, "petal_length": 3}') == \
        "model_predict: missing feature 'petal_width' (LogisticRegression expects %s)" % names
    assert e('{"sepal_length": 1, "sepal_width": 2, "petal_length": 3, "petal_width": 4, '
             '"x": 1}') == ("model_predict: unknown feature 'x' (LogisticRegression expects %s)"
                            % names)
    assert e('[1, 2, 3]') == "model_predict: LogisticRegression expects 4 features, got 3"
    assert e('[1, "a", 3, 4]') == "model_predict: feature 2 ('sepal_width') is 'a', not a number"
    assert e('[1, 2, 3, 4') .startswith("model_predict: bad JSON features at offset 11")
    assert e('[1, null, 3, 4]') == ("model_predict: LogisticRegression cannot take missing "
                                    "values: feature 2 ('sepal_width') is NULL")
    assert db.execute("SELECT model_predict(?, '[5.1, 3.5, 1.4, 0.2]')", (blob,)).fetchone() \
        == (0,)


def test_every_pickle_form(db):
    X, y = datasets.load_wine(return_X_y=True)
    pipe = pipeline.make_pipeline(P.StandardScaler(), L.LogisticRegression(max_iter=1000))
    pipe.fit(X, y)
    cols = load_table(db, X)
    results = set()
    for form in FORMS + ["joblib-zlib"]:
        blob = dumps(pipe, form)
        got = sql_scores(db, "model_predict_proba", blob, cols)
        results.add(tuple(got))
        assert score_and_compare(db, pipe, X, form) == ["predict", "predict_proba",
                                                        "decision_function"]
    assert len(results) == 1


def test_bool_labels_and_info(db):
    X, y = datasets.load_breast_cancer(return_X_y=True)
    e = pipeline.make_pipeline(P.StandardScaler(), L.LogisticRegression()).fit(X, y == 1)
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(e),)).fetchone()[0])
    assert info["classes_"] == [False, True]
    assert info["methods"] == ["predict", "predict_proba", "decision_function", "predict_log_proba"]
    score_and_compare(db, e, X, "joblib")
