/*
 * pk_gb.c - GradientBoostingClassifier / GradientBoostingRegressor (scikit-learn 1.2.1 losses).
 *
 * Raw prediction, as BaseGradientBoosting._raw_predict: the init estimator's raw prediction
 * (zeros for init='zero'), then for every stage i and every column k in order
 *     raw[k] += learning_rate * value[leaf of estimators_[i, k]]
 * (the product is precomputed per leaf: the same double). Rows are cast to float32 first.
 *
 * Init (LossFunction.get_init_raw_predictions):
 *   regression losses (squared_error, absolute_error, huber, quantile): init_.predict(X) -- a
 *     DummyRegressor gives constant_;
 *   log_loss binary: log(p / (1 - p)), exponential: 0.5 * log(p / (1 - p)), with p =
 *     predict_proba[:, 1] clipped to [eps, 1 - eps] (eps = float32's); multiclass: log(clip(p)).
 *     A DummyClassifier gives class_prior_. Any other init_ estimator the model compiler
 *     supports is compiled as a sub-model and run on the float32-cast row.
 * Output: regressors predict raw; binary log_loss proba [1 - expit(raw), expit(raw)],
 * exponential uses expit(2 raw); multiclass exp(raw - logsumexp(raw)); classifier predict is the
 * argmax of the probabilities (exponential: raw >= 0).
 * libm's exp/log stand for numpy's SIMD ones (init log-odds, multiclass probabilities): these
 * can differ by an ulp; the tree sums are exact.
 */
#include "pk_meta.h"
#include "pk_trees.h"

#include "pk_ndarray.h"

#include <float.h>
#include <stdio.h>
#include <string.h>

enum { GB_REG, GB_BINOMIAL, GB_MULTINOMIAL, GB_EXPONENTIAL };

typedef struct gb {
    size_t ns, K;   /* stages, columns                                       */
    pk_tree *trees; /* ns * K, C order                                        */
    pk_tset set;    /* the same, walked in lock step                          */
    int loss;
    double *init;  /* K constant raw predictions, or NULL with sub           */
    pk_model *sub; /* a general init estimator                               */
} gb;

static double clip_eps(double p) {
    const double lo = (double)FLT_EPSILON;
    const double hi = (double)(1.0f - FLT_EPSILON);
    return p < lo ? lo : p > hi ? hi : p;
}

/* Raw predictions of the init estimator from its probabilities / prediction. */
static void init_from(const gb *G, const double *pred, double *raw) {
    switch (G->loss) {
    case GB_REG:
        raw[0] = pred[0];
        break;
    case GB_BINOMIAL: {
        double p = clip_eps(pred[1]);
        raw[0] = log(p / (1 - p));
        break;
    }
    case GB_EXPONENTIAL: {
        double p = clip_eps(pred[1]);
        raw[0] = 0.5 * log(p / (1 - p));
        break;
    }
    default:
        for (size_t k = 0; k < G->K; k++)
            raw[k] = log(clip_eps(pred[k]));
    }
}

typedef struct scale_ctx {
    double lr;
} scale_ctx;

static pk_code gb_leaf(pk_mc *c, void *ctx, const pk_tree_raw *raw, const double *value,
                       size_t node, size_t depth, double *payload) {
    (void)node;
    (void)depth;
    const scale_ctx *s = ctx;
    if (raw->n_outputs != 1)
        return pk_mc_fail(c, "%s: a stage tree has %zu outputs", c->m->cls, raw->n_outputs);
    payload[0] = s->lr * value[0];
    return PK_OK;
}

static pk_code gb_raw(const pk_model *m, const double *x, double *scratch, double *raw,
                      pk_err *err) {
    const gb *G = m->impl;
    float *xf;
    int nan;
    pk_code rc = pk_tree_cast_row(m, x, scratch, &xf, &nan, err);
    if (rc != PK_OK) return rc;
    if (G->sub) {
        double *xd = scratch + m->n_features;
        for (size_t j = 0; j < m->n_features; j++)
            xd[j] = (double)xf[j];
        double *sout = xd + m->n_features;
        double *sscr = sout + pk_model_out_len(G->sub);
        pk_method meth = G->loss == GB_REG ? PK_PREDICT : PK_PREDICT_PROBA;
        rc = pk_model_run(G->sub, meth, xd, sscr, sout, err);
        if (rc != PK_OK) return rc;
        init_from(G, sout, raw);
    } else {
        for (size_t k = 0; k < G->K; k++)
            raw[k] = G->init[k];
    }
    const double *lv[PK_TGROUP];
    size_t k = 0, K = G->K;
    for (size_t g = 0; g < G->set.nt; g += PK_TGROUP) {
        size_t n = pk_tset_group(&G->set, g, xf, nan, lv);
        for (size_t j = 0; j < n; j++) {
            raw[k] += lv[j][0];
            if (++k == K) k = 0;
        }
    }
    return PK_OK;
}

static pk_code gb_decision(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    return gb_raw(m, x, scratch, out, err);
}

/* Probabilities from the raw predictions (K values) into out (n_classes values). */
static void gb_proba_of(const gb *G, const double *raw, double *out) {
    if (G->loss == GB_BINOMIAL || G->loss == GB_EXPONENTIAL) {
        double p = pk_expit(G->loss == GB_BINOMIAL ? raw[0] : 2.0 * raw[0]);
        out[1] = p;
        out[0] = 1.0 - p;
        return;
    }
    /* scipy.special.logsumexp then exp(raw - lse), nan_to_num */
    double mx = raw[0];
    for (size_t k = 1; k < G->K; k++)
        if (raw[k] > mx) mx = raw[k];
    if (!isfinite(mx)) mx = 0;
    for (size_t k = 0; k < G->K; k++)
        out[k] = exp(raw[k] - mx);
    double lse = log(pk_np_sum(out, G->K));
    lse += mx;
    for (size_t k = 0; k < G->K; k++) {
        double p = exp(raw[k] - lse);
        if (isnan(p))
            p = 0.0;
        else if (isinf(p))
            p = p > 0 ? DBL_MAX : -DBL_MAX;
        out[k] = p;
    }
}

/* The predicted class index from the raw predictions; p holds n_classes doubles of room. */
static double gb_label_of(const pk_model *m, const double *raw, double *p) {
    const gb *G = m->impl;
    if (G->loss == GB_EXPONENTIAL) return raw[0] >= 0 ? 1.0 : 0.0;
    gb_proba_of(G, raw, p);
    return (double)pk_argmax(p, m->n_classes);
}

static pk_code gb_proba(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    const gb *G = m->impl;
    double *raw = scratch + m->scratch - G->K;
    pk_code rc = gb_raw(m, x, scratch, raw, err);
    if (rc != PK_OK) return rc;
    gb_proba_of(G, raw, out);
    return PK_OK;
}

static pk_code gb_label(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    const gb *G = m->impl;
    double *p = scratch + m->scratch - 2 * G->K - 2;
    double *raw = scratch + m->scratch - G->K;
    pk_code rc = gb_raw(m, x, scratch, raw, err);
    if (rc == PK_OK) out[0] = gb_label_of(m, raw, p);
    return rc;
}

/* ---- blocks of rows (models with a constant init only) ------------------------------------- */

/* gb_raw over a block: raw holds n rows of K values, summed in the row kernel's order. A row
 * refused by the cast ends the block there: the rows before it are scored and *np becomes their
 * count. */
static pk_code gb_raw_block(const pk_model *m, const double *X, size_t *np, pk_tblock *b,
                            double *raw, size_t *bad, pk_err *err) {
    const gb *G = m->impl;
    pk_code rc = pk_tree_cast_rows(m, X, *np, b, bad, err);
    if (rc != PK_OK) *np = *bad;
    size_t n = *np, K = G->K;
    for (size_t r = 0; r < n; r++)
        for (size_t k = 0; k < K; k++)
            raw[r * K + k] = G->init[k];
    for (size_t i = 0; i < G->ns * K; i++)
        pk_tree_add_leaf_rows(&G->trees[i], b, m->n_features, n, raw + i % K, K);
    return rc;
}

static pk_code gb_decision_block(const pk_model *m, const double *X, size_t n, double *scratch,
                                 double *out, size_t *bad, pk_err *err) {
    pk_tblock b;
    pk_tblock_carve(scratch, m->n_features, 0, &b);
    return gb_raw_block(m, X, &n, &b, out, bad, err);
}

static pk_code gb_proba_block(const pk_model *m, const double *X, size_t n, double *scratch,
                              double *out, size_t *bad, pk_err *err) {
    const gb *G = m->impl;
    pk_tblock b;
    pk_tblock_carve(scratch, m->n_features, G->K, &b);
    pk_code rc = gb_raw_block(m, X, &n, &b, b.acc, bad, err);
    for (size_t r = 0; r < n; r++)
        gb_proba_of(G, b.acc + r * G->K, out + r * m->n_classes);
    return rc;
}

static pk_code gb_label_block(const pk_model *m, const double *X, size_t n, double *scratch,
                              double *out, size_t *bad, pk_err *err) {
    const gb *G = m->impl;
    pk_tblock b;
    pk_tblock_carve(scratch, m->n_features, G->K, &b);
    pk_code rc = gb_raw_block(m, X, &n, &b, b.acc, bad, err);
    double *p = scratch + pk_tblock_scratch(m->n_features, G->K); /* n_classes + 2 more */
    for (size_t r = 0; r < n; r++)
        out[r] = gb_label_of(m, b.acc + r * G->K, p);
    return rc;
}

/* The loss from _loss's class (or the loss parameter). */
static int loss_kind(pk_mc *c, size_t n_classes, int clf) {
    const pk_value *l = pk_attr(c->obj, "_loss");
    const char *name = l && l->kind == PK_OBJECT && l->u.o.cls && l->u.o.cls->kind == PK_GLOBAL
                           ? l->u.o.cls->u.g.name
                           : NULL;
    const char *param = pk_mc_str(c, "loss");
    if (!clf) return GB_REG;
    if ((name && strcmp(name, "ExponentialLoss") == 0) ||
        (param && strcmp(param, "exponential") == 0))
        return GB_EXPONENTIAL;
    if (name && strcmp(name, "MultinomialDeviance") == 0) return GB_MULTINOMIAL;
    if (name && strcmp(name, "BinomialDeviance") == 0) return GB_BINOMIAL;
    return n_classes > 2 ? GB_MULTINOMIAL : GB_BINOMIAL;
}

static pk_code gb_init(pk_mc *c, gb *G, int clf) {
    pk_model *m = c->m;
    const pk_value *iv = pk_attr(c->obj, "init_");
    if (!iv || iv->kind == PK_NONE) return pk_mc_not_fitted(c, "init_");
    G->init = pk_mc_alloc(c, G->K, sizeof(double));
    if (!G->init) return c->err->code;
    if (iv->kind == PK_STR) {
        if (strcmp(iv->u.s.ptr, "zero") != 0)
            return pk_mc_fail(c, "%s.init_ is '%s'", m->cls, iv->u.s.ptr);
        return PK_OK; /* zeros */
    }
    if (pk_global_is(iv, "sklearn.dummy", "DummyRegressor") && !clf) {
        pk_mc_arr a;
        pk_code rc = pk_mc_array_of(c, pk_attr(iv, "constant_") ? pk_attr(iv, "constant_") : iv,
                                    "init_.constant_", &a);
        if (rc != PK_OK) return rc;
        if (a.n != 1) return pk_mc_fail(c, "%s.init_.constant_ is not one value", m->cls);
        G->init[0] = a.v[0];
        return PK_OK;
    }
    if (pk_global_is(iv, "sklearn.dummy", "DummyClassifier") && clf) {
        const char *strat = NULL;
        const pk_value *sv = pk_attr(iv, "_strategy");
        if (!sv) sv = pk_attr(iv, "strategy");
        if (sv && sv->kind == PK_STR) strat = sv->u.s.ptr;
        const pk_value *pv = pk_attr(iv, "class_prior_");
        if (pv && (!strat || strcmp(strat, "prior") == 0)) {
            pk_mc_arr a;
            pk_code rc = pk_mc_array_of(c, pv, "init_.class_prior_", &a);
            if (rc != PK_OK) return rc;
            if (a.n != m->n_classes)
                return pk_mc_fail(c, "%s.init_.class_prior_ has %zu values for %zu classes", m->cls,
                                  a.n, m->n_classes);
            init_from(G, a.v, G->init);
            return PK_OK;
        }
    }
    /* any other estimator: compile it and run it per row */
    G->sub = pk_mc_submodel(c, iv);
    if (!G->sub) return c->err->code;
    /* the trees read numbers; so does the init estimator, given the same row */
    pk_code nrc = pk_meta_numeric(c, G->sub, "init_");
    if (nrc) return nrc;
    pk_method need = clf ? PK_PREDICT_PROBA : PK_PREDICT;
    if (G->sub->shape[need] == PK_OUT_NONE || G->sub->n_features != m->n_features)
        return pk_mc_fail(c, "%s.init_ (%s) cannot give %s for %zu features", m->cls, G->sub->cls,
                          pk_method_name(need), m->n_features);
    if (clf && G->sub->width[need] != m->n_classes)
        return pk_mc_fail(c, "%s.init_ gives %zu probabilities for %zu classes", m->cls,
                          G->sub->width[need], m->n_classes);
    G->init = NULL;
    return PK_OK;
}

pk_code pk_compile_gb(pk_mc *c) {
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    gb *G = pk_mc_alloc(c, 1, sizeof *G);
    if (!G) return c->err->code;
    pk_code rc;
    const pk_value *ev = pk_attr(c->obj, "estimators_");
    if (!ev || ev->kind != PK_NDARRAY || !ev->u.arr->objects || ev->u.arr->ndim != 2)
        return pk_mc_fail(c, "%s is not fitted (no 2-D estimators_ array)", m->cls);
    const pk_value *const *items;
    size_t n;
    if ((rc = pk_tree_objects(c, ev, "estimators_", &items, &n)) != PK_OK) return rc;
    G->ns = (size_t)ev->u.arr->shape[0];
    G->K = (size_t)ev->u.arr->shape[1];
    if (G->K == 0 || G->ns * G->K != n)
        return pk_mc_fail(c, "%s.estimators_ has a bad shape", m->cls);
    if (clf) {
        m->kind = PK_MODEL_CLASSIFIER;
        if ((rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"))) != PK_OK) return rc;
        if (m->n_classes < 2 || (m->n_classes == 2 ? 1 : m->n_classes) != G->K)
            return pk_mc_fail(c, "%s has %zu classes and %zu trees per stage", m->cls, m->n_classes,
                              G->K);
    } else {
        m->kind = PK_MODEL_REGRESSOR;
        if (G->K != 1) return pk_mc_fail(c, "%s has %zu trees per stage", m->cls, G->K);
    }
    G->loss = loss_kind(c, m->n_classes, clf);
    scale_ctx s;
    if ((rc = pk_mc_num(c, "learning_rate", 0.1, &s.lr)) != PK_OK) return rc;
    G->trees = pk_mc_alloc(c, n, sizeof *G->trees);
    if (!G->trees) return c->err->code;
    for (size_t i = 0; i < n; i++) {
        char w[80];
        snprintf(w, sizeof w, "estimators_[%zu, %zu].tree_", i / G->K, i % G->K);
        const pk_value *tree =
            items[i] && items[i]->kind == PK_OBJECT ? pk_attr(items[i], "tree_") : NULL;
        if (!tree) return pk_mc_fail(c, "%s: %s is missing", m->cls, w);
        if ((rc = pk_tree_compile(c, tree, w, 1, gb_leaf, &s, &G->trees[i])) != PK_OK) return rc;
        if (m->n_features == 0) m->n_features = G->trees[i].n_features;
        if (G->trees[i].n_features != m->n_features)
            return pk_mc_fail(c, "%s: %s has %zu features, the model %zu", m->cls, w,
                              G->trees[i].n_features, m->n_features);
    }
    if ((rc = pk_tset_build(c, &G->set, G->trees, sizeof(pk_tree), n)) != PK_OK) return rc;
    m->impl = G;
    if ((rc = gb_init(c, G, clf)) != PK_OK) return rc;
    m->nan_ok = 0;
    size_t sub =
        G->sub ? m->n_features + pk_model_out_len(G->sub) + pk_model_scratch_len(G->sub) : 0;
    /* xf (float32) | [xf as doubles | sub-model out+scratch] | label probabilities (K + 2) |
     * raw (K) */
    m->scratch = m->n_features + sub + 2 * G->K + 2 + G->K;
    size_t K = G->K;
    size_t bs = pk_tblock_scratch(m->n_features, K) + m->n_classes + 2;
    if (!clf) {
        pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, gb_decision);
        if (!G->sub) pk_mc_block(c, PK_PREDICT, gb_decision_block, bs);
        return PK_OK;
    }
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, gb_label);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, m->n_classes, gb_proba);
    pk_mc_log_proba(c, 0);
    pk_mc_method(c, PK_DECISION, K == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, K, gb_decision);
    if (!G->sub) { /* a general init estimator is scored row by row */
        pk_mc_block(c, PK_PREDICT, gb_label_block, bs);
        pk_mc_block(c, PK_PREDICT_PROBA, gb_proba_block, bs);
        pk_mc_block(c, PK_DECISION, gb_decision_block, bs);
    }
    return PK_OK;
}
