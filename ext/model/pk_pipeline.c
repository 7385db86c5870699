/*
 * pk_pipeline.c - sklearn.pipeline.Pipeline: steps chained through two scratch buffers.
 *
 * Every step but the last runs its transform; the last runs the requested method (predict,
 * predict_proba, decision_function) or, for model_transform, its transform too. Steps that are
 * 'passthrough' or None are skipped; a pipeline whose final step is skipped only transforms.
 * The pipeline takes the first step's feature count, names and NaN policy and the final step's
 * kind and classes. Each later step checks its own input (a scaler passes NaN on; a linear model
 * after it refuses it, naming the feature when the step's input columns are the pipeline's).
 * Scratch: two buffers of the widest intermediate row plus the largest step scratch.
 */
#include "pk_model_impl.h"

#include <string.h>

#define PIPE_MAX_STEPS 64

typedef struct pk_pipe {
    size_t nsteps; /* compiled steps (passthrough removed) */
    pk_model **steps;
    int final_is_est; /* the last compiled step is the final estimator (not passthrough) */
    size_t maxw;
} pk_pipe;

/* Runs steps [0, upto) as transforms; returns the row entering step `upto` (x or a buffer). */
static pk_code pipe_prefix(const pk_model *m, const pk_pipe *P, size_t upto, const double *x,
                           double *scratch, const double **row, pk_err *err) {
    const double *in = x;
    double *sub = scratch + 2 * P->maxw;
    for (size_t i = 0; i < upto; i++) {
        const pk_model *s = P->steps[i];
        if (i > 0) {
            pk_code rc =
                pk_model_check_input(s, in, s->n_features == m->n_features ? m : NULL, err);
            if (rc) return rc;
        }
        double *outb = scratch + (i % 2) * P->maxw;
        pk_code rc = s->fn[PK_TRANSFORM](s, in, sub, outb, err);
        if (rc) return rc;
        in = outb;
    }
    *row = in;
    return PK_OK;
}

static pk_code pipe_method(const pk_model *m, pk_method meth, const double *x, double *scratch,
                           double *out, pk_err *err) {
    const pk_pipe *P = m->impl;
    size_t last = P->nsteps - 1;
    const double *row;
    pk_code rc = pipe_prefix(m, P, last, x, scratch, &row, err);
    if (rc) return rc;
    const pk_model *s = P->steps[last];
    if (last > 0) {
        rc = pk_model_check_input(s, row, s->n_features == m->n_features ? m : NULL, err);
        if (rc) return rc;
    }
    return s->fn[meth](s, row, scratch + 2 * P->maxw, out, err);
}

static pk_code pipe_predict(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return pipe_method(m, PK_PREDICT, x, s, o, e);
}
static pk_code pipe_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return pipe_method(m, PK_PREDICT_PROBA, x, s, o, e);
}
static pk_code pipe_decision(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return pipe_method(m, PK_DECISION, x, s, o, e);
}
static pk_code pipe_log_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return pipe_method(m, PK_PREDICT_LOG_PROBA, x, s, o, e);
}
static pk_code pipe_score(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return pipe_method(m, PK_SCORE_SAMPLES, x, s, o, e);
}
static pk_code pipe_transform(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    const pk_pipe *P = m->impl;
    if (P->final_is_est) return pipe_method(m, PK_TRANSFORM, x, s, o, e);
    const double *row;
    pk_code rc = pipe_prefix(m, P, P->nsteps, x, s, &row, e);
    if (rc) return rc;
    size_t w = P->steps[P->nsteps - 1]->width[PK_TRANSFORM];
    memcpy(o, row, w * sizeof(double));
    return PK_OK;
}

static int is_passthrough(const pk_value *est) {
    return !est || est->kind == PK_NONE ||
           (est->kind == PK_STR && strcmp(est->u.s.ptr, "passthrough") == 0);
}

pk_code pk_compile_pipeline(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *steps = pk_attr(c->obj, "steps");
    if (!steps || (steps->kind != PK_LIST && steps->kind != PK_TUPLE))
        return pk_mc_fail(c, "Pipeline has no steps list");
    size_t n = steps->u.seq.len;
    if (n == 0 || n > PIPE_MAX_STEPS)
        return pk_mc_fail(c, "Pipeline has %zu steps (1 to %d supported)", n, PIPE_MAX_STEPS);
    pk_pipe *P = pk_mc_alloc(c, 1, sizeof *P);
    if (!P) return c->err->code;
    P->steps = pk_mc_alloc(c, n, sizeof(pk_model *));
    if (!P->steps) return c->err->code;
    for (size_t i = 0; i < n; i++) {
        const pk_value *st = steps->u.seq.items[i];
        if ((st->kind != PK_TUPLE && st->kind != PK_LIST) || st->u.seq.len != 2)
            return pk_mc_fail(c, "Pipeline step %zu is not a (name, estimator) pair", i + 1);
        const pk_value *name = st->u.seq.items[0];
        const pk_value *est = st->u.seq.items[1];
        const char *nm = name->kind == PK_STR ? name->u.s.ptr : "?";
        if (is_passthrough(est)) {
            if (i == n - 1) P->final_is_est = 0;
            continue;
        }
        pk_model *s = pk_mc_submodel(c, est);
        if (!s) return c->err->code;
        if (P->nsteps > 0) {
            const pk_model *prev = P->steps[P->nsteps - 1];
            if (prev->shape[PK_TRANSFORM] == PK_OUT_NONE)
                return pk_mc_fail(c, "Pipeline step '%s' (%s) cannot transform", nm, prev->cls);
            if (prev->width[PK_TRANSFORM] != s->n_features && !s->any_width)
                return pk_mc_fail(c,
                                  "Pipeline step '%s' (%s) expects %zu features, the step "
                                  "before gives %zu",
                                  nm, s->cls, s->n_features, prev->width[PK_TRANSFORM]);
        }
        P->steps[P->nsteps++] = s;
        if (i == n - 1) P->final_is_est = 1;
    }
    if (P->nsteps == 0) return pk_mc_fail(c, "Pipeline has only passthrough steps");
    if (!P->final_is_est && P->steps[P->nsteps - 1]->shape[PK_TRANSFORM] == PK_OUT_NONE)
        return pk_mc_fail(c, "Pipeline step %s before a passthrough cannot transform",
                          P->steps[P->nsteps - 1]->cls);
    const pk_model *first = P->steps[0];
    const pk_model *fin = P->steps[P->nsteps - 1];
    size_t maxw = first->n_features, sub = 0;
    for (size_t i = 0; i < P->nsteps; i++) {
        const pk_model *s = P->steps[i];
        if (s->width[PK_TRANSFORM] > maxw) maxw = s->width[PK_TRANSFORM];
        if (s->scratch > sub) sub = s->scratch;
    }
    P->maxw = maxw;
    if (m->n_features && m->n_features != first->n_features)
        return pk_mc_fail(c, "Pipeline.n_features_in_ does not match its first step");
    m->n_features = first->n_features;
    if (!m->feature_names) m->feature_names = first->feature_names;
    m->nan_ok = first->nan_ok;
    m->scratch = 2 * maxw + sub;
    m->impl = P;
    if (P->final_is_est) {
        m->kind = fin->kind;
        m->label_type = fin->label_type;
        m->n_classes = fin->n_classes;
        m->class_i = fin->class_i;
        m->class_f = fin->class_f;
        m->class_s = fin->class_s;
        m->not_python = fin->not_python;
        static const pk_model_fn fns[PK_METHOD_COUNT] = {
            pipe_predict, pipe_proba, pipe_transform, pipe_decision, pipe_log_proba, pipe_score};
        for (int k = 0; k < PK_METHOD_COUNT; k++) {
            m->why_not[k] = fin->why_not[k];
            if (fin->shape[k] != PK_OUT_NONE)
                pk_mc_method(c, (pk_method)k, fin->shape[k], fin->width[k], fns[k]);
        }
    } else {
        m->kind = PK_MODEL_TRANSFORMER;
        pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, fin->width[PK_TRANSFORM], pipe_transform);
    }
    return PK_OK;
}
