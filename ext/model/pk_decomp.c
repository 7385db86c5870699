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
 *
 * PCA.score_samples: the Gaussian log-likelihood (pk_gauss_loglik) with get_precision(): for
 * n_components_ == 0 the identity / noise_variance_; for noise_variance_ == 0 the inverse of
 * get_covariance() = (components_.T * max(explained_variance_ - noise_variance_, 0)) @
 * components_ (+ noise_variance_ on the diagonal); otherwise the matrix inversion lemma:
 * A = components_ @ components_.T / noise_variance_ + diag(1 / exp_var_diff), then
 * components_.T @ (inv(A) @ components_) / -(noise_variance_**2) + diag(1 / noise_variance_)
 * (components_ scaled by sqrt(explained_variance_) when whiten). Computed once when compiling,
 * products summed left to right as the reference BLAS does, inverses and fast_logdet with the
 * reference LAPACK's arithmetic (pk_linalg.c): bit-identical to scikit-learn on Debian's
 * reference BLAS/LAPACK. Another BLAS sums otherwise: then the difference grows with the
 * condition number of the covariance. IncrementalPCA has no score_samples in scikit-learn.
 */
#include "pk_linalg.h"
#include "pk_model_impl.h"

#include <math.h>
#include <string.h>

typedef struct pk_decomp {
    size_t nf, k;
    const double *mean; /* nf or NULL */
    const double *comp; /* k x nf     */
    double *wdiv;       /* k or NULL  */
    double *prec;       /* PCA score_samples: nf x nf get_precision() */
    double half_norm;   /* 0.5 * (nf log(2 pi) - fast_logdet(prec))   */
} pk_decomp;

/* get_precision() is n_features squared and inverted (cubic): bounded when compiling */
#define PK_PCA_MAX_FEATURES 1024

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

static pk_code pca_score(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const pk_decomp *D = m->impl;
    out[0] = pk_gauss_loglik(x, D->mean, D->prec, D->nf, D->half_norm, scratch);
    return PK_OK;
}

/* PCA.get_precision() into D->prec (see the header) and D->half_norm. ev: explained_variance_
 * (k values), nv: noise_variance_. NULL when it is computed, else why score_samples is not
 * offered. */
static const char *pca_precision(pk_mc *c, pk_decomp *D, const double *ev, double nv, int whiten) {
    size_t nf = D->nf, k = D->k, nn = nf * nf;
    size_t iw = pk_invert_work(nf > k ? nf : k);
    double *P = pk_mc_alloc(c, nn, sizeof(double));
    double *work = pk_mc_alloc(c, nn + 2 * k * nf + k * k + k + iw, sizeof(double));
    if (!P || !work) return NULL;
    double *comp = work + nn, *b = comp + k * nf, *a = b + k * nf, *diff = a + k * k;
    double *iwork = diff + k;
    memcpy(comp, D->comp, k * nf * sizeof(double));
    if (whiten)
        for (size_t r = 0; r < k; r++)
            for (size_t j = 0; j < nf; j++)
                comp[r * nf + j] *= sqrt(ev[r]);
    for (size_t r = 0; r < k; r++)
        diff[r] = ev[r] - nv > 0.0 ? ev[r] - nv : 0.0;
    if (k == 0) {
        for (size_t i = 0; i < nn; i++)
            P[i] = 0.0;
        for (size_t i = 0; i < nf; i++)
            P[i * nf + i] = 1.0 / nv;
    } else if (nv == 0.0) {
        for (size_t r = 0; r < k; r++) /* components_.T * exp_var_diff, then @ components_ */
            for (size_t j = 0; j < nf; j++)
                b[r * nf + j] = comp[r * nf + j] * diff[r];
        pk_matmul_tn(b, comp, k, nf, nf, P);
        for (size_t i = 0; i < nf; i++)
            P[i * nf + i] += nv;
        if (!pk_invert(P, nf, iwork)) return "its covariance (get_covariance()) is singular";
    } else {
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                a[i * k + j] = pk_dot(comp + i * nf, comp + j * nf, nf) / nv;
        for (size_t i = 0; i < k; i++)
            a[i * k + i] += 1.0 / diff[i];
        if (!pk_invert(a, k, iwork))
            return "components_ @ components_.T / noise_variance_ + diag(1 / (explained_variance_ "
                   "- noise_variance_)) is singular";
        pk_matmul(a, comp, k, k, nf, b); /* inv(A) @ components_ */
        pk_matmul_tn(comp, b, k, nf, nf, P);
        double nv2 = -(nv * nv);
        for (size_t i = 0; i < nn; i++)
            P[i] /= nv2;
        for (size_t i = 0; i < nf; i++)
            P[i * nf + i] += 1.0 / nv;
    }
    for (size_t i = 0; i < nn; i++)
        if (!isfinite(P[i])) return "its precision matrix (get_precision()) is not finite";
    memcpy(work, P, nn * sizeof(double));
    D->half_norm = 0.5 * ((double)nf * log(2.0 * M_PI) - pk_logdet(work, nf, iwork));
    D->prec = P;
    return NULL;
}

/* Declares PCA's score_samples, or says why not. */
static pk_code pca_score_samples(pk_mc *c, pk_decomp *D) {
    pk_model *m = c->m;
    pk_mc_arr ev;
    double nv;
    int whiten = pk_mc_bool(c, "whiten", 0);
    pk_code rc = pk_mc_array(c, "explained_variance_", 0, &ev);
    if (rc) return rc;
    const pk_value *nvv = pk_attr(c->obj, "noise_variance_");
    if (!ev.v || !D->mean || !nvv || pk_as_f64(nvv, &nv) != PK_OK) {
        m->why_not[PK_SCORE_SAMPLES] = "the pickle lacks mean_, explained_variance_ or "
                                       "noise_variance_";
        return PK_OK;
    }
    if (ev.n != D->k)
        return pk_mc_fail(c, "%s.explained_variance_ has %zu values for %zu components", m->cls,
                          ev.n, D->k);
    if (D->nf > PK_PCA_MAX_FEATURES) {
        m->why_not[PK_SCORE_SAMPLES] = "score_samples is compiled for at most 1024 features (its "
                                       "precision matrix is n_features squared)";
        return PK_OK;
    }
    const char *why = pca_precision(c, D, ev.v, nv, whiten != 0);
    if (c->err->code) return c->err->code;
    if (why) {
        m->why_not[PK_SCORE_SAMPLES] = why;
        return PK_OK;
    }
    m->scratch = 2 * D->nf;
    pk_mc_method(c, PK_SCORE_SAMPLES, PK_OUT_SCALAR, 1, pca_score);
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
    if (strcmp(m->cls, "PCA") == 0) return pca_score_samples(c, D);
    return PK_OK;
}
