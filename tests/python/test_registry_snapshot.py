"""A registry name always means a version the connection can see, one lookup reads one snapshot,
and hardened databases stay readable.

- rolled-back registrations are never scored (BEGIN; register; score; ROLLBACK, thousands of
  times, with a pinned and a running clock; two connections with synchronous=OFF; a registry
  file restored over another with the same history shape, from Python and from the sqlite3
  shell): compiled models are keyed by the content hash of the version a name resolves to;
- a failed lookup (SQLITE_BUSY) is an error, never the previously cached model;
- per-row references (CTE / VALUES rows) while another process moves the alias: consistent
  within a statement that holds a read transaction on the main database (it reads one of its
  tables, or runs inside BEGIN ... COMMIT); otherwise every row gets a committed version;
- PRAGMA trusted_schema=OFF: a registry database opens and its tables read with and without the
  extension (Python and the sqlite3 shell), and scoring by name works; writes are refused with a
  clear error (the triggers use SQLite's JSON functions, not innocuous in SQLite 3.40);
- an ATTACHed database's trigger cannot call the by-name functions, nor ml_log;
- a crafted file whose registry tables call the extension gets an error, not a crash;
- the script of ml_registry_sql() upgrades a registry made by the first schema (json_valid CHECK, events
  with a written largest id and a back-filled row) and one made by the schema before the
  catalogue (no supported/reason columns: added and filled for every stored version).
"""
import os
import pickle
import sqlite3
import subprocess
import threading
import time

import pytest

from conftest import HERE, load_ext, init_registry

SQLITE3 = os.environ.get("SQLITE3", "sqlite3")


def model_pickle(k, variant=0):
    """A fitted LinearRegression whose prediction is exactly k (any 2 features); variants differ
    in a fitted attribute predict does not read (rank_), so their bytes (and sha256) differ."""
    import numpy as np
    from sklearn.linear_model import LinearRegression
    m = LinearRegression().fit(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]),
                               np.array([1.0, 2.0, 3.0]))
    m.coef_ = np.zeros(2)
    m.intercept_ = float(k)
    m.rank_ = 2 + variant
    return pickle.dumps(m, protocol=4)


PICKLES = {}


def pk(k, variant=0):
    if (k, variant) not in PICKLES:
        PICKLES[k, variant] = model_pickle(k, variant)
    return PICKLES[k, variant]


def connect(path, so_copy, **kw):
    conn = sqlite3.connect(str(path), isolation_level=None, **kw)
    return load_ext(conn, so_copy)


def score(conn, ref="m"):
    return conn.execute("SELECT model_predict(?, 0, 0)", (ref,)).fetchone()[0]


def new_registry(path, so_copy, first=1, wal=False):
    conn = connect(path, so_copy)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    init_registry(conn)
    conn.execute("INSERT INTO ml_registry(name, pickle, aliases) VALUES ('m', ?, 'production')",
                 (pk(first),))
    return conn


# ---- rolled-back versions ------------------------------------------------------------------------

@pytest.mark.parametrize("pinned", [True, False])
def test_rollback_loop_never_scores_a_rolled_back_version(so_copy, tmp_path, pinned):
    conn = new_registry(tmp_path / "r.db", so_copy)
    if pinned:
        conn.execute("CREATE TEMP TABLE ml_clock(now TEXT)")
        conn.execute("INSERT INTO ml_clock VALUES ('2026-03-01T09:00:00.000Z')")
    wrong = []
    n = 2000
    for i in range(n):
        k = 2 + i % 3  # the rolled-back version predicts 2, 3 or 4; the committed one 1
        conn.execute("BEGIN")
        conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(k),))
        inside = score(conn)
        conn.execute("ROLLBACK")
        after = (score(conn), score(conn, "m@production"), score(conn, "m/1"))
        if inside != k or after != (1.0, 1.0, 1.0):
            wrong.append((i, k, inside, after))
    assert not wrong, wrong[:5]
    assert conn.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 1
    conn.close()


def test_two_connections_synchronous_off(so_copy, tmp_path):
    path = tmp_path / "s.db"
    a = new_registry(path, so_copy)
    b = connect(path, so_copy, timeout=10)
    for c in (a, b):
        c.execute("PRAGMA synchronous=OFF")
    committed, wrong = 1.0, []
    for i in range(800):
        k = 2 + i % 5
        a.execute("BEGIN")
        a.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(k, i),))
        a.execute("UPDATE ml_aliases SET version = (SELECT max(version) FROM ml_versions) "
                  "WHERE alias = 'production'")
        if score(a) != k or score(a, "m@production") != k:
            wrong.append(("a", i, k))
        if i % 4 == 0:
            a.execute("COMMIT")
            committed = float(k)
        else:
            a.execute("ROLLBACK")
        got = (score(b), score(b, "m@production"), score(a), score(a, "m@production"))
        if got != (committed,) * 4:
            wrong.append(("after", i, k, committed, got))
    assert not wrong, wrong[:5]
    a.close()
    b.close()


def two_files_same_history(tmp_path, so_copy):
    """Two registries built by the same statements under the same pinned clock, differing only in
    the model's content: same ids, times and version numbers."""
    paths = []
    for name, k in (("one.db", 1), ("two.db", 7)):
        conn = connect(tmp_path / name, so_copy)
        conn.execute("CREATE TEMP TABLE ml_clock(now TEXT)")
        conn.execute("INSERT INTO ml_clock VALUES ('2026-03-01T09:00:00.000Z')")
        init_registry(conn)
        conn.execute("INSERT INTO ml_registry(name, pickle, aliases) VALUES ('m', ?, "
                     "'production')", (pk(k),))
        conn.close()
        paths.append(tmp_path / name)
    return paths


def test_restore_of_another_registry_file(so_copy, tmp_path):
    one, two = two_files_same_history(tmp_path, so_copy)
    conn = connect(one, so_copy)
    assert score(conn) == 1.0 and score(conn, "m@production") == 1.0
    src = sqlite3.connect(str(two))
    src.backup(conn)  # what the shell's .restore does
    src.close()
    assert score(conn) == 7.0 and score(conn, "m@production") == 7.0
    conn.close()


def test_restore_from_the_shell(so_copy, tmp_path):
    one, two = two_files_same_history(tmp_path, so_copy)
    ext = so_copy[:-3]
    script = ("SELECT model_predict('m@production', 0, 0);\n.restore %s\n"
              "SELECT model_predict('m@production', 0, 0);\nSELECT model_predict('m', 0, 0);\n"
              % two)
    p = subprocess.run([SQLITE3, "-batch", "-cmd", ".load " + ext, str(one)], input=script,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["1.0", "7.0", "7.0"], p.stdout + p.stderr


# ---- a failed lookup is an error ------------------------------------------------------------------

def test_busy_lookup_is_an_error_not_a_cached_model(so_copy, tmp_path):
    path = tmp_path / "b.db"
    a = new_registry(path, so_copy)  # rollback journal: an exclusive lock blocks readers
    a.execute("PRAGMA busy_timeout=0")
    assert score(a, "m@production") == 1.0  # compiled and cached
    b = connect(path, so_copy, timeout=0)
    b.execute("BEGIN EXCLUSIVE")
    b.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(2),))
    b.execute("UPDATE ml_aliases SET version = 2 WHERE alias = 'production'")
    for ref in ("m@production", "m", "m/1"):
        with pytest.raises(sqlite3.OperationalError, match="locked|busy") as e:
            score(a, ref)
        assert "model_predict" in str(e.value)
    with pytest.raises(sqlite3.OperationalError, match="ml_resolve.*(locked|busy)"):
        a.execute("SELECT ml_resolve('m@production')").fetchone()
    b.execute("COMMIT")
    assert score(a, "m@production") == 2.0 and score(a, "m/1") == 1.0
    a.close()
    b.close()


# ---- per-row references under a concurrent alias mover ---------------------------------------------

MOVER = r"""
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.enable_load_extension(True)
db.load_extension(sys.argv[2])
print('ready', flush=True)
end = time.time() + 50  # the test stops it (SIGTERM) once it has enough statements
v = 1
while time.time() < end:
    v = 3 - v
    db.execute("UPDATE ml_aliases SET version = ? WHERE name = 'm' AND alias = 'production'", (v,))
"""

ROWS = ", ".join(["('m@production')"] * 40)
STATEMENTS = {
    # reads a table of the main database: one read transaction for the whole statement
    "values_join": "SELECT model_predict(v.column1, 0, 0) FROM (VALUES %s) AS v "
                   "JOIN ml_models ON ml_models.name = 'm'" % ROWS,
    "cte_exists": "WITH r(ref) AS (VALUES %s) SELECT model_predict(ref, 0, 0) FROM r "
                  "WHERE EXISTS (SELECT 1 FROM ml_models)" % ROWS,
    # reads no table of main: consistent only inside an explicit transaction
    "values_in_txn": "SELECT model_predict(column1, 0, 0) FROM (VALUES %s)" % ROWS,
    "cte_bare": "WITH r(ref) AS (VALUES %s) SELECT model_predict(ref, 0, 0) FROM r" % ROWS,
}


def test_per_row_references_with_a_concurrent_mover(so_copy, tmp_path):
    path = tmp_path / "c.db"
    conn = new_registry(path, so_copy, wal=True)
    conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(2),))
    mover = subprocess.Popen(["/usr/bin/python3", "-c", MOVER, str(path), so_copy[:-3]],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    mixed = {k: 0 for k in STATEMENTS}
    runs = {k: 0 for k in STATEMENTS}
    try:
        assert mover.stdout.readline().strip() == b"ready"
        end = time.time() + 60

        def moves():
            return conn.execute(
                "SELECT count(*) FROM ml_events WHERE event = 'alias_moved'").fetchone()[0]
        # run until every form ran 60 times and the alias really moved while they ran (a loaded
        # machine slows the mover down: keep going rather than count too few moves)
        while ((min(runs.values()) < 60 or moves() <= 100) and time.time() < end
               and mover.poll() is None):
            for kind, sql in STATEMENTS.items():
                try:
                    if kind == "values_in_txn":
                        conn.execute("BEGIN")
                    vals = [r[0] for r in conn.execute(sql)]
                    if kind == "values_in_txn":
                        conn.execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    assert "locked" in str(exc) or "busy" in str(exc), exc
                    continue
                assert len(vals) == 40 and set(vals) <= {1.0, 2.0}, (kind, vals)
                runs[kind] += 1
                mixed[kind] += len(set(vals)) > 1
    finally:
        if mover.poll() is None:
            mover.terminate()
        mover.wait(30)
    assert mover.returncode in (0, -15), mover.stderr.read()
    assert min(runs.values()) >= 60, runs
    moved = moves()
    assert moved > 100, moved  # the alias really moved while the statements ran
    for kind in ("values_join", "cte_exists", "values_in_txn"):
        assert mixed[kind] == 0, (kind, mixed, runs)
    print("statements mixing versions:", mixed, "of", runs, "alias moves:", moved)
    conn.close()


# ---- trusted_schema=OFF -----------------------------------------------------------------------------

def registry_file(tmp_path, so_copy):
    path = tmp_path / "hardened.db"
    conn = new_registry(path, so_copy)
    conn.execute("INSERT INTO ml_registry(name, pickle, metrics) VALUES ('m', ?, '{\"auc\": 1}')",
                 (pk(2),))
    conn.close()
    return path


def test_trusted_schema_off_python_without_and_with_extension(so_copy, tmp_path):
    path = registry_file(tmp_path, so_copy)
    plain = sqlite3.connect(str(path))
    plain.execute("PRAGMA trusted_schema=OFF")
    assert plain.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 20
    assert plain.execute("SELECT group_concat(version) FROM ml_versions").fetchone()[0] == "1,2"
    assert plain.execute("SELECT metrics FROM ml_versions WHERE version = 2").fetchone()[0] \
        == '{"auc":1}'
    assert plain.execute("SELECT count(*) FROM ml_events").fetchone()[0] == 4
    assert plain.execute("SELECT version FROM ml_alias_history WHERE valid_to IS NULL"
                         ).fetchone()[0] == 1
    assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    plain.close()

    conn = connect(path, so_copy)
    conn.execute("PRAGMA trusted_schema=OFF")
    assert score(conn, "m@production") == 1.0 and score(conn) == 2.0
    assert conn.execute("SELECT ml_resolve('m')").fetchone()[0] == 2
    assert conn.execute("SELECT pickle_predict(pickle, 0, 0) FROM ml_versions WHERE version = 2"
                        ).fetchone()[0] == 2.0
    # writing runs the triggers, which call functions SQLite does not let an untrusted schema use
    with pytest.raises(sqlite3.OperationalError, match="unsafe use of"):
        conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(3),))
    with pytest.raises(sqlite3.OperationalError, match="unsafe use of"):
        conn.execute("UPDATE ml_aliases SET version = 2")
    assert conn.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 2
    conn.execute("PRAGMA trusted_schema=ON")
    conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(3),))
    assert score(conn) == 3.0
    conn.close()


def test_trusted_schema_off_sqlite3_shell(so_copy, tmp_path):
    path = registry_file(tmp_path, so_copy)
    read = ("PRAGMA trusted_schema=OFF;\nSELECT count(*) > 20 FROM sqlite_master;\n"
            "SELECT group_concat(version) FROM ml_versions;\n"
            "SELECT count(*) FROM ml_events;\nPRAGMA integrity_check;\n")
    p = subprocess.run([SQLITE3, "-batch", str(path)], input=read, capture_output=True, text=True,
                       timeout=60)
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout.split() == ["1", "1,2", "4", "ok"]
    score_sql = read + "SELECT model_predict('m@production', 0, 0), model_predict('m', 0, 0);\n"
    p = subprocess.run([SQLITE3, "-batch", "-cmd", ".load " + so_copy[:-3], str(path)],
                       input=score_sql, capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout.split() == ["1", "1,2", "4", "ok", "1.0|2.0"]


# ---- ATTACHed untrusted schema ------------------------------------------------------------------

def test_attached_trigger_cannot_read_the_registry(so_copy, tmp_path):
    main = new_registry(tmp_path / "main.db", so_copy)
    evil = connect(tmp_path / "evil.db", so_copy)
    evil.executescript("""
        CREATE TABLE loot(what, v);
        CREATE TABLE t1(x);
        CREATE TRIGGER t1_trigger AFTER INSERT ON t1 BEGIN
            INSERT INTO loot VALUES ('predict', model_predict('m@production', 0, 0));
        END;
        CREATE TABLE t2(x);
        CREATE TRIGGER t2_trigger AFTER INSERT ON t2 BEGIN
            INSERT INTO loot VALUES ('info', model_info('m'));
        END;
        CREATE TABLE t3(x);
        CREATE TRIGGER t3_trigger AFTER INSERT ON t3 BEGIN
            INSERT INTO loot VALUES ('resolve', ml_resolve('m'));
        END;
        CREATE TABLE t4(x);
        CREATE TRIGGER t4_trigger AFTER INSERT ON t4 BEGIN
            INSERT INTO loot VALUES ('log', ml_log('m', 1, 'production', 'alias_moved', '{}'));
        END;
        CREATE VIEW v_predict AS SELECT model_predict('m', 0, 0) AS p;
    """)
    evil.close()
    main.execute("ATTACH ? AS evil", (str(tmp_path / "evil.db"),))
    for trusted in ("ON", "OFF"):
        main.execute("PRAGMA trusted_schema=%s" % trusted)
        for t, fn in (("t1", "model_predict"), ("t2", "model_info"), ("t3", "ml_resolve")):
            with pytest.raises(sqlite3.OperationalError, match=r"unsafe use of %s\(\)" % fn):
                main.execute("INSERT INTO evil.%s VALUES (1)" % t)
        with pytest.raises(sqlite3.OperationalError, match=r"unsafe use of model_predict\(\)"):
            main.execute("SELECT * FROM evil.v_predict").fetchall()
    main.execute("PRAGMA trusted_schema=OFF")
    with pytest.raises(sqlite3.OperationalError, match=r"unsafe use of ml_log\(\)"):
        main.execute("INSERT INTO evil.t4 VALUES (1)")
    assert main.execute("SELECT count(*) FROM evil.loot").fetchone()[0] == 0
    assert main.execute("SELECT count(*) FROM main.ml_events").fetchone()[0] == 3
    main.close()


# ---- crafted files ------------------------------------------------------------------------------------

CRAFTED = r"""
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.enable_load_extension(True)
db.load_extension(sys.argv[2])
for sql in ["SELECT model_predict('m@production', 0, 0)", "SELECT model_predict('m', 0, 0)",
            "SELECT ml_resolve('m@production')",
            "INSERT INTO ml_registry(name, pickle) VALUES ('m', x'80034b022e')",
            "UPDATE ml_aliases SET version = 1"]:
    try:
        print('ok', db.execute(sql).fetchall(), flush=True)
    except sqlite3.Error as e:
        print('error', e, flush=True)
"""


@pytest.mark.parametrize("call", ["model_predict('m', 0, 0)", "ml_now()"])
def test_crafted_registry_views_calling_the_extension(so_copy, tmp_path, call):
    path = tmp_path / "crafted.db"
    conn = new_registry(path, so_copy)
    conn.executescript("""
        PRAGMA writable_schema = ON;
        ALTER TABLE ml_events RENAME TO ml_events_t;
        CREATE VIEW ml_events AS SELECT * FROM ml_events_t WHERE %(c)s IS NOT NULL;
        ALTER TABLE ml_aliases RENAME TO ml_aliases_t;
        CREATE VIEW ml_aliases AS SELECT * FROM ml_aliases_t WHERE %(c)s IS NOT NULL;
        ALTER TABLE ml_versions RENAME TO ml_versions_t;
        CREATE VIEW ml_versions AS SELECT * FROM ml_versions_t WHERE %(c)s IS NOT NULL;
    """ % {"c": call})
    conn.close()
    p = subprocess.run(["/usr/bin/python3", "-c", CRAFTED, str(path), so_copy[:-3]],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    lines = p.stdout.splitlines()
    assert len(lines) == 5 and all(l.startswith("error ") for l in lines), lines
    want = "unsafe use of model_predict()" if call.startswith("model") else "re-entered"
    assert want in lines[0] and want in lines[2], lines


# ---- upgrading a registry of the first schema -------------------------------------------------------

def test_upgrade_from_the_first_schema(so_copy, tmp_path):
    path = tmp_path / "old.db"
    conn = connect(path, so_copy)
    with open(os.path.join(HERE, "registry_schema_v1.sql")) as f:
        conn.executescript(f.read())
    conn.execute("INSERT INTO ml_registry(name, pickle, aliases) VALUES ('m', ?, 'production')",
                 (pk(1),))
    conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(2),))
    # what that schema let anyone write: a back-filled alias event and the largest id
    conn.execute("INSERT INTO ml_events(id, at, name, version, alias, event) VALUES "
                 "(-5, '2020-01-01T00:00:00.000Z', 'm', 2, 'production', 'alias_set')")
    conn.execute("INSERT INTO ml_events(id, name, event) VALUES (9223372036854775807, 'm', "
                 "'created')")
    with pytest.raises(sqlite3.Error, match="full"):
        conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(3),))
    conn.close()
    plain = sqlite3.connect(str(path))
    plain.execute("PRAGMA trusted_schema=OFF")
    with pytest.raises(sqlite3.DatabaseError, match="json_valid"):
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    plain.close()

    conn = connect(path, so_copy)
    init_registry(conn)
    ids = [r[0] for r in conn.execute("SELECT id FROM ml_events ORDER BY id")]
    assert ids == list(range(1, len(ids) + 1))
    # the columns of the catalogue, filled as a registration fills them
    assert conn.execute("SELECT version, supported, reason FROM ml_versions ORDER BY version"
                        ).fetchall() == [(1, 1, "LinearRegression scores predict"),
                                         (2, 1, "LinearRegression scores predict")]
    events = [r[0] for r in conn.execute("SELECT event FROM ml_events ORDER BY id")]
    # renumbered in their old order: the back-filled row (id -5) first, the largest id last
    assert events == ["alias_set", "created", "registered", "alias_set", "registered", "created"]
    assert conn.execute("SELECT ml_registry_init()").fetchone()[0] == 0
    # writes work again, events are guarded, aliases log from ml_aliases
    conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(3),))
    with pytest.raises(sqlite3.IntegrityError, match="written by the registry only"):
        conn.execute("INSERT INTO ml_events(name, event) VALUES ('m', 'created')")
    other = connect(path, so_copy)
    assert score(other, "m@production") == 1.0  # compiled and cached by the other connection
    conn.execute("INSERT OR REPLACE INTO ml_aliases VALUES ('m', 'production', 2)")
    assert conn.execute("SELECT event, detail FROM ml_events ORDER BY id DESC LIMIT 1"
                        ).fetchone() == ("alias_moved", '{"old":1,"new":2}')
    assert score(conn, "m@production") == 2.0 and score(conn) == 3.0
    assert score(other, "m@production") == 2.0
    assert other.execute("SELECT version FROM ml_alias_history WHERE alias = 'production' "
                         "AND valid_to IS NULL").fetchone()[0] == 2
    other.close()
    with pytest.raises(sqlite3.IntegrityError, match="metrics must be JSON"):
        conn.execute("UPDATE ml_versions SET metrics = 'nope' WHERE version = 1")
    conn.close()
    plain = sqlite3.connect(str(path))
    plain.execute("PRAGMA trusted_schema=OFF")
    assert plain.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 3
    assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    plain.close()


def test_upgrade_from_the_schema_before_the_catalogue(so_copy, tmp_path):
    """A registry of the schema without supported/reason: ml_registry_sql()'s script adds both columns,
    fills them for every version (live, deleted, and one the current verdict refuses), keeps the
    history, and the current triggers then guard them."""
    import numpy as np
    from sklearn.multiclass import _ConstantPredictor
    path = tmp_path / "v2.db"
    conn = connect(path, so_copy)
    with open(os.path.join(HERE, "registry_schema_v2.sql")) as f:
        conn.executescript(f.read())
    assert "supported" not in [r[1] for r in conn.execute("PRAGMA table_info(ml_versions)")]
    lp = _ConstantPredictor().fit(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]]),
                                  np.array([1, 1, 1, 1]))
    conn.execute("INSERT INTO ml_registry(name, pickle, aliases) VALUES ('m', ?, 'production')",
                 (pk(1),))
    conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)",
                 (pickle.dumps(lp, protocol=4),))
    conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(3),))
    conn.execute("DELETE FROM ml_registry WHERE name = 'm' AND version = 3")
    # a stored pickle the verdict refuses (written past the triggers, as a hand-edited file could)
    evil = b"\x80\x02cposix\nsystem\nX\x04\x00\x00\x00true\x85R."
    conn.executescript("DROP TRIGGER ml_versions_insert; DROP TRIGGER ml_versions_registered;")
    conn.execute("INSERT INTO ml_models(name) VALUES ('evil')")
    conn.execute("INSERT INTO ml_versions(name, version, pickle, sha256, size, stored_size) "
                 "VALUES ('evil', 1, ?, 'x', 1, 1)", (evil,))
    events_before = conn.execute("SELECT id, at, name, version, alias, event, detail "
                                 "FROM ml_events ORDER BY id").fetchall()
    conn.close()

    conn = connect(path, so_copy)
    init_registry(conn)
    rows = conn.execute("SELECT name, version, supported, reason, deleted_at IS NOT NULL "
                        "FROM ml_versions ORDER BY name, version").fetchall()
    lp_cls = "sklearn.multiclass._ConstantPredictor"
    assert rows == [
        ("evil", 1, 0, "the pickle names code that could run in Python: posix.system "
                       "(not known library classes)", 0),
        ("m", 1, 1, "LinearRegression scores predict", 0),
        ("m", 2, 0, "%s cannot be scored yet (see model_supported())" % lp_cls, 0),
        ("m", 3, 1, "LinearRegression scores predict", 1),
    ]
    assert conn.execute("SELECT ml_registry_init()").fetchone()[0] == 0
    assert conn.execute("SELECT id, at, name, version, alias, event, detail FROM ml_events "
                        "ORDER BY id").fetchall() == events_before
    # the view shows the columns, new registrations fill them, the triggers guard them
    conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(4),))
    assert conn.execute("SELECT version, supported, reason FROM ml_registry WHERE name = 'm' "
                        "ORDER BY version").fetchall() == [
        (1, 1, "LinearRegression scores predict"),
        (2, 0, "%s cannot be scored yet (see model_supported())" % lp_cls),
        (4, 1, "LinearRegression scores predict")]
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute("UPDATE ml_versions SET supported = 1 WHERE name = 'm' AND version = 2")
    with pytest.raises(sqlite3.IntegrityError, match="written by the registry only"):
        conn.execute("INSERT INTO ml_events(name, event) VALUES ('m', 'created')")
    assert score(conn, "m@production") == 1.0 and score(conn) == 4.0
    conn.close()
    plain = sqlite3.connect(str(path))
    plain.execute("PRAGMA trusted_schema=OFF")
    assert plain.execute("SELECT count(*) FROM ml_versions WHERE supported IS NOT NULL"
                         ).fetchone()[0] == 5
    assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    plain.close()


# ---- the BLOB-only forms ------------------------------------------------------------------------------

def test_blob_forms_in_views_and_indexes(so_copy, tmp_path):
    conn = new_registry(tmp_path / "v.db", so_copy)
    conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(5),))
    conn.executescript("""
        CREATE TABLE rows(id INTEGER PRIMARY KEY, version INTEGER, a REAL, b REAL);
        INSERT INTO rows(version, a, b) VALUES (1, 0, 0), (2, 1, 1), (2, 3, 4);
        CREATE VIEW scored AS
            SELECT r.id, pickle_predict(v.pickle, r.a, r.b) AS p,
                   json_extract(pickle_model_info(v.pickle), '$.kind') AS kind
              FROM rows r JOIN ml_versions v ON v.name = 'm' AND v.version = r.version;
        CREATE TABLE stored(id INTEGER PRIMARY KEY, model BLOB, a REAL, b REAL);
        INSERT INTO stored(model, a, b) SELECT pickle, 1, 2 FROM ml_versions;
        CREATE INDEX stored_pred ON stored(pickle_predict(model, a, b));
    """)
    assert conn.execute("SELECT id, p, kind FROM scored ORDER BY id").fetchall() == \
        [(1, 1.0, "regressor"), (2, 5.0, "regressor"), (3, 5.0, "regressor")]
    # the index is used and agrees with the by-name form
    plan = " ".join(r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM stored WHERE pickle_predict(model, a, b) = 5.0"))
    assert "stored_pred" in plan
    assert conn.execute("SELECT id FROM stored WHERE pickle_predict(model, a, b) = 5.0"
                        ).fetchall() == [(2,)]
    assert conn.execute("SELECT model_predict('m', 1, 2), model_predict('m/1', 1, 2)").fetchone() \
        == (5.0, 1.0)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_a_registry_in_an_attached_database_is_not_written_through_main(so_copy, tmp_path):
    other = new_registry(tmp_path / "other.db", so_copy)
    other.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(2),))
    other.close()
    for with_registry in (False, True):
        path = tmp_path / ("main%d.db" % with_registry)
        main = new_registry(path, so_copy) if with_registry else connect(path, so_copy)
        main.execute("ATTACH ? AS reg", (str(tmp_path / "other.db"),))
        before = main.execute("SELECT count(*) FROM reg.ml_events").fetchone()[0]
        with pytest.raises(sqlite3.OperationalError,
                           match="ml_log: .*a registry in an ATTACHed database cannot be written"):
            main.execute("UPDATE reg.ml_aliases SET version = 2 WHERE alias = 'production'")
        assert main.execute("SELECT count(*) FROM reg.ml_events").fetchone()[0] == before
        assert main.execute("SELECT version FROM reg.ml_aliases").fetchone()[0] == 1
        if with_registry:
            # inside a transaction that also wrote main: the event is checked against main
            main.execute("BEGIN")
            main.execute("UPDATE main.ml_models SET description = 'x'")
            with pytest.raises(sqlite3.OperationalError, match="'alias_moved' of model 'm' is "
                               "not what the main database's registry holds"):
                main.execute("UPDATE reg.ml_aliases SET version = 2 WHERE alias = 'production'")
            main.execute("ROLLBACK")
            assert main.execute("SELECT count(*) FROM main.ml_events").fetchone()[0] == 3
        main.close()
