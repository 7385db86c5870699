/*
 * pk_mlp.c - MLPClassifier and MLPRegressor: scikit-learn 1.2's _forward_pass_fast, per row.
 *
 * For each layer i: a = a @ coefs_[i] (each output summed over the inputs left to right from 0,
 * as the reference BLAS's dgemm/dgemv do), then a += intercepts_[i], then the hidden activation
 * (all layers but the last) or out_activation_ (the last):
 *   identity  a
 *   relu      max(a, 0) (NaN kept, as np.maximum)
 *   logistic  1 / (1 + exp(-a)) (scipy's expit, libm exp)
 *   tanh      tanh(a) (libm; numpy's own SIMD tanh may differ in the last bit)
 *   softmax   exp(a - max a) / (pairwise) sum (libm exp; numpy's SIMD exp may differ by an ulp)
 * MLPClassifier: predict_proba is the output ([1 - p, p] for one logistic output); predict is
 *   classes_[argmax] (multiclass, first maximum), classes_[p > (pos_label + neg_label) / 2]
 *   (binary), or the 0/1 indicator row (multilabel, through the same threshold).
 * MLPRegressor: predict is the output (a number for one target, else an array).
 */
#include "pk_families.h"
#include "pk_linalg.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

enum { A_IDENTITY, A_RELU, A_LOGISTIC, A_TANH, A_SOFTMAX };
enum { T_BINARY, T_MULTICLASS, T_MULTILABEL };

typedef struct pk_mlp {
    size_t nl;          /* weight layers                      */
    size_t *nin, *nout; /* per layer                          */
    const double **W;   /* per layer: nin x nout              */
    const double **b;   /* per layer: nout                    */
    int hidden, output; /* activations                        */
    size_t width;       /* largest layer width                */
    int clf, target;    /* classifier: T_*                    */
    double threshold;   /* binary / multilabel                */
    size_t nclasses;
} pk_mlp;

/* np.maximum(v, 0): v unless 0 > v (a NaN and -0.0 kept), then +0.0. Without a branch (the
 * sign of a hidden unit is not predictable): the comparison's 0/1 masks v's bits. */
static inline double mlp_relu(double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits &= (uint64_t)0 - (uint64_t) !(0.0 > v);
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* a += b (the intercepts, after the sums), then the activation, in place. */
static void mlp_bias_activate(int act, double *restrict a, const double *restrict b, size_t n) {
    switch (act) {
    case A_RELU:
        for (size_t i = 0; i < n; i++)
            a[i] = mlp_relu(a[i] + b[i]);
        return;
    case A_LOGISTIC:
        for (size_t i = 0; i < n; i++)
            a[i] = pk_expit(a[i] + b[i]);
        return;
    case A_TANH:
        for (size_t i = 0; i < n; i++)
            a[i] = tanh(a[i] + b[i]);
        return;
    default:
        for (size_t i = 0; i < n; i++)
            a[i] += b[i];
        if (act == A_SOFTMAX) pk_softmax_row(a, n);
        return;
    }
}

/* The network's output for x, in scratch (returned); scratch holds 2 * width doubles. */
static double *mlp_forward(const pk_mlp *P, const double *x, double *scratch) {
    const double *in = x;
    double *bufs[2] = {scratch, scratch + P->width};
    double *out = bufs[0];
    for (size_t L = 0; L < P->nl; L++) {
        out = bufs[L % 2];
        size_t ni = P->nin[L], no = P->nout[L];
        /* out[o] = sum_i in[i] * W[i][o], i ascending from 0.0 (eight outputs at a time) */
        pk_dots_cols(P->W[L], no, no, in, ni, out);
        mlp_bias_activate(L + 1 < P->nl ? P->hidden : P->output, out, P->b[L], no);
        in = out;
    }
    return out;
}

static pk_code mlp_regress(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_mlp *P = m->impl;
    const double *a = mlp_forward(P, x, scratch);
    memcpy(out, a, P->nout[P->nl - 1] * sizeof(double));
    return PK_OK;
}

static pk_code mlp_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const pk_mlp *P = m->impl;
    const double *a = mlp_forward(P, x, scratch);
    size_t no = P->nout[P->nl - 1];
    if (no == 1) {
        out[0] = 1 - a[0];
        out[1] = a[0];
    } else {
        memcpy(out, a, no * sizeof(double));
    }
    return PK_OK;
}

static pk_code mlp_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_mlp *P = m->impl;
    const double *a = mlp_forward(P, x, scratch);
    size_t no = P->nout[P->nl - 1];
    if (P->target == T_MULTILABEL) {
        for (size_t o = 0; o < no; o++)
            out[o] = a[o] > P->threshold ? 1.0 : 0.0;
        return PK_OK;
    }
    if (P->target == T_BINARY) {
        out[0] = a[0] > P->threshold ? 1.0 : 0.0;
        return PK_OK;
    }
    size_t best = 0;
    for (size_t o = 1; o < no; o++)
        if (!isnan(a[best]) && (a[o] > a[best] || isnan(a[o]))) best = o;
    out[0] = (double)best;
    return PK_OK;
}

static int mlp_act_code(const char *s) {
    static const char *const names[] = {"identity", "relu", "logistic", "tanh", "softmax"};
    for (int i = 0; i < 5; i++)
        if (s && strcmp(s, names[i]) == 0) return i;
    return -1;
}

static pk_code mlp_layers(pk_mc *c, pk_mlp *P) {
    const char *cls = c->m->cls;
    const pk_value *cv = pk_attr(c->obj, "coefs_");
    const pk_value *iv = pk_attr(c->obj, "intercepts_");
    if (!cv || cv->kind == PK_NONE) return pk_mc_not_fitted(c, "coefs_");
    if (!iv || iv->kind == PK_NONE) return pk_mc_not_fitted(c, "intercepts_");
    if ((cv->kind != PK_LIST && cv->kind != PK_TUPLE) ||
        (iv->kind != PK_LIST && iv->kind != PK_TUPLE) || cv->u.seq.len != iv->u.seq.len ||
        cv->u.seq.len == 0 || cv->u.seq.len > 1000)
        return pk_mc_fail(c, "%s: coefs_ and intercepts_ are not lists of one array per layer",
                          cls);
    size_t nl = P->nl = cv->u.seq.len;
    P->nin = pk_mc_alloc(c, nl, sizeof(size_t));
    P->nout = pk_mc_alloc(c, nl, sizeof(size_t));
    P->W = pk_mc_alloc(c, nl, sizeof(double *));
    P->b = pk_mc_alloc(c, nl, sizeof(double *));
    if (!P->nin || !P->nout || !P->W || !P->b) return c->err->code;
    for (size_t L = 0; L < nl; L++) {
        pk_mc_arr w, b;
        pk_code rc = pk_mc_array_of(c, cv->u.seq.items[L], "coefs_[i]", &w);
        if (!rc) rc = pk_mc_array_of(c, iv->u.seq.items[L], "intercepts_[i]", &b);
        if (rc) return rc;
        if (w.ndim != 2 || w.rows == 0 || w.cols == 0)
            return pk_mc_fail(c, "%s.coefs_[%zu] is not a 2-D array", cls, L);
        if (L > 0 && w.rows != P->nout[L - 1])
            return pk_mc_fail(c, "%s.coefs_[%zu] has %zu rows, the layer before gives %zu", cls, L,
                              w.rows, P->nout[L - 1]);
        if (b.n != w.cols || b.ndim > 1)
            return pk_mc_fail(c, "%s.intercepts_[%zu] has %zu values for %zu units", cls, L, b.n,
                              w.cols);
        P->nin[L] = w.rows;
        P->nout[L] = w.cols;
        P->W[L] = w.v;
        P->b[L] = b.v;
        if (w.cols > P->width) P->width = w.cols;
    }
    return pk_mc_features(c, P->nin[0]);
}

pk_code pk_compile_mlp(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    pk_mlp *P = pk_mc_alloc(c, 1, sizeof *P);
    if (!P) return c->err->code;
    P->clf = strcmp(cls, "MLPClassifier") == 0;
    pk_code rc = mlp_layers(c, P);
    if (rc) return rc;
    const char *hs = pk_mc_str(c, "activation");
    const char *os = pk_mc_str(c, "out_activation_");
    P->hidden = mlp_act_code(hs ? hs : "relu");
    P->output = mlp_act_code(os);
    if (P->hidden < 0 || P->hidden == A_SOFTMAX)
        return pk_mc_fail(c, "%s: unknown activation '%s'", cls, hs);
    if (P->output < 0) return pk_mc_fail(c, "%s: unknown out_activation_ '%s'", cls, os ? os : "");
    size_t no = P->nout[P->nl - 1];
    m->impl = P;
    m->scratch = 2 * P->width;
    if (!P->clf) {
        m->kind = PK_MODEL_REGRESSOR;
        pk_mc_method(c, PK_PREDICT, no == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, no, mlp_regress);
        return PK_OK;
    }
    m->kind = PK_MODEL_CLASSIFIER;
    const pk_value *classes = pk_attr(c->obj, "classes_");
    if (!classes || classes->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    rc = pk_mc_classes(c, classes);
    if (rc) return rc;
    P->nclasses = m->n_classes;
    const pk_value *lb = pk_attr(c->obj, "_label_binarizer");
    const pk_value *yt = lb ? pk_attr(lb, "y_type_") : NULL;
    const char *yts = yt && yt->kind == PK_STR ? yt->u.s.ptr : "";
    double pos = 1, neg = 0;
    if (lb) {
        const pk_value *pv = pk_attr(lb, "pos_label"), *nv = pk_attr(lb, "neg_label");
        if (pv) pk_as_f64(pv, &pos);
        if (nv) pk_as_f64(nv, &neg);
    }
    P->threshold = (pos + neg) / 2.0;
    if (strcmp(yts, "multiclass") == 0) {
        P->target = T_MULTICLASS;
        if (no != P->nclasses)
            return pk_mc_fail(c, "%s has %zu outputs for %zu classes", cls, no, P->nclasses);
    } else if (strcmp(yts, "multilabel-indicator") == 0) {
        P->target = T_MULTILABEL;
        if (no != P->nclasses)
            return pk_mc_fail(c, "%s has %zu outputs for %zu labels", cls, no, P->nclasses);
    } else if (strcmp(yts, "binary") == 0) {
        P->target = T_BINARY;
        if (P->nclasses != 2 || no != 1)
            return pk_mc_fail(c, "%s: a binary target needs 2 classes and one output", cls);
    } else {
        return pk_mc_fail(c, "%s: unknown target type '%s'", cls, yts);
    }
    if (P->target == T_MULTILABEL)
        pk_mc_method(c, PK_PREDICT, PK_OUT_ARRAY, no, mlp_predict);
    else
        pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, mlp_predict);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, no == 1 ? 2 : no, mlp_proba);
    pk_mc_log_proba(c, 0);
    return PK_OK;
}
