/*
 * ut_estimator.h - hand-built scikit-learn estimators for the model unit tests
 * (test_model_kernels, test_model_simple): an object of a class with a state dict, filled with
 * nested lists instead of numpy arrays. Include after <cmocka.h> and "unit_util.h".
 *
 * One arena per test, `AR`, and a counting allocator, `UA`, for the compiled model: use setup and
 * teardown as the cmocka fixtures (teardown asserts that no block of UA is left).
 */
#ifndef UT_ESTIMATOR_H
#define UT_ESTIMATOR_H

#include <stdint.h>
#include <string.h>

#include "pk.h"
#include "pk_err.h"
#include "pk_value.h"

static ut_alloc UA;
static pk_arena AR;

static pk_value *est(const char *module, const char *name) {
    pk_value *g = pk_new_global(&AR, module, strlen(module), name, strlen(name));
    pk_value *o = pk_new_object(&AR, g, NULL, PK_HOW_NEWOBJ);
    o->u.o.state = pk_new_dict(&AR, 8);
    return o;
}

static void set(pk_value *o, const char *key, pk_value *v) {
    pk_err err;
    pk_err_clear(&err);
    assert_int_equal(pk_dict_set(&AR, o->u.o.state, pk_new_str(&AR, key, strlen(key)), v, &err),
                     PK_OK);
}

static pk_value *str(const char *s) {
    return pk_new_str(&AR, s, strlen(s));
}

static pk_value *vec(const double *v, size_t n) {
    pk_value *l = pk_new_seq(&AR, PK_LIST, n);
    pk_err err;
    for (size_t i = 0; i < n; i++)
        pk_seq_append(&AR, l, pk_new_float(&AR, v[i]), &err);
    return l;
}

static pk_value *ivec(const int64_t *v, size_t n) {
    pk_value *l = pk_new_seq(&AR, PK_LIST, n);
    pk_err err;
    for (size_t i = 0; i < n; i++)
        pk_seq_append(&AR, l, pk_new_int(&AR, v[i]), &err);
    return l;
}

static pk_value *mat(const double *v, size_t r, size_t c) {
    pk_value *l = pk_new_seq(&AR, PK_LIST, r);
    pk_err err;
    for (size_t i = 0; i < r; i++)
        pk_seq_append(&AR, l, vec(v + i * c, c), &err);
    return l;
}

static int setup(void **state) {
    (void)state;
    pk_arena_init(&AR, &pk_alloc_std, 0);
    ut_alloc_init(&UA, 0, 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    pk_arena_free(&AR);
    ut_alloc_assert_clean(&UA);
    return 0;
}

#endif /* UT_ESTIMATOR_H */
