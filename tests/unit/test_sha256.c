/*
 * test_sha256.c - SHA-256 against digests printed by Python's hashlib (FIPS 180-4 vectors plus
 * lengths around the 55/56/64-byte padding boundaries and streaming in uneven pieces).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pk_sha256.h"
#include "ut_cases.h"

static void hex_of(const uint8_t *d, size_t n, char *out) {
    pk_sha256_hex(d, n, out);
}

static void test_fips_vectors(void **state) {
    (void)state;
    char hex[PK_SHA256_HEX];
    hex_of((const uint8_t *)"", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of((const uint8_t *)"abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of((const uint8_t *)m, strlen(m), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a_streamed(void **state) {
    (void)state;
    uint8_t chunk[997];
    memset(chunk, 'a', sizeof chunk);
    pk_sha256 s;
    pk_sha256_init(&s);
    size_t left = 1000000;
    while (left) {
        size_t k = left < sizeof chunk ? left : sizeof chunk;
        pk_sha256_update(&s, chunk, k);
        left -= k;
    }
    uint8_t d[PK_SHA256_DIGEST];
    pk_sha256_final(&s, d);
    static const uint8_t want[PK_SHA256_DIGEST] = {0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92,
                                                   0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
                                                   0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e,
                                                   0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0};
    assert_memory_equal(d, want, sizeof want);
}

/* bytes((i*7+3) & 255 for i in range(n)), digests from hashlib. */
static void test_padding_boundaries(void **state) {
    (void)state;
    static const struct {
        size_t n;
        const char *hex;
    } cases[] = {
        {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
        {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
        {57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73"},
        {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
        {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
        {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
        {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
        {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
        {128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"},
    };
    uint8_t buf[128];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)((i * 7 + 3) & 255);
    ut_cases uc = {0};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        UT_CASE(&uc, "%zu bytes", cases[c].n);
        char hex[PK_SHA256_HEX];
        hex_of(buf, cases[c].n, hex);
        UT_EXPECT_STR(&uc, hex, cases[c].hex);
        /* The same message fed one byte, then the rest in 13-byte pieces. */
        pk_sha256 s;
        pk_sha256_init(&s);
        pk_sha256_update(&s, buf, 1);
        for (size_t off = 1; off < cases[c].n; off += 13) {
            size_t k = cases[c].n - off < 13 ? cases[c].n - off : 13;
            pk_sha256_update(&s, buf + off, k);
        }
        pk_sha256_update(&s, NULL, 0);
        uint8_t d[PK_SHA256_DIGEST], d2[PK_SHA256_DIGEST];
        pk_sha256_final(&s, d);
        pk_sha256_init(&s);
        pk_sha256_update(&s, buf, cases[c].n);
        pk_sha256_final(&s, d2);
        UT_EXPECT(&uc, memcmp(d, d2, sizeof d) == 0, "fed in pieces, the digest differs");
    }
    ut_cases_done(&uc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_million_a_streamed),
        cmocka_unit_test(test_padding_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
