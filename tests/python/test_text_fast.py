"""The ASCII fast path of the word analyzer (pk_analyzer_prepare, ext/core/text/pk_text.c: byte
tables, no decoding, tokens hashed as they are cut) against the Unicode path (the same tool with
PK_TEXT_SLOW=1: every document decoded, lowercased and stripped through the Unicode tables and
cut by the regex matcher) and against scikit-learn's analyzer, on random ASCII text and the
ASCII documents of the corpus, for every token pattern the fast path takes, lowercased or not,
accents stripped or not, with stop words and n-grams. The tool also checks pk_analyze_lookup
(n-grams looked up from their tokens' hashes) against each document's features."""
import random

import pytest
from sklearn.feature_extraction.text import CountVectorizer

from test_text_tokenize import run_tool, tool  # noqa: F401 (tool: tests/python/text_tokens.c)
from textcorpus import corpus


def ascii_string(rng):
    """Random ASCII text: letters of both cases, digits, '_', punctuation, every control
    character and DEL, runs of spaces."""
    out = []
    for _ in range(rng.randint(0, 60)):
        r = rng.random()
        if r < 0.5:
            out.append(rng.choice("abcXYZqQ_019 "))
        elif r < 0.9:
            out.append(chr(rng.randint(0x20, 0x7e)))
        else:
            out.append(chr(rng.choice(list(range(0, 0x20)) + [0x7f])))
    return "".join(out)


FAST_PATTERNS = [r"(?u)\b\w\w+\b", r"\b\w\w+\b", r"(?a)\b\w\w+\b", r"(?u)\w\w+", r"\w\w+",
                 r"(?u)\b\w+\b", r"\b\w+\b", r"(?a)\w+", r"\w+"]


@pytest.mark.parametrize("pat", FAST_PATTERNS)
def test_ascii_fast_path(tool, pat, monkeypatch):  # noqa: F811
    rng = random.Random(4242 + FAST_PATTERNS.index(pat))
    docs = [ascii_string(rng) for _ in range(3000)]
    docs += [d for d in corpus(7, 2000) if d.isascii()]
    docs += ["THE Quick_brown fox 42 ab a b " * 20, "A", "", "x" * 300 + " YY", "Ab\x00cD\x7fEF"]
    for cfg in ({}, {"lowercase": False}, {"strip_accents": "unicode"},
                {"strip_accents": "ascii", "ngram_range": (1, 3), "stop_words": "english"}):
        cfg = dict(cfg, token_pattern=pat)
        monkeypatch.setenv("PK_TEXT_SLOW", "0")
        fast = run_tool(tool, cfg, docs)
        monkeypatch.setenv("PK_TEXT_SLOW", "1")
        slow = run_tool(tool, cfg, docs)
        assert fast == slow, (cfg, [(d, f, s) for d, f, s in zip(docs, fast, slow) if f != s][:3])
        analyze = CountVectorizer(**cfg).build_analyzer()
        bad = [(d, analyze(d), g) for d, g in zip(docs, fast) if analyze(d) != g]
        assert not bad[:3], (cfg, bad[:3])
