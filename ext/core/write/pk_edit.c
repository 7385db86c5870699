/*
 * pk_edit.c - replace the value at a path (see pk_edit.h for the semantics).
 *
 * pk_path_last_step splits the path; pk_path_eval resolves the parent; the last step is applied
 * here with the same lookup order pk_path uses, so that pickle_get(pickle_set(p, path, v), path)
 * returns v. Numeric array elements are converted like numpy's assignment would, but refuse
 * values out of the dtype's range instead of wrapping.
 */
#include "pk_edit.h"

#include "pk_buf.h"
#include "pk_ndarray.h"
#include "pk_path.h"

#include <math.h>
#include <string.h>

static int norm_index(int64_t i, size_t n, size_t *pos) {
    if (i < 0) {
        uint64_t m = (uint64_t)(-(i + 1)) + 1;
        if (m > n) return 0;
        *pos = n - (size_t)m;
        return 1;
    }
    if ((uint64_t)i >= n) return 0;
    *pos = (size_t)i;
    return 1;
}

static pk_code out_of_range(pk_err *err, int64_t i, const pk_value *v, size_t n) {
    char tn[96];
    return pk_err_set(err, PK_ENOTFOUND, -1, -1,
                      "no such path: index %lld out of range for %s of length %zu", (long long)i,
                      pk_type_name(v, tn, sizeof tn), n);
}

/* Replaces the value of an existing key of d; 1 when found. */
static int replace_existing(pk_value *d, const pk_value *key, pk_value *val) {
    if (!d || d->kind != PK_DICT) return 0;
    for (size_t i = 0; i < d->u.d.len; i++)
        if (pk_value_equal(d->u.d.keys[i], key)) {
            d->u.d.vals[i] = val;
            return 1;
        }
    return 0;
}

static pk_code set_name(pk_arena *ar, pk_value *parent, const char *name, size_t n, pk_value *val,
                        pk_err *err) {
    char tn[96];
    if (parent->kind == PK_DICT) {
        pk_value *key = pk_new_str(ar, name, n);
        if (!key) return pk_err_nomem(err, -1);
        return pk_dict_set(ar, parent, key, val, err);
    }
    if (parent->kind != PK_OBJECT)
        return pk_err_set(err, PK_ENOTFOUND, -1, -1, "no such path: cannot set key '%.*s' on %s",
                          (int)(n > 60 ? 60 : n), name, pk_type_name(parent, tn, sizeof tn));
    pk_object *o = &parent->u.o;
    pk_value k = pk_str_view(name, n);
    pk_value *st = o->state;
    if (st && st->kind == PK_DICT && replace_existing(st, &k, val)) return PK_OK;
    if (st && st->kind == PK_TUPLE && st->u.seq.len == 2) {
        if (replace_existing(st->u.seq.items[1], &k, val)) return PK_OK;
        if (replace_existing(st->u.seq.items[0], &k, val)) return PK_OK;
    }
    if (replace_existing(o->dictitems, &k, val)) return PK_OK;
    pk_value *key = pk_new_str(ar, name, n);
    if (!key) return pk_err_nomem(err, -1);
    if (!st) {
        if (!(o->state = pk_new_dict(ar, 1))) return pk_err_nomem(err, -1);
        return pk_dict_set(ar, o->state, key, val, err);
    }
    if (st->kind == PK_DICT) return pk_dict_set(ar, st, key, val, err);
    if (st->kind == PK_TUPLE && st->u.seq.len == 2) {
        pk_value *target =
            st->u.seq.items[0]->kind == PK_DICT ? st->u.seq.items[0] : st->u.seq.items[1];
        if (target->kind == PK_DICT) return pk_dict_set(ar, target, key, val, err);
    }
    return pk_err_set(err, PK_ENOTFOUND, -1, -1,
                      "no such path: %s has no attribute '%.*s' and its state is not a dict",
                      pk_type_name(parent, tn, sizeof tn), (int)(n > 60 ? 60 : n), name);
}

/* Stores number v into an array element of dtype dt at p. */
static pk_code store_element(const pk_dtype *dt, uint8_t *p, const pk_value *v, pk_err *err) {
    char tn[96];
    double d;
    int64_t i = 0;
    int is_int = pk_as_i64(v, &i) == PK_OK;
    if (v->kind != PK_BOOL && v->kind != PK_INT && v->kind != PK_FLOAT && v->kind != PK_NPSCALAR)
        return pk_err_set(err, PK_ETYPE, -1, -1, "cannot store %s in a numpy array of kind '%c'",
                          pk_type_name(v, tn, sizeof tn), dt->kind);
    if (pk_as_f64(v, &d) != PK_OK)
        return pk_err_set(err, PK_ETYPE, -1, -1, "cannot store %s in a numpy array of kind '%c'",
                          pk_type_name(v, tn, sizeof tn), dt->kind);
    uint8_t tmp[8];
    size_t n = dt->itemsize;
    switch (dt->kind) {
    case 'b':
        if (n != 1) goto unsupported;
        tmp[0] = d != 0;
        break;
    case 'i':
    case 'u': {
        if (n != 1 && n != 2 && n != 4 && n != 8) goto unsupported;
        if (!is_int) {
            if (!isfinite(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
                goto range;
            i = (int64_t)d; /* truncation, as numpy's float -> int cast */
        }
        int bits = (int)n * 8;
        if (dt->kind == 'u') {
            if (i < 0 || (bits < 64 && (uint64_t)i >> bits)) goto range;
        } else if (bits < 64) {
            int64_t lim = (int64_t)1 << (bits - 1);
            if (i < -lim || i >= lim) goto range;
        }
        uint64_t u = (uint64_t)i;
        for (size_t k = 0; k < n; k++)
            tmp[k] = (uint8_t)(u >> (8 * k));
        break;
    }
    case 'f':
        if (n == 8) {
            memcpy(tmp, &d, 8);
        } else if (n == 4) {
            float f = (float)d;
            memcpy(tmp, &f, 4);
        } else {
            goto unsupported;
        }
        break;
    default:
        goto unsupported;
    }
    if (dt->byteorder == '>')
        for (size_t k = 0; k < n; k++)
            p[k] = tmp[n - 1 - k];
    else
        memcpy(p, tmp, n);
    return PK_OK;
range:
    return pk_err_set(err, PK_ETYPE, -1, -1, "value out of range for a numpy array of %c%zu",
                      dt->kind, n);
unsupported:
    return pk_err_set(err, PK_ETYPE, -1, -1,
                      "cannot replace elements of a numpy array of dtype %c%zu", dt->kind, n);
}

static pk_code set_array_element(pk_value *parent, int64_t index, pk_value *val, pk_err *err) {
    pk_ndarray *a = parent->u.arr;
    if (!a->complete || a->ndim == 0)
        return pk_err_set(err, PK_ENOTFOUND, -1, -1, "no such path: cannot index this numpy array");
    size_t pos;
    if (!norm_index(index, (size_t)a->shape[0], &pos))
        return out_of_range(err, index, parent, (size_t)a->shape[0]);
    if (a->ndim != 1)
        return pk_err_set(err, PK_ETYPE, -1, -1,
                          "cannot replace a sub-array of a %d-dimensional numpy array; index "
                          "down to an element",
                          a->ndim);
    const pk_dtype *dt = a->dtype->u.dt;
    if (dt->kind == 'O') {
        int64_t at = (int64_t)a->obj_base + (int64_t)pos * a->strides[0];
        if (!a->objects || at < 0 || (size_t)at >= a->nobjects)
            return pk_err_set(err, PK_ENUMPY, -1, -1, "numpy object array element out of range");
        a->objects[at] = val;
        return PK_OK;
    }
    uint8_t *p = (uint8_t *)(uintptr_t)a->data + (int64_t)pos * a->strides[0];
    return store_element(dt, p, val, err);
}

static pk_code set_index(pk_value *parent, int64_t index, pk_arena *ar, pk_value *val,
                         pk_err *err) {
    size_t pos;
    char tn[96];
    switch (parent->kind) {
    case PK_LIST:
    case PK_TUPLE:
        if (!norm_index(index, parent->u.seq.len, &pos))
            return out_of_range(err, index, parent, parent->u.seq.len);
        parent->u.seq.items[pos] = val;
        return PK_OK;
    case PK_DICT: {
        pk_value *key = pk_new_int(ar, index);
        if (!key) return pk_err_nomem(err, -1);
        return pk_dict_set(ar, parent, key, val, err);
    }
    case PK_OBJECT:
        if (parent->u.o.items && parent->u.o.items->kind == PK_LIST)
            return set_index(parent->u.o.items, index, ar, val, err);
        break;
    case PK_NDARRAY:
        return set_array_element(parent, index, val, err);
    default:
        break;
    }
    return pk_err_set(err, PK_ENOTFOUND, -1, -1, "no such path: cannot set index [%lld] of %s",
                      (long long)index, pk_type_name(parent, tn, sizeof tn));
}

pk_code pk_edit_set(pk_arena *ar, pk_value **root, const char *path, size_t path_len, pk_value *val,
                    pk_err *err) {
    size_t parent_len;
    int is_index;
    int64_t index;
    pk_buf name;
    pk_buf_init(&name, ar->alloc, 0);
    pk_code c = pk_path_last_step(path, path_len, &parent_len, &is_index, &index, &name, err);
    if (c) {
        pk_buf_free(&name);
        if (err->code == PK_OK) pk_err_nomem(err, -1);
        return c;
    }
    if (parent_len == 0) {
        pk_buf_free(&name);
        *root = val;
        return PK_OK;
    }
    pk_value *parent;
    c = pk_path_eval(ar, *root, path, parent_len, &parent, err);
    if (!c) {
        if (is_index)
            c = set_index(parent, index, ar, val, err);
        else
            c = set_name(ar, parent, name.data ? (const char *)name.data : "", name.len, val, err);
    }
    pk_buf_free(&name);
    return c;
}
