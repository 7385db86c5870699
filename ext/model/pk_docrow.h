/*
 * pk_docrow.h - models whose row is one document turned into a sparse row (internal to
 * ext/model): the text vectorizers (pk_vectorizer.c) and the JSON ones, DictVectorizer and
 * FeatureHasher (pk_dictvec.c). Such a model takes one PK_COL_TEXT or PK_COL_JSON column,
 * reads a text workspace from its scratch (pk_model.h) and gives its row to the next step of a
 * text pipeline through m->row_fn (pk_text_pipeline).
 */
#ifndef PK_DOCROW_H
#define PK_DOCROW_H

#include "pk_model_impl.h"
#include "pk_text.h"

/* A vectorizer's dtype (pk_mc_vec_dtype). */
enum { PK_DT_F64, PK_DT_F32, PK_DT_INT };

/* dtype: numpy.float64 / float32 / integer types, as a type, a dtype or a name (None:
 * float64); anything else is an error naming cls. */
pk_code pk_mc_vec_dtype(pk_mc *c, const char *cls, int *dt);

/* An allocator drawing from the model's arena (its frees do nothing), for pk_strmap tables.
 * NULL with c->err set. */
const pk_alloc *pk_mc_arena_alloc(pk_mc *c);

/* Declares a document transformer: one `kind` column, the workspace slot, transform of `width`
 * values by fn (a sparse row into *sv when the model sets sparse_out, else dense into out) and
 * the raw row by row_fn. */
pk_code pk_mc_doc_transformer(pk_mc *c, size_t width, pk_text_fn fn, pk_text_fn row_fn,
                              pk_col_kind kind);

/* Sorts a row by column keeping the data order of repeated columns (scipy's sort_indices on
 * rows of at most 16 entries; see pk_dictvec.c); uses ws->keys and ws->val2. */
pk_code pk_sparse_sort_stable(pk_sparse *x, pk_text_ws *ws, pk_err *err);

/* Adds up the repeated columns of a row sorted by column: each sum from 0.0 in data order, in
 * the row's dtype (toarray's sums; scipy's sum_duplicates gives the same for rows without
 * -0.0); zero sums are dropped when drop_zeros (csr_matrix of a dense row). */
void pk_sparse_merge(pk_sparse *x, int drop_zeros);

/* Adds the row's entries into the dense row d (in data order, in the row's dtype). */
void pk_sparse_add_dense(const pk_sparse *x, double *d);

pk_code pk_compile_dict_vectorizer(pk_mc *c); /* pk_dictvec.c: DictVectorizer */
pk_code pk_compile_feature_hasher(pk_mc *c);  /* pk_dictvec.c: FeatureHasher  */

#endif /* PK_DOCROW_H */
