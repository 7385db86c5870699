"""Seeds for the fuzz_ubjson target: small XGBoost models as UBJSON, JSON and legacy binary
files (fixed seeds, Debian's /usr/bin/python3 with python3-xgboost).  Usage: gen_xgb_seeds.py OUT_DIR"""
import os
import pickle
import sys

import numpy as np
import xgboost as xgb


def main(out):
    os.makedirs(out, exist_ok=True)
    rs = np.random.RandomState(0)
    X = rs.randn(60, 3)
    X[rs.rand(60, 3) < 0.1] = np.nan
    y2 = (np.nan_to_num(X[:, 0]) > 0).astype(int)
    y3 = np.digitize(np.nan_to_num(X[:, 1]), [-0.5, 0.5])
    cases = {
        "binary": ({"objective": "binary:logistic", "max_depth": 2}, y2),
        "multi": ({"objective": "multi:softprob", "num_class": 3, "max_depth": 2}, y3),
        "dart": ({"booster": "dart", "rate_drop": 0.5, "max_depth": 2}, y2 * 1.0),
        "linear": ({"booster": "gblinear", "objective": "count:poisson"}, y3),
        "targets": ({"tree_method": "hist", "objective": "reg:logistic", "max_depth": 2},
                    np.column_stack([y2, y3 > 0]).astype(float)),
    }
    for name, (params, y) in cases.items():
        params = dict(params, nthread=1, seed=0)
        bst = xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=2)
        for fmt in ("ubj", "json", "deprecated"):
            with open(os.path.join(out, "%s.%s" % (name, fmt)), "wb") as f:
                f.write(bytes(bst.save_raw(fmt)))
        with open(os.path.join(out, name + ".handle"), "wb") as f:
            f.write(bytes(bst.__getstate__()["handle"]))
        with open(os.path.join(out, name + ".pkl"), "wb") as f:
            f.write(pickle.dumps(bst))
    # a categorical split (code in the first column)
    Xc = np.column_stack([rs.randint(0, 6, 60).astype(float), X[:, 1]])
    d = xgb.DMatrix(Xc, label=(Xc[:, 0] % 2), feature_types=["c", "q"], enable_categorical=True)
    bst = xgb.train({"tree_method": "hist", "max_cat_to_onehot": 1, "max_depth": 2, "nthread": 1},
                    d, num_boost_round=2)
    for fmt in ("ubj", "json"):
        with open(os.path.join(out, "categorical." + fmt), "wb") as f:
            f.write(bytes(bst.save_raw(fmt)))


if __name__ == "__main__":
    main(sys.argv[1])
