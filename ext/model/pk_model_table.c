/*
 * pk_model_table.c - the scoring families: which compile function a scorable catalogue row's
 * `family` names (ext/core/pk_catalogue.h). Which classes belong to a family, their module
 * spellings and their kind are catalogue data (scripts/gen_catalogue.py); adding an estimator
 * family is its file, one row here and its catalogue rows.
 */
#include "pk_model_impl.h"
#include "pk_families.h"
#include "pk_preproc.h"
#include "pk_more_families.h"
#include "pk_trees.h"

#include <stddef.h>

const pk_model_family pk_model_families[] = {
    {"kmeans", pk_compile_kmeans},
    {"linear_regressor", pk_compile_linear_regressor},
    {"glm", pk_compile_glm},
    {"linear_classifier", pk_compile_linear_classifier},
    {"scaler", pk_compile_scaler},
    {"normalizer", pk_compile_normalizer},
    {"binarizer", pk_compile_binarizer},
    {"poly", pk_compile_poly},
    {"imputer", pk_compile_imputer},
    {"function", pk_compile_function},
    {"kbins", pk_compile_kbins},
    {"selector", pk_compile_selector},
    {"union", pk_compile_union},
    {"power", pk_compile_power},
    {"quantile", pk_compile_quantile},
    {"target", pk_compile_target},
    {"decomposition", pk_compile_decomposition},
    {"dtree", pk_compile_dtree},
    {"forest", pk_compile_forest},
    {"iforest", pk_compile_iforest},
    {"bagging", pk_compile_bagging},
    {"adaboost", pk_compile_adaboost},
    {"gb", pk_compile_gb},
    {"hgb", pk_compile_hgb},
    {"pipeline", pk_compile_pipeline},
    {"coltrans", pk_compile_coltrans},
    {"onehot", pk_compile_onehot},
    {"ordinal", pk_compile_ordinal},
    {"missing_indicator", pk_compile_missing_indicator},
    {"label_encoder", pk_compile_label_encoder},
    {"label_binarizer", pk_compile_label_binarizer},
    {"vectorizer", pk_compile_vectorizer},
    {"tfidf", pk_compile_tfidf},
    {"nb", pk_compile_nb},
    {"svm", pk_compile_svm},
    {"knn", pk_compile_knn},
    {"mlp", pk_compile_mlp},
    {"dummy", pk_compile_dummy},
    {"lda", pk_compile_da},
    {"qda", pk_compile_da},
    {"ncentroid", pk_compile_ncentroid},
    {"gmm", pk_compile_gmm},
    {"voting", pk_compile_voting},
    {"stacking", pk_compile_stacking},
    {"search", pk_compile_search},
    {"calibrated", pk_compile_calibrated},
    {"isotonic", pk_compile_isotonic},
    {"multiclass", pk_compile_multiclass},
    {"multioutput", pk_compile_multioutput},
    {"sparse_projection", pk_compile_sparse_projection},
    {"factor_analysis", pk_compile_factor_analysis},
    {"kernel_pca", pk_compile_kernel_pca},
    {"kernel_approx", pk_compile_kernel_approx},
    {"centres", pk_compile_centres},
    {"birch", pk_compile_centres},
    {"agglomeration", pk_compile_agglomeration},
    {"sgd_ocsvm", pk_compile_sgd_ocsvm},
    {"wrapped", pk_compile_wrapped},
    {"xgb_booster", pk_compile_xgb_booster},
    {"xgb_classifier", pk_compile_xgb_classifier},
    {"xgb_regressor", pk_compile_xgb_regressor},
    {NULL, NULL},
};
