#!/usr/bin/python3
"""Writes the DataFrame-trained example models of docs/tabular.md (deterministic; run with
Debian's /usr/bin/python3, scikit-learn 1.2.1):

    /usr/bin/python3 scripts/train_tabular_demo.py

  demo/models/churn_tabular.pkl  Pipeline(ColumnTransformer(country: SimpleImputer('missing') +
                                 OneHotEncoder(handle_unknown='ignore'); plan: OneHotEncoder();
                                 age, income: SimpleImputer(median) + StandardScaler),
                                 LogisticRegression), fitted on a 2,000-row DataFrame
  demo/models/city_labels.pkl    LabelEncoder of four city names
  demo/churn_sample.csv          eight customers as a CSV file (header, one empty income)
"""
import os
import pickle

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, OneHotEncoder, StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    rng = np.random.default_rng(14)
    n = 2000
    df = pd.DataFrame({"country": rng.choice(["de", "fr", "us", "uk"], n, p=[0.3, 0.3, 0.3, 0.1]),
                       "plan": rng.choice(["basic", "plus", "pro"], n),
                       "age": rng.integers(18, 80, n),
                       "income": rng.normal(50000, 15000, n).round(0)})
    df["country"] = df["country"].astype(object)
    df.loc[rng.random(n) < 0.05, "country"] = np.nan
    df.loc[rng.random(n) < 0.05, "income"] = np.nan
    score = (df["plan"] == "basic") * 1.0 + (80 - df["age"]) / 40 + rng.normal(0, 0.6, n)
    y = (score > 1.3).astype(int)
    ct = ColumnTransformer([
        ("country", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                                  OneHotEncoder(handle_unknown="ignore")), ["country"]),
        ("plan", OneHotEncoder(), ["plan"]),
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), ["age", "income"])])
    model = make_pipeline(ct, LogisticRegression()).fit(df, y)
    with open(os.path.join(ROOT, "demo", "models", "churn_tabular.pkl"), "wb") as f:
        pickle.dump(model, f, protocol=4)
    with open(os.path.join(ROOT, "demo", "models", "city_labels.pkl"), "wb") as f:
        pickle.dump(LabelEncoder().fit(["paris", "tokyo", "lima", "oslo"]), f, protocol=4)
    sample = pd.DataFrame({"id": range(1, 9),
                           "country": ["fr", "de", "us", "", "uk", "fr", "br", "de"],
                           "plan": ["pro", "basic", "plus", "basic", "pro", "plus", "basic", "pro"],
                           "age": [23, 67, 41, 35, 52, 29, 44, 38],
                           "income": ["48000", "61000.50", " 39_500 ", "52000", "", "45000",
                                      "58000", "1e5"]})
    sample.to_csv(os.path.join(ROOT, "demo", "churn_sample.csv"), index=False)
    # what scikit-learn answers for the sample, as pandas.read_csv reads it (empty -> NaN)
    rows = pd.read_csv(os.path.join(ROOT, "demo", "churn_sample.csv"), keep_default_na=False,
                       dtype=str)
    rows["country"] = rows["country"].replace("", np.nan)
    rows["income"] = rows["income"].replace("", np.nan).astype(object)
    rows["income"] = [float(v) if isinstance(v, str) else v for v in rows["income"]]
    rows["age"] = rows["age"].astype(int)
    for i, p in zip(rows["id"], model.predict_proba(rows[["country", "plan", "age", "income"]])[:, 1]):
        print(i, round(p, 6))


if __name__ == "__main__":
    main()
