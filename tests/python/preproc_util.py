"""Shared data and checks of the numeric preprocessing tests (tests/python/test_preproc_*.py).

exact(db, est, X) scores every row with model_transform (or the given method) and requires the
values to be bit-identical to scikit-learn's; score_and_compare (modelcheck.py) checks within
1e-12 relative where a family documents that bound.
"""
import json

import numpy as np
from sklearn import datasets

from modelcheck import dumps, load_table, sql_scores


def numeric_sets():
    Xi, yi = datasets.load_iris(return_X_y=True)
    Xw, yw = datasets.load_wine(return_X_y=True)
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    Xb, yb = datasets.make_blobs(300, 5, centers=4, random_state=7)
    Xr, yr = datasets.make_regression(200, 6, noise=3.0, random_state=8)
    return {"iris": (Xi, yi), "wine": (Xw, yw), "diabetes": (Xd, yd), "blobs": (Xb, yb),
            "reg6": (Xr, yr)}


def with_nans(X, seed, frac=0.1):
    rng = np.random.RandomState(seed)
    X = X.copy()
    X[rng.rand(*X.shape) < frac] = np.nan
    return X


def sql_rows(db, est, X, fn="model_transform", form="p4"):
    """The SQL result of fn for every row of X, as a float array (NULL -> NaN)."""
    blob = dumps(est, form)
    cols = load_table(db, X)
    out = []
    for v in sql_scores(db, fn, blob, cols):
        if isinstance(v, str):
            v = json.loads(v)
        out.append(np.nan if v is None else v)
    return np.asarray([[np.nan if e is None else e for e in r] if isinstance(r, list) else r
                       for r in out], dtype=float)


def dense(ref):
    """scikit-learn's result as a dense float array (sparse outputs: their values)."""
    return np.asarray(ref.toarray() if hasattr(ref, "toarray") else ref, dtype=float)


def assert_bits(ours, ref, what):
    """Every value bit-identical (NaN where scikit-learn has NaN)."""
    ref = dense(ref)
    ours = np.asarray(ours, dtype=float).reshape(ref.shape)
    nan = np.isnan(ref)
    assert np.array_equal(nan, np.isnan(ours)), "%s: NaN positions differ" % what
    same = (ours == ref) & ((np.signbit(ours) == np.signbit(ref)) | (ref != 0))
    same |= nan
    if not same.all():
        bad = tuple(np.argwhere(~same)[0])
        raise AssertionError("%s: %s: ours %r, sklearn %r" % (what, bad, ours[bad], ref[bad]))


def assert_close(ours, ref, what, rtol=1e-12):
    """Every value within rtol relative (absolute rtol near 0), NaN where scikit-learn has NaN."""
    ref = dense(ref)
    ours = np.asarray(ours, dtype=float).reshape(ref.shape)
    nan = np.isnan(ref)
    assert np.array_equal(nan, np.isnan(ours)), "%s: NaN positions differ" % what
    ok = nan | (ours == ref) | (np.abs(ours - ref) <= rtol * np.maximum(np.abs(ref), 1.0))
    if not ok.all():
        bad = tuple(np.argwhere(~ok)[0])
        raise AssertionError("%s: %s: ours %r, sklearn %r" % (what, bad, ours[bad], ref[bad]))
