/*
 * pk_nmf.c - NMF.transform and MiniBatchNMF.transform: W solved for one row with
 * H = components_ fixed, by the solver and in the order of operations of scikit-learn 1.2.1.
 *
 * A row is solved alone: scikit-learn solves the whole batch it is given at once and stops when
 * the batch as a whole converges (and 'mu' starts from the mean of the whole batch), so a row's
 * answer is that of transform([row]); inside a larger batch scikit-learn's answer for it differs
 * within the solver's tolerance.
 *
 * NMF, solver 'cd' (_fit_coordinate_descent with update_H=False): W = 0; HHt = H H^T (+ l2 on
 * the diagonal), XHt = x H^T (- l1); each iteration visits the components in order (or in
 * RandomState(random_state).permutation(k) order, drawn anew each iteration, when shuffle), and
 * for component t: grad = -XHt[t] + sum_r HHt[t, r] W[r] (left to right), violation += |grad|
 * (only the negative part when W[t] == 0), W[t] = max(W[t] - grad / HHt[t, t], 0); it stops
 * when violation / first violation <= tol (or the first is 0) or after max_iter iterations.
 * shuffle=True is scored with an int random_state only: the permutations come from numpy's
 * legacy MT19937 seeded with it (init_genrand) and its Fisher-Yates shuffle with masked
 * rejection sampling (random_interval), as a freshly seeded RandomState gives them.
 *
 * NMF, solver 'mu' (_fit_multiplicative_update): W = sqrt(mean(x) / k) everywhere; each
 * iteration W *= (numerator / denominator) ** gamma with, for beta_loss 2, x H^T over W HHt;
 * for 1, (x / WH) H^T over the row sums of H (scikit-learn adds l1 to that cached sum in place,
 * so with l1 > 0 it grows by l1 every iteration: reproduced); otherwise (x WH^(beta-2)) H^T over
 * WH^(beta-1) H^T; + l1, + l2 W; a zero denominator becomes float32's eps, WH == 0 becomes eps
 * before negative powers; beta < 1 zeroes W below float64's eps. Every 10 iterations the beta
 * divergence of x and W H decides the stop ((previous - error) / initial < tol).
 *
 * MiniBatchNMF (_solve_W): the same multiplicative update from the same start, with
 * _transform_max_iter iterations at most, stopping when ||W - W_prev|| / ||W|| <= tol; a
 * non-finite W (a zero of W H raised to a negative power) is an error, as scipy's norm raises.
 *
 * Powers follow numpy's fast scalar powers (** 2, ** 0.5, ** -1 as x*x, sqrt, 1/x); every dot
 * product is summed left to right from 0 (reference BLAS, what the oracle machine's numpy uses);
 * np.sum and np.mean are pk_np_sum, except np.sum(H, axis=1) of a Fortran-ordered components_
 * (how NMF and MiniBatchNMF leave it), which numpy adds column by column: left to right. The result
 * is bit-identical to scikit-learn's transform([row]) except where an iteration count depends on a
 * stopping quantity computed in another order (the beta divergence's logs, scipy's scaled nrm2): an
 * ulp there decides only ties with tol.
 *
 * Refused: NMF fitted on float32 data (scikit-learn's transform raises on float64 rows),
 * shuffle=True with random_state None (numpy's global generator) or a RandomState instance (its
 * state moves with every call). Rows: negative values and, for beta_loss <= 0, zeros are errors
 * for NMF as in scikit-learn (MiniBatchNMF checks neither).
 */
#include "pk_more_families.h"

#include "pk_ndarray.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define NMF_EPS32 1.1920928955078125e-07 /* np.finfo(np.float32).eps: sklearn's EPSILON */
#define MT_N      624

typedef struct pk_nmf {
    int mu, minibatch, shuffle;
    size_t k, nf, max_iter;
    uint32_t seed;
    const double *H; /* k x nf (components_)                              */
    double *HHt;     /* k x k: H H^T (cd: + l2 on the diagonal)           */
    double *Hsum;    /* k: np.sum(H, axis=1)                              */
    double beta, gamma, tol, l1, l2;
} pk_nmf;

/* ---- numpy's legacy MT19937 and RandomState.permutation ----------------------------------- */

typedef struct nmf_mt {
    uint32_t key[MT_N];
    size_t pos;
} nmf_mt;

static void mt_seed(nmf_mt *s, uint32_t seed) {
    s->key[0] = seed;
    for (uint32_t i = 1; i < MT_N; i++)
        s->key[i] = 1812433253u * (s->key[i - 1] ^ (s->key[i - 1] >> 30)) + i;
    s->pos = MT_N;
}

static uint32_t mt_next(nmf_mt *s) {
    if (s->pos == MT_N) {
        for (size_t i = 0; i < MT_N; i++) {
            uint32_t y = (s->key[i] & 0x80000000u) | (s->key[(i + 1) % MT_N] & 0x7fffffffu);
            s->key[i] = s->key[(i + 397) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        s->pos = 0;
    }
    uint32_t y = s->key[s->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

/* random_interval(max): a uniform integer in [0, max] by masked rejection (max < 2^32 here). */
static size_t mt_interval(nmf_mt *s, size_t max) {
    if (max == 0) return 0;
    uint32_t mask = (uint32_t)max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    uint32_t v;
    while ((v = mt_next(s) & mask) > max) {
    }
    return v;
}

/* RandomState.permutation(k): arange(k) shuffled from the last index down. */
static void mt_permutation(nmf_mt *s, size_t *perm, size_t k) {
    for (size_t i = 0; i < k; i++)
        perm[i] = i;
    for (size_t i = k; i-- > 1;) {
        size_t j = mt_interval(s, i), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

/* ---- coordinate descent --------------------------------------------------------------------- */

/* scratch: W[k] | XHt[k] | perm[k] (as size_t) | MT state */
static pk_code nmf_cd(const pk_model *m, const double *x, double *scratch, double *out,
                      pk_err *err) {
    (void)err;
    const pk_nmf *N = m->impl;
    const size_t k = N->k, nf = N->nf;
    double *W = out, *xht = scratch;
    size_t *perm = (size_t *)(void *)(scratch + k);
    nmf_mt *mt = (nmf_mt *)(void *)(scratch + 2 * k);
    for (size_t t = 0; t < k; t++) {
        W[t] = 0.0;
        xht[t] = pk_dot(x, N->H + t * nf, nf);
        if (N->l1 != 0.0) xht[t] -= N->l1;
        perm[t] = t;
    }
    if (N->shuffle) mt_seed(mt, N->seed);
    double vinit = 0.0;
    for (size_t it = 1; it <= N->max_iter; it++) {
        if (N->shuffle) mt_permutation(mt, perm, k);
        double viol = 0.0;
        for (size_t s = 0; s < k; s++) {
            size_t t = perm[s];
            const double *hrow = N->HHt + t * k;
            double grad = -xht[t];
            for (size_t r = 0; r < k; r++)
                grad += hrow[r] * W[r];
            double pg = W[t] == 0 ? (grad < 0.0 ? grad : 0.0) : grad;
            viol += fabs(pg);
            double hess = hrow[t];
            if (hess != 0) {
                double w = W[t] - grad / hess;
                W[t] = 0.0 > w ? 0.0 : w;
            }
        }
        if (it == 1) vinit = viol;
        if (vinit == 0) break;
        if (viol / vinit <= N->tol) break;
    }
    return PK_OK;
}

/* ---- multiplicative updates ----------------------------------------------------------------- */

/* numpy's v ** p for a scalar exponent (fast paths for 2, 0.5, -1, 1, 0). */
static double nmf_pow(double v, double p) {
    if (p == 2.0) return v * v;
    if (p == 0.5) return sqrt(v);
    if (p == -1.0) return 1.0 / v;
    if (p == 1.0) return v;
    if (p == 0.0) return 1.0;
    return pow(v, p);
}

/* wh = W @ H (one row). */
static void nmf_wh(const pk_nmf *N, const double *W, double *wh) {
    for (size_t j = 0; j < N->nf; j++)
        wh[j] = 0.0;
    for (size_t t = 0; t < N->k; t++) {
        const double *h = N->H + t * N->nf;
        for (size_t j = 0; j < N->nf; j++)
            wh[j] += W[t] * h[j];
    }
}

/* _beta_divergence(x, W, H, beta, square_root=True) for one dense row; tmp: 3 nf doubles. */
static double nmf_divergence(const pk_nmf *N, const double *x, const double *W, double *tmp) {
    const size_t nf = N->nf, k = N->k;
    const double beta = N->beta;
    double *wh = tmp, *xd = tmp + nf, *wd = tmp + 2 * nf, res;
    nmf_wh(N, W, wh);
    if (beta == 2) {
        for (size_t j = 0; j < nf; j++)
            xd[j] = x[j] - wh[j];
        res = pk_dot(xd, xd, nf) / 2.0;
        return sqrt(res * 2);
    }
    size_t n = 0;
    for (size_t j = 0; j < nf; j++)
        if (x[j] > NMF_EPS32) {
            xd[n] = x[j];
            wd[n] = wh[j] == 0 ? NMF_EPS32 : wh[j];
            n++;
        }
    if (beta == 1) {
        /* np.dot(np.sum(W, axis=0), np.sum(H, axis=1)) */
        double sum_wh = pk_dot(W, N->Hsum, k);
        for (size_t j = 0; j < n; j++)
            wh[j] = log(xd[j] / wd[j]);
        res = pk_dot(xd, wh, n);
        res += sum_wh - pk_np_sum(xd, n);
    } else if (beta == 0) {
        for (size_t j = 0; j < n; j++) {
            wd[j] = xd[j] / wd[j];
            wh[j] = log(wd[j]);
        }
        res = pk_np_sum(wd, n) - (double)nf - pk_np_sum(wh, n);
    } else {
        for (size_t j = 0; j < nf; j++)
            wh[j] = nmf_pow(wh[j], beta);
        double sum_wh_beta = pk_np_sum(wh, nf);
        for (size_t j = 0; j < n; j++)
            wd[j] = nmf_pow(wd[j], beta - 1);
        double sum_x_wh = pk_dot(xd, wd, n);
        for (size_t j = 0; j < n; j++)
            wd[j] = nmf_pow(xd[j], beta);
        res = pk_np_sum(wd, n) - beta * sum_x_wh;
        res += sum_wh_beta * (beta - 1);
        res /= beta * (beta - 1);
    }
    if (0 > res) res = 0; /* Python's max(res, 0): NaN stays */
    return sqrt(2 * res);
}

/* One _multiplicative_update_w on W (k) for row x. hsum: the cached row sums of H (beta 1;
 * scikit-learn's l1 is added to it in place when `sticky`); xht: x H^T (beta 2); tmp: num[k] |
 * den[k] | 2 nf. */
static void nmf_mu_step(const pk_nmf *N, const double *x, double *W, double *hsum, int sticky,
                        const double *xht, double *tmp) {
    const size_t k = N->k, nf = N->nf;
    const double beta = N->beta;
    double *num = tmp, *den = tmp + k, *whx = tmp + 2 * k, *wh = tmp + 2 * k + nf;
    if (beta == 2) {
        for (size_t t = 0; t < k; t++)
            num[t] = xht[t];
        for (size_t t = 0; t < k; t++) {
            double s = 0.0;
            for (size_t r = 0; r < k; r++)
                s += W[r] * N->HHt[r * k + t];
            den[t] = s;
        }
    } else {
        nmf_wh(N, W, whx);
        for (size_t j = 0; j < nf; j++) {
            wh[j] = whx[j];
            if (beta - 1.0 < 0 && wh[j] == 0) wh[j] = NMF_EPS32;
            if (beta - 2.0 < 0 && whx[j] == 0) whx[j] = NMF_EPS32;
            if (beta == 1)
                whx[j] = x[j] / whx[j];
            else if (beta == 0) {
                whx[j] = 1.0 / whx[j];
                whx[j] = whx[j] * whx[j];
                whx[j] *= x[j];
            } else {
                whx[j] = nmf_pow(whx[j], beta - 2);
                whx[j] *= x[j];
            }
        }
        for (size_t t = 0; t < k; t++)
            num[t] = pk_dot(whx, N->H + t * nf, nf);
        if (beta == 1) {
            if (N->l1 > 0 && sticky)
                for (size_t t = 0; t < k; t++)
                    hsum[t] += N->l1;
            for (size_t t = 0; t < k; t++)
                den[t] = hsum[t];
        } else {
            for (size_t j = 0; j < nf; j++)
                wh[j] = nmf_pow(wh[j], beta - 1);
            for (size_t t = 0; t < k; t++)
                den[t] = pk_dot(wh, N->H + t * nf, nf);
        }
    }
    if (N->l1 > 0 && !(beta == 1 && sticky))
        for (size_t t = 0; t < k; t++)
            den[t] += N->l1;
    if (N->l2 > 0)
        for (size_t t = 0; t < k; t++)
            den[t] = den[t] + N->l2 * W[t];
    for (size_t t = 0; t < k; t++) {
        if (den[t] == 0) {
            den[t] = NMF_EPS32;
            /* without l2 the denominator of beta 1 is the cached sum itself */
            if (beta == 1 && sticky && !(N->l2 > 0)) hsum[t] = NMF_EPS32;
        }
        double d = num[t] / den[t];
        if (N->gamma != 1) d = nmf_pow(d, N->gamma);
        W[t] *= d;
    }
}

/* sqrt(mean(x) / k): the start of every multiplicative solve. */
static double nmf_mu_start(const pk_nmf *N, const double *x) {
    return sqrt(pk_np_sum(x, N->nf) / (double)N->nf / (double)N->k);
}

/* scratch: xht[k] | hsum[k] | Wbuf[k] | step tmp (2k + 2nf) | divergence tmp (3nf) */
static pk_code nmf_mu(const pk_model *m, const double *x, double *scratch, double *out,
                      pk_err *err) {
    const pk_nmf *N = m->impl;
    const size_t k = N->k, nf = N->nf;
    double *W = out, *xht = scratch, *hsum = scratch + k, *wbuf = scratch + 2 * k;
    double *tmp = scratch + 3 * k, *dtmp = tmp + 2 * k + 2 * nf;
    double avg = nmf_mu_start(N, x);
    for (size_t t = 0; t < k; t++) {
        W[t] = avg;
        xht[t] = pk_dot(x, N->H + t * nf, nf);
        hsum[t] = N->Hsum[t];
    }
    if (N->minibatch) {
        for (size_t t = 0; t < k; t++)
            wbuf[t] = W[t];
        for (size_t it = 0; it < N->max_iter; it++) {
            for (size_t t = 0; t < k; t++)
                hsum[t] = N->Hsum[t];
            nmf_mu_step(N, x, W, hsum, 0, xht, tmp);
            double dn = 0, wn = 0;
            for (size_t t = 0; t < k; t++) {
                double d = W[t] - wbuf[t];
                if (!isfinite(d) || !isfinite(W[t]))
                    return pk_err_set(err, PK_EFEATURE, -1, -1,
                                      "%s: the solver reached a non-finite value for this row "
                                      "(scikit-learn raises ValueError)",
                                      m->cls);
                dn += d * d;
                wn += W[t] * W[t];
            }
            double diff = sqrt(dn) / sqrt(wn);
            if (N->tol > 0 && diff <= N->tol) break;
            for (size_t t = 0; t < k; t++)
                wbuf[t] = W[t];
        }
        return PK_OK;
    }
    double init = nmf_divergence(N, x, W, dtmp), prev = init;
    for (size_t it = 1; it <= N->max_iter; it++) {
        nmf_mu_step(N, x, W, hsum, 1, xht, tmp);
        if (N->beta < 1)
            for (size_t t = 0; t < k; t++)
                if (W[t] < DBL_EPSILON) W[t] = 0.0;
        if (N->tol > 0 && it % 10 == 0) {
            double e = nmf_divergence(N, x, W, dtmp);
            if ((prev - e) / init < N->tol) break;
            prev = e;
        }
    }
    return PK_OK;
}

/* NMF checks its rows (check_non_negative; zeros with beta_loss <= 0). */
static pk_code nmf_check_row(const pk_model *m, const double *x, pk_err *err) {
    const pk_nmf *N = m->impl;
    double mn = INFINITY;
    for (size_t j = 0; j < N->nf; j++) {
        if (x[j] < 0)
            return pk_err_set(err, PK_EFEATURE, -1, -1,
                              "%s takes no negative values (feature %zu is %.17g)", m->cls, j + 1,
                              x[j]);
        if (x[j] < mn) mn = x[j];
    }
    if (mn == 0 && N->beta <= 0)
        return pk_err_set(err, PK_EFEATURE, -1, -1,
                          "%s with beta_loss <= 0 takes no zeros (the solver may diverge)", m->cls);
    return PK_OK;
}

static pk_code nmf_transform(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    const pk_nmf *N = m->impl;
    if (!N->minibatch) {
        pk_code rc = nmf_check_row(m, x, err);
        if (rc) return rc;
    }
    return N->mu ? nmf_mu(m, x, scratch, out, err) : nmf_cd(m, x, scratch, out, err);
}

/* ---- compile ----------------------------------------------------------------------------------
 */

/* beta_loss as a number ('frobenius' 2, 'kullback-leibler' 1, 'itakura-saito' 0). */
static pk_code nmf_beta(pk_mc *c, double *beta) {
    const char *s = pk_mc_str(c, "beta_loss");
    if (!s) return pk_mc_num(c, "beta_loss", 2, beta);
    if (strcmp(s, "frobenius") == 0)
        *beta = 2;
    else if (strcmp(s, "kullback-leibler") == 0)
        *beta = 1;
    else if (strcmp(s, "itakura-saito") == 0)
        *beta = 0;
    else
        return pk_mc_fail(c, "%s: unknown beta_loss '%s'", c->m->cls, s);
    return PK_OK;
}

/* _compute_regularization's l1_reg_W and l2_reg_W for rows of nf features. */
static pk_code nmf_regularization(pk_mc *c, pk_nmf *N) {
    double alpha_w, l1_ratio, old_alpha;
    pk_code rc = pk_mc_num(c, "alpha_W", 0.0, &alpha_w);
    if (!rc) rc = pk_mc_num(c, "l1_ratio", 0.0, &l1_ratio);
    if (!rc && !pk_attr(c->obj, "alpha_W")) rc = pk_mc_num(c, "alpha", 0.0, &old_alpha);
    if (rc) return rc;
    if (!pk_attr(c->obj, "alpha_W") && old_alpha != 0)
        return pk_mc_fail(c,
                          "%s was fitted with alpha (scikit-learn < 1.2): scikit-learn 1.2 "
                          "cannot transform it",
                          c->m->cls);
    if (!(alpha_w >= 0) || !(l1_ratio >= 0 && l1_ratio <= 1))
        return pk_mc_fail(c, "%s: alpha_W or l1_ratio out of range", c->m->cls);
    N->l1 = (double)N->nf * alpha_w * l1_ratio;
    N->l2 = (double)N->nf * alpha_w * (1.0 - l1_ratio);
    return PK_OK;
}

/* shuffle=True needs a fixed int seed (see the header). */
static pk_code nmf_seed(pk_mc *c, pk_nmf *N) {
    const pk_value *rs = pk_attr(c->obj, "random_state");
    double s;
    if (!rs || rs->kind == PK_NONE)
        return pk_mc_fail(c,
                          "%s with shuffle=True and random_state=None draws its coordinate "
                          "order from numpy's global generator: no fixed answer",
                          c->m->cls);
    if (rs->kind == PK_BOOL || pk_as_f64(rs, &s) != PK_OK)
        return pk_mc_fail(c,
                          "%s with shuffle=True and a RandomState instance: the coordinate "
                          "order depends on every earlier call",
                          c->m->cls);
    if (!(s >= 0 && s <= 4294967295.0) || s != floor(s))
        return pk_mc_fail(c, "%s.random_state is not a seed in 0..2**32-1", c->m->cls);
    N->seed = (uint32_t)s;
    N->shuffle = 1;
    return PK_OK;
}

/* Iteration settings: solver, tol, max_iter (MiniBatchNMF: _transform_max_iter). */
static pk_code nmf_settings(pk_mc *c, pk_nmf *N) {
    const char *cls = c->m->cls;
    double tol, mi;
    pk_code rc = pk_mc_num(c, "tol", 1e-4, &tol);
    if (rc) return rc;
    if (N->minibatch) {
        double tmi;
        N->mu = 1;
        if ((rc = pk_mc_num(c, "max_iter", 200, &mi)) ||
            (rc = pk_mc_num(c, "transform_max_iter", mi, &tmi)) ||
            (rc = pk_mc_num(c, "_transform_max_iter", tmi, &mi)))
            return rc;
    } else {
        const char *solver = pk_mc_str(c, "solver");
        if (!solver || (strcmp(solver, "cd") != 0 && strcmp(solver, "mu") != 0))
            return pk_mc_fail(c, "%s: solver must be 'cd' or 'mu'", cls);
        N->mu = strcmp(solver, "mu") == 0;
        if ((rc = pk_mc_num(c, "max_iter", 200, &mi))) return rc;
        if (!N->mu && N->beta != 2)
            return pk_mc_fail(c, "%s: solver 'cd' takes only beta_loss 'frobenius'", cls);
        if (!N->mu && pk_mc_bool(c, "shuffle", 0) && (rc = nmf_seed(c, N))) return rc;
    }
    if (!(mi >= 1 && mi <= 1e6) || mi != floor(mi))
        return pk_mc_fail(c, "%s: max_iter must be an integer in 1..1000000", cls);
    if (!(tol >= 0)) return pk_mc_fail(c, "%s: tol must be >= 0", cls);
    N->max_iter = (size_t)mi;
    N->tol = tol;
    if (N->mu) {
        double g = N->beta < 1 ? 1.0 / (2.0 - N->beta) : N->beta > 2 ? 1.0 / (N->beta - 1.0) : 1.0;
        if (N->minibatch && (rc = pk_mc_num(c, "_gamma", g, &g))) return rc;
        N->gamma = g;
    }
    return PK_OK;
}

/* 1 when components_ is stored in Fortran order (as NMF leaves it): np.sum(H, axis=1) then adds
 * column after column, each row summed left to right, instead of numpy's pairwise sum of a
 * C-ordered row. */
static int nmf_fortran(const pk_value *v) {
    if (!v || v->kind != PK_NDARRAY || v->u.arr->ndim != 2) return 0;
    const pk_ndarray *a = v->u.arr;
    return a->shape[0] > 1 && a->shape[1] > 1 && a->strides[0] < a->strides[1];
}

/* a[0] + a[1] + ... left to right. */
static double nmf_sum_seq(const double *a, size_t n) {
    double s = 0.0;
    for (size_t j = 0; j < n; j++)
        s += a[j];
    return s;
}

pk_code pk_compile_nmf(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    pk_nmf *N = pk_mc_alloc(c, 1, sizeof *N);
    if (!N) return c->err->code;
    N->minibatch = strcmp(cls, "MiniBatchNMF") == 0;
    pk_mc_arr comp;
    pk_code rc = pk_mc_array(c, "components_", 1, &comp);
    if (rc) return rc;
    if (comp.ndim != 2 || comp.rows == 0 || comp.cols == 0)
        return pk_mc_fail(c, "%s.components_ is not a 2-D array", cls);
    if ((rc = pk_mc_require_f64(c, pk_attr(c->obj, "components_"), "components_")) ||
        (rc = pk_mc_features(c, comp.cols)))
        return rc;
    N->k = comp.rows;
    N->nf = comp.cols;
    N->H = comp.v;
    if (N->k > 100000 || N->nf > ((size_t)1 << 24))
        return pk_mc_fail(c, "%s has too many components or features", cls);
    if ((rc = nmf_beta(c, &N->beta))) return rc;
    if (N->minibatch && (rc = pk_mc_num(c, "_beta_loss", N->beta, &N->beta))) return rc;
    if (!isfinite(N->beta)) return pk_mc_fail(c, "%s: beta_loss is not finite", cls);
    if ((rc = nmf_regularization(c, N)) || (rc = nmf_settings(c, N))) return rc;
    if (N->minibatch) {
        double nc;
        if ((rc = pk_mc_num(c, "_n_components", (double)N->k, &nc))) return rc;
        if (nc != (double)N->k)
            return pk_mc_fail(c, "%s._n_components does not match components_", cls);
    }
    const size_t k = N->k, nf = N->nf;
    N->HHt = pk_mc_alloc(c, k * k, sizeof(double));
    N->Hsum = pk_mc_alloc(c, k, sizeof(double));
    if (!N->HHt || !N->Hsum) return c->err->code;
    int fortran = nmf_fortran(pk_attr(c->obj, "components_"));
    for (size_t a = 0; a < k; a++) {
        N->Hsum[a] = fortran ? nmf_sum_seq(N->H + a * nf, nf) : pk_np_sum(N->H + a * nf, nf);
        for (size_t b = 0; b < k; b++)
            N->HHt[a * k + b] = pk_dot(N->H + a * nf, N->H + b * nf, nf);
        if (!N->mu && N->l2 != 0.0) N->HHt[a * k + a] += N->l2;
    }
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = N;
    if (N->mu)
        m->scratch = 5 * k + 5 * nf;
    else
        m->scratch = 2 * k + (sizeof(nmf_mt) + sizeof(double) - 1) / sizeof(double);
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, k, nmf_transform);
    return PK_OK;
}
