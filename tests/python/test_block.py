"""pk_model_run_block (many rows at once) gives the row kernel's output on every row, bit for
bit, and refuses the same rows with the same errors.

scripts/bench_block.c scores the rows both ways through the core library
(build/release/libpkcore.a, built here if missing) and compares every output. Models: random
forest and extra trees (classifier, regressor), gradient boosting (binary, multiclass,
regressor, a general init estimator: scored row by row), histogram boosting (binary, multiclass,
regressor, rows with a few NaN and rows with NaN everywhere), and families without a block kernel (the row loop): logistic
regression, a pipeline, XGBoost. Rows include NaN (taken by histogram boosting, refused by the
others) and values too large for float32 (refused by the float32 tree families).
"""
import os
import pickle
import subprocess

import numpy as np
import pytest

from conftest import HERE, core_includes

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


@pytest.fixture(scope="module")
def bench_block(tmp_path_factory):
    lib = os.path.join(ROOT, "build", "release", "libpkcore.a")
    subprocess.run(["make", "-s", "-C", ROOT, "build/release/libpkcore.a"], check=True,
                   stdout=subprocess.DEVNULL)
    exe = str(tmp_path_factory.mktemp("bb") / "bench_block")
    subprocess.run(["cc", "-O2"] + core_includes() +
                   ["-o", exe, os.path.join(ROOT, "scripts", "bench_block.c"), lib, "-lzstd",
                    "-lz", "-lbz2", "-llzma", "-llz4", "-lm"], check=True)
    return exe


def rows(nf, n=700, nan=False, huge=False, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, nf)) * 1.5
    if nan == "dense":  # NaN in every feature, most blocks of rows: the NaN block kernels
        X[np.random.default_rng(seed + 1).random(X.shape) < 0.08] = np.nan
    elif nan:
        X[3, 1] = np.nan
        X[100:140:3, 0] = np.nan
    if huge:
        X[17, 2] = 1e300  # beyond float32: refused by the float32 tree families
    return X


def check(exe, tmp_path, model, X, method, want_block):
    pk = tmp_path / "m.pkl"
    pk.write_bytes(pickle.dumps(model, protocol=4))
    xf = tmp_path / "x.f64"
    np.ascontiguousarray(X, dtype=np.float64).tofile(str(xf))
    p = subprocess.run([exe, str(pk), str(xf), method, "1"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    f = p.stdout.split()
    assert f[0] == "rows" and int(f[1]) == len(X)
    assert f[2:4] == ["same", "1"], p.stdout + p.stderr
    assert f[4:6] == ["has_block", "1" if want_block else "0"], p.stdout


def data(kind, nf=8, seed=0):
    from sklearn.datasets import make_classification, make_regression
    if kind == "reg":
        return make_regression(n_samples=600, n_features=nf, noise=1.0, random_state=seed)
    classes = 3 if kind == "multi" else 2
    return make_classification(n_samples=600, n_features=nf, n_informative=5,
                               n_classes=classes, random_state=seed)


TREE_METHODS = ["predict", "predict_proba"]


@pytest.mark.parametrize("kind", ["binary", "multi", "reg"])
@pytest.mark.parametrize("cls", ["RandomForest", "ExtraTrees"])
def test_forests(bench_block, tmp_path, kind, cls):
    from sklearn import ensemble
    X, y = data(kind)
    est = getattr(ensemble, cls + ("Regressor" if kind == "reg" else "Classifier"))
    m = est(n_estimators=23, max_depth=None if cls == "ExtraTrees" else 7,
            random_state=0).fit(X, y)
    for method in (["predict"] if kind == "reg" else TREE_METHODS):
        for Xt in (rows(8), rows(8, huge=True), rows(8, n=5), rows(8, nan=True)):
            check(bench_block, tmp_path, m, Xt, method, True)


@pytest.mark.parametrize("kind", ["binary", "multi", "reg"])
def test_gradient_boosting(bench_block, tmp_path, kind):
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    X, y = data(kind)
    est = GradientBoostingRegressor if kind == "reg" else GradientBoostingClassifier
    m = est(n_estimators=30, max_depth=3, random_state=0).fit(X, y)
    methods = ["predict"] if kind == "reg" else TREE_METHODS + ["decision_function"]
    for method in methods:
        for Xt in (rows(8), rows(8, huge=True), rows(8, nan=True)):
            check(bench_block, tmp_path, m, Xt, method, True)


def test_gradient_boosting_general_init_is_scored_row_by_row(bench_block, tmp_path):
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    X, y = data("binary")
    m = GradientBoostingClassifier(n_estimators=10, init=LogisticRegression(),
                                   random_state=0).fit(X, y)
    check(bench_block, tmp_path, m, rows(8), "predict_proba", False)


@pytest.mark.parametrize("kind", ["binary", "multi", "reg"])
def test_hist_gradient_boosting(bench_block, tmp_path, kind):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    X, y = data(kind)
    X = X.copy()
    X[::7, 2] = np.nan  # trained with missing values: NaN routing in the trees
    est = HistGradientBoostingRegressor if kind == "reg" else HistGradientBoostingClassifier
    m = est(max_iter=25, random_state=0).fit(X, y)
    methods = ["predict"] if kind == "reg" else TREE_METHODS + ["decision_function"]
    for method in methods:
        for Xt in (rows(8), rows(8, nan=True), rows(8, n=9, nan=True)):
            check(bench_block, tmp_path, m, Xt, method, True)


@pytest.mark.parametrize("kind", ["binary", "multi", "reg"])
@pytest.mark.parametrize("iters", [24, 25])  # trees walked in pairs: an even and an odd count
def test_hist_gradient_boosting_dense_nan(bench_block, tmp_path, kind, iters):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    X, y = data(kind)
    X = X.copy()
    X[::5, 1] = np.nan  # missing values go left at some nodes, right at others
    est = HistGradientBoostingRegressor if kind == "reg" else HistGradientBoostingClassifier
    m = est(max_iter=iters, early_stopping=False, random_state=0).fit(X, y)
    methods = ["predict"] if kind == "reg" else ["predict_proba", "decision_function"]
    for method in methods:
        for Xt in (rows(8, nan="dense"), rows(8, n=13, nan="dense", seed=3)):
            check(bench_block, tmp_path, m, Xt, method, True)


def test_hist_gradient_boosting_categorical(bench_block, tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier
    X, y = data("binary")
    X = X.copy()
    X[:, 0] = np.abs(np.round(X[:, 0] * 3)) % 6
    m = HistGradientBoostingClassifier(max_iter=15, categorical_features=[0],
                                       random_state=0).fit(X, y)
    Xt = rows(8)
    Xt[:, 0] = np.abs(np.round(Xt[:, 0] * 3)) % 8  # unknown categories too
    check(bench_block, tmp_path, m, Xt, "predict_proba", True)


def test_families_without_a_block_kernel(bench_block, tmp_path):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    import xgboost as xgb
    X, y = data("multi")
    for m in (LogisticRegression(max_iter=500).fit(X, y),
              make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y),
              xgb.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1).fit(X, y)):
        for Xt in (rows(8), rows(8, nan=True)):
            check(bench_block, tmp_path, m, Xt, "predict_proba", False)
