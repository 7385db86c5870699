/*
 * test_ubjson.c - the UBJSON reader (pk_ubjson.c): every scalar marker, big-endian numbers,
 * optimized containers ($type#count and #count), no-op markers, nesting, and the refusals
 * (truncation, negative or oversized counts, zero-width typed elements, depth, trailing bytes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "pk_ubjson.h"

static pk_code parse(pk_arena *ar, const char *bytes, size_t n, pk_value **out, pk_err *err) {
    pk_arena_init(ar, &pk_alloc_std, 1u << 20);
    pk_err_clear(err);
    return pk_ubjson_read(ar, (const uint8_t *)bytes, n, 16, out, err);
}

#define PARSE(lit, out) parse(&ar, lit, sizeof(lit) - 1, out, &err)

static void test_scalars(void **state) {
    (void)state;
    pk_arena ar;
    pk_err err;
    pk_value *v;
    assert_int_equal(PARSE("i\xfe", &v), PK_OK);
    assert_int_equal(v->kind, PK_INT);
    assert_int_equal(v->u.i, -2);
    pk_arena_free(&ar);
    assert_int_equal(PARSE("U\xfe", &v), PK_OK);
    assert_int_equal(v->u.i, 254);
    pk_arena_free(&ar);
    assert_int_equal(PARSE("I\x80\x00", &v), PK_OK);
    assert_int_equal(v->u.i, -32768);
    pk_arena_free(&ar);
    assert_int_equal(PARSE("l\x00\x01\x00\x00", &v), PK_OK);
    assert_int_equal(v->u.i, 65536);
    pk_arena_free(&ar);
    assert_int_equal(PARSE("L\xff\xff\xff\xff\xff\xff\xff\xff", &v), PK_OK);
    assert_int_equal(v->u.i, -1);
    pk_arena_free(&ar);
    assert_int_equal(PARSE("d\x3f\xc0\x00\x00", &v), PK_OK); /* 1.5f */
    assert_int_equal(v->kind, PK_FLOAT);
    assert_true(v->u.f == 1.5);
    pk_arena_free(&ar);
    assert_int_equal(PARSE("D\x40\x09\x21\xfb\x54\x44\x2d\x18", &v), PK_OK);
    assert_true(v->u.f == 3.141592653589793);
    pk_arena_free(&ar);
    assert_int_equal(PARSE("SU\x03"
                           "abc",
                           &v),
                     PK_OK);
    assert_int_equal(v->kind, PK_STR);
    assert_string_equal(v->u.s.ptr, "abc");
    pk_arena_free(&ar);
    assert_int_equal(PARSE("Cz", &v), PK_OK);
    assert_string_equal(v->u.s.ptr, "z");
    pk_arena_free(&ar);
    assert_int_equal(PARSE("HU\x04"
                           "1e99",
                           &v),
                     PK_OK);
    assert_int_equal(v->kind, PK_STR);
    pk_arena_free(&ar);
    assert_int_equal(PARSE("NNT", &v), PK_OK);
    assert_int_equal(v->kind, PK_BOOL);
    assert_int_equal(v->u.b, 1);
    pk_arena_free(&ar);
    assert_int_equal(PARSE("Z", &v), PK_OK);
    assert_int_equal(v->kind, PK_NONE);
    pk_arena_free(&ar);
}

static void test_containers(void **state) {
    (void)state;
    pk_arena ar;
    pk_err err;
    pk_value *v;
    /* {"a": [1, 2.5f typed], "b": [T, N, F]} with an int8 key length and an L one */
    static const char doc[] = "{i\x01"
                              "a[$d#i\x02\x3f\x80\x00\x00\x40\x20\x00\x00"
                              "L\x00\x00\x00\x00\x00\x00\x00\x01"
                              "b[TNF]}";
    assert_int_equal(parse(&ar, doc, sizeof doc - 1, &v, &err), PK_OK);
    assert_int_equal(v->kind, PK_DICT);
    pk_value *a = pk_dict_get_str(v, "a"), *b = pk_dict_get_str(v, "b");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->u.seq.len, 2);
    assert_true(a->u.seq.items[0]->u.f == 1.0 && a->u.seq.items[1]->u.f == 2.5);
    assert_int_equal(b->u.seq.len, 2); /* the no-op is skipped */
    pk_arena_free(&ar);
    /* counted object and counted untyped array */
    static const char doc2[] = "{#U\x01"
                               "U\x01"
                               "k[#U\x02"
                               "i\x05"
                               "SU\x01"
                               "x";
    assert_int_equal(parse(&ar, doc2, sizeof doc2 - 1, &v, &err), PK_OK);
    pk_value *k = pk_dict_get_str(v, "k");
    assert_non_null(k);
    assert_int_equal(k->u.seq.len, 2);
    assert_int_equal(k->u.seq.items[0]->u.i, 5);
    pk_arena_free(&ar);
}

static void expect_error(const char *bytes, size_t n, const char *part) {
    pk_arena ar;
    pk_err err;
    pk_value *v;
    pk_code c = parse(&ar, bytes, n, &v, &err);
    assert_int_not_equal(c, PK_OK);
    if (!strstr(err.msg, part)) fail_msg("'%s' does not contain '%s'", err.msg, part);
    pk_arena_free(&ar);
}

#define EXPECT(lit, part) expect_error(lit, sizeof(lit) - 1, part)

static void test_refusals(void **state) {
    (void)state;
    EXPECT("", "empty input");
    EXPECT("q", "unknown type marker 'q'");
    EXPECT("l\x00\x01", "truncated");
    EXPECT("SU\x05"
           "ab",
           "length larger than the input");
    EXPECT("Si\xff"
           "a",
           "negative length");
    EXPECT("[$d#U\x03\x00\x00\x00\x00", "length larger than the input");
    EXPECT("[$Z#L\x7f\xff\xff\xff\xff\xff\xff\xff", "unsupported typed-container element");
    EXPECT("[$d"
           "\x00",
           "typed container without a count");
    EXPECT("[i\x01", "unterminated array");
    EXPECT("{U\x01"
           "a",
           "truncated object value");
    EXPECT("TT", "trailing bytes");
    EXPECT("[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]", "nesting too deep");
    EXPECT("S"
           "d\x00\x00\x00\x00",
           "expected an integer marker");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
