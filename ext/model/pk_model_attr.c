/*
 * pk_model_attr.c - reading fitted attributes for the model compilers (pk_model_impl.h):
 * numeric arrays and scalars copied into the model's arena as doubles, strings, classes_.
 *
 * Accepted forms: numpy arrays (any numeric dtype, any memory order: pk_ndarray_to_f64 copies in
 * C order), numpy scalars, Python numbers, and (nested, rectangular, at most 2-D) lists/tuples of
 * numbers. String arrays: numpy 'U' (UCS-4, either byte order) and object arrays of str.
 */
#include "pk_model_impl.h"

#include "pk_ndarray.h"
#include "pk_unicode.h"

#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void *pk_mc_alloc(pk_mc *c, size_t count, size_t size) {
    size_t n;
    if (pk_mul_overflow(count, size, &n)) {
        pk_err_set(c->err, PK_ELIMIT, -1, -1, "%s: array too large", c->m->cls);
        return NULL;
    }
    void *p = pk_arena_calloc(c->m->arena, count, size);
    if (!p && c->m->arena->over_budget)
        pk_err_set(c->err, PK_ELIMIT, -1, -1,
                   "limit exceeded: %s compiled would need more than max_model_bytes (%zu bytes)",
                   c->m->cls, c->m->arena->budget);
    else if (!p)
        pk_err_nomem(c->err, -1);
    return p;
}

const double *pk_mc_transpose(pk_mc *c, const double *w, size_t rows, size_t cols) {
    if (rows == 1) return w;
    double *t = pk_mc_alloc(c, rows && cols ? rows * cols : 1, sizeof(double));
    if (!t) return NULL;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            t[j * rows + i] = w[i * cols + j];
    return t;
}

pk_code pk_mc_reserve(pk_mc *c, uint64_t bytes, uint64_t units, const char *unit) {
    const pk_arena *ar = c->m->arena;
    if (!ar->budget) return PK_OK;
    uint64_t left = ar->budget > ar->used ? ar->budget - ar->used : 0;
    if (bytes <= left) return PK_OK;
    return pk_err_set(c->err, PK_ELIMIT, -1, -1,
                      "limit exceeded: %s compiled would need more than max_model_bytes (%zu "
                      "bytes): its trees hold %llu %s, counting a shared tree at every place it "
                      "is used",
                      c->m->cls, ar->budget, (unsigned long long)units, unit);
}

char *pk_mc_strdup(pk_mc *c, const char *s, size_t n) {
    char *p = pk_arena_strndup(c->m->arena, s, n);
    if (!p) pk_err_nomem(c->err, -1);
    return p;
}

pk_code pk_mc_fail(pk_mc *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pk_code rc = pk_err_vset(c->err, PK_EMODEL, -1, -1, fmt, ap);
    va_end(ap);
    return rc;
}

pk_code pk_mc_not_fitted(pk_mc *c, const char *attr) {
    return pk_mc_fail(c, "%s is not fitted (no %s)", c->m->cls, attr);
}

pk_code pk_mc_require_f64(pk_mc *c, const pk_value *v, const char *what) {
    if (!v || v->kind != PK_NDARRAY || !v->u.arr->dtype || v->u.arr->dtype->kind != PK_DTYPE)
        return PK_OK;
    const pk_dtype *dt = v->u.arr->dtype->u.dt;
    if (dt->kind != 'f' || dt->itemsize == 8) return PK_OK;
    return pk_mc_fail(c, "%s was fitted on %s data (%s is %s); only float64 models are scored",
                      c->m->cls, pk_dtype_scalar_name(dt), what, pk_dtype_scalar_name(dt));
}

pk_code pk_mc_features(pk_mc *c, size_t n) {
    if (n == 0) return pk_mc_fail(c, "%s has no features", c->m->cls);
    if (c->m->n_features && c->m->n_features != n)
        return pk_mc_fail(c, "%s: n_features_in_ is %zu but its arrays have %zu columns", c->m->cls,
                          c->m->n_features, n);
    c->m->n_features = n;
    return PK_OK;
}

void pk_mc_method(pk_mc *c, pk_method meth, pk_out_shape shape, size_t width, pk_model_fn fn) {
    c->m->shape[meth] = shape;
    c->m->width[meth] = width;
    c->m->fn[meth] = fn;
}

void pk_mc_cell_method(pk_mc *c, pk_method meth, pk_out_shape shape, size_t width,
                       pk_model_cell_fn fn) {
    c->m->shape[meth] = shape;
    c->m->width[meth] = width;
    c->m->cfn[meth] = fn;
}

pk_code pk_mc_col_kinds(pk_mc *c, pk_col_kind kind) {
    pk_model *m = c->m;
    m->col_kind = pk_mc_alloc(c, m->n_features ? m->n_features : 1, 1);
    if (!m->col_kind) return c->err->code;
    memset(m->col_kind, (int)kind, m->n_features);
    return PK_OK;
}

void pk_mc_block(pk_mc *c, pk_method meth, pk_model_block_fn fn, size_t scratch) {
    c->m->block_fn[meth] = fn;
    if (scratch > c->m->block_scratch) c->m->block_scratch = scratch;
}

double pk_logsumexp(const double *v, size_t n, double *tmp) {
    double mx = v[0];
    for (size_t c = 1; c < n; c++)
        if (v[c] > mx || isnan(v[c])) mx = v[c];
    if (!isfinite(mx)) mx = 0;
    for (size_t c = 0; c < n; c++)
        tmp[c] = exp(v[c] - mx);
    double lse = log(pk_np_sum(tmp, n));
    return lse + mx;
}

/* predict_proba's kernel: a typed composite (pk_meta_typed) keeps its own kernels in tfn */
static pk_code run_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    return (m->col_kind ? m->tfn : m->fn)[PK_PREDICT_PROBA](m, x, scratch, out, err);
}

static pk_code log_of_proba(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    pk_code rc = run_proba(m, x, scratch, out, err);
    if (rc) return rc;
    for (size_t i = 0; i < m->width[PK_PREDICT_PROBA]; i++)
        out[i] = log(out[i]);
    return PK_OK;
}

static pk_code log_of_proba_tiny(const pk_model *m, const double *x, double *scratch, double *out,
                                 pk_err *err) {
    pk_code rc = run_proba(m, x, scratch, out, err);
    if (rc) return rc;
    for (size_t i = 0; i < m->width[PK_PREDICT_PROBA]; i++)
        out[i] = log(out[i] == 0.0 ? DBL_MIN : out[i]);
    return PK_OK;
}

void pk_mc_log_proba(pk_mc *c, int tiny) {
    pk_model *m = c->m;
    if (m->shape[PK_PREDICT_PROBA] == PK_OUT_NONE || !m->fn[PK_PREDICT_PROBA]) return;
    pk_mc_method(c, PK_PREDICT_LOG_PROBA, m->shape[PK_PREDICT_PROBA], m->width[PK_PREDICT_PROBA],
                 tiny ? log_of_proba_tiny : log_of_proba);
}

static int is_number(const pk_value *v) {
    double d;
    return v && v->kind != PK_NDARRAY && pk_as_f64(v, &d) == PK_OK;
}

pk_code pk_mc_intercept(pk_mc *c, const pk_mc_arr *icpt, size_t n, const char *unit,
                        const double **out) {
    double *ic = pk_mc_alloc(c, n, sizeof(double));
    if (!ic) return c->err->code;
    if (icpt->v) {
        if (icpt->n == 1)
            for (size_t t = 0; t < n; t++)
                ic[t] = icpt->v[0];
        else if (icpt->n == n)
            memcpy(ic, icpt->v, n * sizeof(double));
        else
            return pk_mc_fail(c, "%s.intercept_ has %zu values for %zu %s", c->m->cls, icpt->n, n,
                              unit);
    }
    *out = ic;
    return PK_OK;
}

pk_code pk_mc_array_of(pk_mc *c, const pk_value *v, const char *what, pk_mc_arr *out) {
    memset(out, 0, sizeof *out);
    if (!v) return pk_mc_not_fitted(c, what); /* an attribute the caller looked up is absent */
    if (pk_mc_is_sparse(v)) return pk_mc_sparse_dense(c, v, what, out);
    if (v->kind == PK_NDARRAY) {
        const pk_ndarray *a = v->u.arr;
        if (!a->complete || a->objects || a->ndim > 2)
            return pk_mc_fail(c, "%s.%s is not a numeric array of at most 2 dimensions", c->m->cls,
                              what);
        size_t n = pk_ndarray_size(a);
        out->v = pk_mc_alloc(c, n ? n : 1, sizeof(double));
        if (!out->v) return c->err->code;
        if (pk_ndarray_to_f64(a, out->v, n) != PK_OK)
            return pk_mc_fail(c, "%s.%s is not a numeric array", c->m->cls, what);
        out->ndim = a->ndim;
        out->n = n;
        out->rows = a->ndim == 2 ? (size_t)a->shape[0] : 1;
        out->cols = a->ndim == 2 ? (size_t)a->shape[1] : a->ndim == 1 ? (size_t)a->shape[0] : 1;
        return PK_OK;
    }
    if (is_number(v)) {
        out->v = pk_mc_alloc(c, 1, sizeof(double));
        if (!out->v) return c->err->code;
        pk_as_f64(v, out->v);
        out->ndim = 0;
        out->n = out->rows = out->cols = 1;
        return PK_OK;
    }
    if (v->kind == PK_LIST || v->kind == PK_TUPLE) {
        size_t rows = v->u.seq.len, cols = 0;
        int two =
            rows > 0 && (v->u.seq.items[0]->kind == PK_LIST || v->u.seq.items[0]->kind == PK_TUPLE);
        if (two) cols = v->u.seq.items[0]->u.seq.len;
        size_t n;
        if (pk_mul_overflow(rows, two ? cols : 1, &n))
            return pk_mc_fail(c, "%s.%s is too large", c->m->cls, what);
        out->v = pk_mc_alloc(c, n ? n : 1, sizeof(double));
        if (!out->v) return c->err->code;
        for (size_t i = 0; i < rows; i++) {
            const pk_value *r = v->u.seq.items[i];
            if (!two) {
                if (!is_number(r)) goto bad;
                pk_as_f64(r, &out->v[i]);
                continue;
            }
            if ((r->kind != PK_LIST && r->kind != PK_TUPLE) || r->u.seq.len != cols) goto bad;
            for (size_t j = 0; j < cols; j++) {
                if (!is_number(r->u.seq.items[j])) goto bad;
                pk_as_f64(r->u.seq.items[j], &out->v[i * cols + j]);
            }
        }
        out->ndim = two ? 2 : 1;
        out->n = n;
        out->rows = two ? rows : 1;
        out->cols = two ? cols : rows;
        return PK_OK;
    }
bad:
    return pk_mc_fail(c, "%s.%s is not a numeric array", c->m->cls, what);
}

pk_code pk_mc_array(pk_mc *c, const char *attr, int required, pk_mc_arr *out) {
    memset(out, 0, sizeof *out);
    const pk_value *v = pk_attr(c->obj, attr);
    if (!v || v->kind == PK_NONE) return required ? pk_mc_not_fitted(c, attr) : PK_OK;
    return pk_mc_array_of(c, v, attr, out);
}

pk_code pk_mc_num(pk_mc *c, const char *attr, double dflt, double *out) {
    const pk_value *v = pk_attr(c->obj, attr);
    *out = dflt;
    if (!v || v->kind == PK_NONE) return PK_OK;
    if (pk_as_f64(v, out) != PK_OK) return pk_mc_fail(c, "%s.%s is not a number", c->m->cls, attr);
    return PK_OK;
}

int pk_mc_bool(pk_mc *c, const char *attr, int dflt) {
    const pk_value *v = pk_attr(c->obj, attr);
    double d;
    if (!v || v->kind == PK_NONE || pk_as_f64(v, &d) != PK_OK) return dflt;
    return d != 0;
}

const char *pk_mc_str(pk_mc *c, const char *attr) {
    const pk_value *v = pk_attr(c->obj, attr);
    return v && v->kind == PK_STR ? v->u.s.ptr : NULL;
}

/* One element of a numpy 'U' array (UCS-4, trailing NULs dropped, as numpy's str_ does). */
static char *ucs4_label(pk_mc *c, const uint8_t *p, size_t itemsize, int big) {
    size_t nch = itemsize / 4;
    while (nch > 0) {
        const uint8_t *q = p + 4 * (nch - 1);
        if (q[0] | q[1] | q[2] | q[3]) break;
        nch--;
    }
    size_t cap;
    if (pk_mul_overflow(nch, 4, &cap)) return NULL;
    char *s = pk_mc_alloc(c, cap + 1, 1);
    if (!s) return NULL;
    size_t len = 0;
    for (size_t i = 0; i < nch; i++) {
        const uint8_t *q = p + 4 * i;
        uint32_t cp =
            big ? ((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3])
                : ((uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0]);
        if (cp >= 0x110000) {
            pk_mc_fail(c, "%s.classes_ holds an invalid character", c->m->cls);
            return NULL;
        }
        len += pk_utf8_put(cp, (uint8_t *)s + len);
    }
    s[len] = 0;
    return s;
}

char *pk_mc_ucs4(pk_mc *c, const uint8_t *p, size_t itemsize, int big) {
    return ucs4_label(c, p, itemsize, big);
}

/* Label type of a Python value in an object array or list. */
static pk_label_type value_label_type(const pk_value *v) {
    switch (v->kind) {
    case PK_STR:
        return PK_LABELS_STR;
    case PK_BOOL:
        return PK_LABELS_BOOL;
    case PK_INT:
        return PK_LABELS_INT;
    case PK_FLOAT:
        return PK_LABELS_FLOAT;
    case PK_NPSCALAR: {
        const pk_dtype *dt = v->u.sc.dtype ? v->u.sc.dtype->u.dt : NULL;
        if (!dt) return PK_LABELS_NONE;
        if (dt->kind == 'b') return PK_LABELS_BOOL;
        if (dt->kind == 'i' || dt->kind == 'u') return PK_LABELS_INT;
        if (dt->kind == 'f') return PK_LABELS_FLOAT;
        return PK_LABELS_NONE;
    }
    default:
        return PK_LABELS_NONE;
    }
}

/* classes_ given as a sequence of Python values (object array elements or a list). */
static pk_code classes_from_values(pk_mc *c, const pk_value *const *items, size_t n) {
    pk_model *m = c->m;
    pk_label_type t = PK_LABELS_NONE;
    for (size_t i = 0; i < n; i++) {
        pk_label_type ti = items[i] ? value_label_type(items[i]) : PK_LABELS_NONE;
        if (ti == PK_LABELS_NONE)
            return pk_mc_fail(c, "%s.classes_ holds a label of an unsupported type", m->cls);
        if (t == PK_LABELS_NONE)
            t = ti;
        else if (t != ti) {
            /* numbers of mixed kinds become floats, like numpy would make them */
            if ((t == PK_LABELS_INT || t == PK_LABELS_FLOAT) &&
                (ti == PK_LABELS_INT || ti == PK_LABELS_FLOAT))
                t = PK_LABELS_FLOAT;
            else
                return pk_mc_fail(c, "%s.classes_ mixes label types", m->cls);
        }
    }
    m->label_type = t;
    m->n_classes = n;
    if (t == PK_LABELS_STR) {
        m->class_s = pk_mc_alloc(c, n ? n : 1, sizeof(char *));
        if (!m->class_s) return c->err->code;
        for (size_t i = 0; i < n; i++) {
            m->class_s[i] = pk_mc_strdup(c, items[i]->u.s.ptr, items[i]->u.s.len);
            if (!m->class_s[i]) return c->err->code;
        }
    } else if (t == PK_LABELS_FLOAT) {
        m->class_f = pk_mc_alloc(c, n ? n : 1, sizeof(double));
        if (!m->class_f) return c->err->code;
        for (size_t i = 0; i < n; i++)
            pk_as_f64(items[i], &m->class_f[i]);
    } else {
        m->class_i = pk_mc_alloc(c, n ? n : 1, sizeof(int64_t));
        if (!m->class_i) return c->err->code;
        for (size_t i = 0; i < n; i++)
            if (pk_as_i64(items[i], &m->class_i[i]) != PK_OK)
                return pk_mc_fail(c, "%s.classes_ holds an integer beyond 64 bits", m->cls);
    }
    return PK_OK;
}

const char *pk_mc_label_str(pk_mc *c, const pk_value *v) {
    if (!v) return NULL;
    if (v->kind == PK_STR) return pk_mc_strdup(c, v->u.s.ptr, v->u.s.len);
    if (v->kind != PK_NPSCALAR || !v->u.sc.dtype || v->u.sc.dtype->kind != PK_DTYPE) return NULL;
    const pk_dtype *dt = v->u.sc.dtype->u.dt;
    if (dt->kind != 'U' || dt->itemsize % 4 || !v->u.sc.data) return NULL;
    return ucs4_label(c, v->u.sc.data, dt->itemsize, dt->byteorder == '>');
}

pk_code pk_mc_classes(pk_mc *c, const pk_value *v) {
    pk_model *m = c->m;
    if (!v || v->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    if (v->kind == PK_LIST || v->kind == PK_TUPLE)
        return classes_from_values(c, (const pk_value *const *)v->u.seq.items, v->u.seq.len);
    if (v->kind != PK_NDARRAY || !v->u.arr->complete || v->u.arr->ndim != 1)
        return pk_mc_fail(c, "%s.classes_ is not a 1-D array", m->cls);
    const pk_ndarray *a = v->u.arr;
    size_t n = (size_t)a->shape[0];
    if (a->objects) {
        if (a->obj_base > a->nobjects || a->nobjects - a->obj_base < n)
            return pk_mc_fail(c, "%s.classes_ is a malformed object array", m->cls);
        /* a 1-D object array's elements are consecutive from obj_base with stride 1 */
        if (n > 1 && a->strides[0] != 1)
            return pk_mc_fail(c, "%s.classes_ is a strided object array", m->cls);
        return classes_from_values(c, (const pk_value *const *)a->objects + a->obj_base, n);
    }
    const pk_dtype *dt = a->dtype ? a->dtype->u.dt : NULL;
    if (!dt) return pk_mc_fail(c, "%s.classes_ has no dtype", m->cls);
    m->n_classes = n;
    size_t cnt = n ? n : 1;
    switch (dt->kind) {
    case 'U': {
        m->label_type = PK_LABELS_STR;
        m->class_s = pk_mc_alloc(c, cnt, sizeof(char *));
        if (!m->class_s) return c->err->code;
        for (size_t i = 0; i < n; i++) {
            int64_t off = (int64_t)i * a->strides[0];
            if (off < 0 || (uint64_t)off + dt->itemsize > a->nbytes)
                return pk_mc_fail(c, "%s.classes_ is a malformed array", m->cls);
            m->class_s[i] = ucs4_label(c, a->data + off, dt->itemsize, dt->byteorder == '>');
            if (!m->class_s[i]) return c->err->code ? c->err->code : pk_err_nomem(c->err, -1);
        }
        return PK_OK;
    }
    case 'b':
    case 'i':
    case 'u':
        m->label_type = dt->kind == 'b' ? PK_LABELS_BOOL : PK_LABELS_INT;
        m->class_i = pk_mc_alloc(c, cnt, sizeof(int64_t));
        if (!m->class_i) return c->err->code;
        for (size_t i = 0; i < n; i++) {
            double d;
            if (pk_ndarray_get_f64(a, i, &d) != PK_OK)
                return pk_mc_fail(c, "%s.classes_ is not readable", m->cls);
            if (d >= 9223372036854775808.0)
                return pk_mc_fail(c, "%s.classes_ holds an integer beyond 64 bits", m->cls);
            m->class_i[i] = (int64_t)d;
            /* doubles hold every integer up to 2^53 exactly; beyond, read the bytes */
            if (dt->kind != 'b' && (d > 9007199254740992.0 || d < -9007199254740992.0)) {
                int64_t off = (int64_t)i * a->strides[0];
                if (dt->itemsize == 8 && off >= 0 && (uint64_t)off + 8 <= a->nbytes) {
                    uint64_t u = 0;
                    const uint8_t *p = a->data + off;
                    for (int k = 0; k < 8; k++)
                        u |= (uint64_t)p[dt->byteorder == '>' ? 7 - k : k] << (8 * k);
                    memcpy(&m->class_i[i], &u, 8);
                }
            }
        }
        return PK_OK;
    case 'f':
        m->label_type = PK_LABELS_FLOAT;
        m->class_f = pk_mc_alloc(c, cnt, sizeof(double));
        if (!m->class_f) return c->err->code;
        if (pk_ndarray_to_f64(a, m->class_f, n) != PK_OK)
            return pk_mc_fail(c, "%s.classes_ is not readable", m->cls);
        return PK_OK;
    default:
        return pk_mc_fail(c, "%s.classes_ has an unsupported dtype", m->cls);
    }
}

pk_code pk_mc_partition(pk_mc *c, size_t n, size_t *nchunks, size_t **chunk_end) {
    double nj = 1;
    const pk_value *v = pk_attr(c->obj, "n_jobs");
    if (v && v->kind != PK_NONE && pk_as_f64(v, &nj) != PK_OK) nj = 1;
    size_t jobs = nj >= 1 ? (size_t)nj : 1;
    if (jobs > n) jobs = n;
    *nchunks = jobs;
    *chunk_end = pk_mc_alloc(c, jobs ? jobs : 1, sizeof(size_t));
    if (!*chunk_end) return c->err->code;
    size_t end = 0;
    for (size_t j = 0; j < jobs; j++) {
        end += n / jobs + (j < n % jobs ? 1 : 0);
        (*chunk_end)[j] = end;
    }
    return PK_OK;
}
