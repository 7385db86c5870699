/*
 * pk_wordgrams.h - a vocabulary of word n-grams as a trie over word ids, for analyzers whose
 * tokens never contain a space (pk_analyzer.fast: runs of word characters).
 *
 * A vocabulary term of a word analyzer is its tokens joined by one space, so when no token
 * holds a space the term splits back into its tokens in exactly one way. Each distinct token of
 * the vocabulary gets a word id (a string map lookup, the key compared byte for byte); an n-gram
 * is then the chain (word) -> (node, next word) -> ..., each step one probe of an integer hash
 * table whose keys are compared whole. A document's n-grams are looked up from its tokens' word
 * ids: an n-gram holding a token that is in no term, or whose first n - 1 tokens begin no term,
 * is never looked up further. The result is the same set of columns as looking each n-gram up
 * by its joined string (pk_analyze_lookup); only the order of the features differs.
 */
#ifndef PK_WORDGRAMS_H
#define PK_WORDGRAMS_H

#include "pk.h"
#include "pk_err.h"
#include "pk_strmap.h"
#include "pk_text.h"

#include <stddef.h>
#include <stdint.h>

#define PK_WG_NONE UINT32_MAX

/* A step of the trie: the n-gram (parent, word) is node `node`, with column `col`. */
typedef struct pk_wg_slot {
    uint64_t key; /* parent << 32 | word; ~0: an empty slot */
    uint32_t node, col;
} pk_wg_slot;

/* Words are nodes 0 .. words - 1 (their columns in col[]); longer n-grams are nodes from
 * PK_WG_LONG up, their columns in their slots, so one probe gives both. */
#define PK_WG_LONG 0x80000000u

typedef struct pk_wordgrams {
    const pk_alloc *alloc;
    pk_strmap words; /* token -> its word node                      */
    uint32_t *col;   /* each word's column, or PK_WG_NONE            */
    size_t nwords, col_cap;
    pk_wg_slot *slots; /* the steps, open addressing                   */
    size_t mask, used; /* slots - 1, slots in use (= longer n-grams)   */
} pk_wordgrams;

/* An empty trie sized for about `terms` terms. Returns 0 when out of memory. */
int pk_wordgrams_init(pk_wordgrams *g, const pk_alloc *a, size_t terms);
/* Adds vocabulary term s[0..n) -> column col. A term that cannot be an n-gram of space-free
 * tokens with min_n <= n <= max_n (an empty token: a leading, trailing or doubled space) is
 * left out: no document can produce it. Returns 0 when out of memory. */
int pk_wordgrams_add(pk_wordgrams *g, const uint8_t *s, size_t n, uint32_t col, size_t min_n,
                     size_t max_n);
/* The columns of the word n-grams of the tokens in ws (ws->tok8 over ws->text, their hashes in
 * ws->th when ws->hashed) into ws->feat[0 .. *nfeat), in no particular order. */
pk_code pk_wordgrams_lookup(const pk_wordgrams *g, const pk_analyzer *an, pk_text_ws *ws,
                            size_t *nfeat, pk_err *err);
/* pk_word_tokens then pk_wordgrams_lookup: the columns of doc's word n-grams. */
pk_code pk_analyze_wordgrams(const pk_analyzer *an, const pk_wordgrams *g, const uint8_t *doc,
                             size_t n, pk_text_ws *ws, size_t max_bytes, size_t *nfeat,
                             pk_err *err);
/* Bytes held. */
size_t pk_wordgrams_bytes(const pk_wordgrams *g);
void pk_wordgrams_free(pk_wordgrams *g);

#endif /* PK_WORDGRAMS_H */
