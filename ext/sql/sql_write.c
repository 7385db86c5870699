/*
 * sql_write.c - SQL functions that write pickles: pickle_dump, pickle_dump_agg, pickle_set,
 * pickle_compress, pickle_decompress.
 *
 * SQL values become nodes (sql_to_value): NULL -> None, INTEGER -> int, REAL -> float,
 * TEXT -> str, BLOB -> bytes, TEXT with the JSON subtype (74, from json(), json_object(),
 * pickle_json(), ...) -> the parsed JSON (pk_jsonread.h). The core writer (pk_writer.h) turns
 * the graph into pickle bytes; pk_edit.h replaces a value inside a decoded pickle; pk_zstd.h
 * wraps zstd.
 *
 * Output sizes are capped by the connection's SQLITE_LIMIT_LENGTH (pk_sql_limits): over it the
 * error is SQLITE_TOOBIG. Memory is capped by max_alloc (pickle_ext_limit): the nodes of the
 * value (pickle_dump_agg: of every row) and the writer's memo table together; over it the error
 * names max_alloc. Errors read "<function>: <message>".
 */
#include "sql_funcs.h"

SQLITE_EXTENSION_INIT3

#include "pk_buf.h"
#include "pk_edit.h"
#include "pk_jsonread.h"
#include "pk_writer.h"
#include "pk_zstd.h"

#include <string.h>

/* Reports err; output-size limits become SQLITE_TOOBIG. */
static void report(sqlite3_context *ctx, const char *fname, const pk_err *err) {
    pk_sql_error(ctx, fname, err);
    if (err->code == PK_ELIMIT && strstr(err->msg, "output limit"))
        sqlite3_result_error_code(ctx, SQLITE_TOOBIG);
}

/* An arena whose budget refused an allocation reports that limit instead of "out of memory". */
static pk_code budget_error(const pk_arena *ar, const pk_limits *lim, pk_code c, pk_err *err) {
    if (c == PK_OK || !ar->over_budget) return c;
    pk_err_clear(err);
    return pk_err_set(err, PK_ELIMIT, -1, -1,
                      "limit exceeded: the value needs more than max_alloc (%llu bytes) of memory",
                      (unsigned long long)lim->max_alloc);
}

/* The node for one SQL value, allocated in ar (blob and text bytes are copied). */
static pk_code sql_to_value(sqlite3_value *sv, pk_arena *ar, const pk_limits *lim, pk_value **out,
                            pk_err *err) {
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL:
        *out = pk_new_none(ar);
        break;
    case SQLITE_INTEGER:
        *out = pk_new_int(ar, sqlite3_value_int64(sv));
        break;
    case SQLITE_FLOAT:
        *out = pk_new_float(ar, sqlite3_value_double(sv));
        break;
    case SQLITE_BLOB: {
        const uint8_t *b = sqlite3_value_blob(sv);
        int n = sqlite3_value_bytes(sv);
        *out = pk_new_bytes(ar, PK_BYTES, b ? b : (const uint8_t *)"", (size_t)n, 0);
        break;
    }
    default: {
        const char *t = (const char *)sqlite3_value_text(sv);
        int n = sqlite3_value_bytes(sv);
        if (!t) return pk_err_nomem(err, -1);
        if (sqlite3_value_subtype(sv) == PK_JSON_SUBTYPE) {
            pk_code c = pk_json_read(ar, t, (size_t)n, lim->max_depth, out, err);
            if (c) return budget_error(ar, lim, c, err);
            break;
        }
        size_t bad = pk_utf8_check(t, (size_t)n);
        if (bad != (size_t)n)
            return pk_err_set(err, PK_EENCODE, -1, -1, "TEXT is not valid UTF-8 at byte %zu", bad);
        *out = pk_new_str(ar, t, (size_t)n);
        break;
    }
    }
    return *out ? PK_OK : budget_error(ar, lim, pk_err_nomem(err, -1), err);
}

/* Writes v as a pickle and sets it as the result (zstd-compressed when compress is set). */
static void result_pickle(sqlite3_context *ctx, const char *fname, const pk_value *v,
                          const pk_write_opts *opts, const pk_limits *lim, int compress) {
    pk_buf b;
    pk_err err;
    pk_err_clear(&err);
    pk_buf_init(&b, &pk_sql_alloc, lim->max_output);
    if (pk_pickle_write(&b, v, opts, &err) != PK_OK) {
        pk_buf_free(&b);
        report(ctx, fname, &err);
        return;
    }
    size_t len;
    uint8_t *data = pk_buf_take(&b, &len);
    if (!data) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (compress) {
        uint8_t *z;
        size_t zlen;
        pk_code c = pk_zstd_compress(&pk_sql_alloc, data, len, pk_zstd_default_level(),
                                     lim->max_output, &z, &zlen, &err);
        sqlite3_free(data);
        if (c) {
            report(ctx, fname, &err);
            return;
        }
        data = z;
        len = zlen;
    }
    sqlite3_result_blob64(ctx, data, len, sqlite3_free);
}

/* The protocol argument: NULL -> default, a negative number -> the highest, else 0..5. */
static int protocol_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *a, int *proto) {
    int t = sqlite3_value_type(a);
    if (t == SQLITE_NULL) {
        *proto = PK_WRITE_DEFAULT_PROTOCOL;
        return 1;
    }
    sqlite3_int64 p = sqlite3_value_int64(a);
    if (t != SQLITE_INTEGER || p > PK_WRITE_HIGHEST_PROTOCOL) {
        pk_sql_errorf(ctx, fname,
                      "protocol must be an integer from 0 to %d (negative: the highest)",
                      PK_WRITE_HIGHEST_PROTOCOL);
        return 0;
    }
    *proto = p < 0 ? PK_WRITE_HIGHEST_PROTOCOL : (int)p;
    return 1;
}

/* What remains of max_alloc for the writer once the value's nodes take `used` bytes (at least
 * 1 MiB, so a value that just fits can still be written). */
static uint64_t writer_mem(const pk_limits *lim, size_t used) {
    if (!lim->max_alloc) return 0;
    uint64_t left = lim->max_alloc > used ? lim->max_alloc - used : 0;
    return left < (1u << 20) ? (1u << 20) : left;
}

/* ---- pickle_dump(value [, protocol]) ------------------------------------------------------- */

void pk_fn_dump(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    pk_write_opts opts = {PK_WRITE_DEFAULT_PROTOCOL, 0, 0, 0};
    if (argc > 1 && !protocol_arg(ctx, "pickle_dump", argv[1], &opts.protocol)) return;
    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_arena ar;
    pk_arena_init(&ar, &pk_sql_alloc, (size_t)lim.max_alloc);
    pk_err err;
    pk_err_clear(&err);
    pk_value *v;
    if (sql_to_value(argv[0], &ar, &lim, &v, &err) != PK_OK) {
        report(ctx, "pickle_dump", &err);
    } else {
        opts.max_mem = writer_mem(&lim, ar.used);
        result_pickle(ctx, "pickle_dump", v, &opts, &lim, 0);
    }
    pk_arena_free(&ar);
}

/* ---- pickle_dump_agg(value) ---------------------------------------------------------------- */

typedef struct dump_agg {
    int started;
    int failed;
    pk_arena ar;
    pk_value *list;
    pk_limits lim;
} dump_agg;

void pk_fn_dump_agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    dump_agg *a = sqlite3_aggregate_context(ctx, sizeof *a);
    if (!a) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (a->failed) return;
    pk_err err;
    pk_err_clear(&err);
    if (!a->started) {
        a->started = 1;
        pk_sql_limits(ctx, &a->lim);
        /* the rows' nodes are held until the final step: capped like any decoded graph */
        pk_arena_init(&a->ar, &pk_sql_alloc, (size_t)a->lim.max_alloc);
        a->list = pk_new_seq(&a->ar, PK_LIST, 0);
        if (!a->list) {
            a->failed = 1;
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    pk_value *v;
    pk_code c = sql_to_value(argv[0], &a->ar, &a->lim, &v, &err);
    if (c == PK_OK)
        c = budget_error(&a->ar, &a->lim, pk_seq_append(&a->ar, a->list, v, &err), &err);
    if (c != PK_OK) {
        a->failed = 1;
        report(ctx, "pickle_dump_agg", &err);
    }
}

void pk_fn_dump_agg_final(sqlite3_context *ctx) {
    dump_agg *a = sqlite3_aggregate_context(ctx, 0);
    pk_write_opts opts = {PK_WRITE_DEFAULT_PROTOCOL, 0, 0, 0};
    if (!a || !a->started) {
        /* no rows: an empty list */
        pk_limits lim;
        pk_sql_limits(ctx, &lim);
        pk_value empty;
        memset(&empty, 0, sizeof empty);
        empty.kind = PK_LIST;
        result_pickle(ctx, "pickle_dump_agg", &empty, &opts, &lim, 0);
        return;
    }
    opts.max_mem = writer_mem(&a->lim, a->ar.used);
    if (!a->failed) result_pickle(ctx, "pickle_dump_agg", a->list, &opts, &a->lim, 0);
    pk_arena_free(&a->ar);
}

/* ---- pickle_set(p, path, value) ------------------------------------------------------------ */

/* 1 when the stream names numpy 2's modules (numpy._core), so arrays keep that spelling. */
static int uses_numpy2(const pk_doc *doc) {
    for (size_t i = 0; i < doc->nglobals; i++)
        if (strncmp(doc->globals[i].module, "numpy._core", 11) == 0) return 1;
    return 0;
}

void pk_fn_set(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const char *fname = "pickle_set";
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const uint8_t *buf;
    size_t n;
    if (!pk_sql_bytes_arg(ctx, fname, argv[0], 1, "a pickle BLOB", &buf, &n)) return;
    const char *path = (const char *)sqlite3_value_text(argv[1]);
    int plen = sqlite3_value_bytes(argv[1]);
    if (!path) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_err err;
    pk_err_clear(&err);
    /* a private copy: the edit writes into the graph (and into array data) */
    pk_doc *doc = pk_doc_decode(&pk_sql_alloc, &lim, buf ? buf : (const uint8_t *)"", (size_t)n,
                                PK_DOC_COPY, &err);
    if (!doc) {
        report(ctx, fname, &err);
        return;
    }
    /* the new value's nodes go into the document's arena: the whole graph within max_alloc */
    doc->arena.budget = (size_t)lim.max_alloc;
    pk_value *v;
    pk_code c = sql_to_value(argv[2], &doc->arena, &lim, &v, &err);
    if (c == PK_OK)
        c = budget_error(&doc->arena, &lim,
                         pk_edit_set(&doc->arena, &doc->root, path, (size_t)plen, v, &err), &err);
    if (c != PK_OK) {
        report(ctx, fname, &err);
        pk_doc_free(doc);
        return;
    }
    pk_write_opts opts = {doc->protocol ? doc->protocol : 2, uses_numpy2(doc), 0,
                          writer_mem(&lim, doc->arena.used)};
    result_pickle(ctx, fname, doc->root, &opts, &lim, doc->outer == PK_COMP_ZSTD);
    pk_doc_free(doc);
}

/* ---- pickle_compress(p [, level]) / pickle_decompress(z) ---------------------------------- */

void pk_fn_compress(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const char *fname = "pickle_compress";
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    int level = pk_zstd_default_level();
    if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
        int lo, hi;
        pk_zstd_level_range(&lo, &hi);
        sqlite3_int64 l = sqlite3_value_int64(argv[1]);
        if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER || l < lo || l > hi || l == 0) {
            pk_sql_errorf(ctx, fname,
                          "level must be an integer from 1 to %d (or %d to -1 for the "
                          "fast levels)",
                          hi, lo);
            return;
        }
        level = (int)l;
    }
    const uint8_t *buf;
    size_t n;
    if (!pk_sql_bytes_arg(ctx, fname, argv[0], 1, "a pickle BLOB", &buf, &n)) return;
    if (pk_zstd_is_frame(buf, (size_t)n)) {
        sqlite3_result_blob64(ctx, buf, (sqlite3_uint64)n, SQLITE_TRANSIENT); /* already zstd */
        return;
    }
    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_err err;
    pk_err_clear(&err);
    uint8_t *z;
    size_t zlen;
    if (pk_zstd_compress(&pk_sql_alloc, buf, (size_t)n, level, lim.max_output, &z, &zlen, &err)) {
        pk_sql_error(ctx, fname, &err);
        if (err.code == PK_ELIMIT) sqlite3_result_error_code(ctx, SQLITE_TOOBIG);
        return;
    }
    sqlite3_result_blob64(ctx, z, zlen, sqlite3_free);
}

void pk_fn_decompress(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const char *fname = "pickle_decompress";
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const uint8_t *buf;
    size_t n;
    if (!pk_sql_bytes_arg(ctx, fname, argv[0], 1, "a BLOB", &buf, &n)) return;
    if (!pk_zstd_is_frame(buf, (size_t)n)) {
        sqlite3_result_blob64(ctx, buf, (sqlite3_uint64)n, SQLITE_TRANSIENT); /* not compressed */
        return;
    }
    pk_limits lim;
    pk_sql_limits(ctx, &lim);
    pk_err err;
    pk_err_clear(&err);
    uint8_t *out;
    size_t len;
    if (pk_zstd_decompress(&pk_sql_alloc, buf, (size_t)n, lim.max_output, &out, &len, &err)) {
        pk_sql_error(ctx, fname, &err);
        if (err.code == PK_ELIMIT) sqlite3_result_error_code(ctx, SQLITE_TOOBIG);
        return;
    }
    sqlite3_result_blob64(ctx, out, len, sqlite3_free);
}
