"""Densities and kernel rows scored in SQL against scikit-learn 1.2.1, every row:
KernelDensity.score_samples, PCA and FactorAnalysis score_samples (model_score_samples), and
KernelCenterer.transform (model_transform of one kernel-matrix row).

Bounds:
  - KernelDensity walks its pickled KDTree/BallTree exactly as scikit-learn's Cython does
    (the same heap, bounds and log-space operations, libm's functions): every value is asserted
    bit-identical (-inf and NaN where scikit-learn gives them; NaN reads back as NULL).
    With atol = rtol = 0 the walk sums every point, but scikit-learn's bound bookkeeping can
    leave a rounding residue far above the true density when the bandwidth is small (the
    h=0.02 cases): only the same walk reproduces it, which is why the walk is followed and
    not the plain sum.
  - PCA and FactorAnalysis: get_precision() and fast_logdet computed with the reference BLAS's
    summation order and the reference LAPACK's getrf/getri: every value within 1e-12 relative
    (modelcheck) and, when numpy runs on the reference BLAS (EXACT, Debian's default),
    bit-identical.
  - KernelCenterer: the row's pairwise sum then three subtractions in scikit-learn's order:
    bit-identical.
"""
import json
import warnings

import numpy as np
import pytest
from sklearn.decomposition import PCA, FactorAnalysis, IncrementalPCA
from sklearn.metrics.pairwise import polynomial_kernel, rbf_kernel
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KernelCenterer, StandardScaler

from conftest import sql_error
from famcheck import float_rows, json_scores
from modelcheck import FORMS, compare_floats, dumps
from test_factorizations import EXACT

warnings.filterwarnings("ignore")

KERNELS = ["gaussian", "tophat", "epanechnikov", "exponential", "linear", "cosine"]


def _data(seed=0, n=240, d=3):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0.1, 3.0, size=(n, d))
    Q = np.r_[X[:30], rng.uniform(-1.0, 4.0, size=(50, d)), X[:5] + 1e-9]
    return X, Q


def _scores(db, est, Q, form="p4", fn="model_score_samples"):
    return float_rows(json_scores(db, fn, dumps(est, form), Q))


def _bit_identical(ours, ref, what):
    """Every value equal to scikit-learn's (NaN where it has NaN, infinities included)."""
    ours, ref = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    same = (ours == ref) | (np.isnan(ours) & np.isnan(ref))
    assert same.all(), "%s: row %d: ours %r, scikit-learn %r" % (
        what, np.argmin(same), ours[~same][0], ref[~same][0])


def _check_kde(db, kde, Q, form="p4"):
    _bit_identical(_scores(db, kde, Q, form), kde.score_samples(Q), repr(kde))


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("algorithm", ["kd_tree", "ball_tree"])
@pytest.mark.parametrize("breadth_first", [True, False])
def test_kde_kernels(db, kernel, algorithm, breadth_first):
    X, Q = _data()
    for h in (0.7, 0.02):
        kde = KernelDensity(kernel=kernel, algorithm=algorithm, breadth_first=breadth_first,
                            bandwidth=h, leaf_size=10).fit(X)
        _check_kde(db, kde, Q)


METRICS = [
    ("euclidean", None), ("manhattan", None), ("chebyshev", None), ("minkowski", {"p": 3}),
    ("minkowski", {"p": 1.5, "w": np.array([0.5, 2.0, 1.0])}),
    ("seuclidean", {"V": np.array([0.5, 2.0, 1.5])}),
    ("mahalanobis", {"VI": np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 0.5]])}),
    ("wminkowski", {"p": 3, "w": np.array([0.5, 2.0, 1.0])}),
    ("canberra", None), ("braycurtis", None), ("hamming", None),
]


@pytest.mark.parametrize("metric,params", METRICS, ids=[m[0] + str(i) for i, m in
                                                        enumerate(METRICS)])
def test_kde_metrics(db, metric, params):
    X, Q = _data(1)
    for algorithm in ("kd_tree", "ball_tree"):
        try:
            kde = KernelDensity(metric=metric, metric_params=params, algorithm=algorithm,
                                bandwidth=0.5, leaf_size=8).fit(X)
        except ValueError:  # not a KDTree metric
            assert algorithm == "kd_tree"
            continue
        _check_kde(db, kde, Q, FORMS[len(metric) % len(FORMS)])


@pytest.mark.parametrize("metric", ["jaccard", "matching", "dice", "kulsinski", "rogerstanimoto",
                                    "russellrao", "sokalmichener", "sokalsneath", "hamming"])
def test_kde_boolean_metrics(db, metric):
    rng = np.random.RandomState(2)
    X = (rng.uniform(size=(150, 5)) > 0.5).astype(float)
    Q = np.r_[X[:20], (rng.uniform(size=(20, 5)) > 0.3).astype(float), np.zeros((1, 5))]
    kde = KernelDensity(metric=metric, kernel="epanechnikov", bandwidth=0.6, leaf_size=5).fit(X)
    _check_kde(db, kde, Q)


def test_kde_haversine(db):
    rng = np.random.RandomState(3)
    X = np.c_[rng.uniform(-1.5, 1.5, 150), rng.uniform(-3, 3, 150)]
    for kernel in ("gaussian", "tophat"):
        _check_kde(db, KernelDensity(metric="haversine", kernel=kernel, bandwidth=0.3).fit(X),
                   np.r_[X[:40], [[0.0, 0.0], [1.2, -2.9]]])


@pytest.mark.parametrize("algorithm", ["kd_tree", "ball_tree"])
@pytest.mark.parametrize("breadth_first", [True, False])
def test_kde_weights_and_tolerances(db, algorithm, breadth_first):
    X, Q = _data(4)
    w = np.random.RandomState(5).uniform(0.1, 3.0, size=len(X))
    w[7] = 0.0  # a zero weight: log 0 = -inf for that point
    kw = dict(algorithm=algorithm, breadth_first=breadth_first)
    for kde in [KernelDensity(bandwidth=0.3, **kw).fit(X, sample_weight=w),
                KernelDensity(bandwidth=0.3, atol=1e-3, rtol=1e-2, **kw).fit(X),
                KernelDensity(bandwidth=0.3, rtol=0.5, kernel="epanechnikov", **kw)
                .fit(X, sample_weight=w),
                KernelDensity(bandwidth="scott", kernel="tophat", **kw).fit(X),
                KernelDensity(bandwidth="silverman", kernel="cosine", **kw).fit(X)]:
        _check_kde(db, kde, Q)


@pytest.mark.parametrize("d", range(1, 9))
def test_kde_dimensions(db, d):
    """The kernel norms over dimensions (scikit-learn's cosine norm is negative for 4 and 8
    features: NaN there, NULL in SQL, asserted as such)."""
    rng = np.random.RandomState(d)
    X = rng.normal(size=(120, d))
    for kernel in KERNELS:
        kde = KernelDensity(kernel=kernel, bandwidth=1.3, leaf_size=15).fit(X)
        _check_kde(db, kde, np.r_[X[:15] + 0.1, rng.normal(size=(5, d)) * 3])


def test_kde_pipeline_forms_and_errors(db):
    X, Q = _data(6)
    kde = KernelDensity(bandwidth=0.4).fit(X)
    for form in FORMS:
        _check_kde(db, kde, Q, form)
    pipe = make_pipeline(StandardScaler(), KernelDensity(bandwidth=0.4)).fit(X)
    _bit_identical(_scores(db, pipe, Q), pipe.score_samples(Q), "pipeline")
    blob = dumps(kde)
    info = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    assert info["kind"] == "estimator" and info["methods"] == ["score_samples"]
    assert sql_error(db, "model_predict", blob, 1.0, 2.0, 3.0) == \
        "model_predict: KernelDensity has no predict"
    assert "cannot take missing values" in sql_error(db, "model_score_samples", blob,
                                                     1.0, None, 3.0)
    # attributes scikit-learn would not have written: short errors naming the problem
    import copy
    for attr, val, msg in [("tree_", None, "KernelDensity is not fitted (no tree_)"),
                           ("kernel", "bogus", "KernelDensity: unknown kernel 'bogus'"),
                           ("bandwidth_", -1.0, "KernelDensity: bandwidth_ must be a positive "
                                                "number")]:
        bad = copy.deepcopy(kde)
        setattr(bad, attr, val)
        assert sql_error(db, "model_score_samples", dumps(bad), 1.0, 2.0, 3.0) == \
            "model_score_samples: " + msg
    # the same value through the pickle_* form and as a REAL
    v = db.execute("SELECT pickle_score_samples(?, 1.0, 2.0, 1.5)", (blob,)).fetchone()[0]
    assert type(v) is float and v == kde.score_samples([[1.0, 2.0, 1.5]])[0]


def test_kde_pyfunc_refused_by_the_verdict(db):
    X, _ = _data(7)
    from scipy.spatial.distance import euclidean
    kde = KernelDensity(metric="pyfunc", metric_params={"func": euclidean},
                        algorithm="ball_tree").fit(X[:50])
    msg = sql_error(db, "model_score_samples", dumps(kde), 1.0, 2.0, 3.0)
    assert msg.startswith("model_score_samples: refusing the pickle: it names code that could "
                          "run in Python"), msg


# ---- PCA, FactorAnalysis ------------------------------------------------------------------


def _decomp_data(nf, seed=0, n=None):
    rng = np.random.RandomState(seed)
    n = n or 2 * nf + 20
    return rng.normal(size=(n, nf)) @ rng.normal(size=(nf, nf)) + 2.0


def _check_density(db, est, X, form="p4"):
    ours = _scores(db, est, X, form)
    counts = compare_floats(ours, est.score_samples(X), X, "%r.score_samples" % est)
    assert not EXACT or counts[0] == counts[1], "%d of %d values bit-identical" % counts


DECOMPS = [
    lambda: PCA(),                       # noise_variance_ 0: the inverse of get_covariance()
    lambda: PCA(whiten=True),
    lambda: PCA(3),                      # the matrix inversion lemma
    lambda: PCA(3, whiten=True),
    lambda: PCA(0),                      # identity / noise_variance_
    lambda: PCA(0.9, svd_solver="full"),
    lambda: PCA(2, svd_solver="randomized", random_state=0),
    lambda: FactorAnalysis(),            # n_components None: the lemma
    lambda: FactorAnalysis(2),
    lambda: FactorAnalysis(3, rotation="varimax"),
    lambda: "fa_full",                   # n_components == n_features: the covariance inverted
]


@pytest.mark.parametrize("k", range(len(DECOMPS)))
@pytest.mark.parametrize("nf", [6, 70])
def test_pca_fa_score_samples(db, k, nf):
    """6 features: LAPACK's unblocked paths; 70: the blocked dtrtri / dgetri sweeps."""
    X = _decomp_data(nf, seed=k)
    est = DECOMPS[k]()
    est = FactorAnalysis(nf, max_iter=30) if est == "fa_full" else est
    est.fit(X)
    Q = np.r_[X[:40], X[:10] * 1.5 - 1.0]
    _check_density(db, est, Q, FORMS[k % len(FORMS)])
    if isinstance(est, FactorAnalysis):  # cov_z is inverted the same way: transform too
        ours = float_rows(json_scores(db, "model_transform", dumps(est), Q))
        counts = compare_floats(ours, est.transform(Q), Q, "%r.transform" % est)
        assert not EXACT or counts[0] == counts[1], counts


def test_pca_score_samples_in_pipeline_and_info(db):
    X = _decomp_data(5, seed=3)
    pipe = make_pipeline(StandardScaler(), PCA(2)).fit(X)
    _check_density(db, pipe, X)
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(pipe[-1]),)).fetchone()[0])
    assert info["methods"] == ["transform", "score_samples"]
    ipca = IncrementalPCA(2).fit(X)  # scikit-learn has no IncrementalPCA.score_samples
    assert not hasattr(ipca, "score_samples")
    assert sql_error(db, "model_score_samples", dumps(ipca), *X[0]) == \
        "model_score_samples: IncrementalPCA has no score_samples"


# ---- KernelCenterer -----------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 9, 40, 200])
def test_kernel_centerer(db, n):
    rng = np.random.RandomState(n)
    X, Y = rng.normal(size=(n, 3)), rng.normal(size=(25, 3))
    for kernel in (rbf_kernel, polynomial_kernel):
        kc = KernelCenterer().fit(kernel(X))
        K = np.r_[kernel(Y, X), kernel(X[:5], X)]
        ours = float_rows(json_scores(db, "model_transform", dumps(kc, FORMS[n % 6]), K))
        _bit_identical(ours, kc.transform(K), "KernelCenterer n=%d" % n)
    assert "expects %d features" % n in sql_error(db, "model_transform", dumps(kc), 1.0, 2.0)
