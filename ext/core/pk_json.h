/*
 * pk_json.h - a decoded value as JSON text (the mapping of docs/json.md).
 *
 * None->null, bool->true/false, int->digits, float->Python repr (NaN, Infinity, -Infinity),
 * str->string, bytes/bytearray->{"py/bytes": base64}, complex->{"py/complex": [re, im]},
 * list/tuple/set/frozenset->array, dict->object (non-str keys as Python's json.dumps writes them,
 * else as their compact JSON text), numpy array->nested arrays, numpy scalar->number, other
 * instances->{"py/object": "module.qualname", ...state..., "py/args", "py/state", "py/items",
 * "py/dictitems"}, class/function reference->{"py/type": "module.name"}. Shared nodes are written
 * where they occur; a reference to an enclosing node (a cycle) is {"py/ref": "<path>"}.
 *
 * Output is compact (no spaces), UTF-8; lone surrogates are written as \uXXXX escapes. Depth is
 * capped by limits->max_depth and size by limits->max_output (both PK_ELIMIT).
 */
#ifndef PK_JSON_H
#define PK_JSON_H

#include "pk_buf.h"
#include "pk_value.h"

/* Appends the JSON text of v to out. `path` is the path of v itself (for py/ref), e.g. "$". */
pk_code pk_json_write(pk_buf *out, const pk_value *v, const char *path, const pk_limits *lim,
                      pk_err *err);

/* Appends a JSON string literal for UTF-8 text s[0..n) (escaping quotes, controls, surrogates). */
pk_code pk_json_string(pk_buf *out, const char *s, size_t n);

/* Python's repr of a double: shortest round-trip digits, "1.0", "1e+16", "nan", "inf". Returns
 * the length written into buf (cap >= 32). */
int pk_float_repr(double d, char *buf, size_t cap);

/* Appends a double as JSON: Python repr, NaN / Infinity / -Infinity for the non-finite. */
pk_code pk_json_double(pk_buf *out, double d);

/* Appends the decimal digits of a PK_INT or PK_BIGINT. */
pk_code pk_json_int(pk_buf *out, const pk_value *v);

/* Appends base64 of data. */
pk_code pk_base64(pk_buf *out, const uint8_t *data, size_t n);

#endif /* PK_JSON_H */
