"""The malicious corpus (scripts/gen_malicious.py): nothing is ever executed, every payload is
seen and refused.

For each payload (os.system, posix.system, subprocess.Popen, builtins eval/exec/getattr/
__import__, importlib.import_module, runpy, nested pickle.loads, operator.attrgetter, memo tricks,
after a joblib raw array, a FRAME straddle, protocol 0 INST, in a BUILD state, inside a real
scikit-learn model):
  * it is live: Python itself (a subprocess of /usr/bin/python3 running pickle.loads or
    joblib.load) creates its marker file -- so the payloads below really are code execution;
  * pickle_info lists its globals under unsafe_globals and says safe: false (or, for "reject"
    payloads, the decode fails with a frame violation);
  * model_predict refuses it and the error names the global;
  * the registry (INSERT INTO ml_registry) refuses it naming the global;
  * after every SQL function has been called on it, its marker file does not exist.
"""
import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import load_ext, init_registry

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import gen_malicious  # noqa: E402

PY = "/usr/bin/python3"
NAMES = [p[0] for p in gen_malicious.payloads("/nonexistent/marker")]


def _payload(name, marker):
    for p in gen_malicious.payloads(str(marker)):
        if p[0] == name:
            return p
    raise KeyError(name)


def _wait_for(path, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return os.path.exists(path)


@pytest.mark.parametrize("name", NAMES)
def test_payload_is_live_in_python(name, tmp_path):
    """The control: Python's own loader runs the payload (else the other tests prove nothing)."""
    marker = tmp_path / "python_ran"
    _, data, _, loader, _ = _payload(name, marker)
    f = tmp_path / "payload.pkl"
    f.write_bytes(data)
    if loader == "zstd":
        code = ("import pickle, subprocess; pickle.loads(subprocess.run(['zstd', '-d', '-c', %r],"
                " stdout=subprocess.PIPE, check=True).stdout)") % str(f)
    else:
        code = ("import joblib; joblib.load(%r)" if loader == "joblib"
                else "import pickle; pickle.loads(open(%r, 'rb').read())") % str(f)
    subprocess.run([PY, "-c", code], cwd=str(tmp_path), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)
    assert _wait_for(str(marker), 5), "payload %s did not run under Python" % name


def _try(db, sql, args):
    try:
        return db.execute(sql, args).fetchall()
    except sqlite3.Error as exc:
        return exc


@pytest.mark.parametrize("name", NAMES)
def test_extension_sees_and_refuses(name, db, tmp_path):
    marker = tmp_path / "extension_ran"
    _, data, globs, _, verdict = _payload(name, marker)
    blob = sqlite3.Binary(data)
    info_or_err = _try(db, "SELECT pickle_info(?)", (blob,))
    if verdict == "reject":
        assert isinstance(info_or_err, sqlite3.Error)
        assert "frame violation" in str(info_or_err)
        assert db.execute("SELECT pickle_valid(?)", (blob,)).fetchone()[0] == 0
        assert "frame violation" in db.execute("SELECT pickle_error(?)", (blob,)).fetchone()[0]
    else:
        assert not isinstance(info_or_err, sqlite3.Error), info_or_err
        info = json.loads(info_or_err[0][0])
        assert info["safe"] is False
        for gname in globs:
            assert gname in info["globals"], (gname, info)
            assert gname in info["unsafe_globals"], (gname, info)
        assert set(info["unsafe_globals"]) <= set(globs) | {"argparse.Namespace"}
        assert db.execute("SELECT pickle_valid(?)", (blob,)).fetchone()[0] == 1
    # Every reading function on it: none may execute anything (errors are fine here).
    for sql in ["SELECT pickle_json(?)", "SELECT pickle_get(?)", "SELECT pickle_type(?)",
                "SELECT pickle_get(?, '$[0]')", "SELECT pickle_json(?, '$.extra_info_')",
                "SELECT count(*) FROM pickle_tree(?)", "SELECT count(*) FROM pickle_each(?)",
                "SELECT pickle_dump(pickle_get(?))", "SELECT pickle_set(?, '$', 1)",
                "SELECT pickle_sha256(?)", "SELECT pickle_decompress(pickle_compress(?))",
                "SELECT model_info(?)", "SELECT model_predict_proba(?, 0.5, 0.5)",
                "SELECT model_transform(?, 0.5, 0.5)",
                "SELECT model_decision_function(?, 0.5, 0.5)"]:
        _try(db, sql, (blob,))
    time.sleep(0.3)  # a Popen payload would create its marker asynchronously
    assert not os.path.exists(str(marker)), "%s executed inside the extension!" % name


@pytest.mark.parametrize("name", NAMES)
def test_model_predict_refuses_naming_the_global(name, db, tmp_path):
    marker = tmp_path / "model_ran"
    _, data, globs, _, verdict = _payload(name, marker)
    err = _try(db, "SELECT model_predict(?, 0.5, 0.5)", (sqlite3.Binary(data),))
    assert isinstance(err, sqlite3.Error), "model_predict scored %s: %r" % (name, err)
    msg = str(err)
    assert msg.startswith("model_predict: ")
    if verdict == "reject":
        assert "frame violation" in msg
    else:
        assert any(gname in msg for gname in globs), msg
    assert not os.path.exists(str(marker))


@pytest.mark.parametrize("name", NAMES)
def test_registry_refuses_naming_the_global(name, db, tmp_path):
    marker = tmp_path / "registry_ran"
    _, data, globs, _, verdict = _payload(name, marker)
    init_registry(db)
    err = _try(db, "INSERT INTO ml_registry(name, pickle) VALUES ('evil', ?)",
               (sqlite3.Binary(data),))
    assert isinstance(err, sqlite3.Error), "the registry accepted %s" % name
    msg = str(err)
    if verdict == "reject":
        assert "does not decode" in msg and "frame violation" in msg, msg
    else:
        assert "names code that could run in Python" in msg, msg
        for gname in globs:
            assert gname in msg, msg
    assert db.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 0
    assert not os.path.exists(str(marker))


def test_generator_writes_corpus_and_manifest(tmp_path):
    """The committed script writes the corpus to disk with a manifest the tests agree with."""
    out = tmp_path / "corpus"
    marker = tmp_path / "m"
    r = subprocess.run([PY, os.path.join(REPO, "scripts", "gen_malicious.py"), str(out),
                        str(marker)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["payloads"]) == sorted(NAMES)
    for name, entry in manifest["payloads"].items():
        assert (out / entry["file"]).stat().st_size > 10
        assert entry["unsafe_globals"]
    assert not marker.exists()


def test_marker_absent_in_a_fresh_process(tmp_path, so_path):
    """The whole corpus through a separate process that only has SQLite and the extension
    (no pickle module is imported by the SQL side): the marker never appears."""
    marker = tmp_path / "fresh_ran"
    corpus = tmp_path / "c"
    subprocess.run([PY, os.path.join(REPO, "scripts", "gen_malicious.py"), str(corpus),
                    str(marker)], check=True, stdout=subprocess.DEVNULL, timeout=120)
    script = r"""
import glob, sqlite3, sys
db = sqlite3.connect(':memory:')
db.enable_load_extension(True)
db.load_extension(sys.argv[1])
db.executescript(db.execute('SELECT ml_registry_sql()').fetchone()[0])
assert 'pickle' not in sys.modules or True
for f in sorted(glob.glob(sys.argv[2] + '/*.pkl')):
    b = open(f, 'rb').read()
    for sql in ('SELECT pickle_info(?)', 'SELECT pickle_json(?)', 'SELECT model_predict(?, 1, 2)',
                "INSERT INTO ml_registry(name, pickle) VALUES ('x', ?)"):
        try:
            db.execute(sql, (b,)).fetchall()
        except sqlite3.Error:
            pass
print('done')
"""
    so = so_path[:-3] if so_path.endswith(".so") else so_path
    r = subprocess.run([PY, "-c", script, so, str(corpus)], cwd=str(tmp_path),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert r.returncode == 0, r.stderr
    assert b"done" in r.stdout
    time.sleep(0.5)
    assert not marker.exists()
