/*
 * pk_json_np.c - numpy arrays and scalars as JSON (pk_np_write_json, pk_json.h): nested lists
 * following the shape, records as objects keyed by field name, str_ elements as strings, bytes_
 * and void as {"py/bytes": base64}, complex as {"py/complex": [re, im]}; object elements through
 * the generic writer of pk_json.c. Elements are read with pk_ndarray.h's loaders, in the dtype's
 * byte order.
 */
#include "pk_json.h"
#include "pk_ndarray.h"
#include "pk_unicode.h"

#include <inttypes.h>
#include <string.h>

typedef struct json_ctx {
    pk_buf *out;
    pk_json_value_fn write_value;
    void *ctx;
    unsigned flags; /* pk_json.h's PK_JSON_NAN */
} json_ctx;

/* numpy str_ element: UTF-32 code points, trailing NULs stripped. */
static pk_code write_unicode(pk_buf *out, const pk_dtype *dt, const uint8_t *p) {
    size_t n = dt->itemsize / 4;
    int big = dt->byteorder == '>';
    while (n > 0 && pk_np_load_uint(p + 4 * (n - 1), 4, big) == 0)
        n--;
    pk_buf tmp;
    pk_buf_init(&tmp, out->alloc, 0);
    for (size_t k = 0; k < n; k++) {
        uint32_t c = (uint32_t)pk_np_load_uint(p + 4 * k, 4, big);
        if (c > 0x10FFFF) {
            pk_buf_free(&tmp);
            return PK_ENUMPY;
        }
        uint8_t u[4];
        pk_buf_append(&tmp, u, pk_utf8_put(c, u));
    }
    pk_code rc = tmp.failed;
    if (rc == PK_OK) rc = pk_json_string(out, tmp.data ? (const char *)tmp.data : "", tmp.len);
    pk_buf_free(&tmp);
    return rc;
}

static pk_code write_bytes(pk_buf *out, const uint8_t *p, size_t n) {
    pk_buf_puts(out, "{\"py/bytes\":\"");
    pk_base64(out, p, n);
    return pk_buf_puts(out, "\"}");
}

static pk_code write_elem(json_ctx *jc, const pk_dtype *dt, const uint8_t *p);

/* A subarray field: nested lists of base elements in C order. */
static pk_code write_sub(json_ctx *jc, const pk_dtype *base, const int64_t *shape, int ndim,
                         const uint8_t *p) {
    if (ndim == 0) return write_elem(jc, base, p);
    size_t inner = base->itemsize;
    for (int k = 1; k < ndim; k++)
        inner *= (size_t)shape[k]; /* fits: checked in parse_subarray */
    pk_buf_putc(jc->out, '[');
    for (int64_t i = 0; i < shape[0]; i++) {
        if (i) pk_buf_putc(jc->out, ',');
        PK_TRY(write_sub(jc, base, shape + 1, ndim - 1, p + (size_t)i * inner));
    }
    return pk_buf_putc(jc->out, ']');
}

static pk_code write_elem(json_ctx *jc, const pk_dtype *dt, const uint8_t *p) {
    pk_buf *out = jc->out;
    int big = dt->byteorder == '>';
    double d, im;
    if (out->failed) return out->failed;
    if (dt->sub_base) return write_sub(jc, dt->sub_base->u.dt, dt->sub_shape, dt->sub_ndim, p);
    switch (dt->kind) {
    case 'b':
        return pk_buf_puts(out, p[0] ? "true" : "false");
    case 'i':
    case 'M':
    case 'm':
        return pk_buf_printf(out, "%" PRId64, pk_np_load_int(p, dt->itemsize, big));
    case 'u':
        return pk_buf_printf(out, "%" PRIu64, pk_np_load_uint(p, dt->itemsize, big));
    case 'f':
        if (pk_np_load_float(p, dt->itemsize, big, &d) != PK_OK) return PK_EUNSUPPORTED;
        return pk_json_double_flags(out, d, jc->flags);
    case 'c':
        if (pk_np_load_float(p, dt->itemsize / 2, big, &d) != PK_OK ||
            pk_np_load_float(p + dt->itemsize / 2, dt->itemsize / 2, big, &im) != PK_OK)
            return PK_EUNSUPPORTED;
        pk_buf_puts(out, "{\"py/complex\":[");
        pk_json_double_flags(out, d, jc->flags);
        pk_buf_putc(out, ',');
        pk_json_double_flags(out, im, jc->flags);
        return pk_buf_puts(out, "]}");
    case 'S': {
        size_t n = dt->itemsize;
        while (n > 0 && p[n - 1] == 0)
            n--;
        return write_bytes(out, p, n);
    }
    case 'U':
        return write_unicode(out, dt, p);
    case 'V':
        if (!dt->nfields) return write_bytes(out, p, dt->itemsize); /* unstructured void */
        pk_buf_putc(out, '{');
        for (size_t k = 0; k < dt->nfields; k++) {
            const pk_dtfield *f = &dt->fields[k];
            if (k) pk_buf_putc(out, ',');
            pk_json_string(out, f->name, strlen(f->name));
            pk_buf_putc(out, ':');
            PK_TRY(write_elem(jc, f->dtype->u.dt, p + f->offset));
        }
        return pk_buf_putc(out, '}');
    default:
        return PK_EUNSUPPORTED;
    }
}

static pk_code write_dims(json_ctx *jc, const pk_ndarray *a, int dim, int64_t off) {
    const pk_dtype *dt = a->dtype->u.dt;
    if (jc->out->failed) return jc->out->failed;
    if (dim == a->ndim) {
        if (dt->kind == 'O') {
            const pk_value *o = a->objects[a->obj_base + (size_t)off];
            return o ? jc->write_value(jc->ctx, o) : pk_buf_puts(jc->out, "null");
        }
        return write_elem(jc, dt, a->data + off);
    }
    pk_buf_putc(jc->out, '[');
    for (int64_t i = 0; i < a->shape[dim]; i++) {
        if (i) pk_buf_putc(jc->out, ',');
        PK_TRY(write_dims(jc, a, dim + 1, off + i * a->strides[dim]));
    }
    return pk_buf_putc(jc->out, ']');
}

pk_code pk_np_write_json(pk_buf *out, const pk_value *v, unsigned flags,
                         pk_json_value_fn write_value, void *ctx) {
    json_ctx jc = {out, write_value, ctx, flags};
    pk_code rc;
    if (v->kind == PK_NPSCALAR) {
        if (v->u.sc.object) return write_value(ctx, v->u.sc.object);
        if (!v->u.sc.dtype || !v->u.sc.data) return PK_ETYPE;
        rc = write_elem(&jc, v->u.sc.dtype->u.dt, v->u.sc.data);
    } else if (v->kind == PK_NDARRAY) {
        const pk_ndarray *a = v->u.arr;
        if (!a->dtype) return pk_buf_puts(out, "[]");
        rc = write_dims(&jc, a, 0, 0);
    } else {
        return PK_ETYPE;
    }
    if (rc == PK_OK && out->failed) rc = out->failed;
    return rc;
}
