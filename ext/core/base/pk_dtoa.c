/*
 * pk_dtoa.c - shortest round-trip digits of a double (pk_dtoa.h), after Ulf Adams' Ryu (PLDI
 * 2018), written from the published description.
 *
 * A positive double is x = m2 * 2^e2 (here scaled by 4 so that the halfway points to both
 * neighbours are integers too: mv = 4*m2, mp = mv + 2 the upper halfway point, mm = mv - 1 or
 * mv - 2 the lower one, the interval being narrower below a power of two). Every decimal strictly
 * between mm and mp (and on them when m2 is even: strtod rounds ties to even) reads back as x.
 *
 * One multiplication by a 125-bit approximation of 2^e2 / 10^q (from the tables of
 * pk_dtoa_table.h, where q is chosen so that the results keep at least ~17 digits) gives
 * vm, vr, vp = floor(mm, mv, mp * 2^e2 / 10^q); Ryu's analysis shows those floors are exact with
 * this precision. Then digits are removed from all three while vp/10 > vm/10 (a shorter decimal
 * still lies in the interval); vr's removed digits decide rounding to the nearest. Whether the
 * removed parts were exactly zero (the bounds being exact decimals, which matters for including
 * a bound and for ties) is known from the factors of 2 and 5 of mv, mm, mp when q is small, and
 * impossible when q is large.
 */
#include "pk_dtoa.h"

#include "pk_dtoa_table.h"

#include <stdint.h>
#include <string.h>

/* 64x64 -> 128-bit products: the compiler's 128-bit integer where the target has one (64-bit
 * targets, wasm32), else 32-bit halves (i386, ARM32). PK_DTOA_NO_INT128 forces the second, so
 * 64-bit builds can test it. */
#if defined(__SIZEOF_INT128__) && !defined(PK_DTOA_NO_INT128)
__extension__ typedef unsigned __int128 u128; /* gcc and clang; -Wpedantic */
#define PK_DTOA_INT128 1
#endif

#define MANT_BITS  52
#define EXP_BIAS   1023
#define TABLE_BITS 125

/* ceil(log2(5^e)) for 0 < e <= 3528, and 1 for e = 0. */
static inline int pow5bits(int e) {
    return (int)(((uint32_t)e * 1217359u) >> 19) + 1;
}

/* floor(log10(2^e)) for 0 <= e <= 1650. */
static inline int log10pow2(int e) {
    return (int)(((uint32_t)e * 78913u) >> 18);
}

/* floor(log10(5^e)) for 0 <= e <= 2620. */
static inline int log10pow5(int e) {
    return (int)(((uint32_t)e * 732923u) >> 20);
}

static inline int pow5_factor(uint64_t v) {
    int n = 0;
    while (v % 5 == 0) {
        v /= 5;
        n++;
    }
    return n;
}

static inline int multiple_of_pow5(uint64_t v, int p) {
    return pow5_factor(v) >= p;
}

static inline int multiple_of_pow2(uint64_t v, int p) {
    return p < 64 && (v & ((1ull << p) - 1)) == 0;
}

/* floor(m * mul / 2^j) mod 2^64, mul a 128-bit number {low, high}, 64 <= j < 192. */
#ifdef PK_DTOA_INT128
static inline uint64_t mul_shift(uint64_t m, const uint64_t mul[2], int j) {
    u128 lo = (u128)m * mul[0];
    u128 hi = (u128)m * mul[1];
    return (uint64_t)(((lo >> 64) + hi) >> (j - 64));
}
#else
/* a * b = *hi * 2^64 + the result, from four 32x32 -> 64-bit products. */
static inline uint64_t mul64(uint64_t a, uint64_t b, uint64_t *hi) {
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10; /* < 3 * 2^32 */
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return (mid << 32) | (uint32_t)p00;
}

static inline uint64_t mul_shift(uint64_t m, const uint64_t mul[2], int j) {
    uint64_t lo_hi, hi_hi;
    (void)mul64(m, mul[0], &lo_hi);
    uint64_t hi_lo = mul64(m, mul[1], &hi_hi);
    /* (lo >> 64) + hi = top * 2^64 + mid */
    uint64_t mid = lo_hi + hi_lo;
    uint64_t top = hi_hi + (mid < lo_hi);
    int s = j - 64;
    if (s == 0) return mid;
    if (s < 64) return (mid >> s) | (top << (64 - s));
    return top >> (s - 64);
}
#endif

/* Decimal digits of v, 1 <= v < 10^17 (the digits of a double never need more): from the bit
 * length (log10(2) ~ 1233 / 4096), corrected by one comparison. */
static inline int decimal_length(uint64_t v) {
    static const uint64_t p10[18] = {1ull,
                                     10ull,
                                     100ull,
                                     1000ull,
                                     10000ull,
                                     100000ull,
                                     1000000ull,
                                     10000000ull,
                                     100000000ull,
                                     1000000000ull,
                                     10000000000ull,
                                     100000000000ull,
                                     1000000000000ull,
                                     10000000000000ull,
                                     100000000000000ull,
                                     1000000000000000ull,
                                     10000000000000000ull,
                                     100000000000000000ull};
    int bits = 64 - __builtin_clzll(v | 1);
    int t = (bits * 1233) >> 12; /* floor(log10(2^bits)): v < 2^bits, so digits are t or t + 1 */
    return t + (v >= p10[t]);
}

/* "00" "01" ... "99": two digits per lookup. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930"
    "31323334353637383940414243444546474849505152535455565758596061"
    "62636465666768697071727374757677787980818283848586878889909192"
    "93949596979899";

/* Writes the decimal digits of v backwards, ending just before `end`: eight digits at a time
 * in 32-bit arithmetic, two per table lookup (a chain of 64-bit divisions by 10, one per digit,
 * was most of the routine's time). */
static inline void write_digits(uint64_t v, char *end) {
    char *p = end;
    while (v >= 100000000u) {
        uint32_t c = (uint32_t)(v % 100000000u);
        v /= 100000000u;
        uint32_t hi = c / 10000u, lo = c % 10000u;
        memcpy(p - 2, digit_pairs + 2 * (lo % 100u), 2);
        memcpy(p - 4, digit_pairs + 2 * (lo / 100u), 2);
        memcpy(p - 6, digit_pairs + 2 * (hi % 100u), 2);
        memcpy(p - 8, digit_pairs + 2 * (hi / 100u), 2);
        p -= 8;
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100u) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * (w % 100u), 2);
        w /= 100u;
    }
    if (w >= 10u) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * w, 2);
    } else {
        *--p = (char)('0' + w);
    }
}

/* The three scaled values while digits are removed, and what the removed digits were. */
typedef struct dtoa_state {
    uint64_t vr, vp, vm;
    int vm_zeros, vr_zeros; /* the digits removed from vm (vr: but the last) were all zero */
    int last;               /* the last digit removed from vr */
    int removed;
} dtoa_state;

/* Removes k digits (p = 10^k, a constant after inlining: a division by a constant is a
 * multiplication) when a shorter decimal still lies between the bounds; returns 1 if it did.
 * Removing k digits at once is k single steps: vm's removed digits were zero iff
 * vm % 10^k == 0; vr's, except the last, iff vr % 10^(k-1) == 0; the last is vr's digit k-1. */
static inline int drop_digits(dtoa_state *s, uint64_t p, int k) {
    if (s->vp / p <= s->vm / p) return 0;
    uint64_t below = p / 10;
    s->vm_zeros &= s->vm % p == 0;
    s->vr_zeros &= s->last == 0 && s->vr % below == 0;
    s->last = (int)(s->vr / below % 10);
    s->vr /= p;
    s->vp /= p;
    s->vm /= p;
    s->removed += k;
    return 1;
}

int pk_dtoa_shortest(double x, char digits[17], int *exp10) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    uint64_t mant = bits & ((1ull << MANT_BITS) - 1);
    int bexp = (int)((bits >> MANT_BITS) & 0x7FF);

    int e2;
    uint64_t m2;
    if (bexp == 0) {
        e2 = 1 - EXP_BIAS - MANT_BITS - 2;
        m2 = mant;
    } else {
        e2 = bexp - EXP_BIAS - MANT_BITS - 2;
        m2 = mant | (1ull << MANT_BITS);
    }
    int even = (m2 & 1) == 0;
    uint64_t mv = 4 * m2;
    int mm_shift = mant != 0 || bexp <= 1; /* 0 only at a power of two: narrower below */

    uint64_t vr, vp, vm;
    int e10;
    int vm_zeros = 0, vr_zeros = 0; /* the dropped parts of vm, vr are exactly zero */
    if (e2 >= 0) {
        int q = log10pow2(e2) - (e2 > 3);
        e10 = q;
        int k = TABLE_BITS + pow5bits(q) - 1;
        int i = -e2 + q + k;
        vr = mul_shift(mv, pk_dtoa_pow5_inv[q], i);
        vp = mul_shift(mv + 2, pk_dtoa_pow5_inv[q], i);
        vm = mul_shift(mv - 1 - (uint64_t)mm_shift, pk_dtoa_pow5_inv[q], i);
        if (q <= 21) {
            /* at most one of mm, mv, mp is a multiple of 5 */
            if (mv % 5 == 0)
                vr_zeros = multiple_of_pow5(mv, q);
            else if (even)
                vm_zeros = multiple_of_pow5(mv - 1 - (uint64_t)mm_shift, q);
            else
                vp -= (uint64_t)multiple_of_pow5(mv + 2, q); /* mp itself excluded */
        }
    } else {
        int q = log10pow5(-e2) - (-e2 > 1);
        e10 = q + e2;
        int i = -e2 - q;
        int k = pow5bits(i) - TABLE_BITS;
        int j = q - k;
        /* 0 <= i < 326: q <= log10(5^-e2) < -e2, and -e2 <= 1076 */
        const uint64_t *mul = pk_dtoa_pow5[i]; /* cppcheck-suppress negativeIndex */
        vr = mul_shift(mv, mul, j);
        vp = mul_shift(mv + 2, mul, j);
        vm = mul_shift(mv - 1 - (uint64_t)mm_shift, mul, j);
        if (q <= 1) {
            /* mv has at least two trailing zero bits; mp one; mm one iff mm_shift */
            vr_zeros = 1;
            if (even)
                vm_zeros = mm_shift == 1;
            else
                vp--;
        } else if (q < 63) {
            /* exact iff mv * 5^i has q factors of 2 (it has >= q factors of 5) */
            vr_zeros = multiple_of_pow2(mv, q);
        }
    }

    int removed = 0;
    int last = 0; /* the last digit removed from vr */
    uint64_t out;
    /* Digits are removed while a shorter decimal still lies between the bounds, as many as
     * possible at once (vp / 10^k > vm / 10^k holds for every k up to the largest that works): a
     * short decimal such as 0.53 sheds 15 digits. */
    dtoa_state st = {vr, vp, vm, vm_zeros, vr_zeros, 0, 0};
    while (drop_digits(&st, 100000000u, 8))
        ;
    drop_digits(&st, 10000u, 4); /* after the 10^8 steps each smaller one fits at most once */
    drop_digits(&st, 100u, 2);
    drop_digits(&st, 10u, 1);
    vr = st.vr;
    vp = st.vp;
    vm = st.vm;
    vm_zeros = st.vm_zeros;
    vr_zeros = st.vr_zeros;
    last = st.last;
    removed = st.removed;
    if (vm_zeros) {
        /* the lower bound is an exact, included decimal: shorter ones may end on it */
        while (vm % 10 == 0) {
            vr_zeros &= last == 0;
            last = (int)(vr % 10);
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
    }
    if (vr_zeros && last == 5 && vr % 2 == 0) last = 4; /* exact tie: to even */
    out = vr + ((vr == vm && (!even || !vm_zeros)) || last >= 5);

    int n = decimal_length(out);
    *exp10 = e10 + removed + n - 1;
    while (n > 1 && out % 10 == 0) { /* trailing zeros carry no information */
        out /= 10;
        n--;
    }
    write_digits(out, digits + n);
    return n;
}
