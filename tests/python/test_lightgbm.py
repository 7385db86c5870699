"""LightGBM models: read and described, never scored.

LightGBM is not installable here, so the models and pickles come from
scripts/gen_lgbm_fixtures.py, which writes LightGBM's documented text format and pickles
stand-in classes under LightGBM's module names with the state LightGBM's own __getstate__ gives
(2.x/3.x: "handle", 4.x: "_handle"). Checked: the verdict (safe), pickle_json (the Booster's
state, the text intact), model_info (every field against the generator's spec, supported false
with the reason), the model_* functions' refusal, a text model stored directly in a BLOB, and
malformed texts (every prefix, mutations) refused with a message and never crashing.
"""
import base64
import json
import os
import pickle
import random
import re
import sys

import joblib
import numpy as np
import pytest

from conftest import sql_call, sql_error

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import gen_lgbm_fixtures as lg  # noqa: E402

REASON = "cannot be scored: LightGBM scoring is not verified against LightGBM here " \
    "(model_info lists its trees)"


def expected(spec):
    """What model_info's "lightgbm" member must say about spec."""
    trees = spec["trees"]
    per = spec["num_tree_per_iteration"]
    return {
        "version": spec["version"], "objective": spec["objective"],
        "boosting": spec["boosting"], "num_class": spec["num_class"],
        "num_tree_per_iteration": per, "trees": len(trees), "iterations": len(trees) // per,
        "leaves": sum(t["num_leaves"] for t in trees),
        "max_depth": max(t["depth"] for t in trees),
        "categorical_splits": sum(t["num_cat"] for t in trees),
        "linear_trees": sum(t["is_linear"] for t in trees),
        "average_output": spec["average_output"], "n_features": len(spec["feature_names"]),
        "feature_names": spec["feature_names"],
        "pandas_categorical": spec["pandas_categorical"] is not None,
    }


SPECS = {name: lg.make_spec(**kw) for name, kw in lg.CASES.items()}
SPECS["v3"] = lg.make_spec(version="v3", objective="binary sigmoid:1", seed=7)
SPECS["v2"] = lg.make_spec(version="v2", objective="regression", seed=8)
SPECS["big"] = lg.make_spec(n_features=30, n_iter=120, num_leaves=(1, 63), seed=9,
                            cat_features=(3, 4), objective="multiclass num_class:4",
                            num_class=4)
SPECS["names"] = lg.make_spec(names=["âge", "revenu_net", "x[0]", "日本"], seed=10,
                              pandas_categorical=[["a", "b"]], objective="regression_l1")


@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_booster(db, name, protocol):
    spec = SPECS[name]
    text = lg.model_text(spec)
    version = {"v2": 2, "v3": 3}.get(spec["version"], 4)
    blob = pickle.dumps(lg.booster(text, version, best_iteration=2), protocol=protocol)
    info = json.loads(sql_call(db, "pickle_info", blob))
    assert info["safe"] is True, info
    assert info["root_type"] == "lightgbm.basic.Booster"
    state = json.loads(sql_call(db, "pickle_json", blob))  # the state's members
    assert state["_handle" if version >= 4 else "handle"] == text
    assert state["best_iteration"] == 2
    mi = json.loads(sql_call(db, "model_info", blob))
    want = dict(expected(spec), best_iteration=2)
    assert mi["lightgbm"] == want
    assert mi["class"] == "lightgbm.basic.Booster"
    assert mi["supported"] is False
    assert mi["reason"] == "lightgbm.basic.Booster " + REASON
    assert sql_error(db, "model_predict", blob, *([1.0] * len(spec["feature_names"]))) == \
        "model_predict: lightgbm.basic.Booster " + REASON


WRAPPERS = [
    ("LGBMClassifier", "binary", np.array([0, 1]), "binary", "classifier"),
    ("LGBMClassifier", "multiclass", np.array(["cat", "dog", "emu"]), "multiclass",
     "classifier"),
    ("LGBMRegressor", "regression", None, "regression", "regressor"),
    ("LGBMRanker", "lambdarank", None, "lambdarank", "estimator"),
    ("LGBMModel", "linear", None, "regression", "estimator"),
]


@pytest.mark.parametrize("cls,case,classes,objective,kind", WRAPPERS)
@pytest.mark.parametrize("version", [3, 4])
@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_wrapper(db, tmp_path, cls, case, classes, objective, kind, version, dump):
    spec = SPECS[case]
    text = lg.model_text(spec)
    est = lg.wrapper(getattr(lg, cls), text, len(spec["feature_names"]), classes, objective,
                     version)
    if dump == "joblib":
        joblib.dump(est, tmp_path / "m.joblib", compress=3)
        blob = (tmp_path / "m.joblib").read_bytes()
    else:
        blob = pickle.dumps(est, protocol=4)
    info = json.loads(sql_call(db, "pickle_info", blob))
    assert info["safe"] is True, info
    mi = json.loads(sql_call(db, "model_info", blob))
    assert mi["class"] == "lightgbm.sklearn." + cls
    assert mi["kind"] == kind
    want = dict(expected(spec), best_iteration=-1, wrapper_objective=objective)
    if classes is not None:
        want.update(n_classes=len(classes), classes=classes.tolist())
    else:
        want["n_classes"] = -1 if version >= 4 else None
        if want["n_classes"] is None:
            del want["n_classes"]
    assert mi["lightgbm"] == want
    assert mi["supported"] is False and mi["reason"] == "lightgbm.sklearn.%s %s" % (cls, REASON)
    booster = "_Booster/_handle" if version >= 4 else "_Booster/handle"
    assert sql_call(db, "pickle_get", blob, "$." + booster.replace("/", ".")) == text


def test_wrapper_not_fitted(db):
    est = lg.LGBMRegressor.__new__(lg.LGBMRegressor)
    est.__dict__.update({"_Booster": None, "n_estimators": 100})
    mi = json.loads(sql_call(db, "model_info", pickle.dumps(est)))
    assert mi["lightgbm"] == {"error": "the estimator is not fitted (no _Booster)"}
    b = lg.booster("x")
    b.__dict__["_handle"] = None
    mi = json.loads(sql_call(db, "model_info", pickle.dumps(b)))
    assert mi["lightgbm"] == {"error": "the Booster has no model (no _handle or handle)"}
    b.__dict__["_handle"] = 42
    mi = json.loads(sql_call(db, "model_info", pickle.dumps(b)))
    assert mi["lightgbm"] == {"error": "the Booster's handle is not the model's text"}


def test_inside_pipeline(db):
    """A Pipeline ending in an LGBMClassifier is refused naming the LightGBM step."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    import sklearn.base
    spec = SPECS["binary"]
    est = lg.wrapper(lg.LGBMClassifier, lg.model_text(spec), 4, np.array([0, 1]), "binary")
    sc = StandardScaler().fit(np.random.RandomState(0).randn(20, 4))
    pipe = Pipeline([("sc", sc), ("lgbm", est)])
    sklearn.base.BaseEstimator.__setattr__(pipe, "steps", pipe.steps)
    blob = pickle.dumps(pipe)
    assert json.loads(sql_call(db, "pickle_info", blob))["safe"] is True
    err = sql_error(db, "model_predict", blob, 1.0, 2.0, 3.0, 4.0)
    assert "lightgbm.sklearn.LGBMClassifier " + REASON in err


@pytest.mark.parametrize("name", ["binary", "categorical", "multiclass", "names"])
def test_text_blob(db, name):
    """Booster.save_model()'s file stored as a BLOB: a lightgbm.basic.Booster."""
    spec = SPECS[name]
    text = lg.model_text(spec)
    blob = text.encode()
    info = json.loads(sql_call(db, "pickle_info", blob))
    assert info["format"] == "lightgbm" and info["safe"] is True
    assert info["globals"] == ["lightgbm.basic.Booster"]
    assert json.loads(sql_call(db, "pickle_json", blob)) == {
        "py/object": "lightgbm.basic.Booster", "_handle": text}
    mi = json.loads(sql_call(db, "model_info", blob))
    assert mi["lightgbm"] == expected(spec)
    # CRLF line ends (a file rewritten on Windows) read once tree_sizes no longer applies;
    # with it, the sizes that LightGBM uses to find each tree no longer match and are refused
    crlf = blob.replace(b"\n", b"\r\n")
    err = json.loads(sql_call(db, "model_info", crlf))["lightgbm"]["error"]
    assert err.startswith("LightGBM model: line ") and "(trees): Tree=0 takes" in err, err
    crlf = b"\r\n".join(l for l in crlf.split(b"\r\n") if not l.startswith(b"tree_sizes="))
    assert json.loads(sql_call(db, "model_info", crlf))["lightgbm"] == expected(spec)
    # a name that is not UTF-8 (Latin-1): the handle is bytes, the name shown with U+FFFD
    latin = crlf.replace(spec["feature_names"][0].encode(), b"Col\xe9_0")
    state = json.loads(sql_call(db, "pickle_json", latin))
    assert base64.b64decode(state["_handle"]["py/bytes"]) == latin
    got = json.loads(sql_call(db, "model_info", latin))["lightgbm"]
    assert got["feature_names"] == ["Col\ufffd_0"] + spec["feature_names"][1:]


def test_prefixes_and_mutations(db):
    """Every prefix of a text model, and random byte edits, give a description or an error."""
    text = lg.model_text(SPECS["categorical"]).encode()
    n_ok = 0
    for k in range(len("tree\nversion="), len(text) + 1):
        mi = json.loads(sql_call(db, "model_info", text[:k]))
        lgb = mi["lightgbm"]
        if "error" in lgb:
            assert lgb["error"].startswith("LightGBM model: line "), lgb
        else:
            n_ok += 1
    assert n_ok > 0  # cuts after "end of trees" still read
    rng = random.Random(0)
    errors = 0
    for _ in range(1500):
        b = bytearray(text)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(14, len(b))
            b[i] = rng.choice(b"0123456789 -=\n.xe~")
        mi = json.loads(sql_call(db, "model_info", bytes(b)))
        if "error" in mi["lightgbm"]:
            errors += 1
            assert mi["lightgbm"]["error"].startswith("LightGBM model: line ")
    assert errors > 500


MALFORMED = [
    (r"num_leaves=", "num_leaves=x", "num_leaves is not an integer"),
    (r"left_child=", "left_child=0 ", "left_child has"),
    (r"max_feature_idx=3", "max_feature_idx=2", "feature_names has 4 values, expected 3"),
    (r"end of trees", "end of forest", "no 'end of trees' line"),
    (r"decision_type=\d+", "decision_type=12", "missing type 3 is not defined"),
    (r"right_child=-?\d+", "right_child=0", "child 0 is reached twice"),
]


@pytest.mark.parametrize("old,new,msg", MALFORMED)
def test_malformed_in_pickle(db, old, new, msg):
    text = re.sub(old, new, lg.model_text(SPECS["categorical"]), count=1)
    blob = pickle.dumps(lg.booster(text))
    mi = json.loads(sql_call(db, "model_info", blob))
    assert msg in mi["lightgbm"]["error"], mi
    assert mi["supported"] is False


def test_budget(db):
    """The reader's memory is capped by max_model_bytes."""
    text = lg.model_text(SPECS["big"]).encode()
    db.execute("SELECT pickle_ext_limit('max_model_bytes', 4096)")
    mi = json.loads(sql_call(db, "model_info", text))
    assert "max_model_bytes" in mi["lightgbm"]["error"]
