"""Differential tests: pickle_json / pickle_type / pickle_get / pickle_info against Python's view.

Every object of pyobjects.objects() is pickled with every protocol by /usr/bin/python3 and by
each pyenv Python present (2.7: protocols 0-2; 3.6/3.7: 0-4; 3.8+: 0-5); each Python runs once
(`python pyobjects.py` prints a JSON list of hex pickles). The expected answers come from
pkref.py: CPython's own unpickler with recording stubs, so the reference is the content of the
stream (class name, args, state, items) without running any user code.

Checked for each pickle:
  json.loads(pickle_json(p)) == pkref.expected_json(content)   (sets order-insensitively)
  pickle_type(p) and pickle_get(p) at the root and at each child path of a list/tuple/dict root
  pickle_valid(p) = 1, pickle_error(p) IS NULL
  pickle_info(p): protocol and the globals referenced
A self-check confirms that the reference agrees with pickle.loads for builtin-only content.

Counts are printed at the end of the session (pytest -s shows them; they also go to
build/test_counts_decode_diff.json).
"""
import binascii
import collections
import glob
import json
import os
import pickle
import subprocess
import sys

import pytest

import pkref
from conftest import REPO, sql_call

HERE = os.path.dirname(os.path.abspath(__file__))


def _pythons():
    found = [("system-3.11", "/usr/bin/python3")]
    for exe in sorted(glob.glob("/root/.pyenv/versions/*/bin/python")):
        ver = exe.split("/")[-3]
        found.append((ver, exe))
    return found


PYTHONS = _pythons()
_corpus_cache = {}
COUNTS = collections.Counter()


def corpus(exe):
    """{"python": ..., "items": [[name, proto, hex|None, err|None]...]} produced by exe."""
    if exe not in _corpus_cache:
        out = subprocess.check_output([exe, os.path.join(HERE, "pyobjects.py")], cwd=HERE,
                                      timeout=300)
        _corpus_cache[exe] = json.loads(out.decode("utf-8"))
    return _corpus_cache[exe]


def _children(v):
    """(path, child) pairs of a list/tuple/dict root whose children have simple paths."""
    out = []
    if isinstance(v, (list, tuple)):
        for i, x in enumerate(v[:40]):
            out.append(("$[%d]" % i, x))
        if v:
            out.append(("$[-1]", v[-1]))
    elif pkref.is_interpreted_dict(v):
        for k, x in list(v.items())[:40]:
            if isinstance(k, str):
                out.append((pkref.path_key("$", k), x))
    return out


# Globals pickle_info must not flag: the allowlist interpreted as data, plus builtin type names
# (referencing builtins.list or builtins.object does nothing by itself).
SAFE_GLOBALS = set("%s.%s" % k for k in pkref.ALLOWED) | set(
    "builtins." + n for n in ("object", "list", "dict", "tuple", "int", "float", "str", "bool",
                              "NoneType"))


def check_one(db, data, label):
    """All checks on one pickle; returns a list of failure strings."""
    fails = []
    value, globs = pkref.ref_load(data)
    # pickle_json
    try:
        got = json.loads(sql_call(db, "pickle_json", data))
    except Exception as exc:  # noqa: BLE001 - reported as a failure
        return ["%s: pickle_json failed: %s" % (label, exc)]
    d = pkref.diff(pkref.expected_json(value), got)
    if d:
        fails.append("%s: pickle_json %s" % (label, d))
    # pickle_valid / pickle_error
    if sql_call(db, "pickle_valid", data) != 1:
        fails.append("%s: pickle_valid != 1" % label)
    if sql_call(db, "pickle_error", data) is not None:
        fails.append("%s: pickle_error not NULL" % label)
    # pickle_type / pickle_get at the root and at child paths
    for path, v in [("$", value)] + _children(value):
        et = pkref.expected_type(v)
        try:
            gt = sql_call(db, "pickle_type", data, path)
        except Exception as exc:  # noqa: BLE001
            fails.append("%s: pickle_type(%s) failed: %s" % (label, path, exc))
            continue
        if et is not None and gt != et:
            fails.append("%s: pickle_type(%s) = %r, expected %r" % (label, path, gt, et))
        kind, ev = pkref.expected_get(v, path)
        try:
            gv = sql_call(db, "pickle_get", data, path)
        except Exception as exc:  # noqa: BLE001
            fails.append("%s: pickle_get(%s) failed: %s" % (label, path, exc))
            continue
        if kind == pkref.SCALAR:
            same = (type(gv) is type(ev) and (gv == ev if not isinstance(ev, float)
                                              else repr(gv) == repr(ev)))
            if not same:
                fails.append("%s: pickle_get(%s) = %r, expected %r" % (
                    label, path, pkref._short(gv), pkref._short(ev)))
        else:
            if not isinstance(gv, str):
                fails.append("%s: pickle_get(%s) gave %r, expected JSON text" % (label, path, gv))
            else:
                dd = pkref.diff(ev, json.loads(gv))
                if dd:
                    fails.append("%s: pickle_get(%s) %s" % (label, path, dd))
        COUNTS["paths"] += 1
    # pickle_info
    try:
        info = json.loads(sql_call(db, "pickle_info", data))
        proto = data[1] if data[:1] == b"\x80" else 0
        if info.get("protocol") != proto:
            fails.append("%s: pickle_info protocol %r, expected %r" % (
                label, info.get("protocol"), proto))
        gl = info.get("globals")
        if gl != globs:
            fails.append("%s: pickle_info globals %r, expected %r" % (label, gl, globs))
        unsafe = [g for g in globs if g not in SAFE_GLOBALS]
        if info.get("unsafe_globals") != unsafe or info.get("safe") is not (not unsafe):
            fails.append("%s: pickle_info unsafe_globals %r safe %r, expected %r" % (
                label, info.get("unsafe_globals"), info.get("safe"), unsafe))
    except Exception as exc:  # noqa: BLE001
        fails.append("%s: pickle_info failed: %s" % (label, exc))
    return fails


@pytest.mark.parametrize("ver,exe", PYTHONS, ids=[p[0] for p in PYTHONS])
def test_differential(db, ver, exe):
    doc = corpus(exe)
    highest = doc["highest"]
    expect_highest = 2 if doc["python"].startswith("2.") else (
        4 if doc["python"][:3] in ("3.6", "3.7") else 5)
    assert highest == expect_highest
    fails = []
    n = 0
    for name, proto, hx, err in doc["items"]:
        if hx is None:
            COUNTS["unpicklable"] += 1
            continue
        if (name, proto) in KNOWN_DEVIATIONS:
            COUNTS["known_deviation"] += 1
            continue
        data = binascii.unhexlify(hx)
        fails.extend(check_one(db, data, "%s/%s/p%d" % (ver, name, proto)))
        n += 1
    COUNTS["pickles"] += n
    COUNTS["pythons"] += 1
    COUNTS["objects"] = max(COUNTS["objects"], len(set(i[0] for i in doc["items"])))
    COUNTS["protocols:%s" % ver] = highest + 1
    _write_counts()
    assert n > 200
    assert not fails, "%d failures of %d pickles:\n%s" % (len(fails), n, "\n".join(fails[:40]))


# Tested on their own below, so that the big differential test stays about everything else.
KNOWN_DEVIATIONS = set(("inner", p) for p in range(4))


@pytest.mark.parametrize("proto", range(4))
def test_nested_class_protocol_lt4(db, proto):
    """Protocols < 4 pickle a nested class as REDUCE(builtins.getattr, (Outer, "Inner")):
    the instance's class is pyobjects.Outer.Inner, not an object of builtins.getattr."""
    data = pickle.dumps(_pyobjects().Outer.Inner(), proto)
    got = json.loads(sql_call(db, "pickle_json", data))
    assert got.get("z") == 26
    assert got.get("py/object") == "pyobjects.Outer.Inner"
    assert sql_call(db, "pickle_type", data) == "pyobjects.Outer.Inner"


@pytest.mark.parametrize("what", ["none", "small_int", "bool", "range", "float", "str"])
def test_large_containers_within_budget(db, what):
    """Real pickles of big homogeneous lists decode: the allocation budget is a multiple of the
    input size, so one-byte elements (N, K\x00, \x88) must not cost more than that."""
    n = 1000000
    obj = {"none": [None] * n, "small_int": [0] * n, "bool": [True] * n,
           "range": list(range(n)), "float": [1.5] * (n // 4),
           "str": [u"s%d" % (i % 10) for i in range(n // 4)]}[what]
    data = pickle.dumps(obj, 4)
    assert sql_call(db, "pickle_error", data) is None
    assert sql_call(db, "pickle_get", data, "$[-1]") == pkref.expected_get(obj[-1])[1]
    assert sql_call(db, "pickle_type", data) == "list"


def _pyobjects():
    import pyobjects
    return pyobjects


def test_reference_agrees_with_pickle_loads():
    """pkref's stub unpickler gives what pickle.loads gives when nothing is stubbed."""
    doc = corpus("/usr/bin/python3")
    sys.path.insert(0, HERE)
    checked = 0
    for name, proto, hx, err in doc["items"]:
        if hx is None:
            continue
        data = binascii.unhexlify(hx)
        value, globs = pkref.ref_load(data)
        if any(g not in ("builtins.set", "builtins.frozenset", "builtins.bytearray",
                         "builtins.complex", "builtins.bytes", "_codecs.encode",
                         "collections.OrderedDict", "builtins.slice", "builtins.range")
               for g in globs):
            continue
        real = pickle.loads(data)
        assert pkref.diff(pkref.expected_json(real), pkref._plain(pkref.expected_json(value))
                          ) is None, name
        checked += 1
    assert checked > 200


def test_expected_mapping_spot_checks():
    """The reference mapping itself, on hand-written values (guards against a vacuous oracle)."""
    o = pkref.Obj(pkref.Ref("m", "C"), (1,), "reduce")
    o.state = ({"a": 1}, {"b": 2})
    assert pkref._plain(pkref.expected_json(o)) == {"py/object": "m.C", "py/args": [1], "a": 1,
                                                     "b": 2}
    o.state = [1, 2]
    assert pkref._plain(pkref.expected_json(o))["py/state"] == [1, 2]
    lst = [1]
    lst.append(lst)
    assert pkref.expected_json(lst) == [1, {"py/ref": "$"}]
    assert pkref.expected_json({1: b"\x00", 1.5: 2j, (1, "a"): None}) == {
        "1": {"py/bytes": "AA=="}, "1.5": {"py/complex": [0.0, 2.0]}, '[1,"a"]': None}
    assert pkref.diff(pkref.Unordered([1, 2]), [2, 1]) is None
    assert pkref.diff(pkref.Unordered([1, 2]), [2, 2]) is not None
    assert pkref.diff(-0.0, 0.0) is not None
    assert pkref.diff(float("nan"), float("nan")) is None
    assert pkref.diff(1, 1.0) is not None
    assert pkref.diff(True, 1) is not None
    assert pkref.expected_get(2 ** 64) == (pkref.SCALAR, "18446744073709551616")
    assert pkref.expected_get(float("nan")) == (pkref.SCALAR, None)
    assert pkref.expected_get("a\ud800") == (pkref.SCALAR, "a\ufffd")


def _write_counts():
    try:
        os.makedirs(os.path.join(REPO, "build"), exist_ok=True)
        with open(os.path.join(REPO, "build", "test_counts_decode_diff.json"), "w") as f:
            json.dump(dict(COUNTS), f, indent=1, sort_keys=True)
    except OSError:
        pass


def teardown_module(module):
    if COUNTS:
        sys.stderr.write("\ndecode_diff counts: %s\n" % json.dumps(dict(COUNTS), sort_keys=True))
