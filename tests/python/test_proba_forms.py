"""model_proba (one class as REAL) and model_predict_proba_blob (float64 BLOB) give the doubles of
model_predict_proba's JSON, on every row, for every label type; and their errors.
"""
import json
import pickle

import numpy as np
import pytest


def fitted(kind, labels):
    from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingClassifier,
                                  RandomForestClassifier)
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    idx = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.7) * (len(labels) > 2)
    y = np.array(labels, dtype=object if isinstance(labels[0], str) else None)[idx]
    if isinstance(labels[0], str):
        y = y.astype(str)
    est = {"lr": LogisticRegression(max_iter=500), "rf": RandomForestClassifier(15, random_state=0),
           "gb": GradientBoostingClassifier(n_estimators=15, random_state=0),
           "hgb": HistGradientBoostingClassifier(max_iter=15, random_state=0),
           "nb": GaussianNB()}[kind]
    return est.fit(X, y), X


CASES = [("lr", ["no", "maybe", "yes"]), ("rf", [3, 7]), ("gb", [False, True]),
         ("hgb", [1.0, 2.0, 3.0]), ("nb", [-1, 1])]


@pytest.mark.parametrize("kind,labels", CASES)
def test_forms_equal_the_json(db, kind, labels):
    m, X = fitted(kind, labels)
    blob = pickle.dumps(m, protocol=4)
    classes = [c.item() if hasattr(c, "item") else c for c in m.classes_]
    sql_labels = [int(c) if isinstance(c, bool) else c for c in classes]
    for row in X[:120].tolist():
        js = json.loads(db.execute("SELECT model_predict_proba(?, ?, ?, ?, ?)",
                                   (blob, *row)).fetchone()[0])
        raw = db.execute("SELECT model_predict_proba_blob(?, ?, ?, ?, ?)",
                         (blob, *row)).fetchone()[0]
        assert np.frombuffer(raw, dtype=np.float64).tolist() == js
        for i, lab in enumerate(sql_labels):
            got = db.execute("SELECT model_proba(?, ?, ?, ?, ?, ?), pickle_proba(?, ?, ?, ?, ?, ?)",
                             (blob, lab, *row, blob, lab, *row)).fetchone()
            assert got == (js[i], js[i]), (lab, got, js)
    # and the JSON is scikit-learn's (within the documented 1e-12 where exp enters)
    want = m.predict_proba(np.array([row]))[0]
    assert np.allclose(js, want, rtol=1e-12, atol=0), (js, want.tolist())


def test_labels_by_value_and_errors(db):
    m, X = fitted("rf", [3, 7])
    blob = pickle.dumps(m, protocol=4)
    row = X[0].tolist()
    p7 = db.execute("SELECT model_proba(?, 7, ?, ?, ?, ?)", (blob, *row)).fetchone()[0]
    assert db.execute("SELECT model_proba(?, 7.0, ?, ?, ?, ?)", (blob, *row)).fetchone()[0] == p7
    assert db.execute("SELECT model_proba(?, NULL, ?, ?, ?, ?)", (blob, *row)).fetchone()[0] \
        is None
    assert db.execute("SELECT model_proba(NULL, 7, 1, 2, 3, 4)").fetchone()[0] is None
    # features as one JSON array, as for every model_* function
    assert db.execute("SELECT model_proba(?, 7, ?)", (blob, json.dumps(row))).fetchone()[0] == p7
    errors = [
        ("SELECT model_proba(?, 5, 1, 2, 3, 4)", (blob,),
         "model_proba: RandomForestClassifier has no class '5'"),
        ("SELECT model_proba(?, '7', 1, 2, 3, 4)", (blob,),
         "model_proba: RandomForestClassifier has no class '7'"),
        ("SELECT model_proba(?, 7, 1, 2)", (blob,),
         "model_proba: RandomForestClassifier expects 4 features, got 2"),
        ("SELECT model_proba(?)", (blob,), "model_proba: expects a model, a class label"),
        ("SELECT model_predict_proba_blob()", (), "model_predict_proba_blob: expects a model"),
        ("SELECT pickle_proba('m', 7, 1, 2, 3, 4)", (), "pickle_proba: argument 1 is TEXT"),
        ("SELECT model_predict_proba_blob(?, 1, 2, 3, NULL)", (blob,), "missing values"),
    ]
    for sql, params, msg in errors:
        with pytest.raises(Exception, match=msg.replace("(", r"\(")):
            db.execute(sql, params).fetchone()
    from sklearn.cluster import KMeans
    km = pickle.dumps(KMeans(2, n_init=2, random_state=0).fit(X))
    for fn in ("model_proba(?, 1, 1, 2, 3, 4)", "model_predict_proba_blob(?, 1, 2, 3, 4)"):
        with pytest.raises(Exception, match="KMeans has no predict_proba"):
            db.execute("SELECT " + fn, (km,)).fetchone()
