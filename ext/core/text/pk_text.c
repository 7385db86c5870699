/*
 * pk_text.c - the analyzers of pk_text.h and MurmurHash3 (x86, 32-bit), written from their
 * published descriptions.
 */
#include "pk_text.h"

#include "pk_unicode.h"

#include <string.h>

void pk_text_ws_init(pk_text_ws *ws, const pk_alloc *a) {
    memset(ws, 0, sizeof *ws);
    ws->alloc = a;
    pk_rx_ws_init(&ws->rx, a);
}

void pk_text_ws_free(pk_text_ws *ws) {
    if (!ws || !ws->alloc) return;
    const pk_alloc *a = ws->alloc;
    pk_free(a, ws->a);
    pk_free(a, ws->b);
    pk_free(a, ws->tok);
    pk_free(a, ws->u8);
    pk_free(a, ws->offs);
    pk_free(a, ws->gram);
    pk_free(a, ws->tok8);
    pk_free(a, ws->th);
    pk_free(a, ws->wid);
    pk_free(a, ws->feat);
    pk_free(a, ws->idx);
    pk_free(a, ws->val);
    pk_free(a, ws->dense);
    pk_free(a, ws->str);
    pk_free(a, ws->name);
    pk_free(a, ws->spans);
    pk_free(a, ws->keys);
    pk_free(a, ws->val2);
    pk_free(a, ws->dnan);
    pk_free(a, ws->bits);
    pk_free(a, ws->wbits);
    pk_rx_ws_free(&ws->rx);
    memset(ws, 0, sizeof *ws);
}

pk_code pk_text_ws_need(pk_text_ws *ws, void **p, size_t *cap, size_t need, size_t size,
                        pk_err *err) {
    if (need <= *cap) return PK_OK;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 4 / size) return pk_err_nomem(err, -1);
        nc *= 2;
    }
    size_t grow_by = (nc - *cap) * size;
    if (ws->max_bytes && ws->bytes + grow_by > ws->max_bytes)
        return pk_err_set(err, PK_ELIMIT, -1, -1,
                          "limit exceeded: analysing the document needs more than %zu bytes "
                          "(max_model_bytes)",
                          ws->max_bytes);
    void *q = pk_realloc(ws->alloc, *p, *cap * size, nc * size);
    if (!q) return pk_err_nomem(err, -1);
    *p = q;
    *cap = nc;
    ws->bytes += grow_by;
    return PK_OK;
}

#define NEED(ptr, capf, n)                                                                         \
    pk_text_ws_need(ws, (void **)&ws->ptr, &ws->capf, (n), sizeof(*ws->ptr), err)

/* Encodes s[0..n) into ws->u8 with ws->offs[i] = byte offset of code point i (offs[n] = end). */
static pk_code to_utf8(pk_text_ws *ws, const uint32_t *s, size_t n, pk_err *err) {
    pk_code rc = NEED(u8, u8_cap, n * 4 + 8);
    if (!rc) rc = NEED(offs, offs_cap, n + 1);
    if (rc) return rc;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        ws->offs[i] = k;
        k += pk_utf8_put(s[i], ws->u8 + k);
    }
    ws->offs[n] = k;
    memset(ws->u8 + k, 0, 8); /* 8 readable bytes past the text (pk_wordgrams.h) */
    return PK_OK;
}

typedef struct tok_ctx {
    pk_text_ws *ws;
    const pk_analyzer *an;
    pk_err *err;
} tok_ctx;

/* findall's callback: keeps the token's byte span unless it is a stop word. */
static pk_code keep_token(void *p, size_t start, size_t end) {
    tok_ctx *t = p;
    pk_text_ws *ws = t->ws;
    pk_err *err = t->err;
    size_t b0 = ws->offs[start], b1 = ws->offs[end];
    if (t->an->stop) {
        uint32_t v;
        if (pk_strmap_get(t->an->stop, (const char *)ws->u8 + b0, b1 - b0, &v)) return PK_OK;
    }
    pk_code rc = NEED(tok8, tok8_cap, 2 * ws->ntok + 2);
    if (rc) return rc;
    ws->tok8[2 * ws->ntok] = b0;
    ws->tok8[2 * ws->ntok + 1] = b1;
    ws->ntok++;
    return PK_OK;
}

static pk_code word_ngrams(const pk_analyzer *an, pk_text_ws *ws, pk_feat_fn fn, void *ctx,
                           pk_err *err) {
    size_t nt = ws->ntok;
    const size_t *t = ws->tok8;
    size_t min_n = an->min_n, max_n = an->max_n;
    pk_code rc;
    if (min_n == 1) {
        for (size_t i = 0; i < nt; i++)
            if ((rc = fn(ctx, ws->text + t[2 * i], t[2 * i + 1] - t[2 * i])) != PK_OK) return rc;
        min_n = 2;
    }
    for (size_t n = min_n; n <= max_n && n <= nt; n++) {
        for (size_t i = 0; i + n <= nt; i++) {
            size_t len = n - 1;
            for (size_t j = i; j < i + n; j++)
                len += t[2 * j + 1] - t[2 * j];
            if ((rc = NEED(gram, gram_cap, len + 1)) != PK_OK) return rc;
            size_t k = 0;
            for (size_t j = i; j < i + n; j++) {
                if (j > i) ws->gram[k++] = ' ';
                memcpy(ws->gram + k, ws->text + t[2 * j], t[2 * j + 1] - t[2 * j]);
                k += t[2 * j + 1] - t[2 * j];
            }
            if ((rc = fn(ctx, ws->gram, k)) != PK_OK) return rc;
        }
    }
    return PK_OK;
}

static int is_space(uint32_t c) {
    return (pk_uc_flags(c) & PK_UC_SPACE) != 0;
}

/* _white_spaces.sub(" ", s): runs of >= 2 whitespace characters become one space. In place. */
static size_t squeeze_spaces(uint32_t *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (is_space(s[i]) && i + 1 < n && is_space(s[i + 1])) {
            while (i < n && is_space(s[i]))
                i++;
            s[k++] = ' ';
        } else {
            s[k++] = s[i++];
        }
    }
    return k;
}

static pk_code char_ngrams(const pk_analyzer *an, pk_text_ws *ws, size_t len, pk_feat_fn fn,
                           void *ctx) {
    const size_t *o = ws->offs;
    size_t min_n = an->min_n;
    pk_code rc;
    if (min_n == 1) {
        for (size_t i = 0; i < len; i++)
            if ((rc = fn(ctx, ws->u8 + o[i], o[i + 1] - o[i])) != PK_OK) return rc;
        min_n = 2;
    }
    for (size_t n = min_n; n <= an->max_n && n <= len; n++)
        for (size_t i = 0; i + n <= len; i++)
            if ((rc = fn(ctx, ws->u8 + o[i], o[i + n] - o[i])) != PK_OK) return rc;
    return PK_OK;
}

/* Byte offset of padded code point j of the word s[a..b) padded with one space each side. */
static size_t pad_off(const size_t *o, size_t a, size_t b, size_t j) {
    size_t len = b - a;
    if (j == 0) return 0;
    if (j <= len + 1) return 1 + (o[a + j - 1] - o[a]);
    return 2 + (o[b] - o[a]);
}

static pk_code char_wb_ngrams(const pk_analyzer *an, pk_text_ws *ws, const uint32_t *s, size_t len,
                              pk_feat_fn fn, void *ctx, pk_err *err) {
    const size_t *o = ws->offs;
    pk_code rc;
    for (size_t i = 0; i < len;) {
        while (i < len && is_space(s[i]))
            i++;
        if (i >= len) break;
        size_t a = i;
        while (i < len && !is_space(s[i]))
            i++;
        size_t b = i, wlen = b - a + 2, bytes = o[b] - o[a] + 2;
        if ((rc = NEED(gram, gram_cap, bytes)) != PK_OK) return rc;
        ws->gram[0] = ' ';
        memcpy(ws->gram + 1, ws->u8 + o[a], o[b] - o[a]);
        ws->gram[bytes - 1] = ' ';
        for (size_t n = an->min_n; n <= an->max_n; n++) {
            size_t off = 0;
            size_t e = n < wlen ? n : wlen;
            size_t p0 = pad_off(o, a, b, 0), p1 = pad_off(o, a, b, e);
            if ((rc = fn(ctx, ws->gram + p0, p1 - p0)) != PK_OK) return rc;
            while (off + n < wlen) {
                off++;
                p0 = pad_off(o, a, b, off);
                p1 = pad_off(o, a, b, off + n);
                if ((rc = fn(ctx, ws->gram + p0, p1 - p0)) != PK_OK) return rc;
            }
            if (off == 0) break;
        }
    }
    return PK_OK;
}

/* The processed text in ws->u8 (decoded, lowercased, accents stripped) and, for the word
 * analyzer, its tokens in ws->tok8, through the Unicode tables and the regex matcher. Char
 * analyzers: *s and *len are the processed code points (whitespace runs squeezed). */
static pk_code unicode_text(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                            size_t max_bytes, uint32_t **sp, size_t *lenp, pk_err *err) {
    pk_code rc = NEED(a, a_cap, n + 1);
    if (rc) return rc;
    size_t bad = 0;
    size_t len = pk_utf8_decode(doc, n, ws->a, &bad);
    if (len == (size_t)-1)
        return pk_err_set(err, PK_EFEATURE, -1, -1,
                          "the document is not valid UTF-8 (byte 0x%02x at offset %zu)", doc[bad],
                          bad);
    uint32_t *s = ws->a;
    if (an->lowercase) {
        if ((rc = NEED(b, b_cap, 2 * len + 1)) != PK_OK) return rc;
        len = pk_uc_lower(ws->a, len, ws->b);
        s = ws->b;
    }
    if (an->strip != PK_STRIP_NONE) {
        int ascii = an->strip == PK_STRIP_ASCII;
        size_t m = pk_uc_strip_len(s, len, ascii);
        uint32_t **dst = s == ws->a ? &ws->b : &ws->a;
        size_t *cap = s == ws->a ? &ws->b_cap : &ws->a_cap;
        if ((rc = pk_text_ws_need(ws, (void **)dst, cap, m + 1, sizeof(uint32_t), err)) != PK_OK)
            return rc;
        len = pk_uc_strip_into(s, len, ascii, *dst);
        s = *dst;
    }
    if (an->kind != PK_AN_WORD) len = squeeze_spaces(s, len);
    if ((rc = to_utf8(ws, s, len, err)) != PK_OK) return rc;
    ws->text = ws->u8;
    *sp = s;
    *lenp = len;
    if (an->kind != PK_AN_WORD) return PK_OK;
    ws->ntok = 0;
    tok_ctx t = {ws, an, err};
    size_t rx_cap = max_bytes ? (max_bytes > ws->bytes ? max_bytes - ws->bytes : 1) : SIZE_MAX;
    return pk_regex_findall(an->re, s, len, &ws->rx, rx_cap, keep_token, &t, err);
}

/* ---- the ASCII fast path of the word analyzer ----------------------------------------------- */

/* Bit 7 of each byte of x (bytes below 0x80) set when the byte is in [lo, hi]: c + 0x80 - lo has
 * bit 7 set when c >= lo, c + 0x7f - hi when c > hi (no carry leaves a byte). */
static uint64_t bytes_in(uint64_t x, unsigned lo, unsigned hi) {
    const uint64_t ones = 0x0101010101010101ull;
    return (x + (0x80 - lo) * ones) & ~(x + (0x7f - hi) * ones) & 0x80 * ones;
}

/* One bit per byte of the 8 bytes in x (bit i: byte i, in memory order): bytes that are ASCII
 * word characters, [0-9A-Za-z_] (x | 0x20 maps the capitals onto the small letters, and
 * nothing else onto them). */
static unsigned word_bits(uint64_t x) {
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t m =
        bytes_in(x, '0', '9') | bytes_in(x | 0x20 * ones, 'a', 'z') | bytes_in(x, '_', '_');
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    m = __builtin_bswap64(m);
#endif
    return (unsigned)((m * 0x0002040810204081ull) >> 56); /* bit 7 of byte i -> bit i */
}

static uint64_t load8(const uint8_t *p) {
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

void pk_analyzer_prepare(pk_analyzer *an, const char *pattern, size_t n) {
    static const char *const bodies[] = {"\\b\\w\\w+\\b", "\\w\\w+", "\\b\\w+\\b", "\\w+"};
    static const char *const flags[] = {"", "(?u)", "(?a)"};
    an->fast = an->runs = 0;
    if (an->kind != PK_AN_WORD) return;
    for (size_t f = 0; f < 3 && !an->fast; f++) {
        size_t fl = strlen(flags[f]);
        if (n < fl || memcmp(pattern, flags[f], fl) != 0) continue;
        for (size_t b = 0; b < 4; b++) {
            if (n - fl == strlen(bodies[b]) && memcmp(pattern + fl, bodies[b], n - fl) == 0) {
                an->fast = an->runs = 1;
                an->fast_min = b < 2 ? 2 : 1;
                break;
            }
        }
    }
    /* the tables say what the Unicode path does with each ASCII character: \w, a lowercase
     * by arithmetic, nothing to strip; otherwise no fast path */
    for (uint32_t c = 0; c < 128 && an->fast; c++) {
        uint32_t low = c - 'A' < 26u ? c + 32 : c, in = c, out[2];
        size_t k;
        an->ascii_word[c] = (pk_uc_flags(c) & PK_UC_WORD) != 0;
        /* the tokenizer classifies 8 bytes at a time by ranges: they must say the same */
        uint8_t one[8] = {(uint8_t)c};
        if ((word_bits(load8(one)) & 1) != an->ascii_word[c]) an->fast = 0;
        if (pk_uc_lower(&in, 1, out) != 1 || out[0] != low) an->fast = 0;
        if (an->strip != PK_STRIP_NONE && pk_uc_strip(c, an->strip == PK_STRIP_ASCII, &k))
            an->fast = 0;
    }
}

static int all_ascii(const uint8_t *s, size_t n) {
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= s[i];
    return (acc & 0x8080808080808080ull) == 0;
}

/* The hash of a token (pk_strmap_hash): its first 8 bytes as sum(byte_i * B^(k-1-i)), eight
 * products that do not wait on each other, then a step per further byte. t has 8 readable
 * bytes; bytes past the token are masked to 0 (their power is any in-range one). */
static uint64_t token_hash(const uint8_t *t, size_t len) {
    size_t k = len < 8 ? len : 8;
    uint64_t x = load8(t);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    if (k < 8) x &= (1ull << (8 * k)) - 1;
    const uint64_t *p = pk_strmap_pows;
    uint64_t h = (x & 0xff) * p[(k - 1) & 63] + (x >> 8 & 0xff) * p[(k - 2) & 63] +
                 (x >> 16 & 0xff) * p[(k - 3) & 63] + (x >> 24 & 0xff) * p[(k - 4) & 63] +
                 (x >> 32 & 0xff) * p[(k - 5) & 63] + (x >> 40 & 0xff) * p[(k - 6) & 63] +
                 (x >> 48 & 0xff) * p[(k - 7) & 63] + (x >> 56) * p[(k - 8) & 63];
    for (size_t i = 8; i < len; i++)
        h = pk_strmap_step(h, t[i]);
    return h;
}

/* Tokens of an ASCII document: runs of at least an->fast_min word characters (what the
 * patterns pk_analyzer_prepare accepts find there). The text is
 * lowercased into ws->u8 8 bytes at a time, its word characters marked a bit per byte on the
 * way; the tokens are then the runs of set bits, found a word of bits at a time, so the work
 * does not branch on every byte. Hashes (ws->hashed) only with stop words, which need them. */
static pk_code ascii_tokens(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                            pk_err *err) {
    size_t words = n / 64 + 1;
    pk_code rc = NEED(u8, u8_cap, n + 8); /* 8 readable bytes past the text (pk_wordgrams.h) */
    if (!rc) rc = NEED(wbits, wbits_cap, words);
    if (rc) return rc;
    uint8_t *t = ws->u8;
    uint64_t *bits = ws->wbits;
    memset(bits, 0, words * sizeof *bits);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = load8(doc + i);
        if (an->lowercase) x |= bytes_in(x, 'A', 'Z') >> 2; /* bit 7 becomes the 0x20 bit */
        memcpy(t + i, &x, 8);
        bits[i >> 6] |= (uint64_t)word_bits(x) << (i & 63);
    }
    if (i < n) { /* the last bytes, zero-padded */
        uint8_t last[8] = {0};
        memcpy(last, doc + i, n - i);
        uint64_t x = load8(last);
        if (an->lowercase) x |= bytes_in(x, 'A', 'Z') >> 2;
        memcpy(t + i, &x, 8);
        bits[i >> 6] |= (uint64_t)(word_bits(x) & ((1u << (n - i)) - 1)) << (i & 63);
    }
    memset(t + n, 0, 8);
    ws->text = t;
    /* runs of word bytes: a start is a word byte after another byte, an end a byte that is no
     * word byte after a word byte (bit n is clear, so every run ends); the i-th start and the
     * i-th end delimit the i-th run. Found 64 positions at a time. */
    size_t most = n / 2 + 1;
    if ((rc = NEED(tok8, tok8_cap, 2 * most)) != PK_OK || (rc = NEED(th, th_cap, 2 * most)))
        return rc;
    size_t *tok = ws->tok8, ns = 0, ne = 0;
    uint64_t carry = 0;
    for (size_t w = 0; w < words; w++) {
        uint64_t b = bits[w], before = b << 1 | carry;
        carry = b >> 63;
        for (uint64_t st = b & ~before; st; st &= st - 1)
            tok[2 * ns++] = w * 64 + (size_t)__builtin_ctzll(st);
        for (uint64_t en = ~b & before; en; en &= en - 1)
            tok[2 * ne++ + 1] = w * 64 + (size_t)__builtin_ctzll(en);
    }
    /* the runs long enough, and not stop words, kept in place (k <= r) */
    size_t k = 0, min = an->fast_min;
    if (!an->stop) {
        for (size_t r = 0; r < ns; r++) {
            size_t s0 = tok[2 * r], e0 = tok[2 * r + 1];
            tok[2 * k] = s0;
            tok[2 * k + 1] = e0;
            k += e0 - s0 >= min;
        }
    } else { /* the hash is needed now; else whoever needs it computes it */
        uint64_t *th = ws->th;
        for (size_t r = 0; r < ns; r++) {
            size_t s0 = tok[2 * r], e0 = tok[2 * r + 1], len = e0 - s0;
            uint32_t v;
            if (len < min) continue;
            uint64_t h = token_hash(t + s0, len);
            if (pk_strmap_get_h(an->stop, h, t + s0, len, &v)) continue;
            tok[2 * k] = s0;
            tok[2 * k + 1] = e0;
            th[2 * k++] = h;
        }
    }
    ws->ntok = k;
    ws->hashed = an->stop != NULL;
    return PK_OK;
}

/* The word analyzer's tokens in ws->tok8 over ws->text (ws->hashed: their hashes in ws->th). */
pk_code pk_word_tokens(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                       size_t max_bytes, pk_err *err) {
    ws->hashed = 0;
    if (an->fast && all_ascii(doc, n)) return ascii_tokens(an, doc, n, ws, err);
    uint32_t *s;
    size_t len;
    return unicode_text(an, doc, n, ws, max_bytes, &s, &len, err);
}

pk_code pk_analyze(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                   size_t max_bytes, pk_feat_fn fn, void *ctx, pk_err *err) {
    ws->max_bytes = max_bytes;
    pk_code rc;
    if (an->kind == PK_AN_WORD) {
        if ((rc = pk_word_tokens(an, doc, n, ws, max_bytes, err)) != PK_OK) return rc;
        return word_ngrams(an, ws, fn, ctx, err);
    }
    uint32_t *s;
    size_t len;
    if ((rc = unicode_text(an, doc, n, ws, max_bytes, &s, &len, err)) != PK_OK) return rc;
    if (an->kind == PK_AN_CHAR) return char_ngrams(an, ws, len, fn, ctx);
    return char_wb_ngrams(an, ws, s, len, fn, ctx, err);
}

/* ---- features looked up in a vocabulary ----------------------------------------------------- */

typedef struct lookup_ctx {
    pk_text_ws *ws;
    const pk_strmap *vocab;
    size_t n;
    pk_err *err;
} lookup_ctx;

static pk_code lookup_feature(void *p, const uint8_t *s, size_t n) {
    lookup_ctx *l = p;
    pk_text_ws *ws = l->ws;
    pk_err *err = l->err;
    uint32_t v;
    if (!pk_strmap_get(l->vocab, (const char *)s, n, &v)) return PK_OK;
    pk_code rc = NEED(feat, feat_cap, l->n + 1);
    if (rc) return rc;
    ws->feat[l->n++] = v;
    return PK_OK;
}

/* One word n-gram to look up: tokens i .. i + g - 1, len bytes joined, its pk_strmap_key. */
typedef struct ngram_q {
    uint64_t key;
    size_t len, i, g;
} ngram_q;

/* Lookups go in batches: each query's slot is prefetched when it is queued, and the batch is
 * resolved when full (a vocabulary is larger than the caches: the misses overlap). */
#define NGRAM_BATCH 64

static pk_code resolve(pk_text_ws *ws, const pk_strmap *vocab, const ngram_q *q, size_t nq,
                       size_t *k, pk_err *err) {
    pk_code rc;
    if (*k + nq > ws->feat_cap && (rc = NEED(feat, feat_cap, *k + nq)) != PK_OK) return rc;
    const uint8_t *cand[NGRAM_BATCH];
    for (size_t b = 0; b < nq; b++) /* the slots arrived; now the records, all at once */
        cand[b] = pk_strmap_candidate(vocab, q[b].key);
    uint32_t *feat = ws->feat;
    size_t n = *k;
    for (size_t b = 0; b < nq; b++)
        n += pk_strmap_check(vocab, cand[b], q[b].key, q[b].len, ws->text, ws->tok8 + 2 * q[b].i,
                             q[b].g, ' ', &feat[n]);
    *k = n;
    return PK_OK;
}

/* Word n-grams from the tokens' hashes: each n-gram's hash extends the previous one's by a
 * space and the next token, and the vocabulary compares its key with the tokens in place.
 * The lookups go in prefetched batches. */
static pk_code word_lookup(const pk_analyzer *an, pk_text_ws *ws, const pk_strmap *vocab,
                           size_t *nfeat, pk_err *err) {
    size_t nt = ws->ntok;
    const size_t *t = ws->tok8;
    pk_code rc;
    if ((rc = NEED(th, th_cap, 2 * nt + 2)) != PK_OK) return rc;
    for (size_t i = 0; i < nt; i++) { /* each token's hash (unless the tokenizer gave it), B^len */
        size_t len = t[2 * i + 1] - t[2 * i];
        if (!ws->hashed) ws->th[2 * i] = pk_strmap_hash(ws->text + t[2 * i], len);
        ws->th[2 * i + 1] = pk_strmap_pow(len);
    }
    const uint64_t *th = ws->th;
    ngram_q q[NGRAM_BATCH];
    size_t nq = 0, k = 0;
    for (size_t i = 0; i < nt; i++) {
        uint64_t h = 0;
        size_t len = 0;
        for (size_t g = 1; g <= an->max_n && i + g <= nt; g++) {
            size_t j = i + g - 1, tl = t[2 * j + 1] - t[2 * j];
            if (g == 1) {
                h = th[2 * i];
                len = tl;
            } else {
                h = pk_strmap_join(pk_strmap_step(h, ' '), th[2 * j], th[2 * j + 1]);
                len += 1 + tl;
            }
            if (g < an->min_n) continue;
            uint64_t key = pk_strmap_key(h, len);
            pk_strmap_prefetch(vocab, key);
            q[nq++] = (ngram_q){key, len, i, g};
            if (nq == NGRAM_BATCH) {
                if ((rc = resolve(ws, vocab, q, nq, &k, err)) != PK_OK) return rc;
                nq = 0;
            }
        }
    }
    rc = resolve(ws, vocab, q, nq, &k, err);
    *nfeat = k;
    return rc;
}

pk_code pk_analyze_lookup(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                          size_t max_bytes, const pk_strmap *vocab, size_t *nfeat, pk_err *err) {
    ws->max_bytes = max_bytes;
    *nfeat = 0;
    if (an->kind == PK_AN_WORD) {
        pk_code rc = pk_word_tokens(an, doc, n, ws, max_bytes, err);
        if (rc) return rc;
        return word_lookup(an, ws, vocab, nfeat, err);
    }
    lookup_ctx l = {ws, vocab, 0, err};
    pk_code rc = pk_analyze(an, doc, n, ws, max_bytes, lookup_feature, &l, err);
    *nfeat = l.n;
    return rc;
}

static uint32_t rotl32(uint32_t x, int r) {
    return (x << r) | (x >> (32 - r));
}

int32_t pk_murmur3_32(const uint8_t *key, size_t n, uint32_t seed) {
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint32_t h = seed;
    size_t nblocks = n / 4;
    for (size_t i = 0; i < nblocks; i++) {
        uint32_t k = (uint32_t)key[4 * i] | (uint32_t)key[4 * i + 1] << 8 |
                     (uint32_t)key[4 * i + 2] << 16 | (uint32_t)key[4 * i + 3] << 24;
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
        h = rotl32(h, 13);
        h = h * 5 + 0xe6546b64u;
    }
    const uint8_t *tail = key + nblocks * 4;
    uint32_t k = 0;
    switch (n & 3) {
    case 3:
        k ^= (uint32_t)tail[2] << 16;
        /* fall through */
    case 2:
        k ^= (uint32_t)tail[1] << 8;
        /* fall through */
    case 1:
        k ^= tail[0];
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
        break;
    default:
        break;
    }
    h ^= (uint32_t)n;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return (int32_t)h;
}
