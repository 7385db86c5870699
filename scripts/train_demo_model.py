#!/usr/bin/python3
"""train_demo_model.py - trains the demo's customer-segmentation models (run once; the results
are committed so `make demo` needs no Python).

    /usr/bin/python3 scripts/train_demo_model.py        # rewrites demo/models/*

Training data: demo/customers.sql (the same deterministic SQL the demo runs), loaded into an
in-memory SQLite database. Both models are Pipeline(StandardScaler, KMeans) over
(recency, frequency, monetary, age), fit on a DataFrame so the pickles record the feature names:

  segments_v1.pkl  4 segments, fit on a 20% sample (customers whose id is a multiple of 5)
  segments_v2.pkl  the retrained model: 5 segments, fit on another 20% sample (id % 5 == 1)

(KMeans keeps labels_, one entry per training row, in the pickle: the samples keep the committed
files near 80 KB.)

Beside each pickle, segments_vN.json holds the metrics the demo registers with it (inertia per
customer, silhouette on a fixed 5,000-customer sample, training rows). Fixed seeds: rerunning with
the same scikit-learn gives the same models. Needs Debian's python3-sklearn and python3-pandas.
"""
import json
import os
import pickle
import sqlite3

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(REPO, "demo")
FEATURES = ["recency", "frequency", "monetary", "age"]


def customers():
    conn = sqlite3.connect(":memory:")
    with open(os.path.join(DEMO, "customers.sql")) as f:
        conn.executescript(f.read())
    df = pd.read_sql_query("SELECT id, %s FROM customers ORDER BY id" % ", ".join(FEATURES), conn)
    conn.close()
    return df


def train(df, n_clusters, seed):
    model = Pipeline([("scale", StandardScaler()),
                      ("kmeans", KMeans(n_clusters=n_clusters, n_init=10, random_state=seed))])
    model.fit(df[FEATURES])
    return model


def metrics(model, df, all_df):
    sample = all_df[all_df["id"] % 20 == 7][FEATURES]  # 5,000 customers
    labels = model.predict(sample)
    scaled = model.named_steps["scale"].transform(sample)
    return {
        "n_clusters": int(model.named_steps["kmeans"].n_clusters),
        "inertia_per_customer": round(float(model.named_steps["kmeans"].inertia_) / len(df), 4),
        "silhouette": round(float(silhouette_score(scaled, labels)), 4),
        "train_rows": int(len(df)),
    }


def main():
    os.makedirs(os.path.join(DEMO, "models"), exist_ok=True)
    df = customers()
    runs = [("segments_v1", df[df["id"] % 5 == 0], 4, 42),
            ("segments_v2", df[df["id"] % 5 == 1], 5, 7)]
    for name, data, k, seed in runs:
        model = train(data, k, seed)
        with open(os.path.join(DEMO, "models", name + ".pkl"), "wb") as f:
            f.write(pickle.dumps(model, protocol=4))
        m = metrics(model, data, df)
        with open(os.path.join(DEMO, "models", name + ".json"), "w") as f:
            json.dump(m, f, sort_keys=True)
            f.write("\n")
        print(name, m)


if __name__ == "__main__":
    main()
