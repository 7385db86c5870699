"""Bounded work at the default limits: tiny inputs that expand (shared structure written out at
every place it is used) are refused fast, naming the limit, and every limit can be raised.

Each case runs one SQL statement in a fresh /usr/bin/python3 child whose address space is capped
with setrlimit(RLIMIT_AS) at 1 GiB, so a regression fails (MemoryError / SQLITE_NOMEM / a killed
child) instead of swapping; the child times the statement itself and reports its peak RSS. Under
`make asan` (PICKLE_EXT_ASAN=1) the cap is dropped (ASan reserves terabytes of address space)
and the time bound relaxed.

The inputs, all generated here:
  - memo bombs: x0 = []; x(i+1) = [x(i), x(i)], 2**levels leaves from ~8 bytes per level (1-byte
    memo indices): 28 levels is a 229-byte pickle whose JSON text would be 1.3 GB;
  - a JSON text of nested lists for pickle_dump / pickle_set / pickle_dump_agg (max_alloc);
  - a RandomForest whose estimators_ lists one fitted tree 20,000 times (pickle memoizes it, so
    the pickle is small) and a HistGradientBoosting whose _predictors repeat one iteration.
The limits (docs/limits.md): expand_factor and expand_slack (JSON text / tree walks of a pickle
<= expand_slack + expand_factor x its size, default 64 MiB + 1000 x), max_alloc (512 MiB),
max_model_bytes (256 MiB).
"""
import json
import os
import pickle
import struct
import subprocess
import sys
import threading

import numpy as np
import pytest

PY = "/usr/bin/python3"
ASAN = bool(os.environ.get("PICKLE_EXT_ASAN"))
FAST = 10.0 if ASAN else 1.0  # seconds: "each refusal is fast"
AS_CAP = 1 << 30              # the child's address space: "under 1 GB"
RSS_MB = 3000 if ASAN else 700
KILL_AFTER = 60

CHILD = r"""
import json, resource, sqlite3, sys, time
so, path, setup, sql, cap = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
if cap:
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
db = sqlite3.connect(':memory:')
db.enable_load_extension(True)
db.load_extension(so)
for stmt in filter(None, setup.split(';')):
    db.execute(stmt)
blob = open(path, 'rb').read()
t = time.perf_counter()
try:
    row = db.execute(sql, (blob,)).fetchone()
    res = {'ok': row[0] if row and not isinstance(row[0], bytes) else repr(row)[:100]}
except (sqlite3.Error, MemoryError) as exc:
    res = {'error': '%s: %s' % (type(exc).__name__, exc)}
res['elapsed'] = time.perf_counter() - t
for line in open('/proc/self/status'):
    if line.startswith('VmHWM:'):
        res['rss_mb'] = int(line.split()[1]) / 1024.0
print(json.dumps(res))
"""


def run(so_path, tmp_path, data, sql, setup=""):
    """Runs `sql` with ? bound to data in a capped child; returns its report."""
    f = tmp_path / "input.bin"
    f.write_bytes(data)
    so = so_path[:-3] if so_path.endswith(".so") else so_path
    p = subprocess.Popen([PY, "-c", CHILD, so, str(f), setup, sql, "0" if ASAN else str(AS_CAP)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timer = threading.Timer(KILL_AFTER, p.kill)
    timer.start()
    out, err = p.communicate()
    timer.cancel()
    try:
        return json.loads(out)
    except ValueError:
        pytest.fail("child died (status %s) running %s: %s" %
                    (p.returncode, sql, err.decode(errors="replace")[-800:]))


def refused(res, *needles):
    """The statement failed with an SQL error holding every needle, fast and in bounded memory."""
    assert "error" in res, "not refused: %r" % res
    assert res["error"].startswith("OperationalError: "), res["error"]
    for n in needles:
        assert n in res["error"], res["error"]
    assert res["elapsed"] < FAST, "took %.2f s: %s" % (res["elapsed"], res["error"])
    assert res["rss_mb"] < RSS_MB, "peak RSS %.0f MB: %s" % (res["rss_mb"], res["error"])


# ---- inputs ---------------------------------------------------------------------------------------

def memo_bomb(levels):
    """x0 = []; x(i+1) = [x(i), x(i)]: MARK, BINGET i twice, LIST, BINPUT i+1 (8 bytes a level,
    levels < 255)."""
    out = [b"\x80\x02]q\x00"]
    for i in range(levels):
        out.append(b"(h" + bytes([i]) + b"h" + bytes([i]) + b"lq" + bytes([i + 1]))
    out.append(b".")
    return b"".join(out)


def json_text_of(levels):
    """The JSON text pickle_json writes for memo_bomb(levels): 2**levels empty lists."""
    x = "[]"
    for _ in range(levels):
        x = "[%s,%s]" % (x, x)
    return x


def test_memo_bomb_is_what_python_reads():
    small = pickle.loads(memo_bomb(3))
    assert small == [[[[], []], [[], []]], [[[], []], [[], []]]]
    assert small[0] is small[1] and small[0][0] is small[1][1]  # shared, as in the bomb
    assert len(memo_bomb(28)) < 250


def test_json_expansion_cap_default(db):
    assert db.execute("SELECT pickle_ext_limit('expand_factor'), pickle_ext_limit('expand_slack'),"
                      " pickle_ext_limit('max_model_bytes')").fetchone() == \
        (1000, 64 << 20, 256 << 20)
    # within the cap: the text is exact
    assert db.execute("SELECT pickle_json(?)", (memo_bomb(10),)).fetchone()[0] == json_text_of(10)


# ---- the reproducers, at the default limits ----------------------------------------------

# a 229-byte pickle whose JSON is 1.3 GB (it used to stop at max_output only after writing 1 GiB),
# and one whose JSON is 671 MB (under the old 1 GiB max_output: it used to be written out whole)
@pytest.mark.parametrize("levels", [28, 27])
@pytest.mark.parametrize("sql", [
    "SELECT length(pickle_json(?))",
    "SELECT length(pickle_json(?, '$', 'nan'))",
    "SELECT length(pickle_get(?))",
    "SELECT length(pickle_dump(pickle_json(?)))",
])
def test_json_of_a_tiny_pickle_is_refused(so_copy, tmp_path, levels, sql):
    res = run(so_copy, tmp_path, memo_bomb(levels), sql)
    refused(res, "limit exceeded", "expansion limit", "expand_slack", "expand_factor")


def test_tree_rows_of_a_tiny_pickle_are_refused(so_copy, tmp_path):
    # 2**26 leaves: 134 M rows, or with 25 levels 67 M (under max_rows): both refused at once
    for levels in (26, 25):
        res = run(so_copy, tmp_path, memo_bomb(levels), "SELECT count(*) FROM pickle_tree(?)")
        refused(res, "pickle_tree: limit exceeded")
    res = run(so_copy, tmp_path, memo_bomb(25), "SELECT count(*) FROM pickle_tree(?)")
    refused(res, "expansion limit")


def test_each_of_a_tiny_pickle_is_refused(so_copy, tmp_path):
    # two rows, but each row's value is the JSON of half the bomb
    res = run(so_copy, tmp_path, memo_bomb(27), "SELECT sum(length(value)) FROM pickle_each(?)")
    refused(res, "pickle_each: limit exceeded", "expansion limit")


def test_expansion_limit_can_be_lowered_and_raised(so_copy, tmp_path):
    data = memo_bomb(20)  # 5.2 MB of JSON from 166 bytes: under the default cap
    sql = "SELECT length(pickle_json(?))"
    assert run(so_copy, tmp_path, data, sql)["ok"] == len(json_text_of(20))
    low = "SELECT pickle_ext_limit('expand_slack', 1000000)"
    refused(run(so_copy, tmp_path, data, sql, low),
            "expansion limit (%d bytes" % (1000000 + 1000 * len(data)))
    refused(run(so_copy, tmp_path, data, "SELECT count(*) FROM pickle_tree(?)", low),
            "expansion limit")
    # the factor counts per byte of the pickle: 166 bytes x 30000 = 5 MB is enough again
    ok = run(so_copy, tmp_path, data, sql, low + "; SELECT pickle_ext_limit('expand_factor', 30000)")
    assert ok["ok"] == len(json_text_of(20)), ok
    rows = run(so_copy, tmp_path, data, "SELECT count(*) FROM pickle_tree(?)",
               low + "; SELECT pickle_ext_limit('expand_factor', 30000)")
    assert rows["ok"] == 2 ** 21 - 1, rows


def test_unknown_limit_lists_the_new_ones(db):
    with pytest.raises(Exception) as e:
        db.execute("SELECT pickle_ext_limit('expand')").fetchone()
    for name in ("expand_factor", "expand_slack", "max_model_bytes", "max_alloc"):
        assert name in str(e.value)


# ---- the writers obey max_alloc -------------------------------------------------------------------

NESTED = json_text_of(17)  # 655 KB of JSON, 262,143 lists: ~13 MB of nodes and memo table


@pytest.mark.parametrize("sql", [
    "SELECT length(pickle_dump(json(CAST(? AS TEXT))))",
    "SELECT length(pickle_set(pickle_dump(1), '$', json(CAST(? AS TEXT))))",
    "SELECT length(pickle_dump_agg(json(v))) FROM (SELECT CAST(? AS TEXT) AS v UNION ALL "
    "SELECT '[1]')",
])
def test_writers_obey_max_alloc(so_copy, tmp_path, sql):
    setup = "SELECT pickle_ext_limit('max_alloc', 4000000)"
    res = run(so_copy, tmp_path, NESTED.encode(), sql, setup)
    refused(res, "limit exceeded", "max_alloc (4000000 bytes)")
    # the same statement fits under the default max_alloc (512 MiB)
    res = run(so_copy, tmp_path, NESTED.encode(), sql)
    assert res.get("ok", 0) > len(NESTED), res


def test_writers_max_alloc_message_in_process(db):
    db.execute("SELECT pickle_ext_limit('max_alloc', 1000000)")
    for sql in ("SELECT pickle_dump(json(?))",
                "SELECT pickle_set(pickle_dump(1), '$', json(?))",
                "SELECT pickle_dump_agg(json(?))"):
        with pytest.raises(Exception) as e:
            db.execute(sql, (json_text_of(16),)).fetchone()
        fname = sql.split("(")[0].split()[-1]
        assert str(e.value).startswith(fname + ": limit exceeded") and "max_alloc" in str(e.value)
    db.execute("SELECT pickle_ext_limit('max_alloc', 0)")  # 0 restores the default
    back = db.execute("SELECT pickle_dump(json(?))", (json_text_of(16),)).fetchone()[0]
    assert json.dumps(pickle.loads(back), separators=(",", ":")) == json_text_of(16)


# ---- the model compiler counts shared trees at every place they are used --------------------------

def shared_forest(times):
    from sklearn.ensemble import RandomForestClassifier
    rng = np.random.RandomState(0)
    X = rng.rand(3000, 4)
    y = rng.randint(0, 2, 3000)  # noise: a fully grown tree of ~2,000 nodes
    rf = RandomForestClassifier(n_estimators=1, bootstrap=False, random_state=0).fit(X, y)
    rf.estimators_ = [rf.estimators_[0]] * times
    rf.n_estimators = times
    return rf


def shared_hgb(times):
    from sklearn.ensemble import HistGradientBoostingRegressor
    rng = np.random.RandomState(1)
    X = rng.rand(2000, 4)
    h = HistGradientBoostingRegressor(max_iter=1, max_leaf_nodes=255, min_samples_leaf=1,
                                      random_state=0).fit(X, X[:, 0] * 3 + rng.rand(2000))
    h._predictors = [h._predictors[0]] * times  # n_iter_ is len(_predictors)
    return h


def test_forest_sharing_one_tree_is_refused_before_compiling(so_copy, tmp_path):
    rf = shared_forest(20000)
    data = pickle.dumps(rf, protocol=4)
    assert len(data) < 500000  # the tree is stored once, referenced 20,000 times
    res = run(so_copy, tmp_path, data, "SELECT model_predict(?, 0.1, 0.2, 0.3, 0.4)")
    refused(res, "model_predict: limit exceeded", "max_model_bytes (268435456 bytes)",
            "counting a shared tree at every place it is used")


def test_hgb_sharing_one_predictor_is_refused_before_compiling(so_copy, tmp_path):
    h = shared_hgb(200000)
    res = run(so_copy, tmp_path, pickle.dumps(h, protocol=4),
              "SELECT model_predict(?, 0.1, 0.2, 0.3, 0.4)")
    refused(res, "model_predict: limit exceeded", "max_model_bytes")


def test_shared_trees_within_the_bound_still_score_exactly(db):
    rf = shared_forest(30)
    h = shared_hgb(30)
    X = np.random.RandomState(5).rand(20, 4)
    for model in (rf, h):
        blob = pickle.dumps(model, protocol=4)
        got = [db.execute("SELECT model_predict(?, ?, ?, ?, ?)", (blob,) + tuple(map(float, r)))
               .fetchone()[0] for r in X]
        want = model.predict(X).tolist()
        assert got == want
    # a lowered bound refuses the same forest, naming the limit; 0 restores the default
    db.execute("SELECT pickle_ext_limit('max_model_bytes', 100000)")
    with pytest.raises(Exception) as e:
        db.execute("SELECT model_predict(?, 0, 0, 0, 0)", (pickle.dumps(shared_forest(31)),))\
            .fetchone()
    assert "max_model_bytes (100000 bytes)" in str(e.value)
    db.execute("SELECT pickle_ext_limit('max_model_bytes', 0)")
    assert db.execute("SELECT model_predict(?, 0, 0, 0, 0)",
                      (pickle.dumps(shared_forest(32)),)).fetchone()[0] in (0, 1)
