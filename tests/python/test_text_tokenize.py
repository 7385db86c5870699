"""pk_analyze (ext/core/text/pk_text.c: lowercase, strip_accents, token_pattern, stop words, word /
char / char_wb n-grams) against scikit-learn's own analyzer on 20,000 seeded random Unicode
strings and the multilingual corpus, for several configurations: the feature lists must be
equal, element by element and in order.

The C side is tests/python/text_tokens.c, compiled here against build/release/libpkcore.a."""
import os
import random
import struct
import subprocess

import pytest
from sklearn.feature_extraction.text import CountVectorizer

from conftest import core_includes
from textcorpus import corpus, random_string

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
N_RANDOM = 20000


@pytest.fixture(scope="module")
def tool(tmp_path_factory):
    subprocess.run(["make", "-s", "-C", REPO, "build/release/libpkcore.a"], check=True)
    out = str(tmp_path_factory.mktemp("tok") / "text_tokens")
    subprocess.run(["cc", "-O1"] + core_includes() +
                   ["-o", out, os.path.join(REPO, "tests/python/text_tokens.c"),
                    os.path.join(REPO, "build/release/libpkcore.a"), "-lm", "-lz", "-lzstd"],
                   check=True)
    return out


def run_tool(tool, cfg, docs):
    args = [tool, cfg.get("analyzer", "word"), str(int(cfg.get("lowercase", True))),
            cfg.get("strip_accents") or "none", str(cfg.get("ngram_range", (1, 1))[0]),
            str(cfg.get("ngram_range", (1, 1))[1]),
            cfg.get("token_pattern", r"(?u)\b\w\w+\b"), cfg.get("stop_words") or "none"]
    data = b"".join(struct.pack("<I", len(d.encode())) + d.encode() for d in docs)
    p = subprocess.run(args, input=data, capture_output=True, check=True)
    out, pos, res, cur = p.stdout, 0, [], []
    while pos < len(out):
        (n,) = struct.unpack_from("<I", out, pos)
        pos += 4
        if n == 0xFFFFFFFF:
            res.append(cur)
            cur = []
        elif n == 0xFFFFFFFE:
            (m,) = struct.unpack_from("<I", out, pos)
            res.append(("error", out[pos + 4:pos + 4 + m].decode()))
            pos += 4 + m
        else:
            cur.append(out[pos:pos + n].decode())
            pos += n
    return res


CONFIGS = [
    {},
    {"lowercase": False},
    {"strip_accents": "unicode"},
    {"strip_accents": "ascii", "lowercase": False},
    {"ngram_range": (1, 3), "stop_words": "english"},
    {"token_pattern": r"\b\w+\b", "ngram_range": (2, 2)},
    {"token_pattern": r"(?u)\b\w+\b"},
    {"token_pattern": r"[a-zA-Z]{2,}"},
    {"token_pattern": r"\S+"},
    {"token_pattern": r"(?a)\b\w\w+\b"},
    {"token_pattern": r"(?u)\b[^\W\d_]{2,}\b"},
    {"token_pattern": r"([a-z]+)\d*"},
    {"token_pattern": r"\w+(?:'\w+)?|[^\w\s]"},
    {"token_pattern": r"(?:\d+[.,]?)+|\w+?s|\w+"},
    {"token_pattern": r"#\w+|@\w+|\w{3,}"},
    {"token_pattern": r".{1,3}"},
    {"token_pattern": r"(?s).{2}"},
    {"token_pattern": r"[^\s\x2c]+$|^\w"},
    {"token_pattern": r"x*"},
    {"analyzer": "char", "ngram_range": (1, 3)},
    {"analyzer": "char", "ngram_range": (2, 4), "lowercase": False},
    {"analyzer": "char_wb", "ngram_range": (2, 5)},
    {"analyzer": "char_wb", "ngram_range": (1, 1), "strip_accents": "unicode"},
    {"analyzer": "char_wb", "ngram_range": (3, 3), "strip_accents": "ascii"},
]


def sk_analyzer(cfg):
    return CountVectorizer(**cfg).build_analyzer()


@pytest.mark.parametrize("cfg", CONFIGS, ids=[str(sorted(c.items())) for c in CONFIGS])
def test_tokens_equal_sklearn(tool, cfg):
    rng = random.Random(1729 + CONFIGS.index(cfg))
    n = N_RANDOM if cfg in (CONFIGS[0], CONFIGS[2], CONFIGS[19]) else 3000
    docs = [random_string(rng) for _ in range(n)] + corpus(CONFIGS.index(cfg), 500)
    analyze = sk_analyzer(cfg)
    got = run_tool(tool, cfg, docs)
    assert len(got) == len(docs)
    bad = [(d, analyze(d), g) for d, g in zip(docs, got) if analyze(d) != g]
    assert not bad[:3], "%d of %d documents differ, e.g. %r" % (len(bad), len(docs), bad[:3])


def test_lower_and_strip_every_code_point(tool):
    """Every code point, alone and between cased letters (final sigma contexts), lowercased and
    stripped both ways, through a pattern that keeps every character."""
    cps = [c for c in range(0x110000) if not 0xd800 <= c < 0xe000]
    docs = []
    for i in range(0, len(cps), 512):
        docs.append("".join(chr(c) for c in cps[i:i + 512]))
    docs += ["A\u03a3" + chr(c) + "\u03a3 x" + chr(c) + "\u03a3" for c in range(0, 0x3000)]
    for strip in (None, "unicode", "ascii"):
        cfg = {"token_pattern": r"(?s).", "strip_accents": strip}
        got = run_tool(tool, cfg, docs)
        analyze = sk_analyzer(cfg)
        bad = [i for i, (d, g) in enumerate(zip(docs, got)) if analyze(d) != g]
        assert not bad, (strip, bad[:5])


def test_word_class_every_code_point(tool):
    """\\w, \\d and \\s (and so \\b) for every code point."""
    cps = [c for c in range(0x110000) if not 0xd800 <= c < 0xe000]
    docs = ["".join(chr(c) + "." for c in cps[i:i + 256]) for i in range(0, len(cps), 256)]
    for pat in (r"\w", r"\d", r"\s", r"\W\b", r"[^\w\d\s]"):
        cfg = {"token_pattern": pat, "lowercase": False}
        got = run_tool(tool, cfg, docs)
        analyze = sk_analyzer(cfg)
        bad = [i for i, (d, g) in enumerate(zip(docs, got)) if analyze(d) != g]
        assert not bad, (pat, bad[:5])


@pytest.mark.parametrize("pat,why", [
    (r"(?i)\w+", "(?i) (ignore case) is not supported"),
    (r"(\w)(\w)", "more than 1 capturing group"),
    (r"\w+(?=s)", "lookahead assertions are not supported"),
    (r"(\w)\1", "backreferences are not supported"),
    (r"(a*)*", "can match the empty string"),
    (r"[a-", "unterminated character set"),
    (r"a{2,1}", "min repeat greater than max repeat"),
    (r"\q", "bad escape"),
    (r"(?m)^\w", "(?m) (multiline) is not supported"),
])
def test_refused_patterns(tool, pat, why):
    p = subprocess.run([tool, "word", "1", "none", "1", "1", pat, "none"], input=b"",
                       capture_output=True)
    assert p.returncode == 2
    msg = p.stderr.decode()
    assert msg.startswith("token_pattern '%s': " % pat) and why in msg, msg


def test_invalid_utf8(tool):
    cfg = {}
    args = [tool, "word", "1", "none", "1", "1", r"(?u)\b\w\w+\b", "none"]
    for bad, off in ((b"ab\xff", 2), (b"\xc0\x80", 0), (b"x\xed\xa0\x80", 1), (b"\xf4\x90\x80\x80", 0),
                     (b"abc\xe2\x82", 3)):
        p = subprocess.run(args, input=struct.pack("<I", len(bad)) + bad, capture_output=True,
                           check=True)
        assert b"not valid UTF-8" in p.stdout and (b"offset %d)" % off) in p.stdout, p.stdout
    del cfg
