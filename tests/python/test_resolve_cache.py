"""The per-connection cache of registry references (sql_resolve.c) never answers with a version
the connection could not see right now.

Each test first scores a reference (so its resolution is cached), changes the registry in a way
the cache must notice, and scores again: another connection's commit (rollback journal and WAL),
this connection's own commit, its own uncommitted change and the ROLLBACK undoing it, a snapshot
held by BEGIN in WAL mode (the old version until COMMIT), a deleted version, a restore through the
backup API, a read-only statement that holds a read transaction on main, more references than
the cache has slots, and spellings of one reference.
"""
import sqlite3

import pytest

from conftest import init_registry, load_ext
from test_registry_snapshot import pk


def connect(path, so, **kw):
    conn = sqlite3.connect(str(path), isolation_level=None, **kw)
    return load_ext(conn, so)


def score(conn, ref="m@production"):
    return conn.execute("SELECT model_predict(?, 0, 0)", (ref,)).fetchone()[0]


def registry(path, so, wal=False):
    conn = connect(path, so)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    init_registry(conn)
    conn.execute("INSERT INTO ml_registry(name, pickle, aliases) VALUES ('m', ?, 'production')",
                 (pk(1),))
    conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(2),))
    return conn


def move(conn, version):
    conn.execute("UPDATE ml_aliases SET version = ? WHERE name = 'm' AND alias = 'production'",
                 (version,))


@pytest.mark.parametrize("wal", [False, True])
def test_another_connections_commit_is_seen(so_copy, tmp_path, wal):
    a = registry(tmp_path / "r.db", so_copy, wal)
    b = connect(tmp_path / "r.db", so_copy, timeout=10)
    for i in range(50):
        want = 1.0 + i % 2
        assert score(a) == want and score(a) == want  # the second answer is the cached one
        move(b, 3 - want)
    assert score(a, "m") == 2.0
    b.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(3),))
    assert score(a, "m") == 3.0 and score(a, "m/latest") == 3.0 and score(a, "m/2") == 2.0
    a.close()
    b.close()


def test_own_commits_and_rollbacks(so_copy, tmp_path):
    a = registry(tmp_path / "r.db", so_copy)
    assert score(a) == 1.0
    move(a, 2)  # autocommit: a commit of this connection
    assert score(a) == 2.0
    a.execute("BEGIN")
    move(a, 1)
    assert score(a) == 1.0  # its own uncommitted change
    a.execute("ROLLBACK")
    assert score(a) == 2.0  # undone
    a.execute("BEGIN")
    a.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(4),))
    assert score(a, "m") == 4.0
    a.execute("ROLLBACK")
    assert score(a, "m") == 2.0
    a.execute("BEGIN")
    assert score(a, "m") == 2.0  # cached inside a read transaction
    a.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(5),))
    assert score(a, "m") == 5.0  # then the transaction writes
    a.execute("COMMIT")
    assert score(a, "m") == 5.0 and score(a) == 2.0
    a.close()


def test_snapshot_of_an_open_read_transaction(so_copy, tmp_path):
    a = registry(tmp_path / "w.db", so_copy, wal=True)
    b = connect(tmp_path / "w.db", so_copy, timeout=10)
    a.execute("BEGIN")
    assert a.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 2  # snapshot taken
    assert score(a) == 1.0
    move(b, 2)
    assert score(a) == 1.0 and score(a) == 1.0  # the snapshot's version, not the newer commit
    a.execute("COMMIT")
    assert score(a) == 2.0
    # a statement that reads a table of main holds its read transaction for every row
    rows = a.execute("SELECT model_predict('m@production', 0, 0) FROM ml_versions").fetchall()
    assert rows == [(2.0,), (2.0,)]
    a.close()
    b.close()


def test_deleted_version_and_restore(so_copy, tmp_path):
    a = registry(tmp_path / "r.db", so_copy)
    b = connect(tmp_path / "r.db", so_copy, timeout=10)
    assert score(a, "m/2") == 2.0
    b.execute("DELETE FROM ml_registry WHERE name = 'm' AND version = 2")
    with pytest.raises(sqlite3.OperationalError, match="model_predict: version 2 of model 'm' "
                                                       "was deleted"):
        score(a, "m/2")
    assert score(a, "m") == 1.0
    other = registry(tmp_path / "o.db", so_copy)
    other.execute("UPDATE ml_registry SET pickle = pickle WHERE 0")
    other.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(7),))
    move(other, 3)
    assert score(a) == 1.0
    other.backup(a)  # replaces a's database: a commit of a's pager
    assert score(a) == 7.0 and score(a, "m") == 7.0
    for c in (a, b, other):
        c.close()


def test_more_references_than_slots_and_spellings(so_copy, tmp_path):
    a = registry(tmp_path / "r.db", so_copy)
    b = connect(tmp_path / "r.db", so_copy, timeout=10)
    for k in range(3, 40):
        b.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(k),))
    refs = ["m/%d" % v for v in range(1, 39)] + ["m", "models:/m", "m@latest", "models:/m/latest"]
    for _ in range(2):
        got = [score(a, r) for r in refs]
        assert got == [float(v) for v in range(1, 39)] + [39.0] * 4
    b.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", (pk(40),))
    assert [score(a, r) for r in refs[-4:]] == [40.0] * 4
    with pytest.raises(sqlite3.OperationalError, match="no model named 'n'"):
        score(a, "n")
    b.execute("INSERT INTO ml_registry(name, pickle) VALUES ('n', ?)", (pk(9),))
    assert score(a, "n") == 9.0
    a.close()
    b.close()
