/*
 * fuzz_lgbm.c - libFuzzer target: LightGBM's text model reader (pk_lgbm_text.c) and the
 * description model_info gives of it (pk_lgbm.c), on fuzzed text.
 *
 * Invariants besides ASan/UBSan:
 *   - pk_lgbm_parse either reads the model or fails with a proper message (PK_EMODEL naming a
 *     line, PK_ENOMEM, PK_ELIMIT), and never reads outside the input (which is not
 *     NUL-terminated);
 *   - a model that reads is consistent: every tree's children and split features in range, each
 *     tree's leaves summed into n_leaves, and the depth of a tree below its number of leaves;
 *   - the same bytes behind "tree\nversion=" decode to a lightgbm.basic.Booster whose description
 *     is written without failing.
 */
#include "fuzz_util.h"
#include "pk_lgbm.h"
#include "pk_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_model(const pk_lgbm *m) {
    size_t leaves = 0;
    FUZZ_CHECK(m->n_features == (size_t)m->max_feature_idx + 1);
    FUZZ_CHECK(m->n_trees % (size_t)m->num_tree_per_iteration == 0);
    for (size_t i = 0; i < m->n_trees; i++) {
        const pk_lgbm_tree *t = &m->trees[i];
        FUZZ_CHECK(t->num_leaves >= 1);
        leaves += (size_t)t->num_leaves;
        FUZZ_CHECK(t->depth < (size_t)t->num_leaves);
        for (int32_t s = 0; s + 1 < t->num_leaves; s++) {
            FUZZ_CHECK(t->split_feature[s] >= 0 && t->split_feature[s] <= m->max_feature_idx);
            FUZZ_CHECK(t->left[s] < t->num_leaves - 1 && t->left[s] >= -t->num_leaves);
            FUZZ_CHECK(t->right[s] < t->num_leaves - 1 && t->right[s] >= -t->num_leaves);
        }
    }
    FUZZ_CHECK(leaves == m->n_leaves);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* an exact-size copy: a read past the end is caught */
    char *text = malloc(size ? size : 1);
    FUZZ_CHECK(text != NULL);
    if (size) memcpy(text, data, size);
    pk_arena ar;
    pk_arena_init(&ar, &pk_alloc_std, 64u << 20);
    pk_lgbm m;
    pk_err err;
    pk_err_clear(&err);
    pk_code c = pk_lgbm_parse(&ar, text, size, &m, &err);
    if (c) {
        fuzz_check_err(&err);
        FUZZ_CHECK(c == PK_EMODEL || c == PK_ENOMEM || c == PK_ELIMIT);
    } else {
        check_model(&m);
    }
    pk_arena_free(&ar);
    free(text);

    /* the text as a BLOB: a lightgbm.basic.Booster (pk_native.c) when it starts like one */
    pk_limits lim;
    pk_doc *doc = fuzz_decode(data, size, &lim);
    if (!doc) return 0;
    pk_buf b;
    pk_buf_init(&b, &pk_alloc_std, FUZZ_MAX_OUTPUT);
    pk_model_describe(&b, doc->root, &lim, &pk_alloc_std);
    FUZZ_CHECK(b.failed == PK_OK || b.failed == PK_ELIMIT);
    if (doc->lightgbm) FUZZ_CHECK(b.len > 0);
    pk_buf_free(&b);
    pk_doc_free(doc);
    return 0;
}
