/*
 * test_dtoa.c - shortest round-trip digits (pk_dtoa.c) and their layout (pk_float_repr).
 *
 * The reference is the slow, obviously-correct method of dtoa_ref.h (printf and strtod, kept only
 * in the tests). pk_dtoa_shortest must give the
 * same digits and exponent on edge doubles, on every power of two and ten and their neighbours,
 * on short decimals and integers (the exact-tail paths), and on a million random bit patterns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtoa_ref.h"
#include "pk_dtoa.h"
#include "pk_json.h"
#include "ut_cases.h"

/* ---- comparison ------------------------------------------------------------------------------ */

static long CHECKED;

static void check_one(double x) {
    x = fabs(x);
    if (x == 0 || !isfinite(x)) return;
    char want[24], got[17];
    int we = 0, ge = 0;
    int wn = ref_shortest(x, want, &we);
    assert_true(wn > 0);
    int gn = pk_dtoa_shortest(x, got, &ge);
    if (gn != wn || ge != we || memcmp(got, want, (size_t)wn) != 0) {
        print_error("x=%.17g (%a): want %.*s e%d, got %.*s e%d\n", x, x, wn, want, we, gn, got, ge);
        fail();
    }
    CHECKED++;
}

static void check_around(double x) {
    check_one(x);
    check_one(nextafter(x, INFINITY));
    check_one(nextafter(x, 0));
}

static uint64_t RNG = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) { /* xorshift64* */
    RNG ^= RNG >> 12;
    RNG ^= RNG << 25;
    RNG ^= RNG >> 27;
    return RNG * 2685821657736338717ull;
}

static double from_bits(uint64_t b) {
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_known_digits(void **state) {
    (void)state;
    static const struct {
        double x;
        const char *digits;
        int exp10;
    } cases[] = {
        {5e-324, "5", -324},
        {1e-323, "1", -323},
        {2.2250738585072014e-308, "22250738585072014", -308},
        {2.225073858507201e-308, "2225073858507201", -308},
        {1.7976931348623157e308, "17976931348623157", 308},
        {0.1, "1", -1},
        {0.3, "3", -1},
        {0.30000000000000004, "30000000000000004", -1},
        {1e23, "1", 23},
        {9007199254740993.0, "9007199254740992", 15},
        {9007199254740991.0, "9007199254740991", 15},
        {123456.0, "123456", 5},
        {1.0, "1", 0},
        {2.0, "2", 0},
        {1e22, "1", 22},
        {5e-310, "5", -310},
        {4.9406564584124654e-324 * 3, "1.5", -323},
    };
    ut_cases uc = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        UT_CASE(&uc, "case %zu (%.17g)", i, cases[i].x);
        char got[18];
        int e;
        int n = pk_dtoa_shortest(cases[i].x, got, &e);
        got[n] = 0;
        char want[24];
        int wn = 0;
        for (const char *s = cases[i].digits; *s; s++)
            if (*s != '.') want[wn++] = *s;
        want[wn] = 0;
        UT_EXPECT_STR(&uc, got, want);
        UT_EXPECT_INT(&uc, e, cases[i].exp10);
    }
    ut_cases_done(&uc);
}

static void test_repr_layout(void **state) {
    (void)state;
    static const struct {
        double x;
        const char *text;
    } cases[] = {
        {5e-324, "5e-324"},
        {-5e-324, "-5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {0.1, "0.1"},
        {1e23, "1e+23"},
        {9007199254740993.0, "9007199254740992.0"},
        {1e16, "1e+16"},
        {1234567890123456.0, "1234567890123456.0"},
        {1e-5, "1e-05"},
        {1.5e-5, "1.5e-05"},
        {0.0001, "0.0001"},
        {100.0, "100.0"},
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {2.5, "2.5"},
        {1e100, "1e+100"},
        {1.25e-100, "1.25e-100"},
    };
    ut_cases uc = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        UT_CASE(&uc, "case %zu (%.17g)", i, cases[i].x);
        char buf[48];
        int n = pk_float_repr(cases[i].x, buf, sizeof buf);
        UT_EXPECT_INT(&uc, n, (int)strlen(cases[i].text));
        UT_EXPECT_STR(&uc, buf, cases[i].text);
    }
    ut_cases_done(&uc);
}

static void test_edges(void **state) {
    (void)state;
    CHECKED = 0;
    check_around(5e-324);
    check_around(2.2250738585072014e-308);
    check_around(1.7976931348623157e308);
    check_one(from_bits(0x000FFFFFFFFFFFFFull)); /* largest subnormal */
    for (int k = -1074; k <= 1023; k++)
        check_around(ldexp(1.0, k));
    for (int k = -323; k <= 308; k++) {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "1e%d", k);
        check_around(strtod(tmp, NULL));
    }
    for (uint64_t m = 1; m < 5000; m++) /* subnormals with few bits, and the smallest normals */
        check_one(from_bits(m));
    for (uint64_t m = 0; m < 5000; m++)
        check_one(from_bits((1ull << 52) + m));
    for (int64_t v = 9007199254740980; v < 9007199254741010; v++) /* around 2^53 */
        check_around((double)v);
    check_one(0.1);
    check_one(1e23);
    assert_true(CHECKED > 18000);
}

/* Short decimals and integers: the digit removal ends on exact (trailing-zero) bounds, and the
 * ties between two shortest candidates happen here. */
static void test_short_decimals(void **state) {
    (void)state;
    CHECKED = 0;
    for (int i = 0; i < 200000; i++) {
        char tmp[64];
        unsigned digits = (unsigned)(rnd() % 17) + 1;
        uint64_t sig = rnd() % 100000000000000000ull;
        uint64_t lim = 1;
        for (unsigned k = 0; k < digits; k++)
            lim *= 10;
        sig %= lim;
        int e = (int)(rnd() % 660) - 340;
        snprintf(tmp, sizeof tmp, "%llue%d", (unsigned long long)sig, e);
        check_around(strtod(tmp, NULL));
    }
    for (uint64_t v = 1; v < 100000; v++)
        check_one((double)v);
    for (int i = 0; i < 100000; i++) /* integers near 2^53..2^64, few low bits */
        check_around((double)(rnd() >> (rnd() % 20)));
    assert_true(CHECKED > 500000);
}

static void test_random_bits(void **state) {
    (void)state;
    CHECKED = 0;
    for (int i = 0; i < 1000000; i++)
        check_one(from_bits(rnd()));
    assert_true(CHECKED > 990000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_digits), cmocka_unit_test(test_repr_layout),
        cmocka_unit_test(test_edges),        cmocka_unit_test(test_short_decimals),
        cmocka_unit_test(test_random_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
