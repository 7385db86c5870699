/*
 * pk_xgb.h - an XGBoost model read from its serialized bytes (internal to ext/model).
 *
 * pk_xgb_load (pk_xgb_load.c) turns the bytes a Booster carries - the pickled Booster's
 * `handle` (the serialization document {"Config": ..., "Model": ...}, or the legacy binary
 * format before 1.0), or a file written by Booster.save_model / save_raw in JSON, UBJSON or the
 * legacy binary format - into this flat structure; pk_xgb.c scores it.
 * Layouts and arithmetic are described in docs/xgboost.md.
 */
#ifndef PK_XGB_H
#define PK_XGB_H

#include "pk.h"
#include "pk_err.h"

#include <stddef.h>
#include <stdint.h>

typedef enum pk_xgb_booster { PK_XGB_GBTREE, PK_XGB_DART, PK_XGB_GBLINEAR } pk_xgb_booster;

/* How the objective turns a margin into the predicted value (its PredTransform). */
typedef enum pk_xgb_transform {
    PK_XGB_IDENTITY, /* reg:squarederror, rank:*, binary:logitraw, ...      */
    PK_XGB_SIGMOID,  /* binary:logistic, reg:logistic                       */
    PK_XGB_EXP,      /* count:poisson, reg:gamma, reg:tweedie, survival:cox */
    PK_XGB_EXP_F64,  /* survival:aft: exp of the margin in double, rounded */
    PK_XGB_HINGE,    /* binary:hinge: 1 when the margin > 0, else 0         */
    PK_XGB_SOFTPROB, /* multi:softprob: softmax over the groups             */
    PK_XGB_SOFTMAX   /* multi:softmax: index of the largest margin          */
} pk_xgb_transform;

/* One tree node (16 bytes). A leaf has left == -1 and holds its value in `value`. */
typedef struct pk_xgb_node {
    int32_t left, right;
    uint32_t feature; /* split feature; PK_XGB_DEFAULT_LEFT set when missing values go left */
    float value;      /* split condition (go left when x < value), or the leaf value         */
} pk_xgb_node;

#define PK_XGB_DEFAULT_LEFT 0x80000000u
/* A categorical split: go right when the value, truncated to an integer, is one of the node's
 * categories (cats[cat_beg[node] .. + cat_len[node]), node counted over all trees), left for any
 * other value including negative ones; missing values follow the default direction. */
#define PK_XGB_CATEGORICAL  0x40000000u
#define PK_XGB_FEATURE_MASK 0x3fffffffu

typedef struct pk_xgb {
    pk_xgb_booster booster;
    char objective[64];
    pk_xgb_transform transform;
    size_t n_features;
    size_t n_groups;    /* outputs per row: num_class for multi:*, else num_target (>= 1) */
    float base_score;   /* as stored (the objective's output space; the first of a list) */
    float *base_margin; /* per output group: ProbToMargin(base_score), the starting margin */
    int version[3];     /* the writer's XGBoost version, {0,0,0} when not recorded           */

    /* gbtree / dart */
    size_t n_trees;
    size_t num_parallel_tree;
    int32_t *tree_group; /* output group of each tree                                */
    size_t *tree_root;   /* index of each tree's root in nodes                       */
    pk_xgb_node *nodes;
    size_t n_nodes;
    size_t max_depth;            /* deepest leaf over all trees                              */
    float *weight_drop;          /* dart: weight of each tree                                */
    uint32_t *cat_beg, *cat_len; /* per node (all trees), NULL without categorical splits */
    int32_t *cats;               /* every categorical node's categories, node after node  */
    size_t n_cats;               /* room in cats                                         */

    /* gblinear: (n_features + 1) x n_groups, row-major, the bias row last */
    float *linear;

    int64_t best_iteration; /* from the model's attributes, -1 when absent           */
    char **feature_names;   /* n_features names, or NULL                             */
} pk_xgb;

/* Reads a serialized model from buf[0..n): UBJSON or JSON, either the serialization document
 * {"Config", "Model"} or a saved model {"learner", "version"}; bytes that do not start with '{'
 * go to pk_xgb_load_legacy. Every array is copied into `ar`
 * (buf may be freed afterwards). `scratch` is the allocator for the temporary document graph,
 * whose size is capped by `budget` bytes. PK_EMODEL with a message on malformed or unsupported
 * content ("XGBoost model: tree 3 node 7: child 90 out of range"). */
pk_code pk_xgb_load(pk_arena *ar, const pk_alloc *scratch, size_t budget, uint32_t max_depth,
                    const uint8_t *buf, size_t n, pk_xgb *out, pk_err *err);

/* The legacy binary format (pk_xgb_legacy.c): XGBoost 1.x's save_raw() / .bin files (after the
 * "binf" magic) and the handle of pickles from XGBoost < 1.0 (no magic). Arrays go into `ar`. */
pk_code pk_xgb_load_legacy(pk_arena *ar, const uint8_t *buf, size_t n, pk_xgb *out, pk_err *err);

/* ---- shared by both loaders (pk_xgb_load.c) ---- */

/* How ProbToMargin maps base_score to the starting margin. */
enum { PK_XGB_LINK_IDENTITY, PK_XGB_LINK_LOGIT, PK_XGB_LINK_LOG };

/* Sets objective/transform from the objective's name; *link receives its ProbToMargin.
 * PK_EMODEL for an objective that is not supported. */
pk_code pk_xgb_set_objective(pk_xgb *x, const char *name, size_t len, int *link, pk_err *err);

/* ProbToMargin(bs) in float: -logf(1/bs - 1), logf(bs) or bs. */
float pk_xgb_prob_to_margin(int link, float bs);

/* Checks that nodes[0 .. n) (tree t, children already range-checked) form a tree rooted at 0 in
 * which every node is reached at most once, and gives its depth. mark: n bytes of scratch;
 * stack: 2n entries. */
pk_code pk_xgb_check_tree(const pk_xgb_node *nodes, size_t n, size_t t, uint8_t *mark,
                          size_t *stack, size_t *depth_out, pk_err *err);

#endif /* PK_XGB_H */
