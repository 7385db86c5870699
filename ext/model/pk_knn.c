/*
 * pk_knn.c - KNeighborsClassifier and KNeighborsRegressor (metrics euclidean/l2,
 * manhattan/cityblock/l1, chebyshev/infinity, minkowski with any p >= 1, no weights vector),
 * with the search the model was fitted with (_fit_method):
 *
 * brute: scikit-learn 1.2 ranks the training rows with ArgKmin.
 *   euclidean: the squared distance is (||x||^2 + (-2 x.y)) + ||y||^2 (the GEMM trick: ||.||^2
 *   and x.y summed left to right, as the reference BLAS's ddot/dgemm do), the distance
 *   sqrt(max(that, 0)). Other metrics: the metric's reduced distance (sum |d|, max |d|,
 *   sum pow(|d|, p)) ranks, the distance is its conversion (identity, or pow(r, 1/p)).
 *   The neighbours are the k smallest by (reduced distance, row index): ArgKmin keeps a value
 *   equal to the current k-th only when it was seen first, and rows are visited in index order.
 *   Their order is by reduced distance; among equal values scikit-learn's final quicksort (and
 *   its thread-dependent heap merge) leave an order we do not reproduce: we keep index order.
 *   Labels and probabilities do not depend on it; a regressor's mean may differ in the last bit.
 * kd_tree / ball_tree: the pickled tree (KDTree/BallTree state: data, idx_array, node_data,
 *   node_bounds, metric) is searched exactly as BinaryTree.query does (depth first, nearer child
 *   first, a node skipped when its lower bound exceeds the current k-th, a point pushed only when
 *   strictly nearer than the k-th), with the same max-heap and the same quicksort of the result
 *   (median of three, Lomuto partition), so ties come out in scikit-learn's order. Distances are
 *   sqrt of the reduced distance (euclidean), pow(r, 1/p) (minkowski) or the value itself.
 *   A kd-tree's bounds (sum of pow(h, p)) are first summed as h * h (p = 2) or h (p = 1); a
 *   decision is taken from that sum when it is farther than any pow rounding from the values it
 *   is compared with, else from the pow sum (see kn_lb), so the walk is BinaryTree.query's.
 *
 * Points are compared eight at a time (kn_rdist_block; brute euclidean through pk_dots_rows),
 * each sum in scikit-learn's order; a tree's data is stored in idx_array order so a leaf's
 * points are consecutive rows.
 *
 * Then, as scikit-learn:
 *   weights 'distance': w = 1/d; in a row with a zero distance, w = 1 for those neighbours, 0 for
 *     the others. 'uniform': no weights (counts).
 *   classifier predict: uniform -> the most frequent class (smallest class on ties, scipy's
 *     mode); distance -> per class, the pairwise (numpy) sum over the k neighbours of w where the
 *     neighbour has the class else 0; the first class with the strictly largest sum.
 *   predict_proba: per neighbour in order, proba[class] += w (1 when uniform); divided by the
 *     pairwise row sum (1 when that is 0).
 *   regressor: uniform -> mean over the neighbours (pairwise sum / k for one target, left to right
 *     for several, as numpy's reduction does); distance -> pairwise sum(y w) / pairwise sum(w).
 */
#include "pk_families.h"
#include "pk_knn.h"
#include "pk_linalg.h"

#include "pk_ndarray.h"

#include <float.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- distances --------------------------------------------------------------------------- */

/* The metric's reduced distance between a and b (DistanceMetric.rdist; euclidean: sum d^2). */
static double kn_rdist(const pk_knn *K, const double *a, const double *b) {
    double s = 0;
    size_t nf = K->nf;
    switch (K->metric) {
    case M_EUCLID:
        for (size_t j = 0; j < nf; j++) {
            double d = a[j] - b[j];
            s += d * d;
        }
        return s;
    case M_MANHATTAN:
        for (size_t j = 0; j < nf; j++)
            s += fabs(a[j] - b[j]);
        return s;
    case M_CHEBYSHEV:
        for (size_t j = 0; j < nf; j++)
            s = fmax(s, fabs(a[j] - b[j]));
        return s;
    default:
        for (size_t j = 0; j < nf; j++)
            s += pow(fabs(a[j] - b[j]), K->p);
        return s;
    }
}

static void kn_heap_push(double *dist, double *idx, size_t size, double v, size_t vi);

enum { KN_BLOCK = 8 }; /* points whose distances are summed together */
#if defined(__GNUC__) && !defined(__clang__)
#define KN_UNROLL _Pragma("GCC unroll 8")
#else
#define KN_UNROLL
#endif

/* out[u] = kn_rdist(x, r[u]) for KN_BLOCK points (euclidean, manhattan, chebyshev): the sums
 * advance together, feature by feature (SSE2 lanes, independent chains), each in kn_rdist's
 * order, so every value is kn_rdist's. */
static void kn_rdist_block(const pk_knn *K, const double *x, const double *const *r, double *out) {
    double acc[KN_BLOCK] = {0.0};
    size_t nf = K->nf;
    switch (K->metric) {
    case M_EUCLID:
        for (size_t j = 0; j < nf; j++) {
            double t = x[j];
            KN_UNROLL
            for (size_t u = 0; u < KN_BLOCK; u++) {
                double d = t - r[u][j];
                acc[u] += d * d;
            }
        }
        break;
    case M_MANHATTAN:
        for (size_t j = 0; j < nf; j++) {
            double t = x[j];
            KN_UNROLL
            for (size_t u = 0; u < KN_BLOCK; u++)
                acc[u] += fabs(t - r[u][j]);
        }
        break;
    default: /* M_CHEBYSHEV */
        for (size_t j = 0; j < nf; j++) {
            double t = x[j];
            KN_UNROLL
            for (size_t u = 0; u < KN_BLOCK; u++)
                acc[u] = fmax(acc[u], fabs(t - r[u][j]));
        }
        break;
    }
    for (size_t u = 0; u < KN_BLOCK; u++)
        out[u] = acc[u];
}

/* Minkowski's reduced distance sum pow(|x_j - y_j|, p), or, as soon as the sum so far reaches
 * `bound`, that partial sum: every term is >= 0 and rounding is monotone, so a partial sum
 * never exceeds the full one, and a point whose partial sum reaches the heap's largest would
 * not have been kept either (the caller only compares the value with it). pow dominates: the
 * terms it saves are worth the test. */
static double kn_pow_lim(const double *a, const double *b, size_t nf, double p, double bound) {
    double s = 0;
    for (size_t j = 0; j < nf; j++) {
        s += pow(fabs(a[j] - b[j]), p);
        if (s >= bound) return s;
    }
    return s;
}

/* Offers the stored rows p0 .. p0 + n - 1 of K->X to the heap (dist, idx) of size k: a row
 * whose reduced distance is below the heap's largest is pushed (kn_heap_push) under its
 * training row number, ids[p] (a tree's idx_array), or p itself when ids is NULL. The rows are
 * offered in order, each against the heap as it is then, as ArgKmin and BinaryTree.query do;
 * the distances of a block of rows do not depend on the heap, so they are formed first. */
static void kn_offer(const pk_knn *K, const double *x, const size_t *ids, size_t p0, size_t n,
                     double *dist, double *idx) {
    size_t nf = K->nf, k = K->k;
    const double *X = K->X + p0 * nf;
    if (K->metric == M_MINKOWSKI) {
        for (size_t u = 0; u < n; u++) {
            double v = kn_pow_lim(x, X + u * nf, nf, K->p, dist[0]);
            if (!(v >= dist[0])) kn_heap_push(dist, idx, k, v, ids ? ids[p0 + u] : p0 + u);
        }
        return;
    }
    const double *r[KN_BLOCK];
    double v[KN_BLOCK];
    for (size_t u = 0; u < n; u += KN_BLOCK) {
        size_t nb = n - u < KN_BLOCK ? n - u : KN_BLOCK;
        /* a last, shorter block repeats its first row in the unused places */
        for (size_t b = 0; b < KN_BLOCK; b++)
            r[b] = X + (u + (b < nb ? b : 0)) * nf;
        kn_rdist_block(K, x, r, v);
        for (size_t b = 0; b < nb; b++)
            if (!(v[b] >= dist[0]))
                kn_heap_push(dist, idx, k, v[b], ids ? ids[p0 + u + b] : p0 + u + b);
    }
}

static double kn_rdist_to_dist(const pk_knn *K, double r) {
    if (K->metric == M_EUCLID) return sqrt(r);
    if (K->metric == M_MINKOWSKI) return pow(r, 1.0 / K->p);
    return r;
}

static double kn_dist_to_rdist(const pk_knn *K, double d) {
    if (K->metric == M_EUCLID) return d * d;
    if (K->metric == M_MINKOWSKI) return pow(d, K->p);
    return d;
}

/* ---- brute force ---------------------------------------------------------------------------- */

static void kn_sort(double *d, double *ix, size_t size);

/* The reduced distance ArgKmin ranks row i by. */
static double kn_surrogate(const pk_knn *K, const double *x, double xn, size_t i) {
    const double *y = K->X + i * K->nf;
    if (K->gemm) return (xn + -2.0 * pk_dot(y, x, K->nf)) + K->xnorm[i];
    return kn_rdist(K, x, y);
}

/* ArgKmin's 'parallel_on_Y' search for one row: the rows, in chunks of 256, are dealt to
 * `threads` heaps in contiguous blocks (OpenMP's static schedule: the first n % T threads get
 * one chunk more); each heap is filled in row order; the heaps are then pushed, thread by thread
 * and slot by slot, into the result heap, which is sorted. work: threads * 2k doubles of heaps,
 * then KN_CHUNK for the dots of a chunk (euclidean: formed together by pk_dots_rows, each in
 * pk_dot's order; other metrics stop summing a row once it cannot enter the heap). */
static void kn_brute(const pk_knn *K, const double *x, double *dist, double *idx, double *work) {
    size_t k = K->k, nf = K->nf, T = K->threads, nch = K->n_chunks;
    double *dots = work + T * 2 * k;
    double xn = K->gemm ? pk_dot(x, x, nf) : 0;
    size_t q = nch / T, r = nch % T;
    for (size_t t = 0; t < T; t++) {
        double *hd = work + t * 2 * k, *hi = hd + k;
        for (size_t j = 0; j < k; j++) {
            hd[j] = DBL_MAX;
            hi[j] = 0;
        }
        size_t c0 = t < r ? t * (q + 1) : t * q + r, c1 = c0 + (t < r ? q + 1 : q);
        size_t i0 = c0 * KN_CHUNK, i1 = c1 * KN_CHUNK < K->n ? c1 * KN_CHUNK : K->n;
        for (size_t i = i0; i < i1; i += KN_CHUNK) {
            size_t n = i1 - i < KN_CHUNK ? i1 - i : KN_CHUNK;
            const double *y = K->X + i * nf;
            if (K->gemm) {
                pk_dots_rows(y, n, nf, x, dots);
                for (size_t u = 0; u < n; u++) {
                    double v = (xn + -2.0 * dots[u]) + K->xnorm[i + u];
                    if (!(v >= hd[0])) kn_heap_push(hd, hi, k, v, i + u);
                }
            } else {
                kn_offer(K, x, NULL, i, n, hd, hi);
            }
        }
    }
    for (size_t j = 0; j < k; j++) {
        dist[j] = DBL_MAX;
        idx[j] = 0;
    }
    for (size_t t = 0; t < T; t++) {
        const double *hd = work + t * 2 * k, *hi = hd + k;
        for (size_t j = 0; j < k; j++)
            kn_heap_push(dist, idx, k, hd[j], (size_t)hi[j]);
    }
    kn_sort(dist, idx, k);
    for (size_t j = 0; j < k; j++) {
        double v = dist[j] > 0 ? dist[j] : 0;
        dist[j] = K->gemm ? sqrt(v) : kn_rdist_to_dist(K, v);
    }
}

/* ---- trees ---------------------------------------------------------------------------------- */

/* Max-heap push (largest at 0) of size k: rejects v >= the largest, else sifts down. */
static void kn_heap_push(double *dist, double *idx, size_t size, double v, size_t vi) {
    if (v >= dist[0]) return;
    size_t i = 0;
    for (;;) {
        size_t c1 = 2 * i + 1, c2 = c1 + 1, sw;
        if (c1 >= size) break;
        if (c2 >= size) {
            if (dist[c1] > v)
                sw = c1;
            else
                break;
        } else if (dist[c1] >= dist[c2]) {
            if (v < dist[c1])
                sw = c1;
            else
                break;
        } else {
            if (v < dist[c2])
                sw = c2;
            else
                break;
        }
        dist[i] = dist[sw];
        idx[i] = idx[sw];
        i = sw;
    }
    dist[i] = v;
    idx[i] = (double)vi;
}

void pk_knn_swap(double *d, double *ix, size_t a, size_t b) {
    double t = d[a];
    d[a] = d[b];
    d[b] = t;
    t = ix[a];
    ix[a] = ix[b];
    ix[b] = t;
}

/* The quicksort scikit-learn sorts neighbours with: sizes 2 and 3 by compare-and-swap; else the
 * median of (first, middle, last) moved to the end as pivot, smaller values moved to the front
 * in one pass, the pivot placed after them, both sides sorted recursively. */
static void kn_sort(double *d, double *ix, size_t size) {
    while (size > 3) {
        size_t mid = size / 2;
        if (d[0] > d[size - 1]) pk_knn_swap(d, ix, 0, size - 1);
        if (d[size - 1] > d[mid]) {
            pk_knn_swap(d, ix, size - 1, mid);
            if (d[0] > d[size - 1]) pk_knn_swap(d, ix, 0, size - 1);
        }
        double pv = d[size - 1];
        size_t store = 0;
        for (size_t i = 0; i + 1 < size; i++)
            if (d[i] < pv) pk_knn_swap(d, ix, i, store++);
        pk_knn_swap(d, ix, store, size - 1);
        if (store > 1) kn_sort(d, ix, store);
        if (store + 2 >= size) return;
        d += store + 1;
        ix += store + 1;
        size -= store + 1;
    }
    if (size == 2) {
        if (d[0] > d[1]) pk_knn_swap(d, ix, 0, 1);
    } else if (size == 3) {
        if (d[0] > d[1]) pk_knn_swap(d, ix, 0, 1);
        if (d[1] > d[2]) {
            pk_knn_swap(d, ix, 1, 2);
            if (d[0] > d[1]) pk_knn_swap(d, ix, 0, 1);
        }
    }
}

/* Lower bound of the reduced distance from x to node i, or, for a kd-tree, a partial sum
 * above `bound` as soon as one is reached: the caller skips a node whose bound exceeds the k-th
 * distance, and which of two children goes first is decided the same way by partial sums
 * (a child above the bound is skipped whichever goes first). Terms of 0 (x within the node's
 * range on that feature) are skipped: pow(0, p) adds exactly 0. */
static double kn_min_rdist(const pk_knn *K, size_t i, const double *x, double bound) {
    size_t nf = K->nf;
    if (K->alg == ALG_KD) {
        const double *lo = K->lo + i * nf, *hi = K->hi + i * nf;
        double r = 0;
        for (size_t j = 0; j < nf; j++) {
            double dlo = lo[j] - x[j], dhi = x[j] - hi[j];
            double d = (dlo + fabs(dlo)) + (dhi + fabs(dhi));
            if (d == 0) continue;
            if (K->metric == M_CHEBYSHEV)
                r = fmax(r, 0.5 * d);
            else
                r += pow(0.5 * d, K->p);
            if (r > bound) return r;
        }
        return r;
    }
    double dc = kn_rdist(K, x, K->lo + i * nf);
    dc = kn_rdist_to_dist(K, dc);
    double md = fmax(0, dc - K->nodes[i].radius);
    return kn_dist_to_rdist(K, md);
}

/* A kd-tree bound may first be known only approximately: the same terms with h * h (or h)
 * for pow(h, p), p = 2 (or 1), no libm call. The exact sum (pow's terms, both sums in the same
 * order) is within kn_margin of it: each term differs by at most a few ulps (an ulp for h * h,
 * pow's error, under 2^-40 relative), and two sums of nf terms >= 0 by at most nf ulps each;
 * 2^-30 of the value covers nf < 2^20, plus an absolute part for subnormal terms. Every
 * decision the walk takes from a bound (skip the node? which child first?) is taken from the
 * approximation when the margin makes it certain, else from the exact bound computed then:
 * the walk is the one the exact bounds give. */
typedef struct kn_lb {
    double v;
    int exact; /* v is kn_min_rdist's value (possibly its partial sum above the bound) */
} kn_lb;

static double kn_kd_fast(const pk_knn *K, size_t i, const double *x) {
    size_t nf = K->nf;
    const double *lo = K->lo + i * nf, *hi = K->hi + i * nf;
    double r = 0;
    for (size_t j = 0; j < nf; j++) {
        double dlo = lo[j] - x[j], dhi = x[j] - hi[j];
        double h = 0.5 * ((dlo + fabs(dlo)) + (dhi + fabs(dhi)));
        r += K->fast_lb == 2 ? h * h : h;
    }
    return r;
}

static double kn_margin(const pk_knn *K, double v) {
    return v * 0x1p-30 + (double)K->nf * 0x1p-1050;
}

static kn_lb kn_bound(const pk_knn *K, size_t i, const double *x, double bound) {
    kn_lb b;
    b.exact = !K->fast_lb;
    b.v = b.exact ? kn_min_rdist(K, i, x, bound) : kn_kd_fast(K, i, x);
    return b;
}

static void kn_make_exact(const pk_knn *K, size_t i, const double *x, kn_lb *b, double bound) {
    if (!b->exact) {
        b->v = kn_min_rdist(K, i, x, bound);
        b->exact = 1;
    }
}

/* 1 when node i's exact bound is above D (BinaryTree.query skips the node). */
static int kn_above(const pk_knn *K, size_t i, const double *x, kn_lb *b, double D) {
    if (!b->exact) {
        double m = kn_margin(K, b->v);
        if (b->v - m > D) return 1;
        if (b->v + m <= D) return 0;
        kn_make_exact(K, i, x, b, D);
    }
    return b->v > D;
}

/* 1 when child c1 goes first: its exact bound <= c2's. A partial sum stands for a child above
 * the k-th distance, skipped whichever goes first. */
static int kn_first(const pk_knn *K, size_t c1, size_t c2, const double *x, kn_lb *b1, kn_lb *b2,
                    double D) {
    if (!b1->exact || !b2->exact) {
        double m1 = b1->exact ? 0 : kn_margin(K, b1->v), m2 = b2->exact ? 0 : kn_margin(K, b2->v);
        if (b1->v + m1 < b2->v - m2) return 1;
        if (b1->v - m1 > b2->v + m2) return 0;
        kn_make_exact(K, c1, x, b1, D);
        kn_make_exact(K, c2, x, b2, D);
    }
    return b1->v <= b2->v;
}

static void kn_tree_walk(const pk_knn *K, size_t node, const double *x, double *dist, double *idx,
                         kn_lb lb) {
    if (kn_above(K, node, x, &lb, dist[0])) return;
    const kn_node *nd = &K->nodes[node];
    if (nd->leaf) {
        kn_offer(K, x, K->idx_array, nd->start, nd->end - nd->start, dist, idx);
        return;
    }
    size_t c1 = 2 * node + 1, c2 = c1 + 1;
    kn_lb lb1 = kn_bound(K, c1, x, dist[0]), lb2 = kn_bound(K, c2, x, dist[0]);
    if (kn_first(K, c1, c2, x, &lb1, &lb2, dist[0])) {
        kn_tree_walk(K, c1, x, dist, idx, lb1);
        kn_tree_walk(K, c2, x, dist, idx, lb2);
    } else {
        kn_tree_walk(K, c2, x, dist, idx, lb2);
        kn_tree_walk(K, c1, x, dist, idx, lb1);
    }
}

static void kn_tree(const pk_knn *K, const double *x, double *dist, double *idx) {
    for (size_t j = 0; j < K->k; j++) {
        dist[j] = INFINITY;
        idx[j] = 0;
    }
    kn_tree_walk(K, 0, x, dist, idx, kn_bound(K, 0, x, INFINITY));
    kn_sort(dist, idx, K->k);
    for (size_t j = 0; j < K->k; j++)
        dist[j] = kn_rdist_to_dist(K, dist[j]);
}

/* ---- scoring ------------------------------------------------------------------------------ */

/* Fills dist/idx (scratch) with the k neighbours and w with their weights (distance mode). */
static void kn_neighbours(const pk_knn *K, const double *x, double *scratch) {
    double *dist = scratch, *idx = scratch + K->k, *w = scratch + 2 * K->k;
    if (K->alg == ALG_BRUTE)
        kn_brute(K, x, dist, idx, scratch + 4 * K->k + K->acc);
    else
        kn_tree(K, x, dist, idx);
    if (!K->distance_w) return;
    int zero = 0;
    for (size_t j = 0; j < K->k; j++) {
        w[j] = 1.0 / dist[j];
        if (isinf(w[j])) zero = 1;
    }
    if (zero)
        for (size_t j = 0; j < K->k; j++)
            w[j] = isinf(w[j]) ? 1.0 : 0.0;
}

static size_t kn_class(const pk_knn *K, const double *idx, size_t j) {
    return (size_t)K->y[(size_t)idx[j] * K->nout];
}

static pk_code kn_predict_clf(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    (void)err;
    const pk_knn *K = m->impl;
    kn_neighbours(K, x, scratch);
    const double *idx = scratch + K->k, *w = scratch + 2 * K->k;
    double *tmp = scratch + 3 * K->k, *acc = scratch + 4 * K->k;
    size_t best = 0;
    if (!K->distance_w) {
        for (size_t c = 0; c < K->ncls; c++)
            acc[c] = 0;
        for (size_t j = 0; j < K->k; j++)
            acc[kn_class(K, idx, j)] += 1;
        for (size_t c = 1; c < K->ncls; c++)
            if (acc[c] > acc[best]) best = c;
    } else {
        double bestc = 0;
        for (size_t c = 0; c < K->ncls; c++) {
            int any = 0;
            for (size_t j = 0; j < K->k; j++) {
                int hit = kn_class(K, idx, j) == c;
                tmp[j] = hit ? w[j] : 0.0;
                any |= hit;
            }
            if (!any) continue;
            double s = pk_np_sum(tmp, K->k);
            if (s > bestc) {
                bestc = s;
                best = c;
            }
        }
    }
    out[0] = (double)best;
    return PK_OK;
}

static pk_code kn_proba(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    (void)err;
    const pk_knn *K = m->impl;
    kn_neighbours(K, x, scratch);
    const double *idx = scratch + K->k, *w = scratch + 2 * K->k;
    for (size_t c = 0; c < K->ncls; c++)
        out[c] = 0;
    for (size_t j = 0; j < K->k; j++)
        out[kn_class(K, idx, j)] += K->distance_w ? w[j] : 1.0;
    double s = pk_np_sum(out, K->ncls);
    if (s == 0.0) s = 1.0;
    for (size_t c = 0; c < K->ncls; c++)
        out[c] /= s;
    return PK_OK;
}

static pk_code kn_predict_reg(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    (void)err;
    const pk_knn *K = m->impl;
    kn_neighbours(K, x, scratch);
    const double *idx = scratch + K->k, *w = scratch + 2 * K->k;
    double *tmp = scratch + 3 * K->k;
    size_t k = K->k, no = K->nout;
    if (!K->distance_w) {
        if (no == 1) {
            for (size_t j = 0; j < k; j++)
                tmp[j] = K->y[(size_t)idx[j]];
            out[0] = pk_np_sum(tmp, k) / (double)k;
            return PK_OK;
        }
        for (size_t t = 0; t < no; t++) {
            double s = 0;
            for (size_t j = 0; j < k; j++)
                s += K->y[(size_t)idx[j] * no + t];
            out[t] = s / (double)k;
        }
        return PK_OK;
    }
    double den = pk_np_sum(w, k);
    for (size_t t = 0; t < no; t++) {
        for (size_t j = 0; j < k; j++)
            tmp[j] = K->y[(size_t)idx[j] * no + t] * w[j];
        out[t] = pk_np_sum(tmp, k) / den;
    }
    return PK_OK;
}

/* ---- compile ---------------------------------------------------------------------------- */

/* A positive integer from the start of s, or 0. */
static long kn_leading_int(const char *s) {
    if (!s) return 0;
    char *end;
    long v = strtol(s, &end, 10);
    return end != s && v > 0 ? v : 0;
}

/* ceil(quota / period) of the cgroup CPU bandwidth limit (v2 cpu.max, else v1), or 0. */
static long kn_cgroup_cpus(void) {
    char buf[64] = {0};
    long q = 0, per = 0;
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (f) {
        if (fgets(buf, sizeof buf, f)) {
            char *sp = strchr(buf, ' ');
            q = kn_leading_int(buf);
            per = sp ? kn_leading_int(sp + 1) : 0;
        }
        fclose(f);
    } else {
        f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "r");
        if (f) {
            if (fgets(buf, sizeof buf, f)) q = kn_leading_int(buf);
            fclose(f);
        }
        f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r");
        if (f) {
            if (fgets(buf, sizeof buf, f)) per = kn_leading_int(buf);
            fclose(f);
        }
    }
    return q > 0 && per > 0 ? (q + per - 1) / per : 0;
}

/* The CPUs this process may run on (sched_getaffinity on Linux), else those online (1 in
 * WebAssembly). */
static long kn_cpus(void) {
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* The thread count of scikit-learn's OpenMP loops (_openmp_effective_n_threads): the first
 * value of OMP_NUM_THREADS when set; else the CPUs this process may run on, lowered by a cgroup
 * CPU quota and by LOKY_MAX_CPU_COUNT as joblib's cpu_count does. Capped at 256. */
static size_t kn_threads(void) {
    long n = kn_leading_int(getenv("OMP_NUM_THREADS"));
    if (n <= 0) {
        n = kn_cpus();
        long cg = kn_cgroup_cpus(), lk = kn_leading_int(getenv("LOKY_MAX_CPU_COUNT"));
        if (cg > 0 && cg < n) n = cg;
        if (lk > 0 && lk < n) n = lk;
    }
    if (n < 1) n = 1;
    return n > 256 ? 256 : (size_t)n;
}

static int kn_metric_code(const char *s) {
    static const struct {
        const char *name;
        int code;
    } names[] = {{"euclidean", M_EUCLID},    {"l2", M_EUCLID},          {"manhattan", M_MANHATTAN},
                 {"cityblock", M_MANHATTAN}, {"l1", M_MANHATTAN},       {"chebyshev", M_CHEBYSHEV},
                 {"infinity", M_CHEBYSHEV},  {"minkowski", M_MINKOWSKI}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (s && strcmp(s, names[i].name) == 0) return names[i].code;
    return -1;
}

/* p of a minkowski metric: effective_metric_params_['p'] (or the estimator's p). */
static pk_code kn_minkowski_p(pk_mc *c, pk_knn *K) {
    const pk_value *mp = pk_attr(c->obj, "effective_metric_params_");
    const pk_value *pv = mp && mp->kind == PK_DICT ? pk_dict_get_str(mp, "p") : NULL;
    const pk_value *wv = mp && mp->kind == PK_DICT ? pk_dict_get_str(mp, "w") : NULL;
    if (wv && wv->kind != PK_NONE)
        return pk_mc_fail(c, "%s: a weighted minkowski metric (w) is not supported", c->m->cls);
    if (pv) {
        if (pk_as_f64(pv, &K->p) != PK_OK)
            return pk_mc_fail(c, "%s: effective_metric_params_['p'] is not a number", c->m->cls);
    } else {
        pk_code rc = pk_mc_num(c, "p", 2.0, &K->p);
        if (rc) return rc;
    }
    if (!(K->p >= 1) || isinf(K->p))
        return pk_mc_fail(c, "%s: minkowski p must be a finite number >= 1", c->m->cls);
    return PK_OK;
}

/* A field of a structured array element as a double: 4- or 8-byte integers (intp is 4 bytes
 * in pickles made on Windows), 8-byte floats, either byte order. */
static int kn_field(const pk_ndarray *a, size_t row, const pk_dtfield *f, double *out) {
    const pk_dtype *dt = f->dtype->u.dt;
    size_t sz = dt->itemsize;
    int isint = dt->kind == 'i' || dt->kind == 'u';
    if (!((isint && (sz == 4 || sz == 8)) || (dt->kind == 'f' && sz == 8))) return 0;
    const uint8_t *p = a->data + (int64_t)row * a->strides[0] + f->offset;
    uint8_t b[8];
    memcpy(b, p, sz);
    if (dt->byteorder == '>')
        for (size_t i = 0; i < sz / 2; i++) {
            uint8_t t = b[i];
            b[i] = b[sz - 1 - i];
            b[sz - 1 - i] = t;
        }
    if (dt->kind == 'f') {
        memcpy(out, b, 8);
    } else if (sz == 8) {
        int64_t v;
        memcpy(&v, b, 8);
        *out = dt->kind == 'u' ? (double)(uint64_t)v : (double)v;
    } else {
        int32_t v;
        memcpy(&v, b, 4);
        *out = dt->kind == 'u' ? (double)(uint32_t)v : (double)v;
    }
    return 1;
}

static pk_code kn_nodes(pk_mc *c, pk_knn *K, const pk_value *v) {
    const char *cls = c->m->cls;
    if (!v || v->kind != PK_NDARRAY || !v->u.arr->complete || v->u.arr->ndim != 1 ||
        !v->u.arr->dtype || v->u.arr->dtype->kind != PK_DTYPE)
        return pk_mc_fail(c, "%s: the tree's node_data is not a record array", cls);
    const pk_ndarray *a = v->u.arr;
    const pk_dtype *dt = a->dtype->u.dt;
    const pk_dtfield *fs[4] = {NULL, NULL, NULL, NULL};
    static const char *const want[4] = {"idx_start", "idx_end", "is_leaf", "radius"};
    for (size_t i = 0; i < dt->nfields; i++)
        for (int j = 0; j < 4; j++)
            if (strcmp(dt->fields[i].name, want[j]) == 0) fs[j] = &dt->fields[i];
    for (int j = 0; j < 4; j++)
        if (!fs[j] || !fs[j]->dtype || fs[j]->dtype->kind != PK_DTYPE ||
            fs[j]->offset + fs[j]->dtype->u.dt->itemsize > dt->itemsize)
            return pk_mc_fail(c, "%s: the tree's node_data has no field %s", cls, want[j]);
    if (a->shape[0] <= 0 || a->shape[0] > ((int64_t)1 << 40))
        return pk_mc_fail(c, "%s: the tree has no nodes", cls);
    K->n_nodes = (size_t)a->shape[0];
    K->nodes = pk_mc_alloc(c, K->n_nodes, sizeof *K->nodes);
    if (!K->nodes) return c->err->code;
    for (size_t i = 0; i < K->n_nodes; i++) {
        double s, e, l, r;
        if (!kn_field(a, i, fs[0], &s) || !kn_field(a, i, fs[1], &e) ||
            !kn_field(a, i, fs[2], &l) || !kn_field(a, i, fs[3], &r))
            return pk_mc_fail(c, "%s: the tree's node_data fields are not integers and floats",
                              cls);
        kn_node *nd = &K->nodes[i];
        nd->leaf = l != 0;
        nd->radius = r;
        if (!(s >= 0 && s <= e && e <= (double)K->n))
            return pk_mc_fail(c, "%s: tree node %zu covers rows outside the data", cls, i);
        nd->start = (size_t)s;
        nd->end = (size_t)e;
        /* children 2i+1, 2i+2 must exist: this also bounds the recursion depth by log2 n_nodes */
        if (!nd->leaf && 2 * i + 2 >= K->n_nodes)
            return pk_mc_fail(c, "%s: tree node %zu has no children", cls, i);
    }
    return PK_OK;
}

/* The class of an object pickled as cls(...) or as newObj(cls) (how scikit-learn's Cython
 * classes reduce themselves). NULL when neither. */
const pk_value *pk_knn_class_of(const pk_value *o) {
    if (!o || o->kind != PK_OBJECT || !o->u.o.cls || o->u.o.cls->kind != PK_GLOBAL) return NULL;
    const pk_value *g = o->u.o.cls;
    if (strcmp(g->u.g.name, "newObj") == 0) {
        const pk_value *a = o->u.o.args;
        if (!a || a->kind != PK_TUPLE || a->u.seq.len != 1 || a->u.seq.items[0]->kind != PK_GLOBAL)
            return NULL;
        return a->u.seq.items[0];
    }
    return g;
}

/* Stores the tree's data in idx_array order, in place: row p of X becomes data row
 * idx_array[p], so a leaf's points (idx_array[start..end)) are read from consecutive rows.
 * idx_array must be a permutation; mark (n doubles, the idx_array values read from the pickle,
 * no longer needed) is the work space. */
static pk_code kn_tree_order(pk_mc *c, pk_knn *K, double *X, double *mark) {
    size_t n = K->n, nf = K->nf;
    const size_t *ia = K->idx_array;
    for (size_t p = 0; p < n; p++)
        mark[p] = 0;
    for (size_t p = 0; p < n; p++) {
        if (mark[ia[p]] != 0)
            return pk_mc_fail(c, "%s: the tree's idx_array repeats row %zu", c->m->cls, ia[p]);
        mark[ia[p]] = 1;
    }
    double *tmp = pk_mc_alloc(c, nf ? nf : 1, sizeof(double));
    if (!tmp) return c->err->code;
    for (size_t p = 0; p < n; p++)
        mark[p] = 0;
    /* each cycle start -> ia[start] -> ...: row p takes row ia[p] before that one is rewritten */
    for (size_t start = 0; start < n; start++) {
        if (mark[start] != 0) continue;
        memcpy(tmp, X + start * nf, nf * sizeof(double));
        for (size_t p = start;;) {
            size_t q = ia[p];
            mark[p] = 1;
            if (q == start) {
                memcpy(X + p * nf, tmp, nf * sizeof(double));
                break;
            }
            memcpy(X + p * nf, X + q * nf, nf * sizeof(double));
            p = q;
        }
    }
    return PK_OK;
}

pk_code pk_knn_tree_read(pk_mc *c, const pk_value *t, const char *what, int leaf_order, pk_knn *K,
                         const pk_value *const **state, size_t *nstate) {
    const char *cls = c->m->cls;
    const pk_value *tcls = pk_knn_class_of(t);
    const char *want = K->alg == ALG_KD ? "KDTree" : "BallTree";
    if (!tcls || strcmp(tcls->u.g.name, want) != 0)
        return pk_mc_fail(c, "%s: %s is not a %s", cls, what, want);
    const pk_value *st = t->u.o.state;
    if (!st || st->kind != PK_TUPLE || st->u.seq.len < 12)
        return pk_mc_fail(c, "%s: the pickled tree has no state tuple", cls);
    const pk_value *const *it = (const pk_value *const *)st->u.seq.items;
    *state = it;
    *nstate = st->u.seq.len;
    pk_mc_arr data, ia;
    pk_code rc = pk_mc_array_of(c, it[0], "_tree.data", &data);
    if (!rc) rc = pk_mc_array_of(c, it[1], "_tree.idx_array", &ia);
    if (rc) return rc;
    if (data.ndim != 2 || data.rows == 0)
        return pk_mc_fail(c, "%s: the tree's data is not a 2-D array", cls);
    K->n = data.rows;
    K->nf = data.cols;
    K->X = data.v;
    if (ia.n != K->n) return pk_mc_fail(c, "%s: the tree's idx_array has the wrong size", cls);
    K->idx_array = pk_mc_alloc(c, K->n, sizeof(size_t));
    if (!K->idx_array) return c->err->code;
    for (size_t i = 0; i < K->n; i++) {
        if (!(ia.v[i] >= 0 && ia.v[i] < (double)K->n))
            return pk_mc_fail(c, "%s: the tree's idx_array points outside the data", cls);
        K->idx_array[i] = (size_t)ia.v[i];
    }
    if (leaf_order) {
        rc = kn_tree_order(c, K, data.v, ia.v);
        if (rc) return rc;
    }
    rc = kn_nodes(c, K, it[2]);
    if (rc) return rc;
    const pk_value *nb = it[3];
    if (nb->kind != PK_NDARRAY || !nb->u.arr->complete || nb->u.arr->objects ||
        nb->u.arr->ndim != 3 || (size_t)nb->u.arr->shape[1] != K->n_nodes ||
        (size_t)nb->u.arr->shape[2] != K->nf || nb->u.arr->shape[0] != (K->alg == ALG_KD ? 2 : 1))
        return pk_mc_fail(c, "%s: the tree's node_bounds do not match its nodes", cls);
    size_t nbn = pk_ndarray_size(nb->u.arr);
    double *bounds = pk_mc_alloc(c, nbn, sizeof(double));
    if (!bounds) return c->err->code;
    if (pk_ndarray_to_f64(nb->u.arr, bounds, nbn) != PK_OK)
        return pk_mc_fail(c, "%s: the tree's node_bounds are not numeric", cls);
    K->lo = bounds;
    K->hi = bounds + K->n_nodes * K->nf;
    return PK_OK;
}

/* Reads the pickled KDTree/BallTree at _tree: its arrays (pk_knn_tree_read), then its metric,
 * which must be the estimator's. */
static pk_code kn_tree_compile(pk_mc *c, pk_knn *K) {
    const char *cls = c->m->cls;
    const pk_value *t = pk_attr(c->obj, "_tree");
    if (!t || t->kind != PK_OBJECT) return pk_mc_not_fitted(c, "_tree");
    const pk_value *const *it;
    size_t nit;
    pk_code rc = pk_knn_tree_read(c, t, "_tree", 1, K, &it, &nit);
    if (rc) return rc;
    /* the tree's own metric: class and p decide its reduced distance */
    const pk_value *dm = it[11];
    const pk_value *dcls = pk_knn_class_of(dm);
    if (!dcls) return pk_mc_fail(c, "%s: the tree has no distance metric", cls);
    const char *mn = dcls->u.g.name;
    /* scikit-learn >= 1.3 names the float64 metrics EuclideanDistance64, ... */
    size_t ml = strlen(mn);
    if (ml > 2 && strcmp(mn + ml - 2, "64") == 0) ml -= 2;
    int tm = ml == 17 && strncmp(mn, "EuclideanDistance", ml) == 0   ? M_EUCLID
             : ml == 17 && strncmp(mn, "ManhattanDistance", ml) == 0 ? M_MANHATTAN
             : ml == 17 && strncmp(mn, "ChebyshevDistance", ml) == 0 ? M_CHEBYSHEV
             : ml == 17 && strncmp(mn, "MinkowskiDistance", ml) == 0 ? M_MINKOWSKI
                                                                     : -1;
    if (tm < 0) return pk_mc_fail(c, "%s: the tree's metric %s is not supported", cls, mn);
    if (tm != K->metric)
        return pk_mc_fail(c, "%s: the tree's metric %s differs from effective_metric_", cls, mn);
    const pk_value *ms = dm->u.o.state;
    if (tm == M_MINKOWSKI) {
        double tp;
        if (!ms || ms->kind != PK_TUPLE || ms->u.seq.len < 2 ||
            pk_as_f64(ms->u.seq.items[0], &tp) != PK_OK)
            return pk_mc_fail(c, "%s: the tree's MinkowskiDistance has no p", cls);
        pk_mc_arr wv;
        rc = pk_mc_array_of(c, ms->u.seq.items[1], "_tree.dist_metric.vec", &wv);
        if (rc) return rc;
        if (wv.n > 0 && wv.ndim > 0)
            return pk_mc_fail(c, "%s: a weighted minkowski metric is not supported", cls);
        if (tp != K->p) return pk_mc_fail(c, "%s: the tree's p differs from the model's", cls);
    }
    if (tm == M_EUCLID) K->p = 2;
    if (tm == M_MANHATTAN) K->p = 1;
    if (tm == M_CHEBYSHEV) K->p = INFINITY;
    /* kd-tree bounds approximated first when their pow is a square or the identity */
    if (K->alg == ALG_KD && tm != M_CHEBYSHEV && (K->p == 2 || K->p == 1) && K->nf < (1u << 20))
        K->fast_lb = (int)K->p;
    return PK_OK;
}

pk_code pk_knn_search_compile(pk_mc *c, pk_knn *K, double nn) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    const char *fm = pk_mc_str(c, "_fit_method");
    if (!fm) return pk_mc_not_fitted(c, "_fit_method");
    K->alg = strcmp(fm, "brute") == 0       ? ALG_BRUTE
             : strcmp(fm, "kd_tree") == 0   ? ALG_KD
             : strcmp(fm, "ball_tree") == 0 ? ALG_BALL
                                            : -1;
    if (K->alg < 0) return pk_mc_fail(c, "%s: unknown search method '%s'", cls, fm);
    const pk_value *em = pk_attr(c->obj, "effective_metric_");
    if (em && em->kind != PK_STR && em->kind != PK_NONE)
        return pk_mc_fail(c,
                          "%s has a callable metric, which cannot be scored without running "
                          "Python code",
                          cls);
    const char *ems = pk_mc_str(c, "effective_metric_");
    if (!ems) return pk_mc_not_fitted(c, "effective_metric_");
    K->metric = kn_metric_code(ems);
    if (K->metric < 0) return pk_mc_fail(c, "%s: metric '%s' is not supported", cls, ems);
    pk_code rc = PK_OK;
    if (K->metric == M_MINKOWSKI) rc = kn_minkowski_p(c, K);
    if (rc) return rc;
    if (K->alg == ALG_BRUTE) {
        pk_mc_arr fx;
        rc = pk_mc_array(c, "_fit_X", 1, &fx);
        if (rc) return rc;
        if (fx.ndim != 2 || fx.rows == 0) return pk_mc_fail(c, "%s._fit_X is not a 2-D array", cls);
        /* float64 queries against other training dtypes leave ArgKmin for the chunked
         * pairwise-distance path, whose ties (argpartition) we do not reproduce */
        const pk_value *fxv = pk_attr(c->obj, "_fit_X");
        if (fxv->kind == PK_NDARRAY) {
            const pk_dtype *fdt = fxv->u.arr->dtype->u.dt;
            if (fdt->kind != 'f' || fdt->itemsize != 8)
                return pk_mc_fail(c,
                                  "%s was fitted by brute force on %s data; only float64 is "
                                  "supported",
                                  cls, pk_dtype_scalar_name(fdt));
        }
        K->n = fx.rows;
        K->nf = fx.cols;
        K->X = fx.v;
        K->gemm = strcmp(ems, "euclidean") == 0;
        if (K->gemm) {
            K->xnorm = pk_mc_alloc(c, K->n, sizeof(double));
            if (!K->xnorm) return c->err->code;
            for (size_t i = 0; i < K->n; i++)
                K->xnorm[i] = pk_dot(K->X + i * K->nf, K->X + i * K->nf, K->nf);
        }
    } else {
        rc = kn_tree_compile(c, K);
        if (rc) return rc;
    }
    rc = pk_mc_features(c, K->nf);
    if (rc) return rc;
    if (!(nn >= 1 && nn <= (double)K->n) || nn != floor(nn))
        return pk_mc_fail(c, "%s: n_neighbors must be between 1 and the %zu fitted rows", cls,
                          K->n);
    K->k = (size_t)nn;

    if (K->alg == ALG_BRUTE) {
        K->n_chunks = (K->n + KN_CHUNK - 1) / KN_CHUNK;
        K->threads = kn_threads();
        if (K->threads > K->n_chunks) K->threads = K->n_chunks;
    }
    return PK_OK;
}

size_t pk_knn_work(const pk_knn *K) {
    return 1 + (K->alg == ALG_BRUTE ? 2 * K->k * K->threads + KN_CHUNK : 0);
}

void pk_knn_query(const pk_knn *K, const double *x, double *dist, double *idx, double *work) {
    if (K->alg == ALG_BRUTE)
        kn_brute(K, x, dist, idx, work);
    else
        kn_tree(K, x, dist, idx);
}

double pk_knn_rdist(const pk_knn *K, const double *x, double xn, size_t p) {
    if (K->gemm) {
        double v = kn_surrogate(K, x, xn, p);
        return v > 0 ? v : 0;
    }
    return kn_rdist(K, x, K->X + p * K->nf);
}

size_t pk_knn_row(const pk_knn *K, size_t p) {
    return K->idx_array ? K->idx_array[p] : p;
}

double pk_knn_to_dist(const pk_knn *K, double rdist) {
    return K->gemm ? sqrt(rdist) : kn_rdist_to_dist(K, rdist);
}

double pk_knn_to_rdist(const pk_knn *K, double dist) {
    return K->gemm ? dist * dist : kn_dist_to_rdist(K, dist);
}

pk_code pk_compile_knn(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    pk_knn *K = pk_mc_alloc(c, 1, sizeof *K);
    if (!K) return c->err->code;
    K->clf = strcmp(cls, "KNeighborsClassifier") == 0;
    const pk_value *wt = pk_attr(c->obj, "weights");
    const char *ws = wt && wt->kind == PK_STR ? wt->u.s.ptr : NULL;
    if (wt && wt->kind != PK_STR && wt->kind != PK_NONE)
        return pk_mc_fail(c,
                          "%s has callable weights, which cannot be scored without running "
                          "Python code",
                          cls);
    if (ws && strcmp(ws, "distance") != 0 && strcmp(ws, "uniform") != 0)
        return pk_mc_fail(c, "%s: unknown weights '%s'", cls, ws);
    K->distance_w = ws && strcmp(ws, "distance") == 0;
    double nn;
    pk_code rc = pk_mc_num(c, "n_neighbors", 5, &nn);
    if (rc) return rc;
    rc = pk_knn_search_compile(c, K, nn);
    if (rc) return rc;

    pk_mc_arr ya;
    rc = pk_mc_array(c, "_y", 1, &ya);
    if (rc) return rc;
    K->nout = ya.ndim == 2 ? ya.cols : 1;
    if ((ya.ndim == 2 ? ya.rows : ya.n) != K->n || ya.ndim == 0)
        return pk_mc_fail(c, "%s._y has %zu rows for %zu fitted rows", cls,
                          ya.ndim == 2 ? ya.rows : ya.n, K->n);
    K->y = ya.v;
    if (K->clf) {
        if (pk_mc_bool(c, "outputs_2d_", 0) || K->nout != 1)
            return pk_mc_fail(c, "%s fitted on several outputs is not supported", cls);
        const pk_value *classes = pk_attr(c->obj, "classes_");
        if (!classes || classes->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
        rc = pk_mc_classes(c, classes);
        if (rc) return rc;
        K->ncls = m->n_classes;
        for (size_t i = 0; i < K->n; i++)
            if (!(K->y[i] >= 0 && K->y[i] < (double)K->ncls) || K->y[i] != floor(K->y[i]))
                return pk_mc_fail(c, "%s._y[%zu] is not a class index", cls, i);
    }
    m->impl = K;
    K->acc = K->ncls > K->nout ? K->ncls : K->nout;
    m->scratch = 4 * K->k + K->acc + pk_knn_work(K);
    if (K->clf) {
        m->kind = PK_MODEL_CLASSIFIER;
        pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, kn_predict_clf);
        pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, K->ncls, kn_proba);
    } else {
        m->kind = PK_MODEL_REGRESSOR;
        pk_mc_method(c, PK_PREDICT, K->nout == 1 && ya.ndim == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY,
                     K->nout, kn_predict_reg);
    }
    return PK_OK;
}
