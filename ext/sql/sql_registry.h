/*
 * sql_registry.h - the model registry's glue shared by sql_registry.c (schema, trigger helpers),
 * sql_upgrade.c (upgrades of older registries), sql_events.c (ml_events writer) and
 * sql_resolve.c (registry references for model_*).
 *
 * A model argument given as TEXT names a registry entry (docs/registry.md): 'name' (latest live
 * version), 'name/3', 'name@alias', each optionally prefixed by 'models:/'. The registry tables are
 * those of sql/registry.sql (the script of ml_registry_sql()), always those of the "main" schema.
 */
#ifndef SQL_REGISTRY_H
#define SQL_REGISTRY_H

#include "pk_sha256.h"
#include "sql_util.h"

/* A resolved reference: the version and the SHA-256 (hex) of its pickle's content. */
typedef struct pk_reg_hit {
    int64_t version;
    char sha256[PK_SHA256_HEX];
} pk_reg_hit;

/* Resolves `ref` with one SELECT (alias, version and model read in one snapshot) to a live
 * version and its content hash. Returns 1, or 0 after reporting on ctx "<fname>: <why>" (no such
 * model / alias / version, deleted, registry not initialised, the lookup failed: BUSY,
 * interrupt, I/O error...). Refuses to run while the extension is already reading the registry
 * on this connection (pk_reg_enter). */
int pk_registry_resolve(sqlite3_context *ctx, const char *fname, const char *ref, pk_reg_hit *hit);

/* Frees a connection's cache of resolved references (NULL accepted); called on close. */
void pk_resolve_cache_free(void *cache);

/* Loads the stored pickle of a resolved reference and checks that its content hashes to
 * hit->sha256. Returns 1 with *blob (sqlite3_malloc'd, the stored bytes: possibly a zstd frame)
 * and *n, or 0 after reporting on ctx. */
int pk_registry_load(sqlite3_context *ctx, const char *fname, const char *ref,
                     const pk_reg_hit *hit, void **blob, size_t *n);

/* Re-entrancy guard for every function that runs SQL of its own on the registry: returns 1 and
 * marks the connection busy, or 0 after reporting "<fname>: the registry was re-entered ..."
 * when it already is (a crafted schema whose registry tables call the extension). Pair each
 * success with pk_reg_leave. */
int pk_reg_enter(sqlite3_context *ctx, const char *fname);
void pk_reg_leave(sqlite3_context *ctx);

/* Upgrades of a registry made by an earlier schema (sql_upgrade.c): pk_reg_needs_upgrade gives
 * the set of PK_REG_UPGRADE_* the main database's registry needs in its tables (0: none; the
 * comparison of triggers and views, PK_REG_UPGRADE_TRIGGERS, is sql_registry.c's);
 * pk_reg_upgrade_sql appends the statements that apply `what` to *out. It only reads: returns
 * SQLITE_OK, or an error code with *msg set (sqlite3_malloc'd). */
#define PK_REG_UPGRADE_EVENTS   1 /* ml_events without its guard, metrics with a json_valid CHECK */
#define PK_REG_UPGRADE_COLUMNS  2 /* ml_versions without supported/reason                        */
#define PK_REG_UPGRADE_ALLOW    4 /* ml_versions without allow                                   */
#define PK_REG_UPGRADE_TRIGGERS 8 /* a trigger or view differs from the current schema's */
int pk_reg_needs_upgrade(sqlite3 *db);
int pk_reg_upgrade_sql(sqlite3 *db, int what, sqlite3_str *out, char **msg);

/* Helpers of sql_registry.c used by the other registry files. */
int pk_reg_valid_ident(const char *s, size_t n, int allow_dot);
int pk_reg_reserved_alias(const char *s, size_t n, int64_t *version);
char *pk_reg_query_text(sqlite3 *db, const char *sql);
char *pk_reg_now(sqlite3 *db);
int pk_reg_pickle_content(sqlite3_context *ctx, const char *fname, const uint8_t *buf, size_t n,
                          const uint8_t **content, size_t *len, uint8_t **owned);

#endif /* SQL_REGISTRY_H */
