/*
 * pk_ndarray.h - numpy arrays, dtypes and scalars as data (no numpy involved).
 *
 * The unpickler calls these when a REDUCE or BUILD names an allowlisted numpy global (see
 * pk_globals.c), under both numpy 1 (`numpy.core.*`) and numpy 2 (`numpy._core.*`) names:
 *   numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')  -> pk_np_reconstruct (incomplete)
 *   BUILD (version, shape, dtype, is_fortran, raw)          -> pk_np_array_setstate
 *   numpy.core.numeric._frombuffer(buf, dtype, shape, order[, axis_order]) -> pk_np_frombuffer
 *   numpy.dtype(typestr|type, align, copy) + BUILD state    -> pk_np_dtype_new / _setstate
 *   numpy.core.multiarray.scalar(dtype, raw|object)         -> pk_np_scalar
 * Formats: docs/formats.md, "numpy arrays, dtypes and scalars".
 *
 * Array memory: `data` points at nbytes = prod(shape) * itemsize bytes, which usually borrow from
 * the input buffer (zero copy). Element (i0, i1, ...) lives at data + sum(ik * strides[k]); strides
 * are in bytes and describe C, Fortran or any axis order, so views made by indexing need no copy.
 * Object arrays (dtype 'O') keep `objects`, a flat array of pk_value* in C order, and strides in
 * units of elements.
 *
 * All functions report errors with offset -1 (the caller positions them) and allocate in `ar`.
 */
#ifndef PK_NDARRAY_H
#define PK_NDARRAY_H

#include "pk_buf.h"
#include "pk_value.h"

/* ---- construction (called by the unpickler) ------------------------------------------------ */

/* placeholder: the caller's slot for the int8 dtype all incomplete arrays share (made on first
 * use), or NULL to make one for this array. */
pk_value *pk_np_reconstruct(pk_arena *ar, pk_value *args, pk_value **placeholder, pk_err *err);
pk_code pk_np_array_setstate(pk_arena *ar, pk_value *arr, pk_value *state, pk_err *err);
pk_value *pk_np_frombuffer(pk_arena *ar, pk_value *args, pk_err *err);
pk_value *pk_np_dtype_new(pk_arena *ar, pk_value *args, pk_err *err);
pk_code pk_np_dtype_setstate(pk_arena *ar, pk_value *dtype, pk_value *state, pk_err *err);
pk_value *pk_np_scalar(pk_arena *ar, pk_value *args, pk_err *err);

/* A complete array from parts (joblib). data must hold prod(shape) * itemsize bytes. */
pk_value *pk_np_array_from_data(pk_arena *ar, pk_value *dtype, int ndim, const int64_t *shape,
                                int fortran, const uint8_t *data, size_t nbytes, pk_err *err);

/* 1 when the dtype holds Python objects: kind 'O', or a field or subarray base that does. */
int pk_dtype_has_object(const pk_dtype *dt);

/* ---- access -------------------------------------------------------------------------------- */

/* Total element count (product of the shape; checked at construction so it cannot overflow). */
size_t pk_ndarray_size(const pk_ndarray *a);

/* arr[i] along the first axis (negative i counts from the end): a view (PK_NDARRAY) when ndim > 1,
 * else the element as a value (PK_NPSCALAR for numbers, the object for 'O'). PK_ENOTFOUND when out
 * of range, PK_ETYPE for a 0-d array. */
pk_code pk_ndarray_index(pk_arena *ar, const pk_value *arr, int64_t i, pk_value **out, pk_err *err);

/* Copies every element, C order, as doubles into out[0..n); n must equal pk_ndarray_size. */
pk_code pk_ndarray_to_f64(const pk_ndarray *a, double *out, size_t n);

/* An element's bytes p[0..n) as an unsigned / two's complement integer (n <= 8), or a float of
 * 2, 4 or 8 bytes (or the host's long double; else PK_ETYPE) as double; big: big-endian. */
uint64_t pk_np_load_uint(const uint8_t *p, size_t n, int big);
int64_t pk_np_load_int(const uint8_t *p, size_t n, int big);
pk_code pk_np_load_float(const uint8_t *p, size_t n, int big, double *out);

#endif /* PK_NDARRAY_H */
