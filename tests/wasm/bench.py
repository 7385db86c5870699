#!/usr/bin/python3
"""bench.py - make wasm-bench: the WebAssembly build's size and speed next to the native build's,
written as the "WebAssembly" section of BENCHMARKS.md (replaced in place; the rest is make
bench's).

    PICKLE_EXT_SO=dist/pickle_ext.so WASM_DIR=dist/wasm bench.py [BENCHMARKS.md]

Each query runs on both sides with the same blob bound as ?1 (native: Python's sqlite3 with the
extension; wasm: Node, tests/wasm/bench.js); the best of `repeat` runs is kept on each side.
"""
import gzip
import io
import json
import os
import pickle
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time

import joblib
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
SO = os.path.abspath(os.environ.get("PICKLE_EXT_SO", "dist/pickle_ext.so"))
WASM_DIR = os.path.abspath(os.environ.get("WASM_DIR", "dist/wasm"))
ROWS = 20000


def queries():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 8))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    rf = pickle.dumps(RandomForestClassifier(n_estimators=50, random_state=0).fit(X, y), 4)
    lr = pickle.dumps(LogisticRegression().fit(X, y), 4)
    buf = io.BytesIO()
    joblib.dump(RandomForestClassifier(n_estimators=50, random_state=0).fit(X, y), buf,
                compress=("zlib", 3))
    jz = buf.getvalue()
    rows = ("WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < %d) "
            % (ROWS - 1))
    feats = ", ".join("(i %% %d) * 0.1 - 0.4" % (k + 3) for k in range(8))
    return [
        ("pickle_info of a RandomForest (50 trees, %d KB)" % (len(rf) // 1024),
         "SELECT pickle_info(?1)", rf, 20),
        ("pickle_json of the RandomForest (prints every float)",
         "SELECT length(pickle_json(?1))", rf, 5),
        ("joblib zlib file: decompress + pickle_info (%d KB)" % (len(jz) // 1024),
         "SELECT pickle_info(?1)", jz, 20),
        ("RandomForest predict, %d rows x 8 features" % ROWS,
         rows + "SELECT sum(pickle_predict(?1, %s)) FROM r" % feats, rf, 3),
        ("LogisticRegression predict_proba, %d rows" % ROWS,
         rows + "SELECT count(pickle_predict_proba(?1, %s)) FROM r" % feats, lr, 3),
    ]


def native(qs):
    conn = sqlite3.connect(":memory:")
    conn.enable_load_extension(True)
    conn.load_extension(os.path.splitext(SO)[0])
    out = {}
    for name, sql, blob, rep in qs:
        best = float("inf")
        for _ in range(rep):
            t0 = time.perf_counter()
            conn.execute(sql, (blob,)).fetchall()
            best = min(best, (time.perf_counter() - t0) * 1e3)
        out[name] = best
    return out


def wasm(qs):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([{"name": n, "sql": s, "blob": b.hex(), "repeat": r} for n, s, b, r in qs], f)
    try:
        r = subprocess.run(["node", os.path.join(HERE, "bench.js"), WASM_DIR, f.name],
                           check=True, capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    return json.loads(r.stdout)


def section():
    qs = queries()
    n, w = native(qs), wasm(qs)
    wasm_file = os.path.join(WASM_DIR, "pickle_ext_wasm.wasm")
    raw = open(wasm_file, "rb").read()
    js = sum(os.path.getsize(os.path.join(WASM_DIR, f)) for f in
             ("pickle_ext_wasm.js", "pickle_ext.js", "worker.js", "app.js", "index.html",
              "style.css"))
    gz = len(gzip.compress(raw, 9))
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "## WebAssembly",
        "",
        "Written by `make wasm-bench` (tests/wasm/bench.py) on %s (load average %s); the rest of"
        " this file is `make bench`'s. The same query with the same blob bound as ?1, native"
        " (Python's sqlite3 %s with dist/pickle_ext.so) and wasm (Node %s, dist/wasm), best of"
        " a few runs each. Shared, noisy machine: read the ratios, not the digits."
        % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           ", ".join("%.2f" % x for x in os.getloadavg()), sqlite3.sqlite_version, node),
        "",
        "| file | bytes |",
        "|---|---:|",
        "| pickle_ext_wasm.wasm (SQLite + pickle_ext + codecs, -O2) | %d |" % len(raw),
        "| pickle_ext_wasm.wasm gzipped (-9) | %d |" % gz,
        "| the JS: loader, API and page | %d |" % js,
        "",
        "| query | native ms | wasm ms | wasm / native |",
        "|---|---:|---:|---:|",
    ]
    for name, _s, _b, _r in qs:
        lines.append("| %s | %.2f | %.2f | %.2f |" % (name, n[name], w[name], w[name] / n[name]))
    lines.append("")
    return "\n".join(lines)


def main(argv):
    path = argv[1] if len(argv) > 1 else "BENCHMARKS.md"
    text = open(path).read()
    new = section()
    at = text.find("## WebAssembly")
    if at >= 0:
        end = text.find("\n## ", at + 1)
        text = text[:at] + new + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + new
    with open(path, "w") as f:
        f.write(text)
    print(new)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
