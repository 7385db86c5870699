# -*- coding: utf-8 -*-
"""Test objects for the differential decoder tests (tests/python/test_decode_diff.py).

Importable by every Python the tests run: 2.7 and 3.6-3.13 (no f-strings, no keyword-only
arguments, every class derives from object except OldStyle, which is an old-style class under
Python 2 so that protocols 0-2 write INST/OBJ for it).

`objects()` returns a list of (name, object) pairs. The objects are built fresh on each call and
depend on nothing random, so every Python pickles the same content (modulo its own opcodes and
its own str/bytes model). The classes live in this module, so pickles name them
`pyobjects.<Class>`; the decoder never imports them, it only reads the names.

`python pyobjects.py PROTO...` prints a JSON document
{"python": version, "highest": N, "items": [[name, proto, hex-or-null, error-or-null], ...]}
-- the producer that test_decode_diff.py runs under every Python.
"""
from __future__ import print_function

import collections
import sys

PY2 = sys.version_info[0] == 2

if PY2:
    text_type = unicode  # noqa: F821
    long_ = long  # noqa: F821
else:
    text_type = str
    long_ = int


class Plain(object):
    """Instance state in __dict__."""

    def __init__(self, a=1, b=u"two"):
        self.a = a
        self.b = b

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__


class Empty(object):
    """No state at all."""


class Slotted(object):
    """Only __slots__: protocol 2+ writes the state (None, {slot: value})."""
    __slots__ = ("x", "y")

    def __init__(self, x=1, y=2):
        self.x = x
        self.y = y


class SlottedDict(object):
    """__slots__ plus __dict__: state ({...}, {slot: value})."""
    __slots__ = ("s", "__dict__")

    def __init__(self):
        self.s = u"slot"
        self.d = u"dict"


class Reduced(object):
    """__reduce__ with constructor arguments and no state."""

    def __init__(self, p, q):
        self.p = p
        self.q = q

    def __reduce__(self):
        return (Reduced, (self.p, self.q))


class ReducedState(object):
    """__reduce__ with arguments and a dict state."""

    def __init__(self, p):
        self.p = p
        self.extra = [1, 2]

    def __reduce__(self):
        return (ReducedState, (self.p,), {u"extra": self.extra, u"tag": u"rs"})


class TupleState(object):
    """__getstate__ returning a non-dict (a tuple); __setstate__ takes it back."""

    def __init__(self):
        self.u = 1
        self.v = u"vee"

    def __getstate__(self):
        return (self.u, self.v, None)

    def __setstate__(self, st):
        self.u, self.v, _ = st


class ListState(object):
    """__getstate__ returning a list (non-dict state)."""

    def __getstate__(self):
        return [3, 2, 1]

    def __setstate__(self, st):
        self.st = st


class DictState(object):
    """__getstate__ returning a dict different from __dict__."""

    def __init__(self):
        self.hidden = 1

    def __getstate__(self):
        return {u"shown": 2, u"nested": {u"k": [1.5]}}

    def __setstate__(self, st):
        self.__dict__.update(st)


class NewArgs(object):
    """__getnewargs__: protocol 2+ writes NEWOBJ with these arguments."""

    def __new__(cls, *args):
        return object.__new__(cls)

    def __init__(self, n=0, s=u""):
        self.n = n
        self.s = s

    def __getnewargs__(self):
        return (self.n, self.s)


class MyList(list):
    """list subclass: items are APPENDed to the object."""


class MyListAttr(list):
    """list subclass with an attribute."""

    def __init__(self, *a):
        list.__init__(self, *a)
        self.note = u"attr"


class MyDict(dict):
    """dict subclass: items are SETITEMed on the object."""


class MySet(set):
    """set subclass: set's __reduce__ gives (cls, (list,), state)."""


class MyInt(int):
    """int subclass: NEWOBJ(cls, (value,))."""


class MyStr(text_type):
    """str subclass."""


class OldStyle:
    """Old-style class under Python 2 (INST/OBJ opcodes); new-style elsewhere."""

    def __init__(self):
        self.old = 1


class OldInitArgs:
    """Old-style with __getinitargs__ (Python 2 writes INST with arguments)."""

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __getinitargs__(self):
        return (self.a, self.b)


class Outer(object):
    """Nested class: protocol 4+ writes the qualified name Outer.Inner."""

    class Inner(object):
        def __init__(self):
            self.z = 26


def module_function(x):
    """A function pickled by reference."""
    return x


def _recursive_list():
    a = [1]
    a.append(a)
    return a


def _recursive_dict():
    d = {u"name": u"d"}
    d[u"self"] = d
    return d


def _recursive_tuple():
    lst = []
    t = (lst, 1)
    lst.append(t)
    return t


def _recursive_object():
    o = Plain()
    o.me = o
    o.lst = [o]
    return o


def _mutual():
    a = [u"a"]
    b = [u"b", a]
    a.append(b)
    return {u"a": a, u"b": b}


def _shared():
    s = [1, 2]
    inner = {u"k": s}
    return [s, s, inner, inner, (s,)]


def _memo_chain(n):
    x = []
    for _ in range(n):
        x = [x, x]
    return x


def _many_types():
    return [None, True, False, 0, -1, 2 ** 31, -2 ** 31 - 1, 1.5, u"s", b"b", (), [], {}]


def _big_ints():
    return [255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, -2 ** 31, -2 ** 31 - 1,
            2 ** 63 - 1, -2 ** 63, 2 ** 63, -2 ** 63 - 1, 2 ** 64, -2 ** 64, 2 ** 64 + 1,
            2 ** 100, -2 ** 1000, 3 ** 200, long_(7), -long_(1)]


def _floats():
    return [0.0, -0.0, 1.0, -1.5, 0.1, 1e16, 1e-7, 123456789.125, 1.7976931348623157e308,
            5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, float("inf"),
            float("-inf"), float("nan"), 1e22, 1e23, -1e-300, 3.141592653589793]


def _unicode():
    return [u"", u"ascii", u"caf\u00e9", u"\u4e2d\u6587", u"\U0001F600 astral",
            u"\U00010348", u"quote\" back\\ nl\n tab\t cr\r nul\x00 del\x7f",
            u"\u2028\u2029", u"\ufeffbom", u"lone \ud800 high", u"lone \udfff low",
            u"\udc80\udcff", u"mix \ud83d\ude00 pair", u"x" * 300, u"\u00ff" * 70]


def _bytes():
    return [b"", b"a", b"\x00\xff\x80", bytes(bytearray(range(256))), b"x" * 300]


def objects():
    """Every test object: a list of (name, object)."""
    od = collections.OrderedDict()
    od[u"z"] = 1
    od[u"a"] = [2]
    od[3] = u"three"
    dd = collections.defaultdict(list)
    dd[u"k"].append(1)
    dd[u"j"] = 2
    dd_int = collections.defaultdict(int)
    dd_int[5] = 6
    ml = MyList([1, u"two", 3.0])
    mla = MyListAttr([u"q"])
    md = MyDict()
    md[u"a"] = 1
    md[2] = u"b"
    objs = [
        ("none", None),
        ("true", True),
        ("false", False),
        ("zero", 0),
        ("small_ints", [0, 1, -1, 127, 128, -128, 255, 256]),
        ("big_ints", _big_ints()),
        ("int_2_64", 2 ** 64),
        ("int_neg_2_1000", -2 ** 1000),
        ("int_max64", 2 ** 63 - 1),
        ("int_min64", -2 ** 63),
        ("floats", _floats()),
        ("float_nan", float("nan")),
        ("float_negzero", -0.0),
        ("float_subnormal", 5e-324),
        ("unicode", _unicode()),
        ("astral", u"\U0001F600"),
        ("lone_surrogate", u"\ud800"),
        ("str_long", u"long " * 100),
        ("bytes", _bytes()),
        ("bytes_empty", b""),
        ("bytes_one", b"\xff"),
        ("bytes_utf8", b"caf\xc3\xa9"),
        ("bytearray", bytearray(b"\x00ba\xff")),
        ("bytearray_empty", bytearray()),
        ("tuple0", ()),
        ("tuple1", (1,)),
        ("tuple2", (1, u"2")),
        ("tuple3", (1, 2, 3)),
        ("tuple5", (1, 2, 3, 4, (5,))),
        ("list_nested", [[], [[]], [[[1]]], [1, [2, [3, [4, [5]]]]]]),
        ("dict_str", {u"a": 1, u"b": [1, 2], u"c": {u"d": None}}),
        ("dict_int_keys", {1: u"one", -5: u"neg", 2 ** 70: u"big"}),
        ("dict_float_keys", {1.5: u"x", -0.25: u"y"}),
        ("dict_bool_none_keys", {True: 1, None: 2}),
        ("dict_tuple_keys", {(1, 2): u"a", (u"x", (3,)): u"b"}),
        ("dict_large", dict((u"k%03d" % i, i) for i in range(150))),
        ("set", set([1, 2, 3])),
        ("set_mixed", set([u"a", 1, (2, 3), None])),
        ("set_empty", set()),
        ("frozenset", frozenset([u"x", u"y"])),
        ("frozenset_empty", frozenset()),
        ("set_large", set(range(1200))),
        ("complex", complex(1.5, -2.0)),
        ("complex_list", [1j, complex(0, 0), complex(float("inf"), 1)]),
        ("slice", slice(1, 10, 2)),
        ("slice_none", slice(None, 5, None)),
        ("range", range(0, 10, 3)),
        ("ordereddict", od),
        ("ordereddict_empty", collections.OrderedDict()),
        ("defaultdict", dd),
        ("defaultdict_int", dd_int),
        ("shared", _shared()),
        ("recursive_list", _recursive_list()),
        ("recursive_dict", _recursive_dict()),
        ("recursive_tuple", _recursive_tuple()),
        ("recursive_object", _recursive_object()),
        ("mutual", _mutual()),
        ("memo_chain", _memo_chain(8)),
        ("many_types", _many_types()),
        ("plain", Plain()),
        ("plain_nested", Plain(a=Plain(a=[1, 2]), b={u"k": Plain()})),
        ("empty_obj", Empty()),
        ("slotted", Slotted(3, [4])),
        ("slotted_dict", SlottedDict()),
        ("reduced", Reduced(1, u"q")),
        ("reduced_state", ReducedState(u"pp")),
        ("tuple_state", TupleState()),
        ("list_state", ListState()),
        ("dict_state", DictState()),
        ("newargs", NewArgs(5, u"five")),
        ("mylist", ml),
        ("mylist_attr", mla),
        ("mydict", md),
        ("myset", MySet([1, 2])),
        ("myint", MyInt(42)),
        ("mystr", MyStr(u"sub")),
        ("oldstyle", OldStyle()),
        ("old_initargs", OldInitArgs(1, u"b")),
        ("inner", Outer.Inner()),
        ("class_ref", Plain),
        ("func_ref", module_function),
        ("builtin_ref", [len, list, dict]),
        ("objects_in_list", [Plain(), Plain(a=2), Empty(), Reduced(0, 0)]),
        ("shared_objects", [Plain(), Reduced(2, 3)] * 2),
        ("deep", _deep(60)),
    ]
    return objs


def _deep(n):
    x = u"leaf"
    for i in range(n):
        x = [x] if i % 2 else {u"d": x}
    return x


def main(argv):
    import binascii
    import json
    import pickle
    highest = min(pickle.HIGHEST_PROTOCOL, 5)
    protos = [int(a) for a in argv[1:]] or list(range(highest + 1))
    items = []
    for name, obj in objects():  # called as pyobjects.main: classes are pyobjects.X
        for proto in protos:
            if proto > highest:
                continue
            try:
                data = pickle.dumps(obj, proto)
                items.append([name, proto, binascii.hexlify(data).decode("ascii"), None])
            except Exception as exc:  # e.g. __slots__ without __getstate__ at protocols 0-1
                items.append([name, proto, None, "%s: %s" % (type(exc).__name__, exc)])
    doc = {"python": "%d.%d.%d" % tuple(sys.version_info[:3]), "highest": highest,
           "items": items}
    sys.stdout.write(json.dumps(doc))


if __name__ == "__main__":
    # Import ourselves so that the classes are named pyobjects.X, not __main__.X.
    import pyobjects
    pyobjects.main(sys.argv)
