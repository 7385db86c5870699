/*
 * sql_text.c - one document into a text model (sql_text.h): argument checks, the reusable
 * workspace, and the sparse row as a JSON object.
 */
#include "sql_text.h"

SQLITE_EXTENSION_INIT3

#include "pk_json.h"
#include "pk_text.h"

#include <string.h>

void pk_sql_text_ws_free(struct pk_text_ws *ws) {
    if (!ws) return;
    pk_text_ws_free(ws);
    sqlite3_free(ws);
}

static void result_sparse(sqlite3_context *ctx, const pk_sparse *sv, pk_buf *b) {
    b->len = 0;
    b->failed = PK_OK;
    pk_buf_putc(b, '{');
    for (size_t i = 0; i < sv->nnz; i++) {
        if (i) pk_buf_putc(b, ',');
        pk_buf_printf(b, "\"%u\":", (unsigned)sv->idx[i]);
        pk_json_double(b, sv->val[i]);
    }
    pk_buf_putc(b, '}');
    if (b->failed != PK_OK) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text64(ctx, (const char *)b->data, b->len, SQLITE_TRANSIENT, SQLITE_UTF8);
    sqlite3_result_subtype(ctx, PK_JSON_SUBTYPE);
}

int pk_sql_text_run(sqlite3_context *ctx, const char *fname, const pk_model *m, pk_method meth,
                    int argc, sqlite3_value **argv, struct pk_text_ws **ws, double *scratch,
                    double *out, pk_buf *text) {
    if (argc != 2) {
        pk_sql_errorf(ctx, fname, "%s takes one document (TEXT), got %d arguments", m->cls,
                      argc - 1);
        return 0;
    }
    int t = sqlite3_value_type(argv[1]);
    if (t != SQLITE_TEXT) {
        pk_sql_errorf(ctx, fname, "the document is %s: %s takes TEXT",
                      t == SQLITE_NULL      ? "NULL"
                      : t == SQLITE_BLOB    ? "a BLOB"
                      : t == SQLITE_INTEGER ? "an INTEGER"
                                            : "a REAL",
                      m->cls);
        return 0;
    }
    const unsigned char *doc = sqlite3_value_text(argv[1]);
    int n = sqlite3_value_bytes(argv[1]);
    if (!doc) {
        sqlite3_result_error_nomem(ctx);
        return 0;
    }
    if (!*ws) {
        *ws = sqlite3_malloc64(sizeof **ws);
        if (!*ws) {
            sqlite3_result_error_nomem(ctx);
            return 0;
        }
        pk_text_ws_init(*ws, &pk_sql_alloc);
    }
    pk_err err;
    pk_err_clear(&err);
    pk_sparse sv;
    memset(&sv, 0, sizeof sv);
    if (pk_model_run_text(m, meth, doc, (size_t)n, *ws, scratch, out, &sv, &err) != PK_OK) {
        pk_sql_error(ctx, fname, &err);
        return 0;
    }
    if (meth == PK_TRANSFORM && m->sparse_out) {
        result_sparse(ctx, &sv, text);
        return 0;
    }
    return 1;
}
