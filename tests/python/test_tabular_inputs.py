"""Typed and named inputs: TEXT read as numbers exactly as Python's float() reads it, the
json_object call form, and the errors of typed scoring (unknown categories, missing names,
values that are not numbers), checked against Python and scikit-learn."""
import sqlite3

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from conftest import sql_call, sql_error
from modelcheck import dumps
from tabular import frame, target

# Texts Python's float() accepts or refuses; the SQL side must agree on each one.
TEXTS = [
    "3.5", " 42 ", "1e3", "1E-3", "-0", "+7", ".5", "5.", "1_000", "1_000.000_1", "1e1_0",
    "nan", "NaN", "-nan", "+nAn", "inf", "-inf", "Infinity", "-INFINITY", "infinit", "in f",
    "\t3.5\n", "\u00a03\u2003", "\u0661\u0662", "\uff11\uff12.5", "1.7976931348623159e308",
    "1e-400", "00012", "0_0", "", "  ", ".", "1e", "1e+", "e3", "0x10", "1__0", "_1", "1_",
    "1_.5", "1._5", "1,5", "abc", "1 2", "--1", "+-1", "1e3.5", "١٫٥", "3\x00", "12" * 200,
    "0." + "0" * 300 + "1", "123456789012345678901234567890", "4.9e-324", "2.4703282292062328e-324",
    "0.1", "0.30000000000000004", "9007199254740993",
]


def py_float(t):
    try:
        return float(t)
    except ValueError:
        return None


@pytest.fixture(scope="module")
def identity():
    sc = StandardScaler(with_mean=False, with_std=False).fit(np.zeros((2, 1)))
    return dumps(sc, "p4")


@pytest.mark.parametrize("text", TEXTS)
def test_text_reads_like_python_float(db, identity, text):
    want = py_float(text)
    if len(text.encode()) > 512 and want is not None:
        want = None  # documented: longer texts are refused (pk_pyfloat.h)
    if want is None:
        err = sql_error(db, "model_transform", identity, text)
        assert err is not None and "not a number" in err, err
        return
    if want in (float("inf"), float("-inf")):  # read as an infinity, refused like sklearn
        assert sql_error(db, "model_transform", identity, text) == (
            "model_transform: StandardScaler cannot take infinities: feature 1 is infinite")
        return
    got = sql_call(db, "model_transform", identity, text)
    if want != want:
        assert got == "[null]"  # JSON results write NaN as null
    else:
        import json
        v = json.loads(got)[0]
        assert v == want and str(v) == str(want), (text, got, want)


def test_numpy_object_column_agrees():
    # what scikit-learn does with a DataFrame column of numeric strings
    col = np.array(["1_000", " 4 ", "\u0661", "1e3", "-inf"], dtype=object)
    assert col.astype(float).tolist() == [py_float(t) for t in col]


@pytest.fixture(scope="module")
def churn():
    df = frame(600, 5)
    ct = ColumnTransformer([("c", OneHotEncoder(), ["country", "plan"]),
                            ("o", OrdinalEncoder(), ["grade"]),
                            ("n", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income"])])
    df = df[df["country"].notna()]
    model = make_pipeline(ct, LogisticRegression(max_iter=1000)).fit(
        df[["country", "plan", "grade", "age", "income"]], target(df))
    return model, dumps(model, "p5")


def test_named_and_positional_forms_agree(db, churn):
    model, blob = churn
    row = pd.DataFrame({"country": ["fr"], "plan": ["pro"], "grade": [3], "age": [41],
                        "income": [52000.5]})
    want = model.predict_proba(row)[0].tolist()
    pos = sql_call(db, "model_predict_proba", blob, "fr", "pro", 3, 41, 52000.5)
    named = db.execute("SELECT model_predict_proba(?, json_object('income', 52000.5, 'age', 41, "
                       "'plan', 'pro', 'grade', 3, 'country', 'fr'))", (blob,)).fetchone()[0]
    text = sql_call(db, "model_predict_proba", blob, "fr", "pro", "3", " 41", "52_000.5")
    import json
    for got in (pos, named, text):
        assert json.loads(got) == pytest.approx(want, rel=1e-12)
    # a JSON array in training order, and JSON text passed as a plain string
    arr = sql_call(db, "model_predict_proba", blob, '["fr", "pro", 3, 41, 52000.5]')
    assert json.loads(arr) == pytest.approx(want, rel=1e-12)
    # the pickle_* form (BLOB only) reads the same arguments
    assert db.execute("SELECT pickle_predict(?, json_object('income', 52000.5, 'age', 41, "
                      "'plan', 'pro', 'grade', 3, 'country', 'fr'))", (blob,)).fetchone()[0] == \
        model.predict(row)[0]


def test_typed_errors(db, churn):
    _, blob = churn
    e = lambda *a: sql_error(db, "model_predict", blob, *a)  # noqa: E731
    assert e("xx", "pro", 3, 41, 1.0) == (
        "model_predict: OneHotEncoder: feature 1 ('country') has the unknown category 'xx' "
        "(fitted categories: 'br', 'de', 'es', 'fr', 'it' and 5 more)")
    assert e("fr", "pro", 7, 41, 1.0) == (
        "model_predict: OrdinalEncoder: feature 1 ('grade') has the unknown category 7 "
        "(fitted categories: 1, 2, 3, 4)")
    assert e(None, "pro", 3, 41, 1.0) == (
        "model_predict: OneHotEncoder: feature 1 ('country') has the unknown category NULL "
        "(fitted categories: 'br', 'de', 'es', 'fr', 'it' and 5 more)")
    assert e("fr", "pro", 3, "forty", 1.0) == "model_predict: feature 4 ('age') is 'forty', not a number"
    assert e("fr", "pro", 3, 41) == ("model_predict: Pipeline expects 5 features (country, plan, "
                                     "grade, age, income), got 4")
    assert e("fr", "pro", 3, 41, b"\x00") == ("model_predict: feature 5 ('income') is a BLOB: "
                                              "Pipeline takes numbers and text")
    names = "'country', 'plan', 'grade', 'age', 'income'"
    err = db.execute
    with pytest.raises(sqlite3.OperationalError) as ex:
        err("SELECT model_predict(?, json_object('country', 'fr', 'plan', 'pro', 'grade', 3, "
            "'age', 41, 'salary', 1))", (blob,)).fetchone()
    assert str(ex.value) == "model_predict: unknown feature 'salary' (Pipeline expects %s)" % names
    with pytest.raises(sqlite3.OperationalError) as ex:
        err("SELECT model_predict(?, json_object('country', 'fr', 'plan', 'pro', 'grade', 3, "
            "'age', 41))", (blob,)).fetchone()
    assert str(ex.value) == "model_predict: missing feature 'income' (Pipeline expects %s)" % names
    # numeric models: NULL where missing values are refused names the feature
    lr = dumps(LogisticRegression().fit(pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [1.0, 0, 1, 0]}),
                                        [0, 1, 0, 1]))
    assert sql_error(db, "model_predict", lr, 1, None) == (
        "model_predict: LogisticRegression cannot take missing values: feature 2 ('b') is NULL")
    assert sql_error(db, "model_predict", lr, "1", "x") == "model_predict: feature 2 ('b') is 'x', not a number"


def test_many_names_are_truncated(db):
    cols = ["feature_%02d" % i for i in range(20)]
    X = pd.DataFrame(np.arange(80.0).reshape(4, 20), columns=cols)
    blob = dumps(StandardScaler().fit(X))
    err = sql_error(db, "model_transform", blob, '{"nope": 1}')
    assert err == ("model_transform: unknown feature 'nope' (StandardScaler expects "
                   "'feature_00', 'feature_01', 'feature_02', 'feature_03', 'feature_04', "
                   "'feature_05', 'feature_06', 'feature_07', ... (20 names))")
    assert sql_error(db, "model_transform", blob, 1, 2).startswith(
        "model_transform: StandardScaler expects 20 features (feature_00, feature_01, ")


def test_object_imputer_alone(db):
    df = pd.DataFrame({"c": ["a", np.nan, "b", "a"], "d": ["x", "y", np.nan, "y"]})
    imp = SimpleImputer(strategy="most_frequent").fit(df)
    blob = dumps(imp)
    assert sql_call(db, "model_transform", blob, None, "q") == '["a","q"]'
    assert sql_call(db, "model_transform", blob, "b", None) == '["b","y"]'
    assert sql_error(db, "model_predict", blob, "b", None) == "model_predict: SimpleImputer has no predict"


def test_model_score_whole_table(db):
    """model_score(m, 'table') matches columns by name (any order, extra columns ignored) and
    gives scikit-learn's labels and probabilities with the rows' keys."""
    import json
    from tabular import load_frame
    train, test = frame(600, 7), frame(600, 8, unseen=True)
    cols = ["country", "plan", "age", "income"]
    ct = ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore"), ["country", "plan"]),
                            ("n", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income"])])
    model = make_pipeline(ct, LogisticRegression(max_iter=1000)).fit(train[cols], target(train))
    blob = dumps(model, "joblib")
    shuffled = test[["income", "score", "plan", "age", "country"]]  # other order, extra column
    load_frame(db, shuffled, name="src")
    rows = db.execute("SELECT key, prediction, probabilities FROM model_score(?, 'src') "
                      "ORDER BY key", (blob,)).fetchall()
    assert [r[0] for r in rows] == list(range(1, len(test) + 1))
    assert [r[1] for r in rows] == model.predict(test[cols]).tolist()
    ours = np.array([json.loads(r[2]) for r in rows])
    ref = model.predict_proba(test[cols])
    assert np.all(np.abs(ours - ref) <= 1e-12 * np.abs(ref))
    # a single-column primary key is the key; a regressor has no probabilities
    db.execute("CREATE TABLE pk(code TEXT PRIMARY KEY, age, income, plan, country)")
    db.execute("INSERT INTO pk VALUES ('a1', 30, 1000.0, 'pro', 'fr'), ('b2', 50, NULL, 'basic', NULL)")
    got = db.execute("SELECT key, prediction FROM model_score(?, 'pk') ORDER BY key", (blob,)).fetchall()
    assert [g[0] for g in got] == ["a1", "b2"]
    from sklearn.linear_model import Ridge
    reg = dumps(make_pipeline(ct, Ridge()).fit(train[cols], train["visits"]))
    got = db.execute("SELECT prediction, probabilities FROM model_score(?, 'pk') ORDER BY key", (reg,)).fetchall()
    assert got[0][1] is None and isinstance(got[0][0], float)
    # errors
    with pytest.raises(sqlite3.OperationalError) as ex:
        db.execute("SELECT * FROM model_score(?, 'nope')", (blob,)).fetchall()
    assert str(ex.value) == "model_score: no such table: nope"
    db.execute("CREATE TABLE few(age, income)")
    with pytest.raises(sqlite3.OperationalError) as ex:
        db.execute("SELECT * FROM model_score(?, 'few')", (blob,)).fetchall()
    assert str(ex.value) == "model_score: table few has no column 'country', 'plan'"
    plain = dumps(LogisticRegression().fit(np.eye(3), [0, 1, 1]))
    with pytest.raises(sqlite3.OperationalError) as ex:
        db.execute("SELECT * FROM model_score(?, 'few')", (plain,)).fetchall()
    assert "has no feature_names_in_" in str(ex.value)
    with pytest.raises(sqlite3.OperationalError):
        db.execute("SELECT * FROM model_score").fetchall()
    assert db.execute("SELECT count(*) FROM model_score(NULL, 'pk')").fetchone()[0] == 0
    # DIRECTONLY: a view cannot use it
    db.execute("CREATE VIEW v AS SELECT * FROM model_score(x'00', 'pk')")
    with pytest.raises(sqlite3.OperationalError) as ex:
        db.execute("SELECT * FROM v").fetchall()
    assert "unsafe use of virtual table" in str(ex.value)


@pytest.mark.parametrize("attr", ["_feature_names_in", "_df_columns"])
def test_column_names_of_scikit_learn_before_1_0(db, attr):
    """scikit-learn 0.2x kept the DataFrame's columns as _feature_names_in / _df_columns."""
    df = frame(600, 9)
    df = df[df["country"].notna()]
    cols = ["country", "plan", "age", "visits"]
    ct = ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore"), ["country", "plan"]),
                            ("n", StandardScaler(), ["age", "visits"])])
    model = make_pipeline(ct, LogisticRegression(max_iter=1000)).fit(df[cols], target(df))
    want = model.predict_proba(df[cols][:50])[:, 1]
    del ct.feature_names_in_  # the Pipeline's is a property reading its first step's
    ct.__dict__[attr] = pd.Index(cols) if attr == "_df_columns" else np.array(cols, dtype=object)
    blob = dumps(model, "p2")
    import json
    got = [json.loads(sql_call(db, "model_predict_proba", blob, *r))[1]
           for r in df[cols][:50].itertuples(index=False)]
    assert got == pytest.approx(list(want), rel=1e-12)
    named = db.execute("SELECT model_predict(?, json_object('visits', 3, 'age', 40, 'plan', 'pro', "
                       "'country', 'fr'))", (blob,)).fetchone()[0]
    assert named in (0, 1)
