/*
 * pk_preprocess.c - element-wise and row-wise scalers of sklearn.preprocessing:
 *   StandardScaler  x - mean_ (with_mean), then / scale_ (with_std)
 *   MinMaxScaler    x * scale_ + min_, then clipped to feature_range when clip
 *   MaxAbsScaler    x / scale_
 *   RobustScaler    x - center_ (with_centering), then / scale_ (with_scaling)
 *   Normalizer      x / norm(x) with l1 (numpy pairwise sum of |x|), l2 (sqrt of the left-to-right
 *                   sum of squares, like row_norms' einsum) or max; norms below 10 * DBL_EPSILON
 *                   count as 1 (_handle_zeros_in_scale)
 *   Binarizer       1 where x > threshold, else 0
 * The four scalers take NaN and pass it through (force_all_finite='allow-nan'); Normalizer and
 * Binarizer refuse it, as scikit-learn does.
 */
#include "pk_model_impl.h"

#include <float.h>
#include <math.h>
#include <string.h>

typedef struct pk_scaler {
    size_t n;
    const double *sub, *mul, *add, *div; /* each n values or NULL */
    int clip;
    double lo, hi;
} pk_scaler;

static pk_code scaler_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_scaler *S = m->impl;
    for (size_t j = 0; j < S->n; j++) {
        double v = x[j];
        if (S->sub) v -= S->sub[j];
        if (S->mul) v *= S->mul[j];
        if (S->add) v += S->add[j];
        if (S->div) v /= S->div[j];
        if (S->clip) v = v < S->lo ? S->lo : v > S->hi ? S->hi : v;
        out[j] = v;
    }
    return PK_OK;
}

/* Reads an n-vector attribute used when `use` (NULL when the attribute is None). */
static pk_code vec(pk_mc *c, const char *attr, int use, const double **out, size_t *n) {
    *out = NULL;
    if (!use) return PK_OK;
    pk_mc_arr a;
    pk_code rc = pk_mc_array(c, attr, 0, &a);
    if (rc || !a.v) return rc;
    if (a.ndim != 1) return pk_mc_fail(c, "%s.%s is not a 1-D array", c->m->cls, attr);
    if (*n && a.n != *n)
        return pk_mc_fail(c, "%s.%s has %zu values, expected %zu", c->m->cls, attr, a.n, *n);
    *n = a.n;
    *out = a.v;
    return PK_OK;
}

pk_code pk_compile_scaler(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    pk_scaler *S = pk_mc_alloc(c, 1, sizeof *S);
    if (!S) return c->err->code;
    size_t n = m->n_features;
    pk_code rc = PK_OK;
    const char *fitted = "scale_";
    if (strcmp(cls, "StandardScaler") == 0) {
        fitted = "n_samples_seen_";
        rc = vec(c, "mean_", pk_mc_bool(c, "with_mean", 1), &S->sub, &n);
        if (!rc) rc = vec(c, "scale_", pk_mc_bool(c, "with_std", 1), &S->div, &n);
    } else if (strcmp(cls, "MinMaxScaler") == 0) {
        rc = vec(c, "scale_", 1, &S->mul, &n);
        if (!rc) rc = vec(c, "min_", 1, &S->add, &n);
        if (!rc && !S->add) return pk_mc_not_fitted(c, "min_");
        S->clip = pk_mc_bool(c, "clip", 0);
        if (!rc && S->clip) {
            pk_mc_arr fr;
            rc = pk_mc_array(c, "feature_range", 0, &fr);
            if (!rc) {
                if (!fr.v) {
                    S->lo = 0;
                    S->hi = 1;
                } else if (fr.n == 2) {
                    S->lo = fr.v[0];
                    S->hi = fr.v[1];
                } else {
                    return pk_mc_fail(c, "MinMaxScaler.feature_range is not a pair");
                }
            }
        }
    } else if (strcmp(cls, "MaxAbsScaler") == 0) {
        rc = vec(c, "scale_", 1, &S->div, &n);
    } else { /* RobustScaler */
        fitted = "center_";
        if (!pk_attr(c->obj, "center_") && !pk_attr(c->obj, "scale_"))
            return pk_mc_not_fitted(c, fitted);
        rc = vec(c, "center_", pk_mc_bool(c, "with_centering", 1), &S->sub, &n);
        if (!rc) rc = vec(c, "scale_", pk_mc_bool(c, "with_scaling", 1), &S->div, &n);
        fitted = NULL;
    }
    if (rc) return rc;
    if (fitted && !pk_attr(c->obj, fitted)) return pk_mc_not_fitted(c, fitted);
    if (fitted && strcmp(fitted, "scale_") == 0 && !S->mul && !S->div)
        return pk_mc_not_fitted(c, fitted);
    rc = pk_mc_features(c, n);
    if (rc) return rc;
    S->n = n;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = S;
    m->nan_ok = 1;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, n, scaler_transform);
    return PK_OK;
}

/* ---- Normalizer ---------------------------------------------------------------------------- */

enum { NORM_L1, NORM_L2, NORM_MAX };

typedef struct pk_normalizer {
    size_t n;
    int norm;
} pk_normalizer;

static pk_code normalizer_transform(const pk_model *m, const double *x, double *scratch,
                                    double *out, pk_err *err) {
    (void)err;
    const pk_normalizer *N = m->impl;
    double norm;
    if (N->norm == NORM_L1) {
        for (size_t j = 0; j < N->n; j++)
            scratch[j] = fabs(x[j]);
        norm = pk_np_sum(scratch, N->n);
    } else if (N->norm == NORM_L2) {
        norm = sqrt(pk_dot(x, x, N->n));
    } else {
        norm = fabs(x[0]);
        for (size_t j = 1; j < N->n; j++)
            if (fabs(x[j]) > norm) norm = fabs(x[j]);
    }
    if (norm < 10 * DBL_EPSILON) norm = 1.0;
    for (size_t j = 0; j < N->n; j++)
        out[j] = x[j] / norm;
    return PK_OK;
}

/* On a sparse row (after a text vectorizer): scikit-learn's sparse path, whose sums follow the
 * row's data order. */
static pk_code normalizer_stf(const pk_model *m, pk_sparse *x, pk_err *err) {
    (void)err;
    const pk_normalizer *N = m->impl;
    return pk_sparse_normalize(x, N->norm == NORM_L1 ? "l1" : N->norm == NORM_L2 ? "l2" : "max");
}

pk_code pk_compile_normalizer(pk_mc *c) {
    pk_model *m = c->m;
    if (!m->n_features) return pk_mc_not_fitted(c, "n_features_in_");
    pk_normalizer *N = pk_mc_alloc(c, 1, sizeof *N);
    if (!N) return c->err->code;
    const char *norm = pk_mc_str(c, "norm");
    if (!norm || strcmp(norm, "l2") == 0)
        N->norm = NORM_L2;
    else if (strcmp(norm, "l1") == 0)
        N->norm = NORM_L1;
    else if (strcmp(norm, "max") == 0)
        N->norm = NORM_MAX;
    else
        return pk_mc_fail(c, "Normalizer has an unknown norm '%s'", norm);
    N->n = m->n_features;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = N;
    m->scratch = N->n;
    m->stf = normalizer_stf;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, N->n, normalizer_transform);
    return PK_OK;
}

/* ---- Binarizer ----------------------------------------------------------------------------- */

typedef struct pk_binarizer {
    size_t n;
    double threshold;
} pk_binarizer;

static pk_code binarizer_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                   pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_binarizer *B = m->impl;
    for (size_t j = 0; j < B->n; j++)
        out[j] = x[j] > B->threshold ? 1.0 : 0.0;
    return PK_OK;
}

pk_code pk_compile_binarizer(pk_mc *c) {
    pk_model *m = c->m;
    if (!m->n_features) return pk_mc_not_fitted(c, "n_features_in_");
    pk_binarizer *B = pk_mc_alloc(c, 1, sizeof *B);
    if (!B) return c->err->code;
    pk_code rc = pk_mc_num(c, "threshold", 0.0, &B->threshold);
    if (rc) return rc;
    B->n = m->n_features;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = B;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, B->n, binarizer_transform);
    return PK_OK;
}
