/*
 * tree_graph.h - builds the value graph of a fitted scikit-learn decision tree by hand (what
 * unpickling a DecisionTreeClassifier / DecisionTreeRegressor gives), for tests/unit/test_tree.c
 * and tests/fuzz/fuzz_tree.c. Header-only, static functions; everything lives in one arena.
 *
 *   estimator (sklearn.tree._classes.DecisionTree{Classifier,Regressor}, NEWOBJ + BUILD state
 *   {n_features_in_, n_outputs_, classes_, tree_}) -> tree_ = REDUCE(sklearn.tree._tree.Tree,
 *   (n_features, array([n_classes]), 1)) + BUILD {max_depth, node_count, nodes, values}.
 *
 * `nodes` is a structured array built with pk_np_array_from_data over record bytes: the 56-byte
 * record of scikit-learn <= 1.2 (left_child, right_child, feature i8, threshold, impurity f8,
 * n_node_samples i8, weighted_n_node_samples f8) or the 64-byte one of >= 1.3 (+
 * missing_go_to_left u1 at 56, padded). tg_node_dtype can also give a wrong field type, to test
 * the compiler's refusal. Builders return NULL only when the arena is exhausted.
 */
#ifndef TREE_GRAPH_H
#define TREE_GRAPH_H

#include "pk.h"
#include "pk_err.h"
#include "pk_ndarray.h"
#include "pk_value.h"

#include <stdint.h>
#include <string.h>

typedef struct tg_node {
    int64_t left, right, feature;
    double threshold;
    int64_t n_node_samples;
    uint8_t missing_go_to_left;
} tg_node;

/* A primitive dtype ('i' 8, 'f' 8, 'u' 1). */
static inline pk_value *tg_prim(pk_arena *ar, char kind, size_t size) {
    pk_value *v = pk_new(ar, PK_DTYPE);
    pk_dtype *dt = pk_arena_calloc(ar, 1, sizeof *dt);
    if (!v || !dt) return NULL;
    dt->kind = kind;
    dt->byteorder = size > 1 ? '<' : '|';
    dt->itemsize = size;
    v->u.dt = dt;
    return v;
}

/* The node record dtype: 56 or 64 bytes. thr_kind/thr_size give the threshold field's type
 * ('f', 8 normally). */
static inline pk_value *tg_node_dtype(pk_arena *ar, int rec64, char thr_kind, size_t thr_size) {
    static const char *names[] = {"left_child",
                                  "right_child",
                                  "feature",
                                  "threshold",
                                  "impurity",
                                  "n_node_samples",
                                  "weighted_n_node_samples",
                                  "missing_go_to_left"};
    static const char kinds[] = {'i', 'i', 'i', 'f', 'f', 'i', 'f', 'u'};
    static const size_t sizes[] = {8, 8, 8, 8, 8, 8, 8, 1};
    size_t nf = rec64 ? 8 : 7;
    pk_value *v = pk_new(ar, PK_DTYPE);
    pk_dtype *dt = pk_arena_calloc(ar, 1, sizeof *dt);
    pk_dtfield *f = pk_arena_calloc(ar, nf, sizeof *f);
    if (!v || !dt || !f) return NULL;
    dt->kind = 'V';
    dt->byteorder = '|';
    dt->itemsize = rec64 ? 64 : 56;
    dt->nfields = nf;
    dt->fields = f;
    for (size_t i = 0; i < nf; i++) {
        f[i].name = names[i];
        f[i].offset = i * 8;
        f[i].dtype = i == 3 ? tg_prim(ar, thr_kind, thr_size) : tg_prim(ar, kinds[i], sizes[i]);
        if (!f[i].dtype) return NULL;
    }
    v->u.dt = dt;
    return v;
}

/* Record bytes of n nodes (in the arena). */
static inline uint8_t *tg_records(pk_arena *ar, const tg_node *nodes, size_t n, int rec64) {
    size_t rs = rec64 ? 64 : 56;
    uint8_t *b = pk_arena_calloc(ar, n ? n : 1, rs);
    if (!b) return NULL;
    for (size_t i = 0; i < n; i++) {
        uint8_t *r = b + i * rs;
        double imp = 0.5, w = (double)nodes[i].n_node_samples;
        memcpy(r, &nodes[i].left, 8);
        memcpy(r + 8, &nodes[i].right, 8);
        memcpy(r + 16, &nodes[i].feature, 8);
        memcpy(r + 24, &nodes[i].threshold, 8);
        memcpy(r + 32, &imp, 8);
        memcpy(r + 40, &nodes[i].n_node_samples, 8);
        memcpy(r + 48, &w, 8);
        if (rec64) r[56] = nodes[i].missing_go_to_left;
    }
    return b;
}

static inline void tg_set(pk_arena *ar, pk_value *obj, const char *key, pk_value *v) {
    pk_err err;
    pk_err_clear(&err);
    if (obj && v) pk_dict_set(ar, obj->u.o.state, pk_new_str(ar, key, strlen(key)), v, &err);
}

static inline pk_value *tg_tuple3(pk_arena *ar, pk_value *a, pk_value *b, pk_value *c) {
    pk_value *t = pk_new_seq(ar, PK_TUPLE, 3);
    pk_err err;
    if (!t || !a || !b || !c) return NULL;
    pk_seq_append(ar, t, a, &err);
    pk_seq_append(ar, t, b, &err);
    pk_seq_append(ar, t, c, &err);
    return t;
}

/* A Tree object over record bytes `rec` (nbytes of them, n_nodes records of `dtype`), with
 * values n_nodes x 1 x n_classes (n_classes 1 for a regressor). */
static inline pk_value *tg_tree(pk_arena *ar, pk_value *dtype, const uint8_t *rec, size_t n_nodes,
                                size_t nbytes, int64_t n_features, int64_t n_classes,
                                const double *values) {
    pk_err err;
    pk_err_clear(&err);
    int64_t shape1[1] = {(int64_t)n_nodes};
    pk_value *nodes = pk_np_array_from_data(ar, dtype, 1, shape1, 0, rec, nbytes, &err);
    int64_t shape3[3] = {(int64_t)n_nodes, 1, n_classes};
    size_t vb = n_nodes * (size_t)n_classes * sizeof(double);
    uint8_t *vd = pk_arena_alloc(ar, vb ? vb : 1);
    if (!nodes || !vd) return NULL;
    if (vb) memcpy(vd, values, vb);
    pk_value *vals = pk_np_array_from_data(ar, tg_prim(ar, 'f', 8), 3, shape3, 0, vd, vb, &err);
    int64_t one[1] = {1};
    uint8_t *ncb = pk_arena_alloc(ar, 8);
    if (!vals || !ncb) return NULL;
    memcpy(ncb, &n_classes, 8);
    pk_value *ncd = pk_np_array_from_data(ar, tg_prim(ar, 'i', 8), 1, one, 0, ncb, 8, &err);
    pk_value *args = tg_tuple3(ar, pk_new_int(ar, n_features), ncd, pk_new_int(ar, 1));
    pk_value *cls = pk_new_global(ar, "sklearn.tree._tree", 18, "Tree", 4);
    pk_value *t = args && cls ? pk_new_object(ar, cls, args, PK_HOW_REDUCE) : NULL;
    if (!t || !(t->u.o.state = pk_new_dict(ar, 4))) return NULL;
    tg_set(ar, t, "max_depth", pk_new_int(ar, 10));
    tg_set(ar, t, "node_count", pk_new_int(ar, (int64_t)n_nodes));
    tg_set(ar, t, "nodes", nodes);
    tg_set(ar, t, "values", vals);
    return t;
}

/* A fitted estimator object of class module.name holding `member` under `key`, with the
 * attributes both tree estimators and forests have: n_features_in_, n_outputs_ 1 and, for a
 * classifier, classes_ 0..n_classes-1. */
static inline pk_value *tg_fitted(pk_arena *ar, const char *module, const char *name, int clf,
                                  const char *key, pk_value *member, int64_t n_features,
                                  int64_t n_classes) {
    pk_value *cls = pk_new_global(ar, module, strlen(module), name, strlen(name));
    pk_value *o = cls && member ? pk_new_object(ar, cls, NULL, PK_HOW_NEWOBJ) : NULL;
    if (!o || !(o->u.o.state = pk_new_dict(ar, 8))) return NULL;
    tg_set(ar, o, "n_features_in_", pk_new_int(ar, n_features));
    tg_set(ar, o, "n_outputs_", pk_new_int(ar, 1));
    if (clf) {
        pk_value *l = pk_new_seq(ar, PK_LIST, (size_t)n_classes);
        pk_err err;
        if (!l) return NULL;
        for (int64_t k = 0; k < n_classes; k++)
            pk_seq_append(ar, l, pk_new_int(ar, k), &err);
        tg_set(ar, o, "classes_", l);
        tg_set(ar, o, "n_classes_", pk_new_int(ar, n_classes));
    }
    tg_set(ar, o, key, member);
    return o;
}

/* The estimator around a Tree: classifier with classes 0..n_classes-1, or regressor. */
static inline pk_value *tg_estimator(pk_arena *ar, int clf, pk_value *tree, int64_t n_features,
                                     int64_t n_classes) {
    pk_value *o = tg_fitted(ar, "sklearn.tree._classes",
                            clf ? "DecisionTreeClassifier" : "DecisionTreeRegressor", clf, "tree_",
                            tree, n_features, n_classes);
    tg_set(ar, o, "splitter", pk_new_str(ar, "best", 4));
    return o;
}

/* A RandomForest{Classifier,Regressor} over a list of tree estimators. */
static inline pk_value *tg_forest(pk_arena *ar, int clf, pk_value *estimators, int64_t n_features,
                                  int64_t n_classes) {
    return tg_fitted(ar, "sklearn.ensemble._forest",
                     clf ? "RandomForestClassifier" : "RandomForestRegressor", clf, "estimators_",
                     estimators, n_features, n_classes);
}

#endif /* TREE_GRAPH_H */
