/*
 * pk_kbins.c - sklearn.preprocessing.KBinsDiscretizer (every strategy: uniform, quantile and
 * kmeans differ only in how fit placed bin_edges_).
 *
 * transform, scikit-learn >= 1.1: the bin of x is np.searchsorted(edges[1:-1], x, side='right'),
 * the number of inner edges <= x, so values below the first edge fall in bin 0 and above the last
 * in bin n_bins_-1. Pickles of scikit-learn < 1.1 (their _sklearn_version) keep that release's
 * rule: np.digitize(x + 1e-8 + 1e-5 * |x|, edges[1:]) clipped to [0, n_bins_-1].
 * dtype=np.float32 rounds x to float first (the bins are integers either way). encode 'ordinal'
 * writes the bin numbers; 'onehot' and 'onehot-dense' write n_bins_[j] columns per feature with a
 * 1 in the bin's column (the sparse form's dense values). Missing values are refused, as
 * scikit-learn's check_array does.
 */
#include "pk_preproc.h"

#include "pk_ndarray.h"

#include <stdio.h>
#include <string.h>

typedef struct pk_kbins {
    size_t n;
    const double **edges; /* edges[j]: nedges[j] sorted values                           */
    size_t *nedges;
    size_t *offset; /* onehot: first output column of feature j                    */
    int onehot, legacy, f32;
} pk_kbins;

/* Number of values in a[0..n) that are <= v (a sorted): searchsorted side='right'. */
static size_t count_le(const double *a, size_t n, double v) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v >= a[mid])
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t bin_of(const pk_kbins *K, size_t j, double v) {
    const double *e = K->edges[j];
    size_t ne = K->nedges[j], nbins = ne - 1;
    if (K->f32) v = (double)(float)v;
    if (!K->legacy) return ne > 2 ? count_le(e + 1, ne - 2, v) : 0;
    double eps = 1.0e-8 + 1.0e-5 * fabs(v);
    size_t b = count_le(e + 1, ne - 1, v + eps);
    return b > nbins - 1 ? nbins - 1 : b;
}

static pk_code kbins_transform(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_kbins *K = m->impl;
    if (!K->onehot) {
        for (size_t j = 0; j < K->n; j++)
            out[j] = (double)bin_of(K, j, x[j]);
        return PK_OK;
    }
    memset(out, 0, K->offset[K->n] * sizeof(double));
    for (size_t j = 0; j < K->n; j++)
        out[K->offset[j] + bin_of(K, j, x[j])] = 1.0;
    return PK_OK;
}

/* 1 when the pickle's _sklearn_version is below major.minor (absent: current rules). */
static int version_below(pk_mc *c, int major, int minor) {
    const char *v = pk_mc_str(c, "_sklearn_version");
    int a = 0, b = 0;
    if (!v || sscanf(v, "%d.%d", &a, &b) != 2) return 0;
    return a < major || (a == major && b < minor);
}

pk_code pk_compile_kbins(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *be = pk_attr(c->obj, "bin_edges_");
    if (!be || be->kind == PK_NONE) return pk_mc_not_fitted(c, "bin_edges_");
    const pk_value *const *items = NULL;
    size_t n = 0;
    if (be->kind == PK_NDARRAY && be->u.arr->objects && be->u.arr->ndim == 1 &&
        be->u.arr->obj_base <= be->u.arr->nobjects && be->u.arr->shape[0] >= 0 &&
        (size_t)be->u.arr->shape[0] <= be->u.arr->nobjects - be->u.arr->obj_base &&
        (be->u.arr->shape[0] <= 1 || be->u.arr->strides[0] == 1)) {
        n = (size_t)be->u.arr->shape[0];
        items = (const pk_value *const *)be->u.arr->objects + be->u.arr->obj_base;
    } else if (be->kind == PK_LIST || be->kind == PK_TUPLE) {
        n = be->u.seq.len;
        items = (const pk_value *const *)be->u.seq.items;
    } else {
        return pk_mc_fail(c, "KBinsDiscretizer.bin_edges_ is not an array of arrays");
    }
    pk_code rc = pk_mc_features(c, n);
    if (rc) return rc;
    pk_kbins *K = pk_mc_alloc(c, 1, sizeof *K);
    if (!K) return c->err->code;
    K->n = n;
    K->edges = pk_mc_alloc(c, n, sizeof *K->edges);
    K->nedges = pk_mc_alloc(c, n, sizeof *K->nedges);
    K->offset = pk_mc_alloc(c, n + 1, sizeof *K->offset);
    if (!K->edges || !K->nedges || !K->offset) return c->err->code;
    for (size_t j = 0; j < n; j++) {
        pk_mc_arr a;
        if (!items[j]) return pk_mc_fail(c, "KBinsDiscretizer.bin_edges_ is malformed");
        rc = pk_mc_array_of(c, items[j], "bin_edges_", &a);
        if (rc) return rc;
        if (a.ndim != 1 || a.n < 2)
            return pk_mc_fail(c, "KBinsDiscretizer.bin_edges_[%zu] has fewer than 2 edges", j);
        for (size_t k = 1; k < a.n; k++)
            if (!(a.v[k] >= a.v[k - 1]))
                return pk_mc_fail(c, "KBinsDiscretizer.bin_edges_[%zu] is not sorted", j);
        K->edges[j] = a.v;
        K->nedges[j] = a.n;
        if (K->offset[j] > (size_t)1 << 30)
            return pk_mc_fail(c, "KBinsDiscretizer has too many bins");
        K->offset[j + 1] = K->offset[j] + (a.n - 1);
    }
    pk_mc_arr nb;
    rc = pk_mc_array(c, "n_bins_", 1, &nb);
    if (rc) return rc;
    if (nb.n != n)
        return pk_mc_fail(c, "KBinsDiscretizer.n_bins_ has %zu values, expected %zu", nb.n, n);
    for (size_t j = 0; j < n; j++)
        if (nb.v[j] != (double)(K->nedges[j] - 1))
            return pk_mc_fail(c, "KBinsDiscretizer.n_bins_[%zu] does not match bin_edges_", j);
    const char *enc = pk_mc_str(c, "encode");
    if (!enc || strcmp(enc, "onehot") == 0 || strcmp(enc, "onehot-dense") == 0)
        K->onehot = 1;
    else if (strcmp(enc, "ordinal") != 0)
        return pk_mc_fail(c, "KBinsDiscretizer has an unknown encode '%s'", enc);
    const pk_value *dt = pk_attr(c->obj, "dtype");
    if (dt && dt->kind == PK_GLOBAL && strcmp(dt->u.g.name, "float32") == 0) K->f32 = 1;
    if (dt && dt->kind == PK_DTYPE && dt->u.dt->kind == 'f' && dt->u.dt->itemsize == 4) K->f32 = 1;
    K->legacy = version_below(c, 1, 1);
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = K;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, K->onehot ? K->offset[n] : n, kbins_transform);
    return PK_OK;
}
