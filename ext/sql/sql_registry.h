/*
 * sql_registry.h - resolving registry model references (used by the model_* functions).
 *
 * A model argument given as TEXT names a registry entry (docs/registry.md, "Scoring by name"):
 * 'name' (latest live version), 'name/3', 'name@alias', each optionally prefixed by 'models:/'. The
 * registry tables are those of sql/registry.sql (created by ml_registry_init()).
 */
#ifndef SQL_REGISTRY_H
#define SQL_REGISTRY_H

#include "sql_util.h"

/* Looks up `ref` in the registry of db. On success returns SQLITE_OK and sets *blob (allocated
 * with sqlite3_malloc64, owned by the caller: sqlite3_free it), *n (its size: the stored pickle,
 * possibly zstd-compressed; pk_doc_decode accepts both), and *version (the resolved version).
 * On failure returns an SQLite code and sets *errmsg (sqlite3_malloc'd, e.g. "no model named
 * 'churn' in the registry", "model 'churn' has no alias 'production'", "the registry is not
 * initialised: run SELECT ml_registry_init()").
 * `data_version` receives PRAGMA data_version-like state so callers can cache by
 * (ref, data_version): see pk_registry_generation. */
int pk_registry_fetch(sqlite3 *db, const char *ref, void **blob, size_t *n, int64_t *version,
                      char **errmsg);

/* A number that changes whenever the registry may have changed, for this connection's own
 * writes and other connections' commits alike. Compiled-model caches keyed by registry name
 * compare it. (Implementation: a hash of the last ml_events row, which every registry change
 * appends in its own transaction; so it also moves back on ROLLBACK and ignores writes to other
 * tables. 0 when there is no registry.) */
int64_t pk_registry_generation(sqlite3 *db);

#endif /* SQL_REGISTRY_H */
