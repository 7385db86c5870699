/*
 * pk_union.c - sklearn.pipeline.FeatureUnion: each transformer of transformer_list transforms the
 * same row, the results are concatenated in list order, each multiplied by its
 * transformer_weights entry when there is one (res * weight, as _transform_one does).
 * 'drop' (and None) transformers are skipped; 'passthrough' copies the row. Each transformer
 * checks the row itself, so a branch that cannot take missing values refuses them while a
 * passthrough or a scaler passes them on, as in scikit-learn.
 */
#include "pk_meta.h"
#include "pk_preproc.h"

#include <string.h>

#define UNION_MAX_PARTS 256

typedef struct union_part {
    pk_model *m; /* NULL: passthrough */
    double weight;
    int weighted;
    size_t offset, width;
} union_part;

typedef struct pk_union {
    size_t n_in, nparts;
    union_part *parts;
} pk_union;

static pk_code union_transform(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    const pk_union *U = m->impl;
    for (size_t i = 0; i < U->nparts; i++) {
        const union_part *p = &U->parts[i];
        double *o = out + p->offset;
        if (!p->m) {
            memcpy(o, x, U->n_in * sizeof(double));
        } else if (m->col_kind) { /* typed union: pk_model_step checks each input */
            pk_code rc = pk_meta_run(m, p->m, PK_TRANSFORM, x, scratch, o, err);
            if (rc) return rc;
        } else {
            pk_code rc = pk_model_check_input(p->m, x, m, err);
            if (!rc) rc = p->m->fn[PK_TRANSFORM](p->m, x, scratch, o, err);
            if (rc) return rc;
        }
        if (p->weighted)
            for (size_t k = 0; k < p->width; k++)
                o[k] *= p->weight;
    }
    return PK_OK;
}

/* transformer_weights[name] (NULL dict or missing name: unweighted). */
static pk_code part_weight(pk_mc *c, const pk_value *weights, const pk_value *name, union_part *p) {
    if (!weights || weights->kind != PK_DICT) return PK_OK;
    for (size_t k = 0; k < weights->u.d.len; k++) {
        const pk_value *key = weights->u.d.keys[k];
        if (key->kind == PK_STR && name->kind == PK_STR &&
            strcmp(key->u.s.ptr, name->u.s.ptr) == 0) {
            if (pk_as_f64(weights->u.d.vals[k], &p->weight) != PK_OK)
                return pk_mc_fail(c, "FeatureUnion weight of '%s' is not a number", key->u.s.ptr);
            p->weighted = 1;
        }
    }
    return PK_OK;
}

pk_code pk_compile_union(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *list = pk_attr(c->obj, "transformer_list");
    if (!list || (list->kind != PK_LIST && list->kind != PK_TUPLE))
        return pk_mc_fail(c, "FeatureUnion has no transformer_list");
    size_t n = list->u.seq.len;
    if (n > UNION_MAX_PARTS)
        return pk_mc_fail(c, "FeatureUnion has %zu transformers (at most %d supported)", n,
                          UNION_MAX_PARTS);
    const pk_value *weights = pk_attr(c->obj, "transformer_weights");
    if (weights && weights->kind != PK_NONE && weights->kind != PK_DICT)
        return pk_mc_fail(c, "FeatureUnion.transformer_weights is not a dict");
    pk_union *U = pk_mc_alloc(c, 1, sizeof *U);
    if (!U) return c->err->code;
    U->parts = pk_mc_alloc(c, n ? n : 1, sizeof *U->parts);
    if (!U->parts) return c->err->code;
    size_t width = 0, sub = 0;
    for (size_t i = 0; i < n; i++) {
        const pk_value *st = list->u.seq.items[i];
        if ((st->kind != PK_TUPLE && st->kind != PK_LIST) || st->u.seq.len != 2)
            return pk_mc_fail(c, "FeatureUnion transformer %zu is not a (name, transformer) pair",
                              i + 1);
        const pk_value *name = st->u.seq.items[0], *tr = st->u.seq.items[1];
        const char *nm = name->kind == PK_STR ? name->u.s.ptr : "?";
        union_part *p = &U->parts[U->nparts];
        if (tr->kind == PK_NONE || (tr->kind == PK_STR && strcmp(tr->u.s.ptr, "drop") == 0))
            continue;
        if (tr->kind != PK_STR || strcmp(tr->u.s.ptr, "passthrough") != 0) {
            p->m = pk_mc_submodel(c, tr);
            if (!p->m) return c->err->code;
            if (p->m->shape[PK_TRANSFORM] == PK_OUT_NONE)
                return pk_mc_fail(c, "FeatureUnion transformer '%s' (%s) cannot transform", nm,
                                  p->m->cls);
            if (m->n_features && p->m->n_features != m->n_features)
                return pk_mc_fail(c,
                                  "FeatureUnion transformer '%s' (%s) expects %zu features, "
                                  "the union takes %zu",
                                  nm, p->m->cls, p->m->n_features, m->n_features);
            m->n_features = p->m->n_features;
            if (!m->feature_names) m->feature_names = p->m->feature_names;
            p->width = p->m->width[PK_TRANSFORM];
            if (p->m->scratch > sub) sub = p->m->scratch;
        }
        pk_code rc = part_weight(c, weights, name, p);
        if (rc) return rc;
        U->nparts++;
    }
    if (!m->n_features)
        return pk_mc_fail(c, "FeatureUnion of only 'passthrough' has no n_features_in_");
    for (size_t i = 0; i < U->nparts; i++) {
        union_part *p = &U->parts[i];
        if (!p->m) p->width = m->n_features; /* passthrough */
        p->offset = width;
        width += p->width;
    }
    if (U->nparts == 0 || width == 0)
        return pk_mc_fail(c, "FeatureUnion has no transformer left (all 'drop')");
    U->n_in = m->n_features;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = U;
    m->nan_ok = 1; /* each transformer checks its input */
    m->scratch = sub;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, width, union_transform);
    const pk_model **mem = pk_mc_alloc(c, U->nparts, sizeof *mem);
    if (!mem) return c->err->code;
    int passthrough = 0;
    for (size_t i = 0; i < U->nparts; i++) {
        mem[i] = U->parts[i].m;
        if (!mem[i]) passthrough = 1;
        /* _hstack: a sparse matrix when any part gives one */
        if (mem[i] && (mem[i]->sparse_rows || mem[i]->sparse_out)) m->sparse_rows = 1;
    }
    pk_code trc = pk_meta_typed(c, mem, U->nparts);
    if (trc == PK_OK && m->col_kind && passthrough)
        return pk_mc_fail(c, "FeatureUnion: 'passthrough' of typed inputs (text or categories) "
                             "cannot be scored; only its transformers' outputs can");
    return trc;
}
