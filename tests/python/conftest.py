"""Shared pytest fixtures for pickle_ext (every tests/python/test_*.py uses them).

Fixtures
  so_path  absolute path of the extension: $PICKLE_EXT_SO, default <repo>/dist/pickle_ext.so
  db       a fresh in-memory sqlite3 connection with the extension loaded; closed after the test
  so_copy  (per module) a private copy of the extension, for long runs and child processes

Helpers (import them: `from conftest import sql_call, sql_error`)
  sql_call(db, fn, blob, *args)   SELECT fn(blob, *args) -> the SQL value (raises on SQL error;
                                  asserts json_valid of every strict pickle_json text)
  sql_error(db, fn, blob, *args)  the error text of that call, or None when it succeeds
  load_ext(conn, so_path)         loads the extension into any connection
  init_registry(conn)             creates (or upgrades) the registry: runs the script that
                                  SELECT ml_registry_sql() returns, as the client's statements
  core_includes()                 the -I flags of the core's headers (ext/core/<layer>/, ext/model)
                                  for test programs compiled against build/release/libpkcore.a

Run under Debian's /usr/bin/python3 (its sqlite3 module allows loading extensions).
Other test files may add fixtures here.
"""
import os
import shutil
import sqlite3
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def core_includes():
    """-I flags for ext/core's layer folders (its files include each other by file name) and
    ext/model."""
    core = os.path.join(REPO, "ext", "core")
    return ["-I" + os.path.join(core, d) for d in sorted(os.listdir(core))
            if os.path.isdir(os.path.join(core, d))] + ["-I" + os.path.join(REPO, "ext", "model")]


def _so_path():
    return os.path.abspath(os.environ.get("PICKLE_EXT_SO") or
                           os.path.join(REPO, "dist", "pickle_ext.so"))


def load_ext(conn, so_path=None):
    """Loads the extension into conn (strips .so: SQLite adds the suffix itself)."""
    path = so_path or _so_path()
    conn.enable_load_extension(True)
    try:
        conn.load_extension(path[:-3] if path.endswith(".so") else path)
    finally:
        conn.enable_load_extension(False)
    return conn


def init_registry(conn):
    """Creates or upgrades the registry in conn's main database (commits what was pending)."""
    conn.executescript(conn.execute("SELECT ml_registry_sql()").fetchone()[0])


@pytest.fixture(scope="session")
def so_path():
    path = _so_path()
    if not os.path.exists(path):
        pytest.fail("extension not built: %s (run `make`)" % path)
    return path


@pytest.fixture(scope="module")
def so_copy(so_path, tmp_path_factory):
    """A private copy of the extension for this module's connections and child processes, so a
    concurrent rebuild of dist/ (`make` in another shell) cannot break a long run midway."""
    d = tmp_path_factory.mktemp("so")
    dst = d / "pickle_ext.so"
    shutil.copyfile(so_path, str(dst))
    return str(dst)


@pytest.fixture
def db(so_path):
    conn = sqlite3.connect(":memory:")
    load_ext(conn, so_path)
    try:
        yield conn
    finally:
        conn.close()


def sql_call(db, fn, blob, *args):
    """SELECT fn(blob, args...) and return the single value. Every pickle_json text in its
    default (strict) form is also checked with SQLite's json_valid: the strict form must be
    JSON that SQLite's JSON functions accept, whatever pickle a test made."""
    marks = ", ".join(["?"] * (1 + len(args)))
    value = db.execute("SELECT %s(%s)" % (fn, marks), (blob,) + tuple(args)).fetchone()[0]
    if fn == "pickle_json" and isinstance(value, str) and (len(args) < 2 or args[1] != "nan"):
        assert db.execute("SELECT json_valid(?)", (value,)).fetchone()[0] == 1, value[:200]
    return value


def sql_error(db, fn, blob, *args):
    """The SQL error message of fn(blob, args...), or None when it succeeds."""
    try:
        sql_call(db, fn, blob, *args)
    except sqlite3.Error as exc:
        return str(exc)
    return None


_SESSION_START = [0.0]


def pytest_sessionstart(session):
    import time
    _SESSION_START[0] = time.time()


def pytest_terminal_summary(terminalreporter):
    """Prints the counts the differential and vector tests wrote (build/test_counts_*.json)."""
    import glob
    import json
    for path in sorted(glob.glob(os.path.join(REPO, "build", "test_counts_*.json"))):
        if os.path.getmtime(path) < _SESSION_START[0]:
            continue
        with open(path) as f:
            counts = json.load(f)
        name = os.path.basename(path)[len("test_counts_"):-len(".json")]
        terminalreporter.write_line("%s counts: %s" % (name, json.dumps(counts, sort_keys=True)))
