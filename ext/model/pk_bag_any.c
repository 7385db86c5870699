/*
 * pk_bag_any.c - BaggingClassifier/Regressor and AdaBoostClassifier/Regressor whose base
 * estimators are not decision trees (tree bases take the compiled-tree path in pk_forest.c).
 * Each member is compiled as a sub-model; the arithmetic is scikit-learn 1.2.1's:
 *
 * Bagging: member i reads the columns estimators_features_[i]. Members are summed in the chunks
 *   joblib gives n_jobs workers (_partition_estimators), each chunk from 0, the chunks added from
 *   0, divided by n_estimators:
 *     predict_proba      members' predict_proba placed through their classes_ (the encoded
 *                        classes they saw), or a vote of 1 for the predicted class when a
 *                        member has no predict_proba; predict = classes_[argmax]
 *     decision_function  members' decision_function (when they all have it)
 *     regressor predict  members' predict
 *     predict_log_proba  when the members have predict_log_proba: per chunk a running
 *                        np.logaddexp (from -inf) of their log-probabilities placed through their
 *                        classes_, the chunks combined by np.logaddexp in order, less
 *                        log(n_estimators); else np.log(predict_proba)
 *   NaN reaches the members (scikit-learn validates with force_all_finite=False).
 * AdaBoost: decision_function sums, member by member from 0, SAMME.R's
 *   (K-1) (log p - np.sum(log p) / K) (p = predict_proba clipped below at DBL_EPSILON) or SAMME's
 *   w [prediction == class], then divides by np.sum(estimator_weights_); two classes give
 *   -d0 + d1. predict: classes_[d > 0] (two classes) or the first maximum; predict_proba:
 *   softmax of d / (K - 1) (two classes: [-d, d] / 2). Regressor: the weighted median (members
 *   sorted by prediction, the first whose cumulative weight reaches half the total).
 */
#include "pk_meta.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct bag_member {
    const pk_model *s;
    size_t *feat;         /* bagging: the columns it reads (NULL: all)            */
    size_t nfeat;         /* their count                                          */
    const double *labels; /* its classes as numbers (encoded classes, or via map) */
    size_t *map;          /* AdaBoost SAMME: its class -> the ensemble's class    */
    int vote;             /* bagging: no predict_proba, votes with predict         */
} bag_member;

typedef struct bag {
    size_t n, k;
    bag_member *mem;
    size_t *chunk_end, nchunks;
    double divisor;  /* bagging: n_estimators; AdaBoost: np.sum(estimator_weights_) */
    const double *w; /* AdaBoost weights                                           */
    int samme_r;
    size_t o_x, o_acc, o_sub; /* scratch: buf[out] | x[nf] | acc[3k or 3n] | member scratch */
} bag;

/* Member i on row x (gathering its columns), output into buf. */
static pk_code bag_call(const pk_model *m, size_t i, pk_method meth, const double *x,
                        double *scratch, pk_err *err) {
    const bag *B = m->impl;
    const bag_member *e = &B->mem[i];
    const double *row = x;
    if (e->feat) {
        double *g = scratch + B->o_x;
        for (size_t j = 0; j < e->nfeat; j++)
            g[j] = x[e->feat[j]];
        row = g;
    }
    return e->s->fn[meth](e->s, row, scratch + B->o_sub, scratch, err);
}

/* ---- Bagging ------------------------------------------------------------------------------ */

/* A member's value v into a running total a: a sum, or np.logaddexp for predict_log_proba. */
static inline double bag_add(int lg, double a, double v) {
    return lg ? pk_np_logaddexp(a, v) : a + v;
}

/* Sums the members' contributions (width values) in chunks; divides by n_estimators. For
 * predict_log_proba (the members' own): np.logaddexp from -inf instead of sums, then
 * log(n_estimators) subtracted. */
static pk_code bag_sum(const pk_model *m, pk_method meth, size_t width, const double *x,
                       double *scratch, double *out, pk_err *err) {
    const bag *B = m->impl;
    double *chunk = scratch + B->o_acc;
    int lg = meth == PK_PREDICT_LOG_PROBA, by_class = lg || meth == PK_PREDICT_PROBA;
    double zero = lg ? -INFINITY : 0.0;
    for (size_t j = 0; j < width; j++)
        out[j] = zero;
    size_t i = 0;
    for (size_t ch = 0; ch < B->nchunks; ch++) {
        for (size_t j = 0; j < width; j++)
            chunk[j] = zero;
        for (; i < B->chunk_end[ch]; i++) {
            const bag_member *e = &B->mem[i];
            pk_method mm = meth == PK_PREDICT_PROBA && e->vote ? PK_PREDICT : meth;
            pk_code rc = bag_call(m, i, mm, x, scratch, err);
            if (rc) return rc;
            if (!by_class) {
                for (size_t j = 0; j < width; j++)
                    chunk[j] += scratch[j];
            } else if (mm == PK_PREDICT) {
                chunk[(size_t)e->labels[(size_t)scratch[0]]] += 1;
            } else {
                for (size_t j = 0; j < e->s->n_classes; j++) {
                    size_t col = (size_t)e->labels[j];
                    chunk[col] = bag_add(lg, chunk[col], scratch[j]);
                }
            }
        }
        for (size_t j = 0; j < width; j++)
            out[j] = bag_add(lg, out[j], chunk[j]);
    }
    double ln = lg ? log(B->divisor) : 0.0;
    for (size_t j = 0; j < width; j++)
        out[j] = lg ? out[j] - ln : out[j] / B->divisor;
    return PK_OK;
}

static pk_code bagc_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return bag_sum(m, PK_PREDICT_PROBA, ((const bag *)m->impl)->k, x, s, o, e);
}
static pk_code bagc_label(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    const bag *B = m->impl;
    double *acc = s + B->o_acc + B->k;
    pk_code rc = bag_sum(m, PK_PREDICT_PROBA, B->k, x, s, acc, e);
    if (rc == PK_OK) o[0] = (double)pk_argmax(acc, B->k);
    return rc;
}
static pk_code bagc_log_proba(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return bag_sum(m, PK_PREDICT_LOG_PROBA, ((const bag *)m->impl)->k, x, s, o, e);
}
static pk_code bagc_decision(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return bag_sum(m, PK_DECISION, m->width[PK_DECISION], x, s, o, e);
}
static pk_code bagr_predict(const pk_model *m, const double *x, double *s, double *o, pk_err *e) {
    return bag_sum(m, PK_PREDICT, 1, x, s, o, e);
}

/* estimators_features_[i] into e->feat (NULL and the full width when absent). */
static pk_code bag_features(pk_mc *c, const pk_value *fv, size_t i, bag_member *e) {
    if (!fv) return PK_OK;
    pk_mc_arr f;
    char w[64];
    snprintf(w, sizeof w, "estimators_features_[%zu]", i);
    pk_code rc = pk_mc_array_of(c, fv, w, &f);
    if (rc) return rc;
    if (f.ndim != 1) return pk_mc_fail(c, "%s.%s is not an index array", c->m->cls, w);
    e->feat = pk_mc_alloc(c, f.n ? f.n : 1, sizeof(size_t));
    if (!e->feat) return c->err->code;
    for (size_t j = 0; j < f.n; j++) {
        double d = f.v[j];
        if (!(d >= 0 && d < (double)c->m->n_features && d == (double)(size_t)d))
            return pk_mc_fail(c, "%s.%s has a column outside 0..%zu", c->m->cls, w,
                              c->m->n_features - 1);
        e->feat[j] = (size_t)d;
    }
    e->nfeat = f.n;
    return PK_OK;
}

/* Compiles the members (with their column subsets); sizes the scratch. */
static pk_code bag_members(pk_mc *c, bag *B, int bagging, size_t acc) {
    pk_model *m = c->m;
    const pk_value *const *items, *const *feats = NULL;
    size_t n, nf = 0;
    pk_code rc = pk_meta_items(c, pk_attr(c->obj, "estimators_"), "estimators_", &items, &n);
    if (rc) return rc;
    const pk_value *fv = bagging ? pk_attr(c->obj, "estimators_features_") : NULL;
    if (fv && fv->kind != PK_NONE) {
        if ((rc = pk_meta_items(c, fv, "estimators_features_", &feats, &nf)) != PK_OK) return rc;
        if (nf < n)
            return pk_mc_fail(c, "%s.estimators_features_ has %zu entries for %zu estimators",
                              m->cls, nf, n);
        if (!m->n_features) return pk_mc_not_fitted(c, "n_features_in_");
    }
    B->n = n;
    B->mem = pk_mc_alloc(c, n, sizeof *B->mem);
    if (!B->mem) return c->err->code;
    size_t sc = 1, ol = 1;
    for (size_t i = 0; i < n; i++) {
        bag_member *e = &B->mem[i];
        if ((rc = bag_features(c, feats ? feats[i] : NULL, i, e)) != PK_OK) return rc;
        pk_meta_set one = {0};
        char what[64];
        snprintf(what, sizeof what, "estimators_[%zu]", i);
        if ((rc = pk_meta_compile_set(c, &items[i], 1, what, e->feat ? e->nfeat : 0, &one)) !=
            PK_OK)
            return rc;
        e->s = one.m[0];
        /* members read their estimators_features_ columns of the row: numbers only */
        if ((rc = pk_meta_numeric(c, e->s, what)) != PK_OK) return rc;
        if (one.scratch > sc) sc = one.scratch;
        if (one.out > ol) ol = one.out;
    }
    B->o_x = ol;
    B->o_acc = B->o_x + m->n_features;
    B->o_sub = B->o_acc + acc;
    m->scratch = B->o_sub + sc;
    return PK_OK;
}

/* Regressors: every member predicts one value. */
static pk_code bag_one_value(pk_mc *c, const bag *B) {
    for (size_t i = 0; i < B->n; i++)
        if (B->mem[i].s->shape[PK_PREDICT] != PK_OUT_SCALAR)
            return pk_mc_fail(c, "%s.estimators_[%zu] does not predict one value", c->m->cls, i);
    return PK_OK;
}

pk_code pk_compile_bagging_any(pk_mc *c) {
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    bag *B = pk_mc_alloc(c, 1, sizeof *B);
    if (!B) return c->err->code;
    m->impl = B;
    m->nan_ok = 1;
    pk_code rc;
    if (clf && (rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"))) != PK_OK) return rc;
    B->k = clf ? m->n_classes : 1;
    if ((rc = bag_members(c, B, 1, 3 * (B->k > 2 ? B->k : 2))) != PK_OK) return rc;
    if ((rc = pk_mc_num(c, "n_estimators", (double)B->n, &B->divisor)) != PK_OK) return rc;
    if ((rc = pk_mc_partition(c, B->n, &B->nchunks, &B->chunk_end)) != PK_OK) return rc;
    if (!clf) {
        if ((rc = bag_one_value(c, B)) != PK_OK) return rc;
        m->kind = PK_MODEL_REGRESSOR;
        pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, bagr_predict);
        return PK_OK;
    }
    m->kind = PK_MODEL_CLASSIFIER;
    int all_dec = 1;
    size_t dw = 0, n_log = 0;
    for (size_t i = 0; i < B->n; i++) {
        bag_member *e = &B->mem[i];
        char what[64];
        snprintf(what, sizeof what, "estimators_[%zu]", i);
        if ((rc = pk_meta_label_values(c, e->s, what, &e->labels)) != PK_OK) return rc;
        for (size_t j = 0; j < e->s->n_classes; j++) {
            double v = e->labels[j];
            if (!(v >= 0 && v < (double)B->k && v == (double)(size_t)v))
                return pk_mc_fail(c, "%s.%s has a class outside the encoded labels 0..%zu", m->cls,
                                  what, B->k - 1);
        }
        e->vote = !pk_meta_has(e->s, PK_PREDICT_PROBA);
        if (!e->vote && e->s->width[PK_PREDICT_PROBA] != e->s->n_classes)
            return pk_mc_fail(c, "%s.%s gives %zu probabilities for %zu classes", m->cls, what,
                              e->s->width[PK_PREDICT_PROBA], e->s->n_classes);
        size_t w = pk_meta_has(e->s, PK_DECISION) ? e->s->width[PK_DECISION] : 0;
        if (!w || (dw && w != dw)) all_dec = 0;
        dw = w;
        if (pk_meta_has(e->s, PK_PREDICT_LOG_PROBA) &&
            e->s->width[PK_PREDICT_LOG_PROBA] == e->s->n_classes)
            n_log++;
    }
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, bagc_label);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, B->k, bagc_proba);
    /* scikit-learn asks hasattr(estimator_, 'predict_log_proba'): the members share that base */
    if (n_log == B->n)
        pk_mc_method(c, PK_PREDICT_LOG_PROBA, PK_OUT_ARRAY, B->k, bagc_log_proba);
    else if (n_log == 0)
        pk_mc_log_proba(c, 0);
    else
        m->why_not[PK_PREDICT_LOG_PROBA] = "some of its estimators_ have predict_log_proba and "
                                           "others not";
    if (all_dec && dw <= B->k)
        pk_mc_method(c, PK_DECISION, dw == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, dw, bagc_decision);
    return PK_OK;
}

/* ---- AdaBoost ----------------------------------------------------------------------------- */

static pk_code ada_decision_k(const pk_model *m, const double *x, double *scratch, double *pred,
                              pk_err *err) {
    const bag *B = m->impl;
    size_t K = B->k;
    double *lp = scratch + B->o_acc + 2 * K;
    for (size_t j = 0; j < K; j++)
        pred[j] = 0.0;
    for (size_t i = 0; i < B->n; i++) {
        const bag_member *e = &B->mem[i];
        pk_code rc = bag_call(m, i, B->samme_r ? PK_PREDICT_PROBA : PK_PREDICT, x, scratch, err);
        if (rc) return rc;
        if (B->samme_r) {
            for (size_t j = 0; j < K; j++)
                lp[j] = log(scratch[j] < DBL_EPSILON ? DBL_EPSILON : scratch[j]);
            double s = pk_np_sum(lp, K);
            for (size_t j = 0; j < K; j++)
                pred[j] += (double)(K - 1) * (lp[j] - (1.0 / (double)K) * s);
        } else {
            size_t cls = e->map[(size_t)scratch[0]];
            for (size_t j = 0; j < K; j++)
                pred[j] += (j == cls ? 1.0 : 0.0) * B->w[i];
        }
    }
    for (size_t j = 0; j < K; j++)
        pred[j] /= B->divisor;
    return PK_OK;
}

static pk_code ada_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    const bag *B = m->impl;
    double *pred = scratch + B->o_acc;
    pk_code rc = ada_decision_k(m, x, scratch, pred, err);
    if (rc) return rc;
    if (B->k == 2)
        out[0] = -pred[0] + pred[1];
    else
        memcpy(out, pred, B->k * sizeof(double));
    return PK_OK;
}

static pk_code ada_label(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    const bag *B = m->impl;
    double *d = scratch + B->o_acc + B->k;
    pk_code rc = ada_decision(m, x, scratch, d, err);
    if (rc == PK_OK) out[0] = B->k == 2 ? (d[0] > 0 ? 1.0 : 0.0) : (double)pk_argmax(d, B->k);
    return rc;
}

static pk_code ada_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    const bag *B = m->impl;
    size_t K = B->k;
    if (K == 1) { /* scikit-learn: ones */
        out[0] = 1.0;
        return PK_OK;
    }
    pk_code rc = ada_decision(m, x, scratch, out, err);
    if (rc) return rc;
    if (K == 2) {
        double d = out[0];
        out[0] = -d / 2;
        out[1] = d / 2;
    } else {
        for (size_t j = 0; j < K; j++)
            out[j] /= (double)(K - 1);
    }
    pk_softmax_row(out, K);
    return PK_OK;
}

static pk_code ada_median(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    const bag *B = m->impl;
    size_t n = B->n;
    double *pred = scratch + B->o_acc, *idx = pred + n, *cdf = idx + n;
    for (size_t i = 0; i < n; i++) {
        pk_code rc = bag_call(m, i, PK_PREDICT, x, scratch, err);
        if (rc) return rc;
        double v = scratch[0];
        size_t j = i; /* insertion by value; the median value does not depend on tie order */
        while (j > 0 && pred[(size_t)idx[j - 1]] > v) {
            idx[j] = idx[j - 1];
            j--;
        }
        pred[i] = v;
        idx[j] = (double)i;
    }
    double s = 0.0; /* stable_cumsum: a running sum in double */
    for (size_t j = 0; j < n; j++)
        cdf[j] = s += B->w[(size_t)idx[j]];
    double half = 0.5 * cdf[n - 1];
    size_t j = 0;
    while (j + 1 < n && !(cdf[j] >= half))
        j++;
    out[0] = pred[(size_t)idx[j]];
    return PK_OK;
}

pk_code pk_compile_adaboost_any(pk_mc *c) {
    pk_model *m = c->m;
    int clf = c->kind == PK_CAT_CLASSIFIER;
    bag *B = pk_mc_alloc(c, 1, sizeof *B);
    if (!B) return c->err->code;
    m->impl = B;
    m->nan_ok = 1;
    pk_mc_arr w;
    pk_code rc = pk_mc_array(c, "estimator_weights_", 1, &w);
    if (rc) return rc;
    if (clf && (rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"))) != PK_OK) return rc;
    B->k = clf ? m->n_classes : 1;
    const pk_value *const *items;
    size_t n;
    if ((rc = pk_meta_items(c, pk_attr(c->obj, "estimators_"), "estimators_", &items, &n)) != PK_OK)
        return rc;
    if ((rc = bag_members(c, B, 0, clf ? 3 * (B->k > 2 ? B->k : 2) : 3 * n)) != PK_OK) return rc;
    m->nan_ok = 0; /* AdaBoost validates its input with force_all_finite=True */
    if (w.ndim != 1 || w.n < B->n)
        return pk_mc_fail(c, "%s has %zu estimator_weights_ for %zu estimators", m->cls, w.n, B->n);
    B->w = w.v;
    B->divisor = pk_np_sum(w.v, w.n);
    if (!clf) {
        if ((rc = bag_one_value(c, B)) != PK_OK) return rc;
        m->kind = PK_MODEL_REGRESSOR;
        pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, ada_median);
        return PK_OK;
    }
    const char *alg = pk_mc_str(c, "algorithm");
    B->samme_r = !alg || strcmp(alg, "SAMME.R") == 0;
    if (alg && !B->samme_r && strcmp(alg, "SAMME") != 0 && strcmp(alg, "deprecated") != 0)
        return pk_mc_fail(c, "%s: unknown algorithm '%.20s'", m->cls, alg);
    for (size_t i = 0; i < B->n; i++) {
        bag_member *e = &B->mem[i];
        char what[64];
        snprintf(what, sizeof what, "estimators_[%zu]", i);
        if (B->samme_r) {
            if (!pk_meta_has(e->s, PK_PREDICT_PROBA) || e->s->width[PK_PREDICT_PROBA] != B->k)
                return pk_mc_fail(c,
                                  "%s(algorithm='SAMME.R').%s (%s) has no predict_proba over "
                                  "the %zu classes",
                                  m->cls, what, e->s->cls, B->k);
        } else if ((rc = pk_meta_class_map(c, e->s, what, &e->map)) != PK_OK) {
            return rc;
        }
    }
    m->kind = PK_MODEL_CLASSIFIER;
    size_t K = B->k;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, ada_label);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, K, ada_proba);
    pk_mc_log_proba(c, 0);
    pk_mc_method(c, PK_DECISION, K == 2 ? PK_OUT_SCALAR : PK_OUT_ARRAY, K == 2 ? 1 : K,
                 ada_decision);
    return PK_OK;
}
