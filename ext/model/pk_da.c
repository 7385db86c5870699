/*
 * pk_da.c - LinearDiscriminantAnalysis and QuadraticDiscriminantAnalysis, as scikit-learn 1.2.
 *
 * LinearDiscriminantAnalysis (every solver: what scoring needs is what fit stored):
 *   decision_function  x . coef_k + intercept_k per row of coef_ (one value when coef_ has one
 *                      row, i.e. two classes)
 *   predict            two classes: classes_[1] when the decision is > 0, else classes_[0];
 *                      otherwise classes_[argmax] (first maximum)
 *   predict_proba      two classes: p = expit(d), [1 - p, p]; otherwise softmax: the row maximum
 *                      subtracted, exp, divided by the (pairwise) row sum
 *   transform          svd: (x - xbar_) @ scalings_; eigen: x @ scalings_; the first
 *                      _max_components columns. lsqr has no transform (scikit-learn raises
 *                      NotImplementedError): refused with that reason.
 * QuadraticDiscriminantAnalysis, per class k with W_k = rotations_[k] * scalings_[k] ** -0.5
 * (columns scaled, precomputed once):
 *   d_k = -0.5 * (sum_j ((x - means_[k]) @ W_k)_j^2 + sum log scalings_[k]) + log priors_[k]
 *   predict            classes_[argmax d] (first maximum)
 *   predict_proba      exp(d - max d) / (pairwise) sum
 *   decision_function  d, or d_1 - d_0 for two classes
 * Dot products are summed left to right (pk_dot, what OpenBLAS gives for these sizes); exp/log
 * come from libm (an ulp from numpy's SIMD versions). scikit-learn computes the matrix products
 * with BLAS, whose summation order may change with the machine: the values are guaranteed to
 * 1e-12 relative, labels exactly except on exact ties.
 */
#include "pk_families.h"

#include <math.h>
#include <string.h>

typedef struct pk_lda {
    size_t nf, k, nrow; /* nrow: rows of coef_ (1 for two classes, else k)            */
    const double *coef, *icpt;
    double *scal_t;     /* transform: ncomp x nf (scalings_ transposed), or NULL     */
    const double *xbar; /* svd: subtracted before transform, else NULL               */
    size_t ncomp;
} pk_lda;

typedef struct pk_qda {
    size_t nf, k;
    size_t *rank; /* columns of W_k                                               */
    double **w_t; /* per class: rank x nf (W_k transposed)                         */
    const double **means;
    double *u;    /* sum log scalings_[k]                                          */
    double *logp; /* log priors_[k]                                                */
} pk_qda;

static size_t argmax_first(const double *v, size_t n) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (!isnan(v[best]) && (v[i] > v[best] || isnan(v[i]))) best = i;
    return best;
}

/* ---- LDA ---------------------------------------------------------------------------------- */

static void lda_scores(const pk_lda *L, const double *x, double *out) {
    for (size_t r = 0; r < L->nrow; r++)
        out[r] = pk_dot(x, L->coef + r * L->nf, L->nf) + L->icpt[r];
}

static pk_code lda_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)scratch, (void)err;
    lda_scores(m->impl, x, out);
    return PK_OK;
}

static pk_code lda_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_lda *L = m->impl;
    lda_scores(L, x, scratch);
    out[0] = L->nrow == 1 ? (scratch[0] > 0 ? 1.0 : 0.0) : (double)argmax_first(scratch, L->nrow);
    return PK_OK;
}

static pk_code lda_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const pk_lda *L = m->impl;
    if (L->k == 2) {
        lda_scores(L, x, scratch);
        double p = pk_expit(scratch[0]);
        out[0] = 1 - p;
        out[1] = p;
        return PK_OK;
    }
    lda_scores(L, x, out);
    pk_softmax_row(out, L->nrow);
    return PK_OK;
}

static pk_code lda_transform(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    (void)err;
    const pk_lda *L = m->impl;
    const double *v = x;
    if (L->xbar) {
        for (size_t j = 0; j < L->nf; j++)
            scratch[j] = x[j] - L->xbar[j];
        v = scratch;
    }
    for (size_t i = 0; i < L->ncomp; i++)
        out[i] = pk_dot(v, L->scal_t + i * L->nf, L->nf);
    return PK_OK;
}

static pk_code lda_transform_setup(pk_mc *c, pk_lda *L) {
    pk_model *m = c->m;
    const char *solver = pk_mc_str(c, "solver");
    if (solver && strcmp(solver, "lsqr") == 0) {
        m->why_not[PK_TRANSFORM] = "solver 'lsqr' has no transform (scikit-learn raises "
                                   "NotImplementedError)";
        return PK_OK;
    }
    if (!solver || (strcmp(solver, "svd") != 0 && strcmp(solver, "eigen") != 0))
        return pk_mc_fail(c, "%s: unknown solver '%.40s'", m->cls, solver ? solver : "(none)");
    pk_mc_arr s;
    pk_code rc = pk_mc_array(c, "scalings_", 1, &s);
    if (rc) return rc;
    if (s.ndim != 2 || s.rows != L->nf)
        return pk_mc_fail(c, "%s.scalings_ is not a %zu-row array", m->cls, L->nf);
    double mc = -1;
    rc = pk_mc_num(c, "_max_components", -1, &mc);
    if (rc) return rc;
    if (mc < 0) { /* before _max_components: n_components, else min(classes - 1, features) */
        rc = pk_mc_num(c, "n_components", -1, &mc);
        if (rc) return rc;
        if (mc < 0) mc = (double)(L->k - 1 < L->nf ? L->k - 1 : L->nf);
    }
    if (mc != floor(mc)) return pk_mc_fail(c, "%s._max_components is not an integer", m->cls);
    L->ncomp = mc < (double)s.cols ? (size_t)mc : s.cols;
    if (L->ncomp == 0) {
        m->why_not[PK_TRANSFORM] = "it has no components to project on";
        return PK_OK;
    }
    L->scal_t = pk_mc_alloc(c, L->ncomp * L->nf, sizeof(double));
    if (!L->scal_t) return c->err->code;
    for (size_t i = 0; i < L->ncomp; i++)
        for (size_t j = 0; j < L->nf; j++)
            L->scal_t[i * L->nf + j] = s.v[j * s.cols + i];
    if (strcmp(solver, "svd") == 0) {
        pk_mc_arr xb;
        rc = pk_mc_array(c, "xbar_", 1, &xb);
        if (rc) return rc;
        if (xb.n != L->nf || xb.ndim > 1)
            return pk_mc_fail(c, "%s.xbar_ has %zu values for %zu features", m->cls, xb.n, L->nf);
        L->xbar = xb.v;
    }
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, L->ncomp, lda_transform);
    return PK_OK;
}

static pk_code compile_lda(pk_mc *c) {
    pk_model *m = c->m;
    pk_lda *L = pk_mc_alloc(c, 1, sizeof *L);
    if (!L) return c->err->code;
    size_t k = L->k = m->n_classes;
    if (k < 2) return pk_mc_fail(c, "%s has %zu classes (at least 2 expected)", m->cls, k);
    pk_mc_arr w, b;
    pk_code rc = pk_mc_array(c, "coef_", 1, &w);
    if (rc) return rc;
    L->nrow = w.ndim == 2 ? w.rows : 1;
    if (w.ndim == 0 || L->nrow != (k == 2 ? 1 : k))
        return pk_mc_fail(c, "%s.coef_ has %zu rows for %zu classes", m->cls, L->nrow, k);
    rc = pk_mc_features(c, w.cols);
    if (rc) return rc;
    L->nf = w.cols;
    L->coef = w.v;
    rc = pk_mc_array(c, "intercept_", 1, &b);
    if (rc) return rc;
    rc = pk_mc_intercept(c, &b, L->nrow, "classes", &L->icpt);
    if (rc) return rc;
    m->impl = L;
    m->scratch = L->nf > k ? L->nf : k;
    rc = lda_transform_setup(c, L);
    if (rc) return rc;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, lda_predict);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, k, lda_proba);
    pk_mc_method(c, PK_DECISION, L->nrow == 1 ? PK_OUT_SCALAR : PK_OUT_ARRAY, L->nrow,
                 lda_decision);
    return PK_OK;
}

/* ---- QDA ---------------------------------------------------------------------------------- */

/* d[0..k) for row x; tmp holds 2 * nf doubles. */
static void qda_scores(const pk_qda *Q, const double *x, double *d, double *tmp) {
    size_t nf = Q->nf;
    double *xm = tmp, *sq = tmp + nf;
    for (size_t c = 0; c < Q->k; c++) {
        for (size_t j = 0; j < nf; j++)
            xm[j] = x[j] - Q->means[c][j];
        for (size_t r = 0; r < Q->rank[c]; r++) {
            double v = pk_dot(xm, Q->w_t[c] + r * nf, nf);
            sq[r] = v * v;
        }
        double norm2 = pk_np_sum(sq, Q->rank[c]);
        d[c] = -0.5 * (norm2 + Q->u[c]) + Q->logp[c];
    }
}

static pk_code qda_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_qda *Q = m->impl;
    qda_scores(Q, x, scratch, scratch + Q->k);
    out[0] = (double)argmax_first(scratch, Q->k);
    return PK_OK;
}

static pk_code qda_proba(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    const pk_qda *Q = m->impl;
    qda_scores(Q, x, out, scratch);
    double mx = out[0];
    for (size_t i = 1; i < Q->k; i++)
        if (out[i] > mx || isnan(out[i])) mx = out[i];
    for (size_t i = 0; i < Q->k; i++)
        out[i] = exp(out[i] - mx);
    double s = pk_np_sum(out, Q->k);
    for (size_t i = 0; i < Q->k; i++)
        out[i] /= s;
    return PK_OK;
}

static pk_code qda_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)err;
    const pk_qda *Q = m->impl;
    if (Q->k == 2) {
        qda_scores(Q, x, scratch, scratch + 2);
        out[0] = scratch[1] - scratch[0];
    } else {
        qda_scores(Q, x, out, scratch);
    }
    return PK_OK;
}

/* Item i of a per-class list attribute (a list of arrays, or a 2-D/3-D array read per class). */
static const pk_value *qda_item(pk_mc *c, const char *attr, size_t k) {
    const pk_value *v = pk_attr(c->obj, attr);
    if (!v || (v->kind != PK_LIST && v->kind != PK_TUPLE) || v->u.seq.len != k) {
        pk_mc_fail(c, "%s.%s is not a list of %zu arrays", c->m->cls, attr, k);
        return NULL;
    }
    return v;
}

static pk_code compile_qda(pk_mc *c) {
    pk_model *m = c->m;
    const char *cls = m->cls;
    pk_qda *Q = pk_mc_alloc(c, 1, sizeof *Q);
    if (!Q) return c->err->code;
    size_t k = Q->k = m->n_classes;
    if (k < 2) return pk_mc_fail(c, "%s has %zu classes (at least 2 expected)", cls, k);
    pk_mc_arr mu, pr;
    pk_code rc = pk_mc_array(c, "means_", 1, &mu);
    if (rc) return rc;
    if (mu.ndim != 2 || mu.rows != k)
        return pk_mc_fail(c, "%s.means_ is not a %zu-row array", cls, k);
    rc = pk_mc_features(c, mu.cols);
    if (rc) return rc;
    size_t nf = Q->nf = mu.cols;
    rc = pk_mc_array(c, "priors_", 1, &pr);
    if (rc) return rc;
    if (pr.n != k || pr.ndim > 1)
        return pk_mc_fail(c, "%s.priors_ has %zu values for %zu classes", cls, pr.n, k);
    const pk_value *rot = qda_item(c, "rotations_", k);
    if (!rot) return c->err->code;
    const pk_value *sca = qda_item(c, "scalings_", k);
    if (!sca) return c->err->code;
    Q->rank = pk_mc_alloc(c, k, sizeof *Q->rank);
    Q->w_t = pk_mc_alloc(c, k, sizeof *Q->w_t);
    Q->means = pk_mc_alloc(c, k, sizeof *Q->means);
    Q->u = pk_mc_alloc(c, k, sizeof(double));
    Q->logp = pk_mc_alloc(c, k, sizeof(double));
    if (!Q->rank || !Q->w_t || !Q->means || !Q->u || !Q->logp) return c->err->code;
    size_t maxr = 0;
    for (size_t i = 0; i < k; i++) {
        pk_mc_arr R, S;
        rc = pk_mc_array_of(c, rot->u.seq.items[i], "rotations_[k]", &R);
        if (rc) return rc;
        rc = pk_mc_array_of(c, sca->u.seq.items[i], "scalings_[k]", &S);
        if (rc) return rc;
        if (R.ndim != 2 || R.rows != nf || S.ndim != 1 || S.n != R.cols || S.n == 0)
            return pk_mc_fail(c,
                              "%s: rotations_[%zu] (%zu x %zu) and scalings_[%zu] (%zu) do "
                              "not fit %zu features",
                              cls, i, R.rows, R.cols, i, S.n, nf);
        size_t r = Q->rank[i] = S.n;
        if (r > maxr) maxr = r;
        Q->w_t[i] = pk_mc_alloc(c, r * nf, sizeof(double));
        double *lg = pk_mc_alloc(c, r, sizeof(double));
        if (!Q->w_t[i] || !lg) return c->err->code;
        for (size_t q = 0; q < r; q++) {
            double f = pow(S.v[q], -0.5);
            for (size_t j = 0; j < nf; j++)
                Q->w_t[i][q * nf + j] = R.v[j * r + q] * f;
            lg[q] = log(S.v[q]);
        }
        Q->u[i] = pk_np_sum(lg, r);
        Q->means[i] = mu.v + i * nf;
        Q->logp[i] = log(pr.v[i]);
    }
    m->impl = Q;
    m->scratch = k + nf + (maxr > nf ? maxr : nf);
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, qda_predict);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, k, qda_proba);
    pk_mc_method(c, PK_DECISION, k == 2 ? PK_OUT_SCALAR : PK_OUT_ARRAY, k == 2 ? 1 : k,
                 qda_decision);
    return PK_OK;
}

pk_code pk_compile_da(pk_mc *c) {
    const pk_value *classes = pk_attr(c->obj, "classes_");
    if (!classes || classes->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    pk_code rc = pk_mc_classes(c, classes);
    if (rc) return rc;
    c->m->kind = PK_MODEL_CLASSIFIER;
    if (strcmp(c->m->cls, "QuadraticDiscriminantAnalysis") == 0) return compile_qda(c);
    return compile_lda(c);
}
