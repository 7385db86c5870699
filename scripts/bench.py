#!/usr/bin/python3
"""make bench: speed and memory of pickle_ext beside Python (docs/benchmarks.md).

Run with Debian's /usr/bin/python3 (scikit-learn, numpy, joblib). Prints every table as it goes
and, when all sections run, writes BENCHMARKS.md: the machine, then each section's tables and
ratios, all from this one run.

  scripts/bench.py                     all sections, writes BENCHMARKS.md (what `make bench` does)
  scripts/bench.py trees decode        only those sections; prints, writes nothing unless --out
  scripts/bench.py --decode-mb 50      a smaller array for the decode section (small machines)

Sections (one function each, in SECTIONS):
  scoring  linear models, KMeans, a pipeline over a 1M-row table
  tabular  ColumnTransformer(OneHotEncoder + StandardScaler) + LogisticRegression over 200,000
           rows of 3 TEXT and 4 REAL columns
  trees    random forest and histogram boosting over 200,000 rows; decode+compile time
  families GaussianNB, SVC(rbf, probability), kNN on 10,000 rows, MLP(64, 32) over 20,000 rows,
           with each model's per-row floor (scripts/bench_floor.c, bench_noop.c)
  transforms KernelPCA, Nystroem, FactorAnalysis, sparse projection, FeatureAgglomeration, Birch,
           SGDOneClassSVM, RANSAC, PolynomialCountSketch, Isomap, LLE, NMF, MiniBatchNMF, LDA,
           KernelDensity over the families table's shape
  decode   one element of a 200 MB float64 array; peak RSS of the reading process
  storage  stored size and decode time of a model zoo, raw / zstd levels / joblib
  text     TfidfVectorizer(1-2 grams, 50k terms) + LinearSVC / MultinomialNB over 100,000 documents
  speed    per-row overheads, probabilities, single requests, blocks, the first prediction
  onnx     ONNX Runtime (onnxruntime-node, optional) beside the trees section's forests

Environment (defaults in brackets):
  PICKLE_EXT_SO   the extension [dist/pickle_ext.so]
  BENCH_ROWS      rows of the scoring table [1,000,000]
  BENCH_TREE_ROWS rows of the trees table [200,000]
  BENCH_UDF_ROWS  rows scored by the per-row Python UDF of the scoring section [2,000]; the
                  tabular section's UDF scores a tenth of them
  BENCH_TABULAR_ROWS rows of the tabular section's table [200,000]
  BENCH_FAMILY_ROWS rows of the families table [20,000]
  BENCH_TEXT_ROWS documents of the text table [100,000]
  BENCH_REPEAT    repetitions of throughput timings, best kept [5]
  BENCH_DECODE_MB size of the decode section's array in MB [200] (or --decode-mb)
  BENCH_OUT       output file [BENCHMARKS.md] (or --out)
  BENCH_ORT_MODULES node_modules holding onnxruntime-node [build/ort/node_modules]

Timing conventions: throughput rows (ns/row) keep the best of BENCH_REPEAT runs; decode times
keep the median of many runs. Python's garbage collector is off while Python code is timed (as
timeit does), and scikit-learn runs single-threaded (OMP_NUM_THREADS=1 and threadpoolctl), as
SQLite does. A statement executed again decodes again: SQLite drops a statement's auxdata
when it is reset, so only model_predict's per-connection model cache survives between
executions (the decode timings therefore use model_info / pickle_type, which do not use it).
"""
import os

os.environ["OMP_NUM_THREADS"] = "1"  # before numpy/sklearn load their thread pools

import argparse
import datetime
import gc
import io
import json
import pickle
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
NS_COLS = ("measurement", "ns/row", "rows")


def core_includes():
    """-I flags of the core's headers: every layer folder of ext/core, and ext/model."""
    core = os.path.join(REPO, "ext", "core")
    return ["-I" + os.path.join(core, d) for d in sorted(os.listdir(core))
            if os.path.isdir(os.path.join(core, d))] + ["-I" + os.path.join(REPO, "ext", "model")]


def so_path():
    return os.path.abspath(os.environ.get("PICKLE_EXT_SO") or
                           os.path.join(REPO, "dist", "pickle_ext.so"))


class Bench:
    """Shared state: the extension, a database, timing helpers, and the results by section."""

    def __init__(self, args):
        self.so = so_path()
        self.n = int(os.environ.get("BENCH_ROWS", "1000000"))
        self.tree_rows = int(os.environ.get("BENCH_TREE_ROWS", "200000"))
        self.udf_rows = int(os.environ.get("BENCH_UDF_ROWS", "2000"))
        self.tabular_rows = int(os.environ.get("BENCH_TABULAR_ROWS", "200000"))
        self.repeat = int(os.environ.get("BENCH_REPEAT", "5"))
        self.decode_mb = args.decode_mb
        self.baseline = os.path.abspath(args.baseline) if args.baseline else None
        self.load_start = os.getloadavg()
        self.sections = {}  # title -> {"notes": [...], "tables": {columns: [rows]}, "ratios": [...]}
        self.db = self.connect()
        self._table = None

    def connect(self):
        db = sqlite3.connect(":memory:")
        db.enable_load_extension(True)
        db.load_extension(self.so[:-3] if self.so.endswith(".so") else self.so)
        db.enable_load_extension(False)
        return db

    def table5(self):
        """The scan table t(a, b, c, d, e REAL) with self.n rows (seed 0), and its numpy copy."""
        if self._table is None:
            rng = np.random.default_rng(0)
            X = rng.normal(size=(self.n, 5)) * [1.0, 2.0, 0.5, 3.0, 1.5] + [0, 1, -1, 2, 0]
            self.db.execute("CREATE TABLE t(a REAL, b REAL, c REAL, d REAL, e REAL)")
            self.db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", X.tolist())
            self.db.commit()
            self._table = X
        return self._table

    # -- timing --

    def best(self, fn, repeat=None):
        """Best wall time of fn() over `repeat` runs (seconds; default self.repeat), last result."""
        best, out = None, None
        for _ in range(repeat or self.repeat):
            gc.disable()
            try:
                t0 = time.perf_counter()
                out = fn()
                dt = time.perf_counter() - t0
            finally:
                gc.enable()
            best = dt if best is None else min(best, dt)
        return best, out

    @staticmethod
    def median(fn, repeat):
        """Median wall time of fn() over `repeat` runs (seconds), after one untimed warm-up run."""
        fn()
        times = []
        for _ in range(repeat):
            gc.disable()
            try:
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            finally:
                gc.enable()
        return statistics.median(times)

    def sql_ns(self, sql, params=(), rows=None, repeat=None):
        secs, out = self.best(lambda: self.db.execute(sql, params).fetchall(), repeat)
        return secs * 1e9 / (rows or self.n), out

    # -- results --

    def _sec(self, section):
        return self.sections.setdefault(section, {"notes": [], "tables": {}, "ratios": []})

    def note(self, section, text):
        self._sec(section)["notes"].append(text)

    def add(self, section, what, ns, rows):
        """A throughput row: ns per row over `rows` rows."""
        self._sec(section)["tables"].setdefault(NS_COLS, []).append((what, "%.1f" % ns, str(rows)))
        print("  %-80s %12.1f ns/row  (%d rows)" % (what, ns, rows), flush=True)

    def row(self, section, columns, values):
        """A row of a section-specific table (values already formatted as strings)."""
        self._sec(section)["tables"].setdefault(tuple(columns), []).append(tuple(values))
        print("  " + " | ".join("%s=%s" % cv for cv in zip(columns, values)), flush=True)

    def ratio(self, section, text, value, target=None, met=None, unit="x"):
        """A ratio (unit "x") or a difference in the unit named (e.g. "ns")."""
        self._sec(section)["ratios"].append((text, value, target, met, unit))
        t = "" if target is None else "  target %s: %s" % (target, "met" if met else "NOT met")
        print("  %-80s %10.2f%s%s" % (text, value, unit if unit == "x" else " " + unit, t),
              flush=True)


def ms(secs):
    return "%.3f" % (secs * 1e3)


# ---- section: scoring -------------------------------------------------------------------------

def section_scoring(b):
    """Issue 4: sum(model_predict(...)) over 1M rows vs a plain scan, batch sklearn, per-row UDF."""
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    sec = "Scoring (%s rows x 5 REAL columns)" % format(b.n, ",")
    print(sec, flush=True)
    b.note(sec, "(b) and (a) alternate, best of each kept, so the ratio compares runs under the "
                "same load. (c) includes fetching the rows into numpy.")
    X = b.table5()
    fit = X[:20000]
    y = (fit[:, 0] + 0.5 * fit[:, 1] - fit[:, 3] * 0.3 + np.sin(fit[:, 2]) > 0.2).astype(int)
    y = y + (fit[:, 4] > 1.0)  # three classes
    models = [
        ("KMeans(8)", KMeans(8, n_init=3, random_state=0).fit(fit)),
        ("LogisticRegression", LogisticRegression(max_iter=1000).fit(fit, y)),
        ("Pipeline(StandardScaler, LogisticRegression)",
         make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(fit, y)),
    ]
    scan_sql = "SELECT sum(a + b + c + d + e) FROM t"
    pred_sql = "SELECT sum(model_predict(?, a, b, c, d, e)) FROM t"
    scan_ns = b.sql_ns(scan_sql)[0]
    measured = []
    for name, m in models:
        blob = pickle.dumps(m, protocol=4)
        ns = None
        for _ in range(b.repeat):
            scan_ns = min(scan_ns, b.sql_ns(scan_sql)[0])
            t, out = b.sql_ns(pred_sql, (blob,))
            ns = t if ns is None else min(ns, t)
        want = float(m.predict(X).sum())
        assert abs(out[0][0] - want) <= 1e-9 * max(1.0, abs(want)), (name, out, want)

        def batch():
            rows = b.db.execute("SELECT a, b, c, d, e FROM t").fetchall()
            return m.predict(np.array(rows, dtype=float)).sum()
        secs, _ = b.best(batch)
        batch_ns = secs * 1e9 / b.n
        b.db.create_function("py_predict", 5,
                             lambda *r: m.predict(np.array([r], dtype=float))[0].item())
        k = b.udf_rows
        ns_udf, _ = b.sql_ns("SELECT sum(py_predict(a, b, c, d, e)) FROM t WHERE rowid <= %d"
                             % k, rows=k)
        measured.append((name, ns, batch_ns, ns_udf))
    b.add(sec, "(a) SELECT sum(a+b+c+d+e) FROM t", scan_ns, b.n)
    for name, ns, batch_ns, ns_udf in measured:
        b.add(sec, "(b) sum(model_predict(m, a..e)) %s" % name, ns, b.n)
        b.add(sec, "(c) Python: fetch rows + %s.predict (batch)" % name, batch_ns, b.n)
        b.add(sec, "(d) Python UDF calling %s.predict per row" % name, ns_udf, b.udf_rows)
    for name, ns, batch_ns, ns_udf in measured:
        b.ratio(sec, "%s: (b) / (a) scan" % name, ns / scan_ns, "<= 1.5", ns / scan_ns <= 1.5)
        b.ratio(sec, "%s: (c) batch / (b)" % name, batch_ns / ns, ">= 5", batch_ns / ns >= 5)
        b.ratio(sec, "%s: (d) UDF / (b)" % name, ns_udf / ns, ">= 300", ns_udf / ns >= 300)


# ---- section: trees ---------------------------------------------------------------------------

def section_trees(b):
    """Issue 5: RF (100 trees, depth 10, 20 features) and HGB (100 iterations) over 200,000 rows;
    decode+compile of the forest's pickle beside pickle.loads."""
    import json

    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from threadpoolctl import threadpool_limits

    n = b.tree_rows
    sec = "Trees (%s rows x 20 REAL columns)" % format(n, ",")
    print(sec, flush=True)
    udf_k = min(1000, n)
    b.note(sec, "(a)/(a') best of %d; (b) is scikit-learn's predict_proba on the numpy array "
                "(no fetch), n_jobs=1 and one OpenMP/BLAS thread; (c) one run over the first %d "
                "rows. (e) and (f) are medians: (e) `SELECT model_info(?)` decodes and compiles "
                "on every execution (it has no cache); (f) is the first model_predict on a new "
                "connection (empty model cache), i.e. decode + compile + one row."
           % (b.repeat, udf_k))
    X, y = make_classification(n_samples=5000, n_features=20, n_informative=10, random_state=0)
    Xt = np.random.default_rng(1).normal(size=(n, 20)) * 1.5
    names = ["c%d" % i for i in range(1, 21)]
    cols = ", ".join(names)
    b.db.execute("CREATE TABLE tt(%s)" % ", ".join("%s REAL" % c for c in names))
    b.db.executemany("INSERT INTO tt VALUES (%s)" % ", ".join("?" * 20), Xt.tolist())
    b.db.commit()
    models = [
        ("RandomForestClassifier(100 trees, max_depth=10)",
         RandomForestClassifier(n_estimators=100, max_depth=10, random_state=0, n_jobs=1)),
        ("HistGradientBoostingClassifier(max_iter=100)",
         HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0)),
    ]
    proba_sql = "SELECT sum(length(model_predict_proba(?, %s))) FROM tt" % cols
    pred_sql = "SELECT sum(model_predict(?, %s)) FROM tt" % cols
    for name, m in models:
        with threadpool_limits(1):
            m.fit(X, y)
        blob = pickle.dumps(m, protocol=4)
        # correctness first: labels over every row, probabilities on a sample, exactly
        with threadpool_limits(1):
            want_labels = int(m.predict(Xt).sum())
            want_p = m.predict_proba(Xt[:2000])
        ns_p, out = b.sql_ns(pred_sql, (blob,), rows=n)
        assert out[0][0] == want_labels, (name, out, want_labels)
        got_p = [json.loads(r[0]) for r in b.db.execute(
            "SELECT model_predict_proba(?, %s) FROM tt WHERE rowid <= 2000" % cols, (blob,))]
        diff = float(np.max(np.abs(np.array(got_p) - want_p)))
        b.note(sec, "%s: predict_proba on the first 2,000 rows %s scikit-learn's%s." % (
            name, "equals" if diff == 0 else "differs from",
            "" if diff == 0 else " (max abs difference %.3g)" % diff))
        ns_pp, _ = b.sql_ns(proba_sql, (blob,), rows=n)

        def batch():
            with threadpool_limits(1):
                return m.predict_proba(Xt)
        batch_s, _ = b.best(batch)
        batch_ns = batch_s * 1e9 / n

        def py_tree(*r):  # OMP_NUM_THREADS=1 already: no per-call threadpool_limits cost
            return float(m.predict_proba(np.array([r], dtype=float))[0, 1])
        b.db.create_function("py_tree", 20, py_tree)
        ns_udf, _ = b.sql_ns("SELECT sum(py_tree(%s)) FROM tt WHERE rowid <= %d" % (cols, udf_k),
                             rows=udf_k, repeat=1)
        b.add(sec, "(a) sum(length(model_predict_proba(m, c1..c20))) %s" % name, ns_pp, n)
        b.add(sec, "(a') sum(model_predict(m, c1..c20)) %s" % name, ns_p, n)
        b.add(sec, "(b) scikit-learn predict_proba, batch on numpy, %s" % name, batch_ns, n)
        b.add(sec, "(c) Python UDF calling predict_proba per row, %s" % name, ns_udf, udf_k)
        b.ratio(sec, "%s: (b) sklearn batch / (a) SQL predict_proba" % name, batch_ns / ns_pp,
                "> 1", batch_ns > ns_pp)
        b.ratio(sec, "%s: (c) UDF / (a) SQL predict_proba" % name, ns_udf / ns_pp)
        if name.startswith("RandomForest"):
            forest = blob
    tree_decode(b, sec, forest, Xt[0], cols)


def core_decode_compile(path, reps, warm):
    """Median ms of decode and of decode + compile through the C core alone: builds
    scripts/bench_core.c against build/release/libpkcore.a (make bench builds the library).
    warm: the process first frees one large block, as a long-running process has (see
    bench_core.c)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    exe = os.path.join(root, "build", "bench_core")
    lib = os.path.join(root, "build", "release", "libpkcore.a")
    subprocess.run(["cc", "-O2"] + core_includes() +
                   ["-o", exe, os.path.join(root, "scripts", "bench_core.c"), lib, "-lzstd",
                    "-lz", "-lbz2", "-llzma", "-llz4", "-lm"], check=True)
    out = subprocess.run([exe, path, str(reps)] + (["warm"] if warm else []), check=True,
                         stdout=subprocess.PIPE)
    dec, allv = out.stdout.split()
    return float(dec), float(allv)


_LOADS_CHILD = r"""
import gc, pickle, statistics, sys, time
import sklearn.ensemble
blob = open(sys.argv[1], "rb").read()
ts = []
for _ in range(int(sys.argv[2])):
    gc.disable()
    t0 = time.perf_counter()
    pickle.loads(blob)
    ts.append(time.perf_counter() - t0)
    gc.enable()
print(statistics.median(ts))
"""


def fresh_loads_s(path, reps):
    """Median seconds of pickle.loads in a fresh Python process (scikit-learn imported, nothing
    else allocated yet)."""
    out = subprocess.run([sys.executable, "-c", _LOADS_CHILD, path, str(reps)], check=True,
                         stdout=subprocess.PIPE)
    return float(out.stdout)


def tree_decode(b, sec, blob, x, cols):
    """Issue 5: decode + compile of the forest's pickle beside pickle.loads (medians)."""
    reps = 31
    loads_s = b.median(lambda: pickle.loads(blob), reps)
    info_s = b.median(lambda: b.db.execute("SELECT model_info(?)", (blob,)).fetchall(), reps)
    type_s = b.median(lambda: b.db.execute("SELECT pickle_type(?)", (blob,)).fetchall(), reps)
    fresh = []
    for _ in range(15):
        db = b.connect()
        db.execute("CREATE TABLE one(%s)" % cols)
        db.execute("INSERT INTO one VALUES (%s)" % ", ".join("?" * len(x)), x.tolist())
        sql = "SELECT model_predict(?, %s) FROM one" % cols
        gc.disable()
        t0 = time.perf_counter()
        db.execute(sql, (blob,)).fetchall()
        fresh.append(time.perf_counter() - t0)
        gc.enable()
        db.close()
    fresh_s = statistics.median(fresh)
    with tempfile.NamedTemporaryFile(suffix=".pkl") as f:
        f.write(blob)
        f.flush()
        core_dec_ms, core_all_ms = core_decode_compile(f.name, reps, warm=True)
        _, cold_all_ms = core_decode_compile(f.name, reps, warm=False)
        cold_loads_s = fresh_loads_s(f.name, reps)
    b.note(sec, "Allocator state matters as much as the code here: glibc's malloc returns freed "
                "memory to the kernel (to be page-faulted in again by the next run) until the "
                "process has freed one large block, after which it keeps it. This Python "
                "process has (it built the 200,000-row arrays), so (d) is measured warm; (h) and "
                "(i) run scripts/bench_core.c after it frees one 16 MiB block, the same state. "
                "(d') and (i') are both fresh processes. Each pair is compared with its like.")
    cols_d = ("forest pickle (%s bytes, protocol 4)" % format(len(blob), ","), "median ms")
    b.row(sec, cols_d, ("(d) Python pickle.loads (this process: allocator warm)", ms(loads_s)))
    b.row(sec, cols_d, ("(d') Python pickle.loads in a fresh process", ms(cold_loads_s)))
    b.row(sec, cols_d, ("(e) SELECT model_info(?): decode + compile", ms(info_s)))
    b.row(sec, cols_d, ("(f) new connection, first model_predict on a 1-row table", ms(fresh_s)))
    b.row(sec, cols_d, ("(g) SELECT pickle_type(?): decode only", ms(type_s)))
    b.row(sec, cols_d, ("(h) core alone (scripts/bench_core.c, warm): decode", "%.3f" % core_dec_ms))
    b.row(sec, cols_d, ("(i) core alone, warm: decode + compile", "%.3f" % core_all_ms))
    b.row(sec, cols_d, ("(i') core alone, fresh process: decode + compile", "%.3f" % cold_all_ms))
    # (e) also pays for Python's sqlite3 copying the blob into the statement and for
    # model_info's JSON; (i) and (i') are the decode + compile itself, the issue's measure
    b.ratio(sec, "forest: (i) core decode+compile / (d) pickle.loads, both warm",
            core_all_ms / 1e3 / loads_s, "< 0.5", core_all_ms / 1e3 < 0.5 * loads_s)
    b.ratio(sec, "forest: (i') core decode+compile / (d') pickle.loads, both fresh",
            cold_all_ms / 1e3 / cold_loads_s, "< 0.5", cold_all_ms / 1e3 < 0.5 * cold_loads_s)
    b.ratio(sec, "forest: (e) SQL model_info(?) / (d) pickle.loads", info_s / loads_s)
    b.ratio(sec, "forest: (f) first predict on a new connection / (d) pickle.loads",
            fresh_s / loads_s)
    b.ratio(sec, "forest: (g) decode only / (d) pickle.loads", type_s / loads_s)


# ---- section: decode --------------------------------------------------------------------------

_RSS_CHILD = r"""
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.enable_load_extension(True)
db.load_extension(sys.argv[2])
print(db.execute(sys.argv[3]).fetchone()[0])
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print(int(hwm[0]) * 1024 if hwm else -1)
"""

# A small launcher between this (large) process and the measured one: a child created by
# vfork/exec inherits its parent's RSS high-water mark in ru_maxrss, so the measured process must
# be the child of a small process, which reports RUSAGE_CHILDREN.
_RSS_LAUNCHER = r"""
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(p.stdout)
sys.stderr.write(p.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
sys.exit(p.returncode)
"""


def child_rss(dbfile, so, sql):
    """Runs sql in a fresh Python (sqlite3 only, no numpy) on dbfile; returns (its output, its
    peak RSS in bytes from RUSAGE_CHILDREN ru_maxrss, its VmHWM in bytes)."""
    p = subprocess.run([sys.executable, "-c", _RSS_LAUNCHER,
                        sys.executable, "-c", _RSS_CHILD, dbfile, so, sql],
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("child failed: %s" % p.stderr)
    out, hwm, maxrss = p.stdout.split()
    return out, int(maxrss), int(hwm)


def section_decode(b):
    """Issue 3: one element of a big float64 array: pickle_get vs pickle.loads; peak RSS."""
    mb = b.decode_mb
    count = max(123457, int(mb * 1e6) // 8)
    sec = "Decode (a %s MB float64 array, %s elements)" % (format(count * 8 / 1e6, ".0f"),
                                                           format(count, ","))
    print(sec, flush=True)
    b.note(sec, "Times are medians of 7 runs. (a) binds the blob as a parameter (Python's "
                "sqlite3 copies it into SQLite: that copy is shown alone as (c)); (b) reads it "
                "from a table row of an in-memory database. Peak RSS: a fresh Python process "
                "(sqlite3 only, no numpy) opens a database file holding the blob and runs the "
                "query; its peak RSS is ru_maxrss of RUSAGE_CHILDREN in a small launcher process "
                "(VmHWM from /proc, read by the process itself, shown beside it). The baseline "
                "process runs `SELECT pickle_ext_version()` on the same "
                "file.")
    so = b.so[:-3] if b.so.endswith(".so") else b.so
    arr = np.random.default_rng(3).normal(size=count)
    want = float(arr[123456])
    path = "$[123456]"
    cols = ("protocol", "blob MB", "(a) pickle_get(?) ms", "(b) pickle_get(row) ms",
            "(c) SELECT length(?) ms", "(d) pickle.loads ms", "peak RSS MB", "VmHWM MB",
            "baseline RSS MB", "peak / blob")
    for proto in (4, 5):
        blob = pickle.dumps(arr, protocol=proto)
        got = b.db.execute("SELECT pickle_get(?, ?)", (blob, path)).fetchone()[0]
        assert got == want, (proto, got, want)
        get_s = b.median(lambda: b.db.execute("SELECT pickle_get(?, ?)", (blob, path)).fetchall(),
                         7)
        len_s = b.median(lambda: b.db.execute("SELECT length(?)", (blob,)).fetchall(), 7)
        b.db.execute("CREATE TABLE big(p BLOB)")
        b.db.execute("INSERT INTO big VALUES (?)", (blob,))
        row_s = b.median(lambda: b.db.execute("SELECT pickle_get(p, ?) FROM big",
                                              (path,)).fetchall(), 7)
        b.db.execute("DROP TABLE big")
        loads_s = b.median(lambda: pickle.loads(blob), 7)
        with tempfile.TemporaryDirectory() as tmp:
            dbfile = os.path.join(tmp, "big.db")
            fdb = sqlite3.connect(dbfile)
            fdb.execute("CREATE TABLE big(p BLOB)")
            fdb.execute("INSERT INTO big VALUES (?)", (blob,))
            fdb.commit()
            fdb.close()
            out, peak, hwm = child_rss(dbfile, so,
                                       "SELECT pickle_get(p, '%s') FROM big" % path)
            assert float(out) == want, (out, want)
            _, base, _ = child_rss(dbfile, so, "SELECT pickle_ext_version()")
        size = len(blob)
        b.row(sec, cols, (str(proto), "%.1f" % (size / 1e6), ms(get_s), ms(row_s), ms(len_s),
                          ms(loads_s), "%.1f" % (peak / 1e6), "%.1f" % (hwm / 1e6),
                          "%.1f" % (base / 1e6),
                          "%.2f" % (peak / size)))
        b.ratio(sec, "protocol %d: (a) pickle_get(?) / (d) pickle.loads" % proto,
                get_s / loads_s, "comparable or better (<= 1.5)", get_s <= 1.5 * loads_s)
        b.ratio(sec, "protocol %d: (b) pickle_get(row) / (d) pickle.loads" % proto,
                row_s / loads_s)
        b.ratio(sec, "protocol %d: peak RSS of the reading process / blob size" % proto,
                peak / size, "< 3", peak < 3 * size)
        blob = None  # free the 200 MB before the next protocol


# ---- section: storage -------------------------------------------------------------------------

def model_zoo():
    """Eight fitted models (fixed seeds) of the kinds people store."""
    from sklearn.cluster import KMeans
    from sklearn.datasets import make_classification, make_regression
    from sklearn.decomposition import PCA
    from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingClassifier,
                                  RandomForestClassifier)
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(n_samples=3000, n_features=20, n_informative=8, n_classes=3,
                               random_state=0)
    Xr, yr = make_regression(n_samples=3000, n_features=20, noise=1.0, random_state=0)
    return [
        ("LogisticRegression", LogisticRegression(max_iter=2000).fit(X, y)),
        ("KMeans(8)", KMeans(8, n_init=3, random_state=0).fit(X)),
        ("Pipeline(StandardScaler, LogisticRegression)",
         make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)),
        ("RandomForestClassifier(100)",
         RandomForestClassifier(100, random_state=0, n_jobs=1).fit(X, y)),
        ("HistGradientBoostingClassifier",
         HistGradientBoostingClassifier(max_iter=100, early_stopping=False,
                                        random_state=0).fit(X, y)),
        ("GradientBoostingClassifier(100)",
         GradientBoostingClassifier(n_estimators=100, random_state=0).fit(X, y)),
        ("PCA(10)", PCA(10, random_state=0).fit(X)),
        ("Ridge", Ridge().fit(Xr, yr)),
    ]


def section_storage(b):
    """Issue 7: stored size and decode time per model for raw, zstd levels and joblib."""
    import joblib
    from threadpoolctl import threadpool_limits

    sec = "Storage (model zoo: size and decode time)"
    print(sec, flush=True)
    reps = 15
    b.note(sec, "Decode = median of %d executions of `SELECT pickle_type(?)` (a full decode of "
                "the blob, inflating it first when compressed; each execution decodes anew). "
                "Python load = median of pickle.loads (raw) or joblib.load from memory (joblib "
                "files); this Python has no zstd module. Raw pickles are protocol 4; zstd frames are "
                "`pickle_compress(raw, level)`; joblib files are `joblib.dump(model, f, "
                "compress=...)`. The last row of each table sums over the zoo."
           % reps)
    with threadpool_limits(1):
        zoo = model_zoo()
    formats = ["raw pickle", "zstd 1", "zstd 3", "zstd 9 (default)", "zstd 19",
               "joblib compress=3 (zlib)", "joblib compress=('xz', 3)"]
    py_formats = ["raw pickle", "joblib compress=3 (zlib)", "joblib compress=('xz', 3)"]
    size_cols = ("stored bytes (ratio to raw)",) + tuple(formats)
    dec_cols = ("decode ms, SQL pickle_type",) + tuple(formats)
    py_cols = ("load ms, Python",) + tuple(py_formats)
    sizes, decs, pys = [], [], []  # per model: {format: value}
    for name, m in zoo:
        raw = pickle.dumps(m, protocol=4)
        blobs = {"raw pickle": raw}
        for level in (1, 3, 9, 19):
            z = b.db.execute("SELECT pickle_compress(?, ?)", (raw, level)).fetchone()[0]
            blobs["zstd %d%s" % (level, " (default)" if level == 9 else "")] = z
        for label, comp in (("joblib compress=3 (zlib)", 3),
                            ("joblib compress=('xz', 3)", ("xz", 3))):
            f = io.BytesIO()
            joblib.dump(m, f, compress=comp)
            blobs[label] = f.getvalue()
        want = b.db.execute("SELECT pickle_type(?)", (raw,)).fetchone()[0]
        size, dec, py = {}, {}, {}
        for fmt in formats:
            blob = blobs[fmt]
            got = b.db.execute("SELECT pickle_type(?)", (blob,)).fetchone()[0]
            assert got == want, (name, fmt, got, want)
            size[fmt] = len(blob)
            dec[fmt] = b.median(
                lambda: b.db.execute("SELECT pickle_type(?)", (blob,)).fetchall(), reps)
            if fmt == "raw pickle":
                py[fmt] = b.median(lambda: pickle.loads(blob), reps)
            elif fmt in py_formats:
                py[fmt] = b.median(lambda: joblib.load(io.BytesIO(blob)), reps)
        print("  %s: sizes %s" % (name, [size[f] for f in formats]), flush=True)
        b.row(sec, size_cols, (name,) + tuple(
            "%s (%.3f)" % (format(size[f], ","), size[f] / size["raw pickle"]) for f in formats))
        b.row(sec, dec_cols, (name,) + tuple(ms(dec[f]) for f in formats))
        b.row(sec, py_cols, (name,) + tuple(ms(py[f]) for f in py_formats))
        sizes.append(size)
        decs.append(dec)
        pys.append(py)
    tot = {f: sum(x[f] for x in sizes) for f in formats}
    tdec = {f: sum(x[f] for x in decs) for f in formats}
    tpy = {f: sum(x[f] for x in pys) for f in py_formats}
    label = "**all %d models**" % len(zoo)
    b.row(sec, size_cols, (label,) + tuple(
        "%s (%.3f)" % (format(tot[f], ","), tot[f] / tot["raw pickle"]) for f in formats))
    b.row(sec, dec_cols, (label,) + tuple(ms(tdec[f]) for f in formats))
    b.row(sec, py_cols, (label,) + tuple(ms(tpy[f]) for f in py_formats))
    for fmt in formats[1:]:
        b.ratio(sec, "zoo total: %s size / raw size" % fmt, tot[fmt] / tot["raw pickle"])
    for fmt in formats[1:]:
        b.ratio(sec, "zoo total: %s decode / raw decode (SQL)" % fmt,
                tdec[fmt] / tdec["raw pickle"])
    for fmt in py_formats:
        b.ratio(sec, "zoo total: %s, SQL decode / Python load" % fmt, tdec[fmt] / tpy[fmt])


# ---- per-row floors (families, XGBoost) ---------------------------------------------------------

def floor_costs(specs):
    """ns per operation on this machine (scripts/bench_floor.c against the core library):
    {spec: ns} for specs such as "exp", "chain", "sq:722x10", "cols:64x10", "walk:300x6"."""
    exe = build_c("bench_floor", "bench_floor.c", lib=True)
    out = subprocess.run([exe] + sorted(set(specs)), check=True, capture_output=True,
                         text=True).stdout
    return {k: float(v) for k, v in (line.split() for line in out.splitlines())}


def call_floor_ns(b, table, cols, rows):
    """The SQL floor of a row: bench_noop (scripts/bench_noop.c), a C function of the same
    arguments as model_predict that reads none, over the same table (best of b.repeat, process
    CPU time like bench_floor's costs: other jobs on the machine disturb it less)."""
    so = os.path.join(REPO, "build", "benchnoop.so")
    subprocess.run(["cc", "-O2", "-fPIC", "-shared", "-o", so,
                    os.path.join(REPO, "scripts", "bench_noop.c")], check=True)
    b.db.enable_load_extension(True)
    b.db.load_extension(so[:-3])
    b.db.enable_load_extension(False)
    return cpu_ns(b.db, "SELECT sum(bench_noop(?, %s)) FROM %s" % (cols, table), (b"",), rows,
                  b.repeat)


def family_work(m, Xq):
    """(specs, fn) for a families model: the operations a row's score is made of (specs for
    floor_costs) and fn(cost) -> [(count, what, ns each)]. A lower bound: what the row cannot do
    without (the model's own arithmetic), not what the code does besides."""
    cls = type(m).__name__
    if cls == "GaussianNB":
        k, nf = m.theta_.shape
        sq = "sq:%dx%d" % (k, nf)
        return [sq], lambda c: [(k * nf, "squared differences", c[sq])]
    if cls == "SVC":
        l, nf = m.support_vectors_.shape
        sq = "sq:%dx%d" % (l, nf)
        return ["exp", "chain", sq], lambda c: [
            (l * nf, "squared differences", c[sq]), (l, "exp", c["exp"]),
            (l, "steps of the pair sums (serial: libsvm's order)", c["chain"])]
    if cls == "KNeighborsClassifier" and m._fit_method == "brute":
        n, nf = m._fit_X.shape
        dot = "dot:%dx%d" % (n, nf)
        return [dot], lambda c: [(n * nf, "multiply-adds (GEMM-form distances)", c[dot])]
    if cls == "KNeighborsClassifier":
        n, nf = m._fit_X.shape
        t = m._tree
        t.reset_n_calls()
        t.query(Xq, k=m.n_neighbors)
        pts = t.get_n_calls() / len(Xq)
        bounds = 2 * t.get_tree_stats()[2] / len(Xq)
        sq = "sq:%dx%d" % (n, nf)
        return [sq], lambda c: [
            (pts * nf, "squared differences to the leaf points scikit-learn's walk visits "
                       "(BinaryTree.get_n_calls)", c[sq]),
            (bounds * nf, "terms of its node bounds (get_tree_stats)", c[sq])]
    if cls == "MLPClassifier":
        layers = [w.shape for w in m.coefs_]
        specs = ["cols:%dx%d" % (no, ni) for ni, no in layers] + ["exp"]
        return specs, lambda c: [
            (ni * no, "multiply-adds (layer %d)" % (i + 1), c["cols:%dx%d" % (no, ni)])
            for i, (ni, no) in enumerate(layers)] + [(layers[-1][1], "exp (softmax)", c["exp"])]
    raise ValueError(cls)


def floor_note(b, sec, name, work, call_ns, ns, ns_udf):
    """A note and a ratio: the row's floor (its arithmetic, `work` = [(count, what, ns each)],
    + the SQL call), (a) beside it, and whether 300x the per-row UDF is within its reach."""
    work_ns = sum(n * t for n, _, t in work)
    floor = work_ns + call_ns
    need = ns_udf / 300
    b.note(sec, "%s: floor %s ns per row = %s = %s ns of arithmetic + %s ns of SQL call "
                "(bench_noop); (a) is %.2fx the floor. 300x the per-row UDF needs (a) <= %s ns: "
                "%s." % (
                    name, format(round(floor), ","),
                    " + ".join("%s %s x %.2f ns" % (format(round(n), ","), what, t)
                               for n, what, t in work),
                    format(round(work_ns), ","), format(round(call_ns), ","), ns / floor,
                    format(round(need), ","),
                    "within the floor" if floor <= need else
                    "out of reach, the floor alone is %.1fx that" % (floor / need)))
    b.ratio(sec, "%s: (c) UDF / floor (the best (c) / (a) can be)" % name, ns_udf / floor,
            ">= 300", ns_udf / floor >= 300)


# ---- section: families (naive Bayes, SVM, nearest neighbours, MLP) ----------------------------

def section_families(b):
    """GaussianNB, SVC(rbf, probability=True, ~500 support vectors), KNeighborsClassifier on
    10,000 training rows (kd_tree and brute), MLPClassifier(64, 32): SQL per row beside
    scikit-learn's batch call on a numpy array and a per-row Python UDF."""
    import json

    from sklearn.datasets import make_classification
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC
    from threadpoolctl import threadpool_limits

    n = int(os.environ.get("BENCH_FAMILY_ROWS", "20000"))
    nf = 10
    sec = "Families (%s rows x %d REAL columns)" % (format(n, ","), nf)
    print(sec, flush=True)
    udf_k = min(500, n)
    b.note(sec, "(a) best of %d; (b) scikit-learn on the numpy array (no fetch), one thread; "
                "(c) one run over the first %d rows. (a') includes writing each row's "
                "probabilities as JSON text. Every SQL result is checked against "
                "scikit-learn's first." % (
                    b.repeat, udf_k))
    X, y = make_classification(n_samples=10000, n_features=nf, n_informative=6, n_classes=3,
                               flip_y=0.05, random_state=0)
    Xt = np.random.default_rng(2).normal(size=(n, nf)) * 1.5
    names = ["f%d" % i for i in range(nf)]
    cols = ", ".join(names)
    b.db.execute("CREATE TABLE ft(%s)" % ", ".join("%s REAL" % c for c in names))
    b.db.executemany("INSERT INTO ft VALUES (%s)" % ", ".join("?" * nf), Xt.tolist())
    b.db.commit()
    with threadpool_limits(1):
        svc = SVC(kernel="rbf", probability=True, C=0.5, random_state=0).fit(X[:1000], y[:1000])
        models = [
            ("GaussianNB", GaussianNB().fit(X, y), (1, ">")),
            ("SVC(rbf, probability=True, %d support vectors)" % svc.support_.size, svc,
             (0.5, ">=")),
            ("KNeighborsClassifier(5, kd_tree, 10,000 rows)",
             KNeighborsClassifier(algorithm="kd_tree").fit(X, y), (0.5, ">=")),
            ("KNeighborsClassifier(5, brute, 10,000 rows)",
             KNeighborsClassifier(algorithm="brute").fit(X, y), (0.5, ">=")),
            ("MLPClassifier(64, 32)", MLPClassifier((64, 32), max_iter=60, random_state=0)
             .fit(X, y), (1, ">")),
        ]
    works = [family_work(m, Xt[:200]) for _, m, _ in models]
    cost = floor_costs([sp for specs, _ in works for sp in specs])
    call_ns = call_floor_ns(b, "ft", cols, n)
    b.note(sec, "Floors: each model's own arithmetic per row (operations x their cost measured "
                "on this machine by scripts/bench_floor.c, best of 30 runs of CPU time) plus the "
                "SQL call of a C function with the same arguments (bench_noop, best CPU time). "
                "(a) cannot be below it; (c) / floor is the best (c) / (a) ratio possible. On a "
                "loaded machine (a) and (c), wall times, grow more than the floor.")
    proba_sql = "SELECT model_predict_proba(?, %s) FROM ft" % cols
    for (name, m, (target, op)), (_, work) in zip(models, works):
        blob = pickle.dumps(m, protocol=4)
        with threadpool_limits(1):
            want = m.predict_proba(Xt)
            want_labels = float(m.predict(Xt).sum())
        got = np.array([json.loads(r[0]) for r in b.db.execute(proba_sql, (blob,))])
        diff = float(np.max(np.abs(got - want)))
        assert diff <= 1e-9, (name, diff)
        b.note(sec, "%s: predict_proba over all rows %s scikit-learn's%s." % (
            name, "equals" if diff == 0 else "agrees with",
            "" if diff == 0 else " (max abs difference %.3g)" % diff))
        ns, out = b.sql_ns("SELECT sum(model_predict(?, %s)) FROM ft" % cols, (blob,), rows=n)
        assert out[0][0] == want_labels, (name, out, want_labels)
        ns_p, _ = b.sql_ns("SELECT sum(length(model_predict_proba(?, %s))) FROM ft" % cols,
                           (blob,), rows=n)

        def batch(meth):
            with threadpool_limits(1):
                return getattr(m, meth)(Xt)
        batch_ns = b.best(lambda: batch("predict"))[0] * 1e9 / n
        batch_p_ns = b.best(lambda: batch("predict_proba"))[0] * 1e9 / n

        def py_predict(*r):
            return m.predict(np.array([r], dtype=float))[0].item()
        b.db.create_function("py_predict_f", nf, py_predict)
        ns_udf, _ = b.sql_ns("SELECT sum(py_predict_f(%s)) FROM ft WHERE rowid <= %d"
                             % (cols, udf_k), rows=udf_k, repeat=1)
        b.add(sec, "(a) sum(model_predict(m, f0..f9)) %s" % name, ns, n)
        b.add(sec, "(a') sum(length(model_predict_proba(m, f0..f9))) %s" % name, ns_p, n)
        b.add(sec, "(b) scikit-learn predict, batch on numpy, %s" % name, batch_ns, n)
        b.add(sec, "(b') scikit-learn predict_proba, batch on numpy, %s" % name, batch_p_ns, n)
        b.add(sec, "(c) Python UDF calling predict per row, %s" % name, ns_udf, udf_k)
        r = batch_ns / ns
        b.ratio(sec, "%s: (b) sklearn batch / (a) SQL" % name, r, "%s %g" % (op, target),
                r > target if op == ">" else r >= target)
        b.ratio(sec, "%s: (b') / (a') predict_proba" % name, batch_p_ns / ns_p)
        b.ratio(sec, "%s: (c) UDF / (a) SQL" % name, ns_udf / ns, ">= 300", ns_udf / ns >= 300)
        floor_note(b, sec, name, work(cost), call_ns, ns, ns_udf)


def section_transforms(b):
    """One model per family added for the census (KernelPCA rbf on 500 rows, Nystroem(100),
    FactorAnalysis, SparseRandomProjection, FeatureAgglomeration, Birch, SGDOneClassSVM,
    RANSACRegressor, SparsePCA, DictionaryLearning, BisectingKMeans, EllipticEnvelope,
    LabelSpreading, RandomTreesEmbedding, PolynomialCountSketch, Isomap, LocallyLinearEmbedding,
    KernelDensity's score_samples; NMF, MiniBatchNMF and LatentDirichletAllocation on the
    absolute values) over the families
    table's shape: SQL per row beside scikit-learn's batch call and a per-row Python UDF; every
    SQL result checked against scikit-learn's first (NMF and MiniBatchNMF solve a batch jointly:
    their first 300 rows against scikit-learn's transform of each row alone)."""
    import json

    from sklearn import cluster, covariance, decomposition, ensemble, kernel_approximation
    from sklearn import linear_model, manifold, neighbors, random_projection, semi_supervised
    from threadpoolctl import threadpool_limits

    n = int(os.environ.get("BENCH_FAMILY_ROWS", "20000"))
    nf = 10
    sec = "Decompositions, kernels, clustering, wrappers (%s rows x %d REAL columns)" % (
        format(n, ","), nf)
    print(sec, flush=True)
    udf_k = min(500, n)
    b.note(sec, "(a) best of %d; (b) scikit-learn on the numpy array, one thread; (c) one run "
                "over the first %d rows. Transforms write each row's JSON array (about 1 us per "
                "row for a few numbers). Where (a) is above 2x (b): scikit-learn runs one BLAS "
                "matrix product over all rows (vectorised, several sums in flight), while SQL "
                "sums each row's dot products left to right, the order that reproduces "
                "scikit-learn's digits, and pays the per-row JSON and SQLite call overhead; "
                "Nystroem(100) does 100 kernel values and a 100 x 100 product per row." % (
                    b.repeat, udf_k))
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2000, nf))
    y = X @ rng.normal(size=nf) + rng.normal(size=2000)
    Xt = rng.normal(size=(n, nf)) * 1.2
    names = ["g%d" % i for i in range(nf)]
    cols = ", ".join(names)
    b.db.execute("CREATE TABLE gt(%s)" % ", ".join("%s REAL" % c for c in names))
    b.db.executemany("INSERT INTO gt VALUES (%s)" % ", ".join("?" * nf), Xt.tolist())
    Xa = np.abs(Xt)
    b.db.execute("CREATE TABLE gt_abs(%s)" % ", ".join("%s REAL" % c for c in names))
    b.db.executemany("INSERT INTO gt_abs VALUES (%s)" % ", ".join("?" * nf), Xa.tolist())
    b.db.commit()
    with threadpool_limits(1):
        models = [
            ("KernelPCA(rbf, 5 of 500 rows)", decomposition.KernelPCA(5, kernel="rbf")
             .fit(X[:500]), "transform"),
            ("Nystroem(rbf, 100)", kernel_approximation.Nystroem(n_components=100, random_state=0)
             .fit(X), "transform"),
            ("FactorAnalysis(4)", decomposition.FactorAnalysis(4).fit(X), "transform"),
            ("SparseRandomProjection(5)", random_projection.SparseRandomProjection(
                5, random_state=0).fit(X), "transform"),
            ("FeatureAgglomeration(3)", cluster.FeatureAgglomeration(3).fit(X), "transform"),
            ("Birch(3)", cluster.Birch(n_clusters=3).fit(X), "predict"),
            ("SGDOneClassSVM", linear_model.SGDOneClassSVM(random_state=0).fit(X), "predict"),
            ("RANSACRegressor", linear_model.RANSACRegressor(random_state=0).fit(X, y),
             "predict"),
            ("SparsePCA(4)", decomposition.SparsePCA(4, random_state=0).fit(X[:500]),
             "transform"),
            ("DictionaryLearning(8, omp 2)", decomposition.DictionaryLearning(
                8, transform_n_nonzero_coefs=2, max_iter=20, random_state=0).fit(X[:500]),
             "transform"),
            ("BisectingKMeans(6)", cluster.BisectingKMeans(6, random_state=0).fit(X),
             "predict"),
            ("EllipticEnvelope", covariance.EllipticEnvelope(random_state=0).fit(X), "predict"),
            ("LabelSpreading(rbf, 300 rows)", semi_supervised.LabelSpreading(gamma=0.5).fit(
                X[:300], np.where(np.arange(300) % 3 == 0, -1, (y[:300] > 0).astype(int))),
             "predict"),
            ("RandomTreesEmbedding(10, depth 5)", ensemble.RandomTreesEmbedding(
                10, max_depth=5, random_state=0).fit(X), "transform"),
            ("PolynomialCountSketch(degree 2, 100)", kernel_approximation.PolynomialCountSketch(
                random_state=0).fit(X), "transform"),
            ("Isomap(5 neighbours, 2 of 500 rows)", manifold.Isomap().fit(X[:500]), "transform"),
            ("LocallyLinearEmbedding(5 neighbours, 500 rows)",
             manifold.LocallyLinearEmbedding(random_state=0).fit(X[:500]), "transform"),
            ("NMF(4, cd)", decomposition.NMF(4, random_state=0).fit(np.abs(X)), "transform",
             "rowwise"),
            ("MiniBatchNMF(4)", decomposition.MiniBatchNMF(4, random_state=0).fit(np.abs(X)),
             "transform", "rowwise"),
            ("LatentDirichletAllocation(5)", decomposition.LatentDirichletAllocation(
                5, random_state=0).fit(np.abs(X)), "transform", "abs"),
            ("KernelDensity(gaussian, 500 rows)", neighbors.KernelDensity().fit(X[:500]),
             "score_samples"),
        ]
    for name, m, meth, *data in models:
        blob = pickle.dumps(m, protocol=4)
        tbl, Xs = ("gt_abs", Xa) if data else ("gt", Xt)
        with threadpool_limits(1):
            if data == ["rowwise"]:
                want = np.vstack([m.transform(Xs[i:i + 1]) for i in range(300)])
            else:
                want = getattr(m, meth)(Xs)
        if hasattr(want, "toarray"):  # RandomTreesEmbedding's sparse one-hot
            want = want.toarray()
        if meth == "transform":
            q = "SELECT sum(length(model_transform(?, %s))) FROM %s" % (cols, tbl)
            got = np.array([json.loads(r[0]) for r in b.db.execute(
                "SELECT model_transform(?, %s) FROM %s" % (cols, tbl), (blob,))])[:len(want)]
            diff = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1)))
            assert diff <= 1e-9, (name, diff)
        else:
            q = "SELECT sum(model_%s(?, %s)) FROM gt" % (meth, cols)
            got = np.array([r[0] for r in b.db.execute(
                "SELECT model_%s(?, %s) FROM gt" % (meth, cols), (blob,))])
            diff = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1)))
            assert diff <= 1e-9, (name, diff)
        ns, _ = b.sql_ns(q, (blob,), rows=n)

        def batch():
            with threadpool_limits(1):
                return getattr(m, meth)(Xs)
        batch_ns = b.best(batch)[0] * 1e9 / n

        def py_row(*r):
            out = getattr(m, meth)(np.array([r], dtype=float))
            out = (out.toarray() if hasattr(out, "toarray") else out)[0]
            return json.dumps(out.tolist()) if meth == "transform" else out.item()
        b.db.create_function("py_row_g", nf, py_row)
        ns_udf, _ = b.sql_ns("SELECT count(py_row_g(%s)) FROM %s WHERE rowid <= %d"
                             % (cols, tbl, udf_k), rows=udf_k, repeat=1)
        b.add(sec, "(a) SQL %s per row, %s" % (meth, name), ns, n)
        b.add(sec, "(b) scikit-learn %s, batch on numpy, %s" % (meth, name), batch_ns, n)
        b.add(sec, "(c) Python UDF per row, %s" % name, ns_udf, udf_k)
        b.note(sec, "%s: SQL agrees with scikit-learn within %.2g relative." % (name, diff))
        b.ratio(sec, "%s: (b) sklearn batch / (a) SQL" % name, batch_ns / ns)
        b.ratio(sec, "%s: (c) UDF / (a) SQL" % name, ns_udf / ns)


def xgb_node_steps(m, Xq):
    """Mean over the rows of Xq of the nodes on their paths: the depth of each tree's leaf."""
    import xgboost as xgb
    booster = m.get_booster()
    df = booster.trees_to_dataframe()
    kids = {i: (yes, no) for i, yes, no in zip(df.ID, df.Yes, df.No) if isinstance(yes, str)}
    depth = {"%d-0" % t: 0 for t in set(df.Tree)}
    todo = list(depth)
    while todo:
        i = todo.pop()
        for c in kids.get(i, ()):
            depth[c] = depth[i] + 1
            todo.append(c)
    leaves = booster.predict(xgb.DMatrix(Xq), pred_leaf=True).astype(int)
    return sum(depth["%d-%d" % (t, leaf)] for row in leaves for t, leaf in enumerate(row)) / len(Xq)


def section_xgboost(b):
    """XGBClassifier (300 trees, depth 6, 20 features) over the trees table's rows: SQL per row
    beside XGBoost's own predict_proba on the numpy array (n_jobs=1) and a per-row Python UDF;
    decode+compile of the pickle beside pickle.loads. Outputs are checked bit for bit first."""
    import xgboost as xgb
    from sklearn.datasets import make_classification

    n = b.tree_rows
    sec = "XGBoost (%s rows x 20 REAL columns)" % format(n, ",")
    print(sec, flush=True)
    udf_k = min(1000, n)
    b.note(sec, "(a) best of %d; (b) is XGBClassifier.predict_proba on the numpy array (no "
                "fetch), n_jobs=1; (c) one run over the first %d rows; (e) medians of "
                "`SELECT model_info(?)` (decode + compile, no cache) and of pickle.loads."
           % (b.repeat, udf_k))
    X, y = make_classification(n_samples=5000, n_features=20, n_informative=10, random_state=0)
    Xt = np.random.default_rng(2).normal(size=(n, 20)) * 1.5
    names = ["x%d" % i for i in range(1, 21)]
    cols = ", ".join(names)
    b.db.execute("CREATE TABLE tx(%s)" % ", ".join("%s REAL" % c for c in names))
    b.db.executemany("INSERT INTO tx VALUES (%s)" % ", ".join("?" * 20), Xt.tolist())
    b.db.commit()
    name = "XGBClassifier(300 trees, max_depth=6)"
    m = xgb.XGBClassifier(n_estimators=300, max_depth=6, n_jobs=1, random_state=0).fit(X, y)
    blob = pickle.dumps(m, protocol=4)
    want = m.predict_proba(Xt[:2000])[:, 1]
    got = np.array([r[0] for r in b.db.execute(
        "SELECT model_predict_proba(?, %s) ->> 1 FROM tx WHERE rowid <= 2000" % cols, (blob,))])
    same = np.array_equal(got, want.astype(np.float64))
    b.note(sec, "%s: predict_proba on the first 2,000 rows %s XGBoost's (float32 bits)." % (
        name, "equals" if same else "DIFFERS from"))
    ns_m, _ = b.sql_ns("SELECT sum(model_decision_function(?, %s)) FROM tx" % cols, (blob,),
                       rows=n)
    ns_pp, _ = b.sql_ns("SELECT sum(model_predict_proba(?, %s) ->> 1) FROM tx" % cols, (blob,),
                        rows=n)
    batch_s, _ = b.best(lambda: m.predict_proba(Xt))
    batch_ns = batch_s * 1e9 / n

    def py_xgb(*r):
        return float(m.predict_proba(np.array([r], dtype=float))[0, 1])
    b.db.create_function("py_xgb", 20, py_xgb)
    ns_udf, _ = b.sql_ns("SELECT sum(py_xgb(%s)) FROM tx WHERE rowid <= %d" % (cols, udf_k),
                         rows=udf_k, repeat=1)
    b.add(sec, "(a) sum(model_predict_proba(m, x1..x20) ->> 1) %s" % name, ns_pp, n)
    b.add(sec, "(a') sum(model_decision_function(m, x1..x20)) %s" % name, ns_m, n)
    b.add(sec, "(b) XGBoost predict_proba, batch on numpy, n_jobs=1", batch_ns, n)
    b.add(sec, "(c) Python UDF calling predict_proba per row", ns_udf, udf_k)
    b.ratio(sec, "(b) XGBoost batch / (a) SQL predict_proba", batch_ns / ns_pp, ">= 1",
            batch_ns >= ns_pp)
    b.ratio(sec, "(c) UDF / (a) SQL predict_proba", ns_udf / ns_pp, ">= 300", ns_udf >= 300 * ns_pp)
    walk = "walk:%dx%d" % (m.n_estimators, m.max_depth)
    cost = floor_costs([walk, "exp"])
    floor_note(b, sec, name, [(xgb_node_steps(m, Xt[:200]), "node steps (each tree's depth at "
                               "the row's leaf; eight trees walked in lock step)", cost[walk]),
                              (1, "exp", cost["exp"])],
               call_floor_ns(b, "tx", cols, n), ns_pp, ns_udf)
    reps = 15
    loads_s = b.median(lambda: pickle.loads(blob), reps)
    info_s = b.median(lambda: b.db.execute("SELECT model_info(?)", (blob,)).fetchall(), reps)
    b.note(sec, "(e) %s pickle (%s bytes): decode + compile %.2f ms, pickle.loads %.2f ms "
                "(ratio %.2f)." % (name, format(len(blob), ","), info_s * 1e3, loads_s * 1e3,
                                   info_s / loads_s))


# ---- section: tabular -------------------------------------------------------------------------

def section_tabular(b):
    """Issue 14: ColumnTransformer(OneHotEncoder + StandardScaler) + LogisticRegression over a
    table of 3 TEXT and 4 REAL columns vs predict_proba on the DataFrame and a per-row UDF."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    n = b.tabular_rows
    sec = "DataFrame pipeline (%s rows x 3 TEXT + 4 REAL columns)" % format(n, ",")
    print(sec, flush=True)
    rng = np.random.default_rng(3)
    df = pd.DataFrame({
        "country": rng.choice(["de", "fr", "us", "uk", "es", "it", "nl", "pl"], n),
        "plan": rng.choice(["basic", "plus", "pro"], n),
        "channel": rng.choice(["web", "store", "phone", "partner"], n),
        "age": rng.integers(18, 80, n).astype(float), "income": rng.normal(5e4, 1.5e4, n),
        "visits": rng.integers(0, 30, n).astype(float), "tenure": rng.exponential(3.0, n)})
    y = ((df["plan"] == "pro") + df["age"] / 60 + rng.normal(0, 0.5, n) > 1).astype(int)
    cats, nums = ["country", "plan", "channel"], ["age", "income", "visits", "tenure"]
    model = make_pipeline(ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore"), cats),
                                             ("n", StandardScaler(), nums)]),
                          LogisticRegression(max_iter=1000)).fit(df[:20000], y[:20000])
    blob = pickle.dumps(model, protocol=4)
    db = b.db
    db.execute("DROP TABLE IF EXISTS customers")
    db.execute("CREATE TABLE customers(country TEXT, plan TEXT, channel TEXT, age REAL, "
               "income REAL, visits REAL, tenure REAL)")
    db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
                   df.itertuples(index=False, name=None))
    db.commit()
    args = "country, plan, channel, age, income, visits, tenure"
    scan_ns = b.sql_ns("SELECT count(country || plan || channel), sum(age + income + visits + "
                       "tenure) FROM customers", rows=n)[0]
    sql = "SELECT count(model_predict_proba(?, %s)) FROM customers" % args
    ns, _ = b.sql_ns(sql, (blob,), rows=n)
    named = "SELECT count(model_predict_proba(?, json_object(%s))) FROM customers" % ", ".join(
        "'%s', %s" % (c, c) for c in cats + nums)
    ns_json, _ = b.sql_ns(named, (blob,), rows=n)
    ns_label, _ = b.sql_ns("SELECT sum(model_predict(?, %s)) FROM customers" % args, (blob,),
                           rows=n)
    secs, _ = b.best(lambda: model.predict(df))
    batch_label_ns = secs * 1e9 / n
    # the SQL answers are scikit-learn's
    got = [json.loads(r[0])[1] for r in db.execute(
        "SELECT model_predict_proba(?, %s) FROM customers WHERE rowid <= 1000" % args, (blob,))]
    want = model.predict_proba(df[:1000])[:, 1]
    assert np.allclose(got, want, rtol=1e-12, atol=0), "tabular answers differ"
    secs, _ = b.best(lambda: model.predict_proba(df))
    batch_ns = secs * 1e9 / n
    secs, _ = b.best(lambda: model.predict_proba(
        pd.DataFrame(db.execute("SELECT %s FROM customers" % args).fetchall(),
                     columns=cats + nums)))
    fetch_ns = secs * 1e9 / n
    cols = cats + nums
    b.db.create_function("py_proba", 7, lambda *r: float(
        model.predict_proba(pd.DataFrame([r], columns=cols))[0, 1]))
    k = b.udf_rows // 10
    ns_udf, _ = b.sql_ns("SELECT sum(py_proba(%s)) FROM customers WHERE rowid <= %d" % (args, k),
                         rows=k, repeat=1)
    b.add(sec, "(a) scan of the 7 columns", scan_ns, n)
    b.add(sec, "(b) count(model_predict_proba(m, 7 columns))", ns, n)
    b.add(sec, "(b') the same with json_object(name, value, ...)", ns_json, n)
    b.add(sec, "(e) sum(model_predict(m, 7 columns)) (a label: no JSON text per row)", ns_label, n)
    b.add(sec, "(c) Python: pipeline.predict_proba(DataFrame) (batch)", batch_ns, n)
    b.add(sec, "(f) Python: pipeline.predict(DataFrame) (batch)", batch_label_ns, n)
    b.add(sec, "(c') Python: fetch rows into a DataFrame + predict_proba", fetch_ns, n)
    b.add(sec, "(d) Python UDF: predict_proba of a one-row DataFrame per row", ns_udf, k)
    b.ratio(sec, "(c) batch / (b)", batch_ns / ns, ">= 5", batch_ns / ns >= 5)
    b.ratio(sec, "(c') fetch + batch / (b)", fetch_ns / ns)
    b.ratio(sec, "(f) batch predict / (e)", batch_label_ns / ns_label, ">= 5",
            batch_label_ns / ns_label >= 5)
    b.ratio(sec, "(d) UDF / (b)", ns_udf / ns, ">= 300", ns_udf / ns >= 300)


# ---- section: text ----------------------------------------------------------------------------

def section_text(b):
    """TfidfVectorizer(ngram_range=(1, 2), max_features=50,000) + LinearSVC and + MultinomialNB on
    BENCH_TEXT_ROWS short documents (~40 words from a Zipf-distributed vocabulary of 30,000
    words): SQL per document beside scikit-learn's batch predict on a list of strings and a
    per-row Python UDF (docs/text.md)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC
    from threadpoolctl import threadpool_limits

    n = int(os.environ.get("BENCH_TEXT_ROWS", "100000"))
    udf_k = min(2000, n)
    sec = "Text (%s documents of ~40 words)" % format(n, ",")
    print(sec, flush=True)
    rng = np.random.default_rng(5)
    vocab = np.array(["w%x%s" % (i, "aeiouy"[i % 6]) for i in range(30000)])
    ranks = np.arange(1, vocab.size + 1, dtype=float)
    p = 1.0 / ranks ** 1.05
    p /= p.sum()

    def docs(k):
        lens = rng.integers(30, 50, size=k)
        words = rng.choice(vocab, size=int(lens.sum()), p=p)
        out, pos = [], 0
        for ln in lens:
            out.append(" ".join(words[pos:pos + ln]))
            pos += ln
        return out
    train = docs(30000)
    y = ["spam" if ("w1e" in d.split()[:10]) or (i % 3 == 0) else "ham"
         for i, d in enumerate(train)]
    test = docs(n)
    b.db.execute("CREATE TABLE docs(body TEXT)")
    b.db.executemany("INSERT INTO docs VALUES (?)", [(d,) for d in test])
    b.db.commit()
    b.note(sec, "Each contender is timed %d times, in alternation ((a), (b), (c), (a), ...) "
                "and keeps its best run: (a) the SQL query over every document; (b) scikit-learn's "
                "predict on the list of strings, one thread; (c) the UDF over the first %d "
                "documents. Every SQL label is checked against "
                "scikit-learn's. Wall time, then the process's CPU time of the same runs (all "
                "three run in this process, single-threaded: CPU time leaves out what other "
                "jobs of a shared machine take)." % (b.repeat, udf_k))
    with threadpool_limits(1):
        models = [("LinearSVC", make_pipeline(
                      TfidfVectorizer(ngram_range=(1, 2), max_features=50000),
                      LinearSVC(random_state=0)).fit(train, y)),
                  ("MultinomialNB", make_pipeline(
                      TfidfVectorizer(ngram_range=(1, 2), max_features=50000),
                      MultinomialNB()).fit(train, y))]
    for name, m in models:
        b.note(sec, "%s: vocabulary of %d terms." % (name, len(m[0].vocabulary_)))
        blob = pickle.dumps(m, protocol=4)
        with threadpool_limits(1):
            want = list(m.predict(test))
        got = [r[0] for r in b.db.execute("SELECT model_predict(?, body) FROM docs", (blob,))]
        assert got == want, name
        sql = "SELECT count(*) FROM docs WHERE model_predict(?, body) = 'spam'"

        def batch():
            with threadpool_limits(1):
                return m.predict(test)

        def py_predict(d):
            return m.predict([d])[0]
        b.db.create_function("py_predict_t", 1, py_predict)
        sql_udf = ("SELECT count(*) FROM docs WHERE rowid <= %d AND py_predict_t(body) = 'spam'"
                   % udf_k)
        (wall, cpu), (bw, bc), (uw, uc) = interleaved_times(
            [lambda: b.db.execute(sql, (blob,)).fetchall(), batch,
             lambda: b.db.execute(sql_udf).fetchall()], b.repeat)
        ns, ns_cpu = wall * 1e9 / n, cpu * 1e9 / n
        batch_ns, batch_cpu = bw * 1e9 / n, bc * 1e9 / n
        ns_udf, udf_cpu = uw * 1e9 / udf_k, uc * 1e9 / udf_k
        b.add(sec, "(a) model_predict(m, body), Tfidf(1-2 grams) + %s" % name, ns, n)
        b.add(sec, "(b) scikit-learn predict on a list of strings, %s" % name, batch_ns, n)
        b.add(sec, "(c) Python UDF calling predict per document, %s" % name, ns_udf, udf_k)
        b.add(sec, "(a) CPU time, %s" % name, ns_cpu, n)
        b.add(sec, "(b) CPU time, %s" % name, batch_cpu, n)
        b.add(sec, "(c) CPU time, %s" % name, udf_cpu, udf_k)
        b.ratio(sec, "%s: (b) sklearn batch / (a) SQL" % name, batch_ns / ns, ">= 5",
                batch_ns / ns >= 5)
        b.ratio(sec, "%s: (c) UDF / (a) SQL" % name, ns_udf / ns, ">= 300", ns_udf / ns >= 300)
        b.ratio(sec, "%s: CPU time, (b) sklearn batch / (a) SQL" % name, batch_cpu / ns_cpu,
                ">= 5", batch_cpu / ns_cpu >= 5)
        b.ratio(sec, "%s: CPU time, (c) UDF / (a) SQL" % name, udf_cpu / ns_cpu, ">= 300",
                udf_cpu / ns_cpu >= 300)


def interleaved_times(fns, rounds):
    """Best wall time and best process CPU time of each fn() (seconds), over `rounds` rounds that
    each run every fn once, in turn. This machine's speed drifts by up to half from one second to
    the next (a pure Python loop's time per iteration included: docs/benchmarks.md), so the
    contenders are timed in alternation across the whole section and each keeps its best round,
    rather than one contender's runs back to back in one stretch and another's in another."""
    best = [[None, None] for _ in fns]
    for _ in range(rounds):
        for fn, bw in zip(fns, best):
            gc.disable()
            try:
                t0, c0 = time.perf_counter(), time.process_time()
                fn()
                dw, dc = time.perf_counter() - t0, time.process_time() - c0
            finally:
                gc.enable()
            bw[0] = dw if bw[0] is None else min(bw[0], dw)
            bw[1] = dc if bw[1] is None else min(bw[1], dc)
    return [tuple(bw) for bw in best]


# ---- section: speed (per-row overheads, probabilities, single requests, blocks) ---------------

def build_c(name, src, lib=None, extra=()):
    """Compiles scripts/<src> into build/<name> (with the core library when lib)."""
    exe = os.path.join(REPO, "build", name)
    cmd = ["cc", "-O2", "-o", exe, os.path.join(REPO, "scripts", src)]
    if lib:
        cmd[2:2] = core_includes()
        cmd += [os.path.join(REPO, "build", "release", "libpkcore.a"), "-lzstd", "-lz", "-lbz2",
                "-llzma", "-llz4", "-lm"]
    cmd += list(extra)
    subprocess.run(cmd, check=True)
    return exe


def speed_connect(so, noop):
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(so[:-3] if so.endswith(".so") else so)
    db.load_extension(noop[:-3])  # entry point sqlite3_benchnoop_init, from the name
    db.enable_load_extension(False)
    return db


def cpu_ns(db, sql, params, rows, repeat):
    """Best process CPU time of a query (ns per row): a machine shared with other jobs disturbs
    CPU time less than wall time."""
    best = None
    for _ in range(repeat):
        gc.disable()
        try:
            t0 = time.process_time()
            db.execute(sql, params).fetchall()
            dt = time.process_time() - t0
        finally:
            gc.enable()
        best = dt if best is None else min(best, dt)
    return best * 1e9 / rows


def section_speed(b):
    """Issue 15: per-row overhead over a no-op C function, probabilities beside labels (JSON
    text, one class as REAL, a float64 BLOB), single requests by registry name, blocks of rows
    through the core, the first prediction on a new connection; this build beside the baseline
    build (--baseline) when given."""
    from sklearn.cluster import KMeans
    from sklearn.datasets import make_classification
    from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingClassifier,
                                  RandomForestClassifier)
    from sklearn.linear_model import LogisticRegression
    import xgboost as xgb

    sec = "Speed: overheads, probabilities, single requests, blocks"
    print(sec, flush=True)
    builds = [("this build", b.so)] + ([("baseline", b.baseline)] if b.baseline else [])
    noop_so = os.path.join(REPO, "build", "benchnoop.so")
    subprocess.run(["cc", "-O2", "-fPIC", "-shared", "-o", noop_so,
                    os.path.join(REPO, "scripts", "bench_noop.c")], check=True)
    rep = b.repeat
    b.note(sec, "Times are process CPU time (best of %d), not wall time, so other jobs on the "
                "machine disturb them less. 'baseline' is the build given with --baseline "
                "(the code before these changes), measured in the same run, alternating with "
                "this build; '-' where the baseline lacks the function. The floor is "
                "bench_noop (scripts/bench_noop.c): a C function of the same arguments that "
                "reads none and returns 0. Probabilities are consumed by count(), which reads "
                "nothing of the text (sum(length(...)) counts its characters)." % rep)
    n5 = min(b.n, 300000)
    rng = np.random.default_rng(0)
    X5 = rng.normal(size=(n5, 5))
    y5 = (X5[:, 0] + X5[:, 1] > 0).astype(int) + (X5[:, 4] > 1)
    lr = pickle.dumps(LogisticRegression(max_iter=1000).fit(X5[:20000], y5[:20000]), protocol=4)
    km = pickle.dumps(KMeans(8, n_init=3, random_state=0).fit(X5[:20000]), protocol=4)
    nt = min(b.tree_rows, 50000)
    X, y = make_classification(n_samples=5000, n_features=20, n_informative=10, random_state=0)
    Xt = np.random.default_rng(1).normal(size=(nt, 20)) * 1.5
    trees = [
        ("RandomForest(100, depth 10)",
         RandomForestClassifier(100, max_depth=10, random_state=0, n_jobs=1).fit(X, y)),
        ("GradientBoosting(100)", GradientBoostingClassifier(n_estimators=100,
                                                             random_state=0).fit(X, y)),
        ("HistGradientBoosting(100)",
         HistGradientBoostingClassifier(max_iter=100, early_stopping=False,
                                        random_state=0).fit(X, y)),
    ]
    tblobs = [(name, pickle.dumps(m, protocol=4)) for name, m in trees]
    dbs = {}
    for label, so in builds:
        db = speed_connect(so, noop_so)
        db.execute("CREATE TABLE t5(a REAL, b REAL, c REAL, d REAL, e REAL)")
        db.executemany("INSERT INTO t5 VALUES (?, ?, ?, ?, ?)", X5.tolist())
        db.execute("CREATE TABLE t20(%s)" % ", ".join("c%d REAL" % i for i in range(20)))
        db.executemany("INSERT INTO t20 VALUES (%s)" % ", ".join("?" * 20), Xt.tolist())
        db.commit()
        dbs[label] = db
    c5 = "a, b, c, d, e"
    c20 = ", ".join("c%d" % i for i in range(20))
    rows = [  # (label, sql, params, rows, key)
        ("floor: sum(bench_noop(m, a..e))", "SELECT sum(bench_noop(?, %s)) FROM t5" % c5, (lr,),
         n5, "noop5"),
        ("LogisticRegression (3 classes): sum(model_predict)",
         "SELECT sum(model_predict(?, %s)) FROM t5" % c5, (lr,), n5, "lr_p"),
        ("LogisticRegression: count(model_predict_proba) (JSON text)",
         "SELECT count(model_predict_proba(?, %s)) FROM t5" % c5, (lr,), n5, "lr_pp"),
        ("LogisticRegression: sum(model_proba(m, 1, ...)) (REAL)",
         "SELECT sum(model_proba(?, 1, %s)) FROM t5" % c5, (lr,), n5, "lr_p1"),
        ("LogisticRegression: count(model_predict_proba_blob) (float64 BLOB)",
         "SELECT count(model_predict_proba_blob(?, %s)) FROM t5" % c5, (lr,), n5, "lr_pb"),
        ("KMeans(8): sum(model_predict)", "SELECT sum(model_predict(?, %s)) FROM t5" % c5, (km,),
         n5, "km_p"),
    ]
    for name, blob in tblobs:
        rows += [
            ("%s (2 classes): sum(model_predict)" % name,
             "SELECT sum(model_predict(?, %s)) FROM t20" % c20, (blob,), nt, name + "_p"),
            ("%s: count(model_predict_proba)" % name,
             "SELECT count(model_predict_proba(?, %s)) FROM t20" % c20, (blob,), nt, name + "_pp"),
            ("%s: sum(model_proba(m, 1, ...))" % name,
             "SELECT sum(model_proba(?, 1, %s)) FROM t20" % c20, (blob,), nt, name + "_p1"),
        ]
    res = {label: {} for label, _ in builds}
    for _ in range(rep):  # every measurement once per round: compared rows see the same load
        for what, sql, params, n, key in rows:
            for label, _ in builds:
                try:
                    t = cpu_ns(dbs[label], sql, params, n, 1)
                except sqlite3.OperationalError:
                    t = None
                old = res[label].get(key)
                res[label][key] = t if old is None or t is None else min(old, t)
    cols = ("measurement (ns/row, CPU)",) + tuple(label for label, _ in builds) + ("rows",)
    for what, sql, params, n, key in rows:
        b.row(sec, cols, (what,) + tuple("-" if res[l][key] is None else "%.1f" % res[l][key]
                                         for l, _ in builds) + (str(n),))
    r = res["this build"]
    for name, key in (("LogisticRegression", "lr_p"), ("KMeans(8)", "km_p")):
        over = r[key] - r["noop5"]
        b.ratio(sec, "%s: model_predict - floor" % name, over, "<= 40 ns", over <= 40, "ns")
    for name, key, k in [("LogisticRegression", "lr", 3)] + [(nm, nm, 2) for nm, _ in tblobs]:
        over = (r[key + "_pp"] - r[key + "_p"]) / k
        b.ratio(sec, "%s: (predict_proba - predict) per class" % name, over, "<= 40 ns",
                over <= 40, "ns")
    # where model_predict_proba's time per class goes (LogisticRegression, 3 classes): the
    # probabilities themselves (the BLOB form), then writing them as text
    core = build_c("bench_core", "bench_core.c", lib=True)
    kv = subprocess.run([core, "dtoa", "1000000"], check=True, stdout=subprocess.PIPE,
                        text=True).stdout.split()
    dtoa_ns = float(kv[1])
    b.ratio(sec, "LogisticRegression: (predict_proba_blob - predict) per class: probabilities "
                 "and a BLOB", (r["lr_pb"] - r["lr_p"]) / 3, unit="ns")
    b.ratio(sec, "LogisticRegression: (predict_proba - predict_proba_blob) per class: the JSON "
                 "text", (r["lr_pp"] - r["lr_pb"]) / 3, unit="ns")
    b.ratio(sec, "pk_dtoa_shortest alone, per probability (scripts/bench_core.c dtoa)", dtoa_ns,
            unit="ns")
    b.note(sec, "Where predict_proba's time per class goes: the BLOB form computes the same "
                "probabilities and returns them as bytes; the difference to the JSON form is "
                "the text: each probability's shortest round-trip digits (pk_dtoa_shortest, "
                "timed alone by `build/bench_core dtoa 1000000`), the JSON punctuation, and "
                "SQLite's copy of the text (sqlite3_result_text with SQLITE_TRANSIENT). "
                "model_proba (one REAL) and model_predict_proba_blob avoid it.")

    # single requests: bench_serve (prepared once, stepped again and again from C)
    serve = build_c("bench_serve", "bench_serve.c", extra=["-lsqlite3"])
    with tempfile.TemporaryDirectory() as tmp:
        pk_path = os.path.join(tmp, "lr.pkl")
        with open(pk_path, "wb") as f:
            f.write(lr)
        scols = ("single request, ns per call (CPU)",) + tuple(
            "%s: %s" % (label, k) for label, _ in builds for k in ("blob", "by name", "by name in BEGIN"))
        got = {}
        for dbk, dbpath in ((":memory:", ":memory:"), ("file, rollback journal", "f.db"),
                            ("file, WAL", "wal:w.db")):
            vals = []
            for label, so in builds:
                for f_ in os.listdir(tmp):
                    if f_.endswith((".db", "-wal", "-shm", "-journal")):
                        os.unlink(os.path.join(tmp, f_))
                path = dbpath if dbpath == ":memory:" else (
                    "wal:" + os.path.join(tmp, dbpath[4:]) if dbpath.startswith("wal:")
                    else os.path.join(tmp, dbpath))
                out = subprocess.run([serve, so, pk_path, "5", path, "2000"], check=True,
                                     stdout=subprocess.PIPE, text=True).stdout
                d = dict((ln.split()[0], float(ln.split()[1])) for ln in out.splitlines())
                got[(dbk, label)] = d
                vals += ["%.0f" % d["blob"], "%.0f" % d["name"], "%.0f" % d["name_txn"]]
            b.row(sec, scols, (dbk,) + tuple(vals))
        d = got[(":memory:", "this build")]
        b.ratio(sec, "single request by name - by blob, in-memory registry",
                (d["name"] - d["blob"]) / 1e3, "<= 3 us", d["name"] - d["blob"] <= 3000, "us")
        d = got[("file, rollback journal", "this build")]
        b.ratio(sec, "single request by name - by blob, file, inside BEGIN",
                (d["name_txn"] - d["blob_txn"]) / 1e3, "<= 3 us",
                d["name_txn"] - d["blob_txn"] <= 3000, "us")
        d = got[("file, rollback journal", "this build")]
        b.ratio(sec, "single request by name - by blob, file, autocommit",
                (d["name"] - d["blob"]) / 1e3, "<= 3 us", d["name"] - d["blob"] <= 3000, "us")
        b.ratio(sec, "file, autocommit: a read transaction alone (SELECT 1 FROM ml_versions "
                     "LIMIT 1, autocommit - inside BEGIN)",
                (d["readtx"] - d["readtx_txn"]) / 1e3, unit="us")
        b.note(sec, "Single requests: scripts/bench_serve.c prepares `SELECT model_predict(<m>, "
                    "?, ?, ?, ?, ?)` once and steps and resets it again and again, the model a "
                    "bound BLOB (LogisticRegression, found in the connection's model cache by "
                    "content) or 'm@production'. Outside a transaction every call of a statement "
                    "that reads the database file starts a read transaction (file locks: "
                    "system calls, slow on this virtual machine); inside BEGIN ... COMMIT the "
                    "snapshot is held and a name costs no more than a blob. A statement that "
                    "reads the file and scores nothing (`SELECT 1 FROM ml_versions LIMIT 1`, "
                    "bench_serve's readtx) pays the same in autocommit: the name's extra cost "
                    "there is the read transaction (`strace -c -f build/bench_serve "
                    "dist/pickle_ext.so m.pkl 5 f.db 2000` counts 4 fcntl locks, 3 stats and "
                    "1 pread per autocommit statement), not the name's resolution.")

        # blocks of rows through the core
        bb = build_c("bench_block", "bench_block.c", lib=True)
        xf = os.path.join(tmp, "x.f64")
        Xt[:20000].astype(np.float64).tofile(xf)
        xgbm = xgb.XGBClassifier(n_estimators=300, max_depth=6, n_jobs=1,
                                 random_state=0).fit(X, y)
        bcols = ("core, 20,000 rows", "row by row ns/row", "blocks ns/row", "same output",
                 "block kernel")
        rounds = 5
        b.note(sec, "Blocks: scripts/bench_block.c scores 20,000 rows through the core row by row "
                    "(pk_model_run) and in blocks (pk_model_run_block), alternating, best of "
                    "%d runs each (CPU time), and checks the outputs are equal; it runs %d times "
                    "for each model and method, in turn (model after model, round after round, "
                    "so that the rounds are spread over the section), and each kernel keeps its "
                    "best time. The block kernels keep the core's execution units busy, so a job "
                    "on the other hyperthread of this virtual machine slows them more than the "
                    "row kernel: one round's ratio moves by a fifth." % (max(rep, 11), rounds))
        cases = []
        for name, blob in tblobs + [("XGBClassifier(300, depth 6)", pickle.dumps(xgbm))]:
            pkf = os.path.join(tmp, "m%d.pkl" % len(cases))
            with open(pkf, "wb") as f:
                f.write(blob)
            for meth in ("predict", "predict_proba"):
                cases.append({"label": "%s %s" % (name, meth), "pkf": pkf, "meth": meth,
                              "rn": None, "bn": None, "same": True, "has": None})
        for _ in range(rounds):
            for c in cases:
                out = subprocess.run([bb, c["pkf"], xf, c["meth"], str(max(rep, 11))],
                                     stdout=subprocess.PIPE, text=True).stdout.split()
                kv = dict(zip(out[0::2], out[1::2]))
                rn, bn = float(kv["row_ns"]), float(kv["block_ns"])
                c["rn"] = rn if c["rn"] is None else min(c["rn"], rn)
                c["bn"] = bn if c["bn"] is None else min(c["bn"], bn)
                c["same"] = c["same"] and kv["same"] == "1"
                c["has"] = kv["has_block"] == "1"
        for c in cases:
            rn, bn = c["rn"], c["bn"]
            b.row(sec, bcols, (c["label"], "%.1f" % rn, "%.1f" % bn,
                               "yes" if c["same"] else "NO",
                               "yes" if c["has"] else "no (row loop)"))
            if c["has"]:
                b.ratio(sec, "%s: row by row / blocks" % c["label"], rn / bn, ">= 1.5",
                        rn >= 1.5 * bn)

    # first prediction on a new connection, blob bound, allocator warm (see the trees section)
    forest = tblobs[0][1]
    fcols = ("first model_predict on a new connection (RandomForest, %s bytes), CPU ms"
             % format(len(forest), ","),) + tuple(label for label, _ in builds) + ("pickle.loads",)
    warm = np.ones(16 << 17)  # free one 16 MiB block: the allocator state of the trees section
    del warm
    sql1 = "SELECT model_predict(?, %s)" % ", ".join(["0.5"] * 20)
    ts = {label: [] for label, _ in builds}
    ts["pickle.loads"] = []
    for rnd in range(25):  # alternate: each round sees the same load, builds in turn first
        for label, so in builds[::-1] if rnd % 2 else builds:
            db = speed_connect(so, noop_so)
            gc.disable()
            t0 = time.thread_time()
            db.execute(sql1, (forest,)).fetchall()
            ts[label].append(time.thread_time() - t0)
            gc.enable()
            db.close()
        gc.disable()
        t0 = time.thread_time()
        pickle.loads(forest)
        ts["pickle.loads"].append(time.thread_time() - t0)
        gc.enable()
    for stat, f in (("best", min), ("median", statistics.median)):
        b.row(sec, fcols, (stat,) + tuple(ms(f(ts[l])) for l, _ in builds) +
              (ms(f(ts["pickle.loads"])),))
    best = {k: min(v) for k, v in ts.items()}
    b.ratio(sec, "first prediction / pickle.loads (best CPU times)",
            best["this build"] / best["pickle.loads"], "<= 0.5",
            best["this build"] <= 0.5 * best["pickle.loads"])
    b.ratio(sec, "first prediction / pickle.loads (median CPU times)",
            statistics.median(ts["this build"]) / statistics.median(ts["pickle.loads"]))
    b.note(sec, "First prediction: a new connection's first `SELECT model_predict(?, ...)` with "
                "the forest's pickle bound (Python's sqlite3 copies the blob into the "
                "statement; the extension decodes, checks, compiles, copies the blob as the "
                "model cache's key and scores one row), beside pickle.loads of the same bytes "
                "(scikit-learn imported), 25 rounds alternating, CPU time of this thread.")
    for db in dbs.values():
        db.close()


# ---- section: onnx (ONNX Runtime beside the same forests, optional) ---------------------------

def ort_modules():
    """The node_modules folder holding onnxruntime-node (BENCH_ORT_MODULES, default
    build/ort/node_modules, where `sh scripts/install-deps.sh bench` puts it), or None and why."""
    mods = os.path.abspath(os.environ.get("BENCH_ORT_MODULES") or
                           os.path.join(REPO, "build", "ort", "node_modules"))
    try:
        import onnx  # noqa: F401  (Debian's python3-onnx builds the graphs)
    except ImportError:
        return None, "python3-onnx is not installed"
    try:
        p = subprocess.run(["node", "-e", "require.resolve('onnxruntime-node')"],
                           env=dict(os.environ, NODE_PATH=mods), capture_output=True, text=True)
    except OSError:
        return None, "node is not installed"
    if p.returncode != 0:
        return None, "onnxruntime-node is not installed in %s" % mods
    return mods, None


def section_onnx(b):
    """ONNX Runtime (onnxruntime-node, one thread, from Node) on the trees section's forests
    and 200,000-row array, beside model_predict_proba / model_decision_function over the same
    rows in SQL and the C core's block kernel over the same array. Skipped, saying why, when
    onnxruntime-node or python3-onnx is absent (sh scripts/install-deps.sh bench)."""
    sec = "ONNX Runtime (%s rows x 20 features)" % format(b.tree_rows, ",")
    print(sec, flush=True)
    mods, why = ort_modules()
    if not mods:
        print("  skipped: %s (sh scripts/install-deps.sh bench installs it)" % why, flush=True)
        b.note(sec, "Skipped: %s (`sh scripts/install-deps.sh bench` installs it)." % why)
        return
    sys.path.insert(0, os.path.join(REPO, "scripts"))
    import bench_onnx
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from threadpoolctl import threadpool_limits

    n, rep = b.tree_rows, b.repeat
    ver = subprocess.run(["node", "-e", "console.log(require('onnxruntime-node/package.json')"
                          ".version)"], env=dict(os.environ, NODE_PATH=mods),
                         capture_output=True, text=True).stdout.strip()
    b.note(sec, "Times are CPU ns per row, best of %d. ONNX Runtime %s (onnxruntime-node, its "
                "prebuilt library) runs in Node with intraOpNumThreads = interOpNumThreads = 1, "
                "one session.run over the whole float32 array (scripts/bench_ort.js); the "
                "graphs are built from the fitted models with Debian's python3-onnx as "
                "skl2onnx builds them (scripts/bench_onnx.py: TreeEnsembleClassifier for the "
                "forest, TreeEnsembleRegressor for the boosting's raw score). SQL rows scan a "
                "table of the same rows; 'C core, blocks' is pk_model_run_block over the same "
                "array in memory (scripts/bench_block.c), the closest match to ONNX Runtime's "
                "array in, array out." % (rep, ver))
    X, y = make_classification(n_samples=5000, n_features=20, n_informative=10, random_state=0)
    Xt = np.random.default_rng(1).normal(size=(n, 20)) * 1.5
    with threadpool_limits(1):
        rf = RandomForestClassifier(n_estimators=100, max_depth=10, random_state=0,
                                    n_jobs=1).fit(X, y)
        hgb = HistGradientBoostingClassifier(max_iter=100, early_stopping=False,
                                             random_state=0).fit(X, y)
        want_rf, want_hgb = rf.predict_proba(Xt), hgb.decision_function(Xt)
    db = b.connect()
    names = ["c%d" % i for i in range(1, 21)]
    cols = ", ".join(names)
    db.execute("CREATE TABLE tx(%s)" % ", ".join("%s REAL" % c for c in names))
    db.executemany("INSERT INTO tx VALUES (%s)" % ", ".join("?" * 20), Xt.tolist())
    db.commit()
    bb = build_c("bench_block", "bench_block.c", lib=True)
    cols_t = ("measurement (CPU ns/row)", "ns/row", "rows")
    with tempfile.TemporaryDirectory() as tmp:
        x32, x64 = os.path.join(tmp, "x.f32"), os.path.join(tmp, "x.f64")
        Xt.astype(np.float32).tofile(x32)
        Xt.astype(np.float64).tofile(x64)
        cases = [
            ("RandomForestClassifier(100 trees, max_depth=10)", rf, bench_onnx.forest_classifier,
             "probabilities", want_rf, "predict_proba",
             "count(model_predict_proba(?, %s))" % cols),
            ("HistGradientBoostingClassifier(max_iter=100)", hgb, bench_onnx.hgb_decision,
             "variable", want_hgb.reshape(-1, 1), "decision_function",
             "sum(model_decision_function(?, %s))" % cols),
        ]
        for name, m, conv, out_name, want, meth, sql_expr in cases:
            onnx_path, out_path = os.path.join(tmp, "m.onnx"), os.path.join(tmp, "out.f32")
            with open(onnx_path, "wb") as f:
                f.write(conv(m))
            p = subprocess.run(["node", os.path.join(REPO, "scripts", "bench_ort.js"), onnx_path,
                                x32, str(n), "20", str(rep), out_path, out_name],
                               env=dict(os.environ, NODE_PATH=mods), capture_output=True,
                               text=True)
            if p.returncode != 0:
                raise RuntimeError("bench_ort.js: " + p.stderr.strip())
            kv = p.stdout.split()
            ort_ns = float(kv[kv.index("cpu_ns_per_row") + 1])
            got = np.fromfile(out_path, dtype=np.float32).reshape(want.shape)
            diff = float(np.max(np.abs(got.astype(np.float64) - want)))
            agree = (float(np.mean(got.argmax(1) == want.argmax(1))) if want.shape[1] > 1
                     else float(np.mean((got[:, 0] > 0) == (want[:, 0] > 0))))
            b.note(sec, "%s: ONNX Runtime's %s (float32) differs from scikit-learn's by at most "
                        "%.2g; the predicted class agrees on %.4g%% of the rows." %
                   (name, meth, diff, 100 * agree))
            blob = pickle.dumps(m, protocol=4)
            sql_ns = cpu_ns(db, "SELECT %s FROM tx" % sql_expr, (blob,), n, rep)
            pkf = os.path.join(tmp, "m.pkl")
            with open(pkf, "wb") as f:
                f.write(blob)
            kvb = subprocess.run([bb, pkf, x64, meth, str(rep)], stdout=subprocess.PIPE,
                                 text=True).stdout.split()
            blk = dict(zip(kvb[0::2], kvb[1::2]))
            block_ns = float(blk["block_ns"])
            b.row(sec, cols_t, ("%s: ONNX Runtime %s, 1 thread" % (name, meth), "%.1f" % ort_ns,
                                str(n)))
            b.row(sec, cols_t, ("%s: SQL %s" % (name, sql_expr.split("(?")[0] + "(...))"),
                                "%.1f" % sql_ns, str(n)))
            b.row(sec, cols_t, ("%s: C core, blocks of rows (%s)" % (name, meth),
                                "%.1f" % block_ns, str(n)))
            b.ratio(sec, "%s: ONNX Runtime / SQL" % name, ort_ns / sql_ns)
            b.ratio(sec, "%s: ONNX Runtime / C core blocks" % name, ort_ns / block_ns)
    db.close()


SECTIONS = [
    ("scoring", section_scoring),
    ("tabular", section_tabular),
    ("trees", section_trees),
    ("families", section_families),
    ("transforms", section_transforms),
    ("xgboost", section_xgboost),
    ("text", section_text),
    ("speed", section_speed),
    ("onnx", section_onnx),
    ("decode", section_decode),
    ("storage", section_storage),
]


# ---- report ------------------------------------------------------------------------------------

def machine_info(b):
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sklearn
    try:
        cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout
        cc = cc.splitlines()[0] if cc else "?"
    except OSError:
        cc = "?"
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("nproc", str(nproc)),
        ("cpu", cpu),
        ("load average at start (1, 5, 15 min)", "%.2f, %.2f, %.2f" % b.load_start),
        ("load average at end (1, 5, 15 min)", "%.2f, %.2f, %.2f" % os.getloadavg()),
        ("os", "%s %s" % (platform.system(), platform.release())),
        ("python", platform.python_version()),
        ("sqlite (python module)", sqlite3.sqlite_version),
        ("numpy / scikit-learn", "%s / %s" % (np.__version__, sklearn.__version__)),
        ("compiler", cc),
        ("extension", os.path.relpath(b.so, REPO)),
    ] + ([("baseline extension (speed section)", b.baseline)] if b.baseline else [])


def write_report(b, path, elapsed):
    out = ["# Benchmarks", "",
           "Written by `make bench` (scripts/bench.py). **Every number below comes from one "
           "run** (%.0f s in all). The machine was shared with other work during the run (see "
           "the load averages), so the numbers are noisy: treat ratios near a target as "
           "inconclusive, and rerun `make bench` on an idle machine for firm figures." % elapsed,
           "",
           "Throughput rows (ns/row) are wall time divided by the rows processed, best of %d "
           "runs; decode times are medians. scikit-learn runs single-threaded, as SQLite does."
           % b.repeat, "", "## Machine", ""]
    out += ["- %s: %s" % kv for kv in machine_info(b)]
    for title, s in b.sections.items():
        out += ["", "## " + title]
        for text in s["notes"]:
            out += ["", text]
        for columns, rows in s["tables"].items():
            align = ["---"] + ["---:" if all(_numeric(r[i]) for r in rows) else "---"
                               for i in range(1, len(columns))]
            out += ["", "| " + " | ".join(columns) + " |", "|" + "|".join(align) + "|"]
            out += ["| " + " | ".join(r) + " |" for r in rows]
        if s["ratios"]:
            out += ["", "| ratio | value | target |", "|---|---:|---|"]
            for text, v, target, met, unit in s["ratios"]:
                t = "" if target is None else "%s (%s)" % (target, "met" if met else "**not met**")
                shown = fmt_ratio(v) if unit == "x" else "%.2f %s" % (v, unit)
                out.append("| %s | %s | %s |" % (text, shown, t))
    # sections written by other tools are kept: "Scale-out scoring" (`make bench-cluster`,
    # scripts/bench_cluster.sh) and "WebAssembly" (`make wasm-bench`, tests/wasm/bench.py)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for title in ("Scale-out scoring", "WebAssembly"):
            m = re.search(r"^## " + title + r".*?(?=^## |\Z)", text, re.S | re.M)
            if m:
                out += [""] + m.group(0).rstrip("\n").split("\n")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def fmt_ratio(v):
    return ("%.0fx" if v >= 100 else "%.3gx") % v


def _numeric(s):
    try:
        float(s.replace(",", ""))
        return True
    except ValueError:
        return s == "-"


def main():
    names = [n for n, _ in SECTIONS]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sections", nargs="*", metavar="SECTION",
                    help="sections to run (%s); default all" % ", ".join(names))
    ap.add_argument("--decode-mb", type=float,
                    default=float(os.environ.get("BENCH_DECODE_MB", "200")),
                    help="size of the decode section's array in MB (default 200)")
    ap.add_argument("--baseline", default=os.environ.get("BENCH_BASELINE"),
                    help="another build of the extension measured beside this one in the speed "
                         "section (e.g. the previous commit's dist/pickle_ext.so)")
    ap.add_argument("--out", default=None,
                    help="write the report here (default BENCHMARKS.md when all sections run, "
                         "nothing otherwise)")
    args = ap.parse_args()
    bad = [s for s in args.sections if s not in names]
    if bad:
        ap.error("unknown section %s (choose from %s)" % (", ".join(bad), ", ".join(names)))
    t0 = time.perf_counter()
    b = Bench(args)
    if not os.path.exists(b.so):
        sys.exit("extension not built: %s (run make)" % b.so)
    for name, fn in SECTIONS:
        if not args.sections or name in args.sections:
            fn(b)
    path = args.out or os.environ.get("BENCH_OUT")
    if not path and not args.sections:
        path = os.path.join(REPO, "BENCHMARKS.md")
    elapsed = time.perf_counter() - t0
    print("total %.0f s" % elapsed)
    if path:
        write_report(b, path, elapsed)
        print("wrote %s" % os.path.relpath(path, os.getcwd()))


if __name__ == "__main__":
    main()
