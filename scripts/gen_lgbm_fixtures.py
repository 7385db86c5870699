"""LightGBM-format models and pickles built from LightGBM's documented layout, without LightGBM.

LightGBM cannot be installed here (no Debian package), so the tests build what it would write:

- the text model of Booster.model_to_string() / save_model(): the header (`tree`, `version=`,
  `num_class`, `num_tree_per_iteration`, `label_index`, `max_feature_idx`, `objective`,
  [`average_output`], `feature_names`, `feature_infos`, `tree_sizes` = the byte size of each tree
  block), one block per tree (`Tree=i`, `num_leaves`, `num_cat`, `split_feature`, `split_gain`,
  `threshold`, `decision_type`, `left_child`, `right_child` (a child < 0 is the leaf ~child),
  `leaf_value`, `leaf_weight`, `leaf_count`, `internal_value`, `internal_weight`,
  `internal_count`, [`cat_boundaries`, `cat_threshold`], `is_linear` (3.x and later, with
  `leaf_const`, `num_features`, `leaf_features`, `leaf_coeff` for linear trees), `shrinkage`, an
  empty line, and one more empty line), `end of trees`, `feature_importances:`, `parameters:` ...
  `end of parameters`, and the Python package's `pandas_categorical:<json>` line;
- pickles of lightgbm.basic.Booster (state: its __dict__ without train_set/valid_sets, the model
  text under "_handle" from LightGBM 4.0, "handle" before) and of the scikit-learn wrappers
  lightgbm.sklearn.LGBMClassifier / LGBMRegressor / LGBMRanker (state: their __dict__, the Booster
  as `_Booster`, `_classes`, `_n_classes`, `_objective`, `_le` a fitted _LGBMLabelEncoder, ...),
  made by pickling stand-in classes registered under LightGBM's module names.

Trees grow as LightGBM grows them: splitting leaf l makes split s whose left child is leaf l and
whose right child is the new leaf. Values are random (fixed seeds); nothing here is a real fit.

Usage as a script: gen_lgbm_fixtures.py OUT_DIR writes a few .txt models and .pkl pickles
(fuzz seeds, inspection). The tests import this module.
"""
import collections
import json
import os
import pickle
import random
import sys
import types

import numpy as np
import sklearn.base
import sklearn.preprocessing


# ---- the text format --------------------------------------------------------------------------

def make_tree(rng, n_features, num_leaves, cat_features=(), missing=True, linear=False):
    """A random tree as a dict of LightGBM's arrays."""
    ns = num_leaves - 1
    left, right, feat, thr, dt = [], [], [], [], []
    cat_boundaries, cat_threshold = [0], []
    leaf_parent = {0: None}  # leaf -> (split, side)
    depth = {0: 0}
    for s in range(ns):
        leaf = rng.choice(sorted(leaf_parent))
        parent = leaf_parent[leaf]
        if parent is not None:
            (left if parent[1] == 0 else right)[parent[0]] = s
        new = s + 1
        left.append(~leaf)
        right.append(~new)
        leaf_parent[leaf] = (s, 0)
        leaf_parent[new] = (s, 1)
        depth[new] = depth[leaf] = depth[leaf] + 1
        f = rng.randrange(n_features)
        flags = 0
        if f in cat_features:
            flags |= 1
            words = [rng.getrandbits(32) for _ in range(rng.randint(1, 2))]
            cat_threshold += words
            thr.append(float(len(cat_boundaries) - 1))
            cat_boundaries.append(len(cat_threshold))
        else:
            thr.append(round(rng.uniform(-3, 3), 6))
        if missing:
            flags |= rng.choice([0, 2])  # default left
            flags |= rng.choice([0, 1, 2]) << 2  # missing type None / Zero / NaN
        feat.append(f)
        dt.append(flags)
    tree = dict(num_leaves=num_leaves, num_cat=len(cat_boundaries) - 1, split_feature=feat,
                threshold=thr, decision_type=dt, left_child=left, right_child=right,
                leaf_value=[round(rng.uniform(-1, 1), 8) for _ in range(num_leaves)],
                cat_boundaries=cat_boundaries, cat_threshold=cat_threshold,
                depth=max(depth.values()), is_linear=int(linear))
    if linear:
        nf = [rng.randint(0, min(2, n_features)) for _ in range(num_leaves)]
        tree["leaf_const"] = [round(rng.uniform(-1, 1), 6) for _ in range(num_leaves)]
        tree["num_features"] = nf
        tree["leaf_features"] = [rng.sample(range(n_features), k) for k in nf]
        tree["leaf_coeff"] = [[round(rng.uniform(-1, 1), 6) for _ in range(k)] for k in nf]
    return tree


def _join(values):
    return " ".join(str(v) for v in values)


def tree_block(i, t, version="v4"):
    """The text of Tree=i: what GBDT::SaveModelToString writes for one tree."""
    ns, nl = t["num_leaves"] - 1, t["num_leaves"]
    lines = ["Tree=%d" % i, "num_leaves=%d" % nl, "num_cat=%d" % t["num_cat"],
             "split_feature=" + _join(t["split_feature"]),
             "split_gain=" + _join([round(1 + 0.5 * k, 3) for k in range(ns)]),
             "threshold=" + _join(t["threshold"]),
             "decision_type=" + _join(t["decision_type"]),
             "left_child=" + _join(t["left_child"]), "right_child=" + _join(t["right_child"]),
             "leaf_value=" + _join(t["leaf_value"]),
             "leaf_weight=" + _join([10 + k for k in range(nl)]),
             "leaf_count=" + _join([10 + k for k in range(nl)]),
             "internal_value=" + _join([0.5 * k for k in range(ns)]),
             "internal_weight=" + _join([20 + k for k in range(ns)]),
             "internal_count=" + _join([20 + k for k in range(ns)])]
    if t["num_cat"] > 0:
        lines += ["cat_boundaries=" + _join(t["cat_boundaries"]),
                  "cat_threshold=" + _join(t["cat_threshold"])]
    if version != "v2":
        lines.append("is_linear=%d" % t["is_linear"])
        if t["is_linear"]:
            lines.append("leaf_const=" + _join(t["leaf_const"]))
            lines.append("num_features=" + _join(t["num_features"]))
            lines.append("leaf_features=" + "".join(
                (_join(f) + " " if f else "") + " " for f in t["leaf_features"]))
            lines.append("leaf_coeff=" + "".join(
                (_join(c) + " " if c else "") + " " for c in t["leaf_coeff"]))
    lines.append("shrinkage=%s" % t.get("shrinkage", 0.1))
    return "\n".join(lines) + "\n\n\n"


def model_text(spec):
    """The text model of spec: dict(version, num_class, num_tree_per_iteration, objective,
    feature_names, trees, boosting, average_output, pandas_categorical)."""
    version = spec.get("version", "v4")
    names = spec["feature_names"]
    blocks = [tree_block(i, t, version) for i, t in enumerate(spec["trees"])]
    head = ["tree", "version=" + version, "num_class=%d" % spec.get("num_class", 1),
            "num_tree_per_iteration=%d" % spec.get("num_tree_per_iteration", 1),
            "label_index=0", "max_feature_idx=%d" % (len(names) - 1)]
    if spec.get("objective"):
        head.append("objective=" + spec["objective"])
    if spec.get("average_output"):
        head.append("average_output")
    head.append("feature_names=" + " ".join(names))
    head.append("feature_infos=" + " ".join("[-3:3]" for _ in names))
    head.append("tree_sizes=" + _join(len(b.encode()) for b in blocks))
    counts = collections.Counter(f for t in spec["trees"] for f in t["split_feature"])
    imp = sorted(((c, names[f]) for f, c in counts.items()), key=lambda p: -p[0])
    tail = ["end of trees", "", "feature_importances:"] + ["%s=%d" % (n, c) for c, n in imp]
    tail += ["", "parameters:", "[boosting: %s]" % spec.get("boosting", "gbdt"),
             "[objective: %s]" % (spec.get("objective") or "custom").split(" ")[0],
             "[num_iterations: %d]" % (len(spec["trees"]) // spec.get("num_tree_per_iteration", 1)),
             "[learning_rate: 0.1]", "", "end of parameters", "",
             "pandas_categorical:" + json.dumps(spec.get("pandas_categorical"))]
    return "\n".join(head) + "\n\n" + "".join(blocks) + "\n".join(tail) + "\n"


def make_spec(seed=0, n_features=4, n_iter=3, num_class=1, objective="regression",
              num_leaves=(1, 8), cat_features=(), linear=False, version="v4", boosting="gbdt",
              names=None, pandas_categorical=None):
    rng = random.Random(seed)
    per_iter = num_class if num_class > 1 else 1
    trees = [make_tree(rng, n_features, rng.randint(*num_leaves), cat_features, linear=linear)
             for _ in range(n_iter * per_iter)]
    return dict(version=version, num_class=num_class, num_tree_per_iteration=per_iter,
                objective=objective, boosting=boosting, average_output=boosting == "rf",
                feature_names=names or ["Column_%d" % j for j in range(n_features)],
                trees=trees, pandas_categorical=pandas_categorical)


# ---- pickles: stand-ins registered under LightGBM's module names ------------------------------

def _module(name):
    mod = sys.modules.get(name)
    if mod is None:
        mod = types.ModuleType(name)
        sys.modules[name] = mod
    return mod


class Booster:
    """Stands for lightgbm.basic.Booster: pickled with its __dict__ as state (the dict LightGBM's
    own __getstate__ returns, the model already turned into text)."""

    def __getstate__(self):
        return dict(self.__dict__)

    def __setstate__(self, state):
        self.__dict__.update(state)


class LGBMModel(sklearn.base.BaseEstimator):
    """Stands for lightgbm.sklearn.LGBMModel (a scikit-learn estimator)."""


class LGBMClassifier(LGBMModel):
    pass


class LGBMRegressor(LGBMModel):
    pass


class LGBMRanker(LGBMModel):
    pass


class _LGBMLabelEncoder(sklearn.preprocessing.LabelEncoder):
    pass


for _cls, _mod in [(Booster, "lightgbm.basic"), (LGBMModel, "lightgbm.sklearn"),
                   (LGBMClassifier, "lightgbm.sklearn"), (LGBMRegressor, "lightgbm.sklearn"),
                   (LGBMRanker, "lightgbm.sklearn"), (_LGBMLabelEncoder, "lightgbm.sklearn")]:
    _cls.__module__ = _mod
    setattr(_module(_mod), _cls.__name__, _cls)
_module("lightgbm")


def booster(text, lgbm_version=4, best_iteration=-1, params=None):
    """A Booster as LightGBM `lgbm_version` (2, 3 or 4) pickles it after training."""
    b = Booster.__new__(Booster)
    key = "_handle" if lgbm_version >= 4 else "handle"
    best = collections.defaultdict(collections.OrderedDict)
    best["valid_0"]["l2"] = 0.25
    state = {"_Booster__need_reload_eval_info": True, "_train_data_name": "training",
             "_Booster__attr": {}, "_Booster__set_objective_to_none": False,
             "best_iteration": best_iteration, "best_score": best, "name_valid_sets": ["valid_0"],
             "_Booster__num_dataset": 2, "_Booster__init_predictor": None,
             "_Booster__num_class": 1, "_Booster__inner_predict_buffer": [None, None],
             "_Booster__is_predicted_cur_iter": [False, False],
             "pandas_categorical": None, "params": params or {"objective": "regression"},
             key: text}
    if lgbm_version >= 4:
        state["_network"] = False
        state["train_set_version"] = 0
    else:
        state["network"] = False
    b.__dict__.update(state)
    return b


def wrapper(cls, text, n_features, classes=None, objective="regression", lgbm_version=4):
    """A fitted scikit-learn wrapper of class cls holding a Booster of `text`."""
    est = cls.__new__(cls)
    params = dict(boosting_type="gbdt", class_weight=None, colsample_bytree=1.0,
                  importance_type="split", learning_rate=0.1, max_depth=-1,
                  min_child_samples=20, min_child_weight=0.001, min_split_gain=0.0,
                  n_estimators=3, n_jobs=None if lgbm_version >= 4 else -1, num_leaves=31,
                  objective=None, random_state=None, reg_alpha=0.0, reg_lambda=0.0,
                  subsample=1.0, subsample_for_bin=200000, subsample_freq=0)
    if lgbm_version < 4:
        params["silent"] = "warn"
    est.__dict__.update(params)
    est.__dict__.update({
        "_Booster": booster(text, lgbm_version, params={"objective": objective}),
        "_evals_result": {}, "_best_score": {}, "_best_iteration": -1, "_other_params": {},
        "_objective": objective, "class_weight": None, "_class_weight": None,
        "_class_map": None, "_n_features": n_features, "_n_features_in": n_features,
        "_classes": None, "_n_classes": -1 if lgbm_version >= 4 else None, "fitted_": True})
    if classes is not None:
        le = _LGBMLabelEncoder().fit(classes)
        est.__dict__.update({"_le": le, "_classes": le.classes_, "_n_classes": len(le.classes_),
                             "_class_map": {c: i for i, c in enumerate(le.classes_.tolist())}})
    return est


CASES = {
    "regression": dict(objective="regression"),
    "binary": dict(objective="binary sigmoid:1", seed=1),
    "multiclass": dict(objective="multiclass num_class:3", num_class=3, seed=2),
    "categorical": dict(objective="binary sigmoid:1", cat_features=(0, 2), seed=3),
    "linear": dict(objective="regression", linear=True, seed=4),
    "rf": dict(objective="regression", boosting="rf", seed=5),
    "lambdarank": dict(objective="lambdarank", seed=6),
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, kw in CASES.items():
        text = model_text(make_spec(**kw))
        with open(os.path.join(out, name + ".txt"), "w") as f:
            f.write(text)
        with open(os.path.join(out, name + ".pkl"), "wb") as f:
            f.write(pickle.dumps(booster(text), protocol=4))
    text = model_text(make_spec(**CASES["binary"]))
    with open(os.path.join(out, "classifier.pkl"), "wb") as f:
        f.write(pickle.dumps(wrapper(LGBMClassifier, text, 4, np.array([0, 1]), "binary")))


if __name__ == "__main__":
    main(sys.argv[1])
