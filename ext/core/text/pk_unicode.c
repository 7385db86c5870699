/*
 * pk_unicode.c - str.lower(), strip_accents and strict UTF-8 over the generated tables
 * (pk_unicode.h; the tables and how they were derived: scripts/gen_unicode.py).
 *
 * str.lower() is CPython's: each character's full lowercase mapping, except U+03A3, which
 * becomes the final sigma U+03C2 when a cased character precedes it (skipping case-ignorable
 * ones) and no cased character follows it (again skipping case-ignorable ones); else U+03C3.
 * Hangul syllables decompose as Unicode's algorithm says (L, V and an optional T jamo).
 */
#include "pk_unicode.h"

#define HANGUL_BASE  0xAC00u
#define HANGUL_COUNT 11172u

static uint32_t sigma_lower(const uint32_t *in, size_t n, size_t i) {
    size_t j = i;
    uint32_t c = 0;
    int found = 0;
    while (j > 0) {
        c = in[--j];
        if (!(pk_uc_flags(c) & PK_UC_CI)) {
            found = 1;
            break;
        }
    }
    int final = found && (pk_uc_flags(c) & PK_UC_CASED);
    if (final) {
        for (j = i + 1; j < n; j++) {
            c = in[j];
            if (!(pk_uc_flags(c) & PK_UC_CI)) break;
        }
        final = j == n || !(pk_uc_flags(c) & PK_UC_CASED);
    }
    return final ? 0x3C2u : 0x3C3u;
}

size_t pk_uc_lower(const uint32_t *in, size_t n, uint32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = in[i];
        if (c < 0x80) {
            out[k++] = c >= 'A' && c <= 'Z' ? c + 32 : c;
        } else if (c == 0x130) {
            out[k++] = 'i';
            out[k++] = 0x307;
        } else if (c == 0x3A3) {
            out[k++] = sigma_lower(in, n, i);
        } else {
            out[k++] = pk_uc_lower1(c);
        }
    }
    return k;
}

static int is_hangul(uint32_t c) {
    return c >= HANGUL_BASE && c < HANGUL_BASE + HANGUL_COUNT;
}

size_t pk_uc_strip_len(const uint32_t *in, size_t n, int ascii) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = in[i];
        if (c < 0x80) {
            k++;
            continue;
        }
        size_t m;
        const uint32_t *r = pk_uc_strip(c, ascii, &m);
        if (r)
            k += m;
        else if (m == 1 && is_hangul(c))
            k += (c - HANGUL_BASE) % 28 ? 3 : 2;
        else
            k++;
    }
    return k;
}

size_t pk_uc_strip_into(const uint32_t *in, size_t n, int ascii, uint32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = in[i];
        if (c < 0x80) {
            out[k++] = c;
            continue;
        }
        size_t m;
        const uint32_t *r = pk_uc_strip(c, ascii, &m);
        if (r) {
            for (size_t j = 0; j < m; j++)
                out[k++] = r[j];
        } else if (m == 1 && is_hangul(c)) {
            uint32_t s = c - HANGUL_BASE;
            out[k++] = 0x1100u + s / 588;
            out[k++] = 0x1161u + (s % 588) / 28;
            if (s % 28) out[k++] = 0x11A7u + s % 28;
        } else {
            out[k++] = c;
        }
    }
    return k;
}

size_t pk_utf8_decode(const uint8_t *s, size_t n, uint32_t *out, size_t *bad) {
    size_t i = 0, k = 0;
    while (i < n) {
        uint8_t b = s[i];
        if (b < 0x80) {
            if (out) out[k] = b;
            k++;
            i++;
            continue;
        }
        size_t len;
        uint32_t c, min;
        if (b >= 0xC2 && b <= 0xDF) {
            len = 2;
            c = b & 0x1Fu;
            min = 0x80;
        } else if (b >= 0xE0 && b <= 0xEF) {
            len = 3;
            c = b & 0x0Fu;
            min = 0x800;
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4;
            c = b & 0x07u;
            min = 0x10000;
        } else {
            *bad = i;
            return (size_t)-1;
        }
        if (n - i < len) {
            *bad = i;
            return (size_t)-1;
        }
        for (size_t j = 1; j < len; j++) {
            uint8_t t = s[i + j];
            if ((t & 0xC0) != 0x80) {
                *bad = i;
                return (size_t)-1;
            }
            c = (c << 6) | (t & 0x3Fu);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000)) {
            *bad = i;
            return (size_t)-1;
        }
        if (out) out[k] = c;
        k++;
        i += len;
    }
    return k;
}

size_t pk_utf8_put(uint32_t c, uint8_t *out) {
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | (c >> 6));
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (c >> 12));
        out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (c >> 18));
    out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}
