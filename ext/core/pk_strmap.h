/*
 * pk_strmap.h - an immutable hash map from byte strings (UTF-8 text) to 32-bit values, built
 * once (a vectorizer's vocabulary_, a stop-word set) and looked up per token.
 *
 * Open addressing with linear probing at a load factor <= 1/2; keys are copied into one block,
 * so the map owns everything (pk_strmap_free). A key added twice keeps its first value.
 */
#ifndef PK_STRMAP_H
#define PK_STRMAP_H

#include "pk.h"

#include <stddef.h>
#include <stdint.h>

/* One slot: a lookup touches one slot (then the key bytes), not four arrays. */
typedef struct pk_strmap_slot {
    uint64_t hash; /* 0: empty (hashes are forced non-zero) */
    uint32_t off, len, val, pad;
} pk_strmap_slot;

typedef struct pk_strmap {
    const pk_alloc *alloc;
    pk_strmap_slot *slots;
    size_t mask, count;
    char *keys;
    size_t keys_len, keys_cap;
} pk_strmap;

/* An empty map with room for `expected` keys. 0 on ENOMEM. */
int pk_strmap_init(pk_strmap *m, const pk_alloc *a, size_t expected);
/* Adds key -> val; 0 on ENOMEM or a key above 4 GiB of keys in all. */
int pk_strmap_put(pk_strmap *m, const char *key, size_t n, uint32_t val);
/* 1 and *val when present. */
int pk_strmap_get(const pk_strmap *m, const char *key, size_t n, uint32_t *val);
void pk_strmap_free(pk_strmap *m);
/* Bytes the map holds. */
size_t pk_strmap_bytes(const pk_strmap *m);

#endif /* PK_STRMAP_H */
