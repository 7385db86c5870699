/*
 * bench_core.c - decode and decode+compile time of one pickle through the core alone (no SQLite,
 * no copy of the blob into a statement), for scripts/bench.py's trees section.
 *
 *   bench_core FILE REPEAT   ->  prints "decode_ms compile_ms" (medians over REPEAT runs)
 */
#include "pk_doc.h"
#include "pk_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f) return 2;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) return 2;
    fclose(f);
    int reps = atoi(argv[2]);
    if (reps < 1 || reps > 100000) return 2;
    double *dec = malloc(sizeof(double) * (size_t)reps), *all = malloc(sizeof(double) * (size_t)reps);
    if (!dec || !all) return 2;
    for (int i = 0; i < reps; i++) {
        pk_err err;
        pk_err_clear(&err);
        double t0 = now();
        pk_doc *doc = pk_doc_decode(&pk_alloc_std, NULL, buf, (size_t)n, PK_DOC_BORROW, &err);
        double t1 = now();
        pk_model *m = doc ? pk_model_compile(&pk_alloc_std, doc->root, &err) : NULL;
        double t2 = now();
        if (!m) {
            fprintf(stderr, "bench_core: %s\n", err.msg);
            return 1;
        }
        pk_model_free(m);
        pk_doc_free(doc);
        dec[i] = t1 - t0;
        all[i] = t2 - t0;
    }
    qsort(dec, (size_t)reps, sizeof(double), cmp);
    qsort(all, (size_t)reps, sizeof(double), cmp);
    printf("%.6f %.6f\n", dec[reps / 2] * 1e3, all[reps / 2] * 1e3);
    free(buf);
    free(dec);
    free(all);
    return 0;
}
