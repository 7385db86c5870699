/*
 * pk_dummy.c - DummyClassifier and DummyRegressor: answers that do not depend on the row.
 *
 * DummyClassifier (one output, dense target), by the fitted strategy (_strategy, else strategy):
 *   most_frequent  predict classes_[argmax class_prior_] (first maximum); predict_proba 1 at that
 *                  class, 0 elsewhere
 *   prior          predict as most_frequent; predict_proba class_prior_
 *   constant       predict the class equal to `constant`; predict_proba 1 there, 0 elsewhere
 *   uniform        predict_proba 1 / n_classes everywhere; predict draws a random class per row
 *                  (scikit-learn's random_state), so it is refused with that reason
 *   stratified     both methods draw at random: the model is refused
 * Several outputs (classes_ is a list) and sparse targets (sparse_output_) are refused: their
 * predict_proba is a list of arrays and their predict a sparse matrix.
 * DummyRegressor: predict is constant_ (one value per output) for every strategy (mean, median,
 *   quantile, constant): the fitted value is stored, nothing is recomputed.
 * scikit-learn 1.2 stores no n_features_in_ on these (predict never looks at X): without it the
 * model takes one feature, whose value is ignored (model_predict(blob, 0)); as a pipeline's last
 * step it takes whatever the step before gives.
 */
#include "pk_families.h"

#include <math.h>
#include <string.h>

typedef struct pk_dummy {
    size_t width;  /* values written by predict (regressor) / predict_proba (classifier) */
    double label;  /* index of the predicted class                                      */
    double *proba; /* classifier: the predict_proba row                                  */
    double *value; /* regressor: constant_                                               */
} pk_dummy;

static pk_code dm_label(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    (void)x, (void)scratch, (void)err;
    out[0] = ((const pk_dummy *)m->impl)->label;
    return PK_OK;
}

static pk_code dm_proba(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    (void)x, (void)scratch, (void)err;
    const pk_dummy *D = m->impl;
    memcpy(out, D->proba, D->width * sizeof(double));
    return PK_OK;
}

static pk_code dm_value(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    (void)x, (void)scratch, (void)err;
    const pk_dummy *D = m->impl;
    memcpy(out, D->value, D->width * sizeof(double));
    return PK_OK;
}

/* The index of the class equal to `constant` (a str or a number, or a 1-item list of one). */
static pk_code dm_constant_index(pk_mc *c, size_t *idx) {
    const pk_model *m = c->m;
    const pk_value *v = pk_attr(c->obj, "constant");
    if (v && (v->kind == PK_LIST || v->kind == PK_TUPLE) && v->u.seq.len == 1)
        v = v->u.seq.items[0];
    if (!v || v->kind == PK_NONE)
        return pk_mc_fail(c, "%s: strategy 'constant' without a constant", m->cls);
    double f = 0;
    const char *s = v->kind == PK_STR ? v->u.s.ptr : NULL;
    if (!s && (v->kind == PK_STR || pk_as_f64(v, &f) != PK_OK))
        return pk_mc_fail(c, "%s.constant is neither a string nor a number", m->cls);
    for (size_t i = 0; i < m->n_classes; i++) {
        int eq = 0;
        switch (m->label_type) {
        case PK_LABELS_STR:
            eq = s && strcmp(m->class_s[i], s) == 0;
            break;
        case PK_LABELS_FLOAT:
            eq = !s && m->class_f[i] == f;
            break;
        default: /* int, bool */
            eq = !s && (double)m->class_i[i] == f;
            break;
        }
        if (eq) {
            *idx = i;
            return PK_OK;
        }
    }
    return pk_mc_fail(c, "%s.constant is not one of its classes", m->cls);
}

static pk_code dm_classifier(pk_mc *c, pk_dummy *D) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    const char *strategy = pk_mc_str(c, "_strategy");
    if (!strategy) strategy = pk_mc_str(c, "strategy");
    if (!strategy) return pk_mc_not_fitted(c, "_strategy");
    if (pk_mc_bool(c, "sparse_output_", 0))
        return pk_mc_fail(c,
                          "%s was fitted on a sparse target: its predict returns a sparse "
                          "matrix, which SQL scoring does not produce",
                          cls);
    if (strcmp(strategy, "stratified") == 0)
        return pk_mc_fail(c,
                          "%s(strategy='stratified') draws its answers at random (numpy's "
                          "random_state): there is no deterministic score to reproduce",
                          cls);
    const pk_value *classes = pk_attr(c->obj, "classes_");
    if (!classes || classes->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    double nout = 1;
    pk_code rc = pk_mc_num(c, "n_outputs_", 1, &nout);
    if (rc) return rc;
    if (nout != 1)
        return pk_mc_fail(c,
                          "%s has several outputs: its predict_proba is a list of arrays, "
                          "which SQL scoring does not produce",
                          cls);
    rc = pk_mc_classes(c, classes);
    if (rc) return rc;
    size_t k = m->n_classes;
    if (k == 0) return pk_mc_fail(c, "%s has no classes", cls);
    D->width = k;
    D->proba = pk_mc_alloc(c, k, sizeof(double));
    if (!D->proba) return c->err->code;
    pk_mc_arr pr;
    rc = pk_mc_array(c, "class_prior_", 1, &pr);
    if (rc) return rc;
    if (pr.ndim > 1 || pr.n != k)
        return pk_mc_fail(c, "%s.class_prior_ has %zu values for %zu classes", cls, pr.n, k);
    size_t best = 0;
    for (size_t i = 1; i < k; i++)
        if (!isnan(pr.v[best]) && (pr.v[i] > pr.v[best] || isnan(pr.v[i]))) best = i;
    if (strcmp(strategy, "most_frequent") == 0) {
        D->proba[best] = 1.0;
    } else if (strcmp(strategy, "prior") == 0) {
        memcpy(D->proba, pr.v, k * sizeof(double));
    } else if (strcmp(strategy, "constant") == 0) {
        rc = dm_constant_index(c, &best);
        if (rc) return rc;
        D->proba[best] = 1.0;
    } else if (strcmp(strategy, "uniform") == 0) {
        for (size_t i = 0; i < k; i++)
            D->proba[i] = 1.0 / (double)k;
        m->why_not[PK_PREDICT] = "strategy 'uniform' draws each predicted class at random "
                                 "(numpy's random_state); only predict_proba is deterministic";
    } else {
        return pk_mc_fail(c, "%s: unknown strategy '%.40s'", cls, strategy);
    }
    D->label = (double)best;
    m->kind = PK_MODEL_CLASSIFIER;
    if (!m->why_not[PK_PREDICT]) pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, dm_label);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, k, dm_proba);
    pk_mc_log_proba(c, 0);
    return PK_OK;
}

static pk_code dm_regressor(pk_mc *c, pk_dummy *D) {
    pk_model *m = c->m;
    pk_mc_arr cv;
    pk_code rc = pk_mc_array(c, "constant_", 1, &cv);
    if (rc) return rc;
    if (cv.n == 0 || (cv.ndim == 2 && cv.rows != 1))
        return pk_mc_fail(c, "%s.constant_ is not one row of values", m->cls);
    double nout = 1;
    rc = pk_mc_num(c, "n_outputs_", 1, &nout);
    if (rc) return rc;
    if (nout != (double)cv.n)
        return pk_mc_fail(c, "%s.constant_ has %zu values for %.0f outputs", m->cls, cv.n, nout);
    D->width = cv.n;
    D->value = cv.v;
    m->kind = PK_MODEL_REGRESSOR;
    pk_mc_method(c, PK_PREDICT, cv.n == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, cv.n, dm_value);
    return PK_OK;
}

pk_code pk_compile_dummy(pk_mc *c) {
    pk_dummy *D = pk_mc_alloc(c, 1, sizeof *D);
    if (!D) return c->err->code;
    c->m->impl = D;
    c->m->scratch = 1;
    c->m->nan_ok = 1; /* the row is not read: scikit-learn's predict accepts NaN here too */
    if (c->m->n_features == 0) c->m->n_features = 1;
    c->m->any_width = 1;
    if (strcmp(c->m->cls, "DummyClassifier") == 0) return dm_classifier(c, D);
    return dm_regressor(c, D);
}
