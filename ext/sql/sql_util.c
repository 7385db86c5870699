/*
 * sql_util.c - glue helpers shared by every SQL function (see sql_util.h).
 */
#include "sql_util.h"

SQLITE_EXTENSION_INIT3

#include "pk_json.h"
#include "pk_ndarray.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void *sql_malloc(void *ctx, size_t n) {
    (void)ctx;
    return sqlite3_malloc64(n);
}
static void *sql_realloc(void *ctx, void *p, size_t n) {
    (void)ctx;
    return sqlite3_realloc64(p, n);
}
static void sql_free(void *ctx, void *p) {
    (void)ctx;
    sqlite3_free(p);
}

const pk_alloc pk_sql_alloc = {sql_malloc, sql_realloc, sql_free, NULL};

void pk_sql_limits_db(sqlite3 *db, const pk_conn_state *st, pk_limits *lim) {
    if (st)
        *lim = st->limits;
    else
        pk_limits_default(lim);
    int maxlen = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
    if (maxlen > 0) {
        if (lim->max_inflate > (uint64_t)maxlen * 4) lim->max_inflate = (uint64_t)maxlen * 4;
        if (lim->max_output > (uint64_t)maxlen) lim->max_output = (uint64_t)maxlen;
    }
}

void pk_sql_limits(sqlite3_context *ctx, pk_limits *lim) {
    pk_sql_limits_db(sqlite3_context_db_handle(ctx), sqlite3_user_data(ctx), lim);
}

void pk_sql_error(sqlite3_context *ctx, const char *fname, const pk_err *err) {
    char *msg = sqlite3_mprintf("%s: %s", fname, err->msg[0] ? err->msg : pk_code_label(err->code));
    if (!msg) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_error(ctx, msg, -1);
    sqlite3_free(msg);
    if (err->code == PK_ENOMEM && strstr(err->msg, "limit") == NULL)
        sqlite3_result_error_code(ctx, SQLITE_NOMEM);
}

void pk_sql_errorf(sqlite3_context *ctx, const char *fname, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *body = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    char *msg = body ? sqlite3_mprintf("%s: %s", fname, body) : NULL;
    sqlite3_free(body);
    if (!msg) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_error(ctx, msg, -1);
    sqlite3_free(msg);
}

int pk_sql_bytes_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, int argno,
                     const char *noun, const uint8_t **buf, size_t *n) {
    int t = sqlite3_value_type(v);
    if (t != SQLITE_BLOB && t != SQLITE_TEXT) {
        pk_sql_errorf(ctx, fname, "argument %d is %s, not %s", argno,
                      t == SQLITE_INTEGER ? "an INTEGER"
                      : t == SQLITE_FLOAT ? "a REAL"
                                          : "NULL",
                      noun);
        return 0;
    }
    const uint8_t *b = t == SQLITE_BLOB ? sqlite3_value_blob(v) : sqlite3_value_text(v);
    int len = sqlite3_value_bytes(v);
    if (!b && len > 0) {
        sqlite3_result_error_nomem(ctx);
        return 0;
    }
    *buf = b ? b : (const uint8_t *)"";
    *n = (size_t)len;
    return 1;
}

static void doc_destroy(void *p) {
    pk_doc_free(p);
}

pk_doc *pk_sql_doc_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, int arg,
                       int *is_null) {
    *is_null = 0;
    sqlite3_value *v = argv[arg];
    int t = sqlite3_value_type(v);
    if (t == SQLITE_NULL) {
        *is_null = 1;
        return NULL;
    }
    pk_doc *doc = sqlite3_get_auxdata(ctx, arg);
    if (doc) return doc;
    const uint8_t *buf;
    size_t n;
    if (!pk_sql_bytes_arg(ctx, fname, v, arg + 1, "a pickle BLOB", &buf, &n)) return NULL;
    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_err err;
    pk_err_clear(&err);
    /* Small inputs are copied so the decoded document can be cached for the statement; large
     * ones are borrowed (decoding borrows array data, so it is cheap to repeat, while a copy of a
     * 200 MB blob per row is not). Compressed inputs are inflated into memory the doc owns. */
    int copy = (size_t)n <= PK_SQL_COPY_MAX ? PK_DOC_COPY : PK_DOC_BORROW;
    doc = pk_doc_decode(&pk_sql_alloc, &lim, buf, (size_t)n, copy, &err);
    if (!doc) pk_sql_error(ctx, fname, &err);
    return doc;
}

void pk_sql_doc_done(sqlite3_context *ctx, int arg, pk_doc *doc) {
    if (!doc) return;
    if (sqlite3_get_auxdata(ctx, arg) == doc) return;
    if (doc->stream != doc->owned && doc->stream != doc->owned2) {
        pk_doc_free(doc); /* borrows the argument's bytes: cannot outlive this call */
        return;
    }
    sqlite3_set_auxdata(ctx, arg, doc, doc_destroy);
}

void pk_sql_result_json(sqlite3_context *ctx, uint8_t *text, size_t len) {
    sqlite3_result_text64(ctx, (const char *)text, len, sqlite3_free, SQLITE_UTF8);
    sqlite3_result_subtype(ctx, PK_JSON_SUBTYPE);
}

/* Text of a PK_STR for SQL. Lone surrogates (3-byte ED A0..BF xx) are not valid UTF-8: they are
 * replaced by U+FFFD so SQLite never holds ill-formed text. */
static void result_str(sqlite3_context *ctx, const char *s, size_t n) {
    size_t bad = 0;
    for (size_t i = 0; i + 2 < n; i++)
        if ((uint8_t)s[i] == 0xED && ((uint8_t)s[i + 1] & 0xE0) == 0xA0) bad++;
    if (!bad) {
        sqlite3_result_text64(ctx, s, n, SQLITE_TRANSIENT, SQLITE_UTF8);
        return;
    }
    char *o = sqlite3_malloc64(n + 1);
    if (!o) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 2 < n && (uint8_t)s[i] == 0xED && ((uint8_t)s[i + 1] & 0xE0) == 0xA0) {
            o[j++] = (char)0xEF;
            o[j++] = (char)0xBF;
            o[j++] = (char)0xBD;
            i += 2;
        } else {
            o[j++] = s[i];
        }
    }
    sqlite3_result_text64(ctx, o, j, sqlite3_free, SQLITE_UTF8);
}

static void result_double(sqlite3_context *ctx, double d) {
    if (isnan(d))
        sqlite3_result_null(ctx);
    else
        sqlite3_result_double(ctx, d);
}

void pk_sql_result_buf_json(sqlite3_context *ctx, pk_buf *b) {
    size_t len;
    uint8_t *text = pk_buf_take(b, &len);
    if (text)
        pk_sql_result_json(ctx, text, len);
    else
        sqlite3_result_error_nomem(ctx);
}

void pk_sql_result_as_json(sqlite3_context *ctx, const char *fname, const pk_value *v,
                           const char *path, const pk_limits *lim, unsigned flags) {
    pk_buf b;
    pk_err err;
    pk_err_clear(&err);
    pk_buf_init(&b, &pk_sql_alloc, lim->max_output);
    pk_code c = pk_json_write_flags(&b, v, path, lim, flags, &err);
    if (c != PK_OK) {
        pk_buf_free(&b);
        if (err.code == PK_OK) {
            if (c == PK_ENOMEM) {
                sqlite3_result_error_nomem(ctx);
                return;
            }
            pk_err_set(&err, c, -1, -1, "the JSON text would exceed the output limit");
        }
        pk_sql_error(ctx, fname, &err);
        if (c == PK_ELIMIT && b.failed == PK_ELIMIT) sqlite3_result_error_code(ctx, SQLITE_TOOBIG);
        return;
    }
    pk_sql_result_buf_json(ctx, &b);
}

void pk_sql_result_value(sqlite3_context *ctx, const char *fname, const pk_value *v,
                         const char *path, const pk_limits *lim) {
    switch (v->kind) {
    case PK_NONE:
        sqlite3_result_null(ctx);
        return;
    case PK_BOOL:
        sqlite3_result_int(ctx, v->u.b ? 1 : 0);
        return;
    case PK_INT:
        sqlite3_result_int64(ctx, v->u.i);
        return;
    case PK_FLOAT:
        result_double(ctx, v->u.f);
        return;
    case PK_STR:
        result_str(ctx, v->u.s.ptr, v->u.s.len);
        return;
    case PK_BYTES:
    case PK_BYTEARRAY:
        sqlite3_result_blob64(ctx, v->u.s.len ? v->u.s.ptr : "", v->u.s.len, SQLITE_TRANSIENT);
        return;
    case PK_BIGINT: {
        pk_buf b;
        pk_buf_init(&b, &pk_sql_alloc, 0);
        pk_json_int(&b, v);
        size_t len;
        uint8_t *t = pk_buf_take(&b, &len);
        if (!t) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        sqlite3_result_text64(ctx, (const char *)t, len, sqlite3_free, SQLITE_UTF8);
        return;
    }
    case PK_NPSCALAR: {
        const pk_dtype *dt = v->u.sc.dtype ? v->u.sc.dtype->u.dt : NULL;
        if (v->u.sc.object) {
            pk_sql_result_value(ctx, fname, v->u.sc.object, path, lim);
            return;
        }
        if (dt && (dt->kind == 'b' || dt->kind == 'i' || dt->kind == 'u' || dt->kind == 'M' ||
                   dt->kind == 'm')) {
            double d;
            if (dt->kind == 'u' && dt->itemsize == 8 && pk_npscalar_f64(v, &d) == PK_OK &&
                d >= 9223372036854775808.0) {
                break; /* beyond int64: JSON text below keeps every digit */
            }
            int64_t i;
            if (pk_as_i64(v, &i) == PK_OK) {
                sqlite3_result_int64(ctx, i);
                return;
            }
        }
        if (dt && (dt->kind == 'f')) {
            double d;
            if (pk_npscalar_f64(v, &d) == PK_OK) {
                result_double(ctx, d);
                return;
            }
        }
        if (dt && (dt->kind == 'S' || dt->kind == 'U')) break; /* JSON text of the string */
        break;
    }
    default:
        break;
    }
    pk_sql_result_as_json(ctx, fname, v, path, lim, 0);
}
