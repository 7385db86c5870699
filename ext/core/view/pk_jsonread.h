/*
 * pk_jsonread.h - JSON text -> pk_value graph (what Python's json.loads would return).
 *
 * Used by pickle_dump / pickle_set / pickle_dump_agg for TEXT carrying SQLite's JSON subtype.
 * Mapping: object -> PK_DICT (str keys; a repeated key keeps its first position and its last
 * value, as a Python dict does), array -> PK_LIST, string -> PK_STR (\uXXXX escapes decoded,
 * surrogate pairs joined, lone surrogates kept as Python keeps them), integer -> PK_INT, or
 * PK_BIGINT beyond 64 bits (exact), number with a fraction or exponent -> PK_FLOAT (correctly
 * rounded; overflow gives an infinity, as float() does), true/false -> PK_BOOL, null -> PK_NONE.
 * NaN, Infinity and -Infinity are accepted (Python's json module writes and reads them).
 *
 * Strict RFC 8259 otherwise (what json() and pickle_json() produce): no comments, no trailing
 * commas, no raw control characters in strings; whitespace around values is allowed.
 * Limits: nesting depth (max_depth), integers of at most 4300 digits (Python's default
 * int_max_str_digits), text of at most SIZE_MAX / 2 bytes. Errors are PK_EVALUE with the byte
 * offset in the text, e.g. "bad JSON at offset 7: expected ',' or '}'".
 *
 * Ownership: every node is allocated in `ar`; strings are copied.
 */
#ifndef PK_JSONREAD_H
#define PK_JSONREAD_H

#include "pk_value.h"

#define PK_JSON_MAX_INT_DIGITS 4300

/* Parses the whole of text[0..n) (one value, surrounded by optional whitespace) into *out. */
pk_code pk_json_read(pk_arena *ar, const char *text, size_t n, uint32_t max_depth, pk_value **out,
                     pk_err *err);

#endif /* PK_JSONREAD_H */
