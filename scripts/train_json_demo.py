#!/usr/bin/python3
"""Writes the example models of docs/tabular.md's sections on JSON rows, MultiLabelBinarizer and
TargetEncoder (deterministic; run with Debian's /usr/bin/python3, scikit-learn 1.2.1):

    /usr/bin/python3 scripts/train_json_demo.py

  demo/models/weather_dicts.pkl       Pipeline(DictVectorizer(), LogisticRegression) predicting
                                      'rain' or 'dry' from weather records (city, temp, tags)
  demo/models/weather_vectorizer.pkl  its DictVectorizer alone
  demo/models/tags_hasher.pkl         FeatureHasher(n_features=8, input_type='string')
  demo/models/genres.pkl              MultiLabelBinarizer of four film genres
  demo/models/city_target.pkl         TargetEncoder(smooth=2.0) of city and plan for a price
                                      (scikit-learn >= 1.3's class, made with the stand-in of
                                      tests/python/target_encoder.py)
"""
import os
import pickle
import sys

import numpy as np
import pandas as pd
from sklearn.feature_extraction import DictVectorizer, FeatureHasher
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import target_encoder  # noqa: E402


def save(obj, name):
    with open(os.path.join(ROOT, "demo", "models", name), "wb") as f:
        pickle.dump(obj, f, protocol=4)


def main():
    rng = np.random.default_rng(21)
    cities = ["paris", "oslo", "lima", "tokyo"]
    records, y = [], []
    for _ in range(400):
        city = str(rng.choice(cities))
        temp = float(np.round(rng.normal(12, 8), 1))
        tags = sorted({str(t) for t in rng.choice(["wind", "cloud", "snow", "sun"], rng.integers(0, 3))})
        records.append({"city": city, "temp": temp, "tags": tags})
        wet = ("cloud" in tags) + (city in ("oslo", "paris")) * 0.5 - ("sun" in tags) + \
            rng.normal(0, 0.4)
        y.append("rain" if wet > 0.4 else "dry")
    model = make_pipeline(DictVectorizer(), LogisticRegression()).fit(records, y)
    save(model, "weather_dicts.pkl")
    save(model[0], "weather_vectorizer.pkl")
    save(FeatureHasher(n_features=8, input_type="string").fit([]), "tags_hasher.pkl")
    save(MultiLabelBinarizer().fit([["drama", "sci-fi"], ["comedy"], ["western", "drama"]]),
         "genres.pkl")
    df = pd.DataFrame({"city": rng.choice(cities, 300), "plan": rng.choice(["basic", "pro"], 300)})
    price = 100 + 40 * (df["plan"] == "pro") + 25 * (df["city"] == "tokyo") + rng.normal(0, 10, 300)
    save(target_encoder.make(smooth=2.0).fit(df, price), "city_target.pkl")
    # what scikit-learn answers for the examples of docs/tabular.md
    print(model.predict([{"city": "oslo", "temp": -3.5, "tags": ["snow", "wind"]},
                         {"city": "lima", "temp": 19}]))
    print(model[0].transform({"city": "oslo", "temp": -3.5, "country": "no"}))
    print(model[0].feature_names_)


if __name__ == "__main__":
    main()
