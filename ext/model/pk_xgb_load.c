/*
 * pk_xgb_load.c - XGBoost's model document (JSON or UBJSON) -> pk_xgb (see pk_xgb.h).
 *
 * The bytes are parsed into a temporary pk_value graph (pk_ubjson_read or pk_json_read), then
 * the learner is read from it:
 *   learner.learner_model_param   base_score (a float written as text, or a list "[5E-1]" in
 *                                 3.x), num_class, num_feature
 *   learner.objective.name        the objective, which fixes ProbToMargin and the transform
 *                                 (binary:logitraw keeps base_score as its margin, as 1.7 does)
 *   learner.gradient_booster      {"name": "gbtree", "model": {...}} |
 *                                 {"name": "dart", "gbtree": {"model": ...}, "weight_drop": [...]}
 *                                 | {"name": "gblinear", "model": {"weights": [...]}}
 *   learner.attributes            best_iteration (text)
 *   learner.feature_names         list of str (may be empty)
 * A tree's arrays (left_children, right_children, split_indices, split_conditions,
 * default_left, split_type) have one entry per node; a leaf has left_children == -1 and its
 * value in split_conditions. Every tree is checked to be a tree: child indices in range, every
 * node reached at most once from the root, split features below num_feature. Scoring therefore
 * terminates and never reads outside the row.
 */
#include "pk_xgb.h"

#include "pk_jsonread.h"
#include "pk_ubjson.h"
#include "pk_value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XGB_MAX_NAME 64

typedef struct ld {
    pk_arena *ar; /* the model's arena (results) */
    pk_err *err;
} ld;

static pk_code bad(ld *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static pk_code bad(ld *l, const char *fmt, ...) {
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pk_err_set(l->err, PK_EMODEL, -1, -1, "XGBoost model: %s", what);
}

static const pk_value *get(const pk_value *d, const char *key) {
    if (!d || d->kind != PK_DICT) return NULL;
    return pk_dict_get_str(d, key);
}

/* A number given as a JSON number or as text ("5E-1"): XGBoost writes parameters as text. */
static int num(const pk_value *v, double *out) {
    if (!v) return 0;
    switch (v->kind) {
    case PK_INT:
        *out = (double)v->u.i;
        return 1;
    case PK_FLOAT:
        *out = v->u.f;
        return 1;
    case PK_BOOL:
        *out = v->u.b;
        return 1;
    case PK_STR: {
        if (v->u.s.len == 0 || v->u.s.len > 64) return 0;
        char *end;
        *out = strtod(v->u.s.ptr, &end);
        return end == v->u.s.ptr + v->u.s.len;
    }
    default:
        return 0;
    }
}

/* The same read as a float the way XGBoost parses its float parameters (strtof). */
static int numf(const pk_value *v, float *out) {
    if (v && v->kind == PK_STR) {
        if (v->u.s.len == 0 || v->u.s.len > 64) return 0;
        char *end;
        *out = strtof(v->u.s.ptr, &end);
        return end == v->u.s.ptr + v->u.s.len;
    }
    double d;
    if (!num(v, &d)) return 0;
    *out = (float)d;
    return 1;
}

/* A non-negative integer parameter, at most `max`. */
static int count(const pk_value *v, size_t max, size_t *out) {
    double d;
    if (!num(v, &d) || !(d >= 0) || d > (double)max || d != floor(d)) return 0;
    *out = (size_t)d;
    return 1;
}

static const pk_seq *list(const pk_value *v) {
    return v && v->kind == PK_LIST ? &v->u.seq : NULL;
}

/* Element i of a numeric list as int64 (integers only). */
static int item_int(const pk_seq *s, size_t i, int64_t *out) {
    const pk_value *v = s->items[i];
    if (v->kind == PK_INT) {
        *out = v->u.i;
        return 1;
    }
    if (v->kind == PK_BOOL) {
        *out = v->u.b;
        return 1;
    }
    return 0;
}

static int item_float(const pk_seq *s, size_t i, float *out) {
    const pk_value *v = s->items[i];
    if (v->kind == PK_FLOAT) {
        *out = (float)v->u.f;
        return 1;
    }
    if (v->kind == PK_INT) {
        *out = (float)v->u.i;
        return 1;
    }
    return 0;
}

pk_code pk_xgb_set_objective(pk_xgb *x, const char *name, size_t len, int *link, pk_err *err) {
    ld lv = {NULL, err}, *l = &lv;
    if (len == 0 || len >= sizeof x->objective || memchr(name, 0, len))
        return bad(l, "no objective name");
    memcpy(x->objective, name, len);
    x->objective[len] = 0;
    const char *o = x->objective;
    static const char *const identity[] = {
        "reg:squarederror",  "reg:linear",        "reg:squaredlogerror", "reg:pseudohubererror",
        "reg:absoluteerror", "reg:quantileerror", "binary:logitraw",     "rank:pairwise",
        "rank:ndcg",         "rank:map"};
    *link = PK_XGB_LINK_IDENTITY;
    if (strcmp(o, "binary:logistic") == 0 || strcmp(o, "reg:logistic") == 0) {
        x->transform = PK_XGB_SIGMOID;
        *link = PK_XGB_LINK_LOGIT;
        return PK_OK;
    }
    if (strcmp(o, "count:poisson") == 0 || strcmp(o, "reg:gamma") == 0 ||
        strcmp(o, "reg:tweedie") == 0 || strcmp(o, "survival:cox") == 0) {
        x->transform = PK_XGB_EXP;
        *link = PK_XGB_LINK_LOG;
        return PK_OK;
    }
    if (strcmp(o, "survival:aft") == 0) { /* its PredTransform calls exp on a double */
        x->transform = PK_XGB_EXP_F64;
        *link = PK_XGB_LINK_LOG;
        return PK_OK;
    }
    if (strcmp(o, "binary:hinge") == 0) {
        x->transform = PK_XGB_HINGE;
        return PK_OK;
    }
    if (strcmp(o, "multi:softprob") == 0) {
        x->transform = PK_XGB_SOFTPROB;
        return PK_OK;
    }
    if (strcmp(o, "multi:softmax") == 0) {
        x->transform = PK_XGB_SOFTMAX;
        return PK_OK;
    }
    for (size_t i = 0; i < sizeof identity / sizeof identity[0]; i++)
        if (strcmp(o, identity[i]) == 0) {
            x->transform = PK_XGB_IDENTITY;
            return PK_OK;
        }
    return bad(l, "objective '%s' is not supported", o);
}

/* base_score: a float as text ("5E-1", 1.x), or a list of them ("[5E-1]", 3.x; one per output
 * group or one for all), turned into each group's starting margin. */
static pk_code set_base(ld *l, pk_xgb *x, const pk_value *v, int link) {
    x->base_margin = pk_arena_calloc(l->ar, x->n_groups, sizeof(float));
    if (!x->base_margin) return pk_err_nomem(l->err, -1);
    float vals[1];
    size_t k = 0;
    if (v && v->kind == PK_STR && v->u.s.len >= 2 && v->u.s.ptr[0] == '[') {
        const char *p = v->u.s.ptr + 1, *end = v->u.s.ptr + v->u.s.len - 1;
        if (*end != ']') return bad(l, "bad base_score list");
        while (p < end) {
            char *q;
            float f = strtof(p, &q);
            if (q == p || q > end) return bad(l, "bad base_score list");
            if (k >= x->n_groups) return bad(l, "base_score has more values than outputs");
            x->base_margin[k++] = f;
            p = q;
            while (p < end && (*p == ',' || *p == ' '))
                p++;
        }
        if (k != 1 && k != x->n_groups)
            return bad(l, "base_score has %zu values for %zu outputs", k, x->n_groups);
    } else {
        if (!numf(v, &vals[0])) return bad(l, "no base_score in learner_model_param");
        x->base_margin[0] = vals[0];
        k = 1;
    }
    x->base_score = x->base_margin[0];
    /* one value for all outputs: each converts the stored value (not group 0's margin) */
    for (size_t g = 0; g < x->n_groups; g++)
        x->base_margin[g] = pk_xgb_prob_to_margin(link, k == 1 ? x->base_score : x->base_margin[g]);
    return PK_OK;
}

float pk_xgb_prob_to_margin(int link, float bs) {
    return link == PK_XGB_LINK_LOGIT ? -logf(1.0f / bs - 1.0f)
           : link == PK_XGB_LINK_LOG ? logf(bs)
                                     : bs;
}

pk_code pk_xgb_check_tree(const pk_xgb_node *nodes, size_t n, size_t t, uint8_t *mark,
                          size_t *stack, size_t *depth_out, pk_err *err) {
    ld lv = {NULL, err}, *l = &lv;
    memset(mark, 0, n);
    size_t sp = 0, maxd = 0;
    stack[sp++] = 0;
    mark[0] = 1;
    /* depth is kept in the upper half of the stack array */
    size_t *dstack = stack + n;
    dstack[0] = 0;
    while (sp) {
        sp--;
        size_t i = stack[sp], d = dstack[sp];
        if (d > maxd) maxd = d;
        const pk_xgb_node *nd = &nodes[i];
        if (nd->left < 0) continue;
        int32_t kids[2] = {nd->left, nd->right};
        for (int k = 0; k < 2; k++) {
            size_t c = (size_t)kids[k];
            if (mark[c]) return bad(l, "tree %zu: node %zu is reached twice", t, c);
            mark[c] = 1;
            stack[sp] = c;
            dstack[sp] = d + 1;
            sp++;
        }
    }
    *depth_out = maxd;
    return PK_OK;
}

/* catpos[i]: position of node i in the tree's categories_nodes, or -1. */
static pk_code tree_categories(ld *l, const pk_value *tr, size_t t, size_t n, int64_t *catpos) {
    for (size_t i = 0; i < n; i++)
        catpos[i] = -1;
    const pk_seq *cn = list(get(tr, "categories_nodes"));
    for (size_t k = 0; cn && k < cn->len; k++) {
        int64_t node;
        if (!item_int(cn, k, &node) || node < 0 || (uint64_t)node >= n || catpos[node] >= 0)
            return bad(l, "tree %zu: bad categories_nodes entry %zu", t, k);
        catpos[node] = (int64_t)k;
    }
    return PK_OK;
}

/* Copies the categories of node i (tree t, entry k of categories_nodes) to x->cats. */
static pk_code node_categories(ld *l, pk_xgb *x, const pk_value *tr, size_t t, size_t i, int64_t k,
                               size_t global, size_t *cat_at) {
    const pk_seq *seg = list(get(tr, "categories_segments")),
                 *sz = list(get(tr, "categories_sizes")), *cs = list(get(tr, "categories"));
    int64_t beg, len;
    if (k < 0 || !seg || !sz || !cs || !x->cats || (size_t)k >= seg->len || (size_t)k >= sz->len ||
        !item_int(seg, (size_t)k, &beg) || !item_int(sz, (size_t)k, &len) || beg < 0 || len < 0 ||
        (uint64_t)beg > cs->len || (uint64_t)len > cs->len - (uint64_t)beg ||
        (uint64_t)len > x->n_cats - *cat_at)
        return bad(l, "tree %zu node %zu: categorical split without valid categories", t, i);
    x->cat_beg[global] = (uint32_t)*cat_at;
    x->cat_len[global] = (uint32_t)len;
    for (int64_t j = 0; j < len; j++) {
        int64_t v;
        if (!item_int(cs, (size_t)(beg + j), &v) || v < 0 || v > INT32_MAX)
            return bad(l, "tree %zu node %zu: bad category", t, i);
        x->cats[(*cat_at)++] = (int32_t)v;
    }
    return PK_OK;
}

static pk_code load_trees(ld *l, pk_xgb *x, const pk_value *model, pk_arena *tmp) {
    const pk_seq *trees = list(get(model, "trees"));
    const pk_seq *info = list(get(model, "tree_info"));
    if (!trees || !info) return bad(l, "the tree model has no trees or tree_info");
    if (info->len != trees->len)
        return bad(l, "tree_info has %zu entries for %zu trees", info->len, trees->len);
    size_t npt = 1;
    const pk_value *p = get(get(model, "gbtree_model_param"), "num_parallel_tree");
    if (p && (!count(p, 1u << 20, &npt) || npt == 0)) return bad(l, "bad num_parallel_tree");
    x->num_parallel_tree = npt;
    x->n_trees = trees->len;
    size_t total = 0, maxn = 1, ncats = 0;
    for (size_t t = 0; t < trees->len; t++) {
        const pk_seq *lc = list(get(trees->items[t], "left_children"));
        const pk_seq *cs = list(get(trees->items[t], "categories"));
        if (!lc || lc->len == 0) return bad(l, "tree %zu has no nodes", t);
        size_t slv = 0;
        const pk_value *sv = get(get(trees->items[t], "tree_param"), "size_leaf_vector");
        if (sv && (!count(sv, 1u << 16, &slv) || slv > 1))
            return bad(l,
                       "tree %zu has vector leaves (multi_strategy=\"multi_output_tree\" of "
                       "XGBoost >= 2.0), which are not supported",
                       t);
        if (pk_add_overflow(total, lc->len, &total) || total > INT32_MAX)
            return bad(l, "too many nodes");
        if (lc->len > maxn) maxn = lc->len;
        if (cs && (pk_add_overflow(ncats, cs->len, &ncats) || ncats > INT32_MAX))
            return bad(l, "too many categories");
    }
    if (ncats) {
        x->cat_beg = pk_arena_calloc(l->ar, total, sizeof(uint32_t));
        x->cat_len = pk_arena_calloc(l->ar, total, sizeof(uint32_t));
        x->cats = pk_arena_calloc(l->ar, ncats, sizeof(int32_t));
        if (!x->cat_beg || !x->cat_len || !x->cats) return pk_err_nomem(l->err, -1);
        x->n_cats = ncats;
    }
    size_t cat_at = 0;
    x->n_nodes = total;
    x->nodes = pk_arena_calloc(l->ar, total ? total : 1, sizeof *x->nodes);
    x->tree_root = pk_arena_calloc(l->ar, trees->len ? trees->len : 1, sizeof(size_t));
    x->tree_group = pk_arena_calloc(l->ar, trees->len ? trees->len : 1, sizeof(int32_t));
    uint8_t *mark = pk_arena_alloc(tmp, maxn);
    int64_t *catpos = pk_arena_alloc(tmp, maxn * sizeof(int64_t));
    size_t *stack = pk_arena_alloc(tmp, 2 * maxn * sizeof(size_t));
    if (!x->nodes || !x->tree_root || !x->tree_group || !mark || !stack || !catpos)
        return pk_err_nomem(l->err, -1);
    size_t at = 0;
    for (size_t t = 0; t < trees->len; t++) {
        const pk_value *tr = trees->items[t];
        int64_t g;
        if (!item_int(info, t, &g) || g < 0 || (uint64_t)g >= x->n_groups)
            return bad(l, "tree_info[%zu] is not an output group below %zu", t, x->n_groups);
        x->tree_group[t] = (int32_t)g;
        const pk_seq *lc = list(get(tr, "left_children")), *rc = list(get(tr, "right_children")),
                     *si = list(get(tr, "split_indices")), *sc = list(get(tr, "split_conditions")),
                     *dl = list(get(tr, "default_left")), *st = list(get(tr, "split_type"));
        size_t n = lc->len;
        if (!rc || !si || !sc || !dl || rc->len != n || si->len != n || sc->len != n ||
            dl->len != n)
            return bad(l, "tree %zu: node arrays missing or of different lengths", t);
        if (st && st->len != n) return bad(l, "tree %zu: split_type length", t);
        pk_xgb_node *nodes = x->nodes + at;
        pk_code c = tree_categories(l, tr, t, n, catpos);
        if (c) return c;
        for (size_t i = 0; i < n; i++) {
            int64_t left, right, feat, dflt, stype = 0;
            float v;
            if (!item_int(lc, i, &left) || !item_int(rc, i, &right) || !item_int(si, i, &feat) ||
                !item_int(dl, i, &dflt) || !item_float(sc, i, &v) ||
                (st && !item_int(st, i, &stype)))
                return bad(l, "tree %zu node %zu: non-numeric node data", t, i);
            if (left == -1) {
                nodes[i].left = -1;
                nodes[i].right = -1;
                nodes[i].value = v;
                continue;
            }
            if (left < 0 || (uint64_t)left >= n || right < 0 || (uint64_t)right >= n)
                return bad(l, "tree %zu node %zu: child out of range", t, i);
            if (feat < 0 || (uint64_t)feat >= x->n_features)
                return bad(l, "tree %zu node %zu: split feature out of range", t, i);
            nodes[i].left = (int32_t)left;
            nodes[i].right = (int32_t)right;
            nodes[i].feature = (uint32_t)feat | (dflt ? PK_XGB_DEFAULT_LEFT : 0);
            nodes[i].value = v;
            if (stype == 1) {
                c = node_categories(l, x, tr, t, i, catpos[i], at + i, &cat_at);
                if (c) return c;
                nodes[i].feature |= PK_XGB_CATEGORICAL;
            } else if (stype != 0) {
                return bad(l, "tree %zu node %zu: unknown split type", t, i);
            } else if (isnan(v)) {
                return bad(l, "tree %zu node %zu: NaN split condition", t, i);
            }
        }
        size_t depth = 0;
        c = pk_xgb_check_tree(nodes, n, t, mark, stack, &depth, l->err);
        if (c) return c;
        if (depth > x->max_depth) x->max_depth = depth;
        x->tree_root[t] = at;
        at += n;
    }
    return PK_OK;
}

static pk_code load_booster(ld *l, pk_xgb *x, const pk_value *gb, pk_arena *tmp) {
    const pk_value *name = get(gb, "name");
    if (!name || name->kind != PK_STR) return bad(l, "no gradient_booster name");
    const char *nm = name->u.s.ptr;
    if (strcmp(nm, "gbtree") == 0) {
        x->booster = PK_XGB_GBTREE;
        return load_trees(l, x, get(gb, "model"), tmp);
    }
    if (strcmp(nm, "dart") == 0) {
        x->booster = PK_XGB_DART;
        pk_code c = load_trees(l, x, get(get(gb, "gbtree"), "model"), tmp);
        if (c) return c;
        const pk_seq *w = list(get(gb, "weight_drop"));
        if (!w || w->len != x->n_trees)
            return bad(l, "dart weight_drop has %zu entries for %zu trees", w ? w->len : 0,
                       x->n_trees);
        x->weight_drop = pk_arena_calloc(l->ar, w->len ? w->len : 1, sizeof(float));
        if (!x->weight_drop) return pk_err_nomem(l->err, -1);
        for (size_t i = 0; i < w->len; i++)
            if (!item_float(w, i, &x->weight_drop[i]))
                return bad(l, "dart weight %zu is not a number", i);
        return PK_OK;
    }
    if (strcmp(nm, "gblinear") == 0) {
        x->booster = PK_XGB_GBLINEAR;
        const pk_seq *w = list(get(get(gb, "model"), "weights"));
        size_t want;
        if (pk_mul_overflow(x->n_features + 1, x->n_groups, &want) || !w || w->len != want)
            return bad(l, "gblinear weights: %zu entries, expected %zu", w ? w->len : 0, want);
        x->linear = pk_arena_calloc(l->ar, want, sizeof(float));
        if (!x->linear) return pk_err_nomem(l->err, -1);
        for (size_t i = 0; i < want; i++)
            if (!item_float(w, i, &x->linear[i]))
                return bad(l, "gblinear weight %zu is not a number", i);
        return PK_OK;
    }
    return bad(l, "booster '%s' is not supported", nm);
}

static pk_code load_learner(ld *l, pk_xgb *x, const pk_value *doc, pk_arena *tmp) {
    const pk_value *learner = get(doc, "learner");
    if (!learner || learner->kind != PK_DICT)
        return bad(l, "no learner object in the model document");
    const pk_seq *ver = list(get(doc, "version"));
    for (size_t i = 0; ver && i < 3 && i < ver->len; i++) {
        int64_t v;
        if (item_int(ver, i, &v) && v >= 0 && v < 1000) x->version[i] = (int)v;
    }
    const pk_value *mp = get(learner, "learner_model_param");
    size_t ncls = 0, ntgt = 1;
    if (!count(get(mp, "num_feature"), 1u << 24, &x->n_features))
        return bad(l, "no num_feature in learner_model_param");
    if (get(mp, "num_class") && !count(get(mp, "num_class"), 1u << 16, &ncls))
        return bad(l, "bad num_class");
    if (get(mp, "num_target") && !count(get(mp, "num_target"), 1u << 16, &ntgt))
        return bad(l, "bad num_target");
    if (ncls > 0 && ntgt > 1) return bad(l, "multi-class with multiple targets");
    /* one output per target (1.6+ multi-output regression, 2.x quantiles): trees of target g
     * have tree_info g, as the groups of a multi-class model */
    x->n_groups = ncls > 0 ? ncls : ntgt;
    int link;
    const pk_value *oname = get(get(learner, "objective"), "name");
    if (!oname || oname->kind != PK_STR) return bad(l, "no objective name");
    pk_code c = pk_xgb_set_objective(x, oname->u.s.ptr, oname->u.s.len, &link, l->err);
    if (!c) c = set_base(l, x, get(mp, "base_score"), link);
    if (c) return c;
    if ((x->transform == PK_XGB_SOFTPROB || x->transform == PK_XGB_SOFTMAX) && ncls < 1)
        return bad(l, "%s without num_class", x->objective);
    x->best_iteration = -1;
    double bi;
    if (num(get(get(learner, "attributes"), "best_iteration"), &bi) && bi >= 0 && bi < 1e15 &&
        bi == floor(bi))
        x->best_iteration = (int64_t)bi;
    c = load_booster(l, x, get(learner, "gradient_booster"), tmp);
    if (c) return c;
    const pk_seq *fn = list(get(learner, "feature_names"));
    if (fn && fn->len == x->n_features && fn->len > 0) {
        x->feature_names = pk_arena_calloc(l->ar, fn->len, sizeof(char *));
        if (!x->feature_names) return pk_err_nomem(l->err, -1);
        for (size_t i = 0; i < fn->len; i++) {
            const pk_value *s = fn->items[i];
            if (s->kind != PK_STR) return bad(l, "feature name %zu is not a string", i);
            x->feature_names[i] = pk_arena_strndup(l->ar, s->u.s.ptr, s->u.s.len);
            if (!x->feature_names[i]) return pk_err_nomem(l->err, -1);
        }
    }
    return PK_OK;
}

pk_code pk_xgb_load(pk_arena *ar, const pk_alloc *scratch, size_t budget, uint32_t max_depth,
                    const uint8_t *buf, size_t n, pk_xgb *out, pk_err *err) {
    memset(out, 0, sizeof *out);
    ld l = {ar, err};
    if (n == 0) return bad(&l, "the model is empty");
    if (buf[0] != '{') return pk_xgb_load_legacy(ar, buf, n, out, err);
    pk_arena tmp;
    pk_arena_init(&tmp, scratch, budget);
    pk_value *doc = NULL;
    /* JSON text continues '{' with whitespace, '"' or '}'; UBJSON with a length marker, '$',
     * '#' or '}' */
    int json = n > 1 && (buf[1] == '"' || buf[1] == ' ' || buf[1] == '\n' || buf[1] == '\t' ||
                         buf[1] == '\r');
    pk_err perr;
    pk_err_clear(&perr);
    pk_code c = json ? pk_json_read(&tmp, (const char *)buf, n, max_depth, &doc, &perr)
                     : pk_ubjson_read(&tmp, buf, n, max_depth, &doc, &perr);
    if (c) {
        if (c == PK_ENOMEM && tmp.over_budget)
            pk_err_set(err, PK_ELIMIT, -1, -1, "XGBoost model: the document is too large");
        else if (c == PK_ENOMEM)
            pk_err_nomem(err, -1);
        else
            pk_err_set(err, PK_EMODEL, -1, -1, "XGBoost model: %s", perr.msg);
        pk_arena_free(&tmp);
        return err->code;
    }
    /* the serialization document (pickled Booster) holds the model under "Model" */
    const pk_value *model = get(doc, "Model");
    if (model && model->kind != PK_DICT) {
        pk_arena_free(&tmp);
        return bad(&l, "the serialized Model is not an object");
    }
    c = load_learner(&l, out, model ? model : doc, &tmp);
    pk_arena_free(&tmp);
    return c;
}
