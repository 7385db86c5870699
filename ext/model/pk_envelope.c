/*
 * pk_envelope.c - EllipticEnvelope: score_samples = -mahalanobis(x) with location_ and the
 * fitted precision_, as scikit-learn 1.2 computes it through scipy's cdist 'mahalanobis':
 *   d = x - location_; t_i = sum_j d_j precision_ij (left to right); m = sqrt(d . t); m ** 2
 * decision_function = score_samples - offset_; predict -1 where the decision is < 0, else 1.
 */
#include "pk_more_families.h"

#include <math.h>

typedef struct pk_env {
    size_t nf;
    const double *loc, *prec;
    double offset;
} pk_env;

static double env_score(const pk_env *E, const double *x, double *d) {
    size_t nf = E->nf;
    for (size_t j = 0; j < nf; j++)
        d[j] = x[j] - E->loc[j];
    double s = 0;
    for (size_t i = 0; i < nf; i++)
        s += d[i] * pk_dot(d, E->prec + i * nf, nf);
    double m = sqrt(s);
    return -(m * m);
}

static pk_code env_score_samples(const pk_model *m, const double *x, double *scratch, double *out,
                                 pk_err *err) {
    (void)err;
    out[0] = env_score(m->impl, x, scratch);
    return PK_OK;
}

static pk_code env_decision(const pk_model *m, const double *x, double *scratch, double *out,
                            pk_err *err) {
    (void)err;
    const pk_env *E = m->impl;
    out[0] = env_score(E, x, scratch) - E->offset;
    return PK_OK;
}

static pk_code env_predict(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)err;
    const pk_env *E = m->impl;
    out[0] = env_score(E, x, scratch) - E->offset < 0 ? -1.0 : 1.0;
    return PK_OK;
}

pk_code pk_compile_envelope(pk_mc *c) {
    pk_model *m = c->m;
    pk_mc_arr loc, prec;
    pk_code rc;
    if ((rc = pk_mc_array(c, "location_", 1, &loc))) return rc;
    if ((rc = pk_mc_array(c, "precision_", 0, &prec))) return rc;
    if (!prec.v)
        return pk_mc_fail(c,
                          "%s was fitted with store_precision=False: scikit-learn inverts "
                          "covariance_ with scipy's pinvh at every call, not reproduced here",
                          m->cls);
    size_t nf = loc.n;
    if (loc.ndim != 1 || nf == 0 || prec.ndim != 2 || prec.rows != nf || prec.cols != nf)
        return pk_mc_fail(c, "%s: location_ and precision_ do not match", m->cls);
    if ((rc = pk_mc_features(c, nf))) return rc;
    pk_env *E = pk_mc_alloc(c, 1, sizeof *E);
    if (!E) return c->err->code;
    E->nf = nf;
    E->loc = loc.v;
    E->prec = prec.v;
    if ((rc = pk_mc_num(c, "offset_", NAN, &E->offset))) return rc;
    if (isnan(E->offset)) return pk_mc_not_fitted(c, "offset_");
    m->kind = PK_MODEL_OUTLIER;
    m->impl = E;
    m->scratch = nf;
    pk_mc_method(c, PK_PREDICT, PK_OUT_CLUSTER, 1, env_predict);
    pk_mc_method(c, PK_DECISION, PK_OUT_SCALAR, 1, env_decision);
    pk_mc_method(c, PK_SCORE_SAMPLES, PK_OUT_SCALAR, 1, env_score_samples);
    return PK_OK;
}
