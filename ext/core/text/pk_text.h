/*
 * pk_text.h - scikit-learn's text analyzers (CountVectorizer.build_analyzer(): analyzer 'word',
 * 'char', 'char_wb') over a UTF-8 document, without Python.
 *
 * The steps, as scikit-learn 1.2 does them: decode (strict UTF-8), str.lower() when lowercase,
 * strip_accents ('unicode' or 'ascii'), then
 *   word     token_pattern's findall (pk_regex.h), tokens in the stop-word set dropped, n-grams
 *            of n consecutive tokens joined by one space for n in ngram_range (_word_ngrams);
 *   char     runs of two or more whitespace characters replaced by one space (_white_spaces),
 *            then every substring of n code points (_char_ngrams);
 *   char_wb  the same normalisation, then each whitespace-separated word padded with a space on
 *            each side and cut into n-grams within it; a padded word shorter than n gives itself
 *            once and ends the word's n loop (_char_wb_ngrams).
 * Each feature is handed to a callback as UTF-8 bytes, in scikit-learn's order.
 *
 * Memory: a pk_text_ws holds every buffer; it grows to the largest document seen (capped by the
 * max_bytes given to pk_analyze) and is reused, so analysing allocates nothing once warm.
 */
#ifndef PK_TEXT_H
#define PK_TEXT_H

#include "pk.h"
#include "pk_err.h"
#include "pk_regex.h"
#include "pk_strmap.h"

#include <stddef.h>
#include <stdint.h>

typedef enum pk_an_kind { PK_AN_WORD, PK_AN_CHAR, PK_AN_CHAR_WB } pk_an_kind;
typedef enum pk_strip { PK_STRIP_NONE, PK_STRIP_UNICODE, PK_STRIP_ASCII } pk_strip;

typedef struct pk_analyzer {
    pk_an_kind kind;
    int lowercase;
    pk_strip strip;
    const pk_regex *re;    /* word: token_pattern                    */
    const pk_strmap *stop; /* word: stop words, or NULL              */
    size_t min_n, max_n;   /* ngram_range, 1 <= min_n <= max_n       */
    /* the ASCII fast path (pk_analyzer_prepare; 0 when not prepared) */
    int runs;                /* word: tokens are runs of \w (no space)  */
    int fast;                /* ASCII documents: tokens are word runs   */
    size_t fast_min;         /* of at least this many characters        */
    uint8_t ascii_word[128]; /* \w of each ASCII character              */
} pk_analyzer;

typedef struct pk_text_ws {
    const pk_alloc *alloc;
    uint32_t *a, *b; /* code point buffers                      */
    size_t a_cap, b_cap;
    size_t *tok; /* token spans (start, end) in code points */
    size_t tok_cap;
    uint8_t *u8; /* the processed text in UTF-8             */
    size_t u8_cap;
    size_t *offs; /* byte offset of each code point          */
    size_t offs_cap;
    uint8_t *gram; /* one n-gram being built                  */
    size_t gram_cap;
    const uint8_t *text; /* the processed text: u8, or the document itself  */
    size_t *tok8;        /* kept tokens' byte spans in text                 */
    size_t tok8_cap;
    size_t ntok;
    uint64_t *th; /* per token: its pk_strmap hash and B^length    */
    size_t th_cap;
    int hashed; /* th holds the tokens' hashes                    */
    pk_rx_ws rx;
    size_t bytes, max_bytes; /* held now, cap for this call        */
    uint32_t *wid;           /* pk_wordgrams_lookup: each token's word node */
    size_t wid_cap;
    uint32_t *feat; /* pk_analyze_lookup's values, then free for the caller */
    size_t feat_cap;
    uint32_t *idx;
    size_t idx_cap;
    double *val;
    size_t val_cap;
    double *dense; /* kept all 0.0 between documents (pk_vectorizer.c)           */
    size_t dense_cap;
    /* JSON rows (DictVectorizer, FeatureHasher): decoded strings, a feature name being built,
     * key spans, sort keys and a second value buffer */
    char *str;
    size_t str_cap;
    char *name;
    size_t name_cap;
    size_t *spans;
    size_t spans_cap;
    uint64_t *keys;
    size_t keys_cap;
    double *val2;
    size_t val2_cap;
    double *dnan; /* kept all NaN: a dense row for xgboost, whose absent entries are missing */
    size_t dnan_cap;
    uint64_t *bits; /* kept all 0: a bit per column and a bit per word of those (pk_vectorizer.c) */
    size_t bits_cap;
    uint64_t *wbits; /* the ASCII tokenizer: a bit per byte of the text, set on word characters */
    size_t wbits_cap;
    const double *pf; /* when set: pf[col * pf_k] will be read for the row's columns (the
                         next step's weights): a vectorizer prefetches them */
    size_t pf_k;
} pk_text_ws;

void pk_text_ws_init(pk_text_ws *ws, const pk_alloc *a);
void pk_text_ws_free(pk_text_ws *ws);

/* Grows *p (elements of `size` bytes, capacity *cap) to hold `need`: PK_ELIMIT when the
 * workspace would hold more than ws->max_bytes (0: no cap), PK_ENOMEM. */
pk_code pk_text_ws_need(pk_text_ws *ws, void **p, size_t *cap, size_t need, size_t size,
                        pk_err *err);

typedef pk_code (*pk_feat_fn)(void *ctx, const uint8_t *p, size_t n);

/* Analyses doc[0..n) (UTF-8) and calls fn for each feature. Errors: PK_EFEATURE "the document
 * is not valid UTF-8 (byte 0xff at offset 3)", PK_ELIMIT (max_bytes of workspace), PK_ENOMEM,
 * or fn's code. */
pk_code pk_analyze(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                   size_t max_bytes, pk_feat_fn fn, void *ctx, pk_err *err);

/* Word analyzers: enables the ASCII fast path when token_pattern pattern[0..n) finds runs of
 * word characters (\b\w\w+\b, \w\w+, \b\w+\b, \w+, after (?u), (?a) or no flag) and the
 * Unicode tables agree with the fast path on every ASCII character. A document of ASCII bytes
 * is then lowercased and cut into tokens with a byte table, without decoding it; the result is
 * the same as the Unicode path's (tests/python/test_text_tokenize.py, fuzz_text). */
void pk_analyzer_prepare(pk_analyzer *an, const char *pattern, size_t n);

/* Like pk_analyze, but each feature present in vocab gives its value, in ws->feat[0 .. *nfeat)
 * (in no particular order). Word n-grams are looked up from their tokens' hashes, without
 * writing the joined n-gram. */
pk_code pk_analyze_lookup(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                          size_t max_bytes, const pk_strmap *vocab, size_t *nfeat, pk_err *err);

/* The word analyzer's tokens of doc (stop words dropped) in ws->tok8 over ws->text, ws->ntok
 * of them; ws->hashed when their pk_strmap hashes are in ws->th. Errors as pk_analyze. */
pk_code pk_word_tokens(const pk_analyzer *an, const uint8_t *doc, size_t n, pk_text_ws *ws,
                       size_t max_bytes, pk_err *err);
/* MurmurHash3 x86 32-bit of key[0..n) with `seed`, as a signed int (scikit-learn's
 * murmurhash3_bytes_s32). */
int32_t pk_murmur3_32(const uint8_t *key, size_t n, uint32_t seed);

/* scikit-learn's ENGLISH_STOP_WORDS (pk_stopwords_data.c). */
extern const char *const pk_english_stop_words[];
extern const size_t pk_english_stop_words_count;

#endif /* PK_TEXT_H */
