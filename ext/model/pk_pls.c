/*
 * pk_pls.c - PLSRegression, PLSCanonical, CCA (transform, predict) and PLSSVD (transform), as
 * scikit-learn 1.2's _PLS computes them:
 *   z          = (x - _x_mean) / _x_std            (element by element, in that order)
 *   transform  = z @ x_rotations_                  (PLSSVD: z @ x_weights_)
 *   predict    = z @ _coef_.T + intercept_         (one value per target, a 2-D result)
 * every dot summed left to right over the features.
 */
#include "pk_more_families.h"

#include <string.h>

typedef struct pk_pls {
    size_t nf, k, nt;
    const double *mean, *std;
    double *rot;  /* k x nf: the rotation's columns             */
    double *coef; /* nt x nf: _coef_ (NULL for PLSSVD)          */
    const double *icpt;
} pk_pls;

static void pls_z(const pk_pls *P, const double *x, double *z) {
    for (size_t j = 0; j < P->nf; j++) {
        z[j] = x[j] - P->mean[j];
        z[j] /= P->std[j];
    }
}

static pk_code pls_transform(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    (void)err;
    const pk_pls *P = m->impl;
    pls_z(P, x, scratch);
    for (size_t c = 0; c < P->k; c++)
        out[c] = pk_dot(scratch, P->rot + c * P->nf, P->nf);
    return PK_OK;
}

static pk_code pls_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_pls *P = m->impl;
    pls_z(P, x, scratch);
    for (size_t t = 0; t < P->nt; t++)
        out[t] = pk_dot(scratch, P->coef + t * P->nf, P->nf) + P->icpt[t];
    return PK_OK;
}

pk_code pk_compile_pls(pk_mc *c) {
    pk_model *m = c->m;
    int svd = strcmp(m->cls, "PLSSVD") == 0;
    pk_mc_arr mean, std, rot, coef = {0}, icpt = {0};
    pk_code rc;
    if ((rc = pk_mc_array(c, "_x_mean", 1, &mean)) || (rc = pk_mc_array(c, "_x_std", 1, &std)) ||
        (rc = pk_mc_array(c, svd ? "x_weights_" : "x_rotations_", 1, &rot)))
        return rc;
    size_t nf = mean.n;
    if (mean.ndim != 1 || std.n != nf || nf == 0)
        return pk_mc_fail(c, "%s: _x_mean and _x_std do not match", m->cls);
    if (rot.ndim != 2 || rot.rows != nf)
        return pk_mc_fail(c, "%s.%s is not a %zu-row matrix", m->cls,
                          svd ? "x_weights_" : "x_rotations_", nf);
    if ((rc = pk_mc_features(c, nf))) return rc;
    pk_pls *P = pk_mc_alloc(c, 1, sizeof *P);
    if (!P) return c->err->code;
    P->nf = nf;
    P->k = rot.cols;
    P->mean = mean.v;
    P->std = std.v;
    P->rot = pk_mc_alloc(c, P->k * nf, sizeof(double));
    if (!P->rot) return c->err->code;
    for (size_t j = 0; j < nf; j++)
        for (size_t q = 0; q < P->k; q++)
            P->rot[q * nf + j] = rot.v[j * P->k + q];
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = P;
    m->scratch = nf;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, P->k, pls_transform);
    if (svd) return PK_OK;
    if ((rc = pk_mc_array(c, "_coef_", 1, &coef)) || (rc = pk_mc_array(c, "intercept_", 1, &icpt)))
        return rc;
    if (coef.ndim != 2 || coef.cols != nf || coef.rows == 0)
        return pk_mc_fail(c, "%s._coef_ is not a targets x %zu matrix", m->cls, nf);
    P->nt = coef.rows;
    P->coef = coef.v;
    if ((rc = pk_mc_intercept(c, &icpt, P->nt, "targets", &P->icpt))) return rc;
    m->kind = PK_MODEL_REGRESSOR;
    pk_mc_method(c, PK_PREDICT, PK_OUT_ARRAY, P->nt, pls_predict);
    return PK_OK;
}
