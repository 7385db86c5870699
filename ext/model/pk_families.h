/*
 * pk_families.h - compile functions of the naive Bayes, SVM, nearest-neighbour, MLP, dummy,
 * discriminant analysis, nearest-centroid and Gaussian mixture families (one file each), listed in
 * pk_model_table.c.
 */
#ifndef PK_FAMILIES_H
#define PK_FAMILIES_H

#include "pk_model_impl.h"

pk_code
pk_compile_nb(pk_mc *c); /* pk_nb.c: GaussianNB, Multinomial/Complement/Bernoulli/CategoricalNB */
pk_code pk_compile_svm(pk_mc *c);       /* pk_svm.c: SVC, NuSVC, SVR, NuSVR, OneClassSVM         */
pk_code pk_compile_knn(pk_mc *c);       /* pk_knn.c: KNeighborsClassifier/Regressor              */
pk_code pk_compile_mlp(pk_mc *c);       /* pk_mlp.c: MLPClassifier/MLPRegressor                  */
pk_code pk_compile_dummy(pk_mc *c);     /* pk_dummy.c: DummyClassifier, DummyRegressor       */
pk_code pk_compile_da(pk_mc *c);        /* pk_da.c: Linear/QuadraticDiscriminantAnalysis     */
pk_code pk_compile_ncentroid(pk_mc *c); /* pk_ncentroid.c: NearestCentroid                   */
pk_code pk_compile_gmm(pk_mc *c);       /* pk_mixture.c: GaussianMixture                     */

/* meta-estimators (pk_meta.h) */
pk_code pk_compile_voting(pk_mc *c);       /* pk_voting.c: VotingClassifier/Regressor           */
pk_code pk_compile_stacking(pk_mc *c);     /* pk_stacking.c: StackingClassifier/Regressor       */
pk_code pk_compile_search(pk_mc *c);       /* pk_meta.c: Grid/Randomized/Halving*SearchCV       */
pk_code pk_compile_calibrated(pk_mc *c);   /* pk_calibration.c: CalibratedClassifierCV       */
pk_code pk_compile_isotonic(pk_mc *c);     /* pk_isotonic.c: IsotonicRegression              */
pk_code pk_compile_multiclass(pk_mc *c);   /* pk_multiclass.c: OneVsRest/OneVsOne/OutputCode */
pk_code pk_compile_bagging_any(pk_mc *c);  /* pk_bag_any.c: Bagging over non-tree bases */
pk_code pk_compile_adaboost_any(pk_mc *c); /* pk_bag_any.c: AdaBoost over non-tree bases */
pk_code pk_compile_multioutput(pk_mc *c);  /* pk_multioutput.c: MultiOutput*, *Chain        */

#endif /* PK_FAMILIES_H */
