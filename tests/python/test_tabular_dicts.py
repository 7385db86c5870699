"""DictVectorizer and FeatureHasher (ext/model/pk_dictvec.c): a row is one JSON document.

Every case is fitted with scikit-learn on 400 generated records (string, number, boolean and
list-of-strings values, keys missing at random) and scored in SQL on 300 others, with unseen
values and unknown keys; each record is given as a TEXT column holding json.dumps(record), and
the pipelines are also scored with the row built in SQL by json_object(...) over typed columns.
Checked on every row:
  - model_transform of a vectorizer alone equals transform(): the same columns (the sparse JSON
    object's keys are the CSR row's, repeated columns added up) and bit-identical values (float32
    compared as float32), or the dense row for DictVectorizer(sparse=False);
  - pipelines: labels identical, decision_function and regression values bit-identical (the sparse
    kernels add in scipy's order, the dense path in numpy's), predict_proba within 1e-13 relative
    (exp from libm versus numpy, as tests/python/test_text_models.py; the count of bit-identical
    rows is printed with pytest -s).
"""
import json
import math
import pickle
import random

import numpy as np
import pytest
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.feature_extraction import DictVectorizer, FeatureHasher
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from modelcheck import dumps

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CITIES = ["paris", "oslo", "lima", "tokyo", "zürich", "São Paulo", "", "a=b", "ΑΘΗΝΑ"]
TAGS = ["sun", "rain", "wind", "snow", "fog", "😀"]


def record(rng, unseen=False):
    r = {}
    if rng.random() < 0.9:
        r["city"] = rng.choice(CITIES + (["atlantis", "x\u00a0y"] if unseen else []))
    if rng.random() < 0.9:
        r["temp"] = round(rng.gauss(12, 9), rng.choice([0, 1, 3]))
    if rng.random() < 0.8:
        r["days"] = rng.randint(-3, 40)
    if rng.random() < 0.5:
        r["windy"] = rng.random() < 0.5
    if rng.random() < 0.7:
        r["tags"] = [rng.choice(TAGS) for _ in range(rng.randint(0, 4))]  # repeats, empty lists
    if rng.random() < 0.3:
        r["plan"] = rng.choice(["basic", "pro"])
    if unseen and rng.random() < 0.2:
        r["extra"] = rng.choice([1.5, "new", ["sun"]])
    keys = list(r)
    rng.shuffle(keys)
    return {k: r[k] for k in keys}


def records(seed, n, unseen=False):
    rng = random.Random(seed)
    return [record(rng, unseen) for _ in range(n)]


TRAIN = records(1, 400)
TEST = records(2, 300, unseen=True) + [{}, {"temp": 0}, {"city": "paris", "city2": "oslo"},
                                       {"tags": ["sun", "sun", "sun"]}, {"temp": -0.0},
                                       {"city": "oslo", "temp": 3.5,
                                        "tags": [TAGS[i * 7 % 6] for i in range(45)]}]


def ylab(recs, kind):
    out = []
    for r in recs:
        s = r.get("temp", 10) / 10 + len(r.get("tags", [])) - (r.get("city") == "oslo") * 2
        out.append(s)
    s = np.array(out)
    if kind == "bin":
        return (s > np.median(s)).astype(int)
    if kind == "multi":
        return np.array(["cold", "mild", "hot"])[np.digitize(s, np.quantile(s, [0.33, 0.66]))]
    return s


def hashed(recs, kind):
    """The records in a FeatureHasher input_type's form."""
    if kind == "dict":
        return [{k: v for k, v in r.items() if not isinstance(v, list)} for r in recs]
    if kind == "pair":
        return [[(k, v) for k, v in r.items() if not isinstance(v, list)] +
                [("tag", t) for t in r.get("tags", [])] for r in recs]
    return [["%s=%s" % (k, v) for k, v in r.items() if not isinstance(v, list)] + r.get("tags", [])
            for r in recs]


P = make_pipeline
f32 = np.float32

# name: (pipeline factory, FeatureHasher input form or None for the records, target kind)
PIPELINES = {
    "dv_logreg": (lambda: P(DictVectorizer(), LogisticRegression(max_iter=2000)), None, "bin"),
    "dv_dense_logreg": (lambda: P(DictVectorizer(sparse=False), LogisticRegression(max_iter=2000)),
                        None, "multi"),
    "dv_sep_nosort_svc": (lambda: P(DictVectorizer(separator="|", sort=False), LinearSVC(max_iter=20000)), None,
                          "multi"),
    "dv_f32_sgd": (lambda: P(DictVectorizer(dtype=f32), SGDClassifier(random_state=0)), None,
                   "bin"),
    "dv_ridge": (lambda: P(DictVectorizer(), Ridge()), None, "reg"),
    "dv_tree": (lambda: P(DictVectorizer(), DecisionTreeClassifier(random_state=0)), None,
                "multi"),
    "dv_dense_scaler_logreg": (lambda: P(DictVectorizer(sparse=False), StandardScaler(),
                                         LogisticRegression(max_iter=2000)), None, "bin"),
    "dv_maxabs_forest": (lambda: P(DictVectorizer(), MaxAbsScaler(),
                                   RandomForestClassifier(n_estimators=20, random_state=0)),
                         None, "multi"),
    "dv_dense_tfidf_logreg": (lambda: P(DictVectorizer(sparse=False), TfidfTransformer(),
                                        LogisticRegression(max_iter=2000)), None, "bin"),
    "dv_dense_hgb": (lambda: P(DictVectorizer(sparse=False),
                               HistGradientBoostingClassifier(max_iter=20, random_state=0)),
                     None, "bin"),
    # XGBoost reads a sparse row's absent entries as missing, a dense row's zeros as zeros
    "dv_xgb": (lambda: P(DictVectorizer(), xgb.XGBClassifier(n_estimators=15, max_depth=3)), None,
               "bin"),
    "dv_dense_xgb": (lambda: P(DictVectorizer(sparse=False),
                               xgb.XGBClassifier(n_estimators=15, max_depth=3)), None, "bin"),
    "fh_dict_logreg": (lambda: P(FeatureHasher(n_features=64), LogisticRegression(max_iter=2000)),
                       "dict", "bin"),
    "fh_pair_sgd": (lambda: P(FeatureHasher(n_features=2 ** 10, input_type="pair"),
                              SGDClassifier(loss="log_loss", random_state=0)), "pair", "multi"),
    "fh_string_mnb": (lambda: P(FeatureHasher(n_features=32, input_type="string",
                                              alternate_sign=False), MultinomialNB()),
                      "string", "multi"),
    "fh_f32_svc": (lambda: P(FeatureHasher(n_features=17, dtype=f32), LinearSVC(max_iter=20000)), "dict",
                   "bin"),
    "fh_tfidf_logreg": (lambda: P(FeatureHasher(n_features=128, input_type="string",
                                                alternate_sign=False), TfidfTransformer(),
                                  LogisticRegression(max_iter=2000)), "string", "bin"),
    "fh_pair_ridge": (lambda: P(FeatureHasher(n_features=8, input_type="pair"), Ridge()), "pair",
                      "reg"),
}


def inputs(form, recs):
    return recs if form is None else hashed(recs, form)


def docs(db, values):
    db.execute("DROP TABLE IF EXISTS docs")
    db.execute("CREATE TABLE docs(i INTEGER PRIMARY KEY, d TEXT)")
    db.executemany("INSERT INTO docs VALUES (?, ?)", [(i, json.dumps(v)) for i, v in enumerate(values)])


def column(db, fn, blob):
    return [r[0] for r in db.execute("SELECT %s(?, d) FROM docs ORDER BY i" % fn, (blob,))]


def close(a, b, rel):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.all(np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b)))


def same(a, b):
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline(db, name):
    make, form, kind = PIPELINES[name]
    xtrain, xtest = inputs(form, TRAIN), inputs(form, TEST)
    model = make().fit(xtrain, ylab(TRAIN, kind))
    blob = pickle.dumps(model)
    info = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    assert info["supported"] and info["input"] == "json", info
    docs(db, xtest)
    got = column(db, "model_predict", blob)
    want = model.predict(xtest)
    if kind == "reg":
        assert same(got, want), name
        return
    assert list(want) == got
    if "decision_function" in info["methods"] and hasattr(model, "decision_function"):
        for i, g in enumerate(column(db, "model_decision_function", blob)):
            g = json.loads(g) if isinstance(g, str) else g
            assert same(g, model.decision_function(xtest[i:i + 1])[0]), (name, xtest[i])
    if "predict_proba" in info["methods"]:
        want = model.predict_proba(xtest)
        n_same = 0
        for i, g in enumerate(column(db, "model_predict_proba", blob)):
            g = json.loads(g)
            assert close(g, want[i], 1e-13), (name, xtest[i], g, list(want[i]))
            n_same += same(g, want[i])
        print("%s: %d of %d probability rows bit-identical" % (name, n_same, len(xtest)))


def test_json_object_rows(db):
    """The row built in SQL: json_object over typed columns, json_array for the tags."""
    model = P(DictVectorizer(), LogisticRegression(max_iter=2000)).fit(TRAIN, ylab(TRAIN, "bin"))
    blob = dumps(model, "p5")
    db.execute("CREATE TABLE w(i INTEGER PRIMARY KEY, city TEXT, temp REAL, days INTEGER, t1 TEXT,"
               " t2 TEXT)")
    rows, recs = [], []
    rng = random.Random(5)
    for i in range(200):
        r = record(rng, unseen=True)
        tags = (r.get("tags") or [])[:2]
        row = (i, r.get("city"), r.get("temp"), r.get("days"),
               tags[0] if tags else None, tags[1] if len(tags) > 1 else None)
        rows.append(row)
        rec = {"city": row[1], "temp": row[2], "days": row[3], "tags": tags}
        recs.append({k: v for k, v in rec.items() if v is not None})
    db.executemany("INSERT INTO w VALUES (?, ?, ?, ?, ?, ?)", rows)
    # json_patch drops the members that are null (absent columns), as the records omit them
    q = """SELECT model_predict_proba(?, json_patch('{}', json_object(
               'city', city, 'temp', temp, 'days', days,
               'tags', json(CASE WHEN t2 IS NOT NULL THEN json_array(t1, t2)
                                 WHEN t1 IS NOT NULL THEN json_array(t1) ELSE '[]' END))))
             FROM w ORDER BY i"""
    got = [json.loads(r[0]) for r in db.execute(q, (blob,))]
    want = model.predict_proba(recs)
    for g, w, rec in zip(got, want, recs):
        assert close(g, w, 1e-13), rec


VECTORIZERS = {
    "dv": (lambda: DictVectorizer(), None),
    "dv_dense": (lambda: DictVectorizer(sparse=False), None),
    "dv_f32_sep": (lambda: DictVectorizer(dtype=f32, separator="::"), None),
    "dv_nosort_dense_f32": (lambda: DictVectorizer(sort=False, sparse=False, dtype=f32), None),
    "fh_dict": (lambda: FeatureHasher(n_features=16), "dict"),
    "fh_dict_nosign": (lambda: FeatureHasher(n_features=5, alternate_sign=False), "dict"),
    "fh_pair_f32": (lambda: FeatureHasher(n_features=3, input_type="pair", dtype=f32), "pair"),
    "fh_string_big": (lambda: FeatureHasher(input_type="string"), "string"),
}


@pytest.mark.parametrize("name", sorted(VECTORIZERS))
def test_transform_equals_sklearn(db, name):
    make, form = VECTORIZERS[name]
    xtrain = inputs(form, TRAIN)
    # values scikit-learn leaves alone in transform: None (NaN) for DictVectorizer, a NaN literal
    xtest = inputs(form, TEST) + ([{"temp": None, "city": "oslo"}] if form is None else
                                  [{"temp": math.nan}] if form == "dict" else [])
    v = make().fit(xtrain)
    docs(db, xtest)
    X = v.transform(xtest)
    dense = not hasattr(X, "tocsr")
    if not dense:
        X = X.tocsr()
        X.sum_duplicates()
    for i, g in enumerate(column(db, "model_transform", pickle.dumps(v))):
        g = json.loads(g)
        if dense:
            assert same(np.asarray([math.nan if x is None else x for x in g], dtype=X.dtype), X[i])
            continue
        lo, hi = X.indptr[i], X.indptr[i + 1]
        assert list(g) == [str(k) for k in X.indices[lo:hi]], (xtest[i], g)
        vals = [math.nan if x is None else x for x in g.values()]
        assert same(np.asarray(vals, dtype=X.dtype), X.data[lo:hi]), (xtest[i], g)


def test_hasher_rows_with_repeats(db):
    """Pairs naming a feature several times, values that cancel (the zero stays an entry), a
    hash of -2**31 would land on column 2**31 mod n_features."""
    fh = FeatureHasher(n_features=7, input_type="pair")
    rows = [[("a", 1.5), ("a", 2.25), ("b", -1.0), ("a", -3.75)], [("a", 0.0), ("b", "x")],
            [("k%d" % i, float(i)) for i in range(40)] + [("k3", 1.0)], [("x", 1e308), ("x", 1e308)]]
    docs(db, rows)
    X = fh.transform(rows)
    for i, g in enumerate(column(db, "model_transform", pickle.dumps(fh))):
        g = json.loads(g)
        lo, hi = X.indptr[i], X.indptr[i + 1]
        assert list(g) == [str(k) for k in X.indices[lo:hi]]
        vals = [math.inf if x == 9e999 else -math.inf if x == -9e999 else x for x in g.values()]
        assert same(vals, X.data[lo:hi]), (rows[i], g, X.data[lo:hi])


def err(db, fn, blob, arg):
    try:
        db.execute("SELECT %s(?, ?)" % fn, (blob, arg)).fetchone()
    except Exception as e:  # sqlite3.OperationalError
        return str(e)
    return None


def test_errors(db):
    dv = DictVectorizer().fit(TRAIN)
    b = pickle.dumps(dv)
    t = "model_transform"
    assert err(db, t, b, '[{"a": 1}]') == \
        "model_transform: DictVectorizer takes a JSON object (one sample), not '[{\"a\": 1}]'"
    assert err(db, t, b, "paris") == \
        "model_transform: DictVectorizer takes a JSON object (one sample), not 'paris'"
    assert err(db, t, b, '{"city": "paris",}') == \
        "model_transform: bad JSON features at offset 17: expected a key"
    assert err(db, t, b, '{"city": "paris"} x') == \
        "model_transform: bad JSON features at offset 18: text after the document"
    assert err(db, t, b, '{"tags": ["sun", 3]}') == (
        "model_transform: DictVectorizer: the list of 'tags' holds something else than strings "
        "(only lists of strings are supported, as in scikit-learn)")
    assert err(db, t, b, '{"city": {"name": "paris"}}') == (
        "model_transform: DictVectorizer: the value of 'city' is an object, not a string or a "
        "number (or a list of strings)")
    assert err(db, t, b, '{"temp": 1, "temp": 2}') == \
        "model_transform: DictVectorizer: the key 'temp' is given twice"
    assert err(db, t, b, None) == "model_transform: the document is NULL: DictVectorizer takes TEXT"
    assert err(db, t, b, 3) == "model_transform: the document is a number: DictVectorizer takes TEXT"
    assert err(db, t, b, b"{}") == \
        "model_transform: feature 1 is a BLOB: DictVectorizer takes JSON text"
    with pytest.raises(Exception, match=r"not valid UTF-8 \(byte 0xff at offset 9\)"):
        db.execute("SELECT model_transform(?, CAST(X'7B2263697479223A22FF227D' AS TEXT))",
                   (b,)).fetchone()
    # a None value is NaN: the model after the vectorizer refuses it, as scikit-learn does
    model = P(DictVectorizer(), LogisticRegression(max_iter=2000)).fit(TRAIN, ylab(TRAIN, "bin"))
    col = model[0].vocabulary_["temp"]
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.predict([{"temp": None}])
    assert err(db, "model_predict", pickle.dumps(model), '{"temp": null}') == (
        "model_predict: LogisticRegression cannot take missing values: column %d of the row is "
        "NaN" % col)

    fh = pickle.dumps(FeatureHasher(8))
    assert err(db, t, fh, '{"a": null}') == \
        "model_transform: FeatureHasher: the value of 'a' is null, not a string or a number"
    assert err(db, t, fh, '{"a": [1]}') == \
        "model_transform: FeatureHasher: the value of 'a' is an array, not a string or a number"
    assert err(db, t, fh, '["a"]') == \
        "model_transform: FeatureHasher takes a JSON object (one sample), not '[\"a\"]'"
    assert err(db, t, fh, '{"\\ud800": 1}') == (
        "model_transform: FeatureHasher: a feature name holds an unpaired surrogate "
        "(\\ud800-\\udfff): it is not valid UTF-8")
    pair = pickle.dumps(FeatureHasher(8, input_type="pair"))
    assert err(db, t, pair, '[[1, 2]]') == \
        "model_transform: FeatureHasher: feature names must be strings (input_type='pair')"
    assert err(db, t, pair, '["ab"]') == (
        "model_transform: FeatureHasher: input_type='pair' takes an array of [name, value] "
        "arrays")
    assert err(db, t, pair, '[["a", 1, 2]]') == (
        "model_transform: FeatureHasher: input_type='pair' takes an array of [name, value] "
        "arrays")
    strs = pickle.dumps(FeatureHasher(8, input_type="string"))
    assert err(db, t, strs, '["a", 1]') == \
        "model_transform: FeatureHasher: feature names must be strings (input_type='string')"
    assert err(db, t, strs, '{"a": 1}') == (
        "model_transform: FeatureHasher takes a JSON array of strings (one sample), not "
        "'{\"a\": 1}'")
    # refused at compile time
    dvi = DictVectorizer(dtype=np.int64).fit(TRAIN)
    sub = TRAIN[:80]
    dvs = DictVectorizer().fit(sub)
    hgb = HistGradientBoostingClassifier(max_iter=2).fit(dvs.transform(sub).toarray(),
                                                         ylab(sub, "bin"))
    for est, why in [(dvi, "DictVectorizer.dtype is an integer type: only float64 and float32 "
                      "are supported"),
                     (P(dvs, hgb), "Pipeline: HistGradientBoostingClassifier after "
                      "DictVectorizer: scikit-learn refuses sparse input for it")]:
        info = json.loads(db.execute("SELECT model_info(?)", (pickle.dumps(est),)).fetchone()[0])
        assert not info["supported"] and info["reason"] == why, info
    unfitted = pickle.dumps(DictVectorizer())
    assert err(db, t, unfitted, "{}") == \
        "model_transform: DictVectorizer is not fitted (no vocabulary_)"


def test_dense_missing_values_hgb(db):
    """A null value is NaN; DictVectorizer(sparse=False) hands it to a model that takes missing
    values (HistGradientBoosting) as scikit-learn does."""
    rng = random.Random(9)
    train = [dict(r, temp=None) if rng.random() < 0.2 and "temp" in r else r for r in TRAIN]
    test = [dict(r, temp=None) if rng.random() < 0.2 else r for r in TEST]
    model = P(DictVectorizer(sparse=False),
              HistGradientBoostingClassifier(max_iter=30, random_state=0)).fit(
        train, ylab(TRAIN, "multi"))
    docs(db, test)
    blob = pickle.dumps(model)
    assert column(db, "model_predict", blob) == list(model.predict(test))
    want = model.predict_proba(test)
    for g, w in zip(column(db, "model_predict_proba", blob), want):
        assert close(json.loads(g), w, 1e-13)


def test_column_transformer_column(db):
    """A DataFrame column of dicts (ColumnTransformer with a DictVectorizer on it): the cell is
    the JSON document, positionally, by name with the document as a nested json_object or as a
    JSON string. The ColumnTransformer's result is written dense (docs/tabular.md), so the
    probabilities agree within 1e-12 (a repeated column is one product there, two in scipy's
    sparse sum)."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    df = pd.DataFrame({"feats": TRAIN, "x": np.arange(len(TRAIN)) % 7 * 1.0})
    dt = pd.DataFrame({"feats": TEST, "x": np.arange(len(TEST)) % 5 * 1.0})
    model = P(ColumnTransformer([("dv", DictVectorizer(), "feats")], remainder="passthrough"),
              LogisticRegression(max_iter=3000)).fit(df, ylab(TRAIN, "bin"))
    blob = pickle.dumps(model)
    want = model.predict_proba(dt)
    db.execute("CREATE TABLE f(i INTEGER PRIMARY KEY, feats TEXT, x REAL)")
    db.executemany("INSERT INTO f VALUES (?, ?, ?)",
                   [(i, json.dumps(r), x) for i, (r, x) in enumerate(zip(TEST, dt.x))])
    for args in ["feats, x", "json_object('x', x, 'feats', json(feats))",
                 "json_object('feats', feats, 'x', x)"]:
        got = [json.loads(r[0]) for r in db.execute(
            "SELECT model_predict_proba(?, %s) FROM f ORDER BY i" % args, (blob,))]
        assert close(got, want, 1e-12), args
