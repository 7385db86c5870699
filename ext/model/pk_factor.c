/*
 * pk_factor.c - FactorAnalysis: transform = ((x - mean_) @ Wpsi.T) @ cov_z, the expected latent
 * variables, with Wpsi = components_ / noise_variance_ and cov_z = inv(I + Wpsi @ components_.T)
 * (scikit-learn 1.2's order: the centred row, its product with Wpsi.T, then with cov_z; each dot
 * left to right).
 *
 * cov_z is computed once at compile time. scikit-learn inverts with LAPACK's getrf/getri; here
 * Gauss-Jordan elimination with partial pivoting inverts the same k x k matrix. The matrix is
 * I plus a positive semi-definite one (eigenvalues >= 1), so both inverses are accurate to a few
 * ulps and transform agrees within 1e-13 relative (tested at 1e-12).
 */
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

/* Inverting is cubic in the components: bounded so a crafted pickle cannot stall compiling. */
#define PK_FA_MAX_COMPONENTS 1024

typedef struct pk_fa {
    size_t nf, k;
    const double *mean; /* nf     */
    double *wpsi;       /* k x nf */
    double *covz;       /* k x k  */
} pk_fa;

/* Inverts the n x n matrix a (destroyed) into inv; 0 when singular. */
static int invert(double *a, double *inv, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            inv[i * n + j] = i == j ? 1.0 : 0.0;
    for (size_t col = 0; col < n; col++) {
        size_t piv = col;
        for (size_t r = col + 1; r < n; r++)
            if (fabs(a[r * n + col]) > fabs(a[piv * n + col])) piv = r;
        if (!(fabs(a[piv * n + col]) > 0)) return 0;
        if (piv != col) {
            for (size_t j = 0; j < n; j++) {
                double t = a[col * n + j];
                a[col * n + j] = a[piv * n + j];
                a[piv * n + j] = t;
                t = inv[col * n + j];
                inv[col * n + j] = inv[piv * n + j];
                inv[piv * n + j] = t;
            }
        }
        double d = a[col * n + col];
        for (size_t j = 0; j < n; j++) {
            a[col * n + j] /= d;
            inv[col * n + j] /= d;
        }
        for (size_t r = 0; r < n; r++) {
            if (r == col) continue;
            double f = a[r * n + col];
            if (f == 0) continue;
            for (size_t j = 0; j < n; j++) {
                a[r * n + j] -= f * a[col * n + j];
                inv[r * n + j] -= f * inv[col * n + j];
            }
        }
    }
    for (size_t i = 0; i < n * n; i++)
        if (!isfinite(inv[i])) return 0;
    return 1;
}

static pk_code fa_transform(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)err;
    const pk_fa *F = m->impl;
    double *xc = scratch, *tmp = scratch + F->nf;
    for (size_t j = 0; j < F->nf; j++)
        xc[j] = x[j] - F->mean[j];
    for (size_t c = 0; c < F->k; c++)
        tmp[c] = pk_dot(xc, F->wpsi + c * F->nf, F->nf);
    for (size_t c = 0; c < F->k; c++) {
        double s = 0.0;
        for (size_t i = 0; i < F->k; i++)
            s += tmp[i] * F->covz[i * F->k + c];
        out[c] = s;
    }
    return PK_OK;
}

pk_code pk_compile_factor_analysis(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr comp, mean, noise;
    pk_code rc = pk_mc_array(c, "components_", 1, &comp);
    if (rc) return rc;
    if (comp.ndim != 2 || comp.rows == 0)
        return pk_mc_fail(c, "%s.components_ is not a 2-D array", m->cls);
    if ((rc = pk_mc_features(c, comp.cols))) return rc;
    if ((rc = pk_mc_array(c, "mean_", 1, &mean)) ||
        (rc = pk_mc_array(c, "noise_variance_", 1, &noise)))
        return rc;
    if (mean.n != comp.cols || noise.n != comp.cols)
        return pk_mc_fail(c, "%s: mean_ (%zu) and noise_variance_ (%zu) do not match %zu features",
                          m->cls, mean.n, noise.n, comp.cols);
    if (comp.rows > PK_FA_MAX_COMPONENTS)
        return pk_mc_fail(c, "%s has %zu components (at most %d are compiled)", m->cls, comp.rows,
                          PK_FA_MAX_COMPONENTS);
    pk_fa *F = pk_mc_alloc(c, 1, sizeof *F);
    if (!F) return c->err->code;
    F->nf = comp.cols;
    F->k = comp.rows;
    F->mean = mean.v;
    size_t kk;
    if (pk_mul_overflow(F->k, F->k, &kk)) return pk_mc_fail(c, "%s is too large", m->cls);
    F->wpsi = pk_mc_alloc(c, comp.n, sizeof(double));
    F->covz = pk_mc_alloc(c, kk, sizeof(double));
    double *a = pk_mc_alloc(c, kk, sizeof(double));
    if (!F->wpsi || !F->covz || !a) return c->err->code;
    for (size_t i = 0; i < F->k; i++)
        for (size_t j = 0; j < F->nf; j++)
            F->wpsi[i * F->nf + j] = comp.v[i * F->nf + j] / noise.v[j];
    for (size_t i = 0; i < F->k; i++)
        for (size_t j = 0; j < F->k; j++)
            a[i * F->k + j] =
                (i == j ? 1.0 : 0.0) + pk_dot(F->wpsi + i * F->nf, comp.v + j * F->nf, F->nf);
    if (!invert(a, F->covz, F->k))
        return pk_mc_fail(c, "%s: I + Wpsi @ components_.T is singular", m->cls);
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = F;
    m->scratch = F->nf + F->k;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, F->k, fa_transform);
    return PK_OK;
}
