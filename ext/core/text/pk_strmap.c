/*
 * pk_strmap.c - the string -> value hash map of pk_strmap.h. The slot and tag come from the
 * polynomial hash and the length through a 64-bit finalizer (the map's own: no format depends
 * on it).
 */
#include "pk_strmap.h"

#include <string.h>

#define REC_HEAD PK_STRMAP_REC_HEAD

uint64_t pk_strmap_hash(const uint8_t *s, size_t n) {
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = pk_strmap_step(h, s[i]);
    return h;
}

/* B^k for k < 64 (pk_strmap_pow). */
const uint64_t pk_strmap_pows[64] = {
    0x0000000000000001ull, 0x9E3779B97F4A7C15ull, 0xDF442D22CE4859B9ull, 0x604A5CE3ADDEF82Dull,
    0xD94363FC538227B1ull, 0x2E2B795F2D10FD85ull, 0x4BE7956E30A337E9ull, 0x5ECB31E4CCD2721Dull,
    0x06D4B2611BEB6861ull, 0x0F10CD6A9BE88BF5ull, 0x80E0DCF76DB02719ull, 0x779023CF069D510Dull,
    0x4114E3439EEBF211ull, 0x8FC15A19BA851765ull, 0x50687085A271D749ull, 0x82FE791BE9B804FDull,
    0xF53F7DFF42A4F4C1ull, 0xC1712BCBDCDF8FD5ull, 0x204DB59CA693F879ull, 0xE1A216043077FDEDull,
    0x07DDE4BF1258A071ull, 0x657DF06EDEA5E545ull, 0xFB5E617F1F9B3AA9ull, 0xB39AFCD693FFABDDull,
    0x761AF3294C1A2521ull, 0x3737591302AB07B5ull, 0xA6A140EA15154DD9ull, 0xA09B3202342E7ECDull,
    0x590DD8F2277DB2D1ull, 0x3710DF127F56E725ull, 0xF0F4B4B9B5C8E209ull, 0x196A94FE0490E6BDull,
    0xCDFB8AFC05487981ull, 0xBBF1BBAEA8167395ull, 0x477AAC3FFDE5A739ull, 0xF4323BC3AE5053ADull,
    0x66E0293C3820A931ull, 0x66B667E9A3CB9D05ull, 0x2685E2DEEE344D69ull, 0x7B6DF7115723359Dull,
    0x707345DC963D71E1ull, 0xA22921B8A03D5375ull, 0x7D788C7104468499ull, 0xAF359F12BD3CFC8Dull,
    0x7C7B3C0304170391ull, 0xD68C186F728786E5ull, 0xF3420C33A3A6FCC9ull, 0xA5C7D76F183E187Dull,
    0x1030134928168E41ull, 0xCAD2517B948B2755ull, 0x668C1D40200965F9ull, 0xBA93C4062F23F96Dull,
    0x8A8D513F774641F1ull, 0x192E4D296F5E24C5ull, 0xD122FB29187A7029ull, 0x0CD9C1E413390F5Dull,
    0x48B84D57CB014EA1ull, 0xBA5E1E43E2BB6F35ull, 0x58E24E0AD38FCB59ull, 0x4E99271FF004CA4Dull,
    0x7C710644AFA3E451ull, 0x470D23E2F972F6A5ull, 0x98ED40464C982789ull, 0x3BFD4577603B9A3Dull};

uint64_t pk_strmap_pow(size_t n) {
    if (n < 64) return pk_strmap_pows[n];
    uint64_t p = pk_strmap_pows[63];
    for (size_t k = 63; k < n; k++)
        p *= PK_STRMAP_B;
    return p;
}

static uint32_t rec_u32(const uint8_t *p) {
    return pk_strmap_u32(p);
}

int pk_strmap_init(pk_strmap *m, const pk_alloc *a, size_t expected) {
    memset(m, 0, sizeof *m);
    m->alloc = a;
    size_t cap = 16;
    while (cap < expected * 2 + 2) {
        if (cap > (SIZE_MAX >> 4) / sizeof *m->slots) return 0; /* cap * slot size must fit */
        cap *= 2;
    }
    m->slots = pk_malloc(a, cap * sizeof *m->slots);
    if (!m->slots) return 0;
    memset(m->slots, 0, cap * sizeof *m->slots);
    m->mask = cap - 1;
    m->recs_len = 1; /* offset 0 means an empty slot */
    return 1;
}

static int rehash(pk_strmap *m) {
    size_t cap = (m->mask + 1) * 2;
    uint64_t *n = pk_malloc(m->alloc, cap * sizeof *n);
    if (!n) return 0;
    memset(n, 0, cap * sizeof *n);
    for (size_t i = 0; i <= m->mask; i++) {
        uint64_t s = m->slots[i];
        if (!s) continue;
        const uint8_t *r = m->recs + (uint32_t)s;
        size_t len = rec_u32(r + 4);
        size_t j = (size_t)(pk_strmap_key(pk_strmap_hash(r + REC_HEAD, len), len) & (cap - 1));
        while (n[j])
            j = (j + 1) & (cap - 1);
        n[j] = s;
    }
    pk_free(m->alloc, m->slots);
    m->slots = n;
    m->mask = cap - 1;
    return 1;
}

int pk_strmap_put(pk_strmap *m, const char *key, size_t n, uint32_t val) {
    if (n > UINT32_MAX || m->recs_len + REC_HEAD + n > UINT32_MAX) return 0;
    uint32_t v;
    uint64_t h = pk_strmap_hash((const uint8_t *)key, n);
    if (pk_strmap_get_h(m, h, (const uint8_t *)key, n, &v)) return 1;
    if ((m->count + 1) * 2 > m->mask + 1 && !rehash(m)) return 0;
    size_t need = m->recs_len + REC_HEAD + n;
    if (need > m->recs_cap) {
        size_t nc = m->recs_cap ? m->recs_cap * 2 : 256;
        while (nc < need)
            nc *= 2;
        uint8_t *q = pk_realloc(m->alloc, m->recs, m->recs_cap, nc);
        if (!q) return 0;
        m->recs = q;
        m->recs_cap = nc;
    }
    uint8_t *r = m->recs + m->recs_len;
    uint32_t len = (uint32_t)n;
    memcpy(r, &val, 4);
    memcpy(r + 4, &len, 4);
    if (n) memcpy(r + REC_HEAD, key, n);
    uint64_t x = pk_strmap_key(h, n);
    size_t j = (size_t)(x & m->mask);
    while (m->slots[j])
        j = (j + 1) & m->mask;
    m->slots[j] = (x >> 32) << 32 | (uint64_t)m->recs_len;
    m->recs_len = need;
    m->count++;
    return 1;
}

int pk_strmap_get_h(const pk_strmap *m, uint64_t h, const uint8_t *key, size_t n, uint32_t *val) {
    size_t spans[2] = {0, n};
    return pk_strmap_get_spans(m, h, n, key, spans, 1, 0, val);
}

int pk_strmap_get(const pk_strmap *m, const char *key, size_t n, uint32_t *val) {
    const uint8_t *k = (const uint8_t *)key;
    return pk_strmap_get_h(m, pk_strmap_hash(k, n), k, n, val);
}

int pk_strmap_get_spans(const pk_strmap *m, uint64_t h, size_t len, const uint8_t *base,
                        const size_t *spans, size_t npieces, uint8_t sep, uint32_t *val) {
    return pk_strmap_get_key(m, pk_strmap_key(h, len), len, base, spans, npieces, sep, val);
}

void pk_strmap_free(pk_strmap *m) {
    if (!m || !m->alloc) return;
    pk_free(m->alloc, m->slots);
    pk_free(m->alloc, m->recs);
    m->slots = NULL;
    m->recs = NULL;
}

size_t pk_strmap_bytes(const pk_strmap *m) {
    return (m->mask + 1) * sizeof(uint64_t) + m->recs_cap;
}
