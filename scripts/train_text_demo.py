#!/usr/bin/python3
"""Writes demo/models/spam_text.pkl (a TfidfVectorizer + LinearSVC pipeline) and
demo/models/spam_vectorizer.pkl (its vectorizer alone), the text models docs/text.md runs.
Deterministic: a fixed corpus, liblinear with random_state=0, pickle protocol 4.

    /usr/bin/python3 scripts/train_text_demo.py
"""
import os
import pickle

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

SPAM = ["WIN a FREE prize now", "free money, click now!", "urgent: claim your prize",
        "cheap pills, free shipping", "you are a winner, click here", "¡Oferta gratis! dinero fácil",
        "Gewinnen Sie jetzt Geld", "free free free"]
HAM = ["meeting moved to tomorrow", "please review the budget report", "lunch at noon?",
       "the project deadline is Friday", "notes from today's team meeting", "reunión mañana a las 10",
       "Die Besprechung ist morgen", "can you send the slides"]

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), strip_accents="unicode"),
                      LinearSVC(random_state=0))
model.fit(SPAM + HAM, ["spam"] * len(SPAM) + ["ham"] * len(HAM))
with open(os.path.join(ROOT, "demo/models/spam_text.pkl"), "wb") as f:
    pickle.dump(model, f, protocol=4)
with open(os.path.join(ROOT, "demo/models/spam_vectorizer.pkl"), "wb") as f:
    pickle.dump(model[0], f, protocol=4)
for d in ["Free prize, click now", "budget meeting tomorrow", "Reunión: oferta gratis"]:
    print(d, model.predict([d])[0], model.decision_function([d])[0])
