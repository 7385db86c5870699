/*
 * pk_writer.c - value graph -> pickle bytes (see pk_writer.h for what is written and why).
 *
 * How it works: one recursive save() over the graph, shaped like CPython's _pickle.c: atoms (None,
 * bool, int, float) are written directly; every other node is first looked up in the memo and
 * written as a GET when it was written before; otherwise it is written and memoized. Compound
 * forms CPython produces through __reduce__ (sets below protocol 4, bytes below protocol 3,
 * numpy arrays, ...) are built as small scratch nodes (a global, an argument tuple) and saved
 * through the same save(), so they are memoized exactly like CPython's.
 *
 * Framing (protocol >= 4) follows _Pickler_Write / _Pickler_CommitFrame: the first write after
 * PROTO (or after a committed frame) reserves a 9-byte FRAME header; at the start of each save()
 * a frame of >= 64 KiB is committed; a frame under 4 bytes gets its header removed instead;
 * payloads of >= 64 KiB bypass framing (the frame before them is committed first).
 *
 * Limits: depth opts->max_depth; output through pk_buf (its max). Ownership: see pk_writer.h.
 */
#include "pk_writer.h"

#include "pk_json.h"
#include "pk_ndarray.h"
#include "pk_opcodes.h"
#include "pk_vm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FRAME_TARGET 65536u
#define FRAME_MIN    4u
#define FRAME_HDR    9u
#define BATCH        1000u
#define NO_FRAME     ((size_t)-1)

typedef struct memo_ent {
    const pk_value *v; /* NULL = empty slot */
    uint64_t h;
    uint32_t idx;
} memo_ent;

typedef struct wr {
    pk_buf *out;
    pk_err *err;
    int proto;
    int numpy2;
    uint32_t max_depth;
    uint64_t max_mem; /* memo table + scratch (opts->max_mem); 0 = none */
    pk_arena scratch;
    memo_ent *memo;
    size_t memo_cap, memo_len;
    uint32_t memo_next;
    int framing;
    size_t frame_start;
    int reused; /* set by memo_after: 1 when the node had been written by its own parts */
} wr;

/* ---- output and framing -------------------------------------------------------------------- */

static pk_code out_fail(wr *w) {
    if (w->out->failed == PK_ELIMIT)
        return pk_err_set(w->err, PK_ELIMIT, -1, -1,
                          "the pickle would exceed the output limit of %zu bytes", w->out->max);
    return pk_err_nomem(w->err, -1);
}

static pk_code w_write(wr *w, const void *p, size_t n) {
    if (w->framing && w->frame_start == NO_FRAME) {
        static const uint8_t hdr[FRAME_HDR] = {0};
        w->frame_start = w->out->len;
        if (pk_buf_append(w->out, hdr, FRAME_HDR)) return out_fail(w);
    }
    if (n && pk_buf_append(w->out, p, n)) return out_fail(w);
    return PK_OK;
}

static pk_code w_op(wr *w, uint8_t op) {
    return w_write(w, &op, 1);
}

/* MARK and op: protocol 0's empty tuple, dict and list. */
static pk_code w_mark_op(wr *w, uint8_t op) {
    uint8_t b[2] = {PK_OP_MARK, op};
    return w_write(w, b, 2);
}

static void commit_frame(wr *w) {
    if (!w->framing || w->frame_start == NO_FRAME) return;
    uint8_t *d = w->out->data + w->frame_start;
    size_t flen = w->out->len - w->frame_start - FRAME_HDR;
    if (flen >= FRAME_MIN) {
        d[0] = PK_OP_FRAME;
        uint64_t n = flen;
        for (int i = 0; i < 8; i++)
            d[1 + i] = (uint8_t)(n >> (8 * i));
    } else {
        memmove(d, d + FRAME_HDR, flen);
        w->out->len -= FRAME_HDR;
    }
    w->frame_start = NO_FRAME;
}

static void opcode_boundary(wr *w) {
    if (w->framing && w->frame_start != NO_FRAME &&
        w->out->len - w->frame_start - FRAME_HDR >= FRAME_TARGET)
        commit_frame(w);
}

/* header + payload; payloads of FRAME_TARGET bytes or more are written outside frames. */
static pk_code w_payload(wr *w, const uint8_t *hdr, size_t hn, const void *data, size_t n) {
    int bypass = w->framing && n >= FRAME_TARGET;
    if (bypass) {
        commit_frame(w);
        w->framing = 0;
    }
    pk_code c = w_write(w, hdr, hn);
    if (!c) c = w_write(w, data, n);
    if (bypass) w->framing = 1;
    return c;
}

static void le(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* op + decimal v + suffix ("L\n" or "\n"): INT, LONG, PUT, GET of protocol 0. */
static pk_code w_printf_line(wr *w, uint8_t op, const char *suffix, long long v) {
    char tmp[48];
    tmp[0] = (char)op;
    int n = snprintf(tmp + 1, sizeof tmp - 1, "%lld%s", v, suffix);
    return w_write(w, tmp, (size_t)n + 1);
}

/* ---- memo ---------------------------------------------------------------------------------- */

/* Scratch nodes flagged WR_IDENTITY are memoized by identity even when they are bytes: numpy
 * may keep a large bytes object as an array's memory, so two arrays must not share one. */
#define WR_IDENTITY 0x100u

static int content_keyed(const pk_value *v) {
    if (v->flags & WR_IDENTITY) return 0;
    return v->kind == PK_STR || v->kind == PK_BYTES || v->kind == PK_GLOBAL;
}

/* Python 2 str nodes (STRING opcodes) keep their opcode below protocol 3: another memo key. */
static int py2str(const wr *w, const pk_value *v) {
    return w->proto < 3 && (v->flags & PK_VF_PY2STR) && (v->kind == PK_STR || v->kind == PK_BYTES);
}

static uint64_t key_hash(const pk_value *v) {
    uint64_t h = 14695981039346656037ull ^ (uint64_t)v->kind ^ ((v->flags & PK_VF_PY2STR) << 8);
    if (v->kind == PK_STR || v->kind == PK_BYTES) return pk_fnv1a(h, v->u.s.ptr, v->u.s.len);
    if (v->kind == PK_GLOBAL) {
        h = pk_fnv1a(h, v->u.g.module, v->u.g.module_len);
        h = pk_fnv1a(h, "\n", 1);
        return pk_fnv1a(h, v->u.g.name, v->u.g.name_len);
    }
    uint64_t p = (uint64_t)(uintptr_t)v;
    p ^= p >> 33;
    p *= 0xff51afd7ed558ccdull;
    p ^= p >> 33;
    return p;
}

static int key_eq(const pk_value *a, const pk_value *b) {
    if (a == b) return 1;
    if (a->kind != b->kind || !content_keyed(a) || !content_keyed(b) ||
        (a->flags & PK_VF_PY2STR) != (b->flags & PK_VF_PY2STR))
        return 0;
    if (a->kind == PK_GLOBAL)
        return a->u.g.module_len == b->u.g.module_len && a->u.g.name_len == b->u.g.name_len &&
               memcmp(a->u.g.module, b->u.g.module, a->u.g.module_len) == 0 &&
               memcmp(a->u.g.name, b->u.g.name, a->u.g.name_len) == 0;
    return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
}

/* The writer's memory (memo table, scratch nodes) would pass opts->max_mem. */
static pk_code mem_limit(const wr *w) {
    return pk_err_set(w->err, PK_ELIMIT, -1, -1,
                      "limit exceeded: writing the pickle needs more than the %llu bytes of "
                      "memory that max_alloc leaves for it",
                      (unsigned long long)w->max_mem);
}

/* Index of v in the memo, or -1. */
static int64_t memo_find(const wr *w, const pk_value *v) {
    if (!w->memo_cap) return -1;
    uint64_t h = key_hash(v);
    size_t mask = w->memo_cap - 1;
    for (size_t s = (size_t)h & mask;; s = (s + 1) & mask) {
        const memo_ent *e = &w->memo[s];
        if (!e->v) return -1;
        if (e->h == h && key_eq(e->v, v)) return e->idx;
    }
}

static pk_code memo_insert(wr *w, const pk_value *v) {
    if ((w->memo_len + 1) * 2 > w->memo_cap) {
        size_t ncap = w->memo_cap ? w->memo_cap * 2 : 64, bytes;
        if (pk_mul_overflow(ncap, sizeof(memo_ent), &bytes)) return pk_err_nomem(w->err, -1);
        if (w->max_mem && (bytes > w->max_mem || w->scratch.used > w->max_mem - bytes))
            return mem_limit(w);
        memo_ent *t = pk_malloc(w->out->alloc, bytes);
        if (!t) return pk_err_nomem(w->err, -1);
        memset(t, 0, bytes);
        for (size_t i = 0; i < w->memo_cap; i++) {
            if (!w->memo[i].v) continue;
            size_t s = (size_t)w->memo[i].h & (ncap - 1);
            while (t[s].v)
                s = (s + 1) & (ncap - 1);
            t[s] = w->memo[i];
        }
        pk_free(w->out->alloc, w->memo);
        w->memo = t;
        w->memo_cap = ncap;
    }
    if (w->memo_next == UINT32_MAX)
        return pk_err_set(w->err, PK_ELIMIT, -1, -1, "too many memo entries");
    uint64_t h = key_hash(v);
    size_t s = (size_t)h & (w->memo_cap - 1);
    while (w->memo[s].v)
        s = (s + 1) & (w->memo_cap - 1);
    w->memo[s].v = v;
    w->memo[s].h = h;
    w->memo[s].idx = w->memo_next++;
    w->memo_len++;
    return PK_OK;
}

/* Memoizes v and writes the PUT for it (MEMOIZE, BINPUT, LONG_BINPUT or PUT). */
static pk_code memo_put(wr *w, const pk_value *v) {
    uint32_t idx = w->memo_next;
    PK_TRY(memo_insert(w, v));
    if (w->proto >= 4) return w_op(w, PK_OP_MEMOIZE);
    if (w->proto >= 1) {
        uint8_t b[5];
        if (idx < 256) {
            b[0] = PK_OP_BINPUT;
            b[1] = (uint8_t)idx;
            return w_write(w, b, 2);
        }
        b[0] = PK_OP_LONG_BINPUT;
        le(b + 1, idx, 4);
        return w_write(w, b, 5);
    }
    return w_printf_line(w, PK_OP_PUT, "\n", (long long)idx);
}

static pk_code memo_get(wr *w, uint32_t idx) {
    if (w->proto >= 1) {
        uint8_t b[5];
        if (idx < 256) {
            b[0] = PK_OP_BINGET;
            b[1] = (uint8_t)idx;
            return w_write(w, b, 2);
        }
        b[0] = PK_OP_LONG_BINGET;
        le(b + 1, idx, 4);
        return w_write(w, b, 5);
    }
    return w_printf_line(w, PK_OP_GET, "\n", (long long)idx);
}

/* After a REDUCE / NEWOBJ / TUPLE: memoize v, or (when its parts referenced it, a cycle) drop
 * the fresh copy and fetch the memoized one. */
static pk_code memo_after(wr *w, const pk_value *v) {
    int64_t m = memo_find(w, v);
    w->reused = m >= 0;
    if (m < 0) return memo_put(w, v);
    pk_code c = w_op(w, PK_OP_POP);
    return c ? c : memo_get(w, (uint32_t)m);
}
/* ---- scratch nodes ------------------------------------------------------------------------- */

static pk_value *mk(wr *w, pk_kind k) {
    pk_value *v = pk_new(&w->scratch, k);
    if (!v) pk_err_nomem(w->err, -1);
    return v;
}

static pk_value *mk_global(wr *w, const char *module, const char *name) {
    pk_value *v = pk_new_global(&w->scratch, module, strlen(module), name, strlen(name));
    if (!v) pk_err_nomem(w->err, -1);
    return v;
}

static pk_value *mk_int(wr *w, int64_t i) {
    pk_value *v = mk(w, PK_INT);
    if (v) v->u.i = i;
    return v;
}

static pk_value *mk_bytes(wr *w, pk_kind kind, const void *p, size_t n) {
    pk_value *v = mk(w, kind);
    if (!v) return NULL;
    v->u.s.ptr = n ? (const char *)p : "";
    v->u.s.len = n;
    return v;
}

static pk_value *mk_tuple(wr *w, size_t n) {
    pk_value *t = pk_new_seq(&w->scratch, PK_TUPLE, n);
    if (!t) {
        pk_err_nomem(w->err, -1);
        return NULL;
    }
    t->u.seq.len = n;
    return t;
}

/* The latin-1 text of bytes, as a UTF-8 str. */
static pk_value *mk_latin1(wr *w, const uint8_t *p, size_t n) {
    size_t cap;
    if (pk_mul_overflow(n, 2, &cap) || pk_add_overflow(cap, 1, &cap)) {
        pk_err_nomem(w->err, -1);
        return NULL;
    }
    char *s = pk_arena_alloc(&w->scratch, cap);
    pk_value *v = mk(w, PK_STR);
    if (!s || !v) {
        pk_err_nomem(w->err, -1);
        return NULL;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            s[j++] = (char)p[i];
        } else {
            s[j++] = (char)(0xC0 | (p[i] >> 6));
            s[j++] = (char)(0x80 | (p[i] & 0x3F));
        }
    }
    s[j] = 0;
    v->u.s.ptr = s;
    v->u.s.len = j;
    return v;
}

static pk_value *mk_str(wr *w, const char *s) {
    return mk_bytes(w, PK_STR, s, strlen(s));
}

/* ---- UTF-8 --------------------------------------------------------------------------------- */

/* Decodes one code point of valid UTF-8 at s[*i]. */
static uint32_t utf8_next(const uint8_t *s, size_t *i) {
    uint8_t c = s[*i];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    uint32_t cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; k++)
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    *i += len;
    return cp;
}

/* ---- atoms --------------------------------------------------------------------------------- */

static pk_code save_int64(wr *w, int64_t v) {
    if (v >= INT32_MIN && v <= INT32_MAX) {
        uint8_t b[5];
        if (w->proto == 0) return w_printf_line(w, PK_OP_INT, "\n", (long long)v);
        if (v >= 0 && v <= 0xFF) {
            b[0] = PK_OP_BININT1;
            b[1] = (uint8_t)v;
            return w_write(w, b, 2);
        }
        if (v >= 0 && v <= 0xFFFF) {
            b[0] = PK_OP_BININT2;
            le(b + 1, (uint64_t)v, 2);
            return w_write(w, b, 3);
        }
        b[0] = PK_OP_BININT;
        le(b + 1, (uint64_t)(uint32_t)(int32_t)v, 4);
        return w_write(w, b, 5);
    }
    if (w->proto < 2) return w_printf_line(w, PK_OP_LONG, "L\n", (long long)v);
    /* LONG1 with the minimal two's complement bytes */
    uint8_t b[10];
    uint64_t u = (uint64_t)v;
    int n = 8;
    while (n > 1) {
        uint8_t top = (uint8_t)(u >> (8 * (n - 1))), next = (uint8_t)(u >> (8 * (n - 2)));
        if ((v < 0 && top == 0xFF && (next & 0x80)) || (v >= 0 && top == 0 && !(next & 0x80)))
            n--;
        else
            break;
    }
    b[0] = PK_OP_LONG1;
    b[1] = (uint8_t)n;
    le(b + 2, u, n);
    return w_write(w, b, (size_t)n + 2);
}

static pk_code save_bigint(wr *w, const pk_value *v) {
    size_t n = v->u.s.len;
    if (w->proto >= 2) {
        uint8_t b[5];
        if (n < 256) {
            b[0] = PK_OP_LONG1;
            b[1] = (uint8_t)n;
            pk_code c = w_write(w, b, 2);
            return c ? c : w_write(w, v->u.s.ptr, n);
        }
        if (n > INT32_MAX) return pk_err_set(w->err, PK_EENCODE, -1, -1, "int too large");
        b[0] = PK_OP_LONG4;
        le(b + 1, n, 4);
        pk_code c = w_write(w, b, 5);
        return c ? c : w_write(w, v->u.s.ptr, n);
    }
    pk_buf digits;
    pk_buf_init(&digits, w->out->alloc, 0);
    pk_buf_putc(&digits, PK_OP_LONG);
    pk_json_int(&digits, v);
    pk_buf_puts(&digits, "L\n");
    if (digits.failed) {
        pk_buf_free(&digits);
        return pk_err_nomem(w->err, -1);
    }
    pk_code c = w_write(w, digits.data, digits.len);
    pk_buf_free(&digits);
    return c;
}

static pk_code save_float(wr *w, double d) {
    if (w->proto == 0) {
        char tmp[48];
        tmp[0] = PK_OP_FLOAT;
        int n = pk_float_repr(d, tmp + 1, sizeof tmp - 2);
        tmp[1 + n] = '\n';
        return w_write(w, tmp, (size_t)n + 2);
    }
    uint8_t b[9];
    uint64_t u;
    memcpy(&u, &d, 8);
    b[0] = PK_OP_BINFLOAT;
    for (int i = 0; i < 8; i++)
        b[1 + i] = (uint8_t)(u >> (8 * (7 - i)));
    return w_write(w, b, 9);
}

/* str: UNICODE (raw-unicode-escape, protocol 0) or SHORT_BINUNICODE / BINUNICODE / BINUNICODE8. */
static pk_code save_str_data(wr *w, const pk_value *v) {
    const char *s = v->u.s.ptr;
    size_t n = v->u.s.len;
    size_t bad = pk_utf8_check(s, n);
    if (bad != n)
        return pk_err_set(w->err, PK_EENCODE, -1, -1, "str is not valid UTF-8 at byte %zu", bad);
    if (w->proto == 0) {
        pk_buf t;
        pk_buf_init(&t, w->out->alloc, 0);
        pk_buf_putc(&t, PK_OP_UNICODE);
        const uint8_t *p = (const uint8_t *)s;
        for (size_t i = 0; i < n;) {
            uint32_t cp = utf8_next(p, &i);
            if (cp >= 0x10000)
                pk_buf_printf(&t, "\\U%08x", (unsigned)cp);
            else if (cp >= 256 || cp == '\\' || cp == 0 || cp == '\n' || cp == '\r' || cp == 0x1a)
                pk_buf_printf(&t, "\\u%04x", (unsigned)cp);
            else
                pk_buf_putc(&t, (int)cp);
        }
        pk_buf_putc(&t, '\n');
        if (t.failed) {
            pk_buf_free(&t);
            return pk_err_nomem(w->err, -1);
        }
        pk_code c = w_write(w, t.data, t.len);
        pk_buf_free(&t);
        return c;
    }
    uint8_t h[9];
    size_t hn;
    if (w->proto >= 4 && n < 256) {
        h[0] = PK_OP_SHORT_BINUNICODE;
        h[1] = (uint8_t)n;
        hn = 2;
    } else if (n <= UINT32_MAX) {
        h[0] = PK_OP_BINUNICODE;
        le(h + 1, n, 4);
        hn = 5;
    } else if (w->proto >= 4) {
        h[0] = PK_OP_BINUNICODE8;
        le(h + 1, n, 8);
        hn = 9;
    } else {
        return pk_err_set(w->err, PK_EENCODE, -1, -1, "str larger than 4 GiB needs protocol 4");
    }
    return w_payload(w, h, hn, s, n);
}

/* bytes (protocol >= 3) / bytearray (protocol 5) payload opcodes. */
static pk_code save_bytes_data(wr *w, const pk_value *v, int bytearray) {
    size_t n = v->u.s.len;
    uint8_t h[9];
    size_t hn;
    if (bytearray) {
        h[0] = PK_OP_BYTEARRAY8;
        le(h + 1, n, 8);
        hn = 9;
    } else if (n < 256) {
        h[0] = PK_OP_SHORT_BINBYTES;
        h[1] = (uint8_t)n;
        hn = 2;
    } else if (n <= UINT32_MAX) {
        h[0] = PK_OP_BINBYTES;
        le(h + 1, n, 4);
        hn = 5;
    } else if (w->proto >= 4) {
        h[0] = PK_OP_BINBYTES8;
        le(h + 1, n, 8);
        hn = 9;
    } else {
        return pk_err_set(w->err, PK_EENCODE, -1, -1, "bytes larger than 4 GiB need protocol 4");
    }
    return w_payload(w, h, hn, v->u.s.ptr, n);
}

/* A Python 2 str: STRING (protocol 0, quoted with Python escapes), SHORT_BINSTRING or BINSTRING;
 * Python 2 loads a str, Python 3 what it loaded from the original (str when ASCII, else per its
 * encoding= argument). */
static pk_code save_py2str(wr *w, const pk_value *v) {
    const uint8_t *p = (const uint8_t *)v->u.s.ptr;
    size_t n = v->u.s.len;
    if (w->proto == 0) {
        pk_buf t;
        pk_buf_init(&t, w->out->alloc, 0);
        pk_buf_putc(&t, PK_OP_STRING);
        pk_buf_putc(&t, '\'');
        for (size_t i = 0; i < n; i++) {
            uint8_t c = p[i];
            if (c == '\\' || c == '\'')
                pk_buf_printf(&t, "\\%c", c);
            else if (c == '\n')
                pk_buf_puts(&t, "\\n");
            else if (c == '\r')
                pk_buf_puts(&t, "\\r");
            else if (c == '\t')
                pk_buf_puts(&t, "\\t");
            else if (c < 0x20 || c >= 0x7f)
                pk_buf_printf(&t, "\\x%02x", c);
            else
                pk_buf_putc(&t, c);
        }
        pk_buf_puts(&t, "'\n");
        if (t.failed) {
            pk_buf_free(&t);
            return pk_err_nomem(w->err, -1);
        }
        pk_code c = w_write(w, t.data, t.len);
        pk_buf_free(&t);
        return c ? c : memo_put(w, v);
    }
    uint8_t h[5];
    size_t hn;
    if (n < 256) {
        h[0] = PK_OP_SHORT_BINSTRING;
        h[1] = (uint8_t)n;
        hn = 2;
    } else if (n <= INT32_MAX) {
        h[0] = PK_OP_BINSTRING;
        le(h + 1, n, 4);
        hn = 5;
    } else {
        return pk_err_set(w->err, PK_EENCODE, -1, -1, "Python 2 str larger than 2 GiB");
    }
    pk_code c = w_payload(w, h, hn, p, n);
    return c ? c : memo_put(w, v);
}

/* ---- globals ------------------------------------------------------------------------------- */

/* Python 3 -> 2 names for protocols < 3 (CPython's _compat_pickle REVERSE_* mappings). */
static void map_py2(const char **module, const char **name) {
    static const char *const names[][4] = {
        {"builtins", "str", "__builtin__", "unicode"},
        {"builtins", "range", "__builtin__", "xrange"},
        {"builtins", "int", "__builtin__", "long"},
        {"builtins", "chr", "__builtin__", "unichr"},
        {"builtins", "zip", "itertools", "izip"},
        {"builtins", "map", "itertools", "imap"},
        {"builtins", "filter", "itertools", "ifilter"},
        {"functools", "reduce", "__builtin__", "reduce"},
        {"sys", "intern", "__builtin__", "intern"},
    };
    static const char *const modules[][2] = {
        {"builtins", "__builtin__"},
        {"copyreg", "copy_reg"},
        {"queue", "Queue"},
        {"socketserver", "SocketServer"},
        {"configparser", "ConfigParser"},
        {"reprlib", "repr"},
        {"_thread", "thread"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(*module, names[i][0]) == 0 && strcmp(*name, names[i][1]) == 0) {
            *module = names[i][2];
            *name = names[i][3];
            return;
        }
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++)
        if (strcmp(*module, modules[i][0]) == 0) {
            *module = modules[i][1];
            return;
        }
}

static pk_code save(wr *w, const pk_value *v, uint32_t depth);
static pk_code save_reduce(wr *w, const pk_value *func, const pk_value *args, const pk_value *obj,
                           uint32_t depth);
static pk_value *builtin(wr *w, const char *name);

/* The module and name a GLOBAL or INST opcode (protocols 0-3) writes for global g: Python 2's
 * names below protocol 3, refused when they would not read back as g. */
static pk_code text_names(wr *w, const pk_value *g, const char **modp, const char **namep) {
    const char *module = g->u.g.module, *name = g->u.g.name;
    if (strlen(module) != g->u.g.module_len || strlen(name) != g->u.g.name_len ||
        strchr(module, '\n') || strchr(name, '\n') || strchr(name, '.'))
        return pk_err_set(w->err, PK_EENCODE, -1, -1, "global name %s.%s cannot be written", module,
                          name);
    if (w->proto < 3) {
        /* Python 3 reads protocols 0-2 through its Python 2 name mapping (pk_global_map_py2
         * is the decoder's copy of it): write names that map back to this global, or refuse */
        const char *m = module, *nm = name, *bm, *bn;
        map_py2(&m, &nm);
        bm = m;
        bn = nm;
        pk_global_map_py2(&bm, &bn);
        if (strcmp(bm, module) != 0 || strcmp(bn, name) != 0) {
            m = bm = module;
            nm = bn = name;
            pk_global_map_py2(&bm, &bn);
            if (strcmp(bm, module) != 0 || strcmp(bn, name) != 0)
                return pk_err_set(w->err, PK_EENCODE, -1, -1,
                                  "global %s.%s cannot be written below protocol 3: Python 3 "
                                  "would read it as %s.%s",
                                  module, name, bm, bn);
        }
        module = m;
        name = nm;
    }
    *modp = module;
    *namep = name;
    return PK_OK;
}

static pk_code save_global(wr *w, const pk_value *g, uint32_t depth) {
    const char *module = g->u.g.module, *name = g->u.g.name;
    if (w->proto >= 4) {
        pk_value *m = mk_bytes(w, PK_STR, module, g->u.g.module_len);
        pk_value *nm = mk_bytes(w, PK_STR, name, g->u.g.name_len);
        if (!m || !nm) return w->err->code;
        PK_TRY(save(w, m, depth + 1));
        PK_TRY(save(w, nm, depth + 1));
        PK_TRY(w_op(w, PK_OP_STACK_GLOBAL));
        return memo_put(w, g);
    }
    const char *dot = memchr(name, '.', g->u.g.name_len) ? strrchr(name, '.') : NULL;
    if (dot) {
        /* a nested qualified name below protocol 4: getattr(parent, 'last') REDUCE, as CPython
         * writes it (GLOBAL cannot hold a dotted name there) */
        pk_value *parent =
            pk_new_global(&w->scratch, module, g->u.g.module_len, name, (size_t)(dot - name));
        pk_value *f = builtin(w, "getattr"), *args = mk_tuple(w, 2);
        pk_value *last = mk_bytes(w, PK_STR, dot + 1, g->u.g.name_len - (size_t)(dot - name) - 1);
        if (!parent || !f || !args || !last) return pk_err_nomem(w->err, -1);
        args->u.seq.items[0] = parent;
        args->u.seq.items[1] = last;
        return save_reduce(w, f, args, g, depth);
    }
    PK_TRY(text_names(w, g, &module, &name));
    PK_TRY(w_op(w, PK_OP_GLOBAL));
    PK_TRY(w_write(w, module, strlen(module)));
    PK_TRY(w_op(w, '\n'));
    PK_TRY(w_write(w, name, strlen(name)));
    PK_TRY(w_op(w, '\n'));
    return memo_put(w, g);
}

/* ---- containers ---------------------------------------------------------------------------- */

static pk_code save_items(wr *w, pk_value *const *items, size_t n, uint32_t depth) {
    for (size_t i = 0; i < n; i++) {
        PK_TRY(save(w, items[i], depth + 1));
    }
    return PK_OK;
}

/* APPEND(S) of items onto the list (exact: batch_list_exact; else the iterator form, which is
 * the same except it writes a lone APPEND for a 1-item last batch too). */
static pk_code batch_list(wr *w, pk_value *const *items, size_t n, int exact, uint32_t depth) {
    if (n == 0) return PK_OK;
    if (w->proto == 0) {
        for (size_t i = 0; i < n; i++) {
            PK_TRY(save(w, items[i], depth + 1));
            PK_TRY(w_op(w, PK_OP_APPEND));
        }
        return PK_OK;
    }
    if (exact && n == 1) {
        PK_TRY(save(w, items[0], depth + 1));
        return w_op(w, PK_OP_APPEND);
    }
    for (size_t i = 0; i < n;) {
        size_t k = n - i < BATCH ? n - i : BATCH;
        if (!exact && k == 1) {
            PK_TRY(save(w, items[i], depth + 1));
            PK_TRY(w_op(w, PK_OP_APPEND));
        } else {
            PK_TRY(w_op(w, PK_OP_MARK));
            PK_TRY(save_items(w, items + i, k, depth));
            PK_TRY(w_op(w, PK_OP_APPENDS));
        }
        i += k;
    }
    return PK_OK;
}

static pk_code batch_dict(wr *w, const pk_dict *d, int exact, uint32_t depth) {
    size_t n = d->len;
    if (n == 0) return PK_OK;
    if (w->proto == 0 || (exact && n == 1)) {
        for (size_t i = 0; i < n; i++) {
            PK_TRY(save(w, d->keys[i], depth + 1));
            PK_TRY(save(w, d->vals[i], depth + 1));
            PK_TRY(w_op(w, PK_OP_SETITEM));
        }
        return PK_OK;
    }
    size_t i = 0;
    for (;;) {
        size_t k = n - i < BATCH ? n - i : BATCH;
        if (k == 0 && !exact) break;
        if (!exact && k == 1) {
            PK_TRY(save(w, d->keys[i], depth + 1));
            PK_TRY(save(w, d->vals[i], depth + 1));
            PK_TRY(w_op(w, PK_OP_SETITEM));
            break;
        }
        PK_TRY(w_op(w, PK_OP_MARK));
        for (size_t j = i; j < i + k; j++) {
            PK_TRY(save(w, d->keys[j], depth + 1));
            PK_TRY(save(w, d->vals[j], depth + 1));
        }
        PK_TRY(w_op(w, PK_OP_SETITEMS));
        i += k;
        if (k < BATCH) break; /* exact dicts write an empty batch after a full last one */
    }
    return PK_OK;
}

static pk_code save_tuple(wr *w, const pk_value *v, uint32_t depth) {
    size_t n = v->u.seq.len;
    if (n == 0) return w->proto >= 1 ? w_op(w, PK_OP_EMPTY_TUPLE) : w_mark_op(w, PK_OP_TUPLE);
    if (n <= 3 && w->proto >= 2) {
        PK_TRY(save_items(w, v->u.seq.items, n, depth));
        int64_t m = memo_find(w, v);
        if (m >= 0) {
            for (size_t i = 0; i < n; i++)
                PK_TRY(w_op(w, PK_OP_POP));
            return memo_get(w, (uint32_t)m);
        }
        PK_TRY(w_op(w, (uint8_t)(PK_OP_TUPLE1 + n - 1)));
        return memo_put(w, v);
    }
    PK_TRY(w_op(w, PK_OP_MARK));
    PK_TRY(save_items(w, v->u.seq.items, n, depth));
    int64_t m = memo_find(w, v);
    if (m >= 0) {
        if (w->proto >= 1) {
            PK_TRY(w_op(w, PK_OP_POP_MARK));
        } else {
            for (size_t i = 0; i <= n; i++)
                PK_TRY(w_op(w, PK_OP_POP));
        }
        return memo_get(w, (uint32_t)m);
    }
    PK_TRY(w_op(w, PK_OP_TUPLE));
    return memo_put(w, v);
}

/* func(*args) REDUCE, then memoize obj (when given). */
static pk_code save_reduce(wr *w, const pk_value *func, const pk_value *args, const pk_value *obj,
                           uint32_t depth) {
    PK_TRY(save(w, func, depth + 1));
    PK_TRY(save(w, args, depth + 1));
    PK_TRY(w_op(w, PK_OP_REDUCE));
    return obj ? memo_after(w, obj) : PK_OK;
}

static pk_value *builtin(wr *w, const char *name) {
    return mk_global(w, "builtins", name);
}

/* set / frozenset below protocol 4: cls([items]) */
static pk_code save_set_reduce(wr *w, const pk_value *v, uint32_t depth) {
    pk_value *g = builtin(w, v->kind == PK_SET ? "set" : "frozenset");
    pk_value *lst = mk(w, PK_LIST), *args = mk_tuple(w, 1);
    if (!g || !lst || !args) return w->err->code;
    lst->u.seq = v->u.seq;
    lst->u.seq.index = NULL;
    args->u.seq.items[0] = lst;
    return save_reduce(w, g, args, v, depth);
}

static pk_code save_set(wr *w, const pk_value *v, uint32_t depth) {
    if (w->proto < 4) return save_set_reduce(w, v, depth);
    size_t n = v->u.seq.len;
    if (v->kind == PK_FROZENSET) {
        PK_TRY(w_op(w, PK_OP_MARK));
        PK_TRY(save_items(w, v->u.seq.items, n, depth));
        int64_t m = memo_find(w, v);
        if (m >= 0) {
            PK_TRY(w_op(w, PK_OP_POP_MARK));
            return memo_get(w, (uint32_t)m);
        }
        PK_TRY(w_op(w, PK_OP_FROZENSET));
        return memo_put(w, v);
    }
    PK_TRY(w_op(w, PK_OP_EMPTY_SET));
    PK_TRY(memo_put(w, v));
    if (n == 0) return PK_OK;
    size_t i = 0, k;
    do {
        k = n - i < BATCH ? n - i : BATCH;
        PK_TRY(w_op(w, PK_OP_MARK));
        PK_TRY(save_items(w, v->u.seq.items + i, k, depth));
        PK_TRY(w_op(w, PK_OP_ADDITEMS));
        i += k;
    } while (k == BATCH);
    return PK_OK;
}

static pk_code save_dict(wr *w, const pk_value *v, uint32_t depth) {
    const pk_dict *d = &v->u.d;
    if (d->cls) {
        /* OrderedDict() / defaultdict([factory]) REDUCE, then the items */
        int has_factory = d->default_factory && d->default_factory->kind != PK_NONE;
        pk_value *args = mk_tuple(w, has_factory ? 1 : 0);
        if (!args) return w->err->code;
        if (has_factory) args->u.seq.items[0] = d->default_factory;
        PK_TRY(save_reduce(w, d->cls, args, v, depth));
        if (w->reused) return PK_OK; /* written completely by its own arguments */
        return batch_dict(w, d, 0, depth);
    }
    PK_TRY(w->proto >= 1 ? w_op(w, PK_OP_EMPTY_DICT) : w_mark_op(w, PK_OP_DICT));
    PK_TRY(memo_put(w, v));
    return batch_dict(w, d, 1, depth);
}

static pk_code save_list(wr *w, const pk_value *v, uint32_t depth) {
    PK_TRY(w->proto >= 1 ? w_op(w, PK_OP_EMPTY_LIST) : w_mark_op(w, PK_OP_LIST));
    PK_TRY(memo_put(w, v));
    return batch_list(w, v->u.seq.items, v->u.seq.len, 1, depth);
}

/* bytes: BINBYTES* (protocol >= 3), else _codecs.encode(latin1, 'latin1') / bytes(). */
static pk_code save_bytes(wr *w, const pk_value *v, uint32_t depth) {
    if (w->proto >= 3) {
        pk_code c = save_bytes_data(w, v, 0);
        return c ? c : memo_put(w, v);
    }
    pk_value *g, *args;
    if (v->u.s.len == 0) {
        g = builtin(w, "bytes");
        args = mk_tuple(w, 0);
    } else {
        g = mk_global(w, "_codecs", "encode");
        args = mk_tuple(w, 2);
        if (args) {
            args->u.seq.items[0] = mk_latin1(w, (const uint8_t *)v->u.s.ptr, v->u.s.len);
            args->u.seq.items[1] = mk_str(w, "latin1");
            if (!args->u.seq.items[0] || !args->u.seq.items[1]) return w->err->code;
        }
    }
    if (!g || !args) return w->err->code;
    return save_reduce(w, g, args, v, depth);
}

/* bytearray: BYTEARRAY8 (protocol 5), else bytearray(b'..') REDUCE (the bytes written as
 * protocol allows: _codecs.encode(...) below 3), bytearray() when empty (CPython 3.11). */
static pk_code save_bytearray(wr *w, const pk_value *v, uint32_t depth) {
    if (w->proto >= 5) {
        pk_code c = save_bytes_data(w, v, 1);
        return c ? c : memo_put(w, v);
    }
    pk_value *g = builtin(w, "bytearray"), *args = mk_tuple(w, v->u.s.len ? 1 : 0);
    if (!g || !args) return w->err->code;
    if (v->u.s.len && !(args->u.seq.items[0] = mk_bytes(w, PK_BYTES, v->u.s.ptr, v->u.s.len)))
        return w->err->code;
    return save_reduce(w, g, args, v, depth);
}

static pk_code save_complex(wr *w, const pk_value *v, uint32_t depth) {
    pk_value *g = builtin(w, "complex"), *args = mk_tuple(w, 2);
    pk_value *re = mk(w, PK_FLOAT), *im = mk(w, PK_FLOAT);
    if (!g || !args || !re || !im) return w->err->code;
    re->u.f = v->u.c.re;
    im->u.f = v->u.c.im;
    args->u.seq.items[0] = re;
    args->u.seq.items[1] = im;
    return save_reduce(w, g, args, v, depth);
}

/* ---- objects ------------------------------------------------------------------------------- */

static pk_code save_object(wr *w, const pk_value *v, uint32_t depth) {
    const pk_object *o = &v->u.o;
    const pk_value *args = o->args;
    pk_value *empty = NULL;
    int skip_items = 0, skip_dictitems = 0;
    if (!args) {
        if (!(empty = mk_tuple(w, 0))) return w->err->code;
        args = empty;
    }
    int has_kwargs = o->kwargs && o->kwargs->kind == PK_DICT && o->kwargs->u.d.len > 0;
    pk_objhow how = o->how;
    if (how == PK_HOW_INST && o->args) {
        /* made by INST / OBJ (copyreg._reconstructor leaves args NULL): OBJ again, which both
         * Pythons read as the original (old-style classes of Python 2 included) */
        if (w->proto >= 1) {
            PK_TRY(w_op(w, PK_OP_MARK));
            PK_TRY(save(w, o->cls, depth + 1));
            PK_TRY(save_items(w, args->u.seq.items, args->u.seq.len, depth));
            PK_TRY(w_op(w, PK_OP_OBJ));
            PK_TRY(memo_after(w, v));
            goto parts;
        }
        /* protocol 0: INST module\nname\n, which needs the class as a plain global */
        const char *module, *name;
        if (!o->cls || o->cls->kind != PK_GLOBAL)
            return pk_err_set(w->err, PK_EENCODE, -1, -1,
                              "an instance made by OBJ on a non-global cannot be written at "
                              "protocol 0");
        PK_TRY(text_names(w, o->cls, &module, &name));
        PK_TRY(w_op(w, PK_OP_MARK));
        PK_TRY(save_items(w, args->u.seq.items, args->u.seq.len, depth));
        PK_TRY(w_op(w, PK_OP_INST));
        PK_TRY(w_write(w, module, strlen(module)));
        PK_TRY(w_op(w, '\n'));
        PK_TRY(w_write(w, name, strlen(name)));
        PK_TRY(w_op(w, '\n'));
        PK_TRY(memo_after(w, v));
        goto parts;
    }
    switch (how) {
    case PK_HOW_REDUCE:
        PK_TRY(save_reduce(w, o->cls, args, v, depth));
        break;
    case PK_HOW_NEWOBJ:
    case PK_HOW_INST:
        if (w->proto >= 2 && has_kwargs && w->proto >= 4) {
            PK_TRY(save(w, o->cls, depth + 1));
            PK_TRY(save(w, args, depth + 1));
            PK_TRY(save(w, o->kwargs, depth + 1));
            PK_TRY(w_op(w, PK_OP_NEWOBJ_EX));
            PK_TRY(memo_after(w, v));
        } else if (w->proto >= 2 && !has_kwargs) {
            PK_TRY(save(w, o->cls, depth + 1));
            PK_TRY(save(w, args, depth + 1));
            PK_TRY(w_op(w, PK_OP_NEWOBJ));
            PK_TRY(memo_after(w, v));
        } else if (has_kwargs) {
            /* copyreg.__newobj_ex__(cls, args, kwargs) */
            pk_value *g = mk_global(w, "copyreg", "__newobj_ex__"), *t = mk_tuple(w, 3);
            if (!g || !t) return w->err->code;
            t->u.seq.items[0] = o->cls;
            t->u.seq.items[1] = (pk_value *)args;
            t->u.seq.items[2] = o->kwargs;
            PK_TRY(save_reduce(w, g, t, v, depth));
        } else if (how == PK_HOW_INST) {
            /* copyreg._reconstructor(cls, base, basestate), as copyreg._reduce_ex writes it */
            pk_value *g = mk_global(w, "copyreg", "_reconstructor"), *t = mk_tuple(w, 3);
            if (!g || !t) return w->err->code;
            t->u.seq.items[0] = o->cls;
            if (o->dictitems && o->dictitems->kind == PK_DICT) {
                t->u.seq.items[1] = builtin(w, "dict");
                t->u.seq.items[2] = o->dictitems;
                skip_dictitems = 1;
            } else if (o->items && o->items->kind == PK_LIST) {
                t->u.seq.items[1] = builtin(w, "list");
                t->u.seq.items[2] = o->items;
                skip_items = 1;
            } else {
                t->u.seq.items[1] = builtin(w, "object");
                t->u.seq.items[2] = mk(w, PK_NONE);
            }
            if (!t->u.seq.items[1] || !t->u.seq.items[2]) return w->err->code;
            PK_TRY(save_reduce(w, g, t, v, depth));
        } else {
            /* copyreg.__newobj__(cls, *args) */
            pk_value *g = mk_global(w, "copyreg", "__newobj__");
            pk_value *t = mk_tuple(w, args->u.seq.len + 1);
            if (!g || !t) return w->err->code;
            t->u.seq.items[0] = o->cls;
            for (size_t i = 0; i < args->u.seq.len; i++)
                t->u.seq.items[i + 1] = args->u.seq.items[i];
            PK_TRY(save_reduce(w, g, t, v, depth));
        }
        break;
    }
parts:
    if (w->reused) return PK_OK; /* written completely by its own arguments */
    if (o->items && !skip_items) {
        if (o->items->kind != PK_LIST)
            return pk_err_set(w->err, PK_EENCODE, -1, -1, "object items are not a list");
        PK_TRY(batch_list(w, o->items->u.seq.items, o->items->u.seq.len, 0, depth));
    }
    if (o->dictitems && !skip_dictitems) {
        if (o->dictitems->kind != PK_DICT)
            return pk_err_set(w->err, PK_EENCODE, -1, -1, "object dict items are not a dict");
        PK_TRY(batch_dict(w, &o->dictitems->u.d, 0, depth));
    }
    if (o->state) {
        PK_TRY(save(w, o->state, depth + 1));
        PK_TRY(w_op(w, PK_OP_BUILD));
    }
    return PK_OK;
}

/* ---- numpy --------------------------------------------------------------------------------- */

static pk_value *np_global(wr *w, const char *sub, const char *name) {
    char mod[48];
    snprintf(mod, sizeof mod, "%s.%s", w->numpy2 ? "numpy._core" : "numpy.core", sub);
    return mk_global(w, mod, name);
}

static pk_code save_dtype(wr *w, const pk_value *v, uint32_t depth) {
    const pk_dtype *dt = v->u.dt;
    pk_value *g = mk_global(w, "numpy", "dtype");
    pk_value *args = dt->args;
    if (!g) return w->err->code;
    if (!args) {
        args = mk_tuple(w, 3);
        if (!args) return w->err->code;
        if (dt->type_global) {
            args->u.seq.items[0] = dt->type_global;
        } else if (dt->typestr) {
            args->u.seq.items[0] = mk_str(w, dt->typestr);
        } else {
            return pk_err_set(w->err, PK_EENCODE, -1, -1, "numpy dtype without a type");
        }
        pk_value *f = mk(w, PK_BOOL), *t = mk(w, PK_BOOL);
        if (!args->u.seq.items[0] || !f || !t) return w->err->code;
        t->u.b = 1;
        args->u.seq.items[1] = f;
        args->u.seq.items[2] = t;
    }
    PK_TRY(save_reduce(w, g, args, v, depth));
    if (w->reused) return PK_OK;
    if (dt->state) {
        PK_TRY(save(w, dt->state, depth + 1));
        PK_TRY(w_op(w, PK_OP_BUILD));
    }
    return PK_OK;
}

static pk_code save_npscalar(wr *w, const pk_value *v, uint32_t depth) {
    const pk_npscalar *sc = &v->u.sc;
    if (!sc->dtype || sc->dtype->kind != PK_DTYPE)
        return pk_err_set(w->err, PK_EENCODE, -1, -1, "numpy scalar without a dtype");
    pk_value *g = np_global(w, "multiarray", "scalar"), *args = mk_tuple(w, 2);
    if (!g || !args) return w->err->code;
    args->u.seq.items[0] = sc->dtype;
    if (sc->object) {
        args->u.seq.items[1] = sc->object;
    } else {
        args->u.seq.items[1] = mk_bytes(w, PK_BYTES, sc->data, sc->dtype->u.dt->itemsize);
        if (!args->u.seq.items[1]) return w->err->code;
    }
    return save_reduce(w, g, args, v, depth);
}

/* 1 when strides describe a contiguous layout in C (fortran = 0) or Fortran (1) order. */
static int contiguous(const pk_ndarray *a, size_t item, int fortran) {
    int64_t expect = (int64_t)item;
    for (int k = 0; k < a->ndim; k++) {
        int d = fortran ? k : a->ndim - 1 - k;
        if (a->shape[d] == 1) continue;
        if (a->strides[d] != expect) return 0;
        expect *= a->shape[d];
    }
    return 1;
}

/* Raw element bytes (or the object list) of an array in C order, or in the memory order it
 * already has when contiguous. *fortran receives the order of what is returned. */
static pk_value *array_raw(wr *w, const pk_ndarray *a, size_t item, int *fortran) {
    size_t count = pk_ndarray_size(a);
    int is_obj = a->dtype->u.dt->kind == 'O';
    if (is_obj) {
        pk_value *lst = pk_new_seq(&w->scratch, PK_LIST, count);
        if (!lst) {
            pk_err_nomem(w->err, -1);
            return NULL;
        }
        *fortran = 0;
        int plain = a->form != PK_ARR_VIEW && contiguous(a, 1, 0);
        if (count && !a->objects) {
            pk_err_set(w->err, PK_EENCODE, -1, -1, "numpy object array without its objects");
            return NULL;
        }
        for (size_t f = 0; f < count; f++) {
            size_t idx = a->obj_base + f;
            if (!plain) {
                size_t rem = f;
                int64_t off = 0;
                for (int k = a->ndim - 1; k >= 0; k--) {
                    size_t dim = (size_t)a->shape[k];
                    off += (int64_t)(rem % dim) * a->strides[k];
                    rem /= dim;
                }
                idx = (size_t)((int64_t)a->obj_base + off);
            }
            if (idx >= a->nobjects) {
                pk_err_set(w->err, PK_EENCODE, -1, -1, "numpy object array view out of range");
                return NULL;
            }
            lst->u.seq.items[f] = a->objects[idx];
        }
        lst->u.seq.len = count;
        return lst;
    }
    size_t nbytes;
    if (pk_mul_overflow(count, item, &nbytes)) {
        pk_err_nomem(w->err, -1);
        return NULL;
    }
    pk_value *raw = NULL;
    if (count == 0 || contiguous(a, item, 0)) {
        *fortran = 0;
        raw = mk_bytes(w, PK_BYTES, a->data, nbytes);
    } else if (a->fortran && contiguous(a, item, 1)) {
        *fortran = 1;
        raw = mk_bytes(w, PK_BYTES, a->data, nbytes);
    }
    if (raw) raw->flags |= WR_IDENTITY;
    if (raw || w->err->code) return raw;
    uint8_t *buf = pk_arena_alloc(&w->scratch, nbytes);
    if (!buf) {
        pk_err_nomem(w->err, -1);
        return NULL;
    }
    for (size_t f = 0; f < count; f++) {
        size_t rem = f;
        int64_t off = 0;
        for (int k = a->ndim - 1; k >= 0; k--) {
            size_t dim = (size_t)a->shape[k];
            off += (int64_t)(rem % dim) * a->strides[k];
            rem /= dim;
        }
        memcpy(buf + f * item, a->data + off, item);
    }
    *fortran = 0;
    raw = mk_bytes(w, PK_BYTES, buf, nbytes);
    if (raw) raw->flags |= WR_IDENTITY;
    return raw;
}

static pk_code save_ndarray(wr *w, const pk_value *v, uint32_t depth) {
    const pk_ndarray *a = v->u.arr;
    if (!a->dtype || a->dtype->kind != PK_DTYPE)
        return pk_err_set(w->err, PK_EENCODE, -1, -1, "numpy array without a dtype");
    size_t item = a->dtype->u.dt->itemsize;
    if (!a->complete) {
        /* _reconstruct without its BUILD: write just the call */
        if (!a->reduce_args)
            return pk_err_set(w->err, PK_EENCODE, -1, -1, "incomplete numpy array");
        pk_value *g = np_global(w, "multiarray", "_reconstruct");
        return g ? save_reduce(w, g, a->reduce_args, v, depth) : w->err->code;
    }
    pk_value *shape = mk_tuple(w, (size_t)a->ndim);
    if (!shape) return w->err->code;
    for (int k = 0; k < a->ndim; k++)
        if (!(shape->u.seq.items[k] = mk_int(w, a->shape[k]))) return w->err->code;
    int is_ndarray = !a->subclass || pk_global_is(a->subclass, "numpy", "ndarray");
    if (w->proto >= 5 && a->dtype->u.dt->kind != 'O' && item > 0 && is_ndarray &&
        (a->form == PK_ARR_FROMBUFFER || a->form == PK_ARR_JOBLIB)) {
        int fortran = 0;
        pk_value *raw = array_raw(w, a, item, &fortran);
        if (!raw) return w->err->code;
        raw->kind = PK_BYTEARRAY;
        pk_value *g = np_global(w, "numeric", "_frombuffer"), *args = mk_tuple(w, 4);
        pk_value *order = mk_str(w, fortran ? "F" : "C");
        if (!g || !args || !order) return w->err->code;
        args->u.seq.items[0] = raw;
        args->u.seq.items[1] = a->dtype;
        args->u.seq.items[2] = shape;
        args->u.seq.items[3] = order;
        return save_reduce(w, g, args, v, depth);
    }
    pk_value *g = np_global(w, "multiarray", "_reconstruct"), *args = mk_tuple(w, 3);
    pk_value *zero = mk_tuple(w, 1), *b = mk_bytes(w, PK_BYTES, "b", 1);
    if (!g || !args || !zero || !b) return w->err->code;
    args->u.seq.items[0] = a->subclass ? a->subclass : mk_global(w, "numpy", "ndarray");
    if (!(zero->u.seq.items[0] = mk_int(w, 0)) || !args->u.seq.items[0]) return w->err->code;
    args->u.seq.items[1] = zero;
    args->u.seq.items[2] = b;
    PK_TRY(save_reduce(w, g, args, v, depth));
    if (w->reused) return PK_OK;
    int fortran = 0;
    pk_value *raw = array_raw(w, a, item, &fortran);
    pk_value *state = mk_tuple(w, 5), *ver = mk_int(w, 1), *isf = mk(w, PK_BOOL);
    if (!raw || !state || !ver || !isf) return w->err->code;
    isf->u.b = fortran;
    state->u.seq.items[0] = ver;
    state->u.seq.items[1] = shape;
    state->u.seq.items[2] = a->dtype;
    state->u.seq.items[3] = isf;
    state->u.seq.items[4] = raw;
    PK_TRY(save(w, state, depth + 1));
    return w_op(w, PK_OP_BUILD);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static pk_code save(wr *w, const pk_value *v, uint32_t depth) {
    if (!v) return pk_err_set(w->err, PK_EENCODE, -1, -1, "missing value in the graph");
    if (depth > w->max_depth)
        return pk_err_set(w->err, PK_ELIMIT, -1, -1, "nesting deeper than %u levels",
                          (unsigned)w->max_depth);
    opcode_boundary(w);
    switch (v->kind) {
    case PK_NONE:
        return w_op(w, PK_OP_NONE);
    case PK_BOOL:
        if (w->proto >= 2) return w_op(w, v->u.b ? PK_OP_NEWTRUE : PK_OP_NEWFALSE);
        return w_write(w, v->u.b ? "I01\n" : "I00\n", 4);
    case PK_INT:
        return save_int64(w, v->u.i);
    case PK_BIGINT:
        return save_bigint(w, v);
    case PK_FLOAT:
        return save_float(w, v->u.f);
    default:
        break;
    }
    int64_t m = memo_find(w, v);
    if (m >= 0) return memo_get(w, (uint32_t)m);
    pk_code c;
    if (py2str(w, v)) return save_py2str(w, v);
    switch (v->kind) {
    case PK_STR:
        c = save_str_data(w, v);
        return c ? c : memo_put(w, v);
    case PK_BYTES:
        return save_bytes(w, v, depth);
    case PK_BYTEARRAY:
        return save_bytearray(w, v, depth);
    case PK_COMPLEX:
        return save_complex(w, v, depth);
    case PK_TUPLE:
        return save_tuple(w, v, depth);
    case PK_LIST:
        return save_list(w, v, depth);
    case PK_SET:
    case PK_FROZENSET:
        return save_set(w, v, depth);
    case PK_DICT:
        return save_dict(w, v, depth);
    case PK_GLOBAL:
        return save_global(w, v, depth);
    case PK_OBJECT:
        /* a joblib array wrapper still standing as an object was not followed by its array
         * bytes; written back, joblib (and the decoder) would read the bytes after it as the
         * array, so the stream would mean something else */
        if (pk_joblib_is_wrapper(v))
            return pk_err_set(w->err, PK_EENCODE, -1, -1,
                              "a joblib array wrapper without its array data cannot be written");
        return save_object(w, v, depth);
    case PK_NDARRAY:
        return save_ndarray(w, v, depth);
    case PK_DTYPE:
        return save_dtype(w, v, depth);
    case PK_NPSCALAR:
        return save_npscalar(w, v, depth);
    default:
        return pk_err_set(w->err, PK_EENCODE, -1, -1, "cannot pickle a value of kind %d",
                          (int)v->kind);
    }
}

pk_code pk_pickle_write(pk_buf *out, const pk_value *v, const pk_write_opts *opts, pk_err *err) {
    if (opts->protocol < 0 || opts->protocol > PK_WRITE_HIGHEST_PROTOCOL)
        return pk_err_set(err, PK_EVALUE, -1, -1, "pickle protocol must be 0 to %d, not %d",
                          PK_WRITE_HIGHEST_PROTOCOL, opts->protocol);
    wr w;
    memset(&w, 0, sizeof w);
    w.out = out;
    w.err = err;
    w.proto = opts->protocol;
    w.numpy2 = opts->numpy2;
    w.max_depth = opts->max_depth ? opts->max_depth : 3 * PK_DEFAULT_MAX_DEPTH;
    w.frame_start = NO_FRAME;
    w.max_mem = opts->max_mem;
    pk_arena_init(&w.scratch, out->alloc, (size_t)opts->max_mem);
    pk_code c = PK_OK;
    if (w.proto >= 2) {
        uint8_t h[2] = {PK_OP_PROTO, (uint8_t)w.proto};
        c = w_write(&w, h, 2);
        if (w.proto >= 4) w.framing = 1;
    }
    if (!c) c = save(&w, v, 0);
    if (!c) c = w_op(&w, PK_OP_STOP);
    if (!c) commit_frame(&w);
    pk_arena_free(&w.scratch);
    pk_free(out->alloc, w.memo);
    if (c && w.scratch.over_budget) {
        pk_err_clear(err); /* a scratch allocation refused by the budget, not out of memory */
        c = mem_limit(&w);
    } else if (c && err->code == PK_OK) {
        pk_err_set(err, c, -1, -1, "%s", pk_code_label(c));
    }
    return c;
}
