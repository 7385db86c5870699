/*
 * pk_kpca.c - KernelPCA.transform: the kernel row k(x, X_fit_) (pk_kernels.c: linear, poly,
 * rbf, sigmoid, cosine, laplacian, chi2, precomputed), centred as KernelCenterer.transform does
 * (k - K_fit_rows_ - sum(k) / n + K_fit_all_, in that order, the sum pairwise as numpy's), then
 * projected on eigenvectors_ / sqrt(eigenvalues_) (columns of zero eigenvalues give 0), each
 * output summed left to right over the n fitted rows.
 *
 * With kernel='precomputed' a row is the kernel row itself: n_features_in_ is the number of
 * fitted samples. A callable kernel is refused (the pickle names the function).
 */
#include "pk_kernels.h"
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

typedef struct pk_kpca {
    pk_kernel ker;
    size_t n, k;
    const double *rows_mean; /* K_fit_rows_, n      */
    double all_mean;         /* K_fit_all_          */
    double *alphas;          /* n x k scaled alphas */
} pk_kpca;

static pk_code kpca_transform(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    const pk_kpca *P = m->impl;
    double *kr = scratch, *tmp = scratch + P->n;
    pk_code rc = pk_kernel_row(m, &P->ker, x, kr, tmp, err);
    if (rc) return rc;
    double pred = pk_np_sum(kr, P->n) / (double)P->n;
    for (size_t i = 0; i < P->n; i++) {
        kr[i] -= P->rows_mean[i];
        kr[i] -= pred;
        kr[i] += P->all_mean;
    }
    for (size_t c = 0; c < P->k; c++)
        out[c] = 0.0;
    for (size_t i = 0; i < P->n; i++) {
        const double *a = P->alphas + i * P->k;
        for (size_t c = 0; c < P->k; c++)
            out[c] += kr[i] * a[c];
    }
    return PK_OK;
}

pk_code pk_compile_kernel_pca(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr xfit, evals, evecs, rows;
    pk_code rc;
    if ((rc = pk_mc_array(c, "X_fit_", 1, &xfit)) ||
        (rc = pk_mc_array(c, "eigenvalues_", 1, &evals)) ||
        (rc = pk_mc_array(c, "eigenvectors_", 1, &evecs)))
        return rc;
    if (xfit.ndim != 2 || xfit.rows == 0)
        return pk_mc_fail(c, "%s.X_fit_ is not a 2-D array", m->cls);
    if (evecs.ndim != 2 || evecs.rows != xfit.rows || evals.n != evecs.cols || evals.ndim != 1)
        return pk_mc_fail(c,
                          "%s: eigenvectors_ (%zu x %zu) and eigenvalues_ (%zu) do not match "
                          "%zu fitted rows",
                          m->cls, evecs.rows, evecs.cols, evals.n, xfit.rows);
    const pk_value *cen = pk_attr(c->obj, "_centerer");
    if (!cen || cen->kind != PK_OBJECT) return pk_mc_not_fitted(c, "_centerer");
    const pk_value *kr = pk_attr(cen, "K_fit_rows_"), *ka = pk_attr(cen, "K_fit_all_");
    if (!kr || !ka) return pk_mc_fail(c, "%s._centerer is not fitted", m->cls);
    pk_mc_arr all;
    if ((rc = pk_mc_array_of(c, kr, "_centerer.K_fit_rows_", &rows)) ||
        (rc = pk_mc_array_of(c, ka, "_centerer.K_fit_all_", &all)))
        return rc;
    if (rows.n != xfit.rows || all.n != 1)
        return pk_mc_fail(c, "%s._centerer does not match %zu fitted rows", m->cls, xfit.rows);
    pk_kpca *P = pk_mc_alloc(c, 1, sizeof *P);
    if (!P) return c->err->code;
    P->n = xfit.rows;
    P->k = evecs.cols;
    P->rows_mean = rows.v;
    P->all_mean = all.v[0];
    P->alphas = evecs.v;
    for (size_t j = 0; j < P->k; j++) {
        double s = evals.v[j] != 0 ? sqrt(evals.v[j]) : 0;
        for (size_t i = 0; i < P->n; i++)
            P->alphas[i * P->k + j] = s != 0 ? evecs.v[i * P->k + j] / s : 0.0;
    }
    double gamma, coef0, degree;
    if ((rc = pk_kernel_params(c, &gamma, &coef0, &degree))) return rc;
    const char *kname = pk_mc_str(c, "kernel");
    if ((rc =
             pk_kernel_init(c, &P->ker, kname, gamma, coef0, degree, xfit.v, xfit.rows, xfit.cols)))
        return rc;
    if ((rc = pk_mc_features(c, P->ker.type == PK_KER_PRECOMPUTED ? xfit.rows : xfit.cols)))
        return rc;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = P;
    m->scratch = P->n + xfit.cols;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, P->k, kpca_transform);
    return PK_OK;
}
