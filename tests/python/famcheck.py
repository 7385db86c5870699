"""Helpers for the naive Bayes / SVM / nearest-neighbour / MLP tests.

score_wide(db, est, X, form) is modelcheck.score_and_compare for rows with many features: each
row goes to SQL as one JSON array (model_predict(blob, '[1.0, 2.0, ...]')) instead of one
argument per feature (SQLite caps the number of function arguments).
float_rows(values) turns the SQL results (REAL or JSON text) into a float array.
"""
import json

import numpy as np

from modelcheck import METHODS, _as_float_array, available, compare_floats, compare_labels, dumps


def json_scores(db, fn, blob, X):
    rows = [json.dumps([float(v) for v in r]) for r in np.asarray(X, dtype=float)]
    return [db.execute("SELECT %s(?, ?)" % fn, (blob, r)).fetchone()[0] for r in rows]


def float_rows(values):
    return _as_float_array(values)


def score_wide(db, est, X, form="p4", methods=None):
    blob = dumps(est, form)
    checked = []
    for meth, fn in METHODS:
        if (methods is not None and meth not in methods) or not available(est, meth):
            continue
        ref = getattr(est, meth)(X)
        ours = json_scores(db, fn, blob, X)
        what = "%s.%s (%s)" % (type(est).__name__, meth, form)
        if meth == "predict" and hasattr(est, "classes_"):
            compare_labels(ours, ref, what)
        else:
            compare_floats(float_rows(ours), ref, X, what)
        checked.append(meth)
    assert checked
    return checked
