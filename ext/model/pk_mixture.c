/*
 * pk_mixture.c - GaussianMixture and BayesianGaussianMixture: predict, predict_proba and
 * score_samples for every covariance_type, as
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
 *   score_samples  logsumexp(wlp), as scipy's.
 * BayesianGaussianMixture (_estimate_weighted_log_prob of scikit-learn 1.2) adds, per component,
 *   wlp_k = ((gauss_k - 0.5 n_features log(dof_k)) + 0.5 (log_lambda_k - n_features / beta_k))
 *           + logw_k
 * with log_lambda_k = n_features log 2 + sum_j digamma(0.5 (dof_k - j)) (summed over j in order)
 * and logw from weight_concentration_: 'dirichlet_distribution' digamma(a_k) - digamma(sum a)
 * (numpy's pairwise sum); 'dirichlet_process' (a, b) digamma(a_k) - digamma(a_k + b_k) plus the
 * running sum over earlier components of digamma(b_i) - digamma(a_i + b_i). digamma is computed
 * as scipy's (recurrence up to 10, then the asymptotic series), within a few ulps.
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
    double *bg_a;       /* Bayesian: k 0.5 n_features log(dof_k) (NULL otherwise)          */
    double *bg_b;       /* Bayesian: k 0.5 (log_lambda_k - n_features / beta_k)            */
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
        double g = -0.5 * (G->half_log2pi + lp) + G->logdet[c];
        if (G->bg_a) g = (g - G->bg_a[c]) + G->bg_b[c];
        wlp[c] = g + G->logw[c];
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
    double lse = pk_logsumexp(w, k, out);
    for (size_t c = 0; c < k; c++)
        out[c] = exp(w[c] - lse);
    return PK_OK;
}

static pk_code gm_score(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    (void)err;
    const pk_gmm *G = m->impl;
    size_t k = G->k;
    gm_wlp(G, x, scratch, scratch + k);
    out[0] = pk_logsumexp(scratch, k, scratch + k);
    return PK_OK;
}

/* digamma for x > 0: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the
 * asymptotic series log x - 1/(2x) - sum B_2n / (2n x^2n) to the x^-14 term. */
static double gm_digamma(double x) {
    static const double b[7] = {1.0 / 12,  -1.0 / 120,     1.0 / 252, -1.0 / 240,
                                1.0 / 132, -691.0 / 32760, 1.0 / 12};
    double w = 0;
    if (x <= 10 && x == floor(x)) {
        for (int i = 1; i < (int)x; i++)
            w += 1.0 / i;
        return w - 0.57721566490153286061;
    }
    while (x < 10) {
        w += 1.0 / x;
        x += 1.0;
    }
    double y = 0;
    if (x < 1e17) {
        double z = 1.0 / (x * x), p = b[6];
        for (int i = 5; i >= 0; i--)
            p = p * z + b[i];
        y = z * p;
    }
    return ((log(x) - 0.5 / x) - y) - w;
}

/* The Bayesian terms (see the header): bg_a, bg_b and logw from the fitted variational
 * parameters. */
static pk_code bgm_terms(pk_mc *c, pk_gmm *G) {
    const char *cls = c->m->cls;
    size_t k = G->k, nf = G->nf;
    pk_mc_arr dof, beta;
    pk_code rc = pk_mc_array(c, "degrees_of_freedom_", 1, &dof);
    if (!rc) rc = pk_mc_array(c, "mean_precision_", 1, &beta);
    if (rc) return rc;
    /* 'tied' fits one degrees_of_freedom_ shared by every component */
    if ((dof.n != k && dof.n != 1) || beta.n != k)
        return pk_mc_fail(c, "%s.degrees_of_freedom_/mean_precision_ do not have %zu values", cls,
                          k);
    G->bg_a = pk_mc_alloc(c, k, sizeof(double));
    G->bg_b = pk_mc_alloc(c, k, sizeof(double));
    if (!G->bg_a || !G->bg_b) return c->err->code;
    for (size_t i = 0; i < k; i++) {
        double d = dof.v[dof.n == 1 ? 0 : i];
        if (!(d > (double)nf - 1) || !(beta.v[i] > 0))
            return pk_mc_fail(c, "%s: degrees_of_freedom_ or mean_precision_ out of range", cls);
        G->bg_a[i] = 0.5 * (double)nf * log(d);
        double s = gm_digamma(0.5 * d);
        for (size_t j = 1; j < nf; j++)
            s += gm_digamma(0.5 * (d - (double)j));
        double ll = (double)nf * log(2.0) + s;
        G->bg_b[i] = 0.5 * (ll - (double)nf / beta.v[i]);
    }
    const char *prior = pk_mc_str(c, "weight_concentration_prior_type");
    const pk_value *wc = pk_attr(c->obj, "weight_concentration_");
    if (!wc || wc->kind == PK_NONE) return pk_mc_not_fitted(c, "weight_concentration_");
    if (!prior || strcmp(prior, "dirichlet_process") == 0) {
        if ((wc->kind != PK_TUPLE && wc->kind != PK_LIST) || wc->u.seq.len != 2)
            return pk_mc_fail(c, "%s.weight_concentration_ is not a pair of arrays", cls);
        pk_mc_arr a, b;
        rc = pk_mc_array_of(c, wc->u.seq.items[0], "weight_concentration_[0]", &a);
        if (!rc) rc = pk_mc_array_of(c, wc->u.seq.items[1], "weight_concentration_[1]", &b);
        if (rc) return rc;
        if (a.n != k || b.n != k)
            return pk_mc_fail(c, "%s.weight_concentration_ does not have %zu values", cls, k);
        double run = 0;
        for (size_t i = 0; i < k; i++) {
            if (!(a.v[i] > 0) || !(b.v[i] > 0))
                return pk_mc_fail(c, "%s.weight_concentration_ is not positive", cls);
            double ds = gm_digamma(a.v[i] + b.v[i]);
            G->logw[i] = (gm_digamma(a.v[i]) - ds) + (i ? run : 0.0);
            run = i ? run + (gm_digamma(b.v[i]) - ds) : gm_digamma(b.v[i]) - ds;
        }
    } else if (strcmp(prior, "dirichlet_distribution") == 0) {
        pk_mc_arr a;
        rc = pk_mc_array_of(c, wc, "weight_concentration_", &a);
        if (rc) return rc;
        if (a.n != k)
            return pk_mc_fail(c, "%s.weight_concentration_ does not have %zu values", cls, k);
        for (size_t i = 0; i < k; i++)
            if (!(a.v[i] > 0))
                return pk_mc_fail(c, "%s.weight_concentration_ is not positive", cls);
        double ds = gm_digamma(pk_np_sum(a.v, k));
        for (size_t i = 0; i < k; i++)
            G->logw[i] = gm_digamma(a.v[i]) - ds;
    } else {
        return pk_mc_fail(c, "%s: unknown weight_concentration_prior_type '%.40s'", cls, prior);
    }
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
    int bayes = strcmp(cls, "BayesianGaussianMixture") == 0;
    if (strcmp(cls, "GaussianMixture") != 0 && !bayes)
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
    if (bayes) {
        rc = bgm_terms(c, G);
        if (rc) return rc;
    }
    m->kind = PK_MODEL_CLUSTERER;
    m->impl = G;
    m->scratch = 2 * k + nf;
    pk_mc_method(c, PK_PREDICT, PK_OUT_CLUSTER, 1, gm_predict);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, k, gm_proba);
    pk_mc_method(c, PK_SCORE_SAMPLES, PK_OUT_SCALAR, 1, gm_score);
    return PK_OK;
}
