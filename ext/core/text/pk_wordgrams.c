/*
 * pk_wordgrams.c - the word n-gram trie of pk_wordgrams.h: building it from vocabulary terms,
 * and a document's columns from its tokens.
 */
#include "pk_wordgrams.h"

#include <string.h>

#define EMPTY UINT64_MAX
#define MIX   0x9E3779B97F4A7C15ull

int pk_wordgrams_init(pk_wordgrams *g, const pk_alloc *a, size_t terms) {
    memset(g, 0, sizeof *g);
    g->alloc = a;
    return pk_strmap_init(&g->words, a, terms / 4 + 16); /* words: fewer than terms */
}

/* The slot of key in a table of mask + 1 slots: multiplicative hash, its high bits. */
static size_t slot_of(uint64_t key, size_t mask) {
    return (size_t)((key * MIX) >> 32) & mask;
}

static uint64_t pair_key(uint32_t parent, uint32_t word) {
    return (uint64_t)parent << 32 | word;
}

static const pk_wg_slot *step_of(const pk_wordgrams *g, uint32_t parent, uint32_t word) {
    if (!g->slots) return NULL;
    uint64_t key = pair_key(parent, word);
    for (size_t j = slot_of(key, g->mask);; j = (j + 1) & g->mask) {
        const pk_wg_slot *s = &g->slots[j];
        if (s->key == key) return s;
        if (s->key == EMPTY) return NULL;
    }
}

static int grow_slots(pk_wordgrams *g) {
    size_t cap = g->slots ? (g->mask + 1) * 2 : 64;
    if (cap > SIZE_MAX / 2 / sizeof(pk_wg_slot)) return 0;
    pk_wg_slot *n = pk_malloc(g->alloc, cap * sizeof *n);
    if (!n) return 0;
    memset(n, 0xff, cap * sizeof *n);
    for (size_t i = 0; g->slots && i <= g->mask; i++) {
        if (g->slots[i].key == EMPTY) continue;
        size_t j = slot_of(g->slots[i].key, cap - 1);
        while (n[j].key != EMPTY)
            j = (j + 1) & (cap - 1);
        n[j] = g->slots[i];
    }
    pk_free(g->alloc, g->slots);
    g->slots = n;
    g->mask = cap - 1;
    return 1;
}

static int word_node(pk_wordgrams *g, const uint8_t *s, size_t n, uint32_t *node) {
    if (pk_strmap_get(&g->words, (const char *)s, n, node)) return 1;
    if (g->nwords >= PK_WG_LONG) return 0;
    if (g->nwords == g->col_cap) {
        size_t nc = g->col_cap ? g->col_cap * 2 : 256;
        uint32_t *q = pk_realloc(g->alloc, g->col, g->col_cap * sizeof *q, nc * sizeof *q);
        if (!q) return 0;
        g->col = q;
        g->col_cap = nc;
    }
    g->col[g->nwords] = PK_WG_NONE;
    *node = (uint32_t)g->nwords++;
    return pk_strmap_put(&g->words, (const char *)s, n, *node);
}

/* The slot of the step (parent, word), added when absent. */
static pk_wg_slot *step_slot(pk_wordgrams *g, uint32_t parent, uint32_t word) {
    pk_wg_slot *s = (pk_wg_slot *)step_of(g, parent, word);
    if (s) return s;
    if (g->used >= PK_WG_NONE - PK_WG_LONG - 1) return NULL;
    if ((g->used + 1) * 2 > (g->slots ? g->mask + 1 : 0) && !grow_slots(g)) return NULL;
    uint64_t key = pair_key(parent, word);
    size_t j = slot_of(key, g->mask);
    while (g->slots[j].key != EMPTY)
        j = (j + 1) & g->mask;
    s = &g->slots[j];
    s->key = key;
    s->node = (uint32_t)(PK_WG_LONG + g->used++);
    s->col = PK_WG_NONE;
    return s;
}

int pk_wordgrams_add(pk_wordgrams *g, const uint8_t *s, size_t n, uint32_t col, size_t min_n,
                     size_t max_n) {
    size_t pieces = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ') {
            if (i == 0 || i + 1 == n || s[i + 1] == ' ') return 1; /* an empty token */
            pieces++;
        }
    if (n == 0 || pieces < min_n || pieces > max_n) return 1;
    uint32_t node = PK_WG_NONE;
    pk_wg_slot *last = NULL;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && s[b] != ' ')
            b++;
        uint32_t w;
        if (!word_node(g, s + a, b - a, &w)) return 0;
        if (node == PK_WG_NONE) {
            node = w;
        } else {
            if (!(last = step_slot(g, node, w))) return 0;
            node = last->node;
        }
        a = b + 1;
    }
    if (last)
        last->col = col;
    else
        g->col[node] = col;
    return 1;
}

#define NEED(ptr, capf, k)                                                                         \
    pk_text_ws_need(ws, (void **)&ws->ptr, &ws->capf, (k), sizeof(*ws->ptr), err)

/* Word lookups go in batches: the batch's slots are prefetched, then the records the tags point
 * to, then the keys compared, so the misses of a map larger than the caches overlap. */
#define BATCH 64

/* ws->wid[i]: the node of token i, PK_WG_NONE when no term holds it. */
static void word_ids(const pk_wordgrams *g, pk_text_ws *ws) {
    const size_t *t = ws->tok8;
    const uint64_t *th = ws->th;
    size_t nt = ws->ntok;
    for (size_t i0 = 0; i0 < nt; i0 += BATCH) {
        size_t nb = nt - i0 < BATCH ? nt - i0 : BATCH;
        uint64_t key[BATCH];
        const uint8_t *cand[BATCH];
        for (size_t b = 0; b < nb; b++) {
            size_t i = i0 + b;
            key[b] = pk_strmap_key(th[2 * i], t[2 * i + 1] - t[2 * i]);
            pk_strmap_prefetch(&g->words, key[b]);
        }
        for (size_t b = 0; b < nb; b++)
            cand[b] = pk_strmap_candidate(&g->words, key[b]);
        for (size_t b = 0; b < nb; b++) {
            size_t i = i0 + b;
            uint32_t v;
            ws->wid[i] = pk_strmap_check(&g->words, cand[b], key[b], t[2 * i + 1] - t[2 * i],
                                         ws->text, t + 2 * i, 1, ' ', &v)
                             ? v
                             : PK_WG_NONE;
        }
    }
}

pk_code pk_wordgrams_lookup(const pk_wordgrams *g, const pk_analyzer *an, pk_text_ws *ws,
                            size_t *nfeat, pk_err *err) {
    size_t nt = ws->ntok;
    const size_t *t = ws->tok8;
    pk_code rc;
    *nfeat = 0;
    if (!ws->hashed) {
        if ((rc = NEED(th, th_cap, 2 * nt + 2)) != PK_OK) return rc;
        for (size_t i = 0; i < nt; i++)
            ws->th[2 * i] = pk_strmap_hash(ws->text + t[2 * i], t[2 * i + 1] - t[2 * i]);
        ws->hashed = 1;
    }
    /* every token gives at most max_n features, and no more than there are n-grams */
    size_t most = nt * (an->max_n - an->min_n + 1);
    if ((rc = NEED(wid, wid_cap, nt + 1)) != PK_OK || (rc = NEED(feat, feat_cap, most + 1)))
        return rc;
    word_ids(g, ws);
    const uint32_t *wid = ws->wid, *col = g->col;
    uint32_t *feat = ws->feat;
    size_t k = 0, min_n = an->min_n, max_n = an->max_n;
    if (max_n >= 2 && g->slots) /* the two-word steps' slots, ahead of their probes */
        for (size_t i = 0; i + 1 < nt; i++)
            if (wid[i] != PK_WG_NONE && wid[i + 1] != PK_WG_NONE)
                __builtin_prefetch(&g->slots[slot_of(pair_key(wid[i], wid[i + 1]), g->mask)]);
    for (size_t i = 0; i < nt; i++) {
        uint32_t node = wid[i];
        if (node == PK_WG_NONE) continue;
        if (min_n == 1 && col[node] != PK_WG_NONE) feat[k++] = col[node];
        for (size_t n = 2; n <= max_n && i + n <= nt; n++) {
            uint32_t w = wid[i + n - 1];
            const pk_wg_slot *st = w == PK_WG_NONE ? NULL : step_of(g, node, w);
            if (!st) break;
            node = st->node;
            if (n >= min_n && st->col != PK_WG_NONE) feat[k++] = st->col;
        }
    }
    *nfeat = k;
    return PK_OK;
}

pk_code pk_analyze_wordgrams(const pk_analyzer *an, const pk_wordgrams *g, const uint8_t *doc,
                             size_t n, pk_text_ws *ws, size_t max_bytes, size_t *nfeat,
                             pk_err *err) {
    ws->max_bytes = max_bytes;
    *nfeat = 0;
    pk_code rc = pk_word_tokens(an, doc, n, ws, max_bytes, err);
    return rc ? rc : pk_wordgrams_lookup(g, an, ws, nfeat, err);
}

size_t pk_wordgrams_bytes(const pk_wordgrams *g) {
    size_t slots = g->slots ? g->mask + 1 : 0;
    return (g->words.slots ? pk_strmap_bytes(&g->words) : 0) + slots * sizeof *g->slots +
           g->col_cap * sizeof *g->col;
}

void pk_wordgrams_free(pk_wordgrams *g) {
    if (!g || !g->alloc) return;
    pk_strmap_free(&g->words);
    pk_free(g->alloc, g->slots);
    pk_free(g->alloc, g->col);
    memset(g, 0, sizeof *g);
}
