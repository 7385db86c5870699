"""zstd polyglots: bytes that are both a pickle (read from the first byte, as pickle.loads reads
them) and a zstd stream (as `zstd -d` reads it: skippable frames skipped, frames concatenated).

A zstd skippable frame starts with a magic 0x184D2A50..5F whose first byte is a pickle opcode
for some values (0x55 'U' is SHORT_BINSTRING: the next byte, 0x2A, is the string's length), so
one blob can be a harmless pickle to pickle.loads and, to zstd -d, a frame holding an os.system
pickle - or the other way round. The extension reads such input as zstd -d does (and scans what
that gives), and since the same bytes are also a pickle, calls them ambiguous: pickle_info says
"safe": false with a "reason", model_predict and the registry (ml_registry, and a direct
INSERT INTO ml_versions) refuse them.

Each attack is first proven live in a sandboxed real Python (no network: unshare -rn; 10 s;
1 GB of address space), where the payload touches a marker file: the test asserts which reading
runs it. Nothing in the extension executes anything (the marker stays absent after every SQL
call). `zstd -d` is Debian's zstd tool (scripts/install-deps.sh installs it).
"""
import json
import os
import pickle
import sqlite3
import struct
import subprocess

import pytest
from conftest import init_registry

PY = "/usr/bin/python3"
SKIPPABLE_U = b"\x55\x2a\x4d\x18"  # magic 0x184D2A55, little-endian: 'U' then length 42


def system_pickle(command):
    """posix.system(command) as protocol-0 opcodes (what os.system pickles to on Linux)."""
    return b"cposix\nsystem\n(S'" + command.encode() + b"'\ntR."


def polyglot(skipped, frame):
    """A skippable frame holding `skipped`, then `frame`. Read as a pickle: 'U' (42-byte string:
    the rest of the magic, the 4 size bytes and skipped[:36]), then skipped[36:] as opcodes.
    Python decodes that string as ASCII: the size must be below 128."""
    assert 36 <= len(skipped) < 128
    return SKIPPABLE_U + struct.pack("<I", len(skipped)) + skipped + frame


def zstd_d(data, tmp_path):
    """What the zstd tool decodes from data."""
    f = tmp_path / "in.zst"
    f.write_bytes(data)
    r = subprocess.run(["zstd", "-d", "-c", "-q", str(f)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=True)
    return r.stdout


def sandbox_loads(data, marker):
    """pickle.loads(data) in a sandboxed Python; True when the marker file appeared."""
    if os.path.exists(marker):
        os.unlink(marker)
    code = "import pickle, sys\ntry:\n    pickle.loads(sys.stdin.buffer.read())\nexcept Exception:\n    pass\n"
    # plain Python: no sanitizer runtime preloaded (`make asan` sets LD_PRELOAD for this process;
    # ASan's shadow memory cannot live under the address-space cap)
    env = dict((k, v) for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS"))
    subprocess.run(["unshare", "-rn", "timeout", "10", "sh", "-c",
                    "ulimit -v 1000000; exec %s -c \"$0\"" % PY, code],
                   input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True,
                   cwd=os.path.dirname(marker), env=env)
    return os.path.exists(marker)


def compress(db, data):
    return db.execute("SELECT pickle_compress(?)", (data,)).fetchone()[0]


def info(db, blob):
    return json.loads(db.execute("SELECT pickle_info(?)", (blob,)).fetchone()[0])


def error_of(db, sql, *args):
    with pytest.raises(sqlite3.Error) as e:
        db.execute(sql, args).fetchone()
    return str(e.value)


def assert_refused_everywhere(db, blob, marker):
    got = info(db, blob)
    assert got["safe"] is False
    assert got["reason"].startswith("ambiguous bytes: they are a zstd stream and also a pickle")
    msg = error_of(db, "SELECT model_predict(?, 1.0)", blob)
    assert msg.startswith("model_predict: refusing the pickle: ambiguous bytes"), msg
    init_registry(db)
    msg = error_of(db, "INSERT INTO ml_registry(name, pickle) VALUES ('m', ?)", blob)
    assert "cannot register model 'm': ambiguous bytes" in msg, msg
    # a direct insert cannot bypass it: its trigger derives the columns from the pickle
    msg = error_of(db, "INSERT INTO ml_versions(name, version, pickle, sha256, size, stored_size)"
                   " VALUES ('m', 1, ?, 'x', 1, 1)", blob)
    assert "ambiguous bytes" in msg, msg
    assert db.execute("SELECT count(*) FROM ml_versions").fetchone()[0] == 0
    assert not os.path.exists(marker)


def test_harmless_pickle_hiding_a_system_frame(db, tmp_path):
    marker = str(tmp_path / "ran")
    evil = system_pickle("touch ran")  # run in the marker's directory
    blob = polyglot(b"A" * 36 + b"0}.", compress(db, evil))  # POP the string, {}, STOP
    # what each reader gets, proven with the real tools
    assert pickle.loads(blob) == {}
    assert not sandbox_loads(blob, marker)
    assert zstd_d(blob, tmp_path) == evil
    assert sandbox_loads(zstd_d(blob, tmp_path), marker)
    os.unlink(marker)
    # the extension reads what zstd -d gives, names the global, and calls the bytes ambiguous
    got = info(db, blob)
    assert got["compression"] == "zstd" and got["unsafe_globals"] == ["posix.system"]
    assert db.execute("SELECT pickle_decompress(?)", (blob,)).fetchone()[0] == evil
    assert_refused_everywhere(db, blob, marker)


def test_system_pickle_hiding_behind_a_harmless_frame(db, tmp_path):
    marker = str(tmp_path / "ran")
    harmless = pickle.dumps({"a": 1}, protocol=2)
    blob = polyglot(b"A" * 36 + b"0" + system_pickle("touch ran"), compress(db, harmless))
    assert zstd_d(blob, tmp_path) == harmless
    assert sandbox_loads(blob, marker)  # pickle.loads of the bytes as given runs the command
    os.unlink(marker)
    got = info(db, blob)
    assert got["unsafe_globals"] == []  # the zstd reading is harmless ...
    assert db.execute("SELECT pickle_json(?)", (blob,)).fetchone()[0] == '{"a":1}'
    assert_refused_everywhere(db, blob, marker)  # ... but the bytes are a pickle too


def test_skippable_frame_that_is_no_pickle_is_read_as_zstd_reads_it(db, tmp_path):
    # magic 0x184D2A5E: 0x5E is no pickle opcode, so only the zstd reading exists
    payload = pickle.dumps([1, 2.5, "x"], protocol=4)
    blob = b"\x5e\x2a\x4d\x18" + struct.pack("<I", 5) + b"notes" + compress(db, payload)
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(blob)
    assert zstd_d(blob, tmp_path) == payload
    got = info(db, blob)
    assert got["safe"] is True and "reason" not in got and got["compression"] == "zstd"
    assert db.execute("SELECT pickle_json(?)", (blob,)).fetchone()[0] == '[1,2.5,"x"]'
    assert db.execute("SELECT pickle_decompress(?)", (blob,)).fetchone()[0] == payload


def test_frames_are_concatenated_as_zstd_does(db, tmp_path):
    a = pickle.dumps({"first": 1}, protocol=2)
    b = pickle.dumps({"second": 2}, protocol=2)
    skip = b"\x5f\x2a\x4d\x18" + struct.pack("<I", 3) + b"\x00\x01\x02"
    blob = compress(db, a) + skip + compress(db, b)
    assert zstd_d(blob, tmp_path) == a + b
    assert db.execute("SELECT pickle_decompress(?)", (blob,)).fetchone()[0] == a + b
    # the stream is a + b: its pickle is the first one, as pickle.loads(a + b) reads it
    assert pickle.loads(a + b) == {"first": 1}
    assert db.execute("SELECT pickle_json(?)", (blob,)).fetchone()[0] == '{"first":1}'
    # what zstd -d refuses is refused too
    for bad in (blob + b"junk", blob[:-3], b"\x50\x2a\x4d\x18\xff\xff\x00\x00ab"):
        f = tmp_path / "bad.zst"
        f.write_bytes(bad)
        assert subprocess.run(["zstd", "-d", "-c", "-q", str(f)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE).returncode != 0
        assert error_of(db, "SELECT pickle_decompress(?)", bad).startswith("pickle_decompress: ")
        assert error_of(db, "SELECT pickle_info(?)", bad).startswith("pickle_info: ")


def test_xgboost_model_file_behind_a_pickle(db, tmp_path):
    """An XGBoost model file is read natively (no pickle): a zstd stream holding one is still
    ambiguous when the same bytes also decode as a pickle."""
    import numpy as np
    import xgboost as xgb
    X = np.random.RandomState(0).rand(50, 3)
    model = xgb.XGBClassifier(n_estimators=2, max_depth=2).fit(X, X[:, 0] > 0.5)
    path = tmp_path / "m.json"
    model.save_model(str(path))
    frame = compress(db, path.read_bytes())
    assert info(db, frame)["safe"] is True and info(db, frame)["format"] == "xgboost"
    marker = str(tmp_path / "ran")
    blob = polyglot(b"A" * 36 + b"0" + system_pickle("touch ran"), frame)
    assert sandbox_loads(blob, marker)
    os.unlink(marker)
    got = info(db, blob)
    assert got["format"] == "xgboost" and got["safe"] is False
    assert got["reason"].startswith("ambiguous bytes")
    msg = error_of(db, "SELECT model_predict(?, 0.1, 0.2, 0.3)", blob)
    assert msg.startswith("model_predict: refusing the pickle: ambiguous bytes"), msg
    assert not os.path.exists(marker)
