"""pickle_ext.registry.load: registry models unpickled with a restricted find_class
(bindings/python/pickle_ext/safeload.py, docs/python.md "Loading registry models safely").

* Safe models in every form (pickle protocols 0-5, joblib plain and zlib) are registered, loaded
  back with registry.load and predict exactly like the original.
* A stored pickle whose bytes no longer match its sha256 is refused before anything is unpickled.
* Every malicious fixture (scripts/gen_malicious.py, scripts/gen_attacks.py) is handed to the
  restricted loader with its pickle_info verdict, in a sandboxed /usr/bin/python3 (no network,
  address-space limit, timeout): each raises, and no marker file is created. The payload's
  globals as an allowance are refused by the extension (ml_pickle_meta with the allowance, the
  check registry.load makes before admitting allowed globals).
"""
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import joblib
import numpy as np
import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import gen_attacks  # noqa: E402
import gen_malicious  # noqa: E402
from pickle_ext import registry as reg  # noqa: E402
from pickle_ext import safeload  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.naive_bayes import GaussianNB  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeRegressor  # noqa: E402

PY = "/usr/bin/python3"
FORMS = ["p0", "p2", "p4", "p5", "joblib", "joblib_zlib"]


def _dumps(est, form):
    if form.startswith("p"):
        import pickle
        return pickle.dumps(est, protocol=int(form[1:]))
    buf = io.BytesIO()
    joblib.dump(est, buf, compress=("zlib", 3) if form == "joblib_zlib" else 0)
    return buf.getvalue()


def _models():
    rng = np.random.RandomState(7)
    X = rng.rand(80, 4)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    ys = np.array(["no", "yes"], dtype=object)[y]
    return X, [
        ("logreg_str", LogisticRegression().fit(X, ys)),
        ("forest", RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)),
        ("tree_reg", DecisionTreeRegressor(max_depth=4).fit(X, X[:, 2])),
        ("pipe", make_pipeline(StandardScaler(), Ridge()).fit(X, X[:, 3])),
        ("knn", KNeighborsClassifier(3).fit(X, ys)),
        ("svc", SVC().fit(X, y)),
        ("nb", GaussianNB().fit(X, y)),
    ]


@pytest.fixture
def conn(so_path):
    c = reg.connect(":memory:", ext=so_path)
    yield c
    c.close()


@pytest.mark.parametrize("form", FORMS)
def test_safe_models_load_and_predict_like_the_original(conn, form):
    X, models = _models()
    for name, est in models:
        reg.register(conn, name, _dumps(est, form), aliases=["production"])
        got = reg.load(conn, name + "@production")
        assert type(got) is type(est), name
        want, ours = est.predict(X), got.predict(X)
        assert ours.dtype == want.dtype and (ours == want).all(), (name, form)


def test_object_array_nested_pickle_is_restricted_too(conn):
    """joblib stores an object array as a nested pickle: it is read by the restricted unpickler."""
    X, models = _models()
    est = dict(models)["logreg_str"]
    assert est.classes_.dtype == object
    reg.register(conn, "m", _dumps(est, "joblib"))
    got = reg.load(conn, "m")
    assert got.classes_.dtype == object and list(got.classes_) == ["no", "yes"]


def test_sha256_is_checked_first(conn):
    X, models = _models()
    reg.register(conn, "m", _dumps(models[1][1], "p4"))
    conn.execute("DROP TRIGGER ml_versions_immutable")
    conn.execute("UPDATE ml_versions SET sha256 = ? WHERE name = 'm'", ("0" * 64,))
    with pytest.raises(reg.RegistryError, match="does not match its sha256"):
        reg.load(conn, "m")


def test_unknown_global_raises_before_import(so_path, tmp_path):
    """A global outside the admitted set raises UnsafeGlobal and its module is never imported."""
    mod = tmp_path / "pk_probe_mod.py"
    mod.write_text("import pathlib\npathlib.Path(%r).write_text('imported')\nclass C: pass\n"
                   % str(tmp_path / "marker"))
    data = b"\x80\x04cpk_probe_mod\nC\n)\x81."
    conn = sqlite3.connect(":memory:")
    from conftest import load_ext
    load_ext(conn, so_path)
    info = json.loads(conn.execute("SELECT pickle_info(?)", (data,)).fetchone()[0])
    assert info["safe"] is False and info["unsafe_globals"] == ["pk_probe_mod.C"]
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(safeload.UnsafeGlobal, match="pk_probe_mod.C"):
            safeload.loads(data, info)
        # named by the caller only, or recorded only: still refused
        with pytest.raises(safeload.UnsafeGlobal):
            safeload.loads(data, info, allow=["pk_probe_mod.C"])
        with pytest.raises(safeload.UnsafeGlobal):
            safeload.loads(data, info, recorded=["pk_probe_mod.C"])
        assert not (tmp_path / "marker").exists()
        # in both: admitted (the module is imported only now)
        obj = safeload.loads(data, info, allow=["pk_probe_mod.C"], recorded=["pk_probe_mod.C"])
        assert type(obj).__name__ == "C" and (tmp_path / "marker").exists()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("pk_probe_mod", None)


SANDBOX_SCRIPT = r"""
import json, sys
sys.path.insert(0, %(pkg)r)
from pickle_ext import safeload
out = {}
for name, hexdata, info in json.load(open(%(cases)r)):
    try:
        safeload.loads(bytes.fromhex(hexdata), info)
        out[name] = "LOADED"
    except Exception as e:
        out[name] = type(e).__name__
print(json.dumps(out))
"""


def test_no_malicious_fixture_loads(so_path, tmp_path):
    """The verdicts are taken here (the extension is not loaded in the sandbox, which runs the
    restricted loader only, in a plain interpreter); the payloads' globals as an allowance are
    refused by the extension."""
    from conftest import load_ext
    marker = tmp_path / "marker"
    conn = load_ext(sqlite3.connect(":memory:"), so_path)
    cases = [(p[0], p[1]) for p in gen_malicious.payloads(str(marker))]
    cases += [(a["name"], a["data"]) for a in gen_attacks.attacks(str(marker))]
    judged = []
    for name, data in cases:
        try:
            info_text, plain = conn.execute("SELECT pickle_info(?1), pickle_decompress(?1)",
                                            (data,)).fetchone()
        except sqlite3.Error:
            continue  # no verdict: every consumer refuses it
        info = json.loads(info_text)
        assert info["safe"] is False, name
        judged.append((name, bytes(plain).hex(), info))
        with pytest.raises(sqlite3.Error, match="ml_registry: cannot register model 'x': "):
            conn.execute("SELECT ml_pickle_meta(?, 'x', ?)",
                         (data, json.dumps(info.get("unsafe_globals") or []))).fetchone()
    assert len(judged) >= len(cases) - 6
    (tmp_path / "cases.json").write_text(json.dumps(judged))
    code = SANDBOX_SCRIPT % dict(pkg=os.path.join(REPO, "bindings", "python"),
                                 cases=str(tmp_path / "cases.json"))
    prefix = ["unshare", "-rn"] if shutil.which("unshare") and subprocess.run(
        ["unshare", "-rn", "true"], capture_output=True).returncode == 0 else []
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
    cmd = "ulimit -v 2000000; exec timeout 60 %s %s -c \"$0\"" % (" ".join(prefix), PY)
    r = subprocess.run(["sh", "-c", cmd, code], cwd=str(tmp_path), capture_output=True,
                       timeout=90, env=env)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    out = json.loads(r.stdout)
    assert sorted(out) == sorted(j[0] for j in judged)
    for name, res in out.items():
        assert res == "UnsafeGlobal", (name, res)
    assert not marker.exists(), "a payload ran"
