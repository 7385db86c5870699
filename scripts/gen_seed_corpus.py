#!/usr/bin/python3
"""Seed corpus for the libFuzzer targets (tests/fuzz), generated with fixed seeds.

Usage (Debian's /usr/bin/python3: numpy, joblib, scikit-learn):
  gen_seed_corpus.py OUT_DIR            pickles of many kinds, one file each
  gen_seed_corpus.py --path-doc HEADER  the fixed document of fuzz_path.c as a C header
  gen_seed_corpus.py --inflate OUT_DIR  seeds of fuzz_inflate (selector byte + payload)
  gen_seed_corpus.py --paths OUT_DIR    seeds of fuzz_path (path texts)

Kinds: builtin containers and scalars at protocols 0-5 (shared and cyclic nodes, big ints,
Python 2 style strings), numpy arrays of many dtypes/orders/shapes at every protocol (including
protocol 5 out-of-band style BYTEARRAY8 and object arrays), joblib dumps plain and compressed
(zlib, gzip, bz2, xz, lzma, lz4 when installed), small fitted scikit-learn models (linear,
k-means, scaler, pipeline, trees, forests, gradient boosting), and zstd-wrapped copies made with
/usr/bin/zstd when present. Small files only: libFuzzer's default max_len follows the corpus.
Nothing here is a malicious payload (see scripts/gen_malicious.py for those).
"""
import collections
import io
import os
import pickle
import shutil
import subprocess
import sys
import warnings

import numpy as np

MAX_SEED = 64 * 1024


class Point:  # pickled as __main__.Point: an inert object for the decoder
    def __init__(self, x, y):
        self.x, self.y = x, y


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a, self.b = 1, "two"


class MyList(list):
    pass


class MyDict(dict):
    pass


def containers():
    shared = [1, 2, 3]
    cyc = [0]
    cyc.append(cyc)
    d = {"a": 1, "b": [1.5, float("nan"), float("inf")], 3: "int key", (1, 2): None}
    objs = {
        "scalars": [None, True, False, 0, 1, -1, 255, 256, 65535, 2**31 - 1, -2**31, 2**63,
                    -2**63 - 1, 10**40, 1.5, -0.0, 1e308, 3 + 4j, "h\u00e9llo \U0001f600",
                    b"\x00\xff", bytearray(b"ba")],
        "dict": d,
        "shared": [shared, shared, (shared,)],
        "cyclic": cyc,
        "sets": [set([1, 2, 3]), frozenset(["a", "b"]), set()],
        "odict": collections.OrderedDict([("x", 1), ("y", 2)]),
        "defaultdict": collections.defaultdict(list, {"k": [1]}),
        "object": Point(1, [2, 3]),
        "slotted": Slotted(),
        "mylist": MyList([1, 2]),
        "mydict": MyDict(a=1),
        "nested": [[[[[[[[1]]]]]]]],
        "tuple_sizes": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
        "long_str": "x" * 300,
        "many": list(range(300)),
    }
    out = {}
    for name, obj in objs.items():
        for proto in range(0, 6):
            try:
                out["c_%s_p%d" % (name, proto)] = pickle.dumps(obj, protocol=proto)
            except Exception:
                pass
    return out


def arrays():
    rng = np.random.RandomState(0)
    arrs = {
        "f8": rng.rand(3, 4),
        "f4": rng.rand(5).astype("f4"),
        "i8": np.arange(12, dtype="i8").reshape(3, 4),
        "i2be": np.arange(6, dtype=">i2"),
        "u1": np.arange(10, dtype="u1"),
        "bool": np.array([True, False, True]),
        "c16": np.array([1 + 2j, 3 - 4j]),
        "fortran": np.asfortranarray(rng.rand(3, 2)),
        "zero_d": np.array(7.5),
        "empty": np.zeros((0, 3)),
        "str_U": np.array(["a", "bcd", "\u00e9"]),
        "bytes_S": np.array([b"ab", b"c"]),
        "object": np.array([1, "two", None, [3]], dtype=object),
        "struct": np.array([(1, 2.5), (3, 4.5)], dtype=[("a", "i4"), ("b", "f8")]),
        "aligned_struct": np.zeros(2, dtype=np.dtype([("a", "u1"), ("b", "f8")], align=True)),
        "subarray": np.zeros(2, dtype=("f8", (2,))),
        "datetime": np.array(["2020-01-01", "2021-06-15"], dtype="M8[D]"),
        "timedelta": np.array([1, 2], dtype="m8[s]"),
        "view": np.arange(20.0)[::3],
        "scalar_f8": np.float64(1.5),
        "scalar_i4": np.int32(-7),
        "matrix_like_3d": rng.rand(2, 2, 2),
    }
    out = {}
    for name, a in arrs.items():
        for proto in range(0, 6):
            out["np_%s_p%d" % (name, proto)] = pickle.dumps(a, protocol=proto)
    return out


def joblib_dumps():
    import joblib
    rng = np.random.RandomState(1)
    obj = {"w": rng.rand(4, 3), "i": np.arange(5), "o": np.array([1, "a"], dtype=object),
           "f": np.asfortranarray(rng.rand(2, 3)), "s": "text", "l": [np.float32(2.5)]}
    out = {}
    for comp in [None, "zlib", "gzip", "bz2", "xz", "lzma", "lz4"]:
        bio = io.BytesIO()
        try:
            if comp is None:
                joblib.dump(obj, bio)
            else:
                joblib.dump(obj, bio, compress=(comp, 3))
        except Exception:
            continue
        out["jl_%s" % (comp or "raw")] = bio.getvalue()
    bio = io.BytesIO()
    joblib.dump(obj, bio, protocol=2)
    out["jl_raw_p2"] = bio.getvalue()
    return out


def models():
    out = {}
    try:
        from sklearn.cluster import KMeans
        from sklearn.datasets import make_classification, make_regression
        from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingRegressor,
                                      IsolationForest, RandomForestClassifier)
        from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import MinMaxScaler, StandardScaler
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
        from sklearn.naive_bayes import CategoricalNB, GaussianNB
        from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
        from sklearn.neural_network import MLPClassifier
        from sklearn.svm import SVC, OneClassSVM
        from sklearn import compose, feature_selection, pipeline as skpipe, preprocessing as pre
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import (AdaBoostClassifier, BaggingRegressor, StackingClassifier,
                                      VotingClassifier)
        from sklearn.isotonic import IsotonicRegression
        from sklearn.model_selection import GridSearchCV
        from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier, OutputCodeClassifier
        from sklearn.multioutput import ClassifierChain
        from sklearn import cluster, decomposition, kernel_approximation, random_projection
        from sklearn.linear_model import RANSACRegressor, SGDOneClassSVM
    except Exception as exc:  # pragma: no cover
        print("no scikit-learn: %s" % exc, file=sys.stderr)
        return out
    warnings.simplefilter("ignore")
    X, y = make_classification(n_samples=60, n_features=4, n_informative=3, n_redundant=0,
                               n_classes=3, random_state=0)
    Xr, yr = make_regression(n_samples=60, n_features=3, random_state=0)
    est = {
        "logreg": LogisticRegression(max_iter=200).fit(X, y),
        "logreg_bin": LogisticRegression().fit(X, y % 2),
        "linreg": LinearRegression().fit(Xr, yr),
        "ridge": Ridge().fit(Xr, yr),
        "kmeans": KMeans(n_clusters=3, n_init=3, random_state=0).fit(X),
        "scaler": StandardScaler().fit(X),
        "minmax": MinMaxScaler().fit(X),
        "pipe": make_pipeline(StandardScaler(), KMeans(n_clusters=2, n_init=2, random_state=0)).fit(X),
        "pipe_lr": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
        "tree": DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y),
        "tree_reg": DecisionTreeRegressor(max_depth=3, random_state=0).fit(Xr, yr),
        "forest": RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y),
        "gb": GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y % 2),
        "hgb": HistGradientBoostingRegressor(max_iter=3, random_state=0).fit(Xr, yr),
        "iforest": IsolationForest(n_estimators=3, random_state=0).fit(X),
        "gnb": GaussianNB().fit(X, y),
        "catnb": CategoricalNB().fit((X > 0).astype(int), y),
        "svc": SVC(probability=True, random_state=0).fit(X[:30], y[:30]),
        "ocsvm": OneClassSVM(kernel="poly", degree=2).fit(X[:20]),
        "knn_kd": KNeighborsClassifier(3, leaf_size=4).fit(X, y),
        "knn_ball": KNeighborsRegressor(3, algorithm="ball_tree", leaf_size=4,
                                        weights="distance").fit(Xr, yr),
        "knn_brute": KNeighborsClassifier(4, algorithm="brute", p=1).fit(X, y),
        "mlp": MLPClassifier((4,), max_iter=20, random_state=0).fit(X, y),
        "kbins": pre.KBinsDiscretizer(3).fit(X),
        "quantile": pre.QuantileTransformer(n_quantiles=20, output_distribution="normal").fit(X),
        "power": pre.PowerTransformer().fit(X),
        "func": pre.FunctionTransformer(np.log1p, np.expm1).fit(np.abs(X)),
        "kbest": feature_selection.SelectKBest(k=2).fit(X, y),
        "rfe": feature_selection.RFE(LogisticRegression(), n_features_to_select=2).fit(X, y),
        "sfm": feature_selection.SelectFromModel(LogisticRegression()).fit(X, y),
        "union": skpipe.FeatureUnion([("s", StandardScaler()), ("p", "passthrough")]).fit(X),
        "ttr": compose.TransformedTargetRegressor(Ridge(), func=np.log1p,
                                                  inverse_func=np.expm1).fit(Xr, np.abs(yr)),
        # meta-estimators: members compiled as sub-models
        "vote": VotingClassifier([("a", GaussianNB()), ("b", LogisticRegression())],
                                 voting="soft", weights=[1, 2]).fit(X, y),
        "stack": StackingClassifier([("a", GaussianNB()), ("b", SVC())], cv=2,
                                    passthrough=True).fit(X, y),
        "calib": CalibratedClassifierCV(SVC(), method="isotonic", cv=2).fit(X, y),
        "ovr": OneVsRestClassifier(GaussianNB()).fit(X, y),
        "ovo": OneVsOneClassifier(LogisticRegression()).fit(X, y),
        "occ": OutputCodeClassifier(LogisticRegression(), random_state=0).fit(X, y),
        "chain": ClassifierChain(LogisticRegression(), order="random", random_state=0).fit(
            X, (X[:, :3] > 0).astype(int)),
        "grid": GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=2).fit(Xr, yr),
        "bag_any": BaggingRegressor(Ridge(), n_estimators=3, max_features=2,
                                    random_state=0).fit(Xr, yr),
        "ada_any": AdaBoostClassifier(GaussianNB(), n_estimators=3, random_state=0).fit(X, y),
        "iso": IsotonicRegression(out_of_bounds="clip").fit(Xr[:, 0], yr),
        "srp": random_projection.SparseRandomProjection(3, random_state=0).fit(X),
        "fa": decomposition.FactorAnalysis(2).fit(X),
        "kpca": decomposition.KernelPCA(2, kernel="rbf").fit(X[:10]),
        "nystroem": kernel_approximation.Nystroem(n_components=5, random_state=0).fit(X),
        "chi2": kernel_approximation.AdditiveChi2Sampler().fit(abs(X)),
        "birch": cluster.Birch(n_clusters=2).fit(X[:20]),
        "agglo": cluster.FeatureAgglomeration(2).fit(X),
        "ocsgd": SGDOneClassSVM(random_state=0).fit(X),
        "ransac": RANSACRegressor(random_state=0).fit(Xr, yr),
    }
    for name, m in est.items():
        for proto in (2, 4, 5):
            out["m_%s_p%d" % (name, proto)] = pickle.dumps(m, protocol=proto)
    return out


def zstd_wrap(out_dir, seeds):
    zstd = shutil.which("zstd")
    if not zstd:
        return
    for name in sorted(seeds)[::7]:
        data = seeds[name]
        r = subprocess.run([zstd, "-q", "-3", "-c"], input=data, stdout=subprocess.PIPE,
                           check=True)
        with open(os.path.join(out_dir, "zst_" + name), "wb") as f:
            f.write(r.stdout)


def path_doc(header):
    class_c = type("C", (), {})
    c = class_c()
    c.alpha = [1, 2, {"deep": ("x", 2.5)}]
    c.coef_ = np.arange(6.0).reshape(2, 3)
    cyc = [1]
    cyc.append(cyc)
    doc = {"a": [10, 20, [30, 40]], "name": "value", "arr": np.arange(12).reshape(3, 4),
           "obj": c, "cyc": cyc, 7: "seven", "quote\"key": 1, "back\\slash": 2,
           "sp ace": 3, "t": (1, (2, (3,))), "odict": collections.OrderedDict(k=[1])}
    c.__class__.__module__ = "__main__"
    globals()["C"] = class_c
    class_c.__qualname__ = "C"
    data = pickle.dumps(doc, protocol=4)
    lines = ["/* Generated by scripts/gen_seed_corpus.py --path-doc: the fixed document of",
             " * fuzz_path.c (a protocol-4 pickle, %d bytes). Do not edit. */" % len(data),
             "static const unsigned char fuzz_path_doc[] = {"]
    for i in range(0, len(data), 16):
        lines.append("    " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",")
    lines.append("};")
    with open(header, "w") as f:
        f.write("\n".join(lines) + "\n")


INFLATE_KINDS = ["zstd", "zlib", "gzip", "bz2", "xz", "lzma", "lz4", "zfile"]  # fuzz_inflate.c
INFLATE_MAGIC = {"zstd": 4, "zlib": 1, "gzip": 2, "bz2": 3, "xz": 6, "lzma": 2, "lz4": 4, "zfile": 2}


def inflate_seeds(out_dir):
    """Byte 0 = kind index (| 0x80 for a round trip); corrupt-mode payloads omit the magic."""
    import bz2
    import gzip
    import lzma
    import zlib
    os.makedirs(out_dir, exist_ok=True)
    payload = pickle.dumps({"w": np.arange(40.0), "s": "seed" * 20}, protocol=4)
    comp = {
        "zlib": zlib.compress(payload, 3), "gzip": gzip.compress(payload, mtime=0),
        "bz2": bz2.compress(payload), "xz": lzma.compress(payload),
        "lzma": lzma.compress(payload, format=lzma.FORMAT_ALONE),
        "zfile": b"ZF" + ("0x%x" % len(payload)).ljust(19).encode() + zlib.compress(payload),
    }
    zstd = shutil.which("zstd")
    if zstd:
        comp["zstd"] = subprocess.run([zstd, "-q", "-c"], input=payload, stdout=subprocess.PIPE,
                                      check=True).stdout
    try:
        import lz4.frame
        comp["lz4"] = lz4.frame.compress(payload)
    except ImportError:
        pass
    for i, kind in enumerate(INFLATE_KINDS):
        with open(os.path.join(out_dir, "rt_%s" % kind), "wb") as f:
            f.write(bytes([0x80 | i]) + payload[:200])
        if kind in comp:
            with open(os.path.join(out_dir, "raw_%s" % kind), "wb") as f:
                f.write(bytes([i]) + comp[kind][INFLATE_MAGIC[kind]:])


def path_seeds(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    paths = ["$", "$.a", "$.a[2][1]", "$.arr[1]", "$.arr[-1][3]", "$.obj.alpha[2].deep[1]",
             "$.obj.coef_[1][2]", "$.cyc[1][1][1][0]", "$[7]", '$["quote\\"key"]',
             '$["back\\\\slash"]', '$["sp ace"]', "$.t[1][1][0]", "$.odict.k[0]",
             "$.name", "$.nope", "$[", "$.", "$[99999999999999999999]", "$.a[-4]", "a"]
    for i, p in enumerate(paths):
        with open(os.path.join(out_dir, "path_%02d" % i), "wb") as f:
            f.write(p.encode())


def main(argv):
    if len(argv) == 3 and argv[1] == "--path-doc":
        path_doc(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "--inflate":
        inflate_seeds(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "--paths":
        path_seeds(argv[2])
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    np.random.seed(0)
    seeds = {}
    for gen in (containers, arrays, joblib_dumps, models):
        seeds.update(gen())
    n = 0
    for name, data in sorted(seeds.items()):
        if len(data) > MAX_SEED:
            continue
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        n += 1
    zstd_wrap(out_dir, {k: v for k, v in seeds.items() if len(v) <= MAX_SEED})
    print("%d seeds in %s" % (len(os.listdir(out_dir)), out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
