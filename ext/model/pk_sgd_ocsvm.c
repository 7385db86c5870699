/*
 * pk_sgd_ocsvm.c - SGDOneClassSVM: decision_function = x @ coef_ - offset_ (the dot left to
 * right, then the subtraction), predict = +1 where it is >= 0 else -1, score_samples =
 * decision_function + offset_ (through model_transform, as for OneClassSVM), in scikit-learn
 * 1.2's order.
 */
#include "pk_more_families.h"

typedef struct pk_ocsgd {
    size_t nf;
    const double *coef;
    double offset;
} pk_ocsgd;

static double ocsgd_dec(const pk_ocsgd *S, const double *x) {
    return pk_dot(x, S->coef, S->nf) - S->offset;
}

static pk_code ocsgd_decision(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    (void)scratch, (void)err;
    out[0] = ocsgd_dec(m->impl, x);
    return PK_OK;
}

static pk_code ocsgd_predict(const pk_model *m, const double *x, double *scratch, double *out,
                             pk_err *err) {
    (void)scratch, (void)err;
    out[0] = ocsgd_dec(m->impl, x) >= 0 ? 1.0 : -1.0;
    return PK_OK;
}

static pk_code ocsgd_score(const pk_model *m, const double *x, double *scratch, double *out,
                           pk_err *err) {
    (void)scratch, (void)err;
    const pk_ocsgd *S = m->impl;
    out[0] = ocsgd_dec(S, x) + S->offset;
    return PK_OK;
}

pk_code pk_compile_sgd_ocsvm(pk_mc *c) {
    pk_mc_arr coef, off;
    pk_code rc = pk_mc_array(c, "coef_", 1, &coef);
    if (!rc) rc = pk_mc_array(c, "offset_", 1, &off);
    if (rc) return rc;
    if (coef.rows != 1 || coef.n == 0 || off.n != 1)
        return pk_mc_fail(c, "%s: coef_ is not one row or offset_ not one value", c->m->cls);
    if ((rc = pk_mc_features(c, coef.n))) return rc;
    pk_ocsgd *S = pk_mc_alloc(c, 1, sizeof *S);
    if (!S) return c->err->code;
    S->nf = coef.n;
    S->coef = coef.v;
    S->offset = off.v[0];
    c->m->kind = PK_MODEL_OUTLIER;
    c->m->impl = S;
    pk_mc_method(c, PK_PREDICT, PK_OUT_CLUSTER, 1, ocsgd_predict);
    pk_mc_method(c, PK_DECISION, PK_OUT_SCALAR, 1, ocsgd_decision);
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_SCALAR, 1, ocsgd_score);
    return PK_OK;
}
