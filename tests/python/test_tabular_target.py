"""TargetEncoder (scikit-learn >= 1.3) scored in SQL: ext/model/pk_encoders.c.

scikit-learn 1.2.1 has no TargetEncoder, so the pickles are made with tests/python/
target_encoder.py, a stand-in written from the documented attributes that pickles under the real
class name. Its transform is the documented lookup; the C code must agree with it on every row:
bit-identical encodings (a lookup copies the fitted value), unseen and missing categories
encoded as target_mean_. Then pipelines whose other steps are real scikit-learn 1.2.1
estimators (ColumnTransformer, scalers, LogisticRegression, Ridge) are scored on 600 unseen
rows positionally, by name (json_object) and from an all-TEXT copy of the table: labels
identical, floats within 1e-12 relative.
"""
import json

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import target_encoder
from modelcheck import FORMS, dumps
from tabular import compare_floats, compare_labels, frame, load_frame, score, target

TE = target_encoder.make
CAT = ["country", "plan"]
NUM = ["age", "income", "visits", "score"]


def num_pipe():
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler())


@pytest.fixture(scope="module")
def data():
    train, test = frame(600, seed=3), frame(600, seed=4, unseen=True)
    # a category fit never saw and missing values where fit saw none (plan, grade)
    test.loc[test.index[::50], "plan"] = None
    return train, test


# name: (estimator factory, target kind, columns it reads)
ENCODERS = {
    "binary_auto": (lambda: TE(), "binary", CAT + ["grade"]),
    "continuous_smooth": (lambda: TE(smooth=5.0), "reg", CAT + ["grade"]),
    "multiclass": (lambda: TE(smooth=0.5), "multi", CAT),
    "explicit_categories": (lambda: TE(categories=[["de", "fr", "us", "xx"], ["basic", "pro"],
                                                   [1, 2, 3, 4, 7]]), "binary", CAT + ["grade"]),
    "continuous_as_binary": (lambda: TE(target_type="continuous"), "binary", ["country"]),
}


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_transform(db, data, name):
    make, kind, cols = ENCODERS[name]
    train, test = data
    te = make().fit(train[cols], target(train, kind=kind))
    want = te.transform(test[cols])
    for i, form in enumerate(FORMS[:3]):
        blob = dumps(te, form)
        for as_text, call in [(False, "pos"), (False, "json"), (True, "pos")]:
            load_frame(db, test[cols], as_text=as_text)
            got = [json.loads(v) for v in score(db, blob, "model_transform", cols, call)]
            assert np.array_equal(np.asarray(got), want), (name, form, as_text, call)
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(te),)).fetchone()[0])
    assert info["class"] == "sklearn.preprocessing._target_encoder.TargetEncoder"
    assert info["supported"] and info["methods"] == ["transform"], info


PIPELINES = {
    "ct_logreg": (lambda: make_pipeline(
        ColumnTransformer([("te", TE(), CAT + ["grade"]), ("n", num_pipe(), NUM)]),
        LogisticRegression(max_iter=1000)), "binary"),
    "ct_multi_logreg": (lambda: make_pipeline(
        ColumnTransformer([("te", TE(), CAT), ("n", num_pipe(), NUM)]),
        LogisticRegression(max_iter=1000)), "multi"),
    "ct_ridge": (lambda: make_pipeline(
        ColumnTransformer([("te", TE(smooth=2.0), CAT), ("n", num_pipe(), ["age", "income"])],
                          remainder="drop"), Ridge()), "reg"),
    "te_scaler_logreg": (lambda: make_pipeline(TE(), StandardScaler(),
                                               LogisticRegression()), "binary"),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline(db, data, name):
    make, kind = PIPELINES[name]
    train, test = data
    cols = CAT + ["grade"] if name.startswith("te_") else list(train.columns)
    model = make().fit(train[cols], target(train, kind=kind))
    blob = dumps(model, "joblib")
    for as_text in (False, True):
        load_frame(db, test[cols], as_text=as_text)
        for call in ("pos", "json"):
            got = score(db, blob, "model_predict", cols, call)
            if kind == "reg":
                compare_floats(got, model.predict(test[cols]), name)
                continue
            compare_labels(got, model.predict(test[cols]), name)
            compare_floats([json.loads(v) for v in
                            score(db, blob, "model_predict_proba", cols, call)],
                           model.predict_proba(test[cols]), name)


def test_refused(db, data):
    train, _ = data
    te = TE().fit(train[CAT], target(train))
    te.target_type_ = "multilabel-indicator"
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(te),)).fetchone()[0])
    assert info["reason"] == "TargetEncoder.target_type_ 'multilabel-indicator' is not supported"
    te = TE().fit(train[CAT], target(train))
    te.encodings_ = te.encodings_[:1]
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(te),)).fetchone()[0])
    assert info["reason"] == "TargetEncoder.encodings_ has 1 arrays, expected 2"
    te = TE().fit(train[CAT], target(train))
    del te.encodings_
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(te),)).fetchone()[0])
    assert info["reason"] == "TargetEncoder is not fitted (no encodings_)"
