/*
 * fuzz_dtoa.c - libFuzzer target: shortest round-trip digits (pk_dtoa.c) and the float text
 * (pk_float_repr) on arbitrary doubles.
 *
 * Each 8 bytes of input are one double's bit pattern (little-endian as in memory). Invariants:
 *   - pk_dtoa_shortest gives exactly the digits and exponent of the slow reference
 *     (tests/unit/dtoa_ref.h: printf and strtod);
 *   - pk_float_repr's text of any double (NaN, infinities, zeros included) reads back with strtod
 *     as the same double (the same sign for zeros, a NaN for NaN).
 * A violation aborts with both answers on stderr.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/dtoa_ref.h"
#include "pk_dtoa.h"
#include "pk_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(double x) {
    char text[48];
    pk_float_repr(x, text, sizeof text);
    double back = strtod(text, NULL);
    if (isnan(x) ? !isnan(back) : (back != x || signbit(back) != signbit(x))) {
        fprintf(stderr, "fuzz_dtoa: %a written as %s reads back as %a\n", x, text, back);
        abort();
    }
    x = fabs(x);
    if (x == 0 || !isfinite(x)) return;
    char want[24], got[17];
    int we = 0, ge = 0;
    int wn = ref_shortest(x, want, &we);
    int gn = pk_dtoa_shortest(x, got, &ge);
    if (wn == 0 || gn != wn || ge != we || memcmp(got, want, (size_t)wn) != 0) {
        fprintf(stderr, "fuzz_dtoa: %a: reference %.*s e%d, pk_dtoa %.*s e%d\n", x, wn, want, we,
                gn, got, ge);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (size_t i = 0; i + 8 <= size; i += 8) {
        double x;
        memcpy(&x, data + i, sizeof x);
        check(x);
    }
    return 0;
}
