/*
 * pk_features.h - one row of features given as JSON text (model_* functions' single-argument
 * form): an array of numbers in training order, or an object keyed by feature_names_in_.
 *
 * A minimal reader that allocates nothing, filling one pk_cell per feature: numbers (JSON
 * grammar, plus NaN / Infinity / -Infinity as Python's json writes them) and true/false (1/0)
 * are NUM cells, null is a NULL cell (missing), strings are TEXT cells (decoded into the caller's
 * string space; a numeric model reads them as Python's float() would, pk_model_cells_to_x). A
 * nested array or object is refused, except for a column taking a JSON document (PK_COL_JSON):
 * that column gets its text (a TEXT cell pointing into `text`).
 * Object keys are compared with the model's feature names after decoding escapes; unknown,
 * repeated and missing keys are errors that list the expected names (the first 8).
 */
#ifndef PK_FEATURES_H
#define PK_FEATURES_H

#include "pk_model.h"

/* 1 when text (after leading whitespace) starts with '[' or '{'. */
int pk_features_is_json(const char *text, size_t len);

/* Parses text[0..len) into cells[0..m->n_features). `seen` is caller-provided scratch of
 * m->n_features bytes, `strings` of len + 1 bytes (decoded strings are never longer than their
 * JSON form); TEXT cells point into it. Errors (PK_EFEATURE, no function prefix): "KMeans
 * expects 3 features, got 2", "unknown feature 'foo' (KMeans expects 'a', 'b', 'c')", "missing
 * feature 'bar' (...)", "bad JSON features at offset 7: ...". */
pk_code pk_features_from_json(const pk_model *m, const char *text, size_t len, pk_cell *cells,
                              unsigned char *seen, char *strings, pk_err *err);

/* A cursor over JSON text, for readers that walk one document in place and allocate nothing
 * (the features above; DictVectorizer, FeatureHasher and MultiLabelBinarizer rows). Errors are
 * PK_EFEATURE "bad JSON features at offset 7: expected ':'". */
typedef struct pk_jcur {
    const char *s;
    size_t n, i;
    pk_err *err;
    int lone_surrogate; /* set when a string decoded a \uD800-\uDFFF escape left unpaired */
} pk_jcur;

/* Where pk_jcur_scalar decodes strings: buf[used .. cap). */
typedef struct pk_jstr {
    char *buf;
    size_t used, cap;
} pk_jstr;

/* Skips JSON whitespace. */
void pk_jcur_ws(pk_jcur *r);

/* The error "bad JSON features at offset <i>: <what>". */
pk_code pk_jcur_bad(pk_jcur *r, const char *what);

/* Reads the string at r->i (its opening '"'), escapes decoded to UTF-8. *len is the whole
 * decoded length; the bytes and a NUL are in buf only when *len < cap (else buf holds a prefix).
 * Errors: bad escapes, control characters, no closing quote. */
pk_code pk_jcur_string(pk_jcur *r, char *buf, size_t cap, size_t *len);

/* Reads one scalar after optional whitespace into a cell: a number (JSON grammar, NaN,
 * Infinity, -Infinity), true/false (1/0), null (a NULL cell), or a string decoded into sb (TEXT
 * pointing there; sb->used advanced past its NUL). Arrays and objects are errors. */
pk_code pk_jcur_scalar(pk_jcur *r, pk_cell *out, pk_jstr *sb);

#endif /* PK_FEATURES_H */
