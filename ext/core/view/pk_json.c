/*
 * pk_json.c - a decoded value as JSON text (pk_json.h; the mapping of docs/json.md).
 *
 * How it works: one recursive writer (struct jw) walks the graph and appends compact JSON to the
 * caller's pk_buf. It keeps
 *   - the path of the container being written (a pk_buf, extended and truncated as it descends;
 *     scalars never touch it, so a million-float list costs no path work), and
 *   - the stack of enclosing containers with the length of their paths. A container that is
 *     already on that stack is a cycle and is written {"py/ref": "<its path>"}; shared nodes that
 *     are not enclosing are written again wherever they occur.
 * numpy arrays and scalars are written by pk_np_write_json (pk_json_np.c), which calls back into
 * this writer for the elements of object arrays (their py/ref paths are the array's own path).
 *
 * Numbers: ints exactly (PK_BIGINT by repeated division of 32-bit limbs by 10^9); floats as
 * Python's repr: the shortest digits that read back to the same double (the nearest such when
 * several), written in Python's layout (exponent form below 1e-4 and from 1e16: "1e-05",
 * "1e+16"; else "100.0", "0.001"). The digits come from pk_dtoa_shortest (pk_dtoa.c, exact
 * integer arithmetic, no printf or strtod); NaN/Infinity/-Infinity as Python's json module
 * writes them.
 *
 * Paths used in py/ref: a dict's str key ".name" or ["..."], int keys and indexes "[N]", an
 * object's state entries and dictitems by key (as on a dict), its appended items by index ("[N]"
 * on an object indexes them), its other members by their JSON name (["py/args"][0]). Elements of
 * object-dtype arrays get the array's own path. Other dict keys (floats, tuples, ...) appear as
 * ["<their key text>"], which the path evaluator cannot look up.
 *
 * numpy.dtype values (not arrays) are {"py/type":"numpy.dtype","str":"<f8"} (numpy's dtype.str;
 * plus "names" for structured dtypes).
 *
 * Strings: output is valid UTF-8. Lone surrogates (CPython's surrogatepass bytes ED A0..BF xx)
 * become \udXXX escapes, ill-formed bytes \ufffd, control characters \n, \t, ... or \u00XX.
 *
 * Limits: containers nested deeper than limits->max_depth and output longer than
 * limits->max_output are PK_ELIMIT errors naming the limit. The writer allocates only its path
 * and ancestor stack (through the output buffer's allocator), freed before returning.
 */
#include "pk_json.h"

#include "pk_dtoa.h"
#include "pk_expand.h"

#include "pk_ndarray.h"
#include "pk_path.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- floats ---------------------------------------------------------------------------------- */

/* Python's repr of a finite, nonzero d written at p (at most PK_JSON_DOUBLE_MAX bytes), from the
 * shortest digits that read back as d (pk_dtoa.c: among several, the nearest; David Gay's dtoa
 * mode 0, as Python's repr). The digits are produced in place and moved at most once. Returns
 * the length. */
static int repr_finite(double d, char *p) {
    char *q = p;
    if (d < 0) *q++ = '-';
    int e;
    /* digits at q + 1: room to insert the decimal point after the first one */
    int nd = pk_dtoa_shortest(fabs(d), q + 1, &e);
    if (e < -4 || e >= 16) {
        /* d.ddde-XX: "e%c%02d", sign always, at least two exponent digits */
        q[0] = q[1];
        if (nd > 1) {
            q[1] = '.';
            q += nd + 1;
        } else {
            q += 1;
        }
        int ae = e < 0 ? -e : e;
        *q++ = 'e';
        *q++ = e < 0 ? '-' : '+';
        if (ae >= 100) *q++ = (char)('0' + ae / 100);
        *q++ = (char)('0' + ae / 10 % 10);
        *q++ = (char)('0' + ae % 10);
    } else if (e < 0) {
        /* 0.000ddd: the digits move right by the zeros and "0." */
        int z = -e - 1;
        memmove(q + 2 + z, q + 1, (size_t)nd);
        q[0] = '0';
        q[1] = '.';
        memset(q + 2, '0', (size_t)z);
        q += 2 + z + nd;
    } else if (nd > e + 1) {
        /* ddd.ddd: the integer digits move left by one, the point goes after them */
        memmove(q, q + 1, (size_t)e + 1);
        q[e + 1] = '.';
        q += nd + 1;
    } else {
        /* ddd000.0 */
        memmove(q, q + 1, (size_t)nd);
        memset(q + nd, '0', (size_t)(e + 1 - nd));
        q += e + 1;
        *q++ = '.';
        *q++ = '0';
    }
    return (int)(q - p);
}

int pk_float_repr(double d, char *buf, size_t cap) {
    char tmp[48];
    int n = 0;
    if (isnan(d)) {
        n = snprintf(tmp, sizeof tmp, "nan");
    } else if (isinf(d)) {
        n = snprintf(tmp, sizeof tmp, "%s", d < 0 ? "-inf" : "inf");
    } else if (d == 0) {
        n = snprintf(tmp, sizeof tmp, "%s", signbit(d) ? "-0.0" : "0.0");
    } else {
        if (cap > PK_JSON_DOUBLE_MAX) {
            n = repr_finite(d, buf);
            buf[n] = 0;
            return n;
        }
        n = repr_finite(d, tmp);
        tmp[n] = 0;
    }
    if (cap == 0) return n;
    size_t m = (size_t)n < cap ? (size_t)n : cap - 1;
    memcpy(buf, tmp, m);
    buf[m] = 0;
    return (int)m;
}

/* One double as strict JSON at p (at most PK_JSON_DOUBLE_MAX bytes); returns the length. */
static size_t json_double_at(double d, char *p) {
    if (d == 0) {
        if (signbit(d)) {
            memcpy(p, "-0.0", 4);
            return 4;
        }
        memcpy(p, "0.0", 3);
        return 3;
    }
    if (isnan(d)) {
        memcpy(p, "null", 4);
        return 4;
    }
    if (isinf(d)) {
        if (d < 0) {
            memcpy(p, "-9e999", 6);
            return 6;
        }
        memcpy(p, "9e999", 5);
        return 5;
    }
    return (size_t)repr_finite(d, p);
}

size_t pk_json_double_array(char *dst, const double *v, size_t n) {
    char *p = dst;
    *p++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i) *p++ = ',';
        p += json_double_at(v[i], p);
    }
    *p++ = ']';
    return (size_t)(p - dst);
}

pk_code pk_json_double(pk_buf *out, double d) {
    return pk_json_double_flags(out, d, 0);
}

pk_code pk_json_double_flags(pk_buf *out, double d, unsigned flags) {
    if (flags & PK_JSON_NAN) {
        if (isnan(d)) return pk_buf_puts(out, "NaN");
        if (isinf(d)) return pk_buf_puts(out, d < 0 ? "-Infinity" : "Infinity");
    }
    char tmp[PK_JSON_DOUBLE_MAX];
    size_t n = json_double_at(d, tmp);
    return pk_buf_append(out, tmp, n);
}

/* ---- integers -------------------------------------------------------------------------------- */

pk_code pk_json_int(pk_buf *out, const pk_value *v) {
    if (v->kind == PK_INT) return pk_buf_printf(out, "%lld", (long long)v->u.i);
    if (v->kind == PK_BOOL) return pk_buf_putc(out, v->u.b ? '1' : '0');
    if (v->kind != PK_BIGINT) return pk_buf_putc(out, '0');
    const uint8_t *b = (const uint8_t *)v->u.s.ptr;
    size_t n = v->u.s.len;
    if (n == 0) return pk_buf_putc(out, '0');
    int neg = (b[n - 1] & 0x80) != 0;
    /* magnitude as 32-bit little-endian limbs (negate two's complement when negative) */
    size_t nl = n / 4 + 1;
    size_t bytes;
    if (pk_mul_overflow(nl, sizeof(uint32_t), &bytes)) return out->failed = PK_ENOMEM;
    uint32_t *limb = pk_malloc(out->alloc, bytes);
    if (!limb) return out->failed = PK_ENOMEM;
    memset(limb, 0, bytes);
    unsigned carry = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned byte = b[i];
        if (neg) {
            byte = (~byte & 0xFFu) + carry;
            carry = byte >> 8;
            byte &= 0xFFu;
        }
        limb[i / 4] |= (uint32_t)byte << (8 * (i % 4));
    }
    /* decimal chunks of 9 digits, least significant first */
    size_t nchunks_cap = nl * 10 / 9 + 2;
    if (pk_mul_overflow(nchunks_cap, sizeof(uint32_t), &bytes)) {
        pk_free(out->alloc, limb);
        return out->failed = PK_ENOMEM;
    }
    uint32_t *chunk = pk_malloc(out->alloc, bytes);
    if (!chunk) {
        pk_free(out->alloc, limb);
        return out->failed = PK_ENOMEM;
    }
    size_t nchunks = 0, top = nl;
    while (top > 0 && limb[top - 1] == 0)
        top--;
    while (top > 0) {
        uint64_t rem = 0;
        for (size_t i = top; i-- > 0;) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        chunk[nchunks++] = (uint32_t)rem;
        while (top > 0 && limb[top - 1] == 0)
            top--;
    }
    if (neg) pk_buf_putc(out, '-');
    if (nchunks == 0) pk_buf_putc(out, '0');
    for (size_t i = nchunks; i-- > 0;)
        pk_buf_printf(out, i == nchunks - 1 ? "%u" : "%09u", (unsigned)chunk[i]);
    pk_free(out->alloc, chunk);
    pk_free(out->alloc, limb);
    return out->failed;
}

/* ---- strings and base64 ---------------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s[0..n) (1..4), 0 when ill-formed, or -3 for a lone
 * surrogate's 3-byte encoding. */
static int utf8_seq(const uint8_t *s, size_t n) {
    uint8_t c = s[0];
#define CONT(k) ((size_t)(k) < n && (s[k] & 0xC0) == 0x80)
    if (c >= 0xC2 && c <= 0xDF) return CONT(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!CONT(1) || !CONT(2)) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;   /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return -3; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!CONT(1) || !CONT(2) || !CONT(3)) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;
        if (c == 0xF4 && s[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
#undef CONT
}

pk_code pk_json_string(pk_buf *out, const char *str, size_t n) {
    const uint8_t *s = (const uint8_t *)str;
    pk_buf_putc(out, '"');
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        int len = c < 0x80 ? 1 : utf8_seq(s + i, n - i);
        if (c >= 0x80 && len > 0) { /* well-formed non-ASCII: stays raw */
            i += (size_t)len;
            continue;
        }
        pk_buf_append(out, s + run, i - run);
        if (c < 0x80) {
            switch (c) {
            case '"':
                pk_buf_puts(out, "\\\"");
                break;
            case '\\':
                pk_buf_puts(out, "\\\\");
                break;
            case '\n':
                pk_buf_puts(out, "\\n");
                break;
            case '\r':
                pk_buf_puts(out, "\\r");
                break;
            case '\t':
                pk_buf_puts(out, "\\t");
                break;
            case '\b':
                pk_buf_puts(out, "\\b");
                break;
            case '\f':
                pk_buf_puts(out, "\\f");
                break;
            default:
                pk_buf_printf(out, "\\u%04x", (unsigned)c);
                break;
            }
            i++;
        } else if (len == -3) {
            unsigned cp = ((unsigned)(c & 0x0F) << 12) | ((unsigned)(s[i + 1] & 0x3F) << 6) |
                          (unsigned)(s[i + 2] & 0x3F);
            pk_buf_printf(out, "\\u%04x", cp);
            i += 3;
        } else {
            pk_buf_puts(out, "\\ufffd");
            i++;
        }
        run = i;
    }
    pk_buf_append(out, s + run, i - run);
    return pk_buf_putc(out, '"');
}

pk_code pk_base64(pk_buf *out, const uint8_t *data, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t groups = n / 3 + (n % 3 != 0), olen;
    if (pk_mul_overflow(groups, 4, &olen)) return out->failed = PK_ELIMIT;
    if (pk_buf_reserve(out, olen)) return out->failed;
    uint8_t *o = out->data + out->len;
    size_t i = 0, j = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        o[j++] = (uint8_t)tab[v >> 18];
        o[j++] = (uint8_t)tab[(v >> 12) & 63];
        o[j++] = (uint8_t)tab[(v >> 6) & 63];
        o[j++] = (uint8_t)tab[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)data[i] << 16;
        o[j++] = (uint8_t)tab[v >> 18];
        o[j++] = (uint8_t)tab[(v >> 12) & 63];
        o[j++] = '=';
        o[j++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
        o[j++] = (uint8_t)tab[v >> 18];
        o[j++] = (uint8_t)tab[(v >> 12) & 63];
        o[j++] = (uint8_t)tab[(v >> 6) & 63];
        o[j++] = '=';
    }
    out->len += j;
    out->data[out->len] = 0;
    return PK_OK;
}

/* ---- the graph writer ------------------------------------------------------------------------ */

typedef struct jw_anc {
    const pk_value *node;
    size_t path_len;
} jw_anc;

typedef struct jw {
    pk_buf *out;
    const pk_limits *lim;
    pk_err *err;
    unsigned flags; /* PK_JSON_NAN */
    uint64_t cap;   /* output cap: the smaller of max_output and max_expand (0 = none) */
    size_t out_start;
    pk_buf path; /* path of the innermost container being written */
    jw_anc *anc;
    size_t nanc, anc_cap;
} jw;

static pk_code write_value(jw *w, const pk_value *v);

/* Checks the output cap; returns the buffer's state otherwise. */
static pk_code jw_check(jw *w) {
    if (w->out->failed) return w->out->failed;
    if (w->cap && w->out->len - w->out_start > w->cap) return w->out->failed = PK_ELIMIT;
    return PK_OK;
}

/* Path step helpers: remember the length, append, write, truncate. */
static size_t path_mark(jw *w) {
    return w->path.len;
}
static void path_reset(jw *w, size_t len) {
    w->path.len = len;
    if (w->path.data) w->path.data[len] = 0;
}

/* Writes child c of the current container, reached by a step that `step` appends to the path
 * (only done for containers: scalars need no path). */
typedef enum { STEP_INDEX, STEP_KEY } step_kind;

static pk_code write_child(jw *w, const pk_value *c, step_kind sk, int64_t index, const char *key,
                           size_t key_len) {
    if (!pk_is_container(c)) return write_value(w, c);
    size_t m = path_mark(w);
    if (sk == STEP_INDEX)
        pk_path_append_index(&w->path, index);
    else
        pk_path_append_key(&w->path, key, key_len);
    if (w->path.failed) return w->path.failed;
    pk_code rc = write_value(w, c);
    path_reset(w, m);
    return rc;
}

/* A dict key as Python's json.dumps writes it (str; int digits; float repr, NaN, Infinity;
 * true/false/null), other keys as their compact JSON text. The key text (without quotes) goes to
 * `text` so the caller can also use it as a path step. */
static pk_code key_text(jw *w, const pk_value *k, pk_buf *text) {
    double d;
    switch (k->kind) {
    case PK_STR:
        return pk_buf_append(text, k->u.s.ptr, k->u.s.len);
    case PK_INT:
    case PK_BIGINT:
        return pk_json_int(text, k);
    case PK_BOOL:
        return pk_buf_puts(text, k->u.b ? "true" : "false");
    case PK_NONE:
        return pk_buf_puts(text, "null");
    case PK_FLOAT:
        return pk_json_double_flags(text, k->u.f, PK_JSON_NAN);
    case PK_NPSCALAR: {
        const pk_dtype *dt = k->u.sc.dtype ? k->u.sc.dtype->u.dt : NULL;
        if (!k->u.sc.object && dt && dt->kind == 'f' && dt->itemsize == 8 &&
            pk_npscalar_f64(k, &d) == PK_OK)
            return pk_json_double_flags(text, d, PK_JSON_NAN); /* a float subclass */
        break;
    }
    default:
        break;
    }
    /* compact JSON text of the key, written by this writer into `text` */
    pk_buf *saved = w->out;
    size_t saved_start = w->out_start;
    w->out = text;
    w->out_start = text->len;
    pk_code rc = write_value(w, k);
    w->out = saved;
    w->out_start = saved_start;
    return rc;
}

static pk_code write_entry(jw *w, const pk_value *k, const pk_value *val, int *first) {
    if (!*first) pk_buf_putc(w->out, ',');
    *first = 0;
    if (k->kind == PK_STR) {
        pk_json_string(w->out, k->u.s.ptr, k->u.s.len);
        pk_buf_putc(w->out, ':');
        return write_child(w, val, STEP_KEY, 0, k->u.s.ptr, k->u.s.len);
    }
    if (k->kind == PK_INT || k->kind == PK_BOOL) {
        int64_t i = k->kind == PK_INT ? k->u.i : k->u.b;
        if (k->kind == PK_INT)
            pk_buf_printf(w->out, "\"%lld\":", (long long)i);
        else
            pk_buf_puts(w->out, k->u.b ? "\"true\":" : "\"false\":");
        return write_child(w, val, STEP_INDEX, i, NULL, 0);
    }
    pk_buf text;
    pk_buf_init(&text, w->out->alloc, w->lim->max_output);
    pk_code rc = key_text(w, k, &text);
    if (rc == PK_OK && text.failed) rc = text.failed;
    if (rc == PK_OK) {
        pk_json_string(w->out, text.len ? (const char *)text.data : "", text.len);
        pk_buf_putc(w->out, ':');
        rc = write_child(w, val, STEP_KEY, 0, text.len ? (const char *)text.data : "", text.len);
    }
    pk_buf_free(&text);
    return rc;
}

/* The entries of a dict, continuing an object whose '{' (and maybe members) is written. */
static pk_code write_dict_entries(jw *w, const pk_value *d, int *first) {
    for (size_t i = 0; i < d->u.d.len; i++) {
        PK_TRY(write_entry(w, d->u.d.keys[i], d->u.d.vals[i], first));
        PK_TRY(jw_check(w));
    }
    return PK_OK;
}

static pk_code write_seq(jw *w, const pk_value *v) {
    pk_buf_putc(w->out, '[');
    for (size_t i = 0; i < v->u.seq.len; i++) {
        if (i) pk_buf_putc(w->out, ',');
        PK_TRY(write_child(w, v->u.seq.items[i], STEP_INDEX, (int64_t)i, NULL, 0));
        PK_TRY(jw_check(w));
    }
    return pk_buf_putc(w->out, ']');
}

/* "module.qualname" of a global, as a JSON string. */
static pk_code write_global_name(jw *w, const pk_value *g) {
    size_t ml = g->u.g.module_len, nl = g->u.g.name_len;
    pk_buf *o = w->out;
    if (pk_buf_reserve(o, ml + nl + 1)) return o->failed;
    /* build "module.name" in a scratch buffer to escape it as one string */
    pk_buf tmp;
    pk_buf_init(&tmp, o->alloc, 0);
    pk_buf_append(&tmp, g->u.g.module, ml);
    pk_buf_putc(&tmp, '.');
    pk_buf_append(&tmp, g->u.g.name, nl);
    pk_code rc = tmp.failed;
    if (!rc) rc = pk_json_string(o, (const char *)tmp.data, tmp.len);
    pk_buf_free(&tmp);
    return rc;
}

/* 1 when an object's state is a (dict|None, dict|None) pair of (__dict__, slots). */
static int state_is_pair(const pk_value *st) {
    if (!st || st->kind != PK_TUPLE || st->u.seq.len != 2) return 0;
    for (int i = 0; i < 2; i++) {
        pk_kind k = st->u.seq.items[i]->kind;
        if (k != PK_DICT && k != PK_NONE) return 0;
    }
    return 1;
}

/* A named member "py/..." of an object: writes ,"py/x": and the child. */
static pk_code write_member(jw *w, const char *name, const pk_value *c, int *first) {
    if (!*first) pk_buf_putc(w->out, ',');
    *first = 0;
    pk_buf_printf(w->out, "\"%s\":", name);
    return write_child(w, c, STEP_KEY, 0, name, strlen(name));
}

static pk_code write_object(jw *w, const pk_value *v) {
    const pk_object *o = &v->u.o;
    int first = 1;
    pk_code rc;
    pk_buf_puts(w->out, "{\"py/object\":");
    first = 0;
    if (o->cls && o->cls->kind == PK_GLOBAL) {
        PK_TRY(write_global_name(w, o->cls));
    } else if (o->cls) {
        PK_TRY(write_child(w, o->cls, STEP_KEY, 0, "py/object", 9));
    } else {
        pk_buf_puts(w->out, "null");
    }
    const pk_value *st = o->state;
    if (st && st->kind == PK_DICT) {
        PK_TRY(write_dict_entries(w, st, &first));
    } else if (state_is_pair(st)) {
        for (int i = 0; i < 2; i++)
            if (st->u.seq.items[i]->kind == PK_DICT &&
                (rc = write_dict_entries(w, st->u.seq.items[i], &first)))
                return rc;
    }
    if (o->args && o->args->kind == PK_TUPLE && o->args->u.seq.len > 0 &&
        (rc = write_member(w, "py/args", o->args, &first)))
        return rc;
    if (o->kwargs && o->kwargs->kind == PK_DICT && o->kwargs->u.d.len > 0 &&
        (rc = write_member(w, "py/kwargs", o->kwargs, &first)))
        return rc;
    if (st && st->kind != PK_DICT && !state_is_pair(st) &&
        (rc = write_member(w, "py/state", st, &first)))
        return rc;
    /* items and dictitems are written inline: their paths are the object's own ([N] and .key
     * on an object reach them), and the lists holding them are never referenced elsewhere */
    if (o->items && o->items->kind == PK_LIST && o->items->u.seq.len > 0) {
        pk_buf_puts(w->out, ",\"py/items\":[");
        for (size_t i = 0; i < o->items->u.seq.len; i++) {
            if (i) pk_buf_putc(w->out, ',');
            PK_TRY(write_child(w, o->items->u.seq.items[i], STEP_INDEX, (int64_t)i, NULL, 0));
            PK_TRY(jw_check(w));
        }
        pk_buf_putc(w->out, ']');
    }
    if (o->dictitems && o->dictitems->kind == PK_DICT && o->dictitems->u.d.len > 0) {
        int dfirst = 1;
        pk_buf_puts(w->out, ",\"py/dictitems\":{");
        PK_TRY(write_dict_entries(w, o->dictitems, &dfirst));
        pk_buf_putc(w->out, '}');
    }
    return pk_buf_putc(w->out, '}');
}

/* numpy's dtype.str: "<f8", "|b1", "<U5", "<M8[ns]", "|V12", "|O". */
static pk_code write_dtype(jw *w, const pk_value *v) {
    const pk_dtype *dt = v->u.dt;
    char s[64];
    if (!dt || dt->kind == 0) {
        pk_buf_puts(w->out, "{\"py/type\":\"numpy.dtype\",\"str\":");
        const char *ts = dt && dt->typestr ? dt->typestr : "";
        pk_json_string(w->out, ts, strlen(ts));
        return pk_buf_putc(w->out, '}');
    }
    char bo = dt->byteorder ? dt->byteorder : '|';
    size_t size = dt->itemsize;
    if (dt->kind == 'U') size /= 4;
    if (dt->kind == 'O')
        snprintf(s, sizeof s, "|O");
    else if ((dt->kind == 'M' || dt->kind == 'm') && dt->unit[0] &&
             strcmp(dt->unit, "generic") != 0) {
        if (dt->unit_num > 1)
            snprintf(s, sizeof s, "%c%c%zu[%lld%s]", bo, dt->kind, size, (long long)dt->unit_num,
                     dt->unit);
        else
            snprintf(s, sizeof s, "%c%c%zu[%s]", bo, dt->kind, size, dt->unit);
    } else {
        snprintf(s, sizeof s, "%c%c%zu", bo, dt->kind, size);
    }
    pk_buf_puts(w->out, "{\"py/type\":\"numpy.dtype\",\"str\":");
    pk_json_string(w->out, s, strlen(s));
    if (dt->nfields > 0) {
        pk_buf_puts(w->out, ",\"names\":[");
        for (size_t i = 0; i < dt->nfields; i++) {
            if (i) pk_buf_putc(w->out, ',');
            const char *nm = dt->fields[i].name ? dt->fields[i].name : "";
            pk_json_string(w->out, nm, strlen(nm));
        }
        pk_buf_putc(w->out, ']');
    }
    return pk_buf_putc(w->out, '}');
}

static pk_code np_element_cb(void *ctx, const pk_value *v) {
    return write_value(ctx, v);
}

/* Writes a container (on the ancestor stack for the duration). */
static pk_code write_container(jw *w, const pk_value *v) {
    for (size_t i = 0; i < w->nanc; i++) {
        if (w->anc[i].node == v) {
            pk_buf_puts(w->out, "{\"py/ref\":");
            pk_json_string(w->out, (const char *)w->path.data, w->anc[i].path_len);
            return pk_buf_putc(w->out, '}');
        }
    }
    if (w->nanc >= w->lim->max_depth) {
        return pk_err_set(w->err, PK_ELIMIT, -1, -1,
                          "limit exceeded: nesting deeper than max_depth (%u) at '%.100s%s'",
                          (unsigned)w->lim->max_depth, w->path.data ? (char *)w->path.data : "$",
                          w->path.len > 100 ? "..." : "");
    }
    if (w->nanc == w->anc_cap) {
        size_t ncap = w->anc_cap ? w->anc_cap * 2 : 16;
        jw_anc *n = pk_realloc(w->out->alloc, w->anc, w->anc_cap * sizeof *n, ncap * sizeof *n);
        if (!n) return pk_err_nomem(w->err, -1);
        w->anc = n;
        w->anc_cap = ncap;
    }
    w->anc[w->nanc].node = v;
    w->anc[w->nanc].path_len = w->path.len;
    w->nanc++;
    pk_code rc;
    switch (v->kind) {
    case PK_LIST:
    case PK_TUPLE:
    case PK_SET:
    case PK_FROZENSET:
        rc = write_seq(w, v);
        break;
    case PK_DICT: {
        int first = 1;
        pk_buf_putc(w->out, '{');
        rc = write_dict_entries(w, v, &first);
        if (!rc) rc = pk_buf_putc(w->out, '}');
        break;
    }
    case PK_OBJECT:
        rc = write_object(w, v);
        break;
    default:
        rc = pk_np_write_json(w->out, v, w->flags, np_element_cb, w);
        break;
    }
    w->nanc--;
    return rc;
}

static pk_code write_value(jw *w, const pk_value *v) {
    PK_TRY(jw_check(w));
    if (!v) return pk_buf_puts(w->out, "null");
    switch (v->kind) {
    case PK_NONE:
        return pk_buf_puts(w->out, "null");
    case PK_BOOL:
        return pk_buf_puts(w->out, v->u.b ? "true" : "false");
    case PK_INT:
    case PK_BIGINT:
        return pk_json_int(w->out, v);
    case PK_FLOAT:
        return pk_json_double_flags(w->out, v->u.f, w->flags);
    case PK_COMPLEX:
        pk_buf_puts(w->out, "{\"py/complex\":[");
        pk_json_double_flags(w->out, v->u.c.re, w->flags);
        pk_buf_putc(w->out, ',');
        pk_json_double_flags(w->out, v->u.c.im, w->flags);
        return pk_buf_puts(w->out, "]}");
    case PK_STR:
        return pk_json_string(w->out, v->u.s.ptr, v->u.s.len);
    case PK_BYTES:
    case PK_BYTEARRAY:
        pk_buf_puts(w->out, "{\"py/bytes\":\"");
        pk_base64(w->out, (const uint8_t *)v->u.s.ptr, v->u.s.len);
        return pk_buf_puts(w->out, "\"}");
    case PK_GLOBAL:
        pk_buf_puts(w->out, "{\"py/type\":");
        write_global_name(w, v);
        return pk_buf_putc(w->out, '}');
    case PK_DTYPE:
        return write_dtype(w, v);
    default:
        return write_container(w, v);
    }
}

pk_code pk_json_write(pk_buf *out, const pk_value *v, const char *path, const pk_limits *lim,
                      pk_err *err) {
    return pk_json_write_flags(out, v, path, lim, 0, err);
}

/* The error for output over the cap: names the limit that set it. */
static pk_code cap_error(const pk_limits *lim, uint64_t cap, int measured, pk_err *err) {
    const char *why = measured ? ": shared objects expand to at least that much" : "";
    if (lim->max_expand && cap == lim->max_expand && cap != lim->max_output)
        return pk_err_set(err, PK_ELIMIT, -1, -1,
                          "limit exceeded: JSON text longer than the expansion limit (%llu bytes "
                          "= expand_slack %llu + expand_factor %u x the pickle's size)%s",
                          (unsigned long long)cap, (unsigned long long)lim->expand_slack,
                          (unsigned)lim->expand_factor, why);
    return pk_err_set(err, PK_ELIMIT, -1, -1,
                      "limit exceeded: JSON text longer than max_output (%llu bytes)%s",
                      (unsigned long long)cap, why);
}

uint64_t pk_json_cap(const pk_limits *lim) {
    uint64_t cap = lim->max_output;
    if (lim->max_expand && (!cap || lim->max_expand < cap)) cap = lim->max_expand;
    return cap;
}

pk_code pk_json_write_flags(pk_buf *out, const pk_value *v, const char *path, const pk_limits *lim,
                            unsigned flags, pk_err *err) {
    pk_limits deflim;
    if (!lim) {
        pk_limits_default(&deflim);
        lim = &deflim;
    }
    jw w;
    memset(&w, 0, sizeof w);
    w.out = out;
    w.lim = lim;
    w.err = err;
    w.flags = flags;
    w.cap = pk_json_cap(lim);
    w.out_start = out->len;
    /* Shared nodes are written at every place they occur: measure the expansion first (linear
     * time) so a memo bomb is refused at once rather than after printing up to the cap. */
    if (w.cap) {
        pk_expand ex;
        pk_code mrc = pk_expand_measure(out->alloc, v, w.cap + 1, lim->max_depth, &ex);
        if (mrc == PK_ENOMEM) return pk_err_nomem(err, -1);
        if (mrc == PK_OK && ex.bytes > w.cap) return cap_error(lim, w.cap, 1, err);
    }
    pk_buf_init(&w.path, out->alloc, 0);
    pk_buf_puts(&w.path, path && *path ? path : "$");
    pk_code rc = w.path.failed ? w.path.failed : write_value(&w, v);
    if (rc == PK_OK) rc = jw_check(&w);
    if (rc != PK_OK && err->code == PK_OK) {
        if (rc == PK_ELIMIT)
            cap_error(lim, w.cap, 0, err);
        else if (rc == PK_ENOMEM)
            pk_err_nomem(err, -1);
        else
            pk_err_set(err, rc, -1, -1, "cannot write JSON: %s", pk_code_label(rc));
    }
    pk_free(out->alloc, w.anc);
    pk_buf_free(&w.path);
    return rc;
}
