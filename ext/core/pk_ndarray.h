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

typedef struct pk_dtfield {
    const char *name; /* NUL-terminated */
    pk_value *dtype;  /* PK_DTYPE       */
    size_t offset;
    pk_value *title; /* or NULL */
} pk_dtfield;

struct pk_dtype {
    char kind;      /* 'b','i','u','f','c','S','U','V','O','M','m'; 0 before known        */
    char byteorder; /* '<', '>', '|' (after setstate; '=' is resolved to '<' on LE hosts) */
    size_t itemsize;
    const char *typestr;   /* the first constructor argument as text ("f8"), or NULL   */
    pk_value *type_global; /* when the first argument was a type object (numpy.record) */
    size_t nfields;        /* structured dtypes: fields in `names` order               */
    pk_dtfield *fields;
    pk_value *sub_base; /* subarray dtype: base dtype (PK_DTYPE) and shape (sub_shape)  */
    int sub_ndim;
    char unit[16]; /* datetime64/timedelta64 unit ("ns", "D", "generic"), else "" */
    int64_t unit_num;
    int32_t flags;
    int64_t alignment;
    pk_value *args;  /* constructor argument tuple, kept for re-encoding */
    pk_value *state; /* BUILD state, kept for re-encoding (or NULL)      */
    int nest;        /* nesting depth of fields/subarrays: 1 for a leaf dtype (capped) */
    int64_t sub_shape[PK_MAX_DIMS]; /* last: only [0, sub_ndim) is ever written or read   */
};

typedef enum pk_arrform {
    PK_ARR_RECONSTRUCT, /* _reconstruct + BUILD (protocols 0-4)       */
    PK_ARR_FROMBUFFER,  /* protocol 5 _frombuffer                     */
    PK_ARR_JOBLIB,      /* joblib NumpyArrayWrapper + raw bytes        */
    PK_ARR_VIEW         /* made by indexing another array (path)       */
} pk_arrform;

struct pk_ndarray {
    pk_value *dtype;     /* PK_DTYPE */
    int ndim;            /* shape and strides (at the end) hold ndim entries       */
    const uint8_t *data; /* non-object dtypes */
    size_t nbytes;
    pk_value **objects; /* object dtype: flat C-order elements */
    size_t nobjects;
    size_t obj_base; /* object views: index of the first element in `objects` */
    int fortran;     /* data was written in Fortran order                      */
    int complete;    /* 0 between _reconstruct and its BUILD                   */
    pk_arrform form;
    pk_value *subclass;    /* the ndarray type global given to _reconstruct, or NULL */
    pk_value *reduce_args; /* kept for re-encoding                               */
    pk_value *state;       /* BUILD state kept for re-encoding                  */
    /* last, so that a new array zero-fills only the fields above: entries [0, ndim) are
     * always written before they are read, the rest never are */
    int64_t shape[PK_MAX_DIMS];
    int64_t strides[PK_MAX_DIMS];
};

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

/* Element `flat` (C order) as a double; bool/int/uint/float/(complex: real part)/datetime.
 * PK_ETYPE for strings, records, objects. */
pk_code pk_ndarray_get_f64(const pk_ndarray *a, size_t flat, double *out);

/* Copies every element, C order, as doubles into out[0..n); n must equal pk_ndarray_size. */
pk_code pk_ndarray_to_f64(const pk_ndarray *a, double *out, size_t n);

/* The numeric value of a numpy scalar (PK_NPSCALAR) as double / int64. */
pk_code pk_npscalar_f64(const pk_value *sc, double *out);

/* numpy's type name of a dtype's scalar: "float64", "int32", "str_", "bytes_", "void",
 * "datetime64", ... (for pk_type_name of scalars: "numpy.float64"). */
const char *pk_dtype_scalar_name(const pk_dtype *dt);

/* JSON text of an array (nested lists following its shape; records as objects keyed by field
 * name) or a numpy scalar, appended to out. Object elements are written with `write_value`,
 * the generic writer (pk_json.c), so that cycles and depth are tracked by it. flags: those of
 * pk_json_write_flags (how non-finite floats are written). */
typedef pk_code (*pk_json_value_fn)(void *ctx, const pk_value *v);
pk_code pk_np_write_json(pk_buf *out, const pk_value *v, unsigned flags,
                         pk_json_value_fn write_value, void *ctx);

#endif /* PK_NDARRAY_H */
