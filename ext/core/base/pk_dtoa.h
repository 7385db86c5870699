/*
 * pk_dtoa.h - shortest round-trip decimal digits of a double (what Python's repr prints).
 */
#ifndef PK_DTOA_H
#define PK_DTOA_H

/* The shortest decimal digits that read back (round to nearest even) as x, x positive, finite and
 * not zero; among several of that length the nearest to x, and of two equally near the one with
 * an even last digit (David Gay's dtoa mode 0, Python's repr). Writes the digits as ASCII to
 * digits[0..n) (n <= 17, no leading or trailing zeros, not terminated), *exp10 the exponent of the
 * first digit (x = d0.d1d2... * 10^exp10), and returns n. */
int pk_dtoa_shortest(double x, char digits[17], int *exp10);

#endif
