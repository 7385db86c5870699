/*
 * pk_kridge.c - KernelRidge.predict: the kernel row k(x, X_fit_) as sklearn.metrics.
 * pairwise_kernels computes it for `kernel` with gamma/degree/coef0 (pk_kernels.c: linear, poly,
 * rbf, sigmoid, laplacian, cosine, chi2, additive_chi2, precomputed), then k . dual_coef_
 * summed left to right over the fitted rows (one dot per target for a 2-D dual_coef_).
 *
 * A callable kernel (the pickle names the function) and kernel_params are refused.
 */
#include "pk_kernels.h"
#include "pk_more_families.h"

#include <string.h>

typedef struct pk_kridge {
    pk_kernel ker;
    size_t n, nt; /* fitted rows, targets                        */
    double *dual; /* nt x n: dual_coef_ transposed                 */
} pk_kridge;

static pk_code kr_predict(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    const pk_kridge *K = m->impl;
    double *kr = scratch, *tmp = scratch + K->n;
    pk_code rc = pk_kernel_row(m, &K->ker, x, kr, tmp, err);
    if (rc) return rc;
    for (size_t t = 0; t < K->nt; t++)
        out[t] = pk_dot(kr, K->dual + t * K->n, K->n);
    return PK_OK;
}

pk_code pk_compile_kernel_ridge(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr xfit, dual;
    pk_code rc;
    if ((rc = pk_mc_array(c, "X_fit_", 1, &xfit)) || (rc = pk_mc_array(c, "dual_coef_", 1, &dual)))
        return rc;
    if (xfit.ndim != 2 || xfit.rows == 0)
        return pk_mc_fail(c, "%s.X_fit_ is not a 2-D array", m->cls);
    if (dual.ndim == 0 || (dual.ndim == 1 ? dual.n : dual.rows) != xfit.rows)
        return pk_mc_fail(c, "%s.dual_coef_ does not have %zu rows", m->cls, xfit.rows);
    const pk_value *kp = pk_attr(c->obj, "kernel_params");
    if (kp && kp->kind != PK_NONE)
        return pk_mc_fail(c, "%s: kernel_params are not supported (give gamma/degree/coef0)",
                          m->cls);
    const pk_value *kv = pk_attr(c->obj, "kernel");
    if (kv && kv->kind != PK_STR)
        return pk_mc_fail(c, "%s: a callable kernel cannot be scored", m->cls);
    pk_kridge *K = pk_mc_alloc(c, 1, sizeof *K);
    if (!K) return c->err->code;
    K->n = xfit.rows;
    K->nt = dual.ndim == 1 ? 1 : dual.cols;
    K->dual = pk_mc_alloc(c, K->n * K->nt, sizeof(double));
    if (!K->dual) return c->err->code;
    for (size_t i = 0; i < K->n; i++)
        for (size_t t = 0; t < K->nt; t++)
            K->dual[t * K->n + i] = dual.v[i * K->nt + t];
    double gamma, coef0, degree;
    if ((rc = pk_kernel_params(c, &gamma, &coef0, &degree))) return rc;
    const char *kname = pk_mc_str(c, "kernel");
    if ((rc = pk_kernel_init(c, &K->ker, kname ? kname : "linear", gamma, coef0, degree, xfit.v,
                             xfit.rows, xfit.cols)))
        return rc;
    if ((rc = pk_mc_features(c, K->ker.type == PK_KER_PRECOMPUTED ? xfit.rows : xfit.cols)))
        return rc;
    m->kind = PK_MODEL_REGRESSOR;
    m->impl = K;
    m->scratch = K->n + xfit.cols;
    if (dual.ndim == 1)
        pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, kr_predict);
    else
        pk_mc_method(c, PK_PREDICT, PK_OUT_ARRAY, K->nt, kr_predict);
    return PK_OK;
}
