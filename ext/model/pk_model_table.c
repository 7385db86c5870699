/*
 * pk_model_table.c - the dispatch table: which scikit-learn classes compile, and how.
 *
 * One row per class, {module as scikit-learn 1.2 writes it, class name, compile function}. A
 * pickled class matches a row by name and by the first two components of its module (see
 * pk_model_impl.h), so pickles from older scikit-learn releases whose private module names
 * differ still match. Adding a family = adding its file and its rows here (and its globals in
 * ext/core/pk_allow_sklearn.c).
 */
#include "pk_model_impl.h"
#include "pk_families.h"
#include "pk_trees.h"

#include <stddef.h>

const pk_model_row pk_model_table[] = {
    /* clustering */
    {"sklearn.cluster._kmeans", "KMeans", pk_compile_kmeans},
    {"sklearn.cluster._kmeans", "MiniBatchKMeans", pk_compile_kmeans},
    /* linear regressors */
    {"sklearn.linear_model._base", "LinearRegression", pk_compile_linear_regressor},
    {"sklearn.linear_model._ridge", "Ridge", pk_compile_linear_regressor},
    {"sklearn.linear_model._ridge", "RidgeCV", pk_compile_linear_regressor},
    {"sklearn.linear_model._coordinate_descent", "Lasso", pk_compile_linear_regressor},
    {"sklearn.linear_model._coordinate_descent", "LassoCV", pk_compile_linear_regressor},
    {"sklearn.linear_model._coordinate_descent", "ElasticNet", pk_compile_linear_regressor},
    {"sklearn.linear_model._coordinate_descent", "ElasticNetCV", pk_compile_linear_regressor},
    {"sklearn.linear_model._least_angle", "Lars", pk_compile_linear_regressor},
    {"sklearn.linear_model._least_angle", "LassoLars", pk_compile_linear_regressor},
    {"sklearn.linear_model._bayes", "BayesianRidge", pk_compile_linear_regressor},
    {"sklearn.linear_model._bayes", "ARDRegression", pk_compile_linear_regressor},
    {"sklearn.linear_model._huber", "HuberRegressor", pk_compile_linear_regressor},
    {"sklearn.linear_model._quantile", "QuantileRegressor", pk_compile_linear_regressor},
    {"sklearn.linear_model._theil_sen", "TheilSenRegressor", pk_compile_linear_regressor},
    {"sklearn.linear_model._glm.glm", "PoissonRegressor", pk_compile_glm},
    {"sklearn.linear_model._glm.glm", "GammaRegressor", pk_compile_glm},
    {"sklearn.linear_model._glm.glm", "TweedieRegressor", pk_compile_glm},
    {"sklearn.linear_model._stochastic_gradient", "SGDRegressor", pk_compile_linear_regressor},
    {"sklearn.linear_model._passive_aggressive", "PassiveAggressiveRegressor",
     pk_compile_linear_regressor},
    {"sklearn.svm._classes", "LinearSVR", pk_compile_linear_regressor},
    /* linear classifiers */
    {"sklearn.linear_model._logistic", "LogisticRegression", pk_compile_linear_classifier},
    {"sklearn.linear_model._logistic", "LogisticRegressionCV", pk_compile_linear_classifier},
    {"sklearn.linear_model._ridge", "RidgeClassifier", pk_compile_linear_classifier},
    {"sklearn.linear_model._ridge", "RidgeClassifierCV", pk_compile_linear_classifier},
    {"sklearn.linear_model._stochastic_gradient", "SGDClassifier", pk_compile_linear_classifier},
    {"sklearn.linear_model._perceptron", "Perceptron", pk_compile_linear_classifier},
    {"sklearn.linear_model._passive_aggressive", "PassiveAggressiveClassifier",
     pk_compile_linear_classifier},
    {"sklearn.svm._classes", "LinearSVC", pk_compile_linear_classifier},
    /* transformers */
    {"sklearn.preprocessing._data", "StandardScaler", pk_compile_scaler},
    {"sklearn.preprocessing._data", "MinMaxScaler", pk_compile_scaler},
    {"sklearn.preprocessing._data", "MaxAbsScaler", pk_compile_scaler},
    {"sklearn.preprocessing._data", "RobustScaler", pk_compile_scaler},
    {"sklearn.preprocessing._data", "Normalizer", pk_compile_normalizer},
    {"sklearn.preprocessing._data", "Binarizer", pk_compile_binarizer},
    {"sklearn.preprocessing._polynomial", "PolynomialFeatures", pk_compile_poly},
    {"sklearn.impute._base", "SimpleImputer", pk_compile_imputer},
    {"sklearn.decomposition._pca", "PCA", pk_compile_decomposition},
    {"sklearn.decomposition._truncated_svd", "TruncatedSVD", pk_compile_decomposition},
    /* trees (pk_tree.c, pk_forest.c, pk_gb.c, pk_hgb.c) */
    {"sklearn.tree._classes", "DecisionTreeClassifier", pk_compile_dtree},
    {"sklearn.tree._classes", "DecisionTreeRegressor", pk_compile_dtree},
    {"sklearn.tree._classes", "ExtraTreeClassifier", pk_compile_dtree},
    {"sklearn.tree._classes", "ExtraTreeRegressor", pk_compile_dtree},
    {"sklearn.ensemble._forest", "RandomForestClassifier", pk_compile_forest},
    {"sklearn.ensemble._forest", "RandomForestRegressor", pk_compile_forest},
    {"sklearn.ensemble._forest", "ExtraTreesClassifier", pk_compile_forest},
    {"sklearn.ensemble._forest", "ExtraTreesRegressor", pk_compile_forest},
    {"sklearn.ensemble._iforest", "IsolationForest", pk_compile_iforest},
    {"sklearn.ensemble._bagging", "BaggingClassifier", pk_compile_bagging},
    {"sklearn.ensemble._bagging", "BaggingRegressor", pk_compile_bagging},
    {"sklearn.ensemble._weight_boosting", "AdaBoostClassifier", pk_compile_adaboost},
    {"sklearn.ensemble._weight_boosting", "AdaBoostRegressor", pk_compile_adaboost},
    {"sklearn.ensemble._gb", "GradientBoostingClassifier", pk_compile_gb},
    {"sklearn.ensemble._gb", "GradientBoostingRegressor", pk_compile_gb},
    {"sklearn.ensemble._hist_gradient_boosting.gradient_boosting", "HistGradientBoostingClassifier",
     pk_compile_hgb},
    {"sklearn.ensemble._hist_gradient_boosting.gradient_boosting", "HistGradientBoostingRegressor",
     pk_compile_hgb},
    /* composition */
    {"sklearn.pipeline", "Pipeline", pk_compile_pipeline},
    /* naive Bayes (pk_nb.c) */
    {"sklearn.naive_bayes", "GaussianNB", pk_compile_nb},
    {"sklearn.naive_bayes", "MultinomialNB", pk_compile_nb},
    {"sklearn.naive_bayes", "ComplementNB", pk_compile_nb},
    {"sklearn.naive_bayes", "BernoulliNB", pk_compile_nb},
    {"sklearn.naive_bayes", "CategoricalNB", pk_compile_nb},
    /* support vector machines (pk_svm.c) */
    {"sklearn.svm._classes", "SVC", pk_compile_svm},
    {"sklearn.svm._classes", "NuSVC", pk_compile_svm},
    {"sklearn.svm._classes", "SVR", pk_compile_svm},
    {"sklearn.svm._classes", "NuSVR", pk_compile_svm},
    {"sklearn.svm._classes", "OneClassSVM", pk_compile_svm},
    /* nearest neighbours (pk_knn.c) */
    {"sklearn.neighbors._classification", "KNeighborsClassifier", pk_compile_knn},
    {"sklearn.neighbors._regression", "KNeighborsRegressor", pk_compile_knn},
    /* multi-layer perceptrons (pk_mlp.c) */
    {"sklearn.neural_network._multilayer_perceptron", "MLPClassifier", pk_compile_mlp},
    {"sklearn.neural_network._multilayer_perceptron", "MLPRegressor", pk_compile_mlp},
    /* dummy baselines (pk_dummy.c) */
    {"sklearn.dummy", "DummyClassifier", pk_compile_dummy},
    {"sklearn.dummy", "DummyRegressor", pk_compile_dummy},
    /* discriminant analysis (pk_da.c) */
    {"sklearn.discriminant_analysis", "LinearDiscriminantAnalysis", pk_compile_da},
    {"sklearn.discriminant_analysis", "QuadraticDiscriminantAnalysis", pk_compile_da},
    /* nearest centroid (pk_ncentroid.c) */
    {"sklearn.neighbors._nearest_centroid", "NearestCentroid", pk_compile_ncentroid},
    /* Gaussian mixtures (pk_mixture.c) */
    {"sklearn.mixture._gaussian_mixture", "GaussianMixture", pk_compile_gmm},
    /* XGBoost (pk_xgb.c) */
    {"xgboost.core", "Booster", pk_compile_xgb_booster},
    {"xgboost.sklearn", "XGBClassifier", pk_compile_xgb_classifier},
    {"xgboost.sklearn", "XGBRFClassifier", pk_compile_xgb_classifier},
    {"xgboost.sklearn", "XGBRegressor", pk_compile_xgb_regressor},
    {"xgboost.sklearn", "XGBRFRegressor", pk_compile_xgb_regressor},
    {"xgboost.sklearn", "XGBRanker", pk_compile_xgb_regressor},
    {NULL, NULL, NULL},
};
