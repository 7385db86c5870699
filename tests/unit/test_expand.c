/*
 * test_expand.c - the expanded-size measure that guards pickle_json / pickle_tree against
 * shared-node ("memo bomb") expansion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "unit_util.h"

#include "pk_doc.h"
#include "pk_expand.h"
#include "pk_json.h"

/* Measures the pickle `p` and checks the lower bound against the real JSON length. */
static pk_expand measure_pickle(const uint8_t *p, size_t n, size_t *json_len) {
    pk_err err;
    pk_err_clear(&err);
    pk_doc *doc = pk_doc_decode(&pk_alloc_std, NULL, p, n, PK_DOC_COPY, &err);
    assert_non_null(doc);
    pk_expand ex;
    assert_int_equal(pk_expand_measure(&pk_alloc_std, doc->root, 0, 1000, &ex), PK_OK);
    pk_buf b;
    pk_buf_init(&b, &pk_alloc_std, 0);
    assert_int_equal(pk_json_write(&b, doc->root, "$", NULL, &err), PK_OK);
    *json_len = b.len;
    pk_buf_free(&b);
    pk_doc_free(doc);
    return ex;
}

static void test_plain_values(void **state) {
    (void)state;
    size_t len;
    /* [1, 'abc', {'k': [2, 3]}] protocol 2 */
    pk_expand ex = measure_pickle(UT_BYTES("\x80\x02]q\x00(K\x01X\x03\x00\x00\x00"
                                           "abcq\x01}q\x02X\x01\x00\x00\x00kq\x03]q\x04(K\x02K\x03"
                                           "ese."),
                                  &len);
    /* list, 1, 'abc', dict, [2,3], 2, 3 */
    assert_int_equal(ex.nodes, 7);
    assert_true(ex.bytes <= len); /* a lower bound of the JSON text */
    assert_true(ex.bytes >= len / 2);
}

static void test_shared_bomb_is_linear(void **state) {
    (void)state;
    /* x0 = []; x(i+1) = (x(i), x(i)) fifty times: 2^50 leaves if expanded */
    uint8_t buf[1024];
    size_t n = 0;
    memcpy(buf, "\x80\x04]\x94", 4);
    n = 4;
    for (int i = 0; i < 50; i++) {
        buf[n++] = 'h';
        buf[n++] = (uint8_t)i;
        buf[n++] = 'h';
        buf[n++] = (uint8_t)i;
        buf[n++] = 0x86; /* TUPLE2 */
        buf[n++] = 0x94; /* MEMOIZE */
    }
    buf[n++] = '.';
    pk_err err;
    pk_err_clear(&err);
    pk_doc *doc = pk_doc_decode(&pk_alloc_std, NULL, buf, n, PK_DOC_COPY, &err);
    assert_non_null(doc);
    pk_expand ex;
    assert_int_equal(pk_expand_measure(&pk_alloc_std, doc->root, 1000000, 1000, &ex), PK_OK);
    assert_int_equal(ex.nodes, 1000000); /* saturated at the cap */
    assert_int_equal(ex.bytes, 1000000);
    /* and the JSON writer refuses at once instead of printing */
    pk_limits lim;
    pk_limits_default(&lim);
    lim.max_output = 1000000;
    pk_buf b;
    pk_buf_init(&b, &pk_alloc_std, 0);
    assert_int_equal(pk_json_write(&b, doc->root, "$", &lim, &err), PK_ELIMIT);
    assert_int_equal(b.len, 0);
    pk_buf_free(&b);
    pk_doc_free(doc);
}

static void test_cycle_counts_once(void **state) {
    (void)state;
    size_t len;
    /* l = [1]; l.append(l) */
    pk_expand ex = measure_pickle(UT_BYTES("\x80\x02]q\x00(K\x01h\x00"
                                           "e."),
                                  &len);
    assert_int_equal(ex.nodes, 3); /* the list, 1, the reference */
    assert_true(ex.bytes <= len);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_values),
        cmocka_unit_test(test_shared_bomb_is_linear),
        cmocka_unit_test(test_cycle_counts_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
