"""CPython's fixed pickle vectors, read at test time from Debian's libpython3.11-testsuite.

/usr/lib/python3.11/test/pickletester.py (PSF-licensed; never copied into this repository) holds
DATA0..DATA4 (create_data() pickled with protocols 0-4), DATA_SET, DATA_XRANGE, DATA_SET2 and,
in AbstractUnpickleTests, a few hundred inline byte strings. The byte strings are pulled out by
walking the source's syntax tree: every argument of `self.loads(...)` is a good vector and every
argument of `self.check_unpickling_error(...)` a bad one (names bound by simple assignments and
`for` loops over literal lists inside the test method are followed).

Good vectors must decode to what CPython's unpickler says (pkref's non-executing reference) and
DATA0-4 to create_data() itself; bad vectors must give a clean SQL error: pickle_valid 0 and a
pickle_error message naming the problem and an opcode/offset -- never a crash. A few bad vectors
are bad only because CPython *calls* something (int(None), len.__new__): for a decoder that
executes nothing they may decode; those are listed in EXECUTION_ONLY and only must not crash.

Counts are printed (pytest -s) and written to build/test_counts_cpython_vectors.json.
"""
import ast
import collections
import json
import os
import re
import sys

import pytest

import pkref
from conftest import REPO, sql_call

PICKLETESTER = "/usr/lib/python3.11/test/pickletester.py"
TESTDIR = os.path.dirname(os.path.dirname(PICKLETESTER))

# Test methods whose "errors" come from CPython calling the named callable, not from the stream.
EXECUTION_ONLY = {"test_bad_reduce", "test_bad_newobj", "test_bad_newobj_ex"}
# @requires_32b vectors: the BINBYTES/BINUNICODE ones declare more bytes than remain, so they
# are errors here too; LONG_BINPUT 0xFFFFFFFF is valid on 64-bit (and must cost nothing).
VALID_ON_64B = {"test_negative_32b_binput"}
# Methods whose good vectors need machinery outside a plain decoder: copyreg extension codes
# (EXT1/2/4) and out-of-band buffers.
NEEDS_RUNTIME = {"test_global_ext1", "test_global_ext2", "test_global_ext4"}

COUNTS = collections.Counter()


def _module():
    if not os.path.exists(PICKLETESTER):
        pytest.fail("%s missing: install libpython3.11-testsuite (scripts/install-deps.sh)"
                    % PICKLETESTER)
    if TESTDIR not in sys.path:
        sys.path.insert(0, TESTDIR)
    from test import pickletester  # noqa: E402
    return pickletester


def _eval(node, env, glb):
    try:
        return eval(compile(ast.Expression(node), "<vector>", "eval"), glb, env)
    except Exception:  # noqa: BLE001 - anything not statically evaluable is skipped
        return None


def _bind(target, value, env):
    if isinstance(target, ast.Name):
        env[target.id] = value
    elif isinstance(target, ast.Tuple) and isinstance(value, (tuple, list)) and \
            len(value) == len(target.elts):
        for t, v in zip(target.elts, value):
            _bind(t, v, env)


def _calls(node, env, glb, out):
    """Records the bytes arguments of self.loads / self.check_unpickling_error under node."""
    for n in ast.walk(node):
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and
                isinstance(n.func.value, ast.Name) and n.func.value.id == "self"):
            continue
        if n.func.attr == "loads" and n.args:
            kind, arg = "good", n.args[0]
        elif n.func.attr == "check_unpickling_error" and len(n.args) == 2:
            kind, arg = "bad", n.args[1]
        else:
            continue
        val = _eval(arg, env, glb)
        if isinstance(val, bytes):
            out.append((kind, val))


def _walk(stmts, env, glb, out):
    """Follows a test method's statements: simple assignments bind names, `for` loops over
    evaluable sequences are unrolled, other compound statements are entered."""
    for st in stmts:
        if isinstance(st, ast.Assign) and len(st.targets) == 1:
            val = _eval(st.value, env, glb)
            if val is not None:
                _bind(st.targets[0], val, env)
            _calls(st.value, env, glb, out)
        elif isinstance(st, ast.For):
            seq = _eval(st.iter, env, glb)
            if isinstance(seq, (list, tuple)):
                for item in seq:
                    sub = dict(env)
                    _bind(st.target, item, sub)
                    _walk(st.body, sub, glb, out)
            else:
                _walk(st.body, env, glb, out)
        elif isinstance(st, (ast.With, ast.If, ast.While)):
            for item in getattr(st, "items", []):
                _calls(item.context_expr, env, glb, out)
            _walk(st.body, env, glb, out)
            _walk(getattr(st, "orelse", []), env, glb, out)
        elif isinstance(st, ast.Try):
            _walk(st.body, env, glb, out)
            for h in st.handlers:
                _walk(h.body, env, glb, out)
        else:
            _calls(st, env, glb, out)


def extract_vectors():
    """[(method, kind, bytes)] from AbstractUnpickleTests, unique per (method, bytes)."""
    mod = _module()
    with open(PICKLETESTER, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    cls = [n for n in tree.body if isinstance(n, ast.ClassDef) and
           n.name == "AbstractUnpickleTests"][0]
    glb = dict(vars(mod))
    seen = set()
    vectors = []
    for fn in cls.body:
        if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith("test_"):
            continue
        out = []
        _walk(fn.body, {}, glb, out)
        for kind, data in out:
            if (fn.name, data) in seen:
                continue
            seen.add((fn.name, data))
            vectors.append((fn.name, kind, data))
    return vectors


VECTORS = extract_vectors() if os.path.exists(PICKLETESTER) else []


def _write_counts():
    os.makedirs(os.path.join(REPO, "build"), exist_ok=True)
    with open(os.path.join(REPO, "build", "test_counts_cpython_vectors.json"), "w") as f:
        json.dump(dict(COUNTS), f, indent=1, sort_keys=True)


def teardown_module(module):
    if COUNTS:
        _write_counts()  # printed by conftest's terminal summary
        sys.stderr.write("\ncpython vector counts: %s\n" % json.dumps(dict(COUNTS), sort_keys=True))


# ---- DATA0-DATA4 and the Python 2 vectors ---------------------------------------------------


def _create_data_json():
    """create_data() mapped by hand: C is __main__.C with state {foo: 1, bar: 2}."""
    c = {"py/object": "__main__.C", "foo": 1, "bar": 2}
    y = ["abc", "abc", c, c]
    return [0, 1, 2.0, {"py/complex": [3.0, 0.0]}, 1, -1, 255, -255, -256, 65535, -65535,
            -65536, 2147483647, -2147483647, -2147483648, y, y, 5]


@pytest.mark.parametrize("n", range(5))
def test_data_n(db, n):
    mod = _module()
    data = getattr(mod, "DATA%d" % n)
    got = json.loads(sql_call(db, "pickle_json", data))
    assert pkref.diff(_create_data_json(), got) is None, pkref.diff(_create_data_json(), got)
    # the same through the reference unpickler (it must agree with the hand mapping)
    value, _ = pkref.ref_load(data)
    assert pkref.diff(pkref.expected_json(value), got) is None
    assert sql_call(db, "pickle_type", data) == "list"
    assert sql_call(db, "pickle_type", data, "$[15][2]") == "__main__.C"
    assert sql_call(db, "pickle_get", data, "$[15][2].bar") == 2
    assert sql_call(db, "pickle_get", data, "$[14]") == -2147483648
    assert sql_call(db, "pickle_get", data, "$[16][0]") == "abc"
    assert sql_call(db, "pickle_type", data, "$[3]") == "complex"
    COUNTS["data0_4"] += 1


def test_data_set_xrange(db):
    mod = _module()
    got = json.loads(sql_call(db, "pickle_json", mod.DATA_SET))
    assert sorted(got) == [1, 2]
    assert sql_call(db, "pickle_type", mod.DATA_SET) == "set"
    assert json.loads(sql_call(db, "pickle_json", mod.DATA_SET2)) == [3]
    assert sql_call(db, "pickle_type", mod.DATA_XRANGE) == "range"
    got = json.loads(sql_call(db, "pickle_json", mod.DATA_XRANGE))
    value, _ = pkref.ref_load(mod.DATA_XRANGE)
    assert value == range(0, 5)
    assert pkref.diff(pkref.expected_json(value), got) is None, got
    COUNTS["data_set_xrange"] += 3


# ---- AbstractUnpickleTests' inline vectors --------------------------------------------------

GOOD = [(m, d) for m, k, d in VECTORS if k == "good" and m not in NEEDS_RUNTIME]
BAD = [(m, d) for m, k, d in VECTORS if k == "bad"]


def test_vector_extraction_found_enough():
    by = collections.Counter(m for m, k, d in VECTORS)
    for m in ("test_bad_stack", "test_bad_mark", "test_truncated_data",
              "test_badly_quoted_string", "test_correctly_quoted_string", "test_constants"):
        assert by[m] > 0, m
    assert by["test_bad_stack"] >= 40
    assert by["test_bad_mark"] >= 28
    assert by["test_truncated_data"] >= 80
    COUNTS["vectors_total"] = len(VECTORS)
    COUNTS["vectors_good"] = len(GOOD)
    COUNTS["vectors_bad"] = len(BAD)


def _ref_or_error(data):
    try:
        return pkref.ref_load(data)[0], None
    except Exception as exc:  # noqa: BLE001
        return None, exc


def test_good_vectors(db):
    fails = []
    checked = 0
    for method, data in GOOD:
        value, exc = _ref_or_error(data)
        if exc is not None:
            # CPython's own loads of this needs something a decoder cannot have (a registered
            # class, a persistent_load...): then only a clean outcome is required.
            _clean_outcome(db, data, method, fails)
            COUNTS["good_ref_unavailable"] += 1
            continue
        try:
            got = json.loads(sql_call(db, "pickle_json", data))
        except Exception as exc2:  # noqa: BLE001
            fails.append("%s %r: pickle_json failed: %s" % (method, data, exc2))
            continue
        d = pkref.diff(pkref.expected_json(value), got)
        if d:
            fails.append("%s %r: %s" % (method, data, d))
        checked += 1
    COUNTS["good_checked"] = checked
    assert checked > 40
    assert not fails, "%d of %d good vectors wrong:\n%s" % (len(fails), len(GOOD),
                                                             "\n".join(fails))


def _clean_outcome(db, data, method, fails):
    """pickle_valid gives 0/1 and agrees with pickle_error; pickle_json errors cleanly."""
    valid = sql_call(db, "pickle_valid", data)
    err = sql_call(db, "pickle_error", data)
    if valid not in (0, 1) or (valid == 1) != (err is None):
        fails.append("%s %r: pickle_valid=%r pickle_error=%r" % (method, data, valid, err))
    return valid, err


OFFSET_RE = re.compile(r"\bat offset (\d+)\b")


def test_bad_vectors(db):
    fails = []
    strict = 0
    for method, data in BAD:
        if method in VALID_ON_64B:
            assert sql_call(db, "pickle_get", data) == "a"
            COUNTS["bad_valid_on_64bit"] += 1
            continue
        valid, err = _clean_outcome(db, data, method, fails)
        if method in EXECUTION_ONLY:
            COUNTS["bad_execution_only"] += 1
            continue
        strict += 1
        if valid != 0:
            fails.append("%s %r: decoded, CPython refuses it" % (method, data))
            continue
        # The message names the problem and a position (opcode and/or offset).
        if not (OFFSET_RE.search(err) or "end of" in err or "empty" in err):
            fails.append("%s %r: error without a position: %r" % (method, data, err))
        m = OFFSET_RE.search(err)
        if m and int(m.group(1)) > len(data):
            fails.append("%s %r: offset beyond the input: %r" % (method, data, err))
        # The same error through another function, prefixed with its name.
        try:
            sql_call(db, "pickle_json", data)
            fails.append("%s %r: pickle_json succeeded" % (method, data))
        except Exception as exc:  # noqa: BLE001
            if not str(exc).startswith("pickle_json: "):
                fails.append("%s %r: pickle_json error not prefixed: %s" % (method, data, exc))
    COUNTS["bad_strict"] = strict
    assert strict > 150
    assert not fails, "%d bad-vector problems:\n%s" % (len(fails), "\n".join(fails))


def test_bad_stack_and_mark_messages(db):
    """Spot checks of exact messages on CPython's vectors."""
    def err(data):
        return sql_call(db, "pickle_error", data)
    e = err(b"0")
    assert "POP at offset 0" in e, e
    e = err(b"N(.")
    assert "STOP at offset 2" in e, e
    e = err(b"\x8c\x03ab")
    assert e.startswith("truncated pickle: SHORT_BINUNICODE at offset 0"), e
    e = err(b"X\x03\x00\x00\x00ab")
    assert e == "truncated pickle: BINUNICODE at offset 0 needs 3 bytes, 2 remain", e
    e = err(b"")
    assert e is not None and "empty" in e or "truncated" in e, e
