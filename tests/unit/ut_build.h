/*
 * ut_build.h - value-graph builders shared by the unit tests that construct pk_value graphs by
 * hand (test_json, test_path, test_ndarray). Include after <cmocka.h>.
 *
 * One arena per test, `AR`, with `ERR` for the builders' errors: use setup/teardown as the cmocka
 * fixtures. Builders assert success, so a test reads as the value it builds:
 *   L(2, I(1), S("a"))  ->  [1, 'a']        D(1, S("k"), NONE())  ->  {'k': None}
 */
#ifndef UT_BUILD_H
#define UT_BUILD_H

#include <stdarg.h>
#include <string.h>

#include "pk.h"
#include "pk_err.h"
#include "pk_value.h"

static pk_arena AR;
static pk_err ERR;

static inline int ut_build_setup(void **state) {
    (void)state;
    pk_arena_init(&AR, &pk_alloc_std, 0);
    pk_err_clear(&ERR);
    return 0;
}

static inline int ut_build_teardown(void **state) {
    (void)state;
    pk_arena_free(&AR);
    return 0;
}

static inline pk_value *S(const char *s) {
    return pk_new_str(&AR, s, strlen(s));
}
static inline pk_value *SN(const char *s, size_t n) {
    return pk_new_str(&AR, s, n);
}
static inline pk_value *I(int64_t i) {
    return pk_new_int(&AR, i);
}
static inline pk_value *F(double d) {
    return pk_new_float(&AR, d);
}
static inline pk_value *NONE(void) {
    return pk_new_none(&AR);
}
static inline pk_value *B(const void *p, size_t n) {
    return pk_new_bytes(&AR, PK_BYTES, (const uint8_t *)p, n, 0);
}
static inline pk_value *G(const char *m, const char *n) {
    return pk_new_global(&AR, m, strlen(m), n, strlen(n));
}

/* A list/tuple/set of n values. */
static inline pk_value *SEQ(pk_kind kind, int n, ...) {
    pk_value *t = pk_new_seq(&AR, kind, (size_t)n);
    va_list ap;
    va_start(ap, n);
    for (int k = 0; k < n; k++)
        assert_int_equal(pk_seq_append(&AR, t, va_arg(ap, pk_value *), &ERR), PK_OK);
    va_end(ap);
    return t;
}
#define L(...) SEQ(PK_LIST, __VA_ARGS__)
#define T(...) SEQ(PK_TUPLE, __VA_ARGS__)

/* A dict of n key/value pairs. */
static inline pk_value *D(int n, ...) {
    pk_value *d = pk_new_dict(&AR, (size_t)n);
    va_list ap;
    va_start(ap, n);
    for (int k = 0; k < n; k++) {
        pk_value *key = va_arg(ap, pk_value *);
        pk_value *val = va_arg(ap, pk_value *);
        assert_int_equal(pk_dict_set(&AR, d, key, val, &ERR), PK_OK);
    }
    va_end(ap);
    return d;
}

#endif /* UT_BUILD_H */
