/*
 * pk_meta.h - what the meta-estimator families share (internal to ext/model): compiling the
 * estimators a meta-estimator holds, choosing a sub-model's method the way scikit-learn's
 * hasattr() checks do, reading sub-model labels as numbers, mapping one model's classes onto
 * another's, and scikit-learn's _predict_binary (the score of a binary sub-classifier).
 *
 * Sub-models are compiled into the meta model's arena (pk_mc_submodel) and called directly
 * through their kernels: the meta model checked the row once (its nan_ok is that of all the
 * sub-models reading the row); rows a meta-estimator builds itself (stacked predictions, a
 * chain's augmented row) are checked with pk_model_check_input before the sub-model sees them.
 * A kernel gives each sub-model a scratch region past its own buffers: the meta model's scratch
 * is its own layout plus pk_meta_set.scratch.
 */
#ifndef PK_META_H
#define PK_META_H

#include "pk_families.h"

/* Compiled estimators of one attribute (estimators_, calibrated_classifiers_, ...). */
typedef struct pk_meta_set {
    size_t n;
    pk_model **m;
    size_t scratch; /* the largest pk_model_scratch_len of the set */
    size_t out;     /* the largest pk_model_out_len of the set     */
} pk_meta_set;

/* The items of a list, tuple or object array of estimators (at least one). `attr` names it. */
pk_code pk_meta_items(pk_mc *c, const pk_value *v, const char *attr, const pk_value *const **items,
                      size_t *n);

/* Compiles `obj`; a failure's message is prefixed by "<Class>.<what>: ". */
pk_model *pk_meta_sub(pk_mc *c, const pk_value *obj, const char *what);

/* Compiles n estimators (named attr[i]). Each must take `nfeat` features; nfeat 0 means the meta
 * model's n_features (taken from the first when the meta model has no n_features_in_). Clears the
 * meta model's nan_ok when a member cannot take NaN (call with nan_ok set to 1 first). */
pk_code pk_meta_compile_set(pk_mc *c, const pk_value *const *items, size_t n, const char *attr,
                            size_t nfeat, pk_meta_set *set);

/* 1 when s offers `meth` as the Python estimator does (hasattr(est, meth)). */
int pk_meta_has(const pk_model *s, pk_method meth);

/* ---- typed members ---------------------------------------------------------------------------
 * A composite that hands each member the same input row (a search, VotingClassifier,
 * StackingClassifier's estimators, CalibratedClassifierCV, OneVsRest, ...) takes typed members
 * (a Pipeline starting with a ColumnTransformer) by passing the typed cells through: once its
 * members are compiled, pk_meta_typed makes it typed when one of them is (col_kind: per column
 * the strongest need of its typed members); its kernels move to tfn and its cfn call them with
 * `x` pointing at a pk_meta_row, not at doubles. Its kernels run members with pk_meta_run,
 * which hands each member the cells (pk_model_step: a numeric member gets them as numbers) or,
 * in a numeric composite, the doubles. A composite's kernels must then never read x
 * themselves: those that do (stacking's passthrough, chains, bagging's feature subsets, feature
 * selection) refuse typed members with pk_meta_numeric. */
typedef struct pk_meta_row {
    const pk_cell *cells;  /* the row, n_features cells                            */
    double *xbuf;          /* n_features doubles for a numeric member's input      */
    const pk_model *names; /* the composite (feature names in messages)            */
    struct pk_text_ws *ws; /* the caller's text workspace (m->text_ws), else NULL  */
} pk_meta_row;

/* Makes c->m typed when one of the n members is (see above); adds n_features doubles of
 * scratch for pk_meta_row.xbuf. A member reading text (a text pipeline, a vectorizer: text_ws)
 * makes the composite text_ws too: the workspace slot in front of its scratch (pk_model.h),
 * which pk_meta_run copies into the scratch of each member that reads it. Call after the
 * kernels are set (pk_mc_method). */
pk_code pk_meta_typed(pk_mc *c, const pk_model *const *members, size_t n);

/* Runs member s of composite m on the row `x` (doubles, or a pk_meta_row when m is typed). */
pk_code pk_meta_run(const pk_model *m, const pk_model *s, pk_method meth, const double *x,
                    double *scratch, double *out, pk_err *err);

/* PK_EMODEL "<Class>.<what> (<member class>) takes typed inputs (text or categories); <Class>
 * ... numbers only" when s is typed: for composites whose kernels read the row themselves. */
pk_code pk_meta_numeric(pk_mc *c, const pk_model *s, const char *what);

/* s's labels as numbers (int, bool, float classes); a PK_EMODEL naming `what` for text labels
 * or a model without classes. */
pk_code pk_meta_label_values(pk_mc *c, const pk_model *s, const char *what, const double **vals);

/* For each class of s, the index of the equal class of the meta model (c->m, classes set);
 * numbers compare as numpy's == does (True == 1), text with text. A class of s the meta model
 * does not have is an error naming `what`. */
pk_code pk_meta_class_map(pk_mc *c, const pk_model *s, const char *what, size_t **map);

/* scikit-learn's _predict_binary(estimator, X): a regressor's predict, else the raveled
 * decision_function when the estimator has one, else predict_proba[:, 1]; a _ConstantPredictor
 * (what OvR fits for a column with one value) gives its y_. */
typedef struct pk_meta_bin {
    const pk_model *s; /* NULL for a constant                                */
    pk_method meth;
    size_t col;
    double constant;
    int decision; /* the estimator has decision_function (thresholds: 0 vs 0.5) */
    int clf;      /* it is a classifier (is_classifier)                       */
} pk_meta_bin;

pk_code pk_meta_bin_init(pk_mc *c, const pk_value *obj, const char *what, pk_meta_bin *b);

/* The score of one row; buf has room for the sub-model's output, scratch for its scratch. */
pk_code pk_meta_bin_run(const pk_model *m, const pk_meta_bin *b, const double *x, double *buf,
                        double *scratch, double *v, pk_err *err);

/* The output of s's `meth` as numbers: a label becomes its numeric value (labels[] from
 * pk_meta_label_values), a scalar or array is copied. Writes s->width[meth] values (1 for
 * a label) to out; buf holds the raw output. */
pk_code pk_meta_values(const pk_model *m, const pk_model *s, pk_method meth, const double *labels,
                       const double *x, double *buf, double *scratch, double *out, pk_err *err);

/* ---- isotonic calibration (pk_isotonic.c) ------------------------------------------------ */

enum { PK_ISO_NAN, PK_ISO_CLIP, PK_ISO_RAISE };

/* A fitted IsotonicRegression's interpolation (X_thresholds_, y_thresholds_, out_of_bounds). */
typedef struct pk_iso {
    size_t n;
    const double *x, *y;
    int oob;           /* PK_ISO_*                                */
    int np_interp;     /* f_ delegates to numpy.interp (float64 or int64 thresholds) */
    double xmin, xmax; /* X_min_, X_max_ (the clip range)         */
} pk_iso;

/* Reads the IsotonicRegression `obj`; `what` ("calibrators[0]." or "") prefixes attribute names
 * in messages. */
pk_code pk_iso_read(pk_mc *c, const pk_value *obj, const char *what, pk_iso *iso);

/* f_(t) as scikit-learn computes it; out_of_bounds='raise' outside the range is a PK_EFEATURE
 * naming `cls`. */
pk_code pk_iso_eval(const pk_iso *iso, const char *cls, double t, double *out, pk_err *err);

#endif /* PK_META_H */
