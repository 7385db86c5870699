"""DataFrame pipelines scored in SQL against scikit-learn: ColumnTransformer with OneHotEncoder,
OrdinalEncoder, SimpleImputer on strings, MissingIndicator and numeric steps, then a model.

Every pipeline is fitted on a 600-row DataFrame mixing string, integer, float and missing
columns and scored on 600 other rows, with unseen categories wherever the pipeline tolerates
them (handle_unknown='ignore', 'infrequent_if_exist', 'use_encoded_value'). Each pipeline is
pickled in one of the forms of modelcheck.FORMS (pickle protocols 2-5, joblib, joblib+zlib) and
scored in both call forms (positional, json_object by name) and from an all-TEXT copy of the
table (the sqlite3 shell's CSV .import): labels identical, floats within 1e-12 relative.
"""
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (MinMaxScaler, OneHotEncoder, OrdinalEncoder, RobustScaler,
                                   StandardScaler)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from modelcheck import FORMS, dumps
from tabular import compare_floats, compare_labels, frame, load_frame, score, target

CAT = ["country", "plan"]
NUM = ["age", "income", "visits", "score"]


def ohe(**kw):
    kw.setdefault("handle_unknown", "ignore")
    return OneHotEncoder(**kw)


def num_pipe(scaler=None):
    return make_pipeline(SimpleImputer(strategy="median"), scaler or StandardScaler())


def cat_pipe(enc=None, strategy="constant"):
    imp = SimpleImputer(strategy=strategy, fill_value="missing") if strategy == "constant" \
        else SimpleImputer(strategy=strategy)
    return make_pipeline(imp, enc or ohe())


# (name, ColumnTransformer factory, final estimator factory, target kind, tolerates unseen)
CASES = [
    ("ohe_names", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("ohe_nan_category", lambda: ColumnTransformer([("c", ohe(), ["country"]),
                                                   ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("ohe_int_index", lambda: ColumnTransformer([("c", ohe(), [0, 1]), ("n", num_pipe(), [2, 3, 4, 6])]),
     LogisticRegression, "binary", True),
    ("ohe_negative_index", lambda: ColumnTransformer([("c", ohe(), [-7, -6]), ("n", num_pipe(), [-5, -4])]),
     LogisticRegression, "binary", True),
    ("int_slice", lambda: ColumnTransformer([("c", ohe(), slice(0, 2)), ("n", num_pipe(), slice(2, 5))]),
     LogisticRegression, "binary", True),
    ("name_slice", lambda: ColumnTransformer([("c", ohe(), slice("country", "plan")),
                                             ("n", num_pipe(), slice("age", "visits"))]),
     LogisticRegression, "binary", True),
    ("bool_mask", lambda: ColumnTransformer([("c", ohe(), [True, True] + [False] * 5),
                                            ("n", num_pipe(), [False, False, True, True, True, False, True])]),
     LogisticRegression, "binary", True),
    ("pandas_index", lambda: ColumnTransformer([("c", ohe(), pd.Index(CAT)), ("n", num_pipe(), pd.Index(NUM))]),
     LogisticRegression, "binary", True),
    ("numpy_names", lambda: ColumnTransformer([("c", ohe(), np.array(CAT)), ("n", num_pipe(), np.array(NUM))]),
     LogisticRegression, "binary", True),
    ("column_selector", lambda: ColumnTransformer([("c", ohe(), make_column_selector(dtype_exclude="number")),
                                                  ("n", num_pipe(), make_column_selector(dtype_include="number"))]),
     LogisticRegression, "binary", True),
    ("remainder_passthrough", lambda: ColumnTransformer([("c", ohe(), CAT), ("i", SimpleImputer(), ["income"])],
                                                       remainder="passthrough"),
     LogisticRegression, "binary", True),
    ("remainder_estimator", lambda: ColumnTransformer([("c", ohe(), CAT), ("i", SimpleImputer(), ["income"])],
                                                     remainder=make_pipeline(SimpleImputer(), MinMaxScaler())),
     LogisticRegression, "binary", True),
    ("drop_and_passthrough", lambda: ColumnTransformer([("c", ohe(), CAT), ("x", "drop", ["score"]),
                                                       ("p", "passthrough", ["age", "visits"]),
                                                       ("i", num_pipe(), ["income"])]),
     LogisticRegression, "binary", True),
    ("sparse_threshold_1", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), NUM)], sparse_threshold=1.0),
     LogisticRegression, "binary", True),
    ("sparse_threshold_0", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), NUM)], sparse_threshold=0),
     LogisticRegression, "binary", True),
    ("weights", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), NUM)],
                                          transformer_weights={"c": 2.5, "n": 0.5}),
     LogisticRegression, "binary", True),
    ("short_names", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), NUM)],
                                              verbose_feature_names_out=False),
     LogisticRegression, "binary", True),
    ("ohe_dense", lambda: ColumnTransformer([("c", ohe(sparse_output=False), CAT), ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("ohe_int_dtype", lambda: ColumnTransformer([("c", ohe(dtype=np.int32), CAT), ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("ohe_error_known", lambda: ColumnTransformer([("c", cat_pipe(OneHotEncoder()), CAT), ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", False),
    ("ohe_drop_first", lambda: ColumnTransformer([("c", cat_pipe(OneHotEncoder(drop="first")), CAT),
                                                 ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", False),
    ("ohe_drop_if_binary", lambda: ColumnTransformer([("c", ohe(drop="if_binary"), CAT + ["grade"]),
                                                     ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("ohe_drop_explicit", lambda: ColumnTransformer([("c", cat_pipe(OneHotEncoder(drop=["fr", "pro"])), CAT),
                                                    ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", False),
    ("ohe_min_frequency", lambda: ColumnTransformer([("c", ohe(min_frequency=30, handle_unknown="infrequent_if_exist"), CAT),
                                                    ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("ohe_max_categories", lambda: ColumnTransformer([("c", ohe(max_categories=4, handle_unknown="infrequent_if_exist"), CAT),
                                                     ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("ohe_infrequent_ignore", lambda: ColumnTransformer([("c", ohe(min_frequency=0.05), CAT),
                                                        ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("ohe_infrequent_drop", lambda: ColumnTransformer([("c", cat_pipe(OneHotEncoder(min_frequency=40, drop="first")), CAT),
                                                      ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", False),
    ("ohe_int_column", lambda: ColumnTransformer([("c", ohe(), ["grade", "visits"]), ("n", num_pipe(), ["age", "income"])]),
     LogisticRegression, "binary", True),
    ("ohe_float_column_nan", lambda: ColumnTransformer([("c", ohe(), ["income_band"]), ("n", num_pipe(), ["age"])]),
     LogisticRegression, "binary", True),
    ("ohe_explicit_categories", lambda: ColumnTransformer([("c", ohe(categories=[["us", "fr", "de"], ["pro", "basic", "plus"]]), CAT),
                                                          ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("most_frequent_imputer", lambda: ColumnTransformer([("c", cat_pipe(strategy="most_frequent"), CAT),
                                                        ("n", num_pipe(), NUM)]),
     LogisticRegression, "binary", True),
    ("imputer_add_indicator", lambda: ColumnTransformer([("c", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                                                            ohe()), CAT),
                                                        ("n", make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), NUM)]),
     LogisticRegression, "binary", True),
    ("missing_indicator", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), NUM),
                                                    ("m", MissingIndicator(), ["country", "income"])]),
     LogisticRegression, "binary", True),
    ("ordinal_encoded_value", lambda: ColumnTransformer([("c", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                                                            encoded_missing_value=-3), CAT),
                                                        ("n", num_pipe(), NUM)]),
     DecisionTreeClassifier, "binary", True),
    ("ordinal_missing_value", lambda: ColumnTransformer([("c", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                                                              encoded_missing_value=-2), CAT),
                                                        ("n", num_pipe(), NUM)]),
     RandomForestClassifier, "multi", True),
    ("ordinal_error_known", lambda: ColumnTransformer([("c", cat_pipe(OrdinalEncoder()), CAT), ("p", "passthrough", ["age", "visits"])]),
     GradientBoostingClassifier, "binary", False),
    ("ordinal_ints", lambda: ColumnTransformer([("c", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=99), ["grade"]),
                                               ("n", num_pipe(RobustScaler()), NUM)]),
     DecisionTreeClassifier, "multi", True),
    ("multiclass_strings", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), NUM)]),
     LogisticRegression, "multi", True),
    ("ridge_regressor", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), NUM)]),
     Ridge, "reg", True),
    ("linear_regressor_ordinal", lambda: ColumnTransformer([("c", cat_pipe(OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)), CAT),
                                                           ("n", num_pipe(MinMaxScaler()), NUM)]),
     LinearRegression, "reg", True),
    ("tree_regressor", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), ["income"])], remainder="passthrough"),
     DecisionTreeRegressor, "reg", True),
    ("naive_bayes", lambda: ColumnTransformer([("c", ohe(sparse_output=False), CAT), ("n", num_pipe(), NUM)], sparse_threshold=0),
     GaussianNB, "multi", True),
    ("knn", lambda: ColumnTransformer([("c", ohe(), CAT), ("n", num_pipe(), NUM)]),
     lambda: KNeighborsClassifier(5), "binary", True),
    ("grade_and_remainder_drop", lambda: ColumnTransformer([("g", ohe(), ["grade"]), ("c", ohe(), ["country"])],
                                                          remainder="drop"),
     LogisticRegression, "binary", True),
]

FINAL_KW = {LogisticRegression: dict(max_iter=2000), RandomForestClassifier: dict(n_estimators=15, random_state=0),
            GradientBoostingClassifier: dict(n_estimators=20, random_state=0),
            DecisionTreeClassifier: dict(random_state=0, max_depth=8),
            DecisionTreeRegressor: dict(random_state=0, max_depth=8)}


def _frames(unseen, band=False):
    train, test = frame(600, 1), frame(600, 2, unseen=unseen)
    if band:  # a float column with NaN, one-hot encoded
        cut = lambda d: np.where(d["income"].isna(), np.nan, (d["income"] // 20000).clip(0, 4))  # noqa: E731
        train["income_band"], test["income_band"] = cut(train), cut(test)
    return train, test


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_pipeline(db, case):
    name, make_ct, final, kind, unseen = case
    i = [c[0] for c in CASES].index(name)
    train, test = _frames(unseen, band=name == "ohe_float_column_nan")
    if not unseen:  # handle_unknown='error': score only known categories (errors: below)
        test = test[test["country"].isin(train["country"].dropna()) | test["country"].isna()]
    y = target(train, i, kind)
    est = final() if not isinstance(final, type) else final(**FINAL_KW.get(final, {}))
    model = make_pipeline(make_ct(), est).fit(train, y)
    blob = dumps(model, FORMS[i % len(FORMS)])
    cols = load_frame(db, test)
    assert len(test) >= 500
    methods = [("predict", "model_predict")]
    if hasattr(model, "predict_proba") and kind != "reg":
        methods.append(("predict_proba", "model_predict_proba"))
    for meth, fn in methods:
        ref = getattr(model, meth)(test)
        for form in ("pos", "json"):
            ours = score(db, blob, fn, cols, form)
            if meth == "predict" and kind != "reg":
                compare_labels(ours, ref, "%s %s %s" % (name, meth, form))
            else:
                compare_floats(ours, ref, "%s %s %s" % (name, meth, form))
    # the same rows with every value TEXT (CSV .import): numbers read as Python's float() reads
    load_frame(db, test, name="t_text", as_text=True)
    ref = model.predict(test)
    ours = score(db, blob, "model_predict", cols, "pos", name="t_text")
    if kind == "reg":
        compare_floats(ours, ref, name + " text")
    else:
        compare_labels(ours, ref, name + " text")


def test_transform_of_column_transformer(db):
    train, test = _frames(True)
    ct = ColumnTransformer([("c", ohe(min_frequency=20, handle_unknown="infrequent_if_exist"), CAT),
                            ("o", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["grade"]),
                            ("n", num_pipe(), NUM), ("m", MissingIndicator(features="all"), ["income"])],
                           remainder="passthrough").fit(train)
    blob = dumps(ct, "p5")
    cols = load_frame(db, test)
    ref = ct.transform(test)
    for form in ("pos", "json"):
        compare_floats(score(db, blob, "model_transform", cols, form), ref, "transform " + form)
