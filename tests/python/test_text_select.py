"""Feature selectors and Normalizer after a text vectorizer (ext/model/pk_select.c,
pk_preprocess.c, pk_vectorizer.c): the row stays sparse through them, as in scikit-learn (a
selector keeps the selected entries in the row's data order, renumbered; Normalizer's l1/l2 sum
in data order, 'max' first sorts the columns), so the next step's sparse kernel sums exactly as
scipy does. Every unseen document of test_text_models' corpus is compared with scikit-learn:
labels equal, decision functions bit-identical, probabilities within 1e-13 relative (libm's exp
and log beside numpy's), a vectorizer + selector's model_transform equal to its transform.
A dense-only step after a selector is fed the selected row made dense (the fallback counts the
selector's columns, not the vocabulary's)."""
import json
import pickle

import numpy as np
import pytest
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfVectorizer
from sklearn.feature_selection import (RFE, SelectFromModel, SelectKBest, SelectPercentile,
                                       VarianceThreshold, chi2, f_classif)
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer
from sklearn.svm import LinearSVC

from test_text_models import TEST, TRAIN, YBIN, YTRAIN, close, column

P = make_pipeline
f32 = np.float32

PIPELINES = {
    "tfidf12_kbest_chi2_svc": (lambda: P(TfidfVectorizer(ngram_range=(1, 2)),
                                         SelectKBest(chi2, k=300), LinearSVC()), "bin"),
    "tfidf_kbest_chi2_svc_multi": (lambda: P(TfidfVectorizer(), SelectKBest(chi2, k=150),
                                             LinearSVC()), "multi"),
    "count_percentile_chi2_mnb": (lambda: P(CountVectorizer(), SelectPercentile(chi2, percentile=20),
                                            MultinomialNB()), "multi"),
    "tfidf_kbest_fclassif_logreg": (lambda: P(TfidfVectorizer(), SelectKBest(f_classif, k=100),
                                              LogisticRegression(max_iter=500)), "multi"),
    "tfidf_f32_percentile_fclassif_svc": (lambda: P(TfidfVectorizer(dtype=f32),
                                                    SelectPercentile(f_classif, percentile=30),
                                                    LinearSVC()), "bin"),
    "tfidf_variance_sgd": (lambda: P(TfidfVectorizer(), VarianceThreshold(1e-4),
                                     SGDClassifier(loss="log_loss", random_state=0)), "multi"),
    "tfidf_frommodel_svc": (lambda: P(TfidfVectorizer(),
                                      SelectFromModel(LinearSVC(penalty="l1", dual=False, C=2)),
                                      LinearSVC()), "multi"),
    "tfidf_kbest_svd_logreg": (lambda: P(TfidfVectorizer(), SelectKBest(chi2, k=200),
                                         TruncatedSVD(10, random_state=0),
                                         LogisticRegression(max_iter=500)), "multi"),
    "tfidf_kbest_forest": (lambda: P(TfidfVectorizer(), SelectKBest(chi2, k=120),
                                     RandomForestClassifier(20, random_state=0)), "multi"),
    "tfidf_kbest_normalizer_svc": (lambda: P(TfidfVectorizer(), SelectKBest(chi2, k=250),
                                             Normalizer(), LinearSVC()), "multi"),
    "tfidf_l1_normalizer_svc": (lambda: P(TfidfVectorizer(), Normalizer("l1"), LinearSVC()), "bin"),
    "tfidf_max_normalizer_logreg": (lambda: P(TfidfVectorizer(), Normalizer("max"),
                                              LogisticRegression(max_iter=500)), "multi"),
    "tfidf_f32_max_normalizer_svc": (lambda: P(TfidfVectorizer(dtype=f32), Normalizer("max"),
                                               LinearSVC()), "multi"),
    "count_l2_normalizer_cnb": (lambda: P(CountVectorizer(), Normalizer(), ComplementNB()),
                                "multi"),
    "hashing_max_normalizer_sgd": (lambda: P(HashingVectorizer(norm=None, n_features=2 ** 12),
                                             Normalizer("max"),
                                             SGDClassifier(random_state=0)), "bin"),
    "tfidf_rfe": (lambda: P(TfidfVectorizer(), RFE(LinearSVC(), n_features_to_select=200,
                                                   step=0.5)), "multi"),
    "tfidf_rfe_then_logreg": (lambda: P(TfidfVectorizer(),
                                        RFE(LinearSVC(), n_features_to_select=200, step=0.5),
                                        LogisticRegression(max_iter=500)), "bin"),
}


@pytest.fixture(scope="module")
def fitted():
    return {name: make().fit(TRAIN, YBIN if target == "bin" else YTRAIN)
            for name, (make, target) in PIPELINES.items()}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline(db, fitted, name):
    model = fitted[name]
    blob = pickle.dumps(model)
    info = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    assert info["supported"] and info["input"] == "text", info
    assert list(model.predict(TEST)) == column(db, "model_predict", blob)
    if "decision_function" in info["methods"]:
        want = model.decision_function(TEST)
        for d, w, g in zip(TEST, want, column(db, "model_decision_function", blob)):
            g = json.loads(g) if isinstance(g, str) else g
            assert np.array_equal(np.asarray(g), w), (d, g, w)
    if "predict_proba" in info["methods"]:
        # TruncatedSVD's components are summed densely by numpy (BLAS order): 1e-12 there
        rel = 1e-12 if "svd" in name else 1e-13
        want = model.predict_proba(TEST)
        for d, w, g in zip(TEST, want, column(db, "model_predict_proba", blob)):
            assert close(json.loads(g), w, rel), (d, g, list(w))


@pytest.mark.parametrize("sel", [SelectKBest(chi2, k=77), SelectPercentile(f_classif, percentile=5),
                                 Normalizer("max")])
def test_transform_equals_sklearn(db, sel):
    model = P(TfidfVectorizer(ngram_range=(1, 2)), sel).fit(TRAIN, YTRAIN)
    blob = pickle.dumps(model)
    X = model.transform(TEST).tocsr()
    X.sort_indices()
    for i, (d, g) in enumerate(zip(TEST, column(db, "model_transform", blob))):
        g = json.loads(g)
        lo, hi = X.indptr[i], X.indptr[i + 1]
        want = dict(zip(X.indices[lo:hi].tolist(), X.data[lo:hi].tolist()))
        assert g == {str(k): v for k, v in sorted(want.items())}, d


def test_dense_fallback_counts_selected_columns(db):
    """A dense-only step (a forest) after 2**18 hashed columns is refused (at most 100,000 are
    made dense); after a selector keeping 60 of them it is scored, exactly."""
    vec = HashingVectorizer(n_features=2 ** 18, alternate_sign=False)
    wide = P(vec, RandomForestClassifier(10, random_state=0)).fit(TRAIN, YTRAIN)
    info = json.loads(db.execute("SELECT model_info(?)", (pickle.dumps(wide),)).fetchone()[0])
    assert not info["supported"] and "at most 100000 are made dense" in json.dumps(info), info
    model = P(vec, SelectKBest(chi2, k=60), RandomForestClassifier(10, random_state=0))
    model.fit(TRAIN, YTRAIN)
    blob = pickle.dumps(model)
    assert list(model.predict(TEST)) == column(db, "model_predict", blob)
    for w, g in zip(model.predict_proba(TEST), column(db, "model_predict_proba", blob)):
        assert np.array_equal(np.asarray(json.loads(g)), w)
