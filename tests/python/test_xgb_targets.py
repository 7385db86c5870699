"""XGBoost models with several outputs per row and the survival:aft objective, bit for bit
against XGBoost 1.7 (Debian's python3-xgboost), and the 2.x layouts built from 1.7 models.

- multi-target regression (XGBoost >= 1.6, one tree per target per iteration, `num_target` in
  the learner's parameters, `tree_info` naming each tree's target): XGBRegressor fitted on a
  2-D y, every row's predict and output margin as float32 bit patterns, pickled, joblib-dumped,
  as a raw Booster and as JSON / UBJSON / legacy binary files;
- survival:aft (exp of the margin, the base score as log(base_score)) for each distribution;
- reg:quantileerror with several quantiles (XGBoost >= 2.0, one output per quantile): only 1.7
  runs here, so the 2.x document is a 1.7 multi-target model rewritten with 2.x's objective
  (`quantile_loss_param.quantile_alpha`) and version; its trees are 1.7's, so its outputs must be
  1.7's predictions;
- refused with a precise reason: vector-leaf trees (2.x multi_strategy="multi_output_tree") and
  multi-class models with several targets.
"""
import io
import json
import pickle

import joblib
import numpy as np
import pytest
import xgboost as xgb
from modelcheck import load_table, sql_scores
from test_models_xgb import N, NF, assert_f32_exact, booster_check, check, data, dumps, error_of


def targets(z, rs, k):
    cols = [z + 0.3 * rs.randn(len(z)), np.sin(z) * 3, np.abs(z) + rs.rand(len(z)),
            -z + 0.1 * rs.randn(len(z))]
    return np.column_stack(cols[:k])


@pytest.mark.parametrize("k,depth,trees", [(2, 1, 1), (3, 3, 20), (4, 6, 60), (2, 10, 5)])
def test_multi_target_regressor(db, k, depth, trees):
    X, z, rs = data(31 + k)
    m = xgb.XGBRegressor(n_jobs=1, n_estimators=trees, max_depth=depth,
                         tree_method="hist").fit(X, targets(z, rs, k))
    assert m.predict(X).shape == (N, k)
    info = json.loads(m.get_booster().save_config())["learner"]["learner_model_param"]
    assert info["num_target"] == str(k)
    for form in ("p2", "p4", "p5", "joblib-zlib"):
        check(db, m, X, form)


def test_multi_target_early_stopping_and_forest(db):
    X, z, rs = data(35)
    Y = targets(z, rs, 3)
    m = xgb.XGBRegressor(n_jobs=1, n_estimators=80, max_depth=4, tree_method="hist",
                         early_stopping_rounds=3)
    m.fit(X[:200], Y[:200], eval_set=[(X[200:], Y[200:])], verbose=False)
    assert 0 <= m.best_iteration < 79
    check(db, m, X)
    rf = xgb.XGBRFRegressor(n_jobs=1, n_estimators=6, max_depth=5,
                            tree_method="hist").fit(X, Y)
    check(db, rf, X)
    lo = xgb.XGBRegressor(n_jobs=1, n_estimators=10, objective="reg:logistic",
                          tree_method="hist").fit(X, (Y > 0).astype(float))
    check(db, lo, X)


def test_multi_target_booster_and_files(db, tmp_path):
    X, z, rs = data(36)
    d = xgb.DMatrix(X, label=targets(z, rs, 3))
    bst = xgb.train({"tree_method": "hist", "max_depth": 4, "nthread": 1, "base_score": 0.25},
                    d, num_boost_round=12)
    assert bst.predict(xgb.DMatrix(X)).shape == (N, 3)
    booster_check(db, bst, pickle.dumps(bst), X)
    for fmt in ("json", "ubj", "deprecated"):
        booster_check(db, bst, bytes(bst.save_raw(fmt)), X)
    info = json.loads(db.execute("SELECT model_info(?)", (bytes(bst.save_raw("ubj")),))
                      .fetchone()[0])
    assert info["supported"] is True and info["n_features_in_"] == NF


@pytest.mark.parametrize("dist", ["normal", "logistic", "extreme"])
def test_survival_aft(db, dist):
    X, z, rs = data(37)
    t = np.exp(0.5 * z + 0.3 * rs.randn(N)) + 0.1
    lower = t
    upper = np.where(rs.rand(N) < 0.3, np.inf, t)  # right-censored rows
    d = xgb.DMatrix(X)
    d.set_float_info("label_lower_bound", lower)
    d.set_float_info("label_upper_bound", upper)
    bst = xgb.train({"objective": "survival:aft", "aft_loss_distribution": dist,
                     "aft_loss_distribution_scale": 1.2, "max_depth": 3, "nthread": 1,
                     "base_score": 1.5}, d, num_boost_round=20)
    booster_check(db, bst, pickle.dumps(bst), X)
    for fmt in ("json", "ubj", "deprecated"):
        booster_check(db, bst, bytes(bst.save_raw(fmt)), X)


def quantile_2x(bst, alphas):
    """A 1.7 multi-target model's document as XGBoost 2.0 writes a quantile regression with
    len(alphas) quantiles: objective reg:quantileerror with quantile_loss_param, version 2.0.3,
    num_target = the number of quantiles, a scalar base_score, iteration_indptr."""
    d = json.loads(bytes(bst.save_raw("json")))
    lrn = d["learner"]
    assert lrn["learner_model_param"]["num_target"] == str(len(alphas))
    lrn["objective"] = {"name": "reg:quantileerror", "quantile_loss_param": {
        "quantile_alpha": "[" + ", ".join(repr(a) for a in alphas) + "]"}}
    model = lrn["gradient_booster"]["model"]
    k = len(alphas)
    model["iteration_indptr"] = list(range(0, len(model["trees"]) + 1, k))
    for t in model["trees"]:
        t["tree_param"]["size_leaf_vector"] = "1"  # 2.x writes 1 for scalar leaves
    d["version"] = [2, 0, 3]
    return json.dumps(d).encode()


def test_quantile_2x_layout(db):
    X, z, rs = data(38)
    Y = targets(z, rs, 3)
    bst = xgb.train({"tree_method": "hist", "max_depth": 3, "nthread": 1}, xgb.DMatrix(X, label=Y),
                    num_boost_round=10)
    booster_check(db, bst, quantile_2x(bst, [0.1, 0.5, 0.9]), X)
    # a pickled 2.x XGBRegressor holding it: predict gives one column per quantile
    m = xgb.XGBRegressor(n_jobs=1, n_estimators=10, max_depth=3, tree_method="hist").fit(X, Y)
    raw = quantile_2x(m.get_booster(), [0.05, 0.5, 0.95])
    cls = type(m.get_booster())
    saved = cls.__getstate__
    cls.__getstate__ = lambda self: {"handle": bytearray(raw)}
    try:
        blob = pickle.dumps(m)
    finally:
        cls.__getstate__ = saved
    cols = load_table(db, X)
    assert_f32_exact(sql_scores(db, "model_predict", blob, cols), m.predict(X), "quantile predict")


def test_refused_with_reasons(db):
    X, z, rs = data(39)
    bst = xgb.train({"tree_method": "hist", "max_depth": 2, "nthread": 1},
                    xgb.DMatrix(X, label=targets(z, rs, 2)), num_boost_round=2)
    d = json.loads(bytes(bst.save_raw("json")))
    vec = json.loads(json.dumps(d))
    vec["learner"]["gradient_booster"]["model"]["trees"][1]["tree_param"]["size_leaf_vector"] = "2"
    msg = error_of(db, json.dumps(vec).encode())
    assert msg == ('model_predict: Booster: XGBoost model: tree 1 has vector leaves '
                   '(multi_strategy="multi_output_tree" of XGBoost >= 2.0), which are not '
                   'supported'), msg
    mc = json.loads(json.dumps(d))
    mc["learner"]["learner_model_param"]["num_class"] = "3"
    msg = error_of(db, json.dumps(mc).encode())
    assert "multi-class with multiple targets" in msg, msg
    info = json.loads(db.execute("SELECT model_info(?)", (json.dumps(vec).encode(),))
                      .fetchone()[0])
    assert info["supported"] is False and "vector leaves" in info["reason"]
    # a tree_info naming a target beyond num_target
    bad = json.loads(json.dumps(d))
    bad["learner"]["gradient_booster"]["model"]["tree_info"][0] = 2
    assert "tree_info[0] is not an output group below 2" in error_of(db, json.dumps(bad).encode())
    # the legacy binary format with num_target beyond its limit
    raw = bytearray(bst.save_raw("deprecated"))
    raw[4 + 28:4 + 32] = (1 << 20).to_bytes(4, "little")
    assert "bad num_target" in error_of(db, bytes(raw))


@pytest.mark.parametrize("k", [2, 3, 5])
def test_multi_label_classifier(db, k):
    """XGBClassifier on a 2-D 0/1 y (multi-label, 1.6+): predict is an array of 0/1 floats,
    predict_proba one sigmoid per label, the margin one value per label."""
    X, z, rs = data(40 + k)
    T = np.column_stack([targets(z, rs, 4), np.nan_to_num(X[:, 2])])[:, :k]
    Y = (T + 0.3 * rs.randn(N, k) > 0.5).astype(int)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=15, max_depth=3, tree_method="hist").fit(X, Y)
    assert m.predict_proba(X).shape == (N, Y.shape[1])
    cols = load_table(db, X)
    for form in ("p4", "joblib-zlib"):
        blob = dumps(m, form)
        got = np.array([json.loads(v) for v in sql_scores(db, "model_predict", blob, cols)])
        assert np.array_equal(got, m.predict(X)), form
        assert_f32_exact(sql_scores(db, "model_predict_proba", blob, cols), m.predict_proba(X),
                         "multi-label predict_proba")
        assert_f32_exact(sql_scores(db, "model_decision_function", blob, cols),
                         m.predict(X, output_margin=True), "multi-label margin")
    info = json.loads(db.execute("SELECT model_info(?)", (dumps(m),)).fetchone()[0])
    assert info["kind"] == "classifier" and info["classes_"] == [0, 1]
