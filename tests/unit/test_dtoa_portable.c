/*
 * test_dtoa_portable.c - pk_dtoa.c's 32-bit-halves multiplication (the path of targets without a
 * 128-bit integer type: i386, ARM32) gives the same digits as the 128-bit one.
 *
 * pk_dtoa.c is compiled here a second time with PK_DTOA_NO_INT128 and its function renamed; the
 * library's pk_dtoa_shortest (128-bit products on this 64-bit host) is the reference. Compared on
 * every power of two and its neighbours, on the extremes, and on a million random bit patterns;
 * test_dtoa.c checks the 128-bit path against printf/strtod.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#define PK_DTOA_NO_INT128
#define pk_dtoa_shortest pk_dtoa_shortest_portable
#include "../../ext/core/base/pk_dtoa.c"
#undef pk_dtoa_shortest
#undef PK_DTOA_NO_INT128

int pk_dtoa_shortest(double x, char digits[17], int *exp10);

static long COMPARED;

static void same(double x) {
    x = fabs(x);
    if (x == 0 || !isfinite(x)) return;
    char want[17], got[17];
    int we = 0, ge = 0;
    int wn = pk_dtoa_shortest(x, want, &we);
    int gn = pk_dtoa_shortest_portable(x, got, &ge);
    if (gn != wn || ge != we || memcmp(got, want, (size_t)wn) != 0) {
        print_error("x=%a: 128-bit %.*s e%d, portable %.*s e%d\n", x, wn, want, we, gn, got, ge);
        fail();
    }
    COMPARED++;
}

static double from_bits(uint64_t b) {
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static void test_powers_and_extremes(void **state) {
    (void)state;
    COMPARED = 0;
    for (int e = -1074; e <= 1023; e++) {
        double x = ldexp(1.0, e);
        same(x);
        same(nextafter(x, INFINITY));
        same(nextafter(x, 0));
    }
    same(5e-324);
    same(1.7976931348623157e308);
    same(2.2250738585072014e-308);
    same(0.1);
    same(123456789012345678.0);
    assert_true(COMPARED > 6000);
}

static void test_random_bits(void **state) {
    (void)state;
    uint64_t r = 0x2545F4914F6CDD1Dull;
    COMPARED = 0;
    for (int i = 0; i < 1000000; i++) {
        r ^= r >> 12; /* xorshift64* */
        r ^= r << 25;
        r ^= r >> 27;
        same(from_bits(r * 2685821657736338717ull));
    }
    assert_true(COMPARED > 990000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_powers_and_extremes),
        cmocka_unit_test(test_random_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
