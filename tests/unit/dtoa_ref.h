/*
 * dtoa_ref.h - the reference for pk_dtoa_shortest in the tests (test_dtoa.c, fuzz_dtoa.c): the
 * slow, obviously-correct method. For each precision p, the nearest p-digit decimal comes from
 * glibc's correctly rounded printf("%.*e") (ties to even) and is read back with strtod; where it
 * does not read back as x, its neighbour on the other side of x may (the rounding interval is
 * asymmetric just above a power of two). The first p with a hit gives the shortest digits, and
 * the nearest ones of that length. Above powers of two p is scanned upwards; elsewhere "nearest(p)
 * reads back" is monotone in p and p is binary-searched.
 */
#ifndef DTOA_REF_H
#define DTOA_REF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal sig * 10^scale. */
typedef struct ref_dec {
    uint64_t sig;
    int scale;
} ref_dec;

static ref_dec ref_nearest(double x, int p) {
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
    ref_dec r = {0, 0};
    const char *s = tmp;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') r.sig = r.sig * 10 + (uint64_t)(*s - '0');
    r.scale = atoi(s + 1) - (p - 1);
    return r;
}

static double ref_value(ref_dec r) {
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%llue%d", (unsigned long long)r.sig, r.scale);
    return strtod(tmp, NULL);
}

/* Shortest p-digit decimal reading back as x, p the first precision where one exists. */
static int ref_try(double x, int p, ref_dec *out) {
    ref_dec r = ref_nearest(x, p);
    double back = ref_value(r);
    if (back == x) {
        *out = r;
        return 1;
    }
    ref_dec alt = r;
    if (back > x) {
        if (alt.sig == 0) return 0;
        alt.sig--;
    } else {
        alt.sig++;
    }
    if (alt.sig != 0 && ref_value(alt) == x) {
        *out = alt;
        return 1;
    }
    return 0;
}

/* Shortest digits of x > 0 finite as digits[0..n) and the exponent of the first; returns n, or 0
 * if no precision up to 17 reads back (impossible for a double). */
static int ref_shortest(double x, char digits[24], int *exp10) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int pow2 = (bits & 0xFFFFFFFFFFFFFull) == 0 && ((bits >> 52) & 0x7FF) > 1;
    ref_dec r = {0, 0};
    if (pow2) {
        int p = 1;
        while (!ref_try(x, p, &r))
            if (++p > 17) return 0;
    } else {
        /* symmetric interval: nearest(p) reads back => nearest(p + 1) does: binary search */
        int lo = 1, hi = 17;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (ref_try(x, mid, &r))
                hi = mid;
            else
                lo = mid + 1;
        }
        if (!ref_try(x, lo, &r)) return 0;
    }
    while (r.sig % 10 == 0) {
        r.sig /= 10;
        r.scale++;
    }
    int n = snprintf(digits, 24, "%llu", (unsigned long long)r.sig);
    *exp10 = r.scale + n - 1;
    return n;
}

#endif
