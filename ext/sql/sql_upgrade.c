/*
 * sql_upgrade.c - ml_registry_init()'s upgrade of a registry made by an earlier schema
 * (sql_registry.c runs it, inside its savepoint, before sql/registry.sql).
 *
 * Two changes of the schema need more than registry.sql's CREATE ... IF NOT EXISTS:
 *   PK_REG_UPGRADE_EVENTS   ml_events exists but its guard trigger does not (the first schema):
 *                           ml_events is rebuilt with ids 1..n in their old order (a written id
 *                           such as 9223372036854775807 would exhaust AUTOINCREMENT), and the
 *                           json_valid() CHECK on ml_versions.metrics is removed (it made the
 *                           database unreadable under trusted_schema=OFF; a trigger checks
 *                           metrics now);
 *   PK_REG_UPGRADE_COLUMNS  ml_versions lacks the supported/reason columns (schemas before the
 *                           catalogue): they are added and filled for every stored version from
 *                           ml_pickle_meta, as a registration would have. A stored pickle the
 *                           current verdict refuses keeps supported = 0 and the refusal as reason.
 *   PK_REG_UPGRADE_ALLOW    ml_versions lacks the allow column (schemas before allowances): it is
 *                           added, NULL for every stored version (none was stored under one).
 * Either way the registry's triggers and views are dropped first (registry.sql creates the
 * current ones, which refer to the new columns). Removing a CHECK constraint changes no stored
 * data: it is done by editing the table's CREATE statement with writable_schema, as SQLite
 * documents for such changes.
 */
#include "sql_registry.h"

SQLITE_EXTENSION_INIT3

#include <stdlib.h>
#include <string.h>

static const char drop_list_sql[] =
    "CREATE TEMP TABLE ml_upgrade_drop AS SELECT type, name FROM main.sqlite_master "
    " WHERE type IN ('trigger', 'view') AND name LIKE 'ml\\_%' ESCAPE '\\';";

static const char events_sql[] =
    "CREATE TEMP TABLE ml_upgrade_events AS SELECT at, name, version, alias, event, detail "
    "  FROM main.ml_events ORDER BY id;"
    "DROP TABLE main.ml_events;"
    "CREATE TABLE main.ml_events (\n"
    "    id      INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),\n"
    "    name    TEXT NOT NULL,\n"
    "    version INTEGER,\n"
    "    alias   TEXT,\n"
    "    event   TEXT NOT NULL,\n"
    "    detail  TEXT\n"
    ");"
    "INSERT INTO main.ml_events(at, name, version, alias, event, detail) "
    "  SELECT at, name, version, alias, event, detail FROM temp.ml_upgrade_events ORDER BY rowid;"
    "DROP TABLE temp.ml_upgrade_events;";

static int exec_each_drop(sqlite3 *db, char **msg) {
    int rc = sqlite3_exec(db, drop_list_sql, NULL, NULL, msg);
    if (rc != SQLITE_OK) return rc;
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, "SELECT type, name FROM temp.ml_upgrade_drop", -1, &st, NULL);
    while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        char *sql = sqlite3_mprintf("DROP %s IF EXISTS main.\"%w\"",
                                    (const char *)sqlite3_column_text(st, 0),
                                    (const char *)sqlite3_column_text(st, 1));
        rc = sql ? sqlite3_exec(db, sql, NULL, NULL, msg) : SQLITE_NOMEM;
        sqlite3_free(sql);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "DROP TABLE temp.ml_upgrade_drop", NULL, NULL, msg);
    return rc;
}

static int remove_metrics_check(sqlite3 *db, char **msg) {
    static const char old_check[] = "TEXT CHECK (metrics IS NULL OR json_valid(metrics))";
    char *sql = pk_reg_query_text(
        db, "SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = 'ml_versions'");
    if (!sql) return SQLITE_OK;
    int rc = SQLITE_OK;
    char *at = strstr(sql, old_check);
    if (at) {
        char *fixed = sqlite3_mprintf("%.*sTEXT%s", (int)(at - sql), sql, at + strlen(old_check));
        char *ver = pk_reg_query_text(db, "PRAGMA main.schema_version");
        char *upd = fixed && ver ? sqlite3_mprintf("PRAGMA writable_schema = ON;"
                                                   "UPDATE main.sqlite_master SET sql = %Q "
                                                   " WHERE type = 'table' AND name = 'ml_versions';"
                                                   "PRAGMA main.schema_version = %lld;"
                                                   "PRAGMA writable_schema = OFF;",
                                                   fixed, (long long)strtoll(ver, NULL, 10) + 1)
                                 : NULL;
        rc = upd ? sqlite3_exec(db, upd, NULL, NULL, msg) : SQLITE_NOMEM;
        if (rc != SQLITE_OK) sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL, NULL, NULL);
        sqlite3_free(upd);
        sqlite3_free(ver);
        sqlite3_free(fixed);
    }
    sqlite3_free(sql);
    return rc;
}

/* 1 when the query's single value is the integer 1. */
static int query_true(sqlite3 *db, const char *sql) {
    char *t = pk_reg_query_text(db, sql);
    int yes = t && strcmp(t, "1") == 0;
    sqlite3_free(t);
    return yes;
}

static int has_column(sqlite3 *db, const char *column) {
    char *sql = sqlite3_mprintf(
        "SELECT count(*) > 0 FROM pragma_table_info('ml_versions', 'main') WHERE name = %Q",
        column);
    int yes = sql && query_true(db, sql);
    sqlite3_free(sql);
    return yes;
}

int pk_reg_needs_upgrade(sqlite3 *db) {
    int up = 0;
    if (query_true(db, "SELECT (SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND "
                       "name = 'ml_events') AND NOT (SELECT count(*) FROM main.sqlite_master "
                       "WHERE type = 'trigger' AND name = 'ml_events_guard')"))
        up |= PK_REG_UPGRADE_EVENTS;
    if (query_true(db, "SELECT count(*) > 0 FROM main.sqlite_master WHERE type = 'table' AND "
                       "name = 'ml_versions'") &&
        (!has_column(db, "supported") || !has_column(db, "reason")))
        up |= PK_REG_UPGRADE_COLUMNS;
    if (query_true(db, "SELECT count(*) > 0 FROM main.sqlite_master WHERE type = 'table' AND "
                       "name = 'ml_versions'") &&
        !has_column(db, "allow"))
        up |= PK_REG_UPGRADE_ALLOW;
    return up;
}

/* The refusal of ml_pickle_meta without its "ml_registry: cannot register model '<name>': "
 * prefix (the version is registered already): "the pickle names code that ...". */
static const char *refusal_text(const char *msg) {
    const char *p = strstr(msg, "cannot register model '");
    const char *q = p ? strstr(p, "': ") : NULL;
    return q ? q + 3 : msg;
}

/* supported/reason of every version that has none, one version at a time (by rowid). */
static int fill_support(sqlite3 *db, char **msg) {
    sqlite3_stmt *next = NULL, *meta = NULL, *upd = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT rowid FROM main.ml_versions WHERE rowid > ?1 AND "
                                "supported IS NULL ORDER BY rowid LIMIT 1",
                                -1, &next, NULL);
    if (rc == SQLITE_OK)
        rc =
            sqlite3_prepare_v2(db,
                               "SELECT json_extract(j, '$.supported'), json_extract(j, '$.reason') "
                               "  FROM (SELECT ml_pickle_meta(pickle, name) AS j "
                               "          FROM main.ml_versions WHERE rowid = ?1)",
                               -1, &meta, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(
            db, "UPDATE main.ml_versions SET supported = ?2, reason = ?3 WHERE rowid = ?1", -1,
            &upd, NULL);
    sqlite3_int64 last = -1;
    while (rc == SQLITE_OK) {
        sqlite3_bind_int64(next, 1, last);
        int s = sqlite3_step(next);
        if (s != SQLITE_ROW) {
            rc = s == SQLITE_DONE ? SQLITE_OK : s;
            break;
        }
        last = sqlite3_column_int64(next, 0);
        sqlite3_reset(next);
        sqlite3_bind_int64(meta, 1, last);
        sqlite3_bind_int64(upd, 1, last);
        s = sqlite3_step(meta);
        if (s == SQLITE_ROW) {
            sqlite3_bind_int(upd, 2, sqlite3_column_int(meta, 0));
            rc = sqlite3_bind_text(upd, 3, (const char *)sqlite3_column_text(meta, 1), -1,
                                   SQLITE_TRANSIENT);
        } else if (s == SQLITE_ERROR || s == SQLITE_TOOBIG) {
            /* refused by the current verdict, or does not decode: not scorable, and why (the
             * message is copied first: binding clears the connection's error) */
            char *why = sqlite3_mprintf("%s", refusal_text(sqlite3_errmsg(db)));
            if (!why) {
                rc = SQLITE_NOMEM;
                break;
            }
            sqlite3_bind_int(upd, 2, 0);
            rc = sqlite3_bind_text(upd, 3, why, -1, sqlite3_free);
        } else {
            rc = s; /* out of memory, interrupted, I/O error: the upgrade fails */
            break;
        }
        sqlite3_reset(meta);
        if (rc == SQLITE_OK) {
            s = sqlite3_step(upd);
            rc = s == SQLITE_DONE ? SQLITE_OK : s;
        }
        sqlite3_reset(upd);
    }
    if (rc != SQLITE_OK && msg && !*msg) *msg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    sqlite3_finalize(next);
    sqlite3_finalize(meta);
    sqlite3_finalize(upd);
    return rc;
}

int pk_reg_upgrade(sqlite3 *db, int what, char **msg) {
    int rc = exec_each_drop(db, msg);
    if (rc == SQLITE_OK && (what & PK_REG_UPGRADE_EVENTS))
        rc = sqlite3_exec(db, events_sql, NULL, NULL, msg);
    if (rc == SQLITE_OK && (what & PK_REG_UPGRADE_COLUMNS)) {
        if (!has_column(db, "supported"))
            rc = sqlite3_exec(db, "ALTER TABLE main.ml_versions ADD COLUMN supported INTEGER", NULL,
                              NULL, msg);
        if (rc == SQLITE_OK && !has_column(db, "reason"))
            rc = sqlite3_exec(db, "ALTER TABLE main.ml_versions ADD COLUMN reason TEXT", NULL, NULL,
                              msg);
        if (rc == SQLITE_OK) rc = fill_support(db, msg);
    }
    if (rc == SQLITE_OK && (what & PK_REG_UPGRADE_ALLOW) && !has_column(db, "allow"))
        rc =
            sqlite3_exec(db, "ALTER TABLE main.ml_versions ADD COLUMN allow TEXT", NULL, NULL, msg);
    if (rc == SQLITE_OK) rc = remove_metrics_check(db, msg);
    return rc;
}
