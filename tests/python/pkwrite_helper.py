# -*- coding: utf-8 -*-
"""Subprocess side of the writer tests (test_dump.py, test_set.py): runs under every Python the
tests use (2.7 and 3.6-3.13: no f-strings, no keyword-only arguments).

    python pkwrite_helper.py canon < [hex, ...]
        loads each pickle and prints [canonical form or ["E", error], ...] (see canon()).
    python pkwrite_helper.py make PROTO...
        prints [[name, proto, hex], ...]: pickle.dumps({u"obj": obj, u"z": 0}, proto) for every
        object of pyobjects.objects() this Python can pickle at that protocol.
    python pkwrite_helper.py check < [[name, original hex, edited hex, z], ...]
        loads both pickles, sets z in the original's result, and compares the two by structure
        and sharing (same_graph): prints [[name, ok, message], ...].

Input is JSON on stdin, output JSON on stdout.
"""
from __future__ import print_function

import binascii
import json
import math
import os
import pickle
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PY2 = sys.version_info[0] == 2
if PY2:
    text_type = unicode  # noqa: F821
    int_types = (int, long)  # noqa: F821
else:
    text_type = str
    int_types = (int,)


def canon(o):
    """A JSON-able, Python-independent form of the value kinds pickle_dump writes."""
    if o is None:
        return ["n"]
    if isinstance(o, bool):
        return ["B", int(o)]
    if isinstance(o, int_types):
        return ["i", str(o)]
    if isinstance(o, float):
        return ["f", o.hex()]
    if isinstance(o, text_type):
        return ["s", o]
    if isinstance(o, bytes):
        return ["b", binascii.hexlify(o).decode("ascii")]
    if isinstance(o, list):
        return ["l", [canon(x) for x in o]]
    if isinstance(o, dict):
        return ["d", sorted([[canon(k), canon(v)] for k, v in o.items()], key=json.dumps)]
    return ["?", type(o).__name__]


def _mutable(o):
    return isinstance(o, (list, dict, set, bytearray)) or (
        hasattr(o, "__dict__") and not isinstance(o, type) and not callable(o)) or hasattr(
        type(o), "__slots__")


def same_extra(a, b, pairs, depth):
    """Compares the instance attributes of list/tuple/dict subclasses (None when equal)."""
    a_extra = getattr(a, "__dict__", None)
    if a_extra is not None:
        return same_graph(a_extra, b.__dict__, pairs, depth + 1)
    return None


def same_graph(a, b, pairs=None, depth=0):
    """Structural equality that also requires the same sharing: a mutable node of `a` must
    correspond to one node of `b` everywhere it occurs (cycles included). NaN equals NaN.
    Returns None when equal, else a message."""
    if pairs is None:
        pairs = {}
    if depth > 400:
        return "too deep"
    if type(a) is not type(b) and not (PY2 and isinstance(a, int_types) and
                                        isinstance(b, int_types) and type(a) in int_types):
        # (Python 2's int and long are one type to the decoder, as in Python 3)
        return "type %s != %s" % (type(a).__name__, type(b).__name__)
    if _mutable(a):
        seen = pairs.get(id(a))
        if seen is not None:
            return None if seen is b else "sharing differs at %s" % type(a).__name__
        pairs[id(a)] = b
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return None
        if a != b or math.copysign(1, a) != math.copysign(1, b):
            return "float %r != %r" % (a, b)
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return "length %d != %d" % (len(a), len(b))
        for x, y in zip(a, b):
            m = same_graph(x, y, pairs, depth + 1)
            if m:
                return m
        return same_extra(a, b, pairs, depth)
    if isinstance(a, dict):
        if len(a) != len(b):
            return "dict size %d != %d" % (len(a), len(b))
        for k in a:
            if k not in b:
                return "key %r missing" % (k,)
            m = same_graph(a[k], b[k], pairs, depth + 1)
            if m:
                return m
        return same_extra(a, b, pairs, depth)
    if isinstance(a, (set, frozenset)):
        return None if a == b else "set %r != %r" % (a, b)
    if isinstance(a, (int_types, text_type, bytes, bytearray, complex, bool, type(None),
                      slice, type, range if not PY2 else xrange)) or callable(a):  # noqa: F821
        if isinstance(a, complex) and a != a and b != b:
            return None
        return None if a == b else "%r != %r" % (a, b)
    # instances: __dict__ and slots
    if hasattr(a, "__dict__"):
        m = same_graph(a.__dict__, b.__dict__, pairs, depth + 1)
        if m:
            return "%s.%s" % (type(a).__name__, m)
    for cls in type(a).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot in ("__dict__", "__weakref__"):
                continue
            m = same_graph(getattr(a, slot, None), getattr(b, slot, None), pairs, depth + 1)
            if m:
                return "%s.%s: %s" % (type(a).__name__, slot, m)
    if not hasattr(a, "__dict__") and not hasattr(type(a), "__slots__"):
        return None if a == b else "%r != %r" % (a, b)
    return None


def _read():
    data = sys.stdin.read()
    return json.loads(data)


def main(argv):
    mode = argv[1]
    if mode == "canon":
        out = []
        for h in _read():
            try:
                out.append(canon(pickle.loads(binascii.unhexlify(h))))
            except Exception as exc:
                out.append(["E", "%s: %s" % (type(exc).__name__, exc)])
    elif mode == "make":
        import pyobjects
        protos = [int(a) for a in argv[2:]]
        out = []
        for name, obj in pyobjects.objects():
            for proto in protos:
                try:
                    data = pickle.dumps({u"obj": obj, u"z": 0}, proto)
                except Exception:
                    continue
                out.append([name, proto, binascii.hexlify(data).decode("ascii")])
    elif mode == "check":
        out = []
        for name, orig, h, z in _read():
            try:
                expect = pickle.loads(binascii.unhexlify(orig))
                expect[u"z"] = z
                got = pickle.loads(binascii.unhexlify(h))
                msg = same_graph(expect, got)
            except Exception as exc:
                msg = "%s: %s" % (type(exc).__name__, exc)
            out.append([name, msg is None, msg])
    else:
        raise SystemExit("unknown mode " + mode)
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
