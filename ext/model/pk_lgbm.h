/*
 * pk_lgbm.h - LightGBM's text model format, read (not scored).
 *
 * A pickled lightgbm.basic.Booster holds its model as the text Booster.model_to_string() writes
 * (state key "_handle" from LightGBM 4.0, "handle" before); the scikit-learn wrappers
 * (LGBMClassifier, LGBMRegressor, LGBMRanker, LGBMModel) hold that Booster as `_Booster`. The same
 * text is what Booster.save_model() writes to a file. pk_lgbm_parse (pk_lgbm_text.c) reads it into
 * the structure below, checking every number and every tree's shape; pk_lgbm.c finds the text in a
 * decoded pickle and describes the model for model_info. Nothing here scores: no LightGBM is
 * available to verify predictions against (docs/lightgbm.md).
 *
 * The format (LightGBM 2.x - 4.x): a header of key=value lines after the line "tree"; one block
 * per tree ("Tree=<i>", then key=value lines, then an empty line); "end of trees"; then
 * "feature_importances:", "parameters:" ... "end of parameters" and "pandas_categorical:<json>".
 */
#ifndef PK_LGBM_H
#define PK_LGBM_H

#include "pk.h"
#include "pk_buf.h"
#include "pk_err.h"
#include "pk_value.h"

#include <stddef.h>
#include <stdint.h>

/* decision_type bits of a split (LightGBM's tree.h): */
#define PK_LGBM_CATEGORICAL  1 /* categorical split: threshold indexes cat_boundaries */
#define PK_LGBM_DEFAULT_LEFT 2 /* missing values go left                              */
/* bits 2-3: the missing type, 0 None, 1 Zero, 2 NaN (3 is invalid) */
#define PK_LGBM_MISSING(dt) (((dt) >> 2) & 3)

/* Largest counts accepted (a model beyond them is refused before anything is allocated). */
#define PK_LGBM_MAX_TREES  (1u << 20)
#define PK_LGBM_MAX_LEAVES (1u << 24)

typedef struct pk_lgbm_tree {
    int32_t num_leaves; /* >= 1; a tree of one leaf has no splits                 */
    int32_t num_cat;    /* categorical splits                                      */
    int32_t *split_feature, *left, *right; /* num_leaves - 1 each; child < 0 is ~leaf */
    double *threshold; /* numerical: the value; categorical: index in cat_boundaries */
    int8_t *decision_type;
    double *leaf_value;      /* num_leaves                                          */
    int32_t *cat_boundaries; /* num_cat + 1, from 0 up to n_cat_threshold            */
    uint32_t *cat_threshold; /* bitsets of the categories going left                 */
    size_t n_cat_threshold;
    int is_linear;    /* linear leaves (leaf_const + coefficients)            */
    double shrinkage; /* 1 when absent                                       */
    size_t depth;     /* deepest leaf, the root at depth 0                   */
} pk_lgbm_tree;

typedef struct pk_lgbm {
    char version[16];  /* "v2", "v3", "v4"                                   */
    int32_t num_class; /* 1 for one output                                   */
    int32_t num_tree_per_iteration;
    int32_t label_index;
    int32_t max_feature_idx; /* n_features - 1                                     */
    char *objective;         /* the objective line, e.g. "binary sigmoid:1"; NULL if absent */
    int average_output;      /* random forest mode: the trees' outputs averaged      */
    size_t n_features;
    char **feature_names; /* n_features names                                  */
    size_t n_trees;
    pk_lgbm_tree *trees;
    size_t n_leaves;        /* over all trees                                    */
    size_t n_categorical;   /* categorical splits over all trees                 */
    size_t n_linear;        /* trees with linear leaves                          */
    size_t max_depth;       /* over all trees                                    */
    char *boosting;         /* "[boosting: X]" of the parameters, NULL if absent  */
    int pandas_categorical; /* 1 when a pandas_categorical list (not null) follows */
} pk_lgbm;

/* Reads the text s[0..n) (not NUL-terminated) into `out`, every array in `ar`. PK_EMODEL with a
 * message naming the line ("LightGBM model: line 12 (Tree=0): left_child has 3 values for 2
 * splits"), PK_ENOMEM / PK_ELIMIT when `ar`'s budget is exhausted. */
pk_code pk_lgbm_parse(pk_arena *ar, const char *s, size_t n, pk_lgbm *out, pk_err *err);

/* 1 when root is a LightGBM Booster or scikit-learn wrapper (any module spelling). */
int pk_lgbm_is_model(const pk_value *root);

/* For a LightGBM root, appends `,"lightgbm":{...}` (trees, objective, num_class, feature names,
 * ...; or {"error": "..."} when its model text cannot be read) to b, reading the text with
 * `alloc` under lim->max_model_bytes. Appends nothing for any other root. */
void pk_lgbm_describe(pk_buf *b, const pk_value *root, const pk_limits *lim, const pk_alloc *alloc);

#endif /* PK_LGBM_H */
