/*
 * pk_err.c - error values (see pk_err.h) and opcode names (pk_opcodes.h).
 */
#include "pk_err.h"
#include "pk_opcodes.h"

#include <stdio.h>
#include <string.h>

void pk_err_clear(pk_err *e) {
    e->code = PK_OK;
    e->offset = -1;
    e->opcode = -1;
    e->msg[0] = '\0';
}

pk_code pk_err_vset(pk_err *e, pk_code code, int64_t offset, int opcode, const char *fmt,
                    va_list ap) {
    if (!e || e->code != PK_OK) return e ? e->code : code;
    e->code = code;
    e->offset = offset;
    e->opcode = opcode;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return code;
}

pk_code pk_err_set(pk_err *e, pk_code code, int64_t offset, int opcode, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pk_code c = pk_err_vset(e, code, offset, opcode, fmt, ap);
    va_end(ap);
    return c;
}

pk_code pk_err_nomem(pk_err *e, int64_t offset) {
    if (offset >= 0)
        return pk_err_set(e, PK_ENOMEM, offset, -1,
                          "out of memory or over the allocation limit at offset %lld",
                          (long long)offset);
    return pk_err_set(e, PK_ENOMEM, -1, -1, "out of memory or over the allocation limit");
}

const char *pk_code_name(pk_code code) {
    static const char *const names[] = {
#define PK_X_NAME(name, desc) #name,
        PK_ERROR_LIST(PK_X_NAME)
#undef PK_X_NAME
    };
    if ((unsigned)code >= PK_CODE_COUNT) return "PK_UNKNOWN";
    return names[code];
}

const char *pk_code_label(pk_code code) {
    static const char *const labels[] = {
#define PK_X_LABEL(name, label) label,
        PK_ERROR_LIST(PK_X_LABEL)
#undef PK_X_LABEL
    };
    if ((unsigned)code >= PK_CODE_COUNT) return "error";
    return labels[code];
}

const char *pk_opcode_name(int op) {
    switch (op) {
#define PK_X_NAME(name, byte, proto, doc)                                                          \
    case byte:                                                                                     \
        return #name;
        PK_OPCODE_LIST(PK_X_NAME)
#undef PK_X_NAME
    default:
        return NULL;
    }
}
