"""KernelPCA (every kernel scikit-learn 1.2 allows it) and the kernel approximations (RBFSampler, SkewedChi2Sampler,
AdditiveChi2Sampler, Nystroem with every kernel) scored in SQL against scikit-learn, every row.
Floats within modelcheck's 1e-12 relative bound: the kernel's exp/tanh/cos/log come from libm
where numpy may use its SIMD versions (an ulp apart), and each output sums over the fitted rows
in BLAS's order for these sizes. Nystroem with a kernel of rank below n_components (linear or
cosine on 4 features) has a near-singular normalization_ (entries ~1e6) that magnifies those
ulps in scikit-learn itself: such configurations use n_components <= n_features here."""
import warnings

import numpy as np
import pytest
from sklearn import datasets, decomposition as D, kernel_approximation as KA
from sklearn.metrics.pairwise import rbf_kernel

from conftest import sql_error
from modelcheck import FORMS, score_and_compare
from famcheck import score_wide

warnings.filterwarnings("ignore")


def sets():
    Xi, _ = datasets.load_iris(return_X_y=True)
    Xw, _ = datasets.load_wine(return_X_y=True)
    Xb, _ = datasets.make_blobs(150, 5, centers=4, random_state=7)
    return {"iris": Xi, "wine": Xw[:, :6] / 10.0, "blobs": np.abs(Xb)}


KPCA = [
    D.KernelPCA(),
    D.KernelPCA(n_components=3, kernel="rbf"),
    D.KernelPCA(n_components=3, kernel="rbf", gamma=0.5),
    D.KernelPCA(n_components=4, kernel="poly", degree=2, coef0=0.5),
    D.KernelPCA(n_components=4, kernel="poly"),
    D.KernelPCA(n_components=2, kernel="sigmoid", gamma=0.01),
    D.KernelPCA(n_components=3, kernel="cosine"),
    D.KernelPCA(n_components=3, kernel="rbf", eigen_solver="arpack", random_state=0),
    D.KernelPCA(n_components=2, kernel="rbf", remove_zero_eig=True),
]

APPROX = [
    KA.RBFSampler(n_components=20, random_state=0),
    KA.RBFSampler(n_components=7, gamma=0.3, random_state=1),
    KA.SkewedChi2Sampler(n_components=12, random_state=0),
    KA.SkewedChi2Sampler(n_components=5, skewedness=2.5, random_state=3),
    KA.AdditiveChi2Sampler(),
    KA.AdditiveChi2Sampler(sample_steps=1),
    KA.AdditiveChi2Sampler(sample_steps=3),
    KA.AdditiveChi2Sampler(sample_steps=4, sample_interval=0.3),
    KA.Nystroem(n_components=20, random_state=0),
    KA.Nystroem(kernel="poly", degree=2, n_components=15, random_state=1),
    KA.Nystroem(kernel="sigmoid", gamma=0.01, n_components=15, random_state=2),
    KA.Nystroem(kernel="linear", n_components=4, random_state=2),
    KA.Nystroem(kernel="cosine", n_components=4, random_state=2),
    KA.Nystroem(kernel="laplacian", gamma=0.1, n_components=10, random_state=2),
    KA.Nystroem(kernel="chi2", n_components=10, random_state=2),
    KA.Nystroem(kernel="additive_chi2", n_components=10, random_state=2),
]


@pytest.mark.parametrize("est", KPCA, ids=lambda e: repr(e)[:70])
@pytest.mark.parametrize("name", ["iris", "wine", "blobs"])
def test_kernel_pca(db, est, name):
    X = sets()[name]
    est.fit(X)
    assert score_and_compare(db, est, X) == ["transform"]


def test_kernel_pca_precomputed(db):
    X = sets()["iris"]
    K = rbf_kernel(X[:40], X[:40], gamma=0.3)
    est = D.KernelPCA(3, kernel="precomputed").fit(K)
    Kt = rbf_kernel(X, X[:40], gamma=0.3)
    assert score_wide(db, est, Kt) == ["transform"]


@pytest.mark.parametrize("est", APPROX, ids=lambda e: repr(e)[:70])
@pytest.mark.parametrize("name", ["iris", "wine", "blobs"])
def test_kernel_approximation(db, est, name):
    X = sets()[name].copy()
    X[::7, 1] = 0.0  # zeros take AdditiveChi2Sampler's separate path
    est.fit(X)
    assert score_wide(db, est, X) == ["transform"]


@pytest.mark.parametrize("form", FORMS)
def test_forms(db, form):
    X = sets()["iris"]
    score_and_compare(db, D.KernelPCA(3, kernel="rbf").fit(X), X, form=form)
    score_and_compare(db, KA.Nystroem(n_components=12, random_state=0).fit(X), X, form=form)


@pytest.mark.parametrize("est, row, msg", [
    (KA.AdditiveChi2Sampler(), (1.0, -2.0, 3.0, 4.0),
     "AdditiveChi2Sampler takes no negative values (feature 2 is -2)"),
    (KA.SkewedChi2Sampler(n_components=3, random_state=0), (1.0, -2.0, 3.0, 4.0),
     "SkewedChi2Sampler: feature 2 (-2) is not greater than -skewedness"),
    (KA.Nystroem(kernel="chi2", n_components=5), (1.0, 2.0, -0.5, 4.0),
     "Nystroem: the chi2 kernel takes no negative values (feature 3 is -0.5)"),
])
def test_negative_inputs_refused(db, est, row, msg):
    X = sets()["iris"]
    est.fit(X)
    from modelcheck import dumps
    err = sql_error(db, "model_transform", dumps(est), *row)
    assert err and msg in err, err
    with pytest.raises(ValueError):
        est.transform(np.array([row]))


def test_kernel_params_refused(db):
    from modelcheck import dumps
    X = sets()["iris"]
    est = KA.Nystroem(kernel="rbf", kernel_params={"gamma": 0.2}, n_components=5).fit(X)
    err = sql_error(db, "model_transform", dumps(est), 1.0, 2.0, 3.0, 4.0)
    assert "Nystroem with kernel_params cannot be scored" in err, err
