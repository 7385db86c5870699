/*
 * bench_block.c - a compiled model scoring many rows through the core alone: row by row
 * (pk_model_run) beside blocks of rows (pk_model_run_block), checked equal bit for bit, for
 * scripts/bench.py's blocks section and tests/python/test_block.py.
 *
 *   bench_block PICKLE ROWS METHOD REPEAT
 *
 * ROWS is a file of float64 values (native byte order), n_features per row; METHOD is predict,
 * predict_proba or decision_function. Prints one line:
 *   "rows R same S has_block H row_ns A block_ns B"
 * S = 1 when every row's output (and every refused row's error) is the same both ways, H = 1
 * when the method has a block kernel; A and B are the best of REPEAT runs, in ns per row
 * (process CPU time). A difference is described on stderr and the exit status is 1.
 */
#include "pk_doc.h"
#include "pk_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc(len > 0 ? (size_t)len : 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* Scores every row; a refused row gets code != PK_OK and NaN outputs. Returns seconds. */
static double score(const pk_model *m, pk_method meth, const double *X, size_t rows, int block,
                    double *scratch, double *out, int *codes) {
    size_t nf = m->n_features, w = m->width[meth];
    double t0 = now();
    if (block) {
        size_t r = 0;
        while (r < rows) {
            pk_err err;
            pk_err_clear(&err);
            size_t bad = 0;
            pk_code rc =
                pk_model_run_block(m, meth, X + r * nf, rows - r, scratch, out + r * w, &bad, &err);
            for (size_t i = r; i < (rc == PK_OK ? rows : r + bad); i++)
                codes[i] = PK_OK;
            if (rc == PK_OK) break;
            codes[r + bad] = rc;
            for (size_t k = 0; k < w; k++)
                out[(r + bad) * w + k] = 0.0;
            r += bad + 1;
        }
    } else {
        for (size_t r = 0; r < rows; r++) {
            pk_err err;
            pk_err_clear(&err);
            codes[r] = pk_model_run(m, meth, X + r * nf, scratch, out + r * w, &err);
            if (codes[r] != PK_OK)
                for (size_t k = 0; k < w; k++)
                    out[r * w + k] = 0.0;
        }
    }
    return now() - t0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench_block PICKLE ROWS METHOD REPEAT\n");
        return 2;
    }
    size_t n, xb;
    unsigned char *buf = read_all(argv[1], &n);
    double *X = read_all(argv[2], &xb);
    int reps = atoi(argv[4]);
    if (!buf || !X || reps < 1) return 2;
    pk_method meth = strcmp(argv[3], "predict") == 0             ? PK_PREDICT
                     : strcmp(argv[3], "predict_proba") == 0     ? PK_PREDICT_PROBA
                     : strcmp(argv[3], "decision_function") == 0 ? PK_DECISION
                                                                 : PK_METHOD_COUNT;
    if (meth == PK_METHOD_COUNT) return 2;
    pk_err err;
    pk_err_clear(&err);
    pk_doc *doc = pk_doc_decode(&pk_alloc_std, NULL, buf, n, PK_DOC_BORROW, &err);
    pk_model *m = doc ? pk_model_compile(&pk_alloc_std, doc->root, &err) : NULL;
    if (!m) {
        fprintf(stderr, "bench_block: %s\n", err.msg);
        return 2;
    }
    size_t nf = m->n_features, w = m->width[meth];
    if (nf == 0 || xb % (nf * sizeof(double)) != 0 || w == 0) return 2;
    size_t rows = xb / (nf * sizeof(double));
    double *scratch = malloc(pk_model_block_scratch_len(m) * sizeof(double));
    double *o1 = calloc(rows * w + 1, sizeof(double)), *o2 = calloc(rows * w + 1, sizeof(double));
    int *c1 = calloc(rows + 1, sizeof(int)), *c2 = calloc(rows + 1, sizeof(int));
    if (!scratch || !o1 || !o2 || !c1 || !c2) return 2;
    double best1 = 1e30, best2 = 1e30;
    for (int i = 0; i < reps; i++) {
        double t1 = score(m, meth, X, rows, 0, scratch, o1, c1);
        double t2 = score(m, meth, X, rows, 1, scratch, o2, c2);
        if (t1 < best1) best1 = t1;
        if (t2 < best2) best2 = t2;
    }
    int same = 1;
    for (size_t r = 0; r < rows && same; r++) {
        if (c1[r] != c2[r] || memcmp(o1 + r * w, o2 + r * w, w * sizeof(double)) != 0) {
            fprintf(stderr, "bench_block: row %zu differs: code %d/%d, first value %.17g/%.17g\n",
                    r, c1[r], c2[r], o1[r * w], o2[r * w]);
            same = 0;
        }
    }
    printf("rows %zu same %d has_block %d row_ns %.1f block_ns %.1f\n", rows, same,
           pk_model_has_block(m, meth), best1 * 1e9 / (double)rows, best2 * 1e9 / (double)rows);
    pk_model_free(m);
    pk_doc_free(doc);
    free(buf);
    free(X);
    free(scratch);
    free(o1);
    free(o2);
    free(c1);
    free(c2);
    return same ? 0 : 1;
}
