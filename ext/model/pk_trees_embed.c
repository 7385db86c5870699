/*
 * pk_trees_embed.c - RandomTreesEmbedding transform: the leaf each tree sends the row to
 * (apply), one-hot encoded by the fitted one_hot_encoder_ (its categories_[t] are the sorted
 * leaf node ids tree t gave the training rows), returned dense as model_transform returns every
 * transform. Column of tree t's leaf = sum of the earlier trees' category counts + the leaf's
 * position in categories_[t], resolved for every leaf at compile time. A leaf no training row
 * reached is unknown to the encoder: scikit-learn raises (handle_unknown='error') and so does
 * the row here.
 */
#include "pk_meta.h"
#include "pk_more_families.h"
#include "pk_trees.h"

#include <stdio.h>

typedef struct pk_rte {
    size_t nt, width;
    pk_tree *trees;
} pk_rte;

typedef struct rte_ctx {
    const double *cats;
    size_t n, base;
} rte_ctx;

/* Payload: the output column of this leaf, or -1 when the encoder never saw it. */
static pk_code rte_leaf(pk_mc *c, void *ctx, const pk_tree_raw *raw, const double *value,
                        size_t node, size_t depth, double *payload) {
    (void)c, (void)raw, (void)value, (void)depth;
    const rte_ctx *r = ctx;
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->cats[mid] < (double)node)
            lo = mid + 1;
        else
            hi = mid;
    }
    payload[0] = lo < r->n && r->cats[lo] == (double)node ? (double)(r->base + lo) : -1.0;
    return PK_OK;
}

static pk_code rte_transform(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    const pk_rte *R = m->impl;
    float *xf;
    int nan;
    pk_code rc = pk_tree_cast_row(m, x, scratch, &xf, &nan, err);
    if (rc != PK_OK) return rc;
    for (size_t j = 0; j < R->width; j++)
        out[j] = 0.0;
    for (size_t t = 0; t < R->nt; t++) {
        double col = pk_tree_leaf(&R->trees[t], xf, nan)[0];
        if (col < 0)
            return pk_err_set(err, PK_EFEATURE, -1, -1,
                              "%s: the row reaches a leaf of tree %zu that no training row "
                              "reached (unknown to one_hot_encoder_)",
                              m->cls, t);
        out[(size_t)col] = 1.0;
    }
    return PK_OK;
}

pk_code pk_compile_trees_embedding(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *enc = pk_attr(c->obj, "one_hot_encoder_");
    if (!enc || enc->kind != PK_OBJECT) return pk_mc_not_fitted(c, "one_hot_encoder_");
    const pk_value *drop = pk_attr(enc, "drop");
    if (drop && drop->kind != PK_NONE)
        return pk_mc_fail(c, "%s.one_hot_encoder_ drops categories: not scored", m->cls);
    const pk_value *const *trees, *const *cats;
    size_t nt, nc;
    pk_code rc = pk_meta_items(c, pk_attr(c->obj, "estimators_"), "estimators_", &trees, &nt);
    if (!rc)
        rc = pk_meta_items(c, pk_attr(enc, "categories_"), "one_hot_encoder_.categories_", &cats,
                           &nc);
    if (rc) return rc;
    if (nc != nt)
        return pk_mc_fail(c, "%s: %zu trees but one_hot_encoder_ has %zu category lists", m->cls,
                          nt, nc);
    pk_rte *R = pk_mc_alloc(c, 1, sizeof *R);
    if (!R) return c->err->code;
    R->nt = nt;
    R->trees = pk_mc_alloc(c, nt, sizeof *R->trees);
    if (!R->trees) return c->err->code;
    size_t nf = 0;
    for (size_t t = 0; t < nt; t++) {
        char w[64];
        snprintf(w, sizeof w, "estimators_[%zu].tree_", t);
        pk_mc_arr cat;
        if ((rc = pk_mc_array_of(c, cats[t], "one_hot_encoder_.categories_", &cat))) return rc;
        if (cat.ndim != 1) return pk_mc_fail(c, "%s: categories_[%zu] is not 1-D", m->cls, t);
        for (size_t i = 1; i < cat.n; i++)
            if (!(cat.v[i] > cat.v[i - 1]))
                return pk_mc_fail(c, "%s: categories_[%zu] is not sorted", m->cls, t);
        const pk_value *tree = trees[t] ? pk_attr(trees[t], "tree_") : NULL;
        if (!tree) return pk_mc_fail(c, "%s: estimators_[%zu] is not a fitted tree", m->cls, t);
        rte_ctx ctx = {cat.v, cat.n, R->width};
        if ((rc = pk_tree_compile(c, tree, w, 1, rte_leaf, &ctx, &R->trees[t]))) return rc;
        if (R->trees[t].n_features > nf) nf = R->trees[t].n_features;
        R->width += cat.n;
    }
    if (R->width == 0) return pk_mc_fail(c, "%s: the encoder has no categories", m->cls);
    if ((rc = pk_mc_features(c, nf))) return rc;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = R;
    m->scratch = m->n_features;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, R->width, rte_transform);
    return PK_OK;
}
