/*
 * unit_util.h - helpers shared by the cmocka unit tests of the core (header-only).
 *
 * Include after <cmocka.h>. Everything is `static inline` so a test file that uses only part of
 * it compiles without unused-function warnings.
 *
 * Counting allocator (ut_alloc): a pk_alloc whose blocks come from cmocka's test_malloc /
 * test_realloc / test_free (so cmocka itself also reports leaked blocks at the end of each test),
 * counting calls and live blocks and bytes. It can fail on purpose: with fail_at = N the N-th
 * allocation call (1-based; malloc and growing realloc both count) returns NULL, and with
 * sticky = 1 every later one too. ut_alloc_assert_clean() checks that every block was freed.
 *
 *   ut_alloc ua;
 *   ut_alloc_init(&ua, 0, 0);                 // never fails
 *   pk_doc *doc = ut_decode(&ua, UT_BYTES("\x80\x02K\x05."), &err);
 *   ...
 *   pk_doc_free(doc);
 *   ut_alloc_assert_clean(&ua);
 *
 * Decoding helpers: ut_decode (a byte string -> pk_doc, PK_DOC_COPY so the input may be a
 * temporary), ut_json (a value -> malloc'ed JSON text, compact, "$" as its path).
 *
 * Other unit tests may add helpers here.
 */
#ifndef UNIT_UTIL_H
#define UNIT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pk.h"
#include "pk_buf.h"
#include "pk_doc.h"
#include "pk_err.h"
#include "pk_json.h"

/* A string literal as (pointer, length) arguments, embedded NULs included. */
#define UT_BYTES(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

/* Blocks carry a header with their size so live bytes can be counted. 16 keeps 16-alignment. */
#define UT_HDR 16u

typedef struct ut_alloc {
    pk_alloc a;        /* hand &ua.a to the core */
    size_t calls;      /* allocation calls so far (malloc + realloc) */
    size_t fail_at;    /* 1-based call number that fails; 0 = never */
    int sticky;        /* 1: every call after fail_at fails too */
    size_t failures;   /* how many calls were failed on purpose */
    size_t live;       /* blocks not yet freed */
    size_t live_bytes; /* their total size */
    size_t peak_bytes; /* high-water mark of live_bytes */
    size_t frees;      /* free calls with a non-NULL pointer */
} ut_alloc;

static inline int ut_should_fail(ut_alloc *ua) {
    ua->calls++;
    if (ua->fail_at && (ua->calls == ua->fail_at || (ua->sticky && ua->calls > ua->fail_at))) {
        ua->failures++;
        return 1;
    }
    return 0;
}

static inline void ut_track(ut_alloc *ua, long blocks, long long bytes) {
    ua->live = (size_t)((long long)ua->live + blocks);
    ua->live_bytes = (size_t)((long long)ua->live_bytes + bytes);
    if (ua->live_bytes > ua->peak_bytes) ua->peak_bytes = ua->live_bytes;
}

static inline void *ut_malloc_fn(void *ctx, size_t n) {
    ut_alloc *ua = ctx;
    if (ut_should_fail(ua)) return NULL;
    if (n > SIZE_MAX - UT_HDR) return NULL;
    unsigned char *p = test_malloc(n + UT_HDR);
    if (!p) return NULL;
    memcpy(p, &n, sizeof n);
    ut_track(ua, 1, (long long)n);
    return p + UT_HDR;
}

static inline void ut_free_fn(void *ctx, void *q) {
    ut_alloc *ua = ctx;
    if (!q) return;
    unsigned char *p = (unsigned char *)q - UT_HDR;
    size_t n;
    memcpy(&n, p, sizeof n);
    ua->frees++;
    ut_track(ua, -1, -(long long)n);
    test_free(p);
}

static inline void *ut_realloc_fn(void *ctx, void *q, size_t n) {
    ut_alloc *ua = ctx;
    if (!q) return ut_malloc_fn(ctx, n);
    if (ut_should_fail(ua)) return NULL;
    if (n > SIZE_MAX - UT_HDR) return NULL;
    unsigned char *p = (unsigned char *)q - UT_HDR;
    size_t old;
    memcpy(&old, p, sizeof old);
    unsigned char *np = test_realloc(p, n + UT_HDR);
    if (!np) return NULL;
    memcpy(np, &n, sizeof n);
    ut_track(ua, 0, (long long)n - (long long)old);
    return np + UT_HDR;
}

/* Initialises a counting allocator. fail_at 0 = never fail. */
static inline void ut_alloc_init(ut_alloc *ua, size_t fail_at, int sticky) {
    memset(ua, 0, sizeof *ua);
    ua->a.malloc = ut_malloc_fn;
    ua->a.realloc = ut_realloc_fn;
    ua->a.free = ut_free_fn;
    ua->a.ctx = ua;
    ua->fail_at = fail_at;
    ua->sticky = sticky;
}

/* Every block allocated through ua has been freed. */
static inline void ut_alloc_assert_clean(const ut_alloc *ua) {
    if (ua->live != 0 || ua->live_bytes != 0)
        fail_msg("leak: %zu blocks (%zu bytes) still allocated after %zu calls", ua->live,
                 ua->live_bytes, ua->calls);
}

/* Decodes n bytes with ua (NULL: the process allocator) and default limits (or lim). */
static inline pk_doc *ut_decode_lim(ut_alloc *ua, const pk_limits *lim, const uint8_t *data,
                                    size_t n, pk_err *err) {
    pk_err_clear(err);
    return pk_doc_decode(ua ? &ua->a : &pk_alloc_std, lim, data, n, PK_DOC_COPY, err);
}

static inline pk_doc *ut_decode(ut_alloc *ua, const uint8_t *data, size_t n, pk_err *err) {
    return ut_decode_lim(ua, NULL, data, n, err);
}

/* The JSON text of v (malloc'ed, NUL-terminated; free() it), or NULL with err set. */
static inline char *ut_json(const pk_value *v, pk_err *err) {
    pk_limits lim;
    pk_limits_default(&lim);
    pk_buf b;
    pk_buf_init(&b, &pk_alloc_std, 0);
    pk_err_clear(err);
    if (pk_json_write(&b, v, "$", &lim, err) != PK_OK) {
        pk_buf_free(&b);
        return NULL;
    }
    size_t len;
    return (char *)pk_buf_take(&b, &len);
}

/* Decodes with the process allocator and returns the root's JSON (free() it), or NULL with
 * err set when decoding or encoding fails. */
static inline char *ut_decode_json(const uint8_t *data, size_t n, pk_err *err) {
    pk_doc *doc = ut_decode(NULL, data, n, err);
    if (!doc) return NULL;
    char *s = ut_json(doc->root, err);
    pk_doc_free(doc);
    return s;
}

/* Hex dump of a byte string for failure messages (static buffer: one use per expression). */
static inline const char *ut_hex(const uint8_t *p, size_t n) {
    static char buf[3 * 64 + 8];
    size_t k = 0;
    for (size_t i = 0; i < n && i < 64; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%02x ", p[i]);
    if (n > 64)
        snprintf(buf + k, sizeof buf - k, "...");
    else if (k)
        buf[k - 1] = '\0';
    else
        buf[0] = '\0';
    return buf;
}

#endif /* UNIT_UTIL_H */
