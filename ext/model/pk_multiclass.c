/*
 * pk_multiclass.c - OneVsRestClassifier, OneVsOneClassifier and OutputCodeClassifier over any
 * scorable binary estimators, as scikit-learn 1.2.1's sklearn.multiclass computes them.
 *
 * The score of a member is _predict_binary (pk_meta.h): a regressor's predict, else
 * decision_function, else predict_proba[:, 1]; a _ConstantPredictor gives its y_ everywhere.
 *
 * OneVsRest (label_binarizer_.y_type_):
 *   multiclass  predict: a running np.maximum of the member scores, the LAST member equal to it
 *               wins (argmaxima[maxima == pred] = i); predict_proba: members' predict_proba[:, 1]
 *               divided by their sum, added member by member; decision_function: the scores
 *   binary      one member: predict classes_[score > t] (t 0 when it is a classifier with
 *               decision_function, else 0.5); predict_proba [1 - p, p] / ((1 - p) + p);
 *               decision_function the member's
 *   multilabel  predict: the 0/1 indicator row (score > t, t from estimators_[0]);
 *               predict_proba: the members' p, not normalized
 * OneVsOne: member k (classes i < j, in order) predicts 0 (class i) or 1 (class j) and gives a
 *   confidence; decision_function is _ovr_decision_function: votes + s / (3 (|s| + 1)) with s
 *   the summed confidences (-conf to i, +conf to j, in member order); predict its first maximum
 *   (two classes: decision_function is column 1, predict classes_[d > t]).
 * OutputCode: predict the code_book_ row nearest (euclidean_distances: -2 y.c + |y|^2 + |c|^2,
 *   clipped at 0, square root; first minimum) to the member scores.
 */
#include "pk_meta.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { MC_OVR, MC_OVR_BINARY, MC_OVR_MULTILABEL, MC_OVO, MC_OCC };

typedef struct mc {
    int mode;
    size_t n; /* members */
    pk_meta_bin *bin;
    const double **pred_labels; /* OvO: each member's classes as numbers (0/1) */
    double thresh;
    size_t k;               /* classes                                          */
    double *code;           /* OutputCode: k x n code book                      */
    double *code_sq;        /* |c|^2 per code row                               */
    size_t o_v, o_a, o_sub; /* scratch: buf[out] | v[n] | acc[2k] | member scratch */
} mc;

/* The member scores into v (n values). */
static pk_code mc_scores(const pk_model *m, const double *x, double *scratch, double *v,
                         pk_err *err) {
    const mc *M = m->impl;
    for (size_t i = 0; i < M->n; i++) {
        pk_code rc = pk_meta_bin_run(m, &M->bin[i], x, scratch, scratch + M->o_sub, &v[i], err);
        if (rc) return rc;
    }
    return PK_OK;
}

/* One member's method through the constant or the model: col `col` of its output. */
static pk_code mc_member(const pk_model *m, size_t i, pk_method meth, size_t col, const double *x,
                         double *scratch, double *v, pk_err *err) {
    const mc *M = m->impl;
    const pk_meta_bin *b = &M->bin[i];
    if (!b->s) {
        *v = b->constant;
        return PK_OK;
    }
    pk_code rc = pk_meta_run(m, b->s, meth, x, scratch + M->o_sub, scratch, err);
    if (rc == PK_OK) *v = meth == PK_PREDICT ? M->pred_labels[i][(size_t)scratch[0]] : scratch[col];
    return rc;
}

/* ---- OneVsRest ------------------------------------------------------------------------------ */

static pk_code ovr_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    const mc *M = m->impl;
    double *v = scratch + M->o_v;
    pk_code rc = mc_scores(m, x, scratch, v, err);
    if (rc) return rc;
    if (M->mode == MC_OVR) {
        double mx = -INFINITY;
        size_t am = 0;
        for (size_t i = 0; i < M->n; i++) {
            mx = isnan(mx) || isnan(v[i]) ? NAN : (v[i] > mx ? v[i] : mx); /* np.maximum */
            if (mx == v[i]) am = i;
        }
        out[0] = (double)am;
    } else if (M->mode == MC_OVR_BINARY) {
        out[0] = v[0] > M->thresh ? 1.0 : 0.0;
    } else {
        for (size_t i = 0; i < M->n; i++)
            out[i] = v[i] > M->thresh ? 1.0 : 0.0;
    }
    return PK_OK;
}

static pk_code ovr_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    const mc *M = m->impl;
    for (size_t i = 0; i < M->n; i++) {
        pk_code rc = mc_member(m, i, PK_PREDICT_PROBA, 1, x, scratch, &out[i], err);
        if (rc) return rc;
    }
    if (M->mode == MC_OVR_MULTILABEL) return PK_OK;
    size_t k = M->n;
    if (M->mode == MC_OVR_BINARY) {
        out[1] = out[0];
        out[0] = 1 - out[1];
        k = 2;
    }
    double s = out[0];
    for (size_t j = 1; j < k; j++)
        s += out[j];
    for (size_t j = 0; j < k; j++)
        out[j] /= s;
    return PK_OK;
}

static pk_code ovr_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    const mc *M = m->impl;
    for (size_t i = 0; i < M->n; i++) {
        pk_code rc = mc_member(m, i, PK_DECISION, 0, x, scratch, &out[i], err);
        if (rc) return rc;
    }
    return PK_OK;
}

/* ---- OneVsOne ------------------------------------------------------------------------------- */

static pk_code ovo_votes(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    const mc *M = m->impl;
    size_t k = M->k;
    double *votes = scratch + M->o_a, *conf = votes + k;
    for (size_t j = 0; j < k; j++)
        votes[j] = conf[j] = 0.0;
    size_t e = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++, e++) {
            double p, cf;
            pk_code rc = mc_member(m, e, PK_PREDICT, 0, x, scratch, &p, err);
            if (rc == PK_OK)
                rc = pk_meta_bin_run(m, &M->bin[e], x, scratch, scratch + M->o_sub, &cf, err);
            if (rc) return rc;
            conf[i] -= cf;
            conf[j] += cf;
            if (p == 0) votes[i] += 1;
            if (p == 1) votes[j] += 1;
        }
    for (size_t j = 0; j < k; j++)
        out[j] = votes[j] + conf[j] / (3 * (fabs(conf[j]) + 1));
    return PK_OK;
}

static pk_code ovo_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    const mc *M = m->impl;
    if (M->k > 2) return ovo_votes(m, x, scratch, out, err);
    double y[2];
    pk_code rc = ovo_votes(m, x, scratch, y, err);
    if (rc == PK_OK) out[0] = y[1];
    return rc;
}

static pk_code ovo_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    const mc *M = m->impl;
    double *y = scratch + M->o_v; /* k values: the vote buffers follow at o_a */
    pk_code rc = ovo_votes(m, x, scratch, y, err);
    if (rc) return rc;
    out[0] = M->k == 2 ? (y[1] > M->thresh ? 1.0 : 0.0) : (double)pk_argmax(y, M->k);
    return PK_OK;
}

/* ---- OutputCode ----------------------------------------------------------------------------- */

static pk_code occ_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    const mc *M = m->impl;
    double *v = scratch + M->o_v;
    pk_code rc = mc_scores(m, x, scratch, v, err);
    if (rc) return rc;
    double vv = pk_dot(v, v, M->n);
    size_t best = 0;
    double bd = 0;
    for (size_t c = 0; c < M->k; c++) {
        double d = (-2 * pk_dot(v, M->code + c * M->n, M->n) + vv) + M->code_sq[c];
        d = sqrt(d > 0 ? d : 0);
        if (c == 0 || d < bd || (isnan(d) && !isnan(bd))) best = c, bd = d;
    }
    out[0] = (double)best;
    return PK_OK;
}

/* ---- compile -------------------------------------------------------------------------------- */

static pk_code mc_members(pk_mc *c, mc *M, size_t *scr, size_t *outl) {
    const pk_value *const *items;
    size_t n;
    pk_code rc = pk_meta_items(c, pk_attr(c->obj, "estimators_"), "estimators_", &items, &n);
    if (rc) return rc;
    M->n = n;
    M->bin = pk_mc_alloc(c, n, sizeof *M->bin);
    if (!M->bin) return c->err->code;
    c->m->nan_ok = 1;
    *scr = *outl = 1;
    for (size_t i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "estimators_[%zu]", i);
        if (!c->m->n_features) {
            const pk_value *nf = pk_attr(items[i], "n_features_in_");
            int64_t f;
            if (nf && pk_as_i64(nf, &f) == PK_OK && f > 0) c->m->n_features = (size_t)f;
        }
        if ((rc = pk_meta_bin_init(c, items[i], what, &M->bin[i])) != PK_OK) return rc;
        const pk_model *s = M->bin[i].s;
        if (s) {
            if (pk_model_scratch_len(s) > *scr) *scr = pk_model_scratch_len(s);
            if (pk_model_out_len(s) > *outl) *outl = pk_model_out_len(s);
        } else {
            c->m->nan_ok = 0; /* _ConstantPredictor: check_array refuses NaN before predicting */
        }
    }
    return PK_OK;
}

/* _threshold_for_binary_predict(estimators_[0]). */
static double mc_thresh(const pk_meta_bin *b) {
    return b->decision && b->clf ? 0.0 : 0.5;
}

/* Declares predict_proba / decision_function when estimators_[0] has them (and all do). */
static pk_code mc_optional(pk_mc *c, const mc *M, pk_method meth, size_t width, pk_out_shape sh,
                           pk_model_fn fn) {
    for (size_t i = 0; i < M->n; i++) {
        const pk_model *s = M->bin[i].s;
        if (!s) continue;
        if (!pk_meta_has(s, meth)) {
            if (i == 0) {
                c->m->why_not[meth] = s->why_not[meth];
                return PK_OK;
            }
            return pk_mc_fail(c, "%s.estimators_[%zu] (%s) has no %s", c->m->cls, i, s->cls,
                              pk_method_name(meth));
        }
        if (meth == PK_PREDICT_PROBA && s->width[meth] < 2)
            return pk_mc_fail(c, "%s.estimators_[%zu] has one probability column", c->m->cls, i);
    }
    pk_mc_method(c, meth, sh, width, fn);
    return PK_OK;
}

static pk_code compile_ovr(pk_mc *c, mc *M) {
    pk_model *m = c->m;
    const pk_value *lb = pk_attr(c->obj, "label_binarizer_");
    if (!lb || lb->kind != PK_OBJECT) return pk_mc_not_fitted(c, "label_binarizer_");
    const pk_value *yt = pk_attr(lb, "y_type_");
    const char *ytype = yt && yt->kind == PK_STR ? yt->u.s.ptr : "";
    pk_code rc = pk_mc_classes(c, pk_attr(lb, "classes_"));
    if (rc) return rc;
    size_t scr, outl;
    if ((rc = mc_members(c, M, &scr, &outl)) != PK_OK) return rc;
    M->o_v = outl;
    M->o_sub = M->o_v + M->n;
    m->scratch = M->o_sub + scr;
    M->thresh = mc_thresh(&M->bin[0]);
    m->kind = PK_MODEL_CLASSIFIER;
    if (strncmp(ytype, "multilabel", 10) == 0) {
        M->mode = MC_OVR_MULTILABEL;
        pk_mc_method(c, PK_PREDICT, PK_OUT_ARRAY, M->n, ovr_predict);
        if ((rc = mc_optional(c, M, PK_PREDICT_PROBA, M->n, PK_OUT_ARRAY, ovr_proba)) != PK_OK)
            return rc;
    } else if (M->n == 1) {
        if (m->n_classes != 2)
            return pk_mc_fail(c, "%s has one estimator for %zu classes", m->cls, m->n_classes);
        M->mode = MC_OVR_BINARY;
        pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, ovr_predict);
        if ((rc = mc_optional(c, M, PK_PREDICT_PROBA, 2, PK_OUT_ARRAY, ovr_proba)) != PK_OK)
            return rc;
    } else {
        if (M->n != m->n_classes)
            return pk_mc_fail(c, "%s has %zu estimators for %zu classes", m->cls, M->n,
                              m->n_classes);
        M->mode = MC_OVR;
        pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, ovr_predict);
        if ((rc = mc_optional(c, M, PK_PREDICT_PROBA, M->n, PK_OUT_ARRAY, ovr_proba)) != PK_OK)
            return rc;
    }
    return mc_optional(c, M, PK_DECISION, M->n, M->n == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY,
                       ovr_decision);
}

static pk_code compile_ovo(pk_mc *c, mc *M) {
    pk_model *m = c->m;
    const pk_value *pi = pk_attr(c->obj, "pairwise_indices_");
    if (pi && pi->kind != PK_NONE)
        return pk_mc_fail(c,
                          "%s was fitted on a precomputed kernel (pairwise_indices_): its "
                          "rows are kernel values against the training set",
                          m->cls);
    pk_code rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"));
    if (rc) return rc;
    size_t k = M->k = m->n_classes, scr, outl;
    if (k < 2) return pk_mc_fail(c, "%s has fewer than two classes", m->cls);
    if ((rc = mc_members(c, M, &scr, &outl)) != PK_OK) return rc;
    if (M->n != k * (k - 1) / 2)
        return pk_mc_fail(c, "%s has %zu estimators for %zu classes (%zu pairs)", m->cls, M->n, k,
                          k * (k - 1) / 2);
    M->pred_labels = pk_mc_alloc(c, M->n, sizeof *M->pred_labels);
    if (!M->pred_labels) return c->err->code;
    for (size_t i = 0; i < M->n; i++) {
        const pk_model *s = M->bin[i].s;
        char what[64];
        snprintf(what, sizeof what, "estimators_[%zu]", i);
        if (!s) continue;
        if (s->shape[PK_PREDICT] == PK_OUT_LABEL) {
            if ((rc = pk_meta_label_values(c, s, what, &M->pred_labels[i])) != PK_OK) return rc;
        } else {
            return pk_mc_fail(c, "%s.%s does not predict a class", m->cls, what);
        }
    }
    M->thresh = mc_thresh(&M->bin[0]);
    M->mode = MC_OVO;
    M->o_v = outl;
    M->o_a = M->o_v + k;
    M->o_sub = M->o_a + 2 * k;
    m->scratch = M->o_sub + scr;
    m->kind = PK_MODEL_CLASSIFIER;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, ovo_predict);
    pk_mc_method(c, PK_DECISION, k == 2 ? PK_OUT_SCALAR : PK_OUT_ARRAY, k == 2 ? 1 : k,
                 ovo_decision);
    return PK_OK;
}

static pk_code compile_occ(pk_mc *c, mc *M) {
    pk_model *m = c->m;
    pk_code rc = pk_mc_classes(c, pk_attr(c->obj, "classes_"));
    if (rc) return rc;
    size_t scr, outl;
    if ((rc = mc_members(c, M, &scr, &outl)) != PK_OK) return rc;
    pk_mc_arr cb;
    if ((rc = pk_mc_array(c, "code_book_", 1, &cb)) != PK_OK) return rc;
    if (cb.ndim != 2 || cb.rows != m->n_classes || cb.cols != M->n)
        return pk_mc_fail(c, "%s.code_book_ is not %zu x %zu", m->cls, m->n_classes, M->n);
    M->k = m->n_classes;
    M->code = cb.v;
    M->code_sq = pk_mc_alloc(c, M->k, sizeof(double));
    if (!M->code_sq) return c->err->code;
    for (size_t j = 0; j < M->k; j++)
        M->code_sq[j] = pk_dot(cb.v + j * M->n, cb.v + j * M->n, M->n);
    M->mode = MC_OCC;
    M->o_v = outl;
    M->o_sub = M->o_v + M->n;
    m->scratch = M->o_sub + scr;
    m->kind = PK_MODEL_CLASSIFIER;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, occ_predict);
    return PK_OK;
}

pk_code pk_compile_multiclass(pk_mc *c) {
    mc *M = pk_mc_alloc(c, 1, sizeof *M);
    if (!M) return c->err->code;
    c->m->impl = M;
    pk_code rc;
    if (strcmp(c->m->cls, "OneVsRestClassifier") == 0)
        rc = compile_ovr(c, M);
    else if (strcmp(c->m->cls, "OneVsOneClassifier") == 0)
        rc = compile_ovo(c, M);
    else
        rc = compile_occ(c, M);
    if (rc) return rc;
    const pk_model **mem = pk_mc_alloc(c, M->n, sizeof *mem);
    if (!mem) return c->err->code;
    for (size_t i = 0; i < M->n; i++)
        mem[i] = M->bin[i].s;
    return pk_meta_typed(c, mem, M->n);
}
