/*
 * pk_dictvec.c - DictVectorizer and FeatureHasher of sklearn.feature_extraction: the row is one
 * JSON document (docs/tabular.md, "Dicts and hashed features"), read in place with
 * pk_features.h's cursor into a sparse row in the text workspace (pk_docrow.h): nothing is
 * allocated once the workspace has grown to the largest document.
 *
 * DictVectorizer.transform (scikit-learn 1.2, _dict_vectorizer.py) of one JSON object, its
 * members in order:
 *   string v            feature "key<separator>v", value 1
 *   number, true/false  feature "key", the value (true 1, false 0)
 *   null                feature "key", NaN (numpy.float64(None))
 *   array of strings    feature "key<separator>s", value 1, for each s (scikit-learn >= 1.0)
 *   object, an array holding anything but strings: an error (a TypeError in scikit-learn)
 * Features outside vocabulary_ are ignored; values are cast to dtype (float32 rounds). Every
 * entry stays (an array naming a string twice gives two entries). sparse=True sorts the row by
 * column (sort_indices); sparse=False gives the dense row (toarray: repeated columns add up in
 * data order from 0.0).
 *
 * FeatureHasher.transform (_hash.py, _hashing_fast.pyx) of a JSON object (input_type 'dict'),
 * an array of [name, value] pairs ('pair') or an array of strings ('string': value 1 each): a
 * string value v makes the name "name=v" with value 1; a zero value is skipped; the column is
 * |h| mod n_features for h the signed MurmurHash3 (seed 0) of the name's UTF-8 (h = -2**31
 * gives 2**31 mod n_features); alternate_sign negates the value when h < 0; values are cast to
 * dtype. Then sum_duplicates: columns ascending, repeated columns summed in dtype in data order
 * (a zero sum stays an entry). A null value, a non-string name and a name that is not valid
 * Unicode are errors (TypeError / UnicodeEncodeError in scikit-learn).
 *
 * A key given twice in one object is an error (json.loads would keep its last value). scipy
 * sorts a row with std::sort, which keeps equal columns in data order for rows of at most 16
 * entries; here they always keep it, so a longer row repeating a column with different values
 * may add them in another order than scipy (a rounding difference, documented).
 */
#include "pk_docrow.h"

#include "pk_features.h"
#include "pk_strmap.h"
#include "pk_unicode.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { IN_DICT, IN_PAIR, IN_STRING };

typedef struct pk_dv {
    int hasher;
    int input; /* FeatureHasher: IN_* (DictVectorizer: IN_DICT) */
    int f32;
    int alternate_sign;
    const char *sep;
    size_t sep_len;
    pk_strmap vocab; /* DictVectorizer */
    size_t n_out;
} pk_dv;

/* The row being built in ws->idx / ws->val. */
typedef struct rowb {
    const pk_model *m;
    const pk_dv *D;
    pk_text_ws *ws;
    pk_jcur r;
    pk_jstr sb; /* decoded strings: ws->str */
    size_t nnz, nkeys;
} rowb;

static pk_code fail(rowb *b, const char *what) {
    return pk_err_set(b->r.err, PK_EFEATURE, -1, -1, "%s: %s", b->m->cls, what);
}

static pk_code push(rowb *b, uint32_t col, double v) {
    pk_text_ws *ws = b->ws;
    pk_err *err = b->r.err;
    pk_code rc =
        pk_text_ws_need(ws, (void **)&ws->idx, &ws->idx_cap, b->nnz + 1, sizeof(uint32_t), err);
    if (!rc)
        rc = pk_text_ws_need(ws, (void **)&ws->val, &ws->val_cap, b->nnz + 1, sizeof(double), err);
    if (rc) return rc;
    ws->idx[b->nnz] = col;
    ws->val[b->nnz++] = b->D->f32 ? (double)(float)v : v;
    return PK_OK;
}

/* One feature: name[0..n) with value v. */
static pk_code feature(rowb *b, const char *name, size_t n, double v) {
    const pk_dv *D = b->D;
    if (!D->hasher) {
        uint32_t col;
        return pk_strmap_get(&D->vocab, name, n, &col) ? push(b, col, v) : PK_OK;
    }
    if (v == 0.0) return PK_OK;
    int32_t h = pk_murmur3_32((const uint8_t *)name, n, 0);
    uint32_t a = h == INT32_MIN ? 0x80000000u : (uint32_t)(h < 0 ? -h : h);
    if (D->alternate_sign && h < 0) v = -v;
    return push(b, (uint32_t)(a % D->n_out), v);
}

/* The feature "key<sep>value" with value 1. */
static pk_code joined(rowb *b, const pk_cell *key, const pk_cell *val) {
    pk_text_ws *ws = b->ws;
    size_t n = key->len + b->D->sep_len + val->len;
    pk_code rc = pk_text_ws_need(ws, (void **)&ws->name, &ws->name_cap, n + 1, 1, b->r.err);
    if (rc) return rc;
    memcpy(ws->name, key->s, key->len);
    memcpy(ws->name + key->len, b->D->sep, b->D->sep_len);
    memcpy(ws->name + key->len + b->D->sep_len, val->s, val->len);
    return feature(b, ws->name, n, 1.0);
}

static int at(rowb *b, char ch) {
    pk_jcur_ws(&b->r);
    return b->r.i < b->r.n && b->r.s[b->r.i] == ch;
}

/* After an element: ',' (1, more follow) or the closing `end` (0). */
static pk_code next_item(rowb *b, char end, int *more) {
    pk_jcur_ws(&b->r);
    if (b->r.i < b->r.n && (b->r.s[b->r.i] == ',' || b->r.s[b->r.i] == end)) {
        *more = b->r.s[b->r.i++] == ',';
        return PK_OK;
    }
    return pk_jcur_bad(&b->r, end == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
}

/* Opens an array or object at its `open` character; *empty when it closes at once. */
static pk_code open_seq(rowb *b, char open, int *empty) {
    b->r.i++;
    *empty = at(b, open == '[' ? ']' : '}');
    if (*empty) b->r.i++;
    return PK_OK;
}

/* A string at the cursor into *out (TEXT). */
static pk_code string_cell(rowb *b, pk_cell *out) {
    if (!at(b, '"')) return pk_jcur_bad(&b->r, "expected a string");
    return pk_jcur_scalar(&b->r, out, &b->sb);
}

/* The array of strings at the cursor, value of key: "key<sep>s" for each s (DictVectorizer). */
static pk_code string_list(rowb *b, const pk_cell *key) {
    int empty, more = 1;
    pk_code rc = open_seq(b, '[', &empty);
    if (rc || empty) return rc;
    while (more) {
        pk_cell s;
        if (!at(b, '"')) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "the list of '%.60s' holds something else than strings (only lists of "
                     "strings are supported, as in scikit-learn)",
                     key->s);
            return fail(b, msg);
        }
        rc = pk_jcur_scalar(&b->r, &s, &b->sb);
        if (!rc) rc = joined(b, key, &s);
        if (!rc) rc = next_item(b, ']', &more);
        if (rc) return rc;
    }
    return PK_OK;
}

/* The value of `key` (an object member, or a pair's second item). */
static pk_code value_of(rowb *b, const pk_cell *key) {
    pk_jcur_ws(&b->r);
    char ch = b->r.i < b->r.n ? b->r.s[b->r.i] : 0;
    char msg[200];
    if (ch == '[' && !b->D->hasher) return string_list(b, key);
    if (ch == '[' || ch == '{') {
        snprintf(msg, sizeof msg, "the value of '%.60s' is %s, not a string or a number%s", key->s,
                 ch == '[' ? "an array" : "an object",
                 b->D->hasher ? "" : " (or a list of strings)");
        return fail(b, msg);
    }
    pk_cell v;
    pk_code rc = pk_jcur_scalar(&b->r, &v, &b->sb);
    if (rc) return rc;
    if (v.type == PK_CELL_TEXT) return joined(b, key, &v);
    if (v.type == PK_CELL_NUM) return feature(b, key->s, key->len, v.num);
    if (b->D->hasher) {
        snprintf(msg, sizeof msg, "the value of '%.60s' is null, not a string or a number", key->s);
        return fail(b, msg);
    }
    return feature(b, key->s, key->len, NAN);
}

/* Remembers the key for the repeated-key check (its span in ws->str). */
static pk_code note_key(rowb *b, const pk_cell *key) {
    pk_text_ws *ws = b->ws;
    pk_code rc = pk_text_ws_need(ws, (void **)&ws->spans, &ws->spans_cap, 2 * b->nkeys + 2,
                                 sizeof(size_t), b->r.err);
    if (rc) return rc;
    ws->spans[2 * b->nkeys] = (size_t)(key->s - ws->str);
    ws->spans[2 * b->nkeys + 1] = key->len;
    b->nkeys++;
    return PK_OK;
}

/* A key given twice is an error: an open-addressing set of the keys in ws->keys. */
static pk_code check_keys(rowb *b) {
    pk_text_ws *ws = b->ws;
    size_t n = b->nkeys, cap = 8;
    if (n < 2) return PK_OK;
    while (cap < 2 * n)
        cap *= 2;
    pk_code rc =
        pk_text_ws_need(ws, (void **)&ws->keys, &ws->keys_cap, cap, sizeof(uint64_t), b->r.err);
    if (rc) return rc;
    memset(ws->keys, 0, cap * sizeof(uint64_t));
    for (size_t k = 0; k < n; k++) {
        const char *s = ws->str + ws->spans[2 * k];
        size_t len = ws->spans[2 * k + 1];
        size_t slot = (uint32_t)pk_murmur3_32((const uint8_t *)s, len, 0) & (cap - 1);
        while (ws->keys[slot]) {
            size_t j = (size_t)ws->keys[slot] - 1;
            if (ws->spans[2 * j + 1] == len && memcmp(ws->str + ws->spans[2 * j], s, len) == 0) {
                char msg[120];
                snprintf(msg, sizeof msg, "the key '%.60s' is given twice", s);
                return fail(b, msg);
            }
            slot = (slot + 1) & (cap - 1);
        }
        ws->keys[slot] = k + 1;
    }
    return PK_OK;
}

static pk_code read_object(rowb *b) {
    int empty, more = 1;
    pk_code rc = open_seq(b, '{', &empty);
    if (rc || empty) return rc;
    while (more) {
        pk_cell key;
        if (!at(b, '"')) return pk_jcur_bad(&b->r, "expected a key");
        rc = pk_jcur_scalar(&b->r, &key, &b->sb);
        if (!rc) rc = note_key(b, &key);
        if (rc) return rc;
        if (!at(b, ':')) return pk_jcur_bad(&b->r, "expected ':'");
        b->r.i++;
        rc = value_of(b, &key);
        if (!rc) rc = next_item(b, '}', &more);
        if (rc) return rc;
    }
    return check_keys(b);
}

/* input_type 'pair': [[name, value], ...]; 'string': [name, ...]. */
static pk_code read_list(rowb *b) {
    int empty, more = 1;
    pk_code rc = open_seq(b, '[', &empty);
    if (rc || empty) return rc;
    while (more) {
        pk_cell name;
        if (b->D->input == IN_STRING) {
            if (!at(b, '"')) return fail(b, "feature names must be strings (input_type='string')");
            rc = pk_jcur_scalar(&b->r, &name, &b->sb);
            if (!rc) rc = feature(b, name.s, name.len, 1.0);
        } else {
            int inner;
            if (!at(b, '['))
                return fail(b, "input_type='pair' takes an array of [name, value] arrays");
            rc = open_seq(b, '[', &inner);
            if (rc) return rc;
            if (inner || !at(b, '"'))
                return fail(b, "feature names must be strings (input_type='pair')");
            rc = string_cell(b, &name);
            if (!rc && !at(b, ','))
                rc = fail(b, "input_type='pair' takes an array of [name, value] arrays");
            if (rc) return rc;
            b->r.i++;
            rc = value_of(b, &name);
            if (!rc && !at(b, ']'))
                rc = fail(b, "input_type='pair' takes an array of [name, value] arrays");
            if (!rc) b->r.i++;
        }
        if (!rc) rc = next_item(b, ']', &more);
        if (rc) return rc;
    }
    return PK_OK;
}

/* The document's row in data order into *sv (ws->idx / ws->val). */
static pk_code build_row(const pk_model *m, const uint8_t *doc, size_t n, pk_text_ws *ws,
                         pk_sparse *sv, pk_err *err) {
    const pk_dv *D = m->impl;
    ws->max_bytes = m->arena->budget ? m->arena->budget : (size_t)PK_DEFAULT_MAX_MODEL_BYTES;
    size_t bad = 0;
    if (pk_utf8_decode(doc, n, NULL, &bad) == (size_t)-1)
        return pk_err_set(err, PK_EFEATURE, -1, -1,
                          "%s: the document is not valid UTF-8 (byte 0x%02x at offset %zu)", m->cls,
                          doc[bad], bad);
    pk_code rc = pk_text_ws_need(ws, (void **)&ws->str, &ws->str_cap, n + 1, 1, err);
    if (rc) return rc;
    rowb b = {m, D, ws, {(const char *)doc, n, 0, err, 0}, {ws->str, 0, n + 1}, 0, 0};
    int obj = D->input == IN_DICT;
    if (!at(&b, obj ? '{' : '[')) {
        const char *want = obj                   ? "a JSON object"
                           : D->input == IN_PAIR ? "a JSON array of [name, value] arrays"
                                                 : "a JSON array of strings";
        return pk_err_set(err, PK_EFEATURE, -1, -1, "%s takes %s (one sample), not '%.40s%s'",
                          m->cls, want, (const char *)doc, n > 40 ? "..." : "");
    }
    rc = obj ? read_object(&b) : read_list(&b);
    if (rc) return rc;
    pk_jcur_ws(&b.r);
    if (b.r.i != b.r.n) return pk_jcur_bad(&b.r, "text after the document");
    if (D->hasher && b.r.lone_surrogate)
        return fail(&b, "a feature name holds an unpaired surrogate (\\ud800-\\udfff): it is not "
                        "valid UTF-8");
    sv->nnz = b.nnz;
    sv->idx = ws->idx;
    sv->val = ws->val;
    sv->f32 = D->f32;
    if (!D->hasher && m->dense_row) return PK_OK;
    rc = pk_sparse_sort_stable(sv, ws, err);
    /* sum_duplicates (zero sums kept; from 0.0 or from the first entry alike: no value is 0) */
    if (rc == PK_OK && D->hasher) pk_sparse_merge(sv, 0);
    return rc;
}

static pk_code dv_row(const pk_model *m, pk_method meth, const uint8_t *doc, size_t n,
                      struct pk_text_ws *ws, double *scratch, double *out, pk_sparse *sv,
                      pk_err *err) {
    (void)meth;
    (void)scratch;
    (void)out;
    return build_row(m, doc, n, ws, sv, err);
}

/* model_transform: the dense row into out (sparse=False), else the row with repeated columns
 * added up (as toarray would), columns ascending. */
static pk_code dv_text(const pk_model *m, pk_method meth, const uint8_t *doc, size_t n,
                       struct pk_text_ws *ws, double *scratch, double *out, pk_sparse *sv,
                       pk_err *err) {
    (void)meth;
    (void)scratch;
    pk_code rc = build_row(m, doc, n, ws, sv, err);
    if (rc) return rc;
    if (m->dense_row) {
        memset(out, 0, m->width[PK_TRANSFORM] * sizeof(double));
        pk_sparse_add_dense(sv, out);
    } else {
        pk_sparse_merge(sv, 0);
    }
    return PK_OK;
}

static pk_code read_float_dtype(pk_mc *c, pk_dv *D) {
    int dt;
    pk_code rc = pk_mc_vec_dtype(c, c->m->cls, &dt);
    if (rc) return rc;
    if (dt == PK_DT_INT)
        return pk_mc_fail(c, "%s.dtype is an integer type: only float64 and float32 are supported",
                          c->m->cls);
    D->f32 = dt == PK_DT_F32;
    return PK_OK;
}

pk_code pk_compile_dict_vectorizer(pk_mc *c) {
    pk_model *m = c->m;
    pk_dv *D = pk_mc_alloc(c, 1, sizeof *D);
    const pk_alloc *aa = pk_mc_arena_alloc(c);
    if (!D || !aa) return c->err->code;
    const pk_value *voc = pk_attr(c->obj, "vocabulary_");
    if (!voc || voc->kind == PK_NONE) return pk_mc_not_fitted(c, "vocabulary_");
    if (voc->kind != PK_DICT) return pk_mc_fail(c, "DictVectorizer.vocabulary_ is not a dict");
    size_t n = voc->u.d.len;
    if (n == 0 || n > UINT32_MAX / 2)
        return pk_mc_fail(c, "DictVectorizer.vocabulary_ has %zu features", n);
    if (!pk_strmap_init(&D->vocab, aa, n)) return pk_err_nomem(c->err, -1);
    for (size_t i = 0; i < n; i++) {
        const pk_value *k = voc->u.d.keys[i];
        int64_t idx;
        if (pk_as_i64(voc->u.d.vals[i], &idx) != PK_OK || idx < 0 || (uint64_t)idx >= n)
            return pk_mc_fail(c, "DictVectorizer.vocabulary_ maps a feature outside 0 .. %zu",
                              n - 1);
        /* a key that is not a str (a dict fitted in Python with int keys) is never a JSON key */
        if (k->kind == PK_STR && !pk_strmap_put(&D->vocab, k->u.s.ptr, k->u.s.len, (uint32_t)idx))
            return pk_err_nomem(c->err, -1);
    }
    D->n_out = n;
    const pk_value *sep = pk_attr(c->obj, "separator");
    if (sep && sep->kind != PK_NONE && sep->kind != PK_STR)
        return pk_mc_fail(c, "DictVectorizer.separator is not a str");
    D->sep = sep && sep->kind == PK_STR ? pk_mc_strdup(c, sep->u.s.ptr, sep->u.s.len) : "=";
    D->sep_len = sep && sep->kind == PK_STR ? sep->u.s.len : 1;
    if (!D->sep) return c->err->code;
    pk_code rc = read_float_dtype(c, D);
    if (rc) return rc;
    m->impl = D;
    m->dense_row = !pk_mc_bool(c, "sparse", 1);
    m->sparse_out = !m->dense_row;
    return pk_mc_doc_transformer(c, n, dv_text, dv_row, PK_COL_JSON);
}

pk_code pk_compile_feature_hasher(pk_mc *c) {
    pk_model *m = c->m;
    pk_dv *D = pk_mc_alloc(c, 1, sizeof *D);
    if (!D) return c->err->code;
    D->hasher = 1;
    double nf;
    pk_code rc = pk_mc_num(c, "n_features", 1048576, &nf);
    if (rc) return rc;
    if (!(nf >= 1 && nf <= 2147483647.0) || nf != floor(nf))
        return pk_mc_fail(c, "FeatureHasher.n_features is not in 1 .. 2**31 - 1");
    D->n_out = (size_t)nf;
    const char *it = pk_mc_str(c, "input_type");
    if (!it || strcmp(it, "dict") == 0)
        D->input = IN_DICT;
    else if (strcmp(it, "pair") == 0)
        D->input = IN_PAIR;
    else if (strcmp(it, "string") == 0)
        D->input = IN_STRING;
    else
        return pk_mc_fail(c, "FeatureHasher.input_type '%s' is not 'dict', 'pair' or 'string'", it);
    D->alternate_sign = pk_mc_bool(c, "alternate_sign", 1);
    D->sep = "=";
    D->sep_len = 1;
    rc = read_float_dtype(c, D);
    if (rc) return rc;
    m->impl = D;
    m->sparse_out = 1;
    return pk_mc_doc_transformer(c, D->n_out, dv_text, dv_row, PK_COL_JSON);
}
