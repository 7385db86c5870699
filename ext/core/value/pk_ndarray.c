/*
 * pk_ndarray.c - numpy arrays, dtypes and scalars decoded as data (see pk_ndarray.h).
 *
 * How it works: the unpickler hands us the arguments numpy's own reconstructors would receive
 * (docs/formats.md, "numpy arrays, dtypes and scalars"). We validate them the way numpy's
 * array_setstate / arraydescr_setstate / _frombuffer do, then describe the array by shape + byte
 * strides over borrowed bytes: nothing is copied except latin-1 text data (protocols 0-2, Python
 * 2) and object pointer lists. Elements are read with memcpy (data borrowed from the input is
 * unaligned) in the dtype's byte order, so big-endian and Fortran-order arrays need no
 * conversion step.
 *
 * Limits: at most PK_MAX_DIMS dimensions; dtypes nest at most PK_DTYPE_MAX_NEST levels; record
 * fields and subarrays must lie inside their record (checked, so element access never leaves the
 * data); structured dtypes holding Python objects are refused (PK_EUNSUPPORTED); long double
 * values convert to double only where the host's long double is numpy's (x86 80-bit extended). A
 * dtype's field dtypes must be complete before its own BUILD, which rules out cyclic dtypes.
 *
 * Ownership: everything allocates in the caller's arena.
 */
#include "pk_ndarray.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#define PK_DTYPE_MAX_NEST 32

/* ---- small helpers --------------------------------------------------------------------------- */

static pk_code np_fail(pk_err *err, pk_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static pk_code np_fail(pk_err *err, pk_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pk_code c = pk_err_vset(err, code, -1, -1, fmt, ap);
    va_end(ap);
    return c;
}

static char host_order(void) {
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1 ? '<' : '>';
}

/* Text of a str or bytes value (Python 2 pickles give bytes for typestrs). */
static int text_of(const pk_value *v, const char **s, size_t *n) {
    if (!v || (v->kind != PK_STR && v->kind != PK_BYTES)) return 0;
    *s = v->u.s.ptr;
    *n = v->u.s.len;
    return 1;
}

static int text_is(const pk_value *v, const char *lit) {
    const char *s;
    size_t n;
    return text_of(v, &s, &n) && n == strlen(lit) && memcmp(s, lit, n) == 0;
}

static int int_of(const pk_value *v, int64_t *out) {
    if (!v) return 0;
    if (v->kind == PK_INT) {
        *out = v->u.i;
        return 1;
    }
    if (v->kind == PK_BOOL) {
        *out = v->u.b;
        return 1;
    }
    return 0;
}

static int is_list_or_tuple(const pk_value *v) {
    return v && (v->kind == PK_TUPLE || v->kind == PK_LIST);
}

/* UTF-8 text -> latin-1 bytes (numpy's PyUnicode_AsLatin1String for Python 2 data). */
static pk_code latin1_encode(pk_arena *ar, const pk_value *s, const uint8_t **out, size_t *n,
                             pk_err *err) {
    const uint8_t *p = (const uint8_t *)s->u.s.ptr;
    size_t len = s->u.s.len, k = 0, m = 0;
    uint8_t *dst = pk_arena_alloc(ar, len ? len : 1);
    if (!dst) return pk_err_nomem(err, -1);
    while (k < len) {
        uint8_t c = p[k];
        if (c < 0x80) {
            dst[m++] = c;
            k++;
        } else if ((c & 0xE0) == 0xC0 && k + 1 < len && (p[k + 1] & 0xC0) == 0x80 &&
                   ((unsigned)(c & 0x1F) << 6 | (p[k + 1] & 0x3Fu)) <= 0xFF) {
            dst[m++] = (uint8_t)(((c & 0x1Fu) << 6) | (p[k + 1] & 0x3Fu));
            k += 2;
        } else {
            return np_fail(err, PK_ENUMPY,
                           "array data text holds a character beyond latin-1 at index %zu", k);
        }
    }
    *out = dst;
    *n = m;
    return PK_OK;
}

/* Raw data argument: bytes/bytearray borrowed, str encoded as latin-1. */
static pk_code raw_bytes(pk_arena *ar, const pk_value *v, const uint8_t **out, size_t *n,
                         pk_err *err) {
    if (v && (v->kind == PK_BYTES || v->kind == PK_BYTEARRAY)) {
        *out = (const uint8_t *)v->u.s.ptr;
        *n = v->u.s.len;
        return PK_OK;
    }
    if (v && v->kind == PK_STR) return latin1_encode(ar, v, out, n, err);
    return np_fail(err, PK_ENUMPY, "array data is not bytes");
}

/* ---- dtypes ---------------------------------------------------------------------------------- */

static pk_dtype *new_dtype(pk_arena *ar, pk_value **val) {
    pk_value *v = pk_new(ar, PK_DTYPE);
    pk_dtype *dt = pk_arena_alloc(ar, sizeof *dt);
    if (!v || !dt) return NULL;
    memset(dt, 0, offsetof(pk_dtype, sub_shape)); /* sub_shape: [0, sub_ndim) written first */
    dt->alignment = -1;
    dt->nest = 1;
    v->u.dt = dt;
    *val = v;
    return dt;
}

static int fixed_size_ok(char kind, size_t n) {
    switch (kind) {
    case 'b':
        return n == 1;
    case 'i':
    case 'u':
        return n == 1 || n == 2 || n == 4 || n == 8;
    case 'f':
        return n == 2 || n == 4 || n == 8 || n == 12 || n == 16;
    case 'c':
        return n == 8 || n == 16 || n == 24 || n == 32;
    case 'O':
        return n == 8 || n == 4;
    case 'M':
    case 'm':
        return n == 8;
    default:
        return 1;
    }
}

static void set_default_order(pk_dtype *dt) {
    if (dt->kind == 'b' || dt->kind == 'S' || dt->kind == 'V' || dt->kind == 'O' ||
        ((dt->kind == 'i' || dt->kind == 'u') && dt->itemsize == 1))
        dt->byteorder = '|';
    else
        dt->byteorder = host_order();
}

/* Parses a datetime unit "[ns]" / "[10ms]" into dt. */
static pk_code parse_unit(pk_dtype *dt, const char *s, size_t n, pk_err *err) {
    int64_t num = 0;
    size_t k = 0;
    while (k < n && s[k] >= '0' && s[k] <= '9') {
        if (num > 100000000) return np_fail(err, PK_ENUMPY, "datetime unit multiplier too large");
        num = num * 10 + (s[k++] - '0');
    }
    if (n - k == 0 || n - k >= sizeof dt->unit)
        return np_fail(err, PK_ENUMPY, "bad datetime unit '%.*s'", (int)n, s);
    memcpy(dt->unit, s + k, n - k);
    dt->unit[n - k] = 0;
    dt->unit_num = num ? num : 1;
    return PK_OK;
}

/* numpy's one-letter type codes ('d', 'f', '?', ...). */
static int char_code(char c, char *kind, size_t *size) {
    static const struct {
        char code, kind;
        unsigned char size;
    } tab[] = {{'?', 'b', 1}, {'b', 'i', 1},  {'B', 'u', 1}, {'h', 'i', 2},  {'H', 'u', 2},
               {'i', 'i', 4}, {'I', 'u', 4},  {'l', 'i', 8}, {'L', 'u', 8},  {'q', 'i', 8},
               {'Q', 'u', 8}, {'p', 'i', 8},  {'P', 'u', 8}, {'e', 'f', 2},  {'f', 'f', 4},
               {'d', 'f', 8}, {'g', 'f', 16}, {'F', 'c', 8}, {'D', 'c', 16}, {'G', 'c', 32},
               {'O', 'O', 8}, {'S', 'S', 0},  {'a', 'S', 0}, {'U', 'U', 0},  {'V', 'V', 0},
               {'M', 'M', 8}, {'m', 'm', 8}};
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        if (tab[k].code == c) {
            *kind = tab[k].kind;
            *size = tab[k].size;
            return 1;
        }
    }
    return 0;
}

/* "f8", "<i4", "U3", "M8[ns]", "d" ... */
static pk_code parse_typestr(pk_dtype *dt, const char *s, size_t n, pk_err *err) {
    size_t k = 0;
    char order = 0;
    if (n > 0 && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) order = s[k++];
    if (k >= n) return np_fail(err, PK_ENUMPY, "bad dtype string '%.*s'", (int)n, s);
    char c = s[k++];
    size_t digits_at = k, size = 0;
    uint64_t digits = 0; /* 64-bit on every target, so the bound below is the same everywhere */
    while (k < n && s[k] >= '0' && s[k] <= '9') {
        if (digits > ((uint64_t)1 << 40)) return np_fail(err, PK_ENUMPY, "dtype size too large");
        digits = digits * 10 + (uint64_t)(s[k++] - '0');
    }
#if SIZE_MAX < UINT64_MAX
    if (digits > SIZE_MAX) return np_fail(err, PK_ENUMPY, "dtype size too large");
#endif
    size = (size_t)digits;
    char kind;
    if (k > digits_at) {
        kind = c == 'a' ? 'S' : c;
        if (!strchr("biufcSUVOMm", kind))
            return np_fail(err, PK_ENUMPY, "unknown dtype kind in '%.*s'", (int)n, s);
        if (kind == 'U') {
            if (pk_mul_overflow(size, 4, &size))
                return np_fail(err, PK_ENUMPY, "dtype size too large");
        }
    } else if (!char_code(c, &kind, &size)) {
        return np_fail(err, PK_ENUMPY, "unknown dtype '%.*s'", (int)n, s);
    }
    if (!fixed_size_ok(kind, size))
        return np_fail(err, PK_ENUMPY, "bad item size in dtype '%.*s'", (int)n, s);
    dt->kind = kind;
    dt->itemsize = size;
    set_default_order(dt);
    if (order == '<' || order == '>') dt->byteorder = order;
    if (k < n) {
        if ((kind != 'M' && kind != 'm') || s[k] != '[' || s[n - 1] != ']')
            return np_fail(err, PK_ENUMPY, "bad dtype string '%.*s'", (int)n, s);
        return parse_unit(dt, s + k + 1, n - k - 2, err);
    }
    return PK_OK;
}

/* numpy.dtype(numpy.float64) and friends: the scalar type objects numpy may pickle. */
static pk_code type_from_global(pk_dtype *dt, const pk_value *g, pk_err *err) {
    static const struct {
        const char *name;
        char kind;
        unsigned char size;
    } tab[] = {
        {"record", 'V', 0},      {"void", 'V', 0},       {"bool_", 'b', 1},   {"bool", 'b', 1},
        {"int8", 'i', 1},        {"int16", 'i', 2},      {"int32", 'i', 4},   {"int64", 'i', 8},
        {"uint8", 'u', 1},       {"uint16", 'u', 2},     {"uint32", 'u', 4},  {"uint64", 'u', 8},
        {"float16", 'f', 2},     {"float32", 'f', 4},    {"float64", 'f', 8}, {"complex64", 'c', 8},
        {"complex128", 'c', 16}, {"object_", 'O', 8},    {"bytes_", 'S', 0},  {"str_", 'U', 0},
        {"datetime64", 'M', 8},  {"timedelta64", 'm', 8}};
    const char *mod = g->u.g.module;
    if (strcmp(mod, "numpy") != 0 && strncmp(mod, "numpy.", 6) != 0)
        return np_fail(err, PK_EUNSUPPORTED, "dtype of user-defined type %s.%s", mod, g->u.g.name);
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++) {
        if (strcmp(tab[k].name, g->u.g.name) == 0) {
            dt->kind = tab[k].kind;
            dt->itemsize = tab[k].size;
            set_default_order(dt);
            return PK_OK;
        }
    }
    return np_fail(err, PK_EUNSUPPORTED, "dtype of type %s.%s", mod, g->u.g.name);
}

pk_value *pk_np_dtype_new(pk_arena *ar, pk_value *args, pk_err *err) {
    pk_value *v;
    if (!args || args->kind != PK_TUPLE || args->u.seq.len < 1 || args->u.seq.len > 3) {
        np_fail(err, PK_ENUMPY, "numpy.dtype expects 1 to 3 arguments");
        return NULL;
    }
    pk_dtype *dt = new_dtype(ar, &v);
    if (!dt) {
        pk_err_nomem(err, -1);
        return NULL;
    }
    dt->args = args;
    const pk_value *a0 = args->u.seq.items[0];
    const char *s;
    size_t n;
    if (text_of(a0, &s, &n)) {
        if (parse_typestr(dt, s, n, err) != PK_OK) return NULL;
        dt->typestr = pk_arena_strndup(ar, s, n);
        if (!dt->typestr) {
            pk_err_nomem(err, -1);
            return NULL;
        }
    } else if (a0->kind == PK_GLOBAL) {
        dt->type_global = (pk_value *)a0;
        if (type_from_global(dt, a0, err) != PK_OK) return NULL;
    } else {
        np_fail(err, PK_ENUMPY, "numpy.dtype argument is neither a type string nor a type");
        return NULL;
    }
    return v;
}

int pk_dtype_has_object(const pk_dtype *dt) {
    if (dt->kind == 'O') return 1;
    for (size_t k = 0; k < dt->nfields; k++)
        if (pk_dtype_has_object(dt->fields[k].dtype->u.dt)) return 1;
    if (dt->sub_base && pk_dtype_has_object(dt->sub_base->u.dt)) return 1;
    return 0;
}

/* A child dtype (field or subarray base) must be complete and leave room for its parent. */
static pk_code check_child(const pk_value *parent, const pk_value *child, const char *what,
                           pk_err *err) {
    if (!child || child->kind != PK_DTYPE)
        return np_fail(err, PK_ENUMPY, "dtype %s is not a dtype", what);
    const pk_dtype *c = child->u.dt;
    if (child == parent || (!c->state && (c->nfields || c->sub_base)))
        return np_fail(err, PK_ENUMPY, "dtype %s refers to an unfinished dtype", what);
    if (c->nest >= PK_DTYPE_MAX_NEST)
        return np_fail(err, PK_ELIMIT, "dtype nested deeper than %d levels", PK_DTYPE_MAX_NEST);
    return PK_OK;
}

static pk_code parse_subarray(pk_arena *ar, pk_value *self, const pk_value *sub, pk_err *err) {
    pk_dtype *dt = self->u.dt;
    (void)ar;
    if (!sub || sub->kind == PK_NONE) return PK_OK;
    if (sub->kind != PK_TUPLE || sub->u.seq.len != 2)
        return np_fail(err, PK_ENUMPY, "dtype subarray is not a (dtype, shape) pair");
    pk_value *base = sub->u.seq.items[0];
    const pk_value *shp = sub->u.seq.items[1];
    if (check_child(self, base, "subarray base", err) != PK_OK) return err->code;
    int64_t one;
    size_t count = 1;
    if (int_of(shp, &one)) {
        dt->sub_ndim = 1;
        dt->sub_shape[0] = one;
    } else if (is_list_or_tuple(shp)) {
        if (shp->u.seq.len > PK_MAX_DIMS)
            return np_fail(err, PK_ENUMPY, "dtype subarray has more than %d dimensions",
                           PK_MAX_DIMS);
        dt->sub_ndim = (int)shp->u.seq.len;
        for (int k = 0; k < dt->sub_ndim; k++)
            if (!int_of(shp->u.seq.items[k], &dt->sub_shape[k]))
                return np_fail(err, PK_ENUMPY, "dtype subarray shape holds a non-integer");
    } else {
        return np_fail(err, PK_ENUMPY, "dtype subarray shape is not a tuple");
    }
    for (int k = 0; k < dt->sub_ndim; k++) {
        if (dt->sub_shape[k] < 0)
            return np_fail(err, PK_ENUMPY, "negative dtype subarray dimension");
        if (pk_mul_overflow(count, (size_t)dt->sub_shape[k], &count))
            return np_fail(err, PK_ENUMPY, "dtype subarray too large");
    }
    if (pk_mul_overflow(count, base->u.dt->itemsize, &count) || count > dt->itemsize)
        return np_fail(err, PK_ENUMPY, "dtype subarray does not fit its item size %zu",
                       dt->itemsize);
    dt->sub_base = base;
    if (base->u.dt->nest + 1 > dt->nest) dt->nest = base->u.dt->nest + 1;
    return PK_OK;
}

static pk_code parse_fields(pk_arena *ar, pk_value *self, const pk_value *names,
                            const pk_value *fields, pk_err *err) {
    pk_dtype *dt = self->u.dt;
    if (!names || names->kind == PK_NONE) return PK_OK;
    if (names->kind != PK_TUPLE) return np_fail(err, PK_ENUMPY, "dtype names is not a tuple");
    if (!fields || fields->kind != PK_DICT)
        return np_fail(err, PK_ENUMPY, "dtype has names but no fields dict");
    if (dt->kind != 'V') return np_fail(err, PK_ENUMPY, "dtype with fields is not a void dtype");
    size_t nf = names->u.seq.len;
    dt->fields = pk_arena_calloc(ar, nf ? nf : 1, sizeof *dt->fields);
    if (!dt->fields) return pk_err_nomem(err, -1);
    for (size_t k = 0; k < nf; k++) {
        const pk_value *name = names->u.seq.items[k];
        const char *s;
        size_t n;
        if (!text_of(name, &s, &n))
            return np_fail(err, PK_ENUMPY, "dtype field name is not a string");
        const pk_value *f = pk_dict_get(fields, name);
        if (!f || f->kind != PK_TUPLE || f->u.seq.len < 2 || f->u.seq.len > 3)
            return np_fail(err, PK_ENUMPY, "dtype field '%.*s' has no (dtype, offset) entry",
                           (int)(n > 64 ? 64 : n), s);
        pk_dtfield *fd = &dt->fields[k];
        int64_t off;
        if (check_child(self, f->u.seq.items[0], "field", err) != PK_OK) return err->code;
        if (!int_of(f->u.seq.items[1], &off) || off < 0)
            return np_fail(err, PK_ENUMPY, "dtype field '%.*s' has a bad offset",
                           (int)(n > 64 ? 64 : n), s);
        size_t end;
        const pk_dtype *fdt = f->u.seq.items[0]->u.dt;
        if (pk_add_overflow((size_t)off, fdt->itemsize, &end) || end > dt->itemsize)
            return np_fail(err, PK_ENUMPY,
                           "dtype field '%.*s' (offset %" PRId64
                           ", size %zu) lies outside the %zu-byte record",
                           (int)(n > 64 ? 64 : n), s, off, fdt->itemsize, dt->itemsize);
        fd->name = pk_arena_strndup(ar, s, n);
        if (!fd->name) return pk_err_nomem(err, -1);
        fd->dtype = f->u.seq.items[0];
        fd->offset = (size_t)off;
        fd->title = f->u.seq.len == 3 ? f->u.seq.items[2] : NULL;
        if (fdt->nest + 1 > dt->nest) dt->nest = fdt->nest + 1;
    }
    dt->nfields = nf;
    return PK_OK;
}

/* metadata of a version-4 state: ({...} | None, (unit, num, den, events)) for datetimes. */
static pk_code parse_metadata(pk_dtype *dt, const pk_value *md, pk_err *err) {
    if (dt->kind != 'M' && dt->kind != 'm') return PK_OK;
    if (!md || md->kind != PK_TUPLE || md->u.seq.len != 2) return PK_OK;
    const pk_value *info = md->u.seq.items[1];
    if (!info || info->kind != PK_TUPLE || info->u.seq.len < 2) return PK_OK;
    const char *s;
    size_t n;
    int64_t num;
    if (!text_of(info->u.seq.items[0], &s, &n) || !int_of(info->u.seq.items[1], &num) || num < 1)
        return np_fail(err, PK_ENUMPY, "bad datetime metadata in dtype state");
    if (n == 0 || n >= sizeof dt->unit) return np_fail(err, PK_ENUMPY, "bad datetime unit");
    memcpy(dt->unit, s, n);
    dt->unit[n] = 0;
    dt->unit_num = num;
    return PK_OK;
}

pk_code pk_np_dtype_setstate(pk_arena *ar, pk_value *dtype, pk_value *state, pk_err *err) {
    if (!dtype || dtype->kind != PK_DTYPE) return np_fail(err, PK_ENUMPY, "BUILD of a non-dtype");
    pk_dtype *dt = dtype->u.dt;
    if (dt->state) return np_fail(err, PK_ENUMPY, "dtype state set twice");
    if (!state || state->kind != PK_TUPLE)
        return np_fail(err, PK_ENUMPY, "dtype state is not a tuple");
    pk_value *const *it = state->u.seq.items;
    size_t n = state->u.seq.len;
    const pk_value *endian, *sub, *names = NULL, *fields = NULL, *md = NULL;
    int64_t version, elsize, alignment, flags = 0;
    switch (n) {
    case 9:
        md = it[8]; /* fall through */
    case 8:
        if (!int_of(it[7], &flags))
            return np_fail(err, PK_ENUMPY, "dtype state flags is not an int");
        /* fall through */
    case 7:
        names = it[3];
        fields = it[4];
        if (!int_of(it[5], &elsize) || !int_of(it[6], &alignment))
            return np_fail(err, PK_ENUMPY, "dtype state sizes are not ints");
        break;
    case 6:
        fields = it[3];
        if (!int_of(it[4], &elsize) || !int_of(it[5], &alignment))
            return np_fail(err, PK_ENUMPY, "dtype state sizes are not ints");
        break;
    case 5:
        if (!int_of(it[3], &elsize) || !int_of(it[4], &alignment))
            return np_fail(err, PK_ENUMPY, "dtype state sizes are not ints");
        break;
    default:
        return np_fail(err, PK_ENUMPY, "dtype state has %zu items, expected 5 to 9", n);
    }
    if (!int_of(it[0], &version) || version < 0 || version > 4)
        return np_fail(err, PK_ENUMPY, "unsupported numpy.dtype pickle version");
    endian = it[1];
    sub = it[2];
    if (n == 6 && (version == 0 || version == 1) && fields && fields->kind == PK_DICT) {
        pk_value key = {0};
        key.kind = PK_INT;
        key.u.i = -1;
        names = pk_dict_get(fields, &key);
    }
    const char *e;
    size_t en;
    if (!text_of(endian, &e, &en) || en != 1 || !strchr("<>|=", e[0]))
        return np_fail(err, PK_ENUMPY, "bad byte order in dtype state");
    if (dt->kind == 'U' || dt->kind == 'S' || dt->kind == 'V') {
        if (elsize < 0 || (dt->kind == 'U' && elsize % 4 != 0))
            return np_fail(err, PK_ENUMPY, "bad item size %" PRId64 " in dtype state", elsize);
        dt->itemsize = (size_t)elsize;
        dt->alignment = alignment;
    }
    dt->byteorder = e[0] == '=' ? host_order() : e[0];
    if (dt->byteorder == '|' && dt->itemsize > 1 && strchr("iufcMmU", dt->kind))
        dt->byteorder = host_order();
    dt->flags = (int32_t)flags;
    if (parse_subarray(ar, dtype, sub, err) != PK_OK) return err->code;
    if (parse_fields(ar, dtype, names, fields, err) != PK_OK) return err->code;
    if (parse_metadata(dt, md, err) != PK_OK) return err->code;
    if (dt->kind == 'V' && dt->nfields && dt->sub_base)
        return np_fail(err, PK_ENUMPY, "dtype has both fields and a subarray");
    dt->state = state;
    return PK_OK;
}

const char *pk_dtype_scalar_name(const pk_dtype *dt) {
    static const char *const ints[] = {"int8", "int16", "int32", "int64"};
    static const char *const uints[] = {"uint8", "uint16", "uint32", "uint64"};
    int lg = dt->itemsize == 1 ? 0 : dt->itemsize == 2 ? 1 : dt->itemsize == 4 ? 2 : 3;
    switch (dt->kind) {
    case 'b':
        return "bool_";
    case 'i':
        return ints[lg];
    case 'u':
        return uints[lg];
    case 'f':
        switch (dt->itemsize) {
        case 2:
            return "float16";
        case 4:
            return "float32";
        case 8:
            return "float64";
        case 12:
            return "float96";
        default:
            return "float128";
        }
    case 'c':
        switch (dt->itemsize) {
        case 8:
            return "complex64";
        case 16:
            return "complex128";
        case 24:
            return "complex192";
        default:
            return "complex256";
        }
    case 'S':
        return "bytes_";
    case 'U':
        return "str_";
    case 'V':
        if (dt->type_global && dt->type_global->kind == PK_GLOBAL &&
            strcmp(dt->type_global->u.g.name, "record") == 0)
            return "record";
        return "void";
    case 'O':
        return "object_";
    case 'M':
        return "datetime64";
    case 'm':
        return "timedelta64";
    default:
        return "generic";
    }
}

/* ---- element access -------------------------------------------------------------------------- */

uint64_t pk_np_load_uint(const uint8_t *p, size_t n, int big) {
    uint64_t u = 0;
    for (size_t k = 0; k < n; k++)
        u |= (uint64_t)p[big ? n - 1 - k : k] << (8 * k);
    return u;
}

int64_t pk_np_load_int(const uint8_t *p, size_t n, int big) {
    uint64_t u = pk_np_load_uint(p, n, big);
    if (n < 8 && ((u >> (8 * n - 1)) & 1)) u |= ~(uint64_t)0 << (8 * n);
    int64_t i;
    memcpy(&i, &u, sizeof i);
    return i;
}

static double half_to_double(uint16_t h) {
    int sign = h >> 15, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
    double v;
    if (exp == 0x1f)
        v = frac ? NAN : INFINITY;
    else if (exp == 0)
        v = ldexp((double)frac, -24);
    else
        v = ldexp((double)(frac | 0x400), exp - 25);
    if (exp == 0x1f && frac) {
        /* keep the payload bits as numpy's float16 -> float64 cast does */
        uint64_t bits = ((uint64_t)sign << 63) | ((uint64_t)0x7ff << 52) | ((uint64_t)frac << 42);
        memcpy(&v, &bits, sizeof v);
        return v;
    }
    return sign ? -v : v;
}

pk_code pk_np_load_float(const uint8_t *p, size_t n, int big, double *out) {
    if (n == 2) {
        *out = half_to_double((uint16_t)pk_np_load_uint(p, 2, big));
    } else if (n == 4) {
        uint32_t u = (uint32_t)pk_np_load_uint(p, 4, big);
        float f;
        memcpy(&f, &u, sizeof f);
        *out = (double)f;
    } else if (n == 8) {
        uint64_t u = pk_np_load_uint(p, 8, big);
        memcpy(out, &u, sizeof *out);
    } else if (n == sizeof(long double) && LDBL_MANT_DIG == 64 && (n == 16 || n == 12)) {
        /* numpy's longdouble on x86: the host's 80-bit extended type, rounded to double as
         * Python's float(numpy.longdouble(x)) does */
        uint8_t tmp[sizeof(long double)];
        for (size_t k = 0; k < n; k++)
            tmp[k] = p[big ? n - 1 - k : k];
        long double ld;
        memcpy(&ld, tmp, sizeof ld);
        *out = (double)ld;
    } else {
        return PK_ETYPE;
    }
    return PK_OK;
}

static pk_code elem_f64(const pk_dtype *dt, const uint8_t *p, double *out) {
    int big = dt->byteorder == '>';
    switch (dt->kind) {
    case 'b':
        *out = p[0] != 0;
        return PK_OK;
    case 'i':
    case 'M':
    case 'm':
        *out = (double)pk_np_load_int(p, dt->itemsize, big);
        return PK_OK;
    case 'u':
        *out = (double)pk_np_load_uint(p, dt->itemsize, big);
        return PK_OK;
    case 'f':
        return pk_np_load_float(p, dt->itemsize, big, out);
    case 'c':
        return pk_np_load_float(p, dt->itemsize / 2, big, out);
    default:
        return PK_ETYPE;
    }
}

size_t pk_ndarray_size(const pk_ndarray *a) {
    size_t n = 1;
    for (int k = 0; k < a->ndim; k++) {
        if (a->shape[k] == 0) return 0;
        if (pk_mul_overflow(n, (size_t)a->shape[k], &n)) return SIZE_MAX;
    }
    return n;
}

/* Byte offset (or object index) of C-order element `flat`. */
static int64_t flat_offset(const pk_ndarray *a, size_t flat) {
    int64_t off = 0;
    for (int k = a->ndim - 1; k >= 0; k--) {
        size_t dim = (size_t)a->shape[k];
        off += (int64_t)(flat % dim) * a->strides[k];
        flat /= dim;
    }
    return off;
}

pk_code pk_ndarray_get_f64(const pk_ndarray *a, size_t flat, double *out) {
    if (!a->complete || !a->dtype || flat >= pk_ndarray_size(a)) return PK_ETYPE;
    const pk_dtype *dt = a->dtype->u.dt;
    int64_t off = flat_offset(a, flat);
    if (dt->kind == 'O') {
        const pk_value *o = a->objects[a->obj_base + (size_t)off];
        return o ? pk_as_f64(o, out) : PK_ETYPE;
    }
    return elem_f64(dt, a->data + off, out);
}

pk_code pk_ndarray_to_f64(const pk_ndarray *a, double *out, size_t n) {
    if (!a->complete || !a->dtype || n != pk_ndarray_size(a)) return PK_ETYPE;
    const pk_dtype *dt = a->dtype->u.dt;
    if (dt->kind == 'f' && dt->itemsize == 8 && dt->byteorder == host_order() && a->data) {
        /* fast path: contiguous C-order native doubles */
        int64_t expect = 8;
        int contiguous = 1;
        for (int k = a->ndim - 1; k >= 0; k--) {
            if (a->shape[k] != 1 && a->strides[k] != expect) contiguous = 0;
            expect *= a->shape[k];
        }
        if (contiguous) {
            if (n) memcpy(out, a->data, n * sizeof *out);
            return PK_OK;
        }
    }
    int64_t idx[PK_MAX_DIMS] = {0};
    int64_t off = 0;
    for (size_t f = 0; f < n; f++) {
        pk_code c;
        if (dt->kind == 'O') {
            const pk_value *o = a->objects[a->obj_base + (size_t)off];
            c = o ? pk_as_f64(o, &out[f]) : PK_ETYPE;
        } else {
            c = elem_f64(dt, a->data + off, &out[f]);
        }
        if (c != PK_OK) return c;
        for (int k = a->ndim - 1; k >= 0; k--) {
            off += a->strides[k];
            if (++idx[k] < a->shape[k]) break;
            off -= a->strides[k] * a->shape[k];
            idx[k] = 0;
        }
    }
    return PK_OK;
}

pk_code pk_npscalar_f64(const pk_value *sc, double *out) {
    if (!sc || sc->kind != PK_NPSCALAR) return PK_ETYPE;
    if (sc->u.sc.object) return pk_as_f64(sc->u.sc.object, out);
    if (!sc->u.sc.dtype || !sc->u.sc.data) return PK_ETYPE;
    return elem_f64(sc->u.sc.dtype->u.dt, sc->u.sc.data, out);
}

/* ---- arrays ---------------------------------------------------------------------------------- */

/* Reads a shape (tuple/list of ints, or one int) into a. */
static pk_code parse_shape(pk_ndarray *a, const pk_value *shape, pk_err *err) {
    int64_t one;
    if (int_of(shape, &one)) {
        a->ndim = 1;
        a->shape[0] = one;
    } else if (is_list_or_tuple(shape)) {
        if (shape->u.seq.len > PK_MAX_DIMS)
            return np_fail(err, PK_ENUMPY, "array has %zu dimensions, at most %d are supported",
                           shape->u.seq.len, PK_MAX_DIMS);
        a->ndim = (int)shape->u.seq.len;
        for (int k = 0; k < a->ndim; k++)
            if (!int_of(shape->u.seq.items[k], &a->shape[k]))
                return np_fail(err, PK_ENUMPY, "array shape holds a non-integer");
    } else {
        return np_fail(err, PK_ENUMPY, "array shape is not a tuple");
    }
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] < 0) return np_fail(err, PK_ENUMPY, "negative dimension in array shape");
    return PK_OK;
}

/* Checks the size like numpy (product of dimensions times itemsize, overflow = too big) and fills
 * C or Fortran strides of `unit` bytes per element. Sets a->nbytes. */
static pk_code layout(pk_ndarray *a, size_t unit, size_t itemsize, int fortran, pk_err *err) {
    size_t nbytes = 1;
    for (int k = 0; k < a->ndim; k++)
        if (pk_mul_overflow(nbytes, (size_t)a->shape[k], &nbytes))
            return np_fail(err, PK_ENUMPY, "array is too big");
    if (pk_mul_overflow(nbytes, itemsize, &nbytes) || nbytes > (size_t)INT64_MAX)
        return np_fail(err, PK_ENUMPY, "array is too big");
    if (pk_ndarray_size(a) == 0) nbytes = 0;
    a->nbytes = nbytes;
    size_t s = unit;
    int overflow = 0;
    for (int j = 0; j < a->ndim; j++) {
        int k = fortran ? j : a->ndim - 1 - j;
        a->strides[k] = overflow ? 0 : (int64_t)s;
        size_t dim = a->shape[k] ? (size_t)a->shape[k] : 1;
        if (pk_mul_overflow(s, dim, &s) || s > (size_t)INT64_MAX) overflow = 1;
    }
    return PK_OK;
}

static pk_value *new_array(pk_arena *ar, pk_err *err) {
    pk_value *v = pk_new(ar, PK_NDARRAY);
    pk_ndarray *a = pk_arena_alloc(ar, sizeof *a);
    if (a) memset(a, 0, offsetof(pk_ndarray, shape)); /* shape, strides: see pk_ndarray.h */
    if (!v || !a) {
        pk_err_nomem(err, -1);
        return NULL;
    }
    v->u.arr = a;
    return v;
}

static const pk_dtype *array_dtype(const pk_value *d, pk_err *err) {
    if (!d || d->kind != PK_DTYPE) {
        np_fail(err, PK_ENUMPY, "array dtype is not a numpy.dtype");
        return NULL;
    }
    const pk_dtype *dt = d->u.dt;
    if (dt->kind != 'O' && pk_dtype_has_object(dt)) {
        np_fail(err, PK_EUNSUPPORTED, "structured dtype with object fields");
        return NULL;
    }
    return dt;
}

pk_value *pk_np_reconstruct(pk_arena *ar, pk_value *args, pk_value **placeholder, pk_err *err) {
    if (!args || args->kind != PK_TUPLE || args->u.seq.len < 1) {
        np_fail(err, PK_ENUMPY, "_reconstruct expects (subtype, shape, dtype)");
        return NULL;
    }
    pk_value *v = new_array(ar, err), *dv = placeholder ? *placeholder : NULL;
    if (!v) return NULL;
    pk_ndarray *a = v->u.arr;
    if (!dv) {
        /* numpy creates an empty int8 array of shape (0,) until BUILD gives the real state;
         * its dtype is never changed (BUILD replaces it), so one serves every array */
        pk_dtype *dt = new_dtype(ar, &dv);
        if (!dt) {
            pk_err_nomem(err, -1);
            return NULL;
        }
        dt->kind = 'i';
        dt->itemsize = 1;
        dt->byteorder = '|';
        if (placeholder) *placeholder = dv;
    }
    a->dtype = dv;
    a->ndim = 1;
    a->shape[0] = 0;
    a->strides[0] = 0;
    a->data = (const uint8_t *)"";
    a->subclass = args->u.seq.items[0];
    a->reduce_args = args;
    a->form = PK_ARR_RECONSTRUCT;
    return v;
}

/* Object array elements: a list in logical C order (numpy's _setlist_pkl). */
static pk_code set_objects(pk_arena *ar, pk_ndarray *a, const pk_value *raw, pk_err *err) {
    if (!raw || raw->kind != PK_LIST)
        return np_fail(err, PK_ENUMPY, "object array data is not a list");
    size_t n = pk_ndarray_size(a);
    if (raw->u.seq.len != n)
        return np_fail(err, PK_ENUMPY, "object array list has %zu items, shape needs %zu",
                       raw->u.seq.len, n);
    a->objects = pk_arena_alloc(ar, (n ? n : 1) * sizeof *a->objects);
    if (!a->objects) return pk_err_nomem(err, -1);
    if (n) memcpy(a->objects, raw->u.seq.items, n * sizeof *a->objects);
    a->nobjects = n;
    a->data = NULL;
    a->nbytes = 0;
    return PK_OK;
}

pk_code pk_np_array_setstate(pk_arena *ar, pk_value *arr, pk_value *state, pk_err *err) {
    if (!arr || arr->kind != PK_NDARRAY) return np_fail(err, PK_ENUMPY, "BUILD of a non-array");
    pk_ndarray *a = arr->u.arr;
    if (!state || state->kind != PK_TUPLE || (state->u.seq.len != 5 && state->u.seq.len != 4))
        return np_fail(err, PK_ENUMPY, "array state is not a 4- or 5-tuple");
    pk_value *const *it = state->u.seq.items;
    if (state->u.seq.len == 5) {
        int64_t version;
        if (!int_of(it[0], &version) || (version != 0 && version != 1))
            return np_fail(err, PK_ENUMPY, "can't handle this version of numpy.ndarray pickle");
        it++;
    }
    int64_t is_f;
    if (!is_list_or_tuple(it[0]) || it[0]->kind != PK_TUPLE)
        return np_fail(err, PK_ENUMPY, "array shape is not a tuple");
    if (!int_of(it[2], &is_f)) return np_fail(err, PK_ENUMPY, "array Fortran flag is not a bool");
    const pk_dtype *dt = array_dtype(it[1], err);
    if (!dt) return err->code;
    /* built in tmp, so a failure leaves *a as it was; only the fields above shape and the ndim
     * entries of shape and strides are copied (the rest are never read: pk_ndarray.h) */
    pk_ndarray tmp;
    memcpy(&tmp, a, offsetof(pk_ndarray, shape));
    tmp.ndim = 0;
    if (parse_shape(&tmp, it[0], err) != PK_OK) return err->code;
    tmp.dtype = it[1];
    tmp.fortran = is_f != 0;
    if (dt->kind == 'O') {
        if (layout(&tmp, 1, dt->itemsize, 0, err) != PK_OK) return err->code;
        if (set_objects(ar, &tmp, it[3], err) != PK_OK) return err->code;
    } else {
        const uint8_t *raw;
        size_t len;
        if (layout(&tmp, dt->itemsize, dt->itemsize, tmp.fortran, err) != PK_OK) return err->code;
        if (raw_bytes(ar, it[3], &raw, &len, err) != PK_OK) return err->code;
        if (len != tmp.nbytes)
            return np_fail(err, PK_ENUMPY,
                           "array data has %zu bytes, shape and dtype need %zu (buffer size does "
                           "not match array size)",
                           len, tmp.nbytes);
        tmp.data = raw;
    }
    tmp.state = state;
    tmp.complete = 1;
    memcpy(a, &tmp, offsetof(pk_ndarray, shape));
    memcpy(a->shape, tmp.shape, (size_t)tmp.ndim * sizeof *a->shape);
    memcpy(a->strides, tmp.strides, (size_t)tmp.ndim * sizeof *a->strides);
    return PK_OK;
}

pk_value *pk_np_frombuffer(pk_arena *ar, pk_value *args, pk_err *err) {
    if (!args || args->kind != PK_TUPLE || args->u.seq.len < 4 || args->u.seq.len > 5) {
        np_fail(err, PK_ENUMPY, "_frombuffer expects (buffer, dtype, shape, order[, axis_order])");
        return NULL;
    }
    pk_value *const *it = args->u.seq.items;
    const pk_value *buf = it[0];
    if (!buf || (buf->kind != PK_BYTES && buf->kind != PK_BYTEARRAY)) {
        np_fail(err, PK_ENUMPY, "_frombuffer buffer is not bytes");
        return NULL;
    }
    const pk_dtype *dt = array_dtype(it[1], err);
    if (!dt) return NULL;
    if (dt->kind == 'O' || dt->itemsize == 0) {
        np_fail(err, PK_ENUMPY, "_frombuffer cannot hold dtype %s", pk_dtype_scalar_name(dt));
        return NULL;
    }
    const pk_value *axes = args->u.seq.len == 5 && it[4]->kind != PK_NONE ? it[4] : NULL;
    int fortran = 0;
    if (text_is(it[3], "F"))
        fortran = 1;
    else if (text_is(it[3], "K")) {
        if (!axes) {
            np_fail(err, PK_ENUMPY, "_frombuffer order 'K' needs an axis order");
            return NULL;
        }
    } else if (!text_is(it[3], "C") && !text_is(it[3], "A")) {
        np_fail(err, PK_ENUMPY, "_frombuffer order must be 'C', 'F', 'A' or 'K'");
        return NULL;
    }
    if (axes && !text_is(it[3], "K")) axes = NULL; /* numpy ignores it for other orders */
    pk_value *v = new_array(ar, err);
    if (!v) return NULL;
    pk_ndarray *a = v->u.arr;
    if (parse_shape(a, it[2], err) != PK_OK) return NULL;
    if (layout(a, dt->itemsize, dt->itemsize, fortran, err) != PK_OK) return NULL;
    if (buf->u.s.len != a->nbytes) {
        np_fail(err, PK_ENUMPY, "_frombuffer buffer has %zu bytes, shape and dtype need %zu",
                buf->u.s.len, a->nbytes);
        return NULL;
    }
    if (axes) {
        if (!is_list_or_tuple(axes) || axes->u.seq.len != (size_t)a->ndim) {
            np_fail(err, PK_ENUMPY, "_frombuffer axis order does not match the shape");
            return NULL;
        }
        int64_t shp[PK_MAX_DIMS] = {0}, str[PK_MAX_DIMS] = {0};
        int seen[PK_MAX_DIMS] = {0};
        for (int k = 0; k < a->ndim; k++) {
            int64_t ax;
            if (!int_of(axes->u.seq.items[k], &ax) || ax < -a->ndim || ax >= a->ndim) {
                np_fail(err, PK_ENUMPY, "_frombuffer axis order holds a bad axis");
                return NULL;
            }
            if (ax < 0) ax += a->ndim;
            if (seen[ax]++) {
                np_fail(err, PK_ENUMPY, "_frombuffer axis order repeats an axis");
                return NULL;
            }
            shp[k] = a->shape[ax];
            str[k] = a->strides[ax];
        }
        memcpy(a->shape, shp, sizeof(int64_t) * (size_t)a->ndim);
        memcpy(a->strides, str, sizeof(int64_t) * (size_t)a->ndim);
    }
    a->dtype = it[1];
    a->data = (const uint8_t *)buf->u.s.ptr;
    a->fortran = fortran;
    a->complete = 1;
    a->form = PK_ARR_FROMBUFFER;
    a->reduce_args = args;
    return v;
}

pk_value *pk_np_array_from_data(pk_arena *ar, pk_value *dtype, int ndim, const int64_t *shape,
                                int fortran, const uint8_t *data, size_t nbytes, pk_err *err) {
    const pk_dtype *dt = array_dtype(dtype, err);
    if (!dt) return NULL;
    if (dt->kind == 'O') {
        np_fail(err, PK_ENUMPY, "object arrays cannot be built from raw data");
        return NULL;
    }
    if (ndim < 0 || ndim > PK_MAX_DIMS) {
        np_fail(err, PK_ENUMPY, "array has %d dimensions, at most %d are supported", ndim,
                PK_MAX_DIMS);
        return NULL;
    }
    pk_value *v = new_array(ar, err);
    if (!v) return NULL;
    pk_ndarray *a = v->u.arr;
    a->ndim = ndim;
    for (int k = 0; k < ndim; k++) {
        if (shape[k] < 0) {
            np_fail(err, PK_ENUMPY, "negative dimension in array shape");
            return NULL;
        }
        a->shape[k] = shape[k];
    }
    if (layout(a, dt->itemsize, dt->itemsize, fortran, err) != PK_OK) return NULL;
    if (nbytes != a->nbytes) {
        np_fail(err, PK_ENUMPY, "array data has %zu bytes, shape and dtype need %zu", nbytes,
                a->nbytes);
        return NULL;
    }
    a->dtype = dtype;
    a->data = data;
    a->fortran = fortran != 0;
    a->complete = 1;
    a->form = PK_ARR_JOBLIB;
    return v;
}

pk_value *pk_np_scalar(pk_arena *ar, pk_value *args, pk_err *err) {
    if (!args || args->kind != PK_TUPLE || args->u.seq.len < 1 || args->u.seq.len > 2) {
        np_fail(err, PK_ENUMPY, "numpy scalar expects (dtype[, data])");
        return NULL;
    }
    pk_value *d = args->u.seq.items[0];
    if (!d || d->kind != PK_DTYPE) {
        np_fail(err, PK_ENUMPY, "numpy scalar dtype is not a numpy.dtype");
        return NULL;
    }
    const pk_dtype *dt = d->u.dt;
    pk_value *v = pk_new(ar, PK_NPSCALAR);
    if (!v) {
        pk_err_nomem(err, -1);
        return NULL;
    }
    v->u.sc.dtype = d;
    v->u.sc.object = NULL;
    pk_value *obj = args->u.seq.len == 2 ? args->u.seq.items[1] : NULL;
    if (dt->kind == 'O') {
        v->u.sc.object = obj ? obj : pk_new_none(ar);
        if (!v->u.sc.object) {
            pk_err_nomem(err, -1);
            return NULL;
        }
        v->u.sc.data = NULL;
        return v;
    }
    if (pk_dtype_has_object(dt)) {
        np_fail(err, PK_EUNSUPPORTED, "numpy scalar of a structured dtype with object fields");
        return NULL;
    }
    if (!obj) {
        uint8_t *z = pk_arena_calloc(ar, dt->itemsize ? dt->itemsize : 1, 1);
        if (!z) {
            pk_err_nomem(err, -1);
            return NULL;
        }
        v->u.sc.data = z;
        return v;
    }
    const uint8_t *raw;
    size_t len;
    if (raw_bytes(ar, obj, &raw, &len, err) != PK_OK) return NULL;
    if (len < dt->itemsize) {
        np_fail(err, PK_ENUMPY, "numpy scalar data has %zu bytes, dtype %s needs %zu", len,
                pk_dtype_scalar_name(dt), dt->itemsize);
        return NULL;
    }
    v->u.sc.data = raw;
    return v;
}

pk_code pk_ndarray_index(pk_arena *ar, const pk_value *arr, int64_t i, pk_value **out,
                         pk_err *err) {
    if (!arr || arr->kind != PK_NDARRAY) return np_fail(err, PK_ETYPE, "not an array");
    const pk_ndarray *a = arr->u.arr;
    if (a->ndim == 0) return np_fail(err, PK_ETYPE, "a 0-d array cannot be indexed");
    int64_t n = a->shape[0];
    if (i < 0) i += n;
    if (i < 0 || i >= n)
        return np_fail(err, PK_ENOTFOUND,
                       "index %" PRId64 " is out of bounds for axis 0 with size %" PRId64,
                       i < 0 ? i - n : i, n);
    const pk_dtype *dt = a->dtype->u.dt;
    int64_t off = i * a->strides[0];
    if (a->ndim > 1) {
        pk_value *v = new_array(ar, err);
        if (!v) return err->code;
        pk_ndarray *b = v->u.arr;
        b->dtype = a->dtype;
        b->ndim = a->ndim - 1;
        memcpy(b->shape, a->shape + 1, sizeof(int64_t) * (size_t)b->ndim);
        memcpy(b->strides, a->strides + 1, sizeof(int64_t) * (size_t)b->ndim);
        if (dt->kind == 'O') {
            b->objects = a->objects;
            b->nobjects = a->nobjects;
            b->obj_base = a->obj_base + (size_t)off;
        } else {
            b->data = a->data + off;
            b->nbytes = pk_ndarray_size(b) * dt->itemsize;
        }
        b->fortran = a->fortran;
        b->complete = 1;
        b->form = PK_ARR_VIEW;
        b->subclass = a->subclass;
        *out = v;
        return PK_OK;
    }
    if (dt->kind == 'O') {
        *out = a->objects[a->obj_base + (size_t)off];
        return PK_OK;
    }
    pk_value *v = pk_new(ar, PK_NPSCALAR);
    if (!v) return pk_err_nomem(err, -1);
    v->u.sc.dtype = a->dtype;
    v->u.sc.data = a->data + off;
    v->u.sc.object = NULL;
    *out = v;
    return PK_OK;
}
