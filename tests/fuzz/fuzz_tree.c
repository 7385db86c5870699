/*
 * fuzz_tree.c - libFuzzer target: the tree compiler on mutated node arrays.
 *
 * Input: byte 0 chooses the layout (bit 0: 64-byte records with missing_go_to_left, else 56),
 * classifier or regressor (bit 1), whether the tree is also wrapped 9 times in a RandomForest
 * (bit 2: exercises the lock-step group walk and its tail), and n_features = 1 + (bits 3-5);
 * byte 1 the class count (2 + bits 0-1). The rest are the node records themselves (at most
 * 256 of them), so left_child / right_child / feature / threshold / missing_go_to_left take any
 * value: children out of range, cycles, shared children, one-child nodes, huge features, NaN
 * thresholds. The tree is wrapped in a DecisionTree estimator (tests/fuzz/tree_graph.h),
 * compiled, and, when it compiles, predict (and predict_proba) run on rows mixing ordinary
 * values, the thresholds themselves, +-0, NaN and huge values.
 * The same rows are then scored together with pk_model_run_block (the forest's block kernel:
 * rows in lock step through each tree): every row's output and error code must equal the row
 * kernel's, bit for bit.
 * Invariants besides ASan/UBSan: a failed compile is PK_EMODEL with a message; a compiled
 * tree's probabilities lie in [0, 1]; a run ends (libFuzzer's -timeout catches an endless walk).
 */
#include "fuzz_util.h"
#include "pk_model.h"
#include "tree_graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES 256
#define NT_FOREST 9

#define ROWS 12

/* Scores the rows X (ROWS x nf) with pk_model_run_block, restarting after each refused row,
 * and checks outputs and codes against the row kernel's (want, codes). */
static void check_block(const pk_model *m, int meth, const double *X, size_t nf, const double *want,
                        const pk_code *codes) {
    size_t w = m->width[meth];
    double *scratch = malloc(pk_model_block_scratch_len(m) * sizeof(double));
    double out[ROWS * 64];
    if (!scratch) return;
    size_t r = 0;
    while (r < ROWS) {
        pk_err err;
        pk_err_clear(&err);
        size_t bad = 0;
        pk_code rc = pk_model_run_block(m, (pk_method)meth, X + r * nf, ROWS - r, scratch,
                                        out + r * w, &bad, &err);
        size_t end = rc == PK_OK ? ROWS : r + bad;
        for (size_t i = r; i < end; i++) {
            FUZZ_CHECK(codes[i] == PK_OK);
            FUZZ_CHECK(memcmp(out + i * w, want + i * w, w * sizeof(double)) == 0);
        }
        if (rc == PK_OK) break;
        FUZZ_CHECK(end < ROWS && codes[end] == rc && err.msg[0]);
        r = end + 1;
    }
    free(scratch);
}

static void run_rows(const pk_model *m, const uint8_t *rec, size_t n, size_t rs, size_t nf) {
    double scratch[4096], out[64], x[8];
    double X[ROWS * 8], got[2][ROWS * 64];
    pk_code codes[2][ROWS];
    if (pk_model_scratch_len(m) > 4096 || pk_model_out_len(m) > 64) return;
    static const double special[] = {0.0, -0.0, NAN, 1e300, -1e300, 0.1, -0.5, 3.0};
    for (size_t r = 0; r < ROWS; r++) {
        for (size_t j = 0; j < nf; j++) {
            size_t k = (r * 7 + j * 3) % (n + 8);
            if (k < n)
                memcpy(&x[j], rec + k * rs + 24, 8); /* a threshold of the input */
            else
                x[j] = special[k - n];
            if (r % 3 == 0 && isnan(x[j])) x[j] = 0.25;
        }
        memcpy(X + r * nf, x, nf * sizeof(double));
        for (int meth = PK_PREDICT; meth <= PK_PREDICT_PROBA; meth++) {
            pk_err err;
            pk_err_clear(&err);
            pk_code rc = pk_model_run(m, (pk_method)meth, x, scratch, out, &err);
            codes[meth - PK_PREDICT][r] = rc;
            if (rc == PK_OK && m->width[meth] <= 64)
                memcpy(got[meth - PK_PREDICT] + r * m->width[meth], out,
                       m->width[meth] * sizeof(double));
            if (rc != PK_OK) {
                FUZZ_CHECK(err.code != PK_OK && err.msg[0]);
                continue;
            }
            if (meth == PK_PREDICT_PROBA && m->shape[meth] == PK_OUT_ARRAY)
                for (size_t k = 0; k < m->width[meth]; k++)
                    FUZZ_CHECK(isnan(out[k]) || (out[k] >= 0.0 && out[k] <= 1.0 + 1e-9));
            if (meth == PK_PREDICT && m->shape[meth] == PK_OUT_LABEL)
                FUZZ_CHECK(out[0] >= 0 && out[0] < (double)m->n_classes);
        }
    }
    for (int meth = PK_PREDICT; meth <= PK_PREDICT_PROBA; meth++)
        if (m->shape[meth] != PK_OUT_NONE)
            check_block(m, meth, X, nf, got[meth - PK_PREDICT], codes[meth - PK_PREDICT]);
}

static void try_model(const pk_value *o, const uint8_t *rec, size_t n, size_t rs, size_t nf) {
    if (!o) return;
    pk_err err;
    pk_err_clear(&err);
    pk_model *m = pk_model_compile(&pk_alloc_std, o, &err);
    if (!m) {
        FUZZ_CHECK(err.code == PK_EMODEL || err.code == PK_ENOMEM || err.code == PK_ELIMIT);
        FUZZ_CHECK(err.msg[0] != 0);
        return;
    }
    run_rows(m, rec, n, rs, nf);
    pk_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    int rec64 = data[0] & 1, clf = (data[0] >> 1) & 1, forest = (data[0] >> 2) & 1;
    size_t nf = 1 + ((data[0] >> 3) & 7);
    int64_t ncls = clf ? 2 + (data[1] & 3) : 1;
    size_t rs = rec64 ? 64 : 56;
    size_t n = (size - 2) / rs;
    if (n == 0) return 0;
    if (n > MAX_NODES) n = MAX_NODES;
    pk_arena ar;
    pk_arena_init(&ar, &pk_alloc_std, 0);
    uint8_t *rec = pk_arena_alloc(&ar, n * rs);
    double *vals = pk_arena_alloc(&ar, n * (size_t)ncls * sizeof(double));
    if (!rec || !vals) {
        pk_arena_free(&ar);
        return 0;
    }
    memcpy(rec, data + 2, n * rs);
    for (size_t i = 0; i < n * (size_t)ncls; i++)
        vals[i] = (double)((i * 2654435761u) % 7);
    pk_value *dt = tg_node_dtype(&ar, rec64, 'f', 8);
    pk_value *tree = tg_tree(&ar, dt, rec, n, n * rs, (int64_t)nf, ncls, vals);
    pk_value *est = tg_estimator(&ar, clf, tree, (int64_t)nf, ncls);
    try_model(est, rec, n, rs, nf);
    if (forest && est) {
        pk_value *list = pk_new_seq(&ar, PK_LIST, NT_FOREST);
        pk_err err;
        for (int i = 0; list && i < NT_FOREST; i++)
            pk_seq_append(&ar, list, est, &err);
        try_model(tg_forest(&ar, clf, list, (int64_t)nf, ncls), rec, n, rs, nf);
    }
    pk_arena_free(&ar);
    return 0;
}
