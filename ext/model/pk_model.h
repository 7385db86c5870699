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
 * Typed rows. A row may also be given as m->n_features cells (pk_cell: NULL, a number or a
 * text) with pk_model_run_cells; that is the only way to score a model with typed inputs
 * (m->col_kind != NULL: a ColumnTransformer, an encoder, a text vectorizer, or a pipeline that
 * starts with one). m->col_kind[j] says what input column j needs:
 *   PK_COL_NUM   a number: NUM as is, NULL = NaN (missing), TEXT read as Python's float(str)
 *                does (pk_pyfloat.h); non-numeric TEXT is an error naming the feature and value
 *   PK_COL_CAT   a category: TEXT or NUM compared with the fitted categories, NULL = missing
 *   PK_COL_TEXT  a document (text vectorizers): TEXT, NULL = missing
 *   PK_COL_JSON  a JSON document (DictVectorizer and FeatureHasher read an object or array,
 *                MultiLabelBinarizer an array of labels): TEXT; for a model taking one such
 *                column a json_object(...) argument is that document, never named features
 * Numeric models (col_kind == NULL) run on doubles through the unchanged fast path; for them
 * pk_model_run_cells converts the cells into the caller's x buffer (pk_model_cells_to_x) first.
 * Typed kernels (m->cfn) read cells; anything they need besides the out buffer (cells gathered for
 * a sub-transformer, intermediate rows) is carved from the same double scratch, so a typed model
 * allocates nothing per row either (pk_cell_scratch gives cell space inside scratch). Text cells
 * point into the caller's memory (an SQL value, a JSON text) and are only read during the call.
 *
 * Composition: a sub-estimator of a Pipeline or ColumnTransformer is run by pk_model_step: a
 * typed step gets its cells, a numeric step gets them converted to doubles. So a transformer
 * family that reads doubles (scalers, discretizers, ...) plugs into a ColumnTransformer with no
 * change, and a family that reads text (a vectorizer declaring col_kind {PK_COL_TEXT} and a cfn
 * for transform) plugs in as a column transformer of a text column.
 *
 * What a method writes into out (m->shape[method] says how to present it):
 *   PK_OUT_LABEL    out[0] is an index into the classes (pk_model_label_* gives the label)
 *   PK_OUT_CLUSTER  out[0] is the cluster number (an integer-valued double)
 *   PK_OUT_SCALAR   out[0] is the value (regressors with a 1-D target, binary decision_function)
 *   PK_OUT_ARRAY    out[0 .. m->width[method]) (probabilities, transforms, multi-output;
 *                   m->proba_groups splits predict_proba into one array per output)
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
#include "pk_buf.h"
#include "pk_err.h"
#include "pk_value.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
    PK_MODEL_OUTLIER,
    PK_MODEL_ESTIMATOR /* none of those (KernelDensity: score_samples only) */
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

/* One input value as SQL gives it. */
typedef enum pk_cell_type { PK_CELL_NULL = 0, PK_CELL_NUM, PK_CELL_TEXT } pk_cell_type;

typedef struct pk_cell {
    pk_cell_type type;
    double num;    /* PK_CELL_NUM                                                 */
    const char *s; /* PK_CELL_TEXT: UTF-8 bytes s[0..len), not necessarily NUL-ended */
    size_t len;
} pk_cell;

/* What an input column needs (m->col_kind). */
typedef enum pk_col_kind { PK_COL_NUM = 0, PK_COL_CAT, PK_COL_TEXT, PK_COL_JSON } pk_col_kind;

/* Doubles of scratch one pk_cell takes (cells are carved from the double scratch). */
#define PK_CELL_DOUBLES ((sizeof(pk_cell) + sizeof(double) - 1) / sizeof(double))

/* Cell space at scratch[at] (at counted in doubles). */
static inline pk_cell *pk_cell_scratch(double *scratch, size_t at) {
    return (pk_cell *)(void *)(scratch + at);
}

/* One method's kernel: reads x (m->n_features values), may use scratch
 * (pk_model_scratch_len(m) doubles), writes m->width[method] values to out. Returns PK_OK or an
 * error (a missing value reaching a step that cannot take it). */
typedef pk_code (*pk_model_fn)(const pk_model *m, const double *x, double *scratch, double *out,
                               pk_err *err);

/* A typed method's kernel: the same contract as pk_model_fn with the row given as
 * m->n_features cells. */
typedef pk_code (*pk_model_cell_fn)(const pk_model *m, const pk_cell *row, double *scratch,
                                    double *out, pk_err *err);

/* A transform whose output is cells again (SimpleImputer on strings): writes m->cmap_width cells
 * to out, which may point into row's texts or the model's own strings. */
typedef pk_code (*pk_model_cmap_fn)(const pk_model *m, const pk_cell *row, pk_cell *out,
                                    pk_err *err);

/* The inverse of a label encoder's transform: the class index (into classes_) that y[0..n)
 * encodes (LabelEncoder: one code; LabelBinarizer: a row of its output). */
typedef pk_code (*pk_model_inverse_fn)(const pk_model *m, const double *y, size_t n, size_t *cls,
                                       pk_err *err);

/* A sparse row as scikit-learn holds one CSR row: nnz (column, value) pairs in its data order
 * (which decides the order of its sums; not always ascending: pk_vectorizer.c). */
typedef struct pk_sparse {
    size_t nnz;
    uint32_t *idx;
    double *val;
    int f32; /* the values are float32 (a vectorizer's dtype) */
} pk_sparse;

/* A method's kernel on a sparse row (families that have one: pk_linear_clf.c, pk_nb.c, ...). */
typedef pk_code (*pk_sparse_fn)(const pk_model *m, const pk_sparse *x, double *scratch, double *out,
                                pk_err *err);
/* A sparse -> sparse transform in place (TfidfTransformer, SelectKBest); may reorder. */
typedef pk_code (*pk_sparse_tf)(const pk_model *m, pk_sparse *x, pk_err *err);

struct pk_text_ws;
/* A text model's entry point (pk_model_run_text). */
typedef pk_code (*pk_text_fn)(const pk_model *m, pk_method method, const uint8_t *doc, size_t n,
                              struct pk_text_ws *ws, double *scratch, double *out, pk_sparse *sv,
                              pk_err *err);

/* Rows scored together: a block kernel takes up to PK_BLOCK_ROWS rows at once. */
#define PK_BLOCK_ROWS 64

/* One method's block kernel: scores rows X[0 .. n) (n <= PK_BLOCK_ROWS, row-major, each
 * m->n_features values already checked by pk_model_check_input) into out (row r at
 * out + r * m->width[method]), with m->block_scratch doubles of scratch. Results equal the
 * row kernel's bit for bit. On an error *bad is the failing row (rows before it are written). */
typedef pk_code (*pk_model_block_fn)(const pk_model *m, const double *X, size_t n, double *scratch,
                                     double *out, size_t *bad, pk_err *err);

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

    /* typed inputs (see the header comment); all NULL/0 for numeric models */
    unsigned char *col_kind;               /* n_features pk_col_kind values, or NULL    */
    pk_model_cell_fn cfn[PK_METHOD_COUNT]; /* typed kernels (col_kind != NULL)         */
    pk_model_cmap_fn cmap;                 /* cells -> cells transform, or NULL        */
    size_t cmap_width;                     /* cells cmap writes                        */
    pk_model_inverse_fn inverse;           /* label encoders: model_inverse_transform  */
    size_t inverse_width;                  /* values inverse reads                     */
    int inverse_set; /* the inverse is a set of classes (MultiLabelBinarizer): inverse only
                        checks the row, whose classes k with y[k] == 1 are the answer      */
    /* a typed composite's own kernels, run by its cfn with a row handle (pk_meta.h) */
    pk_model_fn tfn[PK_METHOD_COUNT];

    unsigned not_python; /* bit (1u << method): a method this compiled model offers that the
                            Python estimator has not (XGBClassifier's output margin as
                            decision_function); meta-estimators choosing a method by
                            hasattr() skip it                                      */
    int nan_ok;          /* the model's first step takes NaN (missing) values        */
    int any_width;       /* the row is never read (Dummy*): a pipeline step before it may
                            give any number of features                             */
    size_t scratch;      /* doubles of scratch each method may use                  */

    /* text and sparse rows (pk_vectorizer.c, docs/text.md) */
    int text_input;                    /* a vectorizer or a pipeline starting with one:
                                          one PK_COL_TEXT column, pk_model_run_text      */
    int text_ws;                       /* reads a text workspace from scratch (below)    */
    int sparse_out;                    /* its transform is a sparse row (*sv)            */
    pk_text_fn text_fn;                /* set when text_input                            */
    pk_text_fn row_fn;                 /* a vectorizer, DictVectorizer, FeatureHasher: the
                                          document's sparse row in scikit-learn's data order
                                          (what a text pipeline's next step reads)         */
    int dense_row;                     /* that row reaches the next step dense
                                          (DictVectorizer(sparse=False))                   */
    pk_sparse_fn sfn[PK_METHOD_COUNT]; /* the method on a sparse row, when it has one    */
    const double *sparse_w;            /* the weights sfn reads for a column: columns x
                                          sparse_k, a column's side by side (a text
                                          pipeline prefetches a document's while it builds
                                          the row)                                         */
    size_t sparse_k;
    pk_sparse_tf stf; /* a sparse -> sparse transform, when it has one  */

    int sparse_missing; /* holds an XGBoost model: fed a sparse row, it reads the absent
                           entries as missing, not as 0 (set by compile, passed up by
                           pk_mc_submodel to every composite holding one)           */
    int sparse_rows;    /* scikit-learn's transform gives a scipy sparse matrix here
                           (OneHotEncoder(sparse_output=True), a ColumnTransformer with
                           sparse_output_, a FeatureUnion with a sparse part): the
                           rows here are dense, 0.0 where scipy stores nothing     */

    /* predict_proba as a list of arrays (MultiOutputClassifier: one array per output):
       proba_groups array lengths in proba_group, summing to width[PK_PREDICT_PROBA]; 0 for one
       flat array. out holds the arrays one after the other; the SQL functions write a JSON
       array of arrays. Composites passing predict_proba through copy both fields. */
    size_t proba_groups;
    const size_t *proba_group;

    pk_model_block_fn block_fn[PK_METHOD_COUNT]; /* optional: several rows at once       */
    size_t block_scratch; /* doubles of scratch the block kernels use              */

    void *impl;      /* family data (in the arena)                              */
    pk_arena *arena; /* owns impl, names, classes (and sub-models)              */
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

/* For a model that cannot be scored but whose content can be read (a LightGBM Booster or
 * wrapper: pk_lgbm.h), appends `,"<library>":{...}` describing it to b (model_info's extra
 * member); appends nothing for any other root. Memory comes from `a` under lim->max_model_bytes. */
void pk_model_describe(pk_buf *b, const pk_value *root, const pk_limits *lim, const pk_alloc *a);

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

/* Scores one row given as m->n_features cells (typed or numeric models). `x` is caller space
 * of m->n_features doubles used for numeric models. Errors as pk_model_run, plus PK_EFEATURE
 * "feature 2 ('age') is 'abc', not a number" and the encoders' "unknown category". */
pk_code pk_model_run_cells(const pk_model *m, pk_method method, const pk_cell *row, double *x,
                           double *scratch, double *out, pk_err *err);

/* Converts cells to doubles for a numeric model (NULL -> NaN, TEXT by pk_pyfloat).
 * PK_EFEATURE naming the feature (from `names`, the outermost model, may be NULL) and the value
 * when a TEXT is not a number. col_index maps row positions to the outer feature numbers used
 * in messages (NULL: identity). */
pk_code pk_model_cells_to_x(const pk_model *names, const pk_cell *row, size_t n,
                            const size_t *col_index, double *x, pk_err *err);

/* One cell as a number (see pk_model_cells_to_x); j is the outer feature index. */
pk_code pk_cell_number(const pk_model *names, size_t j, const pk_cell *c, double *out, pk_err *err);

/* Text workspaces. Analysing a document needs buffers that grow to the largest document
 * (pk_text.h's pk_text_ws), so they belong to the caller, not to the shared compiled model. A
 * model with m->text_ws (a text vectorizer or text pipeline, or a ColumnTransformer / Pipeline
 * holding one) reads a pk_text_ws pointer from the first PK_WS_DOUBLES doubles of its scratch:
 * the caller stores it there once with pk_scratch_set_ws (the kernels never overwrite it) and a
 * composite copies it into each child's scratch that needs it. Text cells reach such a model
 * through pk_model_run_cells / pk_model_step like any typed column (col_kind PK_COL_TEXT). */
#define PK_WS_DOUBLES ((sizeof(void *) + sizeof(double) - 1) / sizeof(double))

static inline void pk_scratch_set_ws(double *scratch, struct pk_text_ws *ws) {
    memcpy(scratch, &ws, sizeof ws);
}

static inline struct pk_text_ws *pk_scratch_ws(const double *scratch) {
    struct pk_text_ws *ws;
    memcpy(&ws, scratch, sizeof ws);
    return ws;
}

/* 1 when the model needs typed rows (pk_model_run_cells). */
static inline int pk_model_typed(const pk_model *m) {
    return m->col_kind != NULL;
}

/* Scores one document (UTF-8 doc[0..n)) with a text model (m->text_input: a vectorizer, or a
 * pipeline starting with one); scratch is the model's whole scratch (its workspace slot is not
 * read: ws is given). ws is the caller's reusable workspace (pk_text.h; its buffers
 * grow to the largest document, capped by the model's max_model_bytes). Writes out as
 * pk_model_run does; for a model with sparse_out, transform fills *sv instead (pointing into
 * ws, columns ascending). Errors: PK_EMODEL (not a text model, method missing), PK_EFEATURE
 * ("the document is not valid UTF-8 ..."), PK_ELIMIT, PK_ENOMEM. */
pk_code pk_model_run_text(const pk_model *m, pk_method method, const uint8_t *doc, size_t n,
                          struct pk_text_ws *ws, double *scratch, double *out, pk_sparse *sv,
                          pk_err *err);

/* The same with the document as a cell and the workspace from the scratch slot (the typed
 * kernels use it): PK_EFEATURE "the document is NULL: Pipeline takes TEXT" for a cell that is
 * not TEXT. */
pk_code pk_model_run_text_cell(const pk_model *m, pk_method meth, const pk_cell *doc,
                               double *scratch, double *out, pk_sparse *sv, pk_err *err);

/* Scores n rows at once: X holds n rows of m->n_features values (row-major), out receives row r
 * at out + r * m->width[method]; scratch holds pk_model_block_scratch_len(m) doubles. Families
 * with a block kernel (tree ensembles: RandomForest / ExtraTrees, GradientBoosting,
 * HistGradientBoosting) walk each tree for a block of rows before the next tree, several rows
 * in lock step, so a large ensemble is read from memory once per block instead of once per row;
 * every other model is scored row by row. Results equal pk_model_run's on each row, bit for bit.
 * On an error (a row that pk_model_run would refuse) *bad is that row's index, the rows before
 * it are scored, and err says why; nothing is allocated. */
pk_code pk_model_run_block(const pk_model *m, pk_method method, const double *X, size_t n,
                           double *scratch, double *out, size_t *bad, pk_err *err);

/* Doubles of scratch pk_model_run_block needs (>= pk_model_scratch_len(m)). */
size_t pk_model_block_scratch_len(const pk_model *m);

/* 1 when `method` of m has a block kernel (pk_model_run_block is then faster than a row loop). */
int pk_model_has_block(const pk_model *m, pk_method method);

/* pk_model_run for a row the caller knows holds only finite values (it read them: no NULL, no
 * infinity): the same result without scanning the row again. */
pk_code pk_model_run_finite(const pk_model *m, pk_method method, const double *x, double *scratch,
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
