"""Text pipelines (ext/model/pk_vectorizer.c): 36 pipelines (two nested) fitted with scikit-learn on a
generated multilingual corpus (tests/python/textcorpus.py), scored in SQL on unseen documents,
every document compared with scikit-learn:
  labels equal; decision_function bit-identical (naive Bayes: the joint log-likelihoods are, the
  test checks them through the same sums); predict_proba within 1e-13 relative: exp and log come
  from libm where numpy uses its own SIMD versions, an ulp apart, and an ulp of a log-likelihood
  of -200 is 3e-14 of the probability (how many rows are bit-identical is printed: pytest -s);
  model_transform of a vectorizer equal to vectorizer.transform, indices and values exactly.
Pipelines whose first model step has no sparse kernel are scored on the dense row (the fallback):
tree ensembles stay exact (float32 thresholds), an MLP agrees within 1e-12."""
import json
import pickle

import numpy as np
import pytest
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import (CountVectorizer, HashingVectorizer, TfidfTransformer,
                                             TfidfVectorizer)
from sklearn.linear_model import (LogisticRegression, PassiveAggressiveClassifier, Perceptron,
                                  RidgeClassifier, SGDClassifier)
from sklearn.naive_bayes import BernoulliNB, ComplementNB, MultinomialNB
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from textcorpus import corpus, document
import random

LANGS = {"en": ["en", "punct"], "es": ["es", "punct", "misc"], "de": ["de", "misc"],
         "el": ["el", "tr", "punct"]}


def labelled(seed, n):
    rng = random.Random(seed)
    docs, ys = [], []
    for i in range(n):
        lab = rng.choice(sorted(LANGS))
        langs = LANGS[lab] + ([rng.choice(sorted(LANGS))] if rng.random() < 0.3 else [])
        docs.append(document(rng, langs))
        ys.append(lab)
    return docs, ys


TRAIN, YTRAIN = labelled(7, 600)
YBIN = ["spam" if y in ("en", "de") else "ham" for y in YTRAIN]
TEST = corpus(99, 250) + labelled(8, 150)[0] + ["", " ", "\t\n", "ΣΊΣΥΦΟΣ", "İİİ ııı",
                                                  "x" * 3000, "_ __ ___", "😀😀 😀"]

f32 = np.float32


def P(*steps):
    return make_pipeline(*steps)


PIPELINES = {
    "tfidf_linearsvc_bin": (lambda: P(TfidfVectorizer(), LinearSVC()), "bin"),
    "tfidf_linearsvc_multi": (lambda: P(TfidfVectorizer(), LinearSVC()), "multi"),
    "count_mnb": (lambda: P(CountVectorizer(), MultinomialNB()), "multi"),
    "tfidf_sublinear_12_logreg": (lambda: P(TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
                                            LogisticRegression(max_iter=500)), "multi"),
    "tfidf_l1_noidf_liblinear": (lambda: P(TfidfVectorizer(norm="l1", use_idf=False),
                                           LogisticRegression(solver="liblinear")), "multi"),
    "tfidf_nosmooth_unicode_sgdlog": (lambda: P(TfidfVectorizer(smooth_idf=False,
                                                                strip_accents="unicode"),
                                                SGDClassifier(loss="log_loss", random_state=0)),
                                      "multi"),
    "count_binary_bnb": (lambda: P(CountVectorizer(binary=True), BernoulliNB()), "multi"),
    "count_bnb_binarize": (lambda: P(CountVectorizer(), BernoulliNB(binarize=1.0)), "bin"),
    "count_cnb": (lambda: P(CountVectorizer(), ComplementNB()), "multi"),
    "hashing_sgd_mhuber": (lambda: P(HashingVectorizer(n_features=2 ** 12),
                                     SGDClassifier(loss="modified_huber", random_state=0)), "multi"),
    "hashing_nosign_mnb": (lambda: P(HashingVectorizer(alternate_sign=False, norm=None),
                                     MultinomialNB()), "multi"),
    "hashing_binary_l1_pa": (lambda: P(HashingVectorizer(binary=True, norm="l1", n_features=999),
                                       PassiveAggressiveClassifier(random_state=0)), "bin"),
    "count_char13_perceptron": (lambda: P(CountVectorizer(analyzer="char", ngram_range=(1, 3)),
                                          Perceptron(random_state=0)), "multi"),
    "tfidf_charwb24_ridge": (lambda: P(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)),
                                       RidgeClassifier()), "multi"),
    "tfidf_english_nolower_svc": (lambda: P(TfidfVectorizer(stop_words="english", lowercase=False),
                                            LinearSVC()), "multi"),
    "tfidf_stoplist_logreg": (lambda: P(TfidfVectorizer(stop_words=["el", "der", "the", "σοφός"]),
                                        LogisticRegression(max_iter=500)), "bin"),
    "tfidf_f32_svc": (lambda: P(TfidfVectorizer(dtype=f32), LinearSVC()), "multi"),
    "tfidf_f32_sublinear_logreg": (lambda: P(TfidfVectorizer(dtype=f32, sublinear_tf=True),
                                             LogisticRegression(max_iter=500)), "multi"),
    "count_f32_tfidf_mnb": (lambda: P(CountVectorizer(dtype=f32), TfidfTransformer(),
                                      MultinomialNB()), "multi"),
    "count_tfidf_nonorm_svc": (lambda: P(CountVectorizer(), TfidfTransformer(norm=None),
                                         LinearSVC()), "multi"),
    "tfidf_ascii_w1_svc": (lambda: P(TfidfVectorizer(strip_accents="ascii",
                                                     token_pattern=r"\b\w+\b"), LinearSVC()),
                           "multi"),
    "tfidf_letters_maxfeat_logreg": (lambda: P(TfidfVectorizer(token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
                                                               max_features=50),
                                               LogisticRegression(max_iter=500)), "multi"),
    "tfidf_mindf_sgdhinge": (lambda: P(TfidfVectorizer(min_df=2, max_df=0.9),
                                       SGDClassifier(random_state=0)), "multi"),
    "count_bigrams_mnb": (lambda: P(CountVectorizer(ngram_range=(2, 2)), MultinomialNB()), "bin"),
    "tfidf_svd_logreg": (lambda: P(TfidfVectorizer(), TruncatedSVD(20, random_state=0),
                                   LogisticRegression(max_iter=500)), "multi"),
    "tfidf_maxfeat_forest": (lambda: P(TfidfVectorizer(max_features=200),
                                       RandomForestClassifier(20, random_state=0)), "multi"),
    "count_maxfeat_tree": (lambda: P(CountVectorizer(max_features=100),
                                     DecisionTreeClassifier(random_state=0)), "multi"),
    "tfidf_char_binary_cnb": (lambda: P(TfidfVectorizer(analyzer="char", binary=True, norm=None),
                                        ComplementNB()), "multi"),
    "count_int64_logreg": (lambda: P(CountVectorizer(dtype=np.int64),
                                     LogisticRegression(max_iter=1000)), "multi"),
    "hashing_charwb_svc": (lambda: P(HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5)),
                                     LinearSVC()), "multi"),
    "tfidf_pattern_group_svc": (lambda: P(TfidfVectorizer(token_pattern=r"([a-zα-ω]+)\d*"),
                                          LinearSVC()), "multi"),
    "tfidf_pattern_alt_logreg": (lambda: P(TfidfVectorizer(token_pattern=r"\w+(?:'\w+)?|[^\w\s]"),
                                           LogisticRegression(max_iter=500)), "multi"),
    "tfidf_13_l1_sgd_log_bin": (lambda: P(TfidfVectorizer(ngram_range=(1, 3), norm="l1"),
                                          SGDClassifier(loss="log_loss", random_state=0)), "bin"),
    "tfidf_mlp": (lambda: P(TfidfVectorizer(max_features=300),
                            MLPClassifier((16,), max_iter=300, random_state=0)), "multi"),
    # nested pipelines: the inner text pipeline's steps are scored in line
    "nested_tfidf_svc": (lambda: P(P(TfidfVectorizer()), LinearSVC()), "bin"),
    "nested_count_tfidf_svd_logreg": (lambda: P(P(CountVectorizer(), TfidfTransformer(),
                                                  TruncatedSVD(10, random_state=0)),
                                                LogisticRegression(max_iter=500)), "multi"),
}

# sublinear_tf takes numpy's float64 log (its own SIMD code) where the C code takes libm's: the
# two differ by an ulp now and then, so those scores agree within 1e-12 instead of to the bit.
TOL = {"tfidf_mlp": 1e-12, "tfidf_svd_logreg": 1e-12, "tfidf_sublinear_12_logreg": 1e-12,
       "nested_count_tfidf_svd_logreg": 1e-12}


@pytest.fixture(scope="module")
def fitted():
    out = {}
    for name, (make, target) in PIPELINES.items():
        model = make().fit(TRAIN, YBIN if target == "bin" else YTRAIN)
        out[name] = model
    return out


def close(a, b, rel):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.all(np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b)) + 1e-300)


def column(db, fn, blob):
    """fn(blob, doc) for every TEST document, in one statement (the model compiled once)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS docs(i INTEGER PRIMARY KEY, d TEXT)")
    if db.execute("SELECT count(*) FROM docs").fetchone()[0] != len(TEST):
        db.execute("DELETE FROM docs")
        db.executemany("INSERT INTO docs VALUES (?, ?)", list(enumerate(TEST)))
    return [r[0] for r in db.execute("SELECT %s(?, d) FROM docs ORDER BY i" % fn, (blob,))]


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline(db, fitted, name):
    model = fitted[name]
    blob = pickle.dumps(model)
    info = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    assert info["supported"] and info["input"] == "text", info
    want = model.predict(TEST)
    got = column(db, "model_predict", blob)
    assert list(want) == got
    tol = TOL.get(name, 0.0)
    if hasattr(model, "decision_function") and "decision_function" in info["methods"]:
        want = model.decision_function(TEST)
        for d, w, g in zip(TEST, want, column(db, "model_decision_function", blob)):
            g = json.loads(g) if isinstance(g, str) else g
            assert (close(g, w, tol) if tol else np.array_equal(np.asarray(g), w)), (d, g, w)
    if "predict_proba" in info["methods"]:
        want = model.predict_proba(TEST)
        same = 0
        for d, w, g in zip(TEST, want, column(db, "model_predict_proba", blob)):
            g = json.loads(g)
            assert close(g, w, max(tol, 1e-13)), (d, g, list(w))
            same += np.array_equal(np.asarray(g), w)
        print("%s: %d of %d probability rows bit-identical" % (name, same, len(TEST)))


VECTORIZERS = {
    "tfidf": lambda: TfidfVectorizer(),
    "tfidf_f32_sub_l1": lambda: TfidfVectorizer(dtype=f32, sublinear_tf=True, norm="l1"),
    "tfidf_charwb_noidf": lambda: TfidfVectorizer(analyzer="char_wb", use_idf=False),
    "count": lambda: CountVectorizer(),
    "count_binary_char": lambda: CountVectorizer(binary=True, analyzer="char", ngram_range=(2, 3)),
    "count_int": lambda: CountVectorizer(dtype=np.int32, ngram_range=(1, 2), stop_words="english"),
    "hashing": lambda: HashingVectorizer(n_features=2 ** 10),
    "hashing_nonorm_f32": lambda: HashingVectorizer(norm=None, dtype=f32, n_features=7),
    "hashing_binary": lambda: HashingVectorizer(binary=True, alternate_sign=False),
}


@pytest.mark.parametrize("name", sorted(VECTORIZERS))
def test_transform_equals_sklearn(db, name):
    v = VECTORIZERS[name]().fit(TRAIN)
    blob = pickle.dumps(v)
    X = v.transform(TEST).tocsr()
    X.sort_indices()
    for i, (d, g) in enumerate(zip(TEST, column(db, "model_transform", blob))):
        g = json.loads(g)
        lo, hi = X.indptr[i], X.indptr[i + 1]
        want = dict(zip(X.indices[lo:hi].tolist(), X.data[lo:hi].tolist()))
        assert list(g) == [str(k) for k in sorted(want)], d
        assert all(X.data.dtype.type(g[str(k)]) == X.data.dtype.type(v_) for k, v_ in want.items()), d


def test_tfidf_transformer_alone_dense(db):
    cv = CountVectorizer(max_features=30).fit(TRAIN)
    X = cv.transform(TRAIN[:50]).toarray().astype(float)
    t = TfidfTransformer(norm="l1").fit(X)
    blob = pickle.dumps(t)
    want = t.transform(X).toarray()
    for row, w in zip(X, want):
        g = json.loads(db.execute("SELECT model_transform(?, ?)", (blob, json.dumps(row.tolist())))
                       .fetchone()[0])
        assert np.array_equal(np.asarray(g), w)


def test_sparsified_coef(db):
    model = P(TfidfVectorizer(), LogisticRegression(max_iter=500)).fit(TRAIN, YTRAIN)
    model[-1].sparsify()
    blob = pickle.dumps(model)
    for d in TEST[:100]:
        g = json.loads(db.execute("SELECT model_decision_function(?, ?)", (blob, d)).fetchone()[0])
        assert np.array_equal(np.asarray(g), model.decision_function([d])[0])


def test_errors(db):
    model = P(TfidfVectorizer(), LinearSVC()).fit(TRAIN, YBIN)
    blob = pickle.dumps(model)

    def err(*args):
        try:
            db.execute("SELECT model_predict(%s)" % ",".join("?" * len(args)), args).fetchone()
        except Exception as e:  # sqlite3.OperationalError
            return str(e)
        return None

    assert err(blob, None) == "model_predict: the document is NULL: Pipeline takes TEXT"
    assert err(blob, b"abc") == "model_predict: feature 1 is a BLOB: Pipeline takes TEXT"
    assert err(blob, 3) == "model_predict: the document is a number: Pipeline takes TEXT"
    assert err(blob, 2.5) == "model_predict: the document is a number: Pipeline takes TEXT"
    assert err(blob, "a", "b") == "model_predict: Pipeline expects 1 features, got 2"
    assert err(blob) == "model_predict: Pipeline expects 1 features, got 0"
    with pytest.raises(Exception, match=r"not valid UTF-8 \(byte 0xff at offset 1\)"):
        db.execute("SELECT model_predict(?, CAST(X'61ff62' AS TEXT))", (blob,)).fetchone()
    refused = P(TfidfVectorizer(token_pattern=r"(?i)\w+"), LinearSVC()).fit(TRAIN, YBIN)
    info = json.loads(db.execute("SELECT model_info(?)", (pickle.dumps(refused),)).fetchone()[0])
    assert not info["supported"] and "(?i) (ignore case) is not supported" in info["reason"]
