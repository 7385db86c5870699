"""KNeighborsClassifier / KNeighborsRegressor scored in SQL against scikit-learn.

Every search method (brute, kd_tree, ball_tree), weights uniform/distance, metrics euclidean,
manhattan, chebyshev, minkowski (p=3), on data with many duplicated rows and integer-valued
features so that neighbour distances tie (at the k-th neighbour too) and votes tie.
Guarantees tested: labels identical; probabilities identical (equal to the last bit, except that
minkowski distances go through pow and numpy's SIMD power: 1e-12); regression values within
1e-12 relative (for trees the neighbours come out in scikit-learn's order, so they are exact;
brute force orders tied neighbours by index, which can move the last bit of a mean).
"""
import json

import numpy as np
import pytest
from sklearn import datasets
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from conftest import sql_error
from modelcheck import FORMS, dumps, load_table, score_and_compare, sql_scores

ALGS = ["brute", "kd_tree", "ball_tree"]
METRICS = [dict(), dict(p=1), dict(metric="chebyshev"), dict(p=3), dict(metric="l2"),
           dict(metric="cityblock")]


def _mid(p):
    return ",".join("%s=%s" % kv for kv in sorted(p.items())) or "euclidean"


def tie_sets():
    rng = np.random.RandomState(0)
    # small integer grid: many equal distances
    X1 = rng.randint(0, 4, size=(120, 3)).astype(float)
    y1 = (X1.sum(axis=1) + rng.randint(0, 2, 120)) % 3
    X2 = np.vstack([X1[:40], X1[:40], X1[:40]])  # every point three times, different labels
    y2 = np.concatenate([np.zeros(40), np.ones(40), np.full(40, 2)]).astype(int)
    Xi, yi = datasets.load_iris(return_X_y=True)  # iris has duplicated rows
    return {"grid": (X1, y1.astype(int)), "triples": (X2, y2), "iris": (Xi, yi)}


def queries(X):
    rng = np.random.RandomState(1)
    Q = np.vstack([X, X[:30] + 0.5, rng.uniform(X.min(), X.max(), size=(40, X.shape[1]))])
    return np.round(Q * 2) / 2  # halves: more exact ties


@pytest.mark.parametrize("metric", METRICS, ids=_mid)
@pytest.mark.parametrize("alg", ALGS)
def test_classifier(db, alg, metric):
    for k, (name, (X, y)) in enumerate(sorted(tie_sets().items())):
        for weights in ("uniform", "distance"):
            for nn in (1, 4, 7):
                e = KNeighborsClassifier(n_neighbors=nn, algorithm=alg, weights=weights,
                                         leaf_size=5, **metric).fit(X, y)
                Q = queries(X)
                checked = score_and_compare(db, e, Q, FORMS[(k + nn) % len(FORMS)])
                assert checked == ["predict", "predict_proba"]
                if "p" not in metric or metric["p"] != 3:
                    ours = sql_scores(db, "model_predict_proba", dumps(e), load_table(db, Q))
                    o = np.array([json.loads(v) for v in ours])
                    assert np.array_equal(o, e.predict_proba(Q)), (name, weights, nn)


@pytest.mark.parametrize("metric", METRICS[:4], ids=_mid)
@pytest.mark.parametrize("alg", ALGS)
def test_regressor(db, alg, metric):
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    sets = {"grid": (tie_sets()["grid"][0], np.arange(120) * 0.37 - 3.1),
            "diabetes": (Xd[:150], yd[:150])}
    for k, (name, (X, y)) in enumerate(sorted(sets.items())):
        for weights in ("uniform", "distance"):
            for nn in (3, 9):
                e = KNeighborsRegressor(n_neighbors=nn, algorithm=alg, weights=weights,
                                        leaf_size=4, **metric).fit(X, y)
                Q = queries(X) if name == "grid" else X
                assert score_and_compare(db, e, Q, FORMS[k % len(FORMS)]) == ["predict"]
                if alg != "brute" and metric.get("p") != 3:
                    o = sql_scores(db, "model_predict", dumps(e), load_table(db, Q))
                    assert np.array_equal(np.array(o), e.predict(Q)), (name, weights, nn)


def test_regressor_multi_output(db):
    X, Y = datasets.make_regression(100, 4, n_targets=3, random_state=2)
    for alg in ALGS:
        for weights in ("uniform", "distance"):
            e = KNeighborsRegressor(n_neighbors=10, algorithm=alg, weights=weights).fit(X, Y)
            score_and_compare(db, e, np.vstack([X, X[:10] + 0.1]), "p4")


def test_labels_and_forms(db):
    X, y = tie_sets()["grid"]
    for labels in (np.array(["a", "b", "c"])[y], y * 2.0 + 1.0, y == 1):
        e = KNeighborsClassifier(n_neighbors=5, weights="distance").fit(X, labels)
        for form in FORMS:
            score_and_compare(db, e, queries(X), form)


def test_big_brute(db):
    """10k training rows, brute force and kd_tree, euclidean: the GEMM-style distance."""
    X, y = datasets.make_classification(3000, 8, n_informative=5, n_classes=3,
                                        random_state=3)
    for alg in ("brute", "kd_tree"):
        e = KNeighborsClassifier(n_neighbors=15, algorithm=alg, weights="distance").fit(X, y)
        score_and_compare(db, e, X[:300] + 0.01, "joblib")


def test_pickles_are_safe(db):
    X, y = tie_sets()["iris"]
    for alg in ALGS:
        for metric in METRICS:
            e = KNeighborsClassifier(algorithm=alg, **metric).fit(X, y)
            info = json.loads(db.execute("SELECT pickle_info(?)", (dumps(e),)).fetchone()[0])
            assert info["safe"] is True, (alg, metric, info.get("unsafe_globals"))


def test_refusals(db):
    X, y = tie_sets()["iris"]
    e = KNeighborsClassifier(metric="cosine", algorithm="brute").fit(X, y)
    assert "metric 'cosine' is not supported" in sql_error(db, "model_predict", dumps(e), *X[0])
    e = KNeighborsClassifier(metric="minkowski", p=3, metric_params={"w": np.ones(4)},
                             algorithm="brute").fit(X, y)
    msg = sql_error(db, "model_predict", dumps(e), *X[0])
    assert "weighted minkowski" in msg, msg
    e = KNeighborsClassifier().fit(X, np.vstack([y, y]).T)
    assert "several outputs" in sql_error(db, "model_predict", dumps(e), *X[0])


def test_brute_ties_across_chunks(db):
    """900 rows on an integer grid (4 chunks of 256 dealt to the threads): equally distant rows
    at the k-th place in several chunks, so the per-thread heaps and their merge decide."""
    rng = np.random.RandomState(5)
    X = rng.randint(0, 3, size=(900, 3)).astype(float)
    y = rng.randint(0, 3, 900)
    Q = queries(X[:200])
    for weights in ("uniform", "distance"):
        for nn in (3, 10, 25):
            e = KNeighborsClassifier(n_neighbors=nn, algorithm="brute", weights=weights).fit(X, y)
            score_and_compare(db, e, Q, "p4")
            o = sql_scores(db, "model_predict_proba", dumps(e), load_table(db, Q))
            assert np.array_equal(np.array([json.loads(v) for v in o]), e.predict_proba(Q))
            r = KNeighborsRegressor(n_neighbors=nn, algorithm="brute", weights=weights).fit(
                X, y * 0.3)
            score_and_compare(db, r, Q, "p5")


class _TreeAs:
    """Pickles as newObj(KDTree/BallTree) + the given state: lets a test write the tree exactly
    as another platform or release would (scikit-learn 1.2 itself refuses such state)."""

    def __init__(self, tree, state):
        self.tree, self.state = tree, state

    def __reduce__(self):
        r = self.tree.__reduce__()
        return r[0], r[1], self.state


def test_tree_with_windows_intp(db):
    """Pickles made on Windows (numpy < 2) have 4-byte intp: idx_array and node_data's integer
    fields are int32. They score like the originals."""
    import copy
    X, y = tie_sets()["grid"]
    for alg in ("kd_tree", "ball_tree"):
        e = KNeighborsClassifier(n_neighbors=4, algorithm=alg, leaf_size=5).fit(X, y)
        st = list(e._tree.__getstate__())
        nd = st[2]
        nd32 = np.zeros(nd.shape, dtype=[("idx_start", "<i4"), ("idx_end", "<i4"),
                                          ("is_leaf", "<i4"), ("radius", "<f8")])
        for f in ("idx_start", "idx_end", "is_leaf", "radius"):
            nd32[f] = nd[f]
        st[1] = st[1].astype(np.int32)
        st[2] = nd32
        e2 = copy.copy(e)
        e2._tree = _TreeAs(e._tree, tuple(st))
        Q = queries(X)
        o = sql_scores(db, "model_predict_proba", dumps(e2), load_table(db, Q))
        assert np.array_equal(np.array([json.loads(v) for v in o]), e.predict_proba(Q))


def test_brute_float32_refused(db):
    X, y = tie_sets()["iris"]
    e = KNeighborsClassifier(algorithm="brute").fit(X.astype(np.float32), y)
    assert sql_error(db, "model_predict", dumps(e), *X[0]) == (
        "model_predict: KNeighborsClassifier was fitted by brute force on float32 data; only "
        "float64 is supported")
    # a tree converts its data to float64: scored
    e = KNeighborsClassifier(algorithm="kd_tree").fit(X.astype(np.float32), y)
    score_and_compare(db, e, X, "p4")


def _grid_with_duplicates(n, nf, seed):
    """n rows on a small integer grid (many exact duplicates and equal distances), labels that
    differ between duplicates."""
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 3, size=(n, nf)).astype(float)
    X[n // 2:] = X[:n - n // 2]  # every point of the first half appears twice
    return X, rng.randint(0, 3, n)


@pytest.mark.parametrize("metric", METRICS[:4], ids=_mid)
@pytest.mark.parametrize("alg", ALGS)
def test_blocks_chunks_and_ties(db, alg, metric):
    """The scoring sums the distances of eight points at a time, brute force in 256-row chunks,
    a tree's points leaf by leaf (leaves of 7 to 13 points: blocks with a short tail). On 700
    rows of an integer grid where every point is duplicated, the k-th neighbour ties in every
    row: every row is compared with scikit-learn (labels, probabilities, regression values)."""
    X, y = _grid_with_duplicates(700, 5, 11)
    Q = np.vstack([X[:150], queries(X[:60])])
    exact = metric.get("p") != 3
    for weights in ("uniform", "distance"):
        for nn in (1, 8, 17):
            e = KNeighborsClassifier(n_neighbors=nn, algorithm=alg, weights=weights,
                                     leaf_size=7, **metric).fit(X, y)
            assert score_and_compare(db, e, Q, "p4") == ["predict", "predict_proba"]
            if exact:
                o = sql_scores(db, "model_predict_proba", dumps(e), load_table(db, Q))
                got = np.array([json.loads(v) for v in o])
                assert np.array_equal(got, e.predict_proba(Q)), (weights, nn)
            r = KNeighborsRegressor(n_neighbors=nn, algorithm=alg, weights=weights, leaf_size=7,
                                    **metric).fit(X, y * 0.37 - 1)
            assert score_and_compare(db, r, Q, "p5") == ["predict"]
            if exact and alg != "brute":
                o = sql_scores(db, "model_predict", dumps(r), load_table(db, Q))
                assert np.array_equal(np.array(o), r.predict(Q)), (weights, nn)


def test_big_trees(db):
    """3000 rows in 8 dimensions, default leaves (30 points): the kd-tree bound stops early
    and skips zero terms, leaves are read in idx_array order."""
    X, y = datasets.make_classification(3000, 8, n_informative=5, n_classes=3, random_state=4)
    Q = np.random.RandomState(6).normal(size=(250, 8)) * 1.5
    for alg in ("kd_tree", "ball_tree"):
        for metric in (dict(), dict(p=1), dict(metric="chebyshev")):
            e = KNeighborsClassifier(n_neighbors=6, algorithm=alg, weights="distance",
                                     **metric).fit(X, y)
            score_and_compare(db, e, Q, "joblib")
            o = sql_scores(db, "model_predict_proba", dumps(e), load_table(db, Q))
            assert np.array_equal(np.array([json.loads(v) for v in o]), e.predict_proba(Q))


def test_tree_idx_array_not_a_permutation(db):
    """The tree's data is stored in idx_array order: an idx_array naming a row twice is refused
    (scikit-learn's own trees always hold a permutation)."""
    import copy
    X, y = tie_sets()["grid"]
    e = KNeighborsClassifier(n_neighbors=3, algorithm="kd_tree", leaf_size=5).fit(X, y)
    st = list(e._tree.__getstate__())
    ia = st[1].copy()
    ia[7] = ia[3]
    st[1] = ia
    e2 = copy.copy(e)
    e2._tree = _TreeAs(e._tree, tuple(st))
    assert sql_error(db, "model_predict", dumps(e2), *X[0]) == (
        "model_predict: KNeighborsClassifier: the tree's idx_array repeats row %d" % ia[3])
