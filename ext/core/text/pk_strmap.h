/*
 * pk_strmap.h - an immutable hash map from byte strings (UTF-8 text) to 32-bit values, built
 * once (a vectorizer's vocabulary_, a stop-word set) and looked up per token.
 *
 * Open addressing with linear probing at a load factor <= 1/2. A slot is 8 bytes (a 32-bit tag
 * of the key's hash and the offset of its record); a record holds the value, the length and the
 * key's bytes together, so a lookup touches one slot and, when the tag matches, one record. The
 * map owns everything (pk_strmap_free). A key added twice keeps its first value.
 *
 * The hash is a polynomial over the key's bytes, h(s) = s[0]*B^(n-1) + ... + s[n-1] (mod 2^64),
 * so the hash of a concatenation comes from the parts' hashes (pk_strmap_join): a word n-gram is
 * looked up from its tokens' hashes without writing the joined string (pk_strmap_get_spans
 * compares the key with the pieces). The map mixes h with the length before using it.
 */
#ifndef PK_STRMAP_H
#define PK_STRMAP_H

#include "pk.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct pk_strmap {
    const pk_alloc *alloc;
    uint64_t *slots; /* tag << 32 | record offset; 0: empty */
    size_t mask, count;
    uint8_t *recs; /* records: value (u32), length (u32), key bytes */
    size_t recs_len, recs_cap;
} pk_strmap;

/* The hash's base B (odd). */
#define PK_STRMAP_B 0x9E3779B97F4A7C15ull

/* One more byte c after a string of hash h. */
static inline uint64_t pk_strmap_step(uint64_t h, uint8_t c) {
    return h * PK_STRMAP_B + c;
}
/* The hash of s[0..n). */
uint64_t pk_strmap_hash(const uint8_t *s, size_t n);
/* B^n (mod 2^64). */
uint64_t pk_strmap_pow(size_t n);
/* B^k for k < 64. */
extern const uint64_t pk_strmap_pows[64];
/* The hash of a ‖ b from h(a), h(b) and pw_b = B^|b|. */
static inline uint64_t pk_strmap_join(uint64_t ha, uint64_t hb, uint64_t pw_b) {
    return ha * pw_b + hb;
}

/* An empty map with room for `expected` keys. 0 on ENOMEM. */
int pk_strmap_init(pk_strmap *m, const pk_alloc *a, size_t expected);
/* Adds key -> val; 0 on ENOMEM or a key above 4 GiB of keys in all. */
int pk_strmap_put(pk_strmap *m, const char *key, size_t n, uint32_t val);
/* 1 and *val when present. */
int pk_strmap_get(const pk_strmap *m, const char *key, size_t n, uint32_t *val);
/* The same with h = pk_strmap_hash(key, n) already known. */
int pk_strmap_get_h(const pk_strmap *m, uint64_t h, const uint8_t *key, size_t n, uint32_t *val);
/* Pipelined lookups: the slot and tag of a key come from pk_strmap_key(h, len); prefetching
 * the slots of the next keys while resolving earlier ones overlaps the cache misses a large
 * vocabulary costs. */
static inline uint64_t pk_strmap_key(uint64_t h, size_t len) {
    h ^= (uint64_t)len * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}
static inline void pk_strmap_prefetch(const pk_strmap *m, uint64_t key) {
    if (m->slots) __builtin_prefetch(&m->slots[key & m->mask]);
}
/* The key made of the npieces byte spans base[spans[2i] .. spans[2i+1]) joined by the byte sep,
 * len bytes in all, of hash h: 1 and *val when present. */
int pk_strmap_get_spans(const pk_strmap *m, uint64_t h, size_t len, const uint8_t *base,
                        const size_t *spans, size_t npieces, uint8_t sep, uint32_t *val);
/* The same with key = pk_strmap_key(h, len) (inline: the per-token path). */
static inline int pk_strmap_get_key(const pk_strmap *m, uint64_t key, size_t len,
                                    const uint8_t *base, const size_t *spans, size_t npieces,
                                    uint8_t sep, uint32_t *val);
/* Batched lookups, in two passes over the batch: pk_strmap_candidate gives the record of the
 * first slot of the key's chain whose tag matches (prefetching it), NULL when no slot of the
 * chain does (the key is absent); pk_strmap_check then says whether the candidate is the key
 * (*val: its value), and when it is not (a tag collision), looks further. */
static inline const uint8_t *pk_strmap_candidate(const pk_strmap *m, uint64_t key);
static inline int pk_strmap_check(const pk_strmap *m, const uint8_t *cand, uint64_t key, size_t len,
                                  const uint8_t *base, const size_t *spans, size_t npieces,
                                  uint8_t sep, uint32_t *val);
void pk_strmap_free(pk_strmap *m);
/* Bytes the map holds. */
size_t pk_strmap_bytes(const pk_strmap *m);

/* ---- inline lookup ------------------------------------------------------------------------- */

/* A record: value (u32), length (u32), then the key's bytes; read with memcpy (no alignment). */
#define PK_STRMAP_REC_HEAD 8

static inline uint32_t pk_strmap_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* a[0..n) == b[0..n), a word at a time (short keys: no call). */
static inline int pk_strmap_same(const uint8_t *a, const uint8_t *b, size_t n) {
    if (n >= 8) {
        uint64_t x, y;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y) return 0;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t u = pk_strmap_u32(a) ^ pk_strmap_u32(b);
        return (u | (pk_strmap_u32(a + n - 4) ^ pk_strmap_u32(b + n - 4))) == 0;
    }
    /* n <= 3: the first, middle and last bytes are all of them */
    return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

/* Whether r[0..len) is the pieces joined by sep. */
static inline int pk_strmap_same_pieces(const uint8_t *r, size_t len, const uint8_t *base,
                                        const size_t *spans, size_t npieces, uint8_t sep) {
    if (npieces == 1) return spans[1] - spans[0] == len && pk_strmap_same(r, base + spans[0], len);
    size_t k = 0;
    for (size_t i = 0; i < npieces; i++) {
        size_t a = spans[2 * i], b = spans[2 * i + 1];
        if (i) {
            if (k >= len || r[k] != sep) return 0;
            k++;
        }
        if (b - a > len - k || !pk_strmap_same(r + k, base + a, b - a)) return 0;
        k += b - a;
    }
    return k == len;
}

static inline int pk_strmap_get_key(const pk_strmap *m, uint64_t key, size_t len,
                                    const uint8_t *base, const size_t *spans, size_t npieces,
                                    uint8_t sep, uint32_t *val) {
    if (!m->slots) return 0;
    for (size_t j = key & m->mask;; j = (j + 1) & m->mask) {
        uint64_t s = m->slots[j];
        if (!s) return 0;
        if (s >> 32 != key >> 32) continue;
        const uint8_t *r = m->recs + (uint32_t)s;
        if (pk_strmap_u32(r + 4) == len &&
            pk_strmap_same_pieces(r + PK_STRMAP_REC_HEAD, len, base, spans, npieces, sep)) {
            *val = pk_strmap_u32(r);
            return 1;
        }
    }
}

static inline const uint8_t *pk_strmap_candidate(const pk_strmap *m, uint64_t key) {
    if (!m->slots) return NULL;
    for (size_t j = key & m->mask;; j = (j + 1) & m->mask) {
        uint64_t s = m->slots[j];
        if (!s) return NULL;
        if (s >> 32 == key >> 32) {
            __builtin_prefetch(m->recs + (uint32_t)s);
            return m->recs + (uint32_t)s;
        }
    }
}

static inline int pk_strmap_check(const pk_strmap *m, const uint8_t *cand, uint64_t key, size_t len,
                                  const uint8_t *base, const size_t *spans, size_t npieces,
                                  uint8_t sep, uint32_t *val) {
    if (!cand) return 0;
    if (pk_strmap_u32(cand + 4) == len &&
        pk_strmap_same_pieces(cand + PK_STRMAP_REC_HEAD, len, base, spans, npieces, sep)) {
        *val = pk_strmap_u32(cand);
        return 1;
    }
    return pk_strmap_get_key(m, key, len, base, spans, npieces, sep, val);
}

#endif /* PK_STRMAP_H */
