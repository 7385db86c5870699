/*
 * test_vm.c - the unpickler (pk_vm.c via pk_doc_decode): table-driven opcode cases, error cases
 * with their exact messages and offsets, truncation at every prefix, allocation-failure injection
 * and leak checks, sparse memo indices, keys in the memo's array and its hash, and the memo bomb.
 *
 * The GOOD table covers every opcode of protocols 0-5 that yields a value (the expected JSON was
 * computed from CPython's own unpickler with non-executing stubs, tests/python/pkref.py, and
 * checked against the decoder); BAD lists malformed streams with the error code, offset and
 * message the decoder must give. Bytes are written as octal escapes (a hex escape would swallow
 * following hex digits).
 *
 * Every decode goes through the counting allocator of unit_util.h, so each case also checks that
 * everything allocated was freed. Prefixes are decoded from exact-size heap copies with
 * PK_DOC_BORROW, so a read past the end is caught by ASan (`make asan`).
 */
#include "unit_util.h"

#include "pk_vm.h"
#include "ut_cases.h"

typedef struct good_case {
    const char *name;
    const char *data;
    size_t len;
    const char *json;
} good_case;

typedef struct bad_case {
    const char *name;
    const char *data;
    size_t len;
    pk_code code;
    int64_t offset;
    const char *msg;
} bad_case;

#define G(name, lit, json)                                                                         \
    { name, lit, sizeof(lit) - 1, json }
#define B(name, lit, code, off, msg)                                                               \
    { name, lit, sizeof(lit) - 1, code, off, msg }
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const good_case GOOD[] = {
    G("INT", "I5\012.", "5"),
    G("INT_neg", "I-7\012.", "-7"),
    G("INT_true", "I01\012.", "true"),
    G("INT_false", "I00\012.", "false"),
    G("INT_big", "I123456789012345678901234567890\012.", "123456789012345678901234567890"),
    G("LONG", "L12345678901234567890L\012.", "12345678901234567890"),
    G("LONG_neg", "L-5\012.", "-5"),
    G("LONG_noL", "L42\012.", "42"),
    G("STRING", "S'ab\134n'\012.", "\042ab\134n\042"),
    G("STRING_dq", "S\042it's\042\012.", "\042it's\042"),
    G("STRING_bytes", "S'\134xff\134x00'\012.", "{\042py/bytes\042:\042/wA=\042}"),
    G("UNICODE", "V\134u20ac\134U0001f600x\012.", "\042\342\202\254\360\237\230\200x\042"),
    G("UNICODE_latin1", "V\351\012.", "\042\303\251\042"),
    G("FLOAT", "F1.5\012.", "1.5"),
    G("FLOAT_exp", "F-1e-300\012.", "-1e-300"),
    G("FLOAT_inf", "Finf\012.", "9e999"),
    G("FLOAT_nan", "Fnan\012.", "null"),
    G("NONE", "N.", "null"),
    G("LIST", "(I1\012I2\012l.", "[1,2]"),
    G("TUPLE", "(I1\012Va\012t.", "[1,\042a\042]"),
    G("DICT", "(Va\012I1\012Vb\012Nd.", "{\042a\042:1,\042b\042:null}"),
    G("APPEND", "(lI1\012aI2\012a.", "[1,2]"),
    G("SETITEM", "(dVk\012I1\012s.", "{\042k\042:1}"),
    G("POP", "I1\012I2\0120.", "1"),
    G("DUP", "(I1\0122t.", "[1,1]"),
    G("GET_PUT", "(lp0\012g0\012a.", "[{\042py/ref\042:\042$\042}]"),
    G("PUT_GET_shared", "(Vx\012p7\012g7\012t.", "[\042x\042,\042x\042]"),
    G("GLOBAL", "cmod\012name\012.", "{\042py/type\042:\042mod.name\042}"),
    G("GLOBAL_py2", "c__builtin__\012len\012.", "{\042py/type\042:\042builtins.len\042}"),
    G("REDUCE", "cmod\012f\012(I1\012tR.", "{\042py/object\042:\042mod.f\042,\042py/args\042:[1]}"),
    G("BUILD", "cmod\012C\012)R(dVa\012I1\012sb.", "{\042py/object\042:\042mod.C\042,\042a\042:1}"),
    G("INST", "(imod\012C\012(dVa\012I1\012sb.", "{\042py/object\042:\042mod.C\042,\042a\042:1}"),
    G("INST_args", "(I1\012imod\012C\012.",
      "{\042py/object\042:\042mod.C\042,\042py/args\042:[1]}"),
    G("BININT", "J\377\377\377\377.", "-1"),
    G("BININT_max", "J\377\377\377\177.", "2147483647"),
    G("BININT1", "K\377.", "255"),
    G("BININT2", "M\377\377.", "65535"),
    G("BINSTRING", "T\002\000\000\000ab.", "\042ab\042"),
    G("SHORT_BINSTRING", "U\002\303\251.", "{\042py/bytes\042:\042w6k=\042}"),
    G("SHORT_BINSTRING_bytes", "U\001\377.", "{\042py/bytes\042:\042/w==\042}"),
    G("BINUNICODE", "X\003\000\000\000\342\202\254.", "\042\342\202\254\042"),
    G("BINUNICODE_surrogate", "X\003\000\000\000\355\240\200.", "\042\134ud800\042"),
    G("BINFLOAT", "G\077\370\000\000\000\000\000\000.", "1.5"),
    G("BINFLOAT_negzero", "G\200\000\000\000\000\000\000\000.", "-0.0"),
    G("BINFLOAT_subnormal", "G\000\000\000\000\000\000\000\001.", "5e-324"),
    G("EMPTY_LIST", "].", "[]"),
    G("APPENDS", "](K\001K\002e.", "[1,2]"),
    G("APPENDS_empty", "](e.", "[]"),
    G("EMPTY_TUPLE", ").", "[]"),
    G("EMPTY_DICT", "}.", "{}"),
    G("SETITEMS", "}(K\001K\002K\003K\004u.", "{\0421\042:2,\0423\042:4}"),
    G("POP_MARK", "K\007(K\001K\0021.", "7"),
    G("BINPUT_BINGET", "(]q\377h\377t.", "[[],[]]"),
    G("LONG_BINPUT_BINGET", "(]r\000\000\001\000j\000\000\001\000t.", "[[],[]]"),
    G("OBJ", "(cmod\012C\012K\001o.", "{\042py/object\042:\042mod.C\042,\042py/args\042:[1]}"),
    G("OBJ_noargs", "(cmod\012C\012o}(U\001aK\001ub.",
      "{\042py/object\042:\042mod.C\042,\042a\042:1}"),
    G("dict_int_keys", "}(K\001U\001aJ\377\377\377\377Nu.",
      "{\0421\042:\042a\042,\042-1\042:null}"),
    G("PROTO", "\200\002N.", "null"),
    G("NEWOBJ", "\200\002cmod\012C\012)\201.", "{\042py/object\042:\042mod.C\042}"),
    G("NEWOBJ_args", "\200\002cmod\012C\012K\001\205\201.",
      "{\042py/object\042:\042mod.C\042,\042py/args\042:[1]}"),
    G("TUPLE1", "\200\002K\001\205.", "[1]"),
    G("TUPLE2", "\200\002K\001K\002\206.", "[1,2]"),
    G("TUPLE3", "\200\002K\001K\002K\003\207.", "[1,2,3]"),
    G("NEWTRUE", "\200\002\210.", "true"),
    G("NEWFALSE", "\200\002\211.", "false"),
    G("LONG1", "\200\002\212\001\377.", "-1"),
    G("LONG1_zero", "\200\002\212\000.", "0"),
    G("LONG1_2_64", "\200\002\212\011\000\000\000\000\000\000\000\000\001.",
      "18446744073709551616"),
    G("LONG1_min64", "\200\002\212\010\000\000\000\000\000\000\000\200.", "-9223372036854775808"),
    G("LONG1_neg_2_64", "\200\002\212\011\000\000\000\000\000\000\000\000\377.",
      "-18446744073709551616"),
    G("LONG4", "\200\002\213\011\000\000\000\377\377\377\377\377\377\377\377\000.",
      "18446744073709551615"),
    G("set_reduce", "\200\002c__builtin__\012set\012]K\003a\205R.", "[3]"),
    G("complex",
      "\200\002cbuiltins\012complex\012G\077\370\000\000\000\000\000\000G\300\000\000\000\000\000"
      "\000\000\206R.",
      "{\042py/complex\042:[1.5,-2.0]}"),
    G("reconstructor",
      "ccopy_reg\012_reconstructor\012(cmod\012C\012c__builtin__\012object\012NtR}(U\001xK\001ub.",
      "{\042py/object\042:\042mod.C\042,\042x\042:1}"),
    G("codecs_bytes",
      "\200\002c_codecs\012encode\012X\002\000\000\000\303\277X\006\000\000\000latin1\206R.",
      "{\042py/bytes\042:\042/w==\042}"),
    G("slots_state", "\200\002cmod\012C\012)\201N}U\001sK\002s\206b.",
      "{\042py/object\042:\042mod.C\042,\042s\042:2}"),
    G("list_subclass", "\200\002cmod\012L\012)\201(K\001K\002e.",
      "{\042py/object\042:\042mod.L\042,\042py/items\042:[1,2]}"),
    G("dict_subclass", "\200\002cmod\012D\012)\201U\001kK\001s.",
      "{\042py/object\042:\042mod.D\042,\042py/dictitems\042:{\042k\042:1}}"),
    G("recursive_dict", "\200\002}q\000U\001sh\000s.", "{\042s\042:{\042py/ref\042:\042$\042}}"),
    G("BINBYTES", "\200\003B\003\000\000\000a\000\377.", "{\042py/bytes\042:\042YQD/\042}"),
    G("SHORT_BINBYTES", "\200\003C\000.", "{\042py/bytes\042:\042\042}"),
    G("SHORT_BINUNICODE", "\200\004\214\002hi.", "\042hi\042"),
    G("BINUNICODE8", "\200\004\215\002\000\000\000\000\000\000\000hi.", "\042hi\042"),
    G("BINBYTES8", "\200\004\216\001\000\000\000\000\000\000\000z.",
      "{\042py/bytes\042:\042eg==\042}"),
    G("EMPTY_SET", "\200\004\217.", "[]"),
    G("ADDITEMS", "\200\004\217(K\001K\002K\001\220.", "[1,2]"),
    G("FROZENSET", "\200\004(K\003\221.", "[3]"),
    G("NEWOBJ_EX", "\200\004\214\003mod\214\001C\223K\001\205}\222.",
      "{\042py/object\042:\042mod.C\042,\042py/args\042:[1]}"),
    G("STACK_GLOBAL", "\200\004\214\003mod\224\214\005A.B.C\224\223.",
      "{\042py/type\042:\042mod.A.B.C\042}"),
    G("MEMOIZE", "\200\004]\224h\000\205.", "[[]]"),
    G("FRAME", "\200\004\225\005\000\000\000\000\000\000\000\214\001a\224.", "\042a\042"),
    G("FRAME_empty", "\200\004\225\000\000\000\000\000\000\000\000N.", "null"),
    G("BYTEARRAY8", "\200\005\226\002\000\000\000\000\000\000\000\001\002.",
      "{\042py/bytes\042:\042AQI=\042}"),
    G("READONLY_BUFFER", "\200\005C\001a\230.", "{\042py/bytes\042:\042YQ==\042}"),
};
static const bad_case BAD[] = {
    B("empty", "", PK_ETRUNC, -1, "truncated pickle: the input is empty"),
    B("no_stop", "N", PK_ETRUNC, 1,
      "truncated pickle: no STOP opcode before the end of the data at offset 1"),
    B("unknown_opcode", "N\377.", PK_EOPCODE, 1,
      "unknown opcode: byte 0xff at offset 1 is not a pickle opcode"),
    B("POP_empty", "0", PK_ESTACK, 0,
      "bad stack: POP at offset 0: stack underflow: needs 1 value, found 0"),
    B("TUPLE2_underflow", "\200\002N\206.", PK_ESTACK, 3,
      "bad stack: TUPLE2 at offset 3: stack underflow: needs 2 values, found 1"),
    B("TUPLE_nomark", "Nt.", PK_EMARK, 1, "bad mark: TUPLE at offset 1: could not find MARK"),
    B("APPENDS_nomark", "]Ne.", PK_EMARK, 2, "bad mark: APPENDS at offset 2: could not find MARK"),
    B("DUP_above_mark", "(2", PK_ESTACK, 1,
      "bad stack: DUP at offset 1: stack underflow: needs 1 value above the MARK, found none"),
    B("BINGET_miss", "h\005.", PK_EMEMO, 0,
      "bad memo reference: BINGET at offset 0: memo key 5 not found"),
    B("LONG_BINGET_miss", "j\000\000\000\001.", PK_EMEMO, 0,
      "bad memo reference: LONG_BINGET at offset 0: memo key 16777216 not found"),
    B("GET_miss", "g7\012.", PK_EMEMO, 0,
      "bad memo reference: GET at offset 0: memo key 7 not found"),
    B("PROTO_6", "\200\006N.", PK_EPROTO, 0,
      "unsupported protocol: PROTO at offset 0: unsupported pickle protocol: 6"),
    B("PUT_negative", "Va\012p-1\012.", PK_EMEMO, 3,
      "bad memo reference: PUT at offset 3: negative PUT argument"),
    B("INT_bad", "I12x\012.", PK_EVALUE, 0,
      "bad argument: INT at offset 0: invalid integer literal: character 2 is not a digit"),
    B("FLOAT_bad", "F1.5z\012.", PK_EVALUE, 0,
      "bad argument: FLOAT at offset 0: invalid float literal '1.5z'"),
    B("LONG4_negative", "\200\002\213\377\377\377\377.", PK_EVALUE, 2,
      "bad argument: LONG4 at offset 2: negative LONG4 byte count -1"),
    B("BINSTRING_negative", "T\377\377\377\377abc.", PK_EVALUE, 0,
      "bad argument: BINSTRING at offset 0: negative BINSTRING length -1"),
    B("BINUNICODE_short", "\200\003X,\001\000\000xxxxxxxxxxxx", PK_ETRUNC, 2,
      "truncated pickle: BINUNICODE at offset 2 needs 300 bytes, 12 remain"),
    B("BINBYTES8_huge", "\200\004\216\000\000\000\000\000\000\000\200abc.", PK_ETRUNC, 2,
      "truncated pickle: BINBYTES8 at offset 2 needs 9223372036854775808 bytes, 4 remain"),
    B("FRAME_straddle", "\200\004\225\003\000\000\000\000\000\000\000\214\003abc.", PK_EFRAME, 11,
      "frame violation: SHORT_BINUNICODE at offset 11 needs 3 bytes, but the frame ends after 1, "
      "at offset 14"),
    B("FRAME_in_frame",
      "\200\004\225\014\000\000\000\000\000\000\000N\225\002\000\000\000\000\000\000\000N.",
      PK_EFRAME, 12,
      "frame violation: FRAME at offset 12: a new frame begins 2 bytes before the end of the "
      "current frame"),
    B("FRAME_too_long", "\200\004\225d\000\000\000\000\000\000\000N.", PK_ETRUNC, 2,
      "truncated pickle: FRAME at offset 2: the frame declares 100 bytes, 2 remain"),
    B("STACK_GLOBAL_not_str", "\200\004K\001K\002\223.", PK_ESTACK, 6,
      "bad stack: STACK_GLOBAL at offset 6: STACK_GLOBAL requires str module and name"),
    B("STOP_mark", "N(.", PK_ESTACK, 2,
      "bad stack: STOP at offset 2: stack underflow: needs 1 value above the MARK, found none"),
    B("SETITEMS_nodict", "K\001(K\001K\002u.", PK_ESTACK, 7,
      "bad stack: SETITEMS at offset 7: cannot set items on a value of type int"),
    B("APPEND_notlist", "K\001K\002a.", PK_ESTACK, 4,
      "bad stack: APPEND at offset 4: cannot append to a value of type int"),
    B("STRING_unquoted", "Sabc\012.", PK_EVALUE, 0,
      "bad argument: STRING at offset 0: the STRING opcode argument must be quoted"),
    B("UNICODE_bad_escape", "V\134u12\012.", PK_EVALUE, 0,
      "bad argument: UNICODE at offset 0: truncated \134u escape in raw-unicode-escape text"),
    B("BINUNICODE_bad_utf8", "X\001\000\000\000\377.", PK_EVALUE, 0,
      "bad argument: BINUNICODE at offset 0: invalid UTF-8 in string at byte 0 of 1"),
    B("unhashable_key", "}]K\001s.", PK_ETYPE, 4,
      "wrong type: SETITEM at offset 4: unhashable type: 'list'"),
    B("set_unhashable", "\200\004\217(]\220.", PK_ETYPE, 5,
      "wrong type: ADDITEMS at offset 5: unhashable type: 'list'"),
    B("PERSID", "Pabc\012.", PK_EUNSUPPORTED, 0,
      "unsupported pickle feature: PERSID at offset 0: persistent IDs are not supported (the "
      "pickle needs its writer's persistent_load)"),
    B("BINPERSID", "\200\002K\001Q.", PK_EUNSUPPORTED, 4,
      "unsupported pickle feature: BINPERSID at offset 4: persistent IDs are not supported (the "
      "pickle needs its writer's persistent_load)"),
    B("EXT1", "\200\002\202\001.", PK_EUNSUPPORTED, 2,
      "unsupported pickle feature: EXT1 at offset 2: extension code 1 refers to Python's copyreg "
      "registry, which a pickle read without Python cannot resolve"),
    B("NEXT_BUFFER", "\200\005\227.", PK_EUNSUPPORTED, 2,
      "unsupported pickle feature: NEXT_BUFFER at offset 2: out-of-band buffers are not supported "
      "(the pickle was written with a buffer_callback; its data is not in the stream)"),
};

/* The exact-size input copy of the last decode_exact call (the doc borrows it). */
static uint8_t *g_copy;

/* Decodes data[0..n) from an exact-size heap copy, borrowed (PK_DOC_BORROW), so a read past the
 * end is an ASan error. Release with free_exact (also when decoding failed). */
static pk_doc *decode_exact(ut_alloc *ua, const char *data, size_t n, pk_err *err) {
    g_copy = malloc(n ? n : 1);
    assert_non_null(g_copy);
    if (n) memcpy(g_copy, data, n);
    pk_err_clear(err);
    return pk_doc_decode(&ua->a, NULL, g_copy, n, PK_DOC_BORROW, err);
}

static void free_exact(pk_doc *doc) {
    pk_doc_free(doc);
    free(g_copy);
    g_copy = NULL;
}

static void test_good_cases(void **state) {
    (void)state;
    ut_cases uc = {0};
    for (size_t i = 0; i < COUNT(GOOD); i++) {
        const good_case *c = &GOOD[i];
        UT_CASE(&uc, "%s", c->name);
        ut_alloc ua;
        ut_alloc_init(&ua, 0, 0);
        pk_err err;
        pk_doc *doc = decode_exact(&ua, c->data, c->len, &err);
        if (!UT_EXPECT(&uc, doc != NULL, "decode failed: %s", err.msg)) {
            free_exact(NULL);
            continue;
        }
        char *js = ut_json(doc->root, &err);
        if (UT_EXPECT(&uc, js != NULL, "json failed: %s", err.msg)) UT_EXPECT_STR(&uc, js, c->json);
        free(js);
        free_exact(doc);
        UT_EXPECT(&uc, ua.live == 0, "%zu blocks leaked", ua.live);
    }
    ut_cases_done(&uc);
}

static void test_protocol_recorded(void **state) {
    (void)state;
    pk_err err;
    pk_doc *doc = ut_decode(NULL, UT_BYTES("\200\004\225\002\000\000\000\000\000\000\000N."), &err);
    assert_non_null(doc);
    assert_int_equal(doc->protocol, 4);
    assert_int_equal(doc->root->kind, PK_NONE);
    pk_doc_free(doc);
    doc = ut_decode(NULL, UT_BYTES("N."), &err);
    assert_non_null(doc);
    assert_int_equal(doc->protocol, 0);
    pk_doc_free(doc);
    pk_doc_free(NULL);
}

static void test_value_kinds(void **state) {
    (void)state;
    pk_err err;
    /* BININT is signed, BININT1/2 unsigned */
    pk_doc *doc = ut_decode(NULL, UT_BYTES("(J\377\377\377\377K\377M\377\377t."), &err);
    assert_non_null(doc);
    assert_int_equal(doc->root->kind, PK_TUPLE);
    assert_int_equal(doc->root->u.seq.len, 3);
    assert_int_equal(doc->root->u.seq.items[0]->u.i, -1);
    assert_int_equal(doc->root->u.seq.items[1]->u.i, 255);
    assert_int_equal(doc->root->u.seq.items[2]->u.i, 65535);
    pk_doc_free(doc);
    /* a memo GET shares the node */
    doc = ut_decode(NULL, UT_BYTES("(]q\001h\001t."), &err);
    assert_non_null(doc);
    assert_ptr_equal(doc->root->u.seq.items[0], doc->root->u.seq.items[1]);
    pk_doc_free(doc);
    /* LONG1 beyond 64 bits is a PK_BIGINT; within, a PK_INT */
    doc = ut_decode(NULL, UT_BYTES("\200\002\212\011\000\000\000\000\000\000\000\000\001."), &err);
    assert_non_null(doc);
    assert_int_equal(doc->root->kind, PK_BIGINT);
    pk_doc_free(doc);
    doc = ut_decode(NULL, UT_BYTES("\200\002\212\010\377\377\377\377\377\377\377\177."), &err);
    assert_non_null(doc);
    assert_int_equal(doc->root->kind, PK_INT);
    assert_true(doc->root->u.i == INT64_MAX);
    pk_doc_free(doc);
    /* big-endian BINFLOAT */
    doc = ut_decode(NULL, UT_BYTES("G\300\011!\373TD-\030."), &err);
    assert_non_null(doc);
    assert_int_equal(doc->root->kind, PK_FLOAT);
    assert_true(doc->root->u.f == -3.141592653589793);
    pk_doc_free(doc);
}

static void test_bad_cases(void **state) {
    (void)state;
    ut_cases uc = {0};
    for (size_t i = 0; i < COUNT(BAD); i++) {
        const bad_case *c = &BAD[i];
        UT_CASE(&uc, "%s", c->name);
        ut_alloc ua;
        ut_alloc_init(&ua, 0, 0);
        pk_err err;
        pk_doc *doc = decode_exact(&ua, c->data, c->len, &err);
        if (!UT_EXPECT(&uc, doc == NULL, "decoded, expected %s", pk_code_name(c->code))) {
            free_exact(doc);
            continue;
        }
        free_exact(NULL);
        UT_EXPECT_STR(&uc, pk_code_name(err.code), pk_code_name(c->code));
        UT_EXPECT_STR(&uc, err.msg, c->msg);
        if (c->offset >= 0) UT_EXPECT_INT(&uc, err.offset, c->offset);
        /* an error positioned at an opcode names that opcode */
        if (err.offset >= 0 && (size_t)err.offset < c->len) {
            const char *name = pk_opcode_name((uint8_t)c->data[err.offset]);
            if (name && strstr(err.msg, name))
                UT_EXPECT_INT(&uc, err.opcode, (uint8_t)c->data[err.offset]);
        }
        UT_EXPECT(&uc, ua.live == 0, "%zu blocks leaked", ua.live);
    }
    ut_cases_done(&uc);
}

/* Every proper prefix of every good case fails cleanly (no STOP yet), at an offset within it. */
static void test_every_prefix_fails(void **state) {
    (void)state;
    size_t checked = 0;
    ut_cases uc = {0};
    for (size_t i = 0; i < COUNT(GOOD); i++) {
        const good_case *c = &GOOD[i];
        for (size_t n = 0; n < c->len; n++) {
            UT_CASE(&uc, "%s, prefix of %zu bytes", c->name, n);
            ut_alloc ua;
            ut_alloc_init(&ua, 0, 0);
            pk_err err;
            pk_doc *doc = decode_exact(&ua, c->data, n, &err);
            if (!UT_EXPECT(&uc, doc == NULL, "decoded")) {
                free_exact(doc);
                continue;
            }
            free_exact(NULL);
            UT_EXPECT(&uc, err.code != PK_OK && err.msg[0] != '\0', "no error set");
            UT_EXPECT(&uc, err.offset <= (int64_t)n, "offset %lld beyond it (%s)",
                      (long long)err.offset, err.msg);
            UT_EXPECT(&uc, err.code == PK_ETRUNC, "[%s]: %s, expected a truncation",
                      ut_hex((const uint8_t *)c->data, n), err.msg);
            UT_EXPECT(&uc, ua.live == 0, "%zu blocks leaked", ua.live);
            checked++;
        }
    }
    ut_cases_done(&uc);
    assert_true(checked > 500);
}

/* Fail the k-th allocation (then all later ones, then only that one) for every k: each decode
 * ends with a doc or a clean PK_ENOMEM, and nothing leaks. Problems are collected and printed
 * together (first 20) so one run shows every opcode that mishandles a failed allocation. */
static void test_allocation_failures(void **state) {
    (void)state;
    size_t runs = 0, nomem = 0, wrong = 0;
    for (size_t i = 0; i < COUNT(GOOD); i++) {
        const good_case *c = &GOOD[i];
        ut_alloc probe;
        ut_alloc_init(&probe, 0, 0);
        pk_err err;
        pk_doc *doc = decode_exact(&probe, c->data, c->len, &err);
        assert_non_null(doc);
        free_exact(doc);
        size_t total = probe.calls;
        assert_true(total > 0);
        for (int sticky = 1; sticky >= 0; sticky--) {
            for (size_t k = 1; k <= total; k++) {
                ut_alloc ua;
                ut_alloc_init(&ua, k, sticky);
                doc = decode_exact(&ua, c->data, c->len, &err);
                if (!doc) {
                    free_exact(NULL);
                    if (err.code != PK_ENOMEM) {
                        if (wrong++ < 20)
                            print_message("%s: allocation %zu of %zu failed (sticky %d) -> %s "
                                          "(expected PK_ENOMEM)\n",
                                          c->name, k, total, sticky, err.msg);
                    }
                    nomem++;
                } else {
                    free_exact(doc);
                }
                ut_alloc_assert_clean(&ua);
                runs++;
            }
        }
    }
    print_message("allocation-failure runs: %zu, failed decodes: %zu, misreported: %zu\n", runs,
                  nomem, wrong);
    assert_true(nomem > 0);
    assert_true(runs >= 2 * COUNT(GOOD));
    assert_int_equal(wrong, 0);
}

/* The JSON encoder under allocation failure: PK_ENOMEM, no leak. */
static void test_json_allocation_failures(void **state) {
    (void)state;
    pk_err err;
    pk_doc *doc = ut_decode(
        NULL, UT_BYTES("\200\002}(U\001a]K\001aU\001bG?\370\000\000\000\000\000\000u."), &err);
    assert_non_null(doc);
    pk_limits lim;
    pk_limits_default(&lim);
    for (size_t k = 1; k < 20; k++) {
        ut_alloc ua;
        ut_alloc_init(&ua, k, 1);
        pk_buf b;
        pk_buf_init(&b, &ua.a, 0);
        pk_err_clear(&err);
        pk_code rc = pk_json_write(&b, doc->root, "$", &lim, &err);
        if (rc == PK_OK) {
            assert_int_equal(ua.failures, 0);
            assert_int_equal(b.len, strlen("{\"a\":[1],\"b\":1.5}"));
        } else {
            assert_int_equal(rc, PK_ENOMEM);
        }
        pk_buf_free(&b);
        ut_alloc_assert_clean(&ua);
    }
    pk_doc_free(doc);
}

/* LONG_BINPUT 0xFFFFFFFF costs one memo slot, not 32 GiB. */
static void test_sparse_memo(void **state) {
    (void)state;
    ut_alloc ua;
    ut_alloc_init(&ua, 0, 0);
    pk_err err;
    static const char sparse[] = "\200\002Nr\377\377\377\377j\377\377\377\377\206.";
    pk_doc *doc = decode_exact(&ua, sparse, sizeof sparse - 1, &err);
    if (!doc) fail_msg("%s", err.msg);
    assert_int_equal(doc->root->kind, PK_TUPLE);
    assert_true(ua.peak_bytes < 256 * 1024);
    free_exact(doc);
    ut_alloc_assert_clean(&ua);
}

/* Keys near the entry count live in an array, the others in the sparse hash: a key stored
 * sparse before the array grew over it stays there (BINPUT updates it, MEMOIZE reaching it
 * replaces it without counting it twice), and max_memo counts the entries of both. */
static void test_memo_dense_and_sparse(void **state) {
    (void)state;
    unsigned char p[256];
    size_t n = 0;
    memcpy(p, "\200\004K\001q\310", 6); /* 1, BINPUT 200: beyond the array (sparse) */
    n = 6;
    for (int i = 0; i < 150; i++) /* MEMOIZE keys 1..150: the array grows past 200 */
        p[n++] = 0x94;
    memcpy(p + n, "K\002q\310h\310h\005h\225\207.", 12); /* 2, BINPUT 200, (m[200], m[5], m[149]) */
    n += 12;
    pk_err err;
    char *js = ut_decode_json(p, n, &err);
    if (!js) fail_msg("%s", err.msg);
    assert_string_equal(js, "[2,1,1]");
    free(js);

    pk_limits lim;
    pk_limits_default(&lim);
    lim.max_memo = 3;
    pk_doc *doc = ut_decode_lim(NULL, &lim, UT_BYTES("Nq\310q\001q\002q\310."), &err);
    if (!doc) fail_msg("%s", err.msg);
    pk_doc_free(doc);
    doc = ut_decode_lim(NULL, &lim, UT_BYTES("Nq\310q\001q\002q\003."), &err);
    if (doc) {
        pk_doc_free(doc);
        fail_msg("4 memo entries (1 sparse, 3 in the array) accepted with max_memo = 3");
    }
    assert_int_equal(err.code, PK_ELIMIT);
}

/* SETITEMS with Python's key equality once the dict is indexed (more than 8 keys), over two
 * batches: 1, 1.0 and True are one key (first position, last value), a repeated key keeps its
 * place. pickle.loads gives {1: 'c', 'k': 2, 'x0': 0, ..., 'x3': 33, ..., 'x9': 9, 2: 'z'}. */
static void test_dict_setitems_equal_keys(void **state) {
    (void)state;
    static const char p[] =
        "\200\002\175\050\113\001\130\001\000\000\000\141\130\001\000\000\000\153\113\001\107\077"
        "\360\000\000\000\000\000\000\130\001\000\000\000\142\210\130\001\000\000\000\143\130\002"
        "\000\000\000\170\060\113\000\130\002\000\000\000\170\061\113\001\130\002\000\000\000\170"
        "\062\113\002\130\002\000\000\000\170\063\113\003\130\002\000\000\000\170\064\113\004\130"
        "\002\000\000\000\170\065\113\005\130\002\000\000\000\170\066\113\006\130\002\000\000\000"
        "\170\067\113\007\130\002\000\000\000\170\070\113\010\130\002\000\000\000\170\071\113\011"
        "\165\050\130\001\000\000\000\153\113\002\113\002\130\001\000\000\000\172\130\002\000\000"
        "\000\170\063\113\041\165\056";
    ut_alloc ua;
    ut_alloc_init(&ua, 0, 0);
    pk_err err;
    pk_doc *doc = decode_exact(&ua, p, sizeof p - 1, &err);
    if (!doc) fail_msg("%s", err.msg);
    const pk_value *d = doc->root;
    assert_int_equal(d->kind, PK_DICT);
    assert_int_equal(d->u.d.len, 13);
    assert_int_equal(d->u.d.keys[0]->kind, PK_INT); /* the first spelling of 1 stays */
    assert_string_equal(d->u.d.vals[0]->u.s.ptr, "c");
    assert_string_equal(d->u.d.keys[1]->u.s.ptr, "k");
    assert_int_equal(d->u.d.vals[1]->u.i, 2);
    assert_int_equal(pk_dict_get_str(d, "x3")->u.i, 33);
    assert_int_equal(pk_dict_get_str(d, "x9")->u.i, 9);
    assert_string_equal(d->u.d.keys[12]->kind == PK_INT ? d->u.d.vals[12]->u.s.ptr : "?", "z");
    pk_value one = {0};
    one.kind = PK_FLOAT;
    one.u.f = 1.0;
    assert_string_equal(pk_dict_get(d, &one)->u.s.ptr, "c");
    free_exact(doc);
    ut_alloc_assert_clean(&ua);
}

/* x = (x, x) 300 times: linear decode; the JSON encoder stops at max_output. */
static void test_memo_bomb(void **state) {
    (void)state;
    size_t n = 3 + 2 * 300 + 1;
    char *p = malloc(n);
    assert_non_null(p);
    memcpy(p, "\200\002N", 3);
    for (size_t i = 0; i < 300; i++)
        memcpy(p + 3 + 2 * i, "2\206", 2);
    p[n - 1] = '.';
    ut_alloc ua;
    ut_alloc_init(&ua, 0, 0);
    pk_err err;
    pk_doc *doc = decode_exact(&ua, p, n, &err);
    free(p);
    if (!doc) fail_msg("%s", err.msg);
    assert_true(ua.peak_bytes < 1024 * 1024);
    pk_limits lim;
    pk_limits_default(&lim);
    lim.max_output = 1u << 20;
    pk_buf b;
    pk_buf_init(&b, &pk_alloc_std, 0);
    pk_err_clear(&err);
    assert_int_not_equal(pk_json_write(&b, doc->root, "$", &lim, &err), PK_OK);
    assert_true(err.code == PK_ELIMIT || err.code == PK_ENOMEM);
    pk_buf_free(&b);
    free_exact(doc);
    ut_alloc_assert_clean(&ua);
}

/* A recursive list is a cycle in the graph; JSON writes a py/ref instead of looping. */
static void test_cycle(void **state) {
    (void)state;
    pk_err err;
    char *js = ut_decode_json(UT_BYTES("\200\002]q\000(K\001h\000e."), &err);
    assert_non_null(js);
    assert_string_equal(js, "[1,{\"py/ref\":\"$\"}]");
    free(js);
}

/* The stack, mark and memo limits give PK_ELIMIT, never a crash. */
static void test_stack_limit(void **state) {
    (void)state;
    pk_limits lim;
    pk_limits_default(&lim);
    lim.max_stack = 10;
    pk_err err;
    pk_doc *doc = ut_decode_lim(NULL, &lim, UT_BYTES("NNNNNNNNNNNN."), &err);
    assert_null(doc);
    assert_int_equal(err.code, PK_ELIMIT);
    assert_int_equal(err.offset, 10);
    doc = ut_decode_lim(NULL, &lim, UT_BYTES("NNN."), &err);
    assert_non_null(doc);
    pk_doc_free(doc);
}

/* A limit is the limit, also below the initial capacity of the marks array (16). */
static void test_mark_limit_exact(void **state) {
    (void)state;
    pk_limits lim;
    pk_limits_default(&lim);
    lim.max_marks = 3;
    pk_err err;
    pk_doc *doc = ut_decode_lim(NULL, &lim, UT_BYTES("(((N."), &err);
    assert_non_null(doc);
    pk_doc_free(doc);
    doc = ut_decode_lim(NULL, &lim, UT_BYTES("((((N."), &err);
    if (doc) {
        pk_doc_free(doc);
        fail_msg("4 open MARKs accepted with max_marks = 3");
    }
    assert_int_equal(err.code, PK_ELIMIT);
}

/* Likewise for memo entries (initial memo capacity 64). */
static void test_memo_limit_exact(void **state) {
    (void)state;
    pk_limits lim;
    pk_limits_default(&lim);
    lim.max_memo = 2;
    pk_err err;
    pk_doc *doc = ut_decode_lim(NULL, &lim, UT_BYTES("Nq\001q\002."), &err);
    assert_non_null(doc);
    pk_doc_free(doc);
    doc = ut_decode_lim(NULL, &lim, UT_BYTES("Nq\001q\002q\003."), &err);
    if (doc) {
        pk_doc_free(doc);
        fail_msg("3 memo entries accepted with max_memo = 2");
    }
    assert_int_equal(err.code, PK_ELIMIT);
}

/* Contract (docs/formats.md, "Pickle opcodes", Frames): no opcode *argument* may cross a FRAME
 * end either. Here the frame holds only BININT1's opcode byte; its argument follows the frame. */
static void test_frame_argument_after_frame_end(void **state) {
    (void)state;
    pk_err err;
    pk_doc *doc =
        ut_decode(NULL, UT_BYTES("\200\004\225\001\000\000\000\000\000\000\000K\005."), &err);
    if (doc) {
        pk_doc_free(doc);
        fail_msg("BININT1 whose argument lies outside its frame was accepted");
    }
    assert_int_equal(err.code, PK_EFRAME);
    assert_int_equal(err.offset, 11);
}

/* CPython refuses a STRING whose escapes do not decode ("S'\\'" : a trailing backslash). */
static void test_string_bad_escape(void **state) {
    (void)state;
    pk_err err;
    pk_doc *doc = ut_decode(NULL, UT_BYTES("S'\\'\n."), &err);
    if (doc) {
        pk_doc_free(doc);
        fail_msg("STRING 'S'\\'' (trailing backslash) was accepted; CPython refuses it");
    }
    assert_int_equal(err.code, PK_EVALUE);
    assert_int_equal(err.offset, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_cases),
        cmocka_unit_test(test_protocol_recorded),
        cmocka_unit_test(test_value_kinds),
        cmocka_unit_test(test_bad_cases),
        cmocka_unit_test(test_every_prefix_fails),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_json_allocation_failures),
        cmocka_unit_test(test_sparse_memo),
        cmocka_unit_test(test_memo_dense_and_sparse),
        cmocka_unit_test(test_dict_setitems_equal_keys),
        cmocka_unit_test(test_memo_bomb),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_stack_limit),
        cmocka_unit_test(test_mark_limit_exact),
        cmocka_unit_test(test_memo_limit_exact),
        cmocka_unit_test(test_frame_argument_after_frame_end),
        cmocka_unit_test(test_string_bad_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
