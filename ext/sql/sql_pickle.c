/*
 * sql_pickle.c - SQL functions that read pickles: pickle_get, pickle_json, pickle_type,
 * pickle_info, pickle_valid, pickle_error, pickle_ext_version.
 *
 * Each decodes its first argument through pk_sql_doc_arg (cached per statement when the argument
 * is constant), evaluates the optional path, and converts the result. NULL in gives NULL out.
 * Errors: "<function>: <message with opcode and offset>" (pk_sql_error).
 */
#include "sql_funcs.h"

SQLITE_EXTENSION_INIT3

#include "pk_buf.h"
#include "pk_json.h"
#include "pk_path.h"

#include <string.h>

/* Decodes argv[0] and resolves the optional path argv[1] into *v. Returns the doc (to pass to
 * pk_sql_doc_done) or NULL after reporting an error or a NULL result. Views the path makes
 * (array slices) go into `scratch`, which the caller frees after using *v: the doc may be cached
 * for the whole statement and must not grow with every row. */
static pk_doc *doc_at_path(sqlite3_context *ctx, const char *fname, int argc, sqlite3_value **argv,
                           pk_value **v, const char **path, pk_arena *scratch) {
    pk_arena_init(scratch, &pk_sql_alloc, 0);
    int is_null;
    *path = "$";
    if (argc > 1 && sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return NULL;
    }
    pk_doc *doc = pk_sql_doc_arg(ctx, fname, argv, 0, &is_null);
    if (!doc) {
        if (is_null) sqlite3_result_null(ctx);
        return NULL;
    }
    *v = doc->root;
    if (argc > 1) {
        const char *p = (const char *)sqlite3_value_text(argv[1]);
        int plen = sqlite3_value_bytes(argv[1]);
        if (!p) {
            sqlite3_result_error_nomem(ctx);
            pk_sql_doc_done(ctx, 0, doc);
            return NULL;
        }
        pk_err err;
        pk_err_clear(&err);
        if (pk_path_eval(scratch, doc->root, p, (size_t)plen, v, &err) != PK_OK) {
            pk_sql_error(ctx, fname, &err);
            pk_sql_doc_done(ctx, 0, doc);
            return NULL;
        }
        *path = p;
    }
    return doc;
}

void pk_fn_get(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    pk_value *v;
    const char *path;
    pk_arena scratch;
    pk_doc *doc = doc_at_path(ctx, "pickle_get", argc, argv, &v, &path, &scratch);
    if (!doc) {
        pk_arena_free(&scratch);
        return;
    }
    pk_sql_result_value(ctx, "pickle_get", v, path, &doc->limits);
    pk_sql_doc_done(ctx, 0, doc);
    pk_arena_free(&scratch);
}

/* pickle_json's third argument: 'strict' (the default: NaN -> null, +-Infinity -> +-9e999, what
 * SQLite's JSON functions accept) or 'nan' (NaN / Infinity / -Infinity, as Python's json module
 * writes them: lossless, read back by pickle_dump / pickle_set). Returns 0 after reporting. */
static int json_mode_arg(sqlite3_context *ctx, sqlite3_value *a, unsigned *flags) {
    const char *m = (const char *)sqlite3_value_text(a);
    if (sqlite3_value_type(a) == SQLITE_TEXT && m && strcmp(m, "strict") == 0) {
        *flags = 0;
        return 1;
    }
    if (sqlite3_value_type(a) == SQLITE_TEXT && m && strcmp(m, "nan") == 0) {
        *flags = PK_JSON_NAN;
        return 1;
    }
    pk_sql_errorf(ctx, "pickle_json", "argument 3 must be 'strict' or 'nan', not %s%s%s",
                  m ? "'" : "", m ? m : "NULL", m ? "'" : "");
    return 0;
}

void pk_fn_json(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    pk_value *v;
    const char *path;
    pk_arena scratch;
    unsigned flags = 0;
    if (argc > 2 && !json_mode_arg(ctx, argv[2], &flags)) return;
    pk_doc *doc = doc_at_path(ctx, "pickle_json", argc, argv, &v, &path, &scratch);
    if (!doc) {
        pk_arena_free(&scratch);
        return;
    }
    pk_sql_result_as_json(ctx, "pickle_json", v, path, &doc->limits, flags);
    pk_sql_doc_done(ctx, 0, doc);
    pk_arena_free(&scratch);
}

void pk_fn_type(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    pk_value *v;
    const char *path;
    pk_arena scratch;
    pk_doc *doc = doc_at_path(ctx, "pickle_type", argc, argv, &v, &path, &scratch);
    if (!doc) {
        pk_arena_free(&scratch);
        return;
    }
    char tn[256];
    sqlite3_result_text(ctx, pk_type_name(v, tn, sizeof tn), -1, SQLITE_TRANSIENT);
    pk_sql_doc_done(ctx, 0, doc);
    pk_arena_free(&scratch);
}

void pk_fn_info(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int is_null;
    pk_doc *doc = pk_sql_doc_arg(ctx, "pickle_info", argv, 0, &is_null);
    if (!doc) {
        if (is_null) sqlite3_result_null(ctx);
        return;
    }
    pk_buf b;
    pk_buf_init(&b, &pk_sql_alloc, doc->limits.max_output);
    if (pk_doc_info_json(doc, &b) == PK_OK) {
        pk_sql_result_buf_json(ctx, &b);
    } else {
        pk_buf_free(&b);
        sqlite3_result_error_nomem(ctx);
    }
    pk_sql_doc_done(ctx, 0, doc);
}

/* Decodes without the cache, returning the error (if any) in *err. */
static int check(sqlite3_context *ctx, sqlite3_value *v, pk_err *err) {
    const uint8_t *buf =
        sqlite3_value_type(v) == SQLITE_BLOB ? sqlite3_value_blob(v) : sqlite3_value_text(v);
    int n = sqlite3_value_bytes(v);
    if (!buf) buf = (const uint8_t *)"";
    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_err_clear(err);
    pk_doc *doc = pk_doc_decode(&pk_sql_alloc, &lim, buf, (size_t)n, PK_DOC_BORROW, err);
    int ok = doc != NULL;
    pk_doc_free(doc);
    return ok;
}

void pk_fn_valid(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    if (t != SQLITE_BLOB && t != SQLITE_TEXT) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    pk_err err;
    int ok = check(ctx, argv[0], &err);
    if (!ok && err.code == PK_ENOMEM && strstr(err.msg, "limit") == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_int(ctx, ok);
}

void pk_fn_error(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    if (t != SQLITE_BLOB && t != SQLITE_TEXT) {
        sqlite3_result_text(ctx, "not a BLOB", -1, SQLITE_STATIC);
        return;
    }
    pk_err err;
    if (check(ctx, argv[0], &err))
        sqlite3_result_null(ctx);
    else
        sqlite3_result_text(ctx, err.msg, -1, SQLITE_TRANSIENT);
}

void pk_fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_text(ctx, PK_VERSION, -1, SQLITE_STATIC);
}
