/*
 * pk_regex.c - Python re's semantics for the token-pattern subset of pk_regex.h.
 *
 * Three steps: the pattern (UTF-8) is decoded to code points; a recursive-descent parser builds
 * a small syntax tree (nodes in an array); the tree is compiled to instructions (CHAR, ANY,
 * CLASS, ASSERT, SPLIT x y = try x then y, JMP, SAVE slot, MATCH), {m,n} repeating the body's
 * code. Matching runs the instructions depth first with an explicit stack of alternatives
 * (and of capture slots to restore), which is re's order of trying; a bit per (instruction,
 * position) marks states already explored in the current search, whose failure does not depend
 * on how they were reached (no backreferences), so each is explored once.
 * re.findall semantics: searches restart at the end of the previous match; after an empty
 * match the next match may not be empty at the same position (re's must_advance).
 * Limits: 4096 pattern characters, 20000 instructions, 16 levels of nesting, counted
 * repetition up to 1000.
 */
#include "pk_regex.h"

#include "pk_unicode.h"

#include <stdio.h>
#include <string.h>

#define RX_MAX_PATTERN 4096
#define RX_MAX_PROG    20000
#define RX_MAX_DEPTH   16
#define RX_MAX_REPEAT  1000
#define RX_INF         (-1)

enum { N_CHAR, N_ANY, N_CLASS, N_ASSERT, N_CAT, N_ALT, N_GROUP, N_REP, N_EMPTY };
enum { A_BOUND, A_NBOUND, A_BEGIN, A_END, A_BOL, A_EOL };
enum { C_W = 1, C_NW = 2, C_D = 4, C_ND = 8, C_S = 16, C_NS = 32 };
enum { I_CHAR, I_ANY, I_CLASS, I_ASSERT, I_SPLIT, I_JMP, I_SAVE, I_MATCH };

typedef struct rx_node {
    int op;
    uint32_t c;    /* CHAR: code point; CLASS: class index; ASSERT: kind; GROUP: slot or -1 */
    int kid, next; /* first child, next sibling (-1: none)                                  */
    int min, max;  /* REP                                                                    */
    int greedy;    /* REP                                                                    */
} rx_node;

typedef struct rx_class {
    uint32_t lo_off, count; /* ranges [lo, hi] pairs in re->ranges                            */
    unsigned cats;
    int negate;
} rx_class;

typedef struct rx_ins {
    uint8_t op;
    uint32_t x, y;
} rx_ins;

struct pk_regex {
    const pk_alloc *alloc;
    int ascii, dotall, groups;
    rx_ins *prog;
    size_t nprog;
    rx_class *classes;
    size_t nclasses;
    uint32_t *ranges;
    size_t nranges;
};

typedef struct rx_parse {
    pk_regex *re;
    const uint32_t *p;
    size_t n, i;
    rx_node *nodes;
    size_t nnodes, cap;
    size_t class_cap, range_cap;
    const char *pat; /* for messages */
    size_t patn;
    pk_err *err;
    int depth;
} rx_parse;

static pk_code rx_fail(rx_parse *P, const char *what) {
    int shown = P->patn > 60 ? 60 : (int)P->patn;
    return pk_err_set(P->err, PK_EMODEL, -1, -1, "token_pattern '%.*s%s': %s", shown, P->pat,
                      P->patn > 60 ? "..." : "", what);
}

static int grow(const pk_alloc *a, void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *q = pk_realloc(a, *p, *cap * size, nc * size);
    if (!q) return 0;
    *p = q;
    *cap = nc;
    return 1;
}

static int new_node(rx_parse *P, int op) {
    if (!grow(P->re->alloc, (void **)&P->nodes, &P->cap, P->nnodes + 1, sizeof(rx_node))) {
        pk_err_nomem(P->err, -1);
        return -1;
    }
    rx_node *nd = &P->nodes[P->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->op = op;
    nd->kid = nd->next = -1;
    return (int)P->nnodes++;
}

static int new_class(rx_parse *P) {
    pk_regex *re = P->re;
    if (!grow(re->alloc, (void **)&re->classes, &P->class_cap, re->nclasses + 1,
              sizeof(rx_class))) {
        pk_err_nomem(P->err, -1);
        return -1;
    }
    rx_class *k = &re->classes[re->nclasses];
    memset(k, 0, sizeof *k);
    k->lo_off = (uint32_t)re->nranges;
    return (int)re->nclasses++;
}

static int add_range(rx_parse *P, int cls, uint32_t lo, uint32_t hi) {
    pk_regex *re = P->re;
    if (!grow(re->alloc, (void **)&re->ranges, &P->range_cap, re->nranges + 2, sizeof(uint32_t))) {
        pk_err_nomem(P->err, -1);
        return 0;
    }
    re->ranges[re->nranges++] = lo;
    re->ranges[re->nranges++] = hi;
    re->classes[cls].count++;
    return 1;
}

static int hexval(uint32_t c) {
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}

/* Escape after '\' at P->i. Returns 1 with *cp set for a character, 2 with *cat set for a
 * category (\w ...), 3 with *cat set to an assertion kind (outside classes), 0 on error. */
static int parse_escape(rx_parse *P, int in_class, uint32_t *cp, unsigned *cat) {
    if (P->i >= P->n) return rx_fail(P, "bad escape (end of pattern)"), 0;
    uint32_t c = P->p[P->i++];
    switch (c) {
    case 'w':
        *cat = C_W;
        return 2;
    case 'W':
        *cat = C_NW;
        return 2;
    case 'd':
        *cat = C_D;
        return 2;
    case 'D':
        *cat = C_ND;
        return 2;
    case 's':
        *cat = C_S;
        return 2;
    case 'S':
        *cat = C_NS;
        return 2;
    case 'n':
        *cp = '\n';
        return 1;
    case 't':
        *cp = '\t';
        return 1;
    case 'r':
        *cp = '\r';
        return 1;
    case 'f':
        *cp = '\f';
        return 1;
    case 'v':
        *cp = '\v';
        return 1;
    case 'a':
        *cp = 7;
        return 1;
    case 'b':
        if (in_class) {
            *cp = 8;
            return 1;
        }
        *cat = A_BOUND;
        return 3;
    case 'B':
    case 'A':
    case 'Z':
        if (in_class) return rx_fail(P, "bad escape in a character class"), 0;
        *cat = c == 'B' ? A_NBOUND : c == 'A' ? A_BEGIN : A_END;
        return 3;
    case 'x':
    case 'u':
    case 'U': {
        int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (int k = 0; k < digits; k++) {
            int h = P->i < P->n ? hexval(P->p[P->i]) : -1;
            if (h < 0) return rx_fail(P, "incomplete \\x, \\u or \\U escape"), 0;
            v = v * 16 + (uint32_t)h;
            P->i++;
        }
        if (v > 0x10FFFF) return rx_fail(P, "bad \\U escape (beyond U+10FFFF)"), 0;
        *cp = v;
        return 1;
    }
    case '0': {
        uint32_t v = 0;
        for (int k = 0; k < 2 && P->i < P->n && P->p[P->i] >= '0' && P->p[P->i] <= '7'; k++)
            v = v * 8 + (P->p[P->i++] - '0');
        *cp = v;
        return 1;
    }
    default:
        break;
    }
    if (c >= '1' && c <= '9') return rx_fail(P, "backreferences are not supported"), 0;
    if (c == 'N') return rx_fail(P, "\\N{...} escapes are not supported"), 0;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return rx_fail(P, "bad escape (re rejects it)"), 0;
    *cp = c;
    return 1;
}

static int parse_alt(rx_parse *P);

/* [...] at P->i (after '['). */
static int parse_class(rx_parse *P) {
    int k = new_class(P);
    if (k < 0) return -1;
    if (P->i < P->n && P->p[P->i] == '^') {
        P->re->classes[k].negate = 1;
        P->i++;
    }
    size_t first = P->i;
    for (;;) {
        if (P->i >= P->n) return rx_fail(P, "unterminated character set"), -1;
        uint32_t c = P->p[P->i];
        if (c == ']' && P->i > first) {
            P->i++;
            break;
        }
        P->i++;
        uint32_t lo = c;
        if (c == '\\') {
            unsigned cat = 0;
            int r = parse_escape(P, 1, &lo, &cat);
            if (!r) return -1;
            if (r == 2) {
                P->re->classes[k].cats |= cat;
                continue;
            }
        }
        uint32_t hi = lo;
        if (P->i + 1 < P->n && P->p[P->i] == '-' && P->p[P->i + 1] != ']') {
            P->i++;
            uint32_t c2 = P->p[P->i++];
            hi = c2;
            if (c2 == '\\') {
                unsigned cat = 0;
                int r = parse_escape(P, 1, &hi, &cat);
                if (!r) return -1;
                if (r == 2) return rx_fail(P, "bad character range"), -1;
            }
            if (hi < lo) return rx_fail(P, "bad character range"), -1;
        }
        if (!add_range(P, k, lo, hi)) return -1;
    }
    int nd = new_node(P, N_CLASS);
    if (nd >= 0) P->nodes[nd].c = (uint32_t)k;
    return nd;
}

static int nullable(const rx_parse *P, int nd) {
    const rx_node *x = &P->nodes[nd];
    switch (x->op) {
    case N_CHAR:
    case N_ANY:
    case N_CLASS:
        return 0;
    case N_ASSERT:
    case N_EMPTY:
        return 1;
    case N_GROUP:
        return nullable(P, x->kid);
    case N_REP:
        return x->min == 0 || nullable(P, x->kid);
    case N_CAT:
        for (int k = x->kid; k >= 0; k = P->nodes[k].next)
            if (!nullable(P, k)) return 0;
        return 1;
    default: /* N_ALT */
        for (int k = x->kid; k >= 0; k = P->nodes[k].next)
            if (nullable(P, k)) return 1;
        return 0;
    }
}

/* Reads digits at P->i; -1 when none. */
static long read_int(rx_parse *P) {
    long v = -1;
    while (P->i < P->n && P->p[P->i] >= '0' && P->p[P->i] <= '9') {
        v = (v < 0 ? 0 : v) * 10 + (long)(P->p[P->i] - '0');
        if (v > 1000000) v = 1000000;
        P->i++;
    }
    return v;
}

/* A quantifier at P->i: 1 with the bounds in *mn and *mx, 0 when none (a literal brace). */
static int parse_quant(rx_parse *P, int *mn, int *mx) {
    uint32_t c = P->p[P->i];
    if (c == '*' || c == '+' || c == '?') {
        P->i++;
        *mn = c == '+' ? 1 : 0;
        *mx = c == '?' ? 1 : RX_INF;
        return 1;
    }
    if (c != '{') return 0;
    size_t save = P->i;
    P->i++;
    long lo = read_int(P), hi;
    if (P->i < P->n && P->p[P->i] == ',') {
        P->i++;
        hi = read_int(P);
    } else {
        hi = lo;
        if (lo < 0) {
            P->i = save;
            return 0;
        }
    }
    if (P->i >= P->n || P->p[P->i] != '}') {
        P->i = save;
        return 0;
    }
    P->i++;
    if (lo < 0) lo = 0;
    if (lo > RX_MAX_REPEAT || hi > RX_MAX_REPEAT)
        return rx_fail(P, "repetition count above 1000"), -1;
    if (hi >= 0 && hi < lo) return rx_fail(P, "min repeat greater than max repeat"), -1;
    *mn = (int)lo;
    *mx = hi < 0 ? RX_INF : (int)hi;
    return 1;
}

static int parse_group(rx_parse *P) {
    int slot = 1;
    if (P->i < P->n && P->p[P->i] == '?') {
        P->i++;
        uint32_t c = P->i < P->n ? P->p[P->i] : 0;
        if (c == ':') {
            P->i++;
            slot = 0;
        } else if (c == 'P' && P->i + 1 < P->n && P->p[P->i + 1] == '<') {
            P->i += 2;
            while (P->i < P->n && P->p[P->i] != '>')
                P->i++;
            if (P->i >= P->n) return rx_fail(P, "unterminated group name"), -1;
            P->i++;
        } else if (c == '=' || c == '!') {
            return rx_fail(P, "lookahead assertions are not supported"), -1;
        } else if (c == '<') {
            return rx_fail(P, "lookbehind assertions are not supported"), -1;
        } else if (c == 'P') {
            return rx_fail(P, "named backreferences are not supported"), -1;
        } else if (c == '>') {
            return rx_fail(P, "atomic groups are not supported"), -1;
        } else if (c == '(') {
            return rx_fail(P, "conditional groups are not supported"), -1;
        } else {
            return rx_fail(P, "flags inside the pattern are only supported at its start "
                              "((?u), (?a), (?s))"),
                   -1;
        }
    }
    if (slot) {
        if (P->re->groups >= 1)
            return rx_fail(P, "more than 1 capturing group (scikit-learn refuses it too)"), -1;
        P->re->groups = 1;
    }
    int kid = parse_alt(P);
    if (kid < 0) return -1;
    if (P->i >= P->n || P->p[P->i] != ')')
        return rx_fail(P, "missing ), unterminated subpattern"), -1;
    P->i++;
    int nd = new_node(P, N_GROUP);
    if (nd < 0) return -1;
    P->nodes[nd].kid = kid;
    P->nodes[nd].c = slot ? 1u : 0u;
    return nd;
}

/* One atom (with its quantifiers); -2 at the end of a branch. */
static int parse_atom(rx_parse *P) {
    if (P->i >= P->n) return -2;
    uint32_t c = P->p[P->i];
    if (c == '|' || c == ')') return -2;
    int nd;
    P->i++;
    if (c == '(') {
        if (++P->depth > RX_MAX_DEPTH) return rx_fail(P, "groups nested deeper than 16"), -1;
        nd = parse_group(P);
        P->depth--;
    } else if (c == '[') {
        nd = parse_class(P);
    } else if (c == '.') {
        nd = new_node(P, N_ANY);
    } else if (c == '^' || c == '$') {
        nd = new_node(P, N_ASSERT);
        if (nd >= 0) P->nodes[nd].c = c == '^' ? A_BOL : A_EOL;
    } else if (c == '*' || c == '+' || c == '?') {
        return rx_fail(P, "nothing to repeat"), -1;
    } else if (c == '{') {
        P->i--;
        int mn, mx;
        int q = parse_quant(P, &mn, &mx);
        if (q < 0) return -1;
        if (q) return rx_fail(P, "nothing to repeat"), -1;
        P->i++;
        nd = new_node(P, N_CHAR);
        if (nd >= 0) P->nodes[nd].c = '{';
    } else if (c == '\\') {
        uint32_t cp = 0;
        unsigned cat = 0;
        int r = parse_escape(P, 0, &cp, &cat);
        if (!r) return -1;
        if (r == 1) {
            nd = new_node(P, N_CHAR);
            if (nd >= 0) P->nodes[nd].c = cp;
        } else if (r == 2) {
            int k = new_class(P);
            if (k < 0) return -1;
            P->re->classes[k].cats = cat;
            nd = new_node(P, N_CLASS);
            if (nd >= 0) P->nodes[nd].c = (uint32_t)k;
        } else {
            nd = new_node(P, N_ASSERT);
            if (nd >= 0) P->nodes[nd].c = cat;
        }
    } else {
        nd = new_node(P, N_CHAR);
        if (nd >= 0) P->nodes[nd].c = c;
    }
    if (nd < 0) return -1;
    while (P->i < P->n) {
        int mn, mx;
        int q = parse_quant(P, &mn, &mx);
        if (q < 0) return -1;
        if (!q) break;
        int greedy = 1;
        if (P->i < P->n && P->p[P->i] == '?') {
            greedy = 0;
            P->i++;
        } else if (P->i < P->n && P->p[P->i] == '+') {
            return rx_fail(P, "possessive quantifiers are not supported"), -1;
        }
        if (P->nodes[nd].op == N_ASSERT) return rx_fail(P, "nothing to repeat"), -1;
        if (P->nodes[nd].op == N_REP) return rx_fail(P, "multiple repeat"), -1;
        if ((mx == RX_INF || mx > 1) && nullable(P, nd))
            return rx_fail(P, "a repeated sub-pattern that can match the empty string is not "
                              "supported"),
                   -1;
        int r = new_node(P, N_REP);
        if (r < 0) return -1;
        P->nodes[r].kid = nd;
        P->nodes[r].min = mn;
        P->nodes[r].max = mx;
        P->nodes[r].greedy = greedy;
        nd = r;
    }
    return nd;
}

static int parse_cat(rx_parse *P) {
    int cat = new_node(P, N_CAT);
    if (cat < 0) return -1;
    int last = -1;
    for (;;) {
        int a = parse_atom(P);
        if (a == -2) break;
        if (a < 0) return -1;
        if (last < 0)
            P->nodes[cat].kid = a;
        else
            P->nodes[last].next = a;
        last = a;
    }
    return cat;
}

static int parse_alt(rx_parse *P) {
    int first = parse_cat(P);
    if (first < 0) return -1;
    if (P->i >= P->n || P->p[P->i] != '|') return first;
    int alt = new_node(P, N_ALT);
    if (alt < 0) return -1;
    P->nodes[alt].kid = first;
    int last = first;
    while (P->i < P->n && P->p[P->i] == '|') {
        P->i++;
        int b = parse_cat(P);
        if (b < 0) return -1;
        P->nodes[last].next = b;
        last = b;
    }
    return alt;
}

/* ---- compile ----------------------------------------------------------------------------- */

typedef struct rx_comp {
    rx_parse *P;
    size_t cap;
} rx_comp;

static int emit(rx_comp *C, int op, uint32_t x, uint32_t y) {
    pk_regex *re = C->P->re;
    if (re->nprog >= RX_MAX_PROG) {
        rx_fail(C->P, "the pattern compiles to more than 20000 instructions");
        return -1;
    }
    if (!grow(re->alloc, (void **)&re->prog, &C->cap, re->nprog + 1, sizeof(rx_ins))) {
        pk_err_nomem(C->P->err, -1);
        return -1;
    }
    re->prog[re->nprog].op = (uint8_t)op;
    re->prog[re->nprog].x = x;
    re->prog[re->nprog].y = y;
    return (int)re->nprog++;
}

static int comp(rx_comp *C, int nd) {
    const rx_node *x = &C->P->nodes[nd];
    pk_regex *re = C->P->re;
    switch (x->op) {
    case N_CHAR:
        return emit(C, I_CHAR, x->c, 0) < 0 ? -1 : 0;
    case N_ANY:
        return emit(C, I_ANY, 0, 0) < 0 ? -1 : 0;
    case N_CLASS:
        return emit(C, I_CLASS, x->c, 0) < 0 ? -1 : 0;
    case N_ASSERT:
        return emit(C, I_ASSERT, x->c, 0) < 0 ? -1 : 0;
    case N_EMPTY:
        return 0;
    case N_CAT:
        for (int k = x->kid; k >= 0; k = C->P->nodes[k].next)
            if (comp(C, k) < 0) return -1;
        return 0;
    case N_GROUP:
        if (x->c && emit(C, I_SAVE, 0, 0) < 0) return -1;
        if (comp(C, x->kid) < 0) return -1;
        if (x->c && emit(C, I_SAVE, 1, 0) < 0) return -1;
        return 0;
    case N_ALT: {
        /* SPLIT a, next; a; JMP end; next: SPLIT b, ...; last */
        int jumps[64];
        int nj = 0;
        for (int k = x->kid; k >= 0; k = C->P->nodes[k].next) {
            int last = C->P->nodes[k].next < 0;
            int sp = -1;
            if (!last) {
                sp = emit(C, I_SPLIT, 0, 0);
                if (sp < 0) return -1;
                re->prog[sp].x = (uint32_t)re->nprog;
            }
            if (comp(C, k) < 0) return -1;
            if (!last) {
                if (nj >= 64) return rx_fail(C->P, "more than 64 alternatives"), -1;
                jumps[nj] = emit(C, I_JMP, 0, 0);
                if (jumps[nj++] < 0) return -1;
                re->prog[sp].y = (uint32_t)re->nprog;
            }
        }
        for (int j = 0; j < nj; j++)
            re->prog[jumps[j]].x = (uint32_t)re->nprog;
        return 0;
    }
    default: { /* N_REP */
        for (int k = 0; k < x->min; k++)
            if (comp(C, x->kid) < 0) return -1;
        if (x->max == RX_INF) {
            int sp = emit(C, I_SPLIT, 0, 0);
            if (sp < 0) return -1;
            size_t body = re->nprog;
            if (comp(C, x->kid) < 0) return -1;
            if (emit(C, I_JMP, (uint32_t)sp, 0) < 0) return -1;
            uint32_t out = (uint32_t)re->nprog;
            re->prog[sp].x = x->greedy ? (uint32_t)body : out;
            re->prog[sp].y = x->greedy ? out : (uint32_t)body;
            return 0;
        }
        int splits[RX_MAX_REPEAT];
        int ns = 0;
        for (int k = x->min; k < x->max; k++) {
            int sp = emit(C, I_SPLIT, 0, 0);
            if (sp < 0) return -1;
            splits[ns++] = sp;
            re->prog[sp].x = (uint32_t)re->nprog; /* the body; the exit is patched below */
            if (comp(C, x->kid) < 0) return -1;
        }
        for (int k = 0; k < ns; k++) {
            uint32_t body = re->prog[splits[k]].x, out = (uint32_t)re->nprog;
            re->prog[splits[k]].x = x->greedy ? body : out;
            re->prog[splits[k]].y = x->greedy ? out : body;
        }
        return 0;
    }
    }
}

/* Global flags at the start: (?u) (?a) (?s) in any combination; others refused. */
static int parse_flags(rx_parse *P) {
    while (P->i + 2 < P->n && P->p[P->i] == '(' && P->p[P->i + 1] == '?') {
        size_t j = P->i + 2;
        if (P->p[j] == '#') { /* comment */
            while (j < P->n && P->p[j] != ')')
                j++;
            if (j >= P->n) return rx_fail(P, "missing ), unterminated comment"), 0;
            P->i = j + 1;
            continue;
        }
        int any = 0;
        while (j < P->n && P->p[j] != ')' && P->p[j] != ':') {
            uint32_t f = P->p[j];
            if (f == 'u') {
            } else if (f == 'a') {
                P->re->ascii = 1;
            } else if (f == 's') {
                P->re->dotall = 1;
            } else if (f == 'i') {
                return rx_fail(P, "(?i) (ignore case) is not supported"), 0;
            } else if (f == 'm') {
                return rx_fail(P, "(?m) (multiline) is not supported"), 0;
            } else if (f == 'x') {
                return rx_fail(P, "(?x) (verbose) is not supported"), 0;
            } else if (f == 'L') {
                return rx_fail(P, "(?L) (locale) is not supported"), 0;
            } else {
                return any ? (rx_fail(P, "unknown flag"), 0) : 1;
            }
            any = 1;
            j++;
        }
        if (!any || j >= P->n) return 1;
        if (P->p[j] == ':') return rx_fail(P, "scoped flags (?flags:...) are not supported"), 0;
        P->i = j + 1;
    }
    return 1;
}

pk_regex *pk_regex_compile(const pk_alloc *a, const char *pat, size_t n, pk_err *err) {
    rx_parse P;
    memset(&P, 0, sizeof P);
    P.pat = pat;
    P.patn = n;
    P.err = err;
    if (n > RX_MAX_PATTERN) {
        rx_fail(&P, "longer than 4096 characters");
        return NULL;
    }
    pk_regex *re = pk_malloc(a, sizeof *re);
    uint32_t *cps = pk_malloc(a, (n ? n : 1) * sizeof(uint32_t));
    if (!re || !cps) {
        pk_free(a, re);
        pk_free(a, cps);
        pk_err_nomem(err, -1);
        return NULL;
    }
    memset(re, 0, sizeof *re);
    re->alloc = a;
    P.re = re;
    size_t bad = 0;
    size_t ncp = pk_utf8_decode((const uint8_t *)pat, n, cps, &bad);
    int ok = 0;
    if (ncp == (size_t)-1) {
        rx_fail(&P, "not valid UTF-8");
    } else {
        P.p = cps;
        P.n = ncp;
        if (parse_flags(&P)) {
            int root = parse_alt(&P);
            if (root >= 0 && P.i < P.n) {
                rx_fail(&P, "unbalanced parenthesis");
            } else if (root >= 0) {
                rx_comp C = {&P, 0};
                if (comp(&C, root) == 0 && emit(&C, I_MATCH, 0, 0) >= 0) ok = 1;
            }
        }
    }
    pk_free(a, P.nodes);
    pk_free(a, cps);
    if (!ok) {
        pk_regex_free(re);
        return NULL;
    }
    return re;
}

void pk_regex_free(pk_regex *re) {
    if (!re) return;
    const pk_alloc *a = re->alloc;
    pk_free(a, re->prog);
    pk_free(a, re->classes);
    pk_free(a, re->ranges);
    pk_free(a, re);
}

int pk_regex_groups(const pk_regex *re) {
    return re->groups;
}

/* ---- matching ---------------------------------------------------------------------------- */

static int is_word(const pk_regex *re, uint32_t c) {
    if (re->ascii) return c < 128 && (pk_uc_flags(c) & PK_UC_WORD);
    return (pk_uc_flags(c) & PK_UC_WORD) != 0;
}

static int class_has(const pk_regex *re, const rx_class *k, uint32_t c) {
    int in = 0;
    for (uint32_t j = 0; j < k->count && !in; j++) {
        const uint32_t *r = re->ranges + k->lo_off + 2 * j;
        in = c >= r[0] && c <= r[1];
    }
    if (!in && k->cats) {
        unsigned f = pk_uc_flags(c);
        if (re->ascii && c >= 128) f = 0;
        if (re->ascii && c < 128 && c != ' ' && (c < 9 || c > 13)) f &= ~PK_UC_SPACE;
        int w = (f & PK_UC_WORD) != 0, d = (f & PK_UC_DIGIT) != 0, s = (f & PK_UC_SPACE) != 0;
        in = ((k->cats & C_W) && w) || ((k->cats & C_NW) && !w) || ((k->cats & C_D) && d) ||
             ((k->cats & C_ND) && !d) || ((k->cats & C_S) && s) || ((k->cats & C_NS) && !s);
    }
    return in != k->negate;
}

static int assert_ok(const pk_regex *re, uint32_t kind, const uint32_t *s, size_t n, size_t pos) {
    switch (kind) {
    case A_BOUND:
    case A_NBOUND: {
        int before = pos > 0 && is_word(re, s[pos - 1]);
        int after = pos < n && is_word(re, s[pos]);
        return (before != after) == (kind == A_BOUND);
    }
    case A_BEGIN:
    case A_BOL:
        return pos == 0;
    case A_END:
        return pos == n;
    default: /* A_EOL: the end, or before a newline that ends the string */
        return pos == n || (pos + 1 == n && s[pos] == '\n');
    }
}

enum { F_BRANCH, F_RESTORE };

static int push(pk_rx_ws *ws, size_t *sp, uint32_t a, uint32_t b, uint32_t c) {
    if (*sp + 3 > ws->stack_cap) {
        size_t nc = ws->stack_cap ? ws->stack_cap * 2 : 768;
        uint32_t *q = pk_realloc(ws->alloc, ws->stack, ws->stack_cap * sizeof(uint32_t),
                                 nc * sizeof(uint32_t));
        if (!q) return 0;
        ws->stack = q;
        ws->stack_cap = nc;
    }
    ws->stack[(*sp)++] = a;
    ws->stack[(*sp)++] = b;
    ws->stack[(*sp)++] = c;
    return 1;
}

/* Tries a match starting at `start`; 1 with *end and cap[] set, 0 when none, -1 on ENOMEM. */
static int try_at(const pk_regex *re, const uint32_t *s, size_t n, size_t start, int must_advance,
                  size_t search_start, pk_rx_ws *ws, size_t wpp, size_t *maxpos, size_t cap[2],
                  size_t *end) {
    size_t sp = 0;
    if (!push(ws, &sp, F_BRANCH, 0, (uint32_t)start)) return -1;
    while (sp) {
        sp -= 3;
        uint32_t kind = ws->stack[sp], a = ws->stack[sp + 1], b = ws->stack[sp + 2];
        if (kind == F_RESTORE) {
            cap[a] = b == UINT32_MAX ? (size_t)-1 : b;
            continue;
        }
        size_t pc = a, pos = b;
        for (;;) {
            uint64_t *w = ws->seen + pos * wpp + (pc >> 6);
            uint64_t bit = (uint64_t)1 << (pc & 63);
            if (*w & bit) break;
            *w |= bit;
            if (pos > *maxpos) *maxpos = pos;
            const rx_ins *in = &re->prog[pc];
            int ok = 1;
            switch (in->op) {
            case I_CHAR:
                ok = pos < n && s[pos] == in->x;
                pos++;
                pc++;
                break;
            case I_ANY:
                ok = pos < n && (re->dotall || s[pos] != '\n');
                pos++;
                pc++;
                break;
            case I_CLASS:
                ok = pos < n && class_has(re, &re->classes[in->x], s[pos]);
                pos++;
                pc++;
                break;
            case I_ASSERT:
                ok = assert_ok(re, in->x, s, n, pos);
                pc++;
                break;
            case I_SPLIT:
                if (!push(ws, &sp, F_BRANCH, in->y, (uint32_t)pos)) return -1;
                pc = in->x;
                break;
            case I_JMP:
                pc = in->x;
                break;
            case I_SAVE:
                if (!push(ws, &sp, F_RESTORE, in->x,
                          cap[in->x] == (size_t)-1 ? UINT32_MAX : (uint32_t)cap[in->x]))
                    return -1;
                cap[in->x] = pos;
                pc++;
                break;
            default: /* I_MATCH */
                if (must_advance && start == search_start && pos == start) {
                    ok = 0;
                    break;
                }
                *end = pos;
                return 1;
            }
            if (!ok) break;
        }
    }
    return 0;
}

pk_code pk_regex_findall(const pk_regex *re, const uint32_t *s, size_t n, pk_rx_ws *ws,
                         size_t max_bytes, pk_rx_emit emitf, void *ctx, pk_err *err) {
    if (n >= UINT32_MAX - 1)
        return pk_err_set(err, PK_ELIMIT, -1, -1, "limit exceeded: a document of %zu characters",
                          n);
    size_t wpp = (re->nprog + 63) / 64;
    if ((n + 1) > max_bytes / 8 / wpp)
        return pk_err_set(err, PK_ELIMIT, -1, -1,
                          "limit exceeded: matching a document of %zu characters would take more "
                          "than %zu bytes",
                          n, max_bytes);
    size_t words = (n + 1) * wpp;
    if (words > ws->seen_words) {
        uint64_t *q = pk_realloc(ws->alloc, ws->seen, ws->seen_words * 8, words * 8);
        if (!q) return pk_err_nomem(err, -1);
        memset(q + ws->seen_words, 0, (words - ws->seen_words) * 8);
        ws->seen = q;
        ws->seen_words = words;
    }
    size_t pos = 0;
    int must_advance = 0;
    while (pos <= n) {
        size_t maxpos = pos, end = 0, found = (size_t)-1;
        size_t cap[2] = {(size_t)-1, (size_t)-1};
        for (size_t st = pos; st <= n; st++) {
            int r = try_at(re, s, n, st, must_advance, pos, ws, wpp, &maxpos, cap, &end);
            if (r < 0) {
                memset(ws->seen + pos * wpp, 0, (maxpos - pos + 1) * wpp * 8);
                return pk_err_nomem(err, -1);
            }
            if (r) {
                found = st;
                break;
            }
        }
        memset(ws->seen + pos * wpp, 0, (maxpos - pos + 1) * wpp * 8);
        if (found == (size_t)-1) break;
        pk_code rc;
        if (re->groups)
            rc = cap[0] != (size_t)-1 && cap[1] != (size_t)-1 ? emitf(ctx, cap[0], cap[1])
                                                              : emitf(ctx, 0, 0);
        else
            rc = emitf(ctx, found, end);
        if (rc != PK_OK) return rc;
        must_advance = end == found;
        pos = end;
    }
    return PK_OK;
}

void pk_rx_ws_init(pk_rx_ws *ws, const pk_alloc *a) {
    memset(ws, 0, sizeof *ws);
    ws->alloc = a;
}

void pk_rx_ws_free(pk_rx_ws *ws) {
    if (!ws) return;
    pk_free(ws->alloc, ws->seen);
    pk_free(ws->alloc, ws->stack);
    ws->seen = NULL;
    ws->stack = NULL;
    ws->seen_words = ws->stack_cap = 0;
}
