/*
 * pk_sparse_attr.c - fitted attributes that are pickled scipy.sparse matrices: csr_matrix,
 * csc_matrix, coo_matrix and their _array forms, under every scipy module spelling
 * (scipy.sparse._csr since scipy 1.8, scipy.sparse.csr before, ...). The decoder keeps such an
 * object inert (its state: data, indices, indptr, _shape or shape; coo: row, col or coords);
 * this file reads that state as triplets, checked (indices inside the shape, indptr monotone
 * and within data), into the model's arena.
 * Uses: a sparsified coef_ (pk_mc_array_of makes it dense) and TfidfTransformer's _idf_diag
 * (the diagonal only).
 */
#include "pk_model_impl.h"

#include "pk_ndarray.h"

#include <string.h>

enum { SP_CSR, SP_CSC, SP_COO };

typedef struct sp_trip {
    size_t rows, cols, nnz;
    size_t *r, *c;
    double *v;
    int f32;
} sp_trip;

static int sparse_format(const pk_value *v) {
    if (!v || v->kind != PK_OBJECT || !v->u.o.cls || v->u.o.cls->kind != PK_GLOBAL) return -1;
    const pk_global *g = &v->u.o.cls->u.g;
    if (strncmp(g->module, "scipy.sparse", 12) != 0) return -1;
    if (strcmp(g->name, "csr_matrix") == 0 || strcmp(g->name, "csr_array") == 0) return SP_CSR;
    if (strcmp(g->name, "csc_matrix") == 0 || strcmp(g->name, "csc_array") == 0) return SP_CSC;
    if (strcmp(g->name, "coo_matrix") == 0 || strcmp(g->name, "coo_array") == 0) return SP_COO;
    return -1;
}

int pk_mc_is_sparse(const pk_value *v) {
    return sparse_format(v) >= 0;
}

/* An integer array attribute as size_t values (n of them). */
static pk_code index_array(pk_mc *c, const pk_value *a, const char *what, const char *name,
                           size_t **out, size_t *n) {
    if (!a || a->kind != PK_NDARRAY || !a->u.arr->complete || a->u.arr->objects ||
        a->u.arr->ndim != 1)
        return pk_mc_fail(c, "%s.%s: its %s is not a 1-D array", c->m->cls, what, name);
    size_t k = pk_ndarray_size(a->u.arr);
    size_t *o = pk_mc_alloc(c, k ? k : 1, sizeof *o);
    if (!o) return c->err->code;
    for (size_t i = 0; i < k; i++) {
        double d;
        if (pk_ndarray_get_f64(a->u.arr, i, &d) != PK_OK || !(d >= 0 && d < 9.0e15) ||
            d != (double)(size_t)d)
            return pk_mc_fail(c, "%s.%s: its %s holds %g, not an index", c->m->cls, what, name, d);
        o[i] = (size_t)d;
    }
    *out = o;
    *n = k;
    return PK_OK;
}

static pk_code read_trip(pk_mc *c, const pk_value *v, const char *what, sp_trip *t) {
    const char *cls = c->m->cls;
    int fmt = sparse_format(v);
    memset(t, 0, sizeof *t);
    const pk_value *shape = pk_attr(v, "_shape");
    if (!shape) shape = pk_attr(v, "shape");
    int64_t r = 0, k = 0;
    if (!shape || (shape->kind != PK_TUPLE && shape->kind != PK_LIST) || shape->u.seq.len != 2 ||
        pk_as_i64(shape->u.seq.items[0], &r) || pk_as_i64(shape->u.seq.items[1], &k) || r < 0 ||
        k < 0 || r > ((int64_t)1 << 40) || k > ((int64_t)1 << 40))
        return pk_mc_fail(c, "%s.%s is a sparse matrix without a valid shape", cls, what);
    t->rows = (size_t)r;
    t->cols = (size_t)k;
    const pk_value *data = pk_attr(v, "data");
    pk_mc_arr d;
    if (!data) return pk_mc_fail(c, "%s.%s is a sparse matrix without data", cls, what);
    pk_code rc = pk_mc_array_of(c, data, what, &d);
    if (rc) return rc;
    t->nnz = d.n;
    t->v = d.v;
    t->f32 = data->kind == PK_NDARRAY && data->u.arr->dtype &&
             data->u.arr->dtype->u.dt->kind == 'f' && data->u.arr->dtype->u.dt->itemsize == 4;
    size_t n1, n2;
    if (fmt == SP_COO) {
        const pk_value *row = pk_attr(v, "row"), *col = pk_attr(v, "col");
        const pk_value *coords = pk_attr(v, "coords");
        if ((!row || !col) && coords && coords->kind == PK_TUPLE && coords->u.seq.len == 2) {
            row = coords->u.seq.items[0];
            col = coords->u.seq.items[1];
        }
        if ((rc = index_array(c, row, what, "row", &t->r, &n1)) != PK_OK) return rc;
        if ((rc = index_array(c, col, what, "col", &t->c, &n2)) != PK_OK) return rc;
        if (n1 != t->nnz || n2 != t->nnz)
            return pk_mc_fail(c, "%s.%s: coo arrays differ in length", cls, what);
    } else {
        size_t *ind, *ptr;
        if ((rc = index_array(c, pk_attr(v, "indices"), what, "indices", &ind, &n1)) != PK_OK)
            return rc;
        if ((rc = index_array(c, pk_attr(v, "indptr"), what, "indptr", &ptr, &n2)) != PK_OK)
            return rc;
        size_t major = fmt == SP_CSR ? t->rows : t->cols;
        if (n1 != t->nnz || n2 != major + 1 || ptr[0] != 0 || ptr[major] != t->nnz)
            return pk_mc_fail(c, "%s.%s: inconsistent sparse arrays", cls, what);
        size_t *maj = pk_mc_alloc(c, t->nnz ? t->nnz : 1, sizeof *maj);
        if (!maj) return c->err->code;
        for (size_t i = 0; i < major; i++) {
            if (ptr[i + 1] < ptr[i] || ptr[i + 1] > t->nnz)
                return pk_mc_fail(c, "%s.%s: indptr is not monotone", cls, what);
            for (size_t j = ptr[i]; j < ptr[i + 1]; j++)
                maj[j] = i;
        }
        t->r = fmt == SP_CSR ? maj : ind;
        t->c = fmt == SP_CSR ? ind : maj;
    }
    for (size_t i = 0; i < t->nnz; i++)
        if (t->r[i] >= t->rows || t->c[i] >= t->cols)
            return pk_mc_fail(c, "%s.%s: an index lies outside its %zu x %zu shape", cls, what,
                              t->rows, t->cols);
    return PK_OK;
}

pk_code pk_mc_sparse_dense(pk_mc *c, const pk_value *v, const char *what, pk_mc_arr *out) {
    sp_trip t;
    pk_code rc = read_trip(c, v, what, &t);
    if (rc) return rc;
    size_t n;
    /* more than 2^32 entries (n / 4 keeps the bound meaningful where size_t has 32 bits) */
    if (pk_mul_overflow(t.rows, t.cols, &n) || n / 4 > ((size_t)1 << 30))
        return pk_mc_fail(c, "%s.%s: a %zu x %zu sparse matrix is too large to use densely",
                          c->m->cls, what, t.rows, t.cols);
    double *d = pk_mc_alloc(c, n ? n : 1, sizeof(double));
    if (!d) return c->err->code;
    for (size_t i = 0; i < t.nnz; i++)
        d[t.r[i] * t.cols + t.c[i]] += t.v[i];
    out->v = d;
    out->ndim = 2;
    out->rows = t.rows;
    out->cols = t.cols;
    out->n = n;
    return PK_OK;
}

pk_code pk_mc_sparse_diag(pk_mc *c, const pk_value *v, const char *what, double **d, size_t *n,
                          int *f32) {
    sp_trip t;
    if (!pk_mc_is_sparse(v)) return pk_mc_fail(c, "%s.%s is not a sparse matrix", c->m->cls, what);
    pk_code rc = read_trip(c, v, what, &t);
    if (rc) return rc;
    if (t.rows != t.cols) return pk_mc_fail(c, "%s.%s is not square", c->m->cls, what);
    double *o = pk_mc_alloc(c, t.rows ? t.rows : 1, sizeof(double));
    if (!o) return c->err->code;
    for (size_t i = 0; i < t.nnz; i++) {
        if (t.r[i] != t.c[i]) return pk_mc_fail(c, "%s.%s is not diagonal", c->m->cls, what);
        o[t.r[i]] += t.v[i];
    }
    *d = o;
    *n = t.rows;
    *f32 = t.f32;
    return PK_OK;
}
