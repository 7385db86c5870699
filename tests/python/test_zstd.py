"""pickle_compress / pickle_decompress, and zstd frames read transparently everywhere.

Round trips of pickles of many sizes and every level class; the frame format (content size
declared, checksum, one frame); every reading function on a compressed pickle giving what it gives
on the raw one; corrupt, truncated, sizeless and oversized frames giving clean errors.
"""
import io
import pickle
import random
import sqlite3
import struct

import numpy as np
import pytest

from conftest import load_ext

MAGIC = b"\x28\xb5\x2f\xfd"


def one(db, sql, *args):
    return db.execute(sql, args).fetchone()[0]


def frame_content_size(z):
    """The Frame_Content_Size field of a zstd frame header (RFC 8878 3.1.1.1), or None."""
    fhd = z[4]
    fcs_flag, single = fhd >> 6, (fhd >> 5) & 1
    did_flag = fhd & 3
    pos = 5 + (0 if single else 1) + [0, 1, 2, 4][did_flag]
    size = [1 if single else 0, 2, 4, 8][fcs_flag]
    if size == 0:
        return None
    v = int.from_bytes(z[pos:pos + size], "little")
    return v + 256 if size == 2 else v


def test_round_trips(db):
    rng = random.Random(11)
    n = 0
    for size in [0, 1, 10, 1000, 65536, 300000]:
        data = bytes(rng.choice(b"abcabcxyz\x00\xff") for _ in range(size))
        for level in [None, -3, 1, 3, 9, 19, 22]:
            z = one(db, "SELECT pickle_compress(?)", data) if level is None else \
                one(db, "SELECT pickle_compress(?, ?)", data, level)
            assert z[:4] == MAGIC
            assert frame_content_size(z) == size
            assert (z[4] >> 2) & 1 == 1  # content checksum flag
            assert one(db, "SELECT pickle_decompress(?)", z) == data
            n += 1
    assert n == 42


def test_default_level_is_documented_nine(db):
    data = pickle.dumps(list(range(5000)), 4)
    assert one(db, "SELECT pickle_compress(?)", data) == one(db, "SELECT pickle_compress(?, 9)", data)


def test_idempotent_and_null(db):
    p = pickle.dumps({"a": 1}, 4)
    z = one(db, "SELECT pickle_compress(?)", p)
    assert one(db, "SELECT pickle_compress(?)", z) == z          # already a frame
    assert one(db, "SELECT pickle_decompress(?)", p) == p        # not a frame: unchanged
    assert one(db, "SELECT pickle_compress(NULL)") is None
    assert one(db, "SELECT pickle_decompress(NULL)") is None


def test_every_reader_accepts_frames(db):
    from sklearn.linear_model import LogisticRegression
    rng = np.random.RandomState(1)
    X = rng.randn(50, 3)
    y = (X[:, 0] > 0).astype(int)
    obj = {"model": LogisticRegression().fit(X, y), "w": np.arange(4.0), "name": "m",
           "items": [1, 2, 3]}
    for proto in range(6):
        p = pickle.dumps(obj, proto)
        z = one(db, "SELECT pickle_compress(?)", p)
        for sql in ["SELECT pickle_get(?, '$.name')", "SELECT pickle_json(?, '$.w')",
                    "SELECT pickle_type(?, '$.model')", "SELECT pickle_valid(?)",
                    "SELECT pickle_error(?)", "SELECT pickle_json(?, '$.model.coef_')",
                    "SELECT pickle_get(?, '$.items[-1]')"]:
            assert one(db, sql, z) == one(db, sql, p), sql
        assert db.execute("SELECT key, value FROM pickle_each(?, '$.items')", (z,)).fetchall() == \
            db.execute("SELECT key, value FROM pickle_each(?, '$.items')", (p,)).fetchall()
        info = one(db, "SELECT json_extract(pickle_info(?), '$.compression')", z)
        assert info == "zstd"
        row = [float(v) for v in X[0]]
        zm = one(db, "SELECT pickle_compress(?)", pickle.dumps(obj["model"], proto))
        assert one(db, "SELECT model_predict(?, ?, ?, ?)", zm, *row) == int(obj["model"].predict(X[:1])[0])
    # a zstd frame around a compressed joblib file
    import joblib
    bio = io.BytesIO()
    joblib.dump(obj, bio, compress=3)
    z = one(db, "SELECT pickle_compress(?)", bio.getvalue())
    assert one(db, "SELECT pickle_json(?, '$.w')", z) == "[0.0,1.0,2.0,3.0]"


def err(db, sql, *args):
    with pytest.raises(sqlite3.Error) as e:
        db.execute(sql, args).fetchone()
    return str(e.value)


def test_bad_levels_and_types(db):
    assert err(db, "SELECT pickle_compress(x'00', 23)").startswith(
        "pickle_compress: level must be an integer from 1 to 22")
    assert err(db, "SELECT pickle_compress(x'00', 0)").startswith("pickle_compress: level must be")
    assert err(db, "SELECT pickle_compress(x'00', 'high')").startswith("pickle_compress: level")
    assert err(db, "SELECT pickle_compress(5)") == "pickle_compress: argument 1 is an INTEGER, not a pickle BLOB"
    assert err(db, "SELECT pickle_decompress(2.5)") == "pickle_decompress: argument 1 is a REAL, not a BLOB"


def test_corrupt_and_truncated_frames(db):
    p = pickle.dumps(list(range(20000)), 4)
    z = one(db, "SELECT pickle_compress(?)", p)
    rng = random.Random(3)
    checked = 0
    for cut in sorted(set([4, 5, 6, 10, len(z) // 2, len(z) - 1] +
                          [rng.randrange(4, len(z)) for _ in range(30)])):
        msg = err(db, "SELECT pickle_decompress(?)", z[:cut])
        assert msg.startswith("pickle_decompress: "), msg
        msg = err(db, "SELECT pickle_get(?)", z[:cut])
        assert msg.startswith("pickle_get: "), msg
        checked += 1
    for _ in range(40):
        bad = bytearray(z)
        i = rng.randrange(6, len(z))
        bad[i] ^= 1 << rng.randrange(8)
        try:
            out = one(db, "SELECT pickle_decompress(?)", bytes(bad))
            assert out != p  # the checksum catches what the decoder does not
        except sqlite3.Error as e:
            assert str(e).startswith("pickle_decompress: ")
        checked += 1
    # trailing garbage is refused; two frames are read as `zstd -d` reads them: concatenated
    assert err(db, "SELECT pickle_decompress(?)", z + b"xx").startswith("pickle_decompress: ")
    assert one(db, "SELECT pickle_decompress(?)", z + z) == p + p
    assert checked >= 60


def sizeless_frame(data):
    """A raw-block zstd frame without Frame_Content_Size (built by hand, RFC 8878)."""
    hdr = MAGIC + bytes([0x00, 0x50])  # FHD: no FCS, no checksum, not single segment; window 1 MiB
    bh = (len(data) << 3) | (0 << 1) | 1  # last block, raw
    return hdr + struct.pack("<I", bh)[:3] + data


def test_frame_without_content_size_is_refused(db):
    z = sizeless_frame(b"\x80\x04N.")
    assert frame_content_size(z) is None
    msg = err(db, "SELECT pickle_decompress(?)", z)
    assert "content size" in msg and msg.startswith("pickle_decompress: ")
    assert "content size" in err(db, "SELECT pickle_get(?)", z)


def test_oversized_frames(so_path):
    conn = sqlite3.connect(":memory:")
    load_ext(conn, so_path)
    z = one(conn, "SELECT pickle_compress(zeroblob(200000))")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 100000)
    with pytest.raises(sqlite3.Error) as e:
        conn.execute("SELECT pickle_decompress(?)", (z,)).fetchone()
    assert str(e.value).startswith("pickle_decompress: ") and "200000" in str(e.value)
    # a header declaring 2**40 bytes is refused before anything is inflated
    fake = MAGIC + bytes([0xC0 | 0x20]) + (2 ** 40).to_bytes(8, "little") + b"\x01\x00\x00"
    with pytest.raises(sqlite3.Error) as e:
        conn.execute("SELECT pickle_decompress(?)", (fake,)).fetchone()
    assert str(e.value).startswith("pickle_decompress: ")
    conn.close()
