/*
 * test_model_kernels.c - the model compiler and kernels on hand-built estimators (no numpy, no
 * pickle: objects are built with pk_value constructors, arrays as nested lists), the JSON
 * features reader, numpy's pairwise sum, compile errors, and allocation balance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "unit_util.h"
#include "ut_estimator.h"

#include "pk_features.h"
#include "pk_model.h"
#include "pk_model_impl.h"
#include "pk_value.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- a counting allocator (unit_util.h): every test ends with no live block -------------- */

#define cnt_alloc (UA.a)

/* ---- building estimators ------------------------------------------------------------------- */

static pk_value *tuple2(pk_value *a, pk_value *b) {
    pk_value *t = pk_new_seq(&AR, PK_TUPLE, 2);
    pk_err err;
    pk_seq_append(&AR, t, a, &err);
    pk_seq_append(&AR, t, b, &err);
    return t;
}

static pk_model *compile_ok(const pk_value *o) {
    pk_err err;
    pk_err_clear(&err);
    pk_model *m = pk_model_compile(&cnt_alloc, o, &err);
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

/* ---- kernels --------------------------------------------------------------------------------- */

static void test_kmeans(void **state) {
    (void)state;
    pk_value *o = est("sklearn.cluster._kmeans", "KMeans");
    const double c[] = {0, 0, 3, 4, 10, 10};
    set(o, "cluster_centers_", mat(c, 3, 2));
    set(o, "n_features_in_", pk_new_int(&AR, 2));
    pk_model *m = compile_ok(o);
    assert_int_equal(m->kind, PK_MODEL_CLUSTERER);
    assert_int_equal(m->shape[PK_PREDICT], PK_OUT_CLUSTER);
    assert_int_equal(m->width[PK_TRANSFORM], 3);
    double out[3], x[2] = {0, 0};
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 0);
    x[0] = 2.9;
    x[1] = 4.2;
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 1);
    x[0] = 0;
    x[1] = 0;
    run_ok(m, PK_TRANSFORM, x, out);
    assert_true(out[0] == 0 && out[1] == 5);
    assert_true(fabs(out[2] - sqrt(200.0)) < 1e-12);
    /* a tie goes to the first centre, as scikit-learn's strict < does */
    x[0] = 1.5;
    x[1] = 2;
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 0);
    pk_model_free(m);
}

static void test_linear_regression(void **state) {
    (void)state;
    pk_value *o = est("sklearn.linear_model._base", "LinearRegression");
    const double w[] = {1, 2};
    set(o, "coef_", vec(w, 2));
    set(o, "intercept_", pk_new_float(&AR, 0.5));
    pk_model *m = compile_ok(o);
    assert_int_equal(m->n_features, 2);
    assert_int_equal(m->shape[PK_PREDICT], PK_OUT_SCALAR);
    double x[2] = {1, 1}, out[1];
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 3.5);
    pk_model_free(m);

    /* multi-output: coef_ 2-D, intercept_ per target, predictions as an array */
    o = est("sklearn.linear_model._ridge", "Ridge");
    const double w2[] = {1, 0, 0, 1, 1, 1};
    const double b2[] = {0, 1, 2};
    set(o, "coef_", mat(w2, 3, 2));
    set(o, "intercept_", vec(b2, 3));
    m = compile_ok(o);
    assert_int_equal(m->shape[PK_PREDICT], PK_OUT_ARRAY);
    double o3[3];
    x[0] = 2;
    x[1] = 3;
    run_ok(m, PK_PREDICT, x, o3);
    assert_true(o3[0] == 2 && o3[1] == 4 && o3[2] == 7);
    pk_model_free(m);
}

static void test_glm_links(void **state) {
    (void)state;
    const double w[] = {0.5};
    pk_value *o = est("sklearn.linear_model._glm.glm", "PoissonRegressor");
    set(o, "coef_", vec(w, 1));
    set(o, "intercept_", pk_new_float(&AR, 0.25));
    pk_model *m = compile_ok(o);
    double x[1] = {2}, out[1];
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == exp(1.25));
    pk_model_free(m);
    o = est("sklearn.linear_model._glm.glm", "TweedieRegressor");
    set(o, "coef_", vec(w, 1));
    set(o, "intercept_", pk_new_float(&AR, 0.25));
    set(o, "power", pk_new_float(&AR, 0.0));
    set(o, "link", str("auto"));
    m = compile_ok(o);
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 1.25); /* identity link for power <= 0 */
    pk_model_free(m);
}

static void test_logistic(void **state) {
    (void)state;
    /* binary */
    pk_value *o = est("sklearn.linear_model._logistic", "LogisticRegression");
    const double w[] = {1, -1};
    const double b[] = {0};
    const int64_t cls[] = {3, 7};
    set(o, "coef_", mat(w, 1, 2));
    set(o, "intercept_", vec(b, 1));
    set(o, "classes_", ivec(cls, 2));
    set(o, "multi_class", str("auto"));
    set(o, "solver", str("lbfgs"));
    pk_model *m = compile_ok(o);
    assert_int_equal(m->label_type, PK_LABELS_INT);
    assert_int_equal(m->shape[PK_DECISION], PK_OUT_SCALAR);
    double x[2] = {0, 0}, out[3];
    run_ok(m, PK_PREDICT_PROBA, x, out);
    assert_true(out[0] == 0.5 && out[1] == 0.5);
    x[0] = 2;
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 1);
    assert_int_equal(m->class_i[(size_t)out[0]], 7);
    run_ok(m, PK_PREDICT_PROBA, x, out);
    assert_true(out[1] == 1.0 / (1.0 + exp(-2.0)));
    pk_model_free(m);

    /* multinomial: softmax with the max subtracted */
    o = est("sklearn.linear_model._logistic", "LogisticRegression");
    const double w3[] = {1, 0, 0, 1, -1, -1};
    const double b3[] = {0, 0, 0};
    set(o, "coef_", mat(w3, 3, 2));
    set(o, "intercept_", vec(b3, 3));
    pk_value *labels = pk_new_seq(&AR, PK_LIST, 3);
    pk_err err;
    pk_seq_append(&AR, labels, str("a"), &err);
    pk_seq_append(&AR, labels, str("b"), &err);
    pk_seq_append(&AR, labels, str("c"), &err);
    set(o, "classes_", labels);
    set(o, "multi_class", str("auto"));
    set(o, "solver", str("lbfgs"));
    m = compile_ok(o);
    assert_int_equal(m->label_type, PK_LABELS_STR);
    assert_int_equal(m->width[PK_PREDICT_PROBA], 3);
    x[0] = 1;
    x[1] = 2;
    run_ok(m, PK_PREDICT_PROBA, x, out);
    double e0 = exp(1 - 2.0), e1 = exp(0.0), e2 = exp(-3 - 2.0), s = e0 + e1 + e2;
    assert_true(out[0] == e0 / s && out[1] == e1 / s && out[2] == e2 / s);
    run_ok(m, PK_PREDICT, x, out);
    assert_string_equal(m->class_s[(size_t)out[0]], "b");
    pk_model_free(m);

    /* the same coefficients one-vs-rest: sigmoids normalised by their sum */
    set(o, "multi_class", str("ovr"));
    m = compile_ok(o);
    run_ok(m, PK_PREDICT_PROBA, x, out);
    double p0 = 1 / (1 + exp(-1.0)), p1 = 1 / (1 + exp(-2.0)), p2 = 1 / (1 + exp(3.0));
    double ps = (p0 + p1) + p2;
    assert_true(out[0] == p0 / ps && out[1] == p1 / ps && out[2] == p2 / ps);
    pk_model_free(m);
}

static void test_sgd_modified_huber_uniform(void **state) {
    (void)state;
    pk_value *o = est("sklearn.linear_model._stochastic_gradient", "SGDClassifier");
    const double w[] = {0, 0, 0};
    const double b[] = {-5, -2, -1};
    const int64_t cls[] = {0, 1, 2};
    set(o, "coef_", mat(w, 3, 1));
    set(o, "intercept_", vec(b, 3));
    set(o, "classes_", ivec(cls, 3));
    set(o, "loss", str("modified_huber"));
    pk_model *m = compile_ok(o);
    double x[1] = {1}, out[3];
    run_ok(m, PK_PREDICT_PROBA, x, out);
    assert_true(out[0] == 1.0 / 3 && out[1] == 1.0 / 3 && out[2] == 1.0 / 3);
    pk_model_free(m);
    /* hinge loss: no predict_proba, with scikit-learn's reason */
    set(o, "loss", str("hinge"));
    m = compile_ok(o);
    double scratch[8];
    pk_err err;
    pk_err_clear(&err);
    assert_int_equal(pk_model_run(m, PK_PREDICT_PROBA, x, scratch, out, &err), PK_EMODEL);
    assert_non_null(strstr(err.msg, "SGDClassifier has no predict_proba"));
    pk_model_free(m);
}

static void test_missing_values(void **state) {
    (void)state;
    pk_value *sc = est("sklearn.preprocessing._data", "StandardScaler");
    const double mean[] = {1, 2}, scale[] = {2, 4};
    set(sc, "mean_", vec(mean, 2));
    set(sc, "scale_", vec(scale, 2));
    set(sc, "with_mean", pk_new_bool(&AR, 1));
    set(sc, "with_std", pk_new_bool(&AR, 1));
    set(sc, "n_samples_seen_", pk_new_int(&AR, 10));
    pk_model *m = compile_ok(sc);
    double x[2] = {NAN, 6}, out[2];
    run_ok(m, PK_TRANSFORM, x, out);
    assert_true(isnan(out[0]) && out[1] == 1);
    pk_model_free(m);

    pk_value *lr = est("sklearn.linear_model._base", "LinearRegression");
    const double w[] = {1, 1};
    set(lr, "coef_", vec(w, 2));
    set(lr, "intercept_", pk_new_float(&AR, 0));
    pk_value *names = pk_new_seq(&AR, PK_LIST, 2);
    pk_err err;
    pk_seq_append(&AR, names, str("age"), &err);
    pk_seq_append(&AR, names, str("income"), &err);
    set(lr, "feature_names_in_", names);
    m = compile_ok(lr);
    double scratch[4];
    pk_err_clear(&err);
    x[0] = 1;
    x[1] = NAN;
    assert_int_equal(pk_model_run(m, PK_PREDICT, x, scratch, out, &err), PK_EFEATURE);
    assert_string_equal(err.msg, "LinearRegression cannot take missing values: feature 2 "
                                 "('income') is NULL");
    pk_err_clear(&err);
    x[1] = INFINITY;
    assert_int_equal(pk_model_run(m, PK_PREDICT, x, scratch, out, &err), PK_EFEATURE);
    assert_string_equal(err.msg, "LinearRegression cannot take infinities: feature 2 "
                                 "('income') is infinite");
    pk_model_free(m);

    /* a pipeline (names from its first step): the scaler passes NaN on, the regressor
     * refuses it */
    set(sc, "feature_names_in_", names);
    pk_value *steps = pk_new_seq(&AR, PK_LIST, 2);
    pk_seq_append(&AR, steps, tuple2(str("sc"), sc), &err);
    pk_seq_append(&AR, steps, tuple2(str("lr"), lr), &err);
    pk_value *p = est("sklearn.pipeline", "Pipeline");
    set(p, "steps", steps);
    m = compile_ok(p);
    assert_int_equal(m->n_features, 2);
    assert_non_null(m->feature_names);
    x[0] = 3;
    x[1] = 6;
    run_ok(m, PK_PREDICT, x, out);
    assert_true(out[0] == 2.0); /* (3-1)/2 + (6-2)/4 */
    x[0] = NAN;
    pk_err_clear(&err);
    assert_int_equal(pk_model_run(m, PK_PREDICT, x, scratch, out, &err), PK_EFEATURE);
    assert_string_equal(err.msg, "LinearRegression cannot take missing values: feature 1 "
                                 "('age') is NULL");
    pk_model_free(m);
}

static void test_polynomial(void **state) {
    (void)state;
    pk_value *o = est("sklearn.preprocessing._polynomial", "PolynomialFeatures");
    set(o, "n_features_in_", pk_new_int(&AR, 2));
    set(o, "_min_degree", pk_new_int(&AR, 0));
    set(o, "_max_degree", pk_new_int(&AR, 2));
    set(o, "include_bias", pk_new_bool(&AR, 1));
    set(o, "interaction_only", pk_new_bool(&AR, 0));
    pk_model *m = compile_ok(o);
    double x[3] = {2, 3, 5}, out[16];
    run_ok(m, PK_TRANSFORM, x, out);
    assert_int_equal(m->width[PK_TRANSFORM], 6);
    const double want[] = {1, 2, 3, 4, 6, 9};
    for (int i = 0; i < 6; i++)
        assert_true(out[i] == want[i]);
    pk_model_free(m);

    pk_value *o3 = est("sklearn.preprocessing._polynomial", "PolynomialFeatures");
    set(o3, "n_features_in_", pk_new_int(&AR, 3));
    set(o3, "_min_degree", pk_new_int(&AR, 0));
    set(o3, "_max_degree", pk_new_int(&AR, 3));
    set(o3, "include_bias", pk_new_bool(&AR, 0));
    set(o3, "interaction_only", pk_new_bool(&AR, 1));
    m = compile_ok(o3);
    run_ok(m, PK_TRANSFORM, x, out);
    const double want3[] = {2, 3, 5, 6, 10, 15, 30};
    assert_int_equal(m->width[PK_TRANSFORM], 7);
    for (int i = 0; i < 7; i++)
        assert_true(out[i] == want3[i]);
    pk_model_free(m);

    /* degree (2, 3) with a bias: 1, then the degree 2 and 3 terms only */
    set(o, "_min_degree", pk_new_int(&AR, 2));
    set(o, "_max_degree", pk_new_int(&AR, 3));
    set(o, "n_output_features_", pk_new_int(&AR, 8));
    m = compile_ok(o);
    run_ok(m, PK_TRANSFORM, x, out);
    const double want23[] = {1, 4, 6, 9, 8, 12, 18, 27};
    assert_int_equal(m->width[PK_TRANSFORM], 8);
    for (int i = 0; i < 8; i++)
        assert_true(out[i] == want23[i]);
    pk_model_free(m);
}

static void test_imputer(void **state) {
    (void)state;
    pk_value *o = est("sklearn.impute._base", "SimpleImputer");
    const double st[] = {1.5, NAN, 3};
    set(o, "statistics_", vec(st, 3));
    set(o, "missing_values", pk_new_float(&AR, NAN));
    set(o, "strategy", str("mean"));
    set(o, "add_indicator", pk_new_bool(&AR, 1));
    pk_value *ind = est("sklearn.impute._base", "MissingIndicator");
    const int64_t f[] = {0, 1};
    set(ind, "features_", ivec(f, 2));
    set(o, "indicator_", ind);
    pk_model *m = compile_ok(o);
    assert_int_equal(m->width[PK_TRANSFORM], 4);
    assert_true(m->nan_ok);
    double x[3] = {NAN, NAN, 7}, out[4];
    run_ok(m, PK_TRANSFORM, x, out);
    assert_true(out[0] == 1.5 && out[1] == 7 && out[2] == 1 && out[3] == 1);
    pk_model_free(m);
}

static void test_normalizer_and_pca(void **state) {
    (void)state;
    pk_value *o = est("sklearn.preprocessing._data", "Normalizer");
    set(o, "n_features_in_", pk_new_int(&AR, 2));
    set(o, "norm", str("l2"));
    pk_model *m = compile_ok(o);
    double x[2] = {3, 4}, out[2];
    run_ok(m, PK_TRANSFORM, x, out);
    assert_true(out[0] == 0.6 && out[1] == 0.8);
    x[0] = x[1] = 0;
    run_ok(m, PK_TRANSFORM, x, out); /* zero norm counts as 1 */
    assert_true(out[0] == 0 && out[1] == 0);
    pk_model_free(m);

    o = est("sklearn.decomposition._pca", "PCA");
    const double comp[] = {1, 0, 0, 1}, mean[] = {1, 1}, ev[] = {4, 16};
    set(o, "components_", mat(comp, 2, 2));
    set(o, "mean_", vec(mean, 2));
    set(o, "explained_variance_", vec(ev, 2));
    set(o, "whiten", pk_new_bool(&AR, 1));
    m = compile_ok(o);
    x[0] = 5;
    x[1] = 9;
    run_ok(m, PK_TRANSFORM, x, out);
    assert_true(out[0] == 2 && out[1] == 2);
    pk_model_free(m);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void expect_compile_error(const pk_value *o, const char *msg) {
    pk_err err;
    pk_err_clear(&err);
    pk_model *m = pk_model_compile(&cnt_alloc, o, &err);
    assert_null(m);
    assert_int_equal(err.code, PK_EMODEL);
    assert_string_equal(err.msg, msg);
}

static void test_compile_errors(void **state) {
    (void)state;
    expect_compile_error(
        est("sklearn.multiclass", "_ConstantPredictor"),
        "sklearn.multiclass._ConstantPredictor cannot be scored yet (see model_supported())");
    /* an old module spelling names the canonical class (and its catalogue reason) */
    expect_compile_error(est("sklearn.manifold.t_sne", "TSNE"),
                         "sklearn.manifold._t_sne.TSNE cannot be scored: no transform in "
                         "scikit-learn: it only embeds its training data (fit_transform); "
                         "embedding_ is readable with pickle_get");
    expect_compile_error(est("mylib.models", "SVC"),
                         "unsupported model class mylib.models.SVC (not in the catalogue)");
    /* a scorable family under its old module spelling reaches its compile function */
    expect_compile_error(est("sklearn.svm._classes", "SVC"), "SVC is not fitted (no _gamma)");
    expect_compile_error(est("sklearn.svm.classes", "SVC"), "SVC is not fitted (no _gamma)");
    pk_value *km = est("sklearn.cluster._kmeans", "KMeans");
    set(km, "n_clusters", pk_new_int(&AR, 8));
    expect_compile_error(km, "KMeans is not fitted (no cluster_centers_)");
    expect_compile_error(pk_new_seq(&AR, PK_LIST, 0), "list is not a scikit-learn estimator");
    pk_value *bad = est("sklearn.cluster._kmeans", "KMeans");
    set(bad, "cluster_centers_", str("oops"));
    expect_compile_error(bad, "KMeans.cluster_centers_ is not a numeric array");
    pk_value *lr = est("sklearn.linear_model._logistic", "LogisticRegression");
    const double w[] = {1, 2, 3, 4};
    const int64_t cls[] = {0, 1, 2};
    set(lr, "coef_", mat(w, 2, 2));
    set(lr, "classes_", ivec(cls, 3));
    expect_compile_error(lr, "LogisticRegression has 2 coefficient rows for 3 classes");
    /* intercept_ neither one value nor one per output */
    pk_value *rg = est("sklearn.linear_model._ridge", "Ridge");
    set(rg, "coef_", mat(w, 2, 2));
    set(rg, "intercept_", vec(w, 3));
    expect_compile_error(rg, "Ridge.intercept_ has 3 values for 2 targets");
    pk_value *lr3 = est("sklearn.linear_model._logistic", "LogisticRegression");
    set(lr3, "coef_", mat(w, 2, 2));
    set(lr3, "classes_", ivec(cls, 2));
    set(lr3, "intercept_", vec(w, 3));
    expect_compile_error(lr3, "LogisticRegression.intercept_ has 3 values for 2 score columns");
    pk_value *p = est("sklearn.pipeline", "Pipeline");
    pk_value *steps = pk_new_seq(&AR, PK_LIST, 1);
    pk_err err;
    pk_seq_append(&AR, steps, tuple2(str("lp"), est("sklearn.multiclass", "_ConstantPredictor")),
                  &err);
    set(p, "steps", steps);
    expect_compile_error(p, "sklearn.multiclass._ConstantPredictor cannot be scored yet (see "
                            "model_supported())");
    /* an older module path of a known class still matches */
    assert_true(pk_model_class_known("sklearn.linear_model.logistic", "LogisticRegression"));
    assert_false(pk_model_class_known("mylib.linear_model", "LogisticRegression"));
}

/* Every allocation failure while compiling a pipeline gives PK_ENOMEM and leaks nothing. */
static void test_compile_out_of_memory(void **state) {
    (void)state;
    pk_value *sc = est("sklearn.preprocessing._data", "StandardScaler");
    const double mean[] = {1, 2, 3}, scale[] = {2, 4, 8};
    set(sc, "mean_", vec(mean, 3));
    set(sc, "scale_", vec(scale, 3));
    set(sc, "n_samples_seen_", pk_new_int(&AR, 10));
    pk_value *poly = est("sklearn.preprocessing._polynomial", "PolynomialFeatures");
    set(poly, "n_features_in_", pk_new_int(&AR, 3));
    set(poly, "_max_degree", pk_new_int(&AR, 2));
    pk_value *lr = est("sklearn.linear_model._logistic", "LogisticRegression");
    double w[20];
    for (int i = 0; i < 20; i++)
        w[i] = i * 0.1;
    const int64_t cls[] = {0, 1};
    set(lr, "coef_", mat(w, 1, 10));
    set(lr, "intercept_", pk_new_float(&AR, 0.5));
    set(lr, "classes_", ivec(cls, 2));
    pk_value *steps = pk_new_seq(&AR, PK_LIST, 3);
    pk_err err;
    pk_seq_append(&AR, steps, tuple2(str("sc"), sc), &err);
    pk_seq_append(&AR, steps, tuple2(str("poly"), poly), &err);
    pk_seq_append(&AR, steps, tuple2(str("lr"), lr), &err);
    pk_value *p = est("sklearn.pipeline", "Pipeline");
    set(p, "steps", steps);
    pk_model *m = compile_ok(p);
    size_t calls = UA.calls;
    assert_int_equal(m->width[PK_PREDICT_PROBA], 2);
    pk_model_free(m);
    ut_alloc_assert_clean(&UA);
    for (size_t k = 1; k <= calls; k++) {
        ut_alloc_init(&UA, k, 1);
        pk_err_clear(&err);
        m = pk_model_compile(&UA.a, p, &err);
        assert_null(m);
        assert_int_equal(err.code, PK_ENOMEM);
        ut_alloc_assert_clean(&UA);
    }
}

/* ---- JSON features ----------------------------------------------------------------------- */

static void test_json_features(void **state) {
    (void)state;
    pk_value *lr = est("sklearn.linear_model._base", "LinearRegression");
    const double w[] = {1, 10, 100};
    set(lr, "coef_", vec(w, 3));
    pk_value *names = pk_new_seq(&AR, PK_LIST, 3);
    pk_err err;
    pk_seq_append(&AR, names, str("a"), &err);
    pk_seq_append(&AR, names, str("b\"q"), &err);
    pk_seq_append(&AR, names, str("\xc3\xa9t\xc3\xa9"), &err);
    set(lr, "feature_names_in_", names);
    pk_model *m = compile_ok(lr);
    double x[3];
    pk_cell cells[3];
    unsigned char seen[3];
    char strings[128];
    const char *t = " [1, -2.5e1, null] ";
    pk_err_clear(&err);
    assert_true(pk_features_is_json(t, strlen(t)));
    assert_int_equal(pk_features_from_json(m, t, strlen(t), cells, seen, strings, &err), PK_OK);
    assert_int_equal(pk_model_cells_to_x(m, cells, 3, NULL, x, &err), PK_OK);
    assert_true(x[0] == 1 && x[1] == -25 && isnan(x[2]));
    t = "{\"\\u00e9t\\u00e9\": 3, \"a\": 0.5, \"b\\\"q\": true}";
    assert_int_equal(pk_features_from_json(m, t, strlen(t), cells, seen, strings, &err), PK_OK);
    assert_int_equal(pk_model_cells_to_x(m, cells, 3, NULL, x, &err), PK_OK);
    assert_true(x[0] == 0.5 && x[1] == 1 && x[2] == 3);
    /* strings are read as Python's float() reads them where a number is needed */
    t = "[\" 1_000 \", \"1e3\", \"-inf\"]";
    assert_int_equal(pk_features_from_json(m, t, strlen(t), cells, seen, strings, &err), PK_OK);
    assert_int_equal(cells[0].type, PK_CELL_TEXT);
    assert_int_equal(pk_model_cells_to_x(m, cells, 3, NULL, x, &err), PK_OK);
    assert_true(x[0] == 1000 && x[1] == 1000 && isinf(x[2]) && x[2] < 0);
    t = "[1, \"x\", 3]";
    assert_int_equal(pk_features_from_json(m, t, strlen(t), cells, seen, strings, &err), PK_OK);
    assert_int_equal(pk_model_cells_to_x(m, cells, 3, NULL, x, &err), PK_EFEATURE);
    assert_string_equal(err.msg, "feature 2 ('b\"q') is 'x', not a number");
    const struct {
        const char *in, *msg;
    } bad[] = {
        {"[1, 2]", "LinearRegression expects 3 features, got 2"},
        {"[1, 2, 3, 4]", "LinearRegression expects 3 features, got 4"},
        {"{\"a\": 1, \"a\": 2}", "feature 'a' given twice"},
        {"{\"a\": 1}",
         "missing feature 'b\"q' (LinearRegression expects 'a', 'b\"q', '\xc3\xa9t\xc3\xa9')"},
        {"{\"zz\": 1}",
         "unknown feature 'zz' (LinearRegression expects 'a', 'b\"q', '\xc3\xa9t\xc3\xa9')"},
        {"[1, 2, 03]", "bad JSON features at offset 8: expected ',' or ']'"},
        {"[1, 2, [3]]", "bad JSON features at offset 7: nested arrays and objects are not "
                        "features"},
        {"[1, 2, 3] x", "bad JSON features at offset 10: text after the array"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pk_err_clear(&err);
        assert_int_equal(
            pk_features_from_json(m, bad[i].in, strlen(bad[i].in), cells, seen, strings, &err),
            PK_EFEATURE);
        assert_string_equal(err.msg, bad[i].msg);
    }
    pk_model_free(m);
}

static void test_np_sum_order(void **state) {
    (void)state;
    /* numpy: np.sum([1e16, 1, -1e16, 1, 1, 1, 1, 1, 1]) == 5.0 (eight partial sums) */
    const double a[] = {1e16, 1, -1e16, 1, 1, 1, 1, 1, 1};
    assert_true(pk_np_sum(a, 9) == 5.0);
    /* below 8 items: left to right, np.sum([1e16, 1, -1e16]) == 0.0 */
    assert_true(pk_np_sum(a, 3) == 0.0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kmeans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linear_regression, setup, teardown),
        cmocka_unit_test_setup_teardown(test_glm_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logistic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sgd_modified_huber_uniform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_polynomial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imputer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normalizer_and_pca, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compile_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compile_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_features, setup, teardown),
        cmocka_unit_test_setup_teardown(test_np_sum_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
