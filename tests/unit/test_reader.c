/*
 * test_reader.c - the bounds-checked reader, the arena and error values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "pk.h"
#include "pk_err.h"
#include "pk_reader.h"

static void test_reads_in_bounds(void **state) {
    (void)state;
    const uint8_t buf[] = {0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff, 'a', 'b', '\n', 'c'};
    pk_err err;
    pk_err_clear(&err);
    pk_reader r;
    pk_reader_init(&r, buf, sizeof buf, &err);
    uint16_t u16;
    int32_t i32;
    assert_int_equal(pk_read_u16le(&r, &u16), PK_OK);
    assert_int_equal(u16, 0x0201);
    r.pos = 4;
    assert_int_equal(pk_read_i32le(&r, &i32), PK_OK);
    assert_int_equal(i32, -1);
    const uint8_t *line;
    size_t n;
    assert_int_equal(pk_read_line(&r, &line, &n), PK_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(line, "ab", 2);
    assert_int_equal(pk_reader_remaining(&r), 1);
    /* no newline before the end */
    r.op = 'S';
    r.op_pos = 11;
    assert_int_equal(pk_read_line(&r, &line, &n), PK_ETRUNC);
    assert_string_equal(err.msg,
                        "truncated pickle: STRING at offset 11: no end of line in the 1 bytes "
                        "that remain");
    assert_int_equal(err.offset, 11);
    assert_int_equal(err.opcode, 'S');
}

static void test_truncated_message(void **state) {
    (void)state;
    uint8_t buf[20] = {0};
    pk_err err;
    pk_err_clear(&err);
    pk_reader r;
    pk_reader_init(&r, buf, sizeof buf, &err);
    r.pos = 8;
    r.op = 'X';
    r.op_pos = 3;
    const uint8_t *p = NULL;
    /* SIZE_MAX must not overflow the check */
    assert_int_equal(pk_read_bytes(&r, SIZE_MAX, &p), PK_ETRUNC);
    assert_null(p);
    assert_int_equal(r.pos, 8);
    pk_err_clear(&err);
    assert_int_equal(pk_read_bytes(&r, 300, &p), PK_ETRUNC);
    assert_string_equal(err.msg,
                        "truncated pickle: BINUNICODE at offset 3 needs 300 bytes, 12 remain");
}

static void test_frame_boundaries(void **state) {
    (void)state;
    uint8_t buf[16];
    memset(buf, 'x', sizeof buf);
    pk_err err;
    pk_err_clear(&err);
    pk_reader r;
    pk_reader_init(&r, buf, sizeof buf, &err);
    assert_int_equal(pk_reader_begin_frame(&r, 4), PK_OK);
    const uint8_t *p;
    assert_int_equal(pk_read_bytes(&r, 2, &p), PK_OK);
    /* a read straddling the frame end */
    r.op = 'B';
    r.op_pos = 2;
    assert_int_equal(pk_read_bytes(&r, 4, &p), PK_EFRAME);
    assert_non_null(strstr(err.msg, "frame violation"));
    /* a new frame before the end of the current one */
    pk_err_clear(&err);
    assert_int_equal(pk_reader_begin_frame(&r, 2), PK_EFRAME);
    pk_err_clear(&err);
    assert_int_equal(pk_read_bytes(&r, 2, &p), PK_OK);
    /* consumed, but an opcode's argument may still not read past it ... */
    assert_int_equal(r.in_frame, 1);
    assert_int_equal(pk_read_bytes(&r, 1, &p), PK_EFRAME);
    pk_err_clear(&err);
    /* ... until the decoder settles between opcodes: reads continue unframed */
    pk_reader_settle(&r);
    assert_int_equal(r.in_frame, 0);
    assert_int_equal(pk_read_bytes(&r, 10, &p), PK_OK);
    /* a frame longer than the data */
    r.pos = 10;
    assert_int_equal(pk_reader_begin_frame(&r, 100), PK_ETRUNC);
}

static void test_arena_budget(void **state) {
    (void)state;
    pk_arena ar;
    pk_arena_init(&ar, &pk_alloc_std, 64 * 1024);
    void *a = pk_arena_alloc(&ar, 100);
    assert_non_null(a);
    assert_int_equal((uintptr_t)a % 8, 0);
    assert_null(pk_arena_alloc(&ar, 1u << 20));         /* over budget */
    assert_null(pk_arena_calloc(&ar, SIZE_MAX / 2, 4)); /* overflow */
    char *s = pk_arena_strndup(&ar, "abc", 3);
    assert_string_equal(s, "abc");
    pk_arena_free(&ar);
    pk_arena_free(&ar); /* twice is fine */
}

static void test_size_arithmetic(void **state) {
    (void)state;
    size_t out;
    assert_int_equal(pk_mul_overflow(SIZE_MAX, 2, &out), 1);
    assert_int_equal(pk_mul_overflow(3, 4, &out), 0);
    assert_int_equal(out, 12);
    assert_int_equal(pk_add_overflow(SIZE_MAX, 1, &out), 1);
}

static void test_error_first_wins(void **state) {
    (void)state;
    pk_err err;
    pk_err_clear(&err);
    pk_err_set(&err, PK_ETRUNC, 5, 'X', "first");
    pk_err_set(&err, PK_EVALUE, 6, 'Y', "second");
    assert_int_equal(err.code, PK_ETRUNC);
    assert_string_equal(err.msg, "first");
    assert_string_equal(pk_code_name(PK_EFRAME), "PK_EFRAME");
    assert_string_equal(pk_code_label(PK_ETRUNC), "truncated pickle");
    assert_string_equal(pk_opcode_name(0x95), "FRAME");
    assert_null(pk_opcode_name(0xff));
    int named = 0;
    for (int b = 0; b < 256; b++)
        named += pk_opcode_name(b) != NULL;
    assert_int_equal(named, PK_OPCODE_COUNT);
    assert_string_equal(pk_opcode_name(PK_OP_BINPUT), "BINPUT");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_in_bounds),  cmocka_unit_test(test_truncated_message),
        cmocka_unit_test(test_frame_boundaries), cmocka_unit_test(test_arena_budget),
        cmocka_unit_test(test_size_arithmetic),  cmocka_unit_test(test_error_first_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
