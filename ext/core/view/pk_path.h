/*
 * pk_path.h - path expressions into a decoded value (syntax in docs/sql-functions.md, "Paths").
 *
 *   $                 the root
 *   .name  ["name"]   a dict key (str) or an object attribute (state dict, then slots)
 *   [N]  [-N]         an index into a list, tuple, the first axis of an array (negative counts
 *                     from the end, as in Python), or a dict's integer key
 * Example: $.steps[1][1].coef_[0][2]. Inside ["..."] the escapes \" and \\ are recognised.
 * A leading "$" is required.
 *
 * Errors: PK_EPATH for syntax, with the character offset in the path; PK_ENOTFOUND when a step
 * does not exist (the message names the step and the type of value it was applied to).
 */
#ifndef PK_PATH_H
#define PK_PATH_H

#include "pk_value.h"

/* Evaluates path on root. Indexing arrays may allocate views in ar. *out is borrowed from the
 * graph. */
pk_code pk_path_eval(pk_arena *ar, pk_value *root, const char *path, size_t path_len,
                     pk_value **out, pk_err *err);

/* Appends to out the path of child `key` (a str: ".name" when it is an identifier, else
 * ["..."]) or index. Used by pickle_each/pickle_tree. */
struct pk_buf;
pk_code pk_path_append_key(struct pk_buf *out, const char *key, size_t n);
pk_code pk_path_append_index(struct pk_buf *out, int64_t i);

/* Splits a path at its last step (for pickle_tree's first row, which, like json_tree's, reports
 * the key it was reached by): *parent_len is the length of the path before the last step (0 for
 * "$"), *is_index and *index describe an index step, else the step's name (unescaped) is appended
 * to `name`. PK_EPATH on a syntax error. */
pk_code pk_path_last_step(const char *path, size_t path_len, size_t *parent_len, int *is_index,
                          int64_t *index, struct pk_buf *name, pk_err *err);

#endif /* PK_PATH_H */
