/*
 * pk_function.c - sklearn.preprocessing.FunctionTransformer whose func / inverse_func is None
 * (identity) or a numpy ufunc of one argument, and the table of those ufuncs.
 *
 * A pickled ufunc is a global (numpy 1.x: numpy.core._multiarray_umath.log1p; numpy 2:
 * numpy._core._multiarray_umath.log1p; also numpy.log1p). The catalogue lists every spelling as a
 * safe helper; here the name selects a C function, nothing is imported or called by name.
 *
 * Exactness: the transcendental ufuncs are glibc's libm functions. numpy 1.24 computes them with
 * the same libm functions on CPUs without AVX-512 (bit for bit, checked over 700,000 values; tanh
 * also needs AVX2/FMA3 off); on AVX-512 CPUs it uses its own SIMD kernels (SVML), which differ
 * from libm by at most one unit in the last place (observed relative difference <= 8e-16). The
 * arithmetic ufuncs (square, reciprocal, negative, absolute, sign, floor, ...) are exact.
 *
 * transform: validate=True refuses missing values (check_array), validate=False passes them to the
 * function (NaN in, NaN out). kw_args must be None or empty. inverse_transform is used by
 * TransformedTargetRegressor (pk_function_inverse).
 */
#include "pk_preproc.h"

#include <math.h>
#include <string.h>

static double uf_square(double x) {
    return x * x;
}
static double uf_reciprocal(double x) {
    return 1.0 / x;
}
static double uf_negative(double x) {
    return -x;
}
static double uf_positive(double x) {
    return x;
}
static double uf_sign(double x) {
    return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x;
}
static double uf_deg2rad(double x) {
    return x * (M_PI / 180.0);
}
static double uf_rad2deg(double x) {
    return x * (180.0 / M_PI);
}

typedef struct ufunc_row {
    const char *name;
    pk_ufunc fn;
} ufunc_row;

/* numpy ufunc names (ufunc.__name__, what the pickle names) and their C functions. */
static const ufunc_row UFUNCS[] = {
    {"log1p", log1p},
    {"expm1", expm1},
    {"log", log},
    {"exp", exp},
    {"exp2", exp2},
    {"log2", log2},
    {"log10", log10},
    {"sqrt", sqrt},
    {"cbrt", cbrt},
    {"square", uf_square},
    {"reciprocal", uf_reciprocal},
    {"negative", uf_negative},
    {"positive", uf_positive},
    {"absolute", fabs},
    {"fabs", fabs},
    {"sign", uf_sign},
    {"rint", rint},
    {"floor", floor},
    {"ceil", ceil},
    {"trunc", trunc},
    {"sin", sin},
    {"cos", cos},
    {"tan", tan},
    {"arcsin", asin},
    {"arccos", acos},
    {"arctan", atan},
    {"sinh", sinh},
    {"cosh", cosh},
    {"tanh", tanh},
    {"arcsinh", asinh},
    {"arccosh", acosh},
    {"arctanh", atanh},
    {"deg2rad", uf_deg2rad},
    {"rad2deg", uf_rad2deg},
    {"radians", uf_deg2rad},
    {"degrees", uf_rad2deg},
};

/* The canonical module of the catalogue's ufunc rows (scripts/gen_catalogue.py). */
#define UFUNC_MODULE "numpy.core._multiarray_umath"

pk_ufunc pk_ufunc_of(const pk_value *v) {
    if (!v || v->kind != PK_GLOBAL) return NULL;
    const pk_cat_row *row = pk_catalogue_find(v->u.g.module, v->u.g.name);
    if (!row || strcmp(row->module, UFUNC_MODULE) != 0) return NULL;
    for (size_t i = 0; i < sizeof UFUNCS / sizeof UFUNCS[0]; i++)
        if (strcmp(UFUNCS[i].name, row->name) == 0) return UFUNCS[i].fn;
    return NULL;
}

typedef struct pk_functx {
    size_t n;
    pk_ufunc func, inverse; /* NULL: identity */
} pk_functx;

static pk_code function_transform(const pk_model *m, const double *x, double *scratch, double *out,
                                  pk_err *err) {
    (void)scratch;
    (void)err;
    const pk_functx *F = m->impl;
    for (size_t j = 0; j < F->n; j++)
        out[j] = F->func ? F->func(x[j]) : x[j];
    return PK_OK;
}

pk_code pk_function_inverse(const pk_model *m, double y, double *out, pk_err *err) {
    (void)err;
    const pk_functx *F = m->impl;
    *out = F->inverse ? F->inverse(y) : y;
    return PK_OK;
}

/* func / inverse_func: None or a supported ufunc. */
static pk_code read_func(pk_mc *c, const char *attr, pk_ufunc *out) {
    const pk_value *v = pk_attr(c->obj, attr);
    *out = NULL;
    if (!v || v->kind == PK_NONE) return PK_OK;
    *out = pk_ufunc_of(v);
    if (*out) return PK_OK;
    if (v->kind == PK_GLOBAL)
        return pk_mc_fail(c,
                          "FunctionTransformer.%s is %s.%s: only numpy ufuncs of one argument "
                          "can be scored",
                          attr, v->u.g.module, v->u.g.name);
    return pk_mc_fail(c, "FunctionTransformer.%s is not a numpy ufunc", attr);
}

/* kw_args / inv_kw_args: None or an empty dict (a ufunc takes no keyword we interpret). */
static pk_code no_kwargs(pk_mc *c, const char *attr) {
    const pk_value *v = pk_attr(c->obj, attr);
    if (!v || v->kind == PK_NONE || (v->kind == PK_DICT && v->u.d.len == 0)) return PK_OK;
    return pk_mc_fail(c, "FunctionTransformer.%s is not supported (only None or {})", attr);
}

pk_code pk_compile_function(pk_mc *c) {
    pk_model *m = c->m;
    if (!m->n_features) return pk_mc_not_fitted(c, "n_features_in_");
    pk_functx *F = pk_mc_alloc(c, 1, sizeof *F);
    if (!F) return c->err->code;
    pk_code rc = read_func(c, "func", &F->func);
    if (!rc) rc = read_func(c, "inverse_func", &F->inverse);
    if (!rc) rc = no_kwargs(c, "kw_args");
    if (!rc) rc = no_kwargs(c, "inv_kw_args");
    if (rc) return rc;
    F->n = m->n_features;
    m->kind = PK_MODEL_TRANSFORMER;
    m->impl = F;
    m->nan_ok = !pk_mc_bool(c, "validate", 0);
    pk_mc_method(c, PK_TRANSFORM, PK_OUT_ARRAY, F->n, function_transform);
    return PK_OK;
}
