/*
 * pickle_ext.c - the extension's entry point: one table of every SQL function and its flags.
 *
 * Load with `.load ./dist/pickle_ext` (entry point sqlite3_pickleext_init). Functions that read a
 * pickle are DETERMINISTIC (same bytes, same answer) and INNOCUOUS (no side effects, safe in
 * views, triggers and schema). Functions that may read registry tables by name (model_*,
 * ml_resolve) are DIRECTONLY; their BLOB-only forms (pickle_predict, ...) are PURE. Every function
 * receives the connection's state (limits set with pickle_ext_limit); conn = 1 marks those that
 * also keep caches in it.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "sql_funcs.h"
#include "sql_registry.h"
#include "sql_verdict.h"

#include <string.h>

#define PURE (SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)

static const pk_sql_func pk_functions[] = {
    /* name                 nargs flags conn xFunc         xStep xFinal */
    {"pickle_get", 1, PURE, 0, pk_fn_get, NULL, NULL},
    {"pickle_get", 2, PURE, 0, pk_fn_get, NULL, NULL},
    {"pickle_json", 1, PURE, 0, pk_fn_json, NULL, NULL},
    {"pickle_json", 2, PURE, 0, pk_fn_json, NULL, NULL},
    {"pickle_json", 3, PURE, 0, pk_fn_json, NULL, NULL},
    {"pickle_type", 1, PURE, 0, pk_fn_type, NULL, NULL},
    {"pickle_type", 2, PURE, 0, pk_fn_type, NULL, NULL},
    {"pickle_info", 1, PURE, 0, pk_fn_info, NULL, NULL},
    {"pickle_valid", 1, PURE, 0, pk_fn_valid, NULL, NULL},
    {"pickle_error", 1, PURE, 0, pk_fn_error, NULL, NULL},
    {"pickle_ext_version", 0, PURE, 0, pk_fn_version, NULL, NULL},
    {"pickle_ext_limit", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, 1, pk_fn_limit, NULL, NULL},
    {"pickle_ext_limit", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, 1, pk_fn_limit, NULL, NULL},
    /* sql_write.c: JSON-subtyped TEXT arguments are read as JSON, hence SQLITE_SUBTYPE */
    {"pickle_dump", 1, PURE | SQLITE_SUBTYPE, 0, pk_fn_dump, NULL, NULL},
    {"pickle_dump", 2, PURE | SQLITE_SUBTYPE, 0, pk_fn_dump, NULL, NULL},
    {"pickle_dump_agg", 1, PURE | SQLITE_SUBTYPE, 0, NULL, pk_fn_dump_agg_step,
     pk_fn_dump_agg_final},
    {"pickle_set", 3, PURE | SQLITE_SUBTYPE, 0, pk_fn_set, NULL, NULL},
    {"pickle_compress", 1, PURE, 0, pk_fn_compress, NULL, NULL},
    {"pickle_compress", 2, PURE, 0, pk_fn_compress, NULL, NULL},
    {"pickle_decompress", 1, PURE, 0, pk_fn_decompress, NULL, NULL},
    /* models (sql_model.c). model_* take a pickle BLOB or a registry name: reading the registry
     * by name, they are DIRECTONLY (never callable from a view, trigger, CHECK, index or
     * generated column, so no schema, e.g. an ATTACHed untrusted database's trigger, can make
     * them read the main registry; and an answer that changes when an alias moves never lands in
     * an index). pickle_predict, ... take BLOBs only and read no table: PURE, usable in views and
     * indexes. conn = 1 for the per-connection compiled-model cache. SQLITE_SUBTYPE: a single
     * JSON-subtyped argument (json_object(...)) is read as named features. */
    {"model_predict", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY | SQLITE_SUBTYPE, 1, pk_fn_model_predict,
     NULL, NULL},
    {"model_predict_proba", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY | SQLITE_SUBTYPE, 1,
     pk_fn_model_predict_proba, NULL, NULL},
    {"model_proba", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY | SQLITE_SUBTYPE, 1, pk_fn_model_proba,
     NULL, NULL},
    {"model_predict_proba_blob", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY | SQLITE_SUBTYPE, 1,
     pk_fn_model_predict_proba_blob, NULL, NULL},
    {"model_transform", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY | SQLITE_SUBTYPE, 1,
     pk_fn_model_transform, NULL, NULL},
    {"model_decision_function", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY | SQLITE_SUBTYPE, 1,
     pk_fn_model_decision_function, NULL, NULL},
    {"model_info", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, pk_fn_model_info, NULL, NULL},
    /* model_score's access to the compiled model (a pointer value, NULL to SQL) */
    {"model_score_handle", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, 1, pk_fn_model_score_handle, NULL,
     NULL},
    {"pickle_predict", -1, PURE | SQLITE_SUBTYPE, 1, pk_fn_pickle_predict, NULL, NULL},
    {"pickle_predict_proba", -1, PURE | SQLITE_SUBTYPE, 1, pk_fn_pickle_predict_proba, NULL, NULL},
    {"pickle_proba", -1, PURE | SQLITE_SUBTYPE, 1, pk_fn_pickle_proba, NULL, NULL},
    {"pickle_predict_proba_blob", -1, PURE | SQLITE_SUBTYPE, 1, pk_fn_pickle_predict_proba_blob,
     NULL, NULL},
    {"pickle_transform", -1, PURE | SQLITE_SUBTYPE, 1, pk_fn_pickle_transform, NULL, NULL},
    {"pickle_decision_function", -1, PURE | SQLITE_SUBTYPE, 1, pk_fn_pickle_decision_function, NULL,
     NULL},
    {"pickle_model_info", 1, PURE, 0, pk_fn_pickle_model_info, NULL, NULL},
    {"model_inverse_transform", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, 1,
     pk_fn_model_inverse_transform, NULL, NULL},
    {"pickle_inverse_transform", 2, PURE, 1, pk_fn_pickle_inverse_transform, NULL, NULL},
    /* registry (sql_registry.c, sql_resolve.c, sql_events.c). ml_registry_sql and
     * ml_registry_init read the schema and ml_resolve reads the registry by name: direct calls
     * only. ml_log (the only writer of
     * ml_events) and ml_alias_prev (per-connection memory) are called by the registry's
     * triggers, so they cannot be DIRECTONLY; they have side effects, so they are not INNOCUOUS
     * (with trusted_schema=OFF no schema can call them). */
    {"ml_registry_sql", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, pk_fn_ml_registry_sql, NULL, NULL},
    {"ml_registry_init", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, pk_fn_ml_registry_init, NULL, NULL},
    {"ml_pickle_meta", 1, PURE, 0, pk_fn_ml_pickle_meta, NULL, NULL},
    {"ml_pickle_meta", 2, PURE, 0, pk_fn_ml_pickle_meta, NULL, NULL},
    {"ml_pickle_meta", 3, PURE, 0, pk_fn_ml_pickle_meta, NULL, NULL},
    {"ml_check_name", 1, PURE, 0, pk_fn_ml_check_name, NULL, NULL},
    {"ml_check_alias", 1, PURE, 0, pk_fn_ml_check_alias, NULL, NULL},
    {"ml_error", 1, SQLITE_UTF8 | SQLITE_INNOCUOUS, 0, pk_fn_ml_error, NULL, NULL},
    {"ml_now", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, 0, pk_fn_ml_now, NULL, NULL},
    {"pickle_sha256", 1, PURE, 0, pk_fn_pickle_sha256, NULL, NULL},
    {"ml_resolve", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, pk_fn_ml_resolve, NULL, NULL},
    {"ml_log", 5, SQLITE_UTF8, 0, pk_fn_ml_log, NULL, NULL},
    {"ml_log_guard", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, 0, pk_fn_ml_log_guard, NULL, NULL},
    {"ml_alias_prev", 2, SQLITE_UTF8, 0, pk_fn_ml_alias_prev, NULL, NULL},
    {"ml_alias_prev", 3, SQLITE_UTF8, 0, pk_fn_ml_alias_prev, NULL, NULL},
};

static void conn_state_free(void *p) {
    pk_conn_state *st = p;
    if (!st) return;
    if (st->model_cache && st->model_cache_free) st->model_cache_free(st->model_cache);
    pk_resolve_cache_free(st->resolve_cache);
    sqlite3_free(st->alias_prev_key);
    sqlite3_free(st);
}

/* The entry point SQLite derives from the file name "pickle_ext". */
#ifdef _WIN32
__declspec(dllexport)
#else
__attribute__((visibility("default")))
#endif
    int sqlite3_pickleext_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi);

#ifdef _WIN32
__declspec(dllexport)
#else
__attribute__((visibility("default")))
#endif
    int sqlite3_pickleext_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
    SQLITE_EXTENSION_INIT2(pApi);
    pk_conn_state *st = sqlite3_malloc64(sizeof *st);
    if (!st) return SQLITE_NOMEM;
    memset(st, 0, sizeof *st);
    st->db = db;
    pk_limits_default(&st->limits);
    /* The state is freed with the connection through this one registration's destructor;
     * the other registrations share the pointer without a destructor. */
    int rc = sqlite3_create_function_v2(db, "pickle_ext_version", 0, PURE, st, pk_fn_version, NULL,
                                        NULL, conn_state_free);
    if (rc != SQLITE_OK) {
        if (pzErrMsg) *pzErrMsg = sqlite3_mprintf("pickle_ext: cannot register functions");
        return rc;
    }
    for (size_t i = 0; i < sizeof pk_functions / sizeof pk_functions[0]; i++) {
        const pk_sql_func *f = &pk_functions[i];
        if (strcmp(f->name, "pickle_ext_version") == 0) continue;
        rc = sqlite3_create_function_v2(db, f->name, f->nargs, f->flags, st, f->xFunc, f->xStep,
                                        f->xFinal, NULL);
        if (rc != SQLITE_OK) {
            if (pzErrMsg)
                *pzErrMsg = sqlite3_mprintf("pickle_ext: cannot register %s/%d: %s", f->name,
                                            f->nargs, sqlite3_errstr(rc));
            return rc;
        }
    }
    rc = pk_register_each(db, st);
    if (rc != SQLITE_OK) {
        if (pzErrMsg)
            *pzErrMsg = sqlite3_mprintf("pickle_ext: cannot register pickle_each/pickle_tree: %s",
                                        sqlite3_errstr(rc));
        return rc;
    }
    rc = pk_register_supported(db);
    if (rc != SQLITE_OK) {
        if (pzErrMsg)
            *pzErrMsg = sqlite3_mprintf("pickle_ext: cannot register model_supported: %s",
                                        sqlite3_errstr(rc));
        return rc;
    }
    rc = pk_register_score(db);
    if (rc != SQLITE_OK) {
        if (pzErrMsg)
            *pzErrMsg =
                sqlite3_mprintf("pickle_ext: cannot register model_score: %s", sqlite3_errstr(rc));
        return rc;
    }
    return SQLITE_OK;
}
