/*
 * pk_model_impl.h - what an estimator family's compiler uses (internal to ext/model).
 *
 * A family file (pk_linear.c, pk_kmeans.c, ...) provides compile functions of type
 * pk_model_compile_fn, listed by family name in pk_model_table.c. pk_model_compile finds the
 * object's class in the catalogue (pk_catalogue.h: any module spelling), takes the compile
 * function of the row's family, allocates the pk_model in a fresh arena, fills cls/module,
 * n_features (n_features_in_) and feature_names (feature_names_in_) from the generic attributes,
 * then calls the row's function with a pk_mc describing the job. The function reads fitted
 * attributes with the pk_mc_* helpers below (which copy into the model's arena and word errors
 * uniformly), sets kind/labels, declares each method with pk_mc_method, sets scratch and impl.
 *
 * Attribute helpers accept numpy arrays and also plain (nested) lists/tuples of numbers and
 * Python scalars, so unit tests can hand-build estimators without numpy.
 */
#ifndef PK_MODEL_IMPL_H
#define PK_MODEL_IMPL_H

#include "pk_catalogue.h"
#include "pk_model.h"

#include <math.h>

/* The compile job. */
typedef struct pk_mc {
    pk_model *m;         /* the model being filled (already allocated, names set)  */
    const pk_value *obj; /* the estimator object                                   */
    pk_err *err;
    int depth;        /* nesting of pipelines (capped)                          */
    pk_cat_kind kind; /* the catalogue's kind of the class (classifier, ...)      */
} pk_mc;

typedef pk_code (*pk_model_compile_fn)(pk_mc *c);

typedef struct pk_model_family {
    const char *family; /* the catalogue rows' family name, e.g. "kmeans"                  */
    pk_model_compile_fn compile;
} pk_model_family;

/* The families (pk_model_table.c), ended by a {NULL, NULL} row. */
extern const pk_model_family pk_model_families[];

/* The compile function of a family name; NULL when no family has that name. */
pk_model_compile_fn pk_model_family_fn(const char *family);

/* Compiles a nested estimator (pipeline step) into the same arena. NULL with c->err set. */
pk_model *pk_mc_submodel(pk_mc *c, const pk_value *obj);

/* Allocation in the model's arena (zero-filled). NULL with c->err set (PK_ENOMEM). */
void *pk_mc_alloc(pk_mc *c, size_t count, size_t size);
/* w (rows x cols, row-major) transposed into the arena (cols x rows); w itself when rows == 1.
 * NULL with c->err set when the arena refuses. */
const double *pk_mc_transpose(pk_mc *c, const double *w, size_t rows, size_t cols);
char *pk_mc_strdup(pk_mc *c, const char *s, size_t n);

/* Checked before compiling many trees: PK_ELIMIT naming max_model_bytes when `bytes` (an
 * estimate that never exceeds what compiling will take: `units` `unit`s, e.g. 120000000
 * "nodes", counted at every place a shared tree is used) would not fit in what is left of the
 * model's budget. So a forest listing one tree 20,000 times is refused before it allocates. */
pk_code pk_mc_reserve(pk_mc *c, uint64_t bytes, uint64_t units, const char *unit);

/* A numeric attribute copied as doubles, C order. ndim 0 (scalar), 1 or 2; rows/cols describe a
 * 2-D array (a 1-D array has rows = 1, cols = n; a scalar rows = cols = n = 1). */
typedef struct pk_mc_arr {
    double *v;
    int ndim;
    size_t rows, cols, n;
} pk_mc_arr;

/* Reads attribute `attr` of c->obj. When absent (or None): required -> "X is not fitted (no
 * attr)", else PK_OK with out->v == NULL. Not numeric or ndim > 2 -> PK_EMODEL. */
pk_code pk_mc_array(pk_mc *c, const char *attr, int required, pk_mc_arr *out);
/* The same for any value (what names it in messages). */
pk_code pk_mc_array_of(pk_mc *c, const pk_value *v, const char *what, pk_mc_arr *out);
/* (v NULL, an absent attribute: "X is not fitted (no what)".) */

/* scipy.sparse matrices (csr/csc/coo, _matrix or _array, any scipy module spelling;
 * pk_sparse_attr.c): pk_mc_array_of reads one as a dense 2-D array (duplicates summed in storage
 * order); pk_mc_sparse_diag reads the diagonal of a square one (*f32: its data is float32). */
int pk_mc_is_sparse(const pk_value *v);
pk_code pk_mc_sparse_dense(pk_mc *c, const pk_value *v, const char *what, pk_mc_arr *out);
pk_code pk_mc_sparse_diag(pk_mc *c, const pk_value *v, const char *what, double **d, size_t *n,
                          int *f32);

/* intercept_ (as read by pk_mc_array, v NULL when absent) spread over n outputs: absent -> n
 * zeros, one value -> repeated, n values -> copied; any other count is an error naming the
 * outputs (`unit`: "targets", "score columns"). */
pk_code pk_mc_intercept(pk_mc *c, const pk_mc_arr *icpt, size_t n, const char *unit,
                        const double **out);

/* Scalar attribute as double / int / bool, `dflt` when absent or None. PK_EMODEL when present
 * but not a number. */
pk_code pk_mc_num(pk_mc *c, const char *attr, double dflt, double *out);
/* joblib's partition of n estimators over the pickled n_jobs workers, as scikit-learn's
 * _partition_estimators: *nchunks chunks, chunk j ending at (*chunk_end)[j]. A missing or
 * negative n_jobs (whose count depends on the machine) is one chunk. */
pk_code pk_mc_partition(pk_mc *c, size_t n, size_t *nchunks, size_t **chunk_end);
int pk_mc_bool(pk_mc *c, const char *attr, int dflt);

/* String attribute (borrowed from the document: copy it if kept), NULL when absent/not str. */
const char *pk_mc_str(pk_mc *c, const char *attr);

/* Fills the model's classes from a classes_ value (numpy array of int/uint/float/bool/str or an
 * object array / list of str, int, float, bool). */
pk_code pk_mc_classes(pk_mc *c, const pk_value *classes);

/* One element of a numpy 'U' array as UTF-8 in the model's arena (NULL with c->err set). */
char *pk_mc_ucs4(pk_mc *c, const uint8_t *p, size_t itemsize, int big);
/* A label value as UTF-8 (a str, or a numpy str_ scalar), copied into the arena; NULL when v is
 * neither (or on allocation failure, with c->err set). */
const char *pk_mc_label_str(pk_mc *c, const pk_value *v);

/* Error helpers: "<Class> is not fitted (no <attr>)" and a formatted PK_EMODEL prefixed by
 * nothing (callers write the class name themselves). */
pk_code pk_mc_not_fitted(pk_mc *c, const char *attr);
pk_code pk_mc_fail(pk_mc *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* PK_EMODEL "<Class> was fitted on float32 data (<what> is float32); only float64 models are
 * scored" when v is a numpy array of a floating dtype other than float64 (where scikit-learn
 * then computes in that precision or refuses float64 rows); PK_OK for anything else. */
pk_code pk_mc_require_f64(pk_mc *c, const pk_value *v, const char *what);

/* Checks/sets the feature count: when the model has n_features_in_ it must equal n, else n
 * becomes the count. */
pk_code pk_mc_features(pk_mc *c, size_t n);

/* Declares a method. */
void pk_mc_method(pk_mc *c, pk_method meth, pk_out_shape shape, size_t width, pk_model_fn fn);

/* Declares a typed method (the model also sets col_kind, e.g. with pk_mc_col_kinds). */
void pk_mc_cell_method(pk_mc *c, pk_method meth, pk_out_shape shape, size_t width,
                       pk_model_cell_fn fn);

/* Makes the model typed with every one of its n_features columns of `kind`. */
pk_code pk_mc_col_kinds(pk_mc *c, pk_col_kind kind);
/* Declares predict_log_proba as the log of the declared predict_proba (scikit-learn's
 * np.log(self.predict_proba(X)); tiny: zeros first raised to the smallest normal double, as
 * LinearDiscriminantAnalysis does). Nothing when predict_proba is not declared. */
void pk_mc_log_proba(pk_mc *c, int tiny);

/* Adds a block kernel to a declared method, needing `scratch` doubles (pk_model.h). */
void pk_mc_block(pk_mc *c, pk_method meth, pk_model_block_fn fn, size_t scratch);

/* Checks a row entering step `m` for NaN (unless m->nan_ok) and infinities. `names` supplies the
 * feature names for the message (the outermost model; may be m). */
pk_code pk_model_check_input(const pk_model *m, const double *x, const pk_model *names,
                             pk_err *err);

/* Runs step s's `meth` on s->n_features cells: a typed step reads them (s->cfn), a numeric step
 * gets them converted into xbuf (s->n_features doubles; TEXT read as numbers, errors naming the
 * feature through `names` and col_index, the outer feature number of each cell, NULL: identity)
 * and checked for missing values. What a Pipeline or ColumnTransformer calls for each step. */
pk_code pk_model_step(const pk_model *s, pk_method meth, const pk_cell *row, double *xbuf,
                      double *scratch, double *out, const pk_model *names, const size_t *col_index,
                      pk_err *err);

/* ---- arithmetic in numpy's order ----------------------------------------------------------- */

/* x . w summed left to right from 0.0: what OpenBLAS's dgemv/dgemm give for these sizes on the
 * reference machine (checked bit for bit against numpy 1.24's X @ w). */
static inline double pk_dot(const double *x, const double *w, size_t n) {
    double s = 0.0;
    for (size_t j = 0; j < n; j++)
        s += x[j] * w[j];
    return s;
}

/* A sparse row against k weight rows, as scipy's csr_matvec(s) sums it: acc[c] = the row's
 * entries in data order from 0.0, each val * W[c][idx]. wt is W (k x nf) transposed, nf x k
 * (pk_mc_transpose: an entry's k weights share a cache line); k == 1: W itself. */
static inline void pk_sparse_dots(const pk_sparse *x, const double *wt, size_t k, double *acc) {
    for (size_t c = 0; c < k; c++)
        acc[c] = 0.0;
    for (size_t i = 0; i < x->nnz; i++) {
        const double *w = wt + (size_t)x->idx[i] * k;
        double v = x->val[i];
        for (size_t c = 0; c < k; c++)
            acc[c] += v * w[c];
    }
}

/* numpy's pairwise summation (np.sum over a contiguous axis): below 8 items left to right from
 * 0.0; up to 128 items eight interleaved partial sums combined as ((r0+r1)+(r2+r3))+((r4+r5)+
 * (r6+r7)) then the remainder; above 128, halves recursively (split at a multiple of 8). */
double pk_np_sum(const double *a, size_t n);

/* np.logaddexp (numpy's npy_logaddexp): equal arguments give x + log(2) (so -inf stays -inf),
 * else the larger plus log1p(exp(-|x - y|)); NaN when the difference is NaN. */
double pk_np_logaddexp(double x, double y);

/* scipy.special.logsumexp of v[0..n): the maximum (0 when not finite; a NaN is the maximum)
 * plus the log of the pairwise sum of exp(v - max); tmp holds n doubles. */
double pk_logsumexp(const double *v, size_t n, double *tmp);

/* sklearn.utils.extmath.softmax of one row, in place: exp(v - max) (a NaN is the maximum)
 * divided by their pk_np_sum. */
void pk_softmax_row(double *v, size_t n);

/* scipy.special.expit for doubles: 1 / (1 + exp(-x)). */
static inline double pk_expit(double x) {
    return 1.0 / (1.0 + exp(-x));
}

/* argmax, first maximum (numpy's: the first NaN counts as the maximum). */
static inline size_t pk_argmax(const double *v, size_t n) {
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[b] || (isnan(v[i]) && !isnan(v[b]))) b = i;
    return b;
}

/* ---- family compile functions (one per file) ---------------------------------------------- */

pk_code pk_compile_kmeans(pk_mc *c);            /* pk_kmeans.c                                   */
pk_code pk_compile_linear_regressor(pk_mc *c);  /* pk_linear.c                                  */
pk_code pk_compile_glm(pk_mc *c);               /* pk_linear.c: Poisson/Gamma/Tweedie           */
pk_code pk_compile_linear_classifier(pk_mc *c); /* pk_linear_clf.c                           */
pk_code pk_compile_scaler(pk_mc *c);            /* pk_preprocess.c: Standard/MinMax/MaxAbs/Robust */
pk_code pk_compile_normalizer(pk_mc *c);        /* pk_preprocess.c                               */
pk_code pk_compile_binarizer(pk_mc *c);         /* pk_preprocess.c                               */
pk_code pk_compile_imputer(pk_mc *c);           /* pk_impute.c                                   */
pk_code pk_compile_poly(pk_mc *c);              /* pk_poly.c                                     */
pk_code pk_compile_decomposition(pk_mc *c);     /* pk_decomp.c: PCA, TruncatedSVD                */
pk_code pk_compile_pipeline(pk_mc *c);          /* pk_pipeline.c                                 */
pk_code pk_compile_coltrans(pk_mc *c);          /* pk_coltrans.c: ColumnTransformer              */
pk_code pk_compile_onehot(pk_mc *c);            /* pk_encoders.c                                 */
pk_code pk_compile_ordinal(pk_mc *c);           /* pk_encoders.c                                 */
pk_code pk_compile_target_encoder(pk_mc *c);    /* pk_encoders.c: TargetEncoder (>= 1.3)         */
pk_code pk_compile_object_imputer(pk_mc *c);    /* pk_impute_cat.c: SimpleImputer on objects     */
pk_code pk_compile_missing_indicator(pk_mc *c); /* pk_impute_cat.c                               */
pk_code pk_compile_label_encoder(pk_mc *c);     /* pk_label.c: LabelEncoder                      */
pk_code pk_compile_label_binarizer(pk_mc *c);   /* pk_label.c: LabelBinarizer                    */
pk_code pk_compile_multilabel_binarizer(pk_mc *c); /* pk_label.c: MultiLabelBinarizer        */
/* 1 when a SimpleImputer's statistics_ is an object array (pk_impute_cat.c). */
int pk_imputer_is_object(const pk_value *obj);
pk_code pk_compile_vectorizer(pk_mc *c); /* pk_vectorizer.c: Count/Tfidf/HashingVectorizer */
pk_code pk_compile_tfidf(pk_mc *c);      /* pk_vectorizer.c: TfidfTransformer             */
/* pk_vectorizer.c: a Pipeline whose first step (steps[0]) takes text. */
pk_code pk_text_pipeline(pk_mc *c, pk_model **steps, size_t n, int final_is_est);
/* pk_vectorizer.c: sklearn.preprocessing.normalize of one CSR row in place (a Normalizer's
 * sparse transform): "l1", "l2" as inplace_csr_row_normalize_l1/l2 (data order kept); "max" by
 * max |v| after sorting the columns (min_max_axis sums duplicates first, which sorts them). */
pk_code pk_sparse_normalize(pk_sparse *x, const char *norm);
pk_code pk_compile_xgb_booster(pk_mc *c);    /* pk_xgb.c: xgboost.core.Booster                */
pk_code pk_compile_xgb_classifier(pk_mc *c); /* pk_xgb.c: XGBClassifier, XGBRFClassifier      */
pk_code pk_compile_xgb_regressor(pk_mc *c);  /* pk_xgb.c: XGBRegressor, XGBRFRegressor, XGBRanker */

#endif /* PK_MODEL_IMPL_H */
