"""The seed scenario (scripts/demo.sh, what `make demo` runs) end to end, its output checked:
every step ran, the segment sizes computed in SQL equal scikit-learn's predictions for the same
customers with the committed pickles, the alias move took effect, the refusals name their reasons,
and the history and point-in-time answer are right. The demo database goes to a temporary
directory (DEMO_DB), so demo/shop.db is left alone.
"""
import collections
import os
import pickle
import re
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from conftest import REPO

FEATURES = ["recency", "frequency", "monetary", "age"]


@pytest.fixture(scope="module")
def demo(so_path, tmp_path_factory):
    db = str(tmp_path_factory.mktemp("demo") / "shop.db")
    env = dict(os.environ, SO=so_path, DEMO_DB=db)
    p = subprocess.run(["sh", os.path.join(REPO, "scripts", "demo.sh")], capture_output=True,
                       text=True, env=env, cwd=REPO, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stderr == "", p.stderr
    return p.stdout, db


def section(out, n):
    """The text of section `n` (from its '== n.' header to the next one)."""
    m = re.search(r"^== %d\..*?(?=^== |\Z)" % n, out, re.S | re.M)
    assert m, "no section %d in:\n%s" % (n, out)
    return m.group(0)


def box_rows(text):
    """Data rows of the sqlite3 shell's box tables in text, as lists of cell strings."""
    rows = []
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            rows.append(cells)
    return rows


def sizes(text):
    rows = box_rows(text)
    header = rows[0]
    i, j = header.index("segment"), header.index("customers")
    return {int(r[i]): int(r[j]) for r in rows[1:]}


def sklearn_sizes(db, pkl):
    with open(os.path.join(REPO, "demo", "models", pkl), "rb") as f:
        model = pickle.load(f)
    conn = sqlite3.connect(db)
    df = pd.read_sql_query("SELECT %s FROM customers ORDER BY id" % ", ".join(FEATURES), conn)
    conn.close()
    return dict(collections.Counter(int(s) for s in model.predict(df)))


def test_all_steps_ran(demo):
    out, _ = demo
    for n in range(1, 9):
        section(out, n)
    assert "!! not refused" not in out
    s1 = section(out, 1)
    assert box_rows(s1)[1][0] == "100000"


def test_registration_shows_derived_columns(demo):
    s2 = section(demo[0], 2)
    assert re.search(r"class = sklearn\.pipeline\.Pipeline$", s2, re.M)
    assert re.search(r"n_features = 4$", s2, re.M)
    assert '["recency","frequency","monetary","age"]' in s2
    assert re.search(r"aliases = \[\"production\"\]$", s2, re.M)
    size = int(re.search(r"pickle_bytes = (\d+)", s2).group(1))
    stored = int(re.search(r"stored_bytes_zstd = (\d+)", s2).group(1))
    assert size == os.path.getsize(os.path.join(REPO, "demo", "models", "segments_v1.pkl"))
    assert stored < size


def test_scoring_matches_sklearn(demo):
    out, db = demo
    assert re.search(r"scored 100,000 customers in \d+ ms \(version 1\)", section(out, 3))
    got = sizes(section(out, 4))
    assert sum(got.values()) == 100000 and len(got) == 4
    assert got == sklearn_sizes(db, "segments_v1.pkl")
    labels = {r[-1] for r in box_rows(section(out, 4))[1:]}
    assert labels == {"champions", "older regulars", "younger, occasional", "drifting away"}


def test_shadow_scoring_v2_matches_sklearn(demo):
    out, db = demo
    s5 = section(out, 5)
    got = sizes(s5.split("└", 1)[1])  # the second table: profiles
    assert len(got) == 5 and got == sklearn_sizes(db, "segments_v2.pkl")


def test_alias_move_takes_effect(demo):
    s6 = section(demo[0], 6)
    assert "segments@production is now version 2; scoring it gives 5 segments" in s6


def test_refusals(demo):
    s7 = section(demo[0], 7)
    assert "versions are immutable" in s7
    assert "could run in Python: os.system, builtins.eval" in s7
    assert "'latest' is a reserved alias" in s7
    assert "ml_events is append-only" in s7


def test_history_and_point_in_time(demo):
    out, db = demo
    s8 = section(out, 8)
    rows = box_rows(s8)
    events = [(r[2], r[3], r[4]) for r in rows[1:]]
    assert events == [("created", "", ""), ("registered", "1", ""),
                      ("alias_set", "1", "production"), ("registered", "2", ""),
                      ("alias_moved", "2", "production")]
    assert rows[-1][5] == '{"old":1,"new":2}'
    assert "which version was production 1 ms before the move? version 1" in s8
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 2
    conn.close()


def test_generator_in_sync():
    """demo/customers.sql is what scripts/demo_data.py writes."""
    p = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "demo_data.py"), "--check"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
