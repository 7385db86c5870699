/*
 * pk_spline.c - sklearn.preprocessing.SplineTransformer (scikit-learn 1.2's transform).
 *
 * Each feature i has a fitted scipy BSpline bsplines_[i] (knots t, coefficients c of n rows and
 * n_splines columns, degree k). Its basis values at x are scipy's evaluate_spline: the interval
 * l with t[l] <= x < t[l+1] (clamped to [k, n-1], n = len(t) - k - 1), the k+1 non-zero B-splines
 * there by de Boor's recursion (_deBoor_D, with the derivative recursions for nu = 1), then
 * out[j] = sum over a = 0..k of c[l + a - k, j] * work[a] from 0.0, in that order. extrapolation:
 *   continue   x as is (scipy extrapolates the end polynomials);
 *   periodic   x = t[k] + np.remainder(x - t[k], t[n] - t[k]) (numpy's floored remainder);
 *   error      x outside [t[k], t[n]] is an error naming the feature;
 *   constant   x in [xmin, xmax] (xmin = t[degree], xmax = t[-degree-1]) evaluated, else zeros
 *              with the first / last `degree` columns set to the basis at xmin / xmax;
 *   linear     the same, the first / last columns continued as f + (x - bound) * f' (f' the
 *              nu = 1 derivative at the bound). For degree <= 1 one more column is continued,
 *              and scikit-learn 1.2 keeps the raised degree for the later features (its loop
 *              increments a variable shared by all features): reproduced, with xmin/xmax of
 *              those features taken at the raised degree.
 * include_bias=False drops each feature's last column. The order (C/F) does not change a row.
 * Missing values are refused (check_array). Exactness: bit-identical (the same operations in
 * the same order as scipy's Cython and numpy's remainder).
 */
#include "pk_preproc.h"

#include <math.h>
#include <string.h>

#define SPLINE_MAX_DEGREE 30

enum { EX_ERROR, EX_CONSTANT, EX_LINEAR, EX_CONTINUE, EX_PERIODIC };

typedef struct pk_spline_feat {
    const double *t, *c; /* knots (nt), coefficients (nc rows x ns columns, C order) */
    size_t nt, nc;
    double xmin, xmax;   /* constant / linear: the evaluated range                 */
    size_t ncont;        /* constant / linear: boundary columns continued            */
    double *fmin, *fmax; /* basis at xmin / xmax (ns values)                         */
    double *dmin, *dmax; /* linear: their derivatives                                */
} pk_spline_feat;

typedef struct pk_spline {
    size_t n, ns; /* features, splines per feature (c.shape[1] of bsplines_[0]) */
    int k, extrap, bias;
    pk_spline_feat *f;
} pk_spline;

/* scipy's find_interval: l in [k, n-1] with t[l] <= x < t[l+1]; -1 for NaN or, without
 * extrapolation, x outside [t[k], t[n]]. */
static long find_interval(const double *t, size_t nt, int k, double x, int extrapolate) {
    size_t n = nt - (size_t)k - 1, l = (size_t)k;
    if (isnan(x)) return -1;
    if ((x < t[k] || x > t[n]) && !extrapolate) return -1;
    l++;
    while (x >= t[l] && l != n)
        l++;
    return (long)l - 1;
}

/* scipy's _deBoor_D: h[0..k] = the k+1 non-zero values of the m-th derivative of the B-splines
 * ell-k .. ell at x. h has room for 2k + 2 values. */
static void deboor(const double *t, double x, int k, size_t ell, int m, double *h) {
    double *hh = h + k + 1;
    h[0] = 1.0;
    for (int j = 1; j <= k - m; j++) {
        memcpy(hh, h, (size_t)j * sizeof *h);
        h[0] = 0.0;
        for (int n = 1; n <= j; n++) {
            double xb = t[ell + (size_t)n], xa = t[ell + (size_t)n - (size_t)j];
            if (xb == xa) {
                h[n] = 0.0;
                continue;
            }
            double w = hh[n - 1] / (xb - xa);
            h[n - 1] += w * (xb - x);
            h[n] = w * (x - xa);
        }
    }
    for (int j = k - m + 1; j <= k; j++) {
        memcpy(hh, h, (size_t)j * sizeof *h);
        h[0] = 0.0;
        for (int n = 1; n <= j; n++) {
            double xb = t[ell + (size_t)n], xa = t[ell + (size_t)n - (size_t)j];
            if (xb == xa) {
                h[m] = 0.0; /* scipy writes index m here */
                continue;
            }
            double w = j * hh[n - 1] / (xb - xa);
            h[n - 1] -= w;
            h[n] = w;
        }
    }
}

/* BSpline(t, c, k)(x, nu) into out[0..ns): scipy's evaluate_spline for one x. */
static void bspline_eval(const pk_spline *S, const pk_spline_feat *F, double x, int nu,
                         int extrapolate, double *out) {
    double work[2 * SPLINE_MAX_DEGREE + 2];
    int k = S->k;
    long l = find_interval(F->t, F->nt, k, x, extrapolate);
    if (l < 0) {
        for (size_t j = 0; j < S->ns; j++)
            out[j] = NAN;
        return;
    }
    deboor(F->t, x, k, (size_t)l, nu, work);
    for (size_t j = 0; j < S->ns; j++) {
        double s = 0.0;
        for (int a = 0; a <= k; a++)
            s = s + F->c[((size_t)l + (size_t)a - (size_t)k) * S->ns + j] * work[a];
        out[j] = s;
    }
}

/* numpy's np.remainder for doubles (npy_divmod's modulus): the sign of the divisor. */
static double np_remainder(double a, double b) {
    if (b == 0) return NAN; /* fmod(a, 0) */
    double mod = fmod(a, b);
    if (mod) {
        if ((b < 0) != (mod < 0)) mod += b;
    } else {
        mod = copysign(0.0, b);
    }
    return mod;
}

static pk_code spline_feature(const pk_spline *S, size_t i, double x, double *o, pk_err *err) {
    const pk_spline_feat *F = &S->f[i];
    size_t ns = S->ns, tn = F->nt - (size_t)S->k - 1;
    double tk = F->t[S->k];
    switch (S->extrap) {
    case EX_PERIODIC:
        bspline_eval(S, F, tk + np_remainder(x - tk, F->t[tn] - tk), 0, 1, o);
        return PK_OK;
    case EX_CONTINUE:
        bspline_eval(S, F, x, 0, 1, o);
        return PK_OK;
    case EX_ERROR:
        bspline_eval(S, F, x, 0, 0, o);
        for (size_t j = 0; j < ns; j++)
            if (isnan(o[j]))
                return pk_err_set(err, PK_EFEATURE, -1, -1,
                                  "SplineTransformer (extrapolation='error'): feature %zu is "
                                  "%.17g, beyond the limits of the knots [%.17g, %.17g]",
                                  i + 1, x, tk, F->t[tn]);
        return PK_OK;
    default:
        break;
    }
    if (F->xmin <= x && x <= F->xmax) {
        bspline_eval(S, F, x, 0, 0, o);
        return PK_OK;
    }
    memset(o, 0, ns * sizeof *o);
    size_t d = F->ncont;
    if (S->extrap == EX_CONSTANT) {
        if (x < F->xmin) memcpy(o, F->fmin, d * sizeof *o);
        if (x > F->xmax) {
            if (d == 0)
                return pk_err_set(err, PK_EFEATURE, -1, -1,
                                  "SplineTransformer (extrapolation='constant', degree=0) "
                                  "cannot transform feature %zu = %.17g above the last knot "
                                  "(scikit-learn raises a shape mismatch)",
                                  i + 1, x);
            memcpy(o + ns - d, F->fmax + ns - d, d * sizeof *o);
        }
        return PK_OK;
    }
    for (size_t j = 0; j < d; j++) {
        if (x < F->xmin) o[j] = F->fmin[j] + (x - F->xmin) * F->dmin[j];
        if (x > F->xmax) {
            size_t kk = ns - 1 - j;
            o[kk] = F->fmax[kk] + (x - F->xmax) * F->dmax[kk];
        }
    }
    return PK_OK;
}

static pk_code spline_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    const pk_spline *S = m->impl;
    double *full = S->bias ? out : scratch;
    for (size_t i = 0; i < S->n; i++) {
        pk_code rc = spline_feature(S, i, x[i], full + i * S->ns, err);
        if (rc) return rc;
    }
    if (!S->bias) {
        size_t k = 0;
        for (size_t j = 0; j < S->n * S->ns; j++)
            if ((j + 1) % S->ns != 0) out[k++] = full[j];
    }
    return PK_OK;
}

/* One BSpline of bsplines_: knots, coefficients and degree checked for evaluation. */
static pk_code read_bspline(pk_mc *c, pk_spline *S, size_t i, const pk_value *b) {
    pk_spline_feat *F = &S->f[i];
    if (!b || b->kind != PK_OBJECT)
        return pk_mc_fail(c, "SplineTransformer.bsplines_[%zu] is not a BSpline", i);
    const pk_value *tv = pk_attr(b, "t"), *cv = pk_attr(b, "c"), *kv = pk_attr(b, "k");
    double kd;
    if (!tv || !cv || !kv || pk_as_f64(kv, &kd) != PK_OK)
        return pk_mc_fail(c, "SplineTransformer.bsplines_[%zu] lacks t, c or k", i);
    if (kd != (double)S->k)
        return pk_mc_fail(c, "SplineTransformer.bsplines_[%zu].k is not degree", i);
    pk_mc_arr t, cc;
    pk_code rc = pk_mc_array_of(c, tv, "bsplines_.t", &t);
    if (!rc) rc = pk_mc_array_of(c, cv, "bsplines_.c", &cc);
    if (rc) return rc;
    if (t.ndim != 1 || t.n < 2 * (size_t)S->k + 2)
        return pk_mc_fail(c, "SplineTransformer.bsplines_[%zu].t has too few knots", i);
    for (size_t j = 1; j < t.n; j++)
        if (!(t.v[j] >= t.v[j - 1]))
            return pk_mc_fail(c, "SplineTransformer.bsplines_[%zu].t is not sorted", i);
    size_t cols = cc.ndim == 2 ? cc.cols : 1;
    if (i == 0) S->ns = cols;
    if (cc.ndim != 2 || cols != S->ns || cols == 0 || cc.rows < t.n - (size_t)S->k - 1)
        return pk_mc_fail(c, "SplineTransformer.bsplines_[%zu].c does not match its knots", i);
    F->t = t.v;
    F->nt = t.n;
    F->c = cc.v;
    F->nc = cc.rows;
    return PK_OK;
}

/* constant / linear: the range and boundary values of feature i at degree *deg (linear raises
 * *deg for the next features as scikit-learn 1.2 does). */
static pk_code boundaries(pk_mc *c, pk_spline *S, size_t i, size_t *deg) {
    pk_spline_feat *F = &S->f[i];
    size_t ns = S->ns;
    if (*deg + 1 > F->nt)
        return pk_mc_fail(c, "SplineTransformer.bsplines_[%zu].t has too few knots", i);
    F->xmin = F->t[*deg];
    F->xmax = F->t[F->nt - *deg - 1];
    F->fmin = pk_mc_alloc(c, ns, sizeof(double));
    F->fmax = pk_mc_alloc(c, ns, sizeof(double));
    if (!F->fmin || !F->fmax) return c->err->code;
    bspline_eval(S, F, F->xmin, 0, 0, F->fmin);
    bspline_eval(S, F, F->xmax, 0, 0, F->fmax);
    if (S->extrap == EX_LINEAR) {
        F->dmin = pk_mc_alloc(c, ns, sizeof(double));
        F->dmax = pk_mc_alloc(c, ns, sizeof(double));
        if (!F->dmin || !F->dmax) return c->err->code;
        bspline_eval(S, F, F->xmin, 1, 0, F->dmin);
        bspline_eval(S, F, F->xmax, 1, 0, F->dmax);
        if (*deg <= 1) (*deg)++;
    }
    F->ncont = *deg;
    if (F->ncont > ns)
        return pk_mc_fail(c, "SplineTransformer has %zu splines per feature for degree %zu", ns,
                          F->ncont);
    return PK_OK;
}

pk_code pk_compile_spline(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *bs = pk_attr(c->obj, "bsplines_");
    if (!bs || bs->kind == PK_NONE) return pk_mc_not_fitted(c, "bsplines_");
    if (bs->kind != PK_LIST && bs->kind != PK_TUPLE)
        return pk_mc_fail(c, "SplineTransformer.bsplines_ is not a list");
    size_t n = bs->u.seq.len;
    if (n == 0) return pk_mc_fail(c, "SplineTransformer has no features");
    pk_code rc = pk_mc_features(c, n);
    if (rc) return rc;
    pk_spline *S = pk_mc_alloc(c, 1, sizeof *S);
    if (!S) return c->err->code;
    S->n = n;
    double deg;
    rc = pk_mc_num(c, "degree", 3, &deg);
    if (rc) return rc;
    if (!(deg >= 0 && deg <= SPLINE_MAX_DEGREE && deg == floor(deg)))
        return pk_mc_fail(c, "SplineTransformer.degree %g is not supported (0 to %d)", deg,
                          SPLINE_MAX_DEGREE);
    S->k = (int)deg;
    const char *ex = pk_mc_str(c, "extrapolation");
    static const char *const names[] = {"error", "constant", "linear", "continue", "periodic"};
    S->extrap = -1;
    for (int e = 0; e < 5; e++)
        if (ex ? strcmp(ex, names[e]) == 0 : e == EX_CONSTANT) S->extrap = e;
    if (S->extrap < 0)
        return pk_mc_fail(c, "SplineTransformer has an unknown extrapolation '%s'", ex);
    S->bias = pk_mc_bool(c, "include_bias", 1);
    S->f = pk_mc_alloc(c, n, sizeof *S->f);
    if (!S->f) return c->err->code;
    size_t d = (size_t)S->k;
    for (size_t i = 0; i < n; i++) {
        rc = read_bspline(c, S, i, bs->u.seq.items[i]);
        if (!rc && (S->extrap == EX_CONSTANT || S->extrap == EX_LINEAR))
            rc = boundaries(c, S, i, &d);
        if (rc) return rc;
    }
    if (S->ns > ((size_t)1 << 30) / n) return pk_mc_fail(c, "SplineTransformer is too wide");
    if (!S->bias && S->ns < 2) return pk_mc_fail(c, "SplineTransformer has one spline per feature");
    size_t width = S->bias ? n * S->ns : n * (S->ns - 1);
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = S;
    m->scratch = S->bias ? 0 : n * S->ns;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, width, spline_transform);
    return PK_OK;
}
