"""RANSACRegressor and SelfTrainingClassifier (scored through their fitted inner estimator) and
SGDOneClassSVM scored in SQL against scikit-learn, every row."""
import warnings

import numpy as np
import pytest
from sklearn import datasets, linear_model as L, semi_supervised as S, svm, tree
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import make_pipeline

from conftest import sql_error
from modelcheck import FORMS, dumps, load_table, score_and_compare, sql_scores

warnings.filterwarnings("ignore")


def data():
    X, y = datasets.load_iris(return_X_y=True)
    Xr, yr = datasets.make_regression(150, 5, noise=4.0, random_state=2)
    yr[::10] += 300  # outliers RANSAC leaves out
    return X, y, Xr, yr


@pytest.mark.parametrize("est", [L.RANSACRegressor(random_state=0),
                                 L.RANSACRegressor(L.Ridge(), random_state=1, min_samples=10),
                                 L.RANSACRegressor(tree.DecisionTreeRegressor(max_depth=3),
                                                   random_state=2, min_samples=20)], ids=repr)
def test_ransac(db, est):
    _, _, Xr, yr = data()
    est.fit(Xr, yr)
    assert score_and_compare(db, est, Xr) == ["predict"]


@pytest.mark.parametrize("base", [L.LogisticRegression(), svm.SVC(probability=True, random_state=0),
                                  make_pipeline(StandardScaler(), L.LogisticRegression())],
                         ids=repr)
def test_self_training(db, base):
    X, y, _, _ = data()
    y = y.copy()
    y[np.random.RandomState(0).rand(len(y)) < 0.5] = -1
    est = S.SelfTrainingClassifier(base).fit(X, y)
    checked = score_and_compare(db, est, X)
    assert "predict" in checked and "predict_proba" in checked


@pytest.mark.parametrize("est", [L.SGDOneClassSVM(random_state=0),
                                 L.SGDOneClassSVM(nu=0.2, random_state=1, fit_intercept=False)],
                         ids=repr)
def test_sgd_one_class_svm(db, est):
    X, _, Xr, _ = data()
    for data_ in (X, Xr):
        est.fit(data_)
        assert score_and_compare(db, est, data_, methods=["decision_function"])
        blob = dumps(est)
        cols = load_table(db, data_)
        assert sql_scores(db, "model_predict", blob, cols) == est.predict(data_).tolist()
        ours = np.array(sql_scores(db, "model_transform", blob, cols))
        ref = est.score_samples(data_)
        assert np.all(np.abs(ours - ref) <= 1e-12 * (np.abs(ref) + np.abs(data_).sum(1) + 1))


@pytest.mark.parametrize("form", FORMS)
def test_forms(db, form):
    _, _, Xr, yr = data()
    score_and_compare(db, L.RANSACRegressor(random_state=0).fit(Xr, yr), Xr, form=form)


def test_unscorable_inner_estimator(db):
    _, _, Xr, yr = data()
    est = L.RANSACRegressor(random_state=0).fit(Xr, yr)
    est.estimator_ = L.LinearRegression()  # not fitted
    err = sql_error(db, "model_predict", dumps(est), *Xr[0])
    assert "LinearRegression is not fitted" in err, err
