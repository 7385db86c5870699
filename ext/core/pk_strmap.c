/*
 * pk_strmap.c - the string -> value hash map of pk_strmap.h. The hash is a 64-bit multiply-mix
 * of 8-byte words (the map's own: no format depends on it).
 */
#include "pk_strmap.h"

#include <string.h>

static uint64_t str_hash(const char *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)n * 0xC2B2AE3D27D4EB4Full);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    uint64_t t = 0;
    for (size_t k = 0; i < n; i++, k++)
        t |= (uint64_t)(unsigned char)p[i] << (8 * k);
    h = (h ^ t) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    return h ? h : 1;
}

static pk_strmap_slot *new_slots(const pk_alloc *a, size_t cap) {
    pk_strmap_slot *s = pk_malloc(a, cap * sizeof *s);
    if (s) memset(s, 0, cap * sizeof *s);
    return s;
}

int pk_strmap_init(pk_strmap *m, const pk_alloc *a, size_t expected) {
    memset(m, 0, sizeof *m);
    m->alloc = a;
    size_t cap = 16;
    while (cap < expected * 2 + 2) {
        if (cap > ((size_t)1 << 40)) return 0;
        cap *= 2;
    }
    m->slots = new_slots(a, cap);
    if (!m->slots) return 0;
    m->mask = cap - 1;
    return 1;
}

static int rehash(pk_strmap *m) {
    size_t cap = (m->mask + 1) * 2;
    pk_strmap_slot *n = new_slots(m->alloc, cap);
    if (!n) return 0;
    for (size_t i = 0; i <= m->mask; i++) {
        if (!m->slots[i].hash) continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (n[j].hash)
            j = (j + 1) & (cap - 1);
        n[j] = m->slots[i];
    }
    pk_free(m->alloc, m->slots);
    m->slots = n;
    m->mask = cap - 1;
    return 1;
}

int pk_strmap_put(pk_strmap *m, const char *key, size_t n, uint32_t val) {
    if (m->keys_len + n > UINT32_MAX || n > UINT32_MAX) return 0;
    if ((m->count + 1) * 2 > m->mask + 1 && !rehash(m)) return 0;
    uint64_t h = str_hash(key, n);
    size_t j = h & m->mask;
    while (m->slots[j].hash) {
        const pk_strmap_slot *s = &m->slots[j];
        if (s->hash == h && s->len == n && memcmp(m->keys + s->off, key, n) == 0) return 1;
        j = (j + 1) & m->mask;
    }
    if (m->keys_len + n > m->keys_cap) {
        size_t nc = m->keys_cap ? m->keys_cap * 2 : 256;
        while (nc < m->keys_len + n)
            nc *= 2;
        char *q = pk_realloc(m->alloc, m->keys, m->keys_cap, nc);
        if (!q) return 0;
        m->keys = q;
        m->keys_cap = nc;
    }
    if (n) memcpy(m->keys + m->keys_len, key, n);
    pk_strmap_slot *s = &m->slots[j];
    s->hash = h;
    s->off = (uint32_t)m->keys_len;
    s->len = (uint32_t)n;
    s->val = val;
    m->keys_len += n;
    m->count++;
    return 1;
}

int pk_strmap_get(const pk_strmap *m, const char *key, size_t n, uint32_t *val) {
    if (!m->slots) return 0;
    uint64_t h = str_hash(key, n);
    size_t j = h & m->mask;
    while (m->slots[j].hash) {
        const pk_strmap_slot *s = &m->slots[j];
        if (s->hash == h && s->len == n && memcmp(m->keys + s->off, key, n) == 0) {
            *val = s->val;
            return 1;
        }
        j = (j + 1) & m->mask;
    }
    return 0;
}

void pk_strmap_free(pk_strmap *m) {
    if (!m || !m->alloc) return;
    pk_free(m->alloc, m->slots);
    pk_free(m->alloc, m->keys);
    m->slots = NULL;
    m->keys = NULL;
}

size_t pk_strmap_bytes(const pk_strmap *m) {
    return (m->mask + 1) * sizeof(pk_strmap_slot) + m->keys_cap;
}
