/*
 * test_allow.c - allowances (ext/core/base/pk_allow.h): parsing, the forbidden list, matching a
 * global by module and name separately.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pk_allow.h"
#include "ut_cases.h"

static pk_allow a;
static char why[512];

static int parse(const char *json) {
    return pk_allow_parse(json, strlen(json), &a, why, sizeof why);
}

static void test_parses_entries(void **state) {
    (void)state;
    assert_int_equal(parse(" [ \"__main__.clean_text\" ,\"src.data.preprocess.convert\"]\n"), 0);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.names[0], "__main__.clean_text");
    assert_int_equal(a.dot[0], 8);
    assert_string_equal(a.names[1], "src.data.preprocess.convert");
    assert_int_equal(a.dot[1], strlen("src.data.preprocess"));
    assert_int_equal(pk_allow_find(&a, "__main__", "clean_text"), 0);
    assert_int_equal(pk_allow_find(&a, "src.data.preprocess", "convert"), 1);
    /* the same text split elsewhere is another global */
    assert_int_equal(pk_allow_find(&a, "src.data", "preprocess.convert"), -1);
    assert_int_equal(pk_allow_find(&a, "__main__", "clean"), -1);
    assert_int_equal(pk_allow_find(&a, "__main_", "_.clean_text"), -1);
}

static void test_malformed(void **state) {
    (void)state;
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"", "must be a JSON array"},
        {"\"__main__.A\"", "must be a JSON array"},
        {"[]", "is empty"},
        {"[1]", "must be a JSON array"},
        {"[\"__main__.A\",]", "must be a JSON array"},
        {"[\"__main__.A\"", "must be a JSON array"},
        {"[\"__main__.A\"] x", "text after the array"},
        {"[\"__main__\\u0041.A\"]", "not a plain string"},
        {"[\"__main__\"]", "is not a \"module.name\""},
        {"[\"a..b\"]", "is not a \"module.name\""},
        {"[\"a.b.\"]", "is not a \"module.name\""},
        {"[\"1a.b\"]", "is not a \"module.name\""},
        {"[\"a.b c\"]", "is not a \"module.name\""},
        {"[\"?.?\"]", "is not a \"module.name\""},
        {"[\"a.b\", \"a.b\"]", "names a.b twice"},
    };
    ut_cases uc = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        UT_CASE(&uc, "case %zu: %s", i, cases[i].json);
        why[0] = 0;
        UT_EXPECT(&uc, parse(cases[i].json) == -1 && strstr(why, cases[i].msg),
                  "got \"%s\", want an error with \"%s\"", why, cases[i].msg);
    }
    ut_cases_done(&uc);
    char big[64 * 20 + 64];
    size_t w = (size_t)snprintf(big, sizeof big, "[");
    for (int i = 0; i <= PK_ALLOW_MAX; i++)
        w += (size_t)snprintf(big + w, sizeof big - w, "%s\"m.n%d\"", i ? "," : "", i);
    snprintf(big + w, sizeof big - w, "]");
    assert_int_equal(parse(big), -1);
    assert_non_null(strstr(why, "more than 64"));
}

static void test_forbidden(void **state) {
    (void)state;
    static const char *const bad[][2] = {
        {"os", "system"},
        {"posix", "system"},
        {"nt", "system"},
        {"builtins", "eval"},
        {"builtins", "getattr"},
        {"__builtin__", "open"},
        {"subprocess", "Popen"},
        {"importlib", "import_module"},
        {"importlib.util", "x"},
        {"sys", "modules"},
        {"pickle", "loads"},
        {"marshal", "loads"},
        {"shelve", "open"},
        {"runpy", "run_path"},
        {"code", "InteractiveConsole"},
        {"ctypes", "CDLL"},
        {"shutil", "rmtree"},
        {"socket", "socket"},
        {"functools", "partial"},
        {"operator", "attrgetter"},
        {"operator", "methodcaller"},
        {"_operator", "itemgetter"},
        {"numpy", "load"},
        {"__main__", "eval"},
        {"mymod", "__import__"},
        {"__main__", "__builtins__"},
        {"src.utils", "system"},
    };
    ut_cases uc = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        UT_CASE(&uc, "%s.%s", bad[i][0], bad[i][1]);
        UT_EXPECT(&uc, pk_allow_forbidden(bad[i][0], bad[i][1]), "not forbidden");
    }
    static const char *const ok[][2] = {
        {"__main__", "CatFeaturesDummies"},
        {"__main__", "clean_text"},
        {"src.data.preprocess", "convert_to_numeric"},
        {"osmium", "Thing"},
        {"system_tools", "Scaler"},
        {"numpy_ext", "load_x"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        UT_CASE(&uc, "%s.%s", ok[i][0], ok[i][1]);
        UT_EXPECT(&uc, !pk_allow_forbidden(ok[i][0], ok[i][1]), "forbidden");
    }
    ut_cases_done(&uc);
    assert_int_equal(parse("[\"__main__.A\", \"os.system\", \"builtins.eval\"]"), -1);
    assert_non_null(strstr(why, "os.system, builtins.eval can never be allowed"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_entries),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_forbidden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
