"""Vocabularies of word n-grams (ext/core/text/pk_wordgrams.c: the vocabulary as a trie over word
ids when the token pattern finds runs of word characters; a string map otherwise): model_transform
equal to vectorizer.transform, columns and values, for vocabularies a trie must get right — terms
that no document can produce (empty tokens, too many or too few tokens, upper case under
lowercase), longer terms listed before their prefixes, prefixes that are no terms, words longer
than 8 bytes and non-ASCII words, n-gram ranges up to 4, stop words — and for a vocabulary two of
whose terms share a column (scikit-learn refuses to fit one, but a pickle can hold it: the string
map is used)."""
import json
import pickle
import random

import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from textcorpus import corpus, document

WORDS = ["a", "b", "c", "ab", "abc", "abcdefgh", "abcdefghi", "abcdefghijklmnopq", "über",
         "straße", "σίσυφος", "ünïcödé_wörd", "x1", "_", "__", "the", "and", "The", "ABC"]


def docs(seed, n):
    rng = random.Random(seed)
    out = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30))) for _ in range(n)]
    out += [document(rng, ["en", "de", "el", "punct"]) for _ in range(n)]
    return out + ["a b c a b c a b", "abc abc abc", "", "   ", "a\tb\nc", "A B C"]


TRAIN = docs(1, 300) + corpus(3, 200)
TEST = docs(2, 300) + corpus(4, 200)

ODD = ["a", "a b", "a b c", "a b c d", " a", "a ", "a  b", "", "b c", "abcdefghi abc",
       "abcdefgh abcdefghi", "abcdefghijklmnopq", "über straße", "σίσυφος", "straße σίσυφος über",
       "The", "ABC abc", "x1 _", "__ x1 a", "c", "abc", "ünïcödé_wörd a"]


def transform_equal(db, v, docs_=TEST):
    blob = pickle.dumps(v)
    X = v.transform(docs_).tocsr()
    X.sort_indices()
    db.execute("CREATE TEMP TABLE IF NOT EXISTS vdocs(i INTEGER PRIMARY KEY, d TEXT)")
    db.execute("DELETE FROM vdocs")
    db.executemany("INSERT INTO vdocs VALUES (?, ?)", list(enumerate(docs_)))
    got = [r[0] for r in db.execute("SELECT model_transform(?, d) FROM vdocs ORDER BY i", (blob,))]
    nonzero = 0
    for i, (d, g) in enumerate(zip(docs_, got)):
        g = json.loads(g)
        lo, hi = X.indptr[i], X.indptr[i + 1]
        want = dict(zip(X.indices[lo:hi].tolist(), X.data[lo:hi].tolist()))
        assert list(g) == [str(k) for k in sorted(want)], d
        assert all(g[str(k)] == w for k, w in want.items()), d
        nonzero += len(want)
    assert nonzero > 0


@pytest.mark.parametrize("ngram", [(1, 1), (1, 2), (1, 3), (2, 3), (3, 4)])
@pytest.mark.parametrize("lowercase", [True, False])
def test_odd_vocabulary(db, ngram, lowercase):
    v = CountVectorizer(vocabulary=ODD, ngram_range=ngram, lowercase=lowercase).fit(TRAIN)
    transform_equal(db, v)


def test_longer_terms_before_their_prefixes(db):
    # dict order: each term after the longer terms that pass through it
    terms = ["a b c d", "a b c", "a b", "b c d", "abc abc abc", "abc abc", "x1 a b", "a"]
    v = CountVectorizer(vocabulary={t: i for i, t in enumerate(terms)}, ngram_range=(1, 4))
    transform_equal(db, v.fit(TRAIN))


@pytest.mark.parametrize("cfg", [
    {"ngram_range": (1, 2)},
    {"ngram_range": (1, 4), "max_features": 3000},
    {"ngram_range": (2, 2), "stop_words": "english"},
    {"ngram_range": (1, 3), "stop_words": ["a", "the", "über"]},
    {"ngram_range": (1, 2), "token_pattern": r"\b\w+\b", "binary": True},
    {"ngram_range": (1, 2), "token_pattern": r"(?a)\w+", "lowercase": False},
])
def test_fitted_vocabulary(db, cfg):
    transform_equal(db, CountVectorizer(**cfg).fit(TRAIN))
    transform_equal(db, TfidfVectorizer(**cfg).fit(TRAIN))


def test_shared_column(db):
    v = CountVectorizer(ngram_range=(1, 2)).fit(TRAIN)
    terms = sorted(v.vocabulary_)[:40]
    # two terms per column: scikit-learn counts both in it; so must the string map
    v.vocabulary_ = {t: i // 2 for i, t in enumerate(terms)}
    transform_equal(db, v)


def test_short_words_only(db):
    # no word longer than 8 bytes: the trie has no tail bytes at all while its tables grow
    terms = sorted({w for d in TRAIN for w in d.lower().split() if 2 <= len(w) <= 8 and w.isalnum()})
    assert len(terms) > 100
    transform_equal(db, CountVectorizer(vocabulary=terms[:300], ngram_range=(1, 2)).fit(TRAIN))


@pytest.mark.parametrize("k", [1, 2, 63, 64, 65, 127, 128, 129, 4095, 4097])
def test_vocabulary_sizes_at_word_boundaries(db, k):
    # a vectorizer's row is counted in a bitmap of 64-column words, read from the last column
    # down for TfidfTransformer's reversed product: columns at both ends of a partial last word,
    # repeated words, and rows that hold every column of a word
    terms = ["t%d" % i for i in range(k)]
    rng = random.Random(k)
    edge = terms[:2] + terms[-2:] + terms[max(0, k - 70):]
    docs_k = [" ".join(rng.choice(edge if j % 2 else terms) for _ in range(rng.randint(1, 90)))
              for j in range(200)] + [" ".join(terms[-64:]), " ".join(terms[-1:] * 5)]
    for v in (TfidfVectorizer(vocabulary=terms), TfidfVectorizer(vocabulary=terms, norm="l1"),
              TfidfVectorizer(vocabulary=terms, sublinear_tf=True, norm=None),
              CountVectorizer(vocabulary=terms)):
        transform_equal(db, v.fit(docs_k), docs_k)
    # the row reaches the next step in TfidfTransformer's order, which sets the order of the dot
    # product's sums: decision values equal bit for bit
    y = [i % 2 for i in range(len(docs_k))]
    p = make_pipeline(TfidfVectorizer(vocabulary=terms), LogisticRegression()).fit(docs_k, y)
    want = p.decision_function(docs_k).tolist()
    got = [r[0] for r in db.execute("SELECT model_decision_function(?, value) FROM json_each(?) "
                                    "ORDER BY key", (pickle.dumps(p), json.dumps(docs_k)))]
    assert got == want
