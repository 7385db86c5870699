#!/usr/bin/python3
"""make bench: speed of in-SQL scoring beside a plain scan and beside Python (DESIGN.md §6).

Run with Debian's /usr/bin/python3 (scikit-learn, numpy). Prints a table and writes
BENCHMARKS.md (results + the machine they ran on).

Structure: a Bench context (database, data, timing helpers, result rows) and a list of section
functions, SECTIONS, each adding rows and ratio lines. Later sections (trees, decode, zstd) are
added as functions and appended to SECTIONS; nothing else changes.

  PICKLE_EXT_SO   the extension (default dist/pickle_ext.so)
  BENCH_ROWS      rows of the scan table (default 1,000,000)
  BENCH_UDF_ROWS  rows scored by the per-row Python UDF (default 2,000)
  BENCH_REPEAT    timing repetitions, best kept (default 5)
  BENCH_OUT       output file (default BENCHMARKS.md)

Owner: the model-scoring helper (issue 4); other sections by their helpers.
"""
import datetime
import os
import pickle
import platform
import sqlite3
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


class Bench:
    def __init__(self):
        self.so = os.path.abspath(os.environ.get("PICKLE_EXT_SO") or
                                  os.path.join(REPO, "dist", "pickle_ext.so"))
        self.n = int(os.environ.get("BENCH_ROWS", "1000000"))
        self.udf_rows = int(os.environ.get("BENCH_UDF_ROWS", "2000"))
        self.repeat = int(os.environ.get("BENCH_REPEAT", "5"))
        self.rows = []    # (section, what, ns per row, rows timed)
        self.ratios = []  # (section, text, value, target text, met: bool or None)
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

    def best(self, fn):
        """Best wall time of fn() over self.repeat runs (seconds) and its last result."""
        best, out = None, None
        for _ in range(self.repeat):
            t0 = time.perf_counter()
            out = fn()
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        return best, out

    def sql_ns(self, sql, params=(), rows=None):
        secs, out = self.best(lambda: self.db.execute(sql, params).fetchall())
        return secs * 1e9 / (rows or self.n), out

    def add(self, section, what, ns, rows):
        self.rows.append((section, what, ns, rows))
        print("  %-70s %12.1f ns/row  (%d rows)" % (what, ns, rows), flush=True)

    def ratio(self, section, text, value, target=None, met=None):
        self.ratios.append((section, text, value, target, met))
        t = "" if target is None else "  target %s: %s" % (target, "met" if met else "NOT met")
        print("  %-70s %10.2fx%s" % (text, value, t), flush=True)


# ---- sections ---------------------------------------------------------------------------------

def section_linear_kmeans(b):
    """Issue 4: sum(model_predict(...)) over 1M rows vs a plain scan, batch sklearn, per-row UDF."""
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    sec = "Scoring (1M rows x 5 REAL columns)"
    print(sec)
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
        # the scan and the scoring alternate, best of each kept: the ratio then compares runs
        # under the same machine load
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


SECTIONS = [section_linear_kmeans]


# ---- report -----------------------------------------------------------------------------------

def machine_info():
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
    return [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("cpu", "%s, %d logical CPUs" % (cpu, os.cpu_count() or 0)),
        ("os", "%s %s" % (platform.system(), platform.release())),
        ("load average at the end (1, 5, 15 min)", "%.2f, %.2f, %.2f" % os.getloadavg()),
        ("python", platform.python_version()),
        ("sqlite (python module)", sqlite3.sqlite_version),
        ("numpy / scikit-learn", "%s / %s" % (np.__version__, sklearn.__version__)),
        ("compiler", cc),
        ("extension", os.path.relpath(Bench_so(), REPO)),
    ]


def Bench_so():
    return os.path.abspath(os.environ.get("PICKLE_EXT_SO") or
                           os.path.join(REPO, "dist", "pickle_ext.so"))


def write_report(b, path):
    out = ["# Benchmarks", "",
           "Written by `make bench` (scripts/bench.py); every number below comes from one run.",
           "ns/row is wall time divided by the rows processed, best of %d runs." % b.repeat, "",
           "## Machine", ""]
    out += ["- %s: %s" % kv for kv in machine_info()]
    sections = []
    for r in b.rows + b.ratios:
        if r[0] not in sections:
            sections.append(r[0])
    for sec in sections:
        out += ["", "## " + sec, "", "| measurement | ns/row | rows |", "|---|---:|---:|"]
        out += ["| %s | %.1f | %d |" % (w, ns, n) for s, w, ns, n in b.rows if s == sec]
        rs = [r for r in b.ratios if r[0] == sec]
        if rs:
            out += ["", "| ratio | value | target |", "|---|---:|---|"]
            for _, text, v, target, met in rs:
                t = "" if target is None else "%s (%s)" % (target, "met" if met else "not met")
                out.append("| %s | %.2fx | %s |" % (text, v, t))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    b = Bench()
    if not os.path.exists(b.so):
        sys.exit("extension not built: %s (run make)" % b.so)
    names = sys.argv[1:]
    for fn in SECTIONS:
        if names and fn.__name__ not in names:
            continue
        fn(b)
    path = os.environ.get("BENCH_OUT", os.path.join(REPO, "BENCHMARKS.md"))
    write_report(b, path)
    print("wrote %s" % os.path.relpath(path, os.getcwd()))


if __name__ == "__main__":
    main()
