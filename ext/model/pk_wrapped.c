/*
 * pk_wrapped.c - estimators whose inference is their fitted inner estimator's:
 *   RANSACRegressor         predict = estimator_.predict
 *   SelfTrainingClassifier  predict, predict_proba, decision_function = base_estimator_'s
 * The inner estimator is compiled like any other (any scorable class) and the wrapper takes its
 * methods, kind and classes; the wrapper keeps its own class name and feature names.
 */
#include "pk_more_families.h"

#include <string.h>

pk_code pk_compile_wrapped(pk_mc *c) {
    pk_model *m = c->m;
    int ransac = strcmp(m->cls, "RANSACRegressor") == 0;
    const char *attr = ransac ? "estimator_" : "base_estimator_";
    const pk_value *inner = pk_attr(c->obj, attr);
    if (!inner || inner->kind == PK_NONE) return pk_mc_not_fitted(c, attr);
    pk_model *sub = pk_mc_submodel(c, inner);
    if (!sub) return c->err->code;
    if (m->n_features && sub->n_features != m->n_features && !sub->any_width)
        return pk_mc_fail(c, "%s.%s expects %zu features, the wrapper %zu", m->cls, attr,
                          sub->n_features, m->n_features);
    pk_model keep = *m;
    *m = *sub;
    memcpy(m->cls, keep.cls, sizeof m->cls);
    memcpy(m->module, keep.module, sizeof m->module);
    m->arena = keep.arena;
    m->n_features = keep.n_features ? keep.n_features : sub->n_features;
    m->feature_names = keep.feature_names ? keep.feature_names : sub->feature_names;
    if (ransac) {
        for (int k = 0; k < PK_METHOD_COUNT; k++)
            if (k != PK_PREDICT) m->shape[k] = PK_OUT_NONE, m->fn[k] = NULL, m->cfn[k] = NULL;
        m->kind = PK_MODEL_REGRESSOR;
    } else {
        m->shape[PK_TRANSFORM] = PK_OUT_NONE;
        m->fn[PK_TRANSFORM] = NULL;
        m->cfn[PK_TRANSFORM] = NULL;
    }
    m->cmap = NULL; /* a wrapper is an estimator, never a cell-to-cell pipeline step */
    return PK_OK;
}
