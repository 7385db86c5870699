#!/bin/sh
# test_python_pkg.sh - the Python package as a user gets it: a fresh virtualenv, an offline
# `pip install ./bindings/python` (no index, no build isolation: Debian's setuptools and wheel;
# without network access when user namespaces allow `unshare -rn`), then from outside the
# repository: pickle_ext.load(conn) on a sqlite3.Connection, a model registered and scored
# (labels and probabilities identical to scikit-learn's), the bulk import with its progress bar,
# the `pickle-ext` command and the report page (its stylesheet is package data).
#
#   PYTHON=/usr/bin/python3 (needs scikit-learn, and sqlite3 with enable_load_extension)
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "test_python_pkg: FAIL: $*" >&2; exit 1; }

"$PY" -c 'import sqlite3, sys; sys.exit(not hasattr(sqlite3.Connection, "enable_load_extension"))' ||
    fail "$PY's sqlite3 module cannot load extensions (use Debian's /usr/bin/python3)"

NONET=""
if unshare -rn true 2>/dev/null; then NONET="unshare -rn"; fi
echo "== fresh virtualenv, offline pip install ./bindings/python ${NONET:+(no network: $NONET)}"
"$PY" -m venv --system-site-packages "$TMP/venv"
# shellcheck disable=SC2086
$NONET "$TMP/venv/bin/pip" install -q --no-index --no-build-isolation --no-cache-dir \
    "$REPO/bindings/python" || fail "pip install"

echo "== load, register, score (from $TMP, PICKLE_EXT_SO unset)"
cd "$TMP"
unset PICKLE_EXT_SO PYTHONPATH
"$TMP/venv/bin/python" - "$REPO" <<'PYEOF'
import os
import pickle
import sqlite3
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression

import pickle_ext
from pickle_ext import registry as reg

repo, venv = sys.argv[1], sys.prefix
so = pickle_ext.loadable_path()
# The library shipped inside the installed package, not the repository's build.
assert so.startswith(os.path.join(venv, "lib")) and so.endswith("pickle_ext/pickle_ext.so"), so
assert not pickle_ext.__file__.startswith(repo), pickle_ext.__file__
with open(os.path.join(repo, "ext", "core", "base", "pk.h")) as f:
    want = [l.split('"')[1] for l in f if l.startswith("#define PK_VERSION")][0]

conn = sqlite3.connect("shop.db")
pickle_ext.load(conn)
assert conn.execute("SELECT pickle_ext_version()").fetchone()[0] == want
# Loading stays switched off for SQL after load().
try:
    conn.execute("SELECT load_extension('x')").fetchone()
    raise SystemExit("load_extension() allowed from SQL after pickle_ext.load")
except sqlite3.OperationalError as e:
    assert "not authorized" in str(e), e

rng = np.random.RandomState(7)
X = rng.normal(size=(200, 3)) * [10, 2, 1] + [40, 5, 0]
y = np.where(X[:, 0] / 10 + X[:, 1] + rng.normal(size=200) > 9, "churn", "stay")
model = LogisticRegression(C=0.5).fit(X, y)
v = reg.register(reg.connect("shop.db"), "churn", model, metrics={"auc": 0.9},
                 aliases=["production"])
assert v == 1, v
conn.execute("CREATE TABLE c(id INTEGER PRIMARY KEY, a REAL, b REAL, d REAL)")
conn.executemany("INSERT INTO c(a, b, d) VALUES (?, ?, ?)", X.tolist())
rows = conn.execute("SELECT model_predict('churn@production', a, b, d),"
                    " model_predict_proba('churn@production', a, b, d) ->> '$[1]'"
                    " FROM c ORDER BY id").fetchall()
labels = [r[0] for r in rows]
assert labels == model.predict(X).tolist(), "labels differ from scikit-learn's"
proba = [r[1] for r in rows]
assert proba == model.predict_proba(X)[:, 1].tolist(), "probabilities differ from scikit-learn's"
assert len(set(labels)) == 2
print("scored %d rows: labels and probabilities identical to scikit-learn's" % len(rows))

os.mkdir("models")
for i in range(3):
    with open("models/m%d.pkl" % i, "wb") as f:
        pickle.dump(LogisticRegression(C=1.0 + i).fit(X, y), f)
PYEOF

echo "== python -m pickle_ext import (progress bar) and the pickle-ext command"
"$TMP/venv/bin/python" -m pickle_ext --db shop.db import models --name batch --progress \
    > import.out 2> import.err || { cat import.out import.err; fail "import"; }
grep -q "imported 3 of 3 files" import.out || fail "import summary: $(cat import.out)"
grep -q "importing \[#*\] 3/3 100% done in" import.err || fail "no final progress line: $(cat import.err)"
[ "$(grep -c '^importing \[' import.err)" -eq 4 ] || fail "expected 4 progress lines: $(cat import.err)"
"$TMP/venv/bin/pickle-ext" --db shop.db list batch > list.out || fail "pickle-ext list"
[ "$(grep -c '^batch ' list.out)" -eq 3 ] || fail "list: $(cat list.out)"
"$TMP/venv/bin/python" -m pickle_ext report shop.db -o report.html > report.out ||
    fail "report: $(cat report.out)"
grep -q "wrote report.html (2 models, 4 versions)" report.out || fail "report: $(cat report.out)"
grep -q 'id="v-batch-3"' report.html && grep -q 'id="v-churn-1"' report.html || fail "report content"
# The shipped library also loads in the sqlite3 shell.
so=$("$TMP/venv/bin/python" -c 'import pickle_ext; print(pickle_ext.loadable_path())')
[ "$(sqlite3 -cmd ".load $so" shop.db "SELECT count(*) FROM ml_registry")" = 4 ] || fail "sqlite3 .load"
echo "test_python_pkg: OK"
