"""The connection's model cache (sql_model.c) keyed by a blob's content.

The key's 64-bit hash reads the blob's length, its first and last 512 bytes and 64 sampled words;
a hit is then confirmed by comparing every byte with the entry's own copy of the blob. Two pickles
that agree on every hashed byte but differ elsewhere must each be decoded, checked and compiled
(their predictions are their own, scikit-learn's), and a hit must never read the memory of a
blob SQLite has freed since (the statement's bound copy): the blob is bound, scored, replaced
and dropped, then the same content comes back from a new bytes object. `make asan` runs this
file against the ASan build, which reports any read of freed memory.
"""
import gc
import pickle

import numpy as np
from sklearn.cluster import KMeans


def sampled_spans(n):
    """Byte ranges the cache key's hash reads for a blob of n > 1024 bytes."""
    edge = 512
    spans = [(0, edge), (n - edge, n)]
    step = (n - 2 * edge) // 64
    spans += [(edge + k * step, edge + k * step + 8) for k in range(64)]
    return spans


def unhashed(offset, n):
    return all(not (a <= offset + j < b) for a, b in sampled_spans(n) for j in range(8))


def fitted():
    X = np.random.default_rng(3).normal(size=(400, 5))
    return X, KMeans(8, n_init=3, random_state=0).fit(X)


def twin(blob, centers):
    """A copy of blob whose one cluster centre is moved far away, changed only in bytes the
    cache key does not hash; None when no centre lies outside the hashed bytes."""
    raw = centers.tobytes()
    at = blob.find(raw)
    assert at > 0, "the centres are stored as raw float64 bytes in the pickle"
    n = len(blob)
    for c in range(centers.shape[0]):
        off = at + c * centers.shape[1] * 8  # the centre's first coordinate
        if unhashed(off, n):
            moved = np.array([centers[c, 0] + 1000.0]).tobytes()
            return blob[:off] + moved + blob[off + 8:], c
    return None


def predict(db, blob, rows):
    sql = "SELECT model_predict(?, ?, ?, ?, ?, ?)"
    return [db.execute(sql, (blob, *map(float, r))).fetchone()[0] for r in rows]


def test_same_hash_different_bytes_compile_apart(db):
    X, m = fitted()
    blob = pickle.dumps(m, protocol=4)
    assert len(blob) > 1024
    made = twin(blob, m.cluster_centers_)
    assert made is not None
    other, moved = made
    assert len(other) == len(blob) and other != blob
    m2 = pickle.loads(other)  # our own edit of our own pickle
    assert m2.cluster_centers_[moved, 0] == m.cluster_centers_[moved, 0] + 1000.0
    rows = X[:60]
    want1, want2 = m.predict(rows).tolist(), m2.predict(rows).tolist()
    assert want1 != want2  # the moved centre owned some of these rows
    # alternate: each call finds the other blob's entry under the same hash
    for _ in range(2):
        assert predict(db, blob, rows) == want1
        assert predict(db, other, rows) == want2


def test_hit_after_the_bound_blob_is_freed(db):
    X, m = fitted()
    blob = pickle.dumps(m, protocol=4)
    rows = X[:20]
    want = m.predict(rows).tolist()
    sql = "SELECT model_predict(?, ?, ?, ?, ?, ?)"
    assert db.execute(sql, (blob, *map(float, rows[0]))).fetchone()[0] == want[0]
    # the same statement rebound with another blob: SQLite frees its copy of the first
    other = pickle.dumps(KMeans(3, n_init=2, random_state=1).fit(X), protocol=4)
    db.execute(sql, (other, *map(float, rows[0]))).fetchone()
    del blob
    gc.collect()
    again = bytes(bytearray(pickle.dumps(m, protocol=4)))  # equal content, new memory
    for r, w in zip(rows, want):
        assert db.execute(sql, (again, *map(float, r))).fetchone()[0] == w
