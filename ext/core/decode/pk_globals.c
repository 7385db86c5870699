/*
 * pk_globals.c - the allowlist: which (module, name) pairs are interpreted as data, and how
 * REDUCE / NEWOBJ / INST / BUILD behave on them (see pk_vm.h).
 *
 * Interpreted as data:
 *   builtins.set / frozenset / bytearray / bytes / complex      -> the container or number
 *   builtins.slice / range and builtins type references        -> inert objects (safe)
 *   collections.OrderedDict / defaultdict                      -> PK_DICT with its class
 *   copyreg._reconstructor / __newobj__ / __newobj_ex__         -> the object they construct
 *   _codecs.encode(text, 'latin1')                              -> bytes
 *   numpy array / dtype / scalar reconstructors (numpy.core and numpy._core) -> pk_ndarray.c
 *   joblib.numpy_pickle.NumpyArrayWrapper + BUILD              -> the array (pk_joblib.c)
 * Allowed (safe to load in Python) but kept inert: numpy.random state constructors and the
 * library classes of the catalogue (pk_catalogue.h).
 * Everything else becomes an inert PK_OBJECT; pickle_info lists it as unsafe.
 * Every call of an allowlisted global has its arguments checked first (pk_verdict.c): a call
 * Python would not handle safely (unbounded allocation, other codecs, forged dtype flags...)
 * makes the global unsafe and stays an inert object.
 */
#include "pk_catalogue.h"
#include "pk_ndarray.h"
#include "pk_verdict.h"
#include "pk_vm.h"

#include <string.h>

typedef enum interp {
    I_NONE,
    I_SET,
    I_FROZENSET,
    I_BYTEARRAY,
    I_BYTES,
    I_COMPLEX,
    I_ODICT,
    I_DEFAULTDICT,
    I_RECONSTRUCTOR,
    I_NEWOBJ,
    I_NEWOBJ_EX,
    I_CODECS_ENCODE,
    I_NP_RECONSTRUCT,
    I_NP_FROMBUFFER,
    I_NP_DTYPE,
    I_NP_SCALAR,
    I_GETATTR,
    I_INERT /* allowed, no interpretation */
} interp;

typedef struct rule {
    const char *module;
    const char *name;
    interp how;
    int unsafe; /* interpreted as a name here, but Python would call it: not allowlisted */
} rule;

static const rule rules[] = {
    {"builtins", "set", I_SET, 0},
    {"builtins", "frozenset", I_FROZENSET, 0},
    {"builtins", "bytearray", I_BYTEARRAY, 0},
    {"builtins", "bytes", I_BYTES, 0},
    {"builtins", "complex", I_COMPLEX, 0},
    {"builtins", "slice", I_INERT, 0},
    {"builtins", "range", I_INERT, 0},
    {"builtins", "object", I_INERT, 0},
    {"builtins", "list", I_INERT, 0},
    {"builtins", "dict", I_INERT, 0},
    {"builtins", "tuple", I_INERT, 0},
    {"builtins", "int", I_INERT, 0},
    {"builtins", "float", I_INERT, 0},
    {"builtins", "str", I_INERT, 0},
    {"builtins", "bool", I_INERT, 0},
    {"builtins", "NoneType", I_INERT, 0},
    {"collections", "OrderedDict", I_ODICT, 0},
    {"collections", "defaultdict", I_DEFAULTDICT, 0},
    {"copyreg", "_reconstructor", I_RECONSTRUCTOR, 0},
    {"copyreg", "__newobj__", I_NEWOBJ, 0},
    {"copyreg", "__newobj_ex__", I_NEWOBJ_EX, 0},
    {"_codecs", "encode", I_CODECS_ENCODE, 0},
    {"numpy.core.multiarray", "_reconstruct", I_NP_RECONSTRUCT, 0},
    {"numpy._core.multiarray", "_reconstruct", I_NP_RECONSTRUCT, 0},
    {"numpy.core._multiarray_umath", "_reconstruct", I_NP_RECONSTRUCT, 0},
    {"numpy._core._multiarray_umath", "_reconstruct", I_NP_RECONSTRUCT, 0},
    {"numpy.core._internal", "_reconstruct", I_NP_RECONSTRUCT, 0},
    {"numpy.core.multiarray", "scalar", I_NP_SCALAR, 0},
    {"numpy._core.multiarray", "scalar", I_NP_SCALAR, 0},
    {"numpy.core._multiarray_umath", "scalar", I_NP_SCALAR, 0},
    {"numpy._core._multiarray_umath", "scalar", I_NP_SCALAR, 0},
    {"numpy.core.numeric", "_frombuffer", I_NP_FROMBUFFER, 0},
    {"numpy._core.numeric", "_frombuffer", I_NP_FROMBUFFER, 0},
    {"numpy", "dtype", I_NP_DTYPE, 0},
    {"numpy", "ndarray", I_INERT, 0},
    {"numpy", "matrix", I_INERT, 0},
    {"numpy.random._pickle", "__randomstate_ctor", I_INERT, 0},
    {"numpy.random._pickle", "__bit_generator_ctor", I_INERT, 0},
    {"numpy.random._pickle", "__generator_ctor", I_INERT, 0},
    {"joblib.numpy_pickle", "NumpyArrayWrapper", I_INERT, 0},
    /* getattr(Outer, 'Inner') is how protocols < 4 name a nested class: resolved as the name
     * Outer.Inner, while pickle_info still reports builtins.getattr as unsafe. */
    {"builtins", "getattr", I_GETATTR, 1},
};

static const rule *find_rule(const char *module, const char *name) {
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].module, module) == 0 && strcmp(rules[i].name, name) == 0)
            return &rules[i];
    return NULL;
}

int pk_global_allowed(const char *module, const char *name) {
    const rule *r = find_rule(module, name);
    if (r) return !r->unsafe;
    /* numpy scalar and dtype classes (numpy.float64, numpy.dtypes.Float64DType, ...) are data */
    if (strcmp(module, "numpy") == 0 || strcmp(module, "numpy.dtypes") == 0) {
        static const char *const np_types[] = {
            "bool_",      "int8",   "int16",   "int32",   "int64",   "uint8",      "uint16",
            "uint32",     "uint64", "float16", "float32", "float64", "longdouble", "complex64",
            "complex128", "str_",   "bytes_",  "void",    "object_", "datetime64", "timedelta64",
            "record",     "intc",   "uintc",   "int_",    "uint",    "longlong",   "ulonglong",
            "half",       "single", "double"};
        for (size_t i = 0; i < sizeof np_types / sizeof np_types[0]; i++)
            if (strcmp(name, np_types[i]) == 0) return 1;
        if (strcmp(module, "numpy.dtypes") == 0 && strlen(name) > 5 &&
            strcmp(name + strlen(name) - 5, "DType") == 0)
            return 1;
    }
    return pk_catalogue_tier(module, name) != PK_TIER_UNKNOWN;
}

int pk_global_tier(const char *module, const char *name) {
    pk_tier t = pk_catalogue_tier(module, name);
    if (t != PK_TIER_UNKNOWN) return t;
    return pk_global_allowed(module, name) ? PK_TIER_SAFE : PK_TIER_UNKNOWN;
}

/* The interpretation of a callable; the rule lookup is cached in the global node (a global
 * pushed once and fetched from the memo many times is looked up once). */
static interp interp_of(const pk_value *callable) {
    if (!callable || callable->kind != PK_GLOBAL) return I_NONE;
    pk_global *g = (pk_global *)&callable->u.g;
    if (g->rule == 0) {
        const rule *r = find_rule(g->module, g->name);
        g->rule = r ? (int)(r - rules) + 1 : -1;
    }
    return g->rule > 0 ? rules[g->rule - 1].how : I_NONE;
}

static pk_code bad(pk_vm *vm, const char *what) {
    return pk_err_set(vm->err, PK_EVALUE, -1, -1, "%s", what);
}

static pk_code make_set(pk_vm *vm, pk_kind kind, pk_value *args, pk_value **out) {
    pk_value *s = pk_new_seq(vm->ar, kind, 0);
    if (!s) return pk_err_nomem(vm->err, -1);
    if (args->u.seq.len > 1) return bad(vm, "set() takes at most 1 argument");
    if (args->u.seq.len == 1) {
        pk_value *it = args->u.seq.items[0];
        if (!pk_is_seq(it)) return bad(vm, "set() argument must be a list, tuple or set");
        for (size_t i = 0; i < it->u.seq.len; i++) {
            PK_TRY(pk_seq_append(vm->ar, s, it->u.seq.items[i], vm->err));
        }
    }
    *out = s;
    return PK_OK;
}

/* Latin-1 encoding of a str's code points (for _codecs.encode and bytearray(str, 'latin-1')). */
static pk_code latin1(pk_vm *vm, const pk_value *str, pk_kind kind, pk_value **out) {
    const uint8_t *s = (const uint8_t *)str->u.s.ptr;
    size_t n = str->u.s.len, o = 0;
    uint8_t *b = pk_arena_alloc(vm->ar, n + 1);
    if (!b) return pk_err_nomem(vm->err, -1);
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        if (c < 0x80) {
            b[o++] = c;
            i++;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < n && c <= 0xC3) {
            b[o++] = (uint8_t)(((c & 0x1F) << 6) | (s[i + 1] & 0x3F));
            i += 2;
        } else {
            return bad(vm, "text to encode as latin-1 has a character above U+00FF");
        }
    }
    b[o] = 0;
    pk_value *v = pk_new_bytes(vm->ar, kind, b, o, 1);
    if (!v) return pk_err_nomem(vm->err, -1);
    *out = v;
    return PK_OK;
}

static int is_latin1_name(const pk_value *v) {
    if (!v || v->kind != PK_STR) return 0;
    const char *s = v->u.s.ptr;
    return strcmp(s, "latin1") == 0 || strcmp(s, "latin-1") == 0 || strcmp(s, "latin_1") == 0 ||
           strcmp(s, "iso-8859-1") == 0 || strcmp(s, "iso8859-1") == 0 || strcmp(s, "l1") == 0;
}

static pk_code inert(pk_vm *vm, pk_value *cls, pk_value *args, pk_objhow how, pk_value **out) {
    pk_value *o = pk_new_object(vm->ar, cls, args, how);
    if (!o) return pk_err_nomem(vm->err, -1);
    *out = o;
    return PK_OK;
}

/* A dict-like: OrderedDict(pairs) / defaultdict(factory[, pairs]). */
static pk_code make_dict(pk_vm *vm, pk_value *cls, pk_value *args, int is_default, pk_value **out) {
    pk_value *d = pk_new_dict(vm->ar, 0);
    if (!d) return pk_err_nomem(vm->err, -1);
    d->u.d.cls = cls;
    size_t k = 0;
    if (is_default && args->u.seq.len > 0) d->u.d.default_factory = args->u.seq.items[k++];
    if (args->u.seq.len > k + 1) return bad(vm, "too many arguments for a dict");
    if (args->u.seq.len == k + 1) {
        pk_value *src = args->u.seq.items[k];
        if (src->kind == PK_DICT) {
            for (size_t i = 0; i < src->u.d.len; i++) {
                PK_TRY(pk_dict_set(vm->ar, d, src->u.d.keys[i], src->u.d.vals[i], vm->err));
            }
        } else if (pk_is_seq(src)) {
            for (size_t i = 0; i < src->u.seq.len; i++) {
                pk_value *pair = src->u.seq.items[i];
                if (!(pair->kind == PK_LIST || pair->kind == PK_TUPLE) || pair->u.seq.len != 2)
                    return bad(vm, "dict items must be (key, value) pairs");
                pk_code c =
                    pk_dict_set(vm->ar, d, pair->u.seq.items[0], pair->u.seq.items[1], vm->err);
                if (c) return c;
            }
        } else {
            return bad(vm, "unsupported argument for a dict");
        }
    }
    *out = d;
    return PK_OK;
}

pk_code pk_globals_newobj(pk_vm *vm, pk_value *cls, pk_value *args, pk_value *kwargs,
                          pk_value **out) {
    interp how = interp_of(cls);
    int unsafe = 0;
    PK_TRY(pk_verdict_check_call(vm, cls, args, 1, &unsafe));
    if (unsafe) how = I_NONE; /* judged unsafe: kept inert */
    if (!kwargs || kwargs->u.d.len == 0) {
        switch (how) {
        case I_SET:
            return make_set(vm, PK_SET, args, out);
        case I_FROZENSET:
            return make_set(vm, PK_FROZENSET, args, out);
        case I_ODICT:
            return make_dict(vm, cls, args, 0, out);
        case I_DEFAULTDICT:
            return make_dict(vm, cls, args, 1, out);
        default:
            break;
        }
    }
    pk_code c = inert(vm, cls, args, PK_HOW_NEWOBJ, out);
    if (c == PK_OK && kwargs && kwargs->u.d.len) (*out)->u.o.kwargs = kwargs;
    return c;
}

pk_code pk_globals_inst(pk_vm *vm, pk_value *cls, pk_value *args, pk_value **out) {
    int unsafe = 0;
    PK_TRY(pk_verdict_check_call(vm, cls, args, 0, &unsafe));
    return inert(vm, cls, args, PK_HOW_INST, out);
}

pk_code pk_globals_reduce(pk_vm *vm, pk_value *callable, pk_value *args, pk_value **out) {
    size_t n = args->u.seq.len;
    pk_value **a = args->u.seq.items;
    int unsafe = 0;
    PK_TRY(pk_verdict_check_call(vm, callable, args, 0, &unsafe));
    if (unsafe) return inert(vm, callable, args, PK_HOW_REDUCE, out); /* judged unsafe */
    switch (interp_of(callable)) {
    case I_SET:
        return make_set(vm, PK_SET, args, out);
    case I_FROZENSET:
        return make_set(vm, PK_FROZENSET, args, out);
    case I_BYTEARRAY:
    case I_BYTES: {
        pk_kind kind = interp_of(callable) == I_BYTES ? PK_BYTES : PK_BYTEARRAY;
        if (n == 0) {
            *out = pk_new_bytes(vm->ar, kind, (const uint8_t *)"", 0, 1);
            return *out ? PK_OK : pk_err_nomem(vm->err, -1);
        }
        if (n == 1 && (a[0]->kind == PK_BYTES || a[0]->kind == PK_BYTEARRAY)) {
            *out = pk_new_bytes(vm->ar, kind, (const uint8_t *)a[0]->u.s.ptr, a[0]->u.s.len, 1);
            return *out ? PK_OK : pk_err_nomem(vm->err, -1);
        }
        if (n == 2 && a[0]->kind == PK_STR && is_latin1_name(a[1]))
            return latin1(vm, a[0], kind, out);
        if (n == 1 && a[0]->kind == PK_LIST) {
            /* bytes([1, 2, 3]) */
            uint8_t *b = pk_arena_alloc(vm->ar, a[0]->u.seq.len + 1);
            if (!b) return pk_err_nomem(vm->err, -1);
            for (size_t i = 0; i < a[0]->u.seq.len; i++) {
                const pk_value *it = a[0]->u.seq.items[i];
                if (it->kind != PK_INT || it->u.i < 0 || it->u.i > 255)
                    return bad(vm, "bytes() items must be integers in range(256)");
                b[i] = (uint8_t)it->u.i;
            }
            *out = pk_new_bytes(vm->ar, kind, b, a[0]->u.seq.len, 1);
            return *out ? PK_OK : pk_err_nomem(vm->err, -1);
        }
        return bad(vm, "unsupported arguments for bytes()/bytearray()");
    }
    case I_COMPLEX: {
        double re = 0, im = 0;
        if (n > 2 || (n >= 1 && pk_as_f64(a[0], &re)) || (n == 2 && pk_as_f64(a[1], &im)))
            return bad(vm, "complex() takes up to two numbers");
        pk_value *v = pk_new(vm->ar, PK_COMPLEX);
        if (!v) return pk_err_nomem(vm->err, -1);
        v->u.c.re = re;
        v->u.c.im = im;
        *out = v;
        return PK_OK;
    }
    case I_ODICT:
        return make_dict(vm, callable, args, 0, out);
    case I_DEFAULTDICT:
        return make_dict(vm, callable, args, 1, out);
    case I_RECONSTRUCTOR: {
        /* copyreg._reconstructor(cls, base, state): object.__new__(cls) when base is object,
         * else base.__new__(cls, state) + base.__init__(obj, state). */
        if (n != 3) return bad(vm, "copyreg._reconstructor takes 3 arguments");
        PK_TRY(inert(vm, a[0], NULL, PK_HOW_INST, out));
        pk_value *base = a[1], *st = a[2];
        if (pk_global_is(base, "builtins", "object") || st->kind == PK_NONE) return PK_OK;
        if (pk_global_is(base, "builtins", "dict") && st->kind == PK_DICT) {
            (*out)->u.o.dictitems = st;
        } else if (pk_global_is(base, "builtins", "list") && st->kind == PK_LIST) {
            (*out)->u.o.items = st;
        } else {
            pk_value *t = pk_new_seq(vm->ar, PK_TUPLE, 1);
            if (!t) return pk_err_nomem(vm->err, -1);
            t->u.seq.items[0] = st;
            t->u.seq.len = 1;
            (*out)->u.o.args = t;
        }
        return PK_OK;
    }
    case I_NEWOBJ: {
        if (n < 1) return bad(vm, "copyreg.__newobj__ needs a class");
        pk_value *rest = pk_new_seq(vm->ar, PK_TUPLE, n - 1);
        if (!rest) return pk_err_nomem(vm->err, -1);
        if (n > 1) memcpy(rest->u.seq.items, a + 1, (n - 1) * sizeof *a);
        rest->u.seq.len = n - 1;
        return pk_globals_newobj(vm, a[0], rest, NULL, out);
    }
    case I_NEWOBJ_EX:
        if (n != 3 || a[1]->kind != PK_TUPLE || a[2]->kind != PK_DICT)
            return bad(vm, "copyreg.__newobj_ex__ takes (cls, args, kwargs)");
        return pk_globals_newobj(vm, a[0], a[1], a[2], out);
    case I_CODECS_ENCODE:
        if (n == 2 && a[0]->kind == PK_STR && is_latin1_name(a[1]))
            return latin1(vm, a[0], PK_BYTES, out);
        return inert(vm, callable, args, PK_HOW_REDUCE, out);
    case I_NP_RECONSTRUCT:
        *out = pk_np_reconstruct(vm->ar, args, &vm->np_placeholder, vm->err);
        return *out ? PK_OK : (vm->err->code ? vm->err->code : pk_err_nomem(vm->err, -1));
    case I_NP_FROMBUFFER:
        *out = pk_np_frombuffer(vm->ar, args, vm->err);
        return *out ? PK_OK : (vm->err->code ? vm->err->code : pk_err_nomem(vm->err, -1));
    case I_NP_DTYPE:
        *out = pk_np_dtype_new(vm->ar, args, vm->err);
        return *out ? PK_OK : (vm->err->code ? vm->err->code : pk_err_nomem(vm->err, -1));
    case I_NP_SCALAR:
        *out = pk_np_scalar(vm->ar, args, vm->err);
        return *out ? PK_OK : (vm->err->code ? vm->err->code : pk_err_nomem(vm->err, -1));
    case I_GETATTR: {
        if (n != 2 || a[0]->kind != PK_GLOBAL || a[1]->kind != PK_STR)
            return inert(vm, callable, args, PK_HOW_REDUCE, out);
        const pk_global *g = &a[0]->u.g;
        size_t len = g->name_len + 1 + a[1]->u.s.len;
        char *qual = pk_arena_alloc(vm->ar, len + 1);
        if (!qual) return pk_err_nomem(vm->err, -1);
        memcpy(qual, g->name, g->name_len);
        qual[g->name_len] = '.';
        memcpy(qual + g->name_len + 1, a[1]->u.s.ptr, a[1]->u.s.len);
        qual[len] = 0;
        *out = pk_new_global(vm->ar, g->module, g->module_len, qual, len);
        return *out ? PK_OK : pk_err_nomem(vm->err, -1);
    }
    default:
        return inert(vm, callable, args, PK_HOW_REDUCE, out);
    }
}

/* A new dict holding a's entries updated by b's (a second BUILD on the same object; neither
 * input is modified since either may be shared through the memo). */
static pk_value *merged_dict(pk_vm *vm, const pk_value *a, const pk_value *b) {
    pk_value *d = pk_new_dict(vm->ar, a->u.d.len + b->u.d.len);
    if (!d) return NULL;
    const pk_value *src[2] = {a, b};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < src[k]->u.d.len; i++)
            if (pk_dict_set(vm->ar, d, src[k]->u.d.keys[i], src[k]->u.d.vals[i], vm->err))
                return NULL;
    return d;
}

static int empty_state(const pk_value *st) {
    return st->kind == PK_NONE || (st->kind == PK_DICT && st->u.d.len == 0);
}

pk_code pk_globals_build(pk_vm *vm, pk_value **objp, pk_value *state) {
    pk_value *obj = *objp;
    char tn[96];
    switch (obj->kind) {
    case PK_NDARRAY:
        return pk_np_array_setstate(vm->ar, obj, state, vm->err);
    case PK_DTYPE: {
        pk_code c = pk_np_dtype_setstate(vm->ar, obj, state, vm->err);
        return c ? c : pk_verdict_check_dtype(vm, obj);
    }
    case PK_OBJECT:
        if (obj->u.o.state && obj->u.o.state->kind == PK_DICT && state->kind == PK_DICT) {
            pk_value *m = merged_dict(vm, obj->u.o.state, state);
            if (!m) return vm->err->code ? vm->err->code : pk_err_nomem(vm->err, -1);
            obj->u.o.state = m;
        } else {
            obj->u.o.state = state;
        }
        /* only joblib's own unpickler reads the array (not plain pickle, nor nested streams) */
        if (vm->nesting == 0 && !vm->doc->plain_reading && pk_joblib_is_wrapper(obj)) {
            pk_value *arr = NULL;
            PK_TRY(pk_joblib_read_array(vm, obj, &arr));
            *objp = arr;
        }
        return PK_OK;
    default:
        if (empty_state(state)) return PK_OK;
        return pk_err_set(vm->err, PK_EUNSUPPORTED, -1, -1,
                          "BUILD with a non-empty state on a %s is not supported",
                          pk_type_name(obj, tn, sizeof tn));
    }
}
