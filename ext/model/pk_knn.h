/*
 * pk_knn.h - the k-nearest-neighbour search of pk_knn.c (brute force as ArgKmin, KDTree and
 * BallTree as BinaryTree.query), for families that query a fitted NearestNeighbors (Isomap,
 * LocallyLinearEmbedding: their nbrs_).
 */
#ifndef PK_KNN_H
#define PK_KNN_H

#include "pk_model_impl.h"

typedef struct pk_knn pk_knn;

/* Compiles the search of `nbrs` (a fitted NearestNeighbors: _fit_method, effective_metric_,
 * _fit_X or _tree) for k neighbours into c's model. Errors name c->m's class. */
pk_code pk_knn_search_compile(pk_mc *c, const pk_value *nbrs, size_t k, const pk_knn **out);

/* Doubles of scratch pk_knn_search needs (beyond dist and idx). */
size_t pk_knn_search_scratch(const pk_knn *K);

/* The fitted rows and their features. */
size_t pk_knn_fit_rows(const pk_knn *K);
size_t pk_knn_features(const pk_knn *K);

/* kneighbors(x): the k distances in scikit-learn's order (nearest first) and the fitted rows
 * they belong to (row numbers as doubles). */
void pk_knn_search(const pk_knn *K, const double *x, double *dist, double *idx, double *scratch);

#endif /* PK_KNN_H */
