/*
 * fuzz_text.c - libFuzzer target: token patterns (pk_regex.c), the Unicode steps and the
 * analyzers (pk_unicode.c, pk_text.c) on arbitrary bytes.
 *
 * Input: byte 0 picks the analyzer (bits 0-1: word/char/char_wb), lowercase (bit 2), the accent
 * strip (bits 3-4) and English stop words (bit 5); byte 1 the n-gram range (low nibble min_n,
 * high nibble the extra, each taken modulo 4); byte 2 the pattern's length L; then L bytes of
 * pattern (any bytes: most are refused, which must be clean) and the rest is the document.
 * Invariants: compile either succeeds or fails with a message; analysing the document twice
 * gives the same features (the matcher's memory is reset between searches); the ASCII fast path
 * (pk_analyzer_prepare) gives the same features as the Unicode path; every feature is valid
 * UTF-8 and never longer than the processed text; invalid UTF-8 is reported, not read;
 * pk_analyze_lookup against a vocabulary of the features finds every occurrence, with its value;
 * with a word-run pattern, pk_analyze_wordgrams against a trie of half of them finds theirs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pk_text.h"
#include "pk_unicode.h"
#include "pk_wordgrams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
    uint64_t hash;
    size_t count, max_len;
    pk_strmap *voc; /* when set: every feature goes in (value: its order), values summed */
    uint64_t vsum;
    size_t even_count; /* occurrences of features with an even value, and their sum */
    uint64_t even_sum;
} run;

static pk_code feat(void *ctx, const uint8_t *p, size_t n) {
    run *r = ctx;
    uint32_t tmp[64];
    size_t bad;
    if (n <= 64 && n > 0 && pk_utf8_decode(p, n, tmp, &bad) == (size_t)-1) {
        fprintf(stderr, "fuzz_text: a feature is not valid UTF-8\n");
        abort();
    }
    for (size_t i = 0; i < n; i++)
        r->hash = (r->hash ^ p[i]) * 0x100000001B3ull;
    r->hash = (r->hash ^ 0xFF) * 0x100000001B3ull;
    r->count++;
    if (n > r->max_len) r->max_len = n;
    if (r->voc) {
        uint32_t v;
        if (!pk_strmap_get(r->voc, (const char *)p, n, &v)) {
            v = (uint32_t)r->voc->count;
            if (!pk_strmap_put(r->voc, (const char *)p, n, v)) abort();
        }
        r->vsum += v;
        if (v % 2 == 0) {
            r->even_count++;
            r->even_sum += v;
        }
    }
    return r->count > 2000000 ? PK_ELIMIT : PK_OK;
}

/* pk_analyze_wordgrams against a trie of the even-valued features of voc (every feature of the
 * document, valued by first occurrence): it must find their occurrences and no other. */
static int wordgrams_differ(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                            const pk_strmap *voc, const run *a) {
    pk_wg_term *terms = malloc((voc->count + 1) * sizeof *terms);
    if (!terms) abort();
    size_t nt = 0;
    for (size_t off = 1; off < voc->recs_len;) { /* records: value, length, bytes */
        uint32_t v = pk_strmap_u32(voc->recs + off), len = pk_strmap_u32(voc->recs + off + 4);
        if (v % 2 == 0) terms[nt++] = (pk_wg_term){voc->recs + off + PK_STRMAP_REC_HEAD, len, v};
        off += PK_STRMAP_REC_HEAD + len;
    }
    pk_wordgrams g;
    if (pk_wordgrams_build(&g, &pk_alloc_std, &pk_alloc_std, terms, nt, voc->count + 1, an->min_n,
                           an->max_n) != 1)
        abort();
    pk_err err;
    pk_err_clear(&err);
    size_t nf = 0;
    uint64_t sum = 0;
    if (pk_analyze_wordgrams(an, &g, doc, n, ws, (size_t)256 << 20, &nf, &err) != PK_OK) abort();
    for (size_t i = 0; i < nf; i++)
        sum += ws->feat[i];
    pk_wordgrams_free(&g, &pk_alloc_std);
    free(terms);
    if (nf == a->even_count && sum == a->even_sum) return 0;
    fprintf(stderr, "fuzz_text: pk_analyze_wordgrams found %zu of %zu features\n", nf,
            a->even_count);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    size_t plen = data[2];
    if (size < 3 + plen) return 0;
    pk_analyzer an;
    memset(&an, 0, sizeof an);
    an.kind = (pk_an_kind)(data[0] & 3) == 3 ? PK_AN_WORD : (pk_an_kind)(data[0] & 3);
    an.lowercase = (data[0] >> 2) & 1;
    an.strip = (pk_strip)(((data[0] >> 3) & 3) % 3);
    an.min_n = 1 + (data[1] & 3);
    an.max_n = an.min_n + ((data[1] >> 4) & 3);
    pk_err err;
    pk_err_clear(&err);
    const char *pat = plen ? (const char *)data + 3 : "(?u)\\b\\w\\w+\\b";
    pk_regex *re = pk_regex_compile(&pk_alloc_std, pat, plen ? plen : strlen(pat), &err);
    if (!re) {
        if (err.code == PK_OK || !err.msg[0]) abort();
        return 0;
    }
    an.re = re;
    pk_strmap stop;
    memset(&stop, 0, sizeof stop);
    if ((data[0] >> 5) & 1) {
        if (!pk_strmap_init(&stop, &pk_alloc_std, pk_english_stop_words_count)) abort();
        for (size_t i = 0; i < pk_english_stop_words_count; i++)
            pk_strmap_put(&stop, pk_english_stop_words[i], strlen(pk_english_stop_words[i]), 1);
        an.stop = &stop;
    }
    const uint8_t *doc = data + 3 + plen;
    size_t n = size - 3 - plen;
    pk_analyzer fast = an;
    pk_analyzer_prepare(&fast, pat, plen ? plen : strlen(pat));
    pk_text_ws ws;
    pk_text_ws_init(&ws, &pk_alloc_std);
    pk_strmap voc;
    if (!pk_strmap_init(&voc, &pk_alloc_std, 64)) abort();
    run a = {0, 0, 0, &voc, 0, 0, 0}, b = {0, 0, 0, NULL, 0, 0, 0}, f = {0, 0, 0, NULL, 0, 0, 0};
    pk_code ra = pk_analyze(&an, doc, n, &ws, (size_t)256 << 20, feat, &a, &err);
    pk_code rb = pk_analyze(&an, doc, n, &ws, (size_t)256 << 20, feat, &b, &err);
    pk_code rf = pk_analyze(&fast, doc, n, &ws, (size_t)256 << 20, feat, &f, &err);
    if (ra != rb || a.hash != b.hash || a.count != b.count) {
        fprintf(stderr, "fuzz_text: two runs differ\n");
        abort();
    }
    if (ra != rf || a.hash != f.hash || a.count != f.count) {
        fprintf(stderr, "fuzz_text: the ASCII fast path differs\n");
        abort();
    }
    if (ra == PK_OK) {
        size_t nf = 0;
        uint64_t sum = 0;
        if (pk_analyze_lookup(&fast, doc, n, &ws, (size_t)256 << 20, &voc, &nf, &err) != PK_OK)
            abort();
        for (size_t i = 0; i < nf; i++)
            sum += ws.feat[i];
        if (nf != a.count || sum != a.vsum) {
            fprintf(stderr, "fuzz_text: pk_analyze_lookup found %zu of %zu features\n", nf,
                    a.count);
            abort();
        }
    }
    if (ra == PK_OK && fast.runs && wordgrams_differ(&fast, doc, n, &ws, &voc, &a)) abort();
    /* a processed character is at most 4 bytes; NFKD grows a character 18-fold at most, and a
     * word n-gram joins at most n tokens */
    if (ra == PK_OK && a.max_len > (n * 2 * 18 + 2) * 4 * an.max_n + 8) {
        fprintf(stderr, "fuzz_text: a feature of %zu bytes from %zu bytes\n", a.max_len, n);
        abort();
    }
    pk_text_ws_free(&ws);
    pk_strmap_free(&voc);
    pk_strmap_free(&stop);
    pk_regex_free(re);
    return 0;
}
