/*
 * pk_cats.c - category sets and their lookup (see pk_cats.h).
 */
#include "pk_cats.h"

#include "pk_ndarray.h"
#include "pk_pyfloat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compares string categories a and b (bytes, then length: code point order for UTF-8). */
static int str_cmp(const char *a, size_t an, const char *b, size_t bn) {
    int r = memcmp(a, b, an < bn ? an : bn);
    if (r) return r;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Insertion-free sort of the order array: a plain merge sort would need scratch; category
 * counts are small and compile time is not per row, so a shell sort is enough. */
static int order_less(const pk_cats *k, size_t a, size_t b) {
    if (k->is_str) return str_cmp(k->s[a], k->slen[a], k->s[b], k->slen[b]) < 0;
    return k->f[a] < k->f[b];
}

static void sort_order(pk_cats *k) {
    size_t n = k->n_order;
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; i++) {
            size_t t = k->order[i], j = i;
            while (j >= gap && order_less(k, t, k->order[j - gap])) {
                k->order[j] = k->order[j - gap];
                j -= gap;
            }
            k->order[j] = t;
        }
}

/* One element given as a Python value. */
static pk_code put_value(pk_mc *c, pk_cats *k, size_t i, const pk_value *v, const char *what,
                         int *saw_str, int *saw_num) {
    if (!v || v->kind == PK_NONE) {
        if (k->none_idx < 0) k->none_idx = (long)i;
        return PK_OK;
    }
    int is_text;
    pk_code rc = pk_value_text(c, v, &is_text, &k->s[i], &k->slen[i]);
    if (rc) return rc;
    if (is_text) {
        *saw_str = 1;
        return PK_OK;
    }
    double d;
    if (v->kind == PK_NPSCALAR ? pk_npscalar_f64(v, &d) != PK_OK : pk_as_f64(v, &d) != PK_OK)
        return pk_mc_fail(c, "%s.%s holds a category that is neither a string nor a number",
                          c->m->cls, what);
    if (isnan(d)) {
        if (k->nan_idx < 0) k->nan_idx = (long)i;
    } else {
        *saw_num = 1;
    }
    k->f[i] = d;
    return PK_OK;
}

pk_code pk_value_text(pk_mc *c, const pk_value *v, int *is_text, char **out, size_t *len) {
    *is_text = 0;
    if (v && v->kind == PK_STR) {
        *is_text = 1;
        *out = pk_mc_strdup(c, v->u.s.ptr, v->u.s.len);
        *len = v->u.s.len;
        return *out ? PK_OK : c->err->code;
    }
    const pk_dtype *dt = v && v->kind == PK_NPSCALAR && v->u.sc.dtype ? v->u.sc.dtype->u.dt : NULL;
    if (dt && dt->kind == 'U' && v->u.sc.data) {
        *is_text = 1;
        *out = pk_mc_ucs4(c, v->u.sc.data, dt->itemsize, dt->byteorder == '>');
        if (!*out) return c->err->code ? c->err->code : pk_err_nomem(c->err, -1);
        *len = strlen(*out);
    }
    return PK_OK;
}

pk_code pk_cats_read(pk_mc *c, const pk_value *v, const char *what, pk_cats *out) {
    memset(out, 0, sizeof *out);
    out->none_idx = out->nan_idx = -1;
    const pk_value *const *items = NULL;
    const pk_ndarray *a = NULL;
    size_t n;
    if (v && (v->kind == PK_LIST || v->kind == PK_TUPLE)) {
        items = (const pk_value *const *)v->u.seq.items;
        n = v->u.seq.len;
    } else if (v && v->kind == PK_NDARRAY && v->u.arr->complete && v->u.arr->ndim == 1) {
        a = v->u.arr;
        n = (size_t)a->shape[0];
        if (a->objects) {
            if (a->obj_base > a->nobjects || a->nobjects - a->obj_base < n ||
                (n > 1 && a->strides[0] != 1))
                return pk_mc_fail(c, "%s.%s is a malformed object array", c->m->cls, what);
            items = (const pk_value *const *)a->objects + a->obj_base;
        }
    } else {
        return pk_mc_fail(c, "%s.%s is not a 1-D array", c->m->cls, what);
    }
    if (n == 0) return pk_mc_fail(c, "%s.%s is empty", c->m->cls, what);
    out->n = n;
    out->s = pk_mc_alloc(c, n, sizeof(char *));
    out->slen = pk_mc_alloc(c, n, sizeof(size_t));
    out->f = pk_mc_alloc(c, n, sizeof(double));
    out->order = pk_mc_alloc(c, n, sizeof(size_t));
    if (!out->s || !out->slen || !out->f || !out->order) return c->err->code;
    int saw_str = 0, saw_num = 0;
    if (items) {
        for (size_t i = 0; i < n; i++) {
            out->f[i] = NAN;
            pk_code rc = put_value(c, out, i, items[i], what, &saw_str, &saw_num);
            if (rc) return rc;
        }
    } else {
        const pk_dtype *dt = a->dtype ? a->dtype->u.dt : NULL;
        if (!dt) return pk_mc_fail(c, "%s.%s has no dtype", c->m->cls, what);
        if (dt->kind == 'U') {
            saw_str = 1;
            for (size_t i = 0; i < n; i++) {
                int64_t off = (int64_t)i * a->strides[0];
                if (off < 0 || (uint64_t)off + dt->itemsize > a->nbytes)
                    return pk_mc_fail(c, "%s.%s is a malformed array", c->m->cls, what);
                out->s[i] = pk_mc_ucs4(c, a->data + off, dt->itemsize, dt->byteorder == '>');
                if (!out->s[i]) return c->err->code ? c->err->code : pk_err_nomem(c->err, -1);
                out->slen[i] = strlen(out->s[i]);
            }
        } else if (dt->kind == 'b' || dt->kind == 'i' || dt->kind == 'u' || dt->kind == 'f') {
            saw_num = 1;
            for (size_t i = 0; i < n; i++) {
                if (pk_ndarray_get_f64(a, i, &out->f[i]) != PK_OK)
                    return pk_mc_fail(c, "%s.%s is not readable", c->m->cls, what);
                if (isnan(out->f[i]) && out->nan_idx < 0) out->nan_idx = (long)i;
            }
        } else {
            return pk_mc_fail(c, "%s.%s has an unsupported dtype", c->m->cls, what);
        }
    }
    if (saw_str && saw_num)
        return pk_mc_fail(c, "%s.%s mixes strings and numbers", c->m->cls, what);
    out->is_str = saw_str;
    for (size_t i = 0; i < n; i++) {
        int missing = out->is_str ? out->s[i] == NULL : isnan(out->f[i]);
        if (!missing && !(out->none_idx == (long)i)) out->order[out->n_order++] = i;
    }
    sort_order(out);
    return PK_OK;
}

static long find_str(const pk_cats *k, const char *s, size_t n) {
    size_t lo = 0, hi = k->n_order;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t i = k->order[mid];
        int r = str_cmp(k->s[i], k->slen[i], s, n);
        if (r == 0) return (long)i;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static long find_num(const pk_cats *k, double v) {
    if (isnan(v)) return k->nan_idx;
    size_t lo = 0, hi = k->n_order;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double f = k->f[k->order[mid]];
        if (f == v) return (long)k->order[mid];
        if (f < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

long pk_cats_find(const pk_cats *k, const pk_cell *cell) {
    switch (cell->type) {
    case PK_CELL_NULL:
        return k->none_idx >= 0 ? k->none_idx : k->nan_idx;
    case PK_CELL_TEXT: {
        if (k->is_str) return find_str(k, cell->s, cell->len);
        double v;
        return pk_pyfloat(cell->s, cell->len, &v) ? find_num(k, v) : -1;
    }
    case PK_CELL_NUM:
        return k->is_str ? (isnan(cell->num) ? k->nan_idx : -1) : find_num(k, cell->num);
    }
    return -1;
}

void pk_cats_show(const pk_cats *k, size_t i, char *buf, size_t cap) {
    if ((long)i == k->none_idx)
        snprintf(buf, cap, "None");
    else if (k->is_str && k->s[i])
        snprintf(buf, cap, "'%.*s%s'", k->slen[i] > 40 ? 40 : (int)k->slen[i], k->s[i],
                 k->slen[i] > 40 ? "..." : "");
    else
        snprintf(buf, cap, "%.17g", k->f[i]);
}

void pk_cell_show(const pk_cell *cell, char *buf, size_t cap) {
    switch (cell->type) {
    case PK_CELL_NULL:
        snprintf(buf, cap, "NULL");
        return;
    case PK_CELL_NUM:
        snprintf(buf, cap, "%.17g", cell->num);
        return;
    case PK_CELL_TEXT:
        snprintf(buf, cap, "'%.*s%s'", cell->len > 40 ? 40 : (int)cell->len, cell->s,
                 cell->len > 40 ? "..." : "");
        return;
    }
}

void pk_cats_list(const pk_cats *k, char *buf, size_t cap) {
    size_t len = 0;
    buf[0] = 0;
    size_t shown = k->n < 5 ? k->n : 5;
    for (size_t i = 0; i < shown && len < cap; i++) {
        char one[64];
        pk_cats_show(k, i, one, sizeof one);
        int w = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", one);
        if (w < 0) return;
        len += (size_t)w;
    }
    if (k->n > shown && len < cap) snprintf(buf + len, cap - len, " and %zu more", k->n - shown);
}
