/*
 * test_inflate.c - container detection and every inflater of pk_inflate.c: round trips against
 * the Debian libraries' own compressors, truncated and corrupt input, decompression bombs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "pk.h"
#include "pk_inflate.h"
#include "ut_cases.h"

#define PLAIN_N 200000

static uint8_t *PLAIN; /* pseudo-random but compressible text */

static int setup(void **state) {
    (void)state;
    PLAIN = malloc(PLAIN_N);
    uint32_t x = 12345;
    for (size_t k = 0; k < PLAIN_N; k++) {
        x = x * 1103515245u + 12345u;
        PLAIN[k] = (uint8_t)("pickle.numpy."[(x >> 16) % 13]);
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(PLAIN);
    return 0;
}

/* ---- compressors (the libraries' own, as Python's modules use them) -------------------------- */

static size_t c_zlib(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int wbits) {
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 3, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t r = z.total_out;
    deflateEnd(&z);
    return r;
}

static size_t c_bz2(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    unsigned int len = (unsigned)cap;
    assert_int_equal(
        BZ2_bzBuffToBuffCompress((char *)out, &len, (char *)(uintptr_t)in, (unsigned)n, 9, 0, 0),
        BZ_OK);
    return len;
}

static size_t c_xz(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t pos = 0;
    assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in, n, out, &pos, cap),
                     LZMA_OK);
    return pos;
}

static size_t c_lzma_alone(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    lzma_options_lzma opt;
    lzma_lzma_preset(&opt, 6);
    lzma_stream s = LZMA_STREAM_INIT;
    assert_int_equal(lzma_alone_encoder(&s, &opt), LZMA_OK);
    s.next_in = in;
    s.avail_in = n;
    s.next_out = out;
    s.avail_out = cap;
    assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
    size_t r = s.total_out;
    lzma_end(&s);
    return r;
}

static size_t c_lz4(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int checksum) {
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.contentChecksumFlag =
        checksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
    size_t r = LZ4F_compressFrame(out, cap, in, n, &prefs);
    assert_false(LZ4F_isError(r));
    return r;
}

static size_t c_zstd(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t r = ZSTD_compress(out, cap, in, n, 3);
    assert_false(ZSTD_isError(r));
    return r;
}

/* zstd streaming without a pledged size: the frame does not declare its content size */
static size_t c_zstd_unsized(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
    ZSTD_inBuffer ib = {in, n, 0};
    ZSTD_outBuffer ob = {out, cap, 0};
    size_t r = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end);
    assert_int_equal(r, 0);
    ZSTD_freeCCtx(cc);
    return ob.pos;
}

/* joblib < 0.9.3: "ZF" + hex length padded with spaces to 19 characters + zlib */
static size_t c_zfile(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int old_style) {
    char head[64];
    if (old_style)
        snprintf(head, sizeof head, "%lx ", (unsigned long)n); /* no 0x, extra space */
    else
        snprintf(head, sizeof head, "0x%lx", (unsigned long)n);
    size_t h = strlen(head);
    memcpy(out, "ZF", 2);
    memcpy(out + 2, head, h);
    memset(out + 2 + h, ' ', 19 - h);
    return 21 + c_zlib(in, n, out + 21, cap - 21, 15);
}

typedef struct {
    pk_compression c;
    const char *name;
} kind_case;

static size_t compress_as(pk_compression c, const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    switch (c) {
    case PK_COMP_ZLIB:
        return c_zlib(in, n, out, cap, 15);
    case PK_COMP_GZIP:
        return c_zlib(in, n, out, cap, 31);
    case PK_COMP_BZ2:
        return c_bz2(in, n, out, cap);
    case PK_COMP_XZ:
        return c_xz(in, n, out, cap);
    case PK_COMP_LZMA:
        return c_lzma_alone(in, n, out, cap);
    case PK_COMP_LZ4:
        return c_lz4(in, n, out, cap, 1);
    case PK_COMP_ZSTD:
        return c_zstd(in, n, out, cap);
    case PK_COMP_ZFILE:
        return c_zfile(in, n, out, cap, 0);
    default:
        fail();
        return 0;
    }
}

static const pk_compression ALL[] = {PK_COMP_ZLIB, PK_COMP_GZIP, PK_COMP_BZ2,  PK_COMP_XZ,
                                     PK_COMP_LZMA, PK_COMP_LZ4,  PK_COMP_ZSTD, PK_COMP_ZFILE};
#define NALL (sizeof ALL / sizeof ALL[0])

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_detect(void **state) {
    (void)state;
    static uint8_t z[PLAIN_N + 1024];
    ut_cases uc = {0};
    for (size_t k = 0; k < NALL; k++) {
        UT_CASE(&uc, "%s", pk_compression_name(ALL[k]));
        size_t n = compress_as(ALL[k], PLAIN, 1000, z, sizeof z);
        UT_EXPECT_INT(&uc, pk_detect_compression(z, n), ALL[k]);
    }
    ut_cases_done(&uc);
    /* raw pickles of every protocol are no container */
    assert_int_equal(pk_detect_compression((const uint8_t *)"\x80\x04\x95", 3), PK_COMP_NONE);
    assert_int_equal(pk_detect_compression((const uint8_t *)"(lp0\n", 5), PK_COMP_NONE);
    assert_int_equal(pk_detect_compression((const uint8_t *)"]q\x00.", 4), PK_COMP_NONE);
    assert_int_equal(pk_detect_compression((const uint8_t *)"x", 1), PK_COMP_NONE);
    assert_int_equal(pk_detect_compression(NULL, 0), PK_COMP_NONE);
}

static void test_round_trips(void **state) {
    (void)state;
    static uint8_t z[PLAIN_N + 4096];
    const size_t sizes[] = {0, 1, 1000, PLAIN_N};
    ut_cases uc = {0};
    for (size_t k = 0; k < NALL; k++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            UT_CASE(&uc, "%s, %zu bytes", pk_compression_name(ALL[k]), sizes[s]);
            size_t n = compress_as(ALL[k], PLAIN, sizes[s], z, sizeof z);
            uint8_t *out = NULL;
            size_t out_n = 0;
            pk_err err;
            pk_err_clear(&err);
            pk_code rc = pk_inflate(&pk_alloc_std, ALL[k], z, n, 1u << 30, &out, &out_n, &err);
            if (!UT_EXPECT(&uc, rc == PK_OK, "rc %d: %s", rc, err.msg)) continue;
            UT_EXPECT_INT(&uc, out_n, sizes[s]);
            UT_EXPECT(&uc, out_n != sizes[s] || memcmp(out, PLAIN, sizes[s]) == 0,
                      "the output differs from the input");
            UT_EXPECT_INT(&uc, out[out_n], 0); /* NUL pad */
            free(out);
            /* exactly at the limit is fine, one byte below is not */
            if (sizes[s] > 0) {
                out = NULL;
                rc = pk_inflate(&pk_alloc_std, ALL[k], z, n, sizes[s], &out, &out_n, &err);
                UT_EXPECT(&uc, rc == PK_OK, "at the limit: rc %d: %s", rc, err.msg);
                free(out);
                out = NULL;
                pk_err_clear(&err);
                rc = pk_inflate(&pk_alloc_std, ALL[k], z, n, sizes[s] - 1, &out, &out_n, &err);
                UT_EXPECT(&uc, rc == PK_ELIMIT, "one byte below the limit: rc %d", rc);
                UT_EXPECT(&uc, out == NULL, "output left over an error");
                free(out);
            }
        }
    }
    ut_cases_done(&uc);
}

static void test_truncated(void **state) {
    (void)state;
    static uint8_t z[PLAIN_N + 4096];
    ut_cases uc = {0};
    for (size_t k = 0; k < NALL; k++) {
        size_t n = compress_as(ALL[k], PLAIN, 50000, z, sizeof z);
        const size_t cuts[] = {1, 7, n / 2};
        for (size_t c = 0; c < 3; c++) {
            UT_CASE(&uc, "%s, %zu bytes cut off", pk_compression_name(ALL[k]), cuts[c]);
            uint8_t *out = NULL;
            size_t out_n = 0;
            pk_err err;
            pk_err_clear(&err);
            /* a copy of exactly the truncated length so ASan sees any overread */
            size_t m = n - cuts[c];
            uint8_t *t = malloc(m);
            memcpy(t, z, m);
            pk_code rc = pk_inflate(&pk_alloc_std, ALL[k], t, m, 1u << 30, &out, &out_n, &err);
            free(t);
            UT_EXPECT(&uc, rc == PK_ECOMPRESS, "rc %d: %s", rc, err.msg);
            UT_EXPECT(&uc, out == NULL, "output left over an error");
            free(out);
            UT_EXPECT(&uc, err.offset >= 0 && (size_t)err.offset <= m, "offset %lld of %zu",
                      (long long)err.offset, m);
            UT_EXPECT(&uc, strstr(err.msg, "offset") != NULL, "message \"%s\"", err.msg);
        }
    }
    ut_cases_done(&uc);
}

static void test_corrupt(void **state) {
    (void)state;
    static uint8_t z[PLAIN_N + 4096];
    ut_cases uc = {0};
    for (size_t k = 0; k < NALL; k++) {
        UT_CASE(&uc, "corrupt %s", pk_compression_name(ALL[k]));
        size_t n = compress_as(ALL[k], PLAIN, 50000, z, sizeof z);
        for (size_t at = n / 3; at < n - 4; at += n / 5)
            z[at] ^= 0x55;
        uint8_t *out = NULL;
        size_t out_n = 0;
        pk_err err;
        pk_err_clear(&err);
        pk_code rc = pk_inflate(&pk_alloc_std, ALL[k], z, n, 1u << 30, &out, &out_n, &err);
        UT_EXPECT(&uc, rc == PK_ECOMPRESS, "rc %d: %s", rc, err.msg);
        UT_EXPECT(&uc, out == NULL, "output left over an error");
        free(out);
    }
    ut_cases_done(&uc);
}

static void test_bombs(void **state) {
    (void)state;
    /* 64 MiB of zeros shrink to a few KiB; a 1 MiB limit stops each inflater early */
    size_t big = (size_t)64 << 20;
    uint8_t *zeros = calloc(big, 1);
    size_t zcap = big + (big >> 4);
    uint8_t *z = malloc(zcap);
    ut_cases uc = {0};
    for (size_t k = 0; k < NALL; k++) {
        UT_CASE(&uc, "64 MiB of zeros as %s", pk_compression_name(ALL[k]));
        size_t n = compress_as(ALL[k], zeros, big, z, zcap);
        uint8_t *out = NULL;
        size_t out_n = 0;
        pk_err err;
        pk_err_clear(&err);
        pk_code rc = pk_inflate(&pk_alloc_std, ALL[k], z, n, 1u << 20, &out, &out_n, &err);
        UT_EXPECT(&uc, rc == PK_ELIMIT, "rc %d: %s", rc, err.msg);
        UT_EXPECT(&uc, out == NULL, "output left over an error");
        free(out);
        UT_EXPECT(&uc, strstr(err.msg, "1048576") != NULL, "message \"%s\"", err.msg);
    }
    free(zeros);
    free(z);
    ut_cases_done(&uc);
}

static void test_zstd_and_zf_rules(void **state) {
    (void)state;
    static uint8_t z[PLAIN_N + 4096];
    uint8_t *out = NULL;
    size_t out_n;
    pk_err err;
    /* zstd without a declared content size is refused */
    size_t n = c_zstd_unsized(PLAIN, 5000, z, sizeof z);
    pk_err_clear(&err);
    assert_int_equal(pk_inflate(&pk_alloc_std, PK_COMP_ZSTD, z, n, 1u << 30, &out, &out_n, &err),
                     PK_ECOMPRESS);
    assert_non_null(strstr(err.msg, "content size"));
    /* trailing bytes after a zstd frame */
    n = c_zstd(PLAIN, 5000, z, sizeof z);
    z[n] = 0;
    pk_err_clear(&err);
    assert_int_equal(
        pk_inflate(&pk_alloc_std, PK_COMP_ZSTD, z, n + 1, 1u << 30, &out, &out_n, &err),
        PK_ECOMPRESS);
    /* ZF without the 0x prefix and with one extra space (Python 2 joblib) */
    n = c_zfile(PLAIN, 3000, z, sizeof z, 1);
    pk_err_clear(&err);
    if (pk_inflate(&pk_alloc_std, PK_COMP_ZFILE, z, n, 1u << 30, &out, &out_n, &err) != PK_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(out_n, 3000);
    assert_memory_equal(out, PLAIN, 3000);
    free(out);
    /* ZF whose header lies about the length */
    n = c_zfile(PLAIN, 3000, z, sizeof z, 0);
    memcpy(z + 2, "0xbb8", 5); /* 3000 */
    z[6] = '9';                /* 0xbb9 = 3001 */
    pk_err_clear(&err);
    assert_int_equal(pk_inflate(&pk_alloc_std, PK_COMP_ZFILE, z, n, 1u << 30, &out, &out_n, &err),
                     PK_ECOMPRESS);
    memcpy(z + 2, "0xbb7", 5); /* 2999 */
    pk_err_clear(&err);
    assert_int_equal(pk_inflate(&pk_alloc_std, PK_COMP_ZFILE, z, n, 1u << 30, &out, &out_n, &err),
                     PK_ECOMPRESS);
    /* ZF header with no digits */
    pk_err_clear(&err);
    assert_int_equal(pk_inflate(&pk_alloc_std, PK_COMP_ZFILE, (const uint8_t *)"ZFzz", 4, 100, &out,
                                &out_n, &err),
                     PK_ECOMPRESS);
    /* concatenated gzip members decode as one stream (joblib's reader does the same) */
    size_t a = c_zlib(PLAIN, 1000, z, sizeof z, 31);
    size_t b = c_zlib(PLAIN + 1000, 1000, z + a, sizeof z - a, 31);
    pk_err_clear(&err);
    assert_int_equal(
        pk_inflate(&pk_alloc_std, PK_COMP_GZIP, z, a + b, 1u << 30, &out, &out_n, &err), PK_OK);
    assert_int_equal(out_n, 2000);
    assert_memory_equal(out, PLAIN, 2000);
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),    cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_truncated), cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_bombs),     cmocka_unit_test(test_zstd_and_zf_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
