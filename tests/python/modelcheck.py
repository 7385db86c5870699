"""Helpers for the model scoring tests (tests/python/test_models_*.py).

score_and_compare(db, est, X) pickles a fitted estimator, loads X into a table, runs one SELECT
per method the estimator offers (model_predict, model_predict_proba, model_transform,
model_decision_function) and compares every row with scikit-learn's own answer:
  - labels and cluster numbers exactly, with the SQL type that classes_ implies;
  - floats within 1e-12 relative. The C kernels sum in numpy's order (see
    ext/model/pk_model_impl.h), so most values are bit-identical; the tolerance covers exp() from
    libm versus numpy's own SIMD exp (1 ulp) and, where the result cancels towards 0 (a decision
    value near 0, a distance to a nearby centre), an absolute term of 1e-12 times the magnitude
    of the quantities being combined (|x|.|w| + |b|, ||x||^2 + ||c||^2), which is the rounding
    any reordering of the same sum may produce.
"""
import io
import json
import math
import pickle

import joblib
import numpy as np

RTOL = 1e-12

METHODS = [
    ("predict", "model_predict"),
    ("predict_proba", "model_predict_proba"),
    ("decision_function", "model_decision_function"),
    ("transform", "model_transform"),
]

FORMS = ["p2", "p3", "p4", "p5", "joblib", "joblib-zlib"]


def dumps(est, form="p4"):
    """The estimator's bytes in one of FORMS."""
    if form.startswith("p"):
        return pickle.dumps(est, protocol=int(form[1:]))
    buf = io.BytesIO()
    if form == "joblib":
        joblib.dump(est, buf)
    else:
        joblib.dump(est, buf, compress=("zlib", 3))
    return buf.getvalue()


def load_table(db, X, name="t"):
    X = np.asarray(X, dtype=float)
    cols = ["f%d" % j for j in range(X.shape[1])]
    db.execute("DROP TABLE IF EXISTS %s" % name)
    db.execute("CREATE TABLE %s(%s)" % (name, ", ".join(c + " REAL" for c in cols)))
    rows = [[None if math.isnan(v) else float(v) for v in r] for r in X]
    db.executemany("INSERT INTO %s VALUES (%s)" % (name, ", ".join("?" * len(cols))), rows)
    return cols


def sql_scores(db, fn, blob, cols, name="t"):
    q = "SELECT %s(?, %s) FROM %s ORDER BY rowid" % (fn, ", ".join(cols), name)
    return [r[0] for r in db.execute(q, (blob,))]


def _as_float_array(vals):
    out = []
    for v in vals:
        if isinstance(v, str):
            v = json.loads(v)
        out.append(np.nan if v is None else v)
    return np.asarray(out, dtype=float)


def _scale(X, ref):
    """Per-row magnitude used for the absolute part of the tolerance."""
    Xa = np.abs(np.asarray(X, dtype=float))
    s = np.nansum(Xa, axis=1) + 1.0
    r = np.abs(ref).reshape(len(ref), -1)
    return np.maximum(s, np.nanmax(np.where(np.isnan(r), 0, r), axis=1) if r.size else 0)


def compare_floats(ours, ref, X, what):
    ref = np.asarray(ref, dtype=float)
    ours = np.asarray(ours, dtype=float).reshape(ref.shape)
    assert np.array_equal(np.isnan(ours), np.isnan(ref)), "%s: NaN positions differ" % what
    scale = _scale(X, ref)
    scale = scale.reshape((-1,) + (1,) * (ref.ndim - 1))
    ok = np.isnan(ref) | (np.abs(ours - ref) <= RTOL * np.maximum(np.abs(ref), scale * 1.0))
    if not ok.all():
        bad = np.argwhere(~ok)[0]
        raise AssertionError("%s: row %s: ours %r, sklearn %r" % (
            what, tuple(bad), ours[tuple(bad)], ref[tuple(bad)]))
    return int(np.sum(ours == ref)), int(ref.size)


def compare_labels(ours, ref, what):
    ref = list(np.asarray(ref).tolist())
    assert len(ours) == len(ref)
    for i, (a, b) in enumerate(zip(ours, ref)):
        if isinstance(b, bool):
            assert a == int(b) and type(a) is int, "%s row %d: %r vs %r" % (what, i, a, b)
        elif isinstance(b, int):
            assert a == b and type(a) is int, "%s row %d: %r vs %r" % (what, i, a, b)
        elif isinstance(b, float):
            assert type(a) is float and a == b, "%s row %d: %r vs %r" % (what, i, a, b)
        else:
            assert a == b and type(a) is str, "%s row %d: %r vs %r" % (what, i, a, b)


def available(est, method):
    try:
        return hasattr(est, method)
    except Exception:  # noqa: BLE001 - available_if may raise
        return False


def score_and_compare(db, est, X, form="p4", methods=None):
    """Checks every available method on every row of X. Returns the methods checked."""
    blob = dumps(est, form)
    cols = load_table(db, X)
    checked = []
    for meth, fn in METHODS:
        if methods is not None and meth not in methods:
            continue
        if not available(est, meth):
            continue
        ref = getattr(est, meth)(X)
        ours = sql_scores(db, fn, blob, cols)
        what = "%s.%s (%s)" % (type(est).__name__, meth, form)
        final = getattr(est, "_final_estimator", est)
        if meth == "predict" and hasattr(final, "cluster_centers_"):
            assert all(type(v) is int for v in ours), what
            assert ours == ref.tolist(), what
        elif meth == "predict" and hasattr(final, "classes_"):
            compare_labels(ours, ref, what)
        else:
            if ref.ndim == 1:
                assert all(v is None or type(v) is float for v in ours), (what, ours[:3])
            else:
                assert all(isinstance(v, str) for v in ours), (what, ours[:3])
            compare_floats(_as_float_array(ours), ref, X, what)
        checked.append(meth)
    assert checked, "no method checked for %s" % type(est).__name__
    return checked
