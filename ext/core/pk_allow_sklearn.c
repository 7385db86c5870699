/*
 * pk_allow_sklearn.c - scikit-learn globals a stored model may reference and still be "safe":
 * the estimator classes the model compiler supports and the plain-data helpers they pickle
 * (tree structures, loss objects, ...). Loading these in Python runs no code beyond
 * scikit-learn's own __setstate__; anything else makes pickle_info report safe: false.
 * Owned by the model compiler (ext/model); keep sorted by module.
 */
#include "pk_allow.h"

#include <stddef.h>

const pk_allow_entry pk_allow_sklearn[] = {
    {NULL, NULL},
};
