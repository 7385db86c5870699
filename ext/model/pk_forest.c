/*
 * pk_forest.c - tree ensembles that average or vote: RandomForest and ExtraTrees (classifier,
 * regressor), IsolationForest, Bagging and AdaBoost over tree base estimators (other bases:
 * pk_bag_any.c).
 *
 * Each member tree is compiled once (pk_tree.c) with the leaf payload its ensemble needs, so
 * scoring a row is: cast the row to float32 once, descend every tree, combine in scikit-learn
 * 1.2.1's order. Feature subsets (estimators_features_) are folded into the trees' split
 * features at compile time (pk_tree_remap), so no row is gathered per tree.
 *
 * Arithmetic, per ensemble (all as scikit-learn 1.2.1 with n_jobs=1):
 *  - forests: per-tree probabilities value/value.sum() (precomputed per leaf), summed tree by
 *    tree from 0, divided by the tree count; predict = classes_[argmax]. Regressors: leaf
 *    values summed from 0 and divided.
 *  - IsolationForest: per leaf ((path nodes) + c(n_node_samples)) - 1.0 precomputed, summed
 *    over trees from 0; score = 2 ** -(depths / (n_trees * c(max_samples_))) (0.5 when the
 *    denominator is 0); score_samples = -score (exposed as transform), decision_function =
 *    score_samples - offset_, predict = -1 where decision < 0 else 1.
 *    c(n) = 0 (n <= 1), 1 (n == 2), else 2 (ln(n - 1) + euler_gamma) - 2 (n - 1) / n.
 *  - Bagging: chunked as joblib partitions the estimators for a positive n_jobs (one chunk
 *    otherwise); each chunk sums probabilities (mapped through each tree's classes_) or
 *    predictions from 0; chunks summed; divided by n_estimators. predict_log_proba: per chunk a
 *    running np.logaddexp from -inf of log(tree probability) through the class map, chunks
 *    combined by np.logaddexp, less log(n_estimators) (scikit-learn's, not log(predict_proba)).
 *  - AdaBoost: SAMME.R sums (K-1)(log p - mean log p) per tree (p clipped below at DBL_EPSILON,
 *    precomputed per leaf), SAMME sums w * [predicted == class]; divided by
 *    estimator_weights_.sum(); binary decision = -pred0 + pred1; probabilities by softmax.
 *    Regressor: weighted median (stable sort, cumulative weights >= half the total).
 * libm's log/exp/pow are used where numpy uses its own SIMD kernels: IsolationForest scores,
 * SAMME.R and AdaBoost probabilities can differ from numpy's by an ulp (see the tests).
 */
#include "pk_families.h"
#include "pk_trees.h"

#include "pk_ndarray.h"

#include <float.h>
#include <stdio.h>
#include <string.h>

#define EULER_GAMMA 0.5772156649015329

/* ---- shared -------------------------------------------------------------------------------- */

typedef struct ens {
    size_t nt;
    pk_dtree *trees;
    double *w;         /* AdaBoost weights (nt)                                      */
    double wsum;       /* AdaBoost: estimator_weights_.sum()                         */
    size_t no;         /* outputs                                                    */
    size_t *ncls;      /* classes per output                                         */
    size_t width;      /* probability columns (sum of ncls) or outputs               */
    double **labels;   /* multi-output numeric labels                                */
    size_t **cmap;     /* bagging: per tree, tree class column -> ensemble column    */
    size_t *chunk_end; /* bagging: end of each n_jobs chunk                          */
    size_t nchunks;
    double divisor;       /* forests: tree count; bagging: n_estimators                 */
    int samme_r;          /* AdaBoost                                                   */
    double offset, denom; /* IsolationForest                                          */
    pk_tset set;          /* forests, IsolationForest: the trees walked in lock step     */
} ens;

/* buf = "attr[i]" (the name of estimator i in messages). Formatted by hand: a forest names
 * every tree while compiling, and snprintf was a tenth of the compile time. */
static void tree_what(char *buf, size_t cap, const char *attr, size_t i) {
    char dig[24];
    size_t nd = 0, la = strlen(attr);
    for (size_t v = i; nd == 0 || v; v /= 10)
        dig[nd++] = (char)('0' + v % 10);
    if (la + nd + 3 > cap) {
        snprintf(buf, cap, "%s[%zu]", attr, i);
        return;
    }
    memcpy(buf, attr, la);
    buf[la] = '[';
    for (size_t k = 0; k < nd; k++)
        buf[la + 1 + k] = dig[nd - 1 - k];
    buf[la + 1 + nd] = ']';
    buf[la + 2 + nd] = '\0';
}

/* Compiles every estimator of `attr` with payload `pay`. */
static pk_code compile_members(pk_mc *c, const char *attr, pk_tree_payload pay, ens *E) {
    const pk_value *const *items;
    size_t n;
    pk_code rc = pk_tree_objects(c, pk_attr(c->obj, attr), attr, &items, &n);
    if (rc != PK_OK) return rc;
    E->nt = n;
    E->trees = pk_mc_alloc(c, n, sizeof *E->trees);
    if (!E->trees) return c->err->code;
    const pk_value *last_cls = NULL; /* the trees' class: usually one memoized GLOBAL */
    const pk_cat_row *last_row = NULL;
    for (size_t i = 0; i < n; i++) {
        char w[64];
        tree_what(w, sizeof w, attr, i);
        const pk_value *cls = items[i] && items[i]->kind == PK_OBJECT ? items[i]->u.o.cls : NULL;
        const pk_cat_row *row = NULL;
        if (cls && cls == last_cls) {
            row = last_row;
        } else if (cls && cls->kind == PK_GLOBAL) {
            row = pk_catalogue_find(cls->u.g.module, cls->u.g.name);
            last_cls = cls;
            last_row = row;
        }
        if (!row || !row->family || strcmp(row->family, "dtree") != 0)
            return pk_mc_fail(c,
                              "%s: %s is not a scikit-learn decision tree (only tree base "
                              "estimators are supported)",
                              c->m->cls, w);
        if ((rc = pk_dtree_compile(c, items[i], w, pay, &E->trees[i])) != PK_OK) return rc;
    }
    return PK_OK;
}

/* Applies estimators_features_ to the trees (or checks they read n_features columns). */
static pk_code apply_features(pk_mc *c, ens *E, int use_map) {
    const pk_value *fv = use_map ? pk_attr(c->obj, "estimators_features_") : NULL;
    const pk_value *const *fs = NULL;
    size_t nfs = 0;
    if (fv && fv->kind != PK_NONE) {
        pk_code rc = pk_tree_objects(c, fv, "estimators_features_", &fs, &nfs);
        if (rc != PK_OK) return rc;
        if (nfs < E->nt)
            return pk_mc_fail(c, "%s.estimators_features_ has %zu entries for %zu estimators",
                              c->m->cls, nfs, E->nt);
    }
    for (size_t i = 0; i < E->nt; i++) {
        char w[64];
        tree_what(w, sizeof w, "estimators_", i);
        pk_tree *t = &E->trees[i].t;
        if (!fs) {
            if (c->m->n_features == 0) c->m->n_features = t->n_features;
            if (t->n_features != c->m->n_features)
                return pk_mc_fail(c, "%s: %s has %zu features, the ensemble %zu", c->m->cls, w,
                                  t->n_features, c->m->n_features);
            continue;
        }
        const pk_value *f = fs[i];
        if (!f || f->kind != PK_NDARRAY || f->u.arr->objects || f->u.arr->ndim != 1)
            return pk_mc_fail(c, "%s.estimators_features_[%zu] is not an index array", c->m->cls,
                              i);
        size_t k = pk_ndarray_size(f->u.arr);
        int64_t *map = pk_mc_alloc(c, k, sizeof *map);
        if (!map) return c->err->code;
        for (size_t j = 0; j < k; j++) {
            double d;
            if (pk_ndarray_get_f64(f->u.arr, j, &d) != PK_OK || d != floor(d) || d < 0 || d > 1e12)
                return pk_mc_fail(c, "%s.estimators_features_[%zu] is not an index array",
                                  c->m->cls, i);
            map[j] = (int64_t)d;
        }
        if (c->m->n_features == 0) return pk_mc_fail(c, "%s has no n_features_in_", c->m->cls);
        pk_code rc = pk_tree_remap(c, t, map, k, c->m->n_features, w);
        if (rc != PK_OK) return rc;
    }
    return PK_OK;
}

static int all_nan_ok(pk_mc *c, const ens *E, const char *attr) {
    for (size_t i = 0; i < E->nt; i++) /* records without missing_go_to_left: no estimator lookup */
        if (!E->trees[i].t.has_missing) return 0;
    const pk_value *const *items;
    size_t n;
    if (pk_tree_objects(c, pk_attr(c->obj, attr), attr, &items, &n) != PK_OK) return 0;
    for (size_t i = 0; i < n && i < E->nt; i++)
        if (!pk_tree_est_nan_ok(items[i], &E->trees[i].t)) return 0;
    return 1;
}

/* classes_ of a single-output ensemble (checked against its trees), or the numeric labels per
 * output of a multi-output one (E->labels NULL when not numeric). */
static pk_code read_labels(pk_mc *c, ens *E) {
    const pk_value *cv = pk_attr(c->obj, "classes_");
    if (E->no == 1) {
        pk_code rc = pk_mc_classes(c, cv);
        if (rc != PK_OK) return rc;
        if (c->m->n_classes != E->ncls[0])
            return pk_mc_fail(c, "%s has %zu classes_ but its trees have %zu", c->m->cls,
                              c->m->n_classes, E->ncls[0]);
        return PK_OK;
    }
    return pk_tree_multi_labels(c, cv, E->no, E->ncls, &E->labels);
}

/* ---- RandomForest / ExtraTrees -------------------------------------------------------------- */

/* Sum of every tree's payload into acc (width doubles), divided by the divisor. */
static pk_code forest_mean(const pk_model *m, const double *x, double *scratch, double *acc,
                           pk_err *err) {
    const ens *E = m->impl;
    float *xf;
    int nan;
    pk_code rc = pk_tree_cast_row(m, x, scratch, &xf, &nan, err);
    if (rc != PK_OK) return rc;
    for (size_t k = 0; k < E->width; k++)
        acc[k] = 0.0;
    const double *lv[PK_TGROUP];
    for (size_t g = 0; g < E->nt; g += PK_TGROUP) {
        size_t n = pk_tset_group(&E->set, g, xf, nan, lv);
        if (E->width == 2) {
            for (size_t j = 0; j < n; j++) {
                acc[0] += lv[j][0];
                acc[1] += lv[j][1];
            }
        } else {
            for (size_t j = 0; j < n; j++)
                for (size_t k = 0; k < E->width; k++)
                    acc[k] += lv[j][k];
        }
    }
    for (size_t k = 0; k < E->width; k++)
        acc[k] /= E->divisor;
    return PK_OK;
}

static pk_code forest_proba(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    return forest_mean(m, x, scratch, out, err);
}

static pk_code forest_label(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    const ens *E = m->impl;
    double *acc = scratch + m->n_features;
    pk_code rc = forest_mean(m, x, scratch, acc, err);
    if (rc != PK_OK) return rc;
    out[0] = (double)pk_argmax(acc, E->ncls[0]);
    return PK_OK;
}

/* forest_mean over a block of rows: acc holds n rows of width sums, in the row kernel's order
 * (tree after tree from 0, then divided). A row refused by the cast ends the block there: the
 * rows before it are scored and *n becomes their count. */
static pk_code forest_mean_block(const pk_model *m, const double *X, size_t *np, pk_tblock *b,
                                 double *acc, size_t *bad, pk_err *err) {
    const ens *E = m->impl;
    pk_code rc = pk_tree_cast_rows(m, X, *np, b, bad, err);
    if (rc != PK_OK) *np = *bad;
    size_t n = *np, W = E->width;
    for (size_t k = 0; k < n * W; k++)
        acc[k] = 0.0;
    for (size_t i = 0; i < E->nt; i++) {
        pk_tree_leaves_rows(&E->trees[i].t, b, m->n_features, n);
        if (W == 2) {
            for (size_t r = 0; r < n; r++) {
                acc[2 * r] += b->lv[r][0];
                acc[2 * r + 1] += b->lv[r][1];
            }
        } else {
            for (size_t r = 0; r < n; r++)
                for (size_t k = 0; k < W; k++)
                    acc[r * W + k] += b->lv[r][k];
        }
    }
    for (size_t k = 0; k < n * W; k++)
        acc[k] /= E->divisor;
    return rc;
}

static pk_code forest_proba_block(const pk_model *m, const double *X, size_t n, double *scratch,
                                  double *out, size_t *bad, pk_err *err) {
    pk_tblock b;
    pk_tblock_carve(scratch, m->n_features, 0, &b);
    return forest_mean_block(m, X, &n, &b, out, bad, err);
}

static pk_code forest_label_block(const pk_model *m, const double *X, size_t n, double *scratch,
                                  double *out, size_t *bad, pk_err *err) {
    const ens *E = m->impl;
    pk_tblock b;
    pk_tblock_carve(scratch, m->n_features, E->width, &b);
    pk_code rc = forest_mean_block(m, X, &n, &b, b.acc, bad, err);
    for (size_t r = 0; r < n; r++)
        out[r] = (double)pk_argmax(b.acc + r * E->width, E->ncls[0]);
    return rc;
}

static pk_code forest_multi_label(const pk_model *m, const double *x, double *scratch, double *out,
                                  pk_err *err) {
    const ens *E = m->impl;
    double *acc = scratch + m->n_features;
    pk_code rc = forest_mean(m, x, scratch, acc, err);
    if (rc != PK_OK) return rc;
    for (size_t o = 0; o < E->no; o++) {
        out[o] = E->labels[o][pk_argmax(acc, E->ncls[o])];
        acc += E->ncls[o];
    }
    return PK_OK;
}

pk_code pk_compile_forest(pk_mc *c) {
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    ens *E = pk_mc_alloc(c, 1, sizeof *E);
    if (!E) return c->err->code;
    pk_code rc = compile_members(c, "estimators_", clf ? PK_TP_PROBA : PK_TP_VALUE, E);
    if (rc != PK_OK) return rc;
    if ((rc = apply_features(c, E, 0)) != PK_OK) return rc;
    E->no = E->trees[0].n_outputs;
    E->ncls = E->trees[0].n_classes;
    E->width = E->trees[0].t.vw;
    for (size_t i = 1; i < E->nt; i++) {
        const pk_dtree *d = &E->trees[i];
        if (d->n_outputs != E->no || d->t.vw != E->width)
            return pk_mc_fail(c, "%s: estimators_[%zu] has a different shape from the first",
                              m->cls, i);
        for (size_t o = 0; clf && o < E->no; o++)
            if (d->n_classes[o] != E->ncls[o])
                return pk_mc_fail(c, "%s: estimators_[%zu] has a different class count", m->cls, i);
    }
    E->divisor = (double)E->nt;
    if ((rc = pk_tset_build(c, &E->set, &E->trees[0].t, sizeof(pk_dtree), E->nt)) != PK_OK)
        return rc;
    m->impl = E;
    m->nan_ok = all_nan_ok(c, E, "estimators_");
    m->scratch = m->n_features + E->width;
    if (clf) {
        m->kind = PK_MODEL_CLASSIFIER;
        if ((rc = read_labels(c, E)) != PK_OK) return rc;
        if (E->no == 1) {
            pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, forest_label);
            pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, E->width, forest_proba);
            size_t bs = pk_tblock_scratch(m->n_features, E->width);
            pk_mc_block(c, PK_PREDICT, forest_label_block, bs);
            pk_mc_block(c, PK_PREDICT_PROBA, forest_proba_block, bs);
            pk_mc_log_proba(c, 0);
        } else {
            if (E->labels)
                pk_mc_method(c, PK_PREDICT, PK_OUT_ARRAY, E->no, forest_multi_label);
            else
                m->why_not[PK_PREDICT] = "multi-output class labels that are not numbers";
            m->why_not[PK_PREDICT_PROBA] = "multi-output probabilities are a list of arrays";
        }
    } else {
        m->kind = PK_MODEL_REGRESSOR;
        pk_mc_method(c, PK_PREDICT, E->no == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, E->no, forest_proba);
        pk_mc_block(c, PK_PREDICT, forest_proba_block, pk_tblock_scratch(m->n_features, 0));
    }
    return PK_OK;
}

/* ---- IsolationForest ----------------------------------------------------------------------- */

static double avg_path_length(double n) {
    if (n <= 1) return 0.0;
    if (n == 2) return 1.0;
    return 2.0 * (log(n - 1.0) + EULER_GAMMA) - 2.0 * (n - 1.0) / n;
}

static pk_code iforest_leaf(pk_mc *c, void *ctx, const pk_tree_raw *raw, const double *value,
                            size_t node, size_t depth, double *payload) {
    (void)ctx;
    (void)value;
    int64_t ns;
    if (!pk_tree_nsamples(raw, node, &ns))
        return pk_mc_fail(c, "%s: the tree nodes have no n_node_samples", c->m->cls);
    payload[0] = ((double)(int64_t)(depth + 1) + avg_path_length((double)ns)) - 1.0;
    return PK_OK;
}

static double iforest_score(const pk_model *m, const float *xf, int nan) {
    const ens *E = m->impl;
    double depths = 0.0;
    const double *lv[PK_TGROUP];
    for (size_t g = 0; g < E->nt; g += PK_TGROUP) {
        size_t n = pk_tset_group(&E->set, g, xf, nan, lv);
        for (size_t j = 0; j < n; j++)
            depths += lv[j][0];
    }
    double q = E->denom != 0 ? depths / E->denom : 1.0;
    return pow(2.0, -q);
}

static pk_code iforest_score_samples(const pk_model *m, const double *x, double *scratch,
                                     double *out, pk_err *err) {
    float *xf;
    int nan;
    pk_code rc = pk_tree_cast_row(m, x, scratch, &xf, &nan, err);
    if (rc != PK_OK) return rc;
    out[0] = -iforest_score(m, xf, nan);
    return PK_OK;
}

static pk_code iforest_decision(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    const ens *E = m->impl;
    pk_code rc = iforest_score_samples(m, x, scratch, out, err);
    if (rc == PK_OK) out[0] = out[0] - E->offset;
    return rc;
}

static pk_code iforest_predict(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    pk_code rc = iforest_decision(m, x, scratch, out, err);
    if (rc == PK_OK) out[0] = out[0] < 0 ? -1.0 : 1.0;
    return rc;
}

pk_code pk_compile_iforest(pk_mc *c) {
    pk_model *m = c->m;
    ens *E = pk_mc_alloc(c, 1, sizeof *E);
    if (!E) return c->err->code;
    const pk_value *const *items;
    size_t n;
    pk_code rc = pk_tree_objects(c, pk_attr(c->obj, "estimators_"), "estimators_", &items, &n);
    if (rc != PK_OK) return rc;
    E->nt = n;
    E->trees = pk_mc_alloc(c, n, sizeof *E->trees);
    if (!E->trees) return c->err->code;
    for (size_t i = 0; i < n; i++) {
        char w[64];
        tree_what(w, sizeof w, "estimators_", i);
        const pk_value *tree = items[i] ? pk_attr(items[i], "tree_") : NULL;
        if (!tree) return pk_mc_fail(c, "%s: %s is not a fitted tree", m->cls, w);
        strcat(w, ".tree_");
        if ((rc = pk_tree_compile(c, tree, w, 1, iforest_leaf, NULL, &E->trees[i].t)) != PK_OK)
            return rc;
    }
    double maxf = 0, ms = 0;
    if ((rc = pk_mc_num(c, "_max_features", 0, &maxf)) != PK_OK) return rc;
    if ((rc = pk_mc_num(c, "max_samples_", NAN, &ms)) != PK_OK) return rc;
    if (isnan(ms)) return pk_mc_not_fitted(c, "max_samples_");
    if ((rc = pk_mc_num(c, "offset_", NAN, &E->offset)) != PK_OK) return rc;
    if (isnan(E->offset)) return pk_mc_not_fitted(c, "offset_");
    int subsample = m->n_features && maxf != (double)m->n_features;
    if ((rc = apply_features(c, E, subsample)) != PK_OK) return rc;
    E->denom = (double)E->nt * avg_path_length(ms);
    if ((rc = pk_tset_build(c, &E->set, &E->trees[0].t, sizeof(pk_dtree), E->nt)) != PK_OK)
        return rc;
    m->impl = E;
    m->kind = PK_MODEL_OUTLIER;
    m->scratch = m->n_features;
    m->nan_ok = 0;
    pk_mc_method(c, PK_PREDICT, PK_OUT_CLUSTER, 1, iforest_predict);
    pk_mc_method(c, PK_DECISION, PK_OUT_SCALAR, 1, iforest_decision);
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_SCALAR, 1, iforest_score_samples);
    pk_mc_method(c, PK_SCORE_SAMPLES, PK_OUT_SCALAR, 1, iforest_score_samples);
    return PK_OK;
}

/* ---- Bagging ------------------------------------------------------------------------------ */

/* One tree's value v into a running total a: a sum, or for predict_log_proba np.logaddexp of
 * log(v) (a tree's predict_log_proba is np.log of its probabilities). */
static inline double bag_add(int lg, double a, double v) {
    return lg ? pk_np_logaddexp(a, log(v)) : a + v;
}

/* The trees' values summed in joblib's chunks (each from 0, then added to the total), divided
 * by n_estimators; lg (predict_log_proba, scikit-learn's own): np.logaddexp from -inf instead
 * of sums, then log(n_estimators) subtracted. */
static pk_code bag_sum(const pk_model *m, const double *x, double *scratch, double *acc, int lg,
                       pk_err *err) {
    const ens *E = m->impl;
    float *xf;
    int nan;
    pk_code rc = pk_tree_cast_row(m, x, scratch, &xf, &nan, err);
    if (rc != PK_OK) return rc;
    double *chunk = scratch + m->n_features, zero = lg ? -INFINITY : 0.0;
    for (size_t k = 0; k < E->width; k++)
        acc[k] = zero;
    size_t i = 0;
    for (size_t ch = 0; ch < E->nchunks; ch++) {
        for (size_t k = 0; k < E->width; k++)
            chunk[k] = zero;
        for (; i < E->chunk_end[ch]; i++) {
            const pk_dtree *d = &E->trees[i];
            const double *v = pk_tree_leaf(&d->t, xf, nan);
            if (E->cmap)
                for (size_t j = 0; j < d->t.vw; j++)
                    chunk[E->cmap[i][j]] = bag_add(lg, chunk[E->cmap[i][j]], v[j]);
            else
                for (size_t k = 0; k < E->width; k++)
                    chunk[k] = bag_add(lg, chunk[k], v[k]);
        }
        for (size_t k = 0; k < E->width; k++)
            acc[k] = lg ? pk_np_logaddexp(acc[k], chunk[k]) : acc[k] + chunk[k];
    }
    double ln = lg ? log(E->divisor) : 0.0;
    for (size_t k = 0; k < E->width; k++)
        acc[k] = lg ? acc[k] - ln : acc[k] / E->divisor;
    return PK_OK;
}

static pk_code bag_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    return bag_sum(m, x, scratch, out, 0, err);
}

static pk_code bag_log_proba(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    return bag_sum(m, x, scratch, out, 1, err);
}

static pk_code bag_label(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    const ens *E = m->impl;
    double *acc = scratch + m->n_features + E->width;
    pk_code rc = bag_sum(m, x, scratch, acc, 0, err);
    if (rc == PK_OK) out[0] = (double)pk_argmax(acc, E->width);
    return rc;
}

/* 1 when every entry of estimators_ is a decision tree (the compiled-tree path); other bases
 * go to pk_bag_any.c. An attribute that is no list is left to the tree path's messages. */
static int members_are_trees(pk_mc *c) {
    const pk_value *v = pk_attr(c->obj, "estimators_");
    if (!v || (v->kind != PK_LIST && v->kind != PK_TUPLE)) return 1;
    for (size_t i = 0; i < v->u.seq.len; i++) {
        const pk_value *e = v->u.seq.items[i];
        const pk_cat_row *row =
            e && e->kind == PK_OBJECT && e->u.o.cls && e->u.o.cls->kind == PK_GLOBAL
                ? pk_catalogue_find(e->u.o.cls->u.g.module, e->u.o.cls->u.g.name)
                : NULL;
        if (!row || !row->family || strcmp(row->family, "dtree") != 0) return 0;
    }
    return 1;
}

pk_code pk_compile_bagging(pk_mc *c) {
    if (!members_are_trees(c)) return pk_compile_bagging_any(c);
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    ens *E = pk_mc_alloc(c, 1, sizeof *E);
    if (!E) return c->err->code;
    pk_code rc = compile_members(c, "estimators_", clf ? PK_TP_PROBA : PK_TP_VALUE, E);
    if (rc != PK_OK) return rc;
    if ((rc = apply_features(c, E, 1)) != PK_OK) return rc;
    double ne = 0;
    if ((rc = pk_mc_num(c, "n_estimators", (double)E->nt, &ne)) != PK_OK) return rc;
    E->divisor = ne;
    if ((rc = pk_mc_partition(c, E->nt, &E->nchunks, &E->chunk_end)) != PK_OK) return rc;
    m->impl = E;
    m->nan_ok = 0;
    E->no = 1;
    for (size_t i = 0; i < E->nt; i++)
        if (E->trees[i].n_outputs != 1)
            return pk_mc_fail(c, "%s: multi-output base estimators are not supported", m->cls);
    if (clf) {
        m->kind = PK_MODEL_CLASSIFIER;
        if ((rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"))) != PK_OK) return rc;
        E->width = m->n_classes;
        E->cmap = pk_mc_alloc(c, E->nt, sizeof *E->cmap);
        if (!E->cmap) return c->err->code;
        const pk_value *const *items;
        size_t n;
        if ((rc = pk_tree_objects(c, pk_attr(c->obj, "estimators_"), "estimators_", &items, &n)) !=
            PK_OK)
            return rc;
        for (size_t i = 0; i < E->nt; i++) {
            /* base estimators were fitted on the encoded labels 0..K-1 (a subset when a
             * bootstrap sample missed a class) */
            size_t k = E->trees[i].t.vw;
            E->cmap[i] = pk_mc_alloc(c, k, sizeof(size_t));
            if (!E->cmap[i]) return c->err->code;
            const pk_value *cv = pk_attr(items[i], "classes_");
            if (!cv || cv->kind != PK_NDARRAY || cv->u.arr->objects ||
                pk_ndarray_size(cv->u.arr) != k)
                return pk_mc_fail(c,
                                  "%s: estimators_[%zu].classes_ is not an array of %zu "
                                  "classes",
                                  m->cls, i, k);
            for (size_t j = 0; j < k; j++) {
                double d;
                if (pk_ndarray_get_f64(cv->u.arr, j, &d) != PK_OK || d != floor(d) || d < 0 ||
                    d >= (double)m->n_classes)
                    return pk_mc_fail(c,
                                      "%s: estimators_[%zu].classes_ is not a subset of "
                                      "0..%zu",
                                      m->cls, i, m->n_classes - 1);
                E->cmap[i][j] = (size_t)d;
            }
        }
        m->scratch = m->n_features + 2 * E->width;
        pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, bag_label);
        pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, E->width, bag_proba);
        pk_mc_method(c, PK_PREDICT_LOG_PROBA, PK_OUT_ARRAY, E->width, bag_log_proba);
    } else {
        m->kind = PK_MODEL_REGRESSOR;
        E->width = 1;
        m->scratch = m->n_features + 1;
        pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, bag_proba);
    }
    return PK_OK;
}

/* ---- AdaBoost ----------------------------------------------------------------------------- */

/* SAMME.R leaf payload from the normalized probabilities (in place). */
static void samme_r_payload(double *p, size_t k, double *tmp) {
    for (size_t j = 0; j < k; j++)
        tmp[j] = log(p[j] < DBL_EPSILON ? DBL_EPSILON : p[j]);
    double s = pk_np_sum(tmp, k);
    double inv = 1.0 / (double)k;
    for (size_t j = 0; j < k; j++)
        p[j] = (double)(k - 1) * (tmp[j] - inv * s);
}

/* decision_function into out (K columns for multiclass; out[0] for binary). pred scratch. */
static void ada_pred(const pk_model *m, const float *xf, int nan, double *pred) {
    const ens *E = m->impl;
    size_t K = m->n_classes;
    for (size_t k = 0; k < K; k++)
        pred[k] = 0.0;
    for (size_t i = 0; i < E->nt; i++) {
        const double *v = pk_tree_leaf(&E->trees[i].t, xf, nan);
        if (E->samme_r) {
            for (size_t k = 0; k < K; k++)
                pred[k] += v[k];
        } else {
            size_t cls = (size_t)v[0];
            for (size_t k = 0; k < K; k++)
                pred[k] += (k == cls ? 1.0 : 0.0) * E->w[i];
        }
    }
    for (size_t k = 0; k < K; k++)
        pred[k] /= E->wsum;
}

static pk_code ada_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    size_t K = m->n_classes;
    float *xf;
    int nan;
    pk_code rc = pk_tree_cast_row(m, x, scratch, &xf, &nan, err);
    if (rc != PK_OK) return rc;
    double *pred = scratch + m->n_features;
    ada_pred(m, xf, nan, pred);
    if (K == 2) {
        out[0] = -pred[0] + pred[1];
        return PK_OK;
    }
    for (size_t k = 0; k < K; k++)
        out[k] = pred[k];
    return PK_OK;
}

static pk_code ada_label(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    size_t K = m->n_classes;
    double *d = scratch + m->n_features + K;
    pk_code rc = ada_decision(m, x, scratch, d, err);
    if (rc != PK_OK) return rc;
    out[0] = K == 2 ? (d[0] > 0 ? 1.0 : 0.0) : (double)pk_argmax(d, K);
    return PK_OK;
}

static pk_code ada_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    size_t K = m->n_classes;
    if (K == 1) {
        out[0] = 1.0;
        return PK_OK;
    }
    double *d = scratch + m->n_features + K;
    pk_code rc = ada_decision(m, x, scratch, d, err);
    if (rc != PK_OK) return rc;
    if (K == 2) {
        out[0] = -d[0] / 2;
        out[1] = d[0] / 2;
    } else {
        for (size_t k = 0; k < K; k++)
            out[k] = d[k] / (double)(K - 1);
    }
    pk_softmax_row(out, K);
    return PK_OK;
}

typedef struct argmax_ctx {
    int samme_r;
    size_t k;
} argmax_ctx;

static pk_code ada_leaf(pk_mc *c, void *ctx, const pk_tree_raw *raw, const double *v, size_t node,
                        size_t depth, double *payload) {
    (void)node;
    (void)depth;
    const argmax_ctx *a = ctx;
    if (raw->n_outputs != 1 || raw->n_classes[0] != (int64_t)a->k)
        return pk_mc_fail(c, "%s: a base tree has %lld classes, the ensemble %zu", c->m->cls,
                          (long long)raw->n_classes[0], a->k);
    if (a->samme_r) {
        double tmp[256];
        double *t = a->k <= 256 ? tmp : pk_mc_alloc(c, a->k, sizeof(double));
        if (!t) return c->err->code;
        pk_tree_normalize(v, a->k, payload);
        samme_r_payload(payload, a->k, t);
    } else {
        payload[0] = (double)pk_argmax(v, a->k);
    }
    return PK_OK;
}

static pk_code ada_reg_predict(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err) {
    const ens *E = m->impl;
    float *xf;
    int nan;
    pk_code rc = pk_tree_cast_row(m, x, scratch, &xf, &nan, err);
    if (rc != PK_OK) return rc;
    double *pred = scratch + m->n_features;
    double *idx = pred + E->nt; /* indices as doubles, sorted by prediction (stable) */
    for (size_t i = 0; i < E->nt; i++) {
        double v = pk_tree_leaf(&E->trees[i].t, xf, nan)[0];
        size_t j = i;
        while (j > 0 && pred[(size_t)idx[j - 1]] > v) {
            idx[j] = idx[j - 1];
            j--;
        }
        pred[i] = v;
        idx[j] = (double)i;
    }
    /* cumulative weights in sorted order; the first >= half of the total */
    double *cdf = idx + E->nt;
    double s = 0.0;
    for (size_t j = 0; j < E->nt; j++) {
        s += E->w[(size_t)idx[j]];
        cdf[j] = s;
    }
    double half = 0.5 * cdf[E->nt - 1];
    size_t j = 0;
    while (j + 1 < E->nt && !(cdf[j] >= half))
        j++;
    out[0] = pred[(size_t)idx[j]];
    return PK_OK;
}

pk_code pk_compile_adaboost(pk_mc *c) {
    if (!members_are_trees(c)) return pk_compile_adaboost_any(c);
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    ens *E = pk_mc_alloc(c, 1, sizeof *E);
    if (!E) return c->err->code;
    pk_mc_arr w;
    pk_code rc = pk_mc_array(c, "estimator_weights_", 1, &w);
    if (rc != PK_OK) return rc;
    const pk_value *const *items;
    size_t n;
    if ((rc = pk_tree_objects(c, pk_attr(c->obj, "estimators_"), "estimators_", &items, &n)) !=
        PK_OK)
        return rc;
    if (w.n < n)
        return pk_mc_fail(c, "%s has %zu estimator_weights_ for %zu estimators", m->cls, w.n, n);
    E->nt = n;
    E->w = w.v;
    E->wsum = pk_np_sum(w.v, w.n);
    m->impl = E;
    m->nan_ok = 0;
    if (!clf) {
        if ((rc = compile_members(c, "estimators_", PK_TP_VALUE, E)) != PK_OK) return rc;
        if ((rc = apply_features(c, E, 0)) != PK_OK) return rc;
        m->kind = PK_MODEL_REGRESSOR;
        m->scratch = m->n_features + 3 * E->nt;
        pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, ada_reg_predict);
        return PK_OK;
    }
    m->kind = PK_MODEL_CLASSIFIER;
    if ((rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"))) != PK_OK) return rc;
    size_t K = m->n_classes;
    const char *alg = pk_mc_str(c, "algorithm");
    /* scikit-learn >= 1.6 removed SAMME.R: its algorithm parameter defaults to 'deprecated'
     * and the model is fitted and scored with SAMME */
    E->samme_r = !alg || strcmp(alg, "SAMME.R") == 0;
    if (alg && !E->samme_r && strcmp(alg, "SAMME") != 0 && strcmp(alg, "deprecated") != 0)
        return pk_mc_fail(c, "%s: unknown algorithm '%s'", m->cls, alg);
    E->trees = pk_mc_alloc(c, n, sizeof *E->trees);
    if (!E->trees) return c->err->code;
    argmax_ctx a = {E->samme_r, K};
    for (size_t i = 0; i < n; i++) {
        char wh[64];
        tree_what(wh, sizeof wh, "estimators_", i);
        const pk_value *tree = items[i] ? pk_attr(items[i], "tree_") : NULL;
        if (!tree) return pk_mc_fail(c, "%s: %s is not a fitted tree", m->cls, wh);
        strcat(wh, ".tree_");
        rc = pk_tree_compile(c, tree, wh, E->samme_r ? K : 1, ada_leaf, &a, &E->trees[i].t);
        if (rc != PK_OK) return rc;
    }
    if ((rc = apply_features(c, E, 0)) != PK_OK) return rc;
    m->scratch = m->n_features + 2 * K + 2;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, ada_label);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, K, ada_proba);
    pk_mc_log_proba(c, 0);
    pk_mc_method(c, PK_DECISION, K == 2 ? PK_OUT_SCALAR : PK_OUT_ARRAY, K == 2 ? 1 : K,
                 ada_decision);
    return PK_OK;
}
