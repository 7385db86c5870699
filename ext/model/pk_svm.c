/*
 * pk_svm.c - libsvm-based estimators: SVC, NuSVC (classification), SVR, NuSVR (regression),
 * OneClassSVM (outlier detection), dense-fitted, kernels linear/poly/rbf/sigmoid/precomputed.
 *
 * The model is what scikit-learn hands to libsvm at predict time: support_vectors_ (l x nf),
 * _dual_coef_ ((k-1) x l, libsvm's sv_coef layout), _intercept_ (= -rho, one per class pair),
 * _n_support (support vectors per class, grouped in class order), _probA/_probB, _gamma, degree,
 * coef0. The arithmetic follows scikit-learn 1.2's libsvm (dense representation):
 *   kernel k(x, s)   linear  dot(x, s)
 *                    poly    powi(gamma * dot(x, s) + coef0, degree), powi by repeated squaring
 *                            of the base (multiply into the result when the exponent's low bit
 *                            is set, square the base, halve the exponent)
 *                    rbf     exp(-gamma * dot(d, d)) with d = x - s
 *                    sigmoid tanh(gamma * dot(x, s) + coef0)
 *                    precomputed  x[support_[i]] (x is the row of the test kernel matrix)
 *                    dot is BLAS ddot; the reference BLAS of the oracle machine sums left to
 *                    right from 0, as pk_dot does.
 *   regression / one-class: sum_i coef_i k(x, s_i) (left to right from 0) minus rho; one-class
 *                    predict is +1 when that value is > 0, else -1.
 *   classification:  for each class pair (i, j), i < j, in that order: the sum over class i's
 *                    support vectors of sv_coef[j-1] * k, then over class j's with sv_coef[i],
 *                    minus rho; a value > 0 is a vote for i, otherwise for j; the label is the
 *                    first class with the most votes.
 * scikit-learn on top:
 *   decision_function  binary: -dec; ovo: the pair values; ovr (more than 2 classes):
 *                    votes + s / (3 (|s| + 1)) where s accumulates, pair by pair, s_i -= -dec and
 *                    s_j += -dec, and the vote goes to j when dec < 0, else to i (this differs from
 *                    libsvm's vote at dec == 0, as scikit-learn's does).
 *   predict with break_ties (ovr, more than 2 classes): the first maximum of the ovr values.
 *   predict_proba (probability=True, SVC/NuSVC): per pair, Platt's sigmoid of the decision value
 *                    (1 / (1 + exp(f)) for f = dec * A + B < 0, else exp(-f) / (1 + exp(-f))),
 *                    clipped to [1e-7, 1 - 1e-7]; r_ji = 1 - r_ij; then the pairwise coupling of
 *                    Wu, Lin and Weng (method 2) solved by libsvm's fixed-point iteration: start
 *                    from p = 1/k, at most max(100, k) sweeps, stop when every |Qp_t - pQp| is
 *                    below 0.005 / k, each sweep updating p_t, pQp and Qp in libsvm's order.
 *                    libsvm runs the coupling for two classes as well.
 *   OneClassSVM      predict +1/-1, decision_function = dec, score_samples (through
 *                    model_transform) = dec + offset_.
 * exp and tanh come from libm, like libsvm's: probabilities and rbf/sigmoid values are
 * bit-identical to scikit-learn's on the same libm.
 * Not supported (refused with a reason): callable kernels, models fitted on sparse input.
 */
#include "pk_families.h"
#include "pk_linalg.h"

#include <math.h>
#include <string.h>

enum { SVM_CLF, SVM_REG, SVM_ONE };
enum { K_LINEAR, K_POLY, K_RBF, K_SIGMOID, K_PRE };

typedef struct pk_svm {
    int type, kernel, degree;
    double gamma, coef0;
    size_t nf, l, k, npair;
    const double *sv;   /* l x nf                                 */
    const double *coef; /* (k-1) x l (classification), else l      */
    size_t *start;      /* first support vector of each class      */
    const size_t *nsv;  /* support vectors per class               */
    double *rho;        /* npair: -_intercept_                     */
    const double *probA, *probB;
    size_t *svidx;  /* precomputed: the column of each support vector */
    uint32_t *pidx; /* k x (k-1): the pair of class c with its o-th other class */
    int ovr, break_ties;
    double offset;
    /* scratch layout (doubles): kv[l] | dec[npair] | vote[k] | ovr[k] | work */
    size_t o_dec, o_vote, o_ovr, o_work;
} pk_svm;

/* base ** times by squaring, as libsvm computes its polynomial kernel. */
static double svm_powi(double base, int times) {
    double acc = base, r = 1.0;
    for (int t = times; t > 0; t /= 2) {
        if (t % 2 == 1) r *= acc;
        acc = acc * acc;
    }
    return r;
}

/* kv[i] = what the kernel is a function of, for every support vector: dot(x, s_i) (linear,
 * poly, sigmoid), ddot(d, d) of d = x - s_i (rbf; summed left to right as it is formed) or the
 * precomputed value. The dots of all support vectors are formed together (pk_linalg.h: each
 * summed as libsvm's ddot, eight support vectors advancing at once). */
static void svm_dots(const pk_svm *S, const double *x, double *kv) {
    switch (S->kernel) {
    case K_RBF:
        pk_sqdists_rows(S->sv, S->l, S->nf, x, kv);
        break;
    case K_PRE:
        for (size_t i = 0; i < S->l; i++)
            kv[i] = x[S->svidx[i]];
        break;
    default:
        pk_dots_rows(S->sv, S->l, S->nf, x, kv);
        break;
    }
}

/* The kernel value from svm_dots' v. */
static inline double svm_kfun(const pk_svm *S, double v) {
    switch (S->kernel) {
    case K_POLY:
        return svm_powi(S->gamma * v + S->coef0, S->degree);
    case K_RBF:
        return exp(-S->gamma * v);
    case K_SIGMOID:
        return tanh(S->gamma * v + S->coef0);
    default:
        return v;
    }
}

enum { SVM_CHAINS = 4, SVM_RUN = 16 };

/* Continues ng (1..SVM_CHAINS) sums over the support vectors t0..t1 in order: acc[g] +=
 * rows[g][t] * kv[t], libsvm's order within each sum. The sums are independent, so advancing
 * them together overlaps their addition latencies. When `apply`, kv[t] is first turned into the
 * kernel value (and stored), SVM_RUN values at a time: the sums of one run then overlap the
 * libm calls of the next, and the accumulators stay in registers between calls. Missing
 * chains repeat the first row into accumulators that are dropped. */
static void svm_chains(const pk_svm *S, double *kv, size_t t0, size_t t1, const double *const *rows,
                       size_t ng, double *acc, int apply) {
    const double *c0 = rows[0], *c1 = rows[ng > 1 ? 1 : 0], *c2 = rows[ng > 2 ? 2 : 0],
                 *c3 = rows[ng > 3 ? 3 : 0];
    double a0 = acc[0], a1 = ng > 1 ? acc[1] : 0, a2 = ng > 2 ? acc[2] : 0,
           a3 = ng > 3 ? acc[3] : 0;
    for (size_t r = t0; r < t1; r += SVM_RUN) {
        size_t re = t1 - r < SVM_RUN ? t1 : r + SVM_RUN;
        if (apply)
            for (size_t t = r; t < re; t++)
                kv[t] = svm_kfun(S, kv[t]);
        for (size_t t = r; t < re; t++) {
            double v = kv[t];
            a0 += c0[t] * v;
            a1 += c1[t] * v;
            a2 += c2[t] * v;
            a3 += c3[t] * v;
        }
    }
    acc[0] = a0;
    if (ng > 1) acc[1] = a1;
    if (ng > 2) acc[2] = a2;
    if (ng > 3) acc[3] = a3;
}

/* Regression / one-class value: sum coef_i k_i (left to right from 0) - rho. */
static double svm_single(const pk_svm *S, const double *x, double *scratch) {
    svm_dots(S, x, scratch);
    double sum = 0;
    svm_chains(S, scratch, 0, S->l, &S->coef, 1, &sum, 1);
    sum -= S->rho[0];
    return sum;
}

/* Pair decision values into dec[npair]; returns libsvm's voted class. The sum of pair (i, j)
 * runs over class i's support vectors (coefficient row j-1), then class j's (row i). Going
 * through the classes in order, class c's support vectors continue the k-1 sums of the pairs
 * holding c, with the rows of its other classes o in order (row o for o < c, o-1 above: the
 * layout of libsvm's sv_coef), so each pair's sum sees its terms in libsvm's order. */
static size_t svm_pairs(const pk_svm *S, const double *x, double *scratch, double *dec) {
    double *kv = scratch;
    svm_dots(S, x, kv);
    size_t k = S->k;
    for (size_t p = 0; p < S->npair; p++)
        dec[p] = 0;
    const double *rows[SVM_CHAINS];
    double acc[SVM_CHAINS];
    for (size_t c = 0; c < k; c++) {
        const uint32_t *pi = S->pidx + c * (k - 1);
        for (size_t r0 = 0; r0 < k - 1; r0 += SVM_CHAINS) {
            size_t ng = k - 1 - r0 < SVM_CHAINS ? k - 1 - r0 : SVM_CHAINS;
            for (size_t g = 0; g < ng; g++) {
                rows[g] = S->coef + (r0 + g) * S->l;
                acc[g] = dec[pi[r0 + g]];
            }
            svm_chains(S, kv, S->start[c], S->start[c] + S->nsv[c], rows, ng, acc, r0 == 0);
            for (size_t g = 0; g < ng; g++)
                dec[pi[r0 + g]] = acc[g];
        }
    }
    double *vote = scratch + S->o_vote;
    for (size_t c = 0; c < k; c++)
        vote[c] = 0;
    size_t p = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++) {
            dec[p] -= S->rho[p];
            vote[dec[p] > 0 ? i : j] += 1;
            p++;
        }
    size_t best = 0;
    for (size_t c = 1; c < k; c++)
        if (vote[c] > vote[best]) best = c;
    return best;
}

/* scikit-learn's one-vs-rest transform of the pair values into out[k]. */
static void svm_ovr(const pk_svm *S, const double *dec, double *out, double *sc) {
    for (size_t c = 0; c < S->k; c++)
        out[c] = sc[c] = 0;
    size_t p = 0;
    for (size_t i = 0; i < S->k; i++)
        for (size_t j = i + 1; j < S->k; j++) {
            double conf = -dec[p];
            sc[i] -= conf;
            sc[j] += conf;
            if (dec[p] < 0)
                out[j] += 1;
            else
                out[i] += 1;
            p++;
        }
    for (size_t c = 0; c < S->k; c++)
        out[c] += sc[c] / (3 * (fabs(sc[c]) + 1));
}

static pk_code svm_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_svm *S = m->impl;
    if (S->type == SVM_REG) {
        out[0] = svm_single(S, x, scratch);
        return PK_OK;
    }
    if (S->type == SVM_ONE) {
        out[0] = svm_single(S, x, scratch) > 0 ? 1.0 : -1.0;
        return PK_OK;
    }
    double *dec = scratch + S->o_dec;
    size_t best = svm_pairs(S, x, scratch, dec);
    if (S->break_ties && S->ovr) {
        double *o = scratch + S->o_ovr;
        svm_ovr(S, dec, o, scratch + S->o_work);
        best = 0;
        for (size_t c = 1; c < S->k; c++)
            if (!isnan(o[best]) && (o[c] > o[best] || isnan(o[c]))) best = c;
    }
    out[0] = (double)best;
    return PK_OK;
}

static pk_code svm_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)err;
    const pk_svm *S = m->impl;
    if (S->type != SVM_CLF) {
        out[0] = svm_single(S, x, scratch);
        return PK_OK;
    }
    double *dec = scratch + S->o_dec;
    svm_pairs(S, x, scratch, dec);
    if (S->k == 2)
        out[0] = -dec[0];
    else if (S->ovr)
        svm_ovr(S, dec, out, scratch + S->o_work);
    else
        memcpy(out, dec, S->npair * sizeof(double));
    return PK_OK;
}

static pk_code svm_score_samples(const pk_model *m, const double *x, double *scratch, double *out,
                                 pk_err *err) {
    (void)err;
    const pk_svm *S = m->impl;
    out[0] = svm_single(S, x, scratch) + S->offset;
    return PK_OK;
}

/* Platt's sigmoid 1 / (1 + exp(dec * A + B)), in the form that avoids cancellation. */
static double svm_sigmoid(double dec, double A, double B) {
    double f = dec * A + B;
    if (f >= 0) return exp(-f) / (1.0 + exp(-f));
    return 1.0 / (1 + exp(f));
}

/* Pairwise coupling (k classes): r is k x k, Q k x k and Qp k of work, p receives the result. */
static void svm_coupling(size_t k, const double *r, double *Q, double *Qp, double *p) {
    size_t max_iter = k > 100 ? k : 100;
    double eps = 0.005 / (double)k;
    for (size_t t = 0; t < k; t++) {
        p[t] = 1.0 / (double)k;
        Q[t * k + t] = 0;
        for (size_t j = 0; j < t; j++) {
            Q[t * k + t] += r[j * k + t] * r[j * k + t];
            Q[t * k + j] = Q[j * k + t];
        }
        for (size_t j = t + 1; j < k; j++) {
            Q[t * k + t] += r[j * k + t] * r[j * k + t];
            Q[t * k + j] = -r[j * k + t] * r[t * k + j];
        }
    }
    for (size_t iter = 0; iter < max_iter; iter++) {
        double pQp = 0;
        for (size_t t = 0; t < k; t++) {
            Qp[t] = 0;
            for (size_t j = 0; j < k; j++)
                Qp[t] += Q[t * k + j] * p[j];
            pQp += p[t] * Qp[t];
        }
        double worst = 0;
        for (size_t t = 0; t < k; t++) {
            double e = fabs(Qp[t] - pQp);
            if (e > worst) worst = e;
        }
        if (worst < eps) break;
        for (size_t t = 0; t < k; t++) {
            double diff = (-Qp[t] + pQp) / Q[t * k + t];
            p[t] += diff;
            pQp = (pQp + diff * (diff * Q[t * k + t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
            for (size_t j = 0; j < k; j++) {
                Qp[j] = (Qp[j] + diff * Q[t * k + j]) / (1 + diff);
                p[j] /= (1 + diff);
            }
        }
    }
}

static pk_code svm_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const pk_svm *S = m->impl;
    size_t k = S->k;
    double *dec = scratch + S->o_dec;
    svm_pairs(S, x, scratch, dec);
    double *r = scratch + S->o_work, *Q = r + k * k, *Qp = Q + k * k;
    const double lo = 1e-7;
    size_t p = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++) {
            double s = svm_sigmoid(dec[p], S->probA[p], S->probB[p]);
            s = s > lo ? s : lo;
            s = s < 1 - lo ? s : 1 - lo;
            r[i * k + j] = s;
            r[j * k + i] = 1 - s;
            p++;
        }
    svm_coupling(k, r, Q, Qp, out);
    return PK_OK;
}

/* ---- compile ------------------------------------------------------------------------------- */

static int svm_kernel_code(const char *s) {
    static const char *const names[] = {"linear", "poly", "rbf", "sigmoid", "precomputed"};
    for (int i = 0; i < 5; i++)
        if (s && strcmp(s, names[i]) == 0) return i;
    return -1;
}

/* An attribute read under its 1.x private name, or its older public name. */
static pk_code svm_array2(pk_mc *c, const char *a, const char *b, pk_mc_arr *out) {
    const pk_value *v = pk_attr(c->obj, a);
    return pk_mc_array(c, v && v->kind != PK_NONE ? a : b, 1, out);
}

static pk_code svm_classes(pk_mc *c, pk_svm *S) {
    pk_model *m = c->m;
    const pk_value *classes = pk_attr(c->obj, "classes_");
    if (!classes || classes->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    pk_code rc = pk_mc_classes(c, classes);
    if (rc) return rc;
    S->k = m->n_classes;
    if (S->k < 2) return pk_mc_fail(c, "%s has fewer than 2 classes", m->cls);
    if (S->k > 1024) return pk_mc_fail(c, "%s has too many classes (%zu)", m->cls, S->k);
    S->npair = S->k * (S->k - 1) / 2;
    pk_mc_arr ns;
    rc = svm_array2(c, "_n_support", "n_support_", &ns);
    if (rc) return rc;
    if (ns.n != S->k || ns.ndim != 1)
        return pk_mc_fail(c, "%s._n_support has %zu values for %zu classes", m->cls, ns.n, S->k);
    size_t *nsv = pk_mc_alloc(c, S->k, sizeof(size_t));
    S->start = pk_mc_alloc(c, S->k, sizeof(size_t));
    if (!nsv || !S->start) return c->err->code;
    size_t total = 0;
    for (size_t i = 0; i < S->k; i++) {
        double v = ns.v[i];
        if (!(v >= 0 && v <= (double)S->l) || v != floor(v))
            return pk_mc_fail(c, "%s._n_support[%zu] is not a count of support vectors", m->cls, i);
        nsv[i] = (size_t)v;
        S->start[i] = total;
        total += nsv[i];
    }
    if (total != S->l)
        return pk_mc_fail(c, "%s: _n_support adds up to %zu but there are %zu support vectors",
                          m->cls, total, S->l);
    S->nsv = nsv;
    S->pidx = pk_mc_alloc(c, S->k * (S->k - 1), sizeof(uint32_t));
    if (!S->pidx) return c->err->code;
    for (size_t a = 0; a < S->k; a++)
        for (size_t r = 0; r + 1 < S->k; r++) {
            size_t o = r < a ? r : r + 1, i = a < o ? a : o, j = a < o ? o : a;
            /* pairs (i, j), i < j, are numbered in order: i * k - i (i + 1) / 2 + (j - i - 1) */
            S->pidx[a * (S->k - 1) + r] = (uint32_t)(i * S->k - i * (i + 1) / 2 + (j - i - 1));
        }
    return PK_OK;
}

static pk_code svm_proba_attrs(pk_mc *c, pk_svm *S) {
    pk_model *m = c->m;
    pk_mc_arr A, B;
    pk_code rc = svm_array2(c, "_probA", "probA_", &A);
    if (rc) return rc;
    rc = svm_array2(c, "_probB", "probB_", &B);
    if (rc) return rc;
    if (!pk_mc_bool(c, "probability", 0)) {
        m->why_not[PK_PREDICT_PROBA] = "it was fitted with probability=False";
        return PK_OK;
    }
    if (A.n == 0 || B.n == 0 || A.ndim == 0) {
        m->why_not[PK_PREDICT_PROBA] = "it has no probability model (_probA is empty)";
        return PK_OK;
    }
    if (A.n != S->npair || B.n != S->npair)
        return pk_mc_fail(c, "%s: _probA/_probB have %zu/%zu values for %zu class pairs", m->cls,
                          A.n, B.n, S->npair);
    S->probA = A.v;
    S->probB = B.v;
    return PK_OK;
}

pk_code pk_compile_svm(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    pk_svm *S = pk_mc_alloc(c, 1, sizeof *S);
    if (!S) return c->err->code;
    S->type = strcmp(cls, "SVR") == 0 || strcmp(cls, "NuSVR") == 0 ? SVM_REG
              : strcmp(cls, "OneClassSVM") == 0                    ? SVM_ONE
                                                                   : SVM_CLF;
    const pk_value *kv = pk_attr(c->obj, "kernel");
    if (kv && kv->kind != PK_STR && kv->kind != PK_NONE)
        return pk_mc_fail(c,
                          "%s has a callable kernel, which cannot be scored without running "
                          "Python code",
                          cls);
    const char *kname = pk_mc_str(c, "kernel");
    S->kernel = svm_kernel_code(kname ? kname : "rbf");
    if (S->kernel < 0) return pk_mc_fail(c, "%s has an unknown kernel '%s'", cls, kname);
    if (pk_mc_bool(c, "_sparse", 0))
        return pk_mc_fail(c, "%s was fitted on sparse input, which is not supported", cls);
    double deg;
    pk_code rc = pk_mc_num(c, "_gamma", 0.0, &S->gamma);
    if (!rc) rc = pk_mc_num(c, "coef0", 0.0, &S->coef0);
    if (!rc) rc = pk_mc_num(c, "degree", 3.0, &deg);
    if (rc) return rc;
    if (!pk_attr(c->obj, "_gamma")) return pk_mc_not_fitted(c, "_gamma");
    if (!(deg >= 0 && deg <= 1e6) || deg != floor(deg))
        return pk_mc_fail(c, "%s.degree is not a small non-negative integer", cls);
    S->degree = (int)deg;

    pk_mc_arr sv, dc, ic;
    rc = pk_mc_array(c, "support_vectors_", 1, &sv);
    if (rc) return rc;
    rc = pk_mc_array(c, "_dual_coef_", 1, &dc);
    if (rc) return rc;
    rc = pk_mc_array(c, "_intercept_", 1, &ic);
    if (rc) return rc;
    if (dc.ndim != 2) return pk_mc_fail(c, "%s._dual_coef_ is not a 2-D array", cls);
    S->l = dc.cols;
    S->coef = dc.v;
    if (S->kernel == K_PRE) {
        pk_mc_arr sup, shp;
        rc = pk_mc_array(c, "support_", 1, &sup);
        if (!rc) rc = pk_mc_array(c, "shape_fit_", 1, &shp);
        if (rc) return rc;
        if (sup.n != S->l || (sup.ndim != 1 && S->l > 0) || shp.n < 1 || !(shp.v[0] >= 1))
            return pk_mc_fail(c, "%s: support_/shape_fit_ do not describe the support vectors",
                              cls);
        S->nf = (size_t)shp.v[0];
        S->svidx = pk_mc_alloc(c, S->l ? S->l : 1, sizeof(size_t));
        if (!S->svidx) return c->err->code;
        for (size_t i = 0; i < S->l; i++) {
            if (!(sup.v[i] >= 0 && sup.v[i] < (double)S->nf))
                return pk_mc_fail(c, "%s.support_[%zu] is outside the training set", cls, i);
            S->svidx[i] = (size_t)sup.v[i];
        }
    } else {
        if (sv.ndim != 2 || sv.rows != S->l)
            return pk_mc_fail(c, "%s has %zu support vectors but %zu dual coefficients", cls,
                              sv.ndim == 2 ? sv.rows : 0, S->l);
        S->nf = sv.cols;
        S->sv = sv.v;
    }
    rc = pk_mc_features(c, S->nf);
    if (rc) return rc;

    if (S->type == SVM_CLF) {
        rc = svm_classes(c, S);
        if (rc) return rc;
        if (dc.rows != S->k - 1)
            return pk_mc_fail(c, "%s._dual_coef_ has %zu rows for %zu classes", cls, dc.rows, S->k);
        rc = svm_proba_attrs(c, S);
        if (rc) return rc;
        const char *shape = pk_mc_str(c, "decision_function_shape");
        S->ovr = S->k > 2 && !(shape && strcmp(shape, "ovo") == 0);
        S->break_ties = pk_mc_bool(c, "break_ties", 0);
        if (S->break_ties && shape && strcmp(shape, "ovo") == 0)
            m->why_not[PK_PREDICT] = "break_ties must be False when decision_function_shape is "
                                     "'ovo'";
    } else {
        S->k = 0;
        S->npair = 1;
        if (dc.rows != 1) return pk_mc_fail(c, "%s._dual_coef_ has %zu rows, not 1", cls, dc.rows);
    }
    if (ic.n != S->npair)
        return pk_mc_fail(c, "%s._intercept_ has %zu values for %zu class pairs", cls, ic.n,
                          S->npair);
    S->rho = pk_mc_alloc(c, S->npair, sizeof(double));
    if (!S->rho) return c->err->code;
    for (size_t p = 0; p < S->npair; p++)
        S->rho[p] = -ic.v[p];

    S->o_dec = S->l;
    S->o_vote = S->o_dec + S->npair;
    S->o_ovr = S->o_vote + S->k;
    S->o_work = S->o_ovr + S->k;
    size_t work = S->k;
    if (S->probA) work = 2 * S->k * S->k + S->k;
    m->scratch = S->o_work + work + 1;
    m->impl = S;
    if (S->type == SVM_CLF) {
        m->kind = PK_MODEL_CLASSIFIER;
        if (!m->why_not[PK_PREDICT]) pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, svm_predict);
        size_t w = S->k == 2 ? 1 : S->ovr ? S->k : S->npair;
        pk_mc_method(c, PK_DECISION, w == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, w, svm_decision);
        if (S->probA) pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, S->k, svm_proba);
        pk_mc_log_proba(c, 0);
    } else if (S->type == SVM_REG) {
        m->kind = PK_MODEL_REGRESSOR;
        pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, svm_predict);
    } else {
        m->kind = PK_MODEL_OUTLIER;
        const pk_value *off = pk_attr(c->obj, "offset_");
        S->offset = S->rho[0];
        if (off && off->kind != PK_NONE) {
            pk_mc_arr o;
            rc = pk_mc_array(c, "offset_", 1, &o);
            if (rc) return rc;
            if (o.n != 1) return pk_mc_fail(c, "%s.offset_ is not one number", cls);
            S->offset = o.v[0];
        }
        pk_mc_method(c, PK_PREDICT, PK_OUT_CLUSTER, 1, svm_predict);
        pk_mc_method(c, PK_DECISION, PK_OUT_SCALAR, 1, svm_decision);
        pk_mc_method(c, PK_TRANSFORM, PK_OUT_SCALAR, 1, svm_score_samples);
        pk_mc_method(c, PK_SCORE_SAMPLES, PK_OUT_SCALAR, 1, svm_score_samples);
    }
    return PK_OK;
}
