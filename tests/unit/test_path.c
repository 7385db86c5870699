/*
 * test_path.c - path expressions (pk_path.c): syntax, evaluation on every kind of container,
 * exact error messages with their positions, and the path-building helpers used by pk_json.c and
 * pickle_each/pickle_tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pk.h"
#include "pk_buf.h"
#include "pk_err.h"
#include "pk_ndarray.h"
#include "pk_path.h"
#include "pk_value.h"

#include "ut_build.h"
#include "ut_cases.h"

static int setup(void **state) {
    return ut_build_setup(state);
}

static int teardown(void **state) {
    return ut_build_teardown(state);
}

/* Evaluates path on root; asserts success. */
static pk_value *at(pk_value *root, const char *path) {
    pk_value *out = NULL;
    pk_err_clear(&ERR);
    pk_code rc = pk_path_eval(&AR, root, path, strlen(path), &out, &ERR);
    if (rc != PK_OK) fail_msg("path %s: %s", path, ERR.msg);
    assert_non_null(out);
    return out;
}

/* Evaluates path on root; asserts the error code and message. */
static void fails(pk_value *root, const char *path, pk_code code, const char *msg) {
    pk_value *out = NULL;
    pk_err_clear(&ERR);
    pk_code rc = pk_path_eval(&AR, root, path, strlen(path), &out, &ERR);
    if (rc != code)
        fail_msg("path %s: rc %s, want %s (%s)", path, pk_code_name(rc), pk_code_name(code),
                 ERR.msg);
    assert_null(out);
    assert_int_equal(ERR.code, code);
    assert_string_equal(ERR.msg, msg);
}

static int64_t ival(pk_value *v) {
    assert_int_equal(v->kind, PK_INT);
    return v->u.i;
}

static const char *sval(pk_value *v) {
    assert_int_equal(v->kind, PK_STR);
    return v->u.s.ptr;
}

static pk_value *sample(void) {
    /* {"a": [10, 20, 30], "b c": {"x\"y": 1}, 7: "seven", -1: "minus", "t": (1, (2, 3))} */
    return D(5, S("a"), L(3, I(10), I(20), I(30)), S("b c"), D(1, S("x\"y"), I(1)), I(7),
             S("seven"), I(-1), S("minus"), S("t"), T(2, I(1), T(2, I(2), I(3))));
}

static void test_basic_paths(void **state) {
    (void)state;
    pk_value *r = sample();
    assert_ptr_equal(at(r, "$"), r);
    assert_int_equal(at(r, "$.a")->kind, PK_LIST);
    assert_int_equal(ival(at(r, "$.a[0]")), 10);
    assert_int_equal(ival(at(r, "$.a[2]")), 30);
    assert_int_equal(ival(at(r, "$.a[-1]")), 30);
    assert_int_equal(ival(at(r, "$.a[-3]")), 10);
    assert_int_equal(ival(at(r, "$[\"a\"][1]")), 20);
    assert_int_equal(ival(at(r, "$['a'][1]")), 20);
    assert_int_equal(ival(at(r, "$[\"b c\"][\"x\\\"y\"]")), 1);
    assert_int_equal(ival(at(r, "$['b c'][\"x\\\"y\"]")), 1);
    assert_string_equal(sval(at(r, "$[7]")), "seven");
    assert_string_equal(sval(at(r, "$[-1]")), "minus"); /* dicts: the key -1, no counting */
    assert_int_equal(ival(at(r, "$.t[1][0]")), 2);
    assert_int_equal(ival(at(r, "$.t[-1][-1]")), 3);
    /* NULL path = root */
    pk_value *out;
    assert_int_equal(pk_path_eval(&AR, r, NULL, 0, &out, &ERR), PK_OK);
    assert_ptr_equal(out, r);
    /* names with any bytes but . [ ] */
    pk_value *u = D(2, S("\xc3\xa9t\xc3\xa9"), I(1), S("a-b:c"), I(2));
    assert_int_equal(ival(at(u, "$.\xc3\xa9t\xc3\xa9")), 1);
    assert_int_equal(ival(at(u, "$.a-b:c")), 2);
    /* a long escaped name (beyond the inline buffer) */
    char longname[600], path[720];
    memset(longname, 'q', sizeof longname);
    longname[0] = '\\';
    longname[599] = 0;
    pk_value *ld = D(1, S(longname), I(9));
    char esc[700];
    size_t k = 0;
    esc[k++] = '\\';
    esc[k++] = '\\';
    memcpy(esc + k, longname + 1, 598);
    esc[k + 598] = 0;
    snprintf(path, sizeof path, "$[\"%s\"]", esc);
    assert_int_equal(ival(at(ld, path)), 9);
}

static void test_objects_and_sets(void **state) {
    (void)state;
    pk_value *cls = G("sklearn.cluster._kmeans", "KMeans");
    pk_value *o = pk_new_object(&AR, cls, T(1, S("arg0")), PK_HOW_REDUCE);
    o->u.o.state = D(2, S("n_clusters"), I(3), S("cluster_centers_"), L(1, I(5)));
    assert_int_equal(ival(at(o, "$.n_clusters")), 3);
    assert_int_equal(ival(at(o, "$.cluster_centers_[0]")), 5);
    assert_string_equal(sval(at(o, "$[\"py/args\"][0]")), "arg0");
    fails(o, "$.coef_", PK_ENOTFOUND,
          "no such path: key 'coef_' not found in sklearn.cluster._kmeans.KMeans at '$.coef_'");
    fails(o, "$[0]", PK_ENOTFOUND,
          "no such path: cannot index sklearn.cluster._kmeans.KMeans with [0] at '$[0]'");
    fails(o, "$[\"py/state\"]", PK_ENOTFOUND,
          "no such path: key 'py/state' not found in sklearn.cluster._kmeans.KMeans at "
          "'$[\"py/state\"]'");
    /* (dict, slots) state: slots first (they win, as in Python), then __dict__ */
    pk_value *p = pk_new_object(&AR, G("m", "P"), NULL, PK_HOW_NEWOBJ);
    p->u.o.state = T(2, D(2, S("a"), I(1), S("b"), I(0)), D(1, S("b"), I(2)));
    assert_int_equal(ival(at(p, "$.a")), 1);
    assert_int_equal(ival(at(p, "$.b")), 2);
    /* non-dict state, items and dictitems */
    pk_value *q = pk_new_object(&AR, G("m", "Q"), NULL, PK_HOW_NEWOBJ);
    q->u.o.state = L(2, I(4), I(5));
    q->u.o.items = L(3, S("i0"), S("i1"), S("i2"));
    q->u.o.dictitems = D(2, S("k"), S("v"), I(3), S("three"));
    assert_int_equal(ival(at(q, "$[\"py/state\"][1]")), 5);
    assert_string_equal(sval(at(q, "$[1]")), "i1");
    assert_string_equal(sval(at(q, "$[-1]")), "i2");
    assert_string_equal(sval(at(q, "$[\"py/items\"][0]")), "i0");
    assert_string_equal(sval(at(q, "$.k")), "v");
    assert_string_equal(sval(at(q, "$[\"py/dictitems\"][3]")), "three");
    fails(q, "$[3]", PK_ENOTFOUND,
          "no such path: index 3 out of range for m.Q of length 3 at '$[3]'");
    /* sets index in stored order */
    pk_value *s = SEQ(PK_FROZENSET, 2, S("x"), S("y"));
    assert_string_equal(sval(at(s, "$[1]")), "y");
    /* OrderedDict: a dict */
    pk_value *od = D(1, S("z"), I(26));
    od->u.d.cls = G("collections", "OrderedDict");
    assert_int_equal(ival(at(od, "$.z")), 26);
    fails(od, "$.y", PK_ENOTFOUND,
          "no such path: key 'y' not found in collections.OrderedDict at '$.y'");
}

static void test_syntax_errors(void **state) {
    (void)state;
    pk_value *r = sample();
    fails(r, "$.a[1x", PK_EPATH, "bad path: expected ']' at character 6 of '$.a[1x'");
    fails(r, "a", PK_EPATH, "bad path: expected '$' at character 1 of 'a'");
    fails(r, "", PK_EPATH, "bad path: expected '$' at character 1 of ''");
    fails(r, "$.", PK_EPATH, "bad path: expected a name after '.' at character 3 of '$.'");
    fails(r, "$..a", PK_EPATH, "bad path: expected a name after '.' at character 3 of '$..a'");
    fails(r, "$a", PK_EPATH, "bad path: expected '.' or '[' at character 2 of '$a'");
    fails(r, "$.a]", PK_EPATH, "bad path: expected '.' or '[' at character 4 of '$.a]'");
    fails(r, "$[", PK_EPATH, "bad path: expected an index or a quoted name at character 3 of '$['");
    fails(r, "$[-]", PK_EPATH,
          "bad path: expected an index or a quoted name at character 4 of '$[-]'");
    fails(r, "$[x]", PK_EPATH,
          "bad path: expected an index or a quoted name at character 3 of '$[x]'");
    fails(r, "$[\"abc", PK_EPATH, "bad path: unterminated string at character 7 of '$[\"abc'");
    fails(r, "$[\"a\"", PK_EPATH, "bad path: expected ']' at character 6 of '$[\"a\"'");
    fails(r, "$[\"a\\n\"]", PK_EPATH, "bad path: unknown escape at character 5 of '$[\"a\\n\"]'");
    fails(r, "$[99999999999999999999]", PK_EPATH,
          "bad path: index too large at character 21 of '$[99999999999999999999]'");
    fails(r, "$[9223372036854775808]", PK_EPATH,
          "bad path: index too large at character 21 of '$[9223372036854775808]'");
    /* the extremes of int64 parse */
    fails(r, "$.a[9223372036854775807]", PK_ENOTFOUND,
          "no such path: index 9223372036854775807 out of range for list of length 3 at "
          "'$.a[9223372036854775807]'");
    fails(r, "$.a[-9223372036854775808]", PK_ENOTFOUND,
          "no such path: index -9223372036854775808 out of range for list of length 3 at "
          "'$.a[-9223372036854775808]'");
    /* long paths are shortened in messages */
    char longp[400];
    memset(longp, 'x', sizeof longp);
    longp[0] = '$';
    longp[1] = '.';
    longp[399] = 0;
    longp[300] = '!';
    longp[301] = '[';
    pk_value *out;
    pk_err_clear(&ERR);
    assert_int_equal(pk_path_eval(&AR, r, longp, strlen(longp), &out, &ERR), PK_EPATH);
    assert_non_null(strstr(ERR.msg, "at character 303 of '$.xxx"));
    assert_non_null(strstr(ERR.msg, "...'"));
}

static void test_not_found(void **state) {
    (void)state;
    pk_value *r = sample();
    fails(r, "$.b", PK_ENOTFOUND, "no such path: key 'b' not found in dict at '$.b'");
    fails(r, "$.a[3]", PK_ENOTFOUND,
          "no such path: index 3 out of range for list of length 3 at '$.a[3]'");
    fails(r, "$.a[-4]", PK_ENOTFOUND,
          "no such path: index -4 out of range for list of length 3 at '$.a[-4]'");
    fails(r, "$[8]", PK_ENOTFOUND, "no such path: key 8 not found in dict at '$[8]'");
    fails(r, "$.a[0][0]", PK_ENOTFOUND, "no such path: cannot index int with [0] at '$.a[0][0]'");
    fails(r, "$.a[0].x", PK_ENOTFOUND, "no such path: key 'x' not found in int at '$.a[0].x'");
    fails(r, "$.a.x.y", PK_ENOTFOUND, "no such path: key 'x' not found in list at '$.a.x'");
    fails(r, "$.t[1][2]", PK_ENOTFOUND,
          "no such path: index 2 out of range for tuple of length 2 at '$.t[1][2]'");
    fails(NONE(), "$[0]", PK_ENOTFOUND, "no such path: cannot index NoneType with [0] at '$[0]'");
}

/* numpy arrays: [N] walks the first axis (views, then scalars) */
static pk_value *dtype_f8(void) {
    pk_value *d =
        pk_np_dtype_new(&AR, T(3, S("f8"), pk_new_bool(&AR, 0), pk_new_bool(&AR, 1)), &ERR);
    assert_non_null(d);
    pk_value *st = T(8, I(3), S("<"), NONE(), NONE(), NONE(), I(-1), I(-1), I(0));
    assert_int_equal(pk_np_dtype_setstate(&AR, d, st, &ERR), PK_OK);
    return d;
}

static void test_ndarray_index(void **state) {
    (void)state;
    static const double data[6] = {1.5, 2.5, 3.5, 4.5, 5.5, 6.5};
    int64_t shape[2] = {2, 3};
    pk_value *a = pk_np_array_from_data(&AR, dtype_f8(), 2, shape, 0, (const uint8_t *)data,
                                        sizeof data, &ERR);
    assert_non_null(a);
    pk_value *row = at(a, "$[1]");
    assert_int_equal(row->kind, PK_NDARRAY);
    assert_int_equal(row->u.arr->ndim, 1);
    double d;
    pk_value *e = at(a, "$[1][2]");
    assert_int_equal(e->kind, PK_NPSCALAR);
    assert_int_equal(pk_npscalar_f64(e, &d), PK_OK);
    assert_true(d == 6.5);
    e = at(a, "$[-2][-3]");
    assert_int_equal(pk_npscalar_f64(e, &d), PK_OK);
    assert_true(d == 1.5);
    fails(a, "$[2]", PK_ENOTFOUND,
          "no such path: index 2 out of range for numpy.ndarray of length 2 at '$[2]'");
    fails(a, "$[0][3]", PK_ENOTFOUND,
          "no such path: index 3 out of range for numpy.ndarray of length 3 at '$[0][3]'");
    fails(a, "$[0][0][0]", PK_ENOTFOUND,
          "no such path: cannot index numpy.float64 with [0] at '$[0][0][0]'");
    fails(a, "$.shape", PK_ENOTFOUND,
          "no such path: key 'shape' not found in numpy.ndarray at '$.shape'");
    /* inside a container */
    pk_value *r = D(1, S("coef_"), a);
    e = at(r, "$.coef_[0][1]");
    assert_int_equal(pk_npscalar_f64(e, &d), PK_OK);
    assert_true(d == 2.5);
}

/* ---- path building --------------------------------------------------------------------------- */

static const char *built(void (*fn)(pk_buf *)) {
    static char text[256];
    pk_buf b;
    pk_buf_init(&b, &pk_alloc_std, 0);
    pk_buf_puts(&b, "$");
    fn(&b);
    assert_int_equal(b.failed, PK_OK);
    memcpy(text, b.data, b.len + 1);
    pk_buf_free(&b);
    return text;
}
static void b1(pk_buf *b) {
    pk_path_append_key(b, "abc_1", 5);
}
static void b2(pk_buf *b) {
    pk_path_append_key(b, "1abc", 4);
}
static void b3(pk_buf *b) {
    pk_path_append_key(b, "a\"b\\c d", 7);
}
static void b4(pk_buf *b) {
    pk_path_append_key(b, "", 0);
}
static void b5(pk_buf *b) {
    pk_path_append_index(b, -12);
}
static void b6(pk_buf *b) {
    pk_path_append_key(b, "py/args", 7);
    pk_path_append_index(b, 0);
}
static void b7(pk_buf *b) {
    pk_path_append_key(b, "_", 1);
    pk_path_append_key(b, "\xc3\xa9", 2);
}

static void test_append(void **state) {
    (void)state;
    assert_string_equal(built(b1), "$.abc_1");
    assert_string_equal(built(b2), "$[\"1abc\"]");
    assert_string_equal(built(b3), "$[\"a\\\"b\\\\c d\"]");
    assert_string_equal(built(b4), "$[\"\"]");
    assert_string_equal(built(b5), "$[-12]");
    assert_string_equal(built(b6), "$[\"py/args\"][0]");
    assert_string_equal(built(b7), "$._[\"\xc3\xa9\"]");
    /* what is built evaluates back */
    pk_value *r = D(2, S("a\"b\\c d"), L(1, I(5)), S(""), I(6));
    assert_int_equal(ival(at(r, "$[\"a\\\"b\\\\c d\"][0]")), 5);
    assert_int_equal(ival(at(r, "$[\"\"]")), 6);
}

static void test_last_step(void **state) {
    (void)state;
    static const struct {
        const char *path;
        size_t parent_len;
        int is_index;
        int64_t index;
        const char *name;
    } cases[] = {
        {"$", 0, 0, 0, ""},       {"$.a", 1, 0, 0, "a"},   {"$.a.bc", 3, 0, 0, "bc"},
        {"$.a[3]", 3, 1, 3, ""},  {"$[-2]", 1, 1, -2, ""}, {"$.x[\"q\\\"r\"]", 3, 0, 0, "q\"r"},
        {"$['k']", 1, 0, 0, "k"},
    };
    ut_cases uc = {0};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        UT_CASE(&uc, "last step of %s", cases[k].path);
        pk_buf name;
        pk_buf_init(&name, &pk_alloc_std, 0);
        size_t parent_len = 99;
        int is_index = -1;
        int64_t index = -99;
        pk_err_clear(&ERR);
        if (UT_EXPECT_INT(&uc,
                          pk_path_last_step(cases[k].path, strlen(cases[k].path), &parent_len,
                                            &is_index, &index, &name, &ERR),
                          PK_OK)) {
            UT_EXPECT_INT(&uc, parent_len, cases[k].parent_len);
            UT_EXPECT_INT(&uc, is_index, cases[k].is_index);
            if (is_index) UT_EXPECT_INT(&uc, index, cases[k].index);
            UT_EXPECT(&uc,
                      name.len == strlen(cases[k].name) &&
                          (!name.len || memcmp(name.data, cases[k].name, name.len) == 0),
                      "name \"%.*s\", want \"%s\"", (int)name.len,
                      name.data ? (const char *)name.data : "", cases[k].name);
        }
        pk_buf_free(&name);
    }
    ut_cases_done(&uc);
    pk_buf name;
    pk_buf_init(&name, &pk_alloc_std, 0);
    size_t pl;
    int ii;
    int64_t ix;
    pk_err_clear(&ERR);
    assert_int_equal(pk_path_last_step("$.a[", 4, &pl, &ii, &ix, &name, &ERR), PK_EPATH);
    assert_string_equal(ERR.msg,
                        "bad path: expected an index or a quoted name at character 5 of '$.a['");
    pk_buf_free(&name);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_and_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ndarray_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_step, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
