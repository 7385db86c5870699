#!/usr/bin/python3
"""compare.py - make wasm-test: the native build and the WebAssembly build answer the same query
corpus (tests/wasm/gen_corpus.py) identically: column names, every value's type and value (REAL
bit for bit, TEXT and BLOB byte for byte) and every error message.

    PICKLE_EXT_SO=dist/pickle_ext.so WASM_DIR=dist/wasm compare.py [WORK_DIR]

The native side is Python's sqlite3 with the extension loaded (autocommit, as the JS API); the
wasm side is tests/wasm/run_corpus.js in Node. Both run with one scoring thread
(OMP_NUM_THREADS=1): the only thread-dependent result, a brute-force KNN regressor's last bit,
then follows the same summation order (the WebAssembly module always has one thread). Prints
each difference and "N passed, N failed" (one per statement); exits 1 on any failure.
"""
import json
import math
import os
import re
import sqlite3
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SO = os.path.abspath(os.environ.get("PICKLE_EXT_SO", "dist/pickle_ext.so"))
WASM_DIR = os.path.abspath(os.environ.get("WASM_DIR", "dist/wasm"))
NODE = os.environ.get("NODE", "node")


def connect():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.enable_load_extension(True)
    conn.load_extension(os.path.splitext(SO)[0])
    conn.enable_load_extension(False)
    conn.text_factory = lambda b: ("t", b)
    return conn


def param(p):
    t = p[0]
    if t == "n":
        return None
    if t == "i":
        return int(p[1])
    if t == "r":
        return float.fromhex(p[1])
    if t == "t":
        return p[1]
    return bytes.fromhex(p[1])


def canon(v):
    if v is None:
        return ["n"]
    if isinstance(v, tuple):
        return ["t", v[1].hex()]
    if isinstance(v, int):
        return ["i", str(v)]
    if isinstance(v, float):
        return ["r", struct.pack(">d", v).hex()]
    return ["b", bytes(v).hex()]


def run_native(corpus):
    out = {}
    for it in corpus["items"]:
        conn = connect()
        res = []
        for sql, params in it["stmts"]:
            try:
                cur = conn.execute(sql, [param(p) for p in params])
                rows = cur.fetchall()
                cols = [d[0] for d in cur.description] if cur.description else []
                res.append({"cols": cols, "rows": [[canon(v) for v in r] for r in rows]}
                           if cols else {"cols": [], "rows": []})
            except sqlite3.Error as exc:
                res.append({"error": str(exc)})
        conn.close()
        out[it["id"]] = res
    return out


# Messages worded by SQLite itself that changed between the system's SQLite (native side) and
# the module's newer one: a DIRECTONLY function in an index expression. Counted as agreeing.
SQLITE_WORDING = [("non-deterministic functions prohibited in index expressions",
                   "unsafe use of model_predict()")]


# Arrays of more than 4 GiB cannot exist in a 32-bit address space: the WebAssembly build refuses
# them as "array is too big" (as a 32-bit numpy does) where the 64-bit build goes on to a later
# check. Only the attack pickles built to declare such arrays meet this.
TOO_BIG_32 = "array is too big"


# SQLite's quote() of an infinite REAL: "Inf" before SQLite 3.43, "9.0e+999" since.
QUOTE_INF = {b"9.0e+999".hex(): b"Inf".hex(), b"-9.0e+999".hex(): b"-Inf".hex()}


def _texts(r):
    """The error message and every TEXT value of a result, decoded."""
    out = [r.get("error", "")]
    for row in r.get("rows", []):
        out += [bytes.fromhex(v[1]).decode("utf-8", "replace") for v in row if v[0] == "t"]
    return "\n".join(out)


def _quote_inf(r):
    rows = [[["t", QUOTE_INF.get(v[1], v[1])] if v[0] == "t" else v for v in row]
            for row in r.get("rows", [])]
    return dict(r, rows=rows) if "rows" in r else r


NUM = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _cell_floats(c):
    """A cell as (skeleton, numbers): a REAL, or a TEXT with its numbers taken out."""
    if c[0] == "r":
        return "r", [struct.unpack(">d", bytes.fromhex(c[1]))[0]]
    if c[0] == "t":
        text = bytes.fromhex(c[1]).decode("utf-8", "replace")
        return NUM.sub("#", text), [float(x) for x in NUM.findall(text)]
    return c, []


def libm_close(a, b):
    """Equal but for floats a few ulps apart: glibc's and emscripten's (musl's) libm round
    sin/cos/exp/log/pow differently in the last bit, so families that call them (kernel
    approximations, probabilities through exp) may differ by an ulp; nothing else may."""
    if a.keys() != b.keys() or "rows" not in a or len(a["rows"]) != len(b["rows"]):
        return False
    for ra, rb in zip(a["rows"], b["rows"]):
        if len(ra) != len(rb):
            return False
        for ca, cb in zip(ra, rb):
            (ka, xa), (kb, xb) = _cell_floats(ca), _cell_floats(cb)
            if ka != kb or len(xa) != len(xb):
                return False
            for u, v in zip(xa, xb):
                if u != v and abs(u - v) > 4 * math.ulp(max(abs(u), abs(v))):
                    return False
    return True


def same(a, b):
    if a == b:
        return True
    if "error" in a and "error" in b and (a["error"], b["error"]) in SQLITE_WORDING:
        return True
    if a == _quote_inf(b):
        return True
    return TOO_BIG_32 in _texts(b) and TOO_BIG_32 not in _texts(a) and a.keys() == b.keys()


def main(argv):
    os.environ["OMP_NUM_THREADS"] = "1"
    work = argv[1] if len(argv) > 1 else "build/wasm-test"
    os.makedirs(work, exist_ok=True)
    conn = connect()
    supported = [[r[0][1].decode(), r[1][1].decode(), r[2][1].decode() if r[2] else ""]
                 for r in conn.execute("SELECT class, kind, methods FROM model_supported()")]
    conn.close()
    sup_path, corpus_path = os.path.join(work, "supported.json"), os.path.join(work, "corpus.json")
    with open(sup_path, "w") as f:
        json.dump(supported, f)
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), sup_path, corpus_path],
                   check=True)
    with open(corpus_path) as f:
        corpus = json.load(f)
    t0 = time.time()
    native = run_native(corpus)
    t_native = time.time() - t0
    wasm_path = os.path.join(work, "wasm_results.json")
    t0 = time.time()
    subprocess.run([NODE, os.path.join(HERE, "run_corpus.js"), WASM_DIR, corpus_path, wasm_path],
                   check=True)
    t_wasm = time.time() - t0
    with open(wasm_path) as f:
        wasm = json.load(f)
    passed = failed = ulps = 0
    shown = 0
    for it in corpus["items"]:
        a, b = native[it["id"]], wasm["results"][it["id"]]
        for k, (sql, _params) in enumerate(it["stmts"]):
            if same(a[k], b[k]):
                passed += 1
                continue
            if libm_close(a[k], b[k]):
                passed += 1
                ulps += 1
                continue
            failed += 1
            if shown < 25:
                shown += 1
                print("DIFF %s stmt %d: %s" % (it["id"], k, sql[:200]))
                print("  native: %s" % json.dumps(a[k])[:600])
                print("  wasm:   %s" % json.dumps(b[k])[:600])
    print("wasm-test: SQLite native %s, wasm %s; native %.1f s, wasm (Node) %.1f s"
          % (sqlite3.sqlite_version, wasm["sqlite"], t_native, t_wasm))
    print("%d of the passed differ only by floats within 4 ulps (glibc vs musl libm)" % ulps)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
