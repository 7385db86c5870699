/*
 * pk_impute.c - SimpleImputer with numeric statistics (mean, median, most_frequent, constant);
 * statistics_ of objects (strings) go to pk_impute_cat.c.
 *
 * transform (scikit-learn 1.2): a value equal to missing_values (NaN: isnan) is replaced by
 * statistics_[j]; columns whose statistic is NaN are dropped unless strategy == 'constant' or
 * keep_empty_features; with add_indicator, indicator_.features_ columns follow as 1.0/0.0 flags of
 * the ORIGINAL row's missing mask. With a numeric missing_values, NaN input is refused (as
 * scikit-learn's force_all_finite=True does).
 */
#include "pk_preproc.h"

#include <math.h>
#include <string.h>

typedef struct pk_imputer {
    size_t n_in, n_keep, n_ind;
    size_t *keep;       /* kept input columns                 */
    const double *stat; /* statistics_, n_in values            */
    size_t *ind;        /* indicator columns                  */
    int miss_nan;
    double miss;
} pk_imputer;

static int is_missing(const pk_imputer *I, double v) {
    return I->miss_nan ? isnan(v) : v == I->miss;
}

static pk_code imputer_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                 pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_imputer *I = m->impl;
    for (size_t k = 0; k < I->n_keep; k++) {
        size_t j = I->keep[k];
        out[k] = is_missing(I, x[j]) ? I->stat[j] : x[j];
    }
    for (size_t k = 0; k < I->n_ind; k++)
        out[I->n_keep + k] = is_missing(I, x[I->ind[k]]) ? 1.0 : 0.0;
    return PK_OK;
}

pk_code pk_compile_imputer(pk_mc *c) {
    pk_model *m = c->m;
    if (pk_imputer_is_object(c->obj)) return pk_compile_object_imputer(c);
    pk_mc_arr st;
    pk_code rc = pk_mc_array(c, "statistics_", 1, &st);
    if (rc) return rc;
    if (st.ndim != 1) return pk_mc_fail(c, "SimpleImputer.statistics_ is not a 1-D numeric array");
    rc = pk_mc_features(c, st.n);
    if (rc) return rc;
    pk_imputer *I = pk_mc_alloc(c, 1, sizeof *I);
    if (!I) return c->err->code;
    I->n_in = st.n;
    I->stat = st.v;
    double miss;
    rc = pk_mc_missing_values(c, &miss);
    if (rc) return rc;
    I->miss_nan = isnan(miss);
    I->miss = miss;
    const char *strategy = pk_mc_str(c, "strategy");
    int keep_all =
        (strategy && strcmp(strategy, "constant") == 0) || pk_mc_bool(c, "keep_empty_features", 0);
    I->keep = pk_mc_alloc(c, st.n, sizeof(size_t));
    if (!I->keep) return c->err->code;
    for (size_t j = 0; j < st.n; j++)
        if (keep_all || !isnan(st.v[j])) I->keep[I->n_keep++] = j;
    if (pk_mc_bool(c, "add_indicator", 0)) {
        rc = pk_mc_indicator(c, st.n, &I->ind, &I->n_ind);
        if (rc) return rc;
    }
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = I;
    m->nan_ok = I->miss_nan;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, I->n_keep + I->n_ind, imputer_transform);
    return PK_OK;
}

pk_code pk_mc_indicator(pk_mc *c, size_t n, size_t **ind, size_t *n_ind) {
    const pk_value *iv = pk_attr(c->obj, "indicator_");
    if (!iv || iv->kind == PK_NONE) return pk_mc_not_fitted(c, "indicator_");
    const pk_value *fv = pk_attr(iv, "features_");
    pk_mc_arr f;
    pk_code rc = pk_mc_array_of(c, fv ? fv : iv, "indicator_.features_", &f);
    if (rc) return rc;
    if (f.ndim != 1) return pk_mc_fail(c, "%s.indicator_.features_ is not 1-D", c->m->cls);
    *n_ind = f.n;
    *ind = pk_mc_alloc(c, f.n ? f.n : 1, sizeof(size_t));
    if (!*ind) return c->err->code;
    for (size_t k = 0; k < f.n; k++) {
        if (!(f.v[k] >= 0 && f.v[k] < (double)n) || f.v[k] != floor(f.v[k]))
            return pk_mc_fail(c, "%s.indicator_.features_ is out of range", c->m->cls);
        (*ind)[k] = (size_t)f.v[k];
    }
    return PK_OK;
}

pk_code pk_mc_missing_values(pk_mc *c, double *miss) {
    const pk_value *mv = pk_attr(c->obj, "missing_values");
    *miss = NAN;
    if (mv && mv->kind != PK_NONE && pk_as_f64(mv, miss) != PK_OK)
        return pk_mc_fail(c, "%s with non-numeric missing_values is not supported", c->m->cls);
    return PK_OK;
}
