/*
 * pk_importances.c - feature_importances_ of fitted tree models, which scikit-learn computes on
 * access from the trees (nothing is pickled), for SelectFromModel's mask. scikit-learn 1.2:
 *   DecisionTree*, ExtraTree*   tree_.compute_feature_importances() (normalised, pk_tree.c)
 *   RandomForest*, ExtraTrees*  np.mean over the trees with more than one node of their
 *                               normalised importances, divided by its np.sum (all zeros when
 *                               no tree splits)
 *   GradientBoosting*           the same over every stage's trees, each unnormalised
 *   AdaBoost*                   sum(weight_i * estimators_[i].feature_importances_) (Python's
 *                               sum, from 0, in order) / estimator_weights_.sum()
 * np.mean over axis 0 of the stacked rows adds them one row after another (each feature's
 * values in tree order, from 0.0) and divides by the count; np.sum over the features is numpy's
 * pairwise sum. So the values are bit-identical to scikit-learn's.
 */
#include "pk_meta.h"
#include "pk_trees.h"

#include <stdio.h>
#include <string.h>

/* Trees times features summed, at most: a pickle listing one tree many times with a huge
 * n_features_in_ is refused rather than summed for minutes. */
#define IMPORTANCE_MAX_WORK 200000000.0

static pk_code check_work(pk_mc *c, size_t trees, size_t nf) {
    if ((double)trees * (double)nf > IMPORTANCE_MAX_WORK)
        return pk_mc_fail(c,
                          "SelectFromModel: %zu trees of %zu features are too many to compute "
                          "feature_importances_ from",
                          trees, nf);
    return PK_OK;
}

/* node_count of est.tree_ (0 when unreadable: the importance reader then reports it). */
static int64_t node_count(const pk_value *est) {
    const pk_value *t = est && est->kind == PK_OBJECT ? pk_attr(est, "tree_") : NULL;
    const pk_value *nc = t && t->kind == PK_OBJECT ? pk_attr(t, "node_count") : NULL;
    int64_t n = 0;
    if (!nc || pk_as_i64(nc, &n) != PK_OK) return 2;
    return n;
}

/* The mean of the relevant trees' importances divided by its sum (forests: normalised trees,
 * gradient boosting: raw ones). */
static pk_code ensemble_mean(pk_mc *c, const pk_value *est, int normalize, size_t nf, double *imp) {
    const pk_value *const *items;
    size_t n, used = 0;
    pk_code rc =
        pk_meta_items(c, pk_attr(est, "estimators_"), "estimator_.estimators_", &items, &n);
    if (!rc) rc = check_work(c, n, nf);
    if (rc) return rc;
    double *t = pk_mc_alloc(c, nf, sizeof *t);
    if (!t) return c->err->code;
    for (size_t j = 0; j < nf; j++)
        imp[j] = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (node_count(items[i]) <= 1) continue;
        char what[64];
        snprintf(what, sizeof what, "estimator_.estimators_[%zu].tree_", i);
        const pk_value *tree =
            items[i] && items[i]->kind == PK_OBJECT ? pk_attr(items[i], "tree_") : NULL;
        rc = pk_tree_importances(c, tree, what, normalize, nf, t);
        if (rc) return rc;
        for (size_t j = 0; j < nf; j++)
            imp[j] += t[j];
        used++;
    }
    if (!used) return PK_OK;
    for (size_t j = 0; j < nf; j++)
        imp[j] /= (double)used;
    double s = pk_np_sum(imp, nf);
    for (size_t j = 0; j < nf; j++)
        imp[j] /= s;
    return PK_OK;
}

static int is_single_tree(const char *cls) {
    return strncmp(cls, "DecisionTree", 12) == 0 ||
           (strncmp(cls, "ExtraTree", 9) == 0 && strncmp(cls, "ExtraTrees", 10) != 0);
}

static const char *class_name(const pk_value *est) {
    return est && est->kind == PK_OBJECT && est->u.o.cls && est->u.o.cls->kind == PK_GLOBAL
               ? est->u.o.cls->u.g.name
               : NULL;
}

/* AdaBoost's estimators must be single trees (no recursion: a pickle may list an ensemble
 * inside itself). */
static pk_code adaboost(pk_mc *c, const pk_value *est, size_t nf, double *imp) {
    const pk_value *const *items;
    size_t n;
    pk_code rc =
        pk_meta_items(c, pk_attr(est, "estimators_"), "estimator_.estimators_", &items, &n);
    if (!rc) rc = check_work(c, n, nf);
    if (rc) return rc;
    pk_mc_arr w;
    rc = pk_mc_array_of(c, pk_attr(est, "estimator_weights_"), "estimator_.estimator_weights_", &w);
    if (rc) return rc;
    if (w.ndim != 1 || w.n < n)
        return pk_mc_fail(c,
                          "SelectFromModel: estimator_.estimator_weights_ has %zu values for "
                          "%zu estimators",
                          w.n, n);
    double *t = pk_mc_alloc(c, nf, sizeof *t);
    if (!t) return c->err->code;
    for (size_t i = 0; i < n; i++) {
        const char *cls = class_name(items[i]);
        if (!cls || !is_single_tree(cls))
            return pk_mc_fail(c,
                              "SelectFromModel: estimator_.estimators_[%zu] of AdaBoost is "
                              "not a decision tree",
                              i);
        rc = pk_tree_importances(c, pk_attr(items[i], "tree_"), "estimator_.estimators_[].tree_", 1,
                                 nf, t);
        if (rc) return rc;
        for (size_t j = 0; j < nf; j++)
            imp[j] = i ? imp[j] + w.v[i] * t[j] : 0 + w.v[i] * t[j];
    }
    double norm = pk_np_sum(w.v, w.n);
    for (size_t j = 0; j < nf; j++)
        imp[j] = n ? imp[j] / norm : 0 / norm;
    return PK_OK;
}

pk_code pk_feature_importances(pk_mc *c, const pk_value *est, size_t nf, double *imp) {
    const char *cls = class_name(est);
    if (!cls) return pk_mc_fail(c, "SelectFromModel: estimator_ is not an object");
    if (is_single_tree(cls))
        return pk_tree_importances(c, pk_attr(est, "tree_"), "estimator_.tree_", 1, nf, imp);
    if (strncmp(cls, "RandomForest", 12) == 0 || strncmp(cls, "ExtraTrees", 10) == 0)
        return ensemble_mean(c, est, 1, nf, imp);
    if (strncmp(cls, "GradientBoosting", 16) == 0) return ensemble_mean(c, est, 0, nf, imp);
    if (strncmp(cls, "AdaBoost", 8) == 0) return adaboost(c, est, nf, imp);
    return pk_mc_fail(c,
                      "SelectFromModel: the feature_importances_ of %s are not supported (trees, "
                      "forests, gradient boosting and AdaBoost are)",
                      cls);
}
