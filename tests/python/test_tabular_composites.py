"""Composites over DataFrame pipelines: a search, a vote, a stack, a calibration, one-vs-rest, a
FeatureUnion of ColumnTransformers and a TransformedTargetRegressor whose members start with a
ColumnTransformer take the typed row (text categories, integers, missing values) and hand it to
each member. Each is fitted by scikit-learn on a DataFrame with string columns and scored on
other rows, positionally and by json_object: labels identical, floats within 1e-12 relative.

test_every_composite_with_a_typed_member puts a typed pipeline into every composite family
(fitted on numbers, its member then swapped): each either scores or refuses the typed member
with an error naming it; none may reach a missing numeric kernel.
"""
import sqlite3

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import (AdaBoostClassifier, AdaBoostRegressor, BaggingClassifier,
                              BaggingRegressor, GradientBoostingClassifier, StackingClassifier,
                              StackingRegressor, VotingClassifier, VotingRegressor)
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.feature_selection import RFE
from sklearn.linear_model import LogisticRegression, RANSACRegressor, Ridge
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, RandomizedSearchCV
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier, OutputCodeClassifier
from sklearn.multioutput import (ClassifierChain, MultiOutputClassifier, MultiOutputRegressor,
                                 RegressorChain)
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.semi_supervised import SelfTrainingClassifier
from sklearn.tree import DecisionTreeClassifier

from modelcheck import dumps
from tabular import compare_floats, compare_labels, frame, load_frame, score, target

CAT = ["country", "plan"]
NUM = ["age", "income", "visits", "score"]


def ct():
    return ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore"), CAT),
                              ("n", make_pipeline(StandardScaler()), NUM)])


def typed(est=None):
    return make_pipeline(ct(), est or LogisticRegression(max_iter=1000))


def _data(kind="binary"):
    train = frame(400, 11, missing=False)
    test = frame(400, 12, unseen=True, missing=False)
    return train, test, target(train, 3, kind)


def _check(db, model, test, methods, kind="binary"):
    blob = dumps(model, "p5")
    cols = load_frame(db, test)
    for meth, fn in methods:
        ref = getattr(model, meth)(test)
        for form in ("pos", "json"):
            ours = score(db, blob, fn, cols, form)
            if meth == "predict" and kind != "reg":
                compare_labels(ours, ref, "%s %s" % (meth, form))
            else:
                compare_floats(ours, ref, "%s %s" % (meth, form))


BOTH = [("predict", "model_predict"), ("predict_proba", "model_predict_proba")]

SEARCHES = [
    lambda: GridSearchCV(typed(), {"logisticregression__C": [0.1, 1.0, 10.0]}, cv=3),
    lambda: RandomizedSearchCV(typed(), {"logisticregression__C": [0.1, 1.0, 10.0]}, n_iter=2,
                               cv=3, random_state=0),
    lambda: HalvingGridSearchCV(typed(), {"logisticregression__C": [0.1, 1.0, 10.0]}, cv=3,
                                random_state=0),
]


@pytest.mark.parametrize("i", range(len(SEARCHES)))
def test_search_over_column_transformer_pipeline(db, i):
    train, test, y = _data()
    model = SEARCHES[i]().fit(train, y)
    _check(db, model, test, BOTH)


@pytest.mark.parametrize("voting", ["soft", "hard"])
def test_voting_over_typed_pipelines(db, voting):
    train, test, y = _data("multi")
    model = VotingClassifier([("lr", typed()),
                              ("dt", typed(DecisionTreeClassifier(max_depth=4, random_state=0)))],
                             voting=voting).fit(train, y)
    _check(db, model, test, BOTH if voting == "soft" else BOTH[:1], "multi")


def test_stacking_over_typed_pipelines(db):
    train, test, y = _data()
    model = StackingClassifier([("lr", typed()),
                                ("dt", typed(DecisionTreeClassifier(max_depth=3, random_state=0)))],
                               final_estimator=LogisticRegression(), cv=3).fit(train, y)
    _check(db, model, test, BOTH)


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibrated_typed_pipeline(db, method):
    train, test, y = _data()
    model = CalibratedClassifierCV(typed(), method=method, cv=3).fit(train, y)
    _check(db, model, test, BOTH)


def test_one_vs_rest_typed_pipeline(db):
    train, test, y = _data("multi")
    model = OneVsRestClassifier(typed()).fit(train, y)
    _check(db, model, test, BOTH, "multi")


def test_feature_union_of_column_transformers(db):
    train, test, y = _data()
    union = FeatureUnion([("a", ct()),
                          ("b", ColumnTransformer([("o", OneHotEncoder(handle_unknown="ignore"),
                                                    ["plan"])]))])
    model = make_pipeline(union, LogisticRegression(max_iter=1000)).fit(train, y)
    _check(db, model, test, BOTH)
    _check(db, union, test, [("transform", "model_transform")], "reg")


def test_transformed_target_over_typed_pipeline(db):
    train, test, y = _data("reg")
    model = TransformedTargetRegressor(regressor=typed(Ridge()), func=np.log1p,
                                       inverse_func=np.expm1).fit(train, np.abs(y))
    _check(db, model, test, [("predict", "model_predict")], "reg")
    model = TransformedTargetRegressor(regressor=typed(Ridge()),
                                       transformer=StandardScaler()).fit(train, y)
    _check(db, model, test, [("predict", "model_predict")], "reg")


# (composite fitted on numbers, attribute holding members, scores through or refuses)
def _composites(Xn, y):
    lr = LogisticRegression(max_iter=1000)
    yield GridSearchCV(lr, {"C": [1.0]}, cv=2).fit(Xn, y), "best_estimator_", True
    yield VotingClassifier([("a", lr), ("b", lr)], voting="soft").fit(Xn, y), "estimators_", True
    yield StackingClassifier([("a", lr)], cv=2).fit(Xn, y), "estimators_", True
    yield StackingClassifier([("a", lr)], cv=2, passthrough=True).fit(Xn, y), "estimators_", False
    yield StackingClassifier([("a", lr)], cv=2).fit(Xn, y), "final_estimator_", False
    yield CalibratedClassifierCV(lr, cv=2).fit(Xn, y), "calibrated_classifiers_", True
    yield OneVsRestClassifier(lr).fit(Xn, y), "estimators_", True
    yield OneVsOneClassifier(lr).fit(Xn, y), "estimators_", True
    yield OutputCodeClassifier(lr, random_state=0).fit(Xn, y), "estimators_", True
    Y2 = np.c_[y, 1 - y]
    yield MultiOutputClassifier(lr).fit(Xn, Y2), "estimators_", True
    yield ClassifierChain(lr).fit(Xn, y[:, None]), "estimators_", False
    yield BaggingClassifier(lr, n_estimators=2, random_state=0).fit(Xn, y), "estimators_", False
    yield AdaBoostClassifier(lr, n_estimators=2, random_state=0).fit(Xn, y), "estimators_", False
    yield SelfTrainingClassifier(lr).fit(Xn, y), "base_estimator_", True
    yield RFE(lr, n_features_to_select=7).fit(Xn, y), "estimator_", False
    yield FeatureUnion([("a", StandardScaler())]).fit(Xn, y), "transformer_list", True
    yield GradientBoostingClassifier(init=lr, n_estimators=2).fit(Xn, y), "init_", False


def _regressors(Xn, y):
    r = Ridge()
    yield VotingRegressor([("a", r)]).fit(Xn, y), "estimators_", True
    yield StackingRegressor([("a", r)], cv=2).fit(Xn, y), "estimators_", True
    yield BaggingRegressor(r, n_estimators=2, random_state=0).fit(Xn, y), "estimators_", False
    yield AdaBoostRegressor(r, n_estimators=2, random_state=0).fit(Xn, y), "estimators_", False
    yield RANSACRegressor(r, min_samples=50, random_state=0).fit(Xn, y), "estimator_", True
    yield MultiOutputRegressor(r).fit(Xn, np.c_[y, y]), "estimators_", True
    yield RegressorChain(r).fit(Xn, y[:, None]), "estimators_", False
    yield TransformedTargetRegressor(r).fit(Xn, y), "regressor_", True
    yield RandomizedSearchCV(r, {"alpha": [1.0]}, n_iter=1, cv=2).fit(Xn, y), "best_estimator_", True


def _swap(model, attr, member):
    old = getattr(model, attr)
    if attr == "calibrated_classifiers_":
        for cc in old:
            cc.estimator = member
    elif attr == "transformer_list":
        model.transformer_list = [(name, member[0]) for name, _ in old]  # its ColumnTransformer
    elif isinstance(old, (list, tuple)):
        setattr(model, attr, type(old)([member] * len(old)))
    elif isinstance(old, np.ndarray):
        new = np.empty(old.shape, dtype=object)
        new.fill(member)
        setattr(model, attr, new)
    else:
        setattr(model, attr, member)


@pytest.mark.parametrize("kind", ["binary", "reg"])
def test_every_composite_with_a_typed_member(db, kind):
    train, test, y = _data(kind)
    member = typed(Ridge() if kind == "reg" else None).fit(train, y)
    composites = _regressors if kind == "reg" else _composites
    Xn = np.c_[train["country"].astype("category").cat.codes, train["plan"].astype("category").cat.codes,
               train[["age", "income", "visits", "grade", "score"]].to_numpy(dtype=float)]
    cols = load_frame(db, test.head(20))
    seen = 0
    for model, attr, through in composites(Xn, y):
        _swap(model, attr, member)
        blob = dumps(model, "p5")
        fn = "model_transform" if isinstance(model, FeatureUnion) else "model_predict"
        what = "%s.%s" % (type(model).__name__, attr)
        if through:
            out = score(db, blob, fn, cols)
            assert len(out) == 20 and all(v is not None for v in out), what
        else:
            with pytest.raises(sqlite3.OperationalError) as e:
                score(db, blob, fn, cols)
            assert "takes typed inputs" in str(e.value) and "(Pipeline)" in str(e.value), \
                (what, str(e.value))
        seen += 1
    assert seen == (9 if kind == "reg" else 17)
