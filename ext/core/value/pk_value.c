/*
 * pk_value.c - constructors, dict/set semantics and inspection of the object graph (pk_value.h).
 *
 * Dicts and sets: insertion-ordered arrays plus, once they hold more than 8 entries, an
 * open-addressing index (positions + 1, load <= 1/2) keyed by pk_hash, so building a container
 * of n items costs O(n), not O(n^2). Equality follows Python for the hashable kinds the decoder
 * produces: numbers across bool/int/float (and numpy numeric scalars), str, bytes, tuples,
 * frozensets, globals; other objects compare by identity (their __eq__ cannot be known without
 * running code).
 */
#include "pk_value.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PK_LINEAR_MAX 8
#define PK_HASH_DEPTH 64

pk_value *pk_new(pk_arena *ar, pk_kind kind) {
    pk_value *v = pk_arena_alloc(ar, sizeof *v);
    if (v) {
        memset(v, 0, sizeof *v); /* a constant size: inline stores, not a call */
        v->kind = kind;
    }
    return v;
}

pk_value *pk_new_none(pk_arena *ar) {
    return pk_new(ar, PK_NONE);
}

pk_value *pk_new_bool(pk_arena *ar, int b) {
    pk_value *v = pk_new(ar, PK_BOOL);
    if (v) v->u.b = b ? 1 : 0;
    return v;
}

pk_value *pk_new_int(pk_arena *ar, int64_t i) {
    pk_value *v = pk_new(ar, PK_INT);
    if (v) v->u.i = i;
    return v;
}

pk_value *pk_new_float(pk_arena *ar, double f) {
    pk_value *v = pk_new(ar, PK_FLOAT);
    if (v) v->u.f = f;
    return v;
}

pk_value *pk_new_str(pk_arena *ar, const char *s, size_t n) {
    pk_value *v = pk_new(ar, PK_STR);
    if (!v) return NULL;
    char *d = pk_arena_strndup(ar, s, n);
    if (!d) return NULL;
    v->u.s.ptr = d;
    v->u.s.len = n;
    return v;
}

pk_value *pk_new_bytes(pk_arena *ar, pk_kind kind, const uint8_t *data, size_t n, int borrow) {
    pk_value *v = pk_new(ar, kind);
    if (!v) return NULL;
    if (borrow) {
        v->u.s.ptr = (const char *)data;
    } else {
        char *d = pk_arena_strndup(ar, (const char *)data, n);
        if (!d) return NULL;
        v->u.s.ptr = d;
    }
    v->u.s.len = n;
    return v;
}

pk_value *pk_new_long_le(pk_arena *ar, const uint8_t *data, size_t n) {
    if (n == 0) return pk_new_int(ar, 0);
    /* trim redundant sign bytes */
    int neg = (data[n - 1] & 0x80) != 0;
    uint8_t fill = neg ? 0xFF : 0x00;
    while (n > 1 && data[n - 1] == fill && ((data[n - 2] & 0x80) != 0) == neg)
        n--;
    if (n <= 8) {
        uint64_t u = neg ? UINT64_MAX : 0;
        for (size_t i = 0; i < n; i++) {
            u &= ~((uint64_t)0xFF << (8 * i));
            u |= (uint64_t)data[i] << (8 * i);
        }
        int64_t i64;
        memcpy(&i64, &u, sizeof i64);
        return pk_new_int(ar, i64);
    }
    return pk_new_bytes(ar, PK_BIGINT, data, n, 0);
}

pk_value *pk_new_global(pk_arena *ar, const char *module, size_t mlen, const char *name,
                        size_t nlen) {
    pk_value *v = pk_new(ar, PK_GLOBAL);
    if (!v) return NULL;
    char *m = pk_arena_strndup(ar, module, mlen);
    char *nm = pk_arena_strndup(ar, name, nlen);
    if (!m || !nm) return NULL;
    v->u.g.module = m;
    v->u.g.name = nm;
    v->u.g.module_len = mlen;
    v->u.g.name_len = nlen;
    return v;
}

pk_value *pk_new_seq(pk_arena *ar, pk_kind kind, size_t cap) {
    pk_value *v = pk_new(ar, kind);
    if (!v) return NULL;
    if (cap) {
        v->u.seq.items = pk_arena_calloc(ar, cap, sizeof(pk_value *));
        if (!v->u.seq.items) return NULL;
        v->u.seq.cap = cap;
    }
    return v;
}

pk_value *pk_new_dict(pk_arena *ar, size_t cap) {
    pk_value *v = pk_new(ar, PK_DICT);
    if (!v) return NULL;
    if (cap) {
        v->u.d.keys = pk_arena_calloc(ar, cap, sizeof(pk_value *));
        v->u.d.vals = pk_arena_calloc(ar, cap, sizeof(pk_value *));
        if (!v->u.d.keys || !v->u.d.vals) return NULL;
        v->u.d.cap = cap;
    }
    return v;
}

pk_value *pk_new_object(pk_arena *ar, pk_value *cls, pk_value *args, pk_objhow how) {
    pk_value *v = pk_new(ar, PK_OBJECT);
    if (!v) return NULL;
    v->u.o.cls = cls;
    v->u.o.args = args;
    v->u.o.how = how;
    return v;
}

/* ---- text ------------------------------------------------------------------------------------ */

size_t pk_utf8_check(const char *s, size_t n) {
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t min;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            min = 0x10000;
        } else {
            return i;
        }
        if (n - i < len) return i;
        uint32_t cp = c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF) return i;
        i += len;
    }
    return n;
}

/* ---- hashing and equality -------------------------------------------------------------------- */

uint64_t pk_fnv1a(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

pk_value pk_str_view(const char *s, size_t n) {
    pk_value k;
    memset(&k, 0, sizeof k);
    k.kind = PK_STR;
    k.u.s.ptr = s;
    k.u.s.len = n;
    return k;
}

static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* Numeric view for hashing/equality: 1 when v is a number (bool, int, float, numeric scalar). */
static int numeric(const pk_value *v, double *d, int64_t *i, int *is_int) {
    switch (v->kind) {
    case PK_BOOL:
        *i = v->u.b;
        *is_int = 1;
        *d = (double)*i;
        return 1;
    case PK_INT:
        *i = v->u.i;
        *is_int = 1;
        *d = (double)*i;
        return 1;
    case PK_FLOAT:
        *d = v->u.f;
        *is_int = 0;
        return 1;
    case PK_NPSCALAR: {
        const pk_dtype *dt = v->u.sc.dtype ? v->u.sc.dtype->u.dt : NULL;
        if (!dt || v->u.sc.object) return 0;
        if (dt->kind == 'b' || dt->kind == 'i' || (dt->kind == 'u' && dt->itemsize < 8)) {
            if (pk_as_i64(v, i) != PK_OK) return 0;
            *is_int = 1;
            *d = (double)*i;
            return 1;
        }
        if (dt->kind == 'f' || dt->kind == 'u') {
            if (pk_npscalar_f64(v, d) != PK_OK) return 0;
            *is_int = 0;
            return 1;
        }
        return 0;
    }
    default:
        return 0;
    }
}

/* Bytes hashed 8 at a time (the container index only: never stored, so it may differ from
 * pk_fnv1a). */
static uint64_t bytes_hash(uint64_t seed, const char *p, size_t n) {
    uint64_t h = seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ull);
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    /* the last n < 8 bytes, least significant first (memcpy's value on little-endian hosts),
     * gathered in a register: byte stores then a word load would wait for the stores */
    uint64_t w = 0;
    for (size_t k = 0; k < n; k++)
        w |= (uint64_t)(unsigned char)p[k] << (8 * k);
    return mix(h ^ w);
}

static uint64_t hash_rec(const pk_value *v, int depth) {
    double d;
    int64_t i;
    int is_int;
    if (v->kind == PK_STR) return bytes_hash(PK_FNV_OFFSET, v->u.s.ptr, v->u.s.len);
    if (depth > PK_HASH_DEPTH) return 0;
    if (numeric(v, &d, &i, &is_int)) {
        if (!is_int && d == floor(d) && fabs(d) < 9.2e18) {
            i = (int64_t)d;
            is_int = 1;
        }
        if (is_int) return mix((uint64_t)i ^ 0x1234567ull);
        if (d == 0) d = 0; /* -0.0 == 0.0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix(bits);
    }
    switch (v->kind) {
    case PK_NONE:
        return 0x9e3779b97f4a7c15ull;
    case PK_STR:
        return bytes_hash(PK_FNV_OFFSET, v->u.s.ptr, v->u.s.len);
    case PK_BYTES:
        return bytes_hash(1469598103934665603ull, v->u.s.ptr, v->u.s.len);
    case PK_BIGINT:
        return bytes_hash(PK_FNV_OFFSET, v->u.s.ptr, v->u.s.len);
    case PK_COMPLEX: {
        uint64_t a, b;
        memcpy(&a, &v->u.c.re, 8);
        memcpy(&b, &v->u.c.im, 8);
        return mix(a) ^ mix(b + 1);
    }
    case PK_TUPLE: {
        uint64_t h = 0x345678ull;
        for (size_t k = 0; k < v->u.seq.len; k++)
            h = mix(h * 1000003ull ^ hash_rec(v->u.seq.items[k], depth + 1));
        return h;
    }
    case PK_FROZENSET: {
        uint64_t h = 0x1f2e3d4cull;
        for (size_t k = 0; k < v->u.seq.len; k++)
            h ^= hash_rec(v->u.seq.items[k], depth + 1);
        return mix(h);
    }
    case PK_GLOBAL:
        return pk_fnv1a(pk_fnv1a(7, v->u.g.module, v->u.g.module_len), v->u.g.name,
                        v->u.g.name_len);
    default: {
        uintptr_t p = (uintptr_t)v;
        return mix((uint64_t)p);
    }
    }
}

static int equal_rec(const pk_value *a, const pk_value *b, int depth) {
    if (a == b) return 1;
    if (a->kind == PK_STR && b->kind == PK_STR) /* the common case: attribute names */
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
    if (depth > PK_HASH_DEPTH) return 0;
    double da, db;
    int64_t ia, ib;
    int inta, intb;
    int na = numeric(a, &da, &ia, &inta), nb = numeric(b, &db, &ib, &intb);
    if (na || nb) {
        if (!(na && nb)) return 0;
        if (inta && intb) return ia == ib;
        return da == db;
    }
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case PK_NONE:
        return 1;
    case PK_STR:
    case PK_BYTES:
    case PK_BIGINT:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
    case PK_COMPLEX:
        return a->u.c.re == b->u.c.re && a->u.c.im == b->u.c.im;
    case PK_TUPLE:
        if (a->u.seq.len != b->u.seq.len) return 0;
        for (size_t k = 0; k < a->u.seq.len; k++)
            if (!equal_rec(a->u.seq.items[k], b->u.seq.items[k], depth + 1)) return 0;
        return 1;
    case PK_FROZENSET:
        if (a->u.seq.len != b->u.seq.len) return 0;
        for (size_t k = 0; k < a->u.seq.len; k++) {
            int found = 0;
            for (size_t m = 0; m < b->u.seq.len && !found; m++)
                found = equal_rec(a->u.seq.items[k], b->u.seq.items[m], depth + 1);
            if (!found) return 0;
        }
        return 1;
    case PK_GLOBAL:
        return strcmp(a->u.g.module, b->u.g.module) == 0 && strcmp(a->u.g.name, b->u.g.name) == 0;
    default:
        return 0;
    }
}

int pk_value_equal(const pk_value *a, const pk_value *b) {
    return equal_rec(a, b, 0);
}

static int hashable_rec(const pk_value *v, int depth) {
    if (depth > PK_HASH_DEPTH) return 0;
    switch (v->kind) {
    case PK_LIST:
    case PK_DICT:
    case PK_SET:
    case PK_BYTEARRAY:
    case PK_NDARRAY:
        return 0;
    case PK_TUPLE:
        for (size_t k = 0; k < v->u.seq.len; k++)
            if (!hashable_rec(v->u.seq.items[k], depth + 1)) return 0;
        return 1;
    default:
        return 1;
    }
}

int pk_value_hashable(const pk_value *v) {
    return hashable_rec(v, 0);
}

/* ---- the shared index ------------------------------------------------------------------------ */

/* hash_rec and pk_value_equal as a probe uses them: a string key (an attribute name, the common
 * case) without the calls. Same results. */
static inline uint64_t key_hash(const pk_value *k) {
    return k->kind == PK_STR ? bytes_hash(PK_FNV_OFFSET, k->u.s.ptr, k->u.s.len) : hash_rec(k, 0);
}

static inline int key_equal(const pk_value *a, const pk_value *b) {
    if (a == b) return 1;
    if (a->kind == PK_STR && b->kind == PK_STR)
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
    return equal_rec(a, b, 0);
}

/* Finds key among items[0..len) (via index when present). Returns the position or -1. */
static ptrdiff_t index_find(pk_value **items, size_t len, const uint32_t *index, size_t icap,
                            const pk_value *key) {
    if (!index) {
        for (size_t k = 0; k < len; k++)
            if (key_equal(items[k], key)) return (ptrdiff_t)k;
        return -1;
    }
    size_t mask = icap - 1, slot = (size_t)key_hash(key) & mask;
    for (;;) {
        uint32_t pos = index[slot];
        if (pos == 0) return -1;
        if (key_equal(items[pos - 1], key)) return (ptrdiff_t)(pos - 1);
        slot = (slot + 1) & mask;
    }
}

static void index_put(uint32_t *index, size_t icap, const pk_value *key, size_t pos) {
    size_t mask = icap - 1, slot = (size_t)key_hash(key) & mask;
    while (index[slot])
        slot = (slot + 1) & mask;
    index[slot] = (uint32_t)(pos + 1);
}

/* Makes sure an index exists and has room for len + more entries at load <= 1/2 (more >= 1). */
static pk_code index_reserve(pk_arena *ar, pk_value **items, size_t len, size_t more,
                             uint32_t **index, size_t *icap) {
    if (len + more <= PK_LINEAR_MAX) return PK_OK;
    if (more >= UINT32_MAX / 4 || len + more >= UINT32_MAX / 4) return PK_ELIMIT;
    if (*index && (len + more) * 2 <= *icap) return PK_OK;
    size_t cap = 16;
    while (cap < (len + more) * 2)
        cap *= 2;
    uint32_t *ix = pk_arena_calloc(ar, cap, sizeof *ix);
    if (!ix) return PK_ENOMEM;
    for (size_t k = 0; k < len; k++)
        index_put(ix, cap, items[k], k);
    *index = ix;
    *icap = cap;
    return PK_OK;
}

/* index_reserve for one more entry; inline when there is room (the common case). */
static inline pk_code index_ensure(pk_arena *ar, pk_value **items, size_t len, uint32_t **index,
                                   size_t *icap) {
    if (len + 1 <= PK_LINEAR_MAX || (*index && (len + 1) * 2 <= *icap && len + 1 < UINT32_MAX / 4))
        return PK_OK;
    return index_reserve(ar, items, len, 1, index, icap);
}

static pk_code grow(pk_arena *ar, pk_value ***arr, size_t len, size_t *cap) {
    if (len < *cap) return PK_OK;
    size_t ncap = *cap ? *cap * 2 : 4;
    size_t bytes;
    if (pk_mul_overflow(ncap, sizeof(pk_value *), &bytes)) return PK_ENOMEM;
    pk_value **n = pk_arena_grow(ar, *arr, len * sizeof(pk_value *), bytes);
    if (!n) return PK_ENOMEM;
    *arr = n;
    *cap = ncap;
    return PK_OK;
}

static pk_code unhashable(pk_err *err, const pk_value *key) {
    char tn[96];
    return pk_err_set(err, PK_ETYPE, -1, -1, "unhashable type: '%s'",
                      pk_type_name(key, tn, sizeof tn));
}

pk_code pk_seq_append(pk_arena *ar, pk_value *seq, pk_value *item, pk_err *err) {
    pk_seq *s = &seq->u.seq;
    if (seq->kind == PK_SET || seq->kind == PK_FROZENSET) {
        if (!pk_value_hashable(item)) return unhashable(err, item);
        if (index_find(s->items, s->len, s->index, s->index_cap, item) >= 0) return PK_OK;
        pk_code c = index_ensure(ar, s->items, s->len, &s->index, &s->index_cap);
        if (c)
            return c == PK_ENOMEM ? pk_err_nomem(err, -1)
                                  : pk_err_set(err, c, -1, -1, "set too large");
        if (grow(ar, &s->items, s->len, &s->cap)) return pk_err_nomem(err, -1);
        if (s->index) index_put(s->index, s->index_cap, item, s->len);
        s->items[s->len++] = item;
        return PK_OK;
    }
    if (grow(ar, &s->items, s->len, &s->cap)) return pk_err_nomem(err, -1);
    s->items[s->len++] = item;
    return PK_OK;
}

static pk_code dict_limit(pk_err *err, pk_code c) {
    return c == PK_ENOMEM ? pk_err_nomem(err, -1) : pk_err_set(err, c, -1, -1, "dict too large");
}

pk_code pk_dict_reserve(pk_arena *ar, pk_value *dict, size_t more, pk_err *err) {
    pk_dict *d = &dict->u.d;
    if (more == 0) return PK_OK;
    pk_code c = index_reserve(ar, d->keys, d->len, more, &d->index, &d->index_cap);
    if (c) return dict_limit(err, c);
    if (d->len + more > d->cap) { /* geometric: pickle batches SETITEMS by 1000 items */
        size_t cap = d->len + more > 2 * d->cap ? d->len + more : 2 * d->cap, bytes;
        if (pk_mul_overflow(cap, sizeof(pk_value *), &bytes)) return pk_err_nomem(err, -1);
        pk_value **k = pk_arena_grow(ar, d->keys, d->len * sizeof(pk_value *), bytes);
        pk_value **v = k ? pk_arena_grow(ar, d->vals, d->len * sizeof(pk_value *), bytes) : NULL;
        if (!v) return pk_err_nomem(err, -1);
        d->keys = k;
        d->vals = v;
        d->cap = cap;
    }
    return PK_OK;
}

pk_code pk_dict_set(pk_arena *ar, pk_value *dict, pk_value *key, pk_value *val, pk_err *err) {
    pk_dict *d = &dict->u.d;
    if (key->kind != PK_STR && !pk_value_hashable(key)) return unhashable(err, key);
    pk_code c = index_ensure(ar, d->keys, d->len, &d->index, &d->index_cap);
    if (c) return dict_limit(err, c);
    size_t slot = 0;
    if (d->index) { /* one hash: the probe ends on the key's slot or the empty one it takes */
        size_t mask = d->index_cap - 1;
        slot = (size_t)key_hash(key) & mask;
        for (uint32_t pos; (pos = d->index[slot]) != 0; slot = (slot + 1) & mask)
            if (key_equal(d->keys[pos - 1], key)) {
                d->vals[pos - 1] = val;
                return PK_OK;
            }
    } else {
        ptrdiff_t at = index_find(d->keys, d->len, NULL, 0, key);
        if (at >= 0) {
            d->vals[at] = val;
            return PK_OK;
        }
    }
    if (d->len >= d->cap) {
        size_t cap = d->cap, cap2 = d->cap;
        if (grow(ar, &d->keys, d->len, &cap) || grow(ar, &d->vals, d->len, &cap2))
            return pk_err_nomem(err, -1);
        d->cap = cap;
    }
    if (d->index) d->index[slot] = (uint32_t)(d->len + 1);
    d->keys[d->len] = key;
    d->vals[d->len] = val;
    d->len++;
    return PK_OK;
}

pk_value *pk_dict_get(const pk_value *dict, const pk_value *key) {
    if (!dict || dict->kind != PK_DICT) return NULL;
    const pk_dict *d = &dict->u.d;
    ptrdiff_t at = index_find(d->keys, d->len, d->index, d->index_cap, key);
    return at >= 0 ? d->vals[at] : NULL;
}

pk_value *pk_dict_get_str(const pk_value *dict, const char *key) {
    if (!dict || dict->kind != PK_DICT) return NULL;
    pk_value k = pk_str_view(key, strlen(key));
    return pk_dict_get(dict, &k);
}

pk_value *pk_attr(const pk_value *obj, const char *name) {
    if (!obj) return NULL;
    if (obj->kind == PK_DICT) return pk_dict_get_str(obj, name);
    if (obj->kind != PK_OBJECT) return NULL;
    const pk_value *st = obj->u.o.state;
    pk_value *r = NULL;
    if (st && st->kind == PK_DICT) r = pk_dict_get_str(st, name);
    if (!r && st && st->kind == PK_TUPLE && st->u.seq.len == 2) {
        r = pk_dict_get_str(st->u.seq.items[0], name);
        if (!r) r = pk_dict_get_str(st->u.seq.items[1], name);
    }
    if (!r && obj->u.o.dictitems) r = pk_dict_get_str(obj->u.o.dictitems, name);
    return r;
}

int pk_global_is(const pk_value *v, const char *module, const char *name) {
    if (v && v->kind == PK_OBJECT) v = v->u.o.cls;
    if (!v || v->kind != PK_GLOBAL) return 0;
    return strcmp(v->u.g.module, module) == 0 && strcmp(v->u.g.name, name) == 0;
}

static const char *global_type_name(const pk_value *g, char *buf, size_t cap) {
    if (!g || g->kind != PK_GLOBAL) {
        snprintf(buf, cap, "object");
        return buf;
    }
    if (strcmp(g->u.g.module, "builtins") == 0 || strcmp(g->u.g.module, "__builtin__") == 0)
        snprintf(buf, cap, "%s", g->u.g.name);
    else
        snprintf(buf, cap, "%s.%s", g->u.g.module, g->u.g.name);
    return buf;
}

const char *pk_type_name(const pk_value *v, char *buf, size_t cap) {
    static const char *const names[PK_KIND_COUNT] = {
        "NoneType", "bool",      "int",           "int",         "float", "complex",   "str",
        "bytes",    "bytearray", "list",          "tuple",       "set",   "frozenset", "dict",
        "type",     NULL,        "numpy.ndarray", "numpy.dtype", NULL};
    if (cap == 0) return buf;
    switch (v->kind) {
    case PK_DICT:
        if (v->u.d.cls) return global_type_name(v->u.d.cls, buf, cap);
        break;
    case PK_OBJECT:
        return global_type_name(v->u.o.cls, buf, cap);
    case PK_NDARRAY:
        if (v->u.arr->subclass && v->u.arr->subclass->kind == PK_GLOBAL &&
            strcmp(v->u.arr->subclass->u.g.name, "ndarray") != 0)
            return global_type_name(v->u.arr->subclass, buf, cap);
        break;
    case PK_NPSCALAR: {
        const pk_dtype *dt = v->u.sc.dtype ? v->u.sc.dtype->u.dt : NULL;
        snprintf(buf, cap, "numpy.%s", dt ? pk_dtype_scalar_name(dt) : "generic");
        return buf;
    }
    default:
        break;
    }
    snprintf(buf, cap, "%s", names[v->kind] ? names[v->kind] : "object");
    return buf;
}

pk_code pk_as_f64(const pk_value *v, double *out) {
    switch (v->kind) {
    case PK_BOOL:
        *out = v->u.b;
        return PK_OK;
    case PK_INT:
        *out = (double)v->u.i;
        return PK_OK;
    case PK_FLOAT:
        *out = v->u.f;
        return PK_OK;
    case PK_BIGINT: {
        /* approximate: sum of bytes * 256^k, two's complement */
        const uint8_t *b = (const uint8_t *)v->u.s.ptr;
        size_t n = v->u.s.len;
        int neg = n && (b[n - 1] & 0x80);
        double d = 0;
        for (size_t k = n; k-- > 0;)
            d = d * 256.0 + (neg ? (double)(uint8_t)~b[k] : (double)b[k]);
        *out = neg ? -(d + 1) : d;
        return PK_OK;
    }
    case PK_NPSCALAR:
        if (v->u.sc.object) return pk_as_f64(v->u.sc.object, out);
        return pk_npscalar_f64(v, out);
    case PK_NDARRAY:
        if (v->u.arr->ndim == 0 && v->u.arr->complete) return pk_ndarray_get_f64(v->u.arr, 0, out);
        return PK_ETYPE;
    default:
        return PK_ETYPE;
    }
}

pk_code pk_as_i64(const pk_value *v, int64_t *out) {
    switch (v->kind) {
    case PK_BOOL:
        *out = v->u.b;
        return PK_OK;
    case PK_INT:
        *out = v->u.i;
        return PK_OK;
    case PK_NPSCALAR: {
        if (v->u.sc.object) return pk_as_i64(v->u.sc.object, out);
        const pk_dtype *dt = v->u.sc.dtype ? v->u.sc.dtype->u.dt : NULL;
        if (!dt || !(dt->kind == 'b' || dt->kind == 'i' || dt->kind == 'u' || dt->kind == 'M' ||
                     dt->kind == 'm'))
            return PK_ETYPE;
        if (dt->itemsize < 1 || dt->itemsize > 8) return PK_ETYPE;
        const uint8_t *p = v->u.sc.data;
        uint64_t u = 0;
        size_t n = dt->itemsize;
        int big = dt->byteorder == '>';
        for (size_t k = 0; k < n; k++)
            u |= (uint64_t)p[big ? n - 1 - k : k] << (8 * k);
        if (dt->kind != 'u' && dt->kind != 'b' && n < 8 && (u >> (8 * n - 1)) & 1)
            u |= ~(uint64_t)0 << (8 * n);
        if (dt->kind == 'u' && n == 8 && (u >> 63)) return PK_ETYPE;
        int64_t i;
        memcpy(&i, &u, sizeof i);
        *out = dt->kind == 'b' ? (u != 0) : i;
        return PK_OK;
    }
    default:
        return PK_ETYPE;
    }
}

size_t pk_child_count(const pk_value *v) {
    switch (v->kind) {
    case PK_LIST:
    case PK_TUPLE:
    case PK_SET:
    case PK_FROZENSET:
        return v->u.seq.len;
    case PK_DICT:
        return v->u.d.len;
    case PK_NDARRAY:
        return v->u.arr->ndim > 0 ? (size_t)v->u.arr->shape[0] : 0;
    case PK_OBJECT: {
        const pk_value *st = v->u.o.state;
        return st && st->kind == PK_DICT ? st->u.d.len : 0;
    }
    default:
        return 0;
    }
}
