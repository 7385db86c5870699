/*
 * pk_jsonread.c - JSON text -> pk_value graph (see pk_jsonread.h for the mapping and limits).
 *
 * A recursive-descent parser over a bounds-checked cursor (every access tests pos < n). Depth is
 * capped before each nested container. Integers beyond 64 bits are converted exactly: decimal
 * digits are folded into 32-bit limbs (O(digits * limbs), digits <= 4300), then turned into the
 * minimal little-endian two's complement bytes PK_BIGINT holds.
 */
#include "pk_jsonread.h"
#include "pk_unicode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct jr {
    pk_arena *ar;
    const char *s;
    size_t n, pos;
    uint32_t max_depth;
    pk_err *err;
} jr;

static pk_code fail(jr *r, const char *what) {
    return pk_err_set(r->err, PK_EVALUE, (int64_t)r->pos, -1, "bad JSON at offset %zu: %s", r->pos,
                      what);
}

static pk_code nomem(jr *r) {
    return pk_err_nomem(r->err, (int64_t)r->pos);
}

static void skip_ws(jr *r) {
    while (r->pos < r->n && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' || r->s[r->pos] == '\n' ||
                             r->s[r->pos] == '\r'))
        r->pos++;
}

static int match(jr *r, const char *word) {
    size_t k = strlen(word);
    if (r->n - r->pos < k || memcmp(r->s + r->pos, word, k) != 0) return 0;
    r->pos += k;
    return 1;
}

static int hex4(jr *r, uint32_t *out) {
    if (r->n - r->pos < 4) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->s[r->pos + (size_t)i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return 0;
    }
    r->pos += 4;
    *out = v;
    return 1;
}

/* String at r->pos (the opening quote). The decoded text is never longer than the source. */
static pk_code parse_string(jr *r, pk_value **out) {
    size_t start = ++r->pos;
    size_t end = start;
    int escapes = 0;
    while (end < r->n && r->s[end] != '"') {
        unsigned char c = (unsigned char)r->s[end];
        if (c < 0x20) {
            r->pos = end;
            return fail(r, "control character in string");
        }
        if (c == '\\') {
            escapes = 1;
            end++;
        }
        end++;
    }
    if (end >= r->n) {
        r->pos = r->n;
        return fail(r, "unterminated string");
    }
    if (!escapes) {
        *out = pk_new_str(r->ar, r->s + start, end - start);
        r->pos = end + 1;
        return *out ? PK_OK : nomem(r);
    }
    char *d = pk_arena_alloc(r->ar, end - start + 1);
    if (!d) return nomem(r);
    size_t k = 0;
    while (r->pos < end) {
        char c = r->s[r->pos];
        if (c != '\\') {
            d[k++] = c;
            r->pos++;
            continue;
        }
        r->pos++;
        char e = r->s[r->pos++];
        switch (e) {
        case '"':
            d[k++] = '"';
            break;
        case '\\':
            d[k++] = '\\';
            break;
        case '/':
            d[k++] = '/';
            break;
        case 'b':
            d[k++] = '\b';
            break;
        case 'f':
            d[k++] = '\f';
            break;
        case 'n':
            d[k++] = '\n';
            break;
        case 'r':
            d[k++] = '\r';
            break;
        case 't':
            d[k++] = '\t';
            break;
        case 'u': {
            uint32_t cp, lo;
            if (!hex4(r, &cp)) return fail(r, "bad \\u escape");
            if (cp >= 0xD800 && cp < 0xDC00 && end - r->pos >= 6 && r->s[r->pos] == '\\' &&
                r->s[r->pos + 1] == 'u') {
                size_t save = r->pos;
                r->pos += 2;
                if (hex4(r, &lo) && lo >= 0xDC00 && lo < 0xE000)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else
                    r->pos = save;
            }
            /* \uXXXX is 6 source bytes and at most 3 output bytes (4 for a 12-byte pair) */
            k += pk_utf8_put(cp, (uint8_t *)d + k);
            break;
        }
        default:
            r->pos--;
            return fail(r, "bad escape in string");
        }
    }
    d[k] = 0;
    r->pos = end + 1;
    pk_value *v = pk_new(r->ar, PK_STR);
    if (!v) return nomem(r);
    v->u.s.ptr = d;
    v->u.s.len = k;
    *out = v;
    return PK_OK;
}

/* Exact integer from decimal digits (no sign) -> PK_INT or PK_BIGINT. */
static pk_code big_from_digits(jr *r, const char *dg, size_t nd, int neg, pk_value **out) {
    size_t nlimbs = nd / 9 + 2; /* 10^9 < 2^32 per limb is generous */
    uint32_t *limb = pk_arena_calloc(r->ar, nlimbs, sizeof *limb);
    if (!limb) return nomem(r);
    size_t used = 1;
    for (size_t i = 0; i < nd; i++) {
        uint64_t carry = (uint64_t)(dg[i] - '0');
        for (size_t k = 0; k < used; k++) {
            uint64_t t = (uint64_t)limb[k] * 10 + carry;
            limb[k] = (uint32_t)t;
            carry = t >> 32;
        }
        if (carry) limb[used++] = (uint32_t)carry;
    }
    /* magnitude bytes + one sign byte, then two's complement when negative */
    size_t nb = used * 4 + 1;
    uint8_t *b = pk_arena_alloc(r->ar, nb);
    if (!b) return nomem(r);
    for (size_t k = 0; k < used; k++)
        for (int j = 0; j < 4; j++)
            b[k * 4 + (size_t)j] = (uint8_t)(limb[k] >> (8 * j));
    b[nb - 1] = 0;
    if (neg) {
        int carry = 1;
        for (size_t k = 0; k < nb; k++) {
            unsigned t = (unsigned)(uint8_t)~b[k] + (unsigned)carry;
            b[k] = (uint8_t)t;
            carry = t > 0xFF;
        }
    }
    *out = pk_new_long_le(r->ar, b, nb);
    return *out ? PK_OK : nomem(r);
}

static pk_code parse_number(jr *r, pk_value **out) {
    size_t start = r->pos;
    int neg = 0;
    if (r->s[r->pos] == '-') {
        neg = 1;
        r->pos++;
        if (match(r, "Infinity")) {
            *out = pk_new_float(r->ar, -INFINITY);
            return *out ? PK_OK : nomem(r);
        }
    }
    size_t ds = r->pos;
    if (r->pos >= r->n || r->s[r->pos] < '0' || r->s[r->pos] > '9') return fail(r, "bad number");
    if (r->s[r->pos] == '0') {
        r->pos++;
    } else {
        while (r->pos < r->n && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
            r->pos++;
    }
    size_t de = r->pos;
    int is_float = 0;
    if (r->pos < r->n && r->s[r->pos] == '.') {
        is_float = 1;
        r->pos++;
        size_t f = r->pos;
        while (r->pos < r->n && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
            r->pos++;
        if (r->pos == f) return fail(r, "bad number: digits expected after '.'");
    }
    if (r->pos < r->n && (r->s[r->pos] == 'e' || r->s[r->pos] == 'E')) {
        is_float = 1;
        r->pos++;
        if (r->pos < r->n && (r->s[r->pos] == '+' || r->s[r->pos] == '-')) r->pos++;
        size_t f = r->pos;
        while (r->pos < r->n && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
            r->pos++;
        if (r->pos == f) return fail(r, "bad number: digits expected in the exponent");
    }
    if (is_float) {
        char *tmp = pk_arena_strndup(r->ar, r->s + start, r->pos - start);
        if (!tmp) return nomem(r);
        *out = pk_new_float(r->ar, strtod(tmp, NULL));
        return *out ? PK_OK : nomem(r);
    }
    size_t nd = de - ds;
    if (nd > PK_JSON_MAX_INT_DIGITS) {
        r->pos = start;
        return fail(r, "integer with more than 4300 digits");
    }
    if (nd <= 18) {
        int64_t v = 0;
        for (size_t i = ds; i < de; i++)
            v = v * 10 + (r->s[i] - '0');
        *out = pk_new_int(r->ar, neg ? -v : v);
        return *out ? PK_OK : nomem(r);
    }
    return big_from_digits(r, r->s + ds, nd, neg, out);
}

static pk_code parse_value(jr *r, uint32_t depth, pk_value **out);

static pk_code parse_array(jr *r, uint32_t depth, pk_value **out) {
    pk_value *lst = pk_new_seq(r->ar, PK_LIST, 0);
    if (!lst) return nomem(r);
    r->pos++;
    skip_ws(r);
    if (r->pos < r->n && r->s[r->pos] == ']') {
        r->pos++;
        *out = lst;
        return PK_OK;
    }
    for (;;) {
        pk_value *item;
        PK_TRY(parse_value(r, depth + 1, &item));
        PK_TRY(pk_seq_append(r->ar, lst, item, r->err));
        skip_ws(r);
        if (r->pos < r->n && r->s[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->pos < r->n && r->s[r->pos] == ']') {
            r->pos++;
            *out = lst;
            return PK_OK;
        }
        return fail(r, "expected ',' or ']'");
    }
}

static pk_code parse_object(jr *r, uint32_t depth, pk_value **out) {
    pk_value *d = pk_new_dict(r->ar, 0);
    if (!d) return nomem(r);
    r->pos++;
    skip_ws(r);
    if (r->pos < r->n && r->s[r->pos] == '}') {
        r->pos++;
        *out = d;
        return PK_OK;
    }
    for (;;) {
        skip_ws(r);
        if (r->pos >= r->n || r->s[r->pos] != '"') return fail(r, "expected a string key");
        pk_value *key, *val;
        PK_TRY(parse_string(r, &key));
        skip_ws(r);
        if (r->pos >= r->n || r->s[r->pos] != ':') return fail(r, "expected ':'");
        r->pos++;
        PK_TRY(parse_value(r, depth + 1, &val));
        PK_TRY(pk_dict_set(r->ar, d, key, val, r->err));
        skip_ws(r);
        if (r->pos < r->n && r->s[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->pos < r->n && r->s[r->pos] == '}') {
            r->pos++;
            *out = d;
            return PK_OK;
        }
        return fail(r, "expected ',' or '}'");
    }
}

static pk_code parse_value(jr *r, uint32_t depth, pk_value **out) {
    skip_ws(r);
    if (r->pos >= r->n) return fail(r, "unexpected end of text");
    if (depth > r->max_depth)
        return pk_err_set(r->err, PK_ELIMIT, (int64_t)r->pos, -1,
                          "JSON nested deeper than %u levels at offset %zu", (unsigned)r->max_depth,
                          r->pos);
    char c = r->s[r->pos];
    switch (c) {
    case '{':
        return parse_object(r, depth, out);
    case '[':
        return parse_array(r, depth, out);
    case '"':
        return parse_string(r, out);
    default:
        break;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(r, out);
    if (match(r, "true") || match(r, "false")) {
        *out = pk_new_bool(r->ar, c == 't');
    } else if (match(r, "null")) {
        *out = pk_new_none(r->ar);
    } else if (match(r, "NaN")) {
        *out = pk_new_float(r->ar, NAN);
    } else if (match(r, "Infinity")) {
        *out = pk_new_float(r->ar, INFINITY);
    } else {
        return fail(r, "expected a value");
    }
    return *out ? PK_OK : nomem(r);
}

pk_code pk_json_read(pk_arena *ar, const char *text, size_t n, uint32_t max_depth, pk_value **out,
                     pk_err *err) {
    jr r = {ar, text ? text : "", text ? n : 0, 0, max_depth ? max_depth : PK_DEFAULT_MAX_DEPTH,
            err};
    *out = NULL;
    pk_value *v;
    pk_code c = parse_value(&r, 0, &v);
    if (c) {
        if (err->code == PK_OK) pk_err_set(err, c, (int64_t)r.pos, -1, "%s", pk_code_label(c));
        return c;
    }
    skip_ws(&r);
    if (r.pos != r.n) return fail(&r, "unexpected text after the value");
    *out = v;
    return PK_OK;
}
