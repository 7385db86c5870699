/*
 * test_zstd.c - the zstd envelope (pk_zstd.c): round trips at several levels, the frame header
 * (content size declared, checksum), level checks, limits, corrupt / truncated / sizeless frames
 * giving clean errors, and pk_doc_decode reading a compressed pickle transparently.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "pk.h"
#include "pk_doc.h"
#include "pk_zstd.h"

#include "unit_util.h"

/* Every allocation goes through the counting allocator: teardown checks nothing leaked. */
static ut_alloc UA;
#define COUNTING (UA.a)

static int setup(void **state) {
    (void)state;
    ut_alloc_init(&UA, 0, 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ut_alloc_assert_clean(&UA);
    return 0;
}

/* Deterministic, compressible test data. */
static uint8_t *make_data(size_t n) {
    uint8_t *d = malloc(n ? n : 1);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        d[i] = (uint8_t)((i % 97) < 60 ? 'a' + (i % 7) : (x >> 24));
    }
    return d;
}

static void test_round_trip(void **state) {
    (void)state;
    const size_t sizes[] = {0, 1, 100, 70000, 1000000};
    const int levels[] = {-5, 1, 3, 9, 19};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint8_t *src = make_data(sizes[s]);
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
            pk_err err;
            pk_err_clear(&err);
            uint8_t *z, *back;
            size_t zn, bn;
            assert_int_equal(
                pk_zstd_compress(&COUNTING, src, sizes[s], levels[l], 0, &z, &zn, &err), PK_OK);
            assert_true(pk_zstd_is_frame(z, zn));
            assert_int_equal(ZSTD_getFrameContentSize(z, zn), sizes[s]);
            if (sizes[s] >= 70000) assert_true(zn < sizes[s] / 2);
            assert_int_equal(pk_zstd_decompress(&COUNTING, z, zn, 1u << 30, &back, &bn, &err),
                             PK_OK);
            assert_int_equal(bn, sizes[s]);
            if (bn) assert_memory_equal(back, src, bn);
            pk_free(&COUNTING, z);
            pk_free(&COUNTING, back);
        }
        free(src);
    }
}

static void test_levels(void **state) {
    (void)state;
    int lo, hi;
    pk_zstd_level_range(&lo, &hi);
    assert_true(lo < 0);
    assert_int_equal(hi, 22);
    assert_true(pk_zstd_default_level() >= 1 && pk_zstd_default_level() <= hi);
    pk_err err;
    pk_err_clear(&err);
    uint8_t *z;
    size_t zn;
    assert_int_equal(pk_zstd_compress(&COUNTING, (const uint8_t *)"x", 1, 23, 0, &z, &zn, &err),
                     PK_EVALUE);
    assert_null(z);
    char exp[96];
    snprintf(exp, sizeof exp, "zstd level must be %d to -1 or 1 to 22, not 23", lo);
    assert_string_equal(err.msg, exp);
    pk_err_clear(&err);
    assert_int_equal(pk_zstd_compress(&COUNTING, (const uint8_t *)"x", 1, 0, 0, &z, &zn, &err),
                     PK_EVALUE);
}

static void test_limits(void **state) {
    (void)state;
    uint8_t *src = make_data(100000);
    pk_err err;
    pk_err_clear(&err);
    uint8_t *z, *back;
    size_t zn, bn;
    /* the compressed frame itself over its cap */
    assert_int_equal(pk_zstd_compress(&COUNTING, src, 100000, 3, 64, &z, &zn, &err), PK_ELIMIT);
    assert_string_equal(err.msg, "the compressed frame would exceed the limit of 64 bytes");
    pk_err_clear(&err);
    assert_int_equal(pk_zstd_compress(&COUNTING, src, 100000, 3, 0, &z, &zn, &err), PK_OK);
    /* decompressing more than the limit: refused before inflating */
    assert_int_equal(pk_zstd_decompress(&COUNTING, z, zn, 99999, &back, &bn, &err), PK_ELIMIT);
    assert_null(back);
    assert_non_null(strstr(err.msg, "100000"));
    pk_free(&COUNTING, z);
    free(src);
}

static void test_bad_frames(void **state) {
    (void)state;
    uint8_t *src = make_data(50000);
    pk_err err;
    uint8_t *z, *back;
    size_t zn, bn;
    pk_err_clear(&err);
    assert_int_equal(pk_zstd_compress(&COUNTING, src, 50000, 3, 0, &z, &zn, &err), PK_OK);

    /* truncated at every 97th length: always an error, never a crash */
    for (size_t n = 0; n < zn; n += 97) {
        pk_err_clear(&err);
        pk_code c = pk_zstd_decompress(&COUNTING, z, n, 1u << 30, &back, &bn, &err);
        assert_int_not_equal(c, PK_OK);
        assert_null(back);
        assert_true(err.msg[0] != 0);
    }
    /* corrupted bytes in the body: the checksum or the decoder catches them */
    for (size_t at = 20; at < zn; at += zn / 13) {
        uint8_t *bad = malloc(zn);
        memcpy(bad, z, zn);
        bad[at] ^= 0x5A;
        pk_err_clear(&err);
        pk_code c = pk_zstd_decompress(&COUNTING, bad, zn, 1u << 30, &back, &bn, &err);
        if (c == PK_OK) {
            /* a flip can land in a literal the checksum then rejects; if not, data must differ */
            assert_true(bn != 50000 || memcmp(back, src, bn) != 0);
            pk_free(&COUNTING, back);
        } else {
            assert_int_equal(c, PK_ECOMPRESS);
        }
        free(bad);
    }
    /* trailing garbage after the frame */
    uint8_t *longer = malloc(zn + 3);
    memcpy(longer, z, zn);
    memcpy(longer + zn, "xyz", 3);
    pk_err_clear(&err);
    assert_int_equal(pk_zstd_decompress(&COUNTING, longer, zn + 3, 1u << 30, &back, &bn, &err),
                     PK_ECOMPRESS);
    free(longer);
    /* not a zstd frame at all */
    pk_err_clear(&err);
    assert_int_equal(
        pk_zstd_decompress(&COUNTING, (const uint8_t *)"\x80\x04N.", 4, 100, &back, &bn, &err),
        PK_ECOMPRESS);
    assert_string_equal(err.msg, "bad compressed data: not a zstd frame");
    pk_free(&COUNTING, z);

    /* a frame without a declared content size */
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
    size_t cap = ZSTD_compressBound(50000);
    uint8_t *nz = malloc(cap);
    size_t nzn = ZSTD_compress2(cc, nz, cap, src, 50000);
    ZSTD_freeCCtx(cc);
    assert_false(ZSTD_isError(nzn));
    assert_int_equal(ZSTD_getFrameContentSize(nz, nzn), ZSTD_CONTENTSIZE_UNKNOWN);
    pk_err_clear(&err);
    assert_int_equal(pk_zstd_decompress(&COUNTING, nz, nzn, 1u << 30, &back, &bn, &err),
                     PK_ECOMPRESS);
    assert_non_null(strstr(err.msg, "content size"));
    free(nz);
    free(src);
}

static void test_doc_reads_zstd(void **state) {
    (void)state;
    /* pickle.dumps({'a': [1, 2]}, 4) inside a zstd frame */
    static const uint8_t pkl[] = "\x80\x04\x95\x0f\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x8c\x01"
                                 "\x61\x94\x5d\x94\x28\x4b\x01\x4b\x02\x65\x73\x2e";
    pk_err err;
    pk_err_clear(&err);
    uint8_t *z;
    size_t zn;
    assert_int_equal(pk_zstd_compress(&COUNTING, pkl, sizeof pkl - 1, 9, 0, &z, &zn, &err), PK_OK);
    pk_doc *doc = pk_doc_decode(&COUNTING, NULL, z, zn, PK_DOC_COPY, &err);
    if (!doc) fail_msg("decode: %s", err.msg);
    assert_int_equal(doc->outer, PK_COMP_ZSTD);
    pk_value *a = pk_dict_get_str(doc->root, "a");
    assert_non_null(a);
    assert_int_equal(a->u.seq.len, 2);
    assert_int_equal(a->u.seq.items[1]->u.i, 2);
    pk_doc_free(doc);
    pk_free(&COUNTING, z);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_doc_reads_zstd, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
