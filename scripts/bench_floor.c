/*
 * bench_floor.c - what the operations a row's score is made of cost on this machine, for the
 * per-row floors of scripts/bench.py (families and XGBoost sections): ns per libm call, per
 * step of a serial sum, per element of the blocked dot kernels of ext/model/pk_linalg.h on a
 * given shape, per node step of a lock-step tree walk. Each figure is the best of many runs in
 * process CPU time (a shared machine disturbs that less than wall time).
 *
 *   bench_floor SPEC...    SPEC: exp | pow | tanh | chain | sq:RxC | dot:RxC | cols:RxC | walk:TxD
 *   prints one line per SPEC: "SPEC ns"
 *
 *   exp, pow, tanh  one libm call (independent calls; pow with exponent 2, as a kd-tree bound)
 *   chain           one step of s += a * b where each step needs the previous sum (a pair sum of
 *                   an SVM: the order is fixed, so the additions cannot overlap)
 *   sq:RxC          one element of pk_sqdists_rows over R rows of C features (x - y)^2
 *   dot:RxC         one element of pk_dots_rows over R rows of C features
 *   cols:RxC        one element of pk_dots_cols: R outputs from C inputs (an MLP layer)
 *   walk:TxD        one node of T trees of depth D walked eight at a time (XGBoost's kernel)
 */
#include "pk_linalg.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile double sink;
static volatile double two = 2.0; /* pow's exponent, not known to the compiler (pow(v, 2.0) with
                                     a constant 2.0 is compiled as v * v) */

static double cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rng_state = 88172645463325252ull;
static double rnd(void) { /* xorshift64, uniform in [0, 1) */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1p-53;
}

enum { N1 = 4096, RUNS = 30 };

typedef struct {
    int kind;
    size_t r, c;
    double *a, *x, *out;
    int32_t *feat, *kid;
    float *thr, *xf;
} job;

enum { K_EXP, K_POW, K_TANH, K_CHAIN, K_SQ, K_DOT, K_COLS, K_WALK };

/* One run of the job; returns the units it did. */
static double run(job *j) {
    double s = 0;
    switch (j->kind) {
    case K_EXP:
        for (size_t i = 0; i < N1; i++)
            j->out[i] = exp(j->a[i]);
        return N1;
    case K_POW:
        for (size_t i = 0; i < N1; i++)
            j->out[i] = pow(j->a[i], two);
        return N1;
    case K_TANH:
        for (size_t i = 0; i < N1; i++)
            j->out[i] = tanh(j->a[i]);
        return N1;
    case K_CHAIN:
        for (size_t i = 0; i < N1; i++)
            s += j->a[i] * j->x[i];
        sink = s;
        return N1;
    case K_SQ:
        pk_sqdists_rows(j->a, j->r, j->c, j->x, j->out);
        return (double)(j->r * j->c);
    case K_DOT:
        pk_dots_rows(j->a, j->r, j->c, j->x, j->out);
        return (double)(j->r * j->c);
    case K_COLS:
        pk_dots_cols(j->a, j->r, j->r, j->x, j->c, j->out);
        return (double)(j->r * j->c);
    default: { /* K_WALK: r trees of depth c, nodes 2^c - 1 + leaves, 64 rows */
        size_t nn = ((size_t)2 << j->c) - 1;
        for (size_t row = 0; row < 64; row++) {
            const float *xf = j->xf + row * 20;
            for (size_t t0 = 0; t0 + 8 <= j->r; t0 += 8) {
                uint32_t ix[8] = {0};
                for (size_t d = 0; d < j->c; d++)
                    for (size_t u = 0; u < 8; u++) {
                        size_t q = (t0 + u) * nn + ix[u];
                        ix[u] = (uint32_t)j->kid[q] + (xf[j->feat[q]] > j->thr[q]);
                    }
                for (size_t u = 0; u < 8; u++)
                    s += (double)ix[u];
            }
        }
        sink = s;
        return (double)(64 * (j->r / 8 * 8) * j->c);
    }
    }
}

static int parse(const char *spec, job *j) {
    static const char *const names[] = {"exp", "pow", "tanh", "chain"};
    memset(j, 0, sizeof *j);
    for (int k = 0; k < 4; k++)
        if (strcmp(spec, names[k]) == 0) {
            j->kind = k;
            j->r = N1;
            j->c = 1;
            return 1;
        }
    char kind[8];
    unsigned long r, c;
    if (sscanf(spec, "%7[a-z]:%lux%lu", kind, &r, &c) != 3 || r == 0 || c == 0 || r > 10000000 ||
        c > 100000 || r * c > 50000000)
        return 0;
    j->r = r;
    j->c = c;
    if (strcmp(kind, "sq") == 0)
        j->kind = K_SQ;
    else if (strcmp(kind, "dot") == 0)
        j->kind = K_DOT;
    else if (strcmp(kind, "cols") == 0)
        j->kind = K_COLS;
    else if (strcmp(kind, "walk") == 0 && c <= 20)
        j->kind = K_WALK;
    else
        return 0;
    return 1;
}

static int setup(job *j) {
    size_t na = j->kind == K_WALK ? 1 : j->r * j->c;
    if (j->kind <= K_CHAIN) na = N1;
    j->a = malloc(na * sizeof(double));
    j->x = malloc((j->kind <= K_CHAIN ? N1 : j->c) * sizeof(double));
    j->out = malloc((j->kind <= K_CHAIN ? N1 : j->r) * sizeof(double));
    if (!j->a || !j->x || !j->out) return 0;
    for (size_t i = 0; i < na; i++)
        j->a[i] = j->kind == K_EXP ? -30 * rnd() : j->kind == K_TANH ? 6 * rnd() - 3 : 3 * rnd();
    for (size_t i = 0; i < (j->kind <= K_CHAIN ? N1 : j->c); i++)
        j->x[i] = rnd() - 0.5;
    if (j->kind == K_WALK) {
        size_t nn = ((size_t)2 << j->c) - 1, total = nn * j->r;
        j->feat = malloc(total * sizeof(int32_t));
        j->kid = malloc(total * sizeof(int32_t));
        j->thr = malloc(total * sizeof(float));
        j->xf = malloc(64 * 20 * sizeof(float));
        if (!j->feat || !j->kid || !j->thr || !j->xf) return 0;
        for (size_t t = 0; t < j->r; t++)
            for (size_t i = 0; i < nn; i++) {
                j->feat[t * nn + i] = (int32_t)(rnd() * 20);
                j->thr[t * nn + i] = (float)(rnd() - 0.5);
                j->kid[t * nn + i] = (int32_t)(2 * i + 1 < nn ? 2 * i + 1 : i); /* leaves loop */
            }
        for (size_t i = 0; i < 64 * 20; i++)
            j->xf[i] = (float)(rnd() - 0.5);
    }
    return 1;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        job j;
        if (!parse(argv[i], &j)) {
            fprintf(stderr, "bench_floor: bad spec %s\n", argv[i]);
            return 2;
        }
        if (!setup(&j)) return 1;
        /* each timed run repeats the job to at least 100,000 units, far above the clock's
         * resolution and cost */
        double once = run(&j), units = 0, best = 1e300;
        size_t reps = (size_t)(100000 / once) + 1;
        for (int r = 0; r < RUNS; r++) {
            double t0 = cpu();
            units = 0;
            for (size_t k = 0; k < reps; k++)
                units += run(&j);
            double dt = cpu() - t0;
            if (dt < best) best = dt;
        }
        printf("%s %.4f\n", argv[i], best * 1e9 / units);
        free(j.a);
        free(j.x);
        free(j.out);
        free(j.feat);
        free(j.kid);
        free(j.thr);
        free(j.xf);
    }
    return 0;
}
