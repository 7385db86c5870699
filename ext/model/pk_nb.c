/*
 * pk_nb.c - naive Bayes: GaussianNB, MultinomialNB, ComplementNB, BernoulliNB, CategoricalNB.
 *
 * Every class computes a joint log-likelihood jll[k] per class (below), then, as scikit-learn's
 * _BaseNB does:
 *   predict        classes_[argmax jll] (first maximum; a NaN wins, as numpy's argmax)
 *   predict_proba  exp(jll - logsumexp(jll)), logsumexp as scipy computes it: the maximum (0 when
 *                  not finite) m, log(sum exp(jll - m)) + m, the sum in numpy's pairwise order.
 * The joint log-likelihoods, in scikit-learn 1.2's order of operations:
 *   GaussianNB     log(class_prior_k) + (-0.5 * sum_j log(2 pi var_kj) - 0.5 * sum_j
 *                  (x_j - theta_kj)^2 / var_kj)  (the first sum precomputed, both pairwise)
 *   MultinomialNB  x . feature_log_prob_k + class_log_prior_k
 *   ComplementNB   x . feature_log_prob_k (+ class_log_prior_k when there is a single class)
 *   BernoulliNB    x binarized (x > binarize -> 1 else 0, unless binarize is None), then
 *                  x . (flp_k - neg_k) + (class_log_prior_k + sum_j neg_kj), neg = log(1 -
 * exp(flp)) CategoricalNB  sum over features of feature_log_prob_[j][k, int(x_j)], then
 *                  + class_log_prior_k; x_j is truncated to an integer as numpy's astype(int)
 *                  does; a negative category or one the model never saw (>= its column count)
 *                  is an error, as in scikit-learn (check_non_negative / IndexError).
 * Dots are summed left to right (pk_dot: what OpenBLAS gives for these sizes); exp and log come
 * from libm, so probabilities may differ from numpy's SIMD exp/log by an ulp (1e-15 relative).
 */
#include "pk_families.h"

#include <math.h>
#include <string.h>

enum { NB_GAUSS, NB_MULTI, NB_COMPLEMENT, NB_BERNOULLI, NB_CATEGORICAL };

typedef struct pk_nb {
    int type;
    size_t nf, k;
    const double *theta, *var; /* Gaussian: k x nf                           */
    double *gconst;            /* Gaussian: -0.5 * sum log(2 pi var_k)         */
    double *logprior;          /* k: log(class_prior_) / class_log_prior_ (+...) */
    const double *flp;         /* k x nf feature weights (Bernoulli: flp - neg)  */
    const double *flp_t;       /* nf x k (pk_mc_transpose), for sparse rows      */
    int binarize;              /* Bernoulli: binarize is not None                */
    double threshold;
    const double **cat; /* Categorical: per feature, k x ncat[j]        */
    size_t *ncat;
    int add_prior; /* Complement: add the prior (single class)     */
} pk_nb;

/* jll[0..k) for row x; scratch holds nf doubles after the k of jll. */
static pk_code nb_jll(const pk_model *m, const double *x, double *jll, double *tmp, pk_err *err) {
    const pk_nb *N = m->impl;
    size_t nf = N->nf;
    switch (N->type) {
    case NB_GAUSS:
        for (size_t c = 0; c < N->k; c++) {
            const double *th = N->theta + c * nf, *va = N->var + c * nf;
            for (size_t j = 0; j < nf; j++) {
                double d = x[j] - th[j];
                tmp[j] = d * d / va[j];
            }
            double n = N->gconst[c];
            n -= 0.5 * pk_np_sum(tmp, nf);
            jll[c] = N->logprior[c] + n;
        }
        return PK_OK;
    case NB_MULTI:
    case NB_COMPLEMENT:
        for (size_t c = 0; c < N->k; c++) {
            jll[c] = pk_dot(x, N->flp + c * nf, nf);
            if (N->add_prior) jll[c] += N->logprior[c];
        }
        return PK_OK;
    case NB_BERNOULLI:
        if (N->binarize) {
            for (size_t j = 0; j < nf; j++)
                tmp[j] = x[j] > N->threshold ? 1.0 : 0.0;
            x = tmp;
        }
        for (size_t c = 0; c < N->k; c++)
            jll[c] = pk_dot(x, N->flp + c * nf, nf) + N->logprior[c];
        return PK_OK;
    default: /* NB_CATEGORICAL */
        for (size_t c = 0; c < N->k; c++)
            jll[c] = 0.0;
        for (size_t j = 0; j < nf; j++) {
            double t = trunc(x[j]);
            if (t < 0 || t >= (double)N->ncat[j])
                return pk_err_set(err, PK_EFEATURE, -1, -1,
                                  "%s: feature %zu is category %.17g, %s (0 .. %zu)", m->cls, j + 1,
                                  x[j], t < 0 ? "negative" : "never seen in fitting",
                                  N->ncat[j] - 1);
            size_t idx = (size_t)t;
            for (size_t c = 0; c < N->k; c++)
                jll[c] += N->cat[j][c * N->ncat[j] + idx];
        }
        for (size_t c = 0; c < N->k; c++)
            jll[c] += N->logprior[c];
        return PK_OK;
    }
}

/* jll on a sparse row (Multinomial, Complement, Bernoulli): safe_sparse_dot's csr_matvecs, from
 * 0.0 over the row's entries in data order; Bernoulli binarizes first (v > threshold -> 1, else
 * the entry is dropped: binarize + eliminate_zeros). */
static void nb_sjll(const pk_nb *N, const pk_sparse *x, double *jll) {
    if (N->type == NB_BERNOULLI && N->binarize) {
        for (size_t c = 0; c < N->k; c++) {
            const double *w = N->flp_t + c;
            double acc = 0.0;
            for (size_t i = 0; i < x->nnz; i++)
                if (x->val[i] > N->threshold) acc += w[(size_t)x->idx[i] * N->k];
            jll[c] = acc;
        }
    } else {
        pk_sparse_dots(x, N->flp_t, N->k, jll);
    }
    for (size_t c = 0; c < N->k; c++)
        if (N->type != NB_COMPLEMENT || N->add_prior) jll[c] += N->logprior[c];
}

static size_t nb_argmax(const double *jll, size_t k) {
    size_t best = 0;
    for (size_t c = 1; c < k; c++)
        if (!isnan(jll[best]) && (jll[c] > jll[best] || isnan(jll[c]))) best = c;
    return best;
}

static void nb_proba_from(const double *jll, size_t k, double *out) {
    double lse = pk_logsumexp(jll, k, out);
    for (size_t c = 0; c < k; c++)
        out[c] = exp(jll[c] - lse);
}

static pk_code nb_spredict(const pk_model *m, const pk_sparse *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_nb *N = m->impl;
    nb_sjll(N, x, scratch);
    out[0] = (double)nb_argmax(scratch, N->k);
    return PK_OK;
}

static pk_code nb_sproba(const pk_model *m, const pk_sparse *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const pk_nb *N = m->impl;
    nb_sjll(N, x, scratch);
    nb_proba_from(scratch, N->k, out);
    return PK_OK;
}

static pk_code nb_predict(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    const pk_nb *N = m->impl;
    pk_code rc = nb_jll(m, x, scratch, scratch + N->k, err);
    if (rc) return rc;
    out[0] = (double)nb_argmax(scratch, N->k);
    return PK_OK;
}

/* probabilities (log_out 0) or their logs (1): jll - logsumexp(jll), as _BaseNB. */
static pk_code nb_norm(const pk_model *m, const double *x, double *scratch, double *out,
                       pk_err *err, int log_out) {
    const pk_nb *N = m->impl;
    size_t k = N->k;
    pk_code rc = nb_jll(m, x, scratch, scratch + k, err);
    if (rc) return rc;
    double lse = pk_logsumexp(scratch, k, out);
    for (size_t c = 0; c < k; c++)
        out[c] = log_out ? scratch[c] - lse : exp(scratch[c] - lse);
    return PK_OK;
}

static pk_code nb_proba(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    return nb_norm(m, x, scratch, out, err, 0);
}

static pk_code nb_log_proba(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    return nb_norm(m, x, scratch, out, err, 1);
}

/* A k x nf array attribute. */
static pk_code nb_matrix(pk_mc *c, const char *attr, size_t k, pk_mc_arr *a) {
    pk_code rc = pk_mc_array(c, attr, 1, a);
    if (rc) return rc;
    size_t rows = a->ndim == 2 ? a->rows : 1;
    if (a->ndim == 0 || rows != k)
        return pk_mc_fail(c, "%s.%s has %zu rows for %zu classes", c->m->cls, attr, rows, k);
    return pk_mc_features(c, a->cols);
}

/* A k-vector attribute. */
static pk_code nb_vector(pk_mc *c, const char *attr, size_t k, pk_mc_arr *a) {
    pk_code rc = pk_mc_array(c, attr, 1, a);
    if (rc) return rc;
    if (a->n != k || a->ndim > 1)
        return pk_mc_fail(c, "%s.%s has %zu values for %zu classes", c->m->cls, attr, a->n, k);
    return PK_OK;
}

static pk_code nb_categorical(pk_mc *c, pk_nb *N) {
    const pk_value *f = pk_attr(c->obj, "feature_log_prob_");
    if (!f || f->kind == PK_NONE) return pk_mc_not_fitted(c, "feature_log_prob_");
    if (f->kind != PK_LIST && f->kind != PK_TUPLE)
        return pk_mc_fail(c, "%s.feature_log_prob_ is not a list of arrays", c->m->cls);
    size_t nf = f->u.seq.len;
    pk_code rc = pk_mc_features(c, nf);
    if (rc) return rc;
    N->nf = nf;
    N->cat = pk_mc_alloc(c, nf, sizeof *N->cat);
    N->ncat = pk_mc_alloc(c, nf, sizeof *N->ncat);
    if (!N->cat || !N->ncat) return c->err->code;
    for (size_t j = 0; j < nf; j++) {
        pk_mc_arr a;
        rc = pk_mc_array_of(c, f->u.seq.items[j], "feature_log_prob_[j]", &a);
        if (rc) return rc;
        if (a.ndim != 2 || a.rows != N->k || a.cols == 0)
            return pk_mc_fail(c, "%s.feature_log_prob_[%zu] is not a %zu-row array", c->m->cls, j,
                              N->k);
        N->cat[j] = a.v;
        N->ncat[j] = a.cols;
    }
    return PK_OK;
}

pk_code pk_compile_nb(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    const pk_value *classes = pk_attr(c->obj, "classes_");
    if (!classes || classes->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    pk_code rc = pk_mc_classes(c, classes);
    if (rc) return rc;
    pk_nb *N = pk_mc_alloc(c, 1, sizeof *N);
    if (!N) return c->err->code;
    size_t k = N->k = m->n_classes;
    if (k == 0) return pk_mc_fail(c, "%s has no classes", cls);
    N->add_prior = 1;
    pk_mc_arr a, b;
    if (strcmp(cls, "GaussianNB") == 0) {
        N->type = NB_GAUSS;
        rc = nb_matrix(c, "theta_", k, &a);
        if (rc) return rc;
        N->theta = a.v;
        /* var_ since scikit-learn 1.0; sigma_ before */
        rc = nb_matrix(c, pk_attr(c->obj, "var_") ? "var_" : "sigma_", k, &b);
        if (rc) return rc;
        if (b.cols != a.cols) return pk_mc_fail(c, "%s: theta_ and var_ differ in shape", cls);
        N->var = b.v;
        N->nf = a.cols;
        pk_mc_arr pr;
        rc = nb_vector(c, "class_prior_", k, &pr);
        if (rc) return rc;
        N->gconst = pk_mc_alloc(c, k, sizeof(double));
        N->logprior = pk_mc_alloc(c, k, sizeof(double));
        double *t = pk_mc_alloc(c, N->nf, sizeof(double));
        if (!N->gconst || !N->logprior || !t) return c->err->code;
        for (size_t i = 0; i < k; i++) {
            for (size_t j = 0; j < N->nf; j++)
                t[j] = log(2.0 * M_PI * N->var[i * N->nf + j]);
            N->gconst[i] = -0.5 * pk_np_sum(t, N->nf);
            N->logprior[i] = log(pr.v[i]);
        }
    } else if (strcmp(cls, "CategoricalNB") == 0) {
        N->type = NB_CATEGORICAL;
        rc = nb_vector(c, "class_log_prior_", k, &a);
        if (rc) return rc;
        N->logprior = a.v;
        rc = nb_categorical(c, N);
        if (rc) return rc;
    } else {
        N->type = strcmp(cls, "ComplementNB") == 0  ? NB_COMPLEMENT
                  : strcmp(cls, "BernoulliNB") == 0 ? NB_BERNOULLI
                                                    : NB_MULTI;
        rc = nb_matrix(c, "feature_log_prob_", k, &a);
        if (rc) return rc;
        N->nf = a.cols;
        rc = nb_vector(c, "class_log_prior_", k, &b);
        if (rc) return rc;
        N->flp = a.v;
        N->logprior = b.v;
        if (N->type == NB_COMPLEMENT) N->add_prior = k == 1;
        if (N->type == NB_BERNOULLI) {
            const pk_value *bz = pk_attr(c->obj, "binarize");
            N->binarize = bz && bz->kind != PK_NONE;
            if (N->binarize && pk_as_f64(bz, &N->threshold) != PK_OK)
                return pk_mc_fail(c, "%s.binarize is not a number", cls);
            double *w = pk_mc_alloc(c, k * N->nf, sizeof(double));
            double *neg = pk_mc_alloc(c, N->nf, sizeof(double));
            double *lp = pk_mc_alloc(c, k, sizeof(double));
            if (!w || !neg || !lp) return c->err->code;
            for (size_t i = 0; i < k; i++) {
                for (size_t j = 0; j < N->nf; j++) {
                    double f = a.v[i * N->nf + j];
                    neg[j] = log(1 - exp(f));
                    w[i * N->nf + j] = f - neg[j];
                }
                lp[i] = b.v[i] + pk_np_sum(neg, N->nf);
            }
            N->flp = w;
            N->logprior = lp;
        }
    }
    m->kind = PK_MODEL_CLASSIFIER;
    m->impl = N;
    m->scratch = k + N->nf;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, nb_predict);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, k, nb_proba);
    if (N->type == NB_MULTI || N->type == NB_COMPLEMENT || N->type == NB_BERNOULLI) {
        N->flp_t = pk_mc_transpose(c, N->flp, k, N->nf);
        if (!N->flp_t) return c->err->code;
        m->sparse_w = N->flp_t;
        m->sparse_k = k;
        m->sfn[PK_PREDICT] = nb_spredict;
        m->sfn[PK_PREDICT_PROBA] = nb_sproba;
    }
    pk_mc_method(c, PK_PREDICT_LOG_PROBA, PK_OUT_ARRAY, k, nb_log_proba);
    return PK_OK;
}
