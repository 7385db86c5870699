/*
 * sql_limits.c - pickle_ext_limit(name [, value]): read or change one of the connection's core
 * limits (ext/core/base/pk.h), like sqlite3_limit() does for SQLite's own.
 *
 *   SELECT pickle_ext_limit('max_alloc');                -- the current value
 *   SELECT pickle_ext_limit('max_alloc', 4294967296);    -- set it, returns the previous value
 *
 * The names are the fields of pk_limits (docs/limits.md lists them with their defaults).
 * Values are positive integers; 0 restores the default. max_inflate and max_output are further
 * capped by SQLITE_LIMIT_LENGTH at each call. DIRECTONLY: a view or trigger cannot change them.
 */
#include "sql_funcs.h"

SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <string.h>

typedef struct limit_field {
    const char *name;
    size_t offset; /* in pk_limits */
    int is32;      /* uint32_t field, else uint64_t */
} limit_field;

#define L32(f)                                                                                     \
    { #f, offsetof(pk_limits, f), 1 }
#define L64(f)                                                                                     \
    { #f, offsetof(pk_limits, f), 0 }

static const limit_field fields[] = {
    L32(max_depth),     L32(max_stack),    L32(max_marks),       L32(max_memo),  L32(alloc_factor),
    L64(alloc_slack),   L64(max_inflate),  L64(max_output),      L64(max_alloc), L64(max_rows),
    L32(expand_factor), L64(expand_slack), L64(max_model_bytes),
};

static uint64_t get_field(const pk_limits *l, const limit_field *f) {
    const char *base = (const char *)l + f->offset;
    if (f->is32) {
        uint32_t v;
        memcpy(&v, base, sizeof v);
        return v;
    }
    uint64_t v;
    memcpy(&v, base, sizeof v);
    return v;
}

static void set_field(pk_limits *l, const limit_field *f, uint64_t v) {
    char *base = (char *)l + f->offset;
    if (f->is32) {
        uint32_t v32 = (uint32_t)v;
        memcpy(base, &v32, sizeof v32);
    } else {
        memcpy(base, &v, sizeof v);
    }
}

void pk_fn_limit(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    pk_conn_state *st = sqlite3_user_data(ctx);
    const char *name = (const char *)sqlite3_value_text(argv[0]);
    const limit_field *f = NULL;
    for (size_t i = 0; name && i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i].name, name) == 0) f = &fields[i];
    if (!f) {
        char known[512];
        size_t k = 0;
        known[0] = '\0';
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", i ? ", " : "",
                                  fields[i].name);
        pk_sql_errorf(ctx, "pickle_ext_limit", "unknown limit '%s' (known: %s)",
                      name ? name : "NULL", known);
        return;
    }
    uint64_t old = get_field(&st->limits, f);
    if (argc > 1) {
        if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER || sqlite3_value_int64(argv[1]) < 0 ||
            (f->is32 && sqlite3_value_int64(argv[1]) > (sqlite3_int64)UINT32_MAX)) {
            pk_sql_errorf(ctx, "pickle_ext_limit", "%s must be a non-negative integer%s", f->name,
                          f->is32 ? " below 2^32" : "");
            return;
        }
        uint64_t v = (uint64_t)sqlite3_value_int64(argv[1]);
        if (v == 0) {
            pk_limits def;
            pk_limits_default(&def);
            v = get_field(&def, f);
        }
        set_field(&st->limits, f, v);
    }
    sqlite3_result_int64(ctx, (sqlite3_int64)old);
}
