/*
 * test_ndarray.c - numpy dtypes, arrays and scalars (pk_ndarray.c) and joblib's array layout
 * (pk_joblib.c, through pk_doc_decode).
 *
 * Values are built by hand in an arena, the way the unpickler would hand them to pk_ndarray.c;
 * joblib streams are assembled byte by byte from docs/formats.md ("joblib files").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pk.h"
#include "pk_buf.h"
#include "pk_doc.h"
#include "pk_err.h"
#include "pk_json.h"
#include "pk_ndarray.h"

/* ---- value builders -------------------------------------------------------------------------- */

#include "ut_build.h"
#include "ut_cases.h"

static int setup(void **state) {
    return ut_build_setup(state);
}

static int teardown(void **state) {
    return ut_build_teardown(state);
}

/* numpy.dtype(typestr, False, True) + BUILD of a version-3 state for a simple type. */
static pk_value *dtype_simple(const char *typestr, const char *order) {
    pk_value *d =
        pk_np_dtype_new(&AR, T(3, S(typestr), pk_new_bool(&AR, 0), pk_new_bool(&AR, 1)), &ERR);
    assert_non_null(d);
    pk_value *st = T(8, I(3), S(order), NONE(), NONE(), NONE(), I(-1), I(-1), I(0));
    assert_int_equal(pk_np_dtype_setstate(&AR, d, st, &ERR), PK_OK);
    return d;
}

/* _reconstruct + BUILD (version 1) */
static pk_value *array_of(pk_value *dtype, pk_value *shape, int fortran, pk_value *raw,
                          pk_code want) {
    pk_value *a = pk_np_reconstruct(
        &AR, T(3, pk_new_global(&AR, "numpy", 5, "ndarray", 7), T(1, I(0)), S("b")), NULL, &ERR);
    assert_non_null(a);
    pk_code rc = pk_np_array_setstate(
        &AR, a, T(5, I(1), shape, dtype, pk_new_bool(&AR, fortran), raw), &ERR);
    assert_int_equal(rc, want);
    return a;
}

static char *json_of(const pk_value *v) {
    static char text[4096];
    pk_buf b;
    pk_buf_init(&b, &pk_alloc_std, 0);
    assert_int_equal(pk_json_write(&b, v, "$", NULL, &ERR), PK_OK);
    size_t n;
    uint8_t *t = pk_buf_take(&b, &n);
    assert_non_null(t);
    assert_true(n < sizeof text);
    memcpy(text, t, n + 1);
    free(t);
    return text;
}

/* ---- dtypes ---------------------------------------------------------------------------------- */

static void test_dtype_typestrs(void **state) {
    (void)state;
    static const struct {
        const char *ts;
        char kind, order;
        size_t size;
        const char *name;
    } cases[] = {
        {"f8", 'f', '<', 8, "float64"},    {"f4", 'f', '<', 4, "float32"},
        {"f2", 'f', '<', 2, "float16"},    {"i1", 'i', '|', 1, "int8"},
        {"i2", 'i', '<', 2, "int16"},      {"i4", 'i', '<', 4, "int32"},
        {"i8", 'i', '<', 8, "int64"},      {"u1", 'u', '|', 1, "uint8"},
        {"u8", 'u', '<', 8, "uint64"},     {"b1", 'b', '|', 1, "bool_"},
        {"c8", 'c', '<', 8, "complex64"},  {"c16", 'c', '<', 16, "complex128"},
        {"S5", 'S', '|', 5, "bytes_"},     {"U3", 'U', '<', 12, "str_"},
        {"V16", 'V', '|', 16, "void"},     {"O8", 'O', '|', 8, "object_"},
        {"M8", 'M', '<', 8, "datetime64"}, {"m8", 'm', '<', 8, "timedelta64"},
        {">i2", 'i', '>', 2, "int16"},     {"d", 'f', '<', 8, "float64"},
        {"?", 'b', '|', 1, "bool_"},       {"<M8[ns]", 'M', '<', 8, "datetime64"},
    };
    ut_cases uc = {0};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        UT_CASE(&uc, "dtype('%s')", cases[k].ts);
        pk_err_clear(&ERR);
        pk_value *d = pk_np_dtype_new(
            &AR, T(3, S(cases[k].ts), pk_new_bool(&AR, 0), pk_new_bool(&AR, 1)), &ERR);
        if (!UT_EXPECT(&uc, d != NULL, "refused: %s", ERR.msg)) continue;
        UT_EXPECT_INT(&uc, d->u.dt->kind, cases[k].kind);
        UT_EXPECT_INT(&uc, d->u.dt->itemsize, cases[k].size);
        UT_EXPECT_INT(&uc, d->u.dt->byteorder, cases[k].order);
        UT_EXPECT_STR(&uc, pk_dtype_scalar_name(d->u.dt), cases[k].name);
    }
    ut_cases_done(&uc);
    pk_value *d = pk_np_dtype_new(&AR, T(1, S("M8[10ms]")), &ERR);
    assert_non_null(d);
    assert_string_equal(d->u.dt->unit, "ms");
    assert_int_equal(d->u.dt->unit_num, 10);
}

static void test_dtype_bad_typestrs(void **state) {
    (void)state;
    const char *bad[] = {"", "x8", "f3", "i16", "b2", "<", "M8[", "f8[ns]", "Q7"};
    ut_cases uc = {0};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        UT_CASE(&uc, "dtype('%s')", bad[k]);
        pk_err_clear(&ERR);
        UT_EXPECT(&uc, pk_np_dtype_new(&AR, T(1, S(bad[k])), &ERR) == NULL, "accepted");
        UT_EXPECT_STR(&uc, pk_code_name(ERR.code), "PK_ENUMPY");
    }
    ut_cases_done(&uc);
    pk_err_clear(&ERR);
    assert_null(pk_np_dtype_new(&AR, T(1, I(3)), &ERR));
    assert_int_equal(ERR.code, PK_ENUMPY);
    pk_err_clear(&ERR);
    assert_null(pk_np_dtype_new(&AR, T(0), &ERR));
}

static void test_dtype_states(void **state) {
    (void)state;
    /* big-endian via the state, negative flags (align=True struct), version 4 datetime */
    pk_value *d = dtype_simple("i2", ">");
    assert_int_equal(d->u.dt->byteorder, '>');
    pk_value *u = pk_np_dtype_new(&AR, T(1, S("U3")), &ERR);
    assert_int_equal(
        pk_np_dtype_setstate(&AR, u, T(8, I(3), S("<"), NONE(), NONE(), NONE(), I(12), I(4), I(8)),
                             &ERR),
        PK_OK);
    assert_int_equal(u->u.dt->itemsize, 12);
    pk_value *m = pk_np_dtype_new(&AR, T(1, S("M8")), &ERR);
    pk_value *md = T(2, pk_new_dict(&AR, 0), T(4, B("us", 2), I(1), I(1), I(1)));
    assert_int_equal(
        pk_np_dtype_setstate(
            &AR, m, T(9, I(4), S("<"), NONE(), NONE(), NONE(), I(-1), I(-1), I(0), md), &ERR),
        PK_OK);
    assert_string_equal(m->u.dt->unit, "us");
    /* '=' resolves to the host order */
    pk_value *e = pk_np_dtype_new(&AR, T(1, S("f8")), &ERR);
    assert_int_equal(
        pk_np_dtype_setstate(&AR, e, T(8, I(3), S("="), NONE(), NONE(), NONE(), I(-1), I(-1), I(0)),
                             &ERR),
        PK_OK);
    assert_int_equal(e->u.dt->byteorder, '<');
    /* state set twice, bad sizes, bad versions */
    pk_err_clear(&ERR);
    assert_int_equal(
        pk_np_dtype_setstate(&AR, e, T(8, I(3), S("<"), NONE(), NONE(), NONE(), I(-1), I(-1), I(0)),
                             &ERR),
        PK_ENUMPY);
    pk_value *f = pk_np_dtype_new(&AR, T(1, S("f8")), &ERR);
    pk_err_clear(&ERR);
    assert_int_equal(
        pk_np_dtype_setstate(&AR, f, T(8, I(7), S("<"), NONE(), NONE(), NONE(), I(-1), I(-1), I(0)),
                             &ERR),
        PK_ENUMPY);
    pk_err_clear(&ERR);
    assert_int_equal(pk_np_dtype_setstate(&AR, f, T(3, I(3), S("<"), NONE()), &ERR), PK_ENUMPY);
    pk_err_clear(&ERR);
    assert_int_equal(
        pk_np_dtype_setstate(&AR, f, T(8, I(3), S("?"), NONE(), NONE(), NONE(), I(-1), I(-1), I(0)),
                             &ERR),
        PK_ENUMPY);
}

/* {'a': (f4, 0), 'b': (S3, 4), 'c': ((u2 subarray (2,)), 7)} itemsize 11 */
static pk_value *record_dtype(size_t itemsize, int64_t c_offset) {
    pk_value *fa = dtype_simple("f4", "<");
    pk_value *fb = pk_np_dtype_new(&AR, T(1, S("S3")), &ERR);
    assert_int_equal(
        pk_np_dtype_setstate(&AR, fb, T(8, I(3), S("|"), NONE(), NONE(), NONE(), I(3), I(1), I(0)),
                             &ERR),
        PK_OK);
    pk_value *base = dtype_simple("u2", ">");
    pk_value *fc = pk_np_dtype_new(&AR, T(1, S("V4")), &ERR);
    assert_int_equal(pk_np_dtype_setstate(&AR, fc,
                                          T(8, I(3), S("|"), T(2, base, T(1, I(2))), NONE(), NONE(),
                                            I(4), I(2), I(0)),
                                          &ERR),
                     PK_OK);
    pk_value *fields = pk_new_dict(&AR, 3);
    pk_dict_set(&AR, fields, S("a"), T(2, fa, I(0)), &ERR);
    pk_dict_set(&AR, fields, S("b"), T(2, fb, I(4)), &ERR);
    pk_dict_set(&AR, fields, S("c"), T(2, fc, I(c_offset)), &ERR);
    pk_value *rec = pk_np_dtype_new(&AR, T(1, S("V11")), &ERR);
    pk_code rc = pk_np_dtype_setstate(&AR, rec,
                                      T(8, I(3), S("|"), NONE(), T(3, S("a"), S("b"), S("c")),
                                        fields, I((int64_t)itemsize), I(1), I(16)),
                                      &ERR);
    return rc == PK_OK ? rec : NULL;
}

static void test_structured_records(void **state) {
    (void)state;
    pk_value *rec = record_dtype(11, 7);
    assert_non_null(rec);
    assert_int_equal(rec->u.dt->nfields, 3);
    assert_int_equal(rec->u.dt->nest, 3);
    /* two records: a=1.5 b='xy' c=[1, 258]; a=-0.0 b='' c=[0, 65535] */
    const uint8_t raw[22] = {0, 0, 0xc0, 0x3f, 'x', 'y', 0, 0, 1, 1,    2,
                             0, 0, 0,    0x80, 0,   0,   0, 0, 0, 0xff, 0xff};
    pk_value *a = array_of(rec, T(1, I(2)), 0, B(raw, sizeof raw), PK_OK);
    assert_string_equal(json_of(a), "[{\"a\":1.5,\"b\":{\"py/bytes\":\"eHk=\"},\"c\":[1,258]},"
                                    "{\"a\":-0.0,\"b\":{\"py/bytes\":\"\"},\"c\":[0,65535]}]");
    pk_value *el;
    assert_int_equal(pk_ndarray_index(&AR, a, -1, &el, &ERR), PK_OK);
    assert_int_equal(el->kind, PK_NPSCALAR);
    assert_string_equal(json_of(el), "{\"a\":-0.0,\"b\":{\"py/bytes\":\"\"},\"c\":[0,65535]}");
    /* a field past the end of the record is refused */
    pk_err_clear(&ERR);
    assert_null(record_dtype(11, 8));
    assert_int_equal(ERR.code, PK_ENUMPY);
    assert_non_null(strstr(ERR.msg, "outside"));
}

static void test_dtype_cycle_refused(void **state) {
    (void)state;
    /* a dtype whose field is itself (memo trick) */
    pk_value *rec = pk_np_dtype_new(&AR, T(1, S("V8")), &ERR);
    pk_value *fields = pk_new_dict(&AR, 1);
    pk_dict_set(&AR, fields, S("x"), T(2, rec, I(0)), &ERR);
    pk_err_clear(&ERR);
    assert_int_equal(
        pk_np_dtype_setstate(
            &AR, rec, T(8, I(3), S("|"), NONE(), T(1, S("x")), fields, I(8), I(1), I(16)), &ERR),
        PK_ENUMPY);
    /* a deep chain stops at the nesting cap */
    pk_value *cur = dtype_simple("f8", "<");
    pk_code rc = PK_OK;
    for (int k = 0; k < 40 && rc == PK_OK; k++) {
        pk_value *next = pk_np_dtype_new(&AR, T(1, S("V8")), &ERR);
        pk_value *fd = pk_new_dict(&AR, 1);
        pk_dict_set(&AR, fd, S("x"), T(2, cur, I(0)), &ERR);
        pk_err_clear(&ERR);
        rc = pk_np_dtype_setstate(
            &AR, next, T(8, I(3), S("|"), NONE(), T(1, S("x")), fd, I(8), I(1), I(16)), &ERR);
        cur = next;
    }
    assert_int_equal(rc, PK_ELIMIT);
}

/* ---- arrays ---------------------------------------------------------------------------------- */

static void test_setstate_sizes(void **state) {
    (void)state;
    pk_value *f8 = dtype_simple("f8", "<");
    double vals[6] = {0, 1, 2, 3, 4, 5};
    pk_value *a = array_of(f8, T(2, I(2), I(3)), 0, B(vals, sizeof vals), PK_OK);
    assert_int_equal(pk_ndarray_size(a->u.arr), 6);
    assert_string_equal(json_of(a), "[[0.0,1.0,2.0],[3.0,4.0,5.0]]");
    /* size mismatch, negative dimension, overflow, wrong kinds of data */
    pk_err_clear(&ERR);
    array_of(f8, T(2, I(2), I(2)), 0, B(vals, sizeof vals), PK_ENUMPY);
    assert_non_null(strstr(ERR.msg, "does not match"));
    pk_err_clear(&ERR);
    array_of(f8, T(1, I(-1)), 0, B(vals, 0), PK_ENUMPY);
    pk_err_clear(&ERR);
    array_of(f8, T(3, I(INT64_MAX), I(INT64_MAX), I(0)), 0, B(vals, 0), PK_ENUMPY);
    assert_non_null(strstr(ERR.msg, "too big"));
    pk_err_clear(&ERR);
    array_of(f8, T(1, I(1)), 0, pk_new_seq(&AR, PK_LIST, 0), PK_ENUMPY);
    /* empty with a huge other dimension is fine */
    pk_err_clear(&ERR);
    pk_value *e = array_of(f8, T(3, I(0), I(1), I(INT64_MAX / 4)), 0, B(vals, 0), PK_OK);
    assert_int_equal(pk_ndarray_size(e->u.arr), 0);
    assert_string_equal(json_of(e), "[]");
    /* the 4-tuple (version-less) form and version 7 */
    pk_value *r = pk_np_reconstruct(&AR, T(3, NONE(), T(1, I(0)), S("b")), NULL, &ERR);
    assert_int_equal(
        pk_np_array_setstate(&AR, r, T(4, T(1, I(2)), f8, pk_new_bool(&AR, 0), B(vals, 16)), &ERR),
        PK_OK);
    assert_string_equal(json_of(r), "[0.0,1.0]");
    pk_err_clear(&ERR);
    assert_int_equal(
        pk_np_array_setstate(&AR, r, T(5, I(7), T(1, I(2)), f8, pk_new_bool(&AR, 0), B(vals, 16)),
                             &ERR),
        PK_ENUMPY);
}

static void test_fortran_and_views(void **state) {
    (void)state;
    pk_value *i4 = dtype_simple("i4", ">");
    /* logical [[1,2,3],[4,5,6]] in Fortran order, big-endian */
    const uint8_t raw[24] = {0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2,
                             0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 6};
    pk_value *a = array_of(i4, T(2, I(2), I(3)), 1, B(raw, sizeof raw), PK_OK);
    assert_string_equal(json_of(a), "[[1,2,3],[4,5,6]]");
    pk_value *row, *el;
    assert_int_equal(pk_ndarray_index(&AR, a, 1, &row, &ERR), PK_OK);
    assert_int_equal(row->u.arr->form, PK_ARR_VIEW);
    assert_string_equal(json_of(row), "[4,5,6]");
    assert_int_equal(pk_ndarray_index(&AR, row, -1, &el, &ERR), PK_OK);
    assert_int_equal(el->kind, PK_NPSCALAR);
    assert_ptr_equal(el->u.sc.data, row->u.arr->data + 16);
    double d;
    assert_int_equal(pk_npscalar_f64(el, &d), PK_OK);
    assert_true(d == 6.0);
    assert_int_equal(pk_ndarray_get_f64(a->u.arr, 4, &d), PK_OK);
    assert_true(d == 5.0);
    double all[6];
    assert_int_equal(pk_ndarray_to_f64(a->u.arr, all, 6), PK_OK);
    for (int k = 0; k < 6; k++)
        assert_true(all[k] == k + 1);
    pk_err_clear(&ERR);
    assert_int_equal(pk_ndarray_index(&AR, a, 2, &row, &ERR), PK_ENOTFOUND);
    /* 0-d */
    pk_value *z = array_of(i4, T(0), 0, B(raw, 4), PK_OK);
    assert_string_equal(json_of(z), "1");
    pk_err_clear(&ERR);
    assert_int_equal(pk_ndarray_index(&AR, z, 0, &row, &ERR), PK_ETYPE);
}

static void test_frombuffer_orders(void **state) {
    (void)state;
    pk_value *u1 = dtype_simple("u1", "|");
    const uint8_t raw[6] = {0, 1, 2, 3, 4, 5};
    pk_value *buf = pk_new_bytes(&AR, PK_BYTEARRAY, raw, 6, 1);
    pk_value *c = pk_np_frombuffer(&AR, T(4, buf, u1, T(2, I(2), I(3)), S("C")), &ERR);
    assert_non_null(c);
    assert_ptr_equal(c->u.arr->data, raw); /* zero copy */
    assert_string_equal(json_of(c), "[[0,1,2],[3,4,5]]");
    pk_value *f = pk_np_frombuffer(&AR, T(4, buf, u1, T(2, I(2), I(3)), S("F")), &ERR);
    assert_string_equal(json_of(f), "[[0,2,4],[1,3,5]]");
    /* numpy 2.3 'K': reshape((2,3), 'C').transpose((1,0)) */
    pk_value *k =
        pk_np_frombuffer(&AR, T(5, buf, u1, T(2, I(2), I(3)), S("K"), T(2, I(1), I(0))), &ERR);
    assert_non_null(k);
    assert_string_equal(json_of(k), "[[0,3],[1,4],[2,5]]");
    pk_err_clear(&ERR);
    assert_null(pk_np_frombuffer(&AR, T(4, buf, u1, T(2, I(2), I(3)), S("K")), &ERR));
    pk_err_clear(&ERR);
    assert_null(
        pk_np_frombuffer(&AR, T(5, buf, u1, T(2, I(2), I(3)), S("K"), T(2, I(0), I(0))), &ERR));
    pk_err_clear(&ERR);
    assert_null(pk_np_frombuffer(&AR, T(4, buf, u1, T(2, I(2), I(2)), S("C")), &ERR));
    assert_int_equal(ERR.code, PK_ENUMPY);
}

static void test_element_conversions(void **state) {
    (void)state;
    /* float16: 1.0, -2.0, 65504, smallest subnormal, inf, nan, 0.1 */
    const uint16_t h[7] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x7e00, 0x2e66};
    pk_value *a = array_of(dtype_simple("f2", "<"), T(1, I(7)), 0, B(h, sizeof h), PK_OK);
    assert_string_equal(json_of(a),
                        "[1.0,-2.0,65504.0,5.960464477539063e-08,9e999,null,0.0999755859375]");
    /* uint64 max, int8 -128, bool */
    const uint64_t u = UINT64_MAX;
    assert_string_equal(json_of(array_of(dtype_simple("u8", "<"), T(1, I(1)), 0, B(&u, 8), PK_OK)),
                        "[18446744073709551615]");
    const int8_t i = -128;
    assert_string_equal(json_of(array_of(dtype_simple("i1", "|"), T(0), 0, B(&i, 1), PK_OK)),
                        "-128");
    const uint8_t bb[2] = {0, 2};
    assert_string_equal(json_of(array_of(dtype_simple("b1", "|"), T(1, I(2)), 0, B(bb, 2), PK_OK)),
                        "[false,true]");
    /* complex64 (1.5, -0.25) */
    const float cf[2] = {1.5f, -0.25f};
    assert_string_equal(json_of(array_of(dtype_simple("c8", "<"), T(0), 0, B(cf, 8), PK_OK)),
                        "{\"py/complex\":[1.5,-0.25]}");
    /* U2 big-endian "é" + NUL padding; U1 beyond U+10FFFF */
    pk_value *u2 = pk_np_dtype_new(&AR, T(1, S("U2")), &ERR);
    assert_int_equal(
        pk_np_dtype_setstate(&AR, u2, T(8, I(3), S(">"), NONE(), NONE(), NONE(), I(8), I(4), I(8)),
                             &ERR),
        PK_OK);
    const uint8_t ut[8] = {0, 0, 0, 0xe9, 0, 0, 0, 0};
    assert_string_equal(json_of(array_of(u2, T(1, I(1)), 0, B(ut, 8), PK_OK)), "[\"\xc3\xa9\"]");
    /* latin-1 text data (protocol 2 from Python 2): "\xe9" arrives as UTF-8 text */
    pk_value *i1 = dtype_simple("u1", "|");
    assert_string_equal(json_of(array_of(i1, T(1, I(2)), 0,
                                         S("\xc3\xa9"
                                           "A"),
                                         PK_OK)),
                        "[233,65]");
    pk_err_clear(&ERR);
    array_of(i1, T(1, I(1)), 0, S("\xe2\x82\xac"), PK_ENUMPY); /* U+20AC is not latin-1 */
    /* datetime64 NaT is written as its integer */
    const int64_t nat = INT64_MIN;
    assert_string_equal(
        json_of(array_of(dtype_simple("M8", "<"), T(1, I(1)), 0, B(&nat, 8), PK_OK)),
        "[-9223372036854775808]");
}

static uint64_t bits_at(const pk_value *a, size_t k) {
    double d;
    uint64_t u;
    assert_int_equal(pk_ndarray_get_f64(a->u.arr, k, &d), PK_OK);
    memcpy(&u, &d, 8);
    return u;
}

/* NaN payloads survive widening exactly as numpy's float16/float32 -> float64 casts keep them */
static void test_nan_payloads(void **state) {
    (void)state;
    const uint16_t h[3] = {0x7e01, 0xfe01, 0x7c01};
    pk_value *a = array_of(dtype_simple("f2", "<"), T(1, I(3)), 0, B(h, sizeof h), PK_OK);
    assert_true(bits_at(a, 0) == 0x7ff8040000000000ull);
    assert_true(bits_at(a, 1) == 0xfff8040000000000ull);
    assert_true(bits_at(a, 2) == 0x7ff0040000000000ull);
    const uint32_t f[2] = {0x7fc00123u, 0x7f800123u};
    pk_value *b = array_of(dtype_simple("f4", "<"), T(1, I(2)), 0, B(f, sizeof f), PK_OK);
    assert_true(bits_at(b, 0) == 0x7ff8002460000000ull);
    assert_true(bits_at(b, 1) == 0x7ff8002460000000ull);
    const uint8_t d[8] = {0x7f, 0xf0, 0, 0, 0, 0, 0, 1}; /* big-endian signalling NaN */
    pk_value *c = array_of(dtype_simple("f8", ">"), T(1, I(1)), 0, B(d, 8), PK_OK);
    assert_true(bits_at(c, 0) == 0x7ff0000000000001ull);
}

static void test_scalars_and_objects(void **state) {
    (void)state;
    const double d = 1.5;
    pk_value *s = pk_np_scalar(&AR, T(2, dtype_simple("f8", "<"), B(&d, 8)), &ERR);
    assert_non_null(s);
    assert_string_equal(json_of(s), "1.5");
    char name[64];
    assert_string_equal(pk_type_name(s, name, sizeof name), "numpy.float64");
    pk_err_clear(&ERR);
    assert_null(pk_np_scalar(&AR, T(2, dtype_simple("f8", "<"), B(&d, 4)), &ERR));
    assert_int_equal(ERR.code, PK_ENUMPY);
    /* object arrays: a list in C order, also for Fortran flag */
    pk_value *o8 = pk_np_dtype_new(&AR, T(1, S("O8")), &ERR);
    assert_int_equal(
        pk_np_dtype_setstate(&AR, o8,
                             T(8, I(3), S("|"), NONE(), NONE(), NONE(), I(-1), I(-1), I(63)), &ERR),
        PK_OK);
    pk_value *l = pk_new_seq(&AR, PK_LIST, 4);
    pk_seq_append(&AR, l, I(1), &ERR);
    pk_seq_append(&AR, l, S("x"), &ERR);
    pk_seq_append(&AR, l, NONE(), &ERR);
    pk_seq_append(&AR, l, pk_new_float(&AR, 2.5), &ERR);
    pk_value *a = array_of(o8, T(2, I(2), I(2)), 1, l, PK_OK);
    assert_string_equal(json_of(a), "[[1,\"x\"],[null,2.5]]");
    pk_value *row, *el;
    assert_int_equal(pk_ndarray_index(&AR, a, 1, &row, &ERR), PK_OK);
    assert_int_equal(pk_ndarray_index(&AR, row, 1, &el, &ERR), PK_OK);
    assert_int_equal(el->kind, PK_FLOAT);
    pk_err_clear(&ERR);
    array_of(o8, T(1, I(3)), 0, l, PK_ENUMPY); /* 4 items for 3 */
    pk_err_clear(&ERR);
    array_of(o8, T(1, I(1)), 0, B("x", 1), PK_ENUMPY); /* bytes for objects */
}

/* ---- joblib ---------------------------------------------------------------------------------- */

typedef struct sbuf {
    uint8_t b[512];
    size_t n;
} sbuf;

static void put(sbuf *s, const void *p, size_t n) {
    assert_true(s->n + n <= sizeof s->b);
    memcpy(s->b + s->n, p, n);
    s->n += n;
}
static void putc1(sbuf *s, uint8_t c) {
    put(s, &c, 1);
}
static void ustr(sbuf *s, const char *t) { /* SHORT_BINUNICODE */
    putc1(s, 0x8c);
    putc1(s, (uint8_t)strlen(t));
    put(s, t, strlen(t));
}

/* joblib.dump of a float64 array [0, 1, 2] (shape given), order, alignment 16 or None; the
 * caller appends the pad and data, then STOP. */
static void joblib_head(sbuf *s, int ndim, const int *dims, const char *order, int aligned) {
    s->n = 0;
    put(s, "\x80\x04", 2);
    ustr(s, "joblib.numpy_pickle");
    ustr(s, "NumpyArrayWrapper");
    putc1(s, 0x93); /* STACK_GLOBAL */
    putc1(s, ')');  /* EMPTY_TUPLE */
    putc1(s, 0x81); /* NEWOBJ */
    putc1(s, '}');  /* EMPTY_DICT */
    putc1(s, '(');  /* MARK */
    ustr(s, "subclass");
    ustr(s, "numpy");
    ustr(s, "ndarray");
    putc1(s, 0x93);
    ustr(s, "shape");
    putc1(s, '(');
    for (int k = 0; k < ndim; k++) {
        putc1(s, 'K');
        putc1(s, (uint8_t)dims[k]);
    }
    putc1(s, 't');
    ustr(s, "order");
    ustr(s, order);
    ustr(s, "dtype");
    ustr(s, "numpy");
    ustr(s, "dtype");
    putc1(s, 0x93);
    ustr(s, "f8");
    put(s, "\x89\x88\x87R", 4); /* False True TUPLE3 REDUCE */
    putc1(s, '(');
    put(s, "K\x03", 2);
    ustr(s, "<");
    put(s, "NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb", 17);
    ustr(s, "allow_mmap");
    putc1(s, 0x88);
    ustr(s, "numpy_array_alignment_bytes");
    if (aligned)
        put(s, "K\x10", 2);
    else
        putc1(s, 'N');
    put(s, "ub", 2); /* SETITEMS BUILD */
}

static pk_doc *decode(const sbuf *s) {
    pk_err_clear(&ERR);
    return pk_doc_decode(&pk_alloc_std, NULL, s->b, s->n, PK_DOC_COPY, &ERR);
}

static void test_joblib_pad(void **state) {
    (void)state;
    const double v[3] = {0.5, 1, -2};
    const int dims[1] = {3};
    sbuf s;
    /* pad 3 + 0xff x3 */
    joblib_head(&s, 1, dims, "C", 1);
    put(&s, "\x03\xff\xff\xff", 4);
    put(&s, v, sizeof v);
    putc1(&s, '.');
    pk_doc *doc = decode(&s);
    assert_non_null(doc);
    assert_int_equal(doc->joblib, 1);
    assert_int_equal(doc->root->kind, PK_NDARRAY);
    assert_int_equal(doc->root->u.arr->form, PK_ARR_JOBLIB);
    assert_string_equal(json_of(doc->root), "[0.5,1.0,-2.0]");
    pk_doc_free(doc);
    /* pad length 0 is accepted (joblib's reader skips nothing) */
    joblib_head(&s, 1, dims, "C", 1);
    putc1(&s, 0);
    put(&s, v, sizeof v);
    putc1(&s, '.');
    doc = decode(&s);
    assert_non_null(doc);
    pk_doc_free(doc);
    /* no alignment attribute value: no pad byte at all */
    joblib_head(&s, 1, dims, "C", 0);
    put(&s, v, sizeof v);
    putc1(&s, '.');
    doc = decode(&s);
    assert_non_null(doc);
    assert_string_equal(json_of(doc->root), "[0.5,1.0,-2.0]");
    pk_doc_free(doc);
    /* a pad byte that is not 0xff */
    joblib_head(&s, 1, dims, "C", 1);
    put(&s, "\x03\xff\x00\xff", 4);
    put(&s, v, sizeof v);
    putc1(&s, '.');
    assert_null(decode(&s));
    assert_int_equal(ERR.code, PK_EJOBLIB);
    assert_non_null(strstr(ERR.msg, "padding byte"));
    /* a pad length beyond 16 */
    joblib_head(&s, 1, dims, "C", 1);
    putc1(&s, 200);
    put(&s, v, sizeof v);
    putc1(&s, '.');
    assert_null(decode(&s));
    assert_int_equal(ERR.code, PK_EJOBLIB);
    /* truncated data */
    joblib_head(&s, 1, dims, "C", 1);
    put(&s, "\x01\xff", 2);
    put(&s, v, 20);
    assert_null(decode(&s));
    assert_int_equal(ERR.code, PK_ETRUNC);
    assert_non_null(strstr(ERR.msg, "needs 24 bytes"));
}

static void test_joblib_fortran(void **state) {
    (void)state;
    const double v[6] = {1, 4, 2, 5, 3, 6}; /* [[1,2,3],[4,5,6]] in Fortran order */
    const int dims[2] = {2, 3};
    sbuf s;
    joblib_head(&s, 2, dims, "F", 1);
    put(&s, "\x02\xff\xff", 3);
    put(&s, v, sizeof v);
    putc1(&s, '.');
    pk_doc *doc = decode(&s);
    assert_non_null(doc);
    assert_string_equal(json_of(doc->root), "[[1.0,2.0,3.0],[4.0,5.0,6.0]]");
    pk_doc_free(doc);
}

static void test_joblib_legacy_wrapper(void **state) {
    (void)state;
    /* joblib < 0.10: NDArrayWrapper(filename, subclass) with its data in another file */
    sbuf s = {.n = 0};
    put(&s, "\x80\x02", 2);
    put(&s, "cjoblib.numpy_pickle\nNDArrayWrapper\n)\x81}(", 40);
    ustr(&s, "filename");
    ustr(&s, "m.pkl_01.npy");
    put(&s, "ub.", 3);
    pk_doc *doc = decode(&s);
    assert_non_null(doc);
    assert_int_equal(doc->root->kind, PK_OBJECT);
    assert_int_equal(doc->joblib, 0);
    const pk_value *f = pk_attr(doc->root, "filename");
    assert_non_null(f);
    assert_string_equal(f->u.s.ptr, "m.pkl_01.npy");
    pk_doc_free(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dtype_typestrs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dtype_bad_typestrs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dtype_states, setup, teardown),
        cmocka_unit_test_setup_teardown(test_structured_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dtype_cycle_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setstate_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fortran_and_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frombuffer_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_element_conversions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nan_payloads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalars_and_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joblib_pad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joblib_fortran, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joblib_legacy_wrapper, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
