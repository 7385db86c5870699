/*
 * pk_linear.c - linear regressors: predict = X @ coef_.T + intercept_ (LinearModel), and the
 * generalized linear models (Poisson, Gamma, Tweedie) whose predict applies the inverse link.
 *
 * Classes: LinearRegression, Ridge, RidgeCV, Lasso, LassoCV, ElasticNet, ElasticNetCV, Lars,
 * LassoLars, BayesianRidge, ARDRegression, HuberRegressor, QuantileRegressor, TheilSenRegressor,
 * SGDRegressor, PassiveAggressiveRegressor, LinearSVR (coef_ 1-D -> REAL; 2-D (n_targets,
 * n_features) -> JSON array, as scikit-learn's predict shape), PoissonRegressor, GammaRegressor,
 * TweedieRegressor (scikit-learn 1.2: link 'auto' is identity for power <= 0, else log; Poisson
 * and Gamma use log). intercept_ may be a scalar or an array; absent means 0.
 * Arithmetic: the dot product left to right (pk_dot), then + intercept, then exp for a log link.
 * On a sparse row (a text or JSON pipeline's: pk_vectorizer.c) scipy's csr @ coef_.T: the
 * row's entries in data order from 0.0, a repeated column added once per entry (csr_matvec).
 */
#include "pk_model_impl.h"

#include <math.h>
#include <string.h>

typedef struct pk_linreg {
    size_t nf, nt;      /* features, targets                               */
    const double *coef; /* nt x nf, row-major                            */
    const double *icpt; /* nt                                             */
    int log_link;
} pk_linreg;

static pk_code linreg_predict(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_linreg *L = m->impl;
    for (size_t t = 0; t < L->nt; t++) {
        double s = pk_dot(x, L->coef + t * L->nf, L->nf) + L->icpt[t];
        out[t] = L->log_link ? exp(s) : s;
    }
    return PK_OK;
}

static pk_code linreg_spredict(const pk_model *m, const pk_sparse *x, double *scratch, double *out,
                               pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_linreg *L = m->impl;
    for (size_t t = 0; t < L->nt; t++) {
        const double *w = L->coef + t * L->nf;
        double acc = 0.0;
        for (size_t i = 0; i < x->nnz; i++)
            acc += x->val[i] * w[x->idx[i]];
        double s = acc + L->icpt[t];
        out[t] = L->log_link ? exp(s) : s;
    }
    return PK_OK;
}

/* Reads coef_/intercept_ into a pk_linreg. */
static pk_code linreg_read(pk_mc *c, pk_linreg **out, int *coef_2d) {
    pk_mc_arr coef, icpt;
    pk_code rc = pk_mc_array(c, "coef_", 1, &coef);
    if (rc) return rc;
    if (coef.ndim == 0) return pk_mc_fail(c, "%s.coef_ is not an array", c->m->cls);
    rc = pk_mc_array(c, "intercept_", 0, &icpt);
    if (rc) return rc;
    pk_linreg *L = pk_mc_alloc(c, 1, sizeof *L);
    if (!L) return c->err->code;
    L->nf = coef.cols;
    L->nt = coef.rows;
    L->coef = coef.v;
    rc = pk_mc_features(c, L->nf);
    if (rc) return rc;
    rc = pk_mc_intercept(c, &icpt, L->nt, "targets", &L->icpt);
    if (rc) return rc;
    *coef_2d = coef.ndim == 2;
    *out = L;
    return PK_OK;
}

pk_code pk_compile_linear_regressor(pk_mc *c) {
    pk_linreg *L;
    int two;
    pk_code rc = linreg_read(c, &L, &two);
    if (rc) return rc;
    c->m->kind = PK_MODEL_REGRESSOR;
    c->m->impl = L;
    pk_mc_method(c, PK_PREDICT, two ? PK_OUT_ARRAY : PK_OUT_SCALAR, L->nt, linreg_predict);
    c->m->sfn[PK_PREDICT] = linreg_spredict;
    return PK_OK;
}

pk_code pk_compile_glm(pk_mc *c) {
    pk_linreg *L;
    int two;
    pk_code rc = linreg_read(c, &L, &two);
    if (rc) return rc;
    if (two || L->nt != 1) return pk_mc_fail(c, "%s.coef_ is not 1-D", c->m->cls);
    int log_link = 1;
    if (strcmp(c->m->cls, "TweedieRegressor") == 0) {
        double power;
        rc = pk_mc_num(c, "power", 0.0, &power);
        if (rc) return rc;
        const char *link = pk_mc_str(c, "link");
        if (!link || strcmp(link, "auto") == 0)
            log_link = power > 0;
        else if (strcmp(link, "log") == 0)
            log_link = 1;
        else if (strcmp(link, "identity") == 0)
            log_link = 0;
        else
            return pk_mc_fail(c, "TweedieRegressor has an unknown link '%s'", link);
    }
    L->log_link = log_link;
    c->m->kind = PK_MODEL_REGRESSOR;
    c->m->impl = L;
    pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, linreg_predict);
    c->m->sfn[PK_PREDICT] = linreg_spredict;
    return PK_OK;
}
