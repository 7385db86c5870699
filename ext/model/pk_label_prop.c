/*
 * pk_label_prop.c - LabelPropagation and LabelSpreading with the rbf kernel, as scikit-learn 1.2
 * scores them: the kernel row between the training rows X_ and x, rbf_kernel(X_, x) (squared
 * distance (-2 X_i . x + ||X_i||^2) + ||x||^2, clipped at 0, times -gamma, exp), then
 *   p[c] = sum_i K_i label_distributions_[i][c]   (left to right over the training rows)
 *   predict_proba = p / sum(p)                    (numpy's sum over the classes)
 *   predict = classes_[argmax p]                  (the first maximum)
 * The knn kernel is refused: it ranks X_ with a NearestNeighbors search whose tie order this
 * family does not reproduce.
 */
#include "pk_kernels.h"
#include "pk_more_families.h"

#include <string.h>

typedef struct pk_lprop {
    pk_kernel ker;
    size_t n, k;
    const double *dist; /* n x k label_distributions_ */
} pk_lprop;

static void lp_proba(const pk_lprop *L, const pk_model *m, const double *x, double *kr,
                     double *out) {
    (void)pk_kernel_row(m, &L->ker, x, kr, NULL, NULL);
    for (size_t c = 0; c < L->k; c++) {
        double s = 0.0;
        for (size_t i = 0; i < L->n; i++)
            s += kr[i] * L->dist[i * L->k + c];
        out[c] = s;
    }
}

static pk_code lp_predict_proba(const pk_model *m, const double *x, double *scratch, double *out,
                                pk_err *err) {
    (void)err;
    const pk_lprop *L = m->impl;
    lp_proba(L, m, x, scratch, out);
    double z = pk_np_sum(out, L->k);
    for (size_t c = 0; c < L->k; c++)
        out[c] /= z;
    return PK_OK;
}

static pk_code lp_predict(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    (void)err;
    const pk_lprop *L = m->impl;
    double *p = scratch + L->n;
    lp_proba(L, m, x, scratch, p);
    double z = pk_np_sum(p, L->k);
    for (size_t c = 0; c < L->k; c++)
        p[c] /= z;
    out[0] = (double)pk_argmax(p, L->k);
    return PK_OK;
}

pk_code pk_compile_label_prop(pk_mc *c) {
    pk_model *m = c->m;
    const char *kernel = pk_mc_str(c, "kernel");
    if (!kernel || strcmp(kernel, "rbf") != 0)
        return pk_mc_fail(c,
                          "%s: kernel %s is not scored (rbf only: knn ranks neighbours in an "
                          "order this extension does not reproduce)",
                          m->cls, kernel ? kernel : "(a callable)");
    pk_mc_arr X, dist;
    double gamma;
    pk_code rc = pk_mc_array(c, "X_", 1, &X);
    if (!rc) rc = pk_mc_array(c, "label_distributions_", 1, &dist);
    if (!rc) rc = pk_mc_num(c, "gamma", NAN, &gamma);
    if (rc) return rc;
    const pk_value *classes = pk_attr(c->obj, "classes_");
    if (!classes || classes->kind == PK_NONE) return pk_mc_not_fitted(c, "classes_");
    if ((rc = pk_mc_classes(c, classes))) return rc;
    if (X.ndim != 2 || X.rows == 0 || dist.ndim != 2 || dist.rows != X.rows ||
        dist.cols != m->n_classes || m->n_classes == 0)
        return pk_mc_fail(c,
                          "%s: X_ (%zu x %zu), label_distributions_ (%zu x %zu) and %zu classes "
                          "disagree",
                          m->cls, X.rows, X.cols, dist.rows, dist.cols, m->n_classes);
    if ((rc = pk_mc_features(c, X.cols))) return rc;
    pk_lprop *L = pk_mc_alloc(c, 1, sizeof *L);
    if (!L) return c->err->code;
    if ((rc = pk_kernel_init(c, &L->ker, "rbf", gamma, 1.0, 3.0, X.v, X.rows, X.cols))) return rc;
    L->ker.fitted_first = 1;
    L->n = X.rows;
    L->k = dist.cols;
    L->dist = dist.v;
    m->kind = PK_MODEL_CLASSIFIER;
    m->impl = L;
    m->scratch = L->n + L->k;
    pk_mc_method(c, PK_PREDICT, PK_OUT_LABEL, 1, lp_predict);
    pk_mc_method(c, PK_PREDICT_PROBA, PK_OUT_ARRAY, L->k, lp_predict_proba);
    return PK_OK;
}
