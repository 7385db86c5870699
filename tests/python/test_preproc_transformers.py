"""Numeric preprocessing transformers scored in SQL against scikit-learn, every row: alone
(model_transform), inside Pipelines ending in a classifier or regressor, pickle and joblib forms.

Exactness per family (see docs/scoring.md):
  KBinsDiscretizer, FunctionTransformer with arithmetic ufuncs: bit-identical.
  FunctionTransformer with transcendental ufuncs (log1p, exp, ...): libm's functions; bit-identical
    to numpy on a CPU without AVX-512 (checked here by running numpy with those features
    disabled), within 1e-12 relative of numpy's AVX-512 kernels (they differ by <= 1 ulp).
"""
import json
import os
import subprocess
import warnings

import numpy as np
import pytest
from sklearn import linear_model as L, pipeline
from sklearn import preprocessing as P
from sklearn.exceptions import ConvergenceWarning

from conftest import sql_error
from modelcheck import FORMS, dumps, score_and_compare
from preproc_util import assert_bits, assert_close, numeric_sets, sql_rows, with_nans

warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", category=RuntimeWarning)

NO_AVX512 = "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX2 FMA3"

ARITH = [np.square, np.reciprocal, np.negative, np.absolute, np.fabs, np.sign, np.rint, np.floor,
         np.ceil, np.trunc, np.positive, np.deg2rad, np.rad2deg]
TRANSC = [np.log1p, np.expm1, np.log, np.exp, np.exp2, np.log2, np.log10, np.sqrt, np.cbrt,
          np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh, np.tanh,
          np.arcsinh, np.arccosh, np.arctanh]


def _data(seed=0):
    rng = np.random.RandomState(seed)
    X = np.column_stack([rng.standard_normal(400) * 3, rng.uniform(0, 1, 400),
                         np.exp(rng.uniform(-20, 20, 400)), rng.uniform(-1, 1, 400)])
    X[::17, 1] = np.nan
    X[5, 0] = 0.0
    return X


@pytest.mark.parametrize("func", ARITH + TRANSC, ids=lambda f: f.__name__)
def test_function_transformer_ufuncs(db, func):
    X = _data()
    e = P.FunctionTransformer(func).fit(X)
    ours = sql_rows(db, e, X, form=FORMS[len(func.__name__) % len(FORMS)])
    ref = e.transform(X)
    if func in ARITH:
        assert_bits(ours, ref, func.__name__)
    else:
        assert_close(ours, ref, func.__name__, rtol=1e-12)


def test_function_transformer_ufuncs_bit_exact_without_avx512(db):
    """numpy's non-AVX-512 ufunc loops call libm, as we do: every value identical."""
    X = _data(3)
    names = [f.__name__ for f in TRANSC]
    ours = {}
    for name in names:
        e = P.FunctionTransformer(getattr(np, name)).fit(X)
        ours[name] = sql_rows(db, e, X).tolist()
    code = ("import json,sys,warnings,numpy as np;warnings.simplefilter('ignore');"
            "X=np.array(json.loads(sys.stdin.read()));"
            "print(json.dumps({n:getattr(np,n)(X).tolist() for n in %r}))"
            % (names,))
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=NO_AVX512)
    out = subprocess.run(["/usr/bin/python3", "-c", code], input=json.dumps(X.tolist()), capture_output=True, text=True, env=env,
        check=True).stdout
    ref = json.loads(out)
    for name in names:
        r = np.array(ref[name])
        assert_bits(np.array(ours[name]), r, name + " (numpy without AVX-512)")


def test_function_transformer_options(db):
    X, y = numeric_sets()["diabetes"]
    Xp = X - X.min(axis=0)
    for e in [P.FunctionTransformer(), P.FunctionTransformer(np.log1p, np.expm1),
              P.FunctionTransformer(np.sqrt, np.square, validate=True)]:
        e.fit(Xp)
        assert_close(sql_rows(db, e, Xp, form="joblib"), e.transform(Xp), repr(e))
    # validate=True refuses missing values as check_array does; validate=False passes NaN
    e = P.FunctionTransformer(np.log1p, validate=True).fit(Xp)
    msg = sql_error(db, "model_transform", dumps(e), *([None] + [1.0] * 9))
    assert msg == "model_transform: FunctionTransformer cannot take missing values: feature 1 is NULL"
    Xn = with_nans(Xp, 2)
    e = P.FunctionTransformer(np.log1p).fit(Xn)
    assert_close(sql_rows(db, e, Xn), e.transform(Xn), "log1p with NaN")


def test_function_transformer_refused(db):
    X, _ = numeric_sets()["iris"]
    msg = sql_error(db, "model_transform", dumps(P.FunctionTransformer(np.add).fit(X)), 1, 2, 3, 4)
    # a ufunc of two arguments is not in the catalogue: the pickle is refused before compiling
    assert msg == ("model_transform: refusing the pickle: it names code that could run in "
                   "Python: numpy.core._multiarray_umath.add (not known library classes)")
    e = P.FunctionTransformer(np.log1p, kw_args={"out": None}).fit(X)
    msg = sql_error(db, "model_transform", dumps(e), 1, 2, 3, 4)
    assert msg == ("model_transform: FunctionTransformer.kw_args is not supported (only None "
                   "or {})")


def test_ufunc_globals_are_safe(db):
    blob = dumps(P.FunctionTransformer(np.log1p, np.expm1).fit(np.ones((2, 2))), "p2")
    tiers = json.loads(db.execute("SELECT pickle_info(?)", (blob,)).fetchone()[0])
    names = dict(zip(tiers["globals"], tiers["tiers"]))
    assert names["numpy.core._multiarray_umath.log1p"] == "safe"
    assert names["numpy.core._multiarray_umath.expm1"] == "safe"
    # numpy 2 and the public module spell the same ufunc; a non-ufunc numpy name stays unknown
    for mod, safe in [("numpy._core._multiarray_umath", 1), ("numpy", 1), ("numpy.core.umath", 1),
                      ("numpy", 0)]:
        name = "log1p" if safe else "load"
        got = db.execute("SELECT pickle_info(?) ->> '$.safe'",
                         (pickle_global_hex(mod, name),)).fetchone()[0]
        assert got == safe, (mod, name)


def pickle_global_hex(module, name):
    return b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\nq\x00."


KBINS = [P.KBinsDiscretizer(n_bins=n, encode=enc, strategy=st)
         for n, enc, st in [(5, "ordinal", "uniform"), (4, "onehot", "quantile"),
                            (3, "onehot-dense", "kmeans"), (7, "ordinal", "quantile"),
                            (6, "onehot-dense", "uniform"), (2, "ordinal", "kmeans")]]
KBINS.append(P.KBinsDiscretizer(n_bins=[2, 3, 4, 5], encode="ordinal", dtype=np.float32))


def _id(est):
    p = est.get_params()
    d = type(est)().get_params()
    return type(est).__name__ + "(" + ",".join(
        "%s=%s" % (k, getattr(p[k], "__name__", p[k])) for k in sorted(p)
        if k in d and not isinstance(p[k], (P.StandardScaler,)) and str(p[k]) != str(d[k])) + ")"


@pytest.mark.parametrize("est", KBINS, ids=_id)
def test_kbins(db, est):
    for k, (name, (X, y)) in enumerate(sorted(numeric_sets().items())):
        X = X[:, :4]
        e = type(est)(**est.get_params()).fit(X)
        Xt = np.vstack([X, X.min(axis=0) - 1, X.max(axis=0) + 1, e.bin_edges_[0][1] * np.ones(4)])
        ref = e.transform(Xt)
        ref = ref.toarray() if hasattr(ref, "toarray") else ref
        assert_bits(sql_rows(db, e, Xt, form=FORMS[k % len(FORMS)]), ref, name)


def test_kbins_in_pipelines(db):
    X, y = numeric_sets()["wine"]
    for enc in ["onehot", "ordinal"]:
        p = pipeline.make_pipeline(P.KBinsDiscretizer(4, encode=enc),
                                   L.LogisticRegression(max_iter=2000)).fit(X, y)
        score_and_compare(db, p, X, "joblib")


def test_kbins_legacy_rule(db):
    """A pickle of scikit-learn < 1.1 bins with that release's digitize + eps + clip rule."""
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    e = P.KBinsDiscretizer(4, encode="ordinal").fit(X)
    # 0.99999 is within eps of the edge 1.0: the old rule puts it in bin 1, the new in bin 0
    Xt = np.array([[0.99999], [1.0], [-5.0], [9.0], [2.5]])
    blob = dumps(e, "p4")
    old = blob.replace(b"\x8c\x051.2.1", b"\x8c\x051.0.2")
    assert old != blob
    q = "SELECT model_transform(?, ?)"
    assert [json.loads(db.execute(q, (old, v)).fetchone()[0]) for v in Xt[:, 0]] == [
        [1.0], [1.0], [0.0], [3.0], [2.0]]
    assert [json.loads(db.execute(q, (blob, v)).fetchone()[0]) for v in Xt[:, 0]] == \
        e.transform(Xt).tolist() == [[0.0], [1.0], [0.0], [3.0], [2.0]]


POWER = [P.PowerTransformer(), P.PowerTransformer(standardize=False),
         P.PowerTransformer(method="box-cox"), P.PowerTransformer(method="box-cox",
                                                                  standardize=False)]


@pytest.mark.parametrize("est", POWER, ids=_id)
def test_power_transformer(db, est):
    """Within 1e-12 relative: box-cox goes through cephes' expm1 (libm's here, within an ulp),
    yeo-johnson through numpy's power/log1p (AVX-512 kernels here, within an ulp of libm)."""
    for k, (name, (X, y)) in enumerate(sorted(numeric_sets().items())):
        if est.method == "box-cox":
            X = X - X.min(axis=0) + 0.5
        Xn = with_nans(X, k)
        e = type(est)(**est.get_params()).fit(Xn)
        ours = sql_rows(db, e, Xn, form=FORMS[k % len(FORMS)])
        assert_close(ours, e.transform(Xn), name)
    Xn[0, 0] = np.nan  # and special lambdas: 0 and 2 take the log1p branches
    e = P.PowerTransformer(method=est.method, standardize=est.standardize).fit(Xn)
    e.lambdas_[:3] = [0.0, 2.0, 1.0]
    assert_close(sql_rows(db, e, Xn), e.transform(Xn), "special lambdas")


def test_power_transformer_box_cox_refuses_non_positive(db):
    X = numeric_sets()["iris"][0]
    e = P.PowerTransformer(method="box-cox").fit(X)
    msg = sql_error(db, "model_transform", dumps(e), 5.0, 0.0, 1.0, 1.0)
    assert msg == ("model_transform: PowerTransformer (box-cox) takes strictly positive values: "
                   "feature 2 is 0")


def test_power_transformer_in_pipeline(db):
    X, y = numeric_sets()["diabetes"]
    p = pipeline.make_pipeline(P.PowerTransformer(), L.Ridge()).fit(X, y)
    score_and_compare(db, p, X, "joblib-zlib")


QUANTILE = [P.QuantileTransformer(n_quantiles=100), P.QuantileTransformer(n_quantiles=50,
                                                                          output_distribution="normal"),
            P.QuantileTransformer(), P.QuantileTransformer(output_distribution="normal")]


@pytest.mark.parametrize("est", QUANTILE, ids=_id)
def test_quantile_transformer(db, est):
    """uniform: bit-identical; normal: ndtri within 1e-12 relative (observed <= 8.2e-16)."""
    for k, (name, (X, y)) in enumerate(sorted(numeric_sets().items())):
        X = np.round(X, 1)  # repeated values: repeated quantiles
        e = type(est)(**dict(est.get_params(), n_quantiles=min(est.n_quantiles, len(X)))).fit(
            with_nans(X, k))
        Xt = np.vstack([with_nans(X, k + 1), X.min(axis=0) - 1, X.max(axis=0) + 1,
                        e.quantiles_[0] + 5e-8, e.quantiles_[-1] - 5e-8, e.quantiles_[3]])
        ours = sql_rows(db, e, Xt, form=FORMS[k % len(FORMS)])
        if est.output_distribution == "uniform":
            assert_bits(ours, e.transform(Xt), name)
        else:
            assert_close(ours, e.transform(Xt), name)


def test_quantile_transformer_in_pipeline(db):
    X, y = numeric_sets()["wine"]
    p = pipeline.make_pipeline(P.QuantileTransformer(n_quantiles=60, output_distribution="normal"),
                               L.LogisticRegression(max_iter=2000)).fit(X, y)
    score_and_compare(db, p, X, "p5")


def test_ndtri_against_scipy(db):
    """The inverse normal CDF through a one-feature QuantileTransformer whose quantiles and
    references are the identity: output = clip(ndtri(p))."""
    from scipy.special import ndtri
    e = P.QuantileTransformer(n_quantiles=2, output_distribution="normal").fit([[0.0], [1.0]])
    rng = np.random.RandomState(0)
    p = np.concatenate([rng.uniform(1e-7, 1 - 1e-7, 3000), 0.5 + rng.uniform(-1e-9, 1e-9, 500),
                        10 ** rng.uniform(-6.9, -1, 500), 1 - 10 ** rng.uniform(-6.9, -1, 500)])
    ours = sql_rows(db, e, p.reshape(-1, 1))[:, 0]
    # the probability ndtri receives: the uniform output of the same quantiles
    u = P.QuantileTransformer(n_quantiles=2).fit([[0.0], [1.0]]).transform(p.reshape(-1, 1))
    ref = np.clip(ndtri(u[:, 0]), ndtri(1e-7 - np.spacing(1)), ndtri(1 - (1e-7 - np.spacing(1))))
    assert_close(ours, ref, "ndtri", rtol=1e-15)
    assert_close(ours, e.transform(p.reshape(-1, 1))[:, 0], "QuantileTransformer", rtol=1e-15)


def _ttrs():
    from sklearn import compose, ensemble, neighbors
    T = compose.TransformedTargetRegressor
    return [
        T(L.Ridge(), func=np.log1p, inverse_func=np.expm1),
        T(L.LinearRegression(), func=np.sqrt, inverse_func=np.square),
        T(ensemble.RandomForestRegressor(10, random_state=0), func=np.log, inverse_func=np.exp),
        T(pipeline.make_pipeline(P.StandardScaler(), L.Ridge()), transformer=P.StandardScaler()),
        T(L.Lasso(alpha=0.1), transformer=P.MinMaxScaler(feature_range=(-1, 3))),
        T(neighbors.KNeighborsRegressor(), transformer=P.MaxAbsScaler()),
        T(L.Ridge(), transformer=P.RobustScaler()),
        T(L.Ridge(), transformer=P.StandardScaler(with_mean=False)),
        T(L.Ridge()),
        T(ensemble.HistGradientBoostingRegressor(max_iter=20), func=np.log1p,
          inverse_func=np.expm1),
    ]


@pytest.mark.parametrize("k", range(len(_ttrs())))
def test_transformed_target_regressor(db, k):
    """The regressor's exactness, then the inverse: ufuncs within 1e-12 relative (libm),
    scalers' inverses bit-identical operations."""
    X, y = numeric_sets()["diabetes"]
    if k == 9:
        X = with_nans(X, 1)
    e = _ttrs()[k].fit(X, y)
    ours = sql_rows(db, e, X, fn="model_predict", form=FORMS[k % len(FORMS)])
    assert_close(ours, e.predict(X), repr(e))


def test_transformed_target_regressor_refused(db):
    from sklearn import compose
    X, y = numeric_sets()["diabetes"]
    e = compose.TransformedTargetRegressor(L.Ridge(), transformer=P.QuantileTransformer(
        n_quantiles=50)).fit(X, y)
    msg = sql_error(db, "model_predict", dumps(e), *map(float, X[0]))
    assert msg == ("model_predict: TransformedTargetRegressor: the inverse of transformer_ "
                   "QuantileTransformer is not supported (FunctionTransformer or a scaler)")
