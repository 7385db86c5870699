/*
 * pk_model.c - the compile step (class dispatch, generic attributes), scoring entry point and
 * names of the model layer. See pk_model.h for the contract and pk_model_impl.h for how a family
 * compiler plugs in.
 *
 * Memory: a compiled model is one pk_malloc'd box holding the pk_model and the arena that owns
 * everything the model points to (sub-models of pipelines included).
 * Limits: pipeline nesting depth PK_MODEL_MAX_DEPTH; the arena's budget is limits.max_model_bytes
 * (tree ensembles also check it before compiling their trees: pk_mc_reserve).
 */
#include "pk_model_impl.h"

#include "pk_buf.h"
#include "pk_lgbm.h"
#include "pk_ndarray.h"
#include "pk_pyfloat.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PK_MODEL_MAX_DEPTH 16

typedef struct pk_model_box {
    pk_model m;
    pk_arena ar;
} pk_model_box;

const char *pk_method_name(pk_method method) {
    static const char *const names[PK_METHOD_COUNT] = {"predict",           "predict_proba",
                                                       "transform",         "decision_function",
                                                       "predict_log_proba", "score_samples"};
    return (unsigned)method < PK_METHOD_COUNT ? names[method] : "?";
}

const char *pk_model_kind_name(pk_model_kind kind) {
    switch (kind) {
    case PK_MODEL_CLASSIFIER:
        return "classifier";
    case PK_MODEL_REGRESSOR:
        return "regressor";
    case PK_MODEL_CLUSTERER:
        return "clusterer";
    case PK_MODEL_TRANSFORMER:
        return "transformer";
    case PK_MODEL_OUTLIER:
        return "outlier detector";
    case PK_MODEL_ESTIMATOR:
        return "estimator";
    }
    return "?";
}

pk_model_compile_fn pk_model_family_fn(const char *family) {
    if (!family) return NULL;
    for (const pk_model_family *f = pk_model_families; f->family; f++)
        if (strcmp(f->family, family) == 0) return f->compile;
    return NULL;
}

int pk_model_class_known(const char *module, const char *name) {
    const pk_cat_row *row = pk_catalogue_find(module, name);
    return row && row->tier == PK_TIER_SCORABLE && pk_model_family_fn(row->family) != NULL;
}

/* Generic attributes every estimator may have: n_features_in_ and feature_names_in_. */
static pk_code read_generic(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *nf = pk_attr(c->obj, "n_features_in_");
    if (nf && nf->kind != PK_NONE) {
        int64_t n;
        if (pk_as_i64(nf, &n) != PK_OK || n <= 0 || n > (int64_t)1 << 40)
            return pk_mc_fail(c, "%s.n_features_in_ is not a positive integer", m->cls);
        m->n_features = (size_t)n;
    }
    const pk_value *fn = pk_attr(c->obj, "feature_names_in_");
    if (!fn || fn->kind == PK_NONE) return PK_OK;
    size_t n = 0;
    const pk_value *const *items = NULL;
    if (fn->kind == PK_NDARRAY && fn->u.arr->objects && fn->u.arr->ndim == 1) {
        n = fn->u.arr->nobjects - fn->u.arr->obj_base;
        if ((int64_t)n > fn->u.arr->shape[0]) n = (size_t)fn->u.arr->shape[0];
        items = (const pk_value *const *)fn->u.arr->objects + fn->u.arr->obj_base;
    } else if (fn->kind == PK_LIST || fn->kind == PK_TUPLE) {
        n = fn->u.seq.len;
        items = (const pk_value *const *)fn->u.seq.items;
    } else {
        return PK_OK; /* a form we do not read: names are only used for messages and JSON */
    }
    if (m->n_features && n != m->n_features)
        return pk_mc_fail(c, "%s.feature_names_in_ has %zu names for %zu features", m->cls, n,
                          m->n_features);
    char **names = pk_mc_alloc(c, n ? n : 1, sizeof *names);
    if (!names) return c->err->code;
    for (size_t i = 0; i < n; i++) {
        const pk_value *s = items[i];
        if (!s || s->kind != PK_STR) return PK_OK; /* non-string names: ignore them all */
        names[i] = pk_mc_strdup(c, s->u.s.ptr, s->u.s.len);
        if (!names[i]) return c->err->code;
    }
    m->feature_names = names;
    if (!m->n_features) m->n_features = n;
    return PK_OK;
}

/* Compiles obj into a model allocated in `ar`. */
static pk_model *compile_in(pk_arena *ar, const pk_value *obj, int depth, pk_err *err) {
    char tn[128];
    if (depth > PK_MODEL_MAX_DEPTH) {
        pk_err_set(err, PK_EMODEL, -1, -1, "pipelines nested deeper than %d", PK_MODEL_MAX_DEPTH);
        return NULL;
    }
    if (!obj || obj->kind != PK_OBJECT || !obj->u.o.cls || obj->u.o.cls->kind != PK_GLOBAL) {
        pk_err_set(err, PK_EMODEL, -1, -1, "%s is not a scikit-learn estimator",
                   obj ? pk_type_name(obj, tn, sizeof tn) : "nothing");
        return NULL;
    }
    const pk_global *g = &obj->u.o.cls->u.g;
    const pk_cat_row *row = pk_catalogue_find(g->module, g->name);
    pk_model_compile_fn compile =
        row && row->tier == PK_TIER_SCORABLE ? pk_model_family_fn(row->family) : NULL;
    if (!compile) {
        if (row && row->note && row->note[0])
            pk_err_set(err, PK_EMODEL, -1, -1, "%s.%s cannot be scored: %s", row->module, row->name,
                       row->note);
        else if (row)
            pk_err_set(err, PK_EMODEL, -1, -1, "%s.%s cannot be scored yet (see model_supported())",
                       row->module, row->name);
        else
            pk_err_set(err, PK_EMODEL, -1, -1,
                       "unsupported model class %s.%s (not in the catalogue)", g->module, g->name);
        return NULL;
    }
    pk_model *m = pk_arena_calloc(ar, 1, sizeof *m);
    if (!m) {
        pk_err_nomem(err, -1);
        return NULL;
    }
    m->arena = ar;
    snprintf(m->cls, sizeof m->cls, "%s", g->name);
    snprintf(m->module, sizeof m->module, "%s", g->module);
    pk_mc c = {m, obj, err, depth, row->kind};
    if (obj->u.o.state == NULL && obj->u.o.dictitems == NULL) {
        pk_err_set(err, PK_EMODEL, -1, -1, "%s is not fitted (it has no state)", m->cls);
        return NULL;
    }
    if (read_generic(&c) != PK_OK) return NULL;
    if (compile(&c) != PK_OK) {
        if (err->code == PK_OK) pk_err_set(err, PK_EMODEL, -1, -1, "cannot compile %s", m->cls);
        return NULL;
    }
    int any = 0;
    for (int k = 0; k < PK_METHOD_COUNT; k++)
        if (m->shape[k] != PK_OUT_NONE && (m->col_kind ? m->cfn[k] != NULL : m->fn[k] != NULL))
            any = 1;
    if (m->cmap) any = 1;
    if (!any || m->n_features == 0) {
        pk_err_set(err, PK_EMODEL, -1, -1, "%s has nothing to score with", m->cls);
        return NULL;
    }
    if (strncmp(g->module, "xgboost", 7) == 0) m->sparse_missing = 1;
    return m;
}

pk_model *pk_mc_submodel(pk_mc *c, const pk_value *obj) {
    pk_model *s = compile_in(c->m->arena, obj, c->depth + 1, c->err);
    if (s && s->sparse_missing) c->m->sparse_missing = 1;
    return s;
}

pk_model *pk_model_compile(const pk_alloc *a, const pk_value *root, pk_err *err) {
    return pk_model_compile_lim(a, root, NULL, err);
}

pk_model *pk_model_compile_lim(const pk_alloc *a, const pk_value *root, const pk_limits *lim,
                               pk_err *err) {
    pk_limits def;
    if (!lim) {
        pk_limits_default(&def);
        lim = &def;
    }
    pk_model_box *box = pk_malloc(a, sizeof *box);
    if (!box) {
        pk_err_nomem(err, -1);
        return NULL;
    }
    pk_arena_init(&box->ar, a, (size_t)lim->max_model_bytes);
    pk_model *m = compile_in(&box->ar, root, 0, err);
    if (!m) {
        pk_arena_free(&box->ar);
        pk_free(a, box);
        return NULL;
    }
    box->m = *m; /* the top-level model lives in the box; sub-models stay in the arena */
    box->m.arena = &box->ar;
    return &box->m;
}

void pk_model_describe(pk_buf *b, const pk_value *root, const pk_limits *lim, const pk_alloc *a) {
    pk_lgbm_describe(b, root, lim, a);
}

void pk_model_free(pk_model *m) {
    if (!m) return;
    pk_model_box *box = (pk_model_box *)(void *)m;
    const pk_alloc *a = box->ar.alloc;
    pk_arena_free(&box->ar);
    pk_free(a, box);
}

size_t pk_model_scratch_len(const pk_model *m) {
    return m->scratch ? m->scratch : 1;
}

size_t pk_model_out_len(const pk_model *m) {
    size_t w = 1;
    for (int k = 0; k < PK_METHOD_COUNT; k++)
        if (m->width[k] > w) w = m->width[k];
    return w;
}

static pk_code no_method(const pk_model *m, pk_method method, pk_err *err);

pk_code pk_model_check_input(const pk_model *m, const double *x, const pk_model *names,
                             pk_err *err) {
    for (size_t i = 0; i < m->n_features; i++) {
        double v = x[i];
        if (isfinite(v)) continue;
        const char *what = isnan(v) ? "NULL" : "infinite";
        if (isnan(v) && m->nan_ok) continue;
        const char *name =
            names && names->feature_names && i < names->n_features ? names->feature_names[i] : NULL;
        const char *head = isnan(v) ? "cannot take missing values" : "cannot take infinities";
        if (name)
            return pk_err_set(err, PK_EFEATURE, -1, -1, "%s %s: feature %zu ('%s') is %s", m->cls,
                              head, i + 1, name, what);
        return pk_err_set(err, PK_EFEATURE, -1, -1, "%s %s: feature %zu is %s", m->cls, head, i + 1,
                          what);
    }
    return PK_OK;
}

/* PK_OK when `method` is available, else its error. */
static pk_code method_available(const pk_model *m, pk_method method, pk_err *err) {
    if ((unsigned)method >= PK_METHOD_COUNT || m->shape[method] == PK_OUT_NONE || !m->fn[method]) {
        if (m->col_kind && (unsigned)method < PK_METHOD_COUNT && m->cfn[method])
            return pk_err_set(err, PK_EMODEL, -1, -1, "%s takes typed rows (pk_model_run_cells)",
                              m->cls);
        return no_method(m, method, err);
    }
    return PK_OK;
}

pk_code pk_model_run(const pk_model *m, pk_method method, const double *x, double *scratch,
                     double *out, pk_err *err) {
    pk_code rc = method_available(m, method, err);
    if (rc != PK_OK) return rc;
    rc = pk_model_check_input(m, x, m, err);
    if (rc != PK_OK) return rc;
    return m->fn[method](m, x, scratch, out, err);
}

pk_code pk_model_run_finite(const pk_model *m, pk_method method, const double *x, double *scratch,
                            double *out, pk_err *err) {
    pk_code rc = method_available(m, method, err);
    if (rc != PK_OK) return rc;
    return m->fn[method](m, x, scratch, out, err);
}

size_t pk_model_block_scratch_len(const pk_model *m) {
    size_t s = pk_model_scratch_len(m);
    return m->block_scratch > s ? m->block_scratch : s;
}

int pk_model_has_block(const pk_model *m, pk_method method) {
    return (unsigned)method < PK_METHOD_COUNT && m->block_fn[method] != NULL &&
           m->shape[method] != PK_OUT_NONE;
}

pk_code pk_model_run_block(const pk_model *m, pk_method method, const double *X, size_t n,
                           double *scratch, double *out, size_t *bad, pk_err *err) {
    *bad = 0;
    pk_code rc = method_available(m, method, err);
    if (rc != PK_OK) return rc;
    size_t nf = m->n_features, w = m->width[method];
    for (size_t r0 = 0; r0 < n; r0 += PK_BLOCK_ROWS) {
        size_t k = n - r0 < PK_BLOCK_ROWS ? n - r0 : PK_BLOCK_ROWS;
        const double *Xb = X + r0 * nf;
        double *ob = out + r0 * w;
        size_t r = 0;
        for (; r < k; r++) { /* the row kernel's input check, row by row */
            rc = pk_model_check_input(m, Xb + r * nf, m, err);
            if (rc != PK_OK) break;
        }
        size_t good = r;
        if (good && m->block_fn[method]) {
            size_t b = 0;
            pk_code brc = m->block_fn[method](m, Xb, good, scratch, ob, &b, err);
            if (brc != PK_OK) {
                *bad = r0 + b;
                return brc;
            }
        } else {
            for (size_t i = 0; i < good; i++) {
                pk_code frc = m->fn[method](m, Xb + i * nf, scratch, ob + i * w, err);
                if (frc != PK_OK) {
                    *bad = r0 + i;
                    return frc;
                }
            }
        }
        if (rc != PK_OK) {
            *bad = r0 + good;
            return rc;
        }
    }
    return PK_OK;
}

/* "feature 3 ('age')" or "feature 3" into buf. */
static const char *feature_label(const pk_model *names, size_t j, char *buf, size_t cap) {
    if (names && names->feature_names && j < names->n_features)
        snprintf(buf, cap, "feature %zu ('%s')", j + 1, names->feature_names[j]);
    else
        snprintf(buf, cap, "feature %zu", j + 1);
    return buf;
}

pk_code pk_cell_number(const pk_model *names, size_t j, const pk_cell *c, double *out,
                       pk_err *err) {
    switch (c->type) {
    case PK_CELL_NUM:
        *out = c->num;
        return PK_OK;
    case PK_CELL_NULL:
        *out = NAN;
        return PK_OK;
    case PK_CELL_TEXT:
        if (pk_pyfloat(c->s, c->len, out)) return PK_OK;
        break;
    }
    char lab[200];
    int shown = c->len > 40 ? 40 : (int)c->len;
    return pk_err_set(err, PK_EFEATURE, -1, -1, "%s is '%.*s%s', not a number",
                      feature_label(names, j, lab, sizeof lab), shown, c->s,
                      c->len > 40 ? "..." : "");
}

pk_code pk_model_cells_to_x(const pk_model *names, const pk_cell *row, size_t n,
                            const size_t *col_index, double *x, pk_err *err) {
    for (size_t j = 0; j < n; j++) {
        if (row[j].type == PK_CELL_NUM) { /* the common case first */
            x[j] = row[j].num;
            continue;
        }
        pk_code rc = pk_cell_number(names, col_index ? col_index[j] : j, &row[j], &x[j], err);
        if (rc) return rc;
    }
    return PK_OK;
}

static pk_code no_method(const pk_model *m, pk_method method, pk_err *err) {
    if ((unsigned)method < PK_METHOD_COUNT && m->why_not[method])
        return pk_err_set(err, PK_EMODEL, -1, -1, "%s has no %s: %s", m->cls,
                          pk_method_name(method), m->why_not[method]);
    return pk_err_set(err, PK_EMODEL, -1, -1, "%s has no %s", m->cls, pk_method_name(method));
}

pk_code pk_model_step(const pk_model *s, pk_method meth, const pk_cell *row, double *xbuf,
                      double *scratch, double *out, const pk_model *names, const size_t *col_index,
                      pk_err *err) {
    if (s->col_kind) return s->cfn[meth](s, row, scratch, out, err);
    pk_code rc = pk_model_cells_to_x(names, row, s->n_features, col_index, xbuf, err);
    if (rc) return rc;
    rc = pk_model_check_input(s, xbuf, s->feature_names ? s : NULL, err);
    if (rc) return rc;
    return s->fn[meth](s, xbuf, scratch, out, err);
}

pk_code pk_model_run_cells(const pk_model *m, pk_method method, const pk_cell *row, double *x,
                           double *scratch, double *out, pk_err *err) {
    if (!m->col_kind) {
        pk_code rc = pk_model_cells_to_x(m, row, m->n_features, NULL, x, err);
        if (rc) return rc;
        return pk_model_run(m, method, x, scratch, out, err);
    }
    if ((unsigned)method >= PK_METHOD_COUNT || m->shape[method] == PK_OUT_NONE || !m->cfn[method])
        return no_method(m, method, err);
    return m->cfn[method](m, row, scratch, out, err);
}

pk_code pk_model_run_text(const pk_model *m, pk_method method, const uint8_t *doc, size_t n,
                          struct pk_text_ws *ws, double *scratch, double *out, pk_sparse *sv,
                          pk_err *err) {
    if (!m->text_input || !m->text_fn)
        return pk_err_set(err, PK_EMODEL, -1, -1, "%s takes numbers, not a document", m->cls);
    if ((unsigned)method >= PK_METHOD_COUNT || m->shape[method] == PK_OUT_NONE)
        return no_method(m, method, err);
    return m->text_fn(m, method, doc, n, ws, scratch + PK_WS_DOUBLES, out, sv, err);
}

double pk_np_logaddexp(double x, double y) {
    if (x == y) return x + 0.693147180559945309417232121458176568;
    double d = x - y;
    if (d > 0) return x + log1p(exp(-d));
    if (d <= 0) return y + log1p(exp(d));
    return d;
}

double pk_np_sum(const double *a, size_t n) {
    if (n < 8) {
        double res = 0.0;
        for (size_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        size_t i;
        for (i = 0; i < 8; i++)
            r[i] = a[i];
        for (i = 8; i < n - (n % 8); i += 8)
            for (size_t j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pk_np_sum(a, n2) + pk_np_sum(a + n2, n - n2);
}

void pk_softmax_row(double *v, size_t n) {
    double mx = v[0];
    for (size_t i = 1; i < n; i++)
        if (v[i] > mx || isnan(v[i])) mx = v[i];
    for (size_t i = 0; i < n; i++)
        v[i] = exp(v[i] - mx);
    double s = pk_np_sum(v, n);
    for (size_t i = 0; i < n; i++)
        v[i] /= s;
}
