/*
 * pk_writer.h - a value graph as pickle bytes (pickle_dump, pickle_set, pickle_dump_agg).
 *
 * The writer emits what CPython's C pickler (_pickle.c) emits for the equivalent Python object,
 * protocol by protocol, so that `pickle.loads` in any Python 3 (and Python 2.7 for protocols
 * 0-2) returns an equal object:
 *   - PROTO for protocol >= 2; FRAME for protocol >= 4 (frames of about 64 KiB, committed at the
 *     start of a save once the current frame reached the target; frames under 4 bytes are left
 *     unframed; str/bytes/bytearray payloads of 64 KiB or more are written outside any frame);
 *   - the memo (PUT / BINPUT / LONG_BINPUT / MEMOIZE, GET / BINGET / LONG_BINGET): every node
 *     CPython memoizes (str, bytes, non-empty tuples, lists, dicts, sets, globals, reduced
 *     objects) is memoized on first write and referenced on later ones, so shared nodes stay
 *     shared and cycles are preserved. str, bytes and globals are memoized by content (repeated
 *     equal strings are written once), everything else by node identity;
 *   - the text forms of protocols 0 and 1 (INT, LONG, FLOAT, UNICODE, GLOBAL, MARK + LIST / DICT /
 *     TUPLE), the Python 2 module names for protocols < 3 (builtins -> __builtin__, ...), bytes
 *     below protocol 3 as `_codecs.encode(latin1_text, 'latin1')` (empty bytes as `bytes()`);
 *   - sets as EMPTY_SET + ADDITEMS (protocol >= 4) or `set([...])` REDUCE, frozensets likewise;
 *     OrderedDict / defaultdict as `cls(...)` REDUCE + SETITEMS; complex as `complex(re, im)`;
 *     bytearray as BYTEARRAY8 (protocol 5) or `bytearray(...)` REDUCE;
 *   - inert objects (PK_OBJECT) from their parts: `cls(*args)` REDUCE, NEWOBJ / NEWOBJ_EX,
 *     objects made by INST/OBJ/copyreg._reconstructor as NEWOBJ (protocol >= 2) or
 *     `copyreg._reconstructor(cls, object, None)` (protocols 0-1), then APPENDS of their list
 *     items, SETITEMS of their dict items and BUILD of their state;
 *   - numpy arrays from their pk_ndarray: `_reconstruct(ndarray, (0,), b'b')` + BUILD
 *     `(1, shape, dtype, is_fortran, raw)` (raw in memory order; object arrays as a list), or
 *     protocol 5's `_frombuffer(bytearray, dtype, shape, order)` for arrays that were written
 *     that way; views are materialised in C order. joblib arrays are written as plain numpy
 *     pickles (joblib.load and pickle.loads both read them). dtypes as `numpy.dtype(*args)` +
 *     BUILD state, scalars as `numpy.core.multiarray.scalar(dtype, raw)`.
 *
 * Limits: nesting depth (opts->max_depth, as CPython's recursion limit would stop it), output
 * size (the pk_buf's max). Strings must be UTF-8 (lone surrogates allowed, as Python's
 * surrogatepass writes them); anything else is PK_EENCODE.
 *
 * Ownership: the writer never modifies the graph; its memo and scratch nodes are freed before it
 * returns.
 */
#ifndef PK_WRITER_H
#define PK_WRITER_H

#include "pk_buf.h"
#include "pk_value.h"

#define PK_WRITE_DEFAULT_PROTOCOL 4
#define PK_WRITE_HIGHEST_PROTOCOL 5

typedef struct pk_write_opts {
    int protocol;       /* 0..5                                                            */
    int numpy2;         /* 1: name numpy's reconstructors numpy._core.* (numpy 2 spelling)  */
    uint32_t max_depth; /* nesting cap; 0 = 3 * PK_DEFAULT_MAX_DEPTH                         */
    uint64_t max_mem;   /* cap on the writer's own memory (memo table and scratch nodes, not
                         * the output); 0 = none. Over it: PK_ELIMIT naming max_alloc        */
} pk_write_opts;

/* Appends the pickle of v (PROTO ... STOP) to out. Scratch memory comes from out->alloc.
 * Errors: PK_EVALUE for a bad protocol, PK_EENCODE for a value the protocol cannot express,
 * PK_ELIMIT for depth or output size, PK_ENOMEM. On error out's content is unspecified. */
pk_code pk_pickle_write(pk_buf *out, const pk_value *v, const pk_write_opts *opts, pk_err *err);

#endif /* PK_WRITER_H */
