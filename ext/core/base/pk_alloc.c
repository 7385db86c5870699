/*
 * pk_alloc.c - the process allocator, size arithmetic and the bump arena of pk.h.
 *
 * Chunks grow geometrically from 4 KiB to 1 MiB; a request larger than a chunk gets a chunk of its
 * own. Every byte taken from the underlying allocator counts against the arena budget.
 */
#include "pk.h"

#include <stdlib.h>
#include <string.h>

struct pk_arena_chunk {
    pk_arena_chunk *next;
    size_t size; /* usable bytes after the header (the head's free ones: pk_arena.cur, avail) */
    /* data follows, 8-aligned because the header is padded below */
};

#define PK_CHUNK_HDR ((sizeof(pk_arena_chunk) + 15u) & ~(size_t)15u)
#define PK_CHUNK_MIN 4096u
#define PK_CHUNK_MAX (1u << 20)

static void *std_malloc(void *ctx, size_t n) {
    (void)ctx;
    return malloc(n);
}
static void *std_realloc(void *ctx, void *p, size_t n) {
    (void)ctx;
    return realloc(p, n);
}
static void std_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}

const pk_alloc pk_alloc_std = {std_malloc, std_realloc, std_free, NULL};

void pk_limits_default(pk_limits *l) {
    l->max_depth = PK_DEFAULT_MAX_DEPTH;
    l->max_stack = PK_DEFAULT_MAX_STACK;
    l->max_marks = PK_DEFAULT_MAX_MARKS;
    l->max_memo = PK_DEFAULT_MAX_MEMO;
    l->alloc_factor = PK_DEFAULT_ALLOC_FACTOR;
    l->alloc_slack = PK_DEFAULT_ALLOC_SLACK;
    l->max_inflate = PK_DEFAULT_MAX_INFLATE;
    l->max_output = PK_DEFAULT_MAX_OUTPUT;
    l->max_alloc = PK_DEFAULT_MAX_ALLOC;
    l->max_rows = PK_DEFAULT_MAX_ROWS;
    l->expand_factor = PK_DEFAULT_EXPAND_FACTOR;
    l->expand_slack = PK_DEFAULT_EXPAND_SLACK;
    l->max_model_bytes = PK_DEFAULT_MAX_MODEL_BYTES;
    l->max_expand = 0;
}

uint64_t pk_limits_expand_cap(const pk_limits *l, size_t stream_len) {
    uint64_t f = l->expand_factor, n = stream_len;
    if (f && n > (UINT64_MAX - l->expand_slack) / f) return UINT64_MAX;
    return l->expand_slack + f * n;
}

void *pk_malloc(const pk_alloc *a, size_t n) {
    return a->malloc(a->ctx, n ? n : 1);
}

void *pk_realloc(const pk_alloc *a, void *p, size_t old_n, size_t n) {
    if (a->realloc) return a->realloc(a->ctx, p, n ? n : 1);
    void *q = a->malloc(a->ctx, n ? n : 1);
    if (!q) return NULL;
    if (p) {
        memcpy(q, p, old_n < n ? old_n : n);
        a->free(a->ctx, p);
    }
    return q;
}

void pk_free(const pk_alloc *a, void *p) {
    if (p) a->free(a->ctx, p);
}

int pk_mul_overflow(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return 1;
    *out = a * b;
    return 0;
}

int pk_add_overflow(size_t a, size_t b, size_t *out) {
    if (b > SIZE_MAX - a) return 1;
    *out = a + b;
    return 0;
}

void pk_arena_init(pk_arena *ar, const pk_alloc *alloc, size_t budget) {
    ar->alloc = alloc;
    ar->head = NULL;
    ar->cur = NULL;
    ar->avail = 0;
    ar->used = 0;
    ar->budget = budget;
    ar->over_budget = 0;
}

void *pk_arena_alloc_slow(pk_arena *ar, size_t n) {
    size_t need = (n + 7u) & ~(size_t)7u;
    if (need < n) return NULL;
    pk_arena_chunk *c = ar->head;
    if (c && ar->avail >= need) { /* n == 0 */
        void *p = ar->cur;
        ar->cur += need;
        ar->avail -= need;
        return p;
    }
    size_t size = c ? c->size * 2 : PK_CHUNK_MIN;
    if (size > PK_CHUNK_MAX) size = PK_CHUNK_MAX;
    if (size < need) size = need;
    size_t total;
    if (pk_add_overflow(size, PK_CHUNK_HDR, &total)) return NULL;
    if (ar->budget && (total > ar->budget || ar->used > ar->budget - total)) {
        ar->over_budget = 1;
        return NULL;
    }
    pk_arena_chunk *nc = pk_malloc(ar->alloc, total);
    if (!nc) return NULL;
    ar->used += total;
    nc->size = size;
    if (c && size == need && ar->avail > PK_CHUNK_MIN / 4) {
        /* a big dedicated chunk: keep the current chunk at the head for later small requests */
        nc->next = c->next;
        c->next = nc;
    } else {
        nc->next = c;
        ar->head = nc;
        ar->cur = (char *)nc + PK_CHUNK_HDR + need;
        ar->avail = size - need;
    }
    return (char *)nc + PK_CHUNK_HDR;
}

void *pk_arena_calloc(pk_arena *ar, size_t count, size_t size) {
    size_t n;
    if (pk_mul_overflow(count, size, &n)) return NULL;
    void *p = pk_arena_alloc(ar, n);
    if (p) memset(p, 0, n);
    return p;
}

void *pk_arena_grow(pk_arena *ar, void *p, size_t old_n, size_t new_n) {
    void *q = pk_arena_alloc(ar, new_n);
    if (q && p && old_n) memcpy(q, p, old_n < new_n ? old_n : new_n);
    return q;
}

char *pk_arena_strndup(pk_arena *ar, const char *s, size_t n) {
    size_t n1;
    if (pk_add_overflow(n, 1, &n1)) return NULL;
    char *d = pk_arena_alloc(ar, n1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void pk_arena_free(pk_arena *ar) {
    pk_arena_chunk *c = ar->head;
    while (c) {
        pk_arena_chunk *next = c->next;
        pk_free(ar->alloc, c);
        c = next;
    }
    ar->head = NULL;
    ar->cur = NULL;
    ar->avail = 0;
    ar->used = 0;
}
