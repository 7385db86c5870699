/*
 * test_catalogue.c - the catalogue (ext/core/base/pk_catalogue.h) agrees with the scoring families
 * and with the safety verdict: every scorable class is also safe under every module spelling,
 * every family a row names has a compile function and every family is used, and the names that
 * must stay unknown (code that runs) are unknown. Each check reports every failing row before
 * failing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pk_catalogue.h"
#include "pk_model_impl.h"
#include "pk_vm.h"

/* Calls fn(module) for the canonical module and each spelling of r; returns the failures. */
static int each_spelling(const pk_cat_row *r, int (*fn)(const pk_cat_row *, const char *)) {
    int bad = fn(r, r->module);
    char mod[256];
    for (const char *p = r->spellings; *p;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        assert_true(len > 0 && len < sizeof mod);
        memcpy(mod, p, len);
        mod[len] = 0;
        bad += fn(r, mod);
        if (!end) break;
        p = end + 1;
    }
    return bad;
}

static int found_and_safe(const pk_cat_row *r, const char *module) {
    int bad = 0;
    if (pk_catalogue_find(module, r->name) != r) {
        printf("catalogue: %s.%s does not find its row\n", module, r->name);
        bad++;
    }
    if (!pk_global_allowed(module, r->name) || pk_global_tier(module, r->name) != (int)r->tier) {
        printf("catalogue: %s.%s (tier %s) is not safe to the decoder\n", module, r->name,
               pk_tier_name(r->tier));
        bad++;
    }
    return bad;
}

/* Every row is found under every spelling, and the decoder calls it safe with the row's tier. */
static void test_rows_found_and_safe(void **state) {
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < pk_catalogue_count; i++)
        bad += each_spelling(&pk_catalogue_rows[i], found_and_safe);
    assert_int_equal(bad, 0);
}

/* Sorted by name then module (pk_catalogue_find's binary search relies on the name order). */
static void test_rows_sorted(void **state) {
    (void)state;
    int bad = 0;
    for (size_t i = 1; i < pk_catalogue_count; i++) {
        const pk_cat_row *a = &pk_catalogue_rows[i - 1], *b = &pk_catalogue_rows[i];
        int c = strcmp(a->name, b->name);
        if (c > 0 || (c == 0 && strcmp(a->module, b->module) >= 0)) {
            printf("catalogue: %s.%s comes before %s.%s\n", a->module, a->name, b->module, b->name);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* A scorable row names a family with a compile function, and only scorable rows name one; a
 * scorable class is safe (tier order) and has methods to list in model_supported(). */
static void test_scorable_rows_have_families(void **state) {
    (void)state;
    int bad = 0, scorable = 0;
    for (size_t i = 0; i < pk_catalogue_count; i++) {
        const pk_cat_row *r = &pk_catalogue_rows[i];
        if (r->tier == PK_TIER_SCORABLE) {
            scorable++;
            if (!pk_model_family_fn(r->family) || !r->methods[0] || r->tier < PK_TIER_SAFE) {
                printf("catalogue: scorable %s.%s has no family/compile function/methods\n",
                       r->module, r->name);
                bad++;
            }
            if (!pk_model_class_known(r->module, r->name)) {
                printf("catalogue: scorable %s.%s is not known to the compiler\n", r->module,
                       r->name);
                bad++;
            }
        } else if (r->family) {
            printf("catalogue: %s.%s names family %s but is not scorable\n", r->module, r->name,
                   r->family);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    assert_true(scorable >= 58);
}

/* Every family of the model table is used by at least one catalogue row (a family no row names
 * would be a class the compiler accepts that the catalogue does not know). */
static void test_every_family_used(void **state) {
    (void)state;
    int bad = 0;
    for (const pk_model_family *f = pk_model_families; f->family; f++) {
        int used = 0;
        for (size_t i = 0; i < pk_catalogue_count && !used; i++)
            used =
                pk_catalogue_rows[i].family && strcmp(pk_catalogue_rows[i].family, f->family) == 0;
        if (!used) {
            printf("catalogue: family %s is used by no catalogue row\n", f->family);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* Module spellings that must be known, with their tiers, and names that must stay unknown. */
static void test_known_and_unknown_names(void **state) {
    (void)state;
    static const struct {
        const char *module, *name;
        pk_tier tier;
    } cases[] = {
        {"sklearn.linear_model.logistic", "LogisticRegression", PK_TIER_SCORABLE},
        {"sklearn.cluster.k_means_", "KMeans", PK_TIER_SCORABLE},
        {"sklearn.preprocessing.data", "StandardScaler", PK_TIER_SCORABLE},
        {"sklearn.tree.tree", "DecisionTreeClassifier", PK_TIER_SCORABLE},
        {"sklearn.ensemble.forest", "RandomForestClassifier", PK_TIER_SCORABLE},
        {"sklearn.ensemble.gradient_boosting", "GradientBoostingClassifier", PK_TIER_SCORABLE},
        {"sklearn.svm.classes", "LinearSVC", PK_TIER_SCORABLE},
        {"sklearn.svm.classes", "SVC", PK_TIER_SCORABLE},
        {"sklearn.svm._classes", "OneClassSVM", PK_TIER_SCORABLE},
        {"sklearn.naive_bayes", "CategoricalNB", PK_TIER_SCORABLE},
        {"sklearn.neighbors.classification", "KNeighborsClassifier", PK_TIER_SCORABLE},
        {"sklearn.neighbors._regression", "KNeighborsRegressor", PK_TIER_SCORABLE},
        {"sklearn.neural_network.multilayer_perceptron", "MLPRegressor", PK_TIER_SCORABLE},
        {"sklearn.neural_network._stochastic_optimizers", "AdamOptimizer", PK_TIER_SAFE},
        {"sklearn.neural_network._stochastic_optimizers", "SGDOptimizer", PK_TIER_SAFE},
        {"sklearn.neighbors._ball_tree", "BallTree", PK_TIER_SAFE},
        {"sklearn.neighbors._ball_tree", "newObj", PK_TIER_SAFE},
        {"sklearn.neighbors._dist_metrics", "newObj", PK_TIER_SAFE},
        {"sklearn.neighbors._dist_metrics", "MinkowskiDistance", PK_TIER_SAFE},
        {"sklearn.metrics._dist_metrics", "newObj", PK_TIER_SAFE},
        {"sklearn.metrics._dist_metrics", "ManhattanDistance64", PK_TIER_SAFE},
        {"sklearn.metrics._dist_metrics", "ChebyshevDistance64", PK_TIER_SAFE},
        {"xgboost.sklearn", "XGBClassifier", PK_TIER_SCORABLE},
        {"xgboost.sklearn", "XGBRFRegressor", PK_TIER_SCORABLE},
        {"xgboost.sklearn", "XGBRanker", PK_TIER_SCORABLE},
        {"_loss", "CyHalfBinomialLoss", PK_TIER_SAFE},
        {"sklearn._loss._loss", "__pyx_unpickle_CyHalfSquaredError", PK_TIER_SAFE},
        {"sklearn.tree._tree", "Tree", PK_TIER_SAFE},
        {"sklearn.neighbors._kd_tree", "KDTree", PK_TIER_SAFE},
        {"sklearn.neighbors._kd_tree", "newObj", PK_TIER_SAFE},
        {"sklearn.metrics._dist_metrics", "EuclideanDistance64", PK_TIER_SAFE},
        {"sklearn.neighbors.dist_metrics", "EuclideanDistance", PK_TIER_SAFE},
        {"sklearn.compose._column_transformer", "_RemainderColsList", PK_TIER_SAFE},
        {"sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper", PK_TIER_SAFE},
        {"numpy.random._mt19937", "MT19937", PK_TIER_SAFE},
        {"numpy.random.bit_generator", "__pyx_unpickle_SeedSequence", PK_TIER_SAFE},
        {"numpy.ma.core", "_mareconstruct", PK_TIER_SAFE},
        {"pandas.core.indexes.base", "_new_Index", PK_TIER_SAFE},
        {"scipy.sparse.csr", "csr_matrix", PK_TIER_SAFE},
        {"xgboost.core", "Booster", PK_TIER_SCORABLE},
        {"xgboost.sklearn", "XGBModel", PK_TIER_SAFE},
        {"os", "system", PK_TIER_UNKNOWN},
        {"posix", "system", PK_TIER_UNKNOWN},
        {"builtins", "eval", PK_TIER_UNKNOWN},
        {"builtins", "getattr", PK_TIER_UNKNOWN},
        {"operator", "attrgetter", PK_TIER_UNKNOWN},
        {"functools", "partial", PK_TIER_UNKNOWN},
        {"pandas", "eval", PK_TIER_UNKNOWN},
        {"pandas.core.computation.eval", "eval", PK_TIER_UNKNOWN},
        {"numpy.core", "_ufunc_reconstruct", PK_TIER_UNKNOWN},
        {"sklearn.metrics._dist_metrics", "PyFuncDistance", PK_TIER_UNKNOWN},
        {"joblib.numpy_pickle_compat", "NDArrayWrapper", PK_TIER_UNKNOWN},
        {"__main__", "LogisticRegression", PK_TIER_UNKNOWN},
        {"mylib.linear_model._logistic", "LogisticRegression", PK_TIER_UNKNOWN},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int t = pk_global_tier(cases[i].module, cases[i].name);
        if (t != (int)cases[i].tier) {
            printf("catalogue: %s.%s is %s, expected %s\n", cases[i].module, cases[i].name,
                   pk_tier_name((pk_tier)t), pk_tier_name(cases[i].tier));
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_found_and_safe),
        cmocka_unit_test(test_rows_sorted),
        cmocka_unit_test(test_scorable_rows_have_families),
        cmocka_unit_test(test_every_family_used),
        cmocka_unit_test(test_known_and_unknown_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
