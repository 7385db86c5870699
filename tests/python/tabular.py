"""Helpers for the DataFrame pipeline tests (tests/python/test_tabular_*.py).

frame(n, seed, unseen) makes a DataFrame mixing string, integer, float and missing columns (the
test frame of another seed, with unseen categories when `unseen`); load_frame stores it in an
SQLite table with natural types (str -> TEXT, int -> INTEGER, float -> REAL, NaN/None -> NULL)
or, with as_text, every value as TEXT (what the sqlite3 shell's CSV .import makes).
score(db, blob, method, cols, form) runs one method over the table in one of the call forms:
  "pos"   model_x(blob, c1, c2, ...)                (feature_names_in_ order)
  "json"  model_x(blob, json_object('c2', c2, 'c1', c1, ...))   (names in reverse order)
compare(ours, ref) checks labels exactly and floats within RTOL relative.
"""
import math

import numpy as np
import pandas as pd

from modelcheck import _as_float_array as as_floats

RTOL = 1e-12

COUNTRIES = ["de", "fr", "us", "uk", "es", "it", "nl", "pl", "jp", "br"]
PLANS = ["basic", "plus", "pro"]


def frame(n=600, seed=0, unseen=False, missing=True):
    rng = np.random.default_rng(seed)
    # skewed frequencies so that min_frequency / max_categories find infrequent categories
    p = np.array([30, 25, 15, 10, 8, 5, 3, 2, 1, 1], dtype=float)
    countries = list(rng.choice(COUNTRIES, n, p=p / p.sum()))
    plan = list(rng.choice(PLANS, n))
    age = rng.integers(18, 80, n)
    income = rng.normal(50000, 15000, n).round(2)
    visits = rng.integers(0, 30, n)
    grade = rng.choice([1, 2, 3, 4], n)
    score = rng.normal(0, 1, n)
    df = pd.DataFrame({"country": countries, "plan": plan, "age": age, "income": income,
                       "visits": visits, "grade": grade, "score": score})
    if missing:
        df.loc[rng.random(n) < 0.05, "country"] = np.nan
        df.loc[rng.random(n) < 0.05, "income"] = np.nan
    if unseen:
        df.loc[rng.random(n) < 0.04, "country"] = "zz"
        df.loc[rng.random(n) < 0.03, "plan"] = "enterprise"
        df.loc[rng.random(n) < 0.03, "grade"] = 9
    return df


def target(df, seed=0, kind="binary"):
    rng = np.random.default_rng(seed + 100)
    base = (df["age"].to_numpy() / 40.0 + (df["plan"] == "pro").to_numpy() +
            np.nan_to_num(df["income"].to_numpy(), nan=50000) / 50000.0 +
            rng.normal(0, 0.5, len(df)))
    if kind == "binary":
        return (base > np.median(base)).astype(int)
    if kind == "multi":
        return np.array(["low", "mid", "high"])[np.digitize(base, np.quantile(base, [0.33, 0.66]))]
    return base * 10.0


def _sql_value(v, as_text):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (np.integer,)):
        v = int(v)
    elif isinstance(v, (np.floating,)):
        v = float(v)
    if as_text and not isinstance(v, str):
        return repr(v)
    return v


def load_frame(db, df, name="t", as_text=False):
    cols = list(df.columns)
    db.execute("DROP TABLE IF EXISTS %s" % name)
    db.execute("CREATE TABLE %s(%s)" % (name, ", ".join('"%s"' % c for c in cols)))
    rows = [[_sql_value(v, as_text) for v in r] for r in df.itertuples(index=False)]
    db.executemany("INSERT INTO %s VALUES (%s)" % (name, ", ".join("?" * len(cols))), rows)
    return cols


def score(db, blob, fn, cols, form="pos", name="t"):
    if form == "pos":
        args = ", ".join('"%s"' % c for c in cols)
    else:
        args = "json_object(%s)" % ", ".join("'%s', \"%s\"" % (c, c) for c in reversed(cols))
    q = "SELECT %s(?, %s) FROM %s ORDER BY rowid" % (fn, args, name)
    return [r[0] for r in db.execute(q, (blob,))]


def compare_floats(ours, ref, what):
    ref = np.asarray(ref, dtype=float)
    ours = as_floats(ours).reshape(ref.shape)
    both_nan = np.isnan(ours) & np.isnan(ref)
    diff = np.abs(ours - ref)
    bound = RTOL * np.maximum(np.abs(ref), np.abs(ours))
    bad = ~both_nan & ~(diff <= bound)
    assert not bad.any(), "%s: %d rows differ, first %s: ours %r ref %r" % (
        what, bad.any(axis=-1).sum() if bad.ndim > 1 else bad.sum(),
        np.argwhere(bad)[0], ours[tuple(np.argwhere(bad)[0])], ref[tuple(np.argwhere(bad)[0])])
    return int((ours[~both_nan] == ref[~both_nan]).all())


def compare_labels(ours, ref, what):
    ref = list(np.asarray(ref).tolist())
    assert len(ours) == len(ref)
    for i, (a, b) in enumerate(zip(ours, ref)):
        assert a == b and type(a) == type(b) or (isinstance(b, float) and a == b), \
            "%s: row %d: ours %r ref %r" % (what, i, a, b)
