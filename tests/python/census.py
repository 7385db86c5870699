"""The census of scikit-learn estimators scored in SQL (used by test_census.py).

Every class of sklearn.utils.all_estimators() (the experimental IterativeImputer and
Halving*SearchCV enabled, so the list does not depend on what else the process imported) that
offers predict, predict_proba, decision_function, transform or score_samples is fitted on small
data with default parameters, or typical ones where the constructor needs arguments (CONSTRUCT),
meta-estimators with a typical base estimator. It is pickled and scored row by row in SQL, and
every method scikit-learn offers on the fitted instance is compared with scikit-learn:
  - labels and cluster numbers identical (same value, SQL type implied by the dtype);
  - floats within RTOL relative (with modelcheck's absolute term for values that cancel towards
    0), or the bound a family documents (TOLERANCE);
  - transforms that solve a batch jointly (ROW_WISE) against scikit-learn's answer for each
    row alone, which is what scoring one row means.
score_samples is compared through model_score_samples when the extension has it and model_info
lists it (else it is reported as not compared); an older extension without model_score_samples
is checked through model_transform where the model maps score_samples to transform (outlier
detectors that have no transform in scikit-learn).

An estimator that does not score gets its reason: model_info's reason when the model is not
supported, else the first method that is missing or differs.

    /usr/bin/python3 tests/python/census.py          # prints the table and the count
"""
import json
import math
import os
import pickle
import sqlite3
import sys
import warnings

import numpy as np

from sklearn.experimental import enable_halving_search_cv, enable_iterative_imputer  # noqa: F401
from sklearn.utils import all_estimators

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from modelcheck import RTOL, _scale  # noqa: E402

METHODS = ["predict", "predict_proba", "decision_function", "transform", "score_samples"]
SQL_FN = {"predict": "model_predict", "predict_proba": "model_predict_proba",
          "decision_function": "model_decision_function", "transform": "model_transform",
          "score_samples": "model_score_samples"}

# Looser bounds documented by a family (class name -> relative tolerance), and transforms that
# are Euclidean distances computed as sqrt(||x||^2 - 2 x.c + ||c||^2) (scikit-learn's
# euclidean_distances): for a row lying on a centre the true 0 comes out as the square root of
# rounding noise (scikit-learn itself gives up to ~1e-7), so their squares are compared, within
# RTOL times ||x||^2 + ||c||^2.
TOLERANCE = {}
DISTANCE_TRANSFORMS = {"Birch", "BisectingKMeans", "KMeans", "MiniBatchKMeans"}
# Transforms that solve a whole batch jointly (one stopping test for the batch, a start from the
# batch's mean): SQL scores a row alone, so the reference is scikit-learn's answer for each row
# alone (docs/scoring.md, NMF).
ROW_WISE = {"NMF", "MiniBatchNMF"}

N_ROWS = 60
N_FEATURES = 5


def _data():
    rng = np.random.RandomState(0)
    X = rng.uniform(0.1, 3.0, size=(N_ROWS, N_FEATURES))
    s = X[:, 0] + 0.5 * X[:, 1] - X[:, 2]
    y_clf = np.digitize(s, np.quantile(s, [1 / 3, 2 / 3]))
    y_reg = X @ np.array([1.5, -2.0, 0.5, 1.0, 0.25]) + 6.0 + rng.normal(0, 0.1, N_ROWS)
    Y_reg = np.c_[y_reg, X[:, 0] * 2.0 + rng.normal(0, 0.1, N_ROWS)]
    Y_clf = np.c_[y_clf == 2, X[:, 3] > 1.5].astype(int)
    X_nan = X.copy()
    X_nan[rng.uniform(size=X.shape) < 0.1] = np.nan
    X_int = np.floor(X).astype(int)
    y_semi = y_clf.copy()
    y_semi[rng.uniform(size=N_ROWS) < 0.3] = -1
    words = ["red", "green", "blue", "cat", "dog", "tree", "sky", "sea"]
    docs = [" ".join(words[(i * k + k) % 8] for k in range(1, 6)) for i in range(N_ROWS)]
    dicts = [{"a": float(r[0]), "b": float(r[1]), "c%d" % int(r[2]): 1.0} for r in X]
    images = rng.uniform(size=(4, 8, 8))
    return dict(X=X, y_clf=y_clf, y_reg=y_reg, Y_reg=Y_reg, Y_clf=Y_clf, X_nan=X_nan,
                X_int=X_int, y_semi=y_semi, docs=docs, dicts=dicts, images=images,
                K=X @ X.T)


def _construct():
    """Constructors for estimators whose defaults cannot fit (arguments required, or defaults
    meaningless on 5 features); everything else is built with cls()."""
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
    from sklearn.naive_bayes import GaussianNB
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    def clf():
        return LogisticRegression()

    grid = {"C": [0.1, 1.0]}
    rng = np.random.RandomState(1)
    dictionary = rng.normal(size=(3, N_FEATURES))
    dictionary /= np.linalg.norm(dictionary, axis=1, keepdims=True)
    return {
        "ClassifierChain": lambda c: c(clf()),
        "RegressorChain": lambda c: c(LinearRegression()),
        "MultiOutputClassifier": lambda c: c(clf()),
        "MultiOutputRegressor": lambda c: c(Ridge()),
        "OneVsRestClassifier": lambda c: c(clf()),
        "OneVsOneClassifier": lambda c: c(clf()),
        "OutputCodeClassifier": lambda c: c(clf(), random_state=0),
        "SelfTrainingClassifier": lambda c: c(clf()),
        "StackingClassifier": lambda c: c([("lr", clf()),
                                           ("dt", DecisionTreeClassifier(random_state=0))]),
        "StackingRegressor": lambda c: c([("ridge", Ridge()),
                                          ("dt", DecisionTreeRegressor(random_state=0))]),
        "VotingClassifier": lambda c: c([("lr", clf()), ("nb", GaussianNB())]),
        "VotingRegressor": lambda c: c([("lr", LinearRegression()),
                                        ("dt", DecisionTreeRegressor(random_state=0))]),
        "GridSearchCV": lambda c: c(clf(), grid),
        "RandomizedSearchCV": lambda c: c(clf(), grid, n_iter=2, random_state=0),
        "HalvingGridSearchCV": lambda c: c(clf(), grid, random_state=0),
        "HalvingRandomSearchCV": lambda c: c(clf(), grid, random_state=0),
        "RFE": lambda c: c(clf(), n_features_to_select=2),
        "RFECV": lambda c: c(clf()),
        "SelectFromModel": lambda c: c(clf()),
        "SequentialFeatureSelector": lambda c: c(clf(), n_features_to_select=2),
        "ColumnTransformer": lambda c: c([("s", StandardScaler(), [0, 1]),
                                          ("p", "passthrough", [2, 3, 4])]),
        "FeatureUnion": lambda c: c([("pca", PCA(2)), ("s", StandardScaler())]),
        "Pipeline": lambda c: c([("s", StandardScaler()), ("lr", clf())]),
        "SparseCoder": lambda c: c(dictionary),
        "GaussianRandomProjection": lambda c: c(n_components=3, random_state=0),
        "SparseRandomProjection": lambda c: c(n_components=3, random_state=0),
        "LocalOutlierFactor": lambda c: c(novelty=True),
        "SelectKBest": lambda c: c(k=3),
    }


# Inputs other than the numeric matrix X (estimator name -> (fit args, scored rows)).
def _inputs(name, cls, d):
    from sklearn.base import ClusterMixin, is_classifier, is_regressor

    X = d["X"]
    if name in ("CountVectorizer", "TfidfVectorizer", "HashingVectorizer"):
        return (d["docs"],), d["docs"], "text"
    if name in ("DictVectorizer", "FeatureHasher"):
        return (d["dicts"],), d["dicts"], "dict"
    if name in ("LabelEncoder", "LabelBinarizer"):
        return (d["y_clf"],), d["y_clf"], "label"
    if name == "MultiLabelBinarizer":
        sets = [tuple(np.flatnonzero(r)) for r in d["Y_clf"]]
        return (sets,), sets, "labels"
    if name == "PatchExtractor":
        return (d["images"],), d["images"], "image"
    if name == "KernelCenterer":
        return (d["K"],), d["K"], "num"
    if name in ("CategoricalNB", "OneHotEncoder", "OrdinalEncoder", "TfidfTransformer"):
        y = (d["y_clf"],) if name == "CategoricalNB" else ()
        return (d["X_int"],) + y, d["X_int"], "num"
    if name in ("SimpleImputer", "KNNImputer", "IterativeImputer", "MissingIndicator"):
        return (d["X_nan"],), d["X_nan"], "num"
    if name == "IsotonicRegression":
        return (X[:, 0], d["y_reg"]), X[:, :1], "num"
    if cls.__module__.startswith("sklearn.semi_supervised"):
        return (X, d["y_semi"]), X, "num"
    if name.startswith("MultiTask") or name in ("MultiOutputRegressor", "RegressorChain"):
        return (X, d["Y_reg"]), X, "num"
    if name in ("MultiOutputClassifier", "ClassifierChain"):
        return (X, d["Y_clf"]), X, "num"
    if is_classifier(cls):
        return (X, d["y_clf"]), X, "num"
    if cls.__module__.startswith("sklearn.cross_decomposition"):
        return (X, d["Y_reg"]), X, "num"
    if is_regressor(cls):
        return (X, d["y_reg"]), X, "num"
    if issubclass(cls, ClusterMixin):
        return (X,), X, "num"
    return (X, d["y_clf"]), X, "num"


def _sql_arg(row, form):
    """One SQL argument per scored row."""
    if form == "text":
        return row
    if form == "dict":
        return json.dumps(row)
    if form == "label":  # label encoders take the bare label (docs/tabular.md)
        return row.item() if hasattr(row, "item") else row
    if form == "labels":  # one sample's labels (MultiLabelBinarizer, docs/tabular.md)
        return json.dumps(list(map(int, row)))
    vals = np.asarray(row).ravel().tolist()
    return json.dumps([None if isinstance(v, float) and math.isnan(v) else v for v in vals])


def _ref(est, meth, rows, form, row_wise=False):
    if row_wise:
        out = np.vstack([getattr(est, meth)(rows[i:i + 1]) for i in range(len(rows))])
    else:
        out = getattr(est, meth)(rows)
    if isinstance(out, list):  # MultiOutputClassifier.predict_proba: one array per output
        out = np.hstack([np.asarray(o) for o in out])
    if hasattr(out, "toarray"):
        out = out.toarray()
    return np.asarray(out)


def _available(est, meth):
    try:
        return hasattr(est, meth)
    except Exception:  # noqa: BLE001 - available_if may raise
        return False


def _dense(v, ref):
    """A vectorizer's sparse row {"column": value} (docs/text.md) as the dense row of ref."""
    if not isinstance(v, dict):
        return v
    row = [0] * ref.shape[-1]
    for k, x in v.items():
        row[int(k)] = x
    return row


def _flat(v):
    """A row given as arrays per output (docs/scoring.md, MultiOutputClassifier) as one array."""
    if isinstance(v, list) and any(isinstance(e, list) for e in v):
        return [x for e in v for x in e]
    return v


def _compare(ours, ref, X, tol, what):
    """None when every row matches, else the first difference in words."""
    if ref.dtype.kind in "iub" or ref.dtype.kind in "OU":
        for i, (a, b) in enumerate(zip(ours, ref.tolist())):
            if ref.ndim > 1:
                a = _dense(json.loads(a) if isinstance(a, str) else a, ref)
            if isinstance(b, bool):
                b = int(b)
            if a != b or (isinstance(b, int) and ref.ndim == 1 and type(a) is not int):
                return "%s row %d: %r, scikit-learn %r" % (what, i, a, b)
        return None
    vals = []
    for v in ours:
        v = _dense(_flat(json.loads(v) if isinstance(v, str) else v), ref)
        vals.append(np.nan if v is None else v)
    try:
        ours_a = np.asarray(vals, dtype=float).reshape(ref.shape)
    except ValueError:
        return "%s: %s values per row, scikit-learn %s" % (
            what, np.asarray(vals, dtype=object).shape[1:] or 1, ref.shape[1:] or 1)
    ref = ref.astype(float)
    if not np.array_equal(np.isnan(ours_a), np.isnan(ref)):
        return "%s: NaN positions differ" % what
    Xf = np.asarray(X, dtype=float).reshape(len(ref), -1) if np.asarray(X).dtype.kind in "fiu" \
        else np.zeros((len(ref), 1))
    scale = _scale(Xf, ref).reshape((-1,) + (1,) * (ref.ndim - 1))
    ok = np.isnan(ref) | (np.abs(ours_a - ref) <= tol * np.maximum(np.abs(ref), scale))
    if not ok.all():
        bad = tuple(np.argwhere(~ok)[0])
        return "%s %s: %r, scikit-learn %r" % (what, bad, ours_a[bad], ref[bad])
    return None


def _one_line(s):
    return " ".join(str(s).split())


class Entry:
    def __init__(self, name, module):
        self.name, self.module = name, module
        self.ok = False
        self.reason = ""
        self.checked = []
        self.not_compared = []


def _score(db, est, name, rows, form, has_score_samples):
    """Fills an Entry for a fitted estimator."""
    e = Entry(name, type(est).__module__)
    blob = pickle.dumps(est, protocol=4)
    try:
        info = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    except sqlite3.Error as ex:
        e.reason = _one_line(ex)
        return e
    if not info.get("supported"):
        e.reason = _one_line(info.get("reason") or "model_info gives no reason")
        return e
    sql_methods = info.get("methods") or []
    tol = TOLERANCE.get(name, RTOL)
    args = [_sql_arg(r, form) for r in rows]
    for meth in METHODS:
        if not _available(est, meth):
            continue
        via = meth
        if meth == "score_samples" and not has_score_samples:
            if "transform" in sql_methods and not _available(est, "transform"):
                via = "transform"
            else:
                e.not_compared.append(meth)
                continue
        elif meth == "score_samples" and via not in sql_methods:
            # a score_samples the extension does not offer (BernoulliRBM's random one):
            # reported as not compared, the other methods still count
            e.not_compared.append(meth)
            continue
        if via not in sql_methods:
            e.reason = "%s: not scored (model_info lists %s)" % (meth, ", ".join(sql_methods))
            return e
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ref = _ref(est, meth, rows, form, name in ROW_WISE and form == "num")
            except Exception as ex:  # noqa: BLE001 - scikit-learn refuses its own method
                e.not_compared.append(meth)
                continue
        q = "SELECT %s(?, ?)" % SQL_FN[via]
        try:
            ours = [db.execute(q, (blob, a)).fetchone()[0] for a in args]
        except sqlite3.Error as ex:
            e.reason = "%s: %s" % (meth, _one_line(ex))
            return e
        if meth == "transform" and name in DISTANCE_TRANSFORMS:
            ours = [json.dumps([v * v for v in json.loads(o)]) for o in ours]
            ref = ref * ref
        bad = _compare(ours, ref, rows if form == "num" else None, tol, meth)
        if bad:
            e.reason = bad
            return e
        e.checked.append(meth)
    if not e.checked:
        e.reason = "no method compared"
        return e
    e.ok = True
    return e


def candidates():
    """(name, class) of every estimator with an inference method."""
    out = []
    for name, cls in all_estimators():
        if any(hasattr(cls, m) for m in METHODS):
            out.append((name, cls))
    return out


def run(db):
    """The census: a list of Entry, one per candidate."""
    d = _data()
    construct = _construct()
    try:
        db.execute("SELECT model_score_samples(NULL)")
        has_ss = True
    except sqlite3.Error as ex:
        has_ss = "no such function" not in str(ex)
    entries = []
    for name, cls in candidates():
        fit_args, rows, form = _inputs(name, cls, d)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                est = construct[name](cls) if name in construct else cls()
                if name == "KernelCenterer" or form in ("label", "labels"):
                    est.fit(fit_args[0])
                else:
                    est.fit(*fit_args)
            except Exception as ex:  # noqa: BLE001 - recorded, the test checks the count
                e = Entry(name, cls.__module__)
                e.reason = "scikit-learn cannot fit it here: %s" % _one_line(ex)[:200]
                entries.append(e)
                continue
        if not any(_available(est, m) for m in METHODS):
            e = Entry(name, cls.__module__)
            e.reason = "scikit-learn offers no inference method with these parameters"
            entries.append(e)
            continue
        entries.append(_score(db, est, name, rows, form, has_ss))
    return entries


def report(entries):
    lines = []
    for e in sorted(entries, key=lambda e: (not e.ok, e.name)):
        if e.ok:
            extra = " (not compared: %s)" % ", ".join(e.not_compared) if e.not_compared else ""
            lines.append("ok    %-34s %s%s" % (e.name, ", ".join(e.checked), extra))
        else:
            lines.append("no    %-34s %s" % (e.name, e.reason))
    n = sum(e.ok for e in entries)
    lines.append("%d of %d estimators score like scikit-learn" % (n, len(entries)))
    return "\n".join(lines)


if __name__ == "__main__":
    from conftest import load_ext

    conn = load_ext(sqlite3.connect(":memory:"))
    print(report(run(conn)))
