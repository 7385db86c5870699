/*
 * pk_hgb.c - HistGradientBoostingClassifier / HistGradientBoostingRegressor.
 *
 * Each TreePredictor's `nodes` array (PREDICTOR_RECORD_DTYPE: value f8, count u4, feature_idx
 * u4, num_threshold f8, missing_go_to_left u1, left u4, right u4, gain f8, depth u4, is_leaf u1,
 * bin_threshold u1, is_categorical u1, bitset_idx u4) is read by field name and offset (integer
 * fields of any width are accepted) and compiled like pk_tree.c's trees: reachable nodes
 * renumbered breadth first with adjacent children, checked (children in range, no node reached
 * twice, feature < n_features, bitset row in range).
 *
 * Descent on raw float64 features (sklearn's _predict_one_from_raw_data): NaN follows
 * missing_go_to_left; a numeric split goes left when x <= num_threshold; a categorical split
 * goes left when the category is in the node's raw_left_cat_bitsets row, right when it is a known
 * category of the feature (the bin mapper's bin_thresholds_), and like a missing value when it
 * is negative or unknown. The category is the value converted to an integer and truncated to
 * 8 bits, as the C cast in scikit-learn does.
 *
 * Speed: a row without NaN in a model without categorical splits (or NaN thresholds) walks
 * HGB_GROUP trees in lock step, branch free (x <= thr is !(x > thr) for non-NaN x; a leaf loops
 * on itself); anything else takes the careful per-tree descent. Blocks of rows (model_score,
 * pk_model_run_block) walk two trees at a time for PK_TROWS rows held feature-major, rows with
 * NaN included (a NaN goes right unless the node's missing values go left; leaves are flagged
 * so), still branch free; only a model with categorical splits or NaN thresholds goes row by
 * row.
 *
 * Raw prediction: baseline (_baseline_prediction) then, iteration by iteration and class by
 * class, += the leaf value. Regressors: identity link (squared_error, absolute_error,
 * quantile) or exp (poisson, gamma). Binary log_loss: proba [1 - expit(raw), expit(raw)];
 * multiclass: softmax (max subtracted, exp, sum, divide); predict = argmax of proba.
 * libm's exp stands for numpy's SIMD exp in softmax and the log link (ulp-level).
 */
#include "pk_trees.h"

#include "pk_ndarray.h"

#include <stdio.h>
#include <string.h>

/* A node: splits go left (kid) when x <= thr, else right (kid + 1 > this index); leaves have
 * kid = their own index, thr +inf and feat 0, so a fixed-count branch-free descent stays on
 * them. Flags and leaf values live beside, read only by the careful descent / at the end. */
typedef struct hnode {
    double thr;
    uint32_t feat;
    uint32_t kid;
} hnode;

#define HN_MLEFT 1u
#define HN_CAT   2u

typedef struct hgb_tree {
    hnode *nodes;
    double *value;            /* per node: the leaf value (0 for splits)                       */
    uint8_t *flags;           /* per node: HN_MLEFT, HN_CAT                                    */
    uint32_t *bitset;         /* categorical splits: node -> row of raw_left_cat_bitsets       */
    const uint32_t *raw_bits; /* rows x 8                                               */
    size_t n_nodes, n_bits;
    uint32_t depth; /* edges to the deepest leaf                                     */
} hgb_tree;

#define HGB_GROUP 8

enum { LINK_ID, LINK_EXP, LINK_LOGIT, LINK_SOFTMAX };

typedef struct hgb {
    size_t ni, K;
    hgb_tree *trees; /* ni * K */
    double *baseline;
    int link;
    uint32_t *known;  /* n_cat x 8                                           */
    uint32_t *fmap;   /* feature -> row of known, or UINT32_MAX               */
    int careful;      /* a categorical split or a NaN threshold somewhere       */
    uint32_t *gdepth; /* per group of HGB_GROUP trees: the deepest              */
} hgb;

/* ---- reading the records ------------------------------------------------------------------- */

typedef struct hfield {
    size_t off, size;
    char kind;
    int present;
} hfield;

static pk_code hfind(pk_mc *c, const pk_dtype *dt, const char *what, const char *name, int isf,
                     int required, hfield *f) {
    f->present = 0;
    for (size_t i = 0; i < dt->nfields; i++) {
        const pk_dtfield *fl = &dt->fields[i];
        if (!fl->name || strcmp(fl->name, name) != 0) continue;
        const pk_dtype *fd = fl->dtype && fl->dtype->kind == PK_DTYPE ? fl->dtype->u.dt : NULL;
        int ok = fd && fd->sub_ndim == 0 && fd->nfields == 0 &&
                 (isf ? (fd->kind == 'f' && fd->itemsize == 8)
                      : ((fd->kind == 'u' || fd->kind == 'i' || fd->kind == 'b') &&
                         (fd->itemsize == 1 || fd->itemsize == 2 || fd->itemsize == 4 ||
                          fd->itemsize == 8)));
        if (!ok)
            return pk_mc_fail(c, "%s: %s.nodes field '%s' has the wrong type", c->m->cls, what,
                              name);
        if (fd->byteorder == '>' && fd->itemsize > 1)
            return pk_mc_fail(c, "%s: %s.nodes field '%s' is big-endian", c->m->cls, what, name);
        if (fl->offset > dt->itemsize || fd->itemsize > dt->itemsize - fl->offset)
            return pk_mc_fail(c, "%s: %s.nodes field '%s' lies outside the record", c->m->cls, what,
                              name);
        f->off = fl->offset;
        f->size = fd->itemsize;
        f->kind = fd->kind;
        f->present = 1;
        return PK_OK;
    }
    if (required) return pk_mc_fail(c, "%s: %s.nodes has no field '%s'", c->m->cls, what, name);
    return PK_OK;
}

/* Integer field as int64 (uint64 beyond INT64_MAX becomes -1: out of every range). */
static int64_t hget_i(const uint8_t *rec, const hfield *f) {
    if (!f->present) return 0;
    const uint8_t *p = rec + f->off;
    switch (f->size) {
    case 1:
        return f->kind == 'i' ? (int8_t)p[0] : p[0];
    case 2: {
        uint16_t u;
        memcpy(&u, p, 2);
        return f->kind == 'i' ? (int64_t)(int16_t)u : (int64_t)u;
    }
    case 4: {
        uint32_t u;
        memcpy(&u, p, 4);
        return f->kind == 'i' ? (int64_t)(int32_t)u : (int64_t)u;
    }
    default: {
        uint64_t u;
        memcpy(&u, p, 8);
        if (f->kind != 'i' && u > (uint64_t)INT64_MAX) return -1;
        return (int64_t)u;
    }
    }
}

static double hget_f(const uint8_t *rec, const hfield *f) {
    double d;
    memcpy(&d, rec + f->off, 8);
    return d;
}

static pk_code compile_predictor(pk_mc *c, const pk_value *pred, const char *what, hgb_tree *out,
                                 int *careful) {
    const char *cls = c->m->cls;
    const pk_value *nv = pred && pred->kind == PK_OBJECT ? pk_attr(pred, "nodes") : NULL;
    if (!nv || nv->kind != PK_NDARRAY || !nv->u.arr->complete || nv->u.arr->objects ||
        nv->u.arr->ndim != 1 || !nv->u.arr->dtype || nv->u.arr->dtype->kind != PK_DTYPE)
        return pk_mc_fail(c, "%s: %s.nodes is not a 1-D record array", cls, what);
    const pk_ndarray *na = nv->u.arr;
    const pk_dtype *dt = na->dtype->u.dt;
    if (dt->kind != 'V' || dt->nfields == 0)
        return pk_mc_fail(c, "%s: %s.nodes does not have a structured dtype", cls, what);
    size_t n = (size_t)na->shape[0];
    if (n == 0 || n >= ((size_t)1 << 31))
        return pk_mc_fail(c, "%s: %s.nodes has %zu records", cls, what, n);
    hfield fv, ff, ft, fm, fl, fr, fleaf, fcat, fbits;
    pk_code rc;
    if ((rc = hfind(c, dt, what, "value", 1, 1, &fv)) != PK_OK ||
        (rc = hfind(c, dt, what, "feature_idx", 0, 1, &ff)) != PK_OK ||
        (rc = hfind(c, dt, what, "num_threshold", 1, 1, &ft)) != PK_OK ||
        (rc = hfind(c, dt, what, "missing_go_to_left", 0, 1, &fm)) != PK_OK ||
        (rc = hfind(c, dt, what, "left", 0, 1, &fl)) != PK_OK ||
        (rc = hfind(c, dt, what, "right", 0, 1, &fr)) != PK_OK ||
        (rc = hfind(c, dt, what, "is_leaf", 0, 1, &fleaf)) != PK_OK ||
        (rc = hfind(c, dt, what, "is_categorical", 0, 0, &fcat)) != PK_OK ||
        (rc = hfind(c, dt, what, "bitset_idx", 0, 0, &fbits)) != PK_OK)
        return rc;
    int64_t stride = na->strides[0];
    size_t span;
    if ((n > 1 && stride < (int64_t)dt->itemsize) ||
        pk_mul_overflow(n - 1, (size_t)(stride > 0 ? stride : 0), &span) ||
        pk_add_overflow(span, dt->itemsize, &span) || span > na->nbytes || !na->data)
        return pk_mc_fail(c, "%s: %s.nodes is not a contiguous array of its shape", cls, what);

    /* raw_left_cat_bitsets: rows x 8 uint32 */
    const pk_value *bv = pk_attr(pred, "raw_left_cat_bitsets");
    size_t nbits = 0;
    uint32_t *bits = NULL;
    if (bv && bv->kind == PK_NDARRAY && !bv->u.arr->objects && bv->u.arr->ndim == 2 &&
        bv->u.arr->shape[1] == 8) {
        nbits = (size_t)bv->u.arr->shape[0];
        bits = pk_mc_alloc(c, nbits * 8, sizeof(uint32_t));
        if (!bits) return c->err->code;
        for (size_t i = 0; i < nbits * 8; i++) {
            double d;
            if (pk_ndarray_get_f64(bv->u.arr, i, &d) != PK_OK || d < 0 || d > 4294967295.0)
                return pk_mc_fail(c, "%s: %s.raw_left_cat_bitsets is not uint32", cls, what);
            bits[i] = (uint32_t)d;
        }
    }

    hnode *nodes = pk_mc_alloc(c, n, sizeof *nodes);
    double *value = pk_mc_alloc(c, n, sizeof *value);
    uint8_t *flags = pk_mc_alloc(c, n, 1);
    uint32_t *bidx = pk_mc_alloc(c, n, sizeof *bidx);
    uint32_t *queue = pk_malloc(c->m->arena->alloc, n * sizeof(uint32_t));
    uint8_t *seen = pk_malloc(c->m->arena->alloc, n);
    if (!nodes || !value || !flags || !bidx || !queue || !seen) {
        pk_free(c->m->arena->alloc, queue);
        pk_free(c->m->arena->alloc, seen);
        return c->err->code ? c->err->code : pk_err_nomem(c->err, -1);
    }
    memset(seen, 0, n);
    /* breadth first: the nodes at one depth are consecutive in the queue, so the depth is a
     * counter bumped when the walk passes the end of a level; the last node is the deepest */
    uint32_t d = 0;
    size_t count = 1, level_end = 1;
    queue[0] = 0;
    seen[0] = 1;
    rc = PK_OK;
    for (size_t h = 0; h < count && rc == PK_OK; h++) {
        if (h == level_end) {
            d++;
            level_end = count;
        }
        uint32_t o = queue[h];
        const uint8_t *r = na->data + (size_t)o * (size_t)stride;
        hnode *nd = &nodes[h];
        if (hget_i(r, &fleaf)) {
            nd->feat = 0;
            nd->thr = INFINITY;
            nd->kid = (uint32_t)h;
            flags[h] = HN_MLEFT; /* a NaN stays on a leaf in the branch-free block descent */
            value[h] = hget_f(r, &fv);
            continue;
        }
        int64_t l = hget_i(r, &fl), rr = hget_i(r, &fr), f = hget_i(r, &ff);
        if (l < 0 || (uint64_t)l >= n || rr < 0 || (uint64_t)rr >= n) {
            rc = pk_mc_fail(c, "%s: %s node %u has a child outside the %zu nodes", cls, what, o, n);
            break;
        }
        if (seen[l] || seen[rr] || l == rr) {
            rc = pk_mc_fail(c,
                            "%s: %s node %u links to a node already in the tree (a cycle or "
                            "a shared child)",
                            cls, what, o);
            break;
        }
        if (f < 0 || (uint64_t)f >= c->m->n_features) {
            rc = pk_mc_fail(c, "%s: %s node %u splits on feature %lld of %zu", cls, what, o,
                            (long long)f, c->m->n_features);
            break;
        }
        int cat = (int)hget_i(r, &fcat);
        flags[h] = (uint8_t)((hget_i(r, &fm) ? HN_MLEFT : 0) | (cat ? HN_CAT : 0));
        if (cat) {
            int64_t b = hget_i(r, &fbits);
            if (b < 0 || (uint64_t)b >= nbits) {
                rc = pk_mc_fail(c, "%s: %s node %u uses categorical bitset %lld of %zu", cls, what,
                                o, (long long)b, nbits);
                break;
            }
            bidx[h] = (uint32_t)b;
        }
        seen[l] = seen[rr] = 1;
        nd->feat = (uint32_t)f;
        nd->thr = hget_f(r, &ft);
        if (isnan(nd->thr)) *careful = 1;
        if (cat) *careful = 1;
        nd->kid = (uint32_t)count;
        queue[count] = (uint32_t)l;
        queue[count + 1] = (uint32_t)rr;
        count += 2;
    }
    pk_free(c->m->arena->alloc, queue);
    pk_free(c->m->arena->alloc, seen);
    if (rc != PK_OK) return rc;
    out->nodes = nodes;
    out->value = value;
    out->flags = flags;
    out->depth = d;
    out->bitset = bidx;
    out->raw_bits = bits;
    out->n_nodes = count;
    out->n_bits = nbits;
    return PK_OK;
}

/* ---- scoring ------------------------------------------------------------------------------- */

static int in_bits(const uint32_t *row, uint8_t v) {
    return (row[v >> 5] >> (v & 31)) & 1u;
}

/* The category sklearn's `<uint8_t>x` gives (x >= 0). */
static uint8_t cat_byte(double x) {
    if (!(x < 9223372036854775808.0)) return 0;
    return (uint8_t)((uint64_t)(int64_t)x & 0xffu);
}

/* The careful descent: NaN, categorical splits, NaN thresholds. Bounded: indices only grow. */
static double hgb_tree_value(const hgb *G, const hgb_tree *t, const double *x) {
    const hnode *nodes = t->nodes;
    uint32_t i = 0;
    for (;;) {
        const hnode *n = &nodes[i];
        if (n->kid == i) return t->value[i];
        uint32_t f = n->feat;
        double v = x[f];
        int ml = (t->flags[i] & HN_MLEFT) != 0;
        uint32_t right;
        if (isnan(v)) {
            right = !ml;
        } else if (t->flags[i] & HN_CAT) {
            if (v < 0) {
                right = !ml;
            } else {
                uint8_t b = cat_byte(v);
                if (in_bits(t->raw_bits + (size_t)t->bitset[i] * 8, b))
                    right = 0;
                else if (G->fmap && G->fmap[f] != UINT32_MAX &&
                         in_bits(G->known + (size_t)G->fmap[f] * 8, b))
                    right = 1;
                else
                    right = !ml;
            }
        } else {
            right = !(v <= n->thr);
        }
        i = n->kid + right;
    }
}

static void hgb_raw(const pk_model *m, const double *x, double *raw) {
    const hgb *G = m->impl;
    size_t K = G->K, nt = G->ni * G->K;
    for (size_t k = 0; k < K; k++)
        raw[k] = 0.0 + G->baseline[k];
    int careful = G->careful;
    for (size_t j = 0; !careful && j < m->n_features; j++)
        careful = isnan(x[j]);
    const hgb_tree *t = G->trees;
    size_t i = 0, k = 0;
    if (!careful) {
        /* HGB_GROUP trees in lock step, branch free: x <= thr exactly as !(x > thr) */
        for (; i + HGB_GROUP <= nt; i += HGB_GROUP) {
            uint32_t ix[HGB_GROUP];
            for (size_t j = 0; j < HGB_GROUP; j++)
                ix[j] = 0;
            uint32_t depth = G->gdepth[i / HGB_GROUP];
            for (uint32_t d = 0; d < depth; d++) {
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
                for (size_t j = 0; j < HGB_GROUP; j++) {
                    const hnode *q = t[i + j].nodes + ix[j];
                    ix[j] = q->kid + (x[q->feat] > q->thr);
                }
            }
            for (size_t j = 0; j < HGB_GROUP; j++) {
                raw[k] += t[i + j].value[ix[j]];
                if (++k == K) k = 0;
            }
        }
    }
    for (; i < nt; i++) {
        raw[k] += hgb_tree_value(G, &t[i], x);
        if (++k == K) k = 0;
    }
}

static pk_code hgb_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)scratch;
    (void)err;
    hgb_raw(m, x, out);
    return PK_OK;
}

static pk_code hgb_predict_reg(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    const hgb *G = m->impl;
    (void)scratch;
    (void)err;
    hgb_raw(m, x, out);
    if (G->link == LINK_EXP) out[0] = exp(out[0]);
    return PK_OK;
}

/* Probabilities from the raw predictions (K values, not modified) into out. */
static void hgb_proba_of(const hgb *G, const double *raw, double *out) {
    if (G->link == LINK_LOGIT) {
        double p = pk_expit(raw[0]);
        out[1] = p;
        out[0] = 1 - p;
        return;
    }
    size_t K = G->K;
    double mx = raw[0];
    for (size_t k = 1; k < K; k++)
        if (raw[k] > mx) mx = raw[k];
    for (size_t k = 0; k < K; k++)
        out[k] = exp(raw[k] - mx);
    double s = pk_np_sum(out, K);
    for (size_t k = 0; k < K; k++)
        out[k] /= s;
}

static pk_code hgb_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    const hgb *G = m->impl;
    (void)err;
    double *raw = G->link == LINK_LOGIT ? scratch : out;
    hgb_raw(m, x, raw);
    hgb_proba_of(G, raw, out);
    return PK_OK;
}

static pk_code hgb_label(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    double *p = scratch + 2;
    pk_code rc = hgb_proba(m, x, scratch, p, err);
    if (rc == PK_OK) out[0] = (double)pk_argmax(p, m->n_classes);
    return rc;
}

/* ---- blocks of rows -------------------------------------------------------------------------- */

/* Adds every tree's leaf value for PK_TROWS rows (xt: feature-major, row j's feature f at
 * xt[f * PK_TROWS + j]) to rr (PK_TROWS rows of K), in the row kernel's order. Two trees at a
 * time: 2 x PK_TROWS independent descents keep the core busy while each waits on its loads (a
 * leaf keeps a row where it is, so the deeper tree's depth does; an odd last tree is walked twice
 * and added once). With nan, a NaN goes right unless the node's missing values go left (leaves
 * are flagged so: a NaN stays there), still without a branch; the model has no categorical split
 * and no NaN threshold (!careful). */
static PK_ALWAYS_INLINE void hgb_trees_rows(const hgb *G, const double *xt, double *rr, int nan) {
    size_t K = G->K, nt = G->ni * G->K;
    for (size_t i = 0; i < nt; i += 2) {
        int pair = i + 1 < nt;
        const hgb_tree *t0 = &G->trees[i], *t1 = &G->trees[pair ? i + 1 : i];
        uint32_t a[PK_TROWS] = {0}, b[PK_TROWS] = {0};
        uint32_t depth = t0->depth > t1->depth ? t0->depth : t1->depth;
        for (uint32_t d = 0; d < depth; d++) {
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
            for (size_t j = 0; j < PK_TROWS; j++) {
                const hnode *q = t0->nodes + a[j], *p = t1->nodes + b[j];
                double u = xt[(size_t)q->feat * PK_TROWS + j],
                       v = xt[(size_t)p->feat * PK_TROWS + j];
                uint32_t ru = u > q->thr, rv = v > p->thr;
                if (nan) {
                    ru |= (uint32_t)isnan(u) & ~t0->flags[a[j]] & HN_MLEFT;
                    rv |= (uint32_t)isnan(v) & ~t1->flags[b[j]] & HN_MLEFT;
                }
                a[j] = q->kid + ru;
                b[j] = p->kid + rv;
            }
        }
        size_t k0 = i % K, k1 = (i + 1) % K;
        for (size_t j = 0; j < PK_TROWS; j++)
            rr[j * K + k0] += t0->value[a[j]];
        if (pair)
            for (size_t j = 0; j < PK_TROWS; j++)
                rr[j * K + k1] += t1->value[b[j]];
    }
}

/* hgb_raw for rows X[0 .. n): raw holds n rows of K values, each summed in the row kernel's
 * order. Every tree is walked for PK_TROWS rows at a time in lock step (hgb_trees_rows), rows
 * with NaN too; a model needing the careful descent (categorical splits, NaN thresholds) goes
 * row by row. xt: PK_TROWS * n_features doubles of scratch. */
static void hgb_raw_block(const pk_model *m, const double *X, size_t n, double *raw, double *xt) {
    const hgb *G = m->impl;
    size_t K = G->K, nf = m->n_features;
    size_t r0 = 0;
    for (; !G->careful && r0 + PK_TROWS <= n; r0 += PK_TROWS) {
        const double *xr = X + r0 * nf;
        double *rr = raw + r0 * K;
        for (size_t j = 0; j < PK_TROWS; j++)
            for (size_t k = 0; k < K; k++)
                rr[j * K + k] = 0.0 + G->baseline[k];
        int nan = 0;
        for (size_t f = 0; f < nf; f++)
            for (size_t j = 0; j < PK_TROWS; j++) {
                double v = xr[j * nf + f];
                nan |= isnan(v);
                xt[f * PK_TROWS + j] = v;
            }
        if (nan) /* two copies of the loop: the common one has no NaN test */
            hgb_trees_rows(G, xt, rr, 1);
        else
            hgb_trees_rows(G, xt, rr, 0);
    }
    for (; r0 < n; r0++)
        hgb_raw(m, X + r0 * nf, raw + r0 * K);
}

static pk_code hgb_decision_block(const pk_model *m, const double *X, size_t n, double *scratch,
                                  double *out, size_t *bad, pk_err *err) {
    (void)bad;
    (void)err;
    hgb_raw_block(m, X, n, out, scratch);
    return PK_OK;
}

static pk_code hgb_predict_reg_block(const pk_model *m, const double *X, size_t n, double *scratch,
                                     double *out, size_t *bad, pk_err *err) {
    const hgb *G = m->impl;
    hgb_decision_block(m, X, n, scratch, out, bad, err);
    if (G->link == LINK_EXP)
        for (size_t r = 0; r < n; r++)
            out[r] = exp(out[r]);
    return PK_OK;
}

static pk_code hgb_proba_block(const pk_model *m, const double *X, size_t n, double *scratch,
                               double *out, size_t *bad, pk_err *err) {
    const hgb *G = m->impl;
    (void)bad;
    (void)err;
    hgb_raw_block(m, X, n, scratch, scratch + PK_BLOCK_ROWS * G->K);
    for (size_t r = 0; r < n; r++)
        hgb_proba_of(G, scratch + r * G->K, out + r * m->n_classes);
    return PK_OK;
}

static pk_code hgb_label_block(const pk_model *m, const double *X, size_t n, double *scratch,
                               double *out, size_t *bad, pk_err *err) {
    const hgb *G = m->impl;
    (void)bad;
    (void)err;
    double *p = scratch + PK_BLOCK_ROWS * G->K;
    hgb_raw_block(m, X, n, scratch, p + m->n_classes);
    for (size_t r = 0; r < n; r++) {
        hgb_proba_of(G, scratch + r * G->K, p);
        out[r] = (double)pk_argmax(p, m->n_classes);
    }
    return PK_OK;
}

/* ---- compile ------------------------------------------------------------------------------- */

static const char *class_name(const pk_value *v) {
    return v && v->kind == PK_OBJECT && v->u.o.cls && v->u.o.cls->kind == PK_GLOBAL
               ? v->u.o.cls->u.g.name
               : NULL;
}

static pk_code read_link(pk_mc *c, hgb *G, int clf) {
    const char *ln = class_name(pk_attr(c->obj, "_loss"));
    const char *param = pk_mc_str(c, "loss");
    if (clf) {
        G->link = G->K == 1 ? LINK_LOGIT : LINK_SOFTMAX;
        return PK_OK;
    }
    const char *id[] = {"HalfSquaredError", "AbsoluteError",           "PinballLoss",
                        "squared_error",    "absolute_error",          "quantile",
                        "least_squares",    "least_absolute_deviation"};
    const char *ex[] = {"HalfPoissonLoss", "HalfGammaLoss", "HalfTweedieLoss", "poisson", "gamma"};
    const char *name = ln ? ln : param;
    if (!name) return pk_mc_fail(c, "%s has no loss", c->m->cls);
    for (size_t i = 0; i < sizeof id / sizeof id[0]; i++)
        if (strcmp(name, id[i]) == 0) {
            G->link = LINK_ID;
            return PK_OK;
        }
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++)
        if (strcmp(name, ex[i]) == 0) {
            G->link = LINK_EXP;
            return PK_OK;
        }
    return pk_mc_fail(c, "%s: unsupported loss %s", c->m->cls, name);
}

/* Known categories per categorical feature (the bin mapper's bin_thresholds_). */
static pk_code read_known(pk_mc *c, hgb *G) {
    const pk_value *bm = pk_attr(c->obj, "_bin_mapper");
    const pk_value *ic = bm ? pk_attr(bm, "is_categorical_") : NULL;
    if (!ic || ic->kind == PK_NONE) return PK_OK;
    if (ic->kind != PK_NDARRAY || ic->u.arr->objects ||
        pk_ndarray_size(ic->u.arr) != c->m->n_features)
        return pk_mc_fail(c, "%s._bin_mapper.is_categorical_ is not a feature mask", c->m->cls);
    const pk_value *bt = pk_attr(bm, "bin_thresholds_");
    const pk_value *const *th = NULL;
    size_t nth = 0;
    if (bt && (bt->kind == PK_LIST || bt->kind == PK_TUPLE)) {
        th = (const pk_value *const *)bt->u.seq.items;
        nth = bt->u.seq.len;
    }
    size_t nf = c->m->n_features;
    G->fmap = pk_mc_alloc(c, nf, sizeof(uint32_t));
    G->known = pk_mc_alloc(c, nf * 8, sizeof(uint32_t));
    if (!G->fmap || !G->known) return c->err->code;
    uint32_t ncat = 0;
    for (size_t f = 0; f < nf; f++) {
        double d;
        G->fmap[f] = UINT32_MAX;
        if (pk_ndarray_get_f64(ic->u.arr, f, &d) != PK_OK || d == 0) continue;
        G->fmap[f] = ncat;
        if (f >= nth || !th[f] || th[f]->kind != PK_NDARRAY || th[f]->u.arr->objects)
            return pk_mc_fail(c, "%s._bin_mapper.bin_thresholds_[%zu] is not an array", c->m->cls,
                              f);
        size_t k = pk_ndarray_size(th[f]->u.arr);
        for (size_t j = 0; j < k; j++) {
            double v;
            if (pk_ndarray_get_f64(th[f]->u.arr, j, &v) != PK_OK || isnan(v) || v < 0) continue;
            uint8_t b = cat_byte(v);
            G->known[(size_t)ncat * 8 + (b >> 5)] |= 1u << (b & 31);
        }
        ncat++;
    }
    return PK_OK;
}

pk_code pk_compile_hgb(pk_mc *c) {
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    hgb *G = pk_mc_alloc(c, 1, sizeof *G);
    if (!G) return c->err->code;
    pk_code rc;
    if (m->n_features >= ((size_t)1 << 31)) return pk_mc_fail(c, "%s: too many features", m->cls);
    if (pk_attr(c->obj, "_preprocessor") && pk_attr(c->obj, "_preprocessor")->kind != PK_NONE)
        return pk_mc_fail(c,
                          "%s: categorical_features='from_dtype' (a _preprocessor) is not "
                          "supported",
                          m->cls);
    const pk_value *pv = pk_attr(c->obj, "_predictors");
    if (!pv || (pv->kind != PK_LIST && pv->kind != PK_TUPLE))
        return pk_mc_not_fitted(c, "_predictors");
    pk_mc_arr base;
    if ((rc = pk_mc_array(c, "_baseline_prediction", 1, &base)) != PK_OK) return rc;
    G->K = base.n;
    G->baseline = base.v;
    G->ni = pv->u.seq.len;
    if (m->n_features == 0) {
        double nf = 0;
        if ((rc = pk_mc_num(c, "_n_features", 0, &nf)) != PK_OK) return rc;
        if (!(nf >= 1 && nf < 1e9)) return pk_mc_not_fitted(c, "n_features_in_");
        m->n_features = (size_t)nf;
    }
    if (clf) {
        m->kind = PK_MODEL_CLASSIFIER;
        if ((rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"))) != PK_OK) return rc;
        if (m->n_classes < 2 || (m->n_classes == 2 ? 1 : m->n_classes) != G->K)
            return pk_mc_fail(c, "%s has %zu classes and %zu trees per iteration", m->cls,
                              m->n_classes, G->K);
    } else {
        m->kind = PK_MODEL_REGRESSOR;
        if (G->K != 1) return pk_mc_fail(c, "%s has %zu trees per iteration", m->cls, G->K);
    }
    if ((rc = read_link(c, G, clf)) != PK_OK) return rc;
    if ((rc = read_known(c, G)) != PK_OK) return rc;
    size_t total;
    if (pk_mul_overflow(G->ni, G->K, &total)) return pk_mc_fail(c, "%s: too many trees", m->cls);
    G->trees = pk_mc_alloc(c, total ? total : 1, sizeof *G->trees);
    if (!G->trees) return c->err->code;
    /* every predictor is compiled on its own even when shared: count their nodes first */
    uint64_t nodes = 0;
    for (size_t i = 0; i < G->ni; i++) {
        const pk_value *it = pv->u.seq.items[i];
        if (!it || (it->kind != PK_LIST && it->kind != PK_TUPLE)) continue;
        for (size_t k = 0; k < it->u.seq.len; k++) {
            const pk_value *p = it->u.seq.items[k];
            const pk_value *nv = p && p->kind == PK_OBJECT ? pk_attr(p, "nodes") : NULL;
            if (nv && nv->kind == PK_NDARRAY && nv->u.arr->complete)
                nodes += pk_ndarray_size(nv->u.arr);
        }
    }
    if ((rc = pk_mc_reserve(c, nodes * (sizeof(hnode) + sizeof(double) + 1 + sizeof(uint32_t)),
                            nodes, "nodes")) != PK_OK)
        return rc;
    for (size_t i = 0; i < G->ni; i++) {
        const pk_value *it = pv->u.seq.items[i];
        if (!it || (it->kind != PK_LIST && it->kind != PK_TUPLE) || it->u.seq.len != G->K)
            return pk_mc_fail(c, "%s._predictors[%zu] does not hold %zu predictors", m->cls, i,
                              G->K);
        for (size_t k = 0; k < G->K; k++) {
            char w[64];
            snprintf(w, sizeof w, "_predictors[%zu][%zu]", i, k);
            if ((rc = compile_predictor(c, it->u.seq.items[k], w, &G->trees[i * G->K + k],
                                        &G->careful)) != PK_OK)
                return rc;
        }
    }
    G->gdepth = pk_mc_alloc(c, total / HGB_GROUP + 1, sizeof *G->gdepth);
    if (!G->gdepth) return c->err->code;
    for (size_t i = 0; i < total; i++)
        if (G->trees[i].depth > G->gdepth[i / HGB_GROUP])
            G->gdepth[i / HGB_GROUP] = G->trees[i].depth;
    m->impl = G;
    m->nan_ok = 1;
    m->scratch = 2 + 2 * G->K + 2;
    /* block scratch: raw rows, then one row of probabilities, then PK_TROWS rows feature-major
     * (a regressor's and the decision function's blocks use only the last) */
    size_t bs = PK_BLOCK_ROWS * G->K + (clf ? m->n_classes : 0) + PK_TROWS * m->n_features + 2;
    if (!clf) {
        pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, hgb_predict_reg);
        pk_mc_block(c, PK_PREDICT, hgb_predict_reg_block, bs);
        return PK_OK;
    }
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, hgb_label);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, m->n_classes, hgb_proba);
    pk_mc_method(c, PK_DECISION, G->K == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, G->K, hgb_decision);
    pk_mc_block(c, PK_PREDICT, hgb_label_block, bs);
    pk_mc_block(c, PK_PREDICT_PROBA, hgb_proba_block, bs);
    pk_mc_block(c, PK_DECISION, hgb_decision_block, bs);
    return PK_OK;
}
