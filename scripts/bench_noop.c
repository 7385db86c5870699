/*
 * bench_noop.c - a loadable SQLite extension with one function, bench_noop(...), that takes any
 * number of arguments, reads none of them and returns 0: the per-row floor of a C function
 * called by SQLite with the same arguments as model_predict. scripts/bench.py builds it
 * (cc -shared) and times sum(bench_noop(?, a, b, c, d, e)) beside model_predict.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

static void noop(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_int(ctx, 0);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
    int sqlite3_benchnoop_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
    (void)err;
    SQLITE_EXTENSION_INIT2(api);
    return sqlite3_create_function(db, "bench_noop", -1, SQLITE_UTF8, 0, noop, 0, 0);
}
