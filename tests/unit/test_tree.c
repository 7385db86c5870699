/*
 * test_tree.c - cmocka tests of the tree compiler (ext/model/pk_tree.c, pk_forest.c) on
 * hand-built value graphs (tests/fuzz/tree_graph.h): both node record layouts (56 and 64
 * bytes), float32 comparison at the threshold, NaN routing by missing_go_to_left, a deep chain,
 * a forest whose trees are walked in lock step (groups of 8 plus a tail), and corrupt trees
 * (child out of range, cycle, shared child, one child, feature beyond n_features_in_, wrong
 * node dtype, node_count mismatch) that must fail with PK_EMODEL and a clear message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "unit_util.h"

#include "../fuzz/tree_graph.h"
#include "pk_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static pk_arena AR;

static int setup(void **state) {
    (void)state;
    pk_arena_init(&AR, &pk_alloc_std, 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    pk_arena_free(&AR);
    return 0;
}

/* The sample classifier: stored out of breadth-first order on purpose.
 *   0: x0 <= thr0 ? 3 : 1        3: leaf [3, 1]
 *   1: x1 <= -1  ? 4 : 2         4: leaf [0, 2]    2: leaf [1, 1]  */
static const double CLF_VALUES[] = {0, 0, 0, 0, 1, 1, 3, 1, 0, 2};

static pk_value *sample_clf(int rec64, double thr0, uint8_t ml0, uint8_t ml1) {
    tg_node nd[5] = {
        {3, 1, 0, thr0, 7, ml0}, {4, 2, 1, -1.0, 4, ml1}, {-1, -1, -2, -2, 2, 0},
        {-1, -1, -2, -2, 3, 0},  {-1, -1, -2, -2, 2, 0},
    };
    uint8_t *rec = tg_records(&AR, nd, 5, rec64);
    pk_value *tree = tg_tree(&AR, tg_node_dtype(&AR, rec64, 'f', 8), rec, 5,
                             5 * (rec64 ? 64u : 56u), 2, 2, CLF_VALUES);
    return tg_estimator(&AR, 1, tree, 2, 2);
}

static pk_model *compile_ok(const pk_value *o) {
    pk_err err;
    pk_err_clear(&err);
    assert_non_null(o);
    pk_model *m = pk_model_compile(&pk_alloc_std, o, &err);
    if (!m) fail_msg("compile failed: %s", err.msg);
    return m;
}

static pk_code run(const pk_model *m, pk_method meth, const double *x, double *out, pk_err *err) {
    double scratch[512];
    assert_true(pk_model_scratch_len(m) <= 512);
    assert_true(pk_model_out_len(m) <= 16);
    pk_err_clear(err);
    return pk_model_run(m, meth, x, scratch, out, err);
}

static void proba_is(const pk_model *m, double x0, double x1, double p0, double p1) {
    double x[2] = {x0, x1}, out[16];
    pk_err err;
    if (run(m, PK_PREDICT_PROBA, x, out, &err) != PK_OK) fail_msg("run: %s", err.msg);
    assert_true(out[0] == p0);
    assert_true(out[1] == p1);
    assert_int_equal(run(m, PK_PREDICT, x, out, &err), PK_OK);
    assert_true(out[0] == (p1 > p0 ? 1.0 : 0.0));
}

static void test_both_layouts_predict(void **state) {
    (void)state;
    for (int rec64 = 0; rec64 <= 1; rec64++) {
        pk_model *m = compile_ok(sample_clf(rec64, 0.5, 0, 0));
        assert_int_equal(m->n_features, 2);
        assert_int_equal(m->n_classes, 2);
        proba_is(m, 0.2, 5.0, 0.75, 0.25);
        proba_is(m, 0.5, 5.0, 0.75, 0.25); /* x <= threshold goes left */
        proba_is(m, 0.7, -1.0, 0.0, 1.0);
        proba_is(m, 0.7, -3.5, 0.0, 1.0);
        proba_is(m, 0.7, 3.0, 0.5, 0.5); /* a tie predicts the first class */
        proba_is(m, 1e30, -1e30, 0.0, 1.0);
        pk_model_free(m);
    }
}

static void compile_fails(const pk_value *o, const char *needle);

/* The sample classifier with tree_.value replaced by CLF_VALUES stored another way: kind/size
 * of the element ('f' 8 or 'f' 4), byte order, and a data pointer `skew` bytes off alignment.
 * The compiler reads native float64 rows where they lie (aligned or not) and converts others. */
static pk_value *sample_with_values(char kind, size_t size, char order, size_t skew,
                                    int64_t ncols) {
    pk_value *est = sample_clf(0, 0.5, 0, 0);
    pk_value *tree = pk_attr(est, "tree_");
    size_t n = 5 * (size_t)ncols, nb = n * size;
    uint8_t *buf = pk_arena_alloc(&AR, nb + 8);
    assert_non_null(buf);
    uint8_t *d = buf + skew;
    for (size_t i = 0; i < n; i++) {
        size_t node = i / (size_t)ncols, k = i % (size_t)ncols;
        double v = k < 2 ? CLF_VALUES[node * 2 + k] : 9.0;
        uint8_t b[8];
        if (size == 8) {
            memcpy(b, &v, 8);
        } else {
            float f = (float)v;
            memcpy(b, &f, 4);
        }
        for (size_t j = 0; j < size; j++)
            d[i * size + j] = order == '>' ? b[size - 1 - j] : b[j];
    }
    pk_value *dt = tg_prim(&AR, kind, size);
    dt->u.dt->byteorder = order;
    int64_t shape[3] = {5, 1, ncols};
    pk_err err;
    pk_err_clear(&err);
    pk_value *vals = pk_np_array_from_data(&AR, dt, 3, shape, 0, d, nb, &err);
    assert_non_null(vals);
    tg_set(&AR, tree, "values", vals);
    return est;
}

static void test_value_layouts(void **state) {
    (void)state;
    struct {
        char kind;
        size_t size;
        char order;
        size_t skew;
    } cases[] = {{'f', 8, '<', 0}, {'f', 8, '<', 3}, {'f', 8, '>', 0},
                 {'f', 8, '>', 5}, {'f', 4, '<', 0}, {'f', 4, '>', 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_model *m = compile_ok(
            sample_with_values(cases[i].kind, cases[i].size, cases[i].order, cases[i].skew, 2));
        proba_is(m, 0.2, 5.0, 0.75, 0.25);
        proba_is(m, 0.7, -1.0, 0.0, 1.0);
        proba_is(m, 0.7, 3.0, 0.5, 0.5);
        pk_model_free(m);
    }
    /* a third value column for a two-class tree: not scikit-learn's layout */
    compile_fails(sample_with_values('f', 8, '<', 0, 3), "values has 3 columns for at most 2");
}

/* (float)0.1 > 0.1: scikit-learn's float32 cast sends 0.1 right of a 0.1 threshold. */
static void test_float32_threshold(void **state) {
    (void)state;
    pk_model *m = compile_ok(sample_clf(0, 0.1, 0, 0));
    proba_is(m, 0.1, 3.0, 0.5, 0.5);
    proba_is(m, 0.09999999, 3.0, 0.75, 0.25);
    proba_is(m, (double)nextafterf(0.1f, 0.0f), 3.0, 0.75, 0.25);
    pk_model_free(m);
    /* a threshold exactly on a float32 value: equality goes left */
    m = compile_ok(sample_clf(0, (double)0.25f, 0, 0));
    proba_is(m, 0.25, 3.0, 0.75, 0.25);
    proba_is(m, 0.2500001, 3.0, 0.5, 0.5);
    pk_model_free(m);
}

static void test_missing_values(void **state) {
    (void)state;
    /* 64-byte layout: root sends NaN right, node 1 sends it left */
    pk_model *m = compile_ok(sample_clf(1, 0.5, 0, 1));
    assert_true(m->nan_ok);
    proba_is(m, NAN, NAN, 0.0, 1.0);
    proba_is(m, NAN, 7.0, 0.5, 0.5);
    proba_is(m, 0.1, NAN, 0.75, 0.25);
    pk_model_free(m);
    m = compile_ok(sample_clf(1, 0.5, 1, 0));
    proba_is(m, NAN, 0.0, 0.75, 0.25);
    pk_model_free(m);
    /* 56-byte layout: no missing-value support, NaN is refused */
    m = compile_ok(sample_clf(0, 0.5, 0, 0));
    assert_false(m->nan_ok);
    double x[2] = {NAN, 1.0}, out[16];
    pk_err err;
    assert_int_equal(run(m, PK_PREDICT, x, out, &err), PK_EFEATURE);
    pk_model_free(m);
}

/* A chain of 40 splits (x0 <= i goes to leaf i, else on): deeper than any group walk. */
static void test_deep_chain_regressor(void **state) {
    (void)state;
    enum { DEPTH = 40, N = 2 * DEPTH + 1 };
    tg_node nd[N];
    double vals[N];
    for (int i = 0; i < DEPTH; i++) {
        nd[2 * i] = (tg_node){2 * i + 1, 2 * i + 2, 0, (double)i, 1, 0};
        nd[2 * i + 1] = (tg_node){-1, -1, -2, -2, 1, 0};
        vals[2 * i] = 0;
        vals[2 * i + 1] = 100.0 + i;
    }
    nd[N - 1] = (tg_node){-1, -1, -2, -2, 1, 0};
    vals[N - 1] = -1.0;
    pk_value *tree = tg_tree(&AR, tg_node_dtype(&AR, 1, 'f', 8), tg_records(&AR, nd, N, 1), N,
                             N * 64u, 1, 1, vals);
    pk_model *m = compile_ok(tg_estimator(&AR, 0, tree, 1, 1));
    assert_int_equal(m->kind, PK_MODEL_REGRESSOR);
    for (int i = -1; i <= DEPTH + 1; i++) {
        double x = i + 0.5, out[16];
        pk_err err;
        assert_int_equal(run(m, PK_PREDICT, &x, out, &err), PK_OK);
        double want = i < 0 ? 100.0 : i + 1 < DEPTH ? 100.0 + i + 1 : -1.0;
        assert_true(out[0] == want);
    }
    pk_model_free(m);
}

/* Ten one-split trees (x0 <= t_i: [i, 1] else [1, i]) in a RandomForestClassifier: proba is the
 * sum of each tree's normalized leaf in tree order, divided by 10. */
static void test_forest_lock_step(void **state) {
    (void)state;
    enum { NT = 10 };
    pk_value *list = pk_new_seq(&AR, PK_LIST, NT);
    pk_err err;
    double thr[NT];
    for (int i = 0; i < NT; i++) {
        thr[i] = 0.1 * i;
        tg_node nd[3] = {{1, 2, 0, thr[i], 3, 0}, {-1, -1, -2, -2, 1, 0}, {-1, -1, -2, -2, 2, 0}};
        double v[6] = {0, 0, (double)i + 1, 1, 1, (double)i + 1};
        pk_value *t = tg_tree(&AR, tg_node_dtype(&AR, i % 2, 'f', 8), tg_records(&AR, nd, 3, i % 2),
                              3, 3 * (i % 2 ? 64u : 56u), 2, 2, v);
        assert_int_equal(pk_seq_append(&AR, list, tg_estimator(&AR, 1, t, 2, 2), &err), PK_OK);
    }
    pk_value *o = tg_forest(&AR, 1, list, 2, 2);
    pk_model *m = compile_ok(o);
    for (double x0 = -0.05; x0 < 1.1; x0 += 0.1) {
        double acc[2] = {0, 0};
        for (int i = 0; i < NT; i++) {
            double a = (float)x0 <= thr[i] ? i + 1 : 1, b = (float)x0 <= thr[i] ? 1 : i + 1;
            acc[0] += a / (a + b);
            acc[1] += b / (a + b);
        }
        double x[2] = {x0, 0}, out[16];
        assert_int_equal(run(m, PK_PREDICT_PROBA, x, out, &err), PK_OK);
        assert_true(out[0] == acc[0] / NT);
        assert_true(out[1] == acc[1] / NT);
    }
    pk_model_free(m);
}

/* ---- corrupt trees ----------------------------------------------------------------------- */

static void compile_fails(const pk_value *o, const char *needle) {
    pk_err err;
    pk_err_clear(&err);
    assert_non_null(o);
    pk_model *m = pk_model_compile(&pk_alloc_std, o, &err);
    if (m) {
        pk_model_free(m);
        fail_msg("compiled a corrupt tree (expected '%s')", needle);
    }
    assert_int_equal(err.code, PK_EMODEL);
    if (!strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static pk_value *clf_with(const tg_node *nd, size_t n, int64_t n_features, int rec64) {
    double vals[64] = {0};
    for (size_t i = 0; i < 2 * n && i < 64; i++)
        vals[i] = 1;
    pk_value *tree = tg_tree(&AR, tg_node_dtype(&AR, rec64, 'f', 8), tg_records(&AR, nd, n, rec64),
                             n, n * (rec64 ? 64u : 56u), n_features, 2, vals);
    return tg_estimator(&AR, 1, tree, n_features, 2);
}

static void test_corrupt(void **state) {
    (void)state;
    const tg_node L = {-1, -1, -2, -2, 1, 0};
    for (int rec64 = 0; rec64 <= 1; rec64++) {
        tg_node out_of_range[3] = {{1, 7, 0, 0.5, 2, 0}, L, L};
        compile_fails(clf_with(out_of_range, 3, 2, rec64), "child outside the 3 nodes");
        tg_node negative[3] = {{1, -5, 0, 0.5, 2, 0}, L, L};
        compile_fails(clf_with(negative, 3, 2, rec64), "child outside");
        tg_node cycle[3] = {{1, 2, 0, 0.5, 2, 0}, {0, 2, 1, 0.5, 1, 0}, L};
        compile_fails(clf_with(cycle, 3, 2, rec64), "a cycle or a shared child");
        tg_node self[3] = {{0, 1, 0, 0.5, 2, 0}, L, L};
        compile_fails(clf_with(self, 3, 2, rec64), "a cycle or a shared child");
        tg_node shared[5] = {
            {1, 2, 0, 0.5, 2, 0}, {3, 4, 1, 0.5, 1, 0}, {3, 4, 1, 0.5, 1, 0}, L, L};
        compile_fails(clf_with(shared, 5, 2, rec64), "a cycle or a shared child");
        tg_node one_child[3] = {{1, -1, 0, 0.5, 2, 0}, L, L};
        compile_fails(clf_with(one_child, 3, 2, rec64), "has one child");
        tg_node feat[3] = {{1, 2, 5, 0.5, 2, 0}, L, L};
        compile_fails(clf_with(feat, 3, 2, rec64), "splits on feature 5 of 2");
        tg_node negfeat[3] = {{1, 2, -3, 0.5, 2, 0}, L, L};
        compile_fails(clf_with(negfeat, 3, 2, rec64), "splits on feature -3 of 2");
    }
    /* wrong dtype: threshold stored as int64, or as float32 */
    tg_node ok[3] = {{1, 2, 0, 0.5, 2, 0}, L, L};
    double vals[6] = {1, 1, 1, 1, 1, 1};
    pk_value *t =
        tg_tree(&AR, tg_node_dtype(&AR, 0, 'i', 8), tg_records(&AR, ok, 3, 0), 3, 168, 2, 2, vals);
    compile_fails(tg_estimator(&AR, 1, t, 2, 2), "field 'threshold' has the wrong type");
    pk_value *dt4 = tg_node_dtype(&AR, 1, 'f', 4);
    t = tg_tree(&AR, dt4, tg_records(&AR, ok, 3, 1), 3, 192, 2, 2, vals);
    compile_fails(tg_estimator(&AR, 1, t, 2, 2), "field 'threshold' has the wrong type");
    /* node_count disagreeing with the records */
    t = tg_tree(&AR, tg_node_dtype(&AR, 0, 'f', 8), tg_records(&AR, ok, 3, 0), 3, 168, 2, 2, vals);
    tg_set(&AR, t, "node_count", pk_new_int(&AR, 5));
    compile_fails(tg_estimator(&AR, 1, t, 2, 2), "records for node_count 5");
    /* the tree reads more features than the estimator has */
    t = tg_tree(&AR, tg_node_dtype(&AR, 0, 'f', 8), tg_records(&AR, ok, 3, 0), 3, 168, 3, 2, vals);
    compile_fails(tg_estimator(&AR, 1, t, 2, 2), "features");
    /* nodes that are not a record array */
    t = tg_tree(&AR, tg_node_dtype(&AR, 0, 'f', 8), tg_records(&AR, ok, 3, 0), 3, 168, 2, 2, vals);
    tg_set(&AR, t, "nodes", pk_new_int(&AR, 3));
    compile_fails(tg_estimator(&AR, 1, t, 2, 2), "nodes is not a 1-D record array");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_both_layouts_predict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_layouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_float32_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_chain_regressor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forest_lock_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
