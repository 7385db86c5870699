/*
 * pk_xgb_legacy.c - XGBoost's legacy binary model format -> pk_xgb (see pk_xgb.h).
 *
 * Written by save_raw() (its default "deprecated" format) and save_model('m.bin') in 1.x,
 * after the magic "binf", and without the magic as the pickled handle of XGBoost < 1.0.
 * Little-endian, fixed-size parameter blocks (layout in docs/xgboost.md):
 *   learner param (136 bytes): float base_score, u32 num_feature, i32 num_class,
 *     i32 contain_extra_attrs, i32 contain_eval_metrics, u32 major, u32 minor, reserved
 *   string objective name, string booster name        (string = u64 length + bytes)
 *   gbtree / dart: model param (160 bytes: i32 num_trees, i32 num_parallel_tree, ...,
 *     i32 size_leaf_vector at 28), then per tree a tree param (148 bytes: i32 num_nodes at 4,
 *     i32 size_leaf_vector at 20), num_nodes nodes of 20 bytes (i32 parent, i32 left,
 *     i32 right, u32 feature | default-left bit 31, float split condition or leaf value) and
 *     num_nodes statistics of 16 bytes; then num_trees i32 tree_info; dart adds weight_drop
 *     (u64 count + floats)
 *   gblinear: model param (136 bytes), weights (u64 count + floats)
 *   attributes when contain_extra_attrs: u64 count, then (string key, string value) pairs.
 * Before 1.0 (major == 0) base_score was saved already turned into a margin.
 */
#include "pk_xgb.h"

#include <stdlib.h>
#include <string.h>

typedef struct rd {
    const uint8_t *p;
    size_t n, pos;
    pk_err *err;
} rd;

static pk_code fail(rd *r, const char *what) {
    return pk_err_set(r->err, PK_EMODEL, -1, -1, "XGBoost model (legacy binary): %s at offset %zu",
                      what, r->pos);
}

static int have(const rd *r, size_t k) {
    return r->n - r->pos >= k;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int32_t i32_at(const rd *r, size_t off) {
    return (int32_t)le32(r->p + r->pos + off);
}

static float f32_at(const rd *r, size_t off) {
    uint32_t u = le32(r->p + r->pos + off);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static pk_code u64(rd *r, uint64_t *out) {
    if (!have(r, 8)) return fail(r, "truncated length");
    *out = (uint64_t)le32(r->p + r->pos) | (uint64_t)le32(r->p + r->pos + 4) << 32;
    r->pos += 8;
    return PK_OK;
}

static pk_code str(rd *r, const char **s, size_t *len) {
    uint64_t n;
    pk_code c = u64(r, &n);
    if (c) return c;
    if (n > r->n - r->pos) return fail(r, "string longer than the input");
    *s = (const char *)r->p + r->pos;
    *len = (size_t)n;
    r->pos += (size_t)n;
    return PK_OK;
}

/* A u64-counted float vector of exactly `want` entries (or any count when want == SIZE_MAX),
 * copied into ar. */
static pk_code floats(rd *r, pk_arena *ar, size_t want, float **out, size_t *count) {
    uint64_t n;
    pk_code c = u64(r, &n);
    if (c) return c;
    if (n > (r->n - r->pos) / 4) return fail(r, "vector longer than the input");
    if (want != SIZE_MAX && n != want) return fail(r, "vector of the wrong length");
    *out = pk_arena_calloc(ar, n ? (size_t)n : 1, sizeof(float));
    if (!*out) return pk_err_nomem(r->err, -1);
    for (size_t i = 0; i < n; i++)
        (*out)[i] = f32_at(r, 4 * i);
    r->pos += 4 * (size_t)n;
    *count = (size_t)n;
    return PK_OK;
}

static pk_code trees(rd *r, pk_arena *ar, pk_xgb *x, int dart) {
    if (!have(r, 160)) return fail(r, "truncated tree model parameters");
    int32_t nt = i32_at(r, 0), npt = i32_at(r, 4), leafvec = i32_at(r, 28);
    if (nt < 0 || (size_t)nt > (r->n - r->pos) / 148) return fail(r, "bad num_trees");
    if (leafvec != 0) return fail(r, "leaf vectors are not supported");
    x->num_parallel_tree = npt >= 1 ? (size_t)npt : 1;
    x->n_trees = (size_t)nt;
    r->pos += 160;
    /* first pass: sizes and bounds */
    size_t start = r->pos, total = 0, maxn = 1;
    for (int32_t t = 0; t < nt; t++) {
        if (!have(r, 148)) return fail(r, "truncated tree parameters");
        int32_t nn = i32_at(r, 4), lv = i32_at(r, 20);
        if (lv != 0) return fail(r, "leaf vectors are not supported");
        r->pos += 148;
        if (nn <= 0 || (size_t)nn > (r->n - r->pos) / 36) return fail(r, "bad num_nodes");
        r->pos += 36 * (size_t)nn;
        total += (size_t)nn;
        if ((size_t)nn > maxn) maxn = (size_t)nn;
    }
    x->n_nodes = total;
    x->nodes = pk_arena_calloc(ar, total ? total : 1, sizeof *x->nodes);
    x->tree_root = pk_arena_calloc(ar, x->n_trees ? x->n_trees : 1, sizeof(size_t));
    x->tree_group = pk_arena_calloc(ar, x->n_trees ? x->n_trees : 1, sizeof(int32_t));
    uint8_t *mark = pk_arena_alloc(ar, maxn);
    size_t *stack = pk_arena_alloc(ar, 2 * maxn * sizeof(size_t));
    if (!x->nodes || !x->tree_root || !x->tree_group || !mark || !stack)
        return pk_err_nomem(r->err, -1);
    /* second pass: the nodes */
    r->pos = start;
    size_t at = 0;
    for (size_t t = 0; t < x->n_trees; t++) {
        size_t nn = (size_t)i32_at(r, 4);
        r->pos += 148;
        pk_xgb_node *nodes = x->nodes + at;
        for (size_t i = 0; i < nn; i++, r->pos += 20) {
            int32_t left = i32_at(r, 4), right = i32_at(r, 8);
            uint32_t sindex = (uint32_t)i32_at(r, 12);
            float v = f32_at(r, 16);
            if (left == -1) {
                nodes[i].left = nodes[i].right = -1;
                nodes[i].value = v;
                continue;
            }
            uint32_t feat = sindex & ~PK_XGB_DEFAULT_LEFT;
            if (left < 0 || (size_t)left >= nn || right < 0 || (size_t)right >= nn)
                return pk_err_set(r->err, PK_EMODEL, -1, -1,
                                  "XGBoost model: tree %zu node %zu: child out of range", t, i);
            if (feat >= x->n_features)
                return pk_err_set(r->err, PK_EMODEL, -1, -1,
                                  "XGBoost model: tree %zu node %zu: split feature out of range", t,
                                  i);
            if (v != v)
                return pk_err_set(r->err, PK_EMODEL, -1, -1,
                                  "XGBoost model: tree %zu node %zu: NaN split condition", t, i);
            nodes[i].left = left;
            nodes[i].right = right;
            nodes[i].feature = sindex;
            nodes[i].value = v;
        }
        r->pos += 16 * nn; /* node statistics */
        size_t depth = 0;
        pk_code c = pk_xgb_check_tree(nodes, nn, t, mark, stack, &depth, r->err);
        if (c) return c;
        if (depth > x->max_depth) x->max_depth = depth;
        x->tree_root[t] = at;
        at += nn;
    }
    if (!have(r, 4 * x->n_trees)) return fail(r, "truncated tree_info");
    for (size_t t = 0; t < x->n_trees; t++) {
        int32_t g = i32_at(r, 4 * t);
        if (g < 0 || (size_t)g >= x->n_groups) return fail(r, "tree_info out of range");
        x->tree_group[t] = g;
    }
    r->pos += 4 * x->n_trees;
    if (dart) {
        size_t cnt;
        return floats(r, ar, x->n_trees, &x->weight_drop, &cnt);
    }
    return PK_OK;
}

/* best_iteration from the attributes, when present (the rest of the file is not needed). */
static pk_code attributes(rd *r, pk_xgb *x) {
    uint64_t n;
    pk_code c = u64(r, &n);
    if (c) return c;
    for (uint64_t i = 0; i < n; i++) {
        const char *k, *v;
        size_t kl, vl;
        if ((c = str(r, &k, &kl)) != PK_OK || (c = str(r, &v, &vl)) != PK_OK) return c;
        if (kl == 14 && memcmp(k, "best_iteration", 14) == 0 && vl > 0 && vl < 20) {
            char tmp[24];
            memcpy(tmp, v, vl);
            tmp[vl] = 0;
            char *end;
            long long b = strtoll(tmp, &end, 10);
            if (*end == 0 && b >= 0) x->best_iteration = b;
        }
    }
    return PK_OK;
}

pk_code pk_xgb_load_legacy(pk_arena *ar, const uint8_t *buf, size_t n, pk_xgb *x, pk_err *err) {
    rd r = {buf, n, 0, err};
    memset(x, 0, sizeof *x);
    x->best_iteration = -1;
    if (n >= 4 && memcmp(buf, "binf", 4) == 0) r.pos = 4;
    if (!have(&r, 136)) return fail(&r, "truncated learner parameters");
    float base = f32_at(&r, 0);
    uint32_t nf = (uint32_t)i32_at(&r, 4);
    int32_t ncls = i32_at(&r, 8), extra = i32_at(&r, 12);
    uint32_t major = (uint32_t)i32_at(&r, 20), minor = (uint32_t)i32_at(&r, 24);
    uint32_t ntgt = (uint32_t)i32_at(&r, 28); /* 1.6+; reserved (0) before */
    if (nf == 0 || nf > (1u << 24)) return fail(&r, "bad num_feature");
    if (ncls < 0 || ncls > (1 << 16)) return fail(&r, "bad num_class");
    if (ntgt > (1u << 16) || (ncls > 0 && ntgt > 1)) return fail(&r, "bad num_target");
    r.pos += 136;
    x->n_features = nf;
    x->n_groups = ncls > 0 ? (size_t)ncls : ntgt > 1 ? ntgt : 1;
    x->version[0] = major < 1000 ? (int)major : 0;
    x->version[1] = minor < 1000 ? (int)minor : 0;
    const char *obj, *gbm;
    size_t ol, gl;
    pk_code c = str(&r, &obj, &ol);
    if (!c) c = str(&r, &gbm, &gl);
    if (c) return c;
    int link;
    if ((c = pk_xgb_set_objective(x, obj, ol, &link, err)) != PK_OK) return c;
    if ((x->transform == PK_XGB_SOFTPROB || x->transform == PK_XGB_SOFTMAX) && ncls < 1)
        return fail(&r, "multi-class objective without num_class");
    x->base_margin = pk_arena_calloc(ar, x->n_groups, sizeof(float));
    if (!x->base_margin) return pk_err_nomem(err, -1);
    x->base_score = base;
    for (size_t g = 0; g < x->n_groups; g++)
        x->base_margin[g] = major >= 1 ? pk_xgb_prob_to_margin(link, base) : base;
    if (gl == 6 && memcmp(gbm, "gbtree", 6) == 0) {
        x->booster = PK_XGB_GBTREE;
        c = trees(&r, ar, x, 0);
    } else if (gl == 4 && memcmp(gbm, "dart", 4) == 0) {
        x->booster = PK_XGB_DART;
        c = trees(&r, ar, x, 1);
    } else if (gl == 8 && memcmp(gbm, "gblinear", 8) == 0) {
        x->booster = PK_XGB_GBLINEAR;
        if (!have(&r, 136)) return fail(&r, "truncated gblinear parameters");
        r.pos += 136;
        size_t cnt;
        c = floats(&r, ar, (x->n_features + 1) * x->n_groups, &x->linear, &cnt);
    } else {
        return pk_err_set(err, PK_EMODEL, -1, -1, "XGBoost model: booster '%.*s' is not supported",
                          (int)(gl > 32 ? 32 : gl), gbm);
    }
    if (c) return c;
    if (extra) c = attributes(&r, x);
    return c;
}
