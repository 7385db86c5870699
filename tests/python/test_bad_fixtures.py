"""The bad-input corpus: every tests/fixtures/bad/<name>.pkl (or .bin fed to pickle functions)
with a <name>.expected holding the prefix of the error pickle_error must give.

Files land here from triaged fuzzer findings (scripts/run_fuzz.sh copies each finding as
fuzz-<target>-<kind>-<sha>.pkl; whoever fixes it writes the .expected) and from hand-made cases.
A .pkl without .expected is an untriaged finding and fails the test.
"""
import glob
import os

import pytest

from conftest import sql_call

BAD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "bad")
CASES = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(BAD, "*.pkl")))


def test_corpus_is_not_empty():
    assert CASES


@pytest.mark.parametrize("name", CASES)
def test_bad_fixture_gives_its_error(db, name):
    exp_path = os.path.join(BAD, name + ".expected")
    assert os.path.exists(exp_path), "untriaged finding: %s.pkl has no .expected" % name
    with open(os.path.join(BAD, name + ".pkl"), "rb") as f:
        data = f.read()
    with open(exp_path, encoding="utf-8") as f:
        expected = f.read().rstrip("\n")
    assert expected, "empty .expected for %s" % name
    msg = sql_call(db, "pickle_error", data)
    assert msg is not None, "%s decodes without an error (expected %r)" % (name, expected)
    assert msg.startswith(expected), (msg, expected)
    assert sql_call(db, "pickle_valid", data) == 0
    # every reading entry point refuses it the same way, with its name in front
    for fn in ("pickle_json", "pickle_type", "pickle_info"):
        try:
            sql_call(db, fn, data)
        except Exception as exc:  # sqlite3.OperationalError
            assert str(exc) == "%s: %s" % (fn, msg), str(exc)
        else:
            pytest.fail("%s accepted %s" % (fn, name))
