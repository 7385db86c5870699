"""SplineTransformer scored in SQL against scikit-learn 1.2, every row: alone (model_transform) and
in Pipelines, pickle and joblib forms. Bit-identical: scipy's de Boor evaluation and numpy's
remainder repeated operation for operation (docs/scoring.md)."""
import itertools

import numpy as np
import pytest
from sklearn import linear_model as L, pipeline
from sklearn import preprocessing as P

from conftest import sql_error
from modelcheck import FORMS, dumps, score_and_compare
from preproc_util import assert_bits, numeric_sets, sql_rows

EXTRAP = ["constant", "linear", "continue", "periodic", "error"]
OPTIONS = [dict(extrapolation=e, degree=d, knots=k, include_bias=b, n_knots=nk, order=o)
           for (e, d, k, b, nk, o) in [
               (e, d, k, b, nk, o)
               for e, d, (k, b, nk, o) in itertools.product(
                   EXTRAP, [0, 1, 2, 3, 5],
                   [("uniform", True, 5, "C"), ("quantile", False, 7, "F")])]]


def _sid(o):
    return "%s-d%d-%s-%s" % (o["extrapolation"], o["degree"], o["knots"],
                             "bias" if o["include_bias"] else "nobias")


def _rows(X, rng):
    """X, then values beyond the knots on both sides and exactly at the boundaries."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    out = [X, np.tile(lo, (3, 1)), np.tile(hi, (3, 1)),
           lo - span * rng.uniform(0.01, 2, (20, X.shape[1])),
           hi + span * rng.uniform(0.01, 2, (20, X.shape[1]))]
    return np.vstack(out)


@pytest.mark.parametrize("opts", OPTIONS, ids=_sid)
def test_spline(db, opts):
    rng = np.random.RandomState(opts["degree"])
    for k, (name, (X, y)) in enumerate(sorted(numeric_sets().items())):
        X = X[:, :4]
        if opts["extrapolation"] == "periodic" and opts["degree"] >= opts["n_knots"]:
            continue  # scikit-learn refuses periodic splines with n_knots <= degree
        e = P.SplineTransformer(**opts).fit(X)
        Xt = X if opts["extrapolation"] == "error" else _rows(X, rng)
        if opts["extrapolation"] == "constant" and opts["degree"] == 0:
            Xt = Xt[(Xt <= X.max(axis=0)).all(axis=1)]  # scikit-learn fails above the knots
        ours = sql_rows(db, e, Xt, form=FORMS[k % len(FORMS)])
        assert_bits(ours, e.transform(Xt), name)


def test_spline_knot_array_and_sample_weight(db):
    X, y = numeric_sets()["diabetes"]
    X = X[:, :3]
    knots = np.array([[-0.2, -0.15, -0.1], [-0.05, 0.0, 0.0], [0.0, 0.01, 0.02], [0.2, 0.2, 0.3]])
    for ex in EXTRAP[:4]:
        e = P.SplineTransformer(knots=knots, degree=2, extrapolation=ex).fit(X)
        assert_bits(sql_rows(db, e, X * 1.7, form="joblib"), e.transform(X * 1.7), ex)
    w = np.random.RandomState(1).uniform(0, 2, len(X))
    e = P.SplineTransformer(knots="quantile", n_knots=6, degree=3).fit(X, sample_weight=w)
    assert_bits(sql_rows(db, e, X), e.transform(X), "quantile with sample_weight")


def test_spline_error_extrapolation(db):
    X, _ = numeric_sets()["iris"]
    e = P.SplineTransformer(extrapolation="error").fit(X)
    assert e.bsplines_[1].t[3] == 2.0
    msg = sql_error(db, "model_transform", dumps(e), 5.0, 0.5, 2.0, 1.0)
    assert msg == ("model_transform: SplineTransformer (extrapolation='error'): feature 2 is 0.5, "
                   "beyond the limits of the knots [2, 4.4000000000000004]")
    with pytest.raises(ValueError):
        e.transform([[5.0, 0.5, 2.0, 1.0]])
    msg = sql_error(db, "model_transform", dumps(e), 5.0, None, 2.0, 1.0)
    assert msg == ("model_transform: SplineTransformer cannot take missing values: feature 2 is "
                   "NULL")


def test_spline_in_pipelines(db):
    X, y = numeric_sets()["diabetes"]
    p = pipeline.make_pipeline(P.SplineTransformer(n_knots=4, degree=3), L.Ridge()).fit(X, y)
    score_and_compare(db, p, X, "joblib")
    X, y = numeric_sets()["wine"]
    p = pipeline.make_pipeline(P.StandardScaler(), P.SplineTransformer(extrapolation="periodic"),
                               L.LogisticRegression(max_iter=3000)).fit(X, y)
    score_and_compare(db, p, X * 1.05, "p2")
