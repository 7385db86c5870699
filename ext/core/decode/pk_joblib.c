/*
 * pk_joblib.c - joblib's NumpyArrayWrapper: the raw array bytes that follow its BUILD.
 *
 * How it works (docs/formats.md, "joblib files"): joblib pickles a NumpyArrayWrapper (state:
 * subclass, shape, order, dtype, allow_mmap[, numpy_array_alignment_bytes]) and then, outside any
 * pickle frame, writes the array itself: for plain dtypes an optional pad-length byte, that many
 * 0xFF bytes and prod(shape) * itemsize data bytes in the array's memory order ('F' = Fortran); for
 * object dtypes a complete nested pickle of the array. The unpickler's BUILD hook calls
 * pk_joblib_read_array, which consumes exactly those bytes through the vm's reader (zero copy: the
 * array borrows them) and returns the array that replaces the wrapper.
 *
 * Limits: pad length at most 16 (joblib writes 1..16) with every pad byte 0xFF, anything else is
 * treated as corruption; nested object pickles at most PK_JOBLIB_MAX_NESTING deep; the legacy
 * multi-file NDArrayWrapper / ZNDArrayWrapper (data in a sibling .npy file) cannot be decoded
 * from one blob: such a wrapper is left as the inert object it is, its state naming the file.
 *
 * Only the outermost stream is read this way: joblib loads the nested pickle of an object array
 * with plain pickle.load, so inside it a NumpyArrayWrapper is an ordinary object (pk_globals.c
 * reads arrays only at nesting 0) and the bytes after it are opcodes.
 */
#include "pk_ndarray.h"
#include "pk_vm.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PK_JOBLIB_MAX_NESTING 4
#define PK_JOBLIB_MAX_PAD     16

static int is_joblib_module(const char *m) {
    return strcmp(m, "joblib.numpy_pickle") == 0 || strcmp(m, "joblib.numpy_pickle_compat") == 0 ||
           strcmp(m, "sklearn.externals.joblib.numpy_pickle") == 0;
}

static const pk_value *wrapper_class(const pk_value *obj) {
    if (!obj || obj->kind != PK_OBJECT) return NULL;
    const pk_value *cls = obj->u.o.cls;
    if (!cls || cls->kind != PK_GLOBAL || !is_joblib_module(cls->u.g.module)) return NULL;
    return cls;
}

/* joblib < 0.10 multi-file dumps: the array lives in a sibling .npy / .z file. */
static int is_legacy(const pk_value *cls) {
    return strcmp(cls->u.g.name, "NDArrayWrapper") == 0 ||
           strcmp(cls->u.g.name, "ZNDArrayWrapper") == 0;
}

int pk_joblib_is_wrapper(const pk_value *obj) {
    const pk_value *cls = wrapper_class(obj);
    return cls && (strcmp(cls->u.g.name, "NumpyArrayWrapper") == 0 || is_legacy(cls));
}

/* Error positioned at byte `pos` of the stream being read. */
static pk_code jfail(pk_vm *vm, pk_code code, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static pk_code jfail(pk_vm *vm, pk_code code, size_t pos, const char *fmt, ...) {
    char body[PK_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    int64_t off = vm->r.base + (int64_t)pos;
    return pk_err_set(vm->err, code, off, -1, "%s: joblib array at offset %" PRId64 ": %s",
                      pk_code_label(code), off, body);
}

/* Skips the alignment padding: one length byte, then that many 0xFF bytes. */
static pk_code read_pad(pk_vm *vm) {
    pk_reader *r = &vm->r;
    size_t at = r->pos;
    if (pk_reader_available(r) < 1)
        return jfail(vm, PK_ETRUNC, at, "stream ends before the padding byte");
    uint8_t pad;
    if (pk_read_u8(r, &pad) != PK_OK) return vm->err->code;
    if (pad > PK_JOBLIB_MAX_PAD)
        return jfail(vm, PK_EJOBLIB, at, "padding length %u, expected 0 to %d", pad,
                     PK_JOBLIB_MAX_PAD);
    if (pk_reader_available(r) < pad)
        return jfail(vm, PK_ETRUNC, r->pos, "stream ends inside the %u padding bytes", pad);
    const uint8_t *p;
    if (pk_read_bytes(r, pad, &p) != PK_OK) return vm->err->code;
    for (unsigned k = 0; k < pad; k++)
        if (p[k] != 0xFF)
            return jfail(vm, PK_EJOBLIB, at + 1 + k, "padding byte is 0x%02x, expected 0xff", p[k]);
    return PK_OK;
}

static pk_code read_nested(pk_vm *vm, pk_value **out) {
    size_t at = vm->r.pos;
    if (vm->nesting + 1 > PK_JOBLIB_MAX_NESTING)
        return jfail(vm, PK_ELIMIT, at, "object arrays nested more than %d deep",
                     PK_JOBLIB_MAX_NESTING);
    pk_value *val = NULL;
    PK_TRY(pk_vm_run(vm->doc, &vm->r, vm->nesting + 1, &val));
    if (!val || val->kind != PK_NDARRAY || !val->u.arr->complete)
        return jfail(vm, PK_EJOBLIB, at, "nested pickle of an object array holds no array");
    val->u.arr->form = PK_ARR_JOBLIB;
    *out = val;
    return PK_OK;
}

pk_code pk_joblib_read_array(pk_vm *vm, const pk_value *wrapper, pk_value **out) {
    const pk_value *cls = wrapper_class(wrapper);
    size_t at = vm->r.pos;
    if (!cls) return jfail(vm, PK_EJOBLIB, at, "not a joblib array wrapper");
    if (is_legacy(cls)) {
        /* its data is in another file: keep the wrapper (its state names the file) */
        *out = (pk_value *)wrapper;
        return PK_OK;
    }
    pk_reader_settle(&vm->r); /* joblib ends the frame right before the raw bytes */
    if (vm->r.in_frame)
        return jfail(vm, PK_EJOBLIB, at, "array data would lie inside a pickle frame");
    pk_value *dtype = pk_attr(wrapper, "dtype");
    const pk_value *shape = pk_attr(wrapper, "shape");
    const pk_value *order = pk_attr(wrapper, "order");
    const pk_value *align = pk_attr(wrapper, "numpy_array_alignment_bytes");
    if (!dtype || dtype->kind != PK_DTYPE) return jfail(vm, PK_EJOBLIB, at, "wrapper has no dtype");
    if (!shape || shape->kind != PK_TUPLE)
        return jfail(vm, PK_EJOBLIB, at, "wrapper has no shape tuple");
    if (shape->u.seq.len > PK_MAX_DIMS)
        return jfail(vm, PK_ENUMPY, at, "array has %zu dimensions, at most %d are supported",
                     shape->u.seq.len, PK_MAX_DIMS);
    int fortran = 0;
    if (order && order->kind == PK_STR && strcmp(order->u.s.ptr, "F") == 0)
        fortran = 1;
    else if (order && !(order->kind == PK_STR && strcmp(order->u.s.ptr, "C") == 0))
        return jfail(vm, PK_EJOBLIB, at, "wrapper order is not 'C' or 'F'");
    vm->doc->joblib = 1;
    /* from here on joblib reads raw bytes where plain pickle.loads reads opcodes (pk_scan.c) */
    if (vm->nesting == 0 && vm->r.pos < vm->doc->plain_diverge) vm->doc->plain_diverge = vm->r.pos;

    pk_value *arr = NULL;
    if (dtype->u.dt->kind != 'O' && pk_dtype_has_object(dtype->u.dt))
        return jfail(vm, PK_EUNSUPPORTED, at,
                     "structured dtype with object fields (joblib would read a nested pickle)");
    if (dtype->u.dt->kind == 'O') {
        PK_TRY(read_nested(vm, &arr));
    } else {
        int64_t dims[PK_MAX_DIMS];
        int ndim = (int)shape->u.seq.len;
        size_t nbytes = dtype->u.dt->itemsize;
        for (int k = 0; k < ndim; k++) {
            const pk_value *d = shape->u.seq.items[k];
            if (d->kind != PK_INT || d->u.i < 0)
                return jfail(vm, PK_EJOBLIB, at, "wrapper shape holds a bad dimension");
            dims[k] = d->u.i;
            if (pk_mul_overflow(nbytes, (size_t)d->u.i, &nbytes))
                return jfail(vm, PK_ENUMPY, at, "array is too big");
        }
        if (align && align->kind != PK_NONE) {
            PK_TRY(read_pad(vm));
        }
        size_t data_at = vm->r.pos, avail = pk_reader_available(&vm->r);
        if (avail < nbytes)
            return jfail(vm, PK_ETRUNC, data_at, "data needs %zu bytes, %zu remain", nbytes, avail);
        const uint8_t *data;
        if (pk_read_bytes(&vm->r, nbytes, &data) != PK_OK) return vm->err->code;
        arr = pk_np_array_from_data(vm->ar, dtype, ndim, dims, fortran, data, nbytes, vm->err);
        if (!arr) {
            /* reposition the helper's unpositioned message at the data */
            pk_err e = *vm->err;
            pk_err_clear(vm->err);
            return jfail(vm, e.code, data_at, "%s", e.msg);
        }
    }
    pk_value *sub = pk_attr(wrapper, "subclass");
    if (sub && sub->kind == PK_GLOBAL) arr->u.arr->subclass = sub;
    *out = arr;
    return PK_OK;
}
