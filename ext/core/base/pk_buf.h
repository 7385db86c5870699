/*
 * pk_buf.h - a growable byte buffer for encoders (JSON text, pickle bytes, compressed frames).
 *
 * The buffer owns its memory (allocated with its pk_alloc); pk_buf_free releases it and
 * pk_buf_take hands it to the caller. Appends fail with PK_ENOMEM when memory runs out and with
 * PK_ELIMIT when the content would exceed `max` (0 = no cap); after a failure `failed` is set and
 * further appends are no-ops, so encoders may check once at the end.
 */
#ifndef PK_BUF_H
#define PK_BUF_H

#include "pk.h"
#include "pk_err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct pk_buf {
    const pk_alloc *alloc;
    uint8_t *data;
    size_t len, cap;
    size_t max;
    pk_code failed; /* PK_OK until an append fails */
} pk_buf;

void pk_buf_init(pk_buf *b, const pk_alloc *alloc, size_t max);
pk_code pk_buf_reserve(pk_buf *b, size_t extra);
pk_code pk_buf_append(pk_buf *b, const void *data, size_t n);
pk_code pk_buf_putc(pk_buf *b, int c);
pk_code pk_buf_puts(pk_buf *b, const char *s);
pk_code pk_buf_printf(pk_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Returns the data (NUL-terminated, not counted in len) and leaves b empty; NULL on failure. */
uint8_t *pk_buf_take(pk_buf *b, size_t *len);
void pk_buf_free(pk_buf *b);

#endif /* PK_BUF_H */
