/*
 * bench_core.c - decode and decode+compile time of one pickle through the core alone (no SQLite,
 * no copy of the blob into a statement), for scripts/bench.py's trees section.
 *
 *   bench_core FILE REPEAT [warm]  ->  prints "decode_ms compile_ms" (medians over REPEAT runs)
 *   bench_core dtoa COUNT          ->  prints "dtoa_ns N": pk_dtoa_shortest's time per number
 *                                      (best of 5 passes over COUNT probabilities in (0, 1):
 *                                      what model_predict_proba writes as text)
 *
 * `warm` first allocates, touches and frees one 16 MiB block. glibc's malloc then raises its
 * mmap and trim thresholds (they follow the largest mmapped block freed), so the memory each
 * run frees stays in the heap for the next run instead of going back to the kernel and being
 * page-faulted in again. A long-running process (the Python process that measures
 * pickle.loads, a SQLite host) is in that state already; a fresh process is not.
 */
#include "pk_doc.h"
#include "pk_dtoa.h"
#include "pk_model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* ns per pk_dtoa_shortest call over count values spread over (0, 1), best of 5 passes. */
static int dtoa_bench(long count) {
    if (count < 1 || count > 100000000) return 2;
    double *v = malloc(sizeof(double) * (size_t)count);
    if (!v) return 2;
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (long i = 0; i < count; i++) { /* xorshift: 53 random bits -> [0, 1), never 0 */
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v[i] = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
    }
    double best = 1e30;
    unsigned sink = 0;
    for (int r = 0; r < 5; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        for (long i = 0; i < count; i++) {
            char d[17];
            int e;
            sink += (unsigned)pk_dtoa_shortest(v[i], d, &e) + (unsigned char)d[0];
        }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
        double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        if (dt < best) best = dt;
    }
    printf("dtoa_ns %.1f %u\n", best * 1e9 / (double)count, sink & 1u);
    free(v);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "dtoa") == 0) return dtoa_bench(atol(argv[2]));
    if (argc != 3 && !(argc == 4 && strcmp(argv[3], "warm") == 0)) return 2;
    if (argc == 4) {
        size_t big = (size_t)16 << 20;
        unsigned char *p = malloc(big);
        if (!p) return 2;
        memset(p, 1, big);
        free(p);
    }
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
    double *dec = malloc(sizeof(double) * (size_t)reps),
           *all = malloc(sizeof(double) * (size_t)reps);
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
