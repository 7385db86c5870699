"""The Python reference for pickle_ext's decoder: what a pickle *says*, mapped to JSON.

The decoder executes nothing, so for instances of arbitrary classes it reports the stream's
content (class name, constructor arguments, state, appended items), not what Python's classes
would make of it. This module gets the same content from CPython's own pure-Python unpickler
(pickle._Unpickler), with find_class returning recording stubs instead of importing anything:

  Ref(module, name)    a global that is not interpreted (class or function reference)
  Obj(cls, args, how)  an instance built by REDUCE / NEWOBJ / INST / OBJ on a Ref, which records
                       BUILD's state, APPEND(S)ed items and SETITEM(S) pairs

The short allowlist of docs/security.md (set, frozenset, bytes, bytearray, complex, slice, range,
collections.OrderedDict/defaultdict, copyreg._reconstructor/__newobj__, _codecs.encode) is run
for real: those are the values the decoder interprets as data.

`expected_json(v)` maps such a value to what json.loads(pickle_json(p)) must give (docs/json.md);
sets come out as Unordered lists, compared order-insensitively by `diff()`. `expected_type`,
`expected_get` give pickle_type's and pickle_get's answers.

Used by test_decode_diff.py and test_cpython_vectors.py.
"""
import _compat_pickle
import base64
import codecs
import collections
import io
import json
import math
import pickle
import re

# Python 2 str (STRING/BINSTRING/SHORT_BINSTRING): text when it decodes as this codec (ASCII,
# CPython's default), else bytes (what encoding="bytes" gives).
PY2STR_ENCODING = "ascii"

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


class Ref(object):
    """A global the decoder keeps as a name ({"py/type": "module.name"})."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    @property
    def qualname(self):
        return "%s.%s" % (self.module, self.name)

    def __call__(self, *args):  # e.g. defaultdict(Ref) needs a callable; never reached by REDUCE
        return Obj(self, args, "reduce")

    def __repr__(self):
        return "Ref(%s)" % self.qualname


NOSTATE = object()


class Obj(object):
    """An inert instance: class, args, state, items, dictitems."""

    def __init__(self, cls, args, how, kwargs=None):
        self.cls, self.args, self.how, self.kwargs = cls, tuple(args), how, kwargs
        self.state = NOSTATE
        self.items = None
        self.dictitems = None

    def append(self, x):
        if self.items is None:
            self.items = []
        self.items.append(x)

    def extend(self, xs):
        for x in xs:
            self.append(x)

    def __setitem__(self, k, v):
        if self.dictitems is None:
            self.dictitems = {}
        self.dictitems[k] = v

    def __repr__(self):
        return "Obj(%r, %r, state=%r)" % (self.cls, self.args, self.state)


def _reconstructor(cls, base, state):
    """copyreg._reconstructor(cls, base, state): object.__new__(cls) when base is object, else
    base.__new__(cls, state) -- the content is the class plus the base's state as argument,
    except for list and dict subclasses, whose base state is their items (py/items,
    py/dictitems), as protocol 2 writes them."""
    if isinstance(base, Ref) and base.qualname == "builtins.object":
        return Obj(cls, (), "inst")
    if isinstance(base, Ref) and base.qualname == "builtins.list" and isinstance(state, list):
        o = Obj(cls, (), "inst")  # a list subclass: the base state is its items
        o.extend(state)
        return o
    if isinstance(base, Ref) and base.qualname == "builtins.dict" and isinstance(state, dict):
        o = Obj(cls, (), "inst")  # a dict subclass: the base state is its items
        for k, v in state.items():
            o[k] = v
        return o
    return Obj(cls, (state,), "inst")


def _newobj(cls, *args):
    return Obj(cls, args, "newobj")


ALLOWED = {
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytes"): bytes,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
    ("builtins", "range"): range,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "defaultdict"): collections.defaultdict,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("copyreg", "__newobj__"): _newobj,
    ("_codecs", "encode"): codecs.encode,
}

_D = pickle._Unpickler.dispatch


class RefUnpickler(pickle._Unpickler):
    """pickle._Unpickler that imports nothing and records what the stream builds."""

    dispatch = dict(_D)

    def __init__(self, data):
        pickle._Unpickler.__init__(self, io.BytesIO(data))
        self.globals_seen = []

    def find_class(self, module, name):
        if self.proto < 3:
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        qn = "%s.%s" % (module, name)
        if qn not in self.globals_seen:
            self.globals_seen.append(qn)
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        return Ref(module, name)

    def _decode_string(self, value):
        try:
            return value.decode(PY2STR_ENCODING)
        except UnicodeDecodeError:
            return value

    def load_reduce(self):
        args = self.stack.pop()
        func = self.stack[-1]
        if isinstance(func, (Ref, Obj)):
            self.stack[-1] = Obj(func, args, "reduce")
        else:
            self.stack[-1] = func(*args)
    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        if isinstance(cls, (Ref, Obj)):
            self.append(Obj(cls, args, "newobj"))
        else:
            self.append(cls.__new__(cls, *args))
    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        if isinstance(cls, (Ref, Obj)):
            self.append(Obj(cls, args, "newobj", kwargs or None))
        else:
            self.append(cls.__new__(cls, *args, **kwargs))
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    def _inst(self, cls, args):
        if isinstance(cls, (Ref, Obj)):
            self.append(Obj(cls, args, "inst"))
        else:
            self.append(cls(*args))

    def load_inst(self):
        module = self.readline()[:-1].decode("ascii")
        name = self.readline()[:-1].decode("ascii")
        cls = self.find_class(module, name)
        self._inst(cls, tuple(self.pop_mark()))
    dispatch[pickle.INST[0]] = load_inst

    def load_obj(self):
        args = self.pop_mark()
        cls = args.pop(0)
        self._inst(cls, tuple(args))
    dispatch[pickle.OBJ[0]] = load_obj

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if isinstance(inst, Obj):
            inst.state = state
        else:
            _D[pickle.BUILD[0]](self._push_back(state))
    dispatch[pickle.BUILD[0]] = load_build

    def _push_back(self, state):
        self.stack.append(state)
        return self

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent id")


def ref_load(data):
    """(value, globals referenced in first-use order) of a pickle, executing nothing."""
    u = RefUnpickler(data)
    v = u.load()
    return v, u.globals_seen


# ---- the JSON mapping (docs/json.md) ------------------------------------------------------------


class Unordered(list):
    """A JSON array whose order does not matter (sets)."""


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def path_key(path, key):
    if _IDENT.match(key):
        return "%s.%s" % (path, key)
    return '%s["%s"]' % (path, key.replace("\\", "\\\\").replace('"', '\\"'))


def json_str(s):
    """A str as it comes back from JSON: lone surrogates are written as \\uXXXX escapes, so an
    adjacent high+low pair of lone surrogates reads back as one astral character (JSON cannot
    tell them apart)."""
    if any(0xD800 <= ord(c) < 0xE000 for c in s):
        return json.loads(json.dumps(s))
    return s


def float_text(f):
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    return repr(f)


def strict_float(f):
    """A float as json.loads reads pickle_json's strict JSON: NaN is null, infinities are
    +-9e999 (which json.loads reads back as +-inf)."""
    return None if math.isnan(f) else f


def json_key(k):
    """A dict key as the decoder writes it: json.dumps's rules, else compact JSON text."""
    if isinstance(k, str):
        return json_str(k)
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, int):
        return str(k)
    if isinstance(k, float):
        return float_text(k)
    return json.dumps(_plain(expected_json(k)), separators=(",", ":"), ensure_ascii=False)


def _plain(x):
    if isinstance(x, Unordered):
        return list(map(_plain, x))
    if isinstance(x, list):
        return list(map(_plain, x))
    if isinstance(x, dict):
        return dict((k, _plain(v)) for k, v in x.items())
    return x


def is_interpreted_dict(v):
    return type(v) in (dict, collections.OrderedDict, collections.defaultdict)


def expected_json(v, path="$", anc=None):
    """What json.loads(pickle_json(p)) must equal for the decoded value v at `path`."""
    if anc is None:
        anc = {}
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return json_str(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return strict_float(v)
    if isinstance(v, (bytes, bytearray)):
        return {"py/bytes": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, complex):
        return {"py/complex": [strict_float(v.real), strict_float(v.imag)]}
    if isinstance(v, Ref):
        return {"py/type": v.qualname}
    if isinstance(v, slice):
        return {"py/object": "builtins.slice", "py/args": [expected_json(v.start),
                                                           expected_json(v.stop),
                                                           expected_json(v.step)]}
    if isinstance(v, range):
        return {"py/object": "builtins.range", "py/args": [v.start, v.stop, v.step]}
    if id(v) in anc:
        return {"py/ref": anc[id(v)]}
    anc = dict(anc)
    anc[id(v)] = path
    if isinstance(v, (list, tuple)):
        return [expected_json(x, "%s[%d]" % (path, i), anc) for i, x in enumerate(v)]
    if isinstance(v, (set, frozenset)):
        return Unordered(expected_json(x, path + "[?]", anc) for x in v)
    if is_interpreted_dict(v):
        return _dict_json(v, path, anc)
    if isinstance(v, Obj):
        return _obj_json(v, path, anc)
    raise TypeError("no reference mapping for %r" % (v,))


def _child_path(path, k):
    if isinstance(k, str):
        return path_key(path, k)
    if isinstance(k, int) and not isinstance(k, bool):
        return "%s[%d]" % (path, k)
    return path + "[?]"


def _dict_json(d, path, anc):
    out = {}
    for k, val in d.items():
        out[json_key(k)] = expected_json(val, _child_path(path, k), anc)
    return out


def obj_state_dict(o):
    """The merged state dict of an Obj, or None when its state is not dict-like."""
    st = o.state
    if st is NOSTATE:
        return {}
    if isinstance(st, dict) and type(st) is dict:
        return st
    if (isinstance(st, tuple) and len(st) == 2 and (st[0] is None or type(st[0]) is dict)
            and (st[1] is None or type(st[1]) is dict)):
        merged = dict(st[0] or {})
        merged.update(st[1] or {})
        return merged
    return None


def class_name(cls):
    """module.qualname of an Obj's class: a Ref, or getattr(Ref, "Inner") (nested classes at
    protocols < 4); None when unknown."""
    if isinstance(cls, Ref):
        return cls.qualname
    if (isinstance(cls, Obj) and isinstance(cls.cls, Ref) and cls.cls.qualname ==
            "builtins.getattr" and len(cls.args) == 2 and isinstance(cls.args[1], str)):
        outer = class_name(cls.args[0]) if isinstance(cls.args[0], Obj) else (
            cls.args[0].qualname if isinstance(cls.args[0], Ref) else None)
        return outer and "%s.%s" % (outer, cls.args[1])
    return None


def _obj_json(o, path, anc):
    cls = class_name(o.cls)
    out = {"py/object": cls}
    if o.args:
        out["py/args"] = [expected_json(a, path + "[?]", anc) for a in o.args]
    st = obj_state_dict(o)
    if st is None:
        out["py/state"] = expected_json(o.state, path + "[?]", anc)
    else:
        for k, val in st.items():
            out[json_key(k)] = expected_json(val, _child_path(path, k), anc)
    if o.items is not None:
        out["py/items"] = [expected_json(x, "%s[%d]" % (path, i), anc)
                           for i, x in enumerate(o.items)]
    if o.dictitems is not None:
        out["py/dictitems"] = _dict_json(o.dictitems, path, anc)
    return out


# ---- pickle_type / pickle_get ----------------------------------------------------------------

_BARE = {type(None): "NoneType", bool: "bool", int: "int", float: "float", str: "str",
         bytes: "bytes", bytearray: "bytearray", complex: "complex", list: "list",
         tuple: "tuple", dict: "dict", set: "set", frozenset: "frozenset", slice: "slice",
         range: "range", collections.OrderedDict: "collections.OrderedDict",
         collections.defaultdict: "collections.defaultdict"}


def expected_type(v):
    if isinstance(v, Obj):
        return class_name(v.cls)
    if isinstance(v, Ref):
        return "type"
    return _BARE[type(v)]


def sql_text(s):
    """A str as SQLite gets it: lone surrogates become U+FFFD."""
    return "".join("\ufffd" if 0xD800 <= ord(c) < 0xE000 else c for c in s)


SCALAR = "scalar"


def expected_get(v, path="$"):
    """(SCALAR, sql value) for scalars, else (None, expected_json) for JSON-text results."""
    if v is None:
        return SCALAR, None
    if isinstance(v, bool):
        return SCALAR, int(v)
    if isinstance(v, int):
        return SCALAR, (int(v) if INT64_MIN <= v <= INT64_MAX else str(int(v)))
    if isinstance(v, float):
        return SCALAR, (None if math.isnan(v) else v)
    if isinstance(v, str):
        return SCALAR, sql_text(v)
    if isinstance(v, (bytes, bytearray)):
        return SCALAR, bytes(v)
    return None, expected_json(v, path)


# ---- comparison ------------------------------------------------------------------------------


def canon(x):
    """A hashable, order-normalised form (floats by repr, so -0.0 != 0.0 and NaN == NaN)."""
    if isinstance(x, bool):
        return ("b", x)
    if isinstance(x, int):
        return ("i", x)
    if isinstance(x, float):
        return ("f", repr(x))
    if x is None:
        return ("n",)
    if isinstance(x, str):
        return ("s", x)
    if isinstance(x, Unordered):
        return ("u", tuple(sorted((canon(i) for i in x), key=repr)))
    if isinstance(x, list):
        return ("l", tuple(canon(i) for i in x))
    if isinstance(x, dict):
        return ("d", tuple(sorted((k, canon(v)) for k, v in x.items())))
    return ("?", repr(x))


def diff(exp, got, where="$"):
    """None when got (json.loads output) matches exp (expected_json output), else a message."""
    if isinstance(exp, Unordered):
        if not isinstance(got, list) or len(got) != len(exp):
            return "%s: expected a set of %d, got %r" % (where, len(exp), _short(got))
        if sorted(map(canon, exp), key=repr) == sorted(map(canon, got), key=repr):
            return None
        left = list(got)
        for e in exp:
            for i, g in enumerate(left):
                if diff(e, g) is None:
                    del left[i]
                    break
            else:
                return "%s: set element %r not found in %r" % (where, _short(e), _short(got))
        return None
    if isinstance(exp, list):
        if not isinstance(got, list) or len(got) != len(exp):
            return "%s: expected %r, got %r" % (where, _short(exp), _short(got))
        for i, (e, g) in enumerate(zip(exp, got)):
            d = diff(e, g, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            return "%s: expected object %r, got %r" % (where, _short(exp), _short(got))
        if set(exp) != set(got):
            return "%s: keys differ: missing %r, unexpected %r" % (
                where, sorted(set(exp) - set(got)), sorted(set(got) - set(exp)))
        for k in exp:
            d = diff(exp[k], got[k], "%s.%s" % (where, k))
            if d:
                return d
        return None
    if canon(exp) != canon(got):
        return "%s: expected %r, got %r" % (where, _short(exp), _short(got))
    return None


def _short(x):
    r = repr(x)
    return r if len(r) < 200 else r[:200] + "..."
