"""Allowances (docs/registry.md, "Allowances"): a pipeline with the author's own classes
(`__main__` transformers, made by a script run as __main__ with /usr/bin/python3) registers only
with an allowance naming exactly its globals outside the catalogue; globals that give code
execution can never be allowed; the allowance is recorded with the version and in its
registration event, shown by ml_registry (safe = 0), the version is not scored, and
pickle_ext.registry.load admits the allowed globals only when the caller names them too.
"""
import json
import os
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
from pickle_ext import registry as reg  # noqa: E402

PY = "/usr/bin/python3"
ALLOW = ["__main__.clean_text", "__main__.CatFeaturesDummies"]

SCRIPT = r"""
import pickle, sys
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

class CatFeaturesDummies(BaseEstimator, TransformerMixin):
    def fit(self, X, y=None):
        self.mean_ = X.mean(axis=0)
        return self
    def transform(self, X):
        return X - self.mean_

def clean_text(X):
    return X * 2.0

X = np.arange(60, dtype=float).reshape(30, 2)
y = (X[:, 0] > 29).astype(int)
p = Pipeline([("clean", FunctionTransformer(clean_text)), ("dummies", CatFeaturesDummies()),
              ("lr", LogisticRegression())]).fit(X, y)
sys.stdout.buffer.write(pickle.dumps(p, protocol=4))
"""


@pytest.fixture(scope="module")
def user_pickle(tmp_path_factory):
    d = tmp_path_factory.mktemp("user")
    script = d / "train.py"
    script.write_text(SCRIPT)
    return subprocess.run([PY, str(script)], stdout=subprocess.PIPE, check=True,
                          timeout=60).stdout


@pytest.fixture
def conn(so_path):
    c = reg.connect(":memory:", ext=so_path)
    yield c
    c.close()


def _insert(conn, blob, allow):
    with conn:
        conn.execute("INSERT INTO ml_registry(name, pickle, allow) VALUES ('churn', ?, ?)",
                     (blob, allow))


def test_refused_without_an_allowance(conn, user_pickle):
    with pytest.raises(sqlite3.Error) as e:
        _insert(conn, user_pickle, None)
    msg = str(e.value)
    assert "cannot register model 'churn'" in msg
    assert "__main__.clean_text" in msg and "__main__.CatFeaturesDummies" in msg


def test_registered_with_the_allowance_recorded_logged_and_shown(conn, user_pickle):
    _insert(conn, user_pickle, json.dumps(ALLOW))
    row = conn.execute("SELECT version, supported, reason, allow, safe, class FROM ml_registry"
                       " WHERE name = 'churn'").fetchone()
    assert row[0] == 1 and row[1] == 0 and row[4] == 0
    assert row[5] == "sklearn.pipeline.Pipeline"
    assert json.loads(row[3]) == ALLOW
    assert row[2] == ("uses code outside the catalogue, allowed at registration: "
                      "__main__.clean_text, __main__.CatFeaturesDummies (it would have to run in "
                      "Python, so the version is not scored)")
    assert json.loads(conn.execute("SELECT allow FROM ml_versions").fetchone()[0]) == ALLOW
    ev = conn.execute("SELECT detail FROM ml_events WHERE event = 'registered'").fetchone()[0]
    assert json.loads(ev)["allow"] == ALLOW
    # a version without allowance: safe = 1, allow NULL, no "allow" key in its event
    from sklearn.linear_model import LinearRegression
    reg.register(conn, "plain", LinearRegression().fit(np.eye(3), [1.0, 2.0, 3.0]))
    assert conn.execute("SELECT allow, safe FROM ml_registry WHERE name = 'plain'").fetchone() \
        == (None, 1)
    ev = conn.execute("SELECT detail FROM ml_events WHERE name = 'plain' AND"
                      " event = 'registered'").fetchone()[0]
    assert "allow" not in json.loads(ev)
    # the allowance is immutable like the pickle
    with pytest.raises(sqlite3.Error, match="immutable"):
        with conn:
            conn.execute("UPDATE ml_versions SET allow = '[\"__main__.x\"]' WHERE name = 'churn'")


def test_model_predict_refuses_in_one_line(conn, user_pickle):
    _insert(conn, user_pickle, json.dumps(ALLOW))
    with pytest.raises(sqlite3.Error) as e:
        conn.execute("SELECT model_predict('churn', json_array(1.0, 2.0))").fetchone()
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("model_predict: refusing the pickle")
    assert "__main__.clean_text" in msg


@pytest.mark.parametrize("allow, expect", [
    (["__main__.clean_text"], "names code that could run in Python: __main__.CatFeaturesDummies"),
    (ALLOW + ["os.system"], "os.system can never be allowed"),
    (["os.system"], "os.system can never be allowed"),
    (ALLOW + ["builtins.eval", "subprocess.Popen"],
     "builtins.eval, subprocess.Popen can never be allowed"),
    (ALLOW + ["functools.partial"], "functools.partial can never be allowed"),
    (ALLOW + ["operator.attrgetter"], "operator.attrgetter can never be allowed"),
    (ALLOW + ["__main__.eval"], "__main__.eval can never be allowed"),
    (ALLOW + ["__main__.__import__"], "__main__.__import__ can never be allowed"),
    (ALLOW + ["__main__.Unused"], "the allowance names __main__.Unused, which the pickle does not"
                                  " use outside the catalogue"),
    (ALLOW + ["__main__.clean_text"], "the allowance names __main__.clean_text twice"),
])
def test_bad_allowances_are_refused_naming_them(conn, user_pickle, allow, expect):
    with pytest.raises(sqlite3.Error) as e:
        _insert(conn, user_pickle, json.dumps(allow))
    assert expect in str(e.value)
    assert conn.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 0


@pytest.mark.parametrize("allow", ["not json", "[]", '{"a": 1}', '["__main__"]', '["a..b"]',
                                   '[1]', '["__main__.x\\u0041"]', '["__main__.x"] trailing'])
def test_malformed_allowance_is_a_clear_error(conn, user_pickle, allow):
    with pytest.raises(sqlite3.Error) as e:
        _insert(conn, user_pickle, allow)
    msg = str(e.value)
    assert msg.startswith("ml_registry: cannot register model 'churn': the allowance"), msg


def test_a_safe_pickle_takes_no_allowance(conn):
    from sklearn.linear_model import LinearRegression
    blob = __import__("pickle").dumps(LinearRegression().fit(np.eye(3), [1.0, 2.0, 3.0]))
    with pytest.raises(sqlite3.Error, match="does not use outside the catalogue"):
        _insert(conn, blob, json.dumps(["__main__.clean_text"]))


def test_direct_insert_cannot_forge_an_allowance(conn, user_pickle):
    _insert(conn, user_pickle, json.dumps(ALLOW))
    cols = "name, version, pickle, sha256, size, stored_size, class, n_features, feature_names," \
        " classes, params, supported, reason"
    with pytest.raises(sqlite3.Error):
        with conn:
            conn.execute("INSERT INTO ml_versions(%s, allow) SELECT name, 2, pickle, sha256, size,"
                         " stored_size, class, n_features, feature_names, classes, params,"
                         " supported, reason, '[\"__main__.clean_text\"]' FROM ml_versions" % cols)


def test_registry_load_needs_the_allowance_from_the_caller_too(conn, user_pickle, tmp_path):
    _insert(conn, user_pickle, json.dumps(ALLOW))
    with pytest.raises(reg.RegistryError, match="__main__"):
        reg.load(conn, "churn")
    with pytest.raises(reg.RegistryError, match="__main__.CatFeaturesDummies"):
        reg.load(conn, "churn", allow=["__main__.clean_text"])
    # named by the caller and recorded: admitted (the classes live in this test's __main__ only
    # when defined there, so the load runs in a script that defines them)
    code = (SCRIPT.split("X = np.arange")[0] +
            "sys.path.insert(0, %r)\n" % os.path.join(REPO, "bindings", "python") +
            "from pickle_ext import registry as reg\n"
            "conn = reg.connect(%r, ext=%r)\n" % (str(tmp_path / "r.db"), conn_so(conn)) +
            "reg.register(conn, 'churn', %r, allow=%r)\n" % (user_pickle, ALLOW) +
            "m = reg.load(conn, 'churn', allow=%r)\n" % ALLOW +
            "X = np.arange(60, dtype=float).reshape(30, 2)\n"
            "print(type(m).__name__, list(m.predict(X)))\n"
            "want = pickle.loads(%r).predict(X)\n" % user_pickle +
            "assert (m.predict(X) == want).all()\n")
    r = subprocess.run([PY, "-c", code], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert r.stdout.decode().startswith("Pipeline [")


def conn_so(conn):
    return os.environ.get("PICKLE_EXT_SO") or os.path.join(REPO, "dist", "pickle_ext.so")


def test_older_registry_gains_the_allow_column(so_path, tmp_path, user_pickle):
    """A registry made by the schema before allowances (registry_schema_v3.sql) is upgraded by
    ml_registry_sql()'s script (through reg.connect): the allow column is added (NULL for its versions), the current view and
    triggers replace the old ones, the history is kept, and allowances are accepted."""
    from sklearn.linear_model import LinearRegression
    db = str(tmp_path / "v3.db")
    c = sqlite3.connect(db)
    from conftest import load_ext
    load_ext(c, so_path)
    with open(os.path.join(os.path.dirname(__file__), "registry_schema_v3.sql")) as f:
        c.executescript(f.read())
    assert "allow" not in [r[1] for r in c.execute("PRAGMA table_info(ml_versions)")]
    with c:
        c.execute("INSERT INTO ml_registry(name, pickle, aliases) VALUES ('lin', ?, 'production')",
                  (__import__("pickle").dumps(LinearRegression().fit(np.eye(3), [1.0, 2.0, 3.0])),))
    events_before = c.execute("SELECT * FROM ml_events ORDER BY id").fetchall()
    c.close()
    c = reg.connect(db, ext=so_path)
    assert "allow" in [r[1] for r in c.execute("PRAGMA table_info(ml_versions)")]
    assert c.execute("SELECT allow, safe, supported, aliases FROM ml_registry").fetchone() \
        == (None, 1, 1, '["production"]')
    assert c.execute("SELECT * FROM ml_events ORDER BY id").fetchall() == events_before
    assert c.execute("SELECT ml_registry_init()").fetchone()[0] == 0
    _insert(c, user_pickle, json.dumps(ALLOW))
    assert c.execute("SELECT version, safe FROM ml_registry WHERE allow IS NOT NULL").fetchall() \
        == [(1, 0)]
    assert c.execute("SELECT model_predict('lin', json_array(1.0, 0.0, 0.0))").fetchone()[0] \
        == pytest.approx(1.0)
    c.close()


def _cli(so_path, db, *args):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "bindings", "python"),
               PICKLE_EXT_SO=so_path)
    return subprocess.run([PY, "-m", "pickle_ext", "--db", str(db)] + list(args),
                          capture_output=True, env=env, timeout=60)


def test_cli_export_writes_the_verdict_and_needs_allow_for_an_unsafe_version(so_path, tmp_path,
                                                                            user_pickle):
    db, pkl = tmp_path / "r.db", tmp_path / "m.pkl"
    pkl.write_bytes(user_pickle)
    r = _cli(so_path, db, "register", "churn", str(pkl))
    assert r.returncode == 1 and b"__main__.clean_text" in r.stderr
    allow = sum((["--allow", g] for g in ALLOW), [])
    assert _cli(so_path, db, "register", "churn", str(pkl), *allow).returncode == 0
    out = tmp_path / "out.pkl"
    r = _cli(so_path, db, "export", "churn", str(out))
    assert r.returncode == 1 and not out.exists()
    assert r.stderr.decode().startswith("pickle_ext: churn version 1 is not safe: it names ")
    r = _cli(so_path, db, "export", "churn", str(out), "--allow", ALLOW[0])
    assert r.returncode == 1 and b"__main__.CatFeaturesDummies" in r.stderr
    assert b"__main__.clean_text," not in r.stderr and not out.exists()
    r = _cli(so_path, db, "export", "churn", str(out), *allow)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == user_pickle
    side = json.loads((tmp_path / "out.pkl.json").read_text())
    assert side["name"] == "churn" and side["version"] == 1 and side["safe"] is False
    assert side["sha256"] == __import__("hashlib").sha256(user_pickle).hexdigest()
    assert side["allow"] == ALLOW and sorted(side["unsafe_globals"]) == sorted(ALLOW)
    tiers = {g["global"]: g["tier"] for g in side["globals"]}
    assert tiers["sklearn.pipeline.Pipeline"] == "scorable"
    assert tiers["__main__.clean_text"] == "unknown"
    # a safe version exports without --allow, its sidecar says so
    from sklearn.linear_model import LinearRegression
    pkl.write_bytes(__import__("pickle").dumps(LinearRegression().fit(np.eye(3), [1., 2., 3.])))
    assert _cli(so_path, db, "register", "lin", str(pkl)).returncode == 0
    assert _cli(so_path, db, "export", "lin", str(out)).returncode == 0
    side = json.loads((tmp_path / "out.pkl.json").read_text())
    assert side["safe"] is True and side["allow"] is None and side["unsafe_globals"] == []
