/*
 * pk_verdict.c - argument checks of allowlisted calls (see pk_verdict.h, docs/security.md).
 *
 * What Python would do with each checked call, and why it is bounded or refused:
 *   list/tuple/set/frozenset/dict/OrderedDict(range(n)), and the same through __new__ or
 *   copyreg._reconstructor: materialises n items -> counted against the budget.
 *   bytes/bytearray(n) and bytes.__new__(bytes, n): n zero bytes -> counted. bytes(range(n))
 *   likewise. bytes/bytearray(str, encoding): only Latin-1 names (other codecs are lookups of
 *   arbitrary encodings).
 *   _codecs.encode(str, 'latin1' | 'latin-1') only: other codecs, other arity -> unsafe.
 *   numpy.ndarray / numpy.matrix called (or __new__): an uninitialised array of any shape, which
 *   numpy's own pickles never do (they pass the type to _reconstruct) -> unsafe.
 *   numpy _reconstruct(type, shape, dtype): allocates prod(shape) items -> counted.
 *   numpy scalar(dtype[, data]): data must be bytes (or Latin-1 text) of exactly itemsize bytes
 *   and the dtype must not hold objects or carry the object/pointer flags numpy would follow.
 *   A dtype's BUILD: the flags numpy takes from the pickle (kinds S, U, V, M, m) must be those
 *   it computes for the layout (pk_verdict_dtype_flags).
 *   xgboost.core.Booster called with arguments (REDUCE, INST or OBJ), or as the base of
 *   copyreg._reconstructor: Booster(params, cache, model_file) runs Booster.__init__, which
 *   reads the model file the pickle names (any path) -> unsafe. XGBoost's own pickles rebuild
 *   it without calling it (NEWOBJ / __newobj__: object.__new__, then __setstate__).
 */
#include "pk_verdict.h"

#include "pk_ndarray.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* numpy's dtype flag bits (ndarraytypes.h) */
#define NPY_ITEM_REFCOUNT   0x01
#define NPY_LIST_PICKLE     0x02
#define NPY_ITEM_IS_POINTER 0x04
#define NPY_NEEDS_INIT      0x08
#define NPY_NEEDS_PYAPI     0x10
#define NPY_ALIGNED_STRUCT  0x80
#define NPY_FROM_FIELDS     (NPY_NEEDS_INIT | NPY_LIST_PICKLE | NPY_ITEM_REFCOUNT | NPY_NEEDS_PYAPI)
#define NPY_OBJECT_FLAGS    0x3f

#define HUGE UINT64_MAX

uint64_t pk_verdict_budget(size_t n) {
    uint64_t b = PK_VERDICT_BUDGET_BASE;
    if (n > (PK_VERDICT_BUDGET_MAX - b) / PK_VERDICT_BUDGET_RATIO) return PK_VERDICT_BUDGET_MAX;
    b += (uint64_t)n * PK_VERDICT_BUDGET_RATIO;
    return b < PK_VERDICT_BUDGET_MAX ? b : PK_VERDICT_BUDGET_MAX;
}

static uint64_t sat_add(uint64_t a, uint64_t b) {
    return a > HUGE - b ? HUGE : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b) {
    return b && a > HUGE / b ? HUGE : a * b;
}

/* An int argument: 1 with *v set; 0 when not an int; *big set for ints beyond int64. */
static int int_arg(const pk_value *v, int64_t *out, int *big) {
    *big = 0;
    if (v->kind == PK_INT) {
        *out = v->u.i;
        return 1;
    }
    if (v->kind == PK_BOOL) {
        *out = v->u.b != 0;
        return 1;
    }
    if (v->kind == PK_BIGINT) {
        *big = 1;
        return 1;
    }
    return 0;
}

/* len(range(*args)): HUGE when an argument is a big int, 0 when Python raises. */
static uint64_t range_len(const pk_value *args) {
    if (!args || args->kind != PK_TUPLE || args->u.seq.len < 1 || args->u.seq.len > 3) return 0;
    int64_t v[3] = {0, 0, 1};
    size_t n = args->u.seq.len;
    for (size_t k = 0; k < n; k++) {
        int big;
        int64_t x;
        if (!int_arg(args->u.seq.items[k], &x, &big)) return 0;
        if (big) return HUGE;
        v[n == 1 ? 1 : k] = x;
    }
    int64_t start = v[0], stop = v[1], step = v[2];
    if (step == 0) return 0;
    uint64_t span, ustep;
    if (step > 0) {
        if (stop <= start) return 0;
        span = (uint64_t)stop - (uint64_t)start;
        ustep = (uint64_t)step;
    } else {
        if (stop >= start) return 0;
        span = (uint64_t)start - (uint64_t)stop;
        ustep = (uint64_t)0 - (uint64_t)step;
    }
    return (span - 1) / ustep + 1;
}

static int is_range(const pk_value *v) {
    return v && v->kind == PK_OBJECT && pk_global_is(v->u.o.cls, "builtins", "range");
}

static int text_is(const pk_value *v, const char *s) {
    return v && v->kind == PK_STR && strcmp(v->u.s.ptr, s) == 0;
}

static int latin1_alias(const pk_value *v) {
    static const char *const names[] = {"latin1",     "latin-1",   "latin_1",
                                        "iso-8859-1", "iso8859-1", "l1"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (text_is(v, names[k])) return 1;
    return 0;
}

/* Records the call as unsafe: "<why> (offset N)". */
static pk_code refuse(pk_vm *vm, const pk_value *callable, int *unsafe, const char *why) {
    *unsafe = 1;
    const pk_global *g = &callable->u.g;
    if (pk_doc_mark_unsafe(vm->doc, g->module, g->name, "%s (the call at offset %lld)", why,
                           (long long)(vm->r.base + (int64_t)vm->r.op_pos)))
        return pk_err_nomem(vm->err, -1);
    return PK_OK;
}

/* Adds `bytes` to the stream's allocation count; refuses past the budget. */
static pk_code charge(pk_vm *vm, const pk_value *callable, uint64_t bytes, int *unsafe) {
    uint64_t budget = pk_verdict_budget(vm->doc->stream_len);
    vm->doc->py_alloc = sat_add(vm->doc->py_alloc, bytes);
    if (bytes <= budget && vm->doc->py_alloc <= budget) return PK_OK;
    char why[200];
    if (bytes == HUGE)
        snprintf(why, sizeof why, "makes Python allocate an unbounded amount of memory");
    else
        snprintf(why, sizeof why,
                 "makes Python allocate %" PRIu64 " bytes (%" PRIu64
                 " in all so far), over the budget of %" PRIu64 " bytes for this pickle",
                 bytes, vm->doc->py_alloc, budget);
    return refuse(vm, callable, unsafe, why);
}

/* Python's cost of materialising n ints from a range: a pointer each, plus an int object for
 * values outside the small-int cache. */
static uint64_t items_cost(uint64_t n) {
    return sat_mul(n, 40);
}

typedef enum kind {
    K_NONE,
    K_CONTAINER, /* list, tuple, set, frozenset, dict, OrderedDict, defaultdict */
    K_BYTES,     /* bytes, bytearray */
    K_CODECS,
    K_NDARRAY,
    K_RECONSTRUCT,
    K_SCALAR,
    K_RECONSTRUCTOR,
    K_XGB_BOOSTER
} kind;

static kind lookup_kind(const pk_value *c) {
    const char *m = c->u.g.module, *n = c->u.g.name;
    if (strcmp(m, "builtins") == 0) {
        if (!strcmp(n, "list") || !strcmp(n, "tuple") || !strcmp(n, "set") ||
            !strcmp(n, "frozenset") || !strcmp(n, "dict"))
            return K_CONTAINER;
        if (!strcmp(n, "bytes") || !strcmp(n, "bytearray")) return K_BYTES;
        return K_NONE;
    }
    if (strcmp(m, "collections") == 0)
        return !strcmp(n, "OrderedDict") || !strcmp(n, "defaultdict") ? K_CONTAINER : K_NONE;
    if (strcmp(m, "_codecs") == 0) return !strcmp(n, "encode") ? K_CODECS : K_NONE;
    if (strcmp(m, "copyreg") == 0) return !strcmp(n, "_reconstructor") ? K_RECONSTRUCTOR : K_NONE;
    if (strcmp(m, "numpy") == 0)
        return !strcmp(n, "ndarray") || !strcmp(n, "matrix") ? K_NDARRAY : K_NONE;
    if (strncmp(m, "numpy.", 6) == 0) {
        if (!strcmp(n, "_reconstruct")) return K_RECONSTRUCT;
        if (!strcmp(n, "scalar")) return K_SCALAR;
    }
    if (strcmp(m, "xgboost.core") == 0 && strcmp(n, "Booster") == 0) return K_XGB_BOOSTER;
    return K_NONE;
}

/* The kind of callable c, looked up once per global node (a pickle memoizes its globals, so the
 * same node is called again and again: every tree of a forest, every array). */
static kind kind_of(const pk_value *c) {
    if (!c || c->kind != PK_GLOBAL) return K_NONE;
    if (c->u.g.vkind == 0) ((pk_value *)c)->u.g.vkind = (int)lookup_kind(c) + 1;
    return (kind)(c->u.g.vkind - 1);
}

/* Kinds whose pickled flags numpy keeps (the others' come from the type). */
static int flags_trusted(const pk_dtype *dt) {
    return dt->kind == 'S' || dt->kind == 'U' || dt->kind == 'V' || dt->kind == 'M' ||
           dt->kind == 'm';
}

int pk_verdict_dtype_flags(const pk_dtype *dt) {
    if (dt->nfields) {
        int f = NPY_NEEDS_PYAPI;
        for (size_t k = 0; k < dt->nfields; k++)
            f |= pk_verdict_dtype_flags(dt->fields[k].dtype->u.dt) & NPY_FROM_FIELDS;
        return f;
    }
    if (dt->sub_base) return pk_verdict_dtype_flags(dt->sub_base->u.dt);
    if (dt->kind == 'O') return NPY_OBJECT_FLAGS;
    if (dt->kind == 'U') return NPY_NEEDS_INIT;
    return 0;
}

static pk_code check_scalar(pk_vm *vm, const pk_value *callable, const pk_value *args,
                            int *unsafe) {
    size_t n = args->u.seq.len;
    if (n < 1 || n > 2 || args->u.seq.items[0]->kind != PK_DTYPE) return PK_OK; /* raises */
    const pk_dtype *dt = args->u.seq.items[0]->u.dt;
    if (pk_dtype_has_object(dt))
        return refuse(vm, callable, unsafe, "numpy scalar of a dtype holding objects");
    if (flags_trusted(dt) &&
        (dt->flags & (NPY_ITEM_REFCOUNT | NPY_LIST_PICKLE | NPY_ITEM_IS_POINTER)))
        return refuse(vm, callable, unsafe,
                      "numpy scalar of a dtype whose flags make numpy follow pointers or "
                      "unpickle objects");
    if (n == 2) {
        const pk_value *d = args->u.seq.items[1];
        size_t len = d->kind == PK_BYTES || d->kind == PK_STR ? d->u.s.len : (size_t)-1;
        if (d->kind == PK_STR) { /* numpy encodes text as Latin-1: one byte per character */
            len = 0;
            for (size_t i = 0; i < d->u.s.len; i++)
                len += (d->u.s.ptr[i] & 0xC0) != 0x80;
        }
        if (len != dt->itemsize)
            return refuse(vm, callable, unsafe,
                          "numpy scalar data is not exactly its dtype's item size");
    }
    return charge(vm, callable, dt->itemsize, unsafe);
}

static pk_code check_reconstruct(pk_vm *vm, const pk_value *callable, const pk_value *args,
                                 int *unsafe) {
    if (args->u.seq.len < 2) return PK_OK;
    const pk_value *shape = args->u.seq.items[1];
    uint64_t count = 1;
    int64_t d;
    int big;
    if (int_arg(shape, &d, &big)) {
        count = big ? HUGE : d < 0 ? 0 : (uint64_t)d;
    } else if (shape->kind == PK_TUPLE || shape->kind == PK_LIST) {
        for (size_t k = 0; k < shape->u.seq.len; k++) {
            if (!int_arg(shape->u.seq.items[k], &d, &big)) return PK_OK; /* raises */
            count = big ? HUGE : sat_mul(count, d < 0 ? 0 : (uint64_t)d);
        }
    } else {
        return PK_OK;
    }
    uint64_t itemsize = 1;
    if (args->u.seq.len >= 3 && args->u.seq.items[2]->kind == PK_DTYPE)
        itemsize = args->u.seq.items[2]->u.dt->itemsize;
    return charge(vm, callable, sat_mul(count, itemsize ? itemsize : 1), unsafe);
}

/* The cost of `args` given to a container or bytes constructor (REDUCE or __new__). */
static pk_code check_sized(pk_vm *vm, const pk_value *callable, kind k, const pk_value *args,
                           int *unsafe) {
    size_t n = args->u.seq.len;
    uint64_t cost = 0;
    for (size_t i = 0; i < n; i++) {
        const pk_value *a = args->u.seq.items[i];
        int64_t v;
        int big;
        if (is_range(a)) {
            uint64_t len = range_len(a->u.o.args);
            cost = sat_add(cost, k == K_BYTES ? len : items_cost(len));
        } else if (k == K_BYTES && i == 0 && int_arg(a, &v, &big)) {
            cost = sat_add(cost, big ? HUGE : v < 0 ? 0 : (uint64_t)v);
        }
    }
    if (k == K_BYTES && n >= 2 && args->u.seq.items[0]->kind == PK_STR &&
        !latin1_alias(args->u.seq.items[1]))
        return refuse(vm, callable, unsafe,
                      "bytes/bytearray of text with an encoding other than Latin-1");
    return cost ? charge(vm, callable, cost, unsafe) : PK_OK;
}

pk_code pk_verdict_check_call(pk_vm *vm, const pk_value *callable, const pk_value *args, int newobj,
                              int *unsafe) {
    *unsafe = 0;
    if (!args || args->kind != PK_TUPLE) return PK_OK;
    kind k = kind_of(callable);
    switch (k) {
    case K_CONTAINER:
    case K_BYTES:
        return check_sized(vm, callable, k, args, unsafe);
    case K_CODECS:
        if (newobj || args->u.seq.len != 2 || args->u.seq.items[0]->kind != PK_STR ||
            !(text_is(args->u.seq.items[1], "latin1") || text_is(args->u.seq.items[1], "latin-1")))
            return refuse(vm, callable, unsafe, "allowed only as encode(text, 'latin1')");
        return PK_OK;
    case K_NDARRAY:
        return refuse(vm, callable, unsafe,
                      "numpy.ndarray called directly makes an uninitialised array of any shape; "
                      "numpy's pickles only pass the type to _reconstruct");
    case K_RECONSTRUCT:
        return newobj ? PK_OK : check_reconstruct(vm, callable, args, unsafe);
    case K_SCALAR:
        return newobj ? PK_OK : check_scalar(vm, callable, args, unsafe);
    case K_XGB_BOOSTER:
        /* Booster.__new__ is object.__new__: it ignores its arguments and runs no __init__ */
        if (newobj || args->u.seq.len == 0) return PK_OK;
        return refuse(vm, callable, unsafe,
                      "xgboost.core.Booster called with constructor arguments makes Python run "
                      "Booster.__init__, which can read any model file named in the pickle "
                      "(XGBoost's pickles never pass arguments)");
    case K_RECONSTRUCTOR: {
        /* base.__new__(cls, state) and base.__init__(obj, state) */
        if (newobj || args->u.seq.len != 3) return PK_OK;
        const pk_value *base = args->u.seq.items[1];
        pk_value one = {0};
        pk_value *item = args->u.seq.items[2];
        one.kind = PK_TUPLE;
        one.u.seq.items = &item;
        one.u.seq.len = 1;
        kind bk = kind_of(base);
        if (bk == K_CONTAINER || bk == K_BYTES) return check_sized(vm, base, bk, &one, unsafe);
        if (bk == K_NDARRAY)
            return refuse(vm, base, unsafe,
                          "numpy.ndarray constructed by copyreg._reconstructor "
                          "of an uninitialised array");
        if (bk == K_XGB_BOOSTER)
            return refuse(vm, base, unsafe,
                          "xgboost.core.Booster as the base of copyreg._reconstructor makes "
                          "Python run Booster.__init__ with the pickled state as its arguments");
        return PK_OK;
    }
    default:
        return PK_OK;
    }
}

pk_code pk_verdict_check_dtype(pk_vm *vm, const pk_value *dtype) {
    const pk_dtype *dt = dtype->u.dt;
    const pk_value *st = dt->state;
    if (!st || st->kind != PK_TUPLE || st->u.seq.len < 8 || !flags_trusted(dt)) return PK_OK;
    int want = pk_verdict_dtype_flags(dt);
    if (dt->flags == (int8_t)want ||
        (dt->nfields && dt->flags == (int8_t)(want | NPY_ALIGNED_STRUCT)))
        return PK_OK;
    if (pk_doc_mark_unsafe(vm->doc, "numpy", "dtype",
                           "dtype state flags %d at offset %lld differ from the flags %d numpy "
                           "computes for this layout (numpy would trust them)",
                           (int)dt->flags, (long long)vm->r.op_pos, (int)(int8_t)want))
        return pk_err_nomem(vm->err, -1);
    return PK_OK;
}
