/*
 * pk_ubjson.c - UBJSON -> pk_value graph (see pk_ubjson.h for the mapping and limits).
 *
 * A recursive-descent reader over a bounds-checked cursor. Containers with a count are
 * allocated at their final size only after the count is checked against the bytes that remain
 * (each element takes at least one byte, or its fixed width in a typed container).
 */
#include "pk_ubjson.h"

#include <string.h>

typedef struct ur {
    pk_arena *ar;
    const uint8_t *s;
    size_t n, pos;
    uint32_t max_depth;
    pk_err *err;
} ur;

static pk_code fail(ur *r, const char *what) {
    return pk_err_set(r->err, PK_EVALUE, (int64_t)r->pos, -1, "bad UBJSON at offset %zu: %s",
                      r->pos, what);
}

static pk_code failc(ur *r, const char *what, uint8_t c) {
    if (c >= 0x20 && c < 0x7f)
        return pk_err_set(r->err, PK_EVALUE, (int64_t)r->pos, -1,
                          "bad UBJSON at offset %zu: %s '%c'", r->pos, what, c);
    return pk_err_set(r->err, PK_EVALUE, (int64_t)r->pos, -1, "bad UBJSON at offset %zu: %s 0x%02x",
                      r->pos, what, c);
}

static pk_code nomem(ur *r) {
    return pk_err_nomem(r->err, (int64_t)r->pos);
}

/* Payload width of a scalar type marker with a fixed size, 0 for others. */
static size_t fixed_width(uint8_t t) {
    switch (t) {
    case 'i':
    case 'U':
    case 'C':
        return 1;
    case 'I':
        return 2;
    case 'l':
    case 'd':
        return 4;
    case 'L':
    case 'D':
        return 8;
    default:
        return 0;
    }
}

static uint64_t be(const uint8_t *p, size_t w) {
    uint64_t v = 0;
    for (size_t i = 0; i < w; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Reads an integer payload of type t (already consumed) into *out. */
static pk_code read_int(ur *r, uint8_t t, int64_t *out) {
    size_t w = fixed_width(t);
    if (w == 0 || t == 'd' || t == 'D' || t == 'C')
        return failc(r, "expected an integer marker, got", t);
    if (r->n - r->pos < w) return fail(r, "truncated integer");
    uint64_t u = be(r->s + r->pos, w);
    r->pos += w;
    switch (t) {
    case 'i':
        *out = (int8_t)(uint8_t)u;
        break;
    case 'U':
        *out = (int64_t)u;
        break;
    case 'I':
        *out = (int16_t)(uint16_t)u;
        break;
    case 'l':
        *out = (int32_t)(uint32_t)u;
        break;
    default:
        *out = (int64_t)u;
        break;
    }
    return PK_OK;
}

/* A length or count: an integer value (marker + payload), non-negative, at most `room`. */
static pk_code read_count(ur *r, size_t unit, size_t *out) {
    if (r->pos >= r->n) return fail(r, "truncated length");
    uint8_t t = r->s[r->pos++];
    int64_t v;
    PK_TRY(read_int(r, t, &v));
    if (v < 0) return fail(r, "negative length");
    size_t room = (r->n - r->pos) / (unit ? unit : 1);
    if ((uint64_t)v > room) return fail(r, "length larger than the input");
    *out = (size_t)v;
    return PK_OK;
}

static pk_code read_str(ur *r, pk_value **out) {
    size_t len;
    PK_TRY(read_count(r, 1, &len));
    *out = pk_new_str(r->ar, (const char *)r->s + r->pos, len);
    if (!*out) return nomem(r);
    r->pos += len;
    return PK_OK;
}

static pk_code read_value(ur *r, uint8_t t, uint32_t depth, pk_value **out);

/* A scalar or container whose type marker t has been consumed. */
static pk_code read_scalar(ur *r, uint8_t t, pk_value **out) {
    size_t w = fixed_width(t);
    if (w && r->n - r->pos < w) return fail(r, "truncated value");
    switch (t) {
    case 'Z':
        *out = pk_new_none(r->ar);
        break;
    case 'T':
        *out = pk_new_bool(r->ar, 1);
        break;
    case 'F':
        *out = pk_new_bool(r->ar, 0);
        break;
    case 'i':
    case 'U':
    case 'I':
    case 'l':
    case 'L': {
        int64_t v;
        PK_TRY(read_int(r, t, &v));
        *out = pk_new_int(r->ar, v);
        break;
    }
    case 'd': {
        uint32_t u = (uint32_t)be(r->s + r->pos, 4);
        float f;
        memcpy(&f, &u, 4);
        r->pos += 4;
        *out = pk_new_float(r->ar, (double)f);
        break;
    }
    case 'D': {
        uint64_t u = be(r->s + r->pos, 8);
        double d;
        memcpy(&d, &u, 8);
        r->pos += 8;
        *out = pk_new_float(r->ar, d);
        break;
    }
    case 'C':
        *out = pk_new_str(r->ar, (const char *)r->s + r->pos, 1);
        r->pos += 1;
        break;
    case 'S':
    case 'H':
        return read_str(r, out);
    default:
        r->pos--;
        return failc(r, "unknown type marker", t);
    }
    return *out ? PK_OK : nomem(r);
}

/* Container header after '[' or '{': optional "$<type>" then optional "#<count>". */
static pk_code read_header(ur *r, uint8_t *type, int *counted, size_t *count, size_t per_item) {
    *type = 0;
    *counted = 0;
    *count = 0;
    if (r->pos < r->n && r->s[r->pos] == '$') {
        r->pos++;
        if (r->pos >= r->n) return fail(r, "truncated container type");
        *type = r->s[r->pos++];
        if (!fixed_width(*type) && *type != 'S' && *type != 'H') {
            r->pos--;
            return failc(r, "unsupported typed-container element", *type);
        }
        if (r->pos >= r->n || r->s[r->pos] != '#')
            return fail(r, "typed container without a count");
    }
    if (r->pos < r->n && r->s[r->pos] == '#') {
        r->pos++;
        size_t w = *type ? fixed_width(*type) : 0;
        if (!w) w = 1;
        PK_TRY(read_count(r, w + per_item, count));
        *counted = 1;
    }
    return PK_OK;
}

static pk_code read_array(ur *r, uint32_t depth, pk_value **out) {
    uint8_t type;
    int counted;
    size_t count;
    PK_TRY(read_header(r, &type, &counted, &count, 0));
    pk_value *list = pk_new_seq(r->ar, PK_LIST, counted ? count : 0);
    if (!list) return nomem(r);
    for (size_t i = 0;; i++) {
        if (counted && i == count) break;
        if (r->pos >= r->n) return fail(r, "unterminated array");
        uint8_t t;
        if (type) {
            t = type;
        } else {
            t = r->s[r->pos++];
            if (!counted && t == ']') break;
            if (t == 'N') {
                i--;
                continue;
            }
        }
        pk_value *item;
        PK_TRY(read_value(r, t, depth + 1, &item));
        PK_TRY(pk_seq_append(r->ar, list, item, r->err));
    }
    *out = list;
    return PK_OK;
}

static pk_code read_object(ur *r, uint32_t depth, pk_value **out) {
    uint8_t type;
    int counted;
    size_t count;
    /* a key takes at least a length marker and one length byte */
    PK_TRY(read_header(r, &type, &counted, &count, 2));
    pk_value *dict = pk_new_dict(r->ar, counted ? count : 0);
    if (!dict) return nomem(r);
    for (size_t i = 0;; i++) {
        if (counted && i == count) break;
        if (r->pos >= r->n) return fail(r, "unterminated object");
        if (!counted && r->s[r->pos] == '}') {
            r->pos++;
            break;
        }
        if (!counted && r->s[r->pos] == 'N') {
            r->pos++;
            i--;
            continue;
        }
        pk_value *key, *val;
        PK_TRY(read_str(r, &key));
        if (r->pos >= r->n) return fail(r, "truncated object value");
        uint8_t t = type ? type : r->s[r->pos++];
        PK_TRY(read_value(r, t, depth + 1, &val));
        PK_TRY(pk_dict_set(r->ar, dict, key, val, r->err));
    }
    *out = dict;
    return PK_OK;
}

static pk_code read_value(ur *r, uint8_t t, uint32_t depth, pk_value **out) {
    if (t == '[' || t == '{') {
        if (depth >= r->max_depth) return fail(r, "nesting too deep");
        return t == '[' ? read_array(r, depth, out) : read_object(r, depth, out);
    }
    return read_scalar(r, t, out);
}

pk_code pk_ubjson_read(pk_arena *ar, const uint8_t *buf, size_t n, uint32_t max_depth,
                       pk_value **out, pk_err *err) {
    ur r = {ar, buf, n, 0, max_depth ? max_depth : 1, err};
    *out = NULL;
    while (r.pos < r.n && r.s[r.pos] == 'N')
        r.pos++;
    if (r.pos >= r.n) return fail(&r, "empty input");
    uint8_t t = r.s[r.pos++];
    PK_TRY(read_value(&r, t, 0, out));
    if (r.pos != r.n) return fail(&r, "trailing bytes after the value");
    return PK_OK;
}
