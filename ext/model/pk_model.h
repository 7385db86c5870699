/*
 * pk_model.h - compiled scikit-learn models: the compile step and the scoring vtable.
 *
 * A decoded estimator (a PK_OBJECT whose class global is e.g. sklearn.cluster._kmeans.KMeans) is
 * compiled once by pk_model_compile into a pk_model: a flat structure that owns contiguous double
 * arrays and copies of every string it needs. It holds no pointer into the value graph, so the
 * pk_doc may be freed right after compiling.
 *
 * Scoring one row: the caller allocates, once per compiled model,
 *   double scratch[pk_model_scratch_len(m)]   and   double out[pk_model_out_len(m)]
 * and calls pk_model_run(m, method, x, scratch, out, err) per row; nothing is allocated per row.
 * x holds m->n_features doubles, NaN for a missing value.
 *
 * What a method writes into out (m->shape[method] says how to present it):
 *   PK_OUT_LABEL    out[0] is an index into the classes (pk_model_label_* gives the label)
 *   PK_OUT_CLUSTER  out[0] is the cluster number (an integer-valued double)
 *   PK_OUT_SCALAR   out[0] is the value (regressors with a 1-D target, binary decision_function)
 *   PK_OUT_ARRAY    out[0 .. m->width[method]) (probabilities, transforms, multi-output)
 *   PK_OUT_NONE     the method is not available (m->why_not[method] says why)
 *
 * Adding a family (trees, ensembles): write pk_<family>.c with a compile function of type
 * pk_model_compile_fn (pk_model_impl.h), add its row {family, compile} to pk_model_table.c and
 * map its classes to the family in the catalogue (scripts/gen_catalogue.py, docs/scoring.md). The
 * compile function fills kind, labels, shape/width/fn per method, scratch and impl (allocated in
 * the model's arena with pk_mc_alloc). Nothing else changes: the SQL glue, pipelines and caches
 * work off this header.
 *
 * Ownership: the model owns everything it points to (one arena); pk_model_free releases it.
 */
#ifndef PK_MODEL_H
#define PK_MODEL_H

#include "pk.h"
#include "pk_err.h"
#include "pk_value.h"

#include <stddef.h>
#include <stdint.h>

typedef enum pk_method {
    PK_PREDICT,
    PK_PREDICT_PROBA,
    PK_TRANSFORM,
    PK_DECISION,
    PK_PREDICT_LOG_PROBA, /* predict_log_proba, as the estimator computes it (not always log of
                             predict_proba: naive Bayes normalises its joint log likelihood)  */
    PK_SCORE_SAMPLES,     /* score_samples (outlier detectors, mixtures): one value per row   */
    PK_METHOD_COUNT
} pk_method;

typedef enum pk_model_kind {
    PK_MODEL_CLASSIFIER,
    PK_MODEL_REGRESSOR,
    PK_MODEL_CLUSTERER,
    PK_MODEL_TRANSFORMER,
    PK_MODEL_OUTLIER
} pk_model_kind;

/* The dtype of classes_ (decides the SQL type of predicted labels). */
typedef enum pk_label_type {
    PK_LABELS_NONE,
    PK_LABELS_INT,   /* int64 labels  -> INTEGER                 */
    PK_LABELS_FLOAT, /* float labels  -> REAL                    */
    PK_LABELS_STR,   /* str labels    -> TEXT                    */
    PK_LABELS_BOOL   /* bool labels   -> INTEGER 0/1, JSON true/false */
} pk_label_type;

typedef enum pk_out_shape {
    PK_OUT_NONE = 0,
    PK_OUT_SCALAR,
    PK_OUT_ARRAY,
    PK_OUT_LABEL,
    PK_OUT_CLUSTER
} pk_out_shape;

typedef struct pk_model pk_model;

/* One method's kernel: reads x (m->n_features values), may use scratch
 * (pk_model_scratch_len(m) doubles), writes m->width[method] values to out. Returns PK_OK or an
 * error (a missing value reaching a step that cannot take it). */
typedef pk_code (*pk_model_fn)(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err);

struct pk_model {
    char cls[128];    /* class name, e.g. "KMeans"                              */
    char module[128]; /* its module, e.g. "sklearn.cluster._kmeans"             */
    pk_model_kind kind;
    size_t n_features;    /* n_features_in_                                          */
    char **feature_names; /* feature_names_in_ (n_features strings) or NULL          */

    pk_label_type label_type;
    size_t n_classes; /* 0 when the model has no classes_                        */
    int64_t *class_i; /* PK_LABELS_INT / PK_LABELS_BOOL                          */
    double *class_f;  /* PK_LABELS_FLOAT                                         */
    char **class_s;   /* PK_LABELS_STR (NUL-terminated UTF-8)                    */

    pk_out_shape shape[PK_METHOD_COUNT];
    size_t width[PK_METHOD_COUNT]; /* values written to out by each method            */
    pk_model_fn fn[PK_METHOD_COUNT];
    const char *why_not[PK_METHOD_COUNT]; /* optional reason when shape is PK_OUT_NONE */

    unsigned not_python; /* bit (1u << method): a method this compiled model offers that the
                            Python estimator has not (XGBClassifier's output margin as
                            decision_function); meta-estimators choosing a method by
                            hasattr() skip it                                      */
    int nan_ok;          /* the model's first step takes NaN (missing) values        */
    int any_width;       /* the row is never read (Dummy*): a pipeline step before it may
                            give any number of features                             */
    size_t scratch;      /* doubles of scratch each method may use                  */
    void *impl;          /* family data (in the arena)                              */
    pk_arena *arena;     /* owns impl, names, classes (and sub-models)              */
};

/* Compiles the estimator `root`. Returns NULL with err set (PK_EMODEL) when root is not a
 * supported fitted estimator: "sklearn.semi_supervised._label_propagation.LabelPropagation
 * cannot be scored yet (see model_supported())" (a catalogue class without a scoring family),
 * "unsupported model class mylib.Model (not in the catalogue)", "KMeans is not fitted (no
 * cluster_centers_)", "a list is not a scikit-learn estimator".
 * The returned model owns all its memory; free it with pk_model_free. */
pk_model *pk_model_compile(const pk_alloc *a, const pk_value *root, pk_err *err);

/* The same under `lim` (NULL: the defaults; pk_model_compile uses them): the compiled model's
 * memory is capped by lim->max_model_bytes, shared trees counted at every place they are used
 * (PK_ELIMIT "limit exceeded: ... max_model_bytes ..."). */
pk_model *pk_model_compile_lim(const pk_alloc *a, const pk_value *root, const pk_limits *lim,
                               pk_err *err);

/* Frees a model; NULL is accepted. */
void pk_model_free(pk_model *m);

/* Doubles of scratch and of output buffer a caller must provide (each >= 1). */
size_t pk_model_scratch_len(const pk_model *m);
size_t pk_model_out_len(const pk_model *m);

/* Scores one row with `method`. Checks availability and the input's missing values (NaN where
 * the model cannot take them, infinities always): PK_EFEATURE "LogisticRegression cannot take
 * missing values: feature 2 ('petal width (cm)') is NULL". */
pk_code pk_model_run(const pk_model *m, pk_method method, const double *x, double *scratch,
                     double *out, pk_err *err);

/* "predict", "predict_proba", "transform", "decision_function", "predict_log_proba",
 * "score_samples". */
const char *pk_method_name(pk_method method);

/* "classifier", "regressor", "clusterer", "transformer", "outlier detector". */
const char *pk_model_kind_name(pk_model_kind kind);

/* 1 when (module, name), under any of its module spellings, is a scorable catalogue row whose
 * family has a compile function. */
int pk_model_class_known(const char *module, const char *name);

#endif /* PK_MODEL_H */
