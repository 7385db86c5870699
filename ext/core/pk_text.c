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
    pk_free(a, ws->feat);
    pk_free(a, ws->idx);
    pk_free(a, ws->val);
    pk_free(a, ws->dense);
    pk_free(a, ws->dnan);
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
    pk_code rc = NEED(u8, u8_cap, n * 4 + 1);
    if (!rc) rc = NEED(offs, offs_cap, n + 1);
    if (rc) return rc;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        ws->offs[i] = k;
        k += pk_utf8_put(s[i], ws->u8 + k);
    }
    ws->offs[n] = k;
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
            if ((rc = fn(ctx, ws->u8 + t[2 * i], t[2 * i + 1] - t[2 * i])) != PK_OK) return rc;
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
                memcpy(ws->gram + k, ws->u8 + t[2 * j], t[2 * j + 1] - t[2 * j]);
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

pk_code pk_analyze(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                   size_t max_bytes, pk_feat_fn fn, void *ctx, pk_err *err) {
    ws->max_bytes = max_bytes;
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
    if (an->kind == PK_AN_CHAR) return char_ngrams(an, ws, len, fn, ctx);
    if (an->kind == PK_AN_CHAR_WB) return char_wb_ngrams(an, ws, s, len, fn, ctx, err);
    ws->ntok = 0;
    tok_ctx t = {ws, an, err};
    size_t rx_cap = max_bytes ? (max_bytes > ws->bytes ? max_bytes - ws->bytes : 1) : SIZE_MAX;
    rc = pk_regex_findall(an->re, s, len, &ws->rx, rx_cap, keep_token, &t, err);
    if (rc) return rc;
    return word_ngrams(an, ws, fn, ctx, err);
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
