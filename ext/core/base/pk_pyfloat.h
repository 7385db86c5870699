/*
 * pk_pyfloat.h - text to double exactly as Python's float(str) reads it (which is also what
 * numpy does when an object or str column becomes float64, e.g. scikit-learn's check_array on a
 * DataFrame column of numeric strings).
 *
 * The rules (CPython 3.11 Objects/floatobject.c, Python/pystrtod.c):
 *   - every Unicode white-space character becomes a space and every Unicode decimal digit (any
 *     script: '١٢' is 12) its ASCII digit; any other non-ASCII character makes the text invalid;
 *   - leading and trailing white space is stripped (' 42 ', '\t3.5\n');
 *   - an underscore is allowed only between two digits ('1_000', '1e1_0'; not '_1', '1_', '1__0',
 *     '1_.5');
 *   - then the whole rest must be: an optional sign and either "inf", "infinity" or "nan" (any
 *     case) or a decimal number: digits with an optional '.', at least one digit, an optional
 *     exponent 'e'/'E' [sign] digits. No hexadecimal, no empty text. Values beyond the double
 *     range become +-inf, below it 0 (correctly rounded: strtod).
 * Texts longer than PK_PYFLOAT_MAX bytes are refused (Python would read them; no real column
 * holds such numbers, and the copy stays on the stack).
 */
#ifndef PK_PYFLOAT_H
#define PK_PYFLOAT_H

#include <stddef.h>

#define PK_PYFLOAT_MAX 512

/* Reads s[0..n) (UTF-8, need not be NUL-terminated). Returns 1 and sets *out when the text is a
 * number under the rules above, else 0 (*out untouched). */
int pk_pyfloat(const char *s, size_t n, double *out);

#endif /* PK_PYFLOAT_H */
