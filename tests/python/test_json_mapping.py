"""pickle_json's JSON mapping (docs/json.md) checked against Python itself.

For every object below and every protocol 0-5, the object is pickled, loaded back with
pickle.loads (real classes, real values) and mapped to JSON by `reference()` -- an independent
Python statement of the mapping that reads the *live object* (its type, __reduce_ex__ for
instances of other classes, its identity for cycles). json.loads(pickle_json(p)) must equal it.
Floats compare by repr (so -0.0 and NaN are checked exactly); sets compare as multisets.

Also: pickle_json with a path (py/ref paths are relative to the caller's path), pickle_each /
pickle_tree rows against the same reference, and pickle_info's fields.
"""
import base64
import collections
import copyreg
import json
import math
import pickle
import random
import sqlite3
import types

import pytest

from pkref import Unordered, diff

PROTOCOLS = list(range(0, pickle.HIGHEST_PROTOCOL + 1))

# ---- classes (pickled by reference to this module) -------------------------------------------


class Plain(object):
    def __init__(self, a=1, b="two"):
        self.a = a
        self.b = b


class Slots(object):
    __slots__ = ("x", "y")

    def __init__(self):
        self.x = 1.5
        self.y = [1, 2]


class SlotsAndDict(object):
    __slots__ = ("s", "__dict__")

    def __init__(self):
        self.s = "slot"
        self.d = "dict"


class GetState(object):
    def __init__(self):
        self.v = 3

    def __getstate__(self):
        return ("custom", self.v)

    def __setstate__(self, st):
        self.v = st[1]


class Reduced(object):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __reduce__(self):
        return (Reduced, (self.x, self.y))


class NewArgs(object):
    def __new__(cls, n=0):
        o = object.__new__(cls)
        o.n = n
        return o

    def __getnewargs__(self):
        return (self.n,)


class NewArgsEx(object):
    def __new__(cls, *args, **kwargs):
        o = object.__new__(cls)
        o.kw = kwargs
        return o

    def __getnewargs_ex__(self):
        return ((), {"k": 5})


class MyList(list):
    pass


class MyDict(dict):
    pass


class Outer(object):
    class Inner(object):
        def __init__(self):
            self.z = None


def some_function():
    return None


def _recursive_list():
    l = [1, "x"]
    l.append(l)
    return l


def _recursive_dict():
    d = {"name": "root"}
    d["self"] = d
    d["kids"] = [{"up": d}]
    return d


def _self_object():
    o = Plain()
    o.me = o
    o.deep = [0, [o]]
    return o


def _inner_cycle():
    inner = []
    inner.append(inner)
    return {"a": [0, inner], "b c": inner}


def _shared():
    s = [1, 2]
    return {"x": s, "y": s, "z": (s, s)}


def _mylist():
    m = MyList([1, "a", None])
    m.tag = "t"
    return m


def _mydict():
    m = MyDict(a=1)
    m["b"] = [2]
    m.attr = 7
    return m


def _defaultdict():
    d = collections.defaultdict(list)
    d["k"].append(1)
    return d


def _random_floats():
    r = random.Random(5)
    out = []
    for _ in range(300):
        out.append(r.uniform(-1e9, 1e9))
        out.append(r.random() * 10 ** r.randint(-30, 30))
    return out


OBJECTS = [
    ("none", None),
    ("true", True),
    ("false", False),
    ("ints", [0, 1, -1, 255, 256, 65535, 65536, 2 ** 31 - 1, -2 ** 31, 2 ** 31, 2 ** 63 - 1,
              -2 ** 63, 2 ** 63, -2 ** 63 - 1, 2 ** 64, 10 ** 30, -10 ** 30, 2 ** 1000,
              -(3 ** 700)]),
    ("floats", [0.0, -0.0, 1.0, -2.5, 0.1, 1e16, 1e15, 1e-5, 1.5e-5, 1e-4, 5e-324,
                1.7976931348623157e308, 2.0 ** -1022, 1 / 3.0, float("nan"), float("inf"),
                float("-inf")]),
    ("random_floats", _random_floats()),
    ("strs", ["", "a", "caf\u00e9", "\u20ac\U0001f600", "quote\"back\\slash", "\n\t\r\x00\x1f\x7f",
              "\ud800", "x\udfffy", "\u2028\u2029", "a" * 1000]),
    ("bytes", [b"", b"\x00\x01\xff", bytes(range(256)), bytearray(b"ba"), bytearray()]),
    ("complex", [complex(1, 2), complex(-0.0, float("inf"))]),
    ("nested", {"a": [1, (2, 3), {"b": [[], {}, ()]}], "c": {"d": {"e": {"f": "deep"}}}}),
    ("tuple_root", (1, (2, (3, (4,))))),
    ("sets", [set(), {1}, frozenset(["a", "b", "c"]), {(1, 2), (3, 4)}]),
    ("dict_keys", {"s": 1, 2: 2, -3: 3, 1.5: 4, True: 5, None: 6, (1, "t"): 7, 2 ** 70: 8,
                   float("inf"): 9, b"by": 10, frozenset([1]): 11}),
    ("ordered", collections.OrderedDict([("z", 1), ("a", 2)])),
    ("defaultdict", _defaultdict()),
    ("shared", _shared()),
    ("recursive_list", _recursive_list()),
    ("recursive_dict", _recursive_dict()),
    ("inner_cycle", _inner_cycle()),
    ("plain", Plain()),
    ("plain_nested", Plain(Plain(3, [1]), {"k": Plain()})),
    ("self_object", _self_object()),
    ("slots", Slots()),
    ("slots_and_dict", SlotsAndDict()),
    ("getstate", GetState()),
    ("reduced", Reduced([1, 2], {"q": None})),
    ("newargs", NewArgs(9)),
    ("mylist", _mylist()),
    ("mydict", _mydict()),
    ("nested_class", Outer.Inner()),
    ("class_refs", [Plain, some_function, len, collections.OrderedDict]),
    ("slice_range", [slice(1, 10, 2), range(0, 10, 3)]),
]

# protocol-specific objects (NEWOBJ_EX needs protocol 4)
OBJECTS_P4 = [("newargs_ex", NewArgsEx())]


# ---- the reference mapping --------------------------------------------------------------------


def qualname(obj):
    return "%s.%s" % (obj.__module__, obj.__qualname__)


def float_key(f):
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    return repr(f)


def json_key(k, proto):
    """json.dumps's key rules; other keys as their compact JSON text."""
    if isinstance(k, str):
        return k
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, int):
        return str(k)
    if isinstance(k, float):
        return float_key(k)
    text = reference(k, proto)
    if isinstance(text, Unordered):
        text = list(text)  # a set key: its order is the decoder's; only used with 1 element
    return json.dumps(text, separators=(",", ":"), ensure_ascii=False)


def key_path(path, k):
    if isinstance(k, str):
        if k and (k[0].isalpha() or k[0] == "_") and k.isascii() and \
                all(c.isalnum() or c == "_" for c in k):
            return "%s.%s" % (path, k)
        return '%s["%s"]' % (path, k.replace("\\", "\\\\").replace('"', '\\"'))
    if isinstance(k, int):
        return "%s[%d]" % (path, k)
    return path + "[?]"


def reference(v, proto, path="$", anc=None):
    """What json.loads(pickle_json(pickle.dumps(v, proto))) must be."""
    anc = anc or {}
    if v is None or isinstance(v, (bool, str)):
        return v
    if type(v) is int:
        return v
    if type(v) is float:
        return None if math.isnan(v) else v  # strict JSON: NaN is null
    if type(v) in (bytes, bytearray):
        return {"py/bytes": base64.b64encode(bytes(v)).decode("ascii")}
    if type(v) is complex:
        return {"py/complex": [None if math.isnan(x) else x for x in (v.real, v.imag)]}
    if isinstance(v, (type, types.FunctionType, types.BuiltinFunctionType)):
        mod = v.__module__
        return {"py/type": "%s.%s" % (mod, v.__qualname__)}
    if type(v) is slice:
        return {"py/object": "builtins.slice",
                "py/args": [reference(v.start, proto), reference(v.stop, proto),
                            reference(v.step, proto)]}
    if type(v) is range:
        return {"py/object": "builtins.range", "py/args": [v.start, v.stop, v.step]}
    if id(v) in anc:
        return {"py/ref": anc[id(v)]}
    anc = dict(anc)
    anc[id(v)] = path
    if type(v) in (list, tuple):
        return [reference(x, proto, "%s[%d]" % (path, i), anc) for i, x in enumerate(v)]
    if type(v) in (set, frozenset):
        return Unordered(reference(x, proto, path + "[?]", anc) for x in v)
    if type(v) in (dict, collections.OrderedDict, collections.defaultdict):
        return dict((json_key(k, proto), reference(x, proto, key_path(path, k), anc))
                    for k, x in v.items())
    return instance_reference(v, proto, path, anc)


def instance_reference(v, proto, path, anc):
    """An instance of another class: what its __reduce_ex__ tells pickle to write."""
    rv = v.__reduce_ex__(proto)
    func, args = rv[0], rv[1]
    state = rv[2] if len(rv) > 2 else None
    listitems = list(rv[3]) if len(rv) > 3 and rv[3] is not None else []
    dictitems = list(rv[4]) if len(rv) > 4 and rv[4] is not None else []
    kwargs = None
    if func is copyreg.__newobj__:
        cls, args = args[0], args[1:]
    elif getattr(copyreg, "__newobj_ex__", None) is func:
        cls, args, kwargs = args
    elif func is copyreg._reconstructor:
        # protocols 0-1: _reconstructor(cls, base, base_state); a list or dict base's state is
        # the content, which the mapping shows as items (as protocol 2+ streams append them)
        cls, base, st = args
        args = () if base is object else (st,)
        if base is list:
            args, listitems = (), list(st)
        elif base is dict:
            args, dictitems = (), list(st.items())
    else:
        cls = func
    out = {"py/object": qualname(cls)}
    if args:
        out["py/args"] = [reference(a, proto, path + "[?]", anc) for a in args]
    if kwargs:
        out["py/kwargs"] = dict((k, reference(x, proto, key_path(path, k), anc))
                                for k, x in kwargs.items())
    if state is not None:
        if type(state) is dict:
            merged = state
        elif (type(state) is tuple and len(state) == 2 and
              all(s is None or type(s) is dict for s in state)):
            merged = dict(state[0] or {})
            merged.update(state[1] or {})
        else:
            merged = None
            out["py/state"] = reference(state, proto, path + "[?]", anc)
        for k, x in (merged or {}).items():
            out[json_key(k, proto)] = reference(x, proto, key_path(path, k), anc)
    if listitems:
        out["py/items"] = [reference(x, proto, "%s[%d]" % (path, i), anc)
                           for i, x in enumerate(listitems)]
    if dictitems:
        out["py/dictitems"] = dict((json_key(k, proto), reference(x, proto, key_path(path, k), anc))
                                   for k, x in dictitems)
    return out


# ---- tests ------------------------------------------------------------------------------------


def pickle_json(db, blob, path=None):
    if path is None:
        return db.execute("SELECT pickle_json(?)", (blob,)).fetchone()[0]
    return db.execute("SELECT pickle_json(?, ?)", (blob, path)).fetchone()[0]


# classes with __slots__ and no __getstate__ cannot be pickled below protocol 2
# nested classes are written as getattr(Outer, 'Inner') below protocol 4 (an inert getattr
# object in the mapping), by qualified name from protocol 4
MIN_PROTOCOL = {"slots": 2, "slots_and_dict": 2, "newargs_ex": 4, "nested_class": 4}

CASES = [(name, obj, proto) for name, obj in OBJECTS + OBJECTS_P4 for proto in PROTOCOLS
         if proto >= MIN_PROTOCOL.get(name, 0)]


@pytest.mark.parametrize("name,obj,proto", CASES, ids=["%s-p%d" % (c[0], c[2]) for c in CASES])
def test_mapping_matches_python(db, name, obj, proto):
    blob = pickle.dumps(obj, proto)
    loaded = pickle.loads(blob)
    expected = reference(loaded, proto)
    text = pickle_json(db, blob)
    got = json.loads(text)
    problem = diff(expected, got)
    assert problem is None, "%s (protocol %d): %s\n%s" % (name, proto, problem, text[:2000])


def test_case_count():
    # the breadth this file promises: 31 objects x 6 protocols (fewer for slots / NEWOBJ_EX)
    assert len(OBJECTS) >= 30
    assert len(CASES) == len(OBJECTS) * 6 - 2 * 2 - 4 + 2


def test_float_text_is_python_repr(db):
    values = _random_floats() + [0.1, 1e16, 1e-05, 123456789.0, 5e-324, -0.0]
    text = pickle_json(db, pickle.dumps(values, 4))
    # the raw text, not just the parsed value: exactly repr() between the commas
    assert text == "[" + ",".join(repr(v) for v in values) + "]"


def test_output_is_valid_utf8_with_surrogate_escapes(db):
    text = pickle_json(db, pickle.dumps(["\ud800", "\udc00x", "\u00e9"], 4))
    assert text == '["\\ud800","\\udc00x","\u00e9"]'


def test_surrogate_pair_limitation(db):
    # Two lone surrogates in a row are two escapes; json.loads joins them into one character.
    # Documented: pickle_json cannot say "two code points" in JSON.
    text = pickle_json(db, pickle.dumps("\ud83d\ude00", 4))
    assert text == '"\\ud83d\\ude00"'
    assert json.loads(text) == "\U0001f600"


def test_path_argument_and_refs(db):
    blob = pickle.dumps(_inner_cycle(), 4)
    assert json.loads(pickle_json(db, blob, "$.a[1]")) == [{"py/ref": "$.a[1]"}]
    assert json.loads(pickle_json(db, blob, '$["b c"]')) == [{"py/ref": '$["b c"]'}]
    blob = pickle.dumps(_self_object(), 4)
    got = json.loads(pickle_json(db, blob, "$.deep"))
    # the object is below $.deep here, so it is written out; its refs name paths under $.deep
    assert got == [0, [{"py/object": qualname(Plain), "a": 1, "b": "two",
                        "me": {"py/ref": "$.deep[1][0]"}, "deep": {"py/ref": "$.deep"}}]]
    assert json.loads(pickle_json(db, blob, "$.deep[1][0].a")) == 1


def test_cycle_refs_name_enclosing_path(db):
    blob = pickle.dumps(_recursive_dict(), 4)
    got = json.loads(pickle_json(db, blob))
    assert got == {"name": "root", "self": {"py/ref": "$"}, "kids": [{"up": {"py/ref": "$"}}]}
    blob = pickle.dumps(_inner_cycle(), 2)
    got = json.loads(pickle_json(db, blob))
    assert got == {"a": [0, [{"py/ref": "$.a[1]"}]], "b c": [{"py/ref": '$["b c"]'}]}


def test_each_and_tree_follow_the_mapping(db):
    obj = {"a": [1, 2.5, "s"], "b": {"c": None}, 3: (True, b"x")}
    blob = pickle.dumps(obj, 4)
    rows = db.execute("SELECT key, value, type, fullkey FROM pickle_each(?)", (blob,)).fetchall()
    assert rows == [("a", "[1,2.5,\"s\"]", "list", "$.a"), ("b", '{"c":null}', "dict", "$.b"),
                    (3, '[true,{"py/bytes":"eA=="}]', "tuple", "$[3]")]
    tree = db.execute("SELECT fullkey, type, atom FROM pickle_tree(?) ORDER BY id",
                      (blob,)).fetchall()
    assert [r[0] for r in tree] == ["$", "$.a", "$.a[0]", "$.a[1]", "$.a[2]", "$.b", "$.b.c",
                                    "$[3]", "$[3][0]", "$[3][1]"]
    assert tree[2:5] == [("$.a[0]", "int", 1), ("$.a[1]", "float", 2.5), ("$.a[2]", "str", "s")]
    assert tree[-1] == ("$[3][1]", "bytes", b"x")
    # every row's value is pickle_json at its fullkey, and both equal the reference
    subs = {"$": obj, "$.a": obj["a"], "$.a[0]": 1, "$.a[1]": 2.5, "$.a[2]": "s",
            "$.b": obj["b"], "$.b.c": None, "$[3]": obj[3], "$[3][0]": True, "$[3][1]": b"x"}
    for fullkey, value in db.execute("SELECT fullkey, value FROM pickle_tree(?)",
                                     (blob,)).fetchall():
        sub = json.loads(pickle_json(db, blob, fullkey))
        assert diff(reference(subs[fullkey], 4), sub) is None, fullkey
        if isinstance(subs[fullkey], (dict, tuple, list)):
            assert json.loads(value) == sub


def test_each_on_objects_lists_json_members(db):
    blob = pickle.dumps(_mylist(), 4)
    rows = db.execute("SELECT key, value FROM pickle_each(?)", (blob,)).fetchall()
    assert rows == [("tag", "t"), ("py/items", '[1,"a",null]')]
    assert db.execute("SELECT pickle_get(?, '$[\"py/items\"][1]'), pickle_get(?, '$[1]')",
                      (blob, blob)).fetchone() == ("a", "a")


def test_info_fields(db):
    blob = pickle.dumps([Plain(), {1, 2}, collections.OrderedDict()], 2)
    info = json.loads(db.execute("SELECT pickle_info(?)", (blob,)).fetchone()[0])
    assert info["format"] == "pickle"
    assert info["compression"] == "none"
    assert info["protocol"] == 2
    assert info["size"] == len(blob) and info["stream_size"] == len(blob)
    assert info["root_type"] == "list"
    mod = Plain.__module__
    # in first-use order, Python 2 names mapped (__builtin__.set -> builtins.set)
    assert info["globals"] == ["%s.Plain" % mod, "builtins.set", "collections.OrderedDict"]
    assert info["unsafe_globals"] == ["%s.Plain" % mod]
    assert info["safe"] is False
    blob0 = pickle.dumps([Plain(), {1, 2}, collections.OrderedDict()], 0)
    info0 = json.loads(db.execute("SELECT pickle_info(?)", (blob0,)).fetchone()[0])
    assert info0["protocol"] == 0  # no PROTO opcode
    assert info0["globals"] == ["copyreg._reconstructor", "%s.Plain" % mod, "builtins.object",
                                "builtins.set", "collections.OrderedDict"]
    assert info0["unsafe_globals"] == ["%s.Plain" % mod]
    safe = json.loads(db.execute("SELECT pickle_info(?)", (pickle.dumps({1, 2}, 4),)).fetchone()[0])
    assert safe["safe"] is True and safe["unsafe_globals"] == [] and safe["root_type"] == "set"


def test_limits_are_errors(db):
    # a shared-node bomb: 2**40 leaves if written out; stopped by the output cap
    x = ["0123456789"]
    for _ in range(40):
        x = [x, x]
    blob = pickle.dumps(x, 4)
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1000000)
    with pytest.raises(sqlite3.Error) as exc:
        pickle_json(db, blob)
    assert "pickle_json: limit exceeded" in str(exc.value)
    assert "max_output" in str(exc.value) or "too big" in str(exc.value)


def test_dtype_values_are_numpy_str(db):
    import numpy as np  # Debian's python3 has numpy; the oracle is dtype.str
    dtypes = [np.dtype(t) for t in ("f8", ">i4", "<U5", "M8[ns]", "m8[10s]", "M8", "b1", "O",
                                    "S3", "c16", "V8", "u2", "f2")]
    dtypes.append(np.dtype([("a", "<i4"), ("b", "<f8")]))
    assert len(dtypes) == 14
    for d in dtypes:
        for proto in (2, 4, 5):
            got = json.loads(pickle_json(db, pickle.dumps(d, proto)))
            want = {"py/type": "numpy.dtype", "str": d.str}
            if d.names:
                want["names"] = list(d.names)
            assert got == want, (d, proto)


def test_info_joblib_and_compression(db, tmp_path):
    import joblib
    import numpy as np
    obj = {"a": np.arange(3)}
    wanted = ["joblib.numpy_pickle.NumpyArrayWrapper", "numpy.ndarray", "numpy.dtype"]
    for compress, name in ((0, "none"), (("zlib", 3), "zlib"), (("gzip", 3), "gzip"),
                           (("bz2", 3), "bz2"), (("xz", 3), "xz"), (("lzma", 3), "lzma")):
        path = str(tmp_path / ("m_%s.joblib" % name))
        joblib.dump(obj, path, compress=compress)
        with open(path, "rb") as f:
            blob = f.read()
        info = json.loads(db.execute("SELECT pickle_info(?)", (blob,)).fetchone()[0])
        assert info["format"] == "joblib", name
        assert info["compression"] == name
        assert info["size"] == len(blob)
        assert info["root_type"] == "dict"
        assert info["globals"] == wanted and info["unsafe_globals"] == [] and info["safe"] is True
        if name == "none":
            assert info["stream_size"] == len(blob)
    # the zstd envelope is reported with the inner compressor
    zinfo = json.loads(db.execute("SELECT pickle_info(pickle_compress(?))",
                                  (blob,)).fetchone()[0])
    assert zinfo["compression"] == "zstd+lzma"
    assert zinfo["stream_size"] == info["stream_size"]


def test_depth_limit_names_the_limit(db):
    def nested(n):  # n nested lists, built opcode by opcode (pickle.dumps would recurse)
        return b"\x80\x02" + b"]" * n + b"a" * (n - 1) + b"."
    assert pickle_json(db, nested(1000)) == "[" * 1000 + "]" * 1000
    assert db.execute("SELECT count(*) FROM pickle_tree(?)", (nested(1000),)).fetchone() == (1000,)
    for fn, sql in (("pickle_json", "SELECT pickle_json(?)"),
                    ("pickle_tree", "SELECT count(*) FROM pickle_tree(?)")):
        with pytest.raises(sqlite3.Error) as exc:
            db.execute(sql, (nested(1001),)).fetchone()
        msg = str(exc.value)
        assert msg.startswith("%s: limit exceeded: nesting deeper than max_depth (1000) at '$[0]"
                              % fn), msg
        assert msg.endswith("...'")
    # pickle_each only lists the first level
    assert db.execute("SELECT count(*) FROM pickle_each(?)", (nested(5000),)).fetchone() == (1,)
