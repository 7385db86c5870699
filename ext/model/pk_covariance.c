/*
 * pk_covariance.c - the covariance estimators and EllipticEnvelope.
 *
 * The squared Mahalanobis distance of a row to location_ under precision_ is computed as
 * scipy's cdist(metric='mahalanobis') does (what scikit-learn 1.2's mahalanobis calls): d = x -
 * location_, t = precision_ @ d (each dot left to right), s = d . t, then sqrt(s) squared again
 * (scikit-learn squares the distance cdist returns).
 *   EmpiricalCovariance, MinCovDet, ShrunkCovariance, LedoitWolf, OAS, GraphicalLasso(CV) and
 *     EllipticEnvelope (a MinCovDet): transform = that distance (scikit-learn's mahalanobis;
 *     they have no transform of their own)
 *   EllipticEnvelope: score_samples = -distance, decision_function = score_samples - offset_,
 *     predict = +1 where decision_function >= 0 else -1.
 * A model fitted with store_precision=False has no precision_: it is refused (scikit-learn
 * would invert covariance_ with scipy's pinvh at every call).
 */
#include "pk_more_families.h"

#include <string.h>

typedef struct pk_cov {
    size_t nf;
    const double *loc;  /* nf      */
    const double *prec; /* nf x nf */
    double offset;
} pk_cov;

static double mahal2(const pk_cov *C, const double *x, double *d) {
    size_t n = C->nf;
    for (size_t j = 0; j < n; j++)
        d[j] = x[j] - C->loc[j];
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += d[i] * pk_dot(C->prec + i * n, d, n);
    double r = sqrt(s);
    return r * r;
}

static pk_code cov_mahal(const pk_model *m, const double *x, double *scratch, double *out,
                         pk_err *err) {
    (void)err;
    out[0] = mahal2(m->impl, x, scratch);
    return PK_OK;
}

static pk_code ee_score(const pk_model *m, const double *x, double *scratch, double *out,
                        pk_err *err) {
    (void)err;
    out[0] = -mahal2(m->impl, x, scratch);
    return PK_OK;
}

static pk_code ee_decision(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_cov *C = m->impl;
    out[0] = -mahal2(C, x, scratch) - C->offset;
    return PK_OK;
}

static pk_code ee_predict(const pk_model *m, const double *x, double *scratch, double *out,
                          pk_err *err) {
    (void)err;
    const pk_cov *C = m->impl;
    out[0] = -mahal2(C, x, scratch) - C->offset >= 0 ? 1.0 : -1.0;
    return PK_OK;
}

pk_code pk_compile_covariance(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr loc, prec;
    pk_code rc = pk_mc_array(c, "location_", 1, &loc);
    if (rc) return rc;
    if (!pk_attr(c->obj, "precision_") || pk_attr(c->obj, "precision_")->kind == PK_NONE)
        return pk_mc_fail(c,
                          "%s was fitted with store_precision=False: scikit-learn inverts "
                          "covariance_ with scipy's pinvh at every call, not reproduced here",
                          m->cls);
    if ((rc = pk_mc_array(c, "precision_", 1, &prec))) return rc;
    if (loc.ndim != 1 || loc.n == 0 || prec.ndim != 2 || prec.rows != loc.n || prec.cols != loc.n)
        return pk_mc_fail(c, "%s: location_ (%zu values) and precision_ (%zu x %zu) disagree",
                          m->cls, loc.n, prec.rows, prec.cols);
    if ((rc = pk_mc_features(c, loc.n))) return rc;
    pk_cov *C = pk_mc_alloc(c, 1, sizeof *C);
    if (!C) return c->err->code;
    C->nf = loc.n;
    C->loc = loc.v;
    C->prec = prec.v;
    m->impl = C;
    m->scratch = loc.n;
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_SCALAR, 1, cov_mahal);
    if (strcmp(m->cls, "EllipticEnvelope") != 0) {
        m->kind = PK_MODEL_TRANSFORMER;
        return PK_OK;
    }
    if ((rc = pk_mc_num(c, "offset_", NAN, &C->offset))) return rc;
    if (isnan(C->offset)) return pk_mc_not_fitted(c, "offset_");
    m->kind = PK_MODEL_OUTLIER;
    pk_mc_method(c, PK_PREDICT, PK_OUT_CLUSTER, 1, ee_predict);
    pk_mc_method(c, PK_DECISION, PK_OUT_SCALAR, 1, ee_decision);
    pk_mc_method(c, PK_SCORE_SAMPLES, PK_OUT_SCALAR, 1, ee_score);
    return PK_OK;
}
