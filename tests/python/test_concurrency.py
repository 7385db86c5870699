"""Concurrency and durability of scoring by registry name.

test_scoring_while_registering: 8 threads, each with its own connection to one WAL database,
score with model_predict('m@production', ...), model_predict('m', ...) and 'm/1' while another
thread registers new versions and moves the `production` alias. Version k's model predicts
exactly k (a LinearRegression with zero coefficients and intercept k), and each scoring statement
also reads the alias / latest version in the same statement (one read snapshot), so every
result can be checked against the version that was live for that statement. The only error
tolerated is SQLITE_BUSY / "database is locked", retried. At the end every registration is there
(versions 1..N, one `registered` event each, the alias on N).

test_sigkill_during_registration: a child process registers big versions in a loop and is killed
with SIGKILL at a random moment, several times; after each kill the registry is consistent:
integrity_check ok, versions numbered 1..max without gaps, exactly one `registered` event per
version, every stored pickle decodes to the model that predicts its version number.

Set PK_STRESS_REPEAT=20 to run each test 20 times in a row.
"""
import os
import pickle
import random
import select
import signal
import sqlite3
import subprocess
import threading
import time

import pytest

from conftest import load_ext, init_registry

PY = "/usr/bin/python3"
REPEAT = int(os.environ.get("PK_STRESS_REPEAT", "1"))
N_SCORERS = 8
N_VERSIONS = 12


def model_pickle(k, pad=0):
    """A fitted-looking LinearRegression whose prediction is exactly k (plus `pad` float64s of
    inert padding to make the pickle large)."""
    import numpy as np
    from sklearn.linear_model import LinearRegression
    m = LinearRegression()
    m.fit(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]), np.array([1.0, 2.0, 3.0]))
    m.coef_ = np.zeros(2)
    m.intercept_ = float(k)
    if pad:
        m.padding_ = np.arange(pad, dtype="f8") + k
    return pickle.dumps(m, protocol=4)


def connect(path, so_path, timeout=10.0):
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    load_ext(conn, so_path)
    return conn


def busy(exc):
    s = str(exc).lower()
    return "locked" in s or "busy" in s


def retry(fn, deadline=60.0):
    end = time.time() + deadline
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not busy(exc) or time.time() > end:
                raise
            time.sleep(0.005)


def init_db(path, so_path):
    conn = connect(path, so_path)
    assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    init_registry(conn)
    conn.execute("INSERT INTO ml_registry(name, pickle, aliases) VALUES ('m', ?, 'production')",
                 (model_pickle(1),))
    return conn


@pytest.mark.parametrize("rep", range(REPEAT))
def test_scoring_while_registering(tmp_path, so_copy, rep):
    so_path = so_copy
    path = tmp_path / "reg.db"
    init_db(path, so_path).close()
    pickles = {k: model_pickle(k) for k in range(2, N_VERSIONS + 1)}
    stop = threading.Event()
    errors, counts = [], [0] * N_SCORERS

    def scorer(i):
        try:
            conn = connect(path, so_path)
            while not stop.is_set():
                kind = counts[i] % 3
                if kind == 0:
                    sql = ("SELECT model_predict('m@production', 1.0, 2.0), "
                           "(SELECT version FROM ml_aliases WHERE name = 'm' AND alias = 'production')")
                elif kind == 1:
                    sql = ("SELECT model_predict('m', 1.0, 2.0), (SELECT max(version) FROM "
                           "ml_versions WHERE name = 'm' AND deleted_at IS NULL)")
                else:
                    sql = "SELECT model_predict('models:/m/1', 1.0, 2.0), 1"
                got, live = retry(lambda: conn.execute(sql).fetchone())
                if got != float(live):
                    errors.append("scorer %d: %s gave %r while version %r was live" %
                                  (i, sql.split(",")[0], got, live))
                    return
                counts[i] += 1
            conn.close()
        except Exception as exc:  # any error other than BUSY (retried above) is a failure
            errors.append("scorer %d: %r" % (i, exc))

    def registrar():
        try:
            conn = connect(path, so_path, timeout=30.0)
            for k in range(2, N_VERSIONS + 1):
                retry(lambda: conn.execute("INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)",
                                           (pickles[k],)))
                time.sleep(0.01)
                retry(lambda: conn.execute("UPDATE ml_aliases SET version = ? WHERE name = 'm' "
                                           "AND alias = 'production'", (k,)))
                time.sleep(0.01)
            conn.close()
        except Exception as exc:
            errors.append("registrar: %r" % exc)

    threads = [threading.Thread(target=scorer, args=(i,)) for i in range(N_SCORERS)]
    for t in threads:
        t.start()
    reg = threading.Thread(target=registrar)
    reg.start()
    reg.join(120)
    time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(60)
    assert not reg.is_alive() and not any(t.is_alive() for t in threads)
    assert not errors, errors[:5]
    assert all(c > 0 for c in counts), counts

    conn = connect(path, so_path)
    versions = [r[0] for r in conn.execute(
        "SELECT version FROM ml_versions WHERE name = 'm' ORDER BY version")]
    assert versions == list(range(1, N_VERSIONS + 1))
    events = [r[0] for r in conn.execute(
        "SELECT version FROM ml_events WHERE name = 'm' AND event = 'registered' ORDER BY id")]
    assert events == versions
    moves = conn.execute("SELECT count(*) FROM ml_events WHERE name = 'm' AND alias = 'production' "
                         "AND event IN ('alias_set', 'alias_moved')").fetchone()[0]
    assert moves == N_VERSIONS
    assert conn.execute("SELECT model_predict('m@production', 0, 0)").fetchone()[0] == N_VERSIONS
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


CHILD = r"""
import pickle, sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.enable_load_extension(True)
db.load_extension(sys.argv[2])
blobs = pickle.load(open(sys.argv[3], 'rb'))
print('ready', flush=True)
i = db.execute("SELECT count(*) FROM ml_versions").fetchone()[0]  # version i+1 gets blob i%n
while True:
    db.execute("INSERT INTO ml_registry(name, pickle, aliases) VALUES ('m', ?, 'production')",
               (blobs[i % len(blobs)],))
    i += 1
    print('done', i, flush=True)
"""


def check_consistent(path, so_path, pads):
    conn = connect(path, so_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    versions = [r[0] for r in conn.execute(
        "SELECT version FROM ml_versions WHERE name = 'm' ORDER BY version")]
    assert versions == list(range(1, len(versions) + 1)), versions
    events = [r[0] for r in conn.execute(
        "SELECT version FROM ml_events WHERE name = 'm' AND event = 'registered' ORDER BY id")]
    assert events == versions
    for v, sha, size in conn.execute("SELECT version, sha256, size FROM ml_versions"):
        row = conn.execute("SELECT pickle_sha256(pickle_decompress(pickle)), "
                           "length(pickle_decompress(pickle)) FROM ml_versions "
                           "WHERE name = 'm' AND version = ?", (v,)).fetchone()
        assert row == (sha, size), (v, row, sha, size)
    if versions:
        last = versions[-1]
        assert conn.execute("SELECT version FROM ml_aliases WHERE name = 'm' AND "
                            "alias = 'production'").fetchone()[0] == last
        # each stored model is whole: version k predicts the blob's k (k cycles through pads)
        for v in versions[-3:]:
            got = conn.execute("SELECT model_predict('m/%d', 1, 1)" % v).fetchone()[0]
            assert got == float((v - 1) % len(pads) + 1), (v, got)
    conn.close()
    return len(versions)


@pytest.mark.parametrize("rep", range(REPEAT))
def test_sigkill_during_registration(tmp_path, so_copy, rep):
    so_path = so_copy
    path = tmp_path / "kill.db"
    conn = connect(path, so_path)
    conn.execute("PRAGMA journal_mode=WAL")
    init_registry(conn)
    conn.close()
    pads = [200_000, 150_000, 250_000]  # ~1.2-2 MB pickles: registering one takes a while
    blobs_file = tmp_path / "blobs.pkl"
    with open(blobs_file, "wb") as f:
        # version v gets blob v-1, predicting (v-1) % 3 + 1; every blob's bytes differ (its
        # padding's length), since the registry makes no new version for bytes it already holds
        # (5 rounds register at most 14 versions)
        pickle.dump([model_pickle(i % 3 + 1, pads[i % 3] + i) for i in range(18)], f)
    so = so_path[:-3] if so_path.endswith(".so") else so_path
    rng = random.Random(1234 + rep)
    total = 0
    for round_ in range(5):
        p = subprocess.Popen([PY, "-c", CHILD, str(path), so, str(blobs_file)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert p.stdout.readline().strip() == b"ready", p.stderr.read()
        # Let 0-2 registrations finish (whatever the machine's speed), then kill at a random
        # moment: usually in the middle of the next one.
        want = rng.choice([0, 1, 2]) if round_ else 1
        for _ in range(want):
            ready, _, _ = select.select([p.stdout], [], [], 60)
            assert ready, "the child registered nothing in 60 s"
            assert p.stdout.readline().startswith(b"done")
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        assert p.returncode == -signal.SIGKILL, p.stderr.read()
        n = check_consistent(path, so_path, pads)
        assert n >= total
        total = n
    assert total > 0, "no registration finished before the kills"
