/*
 * pk_edit.h - replacing the value at a path inside a decoded graph (pickle_set).
 *
 * The parent of the last step is found with pk_path_eval (so every step but the last means
 * exactly what it means to pickle_get), then the last step is applied here:
 *   .name / ["name"]  dict: sets the str key (added at the end when absent, as d[k] = v does);
 *                     object: replaces the attribute where pk_path finds it (state dict, slots
 *                     dict of a (dict, slots) state, dict items), else adds it to the state dict
 *                     (an object never built gets the state {name: value});
 *   [N]               list / tuple / an object's appended items: replaces element N (negative
 *                     counts from the end; out of range is PK_ENOTFOUND); dict: the integer key;
 *                     numpy array of one dimension: element N, the value converted to the
 *                     array's dtype (bool, integers, floats; object arrays take any value);
 *                     numbers out of the dtype's range are PK_ETYPE.
 *   $                 the root itself.
 * The graph is modified in place: a node reached through several references changes at every
 * place, as mutating a shared Python object does. Array elements are written into the array's
 * data, so the caller must own that memory (decode with PK_DOC_COPY).
 */
#ifndef PK_EDIT_H
#define PK_EDIT_H

#include "pk_value.h"

pk_code pk_edit_set(pk_arena *ar, pk_value **root, const char *path, size_t path_len, pk_value *val,
                    pk_err *err);

#endif /* PK_EDIT_H */
