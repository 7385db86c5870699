/*
 * pk_calibration.c - CalibratedClassifierCV over any scorable classifier (method sigmoid or
 * isotonic, ensemble True or False, cv='prefit').
 *
 * Each entry of calibrated_classifiers_ (a _CalibratedClassifier) holds a fitted estimator and
 * one calibrator per column of its predictions. As scikit-learn 1.2.1's
 * _CalibratedClassifier.predict_proba:
 *   predictions  the estimator's decision_function when it has one, else its predict_proba
 *                (only column 1 with two classes)
 *   column j     goes through calibrators[j] into the class the estimator's classes_[j] is in
 *                classes_ (with two classes: class 1); _SigmoidCalibration gives
 *                expit(-(a_ * t + b_)), IsotonicRegression its interpolation (pk_isotonic.c)
 *   two classes  p0 = 1 - p1
 *   more         divided by their np.sum, or 1 / n_classes each when that sum is 0
 *   then         values in (1, 1 + 1e-5] become 1.0
 * CalibratedClassifierCV.predict_proba adds the entries' probabilities from 0 and divides by
 * their count; predict is classes_[argmax].
 */
#include "pk_meta.h"

#include <stdio.h>
#include <string.h>

typedef struct cal_col {
    size_t cls; /* the class (column of the probabilities) it fills */
    int iso;
    double a, b; /* sigmoid */
    pk_iso f;    /* isotonic */
} cal_col;

typedef struct cal_member {
    const pk_model *s;
    pk_method meth;
    size_t skip; /* leading prediction columns not used (binary predict_proba) */
    size_t ncol;
    cal_col *col;
} cal_member;

typedef struct calib {
    size_t n, k;
    cal_member *mem;
    size_t o_p, o_sub; /* scratch: buf[out] | p[k] | member scratch */
} calib;

static pk_code cal_member_proba(const pk_model *m, const cal_member *e, const double *x,
                                double *scratch, double *p, pk_err *err) {
    const calib *C = m->impl;
    double *buf = scratch;
    pk_code rc = pk_meta_run(m, e->s, e->meth, x, scratch + C->o_sub, buf, err);
    if (rc) return rc;
    size_t k = C->k;
    for (size_t j = 0; j < k; j++)
        p[j] = 0.0;
    for (size_t j = 0; j < e->ncol; j++) {
        const cal_col *cc = &e->col[j];
        double t = buf[e->skip + j];
        if (cc->iso) {
            if ((rc = pk_iso_eval(&cc->f, m->cls, t, &p[cc->cls], err)) != PK_OK) return rc;
        } else {
            p[cc->cls] = pk_expit(-(cc->a * t + cc->b));
        }
    }
    if (k == 2) {
        p[0] = 1.0 - p[1];
    } else {
        double d = pk_np_sum(p, k);
        for (size_t j = 0; j < k; j++)
            p[j] = d != 0.0 ? p[j] / d : 1.0 / (double)k;
    }
    for (size_t j = 0; j < k; j++)
        if (1.0 < p[j] && p[j] <= 1.0 + 1e-5) p[j] = 1.0;
    return PK_OK;
}

static pk_code cal_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    const calib *C = m->impl;
    double *p = scratch + C->o_p;
    for (size_t j = 0; j < C->k; j++)
        out[j] = 0.0;
    for (size_t i = 0; i < C->n; i++) {
        pk_code rc = cal_member_proba(m, &C->mem[i], x, scratch, p, err);
        if (rc) return rc;
        for (size_t j = 0; j < C->k; j++)
            out[j] += p[j];
    }
    for (size_t j = 0; j < C->k; j++)
        out[j] /= (double)C->n;
    return PK_OK;
}

static pk_code cal_label(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    const calib *C = m->impl;
    double *acc = scratch + C->o_sub - C->k; /* the last k doubles before member scratch */
    pk_code rc = cal_proba(m, x, scratch, acc, err);
    if (rc == PK_OK) out[0] = (double)pk_argmax(acc, C->k);
    return rc;
}

static int named(const pk_value *obj, const char *name) {
    return obj && obj->kind == PK_OBJECT && obj->u.o.cls && obj->u.o.cls->kind == PK_GLOBAL &&
           strcmp(obj->u.o.cls->u.g.name, name) == 0;
}

static pk_code cal_calibrator(pk_mc *c, const pk_value *obj, const char *what, cal_col *cc) {
    if (named(obj, "_SigmoidCalibration")) {
        const pk_value *a = pk_attr(obj, "a_"), *b = pk_attr(obj, "b_");
        if (!a || !b || pk_as_f64(a, &cc->a) != PK_OK || pk_as_f64(b, &cc->b) != PK_OK)
            return pk_mc_fail(c, "%s.%s has no numeric a_ and b_", c->m->cls, what);
        return PK_OK;
    }
    if (named(obj, "IsotonicRegression")) {
        cc->iso = 1;
        char w[160];
        snprintf(w, sizeof w, "%.150s.", what);
        return pk_iso_read(c, obj, w, &cc->f);
    }
    return pk_mc_fail(c, "%s.%s is neither a _SigmoidCalibration nor an IsotonicRegression",
                      c->m->cls, what);
}

static pk_code cal_member_compile(pk_mc *c, const pk_value *obj, size_t i, cal_member *e,
                                  size_t *scratch, size_t *out) {
    pk_model *m = c->m;
    char what[96];
    const pk_value *ev = pk_attr(obj, "estimator");
    if (!ev || ev->kind == PK_NONE) ev = pk_attr(obj, "base_estimator"); /* scikit-learn < 1.2 */
    snprintf(what, sizeof what, "calibrated_classifiers_[%zu].estimator", i);
    pk_model *s = pk_meta_sub(c, ev, what);
    if (!s) return c->err->code;
    if (!m->n_features) m->n_features = s->n_features;
    if (s->n_features != m->n_features && !s->any_width)
        return pk_mc_fail(c, "%s.%s takes %zu features, not %zu", m->cls, what, s->n_features,
                          m->n_features);
    if (!s->nan_ok) m->nan_ok = 0;
    e->s = s;
    size_t ncols;
    if (pk_meta_has(s, PK_DECISION)) {
        e->meth = PK_DECISION;
        ncols = s->width[PK_DECISION];
    } else if (pk_meta_has(s, PK_PREDICT_PROBA)) {
        e->meth = PK_PREDICT_PROBA;
        ncols = s->width[PK_PREDICT_PROBA];
        if (m->n_classes == 2 && ncols >= 2) e->skip = 1, ncols -= 1;
    } else {
        return pk_mc_fail(c, "%s.%s (%s) has neither decision_function nor predict_proba", m->cls,
                          what, s->cls);
    }
    size_t *map;
    pk_code rc = pk_meta_class_map(c, s, what, &map);
    if (rc) return rc;
    const pk_value *const *cals;
    size_t ncal;
    char cw[96];
    snprintf(cw, sizeof cw, "calibrated_classifiers_[%zu].calibrators", i);
    if ((rc = pk_meta_items(c, pk_attr(obj, "calibrators"), cw, &cals, &ncal)) != PK_OK) return rc;
    /* zip(pos_class_indices, predictions.T, calibrators): the shortest decides */
    size_t n = s->n_classes;
    if (ncols < n) n = ncols;
    if (ncal < n) n = ncal;
    e->ncol = n;
    e->col = pk_mc_alloc(c, n ? n : 1, sizeof *e->col);
    if (!e->col) return c->err->code;
    for (size_t j = 0; j < n; j++) {
        char w[128];
        snprintf(w, sizeof w, "%s[%zu]", cw, j);
        if ((rc = cal_calibrator(c, cals[j], w, &e->col[j])) != PK_OK) return rc;
        e->col[j].cls = map[j] + (m->n_classes == 2 ? 1 : 0);
        if (e->col[j].cls >= m->n_classes)
            return pk_mc_fail(c, "%s.%s: class index out of range", m->cls, w);
    }
    if (pk_model_scratch_len(s) > *scratch) *scratch = pk_model_scratch_len(s);
    if (pk_model_out_len(s) > *out) *out = pk_model_out_len(s);
    return PK_OK;
}

pk_code pk_compile_calibrated(pk_mc *c) {
    pk_model *m = c->m;
    calib *C = pk_mc_alloc(c, 1, sizeof *C);
    if (!C) return c->err->code;
    pk_code rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"));
    if (rc) return rc;
    if (m->n_classes < 2) return pk_mc_fail(c, "%s has fewer than two classes", m->cls);
    const pk_value *const *items;
    size_t n;
    rc = pk_meta_items(c, pk_attr(c->obj, "calibrated_classifiers_"), "calibrated_classifiers_",
                       &items, &n);
    if (rc) return rc;
    C->n = n;
    C->k = m->n_classes;
    C->mem = pk_mc_alloc(c, n, sizeof *C->mem);
    if (!C->mem) return c->err->code;
    m->nan_ok = 1;
    size_t sc = 1, ol = 1;
    for (size_t i = 0; i < n; i++) {
        if ((rc = cal_member_compile(c, items[i], i, &C->mem[i], &sc, &ol)) != PK_OK) return rc;
    }
    /* scratch: buf[ol] | p[k] | acc[k] | member scratch */
    C->o_p = ol;
    C->o_sub = ol + 2 * C->k;
    m->scratch = C->o_sub + sc;
    m->kind = PK_MODEL_CLASSIFIER;
    m->impl = C;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, cal_label);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, C->k, cal_proba);
    const pk_model **mem = pk_mc_alloc(c, n, sizeof *mem);
    if (!mem) return c->err->code;
    for (size_t i = 0; i < n; i++)
        mem[i] = C->mem[i].s;
    return pk_meta_typed(c, mem, n);
}
