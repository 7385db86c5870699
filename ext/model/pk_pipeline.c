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
 *
 * Typed pipelines (the first step takes typed cells: a ColumnTransformer, an encoder, an imputer
 * of strings): the leading steps that map cells to cells (SimpleImputer on strings) run first,
 * then the one step that reads cells (pk_model_step: an encoder reads categories, a numeric step
 * reads the cells as numbers), then the numeric rest as above. Scratch then also holds a buffer
 * for the cells converted to numbers and two cell rows.
 */
#include "pk_model_impl.h"

#include <string.h>

#define PIPE_MAX_STEPS 64

typedef struct pk_pipe {
    size_t nsteps; /* compiled steps (passthrough removed) */
    pk_model **steps;
    int final_is_est; /* the last compiled step is the final estimator (not passthrough) */
    size_t maxw;      /* widest row a step reads or writes                           */
    /* typed pipelines: steps[0 .. ncmap) map cells to cells, steps[ncmap] reads cells */
    size_t ncmap;
    size_t cellw;   /* widest cell row between the leading steps                 */
    size_t cell_at; /* scratch offset (doubles) of the two cell rows              */
    size_t sub_at;  /* scratch offset of the steps' own scratch                   */
} pk_pipe;

/* Runs steps [from, upto) as transforms on `in`; the results alternate between the two row
 * buffers at the start of scratch. Returns the row entering step `upto`. */
static pk_code pipe_chain(const pk_model *m, const pk_pipe *P, size_t from, size_t upto,
                          const double *in, double *scratch, const double **row, pk_err *err) {
    double *sub = scratch + P->sub_at;
    for (size_t i = from; i < upto; i++) {
        const pk_model *s = P->steps[i];
        if (i > 0) {
            pk_code rc =
                pk_model_check_input(s, in, s->n_features == m->n_features ? m : NULL, err);
            if (rc) return rc;
        }
        double *outb = in == scratch ? scratch + P->maxw : scratch;
        pk_code rc = s->fn[PK_TRANSFORM](s, in, sub, outb, err);
        if (rc) return rc;
        in = outb;
    }
    *row = in;
    return PK_OK;
}

/* The final step's `meth` on the row entering it (or, when the pipeline ends with a
 * passthrough, that row itself as the transform). */
static pk_code pipe_final(const pk_model *m, const pk_pipe *P, pk_method meth, const double *row,
                          double *scratch, double *out, pk_err *err) {
    if (!P->final_is_est) {
        size_t w = P->steps[P->nsteps - 1]->width[PK_TRANSFORM];
        memcpy(out, row, w * sizeof(double));
        return PK_OK;
    }
    const pk_model *s = P->steps[P->nsteps - 1];
    if (P->nsteps > 1) {
        pk_code rc = pk_model_check_input(s, row, s->n_features == m->n_features ? m : NULL, err);
        if (rc) return rc;
    }
    return s->fn[meth](s, row, scratch + P->sub_at, out, err);
}

static pk_code pipe_method(const pk_model *m, pk_method meth, const double *x, double *scratch,
                           double *out, pk_err *err) {
    const pk_pipe *P = m->impl;
    size_t ntrans = P->final_is_est ? P->nsteps - 1 : P->nsteps;
    const double *row;
    pk_code rc = pipe_chain(m, P, 0, ntrans, x, scratch, &row, err);
    if (rc) return rc;
    return pipe_final(m, P, meth, row, scratch, out, err);
}

/* Typed pipelines: the leading cell maps, the step reading cells, then the numeric rest. */
static pk_code pipe_cell_method(const pk_model *m, pk_method meth, const pk_cell *row,
                                double *scratch, double *out, pk_err *err) {
    const pk_pipe *P = m->impl;
    struct pk_text_ws *ws = NULL;
    if (m->text_ws) { /* the workspace slot first, handed to the step reading cells */
        ws = pk_scratch_ws(scratch);
        scratch += PK_WS_DOUBLES;
    }
    pk_cell *cb = pk_cell_scratch(scratch, P->cell_at);
    const pk_cell *in = row;
    size_t i;
    for (i = 0; i < P->ncmap; i++) {
        const pk_model *s = P->steps[i];
        pk_cell *o = cb + (i % 2) * P->cellw;
        pk_code rc = s->cmap(s, in, o, err);
        if (rc) return rc;
        in = o;
    }
    const pk_model *s = P->steps[i];
    const pk_model *names = s->n_features == m->n_features ? m : NULL;
    double *xconv = scratch + 2 * P->maxw, *sub = scratch + P->sub_at;
    size_t ntrans = P->final_is_est ? P->nsteps - 1 : P->nsteps;
    if (s->text_ws) pk_scratch_set_ws(sub, ws);
    if (i >= ntrans) /* the step reading cells is the final estimator */
        return pk_model_step(s, meth, in, xconv, sub, out, names, NULL, err);
    pk_code rc = pk_model_step(s, PK_TRANSFORM, in, xconv, sub, scratch, names, NULL, err);
    if (rc) return rc;
    const double *r;
    rc = pipe_chain(m, P, i + 1, ntrans, scratch, scratch, &r, err);
    if (rc) return rc;
    return pipe_final(m, P, meth, r, scratch, out, err);
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
    return pipe_method(m, PK_TRANSFORM, x, s, o, e);
}
static pk_code pipe_cpredict(const pk_model *m, const pk_cell *x, double *s, double *o, pk_err *e) {
    return pipe_cell_method(m, PK_PREDICT, x, s, o, e);
}
static pk_code pipe_cproba(const pk_model *m, const pk_cell *x, double *s, double *o, pk_err *e) {
    return pipe_cell_method(m, PK_PREDICT_PROBA, x, s, o, e);
}
static pk_code pipe_cdecision(const pk_model *m, const pk_cell *x, double *s, double *o,
                              pk_err *e) {
    return pipe_cell_method(m, PK_DECISION, x, s, o, e);
}
static pk_code pipe_ctransform(const pk_model *m, const pk_cell *x, double *s, double *o,
                               pk_err *e) {
    return pipe_cell_method(m, PK_TRANSFORM, x, s, o, e);
}
static pk_code pipe_clog_proba(const pk_model *m, const pk_cell *x, double *s, double *o,
                               pk_err *e) {
    return pipe_cell_method(m, PK_PREDICT_LOG_PROBA, x, s, o, e);
}
static pk_code pipe_cscore(const pk_model *m, const pk_cell *x, double *s, double *o, pk_err *e) {
    return pipe_cell_method(m, PK_SCORE_SAMPLES, x, s, o, e);
}

/* What a step hands on: its transform's width, or its cell map's. */
static int step_transforms(const pk_model *s) {
    return s->shape[PK_TRANSFORM] != PK_OUT_NONE || s->cmap != NULL;
}
static size_t step_width(const pk_model *s) {
    return s->shape[PK_TRANSFORM] != PK_OUT_NONE ? s->width[PK_TRANSFORM] : s->cmap_width;
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
            if (!step_transforms(prev))
                return pk_mc_fail(c, "Pipeline step '%s' (%s) cannot transform", nm, prev->cls);
            if (step_width(prev) != s->n_features && !s->any_width)
                return pk_mc_fail(c,
                                  "Pipeline step '%s' (%s) expects %zu features, the step "
                                  "before gives %zu",
                                  nm, s->cls, s->n_features, step_width(prev));
            /* cells flow only through the leading steps: cell maps, then one step reading
             * cells; every later step reads numbers */
            int prev_cells = prev->cmap != NULL && prev->shape[PK_TRANSFORM] == PK_OUT_NONE;
            if (s->col_kind && !prev_cells)
                return pk_mc_fail(c,
                                  "Pipeline step '%s' (%s) takes categories or text, but the "
                                  "step before gives numbers",
                                  nm, s->cls);
            /* a step whose output is a sparse matrix in scikit-learn gives dense rows here,
             * with 0.0 where xgboost reads missing */
            if (prev->sparse_rows && s->sparse_missing)
                return pk_mc_fail(c,
                                  "Pipeline step '%s' (%s) holds an XGBoost model after %s, whose "
                                  "output scikit-learn hands on as a sparse matrix: xgboost reads "
                                  "its absent entries as missing, not 0; not supported",
                                  nm, s->cls, prev->cls);
        }
        if (s->cmap && s->shape[PK_TRANSFORM] == PK_OUT_NONE) {
            if (P->nsteps != P->ncmap)
                return pk_mc_fail(c,
                                  "Pipeline step '%s' (%s) takes categories after a step "
                                  "giving numbers",
                                  nm, s->cls);
            P->ncmap++;
        }
        P->steps[P->nsteps++] = s;
        if (i == n - 1) P->final_is_est = 1;
    }
    if (P->nsteps == 0) return pk_mc_fail(c, "Pipeline has only passthrough steps");
    if (P->steps[0]->text_input) /* a text pipeline: pk_vectorizer.c */
        return pk_text_pipeline(c, P->steps, P->nsteps, P->final_is_est);
    if (P->ncmap == P->nsteps)
        return pk_mc_fail(c, "Pipeline of %s gives categories, not numbers",
                          P->steps[P->nsteps - 1]->cls);
    if (!P->final_is_est && P->steps[P->nsteps - 1]->shape[PK_TRANSFORM] == PK_OUT_NONE)
        return pk_mc_fail(c, "Pipeline step %s before a passthrough cannot transform",
                          P->steps[P->nsteps - 1]->cls);
    const pk_model *first = P->steps[0];
    const pk_model *fin = P->steps[P->nsteps - 1];
    size_t maxw = first->n_features, sub = 0, cellw = first->n_features;
    for (size_t i = 0; i < P->nsteps; i++) {
        const pk_model *s = P->steps[i];
        if (s->width[PK_TRANSFORM] > maxw) maxw = s->width[PK_TRANSFORM];
        if (s->n_features > maxw) maxw = s->n_features;
        if (s->cmap_width > cellw) cellw = s->cmap_width;
        if (s->scratch > sub) sub = s->scratch;
    }
    P->maxw = maxw;
    int typed = first->col_kind != NULL;
    P->cellw = cellw;
    P->cell_at = 3 * maxw;
    P->sub_at = typed ? P->cell_at + 2 * cellw * PK_CELL_DOUBLES : 2 * maxw;
    if (m->n_features && m->n_features != first->n_features)
        return pk_mc_fail(c, "Pipeline.n_features_in_ does not match its first step");
    m->n_features = first->n_features;
    if (!m->feature_names) m->feature_names = first->feature_names;
    m->nan_ok = first->nan_ok;
    m->col_kind = first->col_kind;
    for (size_t i = 0; i < P->nsteps; i++)
        if (P->steps[i]->text_ws) m->text_ws = 1; /* only the step reading cells can be one */
    m->scratch = P->sub_at + sub + (m->text_ws ? PK_WS_DOUBLES : 0);
    m->impl = P;
    m->sparse_rows = fin->sparse_rows; /* the transform's container is its last step's */
    if (P->final_is_est) {
        m->kind = fin->kind;
        m->label_type = fin->label_type;
        m->n_classes = fin->n_classes;
        m->class_i = fin->class_i;
        m->class_f = fin->class_f;
        m->class_s = fin->class_s;
        m->not_python = fin->not_python;
        m->proba_groups = fin->proba_groups;
        m->proba_group = fin->proba_group;
        static const pk_model_fn fns[PK_METHOD_COUNT] = {
            pipe_predict, pipe_proba, pipe_transform, pipe_decision, pipe_log_proba, pipe_score};
        static const pk_model_cell_fn cfns[PK_METHOD_COUNT] = {pipe_cpredict,   pipe_cproba,
                                                               pipe_ctransform, pipe_cdecision,
                                                               pipe_clog_proba, pipe_cscore};
        for (int k = 0; k < PK_METHOD_COUNT; k++) {
            m->why_not[k] = fin->why_not[k];
            if (fin->shape[k] == PK_OUT_NONE) continue;
            if (typed)
                pk_mc_cell_method(c, (pk_method)k, fin->shape[k], fin->width[k], cfns[k]);
            else
                pk_mc_method(c, (pk_method)k, fin->shape[k], fin->width[k], fns[k]);
        }
    } else {
        m->kind = PK_MODEL_TRANSFORMER;
        if (typed)
            pk_mc_cell_method(c, PK_TRANSFORM, PK_OUT_ARRAY, fin->width[PK_TRANSFORM],
                              pipe_ctransform);
        else
            pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, fin->width[PK_TRANSFORM], pipe_transform);
    }
    return PK_OK;
}
