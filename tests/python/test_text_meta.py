"""Meta-estimators holding text models (pk_meta.c, pk_union.c, pk_target.c with
pk_vectorizer.c): a search, voting, stacking, calibration, one-vs-rest, output codes,
multi-output, a target transform over text pipelines, a FeatureUnion of vectorizers as a
pipeline's first step, and voting over DataFrame pipelines with a text column — fitted with
scikit-learn on the generated multilingual corpus of test_text_models.py and scored in SQL on
every unseen document.

Such a composite is a typed model with one PK_COL_TEXT column; the connection's text workspace
reaches each text member through the composite's scratch slot (pk_meta_row.ws). Labels are
identical. The members' scores are test_text_models.py's (decision values bit-identical,
probabilities within 1e-13 relative, libm's exp/log beside numpy's); the composites combine
them in scikit-learn's order, so their outputs agree within 1e-12 relative (the bound
asserted; how many rows are bit-identical is printed with pytest -s). A FeatureUnion's
vectorizer rows are written dense into its blocks, where scikit-learn stacks them sparse: the
decision values are sums over the dense row, within 1e-12 of the sum of the terms' magnitudes
(a value near 0 cancels terms of order 1), as for a ColumnTransformer (test_text_tabular.py).
"""
import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier, OutputCodeClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

from test_text_models import TEST, TRAIN, close, column
from test_text_models import YBIN as YBIN_LIST
from test_text_models import YTRAIN as YTRAIN_LIST

TOL = 1e-12


def tfidf_lr():
    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=500))


def count_nb():
    return make_pipeline(CountVectorizer(), MultinomialNB())


def tfidf_svc():
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LinearSVC())


YBIN, YTRAIN = np.array(YBIN_LIST), np.array(YTRAIN_LIST)
YLEN = np.array([len(d) % 7 + 0.5 for d in TRAIN])
YTWO = np.c_[YBIN == "spam", np.unique(YTRAIN, return_inverse=True)[1]]  # numeric labels

CASES = {
    "grid_search": (lambda: GridSearchCV(tfidf_lr(), {"logisticregression__C": [0.3, 3.0]},
                                         cv=2), YTRAIN),
    "voting_soft": (lambda: VotingClassifier([("lr", tfidf_lr()), ("nb", count_nb())],
                                             voting="soft", weights=[2, 1]), YTRAIN),
    "voting_hard": (lambda: VotingClassifier([("lr", tfidf_lr()), ("svc", tfidf_svc()),
                                              ("nb", count_nb())]), YBIN),
    "stacking": (lambda: StackingClassifier([("lr", tfidf_lr()), ("svc", tfidf_svc())],
                                            LogisticRegression(), cv=2), YTRAIN),
    "calibrated_sigmoid": (lambda: CalibratedClassifierCV(tfidf_svc(), cv=2), YBIN),
    "calibrated_isotonic": (lambda: CalibratedClassifierCV(count_nb(), method="isotonic", cv=3),
                            YTRAIN),
    "one_vs_rest": (lambda: OneVsRestClassifier(tfidf_svc()), YTRAIN),
    "output_code": (lambda: OutputCodeClassifier(tfidf_lr(), code_size=1.5, random_state=0),
                    YTRAIN),
    "multi_output": (lambda: MultiOutputClassifier(count_nb()), YTWO),
    "target_log": (lambda: TransformedTargetRegressor(
        make_pipeline(HashingVectorizer(n_features=2 ** 10), Ridge()), func=np.log,
        inverse_func=np.exp), YLEN),
    "union_first_step": (lambda: make_pipeline(
        FeatureUnion([("w", TfidfVectorizer()),
                      ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)))],
                     transformer_weights={"c": 0.5}), LinearSVC()), YTRAIN),
}

METHODS = ("predict", "predict_proba", "decision_function", "transform")


@pytest.fixture(scope="module")
def fitted():
    return {name: make().fit(TRAIN, y) for name, (make, y) in CASES.items()}


def dot_scale(model, docs):
    """Per row and class, sum |x_j * coef_j| + |intercept| of a pipeline ending with a linear
    model: the error bound of a dot product summed in another order is relative to it (a
    decision value near 0 cancels terms of order 1)."""
    X = abs(model[:-1].transform(docs))
    return np.asarray(X @ abs(model[-1].coef_).T) + abs(model[-1].intercept_)


def compare(db, model, blob, docs, call, scale=None):
    info = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
    assert info["supported"], info
    checked = []
    for meth in METHODS:
        if meth not in info["methods"] or not hasattr(model, meth):
            continue
        want = getattr(model, meth)(docs)
        got = call("model_" + meth, blob)
        if isinstance(want, list):  # MultiOutputClassifier.predict_proba: an array per output
            assert all([len(a) for a in json.loads(g)] == [a.shape[1] for a in want] for g in got)
            want = [np.concatenate([a[i] for a in want]) for i in range(len(docs))]
            got = [sum(json.loads(g), []) for g in got]
        if meth == "predict" and np.ndim(want) == 2:  # multi-output: a JSON array per row
            assert [json.loads(g) for g in got] == want.tolist()
        elif meth == "predict":
            assert got == want.tolist()
        else:
            same = 0
            sc = scale(model, docs) if scale and meth == "decision_function" else None
            for i, (d, w, g) in enumerate(zip(docs, want, got)):
                g = json.loads(g) if isinstance(g, str) else g
                if sc is not None:
                    assert np.all(np.abs(np.asarray(g) - w) <= TOL * sc[i].ravel()), (d, g, w)
                else:
                    assert close(g, w, TOL), (meth, d, g, w)
                same += np.array_equal(np.asarray(g), w)
            print("%s: %d of %d rows bit-identical" % (meth, same, len(docs)))
        checked.append(meth)
    return checked


@pytest.mark.parametrize("name", sorted(CASES))
def test_meta_of_text(db, fitted, name):
    model = fitted[name]
    scale = dot_scale if name == "union_first_step" else None
    checked = compare(db, model, pickle.dumps(model), TEST, lambda fn, b: column(db, fn, b), scale)
    assert "predict" in checked


def test_proba_forms(db, fitted):
    """model_proba and model_predict_proba_blob of a voting classifier over text pipelines."""
    model = fitted["voting_soft"]
    blob = pickle.dumps(model)
    column(db, "coalesce", None)  # fills the docs table
    want = model.predict_proba(TEST[:60])
    for k, cls in enumerate(model.classes_):
        got = [r[0] for r in db.execute("SELECT model_proba(?, ?, d) FROM docs ORDER BY i LIMIT 60",
                                        (blob, cls))]
        assert close(got, want[:, k], TOL)
    for d, w in zip(TEST[:60], want):
        b = db.execute("SELECT model_predict_proba_blob(?, ?)", (blob, d)).fetchone()[0]
        assert close(np.frombuffer(b, dtype=np.float64), w, TOL)


def test_voting_of_text_columns(db):
    """Voting over DataFrame pipelines whose ColumnTransformer routes a TEXT column to a
    vectorizer: the workspace reaches the vectorizer through voting, pipeline and
    ColumnTransformer; rows given positionally and by name."""
    docs = TRAIN[:400]
    df = pd.DataFrame({"n": [float(len(d) % 11) for d in docs], "body": docs})
    test = pd.DataFrame({"n": [float(len(d) % 13) for d in TEST], "body": TEST})

    def member(vec):
        return make_pipeline(ColumnTransformer([("t", vec, "body"), ("s", StandardScaler(),
                                                                       ["n"])]),
                             LogisticRegression(max_iter=500))

    model = VotingClassifier([("a", member(TfidfVectorizer())),
                              ("b", member(CountVectorizer(binary=True)))],
                             voting="soft").fit(df, YTRAIN[:400])
    blob = pickle.dumps(model)
    rows = list(zip(test["n"].tolist(), test["body"].tolist()))

    def positional(fn, b):
        return [db.execute("SELECT %s(?, ?, ?)" % fn, (b, n, d)).fetchone()[0] for n, d in rows]

    def named(fn, b):
        return [db.execute("SELECT %s(?, json_object('body', ?, 'n', ?))" % fn,
                           (b, d, n)).fetchone()[0] for n, d in rows]

    want = ["predict", "predict_proba", "transform"]  # transform: the members' probabilities
    assert compare(db, model, blob, test, positional) == want
    assert compare(db, model, blob, test, named) == want


def test_errors_name_the_member(db, fitted):
    blob = pickle.dumps(fitted["grid_search"])
    with pytest.raises(Exception, match=r"^model_predict: the document is NULL: Pipeline takes "
                                         r"TEXT$"):
        db.execute("SELECT model_predict(?, NULL)", (blob,)).fetchone()
    with pytest.raises(Exception, match=r"^model_predict: GridSearchCV expects 1 features, got 2$"):
        db.execute("SELECT model_predict(?, 'a', 'b')", (blob,)).fetchone()


def test_xgboost_after_vectorizer(db):
    """xgboost fed a CSR row reads its absent entries as missing (not 0): the dense row handed
    to it holds NaN there. Composites holding an XGBoost model among other members, and a
    ColumnTransformer with a vectorizer before one, are refused with the reason."""
    import xgboost as xgb

    y = (YBIN == "spam").astype(int)
    for model in (make_pipeline(TfidfVectorizer(max_features=300),
                                xgb.XGBClassifier(n_estimators=15, max_depth=4)).fit(TRAIN, y),
                  make_pipeline(CountVectorizer(), xgb.XGBRegressor(n_estimators=10))
                  .fit(TRAIN, YLEN)):
        checked = compare(db, model, pickle.dumps(model), TEST, lambda fn, b: column(db, fn, b))
        assert "predict" in checked
    refused = make_pipeline(TfidfVectorizer(), CalibratedClassifierCV(
        xgb.XGBClassifier(n_estimators=5), cv=2)).fit(TRAIN, y)
    info = json.loads(db.execute("SELECT model_info(?)", (pickle.dumps(refused),)).fetchone()[0])
    assert not info["supported"]
    assert info["reason"] == ("Pipeline: CalibratedClassifierCV after TfidfVectorizer holds an "
                              "XGBoost model, which reads the sparse row's absent entries as "
                              "missing where the other members read 0: not supported")
    df = pd.DataFrame({"n": [float(len(d)) for d in TRAIN], "body": TRAIN})
    refused = make_pipeline(ColumnTransformer([("t", TfidfVectorizer(), "body")],
                                              remainder="passthrough"),
                            xgb.XGBClassifier(n_estimators=5)).fit(df, y)
    info = json.loads(db.execute("SELECT model_info(?)", (pickle.dumps(refused),)).fetchone()[0])
    assert not info["supported"]
    assert info["reason"] == ("Pipeline step 'xgbclassifier' (XGBClassifier) holds an XGBoost "
                              "model after ColumnTransformer, whose output scikit-learn hands on "
                              "as a sparse matrix: xgboost reads its absent entries as missing, "
                              "not 0; not supported")
    # the same for one-hot columns (a sparse OneHotEncoder); a dense ColumnTransformer output
    # (sparse_threshold=0) reaches xgboost with its zeros, as here
    df["c"] = [d[:1] or "-" for d in TRAIN]
    num = ("n", "passthrough", ["n"])
    for ct, ok in ((ColumnTransformer([("o", OneHotEncoder(), ["c"]), num]), False),
                   (ColumnTransformer([("o", OneHotEncoder(), ["c"]),
                                       ("t", TfidfVectorizer(), "body"), num],
                                      sparse_threshold=0), True)):
        model = make_pipeline(ct, xgb.XGBClassifier(n_estimators=5)).fit(df, y)
        blob = pickle.dumps(model)
        info = json.loads(db.execute("SELECT model_info(?)", (blob,)).fetchone()[0])
        assert info["supported"] == ok, info
        if ok:
            want = model.predict_proba(df[:40])
            for r, w in zip(df[:40].itertuples(), want):
                g = db.execute("SELECT model_predict_proba(?, json_object('n', ?, 'body', ?, "
                               "'c', ?))", (blob, r.n, r.body, r.c)).fetchone()[0]
                assert close(json.loads(g), w, TOL)
