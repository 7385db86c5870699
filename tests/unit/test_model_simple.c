/*
 * test_model_simple.c - the Dummy*, discriminant analysis, nearest-centroid and Gaussian mixture
 * compilers on hand-built estimators (nested lists instead of numpy arrays): answers on small
 * known cases, the refusals, malformed attributes, and allocation balance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "unit_util.h"
#include "ut_estimator.h"

#include "pk_model.h"
#include "pk_value.h"

#include <math.h>
#include <string.h>

static pk_model *compile_ok(const pk_value *o) {
    pk_err err;
    pk_err_clear(&err);
    pk_model *m = pk_model_compile(&UA.a, o, &err);
    if (!m) fail_msg("compile failed: %s", err.msg);
    return m;
}

static void run_ok(const pk_model *m, pk_method meth, const double *x, double *out) {
    double scratch[256];
    pk_err err;
    pk_err_clear(&err);
    assert_true(pk_model_scratch_len(m) <= 256);
    if (pk_model_run(m, meth, x, scratch, out, &err) != PK_OK) fail_msg("run: %s", err.msg);
}

static void expect_compile_error(const pk_value *o, const char *msg) {
    pk_err err;
    pk_err_clear(&err);
    pk_model *m = pk_model_compile(&UA.a, o, &err);
    assert_null(m);
    assert_int_equal(err.code, PK_EMODEL);
    assert_string_equal(err.msg, msg);
}

static const int64_t CLS3[] = {4, 7, 9};

static pk_value *dummy_clf(const char *strategy) {
    pk_value *o = est("sklearn.dummy", "DummyClassifier");
    const double prior[] = {0.25, 0.5, 0.25};
    set(o, "_strategy", str(strategy));
    set(o, "classes_", ivec(CLS3, 3));
    set(o, "class_prior_", vec(prior, 3));
    set(o, "n_outputs_", pk_new_int(&AR, 1));
    set(o, "sparse_output_", pk_new_bool(&AR, 0));
    return o;
}

static void test_dummy(void **state) {
    (void)state;
    double x = 123.0, out[4];
    pk_model *m = compile_ok(dummy_clf("prior"));
    assert_int_equal(m->n_features, 1);
    run_ok(m, PK_PREDICT, &x, out);
    assert_true(out[0] == 1.0); /* index of class 7 */
    run_ok(m, PK_PREDICT_PROBA, &x, out);
    assert_true(out[0] == 0.25 && out[1] == 0.5 && out[2] == 0.25);
    pk_model_free(m);

    pk_value *o = dummy_clf("constant");
    set(o, "constant", pk_new_int(&AR, 9));
    m = compile_ok(o);
    run_ok(m, PK_PREDICT, &x, out);
    assert_true(out[0] == 2.0);
    run_ok(m, PK_PREDICT_PROBA, &x, out);
    assert_true(out[0] == 0 && out[1] == 0 && out[2] == 1);
    pk_model_free(m);

    o = dummy_clf("constant");
    set(o, "constant", pk_new_int(&AR, 5));
    expect_compile_error(o, "DummyClassifier.constant is not one of its classes");
    expect_compile_error(dummy_clf("stratified"),
                         "DummyClassifier(strategy='stratified') draws its answers at random "
                         "(numpy's random_state): there is no deterministic score to reproduce");
    o = dummy_clf("prior");
    const double two[] = {0.5, 0.5};
    set(o, "class_prior_", vec(two, 2));
    expect_compile_error(o, "DummyClassifier.class_prior_ has 2 values for 3 classes");

    pk_value *r = est("sklearn.dummy", "DummyRegressor");
    const double cst[] = {1.5, -2.0};
    set(r, "constant_", mat(cst, 1, 2));
    set(r, "n_outputs_", pk_new_int(&AR, 2));
    m = compile_ok(r);
    run_ok(m, PK_PREDICT, &x, out);
    assert_true(out[0] == 1.5 && out[1] == -2.0);
    assert_int_equal(m->shape[PK_PREDICT], PK_OUT_ARRAY);
    pk_model_free(m);
    set(r, "n_outputs_", pk_new_int(&AR, 3));
    expect_compile_error(r, "DummyRegressor.constant_ has 2 values for 3 outputs");
}

static void test_lda(void **state) {
    (void)state;
    pk_value *o = est("sklearn.discriminant_analysis", "LinearDiscriminantAnalysis");
    const int64_t cls[] = {0, 1};
    const double coef[] = {2.0, -1.0}, icpt[] = {0.5}, scal[] = {1.0, 2.0}, xbar[] = {1.0, 1.0};
    set(o, "classes_", ivec(cls, 2));
    set(o, "coef_", mat(coef, 1, 2));
    set(o, "intercept_", vec(icpt, 1));
    set(o, "solver", str("svd"));
    set(o, "scalings_", mat(scal, 2, 1));
    set(o, "xbar_", vec(xbar, 2));
    set(o, "_max_components", pk_new_int(&AR, 1));
    pk_model *m = compile_ok(o);
    double x[] = {1.0, 3.0}, out[4];
    run_ok(m, PK_DECISION, x, out);
    assert_true(out[0] == 2.0 - 3.0 + 0.5); /* -0.5 */
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 0.0);
    run_ok(m, PK_PREDICT_PROBA, x, out);
    double p = 1.0 / (1.0 + exp(0.5));
    assert_true(out[1] == p && out[0] == 1 - p);
    run_ok(m, PK_TRANSFORM, x, out);
    assert_true(out[0] == 0.0 * 1.0 + 2.0 * 2.0);
    pk_model_free(m);

    set(o, "solver", str("lsqr"));
    m = compile_ok(o);
    assert_int_equal(m->shape[PK_TRANSFORM], PK_OUT_NONE);
    pk_model_free(m);
    set(o, "solver", str("svd"));
    set(o, "scalings_", mat(scal, 1, 2));
    expect_compile_error(o, "LinearDiscriminantAnalysis.scalings_ is not a 2-row array");
    const double coef3[] = {1, 2, 3, 4, 5, 6};
    set(o, "coef_", mat(coef3, 3, 2));
    expect_compile_error(o, "LinearDiscriminantAnalysis.coef_ has 3 rows for 2 classes");
}

static void test_qda(void **state) {
    (void)state;
    pk_value *o = est("sklearn.discriminant_analysis", "QuadraticDiscriminantAnalysis");
    const int64_t cls[] = {0, 1};
    const double means[] = {0.0, 0.0, 2.0, 2.0}, pri[] = {0.5, 0.5};
    const double eye[] = {1, 0, 0, 1}, s0[] = {1.0, 1.0}, s1[] = {4.0, 4.0};
    set(o, "classes_", ivec(cls, 2));
    set(o, "means_", mat(means, 2, 2));
    set(o, "priors_", vec(pri, 2));
    pk_value *rot = pk_new_seq(&AR, PK_LIST, 2), *sca = pk_new_seq(&AR, PK_LIST, 2);
    pk_err err;
    pk_seq_append(&AR, rot, mat(eye, 2, 2), &err);
    pk_seq_append(&AR, rot, mat(eye, 2, 2), &err);
    pk_seq_append(&AR, sca, vec(s0, 2), &err);
    pk_seq_append(&AR, sca, vec(s1, 2), &err);
    set(o, "rotations_", rot);
    set(o, "scalings_", sca);
    pk_model *m = compile_ok(o);
    double x[] = {1.0, 1.0}, out[4];
    run_ok(m, PK_DECISION, x, out);
    /* d0 = -0.5 * (2 + 0) + log .5; d1 = -0.5 * (0.5 + 2 log 4) + log .5 */
    double d0 = -0.5 * 2.0 + log(0.5), d1 = -0.5 * (0.5 + (log(4.0) + log(4.0))) + log(0.5);
    assert_true(out[0] == d1 - d0);
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == (d1 > d0 ? 1.0 : 0.0));
    pk_model_free(m);
    pk_seq_append(&AR, sca, vec(s1, 2), &err);
    expect_compile_error(o, "QuadraticDiscriminantAnalysis.scalings_ is not a list of 2 arrays");
}

static void test_ncentroid_and_gmm(void **state) {
    (void)state;
    pk_value *o = est("sklearn.neighbors._nearest_centroid", "NearestCentroid");
    const int64_t cls[] = {3, 8};
    const double cen[] = {0.0, 0.0, 2.0, 0.0};
    set(o, "classes_", ivec(cls, 2));
    set(o, "centroids_", mat(cen, 2, 2));
    set(o, "metric", str("manhattan"));
    pk_model *m = compile_ok(o);
    double x[] = {1.0, 5.0}, out[4];
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 0.0); /* a tie: the first centroid */
    x[0] = 1.5;
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 1.0);
    pk_model_free(m);
    set(o, "metric", str("cosine"));
    expect_compile_error(o, "NearestCentroid: metric 'cosine' is not supported (euclidean, "
                            "sqeuclidean, l2, manhattan, cityblock, l1, chebyshev are)");

    pk_value *g = est("sklearn.mixture._gaussian_mixture", "GaussianMixture");
    const double w[] = {0.5, 0.5}, mu[] = {0.0, 4.0}, pc[] = {1.0, 1.0};
    set(g, "covariance_type", str("spherical"));
    set(g, "weights_", vec(w, 2));
    set(g, "means_", mat(mu, 2, 1));
    set(g, "precisions_cholesky_", vec(pc, 2));
    m = compile_ok(g);
    x[0] = 2.0; /* equidistant: equal probabilities, first component */
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 0.0);
    run_ok(m, PK_PREDICT_PROBA, x, out);
    assert_true(out[0] == out[1] && fabs(out[0] - 0.5) < 1e-15);
    pk_model_free(m);
    set(g, "covariance_type", str("full"));
    expect_compile_error(g, "GaussianMixture.precisions_cholesky_ is not a 2 x 1 x 1 array");
    set(g, "covariance_type", str("banana"));
    expect_compile_error(g, "GaussianMixture: unknown covariance_type 'banana'");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dummy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lda, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qda, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ncentroid_and_gmm, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
