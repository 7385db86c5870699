/*
 * sql_text.c - the SQL side of text models (sql_text.h): the connection's reusable text
 * workspace, and a vectorizer's sparse row as a JSON object.
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

int pk_sql_text_ws(sqlite3_context *ctx, struct pk_text_ws **ws, double *scratch) {
    if (!*ws) {
        *ws = sqlite3_malloc64(sizeof **ws);
        if (!*ws) {
            sqlite3_result_error_nomem(ctx);
            return 0;
        }
        pk_text_ws_init(*ws, &pk_sql_alloc);
    }
    pk_scratch_set_ws(scratch, *ws);
    return 1;
}

void pk_sql_text_sparse(sqlite3_context *ctx, const char *fname, const pk_model *m,
                        const pk_cell *doc, double *scratch, double *out, pk_buf *b) {
    pk_err err;
    pk_err_clear(&err);
    pk_sparse sv;
    memset(&sv, 0, sizeof sv);
    if (pk_model_run_text_cell(m, PK_TRANSFORM, doc, scratch, out, &sv, &err) != PK_OK) {
        pk_sql_error(ctx, fname, &err);
        return;
    }
    b->len = 0;
    b->failed = PK_OK;
    pk_buf_putc(b, '{');
    for (size_t i = 0; i < sv.nnz; i++) {
        if (i) pk_buf_putc(b, ',');
        pk_buf_printf(b, "\"%u\":", (unsigned)sv.idx[i]);
        pk_json_double(b, sv.val[i]);
    }
    pk_buf_putc(b, '}');
    if (b->failed != PK_OK) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text64(ctx, (const char *)b->data, b->len, SQLITE_TRANSIENT, SQLITE_UTF8);
    sqlite3_result_subtype(ctx, PK_JSON_SUBTYPE);
}
