/*
 * sql_registry.c - the model registry's glue: ml_registry_sql() and ml_registry_init() (the
 * upgrade of registries made by earlier schemas is sql_upgrade.c), the helper functions its
 * triggers call, pickle_sha256(), the clock, and the re-entrancy guard shared with sql_resolve.c
 * (references) and sql_events.c (history).
 *
 * How it works: the schema is sql/registry.sql, embedded at build time as pk_registry_sql
 * (dist/gen/registry_sql.h, made by scripts/embed.sh); ml_registry_sql() returns it, after any
 * upgrade and inside a savepoint, for the client to run as statements of its own. Every rule of
 * the registry lives in that file's triggers; the functions here only give the triggers what
 * plain SQL lacks in SQLite 3.3x: error messages built at run time (ml_error: RAISE() takes only
 * a literal before 3.47), name checks without REGEXP, a clock tests can pin, and one decode of a
 * pickle giving its hash and derived columns (ml_pickle_meta).
 *
 * Limits: names and aliases are at most 200 bytes. The sha256 of a stored pickle is that of its
 * content: a zstd frame is inflated first (bounded by the connection's length limit), so it
 * matches hashlib.sha256(open('model.pkl', 'rb').read()).
 */
#include "sql_funcs.h"
#include "sql_registry.h"

#include "pk_allow.h"
#include "sql_verdict.h"

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
int pk_reg_valid_ident(const char *s, size_t n, int allow_dot) {
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
int pk_reg_reserved_alias(const char *s, size_t n, int64_t *version) {
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
    if (!pk_reg_valid_ident(s, n, 1)) {
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
    else if (!pk_reg_valid_ident(s, n, 0))
        m = sqlite3_mprintf("ml_aliases: invalid alias '%q': an alias is 1 to %d letters, "
                            "digits, '_' or '-'",
                            s, PK_REG_NAME_MAX);
    else if (pk_reg_reserved_alias(s, n, &v))
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
char *pk_reg_query_text(sqlite3 *db, const char *sql) {
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

/* ---- re-entrancy --------------------------------------------------------------------------- */

int pk_reg_enter(sqlite3_context *ctx, const char *fname) {
    pk_conn_state *st = sqlite3_user_data(ctx);
    if (!st) return 1;
    if (st->reg_depth > 0) {
        pk_sql_errorf(ctx, fname,
                      "the registry was re-entered: a registry table or view calls the extension's "
                      "functions while the extension reads it (a crafted schema?)");
        return 0;
    }
    st->reg_depth++;
    return 1;
}

void pk_reg_leave(sqlite3_context *ctx) {
    pk_conn_state *st = sqlite3_user_data(ctx);
    if (st) st->reg_depth--;
}

char *pk_reg_now(sqlite3 *db) {
    char *t = pk_reg_query_text(db, "SELECT now FROM temp.ml_clock LIMIT 1");
    if (!t) t = pk_reg_query_text(db, "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
    return t;
}

/* ml_now() -> 'YYYY-MM-DDTHH:MM:SS.SSSZ' (UTC), or the value in TEMP table ml_clock(now) when a
 * test created one. */
void pk_fn_ml_now(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    if (!pk_reg_enter(ctx, "ml_now")) return;
    char *t = pk_reg_now(sqlite3_context_db_handle(ctx));
    pk_reg_leave(ctx);
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
int pk_reg_pickle_content(sqlite3_context *ctx, const char *fname, const uint8_t *buf, size_t n,
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
    if (pk_reg_pickle_content(ctx, "pickle_sha256", buf, n, &content, &len, &owned)) return;
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

/* Writes the JSON object of ml_pickle_meta for a decoded, safe document, up to "params" (the
 * caller appends the rest and the closing brace). */
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
    return c;
}

/* The allowance argument of ml_pickle_meta, parsed (sqlite3_malloc'd), or NULL after setting the
 * error: not text, malformed, or naming a global that can never be allowed. */
static pk_allow *allow_arg(sqlite3_context *ctx, const char *name, sqlite3_value *v) {
    if (sqlite3_value_type(v) != SQLITE_TEXT) {
        pk_sql_errorf(ctx, "ml_registry",
                      "cannot register model '%s': the allowance must be JSON text (a JSON array "
                      "of \"module.name\" strings)",
                      name);
        return NULL;
    }
    pk_allow *a = sqlite3_malloc((int)sizeof *a);
    if (!a) {
        sqlite3_result_error_nomem(ctx);
        return NULL;
    }
    char why[512];
    const char *text = (const char *)sqlite3_value_text(v);
    if (pk_allow_parse(text ? text : "", (size_t)sqlite3_value_bytes(v), a, why, sizeof why)) {
        pk_sql_errorf(ctx, "ml_registry", "cannot register model '%s': %s", name, why);
        sqlite3_free(a);
        return NULL;
    }
    return a;
}

/* ',"safe":false,"allow":[...],"supported":0,"reason":"..."}': the end of ml_pickle_meta's JSON
 * for a pickle stored under an allowance (its user code would have to run to score it). */
static pk_code allowance_json(pk_buf *out, const pk_allow *a) {
    pk_buf_puts(out, ",\"safe\":false,\"allow\":[");
    for (size_t i = 0; i < a->n; i++)
        pk_buf_printf(out, "%s\"%s\"", i ? "," : "", a->names[i]);
    pk_buf_puts(out, "],\"supported\":0,\"reason\":\"uses code outside the catalogue, allowed at "
                     "registration: ");
    for (size_t i = 0; i < a->n; i++)
        pk_buf_printf(out, "%s%s", i ? ", " : "", a->names[i]);
    pk_buf_puts(out, " (it would have to run in Python, so the version is not scored)\"}");
    return out->failed;
}

/* ml_pickle_meta(p [, name]) -> JSON {"sha256", "size", "class", "n_features", "feature_names",
 * "classes", "params", "supported", "reason"} of a pickle about to enter the registry (supported
 * and reason: sql_verdict.c). Fails, naming the model, when the pickle is NULL, does not decode,
 * or names globals the catalogue does not know (up to five named). The registry's triggers call it
 * once per registration (and once more to check a direct INSERT into ml_versions). */
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
    pk_allow *allow = NULL;
    if (argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL &&
        !(allow = allow_arg(ctx, name, argv[2])))
        return;
    if (pk_reg_pickle_content(ctx, "ml_registry", buf, n, &content, &len, &owned)) {
        sqlite3_free(allow);
        return;
    }

    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_err err;
    pk_err_clear(&err);
    pk_doc *doc = pk_doc_decode(&pk_sql_alloc, &lim, content, len, PK_DOC_BORROW, &err);
    if (!doc) {
        sqlite3_free(allow);
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
    const char *refusal = ambiguous;
    if (!refusal) refusal = pk_sql_refusal_allow(doc, &out, allow);
    if (refusal) {
        pk_sql_errorf(ctx, "ml_registry", "cannot register model '%s': %s%s", name,
                      ambiguous ? "" : "the pickle ", refusal);
        pk_buf_free(&out);
        pk_doc_free(doc);
        sqlite3_free(owned);
        sqlite3_free(allow);
        return;
    }
    for (size_t i = 0; allow && i < allow->n; i++)
        if (!allow->used[i]) {
            pk_sql_errorf(ctx, "ml_registry",
                          "cannot register model '%s': the allowance names %s, which the pickle "
                          "does not use outside the catalogue (name only the globals it needs)",
                          name, allow->names[i]);
            pk_buf_free(&out);
            pk_doc_free(doc);
            sqlite3_free(owned);
            sqlite3_free(allow);
            return;
        }
    char hex[PK_SHA256_HEX];
    pk_sha256_hex(content, len, hex);
    lim.max_expand = doc->limits.max_expand; /* parameters of shared objects: capped too */
    pk_code c = meta_json(&out, doc, hex, len, &lim, &err);
    if (c == PK_OK && allow)
        c = allowance_json(&out, allow);
    else if (c == PK_OK)
        c = pk_buf_puts(&out, ",\"safe\":true,\"allow\":null");
    if (c == PK_OK && !allow) c = pk_sql_support_json(&out, doc);
    pk_doc_free(doc);
    sqlite3_free(owned);
    sqlite3_free(allow);
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

/* ---- ml_registry_sql, ml_registry_init --------------------------------------------------------
 *
 * The registry is written by statements of the client's own, never by these functions: a
 * function runs inside the statement that calls it, and `SELECT ml_registry_init()` is a read
 * (sqlite3_stmt_readonly says so, whatever the function does). Hosts rely on that flag: dqlite
 * runs such a statement as a query and does not replicate what it wrote (its next write then
 * aborts the leader), read-only transactions and replicas refuse it. So ml_registry_sql() returns
 * the script and ml_registry_init() only checks. */

/* Compares main's registry with the current schema, made by running sql/registry.sql in a private
 * in-memory database: *total counts the schema's objects, *missing those main lacks, *stale the
 * triggers and views main has with another definition (made by an earlier schema). Returns
 * SQLITE_OK, or an error code with *msg set. */
static int compare_schema(sqlite3 *db, int *total, int *missing, int *stale, char **msg) {
    sqlite3 *mem = NULL;
    sqlite3_stmt *ref = NULL, *cur = NULL;
    *total = *missing = *stale = 0;
    int rc = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(mem, pk_registry_sql, NULL, NULL, msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(mem,
                                "SELECT type, name, sql FROM sqlite_master WHERE name LIKE "
                                "'ml\\_%' ESCAPE '\\'",
                                -1, &ref, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(
            db, "SELECT sql FROM main.sqlite_master WHERE type = ?1 AND name = ?2", -1, &cur, NULL);
    else if (!*msg && mem)
        *msg = sqlite3_mprintf("%s", sqlite3_errmsg(mem));
    while (rc == SQLITE_OK && (rc = sqlite3_step(ref)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(ref, 0);
        const char *want = (const char *)sqlite3_column_text(ref, 2);
        sqlite3_bind_value(cur, 1, sqlite3_column_value(ref, 0));
        sqlite3_bind_value(cur, 2, sqlite3_column_value(ref, 1));
        (*total)++;
        rc = sqlite3_step(cur);
        if (rc == SQLITE_DONE) {
            (*missing)++;
            rc = SQLITE_OK;
        } else if (rc == SQLITE_ROW) {
            const char *have = (const char *)sqlite3_column_text(cur, 0);
            int shape = type && (strcmp(type, "trigger") == 0 || strcmp(type, "view") == 0);
            if (shape && (!have || !want || strcmp(have, want) != 0)) (*stale)++;
            rc = SQLITE_OK;
        } else if (!*msg) {
            *msg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
        }
        sqlite3_reset(cur);
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    if (rc != SQLITE_OK && !*msg) *msg = sqlite3_mprintf("%s", sqlite3_errstr(rc));
    sqlite3_finalize(ref);
    sqlite3_finalize(cur);
    sqlite3_close(mem);
    return rc;
}

/* What compare_schema() and pk_reg_needs_upgrade() say about main's registry. */
typedef struct reg_state {
    int total, missing, stale; /* see compare_schema */
    int upgrade;               /* PK_REG_UPGRADE_* */
} reg_state;

static int registry_state(sqlite3 *db, reg_state *st, char **msg) {
    int rc = compare_schema(db, &st->total, &st->missing, &st->stale, msg);
    st->upgrade = 0;
    if (rc == SQLITE_OK)
        st->upgrade = pk_reg_needs_upgrade(db) | (st->stale ? PK_REG_UPGRADE_TRIGGERS : 0);
    return rc;
}

/* ml_registry_sql() -> the script that creates the registry in the main database, or brings one
 * made by an earlier schema up to date (sql_upgrade.c), in one savepoint: every statement of
 * sql/registry.sql is CREATE ... IF NOT EXISTS, so running it again is harmless. Reads only. */
void pk_fn_ml_registry_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    if (!pk_reg_enter(ctx, "ml_registry_sql")) return;
    reg_state st;
    char *msg = NULL;
    int rc = registry_state(db, &st, &msg);
    int upgrade = st.upgrade;
    sqlite3_str *out = sqlite3_str_new(db);
    sqlite3_str_appendall(out, "SAVEPOINT ml_registry;\n");
    if (rc == SQLITE_OK && upgrade) rc = pk_reg_upgrade_sql(db, upgrade, out, &msg);
    sqlite3_str_appendall(out, pk_registry_sql);
    sqlite3_str_appendall(out, "RELEASE ml_registry;\n");
    pk_reg_leave(ctx);
    int err = sqlite3_str_errcode(out);
    char *text = sqlite3_str_finish(out);
    if (rc == SQLITE_OK && err != SQLITE_OK) rc = err;
    if (rc != SQLITE_OK) {
        sqlite3_free(text);
        if (rc == SQLITE_NOMEM) {
            sqlite3_free(msg);
            sqlite3_result_error_nomem(ctx);
            return;
        }
        pk_sql_errorf(ctx, "ml_registry_sql", "%s%s", upgrade ? "upgrading the registry: " : "",
                      msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return;
    }
    sqlite3_result_text(ctx, text, -1, sqlite3_free);
}

/* ml_registry_init() -> 0 when the main database holds the registry of the current schema;
 * otherwise an error saying to run the script of ml_registry_sql(). Never writes (see above). */
void pk_fn_ml_registry_init(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    if (!pk_reg_enter(ctx, "ml_registry_init")) return;
    reg_state st;
    char *msg = NULL;
    int rc = registry_state(db, &st, &msg);
    pk_reg_leave(ctx);
    if (rc != SQLITE_OK) {
        pk_sql_errorf(ctx, "ml_registry_init", "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return;
    }
    if (!st.missing && !st.upgrade) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    pk_sql_errorf(ctx, "ml_registry_init",
                  "the registry is %s, and a query must not write it: run the statements that "
                  "SELECT ml_registry_sql() returns (docs/registry.md, Create it)",
                  st.missing == st.total ? "not initialised"
                  : st.upgrade           ? "of an earlier schema"
                                         : "incomplete");
}
