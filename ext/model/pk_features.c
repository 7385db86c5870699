/*
 * pk_features.c - JSON features reader (see pk_features.h). A hand-written recursive-free scanner
 * over one array or object of scalars into cells: nested arrays/objects are refused, except as
 * the value of a column taking a JSON document (PK_COL_JSON), which gets their text. Numbers are
 * validated against the JSON grammar, then converted with strtod on a bounded stack copy (at most
 * 64 characters: longer numbers are refused).
 */
#include "pk_features.h"
#include "pk_unicode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_MAX 64
#define KEY_MAX 512

typedef pk_jcur jr; /* short for the scanner below */

void pk_jcur_ws(pk_jcur *r) {
    while (r->i < r->n &&
           (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r'))
        r->i++;
}

pk_code pk_jcur_bad(pk_jcur *r, const char *what) {
    return pk_err_set(r->err, PK_EFEATURE, (int64_t)r->i, -1, "bad JSON features at offset %zu: %s",
                      r->i, what);
}

static int lit(jr *r, const char *w) {
    size_t k = strlen(w);
    if (r->n - r->i >= k && memcmp(r->s + r->i, w, k) == 0) {
        r->i += k;
        return 1;
    }
    return 0;
}

static int digit(jr *r) {
    return r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9';
}

/* Appends code point cp as UTF-8 to buf at *len, writing only what fits below cap; *len always
 * advances (the decoded length). */
static void put_utf8(char *buf, size_t *len, size_t cap, uint32_t cp) {
    uint8_t t[4];
    size_t k = pk_utf8_put(cp, t);
    if (*len + k <= cap) memcpy(buf + *len, t, k);
    *len += k;
}

static int hex4(jr *r, uint32_t *out) {
    if (r->n - r->i < 4) return 0;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char ch = r->s[r->i + (size_t)k];
        int d = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (d < 0) return 0;
        v = v * 16 + (uint32_t)d;
    }
    r->i += 4;
    *out = v;
    return 1;
}

pk_code pk_jcur_string(pk_jcur *r, char *buf, size_t cap, size_t *len) {
    *len = 0;
    r->i++; /* opening quote */
    while (r->i < r->n) {
        unsigned char ch = (unsigned char)r->s[r->i];
        if (ch == '"') {
            r->i++;
            if (*len < cap) buf[*len] = 0;
            return PK_OK;
        }
        if (ch < 0x20) return pk_jcur_bad(r, "control character in a string");
        if (ch != '\\') {
            if (*len < cap) buf[*len] = (char)ch;
            (*len)++;
            r->i++;
            continue;
        }
        r->i++;
        if (r->i >= r->n) break;
        char e = r->s[r->i++];
        uint32_t cp;
        switch (e) {
        case '"':
            cp = '"';
            break;
        case '\\':
            cp = '\\';
            break;
        case '/':
            cp = '/';
            break;
        case 'b':
            cp = 8;
            break;
        case 'f':
            cp = 12;
            break;
        case 'n':
            cp = 10;
            break;
        case 'r':
            cp = 13;
            break;
        case 't':
            cp = 9;
            break;
        case 'u':
            if (!hex4(r, &cp)) return pk_jcur_bad(r, "bad \\u escape");
            if (cp >= 0xD800 && cp < 0xDC00 && r->n - r->i >= 6 && r->s[r->i] == '\\' &&
                r->s[r->i + 1] == 'u') {
                size_t save = r->i;
                uint32_t lo;
                r->i += 2;
                if (hex4(r, &lo) && lo >= 0xDC00 && lo < 0xE000)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else
                    r->i = save;
            }
            if (cp >= 0xD800 && cp < 0xE000) r->lone_surrogate = 1;
            break;
        default:
            return pk_jcur_bad(r, "bad escape");
        }
        put_utf8(buf, len, cap, cp);
    }
    return pk_jcur_bad(r, "unterminated string");
}

pk_code pk_jcur_scalar(pk_jcur *r, pk_cell *out, pk_jstr *sb) {
    memset(out, 0, sizeof *out);
    out->type = PK_CELL_NUM;
    pk_jcur_ws(r);
    if (r->i >= r->n) return pk_jcur_bad(r, "expected a value");
    char ch = r->s[r->i];
    if (ch == '"') {
        size_t len;
        pk_code rc = pk_jcur_string(r, sb->buf + sb->used, sb->cap - sb->used, &len);
        if (rc) return rc;
        if (len >= sb->cap - sb->used) return pk_jcur_bad(r, "string too long");
        out->type = PK_CELL_TEXT;
        out->s = sb->buf + sb->used;
        out->len = len;
        sb->used += len + 1;
        return PK_OK;
    }
    if (lit(r, "null")) {
        out->type = PK_CELL_NULL;
        return PK_OK;
    }
    if (lit(r, "true")) {
        out->num = 1;
        return PK_OK;
    }
    if (lit(r, "false")) {
        out->num = 0;
        return PK_OK;
    }
    if (lit(r, "NaN")) {
        out->num = NAN;
        return PK_OK;
    }
    if (lit(r, "Infinity")) {
        out->num = INFINITY;
        return PK_OK;
    }
    if (lit(r, "-Infinity")) {
        out->num = -INFINITY;
        return PK_OK;
    }
    if (ch == '[' || ch == '{') return pk_jcur_bad(r, "nested arrays and objects are not features");
    size_t start = r->i;
    if (r->s[r->i] == '-') r->i++;
    if (!digit(r)) return pk_jcur_bad(r, "expected a number");
    if (r->s[r->i] == '0')
        r->i++;
    else
        while (digit(r))
            r->i++;
    if (r->i < r->n && r->s[r->i] == '.') {
        r->i++;
        if (!digit(r)) return pk_jcur_bad(r, "expected a digit");
        while (digit(r))
            r->i++;
    }
    if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
        r->i++;
        if (r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-')) r->i++;
        if (!digit(r)) return pk_jcur_bad(r, "expected a digit");
        while (digit(r))
            r->i++;
    }
    size_t k = r->i - start;
    if (k >= NUM_MAX) return pk_jcur_bad(r, "number too long");
    char num[NUM_MAX];
    memcpy(num, r->s + start, k);
    num[k] = 0;
    out->num = strtod(num, NULL);
    return PK_OK;
}

int pk_features_is_json(const char *text, size_t len) {
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    return i < len && (text[i] == '[' || text[i] == '{');
}

/* "'a', 'b', 'c', ... (12 names)" into buf. */
static void expected_names(const pk_model *m, char *buf, size_t cap) {
    size_t len = 0, shown = m->n_features < 8 ? m->n_features : 8;
    buf[0] = 0;
    for (size_t j = 0; j < shown && len < cap; j++) {
        int w = snprintf(buf + len, cap - len, "%s'%s'", j ? ", " : "", m->feature_names[j]);
        if (w < 0) return;
        len += (size_t)w;
    }
    if (m->n_features > shown && len < cap)
        snprintf(buf + len, cap - len, ", ... (%zu names)", m->n_features);
}

/* The array or object at the cursor, for a column that takes a JSON document (PK_COL_JSON:
 * json_object('feats', json_object(...)) for a DictVectorizer column): its text as a TEXT cell
 * pointing into the row's text, brackets matched (the model reads it then). */
static pk_code nested_doc(jr *r, pk_cell *out) {
    size_t start = r->i, depth = 0;
    while (r->i < r->n) {
        char ch = r->s[r->i];
        if (ch == '"') {
            size_t len;
            pk_code rc = pk_jcur_string(r, NULL, 0, &len);
            if (rc) return rc;
            continue;
        }
        r->i++;
        if (ch == '[' || ch == '{') {
            depth++;
        } else if (ch == ']' || ch == '}') {
            if (--depth == 0) {
                memset(out, 0, sizeof *out);
                out->type = PK_CELL_TEXT;
                out->s = r->s + start;
                out->len = r->i - start;
                return PK_OK;
            }
        }
    }
    return pk_jcur_bad(r, "unterminated array or object");
}

/* One value for column j: a scalar, or a nested document for a PK_COL_JSON column. */
static pk_code value_for(const pk_model *m, size_t j, jr *r, pk_cell *out, pk_jstr *sb) {
    pk_jcur_ws(r);
    if (r->i < r->n && (r->s[r->i] == '[' || r->s[r->i] == '{') && m->col_kind &&
        j < m->n_features && m->col_kind[j] == PK_COL_JSON)
        return nested_doc(r, out);
    return pk_jcur_scalar(r, out, sb);
}

static pk_code read_array(const pk_model *m, jr *r, pk_cell *cells, pk_jstr *sb) {
    size_t count = 0;
    r->i++;
    pk_jcur_ws(r);
    if (r->i < r->n && r->s[r->i] == ']') {
        r->i++;
    } else {
        for (;;) {
            pk_cell v;
            pk_code rc = value_for(m, count, r, &v, sb);
            if (rc) return rc;
            if (count < m->n_features) cells[count] = v;
            count++;
            pk_jcur_ws(r);
            if (r->i < r->n && r->s[r->i] == ',') {
                r->i++;
                continue;
            }
            if (r->i < r->n && r->s[r->i] == ']') {
                r->i++;
                break;
            }
            return pk_jcur_bad(r, "expected ',' or ']'");
        }
    }
    pk_jcur_ws(r);
    if (r->i != r->n) return pk_jcur_bad(r, "text after the array");
    if (count != m->n_features) {
        /* A model that never reads the row (Dummy*, fitted without n_features_in_ in older
         * scikit-learn) takes any width; the slots it was not given stay defined. */
        if (m->any_width) {
            for (size_t j = count; j < m->n_features; j++)
                cells[j] = (pk_cell){PK_CELL_NUM, 0.0, NULL, 0};
            return PK_OK;
        }
        return pk_err_set(r->err, PK_EFEATURE, -1, -1, "%s expects %zu features, got %zu", m->cls,
                          m->n_features, count);
    }
    return PK_OK;
}

static pk_code read_object(const pk_model *m, jr *r, pk_cell *cells, unsigned char *seen,
                           pk_jstr *sb) {
    if (!m->feature_names)
        return pk_err_set(r->err, PK_EFEATURE, -1, -1,
                          "%s was not fitted with feature names: pass the features positionally "
                          "or as a JSON array",
                          m->cls);
    memset(seen, 0, m->n_features);
    r->i++;
    pk_jcur_ws(r);
    if (r->i < r->n && r->s[r->i] == '}') {
        r->i++;
    } else {
        for (;;) {
            pk_jcur_ws(r);
            if (r->i >= r->n || r->s[r->i] != '"') return pk_jcur_bad(r, "expected a key");
            char key[KEY_MAX + 1];
            size_t klen;
            pk_code rc = pk_jcur_string(r, key, sizeof key, &klen);
            if (rc) return rc;
            if (klen >= sizeof key) return pk_jcur_bad(r, "string too long");
            pk_jcur_ws(r);
            if (r->i >= r->n || r->s[r->i] != ':') return pk_jcur_bad(r, "expected ':'");
            r->i++;
            size_t j = 0;
            while (j < m->n_features && !(strlen(m->feature_names[j]) == klen &&
                                          memcmp(m->feature_names[j], key, klen) == 0))
                j++;
            if (j == m->n_features) {
                char names[400];
                expected_names(m, names, sizeof names);
                return pk_err_set(r->err, PK_EFEATURE, -1, -1,
                                  "unknown feature '%.100s' (%s expects %s)", key, m->cls, names);
            }
            if (seen[j])
                return pk_err_set(r->err, PK_EFEATURE, -1, -1, "feature '%s' given twice", key);
            seen[j] = 1;
            rc = value_for(m, j, r, &cells[j], sb);
            if (rc) return rc;
            pk_jcur_ws(r);
            if (r->i < r->n && r->s[r->i] == ',') {
                r->i++;
                continue;
            }
            if (r->i < r->n && r->s[r->i] == '}') {
                r->i++;
                break;
            }
            return pk_jcur_bad(r, "expected ',' or '}'");
        }
    }
    pk_jcur_ws(r);
    if (r->i != r->n) return pk_jcur_bad(r, "text after the object");
    for (size_t j = 0; j < m->n_features; j++)
        if (!seen[j]) {
            char names[400];
            expected_names(m, names, sizeof names);
            return pk_err_set(r->err, PK_EFEATURE, -1, -1, "missing feature '%s' (%s expects %s)",
                              m->feature_names[j], m->cls, names);
        }
    return PK_OK;
}

pk_code pk_features_from_json(const pk_model *m, const char *text, size_t len, pk_cell *cells,
                              unsigned char *seen, char *strings, pk_err *err) {
    jr r = {text, len, 0, err, 0};
    pk_jstr sb = {strings, 0, len + 1};
    pk_jcur_ws(&r);
    if (r.i < r.n && r.s[r.i] == '[') return read_array(m, &r, cells, &sb);
    if (r.i < r.n && r.s[r.i] == '{') return read_object(m, &r, cells, seen, &sb);
    return pk_jcur_bad(&r, "expected '[' or '{'");
}
