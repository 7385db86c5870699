/*
 * text_tokens.c - prints what pk_analyze makes of documents, for test_text_tokenize.py (which
 * compiles it against build/release/libpkcore.a and compares with scikit-learn's analyzer).
 *
 * argv: analyzer (word|char|char_wb) lowercase (0|1) strip (none|unicode|ascii) min_n max_n
 *       token_pattern stop (none|english)
 * stdin: documents, each a 4-byte little-endian length and its bytes.
 * stdout: per document, each feature as a 4-byte length and its bytes, then 0xFFFFFFFF; an
 *         error is 0xFFFFFFFE, a length and the message. A bad pattern prints the message to
 *         stderr and exits 2.
 * Each document is also analysed by pk_analyze_lookup against a vocabulary of every other
 * distinct feature it has (the rest are misses): the values found must be those features',
 * occurrence for occurrence, else the document's result is the error "lookup differs". With a
 * token pattern of word runs, pk_analyze_wordgrams against a trie of the same features must
 * find the same values.
 * Environment: PK_TEXT_SLOW=1 leaves the analyzer unprepared (no ASCII fast path: every
 *         document through the Unicode tables and the regex matcher).
 */
#include "pk_text.h"
#include "pk_wordgrams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put32(uint32_t v) {
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    fwrite(b, 1, 4, stdout);
}

typedef struct feats {
    uint8_t *buf;
    size_t len, cap;
    size_t *off; /* n + 1 offsets into buf */
    size_t n, ncap;
} feats;

static pk_code emit(void *ctx, const uint8_t *p, size_t n) {
    feats *f = ctx;
    if (!f->buf || f->len + n > f->cap) {
        f->cap = 2 * (f->len + n) + 64;
        f->buf = realloc(f->buf, f->cap);
    }
    if (f->n + 2 > f->ncap) {
        f->ncap = 2 * f->n + 16;
        f->off = realloc(f->off, f->ncap * sizeof *f->off);
    }
    if (!f->buf || !f->off) return PK_ENOMEM;
    memcpy(f->buf + f->len, p, n);
    f->len += n;
    f->off[++f->n] = f->len;
    return PK_OK;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* pk_analyze_lookup against a vocabulary of the even-numbered distinct features of f. */
static int lookup_agrees(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                         const feats *f) {
    pk_strmap voc;
    uint32_t *want = malloc((f->n + 1) * sizeof *want), v;
    size_t nwant = 0, nf = 0, distinct = 0;
    if (!want || !pk_strmap_init(&voc, &pk_alloc_std, f->n)) exit(3);
    for (size_t i = 0; i < f->n; i++) {
        const char *k = (const char *)f->buf + f->off[i];
        size_t len = f->off[i + 1] - f->off[i];
        if (pk_strmap_get(&voc, k, len, &v)) continue;
        /* odd-numbered distinct features go in with a value that marks them absent */
        pk_strmap_put(&voc, k, len, distinct % 2 ? UINT32_MAX : (uint32_t)distinct);
        distinct++;
    }
    pk_strmap real;
    if (!pk_strmap_init(&real, &pk_alloc_std, distinct)) exit(3);
    for (size_t i = 0; i < f->n; i++) {
        const char *k = (const char *)f->buf + f->off[i];
        size_t len = f->off[i + 1] - f->off[i];
        if (pk_strmap_get(&voc, k, len, &v) && v != UINT32_MAX) {
            pk_strmap_put(&real, k, len, v);
            want[nwant++] = v;
        }
    }
    pk_err err;
    pk_err_clear(&err);
    int ok = pk_analyze_lookup(an, doc, n, ws, (size_t)1 << 30, &real, &nf, &err) == PK_OK &&
             nf == nwant;
    qsort(want, nwant, sizeof *want, cmp_u32);
    if (ok) {
        qsort(ws->feat, nf, sizeof *ws->feat, cmp_u32);
        ok = nf == 0 || memcmp(want, ws->feat, nf * sizeof *want) == 0;
    }
    if (ok && an->runs) { /* the same vocabulary as a word n-gram trie */
        pk_wg_term *terms = malloc((distinct + 1) * sizeof *terms);
        size_t nt = 0;
        if (!terms) exit(3);
        for (size_t off = 1; off < real.recs_len;) { /* records: value, length, bytes */
            uint32_t len = pk_strmap_u32(real.recs + off + 4);
            terms[nt++] = (pk_wg_term){real.recs + off + PK_STRMAP_REC_HEAD, len,
                                       pk_strmap_u32(real.recs + off)};
            off += PK_STRMAP_REC_HEAD + len;
        }
        pk_wordgrams g;
        if (pk_wordgrams_build(&g, &pk_alloc_std, &pk_alloc_std, terms, nt, distinct + 1,
                               an->min_n, an->max_n) != 1)
            exit(3);
        ok = pk_analyze_wordgrams(an, &g, doc, n, ws, (size_t)1 << 30, &nf, &err) == PK_OK &&
             nf == nwant;
        if (ok) {
            qsort(ws->feat, nf, sizeof *ws->feat, cmp_u32);
            ok = nf == 0 || memcmp(want, ws->feat, nf * sizeof *want) == 0;
        }
        pk_wordgrams_free(&g, &pk_alloc_std);
        free(terms);
    }
    pk_strmap_free(&voc);
    pk_strmap_free(&real);
    free(want);
    return ok;
}

static void put_error(const char *msg) {
    put32(0xFFFFFFFEu);
    put32((uint32_t)strlen(msg));
    fwrite(msg, 1, strlen(msg), stdout);
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: text_tokens analyzer lowercase strip min_n max_n pattern stop\n");
        return 2;
    }
    pk_analyzer an;
    memset(&an, 0, sizeof an);
    an.kind = strcmp(argv[1], "char") == 0      ? PK_AN_CHAR
              : strcmp(argv[1], "char_wb") == 0 ? PK_AN_CHAR_WB
                                                : PK_AN_WORD;
    an.lowercase = atoi(argv[2]);
    an.strip = strcmp(argv[3], "unicode") == 0 ? PK_STRIP_UNICODE
               : strcmp(argv[3], "ascii") == 0 ? PK_STRIP_ASCII
                                               : PK_STRIP_NONE;
    an.min_n = (size_t)atoi(argv[4]);
    an.max_n = (size_t)atoi(argv[5]);
    pk_err err;
    pk_err_clear(&err);
    pk_regex *re = pk_regex_compile(&pk_alloc_std, argv[6], strlen(argv[6]), &err);
    if (!re) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    an.re = re;
    const char *slow = getenv("PK_TEXT_SLOW");
    if (!slow || strcmp(slow, "1") != 0) pk_analyzer_prepare(&an, argv[6], strlen(argv[6]));
    pk_strmap stop;
    memset(&stop, 0, sizeof stop);
    if (strcmp(argv[7], "english") == 0) {
        if (!pk_strmap_init(&stop, &pk_alloc_std, pk_english_stop_words_count)) return 3;
        for (size_t i = 0; i < pk_english_stop_words_count; i++)
            pk_strmap_put(&stop, pk_english_stop_words[i], strlen(pk_english_stop_words[i]), 1);
        an.stop = &stop;
    }
    pk_text_ws ws;
    pk_text_ws_init(&ws, &pk_alloc_std);
    unsigned char hdr[4];
    uint8_t *doc = NULL;
    feats f;
    memset(&f, 0, sizeof f);
    while (fread(hdr, 1, 4, stdin) == 4) {
        size_t n = hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
        doc = realloc(doc, n ? n : 1);
        if (!doc || fread(doc, 1, n, stdin) != n) return 3;
        pk_err_clear(&err);
        f.len = f.n = 0;
        if (!f.off) f.off = calloc(16, sizeof *f.off), f.ncap = 16;
        if (pk_analyze(&an, doc, n, &ws, (size_t)1 << 30, emit, &f, &err) != PK_OK) {
            put_error(err.msg);
        } else if (!lookup_agrees(&an, doc, n, &ws, &f)) {
            put_error("lookup differs");
        } else {
            for (size_t i = 0; i < f.n; i++) {
                put32((uint32_t)(f.off[i + 1] - f.off[i]));
                fwrite(f.buf + f.off[i], 1, f.off[i + 1] - f.off[i], stdout);
            }
            put32(0xFFFFFFFFu);
        }
    }
    free(f.buf);
    free(f.off);
    free(doc);
    pk_text_ws_free(&ws);
    pk_strmap_free(&stop);
    pk_regex_free(re);
    return 0;
}
