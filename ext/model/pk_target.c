/*
 * pk_target.c - sklearn.compose.TransformedTargetRegressor: predict is regressor_'s prediction
 * mapped back through transformer_.inverse_transform (one target column).
 *
 * transformer_ (always set by fit: the given transformer, or a FunctionTransformer of func /
 * inverse_func, identity when both are None) may be a FunctionTransformer (inverse_func None or a
 * numpy ufunc, pk_function.c) or one of the scalers, whose inverses are scikit-learn's:
 *   StandardScaler  y * scale_ (with_std), then + mean_ (with_mean)
 *   MinMaxScaler    (y - min_) / scale_
 *   MaxAbsScaler    y * scale_
 *   RobustScaler    y * scale_ (with_scaling), then + center_ (with_centering)
 * Exactness: the regressor's, then the same elementwise operations (the ufunc's, see
 * pk_function.c). Multi-output targets are refused.
 */
#include "pk_meta.h"
#include "pk_preproc.h"

#include <string.h>

typedef struct pk_target {
    pk_model *reg;
    pk_model *func;            /* transformer_ when a FunctionTransformer, else NULL */
    double mul, add, sub, div; /* scalers: ((y - sub) * mul + add) / div            */
} pk_target;

static pk_code target_predict(const pk_model *m, const double *x, double *scratch, double *out,
                              pk_err *err) {
    const pk_target *T = m->impl;
    double y;
    pk_code rc = pk_meta_run(m, T->reg, PK_PREDICT, x, scratch, &y, err);
    if (rc) return rc;
    if (T->func) return pk_function_inverse(T->func, y, out, err);
    y -= T->sub;
    y *= T->mul;
    y += T->add;
    out[0] = y / T->div;
    return PK_OK;
}

/* The one value of a 1-value attribute of the scaler `tr` (dflt when absent). */
static pk_code one(pk_mc *c, const pk_value *tr, const char *attr, int use, double dflt,
                   double *out) {
    *out = dflt;
    if (!use) return PK_OK;
    const pk_value *v = pk_attr(tr, attr);
    if (!v || v->kind == PK_NONE) return PK_OK;
    pk_mc_arr a;
    pk_code rc = pk_mc_array_of(c, v, attr, &a);
    if (rc) return rc;
    if (a.n != 1)
        return pk_mc_fail(c,
                          "TransformedTargetRegressor.transformer_.%s has %zu values (one "
                          "target column expected)",
                          attr, a.n);
    *out = a.v[0];
    return PK_OK;
}

static int flag(const pk_value *tr, const char *attr) {
    const pk_value *v = pk_attr(tr, attr);
    double d;
    return !v || v->kind == PK_NONE || pk_as_f64(v, &d) != PK_OK || d != 0;
}

/* The inverse of a scaler transformer_, as constants of ((y - sub) * mul + add) / div. */
static pk_code scaler_inverse(pk_mc *c, const pk_value *tr, const char *cls, pk_target *T) {
    T->mul = T->div = 1.0;
    T->add = T->sub = 0.0;
    pk_code rc;
    if (strcmp(cls, "StandardScaler") == 0) {
        rc = one(c, tr, "scale_", flag(tr, "with_std"), 1.0, &T->mul);
        if (!rc) rc = one(c, tr, "mean_", flag(tr, "with_mean"), 0.0, &T->add);
    } else if (strcmp(cls, "MinMaxScaler") == 0) {
        rc = one(c, tr, "min_", 1, 0.0, &T->sub);
        if (!rc) rc = one(c, tr, "scale_", 1, 1.0, &T->div);
    } else if (strcmp(cls, "MaxAbsScaler") == 0) {
        rc = one(c, tr, "scale_", 1, 1.0, &T->mul);
    } else if (strcmp(cls, "RobustScaler") == 0) {
        rc = one(c, tr, "scale_", flag(tr, "with_scaling"), 1.0, &T->mul);
        if (!rc) rc = one(c, tr, "center_", flag(tr, "with_centering"), 0.0, &T->add);
    } else {
        return pk_mc_fail(c,
                          "TransformedTargetRegressor: the inverse of transformer_ %s is not "
                          "supported (FunctionTransformer or a scaler)",
                          cls);
    }
    return rc;
}

pk_code pk_compile_target(pk_mc *c) {
    pk_model *m = c->m;
    const pk_value *rv = pk_attr(c->obj, "regressor_");
    const pk_value *tv = pk_attr(c->obj, "transformer_");
    if (!rv || rv->kind == PK_NONE) return pk_mc_not_fitted(c, "regressor_");
    if (!tv || tv->kind != PK_OBJECT || !tv->u.o.cls || tv->u.o.cls->kind != PK_GLOBAL)
        return pk_mc_not_fitted(c, "transformer_");
    pk_target *T = pk_mc_alloc(c, 1, sizeof *T);
    if (!T) return c->err->code;
    T->reg = pk_mc_submodel(c, rv);
    if (!T->reg) return c->err->code;
    if (T->reg->shape[PK_PREDICT] != PK_OUT_SCALAR)
        return pk_mc_fail(c,
                          "TransformedTargetRegressor: regressor_ %s does not predict one "
                          "target",
                          T->reg->cls);
    const char *tcls = tv->u.o.cls->u.g.name;
    pk_code rc;
    if (strcmp(tcls, "FunctionTransformer") == 0) {
        T->func = pk_mc_submodel(c, tv);
        if (!T->func) return c->err->code;
        rc = pk_meta_numeric(c, T->func, "transformer_");
    } else {
        rc = scaler_inverse(c, tv, tcls, T);
    }
    if (rc) return rc;
    if (m->n_features && m->n_features != T->reg->n_features)
        return pk_mc_fail(c, "TransformedTargetRegressor.n_features_in_ does not match "
                             "regressor_");
    m->n_features = T->reg->n_features;
    if (!m->feature_names) m->feature_names = T->reg->feature_names;
    m->kind = PK_MODEL_REGRESSOR;
    m->nan_ok = T->reg->nan_ok;
    m->any_width = T->reg->any_width;
    m->scratch = T->reg->scratch;
    m->impl = T;
    pk_mc_method(c, PK_PREDICT, PK_OUT_SCALAR, 1, target_predict);
    const pk_model *reg = T->reg;
    return pk_meta_typed(c, &reg, 1);
}
