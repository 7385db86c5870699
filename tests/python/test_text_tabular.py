"""A text column inside a DataFrame pipeline: ColumnTransformer routing one TEXT column to a
vectorizer beside numeric columns, then a classifier, scored in SQL against scikit-learn.

The vectorizer is a typed model with one PK_COL_TEXT column (pk_vectorizer.c), so it plugs into a
ColumnTransformer like an encoder: its sparse row is written dense into its block. scikit-learn
stacks the blocks as a sparse matrix and the classifier sums the row's non-zeros (csr_matvec),
the extension sums the dense row: the sums agree within 1e-12 relative (the bound asserted),
labels are identical. Rows are given positionally, by name (json_object) and through
model_score; NULL or a number in the text column is an error naming the vectorizer.
"""
import json
import pickle
import random

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from tabular import compare_floats, compare_labels
from textcorpus import corpus


def frame(seed, n):
    rng = random.Random(seed)
    docs = corpus(seed, n)
    return pd.DataFrame({"a": [rng.gauss(0, 3) for _ in range(n)],
                         "body": docs,
                         "b": [float(rng.randint(0, 40)) for _ in range(n)]})


TRAIN = frame(3, 500)
TEST = frame(4, 300)
Y = np.array(["spam" if ("e" in d[:12]) ^ (a > 1) else "ham"
              for d, a in zip(TRAIN["body"], TRAIN["a"])])
YM = np.array(["x", "y", "z"])[(TRAIN["b"].to_numpy() // 14).astype(int)]


CASES = {
    "tfidf_scaler_logreg": (lambda: ColumnTransformer([("txt", TfidfVectorizer(), "body"),
                                                       ("num", StandardScaler(), ["a", "b"])]),
                            lambda: LogisticRegression(max_iter=1000), Y),
    "tfidf_bigrams_remainder_logreg": (
        lambda: ColumnTransformer([("txt", TfidfVectorizer(ngram_range=(1, 2)), "body")],
                                  remainder=StandardScaler()),
        lambda: LogisticRegression(max_iter=1000), YM),
    "count_minmax_mnb": (lambda: ColumnTransformer([("txt", CountVectorizer(), "body"),
                                                    ("num", MinMaxScaler(), ["b"])]),
                         MultinomialNB, YM),
}


def load(db, df):
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL, body TEXT, b REAL)")
    db.executemany("INSERT INTO t(a, body, b) VALUES (?, ?, ?)",
                   [(float(r.a), r.body, float(r.b)) for r in df.itertuples()])


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_column(db, name):
    ct, est, y = CASES[name]
    model = make_pipeline(ct(), est()).fit(TRAIN, y)
    blob = pickle.dumps(model)
    load(db, TEST)
    cols = ["a", "body", "b"]
    want = model.predict(TEST)
    proba = model.predict_proba(TEST)
    pos = [r[0] for r in db.execute("SELECT model_predict(?, a, body, b) FROM t ORDER BY id",
                                    (blob,))]
    named = [r[0] for r in db.execute(
        "SELECT model_predict(?, json_object('b', b, 'body', body, 'a', a)) FROM t ORDER BY id",
        (blob,))]
    compare_labels(pos, want, name + " positional")
    compare_labels(named, want, name + " by name")
    got = [json.loads(r[0]) for r in db.execute(
        "SELECT model_predict_proba(?, a, body, b) FROM t ORDER BY id", (blob,))]
    compare_floats(got, proba, name + " predict_proba")
    scored = db.execute("SELECT key, prediction, probabilities FROM model_score(?, 't') "
                        "ORDER BY key", (blob,)).fetchall()
    assert [k for k, _, _ in scored] == list(range(1, len(TEST) + 1))
    compare_labels([p for _, p, _ in scored], want, name + " model_score")
    compare_floats([json.loads(p) for _, _, p in scored], proba, name + " model_score proba")
    # the transform alone: the vectorizer's block dense, beside the numeric block
    tr = model[0].transform(TEST)
    tr = tr.toarray() if hasattr(tr, "toarray") else tr
    ct_blob = pickle.dumps(model[0])
    got = [json.loads(r[0]) for r in db.execute(
        "SELECT model_transform(?, a, body, b) FROM t ORDER BY id LIMIT 40", (ct_blob,))]
    compare_floats(got, tr[:40], name + " transform")


def test_text_column_errors(db):
    model = make_pipeline(ColumnTransformer([("txt", TfidfVectorizer(), "body"),
                                             ("num", StandardScaler(), ["a", "b"])]),
                          LogisticRegression()).fit(TRAIN, Y)
    blob = pickle.dumps(model)

    def err(*args):
        try:
            db.execute("SELECT model_predict(%s)" % ",".join("?" * len(args)), args).fetchone()
        except Exception as e:  # sqlite3.OperationalError
            return str(e)
        return None

    assert err(blob, 1.0, None, 2.0) == \
        "model_predict: the document is NULL: TfidfVectorizer takes TEXT"
    assert err(blob, 1.0, 7, 2.0) == \
        "model_predict: the document is a number: TfidfVectorizer takes TEXT"
    assert err(blob, 1.0, b"x", 2.0) == \
        "model_predict: feature 2 ('body') is a BLOB: Pipeline takes numbers and text"
    assert err(blob, 1.0, "ok", "zz") == "model_predict: feature 3 ('b') is 'zz', not a number"
    assert db.execute("SELECT model_predict(?, 1.0, 'ok', 2.0)", (blob,)).fetchone()[0] in ("spam", "ham")
    info = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    assert info["supported"] and info["feature_names_in_"] == ["a", "body", "b"]
