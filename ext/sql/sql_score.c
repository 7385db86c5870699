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
 */
#include "sql_util.h"

SQLITE_EXTENSION_INIT3

#include "sql_funcs.h"

#include <string.h>

enum { COL_KEY, COL_PREDICTION, COL_PROBA, COL_MODEL, COL_SOURCE };

typedef struct score_cursor {
    sqlite3_vtab_cursor base;
    sqlite3 *db;
    sqlite3_stmt *stmt; /* the scoring statement, or NULL */
    int eof;
    sqlite3_int64 n; /* rows returned, for xRowid */
    sqlite3_value *model, *source;
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
    *out = &c->base;
    return SQLITE_OK;
}

static void cursor_reset(score_cursor *c) {
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
static int build_sql(score_cursor *c, const char *source, int proba, char **out) {
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
    if (proba)
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

static int score_next(sqlite3_vtab_cursor *cur) {
    score_cursor *c = (score_cursor *)cur;
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
    char *sql = NULL;
    rc = build_sql(c, (const char *)sqlite3_value_text(c->source), proba, &sql);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_prepare_v2(c->db, sql, -1, &c->stmt, NULL);
    sqlite3_free(sql);
    if (rc == SQLITE_OK) rc = sqlite3_bind_value(c->stmt, 1, c->model);
    if (rc != SQLITE_OK) return fail_db(c);
    c->eof = 0;
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
    default:
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
