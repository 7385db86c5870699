"""NMF, MiniBatchNMF, LatentDirichletAllocation, PolynomialCountSketch, Isomap and
LocallyLinearEmbedding transforms scored in SQL against scikit-learn 1.2.1, every row of
several datasets.

NMF and MiniBatchNMF solve a batch jointly in scikit-learn (one stopping test for the batch,
'mu' starting from the batch's mean), so a row scored in SQL is compared with scikit-learn's
transform of that row alone (transform(X[i:i + 1])). Bounds: NMF, MiniBatchNMF, LDA, Isomap
and LLE repeat scikit-learn's operations in its order (reference BLAS/LAPACK, libm): every value
is asserted within modelcheck's 1e-12 relative bound and, when numpy runs on the reference BLAS
(EXACT: Debian's default, the oracle machine's), bit-identical. PolynomialCountSketch convolves
directly where scikit-learn uses FFTs: within 1e-13 of the row's largest magnitude
(SKETCH_BOUND).
"""
import json
import pickle
import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn.decomposition import NMF, LatentDirichletAllocation, MiniBatchNMF
from sklearn.kernel_approximation import PolynomialCountSketch
from sklearn.manifold import Isomap, LocallyLinearEmbedding

from conftest import sql_error
from famcheck import float_rows, json_scores
from modelcheck import FORMS, compare_floats, dumps

warnings.filterwarnings("ignore")

SKETCH_BOUND = 1e-13


def _reference_blas():
    """numpy's dot products come from the reference BLAS (summed left to right), not an
    optimized one (OpenBLAS, MKL, BLIS) whose kernels sum in another order."""
    np.dot(np.ones((3, 3)), np.ones((3, 3)))
    with open("/proc/self/maps") as f:
        maps = f.read().lower()
    return not any(lib in maps for lib in ("openblas", "mkl", "blis", "atlas"))


EXACT = _reference_blas()


def sets():
    rng = np.random.RandomState(0)
    Xi, _ = datasets.load_iris(return_X_y=True)
    Xd, _ = datasets.load_digits(return_X_y=True)
    Xs = rng.uniform(0.0, 2.0, size=(50, 7))
    Xs[rng.uniform(size=Xs.shape) < 0.3] = 0.0  # sparse-ish, with zeros
    return {"iris": Xi, "uniform": rng.uniform(0.1, 3.0, size=(45, 5)),
            "digits": Xd[:80, :40], "sparse": Xs}


def scored(db, est, X, form="p4"):
    return float_rows(json_scores(db, "model_transform", dumps(est, form), X))


def check_rows(db, est, X, rowwise=False, form="p4"):
    """Every row within 1e-12 relative; returns (identical values, values). Row by row, a row
    scikit-learn raises on must be an SQL error."""
    if not rowwise:
        ref = est.transform(X)
        return exact(compare_floats(scored(db, est, X, form), ref, X, "%r (%s)" % (est, form)))
    blob, ok, refs = dumps(est, form), [], []
    for i in range(len(X)):
        try:
            refs.append(est.transform(X[i:i + 1])[0])
            ok.append(i)
        except ValueError:
            msg = sql_error(db, "model_transform", blob, json.dumps(X[i].tolist()))
            assert msg and "scikit-learn raises ValueError" in msg, (i, msg)
    ours = float_rows(json_scores(db, "model_transform", blob, X[ok]))
    return exact(compare_floats(ours, np.array(refs), X[ok], "%r (%s)" % (est, form)))


def exact(counts):
    """(identical values, values), asserted equal under the reference BLAS."""
    assert not EXACT or counts[0] == counts[1], "%d of %d values bit-identical" % counts
    return counts


NMFS = [
    NMF(3, random_state=0),
    NMF(4, init="nndsvda", tol=1e-6, random_state=0),
    NMF(random_state=0, max_iter=50),                                   # n_components=None
    NMF(3, alpha_W=0.01, l1_ratio=0.5, random_state=0),
    NMF(3, alpha_W=0.02, alpha_H=0.0, l1_ratio=0.0, random_state=0),
    NMF(3, shuffle=True, random_state=3),
    NMF(5, shuffle=True, random_state=2**32 - 1, tol=1e-7),
    NMF(3, solver="mu", random_state=0),
    NMF(3, solver="mu", tol=0, max_iter=37, random_state=0),
    NMF(4, solver="mu", beta_loss="kullback-leibler", random_state=0),
    NMF(3, solver="mu", beta_loss="kullback-leibler", alpha_W=0.01, l1_ratio=0.7,
        random_state=0),
    NMF(3, solver="mu", beta_loss=1.5, random_state=1),
    NMF(3, solver="mu", beta_loss=0.5, random_state=0),
    NMF(3, solver="mu", beta_loss=3, alpha_W=0.001, random_state=0),
    NMF(2, solver="mu", beta_loss=-0.5, random_state=0, max_iter=80),
    MiniBatchNMF(3, random_state=0),
    MiniBatchNMF(4, beta_loss="kullback-leibler", random_state=0, transform_max_iter=30),
    MiniBatchNMF(3, beta_loss=0.5, alpha_W=0.1, l1_ratio=0.3, random_state=0),
    MiniBatchNMF(3, beta_loss=2.5, tol=0, max_iter=20, random_state=1),
]


@pytest.mark.parametrize("est", NMFS, ids=lambda e: repr(e)[:80])
@pytest.mark.parametrize("name", ["iris", "uniform", "digits", "sparse"])
def test_nmf(db, est, name):
    X = sets()[name]
    beta = getattr(est, "beta_loss", 2)
    if isinstance(beta, (int, float)) and beta <= 0 and type(est) is NMF:
        X = X + 0.5  # scikit-learn refuses zeros with beta_loss <= 0
    est.fit(X)
    same, n = check_rows(db, est, X, rowwise=True)
    assert n >= len(X) // 2 * est.components_.shape[0]  # rows scikit-learn answers


def test_nmf_c_ordered_components(db):
    """NMF leaves components_ in Fortran order (np.sum(H, axis=1) then adds left to right); a
    C-ordered one is summed pairwise by numpy, as here."""
    X = sets()["digits"]
    for est in (NMF(4, solver="mu", beta_loss=1, random_state=0),
                MiniBatchNMF(3, beta_loss=1, random_state=0)):
        est.fit(X)
        assert est.components_.flags["F_CONTIGUOUS"]
        est.components_ = np.ascontiguousarray(est.components_)
        check_rows(db, est, X[:30], rowwise=True)


def test_nmf_row_is_transformed_alone(db):
    """A batch's answer is not its rows' answers; SQL gives each row's."""
    X = sets()["uniform"]
    est = NMF(3, solver="mu", random_state=0).fit(X)
    ours = scored(db, est, X)
    alone = np.vstack([est.transform(X[i:i + 1]) for i in range(len(X))])
    assert np.array_equal(ours, alone)
    assert not np.allclose(est.transform(X), alone, rtol=1e-6)


def test_nmf_pickle_forms(db):
    X = sets()["iris"]
    for est in (NMF(3, shuffle=True, random_state=7).fit(X), MiniBatchNMF(2, random_state=0).fit(X)):
        for form in FORMS:
            check_rows(db, est, X[::7], rowwise=True, form=form)


def test_nmf_refusals(db):
    X = sets()["iris"]
    for est, want in [
        (NMF(3, shuffle=True).fit(X), "random_state=None draws"),
        (NMF(3, shuffle=True, random_state=np.random.RandomState(0)).fit(X),
         "a RandomState instance"),
        (NMF(3, random_state=0).fit(X.astype(np.float32)), "fitted on float32 data"),
    ]:
        info = json.loads(db.execute("SELECT model_info(?)", (dumps(est),)).fetchone()[0])
        assert info["supported"] is False and want in info["reason"], info
    # shuffle=False ignores random_state
    est = NMF(3, random_state=np.random.RandomState(0)).fit(X)
    check_rows(db, est, X[:5], rowwise=True)


def test_nmf_bad_rows(db):
    X = sets()["uniform"]
    nmf = dumps(NMF(3, random_state=0).fit(X))
    msg = sql_error(db, "model_transform", nmf, 1.0, -2.0, 1.0, 1.0, 1.0)
    assert msg == "model_transform: NMF takes no negative values (feature 2 is -2)"
    msg = sql_error(db, "model_transform", nmf, 1.0, 2.0, 1.0)
    assert "model_transform" in msg and "5" in msg and "3" in msg
    msg = sql_error(db, "model_transform", nmf, 1.0, None, 1.0, 1.0, 1.0)
    assert "missing" in msg or "NULL" in msg, msg
    isn = dumps(NMF(2, solver="mu", beta_loss="itakura-saito", random_state=0).fit(X))
    msg = sql_error(db, "model_transform", isn, 1.0, 0.0, 1.0, 1.0, 1.0)
    assert msg == ("model_transform: NMF with beta_loss <= 0 takes no zeros (the solver may "
                   "diverge)")
    # MiniBatchNMF.transform checks neither: scikit-learn's answer comes back, and where its
    # solver reaches NaN (a negative mean: sqrt) scikit-learn's norm raises, so does SQL
    mb = MiniBatchNMF(2, random_state=0).fit(X)
    row = np.array([[-1.0, 2.0, 1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(scored(db, mb, row), mb.transform(row))
    with pytest.raises(ValueError):
        mb.transform(np.array([[-3.0, -2.0, 1.0, 1.0, 1.0]]))
    msg = sql_error(db, "model_transform", dumps(mb), -3.0, -2.0, 1.0, 1.0, 1.0)
    assert msg == ("model_transform: MiniBatchNMF: the solver reached a non-finite value for "
                   "this row (scikit-learn raises ValueError)")


LDAS = [
    LatentDirichletAllocation(4, random_state=0),
    LatentDirichletAllocation(7, learning_method="online", doc_topic_prior=0.3, random_state=1),
    LatentDirichletAllocation(3, topic_word_prior=0.9, mean_change_tol=1e-6,
                              max_doc_update_iter=500, random_state=2),
    LatentDirichletAllocation(5, max_doc_update_iter=3, random_state=3),
    LatentDirichletAllocation(10, doc_topic_prior=1e-7, random_state=4),
]


@pytest.mark.parametrize("est", LDAS, ids=lambda e: repr(e)[:80])
@pytest.mark.parametrize("name", ["digits", "counts", "sparse"])
def test_lda(db, est, name):
    rng = np.random.RandomState(5)
    X = sets()["sparse"] if name == "sparse" else (
        rng.poisson(1.0, size=(60, 15)).astype(float) if name == "counts" else sets()["digits"])
    est.fit(X)
    rows = np.vstack([X, np.zeros((1, X.shape[1]))])  # an empty document too
    check_rows(db, est, rows)


def test_lda_bad_rows(db):
    X = np.random.RandomState(0).poisson(1.0, size=(30, 6)).astype(float)
    lda = LatentDirichletAllocation(3, random_state=0).fit(X)
    msg = sql_error(db, "model_transform", dumps(lda), 1, 2, -1, 0, 0, 0)
    assert msg == ("model_transform: LatentDirichletAllocation takes no negative counts "
                   "(feature 3 is -1)")
    f32 = LatentDirichletAllocation(3, random_state=0).fit(X.astype(np.float32))
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(f32),)).fetchone()[0])
    assert info["supported"] is False and "fitted on float32 data" in info["reason"]


SKETCHES = [
    PolynomialCountSketch(random_state=0),
    PolynomialCountSketch(degree=3, n_components=37, coef0=1.5, gamma=0.7, random_state=2),
    PolynomialCountSketch(degree=1, n_components=8, random_state=1),
    PolynomialCountSketch(degree=4, n_components=256, coef0=0.2, random_state=3),
    PolynomialCountSketch(degree=2, n_components=3, random_state=4),
]


@pytest.mark.parametrize("est", SKETCHES, ids=lambda e: repr(e)[:80])
@pytest.mark.parametrize("name", ["iris", "uniform", "digits"])
def test_polynomial_count_sketch(db, est, name):
    X = sets()[name]
    est.fit(X)
    ref = est.transform(X)
    ours = scored(db, est, X)
    scale = np.max(np.abs(ref), axis=1, keepdims=True)
    err = np.max(np.abs(ours - ref) / scale)
    assert err <= SKETCH_BOUND, err


MANIFOLDS = [
    Isomap(),
    Isomap(n_neighbors=7, n_components=3),
    Isomap(neighbors_algorithm="brute"),
    Isomap(neighbors_algorithm="ball_tree", metric="manhattan", n_neighbors=6),
    Isomap(metric="minkowski", p=3, n_components=4),
    Isomap(n_neighbors=3, path_method="D"),  # may need _fix_connected_components
    LocallyLinearEmbedding(),
    LocallyLinearEmbedding(n_neighbors=8, n_components=3, method="modified"),
    LocallyLinearEmbedding(neighbors_algorithm="brute", reg=1e-2),
    LocallyLinearEmbedding(n_neighbors=12, method="hessian", n_components=2),
    LocallyLinearEmbedding(n_neighbors=10, method="ltsa", neighbors_algorithm="ball_tree"),
]


@pytest.mark.parametrize("est", MANIFOLDS, ids=lambda e: repr(e)[:80])
@pytest.mark.parametrize("name", ["iris", "uniform", "digits"])
def test_manifold(db, est, name):
    X = sets()[name]
    est.fit(X)
    shift = np.random.RandomState(1).normal(0, 0.05, size=X.shape)
    rows = np.vstack([X[:20], X[:40] + shift[:40]])  # fitted rows (distance 0) and new ones
    check_rows(db, est, rows)


def test_lle_blocked_cholesky(db):
    """More than 64 neighbours: LAPACK's dpotrf works in blocks of 64."""
    X = sets()["iris"]
    est = LocallyLinearEmbedding(n_neighbors=70, n_components=2, eigen_solver="dense").fit(X)
    rows = X[::3] + np.random.RandomState(2).normal(0, 0.05, size=X[::3].shape)
    check_rows(db, est, rows)


def test_manifold_refusals(db):
    X = sets()["uniform"]
    iso = Isomap(n_neighbors=None, radius=2.0).fit(X)
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(iso),)).fetchone()[0])
    assert info["supported"] is False and "radius" in info["reason"]
    lle = dumps(LocallyLinearEmbedding().fit(X))
    msg = sql_error(db, "model_transform", lle, 1.0, 2.0, 3.0)
    assert msg.startswith("model_transform:") and "5" in msg


def test_census_classes_listed(db):
    names = {r[0] for r in db.execute("SELECT class FROM model_supported()")}
    assert {"NMF", "MiniBatchNMF", "LatentDirichletAllocation", "PolynomialCountSketch",
            "Isomap", "LocallyLinearEmbedding"} <= names


def test_corrupt_attributes(db):
    """Inconsistent fitted arrays are refused while compiling, never read out of bounds."""
    X = sets()["uniform"]
    cases = []
    e = NMF(3, random_state=0).fit(X)
    e.components_ = e.components_[:, :4]
    cases.append((e, "n_features_in_"))
    e = PolynomialCountSketch(random_state=0).fit(X)
    e.indexHash_ = e.indexHash_ + 1000
    cases.append((e, "out of range"))
    e = LatentDirichletAllocation(2, random_state=0).fit(X)
    e.exp_dirichlet_component_ = -e.exp_dirichlet_component_
    cases.append((e, "negative"))
    e = Isomap().fit(X)
    e.dist_matrix_ = e.dist_matrix_[:10]
    cases.append((e, "dist_matrix_"))
    e = LocallyLinearEmbedding().fit(X)
    e.embedding_ = e.embedding_[:7]
    cases.append((e, "embedding_"))
    for est, want in cases:
        info = json.loads(db.execute("SELECT model_info(?)",
                                     (pickle.dumps(est),)).fetchone()[0])
        assert info["supported"] is False and want in info["reason"], info
