"""model_score's block path (sql_score.c): numeric DataFrame models with a block kernel are
scored 64 rows at a time by pk_model_run_block. Every row's key, prediction and probabilities
must equal the row path's (model_predict / model_predict_proba on the same rows, as strings), for
full and partial blocks, TEXT keys, numbers given as TEXT, and a refused row: the rows before it
are returned, then model_predict's error."""
import json
import pickle
import sqlite3

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier)
from sklearn.linear_model import LogisticRegression

N = 200
rng = np.random.default_rng(9)
DF = pd.DataFrame({"a": rng.normal(size=N), "b": rng.normal(size=N) * 10,
                   "c": rng.integers(0, 5, N).astype(float)})
Y = np.where(DF["a"] + DF["b"] / 10 > 0, "yes", "no")

MODELS = {
    "forest": lambda: RandomForestClassifier(n_estimators=30, max_depth=6, random_state=0).fit(DF, Y),
    "gb": lambda: GradientBoostingClassifier(n_estimators=20, random_state=0).fit(DF, Y),
    "hgb_reg": lambda: HistGradientBoostingRegressor(max_iter=20).fit(DF, DF["a"] * 3 + DF["c"]),
    "logreg_row_path": lambda: LogisticRegression().fit(DF, Y),
}


def rows_of(db, sql, args):
    out = []
    try:
        for r in db.execute(sql, args):
            out.append(tuple(r))
    except sqlite3.OperationalError as e:
        out.append(("error", str(e)))
    return out


def compare(db, blob, table, has_proba=True):
    row_sql = ("SELECT %s, model_predict(?1, a, b, c), %s FROM %s" %
               ("id" if table != "tk" else "k",
                "model_predict_proba(?1, a, b, c)" if has_proba else "NULL", table))
    got = rows_of(db, "SELECT key, prediction, probabilities FROM model_score(?1, '%s')" % table,
                  (blob,))
    want = rows_of(db, row_sql, (blob,))
    assert got == want
    return got


@pytest.mark.parametrize("name", sorted(MODELS))
def test_block_equals_rows(db, name):
    model = MODELS[name]()
    blob = pickle.dumps(model)
    has_proba = hasattr(model, "predict_proba")
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL, b REAL, c REAL)")
    db.executemany("INSERT INTO t(a, b, c) VALUES (?, ?, ?)",
                   DF.itertuples(index=False, name=None))
    got = compare(db, blob, "t", has_proba)
    assert len(got) == N and got[0][0] == 1
    # TEXT keys, numbers as TEXT, a partial block
    db.execute("CREATE TABLE tk(k TEXT PRIMARY KEY, a, b, c)")
    db.executemany("INSERT INTO tk VALUES (?, ?, ?, ?)",
                   [("r%03d" % i, repr(a), b, c) for i, (a, b, c) in
                    enumerate(DF.itertuples(index=False, name=None)) if i < 77])
    assert len(compare(db, blob, "tk", has_proba)) == 77
    # a refused row in the second block: rows before it, then the row path's error
    for bad in ("NULL", "'zz'", "x'00'", "1e999"):
        db.execute("UPDATE t SET b = %s WHERE id = 100" % bad)
        got = compare(db, blob, "t", has_proba)
        if bad != "NULL" or name != "hgb_reg":  # histogram boosting takes missing values
            # rows 1..98 and the error: Python's sqlite3 steps one row ahead of the rows it yields
            assert got[-1][0] == "error" and len(got) == 99, got[-1]
        db.execute("UPDATE t SET b = 1.5 WHERE id = 100")


def test_block_path_used(db):
    """model_score_handle, the block path's access to the compiled model, is NULL to SQL."""
    model = MODELS["forest"]()
    blob = pickle.dumps(model)
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a REAL, b REAL, c REAL)")
    db.executemany("INSERT INTO t(a, b, c) VALUES (?, ?, ?)",
                   DF.itertuples(index=False, name=None))
    assert db.execute("SELECT count(*) FROM model_score(?1, 't')", (blob,)).fetchone()[0] == N
    assert db.execute("SELECT model_score_handle(?1)", (blob,)).fetchone()[0] is None


def test_hgb_blocks_with_nan_equal_scikit_learn(db):
    """Blocks holding NaN take the branch-free NaN kernel: every row's probabilities equal
    scikit-learn's predict_proba (and model_predict_proba's)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    rs = np.random.default_rng(4)
    X = rs.normal(size=(400, 5))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
    X[rs.random(X.shape) < 0.1] = np.nan  # trained with missing values in every feature
    cols = list("abcde")
    m = HistGradientBoostingClassifier(max_iter=21, random_state=0).fit(
        pd.DataFrame(X, columns=cols), y)  # model_score matches columns by name
    T = rs.normal(size=(300, 5))
    T[rs.random(T.shape) < 0.12] = np.nan
    db.execute("CREATE TABLE tn(id INTEGER PRIMARY KEY, a, b, c, d, e)")
    db.executemany("INSERT INTO tn(a, b, c, d, e) VALUES (?, ?, ?, ?, ?)",
                   [[None if np.isnan(v) else float(v) for v in r] for r in T])
    blob = pickle.dumps(m)
    got = db.execute("SELECT key, probabilities FROM model_score(?1, 'tn') ORDER BY key",
                     (blob,)).fetchall()
    want = m.predict_proba(pd.DataFrame(T, columns=cols))
    assert [k for k, _ in got] == list(range(1, len(T) + 1))
    for (k, p), w in zip(got, want):
        assert json.loads(p) == w.tolist(), k
