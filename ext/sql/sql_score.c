/*
 * sql_score.c - model_score(model, source): an eponymous table-valued function scoring every row
 * of a table (or view) with a model fitted on a DataFrame, its columns matched to the model's
 * feature_names_in_ by name (docs/tabular.md, "Score a whole table").
 *
 *   SELECT * FROM model_score('churn@production', 'customers');
 *   key | prediction | probabilities            (hidden: model, source)
 *
 * key is the source's single-column primary key when it has one, else its rowid; prediction is
 * model_predict's answer and probabilities model_predict_proba's JSON array (NULL for models
 * without predict_proba). Built like json_each: both arguments are required equality
 * constraints on the hidden columns.
 *
 * How: xFilter reads the model's feature names and methods with model_info, the source's
 * columns with pragma_table_info, then prepares and steps one statement
 *   SELECT <key>, model_predict(?1, "c1", ...), model_predict_proba(?1, "c1", ...) FROM "source"
 * on the same connection, so the model is resolved, judged, compiled and cached exactly as by
 * model_predict (once for the statement), and every error is model_predict's. A source column
 * missing for a feature, a model without feature names or an unknown table is an error naming
 * it. Like the model_* functions, it is DIRECTONLY: no view, trigger or schema can use it.
 *
 * Block path: when the compiled model (model_score_handle: the same cached entry) is numeric and
 * its predict has a block kernel (tree ensembles, pk_model_run_block), the statement reads the
 * key and the feature columns only, and the cursor scores PK_BLOCK_ROWS rows at a time: values
 * read as model_predict reads them (NULL as NaN, TEXT as Python's float), results set by the
 * same code (pk_sql_result_out), identical to the row path. A row that model_predict would
 * refuse ends the block: the rows before it are returned, then its error, worded as
 * model_predict's.
 */
#include "sql_util.h"

SQLITE_EXTENSION_INIT3

#include "sql_funcs.h"

#include <math.h>
#include <string.h>

enum { COL_KEY, COL_PREDICTION, COL_PROBA, COL_MODEL, COL_SOURCE };

typedef struct score_cursor {
    sqlite3_vtab_cursor base;
    sqlite3 *db;
    sqlite3_stmt *stmt; /* the scoring statement, or NULL */
    int eof;
    sqlite3_int64 n; /* rows returned, for xRowid */
    sqlite3_value *model, *source;
    /* the block path (entry != NULL) */
    struct mc_entry *entry;
    const pk_model *m;
    int proba;
    double *X, *pred, *prob, *scratch;
    sqlite3_int64 keys_i[PK_BLOCK_ROWS];
    sqlite3_value *keys_v[PK_BLOCK_ROWS]; /* keys that are not integers (copies), else NULL */
    int nrows, pos, bad;                  /* rows in the block, the current one, the refused one */
    char *bad_msg;                        /* the refused row's error                           */
    pk_buf text;
} score_cursor;

typedef struct score_vtab {
    sqlite3_vtab base;
    sqlite3 *db;
} score_vtab;

static int score_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                         sqlite3_vtab **out, char **err) {
    (void)aux;
    (void)argc;
    (void)argv;
    (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(key, prediction, probabilities, "
                                      "model HIDDEN, source HIDDEN)");
    if (rc != SQLITE_OK) return rc;
    sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
    score_vtab *vt = sqlite3_malloc64(sizeof *vt);
    if (!vt) return SQLITE_NOMEM;
    memset(vt, 0, sizeof *vt);
    vt->db = db;
    *out = &vt->base;
    return SQLITE_OK;
}

static int score_disconnect(sqlite3_vtab *vt) {
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* Both hidden columns must be given by equality: they become xFilter's argv[0] and argv[1]. */
static int score_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
    (void)vt;
    int have[2] = {-1, -1};
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn < COL_MODEL || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
        if (!c->usable) return SQLITE_CONSTRAINT;
        have[c->iColumn - COL_MODEL] = i;
    }
    if (have[0] < 0 || have[1] < 0) {
        /* not a usable plan: SQLite reports "no query solution" unless another plan exists */
        return SQLITE_CONSTRAINT;
    }
    for (int k = 0; k < 2; k++) {
        info->aConstraintUsage[have[k]].argvIndex = k + 1;
        info->aConstraintUsage[have[k]].omit = 1;
    }
    info->estimatedCost = 1e6;
    info->estimatedRows = 100000;
    return SQLITE_OK;
}

static int score_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
    score_cursor *c = sqlite3_malloc64(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->db = ((score_vtab *)vt)->db;
    c->bad = -1;
    pk_buf_init(&c->text, &pk_sql_alloc, 0);
    *out = &c->base;
    return SQLITE_OK;
}

static void block_clear(score_cursor *c) {
    for (int i = 0; i < c->nrows; i++) {
        sqlite3_value_free(c->keys_v[i]);
        c->keys_v[i] = NULL;
    }
    c->nrows = c->pos = 0;
    c->bad = -1;
    sqlite3_free(c->bad_msg);
    c->bad_msg = NULL;
}

static void cursor_reset(score_cursor *c) {
    block_clear(c);
    if (c->entry) pk_sql_entry_release(c->entry);
    c->entry = NULL;
    c->m = NULL;
    sqlite3_free(c->X);
    sqlite3_free(c->pred);
    sqlite3_free(c->prob);
    sqlite3_free(c->scratch);
    c->X = c->pred = c->prob = c->scratch = NULL;
    pk_buf_free(&c->text);
    sqlite3_finalize(c->stmt);
    c->stmt = NULL;
    sqlite3_value_free(c->model);
    sqlite3_value_free(c->source);
    c->model = c->source = NULL;
    c->eof = 1;
    c->n = 0;
}

static int score_close(sqlite3_vtab_cursor *cur) {
    cursor_reset((score_cursor *)cur);
    sqlite3_free(cur);
    return SQLITE_OK;
}

/* Sets the table's error message (takes ownership of msg, a sqlite3_mprintf string). */
static int fail(score_cursor *c, char *msg) {
    sqlite3_free(c->base.pVtab->zErrMsg);
    c->base.pVtab->zErrMsg = msg;
    return msg ? SQLITE_ERROR : SQLITE_NOMEM;
}

static int fail_db(score_cursor *c) {
    return fail(c, sqlite3_mprintf("%s", sqlite3_errmsg(c->db)));
}

/* Runs `sql` with ?1 bound to v; the first row's first column as a new string (NULL when no
 * row or NULL). *rc is set to an SQLite code. */
static char *query_text(score_cursor *c, const char *sql, sqlite3_value *v, int *rc) {
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    *rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (*rc == SQLITE_OK) *rc = sqlite3_bind_value(st, 1, v);
    if (*rc == SQLITE_OK) {
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            if (t) {
                out = sqlite3_mprintf("%s", t);
                if (!out) *rc = SQLITE_NOMEM;
            }
        } else if (s != SQLITE_DONE) {
            *rc = s;
        }
    }
    if (*rc != SQLITE_OK) fail_db(c);
    sqlite3_finalize(st);
    return out;
}

/* The scoring statement's SQL for the model's feature names (a JSON array) and the source. */
static int build_sql(score_cursor *c, const char *source, int proba, int block, char **out) {
    *out = NULL;
    sqlite3_stmt *names = NULL, *cols = NULL;
    char *args = NULL, *missing = NULL, *key = NULL;
    int rc = sqlite3_prepare_v2(c->db,
                                "SELECT value FROM json_each(json_extract(model_info(?1), "
                                "'$.feature_names_in_'))",
                                -1, &names, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_value(names, 1, c->model);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(c->db, "SELECT name, pk FROM pragma_table_info(?1)", -1, &cols,
                                NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(cols, 1, source, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) goto done;
    /* the source's columns and its key */
    int ncols = 0, npk = 0;
    while ((rc = sqlite3_step(cols)) == SQLITE_ROW) {
        ncols++;
        if (sqlite3_column_int(cols, 1) > 0) {
            npk++;
            sqlite3_free(key);
            key = sqlite3_mprintf("\"%w\"", (const char *)sqlite3_column_text(cols, 0));
        }
    }
    if (rc != SQLITE_DONE) goto done;
    rc = SQLITE_OK;
    if (ncols == 0) {
        rc = fail(c, sqlite3_mprintf("model_score: no such table: %s", source));
        goto done;
    }
    if (npk != 1) {
        sqlite3_free(key);
        key = sqlite3_mprintf("rowid");
    }
    /* every feature name must be a column (SQLite's case-insensitive names) */
    int nfeat = 0;
    while ((rc = sqlite3_step(names)) == SQLITE_ROW) {
        const char *f = (const char *)sqlite3_column_text(names, 0);
        if (!f) continue;
        int found = 0;
        sqlite3_reset(cols);
        while (sqlite3_step(cols) == SQLITE_ROW)
            if (sqlite3_stricmp((const char *)sqlite3_column_text(cols, 0), f) == 0) found = 1;
        if (!found) {
            char *m2 = sqlite3_mprintf("%s%s'%s'", missing ? missing : "", missing ? ", " : "", f);
            sqlite3_free(missing);
            missing = m2;
        }
        char *a2 = sqlite3_mprintf("%s, \"%w\"", args ? args : "", f);
        sqlite3_free(args);
        args = a2;
        if (!args) {
            rc = SQLITE_NOMEM;
            goto done;
        }
        nfeat++;
    }
    if (rc != SQLITE_DONE) goto done;
    rc = SQLITE_OK;
    if (nfeat == 0) {
        rc = fail(c, sqlite3_mprintf("model_score: the model has no feature_names_in_ (it was not "
                                     "fitted on a DataFrame): score with model_predict(m, "
                                     "columns...)"));
        goto done;
    }
    if (missing) {
        rc = fail(c, sqlite3_mprintf("model_score: table %s has no column %s", source, missing));
        goto done;
    }
    if (block)
        *out = sqlite3_mprintf("SELECT %s%s FROM \"%w\"", key, args, source);
    else if (proba)
        *out = sqlite3_mprintf("SELECT %s, model_predict(?1%s), model_predict_proba(?1%s) FROM "
                               "\"%w\"",
                               key, args, args, source);
    else
        *out =
            sqlite3_mprintf("SELECT %s, model_predict(?1%s), NULL FROM \"%w\"", key, args, source);
    if (!*out) rc = SQLITE_NOMEM;
done:
    if (rc != SQLITE_OK && rc != SQLITE_ERROR && rc != SQLITE_NOMEM) fail_db(c);
    sqlite3_finalize(names);
    sqlite3_finalize(cols);
    sqlite3_free(args);
    sqlite3_free(missing);
    sqlite3_free(key);
    return rc;
}

/* The compiled model when model_score can score it in blocks (numeric, a block kernel for
 * predict), with the cursor's buffers; 0 otherwise (the row path) or an SQLite error code. */
static int block_setup(score_cursor *c, int proba, int *block) {
    *block = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, "SELECT model_score_handle(?1)", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_bind_value(st, 1, c->model);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        c->entry = pk_sql_entry_hold(sqlite3_column_value(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) return fail_db(c);
    if (!c->entry) return SQLITE_OK; /* the row path reports the model's error */
    const pk_model *m = pk_sql_entry_model(c->entry);
    if (m->col_kind || !pk_model_has_block(m, PK_PREDICT)) {
        pk_sql_entry_release(c->entry);
        c->entry = NULL;
        return SQLITE_OK;
    }
    c->m = m;
    c->proba = proba;
    size_t nf = m->n_features ? m->n_features : 1;
    c->X = sqlite3_malloc64(PK_BLOCK_ROWS * nf * sizeof(double));
    c->pred = sqlite3_malloc64(PK_BLOCK_ROWS * (m->width[PK_PREDICT] + 1) * sizeof(double));
    c->prob = sqlite3_malloc64(PK_BLOCK_ROWS * (m->width[PK_PREDICT_PROBA] + 1) * sizeof(double));
    c->scratch = sqlite3_malloc64(pk_model_block_scratch_len(m) * sizeof(double));
    if (!c->X || !c->pred || !c->prob || !c->scratch) return SQLITE_NOMEM;
    *block = 1;
    return SQLITE_OK;
}

/* Reads the statement's current row into block row r: 0, or 1 with c->bad_msg set (a value
 * model_predict refuses), or -1 out of memory. */
static int block_read(score_cursor *c, int r) {
    const pk_model *m = c->m;
    sqlite3_value *k = sqlite3_column_value(c->stmt, 0);
    c->keys_v[r] = NULL;
    if (sqlite3_value_type(k) == SQLITE_INTEGER) {
        c->keys_i[r] = sqlite3_value_int64(k);
    } else {
        c->keys_v[r] = sqlite3_value_dup(k);
        if (!c->keys_v[r]) return -1;
    }
    double *x = c->X + (size_t)r * m->n_features;
    for (size_t j = 0; j < m->n_features; j++) {
        sqlite3_value *v = sqlite3_column_value(c->stmt, (int)j + 1);
        switch (sqlite3_value_type(v)) {
        case SQLITE_FLOAT:
            x[j] = sqlite3_value_double(v);
            break;
        case SQLITE_INTEGER:
            x[j] = (double)sqlite3_value_int64(v);
            break;
        case SQLITE_NULL:
            x[j] = NAN;
            break;
        case SQLITE_TEXT: {
            pk_cell cell = {PK_CELL_TEXT, 0, (const char *)sqlite3_value_text(v),
                            (size_t)sqlite3_value_bytes(v)};
            if (!cell.s) return -1;
            pk_err err;
            pk_err_clear(&err);
            if (pk_cell_number(m, j, &cell, &x[j], &err) != PK_OK) {
                c->bad_msg = sqlite3_mprintf("model_predict: %s", err.msg);
                return c->bad_msg ? 1 : -1;
            }
            break;
        }
        default:
            c->bad_msg = sqlite3_mprintf("model_predict: feature %llu ('%s') is a BLOB: %s takes "
                                         "numbers",
                                         (unsigned long long)(j + 1), m->feature_names[j], m->cls);
            return c->bad_msg ? 1 : -1;
        }
    }
    return 0;
}

/* Runs `meth` on rows [0, n) of the block; on an error the refused row becomes c->bad (when
 * earlier than the one known) with its message. */
static void block_run(score_cursor *c, pk_method meth, double *out, int n) {
    size_t bad = 0;
    pk_err err;
    pk_err_clear(&err);
    if (pk_model_run_block(c->m, meth, c->X, (size_t)n, c->scratch, out, &bad, &err) == PK_OK)
        return;
    if (c->bad >= 0 && (int)bad >= c->bad) return;
    sqlite3_free(c->bad_msg);
    c->bad_msg = sqlite3_mprintf("model_predict%s: %s", meth == PK_PREDICT ? "" : "_proba",
                                 err.msg[0] ? err.msg : pk_code_label(err.code));
    c->bad = (int)bad;
}

/* The next block of rows: read up to PK_BLOCK_ROWS (stopping at a refused value), score them. */
static int block_fill(score_cursor *c) {
    block_clear(c);
    while (c->nrows < PK_BLOCK_ROWS) {
        int s = sqlite3_step(c->stmt);
        if (s == SQLITE_DONE) break;
        if (s != SQLITE_ROW) return fail_db(c);
        int r = block_read(c, c->nrows);
        if (r < 0) return SQLITE_NOMEM;
        if (r > 0) {
            c->bad = c->nrows;
            c->nrows++; /* its key slot is freed with the block */
            break;
        }
        c->nrows++;
    }
    int good = c->bad >= 0 ? c->bad : c->nrows;
    if (good > 0) block_run(c, PK_PREDICT, c->pred, good);
    good = c->bad >= 0 ? c->bad : c->nrows;
    if (good > 0 && c->proba) block_run(c, PK_PREDICT_PROBA, c->prob, good);
    return SQLITE_OK;
}

/* Moves to block row c->pos: its error when it is the refused one; eof after the last. */
static int block_at(score_cursor *c) {
    if (c->pos == c->bad) {
        c->eof = 1;
        char *msg = c->bad_msg;
        c->bad_msg = NULL;
        return fail(c, msg);
    }
    if (c->pos >= c->nrows)
        c->eof = 1;
    else
        c->n++;
    return SQLITE_OK;
}

static int score_next(sqlite3_vtab_cursor *cur) {
    score_cursor *c = (score_cursor *)cur;
    if (c->entry) {
        if (++c->pos >= c->nrows && c->nrows == PK_BLOCK_ROWS && c->bad < 0) {
            int rc = block_fill(c);
            if (rc != SQLITE_OK) return rc;
        }
        return block_at(c);
    }
    int s = sqlite3_step(c->stmt);
    if (s == SQLITE_ROW) {
        c->n++;
        return SQLITE_OK;
    }
    c->eof = 1;
    return s == SQLITE_DONE ? SQLITE_OK : fail_db(c);
}

static int score_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                        sqlite3_value **argv) {
    (void)idxNum;
    (void)idxStr;
    score_cursor *c = (score_cursor *)cur;
    cursor_reset(c);
    if (argc != 2) return fail(c, sqlite3_mprintf("model_score: takes a model and a table"));
    if (sqlite3_value_type(argv[1]) != SQLITE_TEXT)
        return fail(c, sqlite3_mprintf("model_score: argument 2 is not a table name"));
    c->model = sqlite3_value_dup(argv[0]);
    c->source = sqlite3_value_dup(argv[1]);
    if (!c->model || !c->source) return SQLITE_NOMEM;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return SQLITE_OK; /* NULL model: no rows */
    int rc;
    char *methods =
        query_text(c, "SELECT json_extract(model_info(?1), '$.methods')", c->model, &rc);
    if (rc != SQLITE_OK) return rc;
    if (!methods) {
        char *why = query_text(c, "SELECT json_extract(model_info(?1), '$.reason')", c->model, &rc);
        if (rc != SQLITE_OK) return rc;
        return fail(c,
                    sqlite3_mprintf("model_score: %s", why ? why : "the model cannot be scored"));
    }
    int proba = strstr(methods, "\"predict_proba\"") != NULL;
    int predict = strstr(methods, "\"predict\"") != NULL;
    sqlite3_free(methods);
    if (!predict)
        return fail(c, sqlite3_mprintf("model_score: the model has no predict (score "
                                       "transformers with model_transform)"));
    int block;
    rc = block_setup(c, proba, &block);
    if (rc != SQLITE_OK) return rc;
    char *sql = NULL;
    rc = build_sql(c, (const char *)sqlite3_value_text(c->source), proba, block, &sql);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_prepare_v2(c->db, sql, -1, &c->stmt, NULL);
    sqlite3_free(sql);
    if (rc == SQLITE_OK && !block) rc = sqlite3_bind_value(c->stmt, 1, c->model);
    if (rc != SQLITE_OK) return fail_db(c);
    c->eof = 0;
    if (block) {
        rc = block_fill(c);
        return rc != SQLITE_OK ? rc : block_at(c);
    }
    return score_next(cur);
}

static int score_eof(sqlite3_vtab_cursor *cur) {
    return ((score_cursor *)cur)->eof;
}

static int score_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
    score_cursor *c = (score_cursor *)cur;
    switch (col) {
    case COL_MODEL:
        sqlite3_result_value(ctx, c->model);
        break;
    case COL_SOURCE:
        sqlite3_result_value(ctx, c->source);
        break;
    case COL_KEY:
    case COL_PREDICTION:
    case COL_PROBA:
        if (c->entry) {
            const pk_model *m = c->m;
            int r = c->pos;
            if (col == COL_KEY) {
                if (c->keys_v[r])
                    sqlite3_result_value(ctx, c->keys_v[r]);
                else
                    sqlite3_result_int64(ctx, c->keys_i[r]);
            } else if (col == COL_PREDICTION) {
                pk_sql_result_out(ctx, m, PK_PREDICT, c->pred + (size_t)r * m->width[PK_PREDICT],
                                  &c->text);
            } else if (c->proba) {
                pk_sql_result_out(ctx, m, PK_PREDICT_PROBA,
                                  c->prob + (size_t)r * m->width[PK_PREDICT_PROBA], &c->text);
            } else {
                sqlite3_result_null(ctx);
            }
            break;
        }
        sqlite3_result_value(ctx, sqlite3_column_value(c->stmt, col));
        if (col == COL_PROBA && sqlite3_column_type(c->stmt, col) == SQLITE_TEXT)
            sqlite3_result_subtype(ctx, PK_JSON_SUBTYPE);
        break;
    }
    return SQLITE_OK;
}

static int score_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
    *rowid = ((score_cursor *)cur)->n;
    return SQLITE_OK;
}

/* Eponymous-only (no xCreate), read-only. */
static const sqlite3_module score_module = {
    .iVersion = 0,
    .xConnect = score_connect,
    .xBestIndex = score_best_index,
    .xDisconnect = score_disconnect,
    .xOpen = score_open,
    .xClose = score_close,
    .xFilter = score_filter,
    .xNext = score_next,
    .xEof = score_eof,
    .xColumn = score_column,
    .xRowid = score_rowid,
};

int pk_register_score(sqlite3 *db) {
    return sqlite3_create_module(db, "model_score", &score_module, NULL);
}
