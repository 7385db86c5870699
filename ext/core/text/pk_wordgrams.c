/*
 * pk_wordgrams.c - the word n-gram trie of pk_wordgrams.h: building it from vocabulary terms,
 * and a document's columns from its tokens.
 */
#include "pk_wordgrams.h"

#include <string.h>

#define MIX 0x9E3779B97F4A7C15ull

/* ---- hashing and probing -------------------------------------------------------------------- */

/* A slot in [0, cap) (a power of two) from 64 bits of a multiplicative hash: its high half. */
static size_t slot_in(uint64_t x, size_t cap) {
    return (size_t)(x >> 32) & (cap - 1);
}

static size_t next_slot(size_t j, size_t cap) {
    return (j + 1) & (cap - 1);
}

#define EMPTY_STEP UINT64_MAX

static uint64_t step_key(uint32_t parent, uint32_t word) {
    return (uint64_t)parent << 32 | word;
}

/* A word's hash: its first 8 bytes (zero-padded) and length n, then its bytes from the ninth
 * (tail[0 .. n - 8)) 8 at a time. */
static uint64_t word_hash_long(uint64_t h, const uint8_t *tail, size_t n) {
    for (size_t i = 8; i < n; i += 8) {
        uint64_t x = 0;
        memcpy(&x, tail + i - 8, n - i < 8 ? n - i : 8);
        h = (h ^ (h >> 31) ^ x) * MIX;
    }
    return h;
}

static inline uint64_t word_hash(uint64_t head, const uint8_t *tail, size_t n) {
    uint64_t h = (head ^ (uint64_t)n << 56) * MIX;
    if (n > 8) h = word_hash_long(h, tail, n);
    return h ^ (h >> 29);
}

static size_t word_slot(uint64_t h, size_t cap) {
    return slot_in(h, cap);
}

static size_t step_slot(uint64_t key, size_t cap) {
    return slot_in(key * MIX, cap);
}

/* The first min(n, 8) bytes of s, zero-padded; s has 8 readable bytes. */
static uint64_t head_of(const uint8_t *s, size_t n) {
    uint64_t x;
    memcpy(&x, s, 8);
    if (n < 8) {
        uint64_t keep = (1ull << (8 * n)) - 1;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        keep <<= 8 * (8 - n);
#endif
        x &= keep;
    }
    return x;
}

/* The first min(n, 8) bytes of s (which may end there), zero-padded: as head_of. */
static uint64_t head_of_short(const uint8_t *s, size_t n) {
    uint8_t b[8] = {0};
    memcpy(b, s, n < 8 ? n : 8);
    return head_of(b, 8 < n ? 8 : n);
}

static uint32_t find_word(const pk_wordgrams *g, uint64_t h, const uint8_t *s, size_t n,
                          uint64_t head) {
    size_t cap = g->nwords_cap;
    for (size_t j = word_slot(h, cap);; j = next_slot(j, cap)) {
        const pk_wg_word *w = &g->words[j];
        if (w->len == 0) return PK_WG_NONE;
        if (w->len == n && w->head == head &&
            (n <= 8 || memcmp(g->tails + g->tail[j], s + 8, n - 8) == 0))
            return w->node;
    }
}

static inline uint32_t find_step(const pk_wordgrams *g, uint32_t parent, uint32_t word) {
    size_t cap = g->nsteps_cap;
    if (!cap) return PK_WG_NONE;
    uint64_t key = step_key(parent, word);
    for (size_t j = step_slot(key, cap);; j = next_slot(j, cap)) {
        const pk_wg_step *s = &g->steps[j];
        if (s->key == key) return s->node;
        if (s->key == EMPTY_STEP) return PK_WG_NONE;
    }
}

#define MORE (PK_WG_NONE - 1) /* no node has this id */

/* c ? a : b by arithmetic (compilers turn the conditional into a branch). */
static inline uint32_t pick(int c, uint32_t a, uint32_t b) {
    return b ^ ((a ^ b) & (0u - (uint32_t)c));
}

/* find_step for a table that has slots, its first two slots read without branching on what
 * they hold: whether an n-gram is a term follows no pattern a branch predictor could learn. */
static inline uint32_t find_step2(const pk_wordgrams *g, uint64_t key) {
    size_t cap = g->nsteps_cap, j = step_slot(key, cap);
    const pk_wg_step *s0 = &g->steps[j], *s1 = &g->steps[next_slot(j, cap)];
    uint64_t k0 = s0->key, k1 = s1->key;
    uint32_t n0 = s0->node, n1 = s1->node;
    uint32_t r = pick(k1 == key, n1, pick(k1 == EMPTY_STEP, PK_WG_NONE, MORE));
    r = pick(k0 == key, n0, pick(k0 == EMPTY_STEP, PK_WG_NONE, r));
    if (r != MORE) return r;
    for (j = next_slot(next_slot(j, cap), cap);; j = next_slot(j, cap)) {
        const pk_wg_step *st = &g->steps[j];
        if (st->key == key) return st->node;
        if (st->key == EMPTY_STEP) return PK_WG_NONE;
    }
}

/* ---- building ------------------------------------------------------------------------------- */

/* Scratch of a build: words and steps in growable tables (the final ones are sized once). */
typedef struct build {
    const pk_alloc *tmp;
    pk_wordgrams t; /* tables under construction, in tmp memory */
    size_t nwords, nsteps;
    uint8_t *tails;
    size_t tails_len, tails_cap;
    uint32_t next_node; /* the next node that is no term */
} build;

/* Slots for count entries: a power of two, load <= 0.5 (a miss probes 2.5 slots on average). */
static size_t cap_for(size_t count) {
    size_t cap = 16;
    while (cap < 2 * count + 2)
        cap *= 2;
    return cap;
}

static int grow_words(build *b, size_t cap) {
    pk_wordgrams *t = &b->t;
    pk_wg_word *w = pk_malloc(b->tmp, cap * sizeof *w);
    uint32_t *tail = pk_malloc(b->tmp, cap * sizeof *tail);
    if (!w || !tail) {
        pk_free(b->tmp, w);
        pk_free(b->tmp, tail);
        return 0;
    }
    memset(w, 0, cap * sizeof *w);
    for (size_t i = 0; i < t->nwords_cap; i++) {
        if (t->words[i].len == 0) continue;
        uint32_t len = t->words[i].len, off = t->tail[i];
        const uint8_t *rest = len > 8 ? b->tails + off : NULL; /* no tails: none is long */
        size_t j = word_slot(word_hash(t->words[i].head, rest, len), cap);
        while (w[j].len)
            j = next_slot(j, cap);
        w[j] = t->words[i];
        tail[j] = off;
    }
    pk_free(b->tmp, t->words);
    pk_free(b->tmp, t->tail);
    t->words = w;
    t->tail = tail;
    t->nwords_cap = cap;
    return 1;
}

static int grow_steps(build *b, size_t cap) {
    pk_wordgrams *t = &b->t;
    pk_wg_step *st = pk_malloc(b->tmp, cap * sizeof *st);
    if (!st) return 0;
    memset(st, 0xff, cap * sizeof *st);
    for (size_t i = 0; i < t->nsteps_cap; i++) {
        const pk_wg_step *s = &t->steps[i];
        if (s->key == EMPTY_STEP) continue;
        size_t j = step_slot(s->key, cap);
        while (st[j].key != EMPTY_STEP)
            j = next_slot(j, cap);
        st[j] = *s;
    }
    pk_free(b->tmp, t->steps);
    t->steps = st;
    t->nsteps_cap = cap;
    return 1;
}

/* The node of word s[0..n) (node `as` when it is new and `as` is not PK_WG_NONE, else a node
 * that is no term). */
static int word_node(build *b, const uint8_t *s, size_t n, uint32_t as, uint32_t *node) {
    pk_wordgrams *t = &b->t;
    uint64_t head = head_of_short(s, n), h = word_hash(head, n > 8 ? s + 8 : s, n);
    t->tails = b->tails;
    if (t->nwords_cap && (*node = find_word(t, h, s, n, head)) != PK_WG_NONE) return 1;
    if (n > UINT32_MAX || b->next_node >= MORE) return 0;
    if (cap_for(b->nwords + 1) > t->nwords_cap && !grow_words(b, cap_for(b->nwords + 1))) return 0;
    uint32_t off = 0;
    if (n > 8) {
        if (b->tails_len + n - 8 > UINT32_MAX) return 0;
        if (b->tails_len + n - 8 > b->tails_cap) {
            size_t nc = b->tails_cap ? b->tails_cap * 2 : 1024;
            while (nc < b->tails_len + n - 8)
                nc *= 2;
            uint8_t *q = pk_realloc(b->tmp, b->tails, b->tails_cap, nc);
            if (!q) return 0;
            b->tails = q;
            b->tails_cap = nc;
        }
        off = (uint32_t)b->tails_len;
        memcpy(b->tails + off, s + 8, n - 8);
        b->tails_len += n - 8;
    }
    size_t j = word_slot(h, t->nwords_cap);
    while (t->words[j].len)
        j = next_slot(j, t->nwords_cap);
    *node = as != PK_WG_NONE ? as : b->next_node++;
    t->words[j] = (pk_wg_word){head, (uint32_t)n, *node};
    t->tail[j] = off;
    b->nwords++;
    return 1;
}

/* The node of the step (parent, word), added as `as` (or a node that is no term) when new. */
static int step_node(build *b, uint32_t parent, uint32_t word, uint32_t as, uint32_t *node) {
    pk_wordgrams *t = &b->t;
    if ((*node = find_step(t, parent, word)) != PK_WG_NONE) return 1;
    if (b->next_node >= MORE) return 0;
    if (cap_for(b->nsteps + 1) > t->nsteps_cap && !grow_steps(b, cap_for(b->nsteps + 1))) return 0;
    uint64_t key = step_key(parent, word);
    size_t j = step_slot(key, t->nsteps_cap);
    while (t->steps[j].key != EMPTY_STEP)
        j = next_slot(j, t->nsteps_cap);
    *node = as != PK_WG_NONE ? as : b->next_node++;
    t->steps[j] = (pk_wg_step){key, *node, 0};
    b->nsteps++;
    return 1;
}

/* Tokens of term s[0..n): their number, or 0 when one would be empty. */
static size_t pieces_of(const uint8_t *s, size_t n) {
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ') return 0;
    size_t k = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ') {
            if (s[i + 1] == ' ') return 0;
            k++;
        }
    return k;
}

/* Adds a term of `pieces` tokens as node col (a term's first words and prefixes may be new
 * nodes that are no term). */
static int add_term(build *b, const pk_wg_term *term, size_t pieces) {
    const uint8_t *s = term->s;
    size_t n = term->n;
    uint32_t node = PK_WG_NONE;
    size_t k = 0;
    for (size_t a = 0; a < n; k++) {
        size_t e = a;
        while (e < n && s[e] != ' ')
            e++;
        uint32_t as = k + 1 == pieces ? term->col : PK_WG_NONE, w;
        if (k == 0) {
            if (!word_node(b, s + a, e - a, as, &node)) return 0;
        } else {
            if (!word_node(b, s + a, e - a, PK_WG_NONE, &w)) return 0;
            if (!step_node(b, node, w, as, &node)) return 0;
        }
        a = e + 1;
    }
    return 1;
}

/* Copies the tables into arena memory, sized for their contents. */
static int finish(build *b, pk_wordgrams *g, const pk_alloc *arena) {
    pk_wordgrams *t = &b->t;
    size_t wcap = cap_for(b->nwords), scap = b->nsteps ? cap_for(b->nsteps) : 0;
    pk_wordgrams f = {0};
    f.n_terms = g->n_terms;
    f.words = pk_malloc(arena, wcap * sizeof *f.words);
    f.tail = pk_malloc(arena, wcap * sizeof *f.tail);
    uint8_t *tails = pk_malloc(arena, b->tails_len + 1);
    f.steps = scap ? pk_malloc(arena, scap * sizeof *f.steps) : NULL;
    if (!f.words || !f.tail || !tails || (scap && !f.steps)) return 0;
    if (b->tails_len) memcpy(tails, b->tails, b->tails_len);
    f.tails = tails;
    /* re-placing into tables of the final size: grow_* into tmp, then copy */
    if (!grow_words(b, wcap) || (scap && !grow_steps(b, scap))) return 0;
    memcpy(f.words, t->words, wcap * sizeof *f.words);
    memcpy(f.tail, t->tail, wcap * sizeof *f.tail);
    if (scap) memcpy(f.steps, t->steps, scap * sizeof *f.steps);
    f.nwords_cap = wcap;
    f.nsteps_cap = scap;
    *g = f;
    return 1;
}

int pk_wordgrams_build(pk_wordgrams *g, const pk_alloc *arena, const pk_alloc *tmp,
                       const pk_wg_term *terms, size_t n, size_t n_cols, size_t min_n,
                       size_t max_n) {
    memset(g, 0, sizeof *g);
    if (n_cols >= PK_WG_NONE / 2) return -1;
    g->n_terms = (uint32_t)n_cols;
    int rc = 0;
    build b = {0};
    b.tmp = tmp;
    b.next_node = (uint32_t)n_cols;
    /* terms in order of their number of tokens, so that a node that is a term gets its column
     * before a longer term passes through it; each column once */
    uint32_t *np = pk_malloc(tmp, (n ? n : 1) * sizeof *np);
    uint32_t *order = pk_malloc(tmp, (n ? n : 1) * sizeof *order);
    uint8_t *seen = pk_malloc(tmp, n_cols ? n_cols : 1);
    size_t *count = pk_malloc(tmp, (max_n + 2) * sizeof *count);
    if (!np || !order || !seen || !count) goto out;
    memset(seen, 0, n_cols ? n_cols : 1);
    memset(count, 0, (max_n + 2) * sizeof *count);
    for (size_t i = 0; i < n; i++) {
        if (terms[i].col >= n_cols || seen[terms[i].col]) {
            rc = -1;
            goto out;
        }
        seen[terms[i].col] = 1;
        size_t p = pieces_of(terms[i].s, terms[i].n);
        np[i] = (uint32_t)(p < min_n || p > max_n ? 0 : p); /* 0: never produced */
        count[np[i] + 1]++;
    }
    for (size_t p = 1; p < max_n + 2; p++)
        count[p] += count[p - 1];
    for (size_t i = 0; i < n; i++)
        order[count[np[i]]++] = (uint32_t)i;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        if (np[i] && !add_term(&b, &terms[i], np[i])) goto out;
    }
    if (!b.nwords && !grow_words(&b, 1)) goto out;
    rc = finish(&b, g, arena);
out:
    pk_free(tmp, np);
    pk_free(tmp, order);
    pk_free(tmp, seen);
    pk_free(tmp, count);
    pk_free(tmp, b.t.words);
    pk_free(tmp, b.t.tail);
    pk_free(tmp, b.t.steps);
    pk_free(tmp, b.tails);
    if (rc != 1) memset(g, 0, sizeof *g);
    return rc;
}

void pk_wordgrams_free(pk_wordgrams *g, const pk_alloc *arena) {
    pk_free(arena, g->words);
    pk_free(arena, g->tail);
    pk_free(arena, (void *)g->tails);
    pk_free(arena, g->steps);
    memset(g, 0, sizeof *g);
}

/* ---- a document's columns ------------------------------------------------------------------- */

#define NEED(ptr, capf, k)                                                                         \
    pk_text_ws_need(ws, (void **)&ws->ptr, &ws->capf, (k), sizeof(*ws->ptr), err)

/* ws->wid[i]: the node of token i, PK_WG_NONE when no term holds it. The slots of a batch are
 * prefetched before any is probed, so the misses of a table larger than the caches overlap. */
#define BATCH 64

static void word_ids(const pk_wordgrams *g, pk_text_ws *ws) {
    const size_t *t = ws->tok8;
    size_t nt = ws->ntok;
    for (size_t i0 = 0; i0 < nt; i0 += BATCH) {
        size_t nb = nt - i0 < BATCH ? nt - i0 : BATCH;
        size_t slot[BATCH];
        uint64_t head[BATCH];
        for (size_t b = 0; b < nb; b++) {
            size_t i = i0 + b, n = t[2 * i + 1] - t[2 * i];
            const uint8_t *s = ws->text + t[2 * i];
            head[b] = head_of(s, n);
            slot[b] = word_slot(word_hash(head[b], s + 8, n), g->nwords_cap);
            __builtin_prefetch(&g->words[slot[b]]);
        }
        for (size_t b = 0; b < nb; b++) {
            size_t i = i0 + b, n = t[2 * i + 1] - t[2 * i];
            const uint8_t *s = ws->text + t[2 * i];
            uint32_t node = PK_WG_NONE;
            for (size_t j = slot[b];; j = next_slot(j, g->nwords_cap)) {
                const pk_wg_word *w = &g->words[j];
                if (w->len == 0) break;
                if (w->len == n && w->head == head[b] &&
                    (n <= 8 || memcmp(g->tails + g->tail[j], s + 8, n - 8) == 0)) {
                    node = w->node;
                    break;
                }
            }
            ws->wid[i] = node;
        }
    }
}

pk_code pk_wordgrams_lookup(const pk_wordgrams *g, const pk_analyzer *an, pk_text_ws *ws,
                            size_t *nfeat, pk_err *err) {
    size_t nt = ws->ntok;
    pk_code rc;
    *nfeat = 0;
    /* every token gives at most max_n - min_n + 1 features */
    size_t most = nt * (an->max_n - an->min_n + 1);
    if ((rc = NEED(wid, wid_cap, nt + 1)) != PK_OK || (rc = NEED(feat, feat_cap, most + 1)))
        return rc;
    word_ids(g, ws);
    const uint32_t *wid = ws->wid;
    uint32_t *feat = ws->feat, terms = g->n_terms;
    size_t k = 0, min_n = an->min_n, max_n = an->max_n;
    if (max_n >= 2 && g->nsteps_cap) /* the two-word steps' slots, ahead of their probes */
        for (size_t i = 0; i + 1 < nt; i++)
            if (wid[i] != PK_WG_NONE && wid[i + 1] != PK_WG_NONE)
                __builtin_prefetch(
                    &g->steps[step_slot(step_key(wid[i], wid[i + 1]), g->nsteps_cap)]);
    if (max_n == 2 && g->nsteps_cap) { /* words and pairs: each found without a branch */
        uint32_t uni = min_n == 1;
        for (size_t i = 0; i < nt; i++) {
            uint32_t u = wid[i], v = i + 1 < nt ? wid[i + 1] : PK_WG_NONE, b = PK_WG_NONE;
            feat[k] = u; /* PK_WG_NONE and nodes that are no term are >= terms */
            k += uni & (u < terms);
            if (u != PK_WG_NONE && v != PK_WG_NONE) b = find_step2(g, step_key(u, v));
            feat[k] = b;
            k += b < terms;
        }
        *nfeat = k;
        return PK_OK;
    }
    for (size_t i = 0; i < nt; i++) {
        uint32_t node = wid[i];
        if (node == PK_WG_NONE) continue;
        if (min_n == 1 && node < terms) feat[k++] = node;
        for (size_t n = 2; n <= max_n && i + n <= nt; n++) {
            uint32_t w = wid[i + n - 1];
            if (w == PK_WG_NONE || (node = find_step(g, node, w)) == PK_WG_NONE) break;
            if (n >= min_n && node < terms) feat[k++] = node;
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
