/*
 * bench_serve.c - single requests: one prepared `SELECT model_predict(<model>, ?, ...)` stepped
 * and reset again and again from C, the model given by registry name or as a bound BLOB, for
 * scripts/bench.py's serving section.
 *
 *   bench_serve EXT PICKLE NFEAT DB CALLS  ->  one line per measurement: "<label> <ns per call>"
 *
 * DB is ":memory:" or a file path (created; "wal:" before the path selects WAL mode). The model
 * is registered as 'm' with alias 'production'. Measured, each the best of 5 runs of CALLS calls
 * (process CPU time, which a machine shared with other jobs disturbs less than wall time):
 *   blob      model_predict(?blob, ...): the pickle bound (SQLITE_STATIC), found in the
 *             connection's model cache by content
 *   name      model_predict('m@production', ...), autocommit: no transaction open
 *   name_txn  the same inside BEGIN ... COMMIT (a read transaction held across the calls)
 *   blob_txn  the blob form inside BEGIN ... COMMIT
 *   readtx, readtx_txn  `SELECT 1 FROM ml_versions LIMIT 1`, no model: a statement that only
 *             reads the database, in autocommit (it starts and ends a read transaction: the
 *             file locks) and inside BEGIN ... COMMIT; their difference is what a read
 *             transaction costs, the whole of a name's extra cost in autocommit on a file
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(sqlite3 *db, const char *what) {
    fprintf(stderr, "bench_serve: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench_serve: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

/* Creates the registry: the script ml_registry_sql() returns, run by this client; a build
 * without ml_registry_sql (an older baseline) creates it with ml_registry_init(). */
static void create_registry(sqlite3 *db) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT ml_registry_sql()", -1, &st, NULL) != SQLITE_OK) {
        exec(db, "SELECT ml_registry_init()");
        return;
    }
    if (sqlite3_step(st) != SQLITE_ROW) die(db, "ml_registry_sql");
    const char *script = (const char *)sqlite3_column_text(st, 0);
    if (!script) die(db, "ml_registry_sql");
    exec(db, script);
    sqlite3_finalize(st);
}

/* Best ns per call of CALLS step+reset cycles of st, over 5 runs. */
static double time_calls(sqlite3 *db, sqlite3_stmt *st, long calls) {
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        for (long i = 0; i < calls; i++) {
            if (sqlite3_step(st) != SQLITE_ROW) die(db, "step");
            sqlite3_reset(st);
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    return best * 1e9 / (double)calls;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: bench_serve EXT PICKLE NFEAT DB CALLS\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) return 2;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *blob = malloc((size_t)n);
    if (!blob || fread(blob, 1, (size_t)n, f) != (size_t)n) return 2;
    fclose(f);
    int nf = atoi(argv[3]);
    long calls = atol(argv[5]);
    if (nf < 1 || nf > 100 || calls < 1) return 2;
    const char *path = argv[4];
    int wal = strncmp(path, "wal:", 4) == 0;
    if (wal) path += 4;

    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, "open");
    sqlite3_enable_load_extension(db, 1);
    char *err = NULL;
    if (sqlite3_load_extension(db, argv[1], NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench_serve: load: %s\n", err ? err : "?");
        return 1;
    }
    if (wal) exec(db, "PRAGMA journal_mode=WAL");
    create_registry(db);
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO ml_registry(name, pickle, aliases) "
                           "VALUES ('m', ?, 'production')",
                           -1, &ins, NULL) != SQLITE_OK)
        die(db, "prepare insert");
    sqlite3_bind_blob(ins, 1, blob, (int)n, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) die(db, "register");
    sqlite3_finalize(ins);

    char sql[2][1024];
    for (int k = 0; k < 2; k++) {
        snprintf(sql[k], sizeof sql[k], "SELECT model_predict(%s", k ? "'m@production'" : "?");
        for (int j = 0; j < nf; j++)
            strcat(sql[k], ", ?");
        strcat(sql[k], ")");
    }
    sqlite3_stmt *st[3];
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM ml_versions LIMIT 1", -1, &st[2], NULL) != SQLITE_OK)
        die(db, "prepare readtx");
    for (int k = 0; k < 2; k++) {
        if (sqlite3_prepare_v2(db, sql[k], -1, &st[k], NULL) != SQLITE_OK) die(db, sql[k]);
        int first = k ? 1 : 2;
        if (!k) sqlite3_bind_blob(st[k], 1, blob, (int)n, SQLITE_STATIC);
        for (int j = 0; j < nf; j++)
            sqlite3_bind_double(st[k], first + j, 0.25 * (j + 1));
        if (sqlite3_step(st[k]) != SQLITE_ROW) die(db, "first call");
        sqlite3_reset(st[k]);
    }
    printf("blob %.1f\n", time_calls(db, st[0], calls));
    printf("name %.1f\n", time_calls(db, st[1], calls));
    printf("readtx %.1f\n", time_calls(db, st[2], calls));
    exec(db, "BEGIN");
    exec(db, "SELECT count(*) FROM ml_versions"); /* starts the read transaction */
    printf("name_txn %.1f\n", time_calls(db, st[1], calls));
    printf("blob_txn %.1f\n", time_calls(db, st[0], calls));
    printf("readtx_txn %.1f\n", time_calls(db, st[2], calls));
    exec(db, "COMMIT");
    for (int k = 0; k < 3; k++)
        sqlite3_finalize(st[k]);
    if (sqlite3_close(db) != SQLITE_OK) die(db, "close");
    free(blob);
    return 0;
}
