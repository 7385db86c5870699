/*
 * pk_opcodes.h - the pickle opcodes, named once.
 *
 * PK_OPCODE_LIST is every opcode of protocols 0-5 as Python's pickletools.opcodes lists it:
 * X(name, byte, protocol, doc), the protocol being the one that introduced the opcode and the doc
 * its argument and effect in a few words. It gives the PK_OP_<name> constants that the unpickler
 * (pk_vm.c), the writer (pk_writer.c) and the linear scan (pk_scan.c) switch on and emit, and the
 * names of error messages (pk_opcode_name, used by pk_reader_fail: "... BINPUT at offset 12: ...").
 * tests/python/test_opcodes.py checks the list against pickletools.
 */
#ifndef PK_OPCODES_H
#define PK_OPCODES_H

/* clang-format off */
#define PK_OPCODE_LIST(X)                                                                          \
    /* integers */                                                                                 \
    X(INT,              'I',  0, "decimal text line: an int; 00 / 01 are False / True")           \
    X(BININT,           'J',  1, "4-byte signed little-endian int")                               \
    X(BININT1,          'K',  1, "1-byte unsigned int")                                           \
    X(BININT2,          'M',  1, "2-byte unsigned little-endian int")                             \
    X(LONG,             'L',  0, "decimal text line, optional trailing L: an int")                \
    X(LONG1,            0x8a, 2, "1-byte length, little-endian two's complement int")             \
    X(LONG4,            0x8b, 2, "4-byte length, little-endian two's complement int")             \
    /* strings, bytes and buffers */                                                               \
    X(STRING,           'S',  0, "quoted Python 2 str literal with escapes")                      \
    X(BINSTRING,        'T',  1, "4-byte length, Python 2 str bytes")                             \
    X(SHORT_BINSTRING,  'U',  1, "1-byte length, Python 2 str bytes")                             \
    X(BINBYTES,         'B',  3, "4-byte length, bytes")                                          \
    X(SHORT_BINBYTES,   'C',  3, "1-byte length, bytes")                                          \
    X(BINBYTES8,        0x8e, 4, "8-byte length, bytes")                                          \
    X(BYTEARRAY8,       0x96, 5, "8-byte length, bytearray")                                      \
    X(NEXT_BUFFER,      0x97, 5, "an out-of-band buffer (refused: not in the stream)")            \
    X(READONLY_BUFFER,  0x98, 5, "makes the top buffer read-only")                                \
    /* constants */                                                                                \
    X(NONE,             'N',  0, "None")                                                          \
    X(NEWTRUE,          0x88, 2, "True")                                                          \
    X(NEWFALSE,         0x89, 2, "False")                                                         \
    /* str */                                                                                      \
    X(UNICODE,          'V',  0, "raw-unicode-escape text line: a str")                           \
    X(SHORT_BINUNICODE, 0x8c, 4, "1-byte length, UTF-8 str")                                      \
    X(BINUNICODE,       'X',  1, "4-byte length, UTF-8 str")                                      \
    X(BINUNICODE8,      0x8d, 4, "8-byte length, UTF-8 str")                                      \
    /* floats */                                                                                   \
    X(FLOAT,            'F',  0, "repr text line: a float")                                       \
    X(BINFLOAT,         'G',  1, "8-byte big-endian IEEE double")                                 \
    /* containers */                                                                               \
    X(EMPTY_LIST,       ']',  1, "pushes []")                                                     \
    X(APPEND,           'a',  0, "list.append(top)")                                              \
    X(APPENDS,          'e',  1, "list.extend(values above the MARK)")                            \
    X(LIST,             'l',  0, "a list of the values above the MARK")                           \
    X(EMPTY_TUPLE,      ')',  1, "pushes ()")                                                     \
    X(TUPLE,            't',  0, "a tuple of the values above the MARK")                          \
    X(TUPLE1,           0x85, 2, "a tuple of the top value")                                      \
    X(TUPLE2,           0x86, 2, "a tuple of the top two values")                                 \
    X(TUPLE3,           0x87, 2, "a tuple of the top three values")                               \
    X(EMPTY_DICT,       '}',  1, "pushes {}")                                                     \
    X(DICT,             'd',  0, "a dict of the key, value pairs above the MARK")                 \
    X(SETITEM,          's',  0, "dict[key] = value (the top two)")                               \
    X(SETITEMS,         'u',  1, "dict.update(key, value pairs above the MARK)")                  \
    X(EMPTY_SET,        0x8f, 4, "pushes set()")                                                  \
    X(ADDITEMS,         0x90, 4, "set.update(values above the MARK)")                             \
    X(FROZENSET,        0x91, 4, "a frozenset of the values above the MARK")                      \
    /* stack and marks */                                                                          \
    X(POP,              '0',  0, "drops the top value (or the top MARK)")                         \
    X(DUP,              '2',  0, "pushes the top value again")                                    \
    X(MARK,             '(',  0, "pushes a MARK")                                                 \
    X(POP_MARK,         '1',  1, "drops the values above the top MARK and the MARK")              \
    /* memo */                                                                                     \
    X(GET,              'g',  0, "decimal text line: pushes memo[key]")                           \
    X(BINGET,           'h',  1, "1-byte key: pushes memo[key]")                                  \
    X(LONG_BINGET,      'j',  1, "4-byte key: pushes memo[key]")                                  \
    X(PUT,              'p',  0, "decimal text line: memo[key] = top")                            \
    X(BINPUT,           'q',  1, "1-byte key: memo[key] = top")                                   \
    X(LONG_BINPUT,      'r',  1, "4-byte key: memo[key] = top")                                   \
    X(MEMOIZE,          0x94, 4, "memo[len(memo)] = top")                                         \
    /* extension registry */                                                                       \
    X(EXT1,             0x82, 2, "1-byte copyreg extension code (refused)")                       \
    X(EXT2,             0x83, 2, "2-byte copyreg extension code (refused)")                       \
    X(EXT4,             0x84, 2, "4-byte copyreg extension code (refused)")                       \
    /* globals and objects */                                                                      \
    X(GLOBAL,           'c',  0, "module and name text lines: pushes the global")                 \
    X(STACK_GLOBAL,     0x93, 4, "the global named by the top two str values")                    \
    X(REDUCE,           'R',  0, "callable(*args)")                                               \
    X(BUILD,            'b',  0, "obj.__setstate__(state) or its __dict__ update")                \
    X(INST,             'i',  0, "module and name text lines: cls(*values above the MARK)")       \
    X(OBJ,              'o',  1, "cls(*args), cls and args above the MARK")                       \
    X(NEWOBJ,           0x81, 2, "cls.__new__(cls, *args)")                                       \
    X(NEWOBJ_EX,        0x92, 4, "cls.__new__(cls, *args, **kwargs)")                             \
    /* framing and control */                                                                      \
    X(PROTO,            0x80, 2, "1-byte protocol number")                                        \
    X(STOP,             '.',  0, "ends the pickle: its value is the top")                         \
    X(FRAME,            0x95, 4, "8-byte length of the frame that follows")                       \
    /* persistent ids */                                                                           \
    X(PERSID,           'P',  0, "persistent id text line (refused)")                             \
    X(BINPERSID,        'Q',  1, "persistent id from the stack (refused)")
/* clang-format on */

typedef enum pk_opcode {
#define PK_X_OPCODE(name, byte, proto, doc) PK_OP_##name = (byte),
    PK_OPCODE_LIST(PK_X_OPCODE)
#undef PK_X_OPCODE
} pk_opcode;

/* How many opcodes the list has (68). */
enum {
#define PK_X_ONE(name, byte, proto, doc) +1
    PK_OPCODE_COUNT = 0 PK_OPCODE_LIST(PK_X_ONE)
#undef PK_X_ONE
};

/* The opcode's name ("BINUNICODE"), or NULL for a byte that is no opcode (pk_err.c). */
const char *pk_opcode_name(int op);

#endif /* PK_OPCODES_H */
