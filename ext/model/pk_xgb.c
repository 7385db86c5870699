/*
 * pk_xgb.c - XGBoost models: the pickled xgboost.core.Booster and the scikit-learn wrappers
 * (XGBClassifier, XGBRegressor, XGBRFClassifier, XGBRFRegressor, XGBRanker), scored as
 * XGBoost 1.7's CPU predictor does (docs/xgboost.md).
 *
 * A row is cast to float32; a value is missing when it is NaN or equals the wrapper's `missing`
 * (compared as float32). Margin of output group g:
 *   gbtree    base_margin, then += leaf of each tree of group g, in tree order (float adds)
 *   dart      the same with each leaf weighted by weight_drop[t]; the wrappers' predict goes
 *             through inplace_predict, which adds ((base_margin + leaf) - base_margin) * w,
 *             Booster.predict(DMatrix) adds leaf * w (both in float)
 *   gblinear  (bias[g] + base_margin), then += x[j] * w[j][g] over present features in order
 * At a split, a missing value follows the default direction, else x < condition goes left.
 * The objective's transform is then applied in float (sigmoid 1 / (1 + expf(-m)), expf,
 * hinge, softmax). The wrappers' predict uses trees [0, (best_iteration + 1) * trees per
 * iteration) when the Booster carries best_iteration; Booster.predict uses all trees.
 *
 * Speed: the trees used are compiled once into 16-byte nodes numbered breadth first with
 * adjacent children (right = left + 1); a leaf points at itself and reads the row's extra slot
 * (always 0) against a NaN condition, so it never moves. XGB_GROUP trees then walk in lock step
 * for as many steps as the deepest of them, branch free: a row without missing values goes right
 * when x >= condition (x < condition is its negation for any non-NaN x), a row with some adds
 * "x is missing and the node's default is right" (the last group's missing trees are padded
 * with tree 0, whose leaf is dropped). Their leaves are then added in tree order, so the sums
 * are XGBoost's. Models with categorical splits and groups deeper than XGB_LOCKSTEP_DEPTH take
 * the per-tree descent. n_features < 2^24 (the loaders' bound), so node fields fit 32 bits.
 */
#include "pk_model_impl.h"
#include "pk_xgb.h"

#include <math.h>
#include <string.h>

enum { XGB_BOOSTER, XGB_CLASSIFIER, XGB_REGRESSOR };

#define XGB_GROUP          8
#define XGB_LOCKSTEP_DEPTH 32

/* A compiled node. Split: go to kid (left) or kid + 1 (right). Leaf: kid is its own index,
 * feat the row's always-0 slot (n_features), thr NaN, leaf its value. */
typedef struct xnode {
    union {
        float thr;    /* split condition                                              */
        uint32_t cat; /* categorical split: the loader's node index (cat_beg, cat_len) */
    };
    uint32_t feat;
    uint32_t kid;
    union {
        float leaf;     /* a leaf's value             */
        uint32_t flags; /* a split's XN_* flags       */
    };
} xnode;

#define XN_DEFAULT_RIGHT 1u /* missing values go right */
#define XN_CAT           2u /* categorical split        */

typedef struct xgb_impl {
    pk_xgb x;
    size_t tree_end;  /* trees [0, tree_end) are used                            */
    int dart_inplace; /* dart weighting of inplace_predict (the wrappers' path)  */
    int custom_missing;
    float missing;
    int role; /* XGB_BOOSTER, XGB_CLASSIFIER, XGB_REGRESSOR              */

    /* the compiled trees [0, tree_end) (gbtree, dart) */
    xnode *nodes;
    uint32_t *root;   /* per tree                                               */
    uint32_t *gdepth; /* per group of XGB_GROUP trees: the deepest tree's depth */
    int careful;      /* a categorical split somewhere: per-tree descent only   */
    size_t row_f;     /* floats of scratch before the margins: row, 0 slot, sums */
} xgb_impl;

/* The row cast to float32 into xf[0 .. n), missing values as NaN, then xf[n] = 0 (the slot
 * leaves read). Returns 1 when a value is missing. */
static int row_f32(const xgb_impl *im, const double *x, size_t n, float *xf) {
    int nan = 0;
    for (size_t j = 0; j < n; j++) {
        float v = (float)x[j];
        if (im->custom_missing && v == im->missing) v = NAN;
        nan |= v != v;
        xf[j] = v;
    }
    xf[n] = 0.0f;
    return nan;
}

/* 1 when the categorical node (index over all trees, as loaded) sends value v right: its
 * truncation to an integer is one of the node's categories (negative values never are). */
static int cat_right(const pk_xgb *x, size_t node, float v) {
    if (!(v >= 0.0f) || v >= 2147483648.0f) return 0;
    int32_t c = (int32_t)v;
    const int32_t *cs = x->cats + x->cat_beg[node];
    for (uint32_t i = 0; i < x->cat_len[node]; i++)
        if (cs[i] == c) return 1;
    return 0;
}

/* The per-tree descent: missing values, categorical splits, any depth. Bounded: a child's
 * index is larger than its parent's. */
static float leaf_careful(const xgb_impl *im, uint32_t i, const float *xf) {
    const xnode *nodes = im->nodes;
    for (;;) {
        const xnode *q = &nodes[i];
        if (q->kid == i) return q->leaf;
        float v = xf[q->feat];
        uint32_t right;
        if (v != v)
            right = q->flags & XN_DEFAULT_RIGHT;
        else if (q->flags & XN_CAT)
            right = (uint32_t)cat_right(&im->x, q->cat, v);
        else
            right = v >= q->thr;
        i = q->kid + right;
    }
}

/* `depth` lock-step steps of the XGB_GROUP walks at ix; `nan` (a constant where inlined) says
 * whether the row holds a missing value. */
static inline void descend(const xnode *nodes, uint32_t *ix, uint32_t depth, const float *xf,
                           int nan) {
    for (uint32_t d = 0; d < depth; d++) {
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
        for (size_t j = 0; j < XGB_GROUP; j++) {
            const xnode *q = &nodes[ix[j]];
            float v = xf[q->feat];
            uint32_t right = v >= q->thr;
            if (nan) right |= (v != v) & q->flags;
            ix[j] = q->kid + right;
        }
    }
}

/* Leaves of trees [t, t + n) into lv, n <= XGB_GROUP, walked in lock step (see the top of the
 * file; the roots of a last, short group are padded with tree 0's). */
static inline void leaves_group(const xgb_impl *im, size_t t, size_t n, const float *xf, int nan,
                                float *lv) {
    const xnode *nodes = im->nodes;
    uint32_t ix[XGB_GROUP];
    memcpy(ix, im->root + t, sizeof ix);
    uint32_t depth = im->gdepth[t / XGB_GROUP];
    if (im->careful || depth > XGB_LOCKSTEP_DEPTH) {
        for (size_t j = 0; j < n; j++)
            lv[j] = leaf_careful(im, ix[j], xf);
        return;
    }
    if (nan)
        descend(nodes, ix, depth, xf, 1);
    else
        descend(nodes, ix, depth, xf, 0);
    for (size_t j = 0; j < XGB_GROUP; j++)
        lv[j] = nodes[ix[j]].leaf;
}

/* Adds the leaves lv of trees [t, t + n) to the margins s, in tree order, as XGBoost does. */
static inline void add_leaves(const xgb_impl *im, size_t t, const float *lv, size_t n, float *s) {
    const pk_xgb *x = &im->x;
    if (x->booster == PK_XGB_GBTREE) {
        if (x->n_groups == 1) {
            float a = s[0];
            for (size_t j = 0; j < n; j++)
                a += lv[j];
            s[0] = a;
        } else {
            for (size_t j = 0; j < n; j++)
                s[x->tree_group[t + j]] += lv[j];
        }
    } else if (im->dart_inplace) {
        for (size_t j = 0; j < n; j++) {
            int32_t g = x->tree_group[t + j];
            float p = x->base_margin[g] + lv[j];
            s[g] += (p - x->base_margin[g]) * x->weight_drop[t + j];
        }
    } else {
        for (size_t j = 0; j < n; j++)
            s[x->tree_group[t + j]] += lv[j] * x->weight_drop[t + j];
    }
}

/* Margins of every output group into acc[0 .. n_groups), summed in float32 in s (n_groups
 * floats of scratch), each addition and product rounded to float32 as XGBoost computes them. */
static void margins(const xgb_impl *im, const float *xf, int nan, float *s, double *acc) {
    const pk_xgb *x = &im->x;
    const float *base = x->base_margin;
    size_t ng = x->n_groups;
    if (x->booster == PK_XGB_GBLINEAR) {
        const float *w = x->linear;
        size_t nf = x->n_features;
        for (size_t g = 0; g < ng; g++) {
            float a = w[nf * ng + g] + base[g];
            for (size_t j = 0; j < nf; j++)
                if (!isnan(xf[j])) a += xf[j] * w[j * ng + g];
            acc[g] = (double)a;
        }
        return;
    }
    for (size_t g = 0; g < ng; g++)
        s[g] = base[g];
    float lv[XGB_GROUP];
    for (size_t t = 0; t < im->tree_end; t += XGB_GROUP) {
        size_t n = im->tree_end - t < XGB_GROUP ? im->tree_end - t : XGB_GROUP;
        leaves_group(im, t, n, xf, nan, lv);
        add_leaves(im, t, lv, n, s);
    }
    for (size_t g = 0; g < ng; g++)
        acc[g] = (double)s[g];
}

/* XGBoost 1.x: 1 / (1 + expf(-m)). 2.x and later clamp the exponent at 88.7 and add 1e-16 to
 * the denominator (which changes nothing once the denominator is >= 1). */
static float sigmoid(float m, int v2) {
    if (!v2) return 1.0f / (1.0f + expf(-m));
    float e = fminf(-m, 88.7f);
    return 1.0f / (expf(e) + 1.0f + 1e-16f);
}

/* multi:softprob: expf of each margin minus the largest, summed left to right in a double, each
 * divided by that sum rounded to float32. */
static void softmax(double *v, size_t n) {
    float mx = (float)v[0];
    for (size_t i = 1; i < n; i++)
        mx = fmaxf((float)v[i], mx);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        v[i] = (double)expf((float)v[i] - mx);
        sum += v[i];
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (double)((float)v[i] / (float)sum);
}

/* Index of the first largest value. */
static size_t argmax(const double *v, size_t n) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

/* The objective's transform of the margins, in place (acc has n_groups values). */
static void predict_values(const xgb_impl *im, double *acc) {
    size_t ng = im->x.n_groups;
    switch (im->x.transform) {
    case PK_XGB_IDENTITY:
        break;
    case PK_XGB_SIGMOID:
        for (size_t g = 0; g < ng; g++)
            acc[g] = (double)sigmoid((float)acc[g], im->x.version[0] >= 2);
        break;
    case PK_XGB_EXP:
        for (size_t g = 0; g < ng; g++)
            acc[g] = (double)expf((float)acc[g]);
        break;
    case PK_XGB_EXP_F64:
        for (size_t g = 0; g < ng; g++)
            acc[g] = (double)(float)exp(acc[g]);
        break;
    case PK_XGB_HINGE:
        for (size_t g = 0; g < ng; g++)
            acc[g] = acc[g] > 0.0 ? 1.0 : 0.0;
        break;
    case PK_XGB_SOFTPROB:
        softmax(acc, ng);
        break;
    case PK_XGB_SOFTMAX:
        acc[0] = (double)argmax(acc, ng);
        break;
    }
}

/* Scratch: floats [the row (n_features), its 0 slot, the float margins (n_groups)], then the
 * group values (n_groups doubles) from acc_buf on. */
static double *acc_buf(const xgb_impl *im, double *scratch) {
    return scratch + (im->row_f + 1) / 2;
}

/* The row's margins into acc. */
static void row_margins(const xgb_impl *im, const double *x, double *scratch, double *acc) {
    float *xf = (float *)(void *)scratch;
    size_t nf = im->x.n_features;
    int nan = row_f32(im, x, nf, xf);
    margins(im, xf, nan, xf + nf + 1, acc);
}

static pk_code xgb_margin(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    (void)err;
    row_margins(m->impl, x, scratch, out);
    return PK_OK;
}

static pk_code xgb_value(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const xgb_impl *im = m->impl;
    double *acc = acc_buf(im, scratch);
    row_margins(im, x, scratch, acc);
    predict_values(im, acc);
    size_t w = im->x.transform == PK_XGB_SOFTMAX ? 1 : im->x.n_groups;
    memcpy(out, acc, w * sizeof *out);
    return PK_OK;
}

/* XGBClassifier.predict: argmax of softprob, the softmax index, else value > 0.5. */
static pk_code xgb_label(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const xgb_impl *im = m->impl;
    double *acc = acc_buf(im, scratch);
    row_margins(im, x, scratch, acc);
    predict_values(im, acc);
    if (im->x.transform == PK_XGB_SOFTPROB)
        out[0] = (double)argmax(acc, im->x.n_groups);
    else if (im->x.transform == PK_XGB_SOFTMAX)
        out[0] = acc[0];
    else
        out[0] = acc[0] > 0.5 ? 1.0 : 0.0;
    return PK_OK;
}

/* XGBClassifier.predict of a multi-label model (one sigmoid output per label, XGBoost >= 1.6):
 * 1 for each label whose value is > 0.5, else 0 (floats, as XGBoost returns them). */
static pk_code xgb_multilabel(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    pk_code c = xgb_value(m, x, scratch, out, err);
    for (size_t g = 0; g < m->width[PK_PREDICT]; g++)
        out[g] = out[g] > 0.5 ? 1.0 : 0.0;
    return c;
}

/* XGBClassifier.predict_proba: softprob as is; multi:softmax scipy's softmax of the margins
 * (float32, expf standing for numpy's SIMD exp); one output: [1 - v, v]. */
static pk_code xgb_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const xgb_impl *im = m->impl;
    double *acc = acc_buf(im, scratch);
    row_margins(im, x, scratch, acc);
    size_t ng = im->x.n_groups;
    if (im->x.transform == PK_XGB_SOFTMAX) {
        float mx = (float)acc[0];
        for (size_t g = 1; g < ng; g++)
            if ((float)acc[g] > mx) mx = (float)acc[g];
        float sum = 0.0f;
        for (size_t g = 0; g < ng; g++) {
            acc[g] = (double)expf((float)acc[g] - mx);
            sum += (float)acc[g];
        }
        for (size_t g = 0; g < ng; g++)
            out[g] = (double)((float)acc[g] / sum);
        return PK_OK;
    }
    predict_values(im, acc);
    if (ng > 1) {
        memcpy(out, acc, ng * sizeof *out);
        return PK_OK;
    }
    out[0] = (double)(1.0f - (float)acc[0]);
    out[1] = acc[0];
    return PK_OK;
}

/* The bytes of a Booster object's `handle`. */
static pk_code booster_bytes(pk_mc *c, const pk_value *bst, const uint8_t **buf, size_t *n) {
    const pk_value *h = pk_attr(bst, "handle");
    if (!h || h->kind == PK_NONE)
        return pk_mc_fail(c, "%s is not fitted (no Booster handle)", c->m->cls);
    if (h->kind != PK_BYTES && h->kind != PK_BYTEARRAY)
        return pk_mc_fail(c, "%s: the Booster handle is not bytes", c->m->cls);
    *buf = (const uint8_t *)h->u.s.ptr;
    *n = h->u.s.len;
    return PK_OK;
}

static pk_code load(pk_mc *c, xgb_impl *im, const uint8_t *buf, size_t n) {
    size_t budget;
    if (pk_mul_overflow(n, 64, &budget) || pk_add_overflow(budget, (size_t)1 << 20, &budget) ||
        budget > ((size_t)512 << 20))
        budget = (size_t)512 << 20;
    pk_err lerr;
    pk_err_clear(&lerr);
    pk_code rc = pk_xgb_load(c->m->arena, c->m->arena->alloc, budget, 1000, buf, n, &im->x, &lerr);
    if (rc) {
        if (rc == PK_ENOMEM) return pk_err_nomem(c->err, -1);
        return pk_mc_fail(c, "%s: %s", c->m->cls, lerr.msg);
    }
    im->tree_end = im->x.n_trees;
    return PK_OK;
}

/* Trees of the first `iters` boosting iterations (all when that is more). */
static void limit_iterations(xgb_impl *im, int64_t iters) {
    if (iters <= 0 || im->x.booster == PK_XGB_GBLINEAR) return;
    size_t per = im->x.num_parallel_tree * im->x.n_groups;
    if ((uint64_t)iters > im->x.n_trees / (per ? per : 1) + 1) return;
    size_t end = (size_t)iters * per;
    if (end < im->tree_end) im->tree_end = end;
}

/* Compiles trees [0, tree_end) into im->nodes (see the top of the file): each tree's reachable
 * nodes breadth first, children adjacent, the compiled array doubling as the queue (a slot's
 * kid holds its loader node until the slot is filled). */
static pk_code compile_trees(pk_mc *c, xgb_impl *im) {
    const pk_xgb *x = &im->x;
    size_t nt = im->tree_end, total = 0;
    for (size_t t = 0; t < nt; t++) {
        size_t end = t + 1 < x->n_trees ? x->tree_root[t + 1] : x->n_nodes;
        total += end - x->tree_root[t];
    }
    im->nodes = pk_mc_alloc(c, total ? total : 1, sizeof *im->nodes);
    size_t ngroups = (nt + XGB_GROUP - 1) / XGB_GROUP;
    im->root = pk_mc_alloc(c, ngroups * XGB_GROUP + 1, sizeof *im->root); /* the last padded */
    im->gdepth = pk_mc_alloc(c, ngroups + 1, sizeof *im->gdepth);
    if (!im->nodes || !im->root || !im->gdepth) return c->err->code;
    uint32_t zero = (uint32_t)x->n_features, at = 0;
    for (size_t t = 0; t < nt; t++) {
        const pk_xgb_node *src = x->nodes + x->tree_root[t];
        xnode *dst = im->nodes + at;
        uint32_t next = 1, level_end = 1, depth = 0;
        dst[0].kid = 0;
        for (uint32_t p = 0; p < next; p++) {
            if (p == level_end) { /* the first node of the next level */
                depth++;
                level_end = next;
            }
            const pk_xgb_node *nd = &src[dst[p].kid];
            xnode *q = &dst[p];
            if (nd->left < 0) {
                q->thr = NAN;
                q->feat = zero;
                q->kid = at + p;
                q->leaf = nd->value;
                continue;
            }
            uint32_t f = nd->feature;
            dst[next].kid = (uint32_t)nd->left;
            dst[next + 1].kid = (uint32_t)nd->right;
            if (f & PK_XGB_CATEGORICAL) {
                q->cat = (uint32_t)(x->tree_root[t] + (size_t)(nd - src));
                im->careful = 1;
            } else {
                q->thr = nd->value;
            }
            q->feat = f & PK_XGB_FEATURE_MASK;
            q->flags = ((f & PK_XGB_DEFAULT_LEFT) ? 0 : XN_DEFAULT_RIGHT) |
                       ((f & PK_XGB_CATEGORICAL) ? XN_CAT : 0);
            q->kid = at + next;
            next += 2;
        }
        im->root[t] = at;
        if (depth > im->gdepth[t / XGB_GROUP]) im->gdepth[t / XGB_GROUP] = depth;
        at += next;
    }
    return PK_OK;
}

static pk_code finish(pk_mc *c, xgb_impl *im) {
    pk_model *m = c->m;
    pk_code rc = pk_mc_features(c, im->x.n_features);
    if (rc) return rc;
    if (!m->feature_names && im->x.feature_names) m->feature_names = im->x.feature_names;
    if (im->x.booster != PK_XGB_GBLINEAR && (rc = compile_trees(c, im)) != PK_OK) return rc;
    m->impl = im;
    m->nan_ok = 1;
    im->row_f = m->n_features + 1 + im->x.n_groups;
    m->scratch = (im->row_f + 1) / 2 + im->x.n_groups;
    return PK_OK;
}

pk_code pk_compile_xgb_booster(pk_mc *c) {
    xgb_impl *im = pk_mc_alloc(c, 1, sizeof *im);
    if (!im) return c->err->code;
    im->role = XGB_BOOSTER;
    const uint8_t *buf;
    size_t n;
    pk_code rc = booster_bytes(c, c->obj, &buf, &n);
    if (!rc) rc = load(c, im, buf, n);
    if (!rc) rc = finish(c, im);
    if (rc) return rc;
    pk_model *m = c->m;
    m->kind = PK_MODEL_REGRESSOR;
    size_t ng = im->x.n_groups;
    size_t w = im->x.transform == PK_XGB_SOFTMAX ? 1 : ng;
    pk_mc_method(c, PK_PREDICT, w == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, w, xgb_value);
    pk_mc_method(c, PK_DECISION, ng == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, ng, xgb_margin);
    return PK_OK;
}

/* classes_ (1.x), or 0 .. n_classes_ - 1 (2.x and later keep only n_classes_, and classes_
 * is np.arange(n_classes_)). */
static pk_code wrapper_classes(pk_mc *c) {
    const pk_value *cls = pk_attr(c->obj, "classes_");
    if (cls && cls->kind != PK_NONE) return pk_mc_classes(c, cls);
    const pk_value *n = pk_attr(c->obj, "n_classes_");
    if (!n || n->kind != PK_INT || n->u.i < 2 || n->u.i > (1 << 16))
        return pk_mc_not_fitted(c, "classes_");
    pk_value *list = pk_new_seq(c->m->arena, PK_LIST, (size_t)n->u.i);
    if (!list) return pk_err_nomem(c->err, -1);
    for (int64_t i = 0; i < n->u.i; i++) {
        pk_value *v = pk_new_int(c->m->arena, i);
        if (!v || pk_seq_append(c->m->arena, list, v, c->err)) return pk_err_nomem(c->err, -1);
    }
    return pk_mc_classes(c, list);
}

static pk_code compile_wrapper(pk_mc *c, int role) {
    xgb_impl *im = pk_mc_alloc(c, 1, sizeof *im);
    if (!im) return c->err->code;
    im->role = role;
    const pk_value *bst = pk_attr(c->obj, "_Booster");
    if (!bst || bst->kind == PK_NONE) return pk_mc_not_fitted(c, "_Booster");
    if (!pk_global_is(bst, "xgboost.core", "Booster"))
        return pk_mc_fail(c, "%s: _Booster is not an xgboost.core.Booster", c->m->cls);
    const uint8_t *buf;
    size_t n;
    pk_code rc = booster_bytes(c, bst, &buf, &n);
    if (!rc) rc = load(c, im, buf, n);
    if (rc) return rc;
    double miss;
    if ((rc = pk_mc_num(c, "missing", NAN, &miss)) != PK_OK) return rc;
    if (!isnan(miss)) {
        im->custom_missing = 1;
        im->missing = (float)miss;
    }
    /* inplace_predict unless a predictor is named or the booster is gblinear */
    const char *pred = pk_mc_str(c, "predictor");
    im->dart_inplace = !pred || strcmp(pred, "auto") == 0;
    /* best_iteration as the wrapper reads it: the Booster object's attribute (1.x pickles it
     * with the Booster), else the model's own attribute (what 2.x and later read) */
    const pk_value *bi = pk_attr(bst, "best_iteration");
    if (bi && bi->kind == PK_INT && bi->u.i >= 0)
        limit_iterations(im, bi->u.i + 1);
    else if (im->x.best_iteration >= 0)
        limit_iterations(im, im->x.best_iteration + 1);
    if ((rc = finish(c, im)) != PK_OK) return rc;
    pk_model *m = c->m;
    size_t ng = im->x.n_groups;
    pk_mc_method(c, PK_DECISION, ng == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, ng, xgb_margin);
    m->not_python = 1u << PK_DECISION; /* the wrappers have no decision_function */
    if (role == XGB_REGRESSOR) {
        m->kind = PK_MODEL_REGRESSOR;
        size_t w = im->x.transform == PK_XGB_SOFTMAX ? 1 : ng;
        pk_mc_method(c, PK_PREDICT, w == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, w, xgb_value);
        return PK_OK;
    }
    m->kind = PK_MODEL_CLASSIFIER;
    if ((rc = wrapper_classes(c)) != PK_OK) return rc;
    int multi = im->x.transform == PK_XGB_SOFTPROB || im->x.transform == PK_XGB_SOFTMAX;
    if (multi && m->n_classes != ng)
        return pk_mc_fail(c, "%s: %zu classes but %zu output groups", m->cls, m->n_classes, ng);
    if (multi && ng == 2)
        return pk_mc_fail(c, "%s: multi-class objective with 2 classes is not supported", m->cls);
    if (!multi && ng > 1 && m->n_classes == 2) { /* multi-label: an array of 0/1 per label */
        pk_mc_method(c, PK_PREDICT, PK_OUT_ARRAY, ng, xgb_multilabel);
        pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, ng, xgb_value);
        return PK_OK;
    }
    if (!multi && (ng != 1 || m->n_classes != 2))
        return pk_mc_fail(c, "%s: objective %s with %zu classes is not supported", m->cls,
                          im->x.objective, m->n_classes);
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, xgb_label);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, m->n_classes, xgb_proba);
    return PK_OK;
}

pk_code pk_compile_xgb_classifier(pk_mc *c) {
    return compile_wrapper(c, XGB_CLASSIFIER);
}

pk_code pk_compile_xgb_regressor(pk_mc *c) {
    return compile_wrapper(c, XGB_REGRESSOR);
}
