/*
 * sql_upgrade.c - the upgrade of a registry made by an earlier schema, written as SQL text:
 * ml_registry_sql() (sql_registry.c) puts these statements before sql/registry.sql in the script
 * it returns. Nothing here writes: the script runs later, as statements of the client's own.
 *
 * What needs more than registry.sql's CREATE ... IF NOT EXISTS:
 *   PK_REG_UPGRADE_EVENTS   ml_events exists but its guard trigger does not (the first schema):
 *                           ml_events is rebuilt with ids 1..n in their old order (a written id
 *                           such as 9223372036854775807 would exhaust AUTOINCREMENT);
 *   PK_REG_UPGRADE_COLUMNS  ml_versions lacks the supported/reason columns (schemas before the
 *                           catalogue): they are added, and filled for every stored version from
 *                           ml_pickle_meta, computed while the script is written (one literal
 *                           UPDATE per version, which touches only a version still without a
 *                           value). A stored pickle the current verdict refuses keeps
 *                           supported = 0 and the refusal as reason;
 *   PK_REG_UPGRADE_ALLOW    ml_versions lacks the allow column (schemas before allowances): it is
 *                           added, NULL for every stored version (none was stored under one);
 *   PK_REG_UPGRADE_TRIGGERS a trigger or view of the registry differs from the current schema's
 *                           (it was made by an earlier one).
 * Any upgrade drops the registry's triggers and views first (registry.sql then creates the
 * current ones, which refer to the new columns), and removes the json_valid() CHECK the first
 * schema put on ml_versions.metrics (it made the database unreadable under trusted_schema=OFF; a
 * trigger checks metrics now). Removing a CHECK constraint changes no stored data: the table's
 * CREATE statement is edited with writable_schema, as SQLite documents for such changes, and a
 * throw-away table is created and dropped so the schema cookie moves on by SQLite's own increment.
 */
#include "sql_registry.h"

SQLITE_EXTENSION_INIT3

#include <string.h>

static const char events_sql[] =
    "CREATE TEMP TABLE ml_upgrade_events AS SELECT at, name, version, alias, event, detail\n"
    "  FROM main.ml_events ORDER BY id;\n"
    "DROP TABLE main.ml_events;\n"
    "CREATE TABLE main.ml_events (\n"
    "    id      INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),\n"
    "    name    TEXT NOT NULL,\n"
    "    version INTEGER,\n"
    "    alias   TEXT,\n"
    "    event   TEXT NOT NULL,\n"
    "    detail  TEXT\n"
    ");\n"
    "INSERT INTO main.ml_events(at, name, version, alias, event, detail)\n"
    "  SELECT at, name, version, alias, event, detail FROM temp.ml_upgrade_events ORDER BY rowid;\n"
    "DROP TABLE temp.ml_upgrade_events;\n";

#define METRICS_CHECK "TEXT CHECK (metrics IS NULL OR json_valid(metrics))"

static const char metrics_check_sql[] =
    "PRAGMA writable_schema = ON;\n"
    "UPDATE main.sqlite_master SET sql = replace(sql, '" METRICS_CHECK "', 'TEXT')\n"
    " WHERE type = 'table' AND name = 'ml_versions';\n"
    "PRAGMA writable_schema = OFF;\n"
    "CREATE TABLE main.ml_upgrade_cookie(x);\n"
    "DROP TABLE main.ml_upgrade_cookie;\n";

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

/* Records a failure of `db` in *msg (when not set yet) and returns rc. */
static int fail(sqlite3 *db, int rc, char **msg) {
    if (!*msg) *msg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    return rc;
}

/* DROP statements for every trigger and view of the registry. */
static int drops_sql(sqlite3 *db, sqlite3_str *out, char **msg) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT type, name FROM main.sqlite_master WHERE type IN "
                                "('trigger', 'view') AND name LIKE 'ml\\_%' ESCAPE '\\' "
                                "ORDER BY type, name",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return fail(db, rc, msg);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        sqlite3_str_appendf(out, "DROP %s IF EXISTS main.\"%w\";\n",
                            (const char *)sqlite3_column_text(st, 0),
                            (const char *)sqlite3_column_text(st, 1));
    if (rc != SQLITE_DONE) fail(db, rc, msg);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The refusal of ml_pickle_meta without its "ml_registry: cannot register model '<name>': "
 * prefix (the version is registered already): "the pickle names code that ...". */
static const char *refusal_text(const char *msg) {
    const char *p = strstr(msg, "cannot register model '");
    const char *q = p ? strstr(p, "': ") : NULL;
    return q ? q + 3 : msg;
}

/* One UPDATE per stored version setting supported/reason as a registration would have, computed
 * now from ml_pickle_meta, one version at a time (by rowid). */
static int fill_support_sql(sqlite3 *db, sqlite3_str *out, char **msg) {
    sqlite3_stmt *next = NULL, *meta = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT rowid FROM main.ml_versions WHERE rowid > ?1 "
                                "ORDER BY rowid LIMIT 1",
                                -1, &next, NULL);
    if (rc == SQLITE_OK)
        rc =
            sqlite3_prepare_v2(db,
                               "SELECT json_extract(j, '$.supported'), json_extract(j, '$.reason') "
                               "  FROM (SELECT ml_pickle_meta(pickle, name) AS j "
                               "          FROM main.ml_versions WHERE rowid = ?1)",
                               -1, &meta, NULL);
    if (rc != SQLITE_OK) fail(db, rc, msg);
    sqlite3_int64 last = -1;
    while (rc == SQLITE_OK) {
        sqlite3_bind_int64(next, 1, last);
        int s = sqlite3_step(next);
        if (s != SQLITE_ROW) {
            rc = s == SQLITE_DONE ? SQLITE_OK : fail(db, s, msg);
            break;
        }
        last = sqlite3_column_int64(next, 0);
        sqlite3_reset(next);
        sqlite3_bind_int64(meta, 1, last);
        s = sqlite3_step(meta);
        if (s == SQLITE_ROW)
            sqlite3_str_appendf(out,
                                "UPDATE main.ml_versions SET supported = %d, reason = %Q "
                                "WHERE rowid = %lld AND supported IS NULL;\n",
                                sqlite3_column_int(meta, 0),
                                (const char *)sqlite3_column_text(meta, 1), (long long)last);
        else if (s == SQLITE_ERROR || s == SQLITE_TOOBIG)
            /* refused by the current verdict, or does not decode: not scorable, and why */
            sqlite3_str_appendf(out,
                                "UPDATE main.ml_versions SET supported = 0, reason = %Q "
                                "WHERE rowid = %lld AND supported IS NULL;\n",
                                refusal_text(sqlite3_errmsg(db)), (long long)last);
        else
            rc = fail(db, s, msg); /* out of memory, interrupted, I/O error */
        sqlite3_reset(meta);
    }
    sqlite3_finalize(next);
    sqlite3_finalize(meta);
    return rc;
}

int pk_reg_upgrade_sql(sqlite3 *db, int what, sqlite3_str *out, char **msg) {
    sqlite3_str_appendall(out, "-- upgrade of a registry made by an earlier schema\n");
    int rc = drops_sql(db, out, msg);
    if (rc == SQLITE_OK && (what & PK_REG_UPGRADE_EVENTS)) sqlite3_str_appendall(out, events_sql);
    if (rc == SQLITE_OK && (what & PK_REG_UPGRADE_COLUMNS)) {
        if (!has_column(db, "supported"))
            sqlite3_str_appendall(out, "ALTER TABLE main.ml_versions ADD COLUMN supported "
                                       "INTEGER;\n");
        if (!has_column(db, "reason"))
            sqlite3_str_appendall(out, "ALTER TABLE main.ml_versions ADD COLUMN reason TEXT;\n");
        rc = fill_support_sql(db, out, msg);
    }
    if (rc == SQLITE_OK && (what & PK_REG_UPGRADE_ALLOW) && !has_column(db, "allow"))
        sqlite3_str_appendall(out, "ALTER TABLE main.ml_versions ADD COLUMN allow TEXT;\n");
    if (rc == SQLITE_OK &&
        query_true(db, "SELECT count(*) > 0 FROM main.sqlite_master WHERE type = 'table' AND "
                       "name = 'ml_versions' AND instr(sql, '" METRICS_CHECK "') > 0"))
        sqlite3_str_appendall(out, metrics_check_sql);
    return rc;
}
