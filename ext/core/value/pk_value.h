/*
 * pk_value.h - the decoded object graph.
 *
 * A pickle decodes into a graph of pk_value nodes, all allocated in the document's arena
 * (pk_doc.arena). Nodes are shared, never deep-copied: a memo GET pushes the same pointer again,
 * so a "memo bomb" costs linear time and memory, and mutations (APPENDS on a memoized list) are
 * seen everywhere the node occurs, as in Python. Containers may be cyclic (a list that contains
 * itself); every traversal must therefore cap its depth (pk_limits.max_depth) or track ancestors.
 *
 * Strings (PK_STR) are UTF-8, possibly with lone surrogates encoded as 3-byte sequences
 * (CPython's "surrogatepass"), and are NUL-terminated for convenience (len excludes the NUL).
 * Bytes may borrow from the input buffer: a pk_doc keeps its input alive.
 *
 * Python objects the decoder does not interpret are PK_OBJECT nodes: the class (a PK_GLOBAL), the
 * constructor arguments, the state given to BUILD, and items appended or set on them. Nothing is
 * ever imported or called.
 *
 * numpy arrays, dtypes and scalars are PK_NDARRAY / PK_DTYPE / PK_NPSCALAR: their structures are
 * here, their decoding and access in pk_ndarray.h.
 */
#ifndef PK_VALUE_H
#define PK_VALUE_H

#include "pk.h"
#include "pk_err.h"

#include <stddef.h>
#include <stdint.h>

typedef enum pk_kind {
    PK_NONE,
    PK_BOOL,
    PK_INT,    /* fits in int64                                                       */
    PK_BIGINT, /* u.s: little-endian two's complement bytes (minimal, as LONG1 writes) */
    PK_FLOAT,
    PK_COMPLEX,
    PK_STR,
    PK_BYTES,
    PK_BYTEARRAY,
    PK_LIST,
    PK_TUPLE,
    PK_SET,
    PK_FROZENSET,
    PK_DICT,     /* also OrderedDict / defaultdict (u.d.cls says which)                  */
    PK_GLOBAL,   /* a class or function reference: module + qualified name               */
    PK_OBJECT,   /* an instance of a class the decoder does not interpret                */
    PK_NDARRAY,  /* numpy.ndarray                                                         */
    PK_DTYPE,    /* numpy.dtype                                                           */
    PK_NPSCALAR, /* numpy scalar (numpy.float64(1.5), ...)                                */
    PK_KIND_COUNT
} pk_kind;

typedef struct pk_value pk_value;
typedef struct pk_ndarray pk_ndarray;
typedef struct pk_dtype pk_dtype;

/* list, tuple, set, frozenset. Sets keep insertion order (Python's iteration order differs;
 * consumers compare sets as sets) and an index like pk_dict's once len > 8. */
typedef struct pk_seq {
    pk_value **items;
    size_t len, cap;
    uint32_t *index;
    size_t index_cap;
} pk_seq;

/* Insertion-ordered dict. Keys are unique under Python equality of hashable values (1 == 1.0 ==
 * True); `index` is an open-addressing table of positions (+1) used once len > 8. */
typedef struct pk_dict {
    pk_value **keys;
    pk_value **vals;
    size_t len, cap;
    uint32_t *index;
    size_t index_cap;          /* power of two, 0 when no index                     */
    const pk_value *cls;       /* NULL for dict, else the GLOBAL (OrderedDict, ...) */
    pk_value *default_factory; /* defaultdict's, else NULL                       */
} pk_dict;

/* How an object node came to be (affects pickle_set's re-encoding and JSON "py/args"). */
typedef enum pk_objhow {
    PK_HOW_REDUCE, /* cls(*args)                                   */
    PK_HOW_NEWOBJ, /* cls.__new__(cls, *args [, **kwargs])         */
    PK_HOW_INST    /* INST / OBJ / copyreg._reconstructor           */
} pk_objhow;

typedef struct pk_object {
    pk_value *cls;       /* PK_GLOBAL (or any value when REDUCE'd on a non-global)  */
    pk_value *args;      /* PK_TUPLE or NULL                                       */
    pk_value *kwargs;    /* PK_DICT or NULL (NEWOBJ_EX)                            */
    pk_value *state;     /* argument of BUILD, or NULL when never built            */
    pk_value *items;     /* PK_LIST of APPEND(S)ed items, or NULL                  */
    pk_value *dictitems; /* PK_DICT of SETITEM(S) on the object, or NULL           */
    pk_objhow how;
} pk_object;

typedef struct pk_global {
    const char *module; /* NUL-terminated, after Python 2 name mapping */
    const char *name;   /* qualified name, may be dotted (proto 4)     */
    size_t module_len, name_len;
    int rule;  /* pk_globals.c: allowlist rule index + 1, -1 = none, 0 = not looked up yet */
    int vkind; /* pk_verdict.c: the call check's kind + 1, 0 = not looked up yet        */
} pk_global;

/* Scalar of a numpy dtype: `data` holds dtype->itemsize bytes (may borrow from the input). */
typedef struct pk_npscalar {
    pk_value *dtype; /* PK_DTYPE */
    const uint8_t *data;
    pk_value *object; /* object dtype: the Python value itself, else NULL */
} pk_npscalar;

/* numpy dtypes and arrays (their decoding and access: pk_ndarray.h). */
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

struct pk_value {
    pk_kind kind;
    uint32_t flags; /* PK_VF_* */
    union {
        int b;
        int64_t i;
        double f;
        struct {
            double re, im;
        } c;
        struct {
            const char *ptr; /* str: NUL-terminated UTF-8; bytes/bigint: raw */
            size_t len;
        } s;
        pk_seq seq;
        pk_dict d;
        pk_global g;
        pk_object o;
        pk_ndarray *arr;
        pk_dtype *dt;
        pk_npscalar sc;
    } u;
};

/* Value flags. */
#define PK_VF_PY2STR   1u /* str/bytes that came from a Python 2 STRING/BINSTRING opcode */
#define PK_VF_HASHED   2u /* internal */
#define PK_VF_READONLY 4u /* READONLY_BUFFER was applied                                 */

/* Offset of the first byte of s[0..n) that is not UTF-8 (CPython's surrogatepass: encoded
 * lone surrogates are accepted, as PK_STR holds them), or n when all of it is. */
size_t pk_utf8_check(const char *s, size_t n);

/* ---- construction (all allocate in `ar`; NULL when out of memory) ------------------------- */

pk_value *pk_new(pk_arena *ar, pk_kind kind);
pk_value *pk_new_none(pk_arena *ar);
pk_value *pk_new_bool(pk_arena *ar, int b);
pk_value *pk_new_int(pk_arena *ar, int64_t v);
pk_value *pk_new_float(pk_arena *ar, double v);
/* Copies s into the arena. */
pk_value *pk_new_str(pk_arena *ar, const char *s, size_t n);
/* kind is PK_BYTES, PK_BYTEARRAY or PK_BIGINT. When borrow is set the node points at data
 * (which must outlive the arena's users), else the bytes are copied. */
pk_value *pk_new_bytes(pk_arena *ar, pk_kind kind, const uint8_t *data, size_t n, int borrow);
/* Integer from little-endian two's complement bytes (LONG1/LONG4): PK_INT when it fits in 64
 * bits, else PK_BIGINT (copied, trimmed to minimal length). */
pk_value *pk_new_long_le(pk_arena *ar, const uint8_t *data, size_t n);
pk_value *pk_new_global(pk_arena *ar, const char *module, size_t mlen, const char *name,
                        size_t nlen);
/* Empty list/tuple/set/frozenset/dict with room for `cap` items. */
pk_value *pk_new_seq(pk_arena *ar, pk_kind kind, size_t cap);
pk_value *pk_new_dict(pk_arena *ar, size_t cap);
pk_value *pk_new_object(pk_arena *ar, pk_value *cls, pk_value *args, pk_objhow how);

/* ---- mutation ------------------------------------------------------------------------------ */

/* Appends to a list, tuple under construction, or set/frozenset (sets skip duplicates, which
 * needs hashable items: else PK_ETYPE). Returns PK_OK, PK_ENOMEM or PK_ETYPE (message in err,
 * with offset -1: the caller re-positions it). */
pk_code pk_seq_append(pk_arena *ar, pk_value *seq, pk_value *item, pk_err *err);

/* d[key] = val with Python semantics (an equal key keeps its position, its value is replaced).
 * Unhashable key: PK_ETYPE. */
pk_code pk_dict_set(pk_arena *ar, pk_value *dict, pk_value *key, pk_value *val, pk_err *err);

/* Makes room for `more` new keys (entries and index), so that many pk_dict_set calls neither
 * grow nor re-index the dict. PK_OK, PK_ENOMEM or PK_ELIMIT (message in err). */
pk_code pk_dict_reserve(pk_arena *ar, pk_value *dict, size_t more, pk_err *err);

/* ---- inspection ---------------------------------------------------------------------------- */

/* A str value on the caller's stack viewing s[0..n) (no copy, no NUL needed): a lookup key. */
pk_value pk_str_view(const char *s, size_t n);

/* FNV-1a (64 bits) over n bytes, continuing from h; start from PK_FNV_OFFSET. */
#define PK_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t pk_fnv1a(uint64_t h, const void *p, size_t n);

/* d[key] for a str key given as bytes; NULL when absent or dict is no PK_DICT. */
pk_value *pk_dict_get_str(const pk_value *dict, const char *key);
/* d[key] for any hashable key value; NULL when absent. */
pk_value *pk_dict_get(const pk_value *dict, const pk_value *key);

/* Attribute `name` of an object: looks in its state dict (and the slot-state of a
 * (dict, slots) 2-tuple state), then in dictitems. For a PK_DICT, the key. NULL when absent. */
pk_value *pk_attr(const pk_value *obj, const char *name);

/* Python's type name: "int", "list", "NoneType", "numpy.ndarray", "collections.OrderedDict",
 * "sklearn.cluster._kmeans.KMeans". Writes into buf (NUL-terminated, truncated to cap) and
 * returns buf. */
const char *pk_type_name(const pk_value *v, char *buf, size_t cap);

/* 1 when v is a PK_GLOBAL (or an object whose class is one) named module.name. */
int pk_global_is(const pk_value *v, const char *module, const char *name);

/* Python truthiness-free equality used by dicts and sets: numbers compare by value across
 * bool/int/float (NaN never equal), str/bytes by content, tuples element-wise (depth-capped),
 * None == None, globals by name, other kinds by identity. */
int pk_value_equal(const pk_value *a, const pk_value *b);

/* 1 when v can be a dict key or set member (no list/dict/set/bytearray inside). */
int pk_value_hashable(const pk_value *v);

/* Numeric views. pk_as_f64: bool/int/bigint(approx)/float/npscalar of numeric dtype, 0-d array.
 * pk_as_i64: bool/int and integer npscalars. Return PK_OK or PK_ETYPE (no message). */
pk_code pk_as_f64(const pk_value *v, double *out);
pk_code pk_as_i64(const pk_value *v, int64_t *out);

/* The numpy side of the numeric views and type names (implemented in pk_ndarray.c): a numpy
 * scalar's value, element `flat` (C order) of an array as a double (bool/int/uint/float/(complex:
 * real part)/datetime; PK_ETYPE for strings, records, objects), numpy's name of a dtype's scalar
 * type ("float64", "int32", "str_", "bytes_", "void", "datetime64", ...: pk_type_name gives
 * "numpy.float64"). */
pk_code pk_npscalar_f64(const pk_value *sc, double *out);
pk_code pk_ndarray_get_f64(const pk_ndarray *a, size_t flat, double *out);
const char *pk_dtype_scalar_name(const pk_dtype *dt);

/* 1 when v's items are in u.seq: a list, tuple, set or frozenset (0 for NULL). */
static inline int pk_is_seq(const pk_value *v) {
    return v && (v->kind == PK_LIST || v->kind == PK_TUPLE || v->kind == PK_SET ||
                 v->kind == PK_FROZENSET);
}

/* 1 when v may hold other values, so that a walk must track it (depth, cycles, shared nodes):
 * the pk_is_seq kinds, a dict, an object, an array, and a numpy scalar of object dtype. */
static inline int pk_is_container(const pk_value *v) {
    switch (v->kind) {
    case PK_LIST:
    case PK_TUPLE:
    case PK_SET:
    case PK_FROZENSET:
    case PK_DICT:
    case PK_OBJECT:
    case PK_NDARRAY:
        return 1;
    case PK_NPSCALAR:
        return v->u.sc.object != NULL;
    default:
        return 0;
    }
}

/* Number of children a container has (list/tuple/set items, dict entries, first axis of an
 * array, object state entries); 0 for scalars. */
size_t pk_child_count(const pk_value *v);

#endif /* PK_VALUE_H */
