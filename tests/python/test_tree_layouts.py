"""Tree pickles in layouts Debian's scikit-learn 1.2.1 cannot write, and corrupt trees.

The fixture rewrites a 1.2.1 pickle's Tree state while pickling (Pickler.reducer_override),
from the facts in docs/formats.md (dtypes; scikit-learn internals):
  - scikit-learn >= 1.3 node record: the 7 fields of 1.2 plus missing_go_to_left (u1), itemsize
    64 (fields at the same offsets, the new one at 56);
  - scikit-learn >= 1.4.1 `values`: weighted fractions (each row divided by its sum) instead of
    weighted counts.
Expectations are computed by hand here (a plain Python descent implementing the documented
rule: NaN goes left iff missing_go_to_left, else float32(x) <= threshold), not by scikit-learn.
Corrupt trees (child out of range, a cycle, a feature beyond n_features, a wrong field type)
must fail at compile time with a clean error.
"""
import io
import json
import pickle

import numpy as np
import pytest
from sklearn import ensemble, tree
from sklearn.datasets import make_classification
from sklearn.tree._tree import Tree

NODE13 = np.dtype({
    "names": ["left_child", "right_child", "feature", "threshold", "impurity",
              "n_node_samples", "weighted_n_node_samples", "missing_go_to_left"],
    "formats": ["<i8", "<i8", "<i8", "<f8", "<f8", "<i8", "<f8", "u1"],
    "offsets": [0, 8, 16, 24, 32, 40, 48, 56],
    "itemsize": 64,
})


def dumps(model, edit):
    """Pickles model; every Tree's (args, state) goes through edit(args, state)."""
    class P(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, Tree):
                cls, args, state = obj.__reduce__()
                args, state = edit(args, dict(state))
                return cls, args, state
            return NotImplemented
    buf = io.BytesIO()
    P(buf, protocol=4).dump(model)
    return buf.getvalue()


def to13(nodes, mleft):
    out = np.zeros(nodes.shape[0], dtype=NODE13)
    for name in nodes.dtype.names:
        out[name] = nodes[name]
    out["missing_go_to_left"] = mleft
    return out


def fractions(values):
    s = values.sum(axis=2, keepdims=True)
    s[s == 0] = 1
    return values / s


def descend(nodes, x):
    i = 0
    while nodes["left_child"][i] != -1:
        v = np.float32(x[nodes["feature"][i]])
        if np.isnan(v):
            go_left = bool(nodes["missing_go_to_left"][i])
        else:
            go_left = float(v) <= nodes["threshold"][i]
        i = nodes["left_child"][i] if go_left else nodes["right_child"][i]
    return i


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(150, 5, n_informative=3, n_classes=3, random_state=4)
    return X, y, tree.DecisionTreeClassifier(max_depth=5, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def fitted_binary():  # two classes: the compiler's walk specialized for the 64-byte record
    X, y = make_classification(150, 5, n_informative=3, n_classes=2, random_state=4)
    return X, y, tree.DecisionTreeClassifier(max_depth=5, random_state=0).fit(X, y)


def sql(db, fn, blob, row):
    r = db.execute("SELECT %s(?, %s)" % (fn, ",".join("?" * len(row))),
                   (blob, *[None if v is None or np.isnan(v) else float(v) for v in row]))
    return r.fetchone()[0]


@pytest.mark.parametrize("frac", [False, True])
@pytest.mark.parametrize("model", ["fitted", "fitted_binary"])
def test_layout_13_with_nan_routing(db, request, model, frac):
    X, y, m = request.getfixturevalue(model)
    st = m.tree_.__getstate__()
    mleft = (np.arange(st["node_count"]) % 2).astype(np.uint8)  # alternate directions
    nodes13 = to13(st["nodes"], mleft)
    vals = fractions(st["values"]) if frac else st["values"]

    def edit(args, state):
        state["nodes"] = nodes13
        state["values"] = vals
        return args, state

    blob = dumps(m, edit)
    assert b"missing_go_to_left" in blob
    rows = [X[i].copy() for i in range(40)]
    for i, r in enumerate(rows):
        r[i % 5] = np.nan  # a missing value in a different column each row
    classes = m.classes_
    for r in rows + [X[i] for i in range(40, 60)]:
        leaf = descend(nodes13, r)
        v = vals[leaf, 0]
        want_proba = (v / v.sum()).tolist()
        want_label = classes[int(np.argmax(v))].item()
        assert json.loads(sql(db, "model_predict_proba", blob, r)) == want_proba
        assert sql(db, "model_predict", blob, r) == want_label


def test_fractions_give_same_labels_as_counts(db, fitted):
    X, y, m = fitted

    def edit(args, state):
        state["values"] = fractions(state["values"])
        return args, state

    blob = dumps(m, edit)
    for r in X[:50]:
        assert sql(db, "model_predict", blob, r) == m.predict([r])[0]
        got = np.array(json.loads(sql(db, "model_predict_proba", blob, r)))
        assert np.allclose(got, m.predict_proba([r])[0], rtol=0, atol=1e-15)


def test_forest_in_13_layout(db):
    X, y = make_classification(100, 4, random_state=1)
    m = ensemble.RandomForestClassifier(n_estimators=4, random_state=0).fit(X, y)

    def edit(args, state):
        state["nodes"] = to13(state["nodes"], 0)
        return args, state

    blob = dumps(m, edit)
    for r in X[:30]:
        assert json.loads(sql(db, "model_predict_proba", blob, r)) == \
            m.predict_proba([r])[0].tolist()


def corrupt(fitted, change):
    X, y, m = fitted

    def edit(args, state):
        nodes = state["nodes"].copy()
        state["nodes"] = change(nodes)
        return args, state

    return dumps(m, edit), X[0]


def setf(field, i, v):
    def change(n):
        idx = i(n) if callable(i) else i
        n[field][idx] = v(n) if callable(v) else v
        return n
    return change


@pytest.mark.parametrize("change,msg", [
    (setf("left_child", 0, 10**6), "outside"),
    (setf("left_child", 0, -5), "outside"),
    (setf("right_child", 0, 0), "already"),  # root's child is the root: a cycle
    (setf("right_child", lambda n: int(n["left_child"][0]), 0), "already"),  # back edge
    (setf("right_child", 0, lambda n: int(n["left_child"][0])), "already"),  # shared child
    (setf("feature", 0, 99), "feature 99"),
    (setf("right_child", 0, -1), "one child"),
    (lambda n: n.astype([(f, "<f8") if f == "left_child" else (f, n.dtype[f])
                         for f in n.dtype.names]), "wrong type"),
    (lambda n: n[["left_child", "right_child", "threshold"]].copy(), "no field"),
])
def test_corrupt_trees_fail_cleanly(db, fitted, change, msg):
    blob, row = corrupt(fitted, change)
    with pytest.raises(Exception, match=msg):
        sql(db, "model_predict", blob, row)
