/*
 * pk_preproc.h - compile functions of the numeric preprocessing families (one file each), listed
 * in pk_model_table.c, and the numpy ufuncs they interpret.
 */
#ifndef PK_PREPROC_H
#define PK_PREPROC_H

#include "pk_model_impl.h"

/* A numpy ufunc of one double argument, computed as numpy computes it (see pk_function.c). */
typedef double (*pk_ufunc)(double);

/* The ufunc a pickled global names (numpy.log1p under any of its module spellings, e.g.
 * numpy.core._multiarray_umath.log1p); NULL when v is not a global naming a supported ufunc.
 * Nothing is imported: the name selects a C function. */
pk_ufunc pk_ufunc_of(const pk_value *v);

pk_code pk_compile_function(pk_mc *c); /* pk_function.c: FunctionTransformer                 */
pk_code pk_compile_kbins(pk_mc *c);    /* pk_kbins.c: KBinsDiscretizer                        */
pk_code pk_compile_selector(pk_mc *c); /* pk_select.c: VarianceThreshold, SelectKBest, RFE... */
pk_code pk_compile_union(pk_mc *c);    /* pk_union.c: FeatureUnion                            */
pk_code pk_compile_power(pk_mc *c);    /* pk_power.c: PowerTransformer                        */
pk_code pk_compile_quantile(pk_mc *c); /* pk_quantile.c: QuantileTransformer                  */
pk_code pk_compile_target(pk_mc *c);   /* pk_target.c: TransformedTargetRegressor             */
pk_code pk_compile_spline(pk_mc *c);   /* pk_spline.c: SplineTransformer                      */

/* The inverse of a compiled transformer's transform, for TransformedTargetRegressor: one value
 * in, one value out (its transformer_ sees a single target column). NULL when the family has
 * none. Set by the families that provide one (scalers via pk_target.c, FunctionTransformer). */
typedef pk_code (*pk_inverse_fn)(const pk_model *m, double y, double *out, pk_err *err);

/* FunctionTransformer's inverse_func applied to one value (identity when None). */
pk_code pk_function_inverse(const pk_model *m, double y, double *out, pk_err *err);

#endif /* PK_PREPROC_H */
