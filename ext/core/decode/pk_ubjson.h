/*
 * pk_ubjson.h - Universal Binary JSON (UBJSON, Draft 12) -> pk_value graph.
 *
 * XGBoost (>= 1.6) writes its models and its pickled Booster state in UBJSON. The mapping is
 * the one pk_jsonread.h uses for JSON text, so one consumer reads both: object -> PK_DICT (str
 * keys), array -> PK_LIST, string and char -> PK_STR, int8/uint8/int16/int32/int64 -> PK_INT,
 * float32/float64 -> PK_FLOAT (a float32 widened exactly), true/false -> PK_BOOL, null ->
 * PK_NONE, high-precision numbers -> PK_STR holding their decimal text. No-op markers are skipped.
 * Strongly typed containers ("[$d#L<count>") are read element by element; their element type must
 * be a scalar with a payload (not Z/T/F/N, so a count cannot make items out of no bytes).
 *
 * Every read is bounds-checked; numbers are big-endian; lengths and counts must be non-negative
 * and fit in what remains of the input; nesting is capped by max_depth; all memory comes from
 * `ar` (whose budget caps the graph). Errors are PK_EVALUE with the byte offset:
 * "bad UBJSON at offset 12: unknown type marker 'q'".
 */
#ifndef PK_UBJSON_H
#define PK_UBJSON_H

#include "pk_value.h"

/* Parses buf[0..n) as exactly one UBJSON value into *out. */
pk_code pk_ubjson_read(pk_arena *ar, const uint8_t *buf, size_t n, uint32_t max_depth,
                       pk_value **out, pk_err *err);

#endif /* PK_UBJSON_H */
