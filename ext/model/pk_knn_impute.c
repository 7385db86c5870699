/*
 * pk_knn_impute.c - sklearn.impute.KNNImputer (scikit-learn 1.2's transform, metric
 * 'nan_euclidean').
 *
 * A row without missing values passes. Otherwise its distance to every training row y of
 * _fit_X is sklearn.metrics.nan_euclidean_distances' arithmetic, with missing coordinates of
 * both rows set to 0 (x0, y0):
 *   d = max(0, (-2 x0.y0 + x0.x0) + y0.y0) - sum(x0_j^2 where y_j is missing)
 *                                          - sum(y0_j^2 where x_j is missing)
 *   d = max(d, 0) / max(1, p) * n_features, sqrt; NaN when p (coordinates present in both) is 0.
 * Then for each column j missing in the row and not all-missing in training (_valid_mask):
 * the potential donors are the training rows with j present, in row order; when all their
 * distances are NaN the value is the column's masked mean (its pairwise sum with missing values
 * as 0, times 1., divided by the count); else np.argpartition of those distances at
 * k - 1 (k = min(n_neighbors, donors); numpy's introselect, pk_argpart.c, so equal distances
 * pick the same donors in the same order) gives the k donors, and the value is np.ma.average
 * of their j values: the mean (uniform; NaN-distance donors included) or with weights 1/d
 * (distance: a row with a zero distance weighs those donors 1 and the others 0; NaN weighs 0),
 * sum(v * w) / sum(w), both pairwise sums in donor order (a non-finite quotient is masked by
 * numpy.ma and gives the numerator). Columns all-missing in training are dropped, or 0 with
 * keep_empty_features; add_indicator appends indicator_.features_ flags of the row.
 * scikit-learn 1.2 omits the indicator columns from a batch that has no missing value at all;
 * a row is always given them here (what it returns for every batch with a missing value).
 *
 * Exactness: row norms in numpy's einsum order (einsum_sq), dot products left to right (the
 * reference BLAS's dgemm; an optimised BLAS may group them otherwise): distances identical to
 * scikit-learn's on the reference machine, so equal distances stay equal and the same donors are
 * chosen; uniform weights are then bit-identical, distance weights too (checked within 1e-12
 * relative, the bound with another BLAS).
 */
#include "pk_preproc.h"

#include "pk_ndarray.h"

#include <math.h>
#include <string.h>

typedef struct pk_knn_imp {
    size_t nf, nfit, k;
    const double *fit;        /* _fit_X, nfit x nf (NaN / missing_values as given)      */
    double *y0, *ysq, *ymiss; /* fit rows with missing as 0, their squares, 0/1 mask    */
    double *yy;               /* einsum(y0, y0) per fit row                             */
    size_t *don_off, *don;    /* per column: the fit rows where it is present (CSR)     */
    double *mean;             /* per column: the masked mean                            */
    uint8_t *valid;
    size_t n_out, n_ind, *ind;
    int miss_nan, distance, keep_empty;
    double miss;
} pk_knn_imp;

/* np.einsum('ij,ij->i') of one row, as numpy 1.24 built for the x86-64 baseline computes it
 * (sklearn's row_norms): two lanes; blocks of eight add a[6], a[4], a[2], a[0] squared onto
 * lane 0 (a[7], a[5], a[3], a[1] onto lane 1), then pairs one per lane, then lane 0 + lane 1. */
static double einsum_sq(const double *a, size_t n) {
    double l0 = 0.0, l1 = 0.0;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        for (int q = 3; q >= 0; q--) {
            l0 = a[i + 2 * (size_t)q] * a[i + 2 * (size_t)q] + l0;
            l1 = a[i + 2 * (size_t)q + 1] * a[i + 2 * (size_t)q + 1] + l1;
        }
    }
    for (; i < n; i += 2) {
        l0 = a[i] * a[i] + l0;
        l1 = (i + 1 < n ? a[i + 1] * a[i + 1] : 0.0) + l1;
    }
    return 0.0 + (l0 + l1);
}

static int is_missing(const pk_knn_imp *K, double v) {
    return K->miss_nan ? isnan(v) : v == K->miss;
}

/* nan_euclidean distance of x (with x0 = x with missing as 0, mask xm) to fit row i. */
static double nan_dist(const pk_knn_imp *K, const double *x0, const double *xsq, const double *xm,
                       double xx, size_t i) {
    size_t nf = K->nf;
    const double *y0 = K->y0 + i * nf, *ysq = K->ysq + i * nf, *ym = K->ymiss + i * nf;
    double d = -2.0 * pk_dot(x0, y0, nf);
    d += xx;
    d += K->yy[i];
    d = d > 0 ? d : (isnan(d) ? d : 0.0);
    d -= pk_dot(xsq, ym, nf);
    d -= pk_dot(xm, ysq, nf);
    d = d > 0 ? d : (isnan(d) ? d : 0.0);
    size_t present = 0;
    for (size_t j = 0; j < nf; j++)
        present += xm[j] == 0 && ym[j] == 0;
    if (!present) return NAN;
    d /= (double)present;
    d *= (double)nf;
    return sqrt(d);
}

/* The imputed value of column j from the distances dist (one per fit row). */
static double impute_col(const pk_knn_imp *K, size_t j, const double *dist, double *sub,
                         double *idx, double *w) {
    const size_t *don = K->don + K->don_off[j];
    size_t nd = K->don_off[j + 1] - K->don_off[j], any = 0;
    for (size_t a = 0; a < nd; a++) {
        sub[a] = dist[don[a]];
        any |= !isnan(sub[a]);
    }
    if (!any) return K->mean[j];
    size_t k = K->k < nd ? K->k : nd;
    pk_argpartition(sub, idx, nd, k - 1);
    double *v = sub + nd; /* room for k donor values after the distances */
    for (size_t a = 0; a < k; a++) {
        size_t p = (size_t)idx[a];
        v[a] = K->fit[don[p] * K->nf + j];
        w[a] = sub[p];
    }
    if (!K->distance) return pk_np_sum(v, k) * 1. / (double)k;
    int inf_row = 0;
    for (size_t a = 0; a < k; a++) {
        w[a] = 1.0 / w[a];
        inf_row |= isinf(w[a]);
    }
    for (size_t a = 0; a < k; a++) {
        if (inf_row) w[a] = isinf(w[a]) ? 1.0 : 0.0;
        if (isnan(w[a])) w[a] = 0.0;
    }
    double scl = pk_np_sum(w, k);
    for (size_t a = 0; a < k; a++)
        v[a] *= w[a];
    double num = pk_np_sum(v, k), avg = num / scl;
    return isfinite(avg) ? avg : 0.0 + num;
}

static pk_code knn_imp_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                 pk_err *err) {
    (void)err;
    const pk_knn_imp *K = m->impl;
    size_t nf = K->nf, nfit = K->nfit;
    double *x0 = scratch, *xsq = x0 + nf, *xm = xsq + nf, *dist = xm + nf, *sub = dist + nfit,
           *idx = sub + 2 * nfit, *w = idx + nfit;
    int any = 0;
    for (size_t j = 0; j < nf; j++) {
        int mj = is_missing(K, x[j]);
        xm[j] = mj;
        x0[j] = mj ? 0.0 : x[j];
        xsq[j] = x0[j] * x0[j];
        any |= mj && K->valid[j];
    }
    if (any) {
        double xx = einsum_sq(x0, nf);
        for (size_t i = 0; i < nfit; i++)
            dist[i] = nan_dist(K, x0, xsq, xm, xx, i);
    }
    size_t o = 0;
    for (size_t j = 0; j < nf; j++) {
        if (!K->valid[j]) {
            if (K->keep_empty) out[o++] = 0.0;
            continue;
        }
        out[o++] = xm[j] != 0 ? impute_col(K, j, dist, sub, idx, w) : x[j];
    }
    for (size_t a = 0; a < K->n_ind; a++)
        out[o++] = xm[K->ind[a]] != 0 ? 1.0 : 0.0;
    return PK_OK;
}

/* Training-side data: zeroed rows, squares, masks, norms, donors and masked means. */
static pk_code knn_imp_prepare(pk_mc *c, pk_knn_imp *K) {
    size_t nf = K->nf, nfit = K->nfit, cells = nf * nfit;
    K->y0 = pk_mc_alloc(c, cells, sizeof(double));
    K->ysq = pk_mc_alloc(c, cells, sizeof(double));
    K->ymiss = pk_mc_alloc(c, cells, sizeof(double));
    K->yy = pk_mc_alloc(c, nfit, sizeof(double));
    K->don_off = pk_mc_alloc(c, nf + 1, sizeof(size_t));
    K->don = pk_mc_alloc(c, cells ? cells : 1, sizeof(size_t));
    K->mean = pk_mc_alloc(c, nf, sizeof(double));
    K->valid = pk_mc_alloc(c, nf, 1);
    double *col = pk_mc_alloc(c, nfit, sizeof(double));
    if (!K->y0 || !K->ysq || !K->ymiss || !K->yy || !K->don_off || !K->don || !K->mean ||
        !K->valid || !col)
        return c->err->code;
    for (size_t i = 0; i < cells; i++) {
        int mi = is_missing(K, K->fit[i]);
        if (!mi && !isfinite(K->fit[i]))
            return pk_mc_fail(c, "KNNImputer._fit_X holds an infinite value");
        K->ymiss[i] = mi;
        K->y0[i] = mi ? 0.0 : K->fit[i];
        K->ysq[i] = K->y0[i] * K->y0[i];
    }
    for (size_t i = 0; i < nfit; i++)
        K->yy[i] = einsum_sq(K->y0 + i * nf, nf);
    size_t nd = 0;
    for (size_t j = 0; j < nf; j++) {
        K->don_off[j] = nd;
        for (size_t i = 0; i < nfit; i++) {
            col[i] = K->ymiss[i * nf + j] != 0 ? 0.0 : K->fit[i * nf + j];
            if (K->ymiss[i * nf + j] == 0) K->don[nd++] = i;
        }
        size_t cnt = nd - K->don_off[j];
        K->valid[j] = cnt > 0;
        K->mean[j] = cnt ? pk_np_sum(col, nfit) * 1. / (double)cnt : NAN;
        if (K->valid[j] || K->keep_empty) K->n_out++;
    }
    K->don_off[nf] = nd;
    return PK_OK;
}

pk_code pk_compile_knn_imputer(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr fx;
    pk_code rc = pk_mc_array(c, "_fit_X", 1, &fx);
    if (rc) return rc;
    if (fx.ndim != 2 || fx.rows == 0 || fx.cols == 0)
        return pk_mc_fail(c, "KNNImputer._fit_X is not a non-empty 2-D array");
    const pk_value *fxv = pk_attr(c->obj, "_fit_X");
    if (fxv->kind == PK_NDARRAY &&
        (fxv->u.arr->dtype->u.dt->kind != 'f' || fxv->u.arr->dtype->u.dt->itemsize != 8))
        return pk_mc_fail(c, "KNNImputer was fitted on %s data; only float64 is supported",
                          pk_dtype_scalar_name(fxv->u.arr->dtype->u.dt));
    rc = pk_mc_features(c, fx.cols);
    if (rc) return rc;
    const char *metric = pk_mc_str(c, "metric");
    if (metric && strcmp(metric, "nan_euclidean") != 0)
        return pk_mc_fail(c, "KNNImputer: metric '%s' is not supported (nan_euclidean)", metric);
    if (!metric && pk_attr(c->obj, "metric") && pk_attr(c->obj, "metric")->kind != PK_NONE)
        return pk_mc_fail(c, "KNNImputer: a callable metric is not supported (nan_euclidean)");
    const char *weights = pk_mc_str(c, "weights");
    pk_knn_imp *K = pk_mc_alloc(c, 1, sizeof *K);
    if (!K) return c->err->code;
    if (!weights || strcmp(weights, "uniform") == 0)
        K->distance = 0;
    else if (strcmp(weights, "distance") == 0)
        K->distance = 1;
    else
        return pk_mc_fail(c, "KNNImputer: weights '%s' is not supported", weights);
    if (!weights && pk_attr(c->obj, "weights") && pk_attr(c->obj, "weights")->kind != PK_NONE)
        return pk_mc_fail(c, "KNNImputer: callable weights are not supported");
    double nn;
    rc = pk_mc_num(c, "n_neighbors", 5, &nn);
    if (rc) return rc;
    if (!(nn >= 1 && nn == floor(nn))) return pk_mc_fail(c, "KNNImputer.n_neighbors is %g", nn);
    double miss;
    rc = pk_mc_missing_values(c, &miss);
    if (rc) return rc;
    K->miss_nan = isnan(miss);
    K->miss = miss;
    K->nf = fx.cols;
    K->nfit = fx.rows;
    K->k = nn > (double)fx.rows ? fx.rows : (size_t)nn;
    K->fit = fx.v;
    K->keep_empty = pk_mc_bool(c, "keep_empty_features", 0);
    rc = knn_imp_prepare(c, K);
    if (rc) return rc;
    const pk_value *vm = pk_attr(c->obj, "_valid_mask");
    if (vm && vm->kind != PK_NONE) {
        pk_mc_arr a;
        rc = pk_mc_array_of(c, vm, "_valid_mask", &a);
        if (rc) return rc;
        for (size_t j = 0; j < K->nf && a.n == K->nf; j++)
            if ((a.v[j] != 0) != K->valid[j])
                return pk_mc_fail(c, "KNNImputer._valid_mask does not match _fit_X");
    }
    if (pk_mc_bool(c, "add_indicator", 0)) {
        rc = pk_mc_indicator(c, K->nf, &K->ind, &K->n_ind);
        if (rc) return rc;
    }
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = K;
    m->nan_ok = K->miss_nan;
    m->scratch = 3 * K->nf + 5 * K->nfit;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, K->n_out + K->n_ind, knn_imp_transform);
    return PK_OK;
}
