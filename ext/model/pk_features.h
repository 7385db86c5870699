/*
 * pk_features.h - one row of features given as JSON text (model_* functions' single-argument
 * form): an array of numbers in training order, or an object keyed by feature_names_in_.
 *
 * A minimal reader that allocates nothing: numbers (JSON grammar, plus NaN / Infinity /
 * -Infinity as Python's json writes them), null (missing: NaN), true/false (1/0); a string value
 * is an error naming the feature (no categorical encoders are supported yet). Object keys are
 * compared with the model's feature names after decoding escapes; unknown, repeated and missing
 * keys are errors.
 */
#ifndef PK_FEATURES_H
#define PK_FEATURES_H

#include "pk_model.h"

/* 1 when text (after leading whitespace) starts with '[' or '{'. */
int pk_features_is_json(const char *text, size_t len);

/* Parses text[0..len) into x[0..m->n_features). `seen` is caller-provided scratch of
 * m->n_features bytes. Errors (PK_EFEATURE, no function prefix): "KMeans expects 3 features, got
 * 2", "feature 2 ('petal width') is TEXT: KMeans takes numbers", "unknown feature 'foo' (KMeans
 * was fitted on ...)", "missing feature 'bar'", "bad JSON features at offset 7". */
pk_code pk_features_from_json(const pk_model *m, const char *text, size_t len, double *x,
                              unsigned char *seen, pk_err *err);

#endif /* PK_FEATURES_H */
