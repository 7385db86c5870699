/*
 * sql_util.h - shared glue between SQLite values and the core.
 *
 * Everything here may include sqlite3ext.h; the core may not. The SQLite API is reached through
 * the `sqlite3_api` pointer that SQLITE_EXTENSION_INIT1 defines in pickle_ext.c (every glue file
 * uses SQLITE_EXTENSION_INIT3).
 */
#ifndef SQL_UTIL_H
#define SQL_UTIL_H

#include <sqlite3ext.h>

#include "pk.h"
#include "pk_doc.h"
#include "pk_err.h"

/* The allocator handed to the core: sqlite3_malloc64 / sqlite3_realloc64 / sqlite3_free. */
extern const pk_alloc pk_sql_alloc;

/* Core limits for a call: the connection's limits (pickle_ext_limit; the core defaults until
 * changed), with max_inflate and max_output capped by the connection's SQLITE_LIMIT_LENGTH. */
void pk_sql_limits(sqlite3_context *ctx, pk_limits *lim);

/* The same for code without a function context (virtual tables): `st` may be NULL. */
struct pk_conn_state;
void pk_sql_limits_db(sqlite3 *db, const struct pk_conn_state *st, pk_limits *lim);

/* Reports err as the SQL function's error: "<fname>: <err->msg>", with SQLITE_NOMEM for
 * PK_ENOMEM and SQLITE_TOOBIG for output limits. */
void pk_sql_error(sqlite3_context *ctx, const char *fname, const pk_err *err);

/* Reports a formatted error "<fname>: <message>". */
void pk_sql_errorf(sqlite3_context *ctx, const char *fname, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The bytes of a non-NULL BLOB (or TEXT, taken as its bytes) argument v. Returns 1 with *buf
 * (never NULL) and *n set, or 0 after reporting "<fname>: argument <argno> is an INTEGER, not
 * <noun>" (noun: "a pickle BLOB", "a BLOB") or out of memory. */
int pk_sql_bytes_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, int argno,
                     const char *noun, const uint8_t **buf, size_t *n);

/* Inputs up to this size are copied (and cached for the statement); larger ones are borrowed. */
#define PK_SQL_COPY_MAX (1u << 20)

/* Decodes the pickle argument argv[arg] (BLOB; TEXT is taken as its bytes). Returns NULL with
 * *is_null = 1 and no error when it is SQL NULL; NULL with the error reported on failure.
 * The document may come from the statement's auxdata cache (a constant argument is decoded once
 * per statement). Every non-NULL return must be passed to pk_sql_doc_done(ctx, arg, doc) as the
 * function's last use of it: that hands a fresh doc to the cache (or frees it); the caller never
 * frees it itself. */
pk_doc *pk_sql_doc_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, int arg,
                       int *is_null);
void pk_sql_doc_done(sqlite3_context *ctx, int arg, pk_doc *doc);

/* Sets the result to the SQL form of a value (docs/sql-functions.md, pickle_get): numbers, text,
 * blobs, NULL; containers and objects as JSON text with the JSON subtype. */
void pk_sql_result_value(sqlite3_context *ctx, const char *fname, const pk_value *v,
                         const char *path, const pk_limits *lim);

/* Sets the result to the JSON text of v (pickle_json), or the error. flags: pk_json_write_flags'
 * (0: strict JSON). */
void pk_sql_result_as_json(sqlite3_context *ctx, const char *fname, const pk_value *v,
                           const char *path, const pk_limits *lim, unsigned flags);

/* Hands b's content to SQLite as JSON text (b is left empty), or reports out of memory. */
struct pk_buf;
void pk_sql_result_buf_json(sqlite3_context *ctx, struct pk_buf *b);

/* Result: JSON text (owned buffer handed to SQLite) with subtype 'J' (74), as json() sets it. */
void pk_sql_result_json(sqlite3_context *ctx, uint8_t *text, size_t len);
#define PK_JSON_SUBTYPE 74

/* Per-connection state, created when the extension is loaded into a connection and freed when
 * the connection closes. Every function receives it as sqlite3_user_data(ctx) (the table's
 * `conn` flag documents which ones depend on it beyond the limits). Each subsystem owns its slot
 * and its free function. */
/* The client data of the pickle_each / pickle_tree virtual-table modules. */
typedef struct pk_each_aux {
    struct pk_conn_state *st;
    int tree;
} pk_each_aux;

typedef struct pk_conn_state {
    sqlite3 *db;
    pk_limits limits;                      /* set with pickle_ext_limit() */
    void *model_cache;                     /* owned by sql_model.c */
    pk_each_aux each_aux[2];               /* sql_each.c: pickle_each / pickle_tree modules */
    void (*model_cache_free)(void *cache); /* called on close when model_cache != NULL */
    void *resolve_cache;                   /* sql_resolve.c: references already resolved */
    /* sql_registry.c / sql_events.c: the registry's connection-level state */
    int reg_depth;        /* > 0 while the extension runs SQL of its own on the registry */
    int event_writing;    /* > 0 while ml_log() inserts into ml_events */
    char *alias_prev_key; /* ml_alias_prev's slot: "name\x1falias" (sqlite3_malloc'd) */
    int64_t alias_prev_version;
    int alias_prev_null; /* the alias had no row before the insert */
} pk_conn_state;

/* Registration table entry (pickle_ext.c). */
typedef struct pk_sql_func {
    const char *name;
    int nargs; /* -1 = variadic */
    int flags; /* SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS | ... */
    int conn;  /* 1: user data is the connection's pk_conn_state */
    void (*xFunc)(sqlite3_context *, int, sqlite3_value **);
    void (*xStep)(sqlite3_context *, int, sqlite3_value **);
    void (*xFinal)(sqlite3_context *);
} pk_sql_func;

#endif /* SQL_UTIL_H */
