/*
 * pk_randproj.c - SparseRandomProjection: transform = x @ components_.T where components_ is a
 * scipy.sparse csr_matrix (n_components x n_features).
 *
 * The pickled matrix is an object whose state holds data, indices, indptr and _shape. It is
 * checked completely at compile time (indptr starts at 0, never decreases and ends at the number
 * of stored values, every column index lies inside the shape) and kept as compressed rows.
 * scikit-learn 1.2 computes X @ components_.T as (components_ @ X.T).T: scipy's csr_matvecs adds
 * each row's stored values in their stored order onto 0.0, which is what the kernel does, so
 * results are bit-identical. With density=1 scikit-learn keeps components_ dense: that is the
 * dense projection of pk_decomp.c.
 */
#include "pk_more_families.h"

#include <math.h>
#include <string.h>

typedef struct pk_csr {
    size_t rows, cols, nnz;
    size_t *indptr;  /* rows + 1 */
    size_t *indices; /* nnz      */
    double *data;    /* nnz      */
} pk_csr;

static pk_code csr_part(pk_mc *c, const pk_value *mat, const char *what, const char *name,
                        pk_mc_arr *out) {
    const pk_value *v = pk_attr(mat, name);
    if (!v || v->kind == PK_NONE)
        return pk_mc_fail(c, "%s.%s is not a scipy sparse matrix (no %s)", c->m->cls, what, name);
    pk_code rc = pk_mc_array_of(c, v, name, out);
    if (rc) return rc;
    if (out->ndim > 1) return pk_mc_fail(c, "%s.%s.%s is not a 1-D array", c->m->cls, what, name);
    return PK_OK;
}

/* An index stored as a double (read from an int32/int64 array) below `bound`. */
static int index_ok(double v, double bound) {
    return v >= 0 && v < bound && v == floor(v);
}

/* Reads the csr_matrix attribute `what` of c->obj. */
static pk_code csr_read(pk_mc *c, const char *what, pk_csr *S) {
    const pk_value *mat = pk_attr(c->obj, what);
    if (!mat || mat->kind == PK_NONE) return pk_mc_not_fitted(c, what);
    if (mat->kind != PK_OBJECT)
        return pk_mc_fail(c, "%s.%s is not a scipy sparse matrix", c->m->cls, what);
    const char *fmt = NULL;
    const pk_value *cls = mat->u.o.cls;
    if (cls && cls->kind == PK_GLOBAL) fmt = cls->u.g.name;
    if (!fmt || (strcmp(fmt, "csr_matrix") != 0 && strcmp(fmt, "csr_array") != 0))
        return pk_mc_fail(c, "%s.%s is a %s, not a csr_matrix", c->m->cls, what,
                          fmt ? fmt : "value");
    pk_mc_arr shape, data, indices, indptr;
    pk_code rc = csr_part(c, mat, what, "_shape", &shape);
    if (rc) return rc;
    if (shape.n != 2 || !index_ok(shape.v[0], 0x1p40) || !index_ok(shape.v[1], 0x1p40))
        return pk_mc_fail(c, "%s.%s has no valid _shape", c->m->cls, what);
    if ((rc = csr_part(c, mat, what, "data", &data)) ||
        (rc = csr_part(c, mat, what, "indices", &indices)) ||
        (rc = csr_part(c, mat, what, "indptr", &indptr)))
        return rc;
    S->rows = (size_t)shape.v[0];
    S->cols = (size_t)shape.v[1];
    S->nnz = data.n;
    if (indices.n != S->nnz || indptr.n != S->rows + 1)
        return pk_mc_fail(c,
                          "%s.%s: %zu values, %zu column indices and %zu row pointers do not "
                          "make a %zu x %zu matrix",
                          c->m->cls, what, data.n, indices.n, indptr.n, S->rows, S->cols);
    S->indptr = pk_mc_alloc(c, S->rows + 1, sizeof *S->indptr);
    S->indices = pk_mc_alloc(c, S->nnz ? S->nnz : 1, sizeof *S->indices);
    if (!S->indptr || !S->indices) return c->err->code;
    for (size_t i = 0; i <= S->rows; i++) {
        if (!index_ok(indptr.v[i], S->nnz + 1) || (i == 0 && indptr.v[0] != 0) ||
            (i > 0 && indptr.v[i] < indptr.v[i - 1]) || (i == S->rows && indptr.v[i] != S->nnz))
            return pk_mc_fail(c, "%s.%s.indptr is not a valid row pointer array (at %zu)",
                              c->m->cls, what, i);
        S->indptr[i] = (size_t)indptr.v[i];
    }
    for (size_t k = 0; k < S->nnz; k++) {
        if (!index_ok(indices.v[k], S->cols))
            return pk_mc_fail(c, "%s.%s.indices[%zu] is outside the %zu columns", c->m->cls, what,
                              k, S->cols);
        S->indices[k] = (size_t)indices.v[k];
    }
    S->data = data.v;
    return PK_OK;
}

static pk_code srp_transform(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_csr *S = m->impl;
    for (size_t r = 0; r < S->rows; r++) {
        double s = 0.0;
        for (size_t k = S->indptr[r]; k < S->indptr[r + 1]; k++)
            s += S->data[k] * x[S->indices[k]];
        out[r] = s;
    }
    return PK_OK;
}

pk_code pk_compile_sparse_projection(pk_mc *c) {
    const pk_value *comp = pk_attr(c->obj, "components_");
    if (comp && comp->kind == PK_NDARRAY) return pk_compile_decomposition(c); /* density=1 */
    pk_csr *S = pk_mc_alloc(c, 1, sizeof *S);
    if (!S) return c->err->code;
    pk_code rc = csr_read(c, "components_", S);
    if (rc) return rc;
    if (S->rows == 0) return pk_mc_fail(c, "%s.components_ has no rows", c->m->cls);
    rc = pk_mc_features(c, S->cols);
    if (rc) return rc;
    c->m->kind = PK_MODEL_TRANSFORMER;
    c->m->impl = S;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, S->rows, srp_transform);
    return PK_OK;
}
