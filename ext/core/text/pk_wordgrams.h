/*
 * pk_wordgrams.h - a vocabulary of word n-grams as a trie over word ids, for analyzers whose
 * tokens never contain a space (pk_analyzer.runs: runs of word characters).
 *
 * A vocabulary term of a word analyzer is its tokens joined by one space, so when no token
 * holds a space the term splits back into its tokens in exactly one way. Each distinct token of
 * the vocabulary is a word node (found by its bytes: a table whose slots hold a word's first 8
 * bytes, so a short word is compared without another memory access); an n-gram is the chain
 * word -> (node, next word) -> ..., each step one probe of an integer table. A node that is a
 * term has its column as its id, so finding it is finding the column. A document's n-grams are
 * looked up from its tokens' word ids: an n-gram holding a token that is in no term, or whose
 * first n - 1 tokens begin no term, is not looked up further. The columns found are those that
 * looking each n-gram up by its joined string gives (pk_analyze_lookup), in another order.
 *
 * Both tables are built once, sized for their contents (load at most 0.5), in the model's
 * arena: a 50,000-term vocabulary of words and word pairs takes about 1 MB.
 */
#ifndef PK_WORDGRAMS_H
#define PK_WORDGRAMS_H

#include "pk.h"
#include "pk_err.h"
#include "pk_text.h"

#include <stddef.h>
#include <stdint.h>

#define PK_WG_NONE UINT32_MAX

/* A word: its first 8 bytes (zero-padded), its length (0: an empty slot) and its node. */
typedef struct pk_wg_word {
    uint64_t head;
    uint32_t len, node;
} pk_wg_word;

/* A step: the n-gram (parent node, next word node), keyed parent << 32 | word (all ones: an
 * empty slot), is `node`. */
typedef struct pk_wg_step {
    uint64_t key;
    uint32_t node, spare;
} pk_wg_step;

typedef struct pk_wordgrams {
    pk_wg_word *words;
    uint32_t *tail; /* per word slot: offset in tails of bytes 8.. of a longer word */
    const uint8_t *tails;
    size_t nwords_cap; /* word slots */
    pk_wg_step *steps;
    size_t nsteps_cap; /* step slots (0: no n-gram longer than a word) */
    uint32_t n_terms;  /* nodes below this are vocabulary columns */
} pk_wordgrams;

/* One vocabulary term: its UTF-8 bytes and its column. */
typedef struct pk_wg_term {
    const uint8_t *s;
    size_t n;
    uint32_t col;
} pk_wg_term;

/* Builds the trie of terms[0..n) (columns below n_cols) for ngram_range (min_n, max_n) into
 * arena memory from `arena`, scratch from `tmp` (freed before returning). Terms that no
 * document can produce (an empty token: a leading, trailing or doubled space; a number of
 * tokens outside the range) are left out. Returns 1, 0 when out of memory, or -1 when two terms
 * share a column (a vocabulary scikit-learn refuses to fit; the caller looks terms up by their
 * strings instead). */
int pk_wordgrams_build(pk_wordgrams *g, const pk_alloc *arena, const pk_alloc *tmp,
                       const pk_wg_term *terms, size_t n, size_t n_cols, size_t min_n,
                       size_t max_n);
/* Frees a trie built with an allocator whose frees are real (a model's arena frees at once). */
void pk_wordgrams_free(pk_wordgrams *g, const pk_alloc *arena);
/* The columns of the word n-grams of the tokens in ws (ws->tok8 over ws->text, which holds 8
 * readable bytes past its end) into
 * ws->feat[0 .. *nfeat), in no particular order. */
pk_code pk_wordgrams_lookup(const pk_wordgrams *g, const pk_analyzer *an, pk_text_ws *ws,
                            size_t *nfeat, pk_err *err);
/* pk_word_tokens then pk_wordgrams_lookup: the columns of doc's word n-grams. */
pk_code pk_analyze_wordgrams(const pk_analyzer *an, const pk_wordgrams *g, const uint8_t *doc,
                             size_t n, pk_text_ws *ws, size_t max_bytes, size_t *nfeat,
                             pk_err *err);

#endif /* PK_WORDGRAMS_H */
