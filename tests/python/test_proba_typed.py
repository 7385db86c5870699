"""model_proba and model_predict_proba_blob on typed rows: a DataFrame pipeline
(ColumnTransformer with OneHotEncoder and a TfidfVectorizer column) given positionally and by
name, and a text pipeline given one document, equal model_predict_proba's JSON on every row."""
import json
import pickle
import struct

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from textcorpus import corpus


def test_proba_forms_typed(db):
    n = 300
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"city": rng.choice(["oslo", "lima", "rome"], n),
                       "body": corpus(11, n), "x": rng.normal(size=n)})
    y = np.where((df["city"] == "oslo") ^ (df["x"] > 0), "yes", "no")
    model = make_pipeline(ColumnTransformer([("c", OneHotEncoder(), ["city"]),
                                             ("t", TfidfVectorizer(), "body"),
                                             ("n", StandardScaler(), ["x"])]),
                          LogisticRegression()).fit(df, y)
    blob = pickle.dumps(model)
    db.execute("CREATE TABLE t(city TEXT, body TEXT, x REAL)")
    db.executemany("INSERT INTO t VALUES (?, ?, ?)", df.itertuples(index=False, name=None))
    # json_object writes REAL with 15 significant digits: the named forms are compared with
    # model_predict_proba of the same JSON row
    rows = db.execute(
        "SELECT model_predict_proba(?1, city, body, x), model_proba(?1, 'yes', city, body, x), "
        "model_predict_proba_blob(?1, city, body, x), model_predict_proba(?1, j), "
        "model_proba(?1, 'no', j), model_predict_proba_blob(?1, j) "
        "FROM (SELECT *, json_object('x', x, 'body', body, 'city', city) AS j FROM t) "
        "ORDER BY rowid", (blob,)).fetchall()
    assert len(rows) == n
    ref_all = model.predict_proba(df)
    for (js, p_yes, b, jsn, p_no, bn), want in zip(rows, ref_all):
        ref, refn = json.loads(js), json.loads(jsn)  # classes_ ['no', 'yes']
        assert p_yes == ref[1] and list(struct.unpack("<2d", b)) == ref
        assert p_no == refn[0] and list(struct.unpack("<2d", bn)) == refn
        assert np.allclose(ref, want, rtol=1e-12, atol=0)


def test_proba_forms_text(db):
    docs = corpus(12, 200)
    y = ["a" if "e" in d[:10] else "b" for d in docs]
    blob = pickle.dumps(make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, y))
    for d in docs[:50]:
        js, pa, b = db.execute("SELECT model_predict_proba(?1, ?2), model_proba(?1, 'a', ?2), "
                               "model_predict_proba_blob(?1, ?2)", (blob, d)).fetchone()
        ref = json.loads(js)
        assert pa == ref[0] and list(struct.unpack("<2d", b)) == ref
