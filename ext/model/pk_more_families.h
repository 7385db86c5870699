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

pk_code pk_compile_kernel_pca(pk_mc *c);      /* pk_kpca.c: KernelPCA                      */
pk_code pk_compile_kernel_centerer(pk_mc *c); /* pk_kpca.c: KernelCenterer                 */
pk_code pk_compile_kernel_approx(pk_mc *c);   /* pk_kernel_approx.c: RBFSampler, Nystroem,
                                                 Skewed/AdditiveChi2Sampler,
                                                 PolynomialCountSketch                    */

pk_code pk_compile_nmf(pk_mc *c);        /* pk_nmf.c: NMF, MiniBatchNMF                */
pk_code pk_compile_lda_topics(pk_mc *c); /* pk_lda_topics.c: LatentDirichletAllocation */
pk_code pk_compile_manifold(pk_mc *c);   /* pk_manifold.c: Isomap, LocallyLinearEmbedding */

pk_code pk_compile_centres(pk_mc *c);       /* pk_kmeans.c: AffinityPropagation, MeanShift,
                                               Birch                                     */
pk_code pk_compile_agglomeration(pk_mc *c); /* pk_agglo.c: FeatureAgglomeration          */

pk_code pk_compile_kernel_ridge(pk_mc *c);   /* pk_kridge.c: KernelRidge                   */
pk_code pk_compile_pls(pk_mc *c);            /* pk_pls.c: PLSRegression, PLSCanonical, CCA,
                                                PLSSVD                                    */
pk_code pk_compile_gpr(pk_mc *c);            /* pk_gp.c: GaussianProcessRegressor          */
pk_code pk_compile_gpc(pk_mc *c);            /* pk_gp.c: GaussianProcessClassifier (and its
                                                binary Laplace estimators)                */
pk_code pk_compile_neighbors(pk_mc *c);      /* pk_neighbors.c: NearestNeighbors,
                                                K/RadiusNeighborsTransformer,
                                                RadiusNeighborsClassifier/Regressor,
                                                LocalOutlierFactor                       */
pk_code pk_compile_rbm(pk_mc *c);            /* pk_rbm.c: BernoulliRBM                    */
pk_code pk_compile_kernel_density(pk_mc *c); /* pk_kde.c: KernelDensity (score_samples) */

pk_code pk_compile_sgd_ocsvm(pk_mc *c); /* pk_sgd_ocsvm.c: SGDOneClassSVM            */
pk_code pk_compile_wrapped(pk_mc *c);
/* pk_wrapped.c: makes c->m the compiled estimator at attribute `attr` of c->obj (its methods,
 * kind and classes), keeping the wrapper's class name, module and feature names. */
pk_code pk_mc_take_inner(pk_mc *c, const char *attr); /* pk_wrapped.c: RANSACRegressor,
                                         SelfTrainingClassifier                   */

pk_code pk_compile_covariance(pk_mc *c);       /* pk_covariance.c: EllipticEnvelope and the
                                                  covariance estimators (mahalanobis)      */
pk_code pk_compile_sparse_pca(pk_mc *c);       /* pk_sparse_pca.c: (MiniBatch)SparsePCA     */
pk_code pk_compile_label_prop(pk_mc *c);       /* pk_label_prop.c: LabelPropagation,
                                                  LabelSpreading (rbf kernel)              */
pk_code pk_compile_trees_embedding(pk_mc *c);  /* pk_trees_embed.c: RandomTreesEmbedding */
pk_code pk_compile_bisecting_kmeans(pk_mc *c); /* pk_kmeans.c: BisectingKMeans      */
pk_code pk_compile_sparse_code(pk_mc *c);      /* pk_sparse_code.c: DictionaryLearning,
                                                  MiniBatchDictionaryLearning, SparseCoder  */

#endif /* PK_MORE_FAMILIES_H */
