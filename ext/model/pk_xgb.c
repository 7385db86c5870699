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
 */
#include "pk_model_impl.h"
#include "pk_xgb.h"

#include <math.h>
#include <string.h>

enum { XGB_BOOSTER, XGB_CLASSIFIER, XGB_REGRESSOR };

typedef struct xgb_impl {
    pk_xgb x;
    size_t tree_end;  /* trees [0, tree_end) are used                            */
    int dart_inplace; /* dart weighting of inplace_predict (the wrappers' path)  */
    int custom_missing;
    float missing;
    int role; /* XGB_BOOSTER, XGB_CLASSIFIER, XGB_REGRESSOR              */
} xgb_impl;

/* The row cast to float32 (kept in doubles, which hold every float32 exactly), NaN for missing
 * values, into fx. */
static void row_f32(const xgb_impl *im, const double *x, size_t n, double *fx) {
    for (size_t j = 0; j < n; j++) {
        float v = (float)x[j];
        if (im->custom_missing && v == im->missing) v = NAN;
        fx[j] = (double)v;
    }
}

/* 1 when the categorical node (index over all trees) sends value v right: its truncation to
 * an integer is one of the node's categories (negative values never are). */
static int cat_right(const pk_xgb *x, size_t node, double v) {
    if (!(v >= 0.0) || v >= 2147483648.0) return 0;
    int32_t c = (int32_t)v;
    const int32_t *cs = x->cats + x->cat_beg[node];
    for (uint32_t i = 0; i < x->cat_len[node]; i++)
        if (cs[i] == c) return 1;
    return 0;
}

static float leaf_of(const pk_xgb *x, size_t root, const double *fx) {
    const pk_xgb_node *nodes = x->nodes + root, *nd = nodes;
    while (nd->left >= 0) {
        double v = fx[nd->feature & PK_XGB_FEATURE_MASK];
        int32_t next;
        if (isnan(v))
            next = (nd->feature & PK_XGB_DEFAULT_LEFT) ? nd->left : nd->right;
        else if (nd->feature & PK_XGB_CATEGORICAL)
            next = cat_right(x, (size_t)(nd - x->nodes), v) ? nd->right : nd->left;
        else
            next = v < (double)nd->value ? nd->left : nd->right;
        nd = nodes + next;
    }
    return nd->value;
}

/* Margins of every output group into acc[0 .. n_groups). Every value is a float32 kept in a
 * double; each addition and product is rounded to float32, as XGBoost computes them. */
static void margins(const xgb_impl *im, const double *fx, double *acc) {
    const pk_xgb *x = &im->x;
    const float *base = x->base_margin;
    if (x->booster == PK_XGB_GBLINEAR) {
        const float *w = x->linear;
        size_t ng = x->n_groups, nf = x->n_features;
        for (size_t g = 0; g < ng; g++) {
            float s = w[nf * ng + g] + base[g];
            for (size_t j = 0; j < nf; j++)
                if (!isnan(fx[j])) s += (float)fx[j] * w[j * ng + g];
            acc[g] = (double)s;
        }
        return;
    }
    for (size_t g = 0; g < x->n_groups; g++)
        acc[g] = (double)base[g];
    if (x->booster == PK_XGB_GBTREE) {
        if (x->n_groups == 1) {
            float s = base[0];
            for (size_t t = 0; t < im->tree_end; t++)
                s += leaf_of(x, x->tree_root[t], fx);
            acc[0] = (double)s;
            return;
        }
        for (size_t t = 0; t < im->tree_end; t++) {
            double *a = &acc[x->tree_group[t]];
            *a = (double)((float)*a + leaf_of(x, x->tree_root[t], fx));
        }
    } else if (im->dart_inplace) {
        for (size_t t = 0; t < im->tree_end; t++) {
            int32_t g = x->tree_group[t];
            float p = base[g] + leaf_of(x, x->tree_root[t], fx);
            acc[g] = (double)((float)acc[g] + (p - base[g]) * x->weight_drop[t]);
        }
    } else {
        for (size_t t = 0; t < im->tree_end; t++) {
            double *a = &acc[x->tree_group[t]];
            *a = (double)((float)*a + leaf_of(x, x->tree_root[t], fx) * x->weight_drop[t]);
        }
    }
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

/* Margins then the objective's transform, in place (acc has n_groups values). */
static void predict_values(const xgb_impl *im, const double *fx, double *acc) {
    margins(im, fx, acc);
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

/* Scratch layout (doubles): the float32 row (n_features), then the group values (n_groups). */
static double *acc_buf(const pk_model *m, double *scratch) {
    return scratch + m->n_features;
}

static pk_code xgb_margin(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    (void)err;
    const xgb_impl *im = m->impl;
    row_f32(im, x, m->n_features, scratch);
    margins(im, scratch, out);
    return PK_OK;
}

static pk_code xgb_value(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const xgb_impl *im = m->impl;
    double *acc = acc_buf(m, scratch);
    row_f32(im, x, m->n_features, scratch);
    predict_values(im, scratch, acc);
    size_t w = im->x.transform == PK_XGB_SOFTMAX ? 1 : im->x.n_groups;
    memcpy(out, acc, w * sizeof *out);
    return PK_OK;
}

/* XGBClassifier.predict: argmax of softprob, the softmax index, else value > 0.5. */
static pk_code xgb_label(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const xgb_impl *im = m->impl;
    double *acc = acc_buf(m, scratch);
    row_f32(im, x, m->n_features, scratch);
    predict_values(im, scratch, acc);
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
    double *acc = acc_buf(m, scratch);
    row_f32(im, x, m->n_features, scratch);
    size_t ng = im->x.n_groups;
    if (im->x.transform == PK_XGB_SOFTMAX) {
        margins(im, scratch, acc);
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
    predict_values(im, scratch, acc);
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

static pk_code finish(pk_mc *c, xgb_impl *im) {
    pk_model *m = c->m;
    pk_code rc = pk_mc_features(c, im->x.n_features);
    if (rc) return rc;
    if (!m->feature_names && im->x.feature_names) m->feature_names = im->x.feature_names;
    m->impl = im;
    m->nan_ok = 1;
    m->scratch = m->n_features + im->x.n_groups;
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
