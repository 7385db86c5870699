"""The model registry from Python: registering pickle.dumps(model) straight into ml_registry, the
derived columns against scikit-learn, scoring by name in every reference form, the compiled-model
cache following alias moves, registrations and deletes (same connection, between statements, and
from a second connection), the point-in-time query, and scripts/pickle_registry.py (API and CLI).
"""
import hashlib
import json
import os
import pickle
import sqlite3
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from conftest import REPO, load_ext, init_registry

SCRIPTS = os.path.join(REPO, "scripts")
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)
import pickle_registry as reg  # noqa: E402

FEATURES = ["age", "income", "visits"]


def data(seed=0, n=300):
    rng = np.random.RandomState(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)) * [10, 1000, 3] + [40, 5000, 10], columns=FEATURES)
    y = np.where(X["age"] / 10 + X["visits"] + rng.normal(size=n) > 14, "churn", "stay")
    return X, y


def classifier(seed=0, C=1.0):
    X, y = data(seed)
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=C))]).fit(X, y)


def regressor(coef):
    X = np.random.RandomState(3).normal(size=(20, 3))  # full rank: the fit is exact
    return LinearRegression().fit(X, X @ np.array(coef, dtype=float) + 1.0)


def init(conn):
    init_registry(conn)


def predict(conn, ref, row):
    return conn.execute("SELECT model_predict(?, ?, ?, ?)", (ref,) + tuple(row)).fetchone()[0]


def register(conn, name, model, **cols):
    names = ["name", "pickle"] + list(cols)
    vals = [name, pickle.dumps(model)] + [json.dumps(v) if isinstance(v, (dict, list)) else v
                                          for v in cols.values()]
    conn.execute("INSERT INTO ml_registry(%s) VALUES (%s)"
                 % (", ".join(names), ", ".join("?" * len(vals))), vals)
    conn.commit()


# ---- registration and derived columns -----------------------------------------------------------

def test_register_pickle_dumps_fills_derived_columns(db):
    init(db)
    model = LogisticRegression(C=0.5, max_iter=200).fit(*data())
    blob = pickle.dumps(model)
    db.execute("INSERT INTO ml_registry(name, pickle, metrics, source) VALUES (?, ?, ?, ?)",
               ("churn", blob, json.dumps({"auc": 0.91}), "test"))
    row = db.execute("SELECT version, sha256, size, stored_size, class, n_features, feature_names,"
                     " classes, params, metrics, length(pickle) FROM ml_registry").fetchone()
    version, sha, size, stored, cls, nf, fnames, classes, params, metrics, plen = row
    assert version == 1
    assert sha == hashlib.sha256(blob).hexdigest()
    assert size == len(blob)
    assert stored == plen and stored < size  # zstd-compressed
    assert cls == "sklearn.linear_model._logistic.LogisticRegression"
    assert nf == 3
    assert json.loads(fnames) == FEATURES
    assert json.loads(classes) == ["churn", "stay"]
    assert json.loads(params) == model.get_params(deep=False)
    assert json.loads(metrics) == {"auc": 0.91}
    stored_blob = db.execute("SELECT pickle FROM ml_versions").fetchone()[0]
    assert stored_blob[:4] == b"\x28\xb5\x2f\xfd"
    assert db.execute("SELECT pickle_decompress(?)", (stored_blob,)).fetchone()[0] == blob
    assert db.execute("SELECT pickle_sha256(?)", (stored_blob,)).fetchone()[0] == sha


def test_pipeline_params_are_nested_estimators(db):
    init(db)
    model = classifier()
    register(db, "churn", model)
    params = json.loads(db.execute("SELECT params FROM ml_registry").fetchone()[0])
    assert params["memory"] is None and params["verbose"] is False
    (n1, scale), (n2, clf) = params["steps"]
    assert (n1, n2) == ("scale", "clf")
    assert scale.pop("py/object") == "sklearn.preprocessing._data.StandardScaler"
    assert scale == StandardScaler().get_params()
    assert clf.pop("py/object") == "sklearn.linear_model._logistic.LogisticRegression"
    assert clf == LogisticRegression().get_params()
    row = db.execute("SELECT class, n_features, feature_names, classes FROM ml_registry").fetchone()
    assert row[0] == "sklearn.pipeline.Pipeline"
    assert row[1] == 3 and json.loads(row[2]) == FEATURES
    assert json.loads(row[3]) == ["churn", "stay"]


def test_joblib_file_hash_is_of_the_file(db, tmp_path):
    init(db)
    model = classifier()
    path = tmp_path / "m.joblib"
    joblib.dump(model, path, compress=3)
    raw = path.read_bytes()
    db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('j', ?)", (raw,))
    sha, size = db.execute("SELECT sha256, size FROM ml_registry").fetchone()
    assert sha == hashlib.sha256(raw).hexdigest() and size == len(raw)
    X, _ = data(5, 20)
    want = model.predict(X)
    got = [predict(db, "j", r) for r in X.itertuples(index=False)]
    assert got == list(want)


def test_unsafe_pickle_refused_naming_globals(db):
    init(db)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo owned",))

    blob = pickle.dumps({"model": Evil(), "f": eval})
    with pytest.raises(sqlite3.Error) as e:
        db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('x', ?)", (blob,))
    msg = str(e.value)
    assert "names code that could run in Python" in msg
    assert "posix.system" in msg and "builtins.eval" in msg
    assert db.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM ml_models").fetchone()[0] == 0


def test_numbers_never_reused(db):
    init(db)
    for c in ([1, 0, 0], [0, 1, 0], [0, 0, 1]):
        register(db, "r", regressor(c))
    db.execute("DELETE FROM ml_versions WHERE name = 'r' AND version = 3")
    register(db, "r", regressor([1, 1, 1]))
    assert [r[0] for r in db.execute("SELECT version FROM ml_registry ORDER BY 1")] == [1, 2, 4]
    assert db.execute("SELECT deleted_at IS NOT NULL FROM ml_versions WHERE version = 3"
                      ).fetchone()[0] == 1


# ---- scoring by name ------------------------------------------------------------------------------

def test_reference_forms(db):
    init(db)
    m1, m2 = classifier(0, C=0.01), classifier(1, C=10.0)
    register(db, "churn", m1)
    register(db, "churn", m2)
    db.execute("INSERT INTO ml_aliases VALUES ('churn', 'production', 1)")
    X, _ = data(7, 40)
    p1, p2 = list(m1.predict(X)), list(m2.predict(X))
    assert p1 != p2
    rows = list(X.itertuples(index=False))
    forms = {"churn": p2, "churn/1": p1, "churn/2": p2, "churn/latest": p2, "churn@latest": p2,
             "churn@v1": p1, "churn@production": p1, "models:/churn@production": p1,
             "models:/churn/2": p2, "models:/churn": p2}
    for ref, want in forms.items():
        assert [predict(db, ref, r) for r in rows] == want, ref
    proba = db.execute("SELECT model_predict_proba('churn@production', ?, ?, ?)",
                       tuple(rows[0])).fetchone()[0]
    assert np.allclose(json.loads(proba), m1.predict_proba(X.iloc[:1])[0], rtol=1e-12)
    for ref, msg in [("nope", "no model named 'nope'"),
                     ("churn@staging", "has no alias 'staging'"),
                     ("churn/9", "has no version 9")]:
        with pytest.raises(sqlite3.Error, match=msg):
            predict(db, ref, rows[0])


def test_scoring_by_name_before_init_says_so(db):
    with pytest.raises(sqlite3.Error,
                       match=r"not initialised: run the statements of SELECT ml_registry_sql\(\)"):
        predict(db, "churn", (1, 2, 3))


# ---- creating the registry: no query writes ------------------------------------------------------

def schema_objects(conn):
    return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]


def test_a_query_never_writes_the_schema(so_path, tmp_path):
    """ml_registry_init() only checks and ml_registry_sql() only reads: both work on a read-only
    connection (PRAGMA query_only), where any write fails, and neither creates anything."""
    conn = load_ext(sqlite3.connect(str(tmp_path / "r.db"), isolation_level=None), so_path)
    conn.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.Error) as e:
        conn.execute("SELECT ml_registry_init()").fetchone()
    assert str(e.value) == ("ml_registry_init: the registry is not initialised, and a query must "
                            "not write it: run the statements that SELECT ml_registry_sql() "
                            "returns (docs/registry.md, Create it)")
    script = conn.execute("SELECT ml_registry_sql()").fetchone()[0]
    assert script.startswith("SAVEPOINT ml_registry;\n") and script.endswith("RELEASE ml_registry;\n")
    assert "-- upgrade" not in script
    assert schema_objects(conn) == 0
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.executescript(script)
    conn.execute("ROLLBACK")
    conn.execute("PRAGMA query_only = OFF")
    conn.executescript(script)
    n = schema_objects(conn)
    assert n > 30
    conn.execute("PRAGMA query_only = ON")
    assert conn.execute("SELECT ml_registry_init()").fetchone()[0] == 0
    conn.execute("PRAGMA query_only = OFF")
    conn.executescript(conn.execute("SELECT ml_registry_sql()").fetchone()[0])  # idempotent
    assert schema_objects(conn) == n
    for fn in ("ml_registry_sql", "ml_registry_init"):  # DIRECTONLY: no view may call them
        conn.execute("CREATE VIEW v_%s AS SELECT %s()" % (fn, fn))
        with pytest.raises(sqlite3.Error, match="unsafe use of %s" % fn):
            conn.execute("SELECT * FROM v_%s" % fn).fetchone()
    conn.close()


def test_the_script_needs_no_extension(so_path, tmp_path):
    """The script creates tables, triggers and views only: a connection without the extension
    can run it (its triggers need the extension when they run)."""
    script = load_ext(sqlite3.connect(":memory:"), so_path).execute(
        "SELECT ml_registry_sql()").fetchone()[0]
    plain = sqlite3.connect(str(tmp_path / "p.db"))
    plain.executescript(script)
    with pytest.raises(sqlite3.OperationalError, match="no such function: ml_check_name"):
        plain.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', x'80034b012e')")
    plain.close()
    conn = load_ext(sqlite3.connect(str(tmp_path / "p.db")), so_path)
    assert conn.execute("SELECT ml_registry_init()").fetchone()[0] == 0
    register(conn, "m", regressor([1, 0, 0]))
    assert conn.execute("SELECT version FROM ml_registry").fetchall() == [(1,)]
    conn.close()


def test_changed_trigger_is_an_earlier_schema(db):
    """A registry whose trigger differs from the current schema's (made by an earlier version of
    the extension) is reported and repaired by the script, which drops and recreates them."""
    init(db)
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'ml_registry_insert'").fetchone()[0]
    db.execute("DROP TRIGGER ml_registry_insert")
    db.execute(sql.replace("WHERE NOT EXISTS", "WHERE 1 OR NOT EXISTS"))
    with pytest.raises(sqlite3.Error, match="the registry is of an earlier schema"):
        db.execute("SELECT ml_registry_init()")
    script = db.execute("SELECT ml_registry_sql()").fetchone()[0]
    assert 'DROP trigger IF EXISTS main."ml_registry_insert";' in script
    db.executescript(script)
    assert db.execute("SELECT ml_registry_init()").fetchone()[0] == 0
    assert db.execute("SELECT sql FROM sqlite_master WHERE name = 'ml_registry_insert'"
                      ).fetchone()[0] == sql


# ---- retried registrations -----------------------------------------------------------------------

def test_registering_the_same_bytes_returns_the_existing_version(db):
    init(db)
    m1, m2 = regressor([1, 0, 0]), regressor([0, 1, 0])
    b1 = pickle.dumps(m1)
    register(db, "r", m1, aliases=["staging"], tags={"k": "a"})
    register(db, "r", m2)
    events = db.execute("SELECT count(*) FROM ml_events").fetchone()[0]
    # a retry: the same bytes, plain or zstd-compressed, with the same or other aliases and tags
    db.execute("INSERT INTO ml_registry(name, pickle, aliases, tags) VALUES ('r', ?, ?, ?)",
               (b1, '["staging"]', '{"k": "a"}'))
    assert db.execute("SELECT count(*) FROM ml_events").fetchone()[0] == events  # nothing new
    db.execute("INSERT INTO ml_registry(name, pickle, aliases, tags) "
               "VALUES ('r', pickle_compress(?), ?, ?)", (b1, '["production"]', '{"k": "b"}'))
    assert db.execute("SELECT version, aliases, tags FROM ml_registry ORDER BY version"
                      ).fetchall() == [(1, '["production","staging"]', '{"k":"b"}'),
                                       (2, "[]", "{}")]
    assert db.execute("SELECT count(*) FROM ml_events WHERE event = 'registered'").fetchone()[0] == 2
    # another name is another model; a deleted version does not count
    register(db, "other", m1)
    db.execute("DELETE FROM ml_registry WHERE name = 'r' AND version = 1")
    register(db, "r", m1)
    assert db.execute("SELECT name, version FROM ml_registry ORDER BY name, version"
                      ).fetchall() == [("other", 1), ("r", 2), ("r", 3)]
    assert predict(db, "r", (2.0, 3.0, 4.0)) == pytest.approx(3.0)


def test_python_register_returns_the_existing_version(so_path, tmp_path):
    conn = reg.connect(str(tmp_path / "r.db"), ext=so_path)
    m1, m2 = regressor([1, 0, 0]), regressor([0, 1, 0])
    assert reg.register(conn, "r", m1) == 1
    assert reg.register(conn, "r", m2) == 2
    assert reg.register(conn, "r", pickle.dumps(m1), aliases=["production"]) == 1
    assert conn.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 2
    assert conn.execute("SELECT version FROM ml_aliases").fetchall() == [(1,)]
    conn.close()


# ---- the compiled-model cache follows the registry ---------------------------------------------

def two_regressors(conn):
    init(conn)
    register(conn, "r", regressor([1, 0, 0]))   # predicts x0 + 1
    register(conn, "r", regressor([0, 0, 10]))  # predicts 10 * x2 + 1
    conn.execute("INSERT INTO ml_aliases VALUES ('r', 'production', 1)")
    conn.commit()


def test_alias_move_between_statements_same_connection(db):
    two_regressors(db)
    row = (2.0, 3.0, 4.0)
    assert predict(db, "r@production", row) == pytest.approx(3.0)
    assert predict(db, "r@production", row) == pytest.approx(3.0)  # cached
    db.execute("UPDATE ml_aliases SET version = 2 WHERE name = 'r' AND alias = 'production'")
    assert predict(db, "r@production", row) == pytest.approx(41.0)
    db.execute("INSERT OR REPLACE INTO ml_aliases VALUES ('r', 'production', 1)")
    assert predict(db, "r@production", row) == pytest.approx(3.0)
    # latest follows registrations and deletes
    assert predict(db, "r", row) == pytest.approx(41.0)
    db.execute("DELETE FROM ml_registry WHERE name = 'r' AND version = 2")
    assert predict(db, "r", row) == pytest.approx(3.0)
    register(db, "r", regressor([0, 2, 0]))
    assert predict(db, "r", row) == pytest.approx(7.0)


def test_alias_move_from_another_connection(so_path, tmp_path):
    path = str(tmp_path / "reg.db")
    a = load_ext(sqlite3.connect(path), so_path)
    b = load_ext(sqlite3.connect(path), so_path)
    try:
        two_regressors(a)
        row = (2.0, 3.0, 4.0)
        assert predict(a, "r@production", row) == pytest.approx(3.0)
        assert predict(a, "r", row) == pytest.approx(41.0)
        b.execute("UPDATE ml_aliases SET version = 2 WHERE name = 'r' AND alias = 'production'")
        b.commit()
        assert predict(a, "r@production", row) == pytest.approx(41.0)
        register(b, "r", regressor([0, 2, 0]))
        assert predict(a, "r", row) == pytest.approx(7.0)
        b.execute("DELETE FROM ml_registry WHERE name = 'r' AND version = 3")
        b.commit()
        assert predict(a, "r", row) == pytest.approx(41.0)
        # an uncommitted change in b is invisible to a
        b.execute("BEGIN")
        b.execute("UPDATE ml_aliases SET version = 1 WHERE name = 'r' AND alias = 'production'")
        assert predict(a, "r@production", row) == pytest.approx(41.0)
        b.commit()
        assert predict(a, "r@production", row) == pytest.approx(3.0)
    finally:
        a.close()
        b.close()


def test_generation_changes_within_one_statement_sequence(db):
    """A statement that moves the alias and a later one in the same transaction."""
    two_regressors(db)
    db.execute("BEGIN")
    assert predict(db, "r@production", (1.0, 0.0, 0.0)) == pytest.approx(2.0)
    db.execute("UPDATE ml_aliases SET version = 2 WHERE alias = 'production'")
    assert predict(db, "r@production", (1.0, 0.0, 1.0)) == pytest.approx(11.0)
    db.rollback()
    assert predict(db, "r@production", (1.0, 0.0, 1.0)) == pytest.approx(2.0)
    # a rolled-back registration, then another one that reuses its number and event id
    db.execute("BEGIN")
    db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('r', ?)",
               (pickle.dumps(regressor([0, 5, 0])),))
    assert predict(db, "r", (0.0, 1.0, 0.0)) == pytest.approx(6.0)
    db.rollback()
    assert predict(db, "r", (0.0, 1.0, 0.0)) == pytest.approx(1.0)
    db.execute("BEGIN")
    db.execute("INSERT INTO ml_registry(name, pickle) VALUES ('r', ?)",
               (pickle.dumps(regressor([0, 7, 0])),))
    assert predict(db, "r", (0.0, 1.0, 0.0)) == pytest.approx(8.0)
    db.commit()
    assert db.execute("SELECT max(version) FROM ml_versions").fetchone()[0] == 3


# ---- history ----------------------------------------------------------------------------------------

def test_point_in_time_with_pinned_clock(db):
    init(db)
    db.execute("CREATE TEMP TABLE ml_clock(now TEXT)")
    db.execute("INSERT INTO ml_clock VALUES ('2026-02-01T00:00:00.000Z')")
    for c in ([1, 0, 0], [0, 1, 0], [0, 0, 1]):
        register(db, "r", regressor(c))
    steps = [("2026-03-01T08:00:00.000Z", 1), ("2026-03-01T13:00:00.000Z", 2),
             ("2026-03-02T00:00:00.000Z", 3)]
    for at, v in steps:
        db.execute("UPDATE ml_clock SET now = ?", (at,))
        db.execute("INSERT INTO ml_aliases VALUES ('r', 'production', ?) "
                   "ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version", (v,))
    db.commit()
    q = ("SELECT version FROM ml_events WHERE name = 'r' AND alias = 'production' "
         "AND at <= strftime('%Y-%m-%dT%H:%M:%fZ', ?) ORDER BY at DESC, id DESC LIMIT 1")
    assert db.execute(q, ("2026-03-01 07:59",)).fetchone() is None
    assert db.execute(q, ("2026-03-01 12:00",)).fetchone()[0] == 1
    assert db.execute(q, ("2026-03-01 13:00",)).fetchone()[0] == 2
    assert db.execute(q, ("2026-03-05",)).fetchone()[0] == 3
    assert reg.alias_at(db, "r", "production", "2026-03-01 12:00") == 1
    moves = [(r["detail"]["old"], r["detail"]["new"]) for r in reg.history(db, "r", "production")]
    assert moves == [(None, 1), (1, 2), (2, 3)]


# ---- scripts/pickle_registry.py ------------------------------------------------------------------

def test_api_register_alias_export(so_path, tmp_path):
    conn = reg.connect(str(tmp_path / "api.db"), so_path)
    try:
        m = classifier()
        v = reg.register(conn, "churn", m, metrics={"auc": 0.9}, aliases=["staging"],
                         tags={"team": "growth"})
        assert v == 1
        assert reg.register(conn, "churn", pickle.dumps(classifier(1))) == 2
        reg.set_alias(conn, "churn", "production", 1)
        reg.set_alias(conn, "churn", "production", 2)
        rows = reg.versions(conn, "churn")
        assert [(r["version"], r["aliases"]) for r in rows] == [(1, ["staging"]), (2, ["production"])]
        assert rows[0]["metrics"] == {"auc": 0.9}
        version, blob = reg.export(conn, "churn@staging")
        assert version == 1 and blob == pickle.dumps(m)
        with pytest.raises(reg.RegistryError, match="reserved alias"):
            reg.set_alias(conn, "churn", "latest", 1)
        with pytest.raises(reg.RegistryError, match="has no alias 'nope'"):
            reg.remove_alias(conn, "churn", "nope")
    finally:
        conn.close()


def cli(tmp_path, *args, ok=True):
    env = dict(os.environ, PICKLE_EXT_SO=os.environ.get("PICKLE_EXT_SO") or
               os.path.join(REPO, "dist", "pickle_ext.so"))
    p = subprocess.run(["/usr/bin/python3", os.path.join(SCRIPTS, "pickle_registry.py"),
                        "--db", str(tmp_path / "cli.db")] + list(args),
                       capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert (p.returncode == 0) == ok, p.stdout + p.stderr
    return p.stdout + p.stderr


def test_cli(tmp_path):
    m1, m2 = classifier(0), classifier(1, C=5.0)
    (tmp_path / "m1.pkl").write_bytes(pickle.dumps(m1))
    (tmp_path / "m2.pkl").write_bytes(pickle.dumps(m2))
    out = cli(tmp_path, "register", "churn", "m1.pkl", "--metrics", '{"auc": 0.8}',
              "--alias", "production", "--tag", "team=growth")
    assert "registered churn version 1" in out
    assert hashlib.sha256(pickle.dumps(m1)).hexdigest() in out
    assert "registered churn version 2" in cli(tmp_path, "register", "churn", "m2.pkl")
    out = cli(tmp_path, "list")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["name", "version", "class"]
    assert lines[1].split()[:3] == ["churn", "1", "sklearn.pipeline.Pipeline"]
    assert "production" in lines[1] and len(lines) == 3
    listed = json.loads(cli(tmp_path, "list", "churn", "--json"))
    assert [r["version"] for r in listed] == [1, 2]
    assert "moved churn@production: version 1 -> 2" in cli(tmp_path, "alias", "churn",
                                                             "production", "2")
    hist = cli(tmp_path, "history", "churn")
    events = [l.split()[1] for l in hist.splitlines()]
    assert events == ["created", "registered", "alias_set", "registered", "alias_moved"]
    assert "production: 1 -> 2" in hist
    at = cli(tmp_path, "history", "churn", "--alias", "production", "--at", "2000-01-01")
    assert "not set" in at
    now = cli(tmp_path, "history", "churn", "--alias", "production", "--at", "2999-01-01")
    assert "version 2" in now
    out = cli(tmp_path, "export", "churn@production", "out.pkl")
    assert "sha256 verified" in out
    assert (tmp_path / "out.pkl").read_bytes() == pickle.dumps(m2)
    assert "removed churn@production" in cli(tmp_path, "alias", "churn", "production",
                                             "--remove")
    err = cli(tmp_path, "export", "churn@production", "x.pkl", ok=False)
    assert "has no alias 'production'" in err
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(os.system))
    err = cli(tmp_path, "register", "churn", "evil.pkl", ok=False)
    assert "posix.system" in err and "names code that could run" in err
    err = cli(tmp_path, "register", "bad name", "m1.pkl", ok=False)
    assert "invalid model name 'bad name'" in err
