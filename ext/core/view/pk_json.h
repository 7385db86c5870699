/*
 * pk_json.h - a decoded value as JSON text (the mapping of docs/json.md).
 *
 * None->null, bool->true/false, int->digits, float->Python repr (strict JSON by default: NaN ->
 * null, +-Infinity -> +-9e999 as SQLite writes them; with PK_JSON_NAN the NaN, Infinity and
 * -Infinity tokens of Python's json module, which round-trip but strict parsers refuse),
 * str->string, bytes/bytearray->{"py/bytes": base64}, complex->{"py/complex": [re, im]},
 * list/tuple/set/frozenset->array, dict->object (non-str keys as Python's json.dumps writes them,
 * else as their compact JSON text), numpy array->nested arrays, numpy scalar->number, other
 * instances->{"py/object": "module.qualname", ...state..., "py/args", "py/state", "py/items",
 * "py/dictitems"}, class/function reference->{"py/type": "module.name"}. Shared nodes are written
 * where they occur; a reference to an enclosing node (a cycle) is {"py/ref": "<path>"}.
 *
 * Output is compact (no spaces), UTF-8; lone surrogates are written as \uXXXX escapes. Depth is
 * capped by limits->max_depth and size by limits->max_output and limits->max_expand (the
 * expansion cap pk_doc_decode derives from the pickle's size), all PK_ELIMIT naming the limit.
 * Dict keys are JSON strings, written as json.dumps writes them (a float key NaN is "NaN").
 */
#ifndef PK_JSON_H
#define PK_JSON_H

#include "pk_buf.h"
#include "pk_value.h"

/* Flags of pk_json_write_flags. */
#define PK_JSON_NAN 1u /* non-finite floats as NaN / Infinity / -Infinity (lossless) */

/* Appends the JSON text of v to out. `path` is the path of v itself (for py/ref), e.g. "$".
 * Strict JSON (pk_json_write_flags with flags 0). */
pk_code pk_json_write(pk_buf *out, const pk_value *v, const char *path, const pk_limits *lim,
                      pk_err *err);
pk_code pk_json_write_flags(pk_buf *out, const pk_value *v, const char *path, const pk_limits *lim,
                            unsigned flags, pk_err *err);

/* The output cap pk_json_write applies: the smaller of max_output and max_expand (0 = none). */
uint64_t pk_json_cap(const pk_limits *lim);

/* Appends a JSON string literal for UTF-8 text s[0..n) (escaping quotes, controls, surrogates). */
pk_code pk_json_string(pk_buf *out, const char *s, size_t n);

/* Python's repr of a double: shortest round-trip digits, "1.0", "1e+16", "nan", "inf". Returns
 * the length written into buf (cap >= 32). */
int pk_float_repr(double d, char *buf, size_t cap);

/* Most bytes one double takes as JSON or repr ("-2.2250738585072014e-308" is 24). */
#define PK_JSON_DOUBLE_MAX 25

/* Writes the doubles v[0..n) as a JSON array ("[0.25,0.75]", non-finite values as
 * pk_json_double writes them) at dst, which holds at least 2 + n * (PK_JSON_DOUBLE_MAX + 1)
 * bytes; returns the length (not terminated). No allocation: for per-row results. */
size_t pk_json_double_array(char *dst, const double *v, size_t n);

/* Appends a double as JSON: Python repr; null / 9e999 / -9e999 for the non-finite, or with
 * flags & PK_JSON_NAN NaN / Infinity / -Infinity. pk_json_double is the strict form. */
pk_code pk_json_double(pk_buf *out, double d);
pk_code pk_json_double_flags(pk_buf *out, double d, unsigned flags);

/* Appends the decimal digits of a PK_INT or PK_BIGINT. */
pk_code pk_json_int(pk_buf *out, const pk_value *v);

/* Appends base64 of data. */
pk_code pk_base64(pk_buf *out, const uint8_t *data, size_t n);

/* JSON text of a numpy array (nested lists following its shape; records as objects keyed by
 * field name) or a numpy scalar, appended to out (pk_json_np.c). Object elements are written with
 * `write_value`, the generic writer (pk_json.c), so that cycles and depth are tracked by it.
 * flags: those of pk_json_write_flags (how non-finite floats are written). */
typedef pk_code (*pk_json_value_fn)(void *ctx, const pk_value *v);
pk_code pk_np_write_json(pk_buf *out, const pk_value *v, unsigned flags,
                         pk_json_value_fn write_value, void *ctx);

#endif /* PK_JSON_H */
