/*
 * pk_buf.c - growable byte buffer (see pk_buf.h).
 */
#include "pk_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pk_buf_init(pk_buf *b, const pk_alloc *alloc, size_t max) {
    b->alloc = alloc;
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->failed = PK_OK;
}

pk_code pk_buf_reserve(pk_buf *b, size_t extra) {
    if (b->failed) return b->failed;
    size_t need;
    if (pk_add_overflow(b->len, extra, &need) || pk_add_overflow(need, 1, &need))
        return b->failed = PK_ELIMIT;
    if (b->max && need - 1 > b->max) return b->failed = PK_ELIMIT;
    if (need <= b->cap) return PK_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    uint8_t *p = pk_realloc(b->alloc, b->data, b->cap, cap);
    if (!p) return b->failed = PK_ENOMEM;
    b->data = p;
    b->cap = cap;
    return PK_OK;
}

pk_code pk_buf_append(pk_buf *b, const void *data, size_t n) {
    if (pk_buf_reserve(b, n)) return b->failed;
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
    return PK_OK;
}

pk_code pk_buf_putc(pk_buf *b, int c) {
    uint8_t ch = (uint8_t)c;
    return pk_buf_append(b, &ch, 1);
}

pk_code pk_buf_puts(pk_buf *b, const char *s) {
    return pk_buf_append(b, s, strlen(s));
}

pk_code pk_buf_printf(pk_buf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return b->failed = PK_EENCODE;
    if ((size_t)n < sizeof tmp) return pk_buf_append(b, tmp, (size_t)n);
    if (pk_buf_reserve(b, (size_t)n)) return b->failed;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return PK_OK;
}

uint8_t *pk_buf_take(pk_buf *b, size_t *len) {
    if (b->failed || pk_buf_reserve(b, 0)) {
        pk_buf_free(b);
        return NULL;
    }
    uint8_t *p = b->data;
    p[b->len] = 0;
    if (len) *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void pk_buf_free(pk_buf *b) {
    pk_free(b->alloc, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
