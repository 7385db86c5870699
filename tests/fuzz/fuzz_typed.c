/*
 * fuzz_typed.c - libFuzzer target: typed and named rows of a real DataFrame pipeline
 * (fuzz_typed_model.h: a ColumnTransformer of a string imputer + OneHotEncoder with infrequent
 * categories and drop, OneHotEncoder, OrdinalEncoder, SimpleImputer with indicator +
 * StandardScaler and a MissingIndicator, then LogisticRegression) and of a composite of such
 * pipelines (fuzz_typed_composite.h: a soft VotingClassifier holding a CalibratedClassifierCV,
 * both passing the typed row through to their members).
 *
 * The input is used three ways: as the JSON text of one row (pk_features_from_json: arrays,
 * objects keyed by the feature names, strings with escapes), as positional TEXT cells (split at
 * byte 0x1f; cell i is NULL when empty and i is odd), and each piece as a number
 * (pk_pyfloat, which must agree with itself on a NUL-terminated copy). Invariants besides
 * ASan/UBSan: errors are coded with a message; probabilities are finite, in [0, 1], sum to 1
 * within 1e-9; the label indexes the classes; nothing leaks.
 */
#include "fuzz_util.h"
#include "pk_features.h"
#include "pk_model.h"
#include "pk_pyfloat.h"

#include "fuzz_typed_composite.h"
#include "fuzz_typed_model.h"

#include <math.h>

static pk_model *g_models[2];

static void check_result(const pk_model *m, pk_method k, const double *out) {
    if (k == PK_PREDICT) FUZZ_CHECK(out[0] >= 0 && out[0] < (double)m->n_classes);
    if (k == PK_PREDICT_PROBA) {
        /* A row for which every class is impossible (every log-likelihood -inf, e.g. a value
         * whose square overflows in GaussianNB) has NaN in every class, as scikit-learn gives;
         * otherwise the probabilities are in [0, 1] and sum to 1. */
        size_t nan = 0;
        for (size_t i = 0; i < m->width[k]; i++)
            nan += isnan(out[i]) != 0;
        if (nan == m->width[k]) return;
        double s = 0;
        for (size_t i = 0; i < m->width[k]; i++) {
            FUZZ_CHECK(out[i] >= 0 && out[i] <= 1);
            s += out[i];
        }
        FUZZ_CHECK(fabs(s - 1) < 1e-9);
    }
}

static void score(const pk_model *m, const pk_cell *cells, double *x, double *scratch,
                  double *out) {
    for (int k = 0; k < PK_METHOD_COUNT; k++) {
        pk_err err;
        pk_err_clear(&err);
        if (pk_model_run_cells(m, (pk_method)k, cells, x, scratch, out, &err) != PK_OK)
            fuzz_check_err(&err);
        else
            check_result(m, (pk_method)k, out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pk_model *load(const unsigned char *pkl, size_t len) {
    pk_limits lim;
    pk_err err;
    pk_doc *doc = fuzz_decode(pkl, len, &lim);
    FUZZ_CHECK(doc);
    pk_err_clear(&err);
    pk_model *m = pk_model_compile(&pk_alloc_std, doc->root, &err);
    pk_doc_free(doc);
    FUZZ_CHECK(m && pk_model_typed(m));
    return m;
}

static void one_model(const pk_model *m, const uint8_t *data, size_t size) {
    pk_err err;
    size_t nf = m->n_features;
    double *x = calloc(nf, sizeof *x);
    double *scratch = calloc(pk_model_scratch_len(m), sizeof *scratch);
    double *out = calloc(pk_model_out_len(m), sizeof *out);
    pk_cell *cells = calloc(nf, sizeof *cells);
    unsigned char *seen = calloc(nf, 1);
    char *strings = malloc(size + 1);
    FUZZ_CHECK(x && scratch && out && cells && seen && strings);

    /* 1. the input as one JSON row */
    pk_err_clear(&err);
    if (pk_features_from_json(m, (const char *)data, size, cells, seen, strings, &err) == PK_OK)
        score(m, cells, x, scratch, out);
    else
        fuzz_check_err(&err);

    /* 2. positional TEXT cells split at 0x1f, and 3. each piece as a number */
    size_t j = 0, start = 0;
    for (size_t i = 0; i <= size && j < nf; i++) {
        if (i < size && data[i] != 0x1f) continue;
        pk_cell *c = &cells[j];
        memset(c, 0, sizeof *c);
        c->type = i == start && j % 2 ? PK_CELL_NULL : PK_CELL_TEXT;
        c->s = (const char *)data + start;
        c->len = i - start;
        double v1, v2;
        int ok1 = pk_pyfloat(c->s, c->len, &v1);
        memcpy(strings, c->s, c->len);
        strings[c->len] = 0;
        int ok2 = pk_pyfloat(strings, c->len, &v2);
        FUZZ_CHECK(ok1 == ok2 && (!ok1 || (isnan(v1) && isnan(v2)) || v1 == v2));
        j++;
        start = i + 1;
    }
    for (; j < nf; j++) {
        memset(&cells[j], 0, sizeof cells[j]);
        cells[j].type = PK_CELL_NUM;
        cells[j].num = (double)j;
    }
    score(m, cells, x, scratch, out);

    free(x);
    free(scratch);
    free(out);
    free(cells);
    free(seen);
    free(strings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_models[0]) {
        g_models[0] = load(typed_model, sizeof typed_model);
        g_models[1] = load(typed_composite, sizeof typed_composite);
    }
    for (size_t i = 0; i < 2; i++)
        one_model(g_models[i], data, size);
    return 0;
}
