/*
 * pk_err.h - errors as values.
 *
 * Every fallible core function returns a pk_code (PK_OK == 0) or NULL, and fills a caller-owned
 * pk_err with the code, the byte offset in the input where the problem was found (-1 when it has
 * no position), the opcode being executed (-1 when none) and a one-line message. The message
 * never includes the SQL function name: the glue (ext/sql/sql_util.c) prefixes it, giving e.g.
 *   pickle_get: truncated pickle: BINUNICODE at offset 120 needs 300 bytes, 12 remain
 *
 * The first error wins: pk_err_set on an error that is already set does nothing, so a low-level
 * message is not overwritten by a caller's vaguer one.
 */
#ifndef PK_ERR_H
#define PK_ERR_H

#include <stdarg.h>
#include <stdint.h>

/* X(name, label). The label is how messages positioned in the input begin (pk_reader_fail):
 *   "<label>: <OPCODE> at offset <N>: <detail>". */
#define PK_ERROR_LIST(X)                                                                           \
    X(PK_OK, "no error")                                                                           \
    X(PK_ENOMEM, "out of memory")                                                                  \
    X(PK_ELIMIT, "limit exceeded")                                                                 \
    X(PK_ETRUNC, "truncated pickle")                                                               \
    X(PK_EOPCODE, "unknown opcode")                                                                \
    X(PK_ESTACK, "bad stack")                                                                      \
    X(PK_EMARK, "bad mark")                                                                        \
    X(PK_EMEMO, "bad memo reference")                                                              \
    X(PK_EPROTO, "unsupported protocol")                                                           \
    X(PK_EFRAME, "frame violation")                                                                \
    X(PK_EVALUE, "bad argument")                                                                   \
    X(PK_EUNSUPPORTED, "unsupported pickle feature")                                               \
    X(PK_ENUMPY, "bad numpy data")                                                                 \
    X(PK_EJOBLIB, "bad joblib data")                                                               \
    X(PK_ECOMPRESS, "bad compressed data")                                                         \
    X(PK_EPATH, "bad path")                                                                        \
    X(PK_ENOTFOUND, "no such path")                                                                \
    X(PK_ETYPE, "wrong type")                                                                      \
    X(PK_EMODEL, "unsupported model")                                                              \
    X(PK_EFEATURE, "bad features")                                                                 \
    X(PK_EENCODE, "cannot encode")

typedef enum pk_code {
#define PK_X_ENUM(name, desc) name,
    PK_ERROR_LIST(PK_X_ENUM)
#undef PK_X_ENUM
        PK_CODE_COUNT
} pk_code;

/* Propagates an error: evaluates expr, a pk_code, and returns it from the calling function when
 * it is not PK_OK. The core's one early-return macro: `PK_TRY(read_header(r)); PK_TRY(...);`
 * reads as the steps it runs. Errors keep the message of whoever set it first (pk_err_set). */
#define PK_TRY(expr)                                                                               \
    do {                                                                                           \
        pk_code pk_try_rc_ = (expr);                                                               \
        if (pk_try_rc_ != PK_OK) return pk_try_rc_;                                                \
    } while (0)

#define PK_ERR_MSG_MAX 256

typedef struct pk_err {
    pk_code code;
    int64_t offset; /* byte offset in the decoded stream, or -1 */
    int opcode;     /* opcode byte, or -1                       */
    char msg[PK_ERR_MSG_MAX];
} pk_err;

/* Resets e to "no error". */
void pk_err_clear(pk_err *e);

/* Sets e (unless an error is already set) and returns code. The message is printf-formatted. */
pk_code pk_err_set(pk_err *e, pk_code code, int64_t offset, int opcode, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

pk_code pk_err_vset(pk_err *e, pk_code code, int64_t offset, int opcode, const char *fmt,
                    va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 0)))
#endif
    ;

/* Shorthand for an out-of-memory error (also used when an arena budget is exceeded). */
pk_code pk_err_nomem(pk_err *e, int64_t offset);

/* "PK_ETRUNC" etc. */
const char *pk_code_name(pk_code code);

/* The label of a code: "truncated pickle" etc. */
const char *pk_code_label(pk_code code);

#endif /* PK_ERR_H */
