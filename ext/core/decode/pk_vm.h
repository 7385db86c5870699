/*
 * pk_vm.h - the unpickler (internal to the core; used by pk_decode.c, pk_scan.c and pk_joblib.c).
 *
 * A stack machine over the opcodes of protocols 0-5 (docs/formats.md, "Pickle opcodes") with
 * CPython's semantics and no execution: globals are names; REDUCE/NEWOBJ/BUILD on an allowlisted
 * global interpret it as data (pk_globals.c), on any other global build an inert PK_OBJECT.
 *
 * Structure, after _pickle.c: one value stack plus an array of mark positions; the top mark is
 * the fence below which pops fail ("stack underflow"). The memo is sparse (an open-addressing hash
 * from uint32 key to value), so LONG_BINPUT 0xFFFFFFFF allocates one slot; keys close to the entry
 * count (MEMOIZE's, BINPUT's in order) live in a plain array indexed by key instead.
 *
 * Limits (pk_limits): stack size, open marks, memo entries, arena budget. The stack and marks
 * grow in the arena too, so every byte counts against the budget.
 */
#ifndef PK_VM_H
#define PK_VM_H

#include "pk_doc.h"
#include "pk_reader.h"

/* Ints in this range (like CPython's small-int cache) are shared nodes. */
#define PK_SMALL_INT_MIN (-5)
#define PK_SMALL_INT_MAX 256

typedef struct pk_memo_slot {
    uint32_t key;
    pk_value *val; /* NULL = empty slot */
} pk_memo_slot;

typedef struct pk_vm {
    pk_doc *doc; /* owner of the arena and the globals list */
    pk_arena *ar;
    pk_reader r;
    pk_err *err;
    const pk_limits *lim;

    pk_value **stack;
    size_t sp, stack_cap;
    size_t *marks;
    size_t nmarks, marks_cap;
    size_t fence; /* == marks[nmarks-1] or 0 */

    pk_value **dense;          /* memo keys below dense_cap (MEMOIZE's are 0, 1, 2, ...)   */
    size_t dense_cap;          /* grown only for keys near the count, so it stays O(len)   */
    pk_memo_slot *memo;        /* the other keys (a sparse hash)                          */
    size_t memo_len, memo_cap; /* entries in both; memo_cap is a power of two (or 0)      */
    size_t sparse_len;         /* entries in the sparse hash                              */
    uint32_t memo_next;        /* MEMOIZE's next index: count of memo entries ever stored */

    int proto;
    int nesting; /* nested pickle streams (joblib object arrays) */

    pk_value *small_ints[PK_SMALL_INT_MAX - PK_SMALL_INT_MIN + 1]; /* shared, made on first use */
    pk_value *consts[3];                                           /* None, False, True        */
    pk_value *np_placeholder; /* the dtype of arrays between _reconstruct and BUILD (shared) */
} pk_vm;

/* Runs the unpickler over r's buffer from its current position to STOP. On success *out is the
 * value STOP returned and the reader is positioned after STOP. `nesting` counts nested streams
 * (0 for the outermost). */
pk_code pk_vm_run(pk_doc *doc, pk_reader *r, int nesting, pk_value **out);

/* Re-positions an error that a helper reported without a position (offset -1) at the opcode
 * being executed, prefixing "OPCODE at offset N: ". */
pk_code pk_vm_position_error(pk_vm *vm);

/* Records a referenced global in the doc's list (unique, in first-use order). */
pk_code pk_vm_note_global(pk_vm *vm, const char *module, const char *name);

/* ---- pk_globals.c: the allowlist and its interpretations ----------------------------------- */

/* 1 when (module, name) is interpreted as data or is a model class the compiler knows. */
int pk_global_allowed(const char *module, const char *name);

/* The pk_tier (pk_catalogue.h) of a global: the catalogue's, else PK_TIER_SAFE for the names
 * interpreted as data, else PK_TIER_UNKNOWN. */
int pk_global_tier(const char *module, const char *name);

/* Python 2 -> 3 module/name mapping for protocols < 3, exactly as CPython's find_class applies
 * _compat_pickle (pk_compat.c). Returns the mapped names (static strings or the inputs). */
void pk_global_map_py2(const char **module, const char **name);

/* callable(*args) for REDUCE: interprets allowlisted callables, else builds an inert object.
 * *out receives the result. */
pk_code pk_globals_reduce(pk_vm *vm, pk_value *callable, pk_value *args, pk_value **out);

/* cls.__new__(cls, *args, **kwargs) for NEWOBJ/NEWOBJ_EX (kwargs may be NULL). */
pk_code pk_globals_newobj(pk_vm *vm, pk_value *cls, pk_value *args, pk_value *kwargs,
                          pk_value **out);

/* INST/OBJ: cls(*args) or cls.__new__(cls). */
pk_code pk_globals_inst(pk_vm *vm, pk_value *cls, pk_value *args, pk_value **out);

/* BUILD: obj.__setstate__(state) or the default __dict__ update. May replace *obj (joblib turns
 * a NumpyArrayWrapper into the array it describes, reading its raw bytes from the stream). */
pk_code pk_globals_build(pk_vm *vm, pk_value **obj, pk_value *state);

/* ---- pk_joblib.c ---------------------------------------------------------------------------- */

/* 1 when obj is an inert object of joblib's NumpyArrayWrapper (or legacy NDArrayWrapper). */
int pk_joblib_is_wrapper(const pk_value *obj);

/* Reads the array that follows a NumpyArrayWrapper's BUILD in the stream (pad byte + data, or a
 * nested pickle for object dtype) and stores it in *out. */
pk_code pk_joblib_read_array(pk_vm *vm, const pk_value *wrapper, pk_value **out);

#endif /* PK_VM_H */
