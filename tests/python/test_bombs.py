"""Resource bombs: every one fails fast (under a second) with a clear error and bounded memory.

Each case runs in a fresh subprocess of /usr/bin/python3 that loads the extension, reads the
bomb from a file and runs one SQL statement on it; the child times the statement itself
(interpreter start-up excluded) and the parent reads the child's peak RSS with os.wait4 (the
per-child form of getrusage(RUSAGE_CHILDREN)). Times are the statement's CPU time, so a busy machine
does not make a bounded refusal look slow. The child has an address-space cap of 3 GiB so a
runaway bomb cannot take the machine down, and is killed after KILL_AFTER seconds. Under
`make asan` (PICKLE_EXT_ASAN=1) the time and RSS bounds are relaxed for the sanitizer's overhead.

Cases: memo bombs (exponential sharing) and billion-laughs dicts through pickle_json /
pickle_get / pickle_tree; the same decoded in linear time and re-encoded with sharing kept; deep
nesting past max_depth; 200,000 open MARKs; huge declared lengths for every length-prefixed
opcode; huge numpy shapes with little data (plain, protocol 5 and joblib); zstd frames declaring
a terabyte or no size; zlib / gzip / xz / bz2 bombs (built by concatenation, so they cost
milliseconds to make) under a lowered SQLITE_LIMIT_LENGTH and at the default limits; and a
compressed *valid* pickle whose decoded graph would be huge.
"""
import bz2
import gzip
import json
import lzma
import os
import shutil
import struct
import subprocess
import sys
import threading
import zlib

import pytest

PY = "/usr/bin/python3"
ASAN = bool(os.environ.get("PICKLE_EXT_ASAN"))  # `make asan`: sanitizer overheads
FAST = 10.0 if ASAN else 1.0     # seconds: the "fails fast"
RSS_MB = 1000 if ASAN else 200   # peak RSS of the child (CPython itself is ~12 MB)
# At the default limits a bomb may legitimately inflate up to PK_DEFAULT_MAX_INFLATE (256 MiB,
# pk.h) before it is refused: memory is bounded by that cap, and producing 256 MiB takes about
# half a second of zlib/xz on an idle machine (2 s of CPU allowed).
DEFAULT_INFLATE_MB = 256
DEFAULT_RSS_MB = (3000 if ASAN else DEFAULT_INFLATE_MB + 64)
DEFAULT_FAST = 10 * FAST if ASAN else 2.0
KILL_AFTER = 30     # seconds
SMALL_LIMIT = 8_000_000  # SQLITE_LIMIT_LENGTH for the lowered-limit cases (inflate cap 4x)

CHILD = r"""
import json, resource, sqlite3, sys, time
so, path, sql, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if sys.argv[5] == '0':  # no address-space cap under ASan (its shadow memory is reserved VM)
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
db = sqlite3.connect(':memory:')
db.enable_load_extension(True)
db.load_extension(so)
if limit:
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limit)
blob = open(path, 'rb').read()
t = time.process_time()
try:
    row = db.execute(sql, (blob,)).fetchone()
    res = {'ok': row[0] if row and not isinstance(row[0], bytes) else repr(row)[:100]}
except sqlite3.Error as exc:
    res = {'error': str(exc)}
# CPU seconds of this process, not wall time: the bound detects runaway work and must not
# depend on how loaded the machine is
res['elapsed'] = time.process_time() - t
# the peak RSS of this process image only: ru_maxrss seen by the parent would include the pages
# of the (large) pytest process this child was forked from
for line in open('/proc/self/status'):
    if line.startswith('VmHWM:'):
        res['vmhwm_kb'] = int(line.split()[1])
print(json.dumps(res))
"""


def run_child(so_path, tmp_path, data, sql, limit=0):
    f = tmp_path / "bomb.bin"
    f.write_bytes(data)
    so = so_path[:-3] if so_path.endswith(".so") else so_path
    p = subprocess.Popen([PY, "-c", CHILD, so, str(f), sql, str(limit), "1" if ASAN else "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timer = threading.Timer(KILL_AFTER, p.kill)
    timer.start()
    out, err = p.stdout.read(), p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    timer.cancel()
    p.returncode = status
    rss_mb = ru.ru_maxrss / 1024.0
    try:
        res = json.loads(out)
    except ValueError:
        pytest.fail("child died (status %d, %.0f MB) running %s: %s" %
                    (status, rss_mb, sql, err.decode(errors="replace")[-800:]))
    # VmHWM of the child's own image when it could report it (it exits normally); else wait4's
    # figure, which includes the pre-exec copy of this test process
    res["rss_mb"] = res["vmhwm_kb"] / 1024.0 if "vmhwm_kb" in res else rss_mb
    return res


def assert_refused(res, *needles, fast=FAST, rss=RSS_MB):
    assert "error" in res, "not refused: %r" % res
    for n in needles:
        assert n in res["error"], res["error"]
    assert res["elapsed"] < fast, "took %.2f s: %s" % (res["elapsed"], res["error"])
    assert res["rss_mb"] < rss, "peak RSS %.0f MB: %s" % (res["rss_mb"], res["error"])


# ---- builders -----------------------------------------------------------------------------------

def memo_bomb(levels=100):
    """x0 = []; x(i+1) = [x(i), x(i)]: 2**levels leaves through shared memo references."""
    out = [b"\x80\x02]q\x00"]
    for i in range(levels):
        out.append(b"](j" + struct.pack("<I", i) + b"j" + struct.pack("<I", i) + b"er" +
                   struct.pack("<I", i + 1))
    out.append(b".")
    return b"".join(out)


def billion_laughs(levels=10, width=10):
    """Dicts of `width` keys all pointing at the previous level: width**levels leaves."""
    out = [b"\x80\x02X\x03\x00\x00\x00lolq\x00"]
    for i in range(levels):
        out.append(b"}(")
        for k in range(width):
            out.append(b"K" + bytes([k]) + b"h" + bytes([i]))
        out.append(b"uq" + bytes([i + 1]))
    out.append(b".")
    return b"".join(out)


def deep_lists(n):
    return b"\x80\x02" + b"]" * n + b"a" * (n - 1) + b"."


def deep_dicts(n):
    return b"\x80\x02" + b"}X\x01\x00\x00\x00k" * n + b"}" + b"s" * n + b"."


def g(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def pint(v):
    """An int opcode for any size: BININT for int32, else LONG1."""
    if -2**31 <= v < 2**31:
        return b"J" + struct.pack("<i", v)
    n = (v.bit_length() + 8) // 8
    return b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True)


F8_DTYPE = (g("numpy", "dtype") + b"X\x02\x00\x00\x00f8\x89\x88\x87R" +
            b"(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")


def np_reconstruct(shape, raw):
    """numpy.core.multiarray._reconstruct + BUILD (1, shape, <f8, False, raw), protocol 2."""
    return (b"\x80\x02" + g("numpy.core.multiarray", "_reconstruct") + g("numpy", "ndarray") +
            b"K\x00\x85C\x01b\x87R" + b"(K\x01(" + b"".join(pint(d) for d in shape) + b"t" +
            F8_DTYPE + b"\x89" + b"C" + bytes([len(raw)]) + raw + b"tb.")


def np_frombuffer(shape, raw):
    """protocol 5: numpy.core.numeric._frombuffer(bytearray, <f8, shape, 'C')"""
    return (b"\x80\x05" + g("numpy.core.numeric", "_frombuffer") + b"(\x96" +
            struct.pack("<Q", len(raw)) + raw + F8_DTYPE + b"(" +
            b"".join(pint(d) for d in shape) + b"tX\x01\x00\x00\x00Ct" + b"R.")


def joblib_wrapper(shape):
    """joblib NumpyArrayWrapper announcing `shape` float64s, followed by 16 bytes only."""
    state = (b"}(X\x08\x00\x00\x00subclass" + g("numpy", "ndarray") +
             b"X\x05\x00\x00\x00shape(" + b"".join(pint(d) for d in shape) + b"t" +
             b"X\x05\x00\x00\x00orderX\x01\x00\x00\x00C" +
             b"X\x05\x00\x00\x00dtype" + F8_DTYPE +
             b"X\x0a\x00\x00\x00allow_mmap\x88" +
             b"X\x1b\x00\x00\x00numpy_array_alignment_bytesNu")
    return (b"\x80\x02" + g("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + state +
            b"b" + b"\x00" * 16 + b".")


def zstd_declared(size):
    """A zstd frame declaring `size` content bytes, holding one 100-byte RLE block."""
    fhd = bytes([0xE0])  # FCS 8 bytes, single segment
    block = struct.pack("<I", (100 << 3) | (1 << 1) | 1)[:3] + b"\x00"
    return b"\x28\xb5\x2f\xfd" + fhd + struct.pack("<Q", size) + block


def zlib_zeros(mib):
    """A zlib stream of `mib` MiB of zeros, made by repeating one full-flushed block."""
    one = b"\0" * (1 << 20)
    c = zlib.compressobj(9)
    head = c.compress(one) + c.flush(zlib.Z_FULL_FLUSH)
    unit = c.compress(one) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)[:-4]
    adler = (((mib << 20) % 65521) << 16) | 1
    return head + unit * (mib - 1) + tail + struct.pack(">I", adler)


def concat(compress, mib):
    """`mib` concatenated members/streams of 1 MiB of zeros (gzip, xz, bz2 readers accept it)."""
    return compress(b"\0" * (1 << 20)) * mib


def compressed_valid_pickle(mib):
    """zlib of a *valid* pickle: a list of about `mib` MiB of small ints appended 500 at a time
    (the stack never exceeds 501 values). Built from one full-flushed compressed unit repeated,
    so it costs milliseconds; its decoded graph needs ~20x the stream."""
    chunk = b"(" + b"K\x00" * 500 + b"e"
    unit = chunk * ((1 << 20) // len(chunk))
    head = b"\x80\x02]"
    c = zlib.compressobj(9)
    z_head = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    z_unit = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    tail = (c.compress(b".") + c.flush(zlib.Z_FINISH))[:-4]
    adler = zlib.adler32(head)
    for _ in range(mib):
        adler = zlib.adler32(unit, adler)
    adler = zlib.adler32(b".", adler)
    return z_head + z_unit * mib + tail + struct.pack(">I", adler)


# ---- sanity of the builders (they must describe real, loadable structures) -----------------------

def test_builders_are_real_pickles():
    import pickle
    assert pickle.loads(memo_bomb(3)) == [[[[], []], [[], []]], [[[], []], [[], []]]]
    laughs = pickle.loads(billion_laughs(2, 3))
    assert laughs[0][2] == "lol" and len(laughs) == 3
    assert pickle.loads(deep_lists(50)) is not None
    assert pickle.loads(deep_dicts(50))["k"]["k"] is not None
    import numpy as np
    a = pickle.loads(np_reconstruct((2,), struct.pack("<2d", 1.5, -2)))
    assert a.tolist() == [1.5, -2.0]
    b = pickle.loads(np_frombuffer((2,), struct.pack("<2d", 1.5, -2)))
    assert b.tolist() == [1.5, -2.0]
    assert zlib.decompress(zlib_zeros(3)) == b"\0" * (3 << 20)
    assert len(gzip.decompress(concat(gzip.compress, 3))) == 3 << 20
    small = pickle.loads(zlib.decompress(compressed_valid_pickle(2)))
    assert small[:3] == [0, 0, 0] and len(small) == 2 * 500 * ((1 << 20) // 1002)


# ---- sharing: linear to decode, refused when expanded ---------------------------------------------

def test_memo_bomb_decodes_in_linear_time(so_copy, tmp_path):
    so_path = so_copy
    res = run_child(so_path, tmp_path, memo_bomb(), "SELECT pickle_info(?)")
    assert json.loads(res["ok"])["root_type"] == "list"
    assert res["elapsed"] < FAST and res["rss_mb"] < RSS_MB


def test_memo_bomb_reencodes_with_sharing(so_copy, tmp_path):
    so_path = so_copy
    res = run_child(so_path, tmp_path, memo_bomb(), "SELECT length(pickle_set(?, '$[0]', 1))")
    assert "ok" in res and res["ok"] < 4096, res
    assert res["elapsed"] < FAST and res["rss_mb"] < RSS_MB


@pytest.mark.parametrize("sql", ["SELECT length(pickle_json(?))", "SELECT length(pickle_get(?))",
                                 "SELECT count(*) FROM pickle_tree(?)"])
@pytest.mark.parametrize("bomb", ["memo", "laughs"])
def test_shared_expansion_is_refused(so_copy, tmp_path, sql, bomb):
    so_path = so_copy
    data = memo_bomb() if bomb == "memo" else billion_laughs()
    res = run_child(so_path, tmp_path, data, sql)
    assert_refused(res, "limit exceeded")


# ---- the budget must not refuse ordinary data -----------------------------------------------------

LEGIT = {
    "strs": "[str(i) for i in range(100000)]",
    "dicts": "[{'a': i, 'b': i} for i in range(100000)]",
    "lists": "[[i] for i in range(100000)]",
    "sets": "[{i} for i in range(100000)]",
    "vocabulary": "{'w%d' % i: i for i in range(100000)}",
}


@pytest.mark.parametrize("name", sorted(LEGIT))
def test_many_small_objects_decode(so_copy, tmp_path, name):
    """Ordinary pickles (what a CountVectorizer vocabulary_ or a list of records looks like)
    must decode: the allocation budget may not be tighter than real graphs need."""
    so_path = so_copy
    import pickle
    data = pickle.dumps(eval(LEGIT[name]), protocol=4)
    res = run_child(so_path, tmp_path, data, "SELECT pickle_type(?)")
    assert res.get("ok") in ("list", "dict"), res
    assert res["elapsed"] < FAST and res["rss_mb"] < RSS_MB


# ---- depth ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sql,needle", [
    ("SELECT pickle_json(?)", "max_depth"),
    ("SELECT pickle_get(?)", "max_depth"),
    ("SELECT count(*) FROM pickle_tree(?)", "max_depth"),
    ("SELECT pickle_dump(pickle_json(?))", "max_depth"),
    ("SELECT model_predict(?, 1)", "model_predict: "),
])
@pytest.mark.parametrize("shape", ["lists", "dicts"])
def test_deep_nesting_past_the_limit(so_copy, tmp_path, sql, needle, shape):
    so_path = so_copy
    # 1100 levels: past max_depth (1000), small enough to decode within the allocation budget
    data = deep_lists(1100) if shape == "lists" else deep_dicts(1100)
    assert_refused(run_child(so_path, tmp_path, data, sql), needle)


def test_very_deep_nesting_hits_the_allocation_budget(so_copy, tmp_path):
    so_path = so_copy
    res = run_child(so_path, tmp_path, deep_lists(1_000_000), "SELECT pickle_type(?)")
    assert_refused(res, "allocation limit")


def test_open_marks_limit(so_copy, tmp_path):
    so_path = so_copy
    res = run_child(so_path, tmp_path, b"(" * 200_000 + b".", "SELECT pickle_type(?)")
    assert_refused(res, "limit exceeded", "open MARKs")


# ---- declared lengths ---------------------------------------------------------------------------

HUGE_LENGTHS = {
    "BINUNICODE": b"X\xff\xff\xff\xff",
    "BINUNICODE8": b"\x8d" + b"\xff" * 8,
    "BINBYTES": b"B\xff\xff\xff\xff",
    "BINBYTES8": b"\x8e" + b"\xff" * 7 + b"\x7f",
    "BYTEARRAY8": b"\x96" + b"\x00" * 7 + b"\x80",
    "BINSTRING": b"T\xff\xff\xff\x7f",
    "LONG4": b"\x8b\xff\xff\xff\x7f",
    "SHORT_BINBYTES": b"C\xff" + b"abc",
    "FRAME": b"\x95" + b"\xff" * 8,
    "FRAME_2GB": b"\x95" + struct.pack("<Q", 2**31) + b"N.",
}


@pytest.mark.parametrize("name", sorted(HUGE_LENGTHS))
def test_huge_declared_length(so_copy, tmp_path, name):
    so_path = so_copy
    data = b"\x80\x04" + HUGE_LENGTHS[name] + b"x" * 64
    res = run_child(so_path, tmp_path, data, "SELECT pickle_error(?)")
    msg = res.get("ok")
    assert isinstance(msg, str) and msg, res
    assert name.split("_2GB")[0] in msg, msg
    assert res["elapsed"] < FAST and res["rss_mb"] < RSS_MB


def test_sparse_memo_index_costs_one_slot(so_copy, tmp_path):
    so_path = so_copy
    data = b"\x80\x02Nr\xff\xff\xff\xff0j\xff\xff\xff\xff."
    res = run_child(so_path, tmp_path, data, "SELECT pickle_type(?)")
    assert res.get("ok") == "NoneType", res
    assert res["elapsed"] < FAST and res["rss_mb"] < RSS_MB


def test_big_integer_literal_refused(so_copy, tmp_path):
    so_path = so_copy
    res = run_child(so_path, tmp_path, b"L" + b"9" * 1_000_000 + b"L\n.", "SELECT pickle_type(?)")
    assert_refused(res, "limit exceeded", "digits")


# ---- arrays --------------------------------------------------------------------------------------

ARRAYS = {
    "reconstruct_2^62": lambda: np_reconstruct((2**31, 2**31), b"\0" * 8),
    "reconstruct_overflow": lambda: np_reconstruct((2**40, 2**40, 2**40), b"\0" * 8),
    "reconstruct_negative": lambda: np_reconstruct((-1, 8), b"\0" * 8),
    "frombuffer_2^40": lambda: np_frombuffer((2**40,), b"\0" * 8),
    "frombuffer_overflow": lambda: np_frombuffer((2**62, 2**62), b"\0" * 8),
    "joblib_2^40": lambda: joblib_wrapper((2**40,)),
    "joblib_overflow": lambda: joblib_wrapper((2**33, 2**33, 2**33)),
}


@pytest.mark.parametrize("name", sorted(ARRAYS))
@pytest.mark.parametrize("sql", ["SELECT pickle_type(?)", "SELECT pickle_json(?)"])
def test_huge_array_shape_with_little_data(so_copy, tmp_path, name, sql):
    so_path = so_copy
    res = run_child(so_path, tmp_path, ARRAYS[name](), sql)
    assert_refused(res)
    assert any(w in res["error"] for w in ("numpy", "joblib", "truncated", "shape", "size")), res


# ---- decompression bombs -------------------------------------------------------------------------

def test_zstd_frame_declaring_a_terabyte(so_copy, tmp_path):
    so_path = so_copy
    res = run_child(so_path, tmp_path, zstd_declared(2**40), "SELECT pickle_type(?)")
    assert_refused(res, "limit")


def test_zstd_frame_without_declared_size(so_copy, tmp_path):
    so_path = so_copy
    zstd = shutil.which("zstd")
    assert zstd, "the zstd command is a build dependency (make deps)"
    r = subprocess.run([zstd, "-q", "-c"], input=b"\0" * (64 << 20), stdout=subprocess.PIPE,
                       check=True)  # from a pipe: no content size in the header
    res = run_child(so_path, tmp_path, r.stdout, "SELECT pickle_type(?)")
    assert_refused(res, "zstd")


BOMBS = {
    "zlib": lambda: zlib_zeros(1200),
    "gzip": lambda: concat(lambda b: gzip.compress(b, 9, mtime=0), 1200),
    "xz": lambda: concat(lambda b: lzma.compress(b, preset=0), 1200),
    "bz2": lambda: concat(lambda b: bz2.compress(b, 9), 1200),
}


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_decompression_bomb_under_a_lowered_length_limit(so_copy, tmp_path, kind):
    """SQLITE_LIMIT_LENGTH caps inflating at 4x it (README: limits); 1.2 GB of zeros."""
    so_path = so_copy
    res = run_child(so_path, tmp_path, BOMBS[kind](), "SELECT pickle_type(?)", SMALL_LIMIT)
    assert_refused(res, "limit exceeded", "inflates past the limit")


@pytest.mark.parametrize("kind", ["zlib", "xz"])
def test_decompression_bomb_at_default_limits(so_copy, tmp_path, kind):
    """The default inflate cap (pk.h PK_DEFAULT_MAX_INFLATE) must itself fail fast."""
    so_path = so_copy
    res = run_child(so_path, tmp_path, BOMBS[kind](), "SELECT pickle_type(?)")
    assert_refused(res, "limit exceeded", "inflates past the limit", fast=DEFAULT_FAST,
                   rss=DEFAULT_RSS_MB)


def test_compressed_valid_pickle_memory_follows_the_limits(so_copy, tmp_path):
    """120 KB of zlib holding a valid 28 MB pickle under SQLITE_LIMIT_LENGTH = 8 MB (inflate cap
    32 MB): decoding it is legitimate, and its memory stays within the documented budget
    (alloc_factor x stream + slack; pk.h) -- here well under 1 GB."""
    so_path = so_copy
    res = run_child(so_path, tmp_path, compressed_valid_pickle(28), "SELECT pickle_type(?)",
                    SMALL_LIMIT)
    assert res.get("ok") == "list" or "allocation limit" in res.get("error", ""), res
    assert res["rss_mb"] < 1000 and res["elapsed"] < 10 * FAST, res


def test_compressed_valid_pickle_graph_bomb_at_default_limits(so_copy, tmp_path):
    """600 KB of zlib holding a valid 512 MB pickle, at the default limits: the allocation budget
    scales with the stream (48x), so the absolute caps (max_inflate 256 MiB, max_alloc 512 MiB)
    are what make it fail fast with bounded memory."""
    so_path = so_copy
    res = run_child(so_path, tmp_path, compressed_valid_pickle(512), "SELECT pickle_type(?)")
    assert_refused(res, "limit exceeded", fast=DEFAULT_FAST, rss=DEFAULT_RSS_MB + 512)
