/*
 * pk_mixture.c - GaussianMixture: predict and predict_proba for every covariance_type, as
 * scikit-learn 1.2's _estimate_log_gaussian_prob computes them from precisions_cholesky_ (P):
 *   full       per component k: y = x @ P_k - mu_k @ P_k, lp_k = pairwise sum of y_j^2
 *   tied       the same with the one shared P
 *   diag       prec = P^2: lp_k = (sum_j mu_kj^2 prec_kj - 2.0 * x . (mu_k * prec_k))
 *                                 + (x^2) . prec_k
 *   spherical  prec = P^2: lp_k = (sum_j mu_kj^2) * prec_k - 2 * x . (mu_k * prec_k)
 *                                 + ||x||^2 * prec_k
 *   then wlp_k = (-0.5 * (n_features * log(2 pi) + lp_k) + log_det_k) + log(weights_k), with
 *   log_det_k the (pairwise) sum of the logs of P_k's diagonal (n_features * log P_k when
 *   spherical). Every constant term is computed once, at compile time.
 *   predict        argmax wlp (first maximum)
 *   predict_proba  exp(wlp - logsumexp(wlp)), logsumexp as scipy's (maximum, 0 when not finite;
 *                  pairwise sum of exp).
 * Dots are summed left to right (pk_dot: the reference BLAS and numpy's einsum for these sizes).
 * The logs come from libm where numpy 1.24 uses its own SIMD log (an ulp apart on some inputs):
 * the values agree within 1e-12 relative to the magnitude of the terms combined; labels are
 * identical except when two components tie to within that rounding.
 */
#include "pk_families.h"

#include "pk_ndarray.h"

#include <math.h>
#include <string.h>

enum { GM_FULL, GM_TIED, GM_DIAG, GM_SPHERICAL };

typedef struct pk_gmm {
    int type;
    size_t k, nf;
    double *pt;         /* full: k x (nf x nf) P_k transposed; tied: one nf x nf           */
    double *mup;        /* full/tied: k x nf mu_k @ P_k; diag/spherical: k x nf mu_k*prec_k */
    double *prec;       /* diag: k x nf prec; spherical: k prec                            */
    double *cst;        /* diag/spherical: the constant first term per component           */
    double *logdet;     /* k log_det_k                                                     */
    double *logw;       /* k log(weights_k)                                                */
    double half_log2pi; /* n_features * log(2 pi)                                          */
} pk_gmm;

/* wlp[0..k) for row x; tmp holds nf doubles. */
static void gm_wlp(const pk_gmm *G, const double *x, double *wlp, double *tmp) {
    size_t nf = G->nf;
    double xx = 0;
    if (G->type == GM_SPHERICAL) xx = pk_dot(x, x, nf);
    if (G->type == GM_DIAG)
        for (size_t j = 0; j < nf; j++)
            tmp[j] = x[j] * x[j];
    for (size_t c = 0; c < G->k; c++) {
        double lp;
        switch (G->type) {
        case GM_FULL:
        case GM_TIED: {
            const double *pt = G->pt + (G->type == GM_FULL ? c * nf * nf : 0);
            for (size_t j = 0; j < nf; j++) {
                double y = pk_dot(x, pt + j * nf, nf) - G->mup[c * nf + j];
                tmp[j] = y * y;
            }
            lp = pk_np_sum(tmp, nf);
            break;
        }
        case GM_DIAG:
            lp = G->cst[c] - 2.0 * pk_dot(x, G->mup + c * nf, nf);
            lp += pk_dot(tmp, G->prec + c * nf, nf);
            break;
        default:
            lp = G->cst[c] - 2 * pk_dot(x, G->mup + c * nf, nf);
            lp += xx * G->prec[c];
            break;
        }
        wlp[c] = (-0.5 * (G->half_log2pi + lp) + G->logdet[c]) + G->logw[c];
    }
}

static pk_code gm_predict(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    (void)err;
    const pk_gmm *G = m->impl;
    gm_wlp(G, x, scratch, scratch + G->k);
    size_t best = 0;
    for (size_t c = 1; c < G->k; c++)
        if (!isnan(scratch[best]) && (scratch[c] > scratch[best] || isnan(scratch[c]))) best = c;
    out[0] = (double)best;
    return PK_OK;
}

static pk_code gm_proba(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    (void)err;
    const pk_gmm *G = m->impl;
    size_t k = G->k;
    double *w = scratch;
    gm_wlp(G, x, w, scratch + k);
    double mx = w[0];
    for (size_t c = 1; c < k; c++)
        if (w[c] > mx || isnan(w[c])) mx = w[c];
    if (!isfinite(mx)) mx = 0;
    for (size_t c = 0; c < k; c++)
        out[c] = exp(w[c] - mx);
    double lse = log(pk_np_sum(out, k));
    lse += mx;
    for (size_t c = 0; c < k; c++)
        out[c] = exp(w[c] - lse);
    return PK_OK;
}

/* precisions_cholesky_ as doubles (C order); 3-D allowed for 'full'. */
static pk_code gm_chol(pk_mc *c, int type, size_t k, size_t nf, double **out) {
    const char *cls = c->m->cls;
    const pk_value *v = pk_attr(c->obj, "precisions_cholesky_");
    if (!v || v->kind == PK_NONE) return pk_mc_not_fitted(c, "precisions_cholesky_");
    if (type == GM_FULL) {
        const pk_ndarray *a = v->kind == PK_NDARRAY ? v->u.arr : NULL;
        if (!a || !a->complete || a->objects || a->ndim != 3 || (size_t)a->shape[0] != k ||
            (size_t)a->shape[1] != nf || (size_t)a->shape[2] != nf)
            return pk_mc_fail(c, "%s.precisions_cholesky_ is not a %zu x %zu x %zu array", cls, k,
                              nf, nf);
        size_t n = pk_ndarray_size(a);
        *out = pk_mc_alloc(c, n, sizeof(double));
        if (!*out) return c->err->code;
        if (pk_ndarray_to_f64(a, *out, n) != PK_OK)
            return pk_mc_fail(c, "%s.precisions_cholesky_ is not numeric", cls);
        return PK_OK;
    }
    pk_mc_arr p;
    pk_code rc = pk_mc_array_of(c, v, "precisions_cholesky_", &p);
    if (rc) return rc;
    int ok = type == GM_TIED   ? p.ndim == 2 && p.rows == nf && p.cols == nf
             : type == GM_DIAG ? p.ndim == 2 && p.rows == k && p.cols == nf
                               : p.ndim == 1 && p.n == k;
    if (!ok) return pk_mc_fail(c, "%s.precisions_cholesky_ has the wrong shape", cls);
    *out = p.v;
    return PK_OK;
}

pk_code pk_compile_gmm(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    if (strcmp(cls, "GaussianMixture") != 0)
        return pk_mc_fail(c, "%s is not supported (GaussianMixture is)", cls);
    const char *ct = pk_mc_str(c, "covariance_type");
    if (!ct) ct = "full";
    int type = strcmp(ct, "full") == 0        ? GM_FULL
               : strcmp(ct, "tied") == 0      ? GM_TIED
               : strcmp(ct, "diag") == 0      ? GM_DIAG
               : strcmp(ct, "spherical") == 0 ? GM_SPHERICAL
                                              : -1;
    if (type < 0) return pk_mc_fail(c, "%s: unknown covariance_type '%.40s'", cls, ct);
    pk_mc_arr mu, w;
    pk_code rc = pk_mc_array(c, "means_", 1, &mu);
    if (rc) return rc;
    if (mu.ndim != 2 || mu.rows == 0) return pk_mc_fail(c, "%s.means_ is not a 2-D array", cls);
    rc = pk_mc_features(c, mu.cols);
    if (rc) return rc;
    size_t k = mu.rows, nf = mu.cols;
    rc = pk_mc_array(c, "weights_", 1, &w);
    if (rc) return rc;
    if (w.ndim > 1 || w.n != k)
        return pk_mc_fail(c, "%s.weights_ has %zu values for %zu components", cls, w.n, k);
    double *P = NULL;
    rc = gm_chol(c, type, k, nf, &P);
    if (rc) return rc;
    pk_gmm *G = pk_mc_alloc(c, 1, sizeof *G);
    if (!G) return c->err->code;
    G->type = type;
    G->k = k;
    G->nf = nf;
    G->logdet = pk_mc_alloc(c, k, sizeof(double));
    G->logw = pk_mc_alloc(c, k, sizeof(double));
    G->mup = pk_mc_alloc(c, k * nf, sizeof(double));
    double *t = pk_mc_alloc(c, nf, sizeof(double));
    if (!G->logdet || !G->logw || !G->mup || !t) return c->err->code;
    G->half_log2pi = (double)nf * log(2 * M_PI);
    for (size_t i = 0; i < k; i++)
        G->logw[i] = log(w.v[i]);
    if (type == GM_FULL || type == GM_TIED) {
        size_t nmat = type == GM_FULL ? k : 1;
        G->pt = pk_mc_alloc(c, nmat * nf * nf, sizeof(double));
        if (!G->pt) return c->err->code;
        for (size_t q = 0; q < nmat; q++)
            for (size_t i = 0; i < nf; i++)
                for (size_t j = 0; j < nf; j++)
                    G->pt[q * nf * nf + j * nf + i] = P[q * nf * nf + i * nf + j];
        for (size_t i = 0; i < k; i++) {
            const double *pt = G->pt + (type == GM_FULL ? i * nf * nf : 0);
            for (size_t j = 0; j < nf; j++)
                G->mup[i * nf + j] = pk_dot(mu.v + i * nf, pt + j * nf, nf);
            const double *pm = P + (type == GM_FULL ? i * nf * nf : 0);
            for (size_t j = 0; j < nf; j++)
                t[j] = log(pm[j * nf + j]);
            G->logdet[i] = pk_np_sum(t, nf);
        }
    } else {
        G->cst = pk_mc_alloc(c, k, sizeof(double));
        G->prec = pk_mc_alloc(c, type == GM_DIAG ? k * nf : k, sizeof(double));
        if (!G->cst || !G->prec) return c->err->code;
        for (size_t i = 0; i < k; i++) {
            const double *mk = mu.v + i * nf;
            if (type == GM_DIAG) {
                double *pk = G->prec + i * nf;
                for (size_t j = 0; j < nf; j++) {
                    double p = P[i * nf + j];
                    pk[j] = p * p;
                }
                for (size_t j = 0; j < nf; j++)
                    t[j] = mk[j] * mk[j] * pk[j];
                G->cst[i] = pk_np_sum(t, nf);
                for (size_t j = 0; j < nf; j++) {
                    G->mup[i * nf + j] = mk[j] * pk[j];
                    t[j] = log(P[i * nf + j]);
                }
                G->logdet[i] = pk_np_sum(t, nf);
            } else {
                double p = P[i] * P[i];
                G->prec[i] = p;
                for (size_t j = 0; j < nf; j++)
                    t[j] = mk[j] * mk[j];
                G->cst[i] = pk_np_sum(t, nf) * p;
                for (size_t j = 0; j < nf; j++)
                    G->mup[i * nf + j] = mk[j] * p;
                G->logdet[i] = (double)nf * log(P[i]);
            }
        }
    }
    m->kind = PK_MODEL_CLUSTERER;
    m->impl = G;
    m->scratch = k + nf;
    pk_mc_method(c, PK_PREDICT, PK_OUT_CLUSTER, 1, gm_predict);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, k, gm_proba);
    return PK_OK;
}
