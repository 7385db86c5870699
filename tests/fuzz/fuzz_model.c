/*
 * fuzz_model.c - libFuzzer target: decoded pickle -> pk_model_compile -> pk_model_run of every
 * method on a few rows (what model_predict and friends do per row).
 *
 * The rows are derived deterministically from the input (an FNV-1a hash seeds a xorshift
 * generator) and mix ordinary values with 0, -0, NaN (a missing value), +-infinity, huge and
 * tiny magnitudes. Invariants besides ASan/UBSan:
 *   - a failed compile or run returns a coded, non-empty message;
 *   - a compiled model has 1 <= scratch and out lengths, widths no larger than out_len, and a
 *     PK_OUT_LABEL result indexes into its classes;
 *   - pk_model_free releases everything (LeakSanitizer).
 * Every model is also run on typed rows (pk_model_run_cells: cells that are NULL, numbers from the
 * same generator, or texts from a pool of numeric, non-numeric, Unicode and invalid UTF-8
 * strings), its cell map (SimpleImputer on strings) and its inverse (label encoders) on
 * generated values.
 * Models claiming more than 2^16 features are compiled and freed but not run (the buffers a row
 * needs are the caller's business; the SQL glue refuses the call with a feature-count error).
 */
#include "fuzz_util.h"
#include "pk_model.h"

#include <math.h>

static uint64_t g_state;

static uint64_t next_rand(void) {
    g_state ^= g_state << 13;
    g_state ^= g_state >> 7;
    g_state ^= g_state << 17;
    return g_state;
}

static double rand_value(void) {
    uint64_t r = next_rand();
    switch (r % 16) {
    case 0:
        return 0.0;
    case 1:
        return -0.0;
    case 2:
        return NAN;
    case 3:
        return INFINITY;
    case 4:
        return -INFINITY;
    case 5:
        return 1e308;
    case 6:
        return -1e308;
    case 7:
        return 5e-324;
    case 8:
        return (double)(int64_t)(r >> 40) - 8388608.0;
    default:
        return ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 20.0;
    }
}

static const char *const TEXTS[] = {"",   "fr",       "1",        " 2.5 ", "nan",  "-inf",
                                    "zz", "\xff\xfe", "\xd9\xa1", "1_000", "None", "missing"};

static void rand_cell(pk_cell *c) {
    uint64_t r = next_rand();
    memset(c, 0, sizeof *c);
    switch (r % 4) {
    case 0:
        c->type = PK_CELL_NULL;
        return;
    case 1:
        c->type = PK_CELL_NUM;
        c->num = rand_value();
        return;
    case 2:
        c->type = PK_CELL_NUM;
        c->num = (double)((r >> 8) % 8);
        return;
    default:
        c->type = PK_CELL_TEXT;
        c->s = TEXTS[(r >> 8) % (sizeof TEXTS / sizeof TEXTS[0])];
        c->len = strlen(c->s);
        return;
    }
}

/* Typed rows, the cell map and the inverse of m (buffers as the SQL glue sizes them). */
static void run_typed(pk_model *m, double *x, double *scratch, double *out, size_t nout) {
    size_t nf = m->n_features ? m->n_features : 1;
    size_t ncm = m->cmap_width > m->inverse_width ? m->cmap_width : m->inverse_width;
    pk_cell *cells = calloc(nf, sizeof *cells);
    pk_cell *cout = calloc(ncm ? ncm : 1, sizeof *cout);
    FUZZ_CHECK(cells && cout);
    pk_err err;
    for (int row = 0; row < 4; row++) {
        for (size_t j = 0; j < nf; j++)
            rand_cell(&cells[j]);
        for (int k = 0; k < PK_METHOD_COUNT; k++) {
            pk_err_clear(&err);
            pk_code c = pk_model_run_cells(m, (pk_method)k, cells, x, scratch, out, &err);
            if (c != PK_OK) {
                fuzz_check_err(&err);
                continue;
            }
            if (m->shape[k] == PK_OUT_LABEL)
                FUZZ_CHECK(out[0] >= 0 && out[0] < (double)m->n_classes);
        }
        if (m->cmap) {
            pk_err_clear(&err);
            if (m->cmap(m, cells, cout, &err) != PK_OK) fuzz_check_err(&err);
        }
        if (m->inverse && m->inverse_width <= nout) {
            for (size_t j = 0; j < m->inverse_width; j++)
                out[j] = row == 0 ? (double)j : rand_value();
            size_t cls = 0;
            pk_err_clear(&err);
            if (m->inverse(m, out, m->inverse_width, &cls, &err) != PK_OK)
                fuzz_check_err(&err);
            else
                FUZZ_CHECK(cls < m->n_classes);
        }
    }
    free(cells);
    free(cout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pk_limits lim;
    pk_doc *doc = fuzz_decode(data, size, &lim);
    if (!doc) return 0;
    pk_err err;
    pk_err_clear(&err);
    pk_model *m = pk_model_compile(&pk_alloc_std, doc->root, &err);
    pk_doc_free(doc); /* the model must not point into the graph */
    if (!m) {
        fuzz_check_err(&err);
        return 0;
    }
    size_t nscratch = pk_model_scratch_len(m), nout = pk_model_out_len(m);
    FUZZ_CHECK(nscratch >= 1 && nout >= 1);
    for (int k = 0; k < PK_METHOD_COUNT; k++)
        if (m->shape[k] != PK_OUT_NONE) FUZZ_CHECK(m->width[k] <= nout);
    (void)pk_model_kind_name(m->kind);

    if (m->n_features <= (1u << 16) && nscratch <= (1u << 24) && nout <= (1u << 24)) {
        size_t nf = m->n_features ? m->n_features : 1;
        double *x = calloc(nf, sizeof *x);
        double *scratch = calloc(nscratch, sizeof *scratch);
        double *out = calloc(nout, sizeof *out);
        FUZZ_CHECK(x && scratch && out);
        g_state = 1469598103934665603ull;
        for (size_t i = 0; i < size; i++)
            g_state = (g_state ^ data[i]) * 1099511628211ull;
        if (!g_state) g_state = 1;
        for (int row = 0; row < 4 && !pk_model_typed(m); row++) {
            for (size_t j = 0; j < nf; j++)
                x[j] = row == 0 ? 0.5 : rand_value();
            for (int k = 0; k < PK_METHOD_COUNT; k++) {
                pk_err_clear(&err);
                pk_code c = pk_model_run(m, (pk_method)k, x, scratch, out, &err);
                (void)pk_method_name((pk_method)k);
                if (c != PK_OK) {
                    fuzz_check_err(&err);
                    continue;
                }
                FUZZ_CHECK(m->shape[k] != PK_OUT_NONE);
                if (m->shape[k] == PK_OUT_LABEL) {
                    double lab = out[0];
                    FUZZ_CHECK(lab >= 0 && lab < (double)m->n_classes);
                }
            }
        }
        run_typed(m, x, scratch, out, nout);
        free(x);
        free(scratch);
        free(out);
    }
    pk_model_free(m);
    return 0;
}
