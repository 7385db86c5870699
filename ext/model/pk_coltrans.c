/*
 * pk_coltrans.c - sklearn.compose.ColumnTransformer: each fitted transformer of transformers_
 * reads its columns of the row and writes its block of the output, blocks side by side in
 * transformers_ order (the remainder last), each multiplied by transformer_weights[name] when
 * given. The dense result is written whatever sparse_threshold made of it in Python.
 *
 * Columns (as transformers_ keeps them after fit, callables already resolved): a name or an
 * integer (negative counts from the end), a slice of integers (Python's rules) or of names
 * (inclusive, as pandas' .loc), a boolean mask, a list/tuple/array of any of names or integers,
 * a pandas Index (pandas.core.indexes.base._new_Index), or the remainder's _RemainderColsList
 * (scikit-learn >= 1.5). Names are resolved against feature_names_in_ (_feature_names_in or
 * _df_columns before scikit-learn 1.0) once, at compile time.
 * Empty selections are skipped, as scikit-learn skips them in transform.
 *
 * Transformers: 'drop' (nothing), 'passthrough' (the columns as numbers: TEXT read by Python's
 * float rules, NULL as NaN), or any compiled estimator with a transform: a typed one (encoders,
 * vectorizers, pipelines starting with one) gets the cells, a numeric one the cells converted
 * to numbers (pk_model_step), so every numeric transformer family plugs in unchanged.
 *
 * A ColumnTransformer is always a typed model: col_kind[j] is what the transformers using
 * column j need (a category if any of them does, else a number).
 * Scratch: one gathered cell row and one number row of the widest selection, plus the largest
 * transformer scratch; with a text transformer (a vectorizer on a text column, whose dense
 * block is its whole vocabulary) the text workspace slot in front (pk_model.h).
 */
#include "pk_model_impl.h"

#include "pk_ndarray.h"

#include <math.h>
#include <string.h>

#define CT_MAX_PARTS 256

typedef struct ct_part {
    const pk_model *est; /* NULL: passthrough                                        */
    size_t *cols;        /* outer column indices                                    */
    size_t ncols, off, width;
    double weight; /* NaN: none                                                     */
} ct_part;

typedef struct pk_ct {
    size_t nparts;
    ct_part *parts;
    size_t maxcols, width;
    size_t x_at, sub_at; /* scratch offsets (doubles): the number row, the parts' scratch */
} pk_ct;

static pk_code ct_transform(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                            pk_err *err) {
    const pk_ct *T = m->impl;
    struct pk_text_ws *ws = NULL;
    if (m->text_ws) { /* the workspace slot first, handed to the text transformers */
        ws = pk_scratch_ws(scratch);
        scratch += PK_WS_DOUBLES;
    }
    pk_cell *cells = pk_cell_scratch(scratch, 0);
    double *x = scratch + T->x_at, *sub = scratch + T->sub_at;
    for (size_t p = 0; p < T->nparts; p++) {
        const ct_part *P = &T->parts[p];
        double *o = out + P->off;
        if (!P->est) {
            for (size_t k = 0; k < P->ncols; k++) {
                pk_code rc = pk_cell_number(m, P->cols[k], &row[P->cols[k]], &o[k], err);
                if (rc) return rc;
            }
        } else {
            for (size_t k = 0; k < P->ncols; k++)
                cells[k] = row[P->cols[k]];
            if (P->est->text_ws) pk_scratch_set_ws(sub, ws);
            pk_code rc = pk_model_step(P->est, PK_TRANSFORM, cells, x, sub, o, m, P->cols, err);
            if (rc) return rc;
        }
        if (!isnan(P->weight))
            for (size_t k = 0; k < P->width; k++)
                o[k] *= P->weight;
    }
    return PK_OK;
}

/* ---- column selections -------------------------------------------------------------------- */

typedef struct colsel {
    size_t *v;
    size_t n, cap;
} colsel;

static pk_code sel_add(pk_mc *c, colsel *s, size_t j) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        size_t *nv = pk_mc_alloc(c, cap, sizeof *nv);
        if (!nv) return c->err->code;
        if (s->n) memcpy(nv, s->v, s->n * sizeof *nv);
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = j;
    return PK_OK;
}

static pk_code by_name(pk_mc *c, const char *name, size_t len, size_t *out) {
    const pk_model *m = c->m;
    if (!m->feature_names)
        return pk_mc_fail(c,
                          "ColumnTransformer selects column '%s' by name but has no "
                          "feature_names_in_",
                          name);
    for (size_t j = 0; j < m->n_features; j++)
        if (strlen(m->feature_names[j]) == len && memcmp(m->feature_names[j], name, len) == 0) {
            *out = j;
            return PK_OK;
        }
    return pk_mc_fail(c, "ColumnTransformer selects column '%s', not among feature_names_in_",
                      name);
}

static pk_code by_index(pk_mc *c, double d, size_t *out) {
    double n = (double)c->m->n_features;
    if (d != floor(d) || d < -n || d >= n)
        return pk_mc_fail(c, "ColumnTransformer selects column %g of %zu", d, c->m->n_features);
    *out = (size_t)(d < 0 ? d + n : d);
    return PK_OK;
}

static int num_of(const pk_value *v, double *d) {
    if (!v) return 0;
    if (v->kind == PK_NPSCALAR) return pk_npscalar_f64(v, d) == PK_OK;
    if (v->kind == PK_INT || v->kind == PK_BOOL || v->kind == PK_FLOAT)
        return pk_as_f64(v, d) == PK_OK;
    return 0;
}

static int is_bool(const pk_value *v) {
    if (v->kind == PK_BOOL) return 1;
    if (v->kind != PK_NPSCALAR || !v->u.sc.dtype) return 0;
    return v->u.sc.dtype->u.dt->kind == 'b';
}

/* A slice: Python's rules for integers, pandas' inclusive label slice for names. */
static pk_code sel_slice(pk_mc *c, const pk_value *args, colsel *s) {
    if (!args || args->kind != PK_TUPLE || args->u.seq.len != 3)
        return pk_mc_fail(c, "ColumnTransformer has a malformed slice");
    const pk_value *a = args->u.seq.items[0], *b = args->u.seq.items[1], *st = args->u.seq.items[2];
    long n = (long)c->m->n_features, step = 1;
    double d;
    if (st && st->kind != PK_NONE) {
        if (!num_of(st, &d) || d == 0 || d != floor(d) || fabs(d) > 1e9)
            return pk_mc_fail(c, "ColumnTransformer has a slice with a bad step");
        step = (long)d;
    }
    long lo, hi;
    if ((a && a->kind == PK_STR) || (b && b->kind == PK_STR)) {
        size_t j;
        lo = 0;
        hi = n - 1;
        if (a && a->kind == PK_STR) {
            pk_code rc = by_name(c, a->u.s.ptr, a->u.s.len, &j);
            if (rc) return rc;
            lo = (long)j;
        }
        if (b && b->kind == PK_STR) {
            pk_code rc = by_name(c, b->u.s.ptr, b->u.s.len, &j);
            if (rc) return rc;
            hi = (long)j;
        }
        if (step < 0) return pk_mc_fail(c, "ColumnTransformer has a reversed name slice");
        for (long j2 = lo; j2 <= hi; j2 += step) {
            pk_code rc = sel_add(c, s, (size_t)j2);
            if (rc) return rc;
        }
        return PK_OK;
    }
    /* integer slice, normalised like slice.indices(n) */
    if (a && a->kind != PK_NONE) {
        if (!num_of(a, &d)) return pk_mc_fail(c, "ColumnTransformer has a bad slice start");
        lo = (long)d;
        if (lo < 0) lo += n;
        if (lo < 0) lo = step < 0 ? -1 : 0;
        if (lo >= n) lo = step < 0 ? n - 1 : n;
    } else {
        lo = step < 0 ? n - 1 : 0;
    }
    if (b && b->kind != PK_NONE) {
        if (!num_of(b, &d)) return pk_mc_fail(c, "ColumnTransformer has a bad slice stop");
        hi = (long)d;
        if (hi < 0) hi += n;
        if (hi < 0) hi = step < 0 ? -1 : 0;
        if (hi >= n) hi = step < 0 ? n - 1 : n;
    } else {
        hi = step < 0 ? -1 : n;
    }
    for (long j = lo; step > 0 ? j < hi : j > hi; j += step) {
        pk_code rc = sel_add(c, s, (size_t)j);
        if (rc) return rc;
    }
    return PK_OK;
}

/* Elements of a list/tuple/array selection. */
static pk_code sel_items(pk_mc *c, const pk_value *v, colsel *s) {
    size_t n;
    const pk_value *const *items = NULL;
    if (v->kind == PK_LIST || v->kind == PK_TUPLE) {
        items = (const pk_value *const *)v->u.seq.items;
        n = v->u.seq.len;
    } else {
        const pk_ndarray *a = v->u.arr;
        if (a->ndim != 1) return pk_mc_fail(c, "ColumnTransformer selects columns by a 2-D array");
        n = (size_t)a->shape[0];
        if (a->objects) {
            if (a->obj_base > a->nobjects || a->nobjects - a->obj_base < n ||
                (n > 1 && a->strides[0] != 1))
                return pk_mc_fail(c, "ColumnTransformer has a malformed column array");
            items = (const pk_value *const *)a->objects + a->obj_base;
        } else {
            const pk_dtype *dt = a->dtype ? a->dtype->u.dt : NULL;
            int mask = dt && dt->kind == 'b';
            if (mask && n != c->m->n_features)
                return pk_mc_fail(c, "ColumnTransformer has a boolean mask of %zu for %zu columns",
                                  n, c->m->n_features);
            if (dt && dt->kind == 'U') {
                for (size_t i = 0; i < n; i++) {
                    int64_t off = (int64_t)i * a->strides[0];
                    if (off < 0 || (uint64_t)off + dt->itemsize > a->nbytes)
                        return pk_mc_fail(c, "ColumnTransformer has a malformed column array");
                    char *nm = pk_mc_ucs4(c, a->data + off, dt->itemsize, dt->byteorder == '>');
                    if (!nm) return c->err->code ? c->err->code : pk_err_nomem(c->err, -1);
                    size_t j;
                    pk_code rc = by_name(c, nm, strlen(nm), &j);
                    if (!rc) rc = sel_add(c, s, j);
                    if (rc) return rc;
                }
                return PK_OK;
            }
            for (size_t i = 0; i < n; i++) {
                double d;
                if (pk_ndarray_get_f64(a, i, &d) != PK_OK)
                    return pk_mc_fail(c, "ColumnTransformer has an unreadable column array");
                size_t j = i;
                pk_code rc = PK_OK;
                if (mask) {
                    if (d == 0) continue;
                } else {
                    rc = by_index(c, d, &j);
                }
                if (!rc) rc = sel_add(c, s, j);
                if (rc) return rc;
            }
            return PK_OK;
        }
    }
    int mask = n > 0 && items[0] && is_bool(items[0]);
    if (mask && n != c->m->n_features)
        return pk_mc_fail(c, "ColumnTransformer has a boolean mask of %zu for %zu columns", n,
                          c->m->n_features);
    for (size_t i = 0; i < n; i++) {
        const pk_value *it = items[i];
        size_t j = i;
        double d;
        pk_code rc;
        if (it && it->kind == PK_STR)
            rc = by_name(c, it->u.s.ptr, it->u.s.len, &j);
        else if (!num_of(it, &d))
            return pk_mc_fail(c, "ColumnTransformer selects a column by a value that is neither "
                                 "a name nor an index");
        else if (mask) {
            if (d == 0) continue;
            rc = PK_OK;
        } else
            rc = by_index(c, d, &j);
        if (!rc) rc = sel_add(c, s, j);
        if (rc) return rc;
    }
    return PK_OK;
}

static pk_code select_columns(pk_mc *c, const pk_value *v, colsel *s) {
    double d;
    if (!v || v->kind == PK_NONE) return PK_OK;
    if (v->kind == PK_STR) {
        size_t j;
        pk_code rc = by_name(c, v->u.s.ptr, v->u.s.len, &j);
        return rc ? rc : sel_add(c, s, j);
    }
    if (num_of(v, &d) && !is_bool(v)) {
        size_t j;
        pk_code rc = by_index(c, d, &j);
        return rc ? rc : sel_add(c, s, j);
    }
    if (v->kind == PK_LIST || v->kind == PK_TUPLE || v->kind == PK_NDARRAY)
        return sel_items(c, v, s);
    if (v->kind == PK_OBJECT && v->u.o.cls && v->u.o.cls->kind == PK_GLOBAL) {
        const pk_global *g = &v->u.o.cls->u.g;
        if (strcmp(g->name, "slice") == 0) return sel_slice(c, v->u.o.args, s);
        if (strcmp(g->name, "_new_Index") == 0 && v->u.o.args && v->u.o.args->kind == PK_TUPLE &&
            v->u.o.args->u.seq.len >= 2) {
            const pk_value *data = pk_dict_get_str(v->u.o.args->u.seq.items[1], "data");
            if (data) return select_columns(c, data, s);
        }
        const pk_value *data = pk_attr(v, "data"); /* _RemainderColsList (a UserList) */
        if (data && data != v) return select_columns(c, data, s);
    }
    return pk_mc_fail(c, "ColumnTransformer has a column selection it cannot read");
}

/* ---- compile ------------------------------------------------------------------------------ */

/* scikit-learn < 1.0 kept the DataFrame's column names privately: _feature_names_in (an object
 * array) or _df_columns (a pandas Index). They name the columns like feature_names_in_. */
static pk_code legacy_names(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *v = pk_attr(c->obj, "_feature_names_in");
    if (!v || v->kind == PK_NONE) v = pk_attr(c->obj, "_df_columns");
    if (v && v->kind == PK_OBJECT && v->u.o.args && v->u.o.args->kind == PK_TUPLE &&
        v->u.o.args->u.seq.len >= 2)
        v = pk_dict_get_str(v->u.o.args->u.seq.items[1], "data");
    if (!v || v->kind != PK_NDARRAY || !v->u.arr->objects || v->u.arr->ndim != 1) return PK_OK;
    const pk_ndarray *a = v->u.arr;
    size_t n = (size_t)a->shape[0];
    if (n != m->n_features || a->obj_base > a->nobjects || a->nobjects - a->obj_base < n ||
        (n > 1 && a->strides[0] != 1))
        return PK_OK;
    char **names = pk_mc_alloc(c, n, sizeof *names);
    if (!names) return c->err->code;
    for (size_t j = 0; j < n; j++) {
        const pk_value *s = a->objects[a->obj_base + j];
        if (!s || s->kind != PK_STR) return PK_OK; /* non-string names: columns by index only */
        names[j] = pk_mc_strdup(c, s->u.s.ptr, s->u.s.len);
        if (!names[j]) return c->err->code;
    }
    m->feature_names = names;
    return PK_OK;
}

static int is_str(const pk_value *v, const char *s) {
    return v && v->kind == PK_STR && strcmp(v->u.s.ptr, s) == 0;
}

pk_code pk_compile_coltrans(pk_mc *c) {
    pk_model *m = c->m;
    if (!m->n_features) {
        double nf;
        pk_code rc = pk_mc_num(c, "_n_features", 0, &nf);
        if (rc) return rc;
        if (!(nf >= 1 && nf < 1e9)) return pk_mc_not_fitted(c, "n_features_in_");
        m->n_features = (size_t)nf;
    }
    if (!m->feature_names) {
        pk_code rc = legacy_names(c);
        if (rc) return rc;
    }
    const pk_value *tr = pk_attr(c->obj, "transformers_");
    if (!tr || tr->kind == PK_NONE) return pk_mc_not_fitted(c, "transformers_");
    if (tr->kind != PK_LIST && tr->kind != PK_TUPLE)
        return pk_mc_fail(c, "ColumnTransformer.transformers_ is not a list");
    size_t n = tr->u.seq.len;
    if (n > CT_MAX_PARTS)
        return pk_mc_fail(c, "ColumnTransformer has %zu transformers (at most %d)", n,
                          CT_MAX_PARTS);
    pk_ct *T = pk_mc_alloc(c, 1, sizeof *T);
    if (!T) return c->err->code;
    T->parts = pk_mc_alloc(c, n ? n : 1, sizeof *T->parts);
    m->col_kind = pk_mc_alloc(c, m->n_features, 1);
    if (!T->parts || !m->col_kind) return c->err->code;
    const pk_value *weights = pk_attr(c->obj, "transformer_weights");
    size_t sub = 0;
    for (size_t i = 0; i < n; i++) {
        const pk_value *t = tr->u.seq.items[i];
        if (!t || (t->kind != PK_TUPLE && t->kind != PK_LIST) || t->u.seq.len < 3)
            return pk_mc_fail(c,
                              "ColumnTransformer.transformers_[%zu] is not a (name, "
                              "transformer, columns) triple",
                              i);
        const pk_value *name = t->u.seq.items[0], *est = t->u.seq.items[1];
        const char *nm = name && name->kind == PK_STR ? name->u.s.ptr : "?";
        if (is_str(est, "drop")) continue;
        colsel s = {0};
        pk_code rc = select_columns(c, t->u.seq.items[2], &s);
        if (rc) return rc;
        if (s.n == 0) continue;
        ct_part *P = &T->parts[T->nparts];
        P->cols = s.v;
        P->ncols = s.n;
        P->weight = NAN;
        const pk_value *w =
            weights && weights->kind == PK_DICT ? pk_dict_get_str(weights, nm) : NULL;
        if (w && w->kind != PK_NONE && !num_of(w, &P->weight))
            return pk_mc_fail(c, "ColumnTransformer.transformer_weights['%s'] is not a number", nm);
        if (is_str(est, "passthrough")) {
            P->width = s.n;
        } else {
            pk_model *e = pk_mc_submodel(c, est);
            if (!e) return c->err->code;
            if (e->shape[PK_TRANSFORM] == PK_OUT_NONE)
                return pk_mc_fail(c, "ColumnTransformer transformer '%s' (%s) gives %s", nm, e->cls,
                                  e->cmap ? "categories, not numbers" : "no transform");
            if (e->n_features != s.n && !e->any_width)
                return pk_mc_fail(c,
                                  "ColumnTransformer transformer '%s' (%s) expects %zu "
                                  "columns, selected %zu",
                                  nm, e->cls, e->n_features, s.n);
            P->est = e;
            P->width = e->width[PK_TRANSFORM];
            if (e->scratch > sub) sub = e->scratch;
            if (e->text_ws) m->text_ws = 1;
        }
        for (size_t k = 0; k < s.n; k++) {
            unsigned char kind = P->est && P->est->col_kind ? P->est->col_kind[k] : PK_COL_NUM;
            if (kind > m->col_kind[s.v[k]]) m->col_kind[s.v[k]] = kind;
        }
        if (s.n > T->maxcols) T->maxcols = s.n;
        P->off = T->width;
        T->width += P->width;
        T->nparts++;
    }
    if (T->width == 0) return pk_mc_fail(c, "ColumnTransformer gives no columns");
    T->x_at = T->maxcols * PK_CELL_DOUBLES;
    T->sub_at = T->x_at + T->maxcols;
    m->scratch = T->sub_at + sub + (m->text_ws ? PK_WS_DOUBLES : 0);
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = T;
    m->nan_ok = 1;
    m->sparse_rows = pk_mc_bool(c, "sparse_output_", 0);
    pk_mc_cell_method(c, PK_TRANSFORM, PK_OUT_ARRAY, T->width, ct_transform);
    return PK_OK;
}
