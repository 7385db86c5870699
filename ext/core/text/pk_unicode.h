/*
 * pk_unicode.h - the Unicode character properties Python's str and re use, as tables generated
 * from Python's unicodedata (scripts/gen_unicode.py -> pk_unicode_data.c; the Unicode version is
 * pk_unicode_version), and UTF-8 decoding/encoding as Python's strict codec does it.
 *
 * What each function reproduces:
 *   pk_uc_flags     PK_UC_WORD: re's \w for str patterns (str.isalnum() or '_'); PK_UC_SPACE:
 *                   re's \s and str.split()'s separators (str.isspace()); PK_UC_DIGIT: re's \d
 *                   (str.isdecimal()); PK_UC_CI / PK_UC_CASED: the properties str.lower() uses
 *                   for the final sigma.
 *   pk_uc_lower     str.lower() of a whole string: the full mapping (U+0130 -> 'i' U+0307) and
 *                   U+03A3 -> final sigma U+03C2 in CPython's context.
 *   pk_uc_strip     scikit-learn's strip_accents_unicode / strip_accents_ascii.
 */
#ifndef PK_UNICODE_H
#define PK_UNICODE_H

#include <stddef.h>
#include <stdint.h>

#define PK_UC_WORD  1u
#define PK_UC_SPACE 2u
#define PK_UC_DIGIT 4u
#define PK_UC_CI    8u
#define PK_UC_CASED 16u

/* "14.0.0": the Unicode version of the tables. */
extern const char pk_unicode_version[];

/* PK_UC_* bits of code point c (0 beyond U+10FFFF). */
unsigned pk_uc_flags(uint32_t c);

/* The one-character lowercase of c (U+0130 maps to itself here: pk_uc_lower handles it). */
uint32_t pk_uc_lower1(uint32_t c);

/* One character's accent-stripped form (ascii: strip_accents_ascii, else strip_accents_unicode).
 * Returns NULL when the character is unchanged (*n = 0) or, for the unicode form, a Hangul
 * syllable (*n = 1: pk_uc_strip_into decomposes it); else the replacement's *n code points. */
const uint32_t *pk_uc_strip(uint32_t c, int ascii, size_t *n);

/* Lowercases in[0..n) into out (capacity 2 * n: only U+0130 grows, to two characters). Returns
 * the number of code points written. */
size_t pk_uc_lower(const uint32_t *in, size_t n, uint32_t *out);

/* Code points strip_accents would produce from in[0..n) (for sizing the output). */
size_t pk_uc_strip_len(const uint32_t *in, size_t n, int ascii);
/* Writes them to out (pk_uc_strip_len(in, n, ascii) code points); returns their count. */
size_t pk_uc_strip_into(const uint32_t *in, size_t n, int ascii, uint32_t *out);

/* Decodes UTF-8 as Python's strict codec does (no overlong forms, no surrogates, nothing beyond
 * U+10FFFF) into out (capacity n; NULL only checks). Returns the code point count, or
 * (size_t)-1 with *bad set to the byte offset of the first invalid sequence. */
size_t pk_utf8_decode(const uint8_t *s, size_t n, uint32_t *out, size_t *bad);

/* Encodes code point c (< 0x110000; surrogates too, as surrogatepass does) as 1 to 4 bytes of
 * UTF-8 into out (4 bytes room); returns how many. */
size_t pk_utf8_put(uint32_t c, uint8_t *out);

#endif /* PK_UNICODE_H */
