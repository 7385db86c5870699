/*
 * pk_power.c - sklearn.preprocessing.PowerTransformer (scikit-learn 1.2's transform).
 *
 * Each feature j with lambdas_[j] = l:
 *   box-cox      scipy.special.boxcox: log(x) when |l| < 1e-19, else expm1(l * log(x)) / l; the
 *                row is refused when x <= 0 (scikit-learn refuses such data);
 *   yeo-johnson  x >= 0: log1p(x) when |l| < eps, else (pow(x + 1, l) - 1) / l;
 *                x < 0:  -log1p(-x) when |l - 2| <= eps, else -(pow(-x + 1, 2 - l) - 1) / (2 - l)
 *                (eps = np.spacing(1.0)); NaN stays NaN.
 * then, with standardize, the fitted _scaler (StandardScaler): (v - mean_) / scale_.
 * Missing values pass (force_all_finite='allow-nan').
 * Exactness, within 1e-12 relative: box-cox is bit-identical when |l * log(x)| > 0.5 (scipy's
 * exp(a) - 1 there), within an ulp of cephes' expm1 below; yeo-johnson uses numpy's power and
 * log1p, which numpy computes with its AVX-512 kernels on such CPUs (libm and those kernels
 * differ by at most an ulp; bit-identical without AVX-512).
 */
#include "pk_preproc.h"

#include <float.h>
#include <math.h>
#include <string.h>

typedef struct pk_power {
    size_t n;
    const double *lambdas;
    const double *mean, *scale; /* standardize: the _scaler's, else NULL */
    int boxcox;
} pk_power;

/* scipy.special.boxcox calls cephes' expm1: exp(a) - 1 outside [-0.5, 0.5] (identical here),
 * a rational approximation inside (libm's expm1 there: within an ulp of it). */
static double cephes_expm1(double a) {
    if (isnan(a)) return a;
    if (a < -0.5 || a > 0.5) return isinf(a) ? (a > 0 ? a : -1.0) : exp(a) - 1.0;
    return expm1(a);
}

static double yeo_johnson(double x, double l) {
    if (x >= 0) return fabs(l) < DBL_EPSILON ? log1p(x) : (pow(x + 1, l) - 1) / l;
    if (fabs(l - 2) > DBL_EPSILON) return -(pow(-x + 1, 2 - l) - 1) / (2 - l);
    return -log1p(-x);
}

static pk_code power_transform(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    (void)scratch;
    const pk_power *P = m->impl;
    for (size_t j = 0; j < P->n; j++) {
        double v = x[j], l = P->lambdas[j];
        if (P->boxcox) {
            if (v <= 0)
                return pk_err_set(err, PK_EFEATURE, -1, -1,
                                  "PowerTransformer (box-cox) takes strictly positive values: "
                                  "feature %zu is %.17g",
                                  j + 1, v);
            v = fabs(l) < 1e-19 ? log(v) : cephes_expm1(l * log(v)) / l;
        } else {
            v = yeo_johnson(v, l);
        }
        if (P->mean) v = (v - P->mean[j]) / P->scale[j];
        out[j] = v;
    }
    return PK_OK;
}

/* An n-vector attribute of obj (the model's _scaler or the model itself). */
static pk_code vec_of(pk_mc *c, const pk_value *obj, const char *attr, size_t n,
                      const double **out) {
    const pk_value *v = pk_attr(obj, attr);
    if (!v || v->kind == PK_NONE)
        return pk_mc_fail(c, "PowerTransformer is not fitted (no %s)", attr);
    pk_mc_arr a;
    pk_code rc = pk_mc_array_of(c, v, attr, &a);
    if (rc) return rc;
    if (a.ndim != 1 || a.n != n)
        return pk_mc_fail(c, "PowerTransformer.%s has %zu values, expected %zu", attr, a.n, n);
    *out = a.v;
    return PK_OK;
}

pk_code pk_compile_power(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr lam;
    pk_code rc = pk_mc_array(c, "lambdas_", 1, &lam);
    if (rc) return rc;
    if (lam.ndim != 1) return pk_mc_fail(c, "PowerTransformer.lambdas_ is not a 1-D array");
    rc = pk_mc_features(c, lam.n);
    if (rc) return rc;
    pk_power *P = pk_mc_alloc(c, 1, sizeof *P);
    if (!P) return c->err->code;
    P->n = lam.n;
    P->lambdas = lam.v;
    const char *method = pk_mc_str(c, "method");
    if (!method || strcmp(method, "yeo-johnson") == 0)
        P->boxcox = 0;
    else if (strcmp(method, "box-cox") == 0)
        P->boxcox = 1;
    else
        return pk_mc_fail(c, "PowerTransformer has an unknown method '%s'", method);
    if (pk_mc_bool(c, "standardize", 1)) {
        const pk_value *sc = pk_attr(c->obj, "_scaler");
        if (!sc || sc->kind != PK_OBJECT) return pk_mc_not_fitted(c, "_scaler");
        /* PowerTransformer's _scaler is a StandardScaler with its defaults (with_mean/std) */
        rc = vec_of(c, sc, "mean_", P->n, &P->mean);
        if (!rc) rc = vec_of(c, sc, "scale_", P->n, &P->scale);
        if (rc) return rc;
    }
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = P;
    m->nan_ok = 1;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, P->n, power_transform);
    return PK_OK;
}
