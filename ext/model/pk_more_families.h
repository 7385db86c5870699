/*
 * pk_more_families.h - compile functions of the decomposition, kernel-approximation, clustering,
 * outlier and semi-supervised families beyond pk_families.h (one file each), listed in
 * pk_model_table.c.
 */
#ifndef PK_MORE_FAMILIES_H
#define PK_MORE_FAMILIES_H

#include "pk_model_impl.h"

pk_code pk_compile_sparse_projection(pk_mc *c); /* pk_randproj.c: SparseRandomProjection   */
pk_code pk_compile_factor_analysis(pk_mc *c);   /* pk_factor.c: FactorAnalysis               */

pk_code pk_compile_kernel_pca(pk_mc *c);    /* pk_kpca.c: KernelPCA                      */
pk_code pk_compile_kernel_approx(pk_mc *c); /* pk_kernel_approx.c: RBFSampler, Nystroem,
                                               Skewed/AdditiveChi2Sampler               */

pk_code pk_compile_centres(pk_mc *c);       /* pk_kmeans.c: AffinityPropagation, MeanShift,
                                               Birch                                     */
pk_code pk_compile_agglomeration(pk_mc *c); /* pk_agglo.c: FeatureAgglomeration          */

pk_code pk_compile_sgd_ocsvm(pk_mc *c); /* pk_sgd_ocsvm.c: SGDOneClassSVM            */
pk_code pk_compile_wrapped(pk_mc *c);   /* pk_wrapped.c: RANSACRegressor,
                                           SelfTrainingClassifier                   */

#endif /* PK_MORE_FAMILIES_H */
