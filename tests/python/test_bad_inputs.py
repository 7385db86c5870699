"""Malformed and hostile pickles: every one is a clean SQL error (or a documented success), never a
crash, a hang or a huge allocation.

Layers: every proper prefix of real pickles (truncation at every byte), hand-made streams for each
error class (unknown opcode, stack underflow, missing MARK, memo miss, bad PROTO, frame
violations, huge declared lengths, limits), the exact message shape
("<function>: <label>: <OPCODE> at offset <N>: ..."), sparse memo indices, deep nesting and the
memo bomb (exponential sharing decodes in linear time; pickle_json stops at the output limit).
"""
import json
import pickle
import re
import sqlite3
import struct
import time

import pytest

from conftest import sql_call, sql_error
import pyobjects

LABELS = ("out of memory", "limit exceeded", "truncated pickle", "unknown opcode", "bad stack",
          "bad mark", "bad memo reference", "unsupported protocol", "frame violation",
          "bad argument", "unsupported pickle feature", "wrong type")
FUNCS = ("pickle_get", "pickle_json", "pickle_type", "pickle_info")
POS_RE = re.compile(r"at offset (\d+)")


def assert_clean_error(db, data, label=None, opcode=None, offset=None, exact=None):
    """pickle_valid 0, pickle_error names the problem; every reading function fails with the
    same text prefixed by its name. Returns the pickle_error text."""
    assert sql_call(db, "pickle_valid", data) == 0, data
    err = sql_call(db, "pickle_error", data)
    assert err and err.startswith(LABELS), (data, err)
    if label is not None:
        assert err.startswith(label + ":"), (data, err)
    if opcode is not None:
        assert (" %s at offset" % opcode) in err, (data, err)
    if offset is not None:
        m = POS_RE.search(err)
        assert m and int(m.group(1)) == offset, (data, err)
    if exact is not None:
        assert err == exact, (data, err)
    m = POS_RE.search(err)
    if m:
        assert int(m.group(1)) <= len(data), (data, err)
    for fn in FUNCS:
        e = sql_error(db, fn, data)
        assert e == "%s: %s" % (fn, err), (fn, data, e, err)
    return err


# ---- NULL and the version -------------------------------------------------------------------


def test_null_gives_null(db):
    for fn in ("pickle_get", "pickle_json", "pickle_type", "pickle_info", "pickle_valid",
               "pickle_error"):
        assert db.execute("SELECT %s(NULL)" % fn).fetchone()[0] is None, fn
    for fn in ("pickle_get", "pickle_json", "pickle_type"):
        assert db.execute("SELECT %s(NULL, '$')" % fn).fetchone()[0] is None, fn


def test_version(db):
    v = db.execute("SELECT pickle_ext_version()").fetchone()[0]
    assert re.match(r"^\d+\.\d+\.\d+", v), v


# ---- the documented example -----------------------------------------------------------------


def test_message_example(db):
    data = b"\x80\x03X" + struct.pack("<I", 300) + b"x" * 12
    assert sql_error(db, "pickle_get", data) == \
        "pickle_get: truncated pickle: BINUNICODE at offset 2 needs 300 bytes, 12 remain"


# ---- every prefix of real pickles -----------------------------------------------------------


def _real_pickles():
    objs = dict(pyobjects.objects())
    out = []
    for name in ("dict_str", "plain_nested", "recursive_object", "floats", "unicode",
                 "big_ints", "shared", "ordereddict", "mylist_attr", "set_mixed", "bytes"):
        for proto in range(6):
            try:
                out.append(("%s/p%d" % (name, proto), pickle.dumps(objs[name], proto)))
            except Exception:  # noqa: BLE001 - not picklable at this protocol
                pass
    return out


@pytest.mark.parametrize("name,data", _real_pickles(), ids=lambda x: x if isinstance(x, str)
                         else "")
def test_every_prefix_fails_cleanly(db, name, data):
    assert sql_call(db, "pickle_valid", data) == 1
    labels = {}
    for n in range(len(data)):
        prefix = data[:n]
        valid = db.execute("SELECT pickle_valid(?), pickle_error(?)", (prefix, prefix)).fetchone()
        assert valid[0] == 0, (n, prefix)
        err = valid[1]
        assert err.startswith(LABELS), (n, err)
        m = POS_RE.search(err)
        if m:
            assert int(m.group(1)) <= n, (n, err)
        labels[err.split(":")[0]] = labels.get(err.split(":")[0], 0) + 1
    # cutting a pickle short is a truncation (the last byte is STOP, so cutting before it always
    # leaves something unfinished)
    assert set(labels) == {"truncated pickle"}, labels


def test_prefix_of_framed_pickle_reports_frame(db):
    data = pickle.dumps([u"x" * 10] * 3, 4)
    assert data[2] == 0x95
    cut = data[:20]
    err = assert_clean_error(db, cut, label="truncated pickle", opcode="FRAME", offset=2)
    assert "the frame declares" in err


# ---- each error class -----------------------------------------------------------------------


@pytest.mark.parametrize("data,label,opcode,offset", [
    (b"\xff", "unknown opcode", None, 0),
    (b"N\x00.", "unknown opcode", None, 1),
    (b"\x80\x02N\x9a.", "unknown opcode", None, 3),
    (b"0", "bad stack", "POP", 0),
    (b"a", "bad stack", "APPEND", 0),
    (b"NNs", "bad stack", "SETITEM", 2),
    (b"\x80\x02N\x86.", "bad stack", "TUPLE2", 3),
    (b"N(\x85.", "bad stack", "TUPLE1", 2),
    (b"Nt.", "bad mark", "TUPLE", 1),
    (b"Nl.", "bad mark", "LIST", 1),
    (b"]Ne.", "bad mark", "APPENDS", 2),
    (b"1", "bad mark", "POP_MARK", 0),
    (b"h\x05.", "bad memo reference", "BINGET", 0),
    (b"Nq\x01h\x02.", "bad memo reference", "BINGET", 3),
    (b"j\x00\x00\x00\x01.", "bad memo reference", "LONG_BINGET", 0),
    (b"g7\n.", "bad memo reference", "GET", 0),
    (b"\x80\x06N.", "unsupported protocol", "PROTO", 0),
    (b"\x80\xffN.", "unsupported protocol", "PROTO", 0),
    (b"Va\np-1\n.", None, "PUT", 3),
    (b"I12x\n.", "bad argument", "INT", 0),
    (b"F1.5z\n.", "bad argument", "FLOAT", 0),
    (b"Lx\n.", "bad argument", "LONG", 0),
    (b"\x8b\xff\xff\xff\xff.", None, "LONG4", 0),
    (b"T\xff\xff\xff\xffabc.", None, "BINSTRING", 0),
    (b"\x80\x04\x8c\x04list\x8c\x04list\x94", "truncated pickle", None, None),
])
def test_error_classes(db, data, label, opcode, offset):
    assert_clean_error(db, data, label=label, opcode=opcode, offset=offset)


def test_stack_global_needs_str(db):
    assert_clean_error(db, b"\x80\x04K\x01K\x02\x93.", opcode="STACK_GLOBAL", offset=6)


def test_unsupported_features_are_clean(db):
    # persistent ids, the extension registry and out-of-band buffers: errors or inert nodes,
    # never crashes
    for data in (b"Pabc\n.", b"\x80\x02NQ.", b"\x80\x02\x82\x01.", b"\x80\x02\x83\x01\x00.",
                 b"\x80\x02\x84\x01\x00\x00\x00.", b"\x80\x05\x97.", b"\x80\x05C\x01a\x98."):
        v = sql_call(db, "pickle_valid", data)
        e = sql_call(db, "pickle_error", data)
        assert (v == 1 and e is None) or (v == 0 and e.startswith(LABELS)), (data, v, e)


# ---- frames ---------------------------------------------------------------------------------


def _frame(n):
    return b"\x95" + struct.pack("<Q", n)


def test_frame_ok(db):
    body = b"\x8c\x03abc\x94."
    assert sql_call(db, "pickle_get", b"\x80\x04" + _frame(len(body)) + body) == "abc"


def test_opcode_straddling_frame_end(db):
    # the frame holds "\x8c\x03a": SHORT_BINUNICODE's 3 bytes cross the frame's end
    data = b"\x80\x04" + _frame(3) + b"\x8c\x03abc."
    err = assert_clean_error(db, data, label="frame violation", opcode="SHORT_BINUNICODE",
                             offset=11)
    assert "frame" in err


def test_opcode_byte_at_frame_end_argument_outside(db):
    data = b"\x80\x04" + _frame(1) + b"K\x05."
    assert_clean_error(db, data, label="frame violation", opcode="BININT1", offset=11)


def test_line_straddling_frame_end(db):
    data = b"\x80\x04" + _frame(3) + b"I42\n."
    assert_clean_error(db, data, label="frame violation", opcode="INT", offset=11)


def test_frame_inside_frame(db):
    inner = _frame(2) + b"N."
    data = b"\x80\x04" + _frame(len(inner) + 1) + b"N" + inner
    assert_clean_error(db, data, label="frame violation", opcode="FRAME", offset=12)


def test_frame_longer_than_input(db):
    assert_clean_error(db, b"\x80\x04" + _frame(2 ** 63) + b"N.", label="truncated pickle",
                       opcode="FRAME", offset=2)
    assert_clean_error(db, b"\x80\x04" + _frame(2 ** 64 - 1) + b"N.", label="truncated pickle",
                       opcode="FRAME", offset=2)


def test_frames_back_to_back(db):
    a = b"]\x94(K\x01K\x02"
    b = b"e."
    data = b"\x80\x04" + _frame(len(a)) + a + _frame(len(b)) + b
    assert sql_call(db, "pickle_json", data) == "[1,2]"


# ---- memo -----------------------------------------------------------------------------------


def test_sparse_memo_index(db):
    data = b"\x80\x02Nr\xff\xff\xff\xffj\xff\xff\xff\xff\x86."
    t0 = time.process_time()
    assert sql_call(db, "pickle_json", data) == "[null,null]"
    assert time.process_time() - t0 < 1.0
    data = b"(K\x01p4294967295\ng4294967295\nt."
    assert sql_call(db, "pickle_json", data) == "[1,1]"


def test_memoize_after_sparse_put(db):
    # MEMOIZE stores at the count of entries, whatever the explicit indices were
    data = b"\x80\x04K\x07r\x10\x00\x00\x00K\x08\x94h\x01h\x10\x87."
    assert sql_call(db, "pickle_json", data) == "[8,8,7]"


def test_memo_bomb_linear(db):
    # x = (x, x) 200 times through DUP, and again through the memo: 2**200 leaves when expanded
    dup = b"\x80\x02N" + b"2\x86" * 200 + b"."
    memo = b"\x80\x02Nq\x00" + b"h\x00h\x00\x86q\x00" * 200 + b"."
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 5_000_000)
    for data in (dup, memo):
        t0 = time.process_time()
        assert sql_call(db, "pickle_valid", data) == 1
        assert sql_call(db, "pickle_type", data) == "tuple"
        assert sql_call(db, "pickle_type", data, "$" + "[1]" * 200) == "NoneType"
        assert sql_call(db, "pickle_get", data, "$" + "[0]" * 150 + "[1]" * 50) is None
        assert time.process_time() - t0 < 2.0
        t0 = time.process_time()
        e = sql_error(db, "pickle_json", data)
        assert e is not None and e.startswith("pickle_json: "), e
        assert "limit" in e or "too big" in e or "big" in e, e
        assert time.process_time() - t0 < 10.0


# ---- huge declared lengths: errors before anything is allocated ------------------------------


@pytest.mark.parametrize("data,opcode", [
    (b"\x80\x04\x8e" + struct.pack("<Q", 2 ** 63) + b"abc.", "BINBYTES8"),
    (b"\x80\x04\x8e" + struct.pack("<Q", 2 ** 64 - 1) + b"abc.", "BINBYTES8"),
    (b"\x80\x04\x8d" + struct.pack("<Q", 2 ** 64 - 1) + b"abc.", "BINUNICODE8"),
    (b"\x80\x05\x96" + struct.pack("<Q", 2 ** 40) + b"abc.", "BYTEARRAY8"),
    (b"\x80\x03B\xff\xff\xff\xffabc.", "BINBYTES"),
    (b"\x80\x03X\xff\xff\xff\x7fabc.", "BINUNICODE"),
    (b"\x80\x02\x8b\xff\xff\xff\x7fabc.", "LONG4"),
    (b"T\x00\x00\x00\x7fabc.", "BINSTRING"),
])
def test_huge_declared_length(db, data, opcode):
    t0 = time.process_time()
    assert_clean_error(db, data, opcode=opcode)
    assert time.process_time() - t0 < 1.0


def test_huge_long_within_input_is_limited(db):
    # a LONG4 of 100 kB: wider than the big-int cap, refused cleanly (or decoded); no crash
    data = b"\x80\x02\x8b" + struct.pack("<i", 100000) + b"\x01" * 100000 + b"."
    v = sql_call(db, "pickle_valid", data)
    if v == 0:
        assert sql_call(db, "pickle_error", data).startswith(("limit exceeded", "bad argument"))


# ---- depth and stack limits -----------------------------------------------------------------


def test_deep_nesting_lists(db):
    d = 100000
    data = b"\x80\x02" + b"]" * d + b"a" * (d - 1) + b"."
    v = sql_call(db, "pickle_valid", data)
    assert v in (0, 1)
    if v == 1:
        assert sql_call(db, "pickle_type", data) == "list"
        e = sql_error(db, "pickle_json", data)
        assert e and e.startswith("pickle_json: limit exceeded"), e
    else:
        assert sql_call(db, "pickle_error", data).startswith(("limit exceeded", "out of memory"))


def test_too_many_marks(db):
    data = b"(" * 200001 + b"N."
    err = assert_clean_error(db, data)
    assert err.startswith(("limit exceeded", "bad mark", "bad stack")), err


def test_deep_recursion_of_tuples_via_marks_ok(db):
    d = 500
    data = b"(" * d + b"N" + b"t" * d + b"."
    assert sql_call(db, "pickle_valid", data) == 1
    assert json.loads(sql_call(db, "pickle_json", data)) == _nest(d)


def _nest(d):
    x = None
    for _ in range(d):
        x = [x]
    return x


def test_stack_never_shrinks_bomb(db):
    # a million NONEs: within or beyond the stack limit, always clean
    data = b"N" * 1_100_000 + b"."
    v = sql_call(db, "pickle_valid", data)
    if v == 0:
        assert sql_call(db, "pickle_error", data).startswith(("limit exceeded", "bad stack",
                                                              "out of memory"))


# ---- paths ----------------------------------------------------------------------------------


def test_bad_paths(db):
    data = pickle.dumps({"a": [1, 2, {"b": 3}]}, 2)
    assert sql_call(db, "pickle_get", data, "$.a[2].b") == 3
    assert sql_call(db, "pickle_get", data, "$.a[-1].b") == 3
    assert sql_call(db, "pickle_get", data, '$["a"][0]') == 1
    for path in ("a", "$.", "$[", "$[x]", "$.a[", '$["a'):
        e = sql_error(db, "pickle_get", data, path)
        assert e and e.startswith("pickle_get: bad path"), (path, e)
    for path in ("$.b", "$.a[3]", "$.a[-4]", "$.a[0].x"):
        e = sql_error(db, "pickle_get", data, path)
        assert e and e.startswith("pickle_get: no such path"), (path, e)


# ---- random corruption (fixed seed) ---------------------------------------------------------


def test_random_mutations_are_clean(db):
    """Flip, insert and delete bytes of real pickles (seeded): every outcome is a value or a
    clean error whose text names a known problem, and the functions agree with each other."""
    import random
    rng = random.Random(20240611)
    seeds = [d for _, d in _real_pickles()]
    outcomes = {"valid": 0, "error": 0}
    bad_utf8 = []

    def text_factory(b):
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            bad_utf8.append(b)
            return b.decode("utf-8", "replace")
    db.text_factory = text_factory
    for i in range(4000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            pos = rng.randrange(len(data))
            if op < 0.6:
                data[pos] = rng.randrange(256)
            elif op < 0.8:
                data.insert(pos, rng.randrange(256))
            elif len(data) > 2:
                del data[pos]
        data = bytes(data)
        valid, err = db.execute("SELECT pickle_valid(?), pickle_error(?)", (data, data)).fetchone()
        if valid == 1:
            assert err is None
            outcomes["valid"] += 1
            text = sql_call(db, "pickle_type", data)
            assert isinstance(text, str) and text
            e = sql_error(db, "pickle_json", data)
            assert e is None or e.startswith(("pickle_json: limit exceeded",
                                              "pickle_json: out of memory")), e
        else:
            # a corrupted first byte can make the stream look like a compressed container
            assert valid == 0 and err.startswith(LABELS + ("bad compressed data",
                                                           "bad joblib data",
                                                           "bad numpy data")), (data, err)
            try:
                e = sql_error(db, "pickle_get", data)
            except UnicodeDecodeError:  # the SQL error text itself is not UTF-8
                bad_utf8.append(err.encode())
                e = "pickle_get: " + err
            assert e == "pickle_get: " + err
            outcomes["error"] += 1
    assert outcomes["valid"] > 50 and outcomes["error"] > 1000, outcomes
    # error messages (and every TEXT result) must be valid UTF-8 even when they quote input
    assert not bad_utf8, "%d texts are not UTF-8, e.g. %r" % (len(bad_utf8), bad_utf8[:3])
