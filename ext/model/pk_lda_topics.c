/*
 * pk_lda_topics.c - LatentDirichletAllocation.transform: the E-step of scikit-learn 1.2.1
 * (_update_doc_distribution with random_init=False, which transform always uses: no random
 * draws) for one document, then the topic distribution divided by its sum.
 *
 * With E = exp_dirichlet_component_ restricted to the row's non-zero words (ids, counts c):
 *   gamma = 1 (k topics), t = exp(psi(1) - psi(k)) for every topic;
 *   repeat at most max_doc_update_iter times:
 *     phi_j   = sum_k t_k E[k, j] + eps                       (float64 eps, left to right)
 *     gamma_k = t_k * sum_j (c_j / phi_j) E[k, j]
 *     gamma_k += doc_topic_prior_; t_k = exp(psi(gamma_k) - psi(sum gamma))   (sum left to right)
 *     stop when mean |gamma - previous gamma| < mean_change_tol
 *   out = gamma / np.sum(gamma)
 * psi is scikit-learn's own digamma (_online_lda_fast.pyx, after Bernardo's AS 103, not
 * scipy.special.psi): -EULER - 1/x for x <= 1e-6, else the recurrence up to x >= 6 and the
 * asymptotic series to 1/x^6. Every operation is done in scikit-learn's order with libm's
 * exp/log (numpy's float64 exp is libm's on the reference machine), so the result is
 * bit-identical to scikit-learn's. A row is independent of the other rows of a batch.
 *
 * Refused: a model fitted on float32 data (scikit-learn then transforms in float32). Rows:
 * negative counts are errors, as in scikit-learn.
 */
#include "pk_more_families.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define LDA_EULER 0.577215664901532860606512090082402431

typedef struct pk_lda_topics {
    size_t k, nf, max_iter;
    const double *E; /* k x nf: exp_dirichlet_component_ */
    double prior, tol, t0;
} pk_lda_topics;

/* scikit-learn's psi (see the header). */
static double lda_psi(double x) {
    if (x <= 1e-6) return -LDA_EULER - 1. / x;
    double r, result = 0;
    while (x < 6) {
        result -= 1. / x;
        x += 1;
    }
    r = 1. / x;
    result += log(x) - .5 * r;
    r = r * r;
    result -= r * ((1. / 12.) - r * ((1. / 120.) - r * (1. / 252.)));
    return result;
}

/* out: gamma[k]; scratch: last[k] | t[k] | counts[nf] | phi[nf] | ids[nf] (as size_t) */
static pk_code lda_transform(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    const pk_lda_topics *L = m->impl;
    const size_t k = L->k, nf = L->nf;
    double *gamma = out, *last = scratch, *t = scratch + k, *cnt = scratch + 2 * k;
    double *phi = cnt + nf;
    size_t *ids = (size_t *)(void *)(phi + nf), n = 0;
    for (size_t j = 0; j < nf; j++) {
        if (x[j] < 0)
            return pk_err_set(err, PK_EFEATURE, -1, -1,
                              "%s takes no negative counts (feature %zu is %.17g)", m->cls, j + 1,
                              x[j]);
        if (x[j] != 0) {
            ids[n] = j;
            cnt[n++] = x[j];
        }
    }
    for (size_t i = 0; i < k; i++) {
        gamma[i] = 1.0;
        t[i] = L->t0;
    }
    for (size_t it = 0; it < L->max_iter; it++) {
        memcpy(last, gamma, k * sizeof *gamma);
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t i = 0; i < k; i++)
                s += t[i] * L->E[i * nf + ids[j]];
            phi[j] = s + DBL_EPSILON;
        }
        for (size_t j = 0; j < n; j++)
            phi[j] = cnt[j] / phi[j];
        for (size_t i = 0; i < k; i++) {
            const double *e = L->E + i * nf;
            double s = 0.0;
            for (size_t j = 0; j < n; j++)
                s += phi[j] * e[ids[j]];
            gamma[i] = t[i] * s;
        }
        double total = 0.0;
        for (size_t i = 0; i < k; i++) {
            gamma[i] = gamma[i] + L->prior;
            total += gamma[i];
        }
        double psi_total = lda_psi(total);
        for (size_t i = 0; i < k; i++)
            t[i] = exp(lda_psi(gamma[i]) - psi_total);
        double change = 0.0;
        for (size_t i = 0; i < k; i++)
            change += fabs(last[i] - gamma[i]);
        if (change / (double)k < L->tol) break;
    }
    double sum = pk_np_sum(gamma, k);
    for (size_t i = 0; i < k; i++)
        gamma[i] /= sum;
    return PK_OK;
}

pk_code pk_compile_lda_topics(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    pk_mc_arr e;
    pk_code rc = pk_mc_array(c, "exp_dirichlet_component_", 1, &e);
    if (rc) return rc;
    if (e.ndim != 2 || e.rows == 0 || e.cols == 0)
        return pk_mc_fail(c, "%s.exp_dirichlet_component_ is not a 2-D array", cls);
    if ((rc = pk_mc_require_f64(c, pk_attr(c->obj, "components_"), "components_")) ||
        (rc = pk_mc_require_f64(c, pk_attr(c->obj, "exp_dirichlet_component_"),
                                "exp_dirichlet_component_")) ||
        (rc = pk_mc_features(c, e.cols)))
        return rc;
    pk_lda_topics *L = pk_mc_alloc(c, 1, sizeof *L);
    if (!L) return c->err->code;
    L->k = e.rows;
    L->nf = e.cols;
    L->E = e.v;
    double mi;
    if ((rc = pk_mc_num(c, "doc_topic_prior_", NAN, &L->prior)) ||
        (rc = pk_mc_num(c, "max_doc_update_iter", 100, &mi)) ||
        (rc = pk_mc_num(c, "mean_change_tol", 1e-3, &L->tol)))
        return rc;
    if (isnan(L->prior)) return pk_mc_not_fitted(c, "doc_topic_prior_");
    if (!(mi >= 0 && mi <= 1e6) || mi != floor(mi))
        return pk_mc_fail(c, "%s: max_doc_update_iter must be an integer in 0..1000000", cls);
    if (!isfinite(L->prior) || !(L->tol >= 0))
        return pk_mc_fail(c, "%s: doc_topic_prior_ or mean_change_tol out of range", cls);
    L->max_iter = (size_t)mi;
    for (size_t i = 0; i < L->k * L->nf; i++)
        if (!(L->E[i] >= 0) || isinf(L->E[i]))
            return pk_mc_fail(c, "%s.exp_dirichlet_component_ has a negative or non-finite value",
                              cls);
    /* _dirichlet_expectation_2d of a row of ones, then np.exp */
    L->t0 = exp(lda_psi(1.0) - lda_psi((double)L->k));
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = L;
    m->scratch = 2 * L->k + 3 * L->nf;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, L->k, lda_transform);
    return PK_OK;
}
