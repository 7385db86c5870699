/*
 * pk_multioutput.c - MultiOutputClassifier/Regressor and ClassifierChain/RegressorChain over any
 * scorable estimators, as scikit-learn 1.2.1's sklearn.multioutput computes them.
 *
 * MultiOutput*: predict is one value per output, member i predicting output i (a classifier's
 *   class as a number: text classes are refused for predict); MultiOutputClassifier's
 *   predict_proba is scikit-learn's list of arrays taken at the row: member i's predict_proba
 *   (over estimators_[i].classes_) one after the other, grouped per output (m->proba_groups:
 *   a JSON array of arrays in SQL), when every member has predict_proba.
 * Chains: member c (estimators_[c]) takes the row followed by the predictions of members
 *   0..c-1 (np.hstack((X, Y_pred_chain[:, :c]))) and predicts output order_[c]; predict gives
 *   the outputs in their own order. ClassifierChain's predict_proba gives member c's
 *   predict_proba[:, 1] and decision_function its decision_function at output order_[c], the
 *   chain itself still fed with the members' predict.
 */
#include "pk_meta.h"

#include <stdio.h>
#include <string.h>

typedef struct mo {
    pk_meta_set set;
    const double **labels; /* classifiers: each member's classes as numbers     */
    size_t *order;         /* chains: order_                                     */
    int chain;
    size_t o_row, o_sub; /* scratch: buf[out] | row[n_features + n] | member scratch */
} mo;

/* A member's predict as a number. */
static pk_code mo_pred(const pk_model *m, size_t i, const double *x, double *scratch, double *v,
                       pk_err *err) {
    const mo *M = m->impl;
    const pk_model *s = M->set.m[i];
    pk_code rc = pk_meta_run(m, s, PK_PREDICT, x, scratch + M->o_sub, scratch, err);
    if (rc == PK_OK) *v = M->labels ? M->labels[i][(size_t)scratch[0]] : scratch[0];
    return rc;
}

static pk_code mo_proba(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    const mo *M = m->impl;
    for (size_t i = 0; i < M->set.n; i++) {
        const pk_model *s = M->set.m[i];
        pk_code rc = pk_meta_run(m, s, PK_PREDICT_PROBA, x, scratch + M->o_sub, scratch, err);
        if (rc) return rc;
        memcpy(out, scratch, s->n_classes * sizeof(double));
        out += s->n_classes;
    }
    return PK_OK;
}

static pk_code mo_predict(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    const mo *M = m->impl;
    for (size_t i = 0; i < M->set.n; i++) {
        pk_code rc = mo_pred(m, i, x, scratch, &out[i], err);
        if (rc) return rc;
    }
    return PK_OK;
}

/* Runs the chain; out[order[c]] = member c's `meth` (col `col`), predictions feed the row. */
static pk_code chain_run(const pk_model *m, pk_method meth, size_t col, const double *x,
                         double *scratch, double *out, pk_err *err) {
    const mo *M = m->impl;
    double *row = scratch + M->o_row;
    size_t nf = m->n_features;
    memcpy(row, x, nf * sizeof(double));
    for (size_t c = 0; c < M->set.n; c++) {
        const pk_model *s = M->set.m[c];
        if (c > 0) {
            pk_code rc = pk_model_check_input(s, row, NULL, err);
            if (rc) return rc;
        }
        double p;
        pk_code rc = mo_pred(m, c, row, scratch, &p, err);
        if (rc) return rc;
        if (meth == PK_PREDICT) {
            out[M->order[c]] = p;
        } else {
            if ((rc = s->fn[meth](s, row, scratch + M->o_sub, scratch, err)) != PK_OK) return rc;
            out[M->order[c]] = scratch[col];
        }
        row[nf + c] = p;
    }
    return PK_OK;
}

static pk_code chain_predict(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return chain_run(m, PK_PREDICT, 0, x, s, o, e);
}
static pk_code chain_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return chain_run(m, PK_PREDICT_PROBA, 1, x, s, o, e);
}
static pk_code chain_decision(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return chain_run(m, PK_DECISION, 0, x, s, o, e);
}

static pk_code mo_order(pk_mc *c, mo *M) {
    size_t n = M->set.n;
    pk_mc_arr o;
    pk_code rc = pk_mc_array(c, "order_", 1, &o);
    if (rc) return rc;
    if (o.ndim != 1 || o.n != n)
        return pk_mc_fail(c, "%s.order_ has %zu entries for %zu estimators", c->m->cls, o.n, n);
    M->order = pk_mc_alloc(c, n, sizeof *M->order);
    unsigned char *seen = pk_mc_alloc(c, n, 1);
    if (!M->order || !seen) return c->err->code;
    for (size_t i = 0; i < n; i++) {
        double d = o.v[i];
        if (!(d >= 0 && d < (double)n && d == (double)(size_t)d) || seen[(size_t)d])
            return pk_mc_fail(c, "%s.order_ is not a permutation of 0..%zu", c->m->cls, n - 1);
        seen[(size_t)d] = 1;
        M->order[i] = (size_t)d;
    }
    return PK_OK;
}

/* MultiOutputClassifier.predict_proba: available (scikit-learn asks estimators_[0]) when every
 * member has predict_proba over its classes; one group of n_classes values per member. */
static pk_code mo_proba_groups(pk_mc *c, mo *M) {
    pk_model *m = c->m;
    size_t n = M->set.n, total = 0;
    for (size_t i = 0; i < n; i++) {
        const pk_model *s = M->set.m[i];
        if (!pk_meta_has(s, PK_PREDICT_PROBA)) {
            m->why_not[PK_PREDICT_PROBA] = "its estimators_ have no predict_proba";
            return PK_OK;
        }
        if (s->width[PK_PREDICT_PROBA] != s->n_classes || s->proba_groups)
            return pk_mc_fail(c, "%s.estimators_[%zu] (%s) gives %zu probabilities for %zu classes",
                              m->cls, i, s->cls, s->width[PK_PREDICT_PROBA], s->n_classes);
        total += s->n_classes;
    }
    size_t *g = pk_mc_alloc(c, n ? n : 1, sizeof *g);
    if (!g) return c->err->code;
    for (size_t i = 0; i < n; i++)
        g[i] = M->set.m[i]->n_classes;
    m->proba_groups = n;
    m->proba_group = g;
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, total, mo_proba);
    return PK_OK;
}

pk_code pk_compile_multioutput(pk_mc *c) {
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    mo *M = pk_mc_alloc(c, 1, sizeof *M);
    if (!M) return c->err->code;
    M->chain = strstr(m->cls, "Chain") != NULL;
    const pk_value *const *items;
    size_t n;
    pk_code rc = pk_meta_items(c, pk_attr(c->obj, "estimators_"), "estimators_", &items, &n);
    if (rc) return rc;
    m->nan_ok = 1;
    if (!M->chain) {
        if ((rc = pk_meta_compile_set(c, items, n, "estimators_", 0, &M->set)) != PK_OK) return rc;
    } else {
        /* member c takes n_features + c columns: compile them one by one */
        if (!m->n_features) return pk_mc_not_fitted(c, "n_features_in_");
        M->set.n = n;
        M->set.m = pk_mc_alloc(c, n, sizeof *M->set.m);
        if (!M->set.m) return c->err->code;
        for (size_t i = 0; i < n; i++) {
            pk_meta_set one = {0};
            char what[64];
            snprintf(what, sizeof what, "estimators_[%zu]", i);
            if ((rc = pk_meta_compile_set(c, &items[i], 1, what, m->n_features + i, &one)) != PK_OK)
                return rc;
            M->set.m[i] = one.m[0];
            if (one.scratch > M->set.scratch) M->set.scratch = one.scratch;
            if (one.out > M->set.out) M->set.out = one.out;
        }
        if ((rc = mo_order(c, M)) != PK_OK) return rc;
    }
    for (size_t i = 0; i < n; i++) {
        const pk_model *s = M->set.m[i];
        pk_out_shape want = clf ? PK_OUT_LABEL : PK_OUT_SCALAR;
        if (s->shape[PK_PREDICT] != want)
            return pk_mc_fail(c, "%s.estimators_[%zu] (%s) does not predict one %s", m->cls, i,
                              s->cls, clf ? "class" : "value");
    }
    m->impl = M;
    M->o_row = M->set.out;
    M->o_sub = M->o_row + m->n_features + n;
    m->scratch = M->o_sub + M->set.scratch;
    m->kind = clf ? PK_MODEL_CLASSIFIER : PK_MODEL_REGRESSOR;
    if (clf) {
        M->labels = pk_mc_alloc(c, n, sizeof *M->labels);
        if (!M->labels) return c->err->code;
        for (size_t i = 0; i < n; i++) {
            const pk_model *s = M->set.m[i];
            if (s->label_type == PK_LABELS_STR)
                return pk_mc_fail(c,
                                  "%s.estimators_[%zu] has text classes: SQL scoring gives one "
                                  "array of numbers per row",
                                  m->cls, i);
            char what[64];
            snprintf(what, sizeof what, "estimators_[%zu]", i);
            if ((rc = pk_meta_label_values(c, s, what, &M->labels[i])) != PK_OK) return rc;
        }
    }
    if (!M->chain) {
        pk_mc_method(c, PK_PREDICT, PK_OUT_ARRAY, n, mo_predict);
        if (clf && (rc = mo_proba_groups(c, M)) != PK_OK) return rc;
        return pk_meta_typed(c, (const pk_model *const *)M->set.m, n);
    }
    /* a chain appends the earlier predictions to the row: numbers only */
    for (size_t i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "estimators_[%zu]", i);
        if ((rc = pk_meta_numeric(c, M->set.m[i], what)) != PK_OK) return rc;
    }
    pk_mc_method(c, PK_PREDICT, PK_OUT_ARRAY, n, chain_predict);
    if (!clf) return PK_OK;
    static const pk_method opt[2] = {PK_PREDICT_PROBA, PK_DECISION};
    static const pk_model_fn fns[2] = {chain_proba, chain_decision};
    for (size_t k = 0; k < 2; k++) {
        size_t have = 0;
        for (size_t i = 0; i < n; i++)
            if (pk_meta_has(M->set.m[i], opt[k]) &&
                (opt[k] == PK_DECISION ? M->set.m[i]->shape[PK_DECISION] == PK_OUT_SCALAR
                                       : M->set.m[i]->width[PK_PREDICT_PROBA] >= 2))
                have++;
        if (have == n) pk_mc_method(c, opt[k], PK_OUT_ARRAY, n, fns[k]);
    }
    return PK_OK;
}
