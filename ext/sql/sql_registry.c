/*
 * sql_registry.c - the model registry's glue: ml_registry_init(), the helper functions its
 * triggers call, pickle_sha256(), and resolving registry references for the model_* functions
 * (sql_registry.h).
 *
 * How it works: the schema is sql/registry.sql, embedded at build time as pk_registry_sql
 * (dist/gen/registry_sql.h, made by scripts/embed.sh); ml_registry_init() runs it inside a
 * savepoint. Every rule of the registry lives in that file's triggers; the functions here only
 * give the triggers what plain SQL lacks in SQLite 3.3x: error messages built at run time
 * (ml_error: RAISE() takes only a literal before 3.47), name checks without REGEXP, a clock tests
 * can pin, and one decode of a pickle giving its hash and derived columns (ml_pickle_meta).
 *
 * Limits: names and aliases are at most 200 bytes. A registry reference is resolved against the
 * "main" schema only. The sha256 of a stored pickle is that of its content: a zstd frame is
 * inflated first (bounded by the connection's length limit), so it matches
 * hashlib.sha256(open('model.pkl', 'rb').read()).
 */
#include "sql_funcs.h"
#include "sql_registry.h"

SQLITE_EXTENSION_INIT3

#include "pk_buf.h"
#include "pk_inflate.h"
#include "pk_json.h"
#include "pk_sha256.h"
/* The embedded schema is one long string literal: longer than the 4095 bytes C99 requires
 * compilers to support, fine for every compiler we build with (GCC, Clang). */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
#endif
#include "registry_sql.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PK_REG_NAME_MAX     200
#define PK_REG_PARAMS_DEPTH 32

/* ---- names ------------------------------------------------------------------------------- */

/* 1 when s[0..n) is 1..200 bytes of [A-Za-z0-9_-], plus '.' when allow_dot. */
static int valid_ident(const char *s, size_t n, int allow_dot) {
    if (n == 0 || n > PK_REG_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || (allow_dot && c == '.');
        if (!ok) return 0;
    }
    return 1;
}

/* 1 when s[0..n) is a reserved alias: 'latest' or v<digits> (any case). Sets *version for the
 * latter (0 when the digits overflow). */
static int reserved_alias(const char *s, size_t n, int64_t *version) {
    *version = -1;
    if (n == 6 && sqlite3_strnicmp(s, "latest", 6) == 0) return 1;
    if (n >= 2 && (s[0] == 'v' || s[0] == 'V')) {
        int64_t v = 0;
        int overflow = 0;
        for (size_t i = 1; i < n; i++) {
            if (s[i] < '0' || s[i] > '9') return 0;
            if (v > (INT64_MAX - 9) / 10)
                overflow = 1;
            else
                v = v * 10 + (s[i] - '0');
        }
        *version = overflow ? 0 : v; /* overflow: reserved, and no such version */
        return 1;
    }
    return 0;
}

/* ml_check_name(name) -> name, or an error naming the rule. Used by the triggers. */
void pk_fn_ml_check_name(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || !s) {
        sqlite3_result_error(ctx, "ml_registry: a model name is required", -1);
        return;
    }
    if (!valid_ident(s, n, 1)) {
        char *m = sqlite3_mprintf("ml_registry: invalid model name '%q': a name is 1 to %d "
                                  "letters, digits, '_', '.' or '-'",
                                  s, PK_REG_NAME_MAX);
        sqlite3_result_error(ctx, m ? m : "ml_registry: invalid model name", -1);
        sqlite3_free(m);
        return;
    }
    sqlite3_result_value(ctx, argv[0]);
}

/* ml_check_alias(alias) -> alias, or an error: bad characters, or reserved. */
void pk_fn_ml_check_alias(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    char *m = NULL;
    int64_t v;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || !s)
        m = sqlite3_mprintf("ml_aliases: an alias is required");
    else if (!valid_ident(s, n, 0))
        m = sqlite3_mprintf("ml_aliases: invalid alias '%q': an alias is 1 to %d letters, "
                            "digits, '_' or '-'",
                            s, PK_REG_NAME_MAX);
    else if (reserved_alias(s, n, &v))
        m = sqlite3_mprintf("ml_aliases: '%q' is a reserved alias ('latest' is the newest live "
                            "version, v<N> is version N)",
                            s);
    else {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    sqlite3_result_error(ctx, m ? m : "ml_aliases: invalid alias", -1);
    sqlite3_free(m);
}

/* ml_error(message): always fails with `message` (RAISE with a computed message). */
void pk_fn_ml_error(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    sqlite3_result_error(ctx, s ? s : "ml_error", -1);
    sqlite3_result_error_code(ctx, SQLITE_CONSTRAINT);
}

/* ---- clock -------------------------------------------------------------------------------- */

/* Runs a one-value query; returns a sqlite3_malloc'd copy of its text, or NULL. */
static char *query_text(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        out = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* ml_now() -> 'YYYY-MM-DDTHH:MM:SS.SSSZ' (UTC), or the value in TEMP table ml_clock(now) when a
 * test created one. */
void pk_fn_ml_now(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    char *t = query_text(db, "SELECT now FROM temp.ml_clock LIMIT 1");
    if (!t) t = query_text(db, "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
    if (!t) {
        sqlite3_result_error(ctx, "ml_now: cannot read the clock", -1);
        return;
    }
    sqlite3_result_text(ctx, t, -1, sqlite3_free);
}

/* ---- content of a stored pickle ------------------------------------------------------------ */

/* The bytes a user registered: a zstd frame (how the registry stores pickles) is inflated, any
 * other input is itself. On success *content points at buf or at *owned (free it with
 * sqlite3_free). Returns 0, or reports the error on ctx and returns 1. */
static int pickle_content(sqlite3_context *ctx, const char *fname, const uint8_t *buf, size_t n,
                          const uint8_t **content, size_t *len, uint8_t **owned) {
    *owned = NULL;
    *content = buf;
    *len = n;
    if (pk_detect_compression(buf, n) != PK_COMP_ZSTD) return 0;
    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_err err;
    pk_err_clear(&err);
    if (pk_inflate(&pk_sql_alloc, PK_COMP_ZSTD, buf, n, lim.max_inflate, owned, len, &err) !=
        PK_OK) {
        pk_sql_error(ctx, fname, &err);
        return 1;
    }
    *content = *owned;
    return 0;
}

/* pickle_sha256(p) -> lowercase hex SHA-256 of the pickle's bytes (of the content of a zstd
 * frame); NULL for NULL. Does not decode the pickle. */
void pk_fn_pickle_sha256(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL) return;
    const uint8_t *buf;
    size_t n;
    if (!pk_sql_bytes_arg(ctx, "pickle_sha256", argv[0], 1, "a pickle BLOB", &buf, &n)) return;
    const uint8_t *content;
    size_t len;
    uint8_t *owned;
    if (pickle_content(ctx, "pickle_sha256", buf, n, &content, &len, &owned)) return;
    char hex[PK_SHA256_HEX];
    pk_sha256_hex(content, len, hex);
    sqlite3_free(owned);
    sqlite3_result_text(ctx, hex, 2 * PK_SHA256_DIGEST, SQLITE_TRANSIENT);
}

/* ---- derived columns ------------------------------------------------------------------------- */

/* Appends v's JSON: pk_json_write's strict form (NaN as null, infinities as +-9e999), which
 * SQLite's JSON functions accept in the derived columns. */
static pk_code json_strict(pk_buf *out, const pk_value *v, const pk_limits *lim, pk_err *err) {
    return pk_json_write(out, v, "$", lim, err);
}

/* The name of v's class when v is an instance with a dict state (an estimator), else NULL. */
static const pk_value *estimator_class(const pk_value *v) {
    if (!v || v->kind != PK_OBJECT || !v->u.o.cls || v->u.o.cls->kind != PK_GLOBAL) return NULL;
    if (!v->u.o.state || v->u.o.state->kind != PK_DICT) return NULL;
    return v->u.o.cls;
}

static pk_code params_json(pk_buf *out, const pk_value *obj, const pk_limits *lim, int depth,
                           pk_err *err);

/* A parameter value: nested estimators become their class and parameters; lists and tuples are
 * walked (Pipeline.steps); anything else is its JSON. */
static pk_code param_value_json(pk_buf *out, const pk_value *v, const pk_limits *lim, int depth,
                                pk_err *err) {
    if (depth > PK_REG_PARAMS_DEPTH)
        return pk_err_set(err, PK_ELIMIT, -1, -1, "estimator parameters nested too deeply");
    if (estimator_class(v)) return params_json(out, v, lim, depth + 1, err);
    if (v->kind == PK_LIST || v->kind == PK_TUPLE) {
        pk_buf_putc(out, '[');
        for (size_t i = 0; i < v->u.seq.len; i++) {
            if (i) pk_buf_putc(out, ',');
            pk_code c = param_value_json(out, v->u.seq.items[i], lim, depth + 1, err);
            if (c != PK_OK) return c;
        }
        return pk_buf_putc(out, ']');
    }
    return json_strict(out, v, lim, err);
}

/* {"py/object": "module.Class", "param": value, ...}: the state entries whose names neither start
 * nor end with '_' (scikit-learn's constructor parameters; fitted attributes end with '_').
 * The root (depth 0) omits "py/object": the class is its own column. */
static pk_code params_json(pk_buf *out, const pk_value *obj, const pk_limits *lim, int depth,
                           pk_err *err) {
    const pk_value *cls = estimator_class(obj);
    pk_buf_putc(out, '{');
    int first = 1;
    if (depth > 0) {
        char tn[512];
        pk_buf_puts(out, "\"py/object\":");
        pk_type_name(obj, tn, sizeof tn);
        pk_json_string(out, tn, strlen(tn));
        first = 0;
    }
    if (cls) {
        const pk_dict *d = &obj->u.o.state->u.d;
        for (size_t i = 0; i < d->len; i++) {
            const pk_value *k = d->keys[i];
            if (k->kind != PK_STR || k->u.s.len == 0) continue;
            if (k->u.s.ptr[0] == '_' || k->u.s.ptr[k->u.s.len - 1] == '_') continue;
            if (!first) pk_buf_putc(out, ',');
            first = 0;
            pk_json_string(out, k->u.s.ptr, k->u.s.len);
            pk_buf_putc(out, ':');
            pk_code c = param_value_json(out, d->vals[i], lim, depth, err);
            if (c != PK_OK) return c;
        }
    }
    return pk_buf_putc(out, '}');
}

/* Attribute `name` of the model: of the root, else (a Pipeline) of its first step for inputs or
 * its last step for outputs. */
static const pk_value *model_attr(const pk_value *root, const char *name, int last_step) {
    const pk_value *v = pk_attr(root, name);
    if (v) return v;
    const pk_value *steps = estimator_class(root) ? pk_attr(root, "steps") : NULL;
    if (!steps || steps->kind != PK_LIST || steps->u.seq.len == 0) return NULL;
    const pk_value *step = steps->u.seq.items[last_step ? steps->u.seq.len - 1 : 0];
    if (!step || step->kind != PK_TUPLE || step->u.seq.len != 2) return NULL;
    const pk_value *est = step->u.seq.items[1];
    return estimator_class(est) ? model_attr(est, name, last_step) : NULL;
}

/* Writes the JSON object of ml_pickle_meta for a decoded, safe document. */
static pk_code meta_json(pk_buf *out, const pk_doc *doc, const char *hex, size_t size,
                         const pk_limits *lim, pk_err *err) {
    char tn[512];
    const pk_value *root = doc->root;
    pk_buf_printf(out, "{\"sha256\":\"%s\",\"size\":%zu,\"class\":", hex, size);
    pk_type_name(root, tn, sizeof tn);
    pk_json_string(out, tn, strlen(tn));

    pk_buf_puts(out, ",\"n_features\":");
    const pk_value *nf = model_attr(root, "n_features_in_", 0);
    int64_t n;
    if (nf && pk_as_i64(nf, &n) == PK_OK)
        pk_buf_printf(out, "%lld", (long long)n);
    else
        pk_buf_puts(out, "null");

    static const char *const arrays[2][2] = {{"feature_names", "feature_names_in_"},
                                             {"classes", "classes_"}};
    for (int i = 0; i < 2; i++) {
        pk_buf_printf(out, ",\"%s\":", arrays[i][0]);
        const pk_value *a = model_attr(root, arrays[i][1], i == 1);
        pk_code c = a ? json_strict(out, a, lim, err) : pk_buf_puts(out, "null");
        if (c != PK_OK) return c;
    }
    pk_buf_puts(out, ",\"params\":");
    pk_code c =
        estimator_class(root) ? params_json(out, root, lim, 0, err) : pk_buf_puts(out, "null");
    if (c != PK_OK) return c;
    return pk_buf_putc(out, '}');
}

/* ml_pickle_meta(p [, name]) -> JSON {"sha256", "size", "class", "n_features", "feature_names",
 * "classes", "params"} of a pickle about to enter the registry. Fails, naming the model, when the
 * pickle is NULL, does not decode, or references globals outside the allowlist (all of them are
 * named). The registry's triggers call it once per registration (and once more to check a
 * direct INSERT into ml_versions). */
void pk_fn_ml_pickle_meta(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const char *name = argc > 1 ? (const char *)sqlite3_value_text(argv[1]) : NULL;
    if (!name) name = "?";
    int t = sqlite3_value_type(argv[0]);
    if (t != SQLITE_BLOB && t != SQLITE_TEXT) {
        pk_sql_errorf(ctx, "ml_registry", "cannot register model '%s': the pickle is %s", name,
                      t == SQLITE_NULL ? "NULL" : "not a BLOB");
        return;
    }
    const uint8_t *buf =
        t == SQLITE_BLOB ? sqlite3_value_blob(argv[0]) : sqlite3_value_text(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    if (!buf) buf = (const uint8_t *)"";
    const uint8_t *content;
    size_t len;
    uint8_t *owned;
    if (pickle_content(ctx, "ml_registry", buf, n, &content, &len, &owned)) return;

    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_err err;
    pk_err_clear(&err);
    pk_doc *doc = pk_doc_decode(&pk_sql_alloc, &lim, content, len, PK_DOC_BORROW, &err);
    if (!doc) {
        pk_sql_errorf(ctx, "ml_registry",
                      "cannot register model '%s': the pickle does not "
                      "decode: %s",
                      name, err.msg[0] ? err.msg : pk_code_label(err.code));
        sqlite3_free(owned);
        return;
    }
    pk_buf out;
    pk_buf_init(&out, &pk_sql_alloc, lim.max_output);
    /* the registry decodes the zstd content itself: the bytes as given are checked here */
    const char *ambiguous = doc->ambiguous;
    if (!ambiguous) ambiguous = pk_doc_ambiguous(&pk_sql_alloc, &lim, buf, n);
    if (ambiguous) {
        pk_sql_errorf(ctx, "ml_registry", "cannot register model '%s': %s", name, ambiguous);
        pk_doc_free(doc);
        sqlite3_free(owned);
        return;
    }
    if (!pk_doc_safe(doc)) {
        for (size_t i = 0; i < doc->nglobals; i++) {
            if (doc->globals[i].allowed) continue;
            if (out.len) pk_buf_puts(&out, ", ");
            pk_buf_printf(&out, "%s.%s", doc->globals[i].module, doc->globals[i].name);
        }
        pk_buf_putc(&out, '\0');
        pk_sql_errorf(ctx, "ml_registry",
                      "cannot register model '%s': the pickle references "
                      "globals outside the allowlist: %s",
                      name, out.failed ? "(too many to list)" : (const char *)out.data);
        pk_buf_free(&out);
        pk_doc_free(doc);
        sqlite3_free(owned);
        return;
    }
    char hex[PK_SHA256_HEX];
    pk_sha256_hex(content, len, hex);
    lim.max_expand = doc->limits.max_expand; /* parameters of shared objects: capped too */
    pk_code c = meta_json(&out, doc, hex, len, &lim, &err);
    pk_doc_free(doc);
    sqlite3_free(owned);
    if (c == PK_OK && out.failed) c = out.failed;
    if (c != PK_OK) {
        pk_buf_free(&out);
        if (c == PK_ENOMEM && err.code == PK_OK) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        if (err.code == PK_OK) pk_err_set(&err, c, -1, -1, "the metadata is too large");
        pk_sql_error(ctx, "ml_registry", &err);
        return;
    }
    size_t jlen;
    uint8_t *text = pk_buf_take(&out, &jlen);
    if (!text) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    pk_sql_result_json(ctx, text, jlen);
}

/* ---- ml_registry_init ------------------------------------------------------------------------ */

static int64_t count_registry_objects(sqlite3 *db) {
    char *t = query_text(
        db, "SELECT count(*) FROM main.sqlite_master WHERE name LIKE 'ml\\_%' ESCAPE '\\'");
    int64_t n = t ? (int64_t)strtoll(t, NULL, 10) : -1;
    sqlite3_free(t);
    return n;
}

/* ml_registry_init() -> the number of schema objects it created (0 when the registry already
 * existed). Runs sql/registry.sql in a savepoint: all of it or nothing. */
void pk_fn_ml_registry_init(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    int64_t before = count_registry_objects(db);
    char *msg = NULL;
    int rc = sqlite3_exec(db, "SAVEPOINT ml_registry_init", NULL, NULL, &msg);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, pk_registry_sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(db, "RELEASE ml_registry_init", NULL, NULL, &msg);
    } else {
        sqlite3_exec(db, "ROLLBACK TO ml_registry_init; RELEASE ml_registry_init", NULL, NULL,
                     NULL);
    }
    if (rc != SQLITE_OK) {
        pk_sql_errorf(ctx, "ml_registry_init", "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return;
    }
    int64_t after = count_registry_objects(db);
    sqlite3_result_int64(ctx, before >= 0 && after >= before ? after - before : 0);
}

/* ---- references ------------------------------------------------------------------------------ */

static int set_err(char **errmsg, int rc, char *msg) {
    *errmsg = msg;
    return msg ? rc : SQLITE_NOMEM;
}

/* A parsed reference: name[0..name_len), and which version. */
typedef struct reg_ref {
    const char *name;
    size_t name_len;
    const char *alias; /* NULL unless name@alias with a non-reserved alias */
    size_t alias_len;
    int64_t version; /* > 0: that version; 0: latest live */
} reg_ref;

static int parse_ref(const char *ref, reg_ref *r, char **errmsg) {
    memset(r, 0, sizeof *r);
    const char *s = ref;
    if (strncmp(s, "models:/", 8) == 0) s += 8;
    size_t n = strlen(s);
    const char *at = memchr(s, '@', n);
    const char *slash = at ? NULL : strrchr(s, '/');
    r->name = s;
    r->name_len = at ? (size_t)(at - s) : slash ? (size_t)(slash - s) : n;
    if (!valid_ident(r->name, r->name_len, 1))
        return set_err(errmsg, SQLITE_ERROR,
                       sqlite3_mprintf("'%q' is not a model reference: use 'name', "
                                       "'name/<version>', 'name@<alias>' (optionally "
                                       "prefixed by 'models:/')",
                                       ref));
    if (at) {
        const char *a = at + 1;
        size_t alen = n - (size_t)(a - s);
        int64_t v;
        if (reserved_alias(a, alen, &v)) {
            r->version = v < 0 ? 0 : v;
            if (v == 0)
                return set_err(errmsg, SQLITE_ERROR,
                               sqlite3_mprintf("model reference '%q': no version 0", ref));
            return SQLITE_OK;
        }
        if (!valid_ident(a, alen, 0))
            return set_err(errmsg, SQLITE_ERROR,
                           sqlite3_mprintf("model reference '%q': invalid alias", ref));
        r->alias = a;
        r->alias_len = alen;
        return SQLITE_OK;
    }
    if (slash) {
        const char *v = slash + 1;
        size_t vlen = n - (size_t)(v - s);
        if (vlen == 6 && strncmp(v, "latest", 6) == 0) return SQLITE_OK;
        int64_t num = 0;
        int ok = vlen > 0 && vlen <= 18;
        for (size_t i = 0; ok && i < vlen; i++) {
            if (v[i] < '0' || v[i] > '9')
                ok = 0;
            else
                num = num * 10 + (v[i] - '0');
        }
        if (!ok || num == 0)
            return set_err(errmsg, SQLITE_ERROR,
                           sqlite3_mprintf("model reference '%q': the version must be a "
                                           "positive number or 'latest'",
                                           ref));
        r->version = num;
    }
    return SQLITE_OK;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char **errmsg) {
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    if (rc == SQLITE_OK) return rc;
    const char *e = sqlite3_errmsg(db);
    if (strstr(e, "no such table"))
        return set_err(errmsg, SQLITE_ERROR,
                       sqlite3_mprintf("the registry is not initialised: run SELECT "
                                       "ml_registry_init()"));
    return set_err(errmsg, rc, sqlite3_mprintf("registry lookup failed: %s", e));
}

int pk_registry_fetch(sqlite3 *db, const char *ref, void **blob, size_t *n, int64_t *version,
                      char **errmsg) {
    *blob = NULL;
    *n = 0;
    *version = 0;
    *errmsg = NULL;
    if (!ref) return set_err(errmsg, SQLITE_MISUSE, sqlite3_mprintf("no model reference"));
    reg_ref r;
    int rc = parse_ref(ref, &r, errmsg);
    if (rc != SQLITE_OK) return rc;
    int name_len = (int)r.name_len;
    sqlite3_stmt *st = NULL;

    if (r.alias) {
        rc = prepare(db, "SELECT version FROM main.ml_aliases WHERE name = ?1 AND alias = ?2", &st,
                     errmsg);
        if (rc != SQLITE_OK) return rc;
        sqlite3_bind_text(st, 1, r.name, name_len, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r.alias, (int)r.alias_len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) r.version = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return set_err(errmsg, rc, sqlite3_mprintf("%s", sqlite3_errmsg(db)));
        if (rc == SQLITE_DONE) {
            /* Say which is missing: the model or the alias. */
            rc = prepare(db, "SELECT 1 FROM main.ml_models WHERE name = ?1", &st, errmsg);
            if (rc != SQLITE_OK) return rc;
            sqlite3_bind_text(st, 1, r.name, name_len, SQLITE_STATIC);
            int exists = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_finalize(st);
            if (!exists)
                return set_err(
                    errmsg, SQLITE_ERROR,
                    sqlite3_mprintf("no model named '%.*q' in the registry", name_len, r.name));
            return set_err(errmsg, SQLITE_ERROR,
                           sqlite3_mprintf("model '%.*q' has no alias '%.*q'", name_len, r.name,
                                           (int)r.alias_len, r.alias));
        }
    }

    if (r.version > 0)
        rc = prepare(db,
                     "SELECT version, pickle, deleted_at FROM main.ml_versions "
                     "WHERE name = ?1 AND version = ?2",
                     &st, errmsg);
    else
        rc = prepare(db,
                     "SELECT version, pickle, deleted_at FROM main.ml_versions "
                     "WHERE name = ?1 AND deleted_at IS NULL ORDER BY version DESC LIMIT 1",
                     &st, errmsg);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_text(st, 1, r.name, name_len, SQLITE_STATIC);
    if (r.version > 0) sqlite3_bind_int64(st, 2, r.version);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        rc = prepare(db, "SELECT 1 FROM main.ml_models WHERE name = ?1", &st, errmsg);
        if (rc != SQLITE_OK) return rc;
        sqlite3_bind_text(st, 1, r.name, name_len, SQLITE_STATIC);
        int exists = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        if (!exists)
            return set_err(
                errmsg, SQLITE_ERROR,
                sqlite3_mprintf("no model named '%.*q' in the registry", name_len, r.name));
        if (r.version > 0)
            return set_err(errmsg, SQLITE_ERROR,
                           sqlite3_mprintf("model '%.*q' has no version %lld", name_len, r.name,
                                           (long long)r.version));
        return set_err(errmsg, SQLITE_ERROR,
                       sqlite3_mprintf("model '%.*q' has no live version", name_len, r.name));
    }
    if (rc != SQLITE_ROW) {
        char *m = sqlite3_mprintf("%s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return set_err(errmsg, rc, m);
    }
    if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
        sqlite3_finalize(st);
        return set_err(errmsg, SQLITE_ERROR,
                       sqlite3_mprintf("version %lld of model '%.*q' was deleted",
                                       (long long)r.version, name_len, r.name));
    }
    int64_t ver = sqlite3_column_int64(st, 0);
    const void *p = sqlite3_column_blob(st, 1);
    int len = sqlite3_column_bytes(st, 1);
    void *copy = sqlite3_malloc64(len > 0 ? (sqlite3_uint64)len : 1);
    if (!copy) {
        sqlite3_finalize(st);
        return set_err(errmsg, SQLITE_NOMEM, NULL);
    }
    if (len > 0) memcpy(copy, p, (size_t)len);
    sqlite3_finalize(st);
    *blob = copy;
    *n = (size_t)len;
    *version = ver;
    return SQLITE_OK;
}

int64_t pk_registry_generation(sqlite3 *db) {
    /* Every change that can alter what a reference resolves to (registration, alias set, move or
     * removal, delete, restore) appends a row to ml_events, in the same transaction: the last
     * event identifies the registry's state. Its hash moves with this connection's writes
     * (committed or not), other connections' commits (the query runs in the current read
     * transaction, or starts one that sees them), and moves back on ROLLBACK; writes elsewhere
     * in the database leave it alone, so they do not invalidate compiled models. (PRAGMA
     * data_version with sqlite3_total_changes would miss a rollback and change on every
     * unrelated write.) */
    sqlite3_stmt *st = NULL;
    uint64_t h = PK_FNV_OFFSET;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, name, version, alias, event, detail, at FROM main.ml_events "
                           "ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return 0; /* no registry: pk_registry_fetch reports it */
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < 7; i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            int n = sqlite3_column_bytes(st, i);
            uint8_t sep[2] = {0x1f, (uint8_t)(t ? 1 : 0)};
            h = pk_fnv1a(h, sep, sizeof sep);
            if (t && n > 0) h = pk_fnv1a(h, t, (size_t)n);
        }
    }
    sqlite3_finalize(st);
    return (int64_t)(h >> 1) + 1; /* positive, never 0 */
}

/* ml_resolve(ref) -> the version number `ref` ('churn', 'churn/3', 'churn@production',
 * 'models:/churn@production') resolves to, as the model_* functions resolve it; an error naming
 * what is missing otherwise. NULL for NULL. Reads the registry: neither deterministic nor
 * innocuous. */
void pk_fn_ml_resolve(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    const char *ref = (const char *)sqlite3_value_text(argv[0]);
    if (!ref) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    void *blob;
    size_t n;
    int64_t version;
    char *msg;
    int rc = pk_registry_fetch(sqlite3_context_db_handle(ctx), ref, &blob, &n, &version, &msg);
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_NOMEM && !msg) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        pk_sql_errorf(ctx, "ml_resolve", "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return;
    }
    sqlite3_free(blob);
    sqlite3_result_int64(ctx, version);
}
