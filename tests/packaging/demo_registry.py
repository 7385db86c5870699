#!/usr/bin/python3
"""demo_registry.py DB - builds the registry the report test renders: the demo's `segments` model
(demo/models/segments_v1.pkl and _v2.pkl with their metrics, `production` moved from version 1 to
2, a `staging` alias set then removed) and a `churn` classifier trained here (three versions,
version 2 deleted, `production` moved to version 3), with a pinned clock (temp.ml_clock) so the
events spread over ten days. The churn model's description holds markup and a URL that a correct
report must show as text (escaped) and never fetch.

Uses pickle_ext.registry from the installed package, or from bindings/python in the repository
($PICKLE_EXT_SO or dist/pickle_ext.so); needs scikit-learn (/usr/bin/python3).
"""
import json
import os
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
try:
    from pickle_ext import registry as reg
except ImportError:
    sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
    from pickle_ext import registry as reg

HOSTILE = ('churn model <script>console.error("injected script ran")</script>'
           '<img src="https://example.com/tracker.png"> & more')


def main(db):
    if os.path.exists(db):
        os.remove(db)
    conn = reg.connect(db)
    conn.execute("CREATE TEMP TABLE ml_clock(now TEXT)")
    conn.execute("INSERT INTO ml_clock VALUES ('')")

    def at(day, hour):
        with conn:
            conn.execute("UPDATE ml_clock SET now = ?",
                         ("2026-03-%02dT%02d:00:00.000Z" % (day, hour),))

    def demo(n):
        with open(os.path.join(REPO, "demo", "models", "segments_v%d.pkl" % n), "rb") as f:
            blob = f.read()
        with open(os.path.join(REPO, "demo", "models", "segments_v%d.json" % n)) as f:
            return blob, json.load(f)

    rng = np.random.RandomState(3)
    X = rng.normal(size=(300, 4))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=300) > 0, "churn", "stay")

    at(1, 9)
    blob, metrics = demo(1)
    reg.register(conn, "segments", blob, metrics=metrics, aliases=["production"],
                 description="customer segments from recency, frequency, monetary, age",
                 source="scripts/train_demo_model.py")
    at(2, 10)
    reg.register(conn, "churn", LogisticRegression(C=0.1).fit(X, y), metrics={"auc": 0.81,
                 "f1": 0.70}, aliases=["production"], description=HOSTILE, source="notebook")
    at(5, 11)
    reg.register(conn, "churn", LogisticRegression(C=1.0).fit(X, y),
                 metrics={"auc": 0.84, "f1": 0.73}, source="notebook")
    at(8, 9)
    blob, metrics = demo(2)
    reg.register(conn, "segments", blob, metrics=metrics, aliases=["staging"],
                 description="retrained: 5 segments", source="scripts/train_demo_model.py")
    at(9, 14)
    reg.register(conn, "churn", LogisticRegression(C=3.0).fit(X[:, :4], y),
                 metrics={"auc": 0.86, "f1": 0.75}, source="notebook")
    reg.set_alias(conn, "churn", "production", 3)
    with conn:
        conn.execute("DELETE FROM ml_registry WHERE name = 'churn' AND version = 2")
    at(10, 8)
    reg.set_alias(conn, "segments", "production", 2)
    reg.remove_alias(conn, "segments", "staging")
    conn.close()


if __name__ == "__main__":
    main(sys.argv[1])
