/*
 * pk_pyfloat.c - Python's float(str) (see pk_pyfloat.h): one pass maps the UTF-8 text to ASCII
 * on a stack buffer (Unicode spaces -> ' ', Unicode decimal digits -> '0'..'9'), then the
 * grammar is checked on the trimmed ASCII text with underscores removed, and strtod converts the
 * validated text (glibc's strtod is correctly rounded, as Python's dtoa is).
 */
#include "pk_pyfloat.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* First code point of each run of ten Unicode decimal digits (category Nd, Unicode 14.0 as in
 * Python 3.11's unicodedata): a code point cp is digit d when start <= cp < start + 10. */
static const uint32_t digit_zero[] = {
    0x30,    0x660,   0x6F0,   0x7C0,   0x966,   0x9E6,   0xA66,   0xAE6,   0xB66,   0xBE6,
    0xC66,   0xCE6,   0xD66,   0xDE6,   0xE50,   0xED0,   0xF20,   0x1040,  0x1090,  0x17E0,
    0x1810,  0x1946,  0x19D0,  0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,
    0xA8D0,  0xA900,  0xA9D0,  0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066,
    0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0,
    0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2,
    0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0};

/* Python's str.isspace() (Py_UNICODE_ISSPACE). */
static int uni_space(uint32_t cp) {
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F)) return 1;
    if (cp < 0x85) return 0;
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* The decimal value of cp, or -1. */
static int uni_digit(uint32_t cp) {
    size_t lo = 0, hi = sizeof digit_zero / sizeof digit_zero[0];
    while (lo < hi) { /* last start <= cp */
        size_t mid = (lo + hi) / 2;
        if (digit_zero[mid] <= cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return -1;
    uint32_t z = digit_zero[lo - 1];
    return cp - z < 10 ? (int)(cp - z) : -1;
}

/* Decodes one UTF-8 code point at s[*i] (advancing *i); -1 on a malformed sequence. */
static int64_t utf8_next(const unsigned char *s, size_t n, size_t *i) {
    unsigned c = s[*i];
    size_t k;
    uint32_t cp;
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        k = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 3;
        cp = c & 0x07;
    } else {
        return -1;
    }
    if (n - *i <= k) return -1;
    for (size_t j = 1; j <= k; j++) {
        unsigned cc = s[*i + j];
        if ((cc & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (cc & 0x3F);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return -1;
    *i += k + 1;
    return cp;
}

static int is_digit(char ch) {
    return ch >= '0' && ch <= '9';
}

static int ieq(const char *a, size_t n, const char *lower) {
    if (strlen(lower) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = a[i];
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if (ch != lower[i]) return 0;
    }
    return 1;
}

/* The decimal grammar on t[0..n) (no underscores left): [sign] digits [. digits] [e [sign]
 * digits] with at least one mantissa digit. */
static int decimal_ok(const char *t, size_t n) {
    size_t i = 0, digits = 0;
    if (i < n && (t[i] == '+' || t[i] == '-')) i++;
    while (i < n && is_digit(t[i])) {
        i++;
        digits++;
    }
    if (i < n && t[i] == '.') {
        i++;
        while (i < n && is_digit(t[i])) {
            i++;
            digits++;
        }
    }
    if (!digits) return 0;
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-')) i++;
        if (i >= n || !is_digit(t[i])) return 0;
        while (i < n && is_digit(t[i]))
            i++;
    }
    return i == n;
}

int pk_pyfloat(const char *s, size_t n, double *out) {
    char buf[PK_PYFLOAT_MAX + 1];
    const unsigned char *u = (const unsigned char *)s;
    size_t len = 0, i = 0;
    /* to ASCII: spaces -> ' ', decimal digits of any script -> '0'..'9' */
    while (i < n) {
        int64_t cp = utf8_next(u, n, &i);
        if (cp <= 0) return 0; /* malformed, or NUL (Python refuses embedded NULs) */
        char ch;
        if (uni_space((uint32_t)cp))
            ch = ' ';
        else if (cp < 0x80)
            ch = (char)cp;
        else {
            int d = uni_digit((uint32_t)cp);
            if (d < 0) return 0;
            ch = (char)('0' + d);
        }
        if (len == 0 && ch == ' ') continue; /* leading white space */
        if (len >= PK_PYFLOAT_MAX) return 0;
        buf[len++] = ch;
    }
    while (len > 0 && buf[len - 1] == ' ')
        len--;
    if (len == 0) return 0;
    /* underscores only between digits; removed */
    size_t w = 0;
    for (size_t r = 0; r < len; r++) {
        if (buf[r] != '_') {
            buf[w++] = buf[r];
            continue;
        }
        if (r == 0 || r + 1 >= len || !is_digit(buf[r - 1]) || !is_digit(buf[r + 1])) return 0;
    }
    len = w;
    buf[len] = 0;
    const char *t = buf;
    size_t tn = len;
    int neg = 0;
    if (*t == '+' || *t == '-') {
        neg = *t == '-';
        t++;
        tn--;
    }
    if (ieq(t, tn, "inf") || ieq(t, tn, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 1;
    }
    if (ieq(t, tn, "nan")) {
        *out = neg ? -NAN : NAN;
        return 1;
    }
    if (!decimal_ok(buf, len)) return 0;
    *out = strtod(buf, NULL);
    return 1;
}
