/*
 * pk_verdict.h - the argument checks of the safety verdict (docs/security.md).
 *
 * A global on the allowlist is safe only if Python, calling it with the arguments in the pickle,
 * does bounded work and trusts nothing it should not. The unpickler calls these before it
 * interprets a call; a call that fails a check makes its global unsafe in doc->globals, with the
 * reason, and the call is then kept as an inert object.
 *
 * Work bound: the calls checked here (list/tuple/set/frozenset/dict of a range, bytes and
 * bytearray of a size, numpy's _reconstruct shape and scalar size) may together make Python
 * allocate at most PK_VERDICT_BUDGET(n) bytes for a stream of n bytes:
 *     min(256 MiB, 1 MiB + 64 * n)
 * counting 8 bytes per element of a container built from a range (its pointer; small ints
 * are shared) plus 32 bytes per int object above 256, 1 byte per byte, and numpy's
 * prod(shape) * itemsize.
 */
#ifndef PK_VERDICT_H
#define PK_VERDICT_H

#include "pk_vm.h"

#define PK_VERDICT_BUDGET_MAX   ((uint64_t)256 << 20)
#define PK_VERDICT_BUDGET_BASE  ((uint64_t)1 << 20)
#define PK_VERDICT_BUDGET_RATIO 64

/* The allocation budget of a stream of n bytes. */
uint64_t pk_verdict_budget(size_t n);

/* callable(*args) (REDUCE, INST, OBJ; newobj = 0) or callable.__new__(callable, *args)
 * (NEWOBJ; newobj = 1). *unsafe is set when the call is judged unsafe (and recorded). Fails
 * only when out of memory. */
pk_code pk_verdict_check_call(pk_vm *vm, const pk_value *callable, const pk_value *args, int newobj,
                              int *unsafe);

/* After a dtype's BUILD: the pickled flags must be those numpy computes for the layout, for
 * the kinds whose flags numpy takes from the pickle (S, U, V, M, m). */
pk_code pk_verdict_check_dtype(pk_vm *vm, const pk_value *dtype);

/* numpy's flags for a dtype layout (NPY_NEEDS_INIT for unicode, the object flags for 'O',
 * fields: NPY_NEEDS_PYAPI | the fields' NPY_FROM_FIELDS bits, subarrays: the base's). */
int pk_verdict_dtype_flags(const pk_dtype *dt);

#endif /* PK_VERDICT_H */
