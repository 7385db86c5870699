/*
 * pk_kpca.c - KernelPCA.transform: the kernel row k(x, X_fit_) (pk_kernels.c: linear, poly,
 * rbf, sigmoid, cosine, laplacian, chi2, precomputed), centred as KernelCenterer.transform does
 * (k - K_fit_rows_ - sum(k) / n + K_fit_all_, in that order, the sum pairwise as numpy's), then
 * projected on eigenvectors_ / sqrt(eigenvalues_) (columns of zero eigenvalues give 0), each
 * output summed left to right over the n fitted rows.
 *
 * With kernel='precomputed' a row is the kernel row itself: n_features_in_ is the number of
 * fitted samples. A callable kernel is refused (the pickle names the function).
 *
 * KernelCenterer.transform: the row is one row of a kernel matrix against the n fitted samples,
 * centred the same way (K_fit_rows_, K_fit_all_ of the estimator itself).
 */
#include "pk_kernels.h"
#include "pk_more_families.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct pk_kpca {
    pk_kernel ker;
    size_t n, k;
    const double *rows_mean; /* K_fit_rows_, n      */
    double all_mean;         /* K_fit_all_          */
    double *alphas;          /* n x k scaled alphas */
} pk_kpca;

/* KernelCenterer.transform of the kernel row kr (n values), in place: K_pred_cols =
 * np.sum(K, axis=1) / n, then K -= K_fit_rows_, K -= K_pred_cols, K += K_fit_all_. */
static void kc_centre(const double *rows_mean, double all_mean, size_t n, double *kr) {
    double pred = pk_np_sum(kr, n) / (double)n;
    for (size_t i = 0; i < n; i++) {
        kr[i] -= rows_mean[i];
        kr[i] -= pred;
        kr[i] += all_mean;
    }
}

static pk_code kpca_transform(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    const pk_kpca *P = m->impl;
    double *kr = scratch, *tmp = scratch + P->n;
    pk_code rc = pk_kernel_row(m, &P->ker, x, kr, tmp, err);
    if (rc) return rc;
    kc_centre(P->rows_mean, P->all_mean, P->n, kr);
    for (size_t c = 0; c < P->k; c++)
        out[c] = 0.0;
    for (size_t i = 0; i < P->n; i++) {
        const double *a = P->alphas + i * P->k;
        for (size_t c = 0; c < P->k; c++)
            out[c] += kr[i] * a[c];
    }
    return PK_OK;
}

/* K_fit_rows_ and K_fit_all_ of a fitted KernelCenterer `cen` (what: its name in messages, e.g.
 * "_centerer." or ""), into P->rows_mean, P->all_mean and P->n. */
static pk_code kc_read(pk_mc *c, const pk_value *cen, const char *what, pk_kpca *P) {
    const pk_value *kr = pk_attr(cen, "K_fit_rows_"), *ka = pk_attr(cen, "K_fit_all_");
    if (!kr || !ka) {
        if (!*what) return pk_mc_not_fitted(c, kr ? "K_fit_all_" : "K_fit_rows_");
        return pk_mc_fail(c, "%s.%.*s is not fitted", c->m->cls, (int)strlen(what) - 1, what);
    }
    pk_mc_arr rows, all;
    char w1[48], w2[48];
    snprintf(w1, sizeof w1, "%sK_fit_rows_", what);
    snprintf(w2, sizeof w2, "%sK_fit_all_", what);
    pk_code rc;
    if ((rc = pk_mc_array_of(c, kr, w1, &rows)) || (rc = pk_mc_array_of(c, ka, w2, &all)))
        return rc;
    if (rows.ndim != 1 || rows.n == 0 || all.n != 1)
        return pk_mc_fail(c, "%s.%s is not one value per fitted sample with one %s", c->m->cls, w1,
                          w2);
    P->n = rows.n;
    P->rows_mean = rows.v;
    P->all_mean = all.v[0];
    return PK_OK;
}

static pk_code kc_transform(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_kpca *P = m->impl;
    memcpy(out, x, P->n * sizeof(double));
    kc_centre(P->rows_mean, P->all_mean, P->n, out);
    return PK_OK;
}

pk_code pk_compile_kernel_centerer(pk_mc *c) {
    pk_model *m = c->m;
    pk_kpca *P = pk_mc_alloc(c, 1, sizeof *P);
    if (!P) return c->err->code;
    pk_code rc = kc_read(c, c->obj, "", P);
    if (rc) return rc;
    if ((rc = pk_mc_features(c, P->n))) return rc;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = P;
    m->scratch = 1;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, P->n, kc_transform);
    return PK_OK;
}

pk_code pk_compile_kernel_pca(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr xfit, evals, evecs;
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
    pk_kpca *P = pk_mc_alloc(c, 1, sizeof *P);
    if (!P) return c->err->code;
    if ((rc = kc_read(c, cen, "_centerer.", P)) != PK_OK) return rc;
    if (P->n != xfit.rows)
        return pk_mc_fail(c, "%s._centerer does not match %zu fitted rows", m->cls, xfit.rows);
    P->k = evecs.cols;
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
