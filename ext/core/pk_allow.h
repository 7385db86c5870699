/*
 * pk_allow.h - allowlist tables (see pk_globals.c for the data interpretations).
 *
 * pk_global_allowed(module, name) is true for the builtins/numpy/joblib globals the decoder
 * interprets as data, and for every entry of pk_allow_sklearn[] (pk_allow_sklearn.c): the
 * scikit-learn classes and helper objects the model compiler knows. Each table ends with a
 * {NULL, NULL} entry.
 */
#ifndef PK_ALLOW_H
#define PK_ALLOW_H

typedef struct pk_allow_entry {
    const char *module;
    const char *name;
} pk_allow_entry;

extern const pk_allow_entry pk_allow_sklearn[];

#endif /* PK_ALLOW_H */
