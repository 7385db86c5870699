/*
 * pk_trees.h - compiled decision trees shared by the tree families (internal to ext/model).
 *
 * A fitted sklearn.tree._tree.Tree (the `tree_` of every DecisionTree*, the estimators of
 * forests, boosting and bagging) is read from its pickled state -- `nodes` (a structured numpy
 * array read by field name and offset, so the 56-byte record of scikit-learn <= 1.2 and the
 * 64-byte record with `missing_go_to_left` of >= 1.3 both work), `values`, `node_count` -- and
 * compiled into a pk_tree: packed 16-byte nodes whose two children are adjacent (the compiler
 * renumbers the reachable nodes breadth first), plus one payload row per leaf whose meaning the
 * caller chooses (class counts, a regression value, an isolation-forest path length).
 *
 * Compile-time validation (clean PK_EMODEL errors, never a crash or endless loop at predict
 * time): the dtype must have the int64/float64 fields read; child indices in range; a leaf has
 * both children -1 (TREE_LEAF), a split neither; no node reached twice from the root (cycles,
 * shared children); split features < the tree's n_features. Descent is then a bounded loop.
 *
 * HistGradientBoosting's predictor nodes are a different record (pk_hgb.c), not this one.
 */
#ifndef PK_TREES_H
#define PK_TREES_H

#include "pk_model_impl.h"

#include <math.h>
#include <string.h>

/* Packed 16-byte node. Splits: x goes left when (float)x <= thr, i.e. to kid, else to kid + 1
 * (kid > this node's index: breadth-first numbering). thr is the largest float32 <= the double
 * threshold, so comparing the float32 row value with it is exactly scikit-learn's
 * `(double)(float)x <= threshold` (NaN thresholds become -inf: never left). aux holds
 * PK_TNODE_MLEFT when missing values go left. Leaves: kid is the leaf's own index, feat 0, thr
 * +inf (so a fixed-count descent stays on the leaf), aux the leaf number. */
typedef struct pk_tnode {
    float thr;
    uint32_t feat;
    uint32_t kid;
    uint32_t aux;
} pk_tnode;

#define PK_TNODE_MLEFT 0x1u

typedef struct pk_tree {
    pk_tnode *nodes;
    size_t n_nodes, n_leaves;
    size_t vw;         /* payload doubles per leaf                                 */
    double *leaf;      /* n_leaves * vw                                            */
    size_t n_features; /* the Tree's own n_features (columns it is applied to)     */
    int has_missing;   /* the node record has missing_go_to_left (sklearn >= 1.3)  */
    uint32_t depth;    /* edges from the root to the deepest leaf                  */
} pk_tree;

/* What a leaf-payload callback may read of the raw tree besides the node's value row. */
typedef struct pk_tree_raw {
    size_t n;                    /* node_count                                          */
    size_t n_outputs, n_cls_max; /* values is n x n_outputs x n_cls_max                 */
    size_t n_features;
    const int64_t *n_classes; /* n_outputs entries (from the Tree's arguments)       */
    const uint8_t *rec;       /* node i's record at rec + i * stride (in the array)  */
    size_t stride;
    size_t off_nsamp; /* n_node_samples' offset in a record, when has_nsamp  */
    int has_nsamp;
} pk_tree_raw;

/* n_node_samples of node i (< raw->n) into *out; 0 when the records have no such field. */
static inline int pk_tree_nsamples(const pk_tree_raw *raw, size_t i, int64_t *out) {
    if (!raw->has_nsamp) return 0;
    memcpy(out, raw->rec + i * raw->stride + raw->off_nsamp, sizeof *out);
    return 1;
}

/* The leaf-payload callback: fills vw doubles for original node `node` (a leaf at `depth`,
 * the root being depth 0) from value, the node's row of tree_.value (n_outputs x n_cls_max
 * doubles, C order), and the raw tree data. Called once per leaf, in the compiled leaf order. */
typedef pk_code (*pk_leaf_fn)(pk_mc *c, void *ctx, const pk_tree_raw *raw, const double *value,
                              size_t node, size_t depth, double *payload);

/* Compiles `tree_obj` (an sklearn.tree._tree.Tree object) with `vw` payload doubles per leaf
 * filled by `leaf`, or, when leaf is NULL, copied from the start of the leaf's value row (vw
 * must not exceed the row). `what` names the tree in messages ("estimators_[3].tree_"). */
pk_code pk_tree_compile(pk_mc *c, const pk_value *tree_obj, const char *what, size_t vw,
                        pk_leaf_fn leaf, void *ctx, pk_tree *out);

/* Index of the leaf a row without NaN reaches: exactly `depth` branch-free steps (a leaf keeps
 * the walk on itself). */
static inline uint32_t pk_tree_descend(const pk_tree *t, const float *xf) {
    const pk_tnode *nodes = t->nodes;
    uint32_t i = 0;
    for (uint32_t d = 0; d < t->depth; d++) {
        const pk_tnode *n = &nodes[i];
        i = n->kid + (xf[n->feat] > n->thr);
    }
    return i;
}

/* The same for a row that may hold NaN (routed by missing_go_to_left, right when absent).
 * Bounded: every step moves to a higher index. */
static inline uint32_t pk_tree_descend_nan(const pk_tree *t, const float *xf) {
    const pk_tnode *nodes = t->nodes;
    uint32_t i = 0;
    for (;;) {
        const pk_tnode *n = &nodes[i];
        if (n->kid == i) return i;
        float v = xf[n->feat];
        uint32_t right = isnan(v) ? !(n->aux & PK_TNODE_MLEFT) : (v > n->thr);
        i = n->kid + right;
    }
}

/* The payload row of the leaf xf falls into. xf holds the row cast to float32, indexed by the
 * tree's own columns; nan says whether it holds a NaN (pk_tree_cast_row). */
static inline const double *pk_tree_leaf(const pk_tree *t, const float *xf, int nan) {
    uint32_t i = nan ? pk_tree_descend_nan(t, xf) : pk_tree_descend(t, xf);
    return t->leaf + (size_t)t->nodes[i].aux * t->vw;
}

/* Casts the row x (m->n_features values) to float32, as scikit-learn's check_array(dtype=
 * float32) does, into the model's scratch (m->scratch doubles, allocated storage that tree
 * models only ever use as floats) and points *xf at it; *nan is set to 1 when the row holds a
 * NaN. A finite value beyond float32's range becomes infinite there: PK_EFEATURE, as
 * scikit-learn refuses it. */
pk_code pk_tree_cast_row(const pk_model *m, const double *x, double *scratch, float **xf, int *nan,
                         pk_err *err);

/* ---- many trees at once -------------------------------------------------------------------- */

/* Trees walked in lock step, PK_TGROUP at a time: their independent descents overlap in the
 * CPU, which a tree-after-tree walk (each step waiting for the previous load) cannot. */
#define PK_TGROUP 8

typedef struct pk_tset {
    size_t nt;
    const pk_tree **trees; /* nt                                                  */
    uint32_t *gdepth;      /* per group: the deepest of its trees                  */
} pk_tset;

/* Builds a set over nt trees found at `first`, `stride` bytes apart (in the model's arena). */
pk_code pk_tset_build(pk_mc *c, pk_tset *s, const pk_tree *first, size_t stride, size_t nt);

/* Payloads of trees [g, g + n) for one row, n = min(PK_TGROUP, nt - g), into out[0..n);
 * returns n. g is a multiple of PK_TGROUP. */
size_t pk_tset_group(const pk_tset *s, size_t g, const float *xf, int nan, const double **out);

/* ---- many rows at once (block kernels, pk_model_run_block) ---------------------------------- */

/* Rows descended in lock step through one tree: independent loads overlap as in pk_tset. */
#define PK_TROWS 8

/* A block's scratch, carved from pk_model's scratch: the rows as float32, which rows hold NaN,
 * one leaf payload pointer per row, and `accw` accumulators per row. */
typedef struct pk_tblock {
    const double **lv;     /* PK_BLOCK_ROWS                                           */
    float *xf;             /* PK_BLOCK_ROWS * n_features                              */
    unsigned char *nanrow; /* PK_BLOCK_ROWS                                           */
    double *acc;           /* PK_BLOCK_ROWS * accw                                    */
} pk_tblock;

/* Doubles of scratch pk_tblock_carve needs (declare it with pk_mc_block). */
size_t pk_tblock_scratch(size_t n_features, size_t accw);
void pk_tblock_carve(double *scratch, size_t n_features, size_t accw, pk_tblock *b);

/* Casts rows X[0 .. n) (m->n_features each) to float32 into b->xf as pk_tree_cast_row does,
 * noting the rows that hold NaN; a value too large for float32 is PK_EFEATURE, *bad its row. */
pk_code pk_tree_cast_rows(const pk_model *m, const double *X, size_t n, pk_tblock *b, size_t *bad,
                          pk_err *err);

/* b->lv[r] = the payload of the leaf row r (of n) reaches in t; rows of the block are read at
 * b->xf + r * stride. Rows without NaN go PK_TROWS at a time in lock step. */
void pk_tree_leaves_rows(const pk_tree *t, const pk_tblock *b, size_t stride, size_t n);

/* acc[r * acc_stride] += the first value of the payload of the leaf row r (of n) reaches in t:
 * pk_tree_leaves_rows and a sum over the rows in one pass. */
void pk_tree_add_leaf_rows(const pk_tree *t, const pk_tblock *b, size_t stride, size_t n,
                           double *acc, size_t acc_stride);

/* ---- a decision tree estimator (shared by forests, boosting, bagging) -------------------- */

/* What a tree estimator's compiled leaves hold. */
typedef enum pk_tree_payload {
    PK_TP_RAW,   /* value[leaf] as stored: n_outputs x n_cls_max doubles                 */
    PK_TP_PROBA, /* classifier: value/value.sum() per output (sum of n_classes doubles)    */
    PK_TP_VALUE  /* regressor: value[leaf][o][0] for each output (n_outputs doubles)      */
} pk_tree_payload;

/* A decision-tree estimator object (DecisionTree or ExtraTree classes) compiled with the given
 * payload. n_outputs and n_classes (per output, 1 for regressors) describe the tree. */
typedef struct pk_dtree {
    pk_tree t;
    size_t n_outputs;
    size_t *n_classes; /* n_outputs entries                                              */
    size_t n_cls_max;
} pk_dtree;

pk_code pk_dtree_compile(pk_mc *c, const pk_value *est, const char *what, pk_tree_payload pay,
                         pk_dtree *out);

/* Rewrites the split features of t through fmap (the tree was fitted on X[:, fmap]), so it
 * reads the full row; every fmap entry must be < n_total. */
pk_code pk_tree_remap(pk_mc *c, pk_tree *t, const int64_t *fmap, size_t nmap, size_t n_total,
                      const char *what);

/* value/value.sum() over n items exactly as scikit-learn's predict_proba does (a zero sum
 * leaves the values unchanged). out may be v. */
static inline void pk_tree_normalize(const double *v, size_t n, double *out) {
    double s;
    if (n == 2) { /* binary, the common case: the short case below, unrolled */
        s = (0.0 + v[0]) + v[1];
        if (s == 0.0) s = 1.0;
        out[0] = v[0] / s;
        out[1] = v[1] / s;
        return;
    }
    if (n < 8) { /* pk_np_sum's short case, inline: most trees have few classes */
        s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += v[i];
    } else {
        s = pk_np_sum(v, n);
    }
    if (s == 0.0) s = 1.0;
    for (size_t i = 0; i < n; i++)
        out[i] = v[i] / s;
}

/* 1 when a tree estimator takes NaN at predict time: its nodes know missing_go_to_left and it
 * uses the best splitter (scikit-learn >= 1.3's _support_missing_values). */
int pk_tree_est_nan_ok(const pk_value *est, const pk_tree *t);

/* Numeric labels of each output of a multi-output classifier from classes_ (a list of no
 * arrays of ncls[o] labels); *out is NULL when some labels are not numbers (predict is then
 * unavailable). */
pk_code pk_tree_multi_labels(pk_mc *c, const pk_value *classes, size_t no, const size_t *ncls,
                             double ***out);

/* Reads an attribute that must be a list / 1-D object array of objects (estimators_). Returns
 * the items (borrowed) and count, or an error naming attr. */
pk_code pk_tree_objects(pk_mc *c, const pk_value *v, const char *attr,
                        const pk_value *const **items, size_t *n);

/* tree_.compute_feature_importances(normalize) of the Tree object `tree` (nf features) into
 * imp[0..nf). */
pk_code pk_tree_importances(pk_mc *c, const pk_value *tree, const char *what, int normalize,
                            size_t nf, double *imp);

/* feature_importances_ of a fitted tree model (DecisionTree*, ExtraTree*, RandomForest*,
 * ExtraTrees*, GradientBoosting*, AdaBoost* of those) as scikit-learn 1.2's properties compute
 * them (pk_importances.c): nf values into imp. PK_EMODEL naming the class otherwise. */
pk_code pk_feature_importances(pk_mc *c, const pk_value *est, size_t nf, double *imp);

/* ---- family compile functions -------------------------------------------------------------- */

pk_code pk_compile_dtree(pk_mc *c);    /* pk_tree.c: DecisionTree*, ExtraTree*           */
pk_code pk_compile_forest(pk_mc *c);   /* pk_forest.c: RandomForest*, ExtraTrees*        */
pk_code pk_compile_iforest(pk_mc *c);  /* pk_forest.c: IsolationForest                   */
pk_code pk_compile_bagging(pk_mc *c);  /* pk_forest.c: Bagging*                          */
pk_code pk_compile_adaboost(pk_mc *c); /* pk_forest.c: AdaBoost*                         */
pk_code pk_compile_gb(pk_mc *c);       /* pk_gb.c: GradientBoosting*                     */
pk_code pk_compile_hgb(pk_mc *c);      /* pk_hgb.c: HistGradientBoosting*                */

#endif /* PK_TREES_H */
