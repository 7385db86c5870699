/*
 * pk_knn.h - the neighbour search of the k-nearest-neighbour family (pk_knn.c), shared with the
 * other neighbour estimators (pk_neighbors.c: NearestNeighbors, KNeighborsTransformer,
 * RadiusNeighbors*, LocalOutlierFactor; pk_manifold.c: Isomap and LocallyLinearEmbedding query
 * their nbrs_). The search is compiled from a fitted NeighborsBase
 * (_fit_method, effective_metric_, _fit_X or _tree) and answers kneighbors() for one row with
 * scikit-learn 1.2's neighbours, distances and tie order (see pk_knn.c).
 */
#ifndef PK_KNN_H
#define PK_KNN_H

#include "pk_model_impl.h"

enum { KN_CHUNK = 256 }; /* scikit-learn's pairwise_dist_chunk_size default */
enum { M_EUCLID, M_MANHATTAN, M_CHEBYSHEV, M_MINKOWSKI };
enum { ALG_BRUTE, ALG_KD, ALG_BALL };

typedef struct kn_node {
    size_t start, end;
    int leaf;
    double radius;
} kn_node;

typedef struct pk_knn {
    int alg, metric, gemm, distance_w, clf;
    int fast_lb; /* kd-tree, p 2 or 1: bounds approximated by h * h or h before pow (pk_knn.c) */
    double p;
    size_t n, nf, k, nout, ncls, acc;
    size_t threads, n_chunks; /* brute: ArgKmin's thread count and 256-row chunks of X */
    const double *X;          /* n x nf (brute: _fit_X; trees read with leaf_order: the tree's
                                 data in idx_array order, row p is data row idx_array[p]) */
    double *xnorm;            /* brute euclidean: ||y_j||^2                      */
    const double *y;          /* n x nout: class index (classifier) or target    */
    size_t *idx_array;        /* trees                                           */
    kn_node *nodes;           /* trees                                           */
    size_t n_nodes;           /* trees                                           */
    const double *lo;         /* kd: n_nodes x nf minimums; ball: centroids      */
    const double *hi;         /* kd: maximums                                    */
    /* scratch (doubles): dist[k] | idx[k] | w[k] | tmp[k] | acc[max(ncls, nout)] | heaps */
} pk_knn;

/* Reads the search of c->obj (_fit_method, effective_metric_, p, _fit_X or _tree) into K and
 * checks the feature count; k (1 .. the fitted rows) is the neighbour count kneighbors() will
 * be asked for. */
pk_code pk_knn_search_compile(pk_mc *c, pk_knn *K, double k);

/* Reads a pickled KDTree (K->alg == ALG_KD) or BallTree `t` (named `what` in messages): the
 * data, idx_array, node_data and node_bounds of its state tuple into K (n, nf, X, idx_array,
 * nodes, n_nodes, lo, hi), every index checked. *state / *nstate: the state tuple's items (the
 * distance metric is item 11, sample_weight item 12 when present) for the caller to read.
 * leaf_order: store X in idx_array order (row p of X is training row idx_array[p], so a leaf's
 * points are consecutive rows, what the neighbour searches read); 0 keeps the pickled order. */
pk_code pk_knn_tree_read(pk_mc *c, const pk_value *t, const char *what, int leaf_order, pk_knn *K,
                         const pk_value *const **state, size_t *nstate);

/* The class of an object pickled as cls(...) or as newObj(cls) (scikit-learn's Cython classes,
 * KDTree and the distance metrics among them); NULL when neither. */
const pk_value *pk_knn_class_of(const pk_value *o);

/* Swaps entries a and b of two parallel arrays (distances or keys, and their indices). */
void pk_knn_swap(double *d, double *ix, size_t a, size_t b);

/* Doubles of work space pk_knn_query needs beyond dist and idx. */
size_t pk_knn_work(const pk_knn *K);

/* kneighbors() of one row: dist[0..k) ascending, idx[0..k) the training rows (as doubles). */
void pk_knn_query(const pk_knn *K, const double *x, double *dist, double *idx, double *work);

/* The reduced distance from x to the training row stored at position p (0 .. n-1), as the
 * radius searches compare it with the reduced radius (brute euclidean: scikit-learn's ||x||^2 -
 * 2 x.y + ||y||^2 clipped at 0, with xn = ||x||^2; otherwise the metric's rdist), and the
 * conversions between the two. */
double pk_knn_rdist(const pk_knn *K, const double *x, double xn, size_t p);
/* The training row number stored at position p (a tree stores its rows in idx_array order). */
size_t pk_knn_row(const pk_knn *K, size_t p);
double pk_knn_to_dist(const pk_knn *K, double rdist);
double pk_knn_to_rdist(const pk_knn *K, double dist);

#endif /* PK_KNN_H */
