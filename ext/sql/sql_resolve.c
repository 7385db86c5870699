/*
 * sql_resolve.c - registry references for the model_* functions and ml_resolve():
 * 'churn', 'churn/3', 'churn/latest', 'churn@production', 'churn@v3', 'churn@latest', each
 * optionally prefixed by 'models:/'.
 *
 * A reference is resolved by one SELECT that reads the model row, the alias and the version
 * together, so they come from one read snapshot: the statement's own read transaction when the
 * calling statement holds one (it reads a table of the main database, or runs inside BEGIN ...
 * COMMIT), else a read transaction of its own. The answer is the version number and the SHA-256
 * of the version's content (the sha256 column, which the registry computes from the pickle and
 * never lets change); sql_model.c keys its compiled models by that hash. Loading the pickle
 * (only when no compiled model has that hash) re-hashes the content and refuses a mismatch, so
 * a cache entry always holds the model of the bytes its key names.
 *
 * Any failure of the lookup (no registry, no such model, BUSY, interrupt, I/O error) is
 * reported as the calling function's error: it is never taken as "nothing changed".
 *
 * Resolutions are cached per connection (the model_* functions; ml_resolve always looks up).
 * Preparing the SELECT is most of a lookup's cost, so a cached answer is reused while the main
 * database's content provably has not changed since it was read, judged by the pager's data
 * version (SQLITE_FCNTL_DATA_VERSION: it changes with every commit, this connection's own
 * included, and whenever a read transaction finds another connection's commit):
 *   - while the calling statement or transaction holds a read transaction on main, the data
 *     version of its snapshot is current: one file-control call, no statement, no lock;
 *   - with no transaction open (a statement reading no table of main, in autocommit), the latest
 *     commit must be seen: "PRAGMA main.data_version" is prepared and stepped to start a read
 *     transaction (taking the shared lock as the lookup itself would, so BUSY is an error as
 *     before), and the version read while it is open;
 *   - while this connection has a write transaction open on main, its own uncommitted changes
 *     (which a ROLLBACK undoes without changing the data version) may be visible: nothing is
 *     taken from the cache nor put into it.
 * A cached answer was read at the data version it is stored with (read while the lookup's own
 * statement was open), so an equal version means the same committed registry. Only successful
 * lookups are cached; a changed version drops them all.
 */
#include "sql_funcs.h"
#include "sql_registry.h"

SQLITE_EXTENSION_INIT3

#include "pk_inflate.h"
#include "pk_sha256.h"

#include <string.h>

/* A parsed reference: name[0..name_len), and which version. */
typedef struct reg_ref {
    const char *name;
    size_t name_len;
    const char *alias; /* NULL unless name@alias with a non-reserved alias */
    size_t alias_len;
    int64_t version; /* > 0: that version; 0: latest live */
} reg_ref;

/* Parses ref into r. Returns NULL, or a sqlite3_malloc'd message (or "" when out of memory:
 * the caller checks for an empty string). */
static char *parse_ref(const char *ref, reg_ref *r) {
    memset(r, 0, sizeof *r);
    const char *s = ref;
    if (strncmp(s, "models:/", 8) == 0) s += 8;
    size_t n = strlen(s);
    const char *at = memchr(s, '@', n);
    const char *slash = at ? NULL : strrchr(s, '/');
    r->name = s;
    r->name_len = at ? (size_t)(at - s) : slash ? (size_t)(slash - s) : n;
    if (!pk_reg_valid_ident(r->name, r->name_len, 1))
        return sqlite3_mprintf("'%q' is not a model reference: use 'name', 'name/<version>', "
                               "'name@<alias>' (optionally prefixed by 'models:/')",
                               ref);
    if (at) {
        const char *a = at + 1;
        size_t alen = n - (size_t)(a - s);
        int64_t v;
        if (pk_reg_reserved_alias(a, alen, &v)) {
            r->version = v < 0 ? 0 : v;
            if (v == 0) return sqlite3_mprintf("model reference '%q': no version 0", ref);
            return NULL;
        }
        if (!pk_reg_valid_ident(a, alen, 0))
            return sqlite3_mprintf("model reference '%q': invalid alias", ref);
        r->alias = a;
        r->alias_len = alen;
        return NULL;
    }
    if (slash) {
        const char *v = slash + 1;
        size_t vlen = n - (size_t)(v - s);
        if (vlen == 6 && strncmp(v, "latest", 6) == 0) return NULL;
        int64_t num = 0;
        int ok = vlen > 0 && vlen <= 18;
        for (size_t i = 0; ok && i < vlen; i++) {
            if (v[i] < '0' || v[i] > '9')
                ok = 0;
            else
                num = num * 10 + (v[i] - '0');
        }
        if (!ok || num == 0)
            return sqlite3_mprintf("model reference '%q': the version must be a positive number "
                                   "or 'latest'",
                                   ref);
        r->version = num;
    }
    return NULL;
}

/* One row, always: whether the model exists, whether the alias exists (1 when the reference
 * names no alias), the version it resolves to, whether that version row exists, its sha256 and
 * whether it is deleted. ?1 name, ?2 alias or version number. */
static const char sql_alias[] =
    "SELECT m.name IS NOT NULL, a.version IS NOT NULL, a.version, v.version IS NOT NULL, "
    "       v.sha256, v.deleted_at IS NOT NULL "
    "  FROM (SELECT 1) AS one "
    "  LEFT JOIN main.ml_models AS m ON m.name = ?1 "
    "  LEFT JOIN main.ml_aliases AS a ON a.name = ?1 AND a.alias = ?2 "
    "  LEFT JOIN main.ml_versions AS v ON v.name = ?1 AND v.version = a.version";
static const char sql_version[] =
    "SELECT m.name IS NOT NULL, 1, ?2, v.version IS NOT NULL, v.sha256, "
    "       v.deleted_at IS NOT NULL "
    "  FROM (SELECT 1) AS one "
    "  LEFT JOIN main.ml_models AS m ON m.name = ?1 "
    "  LEFT JOIN main.ml_versions AS v ON v.name = ?1 AND v.version = ?2";
static const char sql_latest[] =
    "SELECT m.name IS NOT NULL, 1, v.version, v.version IS NOT NULL, v.sha256, "
    "       v.deleted_at IS NOT NULL "
    "  FROM (SELECT 1) AS one "
    "  LEFT JOIN main.ml_models AS m ON m.name = ?1 "
    "  LEFT JOIN main.ml_versions AS v ON v.name = ?1 AND v.version = "
    "       (SELECT max(version) FROM main.ml_versions WHERE name = ?1 AND deleted_at IS NULL)";

/* The error of a failed prepare or step on the registry. */
static void lookup_error(sqlite3_context *ctx, const char *fname, sqlite3 *db, int rc) {
    const char *e = sqlite3_errmsg(db);
    if (strstr(e, "no such table")) {
        pk_sql_errorf(
            ctx, fname,
            "the registry is not initialised: run the statements of SELECT ml_registry_sql()");
        return;
    }
    if (rc == SQLITE_NOMEM) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    pk_sql_errorf(ctx, fname, "registry lookup failed: %s", e);
    /* keep the cause's code (SQLITE_BUSY, SQLITE_INTERRUPT, ...) for the caller */
    sqlite3_result_error_code(ctx, rc);
}

/* ---- the per-connection cache --------------------------------------------------------------- */

#define RC_SLOTS 16

typedef struct rc_slot {
    char *ref; /* the reference text as given (sqlite3_malloc'd), NULL when free */
    size_t len;
    pk_reg_hit hit;
} rc_slot;

typedef struct rc_cache {
    unsigned dv; /* the data version every slot was read at */
    int next;    /* the slot to replace next (round robin) */
    rc_slot slot[RC_SLOTS];
} rc_cache;

static void rc_clear(rc_cache *c) {
    for (int i = 0; i < RC_SLOTS; i++) {
        sqlite3_free(c->slot[i].ref);
        c->slot[i].ref = NULL;
    }
    c->next = 0;
}

void pk_resolve_cache_free(void *p) {
    rc_cache *c = p;
    if (!c) return;
    rc_clear(c);
    sqlite3_free(c);
}

static rc_cache *rc_get(sqlite3_context *ctx) {
    pk_conn_state *st = sqlite3_user_data(ctx);
    if (!st) return NULL;
    if (!st->resolve_cache) {
        rc_cache *c = sqlite3_malloc64(sizeof *c);
        if (!c) return NULL; /* no cache: every lookup runs the SELECT */
        memset(c, 0, sizeof *c);
        st->resolve_cache = c;
    }
    return st->resolve_cache;
}

static unsigned data_version(sqlite3 *db) {
    unsigned v = 0;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK) v = 0;
    return v;
}

/* The current data version of main with no transaction open: starts a read transaction with
 * "PRAGMA main.data_version" and reads the pager's version while it is open. Returns 1, or 0
 * after reporting the failure (BUSY, I/O error...). */
static int fresh_data_version(sqlite3_context *ctx, const char *fname, sqlite3 *db, unsigned *dv) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA main.data_version", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        lookup_error(ctx, fname, db, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
        sqlite3_finalize(st);
        return 0;
    }
    *dv = data_version(db);
    sqlite3_finalize(st);
    return 1;
}

static rc_slot *rc_find(rc_cache *c, const char *ref, size_t len) {
    for (int i = 0; i < RC_SLOTS; i++)
        if (c->slot[i].ref && c->slot[i].len == len && memcmp(c->slot[i].ref, ref, len) == 0)
            return &c->slot[i];
    return NULL;
}

static void rc_put(rc_cache *c, const char *ref, size_t len, const pk_reg_hit *hit) {
    char *copy = sqlite3_malloc64(len + 1);
    if (!copy) return; /* not cached: looked up again next time */
    memcpy(copy, ref, len + 1);
    rc_slot *s = &c->slot[c->next];
    c->next = (c->next + 1) % RC_SLOTS;
    sqlite3_free(s->ref);
    s->ref = copy;
    s->len = len;
    s->hit = *hit;
}

/* The lookup itself (one SELECT). *dv receives the data version of the snapshot it read. */
static int resolve(sqlite3_context *ctx, const char *fname, const char *ref, pk_reg_hit *hit,
                   unsigned *dv) {
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    reg_ref r;
    char *msg = parse_ref(ref, &r);
    if (msg) {
        pk_sql_errorf(ctx, fname, "%s", msg);
        sqlite3_free(msg);
        return 0;
    }
    const char *sql = r.alias ? sql_alias : r.version > 0 ? sql_version : sql_latest;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        lookup_error(ctx, fname, db, rc);
        sqlite3_finalize(st);
        return 0;
    }
    int nl = (int)r.name_len;
    sqlite3_bind_text(st, 1, r.name, nl, SQLITE_STATIC);
    if (r.alias)
        sqlite3_bind_text(st, 2, r.alias, (int)r.alias_len, SQLITE_STATIC);
    else if (r.version > 0)
        sqlite3_bind_int64(st, 2, r.version);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        /* always one row when the lookup works */
        lookup_error(ctx, fname, db, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
        sqlite3_finalize(st);
        return 0;
    }
    int model = sqlite3_column_int(st, 0), alias = sqlite3_column_int(st, 1);
    int64_t version = sqlite3_column_int64(st, 2);
    int row = sqlite3_column_int(st, 3), deleted = sqlite3_column_int(st, 5);
    const char *sha = (const char *)sqlite3_column_text(st, 4);
    *dv = data_version(db); /* while the statement holds its read transaction */
    int ok = 0;
    if (!model)
        pk_sql_errorf(ctx, fname, "no model named '%.*s' in the registry", nl, r.name);
    else if (!alias)
        pk_sql_errorf(ctx, fname, "model '%.*s' has no alias '%.*s'", nl, r.name, (int)r.alias_len,
                      r.alias);
    else if (!row && r.alias == NULL && r.version == 0)
        pk_sql_errorf(ctx, fname, "model '%.*s' has no live version", nl, r.name);
    else if (!row)
        pk_sql_errorf(ctx, fname, "model '%.*s' has no version %lld", nl, r.name,
                      (long long)version);
    else if (deleted)
        pk_sql_errorf(ctx, fname, "version %lld of model '%.*s' was deleted", (long long)version,
                      nl, r.name);
    else if (!sha || strlen(sha) != PK_SHA256_HEX - 1)
        pk_sql_errorf(ctx, fname, "version %lld of model '%.*s' has no valid sha256",
                      (long long)version, nl, r.name);
    else {
        hit->version = version;
        memcpy(hit->sha256, sha, PK_SHA256_HEX);
        ok = 1;
    }
    sqlite3_finalize(st);
    return ok;
}

/* Resolves through the connection's cache where the rules at the top allow it. */
static int cached_resolve(sqlite3_context *ctx, const char *fname, const char *ref,
                          pk_reg_hit *hit) {
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    rc_cache *c = rc_get(ctx);
    int txn = sqlite3_txn_state(db, "main");
    unsigned dv;
    if (!c || txn == SQLITE_TXN_WRITE || txn < 0) return resolve(ctx, fname, ref, hit, &dv);
    if (txn == SQLITE_TXN_NONE) {
        if (!fresh_data_version(ctx, fname, db, &dv)) return 0;
    } else {
        dv = data_version(db);
    }
    size_t len = strlen(ref);
    if (dv == c->dv) {
        const rc_slot *s = rc_find(c, ref, len);
        if (s) {
            *hit = s->hit;
            return 1;
        }
    }
    unsigned read_at;
    if (!resolve(ctx, fname, ref, hit, &read_at)) return 0;
    if (read_at != c->dv) {
        rc_clear(c);
        c->dv = read_at;
    }
    rc_put(c, ref, len, hit);
    return 1;
}

int pk_registry_resolve(sqlite3_context *ctx, const char *fname, const char *ref, pk_reg_hit *hit) {
    if (!pk_reg_enter(ctx, fname)) return 0;
    int ok = cached_resolve(ctx, fname, ref, hit);
    pk_reg_leave(ctx);
    return ok;
}

int pk_registry_load(sqlite3_context *ctx, const char *fname, const char *ref,
                     const pk_reg_hit *hit, void **blob, size_t *n) {
    *blob = NULL;
    *n = 0;
    reg_ref r;
    char *msg = parse_ref(ref, &r);
    if (msg) { /* resolved before: cannot happen */
        pk_sql_errorf(ctx, fname, "%s", msg);
        sqlite3_free(msg);
        return 0;
    }
    if (!pk_reg_enter(ctx, fname)) return 0;
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    sqlite3_stmt *st = NULL;
    int ok = 0;
    int rc = sqlite3_prepare_v2(
        db, "SELECT pickle FROM main.ml_versions WHERE name = ?1 AND version = ?2", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, r.name, (int)r.name_len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, hit->version);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        const uint8_t *p = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        if (!p) p = (const uint8_t *)"";
        const uint8_t *content;
        size_t clen;
        uint8_t *owned;
        if (!pk_reg_pickle_content(ctx, fname, p, len, &content, &clen, &owned)) {
            char hex[PK_SHA256_HEX];
            pk_sha256_hex(content, clen, hex);
            sqlite3_free(owned);
            if (strcmp(hex, hit->sha256) != 0) {
                pk_sql_errorf(ctx, fname,
                              "version %lld of model '%.*s': the stored pickle does not match "
                              "its sha256 (the database was altered outside the registry)",
                              (long long)hit->version, (int)r.name_len, r.name);
            } else {
                *blob = sqlite3_malloc64(len ? len : 1);
                if (!*blob) {
                    sqlite3_result_error_nomem(ctx);
                } else {
                    if (len) memcpy(*blob, p, len);
                    *n = len;
                    ok = 1;
                }
            }
        }
    } else if (rc == SQLITE_DONE) {
        pk_sql_errorf(ctx, fname, "version %lld of model '%.*s' disappeared while being loaded",
                      (long long)hit->version, (int)r.name_len, r.name);
    } else {
        lookup_error(ctx, fname, db, rc);
    }
    sqlite3_finalize(st);
    pk_reg_leave(ctx);
    return ok;
}

/* ml_resolve(ref) -> the version number `ref` resolves to, as the model_* functions resolve it;
 * an error naming what is missing otherwise. NULL for NULL. Reads the registry by name:
 * DIRECTONLY. */
void pk_fn_ml_resolve(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    const char *ref = (const char *)sqlite3_value_text(argv[0]);
    if (!ref) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    pk_reg_hit hit;
    if (pk_registry_resolve(ctx, "ml_resolve", ref, &hit)) sqlite3_result_int64(ctx, hit.version);
}
