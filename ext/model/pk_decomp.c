/*
 * pk_decomp.c - linear projections (one dense components_ matrix):
 *   PCA, IncrementalPCA       (x - mean_) @ components_.T, divided by sqrt(explained_variance_)
 *                             when whiten
 *   FastICA                   (x - mean_) @ components_.T when fitted with whitening (_whiten
 *                             not False; components_ then includes the whitening), else
 *                             x @ components_.T
 *   TruncatedSVD, GaussianRandomProjection   x @ components_.T
 * Arithmetic in scikit-learn 1.2's order: the centred row first, each dot left to right, the
 * whitening division last (sqrt is correctly rounded in both numpy and libm).
 */
#include "pk_model_impl.h"

#include <math.h>
#include <string.h>

typedef struct pk_decomp {
    size_t nf, k;
    const double *mean; /* nf or NULL */
    const double *comp; /* k x nf     */
    double *wdiv;       /* k or NULL  */
} pk_decomp;

static pk_code decomp_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    (void)err;
    const pk_decomp *D = m->impl;
    const double *v = x;
    if (D->mean) {
        for (size_t j = 0; j < D->nf; j++)
            scratch[j] = x[j] - D->mean[j];
        v = scratch;
    }
    for (size_t c = 0; c < D->k; c++) {
        double s = pk_dot(v, D->comp + c * D->nf, D->nf);
        out[c] = D->wdiv ? s / D->wdiv[c] : s;
    }
    return PK_OK;
}

/* FastICA keeps the whitening mode in _whiten: a string ('arbitrary-variance',
 * 'unit-variance') or True when fitted with whitening, False otherwise. */
static int ica_whitened(pk_mc *c) {
    const char *attr = pk_attr(c->obj, "_whiten") ? "_whiten" : "whiten";
    const pk_value *w = pk_attr(c->obj, attr);
    if (!w || w->kind == PK_NONE) return 0;
    if (w->kind == PK_STR) return 1;
    return pk_mc_bool(c, attr, 1);
}

/* TruncatedSVD on a sparse row: safe_sparse_dot(X, components_.T), csr_matvecs' order. */
static pk_code decomp_stransform(const pk_model *m, const pk_sparse *x, double *scratch,
                                 double *out, pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_decomp *D = m->impl;
    for (size_t c = 0; c < D->k; c++) {
        const double *w = D->comp + c * D->nf;
        double acc = 0.0;
        for (size_t i = 0; i < x->nnz; i++)
            acc += x->val[i] * w[x->idx[i]];
        out[c] = acc;
    }
    return PK_OK;
}

pk_code pk_compile_decomposition(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr comp, mean;
    pk_code rc = pk_mc_array(c, "components_", 1, &comp);
    if (rc) return rc;
    if (comp.ndim != 2) return pk_mc_fail(c, "%s.components_ is not a 2-D array", m->cls);
    rc = pk_mc_features(c, comp.cols);
    if (rc) return rc;
    pk_decomp *D = pk_mc_alloc(c, 1, sizeof *D);
    if (!D) return c->err->code;
    D->nf = comp.cols;
    D->k = comp.rows;
    D->comp = comp.v;
    int pca = strcmp(m->cls, "PCA") == 0 || strcmp(m->cls, "IncrementalPCA") == 0;
    int ica = strcmp(m->cls, "FastICA") == 0 && ica_whitened(c);
    if (pca || ica) {
        rc = pk_mc_array(c, "mean_", ica, &mean);
        if (rc) return rc;
        if (mean.v && mean.n != D->nf)
            return pk_mc_fail(c, "%s.mean_ has %zu values for %zu features", m->cls, mean.n, D->nf);
        D->mean = mean.v;
    }
    if (pca) {
        if (pk_mc_bool(c, "whiten", 0)) {
            pk_mc_arr ev;
            rc = pk_mc_array(c, "explained_variance_", 1, &ev);
            if (rc) return rc;
            if (ev.n != D->k)
                return pk_mc_fail(c, "%s.explained_variance_ has %zu values for %zu components",
                                  m->cls, ev.n, D->k);
            D->wdiv = ev.v;
            for (size_t i = 0; i < D->k; i++)
                D->wdiv[i] = sqrt(ev.v[i]);
        }
    }
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = D;
    m->scratch = D->nf;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, D->k, decomp_transform);
    /* sparse rows: TruncatedSVD and GaussianRandomProjection (FastICA refuses sparse X) */
    if (!D->mean && strcmp(m->cls, "FastICA") != 0) m->sfn[PK_TRANSFORM] = decomp_stransform;
    return PK_OK;
}
