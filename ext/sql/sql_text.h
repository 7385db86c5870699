/*
 * sql_text.h - the SQL side of text models (docs/text.md): model_predict(m, document) and the
 * other model_* functions for a model whose input is one document (pk_model.text_input).
 */
#ifndef SQL_TEXT_H
#define SQL_TEXT_H

#include "sql_util.h"

#include "pk_buf.h"
#include "pk_model.h"

struct pk_text_ws;

/* Scores argv[1] (the document) with method meth. Returns 1 when out holds the result for the
 * caller to set as for any model; 0 when the result is already set: an error (argument count,
 * NULL, BLOB or number instead of TEXT, invalid UTF-8, ...) or a sparse row (model_transform of
 * a vectorizer: a JSON object {"column": value, ...}, columns ascending, written through
 * `text`). *ws is made on first use (free it with pk_sql_text_ws_free). */
int pk_sql_text_run(sqlite3_context *ctx, const char *fname, const pk_model *m, pk_method meth,
                    int argc, sqlite3_value **argv, struct pk_text_ws **ws, double *scratch,
                    double *out, pk_buf *text);

void pk_sql_text_ws_free(struct pk_text_ws *ws);

#endif /* SQL_TEXT_H */
