/*
 * pk_encoders.c - OneHotEncoder and OrdinalEncoder of sklearn.preprocessing (typed inputs: every
 * column is a category, looked up in categories_[j] by pk_cats_find).
 *
 * OneHotEncoder.transform (scikit-learn 1.2, _encoders.py), per column: the category index, or
 * for an unknown value (none of categories_[j]) an error (handle_unknown='error', naming the
 * feature and the value), else the column's infrequent category when it has one, counted as
 * present only with 'infrequent_if_exist' (with 'ignore' the column is all zeros); then the
 * infrequent grouping (_default_to_infrequent_mappings[j]); then the dropped category (drop_idx_
 * in 1.2's grouped numbering, _drop_idx_after_grouping in later versions): that category gives
 * zeros and later ones shift down by one. The dense result of the sparse matrix is written (the
 * sparse/sparse_output flag and ColumnTransformer's sparse_threshold change only the container).
 *
 * OrdinalEncoder.transform: the category index as a double; encoded_missing_value for the
 * missing category (_missing_indices, NaN categories only, as 1.2 computes it); an unknown value
 * is an error or, with handle_unknown='use_encoded_value', unknown_value.
 *
 * Older pickles lack the newer attributes: no _infrequent_enabled means no grouping; no
 * _missing_indices means NaN categories encode as their index (scikit-learn < 1.1).
 */
#include "pk_cats.h"

#include "pk_ndarray.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct pk_enc {
    size_t nf;
    pk_cats *cats;
    int unknown;        /* UNK_* */
    long **group;       /* OneHot: per column the grouping map (cats[j].n entries) or NULL */
    long *infreq;       /* OneHot: per column the first infrequent category, -1 if none   */
    long *drop;         /* OneHot: per column the dropped grouped index, -1 if none      */
    size_t *off, width; /* OneHot: per column the first output, total outputs            */
    long *missing;      /* Ordinal: per column the index encoded as encoded_missing_value */
    double unknown_value, missing_value;
} pk_enc;

enum { UNK_ERROR, UNK_IGNORE, UNK_INFREQUENT, UNK_ENCODED };

/* The value at position j of a list, tuple or 1-D array (object arrays give their element,
 * numeric arrays a fresh scalar in *tmp). NULL when out of range or malformed. */
static const pk_value *item_at(const pk_value *v, size_t j, pk_value *tmp) {
    if (!v) return NULL;
    if (v->kind == PK_LIST || v->kind == PK_TUPLE)
        return j < v->u.seq.len ? v->u.seq.items[j] : NULL;
    if (v->kind != PK_NDARRAY || v->u.arr->ndim != 1 || (size_t)v->u.arr->shape[0] <= j)
        return NULL;
    const pk_ndarray *a = v->u.arr;
    if (a->objects) {
        if (a->obj_base + j >= a->nobjects || (a->shape[0] > 1 && a->strides[0] != 1)) return NULL;
        return a->objects[a->obj_base + j];
    }
    double d;
    if (pk_ndarray_get_f64(a, j, &d) != PK_OK) return NULL;
    memset(tmp, 0, sizeof *tmp);
    tmp->kind = PK_FLOAT;
    tmp->u.f = d;
    return tmp;
}

static size_t seq_len(const pk_value *v) {
    if (!v) return 0;
    if (v->kind == PK_LIST || v->kind == PK_TUPLE) return v->u.seq.len;
    if (v->kind == PK_NDARRAY && v->u.arr->ndim == 1) return (size_t)v->u.arr->shape[0];
    return 0;
}

/* An optional index (None -> -1) below `limit`. */
static pk_code read_index(pk_mc *c, const pk_value *v, size_t limit, const char *what, long *out) {
    *out = -1;
    if (!v || v->kind == PK_NONE) return PK_OK;
    double d;
    if ((v->kind == PK_NPSCALAR ? pk_npscalar_f64(v, &d) : pk_as_f64(v, &d)) != PK_OK ||
        !(d >= 0 && d < (double)limit) || d != floor(d))
        return pk_mc_fail(c, "%s.%s holds an index out of range", c->m->cls, what);
    *out = (long)d;
    return PK_OK;
}

/* categories_ (one set per input column) and the common parts. */
static pk_code read_categories(pk_mc *c, pk_enc *E) {
    const pk_value *cv = pk_attr(c->obj, "categories_");
    if (!cv || cv->kind == PK_NONE) return pk_mc_not_fitted(c, "categories_");
    size_t n = seq_len(cv);
    if (n == 0) return pk_mc_fail(c, "%s.categories_ is not a list of arrays", c->m->cls);
    pk_code rc = pk_mc_features(c, n);
    if (rc) return rc;
    E->nf = n;
    E->cats = pk_mc_alloc(c, n, sizeof *E->cats);
    if (!E->cats) return c->err->code;
    for (size_t j = 0; j < n; j++) {
        pk_value tmp;
        rc = pk_cats_read(c, item_at(cv, j, &tmp), "categories_", &E->cats[j]);
        if (rc) return rc;
    }
    const char *hu = pk_mc_str(c, "handle_unknown");
    E->unknown = !hu || strcmp(hu, "error") == 0        ? UNK_ERROR
                 : strcmp(hu, "ignore") == 0            ? UNK_IGNORE
                 : strcmp(hu, "use_encoded_value") == 0 ? UNK_ENCODED
                                                        : UNK_INFREQUENT;
    if (hu && E->unknown == UNK_INFREQUENT && strcmp(hu, "infrequent_if_exist") != 0)
        return pk_mc_fail(c, "%s.handle_unknown '%s' is not supported", c->m->cls, hu);
    return pk_mc_col_kinds(c, PK_COL_CAT);
}

/* The unknown-value error: "OneHotEncoder: feature 1 ('country') has the unknown category 'xx'
 * (fitted categories: 'de', 'fr', 'us')". */
static pk_code unknown_error(const pk_model *m, const pk_enc *E, size_t j, const pk_cell *cell,
                             pk_err *err) {
    char val[64], list[200], lab[200];
    pk_cell_show(cell, val, sizeof val);
    pk_cats_list(&E->cats[j], list, sizeof list);
    if (m->feature_names)
        snprintf(lab, sizeof lab, "feature %zu ('%s')", j + 1, m->feature_names[j]);
    else
        snprintf(lab, sizeof lab, "feature %zu", j + 1);
    return pk_err_set(err, PK_EFEATURE, -1, -1,
                      "%s: %s has the unknown category %s (fitted categories: %s)", m->cls, lab,
                      val, list);
}

/* ---- OneHotEncoder ------------------------------------------------------------------------ */

static pk_code onehot_transform(const pk_model *m, const pk_cell *row, double *scratch, double *out,
                                pk_err *err) {
    (void)scratch;
    const pk_enc *E = m->impl;
    memset(out, 0, E->width * sizeof(double));
    for (size_t j = 0; j < E->nf; j++) {
        long idx = pk_cats_find(&E->cats[j], &row[j]);
        int valid = idx >= 0;
        if (!valid && E->unknown == UNK_ERROR) return unknown_error(m, E, j, &row[j], err);
        if (!valid && E->infreq[j] >= 0) {
            idx = E->infreq[j];
            valid = E->unknown == UNK_INFREQUENT;
        }
        if (!valid) continue;
        if (E->group[j]) idx = E->group[j][idx];
        if (E->drop[j] >= 0) {
            if (idx == E->drop[j]) continue;
            if (idx > E->drop[j]) idx--;
        }
        out[E->off[j] + (size_t)idx] = 1.0;
    }
    return PK_OK;
}

/* The infrequent grouping of column j: the map and the first infrequent category. */
static pk_code read_grouping(pk_mc *c, pk_enc *E, size_t j, size_t *grouped) {
    const pk_cats *k = &E->cats[j];
    *grouped = k->n;
    if (!pk_mc_bool(c, "_infrequent_enabled", 0)) return PK_OK;
    pk_value tmp;
    const pk_value *iv = item_at(pk_attr(c->obj, "_infrequent_indices"), j, &tmp);
    if (iv && iv->kind != PK_NONE) {
        pk_value t2;
        pk_code rc = read_index(c, item_at(iv, 0, &t2), k->n, "_infrequent_indices", &E->infreq[j]);
        if (rc) return rc;
    }
    const pk_value *mv = item_at(pk_attr(c->obj, "_default_to_infrequent_mappings"), j, &tmp);
    if (!mv || mv->kind == PK_NONE) return PK_OK;
    if (seq_len(mv) != k->n)
        return pk_mc_fail(c, "%s._default_to_infrequent_mappings does not match categories_",
                          c->m->cls);
    E->group[j] = pk_mc_alloc(c, k->n, sizeof(long));
    if (!E->group[j]) return c->err->code;
    long top = 0;
    for (size_t i = 0; i < k->n; i++) {
        pk_value t2;
        pk_code rc = read_index(c, item_at(mv, i, &t2), k->n, "_default_to_infrequent_mappings",
                                &E->group[j][i]);
        if (rc) return rc;
        if (E->group[j][i] < 0)
            return pk_mc_fail(c, "%s._default_to_infrequent_mappings holds None", c->m->cls);
        if (E->group[j][i] > top) top = E->group[j][i];
    }
    *grouped = (size_t)top + 1;
    return PK_OK;
}

pk_code pk_compile_onehot(pk_mc *c) {
    pk_model *m = c->m;
    pk_enc *E = pk_mc_alloc(c, 1, sizeof *E);
    if (!E) return c->err->code;
    pk_code rc = read_categories(c, E);
    if (rc) return rc;
    if (E->unknown == UNK_ENCODED)
        return pk_mc_fail(c, "OneHotEncoder.handle_unknown 'use_encoded_value' is not valid");
    size_t n = E->nf;
    E->group = pk_mc_alloc(c, n, sizeof(long *));
    E->infreq = pk_mc_alloc(c, n, sizeof(long));
    E->drop = pk_mc_alloc(c, n, sizeof(long));
    E->off = pk_mc_alloc(c, n, sizeof(size_t));
    if (!E->group || !E->infreq || !E->drop || !E->off) return c->err->code;
    const pk_value *dv = pk_attr(c->obj, "_drop_idx_after_grouping");
    if (!dv) dv = pk_attr(c->obj, "drop_idx_");
    if (dv && dv->kind != PK_NONE && seq_len(dv) != n)
        return pk_mc_fail(c, "OneHotEncoder.drop_idx_ does not match categories_");
    const pk_value *nouts = pk_attr(c->obj, "_n_features_outs");
    for (size_t j = 0; j < n; j++) {
        E->infreq[j] = -1;
        size_t grouped;
        rc = read_grouping(c, E, j, &grouped);
        if (rc) return rc;
        E->drop[j] = -1;
        if (dv && dv->kind != PK_NONE) {
            pk_value tmp;
            rc = read_index(c, item_at(dv, j, &tmp), grouped, "drop_idx_", &E->drop[j]);
            if (rc) return rc;
        }
        size_t w = grouped - (E->drop[j] >= 0 ? 1 : 0);
        pk_value tmp;
        const pk_value *nv = item_at(nouts, j, &tmp);
        double d;
        if (nv && pk_as_f64(nv, &d) == PK_OK && d != (double)w)
            return pk_mc_fail(c, "OneHotEncoder._n_features_outs[%zu] is %g, expected %zu", j, d,
                              w);
        E->off[j] = E->width;
        E->width += w;
    }
    if (E->width == 0) return pk_mc_fail(c, "OneHotEncoder gives no columns");
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = E;
    m->nan_ok = 1;
    /* sparse_output (scikit-learn >= 1.2, then set from sparse), else sparse; True by default */
    m->sparse_rows = pk_attr(c->obj, "sparse_output") ? pk_mc_bool(c, "sparse_output", 1)
                                                      : pk_mc_bool(c, "sparse", 1);
    pk_mc_cell_method(c, PK_TRANSFORM, PK_OUT_ARRAY, E->width, onehot_transform);
    return PK_OK;
}

/* ---- OrdinalEncoder ----------------------------------------------------------------------- */

static pk_code ordinal_transform(const pk_model *m, const pk_cell *row, double *scratch,
                                 double *out, pk_err *err) {
    (void)scratch;
    const pk_enc *E = m->impl;
    for (size_t j = 0; j < E->nf; j++) {
        long idx = pk_cats_find(&E->cats[j], &row[j]);
        if (idx < 0) {
            if (E->unknown != UNK_ENCODED) return unknown_error(m, E, j, &row[j], err);
            out[j] = E->unknown_value;
            continue;
        }
        if (E->group && E->group[j]) idx = E->group[j][idx];
        out[j] = idx == E->missing[j] ? E->missing_value : (double)idx;
    }
    return PK_OK;
}

pk_code pk_compile_ordinal(pk_mc *c) {
    pk_model *m = c->m;
    pk_enc *E = pk_mc_alloc(c, 1, sizeof *E);
    if (!E) return c->err->code;
    pk_code rc = read_categories(c, E);
    if (rc) return rc;
    if (E->unknown != UNK_ERROR && E->unknown != UNK_ENCODED)
        return pk_mc_fail(c, "OrdinalEncoder.handle_unknown must be 'error' or "
                             "'use_encoded_value'");
    size_t n = E->nf;
    rc = pk_mc_num(c, "unknown_value", NAN, &E->unknown_value);
    if (rc) return rc;
    rc = pk_mc_num(c, "encoded_missing_value", NAN, &E->missing_value);
    if (rc) return rc;
    E->missing = pk_mc_alloc(c, n, sizeof(long));
    if (!E->missing) return c->err->code;
    const pk_value *mi = pk_attr(c->obj, "_missing_indices");
    for (size_t j = 0; j < n; j++) {
        E->missing[j] = -1;
        if (!mi || mi->kind != PK_DICT) continue;
        for (size_t k = 0; k < mi->u.d.len; k++) {
            double key;
            if (pk_as_f64(mi->u.d.keys[k], &key) != PK_OK || key != (double)j) continue;
            rc = read_index(c, mi->u.d.vals[k], E->cats[j].n, "_missing_indices", &E->missing[j]);
            if (rc) return rc;
        }
    }
    if (pk_mc_bool(c, "_infrequent_enabled", 0)) {
        E->group = pk_mc_alloc(c, n, sizeof(long *));
        E->infreq = pk_mc_alloc(c, n, sizeof(long));
        if (!E->group || !E->infreq) return c->err->code;
        for (size_t j = 0; j < n; j++) {
            size_t grouped;
            E->infreq[j] = -1;
            rc = read_grouping(c, E, j, &grouped);
            if (rc) return rc;
        }
    }
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = E;
    m->nan_ok = 1;
    pk_mc_cell_method(c, PK_TRANSFORM, PK_OUT_ARRAY, n, ordinal_transform);
    return PK_OK;
}
