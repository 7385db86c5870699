/*
 * pk_cats.h - a fitted set of categories (an encoder's categories_[j], a label encoder's
 * classes_) and the lookup of one input cell in it (internal to ext/model).
 *
 * Categories are either strings or numbers (scikit-learn refuses to fit a column mixing them),
 * plus at most one None and one NaN: the missing categories, kept last as scikit-learn sorts
 * them. Lookup (pk_cats_find), as scikit-learn's _encode/_check_unknown compare values:
 *   NULL        the None category if there is one, else the NaN category
 *   TEXT        string categories: equal bytes (UTF-8); number categories: the text read as
 *               Python's float() does ('3' finds 3.0; a CSV imported as TEXT scores like numbers)
 *   NUM         number categories: equal value (NaN finds the NaN category); string categories:
 *               never (Python's 3 != '3')
 * Strings are found by binary search over a sorted permutation, numbers likewise: O(log n) per
 * cell, nothing allocated.
 */
#ifndef PK_CATS_H
#define PK_CATS_H

#include "pk_model_impl.h"

typedef struct pk_cats {
    int is_str;     /* string categories, else numbers                     */
    size_t n;       /* categories, missing ones included                   */
    char **s;       /* is_str: n strings (NULL for a missing category)     */
    size_t *slen;   /* their byte lengths                                  */
    double *f;      /* numbers: n values (NaN for a missing category)      */
    size_t *order;  /* the non-missing categories' indices in sorted order */
    size_t n_order; /* their count                                         */
    long none_idx;  /* index of the None category, -1 when absent          */
    long nan_idx;   /* index of the NaN category, -1 when absent           */
} pk_cats;

/* Reads categories from a 1-D numpy array (numeric, bool, 'U', or object holding str / int /
 * float / bool / None) or a list/tuple. `what` names the attribute in messages. */
pk_code pk_cats_read(pk_mc *c, const pk_value *v, const char *what, pk_cats *out);

/* A Python str or numpy.str_ value copied into the model's arena: *is_text = 1 and *out, *len
 * set; any other value leaves *is_text = 0. */
pk_code pk_value_text(pk_mc *c, const pk_value *v, int *is_text, char **out, size_t *len);

/* The index of the category equal to the cell, -1 when it is none of them. */
long pk_cats_find(const pk_cats *k, const pk_cell *cell);

/* Writes category i as a quoted string or a number ("'fr'", "3", "None", "nan") into buf. */
void pk_cats_show(const pk_cats *k, size_t i, char *buf, size_t cap);

/* Writes a cell as the message's value: 'fr', 3.5, NULL. */
void pk_cell_show(const pk_cell *cell, char *buf, size_t cap);

/* A list of the categories for messages: "'de', 'fr', 'us' and 4 more" (at most 5 shown). */
void pk_cats_list(const pk_cats *k, char *buf, size_t cap);

#endif /* PK_CATS_H */
