/*
 * pk_sparse_pca.c - SparsePCA and MiniBatchSparsePCA transform: scikit-learn 1.2 solves the ridge
 * regression of the centred row on the components,
 *   ridge_regression(components_.T, (x - mean_).T, ridge_alpha, solver='cholesky').
 * With k components and nf features that is the primal system (C C^T + alpha I) u = C v when
 * k <= nf, else the dual one (C^T C + alpha I) w = v, u = C w (C = components_, v = x - mean_).
 * The system matrix does not depend on the row: it is formed and Cholesky-factored at compile
 * time (scipy.linalg.solve(assume_a='pos') factors it the same way, LAPACK potrf/potrs), so each
 * row costs one product with C and two triangular solves. Results agree with scikit-learn to
 * rounding (the factor's blocked summation order in LAPACK may differ: within 1e-12 relative of
 * the largest output).
 */
#include "pk_linalg.h"
#include "pk_more_families.h"

typedef struct pk_spca {
    size_t nf, k;
    const double *mean; /* nf                                          */
    const double *comp; /* k x nf                                      */
    double *chol;       /* k x k (primal) or nf x nf (dual), factored  */
    int dual;
} pk_spca;

static pk_code spca_transform(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    (void)err;
    const pk_spca *S = m->impl;
    size_t nf = S->nf, k = S->k;
    double *v = scratch;
    for (size_t j = 0; j < nf; j++)
        v[j] = x[j] - S->mean[j];
    if (!S->dual) {
        for (size_t c = 0; c < k; c++)
            out[c] = pk_dot(S->comp + c * nf, v, nf);
        pk_cholesky_solve(S->chol, k, k, out);
        return PK_OK;
    }
    pk_cholesky_solve(S->chol, nf, nf, v);
    for (size_t c = 0; c < k; c++)
        out[c] = pk_dot(S->comp + c * nf, v, nf);
    return PK_OK;
}

pk_code pk_compile_sparse_pca(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr comp, mean;
    double alpha;
    pk_code rc = pk_mc_array(c, "components_", 1, &comp);
    if (!rc) rc = pk_mc_array(c, "mean_", 1, &mean);
    if (!rc) rc = pk_mc_num(c, "ridge_alpha", 0.01, &alpha);
    if (rc) return rc;
    if (comp.ndim != 2 || comp.rows == 0 || comp.cols == 0 || mean.n != comp.cols)
        return pk_mc_fail(c, "%s: components_ (%zu x %zu) and mean_ (%zu values) disagree", m->cls,
                          comp.rows, comp.cols, mean.n);
    if (!(alpha >= 0) || !isfinite(alpha))
        return pk_mc_fail(c, "%s.ridge_alpha is not a finite non-negative number", m->cls);
    if ((rc = pk_mc_features(c, comp.cols))) return rc;
    if (comp.rows > 4096 || comp.cols > 4096)
        return pk_mc_fail(c, "%s: %zu x %zu components are more than this family solves", m->cls,
                          comp.rows, comp.cols);
    pk_spca *S = pk_mc_alloc(c, 1, sizeof *S);
    if (!S) return c->err->code;
    S->nf = comp.cols;
    S->k = comp.rows;
    S->mean = mean.v;
    S->comp = comp.v;
    S->dual = S->k > S->nf;
    size_t n = S->dual ? S->nf : S->k;
    S->chol = pk_mc_alloc(c, n * n, sizeof *S->chol);
    if (!S->chol) return c->err->code;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0.0;
            if (S->dual)
                for (size_t r = 0; r < S->k; r++)
                    s += S->comp[r * S->nf + i] * S->comp[r * S->nf + j];
            else
                s = pk_dot(S->comp + i * S->nf, S->comp + j * S->nf, S->nf);
            S->chol[i * n + j] = S->chol[j * n + i] = s + (i == j ? alpha : 0.0);
        }
    if (pk_cholesky(S->chol, n) != 0)
        return pk_mc_fail(c, "%s: the ridge system is not positive definite (ridge_alpha %g)",
                          m->cls, alpha);
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = S;
    m->scratch = S->nf;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, S->k, spca_transform);
    return PK_OK;
}
