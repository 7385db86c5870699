"""A stand-in for scikit-learn's TargetEncoder (scikit-learn >= 1.3, not installable beside the
1.2.1 oracle), for the tests of ext/model/pk_encoders.c.

TargetEncoder is a class of the module sklearn.preprocessing._target_encoder; a pickle names it
there and holds its fitted attributes. This module defines a class under that name (registered in
sys.modules, so pickle.dumps writes the real global and pickle.loads in this process finds it),
written from scikit-learn's documentation (the class reference and the user guide of 1.3 and
1.4), not from its source. The facts it relies on, which docs/tabular.md repeats:

  - It derives from the encoders' base class (_BaseEncoder): categories_ is found as
    OneHotEncoder / OrdinalEncoder find it (sorted unique values per column, a missing value
    None / NaN kept last as a category of its own, or the `categories` given), and transform looks
    values up the same way with unknown values allowed.
  - target_type_ is 'binary', 'continuous' or, from 1.4, 'multiclass' (type_of_target of y
    unless target_type says otherwise); classes_ holds the labels for 'binary' and 'multiclass'
    (None for 'continuous').
  - target_mean_ is the mean of the target: of y for 'continuous', of y encoded 0/1 (classes_[1]
    is 1) for 'binary', and for 'multiclass' the mean of each column of y binarized one-vs-rest,
    an array of len(classes_) values.
  - encodings_ is a list of arrays, one value per category of categories_[j]: for 'binary' and
    'continuous' one array per feature; for 'multiclass' len(classes_) arrays per feature, the
    encoding of feature j and class k at encodings_[j * len(classes_) + k].
  - Each encoding shrinks the category's mean target towards target_mean_: with a float smooth
    m, (sum of y in the category + m * target_mean_) / (count + m); with smooth='auto' an
    empirical-Bayes weight lambda = count / (count + var_category / var_y) on the category mean.
    A category with no sample gets target_mean_.
  - transform gives encodings_[...][index of the value's category] for each feature (and class),
    and target_mean_ (its class's value) for a value that is none of categories_[j], a missing
    value included when fit saw none.
  - fit_transform encodes each row with encodings learnt on the other folds (cross fitting); this
    changes only what the next step of a pipeline is fitted on, not the pickled state, so here
    fit_transform is fit(X, y).transform(X).

    make(**params).fit(X, y) behaves like the real class; pickles written with it load in Python
    wherever scikit-learn >= 1.3 is installed.
"""
import sys
import types

import numpy as np
import sklearn.preprocessing
from sklearn.base import OneToOneFeatureMixin
from sklearn.preprocessing import LabelBinarizer, LabelEncoder
from sklearn.preprocessing._encoders import _BaseEncoder
from sklearn.utils.multiclass import type_of_target

MODULE = "sklearn.preprocessing._target_encoder"
VERSION = "1.4.2"


def _encode(X_int, y, n_cats, mean, smooth, var_y):
    """One feature's encodings for one target column."""
    count = np.bincount(X_int, minlength=n_cats).astype(float)
    total = np.bincount(X_int, weights=y, minlength=n_cats)
    with np.errstate(divide="ignore", invalid="ignore"):
        if smooth == "auto":
            sq = np.bincount(X_int, weights=y * y, minlength=n_cats)
            cat_mean = total / count
            cat_var = sq / count - cat_mean * cat_mean
            lam = count / (count + cat_var / var_y) if var_y > 0 else np.ones(n_cats)
            enc = lam * cat_mean + (1 - lam) * mean
        else:
            enc = (total + smooth * mean) / (count + smooth)
    enc[count == 0] = mean
    return np.where(np.isfinite(enc), enc, mean)


class TargetEncoder(OneToOneFeatureMixin, _BaseEncoder):
    def __init__(self, categories="auto", target_type="auto", smooth="auto", cv=5, shuffle=True,
                 random_state=None):
        self.categories = categories
        self.target_type = target_type
        self.smooth = smooth
        self.cv = cv
        self.shuffle = shuffle
        self.random_state = random_state

    def fit(self, X, y):
        self._fit(X, handle_unknown="ignore", force_all_finite="allow-nan")
        kind = type_of_target(y) if self.target_type == "auto" else self.target_type
        self.target_type_ = kind
        self.classes_ = None
        if kind == "binary":
            le = LabelEncoder()
            Y = le.fit_transform(y)[:, None].astype(float)
            self.classes_ = le.classes_
        elif kind == "multiclass":
            lb = LabelBinarizer()
            Y = lb.fit_transform(y).astype(float)
            self.classes_ = lb.classes_
        else:
            Y = np.asarray(y, dtype=float)[:, None]
        means = Y.mean(axis=0)
        self.target_mean_ = means if kind == "multiclass" else means[0]
        X_int, X_known = self._transform(X, handle_unknown="ignore", force_all_finite="allow-nan")
        encodings = []
        for j, cats in enumerate(self.categories_):
            known = X_known[:, j]
            for k in range(Y.shape[1]):
                encodings.append(_encode(X_int[known, j], Y[known, k], len(cats), means[k],
                                         self.smooth, np.var(Y[:, k])))
        self.encodings_ = encodings
        return self

    def transform(self, X):
        X_int, X_known = self._transform(X, handle_unknown="ignore", force_all_finite="allow-nan")
        per = len(self.classes_) if self.target_type_ == "multiclass" else 1
        means = np.atleast_1d(self.target_mean_)
        out = np.empty((X_int.shape[0], X_int.shape[1] * per))
        for j in range(X_int.shape[1]):
            for k in range(per):
                col = self.encodings_[j * per + k][X_int[:, j]]
                out[:, j * per + k] = np.where(X_known[:, j], col, means[k])
        return out

    def fit_transform(self, X, y):
        return self.fit(X, y).transform(X)

    def __getstate__(self):
        state = super().__getstate__()
        state["_sklearn_version"] = VERSION
        return state


TargetEncoder.__module__ = MODULE
if MODULE not in sys.modules:
    mod = types.ModuleType(MODULE)
    sys.modules[MODULE] = mod
    sklearn.preprocessing._target_encoder = mod
sys.modules[MODULE].TargetEncoder = TargetEncoder


def make(**params):
    return TargetEncoder(**params)
