"""LabelEncoder, LabelBinarizer and MultiLabelBinarizer pickled on their own: model_transform
maps a label (MultiLabelBinarizer: a JSON array of labels) to its code or binarized row and
model_inverse_transform maps it back, as scikit-learn does."""
import json

import random
import warnings

import numpy as np
import pytest
from sklearn.preprocessing import LabelBinarizer, LabelEncoder, MultiLabelBinarizer

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
        "model_inverse_transform: StandardScaler has no inverse (LabelEncoder, LabelBinarizer "
        "and MultiLabelBinarizer have one)")
    assert sql_error(db, "pickle_inverse_transform", "churn", 1).startswith(
        "pickle_inverse_transform: argument 1 is TEXT")


MULTI = [
    ("str", [["sci-fi", "drama"], ["comedy"], [], ["drama", "zürich", "b c"], [""]], {}),
    ("int", [[3, 7], [-1], [7, 100, 0]], {}),
    ("classes", [["a"]], {"classes": ["b", "a", "c"]}),  # classes_ unsorted, as given
    ("int_classes", [[1]], {"classes": [5, 1, 3]}),
    ("one", [["x"]], {}),
    ("sparse", [["p", "q"], ["r"]], {"sparse_output": True}),
]


@pytest.mark.parametrize("kind,sets,kw", MULTI, ids=[k for k, _, _ in MULTI])
def test_multilabel_binarizer(db, kind, sets, kw):
    mlb = MultiLabelBinarizer(**kw).fit(sets)
    classes = [c.item() if hasattr(c, "item") else c for c in mlb.classes_]
    rng = random.Random(0)
    # any labels: known ones (repeated), unknown ones of the same and the other type, and values
    # equal to a class under Python's dict lookup (1.0 and true for 1)
    pool = classes + ["nope", 99, 2.5, "7", True, False, 1.0, None]
    probes = [[]] + [[c] for c in pool] + [rng.sample(pool, rng.randint(1, len(pool)))
                                           for _ in range(60)]
    for form in FORMS:
        blob = dumps(mlb, form)
        for labels in probes:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "unknown class(es) ... will be ignored"
                want = mlb.transform([labels])
            want = want.toarray()[0] if hasattr(want, "toarray") else want[0]
            got = json.loads(sql_call(db, "model_transform", blob, json.dumps(labels)))
            assert got == want.tolist(), labels
            back = sql_call(db, "model_inverse_transform", blob, json.dumps(got))
            assert json.loads(back) == list(mlb.inverse_transform(np.array([want]))[0])
    # the labels as json_array(...) built in SQL
    got = db.execute("SELECT model_transform(?, json_array(?, 'nope'))",
                     (dumps(mlb), classes[-1])).fetchone()[0]
    want = mlb.transform([[classes[-1]]])
    assert json.loads(got) == (want.toarray() if hasattr(want, "toarray") else want)[0].tolist()


def test_multilabel_binarizer_errors(db):
    mlb = MultiLabelBinarizer().fit([["a", "b"], ["c"]])
    blob = dumps(mlb)
    assert sql_error(db, "model_transform", blob, "a") == (
        "model_transform: MultiLabelBinarizer takes a JSON array of labels (one sample), "
        "not 'a'")
    assert sql_error(db, "model_transform", blob, None) == (
        "model_transform: MultiLabelBinarizer takes a JSON array of labels (one sample), "
        "not NULL")
    assert sql_error(db, "model_transform", blob, '{"a": 1}') == (
        "model_transform: MultiLabelBinarizer takes a JSON array of labels (one sample), "
        "not '{\"a\": 1}'")
    assert sql_error(db, "model_transform", blob, '["a", ["b"]]') == (
        "model_transform: MultiLabelBinarizer: label 2 is an array: labels are strings or numbers")
    assert sql_error(db, "model_transform", blob, '["a",') == (
        "model_transform: bad JSON features at offset 5: expected a value")
    with pytest.raises(ValueError, match="Expected only 0s and 1s"):
        mlb.inverse_transform(np.array([[1, 0, 2]]))
    assert sql_error(db, "model_inverse_transform", blob, "[1, 0, 2]") == (
        "model_inverse_transform: MultiLabelBinarizer: expected only 0s and 1s in the label "
        "indicator, got 2 (value 3)")
    assert sql_error(db, "model_inverse_transform", blob, "[1, 0]") == (
        "model_inverse_transform: MultiLabelBinarizer expects 3 features, got 2")
    assert sql_call(db, "model_inverse_transform", blob, None) is None
    assert json.loads(sql_call(db, "model_inverse_transform", blob, "[0, 0, 0]")) == []
