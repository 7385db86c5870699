/*
 * sql_events.c - writing the registry's history (ml_events) and what the alias triggers need.
 *
 * ml_log(name, version, alias, event, detail): the only writer of ml_events. The registry's
 * triggers call it; it inserts one row with the id left to AUTOINCREMENT and the time taken
 * from the registry's clock (ml_now), raised to the previous event's time if the clock is
 * behind, so the history is ordered the same way by id and by time. It first checks that the
 * event describes the main database's tables as they are (known_events). While it inserts, the
 * trigger ml_events_guard lets the row in (ml_log_guard); any other INSERT into ml_events, with
 * whatever id, time or conflict clause (REPLACE, UPSERT), is refused. ml_log itself refuses to
 * run outside a write transaction (a bare SELECT ml_log(...) is not a registry change).
 *
 * ml_alias_prev(name, alias, version) / ml_alias_prev(name, alias): a one-slot memory per
 * connection. The BEFORE INSERT trigger of ml_aliases stores the version the alias had before
 * the insert (NULL: none); the AFTER INSERT trigger of the same row reads it (the slot names
 * its (name, alias): another key reads NULL). This is how an
 * INSERT OR REPLACE that replaces an alias is logged as a move from its real previous version:
 * the replaced row is deleted without firing a DELETE trigger (unless recursive_triggers is on;
 * then the DELETE trigger logs the removal and clears the slot, and the insert logs a set).
 */
#include "sql_funcs.h"
#include "sql_registry.h"

SQLITE_EXTENSION_INIT3

#include <string.h>

/* Each event and the state of the main database's registry it records, checked before it is
 * logged (?1 name, ?2 version, ?3 alias): the registry's AFTER triggers always find it; an event
 * that does not describe the tables (a made-up call, or the triggers of a registry in an
 * ATTACHed database, whose events would otherwise land in main's history) is refused. */
static const struct {
    const char *event;
    const char *check;
} known_events[] = {
    {"created", "SELECT 1 FROM main.ml_models WHERE name = ?1"},
    {"registered", "SELECT 1 FROM main.ml_versions WHERE name = ?1 AND version = ?2"},
    {"alias_set", "SELECT 1 FROM main.ml_aliases WHERE name = ?1 AND alias = ?3 AND version = ?2"},
    {"alias_moved",
     "SELECT 1 FROM main.ml_aliases WHERE name = ?1 AND alias = ?3 AND version = ?2"},
    {"alias_removed", "SELECT 1 WHERE ?2 IS NULL AND NOT EXISTS (SELECT 1 FROM main.ml_aliases "
                      "WHERE name = ?1 AND alias = ?3)"},
    {"deleted", "SELECT 1 FROM main.ml_versions WHERE name = ?1 AND version = ?2 "
                "AND deleted_at IS NOT NULL"},
    {"restored", "SELECT 1 FROM main.ml_versions WHERE name = ?1 AND version = ?2 "
                 "AND deleted_at IS NULL"},
};

/* The state check of `event`, or NULL when it is not an event of the registry. */
static const char *event_check(const char *event) {
    for (size_t i = 0; i < sizeof known_events / sizeof known_events[0]; i++)
        if (event && strcmp(event, known_events[i].event) == 0) return known_events[i].check;
    return NULL;
}

/* 1 when the check finds its row, 0 when not, -1 on error (left in db's error message). */
static int event_matches(sqlite3 *db, const char *check, sqlite3_value **argv) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, check, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_value(st, 1, argv[0]);
        sqlite3_bind_value(st, 2, argv[1]);
        sqlite3_bind_value(st, 3, argv[2]);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return 1;
    /* no registry in main: the event cannot be one of main's */
    return rc == SQLITE_DONE || strstr(sqlite3_errmsg(db), "no such table") ? 0 : -1;
}

/* ml_log_guard() -> NULL while ml_log inserts; otherwise fails (ml_events_guard's body). */
void pk_fn_ml_log_guard(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    pk_conn_state *st = sqlite3_user_data(ctx);
    if (st && st->event_writing > 0) return;
    sqlite3_result_error(ctx,
                         "ml_events: events are written by the registry only (their ids and "
                         "times are assigned by it); this INSERT is refused",
                         -1);
    sqlite3_result_error_code(ctx, SQLITE_CONSTRAINT);
}

/* The time of the newest event (by id), or NULL. */
static char *last_event_time(sqlite3 *db) {
    return pk_reg_query_text(db, "SELECT at FROM main.ml_events ORDER BY id DESC LIMIT 1");
}

void pk_fn_ml_log(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    pk_conn_state *st = sqlite3_user_data(ctx);
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    const char *event = (const char *)sqlite3_value_text(argv[3]);
    const char *check = event_check(event);
    if (!check) {
        pk_sql_errorf(ctx, "ml_log", "unknown event %s", event ? event : "NULL");
        return;
    }
    if (sqlite3_txn_state(db, "main") != SQLITE_TXN_WRITE) {
        pk_sql_errorf(ctx, "ml_log",
                      "events are logged by the registry's triggers, inside the change of the "
                      "main database they record (a registry in an ATTACHed database cannot be "
                      "written)");
        return;
    }
    if (!st || !pk_reg_enter(ctx, "ml_log")) {
        if (!st) sqlite3_result_error(ctx, "ml_log: no connection state", -1);
        return;
    }
    int match = event_matches(db, check, argv);
    if (match != 1) {
        const char *name = (const char *)sqlite3_value_text(argv[0]);
        if (match < 0)
            pk_sql_errorf(ctx, "ml_log", "cannot check the event: %s", sqlite3_errmsg(db));
        else
            pk_sql_errorf(ctx, "ml_log",
                          "'%s' of model '%s' is not what the main database's registry holds "
                          "(events record changes made through its tables; a registry in an "
                          "ATTACHed database cannot be written)",
                          event, name ? name : "NULL");
        pk_reg_leave(ctx);
        return;
    }
    char *now = pk_reg_now(db);
    char *last = last_event_time(db);
    const char *at = now;
    if (last && (!now || strcmp(last, now) > 0)) at = last;
    sqlite3_stmt *ins = NULL;
    int rc = at ? sqlite3_prepare_v2(db,
                                     "INSERT INTO main.ml_events(at, name, version, alias, event, "
                                     "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                     -1, &ins, NULL)
                : SQLITE_NOMEM;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(ins, 1, at, -1, SQLITE_STATIC);
        for (int i = 0; i < 5; i++)
            sqlite3_bind_value(ins, i + 2, argv[i]);
        st->event_writing++;
        rc = sqlite3_step(ins);
        st->event_writing--;
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_NOMEM)
            sqlite3_result_error_nomem(ctx);
        else
            pk_sql_errorf(ctx, "ml_log", "cannot append to ml_events: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(ins);
    sqlite3_free(now);
    sqlite3_free(last);
    pk_reg_leave(ctx);
}

/* The slot's key for (name, alias): "name\x1falias". */
static char *prev_key(sqlite3_value **argv) {
    const char *n = (const char *)sqlite3_value_text(argv[0]);
    const char *a = (const char *)sqlite3_value_text(argv[1]);
    return sqlite3_mprintf("%s\x1f%s", n ? n : "", a ? a : "");
}

void pk_fn_ml_alias_prev(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    pk_conn_state *st = sqlite3_user_data(ctx);
    if (!st) return;
    char *key = prev_key(argv);
    if (!key) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int match = st->alias_prev_key && strcmp(st->alias_prev_key, key) == 0;
    if (argc == 3) { /* store */
        sqlite3_free(st->alias_prev_key);
        st->alias_prev_key = key;
        st->alias_prev_null = sqlite3_value_type(argv[2]) == SQLITE_NULL;
        st->alias_prev_version = sqlite3_value_int64(argv[2]);
        return;
    }
    sqlite3_free(key);
    /* read without clearing: the AFTER trigger may evaluate it more than once (the query
     * planner flattens its subquery), and every row's BEFORE trigger overwrites the slot */
    if (match && !st->alias_prev_null) sqlite3_result_int64(ctx, st->alias_prev_version);
}
