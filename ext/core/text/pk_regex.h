/*
 * pk_regex.h - the subset of Python's re that scikit-learn token patterns use, with re's
 * semantics for str patterns, and re.findall over a string of code points.
 *
 * Supported: literals and escapes (\t \n \r \f \v \a \xhh \uhhhh \Uhhhhhhhh \0oo, escaped
 * punctuation), '.', classes [...] (ranges, negation, \w \W \d \D \s \S inside), \w \W \d \D \s
 * \S \b \B \A \Z ^ $, groups (...) (?:...) (?P<name>...), alternation, quantifiers * + ? {m}
 * {m,} {,n} {m,n} greedy or lazy, a literal '{' where re takes it literally, comments (?#...),
 * and the global flags (?u) (?a) (?s) at the start. \w is str.isalnum() or '_', \d
 * str.isdecimal(), \s str.isspace() (pk_unicode.h); with (?a) their ASCII forms.
 * Refused with a reason naming the construct: (?i) (?m) (?x) (?L), scoped flags, lookaround,
 * backreferences, conditionals, possessive quantifiers and atomic groups, \N{...}, more than
 * one capturing group (scikit-learn refuses those too), and a quantified sub-pattern that can
 * match the empty string with more than one repetition (re's handling of empty iterations is
 * not reproduced).
 *
 * Matching is a backtracking machine that tries alternatives in re's order (leftmost, then the
 * first alternative, greedy or lazy as written), so it finds the same match as re. It remembers
 * which (instruction, position) states failed, so a search costs at most (instructions x
 * characters) steps: no pattern can make it exponential.
 */
#ifndef PK_REGEX_H
#define PK_REGEX_H

#include "pk.h"
#include "pk_err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct pk_regex pk_regex;

/* Reusable matching memory (grows to the longest text seen; freed by pk_rx_ws_free). */
typedef struct pk_rx_ws {
    const pk_alloc *alloc;
    uint64_t *seen; /* failed-state bits, (n + 1) x words_per_pos */
    size_t seen_words;
    uint32_t *stack; /* backtrack entries (3 words each) */
    size_t stack_cap;
} pk_rx_ws;

/* Compiles pattern pat[0..n) (UTF-8). NULL with err (PK_EMODEL: "token_pattern '(?i)x':
 * (?i) (ignore case) is not supported") on a pattern outside the subset or a syntax error;
 * PK_ENOMEM. */
pk_regex *pk_regex_compile(const pk_alloc *a, const char *pat, size_t n, pk_err *err);
void pk_regex_free(pk_regex *re);

/* The number of capturing groups (0 or 1). */
int pk_regex_groups(const pk_regex *re);

/* re.findall(s): for each match, in order, calls emit(ctx, start, end) with the code point span
 * of group 1 when the pattern has a group (0, 0 when the group did not take part: re gives ''),
 * else of the whole match. emit returns PK_OK to go on. Errors: PK_ENOMEM, PK_ELIMIT when the
 * failed-state memory would exceed max_bytes, or emit's code. */
typedef pk_code (*pk_rx_emit)(void *ctx, size_t start, size_t end);
pk_code pk_regex_findall(const pk_regex *re, const uint32_t *s, size_t n, pk_rx_ws *ws,
                         size_t max_bytes, pk_rx_emit emit, void *ctx, pk_err *err);

void pk_rx_ws_init(pk_rx_ws *ws, const pk_alloc *a);
void pk_rx_ws_free(pk_rx_ws *ws);

#endif /* PK_REGEX_H */
