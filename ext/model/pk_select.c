/*
 * pk_select.c - the feature selectors of sklearn.feature_selection: transform keeps the columns
 * of the support mask, computed once at compile time exactly as each class's _get_support_mask
 * (scikit-learn 1.2) computes it:
 *   VarianceThreshold          variances_ > threshold
 *   SelectKBest                the k last indices of a stable ascending sort of scores_ (NaN
 *                              scores count as the lowest double; ties keep the later indices)
 *   SelectPercentile           scores_ > np.percentile(scores_, 100 - percentile) (linear
 *                              method, numpy's lerp), then ties at the threshold in index order
 *                              up to int(n * percentile / 100) features
 *   SelectFpr / SelectFwe      pvalues_ < alpha / pvalues_ < alpha / n
 *   SelectFdr                  pvalues_ <= the largest sorted p-value below alpha / n * rank
 *   GenericUnivariateSelect    one of the above by mode and param
 *   SelectFromModel            importances from estimator_'s coef_ (|coef_|, or the norm_order
 *                              norm over classes), a stored feature_importances_, or those
 *                              tree models compute from their trees (pk_importances.c); the
 *                              threshold (a number, 'mean', 'median', 'k*mean', default 1e-5
 *                              for l1-penalised models and 'mean' otherwise); max_features_
 *                              first by a stable descending sort
 *   RFE, RFECV, SequentialFeatureSelector   support_
 * RFE and RFECV also predict, predict_proba and decision_function through estimator_ on the
 * selected columns. Missing values: VarianceThreshold passes them (allow_nan); the univariate
 * selectors refuse them; the model-based ones follow their estimator (HistGradientBoosting takes
 * them, RFE's estimator_ as compiled; SequentialFeatureSelector's unfitted estimator's
 * allow_nan tag, set only for HistGradientBoosting).
 */
#include "pk_meta.h"
#include "pk_preproc.h"
#include "pk_trees.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pk_select {
    size_t n_in, n_out;
    size_t *keep;
    int32_t *remap; /* n_in: each input column's output column, -1 when dropped */
    pk_model *est;  /* RFE/RFECV estimator_, else NULL */
} pk_select;

static pk_code select_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_select *S = m->impl;
    for (size_t k = 0; k < S->n_out; k++)
        out[k] = x[S->keep[k]];
    return PK_OK;
}

/* The selected entries of sparse row x into out (room for cap; out may be x itself: entries
 * only move down), in data order, columns renumbered: scipy's X[:, support] of a CSR row. */
static pk_code select_sparse(const pk_model *m, const pk_sparse *x, pk_sparse *out, size_t cap,
                             pk_err *err) {
    const pk_select *S = m->impl;
    size_t k = 0;
    for (size_t i = 0; i < x->nnz; i++) {
        if (x->idx[i] >= S->n_in)
            return pk_err_set(err, PK_EFEATURE, -1, -1, "%s: column %u is beyond its %zu features",
                              m->cls, x->idx[i], S->n_in);
        int32_t to = S->remap[x->idx[i]];
        if (to < 0) continue;
        if (k == cap)
            return pk_err_set(err, PK_EFEATURE, -1, -1, "%s: the sparse row repeats a column",
                              m->cls);
        out->idx[k] = (uint32_t)to;
        out->val[k++] = x->val[i];
    }
    out->nnz = k;
    out->f32 = x->f32;
    return PK_OK;
}

/* On a sparse row (after a text vectorizer), in place. */
static pk_code select_stf(const pk_model *m, pk_sparse *x, pk_err *err) {
    return select_sparse(m, x, x, x->nnz, err);
}

static pk_code select_then(const pk_model *m, pk_method meth, const double *x, double *scratch,
                           double *out, pk_err *err) {
    const pk_select *S = m->impl;
    select_transform(m, x, NULL, scratch, err);
    pk_code rc = pk_model_check_input(S->est, scratch, NULL, err);
    if (rc) return rc;
    return S->est->fn[meth](S->est, scratch, scratch + S->n_out, out, err);
}
static pk_code sel_predict(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return select_then(m, PK_PREDICT, x, s, o, e);
}
static pk_code sel_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return select_then(m, PK_PREDICT_PROBA, x, s, o, e);
}
static pk_code sel_decision(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return select_then(m, PK_DECISION, x, s, o, e);
}
static pk_code sel_log_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return select_then(m, PK_PREDICT_LOG_PROBA, x, s, o, e);
}
static pk_code sel_score(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return select_then(m, PK_SCORE_SAMPLES, x, s, o, e);
}

/* RFE/RFECV on a sparse row: the selected entries into scratch, then estimator_'s sparse
 * kernel. */
static pk_code select_then_sparse(const pk_model *m, pk_method meth, const pk_sparse *x,
                                  double *scratch, double *out, pk_err *err) {
    const pk_select *S = m->impl;
    pk_sparse sub = {0, (uint32_t *)(void *)(scratch + S->n_out), scratch, 0};
    pk_code rc = select_sparse(m, x, &sub, S->n_out, err);
    if (rc) return rc;
    return S->est->sfn[meth](S->est, &sub, scratch + S->n_out + S->n_out / 2 + 1, out, err);
}
static pk_code sel_spredict(const pk_model *m, const pk_sparse *x, double *s, double *o,
                            pk_err *e) {
    return select_then_sparse(m, PK_PREDICT, x, s, o, e);
}
static pk_code sel_sproba(const pk_model *m, const pk_sparse *x, double *s, double *o, pk_err *e) {
    return select_then_sparse(m, PK_PREDICT_PROBA, x, s, o, e);
}
static pk_code sel_sdecision(const pk_model *m, const pk_sparse *x, double *s, double *o,
                             pk_err *e) {
    return select_then_sparse(m, PK_DECISION, x, s, o, e);
}

/* ---- masks ---------------------------------------------------------------------------------- */

/* A 1-D attribute of n values (n fixed by the first one read when *n == 0). */
static pk_code vec_attr(pk_mc *c, const char *attr, size_t *n, const double **out) {
    pk_mc_arr a;
    pk_code rc = pk_mc_array(c, attr, 1, &a);
    if (rc) return rc;
    if (a.ndim != 1) return pk_mc_fail(c, "%s.%s is not a 1-D array", c->m->cls, attr);
    if (*n && a.n != *n)
        return pk_mc_fail(c, "%s.%s has %zu values, expected %zu", c->m->cls, attr, a.n, *n);
    *n = a.n;
    *out = a.v;
    return PK_OK;
}

typedef struct keyed {
    double v;
    size_t i;
} keyed;

/* By value, then by index: a stable sort. */
static int cmp_keyed(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    if (a->v < b->v) return -1;
    if (a->v > b->v) return 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Indices of v in the order of a stable sort, ascending (or descending: by -v, like
 * np.argsort(-v, kind='mergesort')). NaN never occurs: callers clean it. */
static size_t *stable_order(pk_mc *c, const double *v, size_t n, int desc) {
    size_t *order = pk_mc_alloc(c, n, sizeof *order);
    keyed *k = pk_mc_alloc(c, n, sizeof *k);
    if (!order || !k) return NULL;
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed){desc ? -v[i] : v[i], i};
    qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < n; i++)
        order[i] = k[i].i;
    return order;
}

static int cmp_dbl(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* _clean_nans: NaN scores become the lowest double. */
static double *clean_scores(pk_mc *c, const double *s, size_t n) {
    double *v = pk_mc_alloc(c, n, sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = isnan(s[i]) ? -DBL_MAX : s[i];
    return v;
}

static pk_code mask_kbest(pk_mc *c, const double *scores, size_t n, double k, int all,
                          uint8_t *mask) {
    if (all) {
        memset(mask, 1, n);
        return PK_OK;
    }
    if (!(k >= 0 && k <= (double)n && k == floor(k)))
        return pk_mc_fail(c, "%s.k is %g for %zu features", c->m->cls, k, n);
    double *v = clean_scores(c, scores, n);
    size_t *order = v ? stable_order(c, v, n, 0) : NULL;
    if (!order) return c->err->code;
    for (size_t i = n - (size_t)k; i < n; i++)
        mask[order[i]] = 1;
    return PK_OK;
}

/* np.percentile(v, q) with the linear method, as numpy 1.24 computes it. */
static double np_percentile(double *sorted, size_t n, double q) {
    double vi = (double)(n - 1) * (q / 100.0);
    double prev = floor(vi);
    size_t ia, ib;
    if (vi >= (double)(n - 1)) {
        prev = -1;
        ia = ib = n - 1;
    } else if (vi < 0) {
        prev = 0;
        ia = ib = 0;
    } else {
        ia = (size_t)prev;
        ib = ia + 1;
    }
    double gamma = vi - prev;
    double a = sorted[ia], b = sorted[ib], diff = b - a;
    return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

static pk_code mask_percentile(pk_mc *c, const double *scores, size_t n, double pct,
                               uint8_t *mask) {
    if (!(pct >= 0 && pct <= 100)) return pk_mc_fail(c, "%s.percentile is %g", c->m->cls, pct);
    if (pct == 100) {
        memset(mask, 1, n);
        return PK_OK;
    }
    if (pct == 0) return PK_OK;
    double *v = clean_scores(c, scores, n);
    double *s = pk_mc_alloc(c, n, sizeof *s);
    if (!v || !s) return c->err->code;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_dbl);
    double thr = np_percentile(s, n, 100 - pct);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > thr) mask[i] = 1, kept++;
    double maxf = floor((double)n * pct / 100);
    for (size_t i = 0; i < n && (double)kept < maxf; i++)
        if (v[i] == thr) mask[i] = 1, kept++;
    return PK_OK;
}

static pk_code mask_pvalues(pk_mc *c, const char *mode, const double *p, size_t n, double alpha,
                            uint8_t *mask) {
    if (strcmp(mode, "fpr") == 0) {
        for (size_t i = 0; i < n; i++)
            mask[i] = p[i] < alpha;
    } else if (strcmp(mode, "fwe") == 0) {
        for (size_t i = 0; i < n; i++)
            mask[i] = p[i] < alpha / (double)n;
    } else { /* fdr */
        double *s = pk_mc_alloc(c, n, sizeof *s);
        if (!s) return c->err->code;
        memcpy(s, p, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_dbl);
        int any = 0;
        double best = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i] <= alpha / (double)n * (double)(i + 1) && (!any || s[i] > best))
                best = s[i], any = 1;
        for (size_t i = 0; i < n && any; i++)
            mask[i] = p[i] <= best;
    }
    return PK_OK;
}

/* A univariate selector's mask: kind "k_best", "percentile", "fpr", "fdr" or "fwe". */
static pk_code mask_univariate(pk_mc *c, const char *kind, const pk_value *param, uint8_t *mask,
                               size_t *n) {
    const double *scores = NULL, *pvalues = NULL;
    pk_code rc = vec_attr(c, "scores_", n, &scores);
    if (rc) return rc;
    double p = 0;
    int all = param && param->kind == PK_STR && strcmp(param->u.s.ptr, "all") == 0;
    if (!all && param && pk_as_f64(param, &p) != PK_OK)
        return pk_mc_fail(c, "%s has a non-numeric selection parameter", c->m->cls);
    uint8_t *mk = mask;
    if (strcmp(kind, "k_best") == 0) {
        if (!param) p = 10;
        rc = mask_kbest(c, scores, *n, p, all, mk);
    } else if (strcmp(kind, "percentile") == 0) {
        if (!param) p = 10;
        rc = mask_percentile(c, scores, *n, p, mk);
    } else if (strcmp(kind, "fpr") == 0 || strcmp(kind, "fdr") == 0 || strcmp(kind, "fwe") == 0) {
        rc = vec_attr(c, "pvalues_", n, &pvalues);
        if (!param) p = 5e-2;
        if (!rc) rc = mask_pvalues(c, kind, pvalues, *n, p, mk);
    } else {
        return pk_mc_fail(c, "%s has an unknown mode '%s'", c->m->cls, kind);
    }
    return rc;
}

/* np.median of v (n > 0): the middle value, or the mean of the two middle values. */
static double np_median(pk_mc *c, const double *v, size_t n) {
    double *s = pk_mc_alloc(c, n, sizeof *s);
    if (!s) return NAN;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_dbl);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/* The threshold SelectFromModel computes (_calculate_threshold). */
static pk_code from_model_threshold(pk_mc *c, const pk_value *est, const double *imp, size_t n,
                                    double *thr) {
    const pk_value *t = pk_attr(c->obj, "threshold");
    char buf[64];
    if (!t || t->kind == PK_NONE) {
        const char *cls = est->u.o.cls->u.g.name;
        const pk_value *pen = pk_attr(est, "penalty");
        int l1 = pen && pen->kind == PK_STR && strcmp(pen->u.s.ptr, "l1") == 0;
        if (strstr(cls, "Lasso")) l1 = 1;
        if (strstr(cls, "ElasticNet")) {
            double r = 0;
            const pk_value *lr = pk_attr(est, "l1_ratio_");
            if (!lr || pk_as_f64(lr, &r) != PK_OK) lr = pk_attr(est, "l1_ratio");
            if (lr && pk_as_f64(lr, &r) == PK_OK && fabs(r - 1.0) <= 1e-8 + 1e-5) l1 = 1;
        }
        if (l1) {
            *thr = 1e-5;
            return PK_OK;
        }
        snprintf(buf, sizeof buf, "mean");
    } else if (t->kind == PK_STR) {
        snprintf(buf, sizeof buf, "%s", t->u.s.ptr);
    } else {
        if (pk_as_f64(t, thr) != PK_OK)
            return pk_mc_fail(c, "SelectFromModel.threshold is not a number or a string");
        return PK_OK;
    }
    double scale = 1.0;
    char *ref = buf, *star = strchr(buf, '*');
    if (star) {
        *star = 0;
        char *end;
        scale = strtod(buf, &end);
        while (*end == ' ')
            end++;
        if (end == buf || *end) return pk_mc_fail(c, "SelectFromModel.threshold is malformed");
        ref = star + 1;
        while (*ref == ' ')
            ref++;
        size_t len = strlen(ref);
        while (len && ref[len - 1] == ' ')
            ref[--len] = 0;
    }
    double r;
    if (strcmp(ref, "mean") == 0)
        r = pk_np_sum(imp, n) / (double)n;
    else if (strcmp(ref, "median") == 0)
        r = np_median(c, imp, n);
    else
        return pk_mc_fail(c, "SelectFromModel.threshold '%s' is not supported", ref);
    if (c->err->code) return c->err->code;
    *thr = star ? scale * r : r;
    return PK_OK;
}

/* SelectFromModel's importances (transform_func='norm'), n values. */
static pk_code from_model_importances(pk_mc *c, const pk_value *est, size_t *n, double **out) {
    const pk_value *g = pk_attr(c->obj, "importance_getter");
    const char *getter = g && g->kind == PK_STR ? g->u.s.ptr : "auto";
    const pk_value *v = NULL;
    if (strcmp(getter, "auto") == 0) {
        v = pk_attr(est, "coef_");
        if (!v || v->kind == PK_NONE) v = pk_attr(est, "feature_importances_");
    } else if (strcmp(getter, "coef_") == 0 || strcmp(getter, "feature_importances_") == 0) {
        v = pk_attr(est, getter);
    } else {
        return pk_mc_fail(c, "SelectFromModel.importance_getter '%s' is not supported", getter);
    }
    pk_mc_arr a;
    pk_code rc;
    if (!v || v->kind == PK_NONE) {
        /* tree models compute feature_importances_ from their trees on access */
        double nf;
        const pk_value *nfv = pk_attr(est, "n_features_in_");
        if (strcmp(getter, "coef_") == 0 || !nfv || pk_as_f64(nfv, &nf) != PK_OK ||
            !(nf >= 1 && nf <= 1e8 && nf == floor(nf)))
            return pk_mc_fail(c, "SelectFromModel: estimator_ %s has no %s", est->u.o.cls->u.g.name,
                              strcmp(getter, "coef_") == 0 ? "coef_" : "feature_importances_");
        a = (pk_mc_arr){.ndim = 1, .rows = 1, .cols = (size_t)nf, .n = (size_t)nf};
        a.v = pk_mc_alloc(c, a.n, sizeof(double));
        if (!a.v) return c->err->code;
        rc = pk_feature_importances(c, est, a.n, a.v);
    } else {
        rc = pk_mc_array_of(c, v, "estimator_.coef_", &a);
    }
    if (rc) return rc;
    double order;
    rc = pk_mc_num(c, "norm_order", 1, &order);
    if (rc) return rc;
    size_t cols = a.ndim == 2 ? a.cols : a.n;
    double *imp = pk_mc_alloc(c, cols ? cols : 1, sizeof *imp);
    if (!imp) return c->err->code;
    if (a.ndim < 2) {
        for (size_t j = 0; j < cols; j++)
            imp[j] = fabs(a.v[j]);
    } else {
        for (size_t j = 0; j < cols; j++) {
            double s = order == INFINITY ? -INFINITY : order == -INFINITY ? INFINITY : 0.0;
            for (size_t i = 0; i < a.rows; i++) {
                double e = fabs(a.v[i * cols + j]);
                if (order == INFINITY)
                    s = e > s ? e : s;
                else if (order == -INFINITY)
                    s = e < s ? e : s;
                else if (order == 1)
                    s += e;
                else if (order == 2)
                    s += e * e;
                else
                    s += pow(e, order);
            }
            imp[j] = order == 2 ? sqrt(s) : isinf(order) || order == 1 ? s : pow(s, 1.0 / order);
        }
    }
    *n = cols;
    *out = imp;
    return PK_OK;
}

static pk_code mask_from_model(pk_mc *c, uint8_t **mask, size_t *n) {
    const pk_value *est = pk_attr(c->obj, "estimator_");
    if (!est || est->kind != PK_OBJECT || !est->u.o.cls || est->u.o.cls->kind != PK_GLOBAL)
        return pk_mc_not_fitted(c, "estimator_");
    double *imp = NULL;
    pk_code rc = from_model_importances(c, est, n, &imp);
    if (rc) return rc;
    if (*n == 0) return pk_mc_fail(c, "SelectFromModel has no features");
    double thr;
    rc = from_model_threshold(c, est, imp, *n, &thr);
    if (rc) return rc;
    *mask = pk_mc_alloc(c, *n, 1);
    if (!*mask) return c->err->code;
    const pk_value *mf = pk_attr(c->obj, "max_features");
    if (mf && mf->kind != PK_NONE) {
        double k;
        rc = pk_mc_num(c, "max_features_", -1, &k);
        if (!rc && k < 0 && pk_as_f64(mf, &k) != PK_OK) k = -1;
        if (rc) return rc;
        if (!(k >= 0 && k == floor(k)))
            return pk_mc_fail(c, "SelectFromModel.max_features_ is not an integer");
        size_t *order = stable_order(c, imp, *n, 1);
        if (!order) return c->err->code;
        for (size_t i = 0; i < *n && (double)i < k; i++)
            (*mask)[order[i]] = 1;
    } else {
        memset(*mask, 1, *n);
    }
    for (size_t i = 0; i < *n; i++)
        if (imp[i] < thr) (*mask)[i] = 0;
    /* missing values pass when the estimator takes them (allow_nan) */
    const pk_cat_row *row = pk_catalogue_find(est->u.o.cls->u.g.module, est->u.o.cls->u.g.name);
    c->m->nan_ok = row && row->family && strcmp(row->family, "hgb") == 0;
    return PK_OK;
}

/* support_ as a boolean mask. */
static pk_code mask_support(pk_mc *c, uint8_t **mask, size_t *n) {
    const double *s;
    *n = 0;
    pk_code rc = vec_attr(c, "support_", n, &s);
    if (rc) return rc;
    *mask = pk_mc_alloc(c, *n ? *n : 1, 1);
    if (!*mask) return c->err->code;
    for (size_t i = 0; i < *n; i++)
        (*mask)[i] = s[i] != 0;
    return PK_OK;
}

static pk_code compute_mask(pk_mc *c, uint8_t **mask, size_t *n) {
    const char *cls = c->m->cls;
    *n = 0;
    if (strcmp(cls, "VarianceThreshold") == 0) {
        const double *var;
        double thr;
        pk_code rc = vec_attr(c, "variances_", n, &var);
        if (!rc) rc = pk_mc_num(c, "threshold", 0, &thr);
        if (rc) return rc;
        *mask = pk_mc_alloc(c, *n ? *n : 1, 1);
        if (!*mask) return c->err->code;
        for (size_t i = 0; i < *n; i++)
            (*mask)[i] = var[i] > thr;
        c->m->nan_ok = 1;
        return PK_OK;
    }
    if (strcmp(cls, "SelectFromModel") == 0) return mask_from_model(c, mask, n);
    if (strcmp(cls, "RFE") == 0 || strcmp(cls, "RFECV") == 0) return mask_support(c, mask, n);
    if (strcmp(cls, "SequentialFeatureSelector") == 0) {
        /* missing values pass when its (unfitted) estimator's allow_nan tag is set */
        const pk_value *e = pk_attr(c->obj, "estimator");
        const pk_cat_row *row =
            e && e->kind == PK_OBJECT && e->u.o.cls && e->u.o.cls->kind == PK_GLOBAL
                ? pk_catalogue_find(e->u.o.cls->u.g.module, e->u.o.cls->u.g.name)
                : NULL;
        c->m->nan_ok = row && row->family && strcmp(row->family, "hgb") == 0;
        return mask_support(c, mask, n);
    }
    const char *kind;
    const pk_value *param;
    if (strcmp(cls, "GenericUnivariateSelect") == 0) {
        kind = pk_mc_str(c, "mode");
        if (!kind) kind = "percentile";
        param = pk_attr(c->obj, "param");
        if (!param || param->kind == PK_NONE) param = NULL;
    } else {
        kind = strcmp(cls, "SelectKBest") == 0        ? "k_best"
               : strcmp(cls, "SelectPercentile") == 0 ? "percentile"
               : strcmp(cls, "SelectFpr") == 0        ? "fpr"
               : strcmp(cls, "SelectFdr") == 0        ? "fdr"
                                                      : "fwe";
        param = pk_attr(c->obj, strcmp(kind, "k_best") == 0       ? "k"
                                : strcmp(kind, "percentile") == 0 ? "percentile"
                                                                  : "alpha");
    }
    const double *scores;
    pk_code rc = vec_attr(c, "scores_", n, &scores);
    if (rc) return rc;
    *mask = pk_mc_alloc(c, *n ? *n : 1, 1);
    if (!*mask) return c->err->code;
    return mask_univariate(c, kind, param, *mask, n);
}

pk_code pk_compile_selector(pk_mc *c) {
    pk_model *m = c->m;
    uint8_t *mask = NULL;
    size_t n = 0;
    pk_code rc = compute_mask(c, &mask, &n);
    if (rc) return rc;
    rc = pk_mc_features(c, n);
    if (rc) return rc;
    pk_select *S = pk_mc_alloc(c, 1, sizeof *S);
    if (!S) return c->err->code;
    S->n_in = n;
    S->keep = pk_mc_alloc(c, n, sizeof *S->keep);
    if (!S->keep) return c->err->code;
    for (size_t i = 0; i < n; i++)
        if (mask[i]) S->keep[S->n_out++] = i;
    if (S->n_out == 0) return pk_mc_fail(c, "%s selects no features", m->cls);
    if (n <= INT32_MAX) {
        S->remap = pk_mc_alloc(c, n, sizeof *S->remap);
        if (!S->remap) return c->err->code;
        for (size_t i = 0; i < n; i++)
            S->remap[i] = -1;
        for (size_t k = 0; k < S->n_out; k++)
            S->remap[S->keep[k]] = (int32_t)k;
    }
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = S;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, S->n_out, select_transform);
    /* a sparse -> sparse step in a text pipeline (pk_vectorizer.c) */
    if (S->remap) m->stf = select_stf;
    if (strcmp(m->cls, "RFE") == 0 || strcmp(m->cls, "RFECV") == 0) {
        const pk_value *ev = pk_attr(c->obj, "estimator_");
        if (!ev || ev->kind == PK_NONE) return pk_mc_not_fitted(c, "estimator_");
        S->est = pk_mc_submodel(c, ev);
        if (!S->est) return c->err->code;
        /* estimator_ reads the selected columns: numbers only */
        pk_code trc = pk_meta_numeric(c, S->est, "estimator_");
        if (trc) return trc;
        if (S->est->n_features != S->n_out && !S->est->any_width)
            return pk_mc_fail(c, "%s.estimator_ expects %zu features, support_ selects %zu", m->cls,
                              S->est->n_features, S->n_out);
        static const pk_model_fn fns[PK_METHOD_COUNT] = {sel_predict,  sel_proba,     NULL,
                                                         sel_decision, sel_log_proba, sel_score};
        static const pk_sparse_fn sfns[PK_METHOD_COUNT] = {sel_spredict, sel_sproba, NULL,
                                                           sel_sdecision};
        const pk_model *e = S->est;
        for (int k = 0; k < PK_METHOD_COUNT; k++) {
            if (k == PK_TRANSFORM) continue;
            m->why_not[k] = e->why_not[k];
            if (e->shape[k] != PK_OUT_NONE)
                pk_mc_method(c, (pk_method)k, e->shape[k], e->width[k], fns[k]);
            if (e->shape[k] != PK_OUT_NONE && e->sfn[k] && S->remap) m->sfn[k] = sfns[k];
        }
        m->kind = e->kind == PK_MODEL_TRANSFORMER ? PK_MODEL_TRANSFORMER : e->kind;
        m->proba_groups = e->proba_groups;
        m->proba_group = e->proba_group;
        m->label_type = e->label_type;
        m->n_classes = e->n_classes;
        m->class_i = e->class_i;
        m->class_f = e->class_f;
        m->class_s = e->class_s;
        m->nan_ok = e->nan_ok;
        /* the selected row (dense: n_out values; sparse: n_out values and indices), then
         * estimator_'s scratch */
        m->scratch = S->n_out + S->n_out / 2 + 1 + (e->scratch ? e->scratch : 1);
    }
    return PK_OK;
}
