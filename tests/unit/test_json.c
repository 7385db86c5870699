/*
 * test_json.c - the JSON writer (pk_json.c) and pickle_info's JSON (pk_info.c).
 *
 * Graphs are built by hand with the constructors of pk_value.h and their JSON text is compared
 * exactly. Float repr and big-int digits are also checked against Debian's /usr/bin/python3 on
 * 100,000 random doubles and 3,000 random big ints generated (with fixed seeds) at test time.
 * Every writer call goes through a counting allocator: nothing may be left allocated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pk.h"
#include "pk_buf.h"
#include "pk_doc.h"
#include "pk_err.h"
#include "pk_json.h"
#include "pk_value.h"

/* ---- counting allocator ---------------------------------------------------------------------- */

static long LIVE; /* blocks currently allocated through CA */

static void *ca_malloc(void *ctx, size_t n) {
    (void)ctx;
    void *p = malloc(n ? n : 1);
    if (p) LIVE++;
    return p;
}
static void *ca_realloc(void *ctx, void *p, size_t n) {
    (void)ctx;
    void *q = realloc(p, n ? n : 1);
    if (q && !p) LIVE++;
    return q;
}
static void ca_free(void *ctx, void *p) {
    (void)ctx;
    if (p) LIVE--;
    free(p);
}
static const pk_alloc CA = {ca_malloc, ca_realloc, ca_free, NULL};

/* ---- builders -------------------------------------------------------------------------------- */

#include "ut_build.h"
#include "ut_cases.h"

static int setup(void **state) {
    LIVE = 0;
    return ut_build_setup(state);
}

static int teardown(void **state) {
    return ut_build_teardown(state);
}

/* JSON text of v (with limits lim, may be NULL); asserts success and no leak. */
static char *json_lim(const pk_value *v, const char *path, const pk_limits *lim) {
    static char text[1 << 16];
    pk_buf b;
    pk_buf_init(&b, &CA, 0);
    pk_err_clear(&ERR);
    pk_code rc = pk_json_write(&b, v, path, lim, &ERR);
    if (rc != PK_OK) fail_msg("pk_json_write: %s", ERR.msg);
    assert_true(b.len < sizeof text);
    memcpy(text, b.data, b.len);
    text[b.len] = 0;
    pk_buf_free(&b);
    assert_int_equal(LIVE, 0);
    return text;
}
static char *json_of(const pk_value *v) {
    return json_lim(v, "$", NULL);
}

/* The error of writing v with lim; asserts failure and no leak. */
static pk_code json_err(const pk_value *v, const pk_limits *lim) {
    pk_buf b;
    pk_buf_init(&b, &CA, lim->max_output);
    pk_err_clear(&ERR);
    pk_code rc = pk_json_write(&b, v, "$", lim, &ERR);
    assert_int_not_equal(rc, PK_OK);
    assert_int_equal(ERR.code, rc);
    pk_buf_free(&b);
    assert_int_equal(LIVE, 0);
    return rc;
}

static const char *repr(double d) {
    static char buf[64];
    pk_float_repr(d, buf, sizeof buf);
    return buf;
}

/* ---- floats ---------------------------------------------------------------------------------- */

static void test_float_repr_cases(void **state) {
    (void)state;
    static const struct {
        double d;
        const char *want;
    } cases[] = {
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1.0, "1.0"},
        {100.0, "100.0"},
        {-2.5, "-2.5"},
        {0.1, "0.1"},
        {0.30000000000000004, "0.30000000000000004"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {9999999999999998.0, "9999999999999998.0"},
        {1.5e-05, "1.5e-05"},
        {0.0001, "0.0001"},
        {0.00012345, "0.00012345"},
        {1e-05, "1e-05"},
        {1e300, "1e+300"},
        {1.5e300, "1.5e+300"},
        {-1e-300, "-1e-300"},
        {5e-324, "5e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {123456789.123, "123456789.123"},
        {9007199254740993.0, "9007199254740992.0"},
        {1.2345678901234568e+17, "1.2345678901234568e+17"},
        {0.5, "0.5"},
        {1024.0, "1024.0"},
        {8.98846567431158e+307, "8.98846567431158e+307"}, /* 2**1023: asymmetric interval */
        {9.5367431640625e-07, "9.5367431640625e-07"},     /* 2**-20 */
    };
    ut_cases uc = {0};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        UT_CASE(&uc, "repr(%.17g)", cases[k].d);
        UT_EXPECT_STR(&uc, repr(cases[k].d), cases[k].want);
    }
    ut_cases_done(&uc);
    assert_string_equal(repr(NAN), "nan");
    assert_string_equal(repr(INFINITY), "inf");
    assert_string_equal(repr(-INFINITY), "-inf");
    /* truncation to cap */
    char small[4];
    assert_int_equal(pk_float_repr(123.5, small, sizeof small), 3);
    assert_string_equal(small, "123");
}

static void test_json_double_nonfinite(void **state) {
    (void)state;
    pk_value *l = L(4, F(NAN), F(INFINITY), F(-INFINITY), F(-0.0));
    /* strict by default: what SQLite's JSON functions accept (9e999 is how SQLite writes inf) */
    assert_string_equal(json_of(l), "[null,9e999,-9e999,-0.0]");
    /* PK_JSON_NAN: Python's json module tokens, lossless */
    pk_buf b;
    pk_buf_init(&b, &CA, 0);
    pk_err_clear(&ERR);
    assert_int_equal(pk_json_write_flags(&b, l, "$", NULL, PK_JSON_NAN, &ERR), PK_OK);
    assert_string_equal((const char *)b.data, "[NaN,Infinity,-Infinity,-0.0]");
    pk_buf_free(&b);
    /* complex parts follow the same rule; dict keys stay json.dumps' key strings */
    pk_value *c = pk_new(&AR, PK_COMPLEX);
    c->u.c.re = NAN;
    c->u.c.im = -INFINITY;
    assert_string_equal(json_of(c), "{\"py/complex\":[null,-9e999]}");
    pk_value *d = pk_new_dict(&AR, 1);
    assert_int_equal(pk_dict_set(&AR, d, F(INFINITY), I(1), &ERR), PK_OK);
    assert_string_equal(json_of(d), "{\"Infinity\":1}");
    assert_int_equal(LIVE, 0);
}

/* pk_json_double_array (the per-row proba writer) equals pk_json_double element by element, on
 * edge values and a spread of doubles, and stays inside its documented bound. */
static void test_json_double_array(void **state) {
    (void)state;
    double v[64] = {NAN,
                    INFINITY,
                    -INFINITY,
                    -0.0,
                    0.0,
                    5e-324,
                    -2.2250738585072014e-308,
                    1.7976931348623157e308,
                    0.1,
                    1e16,
                    1e-5,
                    123.5,
                    0.53,
                    1.0 / 3.0};
    size_t n = 14;
    uint64_t s = 0x9E3779B97F4A7C15ull;
    while (n < 64) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double d;
        memcpy(&d, &s, sizeof d);
        v[n++] = d;
    }
    pk_buf want;
    pk_buf_init(&want, &CA, 0);
    pk_buf_putc(&want, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) pk_buf_putc(&want, ',');
        assert_int_equal(pk_json_double(&want, v[i]), PK_OK);
    }
    pk_buf_putc(&want, ']');
    char got[2 + 64 * (PK_JSON_DOUBLE_MAX + 1)];
    size_t len = pk_json_double_array(got, v, n);
    assert_int_equal(len, want.len);
    assert_memory_equal(got, want.data, len);
    pk_buf_free(&want);
    for (size_t i = 0; i < n; i++) { /* one element: within the per-element bound */
        char one[2 + PK_JSON_DOUBLE_MAX + 1];
        assert_true(pk_json_double_array(one, &v[i], 1) <= sizeof one);
    }
    assert_int_equal(pk_json_double_array(got, v, 0), 2);
    assert_memory_equal(got, "[]", 2);
}

/* Runs python code, returns its stdout (malloc'd) or NULL when python is missing. */
static char *run_python(const char *code, size_t *len) {
    FILE *f = fopen("/usr/bin/python3", "rb");
    if (!f) return NULL;
    fclose(f);
    char tmpl[] = "/tmp/pk_test_json_XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    FILE *src = fdopen(fd, "w");
    fputs(code, src);
    fclose(src);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s", tmpl);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[n] = 0;
    assert_int_equal(pclose(p), 0);
    remove(tmpl);
    *len = n;
    return buf;
}

static void test_float_repr_vs_python(void **state) {
    (void)state;
    static const char code[] =
        "import random, struct\n"
        "r = random.Random(20240611)\n"
        "out = []\n"
        "def emit(d):\n"
        "    out.append('%016x %r' % (struct.unpack('<Q', struct.pack('<d', d))[0], d))\n"
        "n = 0\n"
        "while n < 100000:\n"
        "    k = n % 5\n"
        "    if k == 0:\n"
        "        d = struct.unpack('<d', struct.pack('<Q', r.getrandbits(64)))[0]\n"
        "        if d != d: continue\n"
        "    elif k == 1: d = r.uniform(-1e6, 1e6)\n"
        "    elif k == 2: d = float(r.randint(-10**18, 10**18)) / 10 ** r.randint(0, 25)\n"
        "    elif k == 3: d = r.choice([1, -1]) * 2.0 ** r.randint(-1074, 1023)\n"
        "    else: d = round(r.random() * 10 ** r.randint(-8, 20), r.randint(0, 8))\n"
        "    emit(d); n += 1\n"
        "print('\\n'.join(out))\n";
    size_t len;
    char *text = run_python(code, &len);
    if (!text) fail_msg("/usr/bin/python3 is required for this test");
    size_t count = 0, bad = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long bits = strtoull(line, NULL, 16);
        const char *want = strchr(line, ' ') + 1;
        double d;
        memcpy(&d, &bits, sizeof d);
        const char *got = repr(d);
        if (strcmp(got, want) != 0 && bad++ < 10)
            print_error("repr mismatch for %016llx: got %s, want %s\n", bits, got, want);
        count++;
    }
    free(text);
    assert_int_equal(count, 100000);
    assert_int_equal(bad, 0);
}

/* ---- integers -------------------------------------------------------------------------------- */

static const char *int_text(const pk_value *v) {
    static char buf[8192];
    pk_buf b;
    pk_buf_init(&b, &CA, 0);
    assert_int_equal(pk_json_int(&b, v), PK_OK);
    assert_true(b.len < sizeof buf);
    memcpy(buf, b.data, b.len);
    buf[b.len] = 0;
    pk_buf_free(&b);
    assert_int_equal(LIVE, 0);
    return buf;
}

static pk_value *long_le(const char *hex) {
    uint8_t bytes[512];
    size_t n = strlen(hex) / 2;
    assert_true(n <= sizeof bytes);
    for (size_t i = 0; i < n; i++) {
        unsigned x;
        sscanf(hex + 2 * i, "%2x", &x);
        bytes[i] = (uint8_t)x;
    }
    return pk_new_long_le(&AR, bytes, n);
}

static void test_bigint_cases(void **state) {
    (void)state;
    assert_string_equal(int_text(I(0)), "0");
    assert_string_equal(int_text(I(INT64_MIN)), "-9223372036854775808");
    assert_string_equal(int_text(I(INT64_MAX)), "9223372036854775807");
    /* 2**100 */
    assert_string_equal(int_text(long_le("00000000000000000000000010")),
                        "1267650600228229401496703205376");
    /* -2**70 */
    assert_string_equal(int_text(long_le("0000000000000000c0")), "-1180591620717411303424");
    /* 2**64 - 1 (needs a 0x00 sign byte) */
    assert_string_equal(int_text(long_le("ffffffffffffffff00")), "18446744073709551615");
    /* -2**63 - 1 */
    assert_string_equal(int_text(long_le("ffffffffffffff7fff")), "-9223372036854775809");
    /* 10**27 (a chunk of zeros in the middle) */
    assert_string_equal(int_text(long_le("000000e83c80d09f3c2e3b03")),
                        "1000000000000000000000000000");
    /* -1 in a wide encoding trims to PK_INT */
    pk_value *m1 = long_le("ffffffffffffffffffff");
    assert_int_equal(m1->kind, PK_INT);
    assert_string_equal(int_text(m1), "-1");
    assert_string_equal(json_of(L(1, long_le("00000000000000000000000010"))),
                        "[1267650600228229401496703205376]");
}

static void test_bigint_vs_python(void **state) {
    (void)state;
    static const char code[] = "import random\n"
                               "r = random.Random(77)\n"
                               "for i in range(3000):\n"
                               "    bits = r.randint(60, 2400)\n"
                               "    v = r.getrandbits(bits) * r.choice([1, -1])\n"
                               "    n = (v.bit_length() + 8) // 8\n"
                               "    print(v.to_bytes(n, 'little', signed=True).hex(), v)\n";
    size_t len;
    char *text = run_python(code, &len);
    if (!text) fail_msg("/usr/bin/python3 is required for this test");
    size_t count = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        *sp = 0;
        pk_value *v = long_le(line);
        assert_non_null(v);
        const char *got = int_text(v);
        if (strcmp(got, sp + 1) != 0) fail_msg("bigint %s: got %s want %s", line, got, sp + 1);
        count++;
    }
    free(text);
    assert_int_equal(count, 3000);
}

/* ---- strings and bytes ----------------------------------------------------------------------- */

static const char *str_json(const char *s, size_t n) {
    static char buf[1024];
    pk_buf b;
    pk_buf_init(&b, &CA, 0);
    assert_int_equal(pk_json_string(&b, s, n), PK_OK);
    memcpy(buf, b.data, b.len);
    buf[b.len] = 0;
    pk_buf_free(&b);
    return buf;
}

static void test_strings(void **state) {
    (void)state;
    assert_string_equal(str_json("abc", 3), "\"abc\"");
    assert_string_equal(str_json("", 0), "\"\"");
    assert_string_equal(str_json("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    assert_string_equal(str_json("\n\r\t\b\f\x01\x1f\x7f", 8),
                        "\"\\n\\r\\t\\b\\f\\u0001\\u001f\x7f\"");
    assert_string_equal(str_json("a\0b", 3), "\"a\\u0000b\"");
    /* non-ASCII stays raw UTF-8 */
    assert_string_equal(str_json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
                        "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* lone surrogates (surrogatepass bytes) -> escapes; a pair stays two escapes */
    assert_string_equal(str_json("x\xed\xa0\x80y", 5), "\"x\\ud800y\"");
    assert_string_equal(str_json("\xed\xa0\xbd\xed\xb8\x80", 6), "\"\\ud83d\\ude00\"");
    assert_string_equal(str_json("\xed\xbf\xbf", 3), "\"\\udfff\"");
    /* ill-formed bytes -> U+FFFD escapes (output stays valid UTF-8) */
    assert_string_equal(str_json("\xff"
                                 "a\xc3",
                                 3),
                        "\"\\ufffda\\ufffd\"");
    assert_string_equal(str_json("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
    assert_string_equal(str_json("\xe0\x80\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
    assert_string_equal(str_json("\xf4\x90\x80\x80", 4), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    assert_string_equal(json_of(SN("a\xed\xa0\x80", 4)), "\"a\\ud800\"");
}

static void test_bytes_base64(void **state) {
    (void)state;
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {{"", ""},
                 {"f", "Zg=="},
                 {"fo", "Zm8="},
                 {"foo", "Zm9v"},
                 {"foob", "Zm9vYg=="},
                 {"fooba", "Zm9vYmE="},
                 {"foobar", "Zm9vYmFy"}};
    ut_cases uc = {0};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        UT_CASE(&uc, "bytes \"%s\"", cases[k].in);
        pk_value *b =
            pk_new_bytes(&AR, PK_BYTES, (const uint8_t *)cases[k].in, strlen(cases[k].in), 0);
        char want[64];
        snprintf(want, sizeof want, "{\"py/bytes\":\"%s\"}", cases[k].want);
        UT_EXPECT_STR(&uc, json_of(b), want);
    }
    ut_cases_done(&uc);
    static const uint8_t raw[] = {0x00, 0xff, 0xfe, 0x80};
    assert_string_equal(json_of(pk_new_bytes(&AR, PK_BYTEARRAY, raw, 4, 1)),
                        "{\"py/bytes\":\"AP/+gA==\"}");
}

/* ---- containers, keys, objects --------------------------------------------------------------- */

static void test_scalars_and_containers(void **state) {
    (void)state;
    assert_string_equal(json_of(NONE()), "null");
    assert_string_equal(json_of(pk_new_bool(&AR, 1)), "true");
    assert_string_equal(json_of(pk_new_bool(&AR, 0)), "false");
    assert_string_equal(json_of(I(-42)), "-42");
    pk_value *c = pk_new(&AR, PK_COMPLEX);
    c->u.c.re = 1.5;
    c->u.c.im = -0.0;
    assert_string_equal(json_of(c), "{\"py/complex\":[1.5,-0.0]}");
    assert_string_equal(json_of(L(0)), "[]");
    assert_string_equal(json_of(T(3, I(1), S("a"), NONE())), "[1,\"a\",null]");
    assert_string_equal(json_of(SEQ(PK_SET, 2, I(1), I(2))), "[1,2]");
    assert_string_equal(json_of(SEQ(PK_FROZENSET, 1, S("x"))), "[\"x\"]");
    assert_string_equal(json_of(D(0)), "{}");
    assert_string_equal(json_of(L(2, L(1, L(0)), D(1, S("k"), L(1, F(0.5))))),
                        "[[[]],{\"k\":[0.5]}]");
    assert_string_equal(json_of(G("os", "system")), "{\"py/type\":\"os.system\"}");
    assert_string_equal(json_of(G("builtins", "print")), "{\"py/type\":\"builtins.print\"}");
    /* OrderedDict is a plain object */
    pk_value *od = D(2, S("b"), I(1), S("a"), I(2));
    od->u.d.cls = G("collections", "OrderedDict");
    assert_string_equal(json_of(od), "{\"b\":1,\"a\":2}");
}

static void test_dict_keys(void **state) {
    (void)state;
    /* json.dumps({'s': 1, 2: 2, 1.5: 3, True: 4, None: 5, nan: 6, inf: 7, -inf: 8}) and
     * other keys (tuples, bytes, big ints) as their compact JSON text */
    pk_value *d = D(11, S("s"), I(1), I(2), I(2), F(1.5), I(3), pk_new_bool(&AR, 1), I(4), NONE(),
                    I(5), F(NAN), I(6), F(INFINITY), I(7), F(-INFINITY), I(8), T(2, I(1), S("a")),
                    I(9), pk_new_bytes(&AR, PK_BYTES, (const uint8_t *)"hi", 2, 0), I(10),
                    long_le("00000000000000000000000010"), I(11));
    assert_string_equal(json_of(d), "{\"s\":1,\"2\":2,\"1.5\":3,\"true\":4,\"null\":5,\"NaN\":6,"
                                    "\"Infinity\":7,\"-Infinity\":8,\"[1,\\\"a\\\"]\":9,"
                                    "\"{\\\"py/bytes\\\":\\\"aGk=\\\"}\":10,"
                                    "\"1267650600228229401496703205376\":11}");
    pk_value *f = D(2, pk_new_bool(&AR, 0), I(0), F(1e16), I(1));
    assert_string_equal(json_of(f), "{\"false\":0,\"1e+16\":1}");
    /* keys needing escapes */
    assert_string_equal(json_of(D(1, S("a\"b\n"), I(1))), "{\"a\\\"b\\n\":1}");
}

static pk_value *OBJ(pk_value *cls, pk_value *args, pk_value *state) {
    pk_value *o = pk_new_object(&AR, cls, args, PK_HOW_NEWOBJ);
    o->u.o.state = state;
    return o;
}

static void test_objects(void **state) {
    (void)state;
    pk_value *cls = G("sklearn.cluster._kmeans", "KMeans");
    /* no state, no args */
    assert_string_equal(json_of(OBJ(cls, T(0), NULL)),
                        "{\"py/object\":\"sklearn.cluster._kmeans.KMeans\"}");
    /* dict state */
    assert_string_equal(json_of(OBJ(cls, T(0), D(2, S("n_clusters"), I(3), S("tol"), F(1e-4)))),
                        "{\"py/object\":\"sklearn.cluster._kmeans.KMeans\",\"n_clusters\":3,"
                        "\"tol\":0.0001}");
    /* args + non-dict state */
    pk_value *dt = G("datetime", "date");
    assert_string_equal(json_of(OBJ(dt, T(2, I(1), S("x")), L(1, I(5)))),
                        "{\"py/object\":\"datetime.date\",\"py/args\":[1,\"x\"],\"py/state\":[5]}");
    /* state None is a non-dict state */
    assert_string_equal(json_of(OBJ(dt, NULL, NONE())),
                        "{\"py/object\":\"datetime.date\",\"py/state\":null}");
    /* (dict, slots) state merges; (None, slots) too */
    pk_value *p = G("m", "P");
    assert_string_equal(json_of(OBJ(p, NULL, T(2, D(1, S("a"), I(1)), D(1, S("b"), I(2))))),
                        "{\"py/object\":\"m.P\",\"a\":1,\"b\":2}");
    assert_string_equal(json_of(OBJ(p, NULL, T(2, NONE(), D(1, S("b"), I(2))))),
                        "{\"py/object\":\"m.P\",\"b\":2}");
    /* a 2-tuple that is not (dict|None, dict|None) stays py/state */
    assert_string_equal(json_of(OBJ(p, NULL, T(2, I(1), D(0)))),
                        "{\"py/object\":\"m.P\",\"py/state\":[1,{}]}");
    /* kwargs, items, dictitems */
    pk_value *o = OBJ(p, T(1, I(7)), D(1, S("z"), I(0)));
    o->u.o.kwargs = D(1, S("k"), S("v"));
    o->u.o.items = L(2, I(1), I(2));
    o->u.o.dictitems = D(1, I(3), S("three"));
    assert_string_equal(json_of(o), "{\"py/object\":\"m.P\",\"z\":0,\"py/args\":[7],"
                                    "\"py/kwargs\":{\"k\":\"v\"},\"py/items\":[1,2],"
                                    "\"py/dictitems\":{\"3\":\"three\"}}");
    /* empty args/kwargs/items/dictitems are omitted */
    pk_value *e = OBJ(p, T(0), NULL);
    e->u.o.kwargs = D(0);
    e->u.o.items = L(0);
    e->u.o.dictitems = D(0);
    assert_string_equal(json_of(e), "{\"py/object\":\"m.P\"}");
    /* a class that is not a global (REDUCE on a value) */
    assert_string_equal(json_of(OBJ(S("weird"), T(0), NULL)), "{\"py/object\":\"weird\"}");
}

/* ---- sharing and cycles ---------------------------------------------------------------------- */

static void test_shared_and_cycles(void **state) {
    (void)state;
    /* a shared, non-cyclic list is written at each place */
    pk_value *shared = L(2, I(1), I(2));
    assert_string_equal(json_of(L(2, shared, shared)), "[[1,2],[1,2]]");
    /* l = []; l.append(l) */
    pk_value *l = L(0);
    assert_int_equal(pk_seq_append(&AR, l, l, &ERR), PK_OK);
    assert_string_equal(json_of(l), "[{\"py/ref\":\"$\"}]");
    /* d = {}; d['self'] = d; d['x'] = [d] */
    pk_value *d = D(0);
    assert_int_equal(pk_dict_set(&AR, d, S("self"), d, &ERR), PK_OK);
    assert_int_equal(pk_dict_set(&AR, d, S("x"), L(1, d), &ERR), PK_OK);
    assert_string_equal(json_of(d), "{\"self\":{\"py/ref\":\"$\"},\"x\":[{\"py/ref\":\"$\"}]}");
    /* a deeper cycle refers to the inner path: root = {'a b': [0, inner]}, inner = [inner] */
    pk_value *inner = L(0);
    assert_int_equal(pk_seq_append(&AR, inner, inner, &ERR), PK_OK);
    pk_value *root = D(1, S("a b"), L(2, I(0), inner));
    assert_string_equal(json_of(root), "{\"a b\":[0,[{\"py/ref\":\"$[\\\"a b\\\"][1]\"}]]}");
    /* the caller's path is the prefix */
    assert_string_equal(json_lim(inner, "$.x[3]", NULL), "[{\"py/ref\":\"$.x[3]\"}]");
    /* object cycles: o.me = o, o items and dictitems */
    pk_value *o = OBJ(G("m", "C"), NULL, D(0));
    assert_int_equal(pk_dict_set(&AR, o->u.o.state, S("me"), o, &ERR), PK_OK);
    pk_value *child = L(0);
    assert_int_equal(pk_seq_append(&AR, child, child, &ERR), PK_OK);
    o->u.o.items = L(1, child);
    o->u.o.dictitems = D(1, S("k"), L(1, o));
    assert_string_equal(json_of(o), "{\"py/object\":\"m.C\",\"me\":{\"py/ref\":\"$\"},"
                                    "\"py/items\":[[{\"py/ref\":\"$[0]\"}]],"
                                    "\"py/dictitems\":{\"k\":[{\"py/ref\":\"$\"}]}}");
    /* int keys give index steps */
    pk_value *di = D(0);
    pk_value *li = L(0);
    assert_int_equal(pk_seq_append(&AR, li, li, &ERR), PK_OK);
    assert_int_equal(pk_dict_set(&AR, di, I(-5), li, &ERR), PK_OK);
    assert_string_equal(json_of(di), "{\"-5\":[{\"py/ref\":\"$[-5]\"}]}");
}

static void test_limits(void **state) {
    (void)state;
    pk_limits lim;
    pk_limits_default(&lim);
    /* depth: 5 nested lists pass with max_depth 5, 6 fail */
    pk_value *v = L(0);
    for (int i = 0; i < 4; i++)
        v = L(1, v);
    lim.max_depth = 5;
    assert_string_equal(json_lim(v, "$", &lim), "[[[[[]]]]]");
    v = L(1, v);
    assert_int_equal(json_err(v, &lim), PK_ELIMIT);
    assert_string_equal(ERR.msg,
                        "limit exceeded: nesting deeper than max_depth (5) at '$[0][0][0][0][0]'");
    /* output: a memo-bomb-like shared graph is stopped by max_output */
    pk_value *b = L(2, S("0123456789"), S("0123456789"));
    for (int i = 0; i < 30; i++)
        b = L(2, b, b); /* 2**31 leaves if fully written */
    pk_limits_default(&lim);
    lim.max_output = 100000;
    assert_int_equal(json_err(b, &lim), PK_ELIMIT);
    /* refused before writing anything: the expansion is measured first (pk_expand.c) */
    assert_string_equal(ERR.msg, "limit exceeded: JSON text longer than max_output (100000 bytes): "
                                 "shared objects expand to at least that much");
    /* the same cap enforced by the buffer's own max */
    pk_buf buf;
    pk_buf_init(&buf, &CA, 50);
    pk_err_clear(&ERR);
    pk_limits_default(&lim);
    assert_int_equal(pk_json_write(&buf, b, "$", &lim, &ERR), PK_ELIMIT);
    assert_int_equal(ERR.code, PK_ELIMIT);
    pk_buf_free(&buf);
    assert_int_equal(LIVE, 0);
}

/* Failing allocations: every failure point gives PK_ENOMEM / PK_ELIMIT, never a leak or crash. */
static long FAIL_AFTER;
static void *fa_malloc(void *ctx, size_t n) {
    if (FAIL_AFTER-- <= 0) return NULL;
    return ca_malloc(ctx, n);
}
static void *fa_realloc(void *ctx, void *p, size_t n) {
    if (FAIL_AFTER-- <= 0) return NULL;
    return ca_realloc(ctx, p, n);
}
static const pk_alloc FA = {fa_malloc, fa_realloc, ca_free, NULL};

static void test_alloc_failures(void **state) {
    (void)state;
    pk_value *l = L(0);
    assert_int_equal(pk_seq_append(&AR, l, l, &ERR), PK_OK);
    pk_value *v = D(3, S("k"), L(3, l, long_le("00000000000000000000000010"), T(1, l)),
                    T(2, I(1), I(2)), OBJ(G("m", "C"), T(1, I(1)), D(1, S("a"), L(1, l))), S("x"),
                    pk_new_bytes(&AR, PK_BYTES, (const uint8_t *)"abc", 3, 0));
    for (long k = 0; k < 40; k++) {
        FAIL_AFTER = k;
        pk_buf b;
        pk_buf_init(&b, &FA, 0);
        pk_err_clear(&ERR);
        pk_code rc = pk_json_write(&b, v, "$", NULL, &ERR);
        pk_buf_free(&b);
        assert_int_equal(LIVE, 0);
        if (rc == PK_OK) break;
        assert_int_equal(rc, PK_ENOMEM);
        assert_int_equal(ERR.code, PK_ENOMEM);
    }
}

/* ---- pickle_info ----------------------------------------------------------------------------- */

static void test_info_json(void **state) {
    (void)state;
    pk_doc doc;
    memset(&doc, 0, sizeof doc);
    pk_global_ref g[3] = {
        {"builtins", "set", 1, NULL}, {"os", "system", 0, NULL}, {"my\"mod", "f", 0, NULL}};
    doc.globals = g;
    doc.nglobals = 3;
    doc.root = OBJ(G("os", "system"), NULL, NULL);
    doc.protocol = 4;
    doc.input_len = 120;
    doc.stream_len = 100;
    pk_buf b;
    pk_buf_init(&b, &CA, 0);
    assert_int_equal(pk_doc_info_json(&doc, &b), PK_OK);
    assert_string_equal((char *)b.data,
                        "{\"format\":\"pickle\",\"compression\":\"none\",\"protocol\":4,"
                        "\"size\":120,\"stream_size\":100,\"root_type\":\"os.system\","
                        "\"globals\":[\"builtins.set\",\"os.system\",\"my\\\"mod.f\"],"
                        "\"tiers\":[\"safe\",\"unknown\",\"unknown\"],"
                        "\"unsafe_globals\":[\"os.system\",\"my\\\"mod.f\"],"
                        "\"unsafe_reasons\":[],\"safe\":false}");
    pk_buf_free(&b);
    /* joblib in zstd, all safe */
    doc.nglobals = 1;
    doc.joblib = 1;
    doc.outer = PK_COMP_ZSTD;
    doc.inner = PK_COMP_ZLIB;
    doc.root = L(0);
    pk_buf_init(&b, &CA, 0);
    assert_int_equal(pk_doc_info_json(&doc, &b), PK_OK);
    assert_string_equal((char *)b.data,
                        "{\"format\":\"joblib\",\"compression\":\"zstd+zlib\",\"protocol\":4,"
                        "\"size\":120,\"stream_size\":100,\"root_type\":\"list\","
                        "\"globals\":[\"builtins.set\"],\"tiers\":[\"safe\"],\"unsafe_globals\":[],"
                        "\"unsafe_reasons\":[],\"safe\":true}");
    pk_buf_free(&b);
    assert_int_equal(LIVE, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_float_repr_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_double_nonfinite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_double_array, setup, teardown),
        cmocka_unit_test_setup_teardown(test_float_repr_vs_python, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bigint_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bigint_vs_python, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes_base64, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalars_and_containers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dict_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_and_cycles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_info_json, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
