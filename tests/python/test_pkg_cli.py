"""The Python package's command line and report without installing it (bindings/python on the
path, the extension from $PICKLE_EXT_SO): bulk import (refused files reported, the others kept,
progress lines), the progress bar's format, and the report's content and escaping. The installed
package is tested by tests/packaging/test_python_pkg.sh, the page in a browser by test_report.sh.
"""
import io
import os
import pickle
import sqlite3
import subprocess
import sys

from sklearn.linear_model import LogisticRegression

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
from pickle_ext import report  # noqa: E402
from pickle_ext import registry as reg  # noqa: E402
from pickle_ext.progress import ProgressBar  # noqa: E402

# A pickle the registry must refuse: os.system.
UNSAFE = bytes.fromhex("8002636f730a73797374656d0a580200000069648552" "2e")


def model(c=1.0):
    return LogisticRegression(C=c).fit([[0, 1], [1, 0], [1, 1], [0, 0]], [0, 1, 1, 0])


def run(tmp_path, so_path, *args):
    env = dict(os.environ, PICKLE_EXT_SO=so_path,
               PYTHONPATH=os.path.join(REPO, "bindings", "python"))
    return subprocess.run([sys.executable, "-m", "pickle_ext"] + list(args), cwd=str(tmp_path),
                          capture_output=True, text=True, env=env)


def test_bulk_import_keeps_going_and_reports(tmp_path, so_path):
    d = tmp_path / "models"
    d.mkdir()
    (d / "a.pkl").write_bytes(pickle.dumps(model(1.0)))
    (d / "b.pkl").write_bytes(UNSAFE)
    (d / "c.joblib").write_bytes(pickle.dumps(model(2.0)))
    (d / "notes.txt").write_text("ignored")
    p = run(tmp_path, so_path, "--db", "r.db", "import", "models", "--progress")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "registered a version 1 from models/a.pkl" in p.stdout
    assert "registered c version 1 from models/c.joblib" in p.stdout
    assert "imported 2 of 3 files" in p.stdout
    assert "refused models/b.pkl:" in p.stderr and "os.system" in p.stderr
    assert "pickle_ext: 1 file(s) refused" in p.stderr
    bars = [l for l in p.stderr.splitlines() if l.startswith("importing [")]
    assert [b.split("] ")[1].split()[0] for b in bars] == ["0/3", "1/3", "2/3", "3/3"]
    assert bars[-1].startswith("importing [" + "#" * 30 + "] 3/3 100% done in ")
    conn = reg.connect(str(tmp_path / "r.db"), so_path)
    assert [(r["name"], r["version"]) for r in reg.versions(conn)] == [("a", 1), ("c", 1)]
    conn.close()


def test_import_as_versions_of_one_model(tmp_path, so_path):
    for i in range(3):
        (tmp_path / ("m%d.pkl" % i)).write_bytes(pickle.dumps(model(1.0 + i)))
    p = run(tmp_path, so_path, "--db", "r.db", "import", "m0.pkl", "m1.pkl", "m2.pkl",
            "--name", "churn", "--alias", "staging", "--no-progress")
    assert p.returncode == 0, p.stderr
    assert "importing" not in p.stderr
    conn = reg.connect(str(tmp_path / "r.db"), so_path)
    rows = reg.versions(conn, "churn")
    assert [(r["version"], r["aliases"]) for r in rows] == [(1, []), (2, []), (3, ["staging"])]
    conn.close()


def test_progress_bar_on_a_terminal_redraws_one_line():
    out = io.StringIO()
    bar = ProgressBar(out, width=10, tty=True)
    bar(0, 2, "/x/a.pkl")
    bar(1, 2, "/x/b.pkl")
    bar(2, 2, None)
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    parts = text.split("\r")[1:]
    assert parts[0].startswith("importing [..........] 0/2   0% a.pkl")
    assert parts[1].startswith("importing [#####.....] 1/2  50% b.pkl")
    assert parts[2].startswith("importing [##########] 2/2 100% done in")


def test_report_escapes_and_describes(tmp_path, so_path):
    db = str(tmp_path / "r.db")
    conn = reg.connect(db, so_path)
    reg.register(conn, "m", model(), metrics={"auc": 0.5, "note": "x<y"},
                 description='<script>alert("x")</script>', aliases=["prod"])
    reg.register(conn, "m", model(3.0), metrics={"auc": 0.75})
    conn.close()
    p = run(tmp_path, so_path, "report", "r.db", "-o", "out.html", "--title", "T&C")
    assert p.returncode == 0, p.stderr
    assert "wrote out.html (1 models, 2 versions)" in p.stdout
    html = (tmp_path / "out.html").read_text()
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<title>pickle_ext registry: T&amp;C</title>" in html
    assert 'id="v-m-1"' in html and 'id="v-m-2"' in html
    assert "<title>auc per version</title>" in html and "note per version" not in html
    assert "@prod = version 1 from " in html and "(current)" in html
    assert html.count('<span class="badge ok"') == 4  # table + details, two versions
    assert "sklearn.linear_model._logistic.LogisticRegression" in html


def test_report_needs_a_registry(tmp_path, so_path):
    sqlite3.connect(str(tmp_path / "empty.db")).execute("CREATE TABLE t(x)").connection.close()
    p = run(tmp_path, so_path, "report", "empty.db")
    assert p.returncode == 1
    assert "this database has no registry" in p.stderr
    p = run(tmp_path, so_path, "report", "missing.db")
    assert p.returncode == 1 and "no database missing.db" in p.stderr
    assert not (tmp_path / "missing.db").exists()


def test_report_collect_reads_only_sql(tmp_path, so_path):
    db = str(tmp_path / "r.db")
    conn = reg.connect(db, so_path)
    reg.register(conn, "m", model())
    data = report.collect(conn)
    conn.close()
    (m,) = data["models"]
    (v,) = m["versions"]
    assert v["pickle_info"]["safe"] is True and v["pickle_info"]["unsafe_globals"] == []
    assert v["model_info"]["supported"] is True
    assert v["model_info"]["methods"][:1] == ["predict"]
    assert v["params"]["C"] == 1.0 and v["classes"] == [0, 1]
