/*
 * test_lgbm.c - LightGBM's text model reader (pk_lgbm_text.c) and its description
 * (pk_lgbm.c): a hand-written model read field by field, each malformation refused with its
 * message, every prefix and every failed allocation handled, and the text in a BLOB decoded as a
 * lightgbm.basic.Booster that model_info's description reads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pk_lgbm.h"
#include "pk_model.h"
#include "unit_util.h"

#define TREE0                                                                                      \
    "Tree=0\nnum_leaves=3\nnum_cat=1\nsplit_feature=0 2\nsplit_gain=1 2\nthreshold=0.5 0\n"        \
    "decision_type=10 1\nleft_child=-1 -2\nright_child=1 -3\nleaf_value=0.1 -0.2 0.3\n"            \
    "leaf_weight=1 2 3\nleaf_count=1 2 3\ninternal_value=0 0\ninternal_weight=3 5\n"               \
    "internal_count=6 5\ncat_boundaries=0 1\ncat_threshold=6\nis_linear=0\nshrinkage=1\n\n\n"
#define TREE1                                                                                      \
    "Tree=1\nnum_leaves=1\nnum_cat=0\nsplit_feature=\nsplit_gain=\nthreshold=\ndecision_type=\n"   \
    "left_child=\nright_child=\nleaf_value=0.25\nleaf_weight=0\nleaf_count=0\ninternal_value=\n"   \
    "internal_weight=\ninternal_count=\nis_linear=0\nshrinkage=0.1\n\n\n"
#define HEAD                                                                                       \
    "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=2\n"  \
    "objective=binary sigmoid:1\nfeature_names=a b c\nfeature_infos=[0:1] [0:1] 0:1:2\n"
#define TAIL                                                                                       \
    "end of trees\n\nfeature_importances:\na=1\n\nparameters:\n[boosting: goss]\n"                 \
    "[objective: binary]\nend of parameters\n\npandas_categorical:[[\"x\", \"y\"]]\n"

/* The good model with tree_sizes, in a static buffer. */
static const char *good(void) {
    static char buf[2048];
    snprintf(buf, sizeof buf, "%stree_sizes=%zu %zu\n\n%s%s%s", HEAD, strlen(TREE0), strlen(TREE1),
             TREE0, TREE1, TAIL);
    return buf;
}

static pk_code parse(pk_arena *ar, const char *s, size_t n, pk_lgbm *m, pk_err *err) {
    pk_arena_init(ar, &pk_alloc_std, 1u << 20);
    pk_err_clear(err);
    return pk_lgbm_parse(ar, s, n, m, err);
}

static void test_good(void **state) {
    (void)state;
    pk_arena ar;
    pk_err err;
    pk_lgbm m;
    const char *s = good();
    assert_int_equal(parse(&ar, s, strlen(s), &m, &err), PK_OK);
    assert_string_equal(m.version, "v4");
    assert_int_equal(m.num_class, 1);
    assert_int_equal(m.num_tree_per_iteration, 1);
    assert_int_equal(m.max_feature_idx, 2);
    assert_string_equal(m.objective, "binary sigmoid:1");
    assert_string_equal(m.boosting, "goss");
    assert_int_equal(m.pandas_categorical, 1);
    assert_int_equal(m.n_features, 3);
    assert_string_equal(m.feature_names[0], "a");
    assert_string_equal(m.feature_names[2], "c");
    assert_int_equal(m.n_trees, 2);
    assert_int_equal(m.n_leaves, 4);
    assert_int_equal(m.n_categorical, 1);
    assert_int_equal(m.max_depth, 2);
    const pk_lgbm_tree *t = &m.trees[0];
    assert_int_equal(t->num_leaves, 3);
    assert_int_equal(t->split_feature[1], 2);
    assert_true(t->threshold[0] == 0.5);
    assert_int_equal(t->decision_type[0], 10); /* default left, missing type NaN */
    assert_int_equal(PK_LGBM_MISSING(t->decision_type[0]), 2);
    assert_int_equal(t->decision_type[1] & PK_LGBM_CATEGORICAL, 1);
    assert_int_equal(t->left[0], -1);
    assert_int_equal(t->right[0], 1);
    assert_true(t->leaf_value[1] == -0.2);
    assert_int_equal(t->cat_boundaries[1], 1);
    assert_int_equal(t->cat_threshold[0], 6);
    assert_int_equal(t->depth, 2);
    assert_true(m.trees[1].shrinkage == 0.1);
    assert_true(m.trees[1].leaf_value[0] == 0.25);
    assert_int_equal(m.trees[1].depth, 0);
    pk_arena_free(&ar);

    /* CRLF line ends, no tree_sizes, no tail beyond "end of trees", inf and nan numbers */
    static const char crlf[] =
        "tree\r\nversion=v3\r\nnum_class=1\r\nlabel_index=0\r\nmax_feature_idx=0\r\n"
        "feature_names=x\r\n\r\nTree=0\r\nnum_leaves=2\r\nnum_cat=0\r\nsplit_feature=0\r\n"
        "threshold=-inf\r\nleft_child=-1\r\nright_child=-2\r\nleaf_value=nan 1e-3\r\n\r\n"
        "end of trees";
    assert_int_equal(parse(&ar, crlf, sizeof crlf - 1, &m, &err), PK_OK);
    assert_string_equal(m.version, "v3");
    assert_null(m.objective);
    assert_null(m.boosting);
    assert_true(isinf(m.trees[0].threshold[0]) && m.trees[0].threshold[0] < 0);
    assert_true(isnan(m.trees[0].leaf_value[0]));
    assert_true(m.trees[0].leaf_value[1] == 1e-3);
    assert_int_equal(m.trees[0].decision_type[0], 0);
    pk_arena_free(&ar);
}

/* s with the first `from` replaced by `to` (malloc'd). */
static char *replace(const char *s, const char *from, const char *to) {
    const char *at = strstr(s, from);
    assert_non_null(at);
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t k = (size_t)(at - s);
    memcpy(out, s, k);
    memcpy(out + k, to, strlen(to));
    strcpy(out + k + strlen(to), at + strlen(from));
    return out;
}

/* good() with the first `from` replaced by `to`. */
static char *mutate(const char *from, const char *to) {
    return replace(good(), from, to);
}

/* good() without its tree_sizes line, with `from` replaced by `to`. */
static char *mutate_unsized(const char *from, const char *to) {
    char buf[64];
    snprintf(buf, sizeof buf, "tree_sizes=%zu %zu\n", strlen(TREE0), strlen(TREE1));
    char *a = mutate(buf, "");
    char *b = replace(a, from, to);
    free(a);
    return b;
}

static void test_refusals(void **state) {
    (void)state;
    static const struct {
        const char *from, *to, *msg;
    } cases[] = {
        {"tree\n", "trees\n", "line 1 (header): the text does not start with the line 'tree'"},
        {"num_class=1\n", "num_class=0\n", "num_class is not an integer in [1, 1048576]"},
        {"num_class=1\n", "", "the header has no num_class"},
        {"max_feature_idx=2", "max_feature_idx=3", "feature_names has 3 values, expected 4"},
        {"feature_infos=[0:1] [0:1] 0:1:2", "feature_infos=x", "feature_infos has 1 values"},
        {"num_tree_per_iteration=1", "num_tree_per_iteration=3", "2 trees are not whole"},
        {"tree_sizes=", "tree_sizes=1",
         "line 33 (trees): Tree=0 takes 310 bytes, tree_sizes says 1310"},
        {"\nTree=1", "\nTree=2", "line 33 (trees): expected Tree=1"},
        {"end of trees", "end of tree", "no 'end of trees' line"},
        {"num_leaves=3", "num_leaves=99999999999", "num_leaves is not an integer in"},
        {"num_leaves=3", "num_leaves=0", "num_leaves is not an integer in"},
        {"num_leaves=3\n", "", "(Tree=0): the tree has no num_leaves"},
        {"num_cat=1\n", "num_cat=1\nnum_cat=1\n", "num_cat given twice"},
        {"split_feature=0 2", "split_feature=0 3", "split_feature[1] is not an integer in [0, 2]"},
        {"split_feature=0 2", "split_feature=0", "split_feature has 1 values, expected 2"},
        {"threshold=0.5 0", "threshold=0.5x 0", "threshold[0] is not a number: '0.5x'"},
        {"threshold=0.5 0", "threshold=nan 0", "threshold[0] is NaN"},
        {"threshold=0.5 0", "threshold=0.5 1", "threshold[1] of a categorical split"},
        {"threshold=0.5 0", "threshold=0.5 0.5", "threshold[1] of a categorical split"},
        {"decision_type=10 1", "decision_type=14 1", "missing type 3 is not defined"},
        {"decision_type=10 1", "decision_type=10 16", "decision_type[1] is not an integer"},
        {"decision_type=10 1", "decision_type=11 1", "threshold[0] of a categorical split"},
        {"num_cat=1", "num_cat=2", "num_cat is 2 but 1 splits are categorical"},
        {"left_child=-1 -2", "left_child=-1 -1", "split 1: child -1 is reached twice"},
        {"right_child=1 -3", "right_child=0 -3", "split 0: child 0 is reached twice"},
        {"right_child=1 -3", "right_child=5 -3", "right_child[0] is not an integer in [-3, 1]"},
        {"left_child=-1 -2\nright_child=1 -3", "left_child=-1 1\nright_child=-2 -3",
         "2 of its 5 nodes are not reached from the root"},
        {"leaf_value=0.1 -0.2 0.3", "leaf_value=0.1 -0.2", "leaf_value has 2 values, expected 3"},
        {"leaf_value=0.1 -0.2 0.3", "leaf_value=0.1 -0.2 0x3", "leaf_value[2] is not a number"},
        {"leaf_count=1 2 3", "leaf_count=1 2 3.5", "leaf_count[2] is not a number"},
        {"internal_value=0 0", "internal_value=0", "internal_value has 1 values"},
        {"cat_boundaries=0 1", "cat_boundaries=0 2", "cat_boundaries[1] is not an integer in"},
        {"cat_boundaries=0 1", "cat_boundaries=1 1", "cat_boundaries does not start at 0"},
        {"cat_threshold=6", "cat_threshold=4294967296", "not a 32-bit bitset word"},
        {"cat_boundaries=0 1\n", "", "the tree has no cat_boundaries"},
        {"is_linear=0\nshrinkage=1", "is_linear=2\nshrinkage=1", "is_linear is not an integer"},
        {"shrinkage=1\n", "shrinkage=one\n", "shrinkage is not a number"},
        {"leaf_count=1 2 3\n", "leaf_count 1 2 3\n", "a line without '=' in a tree"},
        {"leaf_value=0.25", "leaf_value=0.25 1", "(Tree=1): leaf_value has 2 values, expected 1"},
        {"\n\nTree=0", "\n\nx=1\nTree=0", "line 12 (trees): a line outside a tree"},
        {"version=v4", "version=v4-but-far-too-long", "version is not a short name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *s = mutate(cases[i].from, cases[i].to);
        pk_arena ar;
        pk_err err;
        pk_lgbm m;
        pk_code c = parse(&ar, s, strlen(s), &m, &err);
        if (c != PK_EMODEL || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: code %d, message '%s', expected '%s'", i, c, err.msg, cases[i].msg);
        assert_non_null(strstr(err.msg, "LightGBM model: line "));
        pk_arena_free(&ar);
        free(s);
    }
}

static void test_linear(void **state) {
    (void)state;
    char *s = mutate_unsized("is_linear=0\nshrinkage=1",
                             "is_linear=1\nleaf_const=1 2 3\nnum_features=1 0 2\n"
                             "leaf_features=2  0 1  \nleaf_coeff=0.5  -1 2  \nshrinkage=1");
    pk_arena ar;
    pk_err err;
    pk_lgbm m;
    assert_int_equal(parse(&ar, s, strlen(s), &m, &err), PK_OK);
    assert_int_equal(m.n_linear, 1);
    assert_int_equal(m.trees[0].is_linear, 1);
    pk_arena_free(&ar);
    free(s);
    /* coefficients must match num_features */
    s = mutate_unsized(
        "is_linear=0\nshrinkage=1",
        "is_linear=1\nnum_features=1 0 2\nleaf_features=2  0 3  \nleaf_coeff=0.5  -1 2  \n");
    assert_int_equal(parse(&ar, s, strlen(s), &m, &err), PK_EMODEL);
    assert_non_null(strstr(err.msg, "leaf_features[2] is not an integer in [0, 2]"));
    pk_arena_free(&ar);
    free(s);
    s = mutate_unsized("is_linear=0\nshrinkage=1",
                       "is_linear=1\nnum_features=1 0 2\nleaf_features=2\nleaf_coeff=1 2 3\n");
    assert_int_equal(parse(&ar, s, strlen(s), &m, &err), PK_EMODEL);
    assert_non_null(strstr(err.msg, "leaf_features has 1 values, expected 3"));
    pk_arena_free(&ar);
    free(s);
}

/* Every prefix either reads (the tail is optional) or is refused with a message. */
static void test_prefixes(void **state) {
    (void)state;
    const char *s = good();
    size_t n = strlen(s), ok = 0;
    for (size_t k = 0; k <= n; k++) {
        char *p = malloc(k ? k : 1); /* exact size: ASan catches a read past it */
        assert_non_null(p);
        memcpy(p, s, k);
        pk_arena ar;
        pk_err err;
        pk_lgbm m;
        pk_code c = parse(&ar, p, k, &m, &err);
        if (c == PK_OK)
            ok++;
        else
            assert_int_equal(c, PK_EMODEL);
        pk_arena_free(&ar);
        free(p);
    }
    assert_true(ok > 0 && ok < 200); /* only cuts after "end of trees" read */
}

/* A failed allocation at every point gives PK_ENOMEM (or PK_ELIMIT) and leaks nothing. */
static void test_nomem(void **state) {
    (void)state;
    const char *s = good();
    int reached_ok = 0;
    for (size_t at = 1; at < 200 && !reached_ok; at++) {
        ut_alloc ua;
        ut_alloc_init(&ua, at, 1);
        pk_arena ar;
        pk_arena_init(&ar, &ua.a, 0);
        pk_err err;
        pk_err_clear(&err);
        pk_lgbm m;
        pk_code c = pk_lgbm_parse(&ar, s, strlen(s), &m, &err);
        if (c == PK_OK)
            reached_ok = 1;
        else
            assert_int_equal(c, PK_ENOMEM);
        pk_arena_free(&ar);
        ut_alloc_assert_clean(&ua);
    }
    assert_true(reached_ok);
    /* a budget too small: PK_ELIMIT naming max_model_bytes */
    pk_arena ar;
    pk_arena_init(&ar, &pk_alloc_std, 64);
    pk_err err;
    pk_err_clear(&err);
    pk_lgbm m;
    assert_int_equal(pk_lgbm_parse(&ar, s, strlen(s), &m, &err), PK_ELIMIT);
    assert_non_null(strstr(err.msg, "max_model_bytes"));
    pk_arena_free(&ar);
}

/* The text in a BLOB decodes to a lightgbm.basic.Booster that the description reads. */
static void test_native(void **state) {
    (void)state;
    const char *s = good();
    ut_alloc ua;
    ut_alloc_init(&ua, 0, 0);
    pk_err err;
    pk_doc *doc = ut_decode(&ua, (const uint8_t *)s, strlen(s), &err);
    assert_non_null(doc);
    assert_int_equal(doc->lightgbm, 1);
    char *json = ut_json(doc->root, &err);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"py/object\":\"lightgbm.basic.Booster\""));
    free(json);
    pk_limits lim;
    pk_limits_default(&lim);
    pk_buf b;
    pk_buf_init(&b, &pk_alloc_std, 0);
    pk_model_describe(&b, doc->root, &lim, &pk_alloc_std);
    pk_buf_putc(&b, 0);
    assert_non_null(strstr((const char *)b.data,
                           ",\"lightgbm\":{\"version\":\"v4\",\"objective\":\"binary sigmoid:1\","
                           "\"boosting\":\"goss\",\"num_class\":1,\"num_tree_per_iteration\":1,"
                           "\"trees\":2,\"iterations\":2,\"leaves\":4,\"max_depth\":2,"
                           "\"categorical_splits\":1,\"linear_trees\":0,"
                           "\"average_output\":false,\"n_features\":3,"
                           "\"feature_names\":[\"a\",\"b\",\"c\"],\"pandas_categorical\":true}"));
    pk_buf_free(&b);
    pk_doc_free(doc);
    /* a malformed text: the description carries the reader's message */
    char *bad = mutate("leaf_value=0.1 -0.2 0.3", "leaf_value=0.1");
    doc = ut_decode(&ua, (const uint8_t *)bad, strlen(bad), &err);
    assert_non_null(doc);
    pk_buf_init(&b, &pk_alloc_std, 0);
    pk_model_describe(&b, doc->root, &lim, &pk_alloc_std);
    pk_buf_putc(&b, 0);
    assert_string_equal((const char *)b.data,
                        ",\"lightgbm\":{\"error\":\"LightGBM model: line 21 (Tree=0): leaf_value "
                        "has 1 values, expected 3\"}");
    pk_buf_free(&b);
    pk_doc_free(doc);
    free(bad);
    ut_alloc_assert_clean(&ua);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),     cmocka_unit_test(test_linear),
        cmocka_unit_test(test_refusals), cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_nomem),    cmocka_unit_test(test_native),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
