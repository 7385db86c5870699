/*
 * pk_impute_cat.c - missing values in typed rows: SimpleImputer fitted on object columns
 * (strategy 'most_frequent' or 'constant' over strings, statistics_ an object array) and
 * MissingIndicator.
 *
 * Missing (scikit-learn 1.2's _get_mask on object data): with missing_values NaN (the default)
 * a NULL cell (SQL has no NaN: NULL stands for pandas' NaN); with None, a NULL cell; with a
 * string, a TEXT cell of those bytes; with a number, a NUM cell of that value or NULL when the
 * number is NaN.
 *
 * SimpleImputer on objects maps cells to cells (m->cmap): a missing cell becomes statistics_[j]
 * (a TEXT pointing at the model's copy, or a NUM); columns whose statistic is missing are dropped
 * unless strategy is 'constant' or keep_empty_features; with add_indicator the indicator_'s
 * columns follow as NUM 1/0 cells. A Pipeline hands these cells to the encoder after it.
 *
 * MissingIndicator.transform: 1.0 / 0.0 per column of features_ (all columns when features is
 * 'all'); with features='missing-only' and error_on_new (the default), a missing value in a
 * column that had none in fit is an error, as in scikit-learn. It takes any cells (col_kind
 * PK_COL_CAT) and also has a numeric kernel (NaN or the numeric missing_values).
 */
#include "pk_cats.h"

#include "pk_ndarray.h"

#include <math.h>
#include <string.h>

typedef struct miss_rule {
    int kind; /* MISS_* */
    double num;
    const char *s;
    size_t len;
} miss_rule;

enum { MISS_NULL, MISS_NUM, MISS_STR };

static int cell_missing(const miss_rule *r, const pk_cell *c) {
    switch (r->kind) {
    case MISS_NULL:
        return c->type == PK_CELL_NULL || (c->type == PK_CELL_NUM && isnan(c->num));
    case MISS_NUM:
        return c->type == PK_CELL_NUM && c->num == r->num;
    case MISS_STR:
        return c->type == PK_CELL_TEXT && c->len == r->len && memcmp(c->s, r->s, r->len) == 0;
    }
    return 0;
}

static pk_code read_rule(pk_mc *c, miss_rule *r) {
    const pk_value *mv = pk_attr(c->obj, "missing_values");
    memset(r, 0, sizeof *r);
    r->kind = MISS_NULL;
    if (!mv || mv->kind == PK_NONE) return PK_OK;
    if (mv->kind == PK_STR) {
        r->kind = MISS_STR;
        r->s = pk_mc_strdup(c, mv->u.s.ptr, mv->u.s.len);
        r->len = mv->u.s.len;
        return r->s ? PK_OK : c->err->code;
    }
    double d;
    if ((mv->kind == PK_NPSCALAR ? pk_npscalar_f64(mv, &d) : pk_as_f64(mv, &d)) != PK_OK)
        return pk_mc_fail(c, "%s.missing_values is neither a number nor a string", c->m->cls);
    if (!isnan(d)) {
        r->kind = MISS_NUM;
        r->num = d;
    }
    return PK_OK;
}

/* Reads an index list (features_) below `limit`. */
static pk_code read_indices(pk_mc *c, const pk_value *v, const char *what, size_t limit,
                            size_t **out, size_t *n) {
    pk_mc_arr f;
    pk_code rc = pk_mc_array_of(c, v, what, &f);
    if (rc) return rc;
    if (f.ndim > 1) return pk_mc_fail(c, "%s.%s is not 1-D", c->m->cls, what);
    *n = f.v ? f.n : 0;
    *out = pk_mc_alloc(c, *n ? *n : 1, sizeof(size_t));
    if (!*out) return c->err->code;
    for (size_t k = 0; k < *n; k++) {
        if (!(f.v[k] >= 0 && f.v[k] < (double)limit) || f.v[k] != floor(f.v[k]))
            return pk_mc_fail(c, "%s.%s is out of range", c->m->cls, what);
        (*out)[k] = (size_t)f.v[k];
    }
    return PK_OK;
}

/* ---- SimpleImputer on objects ------------------------------------------------------------- */

typedef struct obj_imputer {
    miss_rule rule;
    pk_cell *stat; /* n_features statistics as cells */
    size_t *keep, n_keep;
    size_t *ind, n_ind;
} obj_imputer;

static pk_code obj_impute(const pk_model *m, const pk_cell *row, pk_cell *out, pk_err *err) {
    (void)err;
    const obj_imputer *I = m->impl;
    for (size_t k = 0; k < I->n_keep; k++) {
        size_t j = I->keep[k];
        out[k] = cell_missing(&I->rule, &row[j]) ? I->stat[j] : row[j];
    }
    for (size_t k = 0; k < I->n_ind; k++) {
        pk_cell *o = &out[I->n_keep + k];
        memset(o, 0, sizeof *o);
        o->type = PK_CELL_NUM;
        o->num = cell_missing(&I->rule, &row[I->ind[k]]) ? 1.0 : 0.0;
    }
    return PK_OK;
}

int pk_imputer_is_object(const pk_value *obj) {
    const pk_value *st = pk_attr(obj, "statistics_");
    return st && st->kind == PK_NDARRAY && st->u.arr->objects != NULL;
}

pk_code pk_compile_object_imputer(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *st = pk_attr(c->obj, "statistics_");
    const pk_ndarray *a = st->u.arr;
    size_t n = a->ndim == 1 ? (size_t)a->shape[0] : 0;
    if (n == 0 || a->obj_base > a->nobjects || a->nobjects - a->obj_base < n ||
        (n > 1 && a->strides[0] != 1))
        return pk_mc_fail(c, "SimpleImputer.statistics_ is a malformed object array");
    pk_code rc = pk_mc_features(c, n);
    if (rc) return rc;
    obj_imputer *I = pk_mc_alloc(c, 1, sizeof *I);
    if (!I) return c->err->code;
    rc = read_rule(c, &I->rule);
    if (rc) return rc;
    I->stat = pk_mc_alloc(c, n, sizeof(pk_cell));
    I->keep = pk_mc_alloc(c, n, sizeof(size_t));
    if (!I->stat || !I->keep) return c->err->code;
    const char *strategy = pk_mc_str(c, "strategy");
    int keep_all =
        (strategy && strcmp(strategy, "constant") == 0) || pk_mc_bool(c, "keep_empty_features", 0);
    for (size_t j = 0; j < n; j++) {
        const pk_value *v = a->objects[a->obj_base + j];
        pk_cell *s = &I->stat[j];
        double d;
        int is_text;
        char *text = NULL;
        rc = pk_value_text(c, v, &is_text, &text, &s->len);
        if (rc) return rc;
        if (is_text) {
            s->type = PK_CELL_TEXT;
            s->s = text;
        } else if (v && v->kind != PK_NONE &&
                   (v->kind == PK_NPSCALAR ? pk_npscalar_f64(v, &d) : pk_as_f64(v, &d)) == PK_OK &&
                   !isnan(d)) {
            s->type = PK_CELL_NUM;
            s->num = d;
        } else {
            s->type = PK_CELL_NULL; /* NaN/None: the column is empty */
        }
        if (keep_all || s->type != PK_CELL_NULL) I->keep[I->n_keep++] = j;
    }
    if (pk_mc_bool(c, "add_indicator", 0)) {
        const pk_value *ind = pk_attr(c->obj, "indicator_");
        if (!ind || ind->kind == PK_NONE) return pk_mc_not_fitted(c, "indicator_");
        rc = read_indices(c, pk_attr(ind, "features_"), "indicator_.features_", n, &I->ind,
                          &I->n_ind);
        if (rc) return rc;
    }
    rc = pk_mc_col_kinds(c, PK_COL_CAT);
    if (rc) return rc;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = I;
    m->nan_ok = 1;
    m->cmap = obj_impute;
    m->cmap_width = I->n_keep + I->n_ind;
    m->why_not[PK_TRANSFORM] = "its output is categories: use it in a Pipeline before an encoder";
    return PK_OK;
}

/* ---- MissingIndicator ---------------------------------------------------------------------- */

typedef struct pk_mind {
    miss_rule rule;
    size_t *feat, n_feat; /* features_ */
    int error_on_new;
    unsigned char *fitted; /* n_features flags: the column is in features_ */
} pk_mind;

static pk_code new_missing(const pk_model *m, size_t j, pk_err *err) {
    if (m->feature_names)
        return pk_err_set(err, PK_EFEATURE, -1, -1,
                          "MissingIndicator: feature %zu ('%s') is missing but had no missing "
                          "values in fit (error_on_new)",
                          j + 1, m->feature_names[j]);
    return pk_err_set(err, PK_EFEATURE, -1, -1,
                      "MissingIndicator: feature %zu is missing but had no missing values in "
                      "fit (error_on_new)",
                      j + 1);
}

static pk_code mind_cells(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                          pk_err *err) {
    (void)scratch;
    const pk_mind *D = m->impl;
    if (D->error_on_new)
        for (size_t j = 0; j < m->n_features; j++)
            if (!D->fitted[j] && cell_missing(&D->rule, &row[j])) return new_missing(m, j, err);
    for (size_t k = 0; k < D->n_feat; k++)
        out[k] = cell_missing(&D->rule, &row[D->feat[k]]) ? 1.0 : 0.0;
    return PK_OK;
}

static int num_missing(const miss_rule *r, double v) {
    return r->kind == MISS_NUM ? v == r->num : r->kind == MISS_NULL && isnan(v);
}

static pk_code mind_nums(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)scratch;
    const pk_mind *D = m->impl;
    if (D->error_on_new)
        for (size_t j = 0; j < m->n_features; j++)
            if (!D->fitted[j] && num_missing(&D->rule, x[j])) return new_missing(m, j, err);
    for (size_t k = 0; k < D->n_feat; k++)
        out[k] = num_missing(&D->rule, x[D->feat[k]]) ? 1.0 : 0.0;
    return PK_OK;
}

pk_code pk_compile_missing_indicator(pk_mc *c) {
    pk_model *m = c->m;
    pk_mind *D = pk_mc_alloc(c, 1, sizeof *D);
    if (!D) return c->err->code;
    double nf;
    pk_code rc = pk_mc_num(c, "_n_features", (double)m->n_features, &nf);
    if (rc) return rc;
    if (!(nf >= 1 && nf < 1e9)) return pk_mc_not_fitted(c, "_n_features");
    rc = pk_mc_features(c, (size_t)nf);
    if (rc) return rc;
    const pk_value *fv = pk_attr(c->obj, "features_");
    if (!fv || fv->kind == PK_NONE) return pk_mc_not_fitted(c, "features_");
    rc = read_indices(c, fv, "features_", m->n_features, &D->feat, &D->n_feat);
    if (rc) return rc;
    rc = read_rule(c, &D->rule);
    if (rc) return rc;
    const char *features = pk_mc_str(c, "features");
    D->error_on_new =
        pk_mc_bool(c, "error_on_new", 1) && !(features && strcmp(features, "all") == 0);
    D->fitted = pk_mc_alloc(c, m->n_features, 1);
    if (!D->fitted) return c->err->code;
    for (size_t k = 0; k < D->n_feat; k++)
        D->fitted[D->feat[k]] = 1;
    if (D->n_feat == 0) return pk_mc_fail(c, "MissingIndicator has no features_ to indicate");
    rc = pk_mc_col_kinds(c, PK_COL_CAT);
    if (rc) return rc;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = D;
    m->nan_ok = 1;
    pk_mc_cell_method(c, PK_TRANSFORM, PK_OUT_ARRAY, D->n_feat, mind_cells);
    m->fn[PK_TRANSFORM] = mind_nums;
    return PK_OK;
}
