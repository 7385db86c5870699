/*
 * pk_iter_impute.c - sklearn.impute.IterativeImputer (scikit-learn 1.2's transform,
 * sample_posterior=False).
 *
 * A row is first filled by initial_imputer_ (a SimpleImputer, compiled as a sub-model: its
 * statistics for missing values, the columns empty in training dropped). Then every step of
 * imputation_sequence_ (n_iter_ rounds of (feat_idx, neighbor_feat_idx, estimator) triplets, in
 * order) whose feature was missing in the row replaces it by the step's fitted estimator's
 * prediction from the current values of neighbor_feat_idx, clipped to [_min_value[feat_idx],
 * _max_value[feat_idx]] as np.clip does (NaN passes). Observed values are never changed. With
 * add_indicator the indicator_.features_ flags of the original row follow. The estimators are
 * any scorable regressors (BayesianRidge by default), compiled like pipeline steps; skip_complete
 * only changed which triplets fit made.
 * Refused: sample_posterior=True (transform draws from a truncated normal with the pickled
 * random state: each call gives different values) and keep_empty_features=True (scikit-learn
 * 1.2 then marks every observed value of the kept columns missing and re-imputes it, and returns
 * the initial fill when a batch has no missing value: the result depends on the batch).
 * scikit-learn also returns the initial fill for a batch whose every value is missing; a row is
 * always taken through the steps here (as any batch with one observed value).
 * Exactness: the estimators' (BayesianRidge: a dot product, bit-identical on the reference BLAS)
 * applied in sequence; each step's input is the previous steps' outputs.
 */
#include "pk_meta.h"
#include "pk_preproc.h"

#include <math.h>
#include <string.h>

typedef struct pk_iter_step {
    size_t feat, nnb;
    size_t *nb;
    pk_model *est;
} pk_iter_step;

typedef struct pk_iter_imp {
    size_t nf, nv;  /* input features, kept (valid) features     */
    size_t *valid;  /* nv input columns of the kept features     */
    pk_model *init; /* initial_imputer_                          */
    size_t nsteps, maxnb;
    pk_iter_step *steps;
    const double *lo, *hi; /* _min_value / _max_value, nv values each */
    size_t n_ind, *ind;
    int miss_nan;
    double miss;
} pk_iter_imp;

static int is_missing(const pk_iter_imp *I, double v) {
    return I->miss_nan ? isnan(v) : v == I->miss;
}

/* np.clip(v, lo, hi): NaN stays NaN. */
static double np_clip(double v, double lo, double hi) {
    if (!isnan(v)) v = v > lo ? v : lo;
    if (!isnan(v)) v = v < hi ? v : hi;
    return v;
}

static pk_code iter_transform(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    const pk_iter_imp *I = m->impl;
    double *nb = scratch, *sub = nb + I->maxnb, y;
    pk_code rc = I->init->fn[PK_TRANSFORM](I->init, x, sub, out, err);
    if (rc) return rc;
    for (size_t s = 0; s < I->nsteps; s++) {
        const pk_iter_step *S = &I->steps[s];
        if (!is_missing(I, x[I->valid[S->feat]])) continue;
        for (size_t a = 0; a < S->nnb; a++)
            nb[a] = out[S->nb[a]];
        rc = pk_model_check_input(S->est, nb, NULL, err);
        if (!rc) rc = S->est->fn[PK_PREDICT](S->est, nb, sub, &y, err);
        if (rc) return rc;
        out[S->feat] = np_clip(y, I->lo[S->feat], I->hi[S->feat]);
    }
    for (size_t a = 0; a < I->n_ind; a++)
        out[I->nv + a] = is_missing(I, x[I->ind[a]]) ? 1.0 : 0.0;
    return PK_OK;
}

/* One _ImputerTriplet(feat_idx, neighbor_feat_idx, estimator). */
static pk_code read_step(pk_mc *c, pk_iter_imp *I, size_t s, const pk_value *t) {
    pk_iter_step *S = &I->steps[s];
    const pk_value *const *f = NULL;
    if (t && t->kind == PK_OBJECT && t->u.o.args && t->u.o.args->kind == PK_TUPLE &&
        t->u.o.args->u.seq.len == 3)
        f = (const pk_value *const *)t->u.o.args->u.seq.items;
    else if (t && t->kind == PK_TUPLE && t->u.seq.len == 3)
        f = (const pk_value *const *)t->u.seq.items;
    if (!f || !f[0] || !f[1] || !f[2])
        return pk_mc_fail(c, "IterativeImputer.imputation_sequence_[%zu] is not a triplet", s);
    pk_mc_arr fi, nb;
    pk_code rc = pk_mc_array_of(c, f[0], "feat_idx", &fi);
    if (!rc) rc = pk_mc_array_of(c, f[1], "neighbor_feat_idx", &nb);
    if (rc) return rc;
    if (fi.n != 1 || !(fi.v[0] >= 0 && fi.v[0] < (double)I->nv) || fi.v[0] != floor(fi.v[0]) ||
        nb.ndim > 1)
        return pk_mc_fail(c, "IterativeImputer.imputation_sequence_[%zu] has a bad feat_idx", s);
    S->feat = (size_t)fi.v[0];
    S->nnb = nb.n;
    S->nb = pk_mc_alloc(c, nb.n ? nb.n : 1, sizeof(size_t));
    if (!S->nb) return c->err->code;
    for (size_t a = 0; a < nb.n; a++) {
        if (!(nb.v[a] >= 0 && nb.v[a] < (double)I->nv) || nb.v[a] != floor(nb.v[a]))
            return pk_mc_fail(c,
                              "IterativeImputer.imputation_sequence_[%zu].neighbor_feat_idx is "
                              "out of range",
                              s);
        S->nb[a] = (size_t)nb.v[a];
    }
    if (nb.n > I->maxnb) I->maxnb = nb.n;
    S->est = pk_mc_submodel(c, f[2]);
    if (!S->est) return c->err->code;
    /* the step reads numbers gathered from the row */
    if ((rc = pk_meta_numeric(c, S->est, "imputation_sequence_ estimator"))) return rc;
    if (S->est->shape[PK_PREDICT] != PK_OUT_SCALAR)
        return pk_mc_fail(c,
                          "IterativeImputer.imputation_sequence_[%zu]: estimator %s does not "
                          "predict one value",
                          s, S->est->cls);
    if (S->est->n_features != nb.n && !S->est->any_width)
        return pk_mc_fail(c,
                          "IterativeImputer.imputation_sequence_[%zu]: estimator expects %zu "
                          "features, neighbor_feat_idx has %zu",
                          s, S->est->n_features, nb.n);
    return PK_OK;
}

/* _min_value / _max_value: nv values (absent: -inf / +inf). */
static pk_code limits(pk_mc *c, const char *attr, double dflt, size_t nv, const double **out) {
    pk_mc_arr a;
    pk_code rc = pk_mc_array(c, attr, 0, &a);
    if (rc) return rc;
    if (!a.v) {
        double *v = pk_mc_alloc(c, nv ? nv : 1, sizeof *v);
        if (!v) return c->err->code;
        for (size_t j = 0; j < nv; j++)
            v[j] = dflt;
        *out = v;
        return PK_OK;
    }
    if (a.n != nv)
        return pk_mc_fail(c, "IterativeImputer.%s has %zu values, expected %zu", attr, a.n, nv);
    *out = a.v;
    return PK_OK;
}

pk_code pk_compile_iterative_imputer(pk_mc *c) {
    pk_model *m = c->m;
    if (pk_mc_bool(c, "sample_posterior", 0))
        return pk_mc_fail(c, "IterativeImputer with sample_posterior=True draws random values at "
                             "each transform; only sample_posterior=False can be scored");
    if (pk_mc_bool(c, "keep_empty_features", 0))
        return pk_mc_fail(c, "IterativeImputer with keep_empty_features=True is not supported "
                             "(scikit-learn 1.2 re-imputes observed values then, depending on "
                             "the batch)");
    const pk_value *iv = pk_attr(c->obj, "initial_imputer_");
    const pk_value *seq = pk_attr(c->obj, "imputation_sequence_");
    if (!iv || iv->kind == PK_NONE) return pk_mc_not_fitted(c, "initial_imputer_");
    if (!seq || (seq->kind != PK_LIST && seq->kind != PK_TUPLE))
        return pk_mc_not_fitted(c, "imputation_sequence_");
    pk_iter_imp *I = pk_mc_alloc(c, 1, sizeof *I);
    if (!I) return c->err->code;
    I->init = pk_mc_submodel(c, iv);
    if (!I->init) return c->err->code;
    if (strcmp(I->init->cls, "SimpleImputer") != 0)
        return pk_mc_fail(c, "IterativeImputer.initial_imputer_ is a %s, not a SimpleImputer",
                          I->init->cls);
    /* a SimpleImputer of strings maps cells to cells: the fill must give numbers */
    if (I->init->col_kind || I->init->shape[PK_TRANSFORM] == PK_OUT_NONE)
        return pk_mc_fail(c, "IterativeImputer.initial_imputer_ does not impute numbers");
    I->nf = I->init->n_features;
    I->nv = I->init->width[PK_TRANSFORM];
    pk_code rc = pk_mc_features(c, I->nf);
    if (rc) return rc;
    pk_mc_arr st;
    rc = pk_mc_array_of(c, pk_attr(iv, "statistics_"), "initial_imputer_.statistics_", &st);
    if (rc) return rc;
    I->valid = pk_mc_alloc(c, I->nf, sizeof(size_t));
    if (!I->valid) return c->err->code;
    size_t nv = 0;
    for (size_t j = 0; j < st.n && j < I->nf; j++)
        if (!isnan(st.v[j])) I->valid[nv++] = j;
    if (nv != I->nv)
        return pk_mc_fail(c,
                          "IterativeImputer.initial_imputer_ keeps %zu columns, statistics_ "
                          "%zu",
                          I->nv, nv);
    double miss;
    rc = pk_mc_missing_values(c, &miss);
    if (rc) return rc;
    I->miss_nan = isnan(miss);
    I->miss = miss;
    double n_iter;
    rc = pk_mc_num(c, "n_iter_", 0, &n_iter);
    if (rc) return rc;
    I->nsteps = n_iter > 0 ? seq->u.seq.len : 0;
    I->steps = pk_mc_alloc(c, I->nsteps ? I->nsteps : 1, sizeof *I->steps);
    if (!I->steps) return c->err->code;
    size_t sub = I->init->scratch;
    for (size_t s = 0; s < I->nsteps; s++) {
        rc = read_step(c, I, s, seq->u.seq.items[s]);
        if (rc) return rc;
        if (I->steps[s].est->scratch > sub) sub = I->steps[s].est->scratch;
    }
    rc = limits(c, "_min_value", -INFINITY, I->nv, &I->lo);
    if (!rc) rc = limits(c, "_max_value", INFINITY, I->nv, &I->hi);
    if (!rc && pk_mc_bool(c, "add_indicator", 0))
        rc = pk_mc_indicator(c, I->nf, &I->ind, &I->n_ind);
    if (rc) return rc;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = I;
    m->nan_ok = I->miss_nan;
    m->scratch = I->maxnb + sub + 1;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, I->nv + I->n_ind, iter_transform);
    return PK_OK;
}
