"""LabelEncoder and LabelBinarizer pickled on their own: model_transform maps a label to its
code (or binarized row) and model_inverse_transform maps it back, as scikit-learn does."""
import json

import numpy as np
import pytest
from sklearn.preprocessing import LabelBinarizer, LabelEncoder

from conftest import sql_call, sql_error
from modelcheck import FORMS, dumps

LABELS = [
    ("str", ["paris", "tokyo", "amsterdam", "paris", "zürich", "", "b c"]),
    ("int", [3, 7, -1, 7, 100, 0]),
    ("float", [0.5, 2.25, -1.0, 0.5, 1e10]),
    ("numpy_str", list(np.array(["x", "yy", "zzz", "x"]))),
]


@pytest.mark.parametrize("kind,labels", LABELS, ids=[k for k, _ in LABELS])
def test_label_encoder(db, kind, labels):
    le = LabelEncoder().fit(labels)
    for i, form in enumerate(FORMS):
        blob = dumps(le, form)
        for lab in le.classes_:
            v = lab.item() if hasattr(lab, "item") else lab
            code = sql_call(db, "model_transform", blob, v)
            assert code == int(le.transform([lab])[0]) and isinstance(code, int)
            back = sql_call(db, "model_inverse_transform", blob, code)
            assert back == le.inverse_transform([code])[0]
            if kind in ("int", "float"):  # numbers given as TEXT find numeric labels (CSV import)
                assert sql_call(db, "model_transform", blob, repr(v)) == code
    blob = dumps(le)
    assert sql_error(db, "model_transform", blob, "nope").startswith(
        "model_transform: LabelEncoder: 'nope' is not a known label (classes_: ")
    assert sql_error(db, "model_inverse_transform", blob, len(le.classes_)) == (
        "model_inverse_transform: LabelEncoder: %d is not a code (0 to %d)"
        % (len(le.classes_), len(le.classes_) - 1))
    assert sql_call(db, "model_inverse_transform", blob, None) is None


@pytest.mark.parametrize("labels,kw", [
    (["a", "b", "c", "a"], {}),
    (["no", "yes", "yes"], {}),
    ([3, 7, 7, 3], {"neg_label": -1, "pos_label": 2}),
    ([1, 2, 3, 4, 5], {"neg_label": -2, "pos_label": 5}),
    (["only"], {}),
])
def test_label_binarizer(db, labels, kw):
    lb = LabelBinarizer(**kw).fit(labels)
    blob = dumps(lb, "p5")
    probe = list(lb.classes_) + (["unseen"] if isinstance(labels[0], str) else [99])
    for lab in probe:
        v = lab.item() if hasattr(lab, "item") else lab
        got = json.loads(sql_call(db, "model_transform", blob, v))
        assert got == lb.transform([lab])[0].tolist()
    rng = np.random.default_rng(0)
    width = lb.transform(labels[:1]).shape[1]
    for _ in range(50):
        row = rng.normal(size=width).round(3).tolist()
        want = lb.inverse_transform(np.array([row]))[0]
        got = sql_call(db, "model_inverse_transform", blob, json.dumps(row) if width > 1 else row[0])
        assert got == (want.item() if hasattr(want, "item") else want)
    assert sql_error(db, "model_inverse_transform", blob, "[1, 2, 3, 4, 5, 6, 7]") is not None


def test_inverse_of_other_models(db):
    from sklearn.preprocessing import StandardScaler
    blob = dumps(StandardScaler().fit([[1.0], [2.0]]))
    assert sql_error(db, "model_inverse_transform", blob, 1) == (
        "model_inverse_transform: StandardScaler has no inverse (LabelEncoder and "
        "LabelBinarizer have one)")
    assert sql_error(db, "pickle_inverse_transform", "churn", 1).startswith(
        "pickle_inverse_transform: argument 1 is TEXT")
