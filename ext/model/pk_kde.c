/*
 * pk_kde.c - KernelDensity.score_samples, as scikit-learn 1.2.1 computes it: the pickled
 * KDTree or BallTree (tree_) walked exactly as BinaryTree.kernel_density does, then
 * log_knorm added and log(N) subtracted (N the fitted rows, or the sum of sample_weight).
 *
 * The walk, for one row (score_samples' atol * N and rtol, breadth_first, bandwidth_, kernel):
 *   breadth first (the default): a min-heap of nodes keyed by their minimum distance (the
 *     NodeHeap: push sifts up while the parent is larger, pop moves the last entry to the root
 *     and sifts down to the smaller child while it is <=), global bounds on the density kept in
 *     log space with logaddexp / logsubexp, each popped node either accepted (its bounds within
 *     atol/rtol), or the walk stopped (the global bounds within them), or its points summed (a
 *     leaf), or split into its two children (their bounds pushed). As in scikit-learn, a child's
 *     "bound spread" is stored as its log upper bound.
 *   depth first: the recursion of _kde_single_depthfirst, children in index order.
 * The result is logaddexp(global lower bound, global spread - log 2). With the default
 * atol = rtol = 0 no node is accepted unless its bounds coincide, so this is the sum of the
 * kernel over every point, but accumulated through scikit-learn's bound updates, whose rounding
 * (a logsubexp of nearly equal bounds) can dominate a density far below the bounds; following
 * the same walk with the same operations (the tree's own logaddexp, a + log(exp(x1 - a) +
 * exp(x2 - a)), and libm's exp, log, cos, pow, lgamma, as the Cython code calls them) gives
 * scikit-learn's value bit for bit, nonzero atol/rtol included.
 *
 * Kernels (log, unnormalised): gaussian -0.5 d^2 / h^2; tophat 0 for d < h; epanechnikov
 * log(1 - d^2 / h^2); exponential -d / h; linear log(1 - d / h); cosine log(cos(0.5 pi d / h));
 * -inf outside the support. log_knorm as _log_kernel_norm (logVn, logSn, the cosine series).
 *
 * Metrics: the tree's DistanceMetric object (its class and (p, vec, mat) state): euclidean,
 * seuclidean, manhattan, chebyshev, minkowski (weighted: w |d|^p), wminkowski (|w d|^p),
 * mahalanobis (VI), hamming, canberra, braycurtis, the boolean metrics (jaccard, matching, dice,
 * kulsinski, rogerstanimoto, russellrao, sokalmichener, sokalsneath), haversine. A KDTree bounds
 * nodes by their min/max box with the metric's p; a BallTree by centroid distance -/+ radius.
 * pyfunc (a Python callable) cannot be scored.
 *
 * Nothing is allocated per row: the heap and the per-node bounds live in the scratch
 * (4 n_nodes doubles), the Mahalanobis difference too (n_features).
 */
#include "pk_knn.h"
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

enum {
    KM_EUCLID,
    KM_SEUCLID,
    KM_MANHATTAN,
    KM_CHEBYSHEV,
    KM_MINKOWSKI,
    KM_WMINKOWSKI,
    KM_MAHALANOBIS,
    KM_HAMMING,
    KM_CANBERRA,
    KM_BRAYCURTIS,
    KM_JACCARD,
    KM_MATCHING,
    KM_DICE,
    KM_KULSINSKI,
    KM_ROGERSTANIMOTO,
    KM_RUSSELLRAO,
    KM_SOKALMICHENER,
    KM_SOKALSNEATH,
    KM_HAVERSINE
};

enum { KK_GAUSSIAN, KK_TOPHAT, KK_EPANECHNIKOV, KK_EXPONENTIAL, KK_LINEAR, KK_COSINE };

static const double KDE_PI = 3.141592653589793;

typedef struct kde {
    pk_knn T; /* the tree's arrays (pk_knn_tree_read)                     */
    int metric, kernel, breadth_first;
    double p;           /* the metric's p (a KDTree's bounds use it)                */
    const double *vec;  /* seuclidean V, (w)minkowski w: nf values, or NULL          */
    const double *mat;  /* mahalanobis VI: nf x nf                                   */
    double *node_n;     /* per node: its point count, or _total_node_weight          */
    double *node_logn;  /* log of that                                              */
    double *point_logw; /* np.log(sample_weight[i]), or NULL without weights        */
    double n_total;     /* the tree's N: n_samples, or sum_weight (np.sum)          */
    double h, log_knorm, log_atol, log_rtol, log_n_out;
    size_t o_heap, o_bounds, o_tmp; /* scratch: heap vals | heap nodes | min | spread | tmp */
} kde;

/* ---- log-space arithmetic of _binary_tree.pxi --------------------------------------------- */

static double kde_logaddexp(double x1, double x2) {
    double a = fmax(x1, x2);
    if (a == -INFINITY) return -INFINITY;
    return a + log(exp(x1 - a) + exp(x2 - a));
}

static double kde_logsubexp(double x1, double x2) {
    if (x1 <= x2) return -INFINITY;
    return x1 + log(1 - exp(x2 - x1));
}

static double kde_log_kernel(const kde *K, double dist) {
    double h = K->h;
    switch (K->kernel) {
    case KK_GAUSSIAN:
        return -0.5 * (dist * dist) / (h * h);
    case KK_TOPHAT:
        return dist < h ? 0.0 : -INFINITY;
    case KK_EPANECHNIKOV:
        return dist < h ? log(1.0 - (dist * dist) / (h * h)) : -INFINITY;
    case KK_EXPONENTIAL:
        return -dist / h;
    case KK_LINEAR:
        return dist < h ? log(1 - dist / h) : -INFINITY;
    default:
        return dist < h ? log(cos(0.5 * KDE_PI * dist / h)) : -INFINITY;
    }
}

static double kde_logvn(double n) {
    return 0.5 * n * log(KDE_PI) - lgamma(0.5 * n + 1);
}

static double kde_logsn(double n) {
    return log(2 * KDE_PI) + kde_logvn(n - 1);
}

/* _log_kernel_norm(h, d, kernel). */
static double kde_log_norm(int kernel, double h, long d) {
    double factor = 0, dd = (double)d;
    switch (kernel) {
    case KK_GAUSSIAN:
        factor = 0.5 * dd * log(2 * KDE_PI);
        break;
    case KK_TOPHAT:
        factor = kde_logvn(dd);
        break;
    case KK_EPANECHNIKOV:
        factor = kde_logvn(dd) + log(2. / (dd + 2.));
        break;
    case KK_EXPONENTIAL:
        factor = kde_logsn(dd - 1) + lgamma(dd);
        break;
    case KK_LINEAR:
        factor = kde_logvn(dd) - log(dd + 1.);
        break;
    default: {
        double tmp = 2. / KDE_PI;
        for (long k = 1; k < d + 1; k += 2) {
            factor += tmp;
            tmp *= (double)(-(d - k) * (d - k - 1)) * pow(2. / KDE_PI, 2);
        }
        factor = log(factor) + kde_logsn(dd - 1);
    }
    }
    return -factor - dd * log(h);
}

/* ---- distances: DistanceMetric.dist (the tree's euclidean_dist for EuclideanDistance) ------ */

static double kde_dist(const kde *K, const double *x1, const double *x2, double *tmp) {
    size_t n = K->T.nf;
    double d = 0;
    int ntt = 0, nneq = 0, nnz = 0;
    switch (K->metric) {
    case KM_EUCLID:
        for (size_t j = 0; j < n; j++) {
            double t = x1[j] - x2[j];
            d += t * t;
        }
        return sqrt(d);
    case KM_SEUCLID:
        for (size_t j = 0; j < n; j++) {
            double t = x1[j] - x2[j];
            d += t * t / K->vec[j];
        }
        return sqrt(d);
    case KM_MANHATTAN:
        for (size_t j = 0; j < n; j++)
            d += fabs(x1[j] - x2[j]);
        return d;
    case KM_CHEBYSHEV:
        for (size_t j = 0; j < n; j++) {
            double t = fabs(x1[j] - x2[j]);
            d = d > t ? d : t; /* _dist_metrics' own fmax: max(a, b) */
        }
        return d;
    case KM_MINKOWSKI:
        if (K->vec)
            for (size_t j = 0; j < n; j++)
                d += K->vec[j] * pow(fabs(x1[j] - x2[j]), K->p);
        else
            for (size_t j = 0; j < n; j++)
                d += pow(fabs(x1[j] - x2[j]), K->p);
        return pow(d, 1. / K->p);
    case KM_WMINKOWSKI:
        for (size_t j = 0; j < n; j++)
            d += pow(K->vec[j] * fabs(x1[j] - x2[j]), K->p);
        return pow(d, 1. / K->p);
    case KM_MAHALANOBIS:
        for (size_t i = 0; i < n; i++)
            tmp[i] = x1[i] - x2[i];
        for (size_t i = 0; i < n; i++) {
            double t = 0;
            for (size_t j = 0; j < n; j++)
                t += K->mat[i * n + j] * tmp[j];
            d += t * tmp[i];
        }
        return sqrt(d);
    case KM_HAMMING:
        for (size_t j = 0; j < n; j++)
            nneq += x1[j] != x2[j];
        return (double)nneq / (double)n;
    case KM_CANBERRA:
        for (size_t j = 0; j < n; j++) {
            double den = fabs(x1[j]) + fabs(x2[j]);
            if (den > 0) d += fabs(x1[j] - x2[j]) / den;
        }
        return d;
    case KM_BRAYCURTIS: {
        double num = 0, den = 0;
        for (size_t j = 0; j < n; j++) {
            num += fabs(x1[j] - x2[j]);
            den += fabs(x1[j]) + fabs(x2[j]);
        }
        return den > 0 ? num / den : 0.0;
    }
    case KM_HAVERSINE: {
        double s0 = sin(0.5 * (x1[0] - x2[0])), s1 = sin(0.5 * (x1[1] - x2[1]));
        return 2 * asin(sqrt(s0 * s0 + cos(x1[0]) * cos(x2[0]) * s1 * s1));
    }
    default:
        break;
    }
    /* the boolean metrics: nonzero is True */
    for (size_t j = 0; j < n; j++) {
        int a = x1[j] != 0, b = x2[j] != 0;
        ntt += a && b;
        nneq += a != b;
        nnz += a || b;
    }
    long N = (long)n;
    switch (K->metric) {
    case KM_JACCARD:
        return nnz == 0 ? 0 : (double)(nnz - ntt) * 1.0 / (double)nnz;
    case KM_MATCHING:
        return (double)nneq * 1. / (double)N;
    case KM_DICE:
        return (double)nneq / (2.0 * (double)ntt + (double)nneq);
    case KM_KULSINSKI:
        return (double)(nneq - ntt + N) * 1.0 / (double)(nneq + N);
    case KM_ROGERSTANIMOTO:
    case KM_SOKALMICHENER:
        return (2.0 * (double)nneq) / (double)(N + nneq);
    case KM_RUSSELLRAO:
        return (double)(N - ntt) * 1. / (double)N;
    default: /* KM_SOKALSNEATH */
        return (double)nneq / (0.5 * (double)ntt + (double)nneq);
    }
}

/* ---- node bounds (kd_tree.pyx / ball_tree.pyx) -------------------------------------------- */

static double kd_min_rdist(const kde *K, size_t i, const double *pt) {
    size_t nf = K->T.nf;
    const double *lo = K->T.lo + i * nf, *hi = K->T.hi + i * nf;
    double r = 0.0;
    for (size_t j = 0; j < nf; j++) {
        double dlo = lo[j] - pt[j], dhi = pt[j] - hi[j];
        double d = (dlo + fabs(dlo)) + (dhi + fabs(dhi));
        if (isinf(K->p))
            r = fmax(r, 0.5 * d);
        else
            r += pow(0.5 * d, K->p);
    }
    return r;
}

static double kd_max_rdist(const kde *K, size_t i, const double *pt) {
    size_t nf = K->T.nf;
    const double *lo = K->T.lo + i * nf, *hi = K->T.hi + i * nf;
    double r = 0.0;
    for (size_t j = 0; j < nf; j++) {
        if (isinf(K->p)) {
            r = fmax(r, fabs(pt[j] - lo[j]));
            r = fmax(r, fabs(pt[j] - hi[j]));
        } else {
            double dlo = fabs(pt[j] - lo[j]), dhi = fabs(pt[j] - hi[j]);
            r += pow(fmax(dlo, dhi), K->p);
        }
    }
    return r;
}

static double kde_min_dist(const kde *K, size_t i, const double *pt, double *tmp) {
    if (K->T.alg == ALG_KD) {
        double r = kd_min_rdist(K, i, pt);
        return isinf(K->p) ? r : pow(r, 1. / K->p);
    }
    double d = kde_dist(K, pt, K->T.lo + i * K->T.nf, tmp);
    return fmax(0, d - K->T.nodes[i].radius);
}

static double kde_max_dist(const kde *K, size_t i, const double *pt, double *tmp) {
    if (K->T.alg == ALG_KD) {
        double r = kd_max_rdist(K, i, pt);
        return isinf(K->p) ? r : pow(r, 1. / K->p);
    }
    return kde_dist(K, pt, K->T.lo + i * K->T.nf, tmp) + K->T.nodes[i].radius;
}

static void kde_min_max(const kde *K, size_t i, const double *pt, double *mn, double *mx,
                        double *tmp) {
    size_t nf = K->T.nf;
    if (K->T.alg == ALG_BALL) {
        double d = kde_dist(K, pt, K->T.lo + i * nf, tmp), rad = K->T.nodes[i].radius;
        *mn = fmax(0, d - rad);
        *mx = d + rad;
        return;
    }
    const double *lo = K->T.lo + i * nf, *hi = K->T.hi + i * nf;
    double a = 0.0, b = 0.0;
    if (isinf(K->p)) {
        for (size_t j = 0; j < nf; j++) {
            double dlo = lo[j] - pt[j], dhi = pt[j] - hi[j];
            double d = (dlo + fabs(dlo)) + (dhi + fabs(dhi));
            a = fmax(a, 0.5 * d);
            b = fmax(b, fabs(pt[j] - lo[j]));
            b = fmax(b, fabs(pt[j] - hi[j]));
        }
    } else {
        for (size_t j = 0; j < nf; j++) {
            double dlo = lo[j] - pt[j], dhi = pt[j] - hi[j];
            double d = (dlo + fabs(dlo)) + (dhi + fabs(dhi));
            a += pow(0.5 * d, K->p);
            b += pow(fmax(fabs(dlo), fabs(dhi)), K->p);
        }
        a = pow(a, 1. / K->p);
        b = pow(b, 1. / K->p);
    }
    *mn = a;
    *mx = b;
}

/* The sum over a leaf's points: global_log_min_bound's logaddexp of each log kernel (plus the
 * point's log weight). */
static double kde_leaf(const kde *K, size_t node, const double *pt, double acc, double *tmp) {
    const kn_node *nd = &K->T.nodes[node];
    for (size_t i = nd->start; i < nd->end; i++) {
        size_t row = K->T.idx_array[i];
        double lk = kde_log_kernel(K, kde_dist(K, pt, K->T.X + row * K->T.nf, tmp));
        acc = kde_logaddexp(acc, lk + (K->point_logw ? K->point_logw[row] : 0.));
    }
    return acc;
}

/* ---- breadth first ----------------------------------------------------------------------- */

static void heap_push(double *hv, double *hn, size_t *n, double v, size_t node) {
    size_t i = (*n)++;
    hv[i] = v;
    hn[i] = (double)node;
    while (i > 0) {
        size_t par = (i - 1) / 2;
        if (hv[par] <= hv[i]) break;
        pk_knn_swap(hv, hn, par, i);
        i = par;
    }
}

static size_t heap_pop(double *hv, double *hn, size_t *n) {
    size_t top = (size_t)hn[0];
    hv[0] = hv[*n - 1];
    hn[0] = hn[*n - 1];
    (*n)--;
    size_t i = 0;
    while (i < *n) {
        size_t c1 = 2 * i + 1, c2 = c1 + 1, sw;
        if (c2 < *n)
            sw = hv[c1] <= hv[c2] ? c1 : c2;
        else if (c1 < *n)
            sw = c1;
        else
            break;
        if (!(sw > 0 && hv[sw] <= hv[i])) break;
        pk_knn_swap(hv, hn, sw, i);
        i = sw;
    }
    return top;
}

static double kde_breadth(const kde *K, const double *pt, double *scratch) {
    size_t nn = K->T.n_nodes, hn_n = 0;
    double *hv = scratch + K->o_heap, *hn = hv + nn;
    double *nmin = scratch + K->o_bounds, *nspread = nmin + nn, *tmp = scratch + K->o_tmp;
    double N = K->n_total, logN = log(N);
    double d0 = kde_min_dist(K, 0, pt, tmp);
    heap_push(hv, hn, &hn_n, d0, 0);
    double gmin = logN + kde_log_kernel(K, kde_max_dist(K, 0, pt, tmp));
    double gmax = logN + kde_log_kernel(K, d0);
    double gspread = kde_logsubexp(gmax, gmin);
    nmin[0] = gmin;
    nspread[0] = gspread;
    while (hn_n > 0) {
        size_t node = heap_pop(hv, hn, &hn_n);
        const kn_node *nd = &K->T.nodes[node];
        if (K->log_knorm + nspread[node] - K->node_logn[node] + logN <=
            kde_logaddexp(K->log_atol, K->log_rtol + K->log_knorm + nmin[node])) {
            /* case 1: the node's bounds are within the tolerance */
        } else if (K->log_knorm + gspread <=
                   kde_logaddexp(K->log_atol, K->log_rtol + K->log_knorm + gmin)) {
            break; /* case 2: the global bounds are */
        } else if (nd->leaf) {
            gmin = kde_logsubexp(gmin, nmin[node]);
            gspread = kde_logsubexp(gspread, nspread[node]);
            gmin = kde_leaf(K, node, pt, gmin, tmp);
        } else {
            size_t i1 = 2 * node + 1, i2 = i1 + 1;
            double lb1, ub1, lb2, ub2;
            kde_min_max(K, i1, pt, &lb1, &ub1, tmp);
            kde_min_max(K, i2, pt, &lb2, &ub2, tmp);
            nmin[i1] = K->node_logn[i1] + kde_log_kernel(K, ub1);
            nspread[i1] = K->node_logn[i1] + kde_log_kernel(K, lb1);
            nmin[i2] = K->node_logn[i2] + kde_log_kernel(K, ub2);
            nspread[i2] = K->node_logn[i2] + kde_log_kernel(K, lb2);
            gmin = kde_logsubexp(gmin, nmin[node]);
            gmin = kde_logaddexp(gmin, nmin[i1]);
            gmin = kde_logaddexp(gmin, nmin[i2]);
            gspread = kde_logsubexp(gspread, nspread[node]);
            gspread = kde_logaddexp(gspread, nspread[i1]);
            gspread = kde_logaddexp(gspread, nspread[i2]);
            heap_push(hv, hn, &hn_n, lb1, i1);
            heap_push(hv, hn, &hn_n, lb2, i2);
        }
    }
    return kde_logaddexp(gmin, gspread - log(2));
}

/* ---- depth first ------------------------------------------------------------------------- */

static void kde_depth(const kde *K, size_t node, const double *pt, double lmin, double lspread,
                      double *gmin, double *gspread, double *tmp) {
    const kn_node *nd = &K->T.nodes[node];
    if (K->log_knorm + lspread - K->node_logn[node] + log(K->n_total) <=
        kde_logaddexp(K->log_atol, K->log_rtol + K->log_knorm + lmin))
        return;
    if (K->log_knorm + *gspread <= kde_logaddexp(K->log_atol, K->log_rtol + K->log_knorm + *gmin))
        return;
    if (nd->leaf) {
        *gmin = kde_logsubexp(*gmin, lmin);
        *gspread = kde_logsubexp(*gspread, lspread);
        *gmin = kde_leaf(K, node, pt, *gmin, tmp);
        return;
    }
    size_t i1 = 2 * node + 1, i2 = i1 + 1;
    double lb, ub;
    kde_min_max(K, i1, pt, &lb, &ub, tmp);
    double c1min = K->node_logn[i1] + kde_log_kernel(K, ub);
    double c1spread = kde_logsubexp(K->node_logn[i1] + kde_log_kernel(K, lb), c1min);
    kde_min_max(K, i2, pt, &lb, &ub, tmp);
    double c2min = K->node_logn[i2] + kde_log_kernel(K, ub);
    double c2spread = kde_logsubexp(K->node_logn[i2] + kde_log_kernel(K, lb), c2min);
    *gmin = kde_logsubexp(*gmin, lmin);
    *gmin = kde_logaddexp(*gmin, c1min);
    *gmin = kde_logaddexp(*gmin, c2min);
    *gspread = kde_logsubexp(*gspread, lspread);
    *gspread = kde_logaddexp(*gspread, c1spread);
    *gspread = kde_logaddexp(*gspread, c2spread);
    kde_depth(K, i1, pt, c1min, c1spread, gmin, gspread, tmp);
    kde_depth(K, i2, pt, c2min, c2spread, gmin, gspread, tmp);
}

static pk_code kde_score(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const kde *K = m->impl;
    double v;
    if (K->breadth_first) {
        v = kde_breadth(K, x, scratch);
    } else {
        double *tmp = scratch + K->o_tmp, lb, ub;
        kde_min_max(K, 0, x, &lb, &ub, tmp);
        double logN = log(K->n_total);
        double gmin = logN + kde_log_kernel(K, ub);
        double gmax = logN + kde_log_kernel(K, lb);
        double gspread = kde_logsubexp(gmax, gmin);
        kde_depth(K, 0, x, gmin, gspread, &gmin, &gspread, tmp);
        v = kde_logaddexp(gmin, gspread - log(2));
    }
    v += K->log_knorm;
    out[0] = v - K->log_n_out;
    return PK_OK;
}

/* ---- compile ----------------------------------------------------------------------------- */

static int kde_metric_code(const char *name, size_t len) {
    static const struct {
        const char *name;
        int code;
    } names[] = {{"EuclideanDistance", KM_EUCLID},
                 {"SEuclideanDistance", KM_SEUCLID},
                 {"ManhattanDistance", KM_MANHATTAN},
                 {"ChebyshevDistance", KM_CHEBYSHEV},
                 {"MinkowskiDistance", KM_MINKOWSKI},
                 {"WMinkowskiDistance", KM_WMINKOWSKI},
                 {"MahalanobisDistance", KM_MAHALANOBIS},
                 {"HammingDistance", KM_HAMMING},
                 {"CanberraDistance", KM_CANBERRA},
                 {"BrayCurtisDistance", KM_BRAYCURTIS},
                 {"JaccardDistance", KM_JACCARD},
                 {"MatchingDistance", KM_MATCHING},
                 {"DiceDistance", KM_DICE},
                 {"KulsinskiDistance", KM_KULSINSKI},
                 {"RogersTanimotoDistance", KM_ROGERSTANIMOTO},
                 {"RussellRaoDistance", KM_RUSSELLRAO},
                 {"SokalMichenerDistance", KM_SOKALMICHENER},
                 {"SokalSneathDistance", KM_SOKALSNEATH},
                 {"HaversineDistance", KM_HAVERSINE}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == len && strncmp(name, names[i].name, len) == 0)
            return names[i].code;
    return -1;
}

/* The tree's DistanceMetric (item 11 of its state): class, p, vec (V or w), mat (VI). */
static pk_code kde_metric(pk_mc *c, kde *K, const pk_value *dm) {
    const char *cls = c->m->cls;
    const pk_value *dcls = pk_knn_class_of(dm);
    if (!dcls) return pk_mc_fail(c, "%s: tree_ has no distance metric", cls);
    const char *mn = dcls->u.g.name;
    size_t ml = strlen(mn);
    if (ml > 2 && strcmp(mn + ml - 2, "64") == 0) ml -= 2; /* scikit-learn >= 1.3's names */
    if (ml == 14 && strncmp(mn, "PyFuncDistance", ml) == 0)
        return pk_mc_fail(c,
                          "%s has a callable metric (pyfunc), which cannot be scored without "
                          "running Python code",
                          cls);
    K->metric = kde_metric_code(mn, ml);
    if (K->metric < 0) return pk_mc_fail(c, "%s: the tree's metric %s is not supported", cls, mn);
    const pk_value *st = dm->u.o.state;
    if (!st || st->kind != PK_TUPLE || st->u.seq.len < 3 ||
        pk_as_f64(st->u.seq.items[0], &K->p) != PK_OK)
        return pk_mc_fail(c, "%s: the tree's %s has no (p, vec, mat) state", cls, mn);
    size_t nf = K->T.nf;
    pk_mc_arr vec, mat;
    pk_code rc;
    if ((rc = pk_mc_array_of(c, st->u.seq.items[1], "tree_.dist_metric.vec", &vec)) ||
        (rc = pk_mc_array_of(c, st->u.seq.items[2], "tree_.dist_metric.mat", &mat)))
        return rc;
    switch (K->metric) {
    case KM_EUCLID:
        K->p = 2;
        break;
    case KM_MANHATTAN:
        K->p = 1;
        break;
    case KM_CHEBYSHEV:
        K->p = INFINITY;
        break;
    case KM_SEUCLID:
    case KM_WMINKOWSKI:
        if (vec.ndim != 1 || vec.n != nf)
            return pk_mc_fail(c, "%s: the tree's %s has %zu weights for %zu features", cls, mn,
                              vec.n, nf);
        K->vec = vec.v;
        break;
    case KM_MINKOWSKI: /* weighted when vec is not empty (its size) */
        if (vec.n > 0 && (vec.ndim != 1 || vec.n != nf))
            return pk_mc_fail(c, "%s: the tree's %s has %zu weights for %zu features", cls, mn,
                              vec.n, nf);
        if (vec.n > 0) K->vec = vec.v;
        break;
    case KM_MAHALANOBIS:
        if (mat.ndim != 2 || mat.rows != nf || mat.cols != nf)
            return pk_mc_fail(c, "%s: the tree's MahalanobisDistance matrix is not %zu x %zu", cls,
                              nf, nf);
        K->mat = mat.v;
        break;
    case KM_HAVERSINE:
        if (nf != 2)
            return pk_mc_fail(c, "%s: a haversine metric needs 2 features, the tree has %zu", cls,
                              nf);
        break;
    default:
        break;
    }
    if ((K->metric == KM_MINKOWSKI || K->metric == KM_WMINKOWSKI) && !(K->p >= 1 && isfinite(K->p)))
        return pk_mc_fail(c, "%s: the tree's minkowski p must be a finite number >= 1", cls);
    return PK_OK;
}

/* sample_weight (state item 12, None or an array): node totals, logs, and N. */
static pk_code kde_weights(pk_mc *c, kde *K, const pk_value *const *it, size_t nit) {
    size_t n = K->T.n, nn = K->T.n_nodes;
    K->node_n = pk_mc_alloc(c, nn, sizeof(double));
    K->node_logn = pk_mc_alloc(c, nn, sizeof(double));
    if (!K->node_n || !K->node_logn) return c->err->code;
    const pk_value *swv = nit > 12 ? it[12] : NULL;
    if (!swv || swv->kind == PK_NONE) {
        for (size_t i = 0; i < nn; i++)
            K->node_n[i] = (double)(K->T.nodes[i].end - K->T.nodes[i].start);
        K->n_total = (double)n;
    } else {
        pk_mc_arr sw;
        pk_code rc = pk_mc_array_of(c, swv, "tree_.sample_weight", &sw);
        if (rc) return rc;
        if (sw.ndim != 1 || sw.n != n)
            return pk_mc_fail(c, "%s: tree_.sample_weight has %zu values for %zu fitted rows",
                              c->m->cls, sw.n, n);
        K->point_logw = pk_mc_alloc(c, n, sizeof(double));
        if (!K->point_logw) return c->err->code;
        for (size_t i = 0; i < n; i++)
            K->point_logw[i] = log(sw.v[i]);
        for (size_t i = 0; i < nn; i++) { /* _total_node_weight */
            double s = 0.0;
            for (size_t j = K->T.nodes[i].start; j < K->T.nodes[i].end; j++)
                s += sw.v[K->T.idx_array[j]];
            K->node_n[i] = s;
        }
        K->n_total = pk_np_sum(sw.v, n);
    }
    for (size_t i = 0; i < nn; i++)
        K->node_logn[i] = log(K->node_n[i]);
    return PK_OK;
}

pk_code pk_compile_kernel_density(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    kde *K = pk_mc_alloc(c, 1, sizeof *K);
    if (!K) return c->err->code;
    const pk_value *t = pk_attr(c->obj, "tree_");
    if (!t || t->kind != PK_OBJECT) return pk_mc_not_fitted(c, "tree_");
    const pk_value *tcls = pk_knn_class_of(t);
    const char *tn = tcls ? tcls->u.g.name : "";
    if (strcmp(tn, "KDTree") != 0 && strcmp(tn, "BallTree") != 0)
        return pk_mc_fail(c, "%s: tree_ is not a KDTree or BallTree", cls);
    K->T.alg = strcmp(tn, "KDTree") == 0 ? ALG_KD : ALG_BALL;
    const pk_value *const *it;
    size_t nit;
    pk_code rc = pk_knn_tree_read(c, t, "tree_", 0, &K->T, &it, &nit);
    if (rc) return rc;
    if ((rc = kde_metric(c, K, it[11])) != PK_OK) return rc;
    if (K->T.alg == ALG_KD && K->metric != KM_EUCLID && K->metric != KM_MANHATTAN &&
        K->metric != KM_CHEBYSHEV && K->metric != KM_MINKOWSKI)
        return pk_mc_fail(c, "%s: a KDTree cannot use this metric", cls);
    if ((rc = pk_mc_features(c, K->T.nf)) != PK_OK) return rc;
    if ((rc = kde_weights(c, K, it, nit)) != PK_OK) return rc;

    const char *kn = pk_mc_str(c, "kernel");
    static const char *const kernels[] = {"gaussian",    "tophat", "epanechnikov",
                                          "exponential", "linear", "cosine"};
    K->kernel = -1;
    for (int i = 0; i < 6; i++)
        if (kn && strcmp(kn, kernels[i]) == 0) K->kernel = i;
    if (K->kernel < 0) return pk_mc_fail(c, "%s: unknown kernel '%.40s'", cls, kn ? kn : "?");
    const pk_value *bw = pk_attr(c->obj, "bandwidth_");
    if (!bw) bw = pk_attr(c->obj, "bandwidth"); /* scikit-learn < 1.2 kept only the number */
    if (!bw || pk_as_f64(bw, &K->h) != PK_OK) return pk_mc_not_fitted(c, "bandwidth_");
    if (!(K->h > 0) || !isfinite(K->h))
        return pk_mc_fail(c, "%s: bandwidth_ must be a positive number", cls);
    double atol, rtol;
    if ((rc = pk_mc_num(c, "atol", 0, &atol)) || (rc = pk_mc_num(c, "rtol", 0, &rtol))) return rc;
    if (!(atol >= 0) || !(rtol >= 0))
        return pk_mc_fail(c, "%s: atol and rtol must be numbers >= 0", cls);
    K->breadth_first = pk_mc_bool(c, "breadth_first", 1);
    K->log_atol = log(atol * K->n_total);
    K->log_rtol = log(rtol);
    K->log_knorm = kde_log_norm(K->kernel, K->h, (long)K->T.nf);
    K->log_n_out = log(K->n_total);

    size_t nn = K->T.n_nodes;
    K->o_heap = 0;
    K->o_bounds = K->breadth_first ? 2 * nn : 0;
    K->o_tmp = K->breadth_first ? 4 * nn : 0;
    m->scratch = K->o_tmp + K->T.nf;
    m->kind = PK_MODEL_ESTIMATOR;
    m->impl = K;
    pk_mc_method(c, PK_SCORE_SAMPLES, PK_OUT_SCALAR, 1, kde_score);
    return PK_OK;
}
