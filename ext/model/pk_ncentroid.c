/*
 * pk_ncentroid.c - NearestCentroid: predict = the class of the nearest centroid.
 *
 * scikit-learn 1.2 predicts with pairwise_distances_argmin(X, centroids_, metric), i.e. ArgKmin
 * with k = 1: the first centroid with the strictly smallest reduced distance wins. The reduced
 * distance by metric:
 *   euclidean, sqeuclidean   the GEMM trick: (||x||^2 + (-2 x . c)) + ||c||^2, not clipped
 *   l2                       sum (x_j - c_j)^2
 *   manhattan, cityblock, l1 sum |x_j - c_j|
 *   chebyshev                max |x_j - c_j|
 * all summed left to right (pk_dot's order, what the reference machine's BLAS and scikit-learn's
 * DistanceMetric give). Other metrics (and callables) are refused naming the metric.
 * shrink_threshold only changes the fitted centroids_, which are read as stored.
 */
#include "pk_families.h"

#include <math.h>
#include <string.h>

enum { NC_GEMM, NC_SQ, NC_L1, NC_MAX };

typedef struct pk_ncent {
    int metric;
    size_t k, nf;
    const double *cent; /* k x nf           */
    double *cnorm;      /* ||c||^2 (GEMM)   */
} pk_ncent;

static double nc_reduced(const pk_ncent *N, const double *x, double xn, size_t i) {
    const double *y = N->cent + i * N->nf;
    double s = 0;
    switch (N->metric) {
    case NC_GEMM:
        return (xn + -2.0 * pk_dot(y, x, N->nf)) + N->cnorm[i];
    case NC_SQ:
        for (size_t j = 0; j < N->nf; j++) {
            double d = x[j] - y[j];
            s += d * d;
        }
        return s;
    case NC_L1:
        for (size_t j = 0; j < N->nf; j++)
            s += fabs(x[j] - y[j]);
        return s;
    default:
        for (size_t j = 0; j < N->nf; j++)
            s = fmax(s, fabs(x[j] - y[j]));
        return s;
    }
}

static pk_code nc_predict(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    (void)scratch, (void)err;
    const pk_ncent *N = m->impl;
    double xn = N->metric == NC_GEMM ? pk_dot(x, x, N->nf) : 0;
    size_t best = 0;
    double bestd = 0;
    for (size_t i = 0; i < N->k; i++) {
        double d = nc_reduced(N, x, xn, i);
        if (i == 0 || d < bestd) {
            bestd = d;
            best = i;
        }
    }
    out[0] = (double)best;
    return PK_OK;
}

pk_code pk_compile_ncentroid(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *classes = pk_attr(c->obj, "classes_");
    if (!classes || classes->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    pk_code rc = pk_mc_classes(c, classes);
    if (rc) return rc;
    pk_ncent *N = pk_mc_alloc(c, 1, sizeof *N);
    if (!N) return c->err->code;
    const pk_value *mv = pk_attr(c->obj, "metric");
    const char *metric = pk_mc_str(c, "metric");
    if (!mv || mv->kind == PK_NONE) metric = "euclidean";
    if (!metric)
        return pk_mc_fail(c, "%s: metric is not a string (a callable cannot be scored)", m->cls);
    if (strcmp(metric, "euclidean") == 0 || strcmp(metric, "sqeuclidean") == 0)
        N->metric = NC_GEMM;
    else if (strcmp(metric, "l2") == 0)
        N->metric = NC_SQ;
    else if (strcmp(metric, "manhattan") == 0 || strcmp(metric, "cityblock") == 0 ||
             strcmp(metric, "l1") == 0)
        N->metric = NC_L1;
    else if (strcmp(metric, "chebyshev") == 0)
        N->metric = NC_MAX;
    else
        return pk_mc_fail(c,
                          "%s: metric '%.40s' is not supported (euclidean, sqeuclidean, l2, "
                          "manhattan, cityblock, l1, chebyshev are)",
                          m->cls, metric);
    pk_mc_arr ce;
    rc = pk_mc_array(c, "centroids_", 1, &ce);
    if (rc) return rc;
    if (ce.ndim != 2 || ce.rows != m->n_classes || ce.rows == 0)
        return pk_mc_fail(c, "%s.centroids_ is not a %zu-row array", m->cls, m->n_classes);
    rc = pk_mc_features(c, ce.cols);
    if (rc) return rc;
    N->k = ce.rows;
    N->nf = ce.cols;
    N->cent = ce.v;
    N->cnorm = pk_mc_alloc(c, N->k, sizeof(double));
    if (!N->cnorm) return c->err->code;
    for (size_t i = 0; i < N->k; i++)
        N->cnorm[i] = pk_dot(N->cent + i * N->nf, N->cent + i * N->nf, N->nf);
    m->kind = PK_MODEL_CLASSIFIER;
    m->impl = N;
    m->scratch = 1;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, nc_predict);
    return PK_OK;
}
