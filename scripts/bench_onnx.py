"""bench_onnx.py - fitted scikit-learn trees as ONNX-ML graphs, for bench.py's onnx section.

Builds, with Debian's python3-onnx, the graphs skl2onnx would build for the same fitted models
(skl2onnx itself is not packaged there):

  forest_classifier(m)  RandomForestClassifier -> TreeEnsembleClassifier: each leaf's class
                        weights are its normalized counts divided by the number of trees, summed
                        (outputs: label int64 [N], probabilities float [N, n_classes]; no ZipMap)
  hgb_decision(m)       HistGradientBoostingClassifier (binary) -> TreeEnsembleRegressor: the
                        raw score (decision_function): baseline + the leaf values, missing values
                        following missing_go_to_left (output: variable float [N, 1])

ONNX Runtime compares float32 inputs with float32 thresholds. The forest's thresholds are written
as the largest float32 <= scikit-learn's float64 threshold, so its float32 comparison decides as
scikit-learn's does; histogram boosting compares float64 values with float64 thresholds, so
ONNX's float32 graph can differ near a threshold (bench.py reports how much).
"""
import numpy as np


def f32_floor(t):
    """The largest float32 <= t, elementwise (x <= it exactly when (double)x <= t)."""
    t = np.asarray(t, dtype=np.float64)
    f = t.astype(np.float32)
    up = f.astype(np.float64) > t
    f[up] = np.nextafter(f[up], np.float32(-np.inf))
    return f


def _model(node, inputs, outputs):
    from onnx import TensorProto, helper
    graph = helper.make_graph([node], "g", inputs, outputs)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                helper.make_opsetid("ai.onnx.ml", 3)])
    m.ir_version = 8
    return m.SerializeToString()


def forest_classifier(m):
    from onnx import TensorProto, helper
    nf = m.n_features_in_
    att = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values",
                           "nodes_modes", "nodes_truenodeids", "nodes_falsenodeids",
                           "class_treeids", "class_nodeids", "class_ids", "class_weights")}
    n_trees = len(m.estimators_)
    for t, est in enumerate(m.estimators_):
        tr = est.tree_
        thr = f32_floor(tr.threshold)
        for i in range(tr.node_count):
            leaf = tr.children_left[i] == -1
            att["nodes_treeids"].append(t)
            att["nodes_nodeids"].append(i)
            att["nodes_featureids"].append(0 if leaf else int(tr.feature[i]))
            att["nodes_values"].append(0.0 if leaf else float(thr[i]))
            att["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            att["nodes_truenodeids"].append(0 if leaf else int(tr.children_left[i]))
            att["nodes_falsenodeids"].append(0 if leaf else int(tr.children_right[i]))
            if leaf:
                v = tr.value[i][0]
                p = v / v.sum()
                for c in range(len(p)):
                    att["class_treeids"].append(t)
                    att["class_nodeids"].append(i)
                    att["class_ids"].append(c)
                    att["class_weights"].append(float(p[c] / n_trees))
    node = helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"],
                            domain="ai.onnx.ml", post_transform="NONE",
                            classlabels_int64s=[int(c) for c in m.classes_], **att)
    return _model(node, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, nf])],
                  [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
                   helper.make_tensor_value_info("probabilities", TensorProto.FLOAT,
                                                 [None, len(m.classes_)])])


def hgb_decision(m):
    from onnx import TensorProto, helper
    nf = m.n_features_in_
    assert m._baseline_prediction.size == 1, "binary histogram boosting only"
    att = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values",
                           "nodes_modes", "nodes_truenodeids", "nodes_falsenodeids",
                           "nodes_missing_value_tracks_true", "target_treeids",
                           "target_nodeids", "target_ids", "target_weights")}
    for t, preds in enumerate(m._predictors):
        nodes = preds[0].nodes
        for i, nd in enumerate(nodes):
            leaf = bool(nd["is_leaf"])
            att["nodes_treeids"].append(t)
            att["nodes_nodeids"].append(i)
            att["nodes_featureids"].append(0 if leaf else int(nd["feature_idx"]))
            att["nodes_values"].append(0.0 if leaf else float(nd["num_threshold"]))
            att["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            att["nodes_truenodeids"].append(0 if leaf else int(nd["left"]))
            att["nodes_falsenodeids"].append(0 if leaf else int(nd["right"]))
            att["nodes_missing_value_tracks_true"].append(int(nd["missing_go_to_left"]))
            if leaf:
                att["target_treeids"].append(t)
                att["target_nodeids"].append(i)
                att["target_ids"].append(0)
                att["target_weights"].append(float(nd["value"]))
    node = helper.make_node("TreeEnsembleRegressor", ["X"], ["variable"], domain="ai.onnx.ml",
                            n_targets=1, aggregate_function="SUM", post_transform="NONE",
                            base_values=[float(m._baseline_prediction.ravel()[0])], **att)
    return _model(node, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, nf])],
                  [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])])
