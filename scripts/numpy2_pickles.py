"""numpy2_pickles.py - build numpy pickles in the forms Debian's numpy 1.24 cannot write.

Used by the tests (tests/python/test_numpy.py) to make, byte by byte, the pickles numpy 2.x
writes (docs/formats.md, "numpy arrays, dtypes and scalars"):

  protocols 2-4  numpy._core.multiarray._reconstruct(numpy.ndarray, (0,), b'b') + BUILD
                 (1, shape, dtype, is_fortran, raw)
  protocol 5     numpy._core.numeric._frombuffer(bytearray, dtype, shape, order[, axis_order])
                 with order 'C', 'F', or numpy 2.3's 'K' + axis order
  scalars        numpy._core.multiarray.scalar(dtype, raw)

Other module spellings (numpy.core, numpy.core._multiarray_umath, numpy._core._multiarray_umath)
can be chosen, and the raw data overridden to make bad inputs. dtypes are written as numpy.dtype
REDUCE + BUILD of the state numpy's own dtype.__reduce__ gives (that part is identical in numpy
1.x and 2.x). No pickle module code is used: a small opcode emitter below writes the stream.

`python_loads(blob)` loads such a pickle with Debian's numpy by aliasing the numpy 2 module names
and giving `_frombuffer` numpy 2.3's definition (reshape in C order, then transpose by the axis
order); the tests use it to check the bytes mean what we think they mean.

Usage as a script: `python3 scripts/numpy2_pickles.py OUT_DIR` writes a few examples.
"""
import struct
import sys
import types

import numpy as np


class Emitter:
    """Writes pickle opcodes for a protocol (2..5); no memo (every value is written in full)."""

    def __init__(self, protocol):
        assert 2 <= protocol <= 5
        self.proto = protocol
        self.out = bytearray()

    def op(self, b):
        self.out += b

    # -- scalars and containers -------------------------------------------------------------
    def value(self, v):
        if v is None:
            self.op(b"N")
        elif v is True:
            self.op(b"\x88")
        elif v is False:
            self.op(b"\x89")
        elif isinstance(v, int):
            self.int(v)
        elif isinstance(v, float):
            self.op(b"G" + struct.pack(">d", v))
        elif isinstance(v, str):
            self.str(v)
        elif isinstance(v, (bytes, bytearray)):
            self.bytes(bytes(v))
        elif isinstance(v, tuple):
            self.tuple(v)
        elif isinstance(v, list):
            self.op(b"]")
            if v:
                self.op(b"(")
                for x in v:
                    self.value(x)
                self.op(b"e")
        elif isinstance(v, dict):
            self.op(b"}")
            if v:
                self.op(b"(")
                for k, x in v.items():
                    self.value(k)
                    self.value(x)
                self.op(b"u")
        elif isinstance(v, np.dtype):
            self.dtype(v)
        else:
            raise TypeError("cannot emit %r" % (v,))

    def int(self, v):
        if 0 <= v < 256:
            self.op(b"K" + bytes([v]))
        elif 0 <= v < 65536:
            self.op(b"M" + struct.pack("<H", v))
        elif -2**31 <= v < 2**31:
            self.op(b"J" + struct.pack("<i", v))
        else:
            n = (v.bit_length() + 8) // 8
            self.op(b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True))

    def str(self, s):
        b = s.encode("utf-8", "surrogatepass")
        if self.proto >= 4 and len(b) < 256:
            self.op(b"\x8c" + bytes([len(b)]) + b)
        else:
            self.op(b"X" + struct.pack("<I", len(b)) + b)

    def bytes(self, b):
        if self.proto >= 3:
            if len(b) < 256:
                self.op(b"C" + bytes([len(b)]) + b)
            elif len(b) < 2**32:
                self.op(b"B" + struct.pack("<I", len(b)) + b)
            else:
                self.op(b"\x8e" + struct.pack("<Q", len(b)) + b)
        else:
            # protocol 2: _codecs.encode(<latin-1 decoded text>, 'latin1'), as Python 3 writes it
            self.glob("_codecs", "encode")
            self.str(b.decode("latin-1"))
            self.str("latin1")
            self.op(b"\x86R")

    def tuple(self, t):
        if len(t) == 0:
            self.op(b")")
            return
        if len(t) <= 3:
            for x in t:
                self.value(x)
            self.op({1: b"\x85", 2: b"\x86", 3: b"\x87"}[len(t)])
            return
        self.op(b"(")
        for x in t:
            self.value(x)
        self.op(b"t")

    def glob(self, module, name):
        if self.proto >= 4:
            self.str(module)
            self.str(name)
            self.op(b"\x93")
        else:
            self.op(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def dtype(self, dt):
        func, args, state = dt.__reduce__()
        assert func is np.dtype
        self.glob("numpy", "dtype")
        self.tuple(args)
        self.op(b"R")
        self.value(state)
        self.op(b"b")

    def bytearray8(self, b):
        self.op(b"\x96" + struct.pack("<Q", len(b)) + b)

    def finish(self):
        body = bytes(self.out) + b"."
        head = b"\x80" + bytes([self.proto])
        if self.proto >= 4:
            head += b"\x95" + struct.pack("<Q", len(body))
        return head + body


MODULES = {
    "numpy2": ("numpy._core.multiarray", "numpy._core.numeric"),
    "numpy1": ("numpy.core.multiarray", "numpy.core.numeric"),
    "umath1": ("numpy.core._multiarray_umath", "numpy.core.numeric"),
    "umath2": ("numpy._core._multiarray_umath", "numpy._core.numeric"),
}


def _physical_order(a):
    """(axis permutation p with a.transpose(p) C-contiguous, or None)."""
    p = sorted(range(a.ndim), key=lambda k: -abs(a.strides[k]))
    t = a.transpose(p)
    return p if t.flags.c_contiguous else None


def dumps(a, protocol=4, spelling="numpy2", order=None, raw=None):
    """A pickle of array `a` in numpy 2's form.

    protocol 2-4: _reconstruct + BUILD (Fortran-order data when `a` is F- but not C-contiguous);
    protocol 5: _frombuffer with order `order` ('C', 'F' or 'K'; default chosen like numpy 2.3).
    `raw` replaces the data bytes (to make bad inputs).
    """
    multiarray, numeric = MODULES[spelling]
    e = Emitter(protocol)
    transposable = a.flags.c_contiguous or a.flags.f_contiguous or _physical_order(a) is not None
    if protocol < 5 or a.dtype.hasobject or a.dtype.itemsize == 0 or (order is None and not transposable):
        # numpy's fallback (object dtype, itemsize 0, arrays no transpose makes contiguous)
        fortran = bool(a.flags.f_contiguous and not a.flags.c_contiguous)
        e.glob(multiarray, "_reconstruct")
        e.glob("numpy", "ndarray")
        e.tuple((0,))
        e.bytes(b"b")
        e.op(b"\x87R")
        if a.dtype.hasobject:
            data = list(a.ravel(order="C"))
        else:
            data = raw if raw is not None else a.tobytes(order="F" if fortran else "C")
        e.value((1, tuple(a.shape), a.dtype, fortran, data))
        e.op(b"b")
        return e.finish()
    if order is None:
        if a.flags.c_contiguous:
            order = "C"
        elif a.flags.f_contiguous:
            order = "F"
        else:
            order = "K"
    axes = None
    if order == "C":
        buf, shape = a.tobytes(order="C"), a.shape
    elif order == "F":
        buf, shape = a.tobytes(order="F"), a.shape
    else:
        p = _physical_order(a)
        if p is None:
            raise ValueError("array is not a transposed contiguous array")
        phys = a.transpose(p)
        buf, shape = phys.tobytes(order="C"), phys.shape
        axes = tuple(int(x) for x in np.argsort(p))
    if raw is not None:
        buf = raw
    e.glob(numeric, "_frombuffer")
    e.op(b"(")
    e.bytearray8(buf)
    e.dtype(a.dtype)
    e.tuple(tuple(int(x) for x in shape))
    e.str(order)
    if axes is not None:
        e.tuple(axes)
    e.op(b"t")
    e.op(b"R")
    return e.finish()


def scalar_dumps(x, protocol=4, spelling="numpy2"):
    """A pickle of numpy scalar x: multiarray.scalar(dtype, raw)."""
    multiarray, _ = MODULES[spelling]
    e = Emitter(protocol)
    e.glob(multiarray, "scalar")
    e.dtype(x.dtype)
    e.bytes(x.tobytes())
    e.op(b"\x86R")
    return e.finish()


def _frombuffer_23(buf, dtype, shape, order, axis_order=None):
    """numpy 2.3's numeric._frombuffer, for checking with numpy 1.24."""
    arr = np.frombuffer(buf, dtype=dtype)
    if order == "K" and axis_order is not None:
        return arr.reshape(shape, order="C").transpose(axis_order)
    return arr.reshape(shape, order=order)


def python_loads(blob):
    """pickle.loads with numpy 2 module names mapped onto Debian's numpy 1.24."""
    import pickle
    core = np.core
    saved = {k: sys.modules.get(k) for k in ("numpy._core", "numpy._core.multiarray",
                                             "numpy._core.numeric",
                                             "numpy._core._multiarray_umath")}
    numeric = types.ModuleType("numpy._core.numeric")
    numeric._frombuffer = _frombuffer_23
    old_frombuffer = core.numeric._frombuffer
    try:
        sys.modules["numpy._core"] = core
        sys.modules["numpy._core.multiarray"] = core.multiarray
        sys.modules["numpy._core._multiarray_umath"] = core._multiarray_umath
        sys.modules["numpy._core.numeric"] = numeric
        core.numeric._frombuffer = _frombuffer_23
        return pickle.loads(blob)
    finally:
        core.numeric._frombuffer = old_frombuffer
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


if __name__ == "__main__":
    import os
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    a = np.arange(24, dtype="<f8").reshape(2, 3, 4)
    examples = {
        "np2_reconstruct_p4.pkl": dumps(a, 4),
        "np2_frombuffer_C.pkl": dumps(a, 5, order="C"),
        "np2_frombuffer_F.pkl": dumps(np.asfortranarray(a), 5),
        "np2_frombuffer_K.pkl": dumps(a.transpose(2, 0, 1), 5),
        "np2_scalar.pkl": scalar_dumps(np.float64(1.5)),
    }
    for name, blob in examples.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
        print(name, len(blob))
