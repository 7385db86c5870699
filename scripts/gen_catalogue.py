#!/usr/bin/python3
"""Generates ext/core/base/pk_catalogue_data.c: the catalogue of every class and function pickle_ext
knows (see docs/scoring.md, "Catalogue and tiers").

    /usr/bin/python3 scripts/gen_catalogue.py > ext/core/base/pk_catalogue_data.c

Run with Debian's python3 (scikit-learn 1.2.1). The output is committed; the build does not run
this script. Each row: canonical module and name (as scikit-learn 1.2 writes them, or the newest
spelling for names 1.2 does not have), the other module spellings the same object has been
pickled under, the tier, the estimator kind, the scoring family (ext/model/pk_model_table.c) and
the methods it scores, and a note.

Tiers:
  scorable  a family in ext/model compiles it (FAMILIES below);
  safe      a library class or function whose reconstruction in Python runs only library code
            on the pickled state: scikit-learn estimators and their internal helpers, pandas
            indexes, scipy.sparse matrices, numpy masked arrays and random states,
            LightGBM boosters, and numpy ufuncs of one argument (UFUNCS: interpreted by name
            when a FunctionTransformer names them);
  unknown   anything not in the table (user code, os, builtins.eval, functools.partial, ...).

What is deliberately NOT safe although it belongs to a library: anything that calls a callable
or resolves a name given in the pickle (builtins.getattr/eval, operator.attrgetter/methodcaller,
functools.partial, numpy.core._ufunc_reconstruct, pandas.eval, scikit-learn's PyFuncDistance),
and joblib's legacy NDArrayWrapper (it makes Python open a file named in the pickle).

Module spellings (how older releases name the same class):
  * scikit-learn 0.22 renamed its implementation modules with a leading underscore and kept the
    old names as deprecated aliases until 0.24 (sklearn/linear_model/logistic.py ->
    _logistic.py, sklearn/svm/classes.py -> _classes.py, ...). Pickles written by <= 0.21 name
    the old module: for a canonical module whose last component starts with "_" the name without
    it is a spelling, unless the module was private from the start (PRIVATE_FROM_START).
  * Modules whose old name differs otherwise are listed in RENAMED (k_means_ -> _kmeans,
    tree.tree -> _classes, ensemble.gradient_boosting -> _gb, decomposition.online_lda -> _lda,
    neighbors.dist_metrics -> metrics._dist_metrics in 1.0, metrics.scorer -> _scorer, ...).
  * Classes that moved between modules are listed in MOVED (PolynomialFeatures lived in
    preprocessing.data until 1.0, SimpleImputer in sklearn.impute until 0.22).
  * scikit-learn >= 1.6 builds its Cython loss module with Meson, and its extension types report
    the bare module name "_loss" (GradientBoosting pickles name _loss.CyHalfBinomialLoss): every
    sklearn._loss._loss name also has the spelling "_loss".
  * joblib vendored in scikit-learn < 0.23 is sklearn.externals.joblib.
A spelling that never existed would make Python fail to import it; it cannot run other code.
"""
import importlib
import inspect
import sys

import sklearn
from sklearn import feature_selection as fs
from sklearn.base import ClusterMixin, OutlierMixin, TransformerMixin, is_classifier, is_regressor
from sklearn.utils import all_estimators

# ---- scorable classes: class -> family (the compile function in ext/model/pk_model_table.c) ----
FAMILIES = {
    "sklearn.cluster._kmeans": {"KMeans": "kmeans", "MiniBatchKMeans": "kmeans"},
    "sklearn.cluster._affinity_propagation": {"AffinityPropagation": "centres"},
    "sklearn.cluster._mean_shift": {"MeanShift": "centres"},
    "sklearn.cluster._birch": {"Birch": "birch"},
    "sklearn.cluster._bisect_k_means": {"BisectingKMeans": "bisecting_kmeans"},
    "sklearn.cluster._agglomerative": {"FeatureAgglomeration": "agglomeration"},
    "sklearn.linear_model._base": {"LinearRegression": "linear_regressor"},
    "sklearn.linear_model._ridge": {
        "Ridge": "linear_regressor",
        "RidgeCV": "linear_regressor",
        "RidgeClassifier": "linear_classifier",
        "RidgeClassifierCV": "linear_classifier",
    },
    "sklearn.linear_model._coordinate_descent": {
        "Lasso": "linear_regressor",
        "LassoCV": "linear_regressor",
        "ElasticNet": "linear_regressor",
        "ElasticNetCV": "linear_regressor",
        "MultiTaskLasso": "linear_regressor",
        "MultiTaskLassoCV": "linear_regressor",
        "MultiTaskElasticNet": "linear_regressor",
        "MultiTaskElasticNetCV": "linear_regressor",
    },
    "sklearn.linear_model._least_angle": {
        "Lars": "linear_regressor",
        "LassoLars": "linear_regressor",
        "LarsCV": "linear_regressor",
        "LassoLarsCV": "linear_regressor",
        "LassoLarsIC": "linear_regressor",
    },
    "sklearn.linear_model._omp": {
        "OrthogonalMatchingPursuit": "linear_regressor",
        "OrthogonalMatchingPursuitCV": "linear_regressor",
    },
    "sklearn.linear_model._bayes": {"BayesianRidge": "linear_regressor", "ARDRegression": "linear_regressor"},
    "sklearn.linear_model._huber": {"HuberRegressor": "linear_regressor"},
    "sklearn.linear_model._quantile": {"QuantileRegressor": "linear_regressor"},
    "sklearn.linear_model._theil_sen": {"TheilSenRegressor": "linear_regressor"},
    "sklearn.linear_model._glm.glm": {
        "PoissonRegressor": "glm",
        "GammaRegressor": "glm",
        "TweedieRegressor": "glm",
    },
    "sklearn.linear_model._stochastic_gradient": {
        "SGDRegressor": "linear_regressor",
        "SGDClassifier": "linear_classifier",
        "SGDOneClassSVM": "sgd_ocsvm",
    },
    "sklearn.linear_model._ransac": {"RANSACRegressor": "wrapped"},
    "sklearn.semi_supervised._self_training": {"SelfTrainingClassifier": "wrapped"},
    "sklearn.linear_model._passive_aggressive": {
        "PassiveAggressiveRegressor": "linear_regressor",
        "PassiveAggressiveClassifier": "linear_classifier",
    },
    "sklearn.linear_model._logistic": {
        "LogisticRegression": "linear_classifier",
        "LogisticRegressionCV": "linear_classifier",
    },
    "sklearn.linear_model._perceptron": {"Perceptron": "linear_classifier"},
    "sklearn.svm._classes": {"LinearSVR": "linear_regressor", "LinearSVC": "linear_classifier"},
    "sklearn.preprocessing._data": {
        "StandardScaler": "scaler",
        "MinMaxScaler": "scaler",
        "MaxAbsScaler": "scaler",
        "RobustScaler": "scaler",
        "Normalizer": "normalizer",
        "Binarizer": "binarizer",
        "PowerTransformer": "power",
        "QuantileTransformer": "quantile",
        "KernelCenterer": "kernel_centerer",
    },
    "sklearn.preprocessing._polynomial": {"PolynomialFeatures": "poly", "SplineTransformer": "spline"},
    "sklearn.preprocessing._function_transformer": {"FunctionTransformer": "function"},
    "sklearn.preprocessing._discretization": {"KBinsDiscretizer": "kbins"},
    "sklearn.feature_selection._variance_threshold": {"VarianceThreshold": "selector"},
    "sklearn.feature_selection._univariate_selection": {
        "SelectKBest": "selector",
        "SelectPercentile": "selector",
        "GenericUnivariateSelect": "selector",
        "SelectFpr": "selector",
        "SelectFdr": "selector",
        "SelectFwe": "selector",
    },
    "sklearn.feature_selection._from_model": {"SelectFromModel": "selector"},
    "sklearn.feature_selection._rfe": {"RFE": "selector", "RFECV": "selector"},
    "sklearn.feature_selection._sequential": {"SequentialFeatureSelector": "selector"},
    "sklearn.compose._target": {"TransformedTargetRegressor": "target"},
    "sklearn.impute._base": {"SimpleImputer": "imputer", "MissingIndicator": "missing_indicator"},
    "sklearn.compose._column_transformer": {"ColumnTransformer": "coltrans"},
    "sklearn.preprocessing._encoders": {"OneHotEncoder": "onehot", "OrdinalEncoder": "ordinal"},
    "sklearn.preprocessing._label": {"LabelEncoder": "label_encoder",
                                     "LabelBinarizer": "label_binarizer",
                                     "MultiLabelBinarizer": "multilabel_binarizer"},
    # scikit-learn >= 1.3: its row is in EXTRA_SKLEARN below
    "sklearn.preprocessing._target_encoder": {"TargetEncoder": "target_encoder"},
    "sklearn.feature_extraction._dict_vectorizer": {"DictVectorizer": "dict_vectorizer"},
    "sklearn.feature_extraction._hash": {"FeatureHasher": "feature_hasher"},
    "sklearn.impute._knn": {"KNNImputer": "knn_imputer"},
    "sklearn.impute._iterative": {"IterativeImputer": "iterative_imputer"},
    "sklearn.decomposition._pca": {"PCA": "decomposition"},
    "sklearn.decomposition._incremental_pca": {"IncrementalPCA": "decomposition"},
    "sklearn.decomposition._fastica": {"FastICA": "decomposition"},
    "sklearn.decomposition._factor_analysis": {"FactorAnalysis": "factor_analysis"},
    "sklearn.decomposition._kernel_pca": {"KernelPCA": "kernel_pca"},
    "sklearn.decomposition._nmf": {"NMF": "nmf", "MiniBatchNMF": "nmf"},
    "sklearn.decomposition._lda": {"LatentDirichletAllocation": "lda_topics"},
    "sklearn.manifold._isomap": {"Isomap": "manifold"},
    "sklearn.manifold._locally_linear": {"LocallyLinearEmbedding": "manifold"},
    "sklearn.kernel_approximation": {
        "PolynomialCountSketch": "kernel_approx",
        "RBFSampler": "kernel_approx",
        "SkewedChi2Sampler": "kernel_approx",
        "AdditiveChi2Sampler": "kernel_approx",
        "Nystroem": "kernel_approx",
    },
    "sklearn.random_projection": {
        "GaussianRandomProjection": "decomposition",
        "SparseRandomProjection": "sparse_projection",
    },
    "sklearn.decomposition._truncated_svd": {"TruncatedSVD": "decomposition"},
    "sklearn.neighbors._nca": {"NeighborhoodComponentsAnalysis": "decomposition"},
    "sklearn.decomposition._sparse_pca": {"SparsePCA": "sparse_pca", "MiniBatchSparsePCA": "sparse_pca"},
    "sklearn.semi_supervised._label_propagation": {
        "LabelPropagation": "label_prop", "LabelSpreading": "label_prop"},
    "sklearn.decomposition._dict_learning": {
        "DictionaryLearning": "sparse_code", "MiniBatchDictionaryLearning": "sparse_code",
        "SparseCoder": "sparse_code"},
    "sklearn.covariance._elliptic_envelope": {"EllipticEnvelope": "covariance"},
    "sklearn.covariance._empirical_covariance": {"EmpiricalCovariance": "covariance"},
    "sklearn.covariance._robust_covariance": {"MinCovDet": "covariance"},
    "sklearn.covariance._shrunk_covariance": {
        "ShrunkCovariance": "covariance", "LedoitWolf": "covariance", "OAS": "covariance"},
    "sklearn.covariance._graph_lasso": {"GraphicalLasso": "covariance", "GraphicalLassoCV": "covariance"},
    "sklearn.tree._classes": {
        "DecisionTreeClassifier": "dtree",
        "DecisionTreeRegressor": "dtree",
        "ExtraTreeClassifier": "dtree",
        "ExtraTreeRegressor": "dtree",
    },
    "sklearn.ensemble._forest": {
        "RandomForestClassifier": "forest",
        "RandomForestRegressor": "forest",
        "ExtraTreesClassifier": "forest",
        "ExtraTreesRegressor": "forest",
        "RandomTreesEmbedding": "trees_embedding",
    },
    "sklearn.ensemble._iforest": {"IsolationForest": "iforest"},
    "sklearn.ensemble._bagging": {"BaggingClassifier": "bagging", "BaggingRegressor": "bagging"},
    "sklearn.ensemble._weight_boosting": {
        "AdaBoostClassifier": "adaboost",
        "AdaBoostRegressor": "adaboost",
    },
    "sklearn.ensemble._gb": {
        "GradientBoostingClassifier": "gb",
        "GradientBoostingRegressor": "gb",
    },
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting": {
        "HistGradientBoostingClassifier": "hgb",
        "HistGradientBoostingRegressor": "hgb",
    },
    "sklearn.pipeline": {"Pipeline": "pipeline", "FeatureUnion": "union"},
    "sklearn.feature_extraction.text": {
        "CountVectorizer": "vectorizer",
        "TfidfVectorizer": "vectorizer",
        "HashingVectorizer": "vectorizer",
        "TfidfTransformer": "tfidf",
    },
    "sklearn.naive_bayes": {
        "GaussianNB": "nb",
        "MultinomialNB": "nb",
        "ComplementNB": "nb",
        "BernoulliNB": "nb",
        "CategoricalNB": "nb",
    },
    "sklearn.neighbors._classification": {"KNeighborsClassifier": "knn",
                                          "RadiusNeighborsClassifier": "neighbors"},
    "sklearn.neighbors._regression": {"KNeighborsRegressor": "knn",
                                      "RadiusNeighborsRegressor": "neighbors"},
    "sklearn.neural_network._multilayer_perceptron": {"MLPClassifier": "mlp", "MLPRegressor": "mlp"},
    "sklearn.dummy": {"DummyClassifier": "dummy", "DummyRegressor": "dummy"},
    "sklearn.discriminant_analysis": {
        "LinearDiscriminantAnalysis": "lda",
        "QuadraticDiscriminantAnalysis": "qda",
    },
    "sklearn.neighbors._nearest_centroid": {"NearestCentroid": "ncentroid"},
    "sklearn.mixture._gaussian_mixture": {"GaussianMixture": "gmm"},
    "sklearn.mixture._bayesian_mixture": {"BayesianGaussianMixture": "gmm"},
    "sklearn.kernel_ridge": {"KernelRidge": "kernel_ridge"},
    "sklearn.cross_decomposition._pls": {"PLSRegression": "pls", "PLSCanonical": "pls", "CCA": "pls",
                                         "PLSSVD": "pls"},
    "sklearn.neural_network._rbm": {"BernoulliRBM": "rbm"},
    "sklearn.neighbors._unsupervised": {"NearestNeighbors": "neighbors"},
    "sklearn.neighbors._graph": {"KNeighborsTransformer": "neighbors",
                                 "RadiusNeighborsTransformer": "neighbors"},
    "sklearn.neighbors._lof": {"LocalOutlierFactor": "neighbors"},
    "sklearn.neighbors._kde": {"KernelDensity": "kernel_density"},
    "sklearn.gaussian_process._gpr": {"GaussianProcessRegressor": "gpr"},
    "sklearn.gaussian_process._gpc": {"GaussianProcessClassifier": "gpc",
                                      "_BinaryGaussianProcessClassifierLaplace": "gpc"},
    "sklearn.ensemble._voting": {"VotingClassifier": "voting", "VotingRegressor": "voting"},
    "sklearn.ensemble._stacking": {"StackingClassifier": "stacking", "StackingRegressor": "stacking"},
    "sklearn.model_selection._search": {"GridSearchCV": "search", "RandomizedSearchCV": "search"},
    "sklearn.model_selection._search_successive_halving": {
        "HalvingGridSearchCV": "search",
        "HalvingRandomSearchCV": "search",
    },
    "sklearn.calibration": {"CalibratedClassifierCV": "calibrated"},
    "sklearn.isotonic": {"IsotonicRegression": "isotonic"},
    "sklearn.multiclass": {
        "OneVsRestClassifier": "multiclass",
        "OneVsOneClassifier": "multiclass",
        "OutputCodeClassifier": "multiclass",
    },
    "sklearn.multioutput": {
        "MultiOutputClassifier": "multioutput",
        "MultiOutputRegressor": "multioutput",
        "ClassifierChain": "multioutput",
        "RegressorChain": "multioutput",
    },
    # XGBoost is not among scikit-learn's estimators: its rows are in OTHER below
    "xgboost.core": {"Booster": "xgb_booster"},
    "xgboost.sklearn": {
        "XGBClassifier": "xgb_classifier",
        "XGBRFClassifier": "xgb_classifier",
        "XGBRegressor": "xgb_regressor",
        "XGBRFRegressor": "xgb_regressor",
        "XGBRanker": "xgb_regressor",
    },
}
# the kernel SVMs share sklearn.svm._classes with LinearSVC/LinearSVR
FAMILIES["sklearn.svm._classes"].update(
    {"SVC": "svm", "NuSVC": "svm", "SVR": "svm", "NuSVR": "svm", "OneClassSVM": "svm"})

# Methods each family scores, by kind (what the compile functions declare).
METHODS = {
    ("kmeans", "clusterer"): "predict, transform",
    ("linear_regressor", "regressor"): "predict",
    ("glm", "regressor"): "predict",
    ("linear_classifier", "classifier"): "predict, decision_function, predict_proba, "
    "predict_log_proba",
    ("scaler", "transformer"): "transform",
    ("normalizer", "transformer"): "transform",
    ("binarizer", "transformer"): "transform",
    ("poly", "transformer"): "transform",
    ("imputer", "transformer"): "transform",
    ("knn_imputer", "transformer"): "transform",
    ("iterative_imputer", "transformer"): "transform",
    ("function", "transformer"): "transform",
    ("kbins", "transformer"): "transform",
    ("power", "transformer"): "transform",
    ("quantile", "transformer"): "transform",
    ("spline", "transformer"): "transform",
    ("selector", "transformer"): "transform (RFE, RFECV: also those of estimator_)",
    ("union", "transformer"): "transform",
    ("target", "regressor"): "predict",
    ("missing_indicator", "transformer"): "transform",
    ("coltrans", "transformer"): "transform",
    ("onehot", "transformer"): "transform",
    ("ordinal", "transformer"): "transform",
    ("label_encoder", "transformer"): "transform, inverse (model_inverse_transform)",
    ("label_binarizer", "transformer"): "transform, inverse (model_inverse_transform)",
    ("multilabel_binarizer", "transformer"): "transform (a JSON array of labels in), inverse "
    "(model_inverse_transform)",
    ("target_encoder", "transformer"): "transform",
    ("dict_vectorizer", "transformer"): "transform (a JSON object in, a sparse row out as a JSON "
    "object, or a dense row)",
    ("feature_hasher", "transformer"): "transform (a JSON object or array in, a sparse row out "
    "as a JSON object)",
    ("decomposition", "transformer"): "transform",
    ("sparse_projection", "transformer"): "transform",
    ("factor_analysis", "transformer"): "transform, score_samples",
    ("kernel_centerer", "transformer"): "transform (a row of the kernel matrix against the fitted "
    "samples)",
    ("kernel_pca", "transformer"): "transform",
    ("sparse_pca", "transformer"): "transform",
    ("label_prop", "classifier"): "predict, predict_proba",
    ("sparse_code", "transformer"): "transform",
    ("bisecting_kmeans", "clusterer"): "predict (down its bisecting tree), transform",
    ("trees_embedding", "transformer"): "transform (the one-hot leaves, dense)",
    ("covariance", "outlier"): "predict, decision_function, score_samples, "
    "transform (mahalanobis)",
    ("covariance", "estimator"): "transform (mahalanobis)",
    ("sgd_ocsvm", "outlier"): "predict, decision_function, score_samples (also as transform)",
    ("wrapped", "regressor"): "predict (the fitted estimator_'s)",
    ("wrapped", "classifier"): "those of the fitted base_estimator_",
    ("centres", "clusterer"): "predict",
    ("birch", "clusterer"): "predict, transform",
    ("agglomeration", "clusterer"): "transform",
    ("kernel_approx", "transformer"): "transform",
    ("nmf", "transformer"): "transform",
    ("lda_topics", "transformer"): "transform",
    ("manifold", "transformer"): "transform",
    ("dtree", "classifier"): "predict, predict_proba, predict_log_proba",
    ("dtree", "regressor"): "predict",
    ("forest", "classifier"): "predict, predict_proba, predict_log_proba",
    ("forest", "regressor"): "predict",
    ("iforest", "outlier"): "predict, decision_function, score_samples (also as transform)",
    ("bagging", "classifier"): "predict, predict_proba, predict_log_proba",
    ("bagging", "regressor"): "predict",
    ("adaboost", "classifier"): "predict, predict_proba, predict_log_proba, decision_function",
    ("adaboost", "regressor"): "predict",
    ("gb", "classifier"): "predict, predict_proba, predict_log_proba, decision_function",
    ("gb", "regressor"): "predict",
    ("hgb", "classifier"): "predict, predict_proba, decision_function",
    ("hgb", "regressor"): "predict",
    ("vectorizer", "transformer"): "transform (a document in, a sparse row out as a JSON object)",
    ("vectorizer", "estimator"): "transform (a document in, a sparse row out as a JSON object)",
    ("tfidf", "transformer"): "transform",
    ("pipeline", "estimator"): "those of its final step (transform when it is a transformer)",
    ("nb", "classifier"): "predict, predict_proba, predict_log_proba",
    ("svm", "classifier"): "predict, decision_function, predict_proba, predict_log_proba",
    ("svm", "regressor"): "predict",
    ("svm", "outlier"): "predict, decision_function, score_samples (also as transform)",
    ("knn", "classifier"): "predict, predict_proba",
    ("knn", "regressor"): "predict",
    ("mlp", "classifier"): "predict, predict_proba, predict_log_proba",
    ("mlp", "regressor"): "predict",
    ("dummy", "classifier"): "predict, predict_proba, predict_log_proba",
    ("dummy", "regressor"): "predict",
    ("lda", "classifier"): "predict, predict_proba, predict_log_proba, decision_function, "
    "transform",
    ("qda", "classifier"): "predict, predict_proba, predict_log_proba, decision_function",
    ("ncentroid", "classifier"): "predict",
    ("gmm", "clusterer"): "predict, predict_proba, score_samples",
    ("gmm", "estimator"): "predict, predict_proba, score_samples",
    ("kernel_ridge", "regressor"): "predict",
    ("pls", "regressor"): "predict, transform",
    ("pls", "transformer"): "transform",
    ("rbm", "transformer"): "transform",
    ("neighbors", "estimator"): "transform (kneighbors: distances then indices; not a "
    "scikit-learn method)",
    ("neighbors", "transformer"): "transform (the neighbours graph row, dense)",
    ("neighbors", "classifier"): "predict, predict_proba",
    ("neighbors", "regressor"): "predict",
    ("neighbors", "outlier"): "predict, decision_function, score_samples (novelty=True)",
    ("kernel_density", "estimator"): "score_samples",
    ("gpr", "regressor"): "predict (the posterior mean)",
    ("gpc", "classifier"): "predict, predict_proba (one_vs_one: predict)",
    ("voting", "classifier"): "predict, predict_proba (soft voting), transform",
    ("voting", "regressor"): "predict, transform",
    ("stacking", "classifier"): "predict, predict_proba, decision_function (those of the final "
    "estimator), transform",
    ("stacking", "regressor"): "predict, transform",
    ("search", "estimator"): "those of best_estimator_",
    ("calibrated", "classifier"): "predict, predict_proba",
    ("isotonic", "regressor"): "predict, transform",
    ("multiclass", "classifier"): "predict, predict_proba, decision_function (as its "
    "estimators have them; OutputCode: predict)",
    ("multioutput", "classifier"): "predict (one number per output), predict_proba "
    "(MultiOutputClassifier: an array per output; ClassifierChain: one number per output); "
    "chains: decision_function",
    ("multioutput", "regressor"): "predict",
    ("xgb_booster", "estimator"): "predict, decision_function (output margin)",
    ("xgb_classifier", "classifier"): "predict, predict_proba, decision_function",
    ("xgb_regressor", "regressor"): "predict, decision_function",
    ("xgb_regressor", "estimator"): "predict, decision_function",
}

# Methods of a class that scores more than the rest of its family.
CLASS_METHODS = {
    "PCA": "transform, score_samples",
}

# Notes by family, or by class name where the classes of one family differ.
NOTES = {
    "linear_classifier": "predict_proba for LogisticRegression(CV) and SGDClassifier with "
    "log_loss/modified_huber",
    "pipeline": "every step must be scorable",
    "union": "every transformer must be scorable",
    "function": "func and inverse_func None or a numpy ufunc of one argument, no kw_args",
    "SelectFromModel": "estimator_ with coef_, a stored feature_importances_, or a tree model",
    "target": "regressor_ scorable; transformer_ a FunctionTransformer, a scaler, "
    "PowerTransformer or QuantileTransformer",
    "knn_imputer": "metric nan_euclidean, weights uniform or distance",
    "iterative_imputer": "sample_posterior=False, keep_empty_features=False; scorable estimators",
    "dtree": "multi-output: predict only",
    "forest": "multi-output: predict only",
    "svm": "not fitted on sparse input, no callable kernel",
    "knn": "euclidean, manhattan, chebyshev and minkowski metrics",
    "kernel_density": "every kernel, every metric of its tree but pyfunc; atol/rtol and "
    "breadth_first honoured (the tree walk is scikit-learn's)",
    "DummyClassifier": "strategy 'stratified' refused, 'uniform' has predict_proba only "
    "(random draws); one output",
    "LinearDiscriminantAnalysis": "solver 'lsqr' has no transform",
    "kernel_pca": "kernels linear, poly, rbf, sigmoid, cosine, precomputed",
    "Nystroem": "kernels linear, poly, rbf, sigmoid, cosine, laplacian, chi2, additive_chi2, "
    "precomputed; no kernel_params",
    "covariance": "store_precision=True (precision_ stored); the covariance estimators' transform "
    "is their mahalanobis (squared distances), which scikit-learn has under that name only",
    "sparse_code": "transform_algorithm omp and threshold (lasso_lars, lasso_cd, lars refused)",
    "label_prop": "kernel rbf (knn refused)",
    "birch": "transform: distances to the subcluster centres",
    "NMF": "a row is solved alone (scikit-learn solves a batch jointly); not fitted on float32; "
    "shuffle=True needs an int random_state",
    "MiniBatchNMF": "a row is solved alone (scikit-learn solves a batch jointly); not fitted on "
    "float32",
    "lda_topics": "not fitted on float32",
    "Isomap": "n_neighbors (not radius) neighbours; metrics of KNeighbors*",
    "LocallyLinearEmbedding": "metrics of KNeighbors*",
    "PolynomialCountSketch": "the FFT convolution summed directly: within 1e-13 of the row's "
    "largest value",
    "AffinityPropagation": "not fitted with affinity='precomputed'",
    "agglomeration": "pooling_func numpy.mean",
    "wrapped": "the inner estimator must be scorable",
    "ncentroid": "euclidean, sqeuclidean, l2, manhattan/cityblock/l1 and chebyshev metrics",
    "voting": "any scorable members",
    "stacking": "any scorable members and final estimator; not multilabel",
    "search": "refit=True (best_estimator_); any scorable best estimator",
    "calibrated": "sigmoid and isotonic, ensemble True/False, any scorable base estimator",
    "isotonic": "out_of_bounds nan, clip and raise (an SQL error outside the range)",
    "multiclass": "any scorable binary estimators; OneVsRest also multilabel",
    "multioutput": "numeric classes",
    "xgb_booster": "gbtree, dart and gblinear boosters",
    "xgb_classifier": "gbtree, dart and gblinear boosters",
    "xgb_regressor": "gbtree, dart and gblinear boosters",
}

# ---- scikit-learn internals that estimators pickle ----------------------------------------------
# Every class defined in these modules (Cython extension types included), their Cython
# __pyx_unpickle_<Class> functions, and the module's newObj (cls.__new__(cls), used by the
# neighbors trees and distance metrics).
INTERNAL_MODULES = [
    "sklearn._loss._loss",
    "sklearn._loss.link",
    "sklearn._loss.loss",
    "sklearn.calibration",
    "sklearn.cluster._birch",
    "sklearn.cluster._bisect_k_means",
    "sklearn.compose._column_transformer",
    "sklearn.ensemble._gb_losses",
    "sklearn.ensemble._hist_gradient_boosting.binning",
    "sklearn.ensemble._hist_gradient_boosting.predictor",
    "sklearn.gaussian_process.kernels",
    "sklearn.impute._iterative",
    "sklearn.multiclass",
    "sklearn.linear_model._sgd_fast",
    "sklearn.metrics._dist_metrics",
    "sklearn.metrics._scorer",
    "sklearn.model_selection._split",
    "sklearn.neighbors._ball_tree",
    "sklearn.neighbors._kd_tree",
    "sklearn.neural_network._stochastic_optimizers",
    "sklearn.tree._tree",
    "sklearn.utils._bunch",
]
# Defined there but not safe: they call a Python function given in the pickle.
DENY = {"PyFuncDistance", "PyFuncDistance32", "_MultimetricScorer"}

# Names scikit-learn 1.2 does not have (older or newer releases), with where they come from.
EXTRA_SKLEARN = [
    ("sklearn.gaussian_process._gpc", "_BinaryGaussianProcessClassifierLaplace", "classifier",
     "the binary classifier a GaussianProcessClassifier fits"),
    ("sklearn.compose._column_transformer", "_RemainderColsList", "helper", "scikit-learn >= 1.5"),
    ("sklearn.ensemble._hist_gradient_boosting.loss", "BinaryCrossEntropy", "helper", "scikit-learn < 1.1"),
    ("sklearn.ensemble._hist_gradient_boosting.loss", "CategoricalCrossEntropy", "helper",
     "scikit-learn < 1.1"),
    ("sklearn.ensemble._hist_gradient_boosting.loss", "LeastAbsoluteDeviation", "helper",
     "scikit-learn < 1.1"),
    ("sklearn.ensemble._hist_gradient_boosting.loss", "LeastSquares", "helper", "scikit-learn < 1.1"),
    ("sklearn.ensemble._hist_gradient_boosting.loss", "Poisson", "helper", "scikit-learn < 1.1"),
    ("sklearn.linear_model._sgd_fast", "Log", "helper", "scikit-learn < 1.4 (SGD loss object)"),
    ("sklearn.linear_model._sgd_fast", "SquaredLoss", "helper", "scikit-learn < 1.4 (SGD loss object)"),
    ("sklearn.preprocessing.imputation", "Imputer", "transformer", "scikit-learn < 0.22"),
    ("sklearn.neighbors._binary_tree", "newObj", "helper", "scikit-learn < 1.3"),
    ("sklearn.metrics._scorer", "_passthrough_scorer", "helper", "scorer function"),
    ("sklearn.preprocessing._target_encoder", "TargetEncoder", "transformer", "scikit-learn >= 1.3"),
    ("sklearn.cluster._kmeans", "_kmeans_single_lloyd", "helper", "BisectingKMeans's k-means run"),
    ("sklearn.cluster._kmeans", "_kmeans_single_elkan", "helper", "BisectingKMeans's k-means run"),
]

# The score functions univariate feature selectors keep (score_func): library functions pickled by
# reference, never called when scoring (the selector's scores_ are stored).
SCORE_FUNCS = [fs.chi2, fs.f_classif, fs.f_regression, fs.r_regression, fs.f_oneway,
               fs.mutual_info_classif, fs.mutual_info_regression]

PRIVATE_FROM_START = {
    "sklearn._loss._loss", "sklearn._loss.link", "sklearn._loss.loss",
    "sklearn.compose._column_transformer", "sklearn.compose._target",
    "sklearn.ensemble._gb_losses", "sklearn.ensemble._stacking", "sklearn.ensemble._hist_gradient_boosting",
    "sklearn.impute._knn", "sklearn.impute._iterative",
    "sklearn.model_selection._search", "sklearn.model_selection._split",
    "sklearn.model_selection._validation",
    "sklearn.preprocessing._encoders", "sklearn.preprocessing._function_transformer",
    "sklearn.preprocessing._discretization", "sklearn.preprocessing._polynomial",
    "sklearn.feature_selection._sequential", "sklearn.cluster._bisect_k_means",
    "sklearn.utils._bunch", "sklearn.metrics._dist_metrics", "sklearn.tree._tree",
    "sklearn.preprocessing._target_encoder",
}

RENAMED = {
    "sklearn.cluster._kmeans": ["sklearn.cluster.k_means_"],
    "sklearn.cluster._dbscan": ["sklearn.cluster.dbscan_"],
    "sklearn.cluster._affinity_propagation": ["sklearn.cluster.affinity_propagation_"],
    "sklearn.cluster._mean_shift": ["sklearn.cluster.mean_shift_"],
    "sklearn.cluster._optics": ["sklearn.cluster.optics_"],
    "sklearn.cluster._agglomerative": ["sklearn.cluster.hierarchical"],
    "sklearn.cluster._spectral": ["sklearn.cluster.spectral"],
    "sklearn.cluster._birch": ["sklearn.cluster.birch"],
    "sklearn.cluster._bicluster": ["sklearn.cluster.bicluster"],
    "sklearn.decomposition._lda": ["sklearn.decomposition.online_lda"],
    "sklearn.ensemble._gb": ["sklearn.ensemble.gradient_boosting"],
    "sklearn.ensemble._gb_losses": ["sklearn.ensemble.gradient_boosting"],
    "sklearn.ensemble._voting": ["sklearn.ensemble.voting", "sklearn.ensemble.voting_classifier"],
    "sklearn.metrics._dist_metrics": ["sklearn.neighbors._dist_metrics", "sklearn.neighbors.dist_metrics"],
    "sklearn.metrics._scorer": ["sklearn.metrics.scorer"],
    "sklearn.metrics._classification": ["sklearn.metrics.classification"],
    "sklearn.metrics._regression": ["sklearn.metrics.regression"],
    "sklearn.metrics._ranking": ["sklearn.metrics.ranking"],
    "sklearn.metrics.cluster._supervised": ["sklearn.metrics.cluster.supervised"],
    "sklearn.tree._classes": ["sklearn.tree.tree"],
    "sklearn.svm._classes": ["sklearn.svm.classes"],
    "sklearn.impute._base": ["sklearn.impute"],
    "sklearn.mixture._gaussian_mixture": ["sklearn.mixture.gaussian_mixture"],
    "sklearn.mixture._bayesian_mixture": ["sklearn.mixture.bayesian_mixture"],
    "sklearn.utils._bunch": ["sklearn.utils"],
    "sklearn.feature_extraction._hash": ["sklearn.feature_extraction.hashing"],
    "sklearn.feature_selection._mutual_info": ["sklearn.feature_selection.mutual_info_"],
}

MOVED = {
    ("sklearn.preprocessing._polynomial", "PolynomialFeatures"): [
        "sklearn.preprocessing.data", "sklearn.preprocessing._data"],
    ("sklearn.preprocessing._encoders", "OneHotEncoder"): ["sklearn.preprocessing.data"],
}

# numpy ufuncs a FunctionTransformer or TransformedTargetRegressor names as func/inverse_func:
# pickled by name (numpy >= 1.21: the ufunc's module found by pickle's whichmodule; numpy 2 moved
# numpy.core to numpy._core). Interpreted by name in ext/model/pk_function.c, never imported.
UFUNCS = ["log1p", "expm1", "log", "exp", "exp2", "log2", "log10", "sqrt", "cbrt", "square",
          "reciprocal", "negative", "positive", "absolute", "fabs", "sign", "rint", "floor", "ceil",
          "trunc", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
          "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "radians", "degrees"]
UFUNC_SPELLINGS = ["numpy._core._multiarray_umath", "numpy.core.umath", "numpy._core.umath", "numpy"]

# ---- other libraries ---------------------------------------------------------------------------
# (module, name, kind, spellings, note). Containers read as data, random states, boosters.
# LightGBM models are read (model_info describes them: docs/lightgbm.md) but not scored.
LGBM_NOTE = "LightGBM scoring is not verified against LightGBM here (model_info lists its trees)"

OTHER = [
    # joblib (pk_joblib.c reads the array that follows the wrapper)
    ("joblib.numpy_pickle", "NumpyArrayWrapper", "helper", ["sklearn.externals.joblib.numpy_pickle"],
     "joblib array wrapper"),
    # FeatureAgglomeration's default pooling_func (a reference to the function, not a call)
    ("numpy", "mean", "helper", ["numpy.core.fromnumeric"], "FeatureAgglomeration pooling_func"),
    # numpy masked arrays
    ("numpy.ma.core", "MaskedArray", "helper", [], "numpy masked array"),
    ("numpy.ma.core", "_mareconstruct", "helper", [], "numpy masked array"),
    ("numpy.ma.core", "MaskedConstant", "helper", [], "numpy.ma.masked"),
    # numpy random states (estimators keep their random_state / _rng)
    ("numpy.random._mt19937", "MT19937", "helper", [], "numpy random state"),
    ("numpy.random._pcg64", "PCG64", "helper", [], "numpy random state"),
    ("numpy.random._pcg64", "PCG64DXSM", "helper", [], "numpy random state"),
    ("numpy.random._philox", "Philox", "helper", [], "numpy random state"),
    ("numpy.random._sfc64", "SFC64", "helper", [], "numpy random state"),
    ("numpy.random.bit_generator", "SeedSequence", "helper", [], "numpy random state"),
    ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence", "helper", [], "numpy random state"),
    ("numpy.random._generator", "Generator", "helper", [], "numpy random state"),
    ("numpy.random.mtrand", "RandomState", "helper", [], "numpy random state"),
    ("numpy.random", "__RandomState_ctor", "helper", [], "numpy < 1.17 random state"),
    # pandas containers
    ("pandas.core.indexes.base", "Index", "helper", [], "pandas index"),
    ("pandas.core.indexes.base", "_new_Index", "helper", [], "pandas index"),
    ("pandas.core.indexes.range", "RangeIndex", "helper", [], "pandas index"),
    ("pandas.core.indexes.numeric", "Int64Index", "helper", [], "pandas < 2 index"),
    ("pandas.core.indexes.numeric", "Float64Index", "helper", [], "pandas < 2 index"),
    ("pandas.core.indexes.numeric", "UInt64Index", "helper", [], "pandas < 2 index"),
    ("pandas.core.indexes.multi", "MultiIndex", "helper", [], "pandas index"),
    ("pandas.core.indexes.category", "CategoricalIndex", "helper", [], "pandas index"),
    ("pandas.core.indexes.datetimes", "DatetimeIndex", "helper", [], "pandas index"),
    ("pandas.core.indexes.datetimes", "_new_DatetimeIndex", "helper", [], "pandas index"),
    ("pandas.core.series", "Series", "helper", [], "pandas series"),
    ("pandas.core.frame", "DataFrame", "helper", [], "pandas data frame"),
    ("pandas.core.internals.managers", "BlockManager", "helper", [], "pandas data frame"),
    ("pandas.core.internals.managers", "SingleBlockManager", "helper", [], "pandas series"),
    ("pandas.core.internals.blocks", "new_block", "helper", [], "pandas data frame"),
    ("pandas._libs.internals", "_unpickle_block", "helper", [], "pandas data frame"),
    ("pandas.core.arrays.categorical", "Categorical", "helper", [], "pandas categorical"),
    ("pandas.core.dtypes.dtypes", "CategoricalDtype", "helper", [], "pandas categorical"),
    # scipy's B-spline objects (SplineTransformer.bsplines_): knots and coefficients read as data
    ("scipy.interpolate._bsplines", "BSpline", "helper", [], "scipy B-spline"),
    # scipy.sparse (scipy >= 1.8 moved the classes to private modules)
    ("scipy.sparse._csr", "csr_matrix", "helper", ["scipy.sparse.csr"], "scipy sparse matrix"),
    ("scipy.sparse._csc", "csc_matrix", "helper", ["scipy.sparse.csc"], "scipy sparse matrix"),
    ("scipy.sparse._coo", "coo_matrix", "helper", ["scipy.sparse.coo"], "scipy sparse matrix"),
    ("scipy.sparse._lil", "lil_matrix", "helper", ["scipy.sparse.lil"], "scipy sparse matrix"),
    ("scipy.sparse._dok", "dok_matrix", "helper", ["scipy.sparse.dok"], "scipy sparse matrix"),
    ("scipy.sparse._bsr", "bsr_matrix", "helper", ["scipy.sparse.bsr"], "scipy sparse matrix"),
    ("scipy.sparse._dia", "dia_matrix", "helper", ["scipy.sparse.dia"], "scipy sparse matrix"),
    ("scipy.sparse._csr", "csr_array", "helper", ["scipy.sparse._arrays"], "scipy sparse array"),
    ("scipy.sparse._csc", "csc_array", "helper", ["scipy.sparse._arrays"], "scipy sparse array"),
    # XGBoost and LightGBM: the booster's state is its serialized model, read by the library
    ("xgboost.core", "Booster", "estimator", [], "XGBoost booster"),
    ("xgboost.sklearn", "XGBClassifier", "classifier", [], "XGBoost"),
    ("xgboost.sklearn", "XGBRegressor", "regressor", [], "XGBoost"),
    ("xgboost.sklearn", "XGBRanker", "estimator", [], "XGBoost"),
    ("xgboost.sklearn", "XGBRFClassifier", "classifier", [], "XGBoost"),
    ("xgboost.sklearn", "XGBRFRegressor", "regressor", [], "XGBoost"),
    ("xgboost.sklearn", "XGBModel", "estimator", [], "XGBoost"),
    ("xgboost.compat", "XGBoostLabelEncoder", "transformer", [], "XGBoost < 1.6"),
    ("lightgbm.basic", "Booster", "helper", [], LGBM_NOTE),
    ("lightgbm.sklearn", "LGBMClassifier", "classifier", [], LGBM_NOTE),
    ("lightgbm.sklearn", "LGBMRegressor", "regressor", [], LGBM_NOTE),
    ("lightgbm.sklearn", "LGBMRanker", "estimator", [], LGBM_NOTE),
    ("lightgbm.sklearn", "LGBMModel", "estimator", [], LGBM_NOTE),
    ("lightgbm.sklearn", "_LGBMLabelEncoder", "transformer", [], "LightGBM"),
]


def kind_of(cls):
    if not inspect.isclass(cls):
        return "helper"
    try:
        if is_classifier(cls):
            return "classifier"
        if is_regressor(cls):
            return "regressor"
    except Exception:  # noqa: BLE001 - not an estimator
        return "helper"
    if issubclass(cls, OutlierMixin):
        return "outlier"
    if issubclass(cls, ClusterMixin):
        return "clusterer"
    if issubclass(cls, TransformerMixin):
        return "transformer"
    if hasattr(cls, "fit"):
        return "estimator"
    return "helper"


def spellings(module, name):
    out = []
    if module.startswith("sklearn.") and module not in PRIVATE_FROM_START:
        head, _, last = module.rpartition(".")
        if last.startswith("_") and not last.startswith("__") and module not in RENAMED:
            out.append(head + "." + last[1:])
    out += RENAMED.get(module, [])
    out += MOVED.get((module, name), [])
    if module == "sklearn._loss._loss":
        out.append("_loss")
    return [s for i, s in enumerate(out) if s != module and s not in out[:i]]


# Why an estimator without a scoring family cannot score (the note of its row; model_info and
# scoring errors give it): inference scikit-learn does not have, or input that is not a row.
NO_PREDICT = "no predict in scikit-learn: it only labels its training data (fit_predict); labels_ " \
    "is readable with pickle_get"
NO_TRANSFORM = "no transform in scikit-learn: it only embeds its training data (fit_transform); " \
    "embedding_ is readable with pickle_get"
REASONS = {
    "DBSCAN": NO_PREDICT, "OPTICS": NO_PREDICT, "AgglomerativeClustering": NO_PREDICT,
    "SpectralClustering": NO_PREDICT,
    "SpectralBiclustering": "no predict in scikit-learn: rows_ and columns_ are readable with "
    "pickle_get",
    "SpectralCoclustering": "no predict in scikit-learn: rows_ and columns_ are readable with "
    "pickle_get",
    "TSNE": NO_TRANSFORM, "MDS": NO_TRANSFORM, "SpectralEmbedding": NO_TRANSFORM,
    "PatchExtractor": "it transforms images, not rows of features",
}


def build_rows():
    """The catalogue rows: {(module, name): row dict}."""
    rows = {}

    def add(module, name, kind, note="", spell=None):
        key = (module, name)
        if key in rows:
            return
        fam = FAMILIES.get(module, {}).get(name)
        methods = ""
        if fam:
            methods = CLASS_METHODS.get(name, METHODS[(fam, kind)])
            note = NOTES.get(name, NOTES.get(fam, note))
        elif module.startswith("sklearn.") and name in REASONS:
            note = REASONS[name]
        rows[key] = dict(module=module, name=name, kind=kind, family=fam, methods=methods,
                         note=note, spell=spell if spell is not None else spellings(module, name))

    for name, cls in all_estimators():
        add(cls.__module__, name, kind_of(cls))
    # meta-estimators all_estimators() leaves out in some releases
    for mod, name in [("sklearn.pipeline", "Pipeline"), ("sklearn.pipeline", "FeatureUnion"),
                      ("sklearn.compose._column_transformer", "ColumnTransformer"),
                      ("sklearn.model_selection._search_successive_halving", "HalvingGridSearchCV"),
                      ("sklearn.model_selection._search_successive_halving",
                       "HalvingRandomSearchCV")]:
        add(mod, name, kind_of(getattr(importlib.import_module(mod), name)))
    for modname in INTERNAL_MODULES:
        mod = importlib.import_module(modname)
        for attr in sorted(vars(mod)):
            obj = getattr(mod, attr)
            if attr in DENY:
                continue
            if inspect.isclass(obj) and obj.__module__ == modname and not issubclass(obj, BaseException):
                add(modname, attr, kind_of(obj))
            elif attr == "newObj" or attr.startswith("__pyx_unpickle_"):
                base = attr[len("__pyx_unpickle_"):]
                if attr == "newObj" or base == "Enum" or base in vars(mod) and base not in DENY:
                    add(modname, attr, "helper")
    # scikit-learn 1.3 renamed the float64 distance metrics X -> X64 (X32 kept its name)
    dm = importlib.import_module("sklearn.metrics._dist_metrics")
    for attr in sorted(vars(dm)):
        obj = getattr(dm, attr)
        if inspect.isclass(obj) and obj.__module__ == dm.__name__ and attr not in DENY \
                and not attr.endswith("32") and attr + "32" in vars(dm):
            add(dm.__name__, attr + "64", "helper", "scikit-learn >= 1.3")
    for sc in sorted({(s._score_func.__module__, s._score_func.__name__)
                      for s in sklearn.metrics._scorer._SCORERS.values()}):
        add(sc[0], sc[1], "helper", "metric used by a scorer")
    for fn in SCORE_FUNCS:
        add(fn.__module__, fn.__name__, "helper", "score function of a univariate feature selector")
    for module, name, kind, note in EXTRA_SKLEARN:
        add(module, name, kind, note)
    for module, name, kind, spell, note in OTHER:
        add(module, name, kind, note, spell)
    for name in UFUNCS:
        add("numpy.core._multiarray_umath", name, "helper", "numpy ufunc (interpreted, never imported)",
            UFUNC_SPELLINGS)

    missing = [(m, n) for m, ns in FAMILIES.items() for n in ns if (m, n) not in rows]
    if missing:
        sys.exit("scorable classes missing from the catalogue: %r" % missing)

    seen = {}
    for (module, name), r in rows.items():
        for m in [module] + r["spell"]:
            if (m, name) in seen:
                sys.exit("%s.%s is a spelling of two rows (%s and %s)" % (m, name, seen[(m, name)], module))
            seen[(m, name)] = module

    return rows


def main():
    rows = build_rows()
    out = sys.stdout
    out.write("/*\n * pk_catalogue_data.c - GENERATED by scripts/gen_catalogue.py from scikit-learn %s; "
              "do not edit.\n" % sklearn.__version__)
    out.write(" * The rows of the catalogue (pk_catalogue.h), sorted by name then module.\n */\n")
    out.write('#include "pk_catalogue.h"\n\n/* clang-format off */\n')
    out.write("const pk_cat_row pk_catalogue_rows[] = {\n")
    tiers = {True: "PK_TIER_SCORABLE", False: "PK_TIER_SAFE"}
    kinds = {"classifier": "PK_CAT_CLASSIFIER", "regressor": "PK_CAT_REGRESSOR",
             "clusterer": "PK_CAT_CLUSTERER", "transformer": "PK_CAT_TRANSFORMER",
             "outlier": "PK_CAT_OUTLIER", "estimator": "PK_CAT_ESTIMATOR", "helper": "PK_CAT_HELPER"}

    def q(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' if s is not None else "NULL"

    for key in sorted(rows, key=lambda k: (k[1], k[0])):
        r = rows[key]
        out.write("    {%s, %s, %s, %s, %s, %s, %s, %s},\n" % (
            q(r["name"]), q(r["module"]), q(" ".join(r["spell"])), tiers[bool(r["family"])],
            kinds[r["kind"]], q(r["family"]), q(r["methods"]), q(r["note"])))
    out.write("};\n/* clang-format on */\n\nconst size_t pk_catalogue_count = sizeof pk_catalogue_rows / sizeof pk_catalogue_rows[0];\n")


if __name__ == "__main__":
    main()
