/*
 * sql_verdict.c - what the SQL layer says about a pickle's globals (the catalogue's tiers,
 * ext/core/base/pk_catalogue.h), and the table-valued model_supported().
 *
 * A pickle naming a global outside the catalogue (and outside the decoder's data
 * interpretations) is refused by the model functions and the registry even though nothing is
 * executed here: the same bytes loaded by Python would run that code. A pickle naming only
 * known library classes is accepted; when its estimator has no scoring family yet, scoring
 * says so in one line ("sklearn.svm._classes.SVC cannot be scored yet (see model_supported())").
 *
 * model_supported(): one row per scorable catalogue row, columns
 *   class     TEXT  the class name ("LogisticRegression")
 *   module    TEXT  canonical module ("sklearn.linear_model._logistic")
 *   spellings TEXT  other modules it is found under in older pickles, space-separated, or ''
 *   kind      TEXT  classifier, regressor, clusterer, transformer, outlier detector, estimator
 *   methods   TEXT  the methods scored ("predict, decision_function, predict_proba")
 *   notes     TEXT  conditions and version notes, or ''
 */
#include "sql_verdict.h"

#include "pk_allow.h"
#include "pk_buf.h"
#include "pk_catalogue.h"
#include "pk_json.h"
#include "pk_model.h"
#include "pk_vm.h"

#include <stdio.h>
#include <string.h>

SQLITE_EXTENSION_INIT3

#define PK_VERDICT_SHOWN 5 /* unknown globals named in a message; the rest are counted */

/* Appends the globals of doc that are not allowed and have (with_reason = 1) or lack a verdict
 * reason, after `intro`, counting those beyond *budget; returns how many were found. */
static size_t list_globals(const pk_doc *doc, pk_buf *b, int with_reason, const char *intro,
                           size_t *budget, pk_allow *allow) {
    size_t found = 0, more = 0;
    for (size_t i = 0; i < doc->nglobals; i++) {
        const pk_global_ref *g = &doc->globals[i];
        if (g->allowed || (g->reason != NULL) != with_reason) continue;
        if (!with_reason && allow) {
            int k = pk_allow_find(allow, g->module, g->name);
            if (k >= 0) {
                allow->used[k] = 1;
                continue;
            }
        }
        if (found == 0) pk_buf_puts(b, intro);
        if (*budget == 0) {
            more++;
        } else {
            pk_buf_printf(b, "%s%s.%s", found ? ", " : "", g->module, g->name);
            if (with_reason) pk_buf_printf(b, " (%s)", g->reason);
            --*budget;
        }
        found++;
    }
    if (more) pk_buf_printf(b, " and %zu more", more);
    return found;
}

const char *pk_sql_refusal(const pk_doc *doc, pk_buf *b) {
    return pk_sql_refusal_allow(doc, b, NULL);
}

const char *pk_sql_refusal_allow(const pk_doc *doc, pk_buf *b, pk_allow *allow) {
    size_t budget = PK_VERDICT_SHOWN;
    size_t unknown =
        list_globals(doc, b, 0, "names code that could run in Python: ", &budget, allow);
    if (unknown) pk_buf_puts(b, " (not known library classes)");
    size_t unsafe_calls = list_globals(doc, b, 1,
                                       unknown ? "; it makes calls Python would not run safely: "
                                               : "makes calls Python would not run safely: ",
                                       &budget, allow);
    if (unknown + unsafe_calls == 0) return NULL;
    pk_buf_putc(b, 0);
    return b->failed == PK_OK ? (const char *)b->data
                              : "names code that could run in Python (not known library classes)";
}

pk_code pk_sql_support_json(pk_buf *out, const pk_doc *doc) {
    pk_err err;
    pk_err_clear(&err);
    pk_model *m = pk_model_compile_lim(&pk_sql_alloc, doc->root, &doc->limits, &err);
    if (!m && err.code == PK_ENOMEM) return PK_ENOMEM;
    pk_buf_printf(out, ",\"supported\":%d,\"reason\":", m ? 1 : 0);
    if (m) {
        char why[128];
        size_t n = (size_t)snprintf(why, sizeof why, "%s scores", m->cls);
        int first = 1;
        for (int k = 0; k < PK_METHOD_COUNT && n < sizeof why; k++) {
            if (m->shape[k] == PK_OUT_NONE || !(m->col_kind ? m->cfn[k] != NULL : m->fn[k] != NULL))
                continue;
            n += (size_t)snprintf(why + n, sizeof why - n, "%s%s", first ? " " : ", ",
                                  pk_method_name((pk_method)k));
            first = 0;
        }
        pk_json_string(out, why, strlen(why));
        pk_model_free(m);
    } else {
        pk_json_string(out, err.msg, strlen(err.msg));
    }
    return pk_buf_putc(out, '}');
}

/* ---- model_supported() ------------------------------------------------------------------- */

typedef struct sup_cursor {
    sqlite3_vtab_cursor base;
    size_t i; /* index in pk_catalogue_rows, at a scorable row or pk_catalogue_count */
} sup_cursor;

static void skip_unscorable(sup_cursor *c) {
    while (c->i < pk_catalogue_count && pk_catalogue_rows[c->i].tier != PK_TIER_SCORABLE)
        c->i++;
}

static int sup_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                       sqlite3_vtab **out, char **err) {
    (void)aux;
    (void)argc;
    (void)argv;
    (void)err;
    int rc = sqlite3_declare_vtab(
        db, "CREATE TABLE x(class TEXT, module TEXT, spellings TEXT, kind TEXT, methods TEXT, "
            "notes TEXT)");
    if (rc != SQLITE_OK) return rc;
    sqlite3_vtab *vt = sqlite3_malloc64(sizeof *vt);
    if (!vt) return SQLITE_NOMEM;
    memset(vt, 0, sizeof *vt);
    *out = vt;
    return SQLITE_OK;
}

static int sup_disconnect(sqlite3_vtab *vt) {
    sqlite3_free(vt);
    return SQLITE_OK;
}

static int sup_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
    (void)vt;
    info->estimatedCost = 100;
    info->estimatedRows = 100;
    return SQLITE_OK;
}

static int sup_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
    (void)vt;
    sup_cursor *c = sqlite3_malloc64(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int sup_close(sqlite3_vtab_cursor *cur) {
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int sup_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                      sqlite3_value **argv) {
    (void)idxNum;
    (void)idxStr;
    (void)argc;
    (void)argv;
    sup_cursor *c = (sup_cursor *)cur;
    c->i = 0;
    skip_unscorable(c);
    return SQLITE_OK;
}

static int sup_next(sqlite3_vtab_cursor *cur) {
    sup_cursor *c = (sup_cursor *)cur;
    c->i++;
    skip_unscorable(c);
    return SQLITE_OK;
}

static int sup_eof(sqlite3_vtab_cursor *cur) {
    return ((sup_cursor *)cur)->i >= pk_catalogue_count;
}

static int sup_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
    const pk_cat_row *r = &pk_catalogue_rows[((sup_cursor *)cur)->i];
    const char *v = "";
    switch (col) {
    case 0:
        v = r->name;
        break;
    case 1:
        v = r->module;
        break;
    case 2:
        v = r->spellings;
        break;
    case 3:
        v = pk_cat_kind_name(r->kind);
        break;
    case 4:
        v = r->methods;
        break;
    case 5:
        v = r->note;
        break;
    default:
        break;
    }
    sqlite3_result_text(ctx, v ? v : "", -1, SQLITE_STATIC);
    return SQLITE_OK;
}

static int sup_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
    *rowid = (sqlite3_int64)((sup_cursor *)cur)->i + 1;
    return SQLITE_OK;
}

/* Eponymous-only (no xCreate), read-only. */
static const sqlite3_module sup_module = {
    .iVersion = 0,
    .xConnect = sup_connect,
    .xBestIndex = sup_best_index,
    .xDisconnect = sup_disconnect,
    .xOpen = sup_open,
    .xClose = sup_close,
    .xFilter = sup_filter,
    .xNext = sup_next,
    .xEof = sup_eof,
    .xColumn = sup_column,
    .xRowid = sup_rowid,
};

int pk_register_supported(sqlite3 *db) {
    return sqlite3_create_module(db, "model_supported", &sup_module, NULL);
}
