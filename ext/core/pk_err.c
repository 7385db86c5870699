/*
 * pk_err.c - error values and opcode names (see pk_err.h).
 */
#include "pk_err.h"

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
    case 'I':
        return "INT";
    case 'J':
        return "BININT";
    case 'K':
        return "BININT1";
    case 'M':
        return "BININT2";
    case 'L':
        return "LONG";
    case 0x8a:
        return "LONG1";
    case 0x8b:
        return "LONG4";
    case 'S':
        return "STRING";
    case 'T':
        return "BINSTRING";
    case 'U':
        return "SHORT_BINSTRING";
    case 'B':
        return "BINBYTES";
    case 'C':
        return "SHORT_BINBYTES";
    case 0x8e:
        return "BINBYTES8";
    case 0x96:
        return "BYTEARRAY8";
    case 0x97:
        return "NEXT_BUFFER";
    case 0x98:
        return "READONLY_BUFFER";
    case 'N':
        return "NONE";
    case 0x88:
        return "NEWTRUE";
    case 0x89:
        return "NEWFALSE";
    case 'V':
        return "UNICODE";
    case 0x8c:
        return "SHORT_BINUNICODE";
    case 'X':
        return "BINUNICODE";
    case 0x8d:
        return "BINUNICODE8";
    case 'F':
        return "FLOAT";
    case 'G':
        return "BINFLOAT";
    case ']':
        return "EMPTY_LIST";
    case 'a':
        return "APPEND";
    case 'e':
        return "APPENDS";
    case 'l':
        return "LIST";
    case ')':
        return "EMPTY_TUPLE";
    case 't':
        return "TUPLE";
    case 0x85:
        return "TUPLE1";
    case 0x86:
        return "TUPLE2";
    case 0x87:
        return "TUPLE3";
    case '}':
        return "EMPTY_DICT";
    case 'd':
        return "DICT";
    case 's':
        return "SETITEM";
    case 'u':
        return "SETITEMS";
    case 0x8f:
        return "EMPTY_SET";
    case 0x90:
        return "ADDITEMS";
    case 0x91:
        return "FROZENSET";
    case '0':
        return "POP";
    case '2':
        return "DUP";
    case '(':
        return "MARK";
    case '1':
        return "POP_MARK";
    case 'g':
        return "GET";
    case 'h':
        return "BINGET";
    case 'j':
        return "LONG_BINGET";
    case 'p':
        return "PUT";
    case 'q':
        return "BINPUT";
    case 'r':
        return "LONG_BINPUT";
    case 0x94:
        return "MEMOIZE";
    case 0x82:
        return "EXT1";
    case 0x83:
        return "EXT2";
    case 0x84:
        return "EXT4";
    case 'c':
        return "GLOBAL";
    case 0x93:
        return "STACK_GLOBAL";
    case 'R':
        return "REDUCE";
    case 'b':
        return "BUILD";
    case 'i':
        return "INST";
    case 'o':
        return "OBJ";
    case 0x81:
        return "NEWOBJ";
    case 0x92:
        return "NEWOBJ_EX";
    case 0x80:
        return "PROTO";
    case '.':
        return "STOP";
    case 0x95:
        return "FRAME";
    case 'P':
        return "PERSID";
    case 'Q':
        return "BINPERSID";
    default:
        return NULL;
    }
}
