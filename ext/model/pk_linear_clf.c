/*
 * pk_linear_clf.c - linear classifiers (LinearClassifierMixin): decision_function =
 * X @ coef_.T + intercept_ (one column -> REAL, else a JSON array), predict = classes_[score > 0]
 * for one column or classes_[argmax] (first maximum, as numpy), and predict_proba:
 *   LogisticRegression(CV): one-vs-rest (multi_class 'ovr', or 'auto' with <= 2 classes or the
 *     liblinear / newton-cholesky solver): expit, then [1-p, p] for binary, else divided by the
 *     row sum; otherwise multinomial: softmax (max subtracted, exp, divided by the row sum) of
 *     the scores, [-d, d] for binary.
 *   SGDClassifier: loss 'log_loss'/'log' as one-vs-rest above; 'modified_huber':
 *     (clip(d, -1, 1) + 1) / 2, binary [1-p, p], else divided by the row sum (uniform when 0).
 *   Others (Ridge, Perceptron, PassiveAggressive, LinearSVC, SGD with other losses): none.
 * Classes: classes_ (any label type), or RidgeClassifier's _label_binarizer.classes_. Multilabel
 * ridge classifiers are refused.
 * Arithmetic: dot left to right (pk_dot), row sums in numpy's pairwise order (pk_np_sum), exp from
 * libm (numpy's own exp may differ by 1 ulp: probabilities agree within 1e-15 relative).
 */
#include "pk_model_impl.h"

#include <math.h>
#include <string.h>

enum { PROBA_NONE, PROBA_OVR, PROBA_SOFTMAX, PROBA_MHUBER };

typedef struct pk_linclf {
    size_t nf, nt;        /* features, score columns (1 for binary)           */
    const double *coef;   /* nt x nf                                           */
    const double *coef_t; /* nf x nt (pk_mc_transpose), for sparse rows        */
    const double *icpt;   /* nt                                                */
    size_t ncls;
    int proba;
} pk_linclf;

/* s[t] = x . coef_t + intercept_t, each dot summed left to right from 0.0 (pk_dot's order). */
static void scores(const pk_linclf *L, const double *x, double *s) {
    for (size_t t = 0; t < L->nt; t++)
        s[t] = pk_dot(x, L->coef + t * L->nf, L->nf) + L->icpt[t];
}

/* The same on a sparse row: scipy's csr_matvec(s), from 0.0 over the row's entries in its data
 * order, then + intercept_ (safe_sparse_dot(X, coef_.T) + intercept_). */
static void sscores(const pk_linclf *L, const pk_sparse *x, double *s) {
    pk_sparse_dots(x, L->coef_t, L->nt, s);
    for (size_t t = 0; t < L->nt; t++)
        s[t] += L->icpt[t];
}

static pk_code clf_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)scratch;
    (void)err;
    scores(m->impl, x, out);
    return PK_OK;
}

static pk_code predict_from(const pk_linclf *L, double *scratch, double *out);
static pk_code proba_from(const pk_linclf *L, double *scratch, double *out);

static pk_code clf_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    scores(m->impl, x, scratch);
    return predict_from(m->impl, scratch, out);
}

static pk_code clf_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    scores(m->impl, x, scratch);
    return proba_from(m->impl, scratch, out);
}

static pk_code sclf_decision(const pk_model *m, const pk_sparse *x, double *scratch, double *out,
                             pk_err *err) {
    (void)scratch;
    (void)err;
    sscores(m->impl, x, out);
    return PK_OK;
}

static pk_code sclf_predict(const pk_model *m, const pk_sparse *x, double *scratch, double *out,
                            pk_err *err) {
    (void)err;
    sscores(m->impl, x, scratch);
    return predict_from(m->impl, scratch, out);
}

static pk_code sclf_proba(const pk_model *m, const pk_sparse *x, double *scratch, double *out,
                          pk_err *err) {
    (void)err;
    sscores(m->impl, x, scratch);
    return proba_from(m->impl, scratch, out);
}

/* classes_[score > 0] or the first maximum, from the scores in scratch. */
static pk_code predict_from(const pk_linclf *L, double *scratch, double *out) {
    size_t best = 0;
    if (L->nt == 1) {
        best = scratch[0] > 0 ? 1 : 0;
    } else {
        for (size_t t = 1; t < L->nt; t++)
            if (scratch[t] > scratch[best] || (isnan(scratch[t]) && !isnan(scratch[best])))
                best = t;
    }
    out[0] = (double)best;
    return PK_OK;
}

/* Probabilities from the scores in scratch. */
static pk_code proba_from(const pk_linclf *L, double *scratch, double *out) {
    size_t k = L->ncls;
    if (L->proba == PROBA_SOFTMAX) {
        if (L->nt == 1) {
            out[0] = -scratch[0];
            out[1] = scratch[0];
        } else {
            memcpy(out, scratch, k * sizeof(double));
        }
        double mx = out[0];
        for (size_t t = 1; t < k; t++)
            if (out[t] > mx) mx = out[t];
        for (size_t t = 0; t < k; t++)
            out[t] = exp(out[t] - mx);
        double sum = pk_np_sum(out, k);
        for (size_t t = 0; t < k; t++)
            out[t] /= sum;
        return PK_OK;
    }
    if (L->proba == PROBA_OVR) {
        if (L->nt == 1) {
            double p = pk_expit(scratch[0]);
            out[0] = 1 - p;
            out[1] = p;
            return PK_OK;
        }
        for (size_t t = 0; t < k; t++)
            out[t] = pk_expit(scratch[t]);
        double sum = pk_np_sum(out, k);
        for (size_t t = 0; t < k; t++)
            out[t] /= sum;
        return PK_OK;
    }
    /* modified huber */
    if (L->nt == 1) {
        double s = scratch[0];
        double p = s < -1 ? -1 : s > 1 ? 1 : s;
        p += 1.0;
        p /= 2.0;
        out[0] = 1.0 - p;
        out[1] = p;
        return PK_OK;
    }
    for (size_t t = 0; t < k; t++) {
        double s = scratch[t];
        double p = s < -1 ? -1 : s > 1 ? 1 : s;
        p += 1.0;
        out[t] = p / 2.0;
    }
    double sum = pk_np_sum(out, k);
    if (sum == 0) {
        for (size_t t = 0; t < k; t++)
            out[t] = 1;
        sum = (double)k;
    }
    for (size_t t = 0; t < k; t++)
        out[t] /= sum;
    return PK_OK;
}

static int str_is(const char *s, const char *v) {
    return s && strcmp(s, v) == 0;
}

pk_code pk_compile_linear_classifier(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    const pk_value *classes = pk_attr(c->obj, "classes_");
    if (!classes || classes->kind == PK_NONE) {
        const pk_value *lb = pk_attr(c->obj, "_label_binarizer");
        if (lb) {
            const pk_value *yt = pk_attr(lb, "y_type_");
            if (yt && yt->kind == PK_STR && strncmp(yt->u.s.ptr, "multilabel", 10) == 0)
                return pk_mc_fail(c, "%s fitted on multilabel targets is not supported", cls);
            classes = pk_attr(lb, "classes_");
        }
    }
    if (!classes || classes->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    pk_code rc = pk_mc_classes(c, classes);
    if (rc) return rc;
    pk_mc_arr coef, icpt;
    rc = pk_mc_array(c, "coef_", 1, &coef);
    if (rc) return rc;
    rc = pk_mc_array(c, "intercept_", 0, &icpt);
    if (rc) return rc;
    pk_linclf *L = pk_mc_alloc(c, 1, sizeof *L);
    if (!L) return c->err->code;
    L->nf = coef.cols;
    L->nt = coef.ndim == 2 ? coef.rows : 1;
    L->coef = coef.v;
    L->ncls = m->n_classes;
    rc = pk_mc_features(c, L->nf);
    if (rc) return rc;
    if (L->ncls < 2) return pk_mc_fail(c, "%s has fewer than 2 classes", cls);
    if (!(L->nt == 1 && L->ncls == 2) && L->nt != L->ncls)
        return pk_mc_fail(c, "%s has %zu coefficient rows for %zu classes", cls, L->nt, L->ncls);
    rc = pk_mc_intercept(c, &icpt, L->nt, "score columns", &L->icpt);
    if (rc) return rc;

    L->proba = PROBA_NONE;
    if (strcmp(cls, "LogisticRegression") == 0 || strcmp(cls, "LogisticRegressionCV") == 0) {
        const char *mc = pk_mc_str(c, "multi_class");
        const char *solver = pk_mc_str(c, "solver");
        int ovr = str_is(mc, "ovr") || str_is(mc, "warn") ||
                  ((!mc || str_is(mc, "auto")) && (L->ncls <= 2 || str_is(solver, "liblinear") ||
                                                   str_is(solver, "newton-cholesky")));
        L->proba = ovr ? PROBA_OVR : PROBA_SOFTMAX;
    } else if (strcmp(cls, "SGDClassifier") == 0) {
        const char *loss = pk_mc_str(c, "loss");
        if (str_is(loss, "log_loss") || str_is(loss, "log"))
            L->proba = PROBA_OVR;
        else if (str_is(loss, "modified_huber"))
            L->proba = PROBA_MHUBER;
        else
            m->why_not[PK_PREDICT_PROBA] = "probability estimates are only available for "
                                           "loss='log_loss' and loss='modified_huber'";
    }
    m->kind = PK_MODEL_CLASSIFIER;
    m->impl = L;
    m->scratch = L->nt;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, clf_predict);
    pk_mc_method(c, PK_DECISION, L->nt == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, L->nt, clf_decision);
    if (L->proba != PROBA_NONE) pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, L->ncls, clf_proba);
    L->coef_t = pk_mc_transpose(c, L->coef, L->nt, L->nf);
    if (!L->coef_t) return c->err->code;
    c->m->sparse_w = L->coef_t;
    c->m->sparse_k = L->nt;
    m->sfn[PK_PREDICT] = sclf_predict;
    m->sfn[PK_DECISION] = sclf_decision;
    if (L->proba != PROBA_NONE) m->sfn[PK_PREDICT_PROBA] = sclf_proba;
    pk_mc_log_proba(c, 0);
    return PK_OK;
}
