/*
 * sql_text.h - the SQL side of text models (docs/text.md). A text model is a typed model with
 * one PK_COL_TEXT column (model_predict(m, document), or json_object of its feature name), read
 * by sql_model.c like any typed row; this file owns the per-entry text workspace and the sparse
 * JSON result of a vectorizer's transform.
 */
#ifndef SQL_TEXT_H
#define SQL_TEXT_H

#include "sql_util.h"

#include "pk_buf.h"
#include "pk_model.h"

struct pk_text_ws;

/* Makes *ws on first use and stores it in the model's scratch slot (pk_scratch_set_ws).
 * 0 with the error set when out of memory. */
int pk_sql_text_ws(sqlite3_context *ctx, struct pk_text_ws **ws, double *scratch);

/* model_transform of a vectorizer (m->sparse_out): the row of the document cell `doc` as a
 * JSON object {"column": value, ...}, columns ascending, written through b; or the error. */
void pk_sql_text_sparse(sqlite3_context *ctx, const char *fname, const pk_model *m,
                        const pk_cell *doc, double *scratch, double *out, pk_buf *b);

void pk_sql_text_ws_free(struct pk_text_ws *ws);

#endif /* SQL_TEXT_H */
