/*
 * pk_lgbm_text.c - LightGBM's text model format into a pk_lgbm (see pk_lgbm.h).
 *
 * The text is read line by line (a line ends at '\n'; a '\r' before it is dropped). Every
 * number is parsed strictly (integers range-checked, doubles by a grammar check then strtod on a
 * bounded copy), every array must have exactly the count its tree implies, and each tree must be
 * a proper binary tree: children in range, every split and every leaf reached exactly once from
 * the root. Arrays are allocated only after their values were counted in the line, so no count
 * written in the text can make the reader allocate more than the text's own size implies; the
 * arena's budget caps the total.
 */
#include "pk_lgbm.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lx {
    const char *s;
    size_t n, pos;
    size_t cur;      /* number of the line last read (1-based)        */
    size_t line;     /* the line a message names (usually cur)        */
    const char *ctx; /* "header", "Tree=3", ...: named in messages    */
    char ctx_buf[32];
    pk_arena *ar;
    pk_err *err;
    uint8_t *mark;  /* scratch of the tree checks, grown as needed: a mark per node and */
    int32_t *stack; /* (split, depth) pairs                                          */
    size_t scratch_cap;
} lx;

static pk_code failf(lx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static pk_code failf(lx *x, const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pk_err_set(x->err, PK_EMODEL, -1, -1, "LightGBM model: line %zu (%s): %s", x->line,
                      x->ctx, msg);
}

static pk_code nomem(lx *x) {
    if (x->ar->over_budget)
        return pk_err_set(x->err, PK_ELIMIT, -1, -1,
                          "limit exceeded: the LightGBM model needs more than max_model_bytes");
    return pk_err_nomem(x->err, -1);
}

static void *alloc(lx *x, size_t count, size_t size) {
    size_t bytes;
    if (pk_mul_overflow(count ? count : 1, size, &bytes)) return NULL;
    return pk_arena_alloc(x->ar, bytes);
}

/* The next line into *l / *len (without its end); 0 at the end of the text. */
static int next_line(lx *x, const char **l, size_t *len) {
    if (x->pos >= x->n) return 0;
    const char *p = x->s + x->pos;
    const char *e = memchr(p, '\n', x->n - x->pos);
    size_t k = e ? (size_t)(e - p) : x->n - x->pos;
    x->pos += k + (e ? 1 : 0);
    if (k && p[k - 1] == '\r') k--;
    *l = p;
    *len = k;
    x->line = ++x->cur;
    return 1;
}

static int line_is(const char *l, size_t len, const char *lit) {
    size_t k = strlen(lit);
    return len == k && memcmp(l, lit, k) == 0;
}

static int starts(const char *l, size_t len, const char *lit) {
    size_t k = strlen(lit);
    return len >= k && memcmp(l, lit, k) == 0;
}

/* ---- numbers ------------------------------------------------------------------------------- */

/* A decimal integer with an optional sign, within [lo, hi]. */
static int parse_int(const char *t, size_t len, int64_t lo, int64_t hi, int64_t *out) {
    size_t i = 0;
    int neg = 0;
    if (i < len && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
    if (i == len || len - i > 18) return 0;
    int64_t v = 0;
    for (; i < len; i++) {
        if (t[i] < '0' || t[i] > '9') return 0;
        v = v * 10 + (t[i] - '0');
    }
    if (neg) v = -v;
    if (v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

static int ieq(const char *a, size_t len, const char *lit) {
    size_t k = strlen(lit);
    if (len != k) return 0;
    for (size_t i = 0; i < k; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != lit[i]) return 0;
    }
    return 1;
}

/* A double as C's printf writes one (LightGBM's writer): [sign] digits [. digits] [e [sign]
 * digits], or inf / infinity / nan in any case. */
static int parse_double(const char *t, size_t len, double *out) {
    size_t i = 0;
    int neg = 0;
    if (i < len && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
    if (ieq(t + i, len - i, "inf") || ieq(t + i, len - i, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 1;
    }
    if (ieq(t + i, len - i, "nan")) {
        *out = NAN;
        return 1;
    }
    size_t digits = 0;
    while (i < len && t[i] >= '0' && t[i] <= '9')
        i++, digits++;
    if (i < len && t[i] == '.') {
        i++;
        while (i < len && t[i] >= '0' && t[i] <= '9')
            i++, digits++;
    }
    if (!digits) return 0;
    if (i < len && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < len && (t[i] == '-' || t[i] == '+')) i++;
        size_t ed = 0;
        while (i < len && t[i] >= '0' && t[i] <= '9')
            i++, ed++;
        if (!ed) return 0;
    }
    if (i != len || len >= 64) return 0;
    char tmp[64];
    memcpy(tmp, t, len);
    tmp[len] = 0;
    *out = strtod(tmp, NULL);
    return 1;
}

/* ---- value lists: space-separated tokens ---------------------------------------------------- */

static size_t count_tokens(const char *v, size_t len) {
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (v[i] != ' ' && (i == 0 || v[i - 1] == ' ')) k++;
    return k;
}

/* The next token of v[*pos .. len) (skipping spaces); 0 when none is left. */
static int next_token(const char *v, size_t len, size_t *pos, const char **t, size_t *tl) {
    size_t i = *pos;
    while (i < len && v[i] == ' ')
        i++;
    if (i == len) return 0;
    size_t b = i;
    while (i < len && v[i] != ' ')
        i++;
    *t = v + b;
    *tl = i - b;
    *pos = i;
    return 1;
}

/* A key=value line of a block, found by key. */
typedef struct kv {
    const char *key;
    const char *v;
    size_t len;
    size_t line;
    int seen;
} kv;

static pk_code want_count(lx *x, const kv *f, size_t have, size_t want) {
    x->line = f->line;
    return failf(x, "%s has %zu values, expected %zu", f->key, have, want);
}

static pk_code int_list(lx *x, const kv *f, size_t want, int64_t lo, int64_t hi, int32_t **out) {
    size_t have = count_tokens(f->v, f->len);
    if (have != want) return want_count(x, f, have, want);
    int32_t *a = alloc(x, want, sizeof *a);
    if (!a) return nomem(x);
    size_t pos = 0, tl;
    const char *t;
    for (size_t i = 0; i < want && next_token(f->v, f->len, &pos, &t, &tl); i++) {
        int64_t v;
        if (!parse_int(t, tl, lo, hi, &v)) {
            x->line = f->line;
            return failf(x, "%s[%zu] is not an integer in [%lld, %lld]: '%.*s'", f->key, i,
                         (long long)lo, (long long)hi, (int)(tl > 40 ? 40 : tl), t);
        }
        a[i] = (int32_t)v;
    }
    *out = a;
    return PK_OK;
}

static pk_code double_list(lx *x, const kv *f, size_t want, double **out) {
    size_t have = count_tokens(f->v, f->len);
    if (have != want) return want_count(x, f, have, want);
    double *a = alloc(x, want, sizeof *a);
    if (!a) return nomem(x);
    size_t pos = 0, tl;
    const char *t;
    for (size_t i = 0; i < want && next_token(f->v, f->len, &pos, &t, &tl); i++) {
        if (!parse_double(t, tl, &a[i])) {
            x->line = f->line;
            return failf(x, "%s[%zu] is not a number: '%.*s'", f->key, i, (int)(tl > 40 ? 40 : tl),
                         t);
        }
    }
    *out = a;
    return PK_OK;
}

/* Checks the count (and numbers) of an optional array the reader does not keep. */
static pk_code check_optional(lx *x, const kv *f, size_t want, int integers) {
    if (!f->seen) return PK_OK;
    size_t have = count_tokens(f->v, f->len);
    if (have != want) return want_count(x, f, have, want);
    size_t pos = 0, tl;
    const char *t;
    for (size_t i = 0; next_token(f->v, f->len, &pos, &t, &tl); i++) {
        int64_t iv;
        double dv;
        if (integers ? !parse_int(t, tl, INT32_MIN, INT32_MAX, &iv) : !parse_double(t, tl, &dv)) {
            x->line = f->line;
            return failf(x, "%s[%zu] is not a number: '%.*s'", f->key, i, (int)(tl > 40 ? 40 : tl),
                         t);
        }
    }
    return PK_OK;
}

static pk_code one_int(lx *x, const kv *f, int64_t lo, int64_t hi, int64_t *out) {
    if (!parse_int(f->v, f->len, lo, hi, out)) {
        x->line = f->line;
        return failf(x, "%s is not an integer in [%lld, %lld]", f->key, (long long)lo,
                     (long long)hi);
    }
    return PK_OK;
}

/* Reads key=value lines up to an empty line into the fields named in f[0..nf); lines with
 * other keys are skipped, at most max_lines lines. `where` names the block in messages. In the
 * header (average_output non-NULL) the bare line "average_output" sets *average_output, and the
 * text must not end before the empty line. */
static pk_code read_block(lx *x, kv *f, size_t nf, size_t max_lines, const char *where,
                          int *average_output) {
    const char *l;
    size_t len, k = 0;
    while (next_line(x, &l, &len)) {
        if (len == 0) return PK_OK;
        if (++k > max_lines) return failf(x, "more than %zu lines in %s", max_lines, where);
        if (average_output && line_is(l, len, "average_output")) {
            *average_output = 1;
            continue;
        }
        const char *eq = memchr(l, '=', len);
        if (!eq) return failf(x, "a line without '=' in %s", where);
        size_t kl = (size_t)(eq - l);
        for (size_t i = 0; i < nf; i++) {
            if (strlen(f[i].key) != kl || memcmp(f[i].key, l, kl) != 0) continue;
            if (f[i].seen) return failf(x, "%s given twice", f[i].key);
            f[i].seen = 1;
            f[i].v = eq + 1;
            f[i].len = len - kl - 1;
            f[i].line = x->line;
        }
    }
    return average_output ? failf(x, "the text ends in the header") : PK_OK;
}

/* ---- trees ----------------------------------------------------------------------------------- */

enum {
    T_NUM_LEAVES,
    T_NUM_CAT,
    T_SPLIT_FEATURE,
    T_SPLIT_GAIN,
    T_THRESHOLD,
    T_DECISION_TYPE,
    T_LEFT,
    T_RIGHT,
    T_LEAF_VALUE,
    T_LEAF_WEIGHT,
    T_LEAF_COUNT,
    T_INTERNAL_VALUE,
    T_INTERNAL_WEIGHT,
    T_INTERNAL_COUNT,
    T_CAT_BOUNDARIES,
    T_CAT_THRESHOLD,
    T_IS_LINEAR,
    T_LEAF_CONST,
    T_NUM_FEATURES,
    T_LEAF_FEATURES,
    T_LEAF_COEFF,
    T_SHRINKAGE,
    T_COUNT
};

static const char *const TREE_KEYS[T_COUNT] = {
    "num_leaves",    "num_cat",        "split_feature",   "split_gain",     "threshold",
    "decision_type", "left_child",     "right_child",     "leaf_value",     "leaf_weight",
    "leaf_count",    "internal_value", "internal_weight", "internal_count", "cat_boundaries",
    "cat_threshold", "is_linear",      "leaf_const",      "num_features",   "leaf_features",
    "leaf_coeff",    "shrinkage"};

static pk_code need(lx *x, const kv *f) {
    if (f->seen) return PK_OK;
    return failf(x, "the tree has no %s", f->key);
}

/* Scratch of n marks and n (split, depth) stack pairs. */
static pk_code scratch(lx *x, size_t n) {
    if (n <= x->scratch_cap) return PK_OK;
    size_t cap = x->scratch_cap ? x->scratch_cap : 64;
    while (cap < n)
        cap *= 2;
    x->mark = alloc(x, cap, 1);
    x->stack = x->mark ? alloc(x, cap, 2 * sizeof *x->stack) : NULL;
    if (!x->stack) return nomem(x);
    x->scratch_cap = cap;
    return PK_OK;
}

/* Every split and leaf reached exactly once from split 0; gives the depth. In the marks, splits
 * are 0 .. ns-1 and leaves ns .. ns+nl-1. */
static pk_code check_shape(lx *x, pk_lgbm_tree *t, size_t line) {
    size_t ns = (size_t)t->num_leaves - 1, nl = (size_t)t->num_leaves;
    pk_code c = scratch(x, ns + nl);
    if (c) return c;
    memset(x->mark, 0, ns + nl);
    size_t top = 0, reached = 1, depth = 0;
    x->mark[0] = 1;
    x->stack[0] = 0;
    x->stack[1] = 0;
    top = 1;
    x->line = line;
    while (top) {
        top--;
        int32_t s = x->stack[2 * top], d = x->stack[2 * top + 1];
        for (int side = 0; side < 2; side++) {
            int32_t ch = side ? t->right[s] : t->left[s];
            size_t idx;
            if (ch >= 0) {
                if ((size_t)ch >= ns)
                    return failf(x, "split %d: child split %d out of range (%zu splits)", s, ch,
                                 ns);
                idx = (size_t)ch;
            } else {
                size_t leaf = (size_t)(-((int64_t)ch + 1));
                if (leaf >= nl)
                    return failf(x, "split %d: child leaf %zu out of range (%zu leaves)", s, leaf,
                                 nl);
                idx = ns + leaf;
            }
            if (x->mark[idx]) return failf(x, "split %d: child %d is reached twice", s, ch);
            x->mark[idx] = 1;
            reached++;
            if (ch >= 0) {
                x->stack[2 * top] = ch;
                x->stack[2 * top + 1] = d + 1;
                top++; /* each split is pushed once: top < ns */
            } else if ((size_t)d + 1 > depth) {
                depth = (size_t)d + 1;
            }
        }
    }
    if (reached != ns + nl)
        return failf(x, "%zu of its %zu nodes are not reached from the root", ns + nl - reached,
                     ns + nl);
    t->depth = depth;
    return PK_OK;
}

static pk_code read_tree(lx *x, pk_lgbm *m, pk_lgbm_tree *t) {
    kv f[T_COUNT];
    memset(f, 0, sizeof f);
    for (int i = 0; i < T_COUNT; i++)
        f[i].key = TREE_KEYS[i];
    size_t head = x->line;
    pk_code c = read_block(x, f, T_COUNT, 64, "a tree", NULL);
    if (c) return c;
    x->line = head;
    int64_t v;
    if ((c = need(x, &f[T_NUM_LEAVES])) || (c = need(x, &f[T_NUM_CAT])) ||
        (c = need(x, &f[T_LEAF_VALUE])))
        return c;
    if ((c = one_int(x, &f[T_NUM_LEAVES], 1, PK_LGBM_MAX_LEAVES, &v))) return c;
    t->num_leaves = (int32_t)v;
    size_t nl = (size_t)v, ns = nl - 1;
    if ((c = one_int(x, &f[T_NUM_CAT], 0, (int64_t)ns, &v))) return c;
    t->num_cat = (int32_t)v;
    t->shrinkage = 1.0;
    if (f[T_SHRINKAGE].seen && !parse_double(f[T_SHRINKAGE].v, f[T_SHRINKAGE].len, &t->shrinkage)) {
        x->line = f[T_SHRINKAGE].line;
        return failf(x, "shrinkage is not a number");
    }
    if (f[T_IS_LINEAR].seen) {
        if ((c = one_int(x, &f[T_IS_LINEAR], 0, 1, &v))) return c;
        t->is_linear = (int)v;
    }
    if ((c = double_list(x, &f[T_LEAF_VALUE], nl, &t->leaf_value))) return c;
    if ((c = check_optional(x, &f[T_LEAF_WEIGHT], nl, 0)) ||
        (c = check_optional(x, &f[T_LEAF_COUNT], nl, 1)))
        return c;
    if (ns > 0) {
        static const int required[] = {T_SPLIT_FEATURE, T_THRESHOLD, T_LEFT, T_RIGHT};
        for (size_t i = 0; i < sizeof required / sizeof *required; i++)
            if ((c = need(x, &f[required[i]]))) return c;
        int64_t maxf = m->max_feature_idx;
        if ((c = int_list(x, &f[T_SPLIT_FEATURE], ns, 0, maxf, &t->split_feature)) ||
            (c = int_list(x, &f[T_LEFT], ns, -(int64_t)nl, (int64_t)ns - 1, &t->left)) ||
            (c = int_list(x, &f[T_RIGHT], ns, -(int64_t)nl, (int64_t)ns - 1, &t->right)) ||
            (c = double_list(x, &f[T_THRESHOLD], ns, &t->threshold)))
            return c;
        t->decision_type = alloc(x, ns, 1);
        if (!t->decision_type) return nomem(x);
        if (f[T_DECISION_TYPE].seen) {
            int32_t *dt;
            if ((c = int_list(x, &f[T_DECISION_TYPE], ns, 0, 15, &dt))) return c;
            for (size_t i = 0; i < ns; i++) {
                if (PK_LGBM_MISSING(dt[i]) == 3) {
                    x->line = f[T_DECISION_TYPE].line;
                    return failf(x, "decision_type[%zu] = %d: missing type 3 is not defined", i,
                                 dt[i]);
                }
                t->decision_type[i] = (int8_t)dt[i];
            }
        } else {
            memset(t->decision_type, 0, ns);
        }
        if ((c = check_optional(x, &f[T_SPLIT_GAIN], ns, 0)) ||
            (c = check_optional(x, &f[T_INTERNAL_VALUE], ns, 0)) ||
            (c = check_optional(x, &f[T_INTERNAL_WEIGHT], ns, 0)) ||
            (c = check_optional(x, &f[T_INTERNAL_COUNT], ns, 1)))
            return c;
    }
    /* categorical splits: threshold k indexes cat_boundaries[k .. k+1] of cat_threshold */
    size_t ncat_nodes = 0;
    for (size_t i = 0; i < ns; i++) {
        if (!(t->decision_type[i] & PK_LGBM_CATEGORICAL)) {
            if (isnan(t->threshold[i])) {
                x->line = f[T_THRESHOLD].line;
                return failf(x, "threshold[%zu] is NaN", i);
            }
            continue;
        }
        ncat_nodes++;
        double k = t->threshold[i];
        if (!(k >= 0 && k < (double)t->num_cat) || k != floor(k)) {
            x->line = f[T_THRESHOLD].line;
            return failf(x,
                         "threshold[%zu] of a categorical split is not an index below num_cat %d",
                         i, t->num_cat);
        }
    }
    if (ncat_nodes != (size_t)t->num_cat) {
        x->line = f[T_NUM_CAT].line;
        return failf(x, "num_cat is %d but %zu splits are categorical", t->num_cat, ncat_nodes);
    }
    if (t->num_cat > 0) {
        if ((c = need(x, &f[T_CAT_BOUNDARIES])) || (c = need(x, &f[T_CAT_THRESHOLD]))) return c;
        size_t nthr = count_tokens(f[T_CAT_THRESHOLD].v, f[T_CAT_THRESHOLD].len);
        if ((c = int_list(x, &f[T_CAT_BOUNDARIES], (size_t)t->num_cat + 1, 0, (int64_t)nthr,
                          &t->cat_boundaries)))
            return c;
        x->line = f[T_CAT_BOUNDARIES].line;
        if (t->cat_boundaries[0] != 0) return failf(x, "cat_boundaries does not start at 0");
        for (int32_t i = 0; i < t->num_cat; i++)
            if (t->cat_boundaries[i + 1] < t->cat_boundaries[i])
                return failf(x, "cat_boundaries decreases at %d", i + 1);
        if ((size_t)t->cat_boundaries[t->num_cat] != nthr)
            return failf(x, "cat_boundaries ends at %d, cat_threshold has %zu values",
                         t->cat_boundaries[t->num_cat], nthr);
        t->cat_threshold = alloc(x, nthr, sizeof *t->cat_threshold);
        if (!t->cat_threshold) return nomem(x);
        const kv *ct = &f[T_CAT_THRESHOLD];
        size_t pos = 0, tl;
        const char *tok;
        for (size_t i = 0; next_token(ct->v, ct->len, &pos, &tok, &tl); i++) {
            if (!parse_int(tok, tl, 0, UINT32_MAX, &v)) {
                x->line = ct->line;
                return failf(x, "cat_threshold[%zu] is not a 32-bit bitset word", i);
            }
            t->cat_threshold[i] = (uint32_t)v;
        }
        t->n_cat_threshold = nthr;
    }
    if (t->is_linear) {
        /* leaf_const (one per leaf), num_features (one per leaf), then leaf_features and
         * leaf_coeff with num_features[i] values for leaf i */
        if ((c = check_optional(x, &f[T_LEAF_CONST], nl, 0))) return c;
        size_t total = 0;
        if (f[T_NUM_FEATURES].seen) {
            int32_t *nf;
            if ((c = int_list(x, &f[T_NUM_FEATURES], nl, 0, m->max_feature_idx + 1, &nf))) return c;
            for (size_t i = 0; i < nl; i++)
                total += (size_t)nf[i]; /* nl <= 2^24 values of at most 2^31: no overflow */
        }
        int32_t *lf;
        double *lc;
        if (total) {
            if ((c = need(x, &f[T_LEAF_FEATURES])) || (c = need(x, &f[T_LEAF_COEFF])) ||
                (c = int_list(x, &f[T_LEAF_FEATURES], total, 0, m->max_feature_idx, &lf)) ||
                (c = double_list(x, &f[T_LEAF_COEFF], total, &lc)))
                return c;
        }
    }
    if (ns > 0 && (c = check_shape(x, t, head))) return c;
    return PK_OK;
}

/* ---- header and the whole text -------------------------------------------------------------- */

enum {
    H_VERSION,
    H_NUM_CLASS,
    H_NUM_TREE_PER_ITERATION,
    H_LABEL_INDEX,
    H_MAX_FEATURE_IDX,
    H_OBJECTIVE,
    H_FEATURE_NAMES,
    H_FEATURE_INFOS,
    H_TREE_SIZES,
    H_COUNT
};

static const char *const HEAD_KEYS[H_COUNT] = {
    "version",   "num_class",     "num_tree_per_iteration", "label_index", "max_feature_idx",
    "objective", "feature_names", "feature_infos",          "tree_sizes"};

static pk_code header_values(lx *x, pk_lgbm *m, kv *f) {
    pk_code c;
    int64_t v;
    static const int required[] = {H_NUM_CLASS, H_MAX_FEATURE_IDX, H_FEATURE_NAMES};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!f[required[i]].seen) return failf(x, "the header has no %s", f[required[i]].key);
    if (f[H_VERSION].seen) {
        if (f[H_VERSION].len >= sizeof m->version || memchr(f[H_VERSION].v, 0, f[H_VERSION].len)) {
            x->line = f[H_VERSION].line;
            return failf(x, "version is not a short name");
        }
        memcpy(m->version, f[H_VERSION].v, f[H_VERSION].len);
    }
    if ((c = one_int(x, &f[H_NUM_CLASS], 1, 1 << 20, &v))) return c;
    m->num_class = (int32_t)v;
    m->num_tree_per_iteration = m->num_class;
    if (f[H_NUM_TREE_PER_ITERATION].seen) {
        if ((c = one_int(x, &f[H_NUM_TREE_PER_ITERATION], 1, 1 << 20, &v))) return c;
        m->num_tree_per_iteration = (int32_t)v;
    }
    if (f[H_LABEL_INDEX].seen) {
        if ((c = one_int(x, &f[H_LABEL_INDEX], -1, INT32_MAX, &v))) return c;
        m->label_index = (int32_t)v;
    }
    if ((c = one_int(x, &f[H_MAX_FEATURE_IDX], 0, PK_LGBM_MAX_LEAVES, &v))) return c;
    m->max_feature_idx = (int32_t)v;
    m->n_features = (size_t)v + 1;
    if (f[H_OBJECTIVE].seen) {
        if (memchr(f[H_OBJECTIVE].v, 0, f[H_OBJECTIVE].len)) {
            x->line = f[H_OBJECTIVE].line;
            return failf(x, "objective holds a NUL byte");
        }
        m->objective = pk_arena_strndup(x->ar, f[H_OBJECTIVE].v, f[H_OBJECTIVE].len);
        if (!m->objective) return nomem(x);
    }
    const kv *fn = &f[H_FEATURE_NAMES];
    size_t nn = count_tokens(fn->v, fn->len);
    if (nn != m->n_features) return want_count(x, fn, nn, m->n_features);
    m->feature_names = alloc(x, nn, sizeof *m->feature_names);
    if (!m->feature_names) return nomem(x);
    size_t pos = 0, tl;
    const char *t;
    for (size_t i = 0; next_token(fn->v, fn->len, &pos, &t, &tl); i++) {
        if (memchr(t, 0, tl)) {
            x->line = fn->line;
            return failf(x, "feature_names[%zu] holds a NUL byte", i);
        }
        m->feature_names[i] = pk_arena_strndup(x->ar, t, tl);
        if (!m->feature_names[i]) return nomem(x);
    }
    if (f[H_FEATURE_INFOS].seen) {
        size_t ni = count_tokens(f[H_FEATURE_INFOS].v, f[H_FEATURE_INFOS].len);
        if (ni != m->n_features) return want_count(x, &f[H_FEATURE_INFOS], ni, m->n_features);
    }
    return PK_OK;
}

/* The lines after "end of trees": the boosting type from the parameters and whether a
 * pandas_categorical list follows. Other lines are not interpreted. */
static pk_code read_tail(lx *x, pk_lgbm *m) {
    const char *l;
    size_t len;
    int in_params = 0;
    while (next_line(x, &l, &len)) {
        if (in_params) {
            if (line_is(l, len, "end of parameters")) {
                in_params = 0;
            } else if (starts(l, len, "[boosting: ") && len > 12 && l[len - 1] == ']' &&
                       !m->boosting) {
                size_t bl = len - 12;
                if (bl > 64 || memchr(l + 11, 0, bl)) return failf(x, "a bad boosting parameter");
                m->boosting = pk_arena_strndup(x->ar, l + 11, bl);
                if (!m->boosting) return nomem(x);
            }
        } else if (line_is(l, len, "parameters:")) {
            in_params = 1;
        } else if (starts(l, len, "pandas_categorical:")) {
            m->pandas_categorical = !line_is(l, len, "pandas_categorical:null") &&
                                    !line_is(l, len, "pandas_categorical:");
        }
    }
    return PK_OK;
}

pk_code pk_lgbm_parse(pk_arena *ar, const char *s, size_t n, pk_lgbm *out, pk_err *err) {
    lx x;
    memset(&x, 0, sizeof x);
    x.s = s;
    x.n = n;
    x.ar = ar;
    x.err = err;
    x.ctx = "header";
    memset(out, 0, sizeof *out);
    const char *l;
    size_t len;
    if (!next_line(&x, &l, &len) || !line_is(l, len, "tree"))
        return failf(&x, "the text does not start with the line 'tree'");
    kv h[H_COUNT];
    memset(h, 0, sizeof h);
    for (int i = 0; i < H_COUNT; i++)
        h[i].key = HEAD_KEYS[i];
    pk_code c = read_block(&x, h, H_COUNT, 64, "the header", &out->average_output);
    if (c || (c = header_values(&x, out, h))) return c;

    /* count the trees first ("Tree=" lines up to "end of trees"), then read them */
    size_t start = x.pos, start_line = x.cur, ntrees = 0;
    int ended = 0;
    while (next_line(&x, &l, &len)) {
        if (line_is(l, len, "end of trees")) {
            ended = 1;
            break;
        }
        if (starts(l, len, "Tree=") && ++ntrees > PK_LGBM_MAX_TREES)
            return failf(&x, "more than %u trees", PK_LGBM_MAX_TREES);
    }
    if (!ended) return failf(&x, "no 'end of trees' line");
    if (ntrees % (size_t)out->num_tree_per_iteration)
        return failf(&x, "%zu trees are not whole iterations of %d trees", ntrees,
                     out->num_tree_per_iteration);
    size_t *sizes = NULL;
    if (h[H_TREE_SIZES].seen) {
        size_t nt = count_tokens(h[H_TREE_SIZES].v, h[H_TREE_SIZES].len);
        if (nt != ntrees) return want_count(&x, &h[H_TREE_SIZES], nt, ntrees);
        sizes = alloc(&x, ntrees, sizeof *sizes);
        if (!sizes) return nomem(&x);
        size_t pos = 0, tl;
        const char *t;
        for (size_t i = 0; next_token(h[H_TREE_SIZES].v, h[H_TREE_SIZES].len, &pos, &t, &tl); i++) {
            int64_t v;
            if (!parse_int(t, tl, 1, INT64_MAX / 4, &v)) {
                x.line = h[H_TREE_SIZES].line;
                return failf(&x, "tree_sizes[%zu] is not a positive integer", i);
            }
            sizes[i] = (size_t)v;
        }
    }
    out->trees = alloc(&x, ntrees, sizeof *out->trees);
    if (!out->trees) return nomem(&x);
    memset(out->trees, 0, (ntrees ? ntrees : 1) * sizeof *out->trees);
    x.pos = start;
    x.cur = start_line;
    x.ctx = "trees";
    size_t t = 0, block = 0;
    while (next_line(&x, &l, &len)) {
        size_t here = (size_t)(l - s);
        if (line_is(l, len, "end of trees")) {
            if (sizes && t && here - block != sizes[t - 1])
                return failf(&x, "Tree=%zu takes %zu bytes, tree_sizes says %zu", t - 1,
                             here - block, sizes[t - 1]);
            break;
        }
        if (len == 0) continue;
        if (!starts(l, len, "Tree=")) return failf(&x, "a line outside a tree");
        if (t == ntrees) return failf(&x, "more trees than at first count");
        if (sizes && t && here - block != sizes[t - 1])
            return failf(&x, "Tree=%zu takes %zu bytes, tree_sizes says %zu", t - 1, here - block,
                         sizes[t - 1]);
        block = here;
        int64_t idx;
        if (!parse_int(l + 5, len - 5, 0, INT32_MAX, &idx) || (size_t)idx != t)
            return failf(&x, "expected Tree=%zu", t);
        snprintf(x.ctx_buf, sizeof x.ctx_buf, "Tree=%zu", t);
        x.ctx = x.ctx_buf;
        pk_lgbm_tree *tr = &out->trees[t];
        if ((c = read_tree(&x, out, tr))) return c;
        out->n_leaves += (size_t)tr->num_leaves;
        out->n_categorical += (size_t)tr->num_cat;
        out->n_linear += tr->is_linear ? 1 : 0;
        if (tr->depth > out->max_depth) out->max_depth = tr->depth;
        t++;
        x.ctx = "trees";
    }
    out->n_trees = t;
    x.ctx = "after the trees";
    if (t != ntrees) return failf(&x, "%zu of %zu Tree= lines start no tree", ntrees - t, ntrees);
    return read_tail(&x, out);
}
