"""docs/estimators.md is exactly what scripts/gen_estimator_table.py generates from the
catalogue (so it is never edited by hand and never stale)."""
import os
import subprocess
import sys

from conftest import REPO


def test_estimator_table_is_current():
    out = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_estimator_table.py")],
                         check=True, capture_output=True, text=True).stdout
    with open(os.path.join(REPO, "docs", "estimators.md"), encoding="utf-8") as f:
        assert f.read() == out, ("docs/estimators.md is stale: run /usr/bin/python3 "
                                 "scripts/gen_estimator_table.py > docs/estimators.md")


def test_table_agrees_with_model_supported(db):
    with open(os.path.join(REPO, "docs", "estimators.md"), encoding="utf-8") as f:
        lines = [l for l in f if l.startswith("| `")]
    scored = {l.split("`")[1] for l in lines if l.split("|")[4].strip()}
    supported = {r[0] for r in db.execute("SELECT class FROM model_supported()")}
    assert scored <= supported, scored - supported
