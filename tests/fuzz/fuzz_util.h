/*
 * fuzz_util.h - shared helpers of the libFuzzer targets in tests/fuzz (header-only).
 *
 * Each target defines LLVMFuzzerTestOneInput and links against the core sources only
 * (the .c files of ext/core and ext/model; never SQLite). scripts/run_fuzz.sh builds them with
 * clang-14 -fsanitize=fuzzer,address,undefined. A broken invariant calls FUZZ_CHECK, which prints
 * the failed condition and aborts, so libFuzzer records the input as a crash.
 *
 * Limits: the fuzzers use the default limits except for a smaller inflate and output cap
 * (64 MiB / 16 MiB), which keeps every run far below -rss_limit_mb=2048 while still exercising
 * the limit checks.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include "pk.h"
#include "pk_buf.h"
#include "pk_doc.h"
#include "pk_err.h"
#include "pk_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_INFLATE (64u << 20)
#define FUZZ_MAX_OUTPUT  (16u << 20)

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static inline void fuzz_limits(pk_limits *lim) {
    pk_limits_default(lim);
    lim->max_inflate = FUZZ_MAX_INFLATE;
    lim->max_output = FUZZ_MAX_OUTPUT;
}

/* Every failure must carry a code and a NUL-terminated, non-empty message. */
static inline void fuzz_check_err(const pk_err *err) {
    FUZZ_CHECK(err->code != PK_OK && err->code < PK_CODE_COUNT);
    FUZZ_CHECK(memchr(err->msg, 0, sizeof err->msg) != NULL);
    FUZZ_CHECK(err->msg[0] != 0);
}

/* Decodes the input under the fuzz limits (stored in *lim). NULL when it does not decode; that
 * failure must carry a proper error. */
static inline pk_doc *fuzz_decode(const uint8_t *data, size_t size, pk_limits *lim) {
    pk_err err;
    fuzz_limits(lim);
    pk_err_clear(&err);
    pk_doc *doc = pk_doc_decode(&pk_alloc_std, lim, data, size, PK_DOC_BORROW, &err);
    if (!doc) fuzz_check_err(&err);
    return doc;
}

/* JSON text of v (NULL on failure, which must then carry a proper error). Caller frees. */
static inline char *fuzz_json(const pk_value *v, const pk_limits *lim, size_t *len) {
    pk_buf b;
    pk_err err;
    pk_err_clear(&err);
    pk_buf_init(&b, &pk_alloc_std, (size_t)lim->max_output);
    pk_code c = pk_json_write(&b, v, "$", lim, &err);
    if (c != PK_OK) {
        FUZZ_CHECK(err.code != PK_OK || b.failed != PK_OK);
        pk_buf_free(&b);
        return NULL;
    }
    size_t n = 0;
    char *s = (char *)pk_buf_take(&b, &n);
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(strlen(s) == n); /* JSON text never holds a raw NUL */
    if (len) *len = n;
    return s;
}

#endif /* FUZZ_UTIL_H */
