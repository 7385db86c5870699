"""Restricted unpickling of registry models: the safe replacement for pickle.load / joblib.load.

A pickle is loaded only after the extension's verdict (pickle_info) has judged these exact bytes,
and the unpickler's find_class then admits only the globals that verdict places in the catalogue's
`scorable` or `safe` tier, plus the extra globals the caller names that the version's recorded
allowance also names. Any other global raises UnsafeGlobal before its module is imported. The
same restriction applies to joblib's reading (a NumpyUnpickler subclass), including the nested
pickle joblib reads for an object array. See docs/python.md, "Loading registry models safely".
"""
import _compat_pickle
import importlib
import io
import pickle

ADMITTED_TIERS = ("scorable", "safe")
# joblib's array wrappers: when one of these is in the pickle, it is read the way joblib.load does.
JOBLIB_WRAPPERS = ("joblib.numpy_pickle.NumpyArrayWrapper", "joblib.numpy_pickle.NDArrayWrapper")


class UnsafeGlobal(pickle.UnpicklingError):
    """The pickle names a global the restricted loader does not admit (nothing was imported)."""


def _mapped(module, name):
    """The (module, name) CPython's unpickler imports for a protocol 0-2 pickle (Python 2 names
    mapped through _compat_pickle), which is how pickle_info names the global too."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _resolve(module, name, admitted):
    """Imports and returns module.name when it (as written, or as mapped from Python 2) is
    admitted; raises UnsafeGlobal otherwise, before importing anything. The object is looked up
    here (import, then attribute by attribute), so what is returned is always the admitted name."""
    if not isinstance(module, str) or not isinstance(name, str):
        raise UnsafeGlobal("refusing the pickle: a global with a name that is not text")
    for m, n in ((module, name), _mapped(module, name)):
        if "%s.%s" % (m, n) in admitted:
            obj = importlib.import_module(m)
            for part in n.split("."):
                obj = getattr(obj, part)
            return obj
    raise UnsafeGlobal("refusing the pickle: %s.%s is not admitted (not in the catalogue's safe "
                       "tiers, nor in the allowance)" % (module, name))


class RestrictedUnpickler(pickle.Unpickler):
    """pickle.Unpickler whose find_class admits only the names in `admitted` ('module.name')."""

    def __init__(self, file, admitted):
        super().__init__(file)
        self._admitted = frozenset(admitted)

    def find_class(self, module, name):
        return _resolve(module, name, self._admitted)

    def persistent_load(self, pid):
        raise UnsafeGlobal("refusing the pickle: persistent ids are not supported")


def _joblib_unpickler_class():
    """The NumpyUnpickler subclass with the same restriction (defined lazily: joblib is optional
    for plain pickles)."""
    from joblib import numpy_pickle

    class RestrictedNumpyUnpickler(numpy_pickle.NumpyUnpickler):
        dispatch = numpy_pickle.NumpyUnpickler.dispatch.copy()

        def __init__(self, file_handle, admitted):
            self._admitted = frozenset(admitted)
            super().__init__("", file_handle, mmap_mode=None)

        def find_class(self, module, name):
            return _resolve(module, name, self._admitted)

        def persistent_load(self, pid):
            raise UnsafeGlobal("refusing the pickle: persistent ids are not supported")

        def load_build(self):
            # joblib reads an object array's data as a nested pickle with plain pickle.load; that
            # nested pickle is read here with the same restriction instead.
            pickle._Unpickler.load_build(self)
            top = self.stack[-1]
            if isinstance(top, numpy_pickle.NDArrayWrapper):
                raise UnsafeGlobal("refusing the pickle: NDArrayWrapper (joblib < 0.10) reads "
                                   "companion files")
            if isinstance(top, numpy_pickle.NumpyArrayWrapper):
                if top.dtype.hasobject:
                    if top.subclass is not self.np.ndarray:
                        raise UnsafeGlobal("refusing the pickle: an object array of a subclass")
                    self.stack.pop()
                    array = RestrictedUnpickler(self.file_handle, self._admitted).load()
                    if not isinstance(array, self.np.ndarray):
                        raise UnsafeGlobal("refusing the pickle: an object array's data is not "
                                           "an array")
                    self.stack.append(array)
                else:
                    self.stack.append(self.stack.pop().read(self))

        dispatch[pickle.BUILD[0]] = load_build

    return RestrictedNumpyUnpickler


def admitted_globals(info, allow, recorded):
    """The set of 'module.name' globals the loader admits for a pickle whose pickle_info is `info`
    (a dict): the catalogue's scorable/safe tiers, plus the globals in both `allow` (the caller's)
    and `recorded` (the version's allowance). Raises UnsafeGlobal when the verdict is unsafe for
    any other reason: a global outside that set, or an argument check that failed."""
    extra = set(allow or ()) & set(recorded or ())
    if not info.get("safe"):
        reasons = info.get("unsafe_reasons") or []
        if reasons:
            raise UnsafeGlobal("refusing the pickle: %s" % "; ".join(map(str, reasons)))
        outside = [g for g in info.get("unsafe_globals") or [] if g not in extra]
        if outside:
            raise UnsafeGlobal("refusing the pickle: it names %s, outside the catalogue%s"
                               % (", ".join(outside),
                                  "" if not recorded else
                                  " and not in both the allowance given and the version's"))
    admitted = {g for g, t in zip(info.get("globals") or [], info.get("tiers") or [])
                if t in ADMITTED_TIERS}
    return admitted | extra


def loads(data, info, allow=(), recorded=()):
    """Unpickles `data` (bytes whose pickle_info is `info`) with the restricted unpickler: joblib's
    reading when the pickle holds joblib array wrappers, pickle's otherwise."""
    admitted = admitted_globals(info, allow, recorded)
    if any(g in JOBLIB_WRAPPERS for g in info.get("globals") or []) or _compressed(data):
        from joblib.numpy_pickle_utils import _read_fileobject

        # joblib's own container handling (zlib/gzip/bz2/xz/lzma/lz4) around the restricted
        # unpickler; the verdict was taken on the decompressed stream.
        with _read_fileobject(io.BytesIO(data), "", None) as f:
            return _joblib_unpickler_class()(f, admitted).load()
    return RestrictedUnpickler(io.BytesIO(data), admitted).load()


def _compressed(data):
    """Whether `data` is one of joblib's compressed containers (then joblib's reading applies)."""
    if data[:1] == b"\x80":
        return False
    try:
        from joblib.numpy_pickle_utils import _detect_compressor
    except ImportError:
        return False
    return _detect_compressor(io.BytesIO(data)) != "not-compressed"
