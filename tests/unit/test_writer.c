/*
 * test_writer.c - the pickle writer (pk_writer.c), the JSON reader (pk_jsonread.c) and path
 * edits (pk_edit.c).
 *
 * Expected bytes are CPython 3.11's pickle.dumps of the same object (generated once with
 * /usr/bin/python3 and pasted below; the comment on each gives the Python expression), so these
 * tests pin the writer to CPython's exact output: opcodes, memo indexes, frames, text forms.
 * Larger behaviours (frames over 64 KiB, memo sharing) are checked by decoding the output with
 * pk_doc_decode. A counting allocator checks that every call frees what it allocates.
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
#include "pk_edit.h"
#include "pk_json.h"
#include "pk_jsonread.h"
#include "pk_value.h"
#include "pk_writer.h"

/* ---- CPython's bytes ------------------------------------------------------------------------ */

static const char INT1_P0[] = "\x49\x31\x0a\x2e"; /* 4 bytes */
static const char NONE_P2[] = "\x80\x02\x4e\x2e"; /* 4 bytes */
static const char ABC_P4[] =
    "\x80\x04\x95\x07\x00\x00\x00\x00\x00\x00\x00\x8c\x03\x61\x62\x63\x94\x2e"; /* 18 bytes */
static const char BIG_P1[] =
    "\x4c\x31\x30\x39\x39\x35\x31\x31\x36\x32\x37\x37\x37\x36\x4c\x0a\x2e"; /* 17 bytes */
static const char M1_P2[] = "\x80\x02\x4a\xff\xff\xff\xff\x2e";             /* 8 bytes */
static const char B31_P2[] = "\x80\x02\x8a\x05\x00\x00\x00\x80\x00\x2e";    /* 10 bytes */
static const char TRUE_P0[] = "\x49\x30\x31\x0a\x2e";                       /* 5 bytes */
static const char F15_P0[] = "\x46\x31\x2e\x35\x0a\x2e";                    /* 6 bytes */
static const char F15_P1[] = "\x47\x3f\xf8\x00\x00\x00\x00\x00\x00\x2e";    /* 10 bytes */
static const char BYTES_P2[] =
    "\x80\x02\x63\x5f\x63\x6f\x64\x65\x63\x73\x0a\x65\x6e\x63\x6f\x64\x65\x0a\x71\x00\x58\x04\x00"
    "\x00\x00\x61\x62\xc3\xbf\x71\x01\x58\x06\x00\x00\x00\x6c\x61\x74\x69\x6e\x31\x71\x02\x86\x71"
    "\x03\x52\x71\x04\x2e";                                                /* 51 bytes */
static const char BYTES_P3[] = "\x80\x03\x43\x03\x61\x62\xff\x71\x00\x2e"; /* 10 bytes */
static const char EMPTY_BYTES_P2[] =
    "\x80\x02\x63\x5f\x5f\x62\x75\x69\x6c\x74\x69\x6e\x5f\x5f\x0a\x62\x79\x74\x65\x73\x0a\x71\x00"
    "\x29\x52\x71\x01\x2e"; /* 28 bytes */
static const char SHARED_P2[] =
    "\x80\x02\x5d\x71\x00\x28\x5d\x71\x01\x4b\x01\x61\x68\x01\x65\x2e"; /* 16 bytes */
static const char CYC_P2[] = "\x80\x02\x5d\x71\x00\x68\x00\x61\x2e";    /* 9 bytes */
static const char TCYC_P2[] =
    "\x80\x02\x5d\x71\x00\x68\x00\x85\x71\x01\x61\x30\x68\x01\x2e"; /* 15 bytes */
static const char TCYC_P0[] =
    "\x28\x28\x6c\x70\x30\x0a\x28\x67\x30\x0a\x74\x70\x31\x0a\x61\x30\x30\x67\x31\x0a\x2e"; /* 21
                                                                                               bytes
                                                                                             */
static const char SET_P4[] =
    "\x80\x04\x95\x07\x00\x00\x00\x00\x00\x00\x00\x8f\x94\x28\x4b\x01\x90\x2e"; /* 18 bytes */
static const char SET_P2[] =
    "\x80\x02\x63\x5f\x5f\x62\x75\x69\x6c\x74\x69\x6e\x5f\x5f\x0a\x73\x65\x74\x0a\x71\x00\x5d\x71"
    "\x01\x4b\x01\x61\x85\x71\x02\x52\x71\x03\x2e"; /* 34 bytes */
static const char DICT_P1[] =
    "\x7d\x71\x00\x58\x01\x00\x00\x00\x61\x71\x01\x4e\x73\x2e"; /* 14 bytes */
static const char UNI_P0[] =
    "\x56\xe9\x5c\x75\x32\x30\x61\x63\x5c\x75\x30\x30\x30\x61\x0a\x70\x30\x0a\x2e"; /* 19 bytes */
static const char STR2_P4[] = "\x80\x04\x95\x0c\x00\x00\x00\x00\x00\x00\x00\x5d\x94\x28\x8c\x02\x61"
                              "\x62\x94\x68\x01\x65\x2e"; /* 23 bytes */
static const char BIGNEG_P2[] =
    "\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\xc0\x2e"; /* 14 bytes */
static const char BIGNEG_P0[] = "\x4c\x2d\x31\x31\x38\x30\x35\x39\x31\x36\x32\x30\x37\x31\x37\x34"
                                "\x31\x31\x33\x30\x33\x34\x32\x34\x4c\x0a\x2e"; /* 27 bytes */
static const char NESTED_P3[] =
    "\x80\x03\x28\x4b\x01\x4b\x02\x4b\x03\x86\x71\x00\x5d\x71\x01\x28\x47\x40\x10\x00\x00\x00\x00"
    "\x00\x00\x58\x01\x00\x00\x00\x78\x71\x02\x65\x7d\x71\x03\x58\x01\x00\x00\x00\x6b\x71\x04\x43"
    "\x00\x71\x05\x73\x74\x71\x06\x2e"; /* 54 bytes */

/* ---- counting allocator --------------------------------------------------------------------- */

static long LIVE;
static void *c_malloc(void *ctx, size_t n) {
    (void)ctx;
    size_t *p = malloc(n + sizeof(size_t));
    if (!p) return NULL;
    LIVE++;
    return p + 1;
}
static void c_free(void *ctx, void *p) {
    (void)ctx;
    if (!p) return;
    LIVE--;
    free((size_t *)p - 1);
}
static const pk_alloc COUNTING = {c_malloc, NULL, c_free, NULL};

static pk_arena AR;
static pk_err ERR;

static int setup(void **state) {
    (void)state;
    LIVE = 0;
    pk_arena_init(&AR, &COUNTING, 0);
    pk_err_clear(&ERR);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    pk_arena_free(&AR);
    assert_int_equal(LIVE, 0);
    return 0;
}

static pk_value *S(const char *s) {
    return pk_new_str(&AR, s, strlen(s));
}
static pk_value *I(int64_t i) {
    return pk_new_int(&AR, i);
}
static pk_value *F(double f) {
    return pk_new_float(&AR, f);
}
static pk_value *B(const char *s, size_t n) {
    return pk_new_bytes(&AR, PK_BYTES, (const uint8_t *)s, n, 0);
}
static pk_value *SEQ(pk_kind k, int n, ...) {
    pk_value *v = pk_new_seq(&AR, k, 0);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(pk_seq_append(&AR, v, va_arg(ap, pk_value *), &ERR), PK_OK);
    va_end(ap);
    return v;
}
static pk_value *BIGINT_LE(const uint8_t *b, size_t n) {
    return pk_new_long_le(&AR, b, n);
}

/* Writes v at protocol p and compares with CPython's bytes exp[0..n). */
static void expect_pickle(const pk_value *v, int p, const char *exp, size_t n) {
    pk_buf b;
    pk_buf_init(&b, &COUNTING, 0);
    pk_write_opts o = {p, 0, 0, 0};
    pk_err e;
    pk_err_clear(&e);
    pk_code c = pk_pickle_write(&b, v, &o, &e);
    if (c) fail_msg("write failed: %s", e.msg);
    if (b.len != n || memcmp(b.data, exp, n) != 0) {
        fprintf(stderr, "got %zu bytes:", b.len);
        for (size_t i = 0; i < b.len; i++)
            fprintf(stderr, " %02x", b.data[i]);
        fprintf(stderr, "\n");
        pk_buf_free(&b);
        fail_msg("protocol %d: output differs from CPython's", p);
    }
    pk_buf_free(&b);
}
#define EXPECT(v, p, name) expect_pickle((v), (p), name, sizeof name - 1)

/* Writes v and decodes it back (the caller frees *doc). */
static pk_doc *round_trip(const pk_value *v, int p) {
    pk_buf b;
    pk_buf_init(&b, &COUNTING, 0);
    pk_write_opts o = {p, 0, 0, 0};
    pk_err e;
    pk_err_clear(&e);
    if (pk_pickle_write(&b, v, &o, &e)) fail_msg("write failed: %s", e.msg);
    pk_doc *doc = pk_doc_decode(&COUNTING, NULL, b.data, b.len, PK_DOC_COPY, &e);
    pk_buf_free(&b);
    if (!doc) fail_msg("decode failed: %s", e.msg);
    return doc;
}

/* ---- writer: exact bytes -------------------------------------------------------------------- */

static void test_atoms(void **state) {
    (void)state;
    EXPECT(I(1), 0, INT1_P0);                       /* 1 */
    EXPECT(pk_new_none(&AR), 2, NONE_P2);           /* None */
    EXPECT(S("abc"), 4, ABC_P4);                    /* 'abc': framed, MEMOIZE */
    EXPECT(I(INT64_C(1) << 40), 1, BIG_P1);         /* 2**40: LONG text below protocol 2 */
    EXPECT(I(-1), 2, M1_P2);                        /* BININT */
    EXPECT(I(INT64_C(1) << 31), 2, B31_P2);         /* LONG1, minimal bytes */
    EXPECT(pk_new_bool(&AR, 1), 0, TRUE_P0);        /* I01 */
    EXPECT(F(1.5), 0, F15_P0);                      /* FLOAT repr */
    EXPECT(F(1.5), 1, F15_P1);                      /* BINFLOAT big-endian */
    EXPECT(S("\xc3\xa9\xe2\x82\xac\n"), 0, UNI_P0); /* UNICODE raw-unicode-escape */
}

static void test_bigint(void **state) {
    (void)state;
    /* -2**70 as minimal little-endian two's complement */
    const uint8_t le[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0xc0};
    pk_value *v = BIGINT_LE(le, sizeof le);
    assert_int_equal(v->kind, PK_BIGINT);
    EXPECT(v, 2, BIGNEG_P2);
    EXPECT(v, 0, BIGNEG_P0);
}

static void test_bytes(void **state) {
    (void)state;
    EXPECT(B("ab\xff", 3), 2, BYTES_P2); /* _codecs.encode(u'ab\xff', 'latin1') */
    EXPECT(B("ab\xff", 3), 3, BYTES_P3); /* SHORT_BINBYTES */
    EXPECT(B("", 0), 2, EMPTY_BYTES_P2); /* __builtin__.bytes() */
}

static void test_containers_and_memo(void **state) {
    (void)state;
    pk_value *l = SEQ(PK_LIST, 1, I(1));
    EXPECT(SEQ(PK_LIST, 2, l, l), 2, SHARED_P2); /* [l, l]: the second is a BINGET */
    pk_value *cyc = SEQ(PK_LIST, 0);
    assert_int_equal(pk_seq_append(&AR, cyc, cyc, &ERR), PK_OK);
    EXPECT(cyc, 2, CYC_P2); /* l = []; l.append(l) */
    /* t = ([],); t[0].append(t): the tuple is reached again while its items are written */
    pk_value *inner = SEQ(PK_LIST, 0), *t = SEQ(PK_TUPLE, 1, inner);
    assert_int_equal(pk_seq_append(&AR, inner, t, &ERR), PK_OK);
    EXPECT(t, 2, TCYC_P2);
    EXPECT(t, 0, TCYC_P0);
    EXPECT(SEQ(PK_SET, 1, I(1)), 4, SET_P4); /* EMPTY_SET ADDITEMS */
    EXPECT(SEQ(PK_SET, 1, I(1)), 2, SET_P2); /* __builtin__.set([1]) */
    pk_value *d = pk_new_dict(&AR, 0);
    assert_int_equal(pk_dict_set(&AR, d, S("a"), pk_new_none(&AR), &ERR), PK_OK);
    EXPECT(d, 1, DICT_P1);
    /* equal strings are memoized by content: ['ab', 'ab'] writes one str */
    EXPECT(SEQ(PK_LIST, 2, S("ab"), S("ab")), 4, STR2_P4);
    /* (1, (2, 3), [4.0, 'x'], {'k': b''}) */
    pk_value *dk = pk_new_dict(&AR, 0);
    assert_int_equal(pk_dict_set(&AR, dk, S("k"), B("", 0), &ERR), PK_OK);
    EXPECT(
        SEQ(PK_TUPLE, 4, I(1), SEQ(PK_TUPLE, 2, I(2), I(3)), SEQ(PK_LIST, 2, F(4.0), S("x")), dk),
        3, NESTED_P3);
}

/* ---- writer: frames, limits, errors ---------------------------------------------------------- */

static void test_frames(void **state) {
    (void)state;
    /* list(range(30000)) at protocol 4: CPython commits the first frame at 65537 bytes */
    pk_value *l = pk_new_seq(&AR, PK_LIST, 0);
    for (int i = 0; i < 30000; i++)
        assert_int_equal(pk_seq_append(&AR, l, I(i), &ERR), PK_OK);
    pk_buf b;
    pk_buf_init(&b, &COUNTING, 0);
    pk_write_opts o = {4, 0, 0, 0};
    assert_int_equal(pk_pickle_write(&b, l, &o, &ERR), PK_OK);
    assert_int_equal(b.len, 89827);
    assert_int_equal(b.data[2], 0x95);
    uint64_t f1 = 0;
    for (int i = 0; i < 8; i++)
        f1 |= (uint64_t)b.data[3 + i] << (8 * i);
    assert_int_equal(f1, 65537);
    assert_int_equal(b.data[11 + f1], 0x95);
    /* small ints cost a node each: more than the default 16x budget of a 3-byte BININT2 */
    pk_limits lim;
    pk_limits_default(&lim);
    lim.alloc_factor = 64;
    pk_doc *doc = pk_doc_decode(&COUNTING, &lim, b.data, b.len, PK_DOC_BORROW, &ERR);
    if (!doc) fail_msg("decode failed: %s", ERR.msg);
    assert_int_equal(doc->root->u.seq.len, 30000);
    assert_int_equal(doc->root->u.seq.items[29999]->u.i, 29999);
    pk_doc_free(doc);
    pk_buf_free(&b);

    /* a 70000-byte bytes object is written outside any frame: PROTO BINBYTES ... FRAME? no */
    char *big = calloc(1, 70000);
    assert_non_null(big);
    pk_value *bv = B(big, 70000);
    free(big);
    pk_buf_init(&b, &COUNTING, 0);
    assert_int_equal(pk_pickle_write(&b, bv, &o, &ERR), PK_OK);
    assert_int_equal(b.data[2], 'B'); /* no FRAME before it */
    assert_int_equal(b.len, 2 + 5 + 70000 + 1 + 1);
    pk_buf_free(&b);
}

static void test_shared_nodes_round_trip(void **state) {
    (void)state;
    pk_value *shared = pk_new_dict(&AR, 0);
    assert_int_equal(pk_dict_set(&AR, shared, S("w"), F(0.25), &ERR), PK_OK);
    pk_value *root = SEQ(PK_LIST, 3, shared, shared, SEQ(PK_TUPLE, 1, shared));
    for (int p = 0; p <= 5; p++) {
        pk_doc *doc = round_trip(root, p);
        pk_value *r = doc->root;
        assert_int_equal(r->kind, PK_LIST);
        assert_ptr_equal(r->u.seq.items[0], r->u.seq.items[1]);
        assert_ptr_equal(r->u.seq.items[0], r->u.seq.items[2]->u.seq.items[0]);
        assert_true(pk_dict_get_str(r->u.seq.items[0], "w")->u.f == 0.25);
        pk_doc_free(doc);
    }
}

static void test_objects_round_trip(void **state) {
    (void)state;
    /* an inert object made by NEWOBJ with state, list items and dict items */
    pk_value *cls = pk_new_global(&AR, "mod", 3, "Cls", 3);
    pk_value *obj = pk_new_object(&AR, cls, SEQ(PK_TUPLE, 1, I(7)), PK_HOW_NEWOBJ);
    pk_value *st = pk_new_dict(&AR, 0);
    assert_int_equal(pk_dict_set(&AR, st, S("n_jobs"), I(4), &ERR), PK_OK);
    obj->u.o.state = st;
    obj->u.o.items = SEQ(PK_LIST, 2, I(1), I(2));
    for (int p = 0; p <= 5; p++) {
        pk_doc *doc = round_trip(SEQ(PK_LIST, 2, obj, obj), p);
        pk_value *o = doc->root->u.seq.items[0];
        assert_ptr_equal(o, doc->root->u.seq.items[1]);
        assert_int_equal(o->kind, PK_OBJECT);
        assert_true(pk_global_is(o, "mod", "Cls"));
        assert_int_equal(pk_attr(o, "n_jobs")->u.i, 4);
        assert_int_equal(o->u.o.items->u.seq.len, 2);
        if (p >= 2) {
            assert_int_equal(o->u.o.how, PK_HOW_NEWOBJ);
            assert_int_equal(o->u.o.args->u.seq.items[0]->u.i, 7);
        }
        pk_doc_free(doc);
    }
}

static void test_write_errors(void **state) {
    (void)state;
    pk_buf b;
    pk_write_opts o = {6, 0, 0, 0};
    pk_buf_init(&b, &COUNTING, 0);
    assert_int_equal(pk_pickle_write(&b, I(1), &o, &ERR), PK_EVALUE);
    assert_string_equal(ERR.msg, "pickle protocol must be 0 to 5, not 6");
    pk_buf_free(&b);

    pk_err_clear(&ERR);
    o.protocol = 4;
    pk_buf_init(&b, &COUNTING, 0);
    assert_int_equal(pk_pickle_write(&b, pk_new_str(&AR, "a\xff", 2), &o, &ERR), PK_EENCODE);
    assert_string_equal(ERR.msg, "str is not valid UTF-8 at byte 1");
    pk_buf_free(&b);

    /* depth: 50 nested lists against a cap of 10 */
    pk_err_clear(&ERR);
    pk_value *v = I(0);
    for (int i = 0; i < 50; i++)
        v = SEQ(PK_LIST, 1, v);
    o.max_depth = 10;
    pk_buf_init(&b, &COUNTING, 0);
    assert_int_equal(pk_pickle_write(&b, v, &o, &ERR), PK_ELIMIT);
    assert_string_equal(ERR.msg, "nesting deeper than 10 levels");
    pk_buf_free(&b);

    /* output cap */
    pk_err_clear(&ERR);
    o.max_depth = 0;
    pk_buf_init(&b, &COUNTING, 100);
    assert_int_equal(pk_pickle_write(&b,
                                     B("01234567890123456789012345678901234567890123456789012345678"
                                       "90123456789012345678901234567890123456789",
                                       100),
                                     &o, &ERR),
                     PK_ELIMIT);
    assert_string_equal(ERR.msg, "the pickle would exceed the output limit of 100 bytes");
    pk_buf_free(&b);
}

/* pickle.dumps(str, 2): Python 3 names are written as Python 2's below protocol 3 */
static const char STR_TYPE_P2[] = "\x80\x02\x63\x5f\x5f\x62\x75\x69\x6c\x74\x69\x6e\x5f\x5f\x0a"
                                  "\x75\x6e\x69\x63\x6f\x64\x65\x0a\x71\x00\x2e";

static void test_global_names(void **state) {
    (void)state;
    EXPECT(pk_new_global(&AR, "builtins", 8, "str", 3), 2, STR_TYPE_P2);
    /* a name Python 3 would map to another one when reading protocols 0-2 cannot be written
     * there (only a protocol >= 3 stream can hold it) */
    pk_buf b;
    pk_buf_init(&b, &COUNTING, 0);
    pk_write_opts o = {2, 0, 0, 0};
    assert_int_equal(
        pk_pickle_write(&b, pk_new_global(&AR, "__builtin__", 11, "list", 4), &o, &ERR),
        PK_EENCODE);
    assert_string_equal(ERR.msg, "global __builtin__.list cannot be written below protocol 3: "
                                 "Python 3 would read it as builtins.list");
    pk_buf_free(&b);
    pk_err_clear(&ERR);
    o.protocol = 3;
    pk_buf_init(&b, &COUNTING, 0);
    assert_int_equal(
        pk_pickle_write(&b, pk_new_global(&AR, "__builtin__", 11, "list", 4), &o, &ERR), PK_OK);
    pk_buf_free(&b);
}

/* Inputs found by fuzzing the writer (decode -> write -> decode must agree, tests/fuzz/
 * fuzz_writer.c): an OBJ on an allowlisted callable (must stay OBJ/INST, not become a REDUCE the
 * decoder would interpret), and objects whose class reaches back to themselves (their items
 * must not be written twice). */
static const char FUZZ_OBJ_FROMBUFFER[] =
    "\x5d\x71\x5d\x71\x01\x28\x4b\x65\x68\x01\x28\x63\x6e\x75\x6d\x70\x79\x2e\x63\x6f\x72\x65"
    "\x2e\x6e\x75\x6d\x65\x72\x69\x63\x0a\x5f\x66\x72\x6f\x6d\x62\x75\x66\x66\x65\x72\x0a\x68"
    "\x01\x6f\x71\x04\x65\x2e";
static const char FUZZ_SELF_CLASS[] =
    "\x5d\x71\x5d\x71\x01\x28\x4b\x65\x68\x01\x30\x5d\x71\x01\x65\x68\x01\x28\x68\x01\x6f\x71"
    "\x04\x71\x01\x28\x4b\x65\x68\x01\x28\x68\x01\x6f\x71\x04\x71\x01\x28\x4b\x4b\x65\x68\x01"
    "\x28\x68\x01\x6f\x71\x04\x71\x04\x71\x01\x65\x68\x01\x28\x68\x01\x6f\x71\x65\x2e";

static char *json_of(const pk_value *v) {
    pk_buf b;
    pk_buf_init(&b, &COUNTING, 0);
    pk_limits lim;
    pk_limits_default(&lim);
    pk_err e;
    pk_err_clear(&e);
    if (pk_json_write(&b, v, "$", &lim, &e)) fail_msg("json: %s", e.msg);
    size_t n;
    return (char *)pk_buf_take(&b, &n);
}

static void rewrite_agrees(const char *in, size_t n) {
    pk_err e;
    pk_err_clear(&e);
    pk_doc *doc = pk_doc_decode(&COUNTING, NULL, (const uint8_t *)in, n, PK_DOC_COPY, &e);
    if (!doc) fail_msg("decode: %s", e.msg);
    char *j1 = json_of(doc->root);
    for (int p = 0; p <= 5; p++) {
        pk_buf b;
        pk_buf_init(&b, &COUNTING, 0);
        pk_write_opts o = {p, 0, 0, 0};
        pk_err_clear(&e);
        pk_code c = pk_pickle_write(&b, doc->root, &o, &e);
        if (c == PK_OK) {
            pk_doc *d2 = pk_doc_decode(&COUNTING, NULL, b.data, b.len, PK_DOC_COPY, &e);
            if (!d2) fail_msg("protocol %d: re-decode: %s", p, e.msg);
            char *j2 = json_of(d2->root);
            assert_string_equal(j1, j2);
            pk_free(&COUNTING, j2);
            pk_doc_free(d2);
        } else {
            assert_int_equal(c, PK_EENCODE);
        }
        pk_buf_free(&b);
    }
    pk_free(&COUNTING, j1);
    pk_doc_free(doc);
}

static void test_fuzz_regressions(void **state) {
    (void)state;
    rewrite_agrees(FUZZ_OBJ_FROMBUFFER, sizeof FUZZ_OBJ_FROMBUFFER - 1);
    rewrite_agrees(FUZZ_SELF_CLASS, sizeof FUZZ_SELF_CLASS - 1);
}

static void test_utf8_check(void **state) {
    (void)state;
    assert_int_equal(pk_utf8_check("abc", 3), 3);
    assert_int_equal(pk_utf8_check("\xed\xa0\x80", 3), 3);     /* lone surrogate: surrogatepass */
    assert_int_equal(pk_utf8_check("a\xc0\x80", 3), 1);        /* overlong */
    assert_int_equal(pk_utf8_check("ab\xe2\x82", 4), 2);       /* truncated */
    assert_int_equal(pk_utf8_check("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
}

/* ---- JSON reader ----------------------------------------------------------------------------- */

static pk_value *J(const char *text) {
    pk_value *v = NULL;
    pk_err_clear(&ERR);
    pk_code c = pk_json_read(&AR, text, strlen(text), 0, &v, &ERR);
    if (c) fail_msg("json read failed: %s", ERR.msg);
    return v;
}

static void expect_json_error(const char *text, uint32_t depth, const char *msg) {
    pk_value *v = NULL;
    pk_err_clear(&ERR);
    assert_int_not_equal(pk_json_read(&AR, text, strlen(text), depth, &v, &ERR), PK_OK);
    assert_null(v);
    assert_string_equal(ERR.msg, msg);
}

static void test_json_read(void **state) {
    (void)state;
    pk_value *v =
        J(" {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\ud83d\\ude00\\n\"], \"a\": 2} ");
    assert_int_equal(v->kind, PK_DICT);
    assert_int_equal(v->u.d.len, 1); /* a repeated key keeps its last value */
    assert_int_equal(pk_dict_get_str(v, "a")->u.i, 2);
    v = J("[1, -2.5e3, true, false, null, \"x\\u00e9\\ud83d\\ude00\\n\", NaN, -Infinity, -0]");
    assert_int_equal(v->u.seq.len, 9);
    assert_true(v->u.seq.items[1]->u.f == -2500.0);
    assert_int_equal(v->u.seq.items[2]->kind, PK_BOOL);
    assert_int_equal(v->u.seq.items[4]->kind, PK_NONE);
    assert_string_equal(v->u.seq.items[5]->u.s.ptr, "x\xc3\xa9\xf0\x9f\x98\x80\n");
    assert_true(isnan(v->u.seq.items[6]->u.f));
    assert_true(isinf(v->u.seq.items[7]->u.f) && v->u.seq.items[7]->u.f < 0);
    assert_int_equal(v->u.seq.items[8]->kind, PK_INT);
    assert_int_equal(v->u.seq.items[8]->u.i, 0);
    /* a lone surrogate is kept (as Python's json does), encoded as 3 bytes */
    v = J("\"\\udc80\"");
    assert_int_equal(v->u.s.len, 3);
    assert_memory_equal(v->u.s.ptr, "\xed\xb2\x80", 3);
    /* 64-bit edges and beyond */
    v = J("[9223372036854775807, -9223372036854775808, 9223372036854775808, "
          "-1180591620717411303424]");
    assert_int_equal(v->u.seq.items[0]->u.i, INT64_MAX);
    assert_int_equal(v->u.seq.items[1]->u.i, INT64_MIN);
    assert_int_equal(v->u.seq.items[2]->kind, PK_BIGINT);
    assert_int_equal(v->u.seq.items[2]->u.s.len, 9);
    assert_memory_equal(v->u.seq.items[2]->u.s.ptr, "\0\0\0\0\0\0\0\x80\0", 9);
    assert_int_equal(v->u.seq.items[3]->kind, PK_BIGINT); /* -2**70 */
    assert_memory_equal(v->u.seq.items[3]->u.s.ptr, "\0\0\0\0\0\0\0\0\xc0", 9);
    v = J("1e400");
    assert_true(isinf(v->u.f));
}

static void test_json_errors(void **state) {
    (void)state;
    expect_json_error("[1,]", 0, "bad JSON at offset 3: expected a value");
    expect_json_error("{\"a\" 1}", 0, "bad JSON at offset 5: expected ':'");
    expect_json_error("[1 2]", 0, "bad JSON at offset 3: expected ',' or ']'");
    expect_json_error("\"abc", 0, "bad JSON at offset 4: unterminated string");
    expect_json_error("\"a\tb\"", 0, "bad JSON at offset 2: control character in string");
    expect_json_error("01", 0, "bad JSON at offset 1: unexpected text after the value");
    expect_json_error("1.", 0, "bad JSON at offset 2: bad number: digits expected after '.'");
    expect_json_error("\"\\x\"", 0, "bad JSON at offset 2: bad escape in string");
    expect_json_error("", 0, "bad JSON at offset 0: unexpected end of text");
    expect_json_error("[[[1]]]", 2, "JSON nested deeper than 2 levels at offset 3");
    char *many = malloc(4400);
    assert_non_null(many);
    memset(many, '7', 4301);
    many[4301] = 0;
    expect_json_error(many, 0, "bad JSON at offset 0: integer with more than 4300 digits");
    free(many);
}

/* ---- edits ----------------------------------------------------------------------------------- */

static void test_edit(void **state) {
    (void)state;
    pk_value *root = J("{\"a\": [1, 2, 3], \"b\": {\"c\": null}}");
    assert_int_equal(pk_edit_set(&AR, &root, "$.a[-1]", 7, S("z"), &ERR), PK_OK);
    assert_string_equal(pk_dict_get_str(root, "a")->u.seq.items[2]->u.s.ptr, "z");
    assert_int_equal(pk_edit_set(&AR, &root, "$.b[\"new key\"]", 14, I(5), &ERR), PK_OK);
    assert_int_equal(pk_dict_get_str(pk_dict_get_str(root, "b"), "new key")->u.i, 5);
    assert_int_equal(pk_edit_set(&AR, &root, "$.a[3]", 6, I(0), &ERR), PK_ENOTFOUND);
    assert_string_equal(ERR.msg, "no such path: index 3 out of range for list of length 3");
    pk_err_clear(&ERR);
    assert_int_equal(pk_edit_set(&AR, &root, "$.x.y", 5, I(0), &ERR), PK_ENOTFOUND);
    pk_err_clear(&ERR);
    assert_int_equal(pk_edit_set(&AR, &root, "$.a[", 4, I(0), &ERR), PK_EPATH);
    pk_err_clear(&ERR);
    pk_value *nv = I(9);
    assert_int_equal(pk_edit_set(&AR, &root, "$", 1, nv, &ERR), PK_OK);
    assert_ptr_equal(root, nv);

    /* object attributes: state dict, added when absent, state created when never built */
    pk_value *obj = pk_new_object(&AR, pk_new_global(&AR, "m", 1, "C", 1), NULL, PK_HOW_NEWOBJ);
    root = obj;
    assert_int_equal(pk_edit_set(&AR, &root, "$.n_jobs", 8, I(2), &ERR), PK_OK);
    assert_int_equal(pk_attr(obj, "n_jobs")->u.i, 2);
    assert_int_equal(pk_edit_set(&AR, &root, "$.n_jobs", 8, I(3), &ERR), PK_OK);
    assert_int_equal(pk_attr(obj, "n_jobs")->u.i, 3);
    assert_int_equal(obj->u.o.state->u.d.len, 1);
}

/* pk_write_opts.max_mem caps the memo table: 10,000 lists each memoized need ~390 KB of it */
static void test_writer_memory_cap(void **state) {
    (void)state;
    pk_value *outer = pk_new_seq(&AR, PK_LIST, 0);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(pk_seq_append(&AR, outer, pk_new_seq(&AR, PK_LIST, 0), &ERR), PK_OK);
    pk_buf b;
    pk_buf_init(&b, &COUNTING, 0);
    pk_write_opts o = {4, 0, 0, 100000};
    assert_int_equal(pk_pickle_write(&b, outer, &o, &ERR), PK_ELIMIT);
    assert_string_equal(ERR.msg, "limit exceeded: writing the pickle needs more than the 100000 "
                                 "bytes of memory that max_alloc leaves for it");
    pk_buf_free(&b);
    pk_err_clear(&ERR);
    o.max_mem = 1u << 20; /* enough: the same value is written */
    pk_buf_init(&b, &COUNTING, 0);
    assert_int_equal(pk_pickle_write(&b, outer, &o, &ERR), PK_OK);
    pk_buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writer_memory_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atoms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bigint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_containers_and_memo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_nodes_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fuzz_regressions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
