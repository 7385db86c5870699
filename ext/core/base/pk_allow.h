/*
 * pk_allow.h - allowances: the globals outside the catalogue that a registration vouches for
 * (docs/registry.md, "Allowances").
 *
 * An allowance is a JSON array of "module.name" strings. It can only name globals that import an
 * inert definition (the user's own classes and functions): the globals that give code execution
 * by themselves (pk_allow_forbidden's list, the only copy of it) can never be allowed, and the
 * registry's verdict still refuses every call whose arguments are unsafe.
 */
#ifndef PK_ALLOW_H
#define PK_ALLOW_H

#include <stddef.h>

#define PK_ALLOW_MAX  64  /* entries in one allowance */
#define PK_ALLOW_NAME 256 /* bytes of one entry, NUL included */

typedef struct pk_allow {
    size_t n;
    char names[PK_ALLOW_MAX][PK_ALLOW_NAME]; /* "module.name", as given */
    size_t dot[PK_ALLOW_MAX];                /* offset of the last '.' (module | name) */
    int used[PK_ALLOW_MAX];                  /* set by the caller when a global matched */
} pk_allow;

/* Parses the JSON text [json, json + n) into a. Returns 0, or -1 with a one-line message in
 * why[whyn] (not an array of strings, an entry that is not a dotted Python name, a duplicate, too
 * many entries, an entry on the forbidden list: "os.system can never be allowed (os: runs
 * commands)"). Several forbidden entries are all named. */
int pk_allow_parse(const char *json, size_t n, pk_allow *a, char *why, size_t whyn);

/* NULL when "module.name" may be allowed, else the rule that forbids it ("os: runs commands"). */
const char *pk_allow_forbidden(const char *module, const char *name);

/* The index of the entry naming exactly module.name (module and name compared separately, so a
 * dotted name such as "os.system" in module "__main__" matches no entry), or -1. */
int pk_allow_find(const pk_allow *a, const char *module, const char *name);

#endif /* PK_ALLOW_H */
