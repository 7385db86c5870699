#!/usr/bin/python3
"""gen_corpus.py - the query corpus on which the native and the WebAssembly builds must agree.

Usage: gen_corpus.py SUPPORTED.json OUT.json
  SUPPORTED.json: the rows of `SELECT class, kind, methods FROM model_supported()` (compare.py
  asks the native build), so every scorable class is covered, including ones added later.

Everything is made here from the repository and Debian's scikit-learn/XGBoost, nothing from
outside (no real-world corpus):
  - scripts: every tests/sql/*.sql golden test and every ```sql example of README.md and
    docs/*.md, split into statements (dot-commands and statements using the sqlite3 shell's
    readfile/writefile are dropped: they are the shell's, not the extension's);
  - objects: tests/python/pyobjects.py's objects pickled with protocols 0-5, read with every
    reading function (get, json in each mode, type, info, valid/error, each, tree, sha256), and
    written back (pickle_dump, pickle_set, pickle_compress/decompress);
  - containers: a model dumped by joblib uncompressed and with each compressor (zlib, gzip, bz2,
    xz, lzma, lz4) and zstd-wrapped by pickle_compress;
  - models: one fitted instance of every class model_supported() lists (plus a few variants:
    string labels, pipelines, XGBoost model files), each scored on a few rows with every method
    it supports (features as JSON arrays and as separate REAL arguments), and its model_info;
  - bad inputs: tests/fixtures/bad, the malicious and attack pickles of scripts/gen_malicious.py
    and scripts/gen_attacks.py (bytes only, never loaded), every prefix of small pickles and
    seeded byte flips of larger ones, corrupted compressed containers, and decoding limits.

OUT.json: {"items": [{"id": str, "stmts": [[sql, params], ...]}, ...]}; each item runs in a
fresh in-memory database, statement by statement. A parameter is ["n"], ["i", "123"],
["r", float.hex()], ["t", str] or ["b", hex].
"""
import glob
import io
import json
import os
import pickle
import random
import re
import sqlite3
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

MARKER = "/nonexistent/pickle_ext_wasm_marker"  # the payloads are never loaded


def P(v):
    """A Python value as a typed corpus parameter."""
    if v is None:
        return ["n"]
    if isinstance(v, bool):
        return ["i", str(int(v))]
    if isinstance(v, int):
        return ["i", str(v)]
    if isinstance(v, float):
        return ["r", v.hex()]
    if isinstance(v, str):
        return ["t", v]
    return ["b", bytes(v).hex()]


ITEMS = []


def item(iid, stmts):
    ITEMS.append({"id": iid, "stmts": [[sql, [P(p) for p in params]] for sql, params in stmts]})


# ---- scripts ----------------------------------------------------------------------------------

SHELL_ONLY = re.compile(r"\b(readfile|writefile|edit)\s*\(", re.I)


def statements(text):
    """SQL statements of a shell script, without dot-commands or shell-only functions. The
    values of `.param set :name VALUE` are written into the statements that use them."""
    out, cur, named = [], "", {}
    for line in text.splitlines(True):
        if not re.sub(r"--[^\n]*", "", cur).strip() and line.lstrip().startswith("."):
            m = re.match(r"\s*\.param(?:eter)? set (:\w+) (.*)$", line)
            if m:
                named[m.group(1)] = m.group(2).strip()
            continue
        cur += line
        if sqlite3.complete_statement(cur):
            s = cur.strip()
            cur = ""
            for name, value in named.items():
                s = re.sub(re.escape(name) + r"\b", lambda _m, v=value: v, s)
            if s and not SHELL_ONLY.search(s):
                out.append((s, []))
    return out


# The registry's clock (ml_now) pinned, so both builds write the same timestamps.
CLOCK = [("CREATE TEMP TABLE IF NOT EXISTS ml_clock(now TEXT)", []),
         ("INSERT INTO temp.ml_clock VALUES ('2026-03-01T09:00:00.000Z')", [])]


def scripts():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "sql", "*.sql"))):
        with open(path, encoding="utf-8") as f:
            item("sql/" + os.path.basename(path), CLOCK + statements(f.read()))
    docs = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    block = re.compile(r"^```sql( demo)?\n(.*?)^```", re.S | re.M)
    for path in docs:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for k, m in enumerate(block.finditer(text)):
            if m.group(1):  # the demo registry's blocks need the shell's readfile
                continue
            st = statements(m.group(2))
            if st:
                item("doc/%s#%d" % (os.path.basename(path), k), CLOCK + st)


# ---- objects ----------------------------------------------------------------------------------

READS = [
    ("SELECT pickle_json(?1)", ()), ("SELECT pickle_json(?1, '$', 'nan')", ()),
    ("SELECT pickle_json(?1, '$', 'repr')", ()), ("SELECT pickle_type(?1)", ()),
    ("SELECT pickle_info(?1)", ()), ("SELECT pickle_valid(?1), pickle_error(?1)", ()),
    ("SELECT pickle_get(?1), typeof(pickle_get(?1))", ()),
    ("SELECT pickle_get(?1, '$[0]'), pickle_type(?1, '$[0]')", ()),
    ("SELECT key, type, atom, path FROM pickle_each(?1)", ()),
    ("SELECT * FROM pickle_tree(?1)", ()), ("SELECT hex(pickle_sha256(?1))", ()),
    ("SELECT pickle_json(pickle_dump(pickle_json(?1)))", ()),
    ("SELECT hex(pickle_dump(pickle_json(?1), 2))", ()),
    ("SELECT pickle_json(pickle_set(?1, '$[0]', 'x'))", ()),
    ("SELECT pickle_json(pickle_decompress(pickle_compress(?1, 3)))", ()),
]


def objects():
    import pyobjects
    for name, obj in pyobjects.objects():
        for proto in range(6):
            try:
                data = pickle.dumps(obj, proto)
            except Exception:
                continue
            item("obj/%s/p%d" % (name, proto), [(sql, [data]) for sql, _ in READS])
    deep = [[[[[[1]]]]]]
    item("limits", [
        ("SELECT pickle_ext_limit('max_depth')", []),
        ("SELECT pickle_ext_limit('max_depth', 3)", []),
        ("SELECT pickle_json(?)", [pickle.dumps(deep)]),
        ("SELECT pickle_ext_limit('max_depth', 0)", []),
        ("SELECT pickle_json(?)", [pickle.dumps(deep)]),
        ("SELECT pickle_ext_limit('max_alloc', 1000)", []),
        ("SELECT pickle_json(?)", [pickle.dumps(list(range(5000)))]),
        ("SELECT pickle_ext_limit('no_such_limit')", []),
    ])
    item("dump", [
        ("SELECT hex(pickle_dump(?))", [v]) for v in
        [None, 1, -(2 ** 63), 2.5, -0.0, float("inf"), "héllo", b"\x00\xff"]
    ] + [("SELECT hex(pickle_dump_agg(value)) FROM json_each('[1,2.5,\"a\",null,[1]]')", []),
         ("SELECT hex(pickle_dump(json('{\"a\":[1,2,{\"b\":null}]}'), 5))", [])])


# ---- models -----------------------------------------------------------------------------------

RNG = np.random.RandomState(7)
XC = RNG.normal(size=(90, 4))
YC = (XC[:, 0] + 0.5 * XC[:, 1] > 0).astype(int) + (XC[:, 2] > 0.8).astype(int)  # 3 classes
YR = XC @ np.array([1.5, -2.0, 0.5, 0.25]) + RNG.normal(scale=0.1, size=90)
XD = RNG.randint(0, 4, size=(90, 4)).astype(float)  # counts / categories for naive Bayes
XT = np.vstack([XC[:5], [[0.0, 0.0, 0.0, 0.0], [1e6, -1e-6, 3.0, -2.0], [np.nan, 1.0, 2.0, 3.0]]])
SMALL = {"n_estimators": 5, "max_iter": 300, "cv": 3}
POSITIVE = {"GammaRegressor", "PoissonRegressor"}  # targets must be > 0
DISCRETE = {"MultinomialNB", "ComplementNB", "BernoulliNB", "CategoricalNB"}


def _build(cls_name, kind, all_est):
    """A fitted instance of cls_name, or raises."""
    import sklearn.pipeline as skp
    import sklearn.preprocessing as pre
    if cls_name == "Pipeline":
        from sklearn.linear_model import LogisticRegression
        return skp.make_pipeline(pre.StandardScaler(), LogisticRegression()).fit(XC, YC), XC
    if cls_name.startswith("XGB") or cls_name == "Booster":
        import xgboost as xgb
        if cls_name == "Booster":
            d = xgb.DMatrix(XC, label=(YC > 0).astype(int))
            return xgb.train({"objective": "binary:logistic", "max_depth": 3}, d, 4), XC
        est = getattr(xgb, cls_name)(n_estimators=4, max_depth=3)
        if cls_name == "XGBRanker":
            return est.fit(XC, YC, qid=np.repeat(np.arange(9), 10)), XC
        return est.fit(XC, YC if "Classifier" in cls_name else YR), XC
    cls = all_est[cls_name]
    params = {k: v for k, v in SMALL.items() if k in cls().get_params()}
    if cls_name == "QuantileRegressor":
        params["solver"] = "highs"
    if cls_name == "NuSVC":
        params["nu"] = 0.1
    est = cls(**params)
    X = XD if cls_name in DISCRETE else XC
    if kind == "classifier":
        return est.fit(X, YC), X
    if kind == "regressor":
        return est.fit(X, np.exp(YR / 4) if cls_name in POSITIVE else YR), X
    if cls_name in ("PCA", "TruncatedSVD"):
        est.set_params(n_components=2)
    if cls_name in ("KMeans", "MiniBatchKMeans", "GaussianMixture"):
        est.set_params(n_init=1, random_state=0) if "n_init" in est.get_params() else None
    return est.fit(X), X


def _build_census(cls_name, all_est):
    """The census's fitted instance of cls_name and its scored rows, when those are numeric."""
    import census
    cls = all_est[cls_name]
    make = census._construct().get(cls_name, lambda c: c())
    fit_args, rows, form = census._inputs(cls_name, cls, census._data())
    if form not in ("num", "label"):
        raise ValueError("scored with %s input, covered by the native tests" % form)
    return make(cls).fit(*fit_args), np.asarray(rows, dtype=float), form


FUNCS = {"predict": "pickle_predict", "predict_proba": "pickle_predict_proba",
         "decision_function": "pickle_decision_function", "transform": "pickle_transform"}


def _model_stmts(data, X, methods):
    rows = np.vstack([X[:6], XT[5:]]) if X is XC else X[:8]
    jrows = json.dumps([[None if np.isnan(v) else float(v) for v in r] for r in rows])
    st = [("SELECT pickle_model_info(?1)", [data]), ("SELECT model_info(?1)", [data])]
    for meth in methods:
        fn = FUNCS[meth]
        st.append(("SELECT key, %s(?1, value) FROM json_each(?2)" % fn, [data, jrows]))
        st.append(("SELECT %s(?1, %s)" % (fn, ", ".join("?%d" % (i + 2) for i in range(X.shape[1]))),
                   [data] + [float(v) for v in X[1]]))
    st.append(("SELECT model_predict(?1, 1, 2)", [data]))  # wrong feature count: an error
    return st


def models(supported):
    import joblib
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.utils import all_estimators
    all_est = dict(all_estimators())
    missing = []
    for cls_name, kind, methods in supported:
        meths = [m.split(" ")[0] for m in re.split(r",\s*", methods or "")]
        meths = [m for m in meths if m in FUNCS]
        try:
            est, X = _build(cls_name, kind, all_est)
        except Exception as exc:
            # estimators that need constructor arguments or other inputs: the census's
            # typical instance (tests/python/census.py), scored on its numeric rows
            try:
                est, X, form = _build_census(cls_name, all_est)
            except Exception as exc2:
                missing.append("%s (%s; %s)" % (cls_name, exc, exc2))
                continue
            if form == "label":
                # label encoders take one label per call
                data = pickle.dumps(est, 4)
                labels = json.dumps([int(v) for v in X[:8]])
                item("model/" + cls_name, [
                    ("SELECT pickle_model_info(?1)", [data]), ("SELECT model_info(?1)", [data]),
                    ("SELECT key, pickle_transform(?1, value) FROM json_each(?2)", [data, labels])])
                continue
        if cls_name == "Pipeline":
            meths = ["predict", "predict_proba", "decision_function"]
        item("model/" + cls_name, _model_stmts(pickle.dumps(est, 4), X, meths))
    # Variants: string labels, protocol 2 and 5, and XGBoost's own model files.
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    lr = LogisticRegression().fit(XC, np.array(["no", "yes", "maybe"])[YC])
    item("model/LogisticRegression-str", _model_stmts(pickle.dumps(lr, 2), XC,
                                                       ["predict", "predict_proba"]))
    dt = DecisionTreeClassifier(max_depth=4, random_state=0).fit(XC, YC)
    item("model/DecisionTree-p5", _model_stmts(pickle.dumps(dt, 5), XC, ["predict", "predict_proba"]))
    import xgboost as xgb
    booster = xgb.XGBClassifier(n_estimators=4, max_depth=3).fit(XC, YC).get_booster()
    for fmt in ("json", "ubj", "deprecated"):
        raw = bytes(booster.save_raw(raw_format=fmt))
        item("model/xgb-file-" + fmt, _model_stmts(raw, XC, ["predict", "predict_proba"]))
    # Containers: joblib with each compressor, and zstd by pickle_compress.
    for comp in (None, "zlib", "gzip", "bz2", "xz", "lzma", "lz4"):
        buf = io.BytesIO()
        joblib.dump(dt, buf, compress=(comp, 3) if comp else 0)
        data = buf.getvalue()
        st = _model_stmts(data, XC, ["predict"]) + [
            ("SELECT pickle_info(?1)", [data]),
            ("SELECT pickle_json(?1, '$.tree_.max_depth')", [data]),
            ("SELECT pickle_info(?1)", [data[: len(data) // 2]]),
            ("SELECT pickle_info(?1)", [data[:-1] + bytes([data[-1] ^ 0xFF])]),
            ("SELECT pickle_info(pickle_compress(?1))", [data]),
            ("SELECT hex(pickle_decompress(pickle_compress(?1, 19)))", [data]),
        ]
        item("container/joblib-%s" % (comp or "raw"), st)
    if missing:
        sys.exit("gen_corpus: no fitted instance for: " + "; ".join(missing))


# ---- bad inputs -------------------------------------------------------------------------------

BAD_READS = ["SELECT pickle_json(?1)", "SELECT pickle_info(?1)", "SELECT pickle_type(?1)",
             "SELECT pickle_error(?1)", "SELECT pickle_model_info(?1)"]


def bad():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "*", "*.pkl"))):
        with open(path, "rb") as f:
            data = f.read()
        item("fixture/" + os.path.relpath(path, ROOT), [(s, [data]) for s in BAD_READS])
    import gen_attacks
    import gen_malicious
    for name, data, _globs, _loader, _verdict in gen_malicious.payloads(MARKER):
        item("malicious/" + name, [(s, [data]) for s in BAD_READS])
    for a in gen_attacks.attacks(MARKER):
        item("attack/" + a["name"], [(s, [a["data"]]) for s in BAD_READS])
    small = [pickle.dumps({"a": [1, 2.5, None], "b": "x" * 3}, p) for p in (0, 2, 4, 5)]
    for k, data in enumerate(small):
        item("prefixes/%d" % k, [("SELECT pickle_error(?1), pickle_valid(?1)", [data[:n]])
                                  for n in range(len(data))])
    rnd = random.Random(22)
    from sklearn.tree import DecisionTreeRegressor
    big = [pickle.dumps(DecisionTreeRegressor(max_depth=3).fit(XC, YR), p) for p in (2, 4)]
    for k, data in enumerate(big + small):
        st = []
        for _ in range(40):
            b = bytearray(data)
            i = rnd.randrange(len(b))
            b[i] = rnd.randrange(256)
            st.append(("SELECT pickle_error(?1), pickle_model_info(?1)"
                       if k < len(big) else "SELECT pickle_error(?1), pickle_json(?1)", [bytes(b)]))
        item("flips/%d" % k, st)
    item("bad/args", [
        ("SELECT pickle_json(?)", [x]) for x in (None, 12, 2.5, "text", b"", b"\x80")
    ] + [("SELECT pickle_get(?, ?)", [small[2], p]) for p in ("$.a[", "$.zz", "a", "$.a[-9]")]
      + [("SELECT pickle_compress(?, 99)", [small[2]]), ("SELECT pickle_decompress(?)", [b"xx"])])


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    with open(argv[1]) as f:
        supported = json.load(f)
    warnings.simplefilter("ignore")
    scripts()
    objects()
    models(supported)
    bad()
    with open(argv[2], "w") as f:
        json.dump({"items": ITEMS}, f)
    print("gen_corpus: %d items, %d statements" % (len(ITEMS), sum(len(i["stmts"]) for i in ITEMS)))


if __name__ == "__main__":
    main(sys.argv)
