#!/usr/bin/python3
"""The malicious pickle corpus: payloads that run code when Python unpickles them.

Usage:
  gen_malicious.py OUT_DIR MARKER    writes OUT_DIR/<name>.pkl and OUT_DIR/manifest.json
  (tests/python/test_malicious.py imports payloads() and generates them in memory instead)

Every payload, if loaded by Python, creates the file MARKER (with `touch` through a shell, a
process, or Python's open()). pickle_ext must never create it: it decodes without executing. Each
entry says which global(s) pickle_info must list as unsafe, how Python would load it (`pickle`
= pickle.loads, `joblib` = joblib.load, `zstd` = zstd -d then pickle.loads) and the decoder's
expected verdict:
  "unsafe"  decodes; pickle_info lists the globals under unsafe_globals, safe is false
  "reject"  the decode itself fails (e.g. an argument straddling a FRAME boundary, which a
            static parser must not follow -- docs/formats.md, "Pickle opcodes", Frames)

Kinds: os.system, posix.system, subprocess.Popen, builtins.eval / exec / getattr /
__import__ (also spelled __builtin__ in protocol 0), importlib.import_module, runpy._run_code,
pickle.loads of a nested pickle, operator.attrgetter chains, STACK_GLOBAL fed from the memo,
a payload memoized early and called late, a payload after a joblib raw array, a FRAME-boundary
straddle, protocol 0 INST, a payload inside an object's BUILD (__setstate__) state, and a real
fitted scikit-learn model carrying a payload in one attribute.

Built by hand from opcodes (no object's __reduce__ is trusted to write what we want) with fixed
content; Debian's /usr/bin/python3 (numpy, joblib, scikit-learn) for the joblib and model cases.
"""
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys


# ---- opcode helpers (protocol 2+ binary forms unless said) -----------------------------------

def g(module, name):
    """GLOBAL module.name"""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def u(text):
    """BINUNICODE text"""
    b = text.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def su(text):
    """SHORT_BINUNICODE text (protocol 4)"""
    b = text.encode()
    assert len(b) < 256
    return b"\x8c" + bytes([len(b)]) + b


def t1(x):
    return x + b"\x85"


def t2(x, y):
    return x + y + b"\x86"


def call(fn, args):
    """fn(*args): fn and args are opcode strings pushing a callable and a tuple."""
    return fn + args + b"R"


P2 = b"\x80\x02"
P4 = b"\x80\x04"
STOP = b"."


def touch(marker):
    return "touch '%s'" % marker


def py_touch(marker):
    return "open(%r, 'w').close()" % marker


def getattr_call(obj, name, args):
    """getattr(obj, name)(*args)"""
    return call(call(g("builtins", "getattr"), t2(obj, u(name))), args)


# ---- the payloads -------------------------------------------------------------------------------

def payloads(marker):
    """[(name, bytes, unsafe_globals, loader, verdict)] for a marker file path."""
    m = marker
    out = []

    def add(name, data, globs, loader="pickle", verdict="unsafe"):
        out.append((name, data, globs, loader, verdict))

    add("os_system", P2 + call(g("os", "system"), t1(u(touch(m)))) + STOP, ["os.system"])
    add("posix_system", P2 + call(g("posix", "system"), t1(u(touch(m)))) + STOP,
        ["posix.system"])
    add("subprocess_popen",
        P2 + call(g("subprocess", "Popen"), t1(b"(" + u("touch") + u(m) + b"l")) + STOP,
        ["subprocess.Popen"])
    add("builtins_eval", P2 + call(g("builtins", "eval"), t1(u(py_touch(m)))) + STOP,
        ["builtins.eval"])
    add("builtins_exec", P2 + call(g("builtins", "exec"), t1(u(py_touch(m)))) + STOP,
        ["builtins.exec"])
    imp_os = call(g("builtins", "__import__"), t1(u("os")))
    add("builtins_getattr", P2 + getattr_call(imp_os, "system", t1(u(touch(m)))) + STOP,
        ["builtins.getattr", "builtins.__import__"])
    # Protocol 0 text form, Python 2 module name (__builtin__ -> builtins).
    p0 = (b"c__builtin__\ngetattr\n(c__builtin__\n__import__\n(Vos\ntRVsystem\ntR(V" +
          touch(m).encode() + b"\ntR.")
    add("builtins_import_p0", p0, ["builtins.__import__", "builtins.getattr"])
    add("importlib_import_module",
        P2 + getattr_call(call(g("importlib", "import_module"), t1(u("os"))), "system",
                          t1(u(touch(m)))) + STOP,
        ["importlib.import_module", "builtins.getattr"])
    add("runpy_run_code",
        P2 + call(g("runpy", "_run_code"), t2(u(py_touch(m)), b"}")) + STOP,
        ["runpy._run_code"])
    inner = P2 + call(g("os", "system"), t1(u(touch(m)))) + STOP
    add("pickle_loads_nested",
        P2 + call(g("pickle", "loads"), t1(b"C" + bytes([len(inner)]) + inner
                                            if len(inner) < 256 else
                                            b"B" + struct.pack("<I", len(inner)) + inner))
        + STOP, ["pickle.loads"])
    # operator.attrgetter('os.system')(os.path) -> posixpath.os.system
    getter = call(g("operator", "attrgetter"), t1(u("os.system")))
    fn = call(getter, t1(g("os", "path")))
    add("operator_attrgetter", P2 + call(fn, t1(u(touch(m)))) + STOP,
        ["operator.attrgetter", "os.path"])
    # STACK_GLOBAL whose module and name come from the memo: the strings first appear as
    # innocent list items; only BINGET + STACK_GLOBAL turn them into os.system.
    memo = (P4 + b"]" + b"(" + su("os") + b"\x94" + su("system") + b"\x94" + su(touch(m)) +
            b"\x94e" + b"0" + b"h\x00h\x01\x93" + b"h\x02\x85R" + STOP)
    add("memo_stack_global", memo, ["os.system"])
    # The callable is memoized inside a harmless-looking dict built first, then fetched by
    # LONG_BINGET far away and called.
    hidden = (P2 + b"}" + u("config") + g("os", "system") + b"r\x45\x23\x01\x00" + b"s" +
              b"0" + b"(" + b"K\x01" * 50 + b"1" +
              b"j\x45\x23\x01\x00" + t1(u(touch(m))) + b"R" + STOP)
    add("memo_long_binget", hidden, ["os.system"])
    # protocol 0 INST: os.system('touch m')
    add("proto0_inst", b"(V" + touch(m).encode() + b"\nios\nsystem\n.", ["os.system"])
    # BUILD state of an argparse.Namespace holds the payload (runs while the state is built)
    state = b"}" + u("x") + call(g("os", "system"), t1(u(touch(m)))) + b"s"
    add("setstate_state", P2 + g("argparse", "Namespace") + b")\x81" + state + b"b" + STOP,
        ["os.system"])
    # FRAME straddle: the frame ends inside SHORT_BINUNICODE 'system'. CPython's C unpickler
    # reads through the boundary and runs os.system; a parser trusting the frame must refuse.
    body = su("os") + su("system") + b"\x93" + su(touch(m)) + b"\x85R" + STOP
    cut = len(su("os")) + 4  # inside the second string
    straddle = P4 + b"\x95" + struct.pack("<Q", cut) + body
    add("frame_straddle", straddle, ["os.system"], verdict="reject")
    add("joblib_after_raw_array", joblib_payload(m), ["posix.system"], loader="joblib")
    # inside a joblib zlib container, and inside a zstd frame (pickle_compress's envelope)
    import zlib
    add("joblib_zlib_container", zlib.compress(out[0][1], 3), ["os.system"], loader="joblib")
    zstd = shutil.which("zstd")
    if zstd:
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".pkl") as tmp:  # a file: the size is declared
            tmp.write(out[1][1])
            tmp.flush()
            frame = subprocess.run([zstd, "-q", "-c", tmp.name], stdout=subprocess.PIPE,
                                   check=True).stdout
        if frame[:4] == b"\x28\xb5\x2f\xfd":
            add("zstd_frame", frame, ["posix.system"], loader="zstd")
    add("sklearn_model_with_payload", sklearn_payload(m), ["posix.system"])
    return out


class _Reduce:
    """An object whose pickle calls fn(*args) (only used to let real picklers write payloads)."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def joblib_payload(marker):
    import joblib
    import numpy as np
    bio = io.BytesIO()
    # A raw array first (its bytes follow the wrapper outside any frame), the payload after it.
    joblib.dump([np.arange(64, dtype="f8"), _Reduce(os.system, (touch(marker),))], bio)
    return bio.getvalue()


def sklearn_payload(marker):
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.2], [0.9, 0.8]])
    model = LogisticRegression().fit(X, [0, 1, 0, 1])
    model.extra_info_ = _Reduce(os.system, (touch(marker),))
    return pickle.dumps(model, protocol=4)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, marker = argv[1], os.path.abspath(argv[2])
    os.makedirs(out_dir, exist_ok=True)
    manifest = {}
    for name, data, globs, loader, verdict in payloads(marker):
        with open(os.path.join(out_dir, name + ".pkl"), "wb") as f:
            f.write(data)
        manifest[name] = {"file": name + ".pkl", "unsafe_globals": globs, "loader": loader,
                          "verdict": verdict}
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump({"marker": marker, "payloads": manifest}, f, indent=1, sort_keys=True)
    print("%d payloads in %s (marker %s)" % (len(manifest), out_dir, marker))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
